/* fga_attention_stream -- exact attention in double by a fused online softmax over blocks of keys

   Each OpenMP thread takes a block of query rows and sweeps the keys in
   blocks of `block' (Milakov and Gimelshein 2018; FlashAttention): per row it
   keeps the running maximum m, sum l and output o, and for each block of
   scores s it sets m' = max (m, max s), alpha = exp (m - m'),
   l = alpha l + sum exp (s - m'), o = alpha o + sum exp (s - m') v, ending
   with o / l.  Only a block of queries x a block of keys of scores ever
   exists, so the extra memory is O(threads (bq (d + bk + dv) + bk (d + dv)))
   with bq the query rows per block, never O(nq nk).  The two products of a
   tile (scores Q K^T, then E V) are register-blocked micro-kernels on packed
   panels, compiled for AVX-512, AVX2+FMA and the baseline and chosen at run
   time; exp runs on libmvec's vector variants.

   The rescaling by alpha is done for every block, also when the maximum did
   not grow (then alpha = 1) and for the first block (m = -Inf, alpha = 0):
   the counts depend only on the shapes.  With nb = ceil (nk / bk) the
   number of key blocks and L = 1 if lse is not NULL, else 0, they are
     n_mul = nq (nk (d + 1 + dv) + nb (1 + dv))
                   per score d products and tau; per block and row alpha l
                   and alpha o (dv); per score and output column e v
     n_add = nq (nk (d + 1 + dv) + nb + L)
                   per score d - 1 in the dot product, s - m', the add into l
                   and dv adds into o; per block and row m - m'; L in m + log l
     n_exp = nq (nk + nb + L)
     n_div = nq dv
     n_cmp = nq nk          every score against the running maximum
   Work on the zero padding of the panels (rows, keys and columns rounded up
   to the register tile) is discarded and not counted, so that the counts do
   not depend on the instruction set.  Nor are the multiplications by powers
   of two of the rescaled copies of Q and V (kernels/attention-util.h),
   made only when the data need them: changes of exponent, not arithmetic.

   Error, first order in u = 2^-53 (tests/kernels/t-exact.c derives it),
   R and e as in attention_naive.c:
     |T_ic - Att_ic| <= u max|V| (2 (d + 5) R + 8 nk + 8) + 2^-1075 [e < 0]
   the naive bound plus the rescalings by alpha, whose rounding compounds
   over the blocks to 2 u R + 2 nb u, and nb more roundings of o and l.
   Every output is finite.  */

#define FGA_ATTN_SIMD_EXP 1
#include "core/fga-impl.h"
#include "kernels/attention-util.h"

static const char fn[] = "fga_attention_stream";

/* Keys per block when block = 0: a 128 x 256 tile of scores (256 KiB) stays
   in a core's L2 cache with the packed panels of Q, K and V.  */
#define DEFAULT_BK 256
/* Query rows per block.  More rows amortise the packing of each K and V
   block; fewer keep the tile in L2 and give the threads more blocks.  */
#define QROWS 128

typedef double v8d __attribute__ ((vector_size (64)));
typedef double v8du __attribute__ ((vector_size (64), aligned (8)));
typedef double v4d __attribute__ ((vector_size (32)));
typedef double v4du __attribute__ ((vector_size (32), aligned (8)));
typedef double v2d __attribute__ ((vector_size (16)));
typedef double v2du __attribute__ ((vector_size (16), aligned (8)));

/* The two micro-kernels for vectors of W doubles (MR <= 8 rows, NV <= 4
   vectors; both are constants after inlining, so the accumulators live in
   registers).  Written once as a macro because C has no type parameters.

   qk_tile: S[r][c] = tau * (sum_t Q[r][t] K[c][t]) for an MR x (W NV) tile,
   from a panel of Q (qp[t MR + r]) and of K transposed (kp[t W NV + c]).
   The sum starts from the first product: d products and d - 1 additions.

   pv_tile: O[r][c] = a[r] O[r][c] + sum_{j < kb} E[r][j] Vp[j][c] for an
   MR x (W NV) tile of the output accumulators.  */
