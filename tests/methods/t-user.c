/* t-user -- user methods: a registered function is a method, in a sweep too; failures, names

   The function here computes attention by the tests' MPFR reference and
   adds 2^-size to the first entry: the error a sweep measures is then
   2^-size (to an ulp), so the least size reaching 1e-3 is 10, known
   before the sweep runs.  It refuses one size with a message, as a
   failing method would.  Expected values come from the reference and
   from exact:algo=naive, never from the user-method code.  */

#include <config.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "small-inst.h"

#define NQ 9
#define NK 12
#define D 3
#define DV 2

typedef struct
{
  long fail_at;                /* the size the function refuses */
  int quiet;                   /* refuse without a message */
  int lazy;                    /* write nothing */
  pthread_mutex_t lock;
  size_t calls;
} cb_data;

static int
attn_cb (double *out, const double *Q, const double *K, const double *V, size_t n_q,
         size_t n_k, size_t d, size_t d_v, double tau, long size, void *data, char *msg,
         size_t msgsize)
{
  cb_data *cb = data;
  pthread_mutex_lock (&cb->lock);
  cb->calls++;
  pthread_mutex_unlock (&cb->lock);
  if (size == cb->fail_at)
    {
      if (cb->quiet)
        return 7;
      snprintf (msg, msgsize, "size %ld is refused by the callback\nsecond line", size);
      return 1;
    }
  if (cb->lazy)
    return 0;
  fga_mat_struct q = { n_q, d, (double *) Q }, k = { n_k, d, (double *) K };
  fga_mat_struct v = { n_k, d_v, (double *) V }, t = { n_q, d_v, out };
  fga_test_ref_attention (&t, NULL, &q, &k, &v, tau, 200);
  if (size > 0)
    out[0] += ldexp (1, (int) -size);
  return 0;
}

static void
cb_init (cb_data *cb)
{
  memset (cb, 0, sizeof *cb);
  cb->fail_at = -1;
  pthread_mutex_init (&cb->lock, NULL);
}

static void
reg (const char *name, const char *key, cb_data *cb)
{
  fga_error err;
  ck_assert_msg (fga_method_register_user (name, key, attn_cb, cb, &err) == FGA_OK, "%s: %s",
                 name, err.msg);
}

static void
unreg (const char *name)
{
  fga_error err;
  ck_assert_msg (fga_method_unregister_user (name, &err) == FGA_OK, "%s: %s", name, err.msg);
}

static void
inst_init (small_inst *in)
{
  small_inst_init (in, NQ, NK, D, DV, 1.5, 0.3);
}

/* Runs spec on the instance into in->T.  */
static int
run_spec (small_inst *in, const char *spec, fga_stats *st, fga_error *err)
{
  fga_method m = fga_test_make_method (spec, &in->prob);
  int rc = fga_method_run (m, in->T, NULL, in->Q, in->K, in->V, st, err);
  fga_method_destroy (m);
  return rc;
}

START_TEST (run_by_spec)
{
  cb_data cb;
  cb_init (&cb);
  reg ("mine", "m", &cb);
  small_inst in;
  inst_init (&in);
  fga_error err;
  fga_stats st;
  ck_assert_msg (run_spec (&in, "mine:m=3", &st, &err) == FGA_OK, "%s", err.msg);
  ck_assert_close (in.T->data[0] - in.want->data[0], 0.125, 0, 1e-15);
  for (size_t i = 1; i < NQ * DV; i++)
    ck_assert_close (in.T->data[i], in.want->data[i], 8, 1e-15);
  ck_assert (fga_stats_get (&st, "m") == 3 && st.n_mul == 0 && st.notes[0] != '\0');
  /* no size given: 0 */
  ck_assert_msg (run_spec (&in, "mine", NULL, &err) == FGA_OK, "%s", err.msg);
  ck_assert_close (in.T->data[0], in.want->data[0], 8, 1e-15);
  ck_assert_uint_eq (cb.calls, 2);

  /* the spec spells the size out and reads back */
  fga_method m = fga_method_create ("mine", &err);
  ck_assert_str_eq (fga_method_spec (m), "mine:m=0");
  /* no lse from a function */
  double lse[NQ];
  ck_assert (fga_method_prepare (m, &in.prob, &err) == FGA_OK);
  ck_assert_int_eq (fga_method_run (m, in.T, lse, in.Q, in.K, in.V, NULL, &err), FGA_ERR_INPUT);
  /* not unregistered while an object lives */
  ck_assert_int_eq (fga_method_unregister_user ("mine", &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "still used by 1 method object"));
  fga_method_destroy (m);
  unreg ("mine");
  ck_assert_ptr_null (fga_method_create ("mine:m=3", &err));
  ck_assert_msg (err.code == FGA_ERR_INPUT && strstr (err.msg, "unknown method 'mine'"), "%s",
                 err.msg);
  ck_assert_int_eq (fga_method_unregister_user ("mine", &err), FGA_ERR_INPUT);
  /* registered again, under the same name, without a size */
  reg ("mine", NULL, &cb);
  ck_assert_ptr_null (fga_method_create ("mine:m=3", &err));
  ck_assert_ptr_nonnull (strstr (err.msg, "unknown parameter 'm'"));
  ck_assert_msg (run_spec (&in, "mine", NULL, &err) == FGA_OK, "%s", err.msg);
  unreg ("mine");
  small_inst_clear (&in);
}
END_TEST

