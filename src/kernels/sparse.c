/* fga_sparse -- exact softmax attention restricted to a support: patterns, key runs, the kernel

   The machinery behind the methods window, strided, dilated and fixed
   (window.c, strided.c, dilated.c, fixed.c).  Queries and keys are the
   positions 0..n-1.  A pattern gives each query i a list of groups of
   keys; each group is attended as one softmax, which yields the
   online-softmax state

     m = max_{j in g} s_ij,  l = sum_{j in g} e^{s_ij - m},  o = sum_{j in g} e^{s_ij - m} v_j

   (theory/work-and-depth.md, section 4), and the states of the groups of a query are
   merged as FlashAttention merges blocks: with m' = max (m1, m2),
   (m', e^{m1-m'} l1 + e^{m2-m'} l2, e^{m1-m'} o1 + e^{m2-m'} o2).  The
   output is o / l and lse = m + log l.  Window, strided and fixed have one
   group per query (their whole support); dilated has one per (segment
   length, dilation rate) pair that keeps the query.

   Why the merge is LongNet's mixing.  LongNet mixes the outputs
   O_k = o_k / l_k of the pairs k that keep query i by their softmax
   denominators s_k = e^{m_k} l_k:  O = sum_k s_k O_k / sum_k s_k.  In the
   common scale m' = max_k m_k, s_k = e^{m'} (e^{m_k - m'} l_k) and
   s_k O_k = e^{m'} e^{m_k - m'} o_k, so
     O = sum_k e^{m_k - m'} o_k / sum_k e^{m_k - m'} l_k,
   which is the merged state's o / l: the merge computes LongNet's mixing,
   and no e^{m_k} is ever formed, so nothing overflows.  Substituting the
   definitions of o_k and l_k,
     O = sum_k sum_{j in g_k} e^{s_ij} v_j / sum_k sum_{j in g_k} e^{s_ij}
       = sum_j c_ij e^{s_ij} v_j / sum_j c_ij e^{s_ij},
   with c_ij the number of pairs whose group for i contains j: the mixing is
   the softmax over the multiset union of the groups (a key seen by two
   pairs counts twice), and equals the softmax over their plain union
   exactly when the groups of every query are disjoint.  lse likewise is
   log sum_j c_ij e^{s_ij}.

   A group is a list of runs: count stretches of width consecutive keys,
   step apart (width = 1: the arithmetic progression start, start + step,
   ..., start + (count - 1) step), so that a query's keys are enumerated in
   O(1) per run and never searched for.  The stretches keep the fixed
   pattern at 4 runs: its summary keys before the query's block, c
   consecutive keys in each of floor (i / l) blocks, are one run, where
   progressions (one per offset in the block) or stretches of one block
   each would need min (c, floor (i / l)) runs, beyond any fixed bound as
   n grows.

   Operation counts, exact, counted where the work is done.  Let P be the
   number of (query, key) pairs scored (summed over groups: dilated scores a
   key once for each pair that keeps it), G the number of groups (sum over
   queries of the groups of each; G = n for window, strided and fixed), n = nq = nk
   and L = 1 if lse is asked for, else 0.  A group of c keys costs
   c (d + 1) mul and c (d - 1) add for the scores (d products and tau, d - 1
   additions), c - 1 cmp for its maximum, c subtractions and c exp, c - 1
   additions for l, c dv mul and (c - 1) dv add for o; each of the G - n
   merges costs 1 cmp, 2 + dv add (the difference of maxima, l, o), 1 exp
   and 1 + dv mul (the smaller state is rescaled, the larger kept as is);
   each query ends with dv div (o / l) and, when L = 1, one exp (log l,
   counted as an exp) and one add.  In total
     n_mul = P (d + 1 + dv) + (G - n) (1 + dv)
     n_add = P (d + 1 + dv) - G (1 + dv) + (G - n) (2 + dv) + L n
     n_exp = P + (G - n) + L n
     n_div = n dv
     n_cmp = P - n
   (fga_sparse_count evaluates them; fga_sparse_pattern_count gives P and G
   in closed form.)  With P = n^2 and G = n these are the counts of
   fga_attention_naive.  Scratch: (cmax + 2 dv) doubles per thread, cmax
   the largest group; peak_bytes = threads (cmax + 2 dv) 8, plus the
   rescaled copies of Q and V of kernels/attention-util.h when the data
   need them (never for entries of ordinary size).  The validation of the
   inputs and the pattern is not counted, as in the exact kernels, nor are
   the multiplications by powers of two of those copies.

   Error, first order in u = 2^-53 (tests/kernels/t-sparse.c derives it),
   with R >= tau max_ij sum_t |q_it k_jt|, c the largest group, K the most
   groups of one query and e as in attention_naive.c:
     |T_ic - Att_ic| <= u max|V| (2 (d + 3 + 2K) R + 2 c + 8 + 8K) + 2^-1075 [e < 0]
   each weight is off by a relative u ((d + 3) R + 2) (scores, s - m, exp)
   and by u (2 R + 3) more per merge, and the sums of c terms add 2 c u.
   Every output is finite.  */

