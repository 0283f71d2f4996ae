/* poly_impl.h -- choices shared by the method poly and its cost model (fgattn plan)

   Both must pick the same radius, relative target and degree for the same
   inputs, so the rules live here once.  */

#ifndef FGA_POLY_IMPL_H
#define FGA_POLY_IMPL_H

#include <float.h>
#include <stdint.h>

/* The largest degree the method derives or accepts.  */
#define FGA_POLY_GMAX 10000

/* A radius below this is raised to it: every smaller radius is covered by
   a larger one, and the expfit bounds are meant for R of ordinary size.  */
#define FGA_POLY_RMIN 0x1p-30

/* The a-priori radius tau d B^2, rounded upward: the double tau is within
   u of the exact one and the three products add three roundings, so the
   value computed in double times (1 + 5u), one double up, bounds
   tau d B^2 for the exact tau.  */
static inline double
fga_poly_apriori_R (double tau, size_t d, double B)
{
  double R = tau * (double) d * B * B;
  R *= 1 + 5 * (DBL_EPSILON / 2);
  return nextafter (R, INFINITY);
}

/* The relative target eps = eps_a / (2 ||V||_inf) of theory/upper-bound.md,
   lemma 5, at most 1/2: above that any positive weights do (the output is
   a convex combination of rows of V, within 2 ||V||_inf of Att anyway) and
   below 1 the approximate weights stay positive.  ||V||_inf = 0 makes every
   positive weighting exact.

   One rounding, without overflow: 2 vnorm is exact below 2^1023 and
   overflows above, where eps_a / 2 is taken instead (exact unless eps_a is
   subnormal, and then the quotient, below 2^-2096, is 0 either way).  The
   result is 0 only when the exact target is below 2^-1075, and subnormal
   (with its absolute error of at most 2^-1075) below 2^-1022: for
   ||V||_inf near 1e308 and eps_a = 1e-6 it is about 5e-315.  */
static inline double
fga_poly_eps_rel (double eps_a, double vnorm)
{
  if (!(vnorm > 0))
    return 0.5;
  double e = vnorm < 0x1p1023 ? eps_a / (2 * vnorm) : (eps_a / 2) / vnorm;
  return e < 0.5 ? e : 0.5;
}

/* Precision of the monomial coefficients asked of fga_expfit_init for a
   working precision prec (53 for double): 64 bits above it.  Its certified
   bound already covers their rounding to that precision (expfit.c); the
   features then multiply them by tau^k and the multinomial 64 bits higher
   still and round once to the working precision, which lemma 6 of
   theory/upper-bound.md counts as two units.  */
static inline mpfr_prec_t
fga_poly_coef_prec (mpfr_prec_t prec)
{
  return prec + 64;
}

/* The words of the R parameter of poly and tsketch ("auto|apriori"); a
   number is word -1.  */
enum { FGA_POLY_R_AUTO, FGA_POLY_R_APRIORI };

/* The score radius by the method's R parameter: auto takes the problem's
   Cauchy--Schwarz radius, apriori tau d B^2, or the number given; raised to
   FGA_POLY_RMIN.  *rword gets the word (or -1).  Messages name the method. */
int fgap_poly_radius (double *R, int *rword, fga_method m, const fga_problem *prob,
                     fga_error *err);

/* The stride of the stack of ancestor columns (below): n and 2 KiB more.
   A column of degree k is made from the one of degree k - 1 in the slot
   before; slots n doubles apart would be a multiple of 4 KiB apart for
   many n (n = 16384: 128 KiB), and the processor, which matches a load
   with earlier stores by the low 12 bits of the address first, would
   hold every load of slot k - 1 behind the stores into slot k (measured:
   a third slower at n = 16384).  2 KiB apart they never meet.  */
#define FGAP_POLY_STACK_LD(n) ((n) + 256)

/* The depth-first tables the monomial builders read (poly.c makes them):
   per feature its degree and its last variable; g the degree of p.  */
typedef struct
{
  const uint16_t *dep;
  const uint32_t *var;
  long g;
} fgap_poly_feat;

