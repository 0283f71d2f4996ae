/* fga_attention_matrix -- the attention matrix P = D^{-1} exp (tau Q K^T), explicitly, in double

   The low-rank methods need P itself, not only P V: its singular values
   (fgattn rank), its truncated SVD (svd) and the three small softmax
   matrices of Nystrom's factorisation (nystrom) are all made by this
   function.  Q need not be the instance's queries nor K its keys: any two
   matrices with the same number of columns give softmax (tau Q K^T).

   Row by row: the scores s_j = tau <q_i, k_j> (a plain dot product, the
   same bits whatever the number of threads), their maximum m, the weights
   e_j = exp (s_j - m), their sum l, and P_ij = e_j / l.  Subtracting m keeps
   every exponent <= 0, so nothing overflows; the largest weight is exactly
   1, so l >= 1 and the division never meets a tiny denominator; an entry
   underflows to 0 only when it is below 2^-1074 times its row's largest.
   Dividing each entry by l, rather than multiplying by 1/l, saves one
   rounding per entry.

   Error, to first order in u = 2^-53, with R >= tau max_ij sum_t |q_it k_jt|
   and exp within one ulp (2u): each computed score is off by at most
   (d + 1) u R (the dot product's d roundings and tau's); subtracting the
   computed maximum adds at most 2 u R (|s_j - m| <= 2 R), and the maximum
   itself cancels between numerator and denominator, so each weight has a
   relative error of at most (d + 3) u R + 2 u; the row sum adds (nk - 1) u
   and the division u:
     |P^_ij - P_ij| <= u (2 (d + 3) R + nk + 4) P_ij,
   a relative bound on every entry, small ones included, except those whose
   weight falls among the subnormal numbers: they are within 2^-1074 in
   absolute value.  tests/methods/t-lowrank.c checks it against P computed in MPFR.

   Scores of any size.  A row whose dot products could overflow (the test
   on max|Q| max|K| of kernels/attention-util.h, once per call) is computed
   from q_i 2^-k_i and its softmax from the differences (s_j - m) 2^k_i, as
   in the exact kernels: finite Q and K never overflow, and the bound above
   holds with R the true (huge) radius, plus the subnormal terms stated
   there.  The row's softmax is fgap_softmax_row, the one the naive and
   sparse kernels count.

   Operation counts, exact (L = 1 if lse is not NULL, else 0):
     n_mul = nq nk (d + 1)             the dot products and tau
     n_add = nq (nk (d + 1) - 1 + L)   nk (d - 1) in the dot products, nk in s - m,
                                       nk - 1 in the row sum, L in m + log l
     n_exp = nq (nk + L)               log l counted as one exp, as the kernels do
     n_div = nq nk
     n_cmp = nq (nk - 1)
   No scratch: P itself holds the scores while they become weights, unless
   rows of Q are rescaled: then a copy of Q (peak_bytes; the multiplications
   by powers of two are not counted).  */

#include "core/fga-impl.h"
#include "kernels/attention-util.h"
#include "numerics/numerics-impl.h"

static const char fn[] = "fga_attention_matrix";

/* One row of P from the query q divided by 2^k; returns 0 when a score
   overflowed (then the row's maximum or sum is Inf or NaN), -1 when lse
   did.  Counts the softmax into c.  */
static int
matrix_row (double *restrict p, double *lse, const double *restrict q, int k, fga_mat_srcptr K,
            double tau, fgap_attn_count *c)
{
  const size_t nk = K->rows, d = K->cols;
  for (size_t j = 0; j < nk; j++)
    {
      const double *kj = &FGA_MAT (K, j, 0);
      double dot = q[0] * kj[0];
      for (size_t t = 1; t < d; t++)
        dot += q[t] * kj[t];
      p[j] = dot * tau;
    }
  double m;
  double l = fgap_softmax_row (p, nk, k, &m, c);
  for (size_t j = 0; j < nk; j++)
    p[j] /= l;
  if (!isfinite (m) || !isfinite (l))
    return 0;
  if (lse != NULL)
    {
      *lse = fgap_lse (m, l, k);
      if (!isfinite (*lse))
        return -1;
    }
  return 1;
}

