/* fga_physical_bytes -- the machine's memory, and numbers written for people and for reading back */

#include "core/fga-impl.h"

#include <unistd.h>

double
fga_physical_bytes (void)
{
  long pages = sysconf (_SC_PHYS_PAGES), size = sysconf (_SC_PAGESIZE);
  return pages > 0 && size > 0 ? (double) pages * (double) size : INFINITY;
}

void
fga_format_bytes (char *buf, size_t size, double b)
{
  static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  int u = 0;
  while (b >= 1024 && u < 6)
    {
      b /= 1024;
      u++;
    }
  snprintf (buf, size, u == 0 ? "%.0f %s" : "%.3g %s", b, unit[u]);
}

/* Whole numbers below 2^53 are written out in full ("1000000", as a user
   writes a size), others with the fewest significant digits that strtod
   reads back as x, so that a spec or a cell id round-trips exactly.  */
void
fgap_format_shortest (char *buf, size_t size, double x)
{
  if (isnan (x))
    {
      snprintf (buf, size, "nan");
      return;
    }
  if (isinf (x))
    {
      snprintf (buf, size, x > 0 ? "inf" : "-inf");
      return;
    }
  if (x == floor (x) && fabs (x) < 0x1p53)
    {
      snprintf (buf, size, "%.0f", x);
      return;
    }
  for (int digits = 1; digits <= 17; digits++)
    {
      snprintf (buf, size, "%.*g", digits, x);
      if (strtod (buf, NULL) == x)
        return;
    }
}
