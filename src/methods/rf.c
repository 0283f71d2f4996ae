/* fgap_method_rf -- Performer-style random features: positive, hyperbolic and trigonometric

   With x = tau^{1/2} q, y = tau^{1/2} k and a feature map phi whose inner
   products are unbiased for exp (x^T y) (fgattn.h, "Random features"), the
   method returns

     T = diag (Phi_Q (Phi_K^T 1))^{-1} Phi_Q (Phi_K^T V),

   the Performer estimate of attention, in O ((nq + nk) M (d + dv)) time for
   M = m (pos) or 2m (hyp, trig) features.  prepare draws W (m x d) from the
   seed and scales it by tau^{1/2}, so a method object gives the same output
   on every run, and the same seed the same output always.

   Stabilisation.  The entries of phi are exp (a) for exponents a that
   reach ||x|| ||w|| and more: with scores of 50 they overflow or vanish in
   double.  The products that matter are exp (a_il + b_jl), a from the
   query and b from the key, so the method keeps log-scales instead of
   values:
   - each feature l of the keys is divided by exp (c_l), c_l = max_j b_jl
     (pos, hyp), or every key by exp (max_j ||y_j||^2/2) (trig, whose other
     factors cos and sin are bounded), so that the largest key entry of each
     column is exactly 1 and none overflows;
   - c_l is added to the query's exponent a_il, and each query row is
     divided by exp (M_i), M_i = max_l (a_il + c_l), which cancels between
     numerator and denominator (and so do the factors exp (-||x||^2/2),
     m^{-1/2} and exp (||x||^2/2) of the query, which are never computed).
   This is exact algebra, not an epsilon: every product exp (a_il + b_jl)
   is represented, up to the common factor exp (M_i), by one query entry in
   (0, 1] times one key entry in (0, 1].  For pos and hyp the query entry
   attaining M_i is 1 and its column sum over the keys is at least 1, so
   every denominator is at least 1 even in floating point: no row can
   underflow to 0/0, whatever the scores.  (A single maximum over all keys,
   the classical Performer scale, is the special case c_l = max_l' c_l';
   it lets a column whose keys all sit far below the global maximum vanish,
   which the per-feature scale cannot.)  The trigonometric kind is not
   positive: a denominator can be zero or negative; such rows are counted in
   the stats (nonpos_rows) and in the notes, and still return the ratio;
   but such a row has no log-sum-exp, and when lse is asked for the run is
   refused (FGA_ERR_COMPUTE, naming the first such row), as it is when an
   lse overflows the double range.

   Determinism.  Keys are processed in slices of `slice' rows of W (all
   keys, the slice's features), queries in blocks of `block' rows; both
   sizes depend only on the shape, every dgemm is called with OpenBLAS on
   one thread, and every output entry is computed by the same operations
   whichever OpenMP thread takes its slice or block: the output is the same
   bits for any number of threads.  The internal order of the features
   groups the two halves of hyp and trig by slice; the order does not change
   any sum of the method other than by being fixed.

   Operation counts (exact, counted where the work is done; f = 1 for pos,
   2 for hyp and trig, M = f m, ld = dv + 1, L = 1 when lse is asked for; a
   dgemm of a x c times c x b counts a b c mul and a b (c - 1) add; cos and
   sin count as exp, log as exp, negation nothing):
     mul = nk (d + 1) + (nk + nq) m d + M ld (nk + nq) + L nq (d + 1)
           + [trig] 2 nk m
     add = nk (d - 1) + (nk + nq) m (d - 1) + M ld (nk - 1) + nq ld (M - 1)
           + L nq (d + 2) + [pos, hyp] 2 M (nk + nq) + [trig] nk
     exp = M (nk + nq) + L nq + [trig] nk
     div = nq dv
     cmp = [pos, hyp] M (nk - 1) + nq (M - 1);  [trig] nk - 1
   The checks of the input (finiteness) are not counted, as in the exact
   kernels.  */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"
#include "methods/method-impl.h"
#include "kernels/attention-util.h"

#include <limits.h>
#include <stdint.h>
#include <cblas.h>
#include <lapacke.h>
#ifdef _OPENMP
# include <omp.h>
#endif

enum { KIND_POS = FGA_RF_POS, KIND_HYP = FGA_RF_HYP, KIND_TRIG = FGA_RF_TRIG };

/* The most features (M = m or 2m) a method may have: far beyond any use
   (the estimate's error is already ~ 1/sqrt(M) ~ 1e-3 there), and small
   enough that every size fits the int of CBLAS.  */
#define RF_FEATURES_MAX ((size_t) 1 << 20)

/* 2^53 - 1: the largest seed the parameter parser (doubles) holds exactly. */
#define RF_SEED_MAX 9007199254740991.0

