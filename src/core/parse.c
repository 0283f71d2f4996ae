/* fga_parse -- strict reading of whole numbers and reals from text

   One reader of whole numbers (scan_whole) and one of reals (fga_parse_real)
   for every option, configuration value and method parameter.  strtoull and
   strtod alone accept too much: leading spaces, a minus sign on an unsigned
   value (" -5" becomes 18446744073709551611), hexadecimal, "inf", and a
   value rounded to a double that is then compared with a bound it exceeds
   (2^53 + 1 passes a maximum of 2^53).  Here the text is read exactly, and
   compared with the bounds exactly, before anything is rounded.  */

#include "core/fga-impl.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdint.h>
#include <strings.h>

/* The exponent is saturated here: far beyond any value of 64 bits, and far
   below the overflow of a long.  */
#define EXP_CAP 100000L

typedef enum
{
  W_OK,                        /* a whole number that fits 64 bits */
  W_SYNTAX,                    /* not a decimal number */
  W_FRACTION,                  /* a number, but not a whole one */
  W_LARGE                      /* a whole number beyond 2^64 - 1 in magnitude */
} whole_status;

/* The text of a number as it appears in a message: quoted when it is empty
   or holds spaces, so that " -5" is seen as what it is.  */
static void
shown (char *buf, size_t size, const char *text)
{
  int plain = text[0] != '\0';
  for (const char *p = text; *p != '\0'; p++)
    if (isspace ((unsigned char) *p) || !isprint ((unsigned char) *p))
      plain = 0;
  if (plain)
    snprintf (buf, size, "%s", text);
  else
    snprintf (buf, size, "'%s'", text);
}

/* "WHAT TEXT: reason", or "WHATTEXT: reason" when what ends with '='
   ("method window: w=" gives "method window: w=5x: ...").  */
static int
refuse (fga_error *err, const char *what, const char *text, const char *fmt, ...)
  __attribute__ ((format (printf, 4, 5)));

static int
refuse (fga_error *err, const char *what, const char *text, const char *fmt, ...)
{
  char reason[512], t[160];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (reason, sizeof reason, fmt, ap);
  va_end (ap);
  shown (t, sizeof t, text);
  size_t len = strlen (what);
  int glued = len > 0 && what[len - 1] == '=';
  return fgap_error_set (err, FGA_ERR_INPUT, "%s%s%s: %s", what, glued || len == 0 ? "" : " ",
                         t, reason);
}

/* Why text is not a number at all, for the message.  */
static const char *
syntax_reason (const char *text, int want_whole)
{
  const char *p = text;
  if (*p == '+' || *p == '-')
    p++;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
    return "hexadecimal is not accepted; write the number in decimal";
  if (strncasecmp (p, "inf", 3) == 0 || strncasecmp (p, "nan", 3) == 0)
    return "not a finite number";
  return want_whole ? "expected a whole number" : "expected a number";
}

static int
has_outer_space (const char *text)
{
  size_t len = strlen (text);
  return len > 0 && (isspace ((unsigned char) text[0]) || isspace ((unsigned char) text[len - 1]));
}

/* Reads [+-]digits[.digits][(e|E)[+-]digits] (at least one digit in the
   mantissa) exactly: the value is whole when the digits dropped by a
   negative exponent are zeros, and its magnitude goes to *mag.  */
