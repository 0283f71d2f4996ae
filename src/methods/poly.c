/* fgap_method_poly -- the polynomial method of Alman and Song: p ~ exp on [-R, R], monomial features

   prepare chooses everything that does not depend on the values: the
   radius R, the relative target eps = eps_a / (2 Bv), the degree g (the
   least whose certified relative bound on [-R, R] is <= eps, unless deg is
   given), the r = C(d + g, d) multi-indices in depth-first order with their
   coefficients c_|alpha| tau^|alpha| |alpha|! / prod alpha_l! (MPFR, rounded
   once), the a-priori rounding bound, and it refuses what would not fit
   the memory budget.  run computes

     [Y w] = U1 (U2^T [V 1]),   T = diag(w)^{-1} Y,

   by blocks of feature columns.  For a block, the monomials of K (nk x
   block) give M = U2_b^T [V 1], the coefficients are folded into M's rows
   (block (dv + 1) products instead of nq block), and the monomials of Q
   give [Y w] += U1_b M.  In the depth-first order the parent of a column
   of degree k is the latest column of degree k - 1, so only g - 1 ancestor
   columns per side are kept across blocks (theory/upper-bound.md,
   lemma 2): each monomial costs one multiplication and the memory is
   (g - 1)(nq + nk) + nq doubles plus per-thread tiles, never O(n r).  In
   double the rows are cut into tiles that stay in cache and OpenMP threads
   take whole tiles.  With dv + 1 <= 5 value columns poly_accum.c's products
   build each monomial column in registers as they use it, from transposed
   copies of Q and K (d (nq + nk) doubles more); with more, vectorised
   builders (poly_build.c) fill a tile of monomials and cblas_dgemm and
   cblas_dgemv calls read V in place and accumulate into T.  The run's
   memory is one block kept between runs (fgap_workspace).  arith=mpfr
   runs the same steps, one rounding at a time, at the working precision.

   Operation counts (exact; fga_poly_count states the formula; they do not
   depend on block, tile or threads): a monomial of degree >= 2 is one mul
   per row; a dgemm of m x k by k x n counts m n k mul and m n (k - 1) add,
   plus m n add when it accumulates (beta = 1); partial sums of threads are
   added with one add per entry.  The validation (finiteness, the radius
   and ||V||_inf checks) is not counted, as in the exact kernels.  */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"
#include "numerics/monomial-impl.h"
#include "methods/method-impl.h"
#include "methods/poly_impl.h"
#include "kernels/attention-util.h"

#include <limits.h>
#include <stdint.h>
#include <cblas.h>
#ifdef _OPENMP
# include <omp.h>
#endif

enum { BASIS_CHEB, BASIS_TAYLOR };          /* the order of "cheb|taylor" */
enum { ARITH_DOUBLE, ARITH_MPFR };

