/* t-truth-farm -- the ground truth by blocks of rows on a farm: the one-call truth, bit for bit

   The reference is fga_truth on the whole of Q (the route the farm must
   not change): T and lse compared byte for byte, info field by field, and
   the counts against fga_truth's calls on the blocks (16 rows each below
   4097 rows, as truth_farm.c documents) added up.  A farm that delivers in
   an order of its own shows that the order does not matter.  */

#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const fga_tau TAU_INV_D = { FGA_TAU_INV_D, 0 };

typedef struct
{
  fga_mat_t Q, K, V;
} inst_t;

static void
inst_init (inst_t *in, size_t nq, size_t nk, size_t d, size_t dv, double B, int salt)
{
  fga_error err;
  unsigned long s = fga_test_seed () * 2654435761UL + (unsigned long) salt * 40503UL + 1;
  ck_assert_int_eq (fga_mat_init (in->Q, nq, d, &err), FGA_OK);
  ck_assert_int_eq (fga_mat_init (in->K, nk, d, &err), FGA_OK);
  ck_assert_int_eq (fga_mat_init (in->V, nk, dv, &err), FGA_OK);
  fga_test_fill_uniform (in->Q, B, &s);
  fga_test_fill_uniform (in->K, B, &s);
  fga_test_fill_uniform (in->V, 1, &s);
}

static void
inst_clear (inst_t *in)
{
  fga_mat_clear (in->Q);
  fga_mat_clear (in->K);
  fga_mat_clear (in->V);
}

/* One truth of in: by fga_truth when farm is NULL and one is 1, else by
   fga_truth_farm on farm.  */
typedef struct
{
  fga_mat_t T;
  double *lse;
  fga_truth_info info;
  fga_stats st;
} result_t;

static void
result_compute (result_t *r, const inst_t *in, const fga_truth_opts *opts, int one,
                const fga_farm *farm)
{
  fga_error err;
  fga_error_init (&err);
  ck_assert_int_eq (fga_mat_init (r->T, in->Q->rows, in->V->cols, &err), FGA_OK);
  r->lse = calloc (in->Q->rows, sizeof *r->lse);
  ck_assert_ptr_nonnull (r->lse);
  fga_stats_init (&r->st);
  memset (&r->info, 0, sizeof r->info);
  int rc = one ? fga_truth (r->T, r->lse, NULL, NULL, in->Q, in->K, in->V, &TAU_INV_D, opts,
                            &r->info, &r->st, &err)
    : fga_truth_farm (r->T, r->lse, in->Q, in->K, in->V, &TAU_INV_D, opts, &r->info, &r->st,
                      farm, &err);
  ck_assert_msg (rc == FGA_OK, "truth failed: %s (seed %lu)", err.msg, fga_test_seed ());
}

static void
result_clear (result_t *r)
{
  fga_mat_clear (r->T);
  free (r->lse);
}

static void
assert_same_values (const result_t *a, const result_t *b)
{
  size_t n = a->T->rows * a->T->cols;
  ck_assert_int_eq (memcmp (a->T->data, b->T->data, n * sizeof (double)), 0);
  ck_assert_int_eq (memcmp (a->lse, b->lse, a->T->rows * sizeof (double)), 0);
  ck_assert_uint_eq (a->info.undecided, b->info.undecided);
  ck_assert_uint_eq (a->info.rows_raised, b->info.rows_raised);
  ck_assert_int_eq ((long) a->info.prec_used_max, (long) b->info.prec_used_max);
  ck_assert_uint_eq (a->info.fast_entries, b->info.fast_entries);
  ck_assert_uint_eq (a->info.fallback_rows, b->info.fallback_rows);
}

/* The counts of fga_truth on the blocks of 16 rows of in, added up.  */
static void
block_counts (fga_stats *sum, const inst_t *in, const fga_truth_opts *opts)
{
  fga_error err;
  size_t nq = in->Q->rows, d = in->Q->cols, dv = in->V->cols;
  fga_stats_init (sum);
  for (size_t i0 = 0; i0 < nq; i0 += 16)
    {
      size_t nr = nq - i0 < 16 ? nq - i0 : 16;
      fga_mat_struct Qb = { nr, d, in->Q->data + i0 * d };
      fga_mat_t Tb;
      double lse[16];
      fga_stats st;
      fga_stats_init (&st);
      ck_assert_int_eq (fga_mat_init (Tb, nr, dv, &err), FGA_OK);
      ck_assert_int_eq (fga_truth (Tb, lse, NULL, NULL, &Qb, in->K, in->V, &TAU_INV_D, opts,
                                   NULL, &st, &err), FGA_OK);
      sum->n_mul += st.n_mul;
      sum->n_add += st.n_add;
      sum->n_exp += st.n_exp;
      sum->n_div += st.n_div;
      sum->n_cmp += st.n_cmp;
      for (size_t k = 0; k < st.nextra; k++)
        {
          double v = fga_stats_get (sum, st.extra[k].name);
          fga_stats_set (sum, st.extra[k].name, (isnan (v) ? 0 : v) + st.extra[k].value);
        }
      fga_mat_clear (Tb);
    }
}

