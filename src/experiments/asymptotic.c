/* fga_asym -- the polynomial method's degree and feature count as n grows, without an instance

   Alman and Song's upper bound replaces exp on [-R, R] by a polynomial of
   degree g, which turns A = exp (tau Q K^T) into a product of n x r and
   r x n matrices with r = C(d + g, d).  Whether that is n^{1 + o(1)} work
   or n^{Theta(1)} is decided by how g and d grow with n, and the growth is
   slow enough (g ~ ln n / ln ln n at B = O(1)) that a grid of moderate n
   cannot show it.  This file evaluates the same certified least degree as
   `fgattn plan' and the method poly (fga_expfit_least_degree, relative,
   at R = tau d B^2 and eps_rel = eps_a / 2), exactly where it matters
   (r in GMP integers), at every power of two from 2^8 to 2^64 and beyond,
   for B = beta f(n) and the laws f of fgattn/core.h.  theory/transition.md,
   "The asymptotic table", says what the columns prove and what they only
   compute.  */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"
#include "methods/poly_impl.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#ifdef _OPENMP
# include <omp.h>
#endif

/* The most points (rows and their neighbours) one table may hold: a
   default table has about 500, a table to 2^1023 with every list full
   would have millions and take hours.  */
#define MAX_POINTS ((size_t) 1 << 20)

void
fga_asym_config_default (fga_asym_config *c)
{
  static const char *const laws[] = { "1", "(ln n)^(1/4)", "sqrt(ln n)/ln(ln n)",
                                      "sqrt(ln n)" };
  memset (c, 0, sizeof *c);
  for (size_t i = 0; i < 4; i++)
    fga_law_parse (&c->laws[i], laws[i], "--law", NULL);
  c->nlaws = 4;
  c->beta[0] = 0.5;
  c->beta[1] = 1;
  c->nbeta = 2;
  fga_accuracy_parse (&c->eps[0], "1/n", "--eps", NULL);
  c->neps = 1;
  c->d_coef = 1;
  c->d_ceil = 1;
  c->tau.kind = FGA_TAU_INV_D;
  c->basis = FGA_BASIS_CHEB;
  c->kmin = 8;
  c->kmax = 64;
  c->kstep = 1;
  c->window = 8;
}

/* ------------------------------------------------------------------ */
/* d as a law of n.  */

/* A positive whole number below 2^31 written in decimal digits only.  */
static int
whole_of (size_t *v, const char *s)
{
  size_t x = 0;
  if (*s == '\0')
    return -1;
  for (; *s; s++)
    {
      if (!isdigit ((unsigned char) *s) || x > (1u << 30))
        return -1;
      x = 10 * x + (size_t) (*s - '0');
    }
  if (x < 1 || x >= ((size_t) 1 << 31))
    return -1;
  *v = x;
  return 0;
}

int
fga_asym_d_parse (fga_asym_config *c, const char *text, const char *what, fga_error *err)
{
  char buf[96];
  size_t k = 0;
  for (const char *s = text; *s; s++)
    if (!isspace ((unsigned char) *s) && k + 1 < sizeof buf)
      buf[k++] = *s;
  buf[k] = '\0';
  size_t v;
  if (whole_of (&v, buf) == 0)
    {
      c->d_fixed = v, c->d_coef = 0, c->d_ceil = 0;
      return FGA_OK;
    }
  char *s = buf;
  size_t len = strlen (s);
  int ceil_form = strncmp (s, "ceil(", 5) == 0 && len > 6 && s[len - 1] == ')';
  if (ceil_form)
    {
      s += 5;
      len -= 6;
      s[len] = '\0';
    }
  size_t loglen = len >= 7 && strcmp (s + len - 7, "log2(n)") == 0 ? 7
    : len >= 5 && strcmp (s + len - 5, "log2n") == 0 ? 5 : 0;
  double coef = 1;
  int ok = loglen > 0 && k + 1 < sizeof buf;
  if (ok && len > loglen)
    {
      s[len - loglen - 1] = s[len - loglen - 1] == '*' ? '\0' : '#';
      ok = strchr (s, '#') == NULL
        && fga_parse_real (&coef, s, 0, 1e6, FGA_PARSE_OPEN_MIN, what, NULL) == FGA_OK;
    }
  if (!ok)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s '%s': expected a positive whole number, "
                          "log2(n), c*log2(n), ceil(log2 n) or ceil(c*log2(n)) (0 < c <= 1e6)",
                          what, text);
  c->d_fixed = 0, c->d_coef = coef, c->d_ceil = ceil_form;
  return FGA_OK;
}

size_t
fga_asym_d (const fga_asym_config *c, int k)
{
  if (c->d_coef == 0)
    return c->d_fixed >= 1 && c->d_fixed < ((size_t) 1 << 31) ? c->d_fixed : 0;
  double x = c->d_coef * k;
  /* a product within rounding of a whole number is that number, so that
     ceil does not add a dimension for the last bit of c * k */
  double r = nearbyint (x);
  if (fabs (x - r) <= 1e-9 * fmax (1, x))
    x = r;
  double d = c->d_ceil ? ceil (x) : nearbyint (x);
  if (d < 1)
    d = 1;
  return d < 0x1p31 ? (size_t) d : 0;
}

/* ------------------------------------------------------------------ */
/* One point: a law, beta and eps at n = 2^k.  */

typedef struct
{
  size_t d;
  double tau, B, R, eps_a, eps_rel;
  const char *why;             /* NULL when within the limits, else which limit fails */
  long g;
  double log2_r;
} point_t;

static double
radius (double tau, size_t d, double B)
{
  double R = fga_poly_apriori_R (tau, d, B);
  return R < FGA_POLY_RMIN ? FGA_POLY_RMIN : R;
}

