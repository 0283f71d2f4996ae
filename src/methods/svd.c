/* fgap_method_svd -- the best rank-k approximation of P by LAPACK's SVD; singular values, rank, Eckart--Young

   svd:k=K returns T = P_k V, where P_k = U_k Sigma_k V_k^T keeps the k
   largest singular triples of P.  By Eckart and Young no matrix of rank
   <= k is closer to P in the Frobenius (or spectral) norm, and
   ||P - P_k||_F = sqrt (sum_{i>k} sigma_i^2): the floor under every
   low-rank method (theory/transition.md, lemma 1).  It is a yardstick, not a
   fast method: forming P costs nq nk d and its SVD O(nq nk min (nq, nk)).

   k is refused above min (nq, nk), the largest rank P can have, rather
   than clamped: a run then always has the rank its spec names, and a sweep
   over k sees its mistake instead of a silent plateau.

   Counting.  The operations of fgattn's own code (forming P, the two
   products with V) are counted exactly in n_mul ... n_cmp.  LAPACK's SVD
   cannot be counted from outside, so it is left out of those counts and
   its floating-point operations are estimated in the figure lapack_flops
   (svd_flops below says from what).  peak_bytes is exact, LAPACK's
   workspace included: it is allocated here, through the library's hook,
   and handed to LAPACKE_dgesdd_work.

   Counts of one run of svd:k=K (L = 1 if lse is not NULL), beyond LAPACK:
     n_mul = nq nk (d + 1) + k dv (nk + 1) + nq dv k
     n_add = nq (nk (d + 1) - 1 + L) + k dv (nk - 1) + nq dv (k - 1)
     n_exp = nq (nk + L),  n_div = nq nk,  n_cmp = nq (nk - 1)
   (fga_attention_matrix's counts, then W = V_k^T V, the scaling of W's
   rows by sigma, and U_k W; a dgemm of a x c times c x b counts a b c
   products and a b (c - 1) additions, as in attention_blas.c).  */

#include "core/fga-impl.h"
#include "methods/method-impl.h"
#include "kernels/attention-util.h"

#include <limits.h>
#include <cblas.h>
#include <lapacke.h>

/* The floating-point operations of LAPACK's SVD of an a x b matrix, from
   Golub and Van Loan, Matrix Computations, 3rd ed., section 5.4.5 (the
   table of SVD flop counts), for p = max (a, b) and q = min (a, b):
   singular values only, 4 p q^2 - 4 q^3 / 3 (Golub--Reinsch) or
   2 p q^2 + 2 q^3 (R-SVD, a QR factorisation first); with the thin
   singular vectors, 14 p q^2 + 8 q^3 or 6 p q^2 + 20 q^3.  LAPACK goes the
   R-SVD way when p is well above q, so the estimate is the smaller of the
   two.  dgesdd's divide and conquer needs fewer operations for the vectors
   than the QR iteration these figures assume: with vectors the estimate
   is on the high side.  An estimate, never mixed with the exact counts.  */
static double
svd_flops (size_t a, size_t b, int vectors)
{
  double p = (double) (a > b ? a : b), q = (double) (a < b ? a : b);
  double gr = vectors ? 14 * p * q * q + 8 * q * q * q : 4 * p * q * q - 4 * q * q * q / 3;
  double rsvd = vectors ? 6 * p * q * q + 20 * q * q * q : 2 * p * q * q + 2 * q * q * q;
  return gr < rsvd ? gr : rsvd;
}

/* The thin SVD M = U diag (s) Vt by dgesdd, M destroyed; the workspace
   is tracked by mt.  U and Vt both NULL: singular values only.  */
