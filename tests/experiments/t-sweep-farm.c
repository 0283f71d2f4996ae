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

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <jansson.h>

#include "testutil.h"
#include "experiments/sweep-impl.h"

static fga_accuracy
acc (const char *text)
{
  fga_accuracy a;
  fga_error err;
  fga_error_init (&err);
  ck_assert_msg (fga_accuracy_parse (&a, text, "test", &err) == FGA_OK, "%s", err.msg);
  return a;
}

/* n = 16, 32; beta 0.5, 1; seeds 1, 2, 3: 12 cells of unequal cost.
   exact and poly (deg 2, 4; target 1e-2), the rank at 1/n, and [cost] at
   eps 1e-2: every file, and the three timing columns.  */
static void
tiny_config (fga_sweep_config *cfg)
{
  fga_sweep_config_init (cfg);
  cfg->nn = 2;
  cfg->n[0] = 16;
  cfg->n[1] = 32;
  cfg->d_fixed = 3;
  cfg->d_coef = 0;
  cfg->nb = 2;
  cfg->b[0] = 0.5;
  cfg->b[1] = 1;
  cfg->nseeds = 3;
  for (int k = 0; k < 3; k++)
    cfg->seeds[k] = (unsigned long) k + 1;
  cfg->mpfr_max_n = 32;
  cfg->ntol = 1;
  cfg->tol[0] = acc ("1/n");
  cfg->rank_max_n = 32;
  cfg->nmethods = 2;
  fga_sweep_method *m = &cfg->methods[0];
  snprintf (m->label, sizeof m->label, "exact");
  snprintf (m->spec, sizeof m->spec, "exact:algo=naive");
  m = &cfg->methods[1];
  snprintf (m->label, sizeof m->label, "poly");
  snprintf (m->spec, sizeof m->spec, "poly:basis=cheb");
  snprintf (m->size_key, sizeof m->size_key, "deg");
  m->nsizes = 2;
  m->sizes[0] = 2;
  m->sizes[1] = 4;
  m->ntargets = 1;
  m->targets[0] = acc ("1e-2");
  m->max_size = 8;
  cfg->cost.on = 1;
  cfg->cost.neps = 1;
  cfg->cost.eps[0] = acc ("1e-2");
  cfg->cost.gmax = 8;
}

#define NCELLS 12

static const char *const files[] = { "results.csv", "rank.csv", "least.csv", "cost.csv" };
/* the timing columns at the end of each file's rows */
static const int timing[] = { 1, 0, 0, 2 };

static char *
make_dir (void)
{
  char tmpl[] = "/tmp/fgattn-t-sweep-farm-XXXXXX";
  ck_assert_ptr_nonnull (mkdtemp (tmpl));
  return strdup (tmpl);
}

static void
remove_dir (char *dir)
{
  static const char *const names[] = { "results.csv", "rank.csv", "least.csv", "cost.csv",
                                        "sweep.json", ".lock" };
  char path[4200];
  for (size_t k = 0; k < 6; k++)
    {
      snprintf (path, sizeof path, "%s/%s", dir, names[k]);
      unlink (path);
    }
  ck_assert_uint_eq (fga_test_count_entries (dir), 0);
  rmdir (dir);
  free (dir);
}

/* A file with the last `cut' fields of every line removed (none of these
   files quotes a comma in its last fields); sorted when sort.  */