/* One tile of monomial features (poly_build.c): the block's columns
   c0 .. c0 + cbb - 1 for rows i0 .. i0 + len - 1 of one side into buf
   (column c at buf + c ld), from the side's input transposed, xt (d x n,
   variable l at xt + l n).  stack holds the latest column of each degree
   1 .. g - 1 across blocks (degree k at stack + (k - 1) FGAP_POLY_STACK_LD
   (n)); anc (g + 1
   pointers) is the caller's scratch.  Returns the multiplications, one per
   entry of degree >= 2.  Every variant gives the same bits.  */
typedef uint64_t (*fgap_poly_tile_fn) (double *restrict buf, size_t ld, const double *xt,
                                       double *stack, size_t n, size_t i0, size_t len,
                                       const fgap_poly_feat *f, size_t c0, size_t cbb,
                                       const double **anc);

/* The builder for an instruction set of fgap_attn_isa (kernels/attention-util.h):
   baseline, AVX2 or AVX-512.  */
fgap_poly_tile_fn fgap_poly_tile_select (int isa);

/* The reference builder: the same tile from the row-major X (n x d) read
   in place at stride d, one entry at a time; the tests compare the
   variants with it.  */
uint64_t fgap_poly_tile_scalar (double *restrict buf, size_t ld, const double *X, size_t d,
                                double *stack, size_t n, size_t i0, size_t len,
                                const fgap_poly_feat *f, size_t c0, size_t cbb,
                                const double **anc);

/* A tile built by the products themselves (poly_accum.c): column c of
   the block, rows i0 .. i0 + len - 1, is src[c] times xs[c] entry by
   entry (the pointers at row i0), and is stored at dst[c] when that is not
   NULL.  fgap_poly_tile_plan sets them as the builders above go: degree 0
   is ones times ones, degree 1 ones times its input column, degree k its
   parent (the latest column of degree k - 1) times its input column; so
   every column has the same bits as the builders'.  Each column is used
   once, as it is built, so none is kept but in the slot of its degree
   (1 <= k < g), where its children find it.  Those slots, the tile's rows
   of the stack, and its rows of the d input columns are copied to loc, ld
   apart (the thread's own; ld >= len), and the slots go back to the stack
   with fgap_poly_tile_save (anc as above) once the tile is done.  ones
   holds len ones.  Returns the multiplications of degree >= 2.  */
typedef struct
{
  const double **src, **xs;
  double **dst;
} fgap_poly_tile;

uint64_t fgap_poly_tile_plan (const fgap_poly_tile *t, double *loc, size_t ld, const double *xt,
                              size_t d, double *stack, size_t n, size_t i0, size_t len,
                              const fgap_poly_feat *f, size_t c0, size_t cbb, const double **anc,
                              const double *ones);
void fgap_poly_tile_save (double *stack, size_t n, size_t i0, size_t len, long g,
                          const double **anc);

/* The two products of a tile of cbb feature columns F[c] of len entries,
   building the columns on the way as t says (fgap_poly_tile_plan), with
   dw = dv + 1 <= FGAP_POLY_ACCUM_DW_MAX value columns, for an instruction
   set of fgap_attn_isa; every variant gives the same bits.
   keys: adds the tile's terms F[c][j] W[j][col] of M = F W, W = [V 1]
     given transposed (Wt, dw rows at stride ldw, at the tile's first
     key), to the lanes of eight P[(c dw + col) 8 + l] (fresh: starting
     from zero); fgap_poly_accum_reduce then adds each entry's eight lanes
     into M.
   queries: [T w][i][col] = (beta ? [T w][i][col] : 0) + sum_c F[c][i]
     M[c][col] for the tile's len rows (T row-major, dv columns; w the row
     sums; both at the tile's first row; M cbb x dw).  */
#define FGAP_POLY_ACCUM_DW_MAX 5
typedef struct
{
  void (*keys) (double *P, const fgap_poly_tile *t, const double *Wt, size_t ldw, size_t len,
                size_t cbb, size_t dw, int fresh);
  void (*queries) (double *T, double *w, size_t dv, const fgap_poly_tile *t, const double *M,
                   size_t len, size_t cbb, int beta);
} fgap_poly_accum;

fgap_poly_accum fgap_poly_accum_select (int isa);
void fgap_poly_accum_reduce (double *M, const double *P, size_t cbb, size_t dw);

/* xt = X^T for the row-major X (n x d), on nt threads.  */
void fgap_poly_transpose (double *restrict xt, const double *restrict x, size_t n, size_t d,
                          int nt);

#endif /* FGA_POLY_IMPL_H */