/* A local farm that computes every task first, keeping the bytes, then
   delivers them from the last task to the first: a farm's order is free. */
static int
reverse_run (const fga_farm *f, size_t ntasks, const double *cost, fga_farm_compute_fn compute,
             fga_farm_deliver_fn deliver, void *data, fga_error *err)
{
  void **bytes = calloc (ntasks + 1, sizeof *bytes);
  size_t *len = calloc (ntasks + 1, sizeof *len);
  ck_assert (bytes != NULL && len != NULL);
  int rc = FGA_OK;
  for (size_t t = 0; t < ntasks && rc == FGA_OK; t++)
    rc = compute (t, &bytes[t], &len[t], data, err);
  for (size_t t = ntasks; t-- > 0 && rc == FGA_OK;)
    rc = deliver (t, bytes[t], len[t], data, err);
  for (size_t t = 0; t < ntasks; t++)
    free (bytes[t]);
  free (bytes);
  free (len);
  return rc;
}

static const fga_farm reverse_farm = {
  NULL, reverse_run, NULL, NULL
};

static int
reverse_is_master (const fga_farm *f)
{
  return 1;
}

static int
reverse_share (const fga_farm *f, void **bytes, size_t *len, fga_error *err)
{
  return FGA_OK;
}

/* 100 rows (7 blocks, the last of 4), at a low first precision so that
   rows are raised: the local farm, NULL and the reversed farm all give
   fga_truth's values; the counts are the blocks'.  */
START_TEST (test_same_as_one_call)
{
  inst_t in;
  inst_init (&in, 100, 37, 5, 3, 2.0, 1);
  fga_truth_opts opts = { .prec = 64, .prec_max = 4096 };
  result_t one, loc, none, rev;
  result_compute (&one, &in, &opts, 1, NULL);
  result_compute (&loc, &in, &opts, 0, &fga_farm_local);
  result_compute (&none, &in, &opts, 0, NULL);
  fga_farm rf = reverse_farm;
  rf.is_master = reverse_is_master;
  rf.share = reverse_share;
  result_compute (&rev, &in, &opts, 0, &rf);
  assert_same_values (&one, &loc);
  assert_same_values (&one, &none);
  assert_same_values (&one, &rev);
  fga_stats sum;
  block_counts (&sum, &in, &opts);
  ck_assert_uint_eq (loc.st.n_mul, sum.n_mul);
  ck_assert_uint_eq (loc.st.n_add, sum.n_add);
  ck_assert_uint_eq (loc.st.n_exp, sum.n_exp);
  ck_assert_uint_eq (loc.st.n_div, sum.n_div);
  ck_assert_uint_eq (loc.st.n_cmp, sum.n_cmp);
  ck_assert_uint_eq (rev.st.n_mul, sum.n_mul);
  ck_assert_uint_eq (loc.st.nextra, sum.nextra);
  for (size_t k = 0; k < sum.nextra; k++)
    ck_assert (fga_stats_get (&loc.st, sum.extra[k].name) == sum.extra[k].value);
  ck_assert (loc.st.threads >= 1);
  ck_assert (loc.st.peak_bytes > 0);
  result_clear (&one);
  result_clear (&loc);
  result_clear (&none);
  result_clear (&rev);
  inst_clear (&in);
}
END_TEST

/* One block (nq <= 16): the counts are fga_truth's too.  */
START_TEST (test_one_block_counts)
{
  inst_t in;
  inst_init (&in, 16, 20, 3, 2, 1.5, 2);
  result_t one, loc;
  result_compute (&one, &in, NULL, 1, NULL);
  result_compute (&loc, &in, NULL, 0, &fga_farm_local);
  assert_same_values (&one, &loc);
  ck_assert_uint_eq (loc.st.n_mul, one.st.n_mul);
  ck_assert_uint_eq (loc.st.n_add, one.st.n_add);
  ck_assert_uint_eq (loc.st.n_exp, one.st.n_exp);
  ck_assert_uint_eq (loc.st.n_div, one.st.n_div);
  ck_assert_uint_eq (loc.st.n_cmp, one.st.n_cmp);
  ck_assert_uint_eq (loc.st.peak_bytes, one.st.peak_bytes);
  ck_assert_uint_eq (loc.st.nextra, one.st.nextra);
  for (size_t k = 0; k < one.st.nextra; k++)
    ck_assert (fga_stats_get (&loc.st, one.st.extra[k].name) == one.st.extra[k].value);
  result_clear (&one);
  result_clear (&loc);
  inst_clear (&in);
}
END_TEST