START_TEST (failures)
{
  cb_data cb;
  cb_init (&cb);
  cb.fail_at = 5;
  reg ("mine", "m", &cb);
  small_inst in;
  inst_init (&in);
  fga_error err;
  ck_assert_int_eq (run_spec (&in, "mine:m=5", NULL, &err), FGA_ERR_COMPUTE);
  ck_assert_str_eq (err.msg, "method mine: size 5 is refused by the callback\nsecond line");
  cb.quiet = 1;
  ck_assert_int_eq (run_spec (&in, "mine:m=5", NULL, &err), FGA_ERR_COMPUTE);
  ck_assert_str_eq (err.msg, "method mine: the function returned 7");
  /* entries left unwritten are caught */
  cb.lazy = 1;
  ck_assert_int_eq (run_spec (&in, "mine:m=4", NULL, &err), FGA_ERR_COMPUTE);
  ck_assert_msg (strstr (err.msg, "entry (0, 0) is NaN") != NULL
                 && strstr (err.msg, "every entry must be written") != NULL, "%s", err.msg);
  unreg ("mine");
  small_inst_clear (&in);
}
END_TEST

START_TEST (names)
{
  cb_data cb;
  cb_init (&cb);
  fga_error err;
  static const char *const bad_names[] = {
    "", "Mine", "9lives", "a-b", "a b", "a:b", "a,b", "abcdefghijklmnopqrstuvwxyz0123456",
    "exact", "ext", "poly"
  };
  for (size_t k = 0; k < sizeof bad_names / sizeof bad_names[0]; k++)
    {
      fga_error_init (&err);
      ck_assert_msg (fga_method_register_user (bad_names[k], "m", attn_cb, &cb, &err)
                     == FGA_ERR_INPUT, "'%s' accepted", bad_names[k]);
    }
  ck_assert_int_eq (fga_method_register_user (NULL, "m", attn_cb, &cb, &err), FGA_ERR_INPUT);
  static const char *const bad_keys[] = { "M", "a=b", "a,b", "1" };
  for (size_t k = 0; k < sizeof bad_keys / sizeof bad_keys[0]; k++)
    ck_assert_msg (fga_method_register_user ("mine", bad_keys[k], attn_cb, &cb, &err)
                   == FGA_ERR_INPUT, "key '%s' accepted", bad_keys[k]);
  ck_assert_int_eq (fga_method_register_user ("mine", "m", NULL, &cb, &err), FGA_ERR_INPUT);
  /* 31 characters is the longest name */
  reg ("abcdefghijklmnopqrstuvwxyz01234", "m", &cb);
  unreg ("abcdefghijklmnopqrstuvwxyz01234");
  reg ("mine", "m", &cb);
  ck_assert_int_eq (fga_method_register_user ("mine", "k", attn_cb, &cb, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "registered already"));
  ck_assert_int_eq (fga_method_unregister_user ("other", &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fga_method_unregister_user (NULL, &err), FGA_ERR_INPUT);
  /* the table is bounded */
  char name[32];
  for (int k = 1; k < FGA_USER_METHODS_MAX; k++)
    {
      snprintf (name, sizeof name, "u%d", k);
      reg (name, NULL, &cb);
    }
  ck_assert_int_eq (fga_method_register_user ("onemore", NULL, attn_cb, &cb, &err),
                    FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "the most there may be"));
  /* an unknown name lists the registered ones */
  ck_assert_ptr_null (fga_method_create ("nosuch", &err));
  ck_assert_ptr_nonnull (strstr (err.msg, "registered: "));
  ck_assert_ptr_nonnull (strstr (err.msg, "mine"));
  for (int k = 1; k < FGA_USER_METHODS_MAX; k++)
    {
      snprintf (name, sizeof name, "u%d", k);
      unreg (name);
    }
  unreg ("mine");
}
END_TEST

/* ------------------------------------------------------------------ */
/* A sweep.  */

/* Field idx of a CSV line (RFC 4180 quotes undone) into out.  */
static void
csv_field (char *out, size_t size, const char *line, int idx)
{
  const char *p = line;
  for (int f = 0;; f++)
    {
      size_t n = 0;
      int quoted = *p == '"';
      for (p += quoted; *p && (quoted ? !(*p == '"' && p[1] != '"') : *p != ','); p++)
        {
          p += quoted && *p == '"';
          if (f == idx && n + 1 < size)
            out[n++] = *p;
        }
      p += quoted;
      if (f == idx)
        {
          out[n] = '\0';
          return;
        }
      ck_assert_msg (*p == ',', "no field %d in %s", idx, line);
      p++;
    }
}

