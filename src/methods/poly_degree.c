/* fga_poly_least_degree -- the least degree at which the polynomial method reaches eps on data

   The method poly computes T = diag (w)^{-1} Y with [Y w] = U1 (U2^T [V 1])
   and U1 U2^T = p_g (S) entry by entry (theory/upper-bound.md, the
   factorisation lemma), so in exact arithmetic

     T_i = sum_j p_g (s_ij) v_j / sum_j p_g (s_ij),   s_ij = tau <q_i, k_j>,

   whatever the C(d + g, d) features are.  This file evaluates that
   formula directly, O(nk (d + g + dv)) per row, with the method's own
   polynomial: fga_expfit_init at the same basis, radius and coefficient
   precision (fga_poly_coef_prec (53), 117 bits) as src/methods/poly.c, the
   monomial coefficients mono[0..g].  The reference is that polynomial in
   exact arithmetic; the rounding of the method's factored double
   evaluation is another matter (its own a-priori bound, or arith=mpfr).

   Precision, in three tiers per row.  The coefficients of p_g in monomial
   form reach A(R) = sum_k |c_k| R^k, about e^R and more (the Chebyshev
   conversion), while p_g (s) is about e^s >= e^-R: evaluating p_g loses
   about log2 A(R) + R log2 e bits.  Each tier bounds the difference
   between what it computed and the exact T_i (rigorously, below), and a
   row whose verdict (within eps or not) the bound leaves open goes to the
   next tier: Horner in double, Horner in double-double (about 104 bits),
   then MPFR at 128 + log2 A(R) + R log2 e + log2 (nk + g) bits.  A row
   still open after MPFR, or open only because of the final rounding of T
   to double, is decided on the double output itself: max_abs <= eps.

   The bound of a row.  With E a bound on |p^(s^) - p (s)| for every score
   of the row (Horner's gamma_{2g+2} A (m) with the unit of the tier, m the
   row's largest |s^|, the rounding of the coefficients, and
   A'(m + ds) ds for the scores' own rounding, ds = gamma_{d+3} r_i in
   double, gamma_{d+1} r_i in the finer tiers, r_i = tau ||q_i||
   max_j ||k_j||), the sums Y^ = sum p^_j v_j and w^ = sum p^_j, in double
   (or at the MPFR tier's precision), are within dY = gam S vmax + nk E vmax
   and dw = gam S + nk E of the exact Y and w (gam = gamma_{nk+3},
   S = sum |p^_j|, vmax = max |V|), and since
   Y/w - Y^/w^ = ((Y - Y^) + (Y^/w^) (w^ - w)) / w,

     |T - T^| <= (dY + |T^| dw) / (|w^| - dw) + c u |T^|

   when |w^| > dw (else the sign of w, which the method needs positive, is
   open); c u |T^| is the division and the final rounding.  The bounds are
   summed in double with a factor 1 + 16 u per step, more than their own
   rounding.  */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"
#include "methods/method-impl.h"
#include "methods/poly_impl.h"
#include "kernels/attention-util.h"

#include <float.h>
#include <cblas.h>
#ifdef _OPENMP
# include <omp.h>
#endif

#define U (DBL_EPSILON / 2)            /* 2^-53 */
#define DD_UNIT 0x1p-103               /* a double-double operation, generously */
#define UP (1 + 16 * DBL_EPSILON)
#define ACCURATE 0x1p-20               /* max_abs is certified to this relative error */

enum { ROW_OK, ROW_FAIL, ROW_OPEN };
enum { TIER_DOUBLE, TIER_DD, TIER_MPFR, TIERS };

/* gamma_m = m v / (1 - m v) for a unit v, rounded up.  */
static double
gamma_of (double m, double v)
{
  return m * v / (1 - m * v) * UP;
}

/* ------------------------------------------------------------------ */
/* The instance, and the polynomial of one degree.  */

typedef struct
{
  fga_mat_srcptr Q, K, V, truth;       /* V: scaled by 2^-ve when its range asks it */
  int ve;
  double vmax;                         /* max |V| after the scaling */
  double tau, R, eps;
  fga_basis basis;
  size_t nq, nk, d, dv;
  int nt;
  double *rq;                          /* tau ||q_i|| max_j ||k_j||, rounded up: |s_ij| <= rq[i] */
  int tier0;                           /* the first tier: FGATTN_POLY_TIER, else double */
} ctx_t;

