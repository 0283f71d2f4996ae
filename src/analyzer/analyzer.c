/* fga_an_analyze -- exact operation counts, memory, steps, path length and depth of attention mechanisms

   Every count is an mpz_t: n = 10^12 gives n^2 d beyond 2^64, and the
   point of the analyzer is that its numbers are exact, not asymptotic.

   The mechanisms are a table, one entry per mechanism with its analysis
   function (the table `mechs' below).  An entry that a method of fgattn
   runs names that method's class and translates the spec's fields into
   the method's spec (and back, for --mech given as a method spec); its
   operation counts are then not the analyzer's but the method's own, by
   its class's count hook (methods/method-impl.h), so that they equal what
   the method records as it runs by construction, and
   tests/methods/t-registry.c holds every hook equal to the stats.  The
   analyzer adds what the methods do not know: MACs and scores, memory,
   steps, path length and depth.  A method with a count hook and no entry
   here (a method added since) is still counted, by its hook alone: its
   name and its specs are mechanisms too, with those fields not modelled.
   The entries without a method (mha, recurrent, conv, linear, flash) are
   the analyzer's own models.

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
   order (theory/work-and-depth.md, section 3: divide the weights, then P V) has, along
   the longest chain, a product and c(dk) additions for a score, the scale,
   c(nk) comparisons for the maximum, the subtraction, exp, c(nk) additions
   for the sum, the division, a product and c(nk) additions of P V:
   3 c(nk) + c(dk) + 6, the textbook figure.  fgattn's kernels divide
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
#include "methods/method-impl.h"

#include <limits.h>
#include <string.h>

static const char fn[] = "fga_an_analyze";

/* r = a b c and r += a b c, for sizes (methods/method-impl.h) */
#define zmul3 fgap_zmul3
#define zaddmul3 fgap_zaddmul3

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
  s->mech = "vanilla";
  s->heads = 1;
  s->alpha = 2;
  s->r = 1;
  s->iters = 6;
  s->k = 3;
  s->sram = (size_t) 1 << 17;
  s->c = 1;
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
  res->mech[0] = '\0';
  res->modelled = 0;
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

/* ------------------------------------------------------------------ */
/* Shared pieces of the analyses.  */

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

