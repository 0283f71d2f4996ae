# time-9.gp -- written by fgattn report; run it in this folder: gnuplot time-9.gp
if (!exists("out")) out = 'time-9'
set datafile missing '?'
set key outside right top Left reverse
set grid
# y: the values drawn and a margin, not the next decade
set autoscale yfix
set offsets 0, 0, graph 0.04, graph 0.04
set title "wall time against n, each method at its largest size; slopes fitted per beta\nclustered, B = beta (ln n)^(1/4), o(sqrt(log n))"
set xlabel 'n'
set ylabel 'wall seconds (mean over seeds)'
set logscale x 2
set logscale y
set xrange [235.56803855996804:2225.6329984533668]
set terminal pngcairo noenhanced size 1169,660
set output out.'.png'
plot 'time-9.dat' using 1:2 with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 1 title 'rf m = 256, beta = 0.25: slope 1.07', \
     '' using 1:3 with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#0067a5' dt 2 title 'rf m = 256, beta = 0.5: slope 1.61', \
     '' using 1:4 with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#0067a5' dt 3 title 'rf m = 256, beta = 1: slope 1.64', \
     '' using 1:5 with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#e25822' dt 1 title 'nystrom m = 256, beta = 0.25: slope -1.58', \
     '' using 1:6 with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 2 title 'nystrom m = 256, beta = 0.5: slope -2.68', \
     '' using 1:7 with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#e25822' dt 3 title 'nystrom m = 256, beta = 1: slope 0.66'
unset output
set terminal svg noenhanced size 1169,660
set output out.'.svg'
plot 'time-9.dat' using 1:2 with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 1 title 'rf m = 256, beta = 0.25: slope 1.07', \
     '' using 1:3 with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#0067a5' dt 2 title 'rf m = 256, beta = 0.5: slope 1.61', \
     '' using 1:4 with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#0067a5' dt 3 title 'rf m = 256, beta = 1: slope 1.64', \
     '' using 1:5 with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#e25822' dt 1 title 'nystrom m = 256, beta = 0.25: slope -1.58', \
     '' using 1:6 with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 2 title 'nystrom m = 256, beta = 0.5: slope -2.68', \
     '' using 1:7 with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#e25822' dt 3 title 'nystrom m = 256, beta = 1: slope 0.66'
unset output
