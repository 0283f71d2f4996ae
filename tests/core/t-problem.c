/* t-problem -- fga_problem_from_matrices: shapes, bounds, the score radius, refusals */

#include <config.h>

#include <float.h>
#include <math.h>
#include <string.h>

#include "testutil.h"

/* A rows x cols matrix holding the given entries, row-major.  */
static void
mat_of (fga_mat_ptr M, size_t rows, size_t cols, const double *entries)
{
  ck_assert_int_eq (fga_mat_init (M, rows, cols, NULL), FGA_OK);
  if (rows * cols > 0)
    memcpy (M->data, entries, rows * cols * sizeof *entries);
}

/* The three operands of the refusal tests: Q 2 x 2, K 3 x 2, V 3 x 1,
   which make a valid problem until a test spoils one.  */
typedef struct
{
  fga_mat_t Q, K, V;
} operands;

static void
operands_init (operands *o)
{
  static const double q[] = { 3, 4, -1, 0 };
  static const double k[] = { 5, 12, 0, -1, 1, 1 };
  static const double v[] = { 0.5, -2, 1 };
  mat_of (o->Q, 2, 2, q);
  mat_of (o->K, 3, 2, k);
  mat_of (o->V, 3, 1, v);
}

static void
operands_clear (operands *o)
{
  fga_mat_clear (o->Q);
  fga_mat_clear (o->K);
  fga_mat_clear (o->V);
}

/* The constructor refuses the operands with FGA_ERR_INPUT and the message
   want, and leaves the problem as it was.  */
