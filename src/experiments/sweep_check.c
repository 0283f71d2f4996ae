/* sweep_check -- the sizes, laws, accuracies and memory of a sweep's grid, before any work

   A grid that cannot run is refused here rather than after hours, or by
   the kernel's out-of-memory killer: by fga_sweep_config_read at the line
   of the value at fault, and by fga_sweep_config_check (which
   fga_sweep_run calls) for a configuration made in code.  */

#include "experiments/sweep-impl.h"

#include <float.h>
#include <stdint.h>

/* The largest working precision of the ground truth (`fgattn truth
   --prec').  */
#define PREC_MAX 1048576

/* The largest d, dv or n taken as an integer: beyond 2^53 a double no
   longer holds every integer, and no machine holds such a matrix.  */
#define SIZE_LIMIT 0x1p53

/* The randomized rank's defaults (fgattn/numerics.h, fga_rank_opts): the
   sketch's columns beyond kmax and the query rows of a tile of P.  */
#define RANK_OVERSAMPLE 16
#define RANK_BLOCK_ROWS 256

/* A refusal: "PATH:LINE: what" with lines, else "PATH: what" when the
   configuration names its file, else "what".  */
static int
refuse (const fga_sweep_config *cfg, const fgap_sweep_lines *lines, int line, fga_error *err,
        const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));