/* Everything but g, and whether n = 2^k is within the limits.  */
static void
point_at (point_t *p, const fga_asym_config *c, const fga_law *law, double beta,
          const fga_accuracy *eps, int k)
{
  memset (p, 0, sizeof *p);
  p->g = -1;
  p->log2_r = NAN;
  if (k < 1 || k > FGA_ASYM_KMAX)
    {
      p->why = "n is outside 2^1 .. 2^1023";
      return;
    }
  double n = ldexp (1, k);
  if (n < fga_law_min_n (law))
    {
      p->why = "n is below the least n of the law";
      return;
    }
  if ((p->d = fga_asym_d (c, k)) == 0)
    {
      p->why = "d is not a whole number below 2^31";
      return;
    }
  p->tau = fga_tau_double (&c->tau, p->d);
  p->B = beta * fga_law_factor (law, n);
  p->R = radius (p->tau, p->d, p->B);
  p->eps_a = fga_accuracy_at (eps, n);
  p->eps_rel = fga_poly_eps_rel (p->eps_a, 1.0);
  if (!(p->R <= FGA_EXPFIT_RMAX))
    p->why = "R = tau d B^2 exceeds 1024, the largest radius of the certified bounds";
  else if (!(p->eps_rel >= DBL_MIN))
    p->why = "eps_rel = eps / 2 is below 2^-1022, the least normal double";
}

static int
check_list (size_t n, const char *option, fga_error *err)
{
  if (n == 0 || n > FGA_ASYM_MAX_LIST)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: %zu values; give 1 to %d", option, n,
                          FGA_ASYM_MAX_LIST);
  return FGA_OK;
}

/* The largest k <= kmax from kmin on with every point of the grid within
   the limits (kmin - 1 when there is none), and the first point that is
   not, into bad (its law, beta, eps and k).  */
static int
last_good_k (const fga_asym_config *c, size_t bad[3], int *badk, const char **why)
{
  for (int k = c->kmin; k <= c->kmax; k++)
    for (size_t l = 0; l < c->nlaws; l++)
      for (size_t b = 0; b < c->nbeta; b++)
        for (size_t e = 0; e < c->neps; e++)
          {
            point_t p;
            point_at (&p, c, &c->laws[l], c->beta[b], &c->eps[e], k);
            if (p.why != NULL)
              {
                bad[0] = l, bad[1] = b, bad[2] = e;
                *badk = k;
                *why = p.why;
                return k - 1;
              }
          }
  return c->kmax;
}

