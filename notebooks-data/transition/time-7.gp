# time-7.gp -- written by fgattn report; run it in this folder: gnuplot time-7.gp
if (!exists("out")) out = 'time-7'
set datafile missing '?'
set key outside right top Left reverse
set grid
# y: the values drawn and a margin, not the next decade
set autoscale yfix
set offsets 0, 0, graph 0.04, graph 0.04
set title "wall time against n, each method at its largest size; slopes fitted per beta\nlowrank, B = beta (ln n)^(1/4), o(sqrt(log n))"
set xlabel 'n'
set ylabel 'wall seconds (mean over seeds)'
set logscale x 2
set logscale y
set xrange [235.56803855996804:2225.6329984533668]
set terminal pngcairo noenhanced size 1160,660
set output out.'.png'
plot 'time-7.dat' using 1:2 with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 1 title 'rf m = 256, beta = 0.25: slope 1.47', \
     '' using 1:3 with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#0067a5' dt 2 title 'rf m = 256, beta = 0.5: slope 1.33', \
     '' using 1:4 with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#0067a5' dt 3 title 'rf m = 256, beta = 1: slope 0.70', \
     '' using 1:5 with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#e25822' dt 1 title 'nystrom m = 256, beta = 0.25: slope 0.16', \
     '' using 1:6 with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 2 title 'nystrom m = 256, beta = 0.5: slope -2.74', \
     '' using 1:7 with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#e25822' dt 3 title 'nystrom m = 256, beta = 1: slope -2.92'
unset output
set terminal svg noenhanced size 1160,660
set output out.'.svg'
plot 'time-7.dat' using 1:2 with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 1 title 'rf m = 256, beta = 0.25: slope 1.47', \
     '' using 1:3 with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#0067a5' dt 2 title 'rf m = 256, beta = 0.5: slope 1.33', \
     '' using 1:4 with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#0067a5' dt 3 title 'rf m = 256, beta = 1: slope 0.70', \
     '' using 1:5 with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#e25822' dt 1 title 'nystrom m = 256, beta = 0.25: slope 0.16', \
     '' using 1:6 with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 2 title 'nystrom m = 256, beta = 0.5: slope -2.74', \
     '' using 1:7 with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#e25822' dt 3 title 'nystrom m = 256, beta = 1: slope -2.92'
unset output
