/* fgap_method_mean -- uniform attention (tau = 0): every query gets the mean of the values

   The method of the recipe in README.md, "Adding a method", built only by
   tests/methods/t-newmethod: this file and the line FGA_METHOD (mean) in
   tests/methods/toy/methods/list.h make it a method of fgattn, listed,
   created from a spec, run, counted by the analyzer and timed by scaling.

   With tau = 0 every score is 0 and every weight 1/nk, so
   T_i = (1/nk) sum_j V_j for every i, and lse_i = log nk.  The column sums
   are computed once and divided once; the rows are copies.  Counts:
     add = (nk - 1) dv,  div = dv,  exp = L nq (log nk counted as one exp),
     mul = cmp = 0.  */

#include "core/fga-impl.h"
#include "methods/method-impl.h"

static const fga_param_info mean_params[] = {
  { "rows", FGA_PARAM_INT, "0", 0, 9007199254740992.0, NULL, NULL,
    "0: every query row; r > 0: only the first r rows get the mean, the others 0" },
  { NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static int
mean_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
          fga_mat_srcptr V, fga_stats *st, fga_error *err)
{
  const size_t nq = Q->rows, nk = K->rows, dv = V->cols;
  size_t rows = (size_t) fgap_param_int (m, "rows");
  if (rows == 0 || rows > nq)
    rows = nq;
  for (size_t c = 0; c < dv; c++)
    {
      double s = V->data[c];
      for (size_t j = 1; j < nk; j++)
        s += V->data[j * dv + c];
      s /= (double) nk;
      for (size_t i = 0; i < nq; i++)
        T->data[i * dv + c] = i < rows ? s : 0;
    }
  if (lse != NULL)
    for (size_t i = 0; i < nq; i++)
      lse[i] = log ((double) nk);
  st->n_add = (uint64_t) (nk - 1) * dv;
  st->n_div = dv;
  st->n_exp = lse != NULL ? nq : 0;
  return FGA_OK;
}

static int
mean_count (mpz_t ops[5], fga_method_srcptr m, const fga_problem *prob, int lse,
            fga_error *err)
{
  fgap_zmul3 (ops[1], prob->nk - 1, prob->dv, 1);
  fgap_zmul3 (ops[3], prob->dv, 1, 1);
  fgap_zmul3 (ops[2], lse ? prob->nq : 0, 1, 1);
  return FGA_OK;
}

const fgap_method_class fgap_method_mean = {
  .info = { "mean", "uniform attention (tau = 0): every query gets the mean of the values",
            mean_params },
  .run = mean_run,
  .count = mean_count
};
