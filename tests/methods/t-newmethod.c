/* t-newmethod -- adding a method is one file and one line: a method built in from tests/methods/toy alone

   This program is linked with its own copy of src/methods/method.c,
   compiled with tests/methods/toy ahead on the include path, so that the
   registry is src/methods/list.h plus the line FGA_METHOD (mean) of
   tests/methods/toy/methods/list.h, and with tests/methods/toy/mean.c, a
   method written by the recipe of README.md ("Adding a method").  The
   rest of the library is the one every test links, untouched.  The
   method must then be everything a method of fgattn is: listed, created
   from a spec, prepared and run, counted by its hook as run counts, a
   mechanism of the analyzer, and a mechanism fgattn scaling can time.  */

#include <config.h>
#include <math.h>
#include <string.h>
#include "testutil.h"

START_TEST (test_listed)
{
  const size_t n = fga_method_count ();
  ck_assert_str_eq (fga_method_info_at (n - 1)->name, "mean");
  ck_assert_ptr_eq (fgap_method_class_find ("mean", 4), &fgap_method_mean);
  ck_assert_ptr_eq (fgap_method_class_at (n - 1), &fgap_method_mean);
  /* the methods of fgattn are all still there, before it */
  ck_assert_ptr_eq (fgap_method_class_at (0), &fgap_method_exact);
  ck_assert_ptr_nonnull (fgap_method_class_find ("poly", 4));
}
END_TEST

START_TEST (test_runs_as_counted)
{
  fga_error err;
  fga_error_init (&err);
  fga_method m = fga_method_create ("mean:rows=3", &err);
  ck_assert_msg (m != NULL, "%s", err.msg);
  ck_assert_str_eq (fga_method_spec (m), "mean:rows=3");
  ck_assert_ptr_null (fga_method_create ("mean:cols=3", &err));
  ck_assert_ptr_nonnull (strstr (err.msg, "unknown parameter 'cols'"));

  const size_t nq = 5, nk = 7, d = 3, dv = 2;
  fga_mat_t Q, K, V, T;
  ck_assert (fga_mat_init (Q, nq, d, &err) == FGA_OK);
  ck_assert (fga_mat_init (K, nk, d, &err) == FGA_OK);
  ck_assert (fga_mat_init (V, nk, dv, &err) == FGA_OK);
  ck_assert (fga_mat_init (T, nq, dv, &err) == FGA_OK);
  unsigned long seed = fga_test_seed ();
  fga_test_fill_uniform (Q, 1, &seed);
  fga_test_fill_uniform (K, 1, &seed);
  fga_test_fill_uniform (V, 1, &seed);
  fga_problem prob = { nq, nk, d, dv, { FGA_TAU_INV_D, 0 }, INFINITY, 1, 1 };
  ck_assert (fga_method_prepare (m, &prob, &err) == FGA_OK);
  double lse[5];
  fga_stats st;
  ck_assert_msg (fga_method_run (m, T, lse, Q, K, V, &st, &err) == FGA_OK, "%s", err.msg);
  /* the mean of the values in the first 3 rows, by a sum in another order */
  for (size_t c = 0; c < dv; c++)
    {
      double s = 0;
      for (size_t j = nk; j-- > 0;)
        s += V->data[j * dv + c];
      ck_assert (fabs (T->data[c] - s / nk) < 1e-15 && T->data[4 * dv + c] == 0);
    }
  ck_assert (fabs (lse[0] - log (7.0)) < 1e-15);

  mpz_t ops[5];
  for (int i = 0; i < 5; i++)
    mpz_init (ops[i]);
  ck_assert (fgap_method_ops (ops, m, &prob, 1, &err) == FGA_OK);
  const uint64_t got[5] = { st.n_mul, st.n_add, st.n_exp, st.n_div, st.n_cmp };
  for (int i = 0; i < 5; i++)
    ck_assert_msg (mpz_cmp_ui (ops[i], (unsigned long) got[i]) == 0, "kind %d", i);

  /* the analyzer counts it by its hook, at any size */
  fga_an_spec s;
  fga_an_spec_init (&s);
  s.mech = "mean";
  s.nq = s.nk = 1000000000000;
  s.d = s.dv = 64;
  fga_an_result res;
  fga_an_result_init (&res);
  ck_assert_msg (fga_an_analyze (&res, &s, &err) == FGA_OK, "%s", err.msg);
  ck_assert (!res.modelled);
  ck_assert_str_eq (res.mech, "mean:rows=0");
  ck_assert (mpz_cmp_ui (res.ops[3], 64) == 0);
  mpz_set_ui (ops[0], 1000000000000 - 1);
  mpz_mul_ui (ops[0], ops[0], 64);
  ck_assert (mpz_cmp (res.work, ops[0]) > 0);
  s.mech = "mean:rows=3";
  s.nq = nq;
  s.nk = nk;
  s.d = d;
  s.dv = dv;
  s.lse = 1;
  ck_assert (fga_an_analyze (&res, &s, &err) == FGA_OK);
  for (int i = 0; i < 5; i++)
    ck_assert (mpz_cmp_ui (res.ops[i], (unsigned long) got[i]) == 0);
  fga_an_result_clear (&res);
  for (int i = 0; i < 5; i++)
    mpz_clear (ops[i]);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
  fga_method_destroy (m);
}
END_TEST

START_TEST (test_mechanism)
{
  /* listed among the mechanisms, after the analyzer's own, and runnable */
  const size_t n = fga_an_mech_count ();
  ck_assert_str_eq (fga_an_mech_at (n - 1), "mean");
  ck_assert (fga_an_mech_known ("mean") && fga_an_mech_runnable ("mean"));
  char list[512];
  ck_assert_ptr_nonnull (strstr (fga_an_mech_list (list, sizeof list, 1), ", nystrom, mean"));
  /* fgattn scaling can time it: its spec, and no asymptotic exponent stated */
  fga_an_spec s;
  fga_an_spec_init (&s);
  s.mech = "mean";
  s.d = s.dv = 4;
  fga_scaling_mech sm;
  fga_error err;
  fga_error_init (&err);
  ck_assert_msg (fga_scaling_mech_from_spec (&sm, &s, &err) == FGA_OK, "%s", err.msg);
  ck_assert_str_eq (sm.spec, "mean:rows=0");
  ck_assert (isnan (sm.exponent));
  ck_assert (fga_scaling_check_n (&s, 64, &err) == FGA_OK);
  /* it has no causal form: the analyzer says so */
  s.causal = 1;
  ck_assert_int_eq (fga_scaling_mech_from_spec (&sm, &s, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "no causal form"));
}
END_TEST

static Suite *
newmethod_suite (void)
{
  Suite *s = suite_create ("newmethod");
  TCase *tc = fga_test_tcase ("newmethod", 10);
  tcase_add_test (tc, test_listed);
  tcase_add_test (tc, test_runs_as_counted);
  tcase_add_test (tc, test_mechanism);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (newmethod_suite ());
}
