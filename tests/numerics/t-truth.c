/* t-truth -- the certified ground truth: closed forms, properties, precision, huge scores, ties */

#include <config.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
# include <omp.h>
#endif

#include "testutil.h"

/* --- helpers --------------------------------------------------------------- */

static const fga_tau TAU_INV_D = { FGA_TAU_INV_D, 0 };
static const fga_tau TAU_INV_SQRT_D = { FGA_TAU_INV_SQRT_D, 0 };

static fga_tau
tau_value (double x)
{
  fga_tau t = { FGA_TAU_VALUE, x };
  return t;
}

static void
mat_uniform (fga_mat_ptr m, size_t rows, size_t cols, double B, unsigned long *state)
{
  fga_error err;
  ck_assert_int_eq (fga_mat_init (m, rows, cols, &err), FGA_OK);
  fga_test_fill_uniform (m, B, state);
}

static unsigned long
seed_of (int salt)
{
  return fga_test_seed () * 2654435761UL + (unsigned long) salt * 40503UL + 1;
}

/* Set by the test of the MPFR path's operation counts, which the fast path
   (tests/numerics/t-truth-fast.c) would change.  */
static int truth_fast_off;

/* Runs the truth with the given precisions; asserts success.  */
static void
run_truth (fga_mat_ptr T, double *lse, fga_mpfr_mat_ptr W, fga_mpfr_mat_ptr E,
           fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V, const fga_tau *tau,
           mpfr_prec_t prec, mpfr_prec_t prec_max, fga_truth_info *info, fga_stats *st)
{
  fga_error err;
  fga_error_init (&err);
  fga_truth_opts opts = { prec, prec_max, truth_fast_off };
  ck_assert_int_eq (fga_mat_init (T, Q->rows, V->cols, &err), FGA_OK);
  int rc = fga_truth (T, lse, W, E, Q, K, V, tau, &opts, info, st, &err);
  ck_assert_msg (rc == FGA_OK, "fga_truth failed: %s; FGATTN_TEST_SEED=%lu", err.msg,
                 fga_test_seed ());
}

static void
mpfr_none (fga_mpfr_mat_ptr m)
{
  m->rows = m->cols = 0;
  m->prec = 0;
  m->data = NULL;
}

/* tau at precision prec, computed here (not by the library).  */
static void
tau_hi (mpfr_ptr t, const fga_tau *tau, size_t d)
{
  if (tau->kind == FGA_TAU_INV_D)
    {
      mpfr_set_ui (t, (unsigned long) d, MPFR_RNDN);
      mpfr_ui_div (t, 1, t, MPFR_RNDN);
    }
  else if (tau->kind == FGA_TAU_INV_SQRT_D)
    {
      mpfr_set_ui (t, (unsigned long) d, MPFR_RNDN);
      mpfr_rec_sqrt (t, t, MPFR_RNDN);
    }
  else
    mpfr_set_d (t, tau->value, MPFR_RNDN);
}

/* The obvious formula at 1024 bits, with no max subtraction and no bound:
   A (nq x dv) and lse (nq) as MPFR numbers.  Dot products of moderate
   doubles are exact at this precision; everything else is within 2^-1000
   relative.  */
#define HI 1024
static void
ref_hi (mpfr_t *A, mpfr_t *lse, fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V,
        const fga_tau *tau)
{
  size_t nq = Q->rows, nk = K->rows, d = Q->cols, dv = V->cols;
  mpfr_exp_t emin = mpfr_get_emin (), emax = mpfr_get_emax ();
  mpfr_set_emin (mpfr_get_emin_min ());
  mpfr_set_emax (mpfr_get_emax_max ());
  mpfr_t t, s, a, l, pr;
  mpfr_inits2 (HI, t, s, a, l, pr, (mpfr_ptr) 0);
  tau_hi (t, tau, d);
  for (size_t i = 0; i < nq; i++)
    {
      mpfr_set_zero (l, 1);
      for (size_t c = 0; c < dv; c++)
        mpfr_set_zero (A[i * dv + c], 1);
      for (size_t j = 0; j < nk; j++)
        {
          mpfr_set_zero (s, 1);
          for (size_t k = 0; k < d; k++)
            {
              mpfr_set_d (pr, FGA_MAT (Q, i, k), MPFR_RNDN);
              mpfr_mul_d (pr, pr, FGA_MAT (K, j, k), MPFR_RNDN);
              mpfr_add (s, s, pr, MPFR_RNDN);
            }
          mpfr_mul (s, s, t, MPFR_RNDN);
          mpfr_exp (a, s, MPFR_RNDN);
          mpfr_add (l, l, a, MPFR_RNDN);
          for (size_t c = 0; c < dv; c++)
            {
              mpfr_mul_d (pr, a, FGA_MAT (V, j, c), MPFR_RNDN);
              mpfr_add (A[i * dv + c], A[i * dv + c], pr, MPFR_RNDN);
            }
        }
      for (size_t c = 0; c < dv; c++)
        mpfr_div (A[i * dv + c], A[i * dv + c], l, MPFR_RNDN);
      if (lse != NULL)
        mpfr_log (lse[i], l, MPFR_RNDN);
    }
  mpfr_clears (t, s, a, l, pr, (mpfr_ptr) 0);
  mpfr_set_emin (emin);
  mpfr_set_emax (emax);
}

static mpfr_t *
numbers_new (size_t n)
{
  mpfr_t *x = malloc (n * sizeof (mpfr_t));
  for (size_t k = 0; k < n; k++)
    mpfr_init2 (x[k], HI);
  return x;
}

static void
numbers_free (mpfr_t *x, size_t n)
{
  for (size_t k = 0; k < n; k++)
    mpfr_clear (x[k]);
  free (x);
}

/* Asserts |W - A| <= Werr (+ the reference's own 2^-900 slack, relative to
   1 + |A|) for every entry: the bound is a bound.  */
static void
assert_contains (fga_mpfr_mat_srcptr W, fga_mpfr_mat_srcptr E, mpfr_t *A, const char *what)
{
  mpfr_t diff, tol;
  mpfr_inits2 (HI + 64, diff, tol, (mpfr_ptr) 0);
  for (size_t i = 0; i < W->rows; i++)
    for (size_t c = 0; c < W->cols; c++)
      {
        mpfr_srcptr w = FGA_MPFR_MAT (W, i, c), e = FGA_MPFR_MAT (E, i, c);
        mpfr_srcptr a = A[i * W->cols + c];
        mpfr_sub (diff, w, a, MPFR_RNDN);
        mpfr_abs (diff, diff, MPFR_RNDN);
        mpfr_abs (tol, a, MPFR_RNDN);
        mpfr_add_ui (tol, tol, 1, MPFR_RNDN);
        mpfr_mul_2si (tol, tol, -900, MPFR_RNDN);
        mpfr_add (tol, tol, e, MPFR_RNDN);
        if (mpfr_cmp (diff, tol) > 0)
          {
            mpfr_fprintf (stderr, "%s (%zu, %zu): W = %.40Re, exact = %.40Re, |W - exact| = "
                          "%.5Re > bound %.5Re\n", what, i, c, w, a, diff, e);
            ck_abort_msg ("%s: the bound does not hold at (%zu, %zu); FGATTN_TEST_SEED=%lu",
                          what, i, c, fga_test_seed ());
          }
      }
  mpfr_clears (diff, tol, (mpfr_ptr) 0);
}

static void
assert_same_doubles (fga_mat_srcptr A, fga_mat_srcptr B, const char *what)
{
  ck_assert_uint_eq (A->rows, B->rows);
  ck_assert_uint_eq (A->cols, B->cols);
  for (size_t i = 0; i < A->rows; i++)
    for (size_t c = 0; c < A->cols; c++)
      if (memcmp (&FGA_MAT (A, i, c), &FGA_MAT (B, i, c), sizeof (double)) != 0)
        ck_abort_msg ("%s: (%zu, %zu) is %.17g, expected %.17g (%.3g ulps); "
                      "FGATTN_TEST_SEED=%lu", what, i, c, FGA_MAT (A, i, c), FGA_MAT (B, i, c),
                      fga_ulp_distance (FGA_MAT (A, i, c), FGA_MAT (B, i, c)),
                      fga_test_seed ());
}

