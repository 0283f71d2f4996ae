# error-vs-beta-31.gp -- written by fgattn report; run it in this folder: gnuplot error-vs-beta-31.gp
if (!exists("out")) out = 'error-vs-beta-31'
set datafile missing '?'
set key outside right top
set grid
set title "max_abs error against beta: nystrom, m = 64\nlowrank, law sqrt(ln n): B = beta sqrt(ln n), Theta(sqrt(log n)); n = 256..16384"
set xlabel 'beta'
set ylabel 'max_abs error'
set logscale y
set offsets graph 0.03, graph 0.03, 0, 0
set terminal pngcairo noenhanced size 1100,660
set output out.'.png'
plot 'error-vs-beta-31.dat' using 1:2 with linespoints lt 1 pt 7 title 'n = 256', \
     '' using 1:3 with linespoints lt 2 pt 7 title 'n = 512', \
     '' using 1:4 with linespoints lt 3 pt 7 title 'n = 1024'
unset output
set terminal svg noenhanced size 1100,660
set output out.'.svg'
plot 'error-vs-beta-31.dat' using 1:2 with linespoints lt 1 pt 7 title 'n = 256', \
     '' using 1:3 with linespoints lt 2 pt 7 title 'n = 512', \
     '' using 1:4 with linespoints lt 3 pt 7 title 'n = 1024'
unset output
