/* law.c -- laws of n: the bound B as a function of n, accuracies like n^-c

   The theorem is a statement about how B grows with n: B = o(sqrt(log n))
   allows n^{1+o(1)} time at error 1/poly(n), B = Theta(sqrt(log n)) does
   not (under SETH).  A grid of fixed B, or of B = beta sqrt(ln n) over a
   narrow range of n, cannot tell the two apart, so experiments take B as
   beta * f(n) for a law f written in the configuration, and accuracies as
   n^-c, the theorem's 1/poly(n), beside absolute numbers.  */

#include "core/fga-impl.h"

#include <ctype.h>
#include <math.h>

/* The text without any white space ("(ln n)^(1/4)" -> "(lnn)^(1/4)"), or
   -1 when it does not fit.  */
static int
squeeze (char *buf, size_t size, const char *text)
{
  size_t k = 0;
  for (const char *s = text; *s != '\0'; s++)
    {
      if (isspace ((unsigned char) *s))
        continue;
      if (k + 1 >= size)
        return -1;
      buf[k++] = *s;
    }
  buf[k] = '\0';
  return 0;
}

/* Consumes the prefix word at *s when it is there.  */
static int
eat (const char **s, const char *word)
{
  size_t len = strlen (word);
  if (strncmp (*s, word, len) != 0)
    return 0;
  *s += len;
  return 1;
}

/* ln n, written "ln n" or "ln(n)".  */
static int
eat_ln_n (const char **s)
{
  return eat (s, "ln(n)") || eat (s, "lnn");
}

/* A positive real read strictly (fgattn/core.h) from [s, s + len).  */
static int
real_of (double *x, const char *s, size_t len)
{
  char buf[64];
  if (len == 0 || len >= sizeof buf)
    return -1;
  memcpy (buf, s, len);
  buf[len] = '\0';
  return fga_parse_real (x, buf, 0, INFINITY, FGA_PARSE_OPEN_MIN, "", NULL) == FGA_OK ? 0 : -1;
}

/* The exponent after "^": a number, or a parenthesised number or fraction
   "(1/4)".  An unparenthesised fraction "1/4" is refused: (ln n)^1/4 reads
   as (ln n)/4 in every other language.  Sets *s past it.  */
static int
exponent_of (double *p, char *shown, size_t size, const char **s)
{
  const char *t = *s;
  if (*t == '(')
    {
      const char *close = strchr (t, ')');
      if (close == NULL)
        return -1;
      const char *slash = memchr (t + 1, '/', (size_t) (close - t - 1));
      double a, b = 1;
      if (slash == NULL ? real_of (&a, t + 1, (size_t) (close - t - 1))
          : real_of (&a, t + 1, (size_t) (slash - t - 1))
            || real_of (&b, slash + 1, (size_t) (close - slash - 1)))
        return -1;
      *p = a / b;
      snprintf (shown, size, "%.*s", (int) (close - t + 1), t);
      *s = close + 1;
      return 0;
    }
  size_t len = strspn (t, "0123456789.eE+-");
  /* "1e-3" holds a sign after e; a sign elsewhere ends the number */
  if (real_of (p, t, len) != 0 || (t[len] == '/' && isdigit ((unsigned char) t[len + 1])))
    return -1;
  snprintf (shown, size, "%.*s", (int) len, t);
  *s = t + len;
  return 0;
}

/* The largest exponent p accepted: (ln n)^4 is far beyond the threshold,
   and larger ones only overflow B sooner.  */
#define LAW_P_MAX 4.0