static const fga_param_info rf_params[] = {
  { "m", FGA_PARAM_INT, "256", 1, (double) RF_FEATURES_MAX, NULL, NULL,
    "number of random projections w_l (features: m for pos, 2m for hyp and trig)" },
  { "kind", FGA_PARAM_CHOICE, "pos", 0, 0, "pos|hyp|trig", NULL,
    "pos: exp(Wx - |x|^2/2); hyp: both signs of Wx; trig: cos and sin of Wx (not positive)" },
  { "orth", FGA_PARAM_INT, "0", 0, 1, NULL, NULL,
    "0: iid Gaussian rows of W; 1: orthogonal d x d blocks, rows rescaled by chi_d norms" },
  { "seed", FGA_PARAM_INT, "1", 0, RF_SEED_MAX, NULL, NULL,
    "seed of GMP's random state for W" },
  { NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

/* ------------------------------------------------------------------ */
/* The features of one vector, and the draw of W.  */

size_t
fgap_rf_dim (fga_rf_kind kind, size_t m)
{
  return kind == FGA_RF_POS ? m : 2 * m;
}

/* One standard normal, rounded to nearest double: mpfr_nrandom draws the
   same bits from the same state on every machine.  */
static double
normal (gmp_randstate_t rs, mpfr_ptr t)
{
  mpfr_nrandom (t, rs, MPFR_RNDN);
  return mpfr_get_d (t, MPFR_RNDN);
}

/* The Euclidean norm of d fresh standard normals: a chi_d variable.  */
static double
chi_norm (size_t d, gmp_randstate_t rs, mpfr_ptr t)
{
  double s = 0;
  for (size_t k = 0; k < d; k++)
    {
      double g = normal (rs, t);
      s += g * g;
    }
  return sqrt (s);
}

/* The d x d Q factor of a Gaussian G, in place (tauv holds 2d doubles),
   with its columns multiplied by the signs of R's diagonal: that is the Q
   of the decomposition whose R has a positive diagonal, which is Haar
   distributed (Mezzadri 2007), so every row is uniform on the sphere
   whatever signs LAPACK's Householder reflections chose.  */
static int
haar_block (double *G, double *tauv, size_t d, fga_error *err)
{
  lapack_int n = (lapack_int) d;
  lapack_int info = LAPACKE_dgeqrf (LAPACK_ROW_MAJOR, n, n, G, n, tauv);
  if (info != 0)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "fgap_rf_draw: LAPACKE_dgeqrf failed (info %d)",
                          (int) info);
  /* the signs are read before dorgqr overwrites R */
  double *sign = tauv + d;
  for (size_t i = 0; i < d; i++)
    sign[i] = G[i * d + i] < 0 ? -1.0 : 1.0;
  info = LAPACKE_dorgqr (LAPACK_ROW_MAJOR, n, n, n, G, n, tauv);
  if (info != 0)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "fgap_rf_draw: LAPACKE_dorgqr failed (info %d)",
                          (int) info);
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++)
      G[i * d + j] *= sign[j];
  return FGA_OK;
}

/* Draws, in this order from one state: orth = 0, the m d entries of W
   row by row; orth = 1, for each block of d rows (the last one possibly
   cut), the d x d Gaussian matrix row by row, then for each row of the
   block that is used, d normals whose norm rescales it.  */
int
fgap_rf_draw (double *W, size_t m, size_t d, int orth, unsigned long seed, fga_error *err)
{
  size_t count;
  if (W == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "fgap_rf_draw: W must not be NULL");
  if (m == 0 || d == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "fgap_rf_draw: m = %zu and d = %zu must be "
                          "positive", m, d);
  if (orth != 0 && orth != 1)
    return fgap_error_set (err, FGA_ERR_INPUT, "fgap_rf_draw: orth = %d is neither 0 nor 1", orth);
  if (fgap_size_mul (&count, m, d) || count > SIZE_MAX / sizeof (double))
    return fgap_error_set (err, FGA_ERR_INPUT, "fgap_rf_draw: m x d = %zu x %zu does not fit "
                          "in memory", m, d);
  if (orth && d > 4096)
    return fgap_error_set (err, FGA_ERR_INPUT, "fgap_rf_draw: orth = 1 takes d x d blocks: "
                          "d = %zu is above 4096", d);

  double *G = NULL, *tauv = NULL;
  if (orth)
    {
      G = fgap_alloc (d * d * sizeof (double), "a d x d Gaussian block", err);
      tauv = G != NULL ? fgap_alloc (2 * d * sizeof (double), "the Householder scalars", err)
        : NULL;
      if (tauv == NULL)
        {
          fgap_free (G);
          return FGA_ERR_NOMEM;
        }
    }

  /* The draws must not depend on the caller's MPFR exponent range, and the
     caller's flags are theirs.  */
  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  gmp_randstate_t rs;
  mpfr_t t;
  gmp_randinit_default (rs);
  gmp_randseed_ui (rs, seed);
  mpfr_init2 (t, 53);

  int rc = FGA_OK;
  if (!orth)
    for (size_t k = 0; k < count; k++)
      W[k] = normal (rs, t);
  else
    for (size_t r0 = 0; r0 < m && rc == FGA_OK; r0 += d)
      {
        for (size_t k = 0; k < d * d; k++)
          G[k] = normal (rs, t);
        if ((rc = haar_block (G, tauv, d, err)) != FGA_OK)
          break;
        size_t rows = m - r0 < d ? m - r0 : d;
        for (size_t i = 0; i < rows; i++)
          {
            double s = chi_norm (d, rs, t);
            for (size_t j = 0; j < d; j++)
              W[(r0 + i) * d + j] = s * G[i * d + j];
          }
      }

  mpfr_clear (t);
  gmp_randclear (rs);
  fgap_mpfr_state_restore (&st);
  fgap_free (G);
  fgap_free (tauv);
  return rc;
}