static double seen[4096];
static size_t nseen;

static void
record (double f, void *data)
{
  (void) data;
  if (nseen < sizeof seen / sizeof seen[0])
    seen[nseen++] = f;
}

/* The caller's progress covers the whole truth: in [0, 1], never going
   back, ending with exactly 1; and the caller's setting is put back.  */
START_TEST (test_progress)
{
  inst_t in;
  inst_init (&in, 70, 300, 4, 2, 1.0, 3);
  fga_progress p = { record, NULL };
  fga_progress old = fga_truth_set_progress (&p);
  nseen = 0;
  result_t loc;
  result_compute (&loc, &in, NULL, 0, &fga_farm_local);
  ck_assert_uint_gt (nseen, 4);          /* more than one per block */
  for (size_t k = 0; k < nseen; k++)
    {
      ck_assert (seen[k] >= 0 && seen[k] <= 1);
      if (k > 0)
        ck_assert (seen[k] >= seen[k - 1]);
    }
  ck_assert (seen[nseen - 1] == 1.0);
  fga_progress back = fga_truth_set_progress (&old);
  ck_assert (back.fn == record);
  result_clear (&loc);
  inst_clear (&in);
}
END_TEST

/* Bad input is refused before any block, naming the place in the whole
   matrices; a row's failure names its block.  */
START_TEST (test_errors)
{
  inst_t in;
  inst_init (&in, 40, 10, 2, 2, 1.0, 4);
  fga_error err;
  fga_mat_t T, Tbad;
  ck_assert_int_eq (fga_mat_init (T, 40, 2, &err), FGA_OK);
  ck_assert_int_eq (fga_mat_init (Tbad, 39, 2, &err), FGA_OK);
  fga_truth_info info;
  memset (&info, 0, sizeof info);
  ck_assert_int_eq (fga_truth_farm (Tbad, NULL, in.Q, in.K, in.V, &TAU_INV_D, NULL, &info,
                                    NULL, NULL, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "39 x 2"));
  FGA_MAT (in.Q, 37, 1) = NAN;
  ck_assert_int_eq (fga_truth_farm (T, NULL, in.Q, in.K, in.V, &TAU_INV_D, NULL, &info,
                                    NULL, NULL, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "37") != NULL, "%s", err.msg);
  /* Row 20 alone has scores near 2^1100: its lse is beyond the doubles.  */
  for (size_t i = 0; i < 40; i++)
    FGA_MAT (in.Q, i, 0) = FGA_MAT (in.Q, i, 1) = 0;
  FGA_MAT (in.Q, 20, 0) = 1e200;
  for (size_t j = 0; j < 10; j++)
    FGA_MAT (in.K, j, 0) = 1e200;
  fga_mat_t lse_holder;
  ck_assert_int_eq (fga_mat_init (lse_holder, 40, 1, &err), FGA_OK);
  int rc = fga_truth_farm (T, lse_holder->data, in.Q, in.K, in.V, &TAU_INV_D, NULL, &info,
                           NULL, NULL, &err);
  ck_assert_int_eq (rc, FGA_ERR_COMPUTE);
  ck_assert_msg (strstr (err.msg, "rows 16..31") != NULL && strstr (err.msg, "row 4") != NULL,
                 "%s", err.msg);
  fga_mat_clear (lse_holder);
  fga_mat_clear (T);
  fga_mat_clear (Tbad);
  inst_clear (&in);
}
END_TEST

/* ------------------------------------------------------------------ */
/* On the pipe farm of two processes, whose worker stays to the end of the
   command (linger) as fgattn-mpi's ranks do: a worker that stayed out of
   the run would leave the master waiting for its blocks for ever (the
   case's time limit tells).  The worker's truth is of the instance it is
   given, with lse as the master's (the blocks' bytes hold it); with
   worker_arms, its allocation of the costs fails (below).  */

static void costless_arm (size_t nblocks);
static int worker_arms;

static int
worker_truth (const fga_farm *farm, const void *cfg, const char *dir, fga_error *err)
{
  const inst_t *in = cfg;
  (void) dir;
  fga_mat_t T;
  double lse[100];
  ck_assert_uint_le (in->Q->rows, 100);
  ck_assert_int_eq (fga_mat_init (T, in->Q->rows, in->V->cols, err), FGA_OK);
  if (worker_arms)
    costless_arm (7);
  int rc = fga_truth_farm (T, lse, in->Q, in->K, in->V, &TAU_INV_D, NULL, NULL, NULL, farm,
                           err);
  fga_set_alloc_hooks (NULL, NULL);
  fga_mat_clear (T);
  return rc;
}

/* The first allocation after the hooks are set fails when it has
   fail_bytes bytes (the costs of the blocks, 8 bytes each); *failed counts
   it.  */
