/* fga_metrics_compute -- how far an approximation is from the truth

   The entries may be anywhere in the double range: near DBL_MAX, where the
   difference of two finite doubles can overflow and a sum of squares
   overflows long before, or among the subnormals, where squares vanish.
   So no metric forms |T - Att| or its square in double as it is:

   - a difference that overflows is taken as RN (|T/2 - Att/2|) times 2
     (the halving is exact: both entries are then at least 2^970);
   - the sums (of |T - Att| for mean_abs, of the squares for both norms of
     rel_fro) are taken on the terms scaled by one shared power of two,
     which brings the largest term into [1/2, 1): the scaling is exact
     except for terms below 2^-1022 times the largest, whose loss (at most
     2^-1075 each) is negligible against it; the power of two is put back
     at the end, once.  This is LAPACK's dlassq idea (a scale and a sum of
     squares), with the scale a power of two chosen in a first pass, so
     that scaling rounds nothing;
   - the sums are compensated (Knuth's TwoSum, Ogita, Rump and Oishi's
     Sum2), and each square enters as two terms that are products of
     doubles of 26 and 27 bits, hence exact, plus a rounded l^2 below
     2^-50 of it: the result does not lose accuracy with the number of
     entries as a plain loop does (gamma_n for n = 10^7 is 2^-30).  The
     products added are exact, except l^2 whose rounding the bound covers
     either way, so the compiler's contraction of a * b + c into a fused
     multiply-add (GCC's default in GNU C, where the target has one)
     cannot break the compensation.

   Bounds, with u = 2^-53, n = rows cols (at most 2^53, so that n is a
   double), gamma_m = m u / (1 - m u) and RN rounding to nearest:

   max_abs   = RN (max_ij |T_ij - Att_ij|), correctly rounded (within half
               an ulp): each difference is rounded once, exactly when it is
               subnormal, and RN is monotone, so the largest rounded
               difference is the rounded largest.  It is +Inf exactly when
               the true maximum is at least DBL_MAX + ulp (DBL_MAX)/2 =
               2^1024 - 2^970, where round to nearest overflows: +Inf then
               states that the difference exceeds DBL_MAX.  0 only when
               T = Att.
   mean_abs  = mean (1 + theta) with |theta| <= 3 u + gamma_n^2 + 4 u^2,
               plus 2^-1074 in absolute value when the mean is subnormal
               (so a mean below 2^-1074 may show as 0): one rounding in each
               difference, u + gamma_{n-1}^2 in Sum2 (terms non-negative,
               Ogita et al. 2005, proposition 4.5), one in the division by
               n; the losses to underflow (below 2^-1021 relative) are in
               the 4 u^2.  Under 3.6 u (two ulps) for n <= 2^26.
   rel_fro   = ||T - Att||_F / ||Att||_F (1 + theta) with
               |theta| <= 3.5 u + gamma_{2n}^2 + 2^-74, plus 2^-1074 in
               absolute value when it is subnormal (so it may show as 0
               below 2^-1074; max_abs says whether T = Att): the sum of squares
               of the differences is within 3 u + gamma_{2n}^2 + 2^-75
               (each difference rounded once, so its square twice; Sum2
               over 2 n non-negative terms; the rounded parts of the
               squares, below 2^-76), that of Att within
               u + gamma_{2n}^2 + 2^-75, and sqrt (N / D) adds half of
               both, half a rounding of the division and one of the square
               root.  Under 4.01 u (about two ulps) for n <= 2^25.  +Inf when
               Att = 0 and T does not, or when the ratio is beyond the
               double range.
   max_ulps  = exact (fga_ulp_distance, an integer below 2^64 held in a
               double: exact up to 2^53, correctly rounded above), over the
               entries where T_ij and Att_ij are both nonzero of the same
               sign, or both zero (+0 and -0 alike, distance 0).  The others
               are left out and counted (ulps_left_out): one of the two zero
               and not the other, or opposite signs.  Across zero the
               distance counts every double in between, all the subnormals
               and the tiny normals: 4.5e18 from 0 to 1e-5, 9.1e18 from -1e-5
               to 1e-5, a count that says nothing about the accuracy of the
               entry (max_abs does).  NaN when every entry is left out (the
               maximum of nothing), 0 for matrices without entries.

   An entry that is NaN or infinite in either matrix is an infinite error:
   max_abs, rel_fro, mean_abs and max_ulps are then +Inf (the entry counts
   among those max_ulps is over).

   fga_metrics_check decides |T_ij - Att_ij| <= atol + rtol |Att_ij| exactly
   for the doubles given: in double when the two sides are apart by more
   than their rounding errors (below), otherwise in MPFR with enough bits
   that every operation is exact.  */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"