/* --- closed forms ---------------------------------------------------------- */

static const struct { size_t nq, d, dv; int tau; } one_key_cases[] = {
  { 1, 1, 1, 0 }, { 5, 16, 16, 0 }, { 7, 3, 4, 1 }, { 4, 9, 2, 2 }, { 3, 2, 5, 3 }
};

static fga_tau
tau_case (int k)
{
  switch (k)
    {
    case 0: return TAU_INV_D;
    case 1: return TAU_INV_SQRT_D;
    case 2: return tau_value (0.1);
    default: return tau_value (7.5);
    }
}

/* nk = 1: the one weight is 1, the output is V's row exactly, and the bound 0. */
START_TEST (closed_one_key)
{
  unsigned long st = seed_of (_i);
  size_t nq = one_key_cases[_i].nq, d = one_key_cases[_i].d, dv = one_key_cases[_i].dv;
  fga_tau tau = tau_case (one_key_cases[_i].tau);
  fga_mat_t Q, K, V, T;
  mat_uniform (Q, nq, d, 3, &st);
  mat_uniform (K, 1, d, 3, &st);
  mat_uniform (V, 1, dv, 2, &st);
  fga_mpfr_mat_t W, E;
  mpfr_none (W);
  mpfr_none (E);
  fga_truth_info info;
  run_truth (T, NULL, W, E, Q, K, V, &tau, 128, 8192, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  ck_assert_uint_eq (info.rows_raised, 0);
  for (size_t i = 0; i < nq; i++)
    for (size_t c = 0; c < dv; c++)
      {
        ck_assert (FGA_MAT (T, i, c) == FGA_MAT (V, 0, c));
        ck_assert (mpfr_cmp_d (FGA_MPFR_MAT (W, i, c), FGA_MAT (V, 0, c)) == 0);
        ck_assert (mpfr_zero_p (FGA_MPFR_MAT (E, i, c)));
      }
  fga_mpfr_mat_clear (W);
  fga_mpfr_mat_clear (E);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* nk = 1: lse = tau <q, k>, correctly rounded (computed here at 1000 bits);
   starting at 2 bits, where tau = 1/sqrt(5) must not pass for 1/sqrt(4). */
static const struct { size_t d; int tau; mpfr_prec_t prec; } lse_cases[] = {
  { 5, 1, 2 }, { 17, 1, 3 }, { 3, 0, 2 }, { 5, 1, 128 }, { 4, 2, 8 }, { 7, 3, 53 }
};

START_TEST (closed_one_key_lse)
{
  unsigned long st = seed_of (50 + _i);
  size_t nq = 6, d = lse_cases[_i].d, dv = 2;
  fga_tau tau = tau_case (lse_cases[_i].tau);
  fga_mat_t Q, K, V, T;
  mat_uniform (Q, nq, d, 2, &st);
  mat_uniform (K, 1, d, 2, &st);
  mat_uniform (V, 1, dv, 2, &st);
  /* the first query has <q, k> = 1: lse is tau itself; V of 2 bits, so that
     its entries are decided at once and only lse can raise the row */
  for (size_t c = 0; c < d; c++)
    FGA_MAT (Q, 0, c) = FGA_MAT (K, 0, c) = c == 0 ? 1 : 0;
  FGA_MAT (V, 0, 0) = 1;
  FGA_MAT (V, 0, 1) = -0.75;
  double lse[6];
  fga_truth_info info;
  run_truth (T, lse, NULL, NULL, Q, K, V, &tau, lse_cases[_i].prec, 8192, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  mpfr_t t, s, x;
  mpfr_inits2 (1000, t, s, x, (mpfr_ptr) 0);
  tau_hi (t, &tau, d);
  for (size_t i = 0; i < nq; i++)
    {
      mpfr_set_zero (s, 1);
      for (size_t k = 0; k < d; k++)
        {
          mpfr_set_d (x, FGA_MAT (Q, i, k), MPFR_RNDN);
          mpfr_mul_d (x, x, FGA_MAT (K, 0, k), MPFR_RNDN);
          mpfr_add (s, s, x, MPFR_RNDN);
        }
      mpfr_mul (s, s, t, MPFR_RNDN);
      double want = mpfr_get_d (s, MPFR_RNDN);
      ck_assert_msg (lse[i] == want, "lse %zu: %.17g, tau <q, k> = %.17g", i, lse[i], want);
    }
  mpfr_clears (t, s, x, (mpfr_ptr) 0);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

static const struct { size_t nk, dv; int tau; } same_key_cases[] = {
  { 2, 3, 0 }, { 3, 4, 1 }, { 7, 2, 2 }, { 10, 5, 3 }, { 64, 3, 0 }, { 1000, 2, 1 }
};

/* Identical keys: equal weights, the output is the mean of V's rows,
   correctly rounded (the exact mean computed here with integers' room).  */
START_TEST (closed_identical_keys)
{
  unsigned long st = seed_of (100 + _i);
  size_t nq = 4, d = 5, nk = same_key_cases[_i].nk, dv = same_key_cases[_i].dv;
  fga_tau tau = tau_case (same_key_cases[_i].tau);
  fga_mat_t Q, K, V, T, k1;
  mat_uniform (Q, nq, d, 3, &st);
  mat_uniform (k1, 1, d, 3, &st);
  mat_uniform (V, nk, dv, 3, &st);
  fga_error err;
  fga_mat_init (K, nk, d, &err);
  for (size_t j = 0; j < nk; j++)
    memcpy (&FGA_MAT (K, j, 0), k1->data, d * sizeof (double));
  fga_truth_info info;
  run_truth (T, NULL, NULL, NULL, Q, K, V, &tau, 128, 8192, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  mpfr_t s;
  mpfr_init2 (s, 2200);
  for (size_t c = 0; c < dv; c++)
    {
      mpfr_set_zero (s, 1);
      for (size_t j = 0; j < nk; j++)
        mpfr_add_d (s, s, FGA_MAT (V, j, c), MPFR_RNDN);       /* exact at 2200 bits */
      mpfr_div_ui (s, s, (unsigned long) nk, MPFR_RNDN);
      double want = mpfr_get_d (s, MPFR_RNDN);
      for (size_t i = 0; i < nq; i++)
        ck_assert_msg (FGA_MAT (T, i, c) == want, "(%zu, %zu): %.17g, mean %.17g", i, c,
                       FGA_MAT (T, i, c), want);
    }
  mpfr_clear (s);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (k1);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* Two keys: the weights are logistic, sigma(s1 - s2) and sigma(s2 - s1),
   computed here at 1000 bits from that formula.  */
START_TEST (closed_two_keys)
{
  unsigned long st = seed_of (200 + _i);
  size_t nq = 6, d = 1 + (size_t) _i % 7, dv = 3;
  fga_tau tau = tau_case (_i % 4);
  double B = _i % 3 == 0 ? 8 : 2;
  fga_mat_t Q, K, V, T;
  mat_uniform (Q, nq, d, B, &st);
  mat_uniform (K, 2, d, B, &st);
  mat_uniform (V, 2, dv, 5, &st);
  fga_truth_info info;
  run_truth (T, NULL, NULL, NULL, Q, K, V, &tau, 128, 8192, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  mpfr_t t, s1, s2, x, g1, g2, y;
  mpfr_inits2 (1000, t, s1, s2, x, g1, g2, y, (mpfr_ptr) 0);
  tau_hi (t, &tau, d);
  for (size_t i = 0; i < nq; i++)
    {
      mpfr_set_zero (s1, 1);
      mpfr_set_zero (s2, 1);
      for (size_t k = 0; k < d; k++)
        {
          mpfr_set_d (x, FGA_MAT (Q, i, k), MPFR_RNDN);
          mpfr_mul_d (x, x, FGA_MAT (K, 0, k), MPFR_RNDN);
          mpfr_add (s1, s1, x, MPFR_RNDN);
          mpfr_set_d (x, FGA_MAT (Q, i, k), MPFR_RNDN);
          mpfr_mul_d (x, x, FGA_MAT (K, 1, k), MPFR_RNDN);
          mpfr_add (s2, s2, x, MPFR_RNDN);
        }
      /* g1 = 1 / (1 + exp (tau (s2 - s1))), g2 = 1 / (1 + exp (tau (s1 - s2))) */
      mpfr_sub (x, s2, s1, MPFR_RNDN);
      mpfr_mul (x, x, t, MPFR_RNDN);
      mpfr_exp (g1, x, MPFR_RNDN);
      mpfr_add_ui (g1, g1, 1, MPFR_RNDN);
      mpfr_ui_div (g1, 1, g1, MPFR_RNDN);
      mpfr_neg (x, x, MPFR_RNDN);
      mpfr_exp (g2, x, MPFR_RNDN);
      mpfr_add_ui (g2, g2, 1, MPFR_RNDN);
      mpfr_ui_div (g2, 1, g2, MPFR_RNDN);
      for (size_t c = 0; c < dv; c++)
        {
          mpfr_mul_d (y, g1, FGA_MAT (V, 0, c), MPFR_RNDN);
          mpfr_mul_d (x, g2, FGA_MAT (V, 1, c), MPFR_RNDN);
          mpfr_add (y, y, x, MPFR_RNDN);
          double want = mpfr_get_d (y, MPFR_RNDN);
          ck_assert_msg (FGA_MAT (T, i, c) == want, "(%zu, %zu): %.17g, logistic %.17g; "
                         "FGATTN_TEST_SEED=%lu", i, c, FGA_MAT (T, i, c), want,
                         fga_test_seed ());
        }
    }
  mpfr_clears (t, s1, s2, x, g1, g2, y, (mpfr_ptr) 0);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* A zero column of V gives exact zeros with a zero bound.  */
START_TEST (closed_zero_column)
{
  unsigned long st = seed_of (300 + _i);
  size_t nq = 5, nk = 17 + 40 * (size_t) _i, d = 8, dv = 3;
  fga_mat_t Q, K, V, T;
  mat_uniform (Q, nq, d, 3, &st);
  mat_uniform (K, nk, d, 3, &st);
  mat_uniform (V, nk, dv, 3, &st);
  for (size_t j = 0; j < nk; j++)
    FGA_MAT (V, j, 1) = 0;
  fga_mpfr_mat_t W, E;
  mpfr_none (W);
  mpfr_none (E);
  fga_truth_info info;
  fga_tau tau = tau_case (_i);
  run_truth (T, NULL, W, E, Q, K, V, &tau, 128, 8192, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  for (size_t i = 0; i < nq; i++)
    {
      ck_assert (FGA_MAT (T, i, 1) == 0.0);
      ck_assert (mpfr_zero_p (FGA_MPFR_MAT (W, i, 1)));
      ck_assert (mpfr_zero_p (FGA_MPFR_MAT (E, i, 1)));
    }
  fga_mpfr_mat_clear (W);
  fga_mpfr_mat_clear (E);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* --- properties -------------------------------------------------------------- */

/* Permuting the keys together with their values changes nothing, bitwise.  */
START_TEST (prop_permutation)
{
  unsigned long st = seed_of (400 + _i);
  size_t nq = 9, nk = 31, d = 6, dv = 4;
  fga_mat_t Q, K, V, T, K2, V2, T2;
  mat_uniform (Q, nq, d, 3, &st);
  mat_uniform (K, nk, d, 3, &st);
  mat_uniform (V, nk, dv, 3, &st);
  if (_i == 1)
    /* entries 2^-300 smaller: the scores need more than 128 bits (wide path) */
    for (size_t t = 0; t < nk * d; t += 3)
      K->data[t] = ldexp (K->data[t], -300);
  fga_error err;
  fga_mat_init (K2, nk, d, &err);
  fga_mat_init (V2, nk, dv, &err);
  for (size_t j = 0; j < nk; j++)
    {
      size_t pj = (j * 7 + 3) % nk;    /* a permutation: 7 is prime to 31 */
      memcpy (&FGA_MAT (K2, pj, 0), &FGA_MAT (K, j, 0), d * sizeof (double));
      memcpy (&FGA_MAT (V2, pj, 0), &FGA_MAT (V, j, 0), dv * sizeof (double));
    }
  double lse[9], lse2[9];
  fga_truth_info info;
  fga_tau tau = tau_case (_i);
  run_truth (T, lse, NULL, NULL, Q, K, V, &tau, 128, 8192, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  run_truth (T2, lse2, NULL, NULL, Q, K2, V2, &tau, 128, 8192, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  assert_same_doubles (T2, T, "permuted keys");
  ck_assert (memcmp (lse, lse2, sizeof lse) == 0);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
  fga_mat_clear (K2);
  fga_mat_clear (V2);
  fga_mat_clear (T2);
}
END_TEST

/* Adding a constant to a whole row of scores changes nothing: Q' = [Q, c],
   K' = [K, 1] add tau c_i to row i.  */
START_TEST (prop_row_shift)
{
  unsigned long st = seed_of (500 + _i);
  size_t nq = 8, nk = 40, d = 5, dv = 3;
  double cmax = _i == 0 ? 2 : 1e4;
  fga_mat_t Q, K, V, T, Q2, K2, T2, c;
  mat_uniform (Q, nq, d, 3, &st);
  mat_uniform (K, nk, d, 3, &st);
  mat_uniform (V, nk, dv, 3, &st);
  mat_uniform (c, nq, 1, cmax, &st);
  fga_error err;
  fga_mat_init (Q2, nq, d + 1, &err);
  fga_mat_init (K2, nk, d + 1, &err);
  for (size_t i = 0; i < nq; i++)
    {
      memcpy (&FGA_MAT (Q2, i, 0), &FGA_MAT (Q, i, 0), d * sizeof (double));
      FGA_MAT (Q2, i, d) = c->data[i];
    }
  for (size_t j = 0; j < nk; j++)
    {
      memcpy (&FGA_MAT (K2, j, 0), &FGA_MAT (K, j, 0), d * sizeof (double));
      FGA_MAT (K2, j, d) = 1;
    }
  fga_tau tau = tau_value (_i == 0 ? 0.25 : 0.3);
  fga_truth_info info;
  run_truth (T, NULL, NULL, NULL, Q, K, V, &tau, 128, 8192, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  run_truth (T2, NULL, NULL, NULL, Q2, K2, V, &tau, 128, 8192, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  assert_same_doubles (T2, T, "shifted rows");
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
  fga_mat_clear (Q2);
  fga_mat_clear (K2);
  fga_mat_clear (T2);
  fga_mat_clear (c);
}
END_TEST

/* Rows of P sum to 1: a column of ones gives exactly 1.0; and scaling V by a
   power of two scales the output exactly.  */
START_TEST (prop_rows_sum_to_one)
{
  unsigned long st = seed_of (600 + _i);
  size_t nq = 7, nk = 50 + 100 * (size_t) _i, d = 16, dv = 3;
  fga_mat_t Q, K, V, T, V2, T2;
  mat_uniform (Q, nq, d, 3, &st);
  mat_uniform (K, nk, d, 3, &st);
  mat_uniform (V, nk, dv, 3, &st);
  fga_error err;
  fga_mat_init (V2, nk, dv, &err);
  for (size_t j = 0; j < nk; j++)
    {
      FGA_MAT (V, j, 0) = 1.0;
      for (size_t c = 0; c < dv; c++)
        FGA_MAT (V2, j, c) = ldexp (FGA_MAT (V, j, c), 37);
    }
  fga_tau tau = tau_case (_i);
  fga_truth_info info;
  run_truth (T, NULL, NULL, NULL, Q, K, V, &tau, 128, 8192, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  run_truth (T2, NULL, NULL, NULL, Q, K, V2, &tau, 128, 8192, &info, NULL);
  for (size_t i = 0; i < nq; i++)
    {
      ck_assert (FGA_MAT (T, i, 0) == 1.0);
      for (size_t c = 0; c < dv; c++)
        ck_assert (FGA_MAT (T2, i, c) == ldexp (FGA_MAT (T, i, c), 37));
    }
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
  fga_mat_clear (V2);
  fga_mat_clear (T2);
}
END_TEST

/* The result, the counts and the bounds do not depend on the thread count. */
START_TEST (prop_threads)
{
#ifdef _OPENMP
  unsigned long st = seed_of (700);
  size_t nq = 64, nk = 80, d = 8, dv = 4;      /* enough pairs to run in parallel */
  fga_mat_t Q, K, V, T1, T2;
  mat_uniform (Q, nq, d, 3, &st);
  mat_uniform (K, nk, d, 3, &st);
  mat_uniform (V, nk, dv, 3, &st);
  fga_stats s1, s2;
  fga_stats_init (&s1);
  fga_stats_init (&s2);
  fga_truth_info info;
  int saved = omp_get_max_threads ();
  omp_set_num_threads (1);
  run_truth (T1, NULL, NULL, NULL, Q, K, V, &TAU_INV_D, 128, 8192, &info, &s1);
  omp_set_num_threads (3);
  run_truth (T2, NULL, NULL, NULL, Q, K, V, &TAU_INV_D, 128, 8192, &info, &s2);
  omp_set_num_threads (saved);
  ck_assert_int_eq (s2.threads, 3);
  assert_same_doubles (T2, T1, "3 threads against 1");
  ck_assert (s1.n_mul == s2.n_mul && s1.n_add == s2.n_add && s1.n_exp == s2.n_exp
             && s1.n_div == s2.n_div && s1.n_cmp == s2.n_cmp);
  ck_assert_int_eq (s1.threads, 1);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T1);
  fga_mat_clear (T2);
#endif
}
END_TEST

/* --- precision --------------------------------------------------------------- */

static const struct { size_t nq, nk, d, dv; double B; int tau; mpfr_prec_t P; } prec_cases[] = {
  { 6, 40, 8, 3, 3, 0, 128 },
  { 5, 33, 16, 4, 3, 1, 160 },
  { 4, 25, 4, 2, 6, 2, 200 },
  { 7, 64, 16, 16, 3, 0, 128 },
  { 3, 20, 2, 3, 10, 3, 140 },
};

/* At P and 2P (no raising: prec_max = prec) the working values are within
   the sum of their bounds; both contain the exact value; and with Ziv the
   doubles equal testutil's independent reference at 4P >= 512 bits.  */
START_TEST (prec_consistency)
{
  unsigned long st = seed_of (800 + _i);
  size_t nq = prec_cases[_i].nq, nk = prec_cases[_i].nk, d = prec_cases[_i].d,
    dv = prec_cases[_i].dv;
  mpfr_prec_t P = prec_cases[_i].P;
  fga_tau tau = tau_case (prec_cases[_i].tau);
  fga_mat_t Q, K, V, T1, T2, T, R;
  mat_uniform (Q, nq, d, prec_cases[_i].B, &st);
  mat_uniform (K, nk, d, prec_cases[_i].B, &st);
  mat_uniform (V, nk, dv, 3, &st);
  fga_mpfr_mat_t W1, E1, W2, E2;
  mpfr_none (W1);
  mpfr_none (E1);
  mpfr_none (W2);
  mpfr_none (E2);
  fga_truth_info info;
  run_truth (T1, NULL, W1, E1, Q, K, V, &tau, P, P, &info, NULL);
  ck_assert_int_eq (W1->prec, P);
  run_truth (T2, NULL, W2, E2, Q, K, V, &tau, 2 * P, 2 * P, &info, NULL);
  ck_assert_int_eq (W2->prec, 2 * P);
  mpfr_t diff, tol;
  mpfr_inits2 (4 * P, diff, tol, (mpfr_ptr) 0);
  for (size_t t = 0; t < nq * dv; t++)
    {
      mpfr_sub (diff, W1->data[t], W2->data[t], MPFR_RNDN);
      mpfr_abs (diff, diff, MPFR_RNDN);
      mpfr_add (tol, E1->data[t], E2->data[t], MPFR_RNDU);
      ck_assert_msg (mpfr_cmp (diff, tol) <= 0, "entry %zu: |W_P - W_2P| above the bounds", t);
      /* and the bound at P is small: below 2^(20 - P) times the size of V */
      ck_assert (mpfr_cmp_ui_2exp (E1->data[t], 1, 22 - (long) P) < 0);
    }
  mpfr_clears (diff, tol, (mpfr_ptr) 0);
  mpfr_t *A = numbers_new (nq * dv);
  ref_hi (A, NULL, Q, K, V, &tau);
  assert_contains (W1, E1, A, "W at P");
  assert_contains (W2, E2, A, "W at 2P");
  numbers_free (A, nq * dv);

  double lse[16], lref[16];
  run_truth (T, lse, NULL, NULL, Q, K, V, &tau, P, 8192, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  fga_error err;
  fga_mat_init (R, nq, dv, &err);
  double tau_d = fga_tau_double (&tau, d);
  if (tau.kind != FGA_TAU_INV_SQRT_D && !(tau.kind == FGA_TAU_INV_D && (d & (d - 1)) != 0))
    {
      /* testutil's reference takes tau as a double: only when that is exact */
      fga_test_ref_attention (R, lref, Q, K, V, tau_d, 4 * P < 512 ? 512 : 4 * P);
      assert_same_doubles (T, R, "against the reference at 4P");
      for (size_t i = 0; i < nq; i++)
        ck_assert_msg (lse[i] == lref[i], "lse %zu: %.17g, reference %.17g", i, lse[i],
                       lref[i]);
    }
  fga_mpfr_mat_clear (W1);
  fga_mpfr_mat_clear (E1);
  fga_mpfr_mat_clear (W2);
  fga_mpfr_mat_clear (E2);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T1);
  fga_mat_clear (T2);
  fga_mat_clear (T);
  fga_mat_clear (R);
}
END_TEST

/* At tiny precisions the bound is large but must still hold.  */
static const mpfr_prec_t tiny_precs[] = { 1, 2, 5, 12, 24, 40, 53, 64 };

START_TEST (prec_tiny_bound_holds)
{
  unsigned long st = seed_of (900 + _i);
  /* d = 5 at odd indices: 1/sqrt(5) with d itself wider than p bits */
  size_t nq = 5, nk = 30, d = _i % 2 == 0 ? 6 : 5, dv = 3;
  mpfr_prec_t P = tiny_precs[_i];
  fga_mat_t Q, K, V, T;
  mat_uniform (Q, nq, d, 4, &st);
  mat_uniform (K, nk, d, 4, &st);
  mat_uniform (V, nk, dv, 3, &st);
  fga_mpfr_mat_t W, E;
  mpfr_none (W);
  mpfr_none (E);
  fga_truth_info info;
  fga_tau tau = _i % 2 == 1 ? TAU_INV_SQRT_D : tau_case (_i % 4);
  run_truth (T, NULL, W, E, Q, K, V, &tau, P, P, &info, NULL);
  ck_assert_int_eq (info.prec_used_max, P);
  mpfr_t *A = numbers_new (nq * dv);
  ref_hi (A, NULL, Q, K, V, &tau);
  assert_contains (W, E, A, "tiny precision");
  /* every entry counted as decided is the correctly rounded value */
  size_t und = 0;
  for (size_t t = 0; t < nq * dv; t++)
    {
      double lo, hi;
      mpfr_t x;
      mpfr_init2 (x, P + 64);
      mpfr_sub (x, W->data[t], E->data[t], MPFR_RNDD);
      lo = mpfr_get_d (x, MPFR_RNDN);
      mpfr_add (x, W->data[t], E->data[t], MPFR_RNDU);
      hi = mpfr_get_d (x, MPFR_RNDN);
      mpfr_clear (x);
      if (lo != hi)
        und++;
      else
        ck_assert (T->data[t] == mpfr_get_d (A[t], MPFR_RNDN));
    }
  /* the library rounds W -+ bound outward at P bits, coarser than here */
  ck_assert_uint_le (und, info.undecided);
  numbers_free (A, nq * dv);
  fga_mpfr_mat_clear (W);
  fga_mpfr_mat_clear (E);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* A sweep at precision 2 + _i, no raising: 200 small random cases of every
   shape, tau and size, half of them with V of few bits around 1 (heavy
   cancellation, exact products).  Each finite bound must contain the exact
   value, and when a call decides everything its doubles and lse must be the
   correctly rounded ones.  Random data rarely push roundings to their worst
   case, so many cases at low precision are what make a slip in the chain of
   factors visible.  */
START_TEST (prec_sweep_bound_holds)
{
  unsigned long st = seed_of (950 + _i);
  mpfr_prec_t P = 2 + _i;
  size_t finite = 0;
  for (int cs = 0; cs < 200; cs++)
    {
      size_t nq = 3, nk = 2 + (size_t) cs % 13, d = 1 + (size_t) cs % 5, dv = 2;
      double B = cs % 3 == 0 ? 0.3 : cs % 3 == 1 ? 1 : 2;
      fga_mat_t Q, K, V, T;
      mat_uniform (Q, nq, d, B, &st);
      mat_uniform (K, nk, d, B, &st);
      mat_uniform (V, nk, dv, 1, &st);
      if (cs % 2 == 1)
        for (size_t t = 0; t < nk * dv; t++)
          V->data[t] = 1 + ldexp (round (ldexp (V->data[t], 3)), -3);
      fga_tau tau = cs % 4 == 3 ? tau_value (0.7) : tau_case (cs % 3 == 2 ? 1 : 0);
      if (cs % 4 == 2)
        tau = TAU_INV_SQRT_D;
      fga_mpfr_mat_t W, E;
      mpfr_none (W);
      mpfr_none (E);
      double lse[3];
      fga_truth_info info;
      run_truth (T, lse, W, E, Q, K, V, &tau, P, P, &info, NULL);
      mpfr_t *A = numbers_new (nq * dv), *L = numbers_new (nq);
      ref_hi (A, L, Q, K, V, &tau);
      assert_contains (W, E, A, "sweep");
      for (size_t t = 0; t < nq * dv; t++)
        finite += !mpfr_inf_p (E->data[t]);
      if (info.undecided == 0)
        for (size_t i = 0; i < nq; i++)
          {
            ck_assert (lse[i] == mpfr_get_d (L[i], MPFR_RNDN));
            for (size_t c = 0; c < dv; c++)
              ck_assert (FGA_MAT (T, i, c) == mpfr_get_d (A[i * dv + c], MPFR_RNDN));
          }
      numbers_free (A, nq * dv);
      numbers_free (L, nq);
      fga_mpfr_mat_clear (W);
      fga_mpfr_mat_clear (E);
      fga_mat_clear (Q);
      fga_mat_clear (K);
      fga_mat_clear (V);
      fga_mat_clear (T);
    }
  /* the sweep is only worth something if most bounds are finite */
  ck_assert_msg (P < 6 || finite > 800, "only %zu finite bounds at %ld bits", finite, (long) P);
}
END_TEST

/* --- huge scores --------------------------------------------------------------- */

/* B = 40 and tau = 1: scores near +-25600, exp(S) overflows any double.  */
START_TEST (huge_scores)
{
  unsigned long st = seed_of (1000 + _i);
  size_t nq = 6, nk = 24, d = 16, dv = 3;
  fga_mat_t Q, K, V, T, R;
  mat_uniform (Q, nq, d, 40, &st);
  mat_uniform (K, nk, d, 40, &st);
  mat_uniform (V, nk, dv, 3, &st);
  if (_i == 1)
    /* make the largest two scores of each row close: a real mix of weights */
    for (size_t c = 0; c < d; c++)
      FGA_MAT (K, 1, c) = FGA_MAT (K, 0, c) + (c == 0 ? 0x1p-40 : 0);
  fga_tau tau = _i == 2 ? TAU_INV_D : tau_value (1.0);
  double lse[6], lref[6];
  fga_mpfr_mat_t W, E;
  mpfr_none (W);
  mpfr_none (E);
  fga_truth_info info;
  run_truth (T, lse, W, E, Q, K, V, &tau, 128, 8192, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  fga_error err;
  fga_mat_init (R, nq, dv, &err);
  fga_test_ref_attention (R, lref, Q, K, V, fga_tau_double (&tau, d), 1024);
  for (size_t t = 0; t < nq * dv; t++)
    ck_assert (isfinite (T->data[t]));
  assert_same_doubles (T, R, "huge scores");
  for (size_t i = 0; i < nq; i++)
    {
      ck_assert (isfinite (lse[i]));
      ck_assert_msg (lse[i] == lref[i], "lse %zu: %.17g, reference %.17g", i, lse[i], lref[i]);
    }
  mpfr_t *A = numbers_new (nq * dv);
  ref_hi (A, NULL, Q, K, V, &tau);
  assert_contains (W, E, A, "huge scores");
  numbers_free (A, nq * dv);
  fga_mpfr_mat_clear (W);
  fga_mpfr_mat_clear (E);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
  fga_mat_clear (R);
}
END_TEST

/* An lse at the edge of the doubles (tau = 1, d = 2, row 1 of Q hostile,
   row 0 zero, every key (1, 1) or as given).  The exact lse is computed
   here at 4000 bits, x_m tau + log sum_j exp (tau (x_j - x_m)), and
   rounded by MPFR: where that is +-Inf the truth must refuse the lse
   (FGA_ERR_COMPUTE, naming row 1), and still compute T without it; else it
   must return that double.  Cases: DBL_MAX + 2^969 (rounds down to
   DBL_MAX); DBL_MAX + 2^970, the midpoint, which IEEE rounds to Inf;
   -(DBL_MAX + 2^970) + log 2, just inside the midpoint, decided only above
   1024 bits; -(DBL_MAX + 2^971) + log 2, beyond; and tau = DBL_MAX with
   scores 6, beyond by a factor 6.  */
static const struct { double q0, q1; size_t nk; double tau; } lse_edge_cases[] = {
  { DBL_MAX, 0x1p969, 1, 1 }, { DBL_MAX, 0x1p970, 1, 1 },
  { -DBL_MAX, -0x1p970, 2, 1 }, { -DBL_MAX, -0x1p971, 2, 1 }, { 3, 3, 3, DBL_MAX }
};

START_TEST (lse_beyond_doubles)
{
  size_t nq = 2, nk = lse_edge_cases[_i].nk, d = 2, dv = 1;
  fga_tau tau = tau_value (lse_edge_cases[_i].tau);
  fga_error err;
  fga_mat_t Q, K, V, T;
  ck_assert_int_eq (fga_mat_init (Q, nq, d, &err), FGA_OK);
  ck_assert_int_eq (fga_mat_init (K, nk, d, &err), FGA_OK);
  ck_assert_int_eq (fga_mat_init (V, nk, dv, &err), FGA_OK);
  ck_assert_int_eq (fga_mat_init (T, nq, dv, &err), FGA_OK);
  FGA_MAT (Q, 0, 0) = FGA_MAT (Q, 0, 1) = 0;
  FGA_MAT (Q, 1, 0) = lse_edge_cases[_i].q0;
  FGA_MAT (Q, 1, 1) = lse_edge_cases[_i].q1;
  for (size_t j = 0; j < nk; j++)
    {
      FGA_MAT (K, j, 0) = FGA_MAT (K, j, 1) = 1;
      FGA_MAT (V, j, 0) = 0.375;
    }

  /* the reference: every key gives the same score here */
  mpfr_t x, t, l;
  mpfr_inits2 (4000, x, t, l, (mpfr_ptr) 0);
  mpfr_set_d (x, lse_edge_cases[_i].q0, MPFR_RNDN);
  mpfr_add_d (x, x, lse_edge_cases[_i].q1, MPFR_RNDN);
  mpfr_mul_d (x, x, lse_edge_cases[_i].tau, MPFR_RNDN);
  mpfr_set_ui (l, (unsigned long) nk, MPFR_RNDN);
  mpfr_log (l, l, MPFR_RNDN);
  mpfr_add (x, x, l, MPFR_RNDN);
  double want = mpfr_get_d (x, MPFR_RNDN);
  mpfr_clears (x, t, l, (mpfr_ptr) 0);

  double lse[2] = { 0, 0 };
  fga_truth_opts opts = { 128, 8192, 0 };
  fga_truth_info info;
  fga_error_init (&err);
  int rc = fga_truth (T, lse, NULL, NULL, Q, K, V, &tau, &opts, &info, NULL, &err);
  if (isinf (want))
    {
      ck_assert_msg (rc == FGA_ERR_COMPUTE, "case %d: lse = %g accepted (rc %d, lse %.17g)",
                     _i, want, rc, lse[1]);
      ck_assert_int_eq (err.code, FGA_ERR_COMPUTE);
      ck_assert_msg (strstr (err.msg, "log-sum-exp of row 1 ") != NULL
                     && strstr (err.msg, "outside the double range") != NULL,
                     "message '%s'", err.msg);
      /* without lse the output is computed: a constant column (run_truth
         initialises T afresh) */
      fga_mat_clear (T);
      run_truth (T, NULL, NULL, NULL, Q, K, V, &tau, 128, 8192, &info, NULL);
      ck_assert_uint_eq (info.undecided, 0);
      ck_assert (FGA_MAT (T, 0, 0) == 0.375 && FGA_MAT (T, 1, 0) == 0.375);
    }
  else
    {
      ck_assert_msg (rc == FGA_OK, "case %d: %s", _i, err.msg);
      ck_assert_uint_eq (info.undecided, 0);
      ck_assert_msg (lse[1] == want, "case %d: lse %.17g, exact rounds to %.17g", _i, lse[1],
                     want);
      ck_assert (fabs (want) == DBL_MAX);
    }
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* tau = 1e300: score gaps near 1e300, beyond any exponent range; weights
   other than the largest are carried in the bound (below 2^(-2^59)).  The
   output is the value row of the best key, lse its score.  */
START_TEST (huge_tau)
{
  unsigned long st = seed_of (1100);
  size_t nq = 5, nk = 9, d = 3, dv = 2;
  fga_mat_t Q, K, V, T;
  mat_uniform (Q, nq, d, 1, &st);
  mat_uniform (K, nk, d, 1, &st);
  mat_uniform (V, nk, dv, 3, &st);
  fga_tau tau = tau_value (1e300);
  double lse[5];
  fga_truth_info info;
  run_truth (T, lse, NULL, NULL, Q, K, V, &tau, 128, 8192, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  mpfr_t s, best, x;
  mpfr_inits2 (400, s, best, x, (mpfr_ptr) 0);
  for (size_t i = 0; i < nq; i++)
    {
      size_t jb = 0;
      for (size_t j = 0; j < nk; j++)
        {
          mpfr_set_zero (s, 1);
          for (size_t k = 0; k < d; k++)
            {
              mpfr_set_d (x, FGA_MAT (Q, i, k), MPFR_RNDN);
              mpfr_mul_d (x, x, FGA_MAT (K, j, k), MPFR_RNDN);
              mpfr_add (s, s, x, MPFR_RNDN);
            }
          if (j == 0 || mpfr_cmp (s, best) > 0)
            {
              jb = j;
              mpfr_set (best, s, MPFR_RNDN);
            }
        }
      for (size_t c = 0; c < dv; c++)
        ck_assert (FGA_MAT (T, i, c) == FGA_MAT (V, jb, c));
      mpfr_mul_d (best, best, 1e300, MPFR_RNDN);
      ck_assert (lse[i] == mpfr_get_d (best, MPFR_RNDN));
    }
  mpfr_clears (s, best, x, (mpfr_ptr) 0);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* tau = 2^60: score gaps up to 2^62, so the keys below -2^60 are guarded
   (lemma 4), yet exp of every score still fits MPFR's widest range, so the
   obvious formula can check the bound; at p <= 2 there is no bound.  */
static const mpfr_prec_t guard_precs[] = { 1, 2, 3, 8, 128 };

START_TEST (huge_tau_bound_holds)
{
  unsigned long st = seed_of (1150 + _i);
  size_t nq = 4, nk = 10, d = 2, dv = 2;
  mpfr_prec_t P = guard_precs[_i];
  fga_mat_t Q, K, V, T;
  mat_uniform (Q, nq, d, 1, &st);
  mat_uniform (K, nk, d, 1, &st);
  mat_uniform (V, nk, dv, 3, &st);
  fga_tau tau = tau_value (0x1p60);
  fga_mpfr_mat_t W, E;
  mpfr_none (W);
  mpfr_none (E);
  fga_truth_info info;
  run_truth (T, NULL, W, E, Q, K, V, &tau, P, P, &info, NULL);
  mpfr_t *A = numbers_new (nq * dv);
  ref_hi (A, NULL, Q, K, V, &tau);
  assert_contains (W, E, A, "guarded keys");
  if (P <= 2)
    for (size_t t = 0; t < nq * dv; t++)
      ck_assert (mpfr_inf_p (E->data[t]));
  if (P == 128)
    {
      ck_assert_uint_eq (info.undecided, 0);
      for (size_t t = 0; t < nq * dv; t++)
        ck_assert (T->data[t] == mpfr_get_d (A[t], MPFR_RNDN));
    }
  numbers_free (A, nq * dv);
  fga_mpfr_mat_clear (W);
  fga_mpfr_mat_clear (E);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* Entries spanning 2^-1000 .. 2^500: the exact scores need thousands of bits. */
START_TEST (huge_exponent_span)
{
  unsigned long st = seed_of (1200);
  size_t nq = 4, nk = 12, d = 4, dv = 2;
  fga_mat_t Q, K, V, T;
  mat_uniform (Q, nq, d, 1, &st);
  mat_uniform (K, nk, d, 1, &st);
  mat_uniform (V, nk, dv, 3, &st);
  for (size_t t = 0; t < nq * d; t++)
    Q->data[t] = ldexp (Q->data[t], t % 2 == 0 ? -1000 : 0);
  for (size_t t = 0; t < nk * d; t++)
    K->data[t] = ldexp (K->data[t], t % 3 == 0 ? 500 : -1);
  V->data[0] = 0x1p-1060;     /* a subnormal value */
  fga_mpfr_mat_t W, E;
  mpfr_none (W);
  mpfr_none (E);
  fga_truth_info info;
  fga_tau tau = tau_value (0x1p-505);
  run_truth (T, NULL, W, E, Q, K, V, &tau, 128, 8192, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  mpfr_t *A = numbers_new (nq * dv);
  ref_hi (A, NULL, Q, K, V, &tau);
  assert_contains (W, E, A, "exponent span");
  for (size_t t = 0; t < nq * dv; t++)
    ck_assert (T->data[t] == mpfr_get_d (A[t], MPFR_RNDN));
  numbers_free (A, nq * dv);
  fga_mpfr_mat_clear (W);
  fga_mpfr_mat_clear (E);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* --- Ziv: near ties, true ties ------------------------------------------------- */

/* Two keys whose scores differ by 2^-300 and values 1, 1 + 2^-52: the exact
   output is 2^-354 away from the midpoint 1 + 2^-53; 128 bits cannot tell
   the side, 288 cannot either, 608 can.  */
START_TEST (ziv_near_tie)
{
  fga_mat_t Q, K, V, T;
  fga_error err;
  fga_mat_init (Q, 1, 2, &err);
  fga_mat_init (K, 2, 2, &err);
  fga_mat_init (V, 2, 1, &err);
  FGA_MAT (Q, 0, 0) = 1;
  FGA_MAT (Q, 0, 1) = 1;
  FGA_MAT (K, 0, 0) = 1;
  FGA_MAT (K, 1, 0) = 1;
  FGA_MAT (K, 1, 1) = 0x1p-300;
  FGA_MAT (V, 0, 0) = _i == 0 ? 1 : 1 + 0x1p-52;
  FGA_MAT (V, 1, 0) = _i == 0 ? 1 + 0x1p-52 : 1;
  fga_tau tau = tau_value (1);
  fga_truth_info info;
  run_truth (T, NULL, NULL, NULL, Q, K, V, &tau, 128, 8192, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  ck_assert_uint_eq (info.rows_raised, 1);
  ck_assert_int_eq (info.prec_used_max, 608);
  /* the key with the larger score carries the larger weight */
  ck_assert (T->data[0] == (_i == 0 ? 1 + 0x1p-52 : 1.0));
  fga_mat_clear (T);
  /* capped below what it needs: undecided, rounded working value */
  run_truth (T, NULL, NULL, NULL, Q, K, V, &tau, 128, 300, &info, NULL);
  ck_assert_uint_eq (info.undecided, 1);
  ck_assert_int_eq (info.prec_used_max, 300);
  ck_assert (T->data[0] == 1.0 || T->data[0] == 1 + 0x1p-52);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* A true tie computed exactly: equal scores, values 1 and 1 + 2^-52.  Every
   operation is exact, so the bound is 0 and the midpoint is known exactly:
   it rounds to even, 1.0, and that is decided.  */
START_TEST (ziv_exact_tie)
{
  fga_mat_t Q, K, V, T;
  fga_error err;
  fga_mat_init (Q, 1, 2, &err);
  fga_mat_init (K, 2, 2, &err);
  fga_mat_init (V, 2, 1, &err);
  FGA_MAT (Q, 0, 0) = 1.5;
  FGA_MAT (Q, 0, 1) = 0.5;
  FGA_MAT (K, 0, 0) = 1;           /* score 1.5 + 1.5 = 3 */
  FGA_MAT (K, 0, 1) = 3;
  FGA_MAT (K, 1, 0) = 2;           /* score 3 + 0 = 3 */
  FGA_MAT (V, 0, 0) = 1;
  FGA_MAT (V, 1, 0) = 1 + 0x1p-52;
  fga_mpfr_mat_t W, E;
  mpfr_none (W);
  mpfr_none (E);
  fga_truth_info info;
  run_truth (T, NULL, W, E, Q, K, V, &TAU_INV_SQRT_D, 64, 64, &info, NULL);
  ck_assert_uint_eq (info.undecided, 0);
  ck_assert (T->data[0] == 1.0);
  mpfr_t mid;
  mpfr_init2 (mid, 64);
  mpfr_set_ui_2exp (mid, 1, -53, MPFR_RNDN);
  mpfr_add_ui (mid, mid, 1, MPFR_RNDN);        /* 1 + 2^-53, exact */
  ck_assert (mpfr_equal_p (W->data[0], mid));
  mpfr_clear (mid);
  ck_assert (mpfr_zero_p (E->data[0]));
  fga_mpfr_mat_clear (W);
  fga_mpfr_mat_clear (E);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* A true tie that cannot be computed exactly: two pairs of keys at scores 0
   and -1 (exp(-1) is irrational), each pair's values averaging the midpoint
   M = 1 + 2^-53, so the exact output is M.  No precision can decide it: the
   call reports it undecided and returns promptly.  */
START_TEST (ziv_true_tie)
{
  fga_mat_t Q, K, V, T;
  fga_error err;
  fga_mat_init (Q, 2, 1, &err);
  fga_mat_init (K, 4, 1, &err);
  fga_mat_init (V, 4, 1, &err);
  FGA_MAT (Q, 0, 0) = 1;
  FGA_MAT (Q, 1, 0) = 0.5;
  const double k[4] = { 0, 0, -1, -1 };
  const double v[4] = { 1, 1 + 0x1p-52, 1 + 0x1p-51, 1 - 0x1p-52 };
  for (size_t j = 0; j < 4; j++)
    {
      FGA_MAT (K, j, 0) = k[j];
      FGA_MAT (V, j, 0) = v[j];
    }
  fga_mpfr_mat_t W, E;
  mpfr_none (W);
  mpfr_none (E);
  fga_truth_info info;
  fga_stats st;
  fga_stats_init (&st);
  double t0 = fga_wall_time ();
  run_truth (T, NULL, W, E, Q, K, V, &TAU_INV_D, 64, _i == 0 ? 512 : 20000, &info, &st);
  ck_assert (fga_wall_time () - t0 < 5);
  ck_assert_uint_eq (info.undecided, 2);
  ck_assert_uint_eq (info.rows_raised, 2);
  ck_assert_int_eq (info.prec_used_max, _i == 0 ? 512 : 20000);
  ck_assert_int_eq (W->prec, info.prec_used_max);
  for (size_t i = 0; i < 2; i++)
    {
      ck_assert (T->data[i] == 1.0 || T->data[i] == 1 + 0x1p-52);
      /* the bound holds around the exact M */
      mpfr_t x;
      mpfr_init2 (x, 30000);
      mpfr_set_ui_2exp (x, 1, -53, MPFR_RNDN);
      mpfr_add_ui (x, x, 1, MPFR_RNDN);        /* M = 1 + 2^-53, exact */
      mpfr_sub (x, x, W->data[i], MPFR_RNDN);
      mpfr_abs (x, x, MPFR_RNDN);
      ck_assert (mpfr_cmp (x, E->data[i]) <= 0);
      ck_assert (!mpfr_zero_p (E->data[i]));
      mpfr_clear (x);
    }
  fga_mpfr_mat_clear (W);
  fga_mpfr_mat_clear (E);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* --- outputs, state, counts ----------------------------------------------------- */

/* W and Werr are (re)initialised at the highest precision used; MPFR's
   exponent range and flags come back as they were; st and info are filled
   and st may be NULL; lse may be NULL.  */
START_TEST (state_restored_and_outputs)
{
  unsigned long st = seed_of (1300);
  size_t nq = 3, nk = 5, d = 2, dv = 2;
  fga_mat_t Q, K, V, T;
  mat_uniform (Q, nq, d, 2, &st);
  mat_uniform (K, nk, d, 2, &st);
  mat_uniform (V, nk, dv, 2, &st);
  fga_error err;
  fga_mpfr_mat_t W, E;
  /* W comes in initialised with another shape: it is cleared and made again */
  ck_assert_int_eq (fga_mpfr_mat_init2 (W, 7, 1, 30, &err), FGA_OK);
  mpfr_none (E);
  mpfr_exp_t emin = mpfr_get_emin (), emax = mpfr_get_emax ();
  mpfr_set_emin (-5000);
  mpfr_set_emax (5000);
  mpfr_clear_flags ();
  mpfr_set_erangeflag ();
  mpfr_flags_t flags = mpfr_flags_save ();
  fga_truth_info info;
  run_truth (T, NULL, W, E, Q, K, V, &TAU_INV_D, 100, 1000, &info, NULL);
  ck_assert_int_eq (mpfr_get_emin (), -5000);
  ck_assert_int_eq (mpfr_get_emax (), 5000);
  ck_assert_uint_eq (mpfr_flags_save (), flags);
  ck_assert_uint_eq (W->rows, nq);
  ck_assert_uint_eq (W->cols, dv);
  ck_assert_int_eq (W->prec, info.prec_used_max);
  for (size_t t = 0; t < nq * dv; t++)
    {
      ck_assert_int_eq (mpfr_get_prec (W->data[t]), W->prec);
      ck_assert_int_eq (mpfr_get_prec (E->data[t]), E->prec);
      ck_assert (mpfr_number_p (W->data[t]) && mpfr_number_p (E->data[t]));
      ck_assert (mpfr_zero_p (E->data[t]) || mpfr_get_exp (E->data[t]) >= -5000);
      ck_assert (T->data[t] == mpfr_get_d (W->data[t], MPFR_RNDN));
    }
  mpfr_set_emin (emin);
  mpfr_set_emax (emax);
  mpfr_clear_flags ();
  fga_mat_clear (T);
  /* no W, Werr alone, no info */
  fga_mpfr_mat_clear (E);
  fga_mat_init (T, nq, dv, &err);
  fga_truth_opts opts = { 128, 8192, 0 };
  ck_assert_int_eq (fga_truth (T, NULL, NULL, E, Q, K, V, &TAU_INV_D, &opts, NULL, NULL, &err),
                    FGA_OK);
  ck_assert_uint_eq (E->rows, nq);
  fga_mpfr_mat_clear (W);
  fga_mpfr_mat_clear (E);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* The counts, on a case where every pass is known: nq rows, one level, no
   lse.  The value path is nq nk (d + 1 + dv) multiplications, nq nk exps
   and nq dv divisions, plus the bound's few per row (theory, section 7). */
START_TEST (counts)
{
  unsigned long st = seed_of (1400);
  size_t nq = 4, nk = 9, d = 3, dv = 2;
  fga_mat_t Q, K, V, T;
  mat_uniform (Q, nq, d, 2, &st);
  mat_uniform (K, nk, d, 2, &st);
  mat_uniform (V, nk, dv, 2, &st);
  fga_stats s;
  fga_stats_init (&s);
  fga_truth_info info;
  /* prec = prec_max: one level, no raising; every row in MPFR */
  truth_fast_off = 1;
  run_truth (T, NULL, NULL, NULL, Q, K, V, &TAU_INV_D, 128, 128, &info, &s);
  truth_fast_off = 0;
  ck_assert_uint_eq (info.undecided, 0);
  /* levels: 1 (tau) + 3 divisions; rows: dv divisions and 1 for the bound's Q */
  ck_assert_uint_eq (s.n_div, 4 + nq * (dv + 1));
  /* rows: nk exps and 1 expm1 for the bound */
  ck_assert_uint_eq (s.n_exp, nq * (nk + 1));
  /* levels: 2; rows: nk d (scores) + 1 + nk (t_j) + nk dv (products) +
     1 (eta T) + 1 (u e^x, exps inexact) + dv (|W| r) + dv (range Q) */
  ck_assert_uint_eq (s.n_mul, 2 + nq * (nk * d + 1 + nk + nk * dv + 2 + 2 * dv));
  /* ranges: 2 (nk - 1) dv; rows: 2 (nk - 1) (max, min) + 2 (guard, F' < 1) */
  ck_assert_uint_eq (s.n_cmp, 2 * (nk - 1) * dv + nq * (2 * (nk - 1) + 2));
  /* ranges dv; levels 1; rows: nk (d - 1) + nk + (nk - 1) (1 + dv) + 2 + 1 + dv (1 + 2) */
  ck_assert_uint_eq (s.n_add, dv + 1 + nq * (nk * (d - 1) + nk + (nk - 1) * (1 + dv) + 3
                                            + 3 * dv));
  ck_assert (s.peak_bytes > nk * (sizeof (mpfr_t) + 16));
  ck_assert (s.threads >= 1);
  ck_assert (s.wall_seconds == 0);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* --- bad input ------------------------------------------------------------------ */

enum { BAD_K_COLS, BAD_V_ROWS, BAD_T_SHAPE, BAD_EMPTY_Q, BAD_EMPTY_D, BAD_EMPTY_V,
       BAD_NAN_Q, BAD_INF_K, BAD_NAN_V, BAD_PREC_0, BAD_PREC_ABOVE_MAX, BAD_PREC_HUGE,
       BAD_TAU_NEG, BAD_TAU_NAN, BAD_TAU_INF, BAD_TAU_NULL, BAD_N };

static const char *bad_expect[BAD_N] = {
  "K is 4 x 2", "V is 3 x 2", "T is 2 x 3", "Q is 0 x 3", "Q is 2 x 0", "V is 4 x 0",
  "Q: entry (1, 2) is NaN", "K: entry (3, 0) is -Inf", "V: entry (2, 1) is NaN",
  "prec = 0", "prec_max = 100 is below prec = 200", "prec_max", "tau = -1", "tau = nan",
  "tau = inf", "must not be NULL"
};

START_TEST (bad_input_refused)
{
  size_t nq = 2, nk = 4, d = 3, dv = 2, kd = 3, vr = 4, tr = 2, tc = 2;
  mpfr_prec_t prec = 128, prec_max = 256;
  fga_tau tau = TAU_INV_D;
  const fga_tau *taup = &tau;
  switch (_i)
    {
    case BAD_K_COLS: kd = 2; break;
    case BAD_V_ROWS: vr = 3; break;
    case BAD_T_SHAPE: tc = 3; break;
    case BAD_EMPTY_Q: nq = 0; tr = 0; break;
    case BAD_EMPTY_D: d = 0; kd = 0; break;
    case BAD_EMPTY_V: dv = 0; tc = 0; break;
    case BAD_PREC_0: prec = 0; break;
    case BAD_PREC_ABOVE_MAX: prec = 200; prec_max = 100; break;
    case BAD_PREC_HUGE: prec_max = MPFR_PREC_MAX; break;
    case BAD_TAU_NEG: tau = tau_value (-1); break;
    case BAD_TAU_NAN: tau = tau_value (NAN); break;
    case BAD_TAU_INF: tau = tau_value (INFINITY); break;
    case BAD_TAU_NULL: taup = NULL; break;
    }
  unsigned long st = seed_of (1500);
  fga_mat_t Q, K, V, T;
  mat_uniform (Q, nq, d, 1, &st);
  mat_uniform (K, nk, kd, 1, &st);
  mat_uniform (V, vr, dv, 1, &st);
  fga_error err;
  fga_mat_init (T, tr, tc, &err);
  if (_i == BAD_NAN_Q)
    FGA_MAT (Q, 1, 2) = NAN;
  if (_i == BAD_INF_K)
    FGA_MAT (K, 3, 0) = -INFINITY;
  if (_i == BAD_NAN_V)
    FGA_MAT (V, 2, 1) = NAN;
  fga_truth_opts opts = { prec, prec_max, 0 };
  fga_error_init (&err);
  fga_mpfr_mat_t W;
  mpfr_none (W);
  ck_assert_int_eq (fga_truth (T, NULL, W, NULL, Q, K, V, taup, &opts, NULL, NULL, &err),
                    FGA_ERR_INPUT);
  ck_assert_int_eq (err.code, FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, bad_expect[_i]) != NULL, "message '%s' lacks '%s'", err.msg,
                 bad_expect[_i]);
  ck_assert_ptr_null (W->data);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* --- the suite ------------------------------------------------------------------- */

#define N(a) ((int) (sizeof (a) / sizeof ((a)[0])))

static Suite *
truth_suite (void)
{
  Suite *s = suite_create ("truth");
  TCase *tc;

  tc = fga_test_tcase ("closed_forms", 60);
  tcase_add_loop_test (tc, closed_one_key, 0, N (one_key_cases));
  tcase_add_loop_test (tc, closed_one_key_lse, 0, N (lse_cases));
  tcase_add_loop_test (tc, closed_identical_keys, 0, N (same_key_cases));
  tcase_add_loop_test (tc, closed_two_keys, 0, 12);
  tcase_add_loop_test (tc, closed_zero_column, 0, 4);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("properties", 60);
  tcase_add_loop_test (tc, prop_permutation, 0, 3);
  tcase_add_loop_test (tc, prop_row_shift, 0, 2);
  tcase_add_loop_test (tc, prop_rows_sum_to_one, 0, 3);
  tcase_add_test (tc, prop_threads);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("precision", 120);
  tcase_add_loop_test (tc, prec_consistency, 0, N (prec_cases));
  tcase_add_loop_test (tc, prec_tiny_bound_holds, 0, N (tiny_precs));
  tcase_add_loop_test (tc, prec_sweep_bound_holds, 0, 15);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("huge_scores", 60);
  tcase_add_loop_test (tc, huge_scores, 0, 3);
  tcase_add_test (tc, huge_tau);
  tcase_add_loop_test (tc, huge_tau_bound_holds, 0, N (guard_precs));
  tcase_add_test (tc, huge_exponent_span);
  tcase_add_loop_test (tc, lse_beyond_doubles, 0, N (lse_edge_cases));
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("ziv_and_ties", 60);
  tcase_add_loop_test (tc, ziv_near_tie, 0, 2);
  tcase_add_test (tc, ziv_exact_tie);
  tcase_add_loop_test (tc, ziv_true_tie, 0, 2);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("outputs_and_counts", 10);
  tcase_add_test (tc, state_restored_and_outputs);
  tcase_add_test (tc, counts);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("bad_input", 10);
  tcase_add_loop_test (tc, bad_input_refused, 0, BAD_N);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (truth_suite ());
}
