/* t-ext -- the method ext: a program's output, its failures with their stderr, no folder left

   The external program is tests/methods/ext-helper (built with the suite;
   its modes are listed at its top).  Its correct mode computes attention
   by the tests' MPFR reference, so the expected values come from another
   route than the command: the method exact:algo=naive, within a few ulps;
   its copy mode hands back a file of exact's output, which must come back
   bit for bit.  Every run goes to a TMPDIR of the test's own, which must
   be empty again after each run, failed or not.  */

#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "small-inst.h"

#define NQ 11
#define NK 13
#define D 4
#define DV 3
#define TAU 0.1                /* not a binary fraction: FGATTN_TAU must read back exactly */

static char tmpdir[4400];      /* TMPDIR of the runs */
static char work[256];         /* the test's own files */
static char helper[4200];      /* the quoted path of ext-helper */

static void
inst_init (small_inst *in)
{
  small_inst_init (in, NQ, NK, D, DV, 2, TAU);
}

/* The spec "ext:OPTS,cmd=PRE HELPER ARGS" (OPTS may be "").  */
static void
spec_pre (char *buf, size_t size, const char *opts, const char *pre, const char *args)
{
  snprintf (buf, size, "ext:%s%scmd=%s%s %s", opts, opts[0] ? "," : "", pre, helper, args);
}

static void
spec_of (char *buf, size_t size, const char *opts, const char *args)
{
  spec_pre (buf, size, opts, "", args);
}

/* Runs spec on the instance into in->T; the run's folder must be gone. */
static int
run_spec (small_inst *in, const char *spec, fga_stats *st, fga_error *err)
{
  fga_method m = fga_method_create (spec, err);
  ck_assert_msg (m != NULL, "%s: %s", spec, err->msg);
  ck_assert_msg (fga_method_prepare (m, &in->prob, err) == FGA_OK, "%s: %s", spec, err->msg);
  int rc = fga_method_run (m, in->T, NULL, in->Q, in->K, in->V, st, err);
  fga_method_destroy (m);
  ck_assert_msg (fga_test_count_entries (tmpdir) == 0, "%s: the run left its folder in %s",
                 spec, tmpdir);
  return rc;
}

static void
assert_attention (const small_inst *in)
{
  for (size_t i = 0; i < NQ * DV; i++)
    ck_assert_close (in->T->data[i], in->want->data[i], 8, 1e-15);
}

START_TEST (correct)
{
  small_inst in;
  inst_init (&in);
  char spec[16384], args[4500], want_path[4200];
  fga_error err;
  fga_stats st;
  spec_of (spec, sizeof spec, "", "attn {Q} {K} {V} {out}");
  ck_assert_msg (run_spec (&in, spec, &st, &err) == FGA_OK, "%s", err.msg);
  assert_attention (&in);
  /* timed, uncounted, and said so */
  double cmd = fga_stats_get (&st, "cmd_seconds");
  ck_assert_msg (cmd > 0 && cmd <= st.wall_seconds, "cmd_seconds %g, wall %g", cmd,
                 st.wall_seconds);
  ck_assert (st.n_mul == 0 && st.n_add == 0 && st.n_exp == 0 && st.n_div == 0 && st.n_cmp == 0);
  ck_assert_ptr_nonnull (strstr (st.notes, "not known"));
  ck_assert_uint_eq (st.peak_bytes, NQ * DV * sizeof (double));

  /* exact's own output, handed back: bit for bit */
  snprintf (want_path, sizeof want_path, "%s/want.npy", work);
  ck_assert (fga_npy_write (want_path, in.want, &err) == FGA_OK);
  snprintf (args, sizeof args, "copy '%s' {out}", want_path);
  spec_of (spec, sizeof spec, "timeout=60", args);
  ck_assert_msg (run_spec (&in, spec, NULL, &err) == FGA_OK, "%s", err.msg);
  ck_assert (memcmp (in.T->data, in.want->data, NQ * DV * sizeof (double)) == 0);
  unlink (want_path);
  small_inst_clear (&in);
}
END_TEST

/* Each failure: FGA_ERR_COMPUTE, its cause and the end of the command's
   standard error in the message.  */
