/* fgap_method_fixed -- the Sparse Transformer's fixed pattern: the query's block and every block's summary

   Child et al. 2019, section 4.3, with both parts in one head: positions
   are cut into blocks of l (block b holds b l, ..., b l + l - 1, the last
   one shorter when l does not divide n), and query i attends key j when
     floor (j / l) = floor (i / l)      (its own block), or
     j mod l >= l - c                   (a "summary" position: the last c
                                         of a block of length l),
   the softmax renormalised over the union.  causal=1 keeps only j <= i,
   the paper's autoregressive form, where a query reads its block up to
   itself and the summaries of the earlier blocks.  Positions are indices,
   so nq = nk = n is required.

   Parameters.  l is the block length; l = 0 takes l = ceil (sqrt (n)) as
   strided does, giving O(n sqrt (n)) pairs.  c is the summary width,
   1 <= c <= l, 1 by default (the least summary; the paper found c = 1
   limits what the pattern can express and used larger c, so pass c=
   explicitly when modelling its runs).  c = l, l = 1 (which forces c = 1)
   or l >= n make every key visible: exact attention (causal or not).
   The summary rule is the paper's j mod l >= l - c for every block,
   the short last block included: of its r = n mod l positions only the
   offsets l - c .. r - 1 are summaries, z = max (0, r + c - l) of them,
   possibly none.  Taking "its last c positions" instead would make the
   pattern of the first n positions depend on n; with the paper's rule it
   is the restriction of one infinite pattern.  The price, non-causal
   only: when z = 0 (and there is more than one block) no other block
   ever reads the short block's positions (fgattn analyze reports the
   path length as 0, no path).  The causal form never reads a later
   block, so the short block's summaries never matter there.

   Pairs scored, in closed form (fga_sparse_pattern_count).  Let
   q = floor (n / l) full blocks, r = n - q l, z as above, and
   Z = q c + z the summary positions in all.
     causal=0: a query of a block of s positions holding z_b summaries
       attends its s keys and the Z - z_b summaries of the other blocks
       (its own block's summaries are counted once, in s), so, over the
       q l queries of full blocks (s = l, z_b = c) and the r of the short
       one (s = r, z_b = z),
         P = q l (l + Z - c) + r (r + Z - z) = n Z + q l (l - c) + r (r - z).
     causal=1: query i = b l + t (0 <= t < l) attends t + 1 keys of its
       block and the c summaries of each of the b earlier blocks, which
       are all full, so with S = sum_{i<n} floor (i / l) = l q (q - 1) / 2 + r q
       (as in strided.c)
         P = sum_i (t + 1) + c S = q l (l + 1) / 2 + r (r + 1) / 2 + c S.
   Checks: l >= n (q = 0, r = n, or q = 1, r = 0) gives n^2 and
   n (n + 1) / 2; so does c = l (Z = n, and c S + q l (l + 1) / 2 +
   r (r + 1) / 2 = (q l + r) (q l + r + 1) / 2).  No loop: O(1) in mpz.
   One group per query (G = n); the counts of src/kernels/sparse.c become, with
   L = 1 if lse is asked for, else 0:
     n_mul = P (d + 1 + dv)
     n_add = P (d + 1 + dv) - n (1 + dv) + L n
     n_exp = P + L n
     n_div = n dv
     n_cmp = P - n
   The largest support cmax (the stats' max_keys):
     causal=0: l + Z - c when q >= 1 (a short block has r - z <= l - c:
       if z = 0 then r <= l - c, else r - z = l - c), n when q = 0;
     causal=1: the last query of each block, max (l + (q - 1) c [q >= 1],
       r + q c [r > 0]),
   and peak_bytes = threads (cmax + 2 dv) 8.  With l = sqrt (n) and c
   fixed, P is about (1 + c) n^1.5 (causal: half of it): doubling n
   multiplies it by about 2^1.5.

   Runs (src/kernels/sparse.c): the summaries of blocks 0..b-1 are one run of b
   stretches of c keys, so a query has at most 4 runs whatever n / l is,
   listed in increasing key order with no key twice.  */

#include "core/fga-impl.h"
#include "methods/method-impl.h"

static const fga_param_info fixed_params[] = {
  { "l", FGA_PARAM_INT, "0", 0, 9007199254740992.0, NULL, NULL,
    "block length: keys in the query's block of l; 0 takes ceil(sqrt(n))" },
  { "c", FGA_PARAM_INT, "1", 1, 9007199254740992.0, NULL, NULL,
    "summary width: keys j with j mod l >= l - c, in every block; 1 <= c <= l" },
  { "causal", FGA_PARAM_INT, "0", 0, 1, NULL, NULL, "1: only the keys j <= i" },
  { NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static fga_sparse_pattern
fixed_pattern (fga_method_srcptr m, size_t n)
{
  fga_sparse_pattern p = { FGA_SPARSE_FIXED, n, (int) fgap_param_int (m, "causal"),
                             0, (size_t) fgap_param_int (m, "l"), 0, 0, 0, 0,
                             (size_t) fgap_param_int (m, "c") };
  return p;
}

static int
fixed_prepare (fga_method m, const fga_problem *prob, fga_error *err)
{
  return fgap_sparse_method_prepare (m, prob, fixed_pattern (m, prob->nq), err);
}

static int
fixed_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
           fga_mat_srcptr V, fga_stats *st, fga_error *err)
{
  const fga_sparse_pattern *p = m->state;
  fga_stats_set (st, "l", (double) p->l);
  fga_stats_set (st, "c", (double) p->c);
  fga_stats_set (st, "causal", (double) p->causal);
  return fga_sparse_attention (T, lse, Q, K, V, fga_tau_double (&m->prob.tau, m->prob.d), p,
                               st, err);
}

static int
fixed_count (mpz_t ops[5], fga_method_srcptr m, const fga_problem *prob, int lse,
             fga_error *err)
{
  return fgap_sparse_method_count (ops, m, prob, fixed_pattern (m, prob->nq), lse, err);
}

const fgap_method_class fgap_method_fixed = {
  .info = { "fixed", "Sparse Transformer fixed pattern: the query's block of l and the last "
            "c keys of every block (Child et al.)", fixed_params },
  .prepare = fixed_prepare,
  .run = fixed_run,
  .destroy = fgap_sparse_method_destroy,
  .count = fixed_count
};
