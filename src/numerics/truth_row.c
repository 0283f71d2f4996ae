/* fgap_truth_row -- one row of the certified ground truth: exact scores, a pass at precision p, Ziv

   The lemmas cited below are those of theory/ground-truth.md.  Notation of a
   row: x_j = <q, k_j> (exact), m the index of the largest x_j, D_j = x_j - x_m
   (exact, <= 0), t_j = o(tau~ D_j) with tau~ = o(tau), e_j = o(exp t_j),
   L = sum_j e_j, Y_c = sum_j e_j V_jc, W_c = o(o(Y_c) / o(L)); o() is
   rounding to nearest at the working precision p and u = 2^-p.  */

#include "core/fga-impl.h"
#include "numerics/truth-impl.h"

#include <limits.h>

/* ------------------------------------------------------------------ */
/* Vectors of numbers with tracked significands.  */

int
fgap_truth_vec_alloc (fgap_truth_vec *v, size_t n, mpfr_prec_t prec, fgap_memtrack *mt,
                     fga_error *err)
{
  size_t sz = mpfr_custom_get_size (prec);
  memset (v, 0, sizeof *v);
  if (fgap_size_mul (&v->xbytes, n, sizeof (mpfr_t)) || fgap_size_mul (&v->lbytes, n, sz))
    return fgap_error_set (err, FGA_ERR_NOMEM,
                          "fga_truth: %zu numbers of %ld bits need more bytes than size_t "
                          "can count", n, (long) prec);
  v->x = fgap_talloc (mt, v->xbytes, "the ground truth's numbers", err);
  if (v->x == NULL)
    return FGA_ERR_NOMEM;
  v->limbs = fgap_talloc (mt, v->lbytes, "the ground truth's significands", err);
  if (v->limbs == NULL)
    {
      fgap_tfree (mt, v->x, v->xbytes);
      v->x = NULL;
      return FGA_ERR_NOMEM;
    }
  for (size_t k = 0; k < n; k++)
    {
      void *s = (char *) v->limbs + k * sz;
      mpfr_custom_init (s, prec);
      mpfr_custom_init_set (v->x[k], MPFR_ZERO_KIND, 0, prec, s);
    }
  v->n = n;
  v->prec = prec;
  return FGA_OK;
}

void
fgap_truth_vec_free (fgap_truth_vec *v, fgap_memtrack *mt)
{
  fgap_tfree (mt, v->limbs, v->lbytes);
  fgap_tfree (mt, v->x, v->xbytes);
  memset (v, 0, sizeof *v);
}

/* ------------------------------------------------------------------ */
/* The workspace of one thread.  */

enum { S_T, S_L, S_Y, S_SM, S_ELL, S_Z, S_LO, S_HI, S_N };     /* at precision p */
enum { B_T, B_X, B_F, B_Q, B_TMP, B_N };                       /* at FGA_TRUTH_BPREC */

#ifdef __SIZEOF_INT128__
typedef __int128 i128_t;
typedef unsigned __int128 u128_t;
# define FGA_TRUTH_NARROW_BITS 126
#else
/* Without 128-bit integers every row takes the MPFR path of the scores.  */
typedef long long i128_t;
typedef unsigned long long u128_t;
# define FGA_TRUTH_NARROW_BITS (-1)
#endif

struct fga_truth_ws
{
  const fgap_truth_problem *pb;
  fgap_memtrack *mt;
  i128_t *X;                   /* nk scaled exact scores (narrow path) */
  size_t Xbytes;
  fgap_truth_vec D;           /* nk + 1 exact numbers: D_j, then x_m */
  fgap_truth_vec g;           /* d + 2 at 106 bits: q as numbers, a product, a low part */
  size_t jm, jmin;             /* argmax and argmin of x_j */
  mpfr_prec_t p;               /* precision of e, pr, s, w (0: none yet) */
  fgap_truth_vec e;           /* nk weights e_j at p */
  fgap_truth_vec pr;          /* nk exact products e_j V_jc at p + 53 */
  fgap_truth_vec s;           /* S_N scalars at p */
  fgap_truth_vec w;           /* dv working values W_c at p */
  fgap_truth_vec b;           /* B_N bound scalars */
  fgap_truth_vec beta;        /* dv + 1 bounds: the entries, then lse */
  mpfr_ptr *eptr, *pptr;       /* pointers to e and pr, for mpfr_sum */
  size_t ptrbytes;
  int *flag;                   /* dv: number of inexact roundings among o(L), o(Y_c), W_c */
  size_t flagbytes;
  int lse_decided;             /* the last pass decided lse */
};