int
fgap_rf_phi (double *phi, fga_rf_kind kind, const double *W, size_t m, size_t d,
            const double *x, fga_error *err)
{
  if ((unsigned) kind > FGA_RF_TRIG)
    return fgap_error_set (err, FGA_ERR_INPUT, "fgap_rf_phi: unknown kind %d", (int) kind);
  if (m == 0 || d == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "fgap_rf_phi: m = %zu and d = %zu must be "
                          "positive", m, d);
  double h = 0;
  for (size_t j = 0; j < d; j++)
    h += x[j] * x[j];
  h /= 2;
  for (size_t l = 0; l < m; l++)
    {
      double u = 0;
      for (size_t j = 0; j < d; j++)
        u += W[l * d + j] * x[j];
      switch (kind)
        {
        case FGA_RF_POS:
          phi[l] = exp (u - h) / sqrt ((double) m);
          break;
        case FGA_RF_HYP:
          phi[l] = exp (u - h) / sqrt (2.0 * (double) m);
          phi[m + l] = exp (-u - h) / sqrt (2.0 * (double) m);
          break;
        default:
          phi[l] = cos (u) * exp (h) / sqrt ((double) m);
          phi[m + l] = sin (u) * exp (h) / sqrt ((double) m);
          break;
        }
    }
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* The method.  */

typedef struct
{
  int kind, orth;
  unsigned long seed;
  size_t m, f, M;              /* projections, features per projection, features */
  size_t d;
  double half_tau;             /* tau / 2: ||x||^2 / 2 = half_tau ||q||^2 */
  double log_norm;             /* log m (pos, trig) or log 2m (hyp): the 1/m of phi^T phi */
  double *W;                   /* m x d, the projections times tau^{1/2}; owned */
  size_t wbytes;
  size_t slice;                /* rows of W per key task */
  size_t block;                /* query rows per block */
} rf_t;

static void
rf_destroy (fga_method m)
{
  rf_t *s = m->state;
  if (s != NULL)
    {
      fgap_free (s->W);
      fgap_free (s);
    }
  m->state = NULL;
}

static int
rf_create (fga_method m, fga_error *err)
{
  size_t mm = (size_t) fgap_param_int (m, "m");
  int kind = fgap_param_choice (m, "kind");
  if (kind != KIND_POS && 2 * mm > RF_FEATURES_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "method rf: kind=%s has 2m = %zu features, above "
                          "the limit %zu; take m <= %zu", kind == KIND_HYP ? "hyp" : "trig",
                          2 * mm, RF_FEATURES_MAX, RF_FEATURES_MAX / 2);
  return FGA_OK;
}

/* Doubles a task may hold at once: 2 MiB, a few times a core's cache
   share, large enough for dgemm to run at speed.  */
#define TASK_DOUBLES ((size_t) 1 << 18)

static size_t
clamp (size_t x, size_t lo, size_t hi)
{
  return x < lo ? lo : x > hi ? hi : x;
}

static int
rf_prepare (fga_method m, const fga_problem *prob, fga_error *err)
{
  rf_destroy (m);
  const size_t d = prob->d, dv = prob->dv;
  const size_t mm = (size_t) fgap_param_int (m, "m");
  const int kind = fgap_param_choice (m, "kind");
  const size_t f = kind == KIND_POS ? 1 : 2, M = f * mm;
  if (d > INT_MAX || dv >= INT_MAX || prob->nq > INT_MAX || prob->nk > INT_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s: nq = %zu, nk = %zu, d = %zu or "
                          "dv = %zu exceeds the int sizes of the CBLAS interface", m->spec,
                          prob->nq, prob->nk, d, dv);
  /* the largest buffers of a run, so that it cannot overflow size_t */
  size_t t1, t2, t3;
  if (fgap_size_mul (&t1, prob->nk, dv + 1) || fgap_size_mul (&t1, t1, sizeof (double))
      || fgap_size_mul (&t2, M, dv + 1) || fgap_size_mul (&t2, t2, sizeof (double))
      || fgap_size_mul (&t3, mm, d) || fgap_size_mul (&t3, t3, sizeof (double)))
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s: buffers of nk x (dv + 1), M x "
                          "(dv + 1) or m x d doubles would need more bytes than size_t can "
                          "count", m->spec);

  rf_t *s = fgap_calloc (1, sizeof *s, "the state of method rf", err);
  if (s == NULL)
    return FGA_ERR_NOMEM;
  s->kind = kind;
  s->orth = (int) fgap_param_int (m, "orth");
  s->seed = (unsigned long) fgap_param_int (m, "seed");
  s->m = mm;
  s->f = f;
  s->M = M;
  s->d = d;
  double tau = fga_tau_double (&prob->tau, d);
  s->half_tau = tau / 2;
  s->log_norm = log ((double) (kind == KIND_HYP ? 2 * mm : mm));
  s->wbytes = t3;
  s->W = fgap_alloc (t3, "the random projections W", err);
  if (s->W == NULL)
    {
      fgap_free (s);
      return FGA_ERR_NOMEM;
    }
  int rc = fgap_rf_draw (s->W, mm, d, s->orth, s->seed, err);
  if (rc != FGA_OK)
    {
      fgap_free (s->W);
      fgap_free (s);
      return rc;
    }
  double st = sqrt (tau);
  for (size_t k = 0; k < mm * d; k++)
    s->W[k] *= st;

  /* A key task holds nk x f slice doubles; a query block holds
     block x (m + M + dv + 2).  Both depend only on the shape.  */
  s->slice = clamp (TASK_DOUBLES / (f * prob->nk), 16, 256);
  if (s->slice > mm)
    s->slice = mm;
  s->block = clamp (TASK_DOUBLES / (mm + M + dv + 1), 16, 1024);
  if (s->block > prob->nq)
    s->block = prob->nq;
  m->state = s;
  return FGA_OK;
}

