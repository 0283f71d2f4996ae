/* t-time-model -- the time model of `fgattn plan --time'

   The times are this machine's and noisy: no test asserts a speed.  What
   is checked is what holds whatever the machine's speed: the lines are
   finite and nonnegative, a degree is measured once (asked again, the same
   bits), a degree above the cap is timed at the largest degree below it
   with its per-row cost scaled by the exact ratio of feature counts
   (C(d + g, d), written out here), and fga_time_crossover against the
   roots of the quadratic it solves, on rates chosen here.  */

#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* C(d + g, d) by the product formula, exact below 2^53 */
static double
binom (unsigned d, unsigned g)
{
  double r = 1;
  for (unsigned k = 1; k <= d; k++)
    r = r * (g + k) / k;
  return r;
}

static fga_time_model
make_model (size_t d, size_t dv)
{
  fga_error err;
  fga_error_init (&err);
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_time_model tm = NULL;
  int rc = fga_time_model_create (&tm, d, dv, &tau, FGA_BASIS_CHEB, &err);
  ck_assert_msg (rc == FGA_OK, "%s", err.msg);
  return tm;
}

static void
check_sane (const fga_time_rates *rt)
{
  ck_assert (isfinite (rt->exact_fixed) && rt->exact_fixed >= 0);
  ck_assert (isfinite (rt->exact_per_pair) && rt->exact_per_pair > 0);
  ck_assert (isfinite (rt->poly_fixed) && rt->poly_fixed >= 0);
  ck_assert (isfinite (rt->poly_per_row) && rt->poly_per_row > 0);
}

