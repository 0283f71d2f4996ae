# error-vs-beta-4.gp -- written by fgattn report; run it in this folder: gnuplot error-vs-beta-4.gp
if (!exists("out")) out = 'error-vs-beta-4'
set datafile missing '?'
set key outside right top
set grid
set title 'max_abs error against beta: poly, deg = 6 (mean over seeds)'
set xlabel 'beta'
set ylabel 'max_abs error'
set logscale y
set format y '%.0e'
set terminal pngcairo noenhanced size 960,600
set output out.'.png'
plot 'error-vs-beta-4.dat' using 1:2 with linespoints title 'n = 128', \
     'error-vs-beta-4.dat' using 1:3 with linespoints title 'n = 256', \
     'error-vs-beta-4.dat' using 1:4 with linespoints title 'n = 512', \
     'error-vs-beta-4.dat' using 1:5 with linespoints title 'n = 1024', \
     'error-vs-beta-4.dat' using 1:6 with linespoints title 'n = 2048'
unset output
set terminal svg noenhanced size 960,600
set output out.'.svg'
plot 'error-vs-beta-4.dat' using 1:2 with linespoints title 'n = 128', \
     'error-vs-beta-4.dat' using 1:3 with linespoints title 'n = 256', \
     'error-vs-beta-4.dat' using 1:4 with linespoints title 'n = 512', \
     'error-vs-beta-4.dat' using 1:5 with linespoints title 'n = 1024', \
     'error-vs-beta-4.dat' using 1:6 with linespoints title 'n = 2048'
unset output
