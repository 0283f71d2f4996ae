/* fga_attention_rank_randomized -- the numerical rank of P = softmax (tau Q K^T) without forming P

   fga_attention_singular_values forms the nq x nk matrix P and takes its
   SVD: O(nq nk) memory and O(nq nk min (nq, nk)) time, out of reach beyond
   n ~ 8192.  The rank at a tolerance only needs the singular values near
   the tolerance, which a randomized range finder (Halko, Martinsson and
   Tropp 2011) reaches by products of P and P^T with blocks of vectors:
   this file never holds more of P than one tile per thread.

   Passes over P.  A first pass stores, per row i, the maximum m_i of the
   scores s_ij = tau <q_i, k_j> and r_i = 1 / l_i, l_i = sum_j
   exp (s_ij - m_i) (each row of scores whole, as fga_attention_matrix does).
   Every later pass cuts P into tiles of bq x bk entries (bq = block_rows,
   bk = 512), each computed afresh from Q and K by a dgemm, then
   P_ij = exp (s_ij - m_i) r_i: one tile per thread, and the same tiles with
   the same bits in every pass, so every pass multiplies the same matrix P^
   of doubles.  A product Y = P X gives each thread whole blocks of query
   rows (it runs over the key blocks, the first tile with beta = 0);
   Z = P^T Y gives each thread whole blocks of keys (it runs over the
   query blocks).  No reduction between threads, and OpenBLAS runs
   single-threaded in every pass (threads.c), even with one thread of
   ours, so the bits do not depend on the number of threads.
   Every pass is fgap_rank_pass_range (the statistics
   fgap_rank_stats_range) over a range of whole blocks: here over all of
   them, on a farm (rank_farm.c, fga_attention_rank_farm) over the ranges
   of its tasks, with the same bits.
   Rows whose scores could overflow are rescaled by powers of two, as in
   the exact kernels (kernels/attention-util.h); their entries are
   exp ((s'_ij - m'_i) 2^k_i) r_i.

   The sketch.  Blocks of b columns are added to an orthonormal basis Q
   (nq x l), kept as Householder reflectors (the QR factorisation of the
   blocks seen so far): a block starts as Y = P Omega, Omega Gaussian
   (nk x b), and takes q power iterations Y <- P (P^T Y), orthonormalised
   after each product; each orthonormalisation applies the reflectors'
   H^T, drops the first l rows (the part in the span of Q) and takes a
   Householder QR of the rest, so the new columns are orthogonal to Q to
   working precision whatever the rank of Y (exact ties included).  Since
   Y is kept orthogonal to Q, P^T Y = P^T (I - Q Q^T) Y: the block runs
   subspace iteration on the residual (I - Q Q^T) P, and finds the
   directions the basis lacks.  Then B_new = Y^T P (one pass of P^T Y)
   is appended to B = Q^T P, itself kept as the Householder QR of B^T
   (nk x l), whose triangle R has the singular values s_1 >= ... >= s_l
   of B.  Block sizes: 32 columns first, then as many as the basis holds
   (doubling), up to lmax = min (kmax + oversample, nq, nk); the block
   that completes a basis of all min (nq, nk) dimensions skips the power
   iterations, which cannot improve it.

   The certificate (theory/randomized-rank.md, section 2).  With E any
   bound of ||R||_2, R = (I - Q Q^T) P, in exact arithmetic, for every i:
     s_i <= sigma_i               (B = Q^T P and ||Q^T||_2 = 1),
     sigma_i^2 <= s_i^2 + E^2     (P^T P = B^T B + R^T R, then Weyl's
                                   inequality on the symmetric matrices),
     sigma_i <= E for i > l       (Q Q^T P has rank <= l).
   So with lo = #{i : s_i > tol} and hi = #{i : sqrt (s_i^2 + E^2) > tol}
   (plus min (nq, nk) - l when E > tol), lo <= #{sigma_i > tol} <= hi,
   and when lo = hi the count is the rank at tol, whatever the quality of
   the sketch.  It is decided whenever no sigma_i lies in
   (sqrt (tol^2 - E^2), sqrt (tol^2 + E^2)] (E <= tol): the gap around tol
   need only exceed about E^2 / tol (plus 2 rho for the rounding below,
   since the decision uses s_i - rho and sqrt (s_i^2 + E^2) + rho).
   Growing l brings E down toward sigma_{l+1}: the bracket closes once the
   sketch reaches past the singular values near tol, if the budget allows.

   The bound E.  ||M||_2 <= alpha sqrt (2 / pi) max_j ||M w_j|| for any
   matrix M and r independent standard Gaussian vectors w_j independent of
   M, except with probability alpha^-r (Halko, Martinsson and Tropp 2011,
   lemma 4.1, after Dixon 1983); here alpha = 4 and r = 20 (4^-20 < 1e-12).
   P W is computed once, in the first product, and reused: the probes W
   never enter the basis, so each round's residual is independent of
   them.  First M = R = (I - Q Q^T) P itself: E0 from y = R w at no cost
   of passes.  ||R w|| is about ||R||_F, far above ||R||_2 when R has many
   singular values near its largest (the plateaus of P's spectrum), so
   when E0 leaves a tolerance undecided, M = R (R^T R)^t, whose norm is
   ||R||^(2t + 1), for t = 1, 2, 3: E_t = (alpha sqrt (2 / pi)
   max_j ||M w_j||)^(1 / (2t + 1)), the factor's excess reduced to its
   (2t + 1)-th root.  The first x = P^T y rides with the pass that forms
   B_new; each E_t then costs one pass of 20 columns for t = 1 and two for
   each further t.  They stop once the tolerances are settled, or once
   max_j ||R x_j|| / ||x_j||, a lower bound of ||R||, shows that no bound
   could settle them.  E is the least of those computed; each one used
   adds 4^-20 to the probability that the reported ranks are wrong (the
   figure fail_prob).

   Rounding (first order, u = 2^-53, S = s_1 + E0 >= ||P||_2, and R the
   score radius tau max_i ||q_i||_1 max|K|).  P^ is within
   (2 (d + 3) R + nk + 5) u of P entrywise, relatively (the bound of
   attention_matrix.c plus one rounding for the product by r_i), and
   P >= 0, so ||P^ - P||_2 is within that times ||P||_2.  The products
   B = Y^T P^ (sums of nq terms), the Householder QR of B^T, the SVD of R
   and the departure of Q from orthonormality add at most
   (nq + nk + 10 l) sqrt (l) u S (Higham, Accuracy and Stability of
   Numerical Algorithms, 2nd ed., lemma 3.5 and section 19.3; sqrt (l)
   turns the columnwise bounds into norms).  rho is their sum, and
   the decision uses s_i - rho and sqrt (s_i^2 + E^2) + rho.  Each probe's
   norm gets the first-order error of the products that made it added
   before the maximum: (nk + 20 l) u S ||w_j|| for y = R w (the product
   with P, then the reflector sweeps), and at each further product the
   fresh (nq or nk + 20 l) u S times the norm of its input, plus the error
   carried so far times the current E >= ||R||, not S: every y is
   projected twice, so its error lies in the range of I - Q Q^T, where
   P^T acts as R^T, and the next y = (I - Q Q^T) P x applies R to x's.

   Counts: see fgattn/numerics.h.  The dgemm calls on P's tiles are counted
   by what they perform (m n k multiplications and as many additions, one
   fewer per output entry for the tile that starts a sum); the
   LAPACK calls (QR, reflectors, SVD) only as the figure lapack_flops,
   estimated from Golub and Van Loan's counts.  */

