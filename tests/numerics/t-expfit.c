/* t-expfit -- polynomials of exp: Bessel and FFTW coefficients, certified bounds, least degrees, monomial forms

   Expected values come from closed forms (I_k(1) from its series, e^R - 1,
   1/k!), from identities (sum a_k = e^R, aliasing of the interpolant), or
   from the obvious loops below at much higher precision; never from the
   code under test.  */

#include <config.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define N(a) (sizeof (a) / sizeof ((a)[0]))

static const double RS[] = { 0.25, 1, 4, 9, 16 };

/* --- slow references ------------------------------------------------------- */

/* I_k(R) by its series at prec bits, summed well past the largest term. */
static void
ref_bessel_i (mpfr_ptr out, unsigned long k, double R, mpfr_prec_t prec)
{
  mpfr_t t, h2;
  mpfr_inits2 (prec + 32, t, h2, (mpfr_ptr) 0);
  mpfr_set_d (t, R / 2, MPFR_RNDN);
  mpfr_sqr (h2, t, MPFR_RNDN);
  mpfr_pow_ui (t, t, k, MPFR_RNDN);
  for (unsigned long i = 2; i <= k; i++)
    mpfr_div_ui (t, t, i, MPFR_RNDN);
  mpfr_set_prec (out, prec + 32);
  mpfr_set (out, t, MPFR_RNDN);
  for (unsigned long m = 1; m < 100000; m++)
    {
      mpfr_mul (t, t, h2, MPFR_RNDN);
      mpfr_div_ui (t, t, m, MPFR_RNDN);
      mpfr_div_ui (t, t, m + k, MPFR_RNDN);
      mpfr_add (out, out, t, MPFR_RNDN);
      if ((double) m > R && mpfr_get_exp (t) < mpfr_get_exp (out) - prec - 40)
        break;
    }
  mpfr_clears (t, h2, (mpfr_ptr) 0);
}

/* The Chebyshev coefficient a_k = I_0 or 2 I_k, as a double.  */
static double
ref_coeff (unsigned long k, double R)
{
  mpfr_t x;
  mpfr_init2 (x, 64);
  ref_bessel_i (x, k, R, 128);
  double v = ldexp (mpfr_get_d (x, MPFR_RNDN), k > 0);
  mpfr_clear (x);
  return v;
}

/* sum_{k<=g} a_k T_k(s) by Clenshaw at prec bits, a_k from ref_bessel_i. */
static void
ref_clenshaw (mpfr_ptr out, long g, double R, mpfr_srcptr s, mpfr_prec_t prec)
{
  mpfr_t b1, b2, t, a;
  mpfr_inits2 (prec, b1, b2, t, a, (mpfr_ptr) 0);
  mpfr_set_zero (b1, 1);
  mpfr_set_zero (b2, 1);
  for (long k = g; k >= 1; k--)
    {
      /* b_k = a_k + 2 s b_{k+1} - b_{k+2} */
      ref_bessel_i (a, (unsigned long) k, R, prec);
      mpfr_mul_2ui (a, a, 1, MPFR_RNDN);
      mpfr_mul (t, b1, s, MPFR_RNDN);
      mpfr_mul_2ui (t, t, 1, MPFR_RNDN);
      mpfr_sub (t, t, b2, MPFR_RNDN);
      mpfr_add (t, t, a, MPFR_RNDN);
      mpfr_swap (b2, b1);
      mpfr_swap (b1, t);
    }
  /* f = a_0 + s b_1 - b_2 */
  ref_bessel_i (a, 0, R, prec);
  mpfr_mul (t, b1, s, MPFR_RNDN);
  mpfr_sub (t, t, b2, MPFR_RNDN);
  mpfr_add (out, t, a, MPFR_RNDN);
  mpfr_clears (b1, b2, t, a, (mpfr_ptr) 0);
}

/* Precision of the monomial coefficients in these tests: the rounding
   then adds at most ~2^-60 of the smallest bound looked at.  */
static mpfr_prec_t
prec_for (double R)
{
  return 160 + (mpfr_prec_t) ceil (3 * R / M_LN2);
}

static void
init_ok (fga_expfit_ptr p, fga_basis b, double R, long g, mpfr_prec_t prec)
{
  fga_error err;
  fga_error_init (&err);
  int rc = fga_expfit_init (p, b, R, g, prec, &err);
  ck_assert_msg (rc == FGA_OK, "fga_expfit_init (%s, R = %g, g = %ld, prec = %ld): %s",
                 fga_basis_name (b), R, g, (long) prec, err.msg);
}

static void
measure_ok (double *ea, double *er, fga_expfit_srcptr p, size_t npts)
{
  fga_error err;
  fga_error_init (&err);
  int rc = fga_expfit_measure (ea, er, p, npts, &err);
  ck_assert_msg (rc == FGA_OK, "fga_expfit_measure: %s", err.msg);
}

static long
least_ok (fga_basis b, double R, double eps, int rel)
{
  fga_error err;
  fga_error_init (&err);
  long g = -1;
  int rc = fga_expfit_least_degree (&g, b, R, eps, rel, 10000, &err);
  ck_assert_msg (rc == FGA_OK, "fga_expfit_least_degree (%s, R = %g, eps = %g, %s): %s",
                 fga_basis_name (b), R, eps, rel ? "rel" : "abs", err.msg);
  return g;
}

/* --- Bessel and FFTW coefficients ---------------------------------------- */

