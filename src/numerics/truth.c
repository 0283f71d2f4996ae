/* fga_truth -- the certified ground truth: correctly rounded attention, a proved bound per entry

   Special cases (validation), then the rows in parallel, each a Ziv loop
   (truth_row.c), then the outputs.  The error analysis is in
   theory/ground-truth.md; truth_row.c carries its chain of (1 + eps)
   factors next to the code.  */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"
#include "numerics/truth-impl.h"

#include <limits.h>
#ifdef _OPENMP
# include <omp.h>
#endif

#define DEFAULT_PREC 128
#define DEFAULT_PREC_MAX 8192

/* Room above the working precision for the exact products e_j V_jc.  */
#define PREC_ROOM 64

/* Query-key pairs from which the rows are shared among threads.  */
#define PARALLEL_PAIRS 4096

/* Progress is reported at most this many times per call (plus the final 1). */
#define PROGRESS_STEPS 1024

/* The progress of this thread's calls (fga_truth_set_progress).  */
static _Thread_local fga_progress truth_progress;

fga_progress
fga_truth_set_progress (const fga_progress *p)
{
  fga_progress old = truth_progress;
  truth_progress.fn = p != NULL ? p->fn : NULL;
  truth_progress.data = p != NULL ? p->data : NULL;
  return old;
}

/* Called by the caller's thread (thread 0 of the team) after each of its
   rows: done / nq, in PROGRESS_STEPS steps at most, below 1 (the final 1
   comes once the outputs are finished).  Rows are the unit of work (a row
   raised to a higher precision costs more, which no prediction knows in
   advance).  */
static void
report_rows (const fga_progress *pr, size_t *done, size_t nq, unsigned *last)
{
  size_t k = __atomic_load_n (done, __ATOMIC_RELAXED);
  unsigned step = (unsigned) ((double) k / (double) nq * PROGRESS_STEPS);
  if (step >= PROGRESS_STEPS)
    step = PROGRESS_STEPS - 1;
  if (step > *last)
    {
      *last = step;
      pr->fn ((double) step / PROGRESS_STEPS, pr->data);
    }
}

/* One more row done; the caller's thread reports.  */
static void
count_row_done (const fga_progress *pr, size_t *done, size_t nq, unsigned *last)
{
  if (pr->fn == NULL)
    return;
  __atomic_add_fetch (done, 1, __ATOMIC_RELAXED);
#ifdef _OPENMP
  if (omp_get_thread_num () == 0)
#endif
    report_rows (pr, done, nq, last);
}

static int
validate (fga_mat_srcptr T, fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V,
          const fga_tau *tau, mpfr_prec_t p, mpfr_prec_t pmax, fga_error *err)
{
  if (T == NULL || Q == NULL || K == NULL || V == NULL || tau == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_truth: T, Q, K, V and tau must not be NULL");
  if (Q->rows == 0 || Q->cols == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_truth: Q is %zu x %zu; it needs at least "
                          "one row and one column", Q->rows, Q->cols);
  if (K->rows == 0 || K->cols != Q->cols)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_truth: K is %zu x %zu; it must be nk x d "
                          "with nk >= 1 and d = %zu (the columns of Q)", K->rows, K->cols,
                          Q->cols);
  if (V->rows != K->rows || V->cols == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_truth: V is %zu x %zu; it must be nk x dv "
                          "with nk = %zu (the rows of K) and dv >= 1", V->rows, V->cols,
                          K->rows);
  if (T->rows != Q->rows || T->cols != V->cols || T->data == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_truth: T is %zu x %zu; it must be an "
                          "allocated nq x dv = %zu x %zu matrix", T->rows, T->cols, Q->rows,
                          V->cols);
  if (tau->kind != FGA_TAU_INV_D && tau->kind != FGA_TAU_INV_SQRT_D
      && tau->kind != FGA_TAU_VALUE)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_truth: tau has an unknown kind %d",
                          (int) tau->kind);
  if (tau->kind == FGA_TAU_VALUE && !(isfinite (tau->value) && tau->value > 0))
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_truth: tau = %g is not a positive finite "
                          "number", tau->value);
  if (p < MPFR_PREC_MIN || p > MPFR_PREC_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_truth: prec = %ld is outside MPFR's range "
                          "[%ld, %ld]", (long) p, (long) MPFR_PREC_MIN, (long) MPFR_PREC_MAX);
  if (pmax < p)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_truth: prec_max = %ld is below prec = %ld",
                          (long) pmax, (long) p);
  if (pmax > MPFR_PREC_MAX - PREC_ROOM)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_truth: prec_max = %ld is above %ld (MPFR's "
                          "largest precision less room for exact products)", (long) pmax,
                          (long) (MPFR_PREC_MAX - PREC_ROOM));
  int rc;
  if ((rc = fga_mat_check_finite (Q, "fga_truth: Q", err)) != FGA_OK
      || (rc = fga_mat_check_finite (K, "fga_truth: K", err)) != FGA_OK
      || (rc = fga_mat_check_finite (V, "fga_truth: V", err)) != FGA_OK)
    return rc;
  return FGA_OK;
}