static const fga_param_info poly_params[] = {
  { "basis", FGA_PARAM_CHOICE, "cheb", 0, 0, "cheb|taylor", NULL,
    "p: the truncated Chebyshev series of exp on [-R, R], or its Taylor polynomial at 0" },
  { "deg", FGA_PARAM_INT, "0", 0, FGA_POLY_GMAX, NULL, NULL,
    "degree g of p; 0 takes the least degree whose certified relative error is <= eps_a / (2 Bv)" },
  { "eps", FGA_PARAM_REAL, "1e-6", 1e-300, 1e300, NULL, NULL,
    "additive target eps_a on ||T - Att||_inf; the relative target is eps_a / (2 Bv)" },
  { "R", FGA_PARAM_REAL, "auto", 1e-300, 1024, "auto|apriori", NULL,
    "score radius: auto (Cauchy-Schwarz bound from the data), apriori (tau d B^2) or a number" },
  { "arith", FGA_PARAM_CHOICE, "double", 0, 0, "double|mpfr", NULL,
    "double: BLAS products; mpfr: every step in MPFR at prec bits" },
  { "prec", FGA_PARAM_INT, "128", 53, 1 << 20, NULL, "arith=mpfr",
    "working precision in bits" },
  { "block", FGA_PARAM_INT, "0", 0, 1 << 20, NULL, NULL,
    "feature columns per block; 0 chooses" },
  { "budget", FGA_PARAM_INT, "1073741824", 1, 4611686018427387904.0, NULL, NULL,
    "bytes the method may hold (tables, blocks, accumulators); refused above" },
  { NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

/* Columns per block when block = 0, and the doubles a tile of one block
   may hold (256 KiB: a tile, its ancestors and its rows of the inputs stay
   in a core's cache).  */
#define DEFAULT_BLOCK 256
#define TILE_DOUBLES ((size_t) 1 << 15)
/* The same for poly_accum.c's products (dv + 1 <= FGAP_POLY_ACCUM_DW_MAX):
   no tile of features is kept, so the rows of a tile are set apart from
   the block.  */
#define OWN_BLOCK 1024
#define OWN_TILE 512
/* The products of a tile run on poly_accum.c's kernels for a few value
   columns, where a general DGEMM spends its time on the edges of thin
   panels, and on cblas_dgemm and cblas_dgemv above, where the products
   are wide enough for it (measured at d = dv = 8 and 16, n = 16384:
   cblas_dgemm 1.3 and 1.15 times faster than one pass per group of five
   columns).  */
static int
own_products (size_t dv)
{
  return dv + 1 <= FGAP_POLY_ACCUM_DW_MAX;
}

typedef struct
{
  int arith;
  mpfr_prec_t prec;            /* the unit roundoff is 2^-prec: 53 in double */
  int rword;                   /* FGA_POLY_R_AUTO, FGA_POLY_R_APRIORI, or -1 for a number */
  fga_basis basis;
  double R;                    /* the radius p is certified on */
  double B;                    /* for R = apriori: the entry bound checked at run */
  double vbound;               /* the bound on ||V||_inf eps was derived from (Bv) */
  double eps_a, eps_rel;       /* the targets */
  long g;
  size_t r;
  size_t block, tile;
  size_t block_param;          /* the parameter block (0: chosen) */
  double bound_rel;            /* certified sup |p - exp| / exp on [-R, R] */
  double rb;                   /* rounding bound, relative to ||V||_inf */
  uint16_t *dep;               /* r: degrees, depth-first order */
  uint32_t *var;               /* r: last variables */
  double *coef;                /* r: coefficients (double) */
  mpfr_t *mcoef;               /* r: coefficients (mpfr, at prec) */
  size_t table_bytes;
  char notes[512];
  fgap_workspace *ws;          /* the double run's memory, kept between runs */
} poly_t;

static void
poly_free (poly_t *s)
{
  if (s == NULL)
    return;
  fgap_free (s->dep);
  fgap_free (s->var);
  fgap_free (s->coef);
  if (s->ws != NULL)
    fgap_workspace_free (s->ws);
  fgap_free (s->ws);
  if (s->mcoef != NULL)
    {
      for (size_t t = 0; t < s->r; t++)
        mpfr_clear (s->mcoef[t]);
      fgap_free (s->mcoef);
    }
  fgap_free (s);
}

static void
poly_destroy (fga_method m)
{
  poly_free (m->state);
  m->state = NULL;
}

/* Bytes of one MPFR number at precision p: its struct and its limbs.  */
static size_t
mpfr_bytes (mpfr_prec_t p)
{
  return sizeof (__mpfr_struct) + mpfr_custom_get_size (p);
}

/* Threads a run uses: at most one per tile, and one when the work is
   small.  Every block costs a few barriers, and a barrier costs a time
   slice when the cores are shared (measured: arith=mpfr on 32 rows, 500
   blocks, seven times slower on two threads than on one), so arith=mpfr
   takes threads only when a block holds 2^17 operations or more.  */
static int
run_threads (const poly_t *s, size_t nq, size_t nk, size_t dv)
{
  int nt = fgap_max_threads ();
  size_t tiles = (nq > nk ? nq : nk);
  if (s->arith == ARITH_DOUBLE)
    tiles = (tiles + s->tile - 1) / s->tile;
  if ((size_t) nt > tiles)
    nt = tiles > 0 ? (int) tiles : 1;
  double work = (double) (nq + nk) * (double) s->r * (double) (dv + 2);
  if (work < (double) (1 << 20) || nt < 1)
    nt = 1;
  if (s->arith == ARITH_MPFR
      && (double) (nq + nk) * (double) (dv + 1) * (double) s->block < (double) (1 << 17))
    nt = 1;
  return nt;
}

/* The stride of a thread's columns for poly_accum.c (fgap_poly_tile_plan): at least the tile, and 17 cache lines more than a
   multiple of 4 KiB (L = 136 mod 512 doubles), so that its columns, which
   are read and written side by side, fall on different lines modulo
   4 KiB (FGAP_POLY_STACK_LD says why that matters).  */
static size_t
local_ld (size_t tr)
{
  return tr + (136 + 512 - tr % 512) % 512;
}

/* The doubles of a thread's tile: cb columns of tr, or for poly_accum.c
   ncols (the slots, the inputs and [V 1]) of local_ld (tr); rounded up to
   whole cache lines.  */
static size_t
tile_doubles (size_t cb, size_t tr, int own, size_t ncols)
{
  size_t t = own ? ncols * local_ld (tr) : cb * tr;
  return (t + 7) / 8 * 8;
}

/* The next part of a block: count items of size bytes from *off, on a
   64-byte line (so that no full-width vector store straddles two lines);
   its offset, *off moved past it, or SIZE_MAX in both on overflow.  */
static size_t
carve (size_t *off, size_t count, size_t size)
{
  size_t at = (*off + 63) / 64 * 64, bytes;
  if (*off == SIZE_MAX || at < *off || fgap_size_mul (&bytes, count, size)
      || __builtin_add_overflow (at, bytes, off))
    return *off = SIZE_MAX;
  return at;
}

/* The buffers of a run in double, carved from one block (run_layout).  */
typedef struct
{
  double *w, *Kt, *Qt, *Kst, *Qst, *buf, *Mp, *M, *lane, *ones;
  const double **srcs, **anc;
  int *used;
} run_mem;

/* The bytes of the block of a run in double on nt threads (SIZE_MAX on
   overflow), and with base (64-byte aligned) its buffers in *rm:
   the row sums, Q and K transposed, their stacks of ancestors, the
   threads' tiles, partial M and M, a column of ones, the threads'
   ancestor pointers and flags; for poly_accum.c's products the threads'
   lanes of M and tile sources.  */
static size_t
run_layout (const poly_t *s, size_t nq, size_t nk, size_t d, size_t dv, int nt, run_mem *rm,
            char *base)
{
  const size_t dw = dv + 1, cb = s->block, tr = s->tile, ntz = (size_t) nt;
  const size_t anc_cols = s->g > 1 ? (size_t) (s->g - 1) : 0;
  const int own = own_products (dv);
  const size_t tiles = tile_doubles (cb, tr, own, anc_cols + d + dw);
  size_t off = 0, o[13];
  o[0] = carve (&off, nq, sizeof (double));
  o[1] = carve (&off, d * nk, sizeof (double));
  o[2] = carve (&off, d * nq, sizeof (double));
  o[3] = carve (&off, anc_cols * FGAP_POLY_STACK_LD (nk), sizeof (double));
  o[4] = carve (&off, anc_cols * FGAP_POLY_STACK_LD (nq), sizeof (double));
  o[5] = carve (&off, ntz * tiles, sizeof (double));
  o[6] = carve (&off, ntz * cb * dw, sizeof (double));
  o[7] = carve (&off, cb * dw, sizeof (double));
  o[8] = carve (&off, own ? ntz * cb * dw * 8 : 0, sizeof (double));
  o[9] = carve (&off, tr, sizeof (double));
  o[10] = carve (&off, own ? ntz * 3 * cb : 0, sizeof (double *));
  o[11] = carve (&off, ntz * (size_t) (s->g + 1), sizeof (double *));
  o[12] = carve (&off, ntz, sizeof (int));
  if (base != NULL && off != SIZE_MAX)
    {
      rm->w = (double *) (base + o[0]);
      rm->Kt = (double *) (base + o[1]);
      rm->Qt = (double *) (base + o[2]);
      rm->Kst = (double *) (base + o[3]);
      rm->Qst = (double *) (base + o[4]);
      rm->buf = (double *) (base + o[5]);
      rm->Mp = (double *) (base + o[6]);
      rm->M = (double *) (base + o[7]);
      rm->lane = (double *) (base + o[8]);
      rm->ones = (double *) (base + o[9]);
      rm->srcs = (const double **) (base + o[10]);
      rm->anc = (const double **) (base + o[11]);
      rm->used = (int *) (base + o[12]);
    }
  /* and 64 bytes for the alignment of the block */
  return off < SIZE_MAX - 64 ? off + 64 : SIZE_MAX;
}

/* The bytes a run allocates, or SIZE_MAX when they overflow: the same sums
   as the allocations of run_double (its block) and run_mpfr.  */
static size_t
run_bytes (const poly_t *s, size_t nq, size_t nk, size_t d, size_t dv, int nt)
{
  if (s->arith == ARITH_DOUBLE)
    return run_layout (s, nq, nk, d, dv, nt, NULL, NULL);
  /* numbers: g ancestors and a block per row, M, [Y w], a temporary per thread */
  const double n = (double) nq + (double) nk, dw = (double) dv + 1, cb = (double) s->block;
  double nums = (double) s->g * n + cb * n + cb * dw + (double) nq * dw + nt;
  double b = nums * (double) mpfr_bytes (s->prec);
  return b < 0x1p63 ? (size_t) b : SIZE_MAX;
}

static size_t
add_sat (size_t a, size_t b)
{
  size_t c;
  return __builtin_add_overflow (a, b, &c) ? SIZE_MAX : c;
}

/* The depth-first tables and the coefficients, rounded once from MPFR.  */
static int
poly_tables (poly_t *s, const fga_expfit_struct *p, const fga_problem *prob, fga_error *err)
{
  const size_t r = s->r;
  s->dep = fgap_calloc (r, sizeof (uint16_t), "the degrees of the features", err);
  s->var = fgap_calloc (r, sizeof (uint32_t), "the variables of the features", err);
  if (s->arith == ARITH_DOUBLE)
    s->coef = fgap_calloc (r, sizeof (double), "the feature coefficients", err);
  else
    {
      s->mcoef = fgap_calloc (r, sizeof (mpfr_t), "the feature coefficients", err);
      if (s->mcoef != NULL)
        for (size_t t = 0; t < r; t++)
          mpfr_init2 (s->mcoef[t], s->prec);
    }
  if (s->dep == NULL || s->var == NULL || (s->coef == NULL && s->mcoef == NULL))
    return FGA_ERR_NOMEM;

  fgap_monomial_walk w;
  int rc = fgap_monomial_walk_init (&w, prob->d, s->g, err);
  if (rc != FGA_OK)
    return rc;
  mpfr_prec_t hi = p->prec + 64;
  mpfr_t *taupow = fgap_calloc ((size_t) s->g + 1, sizeof (mpfr_t), "powers of tau", err);
  if (taupow == NULL)
    {
      fgap_monomial_walk_clear (&w);
      return FGA_ERR_NOMEM;
    }
  for (long k = 0; k <= s->g; k++)
    mpfr_init2 (taupow[k], hi);
  mpfr_set_ui (taupow[0], 1, MPFR_RNDN);
  if (s->g >= 1)
    fga_tau_mpfr (taupow[1], &prob->tau, prob->d);
  for (long k = 2; k <= s->g; k++)
    mpfr_mul (taupow[k], taupow[k - 1], taupow[1], MPFR_RNDN);
  /* c_k tau^k times the multinomial at hi bits, then one rounding to the
     working format (lemma 6 counts it as two units: this rounding and the
     error of c_k itself, far below one unit).  */
  mpfr_t x;
  mpfr_init2 (x, hi);
  size_t t = 0;
  do
    {
      long k = w.k;
      s->dep[t] = (uint16_t) k;
      s->var[t] = k > 0 ? w.seq[k - 1] : 0;
      mpfr_mul (x, p->mono[k], taupow[k], MPFR_RNDN);
      mpfr_mul_z (x, x, w.mult[k], MPFR_RNDN);
      if (s->arith == ARITH_DOUBLE)
        s->coef[t] = mpfr_get_d (x, MPFR_RNDN);
      else
        mpfr_set (s->mcoef[t], x, MPFR_RNDN);
      t++;
    }
  while (fgap_monomial_walk_next (&w));
  mpfr_clear (x);
  for (long k = 0; k <= s->g; k++)
    mpfr_clear (taupow[k]);
  fgap_free (taupow);
  fgap_monomial_walk_clear (&w);
  if (t != r)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "method poly: the walk gave %zu multi-indices, "
                          "not r = %zu (a bug)", t, r);
  if (s->arith == ARITH_DOUBLE)
    for (size_t c = 0; c < r; c++)
      if (!isfinite (s->coef[c]))
        return fgap_error_set (err, FGA_ERR_COMPUTE, "method poly: the feature coefficient of "
                              "degree %u overflows the double range (R = %g, g = %ld); use "
                              "arith=mpfr", (unsigned) s->dep[c], s->R, s->g);
  return FGA_OK;
}

static void
poly_notes (poly_t *s, int eps_matters)
{
  s->notes[0] = '\0';
  const char *ar = s->arith == ARITH_DOUBLE ? "double" : "mpfr";
  if (!(s->bound_rel < 1))
    {
      snprintf (s->notes, sizeof s->notes, "the certified relative error of p on [-R, R] "
                "(R = %.6g, g = %ld) is %.3g >= 1: p may vanish on the scores and nothing is "
                "guaranteed; raise deg or lower R", s->R, s->g, s->bound_rel);
      return;
    }
  if (!eps_matters)
    return;
  double alg = 2 * s->bound_rel * s->vbound, tot = alg + s->rb * s->vbound;
  if (s->arith == ARITH_MPFR)
    tot += 0x1p-53 * (1 + s->rb) * s->vbound;   /* the final rounding to double */
  if (alg > s->eps_a)
    snprintf (s->notes, sizeof s->notes, "deg=%ld certifies only the relative error %.3g on "
              "[-%.6g, %.6g]: the error bound 2 eps ||V||_inf = %.3g is above the target "
              "eps=%g", s->g, s->bound_rel, s->R, s->R, alg, s->eps_a);
  else if (!(tot <= s->eps_a))
    snprintf (s->notes, sizeof s->notes, "the a-priori rounding bound of the %s evaluation "
              "(%.3g ||V||_inf, u = 2^-%ld, about e^{2R} (nk + r) u) exceeds the room the "
              "polynomial leaves: the certified bound %.3g is above the target eps=%g; "
              "arith=mpfr separates rounding from the polynomial's error", ar, s->rb,
              (long) s->prec, tot, s->eps_a);
}

/* Block and tile for s->r features, as prepare chooses them.  */
static void
poly_shape (poly_t *s, const fga_problem *prob)
{
  /* poly_accum.c's products keep no tile of features, so a
     block is bounded by its lanes of M (block (dv + 1) 64 bytes a thread)
     and the tile by the rows' columns only: fewer blocks are fewer passes
     over the ancestors and the inputs.  */
  const int own = s->arith == ARITH_DOUBLE && own_products (prob->dv);
  s->block = s->block_param != 0 ? s->block_param : own ? OWN_BLOCK : DEFAULT_BLOCK;
  if (s->block > s->r)
    s->block = s->r;
  s->tile = own ? OWN_TILE : TILE_DOUBLES / s->block;
  s->tile = s->tile < 64 ? 64 : s->tile > 8192 ? 8192 : s->tile;
  size_t nmax = prob->nq > prob->nk ? prob->nq : prob->nk;
  if (s->tile > nmax)
    s->tile = nmax;
}

/* The bytes the method holds with s's degree, features and shape: the
   per-feature tables (*tables) and a run's (*runb); their sum, SIZE_MAX
   when it overflows.  */
static size_t
poly_bytes (const poly_t *s, const fga_problem *prob, size_t *tables, size_t *runb)
{
  size_t per = sizeof (uint16_t) + sizeof (uint32_t)
    + (s->arith == ARITH_DOUBLE ? sizeof (double) : mpfr_bytes (s->prec));
  if (fgap_size_mul (tables, s->r, per))
    *tables = SIZE_MAX;
  *runb = run_bytes (s, prob->nq, prob->nk, prob->d, prob->dv, fgap_max_threads ());
  return add_sat (*tables, *runb);
}

/* The largest degree below s->g whose features fit budget (0: none), and
   its r and bytes, by bisection (the bytes grow with the degree).  */
static long
fitting_degree (const poly_t *s, const fga_problem *prob, size_t budget, size_t *r,
                size_t *bytes)
{
  poly_t t = *s;
  fga_error local;
  long lo = 0, hi = s->g;      /* lo fits (0: trivially), hi does not */
  while (hi - lo > 1)
    {
      t.g = lo + (hi - lo) / 2;
      size_t tables, runb, b = SIZE_MAX;
      if (fga_monomial_count (&t.r, prob->d, t.g, &local) == FGA_OK)
        {
          poly_shape (&t, prob);
          b = poly_bytes (&t, prob, &tables, &runb);
        }
      if (b <= budget)
        {
          lo = t.g;
          *r = t.r;
          *bytes = b;
        }
      else
        hi = t.g;
    }
  return lo;
}

/* x rounded up (dir > 0) or down to two significant digits; the callers
   check the values they print.  */
static double
round2 (double x, int dir)
{
  double e = pow (10, floor (log10 (x)) - 1);
  return (dir > 0 ? ceil (x / e) : floor (x / e)) * e;
}

/* Whether the relative target eps_rel takes a degree <= g on [-R, R].  */
static int
degree_within (const poly_t *s, double R, double eps_rel, long g)
{
  long gg;
  fga_error local;
  return fga_expfit_least_degree (&gg, s->basis, R, eps_rel, 1, g, &local) == FGA_OK;
}

/* printf at the end of the text in buf.  */
static void __attribute__ ((format (printf, 3, 4)))
append (char *buf, size_t size, const char *fmt, ...)
{
  size_t used = strlen (buf);
  if (used + 1 >= size)
    return;
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (buf + used, size - used, fmt, ap);
  va_end (ap);
}

/* The least additive eps (two digits) that takes degree g on s->R, or 0
   when none does (the relative target is capped at 1/2).  */
static double
eps_for_degree (const poly_t *s, long g)
{
  fga_expfit_t p;
  fga_error local;
  double eps_a = 0;
  if (!(s->vbound > 0))
    return 0;
  if (fga_expfit_init (p, s->basis, s->R, g, fga_poly_coef_prec (s->prec), &local) != FGA_OK)
    {
      fga_expfit_clear (p);
      return 0;
    }
  if (p->bound_rel < 0.5)
    {
      eps_a = round2 (2 * s->vbound * p->bound_rel, 1);
      for (int k = 0; k < 16 && !degree_within (s, s->R, fga_poly_eps_rel (eps_a, s->vbound), g);
           k++)
        eps_a = round2 (eps_a * 1.05, 1);
    }
  fga_expfit_clear (p);
  return eps_a > 0 && degree_within (s, s->R, fga_poly_eps_rel (eps_a, s->vbound), g) ? eps_a : 0;
}

/* The largest radius (two digits, rounded down) on which s->eps_rel takes
   degree g, by geometric bisection; 0 when none does.  */
static double
radius_for_degree (const poly_t *s, long g)
{
  double lo = FGA_POLY_RMIN, hi = s->R;
  if (!degree_within (s, lo, s->eps_rel, g))
    return 0;
  for (int k = 0; k < 60; k++)
    {
      double mid = sqrt (lo * hi);
      if (degree_within (s, mid, s->eps_rel, g))
        lo = mid;
      else
        hi = mid;
    }
  double R = round2 (lo, -1);
  for (int k = 0; k < 16 && !degree_within (s, R, s->eps_rel, g); k++)
    R = round2 (R * 0.95, -1);
  return degree_within (s, R, s->eps_rel, g) ? R : 0;
}

/* The way out of a refusal for memory, after "...above budget=N bytes; ":
   the largest degree g' that fits, and which way to move each parameter
   to reach it: deg lowers the degree directly; with the degree chosen by
   eps, a LARGER eps, or smaller scores (a smaller B), lower it.  Every
   value printed is checked, not guessed: the eps printed takes a degree
   <= g' on this radius, eps takes one on the radius printed, and the B
   printed keeps the a-priori radius within it.  total: the bytes needed
   (SIZE_MAX: beyond counting).  */
static void
fit_hint (char *buf, size_t size, const poly_t *s, int deg_given, const fga_problem *prob,
          size_t budget, size_t total)
{
  size_t r = 0, bytes = 0;
  long g = fitting_degree (s, prob, budget, &r, &bytes);
  double mem = fga_physical_bytes ();
  int can_raise = total != SIZE_MAX && (double) total <= mem;
  char mb[32], need[32];
  buf[0] = '\0';
  if (g == 0)
    append (buf, size, "no degree >= 1 fits budget=%zu bytes", budget);
  else
    {
      fga_format_bytes (need, sizeof need, (double) bytes);
      append (buf, size, "the largest degree within budget is g = %ld (r = C(%zu, %zu) = %zu "
              "features, %s): ", g, prob->d + (size_t) g, prob->d, r, need);
      if (deg_given)
        append (buf, size, "give deg=%ld or lower", g);
      else
        {
          double eps_a = eps_for_degree (s, g), Rg = radius_for_degree (s, g);
          if (eps_a > 0)
            append (buf, size, "raise eps to %.2g or more (a larger eps lowers the degree), or ",
                    eps_a);
          if (Rg > 0)
            {
              /* B such that R=apriori, tau d B^2 rounded up, stays within Rg */
              double tau = fga_tau_double (&prob->tau, prob->d);
              double B = round2 (sqrt (Rg / (tau * (double) prob->d)), -1);
              for (int k = 0; k < 16 && fga_poly_apriori_R (tau, prob->d, B) > Rg; k++)
                B = round2 (B * 0.99, -1);
              append (buf, size, "make the scores smaller: a radius R <= %.2g (R = %.6g now%s; "
                      "entries within B = %.2g keep tau d B^2 below it), or ", Rg, s->R,
                      s->rword == FGA_POLY_R_AUTO ? ", from the data" : "", B);
            }
          append (buf, size, "give deg=%ld (its error bound then exceeds eps)", g);
        }
    }
  if (can_raise)
    append (buf, size, "%sraise budget to %zu", g == 0 ? ": " : ", or ", total);
  else if (total != SIZE_MAX)
    {
      fga_format_bytes (mb, sizeof mb, mem);
      append (buf, size, "; a larger budget cannot help: g = %ld needs more than this "
              "machine's %s", s->g, mb);
    }
}

static int
poly_prepare (fga_method m, const fga_problem *prob, fga_error *err)
{
  poly_free (m->state);
  m->state = NULL;
  poly_t *s = fgap_calloc (1, sizeof *s, "the state of method poly", err);
  if (s == NULL)
    return FGA_ERR_NOMEM;
  s->ws = fgap_calloc (1, sizeof *s->ws, "the workspace of method poly", err);
  if (s->ws == NULL)
    {
      poly_free (s);
      return FGA_ERR_NOMEM;
    }
  int rc = FGA_OK;
  fga_expfit_t p;
  int have_p = 0;
  fga_error local;

  s->arith = fgap_param_choice (m, "arith");
  s->prec = s->arith == ARITH_MPFR ? (mpfr_prec_t) fgap_param_int (m, "prec") : 53;
  s->basis = fgap_param_choice (m, "basis") == BASIS_TAYLOR ? FGA_BASIS_TAYLOR : FGA_BASIS_CHEB;
  s->eps_a = fgap_param_real (m, "eps");
  s->block_param = (size_t) fgap_param_int (m, "block");

  if ((rc = fgap_poly_radius (&s->R, &s->rword, m, prob, err)) != FGA_OK)
    goto fail;
  s->B = prob->B;

  /* ||V||_inf enters eps; the problem's Bv is the bound the instance was
     made with (or the largest |entry| of a V read without instance.json),
     and run checks that V keeps to it.  */
  s->vbound = prob->Bv;
  if (!(s->vbound >= 0) || !isfinite (s->vbound))
    {
      rc = fgap_error_set (err, FGA_ERR_INPUT, "method poly: the problem's bound Bv on "
                          "||V||_inf is %g; a finite bound is needed to derive the relative "
                          "eps and to bound the error", prob->Bv);
      goto fail;
    }
  s->eps_rel = fga_poly_eps_rel (s->eps_a, s->vbound);

  long deg = fgap_param_int (m, "deg");
  if (deg > 0)
    s->g = deg;
  else if ((rc = fga_expfit_least_degree (&s->g, s->basis, s->R, s->eps_rel, 1, FGA_POLY_GMAX,
                                          &local)) != FGA_OK)
    {
      rc = fgap_error_set (err, rc, "method poly: no %s polynomial of degree <= %d is certified "
                          "within relative eps = %g of exp on [-%g, %g]: %s",
                          fga_basis_name (s->basis), FGA_POLY_GMAX, s->eps_rel, s->R, s->R,
                          local.msg);
      goto fail;
    }

  const size_t budget = (size_t) fgap_param_int (m, "budget");
  if ((rc = fga_monomial_count (&s->r, prob->d, s->g, &local)) != FGA_OK)
    {
      char hint[640];
      fit_hint (hint, sizeof hint, s, deg > 0, prob, budget, SIZE_MAX);
      rc = fgap_error_set (err, rc, "method poly: degree g = %ld in d = %zu variables: %s; %s",
                          s->g, prob->d, local.msg, hint);
      goto fail;
    }
  poly_shape (s, prob);

  /* The memory budget, before anything of size r is allocated.  */
  {
    size_t tables, runb, total = poly_bytes (s, prob, &tables, &runb);
    s->table_bytes = tables;
    if (total > budget)
      {
        char hint[640];
        fit_hint (hint, sizeof hint, s, deg > 0, prob, budget, total);
        rc = fgap_error_set (err, FGA_ERR_INPUT, "method poly: r = C(d + g, d) = C(%zu, %zu) = "
                            "%zu features (d = %zu, g = %ld) would take %s%zu bytes (%.3g GiB: "
                            "%zu for the per-feature tables, %zu for blocks, ancestors and "
                            "accumulators), above budget=%zu bytes; %s",
                            prob->d + (size_t) s->g, prob->d, s->r, prob->d, s->g,
                            total == SIZE_MAX ? "more than " : "", total,
                            (double) total / 1073741824.0, tables, runb, budget, hint);
        goto fail;
      }
  }

  if ((rc = fga_expfit_init (p, s->basis, s->R, s->g, fga_poly_coef_prec (s->prec),
                             &local)) != FGA_OK)
    {
      rc = fgap_error_set (err, rc, "method poly: %s", local.msg);
      goto fail;
    }
  have_p = 1;
  s->bound_rel = p->bound_rel;
  if ((rc = fga_poly_rounding_bound (&s->rb, p, prob->nk, s->r, s->prec, err)) != FGA_OK)
    goto fail;
  {
    fgap_mpfr_state st;
    fgap_mpfr_state_save (&st);
    rc = poly_tables (s, p, prob, err);
    fgap_mpfr_state_restore (&st);
    if (rc != FGA_OK)
      goto fail;
  }
  fga_expfit_clear (p);
  have_p = 0;
  poly_notes (s, deg == 0 || fgap_param_given (m, "eps"));
  m->state = s;
  return FGA_OK;

fail:
  if (have_p)
    fga_expfit_clear (p);
  poly_free (s);
  return rc;
}

/* ------------------------------------------------------------------ */
/* Progress: the feature columns done, cols of r, which is the fraction of
   the work (each column costs (nq + nk) (dv + 1) products and sums, the
   final division nq dv: little); told when it has grown by 1/1024 since
   *told (so at most about a thousand times, whatever r), and below 1 only:
   the final 1 is fga_method_run_progress's.  */
static void
tell (const fga_progress *pr, double cols, size_t r, double *told)
{
  double f = cols / (double) r;
  if (f < 1 && f >= *told + 1.0 / 1024)
    {
      *told = f;
      pr->fn (f, pr->data);
    }
}

/* ------------------------------------------------------------------ */
/* arith=double */

/* The double evaluation.  M = U2_b^T [V 1] is one dgemm on V and one dgemv
   on the ones (the same products and sums as a dgemm on [V 1], without a
   copy of V); [Y w] += U1_b M is one dgemm into T itself and one dgemv
   into w.  Besides the tables, the memory is Q and K transposed (the
   builders of poly_build.c read their columns at unit stride), the g - 1
   ancestor columns per side, w, and per thread a tile, a partial M and a
   column of ones.  */
static int
run_double (const poly_t *s, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
            fga_mat_srcptr V, fga_stats *st, const fga_progress *pr, fga_error *err)
{
  const size_t nq = Q->rows, nk = K->rows, dv = V->cols, dw = dv + 1;
  const size_t r = s->r, cb = s->block, tr = s->tile;
  const long g = s->g;
  const size_t anc_cols = g > 1 ? (size_t) (g - 1) : 0;
  if (cb > INT_MAX || tr > INT_MAX || dw > INT_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "method poly: block = %zu, tile = %zu or dv = %zu "
                          "exceeds the int sizes of the CBLAS interface", cb, tr, dv);
  const int nt = run_threads (s, nq, nk, dv);
  const size_t ntk = (nk + tr - 1) / tr, ntq = (nq + tr - 1) / tr;
  /* own: poly_accum.c's products, which keep no tile (fgap_poly_tile_plan) */
  const int own = own_products (dv);

  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  const size_t d = Q->cols;
  run_mem rm;
  const size_t total = run_layout (s, nq, nk, d, dv, nt, &rm, NULL);
  if (total == SIZE_MAX)
    return fgap_error_set (err, FGA_ERR_NOMEM, "method poly: the run's memory overflows the "
                          "address space");
  char *mem = fgap_workspace_take (s->ws, total, &mt, "the run of method poly", err);
  if (mem == NULL)
    return FGA_ERR_NOMEM;
  run_layout (s, nq, nk, d, dv, nt, &rm, (char *) (((uintptr_t) mem + 63) & ~(uintptr_t) 63));
  double *w = rm.w, *Kt = rm.Kt, *Qt = rm.Qt, *Kst = rm.Kst, *Qst = rm.Qst, *buf = rm.buf;
  double *Mp = rm.Mp, *M = rm.M, *lane = rm.lane, *ones = rm.ones;
  const double **srcs = rm.srcs, **anc = rm.anc;
  int *used = rm.used;
  const size_t tld = own ? local_ld (tr) : tr;
  const size_t tstride = tile_doubles (cb, tr, own, anc_cols + d + dw);
  int rc = FGA_OK;
  for (size_t i = 0; i < tr; i++)
    ones[i] = 1;
  fgap_poly_transpose (Kt, K->data, nk, d, nt);
  fgap_poly_transpose (Qt, Q->data, nq, d, nt);
  const fgap_poly_tile_fn build_tile = fgap_poly_tile_select (fgap_attn_isa ());
  const fgap_poly_feat feat = { s->dep, s->var, g };
  const fgap_poly_accum accum = fgap_poly_accum_select (fgap_attn_isa ());

  /* OpenBLAS on the processor's kernels before the first product
     (core/blas.c).  Its own threads would spin against OpenMP's
     (attention_blas.c says why): each OpenMP thread takes whole tiles and
     OpenBLAS one.  */
  fgap_blas_ready ();
  if (nt > 1)
    fgap_blas_single_enter ();

  uint64_t n_mul = 0, n_add = 0;
  double told = 0;             /* the last fraction told, by the master thread */
#pragma omp parallel num_threads (nt) reduction (+:n_mul, n_add)
  {
    int me = 0;
#ifdef _OPENMP
    me = omp_get_thread_num ();
#endif
    double *mybuf = buf + (size_t) me * tstride;
    double *Mt = Mp + (size_t) me * cb * dw;
    double *mylane = own ? lane + (size_t) me * cb * dw * 8 : NULL;
    const double **src = own ? srcs + (size_t) me * 3 * cb : NULL;
    const fgap_poly_tile tile = { src, src + cb, (double **) (src + 2 * cb) };
    const double **myanc = anc + (size_t) me * (size_t) (g + 1);
    for (size_t c0 = 0; c0 < r; c0 += cb)
      {
        const size_t cbb = r - c0 < cb ? r - c0 : cb;
        int mine = 0;
        if (pr != NULL && c0 > 0)
          {
#pragma omp master
            tell (pr, (double) c0, r, &told);
          }
#pragma omp for schedule (static)
        for (size_t t = 0; t < ntk; t++)
          {
            const size_t j0 = t * tr, len = nk - j0 < tr ? nk - j0 : tr;
            const double beta = mine ? 1.0 : 0.0;
            if (own)
              {
                n_mul += fgap_poly_tile_plan (&tile, mybuf, tld, Kt, d, Kst, nk, j0, len, &feat,
                                              c0, cbb, myanc, ones);
                /* the tile's rows of [V 1], transposed, beside its other
                   columns */
                double *wt = mybuf + (anc_cols + d) * tld;
                for (size_t j = 0; j < len; j++)
                  for (size_t col = 0; col < dv; col++)
                    wt[col * tld + j] = FGA_MAT (V, j0 + j, col);
                memcpy (wt + dv * tld, ones, len * sizeof (double));
                accum.keys (mylane, &tile, wt, tld, len, cbb, dw, !mine);
                fgap_poly_tile_save (Kst, nk, j0, len, g, myanc);
              }
            else
              {
                n_mul += build_tile (mybuf, tr, Kt, Kst, nk, j0, len, &feat, c0, cbb, myanc);
                cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) cbb, (int) dv,
                             (int) len, 1.0, mybuf, (int) tr, &FGA_MAT (V, j0, 0), (int) dv,
                             beta, Mt, (int) dw);
                cblas_dgemv (CblasRowMajor, CblasNoTrans, (int) cbb, (int) len, 1.0, mybuf,
                             (int) tr, ones, 1, beta, Mt + dv, (int) dw);
              }
            n_mul += cbb * dw * len;
            n_add += cbb * dw * (mine ? len : len - 1);
            mine = 1;
          }
        if (own && mine)
          fgap_poly_accum_reduce (Mt, mylane, cbb, dw);
        used[me] = mine;
#pragma omp barrier
#pragma omp single
        {
          int first = 1;
          for (int th = 0; th < nt; th++)
            if (used[th])
              {
                const double *P = Mp + (size_t) th * cb * dw;
                if (first)
                  memcpy (M, P, cbb * dw * sizeof (double));
                else
                  {
                    for (size_t e = 0; e < cbb * dw; e++)
                      M[e] += P[e];
                    n_add += cbb * dw;
                  }
                first = 0;
              }
          for (size_t c = 0; c < cbb; c++)
            for (size_t col = 0; col < dw; col++)
              M[c * dw + col] *= s->coef[c0 + c];
          n_mul += cbb * dw;
        }
#pragma omp for schedule (static)
        for (size_t t = 0; t < ntq; t++)
          {
            const size_t i0 = t * tr, len = nq - i0 < tr ? nq - i0 : tr;
            const double beta = c0 > 0 ? 1.0 : 0.0;
            if (own)
              {
                n_mul += fgap_poly_tile_plan (&tile, mybuf, tld, Qt, d, Qst, nq, i0, len, &feat,
                                              c0, cbb, myanc, ones);
                accum.queries (&FGA_MAT (T, i0, 0), w + i0, dv, &tile, M, len, cbb, c0 > 0);
                fgap_poly_tile_save (Qst, nq, i0, len, g, myanc);
              }
            else
              {
                n_mul += build_tile (mybuf, tr, Qt, Qst, nq, i0, len, &feat, c0, cbb, myanc);
                cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) len, (int) dv,
                             (int) cbb, 1.0, mybuf, (int) tr, M, (int) dw, beta,
                             &FGA_MAT (T, i0, 0), (int) dv);
                cblas_dgemv (CblasRowMajor, CblasTrans, (int) cbb, (int) len, 1.0, mybuf,
                             (int) tr, M + dv, (int) dw, beta, w + i0, 1);
              }
            n_mul += len * dw * cbb;
            n_add += len * dw * (c0 > 0 ? cbb : cbb - 1);
          }
      }
  }
  if (nt > 1)
    fgap_blas_single_leave ();

  size_t bad = SIZE_MAX;
