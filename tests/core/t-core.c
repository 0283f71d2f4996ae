/* t-core -- errors, matrices, tau, the method registry and spec parsing, metrics, atomic files */

#include <config.h>

#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* --- matrices ---------------------------------------------------------- */

START_TEST (mat_init_zeroed_and_overflow)
{
  fga_mat_t m;
  fga_error err;
  ck_assert_int_eq (fga_mat_init (m, 3, 5, &err), FGA_OK);
  for (size_t k = 0; k < 15; k++)
    ck_assert (m->data[k] == 0.0);
  fga_mat_clear (m);
  ck_assert_int_eq (fga_mat_init (m, SIZE_MAX / 4, 3, &err), FGA_ERR_INPUT);
  ck_assert_ptr_null (strstr (err.msg, "overflow") == NULL ? NULL : err.msg);
  ck_assert (m->rows == 0 && m->data == NULL);
  fga_mat_clear (m);      /* clearing a failed matrix is safe */
}
END_TEST

START_TEST (mat_check_finite_names_entry)
{
  fga_mat_t m;
  fga_error err;
  fga_mat_init (m, 4, 3, &err);
  ck_assert_int_eq (fga_mat_check_finite (m, "Q.npy", &err), FGA_OK);
  FGA_MAT (m, 2, 1) = NAN;
  ck_assert_int_eq (fga_mat_check_finite (m, "Q.npy", &err), FGA_ERR_INPUT);
  ck_assert_str_eq (err.msg, "Q.npy: entry (2, 1) is NaN");
  FGA_MAT (m, 2, 1) = -INFINITY;
  fga_mat_check_finite (m, "K.npy", &err);
  ck_assert_str_eq (err.msg, "K.npy: entry (2, 1) is -Inf");
  FGA_MAT (m, 2, 1) = -7.5;
  ck_assert (fga_mat_max_abs (m) == 7.5);
  fga_mat_clear (m);
}
END_TEST

/* --- tau --------------------------------------------------------------- */

START_TEST (tau_parse_and_round)
{
  fga_tau t;
  fga_error err;
  char buf[64];
  ck_assert_int_eq (fga_tau_parse (&t, "1/d", &err), FGA_OK);
  ck_assert (fga_tau_double (&t, 16) == 0.0625);
  ck_assert (fga_tau_double (&t, 3) == 1.0 / 3.0);
  ck_assert_int_eq (fga_tau_parse (&t, "1/sqrt(d)", &err), FGA_OK);
  ck_assert (fga_tau_double (&t, 64) == 0.125);
  /* 1/sqrt(2) correctly rounded: 0x1.6a09e667f3bcdp-1 (closed form, hex literal). */
  ck_assert (fga_tau_double (&t, 2) == 0x1.6a09e667f3bcdp-1);
  fga_tau_format (buf, sizeof buf, &t);
  ck_assert_str_eq (buf, "1/sqrt(d)");
  ck_assert_int_eq (fga_tau_parse (&t, "0.5", &err), FGA_OK);
  ck_assert (fga_tau_double (&t, 7) == 0.5);
  const char *bad[] = { "0", "-1", "nan", "inf", "1e999", "abc", "1/x", "" };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
    {
      ck_assert_int_eq (fga_tau_parse (&t, bad[k], &err), FGA_ERR_INPUT);
      ck_assert_ptr_nonnull (strstr (err.msg, "tau"));
    }
}
END_TEST

/* --- method specs -------------------------------------------------------- */

static const struct { const char *spec, *canonical; } good_specs[] = {
  { "exact", "exact:algo=stream,block=0" },
  { "exact:algo=naive", "exact:algo=naive" },
  { "exact:algo=blas,block=128", "exact:algo=blas,block=128" },
  { "exact:algo=mpfr,prec=256", "exact:algo=mpfr,prec=256,prec_max=8192" },
  { "exact:prec_max=300,algo=mpfr", "exact:algo=mpfr,prec=128,prec_max=300" },
};

START_TEST (spec_good)
{
  fga_error err;
  fga_method m = fga_method_create (good_specs[_i].spec, &err);
  ck_assert_msg (m != NULL, "%s: %s", good_specs[_i].spec, err.msg);
  ck_assert_str_eq (fga_method_spec (m), good_specs[_i].canonical);
  fga_method_destroy (m);
}
END_TEST