/* OpenMP's maximum, at most one per task, and one when the whole run is
   below 2^18 multiply-adds, too small to repay waking the others.  */
static int
rf_threads (const rf_t *s, size_t nq, size_t nk, size_t dv, size_t tasks)
{
  int nt = 1;
#ifdef _OPENMP
  nt = fgap_max_threads ();
#endif
  if ((size_t) nt > tasks)
    nt = tasks > 0 ? (int) tasks : 1;
  double work = (double) (nq + nk) * (double) s->M * (double) (s->d + dv + 1);
  if (work < (double) (1 << 18) || nt < 1)
    nt = 1;
  return nt;
}

/* The columns of the internal feature order: W row r of the slice that
   starts at row r0 and has w rows gives feature f r0 + (r - r0), and for
   hyp and trig also f r0 + w + (r - r0): the first is exp (+u) or cos u,
   the second exp (-u) or sin u.

   Overflow.  The method keeps exponents, not values, so it fails only
   when an exponent itself leaves the double range: a norm ||y||^2 / 2 or
   ||x||^2 / 2 (entries of K or Q above about 1e154), a projection w^T y or
   w^T x.  Any exponent that is not finite, whatever its sign, is refused
   (FGA_ERR_COMPUTE) rather than taken for a vanishing feature: an
   exponent of -Inf may stand for a finite one that the rounding lost.
   V is rescaled by a power of two when max|V| is outside [2^-950, 2^950)
   (kernels/attention-util.h): the weighted sums are then made on
   V 2^-e, and T is multiplied back by 2^e, exactly (pos and hyp clamp
   T to max|V| first: their outputs are weighted means with positive
   weights).  An output that is still not finite (trig: a denominator
   that is 0) is refused.  */

/* The buffers of one run, shared by the threads, and the tasks.  */
typedef struct
{
  const rf_t *s;
  fga_mat_srcptr Q, K, V;
  fga_mat_ptr T;
  double *lse;
  const fgap_vscale *vs;
  double *vaug;                 /* nk x (dv + 1): [V 2^-e 1] */
  double *h;                    /* nk: ||y_j||^2 / 2; trig: then the key scales */
  double *c;                    /* M: the log-scales of the key features */
  double *kv;                   /* M x (dv + 1): Phi_K^T [V 2^-e 1] */
  double hmax;                  /* trig: the key scale max_j ||y_j||^2 / 2 */
  size_t nslices, nblocks;
} rf_job;

/* What one thread counted and found.  */
typedef struct
{
  fgap_attn_count op;
  size_t nonpos;                /* rows with a non-positive denominator */
  size_t bad_row;               /* the first query row whose features overflow */
  size_t bad_lse;               /* 2 i + why for the first row i whose lse is refused:
                                   why = 0, its denominator is not positive; 1, the lse
                                   overflows; SIZE_MAX: none */
  int bad_keys;                 /* some key feature overflows */
} rf_tally;

/* ||y_j||^2 / 2 and [v_j 2^-e 1] for every key, then (trig) the key
   scales exp (||y_j||^2 / 2 - max_j ||y_j||^2 / 2).  Called by every
   thread of the team.  */
