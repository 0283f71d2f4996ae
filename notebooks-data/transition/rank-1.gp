# rank-1.gp -- written by fgattn report; run it in this folder: gnuplot rank-1.gp
if (!exists("out")) out = 'rank-1'
set datafile missing '?'
set key outside right top
set grid
set title 'numerical rank of P, tol 1/n; dashed: C(d+k,k), k = 1..4, d = 11 (of n = 2048)'
set xlabel 'n'
set ylabel 'numerical rank'
set logscale xy
set terminal pngcairo noenhanced size 960,600
set output out.'.png'
plot 'rank-1.dat' using 1:2 with linespoints title 'beta = 0.25', \
     'rank-1.dat' using 1:3 with linespoints title 'beta = 0.5', \
     'rank-1.dat' using 1:4 with linespoints title 'beta = 0.75', \
     'rank-1.dat' using 1:5 with linespoints title 'beta = 1', \
     'rank-1.dat' using 1:6 with linespoints title 'beta = 1.25', \
     'rank-1.dat' using 1:7 with linespoints title 'beta = 1.5', \
     'rank-1.dat' using 1:8 with linespoints title 'beta = 2', \
     12 with lines dashtype 2 lc rgb 'gray' title 'C(d+1,1) = 12', \
     78 with lines dashtype 2 lc rgb 'gray' title 'C(d+2,2) = 78', \
     364 with lines dashtype 2 lc rgb 'gray' title 'C(d+3,3) = 364', \
     1365 with lines dashtype 2 lc rgb 'gray' title 'C(d+4,4) = 1365'
unset output
set terminal svg noenhanced size 960,600
set output out.'.svg'
plot 'rank-1.dat' using 1:2 with linespoints title 'beta = 0.25', \
     'rank-1.dat' using 1:3 with linespoints title 'beta = 0.5', \
     'rank-1.dat' using 1:4 with linespoints title 'beta = 0.75', \
     'rank-1.dat' using 1:5 with linespoints title 'beta = 1', \
     'rank-1.dat' using 1:6 with linespoints title 'beta = 1.25', \
     'rank-1.dat' using 1:7 with linespoints title 'beta = 1.5', \
     'rank-1.dat' using 1:8 with linespoints title 'beta = 2', \
     12 with lines dashtype 2 lc rgb 'gray' title 'C(d+1,1) = 12', \
     78 with lines dashtype 2 lc rgb 'gray' title 'C(d+2,2) = 78', \
     364 with lines dashtype 2 lc rgb 'gray' title 'C(d+3,3) = 364', \
     1365 with lines dashtype 2 lc rgb 'gray' title 'C(d+4,4) = 1365'
unset output
