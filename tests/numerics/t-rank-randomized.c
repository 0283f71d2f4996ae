/* t-rank-randomized -- tests of fga_attention_rank_randomized, the rank of P without forming it

   The expected ranks come from the dense path, P formed and its SVD taken
   by LAPACK (fga_attention_singular_values, then fga_numerical_rank), never
   from the code under test.  A decided rank must equal the dense count; a
   censored one must bracket it (rank <= dense <= rank_hi).  Each estimate
   s_i is the singular value of Q^T P, at most sigma_i: the reported
   sigma_rank and sigma_next are checked against the dense values with that
   inequality.  The cases: the families uniform, rademacher and gaussian of
   fga_instance_generate and two built here (low rank plus noise, clustered
   keys), with B = beta sqrt (ln n), beta in {0.25, 0.5, 1, 2},
   d = ceil (log2 n), tau = 1/d and tol in {1/n, 1e-3, n^-2}; exact ties
   (rademacher at small d: at most 2^d distinct rows), scores near 700 and
   beyond the double range, n = 1, nq != nk, nq = 0; censoring below the
   rank; the same bits for 1 and 2 threads; the counts against the passes
   made; and every refusal.  */

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

enum { FAM_UNIFORM, FAM_RADEMACHER, FAM_GAUSSIAN, FAM_LOWRANK, FAM_CLUSTERED, NFAM };
static const char *const fam_names[NFAM] = { "uniform", "rademacher", "gaussian", "lowrank",
                                             "clustered" };
static const double betas[] = { 0.25, 0.5, 1, 2 };
#define NBETA (sizeof betas / sizeof betas[0])

static void
mat (fga_mat_ptr M, size_t rows, size_t cols)
{
  fga_error err;
  ck_assert_int_eq (fga_mat_init (M, rows, cols, &err), FGA_OK);
}

/* M times B / max|M|, so that its largest |entry| is B.  */
static void
scale_to (fga_mat_ptr M, double B)
{
  double m = fga_mat_max_abs (M);
  for (size_t k = 0; k < M->rows * M->cols; k++)
    M->data[k] *= B / m;
}

/* Rows U A + E / 8: rank 2 plus noise.  */
static void
lowrank_rows (fga_mat_ptr M, fga_mat_srcptr A, unsigned long *state)
{
  const size_t n = M->rows, d = M->cols;
  fga_mat_t U, E;
  mat (U, n, 2);
  mat (E, n, d);
  fga_test_fill_uniform (U, 1, state);
  fga_test_fill_uniform (E, 1, state);
  for (size_t i = 0; i < n; i++)
    for (size_t t = 0; t < d; t++)
      FGA_MAT (M, i, t) = FGA_MAT (U, i, 0) * FGA_MAT (A, 0, t)
        + FGA_MAT (U, i, 1) * FGA_MAT (A, 1, t) + FGA_MAT (E, i, t) / 8;
  fga_mat_clear (U);
  fga_mat_clear (E);
}

/* Rows 7 c / 8 + e / 8 about one of the centres C (8 x d), drawn uniformly. */
static void
clustered_rows (fga_mat_ptr M, fga_mat_srcptr C, unsigned long *state)
{
  const size_t n = M->rows, d = M->cols;
  fga_mat_t pick;
  mat (pick, n, 1);
  fga_test_fill_uniform (pick, 1, state);
  fga_test_fill_uniform (M, 1, state);
  for (size_t i = 0; i < n; i++)
    {
      size_t c = (size_t) ((FGA_MAT (pick, i, 0) + 1) * 4) % C->rows;
      for (size_t t = 0; t < d; t++)
        FGA_MAT (M, i, t) = (7 * FGA_MAT (C, c, t) + FGA_MAT (M, i, t)) / 8;
    }
  fga_mat_clear (pick);
}

