# error-vs-B-2.gp -- written by fgattn report; run it in this folder: gnuplot error-vs-B-2.gp
if (!exists("out")) out = 'error-vs-B-2'
set datafile missing '?'
set key outside right top Left reverse
set grid
# y: the values drawn and a margin, not the next decade
set autoscale yfix
set offsets 0, 0, graph 0.04, graph 0.04
set title "max_abs error against B, every method, n = 512\nrademacher, B fixed (law 1), o(sqrt(log n))"
set xlabel 'B'
set ylabel 'max_abs error (mean over seeds)'
set logscale y
set xrange [0.10000000000000001:4.1500000000000004]
set format y '%.0e'
set terminal pngcairo noenhanced size 1100,660
set output out.'.png'
plot 'error-vs-B-2.dat' using 1:2 with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 1 title 'poly, deg = 4', \
     '' using 1:3 with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 1 title 'poly, deg = 8', \
     '' using 1:4 with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#008856' dt 1 title 'tsketch, m = 256', \
     '' using 1:5 with linespoints lw 1.5 pt 11 ps 1.2 lc rgb '#875692' dt 1 title 'rf, m = 64', \
     '' using 1:6 with linespoints lw 1.5 pt 13 ps 1.2 lc rgb '#f6a600' dt 1 title 'rf, m = 256', \
     '' using 1:7 with linespoints lw 1.5 pt 15 ps 1.2 lc rgb '#be0032' dt 1 title 'nystrom, m = 32', \
     '' using 1:8 with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#56b4e9' dt 1 title 'nystrom, m = 128', \
     '' using 1:9 with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#654522' dt 1 title 'svd, k = 16', \
     '' using 1:10 with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#e68fac' dt 1 title 'svd, k = 64', \
     '' using 1:11 with linespoints lw 1.5 pt 11 ps 1.2 lc rgb '#8db600' dt 1 title 'window, w = 32', \
     '' using 1:12 with linespoints lw 1.5 pt 13 ps 1.2 lc rgb '#848482' dt 1 title 'dilated, w = 64'
unset output
set terminal svg noenhanced size 1100,660
set output out.'.svg'
plot 'error-vs-B-2.dat' using 1:2 with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 1 title 'poly, deg = 4', \
     '' using 1:3 with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 1 title 'poly, deg = 8', \
     '' using 1:4 with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#008856' dt 1 title 'tsketch, m = 256', \
     '' using 1:5 with linespoints lw 1.5 pt 11 ps 1.2 lc rgb '#875692' dt 1 title 'rf, m = 64', \
     '' using 1:6 with linespoints lw 1.5 pt 13 ps 1.2 lc rgb '#f6a600' dt 1 title 'rf, m = 256', \
     '' using 1:7 with linespoints lw 1.5 pt 15 ps 1.2 lc rgb '#be0032' dt 1 title 'nystrom, m = 32', \
     '' using 1:8 with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#56b4e9' dt 1 title 'nystrom, m = 128', \
     '' using 1:9 with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#654522' dt 1 title 'svd, k = 16', \
     '' using 1:10 with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#e68fac' dt 1 title 'svd, k = 64', \
     '' using 1:11 with linespoints lw 1.5 pt 11 ps 1.2 lc rgb '#8db600' dt 1 title 'window, w = 32', \
     '' using 1:12 with linespoints lw 1.5 pt 13 ps 1.2 lc rgb '#848482' dt 1 title 'dilated, w = 64'
unset output
