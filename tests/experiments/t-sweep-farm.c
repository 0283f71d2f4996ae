/* t-sweep-farm -- a sweep on a farm (fake ones) and in shards: the rows of a plain run

   The farms here stand in for fgattn-mpi's: one that runs the tasks in
   reverse order in this process, one of two processes (a fork()ed worker
   that computes every other cell and ships its bytes back through a pipe,
   and that is given another outdir, which must stay untouched), and one
   that stops after a few cells (an interrupted run).  Each run is compared
   with a plain run (no farm, jobs = 1), file by file, timing columns cut:
   with the rows put in the grid's order at the end of a farm's run, the
   files are equal line for line.  */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>

#include "testutil.h"
#include "experiments/sweep-impl.h"

/* n = 16, 32; beta 0.5, 1; seeds 1, 2, 3: 12 cells of unequal cost.
   exact and poly (deg 2, 4; target 1e-2), the rank at 1/n, and [cost] at
   eps 1e-2: every file, and the three timing columns.  */
static void
tiny_config (fga_sweep_config *cfg)
{
  fga_test_sweep_config (cfg, 16, 3, 0.5, 3, "1e-2", 8);
  cfg->cost.on = 1;
  cfg->cost.neps = 1;
  cfg->cost.eps[0] = fga_test_accuracy ("1e-2");
  cfg->cost.gmax = 8;
}

#define NCELLS 12

/* The files a sweep writes, its four tables first.  */
static const char *const files[] = { "results.csv", "rank.csv", "least.csv", "cost.csv",
                                     "sweep.json", ".lock", NULL };
/* the timing columns at the end of each table's rows */
static const int timing[] = { 1, 0, 0, 2 };

static char *
make_dir (void)
{
  return fga_test_tmpdir ("fgattn-t-sweep-farm");
}

/* A table with the last `cut' fields of every line removed; sorted when sort.  */
static char *
file_cut (const char *dir, const char *name, int cut, int sort)
{
  char path[4200];
  snprintf (path, sizeof path, "%s/%s", dir, name);
  fga_test_csv *t = malloc (sizeof *t);
  ck_assert_ptr_nonnull (t);
  fga_test_csv_read (t, path);
  char *out = fga_test_csv_text (t, cut, sort);
  fga_test_csv_free (t);
  free (t);
  return out;
}

/* Every file of got equals want's, timing cut (sorted when sort).  */
static void
assert_same_rows (const char *got, const char *want, int sort)
{
  for (int k = 0; k < 4; k++)
    {
      char *g = file_cut (got, files[k], timing[k], sort);
      char *w = file_cut (want, files[k], timing[k], sort);
      /* the first line that differs, short: Check's messages are bounded */
      size_t at = 0, line = 0;
      for (; g[at] != '\0' && g[at] == w[at]; at++)
        line += g[at] == '\n';
      while (at > 0 && g[at - 1] != '\n')
        at--;
      ck_assert_msg (strcmp (g, w) == 0, "%s differs at line %zu:\n got %.200s\nwant %.200s",
                     files[k], line + 1, g + at, w + at);
      free (g);
      free (w);
    }
}

static int
run (const fga_sweep_config *cfg, const char *dir, const fga_farm *farm, fga_error *err)
{
  fga_sweep_opts opts = { 1, NULL, NULL, farm, 0, 0 };
  fga_error_init (err);
  return fga_sweep_run (cfg, dir, &opts, err);
}

/* The plain run every farm is compared with.  */
static char *
reference (const fga_sweep_config *cfg)
{
  char *dir = make_dir ();
  fga_error err;
  ck_assert_msg (run (cfg, dir, NULL, &err) == FGA_OK, "%s", err.msg);
  return dir;
}

/* ------------------------------------------------------------------ */
/* A farm in this process: tasks in reverse order (testutil's reverse
   farm, which checks that the sweep gives every task a positive cost).  */

