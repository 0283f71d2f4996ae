/* truth_fast-kern.h -- the loops of the fast ground truth, compiled once per instruction set

   Included by truth_fast.c three times, with KSUF (a name suffix) and KATTR
   (a target attribute, or nothing) defined.  The loops are plain C that the
   compiler vectorises for the target; every operation is an IEEE addition,
   multiplication or fused multiply-add, correctly rounded, in the same order
   on every target, and truth_fast.c is compiled without contraction of
   a * b + c into fma, so the bits do not depend on the instruction set.
   The error bounds are those of theory/ground-truth.md, section 10; the
   lemma numbers below are that section's.  */

#define KCAT2(a, b) a##_##b
#define KCAT(a, b) KCAT2 (a, b)
#define KNAME(f) KCAT (f, KSUF)

static KATTR inline double
KNAME (and_bits) (double x, uint64_t m)
{
  uint64_t b;
  memcpy (&b, &x, sizeof b);
  b &= m;
  memcpy (&x, &b, sizeof x);
  return x;
}
#define and_bits KNAME (and_bits)

/* (*h + *l) + (bh + bl), the accurate double-word addition of Joldes,
   Muller and Popescu (2017, Algorithm 6): relative error at most
   3u^2 / (1 - 4u); a normalised pair back in *h, *l.  */
static KATTR inline void
KNAME (dd_add) (double *h, double *l, double bh, double bl)
{
  double xh = *h, xl = *l;
  double sh = xh + bh, z = sh - xh;
  double sl = (xh - (sh - z)) + (bh - z);
  double th = xl + bl;
  z = th - xl;
  double tl = (xl - (th - z)) + (bl - z);
  double cc = sl + th;
  double vh = sh + cc;
  double vl = cc - (vh - sh);
  double w = tl + vl;
  double zh = vh + w;
  *h = zh;
  *l = w - (zh - vh);
}
#define dd_add KNAME (dd_add)

/* The scores x_j = <q, k_j> as unevaluated sums xh_j + xl_j (lemma 9):
   each product q_c K_jc = p + pi exactly (fma), the p summed by TwoSum
   into xh, the errors of those sums and the pi summed in double into xl,
   a TwoSum at the end.  Kt is K transposed (d x nk).  */
static KATTR void
KNAME (scores) (size_t nk, size_t d, const double *q, const double *Kt, double *xh,
                double *xl)
{
  memset (xh, 0, nk * sizeof (double));
  memset (xl, 0, nk * sizeof (double));
  /* blocks of keys small enough for xh and xl to stay in the first-level
     cache over the d passes; the operations per key are the same */
  for (size_t j0 = 0; j0 < nk; j0 += 512)
    {
      size_t j1 = nk - j0 < 512 ? nk : j0 + 512;
      for (size_t c = 0; c < d; c++)
        {
          const double qc = q[c], *kc = Kt + c * nk;
#pragma omp simd
          for (size_t j = j0; j < j1; j++)
            {
              double p = qc * kc[j];
              double pi = fma (qc, kc[j], -p);
              double s = xh[j], sn = s + p, z = sn - s;
              double sig = (s - (sn - z)) + (p - z);
              xh[j] = sn;
              xl[j] = xl[j] + (sig + pi);
            }
        }
    }
#pragma omp simd
  for (size_t j = 0; j < nk; j++)
    {
      double s = xh[j] + xl[j], z = s - xh[j];
      xl[j] = (xh[j] - (s - z)) + (xl[j] - z);
      xh[j] = s;
    }
}

/* t = tau D in double-double (lemma 9), D = x - x_m by the accurate
   double-word addition (relative error <= 3u^2 / (1 - 4u)), then
   (dh + dl)(tau_h + tau_l) with the product dh tau_h exact, the two cross
   terms and their sum rounded, the product of the low parts left out:
   |t - tau~ D| <= 2^-102 |tau~ D| + 2^-1000.  */
static KATTR void
KNAME (times_tau) (size_t n, const double *xh, const double *xl, double mh, double ml,
                   double tau_h, double tau_l, double *th, double *tl)
{
#pragma omp simd
  for (size_t j = 0; j < n; j++)
    {
      double dh = xh[j], dl = xl[j];
      dd_add (&dh, &dl, -mh, -ml);
      double ph = dh * tau_h;
      double pe = fma (dh, tau_h, -ph);
      double pl = pe + (dh * tau_l + dl * tau_h);
      double s = ph + pl;
      th[j] = s;
      tl[j] = pl - (s - ph);
    }
}

/* exp(t) in double-double (lemma 10), t = a + b, -600 <= a <= 0; 0 below -600.
   exp(t) = 2^M 2^(i/2048) exp(r), k = 2048 M + i the integer nearest
   t 2048 / ln 2, r = t - k ln2 / 2048, |r| <= 1.7e-4.  */
