/* fga_scaling -- power-law fits in n, and the mechanisms fgattn can time with their asymptotic exponents

   The fit.  The exponent a of y ~ c n^a is the least-squares slope of
   ln y on ln n, computed from centred sums:
     a = sum_i (x_i - xm) (z_i - zm) / sum_i (x_i - xm)^2,  b = zm - a xm,
   with x_i = ln n_i, z_i = ln y_i and xm, zm their means.  The centred form
   makes a independent of c (the common ln c cancels in z_i - zm), so an
   exact power law comes out as its exponent to rounding whatever its
   constant; the uncentred normal equations would lose digits in
   sum x^2 - (sum x)^2 / k.  Each mean is refined once by adding the mean
   of the deviations from it, so that equal values give their mean exactly
   and the deviations of an exact law are exact up to the rounding of the
   logarithms.

   Error bound, for an exact law z_i = b + a x_i.  Write u = 2^-53,
   S = sum_i (x_i - xm)^2 and w_i = (x_i - xm) / S, so that a = sum_i w_i z_i
   with sum_i w_i = 0.  The logarithms are within 2 u |x_i| and 2 u |z_i|
   (libm's log is within one ulp).  The slope moves with z_j by w_j and
   with x_j by (e_j - a (x_j - xm)) / S = -a w_j (the residual e_j is 0),
   and the two centred sums of k products each carry a relative rounding
   of at most (k + 2) u of sum |dx| |dz| = |a| S and of S.  So, to first
   order in u,
     |da| <= 2 u (max_i |z_i| + |a| max_i |x_i|) sum_i |w_i| + (2 k + 4) u |a|,
     |db| <= |xm| |da| + 2 u (max_i |z_i| + |a| max_i |x_i|) + 2 u (|zm| + |a xm|).
   By Cauchy-Schwarz sum_i |w_i| <= sqrt (k / S): close n cost accuracy.
   For the laws checked in tests/experiments/t-scaling.c (n in [16, 2^20], |z_i| <= 43,
   sum |w_i| <= 7.1) the bounds are 3.5e-14 for a and 2.6e-13 for b,
   inside the 1e-12 asserted there.

   The mechanisms.  Each analyzer mechanism that a method of fgattn runs
   maps to that method's spec (the same counts by construction: the
   analyzer's formulas are those written at the top of the implementations,
   and tests/analyzer/t-analyzer.c holds them equal), and to the exponent in n of
   its work for fixed d, dv and parameters, read off the pair counts the
   implementations document.  */

#include "core/fga-impl.h"

#include <limits.h>

static const char fn_fit[] = "fga_fit_power";
static const char fn_mech[] = "fga_scaling_mech_from_spec";

static int
usable (double n, double y)
{
  return n > 0 && y > 0 && isfinite (n) && isfinite (y);
}

/* The mean of the logarithms of the usable v[i] (v = n or y of the pair),
   refined once.  */
static double
mean_log (const double *n, const double *y, size_t k, int of_y, size_t m)
{
  double s = 0;
  for (size_t i = 0; i < k; i++)
    if (usable (n[i], y[i]))
      s += log (of_y ? y[i] : n[i]);
  double mean = s / (double) m, c = 0;
  for (size_t i = 0; i < k; i++)
    if (usable (n[i], y[i]))
      c += log (of_y ? y[i] : n[i]) - mean;
  return mean + c / (double) m;
}