#define FGA_ATTN_SIMD_EXP 1
#include "core/fga-impl.h"
#include "kernels/attention-util.h"
#include "numerics/numerics-impl.h"
#include "numerics/rank-impl.h"

#include <limits.h>
#include <stdint.h>
#include <cblas.h>
#include <lapacke.h>

static const char fn[] = "fga_attention_rank_randomized";

#define U_ROUND 0x1p-53
#define KEY_BLOCK FGAP_RANK_KEY_BLOCK
#define FIRST_BLOCK ((size_t) 32)      /* the first block of the sketch */
#define PROBES ((size_t) 20)           /* r */
#define ALPHA 4.0                      /* failure probability alpha^-r per estimate */
#define PROBE_POWERS 3                 /* E_t for t up to this */
#define STATS_DOUBLES ((size_t) 1 << 19)   /* a chunk of whole rows of scores, 4 MiB */
#define DEFAULT_KMAX ((size_t) 1024)
#define DEFAULT_OVERSAMPLE ((size_t) 16)
#define DEFAULT_BLOCK ((size_t) 256)

/* ------------------------------------------------------------------ */
/* Rows of scores: statistics and tiles, vectorised like attention_blas.c.  */


/* s_j = exp (tau s_j - m) r: entries of P from their scores.  */
static inline __attribute__ ((always_inline)) void
row_fill (double *s, size_t n, double tau, double m, double r)
{
#pragma omp simd
  for (size_t j = 0; j < n; j++)
    s[j] = exp (s[j] * tau - m) * r;
}

#define ROW_VARIANT(name, attr)                                                   \
  static attr void name##_stats (double *s, size_t n, double t, double *m, double *l) \
  { fgap_row_softmax_simd (s, n, t, m, l); }                                          \
  static attr void name##_fill (double *s, size_t n, double t, double m, double r)  \
  { row_fill (s, n, t, m, r); }

ROW_VARIANT (generic, )
#if FGA_ATTN_X86
ROW_VARIANT (avx2, FGA_TARGET_AVX2)
ROW_VARIANT (avx512, FGA_TARGET_AVX512)
#endif

/* ------------------------------------------------------------------ */
/* Gaussian test vectors: xoshiro256** seeded by splitmix64, Box--Muller.
   Its own generator, drawn in one sequence, so a seed gives the same
   vectors for every number of threads (and, with the same libm, on every
   machine).  */

typedef struct
{
  uint64_t s[4];
} rr_rng;