int
fga_asym_config_check (const fga_asym_config *c, fga_error *err)
{
  int rc;
  if ((rc = check_list (c->nlaws, "--law", err)) != FGA_OK
      || (rc = check_list (c->nbeta, "--beta", err)) != FGA_OK
      || (rc = check_list (c->neps, "--eps", err)) != FGA_OK)
    return rc;
  for (size_t b = 0; b < c->nbeta; b++)
    if (!(c->beta[b] > 0) || !isfinite (c->beta[b]))
      return fgap_error_set (err, FGA_ERR_INPUT, "--beta %g: beta must be positive and finite",
                            c->beta[b]);
  if (c->basis != FGA_BASIS_CHEB && c->basis != FGA_BASIS_TAYLOR)
    return fgap_error_set (err, FGA_ERR_INPUT, "--basis: %d is not cheb or taylor",
                          (int) c->basis);
  if (c->kmin < 1 || c->kmax > FGA_ASYM_KMAX || c->kmin > c->kmax)
    return fgap_error_set (err, FGA_ERR_INPUT, "--n-min 2^%d, --n-max 2^%d: they must satisfy "
                          "2^1 <= n-min <= n-max <= 2^%d", c->kmin, c->kmax, FGA_ASYM_KMAX);
  if (c->kstep < 1 || c->kstep > FGA_ASYM_KMAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "--n-step %d: it must be 1 to %d", c->kstep,
                          FGA_ASYM_KMAX);
  if (c->window < 1 || c->window > 64)
    return fgap_error_set (err, FGA_ERR_INPUT, "--window %d: it must be 1 to 64", c->window);
  for (size_t l = 0; l < c->nlaws; l++)
    if (ldexp (1, c->kmin) < fga_law_min_n (&c->laws[l]))
      return fgap_error_set (err, FGA_ERR_INPUT, "--n-min 2^%d: the law %s is used from n = %g "
                            "on; take --n-min 2^%d or more", c->kmin, c->laws[l].text,
                            fga_law_min_n (&c->laws[l]),
                            (int) ceil (log2 (fga_law_min_n (&c->laws[l]))));
  size_t bad[3];
  int badk = 0;
  const char *why = NULL;
  int last = last_good_k (c, bad, &badk, &why);
  if (last < c->kmax)
    {
      char bb[32];
      fgap_format_shortest (bb, sizeof bb, c->beta[bad[1]]);
      if (last < c->kmin)
        return fgap_error_set (err, FGA_ERR_INPUT, "--n-min 2^%d: at law %s, beta %s, eps %s: "
                              "%s", badk, c->laws[bad[0]].text, bb, c->eps[bad[2]].text, why);
      return fgap_error_set (err, FGA_ERR_INPUT, "--n-max 2^%d is too large: at n = 2^%d, law "
                            "%s, beta %s, eps %s: %s; the largest --n-max for these lists is "
                            "2^%d", c->kmax, badk, c->laws[bad[0]].text, bb,
                            c->eps[bad[2]].text, why, last);
    }
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* The least degrees, each distinct (R, eps_rel) once, on threads.  */

typedef struct
{
  double R, eps;
  long g;
  int rc;
} dkey_t;

static int
key_cmp (const void *a, const void *b)
{
  const dkey_t *x = a, *y = b;
  if (x->R != y->R)
    return x->R < y->R ? -1 : 1;
  return x->eps < y->eps ? -1 : x->eps > y->eps;
}

/* g for every key, the dearest (largest R) first; the first failure in
   the order of keys is returned.  */
static int
least_degrees (dkey_t *keys, size_t nk, fga_basis basis, fga_error *err)
{
  int nt = fgap_max_threads ();
  if ((size_t) nt > nk)
    nt = nk > 0 ? (int) nk : 1;
#pragma omp parallel for num_threads (nt) schedule (dynamic, 1)
  for (size_t i = 0; i < nk; i++)
    {
      dkey_t *kk = &keys[nk - 1 - i];
      kk->rc = fga_expfit_least_degree (&kk->g, basis, kk->R, kk->eps, 1, FGA_POLY_GMAX, NULL);
    }
  /* the message of the first failure, again (keys hold no messages: a
     table may have a million of them) */
  for (size_t i = 0; i < nk; i++)
    if (keys[i].rc != FGA_OK)
      {
        fga_error e;
        fga_error_init (&e);
        long g;
        int rc = fga_expfit_least_degree (&g, basis, keys[i].R, keys[i].eps, 1, FGA_POLY_GMAX,
                                          &e);
        return fgap_error_set (err, rc != FGA_OK ? rc : keys[i].rc, "at R = %g, eps_rel = %g: "
                              "%s", keys[i].R, keys[i].eps, e.msg);
      }
  return FGA_OK;
}

/* log2 C(d + g, d), correctly rounded; r (if not NULL) gets the binomial.  */
static double
log2_binomial (mpz_ptr r, size_t d, long g)
{
  mpz_t z;
  mpz_init (z);
  mpz_bin_uiui (z, (unsigned long) d + (unsigned long) g, (unsigned long) d);
  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  mpfr_t x;
  size_t bits = mpz_sizeinbase (z, 2);
  mpfr_init2 (x, bits < 64 ? 64 : (mpfr_prec_t) bits);
  mpfr_set_z (x, z, MPFR_RNDN);              /* exact */
  mpfr_log2 (x, x, MPFR_RNDN);
  double v = mpfr_get_d (x, MPFR_RNDN);
  mpfr_clear (x);
  fgap_mpfr_state_restore (&st);
  if (r != NULL)
    mpz_set (r, z);
  mpz_clear (z);
  return v;
}

/* ------------------------------------------------------------------ */
/* beta*: the least beta at which r >= n, for the laws of regime Theta.  */

typedef struct
{
  const fga_asym_config *c;
  const fga_law *law;
  const fga_accuracy *eps;
  int k;
  long gn;                     /* the least g with C(d + g, d) >= n */
  size_t d;
  double tau, f, eps_rel;
} bstar_t;

/* Whether r >= n at beta: g >= gn.  */
static int
reaches_n (int *yes, const bstar_t *s, double beta, fga_error *err)
{
  long g;
  int rc = fga_expfit_least_degree (&g, s->c->basis, radius (s->tau, s->d, beta * s->f),
                                    s->eps_rel, 1, FGA_POLY_GMAX, err);
  *yes = rc == FGA_OK && g >= s->gn;
  return rc;
}

/* The least g with C(d + g, d) >= 2^k, or FGA_POLY_GMAX + 1 when it is
   above every degree: then no beta reaches n.  */
static long
degree_for_n (size_t d, int k)
{
  mpz_t r, n;
  mpz_init_set_ui (r, 1);
  mpz_init (n);
  mpz_ui_pow_ui (n, 2, (unsigned long) k);
  long g = 0;
  while (mpz_cmp (r, n) < 0 && g <= FGA_POLY_GMAX)
    {
      /* C(d + g + 1, d) = C(d + g, d) (d + g + 1) / (g + 1), exactly */
      mpz_mul_ui (r, r, (unsigned long) d + (unsigned long) g + 1);
      mpz_divexact_ui (r, r, (unsigned long) g + 1);
      g++;
    }
  mpz_clears (r, n, (mpz_ptr) 0);
  return g;
}

/* Bisection on beta: [lo, hi] with r (lo) < n <= r (hi), from hi = 1 by
   halving or doubling, then geometric bisection to hi / lo <= 1 + tol.
   Monotone in beta because R is and the certified least degree is
   nondecreasing in R.  */
static int
beta_star (double *star, double *star_lo, bstar_t *s, fga_error *err)
{
  /* the search stays below R = FGA_ASYM_BETA_RMAX: each least degree there
     takes a fraction of a second, at R = 1024 several seconds */
  const double bmax = sqrt (FGA_ASYM_BETA_RMAX / (s->tau * (double) s->d)) / s->f * (1 - 1e-9);
  const double bmin = sqrt (FGA_POLY_RMIN / (s->tau * (double) s->d)) / s->f;
  int yes, rc;
  double lo = 0, hi = 1 < bmax ? 1 : bmax;
  if (s->gn > FGA_POLY_GMAX)
    {
      *star = INFINITY, *star_lo = bmax;
      return FGA_OK;
    }
  if ((rc = reaches_n (&yes, s, hi, err)) != FGA_OK)
    return rc;
  if (yes)
    for (;;)
      {
        double b = hi / 2 > bmin ? hi / 2 : bmin;
        if ((rc = reaches_n (&yes, s, b, err)) != FGA_OK)
          return rc;
        if (!yes)
          {
            lo = b;
            break;
          }
        hi = b;
        if (b <= bmin)
          {
            /* r >= n at R = 2^-30, where every smaller beta lands too */
            *star = 0, *star_lo = 0;
            return FGA_OK;
          }
      }
  else
    for (lo = hi;;)
      {
        if (hi >= bmax)
          {
            *star = INFINITY, *star_lo = bmax;
            return FGA_OK;
          }
        hi = 2 * hi < bmax ? 2 * hi : bmax;
        if ((rc = reaches_n (&yes, s, hi, err)) != FGA_OK)
          return rc;
        if (yes)
          break;
        lo = hi;
      }
  while (hi > lo * (1 + FGA_ASYM_BETA_TOL))
    {
      double mid = sqrt (lo * hi);
      if ((rc = reaches_n (&yes, s, mid, err)) != FGA_OK)
        return rc;
      if (yes)
        hi = mid;
      else
        lo = mid;
    }
  *star = hi, *star_lo = lo;
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* The table.  */

typedef struct
{
  const fga_asym_config *c;
  int *ks;                     /* the k needed: rows and neighbours, increasing */
  size_t nks;
  size_t nseries;
  point_t *pts;                /* nseries * nks */
} grid_t;

static size_t
k_index (const grid_t *gr, int k)
{
  size_t lo = 0, hi = gr->nks;
  while (lo < hi)
    {
      size_t mid = (lo + hi) / 2;
      if (gr->ks[mid] < k)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo < gr->nks && gr->ks[lo] == k ? lo : SIZE_MAX;
}

static void
series_of (const fga_asym_config *c, size_t s, size_t *l, size_t *b, size_t *e)
{
  *e = s % c->neps;
  *b = (s / c->neps) % c->nbeta;
  *l = s / (c->neps * c->nbeta);
}

/* The sorted k of the rows and of their windows [k - w, k + w].  */
static int
needed_ks (grid_t *gr, fga_error *err)
{
  const fga_asym_config *c = gr->c;
  const int w = c->window;
  size_t cap = (size_t) (c->kmax - c->kmin + 2 * w + 1);
  int *ks = fgap_calloc (cap, sizeof *ks, "the sizes of the table", err);
  if (ks == NULL)
    return FGA_ERR_NOMEM;
  size_t m = 0;
  for (int j = c->kmin - w; j <= c->kmax + w; j++)
    {
      /* j is in the window of a row k = kmin + i kstep when some such k
         lies in [j - w, j + w] */
      int first = j - w <= c->kmin ? c->kmin
        : c->kmin + (j - w - c->kmin + c->kstep - 1) / c->kstep * c->kstep;
      if (first <= j + w && first <= c->kmax)
        ks[m++] = j;
    }
  gr->ks = ks;
  gr->nks = m;
  return FGA_OK;
}

/* Every point, and its g through a table of distinct keys.  */
static int
grid_fill (grid_t *gr, fga_error *err)
{
  const fga_asym_config *c = gr->c;
  size_t np = gr->nseries * gr->nks, nk = 0;
  if (np > MAX_POINTS)
    return fgap_error_set (err, FGA_ERR_INPUT, "the table would need %zu points (above %zu): "
                          "shorten the lists, or raise --n-step", np, MAX_POINTS);
  gr->pts = fgap_calloc (np, sizeof *gr->pts, "the points of the table", err);
  dkey_t *keys = fgap_calloc (np > 0 ? np : 1, sizeof *keys, "the least degrees", err);
  if (gr->pts == NULL || keys == NULL)
    {
      fgap_free (keys);
      return FGA_ERR_NOMEM;
    }
  for (size_t s = 0; s < gr->nseries; s++)
    {
      size_t l, b, e;
      series_of (c, s, &l, &b, &e);
      for (size_t j = 0; j < gr->nks; j++)
        {
          point_t *p = &gr->pts[s * gr->nks + j];
          point_at (p, c, &c->laws[l], c->beta[b], &c->eps[e], gr->ks[j]);
          if (p->why == NULL)
            {
              keys[nk].R = p->R;
              keys[nk++].eps = p->eps_rel;
            }
        }
    }
  qsort (keys, nk, sizeof *keys, key_cmp);
  size_t u = 0;
  for (size_t i = 0; i < nk; i++)
    if (u == 0 || key_cmp (&keys[u - 1], &keys[i]) != 0)
      keys[u++] = keys[i];
  int rc = least_degrees (keys, u, c->basis, err);
  for (size_t i = 0; rc == FGA_OK && i < np; i++)
    {
      point_t *p = &gr->pts[i];
      if (p->why != NULL)
        continue;
      dkey_t want = { .R = p->R, .eps = p->eps_rel };
      const dkey_t *kk = bsearch (&want, keys, u, sizeof *keys, key_cmp);
      p->g = kk->g;
      p->log2_r = log2_binomial (NULL, p->d, p->g);
    }
  fgap_free (keys);
  return rc;
}

/* The global exponent, and the local one: the least-squares slope of
   log2 r against log2 n over the k of [k - w, k + w] within the limits
   (with w = 1 and all three there, the centred difference
   (log2 r(2n) - log2 r(n/2)) / 2).  */
static void
row_exponents (fga_asym_row *row, const grid_t *gr, size_t s)
{
  const int w = gr->c->window;
  const point_t *base = &gr->pts[s * gr->nks];
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int m = 0;
  for (int j = row->k - w; j <= row->k + w; j++)
    {
      size_t i = k_index (gr, j);
      if (i == SIZE_MAX || base[i].why != NULL)
        continue;
      double x = j - row->k, y = base[i].log2_r - row->log2_r;
      sx += x, sy += y, sxx += x * x, sxy += x * y;
      m++;
    }
  row->exp_global = row->log2_r / row->k;
  row->local_points = m;
  double den = m * sxx - sx * sx;
  row->exp_local = m >= 2 && den > 0 ? (m * sxy - sx * sy) / den : NAN;
}

/* beta* of every row of a law of regime Theta, on threads; rows of the
   same law, eps and n share it.  */
static int
fill_beta_star (fga_asym_table *t, const fga_asym_config *c, fga_error *err)
{
  size_t nr = t->nrows;
  int *rcs = fgap_calloc (nr > 0 ? nr : 1, sizeof *rcs, "the beta* searches", err);
  fga_error *errs = fgap_calloc (nr > 0 ? nr : 1, sizeof *errs, "the beta* searches", err);
  if (rcs == NULL || errs == NULL)
    {
      fgap_free (rcs);
      fgap_free (errs);
      return FGA_ERR_NOMEM;
    }
  int nt = fgap_max_threads ();
#pragma omp parallel for num_threads (nt) schedule (dynamic, 1)
  for (size_t i = 0; i < nr; i++)
    {
      fga_asym_row *row = &t->rows[i];
      /* one search per (law, eps, n): on the rows of the first beta */
      if (fga_law_regime (&c->laws[row->law]) != 0 || row->beta != 0)
        continue;
      double n = ldexp (1, row->k);
      bstar_t s = { c, &c->laws[row->law], &c->eps[row->eps], row->k,
                    degree_for_n (row->d, row->k), row->d, row->tau,
                    fga_law_factor (&c->laws[row->law], n), row->eps_rel };
      rcs[i] = beta_star (&row->beta_star, &row->beta_star_lo, &s, &errs[i]);
    }
  int rc = FGA_OK;
  for (size_t i = 0; i < nr && rc == FGA_OK; i++)
    if (rcs[i] != FGA_OK)
      rc = fgap_error_set (err, rcs[i], "beta* at n = 2^%d: %s", t->rows[i].k, errs[i].msg);
  /* the other betas copy the first's: rows are by (law, beta, eps), then n */
  const size_t per = (size_t) (c->kmax - c->kmin) / (size_t) c->kstep + 1;
  for (size_t i = 0; i < nr && rc == FGA_OK; i++)
    {
      fga_asym_row *row = &t->rows[i];
      if (fga_law_regime (&c->laws[row->law]) != 0 || row->beta == 0)
        continue;
      const fga_asym_row *first = &t->rows[(row->law * c->nbeta * c->neps + row->eps) * per
                                           + i % per];
      row->beta_star = first->beta_star;
      row->beta_star_lo = first->beta_star_lo;
    }
  fgap_free (rcs);
  fgap_free (errs);
  return rc;
}

int
fga_asym_table_compute (fga_asym_table *t, const fga_asym_config *c, fga_error *err)
{
  t->nrows = 0;
  t->rows = NULL;
  int rc = fga_asym_config_check (c, err);
  if (rc != FGA_OK)
    return rc;
  grid_t gr = { c, NULL, 0, c->nlaws * c->nbeta * c->neps, NULL };
  if ((rc = needed_ks (&gr, err)) == FGA_OK)
    rc = grid_fill (&gr, err);
  size_t per = (size_t) (c->kmax - c->kmin) / (size_t) c->kstep + 1;
  if (rc == FGA_OK
      && (t->rows = fgap_calloc (gr.nseries * per, sizeof *t->rows, "the rows", err)) == NULL)
    rc = FGA_ERR_NOMEM;
  for (size_t s = 0; rc == FGA_OK && s < gr.nseries; s++)
    for (int k = c->kmin; k <= c->kmax; k += c->kstep)
      {
        fga_asym_row *row = &t->rows[t->nrows++];
        const point_t *p = &gr.pts[s * gr.nks + k_index (&gr, k)];
        series_of (c, s, &row->law, &row->beta, &row->eps);
        row->k = k;
        row->d = p->d;
        row->tau = p->tau, row->B = p->B, row->R = p->R;
        row->eps_a = p->eps_a, row->eps_rel = p->eps_rel;
        row->g = p->g;
        mpz_init (row->r);
        row->log2_r = log2_binomial (row->r, p->d, p->g);
        /* r < 2^k exactly when r has at most k bits */
        row->r_below_n = mpz_sizeinbase (row->r, 2) <= (size_t) k;
        row->beta_star = row->beta_star_lo = NAN;
        row_exponents (row, &gr, s);
      }
  if (rc == FGA_OK)
    rc = fill_beta_star (t, c, err);
  fgap_free (gr.ks);
  fgap_free (gr.pts);
  if (rc != FGA_OK)
    fga_asym_table_clear (t);
  return rc;
}

void
fga_asym_table_clear (fga_asym_table *t)
{
  for (size_t i = 0; i < t->nrows; i++)
    mpz_clear (t->rows[i].r);
  fgap_free (t->rows);
  t->rows = NULL;
  t->nrows = 0;
}

void
fga_asym_format_big (char *buf, size_t size, mpz_srcptr z)
{
  mpz_t lim;
  mpz_init (lim);
  mpz_ui_pow_ui (lim, 10, 15);
  if (mpz_cmp (z, lim) < 0)
    {
      gmp_snprintf (buf, size, "%Zd", z);
      mpz_clear (lim);
      return;
    }
  mpz_clear (lim);
  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  mpfr_t x;
  size_t bits = mpz_sizeinbase (z, 2);
  mpfr_init2 (x, (mpfr_prec_t) bits);
  mpfr_set_z (x, z, MPFR_RNDN);                /* exact: the decimal digits round once */
  char m[64];
  mpfr_snprintf (m, sizeof m, "%.3Re", x);
  mpfr_clear (x);
  fgap_mpfr_state_restore (&st);
  char *e = strchr (m, 'e');
  long ex = e != NULL ? strtol (e + 1, NULL, 10) : 0;
  if (e != NULL && ex >= 300)
    {
      *e = '\0';
      snprintf (buf, size, "%s*10^%ld", m, ex);
    }
  else
    snprintf (buf, size, "%s", m);
}

/* ------------------------------------------------------------------ */
/* Points measured by a sweep (cost.csv, sweep contract).  */

/* The fields of one CSV line, cut in place; a quoted field may hold
   commas and "" for a quote.  The count, or -1 for a quote left open.  */
static long
csv_fields (char *line, char **f, size_t max)
{
  size_t n = 0;
  char *r = line;
  while (n < max)
    {
      char *w = r;
      f[n++] = w;
      int quoted = *r == '"';
      r += quoted;
      while (*r != '\0' && (quoted || *r != ','))
        if (quoted && *r == '"')
          {
            if (r[1] != '"')
              {
                quoted = 0;
                r++;
                continue;
              }
            *w++ = '"';
            r += 2;
          }
        else
          *w++ = *r++;
      if (quoted)
        return -1;
      int more = *r == ',';
      *w = '\0';
      if (!more)
        return (long) n;
      r++;
    }
  return (long) max + 1;
}

enum { M_N, M_D, M_LAW, M_BETA, M_EPS, M_GCERT, M_GEMP, M_CENS, M_COLS };
static const char *const m_names[M_COLS] = { "n", "d", "law", "beta", "eps", "g_cert", "g_emp",
                                             "g_emp_censored" };

/* A whole number in [lo, hi] from a field; empty gives -1 when allowed.  */
static int
int_field (long *v, const char *s, long lo, long hi, int empty_ok)
{
  if (*s == '\0' && empty_ok)
    {
      *v = -1;
      return 0;
    }
  double x;
  if (fga_parse_int_double (&x, s, (double) lo, (double) hi, "", NULL) != FGA_OK)
    return -1;
  *v = (long) x;
  return 0;
}

/* One data line into a point; the message names the column.  */
static int
measured_point (fga_asym_point *p, char **f, const int *col, const char *path, size_t line,
                fga_error *err)
{
  fga_error e;
  long d, cens;
  int bad = -1;
  if (fga_parse_real (&p->n, f[col[M_N]], 1, 0x1p1023, 0, "", NULL) != FGA_OK)
    bad = M_N;
  else if (int_field (&d, f[col[M_D]], 1, INT_MAX, 0) != 0)
    bad = M_D;
  else if (fga_law_parse (&p->law, f[col[M_LAW]], "law", &e) != FGA_OK)
    bad = M_LAW;
  else if (fga_parse_real (&p->beta, f[col[M_BETA]], 0, INFINITY, FGA_PARSE_OPEN_MIN, "", NULL)
           != FGA_OK)
    bad = M_BETA;
  else if (fga_accuracy_parse (&p->eps, f[col[M_EPS]], "eps", &e) != FGA_OK)
    bad = M_EPS;
  else if (int_field (&p->g_cert, f[col[M_GCERT]], 0, FGA_POLY_GMAX, 1) != 0)
    bad = M_GCERT;
  else if (int_field (&p->g_emp, f[col[M_GEMP]], 0, FGA_POLY_GMAX, 1) != 0)
    bad = M_GEMP;
  else if (int_field (&cens, f[col[M_CENS]], 0, 1, 1) != 0)
    bad = M_CENS;
  if (bad >= 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s:%zu: column %s: '%s' is not valid", path,
                          line, m_names[bad], f[col[bad]]);
  p->d = (size_t) d;
  p->censored = cens == 1;
  return FGA_OK;
}

/* The header: the column of each name wanted.  */
static int
measured_header (int *col, char **f, long nf, const char *path, fga_error *err)
{
  for (int k = 0; k < M_COLS; k++)
    {
      col[k] = -1;
      for (long j = 0; j < nf; j++)
        if (strcmp (f[j], m_names[k]) == 0)
          col[k] = (int) j;
      if (col[k] < 0)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s:1: the header has no column %s", path,
                              m_names[k]);
    }
  return FGA_OK;
}

int
fga_asym_measured_read (fga_asym_point **pts, size_t *npts, const char *dir, fga_error *err)
{
  char path[4096];
  *pts = NULL;
  *npts = 0;
  if ((size_t) snprintf (path, sizeof path, "%s/cost.csv", dir) >= sizeof path)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s/cost.csv: path too long", dir);
  FILE *fp = fopen (path, "r");
  if (fp == NULL)
    return fgap_error_set (err, errno == ENOENT ? FGA_ERR_INPUT : FGA_ERR_IO, "%s: %s", path,
                          strerror (errno));
  char *line = NULL, *f[128];
  size_t cap = 0, lineno = 0, ncols = 0, have = 0;
  int col[M_COLS], rc = FGA_OK;
  ssize_t len;
  fga_asym_point *v = NULL;
  while (rc == FGA_OK && (len = getline (&line, &cap, fp)) >= 0)
    {
      lineno++;
      while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
      if (lineno > 1 && len == 0)
        continue;
      long nf = csv_fields (line, f, 128);
      if (nf < 0 || nf > 128)
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:%zu: %s", path, lineno,
                            nf < 0 ? "a quoted field is not closed" : "more than 128 fields");
      else if (lineno == 1)
        {
          ncols = (size_t) nf;
          rc = measured_header (col, f, nf, path, err);
        }
      else if ((size_t) nf != ncols)
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:%zu: %ld fields where the header has %zu",
                            path, lineno, nf, ncols);
      else
        {
          if (*npts == have)
            {
              size_t nc = have ? 2 * have : 64;
              fga_asym_point *w = fgap_calloc (nc, sizeof *w, "the measured points", err);
              if (w == NULL)
                {
                  rc = FGA_ERR_NOMEM;
                  break;
                }
              if (v != NULL)
                memcpy (w, v, *npts * sizeof *w);
              fgap_free (v);
              v = w;
              have = nc;
            }
          rc = measured_point (&v[*npts], f, col, path, lineno, err);
          if (rc == FGA_OK)
            (*npts)++;
        }
    }
  if (rc == FGA_OK && ferror (fp))
    rc = fgap_error_set (err, FGA_ERR_IO, "%s: %s", path, strerror (errno));
  if (rc == FGA_OK && lineno == 0)
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:1: empty file, expected a header", path);
  free (line);
  fclose (fp);
  if (rc != FGA_OK)
    {
      fgap_free (v);
      *npts = 0;
      return rc;
    }
  *pts = v;
  return FGA_OK;
}