#pragma omp parallel for num_threads (nt) reduction (min:bad) schedule (static)
  for (size_t i = 0; i < nq; i++)
    {
      double *t = &FGA_MAT (T, i, 0);
      const double wi = w[i];
      int ok = wi > 0 && isfinite (wi);
      for (size_t c = 0; c < dv; c++)
        {
          t[c] /= wi;
          ok = ok && isfinite (t[c]);
        }
      if (lse != NULL)
        lse[i] = log (wi);
      if (!ok && i < bad)
        bad = i;
    }
  if (bad != SIZE_MAX)
    rc = fgap_error_set (err, FGA_ERR_COMPUTE, "method poly: row %zu: the approximate row sum "
                        "w = %g is not a positive finite number or the output overflows "
                        "(certified relative error of p: %g, rounding bound: %g); %s", bad,
                        w[bad], s->bound_rel, s->rb, s->bound_rel >= 1
                        ? "p is not certified positive on [-R, R]: raise deg or let eps choose it"
                        : "arith=mpfr avoids the rounding");
  if (st != NULL)
    {
      st->n_mul = n_mul;
      st->n_add = n_add;
      st->n_div = (uint64_t) nq * dv;
      st->n_exp = lse != NULL ? nq : 0;
      st->n_cmp = 0;
      st->threads = nt;
    }

  fgap_workspace_give (s->ws, mem, total, &mt);
  if (st != NULL)
    st->peak_bytes = add_sat (mt.peak, s->table_bytes);
  return rc;
}