/* a = m 2^e, m odd, |a| < 2^h (lemma 2).  */
static void
decompose (fgap_truth_dbl *o, double a)
{
  if (a == 0)
    {
      o->m = 0;
      o->e = 0;
      o->h = 0;
      return;
    }
  int ex;
  double fr = frexp (a, &ex);
  /* |fr| in [1/2, 1) has at most 53 significant bits, subnormals included. */
  int64_t m = (int64_t) ldexp (fr, 53);
  int e = ex - 53;
  int tz = __builtin_ctzll ((unsigned long long) (m < 0 ? -m : m));
  o->m = m / ((int64_t) 1 << tz);
  o->e = e + tz;
  o->h = ex;
}

/* The shared, read-only part: decomposed inputs, V as numbers, the levels.  */
typedef struct
{
  fgap_truth_problem pb;
  fgap_truth_dbl *q, *k;
  size_t qbytes, kbytes;
  int *kcol;                   /* 2 d: lo then hi */
  char *knz;
  fgap_truth_vec vt, vrange;
  fgap_truth_level *lev;
  fgap_truth_vec *levv;       /* per level: tau at p, then r[0..3] at FGA_TRUTH_BPREC */
  size_t nlev;
} shared_t;

static void
shared_free (shared_t *sh, fgap_memtrack *mt)
{
  fgap_tfree (mt, sh->q, sh->qbytes);
  fgap_tfree (mt, sh->k, sh->kbytes);
  fgap_tfree (mt, sh->kcol, 2 * sh->pb.d * sizeof (int));
  fgap_tfree (mt, sh->knz, sh->pb.d);
  fgap_truth_vec_free (&sh->vt, mt);
  fgap_truth_vec_free (&sh->vrange, mt);
  if (sh->levv != NULL)
    for (size_t l = 0; l < 2 * sh->nlev; l++)
      fgap_truth_vec_free (&sh->levv[l], mt);
  fgap_tfree (mt, sh->levv, 2 * sh->nlev * sizeof (fgap_truth_vec));
  fgap_tfree (mt, sh->lev, sh->nlev * sizeof (fgap_truth_level));
}

/* tau at the precision of rop, with an honest ternary value.  fga_tau_mpfr
   makes d a number at that precision before taking 1/sqrt: below 64 bits
   that may round d and still report 1/sqrt(rounded d) as exact, so d gets
   room of its own here.  */
static int
tau_at (mpfr_ptr rop, const fga_tau *tau, size_t d)
{
  mpfr_prec_t room = (mpfr_prec_t) (8 * sizeof (uintmax_t));
  if (tau->kind == FGA_TAU_INV_SQRT_D && mpfr_get_prec (rop) < room)
    {
      mpfr_t dd;
      mpfr_init2 (dd, room);
      mpfr_set_uj (dd, (uintmax_t) d, MPFR_RNDN);
      int t = mpfr_rec_sqrt (rop, dd, MPFR_RNDN);
      mpfr_clear (dd);
      return t;
    }
  return fga_tau_mpfr (rop, tau, d);
}

/* The fast path's set-up, with tau at 128 bits; *fast stays NULL when the
   instance is outside its range (truth_fast.c).  */
static int
make_fast (fgap_truth_fast **fast, const fgap_truth_problem *pb, fga_mat_srcptr V,
           const fga_tau *tau, fgap_memtrack *mt, fga_error *err)
{
  mpfr_t t;
  mpfr_init2 (t, 128);
  int inexact = tau_at (t, tau, pb->d) != 0;
  int rc = fgap_truth_fast_new (fast, pb, V->data, t, inexact, mt, err);
  mpfr_clear (t);
  return rc;
}

