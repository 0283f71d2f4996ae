/* testutil -- helpers shared by the Check suites */

#include <config.h>

#include <dirent.h>
#include <math.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"

#define DEFAULT_SEED 20261122UL

unsigned long
fga_test_seed (void)
{
  const char *s = getenv ("FGATTN_TEST_SEED");
  return s != NULL && *s != '\0' ? strtoul (s, NULL, 10) : DEFAULT_SEED;
}

void
fga_test_assert_close (double got, double want, double ulps, double abs_tol, const char *file,
                       int line, const char *expr)
{
  double tol = abs_tol;
  if (isfinite (want) && want != 0)
    {
      int e;
      frexp (want, &e);
      tol += ulps * ldexp (1.0, e - 53);
    }
  int ok = (got == want) || fabs (got - want) <= tol;
  if (!ok)
    ck_assert_msg (ok, "%s:%d: %s = %.17g, expected %.17g (%.3g ulps apart, tolerance %.3g); "
                   "FGATTN_TEST_SEED=%lu", file, line, expr, got, want,
                   fga_ulp_distance (got, want), tol, fga_test_seed ());
}

void
fga_test_ref_attention (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                        fga_mat_srcptr V, double tau, mpfr_prec_t prec)
{
  size_t nq = Q->rows, nk = K->rows, d = Q->cols, dv = V->cols;
  mpfr_t s, t, l, *y;
  mpfr_exp_t emin = mpfr_get_emin (), emax = mpfr_get_emax ();
  mpfr_set_emin (mpfr_get_emin_min ());
  mpfr_set_emax (mpfr_get_emax_max ());
  mpfr_inits2 (prec, s, t, l, (mpfr_ptr) 0);
  y = malloc (dv * sizeof (mpfr_t));
  for (size_t c = 0; c < dv; c++)
    mpfr_init2 (y[c], prec);
  for (size_t i = 0; i < nq; i++)
    {
      mpfr_set_zero (l, 1);
      for (size_t c = 0; c < dv; c++)
        mpfr_set_zero (y[c], 1);
      for (size_t j = 0; j < nk; j++)
        {
          mpfr_set_zero (s, 1);
          for (size_t k = 0; k < d; k++)
            {
              mpfr_set_d (t, FGA_MAT (Q, i, k), MPFR_RNDN);
              mpfr_mul_d (t, t, FGA_MAT (K, j, k), MPFR_RNDN);
              mpfr_add (s, s, t, MPFR_RNDN);
            }
          mpfr_mul_d (s, s, tau, MPFR_RNDN);
          mpfr_exp (s, s, MPFR_RNDN);
          mpfr_add (l, l, s, MPFR_RNDN);
          for (size_t c = 0; c < dv; c++)
            {
              mpfr_mul_d (t, s, FGA_MAT (V, j, c), MPFR_RNDN);
              mpfr_add (y[c], y[c], t, MPFR_RNDN);
            }
        }
      for (size_t c = 0; c < dv; c++)
        {
          mpfr_div (t, y[c], l, MPFR_RNDN);
          FGA_MAT (T, i, c) = mpfr_get_d (t, MPFR_RNDN);
        }
      if (lse != NULL)
        {
          mpfr_log (t, l, MPFR_RNDN);
          lse[i] = mpfr_get_d (t, MPFR_RNDN);
        }
    }
  for (size_t c = 0; c < dv; c++)
    mpfr_clear (y[c]);
  free (y);
  mpfr_clears (s, t, l, (mpfr_ptr) 0);
  mpfr_set_emin (emin);
  mpfr_set_emax (emax);
}

void
fga_test_fill_uniform (fga_mat_ptr M, double B, unsigned long *state)
{
  for (size_t k = 0; k < M->rows * M->cols; k++)
    {
      /* xorshift64* */
      unsigned long x = *state;
      x ^= x >> 12;
      x ^= x << 25;
      x ^= x >> 27;
      *state = x;
      double u = (double) ((x * 2685821657736338717UL) >> 11) * 0x1p-53;
      M->data[k] = B * (2 * u - 1);
    }
}

TCase *
fga_test_tcase (const char *name, double seconds)
{
  TCase *tc = tcase_create (name);
  tcase_set_timeout (tc, seconds);
  return tc;
}

int
fga_test_run_suite (Suite *s)
{
  SRunner *sr = srunner_create (s);
  fprintf (stderr, "FGATTN_TEST_SEED=%lu\n", fga_test_seed ());
  srunner_run_all (sr, CK_ENV);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

size_t
fga_test_count_entries (const char *dir)
{
  DIR *dp = opendir (dir);
  size_t n = 0;
  struct dirent *e;
  ck_assert_ptr_nonnull (dp);
  while ((e = readdir (dp)) != NULL)
    n += strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0;
  closedir (dp);
  return n;
}

fga_method
fga_test_make_method (const char *spec, const fga_problem *prob)
{
  fga_error err;
  fga_error_init (&err);
  fga_method m = fga_method_create (spec, &err);
  ck_assert_msg (m != NULL, "%s: %s", spec, err.msg);
  int rc = fga_method_prepare (m, prob, &err);
  ck_assert_msg (rc == FGA_OK, "%s: prepare: %s", spec, err.msg);
  return m;
}

void
fga_test_problem (fga_problem *p, size_t nq, size_t nk, size_t d, size_t dv, double tau)
{
  memset (p, 0, sizeof *p);
  p->nq = nq;
  p->nk = nk;
  p->d = d;
  p->dv = dv;
  p->tau.kind = FGA_TAU_VALUE;
  p->tau.value = tau;
  p->R = INFINITY;
  p->B = p->Bv = 1;
}

double
fga_test_dot (const double *a, const double *b, size_t n)
{
  double s = 0;
  for (size_t k = 0; k < n; k++)
    s += a[k] * b[k];
  return s;
}