/* I_0(1), 2 I_1(1), 2 I_2(1) from the series of theory/exp-approximation.md, lemma 3.  */
START_TEST (bessel_closed_values_R1)
{
  static const double want[3] = { 1.266065877752008, 1.130318207984970, 0.2714953395340765 };
  fga_error err;
  mpfr_t a[3];
  double af[3];
  for (int k = 0; k < 3; k++)
    mpfr_init2 (a[k], 53);
  ck_assert_int_eq (fga_cheb_coeffs_bessel (a, 2, 1.0, &err), FGA_OK);
  ck_assert_int_eq (fgap_cheb_coeffs_fftw (af, 2, 1.0, 32, &err), FGA_OK);
  for (int k = 0; k < 3; k++)
    {
      /* the literals carry 16 significant digits */
      ck_assert_close (mpfr_get_d (a[k], MPFR_RNDN), want[k], 0, 1e-15 * want[k]);
      ck_assert_close (af[k], want[k], 0, 2e-15 * want[k]);
      mpfr_clear (a[k]);
    }
}
END_TEST

/* Correct rounding of fga_cheb_coeffs_bessel at several precisions.  */
static const struct { double R; mpfr_prec_t prec; } cr_cases[] = {
  { 0.25, 24 }, { 1, 53 }, { 4, 53 }, { 9, 113 }, { 16, 53 }, { 16, 300 }, { 1e-3, 64 },
  { 100, 80 },
};

START_TEST (bessel_correctly_rounded)
{
  double R = cr_cases[_i].R;
  mpfr_prec_t prec = cr_cases[_i].prec;
  const long g = 40;
  fga_error err;
  mpfr_t a[41], r;
  mpfr_init2 (r, 64);
  for (long k = 0; k <= g; k++)
    mpfr_init2 (a[k], prec);
  ck_assert_int_eq (fga_cheb_coeffs_bessel (a, g, R, &err), FGA_OK);
  for (long k = 0; k <= g; k++)
    {
      ref_bessel_i (r, (unsigned long) k, R, 4 * prec + 100);
      mpfr_mul_2ui (r, r, k > 0, MPFR_RNDN);
      mpfr_prec_round (r, prec, MPFR_RNDN);
      ck_assert_msg (mpfr_equal_p (r, a[k]), "a_%ld(R = %g) at %ld bits is not correctly rounded",
                     k, R, (long) prec);
      mpfr_clear (a[k]);
    }
  mpfr_clear (r);
}
END_TEST

/* sum_k a_k = e^R and sum_k (-1)^k a_k = e^-R (T_k(1) = 1, T_k(-1) = (-1)^k). */
START_TEST (bessel_sum_identities)
{
  double R = RS[_i];
  const long g = 90;
  fga_error err;
  mpfr_t a[91], sp, sm, e;
  mpfr_inits2 (200, sp, sm, e, (mpfr_ptr) 0);
  for (long k = 0; k <= g; k++)
    mpfr_init2 (a[k], 200);
  ck_assert_int_eq (fga_cheb_coeffs_bessel (a, g, R, &err), FGA_OK);
  mpfr_set_zero (sp, 1);
  mpfr_set_zero (sm, 1);
  for (long k = 0; k <= g; k++)
    {
      mpfr_add (sp, sp, a[k], MPFR_RNDN);
      if (k & 1)
        mpfr_sub (sm, sm, a[k], MPFR_RNDN);
      else
        mpfr_add (sm, sm, a[k], MPFR_RNDN);
      mpfr_clear (a[k]);
    }
  mpfr_set_d (e, R, MPFR_RNDN);
  mpfr_exp (e, e, MPFR_RNDN);
  mpfr_div (sp, sp, e, MPFR_RNDN);
  mpfr_mul (sm, sm, e, MPFR_RNDN);
  mpfr_sub_ui (sp, sp, 1, MPFR_RNDN);
  mpfr_sub_ui (sm, sm, 1, MPFR_RNDN);
  mpfr_abs (sp, sp, MPFR_RNDN);
  mpfr_abs (sm, sm, MPFR_RNDN);
  ck_assert_msg (mpfr_cmp_ui_2exp (sp, 1, -180) < 0 && mpfr_cmp_ui_2exp (sm, 1, -150) < 0,
                 "R = %g: sum a_k / e^R - 1 = %g, e^R sum (-1)^k a_k - 1 = %g", R,
                 mpfr_get_d (sp, MPFR_RNDN), mpfr_get_d (sm, MPFR_RNDN));
  mpfr_clears (sp, sm, e, (mpfr_ptr) 0);
}
END_TEST

/* Lemma 4: (R/2)^k/k! <= I_k(R) <= (R/2)^k/k! e^{R^2/(4(k+1))}.  */
START_TEST (bessel_lemma4_bounds)
{
  double R = RS[_i];
  mpfr_t I, t, u;
  mpfr_inits2 (128, I, t, u, (mpfr_ptr) 0);
  for (unsigned long k = 0; k <= 60; k++)
    {
      ref_bessel_i (I, k, R, 128);
      mpfr_set_d (t, R / 2, MPFR_RNDN);
      mpfr_pow_ui (t, t, k, MPFR_RNDN);
      for (unsigned long i = 2; i <= k; i++)
        mpfr_div_ui (t, t, i, MPFR_RNDN);
      mpfr_set_d (u, R * R / (4.0 * (double) (k + 1)), MPFR_RNDN);
      mpfr_exp (u, u, MPFR_RNDN);
      mpfr_mul (u, u, t, MPFR_RNDN);
      ck_assert_msg (mpfr_cmp (t, I) <= 0 && mpfr_cmp (I, u) <= 0,
                     "R = %g, k = %lu: I_k outside lemma 4's bounds", R, k);
    }
  mpfr_clears (I, t, u, (mpfr_ptr) 0);
}
END_TEST