#include "core/fga-impl.h"
#include "kernels/sparse-impl.h"
#include "kernels/attention-util.h"

#include <stdint.h>

static const char fn[] = "fga_sparse_attention";

static const char *const kind_names[] = { "window", "strided", "dilated", "fixed" };

/* Segment lengths and dilation rates stay below this, so that sums of a
   position and one of them never overflow a 64-bit size_t.  */
#define SPARSE_HUGE ((size_t) 1 << 62)

/* ceil (sqrt (n)) for n >= 1, without forming a square that could overflow:
   l^2 >= n  <=>  l >= ceil (n / l).  */
static size_t
ceil_sqrt (size_t n)
{
  size_t l = (size_t) sqrt ((double) n);
  if (l == 0)
    l = 1;
  while (l < (n - 1) / l + 1)
    l++;
  while (l > 1 && l - 1 >= (n - 1) / (l - 1) + 1)
    l--;
  return l;
}

/* The segment length, dilation rate and offset of level k of a dilated
   pattern (checked: no overflow).  */
static void
dilated_level (size_t *wk, size_t *rk, size_t *ok, const fga_sparse_pattern *p, size_t k)
{
  size_t w = p->w, r = p->r;
  for (size_t t = 0; t < k; t++)
    {
      w *= p->alpha;
      r *= p->alpha;
    }
  *wk = w;
  *rk = r;
  *ok = p->head % r;
}

/* Whether level (wk, rk, ok) keeps position i.  */
static inline int
dilated_keeps (size_t i, size_t wk, size_t rk, size_t ok)
{
  return (i % wk) % rk == ok;
}

