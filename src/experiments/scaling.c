/* fga_scaling -- the mechanisms fgattn can time in n, with their asymptotic exponents

   Each analyzer mechanism that a method of fgattn runs maps to that
   method's spec (fga_an_method_spec; the same counts by construction: the
   analyzer's counts of such a mechanism are the method's count hook, which
   tests/methods/t-registry.c holds equal to what the method records), and,
   through the table below, to the exponent in n of its work for fixed d, dv
   and parameters, read off the pair counts the implementations document,
   and to the sizes at which it would be exact attention under another
   name.  A counted method without an entry here (one added since) is
   timed too, with its asymptotic exponent not stated.  The power law that `fgattn scaling' fits to
   the timings is fga_fit_power's (src/numerics/fit.c).  */

#include "core/fga-impl.h"

#include <limits.h>

/* ------------------------------------------------------------------ */
/* The sizes below which a mechanism's pattern covers every key of every
   query: the method computes exact attention, whose work grows like n^2,
   and a fitted exponent would describe that, not the mechanism.  */

static int
small_window (const fga_an_spec *s, size_t n, fga_error *err)
{
  if (s->w >= SIZE_MAX - 1 || n <= s->w + 1)
    return fgap_error_set (err, FGA_ERR_INPUT, "n = %zu is too small for window w = %zu: at "
                          "n <= w + 1 every query sees every key (exact attention); take "
                          "n >= %zu or a smaller w", n, s->w,
                          s->w >= SIZE_MAX - 1 ? SIZE_MAX : s->w + 2);
  return FGA_OK;
}

/* strided and fixed: a fixed l >= n, and the l resolved at n (l = 0 takes
   ceil (sqrt (n))) making every key visible */
static int
small_blocks (const fga_an_spec *s, size_t n, fga_error *err)
{
  const int fixed = strcmp (s->mech, "fixed") == 0;
  if (s->l != 0 && n <= s->l)
    return fgap_error_set (err, FGA_ERR_INPUT, "n = %zu is too small for %s l = %zu: at "
                          "n <= l one block or band holds every key (exact attention); "
                          "take n >= %zu, or l = 0 (sqrt n)", n, s->mech, s->l, s->l + 1);
  fga_sparse_pattern p;
  memset (&p, 0, sizeof p);
  p.kind = fixed ? FGA_SPARSE_FIXED : FGA_SPARSE_STRIDED;
  p.n = n;
  p.causal = s->causal;
  p.l = s->l;
  p.c = s->c;
  int rc = fga_sparse_pattern_check (&p, err);
  if (rc != FGA_OK)
    return rc;
  if (!fixed && p.l == 1)
    return fgap_error_set (err, FGA_ERR_INPUT, "n = %zu: strided with l = 1 keeps every key "
                          "(exact attention); take l >= 2", n);
  if (fixed && p.c == p.l)
    return fgap_error_set (err, FGA_ERR_INPUT, "n = %zu: fixed with c = l = %zu makes every "
                          "key a summary (exact attention); take c < l%s", n, p.l,
                          s->l == 0 ? " (l = 0 took ceil(sqrt(n)))" : "");
  return FGA_OK;
}

static int
small_dilated (const fga_an_spec *s, size_t n, fga_error *err)
{
  if (n <= s->w)
    return fgap_error_set (err, FGA_ERR_INPUT, "n = %zu is too small for dilated w = %zu: at "
                          "n <= w the first segment holds the whole sequence; take n >= %zu "
                          "or a smaller w", n, s->w, s->w + 1);
  return FGA_OK;
}

static int
small_nystrom (const fga_an_spec *s, size_t n, fga_error *err)
{
  if (n <= s->m)
    return fgap_error_set (err, FGA_ERR_INPUT, "n = %zu is too small for nystrom m = %zu: "
                          "it needs n > m landmarks (at n = m it is exact attention at "
                          "O(m^3) cost); take n >= %zu or a smaller m", n, s->m, s->m + 1);
  return FGA_OK;
}

/* How fga_scaling_bytes adds the analyzer's memory model to the instance.  */
enum
{
  BYTES_MODEL,                 /* the model as it is */
  BYTES_PER_THREAD,            /* the model is one thread's scratch */
  BYTES_ROW,                   /* vanilla: the naive kernel holds one row per thread */
  BYTES_BUDGET                 /* poly: the model, at most the method's budget of 2^30 */
};

/* The asymptotic exponent of the work in n and its class; for strided
   and fixed, l = 0 (ceil (sqrt (n))) first and a fixed l second.  */
typedef struct
{
  const char *name;
  double exponent;
  const char *work_class;
  double exponent_fixed_l;     /* when s->l != 0; NaN when l does not matter */
  const char *work_class_fixed_l;
  int (*too_small) (const fga_an_spec *s, size_t n, fga_error *err);   /* may be NULL */
  int bytes;
} scaling_mech;

