/* attention.c -- libfgattn from C: a method run on matrices in memory, measured
   against the certified ground truth.

   Build against the installed library:
     cc attention.c $(pkg-config --cflags --libs fgattn) -o attention
   Run:
     ./attention                      the polynomial method, poly:eps=1e-6
     ./attention 'rf:m=256,seed=3'    any method of `fgattn methods'

   It prints the method's spec, its max-abs error against the truth and the
   error bound the method certifies ("none" when it has none), and exits 0
   when the error is within that bound; 1 when it is not, or when a call
   fails (the library's message on standard error).  */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <fgattn.h>

/* Entries in [-1, 1) from a linear congruential generator, exact in double,
   so that every machine fills the same matrices.  */
static void
fill (fga_mat_ptr M, unsigned long *state)
{
  for (size_t i = 0; i < M->rows * M->cols; i++)
    {
      *state = (1664525 * *state + 1013904223) % 4294967296;
      M->data[i] = (double) *state / 2147483648.0 - 1;
    }
}

int
main (int argc, char **argv)
{
  const char *spec = argc > 1 ? argv[1] : "poly:eps=1e-6";
  const size_t n = 200, d = 4, dv = 3;
  fga_mat_t Q = { { 0 } }, K = { { 0 } }, V = { { 0 } }, truth = { { 0 } }, out = { { 0 } };
  fga_tau tau = { FGA_TAU_INV_D, 0 };          /* scores tau Q K^T with tau = 1/d */
  fga_method m = NULL;
  fga_error err;
  fga_error_init (&err);

  /* Q (n x d), K (n x d), V (n x dv) and the two outputs (n x dv).  */
  int rc = fga_mat_init (Q, n, d, &err);
  if (rc == FGA_OK)
    rc = fga_mat_init (K, n, d, &err);
  if (rc == FGA_OK)
    rc = fga_mat_init (V, n, dv, &err);
  if (rc == FGA_OK)
    rc = fga_mat_init (truth, n, dv, &err);
  if (rc == FGA_OK)
    rc = fga_mat_init (out, n, dv, &err);
  if (rc == FGA_OK)
    {
      unsigned long state = 1;
      fill (Q, &state);
      fill (K, &state);
      fill (V, &state);
    }

  /* The problem: shapes, tau, and the bounds of the data the methods use
     (poly takes its radius R from it).  Checks shapes and finiteness.  */
  fga_problem prob;
  if (rc == FGA_OK)
    rc = fga_problem_from_matrices (&prob, Q, K, V, &tau, &err);

  /* The ground truth: each entry the double nearest to the exact value,
     unless its error bound could not decide which (counted in info).  */
  fga_truth_info info;
  if (rc == FGA_OK)
    rc = fga_truth (truth, NULL, NULL, NULL, Q, K, V, &tau, NULL, &info, NULL, &err);
  if (rc == FGA_OK && info.undecided > 0)
    {
      fprintf (stderr, "attention: %zu entries of the truth are not certified\n",
               info.undecided);
      rc = FGA_ERR_COMPUTE;
      err.msg[0] = '\0';
    }

  /* The method: made from its spec, prepared for the problem, run.  */
  fga_stats st;
  if (rc == FGA_OK && (m = fga_method_create (spec, &err)) == NULL)
    rc = err.code;
  if (rc == FGA_OK)
    rc = fga_method_prepare (m, &prob, &err);
  if (rc == FGA_OK)
    rc = fga_method_run (m, out, NULL, Q, K, V, &st, &err);

  /* The error against the truth, and the bound the method certifies on
     the error against the exact output (NaN when it has none: then there
     is nothing to check).  The truth is within half an ulp of the exact
     output, at most 2^-53 max |V|, and the measured error rounds once.  */
  fga_metrics mt;
  if (rc == FGA_OK)
    rc = fga_metrics_compute (&mt, truth, out, &err);
  int status = rc == FGA_OK ? EXIT_SUCCESS : EXIT_FAILURE;
  if (rc == FGA_OK)
    {
      double bound = fga_stats_get (&st, "error_bound");
      printf ("method %s\n", fga_method_spec (m));
      printf ("Q, K: %zu x %zu, V: %zu x %zu, tau = 1/d\n", n, d, n, dv);
      printf ("max-abs error %.3e, relative Frobenius %.3e\n", mt.max_abs, mt.rel_fro);
      if (!isnan (bound))
        {
          int within = mt.max_abs <= (bound + 0x1p-53 * prob.Bv) * (1 + 0x1p-52);
          printf ("certified bound %.3e: %s\n", bound, within ? "within" : "EXCEEDED");
          status = within ? EXIT_SUCCESS : EXIT_FAILURE;
        }
      else
        printf ("certified bound: none\n");
    }
  else if (err.msg[0] != '\0')
    fprintf (stderr, "attention: %s\n", err.msg);

  fga_method_destroy (m);
  fga_mat_clear (out);
  fga_mat_clear (truth);
  fga_mat_clear (V);
  fga_mat_clear (K);
  fga_mat_clear (Q);
  return status;
}