static whole_status
scan_whole (const char *s, int *neg, int *signed_text, uint64_t *mag)
{
  *neg = 0;
  *signed_text = 0;
  *mag = 0;
  if (*s == '+' || *s == '-')
    {
      *neg = *s == '-';
      *signed_text = 1;
      s++;
    }
  /* The significant digits: the mantissa without its point.  */
  const char *m = s;
  size_t nint = 0, nfrac = 0;
  while (isdigit ((unsigned char) *s))
    s++, nint++;
  if (*s == '.')
    {
      s++;
      while (isdigit ((unsigned char) *s))
        s++, nfrac++;
    }
  if (nint + nfrac == 0)
    return W_SYNTAX;
  long e = 0;
  if (*s == 'e' || *s == 'E')
    {
      s++;
      int eneg = 0;
      if (*s == '+' || *s == '-')
        eneg = *s++ == '-';
      if (!isdigit ((unsigned char) *s))
        return W_SYNTAX;
      while (isdigit ((unsigned char) *s))
        {
          if (e < EXP_CAP)
            e = 10 * e + (*s - '0');
          s++;
        }
      if (e > EXP_CAP)
        e = EXP_CAP;
      if (eneg)
        e = -e;
    }
  if (*s != '\0')
    return W_SYNTAX;

  /* digit k of the mantissa (0-based, the point skipped) */
#define DIGIT(k) ((k) < nint ? m[k] : m[(k) + 1])
  size_t nd = nint + nfrac, first = 0;
  while (first < nd && DIGIT (first) == '0')
    first++;
  if (first == nd)
    return W_OK;               /* zero, whatever the exponent */
  /* value = digits[first..nd) * 10^scale */
  long scale = e - (long) nfrac;
  size_t last = nd;            /* digits [first, last) are kept */
  if (scale < 0)
    {
      size_t drop = (size_t) -scale;
      if (drop > nd - first)
        return W_FRACTION;
      for (size_t k = nd - drop; k < nd; k++)
        if (DIGIT (k) != '0')
          return W_FRACTION;
      last = nd - drop;
      scale = 0;
    }
  if ((long) (last - first) + scale > 20)
    return W_LARGE;
  uint64_t v = 0;
  for (size_t k = first; k < last + (size_t) scale; k++)
    {
      unsigned dgt = k < last ? (unsigned) (DIGIT (k) - '0') : 0;
      if (v > (UINT64_MAX - dgt) / 10)
        return W_LARGE;
      v = 10 * v + dgt;
    }
#undef DIGIT
  *mag = v;
  return W_OK;
}

/* A whole number into (neg, mag), refused with a message unless it is
   written as one.  With typemax NULL, a magnitude beyond 64 bits is not
   refused but returned as *mag = UINT64_MAX with *large set, for the
   caller to name its own range.  */
static int
read_whole (int *neg, uint64_t *mag, int *large, const char *text, int allow_negative,
            const char *typemax, const char *typemin, const char *what, fga_error *err)
{
  *large = 0;
  if (text[0] == '\0')
    return refuse (err, what, text, "expected a whole number, found nothing");
  if (has_outer_space (text))
    return refuse (err, what, text, "spaces around the number are not accepted");
  int sgn;
  whole_status ws = scan_whole (text, neg, &sgn, mag);
  if (ws == W_SYNTAX)
    return refuse (err, what, text, "%s", syntax_reason (text, 1));
  if (ws == W_FRACTION)
    return refuse (err, what, text, "not a whole number");
  if (sgn && !allow_negative)
    return refuse (err, what, text, *neg ? "must not be negative" : "no sign is accepted here");
  if (ws == W_LARGE && typemax == NULL)
    {
      *large = 1;
      *mag = UINT64_MAX;
      return FGA_OK;
    }
  if (ws == W_LARGE)
    return *neg ? refuse (err, what, text, "too large in magnitude (at least %s)", typemin)
      : refuse (err, what, text, "too large (at most %s)", typemax);
  return FGA_OK;
}

/* The bounds part of a message: "must be at least MIN", "must be at most
   MAX" when the other bound is the type's, else "outside [MIN, MAX]".  */
static int
refuse_range (fga_error *err, const char *what, const char *text, int below, int min_is_type,
              int max_is_type, const char *min, const char *max)
{
  if (below && max_is_type)
    return refuse (err, what, text, "must be at least %s", min);
  if (!below && min_is_type)
    return refuse (err, what, text, "%s (at most %s)",
                   max_is_type ? "too large" : "must not be larger", max);
  return refuse (err, what, text, "outside [%s, %s]", min, max);
}

static int
parse_unsigned (uint64_t *out, const char *text, uint64_t min, uint64_t max, uint64_t typemax,
                const char *what, fga_error *err)
{
  char smin[32], smax[32], stype[32];
  int neg, large, rc;
  uint64_t v;
  snprintf (smin, sizeof smin, "%llu", (unsigned long long) min);
  snprintf (smax, sizeof smax, "%llu", (unsigned long long) max);
  snprintf (stype, sizeof stype, "%llu", (unsigned long long) typemax);
  if ((rc = read_whole (&neg, &v, &large, text, 0, stype, "0", what, err)) != FGA_OK)
    return rc;
  if (v > typemax)
    return refuse (err, what, text, "too large (at most %s)", stype);
  if (v < min || v > max)
    return refuse_range (err, what, text, v < min, min == 0, max == typemax, smin, smax);
  *out = v;
  return FGA_OK;
}

