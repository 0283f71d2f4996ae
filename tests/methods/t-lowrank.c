/* t-lowrank -- tests of the attention matrix P, its singular values, the methods svd and nystrom, fgattn rank's functions

   Expected values never come from the code under test: P is compared with
   P computed in MPFR at 200 bits (ref_matrix below), outputs with
   fga_test_ref_attention, the Eckart--Young errors with the Frobenius norm
   of P - P_k measured here against the MPFR P, the singular values with
   ||P||_F^2 = sum sigma_i^2, the pseudo-inverses with the Penrose
   conditions, and counts with the formulas of the headers.

   Tolerances, with u = 2^-53 and R = tau max_ij sum_t |q_it k_jt|:
     P:        |P^_ij - P_ij| <= u (2 (d + 3) R + nk + 4) P_ij (first order,
               src/numerics/attention_matrix.c), asserted with a factor 2 of slack;
     outputs:  methods that reach exact attention at the top of their range
               carry P's error into P V and add the SVD's backward error and
               the products' roundings, a few u per row and column:
               u max|V| (4 (d + 3) R + 8 (nq + nk) + 16) (measured: below
               60 u max|V| on every case here);
     norms:    a Frobenius norm of an n x n difference computed in double is
               off by about n u times the norm of what was subtracted.  */

#include <config.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define U 0x1p-53

