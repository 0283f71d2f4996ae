/* fgattn compare -- error metrics of an approximation against the truth, and tolerances */

#include <config.h>

#include <float.h>
#include <getopt.h>
#include <math.h>
#include <mpfr.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn compare TRUTH.npy APPROX.npy [--atol A] [--rtol R] [--ulps U]\n"
  "                      [--format table|csv|json]\n"
  "\n"
  "Prints max_abs = max |T - Att| (the measure of Alman and Song), rel_fro =\n"
  "||T - Att||_F / ||Att||_F, mean_abs, and max_ulps, the largest number of\n"
  "doubles between an entry and its truth (0 = equal, 1 = neighbours) over the\n"
  "entries where both are zero (+0 and -0 alike) or both nonzero of the same\n"
  "sign.  Across zero that count runs through every tiny double (9.1e18 from\n"
  "-1e-5 to 1e-5) and says nothing of the error, so those entries are left\n"
  "out and counted (ulps_over, ulps_left_out in CSV and JSON).  The files may\n"
  "hold float64, float32 or float16 ('<f8', '<f4', '<f2'): float32 and float16\n"
  "are widened exactly to float64 (every such number is a double), as the\n"
  "fields truth_dtype and approx_dtype and a note on stderr say.\n"
  "\n"
  "Tolerances, in the manner of numpy.testing.assert_allclose.  An entry\n"
  "passes when it meets every criterion given:\n"
  "  --atol A, --rtol R   |approx - truth| <= A + R |truth| (either option\n"
  "                       alone sets the other to 0);\n"
  "  --ulps U             at most U ulps (steps between neighbouring doubles)\n"
  "                       from the truth, counted across zero: for outputs\n"
  "                       near zero prefer --atol to --ulps.\n"
  "The test is exact for the doubles nearest to A and R: no rounding decides\n"
  "it.  A NaN or infinite entry of APPROX never passes.  When every entry\n"
  "passes the exit status is 0, with a line \"pass: ...\" (a field verdict in\n"
  "CSV and JSON); otherwise it is 1, and stderr names the number of failing\n"
  "entries and the worst one (NaN or infinite first; with --ulps alone the\n"
  "most ulps; otherwise the largest error relative to its bound): its row\n"
  "and column (from 0), its value, the\n"
  "truth, its error (rounded up) and the bound it missed (rounded down).  A\n"
  "and R are finite reals >= 0, U a whole number >= 0; other values exit 2.\n"
  "Without tolerances the exit status is 0 and a NaN or infinite entry is\n"
  "refused with exit 2, in either file (in TRUTH always).\n"
  "\n"
  "examples: fgattn compare truth.npy s.npy\n"
  "          fgattn compare truth.npy s.npy --atol 1e-12 --rtol 1e-9\n";

/* The options of the tolerances, and whether any was given.  */
typedef struct
{
  fga_tolerance tol;
  int any;
} tol_opts;

static int
parse_tol (tol_opts *t, int c, const char *arg)
{
  unsigned long u;
  int rc = CLI_OK;
  switch (c)
    {
    case 'a': rc = cli_parse_real (&t->tol.atol, arg, "--atol", 0, DBL_MAX, 0); break;
    case 'r': rc = cli_parse_real (&t->tol.rtol, arg, "--rtol", 0, DBL_MAX, 0); break;
    default:
      rc = cli_parse_ulong (&u, arg, "--ulps", ULONG_MAX);
      t->tol.max_ulps = u;
      t->tol.use_ulps = 1;
      break;
    }
  if (c != 'u')
    t->tol.use_bound = 1;
  t->tol.atol += 0.0;                 /* -0 reads as 0 */
  t->tol.rtol += 0.0;
  t->any = 1;
  return rc;
}

/* The shortest decimal that reads back as x: how A and R are echoed. */
static const char *
short_num (char *buf, size_t size, double x)
{
  for (int digits = 1; digits <= 17; digits++)
    {
      snprintf (buf, size, "%.*g", digits, x);
      if (strtod (buf, NULL) == x)
        break;
    }
  return buf;
}

/* x to 17 significant digits rounded up (dir 'U') or down ('D'): the
   error and the bound of a failing entry, so that the printed numbers
   keep the printed error above the printed bound.  */
static const char *
directed_num (char *buf, size_t size, double x, char dir)
{
  mpfr_t m;
  mpfr_init2 (m, 53);
  mpfr_set_d (m, x, MPFR_RNDN);
  mpfr_snprintf (buf, size, dir == 'U' ? "%.17RUg" : "%.17RDg", m);
  mpfr_clear (m);
  return buf;
}

