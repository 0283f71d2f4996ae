/* bench_util -- usage messages, option values and peak memory for the benchmarks */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/resource.h>

#include "fgattn.h"
#include "bench_util.h"

int
bench_bad_usage (const char *name, const char *fmt, const char *arg)
{
  fprintf (stderr, "fgattn bench %s: ", name);
  fprintf (stderr, fmt, arg);
  fprintf (stderr, " (fgattn bench %s --help)\n", name);
  return 2;
}

int
bench_parse_long (long *out, const char *name, const char *text, long lo, long hi,
                  const char *option)
{
  fga_error err;
  if (fga_parse_long (out, text, lo, hi, option, &err) != FGA_OK)
    {
      fprintf (stderr, "fgattn bench %s: %s (fgattn bench %s --help)\n", name, err.msg, name);
      return 2;
    }
  return 0;
}

int
bench_reset_peak_rss (void)
{
  int fd = open ("/proc/self/clear_refs", O_WRONLY);
  int ok = fd >= 0 && write (fd, "5", 1) == 1;
  if (fd >= 0)
    close (fd);
  return ok;
}

double
bench_peak_rss (void)
{
  struct rusage ru;
  if (getrusage (RUSAGE_SELF, &ru) != 0)
    return NAN;
  return (double) ru.ru_maxrss * 1024.0;
}
