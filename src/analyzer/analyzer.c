/* fga_an_analyze -- exact operation counts, memory, steps, path length and depth of attention mechanisms

   Every count is an mpz_t: n = 10^12 gives n^2 d beyond 2^64, and the
   point of the analyzer is that its numbers are exact, not asymptotic.
   For the mechanisms fgattn runs, the counts are the formulas written at
   the top of their implementations (and, for the sparse ones and poly,
   the library's own counting functions fga_sparse_count and
   fga_poly_count), so that tests/analyzer/t-analyzer.c can hold them equal to what
   the implementations count as they work.

   Counts by kind (P the pairs scored, G the softmax rows, L = [lse]):
     vanilla (exact:algo=naive; causal: P = n (n + 1) / 2, G = n)
       mul = P (d + 1 + dv), add = P (d + 1 + dv) - G (1 + dv) + L G,
       exp = P + L G, div = G dv, cmp = P - G
     stream (exact:algo=stream, nb = ceil (nk / bk) key blocks)
       mul = nq (nk (d + 1 + dv) + nb (1 + dv)), add = nq (nk (d + 1 + dv) + nb + L),
       exp = nq (nk + nb + L), div = nq dv, cmp = nq nk
     window, strided, dilated, fixed: fga_sparse_count;  poly: fga_poly_count
     rf, nystrom (pinv=iter): the formulas of src/methods/rf.c and src/methods/nystrom.c
     mha: 4 projections (n d d products, n d (d - 1) additions each) and
       `heads' vanilla heads of width d / heads
     recurrent: per step W h + U x (2 d^2 products, 2 d (d - 1) + d
       additions), tanh counted as one exp per unit
     conv: n d (k d) products and n d (k d - 1) additions; separable:
       depthwise n d k and n d (k - 1), pointwise n d d and n d (d - 1)
     linear: phi (K)^T [V 1] (m (dv + 1) nk products, m (dv + 1) (nk - 1)
       additions; causal: as a prefix scan, n m (dv + 1) products and
       (n - 1) m (dv + 1) additions), phi (Q) times it (nq m (dv + 1)
       products, nq (dv + 1) (m - 1) additions), nq dv divisions; the
       feature map itself is not counted.
     flash: stream's counts with FlashAttention's key block B_c =
       ceil (M / 4d) for an on-chip memory of M words (the online softmax as
       fgattn's stream kernel does it), and the words moved between slow
       and fast memory by FlashAttention's Algorithm 1 (vanilla: by its
       Algorithm 0, the standard one, Theta(N d + N^2)).

   Depth, fan-in-2 (c(x) = ceil (log2 x), 0 for x <= 1).  The textbook
   order (REFERENCES.md section 7: divide the weights, then P V) has, along
   the longest chain, a product and c(dk) additions for a score, the scale,
   c(nk) comparisons for the maximum, the subtraction, exp, c(nk) additions
   for the sum, the division, a product and c(nk) additions of P V:
   3 c(nk) + c(dk) + 6, as the reference says.  fgattn's kernels divide
   after P V, so the row sum and P V run side by side: 2 c(nk) + c(dk) + 6,
   the figure reported.  The stream kernel merges its blocks in sequence;
   with S = c(d) + 2 the depth of a score and b = c(bk), the running
   maximum of block t is ready at S + b + t, its weighted sum at
   S + 2 b + t + 3, and the output state at T_t = max (T_{t-1} + 1,
   S + 2 b + t + 3) + 1, so T_t = S + 2 b + 2 t + 3 and, with the final
   division, depth = S + 2 b + 2 nb + 4: linear in nk / bk, the price of
   bounded memory (a tree of merges would give vanilla's logarithm).

   Path length of fixed (one layer repeated, as Vaswani et al. count it):
   a key j outside query i's block reaches i in 2 steps through the summary
   position at the end of j's block, which reads j (same block) and is
   read by i (a summary); the last position of a full block is always a
   summary (c >= 1), and causal, every block before i's is full and its
   last position is >= j, so causal the path is 2.  It is 1 when every
   pair is direct: one block (l >= n) or c = l.  Non-causal, a short last
   block without summary positions (n mod l <= l - c) is read by no other
   block, so its positions never reach the others: no path, reported as 0
   (as window with w = 0).  */

#include "core/fga-impl.h"

#include <limits.h>
#include <string.h>

static const char fn[] = "fga_an_analyze";

static const char *const mech_names[FGA_AN_NMECH] = {
  "vanilla", "stream", "window", "strided", "dilated", "poly", "rf", "nystrom", "mha",
  "recurrent", "conv", "linear", "flash", "fixed"
};

/* z = a, whatever the width of unsigned long */
static void
zset (mpz_ptr z, size_t a)
{
  mpz_import (z, 1, -1, sizeof a, 0, 0, &a);
}

