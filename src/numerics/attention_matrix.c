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

   Operation counts, exact (L = 1 if lse is not NULL, else 0):
     n_mul = nq nk (d + 1)             the dot products and tau
     n_add = nq (nk (d + 1) - 1 + L)   nk (d - 1) in the dot products, nk in s - m,
                                       nk - 1 in the row sum, L in m + log l
     n_exp = nq (nk + L)               log l counted as one exp, as the kernels do
     n_div = nq nk
     n_cmp = nq (nk - 1)
   No scratch: P itself holds the scores while they become weights.  */

#include "core/fga-impl.h"
#include "kernels/attention-util.h"

static const char fn[] = "fga_attention_matrix";

/* One row of P from the query q; returns 0 when a score overflowed (then
   the row's maximum or sum is Inf or NaN).  */
static int
matrix_row (double *restrict p, double *lse, const double *restrict q, fga_mat_srcptr K,
            double tau)
{
  const size_t nk = K->rows, d = K->cols;
  for (size_t j = 0; j < nk; j++)
    {
      const double *k = &FGA_MAT (K, j, 0);
      double dot = q[0] * k[0];
      for (size_t t = 1; t < d; t++)
        dot += q[t] * k[t];
      p[j] = dot * tau;
    }
  double m = p[0];
  for (size_t j = 1; j < nk; j++)
    if (p[j] > m)
      m = p[j];
  double l = 0;
  for (size_t j = 0; j < nk; j++)
    {
      p[j] = exp (p[j] - m);
      l = j == 0 ? p[j] : l + p[j];
    }
  for (size_t j = 0; j < nk; j++)
    p[j] /= l;
  if (lse != NULL)
    *lse = m + log (l);
  return isfinite (m) && isfinite (l);
}

int
fga_attention_matrix (fga_mat_ptr P, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                      double tau, fga_stats *st, fga_error *err)
{
  int rc;
  if (P == NULL || Q == NULL || K == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: P, Q and K must not be NULL", fn);
  if (Q->cols != K->cols)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: Q is %zu x %zu and K is %zu x %zu: their numbers of columns "
                          "(the key dimension d) differ", fn, Q->rows, Q->cols, K->rows, K->cols);
  if (K->rows == 0)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: K is 0 x %zu: attention over no keys is undefined", fn, K->cols);
  if (Q->cols == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: Q is %zu x 0 and K is %zu x 0: d must be "
                          "at least 1", fn, Q->rows, K->rows);
  if (P->rows != Q->rows || P->cols != K->rows)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: P is %zu x %zu but Q is %zu x %zu and K is "
                          "%zu x %zu, so P must be %zu x %zu", fn, P->rows, P->cols, Q->rows,
                          Q->cols, K->rows, K->cols, Q->rows, K->rows);
  if (!(tau > 0) || !isfinite (tau))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: tau = %g must be positive and finite",
                          fn, tau);
  fga_error local;
  if ((rc = fga_mat_check_finite (Q, "Q", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (K, "K", &local)) != FGA_OK)
    return fgap_error_set (err, rc, "%s: %s", fn, local.msg);

  const size_t nq = Q->rows, nk = K->rows, d = Q->cols;
  const uint64_t L = lse != NULL;
  int nt = fga_attn_threads (nq, nk, d, 0, nq);
  size_t bad = SIZE_MAX;
  uint64_t n_mul = 0, n_add = 0, n_exp = 0, n_div = 0, n_cmp = 0;
#pragma omp parallel for num_threads (nt) schedule (static) \
  reduction (+:n_mul, n_add, n_exp, n_div, n_cmp) reduction (min:bad)
  for (size_t i = 0; i < nq; i++)
    {
      if (!matrix_row (&FGA_MAT (P, i, 0), lse != NULL ? &lse[i] : NULL, &FGA_MAT (Q, i, 0),
                       K, tau) && i < bad)
        bad = i;
      n_mul += nk * (d + 1);
      n_add += nk * (d + 1) - 1 + L;
      n_exp += nk + L;
      n_div += nk;
      n_cmp += nk - 1;
    }

  fgap_attn_count c = { n_mul, n_add, n_exp, n_div, n_cmp };
  fga_attn_count_store (st, &c, 0, nt);
  if (bad != SIZE_MAX)
    return fga_attn_overflow (fn, bad, err);
  return FGA_OK;
}