#include <float.h>
#include <limits.h>
#include <stdint.h>

/* Doubles ordered as integers: the key of x counts the doubles from +0 up to
   x (negative for negative x), with -0 and +0 both at 0.  */
static int64_t
ordered_key (double x)
{
  int64_t b;
  memcpy (&b, &x, sizeof b);
  return b < 0 ? -(b & INT64_MAX) : b;
}

/* The number of doubles strictly between a and b, plus one if they
   differ, for a and b not NaN.  Both keys lie within +-(2^63 - 2^52), so
   the difference is computed in unsigned arithmetic to stay defined, and
   is below 2^64.  */
static uint64_t
ulps_u64 (double a, double b)
{
  int64_t ka = ordered_key (a), kb = ordered_key (b);
  return ka > kb ? (uint64_t) ka - (uint64_t) kb : (uint64_t) kb - (uint64_t) ka;
}

double
fga_ulp_distance (double a, double b)
{
  if (isnan (a) || isnan (b))
    return INFINITY;
  return (double) ulps_u64 (a, b);
}

/* Whether max_ulps is taken over the entry (t, a), both finite: both zero,
   or both nonzero of the same sign.  */
static inline int
ulps_comparable (double t, double a)
{
  if (t == 0 || a == 0)
    return t == 0 && a == 0;
  return signbit (t) == signbit (a);
}

/* The exponent e of x > 0, with x in [2^(e-1), 2^e) (frexp's).  */
static int
expo (double x)
{
  int e;
  frexp (x, &e);
  return e;
}

/* |t - a| for finite t and a, as m 2^s: m = RN (|t - a|) and s = 0, or,
   when that overflows, m = RN (|t/2 - a/2|) = RN (|t - a| / 2) and s = 1.
   An overflow needs |t| + |a| >= 2^1024 - 2^970 with both at most
   DBL_MAX = 2^1024 - 2^971, so both are at least 2^970 and halving them
   is exact.  */
static inline double
abs_diff (double t, double a, int *s)
{
  double m = fabs (t - a);
  *s = 0;
  if (m > DBL_MAX)
    {
      m = fabs (0.5 * t - 0.5 * a);
      *s = 1;
    }
  return m;
}

/* A compensated sum of non-negative terms, s + c: Knuth's TwoSum gives
   the rounding error of every addition exactly, and c collects them
   (Sum2 of Ogita, Rump and Oishi: within u + gamma_{m-1}^2 of the sum of
   m terms).  */
typedef struct
{
  double s, c;
} csum;

static inline void
csum_add (csum *a, double p)
{
  double t = a->s + p;
  double z = t - a->s;
  a->c += (a->s - (t - z)) + (p - z);
  a->s = t;
}

static inline double
csum_value (const csum *a)
{
  return a->s + a->c;
}

/* Adds x^2, 0 <= x < 1, as two terms: x = h + l with h the leading 26 bits
   of x (its low 27 bits cleared) and 0 <= l < 2^-25 h, so that h^2 (52
   bits) and 2 h l (26 + 27 bits) are exact and only l^2 < 2^-50 x^2 is
   rounded; the second term, 2 h l + l^2 < 2^-23 x^2, is within 2^-76 x^2
   of its exact value.  Below 2^-1022 a product loses at most 2^-1075,
   negligible against the largest term, which is at least 1/4.  */
