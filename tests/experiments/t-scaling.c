/* t-scaling -- the power-law fit, and the mechanisms fgattn can time with their exponents

   Expected values come from closed forms (exact laws; noise built
   orthogonal to the line, which leaves the fit on the law), from an MPFR
   evaluation of the uncentred least-squares formula at 256 bits, and from
   the implementations themselves for the counts (the method a spec string
   names must count what the analyzer says).  */

#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* --- exact power laws ------------------------------------------------------- */

static const double EXPONENTS[] = { 0, 0.5, 1, 1.5, 2, 3, -1 };

static const struct
{
  size_t k;
  double n[6];
} NSETS[] = {
  { 2, { 1024, 2048 } },
  { 4, { 16, 64, 256, 1024 } },
  { 5, { 64, 128, 256, 1000, 4096 } },
  { 6, { 100, 1000, 10000, 100000, 300000, 1048576 } },
  { 3, { 17, 19, 23 } },
};

START_TEST (test_fit_exact)
{
  const double a = EXPONENTS[_i];
  static const double consts[] = { 1, 3.7, 1e-6, 0.015625 };
  for (size_t s = 0; s < sizeof NSETS / sizeof NSETS[0]; s++)
    for (size_t c = 0; c < sizeof consts / sizeof consts[0]; c++)
      {
        double y[6];
        for (size_t i = 0; i < NSETS[s].k; i++)
          y[i] = consts[c] * pow (NSETS[s].n[i], a);
        fga_fit fit;
        fga_error err;
        fga_error_init (&err);
        int rc = fga_fit_power (&fit, NSETS[s].n, y, NSETS[s].k, 0, &err);
        ck_assert_msg (rc == FGA_OK, "set %zu: %s", s, err.msg);
        ck_assert_msg (fabs (fit.exponent - a) <= 1e-12, "set %zu, c = %g, a = %g: exponent "
                       "%.17g", s, consts[c], a, fit.exponent);
        ck_assert_msg (fabs (fit.intercept - log (consts[c])) <= 1e-12, "set %zu, c = %g, a = %g: "
                       "intercept %.17g, want %.17g", s, consts[c], a, fit.intercept,
                       log (consts[c]));
        ck_assert_msg (fit.max_resid <= 1e-12, "set %zu: max_resid %g", s, fit.max_resid);
        ck_assert_msg (fit.r2 >= 1 - 1e-12 && fit.r2 <= 1, "set %zu, a = %g: r2 %.17g", s, a,
                       fit.r2);
        ck_assert_uint_eq (fit.points, NSETS[s].k);
      }
}
END_TEST

/* Equal values: the refined mean makes every deviation exactly zero.  */
START_TEST (test_fit_constant)
{
  static const double n[] = { 10, 20, 40, 80, 160 };
  static const double y[] = { 0.1, 0.1, 0.1, 0.1, 0.1 };
  fga_fit fit;
  ck_assert_int_eq (fga_fit_power (&fit, n, y, 5, 0, NULL), FGA_OK);
  ck_assert (fit.exponent == 0);
  ck_assert (fit.max_resid == 0);
  ck_assert (fit.r2 == 1);
  ck_assert_close (fit.intercept, log (0.1), 2, 0);
}
END_TEST

/* --- noisy data ------------------------------------------------------------- */

/* Noise e_i in log orthogonal to 1 and to x_i = ln n_i leaves the least
   squares line on the law: exponent a, intercept ln c, residuals e_i, and
   R^2 = 1 - sum e^2 / (a^2 sum (x - xm)^2 + sum e^2).  With n_i = 64 2^i
   (i = 0..4), x_i - xm = (i - 2) ln 2 and e = delta (1, -2, 0, 2, -1).  */
