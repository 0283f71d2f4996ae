/* testutil -- helpers shared by the Check suites */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

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

fga_accuracy
fga_test_accuracy (const char *text)
{
  fga_accuracy a;
  fga_error err;
  fga_error_init (&err);
  ck_assert_msg (fga_accuracy_parse (&a, text, "test", &err) == FGA_OK, "%s", err.msg);
  return a;
}

void
fga_test_sweep_config (fga_sweep_config *cfg, size_t n0, size_t d, double b0, size_t nseeds,
                       const char *target, double max_deg)
{
  fga_sweep_config_init (cfg);
  cfg->nn = 2;
  cfg->n[0] = n0;
  cfg->n[1] = 2 * n0;
  cfg->d_fixed = d;
  cfg->d_coef = 0;
  cfg->nb = 2;
  cfg->b[0] = b0;
  cfg->b[1] = 1;
  cfg->nseeds = nseeds;
  for (size_t k = 0; k < nseeds; k++)
    cfg->seeds[k] = (unsigned long) k + 1;
  cfg->mpfr_max_n = cfg->rank_max_n = 2 * n0;
  cfg->ntol = 1;
  cfg->tol[0] = fga_test_accuracy ("1/n");
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
  m->targets[0] = fga_test_accuracy (target);
  m->max_size = max_deg;
}

/* ------------------------------------------------------------------ */
/* Temporary folders.  */

/* "/tmp/NAME-XXXXXX" into a new string (NULL when out of memory).  */
static char *
tmpdir_template (const char *name)
{
  size_t size = strlen (name) + sizeof "/tmp/-XXXXXX";
  char *t = malloc (size);
  if (t != NULL)
    snprintf (t, size, "/tmp/%s-XXXXXX", name);
  return t;
}

char *
fga_test_tmpdir (const char *name)
{
  char *dir = tmpdir_template (name);
  ck_assert_ptr_nonnull (dir);
  ck_assert_msg (mkdtemp (dir) != NULL, "mkdtemp %s: %s", dir, strerror (errno));
  return dir;
}

void
fga_test_tmpdir_remove (char *dir, const char *const *names)
{
  char path[4200];
  for (size_t k = 0; names[k] != NULL; k++)
    {
      snprintf (path, sizeof path, "%s/%s", dir, names[k]);
      unlink (path);
    }
  ck_assert_uint_eq (fga_test_count_entries (dir), 0);
  rmdir (dir);
  free (dir);
}

void
fga_test_write_text (const char *path, const char *text)
{
  FILE *f = fopen (path, "w");
  ck_assert_msg (f != NULL, "%s: %s", path, strerror (errno));
  fputs (text, f);
  ck_assert_int_eq (fclose (f), 0);
}

int
fga_test_remove_tree (const char *path)
{
  struct stat sb;
  if (lstat (path, &sb) != 0)
    return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR (sb.st_mode))
    return unlink (path);
  DIR *dp = opendir (path);
  if (dp == NULL)
    return -1;
  int rc = 0;
  struct dirent *e;
  while ((e = readdir (dp)) != NULL)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      size_t size = strlen (path) + strlen (e->d_name) + 2;
      char *sub = malloc (size);
      if (sub == NULL)
        {
          rc = -1;
          continue;
        }
      snprintf (sub, size, "%s/%s", path, e->d_name);
      rc |= fga_test_remove_tree (sub);
      free (sub);
    }
  closedir (dp);
  return rmdir (path) != 0 || rc != 0 ? -1 : 0;
}

int
fga_test_run_suite_in_tmpdir (Suite *s, const char *name, char **dir)
{
  *dir = tmpdir_template (name);
  if (*dir == NULL || mkdtemp (*dir) == NULL)
    {
      fprintf (stderr, "%s: mkdtemp %s: %s\n", name, *dir != NULL ? *dir : "", strerror (errno));
      return 99;
    }
  int status = fga_test_run_suite (s);
  if (fga_test_remove_tree (*dir) != 0)
    fprintf (stderr, "%s: could not remove %s\n", name, *dir);
  free (*dir);
  *dir = NULL;
  return status;
}