void
fga_asym_points_free (fga_asym_point *pts)
{
  fgap_free (pts);
}

/* ------------------------------------------------------------------ */
/* Plots: conventions of fga_report_write (a .dat and a .gp per plot,
   the script writing out.png and out.svg, out defaulting to NAME).  */

size_t
fga_asym_plot_count (const fga_asym_config *c)
{
  return 2 * c->neps;
}

void
fga_asym_plot_name (char *buf, size_t size, const fga_asym_config *c, size_t i)
{
  snprintf (buf, size, "plan-%s-%zu", i < c->neps ? "r" : "exponent", i % c->neps + 1);
}

static int
same_law (const fga_law *a, const fga_law *b)
{
  return a->p == b->p && a->over_lnln == b->over_lnln;
}

static int
same_eps (const fga_accuracy *a, const fga_accuracy *b)
{
  return a->power == b->power && a->value == b->value;
}

/* A gnuplot single-quoted string.  */
static void
gp_quote (FILE *fp, const char *s)
{
  fputc ('\'', fp);
  for (; *s; s++)
    fprintf (fp, *s == '\'' ? "''" : "%c", *s);
  fputc ('\'', fp);
}

static void
gp_begin (FILE *fp, const char *name, const char *title, const char *ylabel)
{
  fprintf (fp, "# %s.gp -- written by fgattn plan --table; run it in this folder: "
           "gnuplot %s.gp\nif (!exists(\"out\")) out = '%s'\nset datafile missing '?'\n"
           "set key below\nset grid\nset title ", name, name, name);
  gp_quote (fp, title);
  fprintf (fp, "\nset xlabel 'log2 n'\nset ylabel ");
  gp_quote (fp, ylabel);
  fputc ('\n', fp);
}

