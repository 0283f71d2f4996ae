/* truth_fast.c -- the fast path of the ground truth: a row in double-double, decided per entry

   A row's scores as compensated dot products with a bound, then
   t_j = tau D_j and e_j = exp(t_j) in double-double, the sums L = sum e_j and
   Y_c = sum e_j V_jc with a priori bounds, W_c = Y_c / L and its bound in
   MPFR at 128 bits, and the test of lemma 7 entry by entry.  A row is
   answered here only when every entry (and lse) is decided; otherwise
   fgap_truth_row computes it again in MPFR, so the answer is the same
   correctly rounded value either way.  The lemmas are those of
   theory/ground-truth.md, section 10.  */

/* The bits must not depend on the instruction set: no a * b + c may become
   an fma behind the code's back (the explicit fma calls are kept).  */
#ifdef __clang__
# pragma STDC FP_CONTRACT OFF
#else
# pragma GCC optimize ("fp-contract=off")
#endif

#include "core/fga-impl.h"
#include "numerics/truth-impl.h"
#include "kernels/attention-util.h"

/* tau within [2^-100, 2^100] keeps tau_h tau_l and tau D far from
   overflow; rows whose scores may reach 2^1000 (lemma 9) or whose score
   error could move a weight by more than 2^-20 take the MPFR path.  */
#define TAU_LOG2_MAX 100
#define SCORE_LOG2_MAX 1000
#define SCORE_ERR_LOG2_MAX (-20)

/* Working precision of the last step (division, lse) and of the bounds.  */
#define WPREC 128

#define KSUF generic
#define KATTR
#include "numerics/truth_fast-kern.h"
#undef KSUF
#undef KATTR
#if FGA_ATTN_X86
# define KSUF avx2
# define KATTR FGA_TARGET_AVX2
# include "numerics/truth_fast-kern.h"
# undef KSUF
# undef KATTR
# define KSUF avx512
# define KATTR FGA_TARGET_AVX512
# include "numerics/truth_fast-kern.h"
# undef KSUF
# undef KATTR
#endif

/* ------------------------------------------------------------------ */
/* exp in double-double.  */

/* The table and constants, made once per process (they are the same for
   every call); only the instruction set is chosen per call.  */
static fgap_truth_ddexp ddexp_table;
static int ddexp_ready;

static void
ddexp_make (fgap_truth_ddexp *x)
{
  /* 2^(i/2048) at 128 bits, split: |2^(i/2048) - hi - lo| <= 2^-105.9 2^(i/2048)
     (lemma 10, step 3).  ln2/2048 cut into 32-bit pieces c1, c2 and a
     rounded rest c3.  */
  mpfr_t v, w;
  mpfr_init2 (v, WPREC);
  mpfr_init2 (w, WPREC);
  for (int i = 0; i < (1 << FGA_TRUTH_DD_TBITS); i++)
    {
      mpfr_set_si_2exp (v, i, -FGA_TRUTH_DD_TBITS, MPFR_RNDN);
      mpfr_exp2 (v, v, MPFR_RNDN);
      x->th[i] = mpfr_get_d (v, MPFR_RNDN);
      mpfr_sub_d (v, v, x->th[i], MPFR_RNDN);
      x->tl[i] = mpfr_get_d (v, MPFR_RNDN);
    }
  mpfr_const_log2 (v, MPFR_RNDN);
  mpfr_div_2ui (v, v, FGA_TRUTH_DD_TBITS, MPFR_RNDN);
  mpfr_set_prec (w, 32);
  mpfr_set (w, v, MPFR_RNDN);
  x->c1 = mpfr_get_d (w, MPFR_RNDN);
  mpfr_sub_d (v, v, x->c1, MPFR_RNDN);
  mpfr_set (w, v, MPFR_RNDN);
  x->c2 = mpfr_get_d (w, MPFR_RNDN);
  mpfr_sub_d (v, v, x->c2, MPFR_RNDN);
  x->c3 = mpfr_get_d (v, MPFR_RNDN);
  mpfr_clear (v);
  mpfr_clear (w);
}

void
fgap_truth_ddexp_init (fgap_truth_ddexp *x)
{
  if (!__atomic_load_n (&ddexp_ready, __ATOMIC_ACQUIRE))
    {
#pragma omp critical (fgap_truth_ddexp_make)
      if (!__atomic_load_n (&ddexp_ready, __ATOMIC_ACQUIRE))
        {
          ddexp_make (&ddexp_table);
          __atomic_store_n (&ddexp_ready, 1, __ATOMIC_RELEASE);
        }
    }
  *x = ddexp_table;
  x->isa = fgap_attn_isa ();
}

