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
   the stats (nonpos_rows) and in the notes, and still return the ratio.

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
#include "methods/method-impl.h"

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
  mpfr_exp_t emin = mpfr_get_emin (), emax = mpfr_get_emax ();
  mpfr_flags_t flags = mpfr_flags_save ();
  mpfr_set_emin (mpfr_get_emin_min ());
  mpfr_set_emax (mpfr_get_emax_max ());
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
  mpfr_set_emin (emin);
  mpfr_set_emax (emax);
  mpfr_flags_restore (flags, MPFR_FLAGS_ALL);
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
   the second exp (-u) or sin u.  */

static int
rf_run (fga_method m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
        fga_mat_srcptr V, fga_stats *st, fga_error *err)
{
  const rf_t *s = m->state;
  const size_t nq = Q->rows, nk = K->rows, d = Q->cols, dv = V->cols, ld = dv + 1;
  const size_t mm = s->m, M = s->M, f = s->f, slice = s->slice, bq = s->block;
  const int kind = s->kind;
  const double *W = s->W;
  int rc;
  fga_error local;
  if ((rc = fga_mat_check_finite (Q, "Q", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (K, "K", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (V, "V", &local)) != FGA_OK)
    return fgap_error_set (err, rc, "method %s: %s", m->spec, local.msg);

  const size_t nslices = (mm + slice - 1) / slice;
  const size_t nblocks = (nq + bq - 1) / bq;
  const int nt = rf_threads (s, nq, nk, dv, nslices > nblocks ? nslices : nblocks);

  /* shared: [V 1], the halves of the key norms (trig: their scales), the
     log-scales c of the key features, Phi_K^T [V 1]; per thread: the
     larger of a key slice and a query block */
  size_t key_task = nk * f * slice, query_task = bq * (mm + M + ld + 1);
  size_t per = key_task > query_task ? key_task : query_task;
  size_t b_vaug = nk * ld * sizeof (double), b_h = nk * sizeof (double),
    b_c = M * sizeof (double), b_kv = M * ld * sizeof (double), b_scr;
  if (fgap_size_mul (&b_scr, per, sizeof (double))
      || fgap_size_mul (&b_scr, b_scr, (size_t) nt))
    return fgap_error_set (err, FGA_ERR_NOMEM, "method %s: scratch of %d x %zu doubles needs "
                          "more bytes than size_t can count", m->spec, nt, per);
  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  double *vaug = fgap_talloc (&mt, b_vaug, "the values with a column of ones", err);
  double *h = vaug != NULL ? fgap_talloc (&mt, b_h, "the key norms", err) : NULL;
  double *c = h != NULL ? fgap_talloc (&mt, b_c, "the key log-scales", err) : NULL;
  double *kv = c != NULL ? fgap_talloc (&mt, b_kv, "Phi_K^T [V 1]", err) : NULL;
  double *scratch = kv != NULL ? fgap_talloc (&mt, b_scr, "the per-thread tasks", err) : NULL;
  if (scratch == NULL)
    {
      fgap_tfree (&mt, kv, b_kv);
      fgap_tfree (&mt, c, b_c);
      fgap_tfree (&mt, h, b_h);
      fgap_tfree (&mt, vaug, b_vaug);
      return FGA_ERR_NOMEM;
    }

  fgap_blas_single_enter ();
  uint64_t n_mul = 0, n_add = 0, n_exp = 0, n_div = 0, n_cmp = 0;
  size_t nonpos = 0, bad_row = SIZE_MAX;
  double hmax = 0;              /* trig: the key scale max_j ||y_j||^2 / 2 */
  int bad_keys = 0;

#pragma omp parallel num_threads (nt) reduction (+:n_mul, n_add, n_exp, n_div, n_cmp, nonpos) \
  reduction (min:bad_row) reduction (|:bad_keys)
  {
    int me = 0;
#ifdef _OPENMP
    me = omp_get_thread_num ();
#endif
    double *scr = scratch + (size_t) me * per;

    /* ||y_j||^2 / 2 and [v_j 1] */
#pragma omp for schedule (static)
    for (size_t j = 0; j < nk; j++)
      {
        const double *k = &FGA_MAT (K, j, 0);
        double a = k[0] * k[0];
        for (size_t t = 1; t < d; t++)
          a += k[t] * k[t];
        h[j] = s->half_tau * a;
        memcpy (vaug + j * ld, &FGA_MAT (V, j, 0), dv * sizeof (double));
        vaug[j * ld + dv] = 1;
      }

#pragma omp single
    {
      n_mul += nk * (d + 1);
      n_add += nk * (d - 1);
      if (kind == KIND_TRIG)
        {
          /* one scale for all keys: cos and sin are bounded, so the key
             factor exp (||y||^2 / 2) is the only one that can overflow */
          hmax = h[0];
          for (size_t j = 1; j < nk; j++)
            hmax = h[j] > hmax ? h[j] : hmax;
          n_cmp += nk - 1;
          if (!isfinite (hmax))
            bad_keys = 1;
        }
    }

    if (kind == KIND_TRIG)
      {
#pragma omp for schedule (static)
        for (size_t j = 0; j < nk; j++)
          h[j] = exp (h[j] - hmax);
#pragma omp single
        {
          n_add += nk;
          n_exp += nk;
        }
      }

    /* The key features of a slice of W, and their rows of Phi_K^T [V 1].  */
#pragma omp for schedule (dynamic, 1)
    for (size_t sl = 0; sl < nslices; sl++)
      {
        const size_t r0 = sl * slice, w = mm - r0 < slice ? mm - r0 : slice;
        const size_t lf = f * w, c0 = f * r0;
        double *F = scr;        /* nk x lf */
        cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) nk, (int) w, (int) d, 1.0,
                     K->data, (int) d, W + r0 * d, (int) d, 0.0, F, (int) lf);
        n_mul += nk * w * d;
        n_add += nk * w * (d - 1);
        if (kind == KIND_TRIG)
          {
            for (size_t j = 0; j < nk; j++)
              {
                double *row = F + j * lf;
                for (size_t r = 0; r < w; r++)
                  {
                    double p = row[r];
                    row[r] = h[j] * cos (p);
                    row[w + r] = h[j] * sin (p);
                  }
              }
            n_mul += 2 * nk * w;
            n_exp += 2 * nk * w;
          }
        else
          {
            /* exponents b = +-p - ||y||^2/2, and their column maxima c */
            double *cs = c + c0;
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
                if (j == 0)
                  memcpy (cs, row, lf * sizeof (double));
                else
                  for (size_t l = 0; l < lf; l++)
                    cs[l] = row[l] > cs[l] ? row[l] : cs[l];
              }
            n_add += nk * lf;
            n_cmp += (nk - 1) * lf;
            for (size_t l = 0; l < lf; l++)
              if (!isfinite (cs[l]))
                bad_keys = 1;
            for (size_t j = 0; j < nk; j++)
              {
                double *row = F + j * lf;
                for (size_t l = 0; l < lf; l++)
                  row[l] = exp (row[l] - cs[l]);
              }
            n_add += nk * lf;
            n_exp += nk * lf;
          }
        cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) lf, (int) ld, (int) nk, 1.0,
                     F, (int) lf, vaug, (int) ld, 0.0, kv + c0 * ld, (int) ld);
        n_mul += lf * ld * nk;
        n_add += lf * ld * (nk - 1);
      }

    /* The query features of a block of rows, and T = Y / den.  */
