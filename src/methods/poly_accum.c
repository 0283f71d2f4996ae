/* poly_accum.c -- the two products of a tile of method poly, written for a few value columns

   For a block of feature columns, method poly's run (poly.c) multiplies
   each tile of features F (cbb columns of len entries, column c at
   F + c ld) twice:

     keys      M[c][col]    = sum_j F[c][j] W[j][col],   W = [V 1]
     queries   [T w][i][col] += sum_c F[c][i] M[c][col].

   With the dv + 1 value columns of attention (dv = d, often 4 to 16) both
   are thin products: a general DGEMM spends such shapes packing panels
   and in its edge kernels (OpenBLAS ran the whole of them at 5-11 GFLOP/s
   at d = 4, against 100 for a square product), and the column of ones
   took a dgemv of its own.  Here the sums run straight off the tile:

   - keys: lane l of eight takes the terms j = l mod 8 of each sum, in
     increasing j, by fused multiply-add from zero, across all the tiles a
     thread takes in a block (the lanes stay in memory between tiles, a
     partial strip reads zeros); fgap_poly_accum_reduce then adds the eight
     lanes as ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)).  W is read
     transposed (Wt, dw rows of nk: the row dv all ones, whose fma with 1
     is the plain sum), so every load is unit-stride.
   - queries: each entry of [T w] is one chain of fused multiply-adds over
     the block's features in order, starting from the entry (beta) or
     zero; eight rows per vector, no lanes to add up.

   The sequence of operations of each sum is fixed by the data's shape
   and the tiles alone, and each operation is one correctly rounded IEEE
   fma or addition, so the AVX-512, AVX2 and baseline variants give the
   same bits (the baseline calls fma (), which is exact everywhere and a
   single instruction on every processor that has one; on an x86 processor
   without FMA, from before 2013, it is slow but still right).  The file
   is compiled without contraction, so no a * b + c is fused behind the
   code's back.

   Error: each sum is a dot product computed in some order with fused
   multiply-adds, which is what lemma 6 of theory/upper-bound.md charges
   (gamma_n for a sum of n terms, whatever the order); nothing here
   changes the method's bound.  The operation counts of poly.c stay exact:
   a sum of n terms in lanes is n products and n - 1 additions (the first
   fma of a lane is a product, the seven lane additions replace the seven
   fmas a single chain would have had); zeros of the padding are not
   counted, as in the exact kernels.  */

#include "core/fga-impl.h"
#include "methods/poly_impl.h"
#include "kernels/attention-util.h"

#include <math.h>
#include <string.h>

#ifdef __clang__
# pragma STDC FP_CONTRACT OFF
#else
# pragma GCC optimize ("fp-contract=off")
#endif

#if FGA_ATTN_X86
# include <immintrin.h>
#endif

/* ------------------------------------------------------------------ */
/* The baseline: eight doubles, fma () lane by lane.  */

typedef struct
{
  double x[8];
} kv_generic;

static inline kv_generic
kv_zero_generic (void)
{
  kv_generic v;
  for (int l = 0; l < 8; l++)
    v.x[l] = 0;
  return v;
}

static inline kv_generic
kv_load_generic (const double *p)
{
  kv_generic v;
  memcpy (v.x, p, sizeof v.x);
  return v;
}

static inline kv_generic
kv_loadn_generic (const double *p, size_t n)
{
  kv_generic v = kv_zero_generic ();
  memcpy (v.x, p, n * sizeof (double));
  return v;
}

static inline void
kv_store_generic (double *p, kv_generic v)
{
  memcpy (p, v.x, sizeof v.x);
}

static inline void
kv_storen_generic (double *p, kv_generic v, size_t n)
{
  memcpy (p, v.x, n * sizeof (double));
}

static inline kv_generic
kv_mul_generic (kv_generic a, kv_generic b)
{
  kv_generic v;
  for (int l = 0; l < 8; l++)
    v.x[l] = a.x[l] * b.x[l];
  return v;
}

static inline kv_generic
kv_set1_generic (double a)
{
  kv_generic v;
  for (int l = 0; l < 8; l++)
    v.x[l] = a;
  return v;
}

static inline kv_generic
kv_fma_generic (kv_generic a, kv_generic b, kv_generic c)
{
  kv_generic v;
  for (int l = 0; l < 8; l++)
    v.x[l] = fma (a.x[l], b.x[l], c.x[l]);
  return v;
}

#define KSUF generic
#define KATTR
#define KCB 1
#define KIB 1
#include "methods/poly_accum-kern.h"

#if FGA_ATTN_X86
/* ------------------------------------------------------------------ */
/* AVX2: two vectors of four.  */

typedef struct
{
  __m256d lo, hi;
} kv_avx2;

