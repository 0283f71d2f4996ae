/* t-rf -- tests of the random-feature method rf and of fgap_rf_draw, fgap_rf_phi

   Expected values come from closed forms, from the slow MPFR reference
   fga_test_ref_attention, from the direct feature formulas fgap_rf_phi
   (the method's stabilised path is compared with them), and from
   statistics over many seeds with tolerances taken from the sample itself.

   The closed forms.  Let w ~ N(0, I_d), x, y in R^d, z = x + y, u = x - y,
   SM = exp (x^T y), and recall E exp (w^T a) = exp (||a||^2 / 2),
   E cos (w^T a) = exp (-||a||^2 / 2), E sin (w^T a) = 0.
   - pos: one term is Z = exp (w^T z - (||x||^2 + ||y||^2) / 2).
     E Z = exp (||z||^2/2 - (||x||^2 + ||y||^2)/2) = exp (x^T y) = SM.
     E Z^2 = exp (2 ||z||^2 - ||x||^2 - ||y||^2) = SM^2 exp (||z||^2),
     since SM^2 = exp (||z||^2 - ||x||^2 - ||y||^2).  So
     Var Z = SM^2 (exp (||z||^2) - 1) = exp (||z||^2) SM^2 (1 - exp (-||z||^2)),
     and the mean of m iid terms has variance
       (1/m) exp (||z||^2) SM^2 (1 - exp (-||z||^2)):
     the formula of theory/transition.md, lemma 3.
   - hyp: one term is cosh (w^T z) exp (-(||x||^2 + ||y||^2)/2) (the pair
     exp (+-w^T x) exp (+-w^T y) / 2 summed), E cosh (w^T z) = exp (||z||^2/2),
     E cosh^2 = (1 + E cosh (2 w^T z)) / 2 = (1 + exp (2 ||z||^2)) / 2, so
     Var cosh = (exp (||z||^2) - 1)^2 / 2 and the estimate has variance
       (1/2m) SM^2 exp (-||z||^2) (exp (||z||^2) - 1)^2.
   - trig: one term is cos (w^T u) exp ((||x||^2 + ||y||^2)/2) (cos a cos b
     + sin a sin b = cos (a - b)); its mean is exp (-||u||^2/2 + (||x||^2
     + ||y||^2)/2) = SM, Var cos = (1 - exp (-||u||^2))^2 / 2, and the
     estimate has variance (1/2m) SM^2 exp (-||u||^2) (exp (||u||^2) - 1)^2;
     in particular it is exact when x = y.  */

#include <config.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
# include <omp.h>
#endif

#include "testutil.h"

static const char *const kind_names[] = { "pos", "hyp", "trig" };

/* The estimate phi(x)^T phi(y) with the projections of seed.  */
static double
estimate (int kind, int orth, size_t m, size_t d, unsigned long seed, const double *x,
          const double *y, double *W, double *px, double *py)
{
  fga_error err;
  ck_assert_int_eq (fgap_rf_draw (W, m, d, orth, seed, &err), FGA_OK);
  ck_assert_int_eq (fgap_rf_phi (px, (fga_rf_kind) kind, W, m, d, x, &err), FGA_OK);
  ck_assert_int_eq (fgap_rf_phi (py, (fga_rf_kind) kind, W, m, d, y, &err), FGA_OK);
  return fga_test_dot (px, py, fgap_rf_dim ((fga_rf_kind) kind, m));
}

/* ------------------------------------------------------------------ */
/* The draw of W.  */

START_TEST (test_draw_repeat)
{
  const int orth = _i;
  const size_t m = 37, d = 6;
  double W1[37 * 6], W2[37 * 6];
  fga_error err;
  unsigned long seed = fga_test_seed ();
  ck_assert_int_eq (fgap_rf_draw (W1, m, d, orth, seed, &err), FGA_OK);
  ck_assert_int_eq (fgap_rf_draw (W2, m, d, orth, seed, &err), FGA_OK);
  ck_assert_msg (memcmp (W1, W2, sizeof W1) == 0, "orth=%d: the same seed drew different W; "
                 "FGATTN_TEST_SEED=%lu", orth, seed);
  ck_assert_int_eq (fgap_rf_draw (W2, m, d, orth, seed + 1, &err), FGA_OK);
  size_t same = 0;
  for (size_t k = 0; k < m * d; k++)
    same += W1[k] == W2[k];
  ck_assert_msg (same == 0, "orth=%d: seeds %lu and %lu share %zu entries of W", orth, seed,
                 seed + 1, same);
}
END_TEST

/* orth = 1: the rows of each block of d are orthogonal (to rounding), the
   last block is cut at m, and the rows are not all of one length (their
   norms are chi_d draws, not 1).  */
static const size_t orth_shapes[][2] = { { 1, 1 }, { 3, 1 }, { 5, 5 }, { 17, 5 }, { 64, 16 },
                                         { 7, 12 } };

START_TEST (test_draw_orthogonal)
{
  const size_t m = orth_shapes[_i][0], d = orth_shapes[_i][1];
  double *W = malloc (m * d * sizeof (double));
  fga_error err;
  ck_assert_int_eq (fgap_rf_draw (W, m, d, 1, fga_test_seed (), &err), FGA_OK);
  double nmin = INFINITY, nmax = 0;
  for (size_t a = 0; a < m; a++)
    {
      double na = sqrt (fga_test_dot (W + a * d, W + a * d, d));
      ck_assert (na > 0 && isfinite (na));
      nmin = fmin (nmin, na);
      nmax = fmax (nmax, na);
      for (size_t b = (a / d) * d; b < a; b++)
        {
          double nb = sqrt (fga_test_dot (W + b * d, W + b * d, d));
          double c = fga_test_dot (W + a * d, W + b * d, d) / (na * nb);
          ck_assert_msg (fabs (c) <= 1e-13 * d, "m=%zu d=%zu: rows %zu and %zu of one block "
                         "have cosine %g; FGATTN_TEST_SEED=%lu", m, d, a, b, c,
                         fga_test_seed ());
        }
    }
  if (m > 1)
    ck_assert_msg (nmax > nmin * (1 + 1e-6), "m=%zu d=%zu: every row has norm %g: not "
                   "rescaled by chi_d draws", m, d, nmin);
  free (W);
}
END_TEST

/* Every entry of W is N(0, 1) for both draws: the mean of the entries and
   of their squares, and the mean of the squared row norms (d), over 4096 x 8
   entries, within 4 standard errors from the sample.  */