START_TEST (test_reverse_farm)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  char *want = reference (&cfg), *dir = make_dir ();
  fga_test_reverse_farm c = { SIZE_MAX, 1, 0, 0 };
  fga_farm farm = fga_test_reverse_farm_make (&c);
  fga_error err;
  ck_assert_msg (run (&cfg, dir, &farm, &err) == FGA_OK, "%s", err.msg);
  ck_assert_uint_eq (c.ntasks, NCELLS);
  ck_assert_uint_eq (c.delivered, NCELLS);
  assert_same_rows (dir, want, 0);
  /* A second run has nothing left: the farm gets no task.  */
  ck_assert_msg (run (&cfg, dir, &farm, &err) == FGA_OK, "%s", err.msg);
  ck_assert_uint_eq (c.ntasks, 0);
  assert_same_rows (dir, want, 0);
  /* sweep.json records the BLAS, as fga_blas_text says it.  */
  char path[4200], blas[256];
  snprintf (path, sizeof path, "%s/sweep.json", dir);
  json_t *o = json_load_file (path, 0, NULL);
  ck_assert_ptr_nonnull (o);
  ck_assert_str_eq (json_string_value (json_object_get (o, "blas")),
                    fga_blas_text (blas, sizeof blas));
  ck_assert_ptr_null (json_object_get (o, "shard"));
  json_decref (o);
  fga_test_tmpdir_remove (dir, files);
  fga_test_tmpdir_remove (want, files);
}
END_TEST

/* Interrupted farms, resumed without a farm and with one.  */
START_TEST (test_farm_resume)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  char *want = reference (&cfg), *dir = make_dir ();
  fga_test_reverse_farm c = { 5, 1, 0, 0 };
  fga_farm farm = fga_test_reverse_farm_make (&c);
  fga_error err;
  ck_assert_int_eq (run (&cfg, dir, &farm, &err), FGA_ERR_IO);
  ck_assert_msg (strstr (err.msg, "interrupted") != NULL, "%s", err.msg);
  /* without a farm: the 7 cells left, in the grid's order after the 5 */
  ck_assert_msg (run (&cfg, dir, NULL, &err) == FGA_OK, "%s", err.msg);
  assert_same_rows (dir, want, 1);
  fga_test_tmpdir_remove (dir, files);

  dir = make_dir ();
  c.stop_after = 4;
  ck_assert_int_eq (run (&cfg, dir, &farm, &err), FGA_ERR_IO);
  c.stop_after = SIZE_MAX;
  ck_assert_msg (run (&cfg, dir, &farm, &err) == FGA_OK, "%s", err.msg);
  ck_assert_uint_eq (c.ntasks, NCELLS - 4);
  assert_same_rows (dir, want, 0);
  fga_test_tmpdir_remove (dir, files);
  fga_test_tmpdir_remove (want, files);
}
END_TEST

/* ------------------------------------------------------------------ */
/* A farm of two processes joined by pipes (testutil's pipe farm): the
   worker runs the sweep on another outdir, which must stay untouched.  */

static int
worker_run (const fga_farm *farm, const void *cfg, const char *dir, fga_error *err)
{
  return run (cfg, dir, farm, err);
}

/* Runs cfg on the pipe farm: the worker in a child given wdir (which it
   must leave alone), the master here on dir; the worker's exit status
   says whether it returned want_rc with want_msg in its message.  */
static int
pipe_sweep (const fga_sweep_config *cfg, const char *dir, const char *wdir, int want_rc,
            const char *want_msg, fga_error *err)
{
  fga_test_pipe_farm c = { .fail_task = SIZE_MAX };
  fga_farm farm;
  fga_test_pipe_farm_start (&c, &farm, worker_run, cfg, wdir);
  int rc = run (cfg, dir, &farm, err);
  char msg[sizeof err->msg];
  int wrc = fga_test_pipe_farm_finish (&c, msg, sizeof msg);
  ck_assert_msg (wrc == want_rc && (wrc == FGA_OK || strstr (msg, want_msg) != NULL),
                 "the worker did not return what the master shared: %d, %s", wrc, msg);
  struct stat sb;
  ck_assert_msg (stat (wdir, &sb) != 0, "the worker made its outdir %s", wdir);
  return rc;
}

START_TEST (test_pipe_farm)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  char *dir = make_dir ();
  char wdir[4200];
  snprintf (wdir, sizeof wdir, "%s/worker-outdir", dir);
  fga_error err;
  /* the fork first, before this process starts OpenMP threads */
  ck_assert_msg (pipe_sweep (&cfg, dir, wdir, FGA_OK, NULL, &err) == FGA_OK, "%s", err.msg);
  char *want = reference (&cfg);
  assert_same_rows (dir, want, 0);
  fga_test_tmpdir_remove (dir, files);
  fga_test_tmpdir_remove (want, files);
}
END_TEST