static void
rf_keys (rf_job *job, rf_tally *t)
{
  const rf_t *s = job->s;
  fga_mat_srcptr K = job->K, V = job->V;
  const size_t nk = K->rows, d = K->cols, dv = V->cols, ld = dv + 1;
  double *h = job->h, *vaug = job->vaug;
  int bad = 0;
#pragma omp for schedule (static)
  for (size_t j = 0; j < nk; j++)
    {
      const double *k = &FGA_MAT (K, j, 0);
      double a = k[0] * k[0];
      for (size_t x = 1; x < d; x++)
        a += k[x] * k[x];
      h[j] = s->half_tau * a;
      if (!isfinite (h[j]))
        bad = 1;
      if (job->vs->e == 0)
        memcpy (vaug + j * ld, &FGA_MAT (V, j, 0), dv * sizeof (double));
      else
        for (size_t col = 0; col < dv; col++)
          vaug[j * ld + col] = fgap_vscale_value (job->vs, FGA_MAT (V, j, col));
      vaug[j * ld + dv] = 1;
    }
  t->bad_keys |= bad;

#pragma omp single
  {
    t->op.mul += nk * (d + 1);
    t->op.add += nk * (d - 1);
    if (s->kind == KIND_TRIG)
      {
        /* one scale for all keys: cos and sin are bounded, so the key
           factor exp (||y||^2 / 2) is the only one that can overflow */
        double hmax = h[0];
        for (size_t j = 1; j < nk; j++)
          hmax = h[j] > hmax ? h[j] : hmax;
        t->op.cmp += nk - 1;
        job->hmax = hmax;
      }
  }

  if (s->kind == KIND_TRIG)
    {
      const double hmax = job->hmax;
#pragma omp for schedule (static)
      for (size_t j = 0; j < nk; j++)
        h[j] = exp (h[j] - hmax);
#pragma omp single
      {
        t->op.add += nk;
        t->op.exp += nk;
      }
    }
}

/* The key features of slice sl of W (all keys, the slice's rows of W),
   and their rows of Phi_K^T [V 2^-e 1].  F: nk x f w doubles.  */
static void
rf_key_slice (rf_job *job, size_t sl, double *F, rf_tally *t)
{
  const rf_t *s = job->s;
  fga_mat_srcptr K = job->K;
  const size_t nk = K->rows, d = K->cols, ld = job->V->cols + 1, f = s->f;
  const size_t r0 = sl * s->slice, w = s->m - r0 < s->slice ? s->m - r0 : s->slice;
  const size_t lf = f * w, c0 = f * r0;
  const double *h = job->h;
  int bad = 0;
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) nk, (int) w, (int) d, 1.0,
               K->data, (int) d, s->W + r0 * d, (int) d, 0.0, F, (int) lf);
  t->op.mul += nk * w * d;
  t->op.add += nk * w * (d - 1);
  if (s->kind == KIND_TRIG)
    {
      for (size_t j = 0; j < nk; j++)
        {
          double *row = F + j * lf;
          for (size_t r = 0; r < w; r++)
            {
              double p = row[r];
              if (!isfinite (p))
                bad = 1;
              row[r] = h[j] * cos (p);
              row[w + r] = h[j] * sin (p);
            }
        }
      t->op.mul += 2 * nk * w;
      t->op.exp += 2 * nk * w;
    }
  else
    {
      /* exponents b = +-p - ||y||^2/2, and their column maxima c */
      double *cs = job->c + c0;
      for (size_t j = 0; j < nk; j++)
        {
          double *row = F + j * lf;
          for (size_t r = 0; r < w; r++)
            {
              double p = row[r];
              row[r] = p - h[j];
              if (f == 2)
                row[w + r] = -p - h[j];
            }
          for (size_t l = 0; l < lf; l++)
            if (!isfinite (row[l]))
              bad = 1;
          if (j == 0)
            memcpy (cs, row, lf * sizeof (double));
          else
            for (size_t l = 0; l < lf; l++)
              cs[l] = row[l] > cs[l] ? row[l] : cs[l];
        }
      t->op.add += nk * lf;
      t->op.cmp += (nk - 1) * lf;
      for (size_t j = 0; j < nk; j++)
        {
          double *row = F + j * lf;
          for (size_t l = 0; l < lf; l++)
            row[l] = exp (row[l] - cs[l]);
        }
      t->op.add += nk * lf;
      t->op.exp += nk * lf;
    }
  if (bad)
    t->bad_keys = 1;
  cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) lf, (int) ld, (int) nk, 1.0,
               F, (int) lf, job->vaug, (int) ld, 0.0, job->kv + c0 * ld, (int) ld);
  t->op.mul += lf * ld * nk;
  t->op.add += lf * ld * (nk - 1);
}

/* The features of the qb query rows from U = X W^T (qb x m) into F
   (qb x M), each row divided by its largest entry (pos, hyp: exp of the
   exponents minus their maximum mx[i]; trig: cos and sin).  Returns the
   index of the first row with an exponent that is not finite, or qb.  */
