# plan-exponent-1.gp -- written by fgattn plan --table; run it in this folder: gnuplot plan-exponent-1.gp
if (!exists("out")) out = 'plan-exponent-1'
set datafile missing '?'
set key below
set grid
set title 'd ln r / d ln n, slope over 2^-8 n .. 2^8 n, eps = 1/n'
set xlabel 'log2 n'
set ylabel 'd ln r / d ln n'
set terminal pngcairo noenhanced size 960,720
set output out.'.png'
plot 'plan-exponent-1.dat' index 0 using 1:2 with linespoints pt 7 ps 0.5 title '(ln n)^(1/4), beta = 0.5', \
     'plan-exponent-1.dat' index 0 using 1:3 with linespoints pt 7 ps 0.5 title '(ln n)^(1/4), beta = 1', \
     'plan-exponent-1.dat' index 0 using 1:4 with linespoints pt 7 ps 0.5 title 'sqrt(ln n), beta = 0.5', \
     'plan-exponent-1.dat' index 0 using 1:5 with linespoints pt 7 ps 0.5 title 'sqrt(ln n), beta = 1', \
     0 with lines lt -1 notitle
unset output
set terminal svg noenhanced size 960,720
set output out.'.svg'
plot 'plan-exponent-1.dat' index 0 using 1:2 with linespoints pt 7 ps 0.5 title '(ln n)^(1/4), beta = 0.5', \
     'plan-exponent-1.dat' index 0 using 1:3 with linespoints pt 7 ps 0.5 title '(ln n)^(1/4), beta = 1', \
     'plan-exponent-1.dat' index 0 using 1:4 with linespoints pt 7 ps 0.5 title 'sqrt(ln n), beta = 0.5', \
     'plan-exponent-1.dat' index 0 using 1:5 with linespoints pt 7 ps 0.5 title 'sqrt(ln n), beta = 1', \
     0 with lines lt -1 notitle
unset output
