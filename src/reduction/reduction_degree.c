/* reduction_degree.c -- the polynomial method's decision of a reduced instance at every degree

   The lower bound seen from the algorithm's side (theory/lower-bound.md,
   section 6): on the instances of fga_reduce, how large must the degree g
   of the polynomial method be before it answers correctly, and what does
   that cost in features, r = C(d + g, d)?  Running the method itself is
   out of the question at the interesting sizes (d = 2m = Theta(log n)
   makes r astronomically large), so this computes what the method
   computes, in exact arithmetic, by a cheaper route.

   Why the route is the method.  poly returns T = diag(w)^{-1} Y with
   [Y w] = U1 (U2^T [V 1]) and U1 U2^T = p_g(S) entry by entry, exactly
   (the factorisation lemma of theory/upper-bound.md).  So in exact
   arithmetic T_i = sum_j p_g(S_ij) V_j / sum_j p_g(S_ij): only the
   rounding of the factored evaluation differs, and that is the subject of
   another lemma, not of this experiment.

   Why the route is cheap.  Every entry of Q and K is 0 or s, so
   S_ij = s^2 c_ij / d where c_ij counts the coordinates where both rows
   are s: at most d + 1 distinct scores.  Grouping the keys of row i by c,
     T_i = sum_c N1[i][c] p_g(x_c) / sum_c N0[i][c] p_g(x_c),  x_c = s^2 c / d,
   with N0 the number of keys and N1 the number with V_j = 1.  Counting is
   O(nq nk d) once; each degree then costs O(d) evaluations of p_g and
   O(nq d) multiply-adds.

   Precision.  The truncated Chebyshev series p_g(x) = sum_k a_k T_k(x / R)
   has a_k up to about e^R while p_g(0) is about 1: evaluating it loses
   R log2(e) bits to cancellation, and the decision needs relative accuracy
   better than the threshold `accuracy' (itself tiny) by a wide margin.  So
   the coefficients (correctly rounded Bessel values, fga_cheb_coeffs_bessel)
   and the three-term recurrence run at
     P = 128 + 2 R log2(e) + log2(1 / accuracy)
   bits: |T_k(t)| <= 1 on [-1, 1] and the recurrence's error grows at most
   like k^2 2^-P, so each p_g(x_c) carries an absolute error below
   (g + 1)^3 e^R 2^-P, far below 2^-128 relative to p_g(x_c) ~ e^{x_c} >= 1
   when g is below 2^20.  The row sums then work at 192 bits; their terms
   are counts (exact) times p values, so the computed o_i is within a
   relative 2^-150 or so of the exact T_i, and the comparison with
   decide_at is made on that MPFR value.  */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"

#include <limits.h>

#define SUM_PREC 192

void
fga_reduction_scan_init (fga_reduction_scan *scan)
{
  memset (scan, 0, sizeof *scan);
  scan->gmax = -1;
}

void
fga_reduction_scan_clear (fga_reduction_scan *scan)
{
  fgap_free (scan->max_o);
  fgap_free (scan->verdict);
  fgap_free (scan->dummy_fail);
  fga_reduction_scan_init (scan);
}

long
fga_reduction_scan_stable (const fga_reduction_scan *scan, int yes)
{
  long g = scan->gmax + 1;
  while (g > 0 && scan->verdict[g - 1] == (yes ? 1 : 0))
    g--;
  return g <= scan->gmax ? g : -1;
}

/* The one value s > 0 of the instance's nonzero entries, or an error
   naming the first entry that breaks the pattern of fga_reduce.  */
static int
reduced_entry_value (double *s, fga_instance_srcptr inst, fga_error *err)
{
  *s = 0;
  fga_mat_srcptr M[2] = { inst->Q, inst->K };
  const char *name[2] = { "Q", "K" };
  for (int w = 0; w < 2; w++)
    for (size_t i = 0; i < M[w]->rows; i++)
      for (size_t k = 0; k < M[w]->cols; k++)
        {
          double v = FGA_MAT (M[w], i, k);
          if (v == 0)
            continue;
          if (*s == 0 && v > 0 && isfinite (v))
            *s = v;
          if (v != *s)
            return fgap_error_set (err, FGA_ERR_INPUT, "not a reduced instance: %s[%zu][%zu] = "
                                  "%.17g, but every entry must be 0 or the one value s = %.17g",
                                  name[w], i, k, v, *s);
        }
  for (size_t j = 0; j < inst->V->rows; j++)
    {
      double v = FGA_MAT (inst->V, j, 0);
      if (v != 0 && v != 1)
        return fgap_error_set (err, FGA_ERR_INPUT, "not a reduced instance: V[%zu][0] = %.17g, "
                              "but every value must be 0 or 1", j, v);
    }
  if (*s == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "not a reduced instance: Q and K are zero");
  return FGA_OK;
}

