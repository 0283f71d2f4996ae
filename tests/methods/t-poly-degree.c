/* t-poly-degree -- the empirical least degree of the polynomial method (fga_poly_least_degree)

   Expected values by other routes: the method poly itself run through
   fga_method_run at deg = g and g - 1 against the MPFR reference attention
   (fga_test_ref_attention); closed forms with d = 1 and two keys, where
   the Taylor output is a ratio of partial sums of e and 1/e; the exact
   polynomial output evaluated here in MPFR at 640 bits (independent of
   the tiers of the code under test, which it checks at scores up to 36,
   where double Horner loses every digit); and invariance under scaling V
   by powers of two.  */

#include <config.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

typedef struct
{
  fga_mat_t Q, K, V, truth;
  double tau, R;
} inst_t;

/* Q, K uniform in [-B, B] (or +-B when rademacher), V in [-1, 1], the truth
   by the MPFR reference, R the data's radius.  */
static void
inst_make (inst_t *in, size_t n, size_t d, size_t dv, double B, int rademacher,
           unsigned long seed)
{
  fga_error err;
  ck_assert (fga_mat_init (in->Q, n, d, &err) == FGA_OK);
  ck_assert (fga_mat_init (in->K, n, d, &err) == FGA_OK);
  ck_assert (fga_mat_init (in->V, n, dv, &err) == FGA_OK);
  ck_assert (fga_mat_init (in->truth, n, dv, &err) == FGA_OK);
  fga_test_fill_uniform (in->Q, B, &seed);
  fga_test_fill_uniform (in->K, B, &seed);
  fga_test_fill_uniform (in->V, 1, &seed);
  if (rademacher)
    for (size_t i = 0; i < n * d; i++)
      {
        in->Q->data[i] = in->Q->data[i] < 0 ? -B : B;
        in->K->data[i] = in->K->data[i] < 0 ? -B : B;
      }
  in->tau = 1.0 / (double) d;
  fga_test_ref_attention (in->truth, NULL, in->Q, in->K, in->V, in->tau, 256);
  in->R = fga_score_radius (in->Q, in->K, in->tau);
}

static void
inst_clear (inst_t *in)
{
  fga_mat_clear (in->Q);
  fga_mat_clear (in->K);
  fga_mat_clear (in->V);
  fga_mat_clear (in->truth);
}

static void
least (long *g, int *cens, double *ma, const inst_t *in, fga_basis b, double eps, long gmax)
{
  fga_error err;
  fga_error_init (&err);
  int rc = fga_poly_least_degree (g, cens, ma, in->Q, in->K, in->V, in->truth, in->tau, b,
                                  in->R, eps, gmax, &err);
  ck_assert_msg (rc == FGA_OK, "fga_poly_least_degree: %s", err.msg);
}

/* The method poly at degree g: its max-abs error against the truth, or
   +Inf when it refuses the output (a row sum <= 0).  */
static double
poly_error (const inst_t *in, long g, fga_basis b)
{
  char spec[160];
  snprintf (spec, sizeof spec, "poly:deg=%ld,basis=%s,R=%.17g", g, fga_basis_name (b), in->R);
  fga_problem prob;
  fga_test_problem (&prob, in->Q->rows, in->K->rows, in->Q->cols, in->V->cols, in->tau);
  prob.R = in->R;
  fga_method m = fga_test_make_method (spec, &prob);
  fga_mat_t T;
  fga_error err;
  ck_assert (fga_mat_init (T, in->Q->rows, in->V->cols, &err) == FGA_OK);
  int rc = fga_method_run (m, T, NULL, in->Q, in->K, in->V, NULL, &err);
  double e = INFINITY;
  if (rc == FGA_OK)
    {
      fga_metrics mt;
      ck_assert (fga_metrics_compute (&mt, in->truth, T, &err) == FGA_OK);
      e = mt.max_abs;
    }
  else
    ck_assert_msg (rc == FGA_ERR_COMPUTE && strstr (err.msg, "row sum") != NULL, "%s", err.msg);
  fga_mat_clear (T);
  fga_method_destroy (m);
  return e;
}

/* The test: g run through the method reaches eps, g - 1 does not;
   and max_abs is the method's error (rounding aside: R is small here).  */
