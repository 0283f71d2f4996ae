/* attention-util.h -- private helpers of the double attention kernels: checks, counts, SIMD choice */

#ifndef FGA_ATTENTION_UTIL_H
#define FGA_ATTENTION_UTIL_H

#include <stdint.h>
#include "numerics/numerics-impl.h"
#ifdef _OPENMP
# include <omp.h>
#endif

/* glibc declares the vector variants of exp (libmvec) only under
   -ffast-math; declaring them here lets `omp simd' loops call them without
   the rest of fast-math.  libmvec's exp is within 1 ulp on every variant,
   which the accuracy tests of tests/kernels/t-exact.c check.  The naive kernel does
   not ask for them: it stays with the scalar exp of libm.  */
#if defined FGA_ATTN_SIMD_EXP && defined __x86_64__ && defined __GLIBC__ && defined _OPENMP \
  && !defined __FAST_MATH__
# pragma omp declare simd notinbranch
extern double exp (double);
#endif

/* The instruction sets the kernels are compiled for.  The library is built
   for the baseline of the architecture, so the fast variants carry a target
   attribute and are chosen at run time.  */
#if defined __x86_64__ && defined __GNUC__ && !defined __clang__
# define FGA_ATTN_X86 1
# define FGA_TARGET_AVX2 __attribute__ ((target ("avx2,fma")))
# define FGA_TARGET_AVX512 __attribute__ ((target ("avx512f,avx2,fma")))
#else
# define FGA_ATTN_X86 0
#endif

enum { FGA_ISA_GENERIC = 0, FGA_ISA_AVX2 = 2, FGA_ISA_AVX512 = 3 };

/* The best instruction set the processor and the operating system support,
   lowered (never raised) by the environment variable FGATTN_ISA=generic|avx2|avx512,
   which lets the tests and the benchmark run every variant on one machine. */
static inline int
fgap_attn_isa (void)
{
  int isa = FGA_ISA_GENERIC;
#if FGA_ATTN_X86
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    {
      isa = FGA_ISA_AVX2;
      if (__builtin_cpu_supports ("avx512f"))
        isa = FGA_ISA_AVX512;
    }
#endif
  const char *want = getenv ("FGATTN_ISA");
  if (want != NULL)
    {
      int w = isa;
      if (strcmp (want, "generic") == 0)
        w = FGA_ISA_GENERIC;
      else if (strcmp (want, "avx2") == 0)
        w = FGA_ISA_AVX2;
      if (w < isa)
        isa = w;
    }
  return isa;
}

/* Threads for a kernel: OpenMP's maximum, at most one per unit of work
   (rows or blocks of rows), and one when the whole is too small to repay
   waking the others (nq nk (d + dv) below 2^18 multiply-adds).  */
static inline int
fgap_attn_threads (size_t nq, size_t nk, size_t d, size_t dv, size_t units)
{
  int nt = 1;
#ifdef _OPENMP
  nt = fgap_max_threads ();
#endif
  if ((size_t) nt > units)
    nt = units > 0 ? (int) units : 1;
  double work = (double) nq * (double) nk * (double) (d + dv);
  if (work < (double) (1 << 18))
    nt = 1;
  return nt;
}

/* Operation counts of one kernel, by kind; summed over threads with an
   OpenMP reduction, which is exact on integers whatever the order.  */
typedef struct
{
  uint64_t mul, add, exp, div, cmp;
} fgap_attn_count;

static inline void
fgap_attn_count_store (fga_stats *st, const fgap_attn_count *c, size_t peak, int threads)
{
  if (st == NULL)
    return;
  st->n_mul = c->mul;
  st->n_add = c->add;
  st->n_exp = c->exp;
  st->n_div = c->div;
  st->n_cmp = c->cmp;
  st->peak_bytes = peak;
  st->threads = threads;
}

/* Refuses what the kernels cannot compute, before any work: missing
   matrices, shapes that do not fit together, no keys (the softmax of an
   empty row is undefined), d = 0, a tau that is not positive and finite, and
   NaN or infinite entries.  nq = 0 and dv = 0 are allowed: there is nothing
   to compute.  */
