/* fgap_method_exact -- exact attention: naive, stream and blas in double, mpfr certified */

#include "core/fga-impl.h"
#include "kernels/attention-util.h"
#include "methods/method-impl.h"

enum { ALGO_NAIVE, ALGO_STREAM, ALGO_BLAS, ALGO_MPFR };

static const fga_param_info exact_params[] = {
  { "algo", FGA_PARAM_CHOICE, "stream", 0, 0, "naive|stream|blas|mpfr", NULL,
    "naive: two passes; stream: fused online softmax; blas: dgemm blocks; mpfr: certified" },
  { "block", FGA_PARAM_INT, "0", 0, 1 << 20, NULL, "algo=stream|blas",
    "keys per block (stream) or queries per block (blas); 0 chooses" },
  { "prec", FGA_PARAM_INT, "128", 64, 1 << 20, NULL, "algo=mpfr",
    "first working precision in bits" },
  { "prec_max", FGA_PARAM_INT, "8192", 64, 1 << 24, NULL, "algo=mpfr",
    "highest precision a row may be raised to before its entries are reported undecided" },
  { NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static int
exact_create (fga_method m, fga_error *err)
{
  if (fgap_param_choice (m, "algo") == ALGO_MPFR
      && fgap_param_int (m, "prec_max") < fgap_param_int (m, "prec"))
    return fgap_error_set (err, FGA_ERR_INPUT, "method exact: prec_max=%ld is below prec=%ld",
                          fgap_param_int (m, "prec_max"), fgap_param_int (m, "prec"));
  return FGA_OK;
}

/* The certified truth; pr (may be NULL) gets the truth's fractions below 1
   (fga_method_run_progress makes the final call).  */
static void
below_one (double fraction, void *data)
{
  const fga_progress *pr = data;
  if (fraction < 1)
    pr->fn (fraction, pr->data);
}

static int
exact_mpfr (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q,
            fga_mat_srcptr K, fga_mat_srcptr V, fga_stats *st, const fga_progress *pr,
            fga_error *err)
{
  fga_truth_opts opts = { (mpfr_prec_t) fgap_param_int (m, "prec"),
                          (mpfr_prec_t) fgap_param_int (m, "prec_max"), 0 };
  fga_truth_info info;
  fga_progress mine = { below_one, (void *) pr };
  fga_progress old = fga_truth_set_progress (pr != NULL ? &mine : NULL);
  int rc = fga_truth (T, lse, NULL, NULL, Q, K, V, &m->prob.tau, &opts, &info, st, err);
  fga_truth_set_progress (&old);
  if (rc != FGA_OK)
    return rc;
  fga_stats_set (st, "prec", (double) opts.prec);
  fga_stats_set (st, "prec_used_max", (double) info.prec_used_max);
  fga_stats_set (st, "rows_raised", (double) info.rows_raised);
  fga_stats_set (st, "undecided", (double) info.undecided);
  if (info.undecided > 0)
    return fgap_error_set (err, FGA_ERR_COMPUTE,
                          "method %s: %zu entries were not decided at prec_max=%ld bits "
                          "(ties between two doubles, or a bound too loose)",
                          m->spec, info.undecided, (long) opts.prec_max);
  return FGA_OK;
}

/* The naive kernel by blocks of rows, pr told after each block, with
   everything it records unchanged: rows are computed independently (V's
   rescaling depends on V alone, a row of Q's on that row), so the output
   is bit for bit that of one call; every count is linear in nq, so the
   blocks' counts add up to it; each block has enough rows to take the
   threads one call would (fgap_attn_threads), hence the same scratch;
   and blocks are used only when no row of Q can need the rescaled copy of
   Q, whose size would depend on the block (the kernel makes one when
   max|Q| max|K| d max (1, tau) may reach 2^FGAP_SCORE_EXP: that bound is
   below 2^(FGAP_SCORE_EXP - 8) here, with room for the kernel's rounding
   to powers of two).  naive_blocks_count: the number of blocks, at most
   256; below 2, one call.  */
static size_t
naive_blocks_count (fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V, double tau)
{
  const size_t nq = Q->rows, nk = K->rows, dv = V->cols, d = Q->cols;
  double reach = fga_mat_max_abs (Q) * fga_mat_max_abs (K) * (double) d * fmax (1, tau);
  if (!(reach < ldexp (1, FGAP_SCORE_EXP - 8)))
    return 0;
  const int nt = fgap_attn_threads (nq, nk, d, dv, (nq + 15) / 16);
  /* at least 64 rows, so that the blocks' set-up (max|K|, max|V|) stays
     within a few per cent of their work */
  double least = 64;
  if (nt > 1)
    least = fmax (least, fmax (16.0 * nt, ceil (ldexp (1, 18) / ((double) nk
                                                                  * (double) (d + dv)))));
  return (size_t) fmin (256, floor ((double) nq / least));
}

/* A failure is computed again in one call, so that its message numbers the
   row as one call does.  */
static int
naive_blocks (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
              fga_mat_srcptr V, double tau, fga_stats *st, size_t blocks,
              const fga_progress *pr, fga_error *err)
{
  const size_t nq = Q->rows, dv = V->cols, d = Q->cols;
  fga_stats sum;
  fga_stats_init (&sum);
  for (size_t b = 0; b < blocks; b++)
    {
      const size_t i0 = nq * b / blocks, i1 = nq * (b + 1) / blocks;
      fga_mat_struct Qb = { i1 - i0, d, (double *) &FGA_MAT (Q, i0, 0) };
      fga_mat_struct Tb = { i1 - i0, dv, &FGA_MAT (T, i0, 0) };
      fga_stats sb;
      fga_stats_init (&sb);
      if (fga_attention_naive (&Tb, lse != NULL ? lse + i0 : NULL, &Qb, K, V, tau, &sb, err)
          != FGA_OK)
        return fga_attention_naive (T, lse, Q, K, V, tau, st, err);
      fgap_stats_add_counts (&sum, &sb);
      sum.peak_bytes = sb.peak_bytes > sum.peak_bytes ? sb.peak_bytes : sum.peak_bytes;
      sum.threads = sb.threads > sum.threads ? sb.threads : sum.threads;
      if (b + 1 < blocks)
        pr->fn ((double) i1 / (double) nq, pr->data);
    }
  if (st != NULL)
    {
      fgap_stats_set_counts (st, &sum);
      st->peak_bytes = sum.peak_bytes;
      st->threads = sum.threads;
    }
  return FGA_OK;
}

static int
exact_run_progress (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q,
                    fga_mat_srcptr K, fga_mat_srcptr V, fga_stats *st, const fga_progress *pr,
                    fga_error *err)
{
  double tau = fga_tau_double (&m->prob.tau, m->prob.d);
  size_t block = (size_t) fgap_param_int (m, "block");
  switch (fgap_param_choice (m, "algo"))
    {
    case ALGO_NAIVE:
      {
        size_t blocks = pr != NULL ? naive_blocks_count (Q, K, V, tau) : 0;
        if (blocks >= 2)
          return naive_blocks (T, lse, Q, K, V, tau, st, blocks, pr, err);
        return fga_attention_naive (T, lse, Q, K, V, tau, st, err);
      }
    case ALGO_STREAM:
      return fga_attention_stream (T, lse, Q, K, V, tau, block, st, err);
    case ALGO_BLAS:
      return fga_attention_blas (T, lse, Q, K, V, tau, block, st, err);
    default:
      return exact_mpfr (m, T, lse, Q, K, V, st, pr, err);
    }
}

static int
exact_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
           fga_mat_srcptr V, fga_stats *st, fga_error *err)
{
  return exact_run_progress (m, T, lse, Q, K, V, st, NULL, err);
}

/* The counts of the naive kernel (and of blas, which performs the same
   operations), src/kernels/attention_naive.c:
     mul = nq nk (d + 1 + dv),  add = nq (nk (d + 1 + dv) - 1 - dv + L),
     exp = nq (nk + L),  div = nq dv,  cmp = nq (nk - 1).  */
void
fgap_exact_naive_count (mpz_t ops[5], size_t nq, size_t nk, size_t d, size_t dv, int lse)
{
  const size_t L = lse != 0;
  fgap_zmul3 (ops[0], nq, nk, 1);
  mpz_mul_ui (ops[0], ops[0], d);
  fgap_zaddmul3 (ops[0], nq, nk, 1);
  fgap_zaddmul3 (ops[0], nq, nk, dv);
  mpz_set (ops[1], ops[0]);
  fgap_zaddmul3 (ops[1], nq, L, 1);
  mpz_t t;
  mpz_init (t);
  fgap_zmul3 (t, nq, 1, 1);
  mpz_sub (ops[1], ops[1], t);                  /* - nq (1 + dv) */
  fgap_zmul3 (t, nq, dv, 1);
  mpz_sub (ops[1], ops[1], t);
  mpz_clear (t);
  fgap_zmul3 (ops[2], nq, nk, 1);
  fgap_zaddmul3 (ops[2], nq, L, 1);
  fgap_zmul3 (ops[3], nq, dv, 1);
  fgap_zmul3 (ops[4], nq, nk - 1, 1);
}

/* The counts of the stream kernel, src/kernels/attention_stream.c, with
   nb = ceil (nk / bk) key blocks:
     mul = nq (nk (d + 1 + dv) + nb (1 + dv)),  add = nq (nk (d + 1 + dv) + nb + L),
     exp = nq (nk + nb + L),  div = nq dv,  cmp = nq nk.  */
void
fgap_exact_stream_count (mpz_t ops[5], size_t nq, size_t nk, size_t d, size_t dv, size_t block,
                         int lse)
{
  const size_t bk = block ? block : 256, nb = nk / bk + (nk % bk != 0), L = lse != 0;
  fgap_zmul3 (ops[0], nq, nk, d);
  fgap_zaddmul3 (ops[0], nq, nk, 1 + dv);
  mpz_set (ops[1], ops[0]);
  fgap_zaddmul3 (ops[0], nq, nb, 1 + dv);
  fgap_zaddmul3 (ops[1], nq, nb, 1);
  fgap_zaddmul3 (ops[1], nq, L, 1);
  fgap_zmul3 (ops[2], nq, nk, 1);
  fgap_zaddmul3 (ops[2], nq, nb, 1);
  fgap_zaddmul3 (ops[2], nq, L, 1);
  fgap_zmul3 (ops[3], nq, dv, 1);
  fgap_zmul3 (ops[4], nq, nk, 1);
}

static int
exact_count (mpz_t ops[5], fga_method_srcptr m, const fga_problem *prob, int lse,
             fga_error *err)
{
  switch (fgap_param_choice (m, "algo"))
    {
    case ALGO_NAIVE:
    case ALGO_BLAS:
      fgap_exact_naive_count (ops, prob->nq, prob->nk, prob->d, prob->dv, lse);
      return FGA_OK;
    case ALGO_STREAM:
      fgap_exact_stream_count (ops, prob->nq, prob->nk, prob->d, prob->dv,
                               (size_t) fgap_param_int (m, "block"), lse);
      return FGA_OK;
    default:
      return fgap_error_set (err, FGA_ERR_INPUT, "method %s: the operations of algo=mpfr "
                            "(MPFR at a precision raised row by row) are not counted in advance",
                            m->spec);
    }
}

/* CPU seconds of the truth of one row and nk keys (a single row is never
   shared among threads), the best of two trials; -1 when it fails.  */
static double
truth_row_seconds (fga_mat_ptr Q, fga_mat_ptr K, fga_mat_ptr V, fga_mat_ptr T, size_t nk,
                   const fga_tau *tau, const fga_truth_opts *opts)
{
  fga_mat_struct Kn = { nk, K->cols, K->data }, Vn = { nk, V->cols, V->data };
  fga_error err;
  double best = -1;
  for (int trial = 0; trial < 2; trial++)
    {
      double t0 = fgap_thread_seconds ();
      if (fga_truth (T, NULL, NULL, NULL, Q, &Kn, &Vn, tau, opts, NULL, NULL, &err) != FGA_OK)
        return -1;
      double t = fgap_thread_seconds () - t0;
      best = best < 0 || t < best ? t : best;
    }
  return best;
}

/* The CPU seconds per query-key pair of the truth, at the method's
   precisions, for d and dv: the difference of its times on one row of 8 k
   keys and of k keys, which takes away its set-up (the precision levels,
   up to prec_max), as a run of many rows amortises it; k doubled from 8
   until the row of 8 k keys takes 20 ms (or k = 512), so that a
   calibration costs about 50 ms of CPU, or 18 pairs when one pair takes
   more than 1 ms.  Rows cost about the same whatever the values (the
   scores are exact integer products, then one exp and dv products per
   pair; a row raised by Ziv's loop costs more, rarely): entries spread
   over [-B, B], B the problem's.  0 when the sample cannot be made.  */
#define SAMPLE_KEYS_MAX 4096

static double
truth_pair_seconds (fga_method_srcptr m)
{
  const fga_problem *p = &m->prob;
  const double B = p->B > 0 && isfinite (p->B) ? p->B : 1;
  fga_mat_t Q, K, V, T;
  fga_error err;
  double pair = 0;
  Q->data = K->data = V->data = T->data = NULL;
  if (fga_mat_init (Q, 1, p->d, &err) == FGA_OK
      && fga_mat_init (K, SAMPLE_KEYS_MAX, p->d, &err) == FGA_OK
      && fga_mat_init (V, SAMPLE_KEYS_MAX, p->dv, &err) == FGA_OK
      && fga_mat_init (T, 1, p->dv, &err) == FGA_OK)
    {
      fga_mat_struct *all[3] = { Q, K, V };
      for (int a = 0; a < 3; a++)
        for (size_t t = 0; t < all[a]->rows * all[a]->cols; t++)
          all[a]->data[t] = B * ((double) ((t * 7919 + (size_t) a * 104729) % 2001) / 1000 - 1);
      fga_truth_opts opts = { (mpfr_prec_t) fgap_param_int (m, "prec"),
                              (mpfr_prec_t) fgap_param_int (m, "prec_max"), 0 };
      fga_progress old = fga_truth_set_progress (NULL);     /* the sample is not reported */
      size_t k = 8;
      double big;
      while ((big = truth_row_seconds (Q, K, V, T, 8 * k, &p->tau, &opts)) >= 0 && big < 0.02
             && 8 * k < SAMPLE_KEYS_MAX)
        k *= 2;
      double small = big >= 0 ? truth_row_seconds (Q, K, V, T, k, &p->tau, &opts) : -1;
      fga_truth_set_progress (&old);
      if (big > 0 && small >= 0)
        pair = big > small ? (big - small) / (double) (7 * k) : big / (double) (8 * k);
    }
  fga_mat_struct *all[4] = { Q, K, V, T };
  for (int a = 0; a < 4; a++)
    if (all[a]->data != NULL)
      fga_mat_clear (all[a]);
  return pair;
}

/* algo=mpfr: the naive kernel's operations, which the truth's rows perform
   (its scores exactly, in fewer steps; its bounds add a few per row), at
   the working precision, timed on a sample of the truth itself (MPFR's
   speed varies too much with the operation and the precision to be
   guessed from the counts); the others their own counts in double.  */
static int
exact_predict (mpz_t ops[5], fgap_predict_info *pi, fga_method_srcptr m, int lse,
               fga_error *err)
{
  const fga_problem *p = &m->prob;
  if (fgap_param_choice (m, "algo") != ALGO_MPFR)
    return exact_count (ops, m, p, lse, err);
  fgap_exact_naive_count (ops, p->nq, p->nk, p->d, p->dv, lse);
  pi->prec = fgap_param_int (m, "prec");
  double pair = truth_pair_seconds (m);
  if (pair > 0)
    pi->seconds = pair * (double) p->nq * (double) p->nk;
  return FGA_OK;
}

const fgap_method_class fgap_method_exact = {
  .info = { "exact", "exact softmax attention: fast in double, or certified correctly rounded "
            "in MPFR", exact_params },
  .create = exact_create,
  .run = exact_run,
  .count = exact_count,
  .run_progress = exact_run_progress,
  .predict = exact_predict
};
