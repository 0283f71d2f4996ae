/* fga_tau -- the score scale, kept symbolic for the exact ground truth */

#include "core/fga-impl.h"

int
fga_tau_parse (fga_tau *tau, const char *text, fga_error *err)
{
  if (strcmp (text, "1/d") == 0)
    {
      tau->kind = FGA_TAU_INV_D;
      tau->value = 0;
      return FGA_OK;
    }
  if (strcmp (text, "1/sqrt(d)") == 0 || strcmp (text, "1/sqrtd") == 0)
    {
      tau->kind = FGA_TAU_INV_SQRT_D;
      tau->value = 0;
      return FGA_OK;
    }
  /* Strict, as every number read from text: no spaces, hexadecimal, inf
     or nan, and no value that overflows or underflows the double range.
     The message keeps the form "tau 'TEXT' ...", with the parser's reason
     (its message, less the text it starts with).  */
  double x;
  fga_error local;
  if (fga_parse_real (&x, text, 0, INFINITY, FGA_PARSE_OPEN_MIN, "", &local) != FGA_OK)
    {
      const char *why = local.msg;
      size_t len = strlen (text);
      if (strncmp (why, text, len) == 0 && strncmp (why + len, ": ", 2) == 0)
        why += len + 2;
      else if (why[0] == '\'' && strncmp (why + 1, text, len) == 0
               && strncmp (why + 1 + len, "': ", 3) == 0)
        why += len + 4;
      return fgap_error_set (err, FGA_ERR_INPUT, "tau '%s': %s; tau is 1/d, 1/sqrt(d) or a "
                            "positive finite number", text, why);
    }
  tau->kind = FGA_TAU_VALUE;
  tau->value = x;
  return FGA_OK;
}

double
fga_tau_double (const fga_tau *tau, size_t d)
{
  switch (tau->kind)
    {
    case FGA_TAU_INV_D:
      return 1.0 / (double) d;
    case FGA_TAU_INV_SQRT_D:
      {
        /* Correctly rounded 1/sqrt(d): 1.0/sqrt(d) rounds twice.  */
        mpfr_t t;
        mpfr_init2 (t, 53);
        fga_tau_mpfr (t, tau, d);
        double r = mpfr_get_d (t, MPFR_RNDN);
        mpfr_clear (t);
        return r;
      }
    default:
      return tau->value;
    }
}

int
fga_tau_mpfr (mpfr_ptr rop, const fga_tau *tau, size_t d)
{
  switch (tau->kind)
    {
    case FGA_TAU_INV_D:
      mpfr_set_ui (rop, 1, MPFR_RNDN);
      return mpfr_div_ui (rop, rop, (unsigned long) d, MPFR_RNDN);
    case FGA_TAU_INV_SQRT_D:
      {
        /* d must enter exactly: at a precision below its bit length,
           setting it into rop would round it and report a false exact. */
        mpfr_t dd;
        mpfr_init2 (dd, 64);
        mpfr_set_ui (dd, (unsigned long) d, MPFR_RNDN);
        int t = mpfr_rec_sqrt (rop, dd, MPFR_RNDN);
        mpfr_clear (dd);
        return t;
      }
    default:
      return mpfr_set_d (rop, tau->value, MPFR_RNDN);
    }
}

void
fga_tau_format (char *buf, size_t size, const fga_tau *tau)
{
  switch (tau->kind)
    {
    case FGA_TAU_INV_D:
      snprintf (buf, size, "1/d");
      break;
    case FGA_TAU_INV_SQRT_D:
      snprintf (buf, size, "1/sqrt(d)");
      break;
    default:
      snprintf (buf, size, "%.17g", tau->value);
    }
}
