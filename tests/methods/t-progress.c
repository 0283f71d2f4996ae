/* t-progress -- progress callbacks, run predictions, and the way out of poly's budget

   The progress contract (fgattn/numerics.h): called from the caller's
   thread, fractions in [0, 1], non-decreasing, ending with exactly one call
   with 1 on success; and the results with a progress are bit for bit those
   without (outputs, lse, counts, peak bytes, threads, figures).  Expected values: the run without a
   progress (the same code's other path, which the callbacks must not
   change), the counts a run records (for the predictions), and for the
   budget hints a prepare with the values the message suggests, which must
   then fit the budget, and the degrees of fga_expfit_least_degree.  */

#include <config.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
# include <omp.h>
#endif

#include "testutil.h"

/* ------------------------------------------------------------------ */
/* helpers */

typedef struct
{
  size_t calls, ones;
  double last;
  int decreasing, outside, other_thread;
  pthread_t caller;
} record_t;

static void
record (double fraction, void *data)
{
  record_t *r = data;
  if (r->calls > 0 && fraction < r->last)
    r->decreasing = 1;
  if (!(fraction >= 0 && fraction <= 1))
    r->outside = 1;
  if (!pthread_equal (pthread_self (), r->caller))
    r->other_thread = 1;
  r->ones += fraction == 1;
  r->last = fraction;
  r->calls++;
}

static void
record_init (record_t *r)
{
  memset (r, 0, sizeof *r);
  r->caller = pthread_self ();
}

/* The contract, and at least min_calls calls in all.  */
static void
check_record (const record_t *r, const char *what, size_t min_calls)
{
  ck_assert_msg (r->calls >= min_calls, "%s: %zu progress calls, expected at least %zu", what,
                 r->calls, min_calls);
  ck_assert_msg (!r->decreasing, "%s: the fractions decrease", what);
  ck_assert_msg (!r->outside, "%s: a fraction outside [0, 1]", what);
  ck_assert_msg (!r->other_thread, "%s: called from another thread than the caller's", what);
  ck_assert_msg (r->last == 1 && r->ones == 1, "%s: last fraction %g, %zu calls with 1", what,
                 r->last, r->ones);
}

static void
instance (fga_instance_ptr inst, size_t nq, size_t nk, size_t d, size_t dv, double B,
          unsigned long seed)
{
  fga_error err;
  fga_instance_init (inst);
  ck_assert_msg (fga_instance_generate (inst, nq, nk, d, dv, B, B, FGA_DIST_UNIFORM, seed, &err)
                 == FGA_OK, "%s", err.msg);
}

static fga_method
prepared (const char *spec, fga_instance_srcptr inst, fga_error *err)
{
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_problem prob;
  fga_problem_from_instance (&prob, inst, &tau);
  fga_error_init (err);
  fga_method m = fga_method_create (spec, err);
  if (m != NULL && fga_method_prepare (m, &prob, err) != FGA_OK)
    {
      fga_method_destroy (m);
      m = NULL;
    }
  return m;
}

static double
total_ops (const fga_stats *st)
{
  return (double) st->n_mul + (double) st->n_add + (double) st->n_exp + (double) st->n_div
    + (double) st->n_cmp;
}

/* Runs spec on inst without and with a progress: same bits, same counts,
   the contract kept with at least min_calls calls.  */
static void
check_same (const char *spec, fga_instance_srcptr inst, int with_lse, size_t min_calls)
{
  fga_error err;
  fga_method m = prepared (spec, inst, &err);
  ck_assert_msg (m != NULL, "%s: %s", spec, err.msg);
  size_t nq = inst->Q->rows, dv = inst->V->cols;
  fga_mat_t T0, T1;
  ck_assert (fga_mat_init (T0, nq, dv, &err) == FGA_OK && fga_mat_init (T1, nq, dv, &err)
             == FGA_OK);
  double *l0 = with_lse ? calloc (nq, sizeof (double)) : NULL;
  double *l1 = with_lse ? calloc (nq, sizeof (double)) : NULL;
  fga_stats s0, s1;
  int rc = fga_method_run (m, T0, l0, inst->Q, inst->K, inst->V, &s0, &err);
  ck_assert_msg (rc == FGA_OK, "%s: %s", spec, err.msg);
  record_t r;
  record_init (&r);
  fga_progress pr = { record, &r };
  rc = fga_method_run_progress (m, T1, l1, inst->Q, inst->K, inst->V, &s1, &pr, &err);
  ck_assert_msg (rc == FGA_OK, "%s with progress: %s", spec, err.msg);
  check_record (&r, spec, min_calls);
  ck_assert_msg (memcmp (T0->data, T1->data, nq * dv * sizeof (double)) == 0,
                 "%s: the output differs with a progress", spec);
  if (with_lse)
    ck_assert_msg (memcmp (l0, l1, nq * sizeof (double)) == 0, "%s: lse differs", spec);
  ck_assert_msg (s0.n_mul == s1.n_mul && s0.n_add == s1.n_add && s0.n_exp == s1.n_exp
                 && s0.n_div == s1.n_div && s0.n_cmp == s1.n_cmp,
                 "%s: the counts differ with a progress", spec);
  ck_assert_msg (s0.peak_bytes == s1.peak_bytes && s0.threads == s1.threads,
                 "%s: peak_bytes %zu and %zu, threads %d and %d without and with a progress",
                 spec, s0.peak_bytes, s1.peak_bytes, s0.threads, s1.threads);
  ck_assert_uint_eq (s0.nextra, s1.nextra);
  for (size_t k = 0; k < s0.nextra; k++)
    ck_assert_msg (strcmp (s0.extra[k].name, s1.extra[k].name) == 0
                   && memcmp (&s0.extra[k].value, &s1.extra[k].value, sizeof (double)) == 0,
                   "%s: the figure %s differs with a progress", spec, s0.extra[k].name);
  free (l0);
  free (l1);
  fga_mat_clear (T0);
  fga_mat_clear (T1);
  fga_method_destroy (m);
}

