/* hardness.c -- the least degree of the polynomial method that decides the reduction, against n

   Issue 6, part 3: the SETH lower bound seen from the algorithm's side.
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
#include <sys/stat.h>
#include <jansson.h>

/* ------------------------------------------------------------------ */
/* The configuration.  */

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
   -1 (bad item) or -2 (too many).  */
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
  for (char *tok = strtok (s, ","); tok != NULL; tok = strtok (NULL, ","))
    {
      long long v = parse_count (trim (tok));
      if (v < (long long) lo)
        return -1;
      if (k == max)
        return -2;
      out[k++] = (unsigned long long) v;
    }
  return k > 0 ? (long) k : -1;
}

enum { K_N, K_M, K_T, K_GAP, K_SEEDS, K_BASIS, K_R, K_GMAX, K_COUNT };
static const char *const keys[K_COUNT]
  = { "n", "m", "t", "gap", "seeds", "basis", "R", "gmax" };

static int
parse_value (fga_hardness_config *cfg, int key, char *v, const char *path, int line,
             fga_error *err)
{
  unsigned long long list[FGA_HARDNESS_MAX];
  long k;
  switch (key)
    {
    case K_N:
    case K_SEEDS:
      k = parse_list (list, FGA_HARDNESS_MAX, v, key == K_N ? 2 : 0);
      if (k < 0)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: %s: %s", path, line, keys[key],
                              k == -2 ? "at most 64 values"
                              : key == K_N ? "a list of integers >= 2, as 32, 64 or 32-40"
                              : "a list of integers >= 0, as 1, 2, 3 or 1-3");
      for (long i = 0; i < k; i++)
        {
          if (key == K_N)
            {
              /* The reduced instance has 2n rows of 2m columns; keep the
                 brute force and the scan's counting in reach.  */
              if (list[i] > 65536)
                return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: n = %llu: at most 65536",
                                      path, line, list[i]);
              if (i > 0 && list[i] <= list[i - 1])
                return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: n: the sizes must increase",
                                      path, line);
              cfg->n[i] = (size_t) list[i];
            }
          else
            {
              if (list[i] > (unsigned long long) INT64_MAX)
                return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: seed %llu is above 2^63 - 1",
                                      path, line, list[i]);
              cfg->seeds[i] = (unsigned long) list[i];
            }
        }
      *(key == K_N ? &cfg->nn : &cfg->nseeds) = (size_t) k;
      return FGA_OK;
    case K_M:
      {
        char *lg = strstr (v, "log2 n");
        if (lg != NULL && *trim (lg + 6) == '\0')
          {
            *lg = '\0';
            if (parse_real (&cfg->m_coef, trim (v)) != 0 || !(cfg->m_coef > 0)
                || cfg->m_coef > 1e3)
              return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: m: C in `C log2 n' must be "
                                    "a number in (0, 1000]", path, line);
            cfg->m_fixed = 0;
            return FGA_OK;
          }
        long long m = parse_count (v);
        if (m < 1 || m > 1000000)
          return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: m: an integer in 1..1000000 or "
                                "`C log2 n'", path, line);
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
              return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: t: `m / K' needs a number "
                                    "K >= 1", path, line);
            cfg->t_fixed = 0;
            return FGA_OK;
          }
        long long t = parse_count (v);
        if (t < 1)
          return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: t: a positive integer or "
                                "`m / K'", path, line);
        cfg->t_fixed = (size_t) t;
        return FGA_OK;
      }
    case K_GAP:
      if (parse_real (&cfg->gap, v) != 0 || !(cfg->gap > 0) || cfg->gap > 1e6)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: gap: a number in (0, 1e6]", path,
                              line);
      return FGA_OK;
    case K_BASIS:
      {
        fga_error e2;
        if (fga_basis_parse (&cfg->basis, v, &e2) != FGA_OK)
          return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: basis: cheb or taylor, not %s",
                                path, line, v);
        return FGA_OK;
      }
    case K_R:
      if (strcmp (v, "auto") != 0 && strcmp (v, "max") != 0)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: R: auto or max, not %s", path, line,
                              v);
      cfg->R_max = strcmp (v, "max") == 0;
      return FGA_OK;
    default:                   /* K_GMAX */
      {
        long long g = parse_count (v);
        if (g < 1 || g > FGA_EXPFIT_GMAX)
          return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: gmax: an integer in 1..%ld", path,
                                line, FGA_EXPFIT_GMAX);
        cfg->gmax = (long) g;
        return FGA_OK;
      }
    }
}

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
  FILE *fp = fopen (path, "r");
  if (fp == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: cannot open: %s", path, strerror (errno));
  size_t cap = 4096, len = 0;
  cfg->text = fgap_alloc (cap, "the configuration", err);
  int rc = cfg->text == NULL ? FGA_ERR_NOMEM : FGA_OK;
  int seen[K_COUNT] = { 0 }, in_section = 0, line = 0;
  char buf[4096];
  while (rc == FGA_OK && fgets (buf, sizeof buf, fp) != NULL)
    {
      line++;
      size_t bl = strlen (buf);
      if (bl == sizeof buf - 1 && buf[bl - 1] != '\n')
        {
          rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: line longer than %zu characters",
                              path, line, sizeof buf - 2);
          break;
        }
      if (len + bl + 1 > cap)
        {
          char *t = fgap_alloc (2 * cap + bl, "the configuration", err);
          if (t == NULL)
            {
              rc = FGA_ERR_NOMEM;
              break;
            }
          memcpy (t, cfg->text, len);
          fgap_free (cfg->text);
          cfg->text = t, cap = 2 * cap + bl;
        }
      memcpy (cfg->text + len, buf, bl);
      len += bl;
      char *c = strpbrk (buf, "#;");
      if (c != NULL)
        *c = '\0';
      char *s = trim (buf);
      if (*s == '\0')
        continue;
      if (*s == '[')
        {
          if (strcmp (s, "[hardness]") != 0 || in_section)
            rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: %s: the one section is "
                                "[hardness]", path, line, s);
          in_section = 1;
          continue;
        }
      if (!in_section)
        {
          rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: a key before the section "
                              "[hardness]", path, line);
          break;
        }
      char *eq = strchr (s, '=');
      if (eq == NULL)
        {
          rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: expected `key = value'", path, line);
          break;
        }
      *eq = '\0';
      char *k = trim (s), *v = trim (eq + 1);
      int key = -1;
      for (int i = 0; i < K_COUNT; i++)
        if (strcmp (k, keys[i]) == 0)
          key = i;
      if (key < 0)
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: unknown key `%s' (known: n, m, t, "
                            "gap, seeds, basis, R, gmax)", path, line, k);
      else if (seen[key])
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: %s given twice (first on line %d)",
                            path, line, k, seen[key]);
      else if (*v == '\0')
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: %s has no value", path, line, k);
      else
        {
          seen[key] = line;
          rc = parse_value (cfg, key, v, path, line, err);
        }
    }
  if (rc == FGA_OK && ferror (fp))
    rc = fgap_error_set (err, FGA_ERR_IO, "%s: read error", path);
  fclose (fp);
  if (rc == FGA_OK)
    {
      cfg->text[len] = '\0';
      const int required[] = { K_N, K_M, K_T, K_GAP, K_SEEDS };
      for (size_t i = 0; i < sizeof required / sizeof *required && rc == FGA_OK; i++)
        if (!seen[required[i]])
          rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: the key %s is missing (required: n, "
                              "m, t, gap, seeds)", path, keys[required[i]]);
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

/* Least squares of y on x; returns the slope (NaN for fewer than two
   distinct x).  */
static double
slope (const double *x, const double *y, size_t k)
{
  double mx = 0, my = 0;
  for (size_t i = 0; i < k; i++)
    mx += x[i], my += y[i];
  mx /= (double) k, my /= (double) k;
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < k; i++)
    sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx);
  return k >= 2 && sxx > 0 ? sxy / sxx : NAN;
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
  double lx[FGA_HARDNESS_MAX], lg[FGA_HARDNESS_MAX], lr[FGA_HARDNESS_MAX];
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
          lx[nfit] = log (2.0 * (double) w->n), lg[nfit] = (double) least,
            lr[nfit] = lrl * log (10.0);
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
    fprintf (fp, "\nLeast squares over the %zu sizes: least g = %.2f ln N + const, growing "
             "like log n; ln r against ln N has slope %.2f, so r grows like N^%.2f, and x stays "
             "bounded away from 0: r = n^Theta(1), where the regime B = o(sqrt(log n)) of the "
             "upper bound gives n^o(1).\n", nfit, slope (lx, lg, nfit), slope (lx, lr, nfit),
             slope (lx, lr, nfit));
  fputs ("\nColumns and every instance: instances.csv; the decision at every degree: "
         "degrees.csv. Regenerate: fgattn hardness experiments/hardness.conf -o DIR.\n", fp);
}

