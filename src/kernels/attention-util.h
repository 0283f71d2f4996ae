/* attention-util.h -- private helpers of the double attention kernels: checks, counts, SIMD choice */

#ifndef FGA_ATTENTION_UTIL_H
#define FGA_ATTENTION_UTIL_H

#include <stdint.h>
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
fga_attn_isa (void)
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
fga_attn_threads (size_t nq, size_t nk, size_t d, size_t dv, size_t units)
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
fga_attn_count_store (fga_stats *st, const fgap_attn_count *c, size_t peak, int threads)
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
fga_attn_check (const char *fn, fga_mat_srcptr T, fga_mat_srcptr Q, fga_mat_srcptr K,
                fga_mat_srcptr V, double tau, fga_error *err)
{
  int rc;
  if (T == NULL || Q == NULL || K == NULL || V == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: T, Q, K and V must not be NULL", fn);
  if (Q->cols != K->cols)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: Q is %zu x %zu and K is %zu x %zu: their numbers of columns "
                          "(the key dimension d) differ", fn, Q->rows, Q->cols, K->rows, K->cols);
  if (K->rows != V->rows)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: K is %zu x %zu and V is %zu x %zu: their numbers of rows "
                          "(the number of keys nk) differ", fn, K->rows, K->cols, V->rows, V->cols);
  if (T->rows != Q->rows || T->cols != V->cols)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: T is %zu x %zu but Q is %zu x %zu and V is %zu x %zu, so T must "
                          "be %zu x %zu", fn, T->rows, T->cols, Q->rows, Q->cols, V->rows,
                          V->cols, Q->rows, V->cols);
  if (K->rows == 0)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: K is 0 x %zu: attention over no keys is undefined", fn, K->cols);
  if (Q->cols == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: Q is %zu x 0 and K is %zu x 0: d must be "
                          "at least 1", fn, Q->rows, K->rows);
  if (!(tau > 0) || !isfinite (tau))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: tau = %g must be positive and finite",
                          fn, tau);
  fga_error local;
  if ((rc = fga_mat_check_finite (Q, "Q", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (K, "K", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (V, "V", &local)) != FGA_OK)
    return fgap_error_set (err, rc, "%s: %s", fn, local.msg);
  return FGA_OK;
}

/* A row whose maximum or sum is not finite had a score that overflowed
   (finite entries whose product exceeds the double range).  */
static inline int
fga_attn_overflow (const char *fn, size_t row, fga_error *err)
{
  return fgap_error_set (err, FGA_ERR_COMPUTE,
                        "%s: row %zu of the scores tau Q K^T overflows the double range",
                        fn, row);
}

#endif /* FGA_ATTENTION_UTIL_H */
