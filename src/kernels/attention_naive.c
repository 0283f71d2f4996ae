/* fga_attention_naive -- exact attention in double by two plain passes per query row

   The reference the fast kernels are compared with: every score is a plain
   dot product, every sum runs left to right, nothing is blocked.  Rows are
   independent and shared among OpenMP threads, each with its own scratch.
   Where the processor has fused multiply-adds (and FGATTN_ISA does not ask
   for the baseline), the dot products and P V use them, as the fast kernels
   do; an fma counts as one mul and one add.

   Operation counts, exact (L = 1 if lse is not NULL, else 0):
     n_mul = nq nk (d + 1 + dv)        nk dot products of d products, nk times tau, nk dv in P V
     n_add = nq (nk (d + 1 + dv) - 1 - dv + L)
                                       nk (d - 1) in the dot products, nk subtractions s - m,
                                       nk - 1 in the row sum, (nk - 1) dv in P V, L in m + log l
     n_exp = nq (nk + L)               nk exp, and log l counted as one exp
     n_div = nq dv                     the output row divided by the row sum
     n_cmp = nq (nk - 1)               the row maximum
   This is REFERENCES.md section 7 with the division moved after P V (nq dv
   divisions instead of nq nk).  Scratch: (nk + dv) doubles per thread.  */

#include "core/fga-impl.h"
#include "kernels/attention-util.h"

static const char fn[] = "fga_attention_naive";

/* One query row: s gets the scores then the weights, o the weighted sum.
   With `fused', every product-and-add of the dot products and of P V is one
   fused multiply-add, rounded once, as in the micro-kernels of the fast
   kernels on the same processor: their scores then carry the same rounding
   as these, so that comparing their errors with this kernel's measures the
   softmax and not the luck of the rounding of large scores.  Returns 0 if a
   score overflowed (then m or l is Inf or NaN).  */
static inline __attribute__ ((always_inline)) int
naive_row (double *restrict t, double *lse, const double *restrict q, fga_mat_srcptr K,
           fga_mat_srcptr V, double tau, double *restrict s, double *restrict o,
           fgap_attn_count *c, const int fused)
{
  const size_t nk = K->rows, d = K->cols, dv = V->cols;
  for (size_t j = 0; j < nk; j++)
    {
      const double *k = &FGA_MAT (K, j, 0);
      double dot = q[0] * k[0];
      for (size_t x = 1; x < d; x++)
        dot = fused ? fma (q[x], k[x], dot) : dot + q[x] * k[x];
      s[j] = dot * tau;
    }
  c->mul += nk * (d + 1);
  c->add += nk * (d - 1);

  double m = s[0];
  for (size_t j = 1; j < nk; j++)
    if (s[j] > m)
      m = s[j];
  c->cmp += nk - 1;

  for (size_t j = 0; j < nk; j++)
    s[j] = exp (s[j] - m);
  c->add += nk;
  c->exp += nk;

  double l = s[0];
  for (size_t j = 1; j < nk; j++)
    l += s[j];
  c->add += nk - 1;

  const double *v = &FGA_MAT (V, 0, 0);
  for (size_t col = 0; col < dv; col++)
    o[col] = s[0] * v[col];
  for (size_t j = 1; j < nk; j++)
    {
      v = &FGA_MAT (V, j, 0);
      for (size_t col = 0; col < dv; col++)
        o[col] = fused ? fma (s[j], v[col], o[col]) : o[col] + s[j] * v[col];
    }
  c->mul += nk * dv;
  c->add += (nk - 1) * dv;

  for (size_t col = 0; col < dv; col++)
    t[col] = o[col] / l;
  c->div += dv;

  if (lse != NULL)
    {
      *lse = m + log (l);
      c->exp++;
      c->add++;
    }
  return isfinite (m) && isfinite (l);
}

typedef void (*rows_fn) (fga_mat_ptr, double *, fga_mat_srcptr, fga_mat_srcptr, fga_mat_srcptr,
                         double, double *, size_t, size_t, fgap_attn_count *, size_t *);

#define NAIVE_ROWS(NAME, ATTR, FUSED)                                           \
static ATTR void                                                                \
NAME (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,           \
      fga_mat_srcptr V, double tau, double *scratch, size_t i0, size_t i1,      \
      fgap_attn_count *c, size_t *bad)                                         \
{                                                                               \
  double *s = scratch, *o = scratch + K->rows;                                  \
  for (size_t i = i0; i < i1; i++)                                              \
    {                                                                           \
      if (!naive_row (&FGA_MAT (T, i, 0), lse != NULL ? lse + i : NULL,         \
                      &FGA_MAT (Q, i, 0), K, V, tau, s, o, c, FUSED)            \
          && i < *bad)                                                          \
        *bad = i;                                                               \
    }                                                                           \
}

NAIVE_ROWS (rows_plain, , 0)
#if FGA_ATTN_X86
NAIVE_ROWS (rows_fused, FGA_TARGET_AVX2, 1)
#endif

int
fga_attention_naive (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                     fga_mat_srcptr V, double tau, fga_stats *st, fga_error *err)
{
  int rc = fga_attn_check (fn, T, Q, K, V, tau, err);
  if (rc != FGA_OK)
    return rc;
  const size_t nq = Q->rows, nk = K->rows, dv = V->cols;
  rows_fn rows = rows_plain;
#if FGA_ATTN_X86
  if (fga_attn_isa () >= FGA_ISA_AVX2)
    rows = rows_fused;
#endif

  int nt = fga_attn_threads (nq, nk, K->cols, dv, (nq + 15) / 16);
  size_t per, bytes;
  if (fgap_size_mul (&per, nk + dv, sizeof (double))
      || fgap_size_mul (&bytes, per, (size_t) nt))
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: %zu keys need more scratch bytes than "
                          "size_t can count", fn, nk);
  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  double *scratch = fgap_talloc (&mt, bytes, "the scores of one row per thread", err);
  if (scratch == NULL)
    return FGA_ERR_NOMEM;

  size_t bad = SIZE_MAX;        /* first row whose scores overflowed */
  uint64_t n_mul = 0, n_add = 0, n_exp = 0, n_div = 0, n_cmp = 0;
#pragma omp parallel num_threads (nt) reduction (+:n_mul, n_add, n_exp, n_div, n_cmp) \
  reduction (min:bad)
  {
    int me = 0;
#ifdef _OPENMP
    me = omp_get_thread_num ();
#endif
    fgap_attn_count c = { 0, 0, 0, 0, 0 };
    /* static chunks of 16 rows: a row is too little work to schedule alone */
#pragma omp for schedule (static)
    for (size_t b = 0; b < (nq + 15) / 16; b++)
      rows (T, lse, Q, K, V, tau, scratch + (size_t) me * (nk + dv), 16 * b,
            16 * b + 16 < nq ? 16 * b + 16 : nq, &c, &bad);
    n_mul += c.mul;
    n_add += c.add;
    n_exp += c.exp;
    n_div += c.div;
    n_cmp += c.cmp;
  }
  fgap_tfree (&mt, scratch, bytes);
  fgap_attn_count c = { n_mul, n_add, n_exp, n_div, n_cmp };
  fga_attn_count_store (st, &c, mt.peak, nt);
  if (bad != SIZE_MAX)
    return fga_attn_overflow (fn, bad, err);
  return FGA_OK;
}