int
fga_sparse_pattern_check (fga_sparse_pattern *p, fga_error *err)
{
  if ((unsigned) p->kind > (unsigned) FGA_SPARSE_FIXED)
    return fgap_error_set (err, FGA_ERR_INPUT, "sparse pattern: unknown kind %d", (int) p->kind);
  const char *name = kind_names[p->kind];
  if (p->n == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s: no positions (n = 0)", name);
  if (p->causal != 0 && p->causal != 1)
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s: causal=%d must be 0 or 1", name,
                          p->causal);
  switch (p->kind)
    {
    case FGA_SPARSE_WINDOW:
      return FGA_OK;

    case FGA_SPARSE_STRIDED:
      if (p->l == 0)
        p->l = ceil_sqrt (p->n);
      return FGA_OK;

    case FGA_SPARSE_FIXED:
      {
        int automatic = p->l == 0;
        if (automatic)
          p->l = ceil_sqrt (p->n);
        if (p->c == 0 || p->c > p->l)
          return fgap_error_set (err, FGA_ERR_INPUT, "method fixed: c=%zu must be in [1, l=%zu]: "
                                "the summary is the last c positions of each block of l%s",
                                p->c, p->l, automatic ? " (l=0 took ceil(sqrt(n)))" : "");
        return FGA_OK;
      }

    default:
      break;
    }

  if (p->w == 0 || p->w >= SPARSE_HUGE)
    return fgap_error_set (err, FGA_ERR_INPUT, "method dilated: w=%zu must be in [1, 2^62)", p->w);
  if (p->r == 0 || p->r > p->w)
    return fgap_error_set (err, FGA_ERR_INPUT, "method dilated: r=%zu must be in [1, w=%zu] "
                          "(a segment keeps every r-th of its w positions)", p->r, p->w);
  if (p->alpha < 2 || p->alpha >= SPARSE_HUGE)
    return fgap_error_set (err, FGA_ERR_INPUT, "method dilated: alpha=%zu must be at least 2",
                          p->alpha);
  if (p->levels > FGA_SPARSE_MAX_LEVELS)
    return fgap_error_set (err, FGA_ERR_INPUT, "method dilated: levels=%zu exceeds %d", p->levels,
                          FGA_SPARSE_MAX_LEVELS);
  /* w_k = w alpha^k and r_k = r alpha^k (r_k <= w_k) must stay below 2^62;
     levels = 0 stops at the first w_k >= n, a segment holding the whole
     sequence.  */
  size_t wk = p->w, want = p->levels, k = 1;
  while (want == 0 ? wk < p->n : k < want)
    {
      if (wk > (SPARSE_HUGE - 1) / p->alpha)
        return fgap_error_set (err, FGA_ERR_INPUT, "method dilated: level %zu would have a "
                              "segment length w alpha^%zu = %zu * %zu^%zu above 2^62", k, k,
                              p->w, p->alpha, k);
      wk *= p->alpha;
      k++;
    }
  p->levels = k;

  /* Every query must be kept by some pair, or it would get no output.  Level
     0 with r = 1 keeps every position; otherwise each position is tried.  */
  if (p->r > 1)
    for (size_t i = 0; i < p->n; i++)
      {
        int kept = 0;
        for (size_t t = 0, w = p->w, r = p->r; t < p->levels && !kept;
             t++, w *= p->alpha, r *= p->alpha)
          kept = dilated_keeps (i, w, r, p->head % r);
        if (!kept)
          return fgap_error_set (err, FGA_ERR_INPUT, "method dilated: query %zu is kept by none "
                                "of the %zu (segment, dilation) pairs of w=%zu, r=%zu, "
                                "alpha=%zu, head=%zu, so it would get no output; r=1 keeps "
                                "every query", i, p->levels, p->w, p->r, p->alpha, p->head);
      }
  return FGA_OK;
}

size_t
fgap_sparse_runs (fgap_sparse_run *runs, const fga_sparse_pattern *p, size_t i)
{
  const size_t n = p->n;
  size_t nr = 0, lo, hi, rad;
  switch (p->kind)
    {
    case FGA_SPARSE_WINDOW:
    case FGA_SPARSE_STRIDED:
      /* the local part: |i - j| <= rad; strided's is |i - j| < l */
      rad = p->kind == FGA_SPARSE_WINDOW ? p->w : p->l - 1;
      lo = i >= rad ? i - rad : 0;
      if (p->causal)
        hi = i;
      else
        hi = rad >= n - 1 - i ? n - 1 : i + rad;
      if (p->kind == FGA_SPARSE_STRIDED && i / p->l > 0)
        /* j = i - t l for t >= 1: j = i mod l, ..., i - l; none is local */
        runs[nr++] = (fgap_sparse_run) { i % p->l, p->l, i / p->l, 0, 1 };
      runs[nr++] = (fgap_sparse_run) { lo, 1, hi - lo + 1, 0, 1 };
      if (p->kind == FGA_SPARSE_STRIDED && !p->causal && (n - 1 - i) / p->l > 0)
        runs[nr++] = (fgap_sparse_run) { i + p->l, p->l, (n - 1 - i) / p->l, 0, 1 };
      return nr;

    case FGA_SPARSE_FIXED:
      {
        /* Block b = floor (i / l) starts at s = b l; q = floor (n / l) blocks
           are full, a last one of n - q l positions is not.  In increasing
           key order: the summaries of blocks 0..b-1 (all full: c keys each,
           from l - c), the query's own block (causal: up to i), then,
           non-causal, the summaries of the full blocks after b and the
           j mod l >= l - c part of the short last block.  Every key is
           below n: products such as (b + 1) l are formed only when block
           b + 1 starts before n.  */
        const size_t l = p->l, c = p->c, b = i / l, s = b * l, q = n / l, rest = n - q * l;
        if (b > 0)
          runs[nr++] = (fgap_sparse_run) { l - c, l, b, 0, c };
        if (p->causal)
          {
            runs[nr++] = (fgap_sparse_run) { s, 1, i - s + 1, 0, 1 };
            return nr;
          }
        runs[nr++] = (fgap_sparse_run) { s, 1, n - s < l ? n - s : l, 0, 1 };
        if (b + 1 < q)
          runs[nr++] = (fgap_sparse_run) { s + l + (l - c), l, q - 1 - b, 0, c };
        if (b < q && rest > l - c)
          runs[nr++] = (fgap_sparse_run) { q * l + (l - c), 1, rest - (l - c), 0, 1 };
        return nr;
      }

    default:
      for (size_t k = 0, w = p->w, r = p->r; k < p->levels; k++, w *= p->alpha, r *= p->alpha)
        {
          size_t o = p->head % r;
          size_t start = i / w * w;
          size_t len = n - start < w ? n - start : w;
          size_t pos = i - start;
          if (pos % r != o)
            continue;
          size_t count = (p->causal ? pos - o : len - 1 - o) / r + 1;
          runs[nr] = (fgap_sparse_run) { start + o, r, count, (unsigned) nr, 1 };
          nr++;
        }
      return nr;
    }
}