typedef struct
{
  long g;
  fga_expfit_t p;                      /* mono[0..g] at 117 bits, as the method has it */
  double *ch, *cl;                     /* mono as double-doubles */
  mpfr_prec_t prec;                    /* of the MPFR tier */
} pol_t;

/* A (x) = sum |mono_k| x^k (deriv = 0) or A'(x) (deriv = 1), rounded up,
   into res (64 bits).  */
static void
abs_poly (mpfr_ptr res, const pol_t *pl, double x, int deriv)
{
  mpfr_t t;
  mpfr_init2 (t, 64);
  mpfr_set_zero (res, 1);
  for (long k = pl->g; k >= deriv; k--)
    {
      mpfr_mul_d (res, res, x, MPFR_RNDU);
      mpfr_abs (t, pl->p->mono[k], MPFR_RNDU);
      if (deriv)
        mpfr_mul_ui (t, t, (unsigned long) k, MPFR_RNDU);
      mpfr_add (res, res, t, MPFR_RNDU);
    }
  mpfr_clear (t);
}

/* The same as a double, rounded up (+Inf beyond the doubles).  */
static double
abs_poly_d (const pol_t *pl, double x, int deriv)
{
  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  mpfr_t r;
  mpfr_init2 (r, 64);
  abs_poly (r, pl, x, deriv);
  double v = mpfr_get_d (r, MPFR_RNDU);
  mpfr_clear (r);
  fgap_mpfr_state_restore (&st);
  return v;
}

static void
pol_clear (pol_t *pl)
{
  fga_expfit_clear (pl->p);
  fgap_free (pl->ch);
  fgap_free (pl->cl);
}

static int
pol_init (pol_t *pl, const ctx_t *cx, long g, fga_error *err)
{
  memset (pl, 0, sizeof *pl);
  pl->g = g;
  int rc = fga_expfit_init (pl->p, cx->basis, cx->R, g, fga_poly_coef_prec (53), err);
  if (rc != FGA_OK)
    return rc;
  pl->ch = fgap_calloc ((size_t) g + 1, sizeof (double), "the coefficients", err);
  pl->cl = fgap_calloc ((size_t) g + 1, sizeof (double), "the coefficients", err);
  if (pl->ch == NULL || pl->cl == NULL)
    {
      pol_clear (pl);
      return FGA_ERR_NOMEM;
    }
  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  mpfr_t t;
  mpfr_init2 (t, 256);
  for (long k = 0; k <= g; k++)
    {
      pl->ch[k] = pl->p->mono_d[k];
      mpfr_sub_d (t, pl->p->mono[k], pl->ch[k], MPFR_RNDN);    /* exact */
      pl->cl[k] = mpfr_get_d (t, MPFR_RNDN);
    }
  mpfr_clear (t);
  double bits = log2 (abs_poly_d (pl, cx->R * (1 + 0x1p-40), 0)) + cx->R / M_LN2
    + log2 ((double) cx->nk + g + 4);
  pl->prec = (mpfr_prec_t) (128 + (isfinite (bits) && bits > 0 ? ceil (bits) : 4096));
  fgap_mpfr_state_restore (&st);
  return FGA_OK;
}

/* E of a row: its computed scores at most m in magnitude and within ds of
   the exact ones, a tier whose Horner step has the unit v, coefficients
   within cu of mono (relative): Horner's gamma_{2g+2} A (m), the
   coefficients' cu A (m), and A'(m + ds) ds for the scores' rounding
   (the mean value theorem; A' bounds |p'| on [-x, x]).  */
static double
score_error (const pol_t *pl, double m, double ds, double v, double cu)
{
  m *= 1 + 0x1p-40;
  double A = abs_poly_d (pl, m, 0), dA = abs_poly_d (pl, (m + ds) * (1 + 0x1p-40), 1);
  double e = (gamma_of (2.0 * pl->g + 2, v) + cu) * A * UP + dA * ds * UP;
  return (e + 0x1p-1000) * UP;          /* the underflows of Horner's steps */
}