static size_t fail_bytes, failed;
static int armed;

static void *
costless_alloc (size_t bytes)
{
  int hit = armed && bytes == fail_bytes;
  armed = 0;
  failed += hit;
  return hit ? NULL : malloc (bytes);
}

static void
costless_arm (size_t nblocks)
{
  fail_bytes = nblocks * sizeof (double), failed = 0, armed = 1;
  fga_set_alloc_hooks (costless_alloc, NULL);
}

static int
worker_costless (const fga_farm *farm, const void *cfg, const char *dir, fga_error *err)
{
  worker_arms = 1;
  int rc = worker_truth (farm, cfg, dir, err);
  if (rc == FGA_OK && failed != 1)
    rc = fgap_error_set (err, FGA_ERR_COMPUTE, "the costs' allocation did not fail");
  return rc;
}

/* The worker refuses its input (another V, with a NaN): it still enters
   the run, and both processes return its error.  */
START_TEST (test_worker_refuses)
{
  inst_t in, other;
  inst_init (&in, 100, 37, 5, 3, 2.0, 5);
  inst_init (&other, 100, 37, 5, 3, 2.0, 5);
  FGA_MAT (other.V, 30, 2) = NAN;
  fga_test_pipe_farm c = { .fail_task = SIZE_MAX, .linger = 1 };
  fga_farm farm;
  fga_test_pipe_farm_start (&c, &farm, worker_truth, &other, NULL);
  fga_error err;
  fga_mat_t T;
  double lse[100];
  ck_assert_int_eq (fga_mat_init (T, 100, 3, &err), FGA_OK);
  int rc = fga_truth_farm (T, lse, in.Q, in.K, in.V, &TAU_INV_D, NULL, NULL, NULL, &farm, &err);
  char msg[sizeof err.msg];
  int wrc = fga_test_pipe_farm_finish (&c, msg, sizeof msg);
  ck_assert_int_eq (wrc, FGA_ERR_INPUT);
  ck_assert_msg (strstr (msg, "30") != NULL, "worker: %s", msg);
  ck_assert_int_eq (rc, FGA_ERR_INPUT);
  ck_assert_msg (strncmp (err.msg, "worker: fga_truth_farm: a process of the farm failed before "
                          "its first block: ", 74) == 0 && strstr (err.msg, msg) != NULL,
                 "master: %s (worker: %s)", err.msg, msg);
  fga_mat_clear (T);
  inst_clear (&in);
  inst_clear (&other);
}
END_TEST

/* Both processes lack the memory for the costs of the 7 blocks, which
   only order them: the truth is fga_truth's all the same.  */
START_TEST (test_no_memory_for_costs)
{
  inst_t in;
  inst_init (&in, 100, 37, 5, 3, 2.0, 6);
  fga_test_pipe_farm c = { .fail_task = SIZE_MAX, .linger = 1 };
  fga_farm farm;
  fga_test_pipe_farm_start (&c, &farm, worker_costless, &in, NULL);
  result_t got, one;
  fga_error err;
  fga_error_init (&err);
  ck_assert_int_eq (fga_mat_init (got.T, 100, 3, &err), FGA_OK);
  got.lse = calloc (100, sizeof *got.lse);
  ck_assert_ptr_nonnull (got.lse);
  fga_stats_init (&got.st);
  costless_arm (7);
  int rc = fga_truth_farm (got.T, got.lse, in.Q, in.K, in.V, &TAU_INV_D, NULL, &got.info,
                           &got.st, &farm, &err);
  fga_set_alloc_hooks (NULL, NULL);
  char msg[sizeof err.msg];
  int wrc = fga_test_pipe_farm_finish (&c, msg, sizeof msg);
  ck_assert_msg (wrc == FGA_OK, "worker: %s", msg);
  ck_assert_msg (rc == FGA_OK, "master: %s", err.msg);
  ck_assert_uint_eq (failed, 1);
  result_compute (&one, &in, NULL, 1, NULL);
  assert_same_values (&one, &got);
  result_clear (&one);
  result_clear (&got);
  inst_clear (&in);
}
END_TEST

static Suite *
truth_farm_suite (void)
{
  Suite *s = suite_create ("truth_farm");
  TCase *tc = fga_test_tcase ("farm", 60);
  tcase_add_test (tc, test_same_as_one_call);
  tcase_add_test (tc, test_one_block_counts);
  tcase_add_test (tc, test_progress);
  tcase_add_test (tc, test_errors);
  suite_add_tcase (s, tc);
  /* Under a second each; without the fix, each waits for ever.  */
  tc = fga_test_tcase ("a process fails", 10);
  tcase_add_test (tc, test_worker_refuses);
  tcase_add_test (tc, test_no_memory_for_costs);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (truth_farm_suite ());
}