/* The precisions of Ziv's loop: p_0 = prec, p_{k+1} = min (2 p_k + 32, prec_max). */
static size_t
level_count (mpfr_prec_t p, mpfr_prec_t pmax)
{
  size_t n = 1;
  while (p < pmax)
    {
      p = p > (pmax - 32) / 2 ? pmax : 2 * p + 32;
      n++;
    }
  return n;
}

static int
make_levels (shared_t *sh, const fga_tau *tau, mpfr_prec_t p0, mpfr_prec_t pmax,
             fgap_memtrack *mt, fgap_truth_count *cnt, fga_error *err)
{
  size_t n = level_count (p0, pmax);
  sh->lev = fgap_talloc (mt, n * sizeof (fgap_truth_level), "the precision levels", err);
  if (sh->lev == NULL)
    return FGA_ERR_NOMEM;
  sh->levv = fgap_talloc (mt, 2 * n * sizeof (fgap_truth_vec), "the precision levels", err);
  if (sh->levv == NULL)
    {
      fgap_tfree (mt, sh->lev, n * sizeof (fgap_truth_level));
      sh->lev = NULL;
      return FGA_ERR_NOMEM;
    }
  memset (sh->levv, 0, 2 * n * sizeof (fgap_truth_vec));
  sh->nlev = n;
  mpfr_prec_t p = p0;
  for (size_t l = 0; l < n; l++)
    {
      fgap_truth_level *lv = &sh->lev[l];
      int rc = fgap_truth_vec_alloc (&sh->levv[2 * l], 1, p, mt, err);
      if (rc == FGA_OK)
        rc = fgap_truth_vec_alloc (&sh->levv[2 * l + 1], 6, FGA_TRUTH_BPREC, mt, err);
      if (rc != FGA_OK)
        return rc;
      lv->p = p;
      lv->tau = sh->levv[2 * l].x[0];
      if (tau->kind != FGA_TAU_VALUE)
        cnt->div++;            /* 1/d, or 1/sqrt(d) counted as one division */
      lv->tau_inexact = tau_at (lv->tau, tau, sh->pb.d) != 0;
      mpfr_t *r = sh->levv[2 * l + 1].x;
      mpfr_ptr den = r[4], omu = r[5];
      for (int k = 0; k < 4; k++)
        lv->r[k] = r[k];
      /* Lemma 1: (1 - u)^-k - 1 = (1 - (1 - u)^k) / (1 - u)^k <= k u / (1 - u)^k,
         numerator rounded up (it is exact), denominator down.  */
      mpfr_set_zero (r[0], 1);
      cnt->add++;
      mpfr_set_ui_2exp (omu, 1, -(long) p, MPFR_RNDU);
      mpfr_ui_sub (omu, 1, omu, MPFR_RNDD);
      mpfr_set (den, omu, MPFR_RNDD);
      for (int k = 1; k <= 3; k++)
        {
          if (k > 1)
            {
              cnt->mul++;
              mpfr_mul (den, den, omu, MPFR_RNDD);
            }
          cnt->div++;
          mpfr_set_ui_2exp (r[k], (unsigned long) k, -(long) p, MPFR_RNDU);
          mpfr_div (r[k], r[k], den, MPFR_RNDU);
        }
      p = p > (pmax - 32) / 2 ? pmax : 2 * p + 32;
    }
  return FGA_OK;
}

