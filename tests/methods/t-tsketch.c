/* t-tsketch -- tests of the TensorSketch method tsketch and of fgap_tsketch_vec, fgap_tsketch_phi

   Unbiasedness is tested as a statistic over many seeds: the sample mean of
   an estimate must lie within Z_TOL sample standard errors of the truth
   (<x, y>^k for one sketch, p(tau <q, k>) for the method's kernel entry,
   p from fga_expfit_init with the method's basis, R and degree).  At
   Z_TOL = 5 a correct implementation fails with probability below 1e-6
   per check; a biased one (a wrong hash combination, a missing 1/m, a
   sign reused between sketches) is off by many standard errors.  Seeds
   come from fga_test_seed, so a failing run can be repeated.  */

#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
# include <omp.h>
#endif

#include "testutil.h"

#define Z_TOL 5.0

/* Fixed vectors with <x, y> = 1.09: the powers 1, 2, 3 differ clearly.  */
static const double X5[5] = { 0.9, -0.4, 0.3, 0.7, -0.2 };
static const double Y5[5] = { 0.5, 0.2, 0.8, 0.6, -0.3 };

/* ------------------------------------------------------------------ */

/* E <sk_k(x), sk_k(y)> = <x, y>^k for k = 1, 2, 3.  */
START_TEST (test_sketch_unbiased)
{
  const long k = _i + 1;
  const size_t d = 5, m = 16, N = 2000;
  const unsigned long base = fga_test_seed () * 7919;
  double sx[16], sy[16], sum = 0, sum2 = 0;
  fga_error err;
  for (size_t s = 0; s < N; s++)
    {
      ck_assert_int_eq (fgap_tsketch_vec (sx, X5, d, m, k, base + s, &err), FGA_OK);
      ck_assert_int_eq (fgap_tsketch_vec (sy, Y5, d, m, k, base + s, &err), FGA_OK);
      double z = fga_test_dot (sx, sy, m);
      sum += z;
      sum2 += z * z;
    }
  double mean = sum / N, var = (sum2 - N * mean * mean) / (N - 1), se = sqrt (var / N);
  double want = pow (fga_test_dot (X5, Y5, d), (double) k);
  ck_assert_msg (se > 0, "k = %ld: the estimate does not vary over seeds", k);
  ck_assert_msg (fabs (mean - want) <= Z_TOL * se, "k = %ld: mean %.6g over %zu seeds, want "
                 "%.6g, standard error %.3g (seed base %lu)", k, mean, N, want, se, base);
}
END_TEST

/* A method's key features hold the same sketches as fgap_tsketch_vec, and
   its query features the same times c_k tau^k: bit for bit for the keys.  */
START_TEST (test_phi_matches_vec)
{
  const size_t d = 5, m = 32;
  const long g = 3;
  fga_problem prob;
  fga_test_problem (&prob, 1, 1, d, 1, 0.5);
  char spec[128];
  snprintf (spec, sizeof spec, "tsketch:deg=%ld,m=%zu,seed=%lu,R=2", g, m, fga_test_seed ());
  fga_method meth = fga_test_make_method (spec, &prob);
  ck_assert_uint_eq (fgap_tsketch_dim (meth), 1 + g * m);
  double psi[1 + 3 * 32], phi[1 + 3 * 32], v[32];
  fga_error err;
  ck_assert_int_eq (fgap_tsketch_phi (psi, meth, X5, 0, &err), FGA_OK);
  ck_assert_int_eq (fgap_tsketch_phi (phi, meth, X5, 1, &err), FGA_OK);
  ck_assert (psi[0] == 1.0);
  fga_expfit_t p;
  ck_assert_int_eq (fga_expfit_init (p, FGA_BASIS_CHEB, 2.0, g, 117, &err), FGA_OK);
  ck_assert_close (phi[0], p->mono_d[0], 1, 0);
  for (long k = 1; k <= g; k++)
    {
      ck_assert_int_eq (fgap_tsketch_vec (v, X5, d, m, k, fga_test_seed (), &err), FGA_OK);
      ck_assert_msg (memcmp (v, psi + 1 + (k - 1) * m, m * sizeof (double)) == 0,
                     "degree %ld: key features differ from fgap_tsketch_vec", k);
      double ck = p->mono_d[k] * pow (0.5, (double) k);
      for (size_t e = 0; e < m; e++)
        ck_assert_close (phi[1 + (k - 1) * m + e], ck * v[e], 16, 1e-300);
    }
  fga_expfit_clear (p);
  fga_method_destroy (meth);
}
END_TEST

