/* t-sparse -- tests of the sparse methods window, strided, dilated and fixed (src/kernels/sparse.c)

   Expected values never come from the library's patterns: the test builds
   each support from the definitions (a loop over every (i, j) pair, with
   the multiplicity c_ij of j among the groups of i), then computes the
   masked softmax sum_j c_ij e^{s_ij} v_j / sum_j c_ij e^{s_ij} in MPFR at
   200 bits with an unbounded exponent range (no maximum subtracted), and
   LongNet's mixing literally, level by level.  Counts are checked against
   the pairs and groups counted on those masks, closed forms and ratios.

   LongNet's mixing is the multiset softmax.  For a query i kept by the
   levels k, with g_k its key set at level k, LongNet outputs
     O = sum_k s_k O_k / sum_k s_k,  s_k = sum_{j in g_k} e^{s_ij},
     O_k = sum_{j in g_k} e^{s_ij} v_j / s_k.
   Then s_k O_k = sum_{j in g_k} e^{s_ij} v_j, so
     O = sum_k sum_{j in g_k} e^{s_ij} v_j / sum_k sum_{j in g_k} e^{s_ij}
       = sum_j c_ij e^{s_ij} v_j / sum_j c_ij e^{s_ij},  c_ij = #{k : j in g_k}:
   the softmax over the multiset union of the g_k.  It is the softmax over
   their plain union exactly when every c_ij <= 1, i.e. when the key sets of
   each query are disjoint; since a query kept at two levels is in both of
   its key sets (c_ii >= 2), that happens only for queries kept at one
   level.  test_mixing checks all three statements numerically.

   Error bound used below (first order, u = 2^-53, R = tau max_ij sum_t
   |q_it k_jt|, c the largest group, K the most groups of one query): each
   weight is off by a relative u ((d + 3) R + 2) (scores, s - m, exp) and
   by u (2 R + 3) more per merge (e^{m_k - m} and the two sums), and the
   sums of c terms add 2 c u, so
     |T - Att| <= u max|V| (2 (d + 3 + 2K) R + 2 c + 8 + 8K),
     |lse - LSE| <= u ((d + 5 + 2K) R + 4 c + 8 + 8K) + 2 u |LSE|.  */

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

#define U 0x1p-53
#define PREC 200

#define WIN FGA_SPARSE_WINDOW
#define STR FGA_SPARSE_STRIDED
#define DIL FGA_SPARSE_DILATED
#define FIX FGA_SPARSE_FIXED

/* One pattern: kind, n, causal, w, l, r, alpha, levels, head, c (the public
   struct is only a container here; the test resolves l = 0 and levels = 0
   itself).  */
typedef fga_sparse_pattern pat_t;

static void
mat (fga_mat_ptr M, size_t rows, size_t cols)
{
  fga_error err;
  ck_assert_int_eq (fga_mat_init (M, rows, cols, &err), FGA_OK);
}

/* The method spec of a pattern.  */
static void
spec_of (char *buf, size_t size, const pat_t *p)
{
  if (p->kind == WIN)
    snprintf (buf, size, "window:w=%zu,causal=%d", p->w, p->causal);
  else if (p->kind == STR)
    snprintf (buf, size, "strided:l=%zu,causal=%d", p->l, p->causal);
  else
    snprintf (buf, size, "dilated:w=%zu,r=%zu,alpha=%zu,levels=%zu,head=%zu,causal=%d", p->w,
              p->r, p->alpha, p->levels, p->head, p->causal);
}

/* The least l with l^2 >= n, by counting.  */
static size_t
test_ceil_sqrt (size_t n)
{
  size_t l = 1;
  while (l * l < n)
    l++;
  return l;
}

static size_t
test_levels (const pat_t *p)
{
  if (p->levels != 0)
    return p->levels;
  size_t k = 1, w = p->w;
  while (w < p->n)
    {
      w *= p->alpha;
      k++;
    }
  return k;
}

static size_t
ipow (size_t a, size_t k)
{
  size_t x = 1;
  while (k-- > 0)
    x *= a;
  return x;
}

/* The multiplicities C[i n + j] of key j for query i, from the definitions:
   window |i - j| <= w; strided |i - j| < l or (i - j) mod l = 0; dilated,
   per level k, i and j in the same segment of length w alpha^k and both at
   a position p with p mod (r alpha^k) = head mod (r alpha^k); causal j <= i.
   ngroups[i] (if not NULL) receives the number of levels keeping i (1 for
   window and strided).  */
static int *
build_mult (const pat_t *p, size_t *ngroups)
{
  size_t n = p->n;
  int *C = calloc (n * n, sizeof *C);
  ck_assert_ptr_nonnull (C);
  for (size_t i = 0; i < n; i++)
    {
      if (ngroups != NULL)
        ngroups[i] = p->kind == DIL ? 0 : 1;
      for (size_t j = 0; j < n; j++)
        {
          if (p->causal && j > i)
            continue;
          size_t dist = i > j ? i - j : j - i;
          if (p->kind == WIN)
            C[i * n + j] = dist <= p->w;
          else if (p->kind == STR)
            {
              size_t l = p->l != 0 ? p->l : test_ceil_sqrt (n);
              C[i * n + j] = dist < l || dist % l == 0;
            }
        }
      if (p->kind != DIL)
        continue;
      for (size_t k = 0; k < test_levels (p); k++)
        {
          size_t wk = p->w * ipow (p->alpha, k), rk = p->r * ipow (p->alpha, k);
          size_t ok = p->head % rk;
          if ((i % wk) % rk != ok)
            continue;
          if (ngroups != NULL)
            ngroups[i]++;
          for (size_t j = 0; j < n; j++)
            if (j / wk == i / wk && (j % wk) % rk == ok && (!p->causal || j <= i))
              C[i * n + j]++;
        }
    }
  return C;
}

/* sum_j c_ij e^{s_ij} v_j / sum_j c_ij e^{s_ij} in MPFR at prec bits, s = tau q k
   (no maximum subtracted: the exponent range is widened instead), rounded
   to nearest; lse_i = log sum_j c_ij e^{s_ij}.  */
static void
masked_ref (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V,
            double tau, const int *C, mpfr_prec_t prec)
{
  size_t n = Q->rows, d = Q->cols, dv = V->cols;
  mpfr_exp_t emin = mpfr_get_emin (), emax = mpfr_get_emax ();
  mpfr_set_emin (mpfr_get_emin_min ());
  mpfr_set_emax (mpfr_get_emax_max ());
  mpfr_t s, t, l, *y = malloc (dv * sizeof (mpfr_t));
  mpfr_inits2 (prec, s, t, l, (mpfr_ptr) 0);
  for (size_t c = 0; c < dv; c++)
    mpfr_init2 (y[c], prec);
  for (size_t i = 0; i < n; i++)
    {
      mpfr_set_zero (l, 1);
      for (size_t c = 0; c < dv; c++)
        mpfr_set_zero (y[c], 1);
      for (size_t j = 0; j < K->rows; j++)
        {
          if (C[i * n + j] == 0)
            continue;
          mpfr_set_zero (s, 1);
          for (size_t x = 0; x < d; x++)
            {
              mpfr_set_d (t, FGA_MAT (Q, i, x), MPFR_RNDN);
              mpfr_mul_d (t, t, FGA_MAT (K, j, x), MPFR_RNDN);
              mpfr_add (s, s, t, MPFR_RNDN);
            }
          mpfr_mul_d (s, s, tau, MPFR_RNDN);
          mpfr_exp (s, s, MPFR_RNDN);
          mpfr_mul_si (s, s, C[i * n + j], MPFR_RNDN);
          mpfr_add (l, l, s, MPFR_RNDN);
          for (size_t c = 0; c < dv; c++)
            {
              mpfr_mul_d (t, s, FGA_MAT (V, j, c), MPFR_RNDN);
              mpfr_add (y[c], y[c], t, MPFR_RNDN);
            }
        }
      for (size_t c = 0; c < dv; c++)
        {
          mpfr_div (t, y[c], l, MPFR_RNDN);
          FGA_MAT (T, i, c) = mpfr_get_d (t, MPFR_RNDN);
        }
      if (lse != NULL)
        {
          mpfr_log (t, l, MPFR_RNDN);
          lse[i] = mpfr_get_d (t, MPFR_RNDN);
        }
    }
  for (size_t c = 0; c < dv; c++)
    mpfr_clear (y[c]);
  free (y);
  mpfr_clears (s, t, l, (mpfr_ptr) 0);
  mpfr_set_emin (emin);
  mpfr_set_emax (emax);
}

/* tau max_ij sum_t |q_it k_jt|, slightly rounded up.  */
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

/* The largest group and the most groups of one query, from the mask: a
   group of window or strided is the whole support; for dilated the largest
   segment's kept keys are bounded by the row's multiplicity sum.  */
static void
mask_sizes (size_t *cmax, size_t *kmax, const int *C, const size_t *ngroups, size_t n)
{
  *cmax = 0;
  *kmax = 0;
  for (size_t i = 0; i < n; i++)
    {
      size_t row = 0;
      for (size_t j = 0; j < n; j++)
        row += (size_t) C[i * n + j];
      *cmax = row > *cmax ? row : *cmax;
      *kmax = ngroups[i] > *kmax ? ngroups[i] : *kmax;
    }
}