int
fga_law_parse (fga_law *law, const char *text, const char *what, fga_error *err)
{
  static const char grammar[]
    = "expected 1, sqrt(ln n), ln n, (ln n)^P (P a number or a fraction in parentheses, "
      "0 < P <= 4), optionally followed by /ln(ln n)";
  char buf[128], shown[24] = "";
  if (squeeze (buf, sizeof buf, text) != 0 || buf[0] == '\0')
    return fgap_error_set (err, FGA_ERR_INPUT, "%s '%s': %s", what, text, grammar);
  const char *s = buf;
  fga_law l = { 0, 0, "" };
  if (strcmp (buf, "1") == 0)
    s += 1;
  else if (eat (&s, "sqrt(") && eat_ln_n (&s) && eat (&s, ")"))
    l.p = 0.5;
  else if ((s = buf, eat (&s, "(")) && eat_ln_n (&s) && eat (&s, ")^"))
    {
      if (exponent_of (&l.p, shown, sizeof shown, &s) != 0 || !(l.p <= LAW_P_MAX))
        return fgap_error_set (err, FGA_ERR_INPUT, "%s '%s': %s", what, text, grammar);
    }
  else if ((s = buf, eat_ln_n (&s)))
    l.p = 1;
  else
    return fgap_error_set (err, FGA_ERR_INPUT, "%s '%s': %s", what, text, grammar);
  if (*s != '\0')
    {
      if (l.p > 0 && (eat (&s, "/ln(ln(n))") || eat (&s, "/ln(lnn)") || eat (&s, "/lnlnn")))
        l.over_lnln = 1;
      if (*s != '\0')
        return fgap_error_set (err, FGA_ERR_INPUT, "%s '%s': %s", what, text, grammar);
    }

  /* The text recorded in every row: spacing normalised, P as written.  */
  char base[40];
  if (l.p == 0)
    snprintf (base, sizeof base, "1");
  else if (l.p == 0.5)
    snprintf (base, sizeof base, "sqrt(ln n)");
  else if (l.p == 1)
    snprintf (base, sizeof base, "ln n");
  else
    snprintf (base, sizeof base, "(ln n)^%s", shown);
  snprintf (l.text, sizeof l.text, "%s%s", base, l.over_lnln ? "/ln(ln n)" : "");
  *law = l;
  return FGA_OK;
}

double
fga_law_factor (const fga_law *law, double n)
{
  if (law->p == 0)
    return 1;
  double ln = log (n);
  /* sqrt is correctly rounded, pow need not be: the threshold law gives
     the same B as B = beta * sqrt(ln n) written by hand */
  double f = law->p == 0.5 ? sqrt (ln) : law->p == 1 ? ln : pow (ln, law->p);
  return law->over_lnln ? f / log (ln) : f;
}

double
fga_law_min_n (const fga_law *law)
{
  /* ln n > 0 from n = 2; ln ln n > 1 from n = 16 (e^e = 15.15...), where
     the division by ln ln n stops inflating B.  */
  return law->p == 0 ? 1 : law->over_lnln ? 16 : 2;
}

int
fga_law_regime (const fga_law *law)
{
  if (law->p < 0.5 || (law->p == 0.5 && law->over_lnln))
    return -1;
  return law->p == 0.5 ? 0 : 1;
}

const char *
fga_law_regime_name (const fga_law *law)
{
  static const char *const names[3]
    = { "o(sqrt(log n))", "Theta(sqrt(log n))", "omega(sqrt(log n))" };
  return names[fga_law_regime (law) + 1];
}

/* ------------------------------------------------------------------ */
/* Accuracies.  */

/* The largest c of n^-c: n^-64 is below every double's ulp at n >= 2^17,
   and nothing measurable lies beyond.  */
#define ACC_C_MAX 64.0

int
fga_accuracy_parse (fga_accuracy *acc, const char *text, const char *what, fga_error *err)
{
  static const char grammar[]
    = "expected a positive number, 1/n, 1/n^C or n^-C (0 < C <= 64)";
  char buf[sizeof acc->text];
  fga_accuracy a = { 0, 0, "" };
  if (squeeze (buf, sizeof buf, text) != 0 || buf[0] == '\0')
    return fgap_error_set (err, FGA_ERR_INPUT, "%s '%s': %s", what, text, grammar);
  const char *s = buf;
  if (strcmp (buf, "1/n") == 0)
    a.power = 1;
  else if (eat (&s, "1/n^") || eat (&s, "n^-") || eat (&s, "n^(-"))
    {
      size_t len = strlen (s) - (buf[2] == '(' ? 1 : 0);
      if ((buf[2] == '(' && s[len] != ')') || real_of (&a.power, s, len) != 0
          || !(a.power <= ACC_C_MAX))
        return fgap_error_set (err, FGA_ERR_INPUT, "%s '%s': %s", what, text, grammar);
    }
  else if (fga_parse_real (&a.value, buf, 0, INFINITY, FGA_PARSE_OPEN_MIN, "", NULL) != FGA_OK)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s '%s': %s", what, text, grammar);
  snprintf (a.text, sizeof a.text, "%s", buf);
  *acc = a;
  return FGA_OK;
}

double
fga_accuracy_at (const fga_accuracy *acc, double n)
{
  return acc->power > 0 ? pow (n, -acc->power) : acc->value;
}