void
fgap_truth_ddexp_block (const fgap_truth_ddexp *x, size_t n, const double *th,
                        const double *tl, double *eh, double *el)
{
#if FGA_ATTN_X86
  if (x->isa == FGA_ISA_AVX512)
    ddexp_avx512 (x, n, th, tl, eh, el);
  else if (x->isa == FGA_ISA_AVX2)
    ddexp_avx2 (x, n, th, tl, eh, el);
  else
#endif
    ddexp_generic (x, n, th, tl, eh, el);
}

static void
scores (int isa, size_t nk, size_t d, const double *q, const double *Kt, double *xh,
        double *xl)
{
#if FGA_ATTN_X86
  if (isa == FGA_ISA_AVX512)
    scores_avx512 (nk, d, q, Kt, xh, xl);
  else if (isa == FGA_ISA_AVX2)
    scores_avx2 (nk, d, q, Kt, xh, xl);
  else
#endif
    scores_generic (nk, d, q, Kt, xh, xl);
}

static void
times_tau (int isa, size_t n, const double *xh, const double *xl, double mh, double ml,
           double tau_h, double tau_l, double *th, double *tl)
{
#if FGA_ATTN_X86
  if (isa == FGA_ISA_AVX512)
    times_tau_avx512 (n, xh, xl, mh, ml, tau_h, tau_l, th, tl);
  else if (isa == FGA_ISA_AVX2)
    times_tau_avx2 (n, xh, xl, mh, ml, tau_h, tau_l, th, tl);
  else
#endif
    times_tau_generic (n, xh, xl, mh, ml, tau_h, tau_l, th, tl);
}

static void
sum_weights (int isa, size_t n, const double *eh, const double *el, double *Lh, double *Ll,
             double *A)
{
#if FGA_ATTN_X86
  if (isa == FGA_ISA_AVX512)
    sum_weights_avx512 (n, eh, el, Lh, Ll, A);
  else if (isa == FGA_ISA_AVX2)
    sum_weights_avx2 (n, eh, el, Lh, Ll, A);
  else
#endif
    sum_weights_generic (n, eh, el, Lh, Ll, A);
}

static void
accumulate (int isa, size_t nk, size_t lanes, const double *eh, const double *el,
            const double *vs, double *Sh, double *Sl, double *A)
{
#if FGA_ATTN_X86
  if (isa == FGA_ISA_AVX512)
    accumulate_avx512 (nk, lanes, eh, el, vs, Sh, Sl, A);
  else if (isa == FGA_ISA_AVX2)
    accumulate_avx2 (nk, lanes, eh, el, vs, Sh, Sl, A);
  else
#endif
    accumulate_generic (nk, lanes, eh, el, vs, Sh, Sl, A);
}

/* ------------------------------------------------------------------ */
/* The shared part.  */

struct fgap_truth_fast
{
  const fgap_truth_problem *pb;
  fgap_truth_ddexp ex;
  double tau_h, tau_l;         /* tau_h + tau_l = tau128 (1 + a), |a| <= 2^-106 (lemma 9) */
  fgap_truth_vec tau;         /* 1 number: tau rounded to nearest at 128 bits */
  int tau_inexact;
  size_t lanes;                /* dv columns of V scaled, zeros to a multiple of 8 */
  double *vs;                  /* nk x lanes */
  size_t vsbytes;
  long *vexp;                  /* dv: column c is scaled by 2^vexp[c] */
  double *vconst;              /* dv: the value of a constant column */
  char *isconst;               /* dv */
  fgap_truth_vec range;       /* dv: the range of column c times 2^vexp[c], rounded up */
  size_t auxbytes;
  double *Kt;                  /* d x nk: K transposed */
  double *kmax;                /* d: max_j |K_jc| */
  size_t ktbytes;
};

static int
ceil_log2 (size_t n)
{
  int c = 0;
  while (c < (int) (8 * sizeof (size_t)) - 1 && ((size_t) 1 << c) < n)
    c++;
  return c;
}

/* Column c scaled by 2^s so that its largest |V_jc| 2^s lies in
   [2^(1019 - cl), 2^(1020 - cl)), cl = ceil(log2 nk): no sum of nk such
   terms overflows, and small values stay far from underflow.  Returns 0
   when a scaling down would round some entry (then no fast path).  */
