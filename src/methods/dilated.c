/* fgap_method_dilated -- LongNet's dilated attention: segments and dilation rates in geometric sequences

   Ding et al. 2023.  For each level k < K, with segment length
   w_k = w alpha^k and dilation rate r_k = r alpha^k, the positions are cut
   into segments [s w_k, (s + 1) w_k) (the last one shorter when w_k does
   not divide n) and, in each segment, position p (counted from the
   segment's start) is kept when p mod r_k = o_k.  Each kept query attends
   the kept keys of its segment (only those j <= i when causal=1); a query
   that a level does not keep gets nothing from it.  The outputs O_k of the
   levels that keep a query are mixed by their softmax denominators s_k,
   O = sum_k s_k O_k / sum_k s_k, as LongNet does; src/kernels/sparse.c merges the
   online-softmax states, which computes exactly this without forming s_k
   (so nothing overflows), and proves that it equals the softmax over the
   multiset union of the levels' key sets (a key seen at two levels counts
   twice; the output is not the softmax over their plain union).

   Offsets.  LongNet gives head number j the offset j mod r_k, so that the
   heads together cover every position; this single-head method takes that
   head's index as the parameter head (default 0, offset 0 at every level):
   o_k = head mod r_k.

   Levels.  levels=K takes K levels; levels=0 takes levels up to and
   including the first whose segment holds the whole sequence (the least K
   with w_{K-1} >= n), the schedule of LongNet whose top level is global.
   alpha is an integer >= 2, so that every w_k and r_k is an exact
   integer, as in LongNet's geometric analysis (alpha = 2 in its
   experiments); r <= w, and w_k stays below 2^62.

   Coverage.  A query that no level keeps would have no output, so such
   parameter sets are refused when the method is prepared, naming the
   query.  With r = 1, level 0 keeps every position (o_0 = head mod 1 = 0),
   so r = 1 is always accepted; with r > 1 and r dividing w every kept
   position is congruent to head mod r, so n >= 2 is always refused.  With
   one level, w >= n and r = 1 the method is exact attention.

   Pairs and groups, in closed form (fga_sparse_pattern_count): a segment
   of s positions keeps c(s) = floor ((s - 1 - o_k) / r_k) + 1 of them (0 if
   s <= o_k), each attending the c(s) kept keys; with F_k = floor (n / w_k)
   full segments and e_k = n - F_k w_k positions in the last one,
     causal=0:  P = sum_k F_k c(w_k)^2 + c(e_k)^2
     causal=1:  P = sum_k F_k c(w_k) (c(w_k) + 1) / 2 + c(e_k) (c(e_k) + 1) / 2
     G = sum_k F_k c(w_k) + c(e_k)         (groups: (query, level) pairs)
   When w_{K-1} divides n and head = 0, c(w_k) = ceil (w / r) at every level,
     P = (n / w) ceil (w / r)^2 sum_{k<K} alpha^{-k},
     G = (n / w) ceil (w / r) sum_{k<K} alpha^{-k},
   and with r | w, P = (n w / r^2) sum_k alpha^{-k} = n sum_k w_k / r_k^2
   (LongNet's 2 N d sum_k w_k / r_k^2 FLOPs), at most
   n w alpha / ((alpha - 1) r^2): linear in n for a fixed top level.  The counts of src/kernels/sparse.c, with
   M = G - n merges and L = 1 if lse is asked for, else 0:
     n_mul = P (d + 1 + dv) + M (1 + dv)
     n_add = P (d + 1 + dv) - G (1 + dv) + M (2 + dv) + L n
     n_exp = P + M + L n
     n_div = n dv
     n_cmp = P - n
   peak_bytes = threads (cmax + 2 dv) 8 with cmax = max_k c(min (w_k, n)).  */

#include "core/fga-impl.h"
#include "methods/method-impl.h"

static const fga_param_info dilated_params[] = {
  { "w", FGA_PARAM_INT, "64", 1, 9007199254740992.0, NULL, NULL,
    "first segment length w_0; level k has segments of w alpha^k positions" },
  { "r", FGA_PARAM_INT, "1", 1, 9007199254740992.0, NULL, NULL,
    "first dilation rate r_0 <= w; level k keeps every (r alpha^k)-th position of a segment" },
  { "alpha", FGA_PARAM_INT, "2", 2, 1048576, NULL, NULL,
    "ratio of the geometric sequences of segment lengths and dilation rates" },
  { "levels", FGA_PARAM_INT, "0", 0, FGA_SPARSE_MAX_LEVELS, NULL, NULL,
    "number of (segment, dilation) levels; 0: up to the first segment length >= n" },
  { "head", FGA_PARAM_INT, "0", 0, 9007199254740992.0, NULL, NULL,
    "LongNet's head index: the offset of level k is head mod r_k" },
  { "causal", FGA_PARAM_INT, "0", 0, 1, NULL, NULL, "1: only the keys j <= i" },
  { NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static int
dilated_create (fga_method m, fga_error *err)
{
  if (fgap_param_int (m, "r") > fgap_param_int (m, "w"))
    return fgap_error_set (err, FGA_ERR_INPUT, "method dilated: r=%ld exceeds w=%ld (a segment "
                          "keeps every r-th of its w positions)", fgap_param_int (m, "r"),
                          fgap_param_int (m, "w"));
  return FGA_OK;
}

static fga_sparse_pattern
dilated_pattern (fga_method_srcptr m, size_t n)
{
  fga_sparse_pattern p = { FGA_SPARSE_DILATED, n, (int) fgap_param_int (m, "causal"),
                             (size_t) fgap_param_int (m, "w"), 0, (size_t) fgap_param_int (m, "r"),
                             (size_t) fgap_param_int (m, "alpha"),
                             (size_t) fgap_param_int (m, "levels"),
                             (size_t) fgap_param_int (m, "head"), 0 };
  return p;
}

static int
dilated_prepare (fga_method m, const fga_problem *prob, fga_error *err)
{
  return fgap_sparse_method_prepare (m, prob, dilated_pattern (m, prob->nq), err);
}

static int
dilated_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
             fga_mat_srcptr V, fga_stats *st, fga_error *err)
{
  const fga_sparse_pattern *p = m->state;
  fga_stats_set (st, "w", (double) p->w);
  fga_stats_set (st, "r", (double) p->r);
  fga_stats_set (st, "alpha", (double) p->alpha);
  fga_stats_set (st, "levels", (double) p->levels);
  fga_stats_set (st, "head", (double) p->head);
  fga_stats_set (st, "causal", (double) p->causal);
  return fga_sparse_attention (T, lse, Q, K, V, fga_tau_double (&m->prob.tau, m->prob.d), p,
                               st, err);
}

static int
dilated_count (mpz_t ops[5], fga_method_srcptr m, const fga_problem *prob, int lse,
               fga_error *err)
{
  return fgap_sparse_method_count (ops, m, prob, dilated_pattern (m, prob->nq), lse, err);
}

const fgap_method_class fgap_method_dilated = {
  .info = { "dilated", "LongNet dilated attention: segments w alpha^k, dilation r alpha^k, "
            "mixed by softmax denominators", dilated_params },
  .create = dilated_create,
  .prepare = dilated_prepare,
  .run = dilated_run,
  .destroy = fgap_sparse_method_destroy,
  .count = dilated_count
};
