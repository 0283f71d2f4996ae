/* cmd_bench.h -- fgattn bench: performance figures (never fails on speed) */

#ifndef FGA_CMD_BENCH_H
#define FGA_CMD_BENCH_H

/* argv[0] is "bench".  Prints the figures on stdout; returns 0, or 2 with a
   message on stderr for bad usage.  */
int cli_bench (int argc, char **argv);

#endif