/* rop = sum_{i=0}^{n-1} floor (i / l) = l q (q - 1) / 2 + (n - q l) q, q = floor (n / l). */
static void
sum_floor (mpz_ptr rop, size_t n, size_t l)
{
  size_t q = n / l;
  mpz_t t;
  mpz_init (t);
  mpz_set_ui (rop, q);
  mpz_mul_ui (rop, rop, q > 0 ? q - 1 : 0);
  mpz_mul_ui (rop, rop, l);
  mpz_fdiv_q_2exp (rop, rop, 1);
  mpz_set_ui (t, n - q * l);
  mpz_mul_ui (t, t, q);
  mpz_add (rop, rop, t);
  mpz_clear (t);
}

/* rop += the pairs of a window of radius w over n positions:
   n (2w + 1) - w (w + 1) (causal: n (w + 1) - w (w + 1) / 2) when w < n - 1,
   n^2 (causal: n (n + 1) / 2) otherwise.  */
static void
add_window_pairs (mpz_ptr rop, size_t n, size_t w, int causal)
{
  mpz_t t, u;
  mpz_inits (t, u, (mpz_ptr) 0);
  if (w >= n - 1)
    {
      mpz_set_ui (t, n);
      mpz_mul_ui (t, t, n);
      if (causal)
        {
          mpz_add_ui (t, t, n);
          mpz_fdiv_q_2exp (t, t, 1);
        }
    }
  else
    {
      mpz_set_ui (t, n);
      mpz_mul_ui (t, t, causal ? w + 1 : 2 * w + 1);
      mpz_set_ui (u, w);
      mpz_mul_ui (u, u, w + 1);
      if (causal)
        mpz_fdiv_q_2exp (u, u, 1);
      mpz_sub (t, t, u);
    }
  mpz_add (rop, rop, t);
  mpz_clears (t, u, (mpz_ptr) 0);
}

/* rop = the pairs of the fixed pattern (fixed.c derives them): with
   q = floor (n / l), r = n - q l, z = max (0, r + c - l) and Z = q c + z,
     non-causal  n Z + q l (l - c) + r (r - z)
     causal      q l (l + 1) / 2 + r (r + 1) / 2 + c sum_floor (n, l).  */
static void
fixed_pairs (mpz_ptr rop, size_t n, size_t l, size_t c, int causal)
{
  const size_t q = n / l, r = n - q * l, z = c > l - r ? c - (l - r) : 0;   /* r < l */
  mpz_t t;
  mpz_init (t);
  if (causal)
    {
      sum_floor (rop, n, l);
      mpz_mul_ui (rop, rop, c);
      mpz_set_ui (t, l);
      mpz_mul_ui (t, t, l + 1);
      mpz_fdiv_q_2exp (t, t, 1);                /* l (l + 1) is even */
      mpz_addmul_ui (rop, t, q);
      mpz_set_ui (t, r);
      mpz_mul_ui (t, t, r + 1);
      mpz_fdiv_q_2exp (t, t, 1);
      mpz_add (rop, rop, t);
    }
  else
    {
      mpz_set_ui (t, q);
      mpz_mul_ui (t, t, c);
      mpz_add_ui (t, t, z);                     /* Z, the summary positions */
      mpz_mul_ui (rop, t, n);
      mpz_set_ui (t, q);
      mpz_mul_ui (t, t, l);
      mpz_addmul_ui (rop, t, l - c);
      mpz_set_ui (t, r);
      mpz_addmul_ui (rop, t, r - z);
    }
  mpz_clear (t);
}

