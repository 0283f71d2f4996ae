# least-size-1.gp -- written by fgattn report; run it in this folder: gnuplot least-size-1.gp
if (!exists("out")) out = 'least-size-1'
set datafile missing '?'
set key outside right top
set grid
set title 'least size of poly reaching 0.01, against beta'
set xlabel 'beta'
set ylabel 'least size (log scale)'
set logscale y
set terminal pngcairo noenhanced size 960,600
set output out.'.png'
plot 'least-size-1.dat' using 1:2 with linespoints title 'n = 128', \
     'least-size-1.dat' using 1:3 with linespoints title 'n = 256', \
     'least-size-1.dat' using 1:4 with linespoints title 'n = 512', \
     'least-size-1.dat' using 1:5 with linespoints title 'n = 1024', \
     'least-size-1.dat' using 1:6 with linespoints title 'n = 2048'
unset output
set terminal svg noenhanced size 960,600
set output out.'.svg'
plot 'least-size-1.dat' using 1:2 with linespoints title 'n = 128', \
     'least-size-1.dat' using 1:3 with linespoints title 'n = 256', \
     'least-size-1.dat' using 1:4 with linespoints title 'n = 512', \
     'least-size-1.dat' using 1:5 with linespoints title 'n = 1024', \
     'least-size-1.dat' using 1:6 with linespoints title 'n = 2048'
unset output