/* The body of the plot command, written for each terminal.  */
typedef void (*gp_body_fn) (FILE *fp, const void *data);

static void
gp_terminals (FILE *fp, gp_body_fn body, const void *data)
{
  for (int pass = 0; pass < 2; pass++)
    {
      fprintf (fp, pass == 0 ? "set terminal pngcairo noenhanced size 960,720\n"
                               "set output out.'.png'\n"
                             : "set terminal svg noenhanced size 960,720\n"
                               "set output out.'.svg'\n");
      fprintf (fp, "plot ");
      body (fp, data);
      fprintf (fp, "\nunset output\n");
    }
}

typedef struct
{
  const fga_asym_table *t;
  const fga_asym_config *c;
  const char *name;
  size_t e;                    /* the eps */
  int which;                   /* 0: log2 r, 1: local exponent */
  size_t ngroups;
  const fga_asym_point **groups;   /* one point of each (law, beta) measured */
} plot_t;

static void
series_title (char *buf, size_t size, const fga_asym_config *c, size_t l, size_t b)
{
  char bb[32];
  fgap_format_shortest (bb, sizeof bb, c->beta[b]);
  snprintf (buf, size, "%s, beta = %s", c->laws[l].text, bb);
}

static void
plot_body (FILE *fp, const void *data)
{
  const plot_t *pl = data;
  const fga_asym_config *c = pl->c;
  size_t col = 2;
  char t[160];
  for (size_t l = 0; l < c->nlaws; l++)
    for (size_t b = 0; b < c->nbeta; b++)
      {
        series_title (t, sizeof t, c, l, b);
        fprintf (fp, "%s'%s.dat' index 0 using 1:%zu with linespoints pt 7 ps 0.5 title ",
                 col > 2 ? ", \\\n     " : "", pl->name, col);
        gp_quote (fp, t);
        col++;
      }
  if (pl->which == 1)
    {
      fprintf (fp, ", \\\n     0 with lines lt -1 notitle");
      return;
    }
  fprintf (fp, ", \\\n     x with lines lt -1 dt 2 title 'r = n'");
  for (size_t g = 0; g < pl->ngroups; g++)
    {
      char bb[32];
      fgap_format_shortest (bb, sizeof bb, pl->groups[g]->beta);
      snprintf (t, sizeof t, "%s, beta = %s", pl->groups[g]->law.text, bb);
      static const char *const what[3][2] = {
        { "2", "5" }, { "($4 == 0 ? $3 : 1/0)", "7" }, { "($4 == 1 ? $3 : 1/0)", "6" } };
      static const char *const tag[3] = { "sweep r_cert", "sweep r_emp",
                                          "sweep r_emp censored (true r above)" };
      /* the colour of the table's curve of the same law and beta, if any */
      size_t lc = c->nlaws * c->nbeta + 1 + g;
      for (size_t l = 0; l < c->nlaws; l++)
        for (size_t b = 0; b < c->nbeta; b++)
          if (same_law (&c->laws[l], &pl->groups[g]->law) && c->beta[b] == pl->groups[g]->beta)
            lc = l * c->nbeta + b + 1;
      for (int k = 0; k < 3; k++)
        {
          fprintf (fp, ", \\\n     '%s.dat' index %zu using 1:%s with points pt %s lc %zu "
                   "title ", pl->name, g + 1, what[k][0], what[k][1], lc);
          char tt[256];
          snprintf (tt, sizeof tt, "%s: %s", tag[k], t);
          gp_quote (fp, tt);
        }
    }
}