/* The arguments fga_reduction_degree_scan refuses before it computes
   anything, and the instance's one value s.  */
static int
scan_check (double *s, fga_instance_srcptr inst, const fga_reduction_info *info, long gmax,
            fga_error *err)
{
  int rc = fga_reduction_check (inst, info, err);
  if (rc != FGA_OK)
    return rc;
  if (gmax < 0 || gmax > FGA_EXPFIT_GMAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "gmax = %ld: it must lie in 0..%ld", gmax,
                          FGA_EXPFIT_GMAX);
  if (!(info->accuracy > 0) || !isfinite (info->decide_at))
    return fgap_error_set (err, FGA_ERR_INPUT, "the reduction's accuracy %g is not positive",
                          info->accuracy);
  return reduced_entry_value (s, inst, err);
}

/* The counts by score value, once for every degree: *hist (the caller frees
   it) gets N0[i][c] = hist[2 (i nc + c)] and N1[i][c] = hist[2 (i nc + c) + 1],
   nc = d + 1, and *cmax the largest c that occurs.  */
static int
score_histograms (size_t **hist, size_t *cmax, fga_instance_srcptr inst, fga_error *err)
{
  size_t nq = inst->Q->rows, nk = inst->K->rows, d = inst->Q->cols;
  size_t nc = d + 1, cells;
  *hist = NULL;
  if (fgap_size_mul (&cells, nq, nc) != 0 || fgap_size_mul (&cells, cells, 2) != 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "the histograms of %zu rows overflow", nq);
  size_t *H = fgap_calloc (cells, sizeof *H, "the score histograms", err);
  if (H == NULL)
    return FGA_ERR_NOMEM;
  *cmax = 0;
  for (size_t i = 0; i < nq; i++)
    for (size_t j = 0; j < nk; j++)
      {
        size_t c = 0;
        for (size_t k = 0; k < d; k++)
          c += FGA_MAT (inst->Q, i, k) != 0 && FGA_MAT (inst->K, j, k) != 0;
        size_t *h = H + 2 * (i * nc + c);
        h[0]++;
        h[1] += FGA_MAT (inst->V, j, 0) != 0;
        if (c > *cmax)
          *cmax = c;
      }
  *hist = H;
  return FGA_OK;
}

/* The largest score s^2 cmax / d, rounded upward for the check R >= it.  */
static double
max_score_up (double s, size_t cmax, size_t d)
{
  mpfr_t x;
  mpfr_init2 (x, 256);
  mpfr_set_d (x, s, MPFR_RNDU);
  mpfr_sqr (x, x, MPFR_RNDU);
  mpfr_mul_ui (x, x, (unsigned long) cmax, MPFR_RNDU);
  mpfr_div_ui (x, x, (unsigned long) d, MPFR_RNDU);
  double max_score = mpfr_get_d (x, MPFR_RNDU);
  mpfr_clear (x);
  return max_score;
}

/* Per score value c: x_c, 2 t_c = 2 x_c / R, the last two T_k(t_c) or the
   last Taylor term, and the partial sum p_g(x_c), all at P bits; and the
   Chebyshev coefficients.  */
typedef struct
{
  size_t nc;
  mpfr_t *xc, *tc, *tprev, *tcur, *pv;  /* nc each, in the one allocation xc */
  mpfr_t *coef;                         /* ncoef: gmax + 1 with Chebyshev, else 0 */
  long ncoef;
} values_t;

static void
values_clear (values_t *v)
{
  if (v->xc != NULL)
    for (size_t i = 0; i < 5 * v->nc; i++)
      mpfr_clear (v->xc[i]);
  fgap_free (v->xc);
  for (long k = 0; k < v->ncoef; k++)
    mpfr_clear (v->coef[k]);
  fgap_free (v->coef);
  memset (v, 0, sizeof *v);
}

/* x_c = s^2 c / d for c = 0..d, and the coefficients a_0..a_gmax of the
   Chebyshev series on [-R, R].  On failure v holds nothing to clear.  */