static const struct
{
  size_t n, d;
  double B;
  double eps;
} agree[] = {
  { 40, 3, 1, 1e-2 }, { 40, 3, 2, 1e-4 }, { 48, 4, 1.5, 1e-6 }, { 32, 2, 3, 1e-3 },
  { 56, 4, 2.5, 1e-5 }, { 24, 3, 0.5, 1e-9 },
};

START_TEST (test_agrees_with_method)
{
  for (int b = 0; b < 2; b++)
    for (unsigned long seed = 1; seed <= 2; seed++)
      {
        const fga_basis basis = b ? FGA_BASIS_TAYLOR : FGA_BASIS_CHEB;
        inst_t in;
        inst_make (&in, agree[_i].n, agree[_i].d, 2, agree[_i].B, 0, seed + 10 * _i);
        long g;
        int cens;
        double ma;
        least (&g, &cens, &ma, &in, basis, agree[_i].eps, 60);
        ck_assert_msg (!cens, "case %d: censored", _i);
        double eg = poly_error (&in, g, basis);
        ck_assert_msg (eg <= agree[_i].eps, "case %d, %s: g = %ld, the method's error %g > eps",
                       _i, fga_basis_name (basis), g, eg);
        ck_assert_msg (fabs (ma - eg) <= 1e-12 + 1e-6 * eg, "case %d: max_abs %.17g, the "
                       "method %.17g", _i, ma, eg);
        if (g > 1)
          {
            double e1 = poly_error (&in, g - 1, basis);
            ck_assert_msg (e1 > agree[_i].eps, "case %d, %s: g - 1 = %ld already reaches: %g",
                           _i, fga_basis_name (basis), g - 1, e1);
          }
        inst_clear (&in);
      }
}
END_TEST

/* d = 1, q = 1, keys 1 and -1, V = (1, 0), tau = 1: T_g = P(1) / (P(1) + P(-1))
   with P the Taylor partial sums, truth e / (e + 1/e).  */
static void
two_keys (inst_t *in, double k0, double k1, double v0, double v1)
{
  fga_error err;
  ck_assert (fga_mat_init (in->Q, 1, 1, &err) == FGA_OK);
  ck_assert (fga_mat_init (in->K, 2, 1, &err) == FGA_OK);
  ck_assert (fga_mat_init (in->V, 2, 1, &err) == FGA_OK);
  ck_assert (fga_mat_init (in->truth, 1, 1, &err) == FGA_OK);
  in->Q->data[0] = 1;
  in->K->data[0] = k0, in->K->data[1] = k1;
  in->V->data[0] = v0, in->V->data[1] = v1;
  in->tau = 1;
  fga_test_ref_attention (in->truth, NULL, in->Q, in->K, in->V, 1, 256);
  in->R = fga_score_radius (in->Q, in->K, 1);
}

START_TEST (test_closed_form)
{
  inst_t in;
  two_keys (&in, 1, -1, 1, 0);
  const double t = in.truth->data[0];
  ck_assert (fabs (t - 1 / (1 + exp (-2.0))) <= 1e-15);
  /* the errors by hand: partial sums of e^1 and e^-1 */
  double e[12], pp = 0, pm = 0, f = 1;
  for (int g = 0; g < 12; g++)
    {
      f = g == 0 ? 1 : f / g;
      pp += f;
      pm += g % 2 ? -f : f;
      e[g] = pp + pm > 0 ? fabs (pp / (pp + pm) - t) : INFINITY;   /* w = pp + pm */
    }
  ck_assert (e[1] > 0.1 && e[2] < 0.05 && e[3] < 0.01 && e[3] > 0.005);
  static const double epss[] = { 0.2, 0.1, 0.05, 0.01, 0.005, 1e-4, 1e-6, 1e-8 };
  for (size_t k = 0; k < sizeof epss / sizeof epss[0]; k++)
    {
      long want = 1;
      while (want < 11 && !(e[want] <= epss[k]))
        want++;
      long g;
      int cens;
      double ma;
      least (&g, &cens, &ma, &in, FGA_BASIS_TAYLOR, epss[k], 11);
      ck_assert_msg (g == want && !cens, "eps %g: g = %ld, by hand %ld", epss[k], g, want);
      ck_assert_msg (fabs (ma - e[g]) <= 1e-14, "eps %g: max_abs %.17g, by hand %.17g", epss[k],
                     ma, e[g]);
    }
  /* a tie: at g = 1 the output is exactly 1 (p(1) = 2, p(-1) = 0), its
     error exactly 1 - t; eps equal to it is reached, one ulp below is not */
  long g;
  int cens;
  double ma;
  least (&g, &cens, &ma, &in, FGA_BASIS_TAYLOR, 1 - t, 11);
  ck_assert_int_eq (g, 1);
  ck_assert (ma == 1 - t);
  least (&g, &cens, &ma, &in, FGA_BASIS_TAYLOR, nextafter (1 - t, 0), 11);
  ck_assert_int_eq (g, 2);
  /* censored: nothing up to gmax = 3 reaches 1e-8 */
  least (&g, &cens, &ma, &in, FGA_BASIS_TAYLOR, 1e-8, 3);
  ck_assert (cens && g == 3 && fabs (ma - e[3]) <= 1e-14);
  inst_clear (&in);
}
END_TEST