/* ------------------------------------------------------------------ */
/* the progress of the methods */

START_TEST (test_methods_progress)
{
  unsigned long seed = fga_test_seed () + 100;
  fga_instance_t inst;
  instance (inst, 300, 200, 4, 3, 1, seed);
  /* poly: r = C(4 + 6, 4) = 210 features in blocks of 16: 14 blocks */
  check_same ("poly:deg=6,block=16", inst, 1, 10);
  check_same ("poly:deg=6,block=16,arith=mpfr,prec=80", inst, 1, 10);
  check_same ("poly:eps=1e-3", inst, 0, 1);
  /* naive: blocks of rows when each keeps the threads of one call */
  fga_instance_t tall;
  instance (tall, 2048, 200, 4, 3, 1, seed + 1);
  check_same ("exact:algo=naive", tall, 1, 8);
  check_same ("exact:algo=naive", inst, 1, 1);
  /* scores near the double range: rows of Q are rescaled, one call */
  fga_instance_t huge;
  instance (huge, 2048, 200, 4, 3, 1e155, seed + 2);
  check_same ("exact:algo=naive", huge, 0, 1);
  fga_instance_clear (huge);
  fga_instance_clear (tall);
  /* the truth reports the rows of the caller's thread */
  check_same ("exact:algo=mpfr", inst, 1, 1);
  /* the others report the end only */
  check_same ("exact:algo=stream", inst, 1, 1);
  check_same ("rf:m=16", inst, 0, 1);
  fga_instance_clear (inst);
}
END_TEST

/* A progress whose fn is NULL is none; a failed run does not end with 1. */
START_TEST (test_progress_edges)
{
  fga_instance_t inst;
  instance (inst, 40, 40, 4, 2, 1, fga_test_seed () + 200);
  fga_error err;
  fga_method m = prepared ("poly:deg=3", inst, &err);
  ck_assert_msg (m != NULL, "%s", err.msg);
  fga_mat_t T, Tbad;
  ck_assert (fga_mat_init (T, 40, 2, &err) == FGA_OK && fga_mat_init (Tbad, 39, 2, &err)
             == FGA_OK);
  fga_progress none = { NULL, NULL };
  ck_assert (fga_method_run_progress (m, T, NULL, inst->Q, inst->K, inst->V, NULL, &none, &err)
             == FGA_OK);
  record_t r;
  record_init (&r);
  fga_progress pr = { record, &r };
  ck_assert (fga_method_run_progress (m, Tbad, NULL, inst->Q, inst->K, inst->V, NULL, &pr, &err)
             == FGA_ERR_INPUT);
  ck_assert_msg (r.ones == 0, "a refused run reported 1");
  fga_mat_clear (T);
  fga_mat_clear (Tbad);
  fga_method_destroy (m);
  fga_instance_clear (inst);
}
END_TEST

/* fga_truth with the thread's progress, and the setting put back.  On
   one thread every row is the caller's, so each is reported (64 rows:
   63 fractions below 1, then 1); on several, the rows of the caller's
   thread are.  */