int
fga_parse_size (size_t *out, const char *text, size_t min, size_t max, const char *what,
                fga_error *err)
{
  uint64_t v = 0;
  int rc = parse_unsigned (&v, text, min, max, SIZE_MAX, what, err);
  if (rc == FGA_OK)
    *out = (size_t) v;
  return rc;
}

int
fga_parse_ulong (unsigned long *out, const char *text, unsigned long min, unsigned long max,
                 const char *what, fga_error *err)
{
  uint64_t v = 0;
  int rc = parse_unsigned (&v, text, min, max, ULONG_MAX, what, err);
  if (rc == FGA_OK)
    *out = (unsigned long) v;
  return rc;
}

int
fga_parse_long (long *out, const char *text, long min, long max, const char *what,
                fga_error *err)
{
  char smin[32], smax[32], stmin[32], stmax[32];
  int neg, large, rc;
  uint64_t mag;
  snprintf (smin, sizeof smin, "%ld", min);
  snprintf (smax, sizeof smax, "%ld", max);
  snprintf (stmin, sizeof stmin, "%ld", LONG_MIN);
  snprintf (stmax, sizeof stmax, "%ld", LONG_MAX);
  if ((rc = read_whole (&neg, &mag, &large, text, 1, stmax, stmin, what, err)) != FGA_OK)
    return rc;
  /* |LONG_MIN| = LONG_MAX + 1 */
  if (!neg && mag > (uint64_t) LONG_MAX)
    return refuse (err, what, text, "too large (at most %s)", stmax);
  if (neg && mag > (uint64_t) LONG_MAX + 1)
    return refuse (err, what, text, "too large in magnitude (at least %s)", stmin);
  long v = neg ? (mag == (uint64_t) LONG_MAX + 1 ? LONG_MIN : -(long) mag) : (long) mag;
  if (v < min || v > max)
    return refuse_range (err, what, text, v < min, min == LONG_MIN, max == LONG_MAX, smin,
                         smax);
  *out = v;
  return FGA_OK;
}

/* The shortest decimal that reads back as x, for messages.  */
static void
shortest (char *buf, size_t size, double x)
{
  if (isinf (x))
    {
      snprintf (buf, size, x > 0 ? "inf" : "-inf");
      return;
    }
  for (int p = 1; p <= 17; p++)
    {
      snprintf (buf, size, "%.*g", p, x);
      if (strtod (buf, NULL) == x)
        return;
    }
}

/* -1, 0 or 1 as the whole number (neg, mag) is below, equal to or above the
   double b, exactly.  */
static int
cmp_whole_double (int neg, uint64_t mag, double b)
{
  if (isinf (b))
    return b > 0 ? -1 : 1;
  if (mag == 0)
    neg = 0;
  int bneg = b < 0;
  if (neg != bneg)
    return neg ? -1 : 1;
  double a = fabs (b);
  int sign = neg ? -1 : 1;        /* compare magnitudes, then flip for negatives */
  if (a >= 18446744073709551616.0)   /* 2^64: above every magnitude */
    return -sign;
  double fl = floor (a);
  uint64_t ia = (uint64_t) fl;
  if (mag < ia)
    return -sign;
  if (mag > ia)
    return sign;
  return fl == a ? 0 : -sign;     /* mag = floor(a) < a when a has a fraction */
}

/* Whether a magnitude of 64 bits is a double exactly.  */
static int
exact_in_double (uint64_t mag)
{
  if (mag <= (UINT64_C (1) << 53))
    return 1;
  while ((mag & 1) == 0)
    mag >>= 1;
  return mag < (UINT64_C (1) << 53);
}

