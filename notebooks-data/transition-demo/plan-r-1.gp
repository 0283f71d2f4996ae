# plan-r-1.gp -- written by fgattn plan --table; run it in this folder: gnuplot plan-r-1.gp
if (!exists("out")) out = 'plan-r-1'
set datafile missing '?'
set key below
set grid
set title 'r = C(d + g, d), eps = 1/n, Bv = 1, R = tau d B^2 (measured: the data''s R)'
set xlabel 'log2 n'
set ylabel 'log2 r'
set terminal pngcairo noenhanced size 960,720
set output out.'.png'
plot 'plan-r-1.dat' index 0 using 1:2 with linespoints pt 7 ps 0.5 title '(ln n)^(1/4), beta = 0.5', \
     'plan-r-1.dat' index 0 using 1:3 with linespoints pt 7 ps 0.5 title '(ln n)^(1/4), beta = 1', \
     'plan-r-1.dat' index 0 using 1:4 with linespoints pt 7 ps 0.5 title 'sqrt(ln n), beta = 0.5', \
     'plan-r-1.dat' index 0 using 1:5 with linespoints pt 7 ps 0.5 title 'sqrt(ln n), beta = 1', \
     x with lines lt -1 dt 2 title 'r = n', \
     'plan-r-1.dat' index 1 using 1:2 with points pt 5 lc 1 title 'sweep r_cert: (ln n)^(1/4), beta = 0.5', \
     'plan-r-1.dat' index 1 using 1:($4 == 0 ? $3 : 1/0) with points pt 7 lc 1 title 'sweep r_emp: (ln n)^(1/4), beta = 0.5', \
     'plan-r-1.dat' index 1 using 1:($4 == 1 ? $3 : 1/0) with points pt 6 lc 1 title 'sweep r_emp censored (true r above): (ln n)^(1/4), beta = 0.5', \
     'plan-r-1.dat' index 2 using 1:2 with points pt 5 lc 2 title 'sweep r_cert: (ln n)^(1/4), beta = 1', \
     'plan-r-1.dat' index 2 using 1:($4 == 0 ? $3 : 1/0) with points pt 7 lc 2 title 'sweep r_emp: (ln n)^(1/4), beta = 1', \
     'plan-r-1.dat' index 2 using 1:($4 == 1 ? $3 : 1/0) with points pt 6 lc 2 title 'sweep r_emp censored (true r above): (ln n)^(1/4), beta = 1', \
     'plan-r-1.dat' index 3 using 1:2 with points pt 5 lc 3 title 'sweep r_cert: sqrt(ln n), beta = 0.5', \
     'plan-r-1.dat' index 3 using 1:($4 == 0 ? $3 : 1/0) with points pt 7 lc 3 title 'sweep r_emp: sqrt(ln n), beta = 0.5', \
     'plan-r-1.dat' index 3 using 1:($4 == 1 ? $3 : 1/0) with points pt 6 lc 3 title 'sweep r_emp censored (true r above): sqrt(ln n), beta = 0.5', \
     'plan-r-1.dat' index 4 using 1:2 with points pt 5 lc 4 title 'sweep r_cert: sqrt(ln n), beta = 1', \
     'plan-r-1.dat' index 4 using 1:($4 == 0 ? $3 : 1/0) with points pt 7 lc 4 title 'sweep r_emp: sqrt(ln n), beta = 1', \
     'plan-r-1.dat' index 4 using 1:($4 == 1 ? $3 : 1/0) with points pt 6 lc 4 title 'sweep r_emp censored (true r above): sqrt(ln n), beta = 1'
unset output
set terminal svg noenhanced size 960,720
set output out.'.svg'
plot 'plan-r-1.dat' index 0 using 1:2 with linespoints pt 7 ps 0.5 title '(ln n)^(1/4), beta = 0.5', \
     'plan-r-1.dat' index 0 using 1:3 with linespoints pt 7 ps 0.5 title '(ln n)^(1/4), beta = 1', \
     'plan-r-1.dat' index 0 using 1:4 with linespoints pt 7 ps 0.5 title 'sqrt(ln n), beta = 0.5', \
     'plan-r-1.dat' index 0 using 1:5 with linespoints pt 7 ps 0.5 title 'sqrt(ln n), beta = 1', \
     x with lines lt -1 dt 2 title 'r = n', \
     'plan-r-1.dat' index 1 using 1:2 with points pt 5 lc 1 title 'sweep r_cert: (ln n)^(1/4), beta = 0.5', \
     'plan-r-1.dat' index 1 using 1:($4 == 0 ? $3 : 1/0) with points pt 7 lc 1 title 'sweep r_emp: (ln n)^(1/4), beta = 0.5', \
     'plan-r-1.dat' index 1 using 1:($4 == 1 ? $3 : 1/0) with points pt 6 lc 1 title 'sweep r_emp censored (true r above): (ln n)^(1/4), beta = 0.5', \
     'plan-r-1.dat' index 2 using 1:2 with points pt 5 lc 2 title 'sweep r_cert: (ln n)^(1/4), beta = 1', \
     'plan-r-1.dat' index 2 using 1:($4 == 0 ? $3 : 1/0) with points pt 7 lc 2 title 'sweep r_emp: (ln n)^(1/4), beta = 1', \
     'plan-r-1.dat' index 2 using 1:($4 == 1 ? $3 : 1/0) with points pt 6 lc 2 title 'sweep r_emp censored (true r above): (ln n)^(1/4), beta = 1', \
     'plan-r-1.dat' index 3 using 1:2 with points pt 5 lc 3 title 'sweep r_cert: sqrt(ln n), beta = 0.5', \
     'plan-r-1.dat' index 3 using 1:($4 == 0 ? $3 : 1/0) with points pt 7 lc 3 title 'sweep r_emp: sqrt(ln n), beta = 0.5', \
     'plan-r-1.dat' index 3 using 1:($4 == 1 ? $3 : 1/0) with points pt 6 lc 3 title 'sweep r_emp censored (true r above): sqrt(ln n), beta = 0.5', \
     'plan-r-1.dat' index 4 using 1:2 with points pt 5 lc 4 title 'sweep r_cert: sqrt(ln n), beta = 1', \
     'plan-r-1.dat' index 4 using 1:($4 == 0 ? $3 : 1/0) with points pt 7 lc 4 title 'sweep r_emp: sqrt(ln n), beta = 1', \
     'plan-r-1.dat' index 4 using 1:($4 == 1 ? $3 : 1/0) with points pt 6 lc 4 title 'sweep r_emp censored (true r above): sqrt(ln n), beta = 1'
unset output
