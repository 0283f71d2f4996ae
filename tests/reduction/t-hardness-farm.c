/* t-hardness-farm.c -- the hardness experiment on farms: the same rows in any order and
   process, failures that reach every process, interrupted runs resumed

   The farms here are testutil's fakes of the interface of fgattn/core.h: one that runs
   the tasks in reversed order, and one of two processes -- the test's, the
   master, and a fork()ed worker that calls fga_hardness_run itself, gets the
   master's plan through a pipe and ships the bytes of its tasks back
   through another.  The expected rows are those of the run without a farm
   (the existing tests check that one against independent computations):
   every column but the timings must match, byte for byte.  */

#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "testutil.h"

static char *tmpdir;           /* this run's folder, made by main */

/* Two n, one seed, a method at both and one at the first only: 7 steps
   (4 instances, 3 searches), about a second.  */
static const char conf_text[]
  = "[hardness]\nn = 8, 16\nm = 8 log2 n\nt = m / 8\ngap = 1\nseeds = 1\n"
    "[method w]\nspec = window\nsize = w\n"
    "[method s]\nspec = svd\nsize = k\nmax_n = 8\n";
#define NSTEPS 7

static void
path_of (char *buf, size_t size, const char *name)
{
  snprintf (buf, size, "%s/%s", tmpdir, name);
}

static void
read_config (fga_hardness_config *cfg, const char *name, const char *text)
{
  char conf[512];
  fga_error err;
  fga_error_init (&err);
  path_of (conf, sizeof conf, name);
  fga_test_write_text (conf, text);
  ck_assert_msg (fga_hardness_config_read (cfg, conf, &err) == FGA_OK, "%s", err.msg);
}

/* The whole file, NUL-terminated (NULL when missing).  */
static char *
slurp (const char *path)
{
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    return NULL;
  size_t cap = 1 << 16, len = 0;
  char *b = malloc (cap);
  ck_assert_ptr_nonnull (b);
  size_t got;
  while ((got = fread (b + len, 1, cap - 1 - len, f)) > 0)
    {
      len += got;
      if (len == cap - 1)
        {
          b = realloc (b, cap *= 2);
          ck_assert_ptr_nonnull (b);
        }
    }
  fclose (f);
  b[len] = '\0';
  return b;
}

/* The fields of a line in place (double quotes kept: specs hold commas);
   returns the count.  */
static size_t
cut_fields (char *line, char **f, size_t max)
{
  size_t k = 0;
  int quoted = 0;
  f[k++] = line;
  for (char *c = line; *c != '\0'; c++)
    if (*c == '"')
      quoted = !quoted;
    else if (*c == ',' && !quoted)
      {
        *c = '\0';
        ck_assert_uint_lt (k, max);
        f[k++] = c + 1;
      }
  return k;
}

/* instances.csv with its timing column (wall_seconds) emptied;
   methods.csv with its (seconds, exact_seconds, time_ratio,
   search_seconds); summary.md with the `time / exact' cell of the
   methods' tables.  */
static void
untime (char *text, int kind, char *out)
{
  static const int timing[3][4] = { { 28, -1, -1, -1 }, { 23, 24, 25, 30 }, { -1, -1, -1, -1 } };
  int summary = kind == 2;
  int in_methods = 0;
  out[0] = '\0';
  for (char *line = strtok (text, "\n"); line != NULL; line = strtok (NULL, "\n"))
    {
      char *f[64];
      size_t nf;
      if (summary)
        {
          in_methods |= strncmp (line, "## The practical methods", 24) == 0;
          if (!in_methods || line[0] != '|')
            {
              strcat (strcat (out, line), "\n");
              continue;
            }
          char *c[16];
          size_t nc = 0;
          c[nc++] = line;
          for (char *p = line; *p != '\0' && nc < 16; p++)
            if (*p == '|')
              *p = '\0', c[nc++] = p + 1;
          for (size_t k = 0; k < nc; k++)
            strcat (strcat (out, k == 7 ? "" : c[k]), "|");
          strcat (out, "\n");
          continue;
        }
      nf = cut_fields (line, f, 64);
      for (size_t k = 0; k < nf; k++)
        {
          int t = 0;
          for (size_t i = 0; i < 4; i++)
            t |= timing[kind][i] == (int) k;
          strcat (strcat (out, t ? "" : f[k]), k + 1 < nf ? "," : "\n");
        }
    }
}