/* The master fails before any cell (a foreign results.csv): every process
   returns its error, the workers with its message, and nobody waits.  */
START_TEST (test_pipe_farm_failure)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  char *dir = make_dir ();
  char path[4200], wdir[4200];
  snprintf (path, sizeof path, "%s/results.csv", dir);
  FILE *fp = fopen (path, "w");
  fputs ("a,b,c\n1,2,3\n", fp);
  fclose (fp);
  snprintf (wdir, sizeof wdir, "%s/worker-outdir", dir);
  fga_error err;
  ck_assert_int_eq (pipe_sweep (&cfg, dir, wdir, FGA_ERR_INPUT, "header differs", &err),
                    FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "header differs") != NULL, "%s", err.msg);
  ck_assert_uint_eq (fga_test_count_entries (dir), 1);     /* results.csv alone */
  unlink (path);
  fga_test_tmpdir_remove (dir, files);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Failures between the plan and the cells, on a pipe farm whose worker
   stays to the end of the command (linger), as fgattn-mpi's ranks do:
   every process still enters the run, and the failure reaches the
   master, where a process that stayed out of the run would leave the
   master waiting for its cells for ever (the case's time limit tells).
   Nothing is written.  */

/* tiny_config in *cfg, a new folder (returned) and the worker's outdir
   in it (wdir, which it must leave alone), the pipe farm c of worker
   (lingering) started, filling farm.  */
static char *
linger_start (fga_sweep_config *cfg, char wdir[4200], fga_test_pipe_farm *c, fga_farm *farm,
              fga_test_worker_fn worker)
{
  tiny_config (cfg);
  char *dir = make_dir ();
  snprintf (wdir, 4200, "%s/worker-outdir", dir);
  *c = (fga_test_pipe_farm) { .fail_task = SIZE_MAX, .linger = 1 };
  fga_test_pipe_farm_start (c, farm, worker, cfg, wdir);
  return dir;
}

/* The worker read another configuration: one seed, 4 cells, where the
   master's plan lists 12.  */
static int
worker_other_config (const fga_farm *farm, const void *cfg, const char *dir, fga_error *err)
{
  fga_sweep_config other = *(const fga_sweep_config *) cfg;
  other.nseeds = 1;
  return run (&other, dir, farm, err);
}

START_TEST (test_worker_plan_refused)
{
  fga_sweep_config cfg;
  char wdir[4200], msg[sizeof ((fga_error *) 0)->msg];
  fga_test_pipe_farm c;
  fga_farm farm;
  char *dir = linger_start (&cfg, wdir, &c, &farm, worker_other_config);
  fga_error err;
  int rc = run (&cfg, dir, &farm, &err);
  int wrc = fga_test_pipe_farm_finish (&c, msg, sizeof msg);
  ck_assert_int_eq (wrc, FGA_ERR_COMPUTE);
  ck_assert_msg (strstr (msg, "failed before its first cell: the sweep's plan from the farm's "
                         "master has 12 cells, more than the 4 of this process's grid") != NULL
                 && strstr (msg, "same configuration") != NULL, "worker: %s", msg);
  ck_assert_int_eq (rc, FGA_ERR_COMPUTE);
  ck_assert_msg (strncmp (err.msg, "worker: ", 8) == 0 && strcmp (err.msg + 8, msg) == 0,
                 "master: %s (worker: %s)", err.msg, msg);
  /* the master's own cells (the even ones) are kept for a resumed run;
     the worker's outdir is untouched */
  struct stat sb;
  ck_assert_int_ne (stat (dir, &sb), -1);
  ck_assert_int_eq (stat (wdir, &sb), -1);
  fga_test_tmpdir_remove (dir, files);
}
END_TEST

/* The master's share of its plan fails after it went out (to some of the
   processes, as an MPI share to several ranks may): the master enters the
   run too, and returns the share's error; nothing is written.  */
typedef struct
{
  fga_farm inner;
  size_t runs;
} flaky_farm;

static int
flaky_is_master (const fga_farm *f)
{
  const flaky_farm *c = f->ctx;
  return c->inner.is_master (&c->inner);
}

static int
flaky_share (const fga_farm *f, void **bytes, size_t *len, fga_error *err)
{
  const flaky_farm *c = f->ctx;
  int rc = c->inner.share (&c->inner, bytes, len, err);
  if (rc != FGA_OK)
    return rc;
  return fgap_error_set (err, FGA_ERR_IO, "injected: the share failed after the plan went out");
}

static int
flaky_run (const fga_farm *f, size_t ntasks, const double *cost, fga_farm_compute_fn compute,
           fga_farm_deliver_fn deliver, void *data, fga_error *err)
{
  flaky_farm *c = f->ctx;
  c->runs++;
  return c->inner.run (&c->inner, ntasks, cost, compute, deliver, data, err);
}

START_TEST (test_master_share_fails)
{
  fga_sweep_config cfg;
  char wdir[4200], msg[sizeof ((fga_error *) 0)->msg];
  fga_test_pipe_farm c;
  flaky_farm fl = { .runs = 0 };
  char *dir = linger_start (&cfg, wdir, &c, &fl.inner, worker_run);
  fga_farm farm = { flaky_is_master, flaky_run, flaky_share, &fl };
  fga_error err;
  int rc = run (&cfg, dir, &farm, &err);
  fga_test_pipe_farm_finish (&c, msg, sizeof msg);
  ck_assert_int_eq (rc, FGA_ERR_IO);
  ck_assert_msg (strstr (err.msg, "injected") != NULL, "%s", err.msg);
  ck_assert_uint_eq (fl.runs, 1);
  ck_assert_uint_eq (fga_test_count_entries (dir), 0);
  fga_test_tmpdir_remove (dir, files);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Shards: disjoint shares covering the grid, balanced, and stable.  */

START_TEST (test_shares)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.nn = 3;
  cfg.n[2] = 64;
  cfg.mpfr_max_n = 64;
  fgap_sweep_cell *grid;
  fgap_sweep_id *ids;
  fga_error err;
  fga_error_init (&err);
  ck_assert_int_eq (fgap_sweep_grid (&grid, &ids, &cfg, &err), FGA_OK);
  size_t n = fgap_sweep_ncells (&cfg);
  ck_assert_uint_eq (n, 18);
  for (size_t count = 1; count <= 5; count++)
    {
      size_t of[18], again[18];
      double load[5] = { 0 }, biggest = 0, total = 0;
      ck_assert_int_eq (fgap_sweep_shares (of, &cfg, grid, n, count, &err), FGA_OK);
      ck_assert_int_eq (fgap_sweep_shares (again, &cfg, grid, n, count, &err), FGA_OK);
      for (size_t k = 0; k < n; k++)
        {
          ck_assert_uint_lt (of[k], count);
          ck_assert_uint_eq (of[k], again[k]);
          double w = fgap_sweep_cell_work (&cfg, &grid[k]);
          load[of[k]] += w;
          total += w;
          biggest = w > biggest ? w : biggest;
        }
      /* greedy largest first: every shard within one cell of the mean */
      for (size_t s = 0; s < count; s++)
        ck_assert_msg (load[s] <= total / (double) count + biggest
                       && load[s] >= total / (double) count - biggest,
                       "shard %zu of %zu: load %g, mean %g, largest cell %g", s, count, load[s],
                       total / (double) count, biggest);
    }
  free (grid);
  free (ids);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("sweep-farm");
  TCase *tc = tcase_create ("farm");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_reverse_farm);
  tcase_add_test (tc, test_farm_resume);
  tcase_add_test (tc, test_pipe_farm);
  tcase_add_test (tc, test_pipe_farm_failure);
  tcase_add_test (tc, test_shares);
  suite_add_tcase (s, tc);
  /* A few seconds each (the master computes its half of the cells before
     it hears from the worker); without the fix, each waits for ever.  */
  tc = fga_test_tcase ("worker fails early", 30);
  tcase_add_test (tc, test_worker_plan_refused);
  tcase_add_test (tc, test_master_share_fails);
  suite_add_tcase (s, tc);
  return fga_test_run_suite (s);
}
