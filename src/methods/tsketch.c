/* fgap_method_tsketch -- the polynomial of poly with each degree block replaced by a TensorSketch

   The method poly writes p(tau <q, k>) = sum_k c_k tau^k <q, k>^k as an
   inner product of C(d + g, d) monomial features.  Here the degree-k block
   x^{tensor k} of those features is replaced by its TensorSketch into m
   entries (Pham and Pagh 2013; fgattn.h, "TensorSketch"):

     Phi(q) = [c_0, c_1 tau sk_1(q), ..., c_g tau^g sk_g(q)],
     Psi(k) = [1,   sk_1(k),         ..., sk_g(k)],

   the same hashes for queries and keys, so that E <Phi(q), Psi(k)> =
   p(tau <q, k>): the kernel estimate is unbiased, with 1 + g m features
   whatever d.  The output is

     T = diag (Phi_Q (Psi_K^T 1))^{-1} Phi_Q (Psi_K^T V),

   two cblas_dgemm calls on [V 1].  p, its degree (from eps when deg = 0)
   and the radius R are chosen by the rules poly uses (poly_impl.h), and
   data whose scores may leave [-R, R] are refused as poly refuses them:
   outside, p is not close to exp and no m helps.  Unlike poly, nothing is
   certified: the estimate of a row sum is random and, for small m, can be
   zero or negative.  Such rows are counted (the stat nonpos_rows, and a
   note).  A negative row sum still returns the ratio, as rf does for
   kind=trig; a row sum of 0, or a ratio beyond the double range, leaves an
   output entry that is not finite, and the run is refused
   (FGA_ERR_COMPUTE, naming the first such entry; "raise m").  With lse
   asked for, any row sum that is not positive and finite refuses the run
   (it has no log-sum-exp).

   Degree 1 is the CountSketch itself (IFFT (FFT (c)) = c), computed
   without transforms.  For k >= 2 the FFTs are FFTW's real-to-complex and
   complex-to-real transforms of size m, planned once in prepare with
   FFTW_ESTIMATE | FFTW_UNALIGNED (the planner is not thread-safe; the
   plans are then executed on the threads' own buffers through the
   new-array interface, which is thread-safe, and UNALIGNED lets those
   buffers come from the library's allocator).  FFTW's inverse is not
   normalised: its 1/m is folded into the query factor c_k tau^k / m
   (rounded once from MPFR) and into a key factor 1/m.

   Determinism.  The hashes come from the seed alone; every feature row is
   computed by the same operations on whichever thread; the two products
   are cut into blocks whose sizes depend only on the shape, each one dgemm
   on one OpenBLAS thread.  So the same seed gives the same bits, for any
   number of threads.

   Memory.  The features of all rows are held at once: (nq + nk)(1 + g m)
   doubles besides the hashes, checked against budget in prepare; a
   blocked evaluation (as poly's) would bring it to O(block (1 + g m)).

   Operation counts.  n_mul and n_add are exact for the method's own loops:
   per row and sketch, d mul (sign times entry) and d add (into a bucket);
   per extra sketch of a degree >= 2 block, (m/2 + 1) complex products of
   4 mul and 2 add; the scaling of a block, m mul (queries: every degree
   >= 1; keys: degrees >= 2); a dgemm of a x c by c x b counts a b c mul
   and a b (c - 1) add.  div = nq dv; exp = nq when lse is asked for (a log
   counts as exp); cmp = 0.  The work inside FFTW cannot be counted from
   outside: the stat fft_flops_estimate gives 2.5 m log2 m flops per real
   transform (half the classical 5 N log2 N of a complex one), k + 1
   transforms per row for each degree k >= 2, and is not in n_mul/n_add.  */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"
#include "methods/method-impl.h"
#include "methods/poly_impl.h"
#include "kernels/attention-util.h"

#include <limits.h>
#include <stdint.h>
#include <cblas.h>
#include <fftw3.h>
#ifdef _OPENMP
# include <omp.h>
#endif

enum { BASIS_CHEB, BASIS_TAYLOR };          /* the order of "cheb|taylor" */

/* The largest degree: a degree-k block costs k sketches and k + 1 FFTs per
   row and the hashes k d words, so the cost grows like g^2; beyond 256 the
   sketch of the tensor power has a variance no m can tame anyway.  */