static uint64_t
splitmix (uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t
rotl (uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next (rr_rng *g)
{
  uint64_t *s = g->s, r = rotl (s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return r;
}

/* Uniform in (0, 1), never 0: the log below stays finite.  */
static double
rng_open_unit (rr_rng *g)
{
  return ((double) (rng_next (g) >> 11) + 0.5) * 0x1p-53;
}

static void
rng_gauss (rr_rng *g, double *x, size_t n)
{
  for (size_t k = 0; k < n; k += 2)
    {
      double rad = sqrt (-2 * log (rng_open_unit (g))), a = 2 * M_PI * rng_open_unit (g);
      x[k] = rad * cos (a);
      if (k + 1 < n)
        x[k + 1] = rad * sin (a);
    }
}

/* ------------------------------------------------------------------ */
/* The state of one call (rank-impl.h).  */

typedef fgap_rank_ctx rr_ctx;
typedef fgap_rank_operand rr_operand;

static void *
track (rr_ctx *c, size_t count, size_t size, const char *what)
{
  size_t bytes;
  if (fgap_size_mul (&bytes, count, size))
    {
      fgap_error_set (c->err, FGA_ERR_NOMEM, "%s: %s: more bytes than size_t can count", fn,
                      what);
      return NULL;
    }
  return fgap_talloc (&c->mt, bytes > 0 ? bytes : 1, what, c->err);
}

static void
untrack (rr_ctx *c, void *p, size_t count, size_t size)
{
  if (p != NULL)
    fgap_tfree (&c->mt, p, count * size > 0 ? count * size : 1);
}

/* ------------------------------------------------------------------ */
/* The passes over P.  */

/* The tile of P for query rows [i0, i0 + qb) and keys [j0, j0 + kb) into t
   (row-major qb x kb), counted into cnt.  */
static void
tile (const rr_ctx *c, double *t, size_t i0, size_t qb, size_t j0, size_t kb,
      fgap_attn_count *cnt)
{
  const size_t d = c->d;
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) qb, (int) kb, (int) d, 1.0,
               &FGA_MAT (c->Q, i0, 0), (int) d, &FGA_MAT (c->K, j0, 0), (int) d, 0.0, t,
               (int) kb);
  for (size_t i = 0; i < qb; i++)
    {
      double *s = t + i * kb;
      const int k = fgap_qscale_row (&c->qs, i0 + i);
      if (k == 0)
        c->fill (s, kb, c->tau, c->m[i0 + i], c->r[i0 + i]);
      else
        for (size_t j = 0; j < kb; j++)
          s[j] = exp (ldexp (s[j] * c->tau - c->m[i0 + i], k)) * c->r[i0 + i];
    }
  cnt->mul += qb * kb * (d + 2);
  cnt->add += qb * kb * d;
  cnt->exp += qb * kb;
}

/* The product of a tile with every operand: y_rows += T x_keys (trans 0)
   or y_keys += T^T x_rows (trans 1); beta 0 for the tile that starts the
   sums.  The outputs start at row (or key) `base'.  */
static void
tile_products (const double *t, size_t i0, size_t qb, size_t j0, size_t kb, int trans,
               int first, const rr_operand *ops, int nops, size_t base, fgap_attn_count *cnt)
{
  for (int o = 0; o < nops; o++)
    {
      const rr_operand *op = &ops[o];
      if (op->cols == 0)
        continue;
      if (!trans)
        cblas_dgemm (CblasColMajor, CblasTrans, CblasNoTrans, (int) qb, (int) op->cols,
                     (int) kb, 1.0, t, (int) kb, op->x + j0, (int) op->ldx,
                     first ? 0.0 : 1.0, op->y + (i0 - base), (int) op->ldy);
      else
        cblas_dgemm (CblasColMajor, CblasNoTrans, CblasNoTrans, (int) kb, (int) op->cols,
                     (int) qb, 1.0, t, (int) kb, op->x + i0, (int) op->ldx,
                     first ? 0.0 : 1.0, op->y + (j0 - base), (int) op->ldy);
      const size_t outrows = trans ? kb : qb, inner = trans ? qb : kb;
      cnt->mul += outrows * op->cols * inner;
      cnt->add += outrows * op->cols * (inner - (first ? 1 : 0));
    }
}

size_t
fgap_rank_units (const rr_ctx *c, int kind)
{
  const size_t per = kind == FGAP_RANK_CHUNKS ? c->srows : kind ? KEY_BLOCK : c->bq;
  const size_t n = kind == 1 ? c->nk : c->nq;
  return (n + per - 1) / per;
}

/* The one pass over P, of the local path and of the farm's tasks: each
   block of the range whole in one thread, its tiles in one order, so that
   its outputs have the same bits wherever the range runs.  */
void
fgap_rank_pass_range (rr_ctx *c, int trans, size_t a0, size_t a1, const rr_operand *ops,
                      int nops, fgap_attn_count *total)
{
  const size_t nq = c->nq, nk = c->nk, bq = c->bq;
  const size_t inner = fgap_rank_units (c, !trans), base = a0 * (trans ? KEY_BLOCK : bq);
  const int nt = (size_t) c->nt > a1 - a0 ? (int) (a1 - a0) : c->nt;
  uint64_t n_mul = 0, n_add = 0, n_exp = 0;
  fgap_blas_single_enter ();
#pragma omp parallel num_threads (nt) reduction (+:n_mul, n_add, n_exp)
  {
    int me = 0;
#ifdef _OPENMP
    me = omp_get_thread_num ();
#endif
    double *t = c->scratch + (size_t) me * c->per;
    fgap_attn_count cnt = { 0, 0, 0, 0, 0 };
#pragma omp for schedule (dynamic, 1)
    for (size_t a = a0; a < a1; a++)
      for (size_t b = 0; b < inner; b++)
        {
          size_t qi = trans ? b : a, kj = trans ? a : b;
          size_t i0 = qi * bq, j0 = kj * KEY_BLOCK;
          size_t qb = nq - i0 < bq ? nq - i0 : bq, kb = nk - j0 < KEY_BLOCK ? nk - j0 : KEY_BLOCK;
          tile (c, t, i0, qb, j0, kb, &cnt);
          tile_products (t, i0, qb, j0, kb, trans, b == 0, ops, nops, base, &cnt);
        }
    n_mul += cnt.mul;
    n_add += cnt.add;
    n_exp += cnt.exp;
  }
  fgap_blas_single_leave ();
  total->mul += n_mul;
  total->add += n_add;
  total->exp += n_exp;
}

/* y = P x for every operand (trans 0), or y = P^T x (trans 1): here, or on
   the farm.  */
static int
pass (rr_ctx *c, int trans, const rr_operand *ops, int nops)
{
  int rc = FGA_OK;
  if (c->farm != NULL)
    rc = fgap_rank_farm_pass (c, trans, ops, nops, &c->cnt);
  else
    fgap_rank_pass_range (c, trans, 0, fgap_rank_units (c, trans), ops, nops, &c->cnt);
  c->passes++;
  return rc;
}

/* The first pass over the chunks a0 .. a1 - 1: m_i and r_i = 1 / l_i of
   every row, from chunks of whole rows (fgap_softmax_row for the rescaled
   ones).  */
size_t
fgap_rank_stats_range (rr_ctx *c, size_t a0, size_t a1, double *mout, double *rout)
{
  const size_t nq = c->nq, nk = c->nk, d = c->d, sr = c->srows, base = a0 * sr;
  const int nt = (size_t) c->nt > a1 - a0 ? (int) (a1 - a0) : c->nt;
  size_t bad = SIZE_MAX;
  fgap_blas_single_enter ();
#pragma omp parallel for num_threads (nt) schedule (dynamic, 1) reduction (min:bad)
  for (size_t a = a0; a < a1; a++)
    {
      int me = 0;
#ifdef _OPENMP
      me = omp_get_thread_num ();
#endif
      double *S = c->scratch + (size_t) me * c->per;
      const size_t i0 = a * sr, rows = nq - i0 < sr ? nq - i0 : sr;
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) rows, (int) nk, (int) d, 1.0,
                   &FGA_MAT (c->Q, i0, 0), (int) d, c->K->data, (int) d, 0.0, S, (int) nk);
      for (size_t i = 0; i < rows; i++)
        {
          double *s = S + i * nk, l, *m = &mout[i0 + i - base];
          const int k = fgap_qscale_row (&c->qs, i0 + i);
          if (k == 0)
            c->stats (s, nk, c->tau, m, &l);
          else
            {
              fgap_attn_count ignored = { 0, 0, 0, 0, 0 };   /* counted below */
              for (size_t j = 0; j < nk; j++)
                s[j] *= c->tau;
              l = fgap_softmax_row (s, nk, k, m, &ignored);
            }
          rout[i0 + i - base] = 1 / l;
          if (!isfinite (*m) || !isfinite (l))
            bad = i0 + i < bad ? i0 + i : bad;
        }
    }
  fgap_blas_single_leave ();
  return bad;
}

/* The first pass, here or on the farm, counted.  FGA_ERR_COMPUTE for a
   row whose scores overflow (a net: the rescaling prevents it).  */
static int
stats_pass (rr_ctx *c)
{
  const size_t nq = c->nq, nk = c->nk, d = c->d;
  size_t bad = SIZE_MAX;
  int rc = FGA_OK;
  if (c->farm != NULL)
    rc = fgap_rank_farm_stats (c, &bad);
  else
    bad = fgap_rank_stats_range (c, 0, fgap_rank_units (c, FGAP_RANK_CHUNKS), c->m, c->r);
  c->cnt.mul += (uint64_t) nq * nk * (d + 1);
  c->cnt.add += (uint64_t) nq * (nk * (d + 1) - 1);
  c->cnt.exp += (uint64_t) nq * nk;
  c->cnt.div += nq;
  c->cnt.cmp += (uint64_t) nq * (nk - 1);
  c->passes++;
  if (rc != FGA_OK)
    return rc;
  return bad == SIZE_MAX ? FGA_OK : fgap_attn_overflow (fn, bad, c->err);
}
/* ------------------------------------------------------------------ */
/* LAPACK, column-major, its workspace tracked.  */