/* Pairs per query: window 2w + 1; strided a band of radius l - 1 and
   floor (n / l) strided keys, about 2 n l + n^2 / l pairs, 3 n^1.5 at
   l = sqrt (n); fixed the query's block of l and c summary keys in each of
   n / l blocks, about n l + c n^2 / l, (1 + c) n^1.5 at l = sqrt (n);
   dilated, level k: n / w_k segments of about w_k / r_k = w / r kept keys
   squared, n w_k / r_k^2 pairs, a geometric sum over k; poly 2 r (dv + 1)
   (nq + nk) for the two products with r = C(d + g, d); nystrom three
   softmax factors of m rows or columns and the iteration on the m x m
   middle one, which does not grow with n.  */
static const scaling_mech table[] = {
  { "vanilla", 2, "O(n^2 d)", NAN, NULL, NULL, BYTES_ROW },
  { "stream", 2, "O(n^2 d)", NAN, NULL, NULL, BYTES_PER_THREAD },
  { "window", 1, "O(w n d)", NAN, NULL, small_window, BYTES_PER_THREAD },
  { "strided", 1.5, "O(n sqrt(n) d)", 2, "O(n^2 d / l)", small_blocks, BYTES_PER_THREAD },
  { "dilated", 1, "O(n d w / r^2)", NAN, NULL, small_dilated, BYTES_PER_THREAD },
  { "fixed", 1.5, "O(c n sqrt(n) d)", 2, "O(c n^2 d / l)", small_blocks, BYTES_PER_THREAD },
  { "poly", 1, "O(n r dv), r = C(d+g, d)", NAN, NULL, NULL, BYTES_BUDGET },
  { "rf", 1, "O(n m (d + dv))", NAN, NULL, NULL, BYTES_MODEL },
  { "nystrom", 1, "O(n m (d + dv) + iters m^3)", NAN, NULL, small_nystrom, BYTES_MODEL },
};

static const scaling_mech *
find (const char *name)
{
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp (table[i].name, name) == 0)
      return &table[i];
  return NULL;
}

int
fga_scaling_mech_from_spec (fga_scaling_mech *sm, const fga_an_spec *s0, fga_error *err)
{
  sm->spec[0] = '\0';
  sm->exponent = NAN;
  sm->work_class = "";
  fga_an_spec s;
  int rc = fga_an_resolve (&s, s0, err);
  if (rc != FGA_OK)
    return rc;
  if (!fga_an_mech_runnable (s.mech))
    {
      char timed[512];
      return fgap_error_set (err, FGA_ERR_INPUT, "mechanism %s is counted by the analyzer but "
                            "no method of fgattn runs it; the mechanisms that can be timed are "
                            "%s", s.mech, fga_an_mech_list (timed, sizeof timed, 1));
    }
  if ((rc = fga_an_method_spec (sm->spec, sizeof sm->spec, &s, err)) != FGA_OK)
    return rc;
  const scaling_mech *e = find (s.mech);
  if (e == NULL)
    {
      sm->work_class = "not stated (no entry in src/experiments/scaling.c)";
      return FGA_OK;
    }
  const int fixed_l = s.l != 0 && e->work_class_fixed_l != NULL;
  sm->exponent = fixed_l ? e->exponent_fixed_l : e->exponent;
  sm->work_class = fixed_l ? e->work_class_fixed_l : e->work_class;
  return FGA_OK;
}

int
fga_scaling_check_n (const fga_an_spec *s0, size_t n, fga_error *err)
{
  fga_an_spec s;
  int rc = fga_an_resolve (&s, s0, err);
  if (rc != FGA_OK)
    return rc;
  const scaling_mech *e = find (s.mech);
  if (e != NULL && e->too_small != NULL && (rc = e->too_small (&s, n, err)) != FGA_OK)
    return rc;
  /* then what the analyzer (and so the method's count hook) refuses at n:
     a dilated query kept at no level, ... */
  s.nq = s.nk = n;
  fga_an_result res;
  fga_an_result_init (&res);
  rc = fga_an_analyze (&res, &s, err);
  fga_an_result_clear (&res);
  return rc;
}

int
fga_scaling_bytes (double *bytes, const fga_an_spec *s0, size_t n, fga_error *err)
{
  *bytes = NAN;
  fga_an_spec s;
  int rc = fga_an_resolve (&s, s0, err);
  if (rc != FGA_OK)
    return rc;
  s.nq = s.nk = n;
  fga_an_result res;
  fga_an_result_init (&res);
  rc = fga_an_analyze (&res, &s, err);
  if (rc != FGA_OK)
    {
      fga_an_result_clear (&res);
      return rc;
    }
  const double threads = (double) fgap_max_threads ();
  const double nd = (double) n, d = (double) s.d, dv = (double) s.dv;
  /* Q, K (n x d), V and T (n x dv), held by the caller during the runs */
  double b = 8 * (2 * nd * d + 2 * nd * dv);
  double model = mpz_get_d (res.mem_bytes);
  const scaling_mech *e = find (s.mech);
  switch (e != NULL ? e->bytes : BYTES_MODEL)
    {
    case BYTES_ROW:
      b += 8 * threads * (nd + dv);
      break;
    case BYTES_BUDGET:
      b += model < 1073741824.0 ? model : 1073741824.0;
      break;
    case BYTES_PER_THREAD:
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