/* Folder b holds the five files of folder a, timings aside, and nothing
   else but its lock.  */
static void
same_rows (const char *a, const char *b)
{
  static const char *const names[]
    = { "instances.csv", "degrees.csv", "methods.csv", "summary.md", "hardness.json" };
  for (int k = 0; k < 5; k++)
    {
      char pa[600], pb[600];
      snprintf (pa, sizeof pa, "%s/%s", a, names[k]);
      snprintf (pb, sizeof pb, "%s/%s", b, names[k]);
      char *ta = slurp (pa), *tb = slurp (pb);
      ck_assert_msg (ta != NULL && tb != NULL, "%s or %s missing", pa, pb);
      if (k != 1 && k != 4)
        {
          /* A table row gains a `|' at most per cell: twice the length is room.  */
          char *ua = malloc (2 * strlen (ta) + 16), *ub = malloc (2 * strlen (tb) + 16);
          ck_assert (ua != NULL && ub != NULL);
          untime (ta, k == 0 ? 0 : k - 1, ua);
          untime (tb, k == 0 ? 0 : k - 1, ub);
          ck_assert_uint_gt (strlen (ua), 200);      /* not emptied by untime */
          ck_assert_msg (strcmp (ua, ub) == 0, "%s differs from %s:\n%s\n---\n%s", pb, pa, ub,
                         ua);
          free (ua);
          free (ub);
        }
      else
        ck_assert_msg (strcmp (ta, tb) == 0, "%s differs from %s", pb, pa);
      free (ta);
      free (tb);
    }
  ck_assert_uint_eq (fga_test_count_entries (b), 6);     /* the five and .lock */
}

/* The run without a farm, into tmpdir/plain, once.  */
static void
plain (char *out, size_t size, fga_hardness_summary *sum)
{
  path_of (out, size, "plain");
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  fga_hardness_opts opts = { NULL, NULL, sum, NULL };
  read_config (&cfg, "plain.conf", conf_text);
  if (access (out, F_OK) != 0 || sum != NULL)
    ck_assert_msg (fga_hardness_run (&cfg, out, &opts, &err) == FGA_OK, "%s", err.msg);
  fga_hardness_config_clear (&cfg);
}

/* --- progress ------------------------------------------------------------------ */

typedef struct
{
  size_t calls, steps_total, steps_done, steps_resumed;
  double work_total, work_done;
  int sane;
} seen_t;

static void
record (const fga_hardness_progress *p, void *data)
{
  seen_t *s = data;
  if (s->calls++ == 0)
    s->steps_total = p->steps_total, s->work_total = p->work_total;
  s->sane &= p->steps_total == s->steps_total && p->work_total == s->work_total
             && p->steps_done >= s->steps_done && p->work_done >= s->work_done;
  s->steps_done = p->steps_done, s->work_done = p->work_done;
  s->steps_resumed = p->steps_resumed;
}

/* --- the farm of two processes ------------------------------------------------- */

/* The worker's run: cfg into out, as the master's.  */
static int
worker_run (const fga_farm *farm, const void *cfg, const char *out, fga_error *err)
{
  fga_hardness_opts opts = { NULL, NULL, NULL, farm };
  return fga_hardness_run (cfg, out, &opts, err);
}

/* A worker whose allocations fail from its second on: the run's state is
   made, its list of steps is not.  */
static size_t allocs_left;

static void *
scarce_alloc (size_t bytes)
{
  if (allocs_left == 0)
    return NULL;
  allocs_left--;
  return malloc (bytes);
}

static int
worker_out_of_memory (const fga_farm *farm, const void *cfg, const char *out, fga_error *err)
{
  allocs_left = 1;
  fga_set_alloc_hooks (scarce_alloc, NULL);
  return worker_run (farm, cfg, out, err);
}

/* --- the tests ------------------------------------------------------------------ */

/* Reversed order and fga_farm_local write the plain run's rows; progress
   counts every step once and ends at the total.  */
