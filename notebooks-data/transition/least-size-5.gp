# least-size-5.gp -- written by fgattn report; run it in this folder: gnuplot least-size-5.gp
if (!exists("out")) out = 'least-size-5'
set datafile missing '?'
set key outside right top
set grid
set title "least m of rf reaching 1/n (1/poly(n)), against beta\nrademacher, law (ln n)^(1/4): B = beta (ln n)^(1/4), o(sqrt(log n)); n = 256..16384\nopen markers: censored means (lower bounds of the true ones)"
set xlabel 'beta'
set ylabel 'least size (log scale)'
set logscale y
set offsets graph 0.03, graph 0.03, 0, 0
set terminal pngcairo noenhanced size 1100,660
set output out.'.png'
plot 'least-size-5.dat' using 1:2 with lines lt 1 notitle, \
     '' using 1:3 with points lt 1 pt 7 title 'n = 256', \
     '' using 1:4 with points lt 1 pt 6 notitle, \
     '' using 1:5 with lines lt 2 notitle, \
     '' using 1:6 with points lt 2 pt 7 title 'n = 512', \
     '' using 1:7 with points lt 2 pt 6 notitle, \
     '' using 1:8 with lines lt 3 notitle, \
     '' using 1:9 with points lt 3 pt 7 title 'n = 1024', \
     '' using 1:10 with points lt 3 pt 6 notitle, \
     '' using 1:11 with lines lt 4 notitle, \
     '' using 1:12 with points lt 4 pt 7 title 'n = 2048', \
     '' using 1:13 with points lt 4 pt 6 notitle
unset output
set terminal svg noenhanced size 1100,660
set output out.'.svg'
plot 'least-size-5.dat' using 1:2 with lines lt 1 notitle, \
     '' using 1:3 with points lt 1 pt 7 title 'n = 256', \
     '' using 1:4 with points lt 1 pt 6 notitle, \
     '' using 1:5 with lines lt 2 notitle, \
     '' using 1:6 with points lt 2 pt 7 title 'n = 512', \
     '' using 1:7 with points lt 2 pt 6 notitle, \
     '' using 1:8 with lines lt 3 notitle, \
     '' using 1:9 with points lt 3 pt 7 title 'n = 1024', \
     '' using 1:10 with points lt 3 pt 6 notitle, \
     '' using 1:11 with lines lt 4 notitle, \
     '' using 1:12 with points lt 4 pt 7 title 'n = 2048', \
     '' using 1:13 with points lt 4 pt 6 notitle
unset output
