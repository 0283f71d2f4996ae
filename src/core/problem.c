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
      best = fmax (best, s);
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

void
fga_problem_from_instance (fga_problem *prob, fga_instance_srcptr inst, const fga_tau *tau)
{
  prob->nq = inst->Q->rows;
  prob->nk = inst->K->rows;
  prob->d = inst->Q->cols;
  prob->dv = inst->V->cols;
  prob->tau = *tau;
  prob->B = inst->B;
  prob->Bv = inst->Bv;
  prob->R = fga_score_radius (inst->Q, inst->K, fga_tau_double (tau, prob->d));
}
