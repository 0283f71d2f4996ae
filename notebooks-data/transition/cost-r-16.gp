# cost-r-16.gp -- written by fgattn report; run it in this folder: gnuplot cost-r-16.gp
if (!exists("out")) out = 'cost-r-16'
set datafile missing '?'
set key outside right top Left reverse
set grid
# y: the values drawn and a margin, not the next decade
set autoscale yfix
set offsets 0, 0, graph 0.04, graph 0.04
set title "poly's features r = C(d+g,d) at eps n^-2 (1/poly(n)): empirical g (solid), certified g (dashed)\nlowrank, B = beta sqrt(ln n), Theta(sqrt(log n))"
set xlabel 'n'
set ylabel 'features r'
set logscale x 2
set logscale y
set xrange [216.76679996480698:19349.383764861424]
set terminal pngcairo noenhanced size 1100,660
set output out.'.png'
plot 'cost-r-16.dat' using 1:2 with lines lw 1.5 lc rgb '#0067a5' dt 1 notitle, \
     '' using 1:3 with points pt 7 ps 1.2 lc rgb '#0067a5' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 1 title 'r_emp, beta = 0.25', \
     '' using 1:5 with lines lw 1.5 lc rgb '#0067a5' dt 2 notitle, \
     '' using 1:6 with points pt 7 ps 1.2 lc rgb '#0067a5' dt 2 notitle, \
     keyentry with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 2 title 'r_cert, beta = 0.25', \
     '' using 1:8 with lines lw 1.5 lc rgb '#e25822' dt 1 notitle, \
     '' using 1:9 with points pt 5 ps 1.2 lc rgb '#e25822' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 1 title 'r_emp, beta = 0.5', \
     '' using 1:11 with lines lw 1.5 lc rgb '#e25822' dt 2 notitle, \
     '' using 1:12 with points pt 5 ps 1.2 lc rgb '#e25822' dt 2 notitle, \
     keyentry with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 2 title 'r_cert, beta = 0.5', \
     '' using 1:14 with lines lw 1.5 lc rgb '#008856' dt 1 notitle, \
     '' using 1:15 with points pt 9 ps 1.2 lc rgb '#008856' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#008856' dt 1 title 'r_emp, beta = 1', \
     '' using 1:17 with lines lw 1.5 lc rgb '#008856' dt 2 notitle, \
     '' using 1:18 with points pt 9 ps 1.2 lc rgb '#008856' dt 2 notitle, \
     keyentry with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#008856' dt 2 title 'r_cert, beta = 1', \
     '' using 1:20 with lines lw 1.5 dt 3 lc rgb 'black' title 'r = n'
unset output
set terminal svg noenhanced size 1100,660
set output out.'.svg'
plot 'cost-r-16.dat' using 1:2 with lines lw 1.5 lc rgb '#0067a5' dt 1 notitle, \
     '' using 1:3 with points pt 7 ps 1.2 lc rgb '#0067a5' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 1 title 'r_emp, beta = 0.25', \
     '' using 1:5 with lines lw 1.5 lc rgb '#0067a5' dt 2 notitle, \
     '' using 1:6 with points pt 7 ps 1.2 lc rgb '#0067a5' dt 2 notitle, \
     keyentry with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 2 title 'r_cert, beta = 0.25', \
     '' using 1:8 with lines lw 1.5 lc rgb '#e25822' dt 1 notitle, \
     '' using 1:9 with points pt 5 ps 1.2 lc rgb '#e25822' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 1 title 'r_emp, beta = 0.5', \
     '' using 1:11 with lines lw 1.5 lc rgb '#e25822' dt 2 notitle, \
     '' using 1:12 with points pt 5 ps 1.2 lc rgb '#e25822' dt 2 notitle, \
     keyentry with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 2 title 'r_cert, beta = 0.5', \
     '' using 1:14 with lines lw 1.5 lc rgb '#008856' dt 1 notitle, \
     '' using 1:15 with points pt 9 ps 1.2 lc rgb '#008856' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#008856' dt 1 title 'r_emp, beta = 1', \
     '' using 1:17 with lines lw 1.5 lc rgb '#008856' dt 2 notitle, \
     '' using 1:18 with points pt 9 ps 1.2 lc rgb '#008856' dt 2 notitle, \
     keyentry with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#008856' dt 2 title 'r_cert, beta = 1', \
     '' using 1:20 with lines lw 1.5 dt 3 lc rgb 'black' title 'r = n'
unset output