/* Runs the method of spec on (Q, K, V) with tau; must succeed.  */
static void
run_spec (const char *spec, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
          fga_mat_srcptr V, double tau, fga_stats *st)
{
  fga_error err;
  fga_error_init (&err);
  fga_method m = fga_method_create (spec, &err);
  ck_assert_msg (m != NULL, "%s: %s", spec, err.msg);
  fga_problem prob = { Q->rows, K->rows, Q->cols, V->cols, { FGA_TAU_VALUE, tau }, INFINITY,
                         1, 1 };
  int rc = fga_method_prepare (m, &prob, &err);
  ck_assert_msg (rc == FGA_OK, "%s: prepare: %s", spec, err.msg);
  rc = fga_method_run (m, T, lse, Q, K, V, st, &err);
  ck_assert_msg (rc == FGA_OK, "%s: run: %s; FGATTN_TEST_SEED=%lu", spec, err.msg,
                 fga_test_seed ());
  fga_method_destroy (m);
}

/* A random instance of n positions.  */
static void
instance (fga_mat_ptr Q, fga_mat_ptr K, fga_mat_ptr V, size_t n, size_t d, size_t dv, double B,
          unsigned long *seed)
{
  mat (Q, n, d);
  mat (K, n, d);
  mat (V, n, dv);
  fga_test_fill_uniform (Q, B, seed);
  fga_test_fill_uniform (K, B, seed);
  fga_test_fill_uniform (V, 1, seed);
}

static void
clear4 (fga_mat_ptr Q, fga_mat_ptr K, fga_mat_ptr V, fga_mat_ptr T)
{
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}

/* Checks T and lse against the masked reference within the bound above. */
static void
check_against_mask (const char *spec, fga_mat_srcptr T, const double *lse, fga_mat_srcptr Q,
                    fga_mat_srcptr K, fga_mat_srcptr V, double tau, const int *C,
                    const size_t *ngroups)
{
  size_t n = Q->rows, d = Q->cols, cmax, kmax;
  mask_sizes (&cmax, &kmax, C, ngroups, n);
  fga_mat_t R;
  mat (R, n, V->cols);
  double *rl = malloc (n * sizeof *rl);
  masked_ref (R, rl, Q, K, V, tau, C, PREC);
  double Rs = score_bound (Q, K, tau), vmax = fga_mat_max_abs (V);
  double kk = (double) kmax, tol = U * vmax * (2 * (d + 3 + 2 * kk) * Rs + 2 * cmax + 8 + 8 * kk);
  for (size_t i = 0; i < n; i++)
    {
      for (size_t c = 0; c < V->cols; c++)
        {
          double got = FGA_MAT (T, i, c), want = FGA_MAT (R, i, c);
          ck_assert_msg (isfinite (got) && fabs (got - want) <= tol,
                         "%s: T[%zu][%zu] = %.17g, masked softmax %.17g (diff %.3g > tol %.3g); "
                         "FGATTN_TEST_SEED=%lu", spec, i, c, got, want, fabs (got - want), tol,
                         fga_test_seed ());
        }
      if (lse != NULL)
        {
          double ltol = U * ((d + 5 + 2 * kk) * Rs + 4 * cmax + 8 + 8 * kk) + 2 * U * fabs (rl[i]);
          ck_assert_msg (fabs (lse[i] - rl[i]) <= ltol,
                         "%s: lse[%zu] = %.17g, expected %.17g (tol %.3g); FGATTN_TEST_SEED=%lu",
                         spec, i, lse[i], rl[i], ltol, fga_test_seed ());
        }
    }
  fga_mat_clear (R);
  free (rl);
}

/* ------------------------------------------------------------------ */
/* Exact attention at the top of each range.  */

typedef struct
{
  pat_t p;
  size_t d, dv;
  double B, tau;
} top_t;

static const top_t top_cases[] = {
  { { WIN, 37, 0, 36, 0, 0, 0, 0, 0, 0 }, 8, 5, 1, 0.125 },
  { { WIN, 64, 0, 1000, 0, 0, 0, 0, 0, 0 }, 16, 16, 2, 0.0625 },
  { { WIN, 1, 0, 0, 0, 0, 0, 0, 0, 0 }, 3, 2, 1, 0.5 },
  { { STR, 50, 0, 0, 1, 0, 0, 0, 0, 0 }, 8, 4, 1.5, 0.35355339059327373 },
  { { STR, 40, 0, 0, 40, 0, 0, 0, 0, 0 }, 4, 7, 2, 0.25 },
  { { STR, 23, 0, 0, 1000, 0, 0, 0, 0, 0 }, 5, 3, 1, 0.2 },
  { { DIL, 48, 0, 48, 0, 1, 2, 1, 0, 0 }, 8, 6, 1.5, 0.125 },
  { { DIL, 33, 0, 66, 0, 1, 3, 1, 0, 0 }, 6, 2, 2, 0.5 },
  { { DIL, 20, 0, 20, 0, 1, 2, 0, 0, 0 }, 4, 4, 1, 1 },
  { { DIL, 29, 0, 1000, 0, 1, 2, 0, 7, 0 }, 4, 4, 1, 1 },
};

START_TEST (test_top)
{
  const top_t *tc = &top_cases[_i];
  unsigned long seed = fga_test_seed () + 100 + (unsigned long) _i;
  size_t n = tc->p.n;
  char spec[256];
  spec_of (spec, sizeof spec, &tc->p);
  fga_mat_t Q, K, V, T, Ref, Nv;
  instance (Q, K, V, n, tc->d, tc->dv, tc->B, &seed);
  mat (T, n, tc->dv);
  mat (Ref, n, tc->dv);
  mat (Nv, n, tc->dv);
  double *lse = malloc (n * sizeof *lse), *rl = malloc (n * sizeof *rl);
  fga_stats st, nst;
  fga_error err;

  run_spec (spec, T, lse, Q, K, V, tc->tau, &st);
  fga_test_ref_attention (Ref, rl, Q, K, V, tc->tau, PREC);
  fga_stats_init (&nst);
  ck_assert_int_eq (fga_attention_naive (Nv, NULL, Q, K, V, tc->tau, &nst, &err), FGA_OK);

  double Rs = score_bound (Q, K, tc->tau), vmax = fga_mat_max_abs (V);
  double tol = U * vmax * (2 * (tc->d + 3) * Rs + 2 * n + 8);
  double e_sp = max_abs_diff (T, Ref), e_nv = max_abs_diff (Nv, Ref);
  ck_assert_msg (e_sp <= tol, "%s: error %.3g against the 200-bit reference exceeds %.3g; "
                 "FGATTN_TEST_SEED=%lu", spec, e_sp, tol, fga_test_seed ());
  /* no worse than the naive kernel, as FlashAttention is tested */
  double slack = 4 * ldexp (1.0, ilogb (vmax) - 52);
  ck_assert_msg (e_sp <= 2 * e_nv + slack, "%s: error %.3g, naive kernel's %.3g; "
                 "FGATTN_TEST_SEED=%lu", spec, e_sp, e_nv, fga_test_seed ());
  ck_assert_msg (max_abs_diff (T, Nv) <= tol, "%s: differs from the naive kernel by %.3g", spec,
                 max_abs_diff (T, Nv));
  for (size_t i = 0; i < n; i++)
    ck_assert_close (lse[i], rl[i], 8 + 2 * n, U * ((tc->d + 5) * Rs + 4 * n + 8));

  /* every key once: the naive kernel's work, operation for operation */
  ck_assert_double_eq (fga_stats_get (&st, "pairs"), (double) (n * n));
  ck_assert_uint_eq (st.n_mul, nst.n_mul);
  ck_assert_uint_eq (st.n_add, nst.n_add + n);     /* + L n: lse was asked of the method */
  ck_assert_uint_eq (st.n_exp, nst.n_exp + n);
  ck_assert_uint_eq (st.n_div, nst.n_div);
  ck_assert_uint_eq (st.n_cmp, nst.n_cmp);
  free (lse);
  free (rl);
  clear4 (Q, K, V, T);
  fga_mat_clear (Ref);
  fga_mat_clear (Nv);
}
END_TEST

/* Causal attention, computed in the test as an MPFR loop over j <= i. */
static const top_t causal_cases[] = {
  { { WIN, 41, 1, 40, 0, 0, 0, 0, 0, 0 }, 8, 5, 1.5, 0.125 },
  { { WIN, 30, 1, 99, 0, 0, 0, 0, 0, 0 }, 4, 4, 2, 0.5 },
  { { STR, 35, 1, 0, 1, 0, 0, 0, 0, 0 }, 8, 3, 1, 0.35355339059327373 },
  { { DIL, 44, 1, 44, 0, 1, 2, 1, 0, 0 }, 6, 6, 1.5, 0.25 },
  { { DIL, 27, 1, 32, 0, 1, 2, 0, 0, 0 }, 6, 2, 1, 1 },
};