/* ceil (log2 x), 0 for x <= 1: the depth of a fan-in-2 tree over x leaves */
static unsigned long
clog2 (size_t x)
{
  unsigned long b = 0;
  if (x <= 1)
    return 0;
  while (b < sizeof x * CHAR_BIT && ((x - 1) >> b) != 0)
    b++;
  return b;
}

void
fga_an_spec_init (fga_an_spec *s)
{
  memset (s, 0, sizeof *s);
  s->mech = FGA_AN_VANILLA;
  s->heads = 1;
  s->alpha = 2;
  s->r = 1;
  s->iters = 6;
  s->k = 3;
  s->sram = (size_t) 1 << 17;
  s->c = 1;
}

const char *
fga_an_mech_name (fga_an_mech m)
{
  return (unsigned) m < FGA_AN_NMECH ? mech_names[m] : "?";
}

int
fga_an_mech_parse (const char *name)
{
  for (int i = 0; i < FGA_AN_NMECH; i++)
    if (strcmp (name, mech_names[i]) == 0)
      return i;
  return -1;
}

void
fga_an_result_init (fga_an_result *res)
{
  for (int i = 0; i < 5; i++)
    mpz_init (res->ops[i]);
  mpz_inits (res->work, res->macs, res->scores, res->macs_dense, res->scores_dense,
             res->mem_elems, res->mem_bytes, res->steps, res->path, res->depth, res->traffic,
             (mpz_ptr) 0);
  res->mem_model = res->depth_model = "";
}

void
fga_an_result_clear (fga_an_result *res)
{
  for (int i = 0; i < 5; i++)
    mpz_clear (res->ops[i]);
  mpz_clears (res->work, res->macs, res->scores, res->macs_dense, res->scores_dense,
              res->mem_elems, res->mem_bytes, res->steps, res->path, res->depth, res->traffic,
             (mpz_ptr) 0);
}

/* The counts of a row softmax over P pairs in G rows, divided after P V
   (the naive kernel and, with one group per query, the sparse ones).  */
static void
softmax_rows (mpz_t ops[5], mpz_srcptr P, mpz_srcptr G, size_t d, size_t dv, int lse)
{
  mpz_t t;
  mpz_init (t);
  zset (t, d);
  mpz_add_ui (t, t, 1);
  zset (ops[3], dv);
  mpz_add (t, t, ops[3]);                     /* d + 1 + dv, without overflow */
  mpz_mul (ops[0], P, t);
  mpz_set (ops[1], ops[0]);
  zset (t, dv);
  mpz_add_ui (t, t, 1);
  mpz_submul (ops[1], G, t);
  if (lse)
    mpz_add (ops[1], ops[1], G);
  mpz_set (ops[2], P);
  if (lse)
    mpz_add (ops[2], ops[2], G);
  zset (t, dv);
  mpz_mul (ops[3], G, t);
  mpz_sub (ops[4], P, G);
  mpz_clear (t);
}

/* r = a b c for sizes */
static void
zmul3 (mpz_ptr r, size_t a, size_t b, size_t c)
{
  mpz_t t;
  mpz_init (t);
  zset (r, a);
  zset (t, b);
  mpz_mul (r, r, t);
  zset (t, c);
  mpz_mul (r, r, t);
  mpz_clear (t);
}

/* r += a b c */
static void
zaddmul3 (mpz_ptr r, size_t a, size_t b, size_t c)
{
  mpz_t t;
  mpz_init (t);
  zmul3 (t, a, b, c);
  mpz_add (r, r, t);
  mpz_clear (t);
}

/* The counts of fga_attention_matrix (a x b from width d) added to ops.  */
static void
attention_matrix_add (mpz_t ops[5], size_t a, size_t b, size_t d)
{
  zaddmul3 (ops[0], a, b, d + 1);
  zaddmul3 (ops[1], a, b, d + 1);
  mpz_t t;
  mpz_init (t);
  zset (t, a);
  mpz_sub (ops[1], ops[1], t);              /* - a: nk (d + 1) - 1 per row */
  mpz_clear (t);
  zaddmul3 (ops[2], a, b, 1);
  zaddmul3 (ops[3], a, b, 1);
  zaddmul3 (ops[4], a, b - 1, 1);
}

/* Vanilla's depth in fgattn's order: 2 c(nk) + c(dk) + 6.  */
static void
vanilla_depth (mpz_ptr z, size_t nk, size_t d)
{
  mpz_set_ui (z, 2 * clog2 (nk) + clog2 (d) + 6);
}

static void
sparse_spec (fga_sparse_pattern *p, const fga_an_spec *s)
{
  memset (p, 0, sizeof *p);
  p->n = s->nq;
  p->causal = s->causal;
  p->w = s->w;
  p->l = s->l;
  p->r = s->r;
  p->alpha = s->alpha;
  p->levels = s->levels;
  p->head = s->head;
  p->c = s->c;
  p->kind = s->mech == FGA_AN_WINDOW ? FGA_SPARSE_WINDOW
    : s->mech == FGA_AN_STRIDED ? FGA_SPARSE_STRIDED
    : s->mech == FGA_AN_FIXED ? FGA_SPARSE_FIXED : FGA_SPARSE_DILATED;
}