static const struct
{
  const char *pre, *args, *needle1, *needle2;
} failures[] = {
  { "", "fail {out}", "the command exited with status 1",
    "ext-helper: the last line of a long complaint" },
  /* exec: the helper is the process the shell was, whatever the shell */
  { "exec ", "signal {out}", "the command was killed by signal 15 (SIGTERM)",
    "wrote nothing to standard error" },
  { "", "shape {Q} {K} {V} {out}", "its output is 11 x 4, not 11 x 3 (nq x dv)", "status 0" },
  { "", "nan {Q} {K} {V} {out}", "its output: entry (10, 0) is NaN", "status 0" },
  { "", "none {out}", "exited with status 0 but wrote no output at {out}",
    "nothing to standard error" },
  { "", "garbage {out}", "its output {out} is not an NPY file fgattn reads", "status 0" },
  { "", "attn {Q} {K} {V} {out} {size} 7", "the command exited with status 4",
    "ext-helper: this size is not supported" },
  { "", "bogus {out}", "the command exited with status 64", "usage: ext-helper" },
  { "/nonexistent/program {out} # ", "", "the command exited with status 127", "not found" },
};

START_TEST (failure)
{
  small_inst in;
  inst_init (&in);
  char spec[16384];
  fga_error err;
  fga_error_init (&err);
  spec_pre (spec, sizeof spec, "size=7", failures[_i].pre, failures[_i].args);
  int rc = run_spec (&in, spec, NULL, &err);
  ck_assert_msg (rc == FGA_ERR_COMPUTE, "%s: returned %d (%s)", spec, rc, err.msg);
  ck_assert_msg (strstr (err.msg, failures[_i].needle1) != NULL
                 && strstr (err.msg, failures[_i].needle2) != NULL,
                 "%s: '%s' wants '%s' and '%s'", spec, err.msg, failures[_i].needle1,
                 failures[_i].needle2);
  ck_assert_msg (strncmp (err.msg, "method ext: ", 12) == 0 && strchr (err.msg, '\n') == NULL,
                 "%s", err.msg);
  /* the tail only: the first of the 2000 bytes of filler is not there */
  ck_assert_msg (strstr (err.msg, "filler line 00") == NULL && strlen (err.msg) < 800, "%s",
                 err.msg);
  small_inst_clear (&in);
}
END_TEST

/* Whether process pid has ended (gone, or a zombie nobody reaps).  */
static int
ended (long pid)
{
  char path[64], buf[512];
  snprintf (path, sizeof path, "/proc/%ld/stat", pid);
  FILE *fp = fopen (path, "r");
  if (fp == NULL)
    return 1;
  size_t n = fread (buf, 1, sizeof buf - 1, fp);
  fclose (fp);
  buf[n] = '\0';
  const char *paren = strrchr (buf, ')');
  return paren == NULL || paren[2] == 'Z' || paren[2] == 'X';
}

START_TEST (timeout)
{
  small_inst in;
  inst_init (&in);
  char spec[16384], args[4500], pidfile[4200];
  snprintf (pidfile, sizeof pidfile, "%s/pids", work);
  snprintf (args, sizeof args, "sleep '%s' {out}", pidfile);
  spec_of (spec, sizeof spec, "timeout=1.5", args);
  fga_error err;
  double t0 = fga_wall_time ();
  int rc = run_spec (&in, spec, NULL, &err);
  double took = fga_wall_time () - t0;
  ck_assert_msg (rc == FGA_ERR_COMPUTE && strstr (err.msg, "did not end within the timeout of "
                                                  "1.5 s: its process group was killed"),
                 "%d: %s", rc, err.msg);
  ck_assert_msg (took >= 1.5 && took < 15, "took %g s", took);
  /* the helper and the child it made: both killed with the group */
  FILE *fp = fopen (pidfile, "r");
  ck_assert_msg (fp != NULL, "the helper wrote no pid file");
  long pid[2];
  ck_assert_int_eq (fscanf (fp, "%ld %ld", &pid[0], &pid[1]), 2);
  fclose (fp);
  unlink (pidfile);
  for (int k = 0; k < 2; k++)
    {
      for (int tries = 0; tries < 500 && !ended (pid[k]); tries++)
        usleep (10000);
      ck_assert_msg (ended (pid[k]), "process %ld outlived the timeout", pid[k]);
    }
  small_inst_clear (&in);
}
END_TEST

/* The spec: a command with commas, before or after the other keys, reads
   back; what is refused, and when.  */