static inline void
csum_add_square (csum *a, double x)
{
  uint64_t b;
  double h;
  memcpy (&b, &x, sizeof b);
  b &= ~((UINT64_C (1) << 27) - 1);
  memcpy (&h, &b, sizeof h);
  double l = x - h;
  csum_add (a, h * h);
  csum_add (a, 2 * h * l + l * l);
}

int
fga_metrics_compute (fga_metrics *mt, fga_mat_srcptr truth, fga_mat_srcptr approx, fga_error *err)
{
  if (truth->rows != approx->rows || truth->cols != approx->cols)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "the truth is %zu x %zu but the approximation is %zu x %zu",
                          truth->rows, truth->cols, approx->rows, approx->cols);
  const size_t n = truth->rows * truth->cols;
  const double *A = truth->data, *T = approx->data;
  mt->rows = truth->rows;
  mt->cols = truth->cols;
  mt->max_abs = 0;
  mt->rel_fro = 0;
  mt->mean_abs = 0;
  mt->max_ulps = 0;
  mt->ulps_over = n;
  mt->ulps_left_out = 0;

  /* First pass: max_ulps, the finiteness, and the largest |T - Att| (apart:
     m with s = 0, and m with s = 1) and |Att|, for the shared scales.  */
  double dmax0 = 0, dmax1 = 0, amax = 0;
  uint64_t ulps = 0;
  size_t left_out = 0;
  int finite = 1;
  for (size_t k = 0; k < n; k++)
    {
      const double t = T[k], a = A[k];
      if (!isfinite (t) || !isfinite (a))
        {
          finite = 0;
          continue;
        }
      if (!ulps_comparable (t, a))
        left_out++;
      else
        {
          uint64_t du = ulps_u64 (t, a);
          ulps = du > ulps ? du : ulps;
        }
      int s;
      double m = abs_diff (t, a, &s);
      if (s)
        dmax1 = m > dmax1 ? m : dmax1;
      else
        dmax0 = m > dmax0 ? m : dmax0;
      amax = fabs (a) > amax ? fabs (a) : amax;
    }
  mt->ulps_left_out = left_out;
  mt->ulps_over = n - left_out;
  mt->max_ulps = !finite ? INFINITY : n > 0 && left_out == n ? NAN : (double) ulps;
  if (!finite)
    {
      mt->max_abs = mt->rel_fro = mt->mean_abs = INFINITY;
      return FGA_OK;
    }
  if (dmax0 == 0 && dmax1 == 0)
    return FGA_OK;                      /* T = Att: every metric is 0 */
  /* A difference that overflowed is the largest one, and is its own RN. */
  mt->max_abs = dmax1 > 0 ? INFINITY : dmax0;

  /* Second pass: the sums on the scaled terms, each largest in [1/2, 1). */
  int ed = dmax0 > 0 ? expo (dmax0) : INT_MIN;
  if (dmax1 > 0 && expo (dmax1) + 1 > ed)
    ed = expo (dmax1) + 1;
  const int ea = amax > 0 ? expo (amax) : 0;
  csum sm = { 0, 0 }, sn = { 0, 0 }, sd = { 0, 0 };
  for (size_t k = 0; k < n; k++)
    {
      const double t = T[k], a = A[k];
      if (a != 0)
        csum_add_square (&sd, ldexp (fabs (a), -ea));
      if (t == a)
        continue;
      int s;
      double m = abs_diff (t, a, &s);
      double x = ldexp (m, s - ed);
      csum_add (&sm, x);
      csum_add_square (&sn, x);
    }
  mt->mean_abs = ldexp (csum_value (&sm) / (double) n, ed);
  /* ||T - Att||_F = sqrt (N) 2^ed and ||Att||_F = sqrt (D) 2^ea, with N and
     D in [1/4, n]: their quotient is in range.  */
  double D = csum_value (&sd);
  mt->rel_fro = D == 0 ? INFINITY : ldexp (sqrt (csum_value (&sn) / D), ed - ea);
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* Tolerances.  Below x is an entry of the approximation and y its truth.  */