/* ops, macs and scores of the dense (unmasked) vanilla and, with causal,
   the masked one.  */
static void
vanilla_counts (fga_an_result *res, size_t nq, size_t nk, size_t d, size_t dv, int causal,
                int lse)
{
  mpz_t P, G;
  mpz_inits (P, G, (mpz_ptr) 0);
  zset (G, nq);
  zmul3 (res->scores_dense, nq, nk, 1);
  zmul3 (res->macs_dense, nq, nk, d + dv);
  if (causal)
    {
      /* query i sees keys 0..i: n (n + 1) / 2 pairs */
      zset (P, nq);
      mpz_add_ui (P, P, 1);
      mpz_mul (P, P, G);
      mpz_fdiv_q_2exp (P, P, 1);
    }
  else
    mpz_set (P, res->scores_dense);
  softmax_rows (res->ops, P, G, d, dv, lse);
  mpz_set (res->scores, P);
  zset (res->macs, d + dv);
  mpz_mul (res->macs, res->macs, P);
  mpz_clears (P, G, (mpz_ptr) 0);
}

static int
check_spec (const fga_an_spec *s, fga_error *err)
{
  if ((unsigned) s->mech >= FGA_AN_NMECH)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: unknown mechanism %d", fn, (int) s->mech);
  if (s->nq == 0 || s->nk == 0 || s->d == 0 || s->dv == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: n (nq = %zu, nk = %zu), d = %zu and dv = %zu "
                          "must be at least 1", fn, s->nq, s->nk, s->d, s->dv);
  int positional = s->mech == FGA_AN_WINDOW || s->mech == FGA_AN_STRIDED
    || s->mech == FGA_AN_DILATED || s->mech == FGA_AN_FIXED || s->mech == FGA_AN_MHA
    || s->mech == FGA_AN_RECURRENT
    || s->mech == FGA_AN_CONV || (s->causal && s->mech != FGA_AN_STREAM);
  if (positional && s->nq != s->nk)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: mechanism %s (causal = %d) needs nq = nk, "
                          "not %zu and %zu", fn, fga_an_mech_name (s->mech), s->causal, s->nq,
                          s->nk);
  if (s->causal && (s->mech == FGA_AN_STREAM || s->mech == FGA_AN_FLASH
                    || s->mech == FGA_AN_POLY || s->mech == FGA_AN_RF
                    || s->mech == FGA_AN_NYSTROM))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: fgattn's %s has no causal form", fn,
                          fga_an_mech_name (s->mech));
  if (s->mech == FGA_AN_MHA && (s->heads == 0 || s->d % s->heads != 0))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: heads = %zu must divide d = %zu", fn,
                          s->heads, s->d);
  if ((s->mech == FGA_AN_RF || s->mech == FGA_AN_NYSTROM || s->mech == FGA_AN_LINEAR)
      && s->m == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: %s needs m >= 1", fn,
                          fga_an_mech_name (s->mech));
  if (s->mech == FGA_AN_NYSTROM && (s->m > s->nq || s->m > s->nk))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: nystrom needs m = %zu <= min (nq, nk)", fn,
                          s->m);
  if (s->mech == FGA_AN_POLY && (s->g < 0 || s->g > 64))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: poly needs 0 <= g <= 64, not %ld", fn, s->g);
  if (s->mech == FGA_AN_FLASH && s->sram < 4 * s->d)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: flash needs sram >= 4 d = %zu words, not %zu",
                          fn, 4 * s->d, s->sram);
  if (s->mech == FGA_AN_CONV && s->k == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: conv needs k >= 1", fn);
  return FGA_OK;
}

