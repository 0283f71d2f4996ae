/* t-reduction -- gap Hamming closest pair: generator, brute force, files, and the reduction */

#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "testutil.h"

static char tmpdir[] = "/tmp/t-reduction-XXXXXX";

static void
make_tmpdir (void)
{
  /* Outside any test: Check's assertions cannot report here.  */
  if (mkdtemp (tmpdir) == NULL)
    {
      fprintf (stderr, "t-reduction: mkdtemp %s: %s\n", tmpdir, strerror (errno));
      exit (99);
    }
}

static void
path_of (char *buf, size_t size, const char *name)
{
  snprintf (buf, size, "%s/%s", tmpdir, name);
}

static void
write_text (const char *path, const char *text)
{
  FILE *f = fopen (path, "w");
  ck_assert_ptr_nonnull (f);
  fputs (text, f);
  fclose (f);
}

static void
generate (fga_hamming_ptr h, size_t n, size_t m, size_t t, double eps, int planted,
          unsigned long seed)
{
  fga_error err;
  fga_error_init (&err);
  int rc = fga_hamming_generate (h, n, m, t, eps, planted, seed, &err);
  ck_assert_msg (rc == FGA_OK, "generate n=%zu m=%zu t=%zu: %s", n, m, t, err.msg);
}

/* Runs a method spec with tau = 1/d on inst; T is initialised here.  */
static void
run_spec (fga_mat_ptr T, const char *spec, fga_instance_srcptr inst)
{
  fga_error err;
  fga_error_init (&err);
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_problem prob;
  fga_stats st;
  fga_method m = fga_method_create (spec, &err);
  ck_assert_msg (m != NULL, "%s: %s", spec, err.msg);
  fga_problem_from_instance (&prob, inst, &tau);
  ck_assert_int_eq (fga_method_prepare (m, &prob, &err), FGA_OK);
  ck_assert_int_eq (fga_mat_init (T, prob.nq, prob.dv, &err), FGA_OK);
  ck_assert_msg (fga_method_run (m, T, NULL, inst->Q, inst->K, inst->V, &st, &err) == FGA_OK,
                 "%s: %s", spec, err.msg);
  fga_method_destroy (m);
}

/* The output the lemma predicts, o_i = x_i / (x_i + n), from the distances.  */
static double
predicted_o (fga_hamming_srcptr h, double lambda, size_t i)
{
  long double x = 0;
  for (size_t j = 0; j < h->n; j++)
    x += expl (-(long double) lambda * (long double) fga_hamming_distance (h, i, j));
  return (double) (x / (x + (long double) h->n));
}

/* --- the generator and the brute force -------------------------------------- */

START_TEST (test_generator_guarantees)
{
  static const size_t cfg[][3] = { { 16, 32, 4 }, { 64, 32, 6 }, { 100, 48, 8 },
                                   { 256, 64, 12 }, { 7, 20, 3 } };
  for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++)
    for (int planted = 0; planted <= 1; planted++)
      for (unsigned long seed = 1; seed <= 3; seed++)
        {
          size_t n = cfg[c][0], m = cfg[c][1], t = cfg[c][2];
          fga_hamming_t h;
          fga_hamming_init (h);
          generate (h, n, m, t, 0.5, planted, seed + fga_test_seed ());
          size_t far = fga_hamming_far (t, 0.5);
          ck_assert_uint_eq (far, (size_t) ceil (1.5 * t));
          for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
              {
                size_t dist = fga_hamming_distance (h, i, j);
                if (planted && i == h->pi && j == h->pj)
                  ck_assert_uint_eq (dist, t);
                else
                  ck_assert_msg (dist >= far, "pair (%zu, %zu) at %zu < %zu", i, j, dist, far);
              }
          for (size_t k = 0; k < n * m; k++)
            ck_assert (h->a[k] <= 1 && h->b[k] <= 1);
          fga_hamming_solution sol;
          fga_hamming_solve (&sol, h);
          ck_assert_int_eq (sol.yes, planted);
          ck_assert_uint_eq (sol.gap_pairs, 0);
          ck_assert_uint_eq (sol.close_pairs, planted ? 1 : 0);
          if (planted)
            {
              ck_assert_uint_eq (sol.min_dist, t);
              ck_assert_uint_eq (sol.argmin_i, h->pi);
              ck_assert_uint_eq (sol.argmin_j, h->pj);
            }
          else
            ck_assert_uint_ge (sol.min_dist, far);
          fga_hamming_clear (h);
        }
}
END_TEST

