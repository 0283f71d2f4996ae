/* bench_lowrank.h -- fgattn bench lowrank: the approximate methods' time, memory and error */

#ifndef FGA_BENCH_LOWRANK_H
#define FGA_BENCH_LOWRANK_H

/* The benchmark `fgattn bench lowrank': argv[0] is the benchmark's name
   ("lowrank"), the options follow (--help lists them).  Prints the report
   on stdout and returns an exit status (0; 1 when a measurement failed,
   after the report; 2 for bad usage); it never fails on speed.  */
int cli_bench_lowrank (int argc, char **argv);

#endif