/* ------------------------------------------------------------------ */
/* CSV files.  */

/* Splits buf (one line of path, no newline) into row r of t.  */
static void
csv_split (fga_test_csv *t, size_t r, const char *buf, const char *path)
{
  size_t nf = 0;
  const char *p = buf;
  for (;;)
    {
      char val[1024];
      size_t k = 0;
      if (*p == '"')
        {
          for (p++; *p && !(*p == '"' && p[1] != '"'); p++)
            {
              if (*p == '"')
                p++;
              val[k++] = *p;
            }
          if (*p == '"')
            p++;
        }
      else
        while (*p && *p != ',')
          val[k++] = *p++;
      val[k] = '\0';
      ck_assert_uint_lt (nf, FGA_TEST_CSV_FIELDS);
      t->field[r][nf++] = strdup (val);
      if (*p != ',')
        break;
      p++;
    }
  if (r == 0)
    t->ncols = nf;
  else
    ck_assert_msg (nf == t->ncols, "%s row %zu: %zu fields, header %zu", path, r, nf, t->ncols);
}

void
fga_test_csv_read (fga_test_csv *t, const char *path)
{
  memset (t, 0, sizeof *t);
  FILE *fp = fopen (path, "r");
  ck_assert_msg (fp != NULL, "%s missing", path);
  char buf[8192];
  while (fgets (buf, sizeof buf, fp) != NULL)
    {
      size_t len = strlen (buf);
      ck_assert_msg (len > 0 && buf[len - 1] == '\n', "%s: a partial line", path);
      buf[len - 1] = '\0';
      ck_assert_uint_lt (t->nrows, FGA_TEST_CSV_ROWS);
      size_t r = t->nrows++;
      t->line[r] = strdup (buf);
      csv_split (t, r, buf, path);
    }
  fclose (fp);
}

void
fga_test_csv_free (fga_test_csv *t)
{
  for (size_t r = 0; r < t->nrows; r++)
    {
      free (t->line[r]);
      for (size_t f = 0; f < FGA_TEST_CSV_FIELDS && t->field[r][f] != NULL; f++)
        free (t->field[r][f]);
    }
}

int
fga_test_csv_col (const fga_test_csv *t, const char *name)
{
  for (size_t f = 0; f < t->ncols; f++)
    if (strcmp (t->field[0][f], name) == 0)
      return (int) f;
  ck_abort_msg ("no column %s", name);
  return -1;
}