/* ------------------------------------------------------------------ */
/* The verdict of one row.  */

typedef struct
{
  int status;                          /* ROW_OK, ROW_FAIL, ROW_OPEN */
  int wsign;                           /* +1: w > 0 certain; -1: w <= 0 certain; 0 open */
  int tier;                            /* the last tier run */
  double err;                          /* max_c |T^_c - truth_c| as computed; Inf if w <= 0 */
  double bound;                        /* on the error of T^ against the exact T */
} row_t;

/* The bound above, from the row's sums; sets wsign.  */
static double
row_bound (int *wsign, double n, double E, double gam, double S, double vmax, double w,
           double tm, double cdiv)
{
  double dw = (gam * S * (1 + gam) + n * E) * UP;
  double dy = dw * vmax * UP;
  double lo = w - dw, hi = w + dw;
  lo -= fabs (lo) * 4 * U;             /* outward, whatever the signs */
  hi += fabs (hi) * 4 * U;
  if (!(hi > 0) && !isnan (hi))
    {
      *wsign = -1;
      return INFINITY;
    }
  if (!(lo > 0) || !isfinite (dw))
    {
      *wsign = 0;
      return INFINITY;
    }
  *wsign = 1;
  double q = tm * (1 + 4 * cdiv * U);
  return ((dy + q * dw) / lo + cdiv * U * tm) * UP;
}

/* The row's T^ (scaled by 2^-ve) against the truth: error, bound, verdict.  */
static void
row_judge (row_t *rw, const ctx_t *cx, size_t i, const double *t, double bound, int wsign,
           int tier)
{
  rw->tier = tier;
  rw->wsign = wsign;
  if (wsign < 0)
    {
      rw->status = ROW_FAIL, rw->err = INFINITY, rw->bound = 0;
      return;
    }
  double e = 0, tm = 0;
  for (size_t c = 0; c < cx->dv; c++)
    {
      double x = ldexp (t[c], cx->ve);      /* exact unless it overflows or is subnormal */
      double dx = fabs (x - FGA_MAT (cx->truth, i, c));
      e = dx > e || isnan (dx) ? dx : e;
      tm = fmax (tm, fabs (x));
    }
  double b = ldexp (bound, cx->ve) + (cx->ve < 0 ? 0x1p-1074 : 0);
  rw->err = isnan (e) ? INFINITY : e;
  rw->bound = wsign == 0 || isnan (b) ? INFINITY : b;
  if (wsign == 0)
    rw->status = ROW_OPEN;
  else if (rw->err * (1 - 2 * U) - rw->bound * UP > cx->eps)
    rw->status = ROW_FAIL;
  else if ((rw->err + rw->bound) * UP <= cx->eps)
    rw->status = ROW_OK;
  else
    rw->status = ROW_OPEN;
  /* open only through the last rounding of T: nothing more precise can
     tell, and the double output decides */
  if (rw->status == ROW_OPEN && rw->bound <= 16 * U * tm + 0x1p-1070)
    rw->status = rw->err <= cx->eps ? ROW_OK : ROW_FAIL;
}

/* ------------------------------------------------------------------ */
/* Tiers double and double-double: p^ in double, sums by BLAS.  */

/* y_j = sum_k c_k s_j^k by Horner, for every j.  */
static void
horner_d (double *restrict y, const double *restrict s, size_t n, const double *c, long g)
{
  for (size_t j = 0; j < n; j++)
    y[j] = c[g];
  for (long k = g - 1; k >= 0; k--)
    {
      const double ck = c[k];
      for (size_t j = 0; j < n; j++)
        y[j] = y[j] * s[j] + ck;
    }
}

/* The same in double-double, and the scores too, with error-free
   transformations (Dekker's product by splitting, Knuth's and Dekker's
   sums) that a fused multiply-add formed by the compiler would break,
   hence no contraction.  The operations are those of Joldes, Muller and
   Popescu (2017): DWTimesDW1 (relative error at most 7 u^2),
   DWTimesFP1 (1.5 u^2 + 4 u^3) and AccurateDWPlusDW (3 u^2 / (1 - 4 u)),
   all below DD_UNIT.  */
