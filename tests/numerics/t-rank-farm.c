/* t-rank-farm -- the randomized rank with its passes on a farm: the one-process call, bit for bit

   The reference is fga_attention_rank_randomized (the route the farm must
   not change): every field of every estimate compared by memcmp, the
   counts and the figures of st exactly (all but peak_bytes and threads).
   Farms: fga_farm_local, NULL, and a farm that computes the tasks in a
   shuffled order and delivers them in another (a farm's order is free).
   The workers' side runs in this process too: a recording farm keeps the
   master's shares, and a worker replays them (its est left alone, its
   tasks the master's bytes); a farm whose run or share fails stops the
   call with its error.  The tasks fill the threads (each holds a thread's
   worth of blocks: fewer left threads idle), and the master's copies of
   the passes' inputs count in its peak_bytes.  */

#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* ------------------------------------------------------------------ */
/* Farms.  */

#define MAX_SHARES 256

typedef struct
{
  unsigned long shuffle;       /* the state of the shuffles */
  int fail_run_at;             /* the run that fails (1, 2, ...); 0: none */
  int fail_share_at;           /* the share that fails; 0: none */
  int runs, shares;
  size_t tasks[MAX_SHARES];    /* each run's tasks and the sum of their costs (rows) */
  double rows[MAX_SHARES];
  void *rec[MAX_SHARES];       /* the master's shares, when recording */
  size_t rec_len[MAX_SHARES];
  int recording;
} fake_t;

static size_t
next_rand (unsigned long *s, size_t n)
{
  *s = *s * 6364136223846793005UL + 1442695040888963407UL;
  return (size_t) ((*s >> 33) % n);
}

static void
shuffle (size_t *p, size_t n, unsigned long *s)
{
  for (size_t k = 0; k < n; k++)
    p[k] = k;
  for (size_t k = n; k > 1; k--)
    {
      size_t a = next_rand (s, k), t = p[k - 1];
      p[k - 1] = p[a];
      p[a] = t;
    }
}

static int
fake_is_master (const fga_farm *f)
{
  (void) f;
  return 1;
}

/* Every task computed in one shuffled order, delivered in another.  */
static int
fake_run (const fga_farm *f, size_t ntasks, const double *cost, fga_farm_compute_fn compute,
          fga_farm_deliver_fn deliver, void *data, fga_error *err)
{
  fake_t *x = f->ctx;
  if (++x->runs == x->fail_run_at)
    {
      err->code = FGA_ERR_COMPUTE;
      snprintf (err->msg, sizeof err->msg, "fake run %d fails", x->runs);
      return FGA_ERR_COMPUTE;
    }
  void **bytes = calloc (ntasks + 1, sizeof *bytes);
  size_t *len = calloc (ntasks + 1, sizeof *len), *order = calloc (ntasks + 1, sizeof *order);
  ck_assert (bytes != NULL && len != NULL && order != NULL);
  int rc = FGA_OK;
  if (x->runs <= MAX_SHARES)
    {
      x->tasks[x->runs - 1] = ntasks;
      for (size_t t = 0; t < ntasks && cost != NULL; t++)
        x->rows[x->runs - 1] += cost[t];
    }
  shuffle (order, ntasks, &x->shuffle);
  for (size_t k = 0; k < ntasks && rc == FGA_OK; k++)
    rc = compute (order[k], &bytes[order[k]], &len[order[k]], data, err);
  shuffle (order, ntasks, &x->shuffle);
  for (size_t k = 0; k < ntasks && rc == FGA_OK; k++)
    rc = deliver (order[k], bytes[order[k]], len[order[k]], data, err);
  for (size_t t = 0; t < ntasks; t++)
    free (bytes[t]);
  free (bytes);
  free (len);
  free (order);
  return rc;
}