fgap_truth_ws *
fgap_truth_ws_new (const fgap_truth_problem *pb, fgap_memtrack *mt, fga_error *err)
{
  fgap_truth_ws *ws = fgap_talloc (mt, sizeof *ws, "the ground truth's workspace", err);
  if (ws == NULL)
    return NULL;
  memset (ws, 0, sizeof *ws);
  ws->pb = pb;
  ws->mt = mt;
  size_t nk = pb->nk;
  if (fgap_size_mul (&ws->Xbytes, nk, sizeof (i128_t))
      || fgap_size_mul (&ws->ptrbytes, 2 * nk, sizeof (mpfr_ptr))
      || fgap_size_mul (&ws->flagbytes, pb->dv, sizeof (int)))
    {
      fgap_error_set (err, FGA_ERR_NOMEM, "fga_truth: nk = %zu keys overflow the address space",
                     nk);
      fgap_tfree (mt, ws, sizeof *ws);
      return NULL;
    }
  int rc = FGA_OK;
  if ((ws->X = fgap_talloc (mt, ws->Xbytes, "the exact scores", err)) == NULL
      || (ws->eptr = fgap_talloc (mt, ws->ptrbytes, "the summands' pointers", err)) == NULL
      || (ws->flag = fgap_talloc (mt, ws->flagbytes, "the rounding flags", err)) == NULL)
    rc = FGA_ERR_NOMEM;
  if (rc == FGA_OK)
    rc = fgap_truth_vec_alloc (&ws->D, nk + 1, 128, mt, err);
  if (rc == FGA_OK)
    rc = fgap_truth_vec_alloc (&ws->g, pb->d + 2, 106, mt, err);
  if (rc == FGA_OK)
    rc = fgap_truth_vec_alloc (&ws->b, B_N, FGA_TRUTH_BPREC, mt, err);
  if (rc == FGA_OK)
    rc = fgap_truth_vec_alloc (&ws->beta, pb->dv + 1, FGA_TRUTH_BPREC, mt, err);
  if (rc != FGA_OK)
    {
      fgap_truth_ws_free (ws);
      return NULL;
    }
  ws->pptr = ws->eptr + nk;
  return ws;
}

static void
free_precision_vectors (fgap_truth_ws *ws)
{
  fgap_truth_vec_free (&ws->e, ws->mt);
  fgap_truth_vec_free (&ws->pr, ws->mt);
  fgap_truth_vec_free (&ws->s, ws->mt);
  fgap_truth_vec_free (&ws->w, ws->mt);
  ws->p = 0;
}

void
fgap_truth_ws_free (fgap_truth_ws *ws)
{
  if (ws == NULL)
    return;
  fgap_memtrack *mt = ws->mt;
  free_precision_vectors (ws);
  fgap_truth_vec_free (&ws->D, mt);
  fgap_truth_vec_free (&ws->g, mt);
  fgap_truth_vec_free (&ws->b, mt);
  fgap_truth_vec_free (&ws->beta, mt);
  fgap_tfree (mt, ws->X, ws->Xbytes);
  fgap_tfree (mt, ws->eptr, ws->ptrbytes);
  fgap_tfree (mt, ws->flag, ws->flagbytes);
  fgap_tfree (mt, ws, sizeof *ws);
}

/* The numbers that depend on the working precision, made again only when a
   row changes precision.  */
