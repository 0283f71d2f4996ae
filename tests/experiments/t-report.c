/* t-report -- tables, exponent fits and plot inputs regenerated from hand-made sweep CSVs

   The fixtures in tests/fixtures/report-* are small enough that every mean
   below was worked out by hand from them; the comments show the sums.  */

#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "testutil.h"

#ifndef FGA_FIXTURES
# error "FGA_FIXTURES must name the folder of the fixtures"
#endif

static char tmpdir[256];

static void
make_tmpdir (void)
{
  snprintf (tmpdir, sizeof tmpdir, "/tmp/t-report-XXXXXX");
  ck_assert_ptr_nonnull (mkdtemp (tmpdir));
}

static void
remove_tmpdir (void)
{
  char cmd[400];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system (cmd) != 0)
    fprintf (stderr, "t-report: could not remove %s\n", tmpdir);
}

/* The whole of a file, NUL-terminated (static buffer), or NULL. */
static const char *
slurp (const char *dir, const char *name)
{
  static char buf[1 << 16];
  char path[512];
  snprintf (path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen (path, "r");
  if (fp == NULL)
    return NULL;
  size_t n = fread (buf, 1, sizeof buf - 1, fp);
  buf[n] = '\0';
  fclose (fp);
  return buf;
}

static void
put (const char *dir, const char *name, const char *text)
{
  char path[512];
  snprintf (path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen (path, "w");
  ck_assert_ptr_nonnull (fp);
  fputs (text, fp);
  ck_assert_int_eq (fclose (fp), 0);
}

/* Copies a fixture folder's CSVs into tmpdir: reports write next to the
   CSVs, and the source tree must stay untouched.  */
static void
copy_fixture (const char *fixture)
{
  static const char *const names[] = { "results.csv", "rank.csv", "least.csv" };
  char dir[400];
  snprintf (dir, sizeof dir, "%s/%s", FGA_FIXTURES, fixture);
  for (int k = 0; k < 3; k++)
    {
      const char *text = slurp (dir, names[k]);
      if (text != NULL)
        put (tmpdir, names[k], text);
    }
}

static off_t
file_size (const char *dir, const char *name)
{
  char path[512];
  struct stat st;
  snprintf (path, sizeof path, "%s/%s", dir, name);
  return stat (path, &st) == 0 ? st.st_size : -1;
}

static int
contains (const char *text, const char *needle)
{
  return text != NULL && strstr (text, needle) != NULL;
}

#define ck_assert_has(text, needle) \
  ck_assert_msg (contains ((text), (needle)), "missing \"%s\" in:\n%s", (needle), \
                 (text) ? (text) : "(no file)")

static const fga_report_exponent *
find_exponent (const fga_report_struct *rep, const char *quantity, const char *param, double x)
{
  const fga_report_exponent *ex;
  size_t n = fga_report_exponents (rep, &ex);
  for (size_t i = 0; i < n; i++)
    if (strcmp (ex[i].quantity, quantity) == 0 && strcmp (ex[i].param, param) == 0
        && ex[i].x == x)
      return &ex[i];
  return NULL;
}

/* --- the fit --------------------------------------------------------------- */

static const double EXPONENTS[] = { 0, 1, 1.5 };

/* The report's use of fga_fit_power: points without a value skipped, and
   NaN where the fit refuses.  */
static double
report_fit (const double *n, const double *v, size_t k)
{
  fga_fit fit;
  fga_fit_power (&fit, n, v, k, FGA_FIT_SKIP, NULL);
  return fit.exponent;
}

START_TEST (test_fit_power)
{
  double a = EXPONENTS[_i];
  static const double n[] = { 64, 128, 256, 1000, 4096 };
  double v[5];
  for (int c = 0; c < 3; c++)
    {
      double coef = (double[]) { 1, 3.7, 1e-6 }[c];
      for (int i = 0; i < 5; i++)
        v[i] = coef * pow (n[i], a);
      double got = report_fit (n, v, 5);
      ck_assert_msg (fabs (got - a) <= 1e-12, "c = %g, a = %g: fitted %.17g", coef, a, got);
    }
}
END_TEST

START_TEST (test_fit_degenerate)
{
  static const double n[] = { 64, 128, 256 };
  double one[] = { 5, NAN, NAN };
  ck_assert (isnan (report_fit (n, one, 3)));
  double zero[] = { 0, 10, -1 };      /* only one point is usable */
  ck_assert (isnan (report_fit (n, zero, 3)));
  static const double same[] = { 64, 64 };
  double v[] = { 1, 2 };
  ck_assert (isnan (report_fit (same, v, 2)));
  /* Unusable points are skipped, not taken as zero: 2 n^1 at 64 and 256. */
  double gap[] = { 128, NAN, 512 };
  ck_assert (fabs (report_fit (n, gap, 3) - 1) <= 1e-12);
}
END_TEST

/* --- tables -------------------------------------------------------------- */

START_TEST (test_tables)
{
  fga_error err;
  fga_error_init (&err);
  fga_report_ptr rep;
  copy_fixture ("report-basic");
  ck_assert_int_eq (fga_report_read (&rep, tmpdir, &err), FGA_OK);
  ck_assert_uint_eq (fga_report_files (rep),
                     FGA_REPORT_RESULTS | FGA_REPORT_RANK | FGA_REPORT_LEAST);
  ck_assert_int_eq (fga_report_axis_is_B (rep), 0);
  ck_assert_int_eq (fga_report_write (rep, tmpdir, &err), FGA_OK);

  const char *md = slurp (tmpdir, "error-vs-B.md");
  ck_assert_has (md, "## poly, degree = 2\n");
  ck_assert_has (md, "| beta | n = 64 | n = 128 |");
  /* degree 2: (1e-3 + 3e-3)/2; at n = 128 seed 2 failed, so seed 1 alone;
     beta 2: (0.5 + 0.25)/2, and no row at n = 128.  */
  ck_assert_has (md, "| 0.5 | 2.00e-03 | 4.00e-03 |\n| 2 | 3.75e-01 | — |");
  ck_assert_has (md, "## poly, degree = 4\n");
  ck_assert_has (md, "| 0.5 | 2.00e-06 | 6.00e-06 |\n| 2 | — | — |");
  /* degree 2 comes before degree 4 */
  ck_assert (strstr (md, "degree = 2") < strstr (md, "degree = 4"));

  md = slurp (tmpdir, "least-size.md");
  ck_assert_has (md, "## poly, target 1e-3");
  /* (3 + 4)/2; at n = 128 one seed missed: 4 with the mark; beta 2 missed. */
  ck_assert_has (md, "| 0.5 | 3.5 | 4* |\n| 2 | — | — |");
  ck_assert_has (md, "not reached for every seed");

  md = slurp (tmpdir, "exponents.md");
  ck_assert_has (md, "| beta | rank, tol 1/n | least size poly, target 1e-3 |");
  /* rank: 7 -> 8 gives log2(8/7) = 0.193; (30+34)/2 = 32 -> 64 gives 1;
     least size 3.5 -> 4 gives log2(4/3.5) = 0.193 */
  ck_assert_has (md, "| 0.5 | 0.193 | 0.193 |");
  ck_assert_has (md, "| 2 | 1.000 | — |");
  fga_report_destroy (rep);
}
END_TEST

START_TEST (test_exponents)
{
  fga_error err;
  fga_error_init (&err);
  fga_report_ptr rep;
  ck_assert_int_eq (fga_report_read (&rep, FGA_FIXTURES "/report-basic", &err), FGA_OK);
  const fga_report_exponent *e = find_exponent (rep, "rank", "1/n", 2);
  ck_assert_ptr_nonnull (e);
  ck_assert (fabs (e->exponent - 1) <= 1e-12);
  ck_assert_uint_eq (e->points, 2);
  e = find_exponent (rep, "rank", "1/n", 0.5);
  ck_assert_ptr_nonnull (e);
  ck_assert (fabs (e->exponent - log (8.0 / 7) / log (2)) <= 1e-12);
  e = find_exponent (rep, "least_size", "1e-3", 0.5);
  ck_assert_ptr_nonnull (e);
  ck_assert_str_eq (e->label, "poly");
  ck_assert (fabs (e->exponent - log (4 / 3.5) / log (2)) <= 1e-12);
  e = find_exponent (rep, "least_size", "1e-3", 2);
  ck_assert_ptr_nonnull (e);
  ck_assert (isnan (e->exponent));
  ck_assert_uint_eq (e->points, 0);
  fga_report_destroy (rep);
}
END_TEST

/* --- files absent or malformed --------------------------------------------- */

START_TEST (test_rank_only_axis_B)
{
  fga_error err;
  fga_error_init (&err);
  fga_report_ptr rep;
  copy_fixture ("report-rankonly");
  ck_assert_int_eq (fga_report_read (&rep, tmpdir, &err), FGA_OK);
  ck_assert_uint_eq (fga_report_files (rep), FGA_REPORT_RANK);
  ck_assert_int_eq (fga_report_axis_is_B (rep), 1);
  /* beta empty: rows by B = 3; rank 10 at n = 64, 20 at n = 256: 1/2. */
  const fga_report_exponent *e = find_exponent (rep, "rank", "1e-8", 3);
  ck_assert_ptr_nonnull (e);
  ck_assert (fabs (e->exponent - 0.5) <= 1e-12);
  ck_assert_int_eq (e->x_is_B, 1);
  ck_assert_int_eq (fga_report_write (rep, tmpdir, &err), FGA_OK);
  ck_assert_has (slurp (tmpdir, "error-vs-B.md"), "No results.csv rows.");
  ck_assert_has (slurp (tmpdir, "least-size.md"), "No least.csv rows.");
  ck_assert_has (slurp (tmpdir, "exponents.md"), "| B | rank, tol 1e-8 |");
  ck_assert_has (slurp (tmpdir, "exponents.md"), "| 3 | 0.500 |");
  ck_assert_uint_eq (fga_report_nplots (rep), 1);
  ck_assert_str_eq (fga_report_plot (rep, 0), "rank-1");
  fga_report_destroy (rep);
}
END_TEST

START_TEST (test_none_there)
{
  fga_error err;
  fga_error_init (&err);
  fga_report_ptr rep = (fga_report_ptr) &err;
  ck_assert_int_eq (fga_report_read (&rep, tmpdir, &err), FGA_ERR_INPUT);
  ck_assert_ptr_null (rep);
  ck_assert_has (err.msg, "none of results.csv, rank.csv, least.csv");
  fga_error_init (&err);
  ck_assert_int_eq (fga_report_read (&rep, "/nonexistent/fgattn-report", &err), FGA_ERR_INPUT);
  ck_assert_has (err.msg, "not a folder");
}
END_TEST

START_TEST (test_bad_fixture)
{
  fga_error err;
  fga_error_init (&err);
  fga_report_ptr rep;
  ck_assert_int_eq (fga_report_read (&rep, FGA_FIXTURES "/report-bad", &err), FGA_ERR_INPUT);
  ck_assert_ptr_null (rep);
  ck_assert_has (err.msg, "report-bad/results.csv:3:");
  ck_assert_has (err.msg, "max_abs");
  ck_assert_has (err.msg, "'abc'");
}
END_TEST

static const char RANK_HEADER[] = "cell,n,d,beta,B,seed,tol,tol_value,rank\n";
static const char RANK_ROW[] = "\"n=64,b=1,seed=1\",64,6,1,2,1,1/n,0.015625,7\n";

static const struct
{
  const char *file, *text, *want;
} bad_csv[] = {
  /* too few fields on line 3 */
  { "rank.csv", "cell,n,d,beta,B,seed,tol,tol_value,rank\n"
    "\"n=64,b=1,seed=1\",64,6,1,2,1,1/n,0.015625,7\n"
    "\"n=64,b=1,seed=2\",64,6,1,2,2,1/n,0.015625\n", "rank.csv:3: 8 fields where the header has 9" },
  /* the unquoted cell id splits into more fields */
  { "rank.csv", "cell,n,d,beta,B,seed,tol,tol_value,rank\n"
    "n=64,b=1,seed=1,64,6,1,2,1,1/n,0.015625,7\n", "rank.csv:2: 11 fields" },
  { "rank.csv", "cell,n,d,beta,B,seed,tol,tol_value,rank\n"
    "\"n=64,b=1,seed=1,64,6,1,2,1,1/n,0.015625,7\n", "rank.csv:2: unterminated quoted field" },
  { "rank.csv", "cell,n,d,beta,B,seed,tol,tol_value\n", "rank.csv:1: the header has no column rank" },
  { "rank.csv", "", "rank.csv:1: empty file" },
  { "rank.csv", "cell,n,d,beta,B,seed,tol,tol_value,rank\n"
    "\"n=64,b=1,seed=1\",sixty,6,1,2,1,1/n,0.015625,7\n", "rank.csv:2: column n: 'sixty'" },
  { "rank.csv", "cell,n,d,beta,B,seed,tol,tol_value,rank\n"
    "\"n=64,b=1,seed=1\",64,6,1,,1,1/n,0.015625,7\n", "rank.csv:2: column B is empty" },
  { "least.csv", "cell,n,d,beta,B,seed,label,size_key,target,least_size\n"
    "\"n=64,b=1,seed=1\",64,6,1,2,1,poly,degree,1e-3,many\n", "least.csv:2: column least_size" },
  { "results.csv", "cell,n,d,dv,beta,B,Bv,dist,tau,seed,R_apriori,R_data,truth,label,method,"
    "size_key,size,status,max_abs,rel_fro,mean_abs,max_ulps,mul,add,exp,div,cmp,peak_bytes,"
    "wall_seconds\n\"n=64,b=1,seed=1\",64,6,6,1,2,1,uniform,1/d,1,1,1,mpfr,poly,poly,degree,2,"
    "fine,1e-3,0,0,0,0,0,0,0,0,0,0.1\n", "results.csv:2: column status: 'fine'" },
  /* ok with the error empty */
  { "results.csv", "cell,n,d,dv,beta,B,Bv,dist,tau,seed,R_apriori,R_data,truth,label,method,"
    "size_key,size,status,max_abs,rel_fro,mean_abs,max_ulps,mul,add,exp,div,cmp,peak_bytes,"
    "wall_seconds\n\"n=64,b=1,seed=1\",64,6,6,1,2,1,uniform,1/d,1,1,1,mpfr,poly,poly,degree,2,"
    "ok,,0,0,0,0,0,0,0,0,0,0.1\n", "results.csv:2: column max_abs is empty" },
};

START_TEST (test_bad_csv)
{
  fga_error err;
  fga_error_init (&err);
  fga_report_ptr rep;
  /* A good file beside it: the bad one is refused all the same. */
  if (strcmp (bad_csv[_i].file, "rank.csv") != 0)
    {
      char good[256];
      snprintf (good, sizeof good, "%s%s", RANK_HEADER, RANK_ROW);
      put (tmpdir, "rank.csv", good);
    }
  put (tmpdir, bad_csv[_i].file, bad_csv[_i].text);
  ck_assert_int_eq (fga_report_read (&rep, tmpdir, &err), FGA_ERR_INPUT);
  ck_assert_ptr_null (rep);
  ck_assert_has (err.msg, tmpdir);
  ck_assert_has (err.msg, bad_csv[_i].want);
}
END_TEST

START_TEST (test_quotes_and_extra_columns)
{
  fga_error err;
  fga_error_init (&err);
  fga_report_ptr rep;
  /* Columns in another order, one unknown column, a doubled quote in a
     label, CRLF line ends and a blank last line: all accepted. */
  put (tmpdir, "least.csv",
       "label,extra,cell,n,d,beta,B,seed,size_key,target,least_size\r\n"
       "\"rf \"\"x\"\"\",q,\"n=64,b=1,seed=1\",64,6,1,2,1,features,0.01,16\r\n"
       "\"rf \"\"x\"\"\",q,\"n=256,b=1,seed=1\",256,8,1,2,1,features,0.01,64\r\n\r\n");
  ck_assert_int_eq (fga_report_read (&rep, tmpdir, &err), FGA_OK);
  const fga_report_exponent *e = find_exponent (rep, "least_size", "0.01", 1);
  ck_assert_ptr_nonnull (e);
  ck_assert_str_eq (e->label, "rf \"x\"");
  ck_assert (fabs (e->exponent - 1) <= 1e-12);
  fga_report_destroy (rep);
}
END_TEST

/* --- plots ----------------------------------------------------------------- */

static int
have_gnuplot (void)
{
  return system ("gnuplot --version >/dev/null 2>&1") == 0;
}

START_TEST (test_plot_inputs)
{
  fga_error err;
  fga_error_init (&err);
  fga_report_ptr rep;
  copy_fixture ("report-basic");
  ck_assert_int_eq (fga_report_read (&rep, tmpdir, &err), FGA_OK);
  ck_assert_int_eq (fga_report_write (rep, tmpdir, &err), FGA_OK);
  static const char *const plots[] = { "error-vs-beta-1", "error-vs-beta-2", "least-size-1",
                                       "rank-1", "time" };
  ck_assert_uint_eq (fga_report_nplots (rep), 5);
  for (size_t k = 0; k < 5; k++)
    {
      char name[64];
      ck_assert_str_eq (fga_report_plot (rep, k), plots[k]);
      snprintf (name, sizeof name, "%s.dat", plots[k]);
      ck_assert_int_gt (file_size (tmpdir, name), 0);
      snprintf (name, sizeof name, "%s.gp", plots[k]);
      const char *gp = slurp (tmpdir, name);
      ck_assert_has (gp, "set terminal pngcairo");
      ck_assert_has (gp, "set terminal svg");
      ck_assert_has (gp, "out.'.png'");
    }
  /* rank: rows n, one column per beta (means 7 and 32 at n = 64). */
  ck_assert_has (slurp (tmpdir, "rank-1.dat"), "\n64 7 32\n128 8 64\n");
  /* d = 7 at the largest n: C(8,1) = 8, C(9,2) = 36, C(10,3) = 120, C(11,4) = 330. */
  const char *gp = slurp (tmpdir, "rank-1.gp");
  ck_assert_has (gp, "d = 7 (of n = 128)");
  ck_assert_has (gp, "C(d+1,1) = 8'");
  ck_assert_has (gp, "C(d+2,2) = 36'");
  ck_assert_has (gp, "C(d+3,3) = 120'");
  ck_assert_has (gp, "C(d+4,4) = 330'");
  ck_assert_has (gp, "set logscale xy");
  /* error of degree 2: the failed row is missing, written "?" for gnuplot. */
  ck_assert_has (slurp (tmpdir, "error-vs-beta-1.dat"), "\n0.5 0.002 0.0040000000000000001\n2 0.375 ?\n");
  ck_assert_has (slurp (tmpdir, "least-size-1.gp"), "set logscale y");
  /* time: poly at its largest size 4, 0.02 s at n = 64, 0.08 s at 128: slope 2. */
  ck_assert_has (slurp (tmpdir, "time.gp"), "poly (slope 2.00)");
  ck_assert_has (slurp (tmpdir, "time.dat"), "\n64 0.02\n128 0.080000000000000002\n");
  fga_report_destroy (rep);

  if (!have_gnuplot ())
    return;
  for (size_t k = 0; k < 5; k++)
    {
      char cmd[600], name[64];
      snprintf (cmd, sizeof cmd, "cd '%s' && gnuplot %s.gp 2>/dev/null", tmpdir, plots[k]);
      ck_assert_msg (system (cmd) == 0, "gnuplot %s.gp failed", plots[k]);
      snprintf (name, sizeof name, "%s.png", plots[k]);
      ck_assert_int_gt (file_size (tmpdir, name), 0);
      snprintf (name, sizeof name, "%s.svg", plots[k]);
      ck_assert_int_gt (file_size (tmpdir, name), 0);
    }
}
END_TEST

/* The command itself, when the test harness says where it is. */
START_TEST (test_command)
{
  const char *prog = getenv ("FGATTN");
  if (prog == NULL)
    return;
  char cmd[1200];
  copy_fixture ("report-basic");
  snprintf (cmd, sizeof cmd, "'%s' report '%s' --format csv >'%s/out.csv' 2>'%s/err.txt'",
            prog, tmpdir, tmpdir, tmpdir);
  int st = system (cmd);
  ck_assert_msg (WIFEXITED (st) && WEXITSTATUS (st) == 0, "%s: status %d\n%s", cmd, st,
                 slurp (tmpdir, "err.txt"));
  ck_assert_has (slurp (tmpdir, "out.csv"), "quantity,label,param,beta,exponent,points\n");
  ck_assert_has (slurp (tmpdir, "out.csv"), "rank,,1/n,2,1.000,2\n");
  ck_assert_has (slurp (tmpdir, "err.txt"), "read results.csv, rank.csv, least.csv");
  ck_assert_int_gt (file_size (tmpdir, "exponents.md"), 0);
  if (have_gnuplot ())
    {
      ck_assert_int_gt (file_size (tmpdir, "rank-1.png"), 0);
      ck_assert_int_gt (file_size (tmpdir, "rank-1.svg"), 0);
      ck_assert_int_gt (file_size (tmpdir, "time.svg"), 0);
      /* no temporary left behind */
      ck_assert_int_lt (file_size (tmpdir, ".rank-1.tmp.png"), 0);
    }
  /* gnuplot hidden: the tables are written and the note says so. */
  snprintf (cmd, sizeof cmd, "PATH=/nonexistent '%s' report '%s' >/dev/null 2>'%s/err.txt'",
            prog, tmpdir, tmpdir);
  st = system (cmd);
  ck_assert (WIFEXITED (st) && WEXITSTATUS (st) == 0);
  ck_assert_has (slurp (tmpdir, "err.txt"), "gnuplot not found: plots skipped");

  /* none of the CSVs, and a malformed one: exit 2 with file and line */
  snprintf (cmd, sizeof cmd, "'%s' report '%s/empty' >/dev/null 2>&1", prog, tmpdir);
  char sub[400];
  snprintf (sub, sizeof sub, "%s/empty", tmpdir);
  ck_assert_int_eq (mkdir (sub, 0700), 0);
  st = system (cmd);
  ck_assert (WIFEXITED (st) && WEXITSTATUS (st) == 2);
  snprintf (cmd, sizeof cmd, "'%s' report '%s/report-bad' 2>'%s/err.txt' >/dev/null", prog,
            FGA_FIXTURES, tmpdir);
  st = system (cmd);
  ck_assert (WIFEXITED (st) && WEXITSTATUS (st) == 2);
  ck_assert_has (slurp (tmpdir, "err.txt"), "results.csv:3:");
}
END_TEST

static Suite *
report_suite (void)
{
  Suite *s = suite_create ("report");
  TCase *tc;

  tc = tcase_create ("fit");
  tcase_add_loop_test (tc, test_fit_power, 0, sizeof EXPONENTS / sizeof EXPONENTS[0]);
  tcase_add_test (tc, test_fit_degenerate);
  suite_add_tcase (s, tc);

  tc = tcase_create ("tables");
  tcase_add_test (tc, test_tables);
  tcase_add_test (tc, test_exponents);
  tcase_add_test (tc, test_rank_only_axis_B);
  tcase_add_checked_fixture (tc, make_tmpdir, remove_tmpdir);
  suite_add_tcase (s, tc);

  tc = tcase_create ("refusals");
  tcase_add_test (tc, test_none_there);
  tcase_add_test (tc, test_bad_fixture);
  tcase_add_loop_test (tc, test_bad_csv, 0, sizeof bad_csv / sizeof bad_csv[0]);
  tcase_add_test (tc, test_quotes_and_extra_columns);
  tcase_add_checked_fixture (tc, make_tmpdir, remove_tmpdir);
  suite_add_tcase (s, tc);

  tc = tcase_create ("plots");
  tcase_add_test (tc, test_plot_inputs);
  tcase_add_test (tc, test_command);
  tcase_set_timeout (tc, 60);
  tcase_add_checked_fixture (tc, make_tmpdir, remove_tmpdir);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (report_suite ());
}