#define SPLITTER 134217729.0            /* 2^27 + 1 */
#define DD_FN __attribute__ ((optimize ("fp-contract=off"))) static inline

/* a b = p + e exactly (no underflow) */
DD_FN void
two_prod (double *p, double *e, double a, double b)
{
  double t = SPLITTER * a, ah = t - (t - a), al = a - ah;
  t = SPLITTER * b;
  double bh = t - (t - b), bl = b - bh;
  *p = a * b;
  *e = ((ah * bh - *p) + ah * bl + al * bh) + al * bl;
}

/* (xh + xl) + (yh + yl) */
DD_FN void
dd_add (double *zh, double *zl, double xh, double xl, double yh, double yl)
{
  /* two_sum: x + y = s + e exactly, with x' = s - y and y' = s - x' */
  double sh = xh + yh, v = sh - yh, sl = (xh - v) + (yh - (sh - v));
  double th = xl + yl;
  v = th - yl;
  double tl = (xl - v) + (yl - (th - v));
  sl += th;
  double vh = sh + sl, vl = sl - (vh - sh);
  vl += tl;
  *zh = vh + vl;
  *zl = vl - (*zh - vh);
}

/* (xh + xl) (yh + yl) */
DD_FN void
dd_mul (double *zh, double *zl, double xh, double xl, double yh, double yl)
{
  double ch, cl1;
  two_prod (&ch, &cl1, xh, yh);
  double cl2 = xh * yl + xl * yh, cl3 = cl1 + cl2;
  *zh = ch + cl3;
  *zl = cl3 - (*zh - ch);
}

/* s_j = tau <q, k_j> in double-double: products exact, d sums and the
   product by tau each within DD_UNIT, so |s - s_exact| <= gamma_{d+1}
   (DD_UNIT) tau sum_t |q_t k_jt|.  */
DD_FN void
scores_dd (double *restrict sh, double *restrict sl, const double *q, fga_mat_srcptr K,
           double tau)
{
  const size_t d = K->cols;
  for (size_t j = 0; j < K->rows; j++)
    {
      const double *k = &FGA_MAT (K, j, 0);
      double h = 0, l = 0, p, e;
      for (size_t t = 0; t < d; t++)
        {
          two_prod (&p, &e, q[t], k[t]);
          dd_add (&h, &l, h, l, p, e);
        }
      dd_mul (&sh[j], &sl[j], h, l, tau, 0);
    }
}

/* Horner in double-double on double-double scores; p^ rounded to double
   into yh.  */
DD_FN void
horner_dd (double *restrict yh, double *restrict yl, const double *restrict sh,
           const double *restrict sl, size_t n, const double *ch, const double *cl, long g)
{
  for (size_t j = 0; j < n; j++)
    yh[j] = ch[g], yl[j] = cl[g];
  for (long k = g - 1; k >= 0; k--)
    for (size_t j = 0; j < n; j++)
      {
        double ph, pl;
        dd_mul (&ph, &pl, yh[j], yl[j], sh[j], sl[j]);
        dd_add (&yh[j], &yl[j], ph, pl, ch[k], cl[k]);
      }
  for (size_t j = 0; j < n; j++)
    yh[j] += yl[j];
}