#define FGA_TILES(SFX, VEC, VECU, W)                                            \
static inline __attribute__ ((always_inline)) void                             \
qk_tile_##SFX (double *restrict S, size_t lds, const double *restrict qp,       \
               const double *restrict kp, size_t d, double tau,                 \
               const int MR, const int NV)                                      \
{                                                                               \
  VEC acc[8][4], b[4];                                                          \
  _Pragma ("GCC unroll 4")                                                      \
  for (int v = 0; v < NV; v++)                                                  \
    b[v] = *(const VECU *) (kp + W * v);                                        \
  _Pragma ("GCC unroll 8")                                                      \
  for (int r = 0; r < MR; r++)                                                  \
    _Pragma ("GCC unroll 4")                                                    \
    for (int v = 0; v < NV; v++)                                                \
      acc[r][v] = qp[r] * b[v];                                                 \
  for (size_t t = 1; t < d; t++)                                                \
    {                                                                           \
      const double *qt = qp + t * MR, *kt = kp + t * (W * NV);                  \
      _Pragma ("GCC unroll 4")                                                  \
      for (int v = 0; v < NV; v++)                                              \
        b[v] = *(const VECU *) (kt + W * v);                                    \
      _Pragma ("GCC unroll 8")                                                  \
      for (int r = 0; r < MR; r++)                                              \
        _Pragma ("GCC unroll 4")                                                \
        for (int v = 0; v < NV; v++)                                            \
          acc[r][v] += qt[r] * b[v];                                            \
    }                                                                           \
  _Pragma ("GCC unroll 8")                                                      \
  for (int r = 0; r < MR; r++)                                                  \
    _Pragma ("GCC unroll 4")                                                    \
    for (int v = 0; v < NV; v++)                                                \
      *(VECU *) (S + r * lds + W * v) = acc[r][v] * tau;                        \
}                                                                               \
                                                                                \
static inline __attribute__ ((always_inline)) void                             \
pv_tile_##SFX (double *restrict O, size_t ldo, const double *restrict E,        \
               size_t lde, const double *restrict a, const double *restrict Vp, \
               size_t ldv, size_t kb, const int MR, const int NV)               \
{                                                                               \
  VEC acc[8][4], b[4];                                                          \
  _Pragma ("GCC unroll 8")                                                      \
  for (int r = 0; r < MR; r++)                                                  \
    _Pragma ("GCC unroll 4")                                                    \
    for (int v = 0; v < NV; v++)                                                \
      acc[r][v] = a[r] * *(const VECU *) (O + r * ldo + W * v);                 \
  for (size_t j = 0; j < kb; j++)                                               \
    {                                                                           \
      _Pragma ("GCC unroll 4")                                                  \
      for (int v = 0; v < NV; v++)                                              \
        b[v] = *(const VECU *) (Vp + j * ldv + W * v);                          \
      _Pragma ("GCC unroll 8")                                                  \
      for (int r = 0; r < MR; r++)                                              \
        {                                                                       \
          double e = E[r * lde + j];                                            \
          _Pragma ("GCC unroll 4")                                              \
          for (int v = 0; v < NV; v++)                                          \
            acc[r][v] += e * b[v];                                              \
        }                                                                       \
    }                                                                           \
  _Pragma ("GCC unroll 8")                                                      \
  for (int r = 0; r < MR; r++)                                                  \
    _Pragma ("GCC unroll 4")                                                    \
    for (int v = 0; v < NV; v++)                                                \
      *(VECU *) (O + r * ldo + W * v) = acc[r][v];                              \
}

FGA_TILES (v8, v8d, v8du, 8)
FGA_TILES (v4, v4d, v4du, 4)
FGA_TILES (v2, v2d, v2du, 2)

/* The register tiles of one instruction set.  */
typedef struct
{
  int W;                        /* doubles per vector */
  int MR, NV;                   /* scores: MR rows x NV vectors of keys */
  int MRP, NVP;                 /* output: MRP rows x up to NVP vectors of columns */
} tiles_t;