int
fga_parse_int_double (double *out, const char *text, double min, double max,
                      const char *what, fga_error *err)
{
  char smin[40], smax[40];
  int neg, rc;
  uint64_t mag;
  shortest (smin, sizeof smin, min);
  shortest (smax, sizeof smax, max);
  /* Integral bounds below 2^64 are printed in full: the maximum 2^62 as
     4611686018427387904, which reads back as exactly that integer.  */
  if (isfinite (min) && floor (min) == min && fabs (min) < 18446744073709551616.0)
    snprintf (smin, sizeof smin, "%s%llu", min < 0 ? "-" : "",
              (unsigned long long) fabs (min));
  if (isfinite (max) && floor (max) == max && fabs (max) < 18446744073709551616.0)
    snprintf (smax, sizeof smax, "%s%llu", max < 0 ? "-" : "",
              (unsigned long long) fabs (max));
  /* A sign is read whatever the range: "-1" is then refused as outside it;
     so is a magnitude beyond 64 bits, unless the range reaches that far. */
  int large;
  if ((rc = read_whole (&neg, &mag, &large, text, 1, NULL, NULL, what, err)) != FGA_OK)
    return rc;
  if (large && !(neg ? min < -18446744073709551615.0 : max > 18446744073709551615.0))
    return refuse (err, what, text, "outside [%s, %s]", smin, smax);
  if (large)
    return refuse (err, what, text, "too large in magnitude to be read exactly (at most "
                   "18446744073709551615)");
  if (cmp_whole_double (neg, mag, min) < 0 || cmp_whole_double (neg, mag, max) > 0)
    return refuse (err, what, text, "outside [%s, %s]", smin, smax);
  if (!exact_in_double (mag))
    return refuse (err, what, text, "not exactly a double, as which it is kept (above 2^53 "
                   "not every integer is); the nearest is %.0f", (double) mag);
  *out = neg && mag != 0 ? -(double) mag : (double) mag;
  return FGA_OK;
}

int
fga_parse_real (double *out, const char *text, double min, double max, unsigned flags,
                const char *what, fga_error *err)
{
  char smin[40], smax[40];
  if (text[0] == '\0')
    return refuse (err, what, text, "expected a number, found nothing");
  if (has_outer_space (text))
    return refuse (err, what, text, "spaces around the number are not accepted");
  const char *p = text + (text[0] == '+' || text[0] == '-');
  int inf_text = strcasecmp (p, "inf") == 0 || strcasecmp (p, "infinity") == 0;
  int starts = isdigit ((unsigned char) *p) || (*p == '.' && isdigit ((unsigned char) p[1]));
  if ((!inf_text && !starts) || (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')))
    return refuse (err, what, text, "%s", syntax_reason (text, 0));
  if (inf_text && !(flags & FGA_PARSE_INF))
    return refuse (err, what, text, "not a finite number");
  char *end;
  errno = 0;
  double x = strtod (text, &end);
  if (end == text || *end != '\0')
    return refuse (err, what, text, "%s", syntax_reason (text, 0));
  if (errno == ERANGE && isinf (x))
    return refuse (err, what, text, "too large for a double (at most %.17g)", DBL_MAX);
  if (errno == ERANGE && fabs (x) < DBL_MIN)
    return refuse (err, what, text, "too close to 0 for a double (below %.17g)", DBL_MIN);
  int lo_open = (flags & FGA_PARSE_OPEN_MIN) != 0, hi_open = (flags & FGA_PARSE_OPEN_MAX) != 0;
  int below = lo_open ? !(x > min) : !(x >= min);
  int above = hi_open ? !(x < max) : !(x <= max);
  if (below || above)
    {
      shortest (smin, sizeof smin, min);
      shortest (smax, sizeof smax, max);
      int no_max = isinf (max) && max > 0, no_min = isinf (min) && min < 0;
      if (no_max && min == 0)
        return refuse (err, what, text, lo_open ? "must be positive" : "must not be negative");
      if (no_max)
        return refuse (err, what, text, "must be %s %s", lo_open ? "greater than" : "at least",
                       smin);
      if (no_min)
        return refuse (err, what, text, "must be %s %s", hi_open ? "less than" : "at most",
                       smax);
      return refuse (err, what, text, "outside %c%s, %s%c", lo_open ? '(' : '[', smin, smax,
                     hi_open ? ')' : ']');
    }
  *out = x;
  return FGA_OK;
}
