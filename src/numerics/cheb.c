/* fga_cheb -- the Chebyshev series of exp on [-R, R]: Bessel coefficients, FFTW interpolation, monomial form, certified tails

   e^{R s} = I_0(R) + 2 sum_{k>=1} I_k(R) T_k(s) on [-1, 1], so with t = R s
   the coefficients of e^t in T_k(t/R) are a_0 = I_0(R), a_k = 2 I_k(R).
   Everything certified is built from enclosures of I_k(R) by its power
   series (lemma 3 of theory/exp-approximation.md), with directed rounding;
   the lemma numbers below are that note's.  */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"
#include "numerics/expfit-impl.h"

#include <limits.h>
#include <fftw3.h>

/* ------------------------------------------------------------------ */
/* Lemma 3: I_k(R) by its series.  */

/* The series sum_m s_m, s_m = h^{2m+k} / (m! (m+k)!), h = R/2, every term
   rounded in the direction rnd (all terms are positive and the operations
   monotone, so RNDD gives a lower bound of each term and RNDU an upper one).
   The ratio s_{m+1}/s_m = h^2 / ((m+1)(m+k+1)) decreases in m; once it is
   <= 1/2, the rest after s_m is at most s_m (q + q^2 + ...) <= s_m, which
   is added to the upper bound.  */
static void
bessel_series (mpfr_ptr res, unsigned long k, double R, mpfr_rnd_t rnd, long stop_bits)
{
  mpfr_t h, h2, twoh2, q, s;
  mpz_t f;
  mpfr_inits2 (128, h, h2, twoh2, q, (mpfr_ptr) 0);
  mpfr_init2 (s, mpfr_get_prec (res));
  mpz_init (f);
  /* h = R/2 and h^2 are exact: 53 and 106 bits.  */
  mpfr_set_d (h, R, MPFR_RNDN);
  mpfr_div_2ui (h, h, 1, MPFR_RNDN);
  mpfr_sqr (h2, h, MPFR_RNDN);
  mpfr_mul_2ui (twoh2, h2, 1, MPFR_RNDN);
  mpz_fac_ui (f, k);
  mpfr_pow_ui (s, h, k, rnd);
  mpfr_div_z (s, s, f, rnd);
  mpfr_set (res, s, rnd);
  for (unsigned long m = 0;; m++)
    {
      /* (m+1)(m+k+1) < 2^128: exact.  */
      mpfr_set_ui (q, m + 1, MPFR_RNDN);
      mpfr_mul_ui (q, q, m + k + 1, MPFR_RNDN);
      if (mpfr_cmp (q, twoh2) >= 0 && mpfr_get_exp (s) < mpfr_get_exp (res) - stop_bits)
        break;
      mpfr_mul (s, s, h2, rnd);
      mpfr_div (s, s, q, rnd);
      mpfr_add (res, res, s, rnd);
    }
  if (rnd == MPFR_RNDU)
    mpfr_add (res, res, s, MPFR_RNDU);
  mpfr_clears (h, h2, twoh2, q, s, (mpfr_ptr) 0);
  mpz_clear (f);
}

void
fgap_bessel_i_bounds (mpfr_ptr lo, mpfr_ptr hi, unsigned long k, double R, long stop_bits)
{
  if (lo != NULL)
    bessel_series (lo, k, R, MPFR_RNDD, stop_bits);
  if (hi != NULL)
    bessel_series (hi, k, R, MPFR_RNDU, stop_bits);
}

/* Lemma 4: for k >= K+1, I_k <= h^k/k! e^{h^2/(k+1)} <= h^k/k! e^{h^2/(K+2)},
   and sum_{k>=K+1} h^k/k! <= b / (1 - h/(K+2)) with b >= h^{K+1}/(K+1)!.  */