int
fga_an_analyze (fga_an_result *res, const fga_an_spec *s, fga_error *err)
{
  int rc = check_spec (s, err);
  if (rc != FGA_OK)
    return rc;
  const size_t nq = s->nq, nk = s->nk, d = s->d, dv = s->dv;
  const int L = s->lse != 0;
  mpz_t t, u;
  mpz_inits (t, u, (mpz_ptr) 0);
  for (int i = 0; i < 5; i++)
    mpz_set_ui (res->ops[i], 0);
  mpz_set_ui (res->macs, 0);
  mpz_set_ui (res->scores, 0);
  mpz_set_ui (res->steps, 1);
  mpz_set_ui (res->path, 1);
  mpz_set_ui (res->traffic, 0);

  switch (s->mech)
    {
    case FGA_AN_VANILLA:
      vanilla_counts (res, nq, nk, d, dv, s->causal, L);
      /* the textbook model: S (then P) materialised, nq nk entries (causal
         too: the masked entries are stored) */
      zmul3 (res->mem_elems, nq, nk, 1);
      res->mem_model = "S materialised: nq nk "
        "(fgattn's naive kernel keeps one row: nk + dv per thread)";
      vanilla_depth (res->depth, nk, d);
      /* FlashAttention's Algorithm 0: read Q, K, write S, read S, write P,
         read P and V, write O: nq d + nk d + 4 nq nk + nk dv + nq dv */
      zmul3 (res->traffic, nq, nk, 4);
      zaddmul3 (res->traffic, nq + nk, d, 1);
      zaddmul3 (res->traffic, nq + nk, dv, 1);
      res->depth_model = "2 ceil(log2 nk) + ceil(log2 d) + 6 (divide after P V; "
        "dividing P first: 3 ceil(log2 nk) + ceil(log2 d) + 6)";
      break;

    case FGA_AN_STREAM:
    case FGA_AN_FLASH:
      {
        size_t bk = s->block ? s->block : 256;
        if (s->mech == FGA_AN_FLASH)
          bk = (s->sram + 4 * d - 1) / (4 * d);    /* FlashAttention's B_c = ceil (M / 4d) */
        size_t nb = nk / bk + (nk % bk != 0);
        vanilla_counts (res, nq, nk, d, dv, 0, L);
        /* mul = nq (nk (d + 1 + dv) + nb (1 + dv)) */
        zmul3 (res->ops[0], nq, nk, d + 1 + dv);
        zaddmul3 (res->ops[0], nq, nb, 1 + dv);
        /* add = nq (nk (d + 1 + dv) + nb + L) */
        zmul3 (res->ops[1], nq, nk, d + 1 + dv);
        zaddmul3 (res->ops[1], nq, nb + L, 1);
        zmul3 (res->ops[2], nq, nk + nb + L, 1);
        zmul3 (res->ops[3], nq, dv, 1);
        zmul3 (res->ops[4], nq, nk, 1);
        size_t bq = nq < 128 ? nq : 128;
        /* one tile of scores and the running states of its rows */
        zset (res->mem_elems, bq * (bk < nk ? bk : nk) + bq * (dv + 2));
        res->mem_model = "one tile: 128 query rows x bk scores, plus their m, l and output rows";
        zset (res->steps, nb);
        mpz_set_ui (res->depth, clog2 (d) + 2 + 2 * clog2 (bk < nk ? bk : nk) + 4);
        zset (t, nb);
        mpz_addmul_ui (res->depth, t, 2);
        res->depth_model = "S + 2 ceil(log2 bk) + 2 nb + 4, S = ceil(log2 d) + 2: "
          "blocks merged in sequence";
        if (s->mech == FGA_AN_FLASH)
          {
            /* Algorithm 1 of FlashAttention with B_c = bk, T_c = nb: O, l, m
               written once (nq (dv + 2)); K_j, V_j read once (nk (d + dv));
               for each key block every query block reads Q_i, O_i, l_i, m_i
               and writes O_i, l_i, m_i: nq (d + 2 dv + 4) words.  With
               T_c ~ 4 nk d / M this is Theta(N^2 d^2 / M).  */
            zmul3 (res->traffic, nq, dv + 2, 1);
            zaddmul3 (res->traffic, nk, d + dv, 1);
            zaddmul3 (res->traffic, nb, nq, d + 2 * dv + 4);
            zset (res->mem_elems, s->sram);
            res->mem_model = "the on-chip memory M (FlashAttention's tiles fit in it)";
          }
        break;
      }

    case FGA_AN_WINDOW:
    case FGA_AN_STRIDED:
    case FGA_AN_DILATED:
    case FGA_AN_FIXED:
      {
        fga_sparse_pattern p;
        sparse_spec (&p, s);
        rc = fga_sparse_pattern_check (&p, err);
        if (rc != FGA_OK)
          break;
        mpz_t G;
        mpz_init (G);
        fga_sparse_pattern_count (res->scores, G, &p);
        fga_sparse_count (res->ops, &p, d, dv, L);
        zset (t, d + dv);
        mpz_mul (res->macs, res->scores, t);
        zmul3 (res->scores_dense, nq, nq, 1);
        zmul3 (res->macs_dense, nq, nq, d + dv);
        /* the largest support of a query, bounding the depth and scratch */
        size_t cmax;
        if (s->mech == FGA_AN_WINDOW)
          {
            cmax = s->causal ? s->w + 1 : 2 * s->w + 1;
            mpz_set_ui (res->path, 0);
            /* information moves w positions per layer */
            zset (res->path, s->w == 0 ? 0 : (nq - 1 + s->w - 1) / s->w);
          }
        else if (s->mech == FGA_AN_STRIDED)
          {
            cmax = 2 * p.l - 1 + 2 * (nq / p.l);      /* local band and both strided tails */
            mpz_set_ui (res->path, nq <= 1 ? 0 : 2);  /* stride, then local */
          }
        else if (s->mech == FGA_AN_FIXED)
          {
            /* exact (fixed.c): q full blocks, a short one of r, z summaries in it */
            size_t l = p.l, c = p.c, q = nq / l, r = nq - q * l;
            size_t z = c > l - r ? c - (l - r) : 0;
            if (s->causal)
              {
                cmax = q > 0 ? l + (q - 1) * c : 0;
                if (r > 0 && r + q * c > cmax)
                  cmax = r + q * c;
              }
            else
              cmax = q > 0 ? l + q * c + z - c : nq;
            unsigned long pl;
            if (nq <= 1)
              pl = 0;
            else if (l >= nq || c == l)
              pl = 1;                                 /* every pair direct */
            else if (!s->causal && r > 0 && z == 0)
              pl = 0;                                 /* the short block is never read */
            else
              pl = 2;                                 /* through a summary position */
            mpz_set_ui (res->path, pl);
          }
        else
          {
            cmax = 0;
            size_t wk = p.w, rk = p.r;
            for (size_t k = 0; k < p.levels; k++, wk *= p.alpha, rk *= p.alpha)
              {
                size_t seg = wk < nq ? wk : nq, c = (seg - 1) / rk + 1;
                cmax = c > cmax ? c : cmax;
              }
            /* LongNet: ceil (log_alpha (N (alpha - 1) / w0)) levels to cross */
            unsigned long lv = 0;
            mpz_set_ui (t, p.w);
            zset (u, nq);
            mpz_mul_ui (u, u, p.alpha - 1);
            while (mpz_cmp (t, u) < 0)
              {
                mpz_mul_ui (t, t, p.alpha);
                lv++;
              }
            mpz_set_ui (res->path, lv);
          }
        if (cmax > nq)
          cmax = nq;
        zset (res->mem_elems, cmax + 2 * dv);
        res->mem_model = "per thread: the scores of the largest support and two output rows";
        vanilla_depth (res->depth, cmax, d);
        if (s->mech == FGA_AN_DILATED)
          mpz_add_ui (res->depth, res->depth, 3 * clog2 (p.levels));   /* tree of level merges */
        res->depth_model = "vanilla's with nk = the largest support "
          "(dilated: + 3 ceil(log2 levels) merges)";
        mpz_clear (G);
        break;
      }

    case FGA_AN_POLY:
      mpz_bin_uiui (t, d + (unsigned long) s->g, d);
      fga_poly_count (res->ops, nq, nk, d, dv, s->g, t, L);
      /* the two products U2^T [V 1] and U1 M */
      zmul3 (u, nq + nk, dv + 1, 1);
      mpz_mul (res->macs, u, t);
      mpz_set_ui (res->scores, 0);
      zset (u, nq + nk + dv + 1);
      mpz_mul (res->mem_elems, u, t);
      res->mem_model = "the feature matrices (nq + nk) r and M = U2^T [V 1]: r (dv + 1)";
      {
        size_t r = mpz_fits_ulong_p (t) ? mpz_get_ui (t) : SIZE_MAX;
        mpz_set_ui (res->depth, clog2 ((size_t) s->g + 1) + clog2 (nk) + clog2 (r) + 4);
      }
      res->depth_model = "c(g + 1) monomial products + c(nk) + c(r) sums + 4";
      break;

    case FGA_AN_RF:
      {
        size_t f = s->rf_kind == FGA_RF_POS ? 1 : 2, M = f * s->m, ld = dv + 1, m = s->m;
        int trig = s->rf_kind == FGA_RF_TRIG;
        mpz_t *o = res->ops;
        zmul3 (o[0], nk, d + 1, 1);
        zaddmul3 (o[0], nk + nq, m, d);
        zaddmul3 (o[0], M, ld, nk + nq);
        if (L)
          zaddmul3 (o[0], nq, d + 1, 1);
        if (trig)
          zaddmul3 (o[0], 2 * nk, m, 1);
        zmul3 (o[1], nk, d - 1, 1);
        zaddmul3 (o[1], nk + nq, m, d - 1);
        zaddmul3 (o[1], M, ld, nk - 1);
        zaddmul3 (o[1], nq, ld, M - 1);
        if (L)
          zaddmul3 (o[1], nq, d + 2, 1);
        if (!trig)
          zaddmul3 (o[1], 2 * M, nk + nq, 1);
        else
          zaddmul3 (o[1], nk, 1, 1);
        zmul3 (o[2], M, nk + nq, 1);
        if (L)
          zaddmul3 (o[2], nq, 1, 1);
        if (trig)
          zaddmul3 (o[2], nk, 1, 1);
        zmul3 (o[3], nq, dv, 1);
        if (!trig)
          {
            zmul3 (o[4], M, nk - 1, 1);
            zaddmul3 (o[4], nq, M - 1, 1);
          }
        else
          zset (o[4], nk - 1);
        zmul3 (res->macs, nk + nq, m, d);
        zaddmul3 (res->macs, M, ld, nk + nq);
        zmul3 (res->mem_elems, nq + nk, M, 1);
        zaddmul3 (res->mem_elems, M, ld, 1);
        res->mem_model = "the features (nq + nk) M and Phi_K^T [V 1]: M (dv + 1)";
        mpz_set_ui (res->depth, clog2 (d) + 3 + clog2 (M) + 1 + clog2 (nk) + 2 + clog2 (M) + 1);
        res->depth_model = "features c(d) + 3, stabilising max c(M) + 1, Phi_K^T V c(nk) + 1, "
          "Phi_Q times it c(M) + 1, division 1";
        break;
      }

    case FGA_AN_NYSTROM:
      {
        size_t m = s->m;
        mpz_t *o = res->ops;
        if (s->segment)
          {
            zaddmul3 (o[1], nq - m + nk - m, d, 1);
            zaddmul3 (o[3], 2 * m, d, 1);
          }
        attention_matrix_add (o, m, nk, d);      /* B */
        attention_matrix_add (o, m, m, d);       /* A */
        attention_matrix_add (o, nq, m, d);      /* F */
        zaddmul3 (o[0], m, dv, nk);              /* W = B V */
        zaddmul3 (o[1], m, dv, nk - 1);
        /* Xiong's iteration on A (m x m): the norms and Z_0 */
        zaddmul3 (o[1], 2 * m, m - 1, 1);
        zaddmul3 (o[4], 2, m - 1, 1);
        mpz_add_ui (o[0], o[0], 1);
        zaddmul3 (o[3], m, m, 1);
        zmul3 (t, m, m, 4 * m + 1);             /* each iteration: 4 m^3 + m^2 products */
        mpz_mul_ui (t, t, (unsigned long) s->iters);
        mpz_add (o[0], o[0], t);
        zmul3 (t, m, m, 4 * (m - 1) + 3);       /* 4 m^2 (m - 1) + 3 m^2 additions */
        mpz_mul_ui (t, t, (unsigned long) s->iters);
        mpz_add (o[1], o[1], t);
        zaddmul3 (o[0], m, m, dv);               /* Z W */
        zaddmul3 (o[1], m, dv, m - 1);
        zaddmul3 (o[0], nq, dv, m);              /* T = F (Z W) */
        zaddmul3 (o[1], nq, dv, m - 1);
        zmul3 (res->scores, m, nk + m + nq, 1);
        zmul3 (res->macs, m, nk + m + nq, d);
        zaddmul3 (res->macs, m, dv, nk + m + nq);
        zmul3 (t, m, m, 4 * m);
        mpz_mul_ui (t, t, (unsigned long) s->iters);
        mpz_add (res->macs, res->macs, t);
        zmul3 (res->mem_elems, m, nk + m + nq + dv, 1);
        zaddmul3 (res->mem_elems, 4, m, m);
        res->mem_model = "F, A, B (m (nq + m + nk)), B V (m dv) and the iteration's 4 m x m";
        vanilla_depth (res->depth, nk > nq ? nk : nq, d);
        mpz_add_ui (res->depth, res->depth, (unsigned long) s->iters * (4 * (clog2 (m) + 2)));
        res->depth_model = "the softmax factors, then per iteration 4 products of depth c(m) + 2";
        break;
      }

    case FGA_AN_MHA:
      {
        size_t h = s->heads, dh = d / h;
        fga_an_result hr;
        fga_an_result_init (&hr);
        vanilla_counts (&hr, nq, nq, dh, dh, s->causal, L);
        for (int i = 0; i < 5; i++)
          mpz_mul_ui (res->ops[i], hr.ops[i], h);
        /* Q, K, V and output projections: 4 n d d products */
        zaddmul3 (res->ops[0], 4 * nq, d, d);
        zaddmul3 (res->ops[1], 4 * nq, d, d - 1);
        zmul3 (res->macs, 4 * nq, d, d);
        mpz_set (res->macs_dense, res->macs);
        mpz_addmul_ui (res->macs, hr.macs, h);
        mpz_addmul_ui (res->macs_dense, hr.macs_dense, h);
        mpz_mul_ui (res->scores, hr.scores, h);
        mpz_mul_ui (res->scores_dense, hr.scores_dense, h);
        zmul3 (res->mem_elems, h, nq, nq);
        zaddmul3 (res->mem_elems, 3, nq, d);
        res->mem_model = "Q, K, V projected (3 n d) and the heads' score matrices h n^2";
        mpz_set_ui (res->depth, 2 * (clog2 (d) + 1));
        vanilla_depth (t, nq, dh);
        mpz_add (res->depth, res->depth, t);
        res->depth_model = "projection c(d) + 1, vanilla head of width d / h, "
          "output projection c(d) + 1";
        fga_an_result_clear (&hr);
        break;
      }

    case FGA_AN_RECURRENT:
      zmul3 (res->ops[0], nq, 2 * d, d);
      zmul3 (res->ops[1], nq, d, 2 * d - 1);
      zmul3 (res->ops[2], nq, d, 1);
      mpz_set (res->macs, res->ops[0]);
      zset (res->mem_elems, d);
      res->mem_model = "the hidden state h (d)";
      zset (res->steps, nq);
      zset (res->path, nq);
      /* per step: product, c(2d) sums, tanh; U x can be done ahead */
      zset (res->depth, nq);
      mpz_mul_ui (res->depth, res->depth, clog2 (d) + 3);
      res->depth_model = "n (c(d) + 3): W h then + U x, tanh, in sequence";
      break;

    case FGA_AN_CONV:
      if (s->separable)
        {
          zmul3 (res->ops[0], nq, d, s->k + d);
          zmul3 (res->ops[1], nq, d, s->k - 1 + d - 1);
          mpz_set_ui (res->depth, clog2 (s->k) + clog2 (d) + 2);
        }
      else
        {
          zmul3 (res->ops[0], nq, d, s->k * d);
          zmul3 (res->ops[1], nq, d, s->k * d - 1);
          mpz_set_ui (res->depth, clog2 (s->k * d) + 1);
        }
      mpz_set (res->macs, res->ops[0]);
      zset (res->mem_elems, 0);
      res->mem_model = "none beyond input and output (pointwise: one row of d)";
      {
        /* Vaswani: O(log_k n) with dilated kernels; ceil (log_k n) exactly */
        unsigned long lv = 0;
        zset (u, nq);
        mpz_set_ui (t, 1);
        while (s->k >= 2 && mpz_cmp (t, u) < 0)
          {
            mpz_mul_ui (t, t, s->k);
            lv++;
          }
        mpz_set_ui (res->path, lv);
      }
      res->depth_model = "c(k d) + 1 (separable: c(k) + c(d) + 2)";
      break;

    case FGA_AN_LINEAR:
      {
        size_t m = s->m, ld = dv + 1;
        if (s->causal)
          {
            zmul3 (res->ops[0], nk, m, ld);
            zmul3 (res->ops[1], nk - 1, m, ld);
            /* a prefix scan: depth c(n), n steps if run as a recurrence */
            mpz_set_ui (res->depth, 1 + clog2 (nk) + 1 + clog2 (m) + 1);
          }
        else
          {
            zmul3 (res->ops[0], m, ld, nk);
            zmul3 (res->ops[1], m, ld, nk - 1);
            mpz_set_ui (res->depth, 1 + clog2 (nk) + 1 + clog2 (m) + 1);
          }
        zaddmul3 (res->ops[0], nq, m, ld);
        zaddmul3 (res->ops[1], nq, ld, m - 1);
        zmul3 (res->ops[3], nq, dv, 1);
        mpz_set (res->macs, res->ops[0]);
        zmul3 (res->mem_elems, m, ld, 1);
        res->mem_model = "the state phi(K)^T [V 1]: m (dv + 1) (causal: the running prefix)";
        res->depth_model = "phi(K)^T V c(nk) + 1 (causal: a parallel prefix, c(n)), "
          "phi(Q) times it c(m) + 1, division 1";
        break;
      }

    default:
      break;
    }

  if (rc == FGA_OK)
    {
      if (s->mech != FGA_AN_VANILLA && s->mech != FGA_AN_STREAM && s->mech != FGA_AN_WINDOW
          && s->mech != FGA_AN_STRIDED && s->mech != FGA_AN_DILATED && s->mech != FGA_AN_FIXED
          && s->mech != FGA_AN_MHA)
        {
          mpz_set (res->macs_dense, res->macs);
          mpz_set (res->scores_dense, res->scores);
        }
      mpz_set_ui (res->work, 0);
      for (int i = 0; i < 5; i++)
        mpz_add (res->work, res->work, res->ops[i]);
      mpz_mul_ui (res->mem_bytes, res->mem_elems, sizeof (double));
    }
  mpz_clears (t, u, (mpz_ptr) 0);
  return rc;
}