/* With many points the interpolant's coefficients are the series' up to
   rounding: the samples reach e^R, so the DCT is accurate to ~n u e^R. */
START_TEST (fftw_agrees_with_bessel)
{
  double R = RS[_i];
  const long g = 40;
  const size_t n = 128;
  double a[41];
  fga_error err;
  ck_assert_int_eq (fgap_cheb_coeffs_fftw (a, g, R, n, &err), FGA_OK);
  double tol = 16 * DBL_EPSILON * exp (R);
  for (long k = 0; k <= g; k++)
    ck_assert_close (a[k], ref_coeff ((unsigned long) k, R), 0, tol);
}
END_TEST

/* With few points, aliasing: T_{2mN +- k} = T_k at the N+1 extreme points,
   so c_k = sum of a_i over i = 2mN +- k (i = 2mN for k = 0, (2m+1)N for k = N). */
static const struct { double R; size_t n; } alias_cases[] = {
  { 4, 9 }, { 9, 6 }, { 16, 17 }, { 1, 3 }, { 16, 2 },
};

START_TEST (fftw_aliasing)
{
  double R = alias_cases[_i].R;
  size_t n = alias_cases[_i].n;
  long N = (long) n - 1, g = N;
  double c[64];
  fga_error err;
  ck_assert_int_eq (fgap_cheb_coeffs_fftw (c, g, R, n, &err), FGA_OK);
  for (long k = 0; k <= N; k++)
    {
      double want = 0;
      for (long i = 0; i < 150; i++)
        {
          long r = i % (2 * N);
          if (r > N)
            r = 2 * N - r;
          if (r == k)
            want += ref_coeff ((unsigned long) i, R);
        }
      ck_assert_close (c[k], want, 0, 16 * DBL_EPSILON * exp (R));
    }
}
END_TEST

/* --- certified bounds ------------------------------------------------------ */

/* The bound is never below the measured error, decreases with g (see
   below for the relative Taylor bound), and is attained: |e^x - p| peaks at x = R (Taylor and Chebyshev, absolute), the
   relative Taylor error at x = -R; the relative Chebyshev bound of lemma 6
   is observed to be sharp too (its coefficients have one sign pattern).  */
START_TEST (bound_ge_measured_and_sharp)
{
  double R = RS[_i / 2];
  fga_basis b = _i % 2 ? FGA_BASIS_CHEB : FGA_BASIS_TAYLOR;
  long gtop = least_ok (b, R, 1e-12, 1);
  double prev_a = INFINITY, prev_r = INFINITY;
  for (long g = 0; g <= gtop; g++)
    {
      fga_expfit_t p;
      double ea, er;
      init_ok (p, b, R, g, prec_for (R));
      measure_ok (&ea, &er, p, 1001);
      ck_assert_msg (ea <= p->bound_abs && er <= p->bound_rel,
                     "%s R = %g g = %ld: measured %.17g / %.17g above the bound %.17g / %.17g",
                     fga_basis_name (b), R, g, ea, er, p->bound_abs, p->bound_rel);
      ck_assert_msg (ea >= p->bound_abs * (1 - 1e-9) && er >= p->bound_rel * (1 - 1e-9),
                     "%s R = %g g = %ld: bound %.17g / %.17g not attained (measured %.17g / %.17g)",
                     fga_basis_name (b), R, g, p->bound_abs, p->bound_rel, ea, er);
      /* The absolute bounds decrease; the relative Taylor bound grows while
         g < R - 1, but stays >= 1 there (lemma 2), so for eps < 1 the
         degrees that meet eps are all those from the least one on.  */
      ck_assert_msg (p->bound_abs <= prev_a && (p->bound_rel <= prev_r || prev_r >= 1),
                     "%s R = %g: the bound grows from g = %ld to %ld", fga_basis_name (b), R,
                     g - 1, g);
      if (b == FGA_BASIS_TAYLOR && (double) g < R - 1)
        ck_assert (p->bound_rel >= 1);
      prev_a = p->bound_abs;
      prev_r = p->bound_rel;
      fga_expfit_clear (p);
    }
}
END_TEST

/* Lemmas 1, 2, 6 against the classical closed forms: the Taylor bounds are
   below R^{g+1} e^R / (g+1)!, the relative Chebyshev bound below e^R times
   the absolute one.  */
START_TEST (bound_below_closed_forms)
{
  double R = RS[_i];
  /* 1024 bits: the coefficients' rounding stays far below R^61/61! */
  for (long g = 0; g <= 60; g += 3)
    {
      fga_expfit_t t, c;
      init_ok (t, FGA_BASIS_TAYLOR, R, g, 1024);
      init_ok (c, FGA_BASIS_CHEB, R, g, 1024);
      double cf = exp (R + (double) (g + 1) * log (R) - lgamma ((double) g + 2));
      ck_assert_msg (t->bound_abs <= cf * (1 + 1e-12) && t->bound_rel <= cf * (1 + 1e-12),
                     "taylor R = %g g = %ld: %g, %g above R^{g+1} e^R/(g+1)! = %g", R, g,
                     t->bound_abs, t->bound_rel, cf);
      ck_assert_msg (c->bound_rel <= exp (R) * c->bound_abs * (1 + 1e-12),
                     "cheb R = %g g = %ld: relative %g above e^R x absolute %g", R, g,
                     c->bound_rel, c->bound_abs);
      fga_expfit_clear (t);
      fga_expfit_clear (c);
    }
}
END_TEST