/* Q (nq x d) and K (nk x d) of a family, entries bounded by B.  */
static void
make_qk (fga_mat_ptr Q, fga_mat_ptr K, int fam, size_t nq, size_t nk, size_t d, double B,
         unsigned long seed)
{
  fga_error err;
  if (fam <= FAM_GAUSSIAN)
    {
      static const fga_dist dists[3] = { FGA_DIST_UNIFORM, FGA_DIST_RADEMACHER,
                                         FGA_DIST_GAUSSIAN };
      fga_instance_t inst;
      fga_instance_init (inst);
      ck_assert_int_eq (fga_instance_generate (inst, nq, nk, d, 1, B, 1, dists[fam], seed, &err),
                        FGA_OK);
      mat (Q, nq, d);
      mat (K, nk, d);
      memcpy (Q->data, inst->Q->data, nq * d * sizeof (double));
      memcpy (K->data, inst->K->data, nk * d * sizeof (double));
      fga_instance_clear (inst);
      return;
    }
  unsigned long state = seed * 2654435761UL + 1;
  fga_mat_t G;
  mat (G, fam == FAM_LOWRANK ? 2 : 8, d);
  fga_test_fill_uniform (G, 1, &state);
  mat (Q, nq, d);
  mat (K, nk, d);
  if (fam == FAM_LOWRANK)
    {
      lowrank_rows (Q, G, &state);
      lowrank_rows (K, G, &state);
    }
  else
    {
      clustered_rows (Q, G, &state);
      clustered_rows (K, G, &state);
    }
  scale_to (Q, B);
  scale_to (K, B);
  fga_mat_clear (G);
}

static size_t
ceil_log2 (size_t n)
{
  size_t d = 0;
  while (((size_t) 1 << d) < n)
    d++;
  return d;
}

/* The dense singular values of P (min (nq, nk) of them).  */
static double *
dense_sigma (fga_mat_srcptr Q, fga_mat_srcptr K, double tau)
{
  fga_error err;
  size_t r = Q->rows < K->rows ? Q->rows : K->rows;
  double *sigma = calloc (r + 1, sizeof *sigma);
  ck_assert_ptr_nonnull (sigma);
  ck_assert_int_eq (fga_attention_singular_values (sigma, Q, K, tau, NULL, &err), FGA_OK);
  return sigma;
}

/* The randomized estimates against the dense ones: a decided rank equals
   the dense count, a censored one brackets it, and the reported
   estimates are at most the singular values they estimate (s_i <= sigma_i,
   up to the rounding of both computations).  must_decide: no tolerance
   may be censored.  */
static void
check_against_dense (fga_mat_srcptr Q, fga_mat_srcptr K, double tau, const double *tol,
                     size_t ntol, const fga_rank_opts *o, int must_decide, const char *what)
{
  fga_error err;
  fga_rank_estimate est[8];
  ck_assert_uint_le (ntol, 8);
  const size_t r = Q->rows < K->rows ? Q->rows : K->rows;
  double *sigma = dense_sigma (Q, K, tau);
  int rc = fga_attention_rank_randomized (est, tol, ntol, Q, K, tau, o, NULL, &err);
  ck_assert_msg (rc == FGA_OK, "%s: %s", what, err.msg);
  for (size_t t = 0; t < ntol; t++)
    {
      size_t want = fga_numerical_rank (sigma, r, tol[t]);
      ck_assert_msg (!must_decide || !est[t].censored, "%s, tol %g: censored at %zu..%zu "
                     "(dense %zu, sigma %g, %g)", what, tol[t], est[t].rank, est[t].rank_hi,
                     want, want > 0 ? sigma[want - 1] : NAN, want < r ? sigma[want] : NAN);
      if (!est[t].censored)
        ck_assert_msg (est[t].rank == want && est[t].rank_hi == want,
                       "%s, tol %g: randomized %zu, dense %zu", what, tol[t], est[t].rank, want);
      else
        ck_assert_msg (est[t].rank <= want && want <= est[t].rank_hi,
                       "%s, tol %g: censored %zu..%zu does not hold dense %zu", what, tol[t],
                       est[t].rank, est[t].rank_hi, want);
      size_t k = est[t].rank;
      double slack = 1e-9 * sigma[0];
      if (k > 0)
        ck_assert_msg (est[t].sigma_rank <= sigma[k - 1] + slack, "%s: s_%zu = %g > sigma %g",
                       what, k, est[t].sigma_rank, sigma[k - 1]);
      if (k < r && !isnan (est[t].sigma_next))
        ck_assert_msg (est[t].sigma_next <= sigma[k] + slack, "%s: s_%zu = %g > sigma %g", what,
                       k + 1, est[t].sigma_next, sigma[k]);
    }
  free (sigma);
}