static size_t
rf_query_features (const rf_job *job, size_t qb, const double *U, double *F, double *mx,
                   rf_tally *t)
{
  const rf_t *s = job->s;
  const size_t mm = s->m, M = s->M, f = s->f, slice = s->slice;
  const double *c = job->c;
  size_t bad = qb;
  for (size_t i = 0; i < qb; i++)
    {
      const double *u = U + i * mm;
      double *row = F + i * M;
      double mi = 0;
      for (size_t r = 0; r < mm; r++)
        if (!isfinite (u[r]) && bad == qb)
          bad = i;
      for (size_t r0 = 0; r0 < mm; r0 += slice)
        {
          const size_t w = mm - r0 < slice ? mm - r0 : slice, c0 = f * r0;
          for (size_t r = 0; r < w; r++)
            {
              double x = u[r0 + r];
              switch (s->kind)
                {
                case KIND_POS:
                  row[c0 + r] = x + c[c0 + r];
                  break;
                case KIND_HYP:
                  row[c0 + r] = x + c[c0 + r];
                  row[c0 + w + r] = c[c0 + w + r] - x;
                  break;
                default:
                  row[c0 + r] = cos (x);
                  row[c0 + w + r] = sin (x);
                  break;
                }
            }
        }
      if (s->kind != KIND_TRIG)
        {
          mi = row[0];
          for (size_t l = 1; l < M; l++)
            mi = row[l] > mi ? row[l] : mi;
          for (size_t l = 0; l < M; l++)
            row[l] = exp (row[l] - mi);
          if (!isfinite (mi) && bad == qb)
            bad = i;
        }
      mx[i] = mi;
    }
  if (s->kind == KIND_TRIG)
    t->op.exp += qb * M;
  else
    {
      t->op.add += 2 * qb * M;
      t->op.cmp += qb * (M - 1);
      t->op.exp += qb * M;
    }
  return bad;
}

/* T = Y / den for the rows i0 .. i0 + qb - 1 (Y = F kv, den its last
   column), and their lse.  Returns the first row whose denominator or lse
   is not finite, or SIZE_MAX.  */
static size_t
rf_query_output (const rf_job *job, size_t i0, size_t qb, const double *Y, const double *mx,
                 rf_tally *t)
{
  const rf_t *s = job->s;
  fga_mat_srcptr Q = job->Q;
  const size_t d = Q->cols, dv = job->V->cols, ld = dv + 1;
  size_t bad = SIZE_MAX;
  for (size_t i = 0; i < qb; i++)
    {
      const double *y = Y + i * ld;
      double den = y[dv], mi = mx[i];
      double *tr = &FGA_MAT (job->T, i0 + i, 0);
      for (size_t col = 0; col < dv; col++)
        tr[col] = y[col] / den;
      if (!(den > 0))
        t->nonpos++;
      if (s->kind != KIND_TRIG && !isfinite (den) && bad == SIZE_MAX)
        bad = i0 + i;
      if (job->lse != NULL)
        {
          const double *q = &FGA_MAT (Q, i0 + i, 0);
          double a = q[0] * q[0];
          for (size_t x = 1; x < d; x++)
            a += q[x] * q[x];
          double hx = s->half_tau * a;
          /* pos, hyp: phi(x)^T sum_j phi(y_j) = exp (M_i - ||x||^2/2) den / norm;
             trig: exp (||x||^2/2 + hmax) den / m */
          double scale = s->kind == KIND_TRIG ? hx + job->hmax : mi - hx;
          double l = scale + (log (den) - s->log_norm);
          job->lse[i0 + i] = l;
          if (!isfinite (hx) && bad == SIZE_MAX)
            bad = i0 + i;
          /* the log of a denominator that is not positive (trig) is not a
             log-sum-exp: refused, as is one beyond the double range */
          if (!(den > 0 && isfinite (l)) && 2 * (i0 + i) + (den > 0) < t->bad_lse)
            t->bad_lse = 2 * (i0 + i) + (den > 0);
        }
    }
  t->op.div += qb * dv;
  if (job->lse != NULL)
    {
      t->op.mul += qb * (d + 1);
      t->op.add += qb * (d - 1 + 3);
      t->op.exp += qb;
    }
  return bad;
}

/* Block b of query rows: their features, [Y den] = F (Phi_K^T [V 2^-e 1])
   and T = Y / den.  scr: bq (m + M + dv + 2) doubles.  */
static void
rf_query_block (const rf_job *job, size_t b, double *scr, rf_tally *t)
{
  const rf_t *s = job->s;
  fga_mat_srcptr Q = job->Q;
  const size_t nq = Q->rows, d = Q->cols, ld = job->V->cols + 1;
  const size_t mm = s->m, M = s->M, bq = s->block;
  const size_t i0 = b * bq, qb = nq - i0 < bq ? nq - i0 : bq;
  double *U = scr, *F = U + qb * mm, *Y = F + qb * M, *mx = Y + qb * ld;
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) qb, (int) mm, (int) d, 1.0,
               &FGA_MAT (Q, i0, 0), (int) d, s->W, (int) d, 0.0, U, (int) mm);
  t->op.mul += qb * mm * d;
  t->op.add += qb * mm * (d - 1);
  size_t bad = rf_query_features (job, qb, U, F, mx, t);
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) qb, (int) ld, (int) M, 1.0,
               F, (int) M, job->kv, (int) ld, 0.0, Y, (int) ld);
  t->op.mul += qb * ld * M;
  t->op.add += qb * ld * (M - 1);
  size_t bad_out = rf_query_output (job, i0, qb, Y, mx, t);
  if (bad < qb && i0 + bad < t->bad_row)
    t->bad_row = i0 + bad;
  if (bad_out < t->bad_row)
    t->bad_row = bad_out;
}