/* Vanilla's depth in fgattn's order: 2 c(nk) + c(dk) + 6.  */
static void
vanilla_depth (mpz_ptr z, size_t nk, size_t d)
{
  mpz_set_ui (z, 2 * clog2 (nk) + clog2 (d) + 6);
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

static int an_ops (mpz_t ops[5], const fga_an_spec *s, fga_method_srcptr m, int lse,
                   fga_error *err);

/* ------------------------------------------------------------------ */
/* The mechanisms a method runs: the method's spec from the fields (spec),
   the fields from the method (parse: 0 when the method is not this
   mechanism, e.g. exact:algo=blas for vanilla), and the analysis.  Their
   operation counts come from the method (an_ops).  */

static int
spec_vanilla (char *buf, size_t size, const fga_an_spec *s, fga_error *err)
{
  return snprintf (buf, size, "exact:algo=naive");
}

static int
parse_vanilla (fga_an_spec *s, fga_method_srcptr m)
{
  return fgap_param_choice (m, "algo") == 0;          /* naive */
}

static int
an_vanilla (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  const size_t nq = s->nq, nk = s->nk, d = s->d, dv = s->dv;
  vanilla_counts (res, nq, nk, d, dv, s->causal, s->lse);
  /* the method has no causal form: the causal counts are the formula's */
  if (!s->causal)
    {
      int rc = an_ops (res->ops, s, m, s->lse, err);
      if (rc != FGA_OK)
        return rc;
    }
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
  return FGA_OK;
}

static int
spec_stream (char *buf, size_t size, const fga_an_spec *s, fga_error *err)
{
  return snprintf (buf, size, "exact:algo=stream,block=%zu", s->block);
}

static int
parse_stream (fga_an_spec *s, fga_method_srcptr m)
{
  if (fgap_param_choice (m, "algo") != 1)             /* stream */
    return 0;
  s->block = (size_t) fgap_param_int (m, "block");
  return 1;
}

/* stream, and flash with FlashAttention's key block: all but the counts */
static void
stream_model (fga_an_result *res, const fga_an_spec *s, size_t bk)
{
  const size_t nq = s->nq, nk = s->nk, d = s->d, dv = s->dv;
  const size_t nb = nk / bk + (nk % bk != 0);
  mpz_t t;
  mpz_init (t);
  vanilla_counts (res, nq, nk, d, dv, 0, s->lse);    /* macs and scores */
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
  mpz_clear (t);
}

static int
an_stream (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  stream_model (res, s, s->block ? s->block : 256);
  return an_ops (res->ops, s, m, s->lse, err);
}

/* The sparse mechanisms: the checked pattern, the pairs, the counts by the
   method, the MACs; then (sparse_model) memory and depth from cmax, the
   largest support of a query.  */
static int
sparse_counts (fga_an_result *res, fga_sparse_pattern *p, fga_sparse_kind kind,
               const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  memset (p, 0, sizeof *p);
  p->kind = kind;
  p->n = s->nq;
  p->causal = s->causal;
  p->w = s->w;
  p->l = s->l;
  p->r = s->r;
  p->alpha = s->alpha;
  p->levels = s->levels;
  p->head = s->head;
  p->c = s->c;
  int rc = fga_sparse_pattern_check (p, err);
  if (rc != FGA_OK)
    return rc;
  mpz_t G, t;
  mpz_inits (G, t, (mpz_ptr) 0);
  fga_sparse_pattern_count (res->scores, G, p);
  rc = an_ops (res->ops, s, m, s->lse, err);
  zset (t, s->d + s->dv);
  mpz_mul (res->macs, res->scores, t);
  zmul3 (res->scores_dense, s->nq, s->nq, 1);
  zmul3 (res->macs_dense, s->nq, s->nq, s->d + s->dv);
  mpz_clears (G, t, (mpz_ptr) 0);
  return rc;
}

static void
sparse_model (fga_an_result *res, const fga_an_spec *s, size_t cmax, unsigned long merge_depth)
{
  if (cmax > s->nq)
    cmax = s->nq;
  zset (res->mem_elems, cmax + 2 * s->dv);
  res->mem_model = "per thread: the scores of the largest support and two output rows";
  vanilla_depth (res->depth, cmax, s->d);
  mpz_add_ui (res->depth, res->depth, merge_depth);
  res->depth_model = "vanilla's with nk = the largest support "
    "(dilated: + 3 ceil(log2 levels) merges)";
}

static int
spec_window (char *buf, size_t size, const fga_an_spec *s, fga_error *err)
{
  return snprintf (buf, size, "window:w=%zu,causal=%d", s->w, s->causal);
}

static int
parse_window (fga_an_spec *s, fga_method_srcptr m)
{
  s->w = (size_t) fgap_param_int (m, "w");
  s->causal = (int) fgap_param_int (m, "causal");
  return 1;
}

static int
an_window (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  fga_sparse_pattern p;
  int rc = sparse_counts (res, &p, FGA_SPARSE_WINDOW, s, m, err);
  if (rc != FGA_OK)
    return rc;
  /* information moves w positions per layer */
  zset (res->path, s->w == 0 ? 0 : (s->nq - 1 + s->w - 1) / s->w);
  sparse_model (res, s, s->causal ? s->w + 1 : 2 * s->w + 1, 0);
  return FGA_OK;
}

static int
spec_strided (char *buf, size_t size, const fga_an_spec *s, fga_error *err)
{
  return snprintf (buf, size, "strided:l=%zu,causal=%d", s->l, s->causal);
}

static int
parse_strided (fga_an_spec *s, fga_method_srcptr m)
{
  s->l = (size_t) fgap_param_int (m, "l");
  s->causal = (int) fgap_param_int (m, "causal");
  return 1;
}

static int
an_strided (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  fga_sparse_pattern p;
  int rc = sparse_counts (res, &p, FGA_SPARSE_STRIDED, s, m, err);
  if (rc != FGA_OK)
    return rc;
  mpz_set_ui (res->path, s->nq <= 1 ? 0 : 2);         /* stride, then local */
  /* the local band and both strided tails */
  sparse_model (res, s, 2 * p.l - 1 + 2 * (s->nq / p.l), 0);
  return FGA_OK;
}

static int
spec_fixed (char *buf, size_t size, const fga_an_spec *s, fga_error *err)
{
  return snprintf (buf, size, "fixed:l=%zu,c=%zu,causal=%d", s->l, s->c, s->causal);
}

static int
parse_fixed (fga_an_spec *s, fga_method_srcptr m)
{
  s->l = (size_t) fgap_param_int (m, "l");
  s->c = (size_t) fgap_param_int (m, "c");
  s->causal = (int) fgap_param_int (m, "causal");
  return 1;
}

static int
an_fixed (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  fga_sparse_pattern p;
  int rc = sparse_counts (res, &p, FGA_SPARSE_FIXED, s, m, err);
  if (rc != FGA_OK)
    return rc;
  /* exact (fixed.c): q full blocks, a short one of r, z summaries in it */
  const size_t nq = s->nq, l = p.l, c = p.c, q = nq / l, r = nq - q * l;
  const size_t z = c > l - r ? c - (l - r) : 0;
  size_t cmax;
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
    pl = 1;                                   /* every pair direct */
  else if (!s->causal && r > 0 && z == 0)
    pl = 0;                                   /* the short block is never read */
  else
    pl = 2;                                   /* through a summary position */
  mpz_set_ui (res->path, pl);
  sparse_model (res, s, cmax, 0);
  return FGA_OK;
}

static int
spec_dilated (char *buf, size_t size, const fga_an_spec *s, fga_error *err)
{
  return snprintf (buf, size, "dilated:w=%zu,r=%zu,alpha=%zu,levels=%zu,head=%zu,causal=%d",
                   s->w, s->r, s->alpha, s->levels, s->head, s->causal);
}

static int
parse_dilated (fga_an_spec *s, fga_method_srcptr m)
{
  s->w = (size_t) fgap_param_int (m, "w");
  s->r = (size_t) fgap_param_int (m, "r");
  s->alpha = (size_t) fgap_param_int (m, "alpha");
  s->levels = (size_t) fgap_param_int (m, "levels");
  s->head = (size_t) fgap_param_int (m, "head");
  s->causal = (int) fgap_param_int (m, "causal");
  return 1;
}

static int
an_dilated (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  fga_sparse_pattern p;
  int rc = sparse_counts (res, &p, FGA_SPARSE_DILATED, s, m, err);
  if (rc != FGA_OK)
    return rc;
  const size_t nq = s->nq;
  size_t cmax = 0, wk = p.w, rk = p.r;
  for (size_t k = 0; k < p.levels; k++, wk *= p.alpha, rk *= p.alpha)
    {
      size_t seg = wk < nq ? wk : nq, c = (seg - 1) / rk + 1;
      cmax = c > cmax ? c : cmax;
    }
  /* LongNet: ceil (log_alpha (N (alpha - 1) / w0)) levels to cross */
  unsigned long lv = 0;
  mpz_t t, u;
  mpz_inits (t, u, (mpz_ptr) 0);
  mpz_set_ui (t, p.w);
  zset (u, nq);
  mpz_mul_ui (u, u, p.alpha - 1);
  while (mpz_cmp (t, u) < 0)
    {
      mpz_mul_ui (t, t, p.alpha);
      lv++;
    }
  mpz_set_ui (res->path, lv);
  mpz_clears (t, u, (mpz_ptr) 0);
  sparse_model (res, s, cmax, 3 * clog2 (p.levels));      /* a tree of level merges */
  return FGA_OK;
}

static int
spec_poly (char *buf, size_t size, const fga_an_spec *s, fga_error *err)
{
  if (s->g < 1)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: poly needs a degree g >= 1 (the method's "
                          "deg=0 chooses the degree from the data, which the analyzer cannot "
                          "count in advance)", fn);
  return snprintf (buf, size, "poly:deg=%ld", s->g);
}

static int
parse_poly (fga_an_spec *s, fga_method_srcptr m)
{
  s->g = fgap_param_int (m, "deg");
  return 1;
}

static int
an_poly (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  if (s->g < 0 || s->g > 64)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: poly needs 0 <= g <= 64, not %ld", fn, s->g);
  const size_t nq = s->nq, nk = s->nk, d = s->d, dv = s->dv;
  int rc = an_ops (res->ops, s, m, s->lse, err);
  if (rc != FGA_OK)
    return rc;
  mpz_t r, u;
  mpz_inits (r, u, (mpz_ptr) 0);
  mpz_bin_uiui (r, d + (unsigned long) s->g, d);
  /* the two products U2^T [V 1] and U1 M */
  zmul3 (u, nq + nk, dv + 1, 1);
  mpz_mul (res->macs, u, r);
  mpz_set_ui (res->scores, 0);
  zset (u, nq + nk + dv + 1);
  mpz_mul (res->mem_elems, u, r);
  res->mem_model = "the feature matrices (nq + nk) r and M = U2^T [V 1]: r (dv + 1)";
  size_t rs = mpz_fits_ulong_p (r) ? mpz_get_ui (r) : SIZE_MAX;
  mpz_set_ui (res->depth, clog2 ((size_t) s->g + 1) + clog2 (nk) + clog2 (rs) + 4);
  res->depth_model = "c(g + 1) monomial products + c(nk) + c(r) sums + 4";
  mpz_clears (r, u, (mpz_ptr) 0);
  return FGA_OK;
}

static const char *
rf_kind_name (int kind)
{
  return kind == FGA_RF_POS ? "pos" : kind == FGA_RF_HYP ? "hyp" : kind == FGA_RF_TRIG ? "trig"
    : NULL;
}

static int
spec_rf (char *buf, size_t size, const fga_an_spec *s, fga_error *err)
{
  const char *kind = rf_kind_name (s->rf_kind);
  if (kind == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: rf kind %d is not pos, hyp or trig", fn,
                          s->rf_kind);
  return snprintf (buf, size, "rf:m=%zu,kind=%s", s->m, kind);
}

static int
parse_rf (fga_an_spec *s, fga_method_srcptr m)
{
  static const int kinds[] = { FGA_RF_POS, FGA_RF_HYP, FGA_RF_TRIG };   /* "pos|hyp|trig" */
  s->m = (size_t) fgap_param_int (m, "m");
  s->rf_kind = kinds[fgap_param_choice (m, "kind")];
  return 1;
}

static int
an_rf (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  if (s->m == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: rf needs m >= 1", fn);
  const size_t nq = s->nq, nk = s->nk, d = s->d, dv = s->dv, ld = dv + 1;
  const size_t M = (s->rf_kind == FGA_RF_POS ? 1 : 2) * s->m;
  int rc = an_ops (res->ops, s, m, s->lse, err);
  if (rc != FGA_OK)
    return rc;
  zmul3 (res->macs, nk + nq, s->m, d);
  zaddmul3 (res->macs, M, ld, nk + nq);
  zmul3 (res->mem_elems, nq + nk, M, 1);
  zaddmul3 (res->mem_elems, M, ld, 1);
  res->mem_model = "the features (nq + nk) M and Phi_K^T [V 1]: M (dv + 1)";
  mpz_set_ui (res->depth, clog2 (d) + 3 + clog2 (M) + 1 + clog2 (nk) + 2 + clog2 (M) + 1);
  res->depth_model = "features c(d) + 3, stabilising max c(M) + 1, Phi_K^T V c(nk) + 1, "
    "Phi_Q times it c(M) + 1, division 1";
  return FGA_OK;
}

static int
spec_nystrom (char *buf, size_t size, const fga_an_spec *s, fga_error *err)
{
  return snprintf (buf, size, "nystrom:m=%zu,pinv=iter,iters=%ld,landmarks=%s", s->m, s->iters,
                   s->segment ? "segment" : "uniform");
}

static int
parse_nystrom (fga_an_spec *s, fga_method_srcptr m)
{
  if (fgap_param_choice (m, "pinv") != 1)             /* iter */
    return 0;
  s->m = (size_t) fgap_param_int (m, "m");
  s->iters = fgap_param_int (m, "iters");
  s->segment = fgap_param_choice (m, "landmarks") == 1;
  return 1;
}

static int
an_nystrom (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  const size_t nq = s->nq, nk = s->nk, d = s->d, dv = s->dv, ml = s->m;
  if (ml == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: nystrom needs m >= 1", fn);
  if (ml > nq || ml > nk)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: nystrom needs m = %zu <= min (nq, nk)", fn,
                          ml);
  /* the method has no lse: counted without it, as it runs */
  int rc = an_ops (res->ops, s, m, 0, err);
  if (rc != FGA_OK)
    return rc;
  mpz_t t;
  mpz_init (t);
  zmul3 (res->scores, ml, nk + ml + nq, 1);
  zmul3 (res->macs, ml, nk + ml + nq, d);
  zaddmul3 (res->macs, ml, dv, nk + ml + nq);
  zmul3 (t, ml, ml, 4 * ml);
  mpz_mul_ui (t, t, (unsigned long) s->iters);
  mpz_add (res->macs, res->macs, t);
  zmul3 (res->mem_elems, ml, nk + ml + nq + dv, 1);
  zaddmul3 (res->mem_elems, 4, ml, ml);
  res->mem_model = "F, A, B (m (nq + m + nk)), B V (m dv) and the iteration's 4 m x m";
  vanilla_depth (res->depth, nk > nq ? nk : nq, d);
  mpz_add_ui (res->depth, res->depth, (unsigned long) s->iters * (4 * (clog2 (ml) + 2)));
  res->depth_model = "the softmax factors, then per iteration 4 products of depth c(m) + 2";
  mpz_clear (t);
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* The analyzer's own mechanisms: no method of fgattn runs them.  */

static int
an_flash (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  const size_t nq = s->nq, nk = s->nk, d = s->d, dv = s->dv;
  if (s->sram < 4 * d)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: flash needs sram >= 4 d = %zu words, not %zu",
                          fn, 4 * d, s->sram);
  /* FlashAttention's B_c = ceil (M / 4d), the online softmax as fgattn's
     stream kernel does it */
  const size_t bk = (s->sram + 4 * d - 1) / (4 * d), nb = nk / bk + (nk % bk != 0);
  stream_model (res, s, bk);
  fgap_exact_stream_count (res->ops, nq, nk, d, dv, bk, s->lse);
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
  return FGA_OK;
}

static int
an_mha (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  const size_t nq = s->nq, d = s->d, h = s->heads;
  if (h == 0 || d % h != 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: heads = %zu must divide d = %zu", fn, h, d);
  const size_t dh = d / h;
  fga_an_result hr;
  fga_an_result_init (&hr);
  vanilla_counts (&hr, nq, nq, dh, dh, s->causal, s->lse);
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
  vanilla_depth (hr.depth, nq, dh);
  mpz_add (res->depth, res->depth, hr.depth);
  res->depth_model = "projection c(d) + 1, vanilla head of width d / h, "
    "output projection c(d) + 1";
  fga_an_result_clear (&hr);
  return FGA_OK;
}

static int
an_recurrent (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  const size_t nq = s->nq, d = s->d;
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
  return FGA_OK;
}

static int
an_conv (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  const size_t nq = s->nq, d = s->d, k = s->k;
  if (k == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: conv needs k >= 1", fn);
  if (s->separable)
    {
      zmul3 (res->ops[0], nq, d, k + d);
      zmul3 (res->ops[1], nq, d, k - 1 + d - 1);
      mpz_set_ui (res->depth, clog2 (k) + clog2 (d) + 2);
    }
  else
    {
      zmul3 (res->ops[0], nq, d, k * d);
      zmul3 (res->ops[1], nq, d, k * d - 1);
      mpz_set_ui (res->depth, clog2 (k * d) + 1);
    }
  mpz_set (res->macs, res->ops[0]);
  zset (res->mem_elems, 0);
  res->mem_model = "none beyond input and output (pointwise: one row of d)";
  /* Vaswani: O(log_k n) with dilated kernels; ceil (log_k n) exactly */
  unsigned long lv = 0;
  mpz_t t, u;
  mpz_inits (t, u, (mpz_ptr) 0);
  zset (u, nq);
  mpz_set_ui (t, 1);
  while (k >= 2 && mpz_cmp (t, u) < 0)
    {
      mpz_mul_ui (t, t, k);
      lv++;
    }
  mpz_set_ui (res->path, lv);
  mpz_clears (t, u, (mpz_ptr) 0);
  res->depth_model = "c(k d) + 1 (separable: c(k) + c(d) + 2)";
  return FGA_OK;
}

static int
an_linear (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  const size_t nq = s->nq, nk = s->nk, dv = s->dv, fm = s->m, ld = dv + 1;
  if (fm == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: linear needs m >= 1", fn);
  if (s->causal)
    {
      zmul3 (res->ops[0], nk, fm, ld);
      zmul3 (res->ops[1], nk - 1, fm, ld);
    }
  else
    {
      zmul3 (res->ops[0], fm, ld, nk);
      zmul3 (res->ops[1], fm, ld, nk - 1);
    }
  /* causal: a prefix scan, depth c(n), n steps if run as a recurrence */
  mpz_set_ui (res->depth, 1 + clog2 (nk) + 1 + clog2 (fm) + 1);
  zaddmul3 (res->ops[0], nq, fm, ld);
  zaddmul3 (res->ops[1], nq, ld, fm - 1);
  zmul3 (res->ops[3], nq, dv, 1);
  mpz_set (res->macs, res->ops[0]);
  zmul3 (res->mem_elems, fm, ld, 1);
  res->mem_model = "the state phi(K)^T [V 1]: m (dv + 1) (causal: the running prefix)";
  res->depth_model = "phi(K)^T V c(nk) + 1 (causal: a parallel prefix, c(n)), "
    "phi(Q) times it c(m) + 1, division 1";
  return FGA_OK;
}

/* A method with a count hook that no entry models: its counts only.  */
static int
an_counts_only (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m, fga_error *err)
{
  int rc = an_ops (res->ops, s, m, s->lse, err);
  mpz_set_ui (res->steps, 0);
  mpz_set_ui (res->path, 0);
  res->mem_model = res->depth_model = "not modelled: the analyzer has only the method's counts";
  return rc;
}

/* ------------------------------------------------------------------ */
/* The table.  */

enum
{
  AN_POSITIONAL = 1,           /* positions: nq = nk */
  AN_NO_CAUSAL = 2,            /* no causal form */
  AN_DENSE = 4                 /* sets macs_dense and scores_dense itself */
};

typedef struct
{
  const char *name;
  const char *method;          /* the class that runs it (methods/list.h), or NULL */
  unsigned flags;
  /* the method's spec from the fields, every parameter that matters given;
     returns what snprintf returns, or a negative error code */
  int (*spec) (char *buf, size_t size, const fga_an_spec *s, fga_error *err);
  /* the fields from a method of class `method': 0 when it is not this one */
  int (*parse) (fga_an_spec *s, fga_method_srcptr m);
  /* m: the method the mechanism was given as, or NULL (an_ops makes it) */
  int (*analyze) (fga_an_result *res, const fga_an_spec *s, fga_method_srcptr m,
                  fga_error *err);
} an_mech;

static const an_mech mechs[] = {
  { "vanilla", "exact", AN_DENSE, spec_vanilla, parse_vanilla, an_vanilla },
  { "stream", "exact", AN_NO_CAUSAL | AN_DENSE, spec_stream, parse_stream, an_stream },
  { "window", "window", AN_POSITIONAL | AN_DENSE, spec_window, parse_window, an_window },
  { "strided", "strided", AN_POSITIONAL | AN_DENSE, spec_strided, parse_strided, an_strided },
  { "dilated", "dilated", AN_POSITIONAL | AN_DENSE, spec_dilated, parse_dilated, an_dilated },
  { "fixed", "fixed", AN_POSITIONAL | AN_DENSE, spec_fixed, parse_fixed, an_fixed },
  { "poly", "poly", AN_NO_CAUSAL, spec_poly, parse_poly, an_poly },
  { "rf", "rf", AN_NO_CAUSAL, spec_rf, parse_rf, an_rf },
  { "nystrom", "nystrom", AN_NO_CAUSAL, spec_nystrom, parse_nystrom, an_nystrom },
  { "mha", NULL, AN_POSITIONAL | AN_DENSE, NULL, NULL, an_mha },
  { "recurrent", NULL, AN_POSITIONAL, NULL, NULL, an_recurrent },
  { "conv", NULL, AN_POSITIONAL, NULL, NULL, an_conv },
  { "linear", NULL, 0, NULL, NULL, an_linear },
  { "flash", NULL, AN_NO_CAUSAL, NULL, NULL, an_flash },
};

#define NMECHS (sizeof mechs / sizeof mechs[0])

/* The entry of a counted method that no entry of the table models.  */
static const an_mech counts_only = { NULL, NULL, 0, NULL, NULL, an_counts_only };

static const an_mech *
mech_find (const char *name)
{
  for (size_t i = 0; i < NMECHS; i++)
    if (strcmp (mechs[i].name, name) == 0)
      return &mechs[i];
  return NULL;
}

/* Whether some entry of the table is run by the class.  */
static int
class_modelled (const fgap_method_class *cls)
{
  for (size_t i = 0; i < NMECHS; i++)
    if (mechs[i].method != NULL && strcmp (mechs[i].method, cls->info.name) == 0)
      return 1;
  return 0;
}

/* The counted class that mech ("name" or "name:key=value,...") names, or NULL.  */
static const fgap_method_class *
counted_class (const char *mech)
{
  const char *colon = strchr (mech, ':');
  const fgap_method_class *cls
    = fgap_method_class_find (mech, colon ? (size_t) (colon - mech) : strlen (mech));
  return cls != NULL && cls->count != NULL ? cls : NULL;
}

/* Whether the entry's method is in the registry with a count hook.  */
static int
entry_runnable (const an_mech *e)
{
  return e->method != NULL && counted_class (e->method) != NULL;
}

size_t
fga_an_mech_count (void)
{
  size_t n = NMECHS;
  for (size_t i = 0; fgap_method_class_at (i) != NULL; i++)
    n += fgap_method_class_at (i)->count != NULL && !class_modelled (fgap_method_class_at (i));
  return n;
}

const char *
fga_an_mech_at (size_t i)
{
  if (i < NMECHS)
    return mechs[i].name;
  i -= NMECHS;
  for (size_t j = 0; fgap_method_class_at (j) != NULL; j++)
    {
      const fgap_method_class *cls = fgap_method_class_at (j);
      if (cls->count != NULL && !class_modelled (cls) && i-- == 0)
        return cls->info.name;
    }
  return NULL;
}

int
fga_an_mech_known (const char *mech)
{
  return mech != NULL && (mech_find (mech) != NULL || counted_class (mech) != NULL);
}

int
fga_an_mech_runnable (const char *mech)
{
  if (mech == NULL)
    return 0;
  const an_mech *e = mech_find (mech);
  return e != NULL ? entry_runnable (e) : counted_class (mech) != NULL;
}

/* Appends the names (runnable: only those a method runs; causal: only
   those whose method has a causal form) as "a, b, c" or, with last_and,
   "a, b and c".  */
static void
mech_names (char *buf, size_t size, int runnable, int causal, int last_and)
{
  size_t k = 0, total = 0;
  const char *names[64];
  for (size_t i = 0; k < 64 && (names[k] = fga_an_mech_at (i)) != NULL; i++)
    {
      const an_mech *e = mech_find (names[k]);
      const fgap_method_class *cls = e != NULL ? (entry_runnable (e) ? counted_class (e->method)
                                                  : NULL) : counted_class (names[k]);
      if (runnable && cls == NULL)
        continue;
      if (causal && (cls == NULL || !fgap_method_class_has_param (cls, "causal")))
        continue;
      k++;
    }
  buf[0] = '\0';
  for (size_t i = 0; i < k && total < size; i++)
    total += (size_t) snprintf (buf + total, size - total, "%s%s",
                                i == 0 ? "" : last_and && i == k - 1 ? " and " : ", ", names[i]);
}

const char *
fga_an_mech_list (char *buf, size_t size, int runnable)
{
  if (size > 0)
    mech_names (buf, size, runnable, 0, 0);
  return buf;
}

/* t = s with t->mech an entry's name, and *e that entry; when s->mech is a
   method (a counted class's name or spec), *m is that method (the caller
   destroys it), t's fields are read from it when an entry models it, and
   otherwise *e is counts_only and t->mech stays s->mech.  */
static int
resolve (fga_an_spec *t, const an_mech **e, fga_method *m, const fga_an_spec *s,
         fga_error *err)
{
  *t = *s;
  *m = NULL;
  if (s->mech == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: no mechanism given", fn);
  *e = mech_find (s->mech);
  if (*e != NULL)
    return FGA_OK;
  const fgap_method_class *cls = counted_class (s->mech);
  if (cls == NULL)
    {
      char known[512];
      return fgap_error_set (err, FGA_ERR_INPUT, "%s: unknown mechanism '%s' (%s; or the spec "
                            "of a method with operation counts)", fn, s->mech,
                            fga_an_mech_list (known, sizeof known, 0));
    }
  char spec[1024];
  const char *given = s->mech;
  if (s->causal)
    {
      if (!fgap_method_class_has_param (cls, "causal"))
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: fgattn's %s has no causal form", fn,
                              cls->info.name);
      int len = snprintf (spec, sizeof spec, "%s%scausal=1", s->mech,
                          strchr (s->mech, ':') ? "," : ":");
      if (len < 0 || (size_t) len >= sizeof spec)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: mechanism '%s' is too long", fn, s->mech);
      given = spec;
    }
  *m = fga_method_create (given, err);
  if (*m == NULL)
    return err != NULL ? err->code : FGA_ERR_INPUT;
  for (size_t i = 0; i < NMECHS; i++)
    if (mechs[i].method != NULL && strcmp (mechs[i].method, cls->info.name) == 0
        && mechs[i].parse (t, *m))
      {
        *e = &mechs[i];
        t->mech = mechs[i].name;
        return FGA_OK;
      }
  *e = &counts_only;
  t->causal = 0;               /* the method's own, as its spec says */
  return FGA_OK;
}

int
fga_an_resolve (fga_an_spec *out, const fga_an_spec *s, fga_error *err)
{
  const an_mech *e;
  fga_method m;
  fga_an_spec t;
  int rc = resolve (&t, &e, &m, s, err);
  fga_method_destroy (m);
  if (rc == FGA_OK)
    *out = t;
  return rc;
}

/* The problem of s's shape, as a method is prepared for it.  */
static fga_problem
an_problem (const fga_an_spec *s)
{
  fga_problem prob = { s->nq, s->nk, s->d, s->dv, { FGA_TAU_INV_D, 0 }, INFINITY, INFINITY,
                       INFINITY };
  return prob;
}

/* The method's spec of a resolved s whose entry e a method runs, the
   causal form checked against the method's parameters.  */
static int
entry_spec (char *buf, size_t size, const an_mech *e, const fga_an_spec *s, fga_error *err)
{
  const fgap_method_class *cls = counted_class (e->method);
  if (cls == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: the method %s that runs %s has no "
                          "operation counts", fn, e->method, e->name);
  if (s->causal && !fgap_method_class_has_param (cls, "causal"))
    {
      char causal[256];
      mech_names (causal, sizeof causal, 1, 1, 1);
      return fgap_error_set (err, FGA_ERR_INPUT, "the method that runs %s has no causal form "
                            "(causal is for %s)", e->name, causal);
    }
  int len = e->spec (buf, size, s, err);
  if (len < 0)
    return len;
  if ((size_t) len >= size)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: the spec of %s does not fit %zu bytes", fn,
                          e->name, size);
  return FGA_OK;
}

/* ops = the counts of the method that runs the resolved s: m if given,
   else the one made from s's fields.  */
static int
an_ops (mpz_t ops[5], const fga_an_spec *s, fga_method_srcptr m, int lse, fga_error *err)
{
  fga_method own = NULL;
  if (m == NULL)
    {
      char spec[256];
      const an_mech *e = mech_find (s->mech);
      int rc = entry_spec (spec, sizeof spec, e, s, err);
      if (rc != FGA_OK)
        return rc;
      own = fga_method_create (spec, err);
      if (own == NULL)
        return err != NULL ? err->code : FGA_ERR_INPUT;
      m = own;
    }
  const fga_problem prob = an_problem (s);
  int rc = fgap_method_ops (ops, m, &prob, lse, err);
  fga_method_destroy (own);
  return rc;
}

int
fga_an_method_spec (char *buf, size_t size, const fga_an_spec *s, fga_error *err)
{
  const an_mech *e;
  fga_method m;
  fga_an_spec t;
  int rc = resolve (&t, &e, &m, s, err);
  if (rc != FGA_OK)
    return rc;
  if (e == &counts_only)
    {
      if (snprintf (buf, size, "%s", fga_method_spec (m)) >= (int) size)
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: the spec of %s does not fit %zu bytes", fn,
                             t.mech, size);
    }
  else if (e->method == NULL)
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: no method of fgattn runs mechanism %s", fn,
                         e->name);
  else
    rc = entry_spec (buf, size, e, &t, err);
  fga_method_destroy (m);
  return rc;
}

/* The checks every mechanism shares.  */
static int
check_spec (const an_mech *e, const fga_an_spec *s, fga_error *err)
{
  if (s->nq == 0 || s->nk == 0 || s->d == 0 || s->dv == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: n (nq = %zu, nk = %zu), d = %zu and dv = %zu "
                          "must be at least 1", fn, s->nq, s->nk, s->d, s->dv);
  if (e == &counts_only)
    return FGA_OK;             /* the method checks its own shape */
  if (s->causal && (e->flags & AN_NO_CAUSAL))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: fgattn's %s has no causal form", fn, e->name);
  if (((e->flags & AN_POSITIONAL) || s->causal) && s->nq != s->nk)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: mechanism %s (causal = %d) needs nq = nk, "
                          "not %zu and %zu", fn, e->name, s->causal, s->nq, s->nk);
  return FGA_OK;
}

int
fga_an_analyze (fga_an_result *res, const fga_an_spec *s0, fga_error *err)
{
  const an_mech *e;
  fga_method m;
  fga_an_spec s;
  int rc = resolve (&s, &e, &m, s0, err);
  if (rc == FGA_OK)
    rc = check_spec (e, &s, err);
  if (rc != FGA_OK)
    {
      fga_method_destroy (m);
      return rc;
    }
  for (int i = 0; i < 5; i++)
    mpz_set_ui (res->ops[i], 0);
  mpz_set_ui (res->macs, 0);
  mpz_set_ui (res->scores, 0);
  mpz_set_ui (res->mem_elems, 0);
  mpz_set_ui (res->steps, 1);
  mpz_set_ui (res->path, 1);
  mpz_set_ui (res->depth, 0);
  mpz_set_ui (res->traffic, 0);
  res->mem_model = res->depth_model = "";
  snprintf (res->mech, sizeof res->mech, "%s", e == &counts_only ? fga_method_spec (m) : e->name);
  res->modelled = e != &counts_only;

  rc = e->analyze (res, &s, m, err);
  fga_method_destroy (m);
  if (rc != FGA_OK)
    return rc;
  if (!(e->flags & AN_DENSE))
    {
      mpz_set (res->macs_dense, res->macs);
      mpz_set (res->scores_dense, res->scores);
    }
  mpz_set_ui (res->work, 0);
  for (int i = 0; i < 5; i++)
    mpz_add (res->work, res->work, res->ops[i]);
  mpz_mul_ui (res->mem_bytes, res->mem_elems, sizeof (double));
  return FGA_OK;
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
      s.mech = "vanilla";
      add_row (rows, max, &nr, &s, "self-attention", "O(n^2 d)", "O(1)", "O(1)");
      s.mech = "recurrent";
      add_row (rows, max, &nr, &s, "recurrent", "O(n d^2)", "O(n)", "O(n)");
      s.mech = "conv";
      s.separable = 0;
      add_row (rows, max, &nr, &s, "convolutional", "O(k n d^2)", "O(1)", "O(log_k(n))");
      s.separable = 1;
      add_row (rows, max, &nr, &s, "separable convolution", "O(k n d + n d^2)", "O(1)",
               "O(log_k(n))");
      s.separable = 0;
      /* a neighbourhood of r positions: radius r / 2 around the query */
      s.mech = "window";
      s.w = nb / 2;
      add_row (rows, max, &nr, &s, "self-attention (restricted)", "O(r n d)", "O(1)", "O(n/r)");
      return nr;
    }
  if (strcmp (name, "longnet") == 0)
    {
      s.mech = "recurrent";
      add_row (rows, max, &nr, &s, "recurrent", "O(N d^2)", "O(N)", "O(N)");
      s.mech = "vanilla";
      add_row (rows, max, &nr, &s, "vanilla attention", "O(N^2 d)", "O(1)", "O(1)");
      s.mech = "strided";
      s.l = 0;
      add_row (rows, max, &nr, &s, "sparse attention", "O(N sqrt(N) d)", "O(1)", "O(1)");
      s.mech = "dilated";
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
