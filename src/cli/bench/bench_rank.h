/* bench_rank.h -- fgattn bench rank: the randomized numerical rank of P at wide n */

#ifndef FGA_BENCH_RANK_H
#define FGA_BENCH_RANK_H

/* The benchmark `fgattn bench rank': argv[0] is the benchmark's name
   ("rank"), the options follow (--help lists them).  Prints the report on
   stdout and returns an exit status (0; 1 when a computation failed, after
   the report; 2 for bad usage); it never fails on speed.  */
int cli_bench_rank (int argc, char **argv);

#endif