START_TEST (test_fit_orthogonal_noise)
{
  static const double e[] = { 1, -2, 0, 2, -1 };
  static const double deltas[] = { 1e-3, 0.05, 0.3 };
  static const double as[] = { 1, 1.5, 2 };
  for (size_t t = 0; t < 3; t++)
    for (size_t u = 0; u < 3; u++)
      {
        double n[5], y[5], a = as[u], delta = deltas[t], c = 2.5e-9;
        for (int i = 0; i < 5; i++)
          {
            n[i] = 64 * ldexp (1, i);
            y[i] = c * pow (n[i], a) * exp (delta * e[i]);
          }
        fga_fit fit;
        ck_assert_int_eq (fga_fit_power (&fit, n, y, 5, 0, NULL), FGA_OK);
        ck_assert_msg (fabs (fit.exponent - a) <= 1e-12, "a = %g, delta = %g: %.17g", a, delta,
                       fit.exponent);
        ck_assert_msg (fabs (fit.intercept - log (c)) <= 1e-12, "intercept %.17g",
                       fit.intercept);
        ck_assert_msg (fabs (fit.max_resid - 2 * delta) <= 1e-12, "max_resid %.17g, want %.17g",
                       fit.max_resid, 2 * delta);
        double l2 = log (2), want = 1 - 10 * delta * delta
          / (a * a * 10 * l2 * l2 + 10 * delta * delta);
        ck_assert_msg (fabs (fit.r2 - want) <= 1e-12, "r2 %.17g, want %.17g", fit.r2, want);
      }
}
END_TEST

/* Random noise: the fit against the uncentred formula
     a = (k sum x z - sum x sum z) / (k sum x^2 - (sum x)^2),  b = (sum z - a sum x) / k
   evaluated in MPFR at 256 bits from the same doubles (x_i and z_i as
   MPFR logarithms of n_i and y_i).  */
START_TEST (test_fit_random_noise)
{
  unsigned long state = fga_test_seed () * 2654435761u + 11;
  for (int rep = 0; rep < 20; rep++)
    {
      fga_mat_t r;
      fga_error err;
      fga_error_init (&err);
      const size_t k = 3 + (size_t) rep % 8;
      ck_assert (fga_mat_init (r, 2, k, &err) == FGA_OK);
      fga_test_fill_uniform (r, 1, &state);
      double n[16], y[16];
      const double a = 0.5 + 0.1 * rep;
      for (size_t i = 0; i < k; i++)
        {
          n[i] = floor (32 * pow (1.9, (double) i) * (1 + 0.2 * FGA_MAT (r, 0, i)));
          y[i] = 1e-7 * pow (n[i], a) * exp (0.2 * FGA_MAT (r, 1, i));
        }
      mpfr_t x, z, sx, sz, sxx, sxz, num, den, t;
      mpfr_inits2 (256, x, z, sx, sz, sxx, sxz, num, den, t, (mpfr_ptr) 0);
      mpfr_set_zero (sx, 1);
      mpfr_set_zero (sz, 1);
      mpfr_set_zero (sxx, 1);
      mpfr_set_zero (sxz, 1);
      for (size_t i = 0; i < k; i++)
        {
          mpfr_set_d (x, n[i], MPFR_RNDN);
          mpfr_log (x, x, MPFR_RNDN);
          mpfr_set_d (z, y[i], MPFR_RNDN);
          mpfr_log (z, z, MPFR_RNDN);
          mpfr_add (sx, sx, x, MPFR_RNDN);
          mpfr_add (sz, sz, z, MPFR_RNDN);
          mpfr_fma (sxx, x, x, sxx, MPFR_RNDN);
          mpfr_fma (sxz, x, z, sxz, MPFR_RNDN);
        }
      mpfr_mul_ui (num, sxz, k, MPFR_RNDN);
      mpfr_mul (t, sx, sz, MPFR_RNDN);
      mpfr_sub (num, num, t, MPFR_RNDN);
      mpfr_mul_ui (den, sxx, k, MPFR_RNDN);
      mpfr_sqr (t, sx, MPFR_RNDN);
      mpfr_sub (den, den, t, MPFR_RNDN);
      mpfr_div (num, num, den, MPFR_RNDN);        /* a */
      double want_a = mpfr_get_d (num, MPFR_RNDN);
      mpfr_mul (t, num, sx, MPFR_RNDN);
      mpfr_sub (t, sz, t, MPFR_RNDN);
      mpfr_div_ui (t, t, k, MPFR_RNDN);           /* b */
      double want_b = mpfr_get_d (t, MPFR_RNDN);
      mpfr_clears (x, z, sx, sz, sxx, sxz, num, den, t, (mpfr_ptr) 0);

      fga_fit fit;
      ck_assert_int_eq (fga_fit_power (&fit, n, y, k, 0, &err), FGA_OK);
      ck_assert_msg (fabs (fit.exponent - want_a) <= 1e-12, "rep %d (seed %lu): %.17g, want "
                     "%.17g", rep, fga_test_seed (), fit.exponent, want_a);
      ck_assert_msg (fabs (fit.intercept - want_b) <= 1e-12, "rep %d (seed %lu): intercept "
                     "%.17g, want %.17g", rep, fga_test_seed (), fit.intercept, want_b);
      /* noise of at most 0.2 in log: the residuals stay within 0.4 and the
         law is still clear */
      ck_assert (fit.max_resid > 0 && fit.max_resid <= 0.4);
      ck_assert (fit.r2 > 0.5 && fit.r2 < 1);
      fga_mat_clear (r);
    }
}
END_TEST