int
fga_fit_power (fga_fit *fit, const double *n, const double *y, size_t k, unsigned flags,
               fga_error *err)
{
  fit->exponent = fit->intercept = fit->r2 = fit->max_resid = NAN;
  fit->points = 0;
  size_t m = 0;
  for (size_t i = 0; i < k; i++)
    {
      if (usable (n[i], y[i]))
        m++;
      else if (!(flags & FGA_FIT_SKIP))
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: point %zu has n = %g and y = %g; a power "
                              "law needs both positive and finite", fn_fit, i, n[i], y[i]);
    }
  if (m < 2)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: %zu usable point%s; a fit needs at least 2",
                          fn_fit, m, m == 1 ? "" : "s");
  const double xm = mean_log (n, y, k, 0, m), zm = mean_log (n, y, k, 1, m);
  double sxx = 0, sxz = 0, szz = 0;
  for (size_t i = 0; i < k; i++)
    if (usable (n[i], y[i]))
      {
        double dx = log (n[i]) - xm, dz = log (y[i]) - zm;
        sxx += dx * dx;
        sxz += dx * dz;
        szz += dz * dz;
      }
  if (!(sxx > 0))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: every n is %g; the exponent needs two "
                          "different n", fn_fit, n[0]);
  const double a = sxz / sxx;
  double ssr = 0, emax = 0;
  for (size_t i = 0; i < k; i++)
    if (usable (n[i], y[i]))
      {
        /* the residual in centred form: b never enters, so no cancellation
           between b and a x_i */
        double e = (log (y[i]) - zm) - a * (log (n[i]) - xm);
        ssr += e * e;
        emax = fabs (e) > emax ? fabs (e) : emax;
      }
  fit->exponent = a;
  fit->intercept = zm - a * xm;
  fit->r2 = szz > 0 ? 1 - ssr / szz : 1;
  fit->max_resid = emax;
  fit->points = m;
  return FGA_OK;
}

/* ------------------------------------------------------------------ */

static const char timed[] = "vanilla, stream, window, strided, dilated, poly, rf, nystrom, fixed";

static const char *
rf_kind_name (int kind)
{
  return kind == FGA_RF_POS ? "pos" : kind == FGA_RF_HYP ? "hyp" : kind == FGA_RF_TRIG ? "trig"
    : NULL;
}