static int
svd_core (fga_mat_ptr U, double *s, fga_mat_ptr Vt, fga_mat_ptr M, fgap_memtrack *mt,
          double *flops, fga_error *err)
{
  static const char fn[] = "fga_mat_svd";
  *flops = 0;
  if (M == NULL || s == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: M and s must not be NULL", fn);
  const size_t a = M->rows, b = M->cols, r = a < b ? a : b;
  const int vectors = U != NULL;
  if ((U == NULL) != (Vt == NULL))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: U and Vt must both be given or both be "
                          "NULL", fn);
  if (vectors && (U->rows != a || U->cols != r || Vt->rows != r || Vt->cols != b))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: M is %zu x %zu, so U must be %zu x %zu and "
                          "Vt %zu x %zu, not %zu x %zu and %zu x %zu", fn, a, b, a, r, r, b,
                          U->rows, U->cols, Vt->rows, Vt->cols);
  if (a > INT_MAX || b > INT_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: M is %zu x %zu, beyond the int sizes of "
                          "LAPACK", fn, a, b);
  if (r == 0)
    return FGA_OK;
  fga_error local;
  int rc = fga_mat_check_finite (M, "M", &local);
  if (rc != FGA_OK)
    return fgap_error_set (err, rc, "%s: %s", fn, local.msg);

  /* LAPACK is column-major: to it the row-major a x b buffer of M is the
     b x a matrix M^T.  Its SVD M^T = X S Y^T is M = Y S X^T, so LAPACK's
     left vectors X (b x r, column-major) read row-major are V^T (r x b),
     and its Y^T (r x a, column-major) read row-major is U (a x r): both
     land where they belong, with no transposed copy (LAPACKE's row-major
     interface would make one, outside the library's allocation hook).  */
  const lapack_int m = (lapack_int) b, n = (lapack_int) a;
  const char jobz = vectors ? 'S' : 'N';
  double dummy[1];
  double *lu = vectors ? Vt->data : dummy, *lvt = vectors ? U->data : dummy;
  const lapack_int ldu = vectors ? m : 1, ldvt = vectors ? (lapack_int) r : 1;

  size_t ibytes = 8 * r * sizeof (lapack_int);
  lapack_int *iwork = fgap_talloc (mt, ibytes, "the integer workspace of dgesdd", err);
  if (iwork == NULL)
    return FGA_ERR_NOMEM;
  double query = 0;
  lapack_int info = LAPACKE_dgesdd_work (LAPACK_COL_MAJOR, jobz, m, n, M->data, m, s, lu, ldu,
                                         lvt, ldvt, &query, -1, iwork);
  if (info != 0 || !(query >= 1) || query > (double) INT_MAX)
    {
      fgap_tfree (mt, iwork, ibytes);
      return fgap_error_set (err, FGA_ERR_COMPUTE, "%s: dgesdd's workspace query for a %zu x %zu "
                            "matrix failed (info %d, %g doubles)", fn, a, b, (int) info, query);
    }
  lapack_int lwork = (lapack_int) query;
  size_t wbytes = (size_t) lwork * sizeof (double);
  double *work = fgap_talloc (mt, wbytes, "the workspace of dgesdd", err);
  if (work == NULL)
    {
      fgap_tfree (mt, iwork, ibytes);
      return FGA_ERR_NOMEM;
    }
  info = LAPACKE_dgesdd_work (LAPACK_COL_MAJOR, jobz, m, n, M->data, m, s, lu, ldu, lvt, ldvt,
                              work, lwork, iwork);
  fgap_tfree (mt, work, wbytes);
  fgap_tfree (mt, iwork, ibytes);
  *flops = svd_flops (a, b, vectors);
  if (info > 0)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "%s: dgesdd did not converge on the %zu x %zu "
                          "matrix (info %d)", fn, a, b, (int) info);
  if (info < 0)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "%s: dgesdd refused its argument %d", fn,
                          (int) -info);
  return FGA_OK;
}

int
fga_mat_svd (fga_mat_ptr U, double *s, fga_mat_ptr Vt, fga_mat_ptr M, fga_stats *st,
             fga_error *err)
{
  fgap_memtrack mt;
  double flops;
  fgap_memtrack_init (&mt);
  int rc = svd_core (U, s, Vt, M, &mt, &flops, err);
  if (st != NULL)
    {
      st->peak_bytes = mt.peak;
      fga_stats_set (st, "lapack_flops", flops);
    }
  return rc;
}

