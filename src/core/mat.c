/* fga_mat -- dense row-major matrices of doubles and of MPFR numbers */

#include "core/fga-impl.h"

int
fga_mat_init (fga_mat_ptr m, size_t rows, size_t cols, fga_error *err)
{
  size_t count, bytes;
  m->rows = 0;
  m->cols = 0;
  m->data = NULL;
  if (fgap_size_mul (&count, rows, cols) || fgap_size_mul (&bytes, count, sizeof (double)))
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "a %zu x %zu matrix of doubles needs more bytes than size_t can count",
                          rows, cols);
  if (count > 0)
    {
      m->data = fgap_calloc (count, sizeof (double), "a matrix", err);
      if (m->data == NULL)
        return FGA_ERR_NOMEM;
    }
  m->rows = rows;
  m->cols = cols;
  return FGA_OK;
}

void
fga_mat_clear (fga_mat_ptr m)
{
  fgap_free (m->data);
  m->data = NULL;
  m->rows = 0;
  m->cols = 0;
}

int
fga_mat_check_finite (fga_mat_srcptr m, const char *what, fga_error *err)
{
  /* one vectorised pass that only tells whether all are finite (x - x is
     0 for a finite x and NaN for the others); the entry is looked for
     only when one is not */
  const size_t n = m->rows * m->cols;
  double z = 0;
#pragma omp simd reduction (+:z)
  for (size_t k = 0; k < n; k++)
    z += m->data[k] - m->data[k];
  if (z == 0)
    return FGA_OK;
  for (size_t i = 0; i < m->rows; i++)
    for (size_t j = 0; j < m->cols; j++)
      {
        double x = FGA_MAT (m, i, j);
        if (!isfinite (x))
          return fgap_error_set (err, FGA_ERR_INPUT, "%s: entry (%zu, %zu) is %s", what, i, j,
                                isnan (x) ? "NaN" : (x > 0 ? "+Inf" : "-Inf"));
      }
  return FGA_OK;
}

/* Eight running maxima, independent of each other, so that the vector
   maxima of one step do not wait for those of the step before: the scan
   costs a fraction of a nanosecond per entry, and a run of the kernels
   pays it once on Q, K and V.  A NaN is passed over, as fmax does.  */
double
fgap_max_abs (const double *x, size_t n)
{
  double r[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
  size_t k = 0;
  for (; k + 8 <= n; k += 8)
#pragma GCC unroll 8
    for (int j = 0; j < 8; j++)
      {
        double a = fabs (x[k + j]);
        r[j] = a > r[j] ? a : r[j];
      }
  for (; k < n; k++)
    {
      double a = fabs (x[k]);
      r[0] = a > r[0] ? a : r[0];
    }
  for (int j = 1; j < 8; j++)
    r[0] = r[j] > r[0] ? r[j] : r[0];
  return r[0];
}

double
fga_mat_max_abs (fga_mat_srcptr m)
{
  return fgap_max_abs (m->data, m->rows * m->cols);
}

int
fga_mpfr_mat_init2 (fga_mpfr_mat_ptr m, size_t rows, size_t cols, mpfr_prec_t prec,
                    fga_error *err)
{
  size_t count;
  m->rows = 0;
  m->cols = 0;
  m->prec = prec;
  m->data = NULL;
  if (prec < MPFR_PREC_MIN || prec > MPFR_PREC_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "precision %ld is outside MPFR's range [%ld, %ld]",
                          (long) prec, (long) MPFR_PREC_MIN, (long) MPFR_PREC_MAX);
  if (fgap_size_mul (&count, rows, cols))
    return fgap_error_set (err, FGA_ERR_INPUT, "a %zu x %zu MPFR matrix is too large", rows, cols);
  m->data = fgap_calloc (count, sizeof (mpfr_t), "an MPFR matrix", err);
  if (m->data == NULL)
    return FGA_ERR_NOMEM;
  for (size_t k = 0; k < count; k++)
    mpfr_init2 (m->data[k], prec);
  m->rows = rows;
  m->cols = cols;
  return FGA_OK;
}

void
fga_mpfr_mat_clear (fga_mpfr_mat_ptr m)
{
  size_t count = m->rows * m->cols;
  for (size_t k = 0; k < count; k++)
    mpfr_clear (m->data[k]);
  fgap_free (m->data);
  m->data = NULL;
  m->rows = 0;
  m->cols = 0;
}