static int
strcmp_ptr (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

char *
fga_test_csv_text (const fga_test_csv *t, int cut, int sort)
{
  size_t n = t->nrows, total = 1;
  char **lines = calloc (n + 1, sizeof *lines);
  ck_assert_ptr_nonnull (lines);
  for (size_t r = 0; r < n; r++)
    {
      lines[r] = strdup (t->line[r]);
      for (int k = 0; k < cut; k++)
        *strrchr (lines[r], ',') = '\0';
      total += strlen (lines[r]) + 1;
    }
  if (sort && n > 1)                  /* the header stays first */
    qsort (lines + 1, n - 1, sizeof *lines, strcmp_ptr);
  char *out = calloc (total, 1);
  ck_assert_ptr_nonnull (out);
  for (size_t r = 0; r < n; r++)
    {
      strcat (out, lines[r]);
      strcat (out, "\n");
      free (lines[r]);
    }
  free (lines);
  return out;
}

/* ------------------------------------------------------------------ */
/* Fake farms.  */

static int
farm_is_master_yes (const fga_farm *f)
{
  (void) f;
  return 1;
}

static int
farm_share_none (const fga_farm *f, void **bytes, size_t *len, fga_error *err)
{
  (void) f, (void) bytes, (void) len, (void) err;
  return FGA_OK;
}

static int
reverse_run (const fga_farm *f, size_t ntasks, const double *cost, fga_farm_compute_fn compute,
             fga_farm_deliver_fn deliver, void *data, fga_error *err)
{
  fga_test_reverse_farm *c = f->ctx;
  c->ntasks = ntasks;
  ck_assert (ntasks == 0 || cost != NULL || !c->need_cost);
  for (size_t t = 0; t < ntasks; t++)
    ck_assert (cost == NULL || cost[t] > 0);
  for (size_t k = 0; k < ntasks; k++)
    {
      size_t t = ntasks - 1 - k;
      if (k == c->stop_after)
        return fgap_error_set (err, FGA_ERR_IO, "interrupted");
      void *bytes = NULL;
      size_t len = 0;
      int rc = compute (t, &bytes, &len, data, err);
      if (rc == FGA_OK)
        rc = deliver (t, bytes, len, data, err);
      free (bytes);
      if (rc != FGA_OK)
        return rc;
      c->delivered++;
    }
  return FGA_OK;
}

fga_farm
fga_test_reverse_farm_make (fga_test_reverse_farm *c)
{
  fga_farm farm = { farm_is_master_yes, reverse_run, farm_share_none, c };
  return farm;
}

/* Writes (when out) or reads all len bytes at p through fd: 0, or -1 at
   the end of the pipe or on an error.  */
static int
transfer (int fd, char *p, size_t len, int out)
{
  while (len > 0)
    {
      ssize_t k = out ? write (fd, p, len) : read (fd, p, len);
      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        return -1;
      p += k, len -= (size_t) k;
    }
  return 0;
}

static int
write_all (int fd, const void *p, size_t len)
{
  return transfer (fd, (char *) p, len, 1);
}

static int
read_all (int fd, void *p, size_t len)
{
  return transfer (fd, p, len, 0);
}

static int
pipe_is_master (const fga_farm *f)
{
  return ((const fga_test_pipe_farm *) f->ctx)->pid != 0;
}

static int
pipe_share (const fga_farm *f, void **bytes, size_t *len, fga_error *err)
{
  const fga_test_pipe_farm *c = f->ctx;
  if (pipe_is_master (f))
    {
      if (write_all (c->plan[1], len, sizeof *len) == 0
          && write_all (c->plan[1], *bytes, *len) == 0)
        return FGA_OK;
    }
  else if (read_all (c->plan[0], len, sizeof *len) == 0 && (*bytes = malloc (*len + 1)) != NULL)
    {
      if (read_all (c->plan[0], *bytes, *len) == 0)
        return FGA_OK;
      free (*bytes);
      *bytes = NULL;
    }
  return fgap_error_set (err, FGA_ERR_IO, "pipe farm: share failed");
}

/* Task t computed here (or failed, when it is fail_task).  */
static int
pipe_compute (const fga_test_pipe_farm *c, size_t t, void **buf, size_t *len,
              fga_farm_compute_fn compute, void *data, fga_error *err)
{
  if (t == c->fail_task)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "injected failure");
  return compute (t, buf, len, data, err);
}

/* The worker's odd tasks, each sent to the master; stops at its first
   failure, sent too.  */
static int
pipe_worker_run (const fga_test_pipe_farm *c, size_t ntasks, fga_farm_compute_fn compute,
                 void *data, fga_error *err)
{
  for (size_t t = 1; t < ntasks; t += 2)
    {
      void *buf = NULL;
      size_t len = 0;
      int rc = pipe_compute (c, t, &buf, &len, compute, data, err);
      const void *out = rc == FGA_OK ? buf : err->msg;
      size_t olen = rc == FGA_OK ? len : strlen (err->msg);
      if (write_all (c->back[1], &t, sizeof t) != 0 || write_all (c->back[1], &rc, sizeof rc) != 0
          || write_all (c->back[1], &olen, sizeof olen) != 0
          || write_all (c->back[1], out, olen) != 0)
        rc = FGA_ERR_IO;
      free (buf);
      if (rc != FGA_OK)
        return rc;
    }
  return FGA_OK;
}

