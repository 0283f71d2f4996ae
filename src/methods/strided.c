/* fgap_method_strided -- the Sparse Transformer's strided pattern: a local band and every l-th key

   Child et al. 2019, strided attention with both parts in one head: query
   i attends key j when |i - j| < l (the local part) or (i - j) mod l = 0
   (the strided part), the softmax renormalised over the union (and only
   j <= i when causal=1, which is the paper's autoregressive pattern:
   {i - l, ..., i} together with i - 2l, i - 3l, ...).  Positions are
   indices, so nq = nk = n is required.  l = 0 takes l = ceil (sqrt (n)),
   the paper's choice, giving O(n sqrt (n)) pairs; l = 1 (or, non-causal,
   l >= n) is exact attention.

   Pairs scored, in closed form (fga_sparse_pattern_count): the local part
   is a window of radius l - 1 (window.c) and the strided keys outside it
   are j = i - t l (t >= 1, floor (i / l) of them) and j = i + t l
   (floor ((n - 1 - i) / l) of them), so with
     S = sum_{i<n} floor (i / l) = l q (q - 1) / 2 + (n - q l) q,  q = floor (n / l),
     W(r) = n (2r + 1) - r (r + 1) if r < n - 1, else n^2,
     Wc(r) = n (r + 1) - r (r + 1) / 2 if r < n - 1, else n (n + 1) / 2:
     causal=0:  P = W(l - 1) + 2 S
     causal=1:  P = Wc(l - 1) + S
   One group per query (G = n); the counts of src/kernels/sparse.c become, with
   L = 1 if lse is asked for, else 0:
     n_mul = P (d + 1 + dv)
     n_add = P (d + 1 + dv) - n (1 + dv) + L n
     n_exp = P + L n
     n_div = n dv
     n_cmp = P - n
   peak_bytes = threads (cmax + 2 dv) 8, cmax the largest support.  With
   l = sqrt (n), P is about 2 n l + n^2 / l = 3 n^1.5: doubling n multiplies
   it by about 2^1.5.  */

#include "core/fga-impl.h"
#include "methods/method-impl.h"

static const fga_param_info strided_params[] = {
  { "l", FGA_PARAM_INT, "0", 0, 9007199254740992.0, NULL, NULL,
    "stride: keys with |i - j| < l or (i - j) mod l = 0; 0 takes ceil(sqrt(n))" },
  { "causal", FGA_PARAM_INT, "0", 0, 1, NULL, NULL, "1: only the keys j <= i" },
  { NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static fga_sparse_pattern
strided_pattern (fga_method_srcptr m, size_t n)
{
  fga_sparse_pattern p = { FGA_SPARSE_STRIDED, n, (int) fgap_param_int (m, "causal"),
                             0, (size_t) fgap_param_int (m, "l"), 0, 0, 0, 0, 0 };
  return p;
}

static int
strided_prepare (fga_method m, const fga_problem *prob, fga_error *err)
{
  return fgap_sparse_method_prepare (m, prob, strided_pattern (m, prob->nq), err);
}

static int
strided_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
             fga_mat_srcptr V, fga_stats *st, fga_error *err)
{
  const fga_sparse_pattern *p = m->state;
  fga_stats_set (st, "l", (double) p->l);
  fga_stats_set (st, "causal", (double) p->causal);
  return fga_sparse_attention (T, lse, Q, K, V, fga_tau_double (&m->prob.tau, m->prob.d), p,
                               st, err);
}

static int
strided_count (mpz_t ops[5], fga_method_srcptr m, const fga_problem *prob, int lse,
               fga_error *err)
{
  return fgap_sparse_method_count (ops, m, prob, strided_pattern (m, prob->nq), lse, err);
}

const fgap_method_class fgap_method_strided = {
  .info = { "strided", "Sparse Transformer strided pattern: local band |i-j| < l and every "
            "l-th key (Child et al.)", strided_params },
  .prepare = strided_prepare,
  .run = strided_run,
  .destroy = fgap_sparse_method_destroy,
  .count = strided_count
};
