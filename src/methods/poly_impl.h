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
   1 .. g - 1 across blocks (degree k at stack + (k - 1) n); anc (g + 1
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

/* xt = X^T for the row-major X (n x d), on nt threads.  */
void fgap_poly_transpose (double *restrict xt, const double *restrict x, size_t n, size_t d,
                          int nt);

#endif /* FGA_POLY_IMPL_H */