/* Equal scores everywhere: T is the mean of V at every degree, so is the
   truth; but at Taylor degree 1 and scores -2 the row sum is
   2 p_1(-2) = -2 < 0, which poly refuses: degree 2 (p_2(-2) = 1) is the
   least that counts, though degree 1's ratio is the mean as well.  */
START_TEST (test_ties_and_sign)
{
  inst_t in;
  two_keys (&in, -2, -2, 0.75, -0.25);
  ck_assert (fabs (in.truth->data[0] - 0.25) <= 1e-16);
  long g;
  int cens;
  double ma;
  least (&g, &cens, &ma, &in, FGA_BASIS_TAYLOR, 1e-12, 10);
  ck_assert_int_eq (g, 2);
  ck_assert (ma <= 1e-16);
  least (&g, &cens, &ma, &in, FGA_BASIS_TAYLOR, 1e-12, 1);
  ck_assert (cens && g == 1 && isinf (ma));
  ck_assert (poly_error (&in, 1, FGA_BASIS_TAYLOR) == INFINITY);    /* the method agrees */
  inst_clear (&in);

  /* all scores 0 (Q = 0): every degree is exact */
  inst_make (&in, 20, 3, 2, 1, 0, 5);
  memset (in.Q->data, 0, 20 * 3 * sizeof (double));
  fga_test_ref_attention (in.truth, NULL, in.Q, in.K, in.V, in.tau, 256);
  in.R = 1;
  least (&g, &cens, &ma, &in, FGA_BASIS_CHEB, 1e-14, 10);
  ck_assert (g == 1 && !cens && ma <= 1e-15);
  inst_clear (&in);
}
END_TEST

/* V times 2^e and eps times 2^e: the same degree, max_abs times 2^e;
   near the top of the doubles V is scaled inside, as the kernels do.  */
START_TEST (test_huge_v)
{
  static const int shifts[] = { 0, 1000, 1022, -900 };
  long g0 = 0;
  double m0 = 0;
  for (size_t k = 0; k < sizeof shifts / sizeof shifts[0]; k++)
    {
      inst_t in;
      inst_make (&in, 30, 3, 2, 2, 0, 7);
      for (size_t i = 0; i < 60; i++)
        {
          in.V->data[i] = ldexp (in.V->data[i], shifts[k]);
          in.truth->data[i] = ldexp (in.truth->data[i], shifts[k]);
        }
      long g;
      int cens;
      double ma;
      least (&g, &cens, &ma, &in, FGA_BASIS_CHEB, ldexp (1e-6, shifts[k]), 60);
      if (k == 0)
        g0 = g, m0 = ma;
      ck_assert_msg (g == g0 && !cens, "shift %d: g %ld, unscaled %ld", shifts[k], g, g0);
      ck_assert_msg (fabs (ldexp (ma, -shifts[k]) - m0) <= 1e-9 * m0, "shift %d: max_abs %g",
                     shifts[k], ma);
      inst_clear (&in);
    }
  /* entries at DBL_MAX: finite sums, the output a mean */
  inst_t in;
  inst_make (&in, 16, 2, 1, 1, 0, 3);
  for (size_t i = 0; i < 16; i++)
    in.V->data[i] = i % 2 ? DBL_MAX : -DBL_MAX;
  fga_test_ref_attention (in.truth, NULL, in.Q, in.K, in.V, in.tau, 256);
  long g;
  int cens;
  double ma;
  least (&g, &cens, &ma, &in, FGA_BASIS_CHEB, 1e300, 30);
  ck_assert (!cens && isfinite (ma) && ma <= 1e300);
  inst_clear (&in);
}
END_TEST