static void
assert_refused (const operands *o, const fga_tau *tau, const char *want)
{
  fga_problem p, before;
  memset (&p, 0x5a, sizeof p);
  before = p;
  fga_error err;
  fga_error_init (&err);
  ck_assert_int_eq (fga_problem_from_matrices (&p, o->Q, o->K, o->V, tau, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (err.code, FGA_ERR_INPUT);
  ck_assert_str_eq (err.msg, want);
  ck_assert_msg (memcmp (&p, &before, sizeof p) == 0, "the problem was changed: %s", want);
}

/* |Q| <= 4, |K| <= 12 (so B = 12), |V| <= 2; the largest rows are
   (3, 4) and (5, 12), of norms 5 and 13 exactly.  */
START_TEST (fills_the_problem)
{
  operands o;
  operands_init (&o);
  fga_tau tau = { FGA_TAU_VALUE, 0.25 };
  fga_problem p;
  fga_error err;
  ck_assert_int_eq (fga_problem_from_matrices (&p, o.Q, o.K, o.V, &tau, &err), FGA_OK);
  ck_assert (p.nq == 2 && p.nk == 3 && p.d == 2 && p.dv == 1);
  ck_assert (p.tau.kind == FGA_TAU_VALUE && p.tau.value == 0.25);
  ck_assert (p.B == 12 && p.Bv == 2);
  operands_clear (&o);
}
END_TEST

/* R against the closed form tau max ||q_i|| max ||k_j||, on data whose
   norms are whole numbers (so the closed form is exact): R covers it and
   exceeds it by no more than the documented inflation 2 (d + 5) u, one
   rounding of the product and the step up, which 4 (d + 6) u covers.  */
START_TEST (radius_closed_form)
{
  static const struct
  {
    size_t nq, nk, d;
    double q[8], k[8];
    fga_tau tau;
    double exact;
  } cases[] = {
    /* norms 5 and 13 */
    { 2, 3, 2, { 3, 4, -1, 0 }, { 5, 12, 0, -1, 1, 1 }, { FGA_TAU_VALUE, 0.25 }, 16.25 },
    { 2, 3, 2, { 3, 4, -1, 0 }, { 5, 12, 0, -1, 1, 1 }, { FGA_TAU_INV_D, 0 }, 32.5 },
    /* norms 2 and 4, tau = 1/sqrt(4) = 1/2 */
    { 1, 2, 4, { 1, 1, -1, 1 }, { 2, -2, 2, -2, 0, 0, 0, 3 }, { FGA_TAU_INV_SQRT_D, 0 }, 4 },
    /* all scores zero */
    { 1, 1, 2, { 0, 0 }, { 7, -1 }, { FGA_TAU_INV_D, 0 }, 0 },
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    {
      fga_mat_t Q, K, V;
      mat_of (Q, cases[c].nq, cases[c].d, cases[c].q);
      mat_of (K, cases[c].nk, cases[c].d, cases[c].k);
      fga_mat_init (V, cases[c].nk, 1, NULL);
      fga_problem p;
      fga_error err;
      ck_assert_int_eq (fga_problem_from_matrices (&p, Q, K, V, &cases[c].tau, &err), FGA_OK);
      double exact = cases[c].exact, u = DBL_EPSILON / 2;
      ck_assert_msg (p.R >= exact && p.R <= exact * (1 + 4 * ((double) cases[c].d + 6) * u),
                     "case %zu: R = %.17g, closed form %.17g", c, p.R, exact);
      fga_mat_clear (Q);
      fga_mat_clear (K);
      fga_mat_clear (V);
    }
}
END_TEST

/* On random data the closed form is computed in MPFR at 4096 bits, where
   the squared norms are exact and only the square roots and products
   round (upward here, so `exact' is an upper bound of the true radius
   by far less than the slack allowed).  R must also bound every score,
   computed here directly.  */
START_TEST (radius_random)
{
  unsigned long state = fga_test_seed () + 17 * (unsigned long) _i;
  size_t nq = 7, nk = 9, d = 1 + (size_t) _i % 6;
  double B = ldexp (1.0, (int) (_i % 5) * 3 - 4);
  fga_mat_t Q, K, V;
  fga_mat_init (Q, nq, d, NULL);
  fga_mat_init (K, nk, d, NULL);
  fga_mat_init (V, nk, 2, NULL);
  fga_test_fill_uniform (Q, B, &state);
  fga_test_fill_uniform (K, B, &state);
  fga_test_fill_uniform (V, 1, &state);
  fga_tau tau = { FGA_TAU_INV_SQRT_D, 0 };
  fga_problem p;
  fga_error err;
  ck_assert_int_eq (fga_problem_from_matrices (&p, Q, K, V, &tau, &err), FGA_OK);
  double t = fga_tau_double (&tau, d);

  mpfr_t s, x, qmax, kmax;
  mpfr_inits2 (4096, s, x, qmax, kmax, (mpfr_ptr) 0);
  mpfr_set_zero (qmax, 1);
  mpfr_set_zero (kmax, 1);
  fga_mat_srcptr M[2] = { Q, K };
  mpfr_ptr best[2] = { qmax, kmax };
  for (int w = 0; w < 2; w++)
    for (size_t i = 0; i < M[w]->rows; i++)
      {
        mpfr_set_zero (s, 1);
        for (size_t l = 0; l < d; l++)
          {
            mpfr_set_d (x, FGA_MAT (M[w], i, l), MPFR_RNDN);
            mpfr_fma (s, x, x, s, MPFR_RNDN);       /* exact at 4096 bits */
          }
        mpfr_max (best[w], best[w], s, MPFR_RNDN);
      }
  mpfr_sqrt (qmax, qmax, MPFR_RNDU);
  mpfr_sqrt (kmax, kmax, MPFR_RNDU);
  mpfr_mul (s, qmax, kmax, MPFR_RNDU);
  mpfr_mul_d (s, s, t, MPFR_RNDU);
  double u = DBL_EPSILON / 2;
  /* R >= the closed form less its upward rounding at 4096 bits */
  mpfr_div_2ui (x, s, 4000, MPFR_RNDD);
  mpfr_sub (x, s, x, MPFR_RNDD);
  ck_assert_msg (mpfr_cmp_d (x, p.R) <= 0, "R = %.17g below the closed form %.17g", p.R,
                 mpfr_get_d (s, MPFR_RNDD));
  mpfr_mul_d (x, s, 1 + 4 * ((double) d + 6) * u, MPFR_RNDU);
  ck_assert_msg (mpfr_cmp_d (x, p.R) >= 0, "R = %.17g too far above the closed form %.17g",
                 p.R, mpfr_get_d (s, MPFR_RNDU));
  /* every score, in long double, within R */
  for (size_t i = 0; i < nq; i++)
    for (size_t j = 0; j < nk; j++)
      {
        long double dot = 0;
        for (size_t l = 0; l < d; l++)
          dot += (long double) FGA_MAT (Q, i, l) * FGA_MAT (K, j, l);
        ck_assert ((double) fabsl (t * dot) <= p.R);
      }
  mpfr_clears (s, x, qmax, kmax, (mpfr_ptr) 0);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
}
END_TEST

START_TEST (refuses_bad_shapes)
{
  operands o;
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  operands_init (&o);
  fga_mat_clear (o.K);
  fga_mat_init (o.K, 3, 5, NULL);
  assert_refused (&o, &tau, "Q is 2 x 2 but K is 3 x 5: Q and K must have the same number of "
                  "columns (d)");
  operands_clear (&o);

  operands_init (&o);
  fga_mat_clear (o.V);
  fga_mat_init (o.V, 4, 1, NULL);
  assert_refused (&o, &tau, "K is 3 x 2 but V is 4 x 1: K and V must have the same number of "
                  "rows (nk)");
  operands_clear (&o);
}
END_TEST

/* Each of the three may be empty either way; the first empty one is named.  */
START_TEST (refuses_empty)
{
  static const struct { int which; size_t rows, cols; const char *want; } cases[] = {
    { 0, 0, 2, "Q is 0 x 2: attention needs at least one row and one column" },
    { 1, 3, 0, "K is 3 x 0: attention needs at least one row and one column" },
    { 1, 0, 2, "K is 0 x 2: attention needs at least one row and one column" },
    { 2, 3, 0, "V is 3 x 0: attention needs at least one row and one column" },
    { 2, 0, 0, "V is 0 x 0: attention needs at least one row and one column" },
  };
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    {
      operands o;
      operands_init (&o);
      fga_mat_ptr M[3] = { o.Q, o.K, o.V };
      fga_mat_clear (M[cases[c].which]);
      fga_mat_init (M[cases[c].which], cases[c].rows, cases[c].cols, NULL);
      assert_refused (&o, &tau, cases[c].want);
      operands_clear (&o);
    }
}
END_TEST

/* NaN and infinities in each matrix, named with their (row, column).  */
START_TEST (refuses_nonfinite)
{
  static const struct { int which; size_t i, j; double x; const char *want; } cases[] = {
    { 0, 1, 0, NAN, "Q: entry (1, 0) is NaN" },
    { 1, 2, 1, INFINITY, "K: entry (2, 1) is +Inf" },
    { 1, 0, 0, -NAN, "K: entry (0, 0) is NaN" },
    { 2, 2, 0, NAN, "V: entry (2, 0) is NaN" },
    { 2, 0, 0, -INFINITY, "V: entry (0, 0) is -Inf" },
  };
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    {
      operands o;
      operands_init (&o);
      fga_mat_ptr M[3] = { o.Q, o.K, o.V };
      FGA_MAT (M[cases[c].which], cases[c].i, cases[c].j) = cases[c].x;
      assert_refused (&o, &tau, cases[c].want);
      operands_clear (&o);
    }
}
END_TEST

START_TEST (refuses_bad_tau_and_null)
{
  operands o;
  operands_init (&o);
  static const double bad[] = { 0, -1, NAN, INFINITY };
  static const char *const want[] = {
    "tau = 0: must be positive and finite", "tau = -1: must be positive and finite",
    "tau = nan: must be positive and finite", "tau = inf: must be positive and finite"
  };
  for (size_t c = 0; c < 4; c++)
    {
      fga_tau tau = { FGA_TAU_VALUE, bad[c] };
      assert_refused (&o, &tau, want[c]);
    }
  fga_tau odd = { (fga_tau_kind) 7, 1 };
  assert_refused (&o, &odd, "tau has kind 7, not one of fga_tau_kind");
  assert_refused (&o, NULL, "tau is NULL");
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  operands none = o;
  none.Q[0].data = NULL;
  assert_refused (&none, &tau, "Q is 2 x 2 but holds no data");
  fga_problem p;
  ck_assert_int_eq (fga_problem_from_matrices (&p, NULL, o.K, o.V, &tau, NULL), FGA_ERR_INPUT);
  fga_error err;
  ck_assert_int_eq (fga_problem_from_matrices (&p, o.Q, o.K, NULL, &tau, &err), FGA_ERR_INPUT);
  ck_assert_str_eq (err.msg, "V is NULL");
  operands_clear (&o);
}
END_TEST

/* The problem prepares a method that needs R and Bv from the data: poly
   with R=auto uses R as its radius, and its output is within its target
   of the slow MPFR reference.  */
START_TEST (prepares_poly)
{
  unsigned long state = fga_test_seed ();
  fga_mat_t Q, K, V, T, ref;
  fga_mat_init (Q, 20, 3, NULL);
  fga_mat_init (K, 30, 3, NULL);
  fga_mat_init (V, 30, 2, NULL);
  fga_mat_init (T, 20, 2, NULL);
  fga_mat_init (ref, 20, 2, NULL);
  fga_test_fill_uniform (Q, 1, &state);
  fga_test_fill_uniform (K, 1, &state);
  fga_test_fill_uniform (V, 3, &state);
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_problem p;
  fga_error err;
  ck_assert_int_eq (fga_problem_from_matrices (&p, Q, K, V, &tau, &err), FGA_OK);
  fga_method m = fga_test_make_method ("poly:eps=1e-6", &p);
  fga_stats st;
  ck_assert_int_eq (fga_method_run (m, T, NULL, Q, K, V, &st, &err), FGA_OK);
  ck_assert (fga_stats_get (&st, "R_used") == p.R && fga_stats_get (&st, "Bv") == p.Bv);
  fga_test_ref_attention (ref, NULL, Q, K, V, fga_tau_double (&tau, 3), 200);
  fga_metrics mt;
  ck_assert_int_eq (fga_metrics_compute (&mt, ref, T, &err), FGA_OK);
  ck_assert_msg (mt.max_abs <= 1e-6, "max-abs error %g", mt.max_abs);
  fga_method_destroy (m);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
  fga_mat_clear (ref);
}
END_TEST

static Suite *
problem_suite (void)
{
  Suite *s = suite_create ("problem");
  TCase *tc = fga_test_tcase ("from_matrices", 20);
  tcase_add_test (tc, fills_the_problem);
  tcase_add_test (tc, radius_closed_form);
  tcase_add_loop_test (tc, radius_random, 0, 30);
  tcase_add_test (tc, refuses_bad_shapes);
  tcase_add_test (tc, refuses_empty);
  tcase_add_test (tc, refuses_nonfinite);
  tcase_add_test (tc, refuses_bad_tau_and_null);
  tcase_add_test (tc, prepares_poly);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (problem_suite ());
}