/* The stats of a run that made it to the end.  */
static void
rf_stats (fga_stats *st, const rf_t *s, const fgap_attn_count *c, size_t peak, int nt,
          size_t nonpos, size_t nq)
{
  if (st == NULL)
    return;
  /* the kind by its name, as the spec gives it (its code is KIND_*) */
  static const char *const kind_name[] = { "pos", "hyp", "trig" };
  fgap_attn_count_store (st, c, peak, nt);
  fga_stats_set (st, "m", (double) s->m);
  fga_stats_set (st, "features", (double) s->M);
  fga_stats_set_named (st, "kind", (double) s->kind, kind_name[s->kind]);
  fga_stats_set (st, "orth", (double) s->orth);
  fga_stats_set (st, "seed", (double) s->seed);
  fga_stats_set (st, "nonpos_rows", (double) nonpos);
  fga_stats_set (st, "slice", (double) s->slice);
  fga_stats_set (st, "block", (double) s->block);
  if (nonpos > 0)
    snprintf (st->notes, sizeof st->notes, "%zu of %zu rows have a non-positive estimated "
              "denominator (trigonometric features are not positive): their outputs are "
              "not weighted means of V; more features (m) or kind=pos avoid it",
              nonpos, nq);
}

/* The overflows found, in the order of their causes, then an lse that
   cannot be returned; then T multiplied back by 2^e and refused if it is
   not finite.  */
static int
rf_finish (fga_method_srcptr m, const fgap_vscale *vs, fga_mat_ptr T, int bad_keys,
           size_t bad_row, size_t bad_lse, fga_error *err)
{
  const rf_t *s = m->state;
  if (bad_keys)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "method %s: the key features overflow the "
                          "double range (entries of K too large)", m->spec);
  if (bad_row != SIZE_MAX)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "method %s: the features of query row %zu "
                          "overflow the double range", m->spec, bad_row);
  if (bad_lse != SIZE_MAX && bad_lse % 2 == 0)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "method %s: the estimated denominator of "
                          "query row %zu is not positive (trigonometric features are not "
                          "positive), so it has no log-sum-exp; raise m, take kind=pos, or "
                          "run without lse", m->spec, bad_lse / 2);
  if (bad_lse != SIZE_MAX)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "method %s: the log-sum-exp of query row %zu "
                          "overflows the double range; run without lse", m->spec, bad_lse / 2);
  char who[sizeof m->spec + 8];
  snprintf (who, sizeof who, "method %s", m->spec);
  return fgap_vscale_finish (vs, T, s->kind != KIND_TRIG, 1, who,
                             s->kind == KIND_TRIG ? "its estimated denominator is 0, or the "
                             "ratio overflows (trigonometric features are not positive; "
                             "raise m or take kind=pos)" : "the estimate overflows the double "
                             "range", err);
}