static int
write_json (FILE *fp, const fga_hardness_config *cfg)
{
  json_t *o = json_object ();
  json_object_set_new (o, "format", json_string ("fgattn-hardness"));
  json_object_set_new (o, "fgattn_version", json_string (fga_version ()));
  json_object_set_new (o, "tau", json_string ("1/d"));
  json_object_set_new (o, "method", json_string ("poly"));
  json_object_set_new (o, "basis", json_string (fga_basis_name (cfg->basis)));
  json_object_set_new (o, "R", json_string (cfg->R_max ? "max" : "auto"));
  json_object_set_new (o, "config", json_string (cfg->text));
  int rc = json_dumpf (o, fp, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
  fputc ('\n', fp);
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
  if (mkdir (outdir, 0777) != 0 && errno != EEXIST)
    return fgap_error_set (err, FGA_ERR_IO, "%s: cannot make the folder: %s", outdir,
                          strerror (errno));
  size_t total = cfg->nn * cfg->nseeds * 2;
  row_t *rows = fgap_calloc (total, sizeof *rows, "the rows", err);
  if (rows == NULL)
    return FGA_ERR_NOMEM;
  char path[4][4096];
  const char *names[4] = { "instances.csv", "degrees.csv", "summary.md", "hardness.json" };
  for (int f = 0; f < 4; f++)
    if ((size_t) snprintf (path[f], sizeof path[f], "%s/%s", outdir, names[f])
        >= sizeof path[f])
      {
        fgap_free (rows);
        return fgap_error_set (err, FGA_ERR_INPUT, "the folder name %s is too long", outdir);
      }
  fga_atomic_file af[4];
  int opened = 0, rc = FGA_OK;
  for (; opened < 4 && rc == FGA_OK; opened++)
    rc = fga_atomic_open (&af[opened], path[opened], err);
  if (rc != FGA_OK)
    opened--;
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
      if (write_json (af[3].fp, cfg) != 0)
        rc = fgap_error_set (err, FGA_ERR_IO, "%s: cannot write the JSON", path[3]);
    }
  for (int f = 0; f < opened; f++)
    {
      if (rc == FGA_OK)
        rc = fga_atomic_commit (&af[f], err);
      else
        fga_atomic_abort (&af[f]);
    }
  fgap_free (rows);
  return rc;
}