START_TEST (test_generator_deterministic)
{
  fga_hamming_t h1, h2;
  fga_hamming_init (h1);
  fga_hamming_init (h2);
  generate (h1, 32, 40, 5, 0.6, 1, 77);
  generate (h2, 32, 40, 5, 0.6, 1, 77);
  ck_assert_mem_eq (h1->a, h2->a, 32 * 40);
  ck_assert_mem_eq (h1->b, h2->b, 32 * 40);
  ck_assert_uint_eq (h1->pi, h2->pi);
  generate (h2, 32, 40, 5, 0.6, 1, 78);
  ck_assert (memcmp (h1->a, h2->a, 32 * 40) != 0);
  fga_hamming_clear (h1);
  fga_hamming_clear (h2);
}
END_TEST

START_TEST (test_brute_force_by_hand)
{
  /* Three hand-made pairs: min distance 1 at (1, 0).  */
  fga_hamming_t h;
  fga_hamming_init (h);
  unsigned char a[] = { 0, 0, 0, 0,  1, 1, 1, 1,  0, 1, 0, 1 };
  unsigned char b[] = { 1, 1, 1, 0,  0, 0, 1, 1,  1, 0, 1, 0 };
  h->n = 3, h->m = 4, h->t = 1, h->eps = 1.0;
  h->a = a, h->b = b;
  fga_hamming_solution sol;
  fga_hamming_solve (&sol, h);
  ck_assert_uint_eq (fga_hamming_distance (h, 0, 0), 3);
  ck_assert_uint_eq (fga_hamming_distance (h, 2, 2), 4);
  ck_assert_uint_eq (sol.min_dist, 1);
  ck_assert_uint_eq (sol.argmin_i, 1);
  ck_assert_uint_eq (sol.argmin_j, 0);
  ck_assert_int_eq (sol.yes, 1);
  ck_assert_uint_eq (sol.close_pairs, 1);
  /* far = 2: no pair strictly between 1 and 2.  */
  ck_assert_uint_eq (sol.gap_pairs, 0);
  ck_assert_uint_eq (fga_hamming_distance (h, 0, 1), 2);
  ck_assert_uint_eq (fga_hamming_distance (h, 2, 0), 3);
}
END_TEST

START_TEST (test_round_trip)
{
  fga_error err;
  fga_error_init (&err);
  fga_hamming_t h, g;
  fga_hamming_init (h);
  fga_hamming_init (g);
  generate (h, 20, 24, 3, 0.75, 1, 5);
  char dir[512];
  path_of (dir, sizeof dir, "rt");
  ck_assert_msg (fga_hamming_write (dir, h, &err) == FGA_OK, "%s", err.msg);
  ck_assert_msg (fga_hamming_read (g, dir, &err) == FGA_OK, "%s", err.msg);
  ck_assert_uint_eq (g->n, 20);
  ck_assert_uint_eq (g->m, 24);
  ck_assert_uint_eq (g->t, 3);
  ck_assert (g->eps == 0.75);
  ck_assert_int_eq (g->planted, 1);
  ck_assert_uint_eq (g->seed, 5);
  ck_assert_uint_eq (g->pi, h->pi);
  ck_assert_uint_eq (g->pj, h->pj);
  ck_assert_mem_eq (g->a, h->a, 20 * 24);
  ck_assert_mem_eq (g->b, h->b, 20 * 24);
  /* Only hamming.json, no temporary left behind.  */
  ck_assert_uint_eq (fga_test_count_entries (dir), 1);
  fga_hamming_clear (h);
  fga_hamming_clear (g);
}
END_TEST

/* --- the reduction ---------------------------------------------------------- */

/* Reduces h, checks the construction entry by entry, the thresholds, the
   lemma's prediction, and returns the decision of exact:algo=naive.  */