int
fga_attention_singular_values (double *sigma, fga_mat_srcptr Q, fga_mat_srcptr K, double tau,
                               fga_stats *st, fga_error *err)
{
  static const char fn[] = "fga_attention_singular_values";
  if (Q == NULL || K == NULL || sigma == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: sigma, Q and K must not be NULL", fn);
  const size_t nq = Q->rows, nk = K->rows;
  size_t count, bytes;
  if (fgap_size_mul (&count, nq, nk) || fgap_size_mul (&bytes, count, sizeof (double)))
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: P would be %zu x %zu, more bytes than size_t "
                          "can count", fn, nq, nk);
  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  fga_stats local;
  fga_stats_init (&local);
  fga_mat_struct P = { nq, nk, NULL };
  P.data = fgap_talloc (&mt, bytes, "the attention matrix P", err);
  if (P.data == NULL)
    return FGA_ERR_NOMEM;
  double flops = 0;
  int rc = fga_attention_matrix (&P, NULL, Q, K, tau, &local, err);
  if (rc == FGA_OK)
    rc = svd_core (NULL, sigma, NULL, &P, &mt, &flops, err);
  fgap_tfree (&mt, P.data, bytes);
  if (st != NULL)
    {
      fgap_stats_set_counts (st, &local);
      st->threads = local.threads;
      st->peak_bytes = mt.peak;
      fga_stats_set (st, "lapack_flops", flops);
    }
  return rc;
}

size_t
fga_numerical_rank (const double *sigma, size_t r, double tol)
{
  size_t rank = 0;
  for (size_t i = 0; i < r; i++)
    rank += sigma[i] > tol;
  return rank;
}

/* The tail sums are accumulated from the smallest singular value up, with
   LAPACK's dlassq scaling (e = scale sqrt (ssq), scale the largest |sigma|
   so far), so that no square underflows or overflows and the small terms
   are added before the large ones swamp them.  */
void
fga_eckart_young (double *e, const double *sigma, size_t r)
{
  double scale = 0, ssq = 1;
  e[r] = 0;
  for (size_t k = r; k-- > 0;)
    {
      double x = fabs (sigma[k]);
      if (x > 0)
        {
          if (scale < x)
            {
              double t = scale / x;
              ssq = 1 + ssq * t * t;
              scale = x;
            }
          else
            {
              double t = x / scale;
              ssq += t * t;
            }
        }
      e[k] = scale * sqrt (ssq);
    }
}

/* ------------------------------------------------------------------ */
/* The method.  */