/* E <Phi(q), Psi(k)> = p(tau <q, k>), the method's unnormalised kernel
   entry, for both bases.  */
START_TEST (test_kernel_unbiased)
{
  const int taylor = _i;
  const size_t d = 5, m = 8, N = 800;
  const long g = 4;
  const double tau = 0.5, R = 2;
  fga_problem prob;
  fga_test_problem (&prob, 1, 1, d, 1, tau);
  const unsigned long base = fga_test_seed () * 104729 + 17;
  const size_t F = 1 + g * m;
  double phi[1 + 4 * 8], psi[1 + 4 * 8], sum = 0, sum2 = 0;
  fga_error err;
  for (size_t s = 0; s < N; s++)
    {
      char spec[160];
      snprintf (spec, sizeof spec, "tsketch:deg=%ld,m=%zu,seed=%lu,R=%g,basis=%s", g, m,
                base + s, R, taylor ? "taylor" : "cheb");
      fga_method meth = fga_test_make_method (spec, &prob);
      ck_assert_int_eq (fgap_tsketch_phi (phi, meth, X5, 1, &err), FGA_OK);
      ck_assert_int_eq (fgap_tsketch_phi (psi, meth, Y5, 0, &err), FGA_OK);
      double z = fga_test_dot (phi, psi, F);
      sum += z;
      sum2 += z * z;
      fga_method_destroy (meth);
    }
  fga_expfit_t p;
  ck_assert_int_eq (fga_expfit_init (p, taylor ? FGA_BASIS_TAYLOR : FGA_BASIS_CHEB, R, g, 117,
                                     &err), FGA_OK);
  const double S = tau * fga_test_dot (X5, Y5, d);
  double want = 0;
  for (long k = g; k >= 0; k--)
    want = want * S + p->mono_d[k];
  fga_expfit_clear (p);
  /* p is close to exp: the test is about the kernel, not a polynomial of
     another function */
  ck_assert_msg (fabs (want - exp (S)) < 0.02 * exp (S), "p(S) = %g, e^S = %g", want, exp (S));
  double mean = sum / N, var = (sum2 - N * mean * mean) / (N - 1), se = sqrt (var / N);
  ck_assert_msg (se > 0, "the kernel estimate does not vary over seeds");
  ck_assert_msg (fabs (mean - want) <= Z_TOL * se, "%s: mean %.6g over %zu seeds, want p(S) = "
                 "%.6g, standard error %.3g (seed base %lu)", taylor ? "taylor" : "cheb", mean,
                 N, want, se, base);
}
END_TEST

/* ------------------------------------------------------------------ */

typedef struct
{
  fga_mat_t Q, K, V, T, A;
  fga_problem prob;
} setup_t;

static void
setup (setup_t *u, size_t n, size_t d, size_t dv, double B, unsigned long seed)
{
  fga_error err;
  unsigned long st = seed | 1;
  ck_assert_int_eq (fga_mat_init (u->Q, n, d, &err), FGA_OK);
  ck_assert_int_eq (fga_mat_init (u->K, n, d, &err), FGA_OK);
  ck_assert_int_eq (fga_mat_init (u->V, n, dv, &err), FGA_OK);
  ck_assert_int_eq (fga_mat_init (u->T, n, dv, &err), FGA_OK);
  ck_assert_int_eq (fga_mat_init (u->A, n, dv, &err), FGA_OK);
  fga_test_fill_uniform (u->Q, B, &st);
  fga_test_fill_uniform (u->K, B, &st);
  fga_test_fill_uniform (u->V, 1, &st);
  fga_test_problem (&u->prob, n, n, d, dv, 1.0 / (double) d);
  u->prob.R = fga_score_radius (u->Q, u->K, 1.0 / (double) d);
  u->prob.B = B;
  fga_test_ref_attention (u->A, NULL, u->Q, u->K, u->V, 1.0 / (double) d, 200);
}

