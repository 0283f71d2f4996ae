/* fga_metrics_compute -- how far an approximation is from the truth */

#include "core/fga-impl.h"

/* Doubles ordered as integers: the key of x counts the doubles from +0 up to
   x (negative for negative x), with -0 and +0 both at 0.  */
static int64_t
ordered_key (double x)
{
  int64_t b;
  memcpy (&b, &x, sizeof b);
  return b < 0 ? -(b & INT64_MAX) : b;
}

double
fga_ulp_distance (double a, double b)
{
  if (isnan (a) || isnan (b))
    return INFINITY;
  int64_t ka = ordered_key (a), kb = ordered_key (b);
  /* Both keys lie within +-(2^63 - 2^52), so the difference is computed in
     unsigned arithmetic to stay defined.  */
  uint64_t diff = ka > kb ? (uint64_t) ka - (uint64_t) kb : (uint64_t) kb - (uint64_t) ka;
  return (double) diff;
}

/* sqrt(sum x_k^2) without overflow or underflow: scale by the largest |x_k|. */
static double
scaled_norm (const double *x, const double *y, size_t n)
{
  double scale = 0;
  for (size_t k = 0; k < n; k++)
    scale = fmax (scale, fabs (y != NULL ? x[k] - y[k] : x[k]));
  if (scale == 0 || !isfinite (scale))
    return scale;
  double s = 0;
  for (size_t k = 0; k < n; k++)
    {
      double t = (y != NULL ? x[k] - y[k] : x[k]) / scale;
      s += t * t;
    }
  return scale * sqrt (s);
}

int
fga_metrics_compute (fga_metrics *mt, fga_mat_srcptr truth, fga_mat_srcptr approx, fga_error *err)
{
  if (truth->rows != approx->rows || truth->cols != approx->cols)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "the truth is %zu x %zu but the approximation is %zu x %zu",
                          truth->rows, truth->cols, approx->rows, approx->cols);
  size_t n = truth->rows * truth->cols;
  mt->rows = truth->rows;
  mt->cols = truth->cols;
  mt->max_abs = 0;
  mt->mean_abs = 0;
  mt->max_ulps = 0;
  double sum = 0;
  for (size_t k = 0; k < n; k++)
    {
      double e = fabs (approx->data[k] - truth->data[k]);
      if (isnan (e))
        e = INFINITY;
      mt->max_abs = fmax (mt->max_abs, e);
      sum += e;
      mt->max_ulps = fmax (mt->max_ulps, fga_ulp_distance (approx->data[k], truth->data[k]));
    }
  mt->mean_abs = n > 0 ? sum / (double) n : 0;
  double num = scaled_norm (approx->data, truth->data, n);
  double den = scaled_norm (truth->data, NULL, n);
  if (isnan (num))
    num = INFINITY;
  mt->rel_fro = num == 0 ? 0 : (den == 0 ? INFINITY : num / den);
  return FGA_OK;
}