static int
fake_share (const fga_farm *f, void **bytes, size_t *len, fga_error *err)
{
  fake_t *x = f->ctx;
  if (++x->shares == x->fail_share_at)
    {
      err->code = FGA_ERR_NOMEM;
      snprintf (err->msg, sizeof err->msg, "fake share %d fails", x->shares);
      return FGA_ERR_NOMEM;
    }
  if (x->recording)
    {
      ck_assert_int_lt (x->shares, MAX_SHARES);
      x->rec[x->shares - 1] = malloc (*len);
      ck_assert_ptr_nonnull (x->rec[x->shares - 1]);
      memcpy (x->rec[x->shares - 1], *bytes, *len);
      x->rec_len[x->shares - 1] = *len;
    }
  return FGA_OK;
}

static void
fake_clear (fake_t *x)
{
  for (int k = 0; k < MAX_SHARES; k++)
    free (x->rec[k]);
}

/* A worker replaying the shares of `master': each run computes every task
   (their bytes go nowhere, as a worker's go to the master).  */
typedef struct
{
  const fake_t *master;
  int next, runs, tasks;
} replay_t;

static int
replay_is_master (const fga_farm *f)
{
  (void) f;
  return 0;
}

static int
replay_run (const fga_farm *f, size_t ntasks, const double *cost, fga_farm_compute_fn compute,
            fga_farm_deliver_fn deliver, void *data, fga_error *err)
{
  (void) cost;
  (void) deliver;
  replay_t *r = f->ctx;
  int rc = FGA_OK;
  r->runs++;
  for (size_t t = ntasks; t-- > 0 && rc == FGA_OK;)
    {
      void *b = NULL;
      size_t len = 0;
      rc = compute (t, &b, &len, data, err);
      free (b);
      r->tasks++;
    }
  return rc;
}

/* The master's bytes, in its order; an error once they are all used (a
   master that has left).  */
