/* small-inst.h -- a small random instance and exact attention on it, for t-ext and t-user

   Q, K and V uniform in [-B, B] from the tests' own generator, the problem
   with tau a number, and want = the output of exact:algo=naive: the
   reference the methods run by a program are held to.  */

#ifndef FGA_SMALL_INST_H
#define FGA_SMALL_INST_H

#include "testutil.h"

typedef struct
{
  fga_mat_t Q, K, V, T, want;
  fga_problem prob;
} small_inst;

static void
small_inst_init (small_inst *in, size_t nq, size_t nk, size_t d, size_t dv, double B,
                 double tau)
{
  unsigned long seed = fga_test_seed ();
  ck_assert (fga_mat_init (in->Q, nq, d, NULL) == FGA_OK);
  ck_assert (fga_mat_init (in->K, nk, d, NULL) == FGA_OK);
  ck_assert (fga_mat_init (in->V, nk, dv, NULL) == FGA_OK);
  ck_assert (fga_mat_init (in->T, nq, dv, NULL) == FGA_OK);
  ck_assert (fga_mat_init (in->want, nq, dv, NULL) == FGA_OK);
  fga_test_fill_uniform (in->Q, B, &seed);
  fga_test_fill_uniform (in->K, B, &seed);
  fga_test_fill_uniform (in->V, B, &seed);
  fga_test_problem (&in->prob, nq, nk, d, dv, tau);
  fga_method m = fga_test_make_method ("exact:algo=naive", &in->prob);
  fga_error err;
  ck_assert (fga_method_run (m, in->want, NULL, in->Q, in->K, in->V, NULL, &err) == FGA_OK);
  fga_method_destroy (m);
}

static void
small_inst_clear (small_inst *in)
{
  fga_mat_clear (in->Q);
  fga_mat_clear (in->K);
  fga_mat_clear (in->V);
  fga_mat_clear (in->T);
  fga_mat_clear (in->want);
}

#endif
