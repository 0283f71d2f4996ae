# rank-2.gp -- written by fgattn report; run it in this folder: gnuplot rank-2.gp
if (!exists("out")) out = 'rank-2'
set datafile missing '?'
set key outside right top
set grid
set title 'numerical rank of P, tol 0.001; dashed: C(d+k,k), k = 1..4, d = 9 (of n = 512)'
set xlabel 'n'
set ylabel 'numerical rank'
set logscale xy
set terminal pngcairo noenhanced size 960,600
set output out.'.png'
plot 'rank-2.dat' using 1:2 with linespoints title 'B = 0.25', \
     'rank-2.dat' using 1:3 with linespoints title 'B = 0.5', \
     'rank-2.dat' using 1:4 with linespoints title 'B = 1', \
     'rank-2.dat' using 1:5 with linespoints title 'B = 1.5', \
     'rank-2.dat' using 1:6 with linespoints title 'B = 2', \
     'rank-2.dat' using 1:7 with linespoints title 'B = 3', \
     10 with lines dashtype 2 lc rgb 'gray' title 'C(d+1,1) = 10', \
     55 with lines dashtype 2 lc rgb 'gray' title 'C(d+2,2) = 55', \
     220 with lines dashtype 2 lc rgb 'gray' title 'C(d+3,3) = 220', \
     715 with lines dashtype 2 lc rgb 'gray' title 'C(d+4,4) = 715'
unset output
set terminal svg noenhanced size 960,600
set output out.'.svg'
plot 'rank-2.dat' using 1:2 with linespoints title 'B = 0.25', \
     'rank-2.dat' using 1:3 with linespoints title 'B = 0.5', \
     'rank-2.dat' using 1:4 with linespoints title 'B = 1', \
     'rank-2.dat' using 1:5 with linespoints title 'B = 1.5', \
     'rank-2.dat' using 1:6 with linespoints title 'B = 2', \
     'rank-2.dat' using 1:7 with linespoints title 'B = 3', \
     10 with lines dashtype 2 lc rgb 'gray' title 'C(d+1,1) = 10', \
     55 with lines dashtype 2 lc rgb 'gray' title 'C(d+2,2) = 55', \
     220 with lines dashtype 2 lc rgb 'gray' title 'C(d+3,3) = 220', \
     715 with lines dashtype 2 lc rgb 'gray' title 'C(d+4,4) = 715'
unset output