static const fga_param_info svd_params[] = {
  { "k", FGA_PARAM_INT, "32", 1, INT_MAX, NULL, NULL,
    "the rank: T = P_k V, P_k the truncated SVD of P; at most min(nq, nk)" },
  { NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static int
svd_prepare (fga_method m, const fga_problem *prob, fga_error *err)
{
  const size_t r = prob->nq < prob->nk ? prob->nq : prob->nk;
  const long k = fgap_param_int (m, "k");
  if ((size_t) k > r)
    return fgap_error_set (err, FGA_ERR_INPUT, "method svd: k=%ld exceeds %zu = min(nq, nk), "
                          "the largest rank P can have", k, r);
  if (prob->nq > INT_MAX || prob->nk > INT_MAX || prob->dv > INT_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "method svd: nq = %zu, nk = %zu or dv = %zu "
                          "exceeds the int sizes of LAPACK and CBLAS", prob->nq, prob->nk,
                          prob->dv);
  size_t count, bytes;
  if (fgap_size_mul (&count, prob->nq, prob->nk) || fgap_size_mul (&bytes, count, 2 * sizeof (double)))
    return fgap_error_set (err, FGA_ERR_INPUT, "method svd: P (%zu x %zu) and its singular "
                          "vectors need more bytes than size_t can count", prob->nq, prob->nk);
  return FGA_OK;
}

static int
svd_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
         fga_mat_srcptr V, fga_stats *st, fga_error *err)
{
  const size_t nq = Q->rows, nk = K->rows, dv = V->cols;
  const size_t r = nq < nk ? nq : nk, k = (size_t) fgap_param_int (m, "k");
  const double tau = fga_tau_double (&m->prob.tau, m->prob.d);
  const size_t pbytes = nq * nk * sizeof (double), ubytes = nq * r * sizeof (double),
    vbytes = r * nk * sizeof (double), sbytes = (r + 1) * sizeof (double),
    wbytes = k * dv * sizeof (double);
  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  double flops = 0;
  int rc;
  /* V near the ends of the double range: the products with V are made on
     V 2^-e and T multiplied back by 2^e, exactly (kernels/attention-util.h);
     an output that is still not finite (P_k V is no weighted mean: it can
     exceed max|V|) is refused.  */
  fgap_vscale vs;
  if ((rc = fgap_vscale_init (&vs, &V, 1, &mt, "method svd", err)) != FGA_OK)
    return rc;

  fga_mat_struct P = { nq, nk, NULL }, U = { nq, r, NULL }, Vt = { r, nk, NULL };
  double *s = NULL, *W = NULL;
  if ((P.data = fgap_talloc (&mt, pbytes, "the attention matrix P", err)) == NULL
      || (U.data = fgap_talloc (&mt, ubytes, "the left singular vectors of P", err)) == NULL
      || (Vt.data = fgap_talloc (&mt, vbytes, "the right singular vectors of P", err)) == NULL
      || (s = fgap_talloc (&mt, sbytes, "the singular values of P", err)) == NULL)
    {
      rc = FGA_ERR_NOMEM;
      goto done;
    }
  if ((rc = fga_attention_matrix (&P, lse, Q, K, tau, st, err)) != FGA_OK
      || (rc = svd_core (&U, s, &Vt, &P, &mt, &flops, err)) != FGA_OK)
    goto done;
  fgap_tfree (&mt, P.data, pbytes);
  P.data = NULL;

  /* T = U_k (Sigma_k (V_k^T V)): k dv (nk + 1) + nq dv k products instead
     of forming P_k (nq nk k) and then P_k V.  */
  if ((W = fgap_talloc (&mt, wbytes, "V_k^T V", err)) == NULL)
    {
      rc = FGA_ERR_NOMEM;
      goto done;
    }
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) k, (int) dv, (int) nk, 1.0,
               Vt.data, (int) nk, V->data, (int) dv, 0.0, W, (int) dv);
  for (size_t i = 0; i < k; i++)
    for (size_t c = 0; c < dv; c++)
      W[i * dv + c] *= s[i];
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) nq, (int) dv, (int) k, 1.0,
               U.data, (int) r, W, (int) dv, 0.0, T->data, (int) dv);
  st->n_mul += k * dv * nk + k * dv + nq * dv * k;
  st->n_add += k * dv * (nk - 1) + nq * dv * (k - 1);
  if ((rc = fgap_vscale_finish (&vs, T, 0, 1, "method svd", "P_k V overflows the double "
                                "range", err)) != FGA_OK)
    goto done;

  /* e[k] = ||P - P_k||_F; e[0] = ||P||_F.  s has room for r + 1 values. */
  double *e = s;
  double sigma_1 = s[0], sigma_k1 = k < r ? s[k] : 0;
  fga_eckart_young (e, s, r);   /* overwrites s from the end: the figures are read first */
  fga_stats_set (st, "k", (double) k);
  fga_stats_set (st, "rank_max", (double) r);
  fga_stats_set (st, "sigma_1", sigma_1);
  fga_stats_set (st, "sigma_k1", sigma_k1);
  fga_stats_set (st, "eckart_young_fro", e[k]);
  fga_stats_set (st, "eckart_young_rel", e[0] > 0 ? e[k] / e[0] : 0);
  fga_stats_set (st, "lapack_flops", flops);

done:
  st->peak_bytes = mt.peak;
  fgap_tfree (&mt, W, wbytes);
  fgap_tfree (&mt, s, sbytes);
  fgap_tfree (&mt, Vt.data, vbytes);
  fgap_tfree (&mt, U.data, ubytes);
  fgap_tfree (&mt, P.data, pbytes);
  fgap_vscale_clear (&vs, &mt);
  return rc;
}

const fgap_method_class fgap_method_svd = {
  .info = { "svd", "optimal rank-k approximation of P (truncated SVD by LAPACK), T = P_k V: "
            "the Eckart-Young floor of every low-rank method", svd_params },
  .prepare = svd_prepare,
  .run = svd_run
};