void
fga_sparse_pattern_count (mpz_ptr pairs, mpz_ptr groups, const fga_sparse_pattern *p)
{
  const size_t n = p->n;
  mpz_t t;
  mpz_init (t);
  mpz_set_ui (pairs, 0);
  mpz_set_ui (groups, n);
  switch (p->kind)
    {
    case FGA_SPARSE_WINDOW:
      add_window_pairs (pairs, n, p->w, p->causal);
      break;

    case FGA_SPARSE_STRIDED:
      /* local |i - j| <= l - 1, and the strided keys j = i -+ t l, t >= 1:
         floor (i / l) before i and floor ((n - 1 - i) / l) after it, whose
         sums over i are equal */
      add_window_pairs (pairs, n, p->l - 1, p->causal);
      sum_floor (t, n, p->l);
      mpz_mul_ui (t, t, p->causal ? 1 : 2);
      mpz_add (pairs, pairs, t);
      break;

    case FGA_SPARSE_FIXED:
      fixed_pairs (pairs, n, p->l, p->c, p->causal);
      break;

    default:
      /* per level: floor (n / w_k) full segments and one of n mod w_k
         positions; a segment of s positions keeps c(s) = floor ((s - 1 - o) / r) + 1
         of them (0 if s <= o), each attending the c(s) kept keys (causal:
         c(s) (c(s) + 1) / 2 pairs in all) */
      mpz_set_ui (groups, 0);
      for (size_t k = 0; k < p->levels; k++)
        {
          size_t w, r, o;
          dilated_level (&w, &r, &o, p, k);
          size_t full = n / w, rest = n - full * w;
          size_t len[2] = { w, rest }, mult[2] = { full, 1 };
          for (int s = 0; s < 2; s++)
            {
              size_t c = len[s] > o ? (len[s] - 1 - o) / r + 1 : 0;
              mpz_set_ui (t, c);
              mpz_mul_ui (t, t, p->causal ? c + 1 : c);
              if (p->causal)
                mpz_fdiv_q_2exp (t, t, 1);
              mpz_addmul_ui (pairs, t, mult[s]);
              mpz_set_ui (t, c);
              mpz_addmul_ui (groups, t, mult[s]);
            }
        }
      break;
    }
  mpz_clear (t);
}

void
fga_sparse_count (mpz_t ops[5], const fga_sparse_pattern *p, size_t d, size_t dv, int lse)
{
  const size_t n = p->n;
  mpz_t P, G, M;
  mpz_inits (P, G, M, (mpz_ptr) 0);
  fga_sparse_pattern_count (P, G, p);
  mpz_sub_ui (M, G, n);                         /* merges */

  mpz_mul_ui (ops[0], P, d + 1 + dv);           /* mul */
  mpz_addmul_ui (ops[0], M, 1 + dv);

  mpz_mul_ui (ops[1], P, d + 1 + dv);           /* add */
  mpz_submul_ui (ops[1], G, 1 + dv);
  mpz_addmul_ui (ops[1], M, 2 + dv);
  if (lse)
    mpz_add_ui (ops[1], ops[1], n);

  mpz_add (ops[2], P, M);                       /* exp */
  if (lse)
    mpz_add_ui (ops[2], ops[2], n);

  mpz_set_ui (ops[3], n);                       /* div */
  mpz_mul_ui (ops[3], ops[3], dv);

  mpz_sub_ui (ops[4], P, n);                    /* cmp */
  mpz_clears (P, G, M, (mpz_ptr) 0);
}

typedef struct
{
  fgap_attn_count op;
  uint64_t pairs, groups;
} sparse_count_t;

/* Iterates j over the keys of runs r0 <= r < r1, in the order the runs list
   them; a group's keys are walked twice (scores, then o), in the same order. */
#define FOR_KEYS(runs, r0, r1, j)                                              \
  for (size_t r_ = (r0); r_ < (r1); r_++)                                     \
    for (size_t a_ = 0, b_ = (runs)[r_].start; a_ < (runs)[r_].count;          \
         a_++, b_ += (runs)[r_].step)                                         \
      for (size_t j = b_; j < b_ + (runs)[r_].width; j++)

