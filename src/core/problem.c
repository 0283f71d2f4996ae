/* fga_problem -- shape, scale and score radius of an attention problem */

#include "core/fga-impl.h"

#include <float.h>

/* R = tau max_i ||q_i|| max_j ||k_j|| bounds |tau <q_i, k_j>| by Cauchy--Schwarz.
   Each squared norm is a sum of d squares, computed with relative error at
   most gamma_d = d u / (1 - d u); the square roots, the two products and the
   tau factor add five roundings.  Multiplying by 1 + 2 (d + 5) u and stepping
   one double up covers all of them (u = 2^-53), so the returned R is an upper
   bound of the exact value whenever (d + 5) u < 1/2.  */
static double
max_row_norm2 (fga_mat_srcptr M)
{
  double best = 0;
  for (size_t i = 0; i < M->rows; i++)
    {
      double s = 0;
      for (size_t l = 0; l < M->cols; l++)
        s += FGA_MAT (M, i, l) * FGA_MAT (M, i, l);
      best = s > best ? s : best;  /* fmax's result, NaN passed over, without a call */
    }
  return best;
}

double
fga_score_radius (fga_mat_srcptr Q, fga_mat_srcptr K, double tau)
{
  double d = (double) Q->cols;
  double r = tau * sqrt (max_row_norm2 (Q)) * sqrt (max_row_norm2 (K));
  if (r == 0 || !isfinite (r))
    return r;
  r *= 1 + 2 * (d + 5) * DBL_EPSILON / 2;
  return nextafter (r, INFINITY);
}

/* The shapes of Q, K and V, tau, the bounds given, and R from the data.  */
static void
problem_fill (fga_problem *prob, fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V,
              const fga_tau *tau, double B, double Bv)
{
  prob->nq = Q->rows;
  prob->nk = K->rows;
  prob->d = Q->cols;
  prob->dv = V->cols;
  prob->tau = *tau;
  prob->B = B;
  prob->Bv = Bv;
  prob->R = fga_score_radius (Q, K, fga_tau_double (tau, prob->d));
}

void
fga_problem_from_instance (fga_problem *prob, fga_instance_srcptr inst, const fga_tau *tau)
{
  problem_fill (prob, inst->Q, inst->K, inst->V, tau, inst->B, inst->Bv);
}

/* One matrix of the three: present, with at least one row and one column,
   and every entry finite.  */
static int
check_operand (fga_mat_srcptr M, const char *name, fga_error *err)
{
  if (M == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s is NULL", name);
  if (M->rows == 0 || M->cols == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s is %zu x %zu: attention needs at least one "
                          "row and one column", name, M->rows, M->cols);
  if (M->data == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s is %zu x %zu but holds no data", name,
                          M->rows, M->cols);
  return fga_mat_check_finite (M, name, err);
}

int
fga_problem_from_matrices (fga_problem *prob, fga_mat_srcptr Q, fga_mat_srcptr K,
                           fga_mat_srcptr V, const fga_tau *tau, fga_error *err)
{
  int rc;
  if ((rc = check_operand (Q, "Q", err)) != FGA_OK
      || (rc = check_operand (K, "K", err)) != FGA_OK
      || (rc = check_operand (V, "V", err)) != FGA_OK)
    return rc;
  if (Q->cols != K->cols)
    return fgap_error_set (err, FGA_ERR_INPUT, "Q is %zu x %zu but K is %zu x %zu: Q and K must "
                          "have the same number of columns (d)", Q->rows, Q->cols, K->rows,
                          K->cols);
  if (K->rows != V->rows)
    return fgap_error_set (err, FGA_ERR_INPUT, "K is %zu x %zu but V is %zu x %zu: K and V must "
                          "have the same number of rows (nk)", K->rows, K->cols, V->rows,
                          V->cols);
  if (tau == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "tau is NULL");
  if (tau->kind != FGA_TAU_INV_D && tau->kind != FGA_TAU_INV_SQRT_D
      && tau->kind != FGA_TAU_VALUE)
    return fgap_error_set (err, FGA_ERR_INPUT, "tau has kind %d, not one of fga_tau_kind",
                          (int) tau->kind);
  if (tau->kind == FGA_TAU_VALUE && !(tau->value > 0 && isfinite (tau->value)))
    return fgap_error_set (err, FGA_ERR_INPUT, "tau = %g: must be positive and finite",
                          tau->value);
  /* The bounds a generated instance records are the ones it was drawn
     with; here only the data is known, so they are its largest entries, as
     fga_instance_read takes them for files without instance.json.  */
  problem_fill (prob, Q, K, V, tau, fmax (fga_mat_max_abs (Q), fga_mat_max_abs (K)),
                fga_mat_max_abs (V));
  return FGA_OK;
}