/* Row i by tier double or double-double; buf holds 4 nk + dv doubles.  */
static void
row_fast (row_t *rw, const ctx_t *cx, const pol_t *pl, size_t i, int tier, double *buf)
{
  const size_t nk = cx->nk, dv = cx->dv;
  double *s = buf, *sl = buf + nk, *y = buf + 2 * nk, *yl = buf + 3 * nk, *t = buf + 4 * nk;
  const double *q = &FGA_MAT (cx->Q, i, 0);
  double ds, E;
  if (tier == TIER_DOUBLE)
    {
      /* any order of the d products and sums, and tau: gamma_{d+3} */
      cblas_dgemv (CblasRowMajor, CblasNoTrans, (int) nk, (int) cx->d, cx->tau, cx->K->data,
                   (int) cx->d, q, 1, 0.0, s, 1);
      ds = gamma_of ((double) cx->d + 3, U) * cx->rq[i];
    }
  else
    {
      scores_dd (s, sl, q, cx->K, cx->tau);
      ds = gamma_of ((double) cx->d + 1, DD_UNIT) * cx->rq[i];
    }
  ds += ((double) cx->d + 2) * fmax (cx->tau, 1) * 0x1p-1070;    /* products that underflow */
  double m = 0;
  for (size_t j = 0; j < nk; j++)
    m = fmax (m, fabs (s[j]));
  if (tier == TIER_DOUBLE)
    {
      horner_d (y, s, nk, pl->ch, pl->g);
      E = score_error (pl, m, ds, U, U);
    }
  else
    {
      horner_dd (y, yl, s, sl, nk, pl->ch, pl->cl, pl->g);
      /* |sl| <= u |s|: m (1 + 2u) bounds the scores; coefficients within 2^-105 */
      E = score_error (pl, m * (1 + 2 * U), ds, DD_UNIT, 0x1p-105);
    }
  double w = 0, S = 0;
  for (size_t j = 0; j < nk; j++)
    w += y[j], S += fabs (y[j]);
  if (dv > 0)
    cblas_dgemv (CblasRowMajor, CblasTrans, (int) nk, (int) dv, 1.0, cx->V->data, (int) dv, y,
                 1, 0.0, t, 1);
  double tm = 0;
  for (size_t c = 0; c < dv; c++)
    {
      t[c] /= w;
      tm = fmax (tm, fabs (t[c]));
    }
  /* the sums within gamma_{nk+2}; double-double's p^ rounded to double
     once more: one more unit */
  double gam = gamma_of ((double) nk + (tier == TIER_DOUBLE ? 2 : 3), U);
  S *= 1 + gam;                        /* an upper bound on the exact sum of |p^_j| */
  int wsign;
  double b = row_bound (&wsign, (double) nk, E, gam, S, cx->vmax, w, tm, 2);
  if (!isfinite (w) || !isfinite (S) || !isfinite (E))
    wsign = 0, b = INFINITY;
  row_judge (rw, cx, i, t, b, wsign, tier);
}

/* ------------------------------------------------------------------ */
/* Tier MPFR: the same formula, every operation at pl->prec bits.  */

typedef struct
{
  mpfr_t s, y, w, S, tmp;
  mpfr_t *Y;
  size_t dv;
} mrow_t;

static void
mrow_init (mrow_t *m, size_t dv, mpfr_prec_t p)
{
  mpfr_inits2 (p, m->s, m->y, m->w, m->S, m->tmp, (mpfr_ptr) 0);
  m->Y = fgap_calloc (dv > 0 ? dv : 1, sizeof (mpfr_t), "a row in MPFR", NULL);
  m->dv = m->Y != NULL ? dv : 0;
  for (size_t c = 0; c < m->dv; c++)
    mpfr_init2 (m->Y[c], p);
}

static void
mrow_clear (mrow_t *m)
{
  mpfr_clears (m->s, m->y, m->w, m->S, m->tmp, (mpfr_ptr) 0);
  for (size_t c = 0; c < m->dv; c++)
    mpfr_clear (m->Y[c]);
  fgap_free (m->Y);
}

