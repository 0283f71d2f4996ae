/* fga_expfit -- polynomials close to exp on [-R, R]: Taylor and Chebyshev, certified bounds, least degree

   The bounds are the suprema of the truncation errors, or upper bounds
   within a few units of 2^-60 of them, computed with upward rounding from
   the series of theory/exp-approximation.md (lemma numbers are that
   note's), plus the effect of rounding the monomial coefficients to prec
   bits.  Sampling never enters a bound: fga_expfit_measure is only the
   check printed beside it.  */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"
#include "numerics/expfit-impl.h"

#include <float.h>

int
fga_basis_parse (fga_basis *basis, const char *text, fga_error *err)
{
  if (text != NULL && strcmp (text, "taylor") == 0)
    *basis = FGA_BASIS_TAYLOR;
  else if (text != NULL && strcmp (text, "cheb") == 0)
    *basis = FGA_BASIS_CHEB;
  else
    return fgap_error_set (err, FGA_ERR_INPUT, "basis '%s' is not taylor or cheb",
                          text != NULL ? text : "(null)");
  return FGA_OK;
}

const char *
fga_basis_name (fga_basis basis)
{
  switch (basis)
    {
    case FGA_BASIS_TAYLOR:
      return "taylor";
    case FGA_BASIS_CHEB:
      return "cheb";
    default:
      return "unknown";
    }
}

/* The conversion to monomials needs up to prec + 3700 bits (cheb.c).  */
#define PREC_ROOM 8192

int
fgap_expfit_check (const char *who, double R, long g, mpfr_prec_t prec, fga_error *err)
{
  if (!(R > 0) || !isfinite (R) || R > FGA_EXPFIT_RMAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: R = %g; it must be a positive finite number "
                          "at most %g", who, R, FGA_EXPFIT_RMAX);
  if (g < 0 || g > FGA_EXPFIT_GMAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: g = %ld is outside [0, %ld]", who, g,
                          FGA_EXPFIT_GMAX);
  if (prec != 0 && (prec < MPFR_PREC_MIN || prec > MPFR_PREC_MAX - PREC_ROOM))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: prec = %ld is outside [%ld, %ld] (MPFR's "
                          "range, less room for the conversion)", who, (long) prec,
                          (long) MPFR_PREC_MIN, (long) (MPFR_PREC_MAX - PREC_ROOM));
  return FGA_OK;
}

static int
check_basis (const char *who, fga_basis basis, fga_error *err)
{
  if (basis != FGA_BASIS_TAYLOR && basis != FGA_BASIS_CHEB)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: basis %d is not FGA_BASIS_TAYLOR or "
                          "FGA_BASIS_CHEB", who, (int) basis);
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* Lemmas 1 and 2: the Taylor polynomial.  */

/* sum_{k>g} R^k / k!, the sup of |e^x - T_g(x)| (attained at x = R).
   Terms t_k rounded up; t_{k+1}/t_k = R/(k+1), so once K+1 >= 2R the rest
   after t_K is at most t_K (1/2 + 1/4 + ...) = t_K.  */
void
fgap_taylor_abs_up (mpfr_ptr res, long g, double R)
{
  mpfr_t t, r;
  mpz_t f;
  mpfr_init2 (t, mpfr_get_prec (res));
  mpfr_init2 (r, 64);
  mpz_init (f);
  mpfr_set_d (r, R, MPFR_RNDN);
  mpz_fac_ui (f, (unsigned long) g + 1);
  mpfr_pow_ui (t, r, (unsigned long) g + 1, MPFR_RNDU);
  mpfr_div_z (t, t, f, MPFR_RNDU);
  mpfr_set (res, t, MPFR_RNDU);
  for (unsigned long k = (unsigned long) g + 1;; k++)
    {
      if ((double) k + 1 >= 2 * R
          && mpfr_get_exp (t) < mpfr_get_exp (res) - FGA_EXPFIT_BPREC)
        break;
      mpfr_mul (t, t, r, MPFR_RNDU);
      mpfr_div_ui (t, t, k + 1, MPFR_RNDU);
      mpfr_add (res, res, t, MPFR_RNDU);
    }
  mpfr_add (res, res, t, MPFR_RNDU);
  mpfr_clears (t, r, (mpfr_ptr) 0);
  mpz_clear (f);
}