int
fgap_cheb_rest_up (mpfr_ptr res, mpfr_srcptr b, long K, double R)
{
  double h = R / 2;            /* exact */
  if (!(h < (double) K + 2))
    {
      mpfr_set_inf (res, 1);
      return 1;
    }
  mpfr_t e, r;
  mpfr_inits2 (FGA_EXPFIT_BPREC, e, r, (mpfr_ptr) 0);
  mpfr_set_d (e, h, MPFR_RNDU);
  mpfr_sqr (e, e, MPFR_RNDU);
  mpfr_div_ui (e, e, (unsigned long) K + 2, MPFR_RNDU);
  mpfr_exp (e, e, MPFR_RNDU);
  mpfr_set_d (r, h, MPFR_RNDU);
  mpfr_div_ui (r, r, (unsigned long) K + 2, MPFR_RNDU);
  mpfr_ui_sub (r, 1, r, MPFR_RNDD);            /* > 0 */
  mpfr_mul (res, b, e, MPFR_RNDU);
  mpfr_div (res, res, r, MPFR_RNDU);
  mpfr_mul_2ui (res, res, 1, MPFR_RNDU);       /* a_k = 2 I_k */
  mpfr_clears (e, r, (mpfr_ptr) 0);
  return 0;
}

/* acc += half an ulp of x, rounded up: the error of the rounding to
   nearest that produced x.  */
static void
add_half_ulp (mpfr_ptr acc, mpfr_srcptr x)
{
  if (mpfr_zero_p (x))
    return;
  mpfr_t u;
  mpfr_init2 (u, FGA_EXPFIT_BPREC);
  mpfr_set_ui_2exp (u, 1, mpfr_get_exp (x) - (mpfr_exp_t) mpfr_get_prec (x) - 1, MPFR_RNDU);
  mpfr_add (acc, acc, u, MPFR_RNDU);
  mpfr_clear (u);
}

/* A growable array of initialised mpfr_t at FGA_EXPFIT_BPREC.  */
static int
grow (mpfr_t **v, size_t *cap, size_t need, fga_error *err)
{
  if (need <= *cap)
    return FGA_OK;
  size_t ncap = *cap ? 2 * *cap : 64;
  while (ncap < need)
    ncap *= 2;
  mpfr_t *nv = fgap_calloc (ncap, sizeof (mpfr_t), "Bessel enclosures", err);
  if (nv == NULL)
    return FGA_ERR_NOMEM;
  if (*cap)
    memcpy (nv, *v, *cap * sizeof (mpfr_t));   /* moving an mpfr_t is allowed; its limbs stay */
  for (size_t i = *cap; i < ncap; i++)
    mpfr_init2 (nv[i], FGA_EXPFIT_BPREC);
  fgap_free (*v);
  *v = nv;
  *cap = ncap;
  return FGA_OK;
}