START_TEST (test_reversed_and_local)
{
  char pl[512], out[512];
  fga_hardness_summary want, got;
  plain (pl, sizeof pl, &want);
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  read_config (&cfg, "rev.conf", conf_text);
  fga_test_reverse_farm rc = { SIZE_MAX, 0, 0, 0 };
  fga_farm rev = fga_test_reverse_farm_make (&rc);
  seen_t seen = { 0, 0, 0, 0, 0, 0, 1 };
  fga_hardness_opts opts = { record, &seen, &got, &rev };
  path_of (out, sizeof out, "rev");
  ck_assert_msg (fga_hardness_run (&cfg, out, &opts, &err) == FGA_OK, "%s", err.msg);
  ck_assert_uint_eq (rc.ntasks, NSTEPS);
  same_rows (pl, out);
  ck_assert (seen.sane && seen.steps_total == NSTEPS && seen.steps_done == NSTEPS);
  ck_assert (seen.work_total > 0 && seen.work_done == seen.work_total);
  ck_assert_uint_eq (got.nn, want.nn);
  ck_assert_int_eq (memcmp (&got.sizes, &want.sizes, sizeof got.sizes), 0);

  /* hardness.json names the BLAS, as fga_blas_text says it.  */
  char p[600], blas[256], want_blas[300];
  snprintf (p, sizeof p, "%s/hardness.json", out);
  char *json = slurp (p);
  ck_assert_ptr_nonnull (json);
  snprintf (want_blas, sizeof want_blas, "\"blas\": \"%s\"", fga_blas_text (blas, sizeof blas));
  ck_assert_msg (strstr (json, want_blas) != NULL, "%s lacks %s", p, want_blas);
  free (json);

  opts.farm = &fga_farm_local;
  path_of (out, sizeof out, "local");
  ck_assert_msg (fga_hardness_run (&cfg, out, &opts, &err) == FGA_OK, "%s", err.msg);
  same_rows (pl, out);
  fga_hardness_config_clear (&cfg);
}
END_TEST

/* Two processes: the worker's steps come back through a pipe; the rows
   are the plain run's, and the worker returns success.  */
START_TEST (test_two_processes)
{
  char pl[512], out[512], msg[1024];
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  read_config (&cfg, "two.conf", conf_text);
  path_of (out, sizeof out, "two");
  fga_test_pipe_farm c = { .fail_task = SIZE_MAX };
  fga_farm farm;
  fga_test_pipe_farm_start (&c, &farm, worker_run, &cfg, out);
  fga_hardness_opts opts = { NULL, NULL, NULL, &farm };
  int rc = fga_hardness_run (&cfg, out, &opts, &err);
  int wrc = fga_test_pipe_farm_finish (&c, msg, sizeof msg);
  ck_assert_msg (rc == FGA_OK, "%s", err.msg);
  ck_assert_msg (wrc == FGA_OK, "worker: %s", msg);
  plain (pl, sizeof pl, NULL);
  same_rows (pl, out);
  fga_hardness_config_clear (&cfg);
}
END_TEST

/* A master that fails before the first step (its folder is being written
   by another run) tells the worker, which returns the same error instead
   of waiting for steps.  */
START_TEST (test_master_fails_early)
{
  char out[512], msg[1024];
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  read_config (&cfg, "early.conf", conf_text);
  path_of (out, sizeof out, "early");
  ck_assert_int_eq (mkdir (out, 0777), 0);
  fgap_dir_lock lock;
  ck_assert_int_eq (fgap_dir_lock_take (&lock, out, &err), FGA_OK);
  fga_test_pipe_farm c = { .fail_task = SIZE_MAX };
  fga_farm farm;
  fga_test_pipe_farm_start (&c, &farm, worker_run, &cfg, out);
  fga_hardness_opts opts = { NULL, NULL, NULL, &farm };
  int rc = fga_hardness_run (&cfg, out, &opts, &err);
  int wrc = fga_test_pipe_farm_finish (&c, msg, sizeof msg);
  fgap_dir_lock_release (&lock);
  ck_assert_int_eq (rc, FGA_ERR_IO);
  ck_assert_msg (strstr (err.msg, "is being written by another fgattn") != NULL, "%s",
                 err.msg);
  ck_assert_int_eq (wrc, FGA_ERR_IO);
  ck_assert_str_eq (msg, err.msg);
  ck_assert_uint_eq (fga_test_count_entries (out), 1);      /* the other run's .lock */
  fga_hardness_config_clear (&cfg);
}
END_TEST

