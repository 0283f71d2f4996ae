/* fga_attention_blas -- exact attention in double by blocks of query rows and two dgemm calls

   For each block of bq query rows: S = Q_block K^T by cblas_dgemm, then per
   row the scaling by tau, the maximum, exp (s - m) in place and the row
   sum, then T_block = E V by a second cblas_dgemm, then the division by the
   row sums.  OpenMP threads take whole blocks, so the extra memory is one
   bq x nk block of scores per thread.  exp runs on libmvec's vector
   variants.

   The operations are those of the naive kernel, so the counts are the same
   (L = 1 if lse is not NULL, else 0; a dgemm of m x k times k x n counts
   m n k products and m n (k - 1) additions):
     n_mul = nq nk (d + 1 + dv)       Q K^T, tau, E V
     n_add = nq (nk (d + 1 + dv) - 1 - dv + L)
                                      nq nk (d - 1) in Q K^T, nq nk in s - m,
                                      nq (nk - 1) in the row sums, nq dv (nk - 1) in E V
     n_exp = nq (nk + L)
     n_div = nq dv
     n_cmp = nq (nk - 1)
   They do not depend on the block size, and leave out the multiplications
   by powers of two of the rescaled copies of Q and V
   (kernels/attention-util.h), made only when the data need them.

   Error: the bound of attention_stream.c, with nb = 1 (tests/kernels/t-exact.c);
   dgemm may sum in any order, which the bound allows.  Every output is
   finite.  */

#define FGA_ATTN_SIMD_EXP 1
#include "core/fga-impl.h"
#include "kernels/attention-util.h"

#include <limits.h>
#include <cblas.h>

static const char fn[] = "fga_attention_blas";

/* Query rows per block when block = 0 is chosen so that a block of scores
   holds about this many doubles (4 MiB), and between 64 and 1024 rows:
   large enough for dgemm to run at full speed, small enough to stay in the
   last-level cache (measured on n = 4096 and 16384: 64 to 256 rows are
   within 5% of each other, 512 is slower).  */
#define BLOCK_DOUBLES ((size_t) 1 << 19)


typedef void (*row_fn) (double *, size_t, double, double *, double *);

static void
row_generic (double *s, size_t n, double tau, double *m, double *l)
{
  fgap_row_softmax_simd (s, n, tau, m, l);
}

#if FGA_ATTN_X86
static FGA_TARGET_AVX2 void
row_avx2 (double *s, size_t n, double tau, double *m, double *l)
{
  fgap_row_softmax_simd (s, n, tau, m, l);
}

static FGA_TARGET_AVX512 void
row_avx512 (double *s, size_t n, double tau, double *m, double *l)
{
  fgap_row_softmax_simd (s, n, tau, m, l);
}
#endif