/* ------------------------------------------------------------------ */
/* FLOP conventions.  */

static const char *const conv_names[FGA_FLOP_NCONV] = {
  "macs", "flop2", "softmax3", "softmax5", "all"
};
static const char *const conv_sources[FGA_FLOP_NCONV] = {
  "MACs of the matrix products, softmax not counted (fvcore, ptflops)",
  "2 FLOPs per MAC, softmax not counted (torch.utils.flop_counter; most papers)",
  "2 per MAC + 3 per score for the softmax (Chinchilla, Hoffmann et al. 2022)",
  "2 per MAC + 5 per score for the softmax (LLM-Viewer)",
  "every mul, add, exp, div and cmp once (fgattn's counts)"
};

const char *
fga_flop_conv_name (fga_flop_conv c)
{
  return (unsigned) c < FGA_FLOP_NCONV ? conv_names[c] : "?";
}

const char *
fga_flop_conv_source (fga_flop_conv c)
{
  return (unsigned) c < FGA_FLOP_NCONV ? conv_sources[c] : "?";
}

int
fga_flop_conv_parse (const char *name)
{
  for (int i = 0; i < FGA_FLOP_NCONV; i++)
    if (strcmp (name, conv_names[i]) == 0)
      return i;
  return -1;
}

void
fga_an_flops (mpz_ptr out, const fga_an_result *res, fga_flop_conv c, int halve)
{
  /* halving and dense counting are only meaningful for the product and
     score conventions: `all' is always the exact masked work */
  int masked = mpz_cmp (res->macs, res->macs_dense) != 0
    || mpz_cmp (res->scores, res->scores_dense) != 0;
  if (!masked)
    halve = 0;
  mpz_srcptr macs = halve ? res->macs_dense : res->macs;
  mpz_srcptr scores = halve ? res->scores_dense : res->scores;
  switch (c)
    {
    case FGA_FLOP_MACS:
      mpz_set (out, macs);
      break;
    case FGA_FLOP_FLOP2:
      mpz_mul_2exp (out, macs, 1);
      break;
    case FGA_FLOP_SOFTMAX3:
    case FGA_FLOP_SOFTMAX5:
      mpz_mul_2exp (out, macs, 1);
      mpz_addmul_ui (out, scores, c == FGA_FLOP_SOFTMAX3 ? 3 : 5);
      break;
    default:
      mpz_set (out, res->work);
      return;
    }
  if (halve == 1)
    mpz_fdiv_q_2exp (out, out, 1);
}