/* The exact output of the polynomial, row by row in MPFR at 640 bits:
   the largest error against the truth.  */
static double
reference_error (const inst_t *in, fga_basis b, long g)
{
  fga_expfit_t p;
  fga_error err;
  ck_assert (fga_expfit_init (p, b, in->R, g, 117, &err) == FGA_OK);
  mpfr_t s, y, t, w, Y;
  mpfr_inits2 (640, s, y, t, w, Y, (mpfr_ptr) 0);
  double emax = 0;
  const size_t d = in->Q->cols;
  for (size_t i = 0; i < in->Q->rows; i++)
    for (size_t c = 0; c < in->V->cols; c++)
      {
        mpfr_set_zero (w, 1);
        mpfr_set_zero (Y, 1);
        for (size_t j = 0; j < in->K->rows; j++)
          {
            mpfr_set_zero (s, 1);
            for (size_t k = 0; k < d; k++)
              {
                mpfr_set_d (t, FGA_MAT (in->Q, i, k), MPFR_RNDN);
                mpfr_mul_d (t, t, FGA_MAT (in->K, j, k), MPFR_RNDN);
                mpfr_add (s, s, t, MPFR_RNDN);
              }
            mpfr_mul_d (s, s, in->tau, MPFR_RNDN);
            mpfr_set_zero (y, 1);
            for (long k = g; k >= 0; k--)
              {
                mpfr_mul (y, y, s, MPFR_RNDN);
                mpfr_add (y, y, p->mono[k], MPFR_RNDN);
              }
            mpfr_add (w, w, y, MPFR_RNDN);
            mpfr_mul_d (y, y, FGA_MAT (in->V, j, c), MPFR_RNDN);
            mpfr_add (Y, Y, y, MPFR_RNDN);
          }
        ck_assert (mpfr_sgn (w) > 0);
        mpfr_div (Y, Y, w, MPFR_RNDN);
        mpfr_sub_d (Y, Y, FGA_MAT (in->truth, i, c), MPFR_RNDN);
        emax = fmax (emax, fabs (mpfr_get_d (Y, MPFR_RNDN)));
      }
  mpfr_clears (s, y, t, w, Y, (mpfr_ptr) 0);
  fga_expfit_clear (p);
  return emax;
}

/* Scores up to R = 36 (Rademacher entries 6, d = 8): double Horner on the
   monomial form loses every digit there, so the rows go to the finer
   tiers; their answer must be the exact one.  */
START_TEST (test_large_scores_exact)
{
  static const struct
  {
    double B, eps;
    int rademacher;
  } cs[] = { { 6, 1e-3, 1 }, { 5, 1e-6, 0 }, { 4, 1e-9, 1 } };
  for (int b = 0; b < 2; b++)
    {
      const fga_basis basis = b ? FGA_BASIS_TAYLOR : FGA_BASIS_CHEB;
      inst_t in;
      inst_make (&in, 40, 8, 2, cs[_i].B, cs[_i].rademacher, 17 + _i);
      long g;
      int cens;
      double ma;
      least (&g, &cens, &ma, &in, basis, cs[_i].eps, 200);
      ck_assert (!cens);
      double ref = reference_error (&in, basis, g);
      ck_assert_msg (fabs (ma - ref) <= 0x1p-20 * ref + 4 * DBL_EPSILON, "R = %g, %s: max_abs "
                     "%.17g, exact %.17g", in.R, fga_basis_name (basis), ma, ref);
      ck_assert (ref <= cs[_i].eps);
      if (g > 1)
        ck_assert_msg (reference_error (&in, basis, g - 1) > cs[_i].eps, "R = %g: g - 1",
                       in.R);
      inst_clear (&in);
    }
}
END_TEST

/* Each tier on its own (FGATTN_POLY_TIER), at scores up to 12 and 36
   (Rademacher entries): where double-double and MPFR keep their answer
   (their bounds far below the errors) it is the exact one to 1e-12 and
   the output's last rounding; double's, to its looser bound.  */
static const struct
{
  size_t n, d;
  double B, eps, Rlo;
} tier_cases[] = { { 24, 4, 3.5, 1e-7, 12 }, { 48, 10, 6, 1e-3, 35.9 } };

