# error-vs-B-21.gp -- written by fgattn report; run it in this folder: gnuplot error-vs-B-21.gp
if (!exists("out")) out = 'error-vs-B-21'
set datafile missing '?'
set key outside right top
set grid
set title "max_abs error against B: tsketch, m = 256\nlowrank, law 1: B fixed, o(sqrt(log n)); n = 512"
set xlabel 'B'
set ylabel 'max_abs error'
set logscale y
set offsets graph 0.03, graph 0.03, 0, 0
set terminal pngcairo noenhanced size 1100,660
set output out.'.png'
plot 'error-vs-B-21.dat' using 1:2 with linespoints lt 1 pt 7 title 'n = 512'
unset output
set terminal svg noenhanced size 1100,660
set output out.'.svg'
plot 'error-vs-B-21.dat' using 1:2 with linespoints lt 1 pt 7 title 'n = 512'
unset output