/* The worker's tasks as they come back, delivered.  */
static int
pipe_master_collect (const fga_test_pipe_farm *c, size_t ntasks, fga_farm_deliver_fn deliver,
                     void *data, fga_error *err)
{
  for (size_t t = 1; t < ntasks; t += 2)
    {
      size_t task, len;
      int rc;
      if (read_all (c->back[0], &task, sizeof task) != 0
          || read_all (c->back[0], &rc, sizeof rc) != 0
          || read_all (c->back[0], &len, sizeof len) != 0)
        return fgap_error_set (err, FGA_ERR_IO, "pipe farm: the worker is gone");
      char *buf = malloc (len + 1);
      ck_assert_ptr_nonnull (buf);
      ck_assert_int_eq (read_all (c->back[0], buf, len), 0);
      ck_assert_uint_eq (task, t);
      if (rc != FGA_OK)
        {
          buf[len] = '\0';
          fgap_error_set (err, rc, "worker: %s", buf);
        }
      else
        rc = deliver (task, buf, len, data, err);
      free (buf);
      if (rc != FGA_OK)
        return rc;
    }
  return FGA_OK;
}

static int
pipe_run (const fga_farm *f, size_t ntasks, const double *cost, fga_farm_compute_fn compute,
          fga_farm_deliver_fn deliver, void *data, fga_error *err)
{
  const fga_test_pipe_farm *c = f->ctx;
  (void) cost;
  if (!pipe_is_master (f))
    return pipe_worker_run (c, ntasks, compute, data, err);
  for (size_t t = 0; t < ntasks; t += 2)
    {
      void *buf = NULL;
      size_t len = 0;
      int rc = pipe_compute (c, t, &buf, &len, compute, data, err);
      if (rc == FGA_OK)
        rc = deliver (t, buf, len, data, err);
      free (buf);
      if (rc != FGA_OK)
        return rc;
    }
  return pipe_master_collect (c, ntasks, deliver, data, err);
}

void
fga_test_pipe_farm_start (fga_test_pipe_farm *c, fga_farm *farm, fga_test_worker_fn worker,
                          const void *cfg, const char *dir)
{
  ck_assert (pipe (c->plan) == 0 && pipe (c->back) == 0 && pipe (c->report) == 0);
  farm->is_master = pipe_is_master, farm->run = pipe_run, farm->share = pipe_share;
  farm->ctx = c;
  c->pid = 0;
  pid_t pid = fork ();
  ck_assert (pid >= 0);
  if (pid == 0)
    {
      signal (SIGPIPE, SIG_IGN);
      close (c->plan[1]), close (c->back[0]), close (c->report[0]);
      fga_error err;
      fga_error_init (&err);
      int rc = worker (farm, cfg, dir, &err);
      size_t len = strlen (err.msg);
      if (write_all (c->report[1], &rc, sizeof rc) != 0
          || write_all (c->report[1], &len, sizeof len) != 0
          || write_all (c->report[1], err.msg, len) != 0)
        _exit (2);
      close (c->report[1]);
      /* Lingering: whatever the master still shares is dropped, up to the
         end of the pipe (its finish, or its death at the time limit).  */
      char drop[256];
      while (c->linger)
        {
          ssize_t k = read (c->plan[0], drop, sizeof drop);
          if (k == 0 || (k < 0 && errno != EINTR))
            break;
        }
      _exit (0);
    }
  c->pid = pid;
  close (c->plan[0]), close (c->back[1]), close (c->report[1]);
}

int
fga_test_pipe_farm_finish (fga_test_pipe_farm *c, char *msg, size_t size)
{
  int rc = -1, status;
  size_t len = 0;
  close (c->plan[1]), close (c->back[0]);
  msg[0] = '\0';
  if (read_all (c->report[0], &rc, sizeof rc) == 0
      && read_all (c->report[0], &len, sizeof len) == 0)
    {
      ck_assert_uint_lt (len, size);
      ck_assert_int_eq (read_all (c->report[0], msg, len), 0);
      msg[len] = '\0';
    }
  close (c->report[0]);
  ck_assert_int_eq (waitpid (c->pid, &status, 0), c->pid);
  ck_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return rc;
}