static void
teardown (setup_t *u)
{
  fga_mat_clear (u->Q);
  fga_mat_clear (u->K);
  fga_mat_clear (u->V);
  fga_mat_clear (u->T);
  fga_mat_clear (u->A);
}

static double
max_abs_diff (fga_mat_srcptr X, fga_mat_srcptr Y)
{
  double e = 0;
  for (size_t k = 0; k < X->rows * X->cols; k++)
    e = fmax (e, fabs (X->data[k] - Y->data[k]));
  return e;
}

static double
run_err (setup_t *u, const char *spec, fga_stats *st)
{
  fga_error err;
  fga_method meth = fga_test_make_method (spec, &u->prob);
  int rc = fga_method_run (meth, u->T, NULL, u->Q, u->K, u->V, st, &err);
  ck_assert_msg (rc == FGA_OK, "%s: %s", spec, err.msg);
  fga_method_destroy (meth);
  return max_abs_diff (u->T, u->A);
}

/* The error against exact attention, averaged over seeds, falls with m:
   at 64 times the sketch size it is clearly (here: 4 times) smaller
   (1/sqrt(m) predicts 8).  */
START_TEST (test_error_decreases)
{
  setup_t u;
  setup (&u, 64, 4, 3, 1.0, fga_test_seed ());
  const int seeds = 6;
  double e_small = 0, e_large = 0;
  for (int s = 0; s < seeds; s++)
    {
      char spec[128];
      unsigned long sd = fga_test_seed () * 31 + (unsigned long) s;
      snprintf (spec, sizeof spec, "tsketch:deg=6,m=64,seed=%lu", sd);
      e_small += run_err (&u, spec, NULL) / seeds;
      snprintf (spec, sizeof spec, "tsketch:deg=6,m=4096,seed=%lu", sd);
      e_large += run_err (&u, spec, NULL) / seeds;
    }
  ck_assert_msg (e_large < e_small / 4, "mean max-abs error %.3g at m = 4096, %.3g at m = 64",
                 e_large, e_small);
  ck_assert_msg (e_large < 0.05, "mean max-abs error %.3g at m = 4096", e_large);
  teardown (&u);
}
END_TEST

/* The same seed gives the same bits; another seed, another output.  */
START_TEST (test_repeat)
{
  setup_t u;
  setup (&u, 40, 4, 2, 1.0, fga_test_seed () + 5);
  fga_mat_t T2;
  fga_error err;
  ck_assert_int_eq (fga_mat_init (T2, 40, 2, &err), FGA_OK);
  run_err (&u, "tsketch:deg=5,m=128,seed=11", NULL);
  memcpy (T2->data, u.T->data, 80 * sizeof (double));
  run_err (&u, "tsketch:deg=5,m=128,seed=11", NULL);
  ck_assert (memcmp (T2->data, u.T->data, 80 * sizeof (double)) == 0);
  run_err (&u, "tsketch:deg=5,m=128,seed=12", NULL);
  ck_assert (memcmp (T2->data, u.T->data, 80 * sizeof (double)) != 0);
  fga_mat_clear (T2);
  teardown (&u);
}
END_TEST

/* The same bits on one thread and on several: large enough that the run
   takes threads (the method keeps one thread below (nq + nk) F = 2^16).  */