/* Returns nonzero when the row could not be set up (no memory for Y).  */
static int
row_mpfr (row_t *rw, const ctx_t *cx, const pol_t *pl, size_t i, double *t)
{
  const size_t nk = cx->nk, dv = cx->dv, d = cx->d;
  mrow_t m;
  mrow_init (&m, dv, pl->prec);
  if (m.dv != dv)
    {
      mrow_clear (&m);
      return -1;
    }
  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  mpfr_set_zero (m.w, 1);
  mpfr_set_zero (m.S, 1);
  for (size_t c = 0; c < dv; c++)
    mpfr_set_zero (m.Y[c], 1);
  double smax = 0;
  for (size_t j = 0; j < nk; j++)
    {
      /* s = tau sum_t q_t k_t: the products are exact, d + 1 roundings */
      mpfr_set_zero (m.s, 1);
      for (size_t k = 0; k < d; k++)
        {
          mpfr_set_d (m.tmp, FGA_MAT (cx->Q, i, k), MPFR_RNDN);
          mpfr_mul_d (m.tmp, m.tmp, FGA_MAT (cx->K, j, k), MPFR_RNDN);
          mpfr_add (m.s, m.s, m.tmp, MPFR_RNDN);
        }
      mpfr_mul_d (m.s, m.s, cx->tau, MPFR_RNDN);
      smax = fmax (smax, fabs (mpfr_get_d (m.s, MPFR_RNDA)));
      mpfr_set (m.y, pl->p->mono[pl->g], MPFR_RNDN);
      for (long k = pl->g - 1; k >= 0; k--)
        mpfr_fma (m.y, m.y, m.s, pl->p->mono[k], MPFR_RNDN);
      mpfr_add (m.w, m.w, m.y, MPFR_RNDN);
      mpfr_abs (m.tmp, m.y, MPFR_RNDN);
      mpfr_add (m.S, m.S, m.tmp, MPFR_RNDN);
      for (size_t c = 0; c < dv; c++)
        {
          mpfr_mul_d (m.tmp, m.y, FGA_MAT (cx->V, j, c), MPFR_RNDN);
          mpfr_add (m.Y[c], m.Y[c], m.tmp, MPFR_RNDN);
        }
    }
  double tm = 0;
  for (size_t c = 0; c < dv; c++)
    {
      mpfr_div (m.tmp, m.Y[c], m.w, MPFR_RNDN);
      t[c] = mpfr_get_d (m.tmp, MPFR_RNDN);
      tm = fmax (tm, fabs (t[c]));
    }
  /* the scores within gamma_{d+1} R at this precision, Horner within
     gamma_{2g+2} A with exact coefficients, the sums within gamma_{nk+2};
     w and S to double outward */
  const double v = ldexp (1, 1 - (int) pl->prec);
  double E = score_error (pl, smax, gamma_of ((double) d + 1, v) * cx->rq[i], v, 0);
  double gam = gamma_of ((double) nk + 2, v);
  double S = mpfr_get_d (m.S, MPFR_RNDU) * (1 + gam);
  double w = mpfr_get_d (m.w, MPFR_RNDZ);
  int wsign;
  double b = row_bound (&wsign, (double) nk, E, gam, S, cx->vmax, w, tm, 2);
  if (mpfr_sgn (m.w) == 0 && wsign != -1)
    wsign = 0;
  fgap_mpfr_state_restore (&st);
  mrow_clear (&m);
  row_judge (rw, cx, i, t, b, wsign, TIER_MPFR);
  return 0;
}

/* ------------------------------------------------------------------ */
/* One degree over every row.  */

/* Whether row i must go to a finer tier: open, or (for an accurate
   max_abs) a bound above ACCURATE times the largest error so far.  */
static int
needs_more (const row_t *rw, int accurate, double emax)
{
  if (rw->status == ROW_OPEN)
    return 1;
  return accurate && rw->wsign > 0 && rw->bound > ACCURATE * emax;
}

/* Runs `tier' on the rows that need it; returns nonzero on a lack of memory. */
static int
run_tier (row_t *rows, const ctx_t *cx, const pol_t *pl, int tier, int accurate, double emax)
{
  const size_t nq = cx->nq;
  int bad = 0;
  fgap_blas_single_enter ();
#pragma omp parallel num_threads (cx->nt) reduction (|:bad)
  {
    double *buf = fgap_calloc (4 * cx->nk + cx->dv + 1, sizeof (double), "a row", NULL);
    bad |= buf == NULL;
#pragma omp for schedule (dynamic, 4)
    for (size_t i = 0; i < nq; i++)
      if (buf != NULL && (tier == cx->tier0 || (rows[i].tier < tier
                                                && needs_more (&rows[i], accurate, emax))))
        {
          if (tier == TIER_MPFR)
            bad |= row_mpfr (&rows[i], cx, pl, i, buf) != 0;
          else
            row_fast (&rows[i], cx, pl, i, tier, buf);
        }
    fgap_free (buf);
  }
  fgap_blas_single_leave ();
  return bad;
}

/* At degree g: *reached (every row certainly within eps, or decided so
   on its double output) and *emax, the largest row error (Inf when a row
   sum is certainly <= 0).  accurate: refine every row until emax is
   certified to ACCURATE; otherwise stop at the first certain failure.  */