/* int_0^R e^s s^g / g! ds = sum_{j>=0} u_j, u_j = R^{g+1+j} / (g! j! (g+1+j)),
   the sup of |e^x - T_g(x)| / e^x (attained at x = -R).  u_0 = R^{g+1}/(g+1)!
   and u_{j+1}/u_j = R (g+1+j) / ((j+1)(g+2+j)) <= R/(j+1): the rest after
   u_J is at most u_J once J+1 >= 2R.  */
void
fgap_taylor_rel_up (mpfr_ptr res, long g, double R)
{
  mpfr_t u, r;
  mpz_t f;
  mpfr_init2 (u, mpfr_get_prec (res));
  mpfr_init2 (r, 64);
  mpz_init (f);
  mpfr_set_d (r, R, MPFR_RNDN);
  mpz_fac_ui (f, (unsigned long) g + 1);
  mpfr_pow_ui (u, r, (unsigned long) g + 1, MPFR_RNDU);
  mpfr_div_z (u, u, f, MPFR_RNDU);
  mpfr_set (res, u, MPFR_RNDU);
  unsigned long gg = (unsigned long) g;
  for (unsigned long j = 0;; j++)
    {
      if ((double) j + 1 >= 2 * R
          && mpfr_get_exp (u) < mpfr_get_exp (res) - FGA_EXPFIT_BPREC)
        break;
      mpfr_mul (u, u, r, MPFR_RNDU);
      mpfr_mul_ui (u, u, gg + 1 + j, MPFR_RNDU);
      mpfr_div_ui (u, u, j + 1, MPFR_RNDU);
      mpfr_div_ui (u, u, gg + 2 + j, MPFR_RNDU);
      mpfr_add (res, res, u, MPFR_RNDU);
    }
  mpfr_add (res, res, u, MPFR_RNDU);
  mpfr_clears (u, r, (mpfr_ptr) 0);
  mpz_clear (f);
}

/* The certified bound of the truncation alone (exact coefficients): what
   fga_expfit_least_degree compares with eps, and what fga_expfit_init adds
   the coefficient rounding to.  */
static int
trunc_bound (mpfr_ptr res, fga_basis basis, long g, double R, int relative,
             fga_error *err)
{
  if (basis == FGA_BASIS_TAYLOR)
    {
      if (relative)
        fgap_taylor_rel_up (res, g, R);
      else
        fgap_taylor_abs_up (res, g, R);
      return FGA_OK;
    }
  fgap_cheb_tail t;
  int rc = fgap_cheb_tail_init (&t, g, R, err);
  if (rc != FGA_OK)
    return rc;
  if (relative)
    rc = fgap_cheb_rel_up (res, &t, R, err);
  else
    mpfr_set (res, t.sum, MPFR_RNDU);
  fgap_cheb_tail_clear (&t);
  return rc;
}

/* ------------------------------------------------------------------ */