/* ------------------------------------------------------------------ */
/* arith=mpfr: the same steps, each rounded once at the working precision
   (a product and a sum are two roundings; there is no fused form).  The
   order of every sum is fixed: over keys for M, over the columns in
   depth-first order for [Y w], whatever the block and the threads, so the
   result does not depend on them.  */

typedef struct
{
  mpfr_t *v;
  size_t n;
} mvec_t;

static int
mvec_init (mvec_t *a, size_t n, mpfr_prec_t p, fgap_memtrack *mt, fga_error *err)
{
  a->n = 0;
  a->v = fgap_talloc (mt, n * sizeof (mpfr_t), "MPFR numbers", err);
  if (a->v == NULL)
    return FGA_ERR_NOMEM;
  for (size_t k = 0; k < n; k++)
    mpfr_init2 (a->v[k], p);
  a->n = n;
  /* the limbs, which MPFR allocates itself */
  size_t limbs = n * mpfr_custom_get_size (p);
  size_t now = __atomic_add_fetch (&mt->current, limbs, __ATOMIC_SEQ_CST);
  if (now > mt->peak)
    mt->peak = now;
  return FGA_OK;
}

static void
mvec_clear (mvec_t *a, mpfr_prec_t p, fgap_memtrack *mt)
{
  if (a->v == NULL)
    return;
  for (size_t k = 0; k < a->n; k++)
    mpfr_clear (a->v[k]);
  __atomic_sub_fetch (&mt->current, a->n * mpfr_custom_get_size (p), __ATOMIC_SEQ_CST);
  fgap_tfree (mt, a->v, a->n * sizeof (mpfr_t));
  a->v = NULL;
}