/* One query: its groups attended one by one into (m, l, o), merged as they
   come.  q is the query divided by 2^k (k = 0 unless it was rescaled: the
   maxima m are then divided by 2^k too).  s holds the scores then the
   weights of a group, o the running output, o2 the output of the group
   being added.  Returns 0 if a score overflowed (then m or l is not
   finite), -1 if lse overflowed.  */
static int
sparse_row (double *restrict t, double *lse, const double *restrict q, int k, fga_mat_srcptr K,
            fga_mat_srcptr V, double tau, const fgap_sparse_run *runs, size_t nruns,
            double *restrict s, double *restrict o, double *restrict o2, sparse_count_t *c)
{
  const size_t d = K->cols, dv = V->cols;
  double m = 0, l = 0;
  size_t r = 0;
  int first = 1;
  while (r < nruns)
    {
      size_t r0 = r, cnt = 0;
      while (r < nruns && runs[r].group == runs[r0].group)
        r++;
      FOR_KEYS (runs, r0, r, j)
        {
          const double *k = &FGA_MAT (K, j, 0);
          double dot = q[0] * k[0];
          for (size_t x = 1; x < d; x++)
            dot += q[x] * k[x];
          s[cnt++] = dot * tau;
        }
      c->pairs += cnt;
      c->groups++;
      c->op.mul += cnt * (d + 1);
      c->op.add += cnt * (d - 1);

      double mg;
      double lg = fgap_softmax_row (s, cnt, k, &mg, &c->op);

      double *og = first ? o : o2;
      size_t x = 0;
      FOR_KEYS (runs, r0, r, j)
        {
          const double *v = &FGA_MAT (V, j, 0);
          if (x == 0)
            for (size_t col = 0; col < dv; col++)
              og[col] = s[0] * v[col];
          else
            for (size_t col = 0; col < dv; col++)
              og[col] += s[x] * v[col];
          x++;
        }
      c->op.mul += cnt * dv;
      c->op.add += (cnt - 1) * dv;

      if (first)
        {
          m = mg;
          l = lg;
          first = 0;
          continue;
        }
      /* The state with the larger maximum keeps its scale (factor 1,
         exactly); the other is multiplied by e^{-difference} <= 1.  */
      c->op.cmp++;
      c->op.add += 2 + dv;
      c->op.exp++;
      c->op.mul += 1 + dv;
      if (mg > m)
        {
          double a = fgap_exp_diff (m, mg, k);
          l = lg + a * l;
          for (size_t col = 0; col < dv; col++)
            o[col] = o2[col] + a * o[col];
          m = mg;
        }
      else
        {
          double a = fgap_exp_diff (mg, m, k);
          l += a * lg;
          for (size_t col = 0; col < dv; col++)
            o[col] += a * o2[col];
        }
    }

  for (size_t col = 0; col < dv; col++)
    t[col] = o[col] / l;
  c->op.div += dv;

  if (!isfinite (m) || !isfinite (l))
    return 0;
  if (lse != NULL)
    {
      *lse = fgap_lse (m, l, k);
      c->op.exp++;
      c->op.add++;
      if (!isfinite (*lse))
        return -1;
    }
  return 1;
}