static int
lapack_fail (rr_ctx *c, const char *what, lapack_int info)
{
  return fgap_error_set (c->err, FGA_ERR_COMPUTE, "%s: LAPACK's %s failed (info %d)", fn, what,
                        (int) info);
}

/* *w: at least `query' doubles (a workspace query's answer).  */
static int
workspace (rr_ctx *c, double query, double **w, lapack_int *lw)
{
  if (!(query >= 1) || query > (double) INT_MAX)
    return fgap_error_set (c->err, FGA_ERR_COMPUTE, "%s: LAPACK asked for %g doubles of "
                          "workspace", fn, query);
  size_t need = (size_t) query;
  if (need > c->ws_len)
    {
      untrack (c, c->ws, c->ws_len, sizeof (double));
      c->ws_len = 0;
      if ((c->ws = track (c, need, sizeof (double), "LAPACK's workspace")) == NULL)
        return FGA_ERR_NOMEM;
      c->ws_len = need;
    }
  *w = c->ws;
  *lw = (lapack_int) c->ws_len;
  return FGA_OK;
}

/* A (m x n, m >= n, leading dimension lda) <- its QR factorisation:
   R above the diagonal, the reflectors below, their factors in tau.  */
static int
qr (rr_ctx *c, size_t m, size_t n, double *A, size_t lda, double *tau)
{
  double query, *w;
  lapack_int lw, info = LAPACKE_dgeqrf_work (LAPACK_COL_MAJOR, (lapack_int) m, (lapack_int) n,
                                             A, (lapack_int) lda, tau, &query, -1);
  int rc = info != 0 ? lapack_fail (c, "dgeqrf", info) : workspace (c, query, &w, &lw);
  if (rc == FGA_OK && (info = LAPACKE_dgeqrf_work (LAPACK_COL_MAJOR, (lapack_int) m,
                                                   (lapack_int) n, A, (lapack_int) lda, tau,
                                                   w, lw)) != 0)
    rc = lapack_fail (c, "dgeqrf", info);
  c->lapack_flops += 2.0 * (double) m * (double) n * (double) n
    - 2.0 * (double) n * (double) n * (double) n / 3;
  return rc;
}

/* A factored by qr <- the n orthonormal columns of its Q.  */
static int
orgqr (rr_ctx *c, size_t m, size_t n, double *A, size_t lda, const double *tau)
{
  double query, *w;
  lapack_int lw, info = LAPACKE_dorgqr_work (LAPACK_COL_MAJOR, (lapack_int) m, (lapack_int) n,
                                             (lapack_int) n, A, (lapack_int) lda, tau, &query,
                                             -1);
  int rc = info != 0 ? lapack_fail (c, "dorgqr", info) : workspace (c, query, &w, &lw);
  if (rc == FGA_OK && (info = LAPACKE_dorgqr_work (LAPACK_COL_MAJOR, (lapack_int) m,
                                                   (lapack_int) n, (lapack_int) n, A,
                                                   (lapack_int) lda, tau, w, lw)) != 0)
    rc = lapack_fail (c, "dorgqr", info);
  c->lapack_flops += 2.0 * (double) m * (double) n * (double) n
    - 2.0 * (double) n * (double) n * (double) n / 3;
  return rc;
}

/* A (m x n) <- H^T A (trans 'T') or H A ('N'), H the product of the first
   k reflectors stored in V (m x k, leading dimension m) with factors tau.  */
static int
reflect (rr_ctx *c, char trans, size_t m, size_t n, size_t k, const double *V,
         const double *tau, double *A)
{
  if (k == 0 || n == 0)
    return FGA_OK;
  double query, *w;
  lapack_int lw, info = LAPACKE_dormqr_work (LAPACK_COL_MAJOR, 'L', trans, (lapack_int) m,
                                             (lapack_int) n, (lapack_int) k, V, (lapack_int) m,
                                             tau, A, (lapack_int) m, &query, -1);
  int rc = info != 0 ? lapack_fail (c, "dormqr", info) : workspace (c, query, &w, &lw);
  if (rc == FGA_OK && (info = LAPACKE_dormqr_work (LAPACK_COL_MAJOR, 'L', trans,
                                                   (lapack_int) m, (lapack_int) n,
                                                   (lapack_int) k, V, (lapack_int) m, tau, A,
                                                   (lapack_int) m, w, lw)) != 0)
    rc = lapack_fail (c, "dormqr", info);
  c->lapack_flops += 4.0 * (double) m * (double) n * (double) k
    - 2.0 * (double) n * (double) k * (double) k;
  return rc;
}

/* s (L values, decreasing) <- the singular values of the L x L upper
   triangle of Bt (leading dimension nk), by dgesdd on a copy.  */
static int
triangle_sv (rr_ctx *c, size_t L, double *s)
{
  double *R = track (c, L * L, sizeof (double), "the triangle of B");
  if (R == NULL)
    return FGA_ERR_NOMEM;
  for (size_t j = 0; j < L; j++)
    for (size_t i = 0; i < L; i++)
      R[i + j * L] = i <= j ? c->Bt[i + j * c->nk] : 0.0;
  int rc = FGA_OK;
  if (c->iws_len < 8 * L)
    {
      untrack (c, c->iws, c->iws_len, sizeof (lapack_int));
      c->iws_len = 0;
      if ((c->iws = track (c, 8 * L, sizeof (lapack_int), "dgesdd's integers")) == NULL)
        rc = FGA_ERR_NOMEM;
      else
        c->iws_len = 8 * L;
    }
  double query, *w, dummy[1];
  lapack_int lw, info = 0;
  if (rc == FGA_OK)
    {
      info = LAPACKE_dgesdd_work (LAPACK_COL_MAJOR, 'N', (lapack_int) L, (lapack_int) L, R,
                                  (lapack_int) L, s, dummy, 1, dummy, 1, &query, -1, c->iws);
      rc = info != 0 ? lapack_fail (c, "dgesdd", info) : workspace (c, query, &w, &lw);
    }
  if (rc == FGA_OK && (info = LAPACKE_dgesdd_work (LAPACK_COL_MAJOR, 'N', (lapack_int) L,
                                                   (lapack_int) L, R, (lapack_int) L, s, dummy,
                                                   1, dummy, 1, w, lw, c->iws)) != 0)
    rc = lapack_fail (c, "dgesdd", info);
  c->lapack_flops += 8.0 * (double) L * (double) L * (double) L / 3;
  untrack (c, R, L * L, sizeof (double));
  return rc;
}