static void
dat_num (FILE *fp, double v)
{
  if (isfinite (v))
    fprintf (fp, " %.17g", v);
  else
    fputs (" ?", fp);
}

/* The table's curves: rows log2 n, a column per (law, beta).  */
static void
dat_curves (FILE *fp, const plot_t *pl)
{
  const fga_asym_config *c = pl->c;
  const size_t per = (size_t) (c->kmax - c->kmin) / (size_t) c->kstep + 1;
  fprintf (fp, "# %s at eps = %s: log2 n, then one column per law and beta\n",
           pl->which ? "local exponent d ln r / d ln n" : "log2 r, r = C(d + g, d)",
           c->eps[pl->e].text);
  for (size_t j = 0; j < per; j++)
    {
      fprintf (fp, "%d", c->kmin + (int) j * c->kstep);
      for (size_t l = 0; l < c->nlaws; l++)
        for (size_t b = 0; b < c->nbeta; b++)
          {
            const fga_asym_row *row
              = &pl->t->rows[((l * c->nbeta + b) * c->neps + pl->e) * per + j];
            dat_num (fp, pl->which ? row->exp_local : row->log2_r);
          }
      fputc ('\n', fp);
    }
}

/* The measured points of group g: log2 n, log2 r_cert, log2 r_emp, censored.  */
static void
dat_points (FILE *fp, const plot_t *pl, size_t g, const fga_asym_point *pts, size_t npts)
{
  const fga_asym_point *q = pl->groups[g];
  fprintf (fp, "\n\n# %s, beta = %.17g: log2 n, log2 r_cert, log2 r_emp, censored\n",
           q->law.text, q->beta);
  for (size_t i = 0; i < npts; i++)
    {
      const fga_asym_point *p = &pts[i];
      if (!same_law (&p->law, &q->law) || p->beta != q->beta
          || !same_eps (&p->eps, &pl->c->eps[pl->e]))
        continue;
      fprintf (fp, "%.17g", log2 (p->n));
      dat_num (fp, p->g_cert >= 0 ? log2_binomial (NULL, p->d, p->g_cert) : NAN);
      dat_num (fp, p->g_emp >= 0 ? log2_binomial (NULL, p->d, p->g_emp) : NAN);
      fprintf (fp, " %d\n", p->censored);
    }
}

