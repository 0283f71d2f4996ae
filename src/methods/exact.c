/* fgap_method_exact -- exact attention: naive, stream and blas in double, mpfr certified */

#include "core/fga-impl.h"
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

static int
exact_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
           fga_mat_srcptr V, fga_stats *st, fga_error *err)
{
  double tau = fga_tau_double (&m->prob.tau, m->prob.d);
  size_t block = (size_t) fgap_param_int (m, "block");
  switch (fgap_param_choice (m, "algo"))
    {
    case ALGO_NAIVE:
      return fga_attention_naive (T, lse, Q, K, V, tau, st, err);
    case ALGO_STREAM:
      return fga_attention_stream (T, lse, Q, K, V, tau, block, st, err);
    case ALGO_BLAS:
      return fga_attention_blas (T, lse, Q, K, V, tau, block, st, err);
    default:
      {
        fga_truth_opts opts = { (mpfr_prec_t) fgap_param_int (m, "prec"),
                                  (mpfr_prec_t) fgap_param_int (m, "prec_max") };
        fga_truth_info info;
        int rc = fga_truth (T, lse, NULL, NULL, Q, K, V, &m->prob.tau, &opts, &info, st, err);
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
    }
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

const fgap_method_class fgap_method_exact = {
  .info = { "exact", "exact softmax attention: fast in double, or certified correctly rounded "
            "in MPFR", exact_params },
  .create = exact_create,
  .run = exact_run,
  .count = exact_count
};