/* Bits enough for every operation of exact_sides to be exact: x - y is a
   multiple of 2^-1074 below 2^1025 (at most 2099 bits), rtol |y| a
   product of two 53-bit significands (106 bits), a multiple of 2^-2148
   below 2^2048, and atol + rtol |y| a multiple of 2^-2148 below 2^2049
   (at most 4197 bits).  */
#define EXACT_PREC 4200

/* d = |x - y| and b = atol + rtol |y|, exactly, for finite doubles.  */
static void
exact_sides (mpfr_ptr d, mpfr_ptr b, double x, double y, double atol, double rtol)
{
  mpfr_set_d (d, x, MPFR_RNDN);
  mpfr_sub_d (d, d, y, MPFR_RNDN);
  mpfr_abs (d, d, MPFR_RNDN);
  mpfr_set_d (b, fabs (y), MPFR_RNDN);
  mpfr_mul_d (b, b, rtol, MPFR_RNDN);
  mpfr_add_d (b, b, atol, MPFR_RNDN);
}

/* Whether |x - y| <= atol + rtol |y| exactly, for finite x and y; *ratio
   gets e / bd, the error over the bound as computed in double (for
   ranking failures only).  In double first: e = RN |x - y| is
   |x - y| (1 + d1) with |d1| <= u = 2^-53 (exact when subnormal), and
   bd = RN (atol + RN (rtol |y|)) is (atol + rtol |y|) (1 + th) with
   |th| <= 2 u + u^2 + 2^-75 < 2^-51.9 when bd >= 2^-1000 (the product's
   underflow loses at most 2^-1075); a contraction into a fused
   multiply-add only removes a rounding.  Then e < RN (bd (1 - 2^-50))
   proves the bound, since (1 + 2^-51.9) (1 - 2^-50) (1 + u) / (1 - u) < 1,
   and e > RN (bd (1 + 2^-50)) refutes it, symmetrically, provided both
   lie in [2^-1000, 2^1020] (no overflow, no subnormal bound).  Anything
   else is decided in MPFR, exactly.  */
static int
within_bound (double *ratio, double x, double y, double atol, double rtol, mpfr_ptr d,
              mpfr_ptr b)
{
  double e = fabs (x - y);
  *ratio = 0;
  if (e == 0)
    return 1;
  if (atol == 0 && (rtol == 0 || y == 0))
    {
      *ratio = INFINITY;              /* the bound is exactly 0 */
      return 0;
    }
  double bd = atol + rtol * fabs (y);
  *ratio = bd > 0 ? e / bd : INFINITY;
  if (e >= 0x1p-1000 && bd >= 0x1p-1000 && e <= 0x1p1020 && bd <= 0x1p1020)
    {
      if (e < bd * (1 - 0x1p-50))
        return 1;
      if (e > bd * (1 + 0x1p-50))
        return 0;
    }
  exact_sides (d, b, x, y, atol, rtol);
  return mpfr_lessequal_p (d, b);
}

/* How badly an entry fails: a non-finite entry first.  Then, when ulps
   are the only criterion, the larger distance in ulps, compared as the
   integers they are (the ratio ulps / max_ulps is infinite for every
   failing entry when max_ulps = 0, and ranking those by their error
   would name an entry at 5 ulps before one at 46); otherwise the larger
   ratio of error to bound (the largest of the two ratios when both
   criteria are given), then the larger error.  */
typedef struct
{
  int nonfinite;
  double ratio, err;
  uint64_t ulps;
} badness;

static int
worse (const badness *p, const badness *q, int by_ulps)
{
  if (p->nonfinite != q->nonfinite)
    return p->nonfinite > q->nonfinite;
  if (by_ulps && p->ulps != q->ulps)
    return p->ulps > q->ulps;
  if (p->ratio != q->ratio)
    return p->ratio > q->ratio;
  return p->err > q->err;
}

/* Fills the worst entry's fields of r: k its index, x its approximation
   and y its truth.  */
