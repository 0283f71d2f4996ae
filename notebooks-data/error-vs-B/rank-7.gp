# rank-7.gp -- written by fgattn report; run it in this folder: gnuplot rank-7.gp
if (!exists("out")) out = 'rank-7'
set datafile missing '?'
set key outside right top
set grid
set title "numerical rank of P, tol 1/n (1/poly(n)); dashed: C(d+k,k), k = 1..4, d = 9 (of n = 512); dotted: n\nlowrank, law 1: B fixed, o(sqrt(log n)); n = 512"
set xlabel 'n'
set ylabel 'numerical rank'
set logscale xy
set autoscale xfix
set offsets graph 0.03, graph 0.03, 0, 0
set xrange [256:1024]
set terminal pngcairo noenhanced size 1100,660
set output out.'.png'
plot 'rank-7.dat' using 1:3 with points lt 1 pt 7 title 'B = 0.25', \
     '' using 1:6 with points lt 2 pt 7 title 'B = 0.5', \
     '' using 1:9 with points lt 3 pt 7 title 'B = 1', \
     '' using 1:12 with points lt 4 pt 7 title 'B = 1.5', \
     '' using 1:15 with points lt 5 pt 7 title 'B = 2', \
     '' using 1:18 with points lt 6 pt 7 title 'B = 3', \
     '' using 1:21 with points lt 7 pt 7 title 'B = 4', \
     10 with lines dashtype 2 lc rgb 'gray' title 'C(d+1,1) = 10', \
     55 with lines dashtype 2 lc rgb 'gray' title 'C(d+2,2) = 55', \
     220 with lines dashtype 2 lc rgb 'gray' title 'C(d+3,3) = 220', \
     715 with lines dashtype 2 lc rgb 'gray' title 'C(d+4,4) = 715', \
     x with lines dt 3 lc rgb 'black' title 'n'
unset output
set terminal svg noenhanced size 1100,660
set output out.'.svg'
plot 'rank-7.dat' using 1:3 with points lt 1 pt 7 title 'B = 0.25', \
     '' using 1:6 with points lt 2 pt 7 title 'B = 0.5', \
     '' using 1:9 with points lt 3 pt 7 title 'B = 1', \
     '' using 1:12 with points lt 4 pt 7 title 'B = 1.5', \
     '' using 1:15 with points lt 5 pt 7 title 'B = 2', \
     '' using 1:18 with points lt 6 pt 7 title 'B = 3', \
     '' using 1:21 with points lt 7 pt 7 title 'B = 4', \
     10 with lines dashtype 2 lc rgb 'gray' title 'C(d+1,1) = 10', \
     55 with lines dashtype 2 lc rgb 'gray' title 'C(d+2,2) = 55', \
     220 with lines dashtype 2 lc rgb 'gray' title 'C(d+3,3) = 220', \
     715 with lines dashtype 2 lc rgb 'gray' title 'C(d+4,4) = 715', \
     x with lines dt 3 lc rgb 'black' title 'n'
unset output
