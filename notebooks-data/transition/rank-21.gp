# rank-21.gp -- written by fgattn report; run it in this folder: gnuplot rank-21.gp
if (!exists("out")) out = 'rank-21'
set datafile missing '?'
set key outside right top
set grid
set title "numerical rank of P, tol 1e-3 (fixed); dashed: C(d+k,k), k = 1..4, d = 14 (of n = 16384); dotted: n\nlowrank, law (ln n)^(1/4): B = beta (ln n)^(1/4), o(sqrt(log n)); n = 256..16384"
set xlabel 'n'
set ylabel 'numerical rank'
set logscale xy
set autoscale xfix
set offsets graph 0.03, graph 0.03, 0, 0
set terminal pngcairo noenhanced size 1100,660
set output out.'.png'
plot 'rank-21.dat' using 1:2 with lines lt 1 notitle, \
     '' using 1:3 with points lt 1 pt 7 title 'beta = 0.25', \
     '' using 1:5 with lines lt 2 notitle, \
     '' using 1:6 with points lt 2 pt 7 title 'beta = 0.5', \
     '' using 1:8 with lines lt 3 notitle, \
     '' using 1:9 with points lt 3 pt 7 title 'beta = 1', \
     15 with lines dashtype 2 lc rgb 'gray' title 'C(d+1,1) = 15', \
     120 with lines dashtype 2 lc rgb 'gray' title 'C(d+2,2) = 120', \
     680 with lines dashtype 2 lc rgb 'gray' title 'C(d+3,3) = 680', \
     3060 with lines dashtype 2 lc rgb 'gray' title 'C(d+4,4) = 3060', \
     x with lines dt 3 lc rgb 'black' title 'n'
unset output
set terminal svg noenhanced size 1100,660
set output out.'.svg'
plot 'rank-21.dat' using 1:2 with lines lt 1 notitle, \
     '' using 1:3 with points lt 1 pt 7 title 'beta = 0.25', \
     '' using 1:5 with lines lt 2 notitle, \
     '' using 1:6 with points lt 2 pt 7 title 'beta = 0.5', \
     '' using 1:8 with lines lt 3 notitle, \
     '' using 1:9 with points lt 3 pt 7 title 'beta = 1', \
     15 with lines dashtype 2 lc rgb 'gray' title 'C(d+1,1) = 15', \
     120 with lines dashtype 2 lc rgb 'gray' title 'C(d+2,2) = 120', \
     680 with lines dashtype 2 lc rgb 'gray' title 'C(d+3,3) = 680', \
     3060 with lines dashtype 2 lc rgb 'gray' title 'C(d+4,4) = 3060', \
     x with lines dt 3 lc rgb 'black' title 'n'
unset output