START_TEST (test_causal)
{
  const top_t *tc = &causal_cases[_i];
  unsigned long seed = fga_test_seed () + 200 + (unsigned long) _i;
  size_t n = tc->p.n;
  char spec[256];
  spec_of (spec, sizeof spec, &tc->p);
  fga_mat_t Q, K, V, T;
  instance (Q, K, V, n, tc->d, tc->dv, tc->B, &seed);
  mat (T, n, tc->dv);
  double *lse = malloc (n * sizeof *lse);
  int *C = calloc (n * n, sizeof *C);
  size_t *ones = malloc (n * sizeof *ones);
  for (size_t i = 0; i < n; i++)
    {
      ones[i] = 1;
      for (size_t j = 0; j <= i; j++)
        C[i * n + j] = 1;
    }
  run_spec (spec, T, lse, Q, K, V, tc->tau, NULL);
  check_against_mask (spec, T, lse, Q, K, V, tc->tau, C, ones);
  /* query 0 sees key 0 alone */
  for (size_t c = 0; c < tc->dv; c++)
    ck_assert_double_eq (FGA_MAT (T, 0, c), FGA_MAT (V, 0, c));
  free (lse);
  free (C);
  free (ones);
  clear4 (Q, K, V, T);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Each method is the softmax restricted to its support.  */

typedef struct
{
  pat_t p;
  size_t d, dv;
  double B, tau;
} pcase_t;

static const pcase_t pattern_cases[] = {
  { { WIN, 1, 0, 3, 0, 0, 0, 0, 0, 0 }, 4, 3, 1, 0.5 },
  { { WIN, 2, 0, 0, 0, 0, 0, 0, 0, 0 }, 4, 3, 1, 0.5 },
  { { WIN, 17, 0, 0, 0, 0, 0, 0, 0, 0 }, 4, 3, 1, 0.5 },
  { { WIN, 17, 0, 1, 0, 0, 0, 0, 0, 0 }, 8, 3, 1.5, 0.125 },
  { { WIN, 17, 1, 3, 0, 0, 0, 0, 0, 0 }, 8, 3, 1.5, 0.125 },
  { { WIN, 50, 0, 7, 0, 0, 0, 0, 0, 0 }, 6, 4, 2, 0.25 },
  { { WIN, 50, 1, 7, 0, 0, 0, 0, 0, 0 }, 6, 4, 2, 0.25 },
  { { WIN, 50, 0, 48, 0, 0, 0, 0, 0, 0 }, 6, 4, 2, 0.25 },
  { { WIN, 31, 1, 29, 0, 0, 0, 0, 0, 0 }, 5, 2, 1, 0.5 },
  { { STR, 17, 0, 0, 2, 0, 0, 0, 0, 0 }, 4, 3, 1.5, 0.5 },
  { { STR, 17, 1, 0, 3, 0, 0, 0, 0, 0 }, 4, 3, 1.5, 0.5 },
  { { STR, 50, 0, 0, 5, 0, 0, 0, 0, 0 }, 8, 4, 1.5, 0.125 },
  { { STR, 50, 1, 0, 5, 0, 0, 0, 0, 0 }, 8, 4, 1.5, 0.125 },
  { { STR, 50, 0, 0, 0, 0, 0, 0, 0, 0 }, 8, 4, 2, 0.25 },
  { { STR, 61, 1, 0, 0, 0, 0, 0, 0, 0 }, 8, 4, 2, 0.25 },
  { { STR, 64, 0, 0, 7, 0, 0, 0, 0, 0 }, 6, 3, 1, 0.5 },
  { { STR, 10, 0, 0, 9, 0, 0, 0, 0, 0 }, 6, 3, 1, 0.5 },
  { { STR, 10, 1, 0, 12, 0, 0, 0, 0, 0 }, 6, 3, 1, 0.5 },
  { { DIL, 32, 0, 4, 0, 1, 2, 0, 0, 0 }, 6, 4, 1.5, 0.25 },
  { { DIL, 32, 0, 4, 0, 1, 2, 0, 1, 0 }, 6, 4, 1.5, 0.25 },
  { { DIL, 37, 0, 4, 0, 1, 2, 3, 3, 0 }, 6, 4, 1.5, 0.25 },
  { { DIL, 37, 0, 3, 0, 1, 3, 0, 0, 0 }, 4, 3, 2, 0.25 },
  { { DIL, 50, 1, 8, 0, 1, 2, 0, 0, 0 }, 8, 3, 1.5, 0.125 },
  { { DIL, 50, 1, 5, 0, 1, 2, 4, 2, 0 }, 8, 3, 1.5, 0.125 },
  { { DIL, 64, 0, 16, 0, 1, 2, 2, 0, 0 }, 4, 5, 2, 0.5 },
  { { DIL, 45, 0, 6, 0, 1, 2, 0, 5, 0 }, 4, 5, 2, 0.5 },
  { { DIL, 13, 0, 1, 0, 1, 2, 0, 0, 0 }, 4, 2, 1, 1 },
  { { DIL, 60, 0, 4, 0, 1, 4, 5, 6, 0 }, 4, 2, 1, 1 },
};
#define NPATTERN (sizeof pattern_cases / sizeof pattern_cases[0])

START_TEST (test_pattern)
{
  const pcase_t *pc = &pattern_cases[_i];
  unsigned long seed = fga_test_seed () + 300 + (unsigned long) _i;
  size_t n = pc->p.n;
  char spec[256];
  spec_of (spec, sizeof spec, &pc->p);
  fga_mat_t Q, K, V, T;
  instance (Q, K, V, n, pc->d, pc->dv, pc->B, &seed);
  mat (T, n, pc->dv);
  double *lse = malloc (n * sizeof *lse);
  size_t *ng = malloc (n * sizeof *ng);
  int *C = build_mult (&pc->p, ng);
  run_spec (spec, T, lse, Q, K, V, pc->tau, NULL);
  check_against_mask (spec, T, lse, Q, K, V, pc->tau, C, ng);

  /* the library's runs list the same multiset, group by group */
  pat_t p = pc->p;
  fga_error err;
  ck_assert_int_eq (fga_sparse_pattern_check (&p, &err), FGA_OK);
  int *D = calloc (n * n, sizeof *D);
  fgap_sparse_run runs[FGA_SPARSE_MAX_RUNS];
  for (size_t i = 0; i < n; i++)
    {
      size_t nr = fgap_sparse_runs (runs, &p, i), groups = 0;
      for (size_t r = 0; r < nr; r++)
        {
          ck_assert_uint_gt (runs[r].count, 0);
          if (r == 0 || runs[r].group != runs[r - 1].group)
            {
              ck_assert_uint_eq (runs[r].group, groups);
              groups++;
            }
          for (size_t t = 0; t < runs[r].count; t++)
            {
              size_t j = runs[r].start + t * runs[r].step;
              ck_assert_uint_lt (j, n);
              D[i * n + j]++;
            }
        }
      ck_assert_msg (groups == ng[i], "%s: query %zu has %zu groups, expected %zu", spec, i,
                     groups, ng[i]);
    }
  ck_assert_msg (memcmp (C, D, n * n * sizeof *C) == 0, "%s: runs differ from the definition",
                 spec);
  free (D);
  free (C);
  free (ng);
  free (lse);
  clear4 (Q, K, V, T);
}
END_TEST

/* ------------------------------------------------------------------ */
/* LongNet's mixing: literally, as a multiset softmax, and not the set one. */

static const pcase_t mixing_cases[] = {
  { { DIL, 32, 0, 4, 0, 1, 2, 0, 0, 0 }, 4, 3, 2, 0.5 },
  { { DIL, 40, 1, 5, 0, 1, 2, 3, 1, 0 }, 4, 3, 2, 0.5 },
  { { DIL, 27, 0, 3, 0, 1, 3, 0, 2, 0 }, 4, 3, 2, 0.5 },
};

START_TEST (test_mixing)
{
  const pcase_t *pc = &mixing_cases[_i];
  const pat_t *p = &pc->p;
  unsigned long seed = fga_test_seed () + 400 + (unsigned long) _i;
  size_t n = p->n, dv = pc->dv, K_ = test_levels (p);
  char spec[256];
  spec_of (spec, sizeof spec, p);
  fga_mat_t Q, K, V, T, Lit, Set;
  instance (Q, K, V, n, pc->d, dv, pc->B, &seed);
  mat (T, n, dv);
  mat (Lit, n, dv);
  mat (Set, n, dv);
  run_spec (spec, T, NULL, Q, K, V, pc->tau, NULL);

  /* sum_k s_k O_k / sum_k s_k, each level's O_k and s_k in MPFR */
  mpfr_exp_t emin = mpfr_get_emin (), emax = mpfr_get_emax ();
  mpfr_set_emin (mpfr_get_emin_min ());
  mpfr_set_emax (mpfr_get_emax_max ());
  mpfr_t x, y, sk, num[8], den, ok[8];
  mpfr_inits2 (PREC, x, y, sk, den, (mpfr_ptr) 0);
  for (size_t c = 0; c < dv; c++)
    mpfr_inits2 (PREC, num[c], ok[c], (mpfr_ptr) 0);
  for (size_t i = 0; i < n; i++)
    {
      mpfr_set_zero (den, 1);
      for (size_t c = 0; c < dv; c++)
        mpfr_set_zero (num[c], 1);
      for (size_t k = 0; k < K_; k++)
        {
          size_t wk = p->w * ipow (p->alpha, k), rk = p->r * ipow (p->alpha, k);
          size_t o = p->head % rk;
          if ((i % wk) % rk != o)
            continue;
          mpfr_set_zero (sk, 1);
          for (size_t c = 0; c < dv; c++)
            mpfr_set_zero (ok[c], 1);
          for (size_t j = 0; j < n; j++)
            {
              if (j / wk != i / wk || (j % wk) % rk != o || (p->causal && j > i))
                continue;
              mpfr_set_zero (x, 1);
              for (size_t t = 0; t < pc->d; t++)
                {
                  mpfr_set_d (y, FGA_MAT (Q, i, t), MPFR_RNDN);
                  mpfr_mul_d (y, y, FGA_MAT (K, j, t), MPFR_RNDN);
                  mpfr_add (x, x, y, MPFR_RNDN);
                }
              mpfr_mul_d (x, x, pc->tau, MPFR_RNDN);
              mpfr_exp (x, x, MPFR_RNDN);
              mpfr_add (sk, sk, x, MPFR_RNDN);
              for (size_t c = 0; c < dv; c++)
                {
                  mpfr_mul_d (y, x, FGA_MAT (V, j, c), MPFR_RNDN);
                  mpfr_add (ok[c], ok[c], y, MPFR_RNDN);
                }
            }
          /* O_k = ok / s_k, then s_k O_k is added: the division is kept
             on purpose, to follow LongNet's formula step by step */
          for (size_t c = 0; c < dv; c++)
            {
              mpfr_div (y, ok[c], sk, MPFR_RNDN);
              mpfr_mul (y, y, sk, MPFR_RNDN);
              mpfr_add (num[c], num[c], y, MPFR_RNDN);
            }
          mpfr_add (den, den, sk, MPFR_RNDN);
        }
      for (size_t c = 0; c < dv; c++)
        {
          mpfr_div (x, num[c], den, MPFR_RNDN);
          FGA_MAT (Lit, i, c) = mpfr_get_d (x, MPFR_RNDN);
        }
    }
  for (size_t c = 0; c < dv; c++)
    mpfr_clears (num[c], ok[c], (mpfr_ptr) 0);
  mpfr_clears (x, y, sk, den, (mpfr_ptr) 0);
  mpfr_set_emin (emin);
  mpfr_set_emax (emax);

  size_t *ng = malloc (n * sizeof *ng);
  int *C = build_mult (p, ng);
  size_t cmax, kmax, shared = 0;
  mask_sizes (&cmax, &kmax, C, ng, n);
  double Rs = score_bound (Q, K, pc->tau), vmax = fga_mat_max_abs (V);
  double tol = U * vmax * (2 * (pc->d + 3 + 2.0 * kmax) * Rs + 2 * cmax + 8 + 8.0 * kmax);
  double e_lit = max_abs_diff (T, Lit);
  ck_assert_msg (e_lit <= tol, "%s: differs from LongNet's mixing by %.3g > %.3g", spec, e_lit,
                 tol);

  /* the plain union differs: some key is shared by two levels ... */
  for (size_t k = 0; k < n * n; k++)
    {
      shared += C[k] > 1;
      C[k] = C[k] > 0;
    }
  ck_assert_uint_gt (shared, 0);
  /* ... and it shows in the outputs, far beyond rounding */
  masked_ref (Set, NULL, Q, K, V, pc->tau, C, PREC);
  double e_set = max_abs_diff (T, Set);
  ck_assert_msg (e_set > 1000 * tol, "%s: the set-union softmax is within %.3g of the output",
                 spec, e_set);
  /* queries kept at one level only have disjoint groups: there the two agree */
  for (size_t i = 0; i < n; i++)
    if (ng[i] == 1)
      for (size_t c = 0; c < dv; c++)
        ck_assert_msg (fabs (FGA_MAT (T, i, c) - FGA_MAT (Set, i, c)) <= tol,
                       "%s: query %zu (one level) differs from its set softmax", spec, i);
  free (C);
  free (ng);
  clear4 (Q, K, V, T);
  fga_mat_clear (Lit);
  fga_mat_clear (Set);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Counts: pairs, groups and operations, against the masks and closed forms. */

/* The count formulas of src/kernels/sparse.c, written out again from P, G, n.  */
static void
formula_counts (uint64_t f[5], uint64_t P, uint64_t G, uint64_t n, uint64_t d, uint64_t dv,
                int L)
{
  uint64_t M = G - n;
  f[0] = P * (d + 1 + dv) + M * (1 + dv);
  f[1] = P * (d + 1 + dv) - G * (1 + dv) + M * (2 + dv) + (uint64_t) L * n;
  f[2] = P + M + (uint64_t) L * n;
  f[3] = n * dv;
  f[4] = P - n;
}

START_TEST (test_counts)
{
  const pcase_t *pc = &pattern_cases[_i];
  unsigned long seed = fga_test_seed () + 500 + (unsigned long) _i;
  size_t n = pc->p.n;
  char spec[256];
  spec_of (spec, sizeof spec, &pc->p);
  size_t *ng = malloc (n * sizeof *ng);
  int *C = build_mult (&pc->p, ng);
  uint64_t P = 0, G = 0;
  for (size_t k = 0; k < n * n; k++)
    P += (uint64_t) C[k];
  for (size_t i = 0; i < n; i++)
    G += ng[i];

  fga_mat_t Q, K, V, T;
  instance (Q, K, V, n, pc->d, pc->dv, pc->B, &seed);
  mat (T, n, pc->dv);
  double *lse = malloc (n * sizeof *lse);
  pat_t p = pc->p;
  fga_error err;
  ck_assert_int_eq (fga_sparse_pattern_check (&p, &err), FGA_OK);
  mpz_t ops[5], zp, zg;
  for (int k = 0; k < 5; k++)
    mpz_init (ops[k]);
  mpz_inits (zp, zg, (mpz_ptr) 0);
  fga_sparse_pattern_count (zp, zg, &p);
  ck_assert_msg (mpz_cmp_ui (zp, P) == 0 && mpz_cmp_ui (zg, G) == 0,
                 "%s: closed form gives %lu pairs and %lu groups, the mask %lu and %lu", spec,
                 mpz_get_ui (zp), mpz_get_ui (zg), (unsigned long) P, (unsigned long) G);

  for (int L = 0; L < 2; L++)
    {
      fga_stats st;
      run_spec (spec, T, L ? lse : NULL, Q, K, V, pc->tau, &st);
      uint64_t f[5], got[5] = { st.n_mul, st.n_add, st.n_exp, st.n_div, st.n_cmp };
      formula_counts (f, P, G, n, pc->d, pc->dv, L);
      fga_sparse_count (ops, &p, pc->d, pc->dv, L);
      for (int k = 0; k < 5; k++)
        {
          ck_assert_msg (got[k] == f[k], "%s lse=%d: count %d is %lu, formula %lu", spec, L, k,
                         (unsigned long) got[k], (unsigned long) f[k]);
          ck_assert_msg (mpz_cmp_ui (ops[k], f[k]) == 0, "%s: fga_sparse_count[%d] = %lu, "
                         "formula %lu", spec, k, mpz_get_ui (ops[k]), (unsigned long) f[k]);
        }
      ck_assert_double_eq (fga_stats_get (&st, "pairs"), (double) P);
      ck_assert_double_eq (fga_stats_get (&st, "groups"), (double) G);
      /* one group of scores and two output rows per thread */
      size_t cmax = (size_t) fga_stats_get (&st, "max_keys");
      ck_assert_uint_eq (st.peak_bytes, (size_t) st.threads * (cmax + 2 * pc->dv) * 8);
    }
  for (int k = 0; k < 5; k++)
    mpz_clear (ops[k]);
  mpz_clears (zp, zg, (mpz_ptr) 0);
  free (lse);
  free (C);
  free (ng);
  clear4 (Q, K, V, T);
}
END_TEST

/* The closed forms of fga_sparse_pattern_count over many sizes, against
   per-query counts summed in the test: window
   sum_i (min (i + w, n - 1) - max (i - w, 0) + 1), strided the local band
   plus floor (i / l) + floor ((n - 1 - i) / l), dilated the kept keys of
   each kept query's segment.  */
static const size_t cf_n[] = { 1, 2, 3, 7, 64, 100, 1000, 4097, 10000 };

static uint64_t
loop_pairs (const pat_t *p, uint64_t *groups)
{
  size_t n = p->n;
  uint64_t P = 0;
  *groups = n;
  for (size_t i = 0; i < n; i++)
    {
      size_t hi, lo, rad;
      if (p->kind == WIN || p->kind == STR)
        {
          rad = p->kind == WIN ? p->w : p->l - 1;
          hi = p->causal ? i : (i + rad < n - 1 ? i + rad : n - 1);
          lo = i > rad ? i - rad : 0;
          P += hi - lo + 1;
          if (p->kind == STR)
            P += i / p->l + (p->causal ? 0 : (n - 1 - i) / p->l);
          continue;
        }
      if (i == 0)
        *groups = 0;
      for (size_t k = 0; k < test_levels (p); k++)
        {
          size_t wk = p->w * ipow (p->alpha, k), rk = p->r * ipow (p->alpha, k);
          size_t o = p->head % rk, s0 = i / wk * wk, pos = i - s0;
          size_t len = s0 + wk < n ? wk : n - s0;
          if (pos % rk != o)
            continue;
          ++*groups;
          P += p->causal ? (pos - o) / rk + 1 : (len - 1 - o) / rk + 1;
        }
    }
  return P;
}

START_TEST (test_closed_forms)
{
  size_t n = cf_n[_i];
  static const size_t radii[] = { 0, 1, 2, 5, 31, 99, 5000, 20000 };
  mpz_t zp, zg;
  mpz_inits (zp, zg, (mpz_ptr) 0);
  for (int causal = 0; causal < 2; causal++)
    for (size_t a = 0; a < sizeof radii / sizeof radii[0]; a++)
      for (int kind = 0; kind < 3; kind++)
        {
          size_t x = radii[a];
          pat_t p = { (fga_sparse_kind) kind, n, causal, x, x, 1, 2 + a % 3, a % 4, a, 0 };
          if (kind == STR && x == 0)
            p.l = test_ceil_sqrt (n);
          if (kind == DIL && (x == 0 || x > 1000))
            continue;
          fga_error err;
          pat_t q = p;
          ck_assert_int_eq (fga_sparse_pattern_check (&q, &err), FGA_OK);
          uint64_t G, P = loop_pairs (&p, &G);
          fga_sparse_pattern_count (zp, zg, &q);
          ck_assert_msg (mpz_cmp_ui (zp, P) == 0 && mpz_cmp_ui (zg, G) == 0,
                         "kind %d n=%zu x=%zu causal=%d: closed form %lu/%lu, loop %lu/%lu", kind,
                         n, x, causal, mpz_get_ui (zp), mpz_get_ui (zg), (unsigned long) P,
                         (unsigned long) G);
        }
  mpz_clears (zp, zg, (mpz_ptr) 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Scaling when n doubles, for the complexity analyzer.  */

static double
pairs_closed (const pat_t *p0, size_t n)
{
  pat_t p = *p0;
  p.n = n;
  fga_error err;
  ck_assert_int_eq (fga_sparse_pattern_check (&p, &err), FGA_OK);
  mpz_t zp, zg;
  mpz_inits (zp, zg, (mpz_ptr) 0);
  fga_sparse_pattern_count (zp, zg, &p);
  double r = mpz_get_d (zp);
  mpz_clears (zp, zg, (mpz_ptr) 0);
  return r;
}

/* The counts of a run at n positions.  */
static void
run_counts (const char *spec, size_t n, fga_stats *st)
{
  unsigned long seed = fga_test_seed () + 600 + n;
  fga_mat_t Q, K, V, T;
  instance (Q, K, V, n, 4, 2, 1, &seed);
  mat (T, n, 2);
  run_spec (spec, T, NULL, Q, K, V, 0.25, st);
  clear4 (Q, K, V, T);
}

START_TEST (test_scaling)
{
  fga_stats a, b;

  /* window w = 16: P = n (2w + 1) - w (w + 1) doubles up to the edge term */
  run_counts ("window:w=16", 1024, &a);
  run_counts ("window:w=16", 2048, &b);
  double ratio = fga_stats_get (&b, "pairs") / fga_stats_get (&a, "pairs");
  ck_assert_msg (fabs (ratio - 2) < 0.01, "window pairs ratio %.6f", ratio);
  ck_assert_msg (fabs ((double) b.n_mul / (double) a.n_mul - 2) < 0.01, "window mul ratio");
  pat_t win = { WIN, 0, 0, 16, 0, 0, 0, 0, 0, 0 };
  ratio = pairs_closed (&win, 1 << 21) / pairs_closed (&win, 1 << 20);
  ck_assert_msg (fabs (ratio - 2) < 1e-5, "window closed-form ratio %.9f", ratio);

  /* dilated with a fixed top level (levels = 3, w_2 | n): every count doubles exactly */
  run_counts ("dilated:w=16,alpha=2,levels=3", 1024, &a);
  run_counts ("dilated:w=16,alpha=2,levels=3", 2048, &b);
  uint64_t ca[5] = { a.n_mul, a.n_add, a.n_exp, a.n_div, a.n_cmp };
  uint64_t cb[5] = { b.n_mul, b.n_add, b.n_exp, b.n_div, b.n_cmp };
  for (int k = 0; k < 5; k++)
    ck_assert_msg (cb[k] == 2 * ca[k], "dilated count %d: %lu then %lu", k, (unsigned long) ca[k],
                   (unsigned long) cb[k]);
  ck_assert_double_eq (fga_stats_get (&b, "pairs"), 2 * fga_stats_get (&a, "pairs"));
  /* P = n w sum_{k<3} 2^-k, within LongNet's bound n w alpha / (alpha - 1) */
  ck_assert_double_eq (fga_stats_get (&a, "pairs"), 1024.0 * 16 * 1.75);
  /* levels = 0 adds one level per doubling, whose share shrinks geometrically */
  pat_t dil = { DIL, 0, 0, 64, 0, 1, 2, 0, 0, 0 };
  for (size_t n = 1 << 10; n <= (1 << 20); n <<= 1)
    {
      double r = pairs_closed (&dil, 2 * n) / pairs_closed (&dil, n);
      ck_assert_msg (r >= 2 && r < 2.05, "dilated levels=0: ratio %.6f at n=%zu", r, n);
      ck_assert_msg (pairs_closed (&dil, n) <= 2.0 * 64 * (double) n, "LongNet's bound at n=%zu",
                     n);
    }

  /* strided with l = ceil (sqrt (n)): P ~ 3 n^1.5, so about 2^1.5 per doubling */
  run_counts ("strided", 1024, &a);
  run_counts ("strided", 2048, &b);
  ratio = fga_stats_get (&b, "pairs") / fga_stats_get (&a, "pairs");
  ck_assert_msg (fabs (ratio / pow (2, 1.5) - 1) < 0.05, "strided pairs ratio %.4f", ratio);
  pat_t str = { STR, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
  for (size_t n = 1 << 10; n <= (1 << 20); n <<= 1)
    {
      double r = pairs_closed (&str, 2 * n) / pairs_closed (&str, n);
      ck_assert_msg (fabs (r / pow (2, 1.5) - 1) < 0.05, "strided ratio %.4f at n=%zu", r, n);
    }
  double slope = log2 (pairs_closed (&str, 1 << 20) / pairs_closed (&str, 1 << 10)) / 10;
  ck_assert_msg (fabs (slope - 1.5) < 0.01, "strided exponent %.4f", slope);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Huge scores (B = 40, tau = 1: |s| up to 6400): exp would overflow without
   the maxima subtracted; outputs stay finite and right.  */

static const pcase_t huge_cases[] = {
  { { WIN, 24, 0, 5, 0, 0, 0, 0, 0, 0 }, 4, 3, 40, 1 },
  { { WIN, 24, 1, 30, 0, 0, 0, 0, 0, 0 }, 4, 3, 40, 1 },
  { { STR, 30, 0, 0, 4, 0, 0, 0, 0, 0 }, 4, 3, 40, 1 },
  { { STR, 30, 1, 0, 0, 0, 0, 0, 0, 0 }, 4, 3, 40, 1 },
  { { DIL, 32, 0, 4, 0, 1, 2, 0, 0, 0 }, 4, 3, 40, 1 },
  { { DIL, 37, 1, 3, 0, 1, 2, 0, 1, 0 }, 4, 3, 40, 1 },
};

START_TEST (test_huge)
{
  const pcase_t *pc = &huge_cases[_i];
  unsigned long seed = fga_test_seed () + 700 + (unsigned long) _i;
  size_t n = pc->p.n;
  char spec[256];
  spec_of (spec, sizeof spec, &pc->p);
  fga_mat_t Q, K, V, T;
  instance (Q, K, V, n, pc->d, pc->dv, pc->B, &seed);
  mat (T, n, pc->dv);
  double *lse = malloc (n * sizeof *lse);
  size_t *ng = malloc (n * sizeof *ng);
  int *C = build_mult (&pc->p, ng);
  run_spec (spec, T, lse, Q, K, V, pc->tau, NULL);
  for (size_t k = 0; k < n * pc->dv; k++)
    ck_assert_msg (isfinite (T->data[k]), "%s: entry %zu is not finite", spec, k);
  for (size_t i = 0; i < n; i++)
    ck_assert_msg (isfinite (lse[i]), "%s: lse[%zu] = %g", spec, i, lse[i]);
  check_against_mask (spec, T, lse, Q, K, V, pc->tau, C, ng);
  free (lse);
  free (C);
  free (ng);
  clear4 (Q, K, V, T);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Threads: rows are independent, so one or two threads give the same bits
   and the same counts.  */

static const char *const thread_specs[] = {
  "window:w=32", "strided:causal=1", "dilated:w=32,alpha=2", "dilated:w=16,levels=3,causal=1",
  "fixed:c=4", "fixed:l=48,c=5,causal=1",
};

START_TEST (test_threads)
{
#ifdef _OPENMP
  int saved = omp_get_max_threads ();
  unsigned long seed = fga_test_seed () + 800;
  size_t n = 1024, d = 16, dv = 16;
  fga_mat_t Q, K, V, T1, T2;
  instance (Q, K, V, n, d, dv, 1, &seed);
  mat (T1, n, dv);
  mat (T2, n, dv);
  fga_stats s1, s2;
  omp_set_num_threads (1);
  run_spec (thread_specs[_i], T1, NULL, Q, K, V, 1.0 / d, &s1);
  omp_set_num_threads (2);
  run_spec (thread_specs[_i], T2, NULL, Q, K, V, 1.0 / d, &s2);
  omp_set_num_threads (saved);
  ck_assert_int_eq (s1.threads, 1);
  ck_assert_int_eq (s2.threads, 2);
  ck_assert_msg (memcmp (T1->data, T2->data, n * dv * sizeof (double)) == 0,
                 "%s: two threads change the output", thread_specs[_i]);
  ck_assert_uint_eq (s1.n_mul, s2.n_mul);
  ck_assert_uint_eq (s1.n_add, s2.n_add);
  ck_assert_uint_eq (s1.n_exp, s2.n_exp);
  ck_assert_uint_eq (s1.n_cmp, s2.n_cmp);
  ck_assert_uint_eq (s2.peak_bytes, 2 * s1.peak_bytes);
  clear4 (Q, K, V, T1);
  fga_mat_clear (T2);
#endif
}
END_TEST

/* ------------------------------------------------------------------ */
/* Bad parameters, refused with a message that names them.  */

typedef struct
{
  const char *spec;
  size_t nq, nk;                /* 0: refused at create */
  const char *word;             /* the message must say this */
} bad_t;

static const bad_t bad_cases[] = {
  { "window:w=-1", 0, 0, "w=-1" },
  { "window:causal=2", 0, 0, "causal" },
  { "window:radius=3", 0, 0, "radius" },
  { "window:w=3.5", 0, 0, "w=3.5" },
  { "strided:l=-3", 0, 0, "l=-3" },
  { "strided:causal=-1", 0, 0, "causal" },
  { "dilated:w=0", 0, 0, "w=0" },
  { "dilated:r=0", 0, 0, "r=0" },
  { "dilated:alpha=1", 0, 0, "alpha=1" },
  { "dilated:levels=65", 0, 0, "levels=65" },
  { "dilated:w=4,r=5", 0, 0, "r=5" },
  { "dilated:head=-1", 0, 0, "head" },
  { "dilated:offset=1", 0, 0, "offset" },
  { "window:w=3", 10, 12, "nq = nk" },
  { "strided:l=3", 12, 10, "nq = nk" },
  { "dilated:w=8", 16, 8, "nq = nk" },
  { "dilated:w=8,r=2", 16, 16, "query 1" },
  { "dilated:w=8,r=2,head=1", 16, 16, "query 0" },
  { "dilated:w=6,r=4,alpha=2,levels=4", 48, 48, "query" },
};

START_TEST (test_bad)
{
  const bad_t *b = &bad_cases[_i];
  fga_error err;
  fga_error_init (&err);
  fga_method m = fga_method_create (b->spec, &err);
  if (b->nq == 0)
    {
      ck_assert_msg (m == NULL, "%s was accepted", b->spec);
      ck_assert_int_eq (err.code, FGA_ERR_INPUT);
    }
  else
    {
      ck_assert_msg (m != NULL, "%s: %s", b->spec, err.msg);
      fga_problem prob = { b->nq, b->nk, 4, 2, { FGA_TAU_INV_D, 0 }, INFINITY, 1, 1 };
      int rc = fga_method_prepare (m, &prob, &err);
      ck_assert_msg (rc == FGA_ERR_INPUT, "%s with nq=%zu, nk=%zu: prepare returned %d", b->spec,
                     b->nq, b->nk, rc);
      fga_method_destroy (m);
    }
  ck_assert_msg (strstr (err.msg, b->word) != NULL, "%s: message \"%s\" does not say \"%s\"",
                 b->spec, err.msg, b->word);
}
END_TEST

/* The pattern and kernel API refuse what the methods would.  */
START_TEST (test_bad_api)
{
  fga_error err;
  pat_t p = { DIL, 100, 0, (size_t) 1 << 60, 0, 1, 4, 3, 0, 0 };
  ck_assert_int_eq (fga_sparse_pattern_check (&p, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "2^62"));
  pat_t z = { WIN, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
  ck_assert_int_eq (fga_sparse_pattern_check (&z, &err), FGA_ERR_INPUT);
  pat_t c = { STR, 10, 3, 0, 2, 0, 0, 0, 0, 0 };
  ck_assert_int_eq (fga_sparse_pattern_check (&c, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "causal"));
  pat_t k = { (fga_sparse_kind) 7, 10, 0, 0, 2, 0, 0, 0, 0, 0 };
  ck_assert_int_eq (fga_sparse_pattern_check (&k, &err), FGA_ERR_INPUT);

  /* a pattern over another n, and scores that overflow for real: all
     equal (3e400), so every weight is 1 and T_i is the mean of V over the
     window |i - j| <= 2; their lse is beyond the double range, refused */
  unsigned long seed = fga_test_seed () + 900;
  fga_mat_t Q, K, V, T;
  instance (Q, K, V, 12, 3, 2, 1, &seed);
  mat (T, 12, 2);
  pat_t w = { WIN, 13, 0, 2, 0, 0, 0, 0, 0, 0 };
  ck_assert_int_eq (fga_sparse_attention (T, NULL, Q, K, V, 1, &w, NULL, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "nq = nk = 13"));
  w.n = 12;
  ck_assert_int_eq (fga_sparse_attention (T, NULL, Q, K, V, 1, &w, NULL, &err), FGA_OK);
  for (size_t x = 0; x < 36; x++)
    Q->data[x] = K->data[x] = 1e200;
  ck_assert_int_eq (fga_sparse_attention (T, NULL, Q, K, V, 1, &w, NULL, &err), FGA_OK);
  for (size_t i = 0; i < 12; i++)
    for (size_t c = 0; c < 2; c++)
      {
        size_t lo = i >= 2 ? i - 2 : 0, hi = i + 2 < 12 ? i + 2 : 11;
        double mean = 0;
        for (size_t j = lo; j <= hi; j++)
          mean += FGA_MAT (V, j, c);
        mean /= (double) (hi - lo + 1);
        ck_assert_close (FGA_MAT (T, i, c), mean, 0, 32 * U);
      }
  double lse12[12];
  ck_assert_int_eq (fga_sparse_attention (T, lse12, Q, K, V, 1, &w, NULL, &err),
                    FGA_ERR_COMPUTE);
  ck_assert_ptr_nonnull (strstr (err.msg, "row 0"));
  ck_assert_ptr_nonnull (strstr (err.msg, "log-sum-exp"));
  Q->data[4] = NAN;
  ck_assert_int_eq (fga_sparse_attention (T, NULL, Q, K, V, 1, &w, NULL, &err), FGA_ERR_INPUT);
  clear4 (Q, K, V, T);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The fixed pattern (Child et al. 2019, section 4.3): query i attends key
   j when floor (j / l) = floor (i / l) or j mod l >= l - c, and j <= i
   when causal.  Every expectation below comes from that sentence, applied
   pair by pair.  */

/* The block length the pattern uses: l, or ceil (sqrt (n)) for l = 0.  */
static size_t
fixed_l (size_t n, size_t l)
{
  return l != 0 ? l : test_ceil_sqrt (n);
}

/* Whether query i attends key j, from the definition.  */
static int
fixed_attends (size_t i, size_t j, size_t l, size_t c, int causal)
{
  if (causal && j > i)
    return 0;
  return j / l == i / l || j % l >= l - c;
}

static int *
fixed_mask (size_t n, size_t l, size_t c, int causal)
{
  int *C = calloc (n * n, sizeof *C);
  ck_assert_ptr_nonnull (C);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++)
      C[i * n + j] = fixed_attends (i, j, l, c, causal);
  return C;
}

static pat_t
fixed_pat (size_t n, size_t l, size_t c, int causal)
{
  pat_t p = { FIX, n, causal, 0, l, 0, 0, 0, 0, c };
  return p;
}

/* The runs of every query list exactly the keys of the mask, each once,
   in increasing order, in at most 4 runs of one group; the closed-form
   count equals the mask's.  Sizes with l not dividing n, l = 1, c = l,
   l = n - 1, n, n + 1 and far beyond.  */
static const size_t fr_n[] = { 1, 2, 3, 4, 5, 7, 8, 9, 10, 16, 17, 31, 33, 64, 100 };

START_TEST (test_fixed_runs)
{
  const size_t n = fr_n[_i];
  const size_t ls[] = { 0, 1, 2, 3, 4, 5, 7, 8, 16, n > 1 ? n - 1 : 1, n, n + 1, 1000 };
  mpz_t zp, zg;
  mpz_inits (zp, zg, (mpz_ptr) 0);
  int *D = malloc (n * n * sizeof *D);
  size_t checked = 0;
  for (size_t a = 0; a < sizeof ls / sizeof ls[0]; a++)
    for (size_t b = 0; b < 6; b++)
      for (int causal = 0; causal < 2; causal++)
        {
          const size_t l = fixed_l (n, ls[a]);
          const size_t cs[] = { 1, 2, 3, l / 2, l - 1, l };
          const size_t c = cs[b];
          if (c < 1 || c > l)
            continue;
          pat_t p = fixed_pat (n, ls[a], c, causal);
          fga_error err;
          ck_assert_msg (fga_sparse_pattern_check (&p, &err) == FGA_OK, "n=%zu l=%zu c=%zu: %s",
                         n, ls[a], c, err.msg);
          ck_assert_uint_eq (p.l, l);
          int *C = fixed_mask (n, l, c, causal);
          memset (D, 0, n * n * sizeof *D);
          fgap_sparse_run runs[FGA_SPARSE_MAX_RUNS];
          uint64_t P = 0;
          for (size_t i = 0; i < n; i++)
            {
              size_t nr = fgap_sparse_runs (runs, &p, i), have = 0, last = 0;
              ck_assert_msg (nr >= 1 && nr <= 4, "n=%zu l=%zu c=%zu causal=%d query %zu: %zu runs",
                             n, l, c, causal, i, nr);
              for (size_t r = 0; r < nr; r++)
                {
                  const fgap_sparse_run *u = &runs[r];
                  ck_assert_uint_eq (u->group, 0);
                  ck_assert_uint_gt (u->count, 0);
                  ck_assert_uint_gt (u->width, 0);
                  ck_assert (u->count == 1 || u->width <= u->step);
                  for (size_t k = 0; k < u->count; k++)
                    for (size_t t = 0; t < u->width; t++)
                      {
                        size_t j = u->start + k * u->step + t;
                        ck_assert_msg (j < n && (have == 0 || j > last),
                                       "n=%zu l=%zu c=%zu causal=%d query %zu: key %zu after %zu "
                                       "(keys must increase and stay below n)", n, l, c, causal,
                                       i, j, last);
                        D[i * n + j] = 1;
                        last = j;
                        have++;
                      }
                }
            }
          for (size_t k = 0; k < n * n; k++)
            P += (uint64_t) C[k];
          ck_assert_msg (memcmp (C, D, n * n * sizeof *C) == 0,
                         "n=%zu l=%zu c=%zu causal=%d: the runs differ from the definition", n, l,
                         c, causal);
          fga_sparse_pattern_count (zp, zg, &p);
          ck_assert_msg (mpz_cmp_ui (zp, P) == 0 && mpz_cmp_ui (zg, n) == 0,
                         "n=%zu l=%zu c=%zu causal=%d: closed form %lu pairs, %lu groups; mask "
                         "%lu and %zu", n, l, c, causal, mpz_get_ui (zp), mpz_get_ui (zg),
                         (unsigned long) P, n);
          /* every key visible: one block, or every position a summary */
          if (l >= n || c == l)
            ck_assert_uint_eq (P, causal ? n * (n + 1) / 2 : n * n);
          free (C);
          checked++;
        }
  ck_assert_uint_gt (checked, 50);
  free (D);
  mpz_clears (zp, zg, (mpz_ptr) 0);
}
END_TEST

/* Larger n, pair by pair without a mask.  */
START_TEST (test_fixed_counts_large)
{
  static const size_t ns[] = { 1000, 1021, 4097 };
  static const size_t lc[][2] = { { 0, 1 }, { 0, 3 }, { 31, 5 }, { 64, 64 }, { 64, 63 },
                                  { 100, 7 }, { 5000, 2 } };
  mpz_t zp, zg;
  mpz_inits (zp, zg, (mpz_ptr) 0);
  for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
    for (size_t b = 0; b < sizeof lc / sizeof lc[0]; b++)
      for (int causal = 0; causal < 2; causal++)
        {
          const size_t n = ns[a], l = fixed_l (n, lc[b][0]), c = lc[b][1];
          uint64_t P = 0;
          for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
              P += (uint64_t) fixed_attends (i, j, l, c, causal);
          pat_t p = fixed_pat (n, lc[b][0], c, causal);
          fga_error err;
          ck_assert_int_eq (fga_sparse_pattern_check (&p, &err), FGA_OK);
          fga_sparse_pattern_count (zp, zg, &p);
          ck_assert_msg (mpz_cmp_ui (zp, P) == 0, "n=%zu l=%zu c=%zu causal=%d: closed form %lu, "
                         "pairs %lu", n, l, c, causal, mpz_get_ui (zp), (unsigned long) P);
        }
  mpz_clears (zp, zg, (mpz_ptr) 0);
}
END_TEST

/* The method is the softmax over the mask (MPFR at 200 bits, masked_ref),
   its counts are src/kernels/sparse.c's formulas at the mask's pair count, and
   where the mask is full it is exact attention.  */
typedef struct
{
  size_t n, l, c;
  int causal;
  size_t d, dv;
  double B, tau;
} fixed_case_t;

static const fixed_case_t fixed_cases[] = {
  { 17, 4, 1, 0, 4, 3, 1.5, 0.5 },
  { 17, 4, 1, 1, 4, 3, 1.5, 0.5 },
  { 17, 4, 2, 0, 4, 3, 1.5, 0.5 },      /* short block of 1: no summary there */
  { 18, 4, 3, 0, 6, 2, 1.5, 0.25 },     /* short block of 2: one summary */
  { 50, 7, 3, 0, 8, 4, 1.5, 0.125 },
  { 50, 7, 3, 1, 8, 4, 1.5, 0.125 },
  { 50, 0, 1, 0, 8, 4, 2, 0.25 },       /* l = 8, short block of 2 */
  { 61, 0, 2, 1, 8, 4, 2, 0.25 },
  { 64, 8, 8, 0, 6, 3, 1, 0.5 },        /* c = l: every key */
  { 40, 1, 1, 0, 4, 7, 2, 0.25 },       /* l = 1: every key */
  { 23, 1000, 5, 0, 5, 3, 1, 0.2 },     /* l >= n: every key */
  { 23, 1000, 5, 1, 5, 3, 1, 0.2 },
  { 30, 30, 2, 0, 4, 4, 1, 0.5 },       /* l = n */
  { 30, 4, 2, 0, 4, 3, 40, 1 },         /* scores up to 6400: exp overflows without the max */
  { 30, 5, 1, 1, 4, 3, 40, 1 },
};

START_TEST (test_fixed_method)
{
  const fixed_case_t *fc = &fixed_cases[_i];
  unsigned long seed = fga_test_seed () + 1000 + (unsigned long) _i;
  const size_t n = fc->n, l = fixed_l (n, fc->l);
  char spec[128];
  snprintf (spec, sizeof spec, "fixed:l=%zu,c=%zu,causal=%d", fc->l, fc->c, fc->causal);
  fga_mat_t Q, K, V, T;
  instance (Q, K, V, n, fc->d, fc->dv, fc->B, &seed);
  mat (T, n, fc->dv);
  double *lse = malloc (n * sizeof *lse);
  size_t *ones = calloc (n, sizeof *ones);
  int *C = fixed_mask (n, l, fc->c, fc->causal);
  uint64_t P = 0;
  size_t cmax = 0;
  for (size_t i = 0; i < n; i++)
    {
      size_t row = 0;
      for (size_t j = 0; j < n; j++)
        row += (size_t) C[i * n + j];
      P += row;
      cmax = row > cmax ? row : cmax;
      ones[i] = 1;
    }
  fga_stats st;
  run_spec (spec, T, lse, Q, K, V, fc->tau, &st);
  for (size_t k = 0; k < n * fc->dv; k++)
    ck_assert_msg (isfinite (T->data[k]), "%s: entry %zu is not finite", spec, k);
  check_against_mask (spec, T, lse, Q, K, V, fc->tau, C, ones);
  if (fc->causal)               /* query 0 reads key 0 alone: its weight is exactly 1 */
    for (size_t c = 0; c < fc->dv; c++)
      ck_assert_double_eq (FGA_MAT (T, 0, c), FGA_MAT (V, 0, c));
  if (!fc->causal && (l >= n || fc->c == l))
    {
      /* the full mask: attention itself, by testutil's independent loop */
      fga_mat_t Ref;
      mat (Ref, n, fc->dv);
      fga_test_ref_attention (Ref, NULL, Q, K, V, fc->tau, PREC);
      double Rs = score_bound (Q, K, fc->tau), vmax = fga_mat_max_abs (V);
      double tol = U * vmax * (2 * (fc->d + 5) * Rs + 2 * n + 16);
      ck_assert_msg (max_abs_diff (T, Ref) <= tol, "%s: %.3g from exact attention (tol %.3g)",
                     spec, max_abs_diff (T, Ref), tol);
      fga_mat_clear (Ref);
    }

  /* the counts, against the mask: one group per query */
  uint64_t f[5], got[5] = { st.n_mul, st.n_add, st.n_exp, st.n_div, st.n_cmp };
  formula_counts (f, P, n, n, fc->d, fc->dv, 1);
  pat_t p = fixed_pat (n, fc->l, fc->c, fc->causal);
  fga_error err;
  ck_assert_int_eq (fga_sparse_pattern_check (&p, &err), FGA_OK);
  mpz_t ops[5];
  for (int k = 0; k < 5; k++)
    mpz_init (ops[k]);
  fga_sparse_count (ops, &p, fc->d, fc->dv, 1);
  for (int k = 0; k < 5; k++)
    {
      ck_assert_msg (got[k] == f[k], "%s: count %d is %lu, formula at the mask's %lu pairs %lu",
                     spec, k, (unsigned long) got[k], (unsigned long) P, (unsigned long) f[k]);
      ck_assert_msg (mpz_cmp_ui (ops[k], f[k]) == 0, "%s: fga_sparse_count[%d] = %lu, want %lu",
                     spec, k, mpz_get_ui (ops[k]), (unsigned long) f[k]);
      mpz_clear (ops[k]);
    }
  ck_assert_double_eq (fga_stats_get (&st, "pairs"), (double) P);
  ck_assert_double_eq (fga_stats_get (&st, "groups"), (double) n);
  ck_assert_double_eq (fga_stats_get (&st, "max_keys"), (double) cmax);
  ck_assert_double_eq (fga_stats_get (&st, "l"), (double) l);
  ck_assert_double_eq (fga_stats_get (&st, "c"), (double) fc->c);
  ck_assert_uint_eq (st.peak_bytes, (size_t) st.threads * (cmax + 2 * fc->dv) * 8);
  free (C);
  free (ones);
  free (lse);
  clear4 (Q, K, V, T);
}
END_TEST

/* With l = ceil (sqrt (n)), P is about (1 + c) n^1.5: about 2^1.5 per doubling. */
START_TEST (test_fixed_scaling)
{
  fga_stats a, b;
  run_counts ("fixed:c=2", 1024, &a);
  run_counts ("fixed:c=2", 2048, &b);
  double ratio = fga_stats_get (&b, "pairs") / fga_stats_get (&a, "pairs");
  ck_assert_msg (fabs (ratio / pow (2, 1.5) - 1) < 0.05, "fixed pairs ratio %.4f", ratio);
  for (int causal = 0; causal < 2; causal++)
    for (size_t c = 1; c <= 4; c *= 4)
      {
        pat_t p = fixed_pat (0, 0, c, causal);
        for (size_t n = 1 << 10; n <= (1 << 20); n <<= 1)
          {
            double r = pairs_closed (&p, 2 * n) / pairs_closed (&p, n);
            ck_assert_msg (fabs (r / pow (2, 1.5) - 1) < 0.05, "fixed c=%zu causal=%d: ratio "
                           "%.4f at n=%zu", c, causal, r, n);
          }
        double slope = log2 (pairs_closed (&p, 1 << 20) / pairs_closed (&p, 1 << 10)) / 10;
        ck_assert_msg (fabs (slope - 1.5) < 0.01, "fixed c=%zu causal=%d: exponent %.4f", c,
                       causal, slope);
      }
}
END_TEST

/* Bad parameters, refused with a message naming them, at create or at
   prepare (c against the l of the problem).  */
static const bad_t fixed_bad[] = {
  { "fixed:c=0", 0, 0, "c=0" },
  { "fixed:c=-2", 0, 0, "c=-2" },
  { "fixed:l=-1", 0, 0, "l=-1" },
  { "fixed:l=2.5", 0, 0, "l=2.5" },
  { "fixed:causal=2", 0, 0, "causal" },
  { "fixed:width=3", 0, 0, "width" },
  { "fixed:l=4,c=5", 16, 16, "c=5" },
  { "fixed:c=5", 16, 16, "ceil(sqrt(n))" },     /* l = 4 */
  { "fixed:l=3", 12, 10, "nq = nk" },
};

START_TEST (test_fixed_bad)
{
  const bad_t *b = &fixed_bad[_i];
  fga_error err;
  fga_error_init (&err);
  fga_method m = fga_method_create (b->spec, &err);
  if (b->nq == 0)
    ck_assert_msg (m == NULL && err.code == FGA_ERR_INPUT, "%s was accepted", b->spec);
  else
    {
      ck_assert_msg (m != NULL, "%s: %s", b->spec, err.msg);
      fga_problem prob = { b->nq, b->nk, 4, 2, { FGA_TAU_INV_D, 0 }, INFINITY, 1, 1 };
      ck_assert_int_eq (fga_method_prepare (m, &prob, &err), FGA_ERR_INPUT);
      fga_method_destroy (m);
    }
  ck_assert_msg (strstr (err.msg, b->word) != NULL, "%s: message \"%s\" does not say \"%s\"",
                 b->spec, err.msg, b->word);
}
END_TEST

START_TEST (test_fixed_bad_api)
{
  fga_error err;
  pat_t p = fixed_pat (10, 4, 0, 0);
  ck_assert_int_eq (fga_sparse_pattern_check (&p, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "c=0"));
  p = fixed_pat (10, 4, 5, 1);
  ck_assert_int_eq (fga_sparse_pattern_check (&p, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "c=5"));
  p = fixed_pat (10, 4, 4, 1);
  ck_assert_int_eq (fga_sparse_pattern_check (&p, &err), FGA_OK);
  p = fixed_pat (0, 4, 1, 0);
  ck_assert_int_eq (fga_sparse_pattern_check (&p, &err), FGA_ERR_INPUT);
  /* the kernel refuses a pattern over another n */
  unsigned long seed = fga_test_seed () + 1100;
  fga_mat_t Q, K, V, T;
  instance (Q, K, V, 12, 3, 2, 1, &seed);
  mat (T, 12, 2);
  p = fixed_pat (13, 4, 2, 0);
  ck_assert_int_eq (fga_sparse_attention (T, NULL, Q, K, V, 1, &p, NULL, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "nq = nk = 13"));
  p.n = 12;
  p.c = 7;
  ck_assert_int_eq (fga_sparse_attention (T, NULL, Q, K, V, 1, &p, NULL, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "c=7"));
  clear4 (Q, K, V, T);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Values near the ends of the double range, and scores whose dot products
   overflow (kernels/attention-util.h): the outputs are finite and right.  */

typedef struct
{
  pat_t p;
  int vkind;                    /* 0: +-Bv, 1: uniform in [-Bv, Bv] */
  double Bv;
} edge_t;

static const edge_t edge_cases[] = {
  { { WIN, 24, 0, 5, 0, 0, 0, 0, 0, 0 }, 0, 1e308 },
  { { STR, 30, 0, 0, 4, 0, 0, 0, 0, 0 }, 1, DBL_MAX },
  { { DIL, 32, 0, 4, 0, 1, 2, 0, 0, 0 }, 0, 1e308 },
  { { DIL, 37, 1, 3, 0, 1, 2, 0, 1, 0 }, 1, DBL_MAX },
  { { FIX, 30, 0, 0, 5, 0, 0, 0, 0, 2 }, 0, 1e308 },
  { { WIN, 24, 1, 30, 0, 0, 0, 0, 0, 0 }, 1, 0x1p-1040 },
  { { FIX, 30, 1, 0, 5, 0, 0, 0, 0, 2 }, 1, 1e-300 },
};

START_TEST (test_edge_v)
{
  const edge_t *ec = &edge_cases[_i];
  const size_t n = ec->p.n, d = 4, dv = 3;
  const double tau = 0.5;
  unsigned long seed = fga_test_seed () + 7700 + (unsigned long) _i;
  char spec[256];
  if (ec->p.kind == FIX)
    snprintf (spec, sizeof spec, "fixed:l=%zu,c=%zu,causal=%d", ec->p.l, ec->p.c, ec->p.causal);
  else
    spec_of (spec, sizeof spec, &ec->p);
  fga_mat_t Q, K, V, T, R;
  instance (Q, K, V, n, d, dv, 2, &seed);
  mat (T, n, dv);
  mat (R, n, dv);
  for (size_t x = 0; x < n * dv; x++)
    V->data[x] = ec->vkind == 0 ? (V->data[x] < 0 ? -ec->Bv : ec->Bv) : V->data[x] * ec->Bv;
  size_t *ng = malloc (n * sizeof *ng), cmax, kmax;
  int *C;
  if (ec->p.kind == FIX)
    {
      C = fixed_mask (n, ec->p.l, ec->p.c, ec->p.causal);
      for (size_t i = 0; i < n; i++)
        ng[i] = 1;
    }
  else
    C = build_mult (&ec->p, ng);
  mask_sizes (&cmax, &kmax, C, ng, n);
  masked_ref (R, NULL, Q, K, V, tau, C, PREC);
  run_spec (spec, T, NULL, Q, K, V, tau, NULL);
  double Rs = score_bound (Q, K, tau), vmax = fga_mat_max_abs (V), kk = (double) kmax;
  /* the bound of sparse.c, and one subnormal ulp (V scaled up) */
  double tol = U * vmax * (2 * (d + 3 + 2 * kk) * Rs + 2 * cmax + 8 + 8 * kk) + 0x1p-1074;
  for (size_t x = 0; x < n * dv; x++)
    ck_assert_msg (isfinite (T->data[x]) && fabs (T->data[x] - R->data[x]) <= tol,
                   "%s, Bv = %g: T[%zu][%zu] = %.17g, masked softmax %.17g (tol %.3g); "
                   "FGATTN_TEST_SEED=%lu", spec, ec->Bv, x / dv, x % dv, T->data[x], R->data[x],
                   tol, fga_test_seed ());
  free (C);
  free (ng);
  clear4 (Q, K, V, T);
  fga_mat_clear (R);
}
END_TEST

/* The two keys (t-exact.c, test_two_keys_overflow), as positions
   0 and 1 of every pattern: query 0 = -DBL_MAX (1, 1, 1, 1), whose exact
   scores are -0.1875 DBL_MAX and -0.078125 DBL_MAX (the second dot product
   overflows on the way), attends key 1 alone: T_0 = v_1 = 2; query 1 =
   +DBL_MAX (1, 1, 1, 1) attends key 0: T_1 = v_0 = 1.  Exactly.  */
START_TEST (test_two_keys_overflow)
{
  static const char *const specs[] = { "window:w=1", "strided:l=2", "fixed:l=2,c=1",
                                       "dilated:w=2,r=1", "window:w=1,causal=0" };
  static const double k2[8] = { .375, -.4375, -.5625, 1.375, -.875, 1.1875, 1.25, -1.25 };
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
  for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++)
    {
      T->data[0] = T->data[1] = 0;
      run_spec (specs[s], T, NULL, Q, K, V, 0.25, NULL);
      ck_assert_msg (T->data[0] == 2 && T->data[1] == 1, "%s: T = (%.17g, %.17g), not (2, 1)",
                     specs[s], T->data[0], T->data[1]);
    }
  fga_error err;
  pat_t w = { WIN, 2, 0, 1, 0, 0, 0, 0, 0, 0 };
  double lse[2];
  ck_assert_int_eq (fga_sparse_attention (T, lse, Q, K, V, 0.25, &w, NULL, &err), FGA_OK);
  ck_assert (T->data[0] == 2 && T->data[1] == 1);
  ck_assert_close (lse[0], -(DBL_MAX / 64) * 5, 8, 0);
  ck_assert_close (lse[1], (DBL_MAX / 16) * 3, 8, 0);
  clear4 (Q, K, V, T);
}
END_TEST

static Suite *
sparse_suite (void)
{
  Suite *s = suite_create ("sparse");
  TCase *tc;

  tc = fga_test_tcase ("exact at the top of the range", 10);
  tcase_add_loop_test (tc, test_top, 0, sizeof top_cases / sizeof top_cases[0]);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("causal", 10);
  tcase_add_loop_test (tc, test_causal, 0, sizeof causal_cases / sizeof causal_cases[0]);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("patterns", 60);
  tcase_add_loop_test (tc, test_pattern, 0, NPATTERN);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("LongNet mixing", 10);
  tcase_add_loop_test (tc, test_mixing, 0, sizeof mixing_cases / sizeof mixing_cases[0]);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("counts", 10);
  tcase_add_loop_test (tc, test_counts, 0, NPATTERN);
  tcase_add_loop_test (tc, test_closed_forms, 0, sizeof cf_n / sizeof cf_n[0]);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("scaling", 10);
  tcase_add_test (tc, test_scaling);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("huge scores", 10);
  tcase_add_loop_test (tc, test_huge, 0, sizeof huge_cases / sizeof huge_cases[0]);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("ends of the double range", 10);
  tcase_add_loop_test (tc, test_edge_v, 0, sizeof edge_cases / sizeof edge_cases[0]);
  tcase_add_test (tc, test_two_keys_overflow);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("threads", 10);
  tcase_add_loop_test (tc, test_threads, 0, sizeof thread_specs / sizeof thread_specs[0]);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("bad parameters", 10);
  tcase_add_loop_test (tc, test_bad, 0, sizeof bad_cases / sizeof bad_cases[0]);
  tcase_add_test (tc, test_bad_api);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("fixed pattern", 60);
  tcase_add_loop_test (tc, test_fixed_runs, 0, sizeof fr_n / sizeof fr_n[0]);
  tcase_add_test (tc, test_fixed_counts_large);
  tcase_add_loop_test (tc, test_fixed_method, 0, sizeof fixed_cases / sizeof fixed_cases[0]);
  tcase_add_test (tc, test_fixed_scaling);
  tcase_add_loop_test (tc, test_fixed_bad, 0, sizeof fixed_bad / sizeof fixed_bad[0]);
  tcase_add_test (tc, test_fixed_bad_api);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (sparse_suite ());
}