static int
scale_column (fgap_truth_fast *f, const double *V, size_t c)
{
  const fgap_truth_problem *pb = f->pb;
  size_t nk = pb->nk, dv = pb->dv;
  double vmax = 0, v0 = V[c];
  int allneg0 = 1, constant = 1;
  for (size_t j = 0; j < nk; j++)
    {
      double v = V[j * dv + c];
      vmax = fmax (vmax, fabs (v));
      allneg0 &= v == 0 && signbit (v);
      constant &= v == v0;
    }
  f->isconst[c] = (char) constant;
  /* Att of a constant column is that constant.  The MPFR path's zero has
     the sign of an exact sum of zeros: -0 only when every V_jc is -0. */
  f->vconst[c] = constant ? (v0 == 0 ? (allneg0 ? -0.0 : 0.0) : v0) : 0;
  long s = 0;
  if (vmax > 0)
    {
      int ex;
      frexp (vmax, &ex);                 /* vmax < 2^ex */
      s = (long) (1020 - ceil_log2 (nk)) - ex;
    }
  f->vexp[c] = s;
  for (size_t j = 0; j < nk; j++)
    {
      double v = V[j * dv + c], w = ldexp (v, (int) s);
      if (s < 0 && ldexp (w, (int) -s) != v)
        return 0;
      f->vs[j * f->lanes + c] = w;
    }
  mpfr_mul_2si (f->range.x[c], pb->vrange[c], s, MPFR_RNDU);
  return 1;
}

void
fgap_truth_fast_free (fgap_truth_fast *f, fgap_memtrack *mt)
{
  if (f == NULL)
    return;
  fgap_tfree (mt, f->vs, f->vsbytes);
  fgap_tfree (mt, f->vexp, f->auxbytes);
  fgap_tfree (mt, f->Kt, f->ktbytes);
  fgap_truth_vec_free (&f->tau, mt);
  fgap_truth_vec_free (&f->range, mt);
  fgap_tfree (mt, f, sizeof *f);
}

