# least-size-14.gp -- written by fgattn report; run it in this folder: gnuplot least-size-14.gp
if (!exists("out")) out = 'least-size-14'
set datafile missing '?'
set key outside right top Left reverse
set grid
# y: the values drawn and a margin, not the next decade
set autoscale yfix
set offsets 0, 0, graph 0.04, graph 0.04
set title "least landmarks m of nystrom reaching error 1/n (1/poly(n))\nlowrank, B = beta (ln n)^(1/4), o(sqrt(log n))"
set xlabel 'beta'
set ylabel 'least landmarks m'
set logscale y
set xrange [0.22:1.03]
set ytics (1, 2, 5, 10, 20)
set terminal pngcairo noenhanced size 1100,660
set output out.'.png'
plot 'least-size-14.dat' using 1:2 with lines lw 1.5 lc rgb '#0067a5' dt 1 notitle, \
     '' using 1:3 with points pt 7 ps 1.2 lc rgb '#0067a5' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 1 title 'n = 256', \
     '' using 1:7 with lines lw 1.5 lc rgb '#e25822' dt 1 notitle, \
     '' using 1:8 with points pt 5 ps 1.2 lc rgb '#e25822' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 1 title 'n = 512', \
     '' using 1:12 with lines lw 1.5 lc rgb '#008856' dt 1 notitle, \
     '' using 1:13 with points pt 9 ps 1.2 lc rgb '#008856' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#008856' dt 1 title 'n = 1024'
unset output
set terminal svg noenhanced size 1100,660
set output out.'.svg'
plot 'least-size-14.dat' using 1:2 with lines lw 1.5 lc rgb '#0067a5' dt 1 notitle, \
     '' using 1:3 with points pt 7 ps 1.2 lc rgb '#0067a5' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 1 title 'n = 256', \
     '' using 1:7 with lines lw 1.5 lc rgb '#e25822' dt 1 notitle, \
     '' using 1:8 with points pt 5 ps 1.2 lc rgb '#e25822' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 1 title 'n = 512', \
     '' using 1:12 with lines lw 1.5 lc rgb '#008856' dt 1 notitle, \
     '' using 1:13 with points pt 9 ps 1.2 lc rgb '#008856' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#008856' dt 1 title 'n = 1024'
unset output