START_TEST (test_each_tier)
{
  static const char *const tiers[] = { "double", "dd", "mpfr" };
  inst_t in;
  inst_make (&in, tier_cases[_i].n, tier_cases[_i].d, 2, tier_cases[_i].B, 1, 23);
  ck_assert (in.R > tier_cases[_i].Rlo && in.R < tier_cases[_i].Rlo + 0.5);
  for (int b = 0; b < 2; b++)
    {
      const fga_basis basis = b ? FGA_BASIS_TAYLOR : FGA_BASIS_CHEB;
      long gs[3];
      double ms[3];
      for (int t = 0; t < 3; t++)
        {
          setenv ("FGATTN_POLY_TIER", tiers[t], 1);
          int cens;
          least (&gs[t], &cens, &ms[t], &in, basis, tier_cases[_i].eps, 100);
          ck_assert (!cens);
        }
      unsetenv ("FGATTN_POLY_TIER");
      double ref = reference_error (&in, basis, gs[0]);
      for (int t = 0; t < 3; t++)
        {
          ck_assert_msg (gs[t] == gs[0], "%s: g %ld, double %ld", tiers[t], gs[t], gs[0]);
          /* and the final rounding of the output (|T| <= 1) to double */
          double tol = (t == 0 ? 0x1p-20 : 1e-12) * ref + 4 * DBL_EPSILON;
          ck_assert_msg (fabs (ms[t] - ref) <= tol, "R = %g, %s, %s: max_abs %.17g, exact "
                         "%.17g", in.R, tiers[t], fga_basis_name (basis), ms[t], ref);
        }
    }
  inst_clear (&in);
}
END_TEST

START_TEST (test_refusals)
{
  inst_t in;
  inst_make (&in, 10, 2, 2, 1, 0, 9);
  long g;
  int cens;
  double ma;
  fga_error err;
  /* R below the data's radius: the scores may leave [-R, R] */
  ck_assert_int_eq (fga_poly_least_degree (&g, &cens, &ma, in.Q, in.K, in.V, in.truth, in.tau,
                                           FGA_BASIS_CHEB, in.R / 2, 1e-3, 10, &err),
                    FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "may leave [-R, R]") != NULL, "%s", err.msg);
  ck_assert_int_eq (fga_poly_least_degree (&g, &cens, &ma, in.Q, in.K, in.V, in.truth, in.tau,
                                           FGA_BASIS_CHEB, in.R, 0, 10, &err), FGA_ERR_INPUT);
  ck_assert (strstr (err.msg, "eps") != NULL);
  ck_assert_int_eq (fga_poly_least_degree (&g, &cens, &ma, in.Q, in.K, in.V, in.truth, in.tau,
                                           FGA_BASIS_CHEB, in.R, 1e-3, 0, &err), FGA_ERR_INPUT);
  ck_assert (strstr (err.msg, "gmax") != NULL);
  fga_mat_t bad;
  ck_assert (fga_mat_init (bad, 10, 3, &err) == FGA_OK);
  ck_assert_int_eq (fga_poly_least_degree (&g, &cens, &ma, in.Q, in.K, in.V, bad, in.tau,
                                           FGA_BASIS_CHEB, in.R, 1e-3, 10, &err), FGA_ERR_INPUT);
  ck_assert (strstr (err.msg, "truth is 10 x 3") != NULL);
  fga_mat_clear (bad);
  in.truth->data[3] = NAN;
  ck_assert_int_eq (fga_poly_least_degree (&g, &cens, &ma, in.Q, in.K, in.V, in.truth, in.tau,
                                           FGA_BASIS_CHEB, in.R, 1e-3, 10, &err), FGA_ERR_INPUT);
  ck_assert (strstr (err.msg, "truth") != NULL);
  inst_clear (&in);
}
END_TEST

static Suite *
pd_suite (void)
{
  Suite *s = suite_create ("poly-degree");
  TCase *tc = fga_test_tcase ("degree", 60);
  tcase_add_loop_test (tc, test_agrees_with_method, 0, sizeof agree / sizeof agree[0]);
  tcase_add_test (tc, test_closed_form);
  tcase_add_test (tc, test_ties_and_sign);
  tcase_add_test (tc, test_huge_v);
  tcase_add_loop_test (tc, test_large_scores_exact, 0, 3);
  tcase_add_loop_test (tc, test_each_tier, 0, 2);
  tcase_add_test (tc, test_refusals);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (pd_suite ());
}