static int
reduce_and_decide (fga_hamming_srcptr h, const char *spec, double *max_o_out)
{
  fga_error err;
  fga_error_init (&err);
  fga_instance_t inst;
  fga_instance_init (inst);
  fga_reduction_info info;
  ck_assert_msg (fga_reduce (inst, &info, h, &err) == FGA_OK, "%s", err.msg);
  size_t n = h->n, m = h->m;
  ck_assert_uint_eq (inst->Q->rows, 2 * n);
  ck_assert_uint_eq (inst->Q->cols, 2 * m);
  ck_assert_uint_eq (inst->V->cols, 1);
  ck_assert_int_eq (fga_reduction_check (inst, &info, &err), FGA_OK);

  /* lambda, s and the thresholds as the proof defines them.  */
  double lambda = log (4.0 * n) / (h->eps * h->t);
  ck_assert_close (info.lambda, lambda, 4, 0);
  ck_assert_close (info.s, sqrt (lambda * 2 * m), 4, 0);
  double e = exp (-lambda * h->t);
  /* e^{-lambda t} = (4n)^{-1/eps}.  */
  ck_assert_close (e, pow (4.0 * n, -1.0 / h->eps), 64, 0);
  ck_assert_close (info.yes_bound, e / (2.0 * n), 4, 0);
  ck_assert_close (info.no_bound, e / (4.0 * n), 4, 0);
  ck_assert_close (info.accuracy, e / (8.0 * n), 4, 0);
  ck_assert (info.no_bound + info.accuracy <= info.decide_at * (1 + 1e-15));
  ck_assert (info.decide_at + info.accuracy <= info.yes_bound * (1 + 1e-15));
  /* n far keys weigh a quarter of one close key: n e^{-lambda (1+eps) t} = e / 4. */
  ck_assert_close (n * exp (-lambda * (1 + h->eps) * h->t), e / 4, 64, 0);

  /* The entry bound is the largest |entry| of Q and K, and B = s, Bv = 1.  */
  ck_assert (fga_mat_max_abs (inst->Q) == info.s);
  ck_assert (fga_mat_max_abs (inst->K) == info.s);
  ck_assert (inst->B == info.s && inst->Bv == 1);
  ck_assert_close (info.s_over_sqrt_ln_n, info.s / sqrt (log ((double) n)), 4, 0);

  /* The scores with tau = 1/d are lambda (m - ham) on real keys and lambda m
     on the dummy keys.  */
  for (size_t i = 0; i < n; i += 1 + n / 5)
    for (size_t j = 0; j < 2 * n; j += 1 + n / 7)
      {
        double dot = 0;
        for (size_t k = 0; k < 2 * m; k++)
          dot += FGA_MAT (inst->Q, i, k) * FGA_MAT (inst->K, j, k);
        double want = j < n ? lambda * (m - (double) fga_hamming_distance (h, i, j))
          : lambda * m;
        ck_assert_close (dot / (2 * m), want, 64, 1e-12);
      }

  fga_mat_t T;
  run_spec (T, spec, inst);
  /* Real queries give x_i / (x_i + n); dummy queries 1/2.  */
  for (size_t i = 0; i < n; i++)
    ck_assert_close (FGA_MAT (T, i, 0), predicted_o (h, lambda, i), 1e6, 0);
  for (size_t i = n; i < 2 * n; i++)
    ck_assert_close (FGA_MAT (T, i, 0), 0.5, 8, 0);
  fga_reduction_decision dec;
  ck_assert_int_eq (fga_reduction_decide (&dec, T, &info, &err), FGA_OK);
  /* The lemma's inequalities on the true outputs.  */
  if (h->planted == 1)
    ck_assert_msg (dec.max_o >= info.yes_bound, "YES: max o %g < %g", dec.max_o,
                   info.yes_bound);
  else
    ck_assert_msg (dec.max_o <= info.no_bound, "NO: max o %g > %g", dec.max_o, info.no_bound);
  ck_assert (dec.margin >= info.accuracy);
  *max_o_out = dec.max_o;
  fga_mat_clear (T);
  fga_instance_clear (inst);
  return dec.yes;
}

