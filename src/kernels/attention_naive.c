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
   These are the textbook counts (theory/work-and-depth.md, section 3) with
   the division moved after P V (nq dv divisions instead of nq nk).
   Scratch: (nk + dv) doubles per thread, and the rescaled copies of Q and
   V of kernels/attention-util.h when the data need them (never for
   entries of ordinary size); their multiplications by powers of two are
   changes of exponent and are not counted.

   Error, first order in u = 2^-53, with R >= tau max_ij sum_t |q_it k_jt|
   and exp within one ulp (2u) (tests/kernels/t-exact.c derives it):
     |T_ic - Att_ic| <= u max|V| (2 (d + 3) R + 2 nk + 8) + 2^-1075 [e < 0]
   the scores are off by at most (d + 1) u R, s - m by 2 u R more, exp by
   2 u, so each weight by a relative u ((d + 3) R + 2), which moves a
   weighted mean by at most twice that times max|V|; the sums add
   2 nk u max|V|.  Rows and V rescaled by powers of two keep this bound:
   its last term, there only when V was scaled up (max|V| < 2^-950, e < 0),
   is the rounding of a subnormal output, and the underflow terms stated
   in attention-util.h are far below the others.  Every output is
   finite.  */

#include "core/fga-impl.h"
#include "kernels/attention-util.h"

static const char fn[] = "fga_attention_naive";

/* One query row: s gets the scores then the weights, o the weighted sum.
   q is the row divided by 2^k (k = 0 unless it was rescaled).  With
   `fused', every product-and-add of the dot products and of P V is one
   fused multiply-add, rounded once, as in the micro-kernels of the fast
   kernels on the same processor: their scores then carry the same rounding
   as these, so that comparing their errors with this kernel's measures the
   softmax and not the luck of the rounding of large scores.  Returns 0 if a
   score overflowed (then m or l is Inf or NaN), -1 if lse overflowed.  */
static inline __attribute__ ((always_inline)) int
naive_row (double *restrict t, double *lse, const double *restrict q, int k, fga_mat_srcptr K,
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

  double m;
  double l = fgap_softmax_row (s, nk, k, &m, c);

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

  if (!isfinite (m) || !isfinite (l))
    return 0;
  if (lse != NULL)
    {
      *lse = fgap_lse (m, l, k);
      c->exp++;
      c->add++;
      if (!isfinite (*lse))
        return -1;
    }
  return 1;
}

typedef void (*rows_fn) (fga_mat_ptr, double *, fga_mat_srcptr, const fgap_qscale *,
                         fga_mat_srcptr, fga_mat_srcptr, double, double *, size_t, size_t,
                         fgap_attn_count *, size_t *, size_t *);

#define NAIVE_ROWS(NAME, ATTR, FUSED)                                           \
static ATTR void                                                                \
NAME (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, const fgap_qscale *qs,      \
      fga_mat_srcptr K, fga_mat_srcptr V, double tau, double *scratch,          \
      size_t i0, size_t i1, fgap_attn_count *c, size_t *bad, size_t *bad_lse)  \
{                                                                               \
  double *s = scratch, *o = scratch + K->rows;                                  \
  for (size_t i = i0; i < i1; i++)                                              \
    {                                                                           \
      int ok = naive_row (&FGA_MAT (T, i, 0), lse != NULL ? lse + i : NULL,     \
                          &FGA_MAT (Q, i, 0), fgap_qscale_row (qs, i), K, V,    \
                          tau, s, o, c, FUSED);                                 \
      if (ok == 0 && i < *bad)                                                  \
        *bad = i;                                                               \
      if (ok < 0 && i < *bad_lse)                                               \
        *bad_lse = i;                                                           \
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
  int rc = fgap_attn_check (fn, T, Q, K, V, tau, err);
  if (rc != FGA_OK)
    return rc;
  const size_t nq = Q->rows, nk = K->rows, dv = V->cols;
  rows_fn rows = rows_plain;
#if FGA_ATTN_X86
  if (fgap_attn_isa () >= FGA_ISA_AVX2)
    rows = rows_fused;
#endif

  int nt = fgap_attn_threads (nq, nk, K->cols, dv, (nq + 15) / 16);
  size_t per, bytes;
  if (fgap_size_mul (&per, nk + dv, sizeof (double))
      || fgap_size_mul (&bytes, per, (size_t) nt))
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: %zu keys need more scratch bytes than "
                          "size_t can count", fn, nk);
  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  fgap_qscale qs;
  fgap_vscale vs;
  if ((rc = fgap_scale_init (&qs, &vs, &Q, K, &V, tau, &mt, fn, err)) != FGA_OK)
    return rc;
  double *scratch = fgap_talloc (&mt, bytes, "the scores of one row per thread", err);
  if (scratch == NULL)
    {
      fgap_vscale_clear (&vs, &mt);
      fgap_qscale_clear (&qs, &mt);
      return FGA_ERR_NOMEM;
    }

  size_t bad = SIZE_MAX;        /* first row whose scores overflowed */
  size_t bad_lse = SIZE_MAX;    /* first row whose lse overflowed */
  uint64_t n_mul = 0, n_add = 0, n_exp = 0, n_div = 0, n_cmp = 0;
#pragma omp parallel num_threads (nt) reduction (+:n_mul, n_add, n_exp, n_div, n_cmp) \
  reduction (min:bad, bad_lse)
  {
    int me = 0;
#ifdef _OPENMP
    me = omp_get_thread_num ();
#endif
    fgap_attn_count c = { 0, 0, 0, 0, 0 };
    /* static chunks of 16 rows: a row is too little work to schedule alone */
#pragma omp for schedule (static)
    for (size_t b = 0; b < (nq + 15) / 16; b++)
      rows (T, lse, Q, &qs, K, V, tau, scratch + (size_t) me * (nk + dv), 16 * b,
            16 * b + 16 < nq ? 16 * b + 16 : nq, &c, &bad, &bad_lse);
    n_mul += c.mul;
    n_add += c.add;
    n_exp += c.exp;
    n_div += c.div;
    n_cmp += c.cmp;
  }
  fgap_tfree (&mt, scratch, bytes);
  fgap_vscale_finish (&vs, T, 1, 0, fn, NULL, err);
  fgap_vscale_clear (&vs, &mt);
  fgap_qscale_clear (&qs, &mt);
  fgap_attn_count c = { n_mul, n_add, n_exp, n_div, n_cmp };
  fgap_attn_count_store (st, &c, mt.peak, nt);
  if (bad != SIZE_MAX)
    return fgap_attn_overflow (fn, bad, err);
  if (bad_lse != SIZE_MAX)
    return fgap_attn_lse_overflow (fn, bad_lse, err);
  return FGA_OK;
}