START_TEST (test_draw_moments)
{
  const int orth = _i;
  const size_t m = 4096, d = 8, n = m * d;
  double *W = malloc (n * sizeof (double));
  fga_error err;
  ck_assert_int_eq (fgap_rf_draw (W, m, d, orth, fga_test_seed (), &err), FGA_OK);
  double s1 = 0, s2 = 0, s4 = 0;
  for (size_t k = 0; k < n; k++)
    {
      double x = W[k];
      s1 += x;
      s2 += x * x;
      s4 += x * x * x * x;
    }
  double mean = s1 / n, m2 = s2 / n, m4 = s4 / n;
  double se1 = sqrt ((m2 - mean * mean) / n), se2 = sqrt ((m4 - m2 * m2) / n);
  ck_assert_msg (fabs (mean) <= 4 * se1, "orth=%d: mean of W = %g, standard error %g; "
                 "FGATTN_TEST_SEED=%lu", orth, mean, se1, fga_test_seed ());
  ck_assert_msg (fabs (m2 - 1) <= 4 * se2, "orth=%d: mean of W^2 = %g, standard error %g; "
                 "FGATTN_TEST_SEED=%lu", orth, m2, se2, fga_test_seed ());
  free (W);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Unbiasedness and variance of one kernel entry.  */

typedef struct
{
  double x[4], y[4];
} pair_t;

static const pair_t pairs[] = {
  { { 0.4, -0.3, 0.2, 0.1 }, { 0.3, 0.5, -0.2, 0.2 } },        /* ||z||^2 = 0.62, ||u||^2 = 0.82 */
  { { 0.6, 0.4, -0.3, 0.2 }, { 0.4, 0.3, 0.1, -0.4 } },        /* x^T y = 0.25, ||z||^2 = 1.57 */
  { { 0.5, 0, 0, 0 }, { 0.5, 0, 0, 0 } },                      /* x = y: trig is exact */
};

/* The variances of the header comment, for m iid projections.  */
static double
variance (int kind, size_t m, const double *x, const double *y)
{
  double z2 = 0, u2 = 0, xy = fga_test_dot (x, y, 4);
  for (size_t k = 0; k < 4; k++)
    {
      z2 += (x[k] + y[k]) * (x[k] + y[k]);
      u2 += (x[k] - y[k]) * (x[k] - y[k]);
    }
  double sm2 = exp (2 * xy);
  switch (kind)
    {
    case FGA_RF_POS:
      return exp (z2) * sm2 * (1 - exp (-z2)) / m;
    case FGA_RF_HYP:
      return sm2 * exp (-z2) * pow (expm1 (z2), 2) / (2.0 * m);
    default:
      return sm2 * exp (-u2) * pow (expm1 (u2), 2) / (2.0 * m);
    }
}

/* Sample moments of N estimates phi(x)^T phi(y) over the seeds base + s.  */
static void
sample (double *mean, double *var, double *m4, int kind, int orth, size_t m, const pair_t *p,
        size_t N, unsigned long base)
{
  double *W = malloc (m * 4 * sizeof (double)), *px = malloc (2 * m * sizeof (double)),
    *py = malloc (2 * m * sizeof (double)), *e = malloc (N * sizeof (double));
  double s = 0;
  for (size_t k = 0; k < N; k++)
    {
      e[k] = estimate (kind, orth, m, 4, base + k, p->x, p->y, W, px, py);
      s += e[k];
    }
  *mean = s / N;
  double s2 = 0, s4 = 0;
  for (size_t k = 0; k < N; k++)
    {
      double t = (e[k] - *mean) * (e[k] - *mean);
      s2 += t;
      s4 += t * t;
    }
  *var = s2 / (N - 1);
  *m4 = s4 / N;
  free (W);
  free (px);
  free (py);
  free (e);
}

/* Every draw reseeds GMP's Mersenne Twister, which costs most of a
   millisecond: the cases below are chosen to keep the suite short.  */

typedef struct
{
  int kind, orth, pair;
} unbiased_case_t;

static const unbiased_case_t unbiased_cases[] = {
  { FGA_RF_POS, 0, 0 }, { FGA_RF_HYP, 0, 0 }, { FGA_RF_TRIG, 0, 0 },
  { FGA_RF_POS, 1, 0 }, { FGA_RF_HYP, 1, 0 }, { FGA_RF_TRIG, 1, 0 },
  { FGA_RF_POS, 0, 1 }, { FGA_RF_HYP, 1, 1 }, { FGA_RF_TRIG, 0, 1 },
};

/* The mean of 2000 estimates (seeds base .. base + 1999) is within 4
   standard errors (from the sample) of exp (x^T y).  */
START_TEST (test_unbiased)
{
  const unbiased_case_t *uc = &unbiased_cases[_i];
  const pair_t *p = &pairs[uc->pair];
  const size_t m = 8, N = 2000;
  double mean, var, m4;
  sample (&mean, &var, &m4, uc->kind, uc->orth, m, p, N,
          fga_test_seed () + 7919 * (unsigned long) _i);
  double want = exp (fga_test_dot (p->x, p->y, 4)), se = sqrt (var / N);
  ck_assert_msg (fabs (mean - want) <= 4 * se + 1e-12 * want,
                 "kind=%s orth=%d pair %d: mean of %zu estimates %.6g, exp(x^T y) = %.6g, "
                 "standard error %.3g; FGATTN_TEST_SEED=%lu", kind_names[uc->kind], uc->orth,
                 uc->pair, N, mean, want, se, fga_test_seed ());
}
END_TEST

/* The sample variance of N iid estimates matches the closed form within 4
   standard errors of the sample variance, sqrt ((mu_4 - s^4) / N), on
   pairs whose fourth moments are moderate; for x = y trig is exact.  */
typedef struct
{
  int kind, pair;
  size_t N;
} variance_case_t;

static const variance_case_t variance_cases[] = {
  { FGA_RF_POS, 0, 3000 }, { FGA_RF_HYP, 0, 3000 }, { FGA_RF_TRIG, 0, 3000 },
  { FGA_RF_TRIG, 2, 100 },
};

START_TEST (test_variance)
{
  const variance_case_t *vc = &variance_cases[_i];
  const pair_t *p = &pairs[vc->pair];
  const size_t m = 8, N = vc->N;
  double mean, var, m4;
  sample (&mean, &var, &m4, vc->kind, 0, m, p, N, fga_test_seed () + 104729 * (unsigned long) _i);
  double want = variance (vc->kind, m, p->x, p->y);
  double se = sqrt (fmax (m4 - var * var, 0) / N);
  double scale = exp (2 * fga_test_dot (p->x, p->y, 4));
  ck_assert_msg (fabs (var - want) <= 4 * se + 1e-20 * scale,
                 "kind=%s pair %d: sample variance %.6g, closed form %.6g, standard error "
                 "%.3g; FGATTN_TEST_SEED=%lu", kind_names[vc->kind], vc->pair, var, want, se,
                 fga_test_seed ());
}
END_TEST

/* ------------------------------------------------------------------ */
/* The method against the direct formulas: the stabilised path computes
   the same ratio and the same lse as fgap_rf_phi does without any scaling.  */

static void
fill (fga_mat_ptr M, double B, unsigned long *state)
{
  fga_test_fill_uniform (M, B, state);
}

/* Att~ and lse~ from fgap_rf_phi on x = tau^{1/2} q, y = tau^{1/2} k; den[i]
   the denominator and absden[i] the sum of |phi(x_i)^T phi(y_j)|.  */
static void
reference (fga_mat_ptr T, double *lse, double *den, double *absden, int kind, int orth,
           size_t m, unsigned long seed, double tau, fga_mat_srcptr Q, fga_mat_srcptr K,
           fga_mat_srcptr V)
{
  const size_t nq = Q->rows, nk = K->rows, d = Q->cols, dv = V->cols;
  const size_t M = fgap_rf_dim ((fga_rf_kind) kind, m);
  double *W = malloc (m * d * sizeof (double)), *px = malloc (M * sizeof (double)),
    *py = malloc (nk * M * sizeof (double)), *x = malloc (d * sizeof (double));
  fga_error err;
  ck_assert_int_eq (fgap_rf_draw (W, m, d, orth, seed, &err), FGA_OK);
  for (size_t j = 0; j < nk; j++)
    {
      for (size_t t = 0; t < d; t++)
        x[t] = sqrt (tau) * FGA_MAT (K, j, t);
      fgap_rf_phi (py + j * M, (fga_rf_kind) kind, W, m, d, x, &err);
    }
  for (size_t i = 0; i < nq; i++)
    {
      for (size_t t = 0; t < d; t++)
        x[t] = sqrt (tau) * FGA_MAT (Q, i, t);
      fgap_rf_phi (px, (fga_rf_kind) kind, W, m, d, x, &err);
      double s = 0, sa = 0;
      for (size_t c = 0; c < dv; c++)
        FGA_MAT (T, i, c) = 0;
      for (size_t j = 0; j < nk; j++)
        {
          double a = fga_test_dot (px, py + j * M, M);
          s += a;
          sa += fabs (a);
          for (size_t c = 0; c < dv; c++)
            FGA_MAT (T, i, c) += a * FGA_MAT (V, j, c);
        }
      for (size_t c = 0; c < dv; c++)
        FGA_MAT (T, i, c) /= s;
      den[i] = s;
      absden[i] = sa;
      if (lse != NULL)
        lse[i] = log (s);
    }
  free (W);
  free (px);
  free (py);
  free (x);
}

/* kind x orth x (m, the number of slices of the method differs) */
static const size_t simple_m[] = { 3, 40, 300 };

START_TEST (test_simple)
{
  const int kind = _i % 3, orth = (_i / 3) % 2;
  const size_t m = simple_m[_i / 6];
  const size_t nq = 6, nk = 9, d = 3, dv = 2;
  const double tau = 0.7;
  unsigned long state = fga_test_seed () + (unsigned long) _i;
  fga_mat_t Q, K, V, T, R;
  fga_mat_init (Q, nq, d, NULL);
  fga_mat_init (K, nk, d, NULL);
  fga_mat_init (V, nk, dv, NULL);
  fga_mat_init (T, nq, dv, NULL);
  fga_mat_init (R, nq, dv, NULL);
  fill (Q, kind == FGA_RF_TRIG ? 0.4 : 1.5, &state);
  fill (K, kind == FGA_RF_TRIG ? 0.4 : 1.5, &state);
  fill (V, 1, &state);
  double lse[6], rlse[6], den[6], absden[6];
  unsigned long seed = fga_test_seed () % 100000 + 3;
  char spec[128];
  snprintf (spec, sizeof spec, "rf:m=%zu,kind=%s,orth=%d,seed=%lu", m, kind_names[kind], orth,
            seed);
  fga_problem prob;
  fga_test_problem (&prob, nq, nk, d, dv, tau);
  fga_method me = fga_test_make_method (spec, &prob);
  fga_error err;
  fga_stats st;
  reference (R, rlse, den, absden, kind, orth, m, seed, tau, Q, K, V);
  /* a row whose denominator is not positive (trig, some seeds) has no lse:
     the lse request is refused, and the output is compared without it */
  int neg = 0, maybe = 0;
  for (size_t i = 0; i < nq; i++)
    {
      neg |= !(den[i] > 1e-10 * absden[i]);
      maybe |= !(den[i] > -1e-10 * absden[i]);
    }
  int rc = fga_method_run (me, T, lse, Q, K, V, &st, &err);
  ck_assert_msg (rc == FGA_OK ? !maybe : rc == FGA_ERR_COMPUTE && neg, "%s: rc %d (%s), but "
                 "the direct formulas %s a non-positive denominator; FGATTN_TEST_SEED=%lu",
                 spec, rc, rc == FGA_OK ? "" : err.msg, maybe ? "have" : "have no",
                 fga_test_seed ());
  int have_lse = rc == FGA_OK;
  if (!have_lse)
    ck_assert_int_eq (fga_method_run (me, T, NULL, Q, K, V, &st, &err), FGA_OK);
  size_t compared = 0, nonpos = 0;
  for (size_t i = 0; i < nq; i++)
    {
      nonpos += !(den[i] > 0);
      /* a ratio is as well conditioned as its denominator is far from 0 */
      if (!(den[i] > 0.05 * absden[i]))
        continue;
      compared++;
      for (size_t c = 0; c < dv; c++)
        ck_assert_msg (fabs (FGA_MAT (T, i, c) - FGA_MAT (R, i, c)) <= 1e-12,
                       "%s: T[%zu][%zu] = %.17g, direct formulas %.17g; FGATTN_TEST_SEED=%lu",
                       spec, i, c, FGA_MAT (T, i, c), FGA_MAT (R, i, c), fga_test_seed ());
      if (have_lse)
        ck_assert_msg (fabs (lse[i] - rlse[i]) <= 1e-12 * fmax (1, fabs (rlse[i])),
                       "%s: lse[%zu] = %.17g, direct formulas %.17g; FGATTN_TEST_SEED=%lu",
                       spec, i, lse[i], rlse[i], fga_test_seed ());
    }
  ck_assert_msg (compared + 1 >= nq, "%s: only %zu of %zu rows well conditioned", spec,
                 compared, nq);
  ck_assert_msg (fga_stats_get (&st, "nonpos_rows") == (double) nonpos,
                 "%s: nonpos_rows = %g, direct formulas %zu", spec,
                 fga_stats_get (&st, "nonpos_rows"), nonpos);
  fga_method_destroy (me);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
  fga_mat_clear (R);
}
END_TEST

/* trig with one projection: about half the denominators are negative.  The
   method counts them as the direct formulas do (up to rows whose sign
   rounding could decide), and says so in the notes; pos never has any.  */
START_TEST (test_nonpos)
{
  const int kind = _i == 0 ? FGA_RF_TRIG : FGA_RF_POS;
  const size_t nq = 64, nk = 8, d = 4, dv = 1, m = 1;
  unsigned long state = fga_test_seed () + 17;
  fga_mat_t Q, K, V, T, R;
  fga_mat_init (Q, nq, d, NULL);
  fga_mat_init (K, nk, d, NULL);
  fga_mat_init (V, nk, dv, NULL);
  fga_mat_init (T, nq, dv, NULL);
  fga_mat_init (R, nq, dv, NULL);
  fill (Q, 2, &state);
  fill (K, 2, &state);
  fill (V, 1, &state);
  double den[64], absden[64];
  char spec[128];
  snprintf (spec, sizeof spec, "rf:m=1,kind=%s,seed=5", kind_names[kind]);
  fga_problem prob;
  fga_test_problem (&prob, nq, nk, d, dv, 1.0);
  fga_method me = fga_test_make_method (spec, &prob);
  fga_error err;
  fga_stats st;
  ck_assert_int_eq (fga_method_run (me, T, NULL, Q, K, V, &st, &err), FGA_OK);
  reference (R, NULL, den, absden, kind, 0, m, 5, 1.0, Q, K, V);
  size_t want = 0, unsure = 0;
  for (size_t i = 0; i < nq; i++)
    {
      want += !(den[i] > 0);
      unsure += fabs (den[i]) <= 1e-10 * absden[i];
    }
  double got = fga_stats_get (&st, "nonpos_rows");
  ck_assert_msg (fabs (got - (double) want) <= (double) unsure, "%s: nonpos_rows = %g, direct "
                 "formulas %zu (%zu too close to 0 to tell)", spec, got, want, unsure);
  if (kind == FGA_RF_TRIG)
    {
      ck_assert_msg (want > 0, "%s: no negative denominator: the case tests nothing", spec);
      ck_assert_msg (strstr (st.notes, "non-positive") != NULL, "%s: notes '%s'", spec,
                     st.notes);
    }
  else
    {
      ck_assert (got == 0);
      ck_assert_str_eq (st.notes, "");
    }
  fga_method_destroy (me);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
  fga_mat_clear (R);
}
END_TEST

/* The same instance with lse asked for: a non-positive denominator has no
   log-sum-exp, so trig refuses the request, naming the first row the
   direct formulas find non-positive (skipped when a row before it is too
   close to 0 to tell its sign), and leaves nothing NaN behind an FGA_OK;
   pos returns every lse, equal to the direct formulas' log (den).  */
START_TEST (test_nonpos_lse)
{
  const int kind = _i == 0 ? FGA_RF_TRIG : FGA_RF_POS;
  const size_t nq = 64, nk = 8, d = 4, dv = 1;
  unsigned long state = fga_test_seed () + 17;
  fga_mat_t Q, K, V, T, R;
  fga_mat_init (Q, nq, d, NULL);
  fga_mat_init (K, nk, d, NULL);
  fga_mat_init (V, nk, dv, NULL);
  fga_mat_init (T, nq, dv, NULL);
  fga_mat_init (R, nq, dv, NULL);
  fill (Q, 2, &state);
  fill (K, 2, &state);
  fill (V, 1, &state);
  double den[64], absden[64], lse[64], rlse[64];
  char spec[128];
  snprintf (spec, sizeof spec, "rf:m=1,kind=%s,seed=5", kind_names[kind]);
  fga_problem prob;
  fga_test_problem (&prob, nq, nk, d, dv, 1.0);
  fga_method me = fga_test_make_method (spec, &prob);
  fga_error err;
  fga_error_init (&err);
  fga_stats st;
  reference (R, rlse, den, absden, kind, 0, 1, 5, 1.0, Q, K, V);
  size_t first = nq;
  int sure = 1;
  for (size_t i = 0; i < nq && first == nq; i++)
    {
      sure &= fabs (den[i]) > 1e-10 * absden[i];
      if (!(den[i] > 0))
        first = i;
    }
  int rc = fga_method_run (me, T, lse, Q, K, V, &st, &err);
  if (kind == FGA_RF_TRIG)
    {
      ck_assert_msg (first < nq, "%s: no negative denominator: the case tests nothing", spec);
      ck_assert_msg (rc == FGA_ERR_COMPUTE, "%s: lse with row %zu's denominator %g accepted",
                     spec, first, den[first]);
      char want[64];
      snprintf (want, sizeof want, "denominator of query row %zu is not positive", first);
      ck_assert_msg (!sure || strstr (err.msg, want) != NULL, "%s: message '%s' lacks '%s'",
                     spec, err.msg, want);
      ck_assert_msg (strstr (err.msg, "without lse") != NULL, "%s: message '%s'", spec,
                     err.msg);
    }
  else
    {
      ck_assert_msg (rc == FGA_OK, "%s: %s", spec, err.msg);
      for (size_t i = 0; i < nq; i++)
        ck_assert_msg (isfinite (lse[i]) && fabs (lse[i] - rlse[i]) <= 1e-12 * fmax (1, fabs
                                                                                    (rlse[i])),
                       "%s: lse[%zu] = %.17g, direct formulas %.17g", spec, i, lse[i], rlse[i]);
    }
  fga_method_destroy (me);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
  fga_mat_clear (R);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The error against exact attention.  */

#define ERR_N 128
#define ERR_D 8

typedef struct
{
  fga_instance_t inst;
  fga_mat_t truth;
  fga_problem prob;
} err_case_t;

static void
err_case_init (err_case_t *c)
{
  fga_error err;
  fga_instance_init (c->inst);
  ck_assert_int_eq (fga_instance_generate (c->inst, ERR_N, ERR_N, ERR_D, ERR_D, 1.0, 1.0,
                                           FGA_DIST_UNIFORM, fga_test_seed (), &err), FGA_OK);
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_problem_from_instance (&c->prob, c->inst, &tau);
  fga_mat_init (c->truth, ERR_N, ERR_D, NULL);
  fga_test_ref_attention (c->truth, NULL, c->inst->Q, c->inst->K, c->inst->V, 1.0 / ERR_D, 128);
}

static void
err_case_clear (err_case_t *c)
{
  fga_instance_clear (c->inst);
  fga_mat_clear (c->truth);
}

/* The mean over nseeds seeds of the relative Frobenius error of rf.  */
static double
mean_error (err_case_t *c, size_t m, int kind, int orth, size_t nseeds, unsigned long base)
{
  fga_mat_t T;
  fga_mat_init (T, ERR_N, ERR_D, NULL);
  double sum = 0;
  for (size_t s = 0; s < nseeds; s++)
    {
      char spec[128];
      snprintf (spec, sizeof spec, "rf:m=%zu,kind=%s,orth=%d,seed=%lu", m, kind_names[kind],
                orth, base + s);
      fga_method me = fga_test_make_method (spec, &c->prob);
      fga_error err;
      ck_assert_int_eq (fga_method_run (me, T, NULL, c->inst->Q, c->inst->K, c->inst->V, NULL,
                                        &err), FGA_OK);
      fga_metrics mt;
      ck_assert_int_eq (fga_metrics_compute (&mt, c->truth, T, &err), FGA_OK);
      sum += mt.rel_fro;
      fga_method_destroy (me);
    }
  fga_mat_clear (T);
  return sum / nseeds;
}

/* The least-squares slope of log (mean error) against log m over
   m = 64, 128, ..., 4096 (8 seeds each) is -1/2 within 0.15.  */
START_TEST (test_error_slope)
{
  const int kind = _i;
  err_case_t c;
  err_case_init (&c);
  double sx = 0, sy = 0, sxx = 0, sxy = 0, e[7];
  int n = 0;
  for (size_t m = 64; m <= 4096; m *= 2, n++)
    {
      e[n] = mean_error (&c, m, kind, 0, 8, fga_test_seed () % 1000000 + 1000 * m);
      double x = log ((double) m), y = log (e[n]);
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
  double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  ck_assert_msg (slope >= -0.65 && slope <= -0.35, "kind=%s: error ~ m^%.3f (errors %.3g at "
                 "m=64 .. %.3g at m=4096), expected m^-0.5; FGATTN_TEST_SEED=%lu",
                 kind_names[kind], slope, e[0], e[n - 1], fga_test_seed ());
  err_case_clear (&c);
}
END_TEST

/* Orthogonal projections have no larger error than iid ones on average
   (32 seeds), at m = 64 and 256.  */
START_TEST (test_orth_no_worse)
{
  const int kind = _i % 3;
  const size_t m = _i < 3 ? 64 : 256;
  err_case_t c;
  err_case_init (&c);
  unsigned long base = fga_test_seed () % 1000000 + 77;
  double iid = mean_error (&c, m, kind, 0, 32, base);
  double orth = mean_error (&c, m, kind, 1, 32, base);
  ck_assert_msg (orth <= iid, "kind=%s m=%zu: mean error orth=1 %.4g > orth=0 %.4g; "
                 "FGATTN_TEST_SEED=%lu", kind_names[kind], m, orth, iid, fga_test_seed ());
  err_case_clear (&c);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Reproducibility.  */

static void
run_into (fga_method me, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
          fga_mat_srcptr V, fga_stats *st)
{
  fga_error err;
  int rc = fga_method_run (me, T, lse, Q, K, V, st, &err);
  ck_assert_msg (rc == FGA_OK, "%s: %s", fga_method_spec (me), err.msg);
}

/* The same seed gives the same bits: the same object run twice, another
   object of the same spec, one thread or two; another seed differs.  The
   shape has several key slices and query blocks.  */
START_TEST (test_repeat)
{
  const int kind = _i % 3, orth = _i / 3;
  const size_t nq = 300, nk = 280, d = 16, dv = 4, m = 600;
  unsigned long state = fga_test_seed () + 99;
  fga_mat_t Q, K, V, T1, T2, T3;
  fga_mat_init (Q, nq, d, NULL);
  fga_mat_init (K, nk, d, NULL);
  fga_mat_init (V, nk, dv, NULL);
  fga_mat_init (T1, nq, dv, NULL);
  fga_mat_init (T2, nq, dv, NULL);
  fga_mat_init (T3, nq, dv, NULL);
  fill (Q, 1, &state);
  fill (K, 1, &state);
  fill (V, 1, &state);
  double l1[300], l2[300];
  fga_problem prob;
  fga_test_problem (&prob, nq, nk, d, dv, 1.0 / d);
  char spec[128];
  snprintf (spec, sizeof spec, "rf:m=%zu,kind=%s,orth=%d,seed=42", m, kind_names[kind], orth);
  fga_method a = fga_test_make_method (spec, &prob), b = fga_test_make_method (spec, &prob);
  fga_stats st;
  size_t bytes = nq * dv * sizeof (double);

#ifdef _OPENMP
  int saved = omp_get_max_threads ();
  omp_set_num_threads (2);
#endif
  run_into (a, T1, l1, Q, K, V, &st);
#ifdef _OPENMP
  ck_assert_msg (st.threads == 2, "%s ran on %d threads, not 2: the comparison of thread "
                 "counts tests nothing", spec, st.threads);
#endif
  ck_assert (fga_stats_get (&st, "slice") < m && fga_stats_get (&st, "block") < nq);
  run_into (a, T2, l2, Q, K, V, NULL);
  ck_assert_msg (memcmp (T1->data, T2->data, bytes) == 0 && memcmp (l1, l2, sizeof l1) == 0,
                 "%s: two runs of one object differ", spec);
  run_into (b, T2, NULL, Q, K, V, NULL);
  ck_assert_msg (memcmp (T1->data, T2->data, bytes) == 0,
                 "%s: two objects of one spec differ", spec);
  /* prepared again: the draws are made again, the same */
  fga_error err;
  ck_assert_int_eq (fga_method_prepare (b, &prob, &err), FGA_OK);
  run_into (b, T2, NULL, Q, K, V, NULL);
  ck_assert_msg (memcmp (T1->data, T2->data, bytes) == 0, "%s: prepared again, differs", spec);
#ifdef _OPENMP
  omp_set_num_threads (1);
  run_into (a, T2, NULL, Q, K, V, &st);
  ck_assert_int_eq (st.threads, 1);
  ck_assert_msg (memcmp (T1->data, T2->data, bytes) == 0, "%s: one thread and two differ",
                 spec);
  omp_set_num_threads (saved);
#endif

  snprintf (spec, sizeof spec, "rf:m=%zu,kind=%s,orth=%d,seed=43", m, kind_names[kind], orth);
  fga_method c = fga_test_make_method (spec, &prob);
  run_into (c, T3, NULL, Q, K, V, NULL);
  size_t same = 0;
  for (size_t k = 0; k < nq * dv; k++)
    same += T1->data[k] == T3->data[k];
  ck_assert_msg (same < nq * dv / 100, "%s: seeds 42 and 43 agree on %zu of %zu entries", spec,
                 same, nq * dv);
  fga_method_destroy (a);
  fga_method_destroy (b);
  fga_method_destroy (c);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T1);
  fga_mat_clear (T2);
  fga_mat_clear (T3);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Stabilisation: large scores.  Q and K are scaled so that max |S_ij| is
   the target; exp (S) overflows in double from 710 on.  Outputs must be
   finite, and for pos and hyp every output is a weighted mean of V (the
   weights phi(x)^T phi(y_j) are positive), so it lies between the column's
   extremes.  */

static const double targets[] = { 50, 300, 2000 };

START_TEST (test_large_scores)
{
  const int kind = _i % 3;
  const double target = targets[_i / 3];
  const size_t nq = 32, nk = 48, d = 16, dv = 3;
  const double tau = 1.0 / d;
  unsigned long state = fga_test_seed () + 1234;
  fga_mat_t Q, K, V, T;
  fga_mat_init (Q, nq, d, NULL);
  fga_mat_init (K, nk, d, NULL);
  fga_mat_init (V, nk, dv, NULL);
  fga_mat_init (T, nq, dv, NULL);
  fill (Q, 1, &state);
  fill (K, 1, &state);
  fill (V, 1, &state);
  double smax = 0;
  for (size_t i = 0; i < nq; i++)
    for (size_t j = 0; j < nk; j++)
      smax = fmax (smax, fabs (tau * fga_test_dot (&FGA_MAT (Q, i, 0), &FGA_MAT (K, j, 0), d)));
  double a = sqrt (target / smax);
  for (size_t k = 0; k < nq * d; k++)
    Q->data[k] *= a;
  for (size_t k = 0; k < nk * d; k++)
    K->data[k] *= a;
  if (target > 710)
    ck_assert (isinf (exp (target)));

  double lse[32];
  fga_problem prob;
  fga_test_problem (&prob, nq, nk, d, dv, tau);
  char spec[128];
  snprintf (spec, sizeof spec, "rf:m=64,kind=%s", kind_names[kind]);
  fga_method me = fga_test_make_method (spec, &prob);
  fga_stats st;
  /* trig's denominators may be negative here: it has no lse then */
  run_into (me, T, kind != FGA_RF_TRIG ? lse : NULL, Q, K, V, &st);
  for (size_t c = 0; c < dv; c++)
    {
      double lo = INFINITY, hi = -INFINITY;
      for (size_t j = 0; j < nk; j++)
        {
          lo = fmin (lo, FGA_MAT (V, j, c));
          hi = fmax (hi, FGA_MAT (V, j, c));
        }
      for (size_t i = 0; i < nq; i++)
        {
          double t = FGA_MAT (T, i, c);
          ck_assert_msg (isfinite (t), "%s, max|S| = %g: T[%zu][%zu] = %g", spec, target, i, c,
                         t);
          if (kind != FGA_RF_TRIG)
            ck_assert_msg (t >= lo - 1e-12 && t <= hi + 1e-12, "%s, max|S| = %g: T[%zu][%zu] = "
                           "%.17g outside [%g, %g]", spec, target, i, c, t, lo, hi);
        }
    }
  if (kind != FGA_RF_TRIG)
    {
      ck_assert (fga_stats_get (&st, "nonpos_rows") == 0);
      for (size_t i = 0; i < nq; i++)
        ck_assert_msg (isfinite (lse[i]), "%s, max|S| = %g: lse[%zu] = %g", spec, target, i,
                       lse[i]);
    }
  fga_method_destroy (me);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* Every key opposite every query, ||x|| = ||y|| = s: the exponents of the
   query features reach +s max_l w_l1 and those of the keys -s min_l w_l1
   - s^2/2, so one maximum over all keys would leave every product at
   exp (-s (max w - min w)), below the double range for s = 150 (0/0).  The
   per-feature key scales keep the denominator >= 1.  Both keys have the
   same exact score, so the truth is the mean of their values.  */
START_TEST (test_opposite)
{
  const int kind = _i;           /* pos or hyp */
  const double s = 150;
  fga_mat_t Q, K, V, T;
  fga_mat_init (Q, 1, 2, NULL);
  fga_mat_init (K, 2, 2, NULL);
  fga_mat_init (V, 2, 1, NULL);
  fga_mat_init (T, 1, 1, NULL);
  FGA_MAT (Q, 0, 0) = s;
  FGA_MAT (K, 0, 0) = -s;
  FGA_MAT (K, 1, 0) = -s;
  FGA_MAT (K, 1, 1) = 1e-3;
  FGA_MAT (V, 0, 0) = 0;
  FGA_MAT (V, 1, 0) = 1;
  fga_problem prob;
  fga_test_problem (&prob, 1, 2, 2, 1, 1.0);
  char spec[128];
  snprintf (spec, sizeof spec, "rf:m=256,kind=%s", kind_names[kind]);
  fga_method me = fga_test_make_method (spec, &prob);
  fga_stats st;
  double lse;
  run_into (me, T, &lse, Q, K, V, &st);
  double t = FGA_MAT (T, 0, 0);
  ck_assert_msg (isfinite (t) && t >= 0 && t <= 1, "%s: T = %g", spec, t);
  ck_assert_msg (isfinite (lse), "%s: lse = %g", spec, lse);
  fga_method_destroy (me);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Counts and stats.  */

typedef struct
{
  size_t nq, nk, d, dv, m;
  int kind, orth, lse;
} count_case_t;

static const count_case_t count_cases[] = {
  { 5, 7, 3, 2, 10, FGA_RF_POS, 0, 0 },
  { 5, 7, 3, 2, 10, FGA_RF_HYP, 1, 1 },
  { 33, 17, 1, 1, 3, FGA_RF_TRIG, 0, 1 },
  { 40, 300, 4, 3, 300, FGA_RF_POS, 0, 1 },
  { 40, 300, 4, 3, 300, FGA_RF_HYP, 1, 0 },
  { 70, 20, 5, 1, 700, FGA_RF_TRIG, 0, 1 },
  { 300, 10, 2, 2, 700, FGA_RF_POS, 1, 1 },
  { 1, 1, 1, 1, 1, FGA_RF_HYP, 0, 1 },
};

/* The counts of the header of src/methods/rf.c, restated.  */
START_TEST (test_counts)
{
  const count_case_t *cc = &count_cases[_i];
  const uint64_t nq = cc->nq, nk = cc->nk, d = cc->d, dv = cc->dv, m = cc->m;
  const uint64_t f = cc->kind == FGA_RF_POS ? 1 : 2, M = f * m, ld = dv + 1, L = cc->lse;
  const int trig = cc->kind == FGA_RF_TRIG;
  uint64_t mul = nk * (d + 1) + (nk + nq) * m * d + M * ld * (nk + nq) + L * nq * (d + 1)
    + (trig ? 2 * nk * m : 0);
  uint64_t add = nk * (d - 1) + (nk + nq) * m * (d - 1) + M * ld * (nk - 1) + nq * ld * (M - 1)
    + L * nq * (d + 2) + (trig ? nk : 2 * M * (nk + nq));
  uint64_t ex = M * (nk + nq) + L * nq + (trig ? nk : 0);
  uint64_t div = nq * dv;
  uint64_t cmp = trig ? nk - 1 : M * (nk - 1) + nq * (M - 1);

  unsigned long state = fga_test_seed () + 5;
  fga_mat_t Q, K, V, T;
  fga_mat_init (Q, nq, d, NULL);
  fga_mat_init (K, nk, d, NULL);
  fga_mat_init (V, nk, dv, NULL);
  fga_mat_init (T, nq, dv, NULL);
  /* trig with small scores, so that no denominator can be negative and
     lse is returned whatever the seed */
  fill (Q, trig ? 0.1 : 1, &state);
  fill (K, trig ? 0.1 : 1, &state);
  fill (V, 1, &state);
  double *lse = cc->lse ? malloc (nq * sizeof (double)) : NULL;
  fga_problem prob;
  fga_test_problem (&prob, nq, nk, d, dv, 0.5);
  char spec[128];
  snprintf (spec, sizeof spec, "rf:m=%zu,kind=%s,orth=%d,seed=9", cc->m, kind_names[cc->kind],
            cc->orth);
  fga_method me = fga_test_make_method (spec, &prob);
  fga_stats st;
  run_into (me, T, lse, Q, K, V, &st);
  ck_assert_msg (st.n_mul == mul, "%s: mul %llu, expected %llu", spec,
                 (unsigned long long) st.n_mul, (unsigned long long) mul);
  ck_assert_msg (st.n_add == add, "%s: add %llu, expected %llu", spec,
                 (unsigned long long) st.n_add, (unsigned long long) add);
  ck_assert_msg (st.n_exp == ex, "%s: exp %llu, expected %llu", spec,
                 (unsigned long long) st.n_exp, (unsigned long long) ex);
  ck_assert_msg (st.n_div == div, "%s: div %llu, expected %llu", spec,
                 (unsigned long long) st.n_div, (unsigned long long) div);
  ck_assert_msg (st.n_cmp == cmp, "%s: cmp %llu, expected %llu", spec,
                 (unsigned long long) st.n_cmp, (unsigned long long) cmp);
  /* at least W, [V 1], Phi_K^T [V 1] */
  ck_assert (st.peak_bytes >= (m * d + nk * ld + M * ld) * sizeof (double));
  ck_assert (fga_stats_get (&st, "m") == (double) m);
  ck_assert (fga_stats_get (&st, "features") == (double) M);
  ck_assert (fga_stats_get (&st, "kind") == (double) cc->kind);
  ck_assert (fga_stats_get (&st, "orth") == (double) cc->orth);
  ck_assert (fga_stats_get (&st, "seed") == 9);
  ck_assert (!isnan (fga_stats_get (&st, "nonpos_rows")));
  ck_assert_str_eq (fga_method_spec (me), spec);
  free (lse);
  fga_method_destroy (me);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

START_TEST (test_default_spec)
{
  fga_error err;
  fga_method me = fga_method_create ("rf", &err);
  ck_assert_ptr_nonnull (me);
  ck_assert_str_eq (fga_method_spec (me), "rf:m=256,kind=pos,orth=0,seed=1");
  fga_method_destroy (me);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Bad parameters and input.  */

typedef struct
{
  const char *spec;
  const char *says;             /* the message must contain this */
} bad_spec_t;

static const bad_spec_t bad_specs[] = {
  { "rf:m=0", "m=0" },
  { "rf:m=-5", "m=-5" },
  { "rf:m=1.5", "m=1.5" },
  { "rf:m=2000000", "m=2000000" },
  { "rf:m=", "'m'" },
  { "rf:kind=gauss", "kind=gauss" },
  { "rf:orth=2", "orth=2" },
  { "rf:orth=yes", "orth=yes" },
  { "rf:seed=-1", "seed=-1" },
  { "rf:seed=1e99", "seed=1e99" },
  { "rf:m=600000,kind=hyp", "2m = 1200000" },
  { "rf:kind=trig,m=524289", "m <= 524288" },
  { "rf:mm=3", "'mm'" },
  { "rf:m=4,m=5", "twice" },
  { "rf:m", "key=value" },
};

START_TEST (test_bad_spec)
{
  fga_error err;
  fga_error_init (&err);
  fga_method me = fga_method_create (bad_specs[_i].spec, &err);
  ck_assert_msg (me == NULL, "%s was accepted", bad_specs[_i].spec);
  ck_assert_int_eq (err.code, FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, bad_specs[_i].says) != NULL, "%s: message '%s' does not say "
                 "'%s'", bad_specs[_i].spec, err.msg, bad_specs[_i].says);
}
END_TEST

/* The edges of the ranges are accepted.  */
static const char *const good_specs[] = {
  "rf:m=1", "rf:m=1048576", "rf:m=524288,kind=hyp", "rf:orth=1,kind=trig", "rf:seed=0",
  "rf:seed=9007199254740991",
};

START_TEST (test_good_spec)
{
  fga_error err;
  fga_method me = fga_method_create (good_specs[_i], &err);
  ck_assert_msg (me != NULL, "%s: %s", good_specs[_i], err.msg);
  fga_method_destroy (me);
}
END_TEST

/* ------------------------------------------------------------------ */
/* V near the ends of the double range (kernels/attention-util.h): the
   weighted sums are made on V 2^-e and T multiplied back by 2^e.  The
   direct formulas on V of ordinary size, times 2^s, are the expected
   output on V 2^s; for pos and hyp also the clamp to max|V| keeps
   V = +-DBL_MAX from rounding to Inf.  */
static const int huge_v_scale[] = { 1023, 1000, -1000, -1040 };

START_TEST (test_huge_v)
{
  const int kind = _i % 3, s = huge_v_scale[_i / 3];
  const size_t nq = 6, nk = 40, d = 3, dv = 2, m = 32;
  const double tau = 0.5;
  unsigned long state = fga_test_seed () + 400 + (unsigned long) _i;
  fga_mat_t Q, K, V, Vs, T, R;
  fga_mat_init (Q, nq, d, NULL);
  fga_mat_init (K, nk, d, NULL);
  fga_mat_init (V, nk, dv, NULL);
  fga_mat_init (Vs, nk, dv, NULL);
  fga_mat_init (T, nq, dv, NULL);
  fga_mat_init (R, nq, dv, NULL);
  fill (Q, kind == FGA_RF_TRIG ? 0.4 : 1, &state);
  fill (K, kind == FGA_RF_TRIG ? 0.4 : 1, &state);
  fill (V, 1, &state);
  for (size_t x = 0; x < nk * dv; x++)
    {
      Vs->data[x] = ldexp (V->data[x], s);
      V->data[x] = ldexp (Vs->data[x], -s);     /* exactly V_s 2^-s */
    }
  double den[6], absden[6], vmax = fga_mat_max_abs (Vs);
  char spec[128];
  snprintf (spec, sizeof spec, "rf:m=%zu,kind=%s,seed=9", m, kind_names[kind]);
  fga_problem prob;
  fga_test_problem (&prob, nq, nk, d, dv, tau);
  fga_method me = fga_test_make_method (spec, &prob);
  fga_error err;
  ck_assert_msg (fga_method_run (me, T, NULL, Q, K, Vs, NULL, &err) == FGA_OK, "%s, V 2^%d: %s",
                 spec, s, err.msg);
  reference (R, NULL, den, absden, kind, 0, m, 9, tau, Q, K, V);
  for (size_t i = 0; i < nq; i++)
    {
      if (!(fabs (den[i]) > 0.05 * absden[i]))
        continue;
      for (size_t c = 0; c < dv; c++)
        {
          double got = FGA_MAT (T, i, c), want = ldexp (FGA_MAT (R, i, c), s);
          ck_assert_msg (isfinite (got) && fabs (got - want) <= 1e-12 * vmax + 0x1p-1074,
                         "%s, V 2^%d: T[%zu][%zu] = %.17g, direct formulas %.17g; "
                         "FGATTN_TEST_SEED=%lu", spec, s, i, c, got, want, fga_test_seed ());
        }
    }
  /* every value DBL_MAX: pos and hyp return DBL_MAX or just below */
  if (kind != FGA_RF_TRIG)
    {
      for (size_t x = 0; x < nk * dv; x++)
        Vs->data[x] = DBL_MAX;
      ck_assert_int_eq (fga_method_run (me, T, NULL, Q, K, Vs, NULL, &err), FGA_OK);
      for (size_t x = 0; x < nq * dv; x++)
        ck_assert_msg (T->data[x] <= DBL_MAX && T->data[x] >= DBL_MAX * (1 - 1e-12),
                       "%s: T = %.17g for V = DBL_MAX", spec, T->data[x]);
    }
  fga_method_destroy (me);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (Vs);
  fga_mat_clear (T);
  fga_mat_clear (R);
}
END_TEST

/* NaN and Inf in the input are refused before any work, naming the matrix;
   entries whose feature exponents overflow are a computation failure, in
   either sign: a key whose norm overflows (case 5) is not a key of weight
   0, and the query q = -DBL_MAX (1, 1) (case 6) has projections
   w^T x that overflow.  */
START_TEST (test_bad_input)
{
  const size_t nq = 3, nk = 4, d = 2, dv = 1;
  fga_mat_t Q, K, V, T;
  fga_mat_init (Q, nq, d, NULL);
  fga_mat_init (K, nk, d, NULL);
  fga_mat_init (V, nk, dv, NULL);
  fga_mat_init (T, nq, dv, NULL);
  fga_problem prob;
  fga_test_problem (&prob, nq, nk, d, dv, 1.0);
  fga_method me = fga_test_make_method ("rf:m=64", &prob);
  fga_error err;
  const char *says;
  int want;
  switch (_i)
    {
    case 0:
      FGA_MAT (Q, 1, 1) = NAN;
      says = "Q: entry (1, 1) is NaN";
      want = FGA_ERR_INPUT;
      break;
    case 1:
      FGA_MAT (K, 3, 0) = -INFINITY;
      says = "K: entry (3, 0) is -Inf";
      want = FGA_ERR_INPUT;
      break;
    case 2:
      FGA_MAT (V, 2, 0) = INFINITY;
      says = "V: entry (2, 0) is +Inf";
      want = FGA_ERR_INPUT;
      break;
    case 3:
      for (size_t j = 0; j < nk; j++)
        FGA_MAT (K, j, 0) = 1e300;
      says = "key features overflow";
      want = FGA_ERR_COMPUTE;
      break;
    case 4:
      FGA_MAT (Q, 2, 0) = 1.5e308;
      FGA_MAT (Q, 2, 1) = 1.5e308;
      FGA_MAT (K, 0, 0) = 1;
      says = "query row 2";
      want = FGA_ERR_COMPUTE;
      break;
    case 5:
      FGA_MAT (K, 1, 0) = 1e160;
      FGA_MAT (K, 0, 0) = 1;
      says = "key features overflow";
      want = FGA_ERR_COMPUTE;
      break;
    default:
      FGA_MAT (Q, 1, 0) = -DBL_MAX;
      FGA_MAT (Q, 1, 1) = -DBL_MAX;
      FGA_MAT (K, 0, 0) = 1;
      FGA_MAT (K, 2, 1) = -1;
      says = "query row 1";
      want = FGA_ERR_COMPUTE;
      break;
    }
  int rc = fga_method_run (me, T, NULL, Q, K, V, NULL, &err);
  ck_assert_int_eq (rc, want);
  ck_assert_msg (strstr (err.msg, says) != NULL, "message '%s' does not say '%s'", err.msg,
                 says);
  fga_method_destroy (me);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

START_TEST (test_bad_helpers)
{
  double W[16], phi[16], x[2] = { 0, 0 };
  fga_error err;
  ck_assert_int_eq (fgap_rf_draw (W, 0, 2, 0, 1, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "m = 0"));
  ck_assert_int_eq (fgap_rf_draw (W, 2, 0, 0, 1, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fgap_rf_draw (W, 2, 2, 2, 1, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "orth = 2"));
  ck_assert_int_eq (fgap_rf_draw (NULL, 2, 2, 0, 1, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fgap_rf_draw (W, 1, 5000, 1, 1, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fgap_rf_phi (phi, (fga_rf_kind) 3, W, 2, 2, x, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fgap_rf_phi (phi, FGA_RF_POS, W, 0, 2, x, &err), FGA_ERR_INPUT);
  ck_assert_uint_eq (fgap_rf_dim (FGA_RF_POS, 5), 5);
  ck_assert_uint_eq (fgap_rf_dim (FGA_RF_HYP, 5), 10);
  ck_assert_uint_eq (fgap_rf_dim (FGA_RF_TRIG, 5), 10);
}
END_TEST

/* Allocation failures at every point of create, prepare and run give
   FGA_ERR_NOMEM (never a crash), and nothing stays allocated.  */
static int alloc_left, alloc_live;

static void *
failing_alloc (size_t bytes)
{
  if (alloc_left-- <= 0)
    return NULL;
  void *p = malloc (bytes);
  alloc_live += p != NULL;
  return p;
}

static void
counting_free (void *p)
{
  alloc_live -= p != NULL;
  free (p);
}

START_TEST (test_nomem)
{
  const size_t nq = 20, nk = 30, d = 4, dv = 2;
  unsigned long state = fga_test_seed ();
  fga_mat_t Q, K, V, T;
  fga_mat_init (Q, nq, d, NULL);
  fga_mat_init (K, nk, d, NULL);
  fga_mat_init (V, nk, dv, NULL);
  fga_mat_init (T, nq, dv, NULL);
  fill (Q, 1, &state);
  fill (K, 1, &state);
  fill (V, 1, &state);
  fga_problem prob;
  fga_test_problem (&prob, nq, nk, d, dv, 0.25);
  int succeeded = 0;
  for (int budget = 0; budget < 40 && !succeeded; budget++)
    {
      fga_error err;
      alloc_left = budget;
      alloc_live = 0;
      fga_set_alloc_hooks (failing_alloc, counting_free);
      int rc = FGA_ERR_NOMEM;
      fga_method me = fga_method_create ("rf:m=40,kind=hyp,orth=1", &err);
      if (me != NULL)
        {
          rc = fga_method_prepare (me, &prob, &err);
          if (rc == FGA_OK)
            rc = fga_method_run (me, T, NULL, Q, K, V, NULL, &err);
          fga_method_destroy (me);
        }
      else
        ck_assert_int_eq (err.code, FGA_ERR_NOMEM);
      fga_set_alloc_hooks (NULL, NULL);
      ck_assert_msg (rc == FGA_OK || rc == FGA_ERR_NOMEM, "budget %d: status %d (%s)", budget,
                     rc, err.msg);
      ck_assert_msg (alloc_live == 0, "budget %d: %d blocks left allocated", budget,
                     alloc_live);
      succeeded = rc == FGA_OK;
    }
  ck_assert (succeeded);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

static Suite *
rf_suite (void)
{
  Suite *s = suite_create ("rf");
  TCase *tc;

  tc = fga_test_tcase ("draw", 10);
  tcase_add_loop_test (tc, test_draw_repeat, 0, 2);
  tcase_add_loop_test (tc, test_draw_orthogonal, 0, sizeof orth_shapes / sizeof orth_shapes[0]);
  tcase_add_loop_test (tc, test_draw_moments, 0, 2);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("unbiased", 90);
  tcase_add_loop_test (tc, test_unbiased, 0,
                       sizeof unbiased_cases / sizeof unbiased_cases[0]);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("variance", 60);
  tcase_add_loop_test (tc, test_variance, 0,
                       sizeof variance_cases / sizeof variance_cases[0]);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("direct formulas", 10);
  tcase_add_loop_test (tc, test_simple, 0, 6 * sizeof simple_m / sizeof simple_m[0]);
  tcase_add_loop_test (tc, test_nonpos, 0, 2);
  tcase_add_loop_test (tc, test_nonpos_lse, 0, 2);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("error against exact", 120);
  tcase_add_loop_test (tc, test_error_slope, 0, 3);
  tcase_add_loop_test (tc, test_orth_no_worse, 0, 6);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("reproducibility", 60);
  tcase_add_loop_test (tc, test_repeat, 0, 6);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("stabilisation", 10);
  tcase_add_loop_test (tc, test_large_scores, 0, 3 * sizeof targets / sizeof targets[0]);
  tcase_add_loop_test (tc, test_opposite, 0, 2);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("counts and stats", 10);
  tcase_add_loop_test (tc, test_counts, 0, sizeof count_cases / sizeof count_cases[0]);
  tcase_add_test (tc, test_default_spec);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("ends of the double range", 10);
  tcase_add_loop_test (tc, test_huge_v, 0, 3 * sizeof huge_v_scale / sizeof huge_v_scale[0]);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("bad parameters", 10);
  tcase_add_loop_test (tc, test_bad_spec, 0, sizeof bad_specs / sizeof bad_specs[0]);
  tcase_add_loop_test (tc, test_good_spec, 0, sizeof good_specs / sizeof good_specs[0]);
  tcase_add_loop_test (tc, test_bad_input, 0, 7);
  tcase_add_test (tc, test_bad_helpers);
  tcase_add_test (tc, test_nomem);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (rf_suite ());
}