START_TEST (test_threads)
{
#ifdef _OPENMP
  setup_t u;
  setup (&u, 96, 4, 3, 1.0, fga_test_seed () + 7);
  fga_mat_t T1;
  fga_error err;
  fga_stats st;
  const size_t bytes = 96 * 3 * sizeof (double);
  ck_assert_int_eq (fga_mat_init (T1, 96, 3, &err), FGA_OK);
  int saved = omp_get_max_threads ();
  omp_set_num_threads (1);
  run_err (&u, "tsketch:deg=5,m=300,seed=4", NULL);
  memcpy (T1->data, u.T->data, bytes);
  omp_set_num_threads (3);
  fga_stats_init (&st);
  run_err (&u, "tsketch:deg=5,m=300,seed=4", &st);
  omp_set_num_threads (saved);
  ck_assert_int_eq (st.threads, 3);
  ck_assert (memcmp (T1->data, u.T->data, bytes) == 0);
  fga_mat_clear (T1);
  teardown (&u);
#endif
}
END_TEST

/* Stats and the exact operation counts of the method's own loops.  */
START_TEST (test_counts)
{
  const size_t n = 24, d = 3, dv = 2, m = _i ? 10 : 16;
  const long g = 4;
  setup_t u;
  setup (&u, n, d, dv, 1.0, fga_test_seed () + 9);
  fga_stats st;
  fga_stats_init (&st);
  char spec[96];
  snprintf (spec, sizeof spec, "tsketch:deg=%ld,m=%zu,seed=2", g, m);
  run_err (&u, spec, &st);
  const uint64_t F = 1 + g * m, nh = m / 2 + 1, dw = dv + 1;
  uint64_t qmul = 0, kmul = 0, add = 0;
  for (long k = 1; k <= g; k++)
    {
      qmul += k * d + (k - 1) * 4 * nh + m;
      kmul += k * d + (k - 1) * 4 * nh + (k >= 2 ? m : 0);
      add += k * d + (k - 1) * 2 * nh;
    }
  uint64_t want_mul = n * (qmul + kmul) + F * dw * n + n * dw * F;
  uint64_t want_add = 2 * n * add + F * dw * (n - 1) + n * dw * (F - 1);
  ck_assert_uint_eq (st.n_mul, want_mul);
  ck_assert_uint_eq (st.n_add, want_add);
  ck_assert_uint_eq (st.n_div, n * dv);
  ck_assert_uint_eq (st.n_exp, 0);
  ck_assert (fga_stats_get (&st, "g") == g);
  ck_assert (fga_stats_get (&st, "m") == m);
  ck_assert (fga_stats_get (&st, "features") == F);
  ck_assert (fga_stats_get (&st, "seed") == 2);
  ck_assert (fga_stats_get (&st, "nonpos_rows") == 0);
  ck_assert (fga_stats_get (&st, "fft_flops_estimate") > 0);
  ck_assert (st.peak_bytes >= (2 * n * F) * sizeof (double));
  teardown (&u);
}
END_TEST

/* deg=0 takes poly's degree for eps: a smaller eps, a higher degree.  */
START_TEST (test_degree_from_eps)
{
  setup_t u;
  setup (&u, 16, 4, 2, 1.0, fga_test_seed () + 3);
  fga_stats st;
  fga_stats_init (&st);
  run_err (&u, "tsketch:m=16,eps=1e-2", &st);
  double g1 = fga_stats_get (&st, "g");
  fga_stats_init (&st);
  run_err (&u, "tsketch:m=16,eps=1e-10", &st);
  double g2 = fga_stats_get (&st, "g");
  ck_assert_msg (g1 >= 1 && g2 > g1, "degrees %g (eps 1e-2) and %g (eps 1e-10)", g1, g2);
  teardown (&u);
}
END_TEST

/* With m = 1 the row sums are often not positive: counted and noted.  */
START_TEST (test_nonpos)
{
  setup_t u;
  setup (&u, 16, 4, 2, 2.0, fga_test_seed () + 1);
  int seen = 0;
  for (unsigned long s = 0; s < 40 && !seen; s++)
    {
      char spec[96];
      fga_stats st;
      fga_stats_init (&st);
      snprintf (spec, sizeof spec, "tsketch:deg=3,m=1,seed=%lu", s);
      run_err (&u, spec, &st);
      if (fga_stats_get (&st, "nonpos_rows") > 0)
        {
          seen = 1;
          ck_assert_msg (strstr (st.notes, "non-positive") != NULL, "notes: %s", st.notes);
        }
    }
  ck_assert_msg (seen, "no seed gave a non-positive row sum at m = 1");
  teardown (&u);
}
END_TEST