static char *
file_cut (const char *dir, const char *name, int cut, int sort)
{
  char path[4200];
  snprintf (path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen (path, "r");
  ck_assert_msg (fp != NULL, "%s: %s", path, strerror (errno));
  char *lines[1024], buf[8192];
  size_t n = 0, total = 1;
  while (fgets (buf, sizeof buf, fp) != NULL)
    {
      ck_assert_uint_lt (n, 1024);
      size_t len = strlen (buf);
      ck_assert_msg (len > 0 && buf[len - 1] == '\n', "%s: a partial line", path);
      buf[len - 1] = '\0';
      for (int k = 0; k < cut; k++)
        *strrchr (buf, ',') = '\0';
      lines[n] = strdup (buf);
      total += strlen (buf) + 1;
      n++;
    }
  fclose (fp);
  for (size_t i = 2; sort && i < n; i++)      /* the header stays first */
    for (size_t j = i; j > 1 && strcmp (lines[j - 1], lines[j]) > 0; j--)
      {
        char *t = lines[j];
        lines[j] = lines[j - 1];
        lines[j - 1] = t;
      }
  char *out = calloc (total, 1);
  for (size_t i = 0; i < n; i++)
    {
      strcat (out, lines[i]);
      strcat (out, "\n");
      free (lines[i]);
    }
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
/* A farm in this process: tasks in reverse order; with stop_after > 0, it
   stops (as a killed run) after that many deliveries.  */

typedef struct
{
  size_t stop_after;
  size_t delivered;
  size_t ntasks_seen;
} local_ctx;

static int
is_master_yes (const fga_farm *f)
{
  (void) f;
  return 1;
}

static int
share_none (const fga_farm *f, void **bytes, size_t *len, fga_error *err)
{
  (void) f, (void) bytes, (void) len, (void) err;
  return FGA_OK;
}

static int
reverse_run (const fga_farm *f, size_t ntasks, const double *cost, fga_farm_compute_fn compute,
             fga_farm_deliver_fn deliver, void *data, fga_error *err)
{
  local_ctx *c = f->ctx;
  c->ntasks_seen = ntasks;
  for (size_t t = 0; t < ntasks; t++)
    ck_assert (cost != NULL && cost[t] > 0);
  for (size_t k = ntasks; k-- > 0;)
    {
      if (c->stop_after > 0 && c->delivered == c->stop_after)
        return fgap_error_set (err, FGA_ERR_IO, "interrupted");
      void *bytes = NULL;
      size_t len = 0;
      int rc = compute (k, &bytes, &len, data, err);
      if (rc == FGA_OK)
        rc = deliver (k, bytes, len, data, err);
      free (bytes);
      if (rc != FGA_OK)
        return rc;
      c->delivered++;
    }
  return FGA_OK;
}

START_TEST (test_reverse_farm)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  char *want = reference (&cfg), *dir = make_dir ();
  local_ctx c = { 0, 0, 0 };
  fga_farm farm = { is_master_yes, reverse_run, share_none, &c };
  fga_error err;
  ck_assert_msg (run (&cfg, dir, &farm, &err) == FGA_OK, "%s", err.msg);
  ck_assert_uint_eq (c.ntasks_seen, NCELLS);
  ck_assert_uint_eq (c.delivered, NCELLS);
  assert_same_rows (dir, want, 0);
  /* A second run has nothing left: the farm gets no task.  */
  ck_assert_msg (run (&cfg, dir, &farm, &err) == FGA_OK, "%s", err.msg);
  ck_assert_uint_eq (c.ntasks_seen, 0);
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
  remove_dir (dir);
  remove_dir (want);
}
END_TEST

/* Interrupted farms, resumed without a farm and with one.  */
START_TEST (test_farm_resume)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  char *want = reference (&cfg), *dir = make_dir ();
  local_ctx c = { 5, 0, 0 };
  fga_farm farm = { is_master_yes, reverse_run, share_none, &c };
  fga_error err;
  ck_assert_int_eq (run (&cfg, dir, &farm, &err), FGA_ERR_IO);
  ck_assert_msg (strstr (err.msg, "interrupted") != NULL, "%s", err.msg);
  /* without a farm: the 7 cells left, in the grid's order after the 5 */
  ck_assert_msg (run (&cfg, dir, NULL, &err) == FGA_OK, "%s", err.msg);
  assert_same_rows (dir, want, 1);
  remove_dir (dir);

  dir = make_dir ();
  c.delivered = 0;
  c.stop_after = 4;
  ck_assert_int_eq (run (&cfg, dir, &farm, &err), FGA_ERR_IO);
  c.delivered = 0;
  c.stop_after = 0;
  ck_assert_msg (run (&cfg, dir, &farm, &err) == FGA_OK, "%s", err.msg);
  ck_assert_uint_eq (c.ntasks_seen, NCELLS - 4);
  assert_same_rows (dir, want, 0);
  remove_dir (dir);
  remove_dir (want);
}
END_TEST

/* ------------------------------------------------------------------ */
/* A farm of two processes joined by pipes: the master computes the even
   tasks, the worker the odd ones and writes each as (task, status,
   length, bytes, or the message after a failure).  */

typedef struct
{
  int master;
  int down[2], up[2];          /* master to worker; worker to master */
} pipe_ctx;

static int
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w <= 0)
        return -1;
      p += w;
      len -= (size_t) w;
    }
  return 0;
}

static int
read_all (int fd, void *buf, size_t len)
{
  char *p = buf;
  while (len > 0)
    {
      ssize_t r = read (fd, p, len);
      if (r <= 0)
        return -1;
      p += r;
      len -= (size_t) r;
    }
  return 0;
}