/* Shared with rank_randomized.c (numerics-impl.h): the checks of a pair
   Q, K that every function of P makes first.  */
int
fgap_check_qk (const char *who, fga_mat_srcptr Q, fga_mat_srcptr K, double tau, fga_error *err)
{
  if (Q->cols != K->cols)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: Q is %zu x %zu and K is %zu x %zu: their numbers of columns "
                          "(the key dimension d) differ", who, Q->rows, Q->cols, K->rows, K->cols);
  if (K->rows == 0)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: K is 0 x %zu: attention over no keys is undefined", who, K->cols);
  if (Q->cols == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: Q is %zu x 0 and K is %zu x 0: d must be "
                          "at least 1", who, Q->rows, K->rows);
  if (!(tau > 0) || !isfinite (tau))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: tau = %g must be positive and finite",
                          who, tau);
  return FGA_OK;
}

int
fga_attention_matrix (fga_mat_ptr P, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                      double tau, fga_stats *st, fga_error *err)
{
  int rc;
  if (P == NULL || Q == NULL || K == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: P, Q and K must not be NULL", fn);
  if ((rc = fgap_check_qk (fn, Q, K, tau, err)) != FGA_OK)
    return rc;
  if (P->rows != Q->rows || P->cols != K->rows)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: P is %zu x %zu but Q is %zu x %zu and K is "
                          "%zu x %zu, so P must be %zu x %zu", fn, P->rows, P->cols, Q->rows,
                          Q->cols, K->rows, K->cols, Q->rows, K->rows);
  fga_error local;
  if ((rc = fga_mat_check_finite (Q, "Q", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (K, "K", &local)) != FGA_OK)
    return fgap_error_set (err, rc, "%s: %s", fn, local.msg);

  const size_t nq = Q->rows, nk = K->rows, d = Q->cols;
  const uint64_t L = lse != NULL;
  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  fgap_qscale qs;
  if ((rc = fgap_qscale_init (&qs, &Q, K, tau, &mt, fn, err)) != FGA_OK)
    return rc;
  int nt = fgap_attn_threads (nq, nk, d, 0, nq);
  size_t bad = SIZE_MAX, bad_lse = SIZE_MAX;
  uint64_t n_mul = 0, n_add = 0, n_exp = 0, n_div = 0, n_cmp = 0;
#pragma omp parallel for num_threads (nt) schedule (static) \
  reduction (+:n_mul, n_add, n_exp, n_div, n_cmp) reduction (min:bad, bad_lse)
  for (size_t i = 0; i < nq; i++)
    {
      fgap_attn_count c = { 0, 0, 0, 0, 0 };
      int ok = matrix_row (&FGA_MAT (P, i, 0), lse != NULL ? &lse[i] : NULL, &FGA_MAT (Q, i, 0),
                           fgap_qscale_row (&qs, i), K, tau, &c);
      if (ok == 0 && i < bad)
        bad = i;
      if (ok < 0 && i < bad_lse)
        bad_lse = i;
      n_mul += nk * (d + 1);
      n_add += nk * (d - 1) + c.add + L;
      n_exp += c.exp + L;
      n_div += nk;
      n_cmp += c.cmp;
    }
  fgap_qscale_clear (&qs, &mt);

  fgap_attn_count c = { n_mul, n_add, n_exp, n_div, n_cmp };
  fgap_attn_count_store (st, &c, mt.peak, nt);
  if (bad != SIZE_MAX)
    return fgap_attn_overflow (fn, bad, err);
  if (bad_lse != SIZE_MAX)
    return fgap_attn_lse_overflow (fn, bad_lse, err);
  return FGA_OK;
}