/* Block columns c0 .. c0 + cbb - 1 of one side's monomials into B (cbb x n,
   column-major per feature), through the per-row ancestors A (g x n).  */
static uint64_t
mpfr_side (mpfr_t *Bm, mpfr_t *A, fga_mat_srcptr X, const poly_t *s, size_t c0, size_t cbb,
           int nt)
{
  const size_t n = X->rows;
  uint64_t nmul = 0;
#pragma omp parallel for num_threads (nt) schedule (static) reduction (+:nmul)
  for (size_t i = 0; i < n; i++)
    for (size_t c = 0; c < cbb; c++)
      {
        const unsigned k = s->dep[c0 + c];
        const double x = FGA_MAT (X, i, s->var[c0 + c]);
        mpfr_ptr dst = Bm[c * n + i];
        if (k == 0)
          {
            mpfr_set_ui (dst, 1, MPFR_RNDN);
            continue;
          }
        mpfr_ptr a = A[(size_t) (k - 1) * n + i];
        if (k == 1)
          mpfr_set_d (a, x, MPFR_RNDN);
        else
          {
            mpfr_mul_d (a, A[(size_t) (k - 2) * n + i], x, MPFR_RNDN);
            nmul++;
          }
        mpfr_set (dst, a, MPFR_RNDN);
      }
  return nmul;
}