/* Coefficients rounded to few bits: the bound accounts for it and still
   holds against the measurement.  */
static const struct { fga_basis b; double R; long g; mpfr_prec_t prec; } coarse_cases[] = {
  { FGA_BASIS_TAYLOR, 4, 20, 12 }, { FGA_BASIS_CHEB, 4, 15, 12 },
  { FGA_BASIS_TAYLOR, 16, 70, 53 }, { FGA_BASIS_CHEB, 16, 45, 53 },
  { FGA_BASIS_CHEB, 9, 30, 24 }, { FGA_BASIS_TAYLOR, 1, 9, 2 },
};

START_TEST (bound_with_coarse_coefficients)
{
  fga_expfit_t p;
  double ea, er;
  init_ok (p, coarse_cases[_i].b, coarse_cases[_i].R, coarse_cases[_i].g,
           coarse_cases[_i].prec);
  measure_ok (&ea, &er, p, 2001);
  ck_assert_msg (ea <= p->bound_abs && er <= p->bound_rel,
                 "case %d: measured %g / %g above the bound %g / %g", _i, ea, er, p->bound_abs,
                 p->bound_rel);
  fga_expfit_clear (p);
}
END_TEST

/* --- least degrees ----------------------------------------------------------- */

/* The table of degrees measured on a grid (theory/exp-approximation.md,
   section 7): the certified least degrees
   reproduce it exactly, because every bound here is the supremum itself
   (to ~2^-60), so certified and measured degrees coincide.  */
static const struct { double R, eps; long taylor_abs, taylor_rel, cheb_abs, cheb_rel; }
  ref_table[] = {
  { 1, 1e-6, 9, 9, 7, 7 },
  { 4, 1e-6, 19, 21, 13, 15 },
  { 16, 1e-6, 53, 65, 33, 42 },
  { 16, 1e-12, 64, 74, 41, 50 },
};

START_TEST (least_degree_reference_table)
{
  double R = ref_table[_i].R, eps = ref_table[_i].eps;
  ck_assert_int_eq (least_ok (FGA_BASIS_TAYLOR, R, eps, 0), ref_table[_i].taylor_abs);
  ck_assert_int_eq (least_ok (FGA_BASIS_TAYLOR, R, eps, 1), ref_table[_i].taylor_rel);
  ck_assert_int_eq (least_ok (FGA_BASIS_CHEB, R, eps, 0), ref_table[_i].cheb_abs);
  ck_assert_int_eq (least_ok (FGA_BASIS_CHEB, R, eps, 1), ref_table[_i].cheb_rel);
}
END_TEST

/* g meets eps, g - 1 fails it: by its certified bound and by its measured
   error.  Cases: R x eps x basis x (abs, rel).  */
static const double EPSS[] = { 1e-3, 1e-6, 1e-12 };

START_TEST (least_degree_is_least)
{
  int i = _i;
  int rel = i % 2;
  i /= 2;
  fga_basis b = i % 2 ? FGA_BASIS_CHEB : FGA_BASIS_TAYLOR;
  i /= 2;
  double eps = EPSS[i % 3], R = RS[i / 3];
  long g = least_ok (b, R, eps, rel);
  fga_expfit_t p;
  double ea, er;
  init_ok (p, b, R, g, prec_for (R));
  ck_assert_msg ((rel ? p->bound_rel : p->bound_abs) <= eps, "%s R = %g eps = %g: bound at g = "
                 "%ld is %g", fga_basis_name (b), R, eps, g, rel ? p->bound_rel : p->bound_abs);
  fga_expfit_clear (p);
  if (g == 0)
    return;
  init_ok (p, b, R, g - 1, prec_for (R));
  measure_ok (&ea, &er, p, 1001);
  ck_assert_msg ((rel ? p->bound_rel : p->bound_abs) > eps && (rel ? er : ea) > eps,
                 "%s R = %g eps = %g %s: g - 1 = %ld also meets eps (bound %g, measured %g)",
                 fga_basis_name (b), R, eps, rel ? "rel" : "abs", g - 1,
                 rel ? p->bound_rel : p->bound_abs, rel ? er : ea);
  fga_expfit_clear (p);
}
END_TEST

START_TEST (least_degree_gmax_too_small)
{
  fga_error err;
  fga_error_init (&err);
  long g = -7;
  int rc = fga_expfit_least_degree (&g, FGA_BASIS_CHEB, 16, 1e-12, 1, 49, &err);
  ck_assert_int_eq (rc, FGA_ERR_COMPUTE);
  ck_assert_int_eq (g, -7);
  ck_assert_msg (strstr (err.msg, "gmax = 49") != NULL, "message: %s", err.msg);
  ck_assert_int_eq (fga_expfit_least_degree (&g, FGA_BASIS_CHEB, 16, 1e-12, 1, 50, &err), FGA_OK);
  ck_assert_int_eq (g, 50);
}
END_TEST

/* --- monomial forms ------------------------------------------------------------ */

/* Taylor: mono_k is 1/k! rounded to nearest, checked exactly:
   |mono_k k! - 1| <= half an ulp of mono_k times k! (a quarter ulp when
   mono_k is a power of 2 above 1/k!, where the ulp below is half).  */
