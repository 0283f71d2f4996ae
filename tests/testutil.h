/* testutil.h -- helpers shared by the Check suites: seeds, ulp assertions, a slow reference */

#ifndef FGA_TESTUTIL_H
#define FGA_TESTUTIL_H

#include <check.h>
#include "fgattn.h"
#include "fga-private.h"

/* The seed of the random cases: FGATTN_TEST_SEED from the environment, or a
   fixed default.  Printed by fga_test_seed_banner so that a failing run can
   be repeated.  */
unsigned long fga_test_seed (void);

/* Asserts |got - want| <= ulps * ulp(want) + abs_tol, printing both values,
   the distance in ulps and the seed when it fails.  */
#define ck_assert_close(got, want, ulps, abs_tol) \
  fga_test_assert_close ((got), (want), (ulps), (abs_tol), __FILE__, __LINE__, #got)
void fga_test_assert_close (double got, double want, double ulps, double abs_tol,
                            const char *file, int line, const char *expr);

/* The obvious attention loop in MPFR at precision prec with tau the given
   double, rounded to nearest at the end: a slow reference independent of
   every kernel of the library (no max subtraction, no blocking, no error
   bound; at prec >= 200 and moderate sizes its doubles are correctly rounded
   except in the rarest near-ties).  lse may be NULL.  */
void fga_test_ref_attention (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                             fga_mat_srcptr V, double tau, mpfr_prec_t prec);

/* Fills M with entries uniform in [-B, B] from a simple xorshift generator
   (independent of the library's generator). */
void fga_test_fill_uniform (fga_mat_ptr M, double B, unsigned long *state);

/* A method made from spec and prepared for prob; the test fails if either
   step does.  The caller destroys it.  */
fga_method fga_test_make_method (const char *spec, const fga_problem *prob);

/* A problem of the given shape with tau the given number, R unknown (+Inf)
   and B = Bv = 1.  */
void fga_test_problem (fga_problem *p, size_t nq, size_t nk, size_t d, size_t dv, double tau);

/* The plain dot product sum_k a_k b_k.  */
double fga_test_dot (const double *a, const double *b, size_t n);

/* The number of entries in a folder, . and .. not counted.  */
size_t fga_test_count_entries (const char *dir);

/* A test case that states its own time limit: each of its tests (each run
   of a loop test) is stopped and failed after seconds, times
   CK_TIMEOUT_MULTIPLIER (3 in .ci/run, 9 under the sanitizers there).
   Every case of the suite is made here, never with Check's default of 4 s,
   which a test of a second fails on a loaded machine: seconds is at least
   ten times the case's time on an idle machine.  */
TCase *fga_test_tcase (const char *name, double seconds);

/* A Check runner over one suite with CK_ENV-respecting output; returns the
   exit status for main.  */
int fga_test_run_suite (Suite *s);

#endif