int
fga_scaling_mech_from_spec (fga_scaling_mech *sm, const fga_an_spec *s, fga_error *err)
{
  sm->spec[0] = '\0';
  sm->exponent = NAN;
  sm->work_class = "";
  const char *name = fga_an_mech_name (s->mech);
  int causal_ok = s->mech == FGA_AN_WINDOW || s->mech == FGA_AN_STRIDED
    || s->mech == FGA_AN_DILATED || s->mech == FGA_AN_FIXED;
  switch (s->mech)
    {
    case FGA_AN_VANILLA: case FGA_AN_STREAM: case FGA_AN_WINDOW: case FGA_AN_STRIDED:
    case FGA_AN_DILATED: case FGA_AN_POLY: case FGA_AN_RF: case FGA_AN_NYSTROM:
    case FGA_AN_FIXED:
      break;
    default:
      return fgap_error_set (err, FGA_ERR_INPUT, "mechanism %s is counted by the analyzer but "
                            "no method of fgattn runs it; the mechanisms that can be timed are "
                            "%s", name, timed);
    }
  if (s->causal && !causal_ok)
    return fgap_error_set (err, FGA_ERR_INPUT, "the method that runs %s has no causal form "
                          "(causal is for window, strided, dilated and fixed)", name);
  int len = -1;
  const size_t sz = sizeof sm->spec;
  switch (s->mech)
    {
    case FGA_AN_VANILLA:
      len = snprintf (sm->spec, sz, "exact:algo=naive");
      sm->exponent = 2;
      sm->work_class = "O(n^2 d)";
      break;
    case FGA_AN_STREAM:
      len = snprintf (sm->spec, sz, "exact:algo=stream,block=%zu", s->block);
      sm->exponent = 2;
      sm->work_class = "O(n^2 d)";
      break;
    case FGA_AN_WINDOW:
      /* n (2w + 1) - w (w + 1) pairs (causal: n (w + 1) - w (w + 1) / 2) */
      len = snprintf (sm->spec, sz, "window:w=%zu,causal=%d", s->w, s->causal);
      sm->exponent = 1;
      sm->work_class = "O(w n d)";
      break;
    case FGA_AN_STRIDED:
      /* a band of radius l - 1 and floor (n / l) strided keys per query:
         about 2 n l + n^2 / l pairs, 3 n^1.5 at l = sqrt (n) */
      len = snprintf (sm->spec, sz, "strided:l=%zu,causal=%d", s->l, s->causal);
      sm->exponent = s->l == 0 ? 1.5 : 2;
      sm->work_class = s->l == 0 ? "O(n sqrt(n) d)" : "O(n^2 d / l)";
      break;
    case FGA_AN_FIXED:
      /* the query's block of l and c summary keys in each of n / l blocks:
         about n l + c n^2 / l pairs, (1 + c) n^1.5 at l = sqrt (n) */
      len = snprintf (sm->spec, sz, "fixed:l=%zu,c=%zu,causal=%d", s->l, s->c, s->causal);
      sm->exponent = s->l == 0 ? 1.5 : 2;
      sm->work_class = s->l == 0 ? "O(c n sqrt(n) d)" : "O(c n^2 d / l)";
      break;
    case FGA_AN_DILATED:
      /* level k: n / w_k segments of about w_k / r_k = w / r kept keys
         squared, n w_k / r_k^2 pairs; the sum over k is geometric */
      len = snprintf (sm->spec, sz, "dilated:w=%zu,r=%zu,alpha=%zu,levels=%zu,head=%zu,causal=%d",
                      s->w, s->r, s->alpha, s->levels, s->head, s->causal);
      sm->exponent = 1;
      sm->work_class = "O(n d w / r^2)";
      break;
    case FGA_AN_POLY:
      if (s->g < 1)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: poly needs a degree g >= 1 (the method's "
                              "deg=0 chooses the degree from the data, which the analyzer cannot "
                              "count in advance)", fn_mech);
      /* 2 r (dv + 1) (nq + nk) for the two products with r = C(d + g, d) */
      len = snprintf (sm->spec, sz, "poly:deg=%ld", s->g);
      sm->exponent = 1;
      sm->work_class = "O(n r dv), r = C(d+g, d)";
      break;
    case FGA_AN_RF:
      {
        const char *kind = rf_kind_name (s->rf_kind);
        if (kind == NULL)
          return fgap_error_set (err, FGA_ERR_INPUT, "%s: rf kind %d is not pos, hyp or trig",
                                fn_mech, s->rf_kind);
        len = snprintf (sm->spec, sz, "rf:m=%zu,kind=%s", s->m, kind);
        sm->exponent = 1;
        sm->work_class = "O(n m (d + dv))";
        break;
      }
    case FGA_AN_NYSTROM:
      /* three softmax factors of m rows or columns, and the iteration on
         the m x m middle one, which does not grow with n */
      len = snprintf (sm->spec, sz, "nystrom:m=%zu,pinv=iter,iters=%ld,landmarks=%s", s->m,
                      s->iters, s->segment ? "segment" : "uniform");
      sm->exponent = 1;
      sm->work_class = "O(n m (d + dv) + iters m^3)";
      break;
    default:
      break;
    }
  if (len < 0 || (size_t) len >= sz)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: the spec of %s does not fit %zu bytes",
                          fn_mech, name, sz);
  return FGA_OK;
}