/* AVX-512: 16 of the 32 registers accumulate 8 x 16 scores, or 4 x 32
   outputs; AVX2: 12 of the 16, 6 x 8 and 6 x 8; baseline SSE2: 8 of 16.  */
#if FGA_ATTN_X86
static const tiles_t tiles_avx512 = { 8, 8, 2, 4, 4 };
static const tiles_t tiles_avx2 = { 4, 6, 2, 6, 2 };
#endif
static const tiles_t tiles_generic = { 2, 4, 2, 4, 2 };

static size_t
round_up (size_t x, size_t m)
{
  return (x + m - 1) / m * m;
}

/* The problem and the blocking, shared by the threads.  */
typedef struct
{
  const fga_mat_struct *Q, *K, *V;
  const fgap_qscale *qs;        /* the exponents of the rescaled rows of Q */
  fga_mat_struct *T;
  double *lse;
  double tau;
  size_t bq, bk;                /* query rows and keys per block */
  size_t rm;                    /* rows are padded to a multiple of both row tiles */
  size_t bqp, bkp, dvp;         /* bq, bk and dv rounded up to the tiles */
  size_t per_thread;            /* scratch doubles per thread */
} job_t;

/* Scratch of one thread, in doubles, each part a multiple of 8 doubles so
   that every part starts on a 64-byte line.  */
static int
scratch_layout (job_t *job, size_t d, fga_error *err)
{
  size_t parts[6][2] = {
    { job->bqp, d },            /* Q panels */
    { job->bkp, d },            /* K panels */
    { job->bqp, job->bkp },     /* the tile of scores, then of exp */
    { job->bqp, job->dvp },     /* output accumulators */
    { job->bk, job->dvp },      /* V padded to dvp columns, when dv is not a multiple of W */
    { 3, job->bqp }             /* m, l, alpha */
  };
  size_t total = 0;
  for (int p = 0; p < 6; p++)
    {
      size_t n;
      if (fgap_size_mul (&n, parts[p][0], parts[p][1]) || n > SIZE_MAX / 16
          || total > SIZE_MAX / 16 - n)
        return fgap_error_set (err, FGA_ERR_NOMEM, "%s: block sizes %zu x %zu need more "
                              "scratch than size_t can count", fn, job->bq, job->bk);
      total += round_up (n, 8);
    }
  job->per_thread = total;
  return FGA_OK;
}

static inline __attribute__ ((always_inline)) void
qk_dispatch (const tiles_t *tl, double *S, size_t lds, const double *qp, const double *kp,
             size_t d, double tau)
{
  if (tl->W == 8)
    qk_tile_v8 (S, lds, qp, kp, d, tau, tl->MR, tl->NV);
  else if (tl->W == 4)
    qk_tile_v4 (S, lds, qp, kp, d, tau, tl->MR, tl->NV);
  else
    qk_tile_v2 (S, lds, qp, kp, d, tau, tl->MR, tl->NV);
}

static inline __attribute__ ((always_inline)) void
pv_dispatch (const tiles_t *tl, int nv, double *O, size_t ldo, const double *E, size_t lde,
             const double *a, const double *Vp, size_t ldv, size_t kb)
{
#define PV(SFX)                                                                 \
  switch (nv)                                                                   \
    {                                                                           \
    case 1: pv_tile_##SFX (O, ldo, E, lde, a, Vp, ldv, kb, tl->MRP, 1); break;  \
    case 2: pv_tile_##SFX (O, ldo, E, lde, a, Vp, ldv, kb, tl->MRP, 2); break;  \
    case 3: pv_tile_##SFX (O, ldo, E, lde, a, Vp, ldv, kb, tl->MRP, 3); break;  \
    default: pv_tile_##SFX (O, ldo, E, lde, a, Vp, ldv, kb, tl->MRP, 4); break; \
    }
  if (tl->W == 8)
    PV (v8)
  else if (tl->W == 4)
    PV (v4)
  else
    PV (v2)
#undef PV
}