static void
free_array (mpfr_t *v, size_t n)
{
  if (v == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    mpfr_clear (v[i]);
  fgap_free (v);
}

/* Enclosure of a_k = I_0 (k = 0) or 2 I_k, at the precisions of lo and hi. */
static void
coeff_bounds (mpfr_ptr lo, mpfr_ptr hi, unsigned long k, double R, long stop_bits)
{
  fgap_bessel_i_bounds (lo, hi, k, R, stop_bits);
  if (k > 0)
    {
      mpfr_mul_2ui (lo, lo, 1, MPFR_RNDD);
      mpfr_mul_2ui (hi, hi, 1, MPFR_RNDU);
    }
}

/* ------------------------------------------------------------------ */
/* Lemma 5: the sup of the truncation error, sum_{k>g} a_k, certified.  */

/* The terms g < k <= K are enclosed one by one; K grows until the bound of
   lemma 4 on the rest is below 2^-BPREC of their sum.  */
int
fgap_cheb_tail_init (fgap_cheb_tail *t, long g, double R, fga_error *err)
{
  size_t cap = 0, n = 0;
  mpfr_t *lo = NULL, *hi = NULL;
  size_t caph = 0;
  mpfr_t b, h;
  int rc = FGA_OK;
  t->g = g;
  t->lo = t->hi = NULL;
  mpfr_init2 (t->rest, FGA_EXPFIT_BPREC);
  mpfr_init2 (t->sum, FGA_EXPFIT_BPREC);
  mpfr_inits2 (FGA_EXPFIT_BPREC, b, h, (mpfr_ptr) 0);
  mpfr_set_d (h, R / 2, MPFR_RNDU);
  /* b >= h^{g+1} / (g+1)!  */
  {
    mpz_t f;
    mpz_init (f);
    mpz_fac_ui (f, (unsigned long) g + 1);
    mpfr_pow_ui (b, h, (unsigned long) g + 1, MPFR_RNDU);
    mpfr_div_z (b, b, f, MPFR_RNDU);
    mpz_clear (f);
  }
  mpfr_set_zero (t->sum, 1);
  long K;
  for (K = g + 1;; K++)
    {
      if ((rc = grow (&lo, &cap, n + 1, err)) != FGA_OK
          || (rc = grow (&hi, &caph, n + 1, err)) != FGA_OK)
        break;
      coeff_bounds (lo[n], hi[n], (unsigned long) K, R, FGA_EXPFIT_BPREC + 8);
      mpfr_add (t->sum, t->sum, hi[n], MPFR_RNDU);
      n++;
      /* now b >= h^{K+1} / (K+1)! */
      mpfr_mul (b, b, h, MPFR_RNDU);
      mpfr_div_ui (b, b, (unsigned long) K + 1, MPFR_RNDU);
      if (fgap_cheb_rest_up (t->rest, b, K, R) == 0
          && (mpfr_get_exp (t->rest) < mpfr_get_exp (t->sum) - FGA_EXPFIT_BPREC
              || K - g > 8 * FGA_EXPFIT_GMAX))
        break;
    }
  t->K = K;
  mpfr_add (t->sum, t->sum, t->rest, MPFR_RNDU);
  mpfr_clears (b, h, (mpfr_ptr) 0);
  /* Keep exactly K - g enclosures; clear the spare capacity.  */
  for (size_t i = n; i < cap; i++)
    mpfr_clear (lo[i]);
  for (size_t i = n; i < caph; i++)
    mpfr_clear (hi[i]);
  t->lo = lo;
  t->hi = hi;
  if (rc != FGA_OK)
    {
      t->K = g + (long) n;
      fgap_cheb_tail_clear (t);
    }
  return rc;
}

void
fgap_cheb_tail_clear (fgap_cheb_tail *t)
{
  size_t n = (size_t) (t->K - t->g);
  free_array (t->lo, n);
  free_array (t->hi, n);
  t->lo = t->hi = NULL;
  mpfr_clear (t->rest);
  mpfr_clear (t->sum);
}

/* ------------------------------------------------------------------ */
/* Lemma 6: the relative error, from the Chebyshev coefficients of
   h(t) = e^{-t} (e^t - p_g(t)) = sum_j sum_{k>g} (-1)^j a_j a_k T_j T_k,
   T_j T_k = (T_{j+k} + T_{|j-k|}) / 2.  |h| <= sum_n |h_n|.  The double sum
   is taken over j <= J, g < k <= K from the lower ends of the enclosures
   (each product exact at 2 BPREC bits, each addition rounded to nearest
   and its error counted), and everything left out is added back as an
   upper bound:
     enclosure widths:  A_J D_K + D_J A_K  (A = sum of upper ends, D = of widths)
     j > J:             (sum_{j>J} a_j) (sum_{k>g} a_k)
     k > K:             (sum_j a_j) (sum_{k>K} a_k),  sum_j a_j = e^R.  */
int
fgap_cheb_rel_up (mpfr_ptr res, const fgap_cheb_tail *t, double R, fga_error *err)
{
  const long bp = FGA_EXPFIT_BPREC, g = t->g, K = t->K;
  mpfr_t *alo = NULL, *ahi = NULL, *hn = NULL;
  size_t cap = 0, caph = 0, caphn = 0, nj = 0;
  long J = 0;
  mpfr_t eR, b, h, restJ, P, acc, x, AJ, DJ, AK, DK;
  int rc = FGA_OK;
  mpfr_inits2 (bp, eR, b, h, restJ, acc, x, AJ, DJ, AK, DK, (mpfr_ptr) 0);
  mpfr_init2 (P, 2 * bp);
  mpfr_set_d (eR, R, MPFR_RNDU);
  mpfr_exp (eR, eR, MPFR_RNDU);
  mpfr_set_d (h, R / 2, MPFR_RNDU);
  mpfr_set (b, h, MPFR_RNDU);                 /* h^1 / 1! */
  mpfr_set_zero (AJ, 1);
  mpfr_set_zero (DJ, 1);
  /* J: the first j with sum_{i>j} a_i <= 2^-BPREC e^R (lemma 4).  */
  for (J = 0;; J++)
    {
      if ((rc = grow (&alo, &cap, nj + 1, err)) != FGA_OK
          || (rc = grow (&ahi, &caph, nj + 1, err)) != FGA_OK)
        goto done;
      coeff_bounds (alo[nj], ahi[nj], (unsigned long) J, R, bp + 8);
      mpfr_add (AJ, AJ, ahi[nj], MPFR_RNDU);
      mpfr_sub (x, ahi[nj], alo[nj], MPFR_RNDU);
      mpfr_add (DJ, DJ, x, MPFR_RNDU);
      nj++;
      if (J > 0)
        {
          /* now b >= h^{J+1} / (J+1)! */
          mpfr_mul (b, b, h, MPFR_RNDU);
          mpfr_div_ui (b, b, (unsigned long) J + 1, MPFR_RNDU);
        }
      if (fgap_cheb_rest_up (restJ, b, J, R) == 0
          && (mpfr_get_exp (restJ) < mpfr_get_exp (eR) - bp || J > 8 * FGA_EXPFIT_GMAX))
        break;
    }
  if ((rc = grow (&hn, &caphn, (size_t) (J + K + 1), err)) != FGA_OK)
    goto done;
  for (size_t i = 0; i < caphn; i++)
    mpfr_set_zero (hn[i], 1);
  mpfr_set_zero (acc, 1);                     /* rounding errors of the sums */
  for (long j = 0; j <= J; j++)
    for (long k = g + 1; k <= K; k++)
      {
        mpfr_mul (P, alo[j], t->lo[k - g - 1], MPFR_RNDN);   /* exact: 2 BPREC bits */
        mpfr_div_2ui (P, P, 1, MPFR_RNDN);
        if (j & 1)
          mpfr_neg (P, P, MPFR_RNDN);
        long n1 = j + k, n2 = j > k ? j - k : k - j;
        if (mpfr_add (hn[n1], hn[n1], P, MPFR_RNDN) != 0)
          add_half_ulp (acc, hn[n1]);
        if (mpfr_add (hn[n2], hn[n2], P, MPFR_RNDN) != 0)
          add_half_ulp (acc, hn[n2]);
      }
  mpfr_set_zero (res, 1);
  for (long n = 0; n <= J + K; n++)
    {
      mpfr_abs (x, hn[n], MPFR_RNDN);
      mpfr_add (res, res, x, MPFR_RNDU);
    }
  mpfr_add (res, res, acc, MPFR_RNDU);
  mpfr_set_zero (AK, 1);
  mpfr_set_zero (DK, 1);
  for (long k = g + 1; k <= K; k++)
    {
      mpfr_add (AK, AK, t->hi[k - g - 1], MPFR_RNDU);
      mpfr_sub (x, t->hi[k - g - 1], t->lo[k - g - 1], MPFR_RNDU);
      mpfr_add (DK, DK, x, MPFR_RNDU);
    }
  mpfr_mul (x, AJ, DK, MPFR_RNDU);
  mpfr_add (res, res, x, MPFR_RNDU);
  mpfr_mul (x, DJ, AK, MPFR_RNDU);
  mpfr_add (res, res, x, MPFR_RNDU);
  mpfr_mul (x, restJ, t->sum, MPFR_RNDU);
  mpfr_add (res, res, x, MPFR_RNDU);
  mpfr_mul (x, eR, t->rest, MPFR_RNDU);
  mpfr_add (res, res, x, MPFR_RNDU);

done:
  free_array (alo, cap);
  free_array (ahi, caph);
  free_array (hn, caphn);
  mpfr_clears (eR, b, h, restJ, P, acc, x, AJ, DJ, AK, DK, (mpfr_ptr) 0);
  return rc;
}

/* ------------------------------------------------------------------ */
/* The coefficients themselves.  */

int
fga_cheb_coeffs_bessel (mpfr_t *a, long g, double R, fga_error *err)
{
  int rc = fgap_expfit_check ("fga_cheb_coeffs_bessel", R, g, 0, err);
  if (rc != FGA_OK)
    return rc;
  if (a == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_cheb_coeffs_bessel: a is NULL");
  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  mpfr_t lo, hi;
  mpfr_init2 (lo, MPFR_PREC_MIN);
  mpfr_init2 (hi, MPFR_PREC_MIN);
  for (long k = 0; k <= g && rc == FGA_OK; k++)
    {
      /* Ziv: enclose at p + guard bits; when both ends round to the same
         p-bit number, every point between them does, the exact I_k(R)
         included (rounding to nearest is monotone).  I_k(R) is
         transcendental for R != 0, so the loop ends; the cap only guards
         against a bug.  Doubling is exact.  */
      mpfr_prec_t p = mpfr_get_prec (a[k]), w = p + 32;
      for (;;)
        {
          mpfr_set_prec (lo, w);
          mpfr_set_prec (hi, w);
          fgap_bessel_i_bounds (lo, hi, (unsigned long) k, R, (long) w + 8);
          mpfr_prec_round (lo, p, MPFR_RNDN);
          mpfr_prec_round (hi, p, MPFR_RNDN);
          if (mpfr_equal_p (lo, hi))
            break;
          if (w > 64 * p + 65536)
            {
              rc = fgap_error_set (err, FGA_ERR_COMPUTE, "fga_cheb_coeffs_bessel: I_%ld(%.17g) "
                                  "not decided at %ld bits", k, R, (long) w);
              break;
            }
          w += w / 2;
        }
      if (rc == FGA_OK)
        mpfr_mul_2ui (a[k], lo, k > 0 ? 1 : 0, MPFR_RNDN);
    }
  mpfr_clears (lo, hi, (mpfr_ptr) 0);
  fgap_mpfr_state_restore (&st);
  return rc;
}

/* Interpolation in the n Chebyshev extreme points x_j = cos(pi j / N),
   N = n - 1, j = 0..N.  FFTW's REDFT00 of the samples f_j = e^{R x_j} is
     Y_k = f_0 + (-1)^k f_N + 2 sum_{j=1}^{N-1} f_j cos(pi j k / N),
   and the interpolant is sum_{k=0}^{N} c_k T_k with c_k = Y_k / N, except
   c_0 = Y_0 / (2N) and c_N = Y_N / (2N) (both end terms are halved).  Since
   T_{2mN +- k} = T_k at these points, c_k = a_k + sum_{m>=1} (a_{2mN-k} +
   a_{2mN+k}) for 0 < k < N: the series' coefficients up to aliasing.  */
int
fgap_cheb_coeffs_fftw (double *a, long g, double R, size_t n, fga_error *err)
{
  int rc = fgap_expfit_check ("fgap_cheb_coeffs_fftw", R, g, 0, err);
  if (rc != FGA_OK)
    return rc;
  if (a == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "fgap_cheb_coeffs_fftw: a is NULL");
  if (n < 2 || n < (size_t) g + 1 || n > (size_t) INT_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "fgap_cheb_coeffs_fftw: n = %zu points; it must "
                          "be at least 2 and at least g + 1 = %ld (and at most %d)", n, g + 1,
                          INT_MAX);
  if (!isfinite (exp (R)))
    return fgap_error_set (err, FGA_ERR_INPUT, "fgap_cheb_coeffs_fftw: R = %g: the samples e^{R x} "
                          "overflow a double (R must be below 709.78; fga_cheb_coeffs_bessel "
                          "has no such limit)", R);
  double *in = fftw_alloc_real (n), *out = fftw_alloc_real (n);
  if (in == NULL || out == NULL)
    {
      fftw_free (in);
      fftw_free (out);
      return fgap_error_set (err, FGA_ERR_NOMEM, "fgap_cheb_coeffs_fftw: out of memory for "
                            "2 x %zu doubles", n);
    }
  /* FFTW_ESTIMATE does not touch the arrays; the planner is not
     thread-safe, so callers in threads must serialise this function.  */
  fgap_fftw_lock ();           /* FFTW's planner is not thread-safe */
  fftw_plan plan = fftw_plan_r2r_1d ((int) n, in, out, FFTW_REDFT00, FFTW_ESTIMATE);
  fgap_fftw_unlock ();
  if (plan == NULL)
    {
      fftw_free (in);
      fftw_free (out);
      return fgap_error_set (err, FGA_ERR_COMPUTE, "fgap_cheb_coeffs_fftw: FFTW could not plan "
                            "a REDFT00 of size %zu", n);
    }
  double N = (double) (n - 1);
  /* cos(pi j/N) = sin(pi (N - 2j) / (2N)): exactly odd about j = N/2, and
     exact at the end points and the middle.  */
  for (size_t j = 0; j < n; j++)
    in[j] = exp (R * sin (M_PI * (N - 2.0 * (double) j) / (2.0 * N)));
  fftw_execute (plan);
  for (long k = 0; k <= g; k++)
    {
      double c = out[k] / N;
      if (k == 0 || (size_t) k == n - 1)
        c /= 2;
      a[k] = c;
    }
  fgap_fftw_lock ();
  fftw_destroy_plan (plan);
  fgap_fftw_unlock ();
  fftw_free (in);
  fftw_free (out);
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* Section 5: the monomial form.  */

static long
ceil_log2 (unsigned long x)
{
  long b = 0;
  while (b < 64 && (1UL << b) < x)
    b++;
  return b;
}

/* The conversion works at w bits.  p(x) = sum_j C_j (x/R)^j with C_j =
   sum_k a_k t_{kj}, t_{kj} the integer coefficients of T_k; the terms
   |a_k t_{kj}| sum, over all k and j, to at most sum_k a_k (1+sqrt 2)^k <=
   2 e^{sqrt(2) R} (the generating function sum_k I_k z^k = e^{(R/2)(z+1/z)}
   at z = 1 + sqrt 2), while the errors must stay below 2^-prec e^{-R} (the
   smallest value of e^x on [-R, R]) after up to (g+1)^2 roundings: hence
   w = prec + 32 + 2 log2(g+2) + (1 + sqrt 2) R / ln 2.  */
int
fgap_cheb_to_mono (mpfr_t *mono, mpfr_ptr rho, long g, double R, mpfr_prec_t prec,
                  fga_error *err)
{
  mpfr_prec_t w = prec + 32 + 2 * ceil_log2 ((unsigned long) g + 2)
    + (mpfr_prec_t) ceil ((1 + M_SQRT2) * R / M_LN2);
  /* |t_{kj}| <= sum_j |t_{kj}| <= (1 + sqrt 2)^k: products exact at w + tb.  */
  mpfr_prec_t tb = (mpfr_prec_t) ceil ((double) g * log2 (1 + M_SQRT2)) + 2;
  size_t m = (size_t) g + 2;
  mpfr_t *alo = fgap_calloc (m, sizeof (mpfr_t), "Chebyshev coefficients", err);
  mpfr_t *C = fgap_calloc (m, sizeof (mpfr_t), "monomial coefficients", err);
  mpz_t *rows = fgap_calloc (3 * m, sizeof (mpz_t), "Chebyshev polynomials", err);
  if (alo == NULL || C == NULL || rows == NULL)
    {
      fgap_free (alo);
      fgap_free (C);
      fgap_free (rows);
      return FGA_ERR_NOMEM;
    }
  mpfr_t hi, P, E, D, x, Rm, Rj;
  mpfr_inits2 (FGA_EXPFIT_BPREC, E, D, x, (mpfr_ptr) 0);
  mpfr_inits2 (w, hi, Rj, (mpfr_ptr) 0);
  mpfr_init2 (P, w + tb);
  mpfr_init2 (Rm, 64);
  mpfr_set_d (Rm, R, MPFR_RNDN);
  for (size_t i = 0; i < m; i++)
    {
      mpfr_init2 (alo[i], w);
      mpfr_init2 (C[i], w);
      mpfr_set_zero (C[i], 1);
    }
  for (size_t i = 0; i < 3 * m; i++)
    mpz_init (rows[i]);

  /* The coefficients: a_k = alo[k] + (error in [0, D_k]).  */
  mpfr_set_zero (D, 1);
  for (long k = 0; k <= g; k++)
    {
      coeff_bounds (alo[k], hi, (unsigned long) k, R, (long) w + 8);
      mpfr_sub (x, hi, alo[k], MPFR_RNDU);
      mpfr_add (D, D, x, MPFR_RNDU);
    }

  /* Rows T_{k-1}, T_k, T_{k+1} by T_{k+1} = 2y T_k - T_{k-1} (T_1 = y T_0),
     exact in GMP.  Each C_j += a_k t_{kj}: the product exact, the sum
     rounded to nearest with its half ulp counted in E.  */
  mpz_t *Tm = rows, *Tk = rows + m, *Tn = rows + 2 * m;
  mpz_set_ui (Tk[0], 1);
  mpfr_set_zero (E, 1);
  for (long k = 0; k <= g; k++)
    {
      for (long j = k; j >= 0; j -= 2)
        {
          if (mpz_sgn (Tk[j]) == 0)
            continue;
          if (mpfr_mul_z (P, alo[k], Tk[j], MPFR_RNDN) != 0)
            add_half_ulp (E, P);       /* not expected: P has room for the product */
          if (mpfr_add (C[j], C[j], P, MPFR_RNDN) != 0)
            add_half_ulp (E, C[j]);
        }
      if (k == g)
        break;
      if (k == 0)
        mpz_set (Tn[1], Tk[0]);
      else
        {
          mpz_neg (Tn[0], Tm[0]);
          for (long j = 1; j <= k + 1; j++)
            {
              mpz_mul_2exp (Tn[j], Tk[j - 1], 1);
              mpz_sub (Tn[j], Tn[j], Tm[j]);
            }
        }
      mpz_t *tmp = Tm;
      Tm = Tk;
      Tk = Tn;
      Tn = tmp;
    }

  /* mono_j = o(C_j / o(R^j)) = C_j R^{-j} (1+th2)/(1+th1), |th1| <= 2^-w,
     |th2| <= 2^-prec, so |mono_j R^j - C_j| <= |C_j| (2^-prec + 2^{1-w}).  */
  mpfr_set_zero (rho, 1);
  for (long j = 0; j <= g; j++)
    {
      mpfr_pow_ui (Rj, Rm, (unsigned long) j, MPFR_RNDN);
      mpfr_div (mono[j], C[j], Rj, MPFR_RNDN);
      mpfr_abs (x, C[j], MPFR_RNDU);
      mpfr_mul_2si (x, x, -(long) prec, MPFR_RNDU);
      mpfr_add (rho, rho, x, MPFR_RNDU);
      mpfr_abs (x, C[j], MPFR_RNDU);
      mpfr_mul_2si (x, x, 1 - (long) w, MPFR_RNDU);
      mpfr_add (rho, rho, x, MPFR_RNDU);
    }
  mpfr_add (rho, rho, E, MPFR_RNDU);
  mpfr_add (rho, rho, D, MPFR_RNDU);

  for (size_t i = 0; i < m; i++)
    {
      mpfr_clear (alo[i]);
      mpfr_clear (C[i]);
    }
  for (size_t i = 0; i < 3 * m; i++)
    mpz_clear (rows[i]);
  fgap_free (alo);
  fgap_free (C);
  fgap_free (rows);
  mpfr_clears (hi, P, E, D, x, Rm, Rj, (mpfr_ptr) 0);
  return FGA_OK;
}