START_TEST (test_reduction_agrees_with_brute_force)
{
  /* exact:algo=naive (double, max-subtracted) is the ground truth here: the
     decision needs relative accuracy 1/4 on outputs >= e^{-lambda t}/(8n)
     >= 1e-12, and naive's relative error is ~1e-15; the agreement with the
     MPFR truth is checked in test_reduction_certified_truth.  */
  static const size_t cfg[][3] = { { 16, 32, 4 }, { 32, 32, 6 }, { 64, 48, 8 },
                                   { 128, 64, 12 }, { 9, 24, 3 } };
  static const double gaps[] = { 0.5, 1.0 };
  for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++)
    for (size_t g = 0; g < 2; g++)
      for (int planted = 0; planted <= 1; planted++)
        for (unsigned long seed = 1; seed <= 2; seed++)
          {
            size_t n = cfg[c][0], m = cfg[c][1], t = cfg[c][2];
            if (fga_hamming_far (t, gaps[g]) > m / 2 - 2)
              continue;
            fga_hamming_t h;
            fga_hamming_init (h);
            generate (h, n, m, t, gaps[g], planted, 100 * seed + fga_test_seed ());
            fga_hamming_solution sol;
            fga_hamming_solve (&sol, h);
            double max_o;
            int yes = reduce_and_decide (h, "exact:algo=naive", &max_o);
            ck_assert_msg (yes == sol.yes, "n=%zu m=%zu t=%zu planted=%d: reduction says %d",
                           n, m, t, planted, yes);
            fga_hamming_clear (h);
          }
}
END_TEST

START_TEST (test_reduction_certified_truth)
{
  for (int planted = 0; planted <= 1; planted++)
    {
      fga_error err;
      fga_error_init (&err);
      fga_hamming_t h;
      fga_hamming_init (h);
      generate (h, 16, 32, 4, 0.5, planted, 9 + fga_test_seed ());
      fga_instance_t inst;
      fga_instance_init (inst);
      fga_reduction_info info;
      ck_assert_int_eq (fga_reduce (inst, &info, h, &err), FGA_OK);
      fga_mat_t T, N;
      fga_tau tau = { FGA_TAU_INV_D, 0 };
      fga_truth_info ti;
      ck_assert_int_eq (fga_mat_init (T, inst->nq, 1, &err), FGA_OK);
      ck_assert_msg (fga_truth (T, NULL, NULL, NULL, inst->Q, inst->K, inst->V, &tau, NULL, &ti,
                                NULL, &err) == FGA_OK, "%s", err.msg);
      ck_assert_uint_eq (ti.undecided, 0);
      fga_reduction_decision dec, ndec;
      ck_assert_int_eq (fga_reduction_decide (&dec, T, &info, &err), FGA_OK);
      ck_assert_int_eq (dec.yes, planted);
      run_spec (N, "exact:algo=naive", inst);
      ck_assert_int_eq (fga_reduction_decide (&ndec, N, &info, &err), FGA_OK);
      ck_assert_int_eq (ndec.yes, planted);
      for (size_t i = 0; i < inst->nq; i++)
        ck_assert_close (FGA_MAT (N, i, 0), FGA_MAT (T, i, 0), 1e3, 0);
      fga_mat_clear (T);
      fga_mat_clear (N);
      fga_instance_clear (inst);
      fga_hamming_clear (h);
    }
}
END_TEST

START_TEST (test_references_example)
{
  /* theory/lower-bound.md, section 3: n = 64, m = 32, t = 6, eps = 0.5 gives YES
     bound 1.19e-7 and NO bound 5.96e-8; planted max o = 2.39e-7 and
     unplanted 2.99e-9 there (our random vectors differ: the inequalities
     are what must hold).  */
  for (unsigned long seed = 1; seed <= 4; seed++)
    for (int planted = 0; planted <= 1; planted++)
      {
        fga_hamming_t h;
        fga_hamming_init (h);
        generate (h, 64, 32, 6, 0.5, planted, seed);
        fga_error err;
        fga_instance_t inst;
        fga_instance_init (inst);
        fga_reduction_info info;
        ck_assert_int_eq (fga_reduce (inst, &info, h, &err), FGA_OK);
        ck_assert_close (info.yes_bound, 1.0 / (2 * 64.0 * 65536), 8, 0);
        ck_assert (fabs (info.yes_bound - 1.19e-7) < 0.01e-7);
        ck_assert (fabs (info.no_bound - 5.96e-8) < 0.01e-8);
        fga_instance_clear (inst);
        double max_o;
        int yes = reduce_and_decide (h, "exact:algo=naive", &max_o);
        ck_assert_int_eq (yes, planted);
        if (planted)
          ck_assert (max_o >= 1.19e-7 && max_o < 1e-6);
        else
          ck_assert (max_o <= 5.96e-8);
        fga_hamming_clear (h);
      }
}
END_TEST