static int
make_shared (shared_t *sh, fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V,
             const fga_tau *tau, mpfr_prec_t p0, mpfr_prec_t pmax, int want_lse,
             fgap_memtrack *mt, fgap_truth_count *cnt, fga_error *err)
{
  size_t nq = Q->rows, nk = K->rows, d = Q->cols, dv = V->cols;
  memset (sh, 0, sizeof *sh);
  sh->pb.nq = nq;
  sh->pb.nk = nk;
  sh->pb.d = d;
  sh->pb.dv = dv;
  sh->pb.Q = Q->data;
  sh->pb.K = K->data;
  sh->pb.want_lse = want_lse;
  size_t nvt;
  if (fgap_size_mul (&sh->qbytes, nq * d, sizeof (fgap_truth_dbl))
      || fgap_size_mul (&sh->kbytes, nk * d, sizeof (fgap_truth_dbl))
      || fgap_size_mul (&nvt, nk, dv))
    return fgap_error_set (err, FGA_ERR_NOMEM, "fga_truth: the instance is too large to "
                          "decompose");
  if ((sh->q = fgap_talloc (mt, sh->qbytes, "the decomposed Q", err)) == NULL
      || (sh->k = fgap_talloc (mt, sh->kbytes, "the decomposed K", err)) == NULL
      || (sh->kcol = fgap_talloc (mt, 2 * d * sizeof (int), "K's column exponents", err)) == NULL
      || (sh->knz = fgap_talloc (mt, d, "K's column flags", err)) == NULL)
    return FGA_ERR_NOMEM;

  for (size_t t = 0; t < nq * d; t++)
    decompose (&sh->q[t], Q->data[t]);
  for (size_t t = 0; t < nk * d; t++)
    decompose (&sh->k[t], K->data[t]);
  int *klo = sh->kcol, *khi = sh->kcol + d;
  for (size_t c = 0; c < d; c++)
    {
      klo[c] = INT_MAX;
      khi[c] = INT_MIN;
      sh->knz[c] = 0;
      for (size_t j = 0; j < nk; j++)
        {
          const fgap_truth_dbl *a = &sh->k[j * d + c];
          if (a->m == 0)
            continue;
          sh->knz[c] = 1;
          if (a->e < klo[c])
            klo[c] = a->e;
          if (a->h > khi[c])
            khi[c] = a->h;
        }
    }
  sh->pb.q = sh->q;
  sh->pb.k = sh->k;
  sh->pb.kcol_lo = klo;
  sh->pb.kcol_hi = khi;
  sh->pb.kcol_nz = sh->knz;

  /* V transposed as exact numbers, so that a column is contiguous; and the
     range of each column, rounded up (lemma 5).  */
  int rc = fgap_truth_vec_alloc (&sh->vt, nvt, 53, mt, err);
  if (rc == FGA_OK)
    rc = fgap_truth_vec_alloc (&sh->vrange, dv, FGA_TRUTH_BPREC, mt, err);
  if (rc != FGA_OK)
    return rc;
  for (size_t c = 0; c < dv; c++)
    {
      double vmax = FGA_MAT (V, 0, c), vmin = vmax;
      for (size_t j = 0; j < nk; j++)
        {
          double v = FGA_MAT (V, j, c);
          mpfr_set_d (sh->vt.x[c * nk + j], v, MPFR_RNDN);
          if (j > 0)
            {
              vmax = fmax (vmax, v);
              vmin = fmin (vmin, v);
            }
        }
      cnt->cmp += 2 * (uint64_t) (nk - 1);
      cnt->add++;
      mpfr_set_d (sh->vrange.x[c], vmax, MPFR_RNDU);
      mpfr_sub_d (sh->vrange.x[c], sh->vrange.x[c], vmin, MPFR_RNDU);
    }
  sh->pb.vt = sh->vt.x;
  sh->pb.vrange = sh->vrange.x;

  rc = make_levels (sh, tau, p0, pmax, mt, cnt, err);
  if (rc != FGA_OK)
    return rc;
  sh->pb.lev = sh->lev;
  sh->pb.nlev = sh->nlev;
  return FGA_OK;
}

static void
count_add (fgap_truth_count *to, const fgap_truth_count *from)
{
  to->mul += from->mul;
  to->add += from->add;
  to->exp += from->exp;
  to->div += from->div;
  to->cmp += from->cmp;
}

/* Raises every entry to precision p (exact: more bits), and moves values
   outside the caller's exponent range [emin, emax] into it, keeping the bound
   a bound: a W below the range becomes 0 and its size joins the bound.  */
