# time-9.gp -- written by fgattn report; run it in this folder: gnuplot time-9.gp
if (!exists("out")) out = 'time-9'
set datafile missing '?'
set key outside right top
set grid
set title "wall time against n, each method at its largest size; slope: least-squares fit of log time against log n\nclustered, law (ln n)^(1/4): B = beta (ln n)^(1/4), o(sqrt(log n)); n = 256..16384"
set xlabel 'n'
set ylabel 'seconds'
set logscale xy
set offsets graph 0.03, graph 0.03, 0, 0
set terminal pngcairo noenhanced size 1100,660
set output out.'.png'
plot 'time-9.dat' using 1:2 with linespoints lt 1 pt 7 title 'rf (slope 1.52)', \
     '' using 1:3 with linespoints lt 2 pt 7 title 'nystrom (slope -1.99)'
unset output
set terminal svg noenhanced size 1100,660
set output out.'.svg'
plot 'time-9.dat' using 1:2 with linespoints lt 1 pt 7 title 'rf (slope 1.52)', \
     '' using 1:3 with linespoints lt 2 pt 7 title 'nystrom (slope -1.99)'
unset output