START_TEST (test_info_files)
{
  fga_error err;
  fga_error_init (&err);
  fga_hamming_t h;
  fga_hamming_init (h);
  generate (h, 24, 32, 4, 0.5, 1, 3);
  fga_instance_t inst, back;
  fga_instance_init (inst);
  fga_instance_init (back);
  fga_reduction_info info, rinfo;
  ck_assert_int_eq (fga_reduce (inst, &info, h, &err), FGA_OK);
  char dir[512];
  path_of (dir, sizeof dir, "att");
  ck_assert_msg (fga_instance_write (dir, inst, &err) == FGA_OK, "%s", err.msg);
  ck_assert_msg (fga_reduction_write_info (dir, &info, &err) == FGA_OK, "%s", err.msg);
  ck_assert_msg (fga_instance_read (back, dir, &err) == FGA_OK, "%s", err.msg);
  ck_assert_msg (fga_reduction_read_info (&rinfo, dir, &err) == FGA_OK, "%s", err.msg);
  ck_assert (back->B == info.s && back->Bv == 1);
  ck_assert (rinfo.s == info.s && rinfo.lambda == info.lambda);
  ck_assert (rinfo.yes_bound == info.yes_bound && rinfo.no_bound == info.no_bound);
  ck_assert (rinfo.accuracy == info.accuracy && rinfo.decide_at == info.decide_at);
  ck_assert (rinfo.n == 24 && rinfo.m == 32 && rinfo.d == 64 && rinfo.t == 4);
  /* The JSON's entry bound is the largest |entry| of what was read back.  */
  ck_assert (rinfo.s == fga_mat_max_abs (back->Q));
  ck_assert (rinfo.s == fga_mat_max_abs (back->K));
  ck_assert_int_eq (fga_reduction_check (back, &rinfo, &err), FGA_OK);
  fga_instance_clear (inst);
  fga_instance_clear (back);
  fga_hamming_clear (h);
}
END_TEST

/* --- refusals --------------------------------------------------------------- */