int
fga_expfit_init (fga_expfit_ptr p, fga_basis basis, double R, long g, mpfr_prec_t prec,
                 fga_error *err)
{
  static const char who[] = "fga_expfit_init";
  p->basis = basis;
  p->R = R;
  p->g = g;
  p->prec = prec;
  p->mono = NULL;
  p->mono_d = NULL;
  p->bound_abs = p->bound_rel = NAN;
  int rc = check_basis (who, basis, err);
  if (rc == FGA_OK)
    rc = fgap_expfit_check (who, R, g, prec, err);
  if (rc == FGA_OK && prec < MPFR_PREC_MIN)
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: prec = %ld is below MPFR_PREC_MIN = %ld", who,
                        (long) prec, (long) MPFR_PREC_MIN);
  if (rc != FGA_OK)
    return rc;
  size_t n = (size_t) g + 1;
  p->mono = fgap_calloc (n, sizeof (mpfr_t), "the monomial coefficients", err);
  p->mono_d = fgap_calloc (n, sizeof (double), "the monomial coefficients", err);
  if (p->mono == NULL || p->mono_d == NULL)
    {
      fgap_free (p->mono);
      fgap_free (p->mono_d);
      p->mono = NULL;
      p->mono_d = NULL;
      return FGA_ERR_NOMEM;
    }
  for (size_t k = 0; k < n; k++)
    mpfr_init2 (p->mono[k], prec);

  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  mpfr_t rho, ba, br, eR, x;
  mpfr_inits2 (FGA_EXPFIT_BPREC, rho, ba, br, eR, x, (mpfr_ptr) 0);
  mpfr_set_d (eR, R, MPFR_RNDU);
  mpfr_exp (eR, eR, MPFR_RNDU);
  if (basis == FGA_BASIS_TAYLOR)
    {
      /* mono_k = o(1/k!) (mpfr_div_z rounds correctly).  |mono_k - 1/k!| <=
         2^-prec mono_k, and 0 when the ternary value says exact, so
         |p - T_g| <= 2^-prec sum_{k inexact} mono_k R^k on [-R, R].  */
      mpz_t f;
      mpfr_t y;
      mpz_init_set_ui (f, 1);
      mpfr_init2 (y, FGA_EXPFIT_BPREC);
      mpfr_set_zero (rho, 1);
      mpfr_set_ui (x, 1, MPFR_RNDU);          /* R^k, rounded up */
      for (long k = 0; k <= g; k++)
        {
          if (k > 0)
            {
              mpz_mul_ui (f, f, (unsigned long) k);
              mpfr_mul_d (x, x, R, MPFR_RNDU);
            }
          mpfr_set_ui (p->mono[k], 1, MPFR_RNDN);
          if (mpfr_div_z (p->mono[k], p->mono[k], f, MPFR_RNDN) == 0)
            continue;
          mpfr_mul (y, p->mono[k], x, MPFR_RNDU);
          mpfr_add (rho, rho, y, MPFR_RNDU);
        }
      mpfr_mul_2si (rho, rho, -(long) prec, MPFR_RNDU);
      mpfr_clear (y);
      mpz_clear (f);
      fgap_taylor_abs_up (ba, g, R);
      fgap_taylor_rel_up (br, g, R);
    }
  else
    {
      rc = fgap_cheb_to_mono (p->mono, rho, g, R, prec, err);
      fgap_cheb_tail t;
      if (rc == FGA_OK && (rc = fgap_cheb_tail_init (&t, g, R, err)) == FGA_OK)
        {
          mpfr_set (ba, t.sum, MPFR_RNDU);
          rc = fgap_cheb_rel_up (br, &t, R, err);
          fgap_cheb_tail_clear (&t);
        }
    }
  if (rc == FGA_OK)
    {
      /* |p - e^x| <= |p - p_g| + |p_g - e^x|, and e^x >= e^-R.  */
      mpfr_add (ba, ba, rho, MPFR_RNDU);
      mpfr_mul (x, rho, eR, MPFR_RNDU);
      mpfr_add (br, br, x, MPFR_RNDU);
      p->bound_abs = mpfr_get_d (ba, MPFR_RNDU);
      p->bound_rel = mpfr_get_d (br, MPFR_RNDU);
      for (long k = 0; k <= g; k++)
        p->mono_d[k] = mpfr_get_d (p->mono[k], MPFR_RNDN);
    }
  mpfr_clears (rho, ba, br, eR, x, (mpfr_ptr) 0);
  fgap_mpfr_state_restore (&st);
  if (rc != FGA_OK)
    fga_expfit_clear (p);
  return rc;
}

void
fga_expfit_clear (fga_expfit_ptr p)
{
  if (p->mono != NULL)
    for (long k = 0; k <= p->g; k++)
      mpfr_clear (p->mono[k]);
  fgap_free (p->mono);
  fgap_free (p->mono_d);
  p->mono = NULL;
  p->mono_d = NULL;
}

/* ------------------------------------------------------------------ */
/* The least degree.  The absolute bounds decrease with g (tails of series
   of positive terms); the relative Taylor bound u_g grows while g < R - 1
   but is >= 1 there and decreases from g = R - 1 on (lemma 2), and lemma
   6's relative Chebyshev bound is observed to decrease (the tests check
   it).  So for eps < 1 the degrees meeting eps are those from the answer
   on.  The search goes up from 0 and skips a degree whenever a cheap
   certified lower bound on its error already exceeds eps, so that the
   series of the full bound are summed only near the answer.  */

/* A lower bound on the error of the truncated Chebyshev series at t = -R,
   |1 - e^R sum_{k<=g} (-1)^k a_k|, from enclosures of the partial sums
   s_lo <= sum <= s_hi kept up to date by the caller.  */