/* What the criteria say, for the messages.  */
static const char *
criteria (char *buf, size_t size, const fga_tolerance *tol)
{
  char a[32], r[32];
  int k = 0;
  buf[0] = '\0';
  if (tol->use_bound)
    k = snprintf (buf, size, "|approx - truth| <= atol + rtol |truth|, atol %s, rtol %s",
                  short_num (a, sizeof a, tol->atol), short_num (r, sizeof r, tol->rtol));
  if (tol->use_ulps && k >= 0 && (size_t) k < size)
    snprintf (buf + k, size - (size_t) k, "%sat most %llu ulps from the truth",
              tol->use_bound ? "; and " : "", (unsigned long long) tol->max_ulps);
  return buf;
}

/* The failure: the count and the worst entry, on stderr; exit status 1. */
static int
report_failure (const fga_tolerance_report *r, const fga_tolerance *tol)
{
  char what[256], v[64], t[64], e[64], b[64], miss[256];
  criteria (what, sizeof what, tol);
  cli_num (v, sizeof v, r->value);
  cli_num (t, sizeof t, r->truth);
  if (r->nonfinite)
    snprintf (miss, sizeof miss, "not finite, never within tolerance");
  else
    {
      int k = 0;
      miss[0] = '\0';
      if (r->fails_bound)
        k = snprintf (miss, sizeof miss, "error %s > bound %s",
                      directed_num (e, sizeof e, r->error, 'U'),
                      directed_num (b, sizeof b, r->bound, 'D'));
      if (r->fails_ulps && k >= 0 && (size_t) k < sizeof miss)
        snprintf (miss + k, sizeof miss - (size_t) k, "%s%llu ulps > %llu",
                  r->fails_bound ? "; " : "", (unsigned long long) r->ulps,
                  (unsigned long long) tol->max_ulps);
    }
  return cli_fail (CLI_FAILED, "FAIL: %zu of %zu entries out of tolerance (%s); the worst, "
                   "at row %zu, column %zu: approx %s, truth %s, %s", r->failing, r->entries,
                   what, r->row, r->col, v, t, miss);
}

/* A table of named cells, built column by column.  */
#define MAX_COLS 24
typedef struct
{
  size_t n;
  const char *names[MAX_COLS];
  char cells[MAX_COLS][160];
} cols_t;

