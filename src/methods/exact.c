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
exact_run (fga_method m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
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

const fgap_method_class fgap_method_exact = {
  { "exact", "exact softmax attention: fast in double, or certified correctly rounded in MPFR",
    exact_params },
  exact_create, NULL, exact_run, NULL
};
