# time-5.gp -- written by fgattn report; run it in this folder: gnuplot time-5.gp
if (!exists("out")) out = 'time-5'
set datafile missing '?'
set key outside right top
set grid
set title "wall time against n, each method at its largest size; slope: least-squares fit of log time against log n\nclustered, law 1: B fixed, o(sqrt(log n)); n = 512"
set xlabel 'n'
set ylabel 'seconds'
set logscale xy
set offsets graph 0.03, graph 0.03, 0, 0
set xrange [256:1024]
set terminal pngcairo noenhanced size 1100,660
set output out.'.png'
plot 'time-5.dat' using 1:2 with linespoints lt 1 pt 7 title 'poly (slope nan)', \
     '' using 1:3 with linespoints lt 2 pt 7 title 'tsketch (slope nan)', \
     '' using 1:4 with linespoints lt 3 pt 7 title 'rf (slope nan)', \
     '' using 1:5 with linespoints lt 4 pt 7 title 'nystrom (slope nan)', \
     '' using 1:6 with linespoints lt 5 pt 7 title 'svd (slope nan)', \
     '' using 1:7 with linespoints lt 6 pt 7 title 'window (slope nan)', \
     '' using 1:8 with linespoints lt 7 pt 7 title 'dilated (slope nan)'
unset output
set terminal svg noenhanced size 1100,660
set output out.'.svg'
plot 'time-5.dat' using 1:2 with linespoints lt 1 pt 7 title 'poly (slope nan)', \
     '' using 1:3 with linespoints lt 2 pt 7 title 'tsketch (slope nan)', \
     '' using 1:4 with linespoints lt 3 pt 7 title 'rf (slope nan)', \
     '' using 1:5 with linespoints lt 4 pt 7 title 'nystrom (slope nan)', \
     '' using 1:6 with linespoints lt 5 pt 7 title 'svd (slope nan)', \
     '' using 1:7 with linespoints lt 6 pt 7 title 'window (slope nan)', \
     '' using 1:8 with linespoints lt 7 pt 7 title 'dilated (slope nan)'
unset output