static int
run_mpfr (const poly_t *s, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
          fga_mat_srcptr V, fga_stats *st, const fga_progress *pr, fga_error *err)
{
  const size_t nq = Q->rows, nk = K->rows, dv = V->cols, dw = dv + 1;
  const size_t r = s->r, cb = s->block;
  const mpfr_prec_t p = s->prec;
  const size_t gg = (size_t) s->g;
  const int nt = run_threads (s, nq, nk, dv);
  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  mvec_t KA = { NULL, 0 }, QA = { NULL, 0 }, KB = { NULL, 0 }, QB = { NULL, 0 };
  mvec_t M = { NULL, 0 }, YW = { NULL, 0 }, tmp = { NULL, 0 };
  int rc;
  if ((rc = mvec_init (&KA, gg * nk, p, &mt, err)) != FGA_OK
      || (rc = mvec_init (&QA, gg * nq, p, &mt, err)) != FGA_OK
      || (rc = mvec_init (&KB, cb * nk, p, &mt, err)) != FGA_OK
      || (rc = mvec_init (&QB, cb * nq, p, &mt, err)) != FGA_OK
      || (rc = mvec_init (&M, cb * dw, p, &mt, err)) != FGA_OK
      || (rc = mvec_init (&YW, nq * dw, p, &mt, err)) != FGA_OK
      || (rc = mvec_init (&tmp, (size_t) nt, p, &mt, err)) != FGA_OK)
    goto done;

  uint64_t n_mul = 0, n_add = 0;
  double told = 0;
  for (size_t c0 = 0; c0 < r; c0 += cb)
    {
      const size_t cbb = r - c0 < cb ? r - c0 : cb;
      n_mul += mpfr_side (KB.v, KA.v, K, s, c0, cbb, nt);
      /* M = U2_b^T [V 1], then the coefficients */
#pragma omp parallel for num_threads (nt) schedule (dynamic, 1) reduction (+:n_mul, n_add)
      for (size_t c = 0; c < cbb; c++)
        {
          int me = 0;
#ifdef _OPENMP
          me = omp_get_thread_num ();
#endif
          mpfr_ptr t = tmp.v[me];
          for (size_t col = 0; col < dw; col++)
            {
              mpfr_ptr acc = M.v[c * dw + col];
              for (size_t j = 0; j < nk; j++)
                {
                  double wv = col < dv ? FGA_MAT (V, j, col) : 1.0;
                  if (j == 0)
                    mpfr_mul_d (acc, KB.v[c * nk], wv, MPFR_RNDN);
                  else
                    {
                      mpfr_mul_d (t, KB.v[c * nk + j], wv, MPFR_RNDN);
                      mpfr_add (acc, acc, t, MPFR_RNDN);
                    }
                }
              mpfr_mul (acc, acc, s->mcoef[c0 + c], MPFR_RNDN);
            }
          n_mul += dw * (nk + 1);
          n_add += dw * (nk - 1);
        }
      if (pr != NULL)
        tell (pr, (double) c0 + (double) cbb * (double) nk / (double) (nq + nk), r, &told);
      n_mul += mpfr_side (QB.v, QA.v, Q, s, c0, cbb, nt);
      /* [Y w] += U1_b M, term by term in column order */
#pragma omp parallel for num_threads (nt) schedule (static) reduction (+:n_mul, n_add)
      for (size_t i = 0; i < nq; i++)
        {
          int me = 0;
#ifdef _OPENMP
          me = omp_get_thread_num ();
#endif
          mpfr_ptr t = tmp.v[me];
          for (size_t col = 0; col < dw; col++)
            {
              mpfr_ptr acc = YW.v[i * dw + col];
              for (size_t c = 0; c < cbb; c++)
                if (c0 == 0 && c == 0)
                  mpfr_mul (acc, QB.v[i], M.v[col], MPFR_RNDN);
                else
                  {
                    mpfr_mul (t, QB.v[c * nq + i], M.v[c * dw + col], MPFR_RNDN);
                    mpfr_add (acc, acc, t, MPFR_RNDN);
                  }
            }
          n_mul += dw * cbb;
          n_add += dw * (c0 == 0 ? cbb - 1 : cbb);
        }
      if (pr != NULL)
        tell (pr, (double) (c0 + cbb), r, &told);
    }

  size_t bad = SIZE_MAX;
#pragma omp parallel for num_threads (nt) schedule (static) reduction (min:bad)
  for (size_t i = 0; i < nq; i++)
    {
      int me = 0;
#ifdef _OPENMP
      me = omp_get_thread_num ();
#endif
      mpfr_ptr t = tmp.v[me];
      mpfr_srcptr w = YW.v[i * dw + dv];
      int ok = mpfr_sgn (w) > 0 && mpfr_number_p (w);
      for (size_t c = 0; c < dv; c++)
        {
          mpfr_div (t, YW.v[i * dw + c], w, MPFR_RNDN);
          double x = mpfr_get_d (t, MPFR_RNDN);
          FGA_MAT (T, i, c) = x;
          ok = ok && isfinite (x);
        }
      if (lse != NULL)
        {
          mpfr_log (t, w, MPFR_RNDN);
          lse[i] = mpfr_get_d (t, MPFR_RNDN);
        }
      if (!ok && i < bad)
        bad = i;
    }
  if (bad != SIZE_MAX)
    rc = fgap_error_set (err, FGA_ERR_COMPUTE, "method poly: row %zu: the approximate row sum "
                        "is %g, not positive, or the output overflows the double range "
                        "(certified relative error of p: %g)%s", bad,
                        mpfr_get_d (YW.v[bad * dw + dv], MPFR_RNDN), s->bound_rel,
                        s->bound_rel >= 1 ? "; raise deg or let eps choose it" : "");
  if (st != NULL)
    {
      st->n_mul = n_mul;
      st->n_add = n_add;
      st->n_div = (uint64_t) nq * dv;
      st->n_exp = lse != NULL ? nq : 0;
      st->n_cmp = 0;
      st->threads = nt;
    }

done:
  mvec_clear (&KA, p, &mt);
  mvec_clear (&QA, p, &mt);
  mvec_clear (&KB, p, &mt);
  mvec_clear (&QB, p, &mt);
  mvec_clear (&M, p, &mt);
  mvec_clear (&YW, p, &mt);
  mvec_clear (&tmp, p, &mt);
  if (st != NULL)
    st->peak_bytes = add_sat (mt.peak, s->table_bytes);
  return rc;
}