START_TEST (test_rates)
{
  fga_time_model tm = make_model (4, 4);
  fga_error err;
  fga_error_init (&err);
  fga_time_rates a, b;
  ck_assert_int_eq (fga_time_model_rates (&a, tm, 3, 0.5, &err), FGA_OK);
  check_sane (&a);
  ck_assert_int_eq (a.g_run, 3);
  /* measured once: the same lines again, at any radius */
  ck_assert_int_eq (fga_time_model_rates (&b, tm, 3, 7.0, &err), FGA_OK);
  ck_assert (memcmp (&a, &b, sizeof a) == 0);
  /* the exact line does not depend on the degree */
  ck_assert_int_eq (fga_time_model_rates (&b, tm, 1, 0.5, &err), FGA_OK);
  ck_assert (a.exact_fixed == b.exact_fixed && a.exact_per_pair == b.exact_per_pair);
  ck_assert_int_eq (b.g_run, 1);
  /* refusals */
  ck_assert_int_eq (fga_time_model_rates (&b, tm, 0, 0.5, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fga_time_model_rates (&b, tm, 2, 0, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fga_time_model_rates (&b, tm, 2, NAN, &err), FGA_ERR_INPUT);
  fga_time_model_destroy (tm);
}
END_TEST

/* d = 8, dv = 1: the cap r (dv + 1) <= 2^19 allows g = 13 (r = 203490)
   and not g = 14 (r = 319770) nor g = 20 (r = 3108105).  */
START_TEST (test_above_cap)
{
  fga_time_model tm = make_model (8, 1);
  fga_error err;
  fga_error_init (&err);
  fga_time_rates a, b, c;
  ck_assert_int_eq (fga_time_model_rates (&a, tm, 13, 2.0, &err), FGA_OK);
  ck_assert_int_eq (fga_time_model_rates (&b, tm, 14, 2.0, &err), FGA_OK);
  ck_assert_int_eq (fga_time_model_rates (&c, tm, 20, 2.0, &err), FGA_OK);
  check_sane (&a);
  ck_assert_int_eq (a.g_run, 13);
  ck_assert_int_eq (b.g_run, 13);
  ck_assert_int_eq (c.g_run, 13);
  ck_assert_close (b.poly_per_row, a.poly_per_row * binom (8, 14) / binom (8, 13), 4, 0);
  ck_assert_close (c.poly_per_row, a.poly_per_row * binom (8, 20) / binom (8, 13), 4, 0);
  ck_assert (b.poly_fixed >= a.poly_fixed && c.poly_fixed >= b.poly_fixed);
  fga_time_model_destroy (tm);
}
END_TEST

START_TEST (test_create_refusals)
{
  fga_error err;
  fga_error_init (&err);
  fga_tau tau = { FGA_TAU_INV_D, 0 }, bad = { FGA_TAU_VALUE, -1 };
  fga_time_model tm = (fga_time_model) &err;
  ck_assert_int_eq (fga_time_model_create (&tm, 0, 4, &tau, FGA_BASIS_CHEB, &err),
                    FGA_ERR_INPUT);
  ck_assert (tm == NULL);
  ck_assert_int_eq (fga_time_model_create (&tm, 4, 0, &tau, FGA_BASIS_CHEB, &err),
                    FGA_ERR_INPUT);
  ck_assert_int_eq (fga_time_model_create (&tm, 4, 4, &bad, FGA_BASIS_CHEB, &err),
                    FGA_ERR_INPUT);
  ck_assert_int_eq (fga_time_model_create (&tm, 4, 4, NULL, FGA_BASIS_CHEB, &err),
                    FGA_ERR_INPUT);
  fga_time_model_destroy (NULL);
}
END_TEST

/* The crossover of chosen lines: poly P + b n against exact a + e n^2 is
   cheaper beyond the larger root of e n^2 - b n + (a - P), computed here
   in long double; the answer is its ceiling (or the next integer when the
   root is one), checked by the predicate on both sides.  */
START_TEST (test_crossover)
{
  static const double cases[][4] = {
    /* exact_fixed, exact_per_pair, poly_fixed, poly_per_row */
    { 0, 1e-9, 1e-3, 1e-6 },
    { 1e-5, 1.3e-9, 6e-4, 3e-7 },
    { 0, 1e-9, 0, 1e-6 },          /* no fixed price: the root b / e = 1000 */
    { 2e-3, 1e-9, 1e-3, 1e-6 },    /* exact's fixed part above poly's: poly at every n */
    { 3e-4, 1e-9, 1e-4, 1e-6 },    /* poly, exact from n = 277, poly again from 724 */
    { 0, 1e-30, 1, 1 },            /* beyond 2^62: none */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      fga_time_rates rt = { cases[i][0], cases[i][1], cases[i][2], cases[i][3], 1 };
      size_t c = fga_time_crossover (&rt);
      long double e = rt.exact_per_pair, b = rt.poly_per_row,
        k = (long double) rt.exact_fixed - rt.poly_fixed;
      long double disc = b * b - 4 * e * k;
      long double root = disc < 0 ? 0 : (b + sqrtl (disc)) / (2 * e);
      if (root > 0x1p62L)
        {
          ck_assert_uint_eq (c, 0);
          continue;
        }
      ck_assert_uint_gt (c, 0);
      ck_assert (fabsl ((long double) c - root) <= 1 + 1e-9L * root);
      ck_assert (fga_time_rates_cheaper (&rt, c));
      ck_assert (c == 1 || !fga_time_rates_cheaper (&rt, c - 1));
      ck_assert (fga_time_rates_cheaper (&rt, 2 * c) && fga_time_rates_cheaper (&rt, 1000 * c));
    }
}
END_TEST

static Suite *
time_model_suite (void)
{
  Suite *s = suite_create ("time-model");
  TCase *tc = fga_test_tcase ("lines", 10);
  tcase_add_test (tc, test_crossover);
  tcase_add_test (tc, test_create_refusals);
  suite_add_tcase (s, tc);
  tc = fga_test_tcase ("measured", 60);
  tcase_add_test (tc, test_rates);
  tcase_add_test (tc, test_above_cap);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (time_model_suite ());
}