/* A step that fails in the worker fails the run: no file is written, the
   master's steps stay in .partial, and a run without a farm finishes the
   rest (and only the rest) to the plain run's rows.  */
START_TEST (test_worker_fails_then_resume)
{
  char pl[512], out[512], msg[1024], p[600];
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  read_config (&cfg, "wfail.conf", conf_text);
  path_of (out, sizeof out, "wfail");
  fga_test_pipe_farm c = { .fail_task = 1 };
  fga_farm farm;
  fga_test_pipe_farm_start (&c, &farm, worker_run, &cfg, out);
  fga_hardness_opts opts = { NULL, NULL, NULL, &farm };
  int rc = fga_hardness_run (&cfg, out, &opts, &err);
  int wrc = fga_test_pipe_farm_finish (&c, msg, sizeof msg);
  ck_assert_int_eq (rc, FGA_ERR_COMPUTE);
  ck_assert_msg (strstr (err.msg, "injected failure") != NULL, "%s", err.msg);
  ck_assert_int_eq (wrc, FGA_ERR_COMPUTE);
  snprintf (p, sizeof p, "%s/instances.csv", out);
  ck_assert_int_eq (access (p, F_OK), -1);
  /* .partial: the configuration and the master's 4 steps (tasks 0, 2, 4,
     6, computed before it reads the worker's), not the worker's failed one.  */
  snprintf (p, sizeof p, "%s/.partial", out);
  ck_assert_uint_eq (fga_test_count_entries (p), 1 + 4);
  ck_assert_uint_eq (fga_test_count_entries (out), 1);      /* .partial; the lock is gone */

  seen_t seen = { 0, 0, 0, 0, 0, 0, 1 };
  fga_hardness_opts resume = { record, &seen, NULL, NULL };
  ck_assert_msg (fga_hardness_run (&cfg, out, &resume, &err) == FGA_OK, "%s", err.msg);
  /* The 4 steps held count as done from the first report on.  */
  ck_assert (seen.sane && seen.steps_total == NSTEPS && seen.steps_done == NSTEPS);
  ck_assert_uint_eq (seen.steps_resumed, 4);
  ck_assert (seen.work_done == seen.work_total);
  plain (pl, sizeof pl, NULL);
  same_rows (pl, out);
  fga_hardness_config_clear (&cfg);
}
END_TEST

/* An interrupted run resumes with a farm; another configuration does not
   take over its steps, and a damaged step file is refused.  */
START_TEST (test_interrupted_resumes_on_farm)
{
  char pl[512], out[512], msg[1024], p[600];
  fga_hardness_config cfg, other;
  fga_error err;
  fga_error_init (&err);
  read_config (&cfg, "intr.conf", conf_text);
  path_of (out, sizeof out, "intr");
  fga_test_pipe_farm c = { .fail_task = SIZE_MAX };
  fga_farm two;
  /* forked first; used at the end */
  fga_test_pipe_farm_start (&c, &two, worker_run, &cfg, out);

  fga_test_reverse_farm rc = { 3, 0, 0, 0 };
  fga_farm rev = fga_test_reverse_farm_make (&rc);
  fga_hardness_opts opts = { NULL, NULL, NULL, &rev };
  ck_assert_int_eq (fga_hardness_run (&cfg, out, &opts, &err), FGA_ERR_IO);
  ck_assert_str_eq (err.msg, "interrupted");
  snprintf (p, sizeof p, "%s/.partial", out);
  ck_assert_uint_eq (fga_test_count_entries (p), 1 + 3);

  /* Another configuration (one more seed) is refused, nothing touched.  */
  read_config (&other, "other.conf",
               "[hardness]\nn = 8, 16\nm = 8 log2 n\nt = m / 8\ngap = 1\nseeds = 1-2\n");
  ck_assert_int_eq (fga_hardness_run (&other, out, NULL, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "holds the steps of an interrupted run of another "
                         "configuration") != NULL, "%s", err.msg);
  ck_assert_uint_eq (fga_test_count_entries (p), 1 + 3);
  fga_hardness_config_clear (&other);

  /* A damaged step: refused, named; the file is left for the user.  */
  snprintf (p, sizeof p, "%s/.partial/search-n16-w.csv", out);
  char *keep = slurp (p);
  ck_assert_ptr_nonnull (keep);
  fga_test_write_text (p, "16,32,w,\"window\",w,,1\n");
  ck_assert_int_eq (fga_hardness_run (&cfg, out, NULL, &err), FGA_ERR_IO);
  ck_assert_msg (strstr (err.msg, "search-n16-w.csv: not the rows of this step") != NULL, "%s",
                 err.msg);
  fga_test_write_text (p, keep);
  free (keep);

  /* The rest on two processes.  */
  opts.farm = &two;
  int mrc = fga_hardness_run (&cfg, out, &opts, &err);
  int wrc = fga_test_pipe_farm_finish (&c, msg, sizeof msg);
  ck_assert_msg (mrc == FGA_OK, "%s", err.msg);
  ck_assert_msg (wrc == FGA_OK, "worker: %s", msg);
  plain (pl, sizeof pl, NULL);
  same_rows (pl, out);
  fga_hardness_config_clear (&cfg);
}
END_TEST