static inline int
fgap_attn_check (const char *fn, fga_mat_srcptr T, fga_mat_srcptr Q, fga_mat_srcptr K,
                fga_mat_srcptr V, double tau, fga_error *err)
{
  int rc;
  if (T == NULL || Q == NULL || K == NULL || V == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: T, Q, K and V must not be NULL", fn);
  if ((rc = fgap_check_qk (fn, Q, K, tau, err)) != FGA_OK)
    return rc;
  if (K->rows != V->rows)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: K is %zu x %zu and V is %zu x %zu: their numbers of rows "
                          "(the number of keys nk) differ", fn, K->rows, K->cols, V->rows, V->cols);
  if (T->rows != Q->rows || T->cols != V->cols)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: T is %zu x %zu but Q is %zu x %zu and V is %zu x %zu, so T must "
                          "be %zu x %zu", fn, T->rows, T->cols, Q->rows, Q->cols, V->rows,
                          V->cols, Q->rows, V->cols);
  fga_error local;
  if ((rc = fga_mat_check_finite (Q, "Q", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (K, "K", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (V, "V", &local)) != FGA_OK)
    return fgap_error_set (err, rc, "%s: %s", fn, local.msg);
  return FGA_OK;
}

/* A row whose maximum or sum is not finite had a score that overflowed.
   With the rescaling below no score can (fgap_qscale_init), so this is a
   net under it, not an expected outcome.  */
static inline int
fgap_attn_overflow (const char *fn, size_t row, fga_error *err)
{
  return fgap_error_set (err, FGA_ERR_COMPUTE,
                        "%s: row %zu of the scores tau Q K^T overflows the double range",
                        fn, row);
}

/* The log-sum-exp of a rescaled row, m 2^k + log l, outside the double
   range: the output is right, but lse_i cannot be returned.  */
static inline int
fgap_attn_lse_overflow (const char *fn, size_t row, fga_error *err)
{
  return fgap_error_set (err, FGA_ERR_COMPUTE,
                        "%s: the log-sum-exp of row %zu of the scores tau Q K^T overflows "
                        "the double range (|lse| > 1.8e308); run without lse", fn, row);
}

/* ------------------------------------------------------------------ */
/* One counted softmax row, shared by the naive kernel, the sparse kernel
   and fga_attention_matrix.

   s[0..n) holds the scores of a row (n >= 1) divided by 2^k: the row's
   scores are s_j 2^k (k = 0 for every row that was not rescaled, see
   fgap_qscale below).  On return *m = max_j s_j (still divided by 2^k),
   s_j = exp ((s_j - *m) 2^k) and the sum of the weights, added left to
   right from s_0, is returned; it is in [1, n] because the largest
   weight is exactly 1.  The product (s_j - m) 2^k is exact unless it
   falls below -DBL_MAX, where it becomes -Inf and the weight 0: the true
   weight, e^{-1.8e308}, underflows to 0 as well.

   Counts, added to c: n - 1 cmp (the maximum), n add and n exp (the
   weights), n - 1 add (the sum).  The multiplications by 2^k of a
   rescaled row are changes of exponent and are not counted.  */
static inline __attribute__ ((always_inline)) double
fgap_softmax_row (double *restrict s, size_t n, int k, double *m, fgap_attn_count *c)
{
  double mx = s[0];
  for (size_t j = 1; j < n; j++)
    if (s[j] > mx)
      mx = s[j];
  c->cmp += n - 1;

  if (k == 0)
    for (size_t j = 0; j < n; j++)
      s[j] = exp (s[j] - mx);
  else
    for (size_t j = 0; j < n; j++)
      s[j] = exp (ldexp (s[j] - mx, k));
  c->add += n;
  c->exp += n;

  double l = s[0];
  for (size_t j = 1; j < n; j++)
    l += s[j];
  c->add += n - 1;
  *m = mx;
  return l;
}

/* The weight e^{(a - b) 2^k} that rescales a state of maximum a to the
   maximum b >= a (the online softmax of stream and the merges of sparse). */
static inline double
fgap_exp_diff (double a, double b, int k)
{
  return k == 0 ? exp (a - b) : exp (ldexp (a - b, k));
}

/* lse = m 2^k + log l of a row; not finite when it leaves the range.  */
static inline double
fgap_lse (double m, double l, int k)
{
  return (k == 0 ? m : ldexp (m, k)) + log (l);
}

/* ------------------------------------------------------------------ */
/* Powers of two that keep the scores and the weighted sums of V in the
   double range (src/kernels/scale.c).  Both are tested once per run, from
   the largest entries of Q, K and V; the copies are made only when needed,
   which finite data of ordinary size never need.

   Scores.  Every partial sum of the dot product <q_i, k_j>, and its
   product with tau, is at most B_i = max (1, tau) d max_t |q_it| max|K| in
   magnitude, times 1 + d u for the rounding.  When B_i < 2^1020 for every
   row (tested on max|Q|) nothing can overflow and Q is used as it is.
   Otherwise row i is replaced by q_i 2^-k_i, k_i >= 0 the least exponent
   that brings its bound below 2^1020 (k_i = 0 for the rows that need
   none): the kernels compute s'_ij = tau <q_i 2^-k_i, k_j>, whose true
   value s'_ij 2^k_i may lie far outside the double range, and their
   softmax is computed from the differences (s'_ij - m'_i) 2^k_i
   (fgap_softmax_row).  So finite Q and K never overflow, in either
   sign, and the output is right even when a score overflows for real.
   The rescaling is exact except for the entries of q_i 2^-k_i and the
   products that fall among the subnormals: each score of a rescaled row
   moves by at most (tau d (max|K| + 1) + 1) 2^(k_i - 1075) more, the
   absolute underflow of an unscaled row times 2^k_i, and below
   2^-175 max|q_i| (tau d (max|K| + 1) + 1) since the row's largest entry
   stays at or above 2^-900 after the rescaling.  A row that would need more is
   refused (FGA_ERR_COMPUTE); that takes tau d max|K| >= 2^1917, so
   tau > 2^830.

   Values.  The weights of a row lie in [0, 1] and the largest is 1, so
   every partial sum of sum_j e_j v_j is at most W max|V| (1 + W u) in
   magnitude, W <= 64 nk < 2^67 the total weight of the row (nk < 2^61: K
   holds nk d doubles; the sparse kernel counts a key at most
   FGA_SPARSE_MAX_LEVELS = 64 times), which is below 2^1018 when
   max|V| < 2^950.  When max|V| >= 2^950, or max|V| < 2^-950 (where the
   products e_j v_j that underflow, by at most 2^-1075 each, would no
   longer be negligible against the 2 nk u max|V| of the sums), the
   kernels work on V 2^-e, e the exponent of max|V| (max|V| 2^-e in
   [1/2, 1)), and the output is clamped to [-max|V| 2^-e, max|V| 2^-e]
   (the exact output is a weighted mean of the rows of V: the clamp only
   removes rounding, and keeps max|V| = DBL_MAX from rounding up to Inf)
   and multiplied by 2^e.  With V used as it is, the underflows add at
   most W 2^-1075 < 2^-60 nk u max|V|.  V 2^-e is exact when e < 0; when
   e > 0 the entries below 2^(e - 1022) lose bits, at most
   2^(e - 1075) <= 2^-1074 max|V| each.  The final multiplication by 2^e
   is exact when e > 0; when e < 0 it rounds the outputs that are
   subnormal, by at most 2^-1075.  */

#define FGAP_SCORE_EXP 1020     /* B_i < 2^1020: the row is computed as it is */
#define FGAP_QROW_MIN_EXP (-900) /* the least exponent of a rescaled row's largest entry */
#define FGAP_V_EXP_HI 950       /* max|V| in [2^-950, 2^950): V is used as it is */

typedef struct
{
  int *k;                      /* nq exponents k_i, NULL when no row is rescaled */
  fga_mat_struct copy;         /* Q with row i times 2^-k_i; data NULL with k */
  size_t kbytes, bytes;
} fgap_qscale;

typedef struct
{
  int e;                       /* the kernel works on V 2^-e; 0: on V itself */
  double vmax;                 /* max|V| */
  fga_mat_struct copy;         /* V 2^-e when e != 0 and a copy was asked for */
  size_t bytes;
} fgap_vscale;

/* Chooses the k_i for Q, K and tau and, when some k_i > 0, points *Q at
   the rescaled copy (tracked by mt; freed by fgap_qscale_clear).  Refuses
   a row that cannot be rescaled (see above), naming fn and the row.  */
int fgap_qscale_init (fgap_qscale *qs, fga_mat_srcptr *Q, fga_mat_srcptr K, double tau,
                      fgap_memtrack *mt, const char *fn, fga_error *err);
void fgap_qscale_clear (fgap_qscale *qs, fgap_memtrack *mt);

/* The exponent k_i of row i (0 when no row is rescaled).  */
static inline int
fgap_qscale_row (const fgap_qscale *qs, size_t i)
{
  return qs->k != NULL ? qs->k[i] : 0;
}

/* Chooses e for V and, when e != 0 and copy is nonzero, points *V at V 2^-e
   (tracked by mt; freed by fgap_vscale_clear).  With copy = 0 the caller
   scales its own copy of V by fgap_vscale_value.  */
int fgap_vscale_init (fgap_vscale *vs, fga_mat_srcptr *V, int copy, fgap_memtrack *mt,
                      const char *fn, fga_error *err);
void fgap_vscale_clear (fgap_vscale *vs, fgap_memtrack *mt);

/* Both at once, as every exact kernel needs them: Q's rows and V (copied
   when scaled); on failure nothing is left allocated.  */
int fgap_scale_init (fgap_qscale *qs, fgap_vscale *vs, fga_mat_srcptr *Q, fga_mat_srcptr K,
                     fga_mat_srcptr *V, double tau, fgap_memtrack *mt, const char *fn,
                     fga_error *err);

static inline double
fgap_vscale_value (const fgap_vscale *vs, double v)
{
  return vs->e == 0 ? v : ldexp (v, -vs->e);
}

/* Undoes the scaling on T (computed from V 2^-e): T = T 2^e, after clamping
   T to [-max|V| 2^-e, max|V| 2^-e] when `mean' is nonzero (T is, up to
   rounding, a weighted mean of the rows of V with non-negative weights).
   With `check' nonzero, refuses the first entry of T that is not finite
   (FGA_ERR_COMPUTE), naming fn, the entry, and `why' (what the method's
   output is, for the message).  */
int fgap_vscale_finish (const fgap_vscale *vs, fga_mat_ptr T, int mean, int check,
                        const char *fn, const char *why, fga_error *err);

/* One row of scores s[0..n): s = tau s, m = max s, s = exp (s - m), l = sum s.
   The maximum and the sum start from the first element.  Inlined, so that
   it is vectorised for the ISA of its caller (the blas kernel's variants,
   the randomized rank's row blocks).  A row rescaled by 2^-k goes through
   fgap_softmax_row instead, which performs the same operations.  */
static inline __attribute__ ((always_inline)) void
fgap_row_softmax_simd (double *s, size_t n, double tau, double *m, double *l)
{
  s[0] *= tau;
  double mx = s[0];
#pragma omp simd reduction (max:mx)
  for (size_t j = 1; j < n; j++)
    {
      double x = s[j] * tau;
      s[j] = x;
      mx = x > mx ? x : mx;
    }
  s[0] = exp (s[0] - mx);
  double sum = s[0];
#pragma omp simd reduction (+:sum)
  for (size_t j = 1; j < n; j++)
    {
      double e = exp (s[j] - mx);
      s[j] = e;
      sum += e;
    }
  *m = mx;
  *l = sum;
}

#endif /* FGA_ATTENTION_UTIL_H */