int
fga_attention_blas (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                    fga_mat_srcptr V, double tau, size_t block, fga_stats *st,
                    fga_error *err)
{
  int rc = fgap_attn_check (fn, T, Q, K, V, tau, err);
  if (rc != FGA_OK)
    return rc;
  const size_t nq = Q->rows, nk = K->rows, d = Q->cols, dv = V->cols;
  if (nk > INT_MAX || d > INT_MAX || dv > INT_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: nk = %zu, d = %zu or dv = %zu exceeds the "
                          "int sizes of the CBLAS interface", fn, nk, d, dv);

  fgap_blas_ready ();
  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  fgap_qscale qs;
  fgap_vscale vs;
  if ((rc = fgap_scale_init (&qs, &vs, &Q, K, &V, tau, &mt, fn, err)) != FGA_OK)
    return rc;

  row_fn row = row_generic;
#if FGA_ATTN_X86
  switch (fgap_attn_isa ())
    {
    case FGA_ISA_AVX512:
      row = row_avx512;
      break;
    case FGA_ISA_AVX2:
      row = row_avx2;
      break;
    default:
      break;
    }
#endif

  size_t bq = block;
  if (bq > INT_MAX)
    bq = INT_MAX;
  if (bq == 0)
    {
      bq = BLOCK_DOUBLES / nk;
      bq = bq < 64 ? 64 : bq > 1024 ? 1024 : bq;
    }
  if (bq > nq)
    bq = nq > 0 ? nq : 1;
  const size_t nblocks = (nq + bq - 1) / bq;
  int nt = fgap_attn_threads (nq, nk, d, dv, nblocks);

  /* per thread: a block of scores, then the row maxima and sums */
  size_t per, bytes;
  double *scratch = NULL;
  if (fgap_size_mul (&per, bq, nk + 2) || fgap_size_mul (&bytes, per, sizeof (double))
      || fgap_size_mul (&bytes, bytes, (size_t) nt))
    {
      rc = fgap_error_set (err, FGA_ERR_NOMEM, "%s: blocks of %zu x %zu scores need more "
                          "bytes than size_t can count", fn, bq, nk);
      goto done;
    }
  scratch = fgap_talloc (&mt, bytes, "blocks of scores", err);
  if (scratch == NULL)
    {
      rc = FGA_ERR_NOMEM;
      goto done;
    }

  if (nt > 1)
    fgap_blas_single_enter ();

  size_t bad = SIZE_MAX, bad_lse = SIZE_MAX;
  uint64_t n_mul = 0, n_add = 0, n_exp = 0, n_div = 0, n_cmp = 0;
#pragma omp parallel num_threads (nt) reduction (+:n_mul, n_add, n_exp, n_div, n_cmp) \
  reduction (min:bad, bad_lse)
  {
    int me = 0;
#ifdef _OPENMP
    me = omp_get_thread_num ();
#endif
    double *S = scratch + (size_t) me * per;
    double *m = S + bq * nk, *l = m + bq;
#pragma omp for schedule (dynamic, 1)
    for (size_t b = 0; b < nblocks; b++)
      {
        const size_t i0 = b * bq, qb = nq - i0 < bq ? nq - i0 : bq;
        cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) qb, (int) nk, (int) d,
                     1.0, &FGA_MAT (Q, i0, 0), (int) d, K->data, (int) d, 0.0, S, (int) nk);
        n_mul += qb * nk * d;
        n_add += qb * nk * (d - 1);

        for (size_t i = 0; i < qb; i++)
          {
            const int k = fgap_qscale_row (&qs, i0 + i);
            double *s = S + i * nk;
            if (k == 0)
              row (s, nk, tau, &m[i], &l[i]);
            else
              {
                fgap_attn_count counted = { 0, 0, 0, 0, 0 };   /* counted below */
                for (size_t j = 0; j < nk; j++)
                  s[j] *= tau;
                l[i] = fgap_softmax_row (s, nk, k, &m[i], &counted);
              }
            n_mul += nk;
            n_cmp += nk - 1;
            n_add += nk + (nk - 1);
            n_exp += nk;
          }

        if (dv > 0)
          {
            cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) qb, (int) dv,
                         (int) nk, 1.0, S, (int) nk, V->data, (int) dv, 0.0,
                         &FGA_MAT (T, i0, 0), (int) dv);
            n_mul += qb * dv * nk;
            n_add += qb * dv * (nk - 1);
          }

        for (size_t i = 0; i < qb; i++)
          {
            double *t = &FGA_MAT (T, i0 + i, 0);
            for (size_t col = 0; col < dv; col++)
              t[col] /= l[i];
            if (!isfinite (m[i]) || !isfinite (l[i]))
              bad = i0 + i < bad ? i0 + i : bad;
            else if (lse != NULL)
              {
                lse[i0 + i] = fgap_lse (m[i], l[i], fgap_qscale_row (&qs, i0 + i));
                if (!isfinite (lse[i0 + i]) && i0 + i < bad_lse)
                  bad_lse = i0 + i;
              }
          }
        n_div += qb * dv;
        if (lse != NULL)
          {
            n_exp += qb;
            n_add += qb;
          }
      }
  }
  if (nt > 1)
    fgap_blas_single_leave ();
  fgap_vscale_finish (&vs, T, 1, 0, fn, NULL, err);

  fgap_attn_count c = { n_mul, n_add, n_exp, n_div, n_cmp };
  fgap_attn_count_store (st, &c, mt.peak, nt);
  if (st != NULL)
    fga_stats_set (st, "block", (double) bq);
  if (bad != SIZE_MAX)
    rc = fgap_attn_overflow (fn, bad, err);
  else if (bad_lse != SIZE_MAX)
    rc = fgap_attn_lse_overflow (fn, bad_lse, err);

done:
  if (scratch != NULL)
    fgap_tfree (&mt, scratch, bytes);
  fgap_vscale_clear (&vs, &mt);
  fgap_qscale_clear (&qs, &mt);
  return rc;
}