START_TEST (spec)
{
  fga_error err;
  fga_method m = fga_method_create ("ext:cmd=a,b {out} --x=1,timeout=5", &err);
  ck_assert_msg (m != NULL, "%s", err.msg);
  ck_assert_str_eq (fga_method_spec (m), "ext:timeout=5,size=0,cmd=a,b {out} --x=1");
  ck_assert_str_eq (fgap_param_text (m, "cmd"), "a,b {out} --x=1");
  fga_method m2 = fga_method_create (fga_method_spec (m), &err);
  ck_assert_str_eq (fga_method_spec (m2), fga_method_spec (m));
  fga_method_destroy (m2);
  fga_method_destroy (m);
  /* the shell's empty quotes keep a key's text in the command */
  m = fga_method_create ("ext:cmd=p {out},''size=3", &err);
  ck_assert_msg (m != NULL, "%s", err.msg);
  ck_assert_str_eq (fgap_param_text (m, "cmd"), "p {out},''size=3");
  ck_assert_int_eq (fgap_param_int (m, "size"), 0);
  fga_method_destroy (m);
  /* a sweep appends its size after the command */
  m = fga_method_create ("ext:cmd=p {size} {out},size=12", &err);
  ck_assert_msg (m != NULL, "%s", err.msg);
  ck_assert_int_eq (fgap_param_int (m, "size"), 12);
  fga_method_destroy (m);
  /* ",key=" with a key ext does not have is the command's text */
  m = fga_method_create ("ext:cmd=p {out},colour=red", &err);
  ck_assert_msg (m != NULL, "%s", err.msg);
  ck_assert_str_eq (fgap_param_text (m, "cmd"), "p {out},colour=red");
  fga_method_destroy (m);

  static const struct { const char *spec, *needle; } bad[] = {
    { "ext:cmd=a {out},cmd=b {out}", "given twice" },
    { "ext:cmd=echo hello", "must contain {out}" },
    { "ext:timeout=0,cmd=p {out}", "timeout" },
    { "ext:size=-1,cmd=p {out}", "size" },
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
    {
      fga_error_init (&err);
      ck_assert_msg (fga_method_create (bad[k].spec, &err) == NULL && err.code == FGA_ERR_INPUT
                     && strstr (err.msg, bad[k].needle) != NULL, "%s: %s", bad[k].spec, err.msg);
    }
  char longspec[1200] = "ext:cmd={out} ";
  memset (longspec + strlen (longspec), 'x', 1100);
  ck_assert (fga_method_create (longspec, &err) == NULL);
  ck_assert_msg (strstr (err.msg, "more than the 1024") != NULL, "%s", err.msg);

  /* no command: made (so that fgattn methods' defaults hold), refused at prepare */
  small_inst in;
  inst_init (&in);
  m = fga_method_create ("ext", &err);
  ck_assert_ptr_nonnull (m);
  ck_assert_int_eq (fga_method_prepare (m, &in.prob, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "no command"));
  fga_method_destroy (m);
  /* no lse from a program */
  double lse[NQ];
  char specbuf[16384];
  spec_of (specbuf, sizeof specbuf, "", "attn {Q} {K} {V} {out}");
  m = fga_test_make_method (specbuf, &in.prob);
  ck_assert_int_eq (fga_method_run (m, in.T, lse, in.Q, in.K, in.V, NULL, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "lse"));
  fga_method_destroy (m);
  small_inst_clear (&in);
}
END_TEST

/* {size} and FGATTN_SIZE (the helper checks they agree) reach the command;
   a TMPDIR with a space and a quote in it is quoted right.  */
START_TEST (size_and_quoting)
{
  small_inst in;
  inst_init (&in);
  char spec[16384];
  fga_error err;
  spec_of (spec, sizeof spec, "size=3", "attn {Q} {K} {V} {out} {size}");
  ck_assert_msg (run_spec (&in, spec, NULL, &err) == FGA_OK, "%s", err.msg);
  ck_assert_close (in.T->data[0] - in.want->data[0], 0.125, 0, 1e-14);
  in.T->data[0] = in.want->data[0];
  assert_attention (&in);

  char odd[4400], saved[4400];
  snprintf (saved, sizeof saved, "%s", tmpdir);
  snprintf (odd, sizeof odd, "%s/it's a folder", work);
  ck_assert (mkdir (odd, 0700) == 0);
  snprintf (tmpdir, sizeof tmpdir, "%s", odd);
  setenv ("TMPDIR", tmpdir, 1);
  spec_of (spec, sizeof spec, "", "attn {Q} {K} {V} {out}");
  ck_assert_msg (run_spec (&in, spec, NULL, &err) == FGA_OK, "%s", err.msg);
  assert_attention (&in);
  snprintf (tmpdir, sizeof tmpdir, "%s", saved);
  setenv ("TMPDIR", tmpdir, 1);
  ck_assert (rmdir (odd) == 0);
  small_inst_clear (&in);
}
END_TEST

/* Folders, files, a folder without rights and a symbolic link left in the
   run's folder: all removed, and the link's target untouched.  */
START_TEST (litter)
{
  small_inst in;
  inst_init (&in);
  char spec[16384], canary[4200], args[512];
  snprintf (canary, sizeof canary, "%s/canary", work);
  FILE *fp = fopen (canary, "w");
  ck_assert (fp != NULL && fclose (fp) == 0);
  fga_error err;
  snprintf (args, sizeof args, "litter {Q} {K} {V} {out} '%s'", work);
  spec_of (spec, sizeof spec, "", args);
  ck_assert_msg (run_spec (&in, spec, NULL, &err) == FGA_OK, "%s", err.msg);
  assert_attention (&in);
  ck_assert (access (canary, F_OK) == 0);
  unlink (canary);
  small_inst_clear (&in);
}
END_TEST

typedef struct
{
  fga_method_srcptr m;
  small_inst *in;
  fga_mat_t T;
  int rc;
  fga_error err;
} job_t;

static void *
job_run (void *arg)
{
  job_t *j = arg;
  j->rc = fga_method_run (j->m, j->T, NULL, j->in->Q, j->in->K, j->in->V, NULL, &j->err);
  return NULL;
}

/* One prepared method run from four threads at once: four folders, four
   commands, four right answers.  */
START_TEST (threads)
{
  small_inst in;
  inst_init (&in);
  char spec[16384];
  spec_of (spec, sizeof spec, "", "attn {Q} {K} {V} {out}");
  fga_method m = fga_test_make_method (spec, &in.prob);
  job_t jobs[4];
  pthread_t tid[4];
  for (int k = 0; k < 4; k++)
    {
      jobs[k].m = m;
      jobs[k].in = &in;
      ck_assert (fga_mat_init (jobs[k].T, NQ, DV, NULL) == FGA_OK);
      ck_assert_int_eq (pthread_create (&tid[k], NULL, job_run, &jobs[k]), 0);
    }
  for (int k = 0; k < 4; k++)
    {
      ck_assert_int_eq (pthread_join (tid[k], NULL), 0);
      ck_assert_msg (jobs[k].rc == FGA_OK, "%s", jobs[k].err.msg);
      memcpy (in.T->data, jobs[k].T->data, NQ * DV * sizeof (double));
      assert_attention (&in);
      fga_mat_clear (jobs[k].T);
    }
  fga_method_destroy (m);
  ck_assert_uint_eq (fga_test_count_entries (tmpdir), 0);
  small_inst_clear (&in);
}
END_TEST

static Suite *
ext_suite (void)
{
  Suite *s = suite_create ("ext");
  TCase *tc = fga_test_tcase ("ext", 60);
  tcase_add_test (tc, correct);
  tcase_add_loop_test (tc, failure, 0, sizeof failures / sizeof failures[0]);
  tcase_add_test (tc, timeout);
  tcase_add_test (tc, spec);
  tcase_add_test (tc, size_and_quoting);
  tcase_add_test (tc, litter);
  tcase_add_test (tc, threads);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  const char *build = getenv ("FGA_BUILDDIR");
  snprintf (helper, sizeof helper, "'%s/tests/methods/ext-helper'", build != NULL ? build : ".");
  snprintf (work, sizeof work, "/tmp/fgattn-t-ext-XXXXXX");
  if (mkdtemp (work) == NULL)
    return 99;
  snprintf (tmpdir, sizeof tmpdir, "%s/tmp", work);
  if (mkdir (tmpdir, 0700) != 0)
    return 99;
  setenv ("TMPDIR", tmpdir, 1);
  int status = fga_test_run_suite (ext_suite ());
  rmdir (tmpdir);
  rmdir (work);
  return status;
}