static const mpfr_prec_t taylor_precs[] = { 2, 11, 24, 53, 64, 113, 300 };

START_TEST (taylor_coefficients_correctly_rounded)
{
  mpfr_prec_t prec = taylor_precs[_i];
  const long g = 60;
  fga_expfit_t p;
  init_ok (p, FGA_BASIS_TAYLOR, 4, g, prec);
  mpz_t f;
  mpz_init_set_ui (f, 1);
  mpfr_t x, h;
  mpfr_inits2 (prec + 1000, x, h, (mpfr_ptr) 0);
  for (long k = 0; k <= g; k++)
    {
      if (k > 0)
        mpz_mul_ui (f, f, (unsigned long) k);
      ck_assert_int_eq (mpfr_get_prec (p->mono[k]), prec);
      mpfr_mul_z (x, p->mono[k], f, MPFR_RNDN);           /* exact: < prec + 300 bits */
      mpfr_sub_ui (x, x, 1, MPFR_RNDN);
      int pow2 = mpfr_cmp_ui_2exp (p->mono[k], 1, mpfr_get_exp (p->mono[k]) - 1) == 0;
      mpfr_set_z_2exp (h, f, mpfr_get_exp (p->mono[k]) - prec - (pow2 && mpfr_sgn (x) > 0 ? 2 : 1),
                       MPFR_RNDN);
      ck_assert_msg (mpfr_cmpabs (x, h) <= 0, "mono_%ld at %ld bits is not 1/k! rounded to nearest",
                     k, (long) prec);
      /* mono_d: no double is nearer to mono_k */
      double d = p->mono_d[k];
      mpfr_set_d (x, d, MPFR_RNDN);
      mpfr_sub (x, x, p->mono[k], MPFR_RNDN);
      mpfr_set_d (h, nextafter (d, INFINITY), MPFR_RNDN);
      mpfr_sub (h, h, p->mono[k], MPFR_RNDN);
      ck_assert (mpfr_cmpabs (x, h) <= 0);
      mpfr_set_d (h, nextafter (d, -INFINITY), MPFR_RNDN);
      mpfr_sub (h, h, p->mono[k], MPFR_RNDN);
      ck_assert (mpfr_cmpabs (x, h) <= 0);
    }
  mpz_clear (f);
  mpfr_clears (x, h, (mpfr_ptr) 0);
  fga_expfit_clear (p);
}
END_TEST

/* Chebyshev: the monomial form, evaluated by Horner at 2048 bits, equals
   the Chebyshev form evaluated by Clenshaw at 2048 bits with independently
   computed coefficients, within the conversion's precision: the rounding
   of mono_k to prec bits moves p by at most 2^-prec sum_k |mono_k| R^k.  */
static const struct { double R; long g; mpfr_prec_t prec; } mono_cases[] = {
  { 0.25, 8, 53 }, { 1, 12, 53 }, { 4, 20, 53 }, { 9, 30, 80 }, { 16, 45, 53 }, { 16, 50, 200 },
  { 16, 5, 300 }, { 4, 0, 53 }, { 4, 1, 53 },
};

START_TEST (cheb_monomial_equals_clenshaw)
{
  double R = mono_cases[_i].R;
  long g = mono_cases[_i].g;
  mpfr_prec_t prec = mono_cases[_i].prec;
  const mpfr_prec_t hp = 2048;
  fga_expfit_t p;
  init_ok (p, FGA_BASIS_CHEB, R, g, prec);
  mpfr_t x, s, y, c, tol, t;
  mpfr_inits2 (hp, x, s, y, c, tol, t, (mpfr_ptr) 0);
  /* tol = 2^{1-prec} sum_k |mono_k| R^k */
  mpfr_set_zero (tol, 1);
  for (long k = 0; k <= g; k++)
    {
      mpfr_set_d (t, R, MPFR_RNDN);
      mpfr_pow_ui (t, t, (unsigned long) k, MPFR_RNDN);
      mpfr_mul (t, t, p->mono[k], MPFR_RNDN);
      mpfr_abs (t, t, MPFR_RNDN);
      mpfr_add (tol, tol, t, MPFR_RNDN);
    }
  mpfr_mul_2si (tol, tol, 1 - (long) prec, MPFR_RNDN);
  for (int i = 0; i <= 10; i++)
    {
      mpfr_set_si (s, 2 * i - 10, MPFR_RNDN);
      mpfr_div_ui (s, s, 10, MPFR_RNDN);
      mpfr_mul_d (x, s, R, MPFR_RNDN);
      mpfr_set (y, p->mono[g], MPFR_RNDN);
      for (long k = g - 1; k >= 0; k--)
        mpfr_fma (y, y, x, p->mono[k], MPFR_RNDN);
      ref_clenshaw (c, g, R, s, hp);
      mpfr_sub (t, y, c, MPFR_RNDN);
      ck_assert_msg (mpfr_cmpabs (t, tol) <= 0, "R = %g g = %ld prec = %ld, x = %g: monomial - "
                     "Clenshaw = %g, tolerance %g", R, g, (long) prec, mpfr_get_d (x, MPFR_RNDN),
                     mpfr_get_d (t, MPFR_RNDN), mpfr_get_d (tol, MPFR_RNDN));
    }
  mpfr_clears (x, s, y, c, tol, t, (mpfr_ptr) 0);
  fga_expfit_clear (p);
}
END_TEST