/* ------------------------------------------------------------------ */
/* Every family and beta at n = 256, with the budget of all n columns, so
   that every tolerance must be decided.  */

static void
family_case (int fam, size_t n, double beta, const fga_rank_opts *o)
{
  const size_t d = ceil_log2 (n);
  const double B = beta * sqrt (log ((double) n)), tau = 1.0 / (double) d;
  const double tol[3] = { 1.0 / (double) n, 1e-3, 1.0 / ((double) n * (double) n) };
  fga_mat_t Q, K;
  make_qk (Q, K, fam, n, n, d, B, fga_test_seed () + (unsigned long) n);
  char what[128];
  snprintf (what, sizeof what, "%s, n = %zu, beta = %g", fam_names[fam], n, beta);
  check_against_dense (Q, K, tau, tol, 3, o, 1, what);
  fga_mat_clear (Q);
  fga_mat_clear (K);
}

START_TEST (test_families_full_budget)
{
  fga_rank_opts o = { 256, 3, 0, 0, 0 };
  family_case (_i / NBETA, 256, betas[_i % NBETA], &o);
}
END_TEST

/* n = 1024 and 2048 with the default budget (kmax 1024): at beta <= 0.5
   the ranks at 1/n and 1e-3 are far below it and must be decided (the
   rank at n^-2 may need more than the budget: left out).  */
static const struct
{
  int fam;
  size_t n;
  double beta;
} wide_cases[] = {
  { FAM_UNIFORM, 2048, 0.25 }, { FAM_CLUSTERED, 1024, 0.5 }, { FAM_LOWRANK, 1024, 0.25 },
};

START_TEST (test_families_wide)
{
  const size_t n = wide_cases[_i].n, d = ceil_log2 (n);
  const double B = wide_cases[_i].beta * sqrt (log ((double) n));
  const double tol[2] = { 1.0 / (double) n, 1e-3 };
  fga_mat_t Q, K;
  make_qk (Q, K, wide_cases[_i].fam, n, n, d, B, fga_test_seed () + 7);
  check_against_dense (Q, K, 1.0 / (double) d, tol, 2, NULL, 1, fam_names[wide_cases[_i].fam]);
  fga_mat_clear (Q);
  fga_mat_clear (K);
}
END_TEST

/* Options that change the route, not the result: no power iteration,
   three, odd tiles of 1 and 7 rows, no oversampling beyond kmax.  */
