/* t-report -- tables, exponent fits and plot inputs regenerated from hand-made sweep CSVs

   The fixtures in tests/fixtures/report-* are small enough that every mean
   below was worked out by hand from them; the comments show the sums.
   report-basic and report-rankonly are folders of the sweeps before laws
   (no law, dist, censored or cost.csv); report-laws is the present format,
   built so that its exponents are known in closed form: with n = 64, 256,
   1024 (log n equally spaced) the least-squares slope of three points is
   (y_3 - y_1) / (x_3 - x_1), so that a rank 3 n^0.5 (means 24, 48, 96)
   has exponent 0.5 and the means 16, 64, 200 give ln(200/16) / ln 16.  */

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
  static char buf[1 << 17];
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
  static const char *const names[] = { "results.csv", "rank.csv", "least.csv", "cost.csv" };
  char dir[400];
  snprintf (dir, sizeof dir, "%s/%s", FGA_FIXTURES, fixture);
  for (int k = 0; k < 4; k++)
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
#define ck_assert_hasnt(text, needle) \
  ck_assert_msg (!contains ((text), (needle)), "unexpected \"%s\" in:\n%s", (needle), \
                 (text) ? (text) : "(no file)")

/* The exponent of (quantity, label, param) at x in the group (dist, law). */
static const fga_report_exponent *
find_in (const fga_report_struct *rep, const char *dist, const char *law, const char *quantity,
         const char *label, const char *param, double x)
{
  const fga_report_exponent *ex;
  size_t n = fga_report_exponents (rep, &ex);
  for (size_t i = 0; i < n; i++)
    if (strcmp (ex[i].dist, dist) == 0 && strcmp (ex[i].law, law) == 0
        && strcmp (ex[i].quantity, quantity) == 0 && strcmp (ex[i].label, label) == 0
        && strcmp (ex[i].param, param) == 0 && ex[i].x == x)
      return &ex[i];
  return NULL;
}

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

/* Asserts an exponent's bound, value (to 1e-12; NaN for censored) and
   point count.  */
static void
check_exponent (const fga_report_exponent *e, int bound, double want, size_t points)
{
  ck_assert_ptr_nonnull (e);
  ck_assert_msg (e->bound == bound, "%s %s %s at %g: bound %d, expected %d", e->quantity,
                 e->label, e->param, e->x, e->bound, bound);
  if (isnan (want))
    ck_assert_msg (isnan (e->exponent), "%s: exponent %g, expected none", e->quantity,
                   e->exponent);
  else
    ck_assert_msg (fabs (e->exponent - want) <= 1e-12, "%s %s at %g: exponent %.17g, expected "
                   "%.17g", e->quantity, e->param, e->x, e->exponent, want);
  ck_assert_uint_eq (e->points, points);
}

static fga_report_ptr
read_ok (const char *dir)
{
  fga_error err;
  fga_error_init (&err);
  fga_report_ptr rep = NULL;
  int rc = fga_report_read (&rep, dir, &err);
  ck_assert_msg (rc == FGA_OK, "fga_report_read (%s): %s", dir, err.msg);
  return rep;
}

