/* t-exact -- tests of exact attention in double: fga_attention_naive, _stream and _blas

   Expected values come from closed forms computed in MPFR, from properties
   (permutation, shift of a row of scores, linearity in V, rows of P summing
   to 1), and from the slow MPFR reference fga_test_ref_attention at 200
   bits.  Every fast kernel is run with several block sizes and on every
   instruction set the library has (FGATTN_ISA lowers the one it picks).

   Error bounds used below, with u = 2^-53, R = tau max_ij sum_t |q_it k_jt|
   (a bound on |S_ij| that also bounds the rounding of the dot products),
   nb <= nk the number of key blocks, and first-order terms only (the slack
   of the constants covers the rest and the final rounding of the reference):
     naive:     |T - Att| <= u max|V| (2 (d + 3) R + 2 nk + 8)
                  the scores are off by at most (d + 1) u R, s - m by
                  2 u R more, exp by 2 u, so every weight by a relative
                  rho = u ((d + 3) R + 2), which moves a weighted mean by
                  at most 2 rho max|V|; the sums add 2 nk u max|V|.
     any:       |T - Att| <= u max|V| (2 (d + 5) R + 8 nk + 8)
                  stream also rescales by alpha = exp (m - m'), whose
                  rounding compounds over the blocks to 2 u R + 2 nb u,
                  and rounds o and l nb more times.
     lse:       |lse - LSE| <= u ((d + 5) R + 4 nk + 8) + 2 u |LSE|
   When max|V| is below 2^-950 the kernels work on V scaled up by a power
   of two, and the bounds on T gain one term, 2^-1075: the rounding of a
   subnormal output (kernels/attention-util.h); the tests allow 2^-1074.
   and FlashAttention's criterion for the fast kernels:
     err(stream), err(blas) <= 2 err(naive) + 4 ulp (max|V|),
   naive run on the same instruction set (with fused multiply-adds or
   without, as the fast kernel's scores are rounded).  */

#include <config.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
# include <omp.h>
#endif

#include "testutil.h"

#define U 0x1p-53

enum { NAIVE, STREAM, BLAS };

typedef struct
{
  const char *name;
  int algo;
  size_t block;
  const char *isa;              /* FGATTN_ISA for this run, NULL: the library's choice */
} kern_t;

static const kern_t kerns[] = {
  { "naive", NAIVE, 0, NULL },
  { "naive generic", NAIVE, 0, "generic" },
  { "stream", STREAM, 0, NULL },
  { "stream block=1", STREAM, 1, NULL },
  { "stream block=7", STREAM, 7, NULL },
  { "stream block=40", STREAM, 40, NULL },
  { "stream avx2", STREAM, 0, "avx2" },
  { "stream avx2 block=13", STREAM, 13, "avx2" },
  { "stream generic", STREAM, 0, "generic" },
  { "stream generic block=5", STREAM, 5, "generic" },
  { "blas", BLAS, 0, NULL },
  { "blas block=1", BLAS, 1, NULL },
  { "blas block=2", BLAS, 2, NULL },
  { "blas block=5", BLAS, 5, NULL },
  { "blas avx2", BLAS, 0, "avx2" },
  { "blas generic block=3", BLAS, 3, "generic" },
};
#define NKERNS (sizeof kerns / sizeof kerns[0])

static char isa_saved[64];
static int isa_was_set;

static int
run (const kern_t *k, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
     fga_mat_srcptr V, double tau, fga_stats *st, fga_error *err)
{
  int rc;
  if (k->isa != NULL)
    setenv ("FGATTN_ISA", k->isa, 1);
  if (st != NULL)
    fga_stats_init (st);
  fga_error_init (err);
  switch (k->algo)
    {
    case NAIVE:
      rc = fga_attention_naive (T, lse, Q, K, V, tau, st, err);
      break;
    case STREAM:
      rc = fga_attention_stream (T, lse, Q, K, V, tau, k->block, st, err);
      break;
    default:
      rc = fga_attention_blas (T, lse, Q, K, V, tau, k->block, st, err);
      break;
    }
  if (k->isa != NULL)
    {
      if (isa_was_set)
        setenv ("FGATTN_ISA", isa_saved, 1);
      else
        unsetenv ("FGATTN_ISA");
    }
  return rc;
}

/* Runs a kernel that must succeed.  */
static void
run_ok (const kern_t *k, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
        fga_mat_srcptr V, double tau, fga_stats *st)
{
  fga_error err;
  int rc = run (k, T, lse, Q, K, V, tau, st, &err);
  ck_assert_msg (rc == FGA_OK, "%s failed (%d): %s; FGATTN_TEST_SEED=%lu", k->name, rc,
                 err.msg, fga_test_seed ());
}

static void
mat (fga_mat_ptr M, size_t rows, size_t cols)
{
  fga_error err;
  ck_assert_int_eq (fga_mat_init (M, rows, cols, &err), FGA_OK);
}

static double
ulp (double x)
{
  x = fabs (x);
  if (x == 0 || !isfinite (x))
    return 0;
  return ldexp (1.0, ilogb (x) - 52);
}

/* tau max_ij sum_t |q_it k_jt| */
static double
score_bound (fga_mat_srcptr Q, fga_mat_srcptr K, double tau)
{
  double r = 0;
  for (size_t i = 0; i < Q->rows; i++)
    for (size_t j = 0; j < K->rows; j++)
      {
        double s = 0;
        for (size_t t = 0; t < Q->cols; t++)
          s += fabs (FGA_MAT (Q, i, t) * FGA_MAT (K, j, t));
        r = fmax (r, s);
      }
  return tau * r * (1 + 0x1p-40);
}

static double
max_abs_diff (fga_mat_srcptr A, fga_mat_srcptr B)
{
  double r = 0;
  for (size_t k = 0; k < A->rows * A->cols; k++)
    {
      double e = fabs (A->data[k] - B->data[k]);
      if (isnan (e))
        return INFINITY;
      r = fmax (r, e);
    }
  return r;
}

/* Fills M with multiples of 2^-bits in [-B, B] (B a power of two): sums of
   products of such numbers are exact in double as long as they stay
   within 53 bits.  */
static void
fill_dyadic (fga_mat_ptr M, double B, int bits, unsigned long *state)
{
  fga_test_fill_uniform (M, B, state);
  for (size_t k = 0; k < M->rows * M->cols; k++)
    M->data[k] = ldexp (nearbyint (ldexp (M->data[k], bits)), -bits);
}

/* ------------------------------------------------------------------ */
/* Closed forms.  */

/* One key: every query returns V's row, exactly, and lse = its score.  */
static const size_t one_key_shapes[][3] = { { 1, 1, 1 }, { 5, 3, 4 }, { 19, 16, 17 },
                                            { 130, 8, 3 } };   /* nq, d, dv */