START_TEST (test_truth_progress)
{
  fga_instance_t inst;
  instance (inst, 64, 80, 3, 2, 2, fga_test_seed () + 300);
  fga_error err;
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_mat_t T0, T1;
  ck_assert (fga_mat_init (T0, 64, 2, &err) == FGA_OK && fga_mat_init (T1, 64, 2, &err)
             == FGA_OK);
  ck_assert (fga_truth (T0, NULL, NULL, NULL, inst->Q, inst->K, inst->V, &tau, NULL, NULL, NULL,
                        &err) == FGA_OK);
  record_t r;
  fga_progress pr = { record, &r };
  for (int one = 0; one <= 1; one++)
    {
#ifdef _OPENMP
      int saved = omp_get_max_threads ();
      if (one)
        omp_set_num_threads (1);
#endif
      record_init (&r);
      fga_progress old = fga_truth_set_progress (&pr);
      ck_assert (old.fn == NULL);
      ck_assert (fga_truth (T1, NULL, NULL, NULL, inst->Q, inst->K, inst->V, &tau, NULL, NULL,
                            NULL, &err) == FGA_OK);
      fga_progress back = fga_truth_set_progress (&old);
#ifdef _OPENMP
      omp_set_num_threads (saved);
#endif
      ck_assert (back.fn == record && back.data == &r);
      check_record (&r, "fga_truth", one ? 64 : 1);
      ck_assert (memcmp (T0->data, T1->data, 64 * 2 * sizeof (double)) == 0);
    }
  /* unset: no more calls */
  size_t calls = r.calls;
  ck_assert (fga_truth (T1, NULL, NULL, NULL, inst->Q, inst->K, inst->V, &tau, NULL, NULL, NULL,
                        &err) == FGA_OK);
  ck_assert_uint_eq (r.calls, calls);
  fga_mat_clear (T0);
  fga_mat_clear (T1);
  fga_instance_clear (inst);
}
END_TEST

/* ------------------------------------------------------------------ */
/* predictions: the operations are those the run then records */

static void
check_predicted_ops (const char *spec, const char *counted_by, fga_instance_srcptr inst,
                     long prec)
{
  fga_error err;
  fga_method m = prepared (spec, inst, &err), c = prepared (counted_by, inst, &err);
  ck_assert_msg (m != NULL && c != NULL, "%s: %s", spec, err.msg);
  fga_method_prediction pd;
  ck_assert_msg (fga_method_predict (&pd, m, 1, &err) == FGA_OK, "%s: %s", spec, err.msg);
  fga_mat_t T;
  ck_assert (fga_mat_init (T, inst->Q->rows, inst->V->cols, &err) == FGA_OK);
  double *lse = calloc (inst->Q->rows, sizeof (double));
  fga_stats st;
  ck_assert (fga_method_run (c, T, lse, inst->Q, inst->K, inst->V, &st, &err) == FGA_OK);
  ck_assert_msg (pd.ops == total_ops (&st), "%s: predicted %.17g operations, %s counted %.17g",
                 spec, pd.ops, counted_by, total_ops (&st));
  ck_assert_int_eq (pd.prec, prec);
  ck_assert (pd.threads >= 1);
  ck_assert_msg (pd.seconds > 0 && isfinite (pd.seconds), "%s: %g s", spec, pd.seconds);
  free (lse);
  fga_mat_clear (T);
  fga_method_destroy (m);
  fga_method_destroy (c);
}

START_TEST (test_predict)
{
  fga_instance_t inst;
  instance (inst, 60, 70, 4, 3, 1, fga_test_seed () + 400);
  check_predicted_ops ("poly:eps=1e-4", "poly:eps=1e-4", inst, 53);
  check_predicted_ops ("poly:deg=5,arith=mpfr,prec=256", "poly:deg=5,arith=mpfr,prec=256", inst,
                       256);
  check_predicted_ops ("exact:algo=naive", "exact:algo=naive", inst, 53);
  /* the truth: the naive kernel's operations, at its precision */
  check_predicted_ops ("exact:algo=mpfr,prec=200", "exact:algo=naive", inst, 200);

  /* MPFR at more bits is predicted slower, on the same operations */
  fga_error err;
  fga_method a = prepared ("poly:deg=5,arith=mpfr,prec=64", inst, &err);
  fga_method b = prepared ("poly:deg=5,arith=mpfr,prec=65536", inst, &err);
  fga_method_prediction pa, pb;
  ck_assert (fga_method_predict (&pa, a, 0, &err) == FGA_OK);
  ck_assert (fga_method_predict (&pb, b, 0, &err) == FGA_OK);
  ck_assert (pa.ops == pb.ops);
  ck_assert_msg (pb.seconds / pb.threads > pa.seconds / pa.threads,
                 "65536 bits predicted %g s, 64 bits %g s", pb.seconds, pa.seconds);
  fga_method_destroy (a);
  fga_method_destroy (b);

  /* no prediction: not prepared, or work not known in advance */
  fga_method m = fga_method_create ("poly:deg=3", &err);
  ck_assert_int_eq (fga_method_predict (&pa, m, 0, &err), FGA_ERR_INPUT);
  fga_method_destroy (m);
  m = prepared ("svd:k=3", inst, &err);
  ck_assert_int_eq (fga_method_predict (&pa, m, 0, &err), FGA_ERR_INPUT);
  fga_method_destroy (m);
  fga_instance_clear (inst);
}
END_TEST