static FGA_TARGET_AVX2 inline kv_avx2
kv_zero_avx2 (void)
{
  kv_avx2 v = { _mm256_setzero_pd (), _mm256_setzero_pd () };
  return v;
}

static FGA_TARGET_AVX2 inline kv_avx2
kv_load_avx2 (const double *p)
{
  kv_avx2 v = { _mm256_loadu_pd (p), _mm256_loadu_pd (p + 4) };
  return v;
}

static FGA_TARGET_AVX2 inline kv_avx2
kv_loadn_avx2 (const double *p, size_t n)
{
  double t[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
  memcpy (t, p, n * sizeof (double));
  return kv_load_avx2 (t);
}

static FGA_TARGET_AVX2 inline void
kv_store_avx2 (double *p, kv_avx2 v)
{
  _mm256_storeu_pd (p, v.lo);
  _mm256_storeu_pd (p + 4, v.hi);
}

static FGA_TARGET_AVX2 inline void
kv_storen_avx2 (double *p, kv_avx2 v, size_t n)
{
  double t[8];
  kv_store_avx2 (t, v);
  memcpy (p, t, n * sizeof (double));
}

static FGA_TARGET_AVX2 inline kv_avx2
kv_mul_avx2 (kv_avx2 a, kv_avx2 b)
{
  kv_avx2 v = { _mm256_mul_pd (a.lo, b.lo), _mm256_mul_pd (a.hi, b.hi) };
  return v;
}

static FGA_TARGET_AVX2 inline kv_avx2
kv_set1_avx2 (double a)
{
  kv_avx2 v = { _mm256_set1_pd (a), _mm256_set1_pd (a) };
  return v;
}

static FGA_TARGET_AVX2 inline kv_avx2
kv_fma_avx2 (kv_avx2 a, kv_avx2 b, kv_avx2 c)
{
  kv_avx2 v = { _mm256_fmadd_pd (a.lo, b.lo, c.lo), _mm256_fmadd_pd (a.hi, b.hi, c.hi) };
  return v;
}

#define KSUF avx2
#define KATTR FGA_TARGET_AVX2
#define KCB 1
#define KIB 1
#include "methods/poly_accum-kern.h"

/* ------------------------------------------------------------------ */
/* AVX-512: one vector of eight; a partial strip by a masked load.  */

typedef __m512d kv_avx512;

static FGA_TARGET_AVX512 inline kv_avx512
kv_zero_avx512 (void)
{
  return _mm512_setzero_pd ();
}

static FGA_TARGET_AVX512 inline kv_avx512
kv_load_avx512 (const double *p)
{
  return _mm512_loadu_pd (p);
}

static FGA_TARGET_AVX512 inline kv_avx512
kv_loadn_avx512 (const double *p, size_t n)
{
  return _mm512_maskz_loadu_pd ((__mmask8) ((1u << n) - 1), p);
}

static FGA_TARGET_AVX512 inline void
kv_store_avx512 (double *p, kv_avx512 v)
{
  _mm512_storeu_pd (p, v);
}

static FGA_TARGET_AVX512 inline void
kv_storen_avx512 (double *p, kv_avx512 v, size_t n)
{
  _mm512_mask_storeu_pd (p, (__mmask8) ((1u << n) - 1), v);
}

static FGA_TARGET_AVX512 inline kv_avx512
kv_mul_avx512 (kv_avx512 a, kv_avx512 b)
{
  return _mm512_mul_pd (a, b);
}

static FGA_TARGET_AVX512 inline kv_avx512
kv_set1_avx512 (double a)
{
  return _mm512_set1_pd (a);
}

static FGA_TARGET_AVX512 inline kv_avx512
kv_fma_avx512 (kv_avx512 a, kv_avx512 b, kv_avx512 c)
{
  return _mm512_fmadd_pd (a, b, c);
}

#define KSUF avx512
#define KATTR FGA_TARGET_AVX512
#define KCB 4
#define KIB 4
#include "methods/poly_accum-kern.h"
#endif /* FGA_ATTN_X86 */

fgap_poly_accum
fgap_poly_accum_select (int isa)
{
  fgap_poly_accum a = { keys_generic, queries_generic };
#if FGA_ATTN_X86
  if (isa >= FGA_ISA_AVX512)
    a = (fgap_poly_accum) { keys_avx512, queries_avx512 };
  else if (isa >= FGA_ISA_AVX2)
    a = (fgap_poly_accum) { keys_avx2, queries_avx2 };
#else
  (void) isa;
#endif
  return a;
}

void
fgap_poly_accum_reduce (double *M, const double *P, size_t cbb, size_t dw)
{
  for (size_t e = 0; e < cbb * dw; e++)
    {
      const double *l = P + e * 8;
      M[e] = ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
    }
}