/* --- measurement and the Aggarwal--Alman form ------------------------------------ */

/* p = 1 (g = 0): max |1 - e^x| = e^R - 1 at x = R, and max |1 - e^x|/e^x =
   e^R - 1 at x = -R; two points (the end points) suffice.  */
START_TEST (measure_constant)
{
  double R = RS[_i];
  fga_expfit_t p;
  double ea, er;
  init_ok (p, FGA_BASIS_TAYLOR, R, 0, 53);
  measure_ok (&ea, &er, p, 2);
  ck_assert_close (ea, expm1 (R), 2, 0);
  ck_assert_close (er, expm1 (R), 2, 0);
  measure_ok (&ea, &er, p, 3);
  ck_assert_close (ea, expm1 (R), 2, 0);
  fga_expfit_clear (p);
}
END_TEST

static const struct { double R, eps, want; } aa_cases[] = {
  { 1, 1e-6, 5.26146435359148578928 }, { 1, 1e-300, 105.658470966373019460 },
  { 0.25, 1e-12, 5.87240173593914733209 }, { 4, 1e-12, 14.2969996663279966553 },
  { 16, 1e-6, 16 }, { 9, 1e-3, 9 },
};

START_TEST (aggarwal_alman_values)
{
  ck_assert_close (fga_expfit_aggarwal_alman (aa_cases[_i].R, aa_cases[_i].eps),
                   aa_cases[_i].want, 8, 0);
}
END_TEST

/* --- bad input and MPFR's state ------------------------------------------------------ */

typedef struct
{
  int kind;                    /* 0 init, 1 least, 2 measure, 3 fftw, 4 bessel, 5 parse */
  fga_basis b;
  double R;
  long g;
  mpfr_prec_t prec;
  double eps;
  size_t n;
  const char *text;
  const char *needle;          /* the message must name this */
} bad_t;

static const bad_t bad[] = {
  { 0, FGA_BASIS_CHEB, 0, 3, 53, 0, 0, NULL, "R = 0" },
  { 0, FGA_BASIS_CHEB, -1, 3, 53, 0, 0, NULL, "R = -1" },
  { 0, FGA_BASIS_TAYLOR, NAN, 3, 53, 0, 0, NULL, "R = nan" },
  { 0, FGA_BASIS_TAYLOR, INFINITY, 3, 53, 0, 0, NULL, "R = inf" },
  { 0, FGA_BASIS_TAYLOR, 2000, 3, 53, 0, 0, NULL, "R = 2000" },
  { 0, FGA_BASIS_CHEB, 1, -1, 53, 0, 0, NULL, "g = -1" },
  { 0, FGA_BASIS_CHEB, 1, 10001, 53, 0, 0, NULL, "g = 10001" },
  { 0, FGA_BASIS_CHEB, 1, 3, 0, 0, 0, NULL, "prec = 0" },
  { 0, FGA_BASIS_CHEB, 1, 3, MPFR_PREC_MAX, 0, 0, NULL, "prec = " },
  { 0, (fga_basis) 7, 1, 3, 53, 0, 0, NULL, "basis 7" },
  { 1, FGA_BASIS_CHEB, 1, 100, 0, 0, 0, NULL, "eps = 0" },
  { 1, FGA_BASIS_CHEB, 1, 100, 0, 1, 0, NULL, "eps = 1" },
  { 1, FGA_BASIS_TAYLOR, 1, 100, 0, NAN, 0, NULL, "eps = nan" },
  { 1, FGA_BASIS_TAYLOR, 1, 100, 0, -1e-3, 0, NULL, "eps = -0.001" },
  { 1, FGA_BASIS_TAYLOR, 1, -1, 0, 1e-3, 0, NULL, "gmax = -1" },
  { 1, FGA_BASIS_TAYLOR, 1, 10001, 0, 1e-3, 0, NULL, "gmax = 10001" },
  { 1, FGA_BASIS_TAYLOR, 0, 100, 0, 1e-3, 0, NULL, "R = 0" },
  { 1, (fga_basis) -1, 1, 100, 0, 1e-3, 0, NULL, "basis -1" },
  { 2, FGA_BASIS_TAYLOR, 1, 3, 53, 0, 1, NULL, "npts = 1" },
  { 2, FGA_BASIS_TAYLOR, 1, 3, 53, 0, 0, NULL, "npts = 0" },
  { 3, FGA_BASIS_CHEB, 1, 3, 0, 0, 1, NULL, "n = 1" },
  { 3, FGA_BASIS_CHEB, 1, 8, 0, 0, 8, NULL, "n = 8" },
  { 3, FGA_BASIS_CHEB, -2, 3, 0, 0, 8, NULL, "R = -2" },
  { 3, FGA_BASIS_CHEB, 1, -3, 0, 0, 8, NULL, "g = -3" },
  { 3, FGA_BASIS_CHEB, 800, 3, 0, 0, 8, NULL, "R = 800" },
  { 4, FGA_BASIS_CHEB, 0, 3, 0, 0, 0, NULL, "R = 0" },
  { 4, FGA_BASIS_CHEB, 1, -1, 0, 0, 0, NULL, "g = -1" },
  { 5, FGA_BASIS_CHEB, 0, 0, 0, 0, 0, "chebyshev", "chebyshev" },
  { 5, FGA_BASIS_CHEB, 0, 0, 0, 0, 0, "", "basis ''" },
  { 5, FGA_BASIS_CHEB, 0, 0, 0, 0, 0, "Taylor", "Taylor" },
};

