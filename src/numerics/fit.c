/* fga_fit_power -- the least-squares power law y ~ c n^a of points (n_i, y_i), with its accuracy

   The fit.  The exponent a of y ~ c n^a is the least-squares slope of
   ln y on ln n, computed from centred sums:
     a = sum_i (x_i - xm) (z_i - zm) / sum_i (x_i - xm)^2,  b = zm - a xm,
   with x_i = ln n_i, z_i = ln y_i and xm, zm their means.  The centred form
   makes a independent of c (the common ln c cancels in z_i - zm), so an
   exact power law comes out as its exponent to rounding whatever its
   constant; the uncentred normal equations would lose digits in
   sum x^2 - (sum x)^2 / k.  Each mean is refined once by adding the mean
   of the deviations from it, so that equal values give their mean exactly
   and the deviations of an exact law are exact up to the rounding of the
   logarithms.

   Error bound, for an exact law z_i = b + a x_i.  Write u = 2^-53,
   S = sum_i (x_i - xm)^2 and w_i = (x_i - xm) / S, so that a = sum_i w_i z_i
   with sum_i w_i = 0.  The logarithms are within 2 u |x_i| and 2 u |z_i|
   (libm's log is within one ulp).  The slope moves with z_j by w_j and
   with x_j by (e_j - a (x_j - xm)) / S = -a w_j (the residual e_j is 0),
   and the two centred sums of k products each carry a relative rounding
   of at most (k + 2) u of sum |dx| |dz| = |a| S and of S.  So, to first
   order in u,
     |da| <= 2 u (max_i |z_i| + |a| max_i |x_i|) sum_i |w_i| + (2 k + 4) u |a|,
     |db| <= |xm| |da| + 2 u (max_i |z_i| + |a| max_i |x_i|) + 2 u (|zm| + |a xm|).
   By Cauchy-Schwarz sum_i |w_i| <= sqrt (k / S): close n cost accuracy.
   For the laws checked in tests/experiments/t-scaling.c (n in [16, 2^20], |z_i| <= 43,
   sum |w_i| <= 7.1) the bounds are 3.5e-14 for a and 2.6e-13 for b,
   inside the 1e-12 asserted there.

   Every power law fgattn reports comes from here: the exponents of a sweep's
   report (src/experiments/report.c), the growth of the degree and of the
   feature count in the hardness summary (src/reduction/hardness.c), the
   timings of `fgattn scaling' and of `fgattn bench poly' (src/cli).  */

#include "core/fga-impl.h"

static const char fn_fit[] = "fga_fit_power";

static int
usable (double n, double y)
{
  return n > 0 && y > 0 && isfinite (n) && isfinite (y);
}

/* The mean of the logarithms of the usable v[i] (v = n or y of the pair),
   refined once.  */
static double
mean_log (const double *n, const double *y, size_t k, int of_y, size_t m)
{
  double s = 0;
  for (size_t i = 0; i < k; i++)
    if (usable (n[i], y[i]))
      s += log (of_y ? y[i] : n[i]);
  double mean = s / (double) m, c = 0;
  for (size_t i = 0; i < k; i++)
    if (usable (n[i], y[i]))
      c += log (of_y ? y[i] : n[i]) - mean;
  return mean + c / (double) m;
}

int
fga_fit_power (fga_fit *fit, const double *n, const double *y, size_t k, unsigned flags,
               fga_error *err)
{
  fit->exponent = fit->intercept = fit->r2 = fit->max_resid = NAN;
  fit->points = 0;
  size_t m = 0;
  for (size_t i = 0; i < k; i++)
    {
      if (usable (n[i], y[i]))
        m++;
      else if (!(flags & FGA_FIT_SKIP))
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: point %zu has n = %g and y = %g; a power "
                              "law needs both positive and finite", fn_fit, i, n[i], y[i]);
    }
  if (m < 2)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: %zu usable point%s; a fit needs at least 2",
                          fn_fit, m, m == 1 ? "" : "s");
  const double xm = mean_log (n, y, k, 0, m), zm = mean_log (n, y, k, 1, m);
  double sxx = 0, sxz = 0, szz = 0;
  for (size_t i = 0; i < k; i++)
    if (usable (n[i], y[i]))
      {
        double dx = log (n[i]) - xm, dz = log (y[i]) - zm;
        sxx += dx * dx;
        sxz += dx * dz;
        szz += dz * dz;
      }
  if (!(sxx > 0))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: every n is %g; the exponent needs two "
                          "different n", fn_fit, n[0]);
  const double a = sxz / sxx;
  double ssr = 0, emax = 0;
  for (size_t i = 0; i < k; i++)
    if (usable (n[i], y[i]))
      {
        /* the residual in centred form: b never enters, so no cancellation
           between b and a x_i */
        double e = (log (y[i]) - zm) - a * (log (n[i]) - xm);
        ssr += e * e;
        emax = fabs (e) > emax ? fabs (e) : emax;
      }
  fit->exponent = a;
  fit->intercept = zm - a * xm;
  fit->r2 = szz > 0 ? 1 - ssr / szz : 1;
  fit->max_resid = emax;
  fit->points = m;
  return FGA_OK;
}