/* ------------------------------------------------------------------ */
/* The basis Q and the rows of B.  */

/* Room for `want' columns in Qf, Bt and their factors (the l first kept). */
static int
grow (rr_ctx *c, size_t want)
{
  if (want <= c->cap)
    return FGA_OK;
  double **arr[2] = { &c->Qf, &c->Bt }, **taus[2] = { &c->tauQ, &c->tauB };
  const size_t rows[2] = { c->nq, c->nk };
  for (int a = 0; a < 2; a++)
    {
      double *M = track (c, rows[a] * want, sizeof (double), "the sketch");
      double *t = M == NULL ? NULL : track (c, want, sizeof (double), "the sketch's factors");
      if (t == NULL)
        {
          untrack (c, M, rows[a] * want, sizeof (double));
          return FGA_ERR_NOMEM;
        }
      if (c->l > 0)
        {
          memcpy (M, *arr[a], rows[a] * c->l * sizeof (double));
          memcpy (t, *taus[a], c->l * sizeof (double));
        }
      untrack (c, *arr[a], rows[a] * c->cap, sizeof (double));
      untrack (c, *taus[a], c->cap, sizeof (double));
      *arr[a] = M;
      *taus[a] = t;
    }
  c->cap = want;
  return FGA_OK;
}

/* y (nq x n) <- (I - Q Q^T) y for the basis Q of l columns: H^T y, its
   first l rows (the components along Q) set to 0, then H.  */
static int
project_out (rr_ctx *c, double *y, size_t n)
{
  const size_t nq = c->nq, l = c->l;
  int rc = reflect (c, 'T', nq, n, l, c->Qf, c->tauQ, y);
  for (size_t j = 0; j < n && rc == FGA_OK; j++)
    memset (y + j * nq, 0, l * sizeof (double));
  return rc == FGA_OK ? reflect (c, 'N', nq, n, l, c->Qf, c->tauQ, y) : rc;
}

/* Y (nq x b) <- an orthonormal basis of (I - Q Q^T) Y: H^T Y with its
   first l rows dropped, a Householder QR of the other nq - l rows, the
   columns of its Q made explicit and put back by H.  Orthogonal to Q to
   working precision, whatever the rank of Y.  With keep, the block's
   reflectors become columns l .. l + b of the factored basis (as a QR of
   [Q, Y] would leave them) and the basis grows to l + b columns.  */
static int
orth_block (rr_ctx *c, double *Y, size_t b, int keep)
{
  const size_t nq = c->nq, l = c->l;
  double *tau = c->tauQ + l;
  int rc = reflect (c, 'T', nq, b, l, c->Qf, c->tauQ, Y);
  if (rc == FGA_OK)
    rc = qr (c, nq - l, b, Y + l, nq, tau);
  if (rc == FGA_OK && keep)
    for (size_t j = 0; j < b; j++)
      memcpy (c->Qf + (l + j) * nq + l, Y + j * nq + l, (nq - l) * sizeof (double));
  if (rc == FGA_OK)
    rc = orgqr (c, nq - l, b, Y + l, nq, tau);
  for (size_t j = 0; j < b && rc == FGA_OK; j++)
    memset (Y + j * nq, 0, l * sizeof (double));
  if (rc == FGA_OK)
    rc = reflect (c, 'N', nq, b, l, c->Qf, c->tauQ, Y);
  if (rc == FGA_OK && keep)
    c->l = l + b;
  return rc;
}

/* Columns l0 .. l0 + b of Bt hold the new rows of B, transposed: fold
   them into the QR factorisation of B^T (the old reflectors applied, then
   a QR of the rows below l0), and s <- the l0 + b singular values of its
   triangle, those of B.  */
static int
b_update (rr_ctx *c, size_t l0, size_t b, double *s)
{
  const size_t nk = c->nk;
  double *C = c->Bt + l0 * nk;
  int rc = reflect (c, 'T', nk, b, l0, c->Bt, c->tauB, C);
  if (rc == FGA_OK)
    rc = qr (c, nk - l0, b, C + l0, nk, c->tauB + l0);
  return rc == FGA_OK ? triangle_sv (c, l0 + b, s) : rc;
}

/* ------------------------------------------------------------------ */
/* The sketch, round by round, and its certificate.  */

typedef struct
{
  const double *tol;
  double tol_min;              /* the least of them */
  size_t ntol, kmax, lmax, rmax;
  unsigned q;
  double *s;                   /* the l singular values of B */
  double *W, *PW, *x1, *Y;     /* probes W (nk x r) and P W (nq x r); P^T y1 (nk x r);
                                  the block and its probes (nq x (b + r)) */
  size_t ycols;
  double wn[PROBES], y1n[PROBES], x1n[PROBES];
  double E, rho, S;            /* the residual's bound, the rounding, S >= ||P||_2 */
  unsigned estimates, rounds;
  double R;                    /* the score radius, for rho */
} rr_sketch;

/* lo = #{s_i - rho > tol}, hi = #{sqrt (s_i^2 + E^2) + rho > tol}, and
   every dimension beyond the sketch when E + rho > tol: lo <= rank <= hi. */
static void
bracket (size_t *lo, size_t *hi, const rr_sketch *k, size_t l, double E, double tol)
{
  size_t a = 0, b = 0;
  for (size_t i = 0; i < l; i++)
    {
      a += k->s[i] - k->rho > tol;
      b += hypot (k->s[i], E) + k->rho > tol;
    }
  if (E + k->rho > tol)
    b += k->rmax - l;
  *lo = a;
  *hi = b;
}

/* Whether, were E the residual's bound, no tolerance would need more of
   the sketch: each decided, or its rank certainly above kmax.  */
static int
settled (const rr_sketch *k, size_t l, double E)
{
  for (size_t t = 0; t < k->ntol; t++)
    {
      size_t lo, hi;
      bracket (&lo, &hi, k, l, E, k->tol[t]);
      if (lo != hi && lo <= k->kmax)
        return 0;
    }
  return 1;
}

static double
max_of (const double *x, const double *e, size_t n)
{
  double m = 0;
  for (size_t j = 0; j < n; j++)
    m = fmax (m, x[j] + e[j]);
  return m;
}

/* The column norms of y (rows x n, leading dimension rows).  */
static void
norms (rr_ctx *c, double *nrm, const double *y, size_t rows, size_t n)
{
  for (size_t j = 0; j < n; j++)
    nrm[j] = cblas_dnrm2 ((int) rows, y + j * rows, 1);
  c->lapack_flops += 2.0 * (double) rows * (double) n;
}