/* --- refusals ----------------------------------------------------------------- */

static void
assert_refused (const double *n, const double *y, size_t k, unsigned flags, const char *what)
{
  fga_fit fit;
  fga_error err;
  fga_error_init (&err);
  fit.exponent = 7;
  ck_assert_int_eq (fga_fit_power (&fit, n, y, k, flags, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (err.code, FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, what) != NULL, "message '%s' lacks '%s'", err.msg, what);
  ck_assert (isnan (fit.exponent) && isnan (fit.intercept) && fit.points == 0);
}

START_TEST (test_fit_refusals)
{
  static const double n[] = { 64, 128, 256 };
  static const double y[] = { 1, 2, 4 };
  assert_refused (n, y, 0, 0, "0 usable points");
  assert_refused (n, y, 1, 0, "1 usable point;");
  assert_refused (n, (const double[]) { 1, 0, 4 }, 3, 0, "point 1");
  assert_refused (n, (const double[]) { 1, 2, -4 }, 3, 0, "point 2");
  assert_refused (n, (const double[]) { NAN, 2, 4 }, 3, 0, "point 0");
  assert_refused ((const double[]) { 64, INFINITY, 256 }, y, 3, 0, "point 1");
  assert_refused ((const double[]) { 0, 128, 256 }, y, 3, 0, "point 0");
  assert_refused ((const double[]) { 64, 64, 64 }, y, 3, 0, "every n is 64");
  /* Skipping leaves what is usable, and still needs two points.  */
  assert_refused (n, (const double[]) { 1, 0, -4 }, 3, FGA_FIT_SKIP, "1 usable point;");
  fga_fit fit;
  ck_assert_int_eq (fga_fit_power (&fit, n, (const double[]) { 3, NAN, 12 }, 3, FGA_FIT_SKIP,
                                   NULL), FGA_OK);
  ck_assert (fabs (fit.exponent - 1) <= 1e-12 && fit.points == 2);
  /* A refusal leaves the exponent NaN, which is what the report prints.  */
  ck_assert_int_eq (fga_fit_power (&fit, n, (const double[]) { 3, NAN, -1 }, 3, FGA_FIT_SKIP,
                                   NULL), FGA_ERR_INPUT);
  ck_assert (isnan (fit.exponent) && fit.points == 0);
}
END_TEST

/* --- the mechanisms ------------------------------------------------------------ */

static fga_an_spec
an_spec (const char *mech)
{
  fga_an_spec s;
  fga_an_spec_init (&s);
  s.mech = mech;
  s.d = 4;
  s.dv = 3;
  s.w = 5;
  s.g = 2;
  s.m = 6;
  s.iters = 3;
  s.c = 1;
  return s;
}

START_TEST (test_mech_specs)
{
  static const struct
  {
    const char *mech;
    int causal;
    size_t l;
    const char *spec;
    double exponent;
    const char *cls;
  } cases[] = {
    { "vanilla", 0, 0, "exact:algo=naive", 2, "O(n^2 d)" },
    { "stream", 0, 0, "exact:algo=stream,block=0", 2, "O(n^2 d)" },
    { "window", 1, 0, "window:w=5,causal=1", 1, "O(w n d)" },
    { "strided", 0, 0, "strided:l=0,causal=0", 1.5, "O(n sqrt(n) d)" },
    { "strided", 1, 7, "strided:l=7,causal=1", 2, "O(n^2 d / l)" },
    { "fixed", 1, 0, "fixed:l=0,c=1,causal=1", 1.5, "O(c n sqrt(n) d)" },
    { "fixed", 0, 9, "fixed:l=9,c=1,causal=0", 2, "O(c n^2 d / l)" },
    { "dilated", 0, 0, "dilated:w=5,r=1,alpha=2,levels=0,head=0,causal=0", 1,
      "O(n d w / r^2)" },
    { "poly", 0, 0, "poly:deg=2", 1, "O(n r dv), r = C(d+g, d)" },
    { "rf", 0, 0, "rf:m=6,kind=pos", 1, "O(n m (d + dv))" },
    { "nystrom", 0, 0, "nystrom:m=6,pinv=iter,iters=3,landmarks=uniform", 1,
      "O(n m (d + dv) + iters m^3)" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      fga_an_spec s = an_spec (cases[i].mech);
      s.causal = cases[i].causal;
      s.l = cases[i].l;
      fga_scaling_mech sm;
      fga_error err;
      fga_error_init (&err);
      ck_assert_msg (fga_scaling_mech_from_spec (&sm, &s, &err) == FGA_OK, "%s", err.msg);
      ck_assert_str_eq (sm.spec, cases[i].spec);
      ck_assert (sm.exponent == cases[i].exponent);
      ck_assert_str_eq (sm.work_class, cases[i].cls);
    }
}
END_TEST

START_TEST (test_mech_refusals)
{
  static const char *const untimed[] = { "mha", "recurrent", "conv",
                                           "linear", "flash" };
  fga_scaling_mech sm;
  fga_error err;
  for (size_t i = 0; i < sizeof untimed / sizeof untimed[0]; i++)
    {
      fga_an_spec s = an_spec (untimed[i]);
      fga_error_init (&err);
      ck_assert_int_eq (fga_scaling_mech_from_spec (&sm, &s, &err), FGA_ERR_INPUT);
      ck_assert (strstr (err.msg, untimed[i]) != NULL);
      ck_assert_msg (strstr (err.msg, "vanilla, stream, window, strided, dilated, fixed, poly, "
                             "rf, nystrom") != NULL, "%s", err.msg);
    }
  static const char *const no_causal[] = { "vanilla", "stream", "poly",
                                             "rf", "nystrom" };
  for (size_t i = 0; i < sizeof no_causal / sizeof no_causal[0]; i++)
    {
      fga_an_spec s = an_spec (no_causal[i]);
      s.causal = 1;
      fga_error_init (&err);
      ck_assert_int_eq (fga_scaling_mech_from_spec (&sm, &s, &err), FGA_ERR_INPUT);
      ck_assert (strstr (err.msg, "causal") != NULL);
    }
  fga_an_spec s = an_spec ("poly");
  s.g = 0;
  fga_error_init (&err);
  ck_assert_int_eq (fga_scaling_mech_from_spec (&sm, &s, &err), FGA_ERR_INPUT);
  ck_assert (strstr (err.msg, "g >= 1") != NULL);
}
END_TEST

/* The method each spec names counts, kind by kind, what the analyzer gives:
   the agreement that `fgattn scaling' checks at every run.  */
START_TEST (test_mech_counts)
{
  static const char *const mechs[] = { "vanilla", "stream", "window",
                                         "strided", "dilated", "poly",
                                         "rf", "nystrom", "fixed" };
  const size_t n = 40;
  unsigned long seed = fga_test_seed () + 5;
  fga_mat_t Q, K, V, T;
  fga_error err;
  fga_error_init (&err);
  fga_an_spec s0 = an_spec ("vanilla");
  ck_assert (fga_mat_init (Q, n, s0.d, &err) == FGA_OK);
  ck_assert (fga_mat_init (K, n, s0.d, &err) == FGA_OK);
  ck_assert (fga_mat_init (V, n, s0.dv, &err) == FGA_OK);
  ck_assert (fga_mat_init (T, n, s0.dv, &err) == FGA_OK);
  fga_test_fill_uniform (Q, 1, &seed);
  fga_test_fill_uniform (K, 1, &seed);
  fga_test_fill_uniform (V, 1, &seed);
  fga_an_result res;
  fga_an_result_init (&res);
  for (size_t i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
    for (int var = 0; var < 2; var++)
      {
        fga_an_spec s = an_spec (mechs[i]);
        s.block = var ? 7 : 0;
        s.l = var ? 6 : 0;
        s.causal = var && (strcmp (mechs[i], "window") == 0 || strcmp (mechs[i], "strided") == 0
                           || strcmp (mechs[i], "dilated") == 0
                           || strcmp (mechs[i], "fixed") == 0);
        s.c = var ? 2 : 1;
        s.rf_kind = var ? FGA_RF_TRIG : FGA_RF_POS;
        s.segment = var;
        s.alpha = 2 + var;
        s.nq = s.nk = n;
        fga_scaling_mech sm;
        ck_assert_msg (fga_scaling_mech_from_spec (&sm, &s, &err) == FGA_OK, "%s", err.msg);
        fga_problem prob;
        fga_test_problem (&prob, n, n, s.d, s.dv, 0.5);
        prob.R = fga_score_radius (Q, K, 0.5);
        fga_method m = fga_test_make_method (sm.spec, &prob);
        fga_stats st;
        ck_assert_msg (fga_method_run (m, T, NULL, Q, K, V, &st, &err) == FGA_OK, "%s: %s",
                       sm.spec, err.msg);
        fga_method_destroy (m);
        ck_assert_msg (fga_an_analyze (&res, &s, &err) == FGA_OK, "%s", err.msg);
        const uint64_t got[5] = { st.n_mul, st.n_add, st.n_exp, st.n_div, st.n_cmp };
        for (int k = 0; k < 5; k++)
          ck_assert_msg (mpz_cmp_ui (res.ops[k], (unsigned long) got[k]) == 0,
                         "%s: kind %d: analyzer %lu, method %lu", sm.spec, k,
                         mpz_get_ui (res.ops[k]), (unsigned long) got[k]);
      }
  fga_an_result_clear (&res);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}
END_TEST

/* The asymptotic exponents against the analyzer's exact work far out:
   log (W(4n) / W(n)) / log 4 at n = 4^14 (a power of 4, so that sqrt(n) and
   sqrt(4n) are exact for strided l = 0) within 0.02 of the table's.  */
START_TEST (test_mech_exponents)
{
  static const char *const mechs[] = { "vanilla", "stream", "window",
                                         "strided", "strided", "dilated",
                                         "dilated", "poly", "rf",
                                         "nystrom", "fixed", "fixed" };
  fga_an_result r1, r2;
  fga_an_result_init (&r1);
  fga_an_result_init (&r2);
  fga_error err;
  fga_error_init (&err);
  const size_t n = (size_t) 1 << 28;
  for (size_t i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
    {
      fga_an_spec s = an_spec (mechs[i]);
      s.d = s.dv = 64;
      s.w = 64;
      s.m = 64;
      if (i == 4 || i == 11)
        s.l = 128;                 /* a fixed stride or block: the n^2 / l tail */
      s.c = 2;
      if (i == 6)
        s.levels = 3;              /* a fixed number of levels */
      fga_scaling_mech sm;
      ck_assert (fga_scaling_mech_from_spec (&sm, &s, &err) == FGA_OK);
      s.nq = s.nk = n;
      ck_assert_msg (fga_an_analyze (&r1, &s, &err) == FGA_OK, "%s", err.msg);
      s.nq = s.nk = 4 * n;
      ck_assert_msg (fga_an_analyze (&r2, &s, &err) == FGA_OK, "%s", err.msg);
      double e = log (mpz_get_d (r2.work) / mpz_get_d (r1.work)) / log (4);
      ck_assert_msg (fabs (e - sm.exponent) <= 0.02, "%s: %.6f from the analyzer, %g in the "
                     "table", sm.spec, e, sm.exponent);
    }
  fga_an_result_clear (&r1);
  fga_an_result_clear (&r2);
}
END_TEST

START_TEST (test_check_n)
{
  static const struct
  {
    const char *mech;
    size_t par, refused, accepted;
    const char *what;
  } cases[] = {
    { "window", 64, 65, 66, "window w = 64" },
    { "strided", 10, 10, 11, "strided l = 10" },
    { "fixed", 10, 10, 11, "fixed l = 10" },
    { "dilated", 64, 64, 65, "dilated w = 64" },
    { "nystrom", 64, 64, 65, "nystrom m = 64" },
  };
  fga_error err;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      fga_an_spec s = an_spec (cases[i].mech);
      s.w = s.l = s.m = cases[i].par;
      fga_error_init (&err);
      ck_assert_int_eq (fga_scaling_check_n (&s, cases[i].refused, &err), FGA_ERR_INPUT);
      ck_assert_msg (strstr (err.msg, cases[i].what) != NULL, "%s", err.msg);
      ck_assert_msg (fga_scaling_check_n (&s, cases[i].accepted, &err) == FGA_OK, "%s",
                     err.msg);
    }
  /* strided with l = 0 and poly run at any n */
  fga_an_spec s = an_spec ("strided");
  ck_assert_int_eq (fga_scaling_check_n (&s, 2, NULL), FGA_OK);
  s = an_spec ("poly");
  ck_assert_int_eq (fga_scaling_check_n (&s, 1, NULL), FGA_OK);
  /* a dilated pattern that leaves queries out: r = 2 divides w = 4 */
  s = an_spec ("dilated");
  s.w = 4;
  s.r = 2;
  fga_error_init (&err);
  ck_assert_int_eq (fga_scaling_check_n (&s, 64, &err), FGA_ERR_INPUT);
  ck_assert (strstr (err.msg, "kept by none") != NULL);
  /* exact attention under another name: strided l = 1, fixed c = l */
  s = an_spec ("strided");
  s.l = 1;
  fga_error_init (&err);
  ck_assert_int_eq (fga_scaling_check_n (&s, 64, &err), FGA_ERR_INPUT);
  ck_assert (strstr (err.msg, "l = 1") != NULL);
  s = an_spec ("fixed");
  s.c = 8;                         /* l = 0 takes 8 at n = 64, 9 at n = 65 */
  fga_error_init (&err);
  ck_assert_int_eq (fga_scaling_check_n (&s, 64, &err), FGA_ERR_INPUT);
  ck_assert (strstr (err.msg, "c = l = 8") != NULL);
  ck_assert_int_eq (fga_scaling_check_n (&s, 65, &err), FGA_OK);
}
END_TEST

/* The estimate holds Q, K, V and T exactly, and grows with n as the
   method's memory does.  */
START_TEST (test_bytes)
{
  fga_error err;
  fga_error_init (&err);
  double b1, b2;
  fga_an_spec s = an_spec ("window");
  ck_assert (fga_scaling_bytes (&b1, &s, 1000, &err) == FGA_OK);
  const double io = 8.0 * 1000 * (2 * 4 + 2 * 3);
  ck_assert (b1 >= io && b1 < io + 1e6);
  s = an_spec ("vanilla");
  ck_assert (fga_scaling_bytes (&b1, &s, 1 << 20, &err) == FGA_OK);
  /* one row of n + dv per thread, never the n x n matrix */
  ck_assert (b1 < 8.0 * (1 << 20) * (14 + 1024));
  s = an_spec ("rf");
  ck_assert (fga_scaling_bytes (&b1, &s, 1000, &err) == FGA_OK);
  ck_assert (fga_scaling_bytes (&b2, &s, 2000, &err) == FGA_OK);
  ck_assert (fabs (b2 / b1 - 2) < 0.05);
  s = an_spec ("nystrom");
  ck_assert_int_eq (fga_scaling_bytes (&b1, &s, 3, &err), FGA_ERR_INPUT);
}
END_TEST

static Suite *
scaling_suite (void)
{
  Suite *s = suite_create ("scaling");
  TCase *tc = fga_test_tcase ("fit", 10);
  tcase_add_loop_test (tc, test_fit_exact, 0, sizeof EXPONENTS / sizeof EXPONENTS[0]);
  tcase_add_test (tc, test_fit_constant);
  tcase_add_test (tc, test_fit_orthogonal_noise);
  tcase_add_test (tc, test_fit_random_noise);
  tcase_add_test (tc, test_fit_refusals);
  suite_add_tcase (s, tc);
  tc = fga_test_tcase ("mechanisms", 10);
  tcase_add_test (tc, test_mech_specs);
  tcase_add_test (tc, test_mech_refusals);
  tcase_add_test (tc, test_mech_counts);
  tcase_add_test (tc, test_mech_exponents);
  tcase_add_test (tc, test_check_n);
  tcase_add_test (tc, test_bytes);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (scaling_suite ());
}