static void
cheb_rel_lower (mpfr_ptr L, mpfr_srcptr s_lo, mpfr_srcptr s_hi, mpfr_srcptr eR_lo,
                mpfr_srcptr eR_hi, mpfr_ptr v, mpfr_ptr w)
{
  /* v <= e^R sum <= w */
  if (mpfr_sgn (s_lo) >= 0)
    mpfr_mul (v, eR_lo, s_lo, MPFR_RNDD);
  else
    mpfr_mul (v, eR_hi, s_lo, MPFR_RNDD);
  if (mpfr_sgn (s_hi) >= 0)
    mpfr_mul (w, eR_hi, s_hi, MPFR_RNDU);
  else
    mpfr_mul (w, eR_lo, s_hi, MPFR_RNDU);
  mpfr_ui_sub (w, 1, w, MPFR_RNDD);            /* 1 - upper */
  mpfr_sub_ui (v, v, 1, MPFR_RNDD);            /* lower - 1 */
  mpfr_max (L, v, w, MPFR_RNDD);
  if (mpfr_sgn (L) < 0)
    mpfr_set_zero (L, 1);
}

int
fga_expfit_least_degree (long *g, fga_basis basis, double R, double eps, int relative,
                         long gmax, fga_error *err)
{
  static const char who[] = "fga_expfit_least_degree";
  int rc = check_basis (who, basis, err);
  if (rc == FGA_OK)
    rc = fgap_expfit_check (who, R, 0, 0, err);
  if (rc != FGA_OK)
    return rc;
  if (g == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: g is NULL", who);
  if (!(eps > 0 && eps < 1))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: eps = %g is not in (0, 1)", who, eps);
  if (gmax < 0 || gmax > FGA_EXPFIT_GMAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: gmax = %ld is outside [0, %ld]", who, gmax,
                          FGA_EXPFIT_GMAX);

  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  /* High enough for the alternating sums of cheb_rel_lower: the sum is
     about e^-R while its terms reach e^R, and 1 - e^R sum is about eps.  */
  mpfr_prec_t wp = FGA_EXPFIT_BPREC + (mpfr_prec_t) ceil (2 * R / M_LN2)
    + (mpfr_prec_t) ceil (-log2 (eps));
  mpfr_t e, L, U, r, slo, shi, alo, ahi, eRlo, eRhi, v, w;
  mpfr_inits2 (FGA_EXPFIT_BPREC, e, L, U, r, (mpfr_ptr) 0);
  mpfr_inits2 (wp, slo, shi, alo, ahi, eRlo, eRhi, v, w, (mpfr_ptr) 0);
  mpfr_set_d (e, eps, MPFR_RNDN);              /* exact */
  mpfr_set_d (r, R, MPFR_RNDN);
  mpfr_set (L, r, MPFR_RNDD);                  /* R^{g+1}/(g+1)! at g = 0 */
  mpfr_set_d (eRlo, R, MPFR_RNDN);
  mpfr_exp (eRhi, eRlo, MPFR_RNDU);
  mpfr_exp (eRlo, eRlo, MPFR_RNDD);
  mpfr_set_zero (slo, 1);
  mpfr_set_zero (shi, 1);
  long found = -1, k;
  for (k = 0; k <= gmax && rc == FGA_OK; k++)
    {
      /* Lower bounds: Taylor, the first term of either series (lemmas 1
         and 2); Chebyshev, 2 I_{k+1}(R) (absolute) or the error at -R
         (relative).  */
      if (basis == FGA_BASIS_TAYLOR)
        {
          if (k > 0)
            {
              mpfr_mul (L, L, r, MPFR_RNDD);
              mpfr_div_ui (L, L, (unsigned long) k + 1, MPFR_RNDD);
            }
        }
      else if (!relative)
        {
          fgap_bessel_i_bounds (L, NULL, (unsigned long) k + 1, R, 16);
          mpfr_mul_2ui (L, L, 1, MPFR_RNDD);
        }
      else
        {
          fgap_bessel_i_bounds (alo, ahi, (unsigned long) k, R, (long) wp + 8);
          if (k > 0)
            {
              mpfr_mul_2ui (alo, alo, 1, MPFR_RNDD);
              mpfr_mul_2ui (ahi, ahi, 1, MPFR_RNDU);
            }
          if (k & 1)
            {
              mpfr_sub (slo, slo, ahi, MPFR_RNDD);
              mpfr_sub (shi, shi, alo, MPFR_RNDU);
            }
          else
            {
              mpfr_add (slo, slo, alo, MPFR_RNDD);
              mpfr_add (shi, shi, ahi, MPFR_RNDU);
            }
          cheb_rel_lower (L, slo, shi, eRlo, eRhi, v, w);
        }
      if (mpfr_cmp (L, e) > 0)
        continue;
      if ((rc = trunc_bound (U, basis, k, R, relative, err)) != FGA_OK)
        break;
      if (mpfr_cmp (U, e) <= 0)
        {
          found = k;
          break;
        }
    }
  double last = NAN;
  if (rc == FGA_OK && found < 0)
    {
      /* Say how far the last degree is.  */
      rc = trunc_bound (U, basis, gmax, R, relative, err);
      last = mpfr_get_d (U, MPFR_RNDU);
    }
  mpfr_clears (e, L, U, r, slo, shi, alo, ahi, eRlo, eRhi, v, w, (mpfr_ptr) 0);
  fgap_mpfr_state_restore (&st);
  if (rc != FGA_OK)
    return rc;
  if (found < 0)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "%s: no degree up to gmax = %ld has a certified "
                          "%s error <= %g on [-%g, %g] with the %s basis (the bound at %ld is "
                          "%.3g)", who, gmax, relative ? "relative" : "absolute", eps, R, R,
                          fga_basis_name (basis), gmax, last);
  *g = found;
  return FGA_OK;
}