/* One more power of the residual on the probes: x = P^T y, which is
   R^T y since y lies in the range of I - Q Q^T (the first x came with the
   pass that formed the new rows of B), then y = (I - Q Q^T) P x, projected
   twice, into y.  ny: the norms of y, ey: their first-order errors, the
   old ones carried by the current E >= ||R||, the fresh ones by S.  */
static int
probe_step (rr_ctx *c, rr_sketch *k, double *y, double *ny, double *ey, int first)
{
  const size_t r = PROBES;
  const double u = U_ROUND, sweep = (double) c->nk + 20.0 * (double) c->l;
  if (!first)
    {
      rr_operand up = { y, k->x1, c->nq, c->nk, r };
      int rc = pass (c, 1, &up, 1);
      if (rc != FGA_OK)
        return rc;
      norms (c, k->x1n, k->x1, c->nk, r);
    }
  double ex[PROBES];
  for (size_t j = 0; j < r; j++)
    ex[j] = u * (double) c->nq * k->S * ny[j] + k->E * ey[j];
  rr_operand down = { k->x1, y, c->nk, c->nq, r };
  int rc = pass (c, 0, &down, 1);
  if (rc == FGA_OK)
    rc = project_out (c, y, r);
  if (rc == FGA_OK)
    rc = project_out (c, y, r);
  norms (c, ny, y, c->nq, r);
  for (size_t j = 0; j < r; j++)
    ey[j] = u * k->S * k->x1n[j] * sweep + k->E * ex[j];
  return rc;
}

/* rho, and E from the probes: E0 = alpha sqrt (2 / pi) max ||y1_j + e_j||
   at no cost; when it leaves a tolerance undecided, E_t from
   R (R^T R)^t for t = 1, 2, ... up to PROBE_POWERS (one pass for t = 1,
   two for each further t), stopping when the tolerances are settled or
   when even the lower bound max ||R x_j|| / ||x_j|| of ||R|| could not
   settle them.  */
static int
certify (rr_ctx *c, rr_sketch *k)
{
  const size_t l = c->l, r = PROBES;
  const double cst = ALPHA * sqrt (2 / M_PI), u = U_ROUND, sl = sqrt ((double) l);
  double ny[PROBES], ey[PROBES];
  memset (ey, 0, sizeof ey);
  k->S = k->s[0] + cst * max_of (k->y1n, ey, r);
  k->rho = u * k->S * (2 * ((double) c->d + 3) * k->R + (double) c->nk + 5
                       + ((double) c->nq + (double) c->nk + 10.0 * (double) l) * sl);
  for (size_t j = 0; j < r; j++)
    ey[j] = u * k->S * k->wn[j] * ((double) c->nk + 20.0 * (double) l);
  k->E = cst * max_of (k->y1n, ey, r);
  k->estimates++;
  if (!(k->E >= 0))
    k->E = INFINITY;
  /* the powers cannot help while every s_i is above some tolerance (the
     rank is at least l there, and the next round grows the sketch anyway),
     except in the last round, where they give the best bracket there is */
  if (settled (k, l, k->E) || (l < k->lmax && k->s[l - 1] - k->rho > k->tol_min))
    return FGA_OK;
  memcpy (ny, k->y1n, sizeof ny);
  for (int t = 1; t <= PROBE_POWERS; t++)
    {
      int rc = probe_step (c, k, k->Y, ny, ey, t == 1);
      if (rc != FGA_OK)
        return rc;
      double lower = 0, Et = pow (cst * max_of (ny, ey, r), 1.0 / (2 * t + 1));
      for (size_t j = 0; j < r; j++)
        if (k->x1n[j] > 0)
          lower = fmax (lower, ny[j] / k->x1n[j]);
      k->estimates++;
      if (Et < k->E)
        k->E = Et;
      if (settled (k, l, k->E) || !settled (k, l, lower))
        break;
    }
  return FGA_OK;
}

/* Room for the block and its probes: Y, nq x (b + r).  */
static int
block_room (rr_ctx *c, rr_sketch *k, size_t b)
{
  if (b + PROBES <= k->ycols)
    return FGA_OK;
  untrack (c, k->Y, c->nq * k->ycols, sizeof (double));
  k->ycols = 0;
  if ((k->Y = track (c, c->nq * (b + PROBES), sizeof (double), "a block of the sketch")) == NULL)
    return FGA_ERR_NOMEM;
  k->ycols = b + PROBES;
  return FGA_OK;
}

/* One block of b columns: Y = P Omega (with P W in the first round), q
   power iterations, the basis grown by the block, the probes' residuals
   y1 = (I - Q Q^T) P W, then one pass for the new rows of B and
   x1 = P^T y1, and the singular values of B.  The columns of Bt reserved
   for the new rows hold Omega and the power iterations' P^T Y meanwhile. */
static int
round_block (rr_ctx *c, rr_sketch *k, rr_rng *g, size_t b)
{
  const size_t nq = c->nq, nk = c->nk, l0 = c->l, r = PROBES;
  const unsigned q = l0 + b == k->rmax ? 0 : k->q;
  int rc = grow (c, l0 + b);
  if (rc == FGA_OK)
    rc = block_room (c, k, b);
  if (rc != FGA_OK)
    return rc;
  double *C = c->Bt + l0 * nk, *Y = k->Y;
  rng_gauss (g, C, nk * b);
  rr_operand first[2] = { { C, Y, nk, nq, b }, { k->W, k->PW, nk, nq, r } };
  rc = pass (c, 0, first, k->W != NULL ? 2 : 1);
  if (k->W != NULL)
    {
      untrack (c, k->W, nk * r, sizeof (double));
      k->W = NULL;
    }
  if (rc == FGA_OK)
    rc = orth_block (c, Y, b, q == 0);
  for (unsigned it = 0; it < q && rc == FGA_OK; it++)
    {
      rr_operand up = { Y, C, nq, nk, b }, down = { C, Y, nk, nq, b };
      rc = pass (c, 1, &up, 1);
      if (rc == FGA_OK)
        rc = qr (c, nk, b, C, nk, c->tauB + l0);
      if (rc == FGA_OK)
        rc = orgqr (c, nk, b, C, nk, c->tauB + l0);
      if (rc == FGA_OK)
        rc = pass (c, 0, &down, 1);
      if (rc == FGA_OK)
        rc = orth_block (c, Y, b, it + 1 == q);
    }
  double *y1 = Y + b * nq;
  if (rc == FGA_OK)
    {
      memcpy (y1, k->PW, nq * r * sizeof (double));
      rc = project_out (c, y1, r);
      if (rc == FGA_OK)
        rc = project_out (c, y1, r);
    }
  if (rc != FGA_OK)
    return rc;
  norms (c, k->y1n, y1, nq, r);
  rr_operand last[2] = { { Y, C, nq, nk, b }, { y1, k->x1, nq, nk, r } };
  if ((rc = pass (c, 1, last, 2)) != FGA_OK)
    return rc;
  norms (c, k->x1n, k->x1, nk, r);
  k->rounds++;
  return b_update (c, l0, b, k->s);
}

