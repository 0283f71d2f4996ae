/* expfit-impl.h -- internals shared by expfit.c and cheb.c: Bessel enclosures, certified tails

   The lemmas are numbered as in theory/exp-approximation.md.  Every bound
   here is an upper (or, where the name says so, lower) bound on a real
   number, computed with directed rounding: no result depends on rounding to
   nearest being accurate.  */

#ifndef FGA_EXPFIT_IMPL_H
#define FGA_EXPFIT_IMPL_H

/* Precision of the certified bounds.  They are upper bounds whichever
   precision is used; 64 bits only makes them tight to about 2^-60.  */
#define FGA_EXPFIT_BPREC 64

/* The largest degree, and the largest radius: beyond R = 1024 no degree up
   to FGA_EXPFIT_GMAX reaches a useful relative error (e^R overflows a double
   long before), and the series below would cost O(R^2) terms per degree.  */
#define FGA_EXPFIT_GMAX 10000L
#define FGA_EXPFIT_RMAX 1024.0

/* Checks R, g and (when prec > 0) prec; `who' names the function.  */
int fgap_expfit_check (const char *who, double R, long g, mpfr_prec_t prec, fga_error *err);

/* Lemma 3.  Encloses I_k(R) = sum_m (R/2)^{2m+k} / (m! (m+k)!): lo (rounded
   down, may be NULL) and hi (rounded up, may be NULL), at their own
   precisions.  The series is summed until its ratio test guarantees that
   the rest is at most the last term and that term is below 2^-stop_bits
   times the sum.  */
void fgap_bessel_i_bounds (mpfr_ptr lo, mpfr_ptr hi, unsigned long k, double R, long stop_bits);

/* Lemma 4.  An upper bound on sum_{k > K} a_k, a_k = 2 I_k(R), when
   R/2 < K + 2; b must hold an upper bound on (R/2)^{K+1} / (K+1)!.
   Returns nonzero (and sets res to +Inf) when R/2 >= K + 2.  */
int fgap_cheb_rest_up (mpfr_ptr res, mpfr_srcptr b, long K, double R);

/* The error of the truncated Chebyshev series of degree g: enclosures of
   the terms a_k, g < k <= K, one by one, and a bound on the rest.  */
typedef struct
{
  long g, K;
  mpfr_t *lo, *hi;             /* K - g enclosures of a_{g+1}, ..., a_K, at FGA_EXPFIT_BPREC */
  mpfr_t rest;                 /* upper bound on sum_{k > K} a_k */
  mpfr_t sum;                  /* upper bound on sum_{k > g} a_k = sup |e^t - p_g(t)| */
} fgap_cheb_tail;

int fgap_cheb_tail_init (fgap_cheb_tail *t, long g, double R, fga_error *err);
void fgap_cheb_tail_clear (fgap_cheb_tail *t);

/* Lemma 6.  An upper bound on sup_{|t|<=R} |e^t - p_g(t)| e^{-t}, from the
   Chebyshev coefficients of e^{-t} (e^t - p_g(t)), into res.  */
int fgap_cheb_rel_up (mpfr_ptr res, const fgap_cheb_tail *t, double R, fga_error *err);

/* Section 5.  The monomial coefficients mono[0..g] (initialised at prec) of
   the truncated Chebyshev series, and in rho an upper bound on
   sup_{|x|<=R} |sum_k mono[k] x^k - p_g(x)|.  */
int fgap_cheb_to_mono (mpfr_t *mono, mpfr_ptr rho, long g, double R, mpfr_prec_t prec,
                      fga_error *err);

/* Lemmas 1 and 2.  Upper bounds on the absolute and relative errors of the
   Taylor polynomial of degree g on [-R, R] (both are the exact suprema up
   to rounding).  */
void fgap_taylor_abs_up (mpfr_ptr res, long g, double R);
void fgap_taylor_rel_up (mpfr_ptr res, long g, double R);

/* Chebyshev coefficients a_0..a_g of e^{R t} on [-1, 1] (e^{Rt} = sum a_k T_k(t))
   in double, from n >= g + 1 samples at Chebyshev points by an FFTW
   real-to-real transform: the interpolant's coefficients, equal to the
   series' up to aliasing (the tests compare them with the correctly rounded
   fga_cheb_coeffs_bessel).  Needs n >= 2 and R <= 709.  Calls FFTW's
   planner, which is not thread-safe: serialise calls.  */
int fgap_cheb_coeffs_fftw (double *a, long g, double R, size_t n, fga_error *err);

#endif /* FGA_EXPFIT_IMPL_H */
