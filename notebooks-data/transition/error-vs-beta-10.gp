# error-vs-beta-10.gp -- written by fgattn report; run it in this folder: gnuplot error-vs-beta-10.gp
if (!exists("out")) out = 'error-vs-beta-10'
set datafile missing '?'
set key outside right top Left reverse
set grid
# y: the values drawn and a margin, not the next decade
set autoscale yfix
set offsets 0, 0, graph 0.04, graph 0.04
set title "max_abs error against beta, every method, n = 512\nrademacher, B = beta (ln n)^(1/4), o(sqrt(log n))"
set xlabel 'beta'
set ylabel 'max_abs error (mean over seeds)'
set logscale y
set xrange [0.22:1.03]
set format y '%.0e'
set terminal pngcairo noenhanced size 1100,660
set output out.'.png'
plot 'error-vs-beta-10.dat' using 1:2 with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 1 title 'rf, m = 64', \
     '' using 1:3 with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 1 title 'rf, m = 256', \
     '' using 1:4 with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#008856' dt 1 title 'nystrom, m = 64', \
     '' using 1:5 with linespoints lw 1.5 pt 11 ps 1.2 lc rgb '#875692' dt 1 title 'nystrom, m = 256'
unset output
set terminal svg noenhanced size 1100,660
set output out.'.svg'
plot 'error-vs-beta-10.dat' using 1:2 with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 1 title 'rf, m = 64', \
     '' using 1:3 with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 1 title 'rf, m = 256', \
     '' using 1:4 with linespoints lw 1.5 pt 9 ps 1.2 lc rgb '#008856' dt 1 title 'nystrom, m = 64', \
     '' using 1:5 with linespoints lw 1.5 pt 11 ps 1.2 lc rgb '#875692' dt 1 title 'nystrom, m = 256'
unset output
