# cost-r-1.gp -- written by fgattn report; run it in this folder: gnuplot cost-r-1.gp
if (!exists("out")) out = 'cost-r-1'
set datafile missing '?'
set key outside right top
set grid
set title "poly's feature count r = C(d+g,d) at eps 1/n (1/poly(n)): r_emp (solid) and r_cert (dashed); dotted: n\nuniform, law (ln n)^(1/4): B = beta (ln n)^(1/4), o(sqrt(log n)); n = 256..16384"
set xlabel 'n'
set ylabel 'features r'
set logscale xy
set autoscale xfix
set offsets graph 0.03, graph 0.03, 0, 0
set terminal pngcairo noenhanced size 1100,660
set output out.'.png'
plot 'cost-r-1.dat' using 1:2 with lines lt 1 notitle, \
     '' using 1:3 with points lt 1 pt 7 title 'r_emp, beta = 0.25', \
     '' using 1:5 with linespoints lt 1 dt 2 pt 7 title 'r_cert, beta = 0.25', \
     '' using 1:6 with lines lt 2 notitle, \
     '' using 1:7 with points lt 2 pt 7 title 'r_emp, beta = 0.5', \
     '' using 1:9 with linespoints lt 2 dt 2 pt 7 title 'r_cert, beta = 0.5', \
     '' using 1:10 with lines lt 3 notitle, \
     '' using 1:11 with points lt 3 pt 7 title 'r_emp, beta = 1', \
     '' using 1:13 with linespoints lt 3 dt 2 pt 7 title 'r_cert, beta = 1', \
     x with lines dt 3 lc rgb 'black' title 'n'
unset output
set terminal svg noenhanced size 1100,660
set output out.'.svg'
plot 'cost-r-1.dat' using 1:2 with lines lt 1 notitle, \
     '' using 1:3 with points lt 1 pt 7 title 'r_emp, beta = 0.25', \
     '' using 1:5 with linespoints lt 1 dt 2 pt 7 title 'r_cert, beta = 0.25', \
     '' using 1:6 with lines lt 2 notitle, \
     '' using 1:7 with points lt 2 pt 7 title 'r_emp, beta = 0.5', \
     '' using 1:9 with linespoints lt 2 dt 2 pt 7 title 'r_cert, beta = 0.5', \
     '' using 1:10 with lines lt 3 notitle, \
     '' using 1:11 with points lt 3 pt 7 title 'r_emp, beta = 1', \
     '' using 1:13 with linespoints lt 3 dt 2 pt 7 title 'r_cert, beta = 1', \
     x with lines dt 3 lc rgb 'black' title 'n'
unset output