int
fga_scaling_check_n (const fga_an_spec *s, size_t n, fga_error *err)
{
  fga_an_spec t = *s;
  t.nq = t.nk = n;
  /* Below these sizes the pattern covers every key of every query: the
     method computes exact attention, whose work grows like n^2, and a
     fitted exponent would describe that, not the mechanism.  */
  switch (s->mech)
    {
    case FGA_AN_WINDOW:
      if (s->w >= SIZE_MAX - 1 || n <= s->w + 1)
        return fgap_error_set (err, FGA_ERR_INPUT, "n = %zu is too small for window w = %zu: at "
                              "n <= w + 1 every query sees every key (exact attention); take "
                              "n >= %zu or a smaller w", n, s->w,
                              s->w >= SIZE_MAX - 1 ? SIZE_MAX : s->w + 2);
      break;
    case FGA_AN_STRIDED:
    case FGA_AN_FIXED:
      if (s->l != 0 && n <= s->l)
        return fgap_error_set (err, FGA_ERR_INPUT, "n = %zu is too small for %s l = %zu: at "
                              "n <= l one block or band holds every key (exact attention); "
                              "take n >= %zu, or l = 0 (sqrt n)", n, fga_an_mech_name (s->mech),
                              s->l, s->l + 1);
      break;
    case FGA_AN_DILATED:
      if (n <= s->w)
        return fgap_error_set (err, FGA_ERR_INPUT, "n = %zu is too small for dilated w = %zu: at "
                              "n <= w the first segment holds the whole sequence; take n >= %zu "
                              "or a smaller w", n, s->w, s->w + 1);
      break;
    case FGA_AN_NYSTROM:
      if (n <= s->m)
        return fgap_error_set (err, FGA_ERR_INPUT, "n = %zu is too small for nystrom m = %zu: "
                              "it needs n > m landmarks (at n = m it is exact attention at "
                              "O(m^3) cost); take n >= %zu or a smaller m", n, s->m, s->m + 1);
      break;
    default:
      break;
    }
  if (s->mech == FGA_AN_WINDOW || s->mech == FGA_AN_STRIDED || s->mech == FGA_AN_DILATED
      || s->mech == FGA_AN_FIXED)
    {
      /* the pattern's own refusals (a dilated query kept at no level, ...) */
      fga_sparse_pattern p;
      memset (&p, 0, sizeof p);
      p.kind = s->mech == FGA_AN_WINDOW ? FGA_SPARSE_WINDOW
        : s->mech == FGA_AN_STRIDED ? FGA_SPARSE_STRIDED
        : s->mech == FGA_AN_FIXED ? FGA_SPARSE_FIXED : FGA_SPARSE_DILATED;
      p.n = n;
      p.causal = s->causal;
      p.w = s->w;
      p.l = s->l;
      p.c = s->c;
      p.r = s->r;
      p.alpha = s->alpha;
      p.levels = s->levels;
      p.head = s->head;
      int rc = fga_sparse_pattern_check (&p, err);
      if (rc != FGA_OK)
        return rc;
      /* p.l is now resolved (l = 0 took ceil (sqrt (n))) */
      if (s->mech == FGA_AN_STRIDED && p.l == 1)
        return fgap_error_set (err, FGA_ERR_INPUT, "n = %zu: strided with l = 1 keeps every key "
                              "(exact attention); take l >= 2", n);
      if (s->mech == FGA_AN_FIXED && p.c == p.l)
        return fgap_error_set (err, FGA_ERR_INPUT, "n = %zu: fixed with c = l = %zu makes every "
                              "key a summary (exact attention); take c < l%s", n, p.l,
                              s->l == 0 ? " (l = 0 took ceil(sqrt(n)))" : "");
    }
  fga_an_result res;
  fga_an_result_init (&res);
  int rc = fga_an_analyze (&res, &t, err);
  fga_an_result_clear (&res);
  return rc;
}

int
fga_scaling_bytes (double *bytes, const fga_an_spec *s, size_t n, fga_error *err)
{
  *bytes = NAN;
  fga_an_spec t = *s;
  t.nq = t.nk = n;
  fga_an_result res;
  fga_an_result_init (&res);
  int rc = fga_an_analyze (&res, &t, err);
  if (rc != FGA_OK)
    {
      fga_an_result_clear (&res);
      return rc;
    }
  const double threads = (double) fgap_max_threads ();
  const double nd = (double) n, d = (double) s->d, dv = (double) s->dv;
  /* Q, K (n x d), V and T (n x dv), held by the caller during the runs */
  double b = 8 * (2 * nd * d + 2 * nd * dv);
  double model = mpz_get_d (res.mem_bytes);
  switch (s->mech)
    {
    case FGA_AN_VANILLA:
      b += 8 * threads * (nd + dv);
      break;
    case FGA_AN_POLY:
      b += model < 1073741824.0 ? model : 1073741824.0;
      break;
    case FGA_AN_STREAM: case FGA_AN_WINDOW: case FGA_AN_STRIDED: case FGA_AN_DILATED:
    case FGA_AN_FIXED:
      b += threads * model;
      break;
    default:
      b += model;
      break;
    }
  fga_an_result_clear (&res);
  *bytes = b;
  return FGA_OK;
}
