/* bench_poly.h -- fgattn bench poly: the polynomial method's time and memory against n */

#ifndef FGA_BENCH_POLY_H
#define FGA_BENCH_POLY_H

/* The benchmark `fgattn bench poly': argv[0] is the benchmark's name
   ("poly"), the options follow (--help lists them).  Prints the report on
   stdout and returns an exit status (0; 1 when a measurement failed, after
   the report; 2 for bad usage); it never fails on speed.  */
int cli_bench_poly (int argc, char **argv);

#endif