static int
replay_share (const fga_farm *f, void **bytes, size_t *len, fga_error *err)
{
  replay_t *r = f->ctx;
  if (r->next >= r->master->shares || r->master->rec[r->next] == NULL)
    {
      err->code = FGA_ERR_COMPUTE;
      snprintf (err->msg, sizeof err->msg, "the master has left");
      return FGA_ERR_COMPUTE;
    }
  *len = r->master->rec_len[r->next];
  *bytes = malloc (*len);
  ck_assert_ptr_nonnull (*bytes);
  memcpy (*bytes, r->master->rec[r->next++], *len);
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* Results.  */

#define NTOL 4

typedef struct
{
  fga_rank_estimate est[NTOL];
  fga_stats st;
} result_t;

static void
make_qk (fga_mat_ptr Q, fga_mat_ptr K, size_t nq, size_t nk, size_t d, double B, int salt)
{
  fga_error err;
  unsigned long s = fga_test_seed () * 2654435761UL + (unsigned long) salt * 40503UL + 1;
  ck_assert_int_eq (fga_mat_init (Q, nq, d, &err), FGA_OK);
  ck_assert_int_eq (fga_mat_init (K, nk, d, &err), FGA_OK);
  fga_test_fill_uniform (Q, B, &s);
  fga_test_fill_uniform (K, B, &s);
}

/* farm == NULL and one: the one-process call.  */
static int
compute (result_t *r, fga_mat_srcptr Q, fga_mat_srcptr K, const double *tol,
         const fga_rank_opts *o, int one, const fga_farm *farm, fga_error *err)
{
  memset (r->est, 0xab, sizeof r->est);
  fga_stats_init (&r->st);
  double tau = 1.0 / (double) Q->cols;
  return one ? fga_attention_rank_randomized (r->est, tol, NTOL, Q, K, tau, o, &r->st, err)
    : fga_attention_rank_farm (r->est, tol, NTOL, Q, K, tau, o, &r->st, farm, err);
}

static void
assert_same (const result_t *a, const result_t *b, const char *what)
{
  for (int t = 0; t < NTOL; t++)
    ck_assert_msg (memcmp (&a->est[t], &b->est[t], sizeof a->est[t]) == 0,
                   "%s: tolerance %d: rank %zu / %zu, hi %zu / %zu, censored %d / %d, "
                   "sigma_rank %.17g / %.17g, sigma_next %.17g / %.17g (seed %lu)", what, t,
                   a->est[t].rank, b->est[t].rank, a->est[t].rank_hi, b->est[t].rank_hi,
                   a->est[t].censored, b->est[t].censored, a->est[t].sigma_rank,
                   b->est[t].sigma_rank, a->est[t].sigma_next, b->est[t].sigma_next,
                   fga_test_seed ());
  ck_assert_uint_eq (a->st.n_mul, b->st.n_mul);
  ck_assert_uint_eq (a->st.n_add, b->st.n_add);
  ck_assert_uint_eq (a->st.n_exp, b->st.n_exp);
  ck_assert_uint_eq (a->st.n_div, b->st.n_div);
  ck_assert_uint_eq (a->st.n_cmp, b->st.n_cmp);
  ck_assert_uint_eq (a->st.nextra, b->st.nextra);
  for (size_t k = 0; k < a->st.nextra; k++)
    {
      double x = a->st.extra[k].value, y = fga_stats_get (&b->st, a->st.extra[k].name);
      ck_assert_msg (memcmp (&x, &y, sizeof x) == 0, "%s: %s is %.17g, not %.17g", what,
                     a->st.extra[k].name, y, x);
    }
}

/* The one-process call against fga_farm_local, NULL and the shuffling
   farm; returns how many tolerances were censored.  */
static int
same_everywhere (size_t nq, size_t nk, size_t d, double B, const double *tol,
                 const fga_rank_opts *o, int salt)
{
  fga_mat_t Q, K;
  fga_error err;
  make_qk (Q, K, nq, nk, d, B, salt);
  result_t one, r;
  char what[128];
  ck_assert_msg (compute (&one, Q, K, tol, o, 1, NULL, &err) == FGA_OK, "%s", err.msg);
  fake_t x = { .shuffle = fga_test_seed () + (unsigned long) salt };
  fga_farm shuffled = { fake_is_master, fake_run, fake_share, &x };
  const fga_farm *farms[3] = { &fga_farm_local, NULL, &shuffled };
  for (int f = 0; f < 3; f++)
    {
      snprintf (what, sizeof what, "nq %zu, nk %zu, farm %d", nq, nk, f);
      ck_assert_msg (compute (&r, Q, K, tol, o, 0, farms[f], &err) == FGA_OK, "%s", err.msg);
      assert_same (&one, &r, what);
    }
  ck_assert_int_gt (x.runs, 3);
  int censored = 0;
  for (int t = 0; t < NTOL; t++)
    censored += one.est[t].censored;
  fga_mat_clear (Q);
  fga_mat_clear (K);
  return censored;
}

/* Square, small tiles (many tasks of each kind, a short last block),
   several rounds of the sketch and the powers of the probes.  */
START_TEST (test_square)
{
  const double tol[NTOL] = { 1.0 / 700, 1e-3, 1e-5, 0.05 };
  fga_rank_opts o = { 200, 11, 0, 0, 48 };
  same_everywhere (700, 700, 9, 1.5, tol, &o, 1);
}
END_TEST

/* nq != nk both ways, and a kmax that censors the small tolerances.  */
START_TEST (test_rectangular_censored)
{
  const double tol[NTOL] = { 1e-9, 1e-3, 1.0 / 450, 1e-12 };
  fga_rank_opts o = { 12, 5, 2, 4, 40 };
  ck_assert_int_ge (same_everywhere (700, 450, 8, 2.0, tol, &o, 2), 1);
  ck_assert_int_ge (same_everywhere (330, 1100, 8, 2.0, tol, &o, 3), 1);
}
END_TEST

/* Scores that overflow: rows rescaled by powers of two.  */
START_TEST (test_huge_scores)
{
  const double tol[NTOL] = { 1e-2, 1e-3, 1e-6, 0.5 };
  fga_rank_opts o = { 100, 2, 0, 0, 64 };
  same_everywhere (300, 520, 4, 40.0, tol, &o, 4);
}
END_TEST

/* The workers' side: a worker replaying the master's shares computes
   every task of every pass, returns FGA_OK and leaves est alone; with the
   last share (the master's end) missing it returns an error, not waits.  */
START_TEST (test_worker)
{
  const double tol[NTOL] = { 1.0 / 500, 1e-3, 1e-6, 0.1 };
  fga_rank_opts o = { 64, 3, 0, 0, 64 };
  fga_mat_t Q, K;
  fga_error err;
  make_qk (Q, K, 500, 600, 6, 1.0, 5);
  fake_t x = { .shuffle = 9, .recording = 1 };
  fga_farm master = { fake_is_master, fake_run, fake_share, &x };
  result_t r, w;
  ck_assert_int_eq (compute (&r, Q, K, tol, &o, 0, &master, &err), FGA_OK);
  ck_assert_int_ge (x.shares, 3);      /* statistics, rows, passes, end */
  replay_t rp = { &x, 0, 0, 0 };
  fga_farm worker = { replay_is_master, replay_run, replay_share, &rp };
  ck_assert_msg (compute (&w, Q, K, tol, &o, 0, &worker, &err) == FGA_OK, "%s", err.msg);
  ck_assert_int_eq (rp.next, x.shares);
  ck_assert_int_eq (rp.runs, x.runs);
  ck_assert_int_gt (rp.tasks, rp.runs);
  fga_rank_estimate untouched[NTOL];
  memset (untouched, 0xab, sizeof untouched);
  ck_assert_int_eq (memcmp (w.est, untouched, sizeof untouched), 0);
  free (x.rec[x.shares - 1]);            /* the end never comes */
  x.rec[x.shares - 1] = NULL;
  rp.next = 0;
  ck_assert_int_eq (compute (&w, Q, K, tol, &o, 0, &worker, &err), FGA_ERR_COMPUTE);
  ck_assert_str_eq (err.msg, "the master has left");
  fake_clear (&x);
  fga_mat_clear (Q);
  fga_mat_clear (K);
}
END_TEST

/* Tasks of `threads' blocks (the last one shorter): with 64 query rows
   per block (and per chunk of the statistics: 2^19 / nk > 64) and 512
   keys per block, a pass over nq rows has ceil (ceil (nq / 64) / threads)
   tasks, and one over nk keys ceil (ceil (nk / 512) / threads).  */
START_TEST (test_tasks_fill_threads)
{
  const size_t nq = 700, nk = 1100;
  const double tol[NTOL] = { 1.0 / 700, 1e-3, 1e-5, 0.05 };
  fga_rank_opts o = { 100, 7, 0, 0, 64 };
  fga_mat_t Q, K;
  fga_error err;
  make_qk (Q, K, nq, nk, 8, 1.5, 7);
  fake_t x = { .shuffle = 3 };
  fga_farm f = { fake_is_master, fake_run, fake_share, &x };
  result_t one, r;
  ck_assert_msg (compute (&one, Q, K, tol, &o, 1, NULL, &err) == FGA_OK, "%s", err.msg);
  ck_assert_msg (compute (&r, Q, K, tol, &o, 0, &f, &err) == FGA_OK, "%s", err.msg);
  assert_same (&one, &r, "tasks");
  const size_t nt = (size_t) r.st.threads, rq = (nq + 63) / 64, rk = (nk + 511) / 512;
  ck_assert_int_ge (r.st.threads, 1);
  ck_assert_int_le (x.runs, MAX_SHARES);
  int keys = 0;
  for (int k = 0; k < x.runs; k++)
    {
      const int over_keys = x.rows[k] == (double) nk;
      ck_assert_msg (over_keys || x.rows[k] == (double) nq, "run %d: %g rows", k, x.rows[k]);
      const size_t want = ((over_keys ? rk : rq) + nt - 1) / nt;
      ck_assert_msg (x.tasks[k] == want, "run %d: %zu tasks, not %zu", k, x.tasks[k], want);
      keys += over_keys;
    }
  ck_assert_int_gt (keys, 0);
  fga_mat_clear (Q);
  fga_mat_clear (K);
}
END_TEST

/* The master copies each pass's input into the command it shares, and
   counts it.  With kmax + oversample = 16 the sketch is one block of 16
   columns: its first pass multiplies Omega and the probes W (nk x 36
   doubles), W is freed after it, and nothing later is larger than W but
   LAPACK's small workspace, so the one process holds its most at that
   pass; the farm holds the copy of nk x 36 doubles more, and its peak
   exceeds the one process's by more than 8 nk 16 bytes.  */
START_TEST (test_peak_counts_copy)
{
  const size_t nk = 3000;
  const double tol[NTOL] = { 1e-2, 1e-3, 1e-5, 0.05 };
  fga_rank_opts o = { 8, 2, 0, 8, 64 };
  fga_mat_t Q, K;
  fga_error err;
  make_qk (Q, K, 200, nk, 6, 1.0, 8);
  result_t one, r;
  ck_assert_msg (compute (&one, Q, K, tol, &o, 1, NULL, &err) == FGA_OK, "%s", err.msg);
  ck_assert_msg (compute (&r, Q, K, tol, &o, 0, NULL, &err) == FGA_OK, "%s", err.msg);
  assert_same (&one, &r, "peak");
  ck_assert_double_eq (fga_stats_get (&r.st, "rounds"), 1);
  ck_assert_uint_ge (r.st.peak_bytes, one.st.peak_bytes + 8 * nk * 16);
  fga_mat_clear (Q);
  fga_mat_clear (K);
}
END_TEST

/* A run or a share that fails, first or later: the call returns its
   error.  */
START_TEST (test_failures)
{
  const double tol[NTOL] = { 1.0 / 300, 1e-3, 1e-6, 0.1 };
  fga_mat_t Q, K;
  fga_error err;
  make_qk (Q, K, 300, 300, 5, 1.0, 6);
  result_t r;
  for (int at = 1; at <= 3; at++)
    {
      fake_t x = { .shuffle = 1, .fail_run_at = _i == 0 ? at : 0,
                   .fail_share_at = _i == 1 ? at : 0 };
      fga_farm f = { fake_is_master, fake_run, fake_share, &x };
      fga_error_init (&err);
      int rc = compute (&r, Q, K, tol, NULL, 0, &f, &err);
      ck_assert_int_eq (rc, _i == 0 ? FGA_ERR_COMPUTE : FGA_ERR_NOMEM);
      ck_assert_ptr_nonnull (strstr (err.msg, _i == 0 ? "fake run" : "fake share"));
      /* nothing after the failure: the farm has told every process */
      ck_assert_int_eq (_i == 0 ? x.runs : x.shares, at);
    }
  /* Refused arguments, before any share.  */
  fake_t x = { .shuffle = 1 };
  fga_farm f = { fake_is_master, fake_run, fake_share, &x };
  double bad[NTOL] = { -1, 0, 0, 0 };
  ck_assert_int_eq (compute (&r, Q, K, bad, NULL, 0, &f, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (x.shares, 0);
  fga_mat_clear (Q);
  fga_mat_clear (K);
}
END_TEST

static Suite *
rank_farm_suite (void)
{
  Suite *s = suite_create ("rank_farm");
  TCase *tc = fga_test_tcase ("farm", 60);
  tcase_add_test (tc, test_square);
  tcase_add_test (tc, test_rectangular_censored);
  tcase_add_test (tc, test_huge_scores);
  tcase_add_test (tc, test_worker);
  tcase_add_test (tc, test_tasks_fill_threads);
  tcase_add_test (tc, test_peak_counts_copy);
  tcase_add_loop_test (tc, test_failures, 0, 2);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (rank_farm_suite ());
}