int
fgap_truth_fast_new (fgap_truth_fast **fp, const fgap_truth_problem *pb, const double *V,
                     mpfr_srcptr tau128, int tau_inexact, fgap_memtrack *mt, fga_error *err)
{
  *fp = NULL;
  if (mpfr_get_exp (tau128) > TAU_LOG2_MAX
      || mpfr_get_exp (tau128) < -TAU_LOG2_MAX)
    return FGA_OK;
  size_t nk = pb->nk, dv = pb->dv;
  fgap_truth_fast *f = fgap_talloc (mt, sizeof *f, "the fast path's set-up", err);
  if (f == NULL)
    return FGA_ERR_NOMEM;
  memset (f, 0, sizeof *f);
  f->pb = pb;
  f->lanes = (dv + 7) / 8 * 8;
  f->auxbytes = dv * (sizeof (long) + sizeof (double) + 1);
  if (fgap_size_mul (&f->vsbytes, nk, f->lanes * sizeof (double))
      || fgap_size_mul (&f->ktbytes, nk + 1, pb->d * sizeof (double)))
    {
      fgap_tfree (mt, f, sizeof *f);
      return fgap_error_set (err, FGA_ERR_NOMEM, "fga_truth: V (%zu x %zu) is too large", nk,
                             dv);
    }
  int rc = FGA_OK;
  if ((f->vs = fgap_talloc (mt, f->vsbytes, "the scaled V", err)) == NULL
      || (f->vexp = fgap_talloc (mt, f->auxbytes, "the scales of V", err)) == NULL
      || (f->Kt = fgap_talloc (mt, f->ktbytes, "K transposed", err)) == NULL)
    rc = FGA_ERR_NOMEM;
  if (rc == FGA_OK)
    rc = fgap_truth_vec_alloc (&f->tau, 1, WPREC, mt, err);
  if (rc == FGA_OK)
    rc = fgap_truth_vec_alloc (&f->range, dv, FGA_TRUTH_BPREC, mt, err);
  if (rc != FGA_OK)
    {
      fgap_truth_fast_free (f, mt);
      return rc;
    }
  f->vconst = (double *) (f->vexp + dv);
  f->isconst = (char *) (f->vconst + dv);
  memset (f->vs, 0, f->vsbytes);
  int ok = 1;
  for (size_t c = 0; c < dv && ok; c++)
    ok = scale_column (f, V, c);
  if (!ok)
    {
      fgap_truth_fast_free (f, mt);
      return FGA_OK;
    }
  size_t d = pb->d;
  f->kmax = f->Kt + d * nk;
  for (size_t c = 0; c < d; c++)
    {
      f->kmax[c] = 0;
      for (size_t j = 0; j < nk; j++)
        {
          f->Kt[c * nk + j] = pb->K[j * d + c];
          f->kmax[c] = fmax (f->kmax[c], fabs (pb->K[j * d + c]));
        }
    }
  mpfr_set (f->tau.x[0], tau128, MPFR_RNDN);
  f->tau_inexact = tau_inexact;
  /* tau128 - tau_h is exact at 128 bits (lemma 9) */
  f->tau_h = mpfr_get_d (tau128, MPFR_RNDN);
  mpfr_t r;
  mpfr_init2 (r, WPREC);
  mpfr_sub_d (r, tau128, f->tau_h, MPFR_RNDN);
  f->tau_l = mpfr_get_d (r, MPFR_RNDN);
  mpfr_clear (r);
  fgap_truth_ddexp_init (&f->ex);
  *fp = f;
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* The workspace of one thread.  */

enum { M_Y, M_L, M_W, M_LO, M_HI, M_XM, M_SM, M_ELL, M_Z, M_N };       /* at WPREC */
enum { B_G, B_EX, B_P, B_TX, B_SA, B_EY, B_EL, B_LLO, B_Q, B_BETA, B_T1, B_T2, B_N };

struct fgap_truth_fast_ws
{
  const fgap_truth_fast *f;
  fgap_memtrack *mt;
  double *buf;                 /* xh, xl, th, tl (nk each), eh, el (nk8 each, zeros after nk),
                                  Sh, Sl, A (2 lanes each), Lh, Ll, AL (8 each) */
  size_t nk8;                  /* nk rounded up to a multiple of 8 */
  size_t bufbytes;
  fgap_truth_vec m, b;
};

void
fgap_truth_fast_ws_free (fgap_truth_fast_ws *ws)
{
  if (ws == NULL)
    return;
  fgap_tfree (ws->mt, ws->buf, ws->bufbytes);
  fgap_truth_vec_free (&ws->m, ws->mt);
  fgap_truth_vec_free (&ws->b, ws->mt);
  fgap_tfree (ws->mt, ws, sizeof *ws);
}

fgap_truth_fast_ws *
fgap_truth_fast_ws_new (const fgap_truth_fast *f, fgap_memtrack *mt, fga_error *err)
{
  fgap_truth_fast_ws *ws = fgap_talloc (mt, sizeof *ws, "the fast path's workspace", err);
  if (ws == NULL)
    return NULL;
  memset (ws, 0, sizeof *ws);
  ws->f = f;
  ws->mt = mt;
  size_t nk = f->pb->nk;
  int rc = FGA_OK;
  ws->nk8 = (nk + 7) / 8 * 8;
  if (fgap_size_mul (&ws->bufbytes, 4 * nk + 2 * ws->nk8 + 6 * f->lanes + 24,
                     sizeof (double)))
    rc = fgap_error_set (err, FGA_ERR_NOMEM, "fga_truth: %zu keys overflow the address space",
                         nk);
  if (rc == FGA_OK
      && (ws->buf = fgap_talloc (mt, ws->bufbytes, "the double-double weights", err)) == NULL)
    rc = FGA_ERR_NOMEM;
  if (rc == FGA_OK)
    rc = fgap_truth_vec_alloc (&ws->m, M_N, WPREC, mt, err);
  if (rc == FGA_OK)
    rc = fgap_truth_vec_alloc (&ws->b, B_N, FGA_TRUTH_BPREC, mt, err);
  if (rc != FGA_OK)
    {
      fgap_truth_fast_ws_free (ws);
      return NULL;
    }
  memset (ws->buf, 0, ws->bufbytes);
  return ws;
}

/* ------------------------------------------------------------------ */
/* Bounds (lemma 12 and theorem 3), every one rounded upward.  */

/* x = 2^e, exactly.  */
static void
set_2exp (mpfr_ptr x, long e)
{
  mpfr_set_ui_2exp (x, 1, e, MPFR_RNDN);
}

/* The factor g_m of lemma 12: |Y^ - sum_j e_j v_j| <= g_m S + abs,
   g_m = 3u^2 + gamma_m (1 + 3u^2), gamma_m = m delta / (1 - m delta),
   delta = 3u^2 / (1 - 4u), u = 2^-53.  Into rop.  */
static void
sum_factor (mpfr_ptr rop, size_t m, mpfr_ptr tmp)
{
  set_2exp (tmp, -51);                        /* 4u */
  mpfr_ui_sub (tmp, 1, tmp, MPFR_RNDD);       /* 1 - 4u */
  mpfr_set_ui_2exp (rop, 3, -106, MPFR_RNDU);
  mpfr_div (rop, rop, tmp, MPFR_RNDU);        /* delta */
  mpfr_mul_ui (rop, rop, (unsigned long) m, MPFR_RNDU);
  mpfr_ui_sub (tmp, 1, rop, MPFR_RNDD);
  mpfr_div (rop, rop, tmp, MPFR_RNDU);        /* gamma_m */
  mpfr_set_ui_2exp (tmp, 3, -106, MPFR_RNDU);
  mpfr_add_ui (tmp, tmp, 1, MPFR_RNDU);
  mpfr_mul (rop, rop, tmp, MPFR_RNDU);
  mpfr_set_ui_2exp (tmp, 3, -106, MPFR_RNDU);
  mpfr_add (rop, rop, tmp, MPFR_RNDU);
}

/* The sum of |e_j v_j| from the computed A (lemma 12):
   S <= A (1 + u) / (1 - gamma_m(u)) + m 2^-1073, gamma_m(u) = m u / (1 - m u),
   into rop.  */
static void
abs_sum_bound (mpfr_ptr rop, double A, size_t m, mpfr_ptr tmp)
{
  mpfr_set_ui (rop, (unsigned long) m, MPFR_RNDU);
  mpfr_mul_2si (rop, rop, -53, MPFR_RNDU);
  mpfr_ui_sub (tmp, 1, rop, MPFR_RNDD);
  mpfr_div (rop, rop, tmp, MPFR_RNDU);        /* gamma_m(u) */
  mpfr_ui_sub (tmp, 1, rop, MPFR_RNDD);       /* 1 - gamma_m(u) */
  set_2exp (rop, -53);
  mpfr_add_ui (rop, rop, 1, MPFR_RNDU);
  mpfr_mul_d (rop, rop, A, MPFR_RNDU);
  mpfr_div (rop, rop, tmp, MPFR_RNDU);
  mpfr_set_ui_2exp (tmp, (unsigned long) m, -1073, MPFR_RNDU);
  mpfr_add (rop, rop, tmp, MPFR_RNDU);
}

/* |Yhat - sum_j e_j v_j| <= g S + m 2^-1068 (the last term covers the
   underflows of products and additions), into rop.  */
static void
sum_error (mpfr_ptr rop, mpfr_srcptr g, double A, size_t m, mpfr_ptr S, mpfr_ptr tmp)
{
  abs_sum_bound (S, A, m, tmp);
  mpfr_mul (rop, g, S, MPFR_RNDU);
  mpfr_set_ui_2exp (tmp, (unsigned long) m, -1068, MPFR_RNDU);
  mpfr_add (rop, rop, tmp, MPFR_RNDU);
}

/* Q = F' / (1 - F') of lemma 5 with (lemma 11)
   F = (expm1 (eta T + eta' + 2 tau E_x) + E) / (1 - E), F' = F + n_u 2^-865,
   E = 2^-89, eta = 2^-102, eta' = 2^-1000, T = (Tmax (1 + u) + eta') / (1 - eta);
   taux = tau E_x (rounded up).  */
static void
weights_q (mpfr_ptr Q, double Tmax, size_t nunder, mpfr_srcptr taux, mpfr_ptr tmp)
{
  mpfr_set_d (Q, Tmax, MPFR_RNDU);
  set_2exp (tmp, -53);
  mpfr_add_ui (tmp, tmp, 1, MPFR_RNDU);
  mpfr_mul (Q, Q, tmp, MPFR_RNDU);
  set_2exp (tmp, -1000);
  mpfr_add (Q, Q, tmp, MPFR_RNDU);
  set_2exp (tmp, -102);
  mpfr_ui_sub (tmp, 1, tmp, MPFR_RNDD);
  mpfr_div (Q, Q, tmp, MPFR_RNDU);            /* T */
  mpfr_mul_2si (Q, Q, -102, MPFR_RNDU);       /* eta T */
  set_2exp (tmp, -1000);
  mpfr_add (Q, Q, tmp, MPFR_RNDU);
  mpfr_mul_2ui (tmp, taux, 1, MPFR_RNDU);
  mpfr_add (Q, Q, tmp, MPFR_RNDU);
  mpfr_expm1 (Q, Q, MPFR_RNDU);
  set_2exp (tmp, FGA_TRUTH_DD_EXP_LOG2ERR);
  mpfr_add (Q, Q, tmp, MPFR_RNDU);
  mpfr_ui_sub (tmp, 1, tmp, MPFR_RNDD);
  mpfr_div (Q, Q, tmp, MPFR_RNDU);            /* F */
  if (nunder > 0)
    {
      mpfr_set_ui_2exp (tmp, (unsigned long) nunder, -865, MPFR_RNDU);
      mpfr_add (Q, Q, tmp, MPFR_RNDU);        /* F' */
    }
  if (mpfr_cmp_ui (Q, 1) >= 0)
    {
      mpfr_set_inf (Q, 1);
      return;
    }
  mpfr_ui_sub (tmp, 1, Q, MPFR_RNDD);
  mpfr_div (Q, Q, tmp, MPFR_RNDU);
}

/* Lemma 7 with the scale undone: the ends of [W - beta, W + beta], rounded
   outward and multiplied by 2^-s (exact), round to one double, bit for bit
   (so an interval around zero with ends of both signs is not decided).  */
static int
decide (mpfr_srcptr W, mpfr_srcptr beta, long s, mpfr_ptr lo, mpfr_ptr hi, double *out)
{
  mpfr_sub (lo, W, beta, MPFR_RNDD);
  mpfr_add (hi, W, beta, MPFR_RNDU);
  mpfr_mul_2si (lo, lo, -s, MPFR_RNDD);
  mpfr_mul_2si (hi, hi, -s, MPFR_RNDU);
  double a = mpfr_get_d (lo, MPFR_RNDN), b = mpfr_get_d (hi, MPFR_RNDN);
  if (memcmp (&a, &b, sizeof a) != 0 || !isfinite (a))
    return 0;
  *out = a;
  return 1;
}

/* ------------------------------------------------------------------ */
/* One row.  */

/* The bound E_x of lemma 9 on |xh_j + xl_j - x_j| for every key:
   E_x = gamma_d u (d + 1) P / (1 - (d + 1) u) + d 2^-1073,
   P = sum_c |q_c| max_j |K_jc|, into rop (and P into p).  */
static void
score_error (mpfr_ptr rop, mpfr_ptr p, const double *q, const double *kmax, size_t d,
             mpfr_ptr tmp)
{
  mpfr_set_zero (p, 1);
  for (size_t c = 0; c < d; c++)
    {
      mpfr_set_d (tmp, fabs (q[c]), MPFR_RNDU);
      mpfr_mul_d (tmp, tmp, kmax[c], MPFR_RNDU);
      mpfr_add (p, p, tmp, MPFR_RNDU);
    }
  mpfr_set_ui (rop, (unsigned long) d, MPFR_RNDU);
  mpfr_mul_2si (rop, rop, -53, MPFR_RNDU);
  mpfr_ui_sub (tmp, 1, rop, MPFR_RNDD);
  mpfr_div (rop, rop, tmp, MPFR_RNDU);                 /* gamma_d */
  mpfr_mul_ui (rop, rop, (unsigned long) d + 1, MPFR_RNDU);
  mpfr_mul_2si (rop, rop, -53, MPFR_RNDU);
  mpfr_set_ui (tmp, (unsigned long) d + 1, MPFR_RNDU);
  mpfr_mul_2si (tmp, tmp, -53, MPFR_RNDU);
  mpfr_ui_sub (tmp, 1, tmp, MPFR_RNDD);
  mpfr_div (rop, rop, tmp, MPFR_RNDU);
  mpfr_mul (rop, rop, p, MPFR_RNDU);
  mpfr_set_ui_2exp (tmp, (unsigned long) d, -1073, MPFR_RNDU);
  mpfr_add (rop, rop, tmp, MPFR_RNDU);
}

/* W_c = o(o(Sh + Sl) / o(L)) at 128 bits into M_W and its bound beta
   (theorem 3) into B_BETA:
     beta = |W| 2^-126 + (eps_Y + |W| (1 + 2^-126) eps_L) / L_lo + R_c Q,
   the first term for the three roundings at 128 bits.  */
static void
entry_bound (fgap_truth_fast_ws *ws, size_t c, double Sh, double Sl, double A, size_t m,
             mpfr_srcptr Q)
{
  const fgap_truth_fast *f = ws->f;
  mpfr_t *x = ws->m.x, *b = ws->b.x;
  mpfr_set_d (x[M_Y], Sh, MPFR_RNDN);
  mpfr_add_d (x[M_Y], x[M_Y], Sl, MPFR_RNDN);
  mpfr_div (x[M_W], x[M_Y], x[M_L], MPFR_RNDN);
  sum_error (b[B_EY], b[B_G], A, m, b[B_SA], b[B_T1]);
  mpfr_abs (b[B_BETA], x[M_W], MPFR_RNDU);
  mpfr_mul_2si (b[B_T2], b[B_BETA], -126, MPFR_RNDU);
  mpfr_add (b[B_T1], b[B_BETA], b[B_T2], MPFR_RNDU);
  mpfr_mul (b[B_T1], b[B_T1], b[B_EL], MPFR_RNDU);
  mpfr_add (b[B_T1], b[B_T1], b[B_EY], MPFR_RNDU);
  mpfr_div (b[B_T1], b[B_T1], b[B_LLO], MPFR_RNDU);
  mpfr_add (b[B_BETA], b[B_T2], b[B_T1], MPFR_RNDU);
  mpfr_mul (b[B_T1], f->range.x[c], Q, MPFR_RNDU);
  mpfr_add (b[B_BETA], b[B_BETA], b[B_T1], MPFR_RNDU);
}

/* L's numbers: M_L = o(Lh + Ll) at 128 bits, B_EL its error bound
   (lemma 12 with at most n additions on any term's path, plus the rounding
   at 128 bits), B_LLO a lower bound of the exact sum of the weights, at
   least 1 (e_m = 1).  B_EY is scratch here.  */
static void
row_denominator (fgap_truth_fast_ws *ws, double Lh, double Ll, double A, size_t n)
{
  mpfr_t *x = ws->m.x, *b = ws->b.x;
  mpfr_set_d (x[M_L], Lh, MPFR_RNDN);
  int inex = mpfr_add_d (x[M_L], x[M_L], Ll, MPFR_RNDN) != 0;
  sum_factor (b[B_EY], n, b[B_T1]);
  sum_error (b[B_EL], b[B_EY], A, n, b[B_SA], b[B_T1]);
  if (inex)
    {
      mpfr_abs (b[B_T1], x[M_L], MPFR_RNDU);
      mpfr_mul_2si (b[B_T1], b[B_T1], -WPREC, MPFR_RNDU);
      mpfr_add (b[B_EL], b[B_EL], b[B_T1], MPFR_RNDU);
    }
  mpfr_sub (b[B_LLO], x[M_L], b[B_EL], MPFR_RNDD);
  if (mpfr_cmp_ui (b[B_LLO], 1) < 0)
    mpfr_set_ui (b[B_LLO], 1, MPFR_RNDN);
}

/* The 8 lanes of L added in a fixed tree, ((0+1)+(2+3))+((4+5)+(6+7)),
   as double-words, and their A in plain doubles, the same tree.  */
static void
combine_lanes (double *Lh, double *Ll, double *A)
{
  for (int step = 1; step < 8; step *= 2)
    for (int l = 0; l < 8; l += 2 * step)
      {
        dd_add_generic (&Lh[l], &Ll[l], Lh[l + step], Ll[l + step]);
        A[l] = A[l] + A[l + step];
      }
}

/* lse (theorem 4): Z = o(o(tau~ o(xh_m + xl_m)) + o(log L)), with
   |Z - lse| <= |Sm| r[k] + |ell| r[nu] + |Z| r[zeta] + x / (1 - x) + Q + tau E_x,
   x = B_EL / L, r[k] <= k 2^-127 at 128 bits.  */
static int
row_lse (fgap_truth_fast_ws *ws, double mh, double ml, mpfr_srcptr Q, double *out)
{
  const fgap_truth_fast *f = ws->f;
  mpfr_t *x = ws->m.x, *b = ws->b.x;
  mpfr_set_d (x[M_XM], mh, MPFR_RNDN);
  int ks = f->tau_inexact + (mpfr_add_d (x[M_XM], x[M_XM], ml, MPFR_RNDN) != 0);
  ks += mpfr_mul (x[M_SM], x[M_XM], f->tau.x[0], MPFR_RNDN) != 0;
  int kn = mpfr_log (x[M_ELL], x[M_L], MPFR_RNDN) != 0;
  int kz = mpfr_add (x[M_Z], x[M_SM], x[M_ELL], MPFR_RNDN) != 0;
  mpfr_abs (b[B_BETA], x[M_SM], MPFR_RNDU);
  mpfr_mul_ui (b[B_BETA], b[B_BETA], (unsigned long) ks, MPFR_RNDU);
  mpfr_abs (b[B_T1], x[M_ELL], MPFR_RNDU);
  mpfr_mul_ui (b[B_T1], b[B_T1], (unsigned long) kn, MPFR_RNDU);
  mpfr_add (b[B_BETA], b[B_BETA], b[B_T1], MPFR_RNDU);
  mpfr_abs (b[B_T1], x[M_Z], MPFR_RNDU);
  mpfr_mul_ui (b[B_T1], b[B_T1], (unsigned long) kz, MPFR_RNDU);
  mpfr_add (b[B_BETA], b[B_BETA], b[B_T1], MPFR_RNDU);
  mpfr_mul_2si (b[B_BETA], b[B_BETA], -127, MPFR_RNDU);
  /* |log(L_true / Lhat)| <= x / (1 - x), x = eps_L / Lhat (Lhat >= 1) */
  mpfr_div (b[B_T1], b[B_EL], x[M_L], MPFR_RNDU);
  mpfr_ui_sub (b[B_T2], 1, b[B_T1], MPFR_RNDD);
  if (mpfr_sgn (b[B_T2]) <= 0)
    return 0;
  mpfr_div (b[B_T1], b[B_T1], b[B_T2], MPFR_RNDU);
  mpfr_add (b[B_BETA], b[B_BETA], b[B_T1], MPFR_RNDU);
  mpfr_add (b[B_BETA], b[B_BETA], Q, MPFR_RNDU);
  mpfr_add (b[B_BETA], b[B_BETA], b[B_TX], MPFR_RNDU);
  return decide (x[M_Z], b[B_BETA], 0, x[M_LO], x[M_HI], out);
}

/* The scores' bounds: B_EX = E_x, B_TX = tau E_x (tau rounded up from
   tau128); returns 0 when the row is outside the fast path's range.  */
static int
row_score_bounds (fgap_truth_fast_ws *ws, const double *q)
{
  const fgap_truth_fast *f = ws->f;
  mpfr_t *b = ws->b.x;
  score_error (b[B_EX], b[B_P], q, f->kmax, f->pb->d, b[B_T1]);
  if (mpfr_cmp_ui_2exp (b[B_P], 1, SCORE_LOG2_MAX) > 0)
    return 0;
  mpfr_set (b[B_TX], f->tau.x[0], MPFR_RNDU);
  mpfr_mul (b[B_TX], b[B_TX], b[B_EX], MPFR_RNDU);
  set_2exp (b[B_T1], -127);
  mpfr_add_ui (b[B_T1], b[B_T1], 1, MPFR_RNDU);
  mpfr_mul (b[B_TX], b[B_TX], b[B_T1], MPFR_RNDU);
  return mpfr_cmp_ui_2exp (b[B_TX], 1, SCORE_ERR_LOG2_MAX) <= 0;
}

/* The index of the largest xh_j + xl_j: (xh, xl) come from TwoSum, so
   xh = o(xh + xl) and the order of the sums is the lexicographic order.  */
static size_t
argmax_dd (const double *xh, const double *xl, size_t nk)
{
  size_t m = 0;
  for (size_t j = 1; j < nk; j++)
    if (xh[j] > xh[m] || (xh[j] == xh[m] && xl[j] > xl[m]))
      m = j;
  return m;
}

int
fgap_truth_fast_row (fgap_truth_fast_ws *ws, size_t i, double *Trow, double *lse_i,
                     fgap_truth_count *cnt)
{
  const fgap_truth_fast *f = ws->f;
  const fgap_truth_problem *pb = f->pb;
  size_t nk = pb->nk, dv = pb->dv, d = pb->d, lanes = f->lanes;
  const double *q = pb->Q + i * d;
  mpfr_t *x = ws->m.x, *b = ws->b.x;
  if (!row_score_bounds (ws, q))
    return 0;
  double *xh = ws->buf, *xl = xh + nk, *th = xl + nk, *tl = th + nk, *eh = tl + nk,
    *el = eh + ws->nk8, *Sh = el + ws->nk8, *Sl = Sh + 2 * lanes, *A = Sl + 2 * lanes,
    *Lh = A + 2 * lanes, *Ll = Lh + 8, *AL = Ll + 8;
  int isa = f->ex.isa;
  scores (isa, nk, d, q, f->Kt, xh, xl);
  size_t jm = argmax_dd (xh, xl, nk);
  double mh = xh[jm], ml = xl[jm];
  times_tau (isa, nk, xh, xl, mh, ml, f->tau_h, f->tau_l, th, tl);
  fgap_truth_ddexp_block (&f->ex, nk, th, tl, eh, el);

  /* Lemma 11: the keys below the cut (NaN too: tau D_j beyond the doubles),
     and the largest |t_j| of the others.  */
  size_t nunder = 0;
  double Tmax = 0;
  for (size_t j = 0; j < nk; j++)
    if (!(th[j] >= -FGA_TRUTH_DD_CUT))
      nunder++;
    else if (-th[j] > Tmax)
      Tmax = -th[j];
  size_t m = nk - nunder;
  memset (Sh, 0, (6 * lanes + 24) * sizeof (double));
  accumulate (isa, nk, lanes, eh, el, f->vs, Sh, Sl, A);
  sum_weights (isa, ws->nk8, eh, el, Lh, Ll, AL);
  combine_lanes (Lh, Ll, AL);

  /* counts: a double-double operation as one of its kind */
  cnt->mul += (uint64_t) nk * d + nk + (uint64_t) m * dv;
  cnt->add += (uint64_t) nk * (d - 1) + nk + (uint64_t) (m - 1) * (1 + dv);
  cnt->exp += m;
  cnt->div += dv;
  cnt->cmp += 2 * (uint64_t) (nk - 1);

  /* a term goes through at most m additions of its chain and the last one */
  sum_factor (b[B_G], m + 1, b[B_T1]);
  row_denominator (ws, Lh[0], Ll[0], AL[0], nk + 3);
  weights_q (b[B_Q], Tmax, nunder, b[B_TX], b[B_T1]);
  for (size_t c = 0; c < dv; c++)
    {
      if (f->isconst[c])
        {
          Trow[c] = f->vconst[c];
          continue;
        }
      entry_bound (ws, c, Sh[c], Sl[c], A[c], m + 1, b[B_Q]);
      if (!decide (x[M_W], b[B_BETA], f->vexp[c], x[M_LO], x[M_HI], &Trow[c]))
        return 0;
    }
  if (pb->want_lse && lse_i != NULL)
    return row_lse (ws, mh, ml, b[B_Q], lse_i);
  return 1;
}