static int
refuse (const fga_sweep_config *cfg, const fgap_sweep_lines *lines, int line, fga_error *err,
        const char *fmt, ...)
{
  char what[FGA_MSG_SIZE];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (what, sizeof what, fmt, ap);
  va_end (ap);
  if (lines != NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: %s", cfg->path, line, what);
  if (cfg->path[0] != '\0')
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: %s", cfg->path, what);
  return fgap_error_set (err, FGA_ERR_INPUT, "%s", what);
}

#define LINE(field) (lines != NULL ? lines->field : 0)

/* d at n before any rounding to an integer.  */
static double
d_real (const fga_sweep_config *cfg, size_t n)
{
  return cfg->d_coef == 0 ? (double) cfg->d_fixed : cfg->d_coef * log2 ((double) n);
}

size_t
fga_sweep_config_d (const fga_sweep_config *cfg, size_t n)
{
  if (cfg->d_coef == 0)
    return cfg->d_fixed;
  double x = cfg->d_coef * log2 ((double) n);
  /* A value within rounding of an integer is that integer, so that ceil
     does not jump a whole dimension on the last bit of a product.  */
  double r = nearbyint (x);
  if (fabs (x - r) <= 1e-9 * fmax (1, x))
    x = r;
  double d = cfg->d_ceil ? ceil (x) : nearbyint (x);
  if (!(d < 0x1p63))
    return SIZE_MAX;           /* refused by fga_sweep_config_check */
  return d < 1 ? 1 : (size_t) d;
}

double
fga_sweep_config_B (const fga_sweep_config *cfg, size_t ilaw, size_t n, double beta)
{
  return beta * fga_law_factor (&cfg->laws[ilaw], (double) n);
}

int
fgap_sweep_rank_wanted (const fga_sweep_config *cfg, size_t n)
{
  return cfg->ntol > 0 && n <= cfg->rank_max_n;
}

int
fgap_sweep_rank_randomized (const fga_sweep_config *cfg, size_t n)
{
  return cfg->rank_algo == FGA_SWEEP_RANK_RANDOMIZED
    || (cfg->rank_algo == FGA_SWEEP_RANK_AUTO && n > cfg->rank_dense_max_n);
}

void
fgap_sweep_binomial (double *r, double *log10r, size_t d, long g)
{
  /* C(d + g, d) exactly in GMP, then each value rounded once from the
     exact integer: to the nearest double (+Inf beyond the largest), and
     its decimal logarithm correctly rounded (MPFR rounds to the precision
     of the destination, 53 bits, from the exact input z).  */
  mpz_t z;
  mpfr_t x, y;
  mpz_init (z);
  mpz_bin_uiui (z, (unsigned long) d + (unsigned long) g, (unsigned long) d);
  mpfr_init2 (x, (mpfr_prec_t) mpz_sizeinbase (z, 2) + 1);
  mpfr_init2 (y, 53);
  mpfr_set_z (x, z, MPFR_RNDN);                /* exact at this precision */
  mpfr_set_z (y, z, MPFR_RNDN);
  *r = mpfr_get_d (y, MPFR_RNDN);
  mpfr_log10 (y, x, MPFR_RNDN);
  *log10r = mpfr_get_d (y, MPFR_RNDN);
  mpfr_clears (x, y, (mpfr_ptr) 0);
  mpz_clear (z);
}

double
fgap_sweep_poly_bytes (size_t n, size_t d, size_t dv, long g)
{
  double r, lr;
  fgap_sweep_binomial (&r, &lr, d, g);
  return 8 * r * (2 * (double) n + (double) dv + 1);
}

/* ---------------------------------------------------------------- */
/* Memory.  */

const fga_param_info *
fgap_sweep_param_info (const char *spec, const char *key)
{
  size_t len = strcspn (spec, ":");
  for (size_t i = 0; i < fga_method_count (); i++)
    {
      const fga_method_info *info = fga_method_info_at (i);
      if (strlen (info->name) != len || strncmp (info->name, spec, len) != 0)
        continue;
      for (const fga_param_info *q = info->params; q->key != NULL; q++)
        if (strcmp (q->key, key) == 0)
          return q;
    }
  return NULL;
}

/* The value of parameter key of a method: from its spec when set there,
   else the registry's default; NaN when the method has no such parameter.  */
static double
spec_param (const char *spec, const char *key)
{
  size_t klen = strlen (key);
  for (const char *s = strchr (spec, ':'); s != NULL; s = strchr (s, ','))
    {
      s++;
      while (*s == ' ' || *s == '\t')
        s++;
      if (strncmp (s, key, klen) == 0)
        {
          const char *q = s + klen;
          while (*q == ' ' || *q == '\t')
            q++;
          if (*q == '=')
            return strtod (q + 1, NULL);
        }
    }
  const fga_param_info *q = fgap_sweep_param_info (spec, key);
  return q != NULL ? strtod (q->def, NULL) : NAN;
}

static int
spec_is (const char *spec, const char *name)
{
  size_t len = strcspn (spec, ":");
  return strlen (name) == len && strncmp (spec, name, len) == 0;
}

/* The bytes a method may take at n beyond the instance and its output:
   the memory budget of poly and tsketch (budget=, which they refuse to
   exceed); svd's P, its singular vectors and dgesdd's workspace, about
   7 n^2 doubles; rf's and nystrom's feature matrices, about 2 n m + m^2
   doubles at their largest m.  The other methods work in O(n) per thread.  */
static double
method_bytes (const fga_sweep_method *m, double n)
{
  if (m->max_n != 0 && n > (double) m->max_n)
    return 0;                  /* not run at this n */
  if (spec_is (m->spec, "poly") || spec_is (m->spec, "tsketch"))
    return spec_param (m->spec, "budget");
  if (spec_is (m->spec, "svd"))
    return 8 * 7 * n * n;
  if (spec_is (m->spec, "rf") || spec_is (m->spec, "nystrom"))
    {
      double mm = spec_param (m->spec, "m");
      if (strcmp (m->size_key, "m") == 0)
        {
          mm = m->max_size_n ? n : m->max_size;
          for (size_t k = 0; k < m->nsizes; k++)
            mm = fmax (mm, m->sizes[k]);
        }
      return isfinite (mm) ? 8 * (2 * n * mm + mm * mm) : 0;
    }
  return 0;
}

/* An MPFR number of p bits as the ground truth stores it.  */
static double
mpfr_bytes (double p)
{
  return (double) sizeof (mpfr_t) + 8 * ceil (p / 64) + 8;
}

/* The bytes of one cell of size n, in parts.  */
typedef struct
{
  double instance;             /* Q, K, V, the truth and a method's output */
  double truth;                /* the ground truth's working memory */
  double rank;                 /* dense: P and dgesdd's workspace; randomized: its sketch */
  double method;               /* the largest of method_bytes, and [cost]'s */
  int method_index;            /* -1 for [cost]'s poly */
} cell_bytes_t;

/* The rank's bytes at n: dense, the n x n matrix P and dgesdd's workspace;
   randomized, what fgattn/numerics.h gives for its buffers with a sketch
   of l = min (kmax + oversample, n) columns, 8 (2 n (l + 20) + n l), and a
   tile of P per thread.  */
static double
rank_bytes (const fga_sweep_config *cfg, size_t n, int threads)
{
  double nn = (double) n;
  if (!fgap_sweep_rank_wanted (cfg, n))
    return 0;
  if (!fgap_sweep_rank_randomized (cfg, n))
    return 8 * (nn * nn + 12 * nn);
  double l = fmin ((double) cfg->rank_kmax + RANK_OVERSAMPLE, nn);
  return 8 * (2 * nn * (l + 20) + nn * l) + 8.0 * RANK_BLOCK_ROWS * 512 * threads;
}

/* [cost]'s bytes at n: poly runs only where 8 r (2 n + dv + 1) <= poly_max_bytes
   and r <= C(d + gmax, d), and holds then (src/methods/poly.c) its
   per-feature tables (14 bytes a feature; 16 here), ancestors and
   accumulators (at most (gmax + 1) 2 n doubles) and a tile of 256 KiB per
   thread; fga_poly_least_degree holds a row of 4 n + dv + 1 doubles per
   thread and a verdict and a radius per row (64 bytes here).  */
static double
cost_bytes (const fga_sweep_config *cfg, double n, size_t d, double dv, int threads)
{
  const fga_sweep_cost *cost = &cfg->cost;
  if (!cost->on)
    return 0;
  double r, log10r;
  fgap_sweep_binomial (&r, &log10r, d, cost->gmax);
  r = fmin (r, cost->poly_max_bytes / (8 * (2 * n + dv + 1)));
  double poly = 16 * r + 8 * ((double) cost->gmax + 1) * 2 * n + threads * 0x1p18;
  return poly + threads * 8 * (4 * n + dv + 1) + 64 * n;
}

static double
cell_bytes (cell_bytes_t *b, const fga_sweep_config *cfg, size_t n, int threads)
{
  double nn = (double) n, d = (double) fga_sweep_config_d (cfg, n);
  double dv = cfg->dv_fixed != 0 ? (double) cfg->dv_fixed : d;
  b->instance = 8 * nn * (2 * d + dv) + 2 * 8 * nn * dv;
  /* fga_truth (src/numerics/truth.c): Q and K split into significands and
     exponents, V at 53 bits, and per thread a row of n + 1 numbers at the
     largest precision Ziv's strategy may reach (4 prec).  The double
     method beyond mpfr_max_n works in O(n) per thread.  */
  b->truth = n <= cfg->mpfr_max_n
    ? 16 * 2 * nn * d + nn * dv * mpfr_bytes (53)
      + threads * (nn + 1) * mpfr_bytes (4 * (double) cfg->prec)
    : 0;
  b->rank = rank_bytes (cfg, n, threads);
  b->method = cost_bytes (cfg, nn, fga_sweep_config_d (cfg, n), dv, threads);
  b->method_index = -1;
  for (size_t k = 0; k < cfg->nmethods; k++)
    {
      double mb = method_bytes (&cfg->methods[k], nn);
      if (mb > b->method)
        b->method = mb, b->method_index = (int) k;
    }
  return b->instance + b->truth + b->rank + b->method;
}

/* The line of the largest part of a cell's bytes.  */
static int
largest_line (const fga_sweep_config *cfg, const fgap_sweep_lines *lines, const cell_bytes_t *b,
              size_t n)
{
  if (lines == NULL)
    return 0;
  if (b->rank > fmax (b->instance + b->truth, b->method))
    {
      int line = fgap_sweep_rank_randomized (cfg, n) ? lines->rank_kmax : lines->rank_max_n;
      return line ? line : lines->rank_max_n ? lines->rank_max_n : lines->tol;
    }
  if (b->method > b->instance + b->truth)
    return b->method_index >= 0 ? lines->method_spec[b->method_index]
      : lines->cost_bytes ? lines->cost_bytes : lines->cost;
  return lines->d != 0 && fga_sweep_config_d (cfg, n) > n ? lines->d : lines->n;
}

/* Every cell's bytes against the machine's memory with `jobs' cells at
   once (each on one thread when jobs > 1).  */
static int
check_memory (const fga_sweep_config *cfg, int jobs, const fgap_sweep_lines *lines,
              fga_error *err)
{
  double phys = fga_physical_bytes ();
  int threads = jobs > 1 ? 1 : fgap_max_threads ();
  size_t ncells = cfg->nn * cfg->ndists * cfg->nlaws * cfg->nb * cfg->nseeds;
  double together = jobs <= 1 ? 1 : (double) ((size_t) jobs < ncells ? (size_t) jobs : ncells);
  for (size_t i = 0; i < cfg->nn; i++)
    {
      cell_bytes_t b;
      double need = cell_bytes (&b, cfg, cfg->n[i], threads);
      if (!(need * together > phys))
        continue;
      fgap_sweep_cell c;
      fgap_sweep_cell_make (&c, cfg, i, 0, 0, 0, 0);
      char hn[32], hi[32], ht[32], hr[32], hm[32], hp[32];
      fga_format_bytes (hn, sizeof hn, need * together);
      fga_format_bytes (hi, sizeof hi, b.instance);
      fga_format_bytes (ht, sizeof ht, b.truth);
      fga_format_bytes (hr, sizeof hr, b.rank);
      fga_format_bytes (hm, sizeof hm, b.method);
      fga_format_bytes (hp, sizeof hp, phys);
      char with[64] = "";
      if (together > 1)
        snprintf (with, sizeof with, ", %.0f cells at once (jobs)", together);
      const char *mname = b.method <= 0 ? "" : b.method_index >= 0
        ? cfg->methods[b.method_index].label : "[cost] poly";
      return refuse (cfg, lines, largest_line (cfg, lines, &b, cfg->n[i]), err,
                     "cell %s needs about %s%s (instance and outputs %s, ground truth %s, "
                     "rank of P %s, largest method %s%s%s), more than this machine's %s of "
                     "memory", c.id, hn, with, hi, ht, hr, hm, b.method > 0 ? ": " : "", mname,
                     hp);
    }
  return FGA_OK;
}

/* ---------------------------------------------------------------- */
/* Sizes, laws and accuracies.  */

static int
check_dims (const fga_sweep_config *cfg, const fgap_sweep_lines *lines, fga_error *err)
{
  if (cfg->prec < 53 || cfg->prec > PREC_MAX)
    return refuse (cfg, lines, LINE (prec), err,
                   "prec = %ld: the ground truth's precision must be from 53 to %d bits",
                   cfg->prec, PREC_MAX);
  if (cfg->dv_fixed > SIZE_LIMIT)
    return refuse (cfg, lines, LINE (dv), err, "dv = %zu: too large (at most 2^53)",
                   cfg->dv_fixed);
  if (cfg->d_coef == 0 && (cfg->d_fixed < 1 || (double) cfg->d_fixed > SIZE_LIMIT))
    return refuse (cfg, lines, LINE (d), err, "d = %zu: not in 1..2^53", cfg->d_fixed);
  if (cfg->d_coef != 0 && !(cfg->d_coef > 0 && isfinite (cfg->d_coef)))
    return refuse (cfg, lines, LINE (d), err,
                   "d = %g * log2(n): the factor must be positive and finite", cfg->d_coef);
  for (size_t i = 0; i < cfg->nn; i++)
    {
      if (cfg->n[i] < 2 || (double) cfg->n[i] > SIZE_LIMIT)
        return refuse (cfg, lines, LINE (n), err, "n = %zu: not in 2..2^53", cfg->n[i]);
      double d = d_real (cfg, cfg->n[i]);
      if (!(d <= SIZE_LIMIT))
        return refuse (cfg, lines, LINE (d), err, "d = %g * log2(n) is %.3g at n = %zu: too "
                       "large for an integer (at most 2^53)", cfg->d_coef, d, cfg->n[i]);
    }
  return FGA_OK;
}

/* Every law is used from its least n on, and gives a finite positive B
   with every beta.  */
static int
check_laws (const fga_sweep_config *cfg, const fgap_sweep_lines *lines, fga_error *err)
{
  for (size_t l = 0; l < cfg->nlaws; l++)
    for (size_t i = 0; i < cfg->nn; i++)
      {
        const fga_law *law = &cfg->laws[l];
        double n = (double) cfg->n[i];
        if (n < fga_law_min_n (law))
          return refuse (cfg, lines, LINE (law), err, "law '%s' is used from n = %g on "
                         "(fga_law_min_n); n = %zu is below",
                         law->text, fga_law_min_n (law), cfg->n[i]);
        for (size_t k = 0; k < cfg->nb; k++)
          {
            double B = fga_sweep_config_B (cfg, l, cfg->n[i], cfg->b[k]);
            if (!(B > 0 && B <= DBL_MAX))
              return refuse (cfg, lines, LINE (beta), err, "beta = %g with the law '%s' gives "
                             "B = %g at n = %zu: not a positive finite double", cfg->b[k],
                             law->text, B, cfg->n[i]);
          }
      }
  return FGA_OK;
}

/* An accuracy's value at every n it is used at (up to max_n) is a normal
   double: below, 1/poly(n) has left what double arithmetic can measure.  */
static int
check_accuracies (const fga_sweep_config *cfg, const fga_accuracy *acc, size_t count,
                  size_t max_n, int line, const char *what, const fgap_sweep_lines *lines,
                  fga_error *err)
{
  for (size_t k = 0; k < count; k++)
    for (size_t i = 0; i < cfg->nn; i++)
      {
        double v = fga_accuracy_at (&acc[k], (double) cfg->n[i]);
        if (cfg->n[i] <= max_n && !(v >= DBL_MIN && v <= DBL_MAX))
          return refuse (cfg, lines, line, err, "%s '%s' is %g at n = %zu, not a normal "
                         "double (below %g, nothing measured in double can reach it)", what,
                         acc[k].text, v, cfg->n[i], DBL_MIN);
      }
  return FGA_OK;
}

static int
check_all_accuracies (const fga_sweep_config *cfg, const fgap_sweep_lines *lines,
                      fga_error *err)
{
  int rc = check_accuracies (cfg, cfg->tol, cfg->ntol, cfg->rank_max_n, LINE (tol), "tol",
                             lines, err);
  for (size_t k = 0; k < cfg->nmethods && rc == FGA_OK; k++)
    rc = check_accuracies (cfg, cfg->methods[k].targets, cfg->methods[k].ntargets, SIZE_MAX,
                           LINE (method_targets[k]), "target", lines, err);
  if (rc == FGA_OK && cfg->cost.on)
    rc = check_accuracies (cfg, cfg->cost.eps, cfg->cost.neps, SIZE_MAX, LINE (cost_eps), "eps",
                           lines, err);
  return rc;
}

/* The settings the other checks do not see: axes, the rank's budget,
   [cost].  */
static int
check_settings (const fga_sweep_config *cfg, const fgap_sweep_lines *lines, fga_error *err)
{
  if (cfg->nn == 0 || cfg->ndists == 0 || cfg->nlaws == 0 || cfg->nb == 0 || cfg->nseeds == 0)
    return refuse (cfg, lines, LINE (grid), err,
                   "the grid has no cell (n, dist, law, beta or seeds empty)");
  if (cfg->nmethods == 0 && !cfg->cost.on)
    return refuse (cfg, lines, LINE (grid), err, "no method and no [cost]: nothing to run in a "
                   "cell");
  if (cfg->rank_algo != FGA_SWEEP_RANK_DENSE && cfg->rank_algo != FGA_SWEEP_RANK_RANDOMIZED
      && cfg->rank_algo != FGA_SWEEP_RANK_AUTO)
    return refuse (cfg, lines, LINE (rank_algo), err, "rank algo %d: not dense, randomized or "
                   "auto", (int) cfg->rank_algo);
  if (cfg->rank_kmax < 1)
    return refuse (cfg, lines, LINE (rank_kmax), err, "kmax = 0: at least 1");
  if (cfg->cost.on
      && (cfg->cost.neps == 0 || cfg->cost.gmax < 1 || cfg->cost.gmax > FGA_EXPFIT_GMAX
          || !(cfg->cost.poly_max_bytes >= 1 && cfg->cost.poly_max_bytes <= 0x1p62)))
    return refuse (cfg, lines, LINE (cost), err, "[cost]: eps empty, gmax = %ld outside 1..%ld "
                   "or poly_max_bytes = %g outside 1..2^62", cfg->cost.gmax, FGA_EXPFIT_GMAX,
                   cfg->cost.poly_max_bytes);
  return FGA_OK;
}

int
fgap_sweep_check (const fga_sweep_config *cfg, int jobs, const fgap_sweep_lines *lines,
                  fga_error *err)
{
  if (jobs < 1)
    return fgap_error_set (err, FGA_ERR_INPUT, "jobs = %d: at least 1", jobs);
  int rc = check_settings (cfg, lines, err);
  if (rc == FGA_OK)
    rc = check_dims (cfg, lines, err);
  if (rc == FGA_OK)
    rc = check_laws (cfg, lines, err);
  if (rc == FGA_OK)
    rc = check_all_accuracies (cfg, lines, err);
  if (rc == FGA_OK)
    rc = check_memory (cfg, jobs, lines, err);
  return rc;
}

int
fga_sweep_config_check (const fga_sweep_config *cfg, int jobs, fga_error *err)
{
  return fgap_sweep_check (cfg, jobs, NULL, err);
}