int
fga_sparse_attention (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                      fga_mat_srcptr V, double tau, const fga_sparse_pattern *pattern,
                      fga_stats *st, fga_error *err)
{
  int rc = fgap_attn_check (fn, T, Q, K, V, tau, err);
  if (rc != FGA_OK)
    return rc;
  if (pattern == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: the pattern must not be NULL", fn);
  fga_sparse_pattern p = *pattern;
  if ((rc = fga_sparse_pattern_check (&p, err)) != FGA_OK)
    return rc;
  if (Q->rows != p.n || K->rows != p.n)
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s: the pattern is over n = %zu "
                          "positions, so it needs nq = nk = %zu, not nq = %zu and nk = %zu",
                          kind_names[p.kind], p.n, p.n, Q->rows, K->rows);
  const size_t n = p.n, d = K->cols, dv = V->cols;

  /* The largest group sizes the scratch, the number of pairs the threads. */
  size_t cmax = 0;
  double work = 0;
  {
    fgap_sparse_run runs[FGA_SPARSE_MAX_RUNS];
    for (size_t i = 0; i < n; i++)
      {
        size_t nr = fgap_sparse_runs (runs, &p, i), r = 0;
        while (r < nr)
          {
            size_t r0 = r, cnt = 0;
            for (; r < nr && runs[r].group == runs[r0].group; r++)
              cnt += runs[r].count * runs[r].width;
            cmax = cnt > cmax ? cnt : cmax;
            work += (double) cnt;
          }
      }
  }

  size_t nblocks = (n + 15) / 16;
  int nt = fgap_attn_threads (1, (size_t) work, d, dv, nblocks);
  size_t per, bytes;
  if (cmax > SIZE_MAX - 2 * dv || fgap_size_mul (&per, cmax + 2 * dv, sizeof (double))
      || fgap_size_mul (&bytes, per, (size_t) nt))
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: groups of %zu keys need more scratch bytes "
                          "than size_t can count", fn, cmax);
  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  fgap_qscale qs;
  fgap_vscale vs;
  if ((rc = fgap_scale_init (&qs, &vs, &Q, K, &V, tau, &mt, fn, err)) != FGA_OK)
    return rc;
  double *scratch = fgap_talloc (&mt, bytes, "the scores of one group per thread", err);
  if (scratch == NULL)
    {
      fgap_vscale_clear (&vs, &mt);
      fgap_qscale_clear (&qs, &mt);
      return FGA_ERR_NOMEM;
    }

  size_t bad = SIZE_MAX;        /* first row whose scores overflowed */
  size_t bad_lse = SIZE_MAX;    /* first row whose lse overflowed */
  uint64_t n_mul = 0, n_add = 0, n_exp = 0, n_div = 0, n_cmp = 0, n_pairs = 0, n_groups = 0;
#pragma omp parallel num_threads (nt) \
  reduction (+:n_mul, n_add, n_exp, n_div, n_cmp, n_pairs, n_groups) \
  reduction (min:bad, bad_lse)
  {
    int me = 0;
#ifdef _OPENMP
    me = omp_get_thread_num ();
#endif
    double *s = scratch + (size_t) me * (cmax + 2 * dv);
    double *o = s + cmax, *o2 = o + dv;
    fgap_sparse_run runs[FGA_SPARSE_MAX_RUNS];
    sparse_count_t c = { { 0, 0, 0, 0, 0 }, 0, 0 };
    /* blocks of 16 rows handed out as threads become free: causal rows and
       the edges of the sequence have fewer keys than the rest */
#pragma omp for schedule (dynamic, 1)
    for (size_t b = 0; b < nblocks; b++)
      for (size_t i = 16 * b; i < n && i < 16 * b + 16; i++)
        {
          size_t nr = fgap_sparse_runs (runs, &p, i);
          int ok = sparse_row (&FGA_MAT (T, i, 0), lse != NULL ? lse + i : NULL,
                               &FGA_MAT (Q, i, 0), fgap_qscale_row (&qs, i), K, V, tau, runs,
                               nr, s, o, o2, &c);
          if (ok == 0 && i < bad)
            bad = i;
          if (ok < 0 && i < bad_lse)
            bad_lse = i;
        }
    n_mul += c.op.mul;
    n_add += c.op.add;
    n_exp += c.op.exp;
    n_div += c.op.div;
    n_cmp += c.op.cmp;
    n_pairs += c.pairs;
    n_groups += c.groups;
  }
  fgap_tfree (&mt, scratch, bytes);
  fgap_vscale_finish (&vs, T, 1, 0, fn, NULL, err);
  fgap_vscale_clear (&vs, &mt);
  fgap_qscale_clear (&qs, &mt);
  fgap_attn_count c = { n_mul, n_add, n_exp, n_div, n_cmp };
  fgap_attn_count_store (st, &c, mt.peak, nt);
  if (st != NULL)
    {
      fga_stats_set (st, "pairs", (double) n_pairs);
      fga_stats_set (st, "groups", (double) n_groups);
      fga_stats_set (st, "max_keys", (double) cmax);
    }
  if (bad != SIZE_MAX)
    return fgap_attn_overflow (fn, bad, err);
  if (bad_lse != SIZE_MAX)
    return fgap_attn_lse_overflow (fn, bad_lse, err);
  return FGA_OK;
}
