/* bench_util.h -- what the benchmarks of fgattn bench share */

#ifndef FGA_BENCH_UTIL_H
#define FGA_BENCH_UTIL_H

/* Prints "fgattn bench NAME: " fmt(arg) " (fgattn bench NAME --help)" and
   returns 2, the exit status of bad usage.  */
int bench_bad_usage (const char *name, const char *fmt, const char *arg);

/* A whole number in [lo, hi] for option (fga_parse_long), or bad usage.  */
int bench_parse_long (long *out, const char *name, const char *text, long lo, long hi,
                      const char *option);

/* The process's peak resident set size in bytes since the last reset.
   Linux resets the high-water mark when "5" is written to
   /proc/self/clear_refs; bench_reset_peak_rss returns 0 where it cannot,
   and the peak is then the process's since it started.  */
int bench_reset_peak_rss (void);
double bench_peak_rss (void);

#endif