/* Rounds until every tolerance is settled or the sketch reaches lmax:
   FIRST_BLOCK columns, then doubling.  */
static int
sketch (rr_ctx *c, rr_sketch *k, unsigned long seed)
{
  rr_rng g;
  uint64_t x = (uint64_t) seed;
  for (int a = 0; a < 4; a++)
    g.s[a] = splitmix (&x);
  rng_gauss (&g, k->W, c->nk * PROBES);
  norms (c, k->wn, k->W, c->nk, PROBES);
  for (;;)
    {
      size_t b = c->l == 0 ? FIRST_BLOCK : c->l;
      if (b > k->lmax - c->l)
        b = k->lmax - c->l;
      int rc = round_block (c, k, &g, b);
      for (size_t i = 0; i < c->l && rc == FGA_OK; i++)
        if (!isfinite (k->s[i]))
          rc = fgap_error_set (c->err, FGA_ERR_COMPUTE, "%s: a singular value of the sketch "
                              "is not finite", fn);
      if (rc == FGA_OK)
        rc = certify (c, k);
      if (rc != FGA_OK || c->l == k->lmax || settled (k, c->l, k->E))
        return rc;
    }
}

/* est[t] from the final sketch: the bracket's lo when it is decided and at
   most kmax, else censored at min (lo, kmax).  */
static void
estimates (fga_rank_estimate *est, const rr_sketch *k, size_t l)
{
  for (size_t t = 0; t < k->ntol; t++)
    {
      size_t lo, hi;
      bracket (&lo, &hi, k, l, k->E, k->tol[t]);
      est[t].censored = lo != hi || lo > k->kmax;
      est[t].rank = lo < k->kmax ? lo : k->kmax;
      est[t].rank_hi = hi;
      size_t rk = est[t].rank;
      est[t].sigma_rank = rk > 0 ? k->s[rk - 1] : NAN;
      est[t].sigma_next = rk < l ? k->s[rk] : rk == k->rmax ? 0.0 : NAN;
    }
}

/* ------------------------------------------------------------------ */
/* The entry point.  */

static int
check_args (const fga_rank_estimate *est, const double *tol, size_t ntol, fga_mat_srcptr Q,
            fga_mat_srcptr K, double tau, const fga_rank_opts *o, fga_error *err)
{
  if (est == NULL || tol == NULL || Q == NULL || K == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: est, tol, Q and K must not be NULL", fn);
  if (ntol == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: no tolerance given", fn);
  for (size_t t = 0; t < ntol; t++)
    if (!(tol[t] >= 0) || !isfinite (tol[t]))
      return fgap_error_set (err, FGA_ERR_INPUT, "%s: tolerance %zu is %g: it must be finite "
                            "and >= 0", fn, t, tol[t]);
  int rc;
  if ((rc = fgap_check_qk (fn, Q, K, tau, err)) != FGA_OK)
    return rc;
  if (Q->rows > INT_MAX || K->rows > INT_MAX || Q->cols > INT_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: Q is %zu x %zu and K %zu x %zu, beyond the "
                          "int sizes of BLAS and LAPACK", fn, Q->rows, Q->cols, K->rows, K->cols);
  if (o != NULL && o->power_iters > FGA_RANK_MAX_POWER && o->power_iters != FGA_RANK_NO_POWER)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: power_iters = %u is above %u", fn,
                          o->power_iters, FGA_RANK_MAX_POWER);
  if (o != NULL && o->oversample > FGA_RANK_MAX_OVERSAMPLE)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: oversample = %zu is above %zu", fn,
                          o->oversample, FGA_RANK_MAX_OVERSAMPLE);
  if (o != NULL && o->block_rows > FGA_RANK_MAX_BLOCK)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: block_rows = %zu is above %zu", fn,
                          o->block_rows, FGA_RANK_MAX_BLOCK);
  fga_error local;
  if ((rc = fga_mat_check_finite (Q, "Q", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (K, "K", &local)) != FGA_OK)
    return fgap_error_set (err, rc, "%s: %s", fn, local.msg);
  return FGA_OK;
}

/* The options with their defaults resolved, into the context and k.  */
static void
resolve (rr_ctx *c, rr_sketch *k, const fga_rank_opts *o)
{
  const fga_rank_opts none = { 0, 0, 0, 0, 0 };
  if (o == NULL)
    o = &none;
  k->rmax = c->nq < c->nk ? c->nq : c->nk;
  k->kmax = o->kmax != 0 ? o->kmax : DEFAULT_KMAX;
  if (k->kmax > k->rmax)
    k->kmax = k->rmax;
  k->q = o->power_iters == 0 ? 1 : o->power_iters == FGA_RANK_NO_POWER ? 0 : o->power_iters;
  size_t p = o->oversample != 0 ? o->oversample : DEFAULT_OVERSAMPLE;
  k->lmax = k->rmax - k->kmax < p ? k->rmax : k->kmax + p;
  c->bq = o->block_rows != 0 ? o->block_rows : DEFAULT_BLOCK;
  c->srows = STATS_DOUBLES / c->nk;
  c->srows = c->srows < 1 ? 1 : c->srows > c->bq ? c->bq : c->srows;
}

/* tau max_i ||q_i||_1 max|K| >= tau max_ij sum_t |q_it k_jt|, for rho.  */
static double
score_radius (fga_mat_srcptr Q, fga_mat_srcptr K, double tau)
{
  double q1 = 0;
  for (size_t i = 0; i < Q->rows; i++)
    {
      double a = 0;
      for (size_t t = 0; t < Q->cols; t++)
        a += fabs (FGA_MAT (Q, i, t));
      q1 = fmax (q1, a);
    }
  return tau * q1 * fga_mat_max_abs (K);
}

/* What every process needs for the passes: the row statistics and the
   threads' tiles; the master (or the one process) also the probes.  */