static void
mat (fga_mat_ptr M, size_t rows, size_t cols)
{
  fga_error err;
  ck_assert_int_eq (fga_mat_init (M, rows, cols, &err), FGA_OK);
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

static double
fro_diff (fga_mat_srcptr A, fga_mat_srcptr B)
{
  double s = 0;
  for (size_t k = 0; k < A->rows * A->cols; k++)
    {
      double e = A->data[k] - (B != NULL ? B->data[k] : 0);
      s += e * e;
    }
  return sqrt (s);
}

/* tau max_ij sum_t |q_it k_jt|, rounded up generously */
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

/* P = softmax (tau Q K^T) in MPFR at 200 bits, each entry rounded to
   nearest: the scores (products of doubles are exact at 106 bits), exp with
   no maximum subtracted (MPFR's exponent range holds any of them), the row
   sum and the division; lse too if not NULL.  */
static void
ref_matrix (fga_mat_ptr P, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K, double tau)
{
  const mpfr_prec_t prec = 200;
  const size_t nq = Q->rows, nk = K->rows, d = Q->cols;
  mpfr_exp_t emin = mpfr_get_emin (), emax = mpfr_get_emax ();
  mpfr_set_emin (mpfr_get_emin_min ());
  mpfr_set_emax (mpfr_get_emax_max ());
  mpfr_t t, l, *e = malloc (nk * sizeof (mpfr_t));
  mpfr_inits2 (prec, t, l, (mpfr_ptr) 0);
  for (size_t j = 0; j < nk; j++)
    mpfr_init2 (e[j], prec);
  for (size_t i = 0; i < nq; i++)
    {
      mpfr_set_zero (l, 1);
      for (size_t j = 0; j < nk; j++)
        {
          mpfr_set_zero (e[j], 1);
          for (size_t x = 0; x < d; x++)
            {
              mpfr_set_d (t, FGA_MAT (Q, i, x), MPFR_RNDN);
              mpfr_mul_d (t, t, FGA_MAT (K, j, x), MPFR_RNDN);
              mpfr_add (e[j], e[j], t, MPFR_RNDN);
            }
          mpfr_mul_d (e[j], e[j], tau, MPFR_RNDN);
          mpfr_exp (e[j], e[j], MPFR_RNDN);
          mpfr_add (l, l, e[j], MPFR_RNDN);
        }
      for (size_t j = 0; j < nk; j++)
        {
          mpfr_div (t, e[j], l, MPFR_RNDN);
          FGA_MAT (P, i, j) = mpfr_get_d (t, MPFR_RNDN);
        }
      if (lse != NULL)
        {
          mpfr_log (t, l, MPFR_RNDN);
          lse[i] = mpfr_get_d (t, MPFR_RNDN);
        }
    }
  for (size_t j = 0; j < nk; j++)
    mpfr_clear (e[j]);
  free (e);
  mpfr_clears (t, l, (mpfr_ptr) 0);
  mpfr_set_emin (emin);
  mpfr_set_emax (emax);
}

/* ------------------------------------------------------------------ */
/* Instances.  */

enum
{
  IID,                          /* Q, K uniform on [-B, B] */
  SELF,                         /* Q = K, rows of norm B: P is near I, well-conditioned */
  TIES                          /* IID with every other key a copy of the one before */
};

typedef struct
{
  size_t nq, nk, d, dv;
  double B, tau;
  int kind;
} case_t;

typedef struct
{
  fga_mat_t Q, K, V;
  double tau, R;
} inst_t;

static void
inst_make (inst_t *in, const case_t *c, unsigned long seed)
{
  mat (in->Q, c->nq, c->d);
  mat (in->K, c->nk, c->d);
  mat (in->V, c->nk, c->dv);
  fga_test_fill_uniform (in->K, c->B, &seed);
  fga_test_fill_uniform (in->V, 1, &seed);
  if (c->kind == SELF)
    {
      ck_assert_uint_eq (c->nq, c->nk);
      for (size_t i = 0; i < c->nk; i++)
        {
          double s = 0;
          for (size_t t = 0; t < c->d; t++)
            s += FGA_MAT (in->K, i, t) * FGA_MAT (in->K, i, t);
          for (size_t t = 0; t < c->d; t++)
            FGA_MAT (in->K, i, t) *= c->B / sqrt (s);
        }
      memcpy (in->Q->data, in->K->data, c->nq * c->d * sizeof (double));
    }
  else
    fga_test_fill_uniform (in->Q, c->B, &seed);
  if (c->kind == TIES)
    for (size_t j = 1; j < c->nk; j += 2)
      memcpy (&FGA_MAT (in->K, j, 0), &FGA_MAT (in->K, j - 1, 0), c->d * sizeof (double));
  in->tau = c->tau;
  in->R = score_bound (in->Q, in->K, c->tau);
}

static void
inst_clear (inst_t *in)
{
  fga_mat_clear (in->Q);
  fga_mat_clear (in->K);
  fga_mat_clear (in->V);
}

/* The identity nk x nk as V: then T is the method's implied attention matrix. */
static void
set_identity (fga_mat_ptr V, size_t n)
{
  fga_mat_clear (V);
  mat (V, n, n);
  for (size_t i = 0; i < n; i++)
    FGA_MAT (V, i, i) = 1;
}

/* Creates, prepares and runs spec; must succeed.  */
static void
run_method (const char *spec, fga_mat_ptr T, double *lse, const inst_t *in, fga_stats *st)
{
  fga_error err;
  fga_error_init (&err);
  fga_method m = fga_method_create (spec, &err);
  ck_assert_msg (m != NULL, "%s: %s", spec, err.msg);
  fga_problem p = { in->Q->rows, in->K->rows, in->Q->cols, in->V->cols,
                      { FGA_TAU_VALUE, in->tau }, in->R, 1, 1 };
  int rc = fga_method_prepare (m, &p, &err);
  ck_assert_msg (rc == FGA_OK, "%s: prepare: %s", spec, err.msg);
  rc = fga_method_run (m, T, lse, in->Q, in->K, in->V, st, &err);
  ck_assert_msg (rc == FGA_OK, "%s: run: %s; FGATTN_TEST_SEED=%lu", spec, err.msg,
                 fga_test_seed ());
  fga_method_destroy (m);
}

/* The bound on the output error of a method exact at the top of its range. */
static double
out_tol (const inst_t *in)
{
  double vmax = fga_mat_max_abs (in->V);
  return U * vmax * (4 * ((double) in->Q->cols + 3) * in->R
                     + 8 * (double) (in->Q->rows + in->K->rows) + 16);
}

/* ------------------------------------------------------------------ */
/* The attention matrix.  */

static const case_t matrix_cases[] = {
  { 5, 7, 3, 1, 1, 1.0 / 3, IID },
  { 33, 20, 8, 1, 2, 1.0 / 8, IID },
  { 20, 33, 4, 1, 40, 1, IID },          /* scores up to 6400: exp overflows without the max */
  { 16, 16, 8, 1, 4, 1, SELF },
  { 12, 1, 3, 1, 2, 1, IID },            /* one key: P = 1 */
  { 1, 12, 3, 1, 2, 1, IID },
  { 17, 17, 5, 1, 1.5, 0.5, TIES },
  { 9, 30, 2, 1, 700, 1, IID },          /* the weights of most keys underflow */
};
#define NMATRIX (sizeof matrix_cases / sizeof matrix_cases[0])

START_TEST (test_matrix_reference)
{
  const case_t *c = &matrix_cases[_i];
  inst_t in;
  inst_make (&in, c, fga_test_seed () + (unsigned long) _i);
  fga_mat_t P, Pr;
  mat (P, c->nq, c->nk);
  mat (Pr, c->nq, c->nk);
  double *lse = malloc (c->nq * sizeof (double)), *lr = malloc (c->nq * sizeof (double));
  fga_error err;
  int rc = fga_attention_matrix (P, lse, in.Q, in.K, in.tau, NULL, &err);
  ck_assert_msg (rc == FGA_OK, "%s", err.msg);
  ref_matrix (Pr, lr, in.Q, in.K, in.tau);

  const double rel = 2 * U * (2 * ((double) c->d + 3) * in.R + (double) c->nk + 4);
  for (size_t i = 0; i < c->nq; i++)
    {
      double sum = 0;
      for (size_t j = 0; j < c->nk; j++)
        {
          double p = FGA_MAT (P, i, j), pr = FGA_MAT (Pr, i, j);
          ck_assert_msg (p >= 0 && p <= 1, "P[%zu][%zu] = %g", i, j, p);
          ck_assert_msg (fabs (p - pr) <= rel * pr + 0x1p-1074,
                         "case %d: P[%zu][%zu] = %.17g, MPFR %.17g (rel. bound %.3g); "
                         "FGATTN_TEST_SEED=%lu", _i, i, j, p, pr, rel, fga_test_seed ());
          sum += p;
        }
      ck_assert_msg (fabs (sum - 1) <= rel + 2 * (double) c->nk * U,
                     "case %d: row %zu sums to 1 + %.3g", _i, i, sum - 1);
      double lt = U * (((double) c->d + 5) * in.R + 4 * (double) c->nk + 8) + 2 * U * fabs (lr[i]);
      ck_assert_msg (fabs (lse[i] - lr[i]) <= lt, "case %d: lse[%zu] = %.17g, MPFR %.17g", _i,
                     i, lse[i], lr[i]);
    }
  if (c->kind == TIES)
    for (size_t i = 0; i < c->nq; i++)
      for (size_t j = 1; j < c->nk; j += 2)
        ck_assert (FGA_MAT (P, i, j) == FGA_MAT (P, i, j - 1));
  free (lse);
  free (lr);
  fga_mat_clear (P);
  fga_mat_clear (Pr);
  inst_clear (&in);
}
END_TEST

START_TEST (test_matrix_counts)
{
  const case_t *c = &matrix_cases[_i % NMATRIX];
  const int with_lse = _i >= (int) NMATRIX;
  inst_t in;
  inst_make (&in, c, fga_test_seed ());
  fga_mat_t P;
  mat (P, c->nq, c->nk);
  double *lse = with_lse ? malloc (c->nq * sizeof (double)) : NULL;
  fga_stats st;
  fga_stats_init (&st);
  fga_error err;
  ck_assert_int_eq (fga_attention_matrix (P, lse, in.Q, in.K, in.tau, &st, &err), FGA_OK);
  const uint64_t nq = c->nq, nk = c->nk, d = c->d, L = with_lse;
  ck_assert_uint_eq (st.n_mul, nq * nk * (d + 1));
  ck_assert_uint_eq (st.n_add, nq * (nk * (d + 1) - 1 + L));
  ck_assert_uint_eq (st.n_exp, nq * (nk + L));
  ck_assert_uint_eq (st.n_div, nq * nk);
  ck_assert_uint_eq (st.n_cmp, nq * (nk - 1));
  ck_assert_uint_eq (st.peak_bytes, 0);
  free (lse);
  fga_mat_clear (P);
  inst_clear (&in);
}
END_TEST

/* ------------------------------------------------------------------ */
/* svd and the singular values.  */

static const case_t svd_cases[] = {
  { 48, 48, 6, 4, 0.4, 1.0 / 6, IID },   /* low B: P of numerical rank ~ d + 1 */
  { 48, 48, 6, 4, 3, 1.0 / 6, IID },     /* high B */
  { 30, 50, 4, 3, 1, 0.25, IID },
  { 50, 30, 4, 3, 1, 0.25, IID },
  { 32, 32, 8, 5, 4, 1, SELF },
  { 1, 7, 3, 2, 1, 1, IID },
  { 7, 1, 3, 2, 1, 1, IID },
  { 40, 40, 5, 3, 1.5, 0.5, TIES },      /* P has repeated columns: rank <= 20 */
};
#define NSVD (sizeof svd_cases / sizeof svd_cases[0])

START_TEST (test_svd_top)
{
  const case_t *c = &svd_cases[_i];
  inst_t in;
  inst_make (&in, c, fga_test_seed () + 100 + (unsigned long) _i);
  size_t r = c->nq < c->nk ? c->nq : c->nk;
  fga_mat_t T, Tr;
  mat (T, c->nq, c->dv);
  mat (Tr, c->nq, c->dv);
  double *lse = malloc (c->nq * sizeof (double)), *lr = malloc (c->nq * sizeof (double));
  char spec[64];
  snprintf (spec, sizeof spec, "svd:k=%zu", r);
  fga_stats st;
  run_method (spec, T, lse, &in, &st);
  fga_test_ref_attention (Tr, lr, in.Q, in.K, in.V, in.tau, 200);
  double e = max_abs_diff (T, Tr), tol = out_tol (&in);
  ck_assert_msg (e <= tol, "case %d: %s is %.3g (%.3g u) from exact attention, bound %.3g; "
                 "FGATTN_TEST_SEED=%lu", _i, spec, e, e / U, tol, fga_test_seed ());
  for (size_t i = 0; i < c->nq; i++)
    ck_assert_msg (fabs (lse[i] - lr[i]) <= U * (((double) c->d + 5) * in.R
                                                 + 4 * (double) c->nk + 8) + 2 * U * fabs (lr[i]),
                   "case %d: lse[%zu] = %.17g, MPFR %.17g", _i, i, lse[i], lr[i]);
  ck_assert (fga_stats_get (&st, "k") == (double) r);
  ck_assert (fga_stats_get (&st, "sigma_k1") == 0);
  ck_assert (fga_stats_get (&st, "lapack_flops") > 0);
  ck_assert (st.peak_bytes >= (c->nq * c->nk + c->nq * r + r * c->nk) * sizeof (double));
  free (lse);
  free (lr);
  fga_mat_clear (T);
  fga_mat_clear (Tr);
  inst_clear (&in);
}
END_TEST

START_TEST (test_singular_values)
{
  const case_t *c = &svd_cases[_i];
  inst_t in;
  inst_make (&in, c, fga_test_seed () + 200 + (unsigned long) _i);
  size_t r = c->nq < c->nk ? c->nq : c->nk;
  fga_mat_t Pr;
  mat (Pr, c->nq, c->nk);
  ref_matrix (Pr, NULL, in.Q, in.K, in.tau);
  double *sigma = malloc ((r + 1) * sizeof (double));
  fga_stats st;
  fga_stats_init (&st);
  fga_error err;
  ck_assert_int_eq (fga_attention_singular_values (sigma, in.Q, in.K, in.tau, &st, &err), FGA_OK);
  double ssq = 0;
  for (size_t i = 0; i < r; i++)
    {
      ck_assert (sigma[i] >= 0);
      if (i > 0)
        ck_assert (sigma[i] <= sigma[i - 1]);
      ssq += sigma[i] * sigma[i];
    }
  double fro = fro_diff (Pr, NULL);
  ck_assert_msg (fabs (ssq - fro * fro) <= 8 * (double) (c->nq + c->nk) * U * fro * fro,
                 "case %d: sum sigma^2 = %.17g but ||P||_F^2 = %.17g", _i, ssq, fro * fro);
  /* P 1 = 1, so ||P||_2 >= sqrt (nq / nk) */
  ck_assert (sigma[0] >= sqrt ((double) c->nq / (double) c->nk) * (1 - 1e-13));
  if (c->kind == TIES)
    ck_assert_uint_le (fga_numerical_rank (sigma, r, 1e-12 * sigma[0]), c->nk / 2);
  /* counts: those of forming P */
  ck_assert_uint_eq (st.n_exp, c->nq * c->nk);
  ck_assert (st.peak_bytes >= c->nq * c->nk * sizeof (double));
  ck_assert (fga_stats_get (&st, "lapack_flops") > 0);
  free (sigma);
  fga_mat_clear (Pr);
  inst_clear (&in);
}
END_TEST

/* ||P - P_k||_F, measured with V = I (then svd's T is P_k) against the
   MPFR P, equals sqrt (sum_{i>k} sigma_i^2) at every k.  */
START_TEST (test_eckart_young)
{
  const case_t *c = &svd_cases[_i];
  inst_t in;
  inst_make (&in, c, fga_test_seed () + 300 + (unsigned long) _i);
  set_identity (in.V, c->nk);
  size_t r = c->nq < c->nk ? c->nq : c->nk;
  fga_mat_t Pr, T;
  mat (Pr, c->nq, c->nk);
  mat (T, c->nq, c->nk);
  ref_matrix (Pr, NULL, in.Q, in.K, in.tau);
  double *sigma = malloc ((r + 1) * sizeof (double)), *e = malloc ((r + 1) * sizeof (double));
  fga_error err;
  ck_assert_int_eq (fga_attention_singular_values (sigma, in.Q, in.K, in.tau, NULL, &err),
                    FGA_OK);
  fga_eckart_young (e, sigma, r);
  const double fro = fro_diff (Pr, NULL), abs_tol = 16 * (double) (c->nq + c->nk) * U * fro;
  ck_assert_msg (fabs (e[0] - fro) <= abs_tol, "e[0] = %.17g, ||P||_F = %.17g", e[0], fro);
  for (size_t k = 1; k <= r; k++)
    {
      char spec[64];
      snprintf (spec, sizeof spec, "svd:k=%zu", k);
      fga_stats st;
      run_method (spec, T, NULL, &in, &st);
      double meas = fro_diff (T, Pr);
      ck_assert_msg (fabs (meas - e[k]) <= abs_tol,
                     "case %d, k = %zu: ||P - P_k||_F = %.17g but sqrt(sum_{i>k} sigma_i^2) = "
                     "%.17g; FGATTN_TEST_SEED=%lu", _i, k, meas, e[k], fga_test_seed ());
      ck_assert_msg (fabs (fga_stats_get (&st, "eckart_young_fro") - e[k]) <= abs_tol,
                     "case %d, k = %zu: stats say %.17g, expected %.17g", _i, k,
                     fga_stats_get (&st, "eckart_young_fro"), e[k]);
      ck_assert (fabs (fga_stats_get (&st, "sigma_k1") - (k < r ? sigma[k] : 0)) <= abs_tol);
    }
  free (sigma);
  free (e);
  fga_mat_clear (Pr);
  fga_mat_clear (T);
  inst_clear (&in);
}
END_TEST

/* The counts of svd:k (fgattn's own operations; LAPACK's are estimated apart). */
START_TEST (test_svd_counts)
{
  const case_t *c = &svd_cases[_i % NSVD];
  const int with_lse = _i >= (int) NSVD;
  inst_t in;
  inst_make (&in, c, fga_test_seed ());
  const uint64_t nq = c->nq, nk = c->nk, d = c->d, dv = c->dv, L = with_lse;
  const uint64_t r = nq < nk ? nq : nk, k = r / 2 + 1 < r ? r / 2 + 1 : r;
  fga_mat_t T;
  mat (T, c->nq, c->dv);
  double *lse = with_lse ? malloc (c->nq * sizeof (double)) : NULL;
  char spec[64];
  snprintf (spec, sizeof spec, "svd:k=%llu", (unsigned long long) k);
  fga_stats st;
  run_method (spec, T, lse, &in, &st);
  ck_assert_uint_eq (st.n_mul, nq * nk * (d + 1) + k * dv * (nk + 1) + nq * dv * k);
  ck_assert_uint_eq (st.n_add, nq * (nk * (d + 1) - 1 + L) + k * dv * (nk - 1) + nq * dv * (k - 1));
  ck_assert_uint_eq (st.n_exp, nq * (nk + L));
  ck_assert_uint_eq (st.n_div, nq * nk);
  ck_assert_uint_eq (st.n_cmp, nq * (nk - 1));
  free (lse);
  fga_mat_clear (T);
  inst_clear (&in);
}
END_TEST

/* ------------------------------------------------------------------ */
/* nystrom.  */

static const char *const top_specs[] = {
  "nystrom:m=%zu",
  "nystrom:m=%zu,landmarks=segment",
  "nystrom:m=%zu,rcond=0",
  "nystrom:m=%zu,pinv=iter,iters=40",
  "nystrom:m=%zu,landmarks=segment,pinv=iter,iters=40",
};

typedef struct
{
  case_t c;
  int nspecs;                   /* the first nspecs of top_specs apply */
} top_case_t;

/* pinv=iter reaches A^{-1} only when P is well-conditioned (SELF); the SVD
   pseudo-inverse reaches exact attention on every side of the transition. */
static const top_case_t top_cases[] = {
  { { 64, 64, 6, 4, 0.3, 1.0 / 6, IID }, 3 },   /* cond (P) ~ 1e9 */
  { { 64, 64, 6, 4, 1, 1.0 / 6, IID }, 3 },
  { { 64, 64, 6, 4, 3, 1.0 / 6, IID }, 3 },
  { { 96, 96, 8, 3, 1.2, 1.0 / 8, TIES }, 2 },  /* P singular: repeated columns */
  { { 48, 48, 8, 4, 4, 1, SELF }, 5 },
  { { 48, 48, 8, 4, 2.5, 1, SELF }, 5 },
  { { 1, 1, 3, 2, 1, 1, IID }, 5 },
};
#define NTOP (sizeof top_cases / sizeof top_cases[0])

START_TEST (test_nystrom_top)
{
  const top_case_t *tc = &top_cases[_i];
  const case_t *c = &tc->c;
  inst_t in;
  inst_make (&in, c, fga_test_seed () + 400 + (unsigned long) _i);
  fga_mat_t T, Tr;
  mat (T, c->nq, c->dv);
  mat (Tr, c->nq, c->dv);
  fga_test_ref_attention (Tr, NULL, in.Q, in.K, in.V, in.tau, 200);
  double tol = out_tol (&in);
  for (int s = 0; s < tc->nspecs; s++)
    {
      char spec[128];
      snprintf (spec, sizeof spec, top_specs[s], c->nk);
      fga_stats st;
      run_method (spec, T, NULL, &in, &st);
      double e = max_abs_diff (T, Tr);
      ck_assert_msg (e <= tol, "case %d: %s (m = n) is %.3g (%.3g u) from exact attention, "
                     "bound %.3g; FGATTN_TEST_SEED=%lu", _i, spec, e, e / U, tol,
                     fga_test_seed ());
    }
  fga_mat_clear (T);
  fga_mat_clear (Tr);
  inst_clear (&in);
}
END_TEST

/* With V = I, T is nystrom's implied attention matrix F A^+ B, of rank <= m:
   its Frobenius distance to P is at least the Eckart--Young value at m.  */
static const char *const floor_specs[] = {
  "nystrom:m=%zu,seed=%lu",
  "nystrom:m=%zu,landmarks=segment",
  "nystrom:m=%zu,pinv=iter,seed=%lu",
  "nystrom:m=%zu,landmarks=segment,pinv=iter,iters=20",
};
static const size_t floor_m[] = { 1, 2, 5, 7, 12, 24, 40 };
#define NFLOOR_M (sizeof floor_m / sizeof floor_m[0])

/* low and high B, and both rectangles */
static const int floor_cases[] = { 0, 1, 2, 3 };
#define NFLOOR_CASES (sizeof floor_cases / sizeof floor_cases[0])

START_TEST (test_nystrom_floor)
{
  const case_t *c = &svd_cases[floor_cases[_i / NFLOOR_M]];
  const size_t ml = floor_m[_i % NFLOOR_M];
  size_t r = c->nq < c->nk ? c->nq : c->nk;
  if (ml > r)
    return;
  inst_t in;
  inst_make (&in, c, fga_test_seed () + 500 + (unsigned long) _i);
  set_identity (in.V, c->nk);
  fga_mat_t Pr, T;
  mat (Pr, c->nq, c->nk);
  mat (T, c->nq, c->nk);
  ref_matrix (Pr, NULL, in.Q, in.K, in.tau);
  double *sigma = malloc ((r + 1) * sizeof (double)), *e = malloc ((r + 1) * sizeof (double));
  fga_error err;
  ck_assert_int_eq (fga_attention_singular_values (sigma, in.Q, in.K, in.tau, NULL, &err),
                    FGA_OK);
  fga_eckart_young (e, sigma, r);
  const double abs_tol = 16 * (double) (c->nq + c->nk) * U * e[0];
  for (size_t s = 0; s < sizeof floor_specs / sizeof floor_specs[0]; s++)
    {
      char spec[128];
      snprintf (spec, sizeof spec, floor_specs[s], ml, fga_test_seed () + (unsigned long) _i);
      fga_stats st;
      run_method (spec, T, NULL, &in, &st);
      double meas = fro_diff (T, Pr);
      ck_assert_msg (meas >= e[ml] - abs_tol,
                     "%s beats the Eckart-Young floor: ||P - P~||_F = %.17g < %.17g; "
                     "FGATTN_TEST_SEED=%lu", spec, meas, e[ml], fga_test_seed ());
    }
  free (sigma);
  free (e);
  fga_mat_clear (Pr);
  fga_mat_clear (T);
  inst_clear (&in);
}
END_TEST

START_TEST (test_nystrom_seed)
{
  /* nq = nk (paired landmarks) and nq != nk (two draws) */
  const case_t cases[] = { { 64, 64, 6, 4, 1, 1.0 / 6, IID }, { 40, 64, 6, 4, 1, 1.0 / 6, IID } };
  const case_t *c = &cases[_i];
  inst_t in;
  inst_make (&in, c, fga_test_seed () + 600 + (unsigned long) _i);
  fga_mat_t T1, T2, T3;
  mat (T1, c->nq, c->dv);
  mat (T2, c->nq, c->dv);
  mat (T3, c->nq, c->dv);
  const size_t bytes = c->nq * c->dv * sizeof (double);
  run_method ("nystrom:m=16,seed=5", T1, NULL, &in, NULL);
  run_method ("nystrom:m=16,seed=5", T2, NULL, &in, NULL);
  ck_assert_msg (memcmp (T1->data, T2->data, bytes) == 0, "the same seed gave two outputs");
  run_method ("nystrom:m=16,seed=6", T3, NULL, &in, NULL);
  ck_assert_msg (memcmp (T1->data, T3->data, bytes) != 0, "seeds 5 and 6 gave one output");
  run_method ("nystrom:m=16,pinv=iter,seed=5", T2, NULL, &in, NULL);
  run_method ("nystrom:m=16,pinv=iter,seed=5", T3, NULL, &in, NULL);
  ck_assert (memcmp (T2->data, T3->data, bytes) == 0);

  /* a method prepared again, and run twice, gives the same bits: run does
     not change it, and prepare draws from the seed afresh */
  fga_error err;
  fga_method m = fga_method_create ("nystrom:m=16,seed=5", &err);
  ck_assert_ptr_nonnull (m);
  fga_problem p = { c->nq, c->nk, c->d, c->dv, { FGA_TAU_VALUE, in.tau }, in.R, 1, 1 };
  for (int k = 0; k < 2; k++)
    {
      ck_assert_int_eq (fga_method_prepare (m, &p, &err), FGA_OK);
      for (int j = 0; j < 2; j++)
        {
          ck_assert_int_eq (fga_method_run (m, T2, NULL, in.Q, in.K, in.V, NULL, &err), FGA_OK);
          ck_assert (memcmp (T1->data, T2->data, bytes) == 0);
        }
    }
  ck_assert_str_eq (fga_method_spec (m), "nystrom:m=16,landmarks=uniform,pinv=svd,rcond=auto,"
                    "seed=5");
  fga_method_destroy (m);
  fga_mat_clear (T1);
  fga_mat_clear (T2);
  fga_mat_clear (T3);
  inst_clear (&in);
}
END_TEST

/* The counts of nystrom: segment landmarks with pinv=iter involve no
   LAPACK, so every operation is counted; pinv=svd adds r from the stats. */
START_TEST (test_nystrom_counts)
{
  const case_t cases[] = { { 50, 70, 5, 3, 1, 0.2, IID }, { 33, 33, 4, 2, 2, 0.25, IID } };
  const case_t *c = &cases[_i / 2];
  const int iter = _i % 2 == 0;
  inst_t in;
  inst_make (&in, c, fga_test_seed ());
  const uint64_t nq = c->nq, nk = c->nk, d = c->d, dv = c->dv, m = 11, I = 7;
  fga_mat_t T;
  mat (T, c->nq, c->dv);
  fga_stats st;
  run_method (iter ? "nystrom:m=11,landmarks=segment,pinv=iter,iters=7"
              : "nystrom:m=11,landmarks=segment", T, NULL, &in, &st);
  /* landmarks, then B (m x nk), A (m x m), F (nq x m) by fga_attention_matrix, W = B V, T = F W3 */
  uint64_t mul = m * nk * (d + 1) + m * m * (d + 1) + nq * m * (d + 1) + m * dv * nk + nq * dv * m;
  uint64_t add = (nq - m) * d + (nk - m) * d + m * (nk * (d + 1) - 1) + m * (m * (d + 1) - 1)
    + nq * (m * (d + 1) - 1) + m * dv * (nk - 1) + nq * dv * (m - 1);
  uint64_t exp_ = m * nk + m * m + nq * m;
  uint64_t div = 2 * m * d + m * nk + m * m + nq * m;
  uint64_t cmp = m * (nk - 1) + m * (m - 1) + nq * (m - 1);
  if (iter)
    {
      add += 2 * m * (m - 1) + I * (4 * m * m * (m - 1) + 3 * m * m) + m * dv * (m - 1);
      cmp += 2 * (m - 1);
      mul += 1 + I * (4 * m * m * m + m * m) + m * m * dv;
      div += m * m;
    }
  else
    {
      uint64_t r = (uint64_t) fga_stats_get (&st, "rank");
      ck_assert_uint_eq (r, m);     /* A is well-conditioned at this B */
      mul += 1 + 2 * r * dv * m;
      add += r * dv * (m - 1) + m * dv * (r - 1);
      cmp += r + (r < m);
      div += r * dv;
    }
  ck_assert_uint_eq (st.n_mul, mul);
  ck_assert_uint_eq (st.n_add, add);
  ck_assert_uint_eq (st.n_exp, exp_);
  ck_assert_uint_eq (st.n_div, div);
  ck_assert_uint_eq (st.n_cmp, cmp);
  ck_assert (st.peak_bytes >= (nq > nk ? nq : nk) * m * sizeof (double));
  fga_mat_clear (T);
  inst_clear (&in);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Pseudo-inverses.  */

static void
product (fga_mat_ptr C, fga_mat_srcptr A, fga_mat_srcptr B)
{
  fga_mat_clear (C);
  mat (C, A->rows, B->cols);
  for (size_t i = 0; i < A->rows; i++)
    for (size_t k = 0; k < A->cols; k++)
      for (size_t j = 0; j < B->cols; j++)
        FGA_MAT (C, i, j) += FGA_MAT (A, i, k) * FGA_MAT (B, k, j);
}

/* The Penrose conditions, relative: ||A Z A - A|| / ||A||,
   ||Z A Z - Z|| / ||Z||, and the asymmetry of A Z and Z A.  */
static double
penrose (fga_mat_srcptr A, fga_mat_srcptr Z)
{
  fga_mat_t AZ, ZA, X;
  mat (AZ, 0, 0);
  mat (ZA, 0, 0);
  mat (X, 0, 0);
  product (AZ, A, Z);
  product (ZA, Z, A);
  product (X, AZ, A);
  double worst = fro_diff (X, A) / fro_diff (A, NULL);
  product (X, ZA, Z);
  worst = fmax (worst, fro_diff (X, Z) / fro_diff (Z, NULL));
  double asym = 0, n1 = fro_diff (AZ, NULL), n2 = fro_diff (ZA, NULL);
  for (size_t i = 0; i < AZ->rows; i++)
    for (size_t j = 0; j < AZ->cols; j++)
      asym = fmax (asym, fabs (FGA_MAT (AZ, i, j) - FGA_MAT (AZ, j, i)) / n1);
  for (size_t i = 0; i < ZA->rows; i++)
    for (size_t j = 0; j < ZA->cols; j++)
      asym = fmax (asym, fabs (FGA_MAT (ZA, i, j) - FGA_MAT (ZA, j, i)) / n2);
  fga_mat_clear (AZ);
  fga_mat_clear (ZA);
  fga_mat_clear (X);
  return fmax (worst, asym);
}

/* Well-conditioned matrices: I + noise, tall and wide uniform ones, and
   the P of a SELF instance.  */
static void
pinv_matrix (fga_mat_ptr A, int which, unsigned long seed)
{
  static const size_t shapes[][2] = { { 30, 30 }, { 40, 24 }, { 24, 40 }, { 32, 32 } };
  fga_mat_clear (A);
  mat (A, shapes[which][0], shapes[which][1]);
  if (which == 3)
    {
      case_t c = { 32, 32, 8, 1, 3, 1, SELF };
      inst_t in;
      inst_make (&in, &c, seed);
      fga_error err;
      ck_assert_int_eq (fga_attention_matrix (A, NULL, in.Q, in.K, in.tau, NULL, &err), FGA_OK);
      inst_clear (&in);
      return;
    }
  fga_test_fill_uniform (A, 1, &seed);
  if (which == 0)
    for (size_t i = 0; i < A->rows; i++)
      {
        for (size_t j = 0; j < A->cols; j++)
          FGA_MAT (A, i, j) *= 0.3 / (double) A->rows;
        FGA_MAT (A, i, i) += 1;
      }
}

START_TEST (test_pinv_iter_converges)
{
  fga_mat_t A, Z, Zs;
  mat (A, 0, 0);
  pinv_matrix (A, _i, fga_test_seed () + 700 + (unsigned long) _i);
  const size_t a = A->rows, b = A->cols, r = a < b ? a : b;
  mat (Z, b, a);
  mat (Zs, b, a);
  fga_error err;
  size_t rank;
  ck_assert_int_eq (fgap_pinv_svd (Zs, &rank, A, -1, NULL, &err), FGA_OK);
  ck_assert_uint_eq (rank, r);
  ck_assert_msg (penrose (A, Zs) <= 1e-13, "pinv_svd: Penrose residual %g", penrose (A, Zs));

  /* sigma_min from the SVD, to predict the number of steps: about
     log (||A||_1 ||A||_inf / sigma_min^2) / log (13/4) to reach the cubic
     phase, then a few (src/methods/nystrom.c) */
  fga_mat_t M, Uu, Vt;
  mat (M, a, b);
  memcpy (M->data, A->data, a * b * sizeof (double));
  mat (Uu, a, r);
  mat (Vt, r, b);
  double *s = malloc (r * sizeof (double));
  ck_assert_int_eq (fga_mat_svd (Uu, s, Vt, M, NULL, &err), FGA_OK);
  double n1 = 0, ninf = 0;
  for (size_t j = 0; j < b; j++)
    {
      double t = 0;
      for (size_t i = 0; i < a; i++)
        t += fabs (FGA_MAT (A, i, j));
      n1 = fmax (n1, t);
    }
  for (size_t i = 0; i < a; i++)
    {
      double t = 0;
      for (size_t j = 0; j < b; j++)
        t += fabs (FGA_MAT (A, i, j));
      ninf = fmax (ninf, t);
    }
  long steps = (long) ceil (log (n1 * ninf / (s[r - 1] * s[r - 1])) / log (13.0 / 4)) + 5;

  double prev = INFINITY;
  for (long it = 0; it <= steps; it++)
    {
      fga_stats st;
      fga_stats_init (&st);
      ck_assert_int_eq (fgap_pinv_iter (Z, A, it, &st, &err), FGA_OK);
      double res = penrose (A, Z);
      ck_assert_msg (res <= prev * 1.01 + 1e-14, "matrix %d: the residual grew from %g to %g "
                     "at step %ld", _i, prev, res, it);
      prev = res;
      if (it > 0)
        ck_assert (st.n_mul > 0 && st.peak_bytes > 0);
    }
  ck_assert_msg (prev <= 1e-12, "matrix %d: Penrose residual %g after %ld steps", _i, prev,
                 steps);
  ck_assert_msg (fro_diff (Z, Zs) <= 1e-11 * fro_diff (Zs, NULL),
                 "matrix %d: iterative and SVD pseudo-inverses differ by %g", _i,
                 fro_diff (Z, Zs) / fro_diff (Zs, NULL));
  free (s);
  fga_mat_clear (A);
  fga_mat_clear (Z);
  fga_mat_clear (Zs);
  fga_mat_clear (M);
  fga_mat_clear (Uu);
  fga_mat_clear (Vt);
}
END_TEST

/* A rank-3 matrix: the cutoff finds the rank, and Z is still A^+.  */
START_TEST (test_pinv_svd_rank_deficient)
{
  unsigned long seed = fga_test_seed () + 800;
  fga_mat_t X, Y, A, Z;
  mat (X, 20, 3);
  mat (Y, 3, 15);
  mat (A, 0, 0);
  mat (Z, 15, 20);
  fga_test_fill_uniform (X, 1, &seed);
  fga_test_fill_uniform (Y, 1, &seed);
  product (A, X, Y);
  fga_error err;
  size_t rank;
  fga_stats st;
  fga_stats_init (&st);
  ck_assert_int_eq (fgap_pinv_svd (Z, &rank, A, -1, &st, &err), FGA_OK);
  ck_assert_uint_eq (rank, 3);
  ck_assert_msg (penrose (A, Z) <= 1e-12, "Penrose residual %g", penrose (A, Z));
  ck_assert (fga_stats_get (&st, "lapack_flops") > 0);
  /* rcond = 1 keeps nothing: the pseudo-inverse of the cut matrix is 0 */
  ck_assert_int_eq (fgap_pinv_svd (Z, &rank, A, 1, NULL, &err), FGA_OK);
  ck_assert_uint_eq (rank, 0);
  ck_assert (fga_mat_max_abs (Z) == 0);
  fga_mat_clear (X);
  fga_mat_clear (Y);
  fga_mat_clear (A);
  fga_mat_clear (Z);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The numerical rank of P and the Eckart--Young errors.  */

START_TEST (test_closed_forms)
{
  const double s[] = { 4, 3, 1, 0.5, 0 };
  ck_assert_uint_eq (fga_numerical_rank (s, 5, 1), 2);   /* strictly above */
  ck_assert_uint_eq (fga_numerical_rank (s, 5, 0), 4);
  ck_assert_uint_eq (fga_numerical_rank (s, 5, 10), 0);
  double e[6];
  fga_eckart_young (e, s, 5);
  ck_assert_close (e[5], 0, 0, 0);
  ck_assert_close (e[4], 0, 0, 0);
  ck_assert_close (e[3], 0.5, 0, 0);
  ck_assert_close (e[2], sqrt (1.25), 2, 0);
  ck_assert_close (e[1], sqrt (10.25), 2, 0);
  ck_assert_close (e[0], sqrt (26.25), 2, 0);
  /* no overflow nor underflow of the squares */
  const double big[] = { 3e200, 4e200 }, tiny[] = { 3e-200, 4e-200 };
  fga_eckart_young (e, big, 2);
  ck_assert_close (e[0], 5e200, 2, 0);
  fga_eckart_young (e, tiny, 2);
  ck_assert_close (e[0], 5e-200, 2, 0);
  ck_assert_close (e[1], 4e-200, 0, 0);
  /* in place */
  double w[3] = { 3, 4, -1 };
  fga_eckart_young (w, w, 2);
  ck_assert_close (w[0], 5, 1, 0);
  ck_assert_close (w[1], 4, 0, 0);
  ck_assert_close (w[2], 0, 0, 0);
}
END_TEST

/* theory/transition.md, sections 5-6: uniform entries, d = ceil (log2 n), tau = 1/d:
   at n = 256 the number of singular values of P above 1/n is about d + 1
   at beta = B / sqrt (ln n) = 0.25 (measured: 9 for three seeds) and most
   of n at beta = 1.5 (measured: 199 to 203).  Only the robust part is
   asserted.  */
START_TEST (test_rank_transition)
{
  const size_t n = 256, d = 8;
  const double beta = _i == 0 ? 0.25 : 1.5;
  fga_instance_t inst;
  fga_instance_init (inst);
  fga_error err;
  ck_assert_int_eq (fga_instance_generate (inst, n, n, d, d, beta * sqrt (log ((double) n)), 1,
                                           FGA_DIST_UNIFORM, fga_test_seed (), &err), FGA_OK);
  double *sigma = malloc (n * sizeof (double));
  ck_assert_int_eq (fga_attention_singular_values (sigma, inst->Q, inst->K, 1.0 / (double) d,
                                                   NULL, &err), FGA_OK);
  size_t rank = fga_numerical_rank (sigma, n, 1.0 / (double) n);
  if (_i == 0)
    ck_assert_msg (rank >= 2 && rank <= 3 * (d + 1), "beta = 0.25: numerical rank %zu, "
                   "expected about d + 1 = %zu; FGATTN_TEST_SEED=%lu", rank, d + 1,
                   fga_test_seed ());
  else
    ck_assert_msg (rank >= n / 4, "beta = 1.5: numerical rank %zu, expected most of n = %zu; "
                   "FGATTN_TEST_SEED=%lu", rank, n, fga_test_seed ());
  free (sigma);
  fga_instance_clear (inst);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Bad input.  */

static const struct
{
  const char *spec, *word;      /* the message must name word */
} bad_specs[] = {
  { "svd:k=0", "k=0" },
  { "svd:k=-3", "k=-3" },
  { "svd:k=2.5", "k=2.5" },
  { "svd:kk=3", "kk" },
  { "nystrom:m=0", "m=0" },
  { "nystrom:landmarks=random", "landmarks=random" },
  { "nystrom:pinv=qr", "pinv=qr" },
  { "nystrom:iters=5", "iters" },                       /* pinv=svd */
  { "nystrom:landmarks=segment,seed=3", "seed" },
  { "nystrom:pinv=iter,iters=0", "iters=0" },
  { "nystrom:rcond=-1", "rcond=-1" },
  { "nystrom:rcond=2", "rcond=2" },
  { "nystrom:rcond=tiny", "rcond=tiny" },
  { "nystrom:pinv=iter,rcond=0.1", "rcond" },
  { "nystrom:seed=-1", "seed=-1" },
  { "nystrom:m=4,m=5", "'m' given twice" },
};

START_TEST (test_bad_specs)
{
  fga_error err;
  fga_error_init (&err);
  fga_method m = fga_method_create (bad_specs[_i].spec, &err);
  ck_assert_msg (m == NULL, "%s was accepted", bad_specs[_i].spec);
  ck_assert_int_eq (err.code, FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, bad_specs[_i].word) != NULL, "%s: message '%s' does not name "
                 "'%s'", bad_specs[_i].spec, err.msg, bad_specs[_i].word);
}
END_TEST

START_TEST (test_bad_prepare)
{
  static const char *const specs[] = { "svd:k=65", "nystrom:m=65",
                                       "nystrom:m=65,landmarks=segment" };
  fga_error err;
  fga_method m = fga_method_create (specs[_i], &err);
  ck_assert_ptr_nonnull (m);
  fga_problem p = { 64, 80, 4, 2, { FGA_TAU_INV_D, 0 }, 1, 1, 1 };
  ck_assert_int_eq (fga_method_prepare (m, &p, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "64") != NULL && strstr (err.msg, "65") != NULL,
                 "message '%s' names neither the value nor the maximum", err.msg);
  /* at the maximum it is accepted */
  fga_method_destroy (m);
  p.nq = 65;
  p.nk = 65;
  m = fga_method_create (specs[_i], &err);
  ck_assert_int_eq (fga_method_prepare (m, &p, &err), FGA_OK);
  fga_method_destroy (m);
}
END_TEST

START_TEST (test_bad_calls)
{
  case_t c = { 6, 8, 3, 2, 1, 1, IID };
  inst_t in;
  inst_make (&in, &c, fga_test_seed ());
  fga_error err;
  fga_mat_t P, T, Z, Uu, Vt;
  mat (P, 6, 8);
  mat (T, 6, 2);
  mat (Z, 8, 6);
  mat (Uu, 6, 6);
  mat (Vt, 6, 8);
  double lse[6], s[8];

  /* nystrom has no log-sum-exp */
  fga_method m = fga_method_create ("nystrom:m=4", &err);
  fga_problem p = { 6, 8, 3, 2, { FGA_TAU_VALUE, 1 }, in.R, 1, 1 };
  ck_assert_int_eq (fga_method_prepare (m, &p, &err), FGA_OK);
  ck_assert_int_eq (fga_method_run (m, T, lse, in.Q, in.K, in.V, NULL, &err), FGA_ERR_INPUT);
  ck_assert (strstr (err.msg, "log-sum-exp") != NULL);
  fga_method_destroy (m);

  /* the attention matrix */
  fga_mat_t Pbad;
  mat (Pbad, 8, 6);
  ck_assert_int_eq (fga_attention_matrix (Pbad, NULL, in.Q, in.K, 1, NULL, &err), FGA_ERR_INPUT);
  ck_assert (strstr (err.msg, "P is 8 x 6") != NULL);
  ck_assert_int_eq (fga_attention_matrix (P, NULL, in.Q, in.K, 0, NULL, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fga_attention_matrix (P, NULL, in.Q, in.K, NAN, NULL, &err), FGA_ERR_INPUT);
  FGA_MAT (in.K, 2, 1) = NAN;
  ck_assert_int_eq (fga_attention_matrix (P, NULL, in.Q, in.K, 1, NULL, &err), FGA_ERR_INPUT);
  ck_assert (strstr (err.msg, "K") != NULL);
  FGA_MAT (in.K, 2, 1) = 0;
  /* finite entries whose score overflows for real: s_30 = 1e600 leaves
     every other score of row 3 (at most 1e300 + 2) infinitely far below,
     so that row of P is (1, 0, ..., 0) (kernels/attention-util.h); its
     lse is beyond the double range and refused */
  FGA_MAT (in.Q, 3, 0) = 1e300;
  FGA_MAT (in.K, 0, 0) = 1e300;
  ck_assert_int_eq (fga_attention_matrix (P, NULL, in.Q, in.K, 1, NULL, &err), FGA_OK);
  for (size_t j = 0; j < 8; j++)
    ck_assert (FGA_MAT (P, 3, j) == (j == 0));
  for (size_t x = 0; x < 48; x++)
    ck_assert (isfinite (P->data[x]));
  ck_assert_int_eq (fga_attention_matrix (P, lse, in.Q, in.K, 1, NULL, &err), FGA_ERR_COMPUTE);
  ck_assert (strstr (err.msg, "row 3") != NULL && strstr (err.msg, "log-sum-exp") != NULL);
  FGA_MAT (in.Q, 3, 0) = 0;
  FGA_MAT (in.K, 0, 0) = 0;

  /* the SVD and the pseudo-inverses */
  ck_assert_int_eq (fga_mat_svd (Vt, s, Uu, P, NULL, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fga_mat_svd (Uu, s, NULL, P, NULL, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fgap_pinv_svd (P, NULL, P, -1, NULL, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fgap_pinv_svd (Z, NULL, P, NAN, NULL, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fgap_pinv_iter (P, P, 3, NULL, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fgap_pinv_iter (Z, P, -1, NULL, &err), FGA_ERR_INPUT);
  FGA_MAT (P, 1, 1) = INFINITY;
  ck_assert_int_eq (fgap_pinv_iter (Z, P, 3, NULL, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fga_mat_svd (Uu, s, Vt, P, NULL, &err), FGA_ERR_INPUT);

  fga_mat_clear (Pbad);
  fga_mat_clear (P);
  fga_mat_clear (T);
  fga_mat_clear (Z);
  fga_mat_clear (Uu);
  fga_mat_clear (Vt);
  inst_clear (&in);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Every method at the ends of the double range (kernels/attention-util.h).
   Each returns finite values within its documented error, or refuses with
   FGA_ERR_COMPUTE; none returns Inf or NaN with FGA_OK.  */

static const char *const edge_specs[] = {
  "exact:algo=naive", "exact:algo=stream", "exact:algo=blas", "svd:k=4", "svd:k=16",
  "nystrom:m=16", "nystrom:m=4,landmarks=segment", "nystrom:m=4,pinv=iter", "rf:m=64",
  "rf:m=64,kind=hyp", "rf:m=64,kind=trig,orth=1", "window:w=2", "strided", "fixed:c=1",
  "dilated:w=4", "poly:deg=6", "poly:deg=4,arith=mpfr", "tsketch:deg=3,m=64",
};
#define NEDGE_SPECS (sizeof edge_specs / sizeof edge_specs[0])

/* The scale of V: 2^s times values in [-1, 1] (uniform or +-1). */
static const struct
{
  int s;
  int rademacher;
} edge_scales[] = { { 1023, 1 }, { 1023, 0 }, { 1000, 0 }, { -1040, 0 }, { -1000, 1 } };
#define NEDGE_SCALES (sizeof edge_scales / sizeof edge_scales[0])

/* Every method is linear in V, and a power of two commutes with rounding:
   run on V_edge = V 2^s, it must give its output on V times 2^s (to the
   clamp of a weighted mean and one subnormal ulp), or refuse only when
   that output is itself beyond the double range.  The run on V, of
   ordinary size, is the independent route.  */
START_TEST (test_edge_v_all_methods)
{
  const char *spec = edge_specs[_i % NEDGE_SPECS];
  const int s = edge_scales[_i / NEDGE_SPECS].s;
  const size_t n = 16, d = 8, dv = 4;
  case_t c = { n, n, d, dv, 1, 0.125, IID };
  inst_t in;
  inst_make (&in, &c, fga_test_seed () + 9000 + (unsigned long) _i);
  fga_mat_t Ve, T, Te;
  mat (Ve, n, dv);
  mat (T, n, dv);
  mat (Te, n, dv);
  for (size_t x = 0; x < n * dv; x++)
    {
      double v = in.V->data[x];
      if (edge_scales[_i / NEDGE_SPECS].rademacher)
        v = v < 0 ? -1 : 1;
      Ve->data[x] = ldexp (v, s);
      /* the values of ordinary size: exactly V_edge 2^-s */
      in.V->data[x] = ldexp (Ve->data[x], -s);
    }
  double vmax = fga_mat_max_abs (Ve);
  fga_error err;
  fga_method m = fga_method_create (spec, &err);
  ck_assert_msg (m != NULL, "%s: %s", spec, err.msg);
  fga_problem p = { n, n, d, dv, { FGA_TAU_VALUE, in.tau },
                    fga_score_radius (in.Q, in.K, in.tau), 1,
                    fmax (vmax, fga_mat_max_abs (in.V)) };
  ck_assert_msg (fga_method_prepare (m, &p, &err) == FGA_OK, "%s: %s", spec, err.msg);
  ck_assert_msg (fga_method_run (m, T, NULL, in.Q, in.K, in.V, NULL, &err) == FGA_OK,
                 "%s on V of ordinary size: %s", spec, err.msg);
  int rc = fga_method_run (m, Te, NULL, in.Q, in.K, Ve, NULL, &err);
  int beyond = 0;
  for (size_t x = 0; x < n * dv; x++)
    beyond |= !isfinite (ldexp (T->data[x], s));
  if (rc != FGA_OK)
    ck_assert_msg (rc == FGA_ERR_COMPUTE && beyond, "%s, V 2^%d: refused (%d) an output "
                   "within the range: %s", spec, s, rc, err.msg);
  else
    for (size_t x = 0; x < n * dv; x++)
      {
        double want = ldexp (T->data[x], s), got = Te->data[x];
        ck_assert_msg (isfinite (got) && fabs (got - want) <= 2 * U * vmax + 0x1p-1074,
                       "%s, V 2^%d: T[%zu][%zu] = %.17g, 2^%d times the output on V: %.17g; "
                       "FGATTN_TEST_SEED=%lu", spec, s, x / dv, x % dv, got, s, want,
                       fga_test_seed ());
      }
  fga_method_destroy (m);
  fga_mat_clear (Ve);
  fga_mat_clear (T);
  fga_mat_clear (Te);
  inst_clear (&in);
}
END_TEST

/* The two keys as a 2 x 2 instance (tests/kernels/t-exact.c,
   test_two_keys_overflow): q_0 = -DBL_MAX (1, 1, 1, 1) attends key 1
   alone, q_1 = +DBL_MAX (1, 1, 1, 1) key 0, so Att = (2, 1) and P is the
   exchange matrix: every method that is exact attention at this size
   returns (2, 1) up to the rounding of its products (svd, nystrom);
   rf refuses (its features are exponents of ||x||^2 = Inf); poly and
   tsketch refuse at prepare (no radius R bounds these scores).  */
static const struct
{
  const char *spec;
  int want;                     /* FGA_OK, or the code run or prepare returns */
} two_key_specs[] = {
  { "exact:algo=naive", FGA_OK }, { "exact:algo=stream", FGA_OK },
  { "exact:algo=blas", FGA_OK }, { "exact:algo=mpfr", FGA_OK }, { "svd:k=2", FGA_OK },
  { "nystrom:m=2", FGA_OK }, { "nystrom:m=2,pinv=iter,iters=30", FGA_OK },
  { "window:w=1", FGA_OK }, { "strided:l=2", FGA_OK }, { "fixed:l=2,c=1", FGA_OK },
  { "dilated:w=2", FGA_OK }, { "rf:m=16", FGA_ERR_COMPUTE },
  { "rf:m=16,kind=trig", FGA_ERR_COMPUTE }, { "poly:deg=4", FGA_ERR_INPUT },
  { "tsketch:deg=2,m=8", FGA_ERR_INPUT },
};

START_TEST (test_two_keys_all_methods)
{
  static const double k2[8] = { .375, -.4375, -.5625, 1.375, -.875, 1.1875, 1.25, -1.25 };
  const char *spec = two_key_specs[_i].spec;
  fga_mat_t Q, K, V, T;
  mat (Q, 2, 4);
  mat (K, 2, 4);
  mat (V, 2, 1);
  mat (T, 2, 1);
  for (int t = 0; t < 4; t++)
    {
      FGA_MAT (Q, 0, t) = -DBL_MAX;
      FGA_MAT (Q, 1, t) = DBL_MAX;
    }
  memcpy (K->data, k2, sizeof k2);
  V->data[0] = 1;
  V->data[1] = 2;
  fga_error err;
  fga_method m = fga_method_create (spec, &err);
  ck_assert_msg (m != NULL, "%s: %s", spec, err.msg);
  fga_problem p = { 2, 2, 4, 1, { FGA_TAU_VALUE, 0.25 }, fga_score_radius (Q, K, 0.25), 1, 2 };
  int rc = fga_method_prepare (m, &p, &err);
  if (rc == FGA_OK)
    rc = fga_method_run (m, T, NULL, Q, K, V, NULL, &err);
  ck_assert_msg (rc == two_key_specs[_i].want, "%s: %d, expected %d (%s)", spec, rc,
                 two_key_specs[_i].want, err.msg);
  if (rc == FGA_OK)
    ck_assert_msg (fabs (T->data[0] - 2) <= 64 * U && fabs (T->data[1] - 1) <= 64 * U,
                   "%s: T = (%.17g, %.17g), not (2, 1)", spec, T->data[0], T->data[1]);
  else if (rc == FGA_ERR_COMPUTE)
    ck_assert_msg (strstr (err.msg, "overflow") != NULL, "%s: '%s'", spec, err.msg);
  fga_method_destroy (m);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* P of the two keys from each query, and the segment means of queries
   at DBL_MAX, whose sums overflow: nystrom's landmarks are the queries
   themselves, every row of P is (1, 0), and Nystrom is exact on a P of
   rank 1: T = v_0 = 1.  */
START_TEST (test_matrix_two_keys)
{
  static const double k2[8] = { .375, -.4375, -.5625, 1.375, -.875, 1.1875, 1.25, -1.25 };
  fga_mat_t Q, K, V, T, P;
  mat (Q, 4, 4);
  mat (K, 2, 4);
  mat (V, 2, 1);
  mat (T, 4, 1);
  mat (P, 4, 2);
  for (int t = 0; t < 4; t++)
    {
      FGA_MAT (Q, 0, t) = -DBL_MAX;
      FGA_MAT (Q, 1, t) = DBL_MAX;
      FGA_MAT (Q, 2, t) = -1;
      FGA_MAT (Q, 3, t) = 0;
    }
  memcpy (K->data, k2, sizeof k2);
  fga_error err;
  double lse[4];
  ck_assert_int_eq (fga_attention_matrix (P, lse, Q, K, 0.25, NULL, &err), FGA_OK);
  ck_assert (FGA_MAT (P, 0, 0) == 0 && FGA_MAT (P, 0, 1) == 1);
  ck_assert (FGA_MAT (P, 1, 0) == 1 && FGA_MAT (P, 1, 1) == 0);
  ck_assert_close (lse[0], -(DBL_MAX / 64) * 5, 8, 0);
  ck_assert_close (lse[1], (DBL_MAX / 16) * 3, 8, 0);
  /* rows 2 and 3, of ordinary size, against the MPFR reference */
  fga_mat_t Pr;
  mat (Pr, 4, 2);
  ref_matrix (Pr, NULL, Q, K, 0.25);
  for (size_t x = 4; x < 8; x++)
    ck_assert_close (P->data[x], Pr->data[x], 0, 32 * U);
  fga_mat_clear (Pr);

  for (size_t x = 0; x < 16; x++)
    Q->data[x] = DBL_MAX;
  V->data[0] = 1;
  V->data[1] = 2;
  fga_method m = fga_method_create ("nystrom:m=2,landmarks=segment", &err);
  fga_problem p = { 4, 2, 4, 1, { FGA_TAU_VALUE, 0.25 }, INFINITY, 1, 2 };
  ck_assert_int_eq (fga_method_prepare (m, &p, &err), FGA_OK);
  int rc = fga_method_run (m, T, NULL, Q, K, V, NULL, &err);
  ck_assert_msg (rc == FGA_OK, "%s", err.msg);
  for (size_t i = 0; i < 4; i++)
    ck_assert_close (T->data[i], 1, 0, 64 * U);
  fga_method_destroy (m);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
  fga_mat_clear (P);
}
END_TEST

static Suite *
lowrank_suite (void)
{
  Suite *s = suite_create ("lowrank");
  TCase *tc;

  tc = fga_test_tcase ("attention matrix", 10);
  tcase_add_loop_test (tc, test_matrix_reference, 0, NMATRIX);
  tcase_add_loop_test (tc, test_matrix_counts, 0, 2 * NMATRIX);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("svd and singular values", 60);
  tcase_add_loop_test (tc, test_svd_top, 0, NSVD);
  tcase_add_loop_test (tc, test_singular_values, 0, NSVD);
  tcase_add_loop_test (tc, test_eckart_young, 0, NSVD);
  tcase_add_loop_test (tc, test_svd_counts, 0, 2 * NSVD);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("nystrom", 60);
  tcase_add_loop_test (tc, test_nystrom_top, 0, NTOP);
  tcase_add_loop_test (tc, test_nystrom_floor, 0, NFLOOR_CASES * NFLOOR_M);
  tcase_add_loop_test (tc, test_nystrom_seed, 0, 2);
  tcase_add_loop_test (tc, test_nystrom_counts, 0, 4);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("pseudo-inverses", 10);
  tcase_add_loop_test (tc, test_pinv_iter_converges, 0, 4);
  tcase_add_test (tc, test_pinv_svd_rank_deficient);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("numerical rank", 60);
  tcase_add_test (tc, test_closed_forms);
  tcase_add_loop_test (tc, test_rank_transition, 0, 2);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("ends of the double range", 60);
  tcase_add_loop_test (tc, test_edge_v_all_methods, 0, NEDGE_SPECS * NEDGE_SCALES);
  tcase_add_loop_test (tc, test_two_keys_all_methods, 0,
                       sizeof two_key_specs / sizeof two_key_specs[0]);
  tcase_add_test (tc, test_matrix_two_keys);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("bad input", 10);
  tcase_add_loop_test (tc, test_bad_specs, 0, sizeof bad_specs / sizeof bad_specs[0]);
  tcase_add_loop_test (tc, test_bad_prepare, 0, 3);
  tcase_add_test (tc, test_bad_calls);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (lowrank_suite ());
}