START_TEST (bad_input_refused)
{
  const bad_t *c = &bad[_i];
  fga_error err;
  fga_error_init (&err);
  int rc = FGA_OK;
  double a[16];
  mpfr_t m[4];
  for (int k = 0; k < 4; k++)
    mpfr_init2 (m[k], 53);
  switch (c->kind)
    {
    case 0:
      {
        fga_expfit_t p;
        rc = fga_expfit_init (p, c->b, c->R, c->g, c->prec, &err);
        ck_assert (p->mono == NULL && p->mono_d == NULL);
        fga_expfit_clear (p);                  /* harmless after a failure */
        break;
      }
    case 1:
      {
        long g = -5;
        rc = fga_expfit_least_degree (&g, c->b, c->R, c->eps, 1, c->g, &err);
        ck_assert_int_eq (g, -5);
        break;
      }
    case 2:
      {
        fga_expfit_t p;
        double ea = -1, er = -1;
        init_ok (p, c->b, c->R, c->g, c->prec);
        rc = fga_expfit_measure (&ea, &er, p, c->n, &err);
        ck_assert (ea == -1 && er == -1);
        fga_expfit_clear (p);
        break;
      }
    case 3:
      rc = fgap_cheb_coeffs_fftw (a, c->g, c->R, c->n, &err);
      break;
    case 4:
      rc = fga_cheb_coeffs_bessel (m, c->g, c->R, &err);
      break;
    default:
      {
        fga_basis b = FGA_BASIS_TAYLOR;
        rc = fga_basis_parse (&b, c->text, &err);
        ck_assert_int_eq (b, FGA_BASIS_TAYLOR);
      }
    }
  for (int k = 0; k < 4; k++)
    mpfr_clear (m[k]);
  ck_assert_int_eq (rc, FGA_ERR_INPUT);
  ck_assert_int_eq (err.code, FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, c->needle) != NULL, "case %d: message '%s' does not name '%s'",
                 _i, err.msg, c->needle);
}
END_TEST

START_TEST (names_and_parse)
{
  fga_basis b;
  ck_assert_int_eq (fga_basis_parse (&b, "cheb", NULL), FGA_OK);
  ck_assert_int_eq (b, FGA_BASIS_CHEB);
  ck_assert_int_eq (fga_basis_parse (&b, "taylor", NULL), FGA_OK);
  ck_assert_int_eq (b, FGA_BASIS_TAYLOR);
  ck_assert_str_eq (fga_basis_name (FGA_BASIS_CHEB), "cheb");
  ck_assert_str_eq (fga_basis_name (FGA_BASIS_TAYLOR), "taylor");
  ck_assert_int_eq (fga_basis_parse (&b, NULL, NULL), FGA_ERR_INPUT);
  ck_assert (isnan (fga_expfit_aggarwal_alman (0, 1e-3)));
  ck_assert (isnan (fga_expfit_aggarwal_alman (1, 1)));
  ck_assert (isnan (fga_expfit_aggarwal_alman (NAN, 1e-3)));
}
END_TEST

/* The library leaves MPFR's flags and exponent range as it found them.  */
START_TEST (mpfr_state_restored)
{
  mpfr_exp_t emin = mpfr_get_emin (), emax = mpfr_get_emax ();
  mpfr_clear_flags ();
  mpfr_set_erangeflag ();
  mpfr_flags_t before = mpfr_flags_save ();
  fga_expfit_t p;
  double ea, er;
  long g;
  mpfr_t a[3];
  for (int k = 0; k < 3; k++)
    mpfr_init2 (a[k], 30);
  init_ok (p, FGA_BASIS_CHEB, 1024, 40, 64);    /* bounds overflow a double */
  measure_ok (&ea, &er, p, 5);
  fga_expfit_clear (p);
  init_ok (p, FGA_BASIS_TAYLOR, 9, 20, 53);
  fga_expfit_clear (p);
  ck_assert_int_eq (fga_expfit_least_degree (&g, FGA_BASIS_CHEB, 4, 1e-9, 1, 100, NULL), FGA_OK);
  ck_assert_int_eq (fga_cheb_coeffs_bessel (a, 2, 3.5, NULL), FGA_OK);
  ck_assert (mpfr_flags_save () == before);
  ck_assert (mpfr_get_emin () == emin && mpfr_get_emax () == emax);
  for (int k = 0; k < 3; k++)
    mpfr_clear (a[k]);
  mpfr_clear_flags ();
}
END_TEST

/* Every exit restores the caller's range and flags exactly, those that
   fail after the MPFR work has begun too; and no result depends on the
   caller's range: under [-4, 4] (numbers from 1/32 to 16, where e^R, the
   Taylor coefficients 1/k! and the bounds all fall outside) the
   coefficients, bounds and measured errors are those of the default range.  */