static void
col_add (cols_t *c, const char *name, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

static void
col_add (cols_t *c, const char *name, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  c->names[c->n] = name;
  vsnprintf (c->cells[c->n], sizeof c->cells[0], fmt, ap);
  va_end (ap);
  c->n++;
}

/* The metrics; in a table for people max_ulps carries its counts.  */
static void
metric_cols (cols_t *c, const fga_metrics *mt, const fga_npy_dtype dt[2], cli_format_t fmt)
{
  char b[64];
  col_add (c, "rows", "%zu", mt->rows);
  col_add (c, "cols", "%zu", mt->cols);
  col_add (c, "max_abs", "%s", cli_num (b, sizeof b, mt->max_abs));
  col_add (c, "rel_fro", "%s", cli_num (b, sizeof b, mt->rel_fro));
  col_add (c, "mean_abs", "%s", cli_num (b, sizeof b, mt->mean_abs));
  if (fmt == CLI_TABLE && mt->ulps_left_out > 0)
    col_add (c, "max_ulps", "%s (over %zu of %zu entries; %zu differ in sign or zero)",
             cli_num (b, sizeof b, mt->max_ulps), mt->ulps_over,
             mt->ulps_over + mt->ulps_left_out, mt->ulps_left_out);
  else
    col_add (c, "max_ulps", "%s", cli_num (b, sizeof b, mt->max_ulps));
  if (fmt != CLI_TABLE)
    {
      col_add (c, "ulps_over", "%zu", mt->ulps_over);
      col_add (c, "ulps_left_out", "%zu", mt->ulps_left_out);
    }
  col_add (c, "truth_dtype", "%s", fga_npy_dtype_name (dt[0]));
  col_add (c, "approx_dtype", "%s", fga_npy_dtype_name (dt[1]));
}

/* A whole number, or an empty cell when it does not apply.  */
static void
col_count (cols_t *c, const char *name, int applies, unsigned long long v)
{
  if (applies)
    col_add (c, name, "%llu", v);
  else
    col_add (c, name, "%s", "");
}

/* The tolerances and the verdict, for CSV and JSON (empty cells: null). */
static void
tolerance_cols (cols_t *c, const tol_opts *t, const fga_tolerance_report *r)
{
  char b[64];
  const fga_tolerance *tol = &t->tol;
  int f = r->failing > 0;
  col_add (c, "atol", "%s", tol->use_bound ? short_num (b, sizeof b, tol->atol) : "");
  col_add (c, "rtol", "%s", tol->use_bound ? short_num (b, sizeof b, tol->rtol) : "");
  col_count (c, "ulps_tol", tol->use_ulps, tol->max_ulps);
  col_add (c, "failing", "%zu", r->failing);
  col_add (c, "verdict", "%s", f ? "fail" : "pass");
  col_count (c, "worst_row", f, r->row);
  col_count (c, "worst_col", f, r->col);
  col_add (c, "worst_approx", "%s", f ? cli_num (b, sizeof b, r->value) : "");
  col_add (c, "worst_truth", "%s", f ? cli_num (b, sizeof b, r->truth) : "");
  col_add (c, "worst_error", "%s", f ? directed_num (b, sizeof b, r->error, 'U') : "");
  col_add (c, "worst_bound", "%s",
           f && !isnan (r->bound) ? directed_num (b, sizeof b, r->bound, 'D') : "");
  col_count (c, "worst_ulps", f && !r->nonfinite, r->ulps);
}

static void
print_results (const fga_metrics *mt, const fga_npy_dtype dt[2], const tol_opts *t,
               const fga_tolerance_report *r, cli_format_t fmt)
{
  cols_t c;
  c.n = 0;
  metric_cols (&c, mt, dt, fmt);
  if (t->any && fmt != CLI_TABLE)
    tolerance_cols (&c, t, r);
  cli_table_t tab;
  cli_table_init (&tab, c.n, c.names);
  cli_table_new_row (&tab);
  for (size_t k = 0; k < c.n; k++)
    cli_table_addf (&tab, k, "%s", c.cells[k]);
  cli_table_print (&tab, fmt, 1, stdout);
  cli_table_clear (&tab);
  if (t->any && fmt == CLI_TABLE && r->failing == 0)
    {
      char what[256];
      printf ("pass: all %zu entries within tolerance (%s)\n", r->entries,
              criteria (what, sizeof what, &t->tol));
    }
}

/* Both files read; the approximation may hold NaN or Inf only when
   tolerances will judge it.  */
static int
read_pair (fga_mat_t M[2], fga_npy_dtype dt[2], const char *const paths[2], int tolerant,
           fga_error *err)
{
  static const char *const role[2] = { "TRUTH", "APPROX" };
  int rc = FGA_OK;
  for (int k = 0; k < 2 && rc == FGA_OK; k++)
    {
      fga_mat_clear (M[k]);
      rc = fga_npy_read_dtype (M[k], &dt[k], paths[k], err);
      if (rc == FGA_OK && (k == 0 || !tolerant))
        rc = fga_mat_check_finite (M[k], paths[k], err);
      if (rc == FGA_OK && dt[k] != FGA_NPY_F8)
        fprintf (stderr, "fgattn compare: note: %s %s: %s widened exactly to float64\n",
                 role[k], paths[k], fga_npy_dtype_name (dt[k]));
    }
  return rc;
}

int
cli_compare (int argc, char **argv)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' }, { "atol", required_argument, NULL, 'a' },
    { "rtol", required_argument, NULL, 'r' }, { "ulps", required_argument, NULL, 'u' },
    { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
  };
  cli_format_t fmt = CLI_TABLE;
  tol_opts t;
  memset (&t, 0, sizeof t);
  int c, rc;

  optind = 1;
  while ((c = cli_getopt (argc, argv, "h", opts)) != -1)
    {
      switch (c)
        {
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 'a': case 'r': case 'u': rc = parse_tol (&t, c, optarg); break;
        case 'h': fputs (usage, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (argc - optind != 2)
    return cli_usage_error ("expected two files, TRUTH.npy and APPROX.npy");

  const char *const paths[2] = { argv[optind], argv[optind + 1] };
  cli_files_t files;
  cli_files_init (&files);
  cli_files_input (&files, paths[0], "TRUTH");
  cli_files_input (&files, paths[1], "APPROX");
  if ((rc = cli_files_check (&files)) != CLI_OK)
    return rc;
  fga_mat_t M[2];
  fga_npy_dtype dt[2] = { FGA_NPY_F8, FGA_NPY_F8 };
  fga_error err;
  fga_error_init (&err);
  fga_mat_init (M[0], 0, 0, NULL);
  fga_mat_init (M[1], 0, 0, NULL);
  fga_metrics mt;
  fga_tolerance_report rep;
  memset (&rep, 0, sizeof rep);
  rc = read_pair (M, dt, paths, t.any, &err);
  if (rc == FGA_OK && (rc = fga_metrics_compute (&mt, M[0], M[1], &err)) != FGA_OK)
    snprintf (err.msg, sizeof err.msg, "%s is %zu x %zu but %s is %zu x %zu", paths[0],
              M[0]->rows, M[0]->cols, paths[1], M[1]->rows, M[1]->cols);
  if (rc == FGA_OK && t.any)
    rc = fga_metrics_check (&rep, M[0], M[1], &t.tol, &err);
  fga_mat_clear (M[0]);
  fga_mat_clear (M[1]);
  if (rc != FGA_OK)
    return cli_fail_err (&err);

  print_results (&mt, dt, &t, &rep, fmt);
  if (t.any && rep.failing > 0)
    return report_failure (&rep, &t.tol);
  return CLI_OK;
}