static KATTR void
KNAME (ddexp) (const fgap_truth_ddexp *x, size_t n, const double *th, const double *tl,
               double *eh, double *el)
{
  const double invl = 0x1.71547652b82fep+11;  /* 2048 / ln 2, rounded */
  const double shift = 0x1.8p52;               /* rounds to an integer, ties to even */
  const uint64_t sbits = 0x4338000000000000ULL; /* the bits of shift */
  const double c1 = x->c1, c2 = x->c2, c3 = x->c3;
  const double *tabh = x->th, *tabl = x->tl;
#pragma omp simd
  for (size_t j = 0; j < n; j++)
    {
      /* all ones for the keys kept, zero for those below the cut: a mask
         rather than a branch, so that the loop vectorises */
      uint64_t keep = (uint64_t) 0 - (uint64_t) (th[j] >= -FGA_TRUTH_DD_CUT);
      double a = and_bits (th[j], keep), b = and_bits (tl[j], keep);
      /* k: any integer is correct, the nearest keeps |r| small */
      double y = a * invl + shift;
      double kd = y - shift;
      uint64_t yb;
      memcpy (&yb, &y, sizeof yb);
      /* yb - sbits = k (two's complement), |k| < 2^21; offset to unsigned */
      uint64_t kk = yb - sbits + ((uint64_t) 1 << 21);
      uint64_t ti = kk & ((1 << FGA_TRUTH_DD_TBITS) - 1);
      uint64_t mb = kk >> FGA_TRUTH_DD_TBITS;        /* M + 1024 */
      uint64_t sb = (mb - 1) << 52;                  /* 2^M: biased exponent M + 1023 */
      double scale;
      memcpy (&scale, &sb, sizeof scale);

      /* r = a + b - k (c1 + c2 + c3): k c1 and k c2 exact (32-bit
         constants, |k| < 2^21), the two subtractions error-free (TwoSum),
         the small terms rounded (lemma 10, step 1). */
      double p1 = kd * c1, p2 = kd * c2, p3 = kd * c3;
      double a1 = a - p1, z = a1 - a;
      double e1 = (a - (a1 - z)) + (-p1 - z);
      double a2 = a1 - p2;
      z = a2 - a1;
      double e2 = (a1 - (a2 - z)) + (-p2 - z);
      double small = ((e1 + b) + e2) - p3;
      double rh = a2 + small;
      z = rh - a2;
      double rl = (a2 - (rh - z)) + (small - z);

      /* exp(rh + rl) = 1 + rh + rh^2/2 + [rl (1 + rh + rh^2/2) + rh^3 P(rh)]
         (step 2); rh^2 = p + pe exactly. */
      double p = rh * rh;
      double pe = fma (rh, rh, -p);
      double poly = ((0x1.6c16c16c16c17p-10 * rh + 0x1.1111111111111p-7) * rh
                     + 0x1.5555555555555p-5) * rh + 0x1.5555555555555p-3;
      double c3t = (rh * p) * poly;
      double sm = rl + rl * (rh + p * 0.5);
      double rest = c3t + (sm + pe * 0.5);
      double h = 1.0 + rh;
      double l = rh - (h - 1.0);
      double hp = p * 0.5;
      double h2 = h + hp;
      z = h2 - h;
      double l2 = (h - (h2 - z)) + (hp - z);
      double h3 = h2 + rest;
      z = h3 - h2;
      double l3 = (h2 - (h3 - z)) + (rest - z);
      double lo = (l + l2) + l3;
      double qh = h3 + lo;
      double ql = lo - (qh - h3);

      /* times 2^(i/2048) (step 3), then 2^M */
      double tb = tabh[ti], tlb = tabl[ti];
      double ph = tb * qh;
      double pe2 = fma (tb, qh, -ph);
      double pl = pe2 + (tb * ql + tlb * qh);
      double sh = ph + pl;
      double sl = pl - (sh - ph);
      eh[j] = and_bits (sh * scale, keep);
      el[j] = and_bits (sl * scale, keep);
    }
}

/* S_c += e_j v_jc and A_c += e_j |v_jc| over the keys j with e_j != 0, one
   lane per column (lemma 12): the product as ph + pl (ph + pe = eh v
   exactly, pl = o(el v + pe)), added by the accurate double-word
   addition.  Even and odd keys go to two accumulators (S, A and S + lanes,
   A + lanes; a cut key adds exact zeros), added at the end: two independent
   chains of additions, in the same order on every target.  */
static KATTR void
KNAME (accumulate) (size_t nk, size_t lanes, const double *eh, const double *el,
                    const double *vs, double *Sh, double *Sl, double *A)
{
  double *Th = Sh + lanes, *Tl = Sl + lanes, *B = A + lanes;
  for (size_t j = 0; j < nk; j += 2)
    {
      int two = j + 1 < nk;
      const double a0 = eh[j], b0 = el[j], a1 = two ? eh[j + 1] : 0, b1 = two ? el[j + 1] : 0;
      if (a0 == 0 && a1 == 0)
        continue;
      const double *v0 = vs + j * lanes, *v1 = two ? v0 + lanes : v0;
#pragma omp simd
      for (size_t c = 0; c < lanes; c++)
        {
          double ph = a0 * v0[c];
          double pl = fma (b0, v0[c], fma (a0, v0[c], -ph));
          dd_add (&Sh[c], &Sl[c], ph, pl);
          A[c] = fma (a0, fabs (v0[c]), A[c]);
          ph = a1 * v1[c];
          pl = fma (b1, v1[c], fma (a1, v1[c], -ph));
          dd_add (&Th[c], &Tl[c], ph, pl);
          B[c] = fma (a1, fabs (v1[c]), B[c]);
        }
    }
#pragma omp simd
  for (size_t c = 0; c < lanes; c++)
    {
      dd_add (&Sh[c], &Sl[c], Th[c], Tl[c]);
      A[c] = A[c] + B[c];
    }
}

/* L = sum_j e_j in 8 lanes whatever the target: lane l sums the e_j with
   j = l mod 8 in order (n a multiple of 8, cut keys adding exact zeros),
   A_l the plain sums of the eh (lemma 12).  */
static KATTR void
KNAME (sum_weights) (size_t n, const double *eh, const double *el, double *Lh, double *Ll,
                     double *A)
{
  for (size_t j0 = 0; j0 < n; j0 += 8)
    {
#pragma omp simd
      for (size_t l = 0; l < 8; l++)
        {
          dd_add (&Lh[l], &Ll[l], eh[j0 + l], el[j0 + l]);
          A[l] = A[l] + eh[j0 + l];
        }
    }
}

#undef and_bits
#undef dd_add
#undef KNAME
#undef KCAT
#undef KCAT2
