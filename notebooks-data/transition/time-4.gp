# time-4.gp -- written by fgattn report; run it in this folder: gnuplot time-4.gp
if (!exists("out")) out = 'time-4'
set datafile missing '?'
set key outside right top
set grid
set title "wall time against n, each method at its largest size; slope: least-squares fit of log time against log n\nrademacher, law sqrt(ln n): B = beta sqrt(ln n), Theta(sqrt(log n)); n = 256..16384"
set xlabel 'n'
set ylabel 'seconds'
set logscale xy
set offsets graph 0.03, graph 0.03, 0, 0
set terminal pngcairo noenhanced size 1100,660
set output out.'.png'
plot 'time-4.dat' using 1:2 with linespoints lt 1 pt 7 title 'rf (slope 1.30)', \
     '' using 1:3 with linespoints lt 2 pt 7 title 'nystrom (slope 0.15)'
unset output
set terminal svg noenhanced size 1100,660
set output out.'.svg'
plot 'time-4.dat' using 1:2 with linespoints lt 1 pt 7 title 'rf (slope 1.30)', \
     '' using 1:3 with linespoints lt 2 pt 7 title 'nystrom (slope 0.15)'
unset output