static const struct { const char *spec, *needle; } bad_specs[] = {
  { "exakt", "unknown method 'exakt'" },
  { "", "unknown method ''" },
  { "exact:algo=fast", "algo=fast is not one of naive|stream|blas|mpfr" },
  { "exact:blk=3", "unknown parameter 'blk' (known: algo, block, prec, prec_max)" },
  { "exact:block", "'block' is not of the form key=value" },
  { "exact:block=", "'block' has an empty value" },
  { "exact:block=1.5", "block=1.5 is not an integer" },
  { "exact:block=-1", "block=-1 is outside" },
  { "exact:algo=mpfr,prec=10", "prec=10 is outside [64" },
  { "exact:algo=mpfr,prec=1e3", "prec=1e3 is not an integer" },
  { "exact:algo=naive,algo=blas", "'algo' given twice" },
  { "exact:algo=naive,prec=256", "'prec' applies only when algo=mpfr" },
  { "exact:algo=mpfr,prec=512,prec_max=256", "prec_max=256 is below prec=512" },
  { "exact:algo=naive,", "'' is not of the form key=value" },
};

START_TEST (spec_bad)
{
  fga_error err;
  fga_error_init (&err);
  fga_method m = fga_method_create (bad_specs[_i].spec, &err);
  ck_assert_ptr_null (m);
  ck_assert_int_eq (err.code, FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, bad_specs[_i].needle) != NULL, "'%s' gave '%s', wanted '%s'",
                 bad_specs[_i].spec, err.msg, bad_specs[_i].needle);
}
END_TEST

START_TEST (registry_lists_exact)
{
  int found = 0;
  for (size_t k = 0; k < fga_method_count (); k++)
    {
      const fga_method_info *mi = fga_method_info_at (k);
      ck_assert_ptr_nonnull (mi->description);
      /* every default is accepted by its own parameter's validation */
      char spec[256];
      for (const fga_param_info *p = mi->params; p->key != NULL; p++)
        if (p->applies == NULL)
          {
            snprintf (spec, sizeof spec, "%s:%s=%s", mi->name, p->key, p->def);
            fga_error err;
            fga_method m = fga_method_create (spec, &err);
            ck_assert_msg (m != NULL, "%s: %s", spec, err.msg);
            fga_method_destroy (m);
          }
      found += strcmp (mi->name, "exact") == 0;
    }
  ck_assert_int_eq (found, 1);
  ck_assert_ptr_null (fga_method_info_at (fga_method_count ()));
}
END_TEST

START_TEST (run_checks_shapes)
{
  fga_error err;
  fga_method m = fga_method_create ("exact:algo=naive", &err);
  fga_mat_t Q, K, V, T;
  fga_mat_init (Q, 3, 2, NULL);
  fga_mat_init (K, 4, 2, NULL);
  fga_mat_init (V, 4, 5, NULL);
  fga_mat_init (T, 3, 4, NULL);
  fga_problem p = { 3, 4, 2, 5, { FGA_TAU_INV_D, 0 }, INFINITY, 1, 1 };
  ck_assert_int_eq (fga_method_run (m, T, NULL, Q, K, V, NULL, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "run before prepare"));
  ck_assert_int_eq (fga_method_prepare (m, &p, &err), FGA_OK);
  ck_assert_int_eq (fga_method_run (m, T, NULL, Q, K, V, NULL, &err), FGA_ERR_INPUT);
  ck_assert_str_eq (err.msg, "the output is 3 x 4 but the problem needs 3 x 5");
  fga_problem empty = p;
  empty.nk = 0;
  ck_assert_int_eq (fga_method_prepare (m, &empty, &err), FGA_ERR_INPUT);
  fga_problem badtau = p;
  badtau.tau.kind = FGA_TAU_VALUE;
  badtau.tau.value = -1;
  ck_assert_int_eq (fga_method_prepare (m, &badtau, &err), FGA_ERR_INPUT);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
  fga_method_destroy (m);
}
END_TEST

/* --- score radius -------------------------------------------------------- */

START_TEST (score_radius_bounds_scores)
{
  unsigned long state = fga_test_seed () | 1;
  for (int rep = 0; rep < 20; rep++)
    {
      size_t d = 1 + (size_t) rep % 9;
      fga_mat_t Q, K;
      fga_mat_init (Q, 7, d, NULL);
      fga_mat_init (K, 9, d, NULL);
      fga_test_fill_uniform (Q, 3, &state);
      fga_test_fill_uniform (K, 3, &state);
      /* the parallel case attains Cauchy--Schwarz: K's row 0 is Q's row 0 */
      memcpy (K->data, Q->data, d * sizeof (double));
      double tau = 1.0 / (double) d;
      double R = fga_score_radius (Q, K, tau);
      mpfr_t s, t;
      mpfr_inits2 (300, s, t, (mpfr_ptr) 0);
      for (size_t i = 0; i < 7; i++)
        for (size_t j = 0; j < 9; j++)
          {
            mpfr_set_zero (s, 1);
            for (size_t l = 0; l < d; l++)
              {
                mpfr_set_d (t, FGA_MAT (Q, i, l), MPFR_RNDN);
                mpfr_mul_d (t, t, FGA_MAT (K, j, l), MPFR_RNDN);
                mpfr_add (s, s, t, MPFR_RNDN);
              }
            mpfr_mul_d (s, s, tau, MPFR_RNDN);
            mpfr_abs (s, s, MPFR_RNDN);
            ck_assert_msg (mpfr_cmp_d (s, R) <= 0, "score above R = %.17g; seed %lu", R,
                           fga_test_seed ());
          }
      mpfr_clears (s, t, (mpfr_ptr) 0);
      fga_mat_clear (Q);
      fga_mat_clear (K);
    }
}
END_TEST