void
fga_an_brent (mpz_ptr out, const fga_an_result *res, mpz_srcptr p)
{
  mpz_cdiv_q (out, res->work, p);
  mpz_add (out, out, res->depth);
}

/* ------------------------------------------------------------------ */
/* The papers' tables.  */

static void
add_row (fga_an_row *rows, size_t max, size_t *nr, const fga_an_spec *spec,
         const char *label, const char *cx, const char *st, const char *pl)
{
  if (*nr < max)
    {
      rows[*nr].spec = *spec;
      rows[*nr].label = label;
      rows[*nr].complexity = cx;
      rows[*nr].steps_class = st;
      rows[*nr].path_class = pl;
    }
  (*nr)++;
}

size_t
fga_an_table (fga_an_row *rows, size_t max, const char *name, const fga_an_spec *base)
{
  fga_an_spec s = *base;
  size_t nr = 0;
  s.causal = 0;
  s.lse = 0;
  s.nk = s.nq;
  if (strcmp (name, "vaswani") == 0)
    {
      size_t nb = base->w;
      s.mech = FGA_AN_VANILLA;
      add_row (rows, max, &nr, &s, "self-attention", "O(n^2 d)", "O(1)", "O(1)");
      s.mech = FGA_AN_RECURRENT;
      add_row (rows, max, &nr, &s, "recurrent", "O(n d^2)", "O(n)", "O(n)");
      s.mech = FGA_AN_CONV;
      s.separable = 0;
      add_row (rows, max, &nr, &s, "convolutional", "O(k n d^2)", "O(1)", "O(log_k(n))");
      s.separable = 1;
      add_row (rows, max, &nr, &s, "separable convolution", "O(k n d + n d^2)", "O(1)",
               "O(log_k(n))");
      s.separable = 0;
      /* a neighbourhood of r positions: radius r / 2 around the query */
      s.mech = FGA_AN_WINDOW;
      s.w = nb / 2;
      add_row (rows, max, &nr, &s, "self-attention (restricted)", "O(r n d)", "O(1)", "O(n/r)");
      return nr;
    }
  if (strcmp (name, "longnet") == 0)
    {
      s.mech = FGA_AN_RECURRENT;
      add_row (rows, max, &nr, &s, "recurrent", "O(N d^2)", "O(N)", "O(N)");
      s.mech = FGA_AN_VANILLA;
      add_row (rows, max, &nr, &s, "vanilla attention", "O(N^2 d)", "O(1)", "O(1)");
      s.mech = FGA_AN_STRIDED;
      s.l = 0;
      add_row (rows, max, &nr, &s, "sparse attention", "O(N sqrt(N) d)", "O(1)", "O(1)");
      s.mech = FGA_AN_DILATED;
      s.r = 1;
      s.levels = 0;
      s.head = 0;
      add_row (rows, max, &nr, &s, "dilated attention", "O(N d)", "O(1)", "O(log N)");
      return nr;
    }
  return 0;
}

void
fga_an_online_tree (mpz_ptr depth, mpz_ptr mem, size_t nq, size_t nk, size_t d, size_t dv,
                    size_t chunk)
{
  if (chunk == 0 || chunk > nk)
    chunk = nk;
  size_t nc = nk / chunk + (nk % chunk != 0);
  mpz_set_ui (depth, clog2 (d) + 2 + 5 * clog2 (chunk) + 1);
  mpz_t t;
  mpz_init (t);
  zset (t, nc - 1);
  mpz_addmul_ui (depth, t, 5);
  zmul3 (mem, nq, chunk + (chunk < nk), dv + 2);
  mpz_clear (t);
}
