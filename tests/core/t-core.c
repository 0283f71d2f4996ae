/* t-core -- errors, matrices, tau, the method registry and spec parsing, metrics, numbers from text, atomic files and groups */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

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
  /* the message names the shape that does not fit, and why */
  char want[128];
  snprintf (want, sizeof want, "a %zu x 3 matrix of doubles", SIZE_MAX / 4);
  ck_assert_msg (strstr (err.msg, want) != NULL && strstr (err.msg, "size_t") != NULL,
                 "message: %s", err.msg);
  ck_assert_int_eq (err.code, FGA_ERR_INPUT);
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

/* The vectorised scans on every length around their blocks of eight, with
   the odd entry (non-finite, or the largest) at every place: the answer
   is known by construction.  Finite includes DBL_MAX and subnormals; the
   maximum passes NaN over, as fmax does.  */
START_TEST (mat_scans_every_place)
{
  fga_error err;
  for (size_t n = 1; n <= 37; n++)
    {
      fga_mat_t m;
      ck_assert_int_eq (fga_mat_init (m, n, 1, &err), FGA_OK);
      for (size_t k = 0; k < n; k++)
        m->data[k] = k % 3 == 0 ? -0.0 : k % 3 == 1 ? 0x1p-1074 : -0.5;
      ck_assert_int_eq (fga_mat_check_finite (m, "X", &err), FGA_OK);
      for (size_t at = 0; at < n; at++)
        {
          const double keep = m->data[at];
          static const double odd[] = { NAN, INFINITY, -INFINITY };
          for (int o = 0; o < 3; o++)
            {
              m->data[at] = odd[o];
              ck_assert_int_eq (fga_mat_check_finite (m, "X", &err), FGA_ERR_INPUT);
              char want[64];
              snprintf (want, sizeof want, "X: entry (%zu, 0) is %s", at,
                        o == 0 ? "NaN" : o == 1 ? "+Inf" : "-Inf");
              ck_assert_str_eq (err.msg, want);
            }
          m->data[at] = -DBL_MAX;
          ck_assert_int_eq (fga_mat_check_finite (m, "X", &err), FGA_OK);
          ck_assert (fga_mat_max_abs (m) == DBL_MAX);
          /* NaN passed over: the largest of the others, scalar */
          m->data[at] = NAN;
          double e = 0;
          for (size_t k = 0; k < n; k++)
            if (k != at && fabs (m->data[k]) > e)
              e = fabs (m->data[k]);
          ck_assert (fga_mat_max_abs (m) == e);
          m->data[at] = keep;
        }
      fga_mat_clear (m);
    }
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

/* tau is read as strictly as every other number (fga_parse_real): what
   strtod alone takes, hexadecimal, infinities, spaces, a value that
   underflows, is refused with the reason; the symbolic forms stay.  The
   values expected are the compiler's readings of the same decimals.  */
START_TEST (tau_parse_strict)
{
  static const struct { const char *text, *reason; } bad[] = {
    { "0x1p-3", "hexadecimal" }, { "0X10", "hexadecimal" }, { "inf", "finite" },
    { "-inf", "finite" }, { "infinity", "finite" }, { "nan", NULL }, { " 0.5", "spaces" },
    { "0.5 ", "spaces" }, { "\t2", NULL }, { "1e-400", "too close to 0" },
    { "1e999", "too large" }, { "-0.5", "positive" }, { "0", "positive" }, { "-0", "positive" },
    { "0.5x", NULL }, { "1/d ", NULL }, { " 1/d", NULL }, { "1/D", NULL }, { "1/sqrt(d) ", NULL },
    { "", NULL }
  };
  fga_tau t;
  fga_error err;
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
    {
      t.kind = FGA_TAU_INV_D;
      t.value = 7;
      ck_assert_msg (fga_tau_parse (&t, bad[k].text, &err) == FGA_ERR_INPUT,
                     "tau '%s' was accepted as %.17g", bad[k].text, t.value);
      ck_assert_int_eq (err.code, FGA_ERR_INPUT);
      char head[64];
      snprintf (head, sizeof head, "tau '%s': ", bad[k].text);
      ck_assert_msg (strncmp (err.msg, head, strlen (head)) == 0 && err.msg[strlen (head)] != ' '
                     && strstr (err.msg, "1/sqrt(d)") != NULL, "message: %s", err.msg);
      if (bad[k].reason != NULL)
        ck_assert_msg (strstr (err.msg, bad[k].reason) != NULL, "tau '%s': message \"%s\" does "
                       "not say \"%s\"", bad[k].text, err.msg, bad[k].reason);
      ck_assert (t.kind == FGA_TAU_INV_D && t.value == 7);     /* untouched */
    }
  static const struct { const char *text; double value; } good[] = {
    { "0.5", 0.5 }, { "+0.5", 0.5 }, { "1e-3", 1e-3 }, { "2.5e2", 250 }, { ".125", 0.125 },
    { "3", 3 }, { "1e300", 1e300 }, { "2.2250738585072014e-308", 2.2250738585072014e-308 }
  };
  for (size_t k = 0; k < sizeof good / sizeof good[0]; k++)
    {
      ck_assert_msg (fga_tau_parse (&t, good[k].text, &err) == FGA_OK, "tau '%s': %s",
                     good[k].text, err.msg);
      ck_assert (t.kind == FGA_TAU_VALUE && t.value == good[k].value);
      ck_assert (fga_tau_double (&t, 5) == good[k].value);
    }
  ck_assert_int_eq (fga_tau_parse (&t, "1/sqrtd", &err), FGA_OK);
  ck_assert_int_eq (t.kind, FGA_TAU_INV_SQRT_D);
  ck_assert_int_eq (fga_tau_parse (&t, "1/d", &err), FGA_OK);
  ck_assert_int_eq (t.kind, FGA_TAU_INV_D);
}
END_TEST

/* --- method specs -------------------------------------------------------- */

static const struct { const char *spec, *canonical; } good_specs[] = {
  { "exact", "exact:algo=stream,block=0" },
  { "exact:algo=naive", "exact:algo=naive" },
  { "exact:algo=blas,block=128", "exact:algo=blas,block=128" },
  { "exact:algo=mpfr,prec=256", "exact:algo=mpfr,prec=256,prec_max=8192" },
  { "exact:prec_max=300,algo=mpfr", "exact:algo=mpfr,prec=128,prec_max=300" },
  /* a real written for a whole number is that number */
  { "exact:algo=mpfr,prec=1e3", "exact:algo=mpfr,prec=1000,prec_max=8192" },
  { "exact:algo=mpfr,prec=2.56e2", "exact:algo=mpfr,prec=256,prec_max=8192" },
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
  { "exact:block=1.5", "block=1.5: not a whole number" },
  { "exact:block=-1", "block=-1: outside [0, 1048576]" },
  { "exact:block= 1", "block=' 1': spaces around" },
  { "exact:block=0x10", "block=0x10: hexadecimal" },
  { "exact:algo=mpfr,prec=10", "prec=10: outside [64" },
  { "exact:algo=mpfr,prec=1e300", "prec=1e300: outside [64, 1048576]" },
  { "window:w=9007199254740993", "w=9007199254740993: outside [0, 9007199254740992]" },
  { "poly:budget=4611686018427387905", "budget=4611686018427387905: outside" },
  { "poly:budget=4611686018427387903", "not exactly a double" },
  { "poly:eps=inf", "eps=inf: not a finite number" },
  { "poly:eps=1e-400", "eps=1e-400: too close to 0" },
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
  /* 2^-10 against 0 is left out of max_ulps (one of them zero); 4 - 2^-9
     is 2^42 doubles (of spacing 2^-51 in [2, 4)) below 4; 0 against 0
     and 3 against 3 are at 0 */
  ck_assert (mt.max_ulps == 0x1p42 && mt.ulps_over == 3 && mt.ulps_left_out == 1);
  /* from 0 to 2^-10 lie as many doubles as 2^-10's bit pattern counts */
  ck_assert (fga_ulp_distance (0x1p-10, 0) == (double) 0x3F50000000000000ULL);
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

/* The metrics from their definitions in MPFR, independent of
   fga_metrics_compute: each difference exact (at most 1024 + 1074 + 1
   bits), the sums, the mean and the norms at 256 bits.  */
typedef struct
{
  mpfr_t max_abs, mean_abs, rel_fro;
} ref_metrics;

static void
ref_metrics_init (ref_metrics *r, fga_mat_srcptr truth, fga_mat_srcptr approx)
{
  const size_t n = truth->rows * truth->cols;
  mpfr_exp_t emin = mpfr_get_emin (), emax = mpfr_get_emax ();
  mpfr_set_emin (mpfr_get_emin_min ());
  mpfr_set_emax (mpfr_get_emax_max ());
  mpfr_t d, sq, sn, sd, sm;
  mpfr_inits2 (2200, d, r->max_abs, (mpfr_ptr) 0);
  mpfr_inits2 (256, sq, sn, sd, sm, r->mean_abs, r->rel_fro, (mpfr_ptr) 0);
  mpfr_set_zero (r->max_abs, 1);
  mpfr_set_zero (sn, 1);
  mpfr_set_zero (sd, 1);
  mpfr_set_zero (sm, 1);
  for (size_t k = 0; k < n; k++)
    {
      ck_assert_int_eq (mpfr_set_d (d, approx->data[k], MPFR_RNDN), 0);
      ck_assert_int_eq (mpfr_sub_d (d, d, truth->data[k], MPFR_RNDN), 0);   /* exact */
      mpfr_abs (d, d, MPFR_RNDN);
      if (mpfr_cmp (d, r->max_abs) > 0)
        mpfr_set (r->max_abs, d, MPFR_RNDN);
      mpfr_add (sm, sm, d, MPFR_RNDN);
      mpfr_sqr (sq, d, MPFR_RNDN);
      mpfr_add (sn, sn, sq, MPFR_RNDN);
      mpfr_set_d (sq, truth->data[k], MPFR_RNDN);
      mpfr_sqr (sq, sq, MPFR_RNDN);
      mpfr_add (sd, sd, sq, MPFR_RNDN);
    }
  mpfr_div_ui (r->mean_abs, sm, (unsigned long) n, MPFR_RNDN);
  if (mpfr_zero_p (sn))
    mpfr_set_zero (r->rel_fro, 1);
  else if (mpfr_zero_p (sd))
    mpfr_set_inf (r->rel_fro, 1);
  else
    {
      mpfr_div (sq, sn, sd, MPFR_RNDN);
      mpfr_sqrt (r->rel_fro, sq, MPFR_RNDN);
    }
  mpfr_clears (d, sq, sn, sd, sm, (mpfr_ptr) 0);
  mpfr_set_emin (emin);
  mpfr_set_emax (emax);
}

static void
ref_metrics_clear (ref_metrics *r)
{
  mpfr_clears (r->max_abs, r->mean_abs, r->rel_fro, (mpfr_ptr) 0);
}

/* The exact value rounded to nearest in the double format, overflow and
   subnormals included (mpfr_get_d does both, at the default exponent
   range).  */
static double
ref_rn (mpfr_srcptr x)
{
  return mpfr_get_d (x, MPFR_RNDN);
}

/* |got - want| <= bound want + 2^-1074 (the absolute slack of a subnormal
   result), or, for got = +Inf, want beyond DBL_MAX (1 - bound): the
   accuracy metrics.c states, checked on the exact value.  */
static void
assert_within (double got, mpfr_srcptr want, double bound, const char *what, const char *tag)
{
  mpfr_exp_t emin = mpfr_get_emin (), emax = mpfr_get_emax ();
  mpfr_set_emin (mpfr_get_emin_min ());
  mpfr_set_emax (mpfr_get_emax_max ());
  mpfr_t diff, lim;
  mpfr_inits2 (256, diff, lim, (mpfr_ptr) 0);
  int ok;
  if (isinf (got) && got > 0)
    ok = mpfr_inf_p (want) || mpfr_cmp_d (want, DBL_MAX * (1 - bound)) >= 0;
  else if (!isfinite (got))
    ok = 0;
  else
    {
      mpfr_sub_d (diff, want, got, MPFR_RNDN);
      mpfr_abs (diff, diff, MPFR_RNDN);
      mpfr_mul_d (lim, want, bound, MPFR_RNDU);
      mpfr_add_d (lim, lim, DBL_TRUE_MIN, MPFR_RNDU);
      ok = mpfr_number_p (want) && mpfr_cmp (diff, lim) <= 0;
    }
  mpfr_set_emin (emin);
  mpfr_set_emax (emax);
  if (!ok)
    {
      mpfr_div (diff, diff, want, MPFR_RNDN);
      ck_assert_msg (ok, "%s: %s = %.17g, exact %.17g (relative error %.3g u, bound %.3g u); "
                     "FGATTN_TEST_SEED=%lu", tag, what, got, mpfr_get_d (want, MPFR_RNDN),
                     mpfr_get_d (diff, MPFR_RNDN) / 0x1p-53, bound / 0x1p-53,
                     fga_test_seed ());
    }
  mpfr_clears (diff, lim, (mpfr_ptr) 0);
}

static double
gamma_u (double m)
{
  return m * 0x1p-53 / (1 - m * 0x1p-53);
}

/* Every metric of approx against truth within the bounds metrics.c
   states: max_abs correctly rounded (+Inf exactly when the true maximum
   rounds to it), mean_abs within 3 u + gamma_n^2 + 4 u^2, rel_fro within
   3.5 u + gamma_2n^2 + 2^-74, max_ulps by its definition.  */
static void
check_metrics (fga_mat_srcptr truth, fga_mat_srcptr approx, const char *tag)
{
  const double u = 0x1p-53;
  const size_t n = truth->rows * truth->cols;
  fga_metrics mt;
  fga_error err;
  ck_assert_int_eq (fga_metrics_compute (&mt, truth, approx, &err), FGA_OK);
  ref_metrics r;
  ref_metrics_init (&r, truth, approx);
  double want = ref_rn (r.max_abs);
  ck_assert_msg (mt.max_abs == want || (isinf (want) && isinf (mt.max_abs)),
                 "%s: max_abs = %.17g, the exact maximum rounds to %.17g; FGATTN_TEST_SEED=%lu",
                 tag, mt.max_abs, want, fga_test_seed ());
  double g1 = gamma_u ((double) n), g2 = gamma_u (2.0 * (double) n);
  assert_within (mt.mean_abs, r.mean_abs, 3 * u + g1 * g1 + 4 * u * u, "mean_abs", tag);
  if (mpfr_zero_p (r.rel_fro))
    ck_assert_msg (mt.rel_fro == 0, "%s: rel_fro = %g, not 0", tag, mt.rel_fro);
  else
    assert_within (mt.rel_fro, r.rel_fro, 3.5 * u + g2 * g2 + 0x1p-74, "rel_fro", tag);
  /* max_ulps by its definition: over the entries both zero or both
     nonzero of one sign, +Inf if one is not finite, NaN if none is kept */
  double ulps = 0;
  size_t left = 0;
  int finite = 1;
  for (size_t k = 0; k < n; k++)
    {
      double a = approx->data[k], t = truth->data[k];
      if (!isfinite (a) || !isfinite (t))
        finite = 0;
      else if ((a == 0) != (t == 0) || (a != 0 && signbit (a) != signbit (t)))
        left++;
      else
        ulps = fmax (ulps, fga_ulp_distance (a, t));
    }
  ulps = !finite ? INFINITY : n > 0 && left == n ? NAN : ulps;
  ck_assert_msg (isnan (ulps) ? isnan (mt.max_ulps) : mt.max_ulps == ulps,
                 "%s: max_ulps = %g, expected %g", tag, mt.max_ulps, ulps);
  ck_assert (mt.ulps_left_out == left && mt.ulps_over == n - left);
  ref_metrics_clear (&r);
}

static void
fill2 (fga_mat_ptr M, const double *v)
{
  memcpy (M->data, v, M->rows * M->cols * sizeof (double));
}

/* Huge entries: differences that overflow the double range, sums of
   squares far beyond it.  Expected values in closed form where they are
   exact, and from MPFR.  */
START_TEST (metrics_huge)
{
  fga_mat_t A, B;
  fga_metrics mt;
  fga_error err;
  fga_mat_init (A, 2, 2, NULL);
  fga_mat_init (B, 2, 2, NULL);
  /* differences 2e308 (twice the double 1e308, beyond DBL_MAX), 2e308, 0, 0 */
  fill2 (A, (const double[]) { 1e308, -1e308, DBL_MAX, 0.5 });
  fill2 (B, (const double[]) { -1e308, 1e308, DBL_MAX, 0.5 });
  ck_assert_int_eq (fga_metrics_compute (&mt, A, B, &err), FGA_OK);
  ck_assert (isinf (mt.max_abs) && mt.max_abs > 0);
  ck_assert (mt.mean_abs == 1e308);               /* (2 a + 2 a) / 4 = a, a the double 1e308 */
  ck_assert (isfinite (mt.rel_fro) && mt.rel_fro > 1);
  check_metrics (A, B, "+-1e308");

  /* every entry DBL_MAX against -DBL_MAX: the mean 2 DBL_MAX overflows for
     real, the relative error is exactly 2 */
  fill2 (A, (const double[]) { DBL_MAX, -DBL_MAX, DBL_MAX, -DBL_MAX });
  fill2 (B, (const double[]) { -DBL_MAX, DBL_MAX, -DBL_MAX, DBL_MAX });
  ck_assert_int_eq (fga_metrics_compute (&mt, A, B, &err), FGA_OK);
  ck_assert (isinf (mt.max_abs) && isinf (mt.mean_abs));
  ck_assert (mt.rel_fro == 2);
  check_metrics (A, B, "+-DBL_MAX");

  /* the same with one entry of the truth 0: ||T - Att||^2 = 3 (2M)^2 + M^2,
     ||Att||^2 = 3 M^2, so rel_fro = sqrt (13 / 3) */
  FGA_MAT (A, 1, 1) = 0;
  ck_assert_int_eq (fga_metrics_compute (&mt, A, B, &err), FGA_OK);
  ck_assert_close (mt.rel_fro, sqrt (13.0 / 3.0), 4, 0);
  check_metrics (A, B, "+-DBL_MAX and 0");

  /* small relative errors on huge entries: one ulp of DBL_MAX each */
  fill2 (A, (const double[]) { DBL_MAX, -DBL_MAX, 1e308, -1.5e308 });
  fill2 (B, (const double[]) { nextafter (DBL_MAX, 0), -DBL_MAX, nextafter (1e308, INFINITY),
                               nextafter (-1.5e308, 0) });
  ck_assert_int_eq (fga_metrics_compute (&mt, A, B, &err), FGA_OK);
  ck_assert (mt.max_abs == 0x1p971 && mt.max_ulps == 1);
  check_metrics (A, B, "ulps of DBL_MAX");
  fga_mat_clear (A);
  fga_mat_clear (B);

  /* the threshold of +Inf: DBL_MAX + 2^970 is where round to nearest
     overflows (a tie, to the even 2^1024), DBL_MAX + 2^969 rounds to DBL_MAX */
  fga_mat_init (A, 1, 1, NULL);
  fga_mat_init (B, 1, 1, NULL);
  FGA_MAT (A, 0, 0) = DBL_MAX;
  FGA_MAT (B, 0, 0) = -0x1p970;
  ck_assert_int_eq (fga_metrics_compute (&mt, A, B, &err), FGA_OK);
  ck_assert (isinf (mt.max_abs) && isinf (mt.mean_abs));
  check_metrics (A, B, "DBL_MAX + 2^970");
  FGA_MAT (B, 0, 0) = -0x1p969;
  ck_assert_int_eq (fga_metrics_compute (&mt, A, B, &err), FGA_OK);
  ck_assert (mt.max_abs == DBL_MAX && mt.mean_abs == DBL_MAX);
  check_metrics (A, B, "DBL_MAX + 2^969");
  FGA_MAT (B, 0, 0) = -DBL_MAX;
  ck_assert_int_eq (fga_metrics_compute (&mt, A, B, &err), FGA_OK);
  ck_assert (mt.rel_fro == 2 && isinf (mt.max_abs));
  fga_mat_clear (A);
  fga_mat_clear (B);
}
END_TEST

/* Subnormal entries and differences: nothing underflows to a false 0, and
   a relative error of 2^-1074 against 1e300 rounds to 0 while max_abs
   still tells the matrices apart.  */
START_TEST (metrics_tiny)
{
  const double m = DBL_TRUE_MIN;
  fga_mat_t A, B;
  fga_metrics mt;
  fga_error err;
  fga_mat_init (A, 2, 3, NULL);
  fga_mat_init (B, 2, 3, NULL);
  /* differences 1, 2, 2, 16, 1, 3 times 2^-1074, all exact */
  fill2 (A, (const double[]) { m, 3 * m, -m, 0, 0x1p-1022, -5 * m });
  fill2 (B, (const double[]) { 0, m, m, 0x1p-1070, 0x1p-1022 + m, -2 * m });
  ck_assert_int_eq (fga_metrics_compute (&mt, A, B, &err), FGA_OK);
  ck_assert (mt.max_abs == 0x1p-1070);
  /* the mean 25/6 2^-1074 is subnormal: within one unit of it */
  ck_assert (mt.mean_abs == 4 * m);
  /* sqrt (1 + 4 + 4 + 256 + 1 + 9) / sqrt (1 + 9 + 1 + 0 + 2^104 + 25), the
     scale 2^-1074 cancelling */
  ck_assert_close (mt.rel_fro, sqrt (275.0 / (0x1p104 + 36.0)), 4, 0);
  check_metrics (A, B, "subnormal");

  /* only subnormal truth: the norm of the truth does not underflow */
  fill2 (A, (const double[]) { m, -m, m, 0, 0, m });
  fill2 (B, (const double[]) { 2 * m, -m, m, 0, 0, m });
  ck_assert_int_eq (fga_metrics_compute (&mt, A, B, &err), FGA_OK);
  ck_assert (mt.rel_fro == 0.5 && mt.max_abs == m && mt.max_ulps == 1);   /* 1 / sqrt (4) */
  check_metrics (A, B, "subnormal truth");

  /* 2^-1074 against 2^-1000: rel_fro = 2^-74 / sqrt (1 + 2^-148), which rounds to 2^-74 */
  fill2 (A, (const double[]) { 0x1p-1000, m, 0, 0, 0, 0 });
  fill2 (B, (const double[]) { 0x1p-1000, 0, 0, 0, 0, 0 });
  ck_assert_int_eq (fga_metrics_compute (&mt, A, B, &err), FGA_OK);
  ck_assert (mt.rel_fro == 0x1p-74 && mt.max_abs == m);
  check_metrics (A, B, "2^-1074 against 2^-1000");

  /* 2^-1074 against 1e300: the ratio, about 5e-625, rounds to 0 */
  FGA_MAT (A, 0, 0) = FGA_MAT (B, 0, 0) = 1e300;
  ck_assert_int_eq (fga_metrics_compute (&mt, A, B, &err), FGA_OK);
  ck_assert (mt.rel_fro == 0 && mt.max_abs == m);
  /* 2^-1074 against 0 is left out of max_ulps: the others are equal */
  ck_assert (mt.max_ulps == 0 && mt.ulps_left_out == 1 && mt.ulps_over == 5);
  check_metrics (A, B, "2^-1074 against 1e300");

  /* huge and subnormal differences together: the small ones do not vanish
     from the mean's exactness more than the bound allows */
  fill2 (A, (const double[]) { DBL_MAX, m, -m, 1, 0x1p-1022, -DBL_MAX });
  fill2 (B, (const double[]) { -DBL_MAX, 0, m, 1 + 0x1p-52, 0, 0.5 });
  check_metrics (A, B, "DBL_MAX and 2^-1074");

  /* a NaN or an infinity is an infinite error */
  FGA_MAT (B, 1, 2) = NAN;
  ck_assert_int_eq (fga_metrics_compute (&mt, A, B, &err), FGA_OK);
  ck_assert (isinf (mt.max_abs) && isinf (mt.rel_fro) && isinf (mt.mean_abs)
             && isinf (mt.max_ulps));
  FGA_MAT (B, 1, 2) = 0;
  FGA_MAT (A, 0, 1) = -INFINITY;
  ck_assert_int_eq (fga_metrics_compute (&mt, A, B, &err), FGA_OK);
  ck_assert (isinf (mt.max_abs) && isinf (mt.rel_fro) && isinf (mt.mean_abs));
  fga_mat_clear (A);
  fga_mat_clear (B);
}
END_TEST

/* A generator independent of the library's: xorshift64*.  */
static uint64_t
xs_next (uint64_t *s)
{
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * UINT64_C (2685821657736338717);
}

/* A finite double with a random sign, random significand and a biased
   exponent uniform in [lo, hi] (0 gives the subnormals).  */
static double
xs_double (uint64_t *s, unsigned lo, unsigned hi)
{
  uint64_t r = xs_next (s);
  uint64_t e = lo + xs_next (s) % (hi - lo + 1);
  uint64_t b = (r & UINT64_C (0x800FFFFFFFFFFFFF)) | (e << 52);
  double x;
  memcpy (&x, &b, sizeof x);
  return x;
}

/* Random matrices over the whole double range, or its top or its bottom,
   with approximations equal, one ulp away, relatively close, of the
   opposite sign or unrelated: every metric against MPFR.  */
START_TEST (metrics_random_ranges)
{
  static const unsigned ranges[][2] = { { 0, 2046 }, { 1990, 2046 }, { 0, 60 }, { 900, 1150 } };
  uint64_t st = fga_test_seed () * UINT64_C (0x9E3779B97F4A7C15) + 7 + (uint64_t) _i;
  if (st == 0)
    st = 1;
  const unsigned lo = ranges[_i % 4][0], hi = ranges[_i % 4][1];
  const size_t rows = 1 + (size_t) (xs_next (&st) % 9), cols = 1 + (size_t) (xs_next (&st) % 7);
  fga_mat_t A, B;
  fga_mat_init (A, rows, cols, NULL);
  fga_mat_init (B, rows, cols, NULL);
  for (size_t k = 0; k < rows * cols; k++)
    {
      double a = xs_double (&st, lo, hi), b;
      switch (xs_next (&st) % 6)
        {
        case 0: b = a; break;
        case 1: b = nextafter (a, xs_next (&st) & 1 ? INFINITY : -INFINITY); break;
        case 2: b = a * (1 + ldexp ((double) (xs_next (&st) % 1000) - 500, -30)); break;
        case 3: b = -a; break;
        default: b = xs_double (&st, lo, hi); break;
        }
      if (!isfinite (b))
        b = a;
      A->data[k] = a;
      B->data[k] = b;
    }
  char tag[64];
  snprintf (tag, sizeof tag, "random case %d (%zu x %zu, exponents %u..%u)", _i, rows, cols,
            lo, hi);
  check_metrics (A, B, tag);
  check_metrics (B, A, tag);
  fga_mat_clear (A);
  fga_mat_clear (B);
}
END_TEST

/* Many entries of one size: a plain loop's rounding grows with n (16 u
   on the mean and 50 u on the sum of squares of such data, measured in
   exact rationals), the compensated sums stay within the bounds, which do
   not.  */
START_TEST (metrics_many_entries)
{
  uint64_t st = fga_test_seed () * UINT64_C (0xD1B54A32D192ED03) + 11;
  if (st == 0)
    st = 1;
  const size_t rows = 300, cols = 300;
  fga_mat_t A, B;
  fga_mat_init (A, rows, cols, NULL);
  fga_mat_init (B, rows, cols, NULL);
  for (size_t k = 0; k < rows * cols; k++)
    {
      /* in (-2, -1] or [1, 2), independent: differences of 53 bits, so
         that a plain sum would round at nearly every step */
      A->data[k] = xs_double (&st, 1023, 1023);
      B->data[k] = xs_double (&st, 1023, 1023);
    }
  check_metrics (A, B, "90000 entries of size 1");
  for (size_t k = 0; k < rows * cols; k++)
    {
      A->data[k] = ldexp (A->data[k], 1000);
      B->data[k] = ldexp (B->data[k], 1000);
    }
  check_metrics (A, B, "90000 entries near 2^1000");
  fga_mat_clear (A);
  fga_mat_clear (B);
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

/* --- numbers from text ----------------------------------------------------- */

/* kind: 's' fga_parse_size, 'u' fga_parse_ulong, 'l' fga_parse_long, 'i'
   fga_parse_int_double, 'r' fga_parse_real.  want: the value when rc is
   FGA_OK, else a piece of the message.  */
static const struct
{
  char kind;
  const char *text;
  double min, max;
  unsigned flags;
  int rc;
  double value;
  const char *needle;
} parse_cases[] = {
  { 's', "42", 0, 1e6, 0, FGA_OK, 42, NULL },
  { 's', "1e6", 0, 1e6, 0, FGA_OK, 1e6, NULL },
  { 's', "2.50e1", 0, 1e6, 0, FGA_OK, 25, NULL },
  { 's', "0.0e-7", 0, 1e6, 0, FGA_OK, 0, NULL },
  { 's', "007", 0, 1e6, 0, FGA_OK, 7, NULL },
  { 's', "1e6", 0, 999999, 0, FGA_ERR_INPUT, 0, "n 1e6: must not be larger (at most 999999)" },
  { 's', " -5", 0, 1e6, 0, FGA_ERR_INPUT, 0, "n ' -5': spaces around the number" },
  { 's', "5 ", 0, 1e6, 0, FGA_ERR_INPUT, 0, "spaces around" },
  { 's', "-5", 0, 1e6, 0, FGA_ERR_INPUT, 0, "n -5: must not be negative" },
  { 's', "+5", 0, 1e6, 0, FGA_ERR_INPUT, 0, "no sign" },
  { 's', "0x10", 0, 1e6, 0, FGA_ERR_INPUT, 0, "hexadecimal" },
  { 's', "inf", 0, 1e6, 0, FGA_ERR_INPUT, 0, "not a finite number" },
  { 's', "nan", 0, 1e6, 0, FGA_ERR_INPUT, 0, "not a finite number" },
  { 's', "1.5", 0, 1e6, 0, FGA_ERR_INPUT, 0, "not a whole number" },
  { 's', "1e-3", 0, 1e6, 0, FGA_ERR_INPUT, 0, "not a whole number" },
  { 's', "", 0, 1e6, 0, FGA_ERR_INPUT, 0, "found nothing" },
  { 's', "12x", 0, 1e6, 0, FGA_ERR_INPUT, 0, "expected a whole number" },
  { 's', "1e", 0, 1e6, 0, FGA_ERR_INPUT, 0, "expected a whole number" },
  { 's', "0", 1, 1e6, 0, FGA_ERR_INPUT, 0, "n 0: outside [1, 1000000]" },
  { 's', "1e300", 0, 1e6, 0, FGA_ERR_INPUT, 0, "n 1e300: too large" },
  { 's', "18446744073709551616", 0, 1e6, 0, FGA_ERR_INPUT, 0, "too large" },
  { 'u', "9223372036854775807", 0, 9223372036854775807.0, 0, FGA_OK, 9223372036854775807.0,
    NULL },
  { 'l', "-5", -10, 10, 0, FGA_OK, -5, NULL },
  { 'l', "-1e1", -10, 10, 0, FGA_OK, -10, NULL },
  { 'l', "-11", -10, 10, 0, FGA_ERR_INPUT, 0, "outside [-10, 10]" },
  { 'l', "-9223372036854775809", -10, 10, 0, FGA_ERR_INPUT, 0, "too large in magnitude" },
  { 'i', "9007199254740992", 0, 9007199254740992.0, 0, FGA_OK, 9007199254740992.0, NULL },
  { 'i', "9007199254740993", 0, 9007199254740992.0, 0, FGA_ERR_INPUT, 0,
    "n 9007199254740993: outside [0, 9007199254740992]" },
  { 'i', "4.6e18", 1, 4611686018427387904.0, 0, FGA_OK, 4.6e18, NULL },
  { 'i', "4611686018427387904", 1, 4611686018427387904.0, 0, FGA_OK, 4611686018427387904.0,
    NULL },
  { 'i', "4611686018427387903", 1, 4611686018427387904.0, 0, FGA_ERR_INPUT, 0,
    "not exactly a double" },
  { 'i', "-1", 0, 10, 0, FGA_ERR_INPUT, 0, "outside [0, 10]" },
  { 'i', "1e300", 0, 10, 0, FGA_ERR_INPUT, 0, "n 1e300: outside [0, 10]" },
  { 'r', "0.5", 0, 1, FGA_PARSE_OPEN_MIN | FGA_PARSE_OPEN_MAX, FGA_OK, 0.5, NULL },
  { 'r', "-2.5e-3", -1, 1, 0, FGA_OK, -2.5e-3, NULL },
  { 'r', "1", 0, 1, FGA_PARSE_OPEN_MAX, FGA_ERR_INPUT, 0, "n 1: outside [0, 1)" },
  { 'r', "0", 0, INFINITY, FGA_PARSE_OPEN_MIN, FGA_ERR_INPUT, 0, "n 0: must be positive" },
  { 'r', "-1", 0, INFINITY, 0, FGA_ERR_INPUT, 0, "must not be negative" },
  { 'r', "inf", 0, INFINITY, 0, FGA_ERR_INPUT, 0, "not a finite number" },
  { 'r', "inf", 0, INFINITY, FGA_PARSE_INF, FGA_OK, INFINITY, NULL },
  { 'r', "nan", -INFINITY, INFINITY, FGA_PARSE_INF, FGA_ERR_INPUT, 0, "not a finite number" },
  { 'r', "1e400", 0, INFINITY, 0, FGA_ERR_INPUT, 0, "too large for a double" },
  { 'r', "1e-400", 0, INFINITY, 0, FGA_ERR_INPUT, 0, "too close to 0" },
  { 'r', "0x1p3", 0, INFINITY, 0, FGA_ERR_INPUT, 0, "hexadecimal" },
  { 'r', " 1", 0, INFINITY, 0, FGA_ERR_INPUT, 0, "spaces around" },
  { 'r', "1.5.2", 0, INFINITY, 0, FGA_ERR_INPUT, 0, "expected a number" },
};

START_TEST (parse_numbers)
{
  fga_error err;
  fga_error_init (&err);
  size_t zs = 7;
  unsigned long zu = 7;
  long zl = 7;
  double x = 7;
  int rc = FGA_OK;
  const char *text = parse_cases[_i].text;
  double lo = parse_cases[_i].min, hi = parse_cases[_i].max;
  switch (parse_cases[_i].kind)
    {
    case 's':
      rc = fga_parse_size (&zs, text, (size_t) lo, (size_t) hi, "n", &err);
      x = (double) zs;
      break;
    case 'u':
      rc = fga_parse_ulong (&zu, text, (unsigned long) lo, (unsigned long) hi, "n", &err);
      x = (double) zu;
      break;
    case 'l':
      rc = fga_parse_long (&zl, text, (long) lo, (long) hi, "n", &err);
      x = (double) zl;
      break;
    case 'i':
      rc = fga_parse_int_double (&x, text, lo, hi, "n", &err);
      break;
    default:
      rc = fga_parse_real (&x, text, lo, hi, parse_cases[_i].flags, "n", &err);
      break;
    }
  ck_assert_msg (rc == parse_cases[_i].rc, "'%s': status %d, wanted %d (%s)", text, rc,
                 parse_cases[_i].rc, err.msg);
  if (rc == FGA_OK)
    ck_assert_msg (x == parse_cases[_i].value, "'%s' read as %.17g", text, x);
  else
    {
      /* refused: the output untouched, the message names the text */
      ck_assert_msg (x == 7 || parse_cases[_i].kind != 'r', "'%s': output changed", text);
      ck_assert_int_eq (err.code, FGA_ERR_INPUT);
      ck_assert_msg (strstr (err.msg, parse_cases[_i].needle) != NULL,
                     "'%s' gave '%s', wanted '%s'", text, err.msg, parse_cases[_i].needle);
    }
}
END_TEST

START_TEST (parse_unsigned_extremes)
{
  fga_error err;
  size_t z = 0;
  /* " -5" is not 2^64 - 5, as strtoull would read it */
  ck_assert_int_eq (fga_parse_size (&z, " -5", 0, SIZE_MAX, "-n", &err), FGA_ERR_INPUT);
  ck_assert_int_eq (z, 0);
  ck_assert_int_eq (fga_parse_size (&z, "18446744073709551615", 0, SIZE_MAX, "-n", &err),
                    FGA_OK);
  ck_assert (z == SIZE_MAX);
  ck_assert_int_eq (fga_parse_size (&z, "1.8446744073709551615e19", 0, SIZE_MAX, "-n", &err),
                    FGA_OK);
  ck_assert (z == SIZE_MAX);
  long l = 0;
  ck_assert_int_eq (fga_parse_long (&l, "-9223372036854775808", LONG_MIN, LONG_MAX, "-k", &err),
                    FGA_OK);
  ck_assert (l == LONG_MIN);
  /* "what" ending in '=' is followed by the text directly */
  ck_assert_int_eq (fga_parse_long (&l, "x", 0, 1, "method m: k=", &err), FGA_ERR_INPUT);
  ck_assert_str_eq (err.msg, "method m: k=x: expected a whole number");
}
END_TEST

/* --- atomic groups ------------------------------------------------------------ */

static void
write_file (const char *path, const char *text)
{
  FILE *fp = fopen (path, "w");
  ck_assert_ptr_nonnull (fp);
  fputs (text, fp);
  ck_assert_int_eq (fclose (fp), 0);
}

/* The first line of path, or "" when it cannot be read.  */
static const char *
read_line (const char *path)
{
  static char line[256];
  line[0] = '\0';
  FILE *fp = fopen (path, "r");
  if (fp == NULL)
    return "(absent)";
  if (fgets (line, sizeof line, fp) == NULL)
    line[0] = '\0';
  fclose (fp);
  return line;
}

/* A folder with old versions of a and b (c absent); the paths in p[3].  */
static void
group_setup (char *dir, char p[3][256])
{
  strcpy (dir, "/tmp/fgattn-t-group-XXXXXX");
  ck_assert_ptr_nonnull (mkdtemp (dir));
  for (int k = 0; k < 3; k++)
    snprintf (p[k], 256, "%s/%c.txt", dir, 'a' + k);
  write_file (p[0], "old a\n");
  write_file (p[1], "old b\n");
}

static void
group_teardown (const char *dir, char p[3][256])
{
  for (int k = 0; k < 3; k++)
    unlink (p[k]);
  ck_assert_msg (rmdir (dir) == 0, "%s: left behind: %zu entries", dir,
                 fga_test_count_entries (dir));
}

/* Adds the three files and writes "new X" into each temporary, except
   member skip (-1: none).  */
static fga_atomic_group
group_fill (char p[3][256], int skip)
{
  fga_error err;
  fga_atomic_group g = fga_atomic_group_create (&err);
  ck_assert_ptr_nonnull (g);
  for (int k = 0; k < 3; k++)
    {
      const char *tmp = fga_atomic_group_file (g, p[k], &err);
      ck_assert_msg (tmp != NULL, "%s: %s", p[k], err.msg);
      ck_assert_str_ne (tmp, p[k]);
      char text[32];
      snprintf (text, sizeof text, "new %c\n", 'a' + k);
      if (k != skip)
        write_file (tmp, text);
      else
        unlink (tmp);
    }
  return g;
}

START_TEST (group_commits_all)
{
  char dir[64], p[3][256];
  fga_error err;
  group_setup (dir, p);
  fga_atomic_group g = group_fill (p, -1);
  /* before the commit nothing under a real name has changed */
  ck_assert_str_eq (read_line (p[0]), "old a\n");
  ck_assert_str_eq (read_line (p[2]), "(absent)");
  ck_assert_int_eq (fga_atomic_group_commit (g, &err), FGA_OK);
  fga_atomic_group_destroy (g);
  ck_assert_str_eq (read_line (p[0]), "new a\n");
  ck_assert_str_eq (read_line (p[1]), "new b\n");
  ck_assert_str_eq (read_line (p[2]), "new c\n");
  ck_assert_uint_eq (fga_test_count_entries (dir), 3);   /* no temporary, no backup */
  group_teardown (dir, p);
}
END_TEST

START_TEST (group_abort_and_unwritten)
{
  char dir[64], p[3][256];
  fga_error err;
  group_setup (dir, p);
  /* destroyed before its commit: nothing changes, nothing stays */
  fga_atomic_group g = group_fill (p, -1);
  fga_atomic_group_destroy (g);
  ck_assert_str_eq (read_line (p[0]), "old a\n");
  ck_assert_str_eq (read_line (p[2]), "(absent)");
  ck_assert_uint_eq (fga_test_count_entries (dir), 2);
  /* a member never written: the commit refuses, and replaces nothing */
  g = group_fill (p, 2);
  ck_assert_int_eq (fga_atomic_group_commit (g, &err), FGA_ERR_IO);
  ck_assert_msg (strstr (err.msg, "c.txt: its new version was not written") != NULL, "%s",
                 err.msg);
  fga_atomic_group_destroy (g);
  ck_assert_str_eq (read_line (p[0]), "old a\n");
  ck_assert_str_eq (read_line (p[1]), "old b\n");
  ck_assert_uint_eq (fga_test_count_entries (dir), 2);
  group_teardown (dir, p);
}
END_TEST

/* The hook of the commit (src/core/atomic_file.c, for the tests only).  */
extern void (*fgap_atomic_group_hook) (size_t k);
static char (*sabotage)[256];

/* After member 0 is renamed, member 1's new version disappears: its rename
   fails, and the commit must put member 0's old version back.  */
static void
remove_next (size_t k)
{
  char name[512];
  if (k != 0)
    return;
  /* the temporaries of member 1 are the only ".b.txt.new-*" files */
  DIR *dp = opendir (sabotage[0]);
  struct dirent *e;
  while ((e = readdir (dp)) != NULL)
    if (strncmp (e->d_name, ".b.txt.new-", 11) == 0)
      {
        snprintf (name, sizeof name, "%s/%s", sabotage[0], e->d_name);
        unlink (name);
      }
  closedir (dp);
}

START_TEST (group_rolls_back)
{
  char dir[64], p[3][256];
  char d[1][256];
  fga_error err;
  group_setup (dir, p);
  snprintf (d[0], sizeof d[0], "%s", dir);
  sabotage = d;
  fga_atomic_group g = group_fill (p, -1);
  fgap_atomic_group_hook = remove_next;
  ck_assert_int_eq (fga_atomic_group_commit (g, &err), FGA_ERR_IO);
  fgap_atomic_group_hook = NULL;
  fga_atomic_group_destroy (g);
  ck_assert_msg (strstr (err.msg, "every output keeps its previous version") != NULL, "%s",
                 err.msg);
  ck_assert_str_eq (read_line (p[0]), "old a\n");
  ck_assert_str_eq (read_line (p[1]), "old b\n");
  ck_assert_str_eq (read_line (p[2]), "(absent)");
  ck_assert_uint_eq (fga_test_count_entries (dir), 2);   /* backups and temporaries gone */

  /* the same when the first member had no previous version: it is removed */
  unlink (p[0]);
  g = group_fill (p, -1);
  fgap_atomic_group_hook = remove_next;
  ck_assert_int_eq (fga_atomic_group_commit (g, &err), FGA_ERR_IO);
  fgap_atomic_group_hook = NULL;
  fga_atomic_group_destroy (g);
  ck_assert_str_eq (read_line (p[0]), "(absent)");
  ck_assert_str_eq (read_line (p[1]), "old b\n");
  ck_assert_uint_eq (fga_test_count_entries (dir), 1);
  group_teardown (dir, p);
}
END_TEST

static volatile sig_atomic_t signal_results[4];
static volatile sig_atomic_t nsignals;

static void
record_signal (int sig)
{
  if (nsignals < 4)
    signal_results[nsignals++] = fga_atomic_signal (sig);
}

static void
signal_mid_commit (size_t k)
{
  if (k == 0)
    raise (SIGUSR1);
}

/* A signal that arrives during a commit waits for its end; once one has
   been handled, no commit starts.  In a child, since the state stays.  */
START_TEST (group_defers_signals)
{
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      char dir[64], p[3][256];
      fga_error err;
      group_setup (dir, p);
      signal (SIGUSR1, record_signal);
      fga_atomic_group g = group_fill (p, -1);
      fgap_atomic_group_hook = signal_mid_commit;
      int rc = fga_atomic_group_commit (g, &err);
      fgap_atomic_group_hook = NULL;
      fga_atomic_group_destroy (g);
      int ok = rc == FGA_OK && nsignals == 2 && signal_results[0] == 0
        && signal_results[1] == 1 && strcmp (read_line (p[2]), "new c\n") == 0;
      /* after the handler removed the pending files, a commit refuses */
      g = group_fill (p, -1);
      ok = ok && fga_atomic_group_commit (g, &err) == FGA_ERR_IO
        && strstr (err.msg, "interrupted") != NULL;
      fga_atomic_group_destroy (g);
      ok = ok && strcmp (read_line (p[0]), "new a\n") == 0
        && fga_test_count_entries (dir) == 3;
      for (int k = 0; k < 3; k++)
        unlink (p[k]);
      rmdir (dir);
      _exit (ok ? 0 : 1);
    }
  int st;
  ck_assert_int_eq (waitpid (pid, &st, 0), pid);
  ck_assert_msg (WIFEXITED (st) && WEXITSTATUS (st) == 0, "the signal was not deferred");
}
END_TEST

START_TEST (group_folder_and_refusals)
{
  char dir[64], p[3][256], sub[300], path[400];
  fga_error err;
  group_setup (dir, p);
  /* a folder the group made is removed again on abort */
  snprintf (sub, sizeof sub, "%s/made", dir);
  static const char *const names[] = { "x.npy", "y.json" };
  fga_atomic_group g = fga_atomic_group_create (&err);
  const char *tmpdir = fga_atomic_group_folder (g, sub, names, 2, &err);
  ck_assert_msg (tmpdir != NULL, "%s", err.msg);
  snprintf (path, sizeof path, "%s/x.npy", tmpdir);
  write_file (path, "x\n");
  fga_atomic_group_destroy (g);
  ck_assert_int_eq (access (sub, F_OK), -1);
  /* and committed: both files in it, no temporary folder */
  g = fga_atomic_group_create (&err);
  tmpdir = fga_atomic_group_folder (g, sub, names, 2, &err);
  for (int k = 0; k < 2; k++)
    {
      snprintf (path, sizeof path, "%s/%s", tmpdir, names[k]);
      write_file (path, names[k]);
    }
  ck_assert_int_eq (fga_atomic_group_commit (g, &err), FGA_OK);
  fga_atomic_group_destroy (g);
  ck_assert_uint_eq (fga_test_count_entries (sub), 2);
  snprintf (path, sizeof path, "%s/y.json", sub);
  ck_assert_str_eq (read_line (path), "y.json");

  /* outputs that are not regular files are refused, and left as they are */
  g = fga_atomic_group_create (&err);
  ck_assert_ptr_null (fga_atomic_group_file (g, sub, &err));
  ck_assert_int_eq (err.code, FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "is a folder") != NULL, "%s", err.msg);
  ck_assert_ptr_null (fga_atomic_group_file (g, "/dev/null", &err));
  ck_assert_msg (strstr (err.msg, "character device") != NULL, "%s", err.msg);
  snprintf (path, sizeof path, "%s/link", dir);
  ck_assert_int_eq (symlink (sub, path), 0);
  ck_assert_ptr_null (fga_atomic_group_file (g, path, &err));
  ck_assert_msg (strstr (err.msg, "a symbolic link to a folder") != NULL, "%s", err.msg);
  fga_atomic_file af;
  ck_assert_int_eq (fga_atomic_open (&af, path, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fga_atomic_open (&af, "/dev/null", &err), FGA_ERR_INPUT);
  unlink (path);
  /* a link to a regular file is followed: the file is replaced, the link stays */
  ck_assert_int_eq (symlink (p[0], path), 0);
  const char *tmp = fga_atomic_group_file (g, path, &err);
  ck_assert_ptr_nonnull (tmp);
  /* the same file twice, by another name */
  ck_assert_ptr_null (fga_atomic_group_file (g, p[0], &err));
  ck_assert_msg (strstr (err.msg, "named twice") != NULL, "%s", err.msg);
  write_file (tmp, "through the link\n");
  ck_assert_int_eq (fga_atomic_group_commit (g, &err), FGA_OK);
  fga_atomic_group_destroy (g);
  struct stat sb;
  ck_assert_int_eq (lstat (path, &sb), 0);
  ck_assert (S_ISLNK (sb.st_mode));
  ck_assert_str_eq (read_line (p[0]), "through the link\n");
  unlink (path);
  for (int k = 0; k < 2; k++)
    {
      snprintf (path, sizeof path, "%s/%s", sub, names[k]);
      unlink (path);
    }
  ck_assert_int_eq (rmdir (sub), 0);
  group_teardown (dir, p);
}
END_TEST

static Suite *
core_suite (void)
{
  Suite *s = suite_create ("core");
  TCase *tc = fga_test_tcase ("matrices", 10);
  tcase_add_test (tc, mat_init_zeroed_and_overflow);
  tcase_add_test (tc, mat_check_finite_names_entry);
  tcase_add_test (tc, mat_scans_every_place);
  suite_add_tcase (s, tc);
  tc = fga_test_tcase ("tau", 10);
  tcase_add_test (tc, tau_parse_and_round);
  tcase_add_test (tc, tau_parse_strict);
  tcase_add_test (tc, score_radius_bounds_scores);
  suite_add_tcase (s, tc);
  tc = fga_test_tcase ("methods", 10);
  tcase_add_loop_test (tc, spec_good, 0, sizeof good_specs / sizeof good_specs[0]);
  tcase_add_loop_test (tc, spec_bad, 0, sizeof bad_specs / sizeof bad_specs[0]);
  tcase_add_test (tc, registry_lists_exact);
  tcase_add_test (tc, run_checks_shapes);
  suite_add_tcase (s, tc);
  tc = fga_test_tcase ("metrics", 30);
  tcase_add_test (tc, ulp_distance_closed_forms);
  tcase_add_test (tc, metrics_closed_forms);
  tcase_add_test (tc, metrics_huge);
  tcase_add_test (tc, metrics_tiny);
  tcase_add_loop_test (tc, metrics_random_ranges, 0, 400);
  tcase_add_test (tc, metrics_many_entries);
  suite_add_tcase (s, tc);
  tc = fga_test_tcase ("files", 10);
  tcase_add_test (tc, atomic_file_all_or_nothing);
  tcase_add_test (tc, stats_json_written);
  tcase_add_test (tc, group_commits_all);
  tcase_add_test (tc, group_abort_and_unwritten);
  tcase_add_test (tc, group_rolls_back);
  tcase_add_test (tc, group_folder_and_refusals);
  tcase_add_test (tc, group_defers_signals);
  suite_add_tcase (s, tc);
  tc = fga_test_tcase ("numbers", 10);
  tcase_add_loop_test (tc, parse_numbers, 0, sizeof parse_cases / sizeof parse_cases[0]);
  tcase_add_test (tc, parse_unsigned_extremes);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (core_suite ());
}