static void
report_worst (fga_tolerance_report *r, size_t k, size_t cols, double x, double y,
              const fga_tolerance *tol, mpfr_ptr d, mpfr_ptr b)
{
  r->row = k / cols;
  r->col = k % cols;
  r->value = x;
  r->truth = y;
  r->nonfinite = !isfinite (x) || !isfinite (y);
  r->bound = NAN;
  r->ulps = UINT64_MAX;
  if (isfinite (y) && tol->use_bound)
    {
      exact_sides (d, b, y, y, tol->atol, tol->rtol);
      r->bound = mpfr_get_d (b, MPFR_RNDD);
    }
  if (r->nonfinite)
    {
      r->error = isnan (x) || isnan (y) ? NAN : INFINITY;
      r->fails_bound = tol->use_bound;
      r->fails_ulps = tol->use_ulps;
      return;
    }
  exact_sides (d, b, x, y, tol->use_bound ? tol->atol : 0, tol->use_bound ? tol->rtol : 0);
  r->error = mpfr_get_d (d, MPFR_RNDU);
  r->ulps = ulps_u64 (x, y);
  r->fails_bound = tol->use_bound && !mpfr_lessequal_p (d, b);
  r->fails_ulps = tol->use_ulps && r->ulps > tol->max_ulps;
}

/* The badness of entry (x, y) against tol, into *bad; 1 if it fails.  */
static int
check_entry (badness *bad, double x, double y, const fga_tolerance *tol, mpfr_ptr d,
             mpfr_ptr b)
{
  bad->nonfinite = !isfinite (x) || !isfinite (y);
  bad->ratio = INFINITY;
  bad->err = INFINITY;
  bad->ulps = UINT64_MAX;
  if (bad->nonfinite)
    return 1;
  int fails = 0;
  double ratio = 0;
  bad->err = fabs (x - y);
  if (tol->use_bound && !within_bound (&ratio, x, y, tol->atol, tol->rtol, d, b))
    fails = 1;
  else
    ratio = 0;
  bad->ulps = 0;
  if (tol->use_ulps)
    {
      uint64_t du = ulps_u64 (x, y);
      bad->ulps = du;
      if (du > tol->max_ulps)
        {
          double q = tol->max_ulps > 0 ? (double) du / (double) tol->max_ulps : INFINITY;
          ratio = q > ratio ? q : ratio;
          fails = 1;
        }
    }
  bad->ratio = ratio;
  return fails;
}

int
fga_metrics_check (fga_tolerance_report *r, fga_mat_srcptr truth, fga_mat_srcptr approx,
                   const fga_tolerance *tol, fga_error *err)
{
  memset (r, 0, sizeof *r);
  if (truth->rows != approx->rows || truth->cols != approx->cols)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "the truth is %zu x %zu but the approximation is %zu x %zu",
                          truth->rows, truth->cols, approx->rows, approx->cols);
  if (tol->use_bound && !(tol->atol >= 0 && tol->atol <= DBL_MAX))
    return fgap_error_set (err, FGA_ERR_INPUT, "atol = %g: not a finite number >= 0",
                          tol->atol);
  if (tol->use_bound && !(tol->rtol >= 0 && tol->rtol <= DBL_MAX))
    return fgap_error_set (err, FGA_ERR_INPUT, "rtol = %g: not a finite number >= 0",
                          tol->rtol);
  const size_t n = truth->rows * truth->cols;
  r->entries = n;
  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  mpfr_t d, b;
  mpfr_inits2 (EXACT_PREC, d, b, (mpfr_ptr) 0);
  badness worst = { 0, -1, -1, 0 }, bad;
  const int by_ulps = tol->use_ulps && !tol->use_bound;
  size_t kw = 0;
  for (size_t k = 0; k < n; k++)
    if (check_entry (&bad, approx->data[k], truth->data[k], tol, d, b))
      {
        if (r->failing++ == 0 || worse (&bad, &worst, by_ulps))
          {
            worst = bad;
            kw = k;
          }
      }
  if (r->failing > 0)
    report_worst (r, kw, truth->cols, approx->data[kw], truth->data[kw], tol, d, b);
  mpfr_clears (d, b, (mpfr_ptr) 0);
  fgap_mpfr_state_restore (&st);
  return FGA_OK;
}
