/* hardness.c -- the least degree of the polynomial method that decides the reduction, against n

   The SETH lower bound seen from the algorithm's side (theory/lower-bound.md, section 6).
   For each n, YES and NO gap Hamming instances with m = Theta(log n) and
   t = Theta(m) are reduced (fga_reduce), so the entries are
   s = Theta(sqrt(log n)) and the scores reach lambda m = Theta(log n).  The
   polynomial method must then approximate e^x on an interval of length
   Theta(log n) to an accuracy 1/poly(n): its degree grows like log n, and
   with d = 2m = Theta(log n) its feature count r = C(d + g, d) is
   2^{Theta(log n)} = n^{Theta(1)}, not n^{o(1)}.  The experiment measures
   the least degree that decides every instance (fga_reduction_degree_scan
   computes the method's exact-arithmetic answer at every degree) beside
   the degree certified to decide (2 eps_g < accuracy, lemma 5 of
   theory/upper-bound.md), and r for both.

   "Decides from degree g on" is read over the whole scan: every degree
   from g to the end of the scan answers correctly.  The scan ends at the
   certified degree, beyond which every degree is proved to answer
   correctly (the certified bounds only decrease past it), so the measured
   degree is the least one from which the method is right for good.  */

#include "core/fga-impl.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>

/* ------------------------------------------------------------------ */
/* The configuration, read by the reader the sweeps use
   (src/core/config_file.c): the text checked (UTF-8, no NUL or control
   character), inih's syntax without a limit on the line length, and the
   same messages, each naming the file and the line.  */

static char *
trim (char *s)
{
  while (isspace ((unsigned char) *s))
    s++;
  char *e = s + strlen (s);
  while (e > s && isspace ((unsigned char) e[-1]))
    *--e = '\0';
  return s;
}

/* A positive integer (no sign, no exponent), or -1.  */
static long long
parse_count (const char *s)
{
  if (!isdigit ((unsigned char) *s))
    return -1;
  errno = 0;
  char *end;
  unsigned long long v = strtoull (s, &end, 10);
  if (errno != 0 || *trim (end) != '\0' || v > (unsigned long long) LLONG_MAX)
    return -1;
  return (long long) v;
}

static int
parse_real (double *out, const char *s)
{
  errno = 0;
  char *end;
  double v = strtod (s, &end);
  if (end == s || errno != 0 || *trim (end) != '\0' || !isfinite (v))
    return -1;
  *out = v;
  return 0;
}

/* "a, b, c" or "a-b" of positive integers into out[]; returns the count or
   -1 (bad item), -2 (too many) or -3 (an empty item: "4,,4", "4," or ",4",
   refused rather than skipped as strtok would).  */
static long
parse_list (unsigned long long *out, size_t max, char *s, unsigned long long lo)
{
  char *dash = strchr (s, '-');
  if (dash != NULL && strchr (s, ',') == NULL)
    {
      *dash = '\0';
      long long a = parse_count (trim (s)), b = parse_count (trim (dash + 1));
      if (a < (long long) lo || b < a)
        return -1;
      if ((unsigned long long) (b - a) >= max)
        return -2;
      for (long long v = a; v <= b; v++)
        out[v - a] = (unsigned long long) v;
      return (long) (b - a + 1);
    }
  size_t k = 0;
  for (char *tok = s;;)
    {
      char *comma = strchr (tok, ',');
      if (comma != NULL)
        *comma = '\0';
      char *item = trim (tok);
      if (*item == '\0')
        return -3;
      long long v = parse_count (item);
      if (v < (long long) lo)
        return -1;
      if (k == max)
        return -2;
      out[k++] = (unsigned long long) v;
      if (comma == NULL)
        break;
      tok = comma + 1;
    }
  return (long) k;
}

enum { K_N, K_M, K_T, K_GAP, K_SEEDS, K_BASIS, K_R, K_GMAX, K_COUNT };
static const char *const keys[K_COUNT + 1]
  = { "n", "m", "t", "gap", "seeds", "basis", "R", "gmax", NULL };