START_TEST (test_bad_input)
{
  fga_error err;
  fga_error_init (&err);
  fga_hamming_t h;
  fga_hamming_init (h);
  ck_assert_int_eq (fga_hamming_generate (h, 10, 32, 0, 0.5, 1, 1, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fga_hamming_generate (h, 10, 32, 40, 0.5, 1, 1, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fga_hamming_generate (h, 10, 32, 4, 0.0, 1, 1, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fga_hamming_generate (h, 10, 32, 4, -1.0, 1, 1, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fga_hamming_generate (h, 0, 32, 4, 0.5, 1, 1, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fga_hamming_generate (h, 10, 32, 20, 1.0, 1, 1, &err), FGA_ERR_INPUT);
  /* The gap at m/2: (1+eps) t = 15 against m/2 = 16 for n = 256.  */
  ck_assert_int_eq (fga_hamming_generate (h, 256, 32, 10, 0.5, 0, 1, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "m/2") != NULL, "message: %s", err.msg);
  ck_assert_ptr_null (h->a);

  char dir[512], file[600];
  path_of (dir, sizeof dir, "bad");
  ck_assert_int_eq (fga_hamming_read (h, dir, &err), FGA_ERR_IO);
  ck_assert_int_eq (mkdir (dir, 0777), 0);
  snprintf (file, sizeof file, "%s/hamming.json", dir);
  static const char *const bad[] = {
    "{\"format\": \"other\", \"n\": 1, \"m\": 2, \"t\": 1, \"eps\": 1, \"a\": [\"01\"], \"b\": [\"10\"]}",
    "{\"format\": \"fgattn-hamming\", \"n\": 1, \"m\": 2, \"t\": 1, \"eps\": 1, \"a\": [\"0x\"], \"b\": [\"10\"]}",
    "{\"format\": \"fgattn-hamming\", \"n\": 1, \"m\": 2, \"t\": 1, \"eps\": 1, \"a\": [\"011\"], \"b\": [\"10\"]}",
    "{\"format\": \"fgattn-hamming\", \"n\": 2, \"m\": 2, \"t\": 1, \"eps\": 1, \"a\": [\"01\"], \"b\": [\"10\"]}",
    "{\"format\": \"fgattn-hamming\", \"n\": 1, \"m\": 2, \"t\": 0, \"eps\": 1, \"a\": [\"01\"], \"b\": [\"10\"]}",
    "{\"format\": \"fgattn-hamming\", \"n\": 1, \"m\": 2, \"t\": 1, \"eps\": \"1\", \"a\": [\"01\"], \"b\": [\"10\"]}",
    "{\"format\": \"fgattn-hamming\", \"n\": 1, \"m\": 2, \"t\": 1, \"eps\": 1, \"planted\": true, \"planted_pair\": [0, 5], \"a\": [\"01\"], \"b\": [\"10\"]}",
    "not json",
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
    {
      write_text (file, bad[k]);
      ck_assert_msg (fga_hamming_read (h, dir, &err) == FGA_ERR_INPUT, "accepted %s", bad[k]);
      ck_assert_ptr_null (h->a);
    }
  write_text (file, "{\"format\": \"fgattn-hamming\", \"n\": 1, \"m\": 2, \"t\": 1, "
              "\"eps\": 1, \"a\": [\"01\"], \"b\": [\"11\"]}");
  ck_assert_msg (fga_hamming_read (h, dir, &err) == FGA_OK, "%s", err.msg);
  ck_assert_int_eq (h->planted, -1);
  ck_assert_uint_eq (fga_hamming_distance (h, 0, 0), 1);

  /* reduction.json with another tau, or disordered thresholds.  */
  fga_reduction_info info;
  fga_instance_t inst;
  fga_instance_init (inst);
  ck_assert_int_eq (fga_reduce (inst, &info, h, &err), FGA_OK);
  ck_assert_int_eq (fga_reduction_write_info (dir, &info, &err), FGA_OK);
  ck_assert_int_eq (fga_reduction_read_info (&info, dir, &err), FGA_OK);
  snprintf (file, sizeof file, "%s/reduction.json", dir);
  write_text (file, "{\"format\": \"fgattn-reduction\", \"tau\": \"1/sqrt(d)\"}");
  ck_assert_int_eq (fga_reduction_read_info (&info, dir, &err), FGA_ERR_INPUT);
  ck_assert (strstr (err.msg, "1/d") != NULL);
  /* A decision from an output with too few rows.  */
  ck_assert_int_eq (fga_reduce (inst, &info, h, &err), FGA_OK);
  fga_mat_t T;
  ck_assert_int_eq (fga_mat_init (T, 0, 1, &err), FGA_OK);
  fga_reduction_decision dec;
  ck_assert_int_eq (fga_reduction_decide (&dec, T, &info, &err), FGA_ERR_INPUT);
  fga_mat_clear (T);
  /* An instance of the wrong shape.  */
  fga_instance_t other;
  fga_instance_init (other);
  ck_assert_int_eq (fga_instance_generate (other, 2, 2, 3, 1, 1.0, 1.0, FGA_DIST_UNIFORM, 1,
                                           &err), FGA_OK);
  ck_assert_int_eq (fga_reduction_check (other, &info, &err), FGA_ERR_INPUT);
  fga_instance_clear (other);
  fga_instance_clear (inst);
  fga_hamming_clear (h);
  /* An empty Hamming instance is refused by the reduction.  */
  ck_assert_int_eq (fga_reduce (inst, &info, h, &err), FGA_ERR_INPUT);
}
END_TEST

static Suite *
reduction_suite (void)
{
  Suite *s = suite_create ("reduction");
  TCase *tc = fga_test_tcase ("gap hamming", 60);
  tcase_add_test (tc, test_generator_guarantees);
  tcase_add_test (tc, test_generator_deterministic);
  tcase_add_test (tc, test_brute_force_by_hand);
  tcase_add_test (tc, test_round_trip);
  suite_add_tcase (s, tc);
  tc = fga_test_tcase ("reduction", 60);
  tcase_add_test (tc, test_reduction_agrees_with_brute_force);
  tcase_add_test (tc, test_reduction_certified_truth);
  tcase_add_test (tc, test_references_example);
  tcase_add_test (tc, test_info_files);
  suite_add_tcase (s, tc);
  tc = fga_test_tcase ("refusals", 10);
  tcase_add_test (tc, test_bad_input);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  make_tmpdir ();
  int status = fga_test_run_suite (reduction_suite ());
  /* The folder is ours (mkdtemp): remove it and everything the tests wrote. */
  char cmd[sizeof tmpdir + 16];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system (cmd) != 0)
    fprintf (stderr, "t-reduction: could not remove %s\n", tmpdir);
  return status;
}