#pragma omp for schedule (dynamic, 1)
    for (size_t b = 0; b < nblocks; b++)
      {
        const size_t i0 = b * bq, qb = nq - i0 < bq ? nq - i0 : bq;
        double *U = scr, *F = U + qb * mm, *Y = F + qb * M, *mx = Y + qb * ld;
        cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) qb, (int) mm, (int) d, 1.0,
                     &FGA_MAT (Q, i0, 0), (int) d, W, (int) d, 0.0, U, (int) mm);
        n_mul += qb * mm * d;
        n_add += qb * mm * (d - 1);
        for (size_t i = 0; i < qb; i++)
          {
            const double *u = U + i * mm;
            double *row = F + i * M;
            double mi = 0;
            for (size_t r0 = 0; r0 < mm; r0 += slice)
              {
                const size_t w = mm - r0 < slice ? mm - r0 : slice, c0 = f * r0;
                for (size_t r = 0; r < w; r++)
                  {
                    double x = u[r0 + r];
                    switch (kind)
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
            if (kind != KIND_TRIG)
              {
                mi = row[0];
                for (size_t l = 1; l < M; l++)
                  mi = row[l] > mi ? row[l] : mi;
                for (size_t l = 0; l < M; l++)
                  row[l] = exp (row[l] - mi);
              }
            mx[i] = mi;
          }
        if (kind == KIND_TRIG)
          n_exp += qb * M;
        else
          {
            n_add += 2 * qb * M;
            n_cmp += qb * (M - 1);
            n_exp += qb * M;
          }
        cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) qb, (int) ld, (int) M, 1.0,
                     F, (int) M, kv, (int) ld, 0.0, Y, (int) ld);
        n_mul += qb * ld * M;
        n_add += qb * ld * (M - 1);

        for (size_t i = 0; i < qb; i++)
          {
            const double *y = Y + i * ld;
            double den = y[dv], mi = mx[i];
            double *t = &FGA_MAT (T, i0 + i, 0);
            for (size_t col = 0; col < dv; col++)
              t[col] = y[col] / den;
            if (!(den > 0))
              nonpos++;
            if (kind != KIND_TRIG && (!isfinite (mi) || !isfinite (den)) && i0 + i < bad_row)
              bad_row = i0 + i;
            if (lse != NULL)
              {
                const double *q = &FGA_MAT (Q, i0 + i, 0);
                double a = q[0] * q[0];
                for (size_t tt = 1; tt < d; tt++)
                  a += q[tt] * q[tt];
                double hx = s->half_tau * a;
                /* pos, hyp: phi(x)^T sum_j phi(y_j) = exp (M_i - ||x||^2/2) den / norm;
                   trig: exp (||x||^2/2 + hmax) den / m */
                double scale = kind == KIND_TRIG ? hx + hmax : mi - hx;
                lse[i0 + i] = scale + (log (den) - s->log_norm);
              }
          }
        n_div += qb * dv;
        if (lse != NULL)
          {
            n_mul += qb * (d + 1);
            n_add += qb * (d - 1 + 3);
            n_exp += qb;
          }
      }
  }
  fgap_blas_single_leave ();

  size_t peak = mt.peak + s->wbytes;
  fgap_tfree (&mt, scratch, b_scr);
  fgap_tfree (&mt, kv, b_kv);
  fgap_tfree (&mt, c, b_c);
  fgap_tfree (&mt, h, b_h);
  fgap_tfree (&mt, vaug, b_vaug);

  if (st != NULL)
    {
      st->n_mul = n_mul;
      st->n_add = n_add;
      st->n_exp = n_exp;
      st->n_div = n_div;
      st->n_cmp = n_cmp;
      st->peak_bytes = peak;
      st->threads = nt;
      fga_stats_set (st, "m", (double) mm);
      fga_stats_set (st, "features", (double) M);
      fga_stats_set (st, "kind", (double) kind);
      fga_stats_set (st, "orth", (double) s->orth);
      fga_stats_set (st, "seed", (double) s->seed);
      fga_stats_set (st, "nonpos_rows", (double) nonpos);
      fga_stats_set (st, "slice", (double) slice);
      fga_stats_set (st, "block", (double) bq);
      if (nonpos > 0)
        snprintf (st->notes, sizeof st->notes, "%zu of %zu rows have a non-positive estimated "
                  "denominator (trigonometric features are not positive): their outputs are "
                  "not weighted means of V; more features (m) or kind=pos avoid it",
                  nonpos, nq);
    }
  if (bad_keys)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "method %s: the key features overflow the "
                          "double range (entries of K too large)", m->spec);
  if (bad_row != SIZE_MAX)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "method %s: the features of query row %zu "
                          "overflow the double range", m->spec, bad_row);
  return FGA_OK;
}

const fgap_method_class fgap_method_rf = {
  { "rf", "Performer random features (pos, hyp or trig; iid or orthogonal): phi(q)^T phi(k) "
    "unbiased for exp(tau q^T k), stabilised by log-scales", rf_params },
  rf_create, rf_prepare, rf_run, rf_destroy
};