static int
set_precision (fgap_truth_ws *ws, mpfr_prec_t p, fga_error *err)
{
  if (ws->p == p)
    return FGA_OK;
  const fgap_truth_problem *pb = ws->pb;
  free_precision_vectors (ws);
  int rc = fgap_truth_vec_alloc (&ws->e, pb->nk, p, ws->mt, err);
  if (rc == FGA_OK)
    rc = fgap_truth_vec_alloc (&ws->pr, pb->nk, p + 53, ws->mt, err);
  if (rc == FGA_OK)
    rc = fgap_truth_vec_alloc (&ws->s, S_N, p, ws->mt, err);
  if (rc == FGA_OK)
    rc = fgap_truth_vec_alloc (&ws->w, pb->dv, p, ws->mt, err);
  if (rc != FGA_OK)
    {
      free_precision_vectors (ws);
      return rc;
    }
  for (size_t j = 0; j < pb->nk; j++)
    {
      ws->eptr[j] = ws->e.x[j];
      ws->pptr[j] = ws->pr.x[j];
    }
  ws->p = p;
  return FGA_OK;
}

static int
internal_error (fga_error *err, const char *what, size_t i)
{
  return fgap_error_set (err, FGA_ERR_COMPUTE,
                        "fga_truth: internal error in row %zu: %s was not exact "
                        "(please report this with the instance)", i, what);
}

/* ------------------------------------------------------------------ */
/* Exact scores (lemma 2).  Each double is m 2^e with m odd and |.| < 2^h, so
   with lo = min (e(q_c) + e(K_jc)) and hi = max (h(q_c) + h(K_jc)) over the
   nonzero products, x_j = X_j 2^lo with X_j an integer, |X_j| < deff 2^hi-lo
   <= 2^nb, nb = hi - lo + ceil(log2 deff).  When nb <= 126 the X_j and their
   differences (|.| < 2^127) are 128-bit integers; otherwise the same sums are
   made in MPFR at nb + 1 bits, where every operation is exact.  */

static int
ceil_log2 (size_t n)
{
  int c = 0;
  while (c < (int) (8 * sizeof (size_t)) - 1 && ((size_t) 1 << c) < n)
    c++;
  return c;
}

#ifdef __SIZEOF_INT128__
/* r = v 2^e exactly; prec(r) >= 128 > bits of v.  tmp is 106-bit scratch.  */
static void
set_i128_2exp (mpfr_ptr r, i128_t v, long e, mpfr_ptr tmp)
{
  u128_t a = v < 0 ? -(u128_t) v : (u128_t) v;
  uintmax_t hi = (uintmax_t) (a >> 64), lo = (uintmax_t) (a & 0xffffffffffffffffULL);
  if (hi == 0)
    mpfr_set_uj_2exp (r, lo, e, MPFR_RNDN);
  else
    {
      mpfr_set_uj_2exp (r, hi, e + 64, MPFR_RNDN);
      mpfr_set_uj_2exp (tmp, lo, e, MPFR_RNDN);
      mpfr_add (r, r, tmp, MPFR_RNDN);
    }
  if (v < 0)
    mpfr_neg (r, r, MPFR_RNDN);
}
#endif