typedef struct
{
  fga_hardness_config *cfg;
  int section_line;            /* of [hardness], 0 when not seen */
  int seen[K_COUNT];
} hparse_t;

/* n or seeds: a list, or a range a-b, at the current line.  */
static int
parse_n_or_seeds (fgap_ini *ini, fga_hardness_config *cfg, int key, char *v)
{
  unsigned long long list[FGA_HARDNESS_MAX];
  int line = ini->line;
  long k = parse_list (list, FGA_HARDNESS_MAX, v, key == K_N ? 2 : 0);
  if (k < 0)
    return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "%s: %s", keys[key],
                          k == -2 ? "at most 64 values"
                          : k == -3 ? "an empty item in the list (two commas, or one at an end)"
                          : key == K_N ? "a list of integers >= 2, as 32, 64 or 32-40"
                          : "a list of integers >= 0, as 1, 2, 3 or 1-3");
  for (long i = 0; i < k; i++)
    {
      if (key == K_N)
        {
          /* The reduced instance has 2n rows of 2m columns; keep the
             brute force and the scan's counting in reach.  */
          if (list[i] > 65536)
            return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "n = %llu: at most 65536",
                                  list[i]);
          if (i > 0 && list[i] <= list[i - 1])
            return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "n: the sizes must increase");
          cfg->n[i] = (size_t) list[i];
        }
      else
        {
          if (list[i] > (unsigned long long) INT64_MAX)
            return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "seed %llu is above 2^63 - 1",
                                  list[i]);
          cfg->seeds[i] = (unsigned long) list[i];
        }
    }
  *(key == K_N ? &cfg->nn : &cfg->nseeds) = (size_t) k;
  return FGA_OK;
}

/* The value v (a copy the parsers may cut) of key at the current line.  */
static int
parse_value (fgap_ini *ini, fga_hardness_config *cfg, int key, char *v)
{
  int line = ini->line;
  switch (key)
    {
    case K_N:
    case K_SEEDS:
      return parse_n_or_seeds (ini, cfg, key, v);
    case K_M:
      {
        char *lg = strstr (v, "log2 n");
        if (lg != NULL && *trim (lg + 6) == '\0')
          {
            *lg = '\0';
            if (parse_real (&cfg->m_coef, trim (v)) != 0 || !(cfg->m_coef > 0)
                || cfg->m_coef > 1e3)
              return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "m: C in `C log2 n' must be a "
                                    "number in (0, 1000]");
            cfg->m_fixed = 0;
            return FGA_OK;
          }
        long long m = parse_count (v);
        if (m < 1 || m > 1000000)
          return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "m: an integer in 1..1000000 or "
                                "`C log2 n'");
        cfg->m_fixed = (size_t) m;
        return FGA_OK;
      }
    case K_T:
      {
        char *slash = strchr (v, '/');
        if (slash != NULL)
          {
            *slash = '\0';
            if (strcmp (trim (v), "m") != 0 || parse_real (&cfg->t_div, trim (slash + 1)) != 0
                || !(cfg->t_div >= 1))
              return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "t: `m / K' needs a number "
                                    "K >= 1");
            cfg->t_fixed = 0;
            return FGA_OK;
          }
        long long t = parse_count (v);
        if (t < 1)
          return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "t: a positive integer or `m / K'");
        cfg->t_fixed = (size_t) t;
        return FGA_OK;
      }
    case K_GAP:
      if (parse_real (&cfg->gap, v) != 0 || !(cfg->gap > 0) || cfg->gap > 1e6)
        return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "gap: a number in (0, 1e6]");
      return FGA_OK;
    case K_BASIS:
      {
        fga_error e2;
        fga_error_init (&e2);
        if (fga_basis_parse (&cfg->basis, v, &e2) != FGA_OK)
          return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "basis: cheb or taylor, not %s", v);
        return FGA_OK;
      }
    case K_R:
      if (strcmp (v, "auto") != 0 && strcmp (v, "max") != 0)
        return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "R: auto or max, not %s", v);
      cfg->R_max = strcmp (v, "max") == 0;
      return FGA_OK;
    default:                   /* K_GMAX */
      {
        long long g = parse_count (v);
        if (g < 1 || g > FGA_EXPFIT_GMAX)
          return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "gmax: an integer in 1..%ld",
                                FGA_EXPFIT_GMAX);
        cfg->gmax = (long) g;
        return FGA_OK;
      }
    }
}