static int
rf_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
        fga_mat_srcptr V, fga_stats *st, fga_error *err)
{
  const rf_t *s = m->state;
  const size_t nq = Q->rows, nk = K->rows, dv = V->cols, ld = dv + 1;
  const size_t M = s->M, f = s->f;
  int rc;
  fga_error local;
  if ((rc = fga_mat_check_finite (Q, "Q", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (K, "K", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (V, "V", &local)) != FGA_OK)
    return fgap_error_set (err, rc, "method %s: %s", m->spec, local.msg);

  rf_job job = { .s = s, .Q = Q, .K = K, .V = V, .T = T, .lse = lse, .hmax = 0 };
  job.nslices = (s->m + s->slice - 1) / s->slice;
  job.nblocks = (nq + s->block - 1) / s->block;
  const int nt = rf_threads (s, nq, nk, dv,
                             job.nslices > job.nblocks ? job.nslices : job.nblocks);

  /* shared: [V 1], the halves of the key norms (trig: their scales), the
     log-scales c of the key features, Phi_K^T [V 1]; per thread: the
     larger of a key slice and a query block */
  size_t key_task = nk * f * s->slice, query_task = s->block * (s->m + M + ld + 1);
  size_t per = key_task > query_task ? key_task : query_task;
  size_t b_vaug = nk * ld * sizeof (double), b_h = nk * sizeof (double),
    b_c = M * sizeof (double), b_kv = M * ld * sizeof (double), b_scr;
  if (fgap_size_mul (&b_scr, per, sizeof (double))
      || fgap_size_mul (&b_scr, b_scr, (size_t) nt))
    return fgap_error_set (err, FGA_ERR_NOMEM, "method %s: scratch of %d x %zu doubles needs "
                          "more bytes than size_t can count", m->spec, nt, per);
  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  fgap_vscale vs;
  fgap_vscale_init (&vs, &V, 0, &mt, m->spec, err);
  job.vs = &vs;
  job.vaug = fgap_talloc (&mt, b_vaug, "the values with a column of ones", err);
  job.h = job.vaug != NULL ? fgap_talloc (&mt, b_h, "the key norms", err) : NULL;
  job.c = job.h != NULL ? fgap_talloc (&mt, b_c, "the key log-scales", err) : NULL;
  job.kv = job.c != NULL ? fgap_talloc (&mt, b_kv, "Phi_K^T [V 1]", err) : NULL;
  double *scratch = job.kv != NULL ? fgap_talloc (&mt, b_scr, "the per-thread tasks", err)
    : NULL;
  if (scratch == NULL)
    {
      rc = FGA_ERR_NOMEM;
      goto done;
    }

  fgap_blas_single_enter ();
  uint64_t n_mul = 0, n_add = 0, n_exp = 0, n_div = 0, n_cmp = 0;
  size_t nonpos = 0, bad_row = SIZE_MAX, bad_lse = SIZE_MAX;
  int bad_keys = 0;
#pragma omp parallel num_threads (nt) reduction (+:n_mul, n_add, n_exp, n_div, n_cmp, nonpos) \
  reduction (min:bad_row, bad_lse) reduction (|:bad_keys)
  {
    int me = 0;
#ifdef _OPENMP
    me = omp_get_thread_num ();
#endif
    double *scr = scratch + (size_t) me * per;
    rf_tally t = { { 0, 0, 0, 0, 0 }, 0, SIZE_MAX, SIZE_MAX, 0 };
    rf_keys (&job, &t);
#pragma omp for schedule (dynamic, 1)
    for (size_t sl = 0; sl < job.nslices; sl++)
      rf_key_slice (&job, sl, scr, &t);
#pragma omp for schedule (dynamic, 1)
    for (size_t b = 0; b < job.nblocks; b++)
      rf_query_block (&job, b, scr, &t);
    n_mul += t.op.mul;
    n_add += t.op.add;
    n_exp += t.op.exp;
    n_div += t.op.div;
    n_cmp += t.op.cmp;
    nonpos += t.nonpos;
    bad_row = t.bad_row < bad_row ? t.bad_row : bad_row;
    bad_lse = t.bad_lse < bad_lse ? t.bad_lse : bad_lse;
    bad_keys |= t.bad_keys;
  }
  fgap_blas_single_leave ();

  fgap_attn_count c = { n_mul, n_add, n_exp, n_div, n_cmp };
  rf_stats (st, s, &c, mt.peak + s->wbytes, nt, nonpos, nq);
  rc = rf_finish (m, &vs, T, bad_keys, bad_row, bad_lse, err);

done:
  fgap_tfree (&mt, scratch, b_scr);
  fgap_tfree (&mt, job.kv, b_kv);
  fgap_tfree (&mt, job.c, b_c);
  fgap_tfree (&mt, job.h, b_h);
  fgap_tfree (&mt, job.vaug, b_vaug);
  return rc;
}

/* The counts at the top of this file.  */
static int
rf_count (mpz_t ops[5], fga_method_srcptr m, const fga_problem *prob, int lse, fga_error *err)
{
  const size_t nq = prob->nq, nk = prob->nk, d = prob->d, dv = prob->dv, ld = dv + 1;
  const size_t mm = (size_t) fgap_param_int (m, "m");
  const int kind = fgap_param_choice (m, "kind"), trig = kind == KIND_TRIG;
  const size_t M = (kind == KIND_POS ? 1 : 2) * mm;
  mpz_t *o = ops;
  fgap_zmul3 (o[0], nk, d + 1, 1);
  fgap_zaddmul3 (o[0], nk + nq, mm, d);
  fgap_zaddmul3 (o[0], M, ld, nk + nq);
  if (lse)
    fgap_zaddmul3 (o[0], nq, d + 1, 1);
  if (trig)
    fgap_zaddmul3 (o[0], 2 * nk, mm, 1);
  fgap_zmul3 (o[1], nk, d - 1, 1);
  fgap_zaddmul3 (o[1], nk + nq, mm, d - 1);
  fgap_zaddmul3 (o[1], M, ld, nk - 1);
  fgap_zaddmul3 (o[1], nq, ld, M - 1);
  if (lse)
    fgap_zaddmul3 (o[1], nq, d + 2, 1);
  if (!trig)
    fgap_zaddmul3 (o[1], 2 * M, nk + nq, 1);
  else
    fgap_zaddmul3 (o[1], nk, 1, 1);
  fgap_zmul3 (o[2], M, nk + nq, 1);
  if (lse)
    fgap_zaddmul3 (o[2], nq, 1, 1);
  if (trig)
    fgap_zaddmul3 (o[2], nk, 1, 1);
  fgap_zmul3 (o[3], nq, dv, 1);
  if (!trig)
    {
      fgap_zmul3 (o[4], M, nk - 1, 1);
      fgap_zaddmul3 (o[4], nq, M - 1, 1);
    }
  else
    fgap_zmul3 (o[4], nk - 1, 1, 1);
  return FGA_OK;
}

const fgap_method_class fgap_method_rf = {
  .info = { "rf", "Performer random features (pos, hyp or trig; iid or orthogonal): "
            "phi(q)^T phi(k) unbiased for exp(tau q^T k), stabilised by log-scales", rf_params },
  .create = rf_create,
  .prepare = rf_prepare,
  .run = rf_run,
  .destroy = rf_destroy,
  .count = rf_count
};
