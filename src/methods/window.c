/* fgap_method_window -- restricted (local) attention: each query attends the keys within distance w

   Vaswani et al. 2017, "restricted self-attention" with neighbourhood r:
   query i attends the keys j with |i - j| <= w (and j <= i when causal=1),
   the softmax weights renormalised over that set.  Positions are indices,
   so nq = nk = n is required.  With w >= n - 1 it is exact attention
   (causal attention when causal=1); w = 0 returns V.

   Pairs scored, in closed form (fga_sparse_pattern_count):
     causal=0:  P = n (2w + 1) - w (w + 1)      if w < n - 1, else n^2
                (= sum_i (min (i + w, n - 1) - max (i - w, 0) + 1))
     causal=1:  P = n (w + 1) - w (w + 1) / 2   if w < n - 1, else n (n + 1) / 2
   One group per query (G = n), so the counts of src/kernels/sparse.c become, with
   L = 1 if lse is asked for, else 0:
     n_mul = P (d + 1 + dv)
     n_add = P (d + 1 + dv) - n (1 + dv) + L n
     n_exp = P + L n
     n_div = n dv
     n_cmp = P - n
   peak_bytes = threads (cmax + 2 dv) 8 with cmax = min (2w + 1, n)
   (causal: min (w + 1, n)).  For fixed w the cost is O(w n d): doubling n
   doubles P up to the w (w + 1) edge term.  */

#include "core/fga-impl.h"
#include "methods/method-impl.h"

static const fga_param_info window_params[] = {
  { "w", FGA_PARAM_INT, "64", 0, 9007199254740992.0, NULL, NULL,
    "radius: query i attends the keys j with |i - j| <= w" },
  { "causal", FGA_PARAM_INT, "0", 0, 1, NULL, NULL, "1: only the keys j <= i" },
  { NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static fga_sparse_pattern
window_pattern (fga_method_srcptr m, size_t n)
{
  fga_sparse_pattern p = { FGA_SPARSE_WINDOW, n, (int) fgap_param_int (m, "causal"),
                             (size_t) fgap_param_int (m, "w"), 0, 0, 0, 0, 0, 0 };
  return p;
}

static int
window_prepare (fga_method m, const fga_problem *prob, fga_error *err)
{
  return fgap_sparse_method_prepare (m, prob, window_pattern (m, prob->nq), err);
}

static int
window_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
            fga_mat_srcptr V, fga_stats *st, fga_error *err)
{
  const fga_sparse_pattern *p = m->state;
  fga_stats_set (st, "w", (double) p->w);
  fga_stats_set (st, "causal", (double) p->causal);
  return fga_sparse_attention (T, lse, Q, K, V, fga_tau_double (&m->prob.tau, m->prob.d), p,
                               st, err);
}

static int
window_count (mpz_t ops[5], fga_method_srcptr m, const fga_problem *prob, int lse,
              fga_error *err)
{
  return fgap_sparse_method_count (ops, m, prob, window_pattern (m, prob->nq), lse, err);
}

const fgap_method_class fgap_method_window = {
  .info = { "window", "restricted attention: exact softmax over the keys within distance w "
            "(Vaswani et al.)", window_params },
  .prepare = window_prepare,
  .run = window_run,
  .destroy = fgap_sparse_method_destroy,
  .count = window_count
};