static int
hardness_section (fgap_ini *ini, const char *name)
{
  hparse_t *h = ini->user;
  if (strcmp (name, "hardness") != 0)
    return fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "unknown section [%s] (expected "
                          "[hardness])", name);
  if (h->section_line != 0)
    return fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "section [hardness] repeated (first "
                          "at line %d)", h->section_line);
  h->section_line = ini->line;
  return FGA_OK;
}

static int
hardness_key (fgap_ini *ini, const char *name, const char *value)
{
  hparse_t *h = ini->user;
  int key = fgap_ini_claim_key (ini, "hardness", keys, h->seen, name);
  if (key < 0)
    return ini->rc;
  if (*value == '\0')
    return fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "%s has no value", name);
  size_t len = strlen (value);
  char *v = fgap_alloc (len + 1, "a configuration value", ini->err);
  if (v == NULL)
    return fgap_ini_fail (ini, ini->line, FGA_ERR_NOMEM, "out of memory for its value");
  memcpy (v, value, len + 1);
  int rc = parse_value (ini, h->cfg, key, v);
  fgap_free (v);
  return rc;
}

static int check_grid (const fga_hardness_config *cfg, size_t *bad_n, fga_error *err);

void
fga_hardness_config_clear (fga_hardness_config *cfg)
{
  fgap_free (cfg->text);
  memset (cfg, 0, sizeof *cfg);
}

int
fga_hardness_config_read (fga_hardness_config *cfg, const char *path, fga_error *err)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->basis = FGA_BASIS_CHEB;
  cfg->gmax = 2000;
  size_t len;
  int rc = fgap_config_load (&cfg->text, &len, path, err);
  if (rc != FGA_OK)
    return rc;
  hparse_t h;
  memset (&h, 0, sizeof h);
  h.cfg = cfg;
  fgap_ini ini;
  fgap_ini_init (&ini, path, &h, err);
  rc = fgap_ini_parse (&ini, cfg->text, hardness_section, hardness_key);
  if (rc == FGA_OK && h.section_line == 0)
    rc = fgap_ini_fail (&ini, 0, FGA_ERR_INPUT, "missing section [hardness]");
  static const int required[] = { K_N, K_M, K_T, K_GAP, K_SEEDS };
  for (size_t i = 0; i < sizeof required / sizeof *required && rc == FGA_OK; i++)
    if (!h.seen[required[i]])
      rc = fgap_ini_fail (&ini, h.section_line, FGA_ERR_INPUT, "[hardness] needs %s "
                          "(required: n, m, t, gap, seeds)", keys[required[i]]);
  /* Every n of the grid must be one the generator can sample: refused
     here, at the line of gap, rather than after the first sizes ran.  */
  if (rc == FGA_OK)
    {
      fga_error sub;
      fga_error_init (&sub);
      size_t bad_n;
      if (check_grid (cfg, &bad_n, &sub) != FGA_OK)
        rc = fgap_ini_fail (&ini, h.seen[K_GAP], sub.code, "gap = %g at n = %zu: %s", cfg->gap,
                            bad_n, sub.msg);
    }
  if (rc != FGA_OK)
    fga_hardness_config_clear (cfg);
  return rc;
}

size_t
fgap_hardness_m_of (const fga_hardness_config *cfg, size_t n)
{
  return cfg->m_fixed > 0 ? cfg->m_fixed : (size_t) ceil (cfg->m_coef * log2 ((double) n));
}