static int
row_scores (fgap_truth_ws *ws, size_t i, fgap_truth_count *cnt, fga_error *err)
{
  const fgap_truth_problem *pb = ws->pb;
  size_t nk = pb->nk, d = pb->d;
  const fgap_truth_dbl *q = pb->q + i * d;
  int lo = INT_MAX, hi = INT_MIN;
  size_t deff = 0;
  for (size_t c = 0; c < d; c++)
    if (q[c].m != 0 && pb->kcol_nz[c])
      {
        if (q[c].e + pb->kcol_lo[c] < lo)
          lo = q[c].e + pb->kcol_lo[c];
        if (q[c].h + pb->kcol_hi[c] > hi)
          hi = q[c].h + pb->kcol_hi[c];
        deff++;
      }
  if (deff == 0)
    lo = hi = 0;
  long nb = deff == 0 ? 0 : (long) hi - lo + ceil_log2 (deff);

  /* d products and d - 1 sums per score, a max and a min, nk differences. */
  cnt->mul += (uint64_t) nk * d;
  cnt->add += (uint64_t) nk * (d - 1) + nk;
  cnt->cmp += 2 * (uint64_t) (nk - 1);

  size_t jm = 0, jn = 0;
#ifdef __SIZEOF_INT128__
  if (nb <= FGA_TRUTH_NARROW_BITS)
    {
      i128_t *X = ws->X;
      for (size_t j = 0; j < nk; j++)
        {
          const fgap_truth_dbl *kj = pb->k + j * d;
          i128_t acc = 0;
          for (size_t c = 0; c < d; c++)
            if (q[c].m != 0 && kj[c].m != 0)
              {
                /* |q.m k.m| < 2^106, shifted it stays below 2^nb: no overflow. */
                i128_t t = (i128_t) q[c].m * kj[c].m;
                acc += (i128_t) ((u128_t) t << (q[c].e + kj[c].e - lo));
              }
          X[j] = acc;
        }
      for (size_t j = 1; j < nk; j++)
        {
          if (X[j] > X[jm])
            jm = j;
          if (X[j] < X[jn])
            jn = j;
        }
      mpfr_ptr tmp = ws->g.x[d + 1];
      for (size_t j = 0; j < nk; j++)
        set_i128_2exp (ws->D.x[j], X[j] - X[jm], lo, tmp);
      set_i128_2exp (ws->D.x[nk], X[jm], lo, tmp);
      ws->jm = jm;
      ws->jmin = jn;
      return FGA_OK;
    }
#endif

  /* The wide path: x_j at nb + 1 bits (and at least 128, the room of one
     product), every product and sum exact by the bit count above; the
     ternary values check it.  */
  mpfr_prec_t need = nb + 1 < 128 ? 128 : (mpfr_prec_t) nb + 1;
  if (need > ws->D.prec)
    {
      fgap_truth_vec_free (&ws->D, ws->mt);
      int rc = fgap_truth_vec_alloc (&ws->D, nk + 1, need, ws->mt, err);
      if (rc != FGA_OK)
        return rc;
    }
  for (size_t c = 0; c < d; c++)
    mpfr_set_d (ws->g.x[c], pb->Q[i * d + c], MPFR_RNDN);
  mpfr_ptr prod = ws->g.x[d];
  int inex = 0;
  for (size_t j = 0; j < nk; j++)
    {
      mpfr_ptr xj = ws->D.x[j];
      const double *kj = pb->K + j * d;
      inex |= mpfr_mul_d (xj, ws->g.x[0], kj[0], MPFR_RNDN);
      for (size_t c = 1; c < d; c++)
        {
          inex |= mpfr_mul_d (prod, ws->g.x[c], kj[c], MPFR_RNDN);
          inex |= mpfr_add (xj, xj, prod, MPFR_RNDN);
        }
    }
  for (size_t j = 1; j < nk; j++)
    {
      if (mpfr_cmp (ws->D.x[j], ws->D.x[jm]) > 0)
        jm = j;
      if (mpfr_cmp (ws->D.x[j], ws->D.x[jn]) < 0)
        jn = j;
    }
  mpfr_set (ws->D.x[nk], ws->D.x[jm], MPFR_RNDN);
  for (size_t j = 0; j < nk; j++)
    inex |= mpfr_sub (ws->D.x[j], ws->D.x[j], ws->D.x[nk], MPFR_RNDN);
  if (inex != 0)
    return internal_error (err, "a score", i);
  ws->jm = jm;
  ws->jmin = jn;
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* The Ziv test (lemma 8): [W - beta, W + beta] holds the exact value, and if
   both of its ends, rounded outward, round to the same double, so does every
   point in between: that double is the nearest to the exact value.  */

static int
decided (mpfr_srcptr W, mpfr_srcptr beta, mpfr_ptr lo, mpfr_ptr hi, fgap_truth_count *cnt)
{
  cnt->add += 2;
  mpfr_sub (lo, W, beta, MPFR_RNDD);
  mpfr_add (hi, W, beta, MPFR_RNDU);
  return mpfr_get_d (lo, MPFR_RNDN) == mpfr_get_d (hi, MPFR_RNDN);
}

/* |x| r, rounded up.  */
static void
abs_mul_up (mpfr_ptr rop, mpfr_srcptr x, mpfr_srcptr r, fgap_truth_count *cnt)
{
  cnt->mul++;
  mpfr_mul (rop, x, r, MPFR_RNDA);
  mpfr_abs (rop, rop, MPFR_RNDU);
}

/* One pass of row i at the precision of level lv: the working values, their
   bounds and the Ziv test.  *und receives the number of entries (and lse)
   not decided.  */
static int
row_pass (fgap_truth_ws *ws, size_t i, const fgap_truth_level *lv, size_t *und,
          fgap_truth_count *cnt, fga_error *err)
{
  const fgap_truth_problem *pb = ws->pb;
  size_t nk = pb->nk, dv = pb->dv;
  mpfr_prec_t p = lv->p;
  int rc = set_precision (ws, p, err);
  if (rc != FGA_OK)
    return rc;
  mpfr_ptr t = ws->s.x[S_T], L = ws->s.x[S_L], Y = ws->s.x[S_Y];
  mpfr_ptr bT = ws->b.x[B_T], bX = ws->b.x[B_X], bF = ws->b.x[B_F], bQ = ws->b.x[B_Q],
    btmp = ws->b.x[B_TMP];
  mpfr_ptr const *r = lv->r;

  /* Lemma 3: t_j <= 0, and t_min = o(tau~ D_min) is the least of them, so
     T = |t_min| bounds |t_j|.  Only when t_min < -2^60 are the t_j tested
     one by one for the underflow guard of lemma 4; T is then capped at 2^60. */
  cnt->mul++;
  mpfr_mul (t, ws->D.x[ws->jmin], lv->tau, MPFR_RNDN);
  mpfr_abs (bT, t, MPFR_RNDU);
  cnt->cmp++;
  int guard = mpfr_cmp_si_2exp (t, -1, FGA_TRUTH_UNDER_LOG2) < 0;
  if (guard)
    mpfr_set_ui_2exp (bT, 1, FGA_TRUTH_UNDER_LOG2, MPFR_RNDU);

  int inex_t = 0, inex_e = 0;
  size_t nunder = 0;
  for (size_t j = 0; j < nk; j++)
    {
      /* tau D_j = t_j (1 + alpha)(1 + gamma_j), |alpha|, |gamma_j| <= u (lemma 3) */
      cnt->mul++;
      inex_t |= mpfr_mul (t, ws->D.x[j], lv->tau, MPFR_RNDN);
      if (guard)
        {
          cnt->cmp++;
          if (mpfr_cmp_si_2exp (t, -1, FGA_TRUTH_UNDER_LOG2) < 0)
            {
              /* the true weight is below exp(-2^59) < 2^(-2^59): lemma 4's G_u */
              mpfr_set_zero (ws->e.x[j], 1);
              nunder++;
              continue;
            }
        }
      /* exp(t_j) = e_j (1 + eps_j), |eps_j| <= u */
      cnt->exp++;
      inex_e |= mpfr_exp (ws->e.x[j], t, MPFR_RNDN);
    }

  /* sum_j e_j = L (1 + lambda), |lambda| <= u: mpfr_sum rounds correctly. */
  cnt->add += nk - 1;
  int lam = mpfr_sum (L, ws->eptr, nk, MPFR_RNDN) != 0;

  int inex_p = 0;
  for (size_t c = 0; c < dv; c++)
    {
      mpfr_t *vc = pb->vt + c * nk;
      /* e_j V_jc has at most p + 53 bits: exact. */
      cnt->mul += nk;
      for (size_t j = 0; j < nk; j++)
        inex_p |= mpfr_mul (ws->pr.x[j], ws->e.x[j], vc[j], MPFR_RNDN);
      /* sum_j e_j V_jc = Y (1 + psi_c), |psi_c| <= u */
      cnt->add += nk - 1;
      int psi = mpfr_sum (Y, ws->pptr, nk, MPFR_RNDN) != 0;
      /* Y / L = W_c (1 + omega_c), |omega_c| <= u */
      cnt->div++;
      int omega = mpfr_div (ws->w.x[c], Y, L, MPFR_RNDN) != 0;
      ws->flag[c] = lam + psi + omega;
    }
  if (inex_p != 0)
    return internal_error (err, "a product e_j V_jc", i);

  /* Lemma 4: with eta = (1 + alpha)(1 + gamma) - 1 <= r[k_eta], every weight
     not guarded satisfies |a_j / e_j - 1| <= (1 + u) exp (eta T) - 1
       = expm1 (eta T) + u (1 + expm1 (eta T)) =: F,
     (the u term only when some exp was inexact), and the guarded ones add
     G_u = nunder 2^(-2^59).  F' = F + G_u.  */
  int keta = lv->tau_inexact + (inex_t != 0);
  cnt->mul++;
  mpfr_mul (bX, r[keta], bT, MPFR_RNDU);
  cnt->exp++;
  mpfr_expm1 (bX, bX, MPFR_RNDU);
  if (inex_e != 0)
    {
      cnt->add += 2;
      cnt->mul++;
      mpfr_add_ui (btmp, bX, 1, MPFR_RNDU);
      mpfr_mul_2si (btmp, btmp, -(long) p, MPFR_RNDU);
      mpfr_add (bF, bX, btmp, MPFR_RNDU);
    }
  else
    mpfr_set (bF, bX, MPFR_RNDU);
  if (nunder > 0)
    {
      /* a guarded weight is below exp (t_j (1 - eta)) <= exp (-2^59) only
         when eta <= 1/2, which fails at p <= 2: then no bound (lemma 4) */
      cnt->cmp++;
      if (mpfr_cmp_ui_2exp (r[keta], 1, -1) <= 0)
        {
          cnt->add++;
          mpfr_set_ui_2exp (btmp, (unsigned long) nunder, -((long) 1 << 59), MPFR_RNDU);
          mpfr_add (bF, bF, btmp, MPFR_RNDU);
        }
      else
        mpfr_set_inf (bF, 1);
    }
  /* Lemma 5: Q = F' / (1 - F') bounds the weights' part, times the range of V. */
  cnt->cmp++;
  if (mpfr_cmp_ui (bF, 1) < 0)
    {
      cnt->add++;
      cnt->div++;
      mpfr_ui_sub (btmp, 1, bF, MPFR_RNDD);
      mpfr_div (bQ, bF, btmp, MPFR_RNDU);
    }
  else
    mpfr_set_inf (bQ, 1);

  /* Theorem 1: |W_c - Att_c| <= |W_c| r[k_c] + range_c Q, with k_c the
     number of inexact roundings among o(L), o(Y_c) and W_c, since
     (1 + omega)(1 + psi) / (1 - lambda) - 1 <= (1 - u)^-k - 1.  */
  size_t n_und = 0;
  for (size_t c = 0; c < dv; c++)
    {
      mpfr_ptr beta = ws->beta.x[c];
      abs_mul_up (beta, ws->w.x[c], r[ws->flag[c]], cnt);
      if (!mpfr_zero_p (pb->vrange[c]))
        {
          /* a constant column has no weights' part at all (lemma 5) */
          cnt->mul++;
          cnt->add++;
          mpfr_mul (btmp, pb->vrange[c], bQ, MPFR_RNDU);
          mpfr_add (beta, beta, btmp, MPFR_RNDU);
        }
      if (!decided (ws->w.x[c], beta, ws->s.x[S_LO], ws->s.x[S_HI], cnt))
        n_und++;
    }

  if (pb->want_lse)
    {
      /* Theorem 2: lse = tau x_m + log L + log (1 + lambda) + log (1 + kappa),
         |kappa| <= F'; Z = o(o(tau~ x_m) + o(log o(L))).  */
      mpfr_ptr Sm = ws->s.x[S_SM], ell = ws->s.x[S_ELL], Z = ws->s.x[S_Z];
      mpfr_ptr beta = ws->beta.x[dv];
      cnt->mul++;
      int sig = mpfr_mul (Sm, ws->D.x[nk], lv->tau, MPFR_RNDN) != 0;
      cnt->exp++;
      int nu = mpfr_log (ell, L, MPFR_RNDN) != 0;
      cnt->add++;
      int zeta = mpfr_add (Z, Sm, ell, MPFR_RNDN) != 0;
      /* |Sm| r[alpha + sigma] + |ell| r[nu] + |Z| r[zeta] + r[lambda] + Q */
      abs_mul_up (beta, Sm, r[lv->tau_inexact + sig], cnt);
      abs_mul_up (btmp, ell, r[nu], cnt);
      cnt->add += 4;
      mpfr_add (beta, beta, btmp, MPFR_RNDU);
      abs_mul_up (btmp, Z, r[zeta], cnt);
      mpfr_add (beta, beta, btmp, MPFR_RNDU);
      mpfr_add (beta, beta, r[lam], MPFR_RNDU);
      mpfr_add (beta, beta, bQ, MPFR_RNDU);
      ws->lse_decided = decided (Z, beta, ws->s.x[S_LO], ws->s.x[S_HI], cnt);
      if (!ws->lse_decided)
        n_und++;
    }
  *und = n_und;
  return FGA_OK;
}

/* ------------------------------------------------------------------ */

int
fgap_truth_row (fgap_truth_ws *ws, size_t i, double *Trow, double *lse_i, mpfr_t *Wrow,
               mpfr_t *Erow, fgap_truth_row_info *ri, fgap_truth_count *cnt,
               fga_error *err)
{
  const fgap_truth_problem *pb = ws->pb;
  int rc = row_scores (ws, i, cnt, err);
  if (rc != FGA_OK)
    return rc;

  /* Ziv's loop: the scores are exact and kept; everything after them is
     made again at the next precision until every entry is decided or the
     last level is reached.  */
  size_t li = 0, und = 0;
  for (;;)
    {
      rc = row_pass (ws, i, &pb->lev[li], &und, cnt, err);
      if (rc != FGA_OK)
        return rc;
      if (und == 0 || li + 1 == pb->nlev)
        break;
      li++;
    }
  mpfr_prec_t p = pb->lev[li].p;
  ri->prec = p;
  ri->raised = li > 0;
  ri->undecided = und;

  for (size_t c = 0; c < pb->dv; c++)
    {
      Trow[c] = mpfr_get_d (ws->w.x[c], MPFR_RNDN);
      if (Wrow != NULL)
        {
          if (mpfr_get_prec (Wrow[c]) != p)
            mpfr_set_prec (Wrow[c], p);
          mpfr_set (Wrow[c], ws->w.x[c], MPFR_RNDN);
        }
      if (Erow != NULL)
        {
          if (mpfr_get_prec (Erow[c]) != p)
            mpfr_set_prec (Erow[c], p);
          mpfr_set (Erow[c], ws->beta.x[c], MPFR_RNDU);
        }
    }
  if (pb->want_lse && lse_i != NULL)
    {
      /* The exponent range is MPFR's widest here, so Z is never Inf, and
         mpfr_get_d rounds it as IEEE does: to +-Inf exactly when
         |Z| >= DBL_MAX + ulp(DBL_MAX)/2 = 2^1024 - 2^970.  When lse is
         decided the exact lse rounds the same way, so it truly lies beyond
         the doubles, and a double cannot hold it.  When it is not decided,
         the exact lse lies within beta of Z, at the edge of the range:
         +-Inf is not proved, and neither is +-DBL_MAX.  Either way the
         request is refused rather than answered with an infinity (the
         callers refuse undecided values too).  */
      mpfr_srcptr Z = ws->s.x[S_Z];
      double z = mpfr_get_d (Z, MPFR_RNDN);
      if (isinf (z) && ws->lse_decided)
        return fgap_error_set (err, FGA_ERR_COMPUTE,
                              "fga_truth: the log-sum-exp of row %zu is %s2^%ld or beyond: it "
                              "lies outside the double range (|lse| > 1.8e308), where a double "
                              "cannot hold it; run without lse", i, z > 0 ? "" : "-",
                              (long) mpfr_get_exp (Z) - 1);
      if (isinf (z))
        return fgap_error_set (err, FGA_ERR_COMPUTE,
                              "fga_truth: the log-sum-exp of row %zu, near %s2^1024, was not "
                              "decided at %ld bits: whether it lies outside the double range "
                              "is not proved; run without lse", i, z > 0 ? "" : "-",
                              (long) ws->p);
      *lse_i = z;
    }
  return FGA_OK;
}
