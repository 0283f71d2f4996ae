/* poly_build.c -- the monomial features of one tile of method poly, vectorised per instruction set

   A tile is the block's feature columns c0 .. c0 + cbb - 1 for rows
   i0 .. i0 + len - 1.  In the depth-first order a column of degree k >= 2
   is its parent's column (the latest of degree k - 1) times one input
   column, entry by entry: one rounded product per entry.  The original
   builder read that input column in place, at stride d through the
   row-major X, which no vector unit loads well; the builders here read a
   transposed copy (d x n, one contiguous column per variable, made once
   per run by fgap_poly_transpose), so every loop is unit-stride, and they
   are compiled three times: for the architecture's baseline, for AVX2 and
   for AVX-512, chosen at run time as the exact kernels choose theirs
   (fgap_attn_isa, which FGATTN_ISA lowers).

   The results are the same bits on every path: each entry is the same
   single IEEE product of the same two doubles (or a copy, or 1), whatever
   the vector width, and a lone product cannot be contracted into an FMA.
   fgap_poly_tile_scalar keeps the original strided loop as the reference
   the tests compare every variant with.  */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"
#include "methods/poly_impl.h"
#include "kernels/attention-util.h"

#include <string.h>

/* The tile, with X's entry (i, l) at x[i rs + l cs]: rs = d, cs = 1 reads
   the row-major input in place, rs = 1, cs = n the transposed copy.  The
   loops and the operations are the same for both; only the addressing
   differs.  Inlined into each variant, so that it is compiled for the
   variant's instruction set.  */
static inline __attribute__ ((always_inline)) uint64_t
tile_body (double *restrict buf, size_t ld, const double *x, size_t rs, size_t cs,
           double *stack, size_t n, size_t i0, size_t len, const fgap_poly_feat *f,
           size_t c0, size_t cbb, const double **anc)
{
  const long g = f->g;
  const double *xi = x + i0 * rs;
  uint64_t nmul = 0;
  for (long k = 1; k < g; k++)
    anc[k] = stack + (size_t) (k - 1) * FGAP_POLY_STACK_LD (n) + i0;
  for (size_t c = 0; c < cbb; c++)
    {
      double *restrict dst = buf + c * ld;
      const unsigned k = f->dep[c0 + c];
      const double *restrict xl = xi + f->var[c0 + c] * cs;
      if (k == 0)
        for (size_t i = 0; i < len; i++)
          dst[i] = 1;
      else if (k == 1)
        for (size_t i = 0; i < len; i++)
          dst[i] = xl[i * rs];
      else
        {
          const double *restrict src = anc[k - 1];
#pragma omp simd
          for (size_t i = 0; i < len; i++)
            dst[i] = src[i] * xl[i * rs];
          nmul += len;
        }
      if (k >= 1 && (long) k < g)
        anc[k] = dst;
    }
  /* the latest column of each degree goes back to the stack for the next
     block */
  fgap_poly_tile_save (stack, n, i0, len, g, anc);
  return nmul;
}

uint64_t
fgap_poly_tile_plan (const fgap_poly_tile *t, double *loc, size_t ld, const double *xt, size_t d,
                     double *stack, size_t n, size_t i0, size_t len, const fgap_poly_feat *f,
                     size_t c0, size_t cbb, const double **anc, const double *ones)
{
  const long g = f->g;
  const size_t nslots = g > 1 ? (size_t) (g - 1) : 0;
  uint64_t nmul = 0;
  for (long k = 1; k < g; k++)
    {
      double *slot = loc + (size_t) (k - 1) * ld;
      memcpy (slot, stack + (size_t) (k - 1) * FGAP_POLY_STACK_LD (n) + i0,
              len * sizeof (double));
      anc[k] = slot;
    }
  double *x = loc + nslots * ld;
  for (size_t l = 0; l < d; l++)
    memcpy (x + l * ld, xt + l * n + i0, len * sizeof (double));
  for (size_t c = 0; c < cbb; c++)
    {
      const unsigned k = f->dep[c0 + c];
      t->src[c] = k >= 2 ? anc[k - 1] : ones;
      t->xs[c] = k >= 1 ? x + f->var[c0 + c] * ld : ones;
      t->dst[c] = k >= 1 && (long) k < g ? (double *) anc[k] : NULL;
      if (k >= 2)
        nmul += len;
    }
  return nmul;
}

void
fgap_poly_tile_save (double *stack, size_t n, size_t i0, size_t len, long g, const double **anc)
{
  for (long k = 1; k < g; k++)
    {
      double *home = stack + (size_t) (k - 1) * FGAP_POLY_STACK_LD (n) + i0;
      if (anc[k] != home)
        memcpy (home, anc[k], len * sizeof (double));
    }
}

uint64_t
fgap_poly_tile_scalar (double *restrict buf, size_t ld, const double *X, size_t d,
                       double *stack, size_t n, size_t i0, size_t len,
                       const fgap_poly_feat *f, size_t c0, size_t cbb, const double **anc)
{
  return tile_body (buf, ld, X, d, 1, stack, n, i0, len, f, c0, cbb, anc);
}

/* The transposed variants: rs = 1 is a constant, so the loops are plain
   unit-stride copies and products.  */
#define TILE_VARIANT(name, attr)                                                        \
  static attr uint64_t                                                                  \
  name (double *restrict buf, size_t ld, const double *xt, double *stack, size_t n,     \
        size_t i0, size_t len, const fgap_poly_feat *f, size_t c0, size_t cbb,         \
        const double **anc)                                                             \
  {                                                                                     \
    return tile_body (buf, ld, xt, 1, n, stack, n, i0, len, f, c0, cbb, anc);           \
  }

TILE_VARIANT (tile_generic, )
#if FGA_ATTN_X86
TILE_VARIANT (tile_avx2, FGA_TARGET_AVX2)
TILE_VARIANT (tile_avx512, FGA_TARGET_AVX512)
#endif

fgap_poly_tile_fn
fgap_poly_tile_select (int isa)
{
#if FGA_ATTN_X86
  if (isa >= FGA_ISA_AVX512)
    return tile_avx512;
  if (isa >= FGA_ISA_AVX2)
    return tile_avx2;
#else
  (void) isa;
#endif
  return tile_generic;
}

/* Xt = X^T by square blocks of 32 (8 KiB read and 8 KiB written per
   block: both stay in L1), the blocks of rows shared among nt threads.
   Copies only: the values are unchanged.  */
void
fgap_poly_transpose (double *restrict xt, const double *restrict x, size_t n, size_t d, int nt)
{
  enum { TB = 32 };
  const size_t nb = (n + TB - 1) / TB;
#pragma omp parallel for num_threads (nt) schedule (static)
  for (size_t b = 0; b < nb; b++)
    {
      const size_t i0 = b * TB, i1 = i0 + TB < n ? i0 + TB : n;
      for (size_t l0 = 0; l0 < d; l0 += TB)
        {
          const size_t l1 = l0 + TB < d ? l0 + TB : d;
          for (size_t l = l0; l < l1; l++)
            for (size_t i = i0; i < i1; i++)
              xt[l * n + i] = x[i * d + l];
        }
    }
}