#define TS_GMAX 256
/* The most entries per degree, small enough for the int sizes of CBLAS
   with g blocks and for FFTW.  */
#define TS_MMAX ((size_t) 1 << 20)
/* 2^53 - 1: the largest seed the parameter parser (doubles) holds exactly. */
#define TS_SEED_MAX 9007199254740991.0

static const fga_param_info ts_params[] = {
  { "deg", FGA_PARAM_INT, "0", 0, TS_GMAX, NULL, NULL,
    "degree g of p; 0 takes poly's least degree with certified relative error <= eps_a / (2 Bv)" },
  { "m", FGA_PARAM_INT, "256", 1, (double) TS_MMAX, NULL, NULL,
    "sketch size of each degree block (features: 1 + g m)" },
  { "seed", FGA_PARAM_INT, "1", 0, TS_SEED_MAX, NULL, NULL,
    "seed of GMP's random state for the hashes and signs" },
  { "eps", FGA_PARAM_REAL, "1e-6", 1e-300, 1e300, NULL, NULL,
    "additive target eps_a that chooses the degree when deg=0 (as poly)" },
  { "R", FGA_PARAM_REAL, "auto", 1e-300, 1024, "auto|apriori", NULL,
    "score radius: auto (Cauchy-Schwarz bound from the data), apriori (tau d B^2) or a number" },
  { "basis", FGA_PARAM_CHOICE, "cheb", 0, 0, "cheb|taylor", NULL,
    "p: the truncated Chebyshev series of exp on [-R, R], or its Taylor polynomial at 0" },
  { "budget", FGA_PARAM_INT, "1073741824", 1, 4611686018427387904.0, NULL, NULL,
    "bytes the method may hold (hashes, features, products); refused above" },
  { NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

typedef struct
{
  long g;
  size_t m, nh, d, F;          /* sketch size, m/2 + 1, dimension, 1 + g m */
  unsigned long seed;
  int rword;
  double R, B;                 /* the radius; B for R = apriori */
  double eps_rel, bound_rel;   /* the target that chose g, and p's certified bound */
  double *cq;                  /* g + 1: query factors c_0, c_1 tau, c_k tau^k / m (k >= 2) */
  double *ckey;                /* g + 1: key factors 1, 1, 1/m (k >= 2) */
  uint32_t *h;                 /* g (g + 1) / 2 sketches x d hashes */
  double *sg;                  /* the same, signs +-1 */
  fftw_plan fwd, inv;          /* NULL when g < 2 */
  size_t table_bytes;
  char notes[256];
} ts_t;

/* ------------------------------------------------------------------ */
/* The sketches.  */

/* Sketches before those of degree k: 1 + 2 + ... + (k - 1).  */
static size_t
ts_offset (long k)
{
  return (size_t) (k - 1) * (size_t) k / 2;
}

/* nsk sketches, each d hashes in [0, m) then d signs, from one state
   seeded with seed: the order fgattn.h documents.  */
static void
ts_draw (uint32_t *h, double *sg, size_t nsk, size_t d, size_t m, unsigned long seed)
{
  gmp_randstate_t rs;
  gmp_randinit_default (rs);
  gmp_randseed_ui (rs, seed);
  for (size_t t = 0; t < nsk; t++)
    {
      for (size_t l = 0; l < d; l++)
        h[t * d + l] = (uint32_t) gmp_urandomm_ui (rs, m);
      for (size_t l = 0; l < d; l++)
        sg[t * d + l] = gmp_urandomb_ui (rs, 1) ? 1.0 : -1.0;
    }
  gmp_randclear (rs);
}

/* The CountSketch of x with hashes h and signs sg into c (m entries).  */
static void
count_sketch (double *restrict c, const double *restrict x, const uint32_t *h,
              const double *sg, size_t d, size_t m)
{
  memset (c, 0, m * sizeof (double));
  for (size_t l = 0; l < d; l++)
    c[h[l]] += sg[l] * x[l];
}

/* The degree-k sketch of x, times `scale', into out (m entries), with the
   k sketches from h and sg (k d entries each).  For k = 1 the CountSketch
   itself; for k >= 2 FFTW's unnormalised IFFT of the product of the
   transforms, i.e. m sk_k(x): scale must carry the 1/m.  cs (m doubles),
   acc and tmp (2 nh doubles each) are scratch.  Adds the operations to
   *nmul and *nadd.  */
static void
sketch_degree (double *out, const double *x, long k, const uint32_t *h, const double *sg,
               size_t d, size_t m, fftw_plan fwd, fftw_plan inv, double scale, double *cs,
               double *acc, double *tmp, uint64_t *nmul, uint64_t *nadd)
{
  const size_t nh = m / 2 + 1;
  if (k == 1)
    {
      count_sketch (out, x, h, sg, d, m);
      *nmul += d;
      *nadd += d;
      if (scale != 1.0)
        {
          for (size_t e = 0; e < m; e++)
            out[e] *= scale;
          *nmul += m;
        }
      return;
    }
  for (long i = 0; i < k; i++)
    {
      count_sketch (cs, x, h + (size_t) i * d, sg + (size_t) i * d, d, m);
      *nmul += d;
      *nadd += d;
      fftw_execute_dft_r2c (fwd, cs, (fftw_complex *) (i == 0 ? acc : tmp));
      if (i == 0)
        continue;
      for (size_t e = 0; e < nh; e++)
        {
          const double ar = acc[2 * e], ai = acc[2 * e + 1];
          const double br = tmp[2 * e], bi = tmp[2 * e + 1];
          acc[2 * e] = ar * br - ai * bi;
          acc[2 * e + 1] = ar * bi + ai * br;
        }
      *nmul += 4 * nh;
      *nadd += 2 * nh;
    }
  fftw_execute_dft_c2r (inv, (fftw_complex *) acc, cs);
  for (size_t e = 0; e < m; e++)
    out[e] = cs[e] * scale;
  *nmul += m;
}

/* The feature row of x (F entries) for the method's state.  */
static void
ts_row (const ts_t *s, double *phi, const double *x, int query, double *cs, double *acc,
        double *tmp, uint64_t *nmul, uint64_t *nadd)
{
  phi[0] = query ? s->cq[0] : 1.0;
  for (long k = 1; k <= s->g; k++)
    {
      const size_t off = ts_offset (k) * s->d;
      sketch_degree (phi + 1 + (size_t) (k - 1) * s->m, x, k, s->h + off, s->sg + off, s->d,
                     s->m, s->fwd, s->inv, query ? s->cq[k] : s->ckey[k], cs, acc, tmp, nmul,
                     nadd);
    }
}

/* Plans of size m for the transforms of sketch_degree.  */
static int
ts_plans (fftw_plan *fwd, fftw_plan *inv, size_t m, const char *who, fga_error *err)
{
  *fwd = *inv = NULL;
  if (m > INT_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: m = %zu is above FFTW's int sizes", who, m);
  double *r = fftw_alloc_real (m);
  fftw_complex *c = fftw_alloc_complex (m / 2 + 1);
  if (r != NULL && c != NULL)
    {
      const unsigned flags = FFTW_ESTIMATE | FFTW_UNALIGNED;
      fgap_fftw_lock ();       /* FFTW's planner is not thread-safe */
      *fwd = fftw_plan_dft_r2c_1d ((int) m, r, c, flags);
      *inv = fftw_plan_dft_c2r_1d ((int) m, c, r, flags | FFTW_DESTROY_INPUT);
      fgap_fftw_unlock ();
    }
  fftw_free (r);
  fftw_free (c);
  if (*fwd == NULL || *inv == NULL)
    {
      fgap_fftw_lock ();
      if (*fwd != NULL)
        fftw_destroy_plan (*fwd);
      if (*inv != NULL)
        fftw_destroy_plan (*inv);
      fgap_fftw_unlock ();
      *fwd = *inv = NULL;
      return fgap_error_set (err, FGA_ERR_NOMEM, "%s: FFTW could not plan transforms of size %zu",
                            who, m);
    }
  return FGA_OK;
}

int
fgap_tsketch_vec (double *out, const double *x, size_t d, size_t m, long k, unsigned long seed,
                 fga_error *err)
{
  static const char who[] = "fgap_tsketch_vec";
  if (out == NULL || x == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: out and x must not be NULL", who);
  if (d == 0 || m == 0 || m > TS_MMAX || d > UINT32_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: d = %zu and m = %zu must be in [1, 2^32) "
                          "and [1, %zu]", who, d, m, TS_MMAX);
  if (k < 1 || k > 10000)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: degree k = %ld is not in [1, 10000]", who, k);
  size_t nsk = ts_offset (k + 1), count;
  if (fgap_size_mul (&count, nsk, d) || count > SIZE_MAX / sizeof (double))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: %zu sketches of d = %zu hashes do not fit "
                          "in memory", who, nsk, d);
  uint32_t *h = fgap_alloc (count * sizeof (uint32_t), "the hashes", err);
  double *sg = h != NULL ? fgap_alloc (count * sizeof (double), "the signs", err) : NULL;
  double *scr = sg != NULL ? fgap_alloc ((m + 4 * (m / 2 + 1)) * sizeof (double),
                                        "FFT buffers", err) : NULL;
  int rc = FGA_ERR_NOMEM;
  fftw_plan fwd = NULL, inv = NULL;
  if (scr == NULL)
    goto done;
  if (k >= 2 && (rc = ts_plans (&fwd, &inv, m, who, err)) != FGA_OK)
    goto done;
  ts_draw (h, sg, nsk, d, m, seed);
  uint64_t nmul = 0, nadd = 0;
  const size_t off = ts_offset (k) * d;
  sketch_degree (out, x, k, h + off, sg + off, d, m, fwd, inv, k >= 2 ? 1.0 / (double) m : 1.0,
                 scr, scr + m, scr + m + 2 * (m / 2 + 1), &nmul, &nadd);
  rc = FGA_OK;
done:
  fgap_fftw_lock ();
  if (fwd != NULL)
    fftw_destroy_plan (fwd);
  if (inv != NULL)
    fftw_destroy_plan (inv);
  fgap_fftw_unlock ();
  fgap_free (scr);
  fgap_free (sg);
  fgap_free (h);
  return rc;
}

/* ------------------------------------------------------------------ */
/* The method.  */

static void
ts_free (ts_t *s)
{
  if (s == NULL)
    return;
  fgap_fftw_lock ();
  if (s->fwd != NULL)
    fftw_destroy_plan (s->fwd);
  if (s->inv != NULL)
    fftw_destroy_plan (s->inv);
  fgap_fftw_unlock ();
  fgap_free (s->cq);
  fgap_free (s->ckey);
  fgap_free (s->h);
  fgap_free (s->sg);
  fgap_free (s);
}

static void
ts_destroy (fga_method m)
{
  ts_free (m->state);
  m->state = NULL;
}

size_t
fgap_tsketch_dim (fga_method_srcptr m)
{
  if (m == NULL || m->cls != &fgap_method_tsketch || m->state == NULL)
    return 0;
  return ((const ts_t *) m->state)->F;
}

int
fgap_tsketch_phi (double *phi, fga_method_srcptr m, const double *x, int query,
                  fga_error *err)
{
  if (fgap_tsketch_dim (m) == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "fgap_tsketch_phi: not a prepared tsketch method");
  if (phi == NULL || x == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "fgap_tsketch_phi: phi and x must not be NULL");
  const ts_t *s = m->state;
  double *scr = fgap_alloc ((s->m + 4 * s->nh) * sizeof (double), "FFT buffers", err);
  if (scr == NULL)
    return FGA_ERR_NOMEM;
  uint64_t nmul = 0, nadd = 0;
  ts_row (s, phi, x, query, scr, scr + s->m, scr + s->m + 2 * s->nh, &nmul, &nadd);
  fgap_free (scr);
  return FGA_OK;
}

/* The bytes of a run with nt threads, or SIZE_MAX on overflow.  */
static size_t
run_bytes (const ts_t *s, size_t nq, size_t nk, size_t dv, int nt)
{
  double dw = (double) dv + 1, F = (double) s->F;
  double b = 8 * (((double) nq + (double) nk) * F + (double) nk * dw + F * dw
                  + (double) nq * dw + (double) nt * ((double) s->m + 4 * (double) s->nh));
  return b < 0x1p63 ? (size_t) b : SIZE_MAX;
}

/* c_k tau^k (and / m for k >= 2) in MPFR from p's coefficients, each
   rounded once to double.  */
static void
ts_coefs (ts_t *s, const fga_expfit_struct *p, const fga_problem *prob)
{
  const mpfr_prec_t hi = p->prec + 64;
  mpfr_t t, x;
  mpfr_inits2 (hi, t, x, (mpfr_ptr) 0);
  fga_tau_mpfr (t, &prob->tau, prob->d);
  mpfr_set_ui (x, 1, MPFR_RNDN);          /* tau^k, built up */
  for (long k = 0; k <= s->g; k++)
    {
      if (k > 0)
        mpfr_mul (x, x, t, MPFR_RNDN);
      mpfr_t c;
      mpfr_init2 (c, hi);
      mpfr_mul (c, p->mono[k], x, MPFR_RNDN);
      if (k >= 2)
        mpfr_div_ui (c, c, (unsigned long) s->m, MPFR_RNDN);
      s->cq[k] = mpfr_get_d (c, MPFR_RNDN);
      s->ckey[k] = k >= 2 ? 1.0 / (double) s->m : 1.0;
      mpfr_clear (c);
    }
  mpfr_clears (t, x, (mpfr_ptr) 0);
}

static int
ts_prepare (fga_method m, const fga_problem *prob, fga_error *err)
{
  ts_destroy (m);
  const size_t d = prob->d, dv = prob->dv;
  const size_t mm = (size_t) fgap_param_int (m, "m");
  if (d == 0 || d > UINT32_MAX || d > INT_MAX || dv >= INT_MAX || prob->nq > INT_MAX
      || prob->nk > INT_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "method tsketch: nq = %zu, nk = %zu, d = %zu or "
                          "dv = %zu is zero or exceeds the int sizes of CBLAS", prob->nq,
                          prob->nk, d, dv);
  ts_t *s = fgap_calloc (1, sizeof *s, "the state of method tsketch", err);
  if (s == NULL)
    return FGA_ERR_NOMEM;
  fga_expfit_t p;
  int have_p = 0, rc;
  fga_error local;
  const fga_basis basis = fgap_param_choice (m, "basis") == BASIS_TAYLOR ? FGA_BASIS_TAYLOR
    : FGA_BASIS_CHEB;
  s->m = mm;
  s->nh = mm / 2 + 1;
  s->d = d;
  s->seed = (unsigned long) fgap_param_int (m, "seed");

  /* The radius, by poly's rules.  */
  if ((rc = fgap_poly_radius (&s->R, &s->rword, m, prob, err)) != FGA_OK)
    goto fail;
  s->B = prob->B;
  if (s->R > FGA_EXPFIT_RMAX)
    {
      rc = fgap_error_set (err, FGA_ERR_INPUT, "method tsketch: R = %g is above %g, the largest "
                          "radius p is made for", s->R, FGA_EXPFIT_RMAX);
      goto fail;
    }

  /* The degree: given, or poly's least certified one for eps.  */
  s->g = fgap_param_int (m, "deg");
  if (s->g == 0)
    {
      if (!(prob->Bv >= 0) || !isfinite (prob->Bv))
        {
          rc = fgap_error_set (err, FGA_ERR_INPUT, "method tsketch: deg=0 derives the degree "
                              "from eps / (2 Bv), but the problem has Bv = %g; give deg",
                              prob->Bv);
          goto fail;
        }
      s->eps_rel = fga_poly_eps_rel (fgap_param_real (m, "eps"), prob->Bv);
      if ((rc = fga_expfit_least_degree (&s->g, basis, s->R, s->eps_rel, 1, TS_GMAX,
                                         &local)) != FGA_OK)
        {
          rc = fgap_error_set (err, rc, "method tsketch: no %s polynomial of degree <= %d is "
                              "certified within relative eps = %g of exp on [-%g, %g]: %s",
                              fga_basis_name (basis), TS_GMAX, s->eps_rel, s->R, s->R,
                              local.msg);
          goto fail;
        }
      if (s->g == 0)
        s->g = 1;           /* a constant kernel ignores the data: keep one sketched block */
    }
  s->F = 1 + (size_t) s->g * mm;
  if (s->F > INT_MAX)
    {
      rc = fgap_error_set (err, FGA_ERR_INPUT, "method tsketch: 1 + g m = 1 + %ld x %zu "
                          "features exceed the int sizes of CBLAS", s->g, mm);
      goto fail;
    }

  /* The budget, before anything of size g^2 d or n F is allocated.  */
  {
    const size_t nsk = ts_offset (s->g + 1);
    double tb = (double) nsk * (double) d * (sizeof (uint32_t) + sizeof (double))
      + 2.0 * (double) (s->g + 1) * sizeof (double);
    s->table_bytes = tb < 0x1p63 ? (size_t) tb : SIZE_MAX;
    size_t runb = run_bytes (s, prob->nq, prob->nk, dv, fgap_max_threads ());
    double total = (double) s->table_bytes + (double) runb;
    size_t budget = (size_t) fgap_param_int (m, "budget");
    if (total > (double) budget)
      {
        rc = fgap_error_set (err, FGA_ERR_INPUT, "method tsketch: g = %ld, m = %zu: %zu features "
                            "for nq = %zu and nk = %zu rows would take %.4g bytes, above "
                            "budget=%zu; lower m or deg, or raise budget", s->g, mm, s->F,
                            prob->nq, prob->nk, total, budget);
        goto fail;
      }
    s->h = fgap_alloc (nsk * d * sizeof (uint32_t), "the hashes", err);
    s->sg = fgap_alloc (nsk * d * sizeof (double), "the signs", err);
    s->cq = fgap_alloc ((size_t) (s->g + 1) * sizeof (double), "the query factors", err);
    s->ckey = fgap_alloc ((size_t) (s->g + 1) * sizeof (double), "the key factors", err);
    if (s->h == NULL || s->sg == NULL || s->cq == NULL || s->ckey == NULL)
      {
        rc = FGA_ERR_NOMEM;
        goto fail;
      }
    ts_draw (s->h, s->sg, nsk, d, mm, s->seed);
  }

  if ((rc = fga_expfit_init (p, basis, s->R, s->g, fga_poly_coef_prec (53), &local)) != FGA_OK)
    {
      rc = fgap_error_set (err, rc, "method tsketch: %s", local.msg);
      goto fail;
    }
  have_p = 1;
  s->bound_rel = p->bound_rel;
  {
    fgap_mpfr_state st;
    fgap_mpfr_state_save (&st);
    ts_coefs (s, p, prob);
    fgap_mpfr_state_restore (&st);
  }
  fga_expfit_clear (p);
  have_p = 0;
  if (s->g >= 2 && (rc = ts_plans (&s->fwd, &s->inv, mm, "method tsketch", err)) != FGA_OK)
    goto fail;
  snprintf (s->notes, sizeof s->notes, "%s p of degree %ld on [-%.4g, %.4g] (certified "
            "relative error %.3g), each degree sketched into m = %zu entries: unbiased for "
            "p(S), not certified", fga_basis_name (basis), s->g, s->R, s->R, s->bound_rel, mm);
  m->state = s;
  return FGA_OK;

fail:
  if (have_p)
    fga_expfit_clear (p);
  ts_free (s);
  return rc;
}


/* Feature columns or query rows per dgemm block.  */
#define GEMM_BLOCK ((size_t) 256)

static int
ts_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
        fga_mat_srcptr V, fga_stats *st, fga_error *err)
{
  const ts_t *s = m->state;
  int rc;
  fga_error local;
  if ((rc = fga_mat_check_finite (Q, "Q", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (K, "K", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (V, "V", &local)) != FGA_OK)
    return fgap_error_set (err, rc, "method tsketch: %s", local.msg);

  /* p approximates exp only on [-R, R]: outside, the sketch would be an
     unbiased estimate of the wrong kernel.  The test is poly's.  */
  const double tau = fga_tau_double (&m->prob.tau, m->prob.d);
  double rdata = fga_score_radius (Q, K, tau);
  int inside = rdata <= s->R;
  if (!inside && s->rword == FGA_POLY_R_APRIORI)
    inside = fga_mat_max_abs (Q) <= s->B && fga_mat_max_abs (K) <= s->B;
  if (!inside)
    return fgap_error_set (err, FGA_ERR_INPUT, "method tsketch: the scores may leave [-R, R] = "
                          "[-%.6g, %.6g], where p approximates exp: the data's Cauchy-Schwarz "
                          "radius is %.6g; use R=auto or a larger R", s->R, s->R, rdata);

  const size_t nq = Q->rows, nk = K->rows, dv = V->cols, dw = dv + 1, F = s->F;
  int nt = fgap_max_threads ();
  if ((double) (nq + nk) * (double) F < (double) (1 << 16))
    nt = 1;
  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  /* V near the ends of the double range: [V 1] is made of V 2^-e and T
     multiplied back by 2^e, exactly (kernels/attention-util.h); an output
     that is still not finite (a row sum of 0) is refused.  */
  fgap_vscale vs;
  fgap_vscale_init (&vs, &V, 0, &mt, "method tsketch", err);
  double *Phi = fgap_talloc (&mt, nq * F * sizeof (double), "the query features", err);
  double *Psi = fgap_talloc (&mt, nk * F * sizeof (double), "the key features", err);
  double *Vw = fgap_talloc (&mt, nk * dw * sizeof (double), "[V 1]", err);
  double *M = fgap_talloc (&mt, F * dw * sizeof (double), "M = Psi^T [V 1]", err);
  double *Y = fgap_talloc (&mt, nq * dw * sizeof (double), "[Y w] = Phi M", err);
  const size_t per = s->m + 4 * s->nh;
  double *scr = fgap_talloc (&mt, (size_t) nt * per * sizeof (double), "FFT buffers", err);
  uint64_t n_mul = 0, n_add = 0;
  size_t nonpos = 0;
  if (Phi == NULL || Psi == NULL || Vw == NULL || M == NULL || Y == NULL || scr == NULL)
    {
      rc = FGA_ERR_NOMEM;
      goto done;
    }

  /* Each row is computed by the same operations on whichever thread, so
     the features do not depend on the number of threads.  */
#pragma omp parallel num_threads (nt) reduction (+:n_mul, n_add)
  {
    int me = 0;
#ifdef _OPENMP
    me = omp_get_thread_num ();
#endif
    double *cs = scr + (size_t) me * per, *acc = cs + s->m, *tmp = acc + 2 * s->nh;
#pragma omp for schedule (static)
    for (size_t j = 0; j < nk + nq; j++)
      if (j < nk)
        ts_row (s, Psi + j * F, &FGA_MAT (K, j, 0), 0, cs, acc, tmp, &n_mul, &n_add);
      else
        ts_row (s, Phi + (j - nk) * F, &FGA_MAT (Q, j - nk, 0), 1, cs, acc, tmp, &n_mul,
                &n_add);
  }
  for (size_t j = 0; j < nk; j++)
    {
      if (vs.e == 0)
        memcpy (Vw + j * dw, &FGA_MAT (V, j, 0), dv * sizeof (double));
      else
        for (size_t c = 0; c < dv; c++)
          Vw[j * dw + c] = fgap_vscale_value (&vs, FGA_MAT (V, j, c));
      Vw[j * dw + dv] = 1.0;
    }
  /* M by blocks of features and [Y w] by blocks of query rows, sizes fixed
     by the shape, each block one dgemm on one OpenBLAS thread: every
     entry is then the same sum whatever the number of threads, so the
     same seed gives the same bits everywhere (OpenBLAS's own threading
     changes the order of the sums: measured).  */
  fgap_blas_single_enter ();
#pragma omp parallel for num_threads (nt) schedule (static)
  for (size_t f0 = 0; f0 < F; f0 += GEMM_BLOCK)
    {
      const size_t fb = F - f0 < GEMM_BLOCK ? F - f0 : GEMM_BLOCK;
      cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) fb, (int) dw, (int) nk, 1.0,
                   Psi + f0, (int) F, Vw, (int) dw, 0.0, M + f0 * dw, (int) dw);
    }
#pragma omp parallel for num_threads (nt) schedule (static)
  for (size_t i0 = 0; i0 < nq; i0 += GEMM_BLOCK)
    {
      const size_t ib = nq - i0 < GEMM_BLOCK ? nq - i0 : GEMM_BLOCK;
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) ib, (int) dw, (int) F, 1.0,
                   Phi + i0 * F, (int) F, M, (int) dw, 0.0, Y + i0 * dw, (int) dw);
    }
  fgap_blas_single_leave ();
  n_mul += (uint64_t) F * dw * nk;
  n_add += (uint64_t) F * dw * (nk - 1);
  n_mul += (uint64_t) nq * dw * F;
  n_add += (uint64_t) nq * dw * (F - 1);

  /* A non-positive or non-finite row sum is a property of the random
     estimate, not an error: the ratio is returned and the row counted,
     unless the ratio is not finite (a row sum of 0): that is refused.  */
  size_t bad_lse = SIZE_MAX;
  for (size_t i = 0; i < nq; i++)
    {
      const double w = Y[i * dw + dv];
      if (!(w > 0) || !isfinite (w))
        nonpos++;
      for (size_t c = 0; c < dv; c++)
        FGA_MAT (T, i, c) = Y[i * dw + c] / w;
      /* log w is a log-sum-exp only for a positive finite row sum (then it
         is finite too); any other row sum refuses the lse request */
      if (lse != NULL)
        {
          lse[i] = log (w);
          if (!(w > 0 && isfinite (w)) && bad_lse == SIZE_MAX)
            bad_lse = i;
        }
    }
  if (bad_lse != SIZE_MAX)
    rc = fgap_error_set (err, FGA_ERR_COMPUTE, "method tsketch: the sketched row sum of query "
                        "row %zu is %s (the estimate of p(S) is unbiased, not positive), so it "
                        "has no log-sum-exp; raise m, or run without lse", bad_lse,
                        Y[bad_lse * dw + dv] > 0 ? "not finite"
                        : Y[bad_lse * dw + dv] <= 0 ? "not positive" : "not a number");
  else
    rc = fgap_vscale_finish (&vs, T, 0, 1, "method tsketch", "its sketched row sum is 0, or "
                             "the ratio overflows the double range (the estimate of p(S) is "
                             "unbiased, not positive); raise m", err);

  if (st != NULL)
    {
      double fft = 0, lg = log2 ((double) s->m);
      for (long k = 2; k <= s->g; k++)
        fft += (double) (k + 1) * 2.5 * (double) s->m * lg;
      st->n_mul = n_mul;
      st->n_add = n_add;
      st->n_div = (uint64_t) nq * dv;
      st->n_exp = lse != NULL ? nq : 0;
      st->n_cmp = 0;
      st->threads = nt;
      fga_stats_set (st, "g", (double) s->g);
      fga_stats_set (st, "m", (double) s->m);
      fga_stats_set (st, "features", (double) F);
      fga_stats_set (st, "seed", (double) s->seed);
      fga_stats_set (st, "R_used", s->R);
      fga_stats_set (st, "eps_rel_p", s->bound_rel);
      fga_stats_set (st, "nonpos_rows", (double) nonpos);
      fga_stats_set (st, "fft_flops_estimate", fft * (double) (nq + nk));
      if (nonpos > 0)
        snprintf (st->notes, sizeof st->notes, "%zu of %zu rows have a non-positive or "
                  "non-finite sketched row sum (the estimate of p(S) is unbiased, not "
                  "positive): their outputs are raw ratios; raise m. %s", nonpos, nq, s->notes);
      else
        snprintf (st->notes, sizeof st->notes, "%s", s->notes);
    }

done:
  fgap_tfree (&mt, Phi, nq * F * sizeof (double));
  fgap_tfree (&mt, Psi, nk * F * sizeof (double));
  fgap_tfree (&mt, Vw, nk * dw * sizeof (double));
  fgap_tfree (&mt, M, F * dw * sizeof (double));
  fgap_tfree (&mt, Y, nq * dw * sizeof (double));
  fgap_tfree (&mt, scr, (size_t) nt * per * sizeof (double));
  if (st != NULL)
    st->peak_bytes = mt.peak + s->table_bytes;
  return rc;
}

const fgap_method_class fgap_method_tsketch = {
  .info = { "tsketch", "poly's p ~ exp with each degree-k block of monomial features replaced "
            "by a TensorSketch (CountSketch and FFTW) of m entries; unbiased for p(S)",
            ts_params },
  .prepare = ts_prepare,
  .run = ts_run,
  .destroy = ts_destroy
};