START_TEST (mpfr_state_every_exit)
{
  fga_expfit_t ref[2], p[2];
  double ea_ref[2], er_ref[2], ea[2], er[2];
  long g_ref, g = -1;
  mpfr_t a_ref[6], a[6];
  for (int b = 0; b < 2; b++)
    {
      init_ok (ref[b], b ? FGA_BASIS_TAYLOR : FGA_BASIS_CHEB, 9, 24, 96);
      measure_ok (&ea_ref[b], &er_ref[b], ref[b], 33);
    }
  g_ref = least_ok (FGA_BASIS_CHEB, 9, 1e-9, 1);
  for (int k = 0; k < 6; k++)
    {
      mpfr_inits2 (80, a_ref[k], a[k], (mpfr_ptr) 0);
      mpfr_set_zero (a[k], 1);
    }
  ck_assert_int_eq (fga_cheb_coeffs_bessel (a_ref, 5, 9, NULL), FGA_OK);

  mpfr_exp_t emin = mpfr_get_emin (), emax = mpfr_get_emax ();
  mpfr_set_emin (-4);
  mpfr_set_emax (4);
  mpfr_clear_flags ();
  mpfr_set_underflow ();
  mpfr_set_divby0 ();
  const mpfr_flags_t before = mpfr_flags_save ();
  int rc[8], nrc = 0, same[8], nsame = 0;
#define STATE_SAME() (same[nsame++] = mpfr_get_emin () == -4 && mpfr_get_emax () == 4 \
                      && mpfr_flags_save () == before)
  for (int b = 0; b < 2; b++)
    {
      rc[nrc++] = fga_expfit_init (p[b], b ? FGA_BASIS_TAYLOR : FGA_BASIS_CHEB, 9, 24, 96, NULL);
      STATE_SAME ();
      rc[nrc++] = fga_expfit_measure (&ea[b], &er[b], p[b], 33, NULL);
      STATE_SAME ();
    }
  rc[nrc++] = fga_expfit_least_degree (&g, FGA_BASIS_CHEB, 9, 1e-9, 1, 100, NULL);
  STATE_SAME ();
  /* No degree up to 3 is within 1e-12 on [-16, 16]: refused after the search.  */
  rc[nrc++] = fga_expfit_least_degree (&g, FGA_BASIS_TAYLOR, 16, 1e-12, 1, 3, NULL);
  STATE_SAME ();
  rc[nrc++] = fga_cheb_coeffs_bessel (a, 5, 9, NULL);
  STATE_SAME ();
#undef STATE_SAME
  mpfr_set_emin (emin);
  mpfr_set_emax (emax);
  mpfr_clear_flags ();

  for (int i = 0; i < nsame; i++)
    ck_assert_msg (same[i], "call %d left MPFR's range or flags changed", i);
  static const int want[] = { FGA_OK, FGA_OK, FGA_OK, FGA_OK, FGA_OK, FGA_ERR_COMPUTE, FGA_OK };
  ck_assert_int_eq (nrc, 7);
  for (int i = 0; i < nrc; i++)
    ck_assert_msg (rc[i] == want[i], "call %d returned %d", i, rc[i]);
  ck_assert_int_eq (g, g_ref);          /* and the refusal left g alone */
  for (int b = 0; b < 2; b++)
    {
      ck_assert (p[b]->bound_abs == ref[b]->bound_abs && p[b]->bound_rel == ref[b]->bound_rel);
      ck_assert (ea[b] == ea_ref[b] && er[b] == er_ref[b]);
      for (long k = 0; k <= 24; k++)
        ck_assert_msg (mpfr_equal_p (p[b]->mono[k], ref[b]->mono[k]), "%s mono[%ld]",
                       b ? "taylor" : "cheb", k);
      fga_expfit_clear (p[b]);
      fga_expfit_clear (ref[b]);
    }
  for (int k = 0; k < 6; k++)
    {
      ck_assert (mpfr_equal_p (a[k], a_ref[k]));
      mpfr_clears (a_ref[k], a[k], (mpfr_ptr) 0);
    }
}
END_TEST

static Suite *
expfit_suite (void)
{
  Suite *s = suite_create ("expfit");
  TCase *tc;

  tc = fga_test_tcase ("coefficients", 60);
  tcase_add_test (tc, bessel_closed_values_R1);
  tcase_add_loop_test (tc, bessel_correctly_rounded, 0, N (cr_cases));
  tcase_add_loop_test (tc, bessel_sum_identities, 0, N (RS));
  tcase_add_loop_test (tc, bessel_lemma4_bounds, 0, N (RS));
  tcase_add_loop_test (tc, fftw_agrees_with_bessel, 0, N (RS));
  tcase_add_loop_test (tc, fftw_aliasing, 0, N (alias_cases));
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("bounds", 120);
  tcase_add_loop_test (tc, bound_ge_measured_and_sharp, 0, 2 * N (RS));
  tcase_add_loop_test (tc, bound_below_closed_forms, 0, N (RS));
  tcase_add_loop_test (tc, bound_with_coarse_coefficients, 0, N (coarse_cases));
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("least_degree", 120);
  tcase_add_loop_test (tc, least_degree_reference_table, 0, N (ref_table));
  tcase_add_loop_test (tc, least_degree_is_least, 0, 4 * N (EPSS) * N (RS));
  tcase_add_test (tc, least_degree_gmax_too_small);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("monomial_form", 60);
  tcase_add_loop_test (tc, taylor_coefficients_correctly_rounded, 0, N (taylor_precs));
  tcase_add_loop_test (tc, cheb_monomial_equals_clenshaw, 0, N (mono_cases));
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("measure_and_forms", 10);
  tcase_add_loop_test (tc, measure_constant, 0, N (RS));
  tcase_add_loop_test (tc, aggarwal_alman_values, 0, N (aa_cases));
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("bad_input_and_state", 60);
  tcase_add_loop_test (tc, bad_input_refused, 0, N (bad));
  tcase_add_test (tc, names_and_parse);
  tcase_add_test (tc, mpfr_state_restored);
  tcase_add_test (tc, mpfr_state_every_exit);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (expfit_suite ());
}