static void
finish_outputs (fga_mpfr_mat_ptr W, fga_mpfr_mat_ptr Werr, size_t count, mpfr_prec_t p,
                mpfr_exp_t emin, mpfr_exp_t emax, fgap_truth_count *cnt)
{
  for (size_t t = 0; t < count; t++)
    {
      mpfr_ptr w = W != NULL ? W->data[t] : NULL, e = Werr != NULL ? Werr->data[t] : NULL;
      if (w != NULL && mpfr_get_prec (w) < p)
        mpfr_prec_round (w, p, MPFR_RNDN);
      if (e != NULL && mpfr_get_prec (e) < p)
        mpfr_prec_round (e, p, MPFR_RNDU);
      if (w != NULL && mpfr_regular_p (w) && mpfr_get_exp (w) < emin)
        {
          if (e != NULL)
            {
              cnt->add++;
              if (mpfr_sgn (w) > 0)
                mpfr_add (e, e, w, MPFR_RNDU);
              else
                mpfr_sub (e, e, w, MPFR_RNDU);
            }
          mpfr_set_zero (w, mpfr_sgn (w));
        }
      else if (w != NULL && mpfr_regular_p (w) && mpfr_get_exp (w) > emax)
        {
          mpfr_set_inf (w, mpfr_sgn (w));
          if (e != NULL)
            mpfr_set_inf (e, 1);
        }
      if (e != NULL && mpfr_regular_p (e))
        {
          if (mpfr_get_exp (e) > emax)
            mpfr_set_inf (e, 1);
          else if (mpfr_get_exp (e) < emin)
            mpfr_set_ui_2exp (e, 1, emin - 1, MPFR_RNDU);
        }
    }
  if (W != NULL)
    W->prec = p;
  if (Werr != NULL)
    Werr->prec = p;
}