/* --- metrics --------------------------------------------------------------- */

START_TEST (ulp_distance_closed_forms)
{
  ck_assert (fga_ulp_distance (1.0, 1.0) == 0);
  ck_assert (fga_ulp_distance (0.0, -0.0) == 0);
  ck_assert (fga_ulp_distance (1.0, nextafter (1.0, 2)) == 1);
  ck_assert (fga_ulp_distance (1.0, nextafter (1.0, 0)) == 1);
  ck_assert (fga_ulp_distance (1.0, 1.0 + 4 * DBL_EPSILON) == 4);
  /* across zero: the two smallest subnormals of opposite sign are 2 apart */
  ck_assert (fga_ulp_distance (DBL_TRUE_MIN, -DBL_TRUE_MIN) == 2);
  /* 2^52 doubles in [1, 2) */
  ck_assert (fga_ulp_distance (1.0, 2.0) == 0x1p52);
  ck_assert (isinf (fga_ulp_distance (NAN, 1.0)));
  ck_assert (fga_ulp_distance (-DBL_MAX, DBL_MAX) == 2.0 * (0x7fefffffffffffffULL));
}
END_TEST

START_TEST (metrics_closed_forms)
{
  fga_mat_t A, B;
  fga_metrics mt;
  fga_error err;
  fga_mat_init (A, 2, 2, NULL);
  fga_mat_init (B, 2, 2, NULL);
  /* truth (3, 0; 0, 4), approx (3, 0; 0, 4) + (0, 2^-10; 0, -2^-9): exact differences */
  FGA_MAT (A, 0, 0) = 3;
  FGA_MAT (A, 1, 1) = 4;
  memcpy (B->data, A->data, 4 * sizeof (double));
  FGA_MAT (B, 0, 1) = 0x1p-10;
  FGA_MAT (B, 1, 1) = 4 - 0x1p-9;
  ck_assert_int_eq (fga_metrics_compute (&mt, A, B, &err), FGA_OK);
  ck_assert (mt.max_abs == 0x1p-9);
  ck_assert (mt.mean_abs == 3 * 0x1p-12);
  ck_assert_close (mt.rel_fro, sqrt (5.0) * 0x1p-10 / 5, 4, 0);
  /* from 0 to 2^-10 lie as many doubles as 2^-10's bit pattern counts */
  ck_assert (mt.max_ulps == (double) 0x3F50000000000000ULL);
  /* identical: all zero; huge values do not overflow the Frobenius norms */
  FGA_MAT (A, 0, 0) = 1e300;
  FGA_MAT (A, 1, 1) = -1e300;
  memcpy (B->data, A->data, 4 * sizeof (double));
  FGA_MAT (B, 0, 0) = 2e300;
  ck_assert_int_eq (fga_metrics_compute (&mt, A, B, &err), FGA_OK);
  ck_assert_close (mt.rel_fro, 1 / sqrt (2.0), 4, 0);
  ck_assert (mt.max_abs == 1e300);
  memcpy (B->data, A->data, 4 * sizeof (double));
  fga_metrics_compute (&mt, A, B, &err);
  ck_assert (mt.max_abs == 0 && mt.rel_fro == 0 && mt.max_ulps == 0);
  /* truth zero, approximation not: infinite relative error */
  memset (A->data, 0, 4 * sizeof (double));
  fga_metrics_compute (&mt, A, B, &err);
  ck_assert (isinf (mt.rel_fro));
  fga_mat_t C;
  fga_mat_init (C, 2, 3, NULL);
  ck_assert_int_eq (fga_metrics_compute (&mt, A, C, &err), FGA_ERR_INPUT);
  fga_mat_clear (A);
  fga_mat_clear (B);
  fga_mat_clear (C);
}
END_TEST

/* --- atomic files ---------------------------------------------------------- */