size_t
fgap_hardness_t_of (const fga_hardness_config *cfg, size_t m)
{
  if (cfg->t_fixed > 0)
    return cfg->t_fixed;
  size_t t = (size_t) floor ((double) m / cfg->t_div);
  return t > 0 ? t : 1;
}

/* The probability that two uniform random vectors of {0,1}^m are at
   distance below far (as src/reduction/hamming.c computes it).  */
static double
close_probability (size_t m, size_t far)
{
  double p = 0;
  for (size_t k = 0; k < far && k <= m; k++)
    p += exp (lgamma (m + 1.0) - lgamma (k + 1.0) - lgamma (m - k + 1.0) - m * log (2.0));
  return p > 1 ? 1 : p;
}

/* Whether fga_hamming_generate refuses (n, m, t, eps) before drawing: the
   checks it makes first (src/reduction/hamming.c), repeated here so that a
   grid is refused whole before any folder is made.  When they refuse, the
   generator itself is asked, for its message (it refuses before drawing).  */
static int
check_sampling (size_t n, size_t m, size_t t, double eps, fga_error *err)
{
  int refused = n < 1 || m < 1 || t < 1 || t > m || !(eps > 0) || !isfinite (eps)
    || fga_hamming_far (t, eps) > m || n > SIZE_MAX / m;
  if (!refused)
    refused = !(pow (1 - close_probability (m, fga_hamming_far (t, eps)), (double) n) >= 1e-3);
  if (!refused)
    return FGA_OK;
  fga_hamming_t h;
  fga_hamming_init (h);
  int rc = fga_hamming_generate (h, n, m, t, eps, 1, 1, err);
  fga_hamming_clear (h);
  return rc;
}