static int
values_init (values_t *v, double s, size_t d, double R, fga_basis basis, long gmax,
             mpfr_prec_t P, fga_error *err)
{
  const size_t nc = d + 1;
  memset (v, 0, sizeof *v);
  v->xc = fgap_alloc (5 * nc * sizeof (mpfr_t), "the score values", err);
  v->coef = basis == FGA_BASIS_CHEB
            ? fgap_alloc ((size_t) (gmax + 1) * sizeof (mpfr_t), "the coefficients", err)
            : NULL;
  if (v->xc == NULL || (basis == FGA_BASIS_CHEB && v->coef == NULL))
    {
      values_clear (v);
      return FGA_ERR_NOMEM;
    }
  v->nc = nc;
  v->tc = v->xc + nc, v->tprev = v->xc + 2 * nc, v->tcur = v->xc + 3 * nc;
  v->pv = v->xc + 4 * nc;
  for (size_t i = 0; i < 5 * nc; i++)
    mpfr_init2 (v->xc[i], P);
  for (size_t c = 0; c < nc; c++)
    {
      mpfr_set_d (v->xc[c], s, MPFR_RNDN);
      mpfr_sqr (v->xc[c], v->xc[c], MPFR_RNDN);          /* exact: 106 bits suffice */
      mpfr_mul_ui (v->xc[c], v->xc[c], (unsigned long) c, MPFR_RNDN);
      mpfr_div_ui (v->xc[c], v->xc[c], (unsigned long) d, MPFR_RNDN);
      mpfr_div_d (v->tc[c], v->xc[c], R, MPFR_RNDN);
      mpfr_mul_2ui (v->tc[c], v->tc[c], 1, MPFR_RNDN);      /* 2t, for the recurrence */
    }
  if (v->coef == NULL)
    return FGA_OK;
  v->ncoef = gmax + 1;
  for (long k = 0; k <= gmax; k++)
    mpfr_init2 (v->coef[k], P);
  return fga_cheb_coeffs_bessel (v->coef, gmax, R, err);
}

/* pv[c] = p_g(x_c) from p_{g-1}(x_c), for g = 0, 1, ... in turn; g = -1
   gives exp itself, the truth, through the same sums.  */
static void
values_step (values_t *v, long g, fga_basis basis)
{
  for (size_t c = 0; c < v->nc; c++)
    {
      if (g < 0)
        mpfr_exp (v->pv[c], v->xc[c], MPFR_RNDN);
      else if (basis == FGA_BASIS_CHEB)
        {
          if (g == 0)
            {
              mpfr_set_ui (v->tprev[c], 1, MPFR_RNDN);          /* T_0 */
              mpfr_div_2ui (v->tcur[c], v->tc[c], 1, MPFR_RNDN); /* T_1 = t, exact */
              mpfr_set (v->pv[c], v->coef[0], MPFR_RNDN);
              continue;
            }
          if (g >= 2)
            {
              /* tprev, tcur hold T_{g-2}, T_{g-1}: T_g = 2t T_{g-1} - T_{g-2}
                 overwrites T_{g-2}, and the swap shifts the pair.  */
              mpfr_fms (v->tprev[c], v->tc[c], v->tcur[c], v->tprev[c], MPFR_RNDN);
              mpfr_swap (v->tprev[c], v->tcur[c]);
            }
          mpfr_fma (v->pv[c], v->coef[g], v->tcur[c], v->pv[c], MPFR_RNDN);
        }
      else
        {
          /* Taylor: term_g = x^g / g!, kept in tcur.  */
          if (g == 0)
            {
              mpfr_set_ui (v->tcur[c], 1, MPFR_RNDN);
              mpfr_set_ui (v->pv[c], 1, MPFR_RNDN);
              continue;
            }
          mpfr_mul (v->tcur[c], v->tcur[c], v->xc[c], MPFR_RNDN);
          mpfr_div_ui (v->tcur[c], v->tcur[c], (unsigned long) g, MPFR_RNDN);
          mpfr_add (v->pv[c], v->pv[c], v->tcur[c], MPFR_RNDN);
        }
    }
}

/* The row sums at SUM_PREC bits, and the threshold they are compared with.  */
typedef struct
{
  mpfr_t num, den, term, o, o_max, thr;
} sums_t;

/* The decision with the current pv: o_i = sum_c N1 p / sum_c N0 p for every
   query, *max_o the largest over the real queries (the first nreal) and
   *verdict whether it exceeds thr; NaN and -1 when a real query's row sum is
   not positive.  *dummy_fail says whether a dummy query's is not.  */
static void
row_sums (double *max_o, int *verdict, int *dummy_fail, sums_t *sm, const size_t *hist,
          size_t nq, size_t nreal, const values_t *v)
{
  const size_t nc = v->nc;
  int fails = 0, dummy_fails = 0, bad = 0;
  mpfr_set_inf (sm->o_max, -1);
  const size_t *prev = NULL;
  for (size_t i = 0; i < nq; i++)
    {
      const size_t *h = hist + 2 * i * nc;
      /* Rows with the same histogram (the dummy queries) give the same o.  */
      if (prev == NULL || memcmp (prev, h, 2 * nc * sizeof *h) != 0)
        {
          mpfr_set_zero (sm->num, 1);
          mpfr_set_zero (sm->den, 1);
          for (size_t c = 0; c < nc; c++)
            {
              if (h[2 * c] == 0)
                continue;
              mpfr_mul_ui (sm->term, v->pv[c], (unsigned long) h[2 * c], MPFR_RNDN);
              mpfr_add (sm->den, sm->den, sm->term, MPFR_RNDN);
              mpfr_mul_ui (sm->term, v->pv[c], (unsigned long) h[2 * c + 1], MPFR_RNDN);
              mpfr_add (sm->num, sm->num, sm->term, MPFR_RNDN);
            }
          bad = mpfr_sgn (sm->den) <= 0;
          if (!bad)
            mpfr_div (sm->o, sm->num, sm->den, MPFR_RNDN);
          prev = h;
        }
      if (i >= nreal)
        dummy_fails |= bad;
      else if (bad)
        fails = 1;
      else if (mpfr_cmp (sm->o, sm->o_max) > 0)
        mpfr_set (sm->o_max, sm->o, MPFR_RNDN);
    }
  *max_o = fails ? NAN : mpfr_get_d (sm->o_max, MPFR_RNDN);
  *verdict = fails ? -1 : mpfr_cmp (sm->o_max, sm->thr) > 0;
  *dummy_fail = dummy_fails;
}