/* The same rows with lse asked for.  A row sum that is not positive has no
   log-sum-exp: the request is refused, naming the first such row.  The row
   sums are recomputed here from the features, w_i = sum_j <Phi(q_i),
   Psi(k_j)> (fgap_tsketch_phi, another order of the sums: a row whose sign
   could depend on it is not held against the method); when every row sum
   is positive, lse_i = log w_i.  */
START_TEST (test_nonpos_lse)
{
  const size_t n = 16, d = 4, dv = 2;
  setup_t u;
  setup (&u, n, d, dv, 2.0, fga_test_seed () + 1);
  int refused = 0, returned = 0;
  for (unsigned long s = 0; s < 40; s++)
    {
      char spec[96];
      snprintf (spec, sizeof spec, "tsketch:deg=3,m=1,seed=%lu", s);
      fga_method meth = fga_test_make_method (spec, &u.prob);
      const size_t F = fgap_tsketch_dim (meth);
      double *phi = malloc (F * sizeof (double)), *psi = malloc (n * F * sizeof (double));
      double w[16], wabs[16], lse[16];
      fga_error err;
      for (size_t j = 0; j < n; j++)
        ck_assert_int_eq (fgap_tsketch_phi (psi + j * F, meth, &FGA_MAT (u.K, j, 0), 0, &err),
                          FGA_OK);
      size_t first = n;
      int sure = 1, clear = 1;
      for (size_t i = 0; i < n; i++)
        {
          ck_assert_int_eq (fgap_tsketch_phi (phi, meth, &FGA_MAT (u.Q, i, 0), 1, &err), FGA_OK);
          w[i] = wabs[i] = 0;
          for (size_t j = 0; j < n; j++)
            {
              double z = fga_test_dot (phi, psi + j * F, F);
              w[i] += z;
              wabs[i] += fabs (z);
            }
          int near0 = fabs (w[i]) <= 1e-10 * wabs[i];
          clear &= !near0;
          if (first == n)
            sure &= !near0;
          if (first == n && !(w[i] > 0))
            first = i;
        }
      fga_error_init (&err);
      int rc = fga_method_run (meth, u.T, lse, u.Q, u.K, u.V, NULL, &err);
      if (first < n)
        {
          refused++;
          ck_assert_msg (rc == FGA_ERR_COMPUTE, "%s: row %zu's sum %g, lse accepted", spec,
                         first, w[first]);
          char want[64];
          snprintf (want, sizeof want, "row sum of query row %zu is not positive", first);
          ck_assert_msg (!sure || strstr (err.msg, want) != NULL, "%s: message '%s' lacks '%s'",
                         spec, err.msg, want);
        }
      else if (clear)
        {
          returned++;
          ck_assert_msg (rc == FGA_OK, "%s: %s", spec, err.msg);
          for (size_t i = 0; i < n; i++)
            ck_assert_msg (fabs (lse[i] - log (w[i])) <= 1e-9 * fmax (1, fabs (log (w[i]))),
                           "%s: lse[%zu] = %.17g, log of the row sum %.17g", spec, i, lse[i],
                           log (w[i]));
        }
      free (phi);
      free (psi);
      fga_method_destroy (meth);
    }
  ck_assert_msg (refused > 0, "no seed gave a non-positive row sum at m = 1");
  teardown (&u);
}
END_TEST

/* ------------------------------------------------------------------ */

static const char *const bad_specs[] = {
  "tsketch:m=0", "tsketch:m=2000000", "tsketch:deg=-1", "tsketch:deg=257",
  "tsketch:seed=-1", "tsketch:basis=legendre", "tsketch:R=-1", "tsketch:R=often",
  "tsketch:eps=0", "tsketch:budget=0", "tsketch:colour=red", "tsketch:m=1.5",
};