/* check_sampling for every n of the grid; *bad_n the first refused.  */
static int
check_grid (const fga_hardness_config *cfg, size_t *bad_n, fga_error *err)
{
  for (size_t i = 0; i < cfg->nn; i++)
    {
      size_t m = fgap_hardness_m_of (cfg, cfg->n[i]);
      int rc = check_sampling (cfg->n[i], m, fgap_hardness_t_of (cfg, m), cfg->gap, err);
      if (rc != FGA_OK)
        {
          *bad_n = cfg->n[i];
          return rc;
        }
    }
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* The run.  */

typedef struct
{
  size_t n, m, d, t;
  unsigned long seed;
  int planted, brute_yes;
  size_t min_dist;
  fga_reduction_info info;
  double R, max_score;
  long cert, first, stable, scanned;  /* -1: none */
  long runs_from;              /* least g from which no row sum is <= 0 (dummy rows included) */
  double max_o_exact;
  int exact_yes;
} row_t;

/* C(d + g, d) and its log10; g < 0 gives an empty string.  */
static void
features (char **dec, double *log10r, size_t d, long g)
{
  *dec = NULL;
  *log10r = NAN;
  if (g < 0)
    return;
  mpz_t r;
  mpz_init (r);
  mpz_bin_uiui (r, (unsigned long) (d + (size_t) g), (unsigned long) d);
  *dec = mpz_get_str (NULL, 10, r);
  long ex;
  double mant = mpz_get_d_2exp (&ex, r);
  *log10r = log10 (mant) + (double) ex * log10 (2.0);
  mpz_clear (r);
}

static void
free_str (char *s)
{
  if (s == NULL)
    return;
  void (*freefn) (void *, size_t);
  mp_get_memory_functions (NULL, NULL, &freefn);
  freefn (s, strlen (s) + 1);
}

static void
put_long (FILE *fp, long v, const char *sep)
{
  if (v >= 0)
    fprintf (fp, "%ld", v);
  fputs (sep, fp);
}

static void
write_instances (FILE *fp, const row_t *rows, size_t nrows, const fga_hardness_config *cfg)
{
  fputs ("n,m,d,t,gap,seed,planted,brute_yes,min_dist,lambda,s,s_over_sqrt_ln_n,basis,R,"
         "max_score,accuracy,decide_at,max_o_exact,exact_yes,cert_deg,scanned_to,first_deg,"
         "least_deg,r_least,log10_r_least,r_exponent_least,log10_r_cert,runs_from\n", fp);
  for (size_t k = 0; k < nrows; k++)
    {
      const row_t *w = &rows[k];
      char *rl, *rc;
      double lrl, lrc;
      features (&rl, &lrl, w->d, w->stable);
      features (&rc, &lrc, w->d, w->cert);
      /* r = N^x with N = 2n, the size of the attention instance.  */
      double ex = lrl / log10 (2.0 * (double) w->n);
      fprintf (fp, "%zu,%zu,%zu,%zu,%.17g,%lu,%d,%d,%zu,%.17g,%.17g,%.17g,%s,%.17g,%.17g,%.17g,"
               "%.17g,%.17g,%d,", w->n, w->m, w->d, w->t, cfg->gap, w->seed, w->planted,
               w->brute_yes, w->min_dist, w->info.lambda, w->info.s, w->info.s_over_sqrt_ln_n,
               fga_basis_name (cfg->basis), w->R, w->max_score, w->info.accuracy,
               w->info.decide_at, w->max_o_exact, w->exact_yes);
      put_long (fp, w->cert, ",");
      put_long (fp, w->scanned, ",");
      put_long (fp, w->first, ",");
      put_long (fp, w->stable, ",");
      fprintf (fp, "%s,", rl != NULL ? rl : "");
      if (rl != NULL)
        fprintf (fp, "%.6f,%.6f", lrl, ex);
      else
        fputc (',', fp);
      fputc (',', fp);
      if (rc != NULL)
        fprintf (fp, "%.6f", lrc);
      fputc (',', fp);
      put_long (fp, w->runs_from, "\n");
      free_str (rl);
      free_str (rc);
    }
}

static void
write_summary (FILE *fp, const row_t *rows, size_t nrows, const fga_hardness_config *cfg)
{
  fprintf (fp, "# The least polynomial degree that decides the reduction, against n\n\n"
           "Gap Hamming closest pair (YES and NO instances, %zu seed%s each), reduced to "
           "attention with N = 2n rows, d = 2m, entries s = sqrt(lambda d); the method poly "
           "(basis %s, R %s) at every degree, in exact arithmetic. `least` is the least "
           "degree from which every degree decides every instance of that n correctly; "
           "`poly runs from` the least degree from which no row sum of p_g is <= 0 (the "
           "method checks every row, the dummy queries' 2n p_g(0) too, and refuses the output "
           "otherwise; the decision reads only the real rows); `certified` the least degree "
           "whose certified error guarantees the decision; r = C(d+g, d) features; N^x = r.\n\n", cfg->nseeds, cfg->nseeds == 1 ? "" : "s",
           fga_basis_name (cfg->basis), cfg->R_max ? "= the largest score"
           : "= auto, the method's Cauchy-Schwarz radius");
  fputs ("| n | N = 2n | m | d | t | s / sqrt(ln n) | R | accuracy | least g | r at least g "
         "| x: r = N^x | poly runs from g | certified g | log10 r certified |\n"
         "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n", fp);
  /* The growth laws fitted below, as power laws in N (fga_fit_power):
     r ~ c N^x, and least g = a ln N + const, which is e^g ~ c N^a.  */
  double N[FGA_HARDNESS_MAX], eg[FGA_HARDNESS_MAX], r[FGA_HARDNESS_MAX];
  size_t nfit = 0;
  for (size_t a = 0; a < nrows;)
    {
      size_t b = a;
      long least = 0, cert = 0, runs = 0;
      double Rlo = INFINITY, Rhi = 0, so = 0;
      int unknown = 0, uncert = 0, norun = 0;
      while (b < nrows && rows[b].n == rows[a].n)
        {
          const row_t *w = &rows[b++];
          if (w->stable < 0)
            unknown = 1;
          else if (w->stable > least)
            least = w->stable;
          if (w->runs_from < 0)
            norun = 1;
          else if (w->runs_from > runs)
            runs = w->runs_from;
          if (w->cert < 0)
            uncert = 1;
          else if (w->cert > cert)
            cert = w->cert;
          Rlo = fmin (Rlo, w->R), Rhi = fmax (Rhi, w->R);
          so = w->info.s_over_sqrt_ln_n;
        }
      const row_t *w = &rows[a];
      fprintf (fp, "| %zu | %zu | %zu | %zu | %zu | %.3f | ", w->n, 2 * w->n, w->m, w->d, w->t,
               so);
      if (Rhi - Rlo < 5e-4)
        fprintf (fp, "%.3f", Rlo);
      else
        fprintf (fp, "%.3f-%.3f", Rlo, Rhi);
      fprintf (fp, " | %.3g | ", w->info.accuracy);
      char *rl = NULL, *rc = NULL;
      double lrl = NAN, lrc = NAN;
      if (!unknown)
        features (&rl, &lrl, w->d, least);
      if (!uncert)
        features (&rc, &lrc, w->d, cert);
      if (unknown)
        fprintf (fp, "> %ld | | | ", cfg->gmax);
      else
        {
          double x = lrl / log10 (2.0 * (double) w->n);
          fprintf (fp, "%ld | %.3fe%+d | %.2f | ", least, pow (10, lrl - floor (lrl)),
                   (int) floor (lrl), x);
          N[nfit] = 2.0 * (double) w->n, eg[nfit] = exp ((double) least),
            r[nfit] = pow (10, lrl);
          nfit++;
        }
      if (norun)
        fprintf (fp, "> %ld | ", cfg->gmax);
      else
        fprintf (fp, "%ld | ", runs);
      if (uncert)
        fprintf (fp, "> %ld | |\n", cfg->gmax);
      else
        fprintf (fp, "%ld | %.1f |\n", cert, lrc);
      free_str (rl);
      free_str (rc);
      a = b;
    }
  if (nfit >= 2)
    {
      /* A fit that refuses (every n the same, or e^g or r beyond the
         doubles) leaves its exponent NaN, printed as such.  */
      fga_fit fg, fr;
      fga_fit_power (&fg, N, eg, nfit, 0, NULL);
      fga_fit_power (&fr, N, r, nfit, 0, NULL);
      fprintf (fp, "\nLeast squares over the %zu sizes: least g = %.2f ln N + const, growing "
               "like log n; ln r against ln N has slope %.2f, so r grows like N^%.2f, and x "
               "stays bounded away from 0: r = n^Theta(1), where the regime B = o(sqrt(log n)) "
               "of the upper bound gives n^o(1).\n", nfit, fg.exponent, fr.exponent,
               fr.exponent);
    }
  fputs ("\nColumns and every instance: instances.csv; the decision at every degree: "
         "degrees.csv. Regenerate: fgattn hardness experiments/hardness.conf -o DIR.\n", fp);
}

/* hardness.json: the version and the configuration as read.  */
static int
write_json (const char *path, const fga_hardness_config *cfg, fga_error *err)
{
  json_t *o = json_object ();
  json_object_set_new (o, "format", json_string ("fgattn-hardness"));
  json_object_set_new (o, "fgattn_version", json_string (fga_version ()));
  json_object_set_new (o, "tau", json_string ("1/d"));
  json_object_set_new (o, "method", json_string ("poly"));
  json_object_set_new (o, "basis", json_string (fga_basis_name (cfg->basis)));
  json_object_set_new (o, "R", json_string (cfg->R_max ? "max" : "auto"));
  json_object_set_new (o, "config", json_string (cfg->text));
  int rc = fgap_json_write_atomic (path, o, JSON_INDENT (2) | JSON_PRESERVE_ORDER, err);
  json_decref (o);
  return rc;
}

/* One instance: generate, solve, reduce, scan; appends its degree rows.  */
static int
run_instance (row_t *w, FILE *deg, const fga_hardness_config *cfg, fga_error *err)
{
  fga_hamming_t h;
  fga_instance_t inst;
  fga_reduction_scan scan;
  fga_hamming_init (h);
  fga_instance_init (inst);
  fga_reduction_scan_init (&scan);
  int rc = fga_hamming_generate (h, w->n, w->m, w->t, cfg->gap, w->planted, w->seed, err);
  if (rc == FGA_OK)
    {
      fga_hamming_solution sol;
      fga_hamming_solve (&sol, h);
      w->brute_yes = sol.yes, w->min_dist = sol.min_dist;
      rc = fga_reduce (inst, &w->info, h, err);
    }
  if (rc == FGA_OK)
    {
      w->d = w->info.d;
      /* Every real query has m coordinates equal to s and the dummy keys
         have all d, so the largest score is s^2 m / d (rounded upward).  */
      mpfr_t x;
      mpfr_init2 (x, 128);
      mpfr_set_d (x, w->info.s, MPFR_RNDU);
      mpfr_sqr (x, x, MPFR_RNDU);
      mpfr_mul_ui (x, x, (unsigned long) w->m, MPFR_RNDU);
      mpfr_div_ui (x, x, (unsigned long) w->d, MPFR_RNDU);
      w->max_score = mpfr_get_d (x, MPFR_RNDU);
      mpfr_clear (x);
      w->R = cfg->R_max ? w->max_score
             : fga_score_radius (inst->Q, inst->K, 1.0 / (double) w->d);
      /* Certified to decide: 2 eps_g < accuracy (lemma 5, ||V||_inf = 1).  */
      double eps = nextafter (w->info.accuracy / 2, 0);
      rc = fga_expfit_least_degree (&w->cert, cfg->basis, w->R, eps, 1, cfg->gmax, err);
      if (rc == FGA_ERR_COMPUTE)
        w->cert = -1, rc = FGA_OK;
    }
  if (rc == FGA_OK)
    {
      w->scanned = w->cert >= 0 ? w->cert : cfg->gmax;
      rc = fga_reduction_degree_scan (&scan, inst, &w->info, cfg->basis, w->R, w->scanned, err);
    }
  if (rc == FGA_OK && scan.yes_exact != w->brute_yes)
    rc = fgap_error_set (err, FGA_ERR_COMPUTE, "n = %zu, seed %lu: exact attention decides %s "
                        "but brute force says %s: the reduction is broken", w->n, w->seed,
                        scan.yes_exact ? "YES" : "NO", w->brute_yes ? "YES" : "NO");
  if (rc == FGA_OK)
    {
      w->max_o_exact = scan.max_o_exact, w->exact_yes = scan.yes_exact;
      w->first = -1;
      for (long g = 0; g <= scan.gmax; g++)
        {
          int ok = scan.verdict[g] == w->brute_yes;
          if (ok && w->first < 0)
            w->first = g;
          fprintf (deg, "%zu,%lu,%d,%ld,%.17g,%s,%d,%d\n", w->n, w->seed, w->planted, g,
                   scan.max_o[g], scan.verdict[g] < 0 ? "fail" : scan.verdict[g] ? "YES"
                   : "NO", ok, scan.dummy_fail[g]);
        }
      w->stable = fga_reduction_scan_stable (&scan, w->brute_yes);
      /* poly itself checks every row, the dummy queries' too (their row
         sums are 2n p_g(0)), and refuses the output when one is <= 0.  */
      w->runs_from = scan.gmax + 1;
      while (w->runs_from > 0 && scan.verdict[w->runs_from - 1] >= 0
             && !scan.dummy_fail[w->runs_from - 1])
        w->runs_from--;
      if (w->runs_from > scan.gmax)
        w->runs_from = -1;
    }
  fga_reduction_scan_clear (&scan);
  fga_instance_clear (inst);
  fga_hamming_clear (h);
  return rc;
}

int
fga_hardness_run (const fga_hardness_config *cfg, const char *outdir,
                  fga_hardness_progress_fn progress, void *data, fga_error *err)
{
  if (cfg->nn == 0 || cfg->nseeds == 0 || !(cfg->gap > 0))
    return fgap_error_set (err, FGA_ERR_INPUT, "the configuration is empty");
  char path[4][4096];
  const char *names[4] = { "instances.csv", "degrees.csv", "summary.md", "hardness.json" };
  for (int f = 0; f < 4; f++)
    if ((size_t) snprintf (path[f], sizeof path[f], "%s/%s", outdir, names[f])
        >= sizeof path[f])
      return fgap_error_set (err, FGA_ERR_INPUT, "the folder name %s is too long", outdir);
  /* Everything that can be refused is, before the folder is made.  */
  size_t bad_n;
  fga_error sub;
  fga_error_init (&sub);
  if (check_grid (cfg, &bad_n, &sub) != FGA_OK)
    return fgap_error_set (err, sub.code, "n = %zu: %s", bad_n, sub.msg);
  char lockpath[4096 + 8];
  snprintf (lockpath, sizeof lockpath, "%s/.lock", outdir);
  int made = mkdir (outdir, 0777) == 0;
  if (!made && errno != EEXIST)
    return fgap_error_set (err, FGA_ERR_IO, "%s: cannot make the folder: %s", outdir,
                          strerror (errno));
  struct stat sb;
  int lock_existed = lstat (lockpath, &sb) == 0;
  /* One writer per folder: a second run would replace these files half-way.  */
  fgap_dir_lock lock;
  int rc = fgap_dir_lock_take (&lock, outdir, err);
  if (rc != FGA_OK)
    {
      if (made)
        rmdir (outdir);
      return rc;
    }
  size_t total = cfg->nn * cfg->nseeds * 2;
  row_t *rows = fgap_calloc (total, sizeof *rows, "the rows", err);
  if (rows == NULL)
    rc = FGA_ERR_NOMEM;
  /* The CSV files and the summary are written under temporary names and
     renamed together at the end, hardness.json last.  */
  fga_atomic_file af[3];
  int opened = 0;
  while (opened < 3 && rc == FGA_OK)
    if ((rc = fga_atomic_open (&af[opened], path[opened], err)) == FGA_OK)
      opened++;
  if (rc == FGA_OK)
    fputs ("n,seed,planted,g,max_o,verdict,correct,dummy_fail\n", af[1].fp);
  size_t k = 0;
  for (size_t i = 0; i < cfg->nn && rc == FGA_OK; i++)
    for (size_t s = 0; s < cfg->nseeds && rc == FGA_OK; s++)
      for (int planted = 1; planted >= 0 && rc == FGA_OK; planted--)
        {
          row_t *w = &rows[k];
          w->n = cfg->n[i];
          w->m = fgap_hardness_m_of (cfg, w->n);
          w->t = fgap_hardness_t_of (cfg, w->m);
          w->seed = cfg->seeds[s];
          w->planted = planted;
          rc = run_instance (w, af[1].fp, cfg, err);
          if (rc == FGA_OK && progress != NULL)
            progress (k + 1, total, w->n, w->seed, data);
          k++;
        }
  if (rc == FGA_OK)
    {
      write_instances (af[0].fp, rows, total, cfg);
      write_summary (af[2].fp, rows, total, cfg);
    }
  for (int f = 0; f < opened; f++)
    {
      if (rc == FGA_OK)
        rc = fga_atomic_commit (&af[f], err);
      else
        fga_atomic_abort (&af[f]);
    }
  if (rc == FGA_OK)
    rc = write_json (path[3], cfg, err);
  fgap_free (rows);
  /* A run that fails leaves the folder as it found it: the lock file and
     the folder go when this run made them (the folder only when empty).  */
  if (rc != FGA_OK && !lock_existed)
    unlink (lockpath);
  fgap_dir_lock_release (&lock);
  if (rc != FGA_OK && made)
    rmdir (outdir);
  return rc;
}
