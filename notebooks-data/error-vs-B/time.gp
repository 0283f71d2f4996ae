# time.gp -- written by fgattn report; run it in this folder: gnuplot time.gp
if (!exists("out")) out = 'time'
set datafile missing '?'
set key outside right top
set grid
set title 'wall time against n, each method at its largest size; slope: least-squares fit of log time against log n'
set xlabel 'n'
set ylabel 'seconds'
set logscale xy
set terminal pngcairo noenhanced size 960,600
set output out.'.png'
plot 'time.dat' using 1:2 with linespoints title 'poly (slope nan)', \
     'time.dat' using 1:3 with linespoints title 'tsketch (slope nan)', \
     'time.dat' using 1:4 with linespoints title 'rf (slope nan)', \
     'time.dat' using 1:5 with linespoints title 'nystrom (slope nan)', \
     'time.dat' using 1:6 with linespoints title 'svd (slope nan)', \
     'time.dat' using 1:7 with linespoints title 'window (slope nan)', \
     'time.dat' using 1:8 with linespoints title 'dilated (slope nan)'
unset output
set terminal svg noenhanced size 960,600
set output out.'.svg'
plot 'time.dat' using 1:2 with linespoints title 'poly (slope nan)', \
     'time.dat' using 1:3 with linespoints title 'tsketch (slope nan)', \
     'time.dat' using 1:4 with linespoints title 'rf (slope nan)', \
     'time.dat' using 1:5 with linespoints title 'nystrom (slope nan)', \
     'time.dat' using 1:6 with linespoints title 'svd (slope nan)', \
     'time.dat' using 1:7 with linespoints title 'window (slope nan)', \
     'time.dat' using 1:8 with linespoints title 'dilated (slope nan)'
unset output