/* ------------------------------------------------------------------ */

static long
bits_of (unsigned long x)
{
  long b = 0;
  while (x)
    {
      b++;
      x >>= 1;
    }
  return b;
}

/* Horner at wp bits, with one rounding per step (fma).  The terms of the
   monomial form reach about e^R while the error to be seen is a fraction of
   e^-R times the relative error: 2R/ln 2 bits above 2 prec (at least 128)
   keep the evaluation error far below what is measured.  */
int
fga_expfit_measure (double *err_abs, double *err_rel, fga_expfit_srcptr p, size_t npts,
                    fga_error *err)
{
  static const char who[] = "fga_expfit_measure";
  if (p == NULL || p->mono == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: p is not an initialised polynomial", who);
  int rc = fgap_expfit_check (who, p->R, p->g, p->prec, err);
  if (rc != FGA_OK)
    return rc;
  if (npts < 2 || npts > ((size_t) 1 << 32))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: npts = %zu is outside [2, 2^32]", who, npts);
  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  mpfr_prec_t wp = (p->prec > 64 ? 2 * p->prec : 128) + (mpfr_prec_t) ceil (2 * p->R / M_LN2)
    + bits_of ((unsigned long) p->g + 1) + 16;
  mpfr_t x, y, ex, d, mabs, mrel;
  mpfr_inits2 (wp, x, y, ex, d, mabs, mrel, (mpfr_ptr) 0);
  mpfr_set_zero (mabs, 1);
  mpfr_set_zero (mrel, 1);
  size_t N = npts - 1;
  for (size_t i = 0; i <= N; i++)
    {
      /* x = R (2i - N) / N: the end points are exactly -R and R.  */
      mpfr_set_si (x, 2 * (long) i - (long) N, MPFR_RNDN);
      mpfr_mul_d (x, x, p->R, MPFR_RNDN);
      mpfr_div_ui (x, x, (unsigned long) N, MPFR_RNDN);
      mpfr_set (y, p->mono[p->g], MPFR_RNDN);
      for (long k = p->g - 1; k >= 0; k--)
        mpfr_fma (y, y, x, p->mono[k], MPFR_RNDN);
      mpfr_exp (ex, x, MPFR_RNDN);
      mpfr_sub (d, y, ex, MPFR_RNDN);
      mpfr_abs (d, d, MPFR_RNDN);
      mpfr_max (mabs, mabs, d, MPFR_RNDN);
      mpfr_div (d, d, ex, MPFR_RNDN);
      mpfr_max (mrel, mrel, d, MPFR_RNDN);
    }
  if (err_abs != NULL)
    *err_abs = mpfr_get_d (mabs, MPFR_RNDN);
  if (err_rel != NULL)
    *err_rel = mpfr_get_d (mrel, MPFR_RNDN);
  mpfr_clears (x, y, ex, d, mabs, mrel, (mpfr_ptr) 0);
  fgap_mpfr_state_restore (&st);
  return FGA_OK;
}

double
fga_expfit_aggarwal_alman (double R, double eps)
{
  if (!(R > 0) || !isfinite (R) || !(eps > 0 && eps < 1))
    return NAN;
  double L = -log (eps);
  if (L <= M_E * R)
    return R;
  double v = L / log (L / R);
  return v > R ? v : R;
}