START_TEST (test_options)
{
  static const fga_rank_opts opts[] = {
    { 300, 5, FGA_RANK_NO_POWER, 0, 0 }, { 300, 6, 3, 0, 0 }, { 300, 7, 0, 0, 1 },
    { 300, 8, 0, 0, 7 }, { 300, 9, 2, 1, 33 },
  };
  fga_mat_t Q, K;
  make_qk (Q, K, FAM_GAUSSIAN, 300, 280, 9, 1.5, fga_test_seed ());
  const double tol[3] = { 1.0 / 280, 1e-3, 1e-6 };
  check_against_dense (Q, K, 1.0 / 9, tol, 3, &opts[_i], 1, "options");
  fga_mat_clear (Q);
  fga_mat_clear (K);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Ties, huge scores, small and uneven shapes.  */

/* Rademacher rows at d = 3 take at most 8 values: P has at most 8
   distinct rows and columns, so rank <= 8, the rest exact zeros; one round
   of 32 columns holds the whole range.  */
START_TEST (test_ties)
{
  fga_mat_t Q, K;
  fga_error err;
  fga_stats st;
  fga_stats_init (&st);
  const size_t n = 1024, d = 3;
  make_qk (Q, K, FAM_RADEMACHER, n, n, d, 1.5 + _i, fga_test_seed ());
  const double tol[3] = { 1.0 / n, 1e-3, 1.0 / ((double) n * n) };
  check_against_dense (Q, K, 1.0 / d, tol, 3, NULL, 1, "rademacher d = 3");
  fga_rank_estimate est[3];
  ck_assert_int_eq (fga_attention_rank_randomized (est, tol, 3, Q, K, 1.0 / d, NULL, &st, &err),
                    FGA_OK);
  ck_assert_uint_le (est[2].rank, 8);
  ck_assert (fga_stats_get (&st, "cols") == 32);
  fga_mat_clear (Q);
  fga_mat_clear (K);
}
END_TEST

/* Scores tau q.k up to 900 (B = 30, d = 4, tau = 1/4) and about 4e4:
   every row's maximum is subtracted, nothing overflows, and the ranks are
   those of the dense path.  */
START_TEST (test_huge_scores)
{
  fga_mat_t Q, K;
  const double B = _i == 0 ? 30 : 200;
  make_qk (Q, K, FAM_UNIFORM, 200, 180, 4, B, fga_test_seed ());
  const double tol[3] = { 1.0 / 180, 1e-3, 1e-8 };
  fga_rank_opts o = { 180, 1, 0, 0, 0 };
  check_against_dense (Q, K, 0.25, tol, 3, &o, 1, "huge scores");
  fga_mat_clear (Q);
  fga_mat_clear (K);
}
END_TEST

/* Scores beyond the double range (max|Q| max|K| ~ 1e310): rows are
   rescaled by powers of two, the rounding bound is no longer small, and
   every rank is censored rather than guessed.  */
START_TEST (test_scores_beyond_doubles)
{
  fga_mat_t Q, K;
  fga_error err;
  make_qk (Q, K, FAM_UNIFORM, 40, 30, 3, 1, fga_test_seed ());
  scale_to (Q, 1e300);
  scale_to (K, 1e10);
  const double tol[2] = { 1e-3, 0.5 };
  fga_rank_estimate est[2];
  ck_assert_int_eq (fga_attention_rank_randomized (est, tol, 2, Q, K, 1.0 / 3, NULL, NULL, &err),
                    FGA_OK);
  double *sigma = dense_sigma (Q, K, 1.0 / 3);
  for (int t = 0; t < 2; t++)
    {
      size_t want = fga_numerical_rank (sigma, 30, tol[t]);
      ck_assert (est[t].censored);
      ck_assert_uint_le (est[t].rank, want);
      ck_assert_uint_ge (est[t].rank_hi, want);
    }
  free (sigma);
  fga_mat_clear (Q);
  fga_mat_clear (K);
}
END_TEST

/* n = 1 (P = [1], sigma_1 = 1), nq != nk both ways, and nq = 0.  */
START_TEST (test_shapes)
{
  static const size_t shapes[][2] = { { 1, 1 }, { 1, 50 }, { 50, 1 }, { 300, 120 },
                                      { 90, 400 } };
  fga_mat_t Q, K;
  const size_t nq = shapes[_i][0], nk = shapes[_i][1];
  make_qk (Q, K, FAM_UNIFORM, nq, nk, 5, 1.2, fga_test_seed () + (unsigned long) _i);
  const double tol[3] = { 0.5, 1e-3, 1e-9 };
  fga_rank_opts o = { nq < nk ? nq : nk, 2, 0, 0, 0 };
  check_against_dense (Q, K, 0.2, tol, 3, &o, 1, "shapes");
  fga_mat_clear (Q);
  fga_mat_clear (K);
}
END_TEST

START_TEST (test_no_queries)
{
  fga_mat_t Q, K;
  fga_error err;
  mat (Q, 0, 3);
  mat (K, 5, 3);
  const double tol[1] = { 0 };
  fga_rank_estimate est[1];
  ck_assert_int_eq (fga_attention_rank_randomized (est, tol, 1, Q, K, 1, NULL, NULL, &err),
                    FGA_OK);
  ck_assert_uint_eq (est[0].rank, 0);
  ck_assert_int_eq (est[0].censored, 0);
  fga_mat_clear (Q);
  fga_mat_clear (K);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Censoring, reproducibility, counts.  */

/* kmax far below the rank: censored, rank == kmax reported as a lower
   bound of the dense rank, and rank_hi above it.  */
START_TEST (test_censored_below_rank)
{
  fga_mat_t Q, K;
  fga_error err;
  const size_t n = 512, kmax = 10 + 7 * (size_t) _i;
  make_qk (Q, K, FAM_UNIFORM, n, n, 9, sqrt (log ((double) n)), fga_test_seed ());
  const double tol[2] = { 1.0 / n, 1e-3 };
  double *sigma = dense_sigma (Q, K, 1.0 / 9);
  fga_rank_estimate est[2];
  fga_rank_opts o = { kmax, 4, 0, 0, 0 };
  ck_assert_int_eq (fga_attention_rank_randomized (est, tol, 2, Q, K, 1.0 / 9, &o, NULL, &err),
                    FGA_OK);
  for (int t = 0; t < 2; t++)
    {
      size_t want = fga_numerical_rank (sigma, n, tol[t]);
      ck_assert_uint_gt (want, kmax + 16);
      ck_assert_int_eq (est[t].censored, 1);
      ck_assert_uint_eq (est[t].rank, kmax);
      ck_assert_uint_ge (est[t].rank_hi, want);
    }
  free (sigma);
  fga_mat_clear (Q);
  fga_mat_clear (K);
}
END_TEST

/* OpenBLAS's own thread count (its pthreads build ignores OpenMP's), when
   the BLAS is OpenBLAS.  */
extern void openblas_set_num_threads (int n) __attribute__ ((weak));

static void
set_threads (int n)
{
#ifdef _OPENMP
  omp_set_num_threads (n);
#endif
  if (openblas_set_num_threads != NULL)
    openblas_set_num_threads (n);
}

/* The sketch's QR factorisations and SVD on 1 and 2 BLAS threads: at this
   size a threaded LAPACK splits them, and the estimates must not follow
   (the code runs them on one BLAS thread).  */
START_TEST (test_blas_threads)
{
  fga_mat_t Q, K;
  fga_error err;
  const size_t n = 3000, d = 16;
  make_qk (Q, K, FAM_UNIFORM, n, n, d, 2, fga_test_seed ());
  const double tol[1] = { 1.0 / n };
  fga_rank_estimate a[1], b[1];
  memset (a, 0, sizeof a);
  memset (b, 0, sizeof b);
  fga_rank_opts o = { 256, 11, 0, 0, 0 };
  set_threads (1);
  ck_assert_int_eq (fga_attention_rank_randomized (a, tol, 1, Q, K, 1.0 / d, &o, NULL, &err),
                    FGA_OK);
  set_threads (2);
  ck_assert_int_eq (fga_attention_rank_randomized (b, tol, 1, Q, K, 1.0 / d, &o, NULL, &err),
                    FGA_OK);
  ck_assert_mem_eq (a, b, sizeof a);
  fga_mat_clear (Q);
  fga_mat_clear (K);
}
END_TEST

/* The same seed gives the same bits for one thread and two (no reduction
   across threads); the counts are those of the passes made.  */
START_TEST (test_threads_and_counts)
{
  fga_mat_t Q, K;
  fga_error err;
  const size_t nq = 700, nk = 650, d = 10;
  make_qk (Q, K, FAM_GAUSSIAN, nq, nk, d, 2, fga_test_seed ());
  const double tol[2] = { 1.0 / nk, 1e-7 };
  fga_rank_estimate a[2], b[2];
  memset (a, 0, sizeof a);      /* the padding too, for the comparison */
  memset (b, 0, sizeof b);
  fga_stats sa, sb;
  fga_stats_init (&sa);
  fga_stats_init (&sb);
  fga_rank_opts o = { 200, 11, 0, 0, 64 };
#ifdef _OPENMP
  int saved = omp_get_max_threads ();
  omp_set_num_threads (1);
#endif
  ck_assert_int_eq (fga_attention_rank_randomized (a, tol, 2, Q, K, 0.1, &o, &sa, &err), FGA_OK);
#ifdef _OPENMP
  omp_set_num_threads (2);
#endif
  ck_assert_int_eq (fga_attention_rank_randomized (b, tol, 2, Q, K, 0.1, &o, &sb, &err), FGA_OK);
#ifdef _OPENMP
  omp_set_num_threads (saved);
#endif
  ck_assert_mem_eq (a, b, sizeof a);
  ck_assert (fga_stats_get (&sa, "sigma_1") == fga_stats_get (&sb, "sigma_1"));
  /* the statistics pass and every later pass take one exp per entry; the
     statistics pass alone divides (once per row) and compares */
  double passes = fga_stats_get (&sb, "passes");
  ck_assert (passes >= 5);
  ck_assert_uint_eq (sb.n_exp, (uint64_t) passes * nq * nk);
  ck_assert_uint_eq (sb.n_div, nq);
  ck_assert_uint_eq (sb.n_cmp, (uint64_t) nq * (nk - 1));
  ck_assert_uint_eq (sb.n_mul, sa.n_mul);
  ck_assert_uint_gt (sb.peak_bytes, (nq + nk) * 32 * sizeof (double));
  ck_assert (fga_stats_get (&sb, "fail_prob") < 1e-10);
  fga_mat_clear (Q);
  fga_mat_clear (K);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Refusals: FGA_ERR_INPUT, nothing else.  */

START_TEST (test_refusals)
{
  fga_mat_t Q, K, K2, K0, Q0, Qn;
  fga_error err;
  make_qk (Q, K, FAM_UNIFORM, 20, 15, 3, 1, 1);
  mat (K2, 15, 4);
  mat (K0, 0, 3);
  mat (Q0, 20, 0);
  mat (Qn, 20, 3);
  Qn->data[7] = NAN;
  fga_rank_estimate est[2];
  const double good[2] = { 1e-3, 0.1 }, nan_tol[2] = { 1e-3, NAN }, neg[1] = { -1e-3 },
    inf[1] = { INFINITY };
  const fga_rank_opts pw = { 0, 0, FGA_RANK_MAX_POWER + 1, 0, 0 },
    ov = { 0, 0, 0, FGA_RANK_MAX_OVERSAMPLE + 1, 0 }, bl = { 0, 0, 0, 0, FGA_RANK_MAX_BLOCK + 1 };
  struct { fga_rank_estimate *e; const double *t; size_t n; fga_mat_srcptr q, k; double tau;
           const fga_rank_opts *o; } bad[] = {
    { NULL, good, 2, Q, K, 1, NULL }, { est, NULL, 2, Q, K, 1, NULL },
    { est, good, 2, NULL, K, 1, NULL }, { est, good, 2, Q, NULL, 1, NULL },
    { est, good, 0, Q, K, 1, NULL }, { est, nan_tol, 2, Q, K, 1, NULL },
    { est, neg, 1, Q, K, 1, NULL }, { est, inf, 1, Q, K, 1, NULL },
    { est, good, 2, Q, K2, 1, NULL }, { est, good, 2, Q, K0, 1, NULL },
    { est, good, 2, Q0, K0, 1, NULL }, { est, good, 2, Qn, K, 1, NULL },
    { est, good, 2, Q, K, 0, NULL }, { est, good, 2, Q, K, -1, NULL },
    { est, good, 2, Q, K, INFINITY, NULL }, { est, good, 2, Q, K, NAN, NULL },
    { est, good, 2, Q, K, 1, &pw }, { est, good, 2, Q, K, 1, &ov }, { est, good, 2, Q, K, 1, &bl },
  };
  for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++)
    {
      fga_error_init (&err);
      int rc = fga_attention_rank_randomized (bad[c].e, bad[c].t, bad[c].n, bad[c].q, bad[c].k,
                                              bad[c].tau, bad[c].o, NULL, &err);
      ck_assert_msg (rc == FGA_ERR_INPUT, "case %zu: %d (%s)", c, rc, err.msg);
      ck_assert (strstr (err.msg, "fga_attention_rank_randomized") != NULL);
    }
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (K2);
  fga_mat_clear (K0);
  fga_mat_clear (Q0);
  fga_mat_clear (Qn);
}
END_TEST

static Suite *
rank_suite (void)
{
  Suite *s = suite_create ("rank-randomized");
  TCase *tc;

  tc = fga_test_tcase ("families against dense", 300);
  tcase_add_loop_test (tc, test_families_full_budget, 0, NFAM * NBETA);
  tcase_add_loop_test (tc, test_families_wide, 0, sizeof wide_cases / sizeof wide_cases[0]);
  tcase_add_loop_test (tc, test_options, 0, 5);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("ties, huge scores, shapes", 90);
  tcase_add_loop_test (tc, test_ties, 0, 2);
  tcase_add_loop_test (tc, test_huge_scores, 0, 2);
  tcase_add_test (tc, test_scores_beyond_doubles);
  tcase_add_loop_test (tc, test_shapes, 0, 5);
  tcase_add_test (tc, test_no_queries);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("censoring, threads, counts, refusals", 60);
  tcase_add_loop_test (tc, test_censored_below_rank, 0, 2);
  tcase_add_test (tc, test_threads_and_counts);
  tcase_add_test (tc, test_blas_threads);
  tcase_add_test (tc, test_refusals);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (rank_suite ());
}