/* ------------------------------------------------------------------ */

static int
poly_run_progress (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q,
                   fga_mat_srcptr K, fga_mat_srcptr V, fga_stats *st, const fga_progress *pr,
                   fga_error *err)
{
  const poly_t *s = m->state;
  int rc;
  fga_error local;
  if ((rc = fga_mat_check_finite (Q, "Q", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (K, "K", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (V, "V", &local)) != FGA_OK)
    return fgap_error_set (err, rc, "method poly: %s", local.msg);

  /* The certificate holds only for scores within [-R, R] and ||V||_inf
     within the bound eps was derived from: data outside them are refused,
     not approximated without a guarantee (theory/upper-bound.md, section 5). */
  const double tau = fga_tau_double (&m->prob.tau, m->prob.d);
  double vmax = fga_mat_max_abs (V);
  if (vmax > s->vbound)
    return fgap_error_set (err, FGA_ERR_INPUT, "method poly: max |V_jc| = %.17g exceeds the "
                          "bound Bv = %.17g the relative eps was derived from", vmax, s->vbound);
  double rdata = fga_score_radius (Q, K, tau);
  int inside = rdata <= s->R;
  if (!inside && s->rword == FGA_POLY_R_APRIORI)
    inside = fga_mat_max_abs (Q) <= s->B && fga_mat_max_abs (K) <= s->B;
  if (!inside)
    return fgap_error_set (err, FGA_ERR_INPUT, "method poly: the scores may leave [-R, R] = "
                          "[-%.6g, %.6g], where p is certified: the data's Cauchy-Schwarz "
                          "radius is %.6g%s; use R=auto or a larger R", s->R, s->R, rdata,
                          s->rword == FGA_POLY_R_APRIORI ? " and entries of Q or K exceed B" : "");

  if (s->arith == ARITH_DOUBLE)
    {
      /* V near the ends of the double range: the products with V are made
         on V 2^-e and T multiplied back by 2^e, exactly, after the clamp
         to max|V| that a weighted mean with positive weights allows
         (kernels/attention-util.h): the error bound below is unchanged.
         arith=mpfr needs nothing: its exponent range is wide.  */
      fgap_memtrack vmt;
      fgap_memtrack_init (&vmt);
      fgap_vscale vs;
      if ((rc = fgap_vscale_init (&vs, &V, 1, &vmt, "method poly", err)) != FGA_OK)
        return rc;
      rc = run_double (s, T, lse, Q, K, V, st, pr, err);
      if (rc == FGA_OK)
        rc = fgap_vscale_finish (&vs, T, s->bound_rel < 1, 1, "method poly", "the output "
                                 "overflows the double range", err);
      if (st != NULL)
        st->peak_bytes = add_sat (st->peak_bytes, vs.bytes);
      fgap_vscale_clear (&vs, &vmt);
    }
  else
    rc = run_mpfr (s, T, lse, Q, K, V, st, pr, err);
  if (st == NULL)
    return rc;
  double u53 = 0x1p-53;
  fga_stats_set (st, "g", (double) s->g);
  fga_stats_set (st, "r", (double) s->r);
  fga_stats_set (st, "R_used", s->R);
  fga_stats_set (st, "eps_rel", s->bound_rel);
  fga_stats_set (st, "eps_target", s->eps_rel);
  fga_stats_set (st, "Bv", s->vbound);
  fga_stats_set (st, "rounding_bound_rel", s->rb);
  fga_stats_set (st, "rounding_bound", s->rb * vmax);
  /* ||T - Att|| <= 2 eps ||V|| (lemma 5) + rounding (lemma 6) + the final
     rounding to double of arith=mpfr */
  fga_stats_set (st, "error_bound", (2 * s->bound_rel + s->rb
                                     + (s->arith == ARITH_MPFR ? u53 * (1 + s->rb) : 0)) * vmax);
  fga_stats_set (st, "block", (double) s->block);
  if (s->arith == ARITH_DOUBLE)
    fga_stats_set (st, "tile", (double) s->tile);
  else
    fga_stats_set (st, "prec", (double) s->prec);
  snprintf (st->notes, sizeof st->notes, "%s", s->notes);
  return rc;
}

static int
poly_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
          fga_mat_srcptr V, fga_stats *st, fga_error *err)
{
  return poly_run_progress (m, T, lse, Q, K, V, st, NULL, err);
}

/* The counts of the prepared method (its degree known even with deg=0), in
   its arithmetic, on its threads, which meet at barriers per block.  */
static int
poly_predict (mpz_t ops[5], fgap_predict_info *pi, fga_method_srcptr m, int lse,
              fga_error *err)
{
  const poly_t *s = m->state;
  const fga_problem *p = &m->prob;
  mpz_t r;
  mpz_init (r);
  mpz_import (r, 1, -1, sizeof s->r, 0, 0, &s->r);
  fga_poly_count (ops, p->nq, p->nk, p->d, p->dv, s->g, r, lse);
  mpz_clear (r);
  pi->prec = (long) s->prec;
  pi->threads = run_threads (s, p->nq, p->nk, p->dv);
  pi->lockstep = 1;
  return FGA_OK;
}

/* fga_poly_count with r = C(d + g, d), for a degree given: deg=0 takes the
   degree from the data's radius at prepare.  */
static int
poly_count (mpz_t ops[5], fga_method_srcptr m, const fga_problem *prob, int lse,
            fga_error *err)
{
  const long g = fgap_param_int (m, "deg");
  if (g < 1)
    return fgap_error_set (err, FGA_ERR_INPUT, "method poly: deg=0 chooses the degree from the "
                          "data at prepare, so its counts are not known in advance; give deg");
  if (prob->d > ULONG_MAX - (unsigned long) g)
    return fgap_error_set (err, FGA_ERR_INPUT, "method poly: d = %zu is too large to count", prob->d);
  mpz_t r;
  mpz_init (r);
  mpz_bin_uiui (r, (unsigned long) prob->d + (unsigned long) g, (unsigned long) prob->d);
  fga_poly_count (ops, prob->nq, prob->nk, prob->d, prob->dv, g, r, lse);
  mpz_clear (r);
  return FGA_OK;
}

const fgap_method_class fgap_method_poly = {
  .info = { "poly", "Alman-Song polynomial method: p ~ exp on [-R, R], C(d+g, d) monomial "
            "features, certified error", poly_params },
  .prepare = poly_prepare,
  .run = poly_run,
  .destroy = poly_destroy,
  .count = poly_count,
  .run_progress = poly_run_progress,
  .predict = poly_predict
};

int
fgap_poly_radius (double *R, int *rword, fga_method m, const fga_problem *prob,
                 fga_error *err)
{
  const char *name = m->cls->info.name;
  *rword = fgap_param_word (m, "R");
  if (*rword == FGA_POLY_R_AUTO)
    {
      if (!(prob->R >= 0) || !isfinite (prob->R))
        return fgap_error_set (err, FGA_ERR_INPUT, "method %s: R=auto needs the score radius "
                              "of the data, but the problem has R = %g; give R=apriori or a "
                              "number", name, prob->R);
      *R = prob->R;
    }
  else if (*rword == FGA_POLY_R_APRIORI)
    {
      if (!(prob->B > 0) || !isfinite (prob->B))
        return fgap_error_set (err, FGA_ERR_INPUT, "method %s: R=apriori needs a positive "
                              "finite entry bound B, but the problem has B = %g", name, prob->B);
      *R = fga_poly_apriori_R (fga_tau_double (&prob->tau, prob->d), prob->d, prob->B);
      if (!isfinite (*R))
        return fgap_error_set (err, FGA_ERR_INPUT, "method %s: R=apriori: tau d B^2 overflows "
                              "(B = %g)", name, prob->B);
    }
  else
    *R = fgap_param_real (m, "R");
  if (*R < FGA_POLY_RMIN)
    *R = FGA_POLY_RMIN;
  return FGA_OK;
}
