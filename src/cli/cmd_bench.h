/* cmd_bench.h -- fgattn bench: performance figures (never fails on speed) */

#ifndef FGA_CMD_BENCH_H
#define FGA_CMD_BENCH_H

/* argv[0] is "bench", argv[1] the benchmark (exact, poly, lowrank, rank).
   Prints the figures on stdout (a progress line on stderr); returns 0, 1
   when a measurement failed (after printing the others), or 2 with a
   message on stderr for bad usage.  */
int cli_bench (int argc, char **argv);

#endif