static void
write_ok (fga_report_ptr rep)
{
  fga_error err;
  fga_error_init (&err);
  int rc = fga_report_write (rep, tmpdir, &err);
  ck_assert_msg (rc == FGA_OK, "fga_report_write: %s", err.msg);
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

/* --- folders of older sweeps ------------------------------------------------- */

START_TEST (test_old_tables)
{
  copy_fixture ("report-basic");
  fga_report_ptr rep = read_ok (tmpdir);
  ck_assert_uint_eq (fga_report_files (rep),
                     FGA_REPORT_RESULTS | FGA_REPORT_RANK | FGA_REPORT_LEAST);
  ck_assert_int_eq (fga_report_axis_is_B (rep), 0);
  write_ok (rep);

  /* No law column and beta filled: sqrt(ln n); rank.csv and least.csv have
     no dist, results.csv's one dist is theirs: a single group.  */
  static const char group[]
    = "uniform, law sqrt(ln n): B = beta sqrt(ln n), Theta(sqrt(log n)); n = 64..128";
  const char *md = slurp (tmpdir, "error-vs-B.md");
  char head[256];
  snprintf (head, sizeof head, "## poly, degree = 2; %s\n", group);
  ck_assert_has (md, head);
  ck_assert_has (md, "| beta | n = 64 | n = 128 |");
  /* degree 2: (1e-3 + 3e-3)/2; at n = 128 seed 2 failed, so seed 1 alone;
     beta 2: (0.5 + 0.25)/2, and no row at n = 128.  */
  ck_assert_has (md, "| 0.5 | 2.00e-03 | 4.00e-03 |\n| 2 | 3.75e-01 | — |");
  ck_assert_has (md, "## poly, degree = 4; ");
  ck_assert_has (md, "| 0.5 | 2.00e-06 | 6.00e-06 |\n| 2 | — | — |");
  ck_assert (strstr (md, "degree = 2") < strstr (md, "degree = 4"));

  /* An empty least_size without a censored column: not reached up to a
     maximum the file does not record; (3 + 4)/2 at n = 64.  */
  md = slurp (tmpdir, "least-size.md");
  ck_assert_has (md, "## poly, least degree, target 1e-3 (fixed); uniform, law sqrt(ln n)");
  ck_assert_has (md, "| 0.5 | 3.5 | not reached (1/2 seeds) |\n"
                 "| 2 | not reached | — |");
  ck_assert_has (md, "- not reached: no size up to the search's maximum");

  md = slurp (tmpdir, "rank.md");
  ck_assert_has (md, "## rank at tol 1/n (1/poly(n)); uniform, law sqrt(ln n)");
  ck_assert_has (md, "| 0.5 | 7 | 8 |\n| 2 | 32 | 64 |");

  md = slurp (tmpdir, "exponents.md");
  snprintf (head, sizeof head, "## %s\n", group);
  ck_assert_has (md, head);
  ck_assert_has (md, "| beta | rank, tol 1/n (1/poly(n)) | least size poly, target 1e-3 "
                 "(fixed) |");
  /* rank 7 -> 8: log2(8/7) = 0.193; (30 + 34)/2 = 32 -> 64: 1; the least
     size has an unknown mean at n = 128 (beta 0.5) and everywhere at 2. */
  ck_assert_has (md, "| 0.5 | 0.193 | censored (not reached) |");
  ck_assert_has (md, "| 2 | 1.000 | censored (not reached) |");
  ck_assert_has (md, "- censored (not reached): ");
  ck_assert_hasnt (md, "exact attention (reference)");
  ck_assert_has (slurp (tmpdir, "cost.md"), "No cost.csv rows.");
  fga_report_destroy (rep);
}
END_TEST

START_TEST (test_old_exponents)
{
  fga_report_ptr rep = read_ok (FGA_FIXTURES "/report-basic");
  const fga_report_exponent *e = find_in (rep, "uniform", "sqrt(ln n)", "rank", "", "1/n", 2);
  check_exponent (e, FGA_REPORT_EXACT, 1, 2);
  ck_assert_int_eq (e->x_is_B, 0);
  e = find_exponent (rep, "rank", "1/n", 0.5);
  check_exponent (e, FGA_REPORT_EXACT, log (8.0 / 7) / log (2), 2);
  ck_assert_int_eq (e->distinct, 0);
  /* least size: seed 2 at n = 128 never reached the target, and how far it
     searched is not recorded: no mean there, so no exponent either. */
  e = find_in (rep, "uniform", "sqrt(ln n)", "least_size", "poly", "1e-3", 0.5);
  check_exponent (e, FGA_REPORT_CENSORED, NAN, 1);
  e = find_exponent (rep, "least_size", "1e-3", 2);
  check_exponent (e, FGA_REPORT_CENSORED, NAN, 0);
  fga_report_destroy (rep);
}
END_TEST

START_TEST (test_old_rank_only_axis_B)
{
  copy_fixture ("report-rankonly");
  fga_report_ptr rep = read_ok (tmpdir);
  ck_assert_uint_eq (fga_report_files (rep), FGA_REPORT_RANK);
  ck_assert_int_eq (fga_report_axis_is_B (rep), 1);
  /* beta empty, no law: the law 1, rows by B = 3; no results.csv to take
     the dist from.  rank 10 at n = 64, 20 at n = 256: 1/2. */
  const fga_report_exponent *e = find_in (rep, "unrecorded", "1", "rank", "", "1e-8", 3);
  check_exponent (e, FGA_REPORT_EXACT, 0.5, 2);
  ck_assert_int_eq (e->x_is_B, 1);
  write_ok (rep);
  ck_assert_has (slurp (tmpdir, "error-vs-B.md"), "No results.csv rows.");
  ck_assert_has (slurp (tmpdir, "least-size.md"), "No least.csv rows.");
  const char *md = slurp (tmpdir, "exponents.md");
  ck_assert_has (md, "## unrecorded, law 1: B fixed, o(sqrt(log n)); n = 64..256\n");
  ck_assert_has (md, "| B | rank, tol 1e-8 (fixed) |");
  ck_assert_has (md, "| 3 | 0.500 |");
  ck_assert_uint_eq (fga_report_nplots (rep), 1);
  ck_assert_str_eq (fga_report_plot (rep, 0), "rank-1");
  fga_report_destroy (rep);
}
END_TEST

/* An old results.csv with beta empty (a grid in B) beside an old rank.csv:
   the law 1, the dist of results.csv, the axis B.  */
START_TEST (test_old_absolute_B)
{
  put (tmpdir, "results.csv",
       "cell,n,d,dv,beta,B,Bv,dist,tau,seed,R_apriori,R_data,truth,label,method,size_key,size,"
       "status,max_abs,rel_fro,mean_abs,max_ulps,mul,add,exp,div,cmp,peak_bytes,wall_seconds\n"
       "\"n=64,b=1,seed=1\",64,6,6,,1,1,gaussian,1/d,1,1,1,mpfr,poly,poly,deg,4,ok,1e-6,0,0,0,"
       "0,0,0,0,0,0,0.1\n");
  put (tmpdir, "rank.csv", "cell,n,d,beta,B,seed,tol,tol_value,rank\n"
       "\"n=64,b=1,seed=1\",64,6,,1,1,1/n,0.015625,9\n"
       "\"n=256,b=1,seed=1\",256,8,,1,1,1/n,0.00390625,18\n");
  fga_report_ptr rep = read_ok (tmpdir);
  ck_assert_int_eq (fga_report_axis_is_B (rep), 1);
  /* 9 -> 18 over n x 4: exponent ln 2 / ln 4 = 1/2 */
  check_exponent (find_in (rep, "gaussian", "1", "rank", "", "1/n", 1), FGA_REPORT_EXACT, 0.5,
                  2);
  write_ok (rep);
  ck_assert_has (slurp (tmpdir, "error-vs-B.md"),
                 "## poly, deg = 4; gaussian, law 1: B fixed, o(sqrt(log n)); n = 64..256\n\n"
                 "| B | n = 64 | n = 256 |\n|---:|---:|---:|\n| 1 | 1.00e-06 | — |");
  fga_report_destroy (rep);
}
END_TEST

/* --- the present format: laws, families, censoring, cost ------------------- */

START_TEST (test_groups_and_exponents)
{
  fga_report_ptr rep = read_ok (FGA_FIXTURES "/report-laws");
  ck_assert_uint_eq (fga_report_files (rep), FGA_REPORT_RESULTS | FGA_REPORT_RANK
                     | FGA_REPORT_LEAST | FGA_REPORT_COST);
  ck_assert_int_eq (fga_report_axis_is_B (rep), 0);
  const char *U = "uniform", *S = "sqrt(ln n)";
  const double L16 = log (16), L4 = log (4);
  /* rank 3 n^0.5: means (20 + 28)/2 = 24, 48, (90 + 102)/2 = 96 */
  check_exponent (find_in (rep, U, S, "rank", "", "1/n", 0.5), FGA_REPORT_EXACT, 0.5, 3);
  /* 16, 64, then >= 200 at the largest n: a lower bound */
  check_exponent (find_in (rep, U, S, "rank", "", "1/n", 1), FGA_REPORT_LOWER,
                  log (200.0 / 16) / L16, 3);
  /* censored at the middle n, the geometric mean: weight 0, no bound claimed */
  check_exponent (find_in (rep, U, S, "rank", "", "1e-3", 1), FGA_REPORT_CENSORED, NAN, 3);
  /* the law 1 is its own group, its axis B */
  const fga_report_exponent *e = find_in (rep, U, "1", "rank", "", "n^-2", 2);
  check_exponent (e, FGA_REPORT_EXACT, 0, 3);
  ck_assert_int_eq (e->x_is_B, 1);
  /* rademacher: the rank is the distinct rows n, then (1024 + 1000)/2 */
  e = find_in (rep, "rademacher", S, "rank", "", "1/n", 1);
  check_exponent (e, FGA_REPORT_EXACT, log (1012.0 / 64) / L16, 3);
  ck_assert_int_eq (e->distinct, 1);
  ck_assert_int_eq (find_in (rep, U, S, "rank", "", "1/n", 0.5)->distinct, 0);
  /* least sizes 2, 4, 8; rf 16, 64, (512 + >1024)/2 = > 768; rf at beta 1
     censored at n everywhere, the smallest n included */
  check_exponent (find_in (rep, U, S, "least_size", "poly", "1e-2", 0.5), FGA_REPORT_EXACT,
                  0.5, 3);
  check_exponent (find_in (rep, U, S, "least_size", "rf", "1/n", 0.5), FGA_REPORT_LOWER,
                  log (768.0 / 16) / L16, 3);
  check_exponent (find_in (rep, U, S, "least_size", "rf", "1/n", 1), FGA_REPORT_CENSORED,
                  NAN, 3);
  /* cost: r = C(d + g, d) at d = 6, 8, 10 */
  check_exponent (find_in (rep, U, S, "r_cert", "", "1/n", 0.5), FGA_REPORT_EXACT,
                  log (3003.0 / 84) / L16, 3);
  check_exponent (find_in (rep, U, S, "r_emp", "", "1/n", 0.5), FGA_REPORT_EXACT,
                  log (1001.0 / 28) / L16, 3);
  check_exponent (find_in (rep, U, S, "r_cert", "", "1/n", 1), FGA_REPORT_EXACT,
                  log (1144066.0 / 5005) / L16, 3);
  check_exponent (find_in (rep, U, S, "r_emp", "", "1/n", 1), FGA_REPORT_LOWER,
                  log (43758.0 / 924) / L16, 3);
  check_exponent (find_in (rep, U, S, "poly_time", "", "1/n", 0.5), FGA_REPORT_EXACT, 1, 3);
  /* poly over memory at n = 1024: fitted on 64 and 256 alone */
  e = find_in (rep, U, S, "poly_time", "", "1/n", 1);
  check_exponent (e, FGA_REPORT_EXACT, log (10) / L4, 2);
  ck_assert (e->nmin == 64 && e->nmax == 256);
  check_exponent (find_in (rep, U, S, "exact_time", "", "", 1), FGA_REPORT_EXACT, 2, 3);
  fga_report_destroy (rep);
}
END_TEST

START_TEST (test_censored_tables)
{
  copy_fixture ("report-laws");
  fga_report_ptr rep = read_ok (tmpdir);
  write_ok (rep);
  static const char uni[]
    = "uniform, law sqrt(ln n): B = beta sqrt(ln n), Theta(sqrt(log n)); n = 64..1024";
  const char *md = slurp (tmpdir, "rank.md");
  ck_assert_has (md, "## rank at tol 1/n (1/poly(n)); uniform, law sqrt(ln n)");
  ck_assert_has (md, "| 0.5 | 24 | 48 | 96 |\n| 1 | 16 | 64 | >= 200 |\n");
  ck_assert_has (md, "- >= v: for at least one seed the randomized rank was above its budget");
  ck_assert_has (md, "## rank at tol 1e-3 (fixed); ");
  ck_assert_has (md, "| 1 | 30 | >= 60 | 120 |");
  ck_assert_has (md, "## rank at tol n^-2 (1/poly(n)); uniform, law 1: B fixed, o(sqrt(log n)); "
                 "n = 64..1024\n\n| B | n = 64 |");
  ck_assert_has (md, "| 2 | 12 | 12 | 12 |");
  ck_assert_has (md, "| 1 | 64 = distinct rows | 256 = distinct rows | 1012 = distinct rows "
                 "(1/2 seeds) |");
  ck_assert_has (md, "- = distinct rows: the rank equals distinct_rows");

  md = slurp (tmpdir, "least-size.md");
  ck_assert_has (md, "## rf, least m, target 1/n (1/poly(n)); uniform, law sqrt(ln n)");
  ck_assert_has (md, "| 0.5 | 16 | 64 | > 768 |\n| 1 | > n | > n | > n |\n");
  ck_assert_has (md, "- > v: for at least one seed no size");
  ck_assert_has (md, "- > n: no size up to n reached the target for any seed");
  ck_assert_has (md, "| 0.5 | 2 | 4 | 8 |");

  md = slurp (tmpdir, "cost.md");
  ck_assert_has (md, "## eps 1/n (1/poly(n)); uniform, law sqrt(ln n)");
  /* poly / exact: 0.001 / 0.002, 0.1 / 0.032 = 3.125 */
  ck_assert_has (md, "| 0.5 | 3 / 2 · 84 / 28 · 0.5 | 4 / 3 · 495 / 165 · 0.125 |");
  ck_assert_has (md, "| 1 | 9 / 6 · 5005 / 924 · 5 | 11 / 7 · 75582 / 6435 · 3.12 | "
                 "13 / > 8 · 1144066 / > 43758 · memory |");
  ck_assert_has (md, "- memory: poly's features did not fit");

  md = slurp (tmpdir, "exponents.md");
  char head[256];
  snprintf (head, sizeof head, "## %s\n\n| beta | rank, tol 1/n (1/poly(n)) | rank, tol 1e-3 "
            "(fixed) | least size poly, target 1e-2 (fixed) | least size rf, target 1/n "
            "(1/poly(n)) | r_cert, eps 1/n (1/poly(n)) |", uni);
  ck_assert_has (md, head);
  ck_assert_has (md, "| poly time, eps 1/n (1/poly(n)) | exact time | exact attention "
                 "(reference) |");
  ck_assert_has (md, "| 0.5 | 0.500 | — | 0.500 | >= 1.396 | 1.290 | 1.290 | 1.000 | 2.000 "
                 "| 2 |");
  ck_assert_has (md, "| 1 | >= 0.911 | censored | — | censored | 1.959 | >= 1.391 | 1.661 "
                 "(n = 64..256, 2 points) | 2.000 | 2 |");
  ck_assert_has (md, "- >= a: a lower bound of the exponent.");
  ck_assert_has (md, "- censored: a censored mean lies at an n at or below the geometric mean");
  ck_assert_has (md, "- (n = a..b, k points): fitted on the n");
  ck_assert_has (md, "## uniform, law 1: B fixed, o(sqrt(log n)); n = 64..1024\n\n"
                 "| B | rank, tol n^-2 (1/poly(n)) |\n|---:|---:|\n| 2 | 0.000 |\n");
  ck_assert_has (md, "## rademacher, law sqrt(ln n): B = beta sqrt(ln n), Theta(sqrt(log n)); "
                 "n = 64..1024\n\n| beta | rank, tol 1/n (1/poly(n)) |\n|---:|---:|\n"
                 "| 1 | 0.996 † |\n");
  ck_assert_has (md, "- †: a rank that entered the fit equals distinct_rows");

  /* error tables per group: three of poly, degree 2 */
  md = slurp (tmpdir, "error-vs-B.md");
  snprintf (head, sizeof head, "## poly, deg = 2; %s\n\n| beta |", uni);
  ck_assert_has (md, head);
  ck_assert_has (md, "## poly, deg = 2; uniform, law 1: B fixed, o(sqrt(log n)); n = 64..1024"
                 "\n\n| B | n = 64 | n = 256 | n = 1024 |\n|---:|---:|---:|---:|\n"
                 "| 2 | 3.00e-03 | 3.00e-03 | 3.00e-03 |");
  ck_assert_has (md, "## poly, deg = 2; rademacher, law sqrt(ln n)");
  fga_report_destroy (rep);
}
END_TEST

/* The rule of lower bounds on its own: rank.csv rows of one beta with the
   censored flag where `cens' says, at n = 16, 32, 64, 128 (geometric mean
   45.25), values 10 n^0.5.  */
static const struct
{
  const char *cens;
  int bound;
} rule_cases[] = {
  { "0000", FGA_REPORT_EXACT },
  { "0001", FGA_REPORT_LOWER },     /* the largest n only */
  { "0011", FGA_REPORT_LOWER },     /* 64 and 128: both above 45.25 */
  { "0111", FGA_REPORT_CENSORED },  /* 32 is below the geometric mean */
  { "1000", FGA_REPORT_CENSORED },  /* the smallest n */
  { "1001", FGA_REPORT_CENSORED },
};

START_TEST (test_censored_rule)
{
  char text[2048];
  size_t len = (size_t) snprintf (text, sizeof text, "cell,n,d,dist,law,beta,B,seed,tol,"
                                  "tol_value,algo,rank,censored,distinct_rows\n");
  static const double ns[] = { 16, 32, 64, 128 };
  double v[4];
  for (int i = 0; i < 4; i++)
    {
      v[i] = 10 * sqrt (ns[i]);
      len += (size_t) snprintf (text + len, sizeof text - len, "\"c%d\",%g,4,uniform,1,1,1,1,"
                                "1e-3,1e-3,dense,%.17g,%c,\n", i, ns[i], v[i],
                                rule_cases[_i].cens[i]);
    }
  put (tmpdir, "rank.csv", text);
  fga_report_ptr rep = read_ok (tmpdir);
  const fga_report_exponent *e = find_in (rep, "uniform", "1", "rank", "", "1e-3", 1);
  check_exponent (e, rule_cases[_i].bound, rule_cases[_i].bound == FGA_REPORT_CENSORED
                  ? NAN : 0.5, 4);
  /* The property behind the rule: any true values above the censored ones
     give a slope at least the bound.  */
  if (rule_cases[_i].bound == FGA_REPORT_LOWER)
    for (double up = 1.5; up < 1e6; up *= 7)
      {
        double t[4];
        for (int i = 0; i < 4; i++)
          t[i] = rule_cases[_i].cens[i] == '1' ? v[i] * up : v[i];
        fga_fit fit;
        ck_assert_int_eq (fga_fit_power (&fit, ns, t, 4, 0, NULL), FGA_OK);
        ck_assert (fit.exponent >= e->exponent);
      }
  fga_report_destroy (rep);
}
END_TEST

/* g_emp censored at the largest n, where poly was still timed (at g =
   gmax): its time is a lower bound, and so is its exponent.  d = 6, 8, 10:
   r_cert = C(d + 3, 3) = 84, 165, 286; r_emp = C(d + 4, 4) = 210, 495,
   then C(16, 6) = 8008.  */
START_TEST (test_poly_censored)
{
  put (tmpdir, "cost.csv", "cell,n,d,dist,law,beta,B,seed,eps,eps_value,R,g_cert,r_cert,g_emp,"
       "g_emp_censored,r_emp,poly_status,poly_seconds,exact_seconds\n"
       "a,64,6,gaussian,1,1,1,1,1e-3,1e-3,1,3,84,4,0,210,ok,0.001,0.001\n"
       "b,256,8,gaussian,1,1,1,1,1e-3,1e-3,1,3,165,4,0,495,ok,0.004,0.016\n"
       "c,1024,10,gaussian,1,1,1,1,1e-3,1e-3,1,3,286,6,1,8008,ok,0.05,0.256\n");
  fga_report_ptr rep = read_ok (tmpdir);
  const double L16 = log (16);
  check_exponent (find_in (rep, "gaussian", "1", "poly_time", "", "1e-3", 1), FGA_REPORT_LOWER,
                  log (0.05 / 0.001) / L16, 3);
  check_exponent (find_in (rep, "gaussian", "1", "r_emp", "", "1e-3", 1), FGA_REPORT_LOWER,
                  log (8008.0 / 210) / L16, 3);
  check_exponent (find_in (rep, "gaussian", "1", "r_cert", "", "1e-3", 1), FGA_REPORT_EXACT,
                  log (286.0 / 84) / L16, 3);
  check_exponent (find_in (rep, "gaussian", "1", "exact_time", "", "", 1), FGA_REPORT_EXACT,
                  log (256.0) / L16, 3);
  write_ok (rep);
  /* 0.05 / 0.256 = 0.1953125 */
  const char *md = slurp (tmpdir, "cost.md");
  ck_assert_has (md, "| 1 | 3 / 4 · 84 / 210 · 1 | 3 / 4 · 165 / 495 · 0.25 | "
                 "3 / > 6 · 286 / > 8008 · > 0.195 |");
  ck_assert_has (md, "- poly time where g_emp is censored");
  md = slurp (tmpdir, "exponents.md");
  ck_assert_has (md, "| B | r_cert, eps 1e-3 (fixed) | r_emp, eps 1e-3 (fixed) | poly time, "
                 "eps 1e-3 (fixed) | exact time | exact attention (reference) |");
  ck_assert_has (md, "- poly time where g_emp is censored");
  fga_report_destroy (rep);
}
END_TEST

/* cost.csv as the sweep writes it beside the contract's columns: g_cert
   censored (not certified up to the largest degree) or empty (R beyond
   what expfit certifies), r empty beyond the largest double (its log10
   beside it), poly failed, the exact time empty.  */
START_TEST (test_cost_gaps)
{
  put (tmpdir, "cost.csv", "cell,n,d,dist,law,beta,B,seed,eps,eps_value,R,g_cert,g_cert_censored,"
       "r_cert,r_cert_log10,g_emp,g_emp_censored,r_emp,r_emp_log10,poly_status,poly_seconds,"
       "exact_seconds\n"
       "a,64,6,uniform,1,1,1,1,1e-3,1e-3,1,3,0,84,1.92,4,0,210,2.32,ok,0.001,0.001\n"
       "b,256,8,uniform,1,1,1,1,1e-3,1e-3,9,200,1,5e16,16.7,4,0,495,2.69,failed,,0.016\n"
       "c,1024,10,uniform,1,1,1,1,1e-3,1e-3,999,,,,,6,1,,400,ok,0.05,\n");
  fga_report_ptr rep = read_ok (tmpdir);
  const char *U = "uniform";
  /* r_cert: 84, then > 5e16 at n = 256 (above the mean of log 64 and
     log 256), none at 1024: a lower bound over two n */
  const fga_report_exponent *e = find_in (rep, U, "1", "r_cert", "", "1e-3", 1);
  check_exponent (e, FGA_REPORT_LOWER, log (5e16 / 84) / log (4), 2);
  ck_assert (e->nmin == 64 && e->nmax == 256);
  check_exponent (find_in (rep, U, "1", "r_emp", "", "1e-3", 1), FGA_REPORT_EXACT,
                  log (495.0 / 210) / log (4), 2);
  /* poly: failed at 256, timed at g = gmax at 1024 */
  check_exponent (find_in (rep, U, "1", "poly_time", "", "1e-3", 1), FGA_REPORT_LOWER,
                  log (50) / log (16), 2);
  check_exponent (find_in (rep, U, "1", "exact_time", "", "", 1), FGA_REPORT_EXACT, 2, 2);
  write_ok (rep);
  const char *md = slurp (tmpdir, "cost.md");
  ck_assert_has (md, "| 1 | 3 / 4 · 84 / 210 · 1 | > 200 / 4 · > 5e+16 / 495 · failed | "
                 "— / > 6 · — / — · — |");
  ck_assert_has (md, "- failed: poly was refused or failed");
  /* the plot: r_cert > 5e16 at n = 256 drawn open, as a lower bound */
  ck_assert_has (slurp (tmpdir, "cost-r-1.dat"), "\n64 210 210 ? 84 84 ? 64\n"
                 "256 495 495 ? 50000000000000000 ? 50000000000000000 256\n");
  ck_assert_has (slurp (tmpdir, "cost-r-1.gp"), "using 1:7 with points pt 6 ");
  ck_assert_has (slurp (tmpdir, "exponents.md"), "| 1 | >= 24.540 (n = 64..256, 2 points) | "
                 "0.619 (n = 64..256, 2 points) | >= 1.411 (n = 64..1024, 2 points) | 2.000 "
                 "(n = 64..256, 2 points) | 2 |");
  fga_report_destroy (rep);
}
END_TEST

/* --- refusals -------------------------------------------------------------- */

START_TEST (test_none_there)
{
  fga_error err;
  fga_error_init (&err);
  fga_report_ptr rep = (fga_report_ptr) &err;
  ck_assert_int_eq (fga_report_read (&rep, tmpdir, &err), FGA_ERR_INPUT);
  ck_assert_ptr_null (rep);
  ck_assert_has (err.msg, "none of results.csv, rank.csv, least.csv, cost.csv");
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

#define OLD_RANK "cell,n,d,beta,B,seed,tol,tol_value,rank\n"
static const char RANK_HEADER[] = OLD_RANK;
static const char RANK_ROW[] = "\"n=64,b=1,seed=1\",64,6,1,2,1,1/n,0.015625,7\n";
#define NEW_RANK "cell,n,d,dist,law,beta,B,seed,tol,tol_value,algo,rank,censored," \
  "distinct_rows\n"
#define NEW_LEAST "cell,n,d,dist,law,beta,B,seed,label,size_key,target,target_value," \
  "least_size,censored\n"
#define COST "cell,n,d,dist,law,beta,B,seed,eps,eps_value,R,g_cert,r_cert,g_emp," \
  "g_emp_censored,r_emp,poly_status,poly_seconds,exact_seconds\n"
#define RESULTS "cell,n,d,dv,beta,B,Bv,dist,tau,seed,R_apriori,R_data,truth,label,method," \
  "size_key,size,status,max_abs,rel_fro,mean_abs,max_ulps,mul,add,exp,div,cmp,peak_bytes," \
  "wall_seconds\n"

static const struct
{
  const char *file, *text, *want;
} bad_csv[] = {
  /* too few fields on line 3 */
  { "rank.csv", OLD_RANK "\"n=64,b=1,seed=1\",64,6,1,2,1,1/n,0.015625,7\n"
    "\"n=64,b=1,seed=2\",64,6,1,2,2,1/n,0.015625\n", "rank.csv:3: 8 fields where the header "
    "has 9" },
  /* the unquoted cell id splits into more fields */
  { "rank.csv", OLD_RANK "n=64,b=1,seed=1,64,6,1,2,1,1/n,0.015625,7\n", "rank.csv:2: 11 fields" },
  { "rank.csv", OLD_RANK "\"n=64,b=1,seed=1,64,6,1,2,1,1/n,0.015625,7\n",
    "rank.csv:2: unterminated quoted field" },
  { "rank.csv", "cell,n,d,beta,B,seed,tol,tol_value\n",
    "rank.csv:1: the header has no column rank" },
  { "rank.csv", "", "rank.csv:1: empty file" },
  { "rank.csv", OLD_RANK "\"n=64,b=1,seed=1\",sixty,6,1,2,1,1/n,0.015625,7\n",
    "rank.csv:2: column n: 'sixty'" },
  { "rank.csv", OLD_RANK "\"n=64,b=1,seed=1\",64,6,1,,1,1/n,0.015625,7\n",
    "rank.csv:2: column B is empty" },
  { "rank.csv", OLD_RANK "\"c\",64,6,1,2,1,1/n,0.015625,0x10\n", "rank.csv:2: column rank: "
    "'0x10' is not a finite number" },
  { "rank.csv", OLD_RANK "\"c\",64,6,1,2,1,1/n,0.015625,-3\n", "rank.csv:2: column rank: -3 "
    "is below 0" },
  { "rank.csv", OLD_RANK "\"c\",64,6,1,2,1,1/q,0.015625,7\n", "rank.csv:2: column tol '1/q'" },
  /* the present format */
  { "rank.csv", NEW_RANK "\"c\",64,6,uniform,sqrt(n),1,2,1,1/n,0.015625,dense,7,0,64\n",
    "rank.csv:2: column law 'sqrt(n)': expected" },
  { "rank.csv", NEW_RANK "\"c\",64,6,uniform,sqrt(ln n),1,2,1,1/n,0.015625,dense,7,2,64\n",
    "rank.csv:2: column censored: '2' is not 0 or 1" },
  { "rank.csv", NEW_RANK "\"c\",64,6,uniform,sqrt(ln n),,2,1,1/n,0.015625,dense,7,0,64\n",
    "rank.csv:2: column beta is empty (the law sqrt(ln n) needs it)" },
  { "rank.csv", NEW_RANK "\"c\",64,6,uniform,1,1,2,1,1/n,0.015625,dense,7,0,64\n",
    "rank.csv:2: beta 1 and B 2 differ, but the law is 1" },
  { "rank.csv", NEW_RANK "\"c\",64,6,,1,2,2,1,1/n,0.015625,dense,7,0,64\n",
    "rank.csv:2: column dist is empty" },
  { "least.csv", NEW_LEAST "\"c\",64,6,uniform,1,2,2,1,rf,m,1/n,0.015625,,1\n",
    "least.csv:2: column least_size is empty" },
  { "least.csv", "cell,n,d,beta,B,seed,label,size_key,target,least_size\n"
    "\"n=64,b=1,seed=1\",64,6,1,2,1,poly,degree,1e-3,many\n", "least.csv:2: column least_size" },
  { "cost.csv", COST "\"c\",64,6,uniform,1,2,2,1,1/n,0.015625,2,3,84,2,0,28,fine,0.1,0.2\n",
    "cost.csv:2: column poly_status: 'fine' is not ok, memory, refused or failed" },
  { "cost.csv", COST "\"c\",64,6,uniform,1,2,2,1,1/n,0.015625,2,3,84,2,0,28,ok,,0.2\n",
    "cost.csv:2: column poly_seconds is empty" },
  { "cost.csv", COST "\"c\",64,6,uniform,1,2,2,1,1/n,0.015625,2,3,84,2,0,0,ok,0.1,0.2\n",
    "cost.csv:2: column r_emp: 0 is below 1" },
  { "cost.csv", "cell,n,d,dist,law,beta,B,seed,eps\n", "cost.csv:1: the header has no column "
    "eps_value" },
  { "results.csv", RESULTS "\"n=64,b=1,seed=1\",64,6,6,1,2,1,uniform,1/d,1,1,1,mpfr,poly,poly,"
    "degree,2,fine,1e-3,0,0,0,0,0,0,0,0,0,0.1\n", "results.csv:2: column status: 'fine'" },
  /* ok with the error empty */
  { "results.csv", RESULTS "\"n=64,b=1,seed=1\",64,6,6,1,2,1,uniform,1/d,1,1,1,mpfr,poly,poly,"
    "degree,2,ok,,0,0,0,0,0,0,0,0,0,0.1\n", "results.csv:2: column max_abs is empty" },
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
  /* Columns in another order, one unknown column, a doubled quote in a
     label, CRLF line ends and a blank last line: all accepted. */
  put (tmpdir, "least.csv",
       "label,extra,cell,n,d,beta,B,seed,size_key,target,least_size\r\n"
       "\"rf \"\"x\"\"\",q,\"n=64,b=1,seed=1\",64,6,1,2,1,features,0.01,16\r\n"
       "\"rf \"\"x\"\"\",q,\"n=256,b=1,seed=1\",256,8,1,2,1,features,0.01,64\r\n\r\n");
  fga_report_ptr rep = read_ok (tmpdir);
  const fga_report_exponent *e = find_exponent (rep, "least_size", "0.01", 1);
  ck_assert_ptr_nonnull (e);
  ck_assert_str_eq (e->label, "rf \"x\"");
  check_exponent (e, FGA_REPORT_EXACT, 1, 2);
  fga_report_destroy (rep);
}
END_TEST

/* --- plots ----------------------------------------------------------------- */

static int
have_gnuplot (void)
{
  return system ("gnuplot --version >/dev/null 2>&1") == 0;
}

/* A copy of tmpdir/NAME.EXT (slurp's buffer is reused), freed by the
   caller; the file must be there.  */
static char *
plot_file (const char *name, const char *ext)
{
  char f[128];
  snprintf (f, sizeof f, "%s.%s", name, ext);
  const char *text = slurp (tmpdir, f);
  ck_assert_msg (text != NULL, "%s is not there", f);
  char *copy = strdup (text);
  ck_assert_ptr_nonnull (copy);
  return copy;
}

/* The script's first plot command (the PNG's), up to its "unset output".  */
static char *
first_plot (const char *gp)
{
  const char *p = strstr (gp, "\nplot ");
  ck_assert_ptr_nonnull (p);
  const char *e = strstr (p, "unset output");
  ck_assert_ptr_nonnull (e);
  char *cmd = strndup (p + 1, (size_t) (e - p - 1));
  ck_assert_ptr_nonnull (cmd);
  return cmd;
}

static size_t
count (const char *text, const char *needle)
{
  size_t k = 0;
  for (const char *p = text; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    k++;
  return k;
}

/* The longest line of the script's title, and of a key entry (a title
   '...' of the plot command), in characters.  */
static void
text_widths (const char *gp, size_t *title, size_t *key)
{
  const char *t = strstr (gp, "set title \"");
  ck_assert_ptr_nonnull (t);
  *title = *key = 0;
  for (const char *p = t + 11, *q; *p != '"'; p = q + (*q == '\\' ? 2 : 0))
    {
      for (q = p; *q != '"' && !(q[0] == '\\' && q[1] == 'n'); q++)
        ;
      if ((size_t) (q - p) > *title)
        *title = (size_t) (q - p);
    }
  char *cmd = first_plot (gp);
  for (const char *p = cmd; (p = strstr (p, " title '")) != NULL; )
    {
      p += 8;
      size_t len = strcspn (p, "'");
      *key = len > *key ? len : *key;
      p += len;
    }
  free (cmd);
}

/* The x range the script sets.  */
static void
gp_xrange (const char *gp, double *lo, double *hi)
{
  const char *p = strstr (gp, "set xrange [");
  ck_assert_msg (p != NULL, "no x range in:\n%s", gp);
  ck_assert_int_eq (sscanf (p, "set xrange [%lf:%lf]", lo, hi), 2);
}

/* The least and largest x of NAME.dat's rows that have a value.  */
static void
dat_xspan (const char *dat, double *lo, double *hi)
{
  *lo = *hi = NAN;
  for (const char *line = dat; *line; line += strcspn (line, "\n") + (line[strcspn (line,
                                                                                   "\n")] != 0))
    {
      if (*line == '#' || *line == '\n')
        continue;
      char *end;
      double x = strtod (line, &end);
      size_t len = strcspn (end, "\n"), q = 0, fields = 0;
      for (size_t i = 0; i < len; i++)
        if (end[i] != ' ' && (i == 0 || end[i - 1] == ' '))
          {
            fields++;
            q += end[i] == '?';
          }
      if (q < fields)
        {
          *lo = isnan (*lo) || x < *lo ? x : *lo;
          *hi = isnan (*hi) || x > *hi ? x : *hi;
        }
    }
}

/* What every plot must do, read from its files: an x range around the
   points with a margin of at most 10% of the span (of log x against n), no
   "nan" (a slope or range of one point), a title of at most two lines
   none longer than 100 characters, and a canvas as wide as the title and
   key need at 8 and 9 pixels a character (the font's widths are 7.6 and
   8.1), the title being centred on the plot area left of the key.  */
static void
check_plot_form (const char *name)
{
  char *gp = plot_file (name, "gp"), *dat = plot_file (name, "dat");
  double a, b, lo, hi;
  gp_xrange (gp, &a, &b);
  dat_xspan (dat, &lo, &hi);
  int logx = contains (gp, "set logscale x");
  if (logx)
    {
      double f = lo < hi ? pow (hi / lo, 0.1) : 2.01;
      ck_assert_msg (a < lo && b > hi && a >= lo / f && b <= hi * f,
                     "%s: x range [%g, %g], points %g..%g", name, a, b, lo, hi);
    }
  else
    {
      double m = lo < hi ? 0.1 * (hi - lo) : fabs (lo) / 2 + 0.5;
      ck_assert_msg (a < lo && b > hi && a >= lo - m && b <= hi + m,
                     "%s: x range [%g, %g], points %g..%g", name, a, b, lo, hi);
    }
  ck_assert_hasnt (gp, "nan");
  size_t title, key;
  text_widths (gp, &title, &key);
  const char *t = strstr (gp, "set title \"");
  char *line = strndup (t, strcspn (t, "\n"));
  ck_assert_uint_le (count (line, "\\n"), 1);
  free (line);
  ck_assert_msg (title <= 100, "%s: a title line of %zu characters", name, title);
  int w, h;
  const char *term = strstr (gp, "set terminal pngcairo noenhanced size ");
  ck_assert_ptr_nonnull (term);
  ck_assert_int_eq (sscanf (term, "set terminal pngcairo noenhanced size %d,%d", &w, &h), 2);
  ck_assert_msg (w >= (int) (8 * title + 9 * key), "%s: canvas %d wide for a title of %zu and "
                 "a key of %zu characters", name, w, title, key);
  free (gp);
  free (dat);
}

/* Each plot's .dat and .gp are there, in form, and the script draws both
   images without a warning from gnuplot.  */
static void
check_plots (const fga_report_struct *rep, const char *const *plots, size_t n)
{
  ck_assert_uint_eq (fga_report_nplots (rep), n);
  for (size_t k = 0; k < n; k++)
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
      check_plot_form (plots[k]);
    }
  if (!have_gnuplot ())
    return;
  for (size_t k = 0; k < n; k++)
    {
      char cmd[600], name[64];
      snprintf (cmd, sizeof cmd, "cd '%s' && gnuplot %s.gp 2>gnuplot.txt", tmpdir, plots[k]);
      ck_assert_msg (system (cmd) == 0, "gnuplot %s.gp failed", plots[k]);
      ck_assert_hasnt (slurp (tmpdir, "gnuplot.txt"), "arning");
      snprintf (name, sizeof name, "%s.png", plots[k]);
      ck_assert_int_gt (file_size (tmpdir, name), 0);
      snprintf (name, sizeof name, "%s.svg", plots[k]);
      ck_assert_int_gt (file_size (tmpdir, name), 0);
    }
}

/* The colour and point type of every titled curve of a plot command (its
   elements are separated by ", \" and a new line) are pairwise distinct;
   returns how many curves, and *colours how many colours.  */
static size_t
distinct_styles (const char *cmd, size_t *colours)
{
  char seen[64][16];
  size_t k = 0;
  *colours = 0;
  for (const char *e = cmd, *next; e != NULL; e = next)
    {
      next = strstr (e, ", \\\n");
      char *el = next ? strndup (e, (size_t) (next - e)) : strdup (e);
      next = next ? next + 4 : NULL;
      const char *lc = strstr (el, "lc rgb '#"), *pt = strstr (el, " pt ");
      if (contains (el, " title '") && lc != NULL && pt != NULL)
        {
          ck_assert_uint_lt (k, 64);
          snprintf (seen[k], sizeof seen[k], "%.7s %d", lc + 8, atoi (pt + 4));
          size_t same_colour = 0;
          for (size_t j = 0; j < k; j++)
            {
              ck_assert_msg (strcmp (seen[j], seen[k]) != 0, "two curves drawn as %s", seen[k]);
              same_colour += strncmp (seen[j], seen[k], 7) == 0;
            }
          *colours += same_colour == 0;
          k++;
        }
      free (el);
    }
  return k;
}

START_TEST (test_plot_inputs_old)
{
  copy_fixture ("report-basic");
  fga_report_ptr rep = read_ok (tmpdir);
  write_ok (rep);
  /* rank: rows n, per beta every mean, the exact ones, the censored ones
     (means 7 and 32 at n = 64); then C(d+k, k), k = 1..4, at that n's d,
     up to n: d = 6 at n = 64, C(7,1) = 7, C(8,2) = 28, C(9,3) = 84 > 64;
     d = 7 at 128: 8, 36, 120, C(11,4) = 330 > 128; then n.  A level of
     one point is not drawn.  */
  ck_assert_has (slurp (tmpdir, "rank-1.dat"), "\n64 7 7 ? 32 32 ? 7 28 ? ? 64\n"
                 "128 8 8 ? 64 64 ? 8 36 120 ? 128\n");
  const char *gp = slurp (tmpdir, "rank-1.gp");
  ck_assert_has (gp, "levels C(d+k,k), d = 6..7 by n");
  ck_assert_has (gp, "using 1:8 with lines lw 1.2 dt 2 lc rgb '#a0a0a0' title 'C(d+1,1)'");
  ck_assert_has (gp, "using 1:9 with lines lw 1.2 dt 4 lc rgb '#808080' title 'C(d+2,2)'");
  ck_assert_hasnt (gp, "C(d+3,3)'");
  ck_assert_hasnt (gp, "C(d+4,4)'");
  ck_assert_has (gp, "using 1:12 with lines lw 1.5 dt 3 lc rgb 'black' title 'rank = n'");
  ck_assert_has (gp, "set logscale x 2");
  ck_assert_has (gp, "\\nuniform, B = beta sqrt(ln n), Theta(sqrt(log n))\"");
  ck_assert_hasnt (gp, "open: censored");     /* nothing censored */
  /* error at n = 64: both degrees (deg 4 has no row at beta 2); at n = 128
     seed 2 of degree 2 failed: seed 1 alone, 4e-3. */
  ck_assert_has (slurp (tmpdir, "error-vs-beta-1.dat"), "# beta poly,degree=2 poly,degree=4\n"
                 "0.5 0.002 1.9999999999999999e-06\n2 0.375 ?\n");
  ck_assert_has (slurp (tmpdir, "error-vs-beta-1.gp"), "title 'poly, degree = 4'");
  ck_assert_has (slurp (tmpdir, "error-vs-beta-1.gp"),
                 "max_abs error against beta, every method, n = 64\\n");
  ck_assert_has (slurp (tmpdir, "error-vs-beta-2.dat"),
                 "\n0.5 0.0040000000000000001 6.0000000000000002e-06\n2 ? ?\n");
  /* least size: n = 64 alone has a mean (3, 4: 3.5, with bars 3..4); the
     unknown means are not drawn, and n = 128 has none. */
  const char *dat = slurp (tmpdir, "least-size-1.dat");
  ck_assert_has (dat, "# beta n=64 n=64,exact n=64,censored n=64,min n=64,max\n");
  ck_assert_has (dat, "\n0.5 3.5 3.5 ? 3 4\n2 ? ? ? ? ?\n");
  gp = slurp (tmpdir, "least-size-1.gp");
  ck_assert_has (gp, "set ylabel 'least degree g'");
  ck_assert_has (gp, "using 1:2:5:6 with yerrorbars");
  ck_assert_has (gp, "title 'bars: least to largest seed'");
  /* time: poly at its largest size 4, at beta 0.5 only: 0.02 s at n = 64,
     0.08 s at 128: slope 2. */
  gp = slurp (tmpdir, "time-1.gp");
  ck_assert_has (gp, "title 'poly degree = 4, beta = 0.5: slope 2.00'");
  ck_assert_hasnt (gp, "beta = 2");
  ck_assert_has (slurp (tmpdir, "time-1.dat"), "\n64 0.02 ?\n128 0.080000000000000002 ?\n");
  static const char *const plots[] = { "error-vs-beta-1", "error-vs-beta-2", "least-size-1",
                                       "rank-1", "time-1" };
  check_plots (rep, plots, 5);
  fga_report_destroy (rep);
}
END_TEST

START_TEST (test_plot_censored)
{
  copy_fixture ("report-laws");
  fga_report_ptr rep = read_ok (tmpdir);
  write_ok (rep);
  /* rank at 1/n: beta 0.5 exact; beta 1 censored at n = 1024, drawn in the
     third column (open markers) and in the first (the line); the levels at
     d = 6, 8, 10 up to n: C(9,3) = 84 > 64, C(12,4) = 495 > 256 */
  ck_assert_has (slurp (tmpdir, "rank-1.dat"), "\n64 24 24 ? 16 16 ? 7 28 ? ? 64\n"
                 "256 48 48 ? 64 64 ? 9 45 165 ? 256\n"
                 "1024 96 96 ? 200 ? 200 11 66 286 1001 1024\n");
  const char *gp = slurp (tmpdir, "rank-1.gp");
  /* three levels of two points or more, each its own dash and grey */
  ck_assert_has (gp, "using 1:8 with lines lw 1.2 dt 2 lc rgb '#a0a0a0' title 'C(d+1,1)'");
  ck_assert_has (gp, "using 1:9 with lines lw 1.2 dt 4 lc rgb '#808080' title 'C(d+2,2)'");
  ck_assert_has (gp, "using 1:10 with lines lw 1.2 dt 5 lc rgb '#606060' title 'C(d+3,3)'");
  ck_assert_hasnt (gp, "C(d+4,4)'");
  ck_assert_has (gp, "using 1:12 with lines lw 1.5 dt 3 lc rgb 'black' title 'rank = n'");
  /* beta 1 is the second curve: a square, open (4) where censored */
  ck_assert_has (gp, "using 1:7 with points pt 4 ps 1.4 lw 1.5 lc rgb '#e25822' dt 1 notitle");
  ck_assert_has (gp, "title 'open: censored (a lower bound)'");
  /* r_emp and r_cert, three columns each, per beta, then n; r_emp of beta 1
     censored at n = 1024 */
  ck_assert_has (slurp (tmpdir, "cost-r-1.dat"), "\n64 28 28 ? 84 84 ? 924 924 ? 5005 5005 ? "
                 "64\n256 165 165 ? 495 495 ? 6435 6435 ? 75582 75582 ? 256\n1024 1001 1001 ? "
                 "3003 3003 ? 43758 ? 43758 1144066 1144066 ? 1024\n");
  gp = slurp (tmpdir, "cost-r-1.gp");
  /* beta 1: r_emp in columns 8..10, r_cert dashed in 11..13, the square */
  ck_assert_has (gp, "using 1:10 with points pt 4 ps 1.4 lw 1.5 lc rgb '#e25822' dt 1 notitle");
  ck_assert_has (gp, "using 1:11 with lines lw 1.5 lc rgb '#e25822' dt 2 notitle");
  ck_assert_has (gp, "keyentry with linespoints lw 1.5 pt 5 ps 1.2 lc rgb '#e25822' dt 2 "
                 "title 'r_cert, beta = 1'");
  ck_assert_has (gp, "using 1:14 with lines lw 1.5 dt 3 lc rgb 'black' title 'r = n'");
  /* least size of rf: > 768 at n = 1024, beta 0.5 (512 and 1024: bars);
     > n at beta 1 */
  ck_assert_has (slurp (tmpdir, "least-size-2.dat"), "\n0.5 16 16 ? ? ? 64 64 ? ? ? "
                 "768 ? 768 512 1024\n1 64 ? 64 ? ? 256 ? 256 ? ? 1024 ? 1024 ? ?\n");
  ck_assert_has (slurp (tmpdir, "least-size-2.gp"), "set ylabel 'least features m'");
  ck_assert_has (slurp (tmpdir, "least-size-1.gp"), "set ylabel 'least degree g'");
  static const char *const plots[] = {
    "error-vs-beta-1", "error-vs-beta-2", "error-vs-beta-3", "least-size-1", "least-size-2",
    "error-vs-B-4", "error-vs-B-5", "error-vs-B-6", "error-vs-beta-7", "error-vs-beta-8",
    "error-vs-beta-9", "rank-1", "rank-2", "cost-r-1", "rank-3", "rank-4", "time-1", "time-2",
    "time-3"
  };
  check_plots (rep, plots, sizeof plots / sizeof plots[0]);
  fga_report_destroy (rep);
}
END_TEST

/* Thirteen method sizes at one n: one error plot holds them all, each
   curve in its own colour and marker (twelve colours, then the markers
   tell the thirteenth apart).  */
START_TEST (test_plot_every_method)
{
  copy_fixture ("report-many");
  fga_report_ptr rep = read_ok (tmpdir);
  write_ok (rep);
  static const char *const curves[] = {
    "poly, deg = 4", "poly, deg = 8", "tsketch, m = 256", "rf, m = 64", "rf, m = 256",
    "rf-orth, m = 64", "nystrom, m = 32", "nystrom, m = 128", "svd, k = 16", "svd, k = 64",
    "window, w = 32", "dilated, w = 64", "strided, l = 16"
  };
  char *gp = plot_file ("error-vs-B-1", "gp"), *cmd = first_plot (gp);
  for (size_t k = 0; k < sizeof curves / sizeof curves[0]; k++)
    {
      char t[64];
      snprintf (t, sizeof t, " title '%s'", curves[k]);
      ck_assert_has (cmd, t);
    }
  size_t colours, n = distinct_styles (cmd, &colours);
  ck_assert_uint_eq (n, 13);
  ck_assert_uint_eq (colours, 12);
  ck_assert_has (gp, "every method, n = 256\\nuniform, B fixed (law 1), o(sqrt(log n))\"");
  /* the error of series i (from 1) is i 1e-6 B seed: the mean over seeds
     1 and 2 is 1.5 i 1e-6 B; at B = 1, 1.5e-6 .. 1.95e-5 */
  const char *dat = slurp (tmpdir, "error-vs-B-1.dat");
  ck_assert_has (dat, "# B poly,deg=4 poly,deg=8 tsketch,m=256 rf,m=64 rf,m=256 rf-orth,m=64 "
                 "nystrom,m=32 nystrom,m=128 svd,k=16 svd,k=64 window,w=32 dilated,w=64 "
                 "strided,l=16\n");
  ck_assert_has (dat, "\n1 1.5e-06 ");
  ck_assert_has (dat, " 1.95e-05\n");
  free (cmd);
  free (gp);
  static const char *const plots[] = {
    "error-vs-B-1", "least-size-1", "least-size-2", "least-size-3", "least-size-4",
    "least-size-5", "least-size-6", "least-size-7"
  };
  check_plots (rep, plots, sizeof plots / sizeof plots[0]);
  fga_report_destroy (rep);
}
END_TEST

/* The y label of a least size names what the method's size parameter
   counts, found by the method of the label (results.csv's method column:
   rf-orth is rf); a label with no known method names the parameter.  */
static const struct
{
  const char *plot, *label, *ylabel;
} size_labels[] = {
  { "least-size-1", "poly", "least degree g" },
  { "least-size-2", "rf", "least features m" },
  { "least-size-3", "rf-orth", "least features m" },
  { "least-size-4", "tsketch", "least features m" },
  { "least-size-5", "nystrom", "least landmarks m" },
  { "least-size-6", "svd", "least rank k" },
  { "least-size-7", "mine", "least size q" },
};

START_TEST (test_plot_size_labels)
{
  copy_fixture ("report-many");
  fga_report_ptr rep = read_ok (tmpdir);
  write_ok (rep);
  char *gp = plot_file (size_labels[_i].plot, "gp"), want[128];
  snprintf (want, sizeof want, "set ylabel '%s'\n", size_labels[_i].ylabel);
  ck_assert_has (gp, want);
  snprintf (want, sizeof want, "set title \"%s of %s reaching error 1e-3 (fixed)\\n",
            size_labels[_i].ylabel, size_labels[_i].label);
  ck_assert_has (gp, want);
  free (gp);
  fga_report_destroy (rep);
}
END_TEST

/* Least sizes over two seeds: the spread as bars, a censored seed as an
   open marker.  rf's seeds: 20 and 28 at B = 0.5, 40 and 56 at 1, 80 and
   256 (censored: not reached up to n) at 2, a mean of 168 that is a lower
   bound.  */
START_TEST (test_plot_least_spread)
{
  copy_fixture ("report-many");
  fga_report_ptr rep = read_ok (tmpdir);
  write_ok (rep);
  const char *dat = slurp (tmpdir, "least-size-2.dat");
  ck_assert_has (dat, "# B n=256 n=256,exact n=256,censored n=256,min n=256,max\n");
  ck_assert_has (dat, "\n0.5 24 24 ? 20 28\n1 48 48 ? 40 56\n2 168 ? 168 80 256\n");
  char *gp = plot_file ("least-size-2", "gp"), *cmd = first_plot (gp);
  ck_assert_has (cmd, "using 1:2:5:6 with yerrorbars");
  ck_assert_has (cmd, "using 1:2 with lines");
  ck_assert_has (cmd, "using 1:3 with points pt 7 ");
  ck_assert_has (cmd, "using 1:4 with points pt 6 ");       /* open: censored */
  ck_assert_has (cmd, "keyentry with linespoints lw 1.5 pt 7 ps 1.2 lc rgb '#0067a5' dt 1 "
                 "title 'n = 256'");
  ck_assert_has (cmd, "title 'open: censored (a lower bound)'");
  ck_assert_has (cmd, "title 'bars: least to largest seed'");
  free (cmd);
  free (gp);
  fga_report_destroy (rep);
}
END_TEST

/* A run at one n: no plot against n (no curve, no slope), the error and
   least size against B drawn.  */
START_TEST (test_plot_single_n)
{
  copy_fixture ("report-single-n");
  fga_report_ptr rep = read_ok (tmpdir);
  write_ok (rep);
  static const char *const plots[] = { "error-vs-B-1", "least-size-1" };
  check_plots (rep, plots, 2);
  ck_assert_int_lt (file_size (tmpdir, "time-1.gp"), 0);
  ck_assert_int_lt (file_size (tmpdir, "rank-1.gp"), 0);
  ck_assert_int_lt (file_size (tmpdir, "cost-r-1.gp"), 0);
  /* the tables are all there, rank and cost included */
  ck_assert_has (slurp (tmpdir, "rank.md"), "| 2 | 90 |");
  ck_assert_has (slurp (tmpdir, "error-vs-B.md"), "| 1 | 4.00e-03 |");
  fga_report_destroy (rep);
}
END_TEST

/* Times at two betas growing like n (beta 0.5) and n^2 (beta 1): a slope
   per beta, 1 and 2, never one through the means over betas, (1e-4 n +
   1e-6 n^2) / 2, whose slope from 64 to 1024 would be about 1.69.  */
START_TEST (test_plot_time_per_beta)
{
  char text[4096];
  size_t len = (size_t) snprintf (text, sizeof text, RESULTS);
  static const double ns[] = { 64, 256, 1024 };
  for (int b = 0; b < 2; b++)
    for (int i = 0; i < 3; i++)
      {
        double t = b == 0 ? 1e-4 * ns[i] : 1e-6 * ns[i] * ns[i];
        len += (size_t) snprintf (text + len, sizeof text - len, "\"c%d%d\",%g,6,6,%g,1,1,"
                                  "uniform,1/d,1,1,1,mpfr,rf,rf,m,64,ok,1e-3,0,0,0,0,0,0,0,0,"
                                  "0,%.17g\n", b, i, ns[i], b == 0 ? 0.5 : 1.0, t);
      }
  put (tmpdir, "results.csv", text);
  fga_report_ptr rep = read_ok (tmpdir);
  write_ok (rep);
  const char *gp = slurp (tmpdir, "time-1.gp");
  ck_assert_has (gp, "title 'rf m = 64, beta = 0.5: slope 1.00'");
  ck_assert_has (gp, "title 'rf m = 64, beta = 1: slope 2.00'");
  ck_assert_has (gp, "slopes fitted per beta");
  ck_assert_hasnt (gp, "slope 1.6");
  ck_assert_uint_eq (count (gp, ": slope "), 4);      /* two curves, two terminals */
  ck_assert_has (slurp (tmpdir, "time-1.dat"), "# n rf,beta=0.5 rf,beta=1\n");
  static const char *const plots[] = { "error-vs-beta-1", "error-vs-beta-2", "error-vs-beta-3",
                                       "time-1" };
  check_plots (rep, plots, 4);
  fga_report_destroy (rep);
}
END_TEST

/* Runs `fgattn report DIR ARGS' with its output in tmpdir: its exit status. */
static int
run_report (const char *prog, const char *dir, const char *args)
{
  char cmd[1600];
  snprintf (cmd, sizeof cmd, "'%s' report '%s' %s >'%s/out.csv' 2>'%s/err.txt'", prog, dir,
            args, tmpdir, tmpdir);
  int st = system (cmd);
  return WIFEXITED (st) ? WEXITSTATUS (st) : -1;
}

/* The CSV line of out that starts with head: its exponent is bound (">= "
   or "") then a number within 5e-4 of want (printed to 3 decimals or
   more), and the line goes on with tail.  */
static void
check_csv_exponent (const char *out, const char *head, const char *bound, double want,
                    const char *tail)
{
  char start[128];
  snprintf (start, sizeof start, "\n%s", head);
  const char *p = strstr (out, start);
  ck_assert_msg (p != NULL, "no line %s in:\n%s", head, out);
  p += strlen (start);
  ck_assert_msg (strncmp (p, bound, strlen (bound)) == 0, "%s: bound '%s' expected", head,
                 bound);
  char *end;
  double v = strtod (p + strlen (bound), &end);
  ck_assert_msg (fabs (v - want) <= 5e-4, "%s: exponent %.17g, expected %.17g", head, v, want);
  ck_assert_msg (strncmp (end, tail, strlen (tail)) == 0, "%s: the line goes on '%.40s'", head,
                 end);
}

/* The command itself, when the test harness says where it is. */
START_TEST (test_command)
{
  const char *prog = getenv ("FGATTN");
  if (prog == NULL)
    return;
  copy_fixture ("report-laws");
  int st = run_report (prog, tmpdir, "--format csv");
  ck_assert_msg (st == 0, "status %d\n%s", st, slurp (tmpdir, "err.txt"));
  const char *out = slurp (tmpdir, "out.csv");
  ck_assert_has (out, "quantity,label,param,beta,exponent,points,dist,law\n");
  /* the closed forms of test_groups_and_exponents, to the 3 decimals of
     the table at least */
  check_csv_exponent (out, "rank,,1/n,0.5,", "", 0.5, ",3,uniform,sqrt(ln n)\n");
  check_csv_exponent (out, "rank,,1/n,1,", ">= ", log (200.0 / 16) / log (16),
                      ",3,uniform,sqrt(ln n)\n");
  ck_assert_has (out, "rank,,1e-3,1,censored,3,uniform,sqrt(ln n)\n");
  check_csv_exponent (out, "rank,,n^-2,2,", "", 0, ",3,uniform,1\n");
  check_csv_exponent (out, "poly_time,,1/n,1,", "", log (10) / log (4),
                      ",2,uniform,sqrt(ln n)\n");
  ck_assert_has (slurp (tmpdir, "err.txt"), "read results.csv, rank.csv, least.csv, cost.csv");
  ck_assert_int_gt (file_size (tmpdir, "exponents.md"), 0);
  ck_assert_int_gt (file_size (tmpdir, "cost.md"), 0);
  ck_assert_int_gt (file_size (tmpdir, "rank.md"), 0);
  if (have_gnuplot ())
    {
      ck_assert_int_gt (file_size (tmpdir, "rank-1.png"), 0);
      ck_assert_int_gt (file_size (tmpdir, "cost-r-1.svg"), 0);
      ck_assert_int_gt (file_size (tmpdir, "time-1.svg"), 0);
      /* no temporary left behind, and gnuplot had nothing to warn of */
      ck_assert_int_lt (file_size (tmpdir, ".rank-1.tmp.png"), 0);
      ck_assert_hasnt (slurp (tmpdir, "err.txt"), "arning");
    }
  /* gnuplot hidden: the tables are written and the note says so. */
  char cmd[1600];
  snprintf (cmd, sizeof cmd, "PATH=/nonexistent '%s' report '%s' >/dev/null 2>'%s/err.txt'",
            prog, tmpdir, tmpdir);
  st = system (cmd);
  ck_assert (WIFEXITED (st) && WEXITSTATUS (st) == 0);
  ck_assert_has (slurp (tmpdir, "err.txt"), "gnuplot not found: plots skipped");

  /* old folders are read by the command too */
  copy_fixture ("report-basic");
  snprintf (cmd, sizeof cmd, "%s/cost.csv", tmpdir);
  ck_assert_int_eq (unlink (cmd), 0);
  st = run_report (prog, tmpdir, "--format csv");
  ck_assert_int_eq (st, 0);
  check_csv_exponent (slurp (tmpdir, "out.csv"), "rank,,1/n,2,", "", 1,
                      ",2,uniform,sqrt(ln n)\n");

  /* none of the CSVs, and a malformed one: exit 2 with file and line */
  char sub[400];
  snprintf (sub, sizeof sub, "%s/empty", tmpdir);
  ck_assert_int_eq (mkdir (sub, 0700), 0);
  ck_assert_int_eq (run_report (prog, sub, ""), 2);
  ck_assert_int_eq (run_report (prog, FGA_FIXTURES "/report-bad", ""), 2);
  ck_assert_has (slurp (tmpdir, "err.txt"), "results.csv:3:");
}
END_TEST

static Suite *
report_suite (void)
{
  Suite *s = suite_create ("report");
  TCase *tc;

  tc = fga_test_tcase ("fit", 10);
  tcase_add_loop_test (tc, test_fit_power, 0, sizeof EXPONENTS / sizeof EXPONENTS[0]);
  tcase_add_test (tc, test_fit_degenerate);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("old folders", 20);
  tcase_add_test (tc, test_old_tables);
  tcase_add_test (tc, test_old_exponents);
  tcase_add_test (tc, test_old_rank_only_axis_B);
  tcase_add_test (tc, test_old_absolute_B);
  tcase_add_checked_fixture (tc, make_tmpdir, remove_tmpdir);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("laws and censoring", 20);
  tcase_add_test (tc, test_groups_and_exponents);
  tcase_add_test (tc, test_censored_tables);
  tcase_add_loop_test (tc, test_censored_rule, 0, sizeof rule_cases / sizeof rule_cases[0]);
  tcase_add_test (tc, test_poly_censored);
  tcase_add_test (tc, test_cost_gaps);
  tcase_add_checked_fixture (tc, make_tmpdir, remove_tmpdir);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("refusals", 20);
  tcase_add_test (tc, test_none_there);
  tcase_add_test (tc, test_bad_fixture);
  tcase_add_loop_test (tc, test_bad_csv, 0, sizeof bad_csv / sizeof bad_csv[0]);
  tcase_add_test (tc, test_quotes_and_extra_columns);
  tcase_add_checked_fixture (tc, make_tmpdir, remove_tmpdir);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("plots", 120);
  tcase_add_test (tc, test_plot_inputs_old);
  tcase_add_test (tc, test_plot_censored);
  tcase_add_test (tc, test_plot_every_method);
  tcase_add_loop_test (tc, test_plot_size_labels, 0,
                       sizeof size_labels / sizeof size_labels[0]);
  tcase_add_test (tc, test_plot_least_spread);
  tcase_add_test (tc, test_plot_single_n);
  tcase_add_test (tc, test_plot_time_per_beta);
  tcase_add_test (tc, test_command);
  tcase_add_checked_fixture (tc, make_tmpdir, remove_tmpdir);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (report_suite ());
}