/* The scan proper, once R is known: fills scan (cleared first, and again on
   failure) with the truth and the decision at every degree.  */
static int
scan_degrees (fga_reduction_scan *scan, const size_t *hist, fga_instance_srcptr inst,
              const fga_reduction_info *info, double s, fga_basis basis, double R,
              double max_score, long gmax, fga_error *err)
{
  size_t nq = inst->Q->rows, d = inst->Q->cols;
  fga_reduction_scan_clear (scan);
  scan->max_o = fgap_alloc ((size_t) (gmax + 1) * sizeof (double), "the scan", err);
  scan->verdict = fgap_alloc ((size_t) (gmax + 1) * sizeof (int), "the scan", err);
  scan->dummy_fail = fgap_alloc ((size_t) (gmax + 1), "the scan", err);
  if (scan->max_o == NULL || scan->verdict == NULL || scan->dummy_fail == NULL)
    {
      fga_reduction_scan_clear (scan);
      return FGA_ERR_NOMEM;
    }
  scan->basis = basis, scan->R = R, scan->max_score = max_score, scan->gmax = gmax;

  mpfr_prec_t P = 128 + (mpfr_prec_t) ceil (2 * R * M_LOG2E)
                  + (mpfr_prec_t) ceil (-log2 (info->accuracy));
  values_t v;
  int rc = values_init (&v, s, d, R, basis, gmax, P, err);
  sums_t sm;
  mpfr_inits2 (SUM_PREC, sm.num, sm.den, sm.term, sm.o, sm.o_max, sm.thr, (mpfr_ptr) 0);
  mpfr_set_d (sm.thr, info->decide_at, MPFR_RNDN);   /* exact: SUM_PREC >= 53 */
  for (long g = -1; g <= gmax && rc == FGA_OK; g++)
    {
      double mo;
      int verdict, dummy_fails;
      values_step (&v, g, basis);
      row_sums (&mo, &verdict, &dummy_fails, &sm, hist, nq, info->n, &v);
      if (g < 0)
        {
          if (verdict < 0 || dummy_fails)
            rc = fgap_error_set (err, FGA_ERR_COMPUTE, "a row sum of exp is not positive");
          scan->max_o_exact = mo, scan->yes_exact = verdict;
        }
      else
        scan->max_o[g] = mo, scan->verdict[g] = verdict, scan->dummy_fail[g] = dummy_fails;
    }
  mpfr_clears (sm.num, sm.den, sm.term, sm.o, sm.o_max, sm.thr, (mpfr_ptr) 0);
  values_clear (&v);
  if (rc != FGA_OK)
    fga_reduction_scan_clear (scan);
  return rc;
}

int
fga_reduction_degree_scan (fga_reduction_scan *scan, fga_instance_srcptr inst,
                           const fga_reduction_info *info, fga_basis basis, double R,
                           long gmax, fga_error *err)
{
  double s = 0;
  int rc = scan_check (&s, inst, info, gmax, err);
  if (rc != FGA_OK)
    return rc;
  size_t *hist, cmax;
  if ((rc = score_histograms (&hist, &cmax, inst, err)) != FGA_OK)
    return rc;

  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  double max_score = max_score_up (s, cmax, inst->Q->cols);
  if (R == 0)
    R = max_score;
  if (!(R >= max_score) || !(R <= FGA_EXPFIT_RMAX))
    {
      /* A refusal, like those above: the scan is left as it was.  */
      rc = fgap_error_set (err, FGA_ERR_INPUT, "R = %.17g: the polynomial must cover every "
                          "score, up to %.17g, and R is at most %g", R, max_score,
                          FGA_EXPFIT_RMAX);
      goto done;
    }
  rc = scan_degrees (scan, hist, inst, info, s, basis, R, max_score, gmax, err);

done:
  fgap_free (hist);
  fgap_mpfr_state_restore (&st);
  return rc;
}
