# rank-16.gp -- written by fgattn report; run it in this folder: gnuplot rank-16.gp
if (!exists("out")) out = 'rank-16'
set datafile missing '?'
set key outside right top Left reverse
set grid
# y: the values drawn and a margin, not the next decade
set autoscale yfix
set offsets 0, 0, graph 0.04, graph 0.04
set title "numerical rank of P at tol 1/n (1/poly(n)); levels C(d+k,k), d = 8..14 by n\ngaussian, B = beta sqrt(ln n), Theta(sqrt(log n))"
set xlabel 'n'
set ylabel 'numerical rank'
set logscale x 2
set logscale y
set xrange [216.76679996480698:19349.383764861424]
set terminal pngcairo noenhanced size 1100,660
set output out.'.png'
plot 'rank-16.dat' using 1:2 with lines lw 1.5 lc rgb '#0067a5' dt 1 notitle, \
     '' using 1:3 with points pt 7 ps 1.2 lc rgb '#0067a5' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 1 title 'beta = 0.25', \
     '' using 1:5 with lines lw 1.5 lc rgb '#e25822' dt 1 notitle, \
     '' using 1:6 with points pt 5 ps 1.2 lc rgb '#e25822' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 1 title 'beta = 0.5', \
     '' using 1:8 with lines lw 1.5 lc rgb '#008856' dt 1 notitle, \
     '' using 1:9 with points pt 9 ps 1.2 lc rgb '#008856' dt 1 notitle, \
     '' using 1:10 with points pt 8 ps 1.4 lw 1.5 lc rgb '#008856' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#008856' dt 1 title 'beta = 1', \
     '' using 1:11 with lines lw 1.2 dt 2 lc rgb '#a0a0a0' title 'C(d+1,1)', \
     '' using 1:12 with lines lw 1.2 dt 4 lc rgb '#808080' title 'C(d+2,2)', \
     '' using 1:13 with lines lw 1.2 dt 5 lc rgb '#606060' title 'C(d+3,3)', \
     '' using 1:14 with lines lw 1.2 dt (40,12) lc rgb '#404040' title 'C(d+4,4)', \
     '' using 1:15 with lines lw 1.5 dt 3 lc rgb 'black' title 'rank = n', \
     keyentry with points pt 6 ps 1.4 lw 1.5 lc rgb 'gray40' title 'open: censored (a lower bound)'
unset output
set terminal svg noenhanced size 1100,660
set output out.'.svg'
plot 'rank-16.dat' using 1:2 with lines lw 1.5 lc rgb '#0067a5' dt 1 notitle, \
     '' using 1:3 with points pt 7 ps 1.2 lc rgb '#0067a5' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 1 title 'beta = 0.25', \
     '' using 1:5 with lines lw 1.5 lc rgb '#e25822' dt 1 notitle, \
     '' using 1:6 with points pt 5 ps 1.2 lc rgb '#e25822' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 1 title 'beta = 0.5', \
     '' using 1:8 with lines lw 1.5 lc rgb '#008856' dt 1 notitle, \
     '' using 1:9 with points pt 9 ps 1.2 lc rgb '#008856' dt 1 notitle, \
     '' using 1:10 with points pt 8 ps 1.4 lw 1.5 lc rgb '#008856' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#008856' dt 1 title 'beta = 1', \
     '' using 1:11 with lines lw 1.2 dt 2 lc rgb '#a0a0a0' title 'C(d+1,1)', \
     '' using 1:12 with lines lw 1.2 dt 4 lc rgb '#808080' title 'C(d+2,2)', \
     '' using 1:13 with lines lw 1.2 dt 5 lc rgb '#606060' title 'C(d+3,3)', \
     '' using 1:14 with lines lw 1.2 dt (40,12) lc rgb '#404040' title 'C(d+4,4)', \
     '' using 1:15 with lines lw 1.5 dt 3 lc rgb 'black' title 'rank = n', \
     keyentry with points pt 6 ps 1.4 lw 1.5 lc rgb 'gray40' title 'open: censored (a lower bound)'
unset output