typedef struct
{
  char line[64][2048];
  size_t nrows;
} csv_t;

static void
csv_read (csv_t *t, const char *dir, const char *name)
{
  char path[4200];
  snprintf (path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen (path, "r");
  ck_assert_msg (fp != NULL, "%s missing", path);
  t->nrows = 0;
  for (char *l; t->nrows < 64 && (l = fgets (t->line[t->nrows], sizeof t->line[0], fp));)
    {
      l[strcspn (l, "\n")] = '\0';
      t->nrows++;
    }
  fclose (fp);
  unlink (path);
}

/* The column named name of row r (r >= 1).  */
static void
get (char *out, size_t size, const csv_t *t, size_t r, const char *name)
{
  char head[64];
  for (int f = 0;; f++)
    {
      csv_field (head, sizeof head, t->line[0], f);
      if (strcmp (head, name) == 0)
        {
          csv_field (out, size, t->line[r], f);
          return;
        }
    }
}

static const char sweep_conf[] =
  "[grid]\n"
  "n = 16\n"
  "d = 3\n"
  "B = 1\n"
  "seeds = 1, 2\n"
  "\n"
  "[method mine]\n"
  "spec = mine\n"
  "size = m\n"
  "sizes = 4, 5, 12\n"
  "targets = 1e-3\n"
  "max_size = 64\n";

START_TEST (sweep)
{
  cb_data cb;
  cb_init (&cb);
  cb.fail_at = 5;
  reg ("mine", "m", &cb);
  char dir[] = "/tmp/fgattn-t-user-XXXXXX", conf[64], out[64];
  ck_assert_ptr_nonnull (mkdtemp (dir));
  snprintf (conf, sizeof conf, "%s/grid.conf", dir);
  snprintf (out, sizeof out, "%s/out", dir);
  FILE *fp = fopen (conf, "w");
  ck_assert (fp != NULL && fputs (sweep_conf, fp) >= 0 && fclose (fp) == 0);
  fga_sweep_config cfg;
  fga_error err;
  ck_assert_msg (fga_sweep_config_read (&cfg, conf, &err) == FGA_OK, "%s", err.msg);
  fga_sweep_opts opts = { 2, NULL, NULL, NULL, 0, 0 };
  ck_assert_msg (fga_sweep_run (&cfg, out, &opts, &err) == FGA_OK, "%s", err.msg);

  csv_t *t = malloc (sizeof *t);
  char v[1024], size[32];
  csv_read (t, out, "results.csv");
  ck_assert_uint_eq (t->nrows, 1 + 2 * 3);
  for (size_t r = 1; r < t->nrows; r++)
    {
      get (size, sizeof size, t, r, "size");
      get (v, sizeof v, t, r, "status");
      if (strcmp (size, "5") == 0)
        {
          ck_assert_str_eq (v, "failed");
          get (v, sizeof v, t, r, "message");
          ck_assert_str_eq (v, "method mine: size 5 is refused by the callback second line");
          get (v, sizeof v, t, r, "max_abs");
          ck_assert_str_eq (v, "");
          continue;
        }
      ck_assert_msg (strcmp (v, "ok") == 0, "size %s: %s", size, v);
      get (v, sizeof v, t, r, "method");
      ck_assert_msg (strncmp (v, "mine:m=", 7) == 0, "%s", v);
      get (v, sizeof v, t, r, "message");
      ck_assert_str_eq (v, "");
      get (v, sizeof v, t, r, "max_abs");
      ck_assert_close (strtod (v, NULL), ldexp (1, -atoi (size)), 0, 1e-15);
    }
  csv_read (t, out, "least.csv");
  ck_assert_uint_eq (t->nrows, 1 + 2);
  for (size_t r = 1; r < t->nrows; r++)
    {
      get (v, sizeof v, t, r, "least_size");
      ck_assert_str_eq (v, "10");
      get (v, sizeof v, t, r, "censored");
      ck_assert_str_eq (v, "0");
    }
  free (t);
  static const char *const rest[] = { "rank.csv", "cost.csv", "sweep.json", ".lock" };
  for (size_t k = 0; k < 4; k++)
    {
      char path[128];
      snprintf (path, sizeof path, "%s/%s", out, rest[k]);
      unlink (path);
    }
  ck_assert_int_eq (rmdir (out), 0);
  unlink (conf);
  ck_assert_int_eq (rmdir (dir), 0);
  unreg ("mine");
}
END_TEST

static Suite *
user_suite (void)
{
  Suite *s = suite_create ("user");
  TCase *tc = fga_test_tcase ("user", 60);
  tcase_add_test (tc, run_by_spec);
  tcase_add_test (tc, failures);
  tcase_add_test (tc, names);
  tcase_add_test (tc, sweep);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (user_suite ());
}