/* One block of query rows [i0, i0 + qb) against all the keys.  Inlined into
   one function per instruction set, with the tiles as constants.  */
static inline __attribute__ ((always_inline)) void
qblock (const job_t *job, size_t i0, double *scratch, fgap_attn_count *c, size_t *bad,
        size_t *bad_lse, const tiles_t *tl)
{
  const fga_mat_struct *Q = job->Q, *K = job->K, *V = job->V;
  const size_t nq = Q->rows, nk = K->rows, d = Q->cols, dv = V->cols;
  const size_t W = tl->W, MR = tl->MR, NR = tl->W * tl->NV, MRP = tl->MRP;
  const size_t bqp = job->bqp, bkp = job->bkp, dvp = job->dvp;
  const double tau = job->tau;
  const size_t qb = nq - i0 < job->bq ? nq - i0 : job->bq;
  const size_t qbp = round_up (qb, job->rm);

  double *qp = scratch;
  double *kp = qp + round_up (bqp * d, 8);
  double *S = kp + round_up (bkp * d, 8);
  double *O = S + round_up (bqp * bkp, 8);
  double *vpad = O + round_up (bqp * dvp, 8);
  double *m = vpad + round_up (job->bk * dvp, 8);
  double *l = m + bqp, *a = l + bqp;

  /* Q panels: qp[p MR d + t MR + r] = Q[i0 + p MR + r][t], zero rows past qb. */
  for (size_t p = 0; p < qbp / MR; p++)
    for (size_t r = 0; r < MR; r++)
      {
        size_t i = p * MR + r;
        double *dst = qp + p * MR * d + r;
        if (i < qb)
          {
            const double *src = &FGA_MAT (Q, i0 + i, 0);
            for (size_t t = 0; t < d; t++)
              dst[t * MR] = src[t];
          }
        else
          for (size_t t = 0; t < d; t++)
            dst[t * MR] = 0;
      }
  memset (O, 0, qbp * dvp * sizeof (double));
  for (size_t i = 0; i < qbp; i++)
    {
      m[i] = -INFINITY;
      l[i] = 0;
      a[i] = 0;
    }

  for (size_t j0 = 0; j0 < nk; j0 += job->bk)
    {
      const size_t kb = nk - j0 < job->bk ? nk - j0 : job->bk;
      const size_t kbp = round_up (kb, NR);

      /* K panels, transposed: kp[q NR d + t NR + c] = K[j0 + q NR + c][t]. */
      for (size_t q = 0; q < kbp / NR; q++)
        for (size_t cc = 0; cc < NR; cc++)
          {
            size_t j = q * NR + cc;
            double *dst = kp + q * NR * d + cc;
            if (j < kb)
              {
                const double *src = &FGA_MAT (K, j0 + j, 0);
                for (size_t t = 0; t < d; t++)
                  dst[t * NR] = src[t];
              }
            else
              for (size_t t = 0; t < d; t++)
                dst[t * NR] = 0;
          }

      /* V is read in place when its rows are whole vectors.  */
      const double *vp;
      size_t ldv;
      if (dv % W == 0)
        {
          vp = dv > 0 ? &FGA_MAT (V, j0, 0) : vpad;
          ldv = dv;
        }
      else
        {
          for (size_t j = 0; j < kb; j++)
            {
              memcpy (vpad + j * dvp, &FGA_MAT (V, j0 + j, 0), dv * sizeof (double));
              memset (vpad + j * dvp + dv, 0, (dvp - dv) * sizeof (double));
            }
          vp = vpad;
          ldv = dvp;
        }

      for (size_t q = 0; q < kbp / NR; q++)
        for (size_t p = 0; p < qbp / MR; p++)
          qk_dispatch (tl, S + p * MR * bkp + q * NR, bkp, qp + p * MR * d, kp + q * NR * d,
                       d, tau);
      c->mul += qb * kb * (d + 1);
      c->add += qb * kb * (d - 1);

      for (size_t i = 0; i < qb; i++)
        {
          double *s = S + i * bkp;
          const int k = fgap_qscale_row (job->qs, i0 + i);
          double mx = m[i];
#pragma omp simd reduction (max:mx)
          for (size_t j = 0; j < kb; j++)
            mx = s[j] > mx ? s[j] : mx;
          double alpha = fgap_exp_diff (m[i], mx, k);
          double sum = alpha * l[i];
          if (k == 0)
            {
#pragma omp simd reduction (+:sum)
              for (size_t j = 0; j < kb; j++)
                {
                  double e = exp (s[j] - mx);
                  s[j] = e;
                  sum += e;
                }
            }
          else
            /* a rescaled row: the scores are s 2^k (attention-util.h) */
            for (size_t j = 0; j < kb; j++)
              {
                double e = exp (ldexp (s[j] - mx, k));
                s[j] = e;
                sum += e;
              }
          m[i] = mx;
          l[i] = sum;
          a[i] = alpha;
        }
      c->cmp += qb * kb;
      c->add += qb * (1 + 2 * kb);
      c->exp += qb * (1 + kb);
      c->mul += qb;

      for (size_t p = 0; p < qbp / MRP; p++)
        for (size_t c0 = 0; c0 < dvp; c0 += W * tl->NVP)
          {
            int nv = (int) ((dvp - c0) / W);
            pv_dispatch (tl, nv < tl->NVP ? nv : tl->NVP, O + p * MRP * dvp + c0, dvp,
                         S + p * MRP * bkp, bkp, a + p * MRP, vp + c0, ldv, kb);
          }
      c->mul += qb * dv * (kb + 1);
      c->add += qb * dv * kb;
    }

  for (size_t i = 0; i < qb; i++)
    {
      for (size_t col = 0; col < dv; col++)
        FGA_MAT (job->T, i0 + i, col) = O[i * dvp + col] / l[i];
      if (!isfinite (m[i]) || !isfinite (l[i]))
        *bad = *bad < i0 + i ? *bad : i0 + i;
      else if (job->lse != NULL)
        {
          double x = fgap_lse (m[i], l[i], fgap_qscale_row (job->qs, i0 + i));
          job->lse[i0 + i] = x;
          if (!isfinite (x))
            *bad_lse = *bad_lse < i0 + i ? *bad_lse : i0 + i;
        }
    }
  c->div += qb * dv;
  if (job->lse != NULL)
    {
      c->exp += qb;
      c->add += qb;
    }
}