int
fga_truth (fga_mat_ptr T, double *lse, fga_mpfr_mat_ptr W, fga_mpfr_mat_ptr Werr,
           fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V, const fga_tau *tau,
           const fga_truth_opts *opts, fga_truth_info *info, fga_stats *st,
           fga_error *err)
{
  mpfr_prec_t p0 = opts != NULL ? opts->prec : DEFAULT_PREC;
  mpfr_prec_t pmax = opts != NULL ? opts->prec_max : DEFAULT_PREC_MAX;
  const fga_progress pr = truth_progress;   /* this thread's, read once */
  int rc = validate (T, Q, K, V, tau, p0, pmax, err);
  if (rc != FGA_OK)
    return rc;
  size_t nq = Q->rows, dv = V->cols;

  /* Every intermediate fits MPFR's widest exponent range (theory, section 6);
     the caller's range and flags are put back before returning.  */
  fgap_mpfr_state st0;
  fgap_mpfr_state_save (&st0);

  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  fgap_truth_count total = { 0, 0, 0, 0, 0 };
  shared_t sh;
  rc = make_shared (&sh, Q, K, V, tau, p0, pmax, lse != NULL, &mt, &total, err);
  if (rc == FGA_OK && W != NULL)
    {
      if (W->data != NULL)
        fga_mpfr_mat_clear (W);
      rc = fga_mpfr_mat_init2 (W, nq, dv, p0, err);
    }
  if (rc == FGA_OK && Werr != NULL)
    {
      if (Werr->data != NULL)
        fga_mpfr_mat_clear (Werr);
      rc = fga_mpfr_mat_init2 (Werr, nq, dv, p0, err);
    }

  /* The fast path, unless it is off or W / Werr want MPFR's working values. */
  fgap_truth_fast *fast = NULL;
  int want_fast = (opts == NULL || !opts->fast_off) && W == NULL && Werr == NULL;
  if (rc == FGA_OK && want_fast)
    rc = make_fast (&fast, &sh.pb, V, tau, &mt, err);

  size_t undecided = 0, raised = 0, rows_done = 0, fast_entries = 0, fallback_rows = 0;
  unsigned reported = 0;
  mpfr_prec_t pused = p0;
  int nthreads = 1;
  int failed = rc != FGA_OK;
  /* MPFR built without thread-local state is not thread-safe; and below a
     few thousand query-key pairs (a few ms of work) waking the threads costs
     more than it saves.  */
  int parallel = mpfr_buildopt_tls_p () && nq > 1 && K->rows >= (PARALLEL_PAIRS + nq - 1) / nq;

  if (rc == FGA_OK)
#pragma omp parallel if (parallel) default(shared)
  {
    /* MPFR's exponent range and flags are per thread: widen them here too. */
    fgap_mpfr_state tst;
    fgap_mpfr_state_save (&tst);
    fga_error lerr;
    fga_error_init (&lerr);
    fgap_truth_count cnt = { 0, 0, 0, 0, 0 };
    size_t l_und = 0, l_raised = 0;
    mpfr_prec_t l_pused = p0;
    int lrc = FGA_OK;
    size_t l_fast = 0, l_fallback = 0;
    fgap_truth_ws *ws = fgap_truth_ws_new (&sh.pb, &mt, &lerr);
    fgap_truth_fast_ws *fws = NULL;
    if (ws != NULL && fast != NULL && (fws = fgap_truth_fast_ws_new (fast, &mt, &lerr)) == NULL)
      {
        fgap_truth_ws_free (ws);
        ws = NULL;
      }
    if (ws == NULL)
      {
        lrc = lerr.code != FGA_OK ? lerr.code : FGA_ERR_NOMEM;
        __atomic_store_n (&failed, 1, __ATOMIC_RELAXED);
      }

#pragma omp for schedule(dynamic)
    for (size_t i = 0; i < nq; i++)
      {
        if (lrc != FGA_OK || ws == NULL || __atomic_load_n (&failed, __ATOMIC_RELAXED))
          continue;
        if (fws != NULL
            && fgap_truth_fast_row (fws, i, &FGA_MAT (T, i, 0), lse != NULL ? &lse[i] : NULL,
                                    &cnt))
          {
            l_fast += dv;
            count_row_done (&pr, &rows_done, nq, &reported);
            continue;
          }
        l_fallback += fws != NULL;
        fgap_truth_row_info ri;
        lrc = fgap_truth_row (ws, i, &FGA_MAT (T, i, 0), lse != NULL ? &lse[i] : NULL,
                             W != NULL ? &FGA_MPFR_MAT (W, i, 0) : NULL,
                             Werr != NULL ? &FGA_MPFR_MAT (Werr, i, 0) : NULL, &ri, &cnt,
                             &lerr);
        if (lrc != FGA_OK)
          {
            __atomic_store_n (&failed, 1, __ATOMIC_RELAXED);
            continue;
          }
        l_und += ri.undecided;
        l_raised += ri.raised;
        if (ri.prec > l_pused)
          l_pused = ri.prec;
        count_row_done (&pr, &rows_done, nq, &reported);
      }

    fgap_truth_ws_free (ws);
    fgap_truth_fast_ws_free (fws);
#pragma omp critical (fga_truth_merge)
    {
      if (lrc != FGA_OK && rc == FGA_OK)
        {
          rc = lrc;
          if (err != NULL)
            *err = lerr;
        }
      count_add (&total, &cnt);
      undecided += l_und;
      raised += l_raised;
      fast_entries += l_fast;
      fallback_rows += l_fallback;
      if (l_pused > pused)
        pused = l_pused;
#ifdef _OPENMP
      nthreads = omp_get_num_threads ();
#endif
    }
#ifdef _OPENMP
    /* MPFR keeps caches per thread (constants, a pool of integers): the
       runtime's worker threads outlive this call, so they give theirs back. */
    if (omp_get_thread_num () != 0)
      mpfr_free_cache2 (MPFR_FREE_LOCAL_CACHE);
#endif
    fgap_mpfr_state_restore (&tst);
  }

  if (rc == FGA_OK)
    finish_outputs (W, Werr, nq * dv, pused, st0.emin, st0.emax, &total);
  else
    {
      if (W != NULL && W->data != NULL)
        fga_mpfr_mat_clear (W);
      if (Werr != NULL && Werr->data != NULL)
        fga_mpfr_mat_clear (Werr);
    }
  fgap_truth_fast_free (fast, &mt);
  shared_free (&sh, &mt);

  if (rc == FGA_OK)
    {
      if (info != NULL)
        {
          info->undecided = undecided;
          info->prec_used_max = pused;
          info->rows_raised = raised;
          info->fast_entries = fast_entries;
          info->fallback_rows = fallback_rows;
        }
      if (st != NULL)
        {
          st->n_mul = total.mul;
          st->n_add = total.add;
          st->n_exp = total.exp;
          st->n_div = total.div;
          st->n_cmp = total.cmp;
          st->peak_bytes = mt.peak;
          st->threads = nthreads;
          fga_stats_set (st, "fast_entries", (double) fast_entries);
          fga_stats_set (st, "fallback_rows", (double) fallback_rows);
        }
    }
  fgap_mpfr_state_restore (&st0);
  if (rc == FGA_OK && pr.fn != NULL)
    pr.fn (1.0, pr.data);
  return rc;
}