static int
pipe_is_master (const fga_farm *f)
{
  return ((const pipe_ctx *) f->ctx)->master;
}

static int
pipe_share (const fga_farm *f, void **bytes, size_t *len, fga_error *err)
{
  const pipe_ctx *c = f->ctx;
  uint64_t n = *len;
  if (c->master)
    {
      if (write_all (c->down[1], &n, 8) != 0 || write_all (c->down[1], *bytes, *len) != 0)
        return fgap_error_set (err, FGA_ERR_IO, "share: write failed");
      return FGA_OK;
    }
  if (read_all (c->down[0], &n, 8) != 0 || (*bytes = malloc (n + 1)) == NULL
      || read_all (c->down[0], *bytes, n) != 0)
    return fgap_error_set (err, FGA_ERR_IO, "share: read failed");
  *len = n;
  return FGA_OK;
}

static int
pipe_worker_run (const pipe_ctx *c, size_t ntasks, fga_farm_compute_fn compute, void *data,
                 fga_error *err)
{
  int rc = FGA_OK;
  for (size_t t = 1; t < ntasks && rc == FGA_OK; t += 2)
    {
      void *bytes = NULL;
      size_t len = 0;
      rc = compute (t, &bytes, &len, data, err);
      uint64_t head[3] = { t, (uint64_t) (int64_t) rc, rc == FGA_OK ? len : strlen (err->msg) };
      const void *body = rc == FGA_OK ? bytes : err->msg;
      if (write_all (c->up[1], head, sizeof head) != 0 || write_all (c->up[1], body, head[2]))
        rc = fgap_error_set (err, FGA_ERR_IO, "worker: write failed");
      free (bytes);
    }
  return rc;
}

static int
pipe_run (const fga_farm *f, size_t ntasks, const double *cost, fga_farm_compute_fn compute,
          fga_farm_deliver_fn deliver, void *data, fga_error *err)
{
  (void) cost;
  const pipe_ctx *c = f->ctx;
  if (!c->master)
    return pipe_worker_run (c, ntasks, compute, data, err);
  int rc = FGA_OK;
  for (size_t t = 0; t < ntasks && rc == FGA_OK; t += 2)
    {
      void *bytes = NULL;
      size_t len = 0;
      rc = compute (t, &bytes, &len, data, err);
      if (rc == FGA_OK)
        rc = deliver (t, bytes, len, data, err);
      free (bytes);
    }
  for (size_t got = 0; got < ntasks / 2 && rc == FGA_OK; got++)
    {
      uint64_t head[3];
      if (read_all (c->up[0], head, sizeof head) != 0)
        return fgap_error_set (err, FGA_ERR_IO, "master: the worker is gone");
      char *bytes = malloc (head[2] + 1);
      ck_assert_ptr_nonnull (bytes);
      if (read_all (c->up[0], bytes, head[2]) != 0)
        rc = fgap_error_set (err, FGA_ERR_IO, "master: the worker is gone");
      else if ((int64_t) head[1] != FGA_OK)
        rc = fgap_error_set (err, (int) (int64_t) head[1], "%.*s", (int) head[2], bytes);
      else
        rc = deliver (head[0], bytes, head[2], data, err);
      free (bytes);
    }
  return rc;
}

/* Runs cfg on the pipe farm: the worker in a child given wdir (which it
   must leave alone), the master here on dir; the worker's exit status
   says whether it returned want_rc with want_msg in its message.  */
static int
pipe_sweep (const fga_sweep_config *cfg, const char *dir, const char *wdir, int want_rc,
            const char *want_msg, fga_error *err)
{
  pipe_ctx c;
  ck_assert_int_eq (pipe (c.down), 0);
  ck_assert_int_eq (pipe (c.up), 0);
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      c.master = 0;
      close (c.down[1]);
      close (c.up[0]);
      fga_farm farm = { pipe_is_master, pipe_run, pipe_share, &c };
      fga_error werr;
      int rc = run (cfg, wdir, &farm, &werr);
      _exit (rc == want_rc && (rc == FGA_OK || strstr (werr.msg, want_msg) != NULL) ? 0 : 1);
    }
  c.master = 1;
  close (c.down[0]);
  close (c.up[1]);
  fga_farm farm = { pipe_is_master, pipe_run, pipe_share, &c };
  int rc = run (cfg, dir, &farm, err);
  close (c.down[1]);
  close (c.up[0]);
  int status;
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0,
                 "the worker did not return what the master shared");
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
  remove_dir (dir);
  remove_dir (want);
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
  remove_dir (dir);
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
  return fga_test_run_suite (s);
}