static int
open_in (fga_atomic_file *af, const char *dir, const char *name, const char *ext,
         fga_error *err)
{
  char path[4096];
  if ((size_t) snprintf (path, sizeof path, "%s/%s.%s", dir, name, ext) >= sizeof path)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s/%s.%s: path too long", dir, name, ext);
  return fga_atomic_open (af, path, err);
}

static int
write_one (plot_t *pl, const fga_asym_point *pts, size_t npts, const char *dir,
           fga_error *err)
{
  fga_atomic_file dat, gp;
  int rc = open_in (&dat, dir, pl->name, "dat", err);
  if (rc != FGA_OK)
    return rc;
  if ((rc = open_in (&gp, dir, pl->name, "gp", err)) != FGA_OK)
    {
      fga_atomic_abort (&dat);
      return rc;
    }
  dat_curves (dat.fp, pl);
  for (size_t g = 0; pl->which == 0 && g < pl->ngroups; g++)
    dat_points (dat.fp, pl, g, pts, npts);
  char title[256];
  const fga_asym_config *c = pl->c;
  if (pl->which == 0)
    snprintf (title, sizeof title, "r = C(d + g, d), eps = %s, Bv = 1, R = tau d B^2 "
              "(measured: the data's R)", c->eps[pl->e].text);
  else
    snprintf (title, sizeof title, "d ln r / d ln n, slope over 2^-%d n .. 2^%d n, eps = %s",
              c->window, c->window, c->eps[pl->e].text);
  gp_begin (gp.fp, pl->name, title, pl->which ? "d ln r / d ln n" : "log2 r");
  gp_terminals (gp.fp, plot_body, pl);
  rc = fga_atomic_commit (&dat, err);
  if (rc != FGA_OK)
    {
      fga_atomic_abort (&gp);
      return rc;
    }
  return fga_atomic_commit (&gp, err);
}