/* ------------------------------------------------------------------ */
/* poly's budget: the refusal says which way to go, and its values work */

/* The number after key in msg (0 when absent).  */
static double
number_after (const char *msg, const char *key)
{
  const char *p = strstr (msg, key);
  return p != NULL ? strtod (p + strlen (key), NULL) : 0;
}

START_TEST (test_budget_hint)
{
  fga_instance_t inst;
  instance (inst, 64, 64, 8, 4, 2, fga_test_seed () + 500);
  fga_error err;
  /* d = 8: eps=1e-9 asks a degree whose tables take more than 2 MB */
  const char *spec = "poly:eps=1e-9,budget=2000000";
  fga_method m = prepared (spec, inst, &err);
  ck_assert_msg (m == NULL && err.code == FGA_ERR_INPUT, "%s was not refused", spec);
  ck_assert_msg (strstr (err.msg, "raise eps to") != NULL && strstr (err.msg, "lower eps") == NULL
                 && strstr (err.msg, "a larger eps lowers the degree") != NULL,
                 "the hint does not say to raise eps: %s", err.msg);
  long gfit = (long) number_after (err.msg, "within budget is g = ");
  double eps = number_after (err.msg, "raise eps to ");
  double Rg = number_after (err.msg, "a radius R <= ");
  double Bg = number_after (err.msg, "entries within B = ");
  long gmsg = (long) number_after (err.msg, "(d = 8, g = ");
  ck_assert_msg (gfit >= 1 && gfit < gmsg && eps > 1e-9 && Rg > 0 && Bg > 0, "%s", err.msg);

  /* the eps suggested fits, and takes a degree <= gfit */
  char s2[128];
  snprintf (s2, sizeof s2, "poly:eps=%.17g,budget=2000000", eps);
  m = prepared (s2, inst, &err);
  ck_assert_msg (m != NULL, "%s (suggested) refused: %s", s2, err.msg);
  fga_method_destroy (m);
  /* deg = gfit fits, gfit + 1 does not */
  snprintf (s2, sizeof s2, "poly:deg=%ld,budget=2000000", gfit);
  m = prepared (s2, inst, &err);
  ck_assert_msg (m != NULL, "%s refused: %s", s2, err.msg);
  fga_method_destroy (m);
  snprintf (s2, sizeof s2, "poly:deg=%ld,budget=2000000", gfit + 1);
  ck_assert (prepared (s2, inst, &err) == NULL);
  ck_assert_msg (strstr (err.msg, "give deg=") != NULL && strstr (err.msg, "or lower") != NULL
                 && strstr (err.msg, "raise eps") == NULL, "deg given: %s", err.msg);
  ck_assert_int_eq ((long) number_after (err.msg, "give deg="), gfit);

  /* the radius and the entry bound: data within Bg fit with eps=1e-9 */
  fga_instance_t small;
  instance (small, 64, 64, 8, 4, Bg, fga_test_seed () + 501);
  m = prepared ("poly:eps=1e-9,budget=2000000,R=apriori", small, &err);
  ck_assert_msg (m != NULL, "B = %g (suggested) refused: %s", Bg, err.msg);
  fga_method_destroy (m);
  /* the direction, independently: eps and R against fga_expfit_least_degree */
  long g1, g2;
  ck_assert (fga_expfit_least_degree (&g1, FGA_BASIS_CHEB, 4, 1e-9, 1, 10000, &err) == FGA_OK);
  ck_assert (fga_expfit_least_degree (&g2, FGA_BASIS_CHEB, 4, 1e-6, 1, 10000, &err) == FGA_OK);
  ck_assert (g2 < g1);
  ck_assert (fga_expfit_least_degree (&g2, FGA_BASIS_CHEB, 1, 1e-9, 1, 10000, &err) == FGA_OK);
  ck_assert (g2 < g1);

  /* a budget that no degree fits */
  m = prepared ("poly:eps=1e-9,budget=10", inst, &err);
  ck_assert (m == NULL && strstr (err.msg, "no degree >= 1 fits budget=10") != NULL
             && strstr (err.msg, "raise budget to") != NULL);
  fga_instance_clear (small);
  fga_instance_clear (inst);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("progress");
  TCase *tc = fga_test_tcase ("progress", 60);
  tcase_add_test (tc, test_methods_progress);
  tcase_add_test (tc, test_progress_edges);
  tcase_add_test (tc, test_truth_progress);
  tcase_add_test (tc, test_predict);
  tcase_add_test (tc, test_budget_hint);
  suite_add_tcase (s, tc);
  return fga_test_run_suite (s);
}