static int
eval_degree (int *reached, double *emax, const ctx_t *cx, long g, int accurate, row_t *rows,
             fga_error *err)
{
  pol_t pl;
  int rc = pol_init (&pl, cx, g, err);
  if (rc != FGA_OK)
    return rc;
  *reached = 1;
  *emax = 0;
  for (int tier = cx->tier0; tier < TIERS; tier++)
    {
      if (run_tier (rows, cx, &pl, tier, accurate, *emax) != 0)
        {
          pol_clear (&pl);
          return fgap_error_set (err, FGA_ERR_NOMEM, "fga_poly_least_degree: out of memory "
                                "for the rows' buffers");
        }
      int fail = 0, open = 0;
      *emax = 0;
      for (size_t i = 0; i < cx->nq; i++)
        {
          fail |= rows[i].status == ROW_FAIL;
          open |= rows[i].status == ROW_OPEN;
          *emax = rows[i].err > *emax || isnan (rows[i].err) ? rows[i].err : *emax;
        }
      int more = open;
      for (size_t i = 0; accurate && i < cx->nq; i++)
        more |= needs_more (&rows[i], accurate, *emax);
      if ((fail && !accurate) || !more)
        break;
    }
  /* rows still open after MPFR: decided on their double output */
  for (size_t i = 0; i < cx->nq; i++)
    {
      if (rows[i].status == ROW_OPEN)
        rows[i].status = rows[i].wsign > 0 && rows[i].err <= cx->eps ? ROW_OK : ROW_FAIL;
      *reached &= rows[i].status == ROW_OK;
    }
  pol_clear (&pl);
  return FGA_OK;
}

/* ------------------------------------------------------------------ */

/* The environment variable FGATTN_POLY_TIER=double|dd|mpfr names the
   first tier every row goes through (default double): the tests use it to
   check each tier on its own, as FGATTN_ISA does for the kernels.  */
static int
first_tier (void)
{
  const char *t = getenv ("FGATTN_POLY_TIER");
  if (t != NULL && strcmp (t, "dd") == 0)
    return TIER_DD;
  if (t != NULL && strcmp (t, "mpfr") == 0)
    return TIER_MPFR;
  return TIER_DOUBLE;
}

/* r_i = tau ||q_i|| max_j ||k_j||, rounded up (as fga_score_radius, row
   by row): |tau <q_i, k_j>| and tau sum_t |q_it k_jt| are at most r_i.  */
static void
row_radii (double *r, fga_mat_srcptr Q, fga_mat_srcptr K, double tau)
{
  const size_t d = Q->cols;
  double kmax = 0;
  for (size_t j = 0; j < K->rows; j++)
    {
      double a = 0;
      for (size_t t = 0; t < d; t++)
        a += FGA_MAT (K, j, t) * FGA_MAT (K, j, t);
      kmax = fmax (kmax, a);
    }
  kmax = sqrt (kmax);
  for (size_t i = 0; i < Q->rows; i++)
    {
      double a = 0;
      for (size_t t = 0; t < d; t++)
        a += FGA_MAT (Q, i, t) * FGA_MAT (Q, i, t);
      /* d + 5 roundings of relative u: the squares and sums, the roots, the products */
      r[i] = nextafter (tau * sqrt (a) * kmax * (1 + 2 * ((double) d + 5) * U), INFINITY);
    }
}