/* The (law, beta) groups among the points of eps e: one representative
   each, into groups (room for npts).  */
static size_t
point_groups (const fga_asym_point **groups, const fga_asym_point *pts, size_t npts,
              const fga_accuracy *eps)
{
  size_t ng = 0;
  for (size_t i = 0; i < npts; i++)
    {
      if (!same_eps (&pts[i].eps, eps))
        continue;
      size_t g = 0;
      while (g < ng && !(same_law (&groups[g]->law, &pts[i].law)
                         && groups[g]->beta == pts[i].beta))
        g++;
      if (g == ng)
        groups[ng++] = &pts[i];
    }
  return ng;
}

int
fga_asym_plot_write (const fga_asym_table *t, const fga_asym_config *c,
                     const fga_asym_point *pts, size_t npts, const char *dir,
                     size_t *unmatched, fga_error *err)
{
  const fga_asym_point **groups = fgap_calloc (npts > 0 ? npts : 1, sizeof *groups,
                                               "the measured groups", err);
  if (groups == NULL)
    return FGA_ERR_NOMEM;
  int rc = FGA_OK;
  size_t nplots = fga_asym_plot_count (c);
  for (size_t i = 0; rc == FGA_OK && i < nplots; i++)
    {
      char name[64];
      fga_asym_plot_name (name, sizeof name, c, i);
      plot_t pl = { t, c, name, i % c->neps, i >= c->neps, 0, groups };
      if (pl.which == 0)
        pl.ngroups = point_groups (groups, pts, npts, &c->eps[pl.e]);
      rc = write_one (&pl, pts, npts, dir, err);
    }
  if (unmatched != NULL)
    {
      *unmatched = 0;
      for (size_t i = 0; i < npts; i++)
        {
          size_t e = 0;
          while (e < c->neps && !same_eps (&pts[i].eps, &c->eps[e]))
            e++;
          *unmatched += e == c->neps;
        }
    }
  fgap_free (groups);
  return rc;
}
