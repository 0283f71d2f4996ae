/* fga_error -- the error record every fallible function fills */

#include "core/fga-impl.h"

void
fga_error_init (fga_error *err)
{
  err->code = FGA_OK;
  err->msg[0] = '\0';
}

int
fgap_error_set (fga_error *err, int code, const char *fmt, ...)
{
  if (err != NULL)
    {
      va_list ap;
      va_start (ap, fmt);
      vsnprintf (err->msg, sizeof err->msg, fmt, ap);
      va_end (ap);
      err->code = code;
    }
  return code;
}

const char *
fga_version (void)
{
  return PACKAGE_VERSION;
}