static int
check_args (long *g, int *censored, fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V,
            fga_mat_srcptr truth, double tau, fga_basis basis, double R, double eps, long gmax,
            fga_error *err)
{
  static const char fn[] = "fga_poly_least_degree";
  if (g == NULL || censored == NULL || Q == NULL || K == NULL || V == NULL || truth == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: g, censored, Q, K, V and truth must not be "
                          "NULL", fn);
  if (truth->rows != Q->rows || truth->cols != V->cols)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: truth is %zu x %zu but Q has %zu rows and "
                          "V %zu columns", fn, truth->rows, truth->cols, Q->rows, V->cols);
  fga_mat_struct T = *truth;
  int rc = fgap_attn_check (fn, &T, Q, K, V, tau, err);
  fga_error local;
  if (rc == FGA_OK && (rc = fga_mat_check_finite (truth, "truth", &local)) != FGA_OK)
    rc = fgap_error_set (err, rc, "%s: %s", fn, local.msg);
  if (rc != FGA_OK)
    return rc;
  if (basis != FGA_BASIS_CHEB && basis != FGA_BASIS_TAYLOR)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: basis %d is not cheb or taylor", fn,
                          (int) basis);
  if (!(R >= 0) || !(R <= FGA_EXPFIT_RMAX))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: R = %g is not in [0, %g]", fn, R,
                          FGA_EXPFIT_RMAX);
  if (!(eps > 0) || !isfinite (eps))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: eps = %g is not positive and finite", fn,
                          eps);
  if (gmax < 1 || gmax > FGA_POLY_GMAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: gmax = %ld is outside [1, %d]", fn, gmax,
                          FGA_POLY_GMAX);
  /* poly refuses data whose scores may leave [-R, R]: so does this */
  double rdata = fga_score_radius (Q, K, tau);
  if (!(rdata <= (R < FGA_POLY_RMIN ? FGA_POLY_RMIN : R)))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: the scores may leave [-R, R] = [-%g, %g]: "
                          "the data's Cauchy-Schwarz radius is %.17g", fn, R, R, rdata);
  return FGA_OK;
}

int
fga_poly_least_degree (long *g, int *censored, double *max_abs, fga_mat_srcptr Q,
                       fga_mat_srcptr K, fga_mat_srcptr V, fga_mat_srcptr truth, double tau,
                       fga_basis basis, double R, double eps, long gmax, fga_error *err)
{
  int rc = check_args (g, censored, Q, K, V, truth, tau, basis, R, eps, gmax, err);
  if (rc != FGA_OK)
    return rc;
  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  fgap_vscale vs;
  fga_mat_srcptr Vs = V;
  if ((rc = fgap_vscale_init (&vs, &Vs, 1, &mt, "fga_poly_least_degree", err)) != FGA_OK)
    return rc;
  ctx_t cx = { Q, K, Vs, truth, vs.e, fga_mat_max_abs (Vs), tau, R < FGA_POLY_RMIN
               ? FGA_POLY_RMIN : R, eps, basis, Q->rows, K->rows, Q->cols, V->cols,
               fgap_max_threads (), NULL, first_tier () };
  row_t *rows = fgap_calloc (cx.nq > 0 ? cx.nq : 1, sizeof *rows, "the rows' verdicts", err);
  cx.rq = fgap_calloc (cx.nq > 0 ? cx.nq : 1, sizeof (double), "the rows' radii", err);
  if (rows == NULL || cx.rq == NULL)
    {
      fgap_free (rows);
      fgap_free (cx.rq);
      fgap_vscale_clear (&vs, &mt);
      return FGA_ERR_NOMEM;
    }
  row_radii (cx.rq, Q, K, tau);
  /* Doubling, then bisection between the last degree that failed (lo,
     0 before any) and the first that reached (hi): assumes the error
     decreases with the degree, as the certified bound does; measured
     errors may not be monotone, and then this finds a degree that reaches
     eps whose predecessor does not, not always the least such.  */
  long lo = 0, hi = -1, h = 1;
  int reached;
  double e;
  for (;;)
    {
      if ((rc = eval_degree (&reached, &e, &cx, h, 0, rows, err)) != FGA_OK)
        break;
      if (reached)
        {
          hi = h;
          break;
        }
      lo = h;
      if (h == gmax)
        break;
      h = 2 * h < gmax ? 2 * h : gmax;
    }
  while (rc == FGA_OK && hi > lo + 1)
    {
      long mid = lo + (hi - lo) / 2;
      if ((rc = eval_degree (&reached, &e, &cx, mid, 0, rows, err)) != FGA_OK)
        break;
      if (reached)
        hi = mid;
      else
        lo = mid;
    }
  if (rc == FGA_OK)
    {
      *censored = hi < 0;
      *g = hi < 0 ? gmax : hi;
      if (max_abs != NULL)
        rc = eval_degree (&reached, max_abs, &cx, *g, 1, rows, err);
    }
  fgap_free (rows);
  fgap_free (cx.rq);
  fgap_vscale_clear (&vs, &mt);
  return rc;
}