static int
setup (rr_ctx *c, rr_sketch *k, int master)
{
  const size_t nq = c->nq, nk = c->nk, r = PROBES;
  size_t units = fgap_rank_units (c, 0), kunits = fgap_rank_units (c, 1);
  c->nt = fgap_attn_threads (nq, nk, c->d, FIRST_BLOCK, units > kunits ? units : kunits);
  c->per = c->bq * KEY_BLOCK > c->srows * nk ? c->bq * KEY_BLOCK : c->srows * nk;
  c->stats = generic_stats;
  c->fill = generic_fill;
#if FGA_ATTN_X86
  int isa = fgap_attn_isa ();
  if (isa >= FGA_ISA_AVX2)
    {
      c->stats = isa == FGA_ISA_AVX512 ? avx512_stats : avx2_stats;
      c->fill = isa == FGA_ISA_AVX512 ? avx512_fill : avx2_fill;
    }
#endif
  if ((c->m = track (c, nq, sizeof (double), "the row maxima")) == NULL
      || (c->r = track (c, nq, sizeof (double), "the row sums")) == NULL
      || (c->scratch = track (c, c->per * (size_t) c->nt, sizeof (double), "tiles of P")) == NULL)
    return FGA_ERR_NOMEM;
  if (master
      && ((k->s = track (c, k->lmax, sizeof (double), "singular values")) == NULL
          || (k->W = track (c, nk * r, sizeof (double), "the probes")) == NULL
          || (k->PW = track (c, nq * r, sizeof (double), "the probes")) == NULL
          || (k->x1 = track (c, nk * r, sizeof (double), "the probes")) == NULL))
    return FGA_ERR_NOMEM;
  return FGA_OK;
}

static void
release (rr_ctx *c, rr_sketch *k)
{
  const size_t nq = c->nq, nk = c->nk, r = PROBES;
  untrack (c, k->Y, nq * k->ycols, sizeof (double));
  untrack (c, k->x1, nk * r, sizeof (double));
  untrack (c, k->PW, nq * r, sizeof (double));
  untrack (c, k->W, nk * r, sizeof (double));
  untrack (c, k->s, k->lmax, sizeof (double));
  untrack (c, c->scratch, c->per * (size_t) c->nt, sizeof (double));
  untrack (c, c->r, nq, sizeof (double));
  untrack (c, c->m, nq, sizeof (double));
  untrack (c, c->Qf, nq * c->cap, sizeof (double));
  untrack (c, c->Bt, nk * c->cap, sizeof (double));
  untrack (c, c->tauQ, c->cap, sizeof (double));
  untrack (c, c->tauB, c->cap, sizeof (double));
  untrack (c, c->ws, c->ws_len, sizeof (double));
  untrack (c, c->iws, c->iws_len, sizeof (lapack_int));
  fgap_qscale_clear (&c->qs, &c->mt);
}

static void
store_stats (fga_stats *st, const rr_ctx *c, const rr_sketch *k)
{
  if (st == NULL)
    return;
  fgap_attn_count_store (st, &c->cnt, c->mt.peak, c->nt);
  fga_stats_set (st, "lapack_flops", c->lapack_flops);
  fga_stats_set (st, "cols", (double) c->l);
  fga_stats_set (st, "rounds", (double) k->rounds);
  fga_stats_set (st, "passes", (double) c->passes);
  fga_stats_set (st, "sigma_1", c->l > 0 ? k->s[0] : NAN);
  fga_stats_set (st, "sigma_min", c->l > 0 ? k->s[c->l - 1] : NAN);
  fga_stats_set (st, "residual", k->E);
  fga_stats_set (st, "rounding", k->rho);
  fga_stats_set (st, "fail_prob", (double) k->estimates * pow (ALPHA, -(double) PROBES));
}

int
fgap_rank_run (fga_rank_estimate *est, const double *tol, size_t ntol, fga_mat_srcptr Q,
               fga_mat_srcptr K, double tau, const fga_rank_opts *opts, fga_stats *st,
               const fga_farm *farm, fga_error *err)
{
  fga_error own;
  fga_error_init (&own);
  if (err == NULL)
    err = &own;                /* a farm's master sends its message to the workers */
  int rc = check_args (est, tol, ntol, Q, K, tau, opts, err);
  if (rc != FGA_OK)
    return rc;
  fgap_blas_ready ();
  rr_ctx c;
  rr_sketch k;
  memset (&c, 0, sizeof c);
  memset (&k, 0, sizeof k);
  c.nq = Q->rows;
  c.nk = K->rows;
  c.d = Q->cols;
  c.tau = tau;
  c.K = K;
  c.err = err;
  c.nt = 1;
  c.farm = farm;
  fgap_memtrack_init (&c.mt);
  k.tol = tol;
  k.ntol = ntol;
  k.tol_min = tol[0];
  for (size_t t = 1; t < ntol; t++)
    k.tol_min = fmin (k.tol_min, tol[t]);
  k.E = k.rho = NAN;
  resolve (&c, &k, opts);
  k.R = score_radius (Q, K, tau);
  const int master = farm == NULL || farm->is_master (farm);
  if (k.rmax == 0)
    {
      /* nq = 0 or nk = 0: P has rank 0, and no process passes over it */
      if (master)
        {
          estimates (est, &k, 0);
          store_stats (st, &c, &k);
        }
      return FGA_OK;
    }
  if ((rc = fgap_qscale_init (&c.qs, &Q, K, tau, &c.mt, fn, err)) == FGA_OK)
    {
      c.Q = Q;
      rc = setup (&c, &k, master);
    }
  if (!master)
    rc = rc == FGA_OK ? fgap_rank_farm_worker (&c) : rc;
  else
    {
      if (rc == FGA_OK)
        rc = stats_pass (&c);
      /* The sketch's own linear algebra (the QR factorisations, their
         reflectors, the SVD of the triangle) on one BLAS thread too, as
         the passes are: a threaded LAPACK splits its products by the
         number of threads, and the last bits of the estimates followed
         it (sigma_1 differed in the 16th digit between 1 and 2 threads).
         These are the small operations beside the passes.  */
      fgap_blas_single_enter ();
      if (rc == FGA_OK)
        rc = sketch (&c, &k, opts != NULL ? opts->seed : 0);
      fgap_blas_single_leave ();
      if (farm != NULL)
        rc = fgap_rank_farm_end (&c, rc);
      if (rc == FGA_OK)
        estimates (est, &k, c.l);
      store_stats (st, &c, &k);
      if (st != NULL)
        st->peak_bytes = c.mt.peak;
    }
  release (&c, &k);
  return rc;
}

int
fga_attention_rank_randomized (fga_rank_estimate *est, const double *tol, size_t ntol,
                               fga_mat_srcptr Q, fga_mat_srcptr K, double tau,
                               const fga_rank_opts *opts, fga_stats *st, fga_error *err)
{
  return fgap_rank_run (est, tol, ntol, Q, K, tau, opts, st, NULL, err);
}
