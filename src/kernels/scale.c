/* fgap_qscale, fgap_vscale -- powers of two that keep the scores and the weighted sums of V in range

   The rules, and what they cost in accuracy, are stated in
   kernels/attention-util.h beside the declarations.  A multiplication by
   a power of two is exact unless its result leaves the normal range, so
   a kernel run on the rescaled data computes, bit for bit, what it would
   compute on the original data with an unbounded exponent range, up to
   the subnormal losses stated there.  */

#include "core/fga-impl.h"
#include "kernels/attention-util.h"

#include <limits.h>

/* The exponent e of x > 0 with x in [2^(e-1), 2^e), frexp's.  */
static int
expo (double x)
{
  int e;
  frexp (x, &e);
  return e;
}

int
fgap_qscale_init (fgap_qscale *qs, fga_mat_srcptr *Q, fga_mat_srcptr K, double tau,
                  fgap_memtrack *mt, const char *fn, fga_error *err)
{
  const fga_mat_struct *Q0 = *Q;
  const size_t nq = Q0->rows, d = Q0->cols;
  qs->k = NULL;
  qs->copy.rows = qs->copy.cols = 0;
  qs->copy.data = NULL;
  qs->kbytes = qs->bytes = 0;

  double cq = fgap_max_abs (Q0->data, nq * d), ck = fgap_max_abs (K->data, K->rows * K->cols);
  if (!(cq > 0) || !(ck > 0))
    return FGA_OK;
  /* B_i < 2^(e(max|q_i|) + base) with d <= 2^ed and max (1, tau) < 2^et */
  int ed = 0;
  while (ed < 64 && (d - 1) >> ed != 0)
    ed++;
  const int base = expo (ck) + ed + (tau >= 1 ? expo (tau) : 0);
  if (expo (cq) + base <= FGAP_SCORE_EXP)
    return FGA_OK;

  if (fgap_size_mul (&qs->kbytes, nq, sizeof (int))
      || fgap_size_mul (&qs->bytes, nq * d, sizeof (double)))
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: a rescaled copy of Q (%zu x %zu) needs "
                          "more bytes than size_t can count", fn, nq, d);
  qs->k = fgap_talloc (mt, qs->kbytes, "the exponents of the rescaled rows of Q", err);
  if (qs->k == NULL)
    return FGA_ERR_NOMEM;
  qs->copy.data = fgap_talloc (mt, qs->bytes, "the rescaled rows of Q", err);
  if (qs->copy.data == NULL)
    {
      fgap_qscale_clear (qs, mt);
      return FGA_ERR_NOMEM;
    }
  qs->copy.rows = nq;
  qs->copy.cols = d;

  for (size_t i = 0; i < nq; i++)
    {
      const double *q = &FGA_MAT (Q0, i, 0);
      double *dst = &FGA_MAT (&qs->copy, i, 0);
      double c = fgap_max_abs (q, d);
      int k = c > 0 ? expo (c) + base - FGAP_SCORE_EXP : 0;
      if (k <= 0)
        {
          qs->k[i] = 0;
          memcpy (dst, q, d * sizeof (double));
          continue;
        }
      /* the largest entry of the row, in [2^(e-1), 2^e), times 2^-k */
      if (expo (c) - 1 - k < FGAP_QROW_MIN_EXP)
        {
          int rc = fgap_error_set (err, FGA_ERR_COMPUTE, "%s: row %zu of the scores tau Q K^T "
                                  "(max |q| = %g, tau = %g, max |K| = %g) cannot be rescaled "
                                  "into the double range without losing the row's entries "
                                  "to underflow", fn, i, c, tau, ck);
          fgap_qscale_clear (qs, mt);
          return rc;
        }
      qs->k[i] = k;
      for (size_t t = 0; t < d; t++)
        dst[t] = ldexp (q[t], -k);
    }
  *Q = &qs->copy;
  return FGA_OK;
}

void
fgap_qscale_clear (fgap_qscale *qs, fgap_memtrack *mt)
{
  fgap_tfree (mt, qs->copy.data, qs->bytes);
  fgap_tfree (mt, qs->k, qs->kbytes);
  qs->copy.data = NULL;
  qs->k = NULL;
}

int
fgap_vscale_init (fgap_vscale *vs, fga_mat_srcptr *V, int copy, fgap_memtrack *mt,
                  const char *fn, fga_error *err)
{
  const fga_mat_struct *V0 = *V;
  const size_t n = V0->rows * V0->cols;
  vs->e = 0;
  vs->copy.rows = vs->copy.cols = 0;
  vs->copy.data = NULL;
  vs->bytes = 0;
  vs->vmax = fgap_max_abs (V0->data, n);
  if (!(vs->vmax > 0))
    return FGA_OK;
  int e = expo (vs->vmax);
  if (e > -FGAP_V_EXP_HI && e <= FGAP_V_EXP_HI)
    return FGA_OK;
  vs->e = e;
  if (!copy)
    return FGA_OK;
  if (fgap_size_mul (&vs->bytes, n, sizeof (double)))
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: a rescaled copy of V (%zu x %zu) needs "
                          "more bytes than size_t can count", fn, V0->rows, V0->cols);
  vs->copy.data = fgap_talloc (mt, vs->bytes, "V rescaled by a power of two", err);
  if (vs->copy.data == NULL)
    return FGA_ERR_NOMEM;
  vs->copy.rows = V0->rows;
  vs->copy.cols = V0->cols;
  for (size_t x = 0; x < n; x++)
    vs->copy.data[x] = ldexp (V0->data[x], -e);
  *V = &vs->copy;
  return FGA_OK;
}

void
fgap_vscale_clear (fgap_vscale *vs, fgap_memtrack *mt)
{
  fgap_tfree (mt, vs->copy.data, vs->bytes);
  vs->copy.data = NULL;
}

int
fgap_vscale_finish (const fgap_vscale *vs, fga_mat_ptr T, int mean, int check,
                    const char *fn, const char *why, fga_error *err)
{
  const size_t n = T->rows * T->cols;
  if (vs->e != 0)
    {
      /* max|V| 2^-e is in [1/2, 1): exact */
      const double hi = ldexp (vs->vmax, -vs->e);
      for (size_t x = 0; x < n; x++)
        {
          double t = T->data[x];
          if (mean)
            t = t > hi ? hi : t < -hi ? -hi : t;
          T->data[x] = ldexp (t, vs->e);
        }
    }
  if (check)
    for (size_t x = 0; x < n; x++)
      if (!isfinite (T->data[x]))
        return fgap_error_set (err, FGA_ERR_COMPUTE, "%s: entry (%zu, %zu) of the output is "
                              "%s: %s", fn, x / T->cols, x % T->cols,
                              isnan (T->data[x]) ? "NaN" : T->data[x] > 0 ? "+Inf" : "-Inf",
                              why);
  return FGA_OK;
}

int
fgap_scale_init (fgap_qscale *qs, fgap_vscale *vs, fga_mat_srcptr *Q, fga_mat_srcptr K,
                 fga_mat_srcptr *V, double tau, fgap_memtrack *mt, const char *fn,
                 fga_error *err)
{
  int rc = fgap_qscale_init (qs, Q, K, tau, mt, fn, err);
  if (rc != FGA_OK)
    return rc;
  rc = fgap_vscale_init (vs, V, 1, mt, fn, err);
  if (rc != FGA_OK)
    fgap_qscale_clear (qs, mt);
  return rc;
}