START_TEST (test_bad_spec)
{
  fga_error err;
  fga_error_init (&err);
  fga_method m = fga_method_create (bad_specs[_i], &err);
  ck_assert_msg (m == NULL, "%s was accepted", bad_specs[_i]);
  ck_assert_msg (err.msg[0] != 0, "%s: refused without a message", bad_specs[_i]);
}
END_TEST

/* Refused at prepare or run, with a message.  */
START_TEST (test_bad_prepare)
{
  fga_error err;
  fga_problem prob;
  fga_test_problem (&prob, 8, 8, 3, 2, 1.0 / 3);
  struct { const char *spec; double R, Bv; } cases[] = {
    { "tsketch:deg=3,budget=1000,m=4096", 1, 1 },      /* above the budget */
    { "tsketch:deg=3", INFINITY, 1 },                  /* R=auto without a radius */
    { "tsketch:R=1", 1, INFINITY },                    /* deg=0 without a bound on V */
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    {
      prob.R = cases[c].R;
      prob.Bv = cases[c].Bv;
      fga_error_init (&err);
      fga_method m = fga_method_create (cases[c].spec, &err);
      ck_assert_msg (m != NULL, "%s: %s", cases[c].spec, err.msg);
      ck_assert_msg (fga_method_prepare (m, &prob, &err) != FGA_OK, "%s was prepared",
                     cases[c].spec);
      ck_assert_msg (err.msg[0] != 0, "%s: no message", cases[c].spec);
      ck_assert_uint_eq (fgap_tsketch_dim (m), 0);
      fga_method_destroy (m);
    }

  /* scores outside R at run */
  setup_t u;
  setup (&u, 8, 3, 2, 1.0, fga_test_seed ());
  fga_method m = fga_test_make_method ("tsketch:deg=3,m=8,R=0.01", &u.prob);
  ck_assert_int_ne (fga_method_run (m, u.T, NULL, u.Q, u.K, u.V, NULL, &err), FGA_OK);
  ck_assert (strstr (err.msg, "[-R, R]") != NULL);
  double phi[64];
  fga_method_destroy (m);
  teardown (&u);

  /* the helpers */
  m = fga_test_make_method ("exact", &prob);
  ck_assert_uint_eq (fgap_tsketch_dim (m), 0);
  ck_assert_int_ne (fgap_tsketch_phi (phi, m, X5, 1, &err), FGA_OK);
  fga_method_destroy (m);
  ck_assert_int_ne (fgap_tsketch_vec (phi, X5, 5, 8, 0, 1, &err), FGA_OK);
  ck_assert_int_ne (fgap_tsketch_vec (phi, X5, 5, 0, 2, 1, &err), FGA_OK);
  ck_assert_int_ne (fgap_tsketch_vec (phi, X5, 0, 8, 2, 1, &err), FGA_OK);
  ck_assert_int_ne (fgap_tsketch_vec (NULL, X5, 5, 8, 2, 1, &err), FGA_OK);
}
END_TEST

static Suite *
tsketch_suite (void)
{
  Suite *s = suite_create ("tsketch");
  TCase *tc;

  tc = fga_test_tcase ("unbiased", 120);
  tcase_add_loop_test (tc, test_sketch_unbiased, 0, 3);
  tcase_add_test (tc, test_phi_matches_vec);
  tcase_add_loop_test (tc, test_kernel_unbiased, 0, 2);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("against exact", 60);
  tcase_add_test (tc, test_error_decreases);
  tcase_add_test (tc, test_repeat);
  tcase_add_test (tc, test_threads);
  tcase_add_test (tc, test_degree_from_eps);
  tcase_add_test (tc, test_nonpos);
  tcase_add_test (tc, test_nonpos_lse);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("counts and refusals", 10);
  tcase_add_loop_test (tc, test_counts, 0, 2);
  tcase_add_loop_test (tc, test_bad_spec, 0, sizeof bad_specs / sizeof bad_specs[0]);
  tcase_add_test (tc, test_bad_prepare);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (tsketch_suite ());
}