START_TEST (test_one_key)
{
  unsigned long seed = fga_test_seed () + (unsigned long) _i;
  const size_t *sh = one_key_shapes[_i];
  fga_mat_t Q, K, V, T;
  mat (Q, sh[0], sh[1]);
  mat (K, 1, sh[1]);
  mat (V, 1, sh[2]);
  mat (T, sh[0], sh[2]);
  fga_test_fill_uniform (Q, 40, &seed);
  fga_test_fill_uniform (K, 40, &seed);
  fga_test_fill_uniform (V, 3, &seed);
  double *lse = malloc (sh[0] * sizeof (double));
  for (size_t k = 0; k < NKERNS; k++)
    {
      run_ok (&kerns[k], T, lse, Q, K, V, 1.0, NULL);
      for (size_t i = 0; i < sh[0]; i++)
        {
          for (size_t c = 0; c < sh[2]; c++)
            ck_assert_msg (FGA_MAT (T, i, c) == FGA_MAT (V, 0, c),
                           "%s: T[%zu][%zu] = %.17g, V[0][%zu] = %.17g; FGATTN_TEST_SEED=%lu",
                           kerns[k].name, i, c, FGA_MAT (T, i, c), c, FGA_MAT (V, 0, c),
                           fga_test_seed ());
          double s = 0;
          for (size_t t = 0; t < sh[1]; t++)
            s += fabs (FGA_MAT (Q, i, t) * FGA_MAT (K, 0, t));
          double dot = 0;
          for (size_t t = 0; t < sh[1]; t++)
            dot += FGA_MAT (Q, i, t) * FGA_MAT (K, 0, t);
          ck_assert_close (lse[i], dot, 0, 2 * (sh[1] + 1) * U * s);
        }
    }
  free (lse);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* Identical keys: every weight is 1/nk and T is the mean of V's rows.  */
static const size_t same_keys_nk[] = { 2, 3, 17, 64, 300 };

START_TEST (test_identical_keys)
{
  unsigned long seed = fga_test_seed () + 100 + (unsigned long) _i;
  const size_t nq = 11, nk = same_keys_nk[_i], d = 6, dv = 5;
  fga_mat_t Q, K, V, T;
  mat (Q, nq, d);
  mat (K, nk, d);
  mat (V, nk, dv);
  mat (T, nq, dv);
  fga_test_fill_uniform (Q, 3, &seed);
  fga_test_fill_uniform (K, 3, &seed);
  for (size_t j = 1; j < nk; j++)
    memcpy (&FGA_MAT (K, j, 0), &FGA_MAT (K, 0, 0), d * sizeof (double));
  fga_test_fill_uniform (V, 1, &seed);
  double vmax = fga_mat_max_abs (V);

  double mean[5];
  mpfr_t acc;
  mpfr_init2 (acc, 200);
  for (size_t c = 0; c < dv; c++)
    {
      mpfr_set_zero (acc, 1);
      for (size_t j = 0; j < nk; j++)
        mpfr_add_d (acc, acc, FGA_MAT (V, j, c), MPFR_RNDN);
      mpfr_div_ui (acc, acc, nk, MPFR_RNDN);
      mean[c] = mpfr_get_d (acc, MPFR_RNDN);
    }
  mpfr_clear (acc);

  for (size_t k = 0; k < NKERNS; k++)
    {
      run_ok (&kerns[k], T, NULL, Q, K, V, 1 / sqrt ((double) d), NULL);
      for (size_t i = 0; i < nq; i++)
        for (size_t c = 0; c < dv; c++)
          ck_assert_close (FGA_MAT (T, i, c), mean[c], 2, (2 * nk + 8) * U * vmax);
    }
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* Two keys: T = p v1 + (1 - p) v2 with p = 1 / (1 + exp (s2 - s1)), the
   logistic weight.  Integer entries and tau a power of two make the scores
   exact; the differences go from a tie to total domination (exp (-800)
   underflows), around scores of 30000 that would overflow exp.  */
static const double two_keys_cases[][3] = {
  /* s1 - s2, common shift, tau */
  { 0, 0, 1 }, { 1, 0, 1 }, { -3, 5, 0.5 }, { 20, -7, 1 }, { -37, 0, 0.25 },
  { 745, 0, 1 }, { -800, 30000, 1 }, { 2, 30000, 1 }, { -0.5, -25600, 0.5 }
};

START_TEST (test_two_keys)
{
  unsigned long seed = fga_test_seed () + 200 + (unsigned long) _i;
  const double *cs = two_keys_cases[_i];
  const size_t nq = 3, dv = 7;
  double tau = cs[2];
  fga_mat_t Q, K, V, T;
  mat (Q, nq, 2);
  mat (K, 2, 2);
  mat (V, 2, dv);
  mat (T, nq, dv);
  /* s_j = tau (q0 k_j0 + q1 k_j1) with q = (1, 1): s1 - s2 = tau (k10 - k20) */
  for (size_t i = 0; i < nq; i++)
    {
      FGA_MAT (Q, i, 0) = 1;
      FGA_MAT (Q, i, 1) = 1;
    }
  FGA_MAT (K, 0, 0) = cs[0] / tau + cs[1] / tau;
  FGA_MAT (K, 0, 1) = 0;
  FGA_MAT (K, 1, 0) = cs[1] / tau;
  FGA_MAT (K, 1, 1) = 0;
  fga_test_fill_uniform (V, 2, &seed);
  double vmax = fga_mat_max_abs (V);

  double want[7], lse_want;
  mpfr_t p, t, s1, s2;
  mpfr_inits2 (200, p, t, s1, s2, (mpfr_ptr) 0);
  mpfr_set_d (s1, tau * FGA_MAT (K, 0, 0), MPFR_RNDN);
  mpfr_set_d (s2, tau * FGA_MAT (K, 1, 0), MPFR_RNDN);
  mpfr_sub (p, s2, s1, MPFR_RNDN);
  mpfr_exp (p, p, MPFR_RNDN);
  mpfr_add_ui (p, p, 1, MPFR_RNDN);
  mpfr_ui_div (p, 1, p, MPFR_RNDN);              /* p = 1 / (1 + exp (s2 - s1)) */
  for (size_t c = 0; c < dv; c++)
    {
      mpfr_set_d (t, FGA_MAT (V, 0, c), MPFR_RNDN);
      mpfr_sub_d (t, t, FGA_MAT (V, 1, c), MPFR_RNDN);
      mpfr_mul (t, t, p, MPFR_RNDN);
      mpfr_add_d (t, t, FGA_MAT (V, 1, c), MPFR_RNDN);
      want[c] = mpfr_get_d (t, MPFR_RNDN);
    }
  mpfr_exp (s1, s1, MPFR_RNDN);        /* no overflow: MPFR's exponent range is wide */
  mpfr_exp (s2, s2, MPFR_RNDN);
  mpfr_add (t, s1, s2, MPFR_RNDN);
  mpfr_log (t, t, MPFR_RNDN);
  lse_want = mpfr_get_d (t, MPFR_RNDN);
  mpfr_clears (p, t, s1, s2, (mpfr_ptr) 0);

  double lse[3];
  for (size_t k = 0; k < NKERNS; k++)
    {
      run_ok (&kerns[k], T, lse, Q, K, V, tau, NULL);
      for (size_t i = 0; i < nq; i++)
        {
          for (size_t c = 0; c < dv; c++)
            ck_assert_close (FGA_MAT (T, i, c), want[c], 0, 24 * U * vmax);
          ck_assert_close (lse[i], lse_want, 4, 4 * U);
        }
    }
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* Scores near the ends of the double range: 1e300, -1e300 and 5e299 with
   d = 1.  The first key takes all the weight.  */
START_TEST (test_extreme_scores)
{
  fga_mat_t Q, K, V, T;
  mat (Q, 2, 1);
  mat (K, 3, 1);
  mat (V, 3, 2);
  mat (T, 2, 2);
  FGA_MAT (Q, 0, 0) = 1e150;
  FGA_MAT (Q, 1, 0) = 1e150;
  FGA_MAT (K, 0, 0) = 1e150;
  FGA_MAT (K, 1, 0) = -1e150;
  FGA_MAT (K, 2, 0) = 0.5e150;
  for (size_t j = 0; j < 3; j++)
    {
      FGA_MAT (V, j, 0) = (double) j + 0.25;
      FGA_MAT (V, j, 1) = -(double) j - 1;
    }
  double lse[2];
  for (size_t k = 0; k < NKERNS; k++)
    {
      run_ok (&kerns[k], T, lse, Q, K, V, 1.0, NULL);
      for (size_t i = 0; i < 2; i++)
        {
          ck_assert_msg (FGA_MAT (T, i, 0) == 0.25 && FGA_MAT (T, i, 1) == -1,
                         "%s: row %zu is (%g, %g), not (0.25, -1)", kerns[k].name, i,
                         FGA_MAT (T, i, 0), FGA_MAT (T, i, 1));
          ck_assert_close (lse[i], 1e150 * 1e150, 1, 0);
        }
    }
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Properties.  */

typedef struct
{
  size_t nq, nk, d, dv;
  double B;
} shape_t;

static const shape_t prop_shapes[] = {
  { 9, 50, 5, 3, 1 }, { 33, 200, 16, 8, 2 }, { 4, 7, 3, 11, 3 }, { 70, 130, 8, 16, 1 }
};

/* Permuting the keys together with their values changes nothing beyond
   rounding: each result is within the a priori bound of the truth.  */
START_TEST (test_permutation)
{
  unsigned long seed = fga_test_seed () + 300 + (unsigned long) _i;
  const shape_t *sh = &prop_shapes[_i];
  double tau = 1 / sqrt ((double) sh->d);
  fga_mat_t Q, K, V, K2, V2, T, T2;
  mat (Q, sh->nq, sh->d);
  mat (K, sh->nk, sh->d);
  mat (V, sh->nk, sh->dv);
  mat (K2, sh->nk, sh->d);
  mat (V2, sh->nk, sh->dv);
  mat (T, sh->nq, sh->dv);
  mat (T2, sh->nq, sh->dv);
  fga_test_fill_uniform (Q, sh->B, &seed);
  fga_test_fill_uniform (K, sh->B, &seed);
  fga_test_fill_uniform (V, 1, &seed);
  size_t *perm = malloc (sh->nk * sizeof (size_t));
  for (size_t j = 0; j < sh->nk; j++)
    perm[j] = j;
  /* Fisher-Yates with a small LCG: any permutation will do */
  unsigned long x = seed | 1;
  for (size_t j = sh->nk - 1; j > 0; j--)
    {
      x = x * 6364136223846793005UL + 1442695040888963407UL;
      size_t k = (size_t) ((x >> 33) % (j + 1));
      size_t t = perm[j];
      perm[j] = perm[k];
      perm[k] = t;
    }
  for (size_t j = 0; j < sh->nk; j++)
    {
      memcpy (&FGA_MAT (K2, j, 0), &FGA_MAT (K, perm[j], 0), sh->d * sizeof (double));
      memcpy (&FGA_MAT (V2, j, 0), &FGA_MAT (V, perm[j], 0), sh->dv * sizeof (double));
    }
  double R = score_bound (Q, K, tau), vmax = fga_mat_max_abs (V);
  double tol = 2 * U * vmax * (2 * (sh->d + 5) * R + 8 * sh->nk + 8);
  for (size_t k = 0; k < NKERNS; k++)
    {
      run_ok (&kerns[k], T, NULL, Q, K, V, tau, NULL);
      run_ok (&kerns[k], T2, NULL, Q, K2, V2, tau, NULL);
      double e = max_abs_diff (T, T2);
      ck_assert_msg (e <= tol, "%s: permuting the keys moved T by %g > %g; FGATTN_TEST_SEED=%lu",
                     kerns[k].name, e, tol, fga_test_seed ());
    }
  free (perm);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (K2);
  fga_mat_clear (V2);
  fga_mat_clear (T);
  fga_mat_clear (T2);
}
END_TEST

/* Adding c_i to every score of row i (an extra coordinate: q' = (q, c_i / tau),
   k' = (k, 1)) changes nothing.  With dyadic entries and tau a power of two
   every score is exact, before and after the shift, so T must not change
   by a single bit and lse must move by exactly c_i up to its rounding; the
   shifts reach 30000, where exp overflows without the subtraction of the
   maximum.  */
static const double shift_cases[][2] = { { 1, 1 }, { 0.25, 1000 }, { 1, 30000 }, { 0.5, -30000 } };

START_TEST (test_shift)
{
  const size_t sh_i = (size_t) _i % 4, ca_i = (size_t) _i / 4;
  unsigned long seed = fga_test_seed () + 400 + (unsigned long) _i;
  const shape_t *sh = &prop_shapes[sh_i];
  double tau = shift_cases[ca_i][0], cmax = shift_cases[ca_i][1];
  fga_mat_t Q, K, V, Q2, K2, T, T2, c;
  mat (Q, sh->nq, sh->d);
  mat (K, sh->nk, sh->d);
  mat (V, sh->nk, sh->dv);
  mat (Q2, sh->nq, sh->d + 1);
  mat (K2, sh->nk, sh->d + 1);
  mat (T, sh->nq, sh->dv);
  mat (T2, sh->nq, sh->dv);
  mat (c, sh->nq, 1);
  fill_dyadic (Q, 2, 3, &seed);
  fill_dyadic (K, 2, 3, &seed);
  fga_test_fill_uniform (V, 1, &seed);
  fga_test_fill_uniform (c, 1, &seed);
  for (size_t i = 0; i < sh->nq; i++)
    {
      /* c_i: a multiple of 1/8 of either sign up to cmax */
      c->data[i] = ldexp (nearbyint (ldexp (c->data[i] * cmax, 3)), -3);
      memcpy (&FGA_MAT (Q2, i, 0), &FGA_MAT (Q, i, 0), sh->d * sizeof (double));
      FGA_MAT (Q2, i, sh->d) = c->data[i] / tau;
    }
  for (size_t j = 0; j < sh->nk; j++)
    {
      memcpy (&FGA_MAT (K2, j, 0), &FGA_MAT (K, j, 0), sh->d * sizeof (double));
      FGA_MAT (K2, j, sh->d) = 1;
    }
  double *lse = malloc (sh->nq * sizeof (double)), *lse2 = malloc (sh->nq * sizeof (double));
  for (size_t k = 0; k < NKERNS; k++)
    {
      run_ok (&kerns[k], T, lse, Q, K, V, tau, NULL);
      run_ok (&kerns[k], T2, lse2, Q2, K2, V, tau, NULL);
      for (size_t x = 0; x < T->rows * T->cols; x++)
        ck_assert_msg (T->data[x] == T2->data[x],
                       "%s: shifting the scores of row %zu by %g moved T from %.17g to %.17g; "
                       "FGATTN_TEST_SEED=%lu", kerns[k].name, x / sh->dv, c->data[x / sh->dv],
                       T->data[x], T2->data[x], fga_test_seed ());
      for (size_t i = 0; i < sh->nq; i++)
        ck_assert_close (lse2[i], lse[i] + c->data[i], 2, 2 * ulp (lse[i]));
    }
  free (lse);
  free (lse2);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (Q2);
  fga_mat_clear (K2);
  fga_mat_clear (T);
  fga_mat_clear (T2);
  fga_mat_clear (c);
}
END_TEST

/* The same with random entries, tau = 1/sqrt(d) and a shift of -20000:
   equal to the a priori bound, and never NaN.  */
START_TEST (test_shift_random)
{
  unsigned long seed = fga_test_seed () + 450 + (unsigned long) _i;
  const shape_t *sh = &prop_shapes[_i];
  double tau = 1 / sqrt ((double) sh->d + 1);
  fga_mat_t Q, K, V, Q2, K2, T, T2;
  mat (Q, sh->nq, sh->d);
  mat (K, sh->nk, sh->d);
  mat (V, sh->nk, sh->dv);
  mat (Q2, sh->nq, sh->d + 1);
  mat (K2, sh->nk, sh->d + 1);
  mat (T, sh->nq, sh->dv);
  mat (T2, sh->nq, sh->dv);
  fga_test_fill_uniform (Q, sh->B, &seed);
  fga_test_fill_uniform (K, sh->B, &seed);
  fga_test_fill_uniform (V, 1, &seed);
  for (size_t i = 0; i < sh->nq; i++)
    {
      memcpy (&FGA_MAT (Q2, i, 0), &FGA_MAT (Q, i, 0), sh->d * sizeof (double));
      FGA_MAT (Q2, i, sh->d) = -20000;
    }
  for (size_t j = 0; j < sh->nk; j++)
    {
      memcpy (&FGA_MAT (K2, j, 0), &FGA_MAT (K, j, 0), sh->d * sizeof (double));
      FGA_MAT (K2, j, sh->d) = 1;
    }
  double R = score_bound (Q2, K2, tau), vmax = fga_mat_max_abs (V);
  double tol = 2 * U * vmax * (2 * (sh->d + 6) * R + 8 * sh->nk + 8);
  for (size_t k = 0; k < NKERNS; k++)
    {
      run_ok (&kerns[k], T, NULL, Q, K, V, tau, NULL);
      run_ok (&kerns[k], T2, NULL, Q2, K2, V, tau, NULL);
      double e = max_abs_diff (T, T2);
      ck_assert_msg (e <= tol, "%s: shifting the scores moved T by %g > %g; FGATTN_TEST_SEED=%lu",
                     kerns[k].name, e, tol, fga_test_seed ());
    }
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (Q2);
  fga_mat_clear (K2);
  fga_mat_clear (T);
  fga_mat_clear (T2);
}
END_TEST

/* T is linear in V: T(V1 + 2 V2) = T(V1) + 2 T(V2) up to the rounding of
   the weighted sums.  V1 and V2 are dyadic so that V1 + 2 V2 is exact; the
   weights are the same in the three runs, and each sum of nk terms is
   rounded at most nk + nb <= 2 nk times.  */
START_TEST (test_linearity)
{
  unsigned long seed = fga_test_seed () + 500 + (unsigned long) _i;
  const shape_t *sh = &prop_shapes[_i];
  double tau = 1 / (double) sh->d;
  fga_mat_t Q, K, V1, V2, V3, T1, T2, T3;
  mat (Q, sh->nq, sh->d);
  mat (K, sh->nk, sh->d);
  mat (V1, sh->nk, sh->dv);
  mat (V2, sh->nk, sh->dv);
  mat (V3, sh->nk, sh->dv);
  mat (T1, sh->nq, sh->dv);
  mat (T2, sh->nq, sh->dv);
  mat (T3, sh->nq, sh->dv);
  fga_test_fill_uniform (Q, 2 * sh->B, &seed);
  fga_test_fill_uniform (K, 2 * sh->B, &seed);
  fill_dyadic (V1, 1, 30, &seed);
  fill_dyadic (V2, 1, 30, &seed);
  for (size_t x = 0; x < V3->rows * V3->cols; x++)
    V3->data[x] = V1->data[x] + 2 * V2->data[x];
  double scale = fga_mat_max_abs (V1) + 2 * fga_mat_max_abs (V2);
  double tol = 3 * (4 * sh->nk + 4) * U * scale;
  for (size_t k = 0; k < NKERNS; k++)
    {
      run_ok (&kerns[k], T1, NULL, Q, K, V1, tau, NULL);
      run_ok (&kerns[k], T2, NULL, Q, K, V2, tau, NULL);
      run_ok (&kerns[k], T3, NULL, Q, K, V3, tau, NULL);
      double e = 0;
      for (size_t x = 0; x < T3->rows * T3->cols; x++)
        e = fmax (e, fabs (T3->data[x] - (T1->data[x] + 2 * T2->data[x])));
      ck_assert_msg (e <= tol, "%s: T(V1 + 2 V2) - T(V1) - 2 T(V2) = %g > %g; "
                     "FGATTN_TEST_SEED=%lu", kerns[k].name, e, tol, fga_test_seed ());
    }
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V1);
  fga_mat_clear (V2);
  fga_mat_clear (V3);
  fga_mat_clear (T1);
  fga_mat_clear (T2);
  fga_mat_clear (T3);
}
END_TEST

/* Rows of P sum to 1: with V = ones, T = l / l computed along two paths
   (the row sum and the weighted sum), which differ only in how the nk
   terms are added up: |T - 1| <= 2 (nk + nb) u, and naive gives exactly 1.  */
START_TEST (test_rows_sum_to_one)
{
  unsigned long seed = fga_test_seed () + 600 + (unsigned long) _i;
  const shape_t *sh = &prop_shapes[_i];
  fga_mat_t Q, K, V, T;
  mat (Q, sh->nq, sh->d);
  mat (K, sh->nk, sh->d);
  mat (V, sh->nk, sh->dv);
  mat (T, sh->nq, sh->dv);
  fga_test_fill_uniform (Q, 3 * sh->B, &seed);
  fga_test_fill_uniform (K, 3 * sh->B, &seed);
  for (size_t x = 0; x < V->rows * V->cols; x++)
    V->data[x] = 1;
  for (size_t k = 0; k < NKERNS; k++)
    {
      run_ok (&kerns[k], T, NULL, Q, K, V, 1 / sqrt ((double) sh->d), NULL);
      double tol = kerns[k].algo == NAIVE ? 0 : 4 * sh->nk * U;
      for (size_t x = 0; x < T->rows * T->cols; x++)
        ck_assert_msg (fabs (T->data[x] - 1) <= tol, "%s: a row of P sums to 1 %+g; "
                       "FGATTN_TEST_SEED=%lu", kerns[k].name, T->data[x] - 1, fga_test_seed ());
    }
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Accuracy against the MPFR reference.  */

static const shape_t acc_shapes[] = {
  { 23, 150, 16, 9, 0 }, { 40, 97, 8, 24, 0 }, { 17, 300, 32, 16, 0 }, { 64, 64, 4, 3, 0 },
  { 5, 513, 16, 16, 0 }, { 31, 41, 64, 8, 0 }
};
#define N_ACC_SHAPES (sizeof acc_shapes / sizeof acc_shapes[0])
#define N_ACC_SEEDS 2
static const double acc_B[] = { 0.5, 3, 10, 40 };
enum { TAU_INV_D, TAU_INV_SQRT_D, TAU_ONE };
enum { UNIFORM, DYADIC };

/* One loop iteration is one (B, tau): N_ACC_SEEDS instances of every shape,
   of two kinds: entries uniform in [-B, B], and the same rounded to
   multiples of B 2^-10, whose dot products are exact in any order.  Every
   run must meet the a priori bounds.  FlashAttention's criterion compares
   the largest errors over the group (as FlashAttention compares its
   kernels with a baseline over many inputs), where the kernels round the
   scores as naive does: when the scores are large (tau = 1, B >= 10) their
   rounding dominates the error, and comparing two orders of summation
   would compare only their luck on a few near-tied rows.  stream rounds
   its scores as naive (a chain of fused multiply-adds from the first
   product, or of plain ones on the baseline): it is held to the criterion
   on both kinds.  dgemm adds the products in an order of its own (another
   one again for a single row): blas is held to it on the exact scores.  */
START_TEST (test_accuracy)
{
  const double B = acc_B[_i % 4];
  const int tk = _i / 4;
  double maxerr[2][NKERNS];
  for (size_t k = 0; k < NKERNS; k++)
    maxerr[UNIFORM][k] = maxerr[DYADIC][k] = 0;

  for (size_t x = 0; x < 2 * N_ACC_SHAPES * N_ACC_SEEDS; x++)
    {
      const shape_t *sh = &acc_shapes[x % N_ACC_SHAPES];
      const int kind = (x / N_ACC_SHAPES) % 2;
      unsigned long seed = fga_test_seed () + 1000 + 100 * (unsigned long) _i + x;
      const size_t nq = sh->nq, nk = sh->nk, d = sh->d, dv = sh->dv;
      double tau = tk == TAU_INV_D ? 1 / (double) d
        : tk == TAU_INV_SQRT_D ? 1 / sqrt ((double) d) : 1;
      fga_mat_t Q, K, V, T, Ref;
      mat (Q, nq, d);
      mat (K, nk, d);
      mat (V, nk, dv);
      mat (T, nq, dv);
      mat (Ref, nq, dv);
      fga_test_fill_uniform (Q, B, &seed);
      fga_test_fill_uniform (K, B, &seed);
      fga_test_fill_uniform (V, B, &seed);
      if (kind == DYADIC)
        for (size_t y = 0; y < nq * d; y++)
          {
            Q->data[y] = B * ldexp (nearbyint (ldexp (Q->data[y] / B, 10)), -10);
            if (y < nk * d)
              K->data[y] = B * ldexp (nearbyint (ldexp (K->data[y] / B, 10)), -10);
          }
      if (kind == DYADIC)
        for (size_t y = nq * d; y < nk * d; y++)
          K->data[y] = B * ldexp (nearbyint (ldexp (K->data[y] / B, 10)), -10);
      double *lse = malloc (nq * sizeof (double)), *lse_ref = malloc (nq * sizeof (double));
      fga_test_ref_attention (Ref, lse_ref, Q, K, V, tau, 200);

      double R = score_bound (Q, K, tau), vmax = fga_mat_max_abs (V);
      double bound_naive = U * vmax * (2 * (d + 3) * R + 2 * nk + 8);
      double bound_any = U * vmax * (2 * (d + 5) * R + 8 * nk + 8);
      for (size_t k = 0; k < NKERNS; k++)
        {
          run_ok (&kerns[k], T, lse, Q, K, V, tau, NULL);
          double e = max_abs_diff (T, Ref);
          double bound = kerns[k].algo == NAIVE ? bound_naive : bound_any;
          ck_assert_msg (e <= bound, "%s: error %g > bound %g (nq=%zu nk=%zu d=%zu dv=%zu B=%g "
                         "tau=%g); FGATTN_TEST_SEED=%lu", kerns[k].name, e, bound, nq, nk, d,
                         dv, B, tau, fga_test_seed ());
          maxerr[kind][k] = fmax (maxerr[kind][k], e);
          for (size_t i = 0; i < nq; i++)
            {
              double tol = U * ((d + 5) * R + 4 * nk + 8) + 2 * U * fabs (lse_ref[i]);
              ck_assert_msg (fabs (lse[i] - lse_ref[i]) <= tol,
                             "%s: lse[%zu] = %.17g, reference %.17g, tolerance %g; "
                             "FGATTN_TEST_SEED=%lu", kerns[k].name, i, lse[i], lse_ref[i], tol,
                             fga_test_seed ());
            }
        }
      free (lse);
      free (lse_ref);
      fga_mat_clear (Q);
      fga_mat_clear (K);
      fga_mat_clear (V);
      fga_mat_clear (T);
      fga_mat_clear (Ref);
    }

  for (int kind = UNIFORM; kind <= DYADIC; kind++)
    {
      /* naive's error on the same instruction set: with fma or without */
      double err_naive = 0, err_naive_generic = 0;
      for (size_t k = 0; k < NKERNS; k++)
        if (kerns[k].algo == NAIVE)
          {
            if (kerns[k].isa != NULL && strcmp (kerns[k].isa, "generic") == 0)
              err_naive_generic = maxerr[kind][k];
            else
              err_naive = maxerr[kind][k];
          }
      for (size_t k = 0; k < NKERNS; k++)
        {
          if (kerns[k].algo == NAIVE || (kerns[k].algo == BLAS && kind == UNIFORM))
            continue;
          int generic = kerns[k].algo == STREAM && kerns[k].isa != NULL
            && strcmp (kerns[k].isa, "generic") == 0;
          double en = generic ? err_naive_generic : err_naive;
          double crit = 2 * en + 4 * ulp (B);
          ck_assert_msg (maxerr[kind][k] <= crit, "%s: largest error %g, naive's %g, criterion "
                         "2 naive + 4 ulp = %g (%s entries, B=%g, tau %s); FGATTN_TEST_SEED=%lu",
                         kerns[k].name, maxerr[kind][k], en, crit,
                         kind == DYADIC ? "dyadic" : "uniform", B,
                         tk == TAU_INV_D ? "1/d" : tk == TAU_INV_SQRT_D ? "1/sqrt(d)" : "1",
                         fga_test_seed ());
        }
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Operation counts.  */

static const size_t count_shapes[][4] = {
  { 1, 1, 1, 1 }, { 5, 3, 2, 0 }, { 7, 300, 3, 5 }, { 130, 513, 16, 9 }, { 3, 2, 64, 1 },
  { 0, 4, 2, 2 }
};

typedef struct
{
  uint64_t mul, add, exp, div, cmp;
} ops_t;

/* The closed forms, written from the algorithms, not from the code.  */
static ops_t
expected_ops (int algo, size_t nq, size_t nk, size_t d, size_t dv, size_t block, int L)
{
  ops_t o;
  if (algo == STREAM)
    {
      uint64_t nb = (nk + block - 1) / block;
      /* per row: scores nk (d mul + d-1 add) + nk tau; per block alpha = exp (m - m')
         (1 add, 1 exp), l = alpha l (1 mul), o = alpha o (dv mul); per score s - m'
         (1 add), exp, l += e (1 add), o += e v (dv mul, dv add); o / l; m + log l */
      o.mul = nq * (nk * d + nk + nb + nb * dv + nk * dv);
      o.add = nq * (nk * (d - 1) + nb + nk + nk + nk * dv + L);
      o.exp = nq * (nb + nk + L);
      o.div = nq * dv;
      o.cmp = nq * nk;
    }
  else
    {
      /* per row: scores as above; max: nk - 1 cmp; s - m: nk add; exp: nk; sum:
         nk - 1 add; P V: nk dv mul, (nk - 1) dv add; o / l: dv div; m + log l */
      o.mul = nq * (nk * d + nk + nk * dv);
      o.add = nq * (nk * (d - 1) + nk + (nk - 1) + (nk - 1) * dv + L);
      o.exp = nq * (nk + L);
      o.div = nq * dv;
      o.cmp = nq * (nk - 1);
    }
  return o;
}

static int
ops_equal (const fga_stats *st, const ops_t *o)
{
  return st->n_mul == o->mul && st->n_add == o->add && st->n_exp == o->exp
    && st->n_div == o->div && st->n_cmp == o->cmp;
}

START_TEST (test_counts)
{
  const size_t *sh = count_shapes[_i];
  const size_t nq = sh[0], nk = sh[1], d = sh[2], dv = sh[3];
  unsigned long seed = fga_test_seed () + 2000 + (unsigned long) _i;
  fga_mat_t Q, K, V, T;
  mat (Q, nq, d);
  mat (K, nk, d);
  mat (V, nk, dv);
  mat (T, nq, dv);
  fga_test_fill_uniform (Q, 1, &seed);
  fga_test_fill_uniform (K, 1, &seed);
  fga_test_fill_uniform (V, 1, &seed);
  double *lse = malloc ((nq + 1) * sizeof (double));
  for (size_t k = 0; k < NKERNS; k++)
    for (int L = 0; L <= 1; L++)
      {
        fga_stats st;
        run_ok (&kerns[k], T, L ? lse : NULL, Q, K, V, 0.5, &st);
        size_t block = 0;
        if (kerns[k].algo == STREAM)
          {
            block = kerns[k].block > 0 ? kerns[k].block : 256;
            block = block < nk ? block : nk;
            ck_assert_msg (fga_stats_get (&st, "block") == (double) block,
                           "%s: block %g, expected %zu", kerns[k].name,
                           fga_stats_get (&st, "block"), block);
          }
        ops_t o = expected_ops (kerns[k].algo, nq, nk, d, dv, block, L);
        ck_assert_msg (ops_equal (&st, &o),
                       "%s (nq=%zu nk=%zu d=%zu dv=%zu lse=%d): counted mul %llu add %llu exp "
                       "%llu div %llu cmp %llu, expected %llu %llu %llu %llu %llu",
                       kerns[k].name, nq, nk, d, dv, L, (unsigned long long) st.n_mul,
                       (unsigned long long) st.n_add, (unsigned long long) st.n_exp,
                       (unsigned long long) st.n_div, (unsigned long long) st.n_cmp,
                       (unsigned long long) o.mul, (unsigned long long) o.add,
                       (unsigned long long) o.exp, (unsigned long long) o.div,
                       (unsigned long long) o.cmp);
        ck_assert_msg (st.peak_bytes > 0 || nq == 0, "%s: no scratch recorded", kerns[k].name);
        ck_assert_msg (st.wall_seconds == 0, "%s: the kernel set the wall time", kerns[k].name);
      }
  free (lse);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* With one thread or two: the same counts, and the same results (bit for
   bit where the blocking does not depend on the threads: naive and
   stream; blas leaves the dgemm to OpenBLAS's threads when it runs on one
   thread itself), all within the a priori bound of the reference.  The
   instance is large enough for the kernels to use both threads.  */
START_TEST (test_threads)
{
  unsigned long seed = fga_test_seed () + 2100;
  const size_t nq = 200, nk = 600, d = 12, dv = 5;
  const double tau = 0.25;
  fga_mat_t Q, K, V, T1, T2, Ref;
  mat (Q, nq, d);
  mat (K, nk, d);
  mat (V, nk, dv);
  mat (T1, nq, dv);
  mat (T2, nq, dv);
  mat (Ref, nq, dv);
  fga_test_fill_uniform (Q, 2, &seed);
  fga_test_fill_uniform (K, 2, &seed);
  fga_test_fill_uniform (V, 1, &seed);
  fga_test_ref_attention (Ref, NULL, Q, K, V, tau, 200);
  double R = score_bound (Q, K, tau), vmax = fga_mat_max_abs (V);
  double bound = U * vmax * (2 * (d + 5) * R + 8 * nk + 8);
#ifdef _OPENMP
  int saved = omp_get_max_threads ();
#endif
  for (size_t k = 0; k < NKERNS; k++)
    {
      fga_stats st[3];
#ifdef _OPENMP
      omp_set_num_threads (1);
#endif
      run_ok (&kerns[k], T1, NULL, Q, K, V, tau, &st[0]);
#ifdef _OPENMP
      omp_set_num_threads (2);
#endif
      run_ok (&kerns[k], T2, NULL, Q, K, V, tau, &st[1]);
      run_ok (&kerns[k], T2, NULL, Q, K, V, tau, &st[2]);
#ifdef _OPENMP
      omp_set_num_threads (saved);
      ck_assert_msg (st[0].threads == 1, "%s: %d threads, asked for 1", kerns[k].name,
                     st[0].threads);
#endif
      for (int r = 1; r < 3; r++)
        ck_assert_msg (st[r].n_mul == st[0].n_mul && st[r].n_add == st[0].n_add
                       && st[r].n_exp == st[0].n_exp && st[r].n_div == st[0].n_div
                       && st[r].n_cmp == st[0].n_cmp,
                       "%s: run %d (%d threads) counted differently from the one-thread run",
                       kerns[k].name, r, st[r].threads);
      double e1 = max_abs_diff (T1, Ref), e2 = max_abs_diff (T2, Ref);
      ck_assert_msg (e1 <= bound && e2 <= bound, "%s: errors %g (1 thread) and %g (%d threads), "
                     "bound %g; FGATTN_TEST_SEED=%lu", kerns[k].name, e1, e2, st[1].threads,
                     bound, fga_test_seed ());
      if (kerns[k].algo != BLAS)
        ck_assert_msg (max_abs_diff (T1, T2) == 0, "%s: 1 and %d threads differ by %g",
                       kerns[k].name, st[1].threads, max_abs_diff (T1, T2));
    }
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T1);
  fga_mat_clear (T2);
  fga_mat_clear (Ref);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Entries near the ends of the double range (kernels/attention-util.h):
   V whose weighted sums would overflow or underflow, and scores whose dot
   products overflow on the way, in either sign, or for real.  Every kernel
   must return finite values within its bound (or the closed form), never
   Inf or NaN with FGA_OK.  */

/* The certified ground truth (MPFR, every entry correctly rounded).  */
static void
truth (fga_mat_ptr R, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V,
       double tau)
{
  fga_tau t = { FGA_TAU_VALUE, tau };
  fga_truth_info info;
  fga_error err;
  int rc = fga_truth (R, lse, NULL, NULL, Q, K, V, &t, NULL, &info, NULL, &err);
  ck_assert_msg (rc == FGA_OK, "fga_truth: %s", err.msg);
  ck_assert_msg (info.undecided == 0, "fga_truth left %zu entries undecided", info.undecided);
}

/* Asserts every entry of T finite and within tol of R.  */
static void
check_close (const char *what, fga_mat_srcptr T, fga_mat_srcptr R, double tol)
{
  for (size_t i = 0; i < T->rows; i++)
    for (size_t c = 0; c < T->cols; c++)
      {
        double got = FGA_MAT (T, i, c), want = FGA_MAT (R, i, c);
        ck_assert_msg (isfinite (got) && fabs (got - want) <= tol,
                       "%s: T[%zu][%zu] = %.17g, truth %.17g (diff %.3g, tol %.3g); "
                       "FGATTN_TEST_SEED=%lu", what, i, c, got, want, fabs (got - want), tol,
                       fga_test_seed ());
      }
}

typedef struct
{
  size_t nq, nk, d, dv;
  double B, tau;
  int vkind;                    /* 0: +-Bv (Rademacher), 1: uniform in [-Bv, Bv], 2: all Bv */
  double Bv;
} hugev_t;

static const hugev_t hugev_cases[] = {
  { 16, 16, 8, 8, 1, 0.125, 0, 1e308 },        /* the instance of the issue */
  { 9, 300, 5, 3, 3, 0.2, 0, 1e308 },           /* sums of 300 terms near the top */
  { 7, 40, 4, 5, 2, 0.25, 1, DBL_MAX },         /* mixed signs, cancellation */
  { 7, 40, 4, 3, 2, 0.25, 2, DBL_MAX },         /* every value DBL_MAX: T = DBL_MAX */
  { 7, 40, 4, 3, 2, 0.25, 2, 1e308 },           /* every value 1e308: T = 1e308 */
  { 150, 300, 4, 3, 2, 0.25, 1, 1e308 },        /* two threads, where there are */
  { 6, 33, 4, 4, 2, 0.5, 1, 1e300 },            /* above 2^950: rescaled */
  { 6, 33, 4, 4, 2, 0.5, 1, 0x1p949 },          /* just below it: as it is */
  { 6, 33, 4, 4, 2, 0.5, 1, 1e-300 },           /* below 2^-950: rescaled up */
  { 6, 33, 4, 4, 2, 0.5, 1, 0x1p-1040 },        /* subnormal values */
  { 6, 33, 4, 2, 2, 0.5, 2, 0x1p-1074 },        /* every value the least subnormal */
};

START_TEST (test_huge_v)
{
  const hugev_t *hc = &hugev_cases[_i];
  unsigned long seed = fga_test_seed () + 5000 + (unsigned long) _i;
  fga_mat_t Q, K, V, T, R;
  mat (Q, hc->nq, hc->d);
  mat (K, hc->nk, hc->d);
  mat (V, hc->nk, hc->dv);
  mat (T, hc->nq, hc->dv);
  mat (R, hc->nq, hc->dv);
  fga_test_fill_uniform (Q, hc->B, &seed);
  fga_test_fill_uniform (K, hc->B, &seed);
  fga_test_fill_uniform (V, 1, &seed);
  for (size_t x = 0; x < hc->nk * hc->dv; x++)
    V->data[x] = hc->vkind == 0 ? (V->data[x] < 0 ? -hc->Bv : hc->Bv)
      : hc->vkind == 1 ? V->data[x] * hc->Bv : hc->Bv;
  double *lse = malloc (hc->nq * sizeof (double)), *rl = malloc (hc->nq * sizeof (double));
  truth (R, rl, Q, K, V, hc->tau);
  double Rs = score_bound (Q, K, hc->tau), vmax = fga_mat_max_abs (V);
  /* the bound of every kernel, and one subnormal ulp: the rounding of a
     subnormal output after V was scaled up (attention-util.h) */
  double tol = U * vmax * (2 * (hc->d + 5) * Rs + 8 * hc->nk + 8) + 0x1p-1074;
  for (size_t k = 0; k < NKERNS; k++)
    {
      run_ok (&kerns[k], T, lse, Q, K, V, hc->tau, NULL);
      char what[96];
      snprintf (what, sizeof what, "%s, case %d (Bv = %g)", kerns[k].name, _i, hc->Bv);
      check_close (what, T, R, tol);
      for (size_t i = 0; i < hc->nq; i++)
        ck_assert_close (lse[i], rl[i], 0, U * ((hc->d + 5) * Rs + 4 * hc->nk + 8)
                         + 2 * U * fabs (rl[i]));
      if (hc->vkind == 2)
        /* a weighted mean of equal values is that value; the clamp keeps it
           from rounding above, and Bv = 2^-1074 is met exactly */
        for (size_t x = 0; x < hc->nq * hc->dv; x++)
          ck_assert_msg (T->data[x] <= hc->Bv && (hc->Bv > 0x1p-1074 || T->data[x] == hc->Bv),
                         "%s: %.17g for a constant %.17g", what, T->data[x], hc->Bv);
    }
  free (lse);
  free (rl);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
  fga_mat_clear (R);
}
END_TEST

/* Huge values that cancel exactly: identical keys give every value the
   weight 1/nk, and the rows of V are +-Bv in pairs, so T = 0.  */
START_TEST (test_huge_v_cancel)
{
  const size_t nq = 5, nk = 64, d = 3, dv = 2;
  const double Bv = _i == 0 ? 1e308 : DBL_MAX;
  unsigned long seed = fga_test_seed () + 5100;
  fga_mat_t Q, K, V, T;
  mat (Q, nq, d);
  mat (K, nk, d);
  mat (V, nk, dv);
  mat (T, nq, dv);
  fga_test_fill_uniform (Q, 3, &seed);
  fga_test_fill_uniform (K, 3, &seed);
  for (size_t j = 1; j < nk; j++)
    memcpy (&FGA_MAT (K, j, 0), &FGA_MAT (K, 0, 0), d * sizeof (double));
  for (size_t j = 0; j < nk; j++)
    for (size_t c = 0; c < dv; c++)
      FGA_MAT (V, j, c) = (j + c) % 2 == 0 ? Bv : -Bv;
  for (size_t k = 0; k < NKERNS; k++)
    {
      run_ok (&kerns[k], T, NULL, Q, K, V, 1.0, NULL);
      for (size_t x = 0; x < nq * dv; x++)
        ck_assert_msg (isfinite (T->data[x]) && fabs (T->data[x]) <= (2 * nk + 8) * U * Bv,
                       "%s: T = %.17g, the exact value is 0", kerns[k].name, T->data[x]);
    }
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* The case: q = sign (DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX), tau = 1/4.
   <q, k_1> = 0.75 sign DBL_MAX and <q, k_2> = 0.3125 sign DBL_MAX are
   finite, but the partial sums of <q, k_2> reach 1.5625 DBL_MAX.  sign =
   -1: the second score is the larger, T = v_2 = 2 and lse = s_2 (e^{s_1 -
   s_2} vanishes beside 1) = -5 DBL_MAX / 64; sign = +1: T = v_1 = 1 and
   lse = s_1 = 3 DBL_MAX / 16.  Both are exact closed forms: the weights
   are exactly 1 and 0.  */
static const double two_k[8] = { .375, -.4375, -.5625, 1.375, -.875, 1.1875, 1.25, -1.25 };

static void
two_key_instance (fga_mat_ptr Q, fga_mat_ptr K, fga_mat_ptr V, double sign)
{
  mat (Q, 1, 4);
  mat (K, 2, 4);
  mat (V, 2, 1);
  for (int t = 0; t < 4; t++)
    FGA_MAT (Q, 0, t) = sign * DBL_MAX;
  memcpy (K->data, two_k, sizeof two_k);
  V->data[0] = 1;
  V->data[1] = 2;
}

START_TEST (test_two_keys_overflow)
{
  const double sign = _i == 0 ? -1 : 1;
  const double want = sign < 0 ? 2 : 1;
  const double want_lse = sign < 0 ? -(DBL_MAX / 64) * 5 : (DBL_MAX / 16) * 3;
  fga_mat_t Q, K, V, T, R;
  two_key_instance (Q, K, V, sign);
  mat (T, 1, 1);
  mat (R, 1, 1);
  truth (R, NULL, Q, K, V, 0.25);
  ck_assert (R->data[0] == want);
  for (size_t k = 0; k < NKERNS; k++)
    {
      double lse;
      run_ok (&kerns[k], T, &lse, Q, K, V, 0.25, NULL);
      ck_assert_msg (T->data[0] == want, "%s, sign %+g: T = %.17g, not %g", kerns[k].name,
                     sign, T->data[0], want);
      /* the score itself is off by the rounding of the dot product */
      ck_assert_close (lse, want_lse, 8, 0);
    }

  /* through the method interface */
  static const char *const specs[] = { "exact:algo=naive", "exact:algo=stream",
                                       "exact:algo=blas" };
  fga_problem prob;
  fga_test_problem (&prob, 1, 2, 4, 1, 0.25);
  for (int s = 0; s < 3; s++)
    {
      fga_method m = fga_test_make_method (specs[s], &prob);
      fga_error err;
      T->data[0] = 0;
      ck_assert_int_eq (fga_method_run (m, T, NULL, Q, K, V, NULL, &err), FGA_OK);
      ck_assert_msg (T->data[0] == want, "%s: T = %.17g", specs[s], T->data[0]);
      fga_method_destroy (m);
    }
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
  fga_mat_clear (R);
}
END_TEST

/* Rows of Q of integers in [-16, 16] times 2^1019 against keys of
   integers in [-3, 3]: the dot products overflow on the way or for real,
   in both signs.  Each is 2^1019 times an integer x_ij, so two distinct
   scores differ by at least tau 2^1019: the weights are exactly 1 on the
   largest scores and 0 elsewhere, T is the mean of V over the keys that
   tie for the largest score, and lse = tau 2^1019 max_j x_ij + log (ties):
   closed forms computed here with integers.  */
START_TEST (test_huge_scores)
{
  /* large enough for the kernels to take two threads where there are */
  const size_t nq = 300, nk = 120, d = 5, dv = 3;
  const double tau = _i == 0 ? 0.2 : 3.0;
  unsigned long seed = fga_test_seed () + 5200 + (unsigned long) _i;
  fga_mat_t Q, K, V, T, R, W;
  mat (Q, nq, d);
  mat (K, nk, d);
  mat (V, nk, dv);
  mat (T, nq, dv);
  mat (R, nq, dv);
  mat (W, nq, dv);
  fga_test_fill_uniform (Q, 1, &seed);
  fga_test_fill_uniform (K, 1, &seed);
  fga_test_fill_uniform (V, 1, &seed);
  static long qa[300][5], ka[120][5];
  for (size_t i = 0; i < nq; i++)
    for (size_t t = 0; t < d; t++)
      {
        qa[i][t] = lrint (FGA_MAT (Q, i, t) * 16);
        FGA_MAT (Q, i, t) = ldexp ((double) qa[i][t], 1019);
      }
  for (size_t j = 0; j < nk; j++)
    for (size_t t = 0; t < d; t++)
      {
        ka[j][t] = lrint (FGA_MAT (K, j, t) * 3);
        FGA_MAT (K, j, t) = (double) ka[j][t];
      }
  double want_lse[300];
  int lse_out = 0, lse_near = 0;
  for (size_t i = 0; i < nq; i++)
    {
      long best = LONG_MIN;
      size_t ties = 0;
      double sum[3] = { 0, 0, 0 };
      for (size_t j = 0; j < nk; j++)
        {
          long x = 0;
          for (size_t t = 0; t < d; t++)
            x += qa[i][t] * ka[j][t];
          if (x > best)
            {
              best = x;
              ties = 0;
              sum[0] = sum[1] = sum[2] = 0;
            }
          if (x == best)
            {
              ties++;
              for (size_t c = 0; c < dv; c++)
                sum[c] += FGA_MAT (V, j, c);
            }
        }
      for (size_t c = 0; c < dv; c++)
        FGA_MAT (W, i, c) = sum[c] / (double) ties;
      want_lse[i] = ldexp (tau * (double) best, 1019) + log ((double) ties);
      double a = fabs (ldexp (tau * (double) best, 1019 - 1023));
      lse_out |= !isfinite (want_lse[i]);
      lse_near |= a > 1.99 && a < 2.01;
    }
  truth (R, NULL, Q, K, V, tau);
  double vmax = fga_mat_max_abs (V);
  /* the closed form sums at most nk values: 2 nk u max|V| */
  check_close ("the closed form against the truth", W, R, 2 * nk * U * vmax);
  for (size_t k = 0; k < NKERNS; k++)
    {
      run_ok (&kerns[k], T, NULL, Q, K, V, tau, NULL);
      check_close (kerns[k].name, T, W, 2 * nk * U * vmax);
    }

  /* lse is returned when every row's is in range, else refused */
  fga_error err;
  double *lse = malloc (nq * sizeof (double));
  for (size_t k = 0; k < NKERNS && !lse_near; k++)
    {
      int rc = run (&kerns[k], T, lse, Q, K, V, tau, NULL, &err);
      if (lse_out)
        ck_assert_msg (rc == FGA_ERR_COMPUTE && strstr (err.msg, "log-sum-exp") != NULL,
                       "%s: lse beyond the range: %d (%s)", kerns[k].name, rc, err.msg);
      else
        {
          ck_assert_msg (rc == FGA_OK, "%s: %s", kerns[k].name, err.msg);
          for (size_t i = 0; i < nq; i++)
            ck_assert_close (lse[i], want_lse[i], 0, 8 * U * fabs (want_lse[i]));
        }
    }
  ck_assert_msg (_i == 0 || lse_out, "tau = 3: no lse out of range, the case tests less");
  free (lse);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
  fga_mat_clear (R);
  fga_mat_clear (W);
}
END_TEST

/* Scores that overflow for real and are all equal: every weight is 1 and
   T is the mean of V's rows.  A row that cannot be rescaled without
   losing its entries to underflow (tau max|K| near 2^2000) is refused.  */
START_TEST (test_equal_huge_scores)
{
  const size_t nq = 3, nk = 5, d = 4, dv = 2;
  unsigned long seed = fga_test_seed () + 5300;
  fga_mat_t Q, K, V, T;
  mat (Q, nq, d);
  mat (K, nk, d);
  mat (V, nk, dv);
  mat (T, nq, dv);
  fga_test_fill_uniform (V, 1, &seed);
  for (size_t x = 0; x < nq * d; x++)
    Q->data[x] = 1e200;
  for (size_t x = 0; x < nk * d; x++)
    K->data[x] = 1e200;
  double mean[2] = { 0, 0 };
  for (size_t j = 0; j < nk; j++)
    for (size_t c = 0; c < dv; c++)
      mean[c] += FGA_MAT (V, j, c) / (double) nk;
  fga_error err;
  for (size_t k = 0; k < NKERNS; k++)
    {
      run_ok (&kerns[k], T, NULL, Q, K, V, 1, NULL);
      for (size_t i = 0; i < nq; i++)
        for (size_t c = 0; c < dv; c++)
          ck_assert_close (FGA_MAT (T, i, c), mean[c], 0, (2 * nk + 8) * U);
      for (size_t x = 0; x < nk * d; x++)
        K->data[x] = 1e300;
      for (size_t x = 0; x < nq * d; x++)
        Q->data[x] = 1;
      int rc = run (&kerns[k], T, NULL, Q, K, V, 1e300, NULL, &err);
      ck_assert_msg (rc == FGA_ERR_COMPUTE && strstr (err.msg, "row 0") != NULL
                     && strstr (err.msg, "rescaled") != NULL, "%s: %d (%s)", kerns[k].name, rc,
                     err.msg);
      for (size_t x = 0; x < nk * d; x++)
        K->data[x] = 1e200;
      for (size_t x = 0; x < nq * d; x++)
        Q->data[x] = 1e200;
    }
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Bad input is refused before any work, with a message naming it.  */

typedef struct
{
  size_t qr, qc, kr, kc, vr, vc, tr, tc;
  double tau;
  int poison;                   /* 1: NaN in Q, 2: +Inf in K, 3: -Inf in V */
  int code;
  const char *words[2];         /* the message must contain them */
} bad_t;

static const bad_t bad_cases[] = {
  { 3, 4, 5, 3, 5, 2, 3, 2, 1, 0, FGA_ERR_INPUT, { "Q is 3 x 4", "K is 5 x 3" } },
  { 3, 4, 5, 4, 6, 2, 3, 2, 1, 0, FGA_ERR_INPUT, { "K is 5 x 4", "V is 6 x 2" } },
  { 3, 4, 5, 4, 5, 2, 2, 2, 1, 0, FGA_ERR_INPUT, { "T is 2 x 2", "3 x 2" } },
  { 3, 4, 5, 4, 5, 2, 3, 3, 1, 0, FGA_ERR_INPUT, { "T is 3 x 3", "V is 5 x 2" } },
  { 3, 4, 0, 4, 0, 2, 3, 2, 1, 0, FGA_ERR_INPUT, { "K is 0 x 4", "no keys" } },
  { 3, 0, 5, 0, 5, 2, 3, 2, 1, 0, FGA_ERR_INPUT, { "Q is 3 x 0", "d must" } },
  { 3, 4, 5, 4, 5, 2, 3, 2, 0, 0, FGA_ERR_INPUT, { "tau", "positive" } },
  { 3, 4, 5, 4, 5, 2, 3, 2, -1, 0, FGA_ERR_INPUT, { "tau", "positive" } },
  { 3, 4, 5, 4, 5, 2, 3, 2, NAN, 0, FGA_ERR_INPUT, { "tau", "finite" } },
  { 3, 4, 5, 4, 5, 2, 3, 2, INFINITY, 0, FGA_ERR_INPUT, { "tau", "finite" } },
  { 3, 4, 5, 4, 5, 2, 3, 2, 1, 1, FGA_ERR_INPUT, { "Q", "NaN" } },
  { 3, 4, 5, 4, 5, 2, 3, 2, 1, 2, FGA_ERR_INPUT, { "K", "+Inf" } },
  { 3, 4, 5, 4, 5, 2, 3, 2, 1, 3, FGA_ERR_INPUT, { "V", "-Inf" } },
  /* finite entries whose scores overflow are computed: test_equal_huge_scores */
};

START_TEST (test_bad_input)
{
  const bad_t *b = &bad_cases[_i];
  unsigned long seed = fga_test_seed () + 3000;
  fga_mat_t Q, K, V, T;
  mat (Q, b->qr, b->qc);
  mat (K, b->kr, b->kc);
  mat (V, b->vr, b->vc);
  mat (T, b->tr, b->tc);
  fga_test_fill_uniform (Q, 1, &seed);
  fga_test_fill_uniform (K, 1, &seed);
  fga_test_fill_uniform (V, 1, &seed);
  if (b->poison == 1)
    FGA_MAT (Q, 1, 2) = NAN;
  else if (b->poison == 2)
    FGA_MAT (K, 4, 0) = INFINITY;
  else if (b->poison == 3)
    FGA_MAT (V, 0, 1) = -INFINITY;
  for (size_t k = 0; k < NKERNS; k++)
    {
      fga_error err;
      fga_stats st;
      int rc = run (&kerns[k], T, NULL, Q, K, V, b->tau, &st, &err);
      ck_assert_msg (rc == b->code, "%s: case %d returned %d, expected %d (%s)", kerns[k].name,
                     _i, rc, b->code, err.msg);
      ck_assert_int_eq (err.code, b->code);
      for (int w = 0; w < 2; w++)
        ck_assert_msg (strstr (err.msg, b->words[w]) != NULL,
                       "%s: message \"%s\" does not say \"%s\"", kerns[k].name, err.msg,
                       b->words[w]);
      ck_assert_msg (strstr (err.msg, "fga_attention_") != NULL,
                     "%s: message \"%s\" does not name the kernel", kerns[k].name, err.msg);
    }
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

static Suite *
exact_suite (void)
{
  Suite *s = suite_create ("exact");
  TCase *tc;

  tc = fga_test_tcase ("closed forms", 10);
  tcase_add_loop_test (tc, test_one_key, 0, sizeof one_key_shapes / sizeof one_key_shapes[0]);
  tcase_add_loop_test (tc, test_identical_keys, 0,
                       sizeof same_keys_nk / sizeof same_keys_nk[0]);
  tcase_add_loop_test (tc, test_two_keys, 0, sizeof two_keys_cases / sizeof two_keys_cases[0]);
  tcase_add_test (tc, test_extreme_scores);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("properties", 10);
  tcase_add_loop_test (tc, test_permutation, 0, 4);
  tcase_add_loop_test (tc, test_shift, 0, 16);
  tcase_add_loop_test (tc, test_shift_random, 0, 4);
  tcase_add_loop_test (tc, test_linearity, 0, 4);
  tcase_add_loop_test (tc, test_rows_sum_to_one, 0, 4);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("accuracy", 120);
  tcase_add_loop_test (tc, test_accuracy, 0, 12);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("counts and threads", 60);
  tcase_add_loop_test (tc, test_counts, 0, sizeof count_shapes / sizeof count_shapes[0]);
  tcase_add_test (tc, test_threads);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("ends of the double range", 60);
  tcase_add_loop_test (tc, test_huge_v, 0, sizeof hugev_cases / sizeof hugev_cases[0]);
  tcase_add_loop_test (tc, test_huge_v_cancel, 0, 2);
  tcase_add_loop_test (tc, test_two_keys_overflow, 0, 2);
  tcase_add_loop_test (tc, test_huge_scores, 0, 2);
  tcase_add_test (tc, test_equal_huge_scores);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("bad input", 10);
  tcase_add_loop_test (tc, test_bad_input, 0, sizeof bad_cases / sizeof bad_cases[0]);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  const char *isa = getenv ("FGATTN_ISA");
  if (isa != NULL)
    {
      isa_was_set = 1;
      snprintf (isa_saved, sizeof isa_saved, "%s", isa);
    }
  return fga_test_run_suite (exact_suite ());
}