typedef void (*qblock_fn) (const job_t *, size_t, double *, fgap_attn_count *, size_t *,
                           size_t *);

static void
qblock_generic (const job_t *job, size_t i0, double *scratch, fgap_attn_count *c, size_t *bad,
                size_t *bad_lse)
{
  qblock (job, i0, scratch, c, bad, bad_lse, &tiles_generic);
}

#if FGA_ATTN_X86
static FGA_TARGET_AVX2 void
qblock_avx2 (const job_t *job, size_t i0, double *scratch, fgap_attn_count *c, size_t *bad,
             size_t *bad_lse)
{
  qblock (job, i0, scratch, c, bad, bad_lse, &tiles_avx2);
}

static FGA_TARGET_AVX512 void
qblock_avx512 (const job_t *job, size_t i0, double *scratch, fgap_attn_count *c, size_t *bad,
               size_t *bad_lse)
{
  qblock (job, i0, scratch, c, bad, bad_lse, &tiles_avx512);
}
#endif

int
fga_attention_stream (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                      fga_mat_srcptr V, double tau, size_t block, fga_stats *st,
                      fga_error *err)
{
  int rc = fgap_attn_check (fn, T, Q, K, V, tau, err);
  if (rc != FGA_OK)
    return rc;
  const size_t nq = Q->rows, nk = K->rows, d = Q->cols, dv = V->cols;

  const tiles_t *tl = &tiles_generic;
  qblock_fn run = qblock_generic;
#if FGA_ATTN_X86
  switch (fgap_attn_isa ())
    {
    case FGA_ISA_AVX512:
      tl = &tiles_avx512;
      run = qblock_avx512;
      break;
    case FGA_ISA_AVX2:
      tl = &tiles_avx2;
      run = qblock_avx2;
      break;
    default:
      break;
    }
#endif

  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  fgap_qscale qs;
  fgap_vscale vs;
  if ((rc = fgap_scale_init (&qs, &vs, &Q, K, &V, tau, &mt, fn, err)) != FGA_OK)
    return rc;

  job_t job;
  job.Q = Q;
  job.K = K;
  job.V = V;
  job.qs = &qs;
  job.T = T;
  job.lse = lse;
  job.tau = tau;
  job.bk = block > 0 ? block : DEFAULT_BK;
  if (job.bk > nk)
    job.bk = nk;
  /* rows per block: a multiple of both row tiles */
  size_t rm = (size_t) tl->MR;
  while (rm % (size_t) tl->MRP != 0)
    rm += (size_t) tl->MR;
  job.rm = rm;
  job.bq = round_up (QROWS, rm);
  if (job.bq > round_up (nq, rm))
    job.bq = round_up (nq > 0 ? nq : 1, rm);
  job.bqp = job.bq;
  job.bkp = round_up (job.bk, (size_t) (tl->W * tl->NV));
  job.dvp = round_up (dv, (size_t) tl->W);
  size_t nblocks = (nq + job.bq - 1) / job.bq;
  int nt = fgap_attn_threads (nq, nk, d, dv, nblocks);
  size_t bytes = 0;
  void *raw = NULL;
  if ((rc = scratch_layout (&job, d, err)) != FGA_OK)
    goto done;
  if (fgap_size_mul (&bytes, job.per_thread * sizeof (double), (size_t) nt)
      || bytes > SIZE_MAX - 64)
    {
      rc = fgap_error_set (err, FGA_ERR_NOMEM, "%s: %d threads need more scratch than size_t "
                          "can count", fn, nt);
      goto done;
    }
  raw = fgap_talloc (&mt, bytes + 64, "the tiles of the online softmax", err);
  if (raw == NULL)
    {
      rc = FGA_ERR_NOMEM;
      goto done;
    }
  double *scratch = (double *) (((uintptr_t) raw + 63) & ~(uintptr_t) 63);

  size_t bad = SIZE_MAX, bad_lse = SIZE_MAX;
  uint64_t n_mul = 0, n_add = 0, n_exp = 0, n_div = 0, n_cmp = 0;
#pragma omp parallel num_threads (nt) reduction (+:n_mul, n_add, n_exp, n_div, n_cmp) \
  reduction (min:bad, bad_lse)
  {
    int me = 0;
#ifdef _OPENMP
    me = omp_get_thread_num ();
#endif
    double *mine = scratch + (size_t) me * job.per_thread;
    fgap_attn_count c = { 0, 0, 0, 0, 0 };
#pragma omp for schedule (dynamic, 1)
    for (size_t b = 0; b < nblocks; b++)
      run (&job, b * job.bq, mine, &c, &bad, &bad_lse);
    n_mul += c.mul;
    n_add += c.add;
    n_exp += c.exp;
    n_div += c.div;
    n_cmp += c.cmp;
  }
  fgap_tfree (&mt, raw, bytes + 64);
  raw = NULL;
  fgap_vscale_finish (&vs, T, 1, 0, fn, NULL, err);

  fgap_attn_count c = { n_mul, n_add, n_exp, n_div, n_cmp };
  fgap_attn_count_store (st, &c, mt.peak, nt);
  if (st != NULL)
    fga_stats_set (st, "block", (double) job.bk);
  if (bad != SIZE_MAX)
    rc = fgap_attn_overflow (fn, bad, err);
  else if (bad_lse != SIZE_MAX)
    rc = fgap_attn_lse_overflow (fn, bad_lse, err);

done:
  if (raw != NULL)
    fgap_tfree (&mt, raw, bytes + 64);
  fgap_vscale_clear (&vs, &mt);
  fgap_qscale_clear (&qs, &mt);
  return rc;
}