START_TEST (atomic_file_all_or_nothing)
{
  char dir[] = "/tmp/fgattn-t-core-XXXXXX";
  ck_assert_ptr_nonnull (mkdtemp (dir));
  char path[256];
  snprintf (path, sizeof path, "%s/out.txt", dir);
  fga_atomic_file af;
  fga_error err;

  /* an aborted write leaves nothing */
  ck_assert_int_eq (fga_atomic_open (&af, path, &err), FGA_OK);
  fputs ("half", af.fp);
  ck_assert_int_eq (access (path, F_OK), -1);
  ck_assert_uint_eq (fga_test_count_entries (dir), 1);     /* the temporary, under another name */
  fga_atomic_abort (&af);
  ck_assert_uint_eq (fga_test_count_entries (dir), 0);

  /* a committed write appears whole; the pending temporary is removable */
  ck_assert_int_eq (fga_atomic_open (&af, path, &err), FGA_OK);
  fputs ("whole\n", af.fp);
  ck_assert_int_eq (fga_atomic_commit (&af, &err), FGA_OK);
  ck_assert_int_eq (access (path, F_OK), 0);
  ck_assert_int_eq (fga_atomic_open (&af, path, &err), FGA_OK);
  fga_atomic_remove_pending ();         /* what the CLI's signal handler does */
  ck_assert_uint_eq (fga_test_count_entries (dir), 1);
  fga_atomic_abort (&af);
  FILE *fp = fopen (path, "r");
  char line[16] = "";
  ck_assert_ptr_nonnull (fgets (line, sizeof line, fp));
  fclose (fp);
  ck_assert_str_eq (line, "whole\n");      /* the earlier result is untouched */

  /* a missing folder is bad input */
  snprintf (path, sizeof path, "%s/no/such/out.txt", dir);
  ck_assert_int_eq (fga_atomic_open (&af, path, &err), FGA_ERR_INPUT);
  snprintf (path, sizeof path, "%s/out.txt", dir);
  unlink (path);
  rmdir (dir);
}
END_TEST

START_TEST (stats_json_written)
{
  char dir[] = "/tmp/fgattn-t-core-XXXXXX";
  ck_assert_ptr_nonnull (mkdtemp (dir));
  char path[256];
  snprintf (path, sizeof path, "%s/s.json", dir);
  fga_stats st;
  fga_stats_init (&st);
  st.n_mul = 123456789012ULL;
  fga_stats_set (&st, "degree", 7);
  fga_stats_set (&st, "degree", 8);
  fga_stats_set (&st, "bound", INFINITY);
  ck_assert (fga_stats_get (&st, "degree") == 8);
  ck_assert (isnan (fga_stats_get (&st, "nothing")));
  fga_problem p = { 3, 4, 2, 5, { FGA_TAU_INV_SQRT_D, 0 }, 2.5, 1, 1 };
  fga_error err;
  ck_assert_int_eq (fga_stats_write_json (path, &st, "exact:algo=naive", &p, &err), FGA_OK);
  FILE *fp = fopen (path, "r");
  char buf[4096];
  size_t n = fread (buf, 1, sizeof buf - 1, fp);
  buf[n] = '\0';
  fclose (fp);
  ck_assert_ptr_nonnull (strstr (buf, "\"mul\": 123456789012"));
  ck_assert_ptr_nonnull (strstr (buf, "\"degree\": 8"));
  ck_assert_ptr_nonnull (strstr (buf, "\"bound\": null"));
  ck_assert_ptr_nonnull (strstr (buf, "\"tau\": \"1/sqrt(d)\""));
  ck_assert_ptr_nonnull (strstr (buf, "\"method\": \"exact:algo=naive\""));
  unlink (path);
  rmdir (dir);
}
END_TEST

static Suite *
core_suite (void)
{
  Suite *s = suite_create ("core");
  TCase *tc = tcase_create ("matrices");
  tcase_add_test (tc, mat_init_zeroed_and_overflow);
  tcase_add_test (tc, mat_check_finite_names_entry);
  suite_add_tcase (s, tc);
  tc = tcase_create ("tau");
  tcase_add_test (tc, tau_parse_and_round);
  tcase_add_test (tc, score_radius_bounds_scores);
  suite_add_tcase (s, tc);
  tc = tcase_create ("methods");
  tcase_add_loop_test (tc, spec_good, 0, sizeof good_specs / sizeof good_specs[0]);
  tcase_add_loop_test (tc, spec_bad, 0, sizeof bad_specs / sizeof bad_specs[0]);
  tcase_add_test (tc, registry_lists_exact);
  tcase_add_test (tc, run_checks_shapes);
  suite_add_tcase (s, tc);
  tc = tcase_create ("metrics");
  tcase_add_test (tc, ulp_distance_closed_forms);
  tcase_add_test (tc, metrics_closed_forms);
  suite_add_tcase (s, tc);
  tc = tcase_create ("files");
  tcase_add_test (tc, atomic_file_all_or_nothing);
  tcase_add_test (tc, stats_json_written);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (core_suite ());
}
