# least-size-7.gp -- written by fgattn report; run it in this folder: gnuplot least-size-7.gp
if (!exists("out")) out = 'least-size-7'
set datafile missing '?'
set key outside right top Left reverse
set grid
# y: the values drawn and a margin, not the next decade
set autoscale yfix
set offsets 0, 0, graph 0.04, graph 0.04
set title "least features m of rf reaching error 1/n (1/poly(n))\nrademacher, B = beta sqrt(ln n), Theta(sqrt(log n))"
set xlabel 'beta'
set ylabel 'least features m'
set logscale y
set xrange [0.22:1.03]
set ytics (500, 1e+03, 2e+03)
set terminal pngcairo noenhanced size 1100,660
set output out.'.png'
plot 'least-size-7.dat' using 1:2 with lines lw 1.5 lc rgb '#0067a5' dt 1 notitle, \
     '' using 1:4 with points pt 6 ps 1.4 lw 1.5 lc rgb '#0067a5' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 6 ps 1.2 lc rgb '#0067a5' dt 1 title 'n = 256', \
     '' using 1:7 with lines lw 1.5 lc rgb '#e25822' dt 1 notitle, \
     '' using 1:9 with points pt 4 ps 1.4 lw 1.5 lc rgb '#e25822' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 4 ps 1.2 lc rgb '#e25822' dt 1 title 'n = 512', \
     '' using 1:12 with lines lw 1.5 lc rgb '#008856' dt 1 notitle, \
     '' using 1:14 with points pt 8 ps 1.4 lw 1.5 lc rgb '#008856' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 8 ps 1.2 lc rgb '#008856' dt 1 title 'n = 1024', \
     '' using 1:17 with lines lw 1.5 lc rgb '#875692' dt 1 notitle, \
     '' using 1:19 with points pt 10 ps 1.4 lw 1.5 lc rgb '#875692' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 10 ps 1.2 lc rgb '#875692' dt 1 title 'n = 2048', \
     keyentry with points pt 6 ps 1.4 lw 1.5 lc rgb 'gray40' title 'open: censored (a lower bound)'
unset output
set terminal svg noenhanced size 1100,660
set output out.'.svg'
plot 'least-size-7.dat' using 1:2 with lines lw 1.5 lc rgb '#0067a5' dt 1 notitle, \
     '' using 1:4 with points pt 6 ps 1.4 lw 1.5 lc rgb '#0067a5' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 6 ps 1.2 lc rgb '#0067a5' dt 1 title 'n = 256', \
     '' using 1:7 with lines lw 1.5 lc rgb '#e25822' dt 1 notitle, \
     '' using 1:9 with points pt 4 ps 1.4 lw 1.5 lc rgb '#e25822' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 4 ps 1.2 lc rgb '#e25822' dt 1 title 'n = 512', \
     '' using 1:12 with lines lw 1.5 lc rgb '#008856' dt 1 notitle, \
     '' using 1:14 with points pt 8 ps 1.4 lw 1.5 lc rgb '#008856' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 8 ps 1.2 lc rgb '#008856' dt 1 title 'n = 1024', \
     '' using 1:17 with lines lw 1.5 lc rgb '#875692' dt 1 notitle, \
     '' using 1:19 with points pt 10 ps 1.4 lw 1.5 lc rgb '#875692' dt 1 notitle, \
     keyentry with linespoints lw 1.5 pt 10 ps 1.2 lc rgb '#875692' dt 1 title 'n = 2048', \
     keyentry with points pt 6 ps 1.4 lw 1.5 lc rgb 'gray40' title 'open: censored (a lower bound)'
unset output