/* A worker that fails between the plan and the steps still takes part in
   the run, and fails it with its own error: on a farm whose processes stay
   to the end of the command (linger), a worker that returned without
   entering the run would leave the master waiting for its steps for ever.
   Nothing is written, and each process returns the error.  */
static void
worker_fails_early (const char *name, fga_test_worker_fn worker, const fga_hardness_config *wcfg,
                    int code, const char *what)
{
  char out[512], msg[1024], p[600];
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  read_config (&cfg, "join.conf", conf_text);
  path_of (out, sizeof out, name);
  fga_test_pipe_farm c = { .fail_task = SIZE_MAX, .linger = 1 };
  fga_farm farm;
  fga_test_pipe_farm_start (&c, &farm, worker, wcfg != NULL ? wcfg : &cfg, out);
  fga_hardness_opts opts = { NULL, NULL, NULL, &farm };
  int rc = fga_hardness_run (&cfg, out, &opts, &err);
  int wrc = fga_test_pipe_farm_finish (&c, msg, sizeof msg);
  ck_assert_int_eq (wrc, code);
  ck_assert_msg (strstr (msg, what) != NULL, "worker: %s", msg);
  ck_assert_int_eq (rc, code);
  ck_assert_msg (strncmp (err.msg, "worker: ", 8) == 0
                 && strstr (err.msg, "failed before its first step") != NULL
                 && strstr (err.msg, msg) != NULL, "master: %s (worker: %s)", err.msg, msg);
  snprintf (p, sizeof p, "%s/instances.csv", out);
  ck_assert_int_eq (access (p, F_OK), -1);
  fga_hardness_config_clear (&cfg);
}

/* The worker's set-up runs out of memory.  */
START_TEST (test_worker_setup_fails)
{
  worker_fails_early ("nomem", worker_out_of_memory, NULL, FGA_ERR_NOMEM,
                      "out of memory allocating");
}
END_TEST

/* The worker read another configuration (one n fewer: 4 steps where the
   master's plan lists 7), so the plan names steps it does not have.  */
START_TEST (test_worker_plan_refused)
{
  fga_hardness_config wcfg;
  read_config (&wcfg, "join-worker.conf",
               "[hardness]\nn = 8\nm = 8 log2 n\nt = m / 8\ngap = 1\nseeds = 1\n"
               "[method w]\nspec = window\nsize = w\n"
               "[method s]\nspec = svd\nsize = k\nmax_n = 8\n");
  worker_fails_early ("other", worker_run, &wcfg, FGA_ERR_COMPUTE, "the master's plan");
  fga_hardness_config_clear (&wcfg);
}
END_TEST

static Suite *
farm_suite (void)
{
  Suite *s = suite_create ("hardness-farm");
  TCase *tc = fga_test_tcase ("farm", 60);
  tcase_add_test (tc, test_reversed_and_local);
  tcase_add_test (tc, test_two_processes);
  tcase_add_test (tc, test_master_fails_early);
  tcase_add_test (tc, test_worker_fails_then_resume);
  tcase_add_test (tc, test_interrupted_resumes_on_farm);
  suite_add_tcase (s, tc);
  /* About a second each; without the fix, each waits for ever.  */
  tc = fga_test_tcase ("worker fails early", 20);
  tcase_add_test (tc, test_worker_setup_fails);
  tcase_add_test (tc, test_worker_plan_refused);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite_in_tmpdir (farm_suite (), "t-hardness-farm", &tmpdir);
}
