/* t-sweep -- running a grid: rows, statuses, least sizes, rank, cost, censored values, resume, jobs */

#include <config.h>

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "testutil.h"

static fga_law
law (const char *text)
{
  fga_law l;
  fga_error err;
  fga_error_init (&err);
  ck_assert_msg (fga_law_parse (&l, text, "test", &err) == FGA_OK, "%s", err.msg);
  return l;
}

/* n = 32, 64; beta 0.25, 1 (law sqrt(ln n)); seeds 1, 2: 8 cells.  exact
   (no size) and poly at deg 2, 4 with target 1e-3: 3 results rows, 2 rank
   rows (1/n and 1e-3) and 1 least row per cell.  */
static void
tiny_config (fga_sweep_config *cfg)
{
  fga_test_sweep_config (cfg, 32, 4, 0.25, 2, "1e-3", 16);
  cfg->ntol = 2;
  cfg->tol[1] = fga_test_accuracy ("1e-3");
}

#define NCELLS 8

static void
run_sweep (const fga_sweep_config *cfg, const char *dir, int jobs)
{
  fga_error err;
  fga_error_init (&err);
  fga_sweep_opts opts = { jobs, NULL, NULL, NULL, 0, 0 };
  int rc = fga_sweep_run (cfg, dir, &opts, &err);
  ck_assert_msg (rc == FGA_OK, "fga_sweep_run: %s", err.msg);
}

/* A new folder for a sweep.  */
static char *
make_dir (void)
{
  return fga_test_tmpdir ("fgattn-t-sweep");
}

/* The files a sweep writes (the first four, its tables): what
   fga_test_tmpdir_remove expects in a sweep's folder.  */
static const char *const sweep_files[] = { "results.csv", "rank.csv", "least.csv", "cost.csv",
                                            "sweep.json", ".lock", NULL };

/* results.csv, rank.csv, least.csv and, when nfiles is 4, cost.csv.  */
static void
read_files (fga_test_csv t[], const char *dir, int nfiles)
{
  char path[4200];
  for (int k = 0; k < nfiles; k++)
    {
      snprintf (path, sizeof path, "%s/%s", dir, sweep_files[k]);
      fga_test_csv_read (&t[k], path);
    }
}

static void
read_three (fga_test_csv t[3], const char *dir)
{
  read_files (t, dir, 3);
}

/* The field of column name in row r.  */
static const char *
get (const fga_test_csv *t, size_t r, const char *name)
{
  return t->field[r][fga_test_csv_col (t, name)];
}

static double
getd (const fga_test_csv *t, size_t r, const char *name)
{
  const char *f = get (t, r, name);
  ck_assert_msg (*f != '\0', "column %s empty in row %zu", name, r);
  char *end;
  double x = strtod (f, &end);
  ck_assert_msg (*end == '\0', "column %s: '%s' is not a number", name, f);
  return x;
}

/* Cuts the last k fields off every line of t (timing columns).  */
static void
cut_fields (fga_test_csv *t, int k)
{
  for (size_t r = 0; r < t->nrows; r++)
    for (int j = 0; j < k; j++)
      *strrchr (t->line[r], ',') = '\0';
}

/* I_k(x), the modified Bessel function, by its series
   sum_j (x/2)^(2j+k) / (j! (j+k)!) in long double, rounded up by a margin
   far above the rounding of the sum (every term is positive).  */
static double
bessel_i (int k, double x)
{
  long double h = x / 2, t = 1, sum = 0;
  for (int i = 1; i <= k; i++)
    t *= h / i;
  for (int j = 0; j < 200 && t > 0; j++)
    {
      sum += t;
      if (t < 1e-30L * sum)
        break;
      t *= h * h / ((long double) (j + 1) * (long double) (j + 1 + k));
    }
  return (double) (sum * (1 + 1e-15L));
}

/* The certified error bound of poly:basis=cheb,deg=g (R=auto) on the cell's
   instance, from the definitions (theory/upper-bound.md, lemmas 5 and 6;
   fga_poly_rounding_bound in fgattn/mpfr.h), not from the method's stats:
   - R = tau max_i |q_i| max_j |k_j|, rounded up (Cauchy-Schwarz);
   - p is the Chebyshev series of e^{R t} cut at degree g, so
     |p(x) - e^x| <= sum_{k > g} |a_k| with a_k = 2 I_k(R), and e^x >= e^-R
     gives the relative error *eps_rel = e^R sum_{k > g} 2 I_k(R);
   - the rounding of the double evaluation: with u = 2^-53, r = C(d+g, d),
     m = 2 g + n + r + 1, gamma_m = m u / (1 - m u) and P = sum |c_k| R^k <=
     sum_j |a_j| (1 + sqrt 2)^j (the coefficients of T_j in absolute value
     sum to |T_j(i)|), rho = gamma_m P e^R / (1 - eps), rb = 2 rho / (1 - rho)
     + u (1 + 2 rho / (1 - rho));
   - the truth is the correctly rounded Att: u ||V||_inf more.
   Returns (2 eps + rb + u) ||V||_inf; *eps_rel >= 1 makes it vacuous.  */
static double
poly_bound (double *eps_rel, size_t n, double B, unsigned long seed, long g)
{
  const size_t d = 4;
  fga_error err;
  fga_error_init (&err);
  fga_instance_t inst;
  fga_instance_init (inst);
  ck_assert_int_eq (fga_instance_generate (inst, n, n, d, d, B, B, FGA_DIST_UNIFORM, seed, &err),
                    FGA_OK);
  long double q2 = 0, k2 = 0, vmax = 0;
  for (size_t i = 0; i < n; i++)
    {
      long double sq = 0, sk = 0;
      for (size_t l = 0; l < d; l++)
        {
          sq += (long double) FGA_MAT (inst->Q, i, l) * FGA_MAT (inst->Q, i, l);
          sk += (long double) FGA_MAT (inst->K, i, l) * FGA_MAT (inst->K, i, l);
          vmax = fmaxl (vmax, fabsl ((long double) FGA_MAT (inst->V, i, l)));
        }
      q2 = fmaxl (q2, sq);
      k2 = fmaxl (k2, sk);
    }
  fga_instance_clear (inst);
  double R = fmax ((double) (sqrtl (q2) * sqrtl (k2) / d * (1 + 1e-12L)), 0x1p-30);
  double tail = 0;
  for (long k = g + 1; k <= g + 80; k++)
    tail += 2 * bessel_i ((int) k, R);
  *eps_rel = tail * exp (R) * (1 + 1e-12);
  double P = 0;
  for (long j = 0; j <= g; j++)
    P += (j == 0 ? 1 : 2) * bessel_i ((int) j, R) * pow (1 + sqrt (2), (double) j);
  double r = 1;
  for (long k = 1; k <= g; k++)
    r = r * (double) (d + (size_t) k) / (double) k;     /* C(d + g, g) */
  const double u = 0x1p-53;
  double m = 2 * (double) g + (double) n + r + 1;
  double gamma = m * u / (1 - m * u);
  double rho = gamma * P * exp (R) / (1 - *eps_rel) * (1 + 1e-12);
  double rb = 2 * rho / (1 - rho) + u * (1 + 2 * rho / (1 - rho));
  return (2 * *eps_rel + rb + u) * (double) vmax * (1 + 1e-12);
}

START_TEST (test_rows_and_values)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  char *dir = make_dir ();
  run_sweep (&cfg, dir, 1);
  fga_test_csv t[3];
  read_three (t, dir);
  ck_assert_uint_eq (t[0].nrows, 1 + NCELLS * 3);
  ck_assert_uint_eq (t[1].nrows, 1 + NCELLS * 2);
  ck_assert_uint_eq (t[2].nrows, 1 + NCELLS * 1);
  ck_assert_uint_eq (t[0].ncols, 31);
  ck_assert_uint_eq (t[1].ncols, 14);
  ck_assert_uint_eq (t[2].ncols, 14);

  int cstatus = fga_test_csv_col (&t[0], "status"), cmax = fga_test_csv_col (&t[0], "max_abs");
  int clabel = fga_test_csv_col (&t[0], "label"), csize = fga_test_csv_col (&t[0], "size");
  int ccell = fga_test_csv_col (&t[0], "cell");
  int ctruth = fga_test_csv_col (&t[0], "truth"), cmul = fga_test_csv_col (&t[0], "mul");
  size_t bounded = 0;
  for (size_t r = 1; r < t[0].nrows; r++)
    {
      ck_assert_str_eq (t[0].field[r][cstatus], "ok");
      ck_assert_str_eq (t[0].field[r][ctruth], "mpfr");
      ck_assert_msg (strtod (t[0].field[r][cmul], NULL) > 0, "no counted multiplications");
      double e = strtod (t[0].field[r][cmax], NULL);
      if (strcmp (t[0].field[r][clabel], "exact") == 0)
        {
          ck_assert_msg (e < 1e-15, "exact: max_abs %g", e);
          ck_assert_str_eq (t[0].field[r][csize], "");
        }
      else
        {
          /* within the method's certified bound, computed here */
          size_t n = (size_t) getd (&t[0], r, "n");
          unsigned long seed = (unsigned long) getd (&t[0], r, "seed");
          long deg = strtol (t[0].field[r][csize], NULL, 10);
          double eps_rel, bound = poly_bound (&eps_rel, n, getd (&t[0], r, "B"), seed, deg);
          ck_assert_msg (e > 0 && isfinite (e), "poly: max_abs %g", e);
          if (eps_rel < 1)
            {
              ck_assert_msg (e <= bound, "%s deg %ld: max_abs %g above the certified bound %g",
                             t[0].field[r][ccell], deg, e, bound);
              bounded++;
            }
        }
    }
  ck_assert_uint_gt (bounded, 0);

  /* rank: between 1 and n */
  int crank = fga_test_csv_col (&t[1], "rank"), ctol = fga_test_csv_col (&t[1], "tol");
  int cn = fga_test_csv_col (&t[1], "n");
  for (size_t r = 1; r < t[1].nrows; r++)
    {
      long rank = strtol (t[1].field[r][crank], NULL, 10);
      ck_assert_int_ge (rank, 1);
      ck_assert_int_le (rank, strtol (t[1].field[r][cn], NULL, 10));
      ck_assert_msg (strcmp (t[1].field[r][ctol], "1/n") == 0
                     || strcmp (t[1].field[r][ctol], "1e-3") == 0, "tol %s",
                     t[1].field[r][ctol]);
    }

  /* least: the smallest degree whose error is <= 1e-3, checked against the
     grid rows and against runs at least and least - 1.  */
  int lcell = fga_test_csv_col (&t[2], "cell"), lleast = fga_test_csv_col (&t[2], "least_size");
  for (size_t r = 1; r < t[2].nrows; r++)
    {
      const char *id = t[2].field[r][lcell];
      ck_assert_str_ne (t[2].field[r][lleast], "");
      ck_assert_str_eq (get (&t[2], r, "censored"), "0");
      ck_assert_str_eq (get (&t[2], r, "target"), "1e-3");
      ck_assert (getd (&t[2], r, "target_value") == 1e-3);
      long least = strtol (t[2].field[r][lleast], NULL, 10);
      ck_assert_int_ge (least, 1);
      ck_assert_int_le (least, 16);
      for (size_t q = 1; q < t[0].nrows; q++)
        if (strcmp (t[0].field[q][ccell], id) == 0
            && strcmp (t[0].field[q][clabel], "poly") == 0)
          {
            long deg = strtol (t[0].field[q][csize], NULL, 10);
            double e = strtod (t[0].field[q][cmax], NULL);
            if (deg < least)
              ck_assert_msg (e > 1e-3, "%s: deg %ld reaches the target below least %ld", id,
                             deg, least);
            else if (e <= 1e-3)
              ck_assert_int_le (least, deg);
          }
      /* Recompute the cell's instance and check least and least - 1.  */
      size_t n = (size_t) getd (&t[2], r, "n");
      unsigned long seed = (unsigned long) getd (&t[2], r, "seed");
      fga_error err;
      fga_error_init (&err);
      fga_instance_t inst;
      fga_instance_init (inst);
      double B = getd (&t[2], r, "B");
      ck_assert_close (B, getd (&t[2], r, "beta") * sqrt (log ((double) n)), 1, 0);
      ck_assert_int_eq (fga_instance_generate (inst, n, n, 4, 4, B, B, FGA_DIST_UNIFORM, seed,
                                               &err), FGA_OK);
      fga_mat_t truth, T;
      ck_assert_int_eq (fga_mat_init (truth, n, 4, &err), FGA_OK);
      ck_assert_int_eq (fga_mat_init (T, n, 4, &err), FGA_OK);
      ck_assert_int_eq (fga_truth (truth, NULL, NULL, NULL, inst->Q, inst->K, inst->V,
                                   &cfg.tau, NULL, NULL, NULL, &err), FGA_OK);
      fga_problem prob;
      fga_problem_from_instance (&prob, inst, &cfg.tau);
      for (long g = least - 1; g <= least; g++)
        {
          if (g < 1)
            continue;
          char spec[128];
          snprintf (spec, sizeof spec, "poly:basis=cheb,deg=%ld", g);
          fga_method m = fga_method_create (spec, &err);
          ck_assert_ptr_nonnull (m);
          ck_assert_int_eq (fga_method_prepare (m, &prob, &err), FGA_OK);
          ck_assert_int_eq (fga_method_run (m, T, NULL, inst->Q, inst->K, inst->V, NULL, &err),
                            FGA_OK);
          fga_metrics mt;
          ck_assert_int_eq (fga_metrics_compute (&mt, truth, T, &err), FGA_OK);
          if (g == least)
            ck_assert_msg (mt.max_abs <= 1e-3, "%s deg %ld: %g", id, g, mt.max_abs);
          else
            ck_assert_msg (mt.max_abs > 1e-3, "%s deg %ld: %g", id, g, mt.max_abs);
          fga_method_destroy (m);
        }
      fga_mat_clear (T);
      fga_mat_clear (truth);
      fga_instance_clear (inst);
    }

  /* A second run resumes: nothing is added, nothing changes.  */
  char *before[3];
  for (int k = 0; k < 3; k++)
    before[k] = fga_test_csv_text (&t[k], 0, 1);
  for (int k = 0; k < 3; k++)
    fga_test_csv_free (&t[k]);
  run_sweep (&cfg, dir, 1);
  read_three (t, dir);
  for (int k = 0; k < 3; k++)
    {
      char *after = fga_test_csv_text (&t[k], 0, 1);
      ck_assert_str_eq (after, before[k]);
      free (after);
      free (before[k]);
      fga_test_csv_free (&t[k]);
    }
  fga_test_tmpdir_remove (dir, sweep_files);
}
END_TEST

/* The same configuration in two fresh folders, one with two jobs: the same
   rows, timing aside.  */
START_TEST (test_deterministic)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.nn = 1;
  char *dir1 = make_dir (), *dir2 = make_dir ();
  run_sweep (&cfg, dir1, 1);
  run_sweep (&cfg, dir2, 2);
  fga_test_csv a[3], b[3];
  read_three (a, dir1);
  read_three (b, dir2);
  for (int k = 0; k < 3; k++)
    {
      char *ra = fga_test_csv_text (&a[k], k == 0, 1), *rb = fga_test_csv_text (&b[k], k == 0, 1);
      ck_assert_str_eq (ra, rb);
      free (ra);
      free (rb);
      fga_test_csv_free (&a[k]);
      fga_test_csv_free (&b[k]);
    }
  fga_test_tmpdir_remove (dir1, sweep_files);
  fga_test_tmpdir_remove (dir2, sweep_files);
}
END_TEST

/* An interrupted run: a partial trailing line and a cell with only some of
   its rows are dropped on resume and the cell is run again.  */
START_TEST (test_resume_partial)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.nn = 1;
  cfg.nb = 1;
  char *dir = make_dir ();
  run_sweep (&cfg, dir, 1);
  fga_test_csv t[3];
  read_three (t, dir);
  char *want = fga_test_csv_text (&t[0], 1, 1);
  ck_assert_uint_eq (t[0].nrows, 1 + 2 * 3);
  /* Keep the header, the first cell (3 rows), one row of the second cell,
     and half of the next line.  */
  char path[4200];
  snprintf (path, sizeof path, "%s/results.csv", dir);
  FILE *fp = fopen (path, "w");
  for (size_t r = 0; r < 5; r++)
    fprintf (fp, "%s\n", t[0].line[r]);
  fprintf (fp, "%.20s", t[0].line[5]);
  fclose (fp);
  for (int k = 0; k < 3; k++)
    fga_test_csv_free (&t[k]);
  run_sweep (&cfg, dir, 1);
  read_three (t, dir);
  ck_assert_uint_eq (t[0].nrows, 1 + 2 * 3);
  ck_assert_uint_eq (t[1].nrows, 1 + 2 * 2);
  ck_assert_uint_eq (t[2].nrows, 1 + 2 * 1);
  char *got = fga_test_csv_text (&t[0], 1, 1);
  ck_assert_str_eq (got, want);
  free (got);
  free (want);
  for (int k = 0; k < 3; k++)
    fga_test_csv_free (&t[k]);
  fga_test_tmpdir_remove (dir, sweep_files);
}
END_TEST

/* A method's max_n: above it the method is not run; its rows say
   "skipped" with empty error columns, so that every cell keeps its count
   of rows (a resumed sweep finds the cells done), and least.csv has no row
   for it there.  */
START_TEST (test_method_max_n)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.nb = 1;
  cfg.nseeds = 1;
  cfg.methods[1].max_n = 32;
  char *dir = make_dir ();
  run_sweep (&cfg, dir, 1);
  fga_test_csv t[3];
  read_three (t, dir);
  ck_assert_uint_eq (t[0].nrows, 1 + 2 * 3);
  size_t skipped = 0;
  for (size_t r = 1; r < t[0].nrows; r++)
    {
      int big = getd (&t[0], r, "n") > 32, poly = strcmp (get (&t[0], r, "label"), "poly") == 0;
      ck_assert_str_eq (get (&t[0], r, "status"), big && poly ? "skipped" : "ok");
      if (big && poly)
        {
          ck_assert_str_eq (get (&t[0], r, "max_abs"), "");
          ck_assert_str_eq (get (&t[0], r, "wall_seconds"), "");
          ck_assert_str_eq (get (&t[0], r, "message"),
                            "not run: n = 64 is above the method's max_n = 32");
          skipped++;
        }
    }
  ck_assert_uint_eq (skipped, 2);
  ck_assert_uint_eq (t[2].nrows, 1 + 1);
  ck_assert (getd (&t[2], 1, "n") == 32);
  char *want = fga_test_csv_text (&t[0], 1, 1);
  for (int k = 0; k < 3; k++)
    fga_test_csv_free (&t[k]);
  /* Resumed: nothing is run again, nothing added.  */
  run_sweep (&cfg, dir, 1);
  read_three (t, dir);
  char *got = fga_test_csv_text (&t[0], 1, 1);
  ck_assert_str_eq (got, want);
  ck_assert_uint_eq (t[2].nrows, 1 + 1);
  free (got);
  free (want);
  for (int k = 0; k < 3; k++)
    fga_test_csv_free (&t[k]);
  /* The report reads the skipped rows: the method's entries at n = 64 are
     empty, not zero.  */
  fga_report_ptr rep;
  fga_error err;
  fga_error_init (&err);
  ck_assert_msg (fga_report_read (&rep, dir, &err) == FGA_OK, "%s", err.msg);
  fga_report_destroy (rep);
  fga_test_tmpdir_remove (dir, sweep_files);
}
END_TEST

/* The progress calls of a run, for the ETA's work fields.  */
#define LOG_CALLS 1024

typedef struct
{
  size_t ncalls;
  fga_sweep_progress call[LOG_CALLS];
  char current[LOG_CALLS][256];
} progress_log_t;

static void
log_progress (const fga_sweep_progress *p, void *data)
{
  progress_log_t *log = data;
  ck_assert_uint_lt (log->ncalls, LOG_CALLS);
  log->call[log->ncalls] = *p;
  snprintf (log->current[log->ncalls], sizeof log->current[0], "%s",
            p->current != NULL ? p->current : "");
  log->ncalls++;
}

/* The weight of a cell of tiny_config (one method of max_n 32) at n, from
   the formula of fga_sweep_progress: d = dv = 4; t = 10 (certified truth, n <=
   64); exact 1 run, poly (n = 32 only) 2 sizes and ceil (log2 16) = 4 runs
   for its target; no [cost]; the dense rank r = n.  */
static double
tiny_work (size_t n)
{
  double runs = 10 + 1 + (n <= 32 ? 2 + 4 : 0);
  return (double) n * n * (8 * runs + n);
}

/* A run with jobs 1 logged: work_total constant and the sum of the cells'
   weights; work_skipped constant, the resumed cells'; work_done from them
   up, growing at each cell by its weight, equal to work_total at the end.  */
static void
check_progress_run (const fga_sweep_config *cfg, const char *dir, double skipped)
{
  progress_log_t *log = calloc (1, sizeof *log);
  ck_assert_ptr_nonnull (log);
  fga_error err;
  fga_error_init (&err);
  fga_sweep_opts opts = { 1, log_progress, log, NULL, 0, 0 };
  ck_assert_msg (fga_sweep_run (cfg, dir, &opts, &err) == FGA_OK, "%s", err.msg);
  double total = 2 * tiny_work (32) + 2 * tiny_work (64);
  ck_assert_uint_ge (log->ncalls, 2);
  ck_assert (log->call[0].work_done == skipped);
  for (size_t k = 0; k < log->ncalls; k++)
    {
      const fga_sweep_progress *p = &log->call[k];
      ck_assert_msg (p->work_total == total, "call %zu: work_total %.17g, expected %.17g", k,
                     p->work_total, total);
      ck_assert (p->work_skipped == skipped);
      if (k == 0)
        continue;
      const fga_sweep_progress *q = &log->call[k - 1];
      double grew = p->work_done - q->work_done;
      if (p->cells_done == q->cells_done)
        ck_assert_msg (grew == 0, "call %zu: work_done moved by %g without a cell", k, grew);
      else
        {
          /* the cell that ended is the one the previous call named */
          size_t n = strtoul (log->current[k - 1] + 2, NULL, 10);
          ck_assert_msg (grew == tiny_work (n), "call %zu (%s): work_done grew by %.17g, "
                         "expected %.17g", k, log->current[k - 1], grew, tiny_work (n));
        }
    }
  const fga_sweep_progress *last = &log->call[log->ncalls - 1];
  ck_assert_uint_eq (last->cells_done + last->cells_skipped, last->cells_total);
  ck_assert (last->work_done == total);
  free (log);
}

/* The ETA's work fields, on a whole run and on a resumed one (the first
   cell, n = 32, kept: done before the run, in work_done and work_skipped
   from the first call on).  */
START_TEST (test_progress_work)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.nb = 1;
  cfg.methods[1].max_n = 32;
  char *dir = make_dir ();
  check_progress_run (&cfg, dir, 0);
  fga_test_csv t[3];
  read_three (t, dir);
  char path[4200];
  snprintf (path, sizeof path, "%s/results.csv", dir);
  FILE *fp = fopen (path, "w");
  for (size_t r = 0; r < 4; r++)
    fprintf (fp, "%s\n", t[0].line[r]);
  fclose (fp);
  ck_assert (getd (&t[0], 1, "n") == 32);
  for (int k = 0; k < 3; k++)
    fga_test_csv_free (&t[k]);
  check_progress_run (&cfg, dir, tiny_work (32));
  fga_test_tmpdir_remove (dir, sweep_files);
}
END_TEST

static void cost_config (fga_sweep_config *cfg);

/* The weight of a cell of cost_config at n by the formula of
   fga_sweep_progress: d = dv = 3; t = 10; exact 1 run; [cost] with two
   eps, 1 + 2 * 2 runs; no rank.  */
static double
cost_work (size_t n)
{
  return (double) n * n * (6 * (10 + 1 + 5));
}

/* The calls of a run seen cell by cell: each cell's first call has share
   0 and its last (before the call that ends it) exactly 1, its shares
   never fall; work_running is its share times its weight (with one cell
   in flight), zero between cells; work_done + work_running never falls
   (exactly with jobs = 1, within rounding with more) and ends at
   work_total, the sum of the weights.  */
static void
check_steps (const progress_log_t *log, double (*weight) (size_t), double total, int jobs)
{
  double last_share[64];
  char ids[64][256];
  size_t nids = 0, ended = 0;
  double before = 0;
  for (size_t k = 0; k < log->ncalls; k++)
    {
      const fga_sweep_progress *p = &log->call[k];
      double now = p->work_done + p->work_running;
      ck_assert_msg (p->work_total == total, "call %zu: work_total %.17g", k, p->work_total);
      ck_assert_msg (now >= before * (jobs == 1 ? 1 : 1 - 1e-12), "call %zu: work_done + "
                     "work_running fell from %.17g to %.17g", k, before, now);
      before = now;
      if (log->current[k][0] == '\0')
        {
          ck_assert (p->cell_fraction == 0);
          ended = p->cells_done;
          if (jobs == 1)
            ck_assert (p->work_running == 0);
          continue;
        }
      size_t i = 0;
      while (i < nids && strcmp (ids[i], log->current[k]) != 0)
        i++;
      double f = p->cell_fraction;
      if (i == nids)
        {
          ck_assert_uint_lt (nids, 64);
          snprintf (ids[nids++], sizeof ids[0], "%s", log->current[k]);
          ck_assert_msg (f == 0, "call %zu: %s begins at share %g", k, log->current[k], f);
        }
      else
        ck_assert_msg (f >= last_share[i] && f <= 1, "call %zu: %s: share %.17g after %.17g",
                       k, log->current[k], f, last_share[i]);
      last_share[i] = f;
      if (jobs == 1)
        {
          size_t n = strtoul (log->current[k] + 2, NULL, 10);
          ck_assert_msg (p->work_running == f * weight (n), "call %zu: work_running %.17g, "
                         "share %.17g of %.17g", k, p->work_running, f, weight (n));
        }
    }
  ck_assert_uint_eq (ended, nids);
  for (size_t i = 0; i < nids; i++)
    ck_assert_msg (last_share[i] == 1, "%s ended at share %.17g", ids[i], last_share[i]);
  const fga_sweep_progress *last = &log->call[log->ncalls - 1];
  ck_assert (last->work_done == total && last->work_running == 0);
}

/* The rows of results.csv by status, against the counts of the last
   call.  */
static void
check_run_counts (const progress_log_t *log, const char *dir)
{
  char path[4200];
  snprintf (path, sizeof path, "%s/results.csv", dir);
  fga_test_csv t;
  fga_test_csv_read (&t, path);
  static const char *const names[] = { "ok", "refused", "failed", "skipped" };
  size_t count[4] = { 0 };
  int c = fga_test_csv_col (&t, "status");
  for (size_t r = 1; r < t.nrows; r++)
    for (int k = 0; k < 4; k++)
      count[k] += strcmp (t.field[r][c], names[k]) == 0;
  const fga_sweep_progress *last = &log->call[log->ncalls - 1];
  ck_assert_uint_eq (last->runs_ok, count[0]);
  ck_assert_uint_eq (last->runs_refused, count[1]);
  ck_assert_uint_eq (last->runs_failed, count[2]);
  ck_assert_uint_eq (last->runs_skipped, count[3]);
  ck_assert_uint_eq (count[0] + count[1] + count[2] + count[3], t.nrows - 1);
  fga_test_csv_free (&t);
}

/* The share of a cell, step by step: the weights of the model, so that
   the ETA moves within a long cell.  Jobs 1 on tiny_config (the MPFR
   truth first, then the dense rank: shares 800 / W and (800 + n) / W in
   units of n^2, W = 8 * 107 + n at n = 32), and jobs 2 with [cost].  */
START_TEST (test_progress_steps)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.nb = 1;
  cfg.methods[1].max_n = 32;
  progress_log_t *log = calloc (1, sizeof *log);
  ck_assert_ptr_nonnull (log);
  fga_error err;
  fga_error_init (&err);
  fga_sweep_opts opts = { 1, log_progress, log, NULL, 0, 0 };
  char *dir = make_dir ();
  ck_assert_msg (fga_sweep_run (&cfg, dir, &opts, &err) == FGA_OK, "%s", err.msg);
  check_steps (log, tiny_work, 2 * tiny_work (32) + 2 * tiny_work (64), 1);
  check_run_counts (log, dir);
  ck_assert_str_eq (log->current[1], log->current[0]);
  ck_assert (log->call[1].cell_fraction == 80.0 / (8 * 17 + 32));
  ck_assert (log->call[2].cell_fraction == (80.0 + 32) / (8 * 17 + 32));
  fga_test_tmpdir_remove (dir, sweep_files);

  memset (log, 0, sizeof *log);
  cost_config (&cfg);
  opts.jobs = 2;
  dir = make_dir ();
  ck_assert_msg (fga_sweep_run (&cfg, dir, &opts, &err) == FGA_OK, "%s", err.msg);
  check_steps (log, cost_work, 2 * cost_work (32) + 2 * cost_work (64), 2);
  check_run_counts (log, dir);
  fga_test_tmpdir_remove (dir, sweep_files);
  free (log);
}
END_TEST

/* A method over its memory budget is refused, its error columns empty, and
   a file that is not a sweep's is refused rather than appended to.  */
START_TEST (test_refused_and_foreign)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.nn = 1;
  cfg.nb = 1;
  cfg.nseeds = 1;
  snprintf (cfg.methods[1].spec, sizeof cfg.methods[1].spec, "poly:basis=cheb,budget=1");
  cfg.methods[1].max_size = 4;
  char *dir = make_dir ();
  run_sweep (&cfg, dir, 1);
  fga_test_csv t[3];
  read_three (t, dir);
  int cstatus = fga_test_csv_col (&t[0], "status"), cmax = fga_test_csv_col (&t[0], "max_abs");
  ck_assert_uint_eq (t[0].nrows, 4);
  ck_assert_str_eq (t[0].field[1][cstatus], "ok");
  for (size_t r = 2; r < 4; r++)
    {
      ck_assert_str_eq (t[0].field[r][cstatus], "refused");
      ck_assert_str_eq (t[0].field[r][cmax], "");
    }
  /* no size reached the target: censored at max_size */
  ck_assert_str_eq (t[2].field[1][fga_test_csv_col (&t[2], "least_size")], "4");
  ck_assert_str_eq (t[2].field[1][fga_test_csv_col (&t[2], "censored")], "1");
  for (int k = 0; k < 3; k++)
    fga_test_csv_free (&t[k]);

  char path[4200];
  snprintf (path, sizeof path, "%s/rank.csv", dir);
  FILE *fp = fopen (path, "w");
  fputs ("something,else\n1,2\n", fp);
  fclose (fp);
  fga_error err;
  fga_error_init (&err);
  fga_sweep_opts opts = { 1, NULL, NULL, NULL, 0, 0 };
  ck_assert_int_eq (fga_sweep_run (&cfg, dir, &opts, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "rank.csv"));
  fga_test_tmpdir_remove (dir, sweep_files);
}
END_TEST

/* One writer per folder: a folder locked by another writer (here this
   process, through another open file: flock does not care) is refused at
   once, FGA_ERR_IO naming the holder, and nothing is written in it.  */
START_TEST (test_busy_folder)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.nn = 1;
  cfg.nb = 1;
  char *dir = make_dir ();
  fga_error err;
  fga_error_init (&err);
  fgap_dir_lock lock;
  ck_assert_int_eq (fgap_dir_lock_take (&lock, dir, &err), FGA_OK);
  fga_sweep_opts opts = { 1, NULL, NULL, NULL, 0, 0 };
  ck_assert_int_eq (fga_sweep_run (&cfg, dir, &opts, &err), FGA_ERR_IO);
  char want[256];
  snprintf (want, sizeof want, "%s is being written by another fgattn (pid %ld)", dir,
            (long) getpid ());
  ck_assert_msg (strstr (err.msg, want) != NULL, "%s", err.msg);
  ck_assert_uint_eq (fga_test_count_entries (dir), 1);        /* .lock alone */
  fgap_dir_lock_release (&lock);
  run_sweep (&cfg, dir, 1);
  fga_test_tmpdir_remove (dir, sweep_files);
}
END_TEST

/* A configuration that is one of the files the sweep writes in its folder
   is refused, FGA_ERR_INPUT naming it, before anything is made or
   changed; another file in the folder is a configuration like another.
   A foreign results.csv in a fresh folder is refused with no .lock and no
   sweep.json left behind.  */
START_TEST (test_config_in_outdir)
{
  static const char text[] = "[grid]\nn = 4\nd = 2\nB = 1\n[method e]\nspec = exact\n";
  static const char *const names[] = { "results.csv", "rank.csv", "least.csv", "sweep.json",
                                        "exponents.md", "rank-1.gp" };
  fga_error err;
  fga_error_init (&err);
  fga_sweep_opts opts = { 1, NULL, NULL, NULL, 0, 0 };
  char *dir = make_dir ();
  char path[4200];
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
    {
      snprintf (path, sizeof path, "%s/%s", dir, names[k]);
      FILE *fp = fopen (path, "w");
      ck_assert_ptr_nonnull (fp);
      fputs (text, fp);
      fclose (fp);
      fga_sweep_config cfg;
      ck_assert_msg (fga_sweep_config_read (&cfg, path, &err) == FGA_OK, "%s", err.msg);
      ck_assert_int_eq (fga_sweep_run (&cfg, dir, &opts, &err), FGA_ERR_INPUT);
      ck_assert_msg (strstr (err.msg, names[k]) != NULL, "%s", err.msg);
      ck_assert_uint_eq (fga_test_count_entries (dir), 1);     /* the configuration alone */
      char back[sizeof text + 16] = "";
      FILE *in = fopen (path, "r");
      ck_assert_ptr_nonnull (in);
      size_t got = fread (back, 1, sizeof back - 1, in);
      fclose (in);
      back[got] = '\0';
      ck_assert_str_eq (back, text);
      unlink (path);
    }
  /* through a hard link */
  char other[4200];
  snprintf (other, sizeof other, "%s.conf", dir);
  FILE *fp = fopen (other, "w");
  fputs (text, fp);
  fclose (fp);
  snprintf (path, sizeof path, "%s/results.csv", dir);
  ck_assert_int_eq (link (other, path), 0);
  fga_sweep_config cfg;
  ck_assert_int_eq (fga_sweep_config_read (&cfg, other, &err), FGA_OK);
  ck_assert_int_eq (fga_sweep_run (&cfg, dir, &opts, &err), FGA_ERR_INPUT);
  ck_assert_uint_eq (fga_test_count_entries (dir), 1);
  unlink (path);
  /* DIR/my.conf is allowed */
  snprintf (path, sizeof path, "%s/my.conf", dir);
  ck_assert_int_eq (rename (other, path), 0);
  ck_assert_int_eq (fga_sweep_config_read (&cfg, path, &err), FGA_OK);
  ck_assert_msg (fga_sweep_run (&cfg, dir, &opts, &err) == FGA_OK, "%s", err.msg);
  unlink (path);
  fga_test_tmpdir_remove (dir, sweep_files);

  /* a foreign results.csv: refused, nothing made beside it */
  dir = make_dir ();
  snprintf (path, sizeof path, "%s/results.csv", dir);
  fp = fopen (path, "w");
  fputs ("a,b\n1,2\n", fp);
  fclose (fp);
  tiny_config (&cfg);
  ck_assert_int_eq (fga_sweep_run (&cfg, dir, &opts, &err), FGA_ERR_INPUT);
  ck_assert_uint_eq (fga_test_count_entries (dir), 1);
  unlink (path);
  /* and in a missing folder under a file that cannot hold it: no folder made */
  snprintf (path, sizeof path, "%s/a/b", dir);
  tiny_config (&cfg);
  cfg.nn = 0;
  ck_assert_int_eq (fga_sweep_run (&cfg, path, &opts, &err), FGA_ERR_INPUT);
  ck_assert_uint_eq (fga_test_count_entries (dir), 0);
  fga_test_tmpdir_remove (dir, sweep_files);
}
END_TEST

/* tsketch plans FFTW transforms in prepare, in cells run in parallel:
   FFTW's planner is not thread-safe (a double free or a crash, before its
   lock).  64 cells at four sizes each, four jobs; every row ok, and the
   rows those of two jobs (each cell on one thread either way).  */
START_TEST (test_tsketch_jobs)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.n[0] = 32;
  cfg.n[1] = 48;
  cfg.nb = 4;
  cfg.b[0] = 0.25, cfg.b[1] = 0.5, cfg.b[2] = 1, cfg.b[3] = 1.5;
  cfg.nseeds = 8;
  for (size_t k = 0; k < 8; k++)
    cfg.seeds[k] = k + 1;
  cfg.ntol = 0;
  cfg.nmethods = 1;
  fga_sweep_method *m = &cfg.methods[0];
  memset (m, 0, sizeof *m);
  snprintf (m->label, sizeof m->label, "ts");
  snprintf (m->spec, sizeof m->spec, "tsketch:deg=3");
  snprintf (m->size_key, sizeof m->size_key, "m");
  m->nsizes = 4;
  m->sizes[0] = 8, m->sizes[1] = 16, m->sizes[2] = 32, m->sizes[3] = 64;
  char *dir4 = make_dir (), *dir2 = make_dir ();
  run_sweep (&cfg, dir4, 4);
  run_sweep (&cfg, dir2, 2);
  fga_test_csv a[3], b[3];
  read_three (a, dir4);
  read_three (b, dir2);
  ck_assert_uint_eq (a[0].nrows, 1 + 64 * 4);
  int cstatus = fga_test_csv_col (&a[0], "status");
  for (size_t r = 1; r < a[0].nrows; r++)
    ck_assert_msg (strcmp (a[0].field[r][cstatus], "ok") == 0, "%s", a[0].line[r]);
  char *ra = fga_test_csv_text (&a[0], 1, 1), *rb = fga_test_csv_text (&b[0], 1, 1);
  ck_assert_str_eq (ra, rb);
  free (ra);
  free (rb);
  for (int k = 0; k < 3; k++)
    {
      fga_test_csv_free (&a[k]);
      fga_test_csv_free (&b[k]);
    }
  fga_test_tmpdir_remove (dir4, sweep_files);
  fga_test_tmpdir_remove (dir2, sweep_files);
}
END_TEST

/* A write that fails mid-run (a full disk; here a file size limit, EFBIG,
   which needs no root: sweep-enospc.test does ENOSPC itself) stops the
   sweep with FGA_ERR_IO naming the file, frees the rows it could not
   append (a sanitizer build reports any leak at the child's exit, whose
   status is checked), and the folder resumes to the rows of a whole run.  */
START_TEST (test_write_error)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  char *dir = make_dir (), *whole = make_dir ();
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      signal (SIGXFSZ, SIG_IGN);
      struct rlimit lim = { 1500, 1500 };   /* the headers and one cell */
      if (setrlimit (RLIMIT_FSIZE, &lim) != 0)
        _exit (77);
      fga_error err;
      fga_error_init (&err);
      fga_sweep_opts opts = { 1, NULL, NULL, NULL, 0, 0 };
      int rc = fga_sweep_run (&cfg, dir, &opts, &err);
      int ok = rc == FGA_ERR_IO && strstr (err.msg, "results.csv: File too large") != NULL;
      if (!ok)
        fprintf (stderr, "test_write_error: %d %s\n", rc, err.msg);
      exit (ok ? 0 : 3);       /* exit, not _exit: LeakSanitizer looks then */
    }
  int status;
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert_msg (WIFEXITED (status), "the child died of signal %d", WTERMSIG (status));
  if (WEXITSTATUS (status) != 77)
    {
      ck_assert_msg (WEXITSTATUS (status) == 0, "the child exited %d (3: not the error "
                     "expected, see above; another: the sanitizer's, a leak)",
                     WEXITSTATUS (status));
      run_sweep (&cfg, dir, 1);
      run_sweep (&cfg, whole, 1);
      fga_test_csv a[3], b[3];
      read_three (a, dir);
      read_three (b, whole);
      for (int k = 0; k < 3; k++)
        {
          char *ra = fga_test_csv_text (&a[k], k == 0, 1);
          char *rb = fga_test_csv_text (&b[k], k == 0, 1);
          ck_assert_str_eq (ra, rb);
          free (ra);
          free (rb);
          fga_test_csv_free (&a[k]);
          fga_test_csv_free (&b[k]);
        }
    }
  fga_test_tmpdir_remove (dir, sweep_files);
  fga_test_tmpdir_remove (whole, sweep_files);
}
END_TEST

/* The number of distinct rows of M, counted here: every pair compared.  */
static size_t
count_distinct_rows (fga_mat_srcptr M)
{
  size_t count = 0;
  for (size_t i = 0; i < M->rows; i++)
    {
      int seen = 0;
      for (size_t j = 0; j < i && !seen; j++)
        {
          int same = 1;
          for (size_t l = 0; l < M->cols && same; l++)
            same = FGA_MAT (M, i, l) == FGA_MAT (M, j, l);
          seen = same;
        }
      count += !seen;
    }
  return count;
}

/* The instance of row r of a file (its n, dist, B and seed; d = dv = 4,
   Bv = B).  */
static void
row_instance (fga_instance_ptr inst, const fga_test_csv *t, size_t r, size_t d)
{
  fga_dist dist;
  fga_error err;
  fga_error_init (&err);
  ck_assert_int_eq (fga_dist_parse (&dist, get (t, r, "dist"), &err), FGA_OK);
  size_t n = (size_t) getd (t, r, "n");
  double B = getd (t, r, "B");
  ck_assert_int_eq (fga_instance_generate (inst, n, n, d, d, B, B, dist,
                                           (unsigned long) getd (t, r, "seed"), &err), FGA_OK);
}

/* Two laws and two entry laws: the files have the contract's columns, and
   each row its cell's id, law, beta, B = beta f(n), accuracies at n and
   distinct rows.  */
START_TEST (test_laws_dists)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.nn = 1;
  cfg.nseeds = 1;
  cfg.b[0] = 0.5;
  cfg.nlaws = 2;
  cfg.laws[0] = law ("1");
  cfg.laws[1] = law ("(ln n)^(1/4)");
  cfg.ndists = 2;
  cfg.dists[0] = FGA_DIST_UNIFORM;
  cfg.dists[1] = FGA_DIST_CLUSTERED;
  cfg.tol[1] = fga_test_accuracy ("n^-2");
  cfg.methods[1].nsizes = 1;
  cfg.methods[1].targets[0] = fga_test_accuracy ("n^-1");
  cfg.methods[1].max_size = 6;
  char *dir = make_dir ();
  run_sweep (&cfg, dir, 1);
  fga_test_csv t[3];
  read_three (t, dir);
  ck_assert_str_eq (t[0].line[0], "cell,n,d,dv,dist,law,beta,B,Bv,tau,seed,R_apriori,R_data,"
                    "truth,label,method,size_key,size,status,max_abs,rel_fro,mean_abs,max_ulps,"
                    "mul,add,exp,div,cmp,peak_bytes,message,wall_seconds");
  ck_assert_str_eq (t[1].line[0], "cell,n,d,dist,law,beta,B,seed,tol,tol_value,algo,rank,"
                    "censored,distinct_rows");
  ck_assert_str_eq (t[2].line[0], "cell,n,d,dist,law,beta,B,seed,label,size_key,target,"
                    "target_value,least_size,censored");
  /* 2 dists x 2 laws x 2 beta = 8 cells; 2, 2 and 1 rows each */
  ck_assert_uint_eq (t[0].nrows, 1 + 8 * 2);
  ck_assert_uint_eq (t[1].nrows, 1 + 8 * 2);
  ck_assert_uint_eq (t[2].nrows, 1 + 8 * 1);
  unsigned seen = 0;
  for (int k = 0; k < 3; k++)
    for (size_t r = 1; r < t[k].nrows; r++)
      {
        const char *dist = get (&t[k], r, "dist"), *lw = get (&t[k], r, "law");
        double beta = getd (&t[k], r, "beta"), B = getd (&t[k], r, "B");
        char id[256];
        snprintf (id, sizeof id, "n=32,dist=%s,law=%s,b=%s,seed=1", dist, lw,
                  get (&t[k], r, "beta"));
        ck_assert_str_eq (get (&t[k], r, "cell"), id);
        ck_assert_msg (strcmp (dist, "uniform") == 0 || strcmp (dist, "clustered") == 0, "%s",
                       dist);
        if (strcmp (lw, "1") == 0)
          ck_assert (B == beta);
        else
          {
            ck_assert_str_eq (lw, "(ln n)^(1/4)");
            ck_assert_close (B, beta * pow (log (32.0), 0.25), 2, 0);
          }
        seen |= 1u << ((strcmp (dist, "uniform") == 0) * 4 + (strcmp (lw, "1") == 0) * 2
                       + (beta == 1));
      }
  ck_assert_uint_eq (seen, 0xFF);
  for (size_t r = 1; r < t[1].nrows; r++)
    {
      const char *tol = get (&t[1], r, "tol");
      ck_assert (getd (&t[1], r, "tol_value") == (strcmp (tol, "1/n") == 0 ? 1 / 32.0
                                                   : 1 / 1024.0));
      ck_assert_str_eq (get (&t[1], r, "algo"), "dense");
      ck_assert_str_eq (get (&t[1], r, "censored"), "0");
      fga_instance_t inst;
      fga_instance_init (inst);
      row_instance (inst, &t[1], r, 4);
      size_t dq = count_distinct_rows (inst->Q), dk = count_distinct_rows (inst->K);
      ck_assert (getd (&t[1], r, "distinct_rows") == (double) (dq < dk ? dq : dk));
      ck_assert (getd (&t[1], r, "rank") <= getd (&t[1], r, "distinct_rows"));
      fga_instance_clear (inst);
    }
  for (size_t r = 1; r < t[2].nrows; r++)
    {
      ck_assert_str_eq (get (&t[2], r, "target"), "n^-1");
      ck_assert (getd (&t[2], r, "target_value") == 1 / 32.0);
    }
  for (int k = 0; k < 3; k++)
    fga_test_csv_free (&t[k]);
  fga_test_tmpdir_remove (dir, sweep_files);
}
END_TEST

/* The randomized rank equals the dense one where it is not censored; with
   a budget kmax below the rank it is censored, a lower bound.  Least
   sizes not reached are censored at the searched maximum: max_size, or n
   for max_size = n.  */
START_TEST (test_censored)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.n[1] = 48;
  cfg.nseeds = 1;
  cfg.b[1] = 1.5;
  cfg.tol[1] = fga_test_accuracy ("1e-6");
  cfg.mpfr_max_n = 48;
  cfg.rank_max_n = 48;
  cfg.nmethods = 3;
  fga_sweep_method *m = &cfg.methods[1];
  m->nsizes = 1;
  m->targets[0] = fga_test_accuracy ("1e-14");
  m->max_size = 2;
  m = &cfg.methods[2];
  memset (m, 0, sizeof *m);
  snprintf (m->label, sizeof m->label, "rf");
  snprintf (m->spec, sizeof m->spec, "rf:kind=pos,seed=1");
  snprintf (m->size_key, sizeof m->size_key, "m");
  m->nsizes = 1;
  m->sizes[0] = 4;
  m->ntargets = 1;
  m->targets[0] = fga_test_accuracy ("1e-15");
  m->max_size_n = 1;

  char *dirs[3];
  fga_test_csv t[3][3];
  static const fga_sweep_rank_algo algo[3]
    = { FGA_SWEEP_RANK_DENSE, FGA_SWEEP_RANK_RANDOMIZED, FGA_SWEEP_RANK_AUTO };
  static const size_t kmax[3] = { 512, 48, 2 };
  for (int k = 0; k < 3; k++)
    {
      cfg.rank_algo = algo[k];
      cfg.rank_kmax = kmax[k];
      cfg.rank_dense_max_n = 0;         /* auto: randomized everywhere */
      dirs[k] = make_dir ();
      run_sweep (&cfg, dirs[k], 1);
      read_three (t[k], dirs[k]);
      ck_assert_uint_eq (t[k][1].nrows, 1 + 4 * 2);
    }
  size_t exact_small = 0, censored_small = 0;
  for (size_t r = 1; r < t[0][1].nrows; r++)
    {
      double dense = getd (&t[0][1], r, "rank");
      ck_assert_str_eq (get (&t[0][1], r, "algo"), "dense");
      ck_assert_str_eq (get (&t[0][1], r, "censored"), "0");
      for (int k = 1; k < 3; k++)
        {
          ck_assert_str_eq (get (&t[k][1], r, "cell"), get (&t[0][1], r, "cell"));
          ck_assert_str_eq (get (&t[k][1], r, "tol"), get (&t[0][1], r, "tol"));
          ck_assert_str_eq (get (&t[k][1], r, "algo"), "randomized");
          double rank = getd (&t[k][1], r, "rank");
          if (strcmp (get (&t[k][1], r, "censored"), "0") == 0)
            ck_assert_msg (rank == dense, "%s: randomized %g, dense %g", t[k][1].line[r], rank,
                           dense);
          else
            ck_assert_msg (rank <= dense && rank <= (double) kmax[k], "%s: %g, dense %g",
                           t[k][1].line[r], rank, dense);
          if (k == 2 && dense > 2)
            {
              ck_assert_str_eq (get (&t[k][1], r, "censored"), "1");
              censored_small++;
            }
          exact_small += k == 1 && strcmp (get (&t[k][1], r, "censored"), "0") == 0;
        }
    }
  ck_assert_uint_gt (exact_small, 0);
  ck_assert_uint_gt (censored_small, 0);
  /* least.csv: poly stops at max_size 2, rf at n */
  for (size_t r = 1; r < t[0][2].nrows; r++)
    {
      ck_assert_str_eq (get (&t[0][2], r, "censored"), "1");
      double want = strcmp (get (&t[0][2], r, "label"), "poly") == 0 ? 2 : getd (&t[0][2], r, "n");
      ck_assert (getd (&t[0][2], r, "least_size") == want);
    }
  for (int k = 0; k < 3; k++)
    {
      for (int f = 0; f < 3; f++)
        fga_test_csv_free (&t[k][f]);
      fga_test_tmpdir_remove (dirs[k], sweep_files);
    }
}
END_TEST

/* C(d + g, d), exactly for the small values of the tests.  */
static double
binomial (size_t d, long g)
{
  unsigned long long r = 1;
  for (long k = 1; k <= g; k++)
    r = r * (d + (unsigned long long) k) / (unsigned long long) k;   /* exact at each step */
  return (double) r;
}

/* A tiny sweep with [cost]: 4 cells (n = 32, 64; beta 0.5, 1; d = 3).  */
static void
cost_config (fga_sweep_config *cfg)
{
  tiny_config (cfg);
  cfg->d_fixed = 3;
  cfg->b[0] = 0.5;
  cfg->nseeds = 1;
  cfg->ntol = 0;
  cfg->nmethods = 1;
  cfg->cost.on = 1;
  cfg->cost.neps = 2;
  cfg->cost.eps[0] = fga_test_accuracy ("1/n");
  cfg->cost.eps[1] = fga_test_accuracy ("1e-3");
  cfg->cost.gmax = 12;
}

/* cost.csv: R the data's radius, g_cert the certified degree at that R,
   r = C(d + g, d), g_emp reaching eps on the instance, poly timed; poly
   over poly_max_bytes not run.  */
START_TEST (test_cost)
{
  fga_sweep_config cfg;
  cost_config (&cfg);
  char *dir = make_dir ();
  run_sweep (&cfg, dir, 1);
  fga_test_csv t[4];
  read_files (t, dir, 4);
  ck_assert_str_eq (t[3].line[0], "cell,n,d,dist,law,beta,B,seed,eps,eps_value,R,g_cert,"
                    "g_cert_censored,r_cert,r_cert_log10,g_emp,g_emp_censored,r_emp,r_emp_log10,"
                    "poly_status,poly_seconds,exact_seconds");
  ck_assert_uint_eq (t[3].nrows, 1 + 4 * 2);
  fga_error err;
  fga_error_init (&err);
  for (size_t r = 1; r < t[3].nrows; r++)
    {
      double n = getd (&t[3], r, "n"), B = getd (&t[3], r, "B"), R = getd (&t[3], r, "R");
      double eps = getd (&t[3], r, "eps_value");
      ck_assert (eps == (strcmp (get (&t[3], r, "eps"), "1/n") == 0 ? 1 / n : 1e-3));
      /* R: tau max |q_i| max |k_j| (Cauchy-Schwarz), rounded up */
      fga_instance_t inst;
      fga_instance_init (inst);
      row_instance (inst, &t[3], r, 3);
      long double q2 = 0, k2 = 0;
      for (size_t i = 0; i < (size_t) n; i++)
        {
          long double sq = 0, sk = 0;
          for (size_t l = 0; l < 3; l++)
            {
              sq += (long double) FGA_MAT (inst->Q, i, l) * FGA_MAT (inst->Q, i, l);
              sk += (long double) FGA_MAT (inst->K, i, l) * FGA_MAT (inst->K, i, l);
            }
          q2 = fmaxl (q2, sq);
          k2 = fmaxl (k2, sk);
        }
      double R0 = (double) (sqrtl (q2) * sqrtl (k2) / 3);
      ck_assert_msg (R >= R0 && R <= R0 * (1 + 1e-13), "R %.17g, computed %.17g", R, R0);
      /* g_cert at the row's R, relative eps / (2 Bv) (Bv = B) */
      long g;
      ck_assert_int_eq (fga_expfit_least_degree (&g, FGA_BASIS_CHEB, R, fmin (eps / (2 * B), 0.5),
                                                 1, FGA_EXPFIT_GMAX, &err), FGA_OK);
      ck_assert (getd (&t[3], r, "g_cert") == (double) g);
      ck_assert_str_eq (get (&t[3], r, "g_cert_censored"), "0");
      ck_assert (getd (&t[3], r, "r_cert") == binomial (3, g));
      ck_assert_close (getd (&t[3], r, "r_cert_log10"), log10 (binomial (3, g)), 2, 0);
      /* g_emp: poly at that degree is within eps of the truth, and not one
         degree below */
      long ge = (long) getd (&t[3], r, "g_emp");
      ck_assert_str_eq (get (&t[3], r, "g_emp_censored"), "0");
      ck_assert (getd (&t[3], r, "r_emp") == binomial (3, ge));
      fga_mat_t truth, T;
      ck_assert_int_eq (fga_mat_init (truth, (size_t) n, 3, &err), FGA_OK);
      ck_assert_int_eq (fga_mat_init (T, (size_t) n, 3, &err), FGA_OK);
      fga_test_ref_attention (truth, NULL, inst->Q, inst->K, inst->V, 1 / 3.0, 200);
      fga_problem prob;
      fga_problem_from_instance (&prob, inst, &cfg.tau);
      for (long k = ge - 1; k <= ge; k++)
        {
          if (k < 1)
            continue;
          char spec[64];
          snprintf (spec, sizeof spec, "poly:basis=cheb,deg=%ld", k);
          fga_method m = fga_test_make_method (spec, &prob);
          ck_assert_int_eq (fga_method_run (m, T, NULL, inst->Q, inst->K, inst->V, NULL, &err),
                            FGA_OK);
          fga_metrics mt;
          ck_assert_int_eq (fga_metrics_compute (&mt, truth, T, &err), FGA_OK);
          ck_assert_msg ((mt.max_abs <= eps) == (k == ge), "%s: deg %ld max_abs %g, eps %g",
                         t[3].line[r], k, mt.max_abs, eps);
          fga_method_destroy (m);
        }
      ck_assert_str_eq (get (&t[3], r, "poly_status"), "ok");
      ck_assert (getd (&t[3], r, "poly_seconds") >= 0);
      ck_assert (getd (&t[3], r, "exact_seconds") >= 0);
      fga_mat_clear (T);
      fga_mat_clear (truth);
      fga_instance_clear (inst);
    }
  for (int k = 0; k < 4; k++)
    fga_test_csv_free (&t[k]);
  fga_test_tmpdir_remove (dir, sweep_files);

  /* poly_max_bytes below 8 r (2 n + dv + 1): not run */
  cfg.cost.poly_max_bytes = 64;
  dir = make_dir ();
  run_sweep (&cfg, dir, 1);
  read_files (t, dir, 4);
  for (size_t r = 1; r < t[3].nrows; r++)
    {
      ck_assert_str_eq (get (&t[3], r, "poly_status"), "memory");
      ck_assert_str_eq (get (&t[3], r, "poly_seconds"), "");
    }
  for (int k = 0; k < 4; k++)
    fga_test_csv_free (&t[k]);
  fga_test_tmpdir_remove (dir, sweep_files);
}
END_TEST

/* With [cost]: an interrupted run resumes to the rows of a whole run, and
   two jobs give the rows of one (timing columns aside: the last of
   results.csv, the last two of cost.csv).  */
START_TEST (test_cost_resume_jobs)
{
  fga_sweep_config cfg;
  cost_config (&cfg);
  char *whole = make_dir (), *cut = make_dir (), *jobs = make_dir ();
  run_sweep (&cfg, whole, 1);
  run_sweep (&cfg, jobs, 2);
  run_sweep (&cfg, cut, 1);
  fga_test_csv t[4];
  read_files (t, cut, 4);
  /* keep the first cell of results.csv and a partial line */
  char path[4200];
  snprintf (path, sizeof path, "%s/results.csv", cut);
  FILE *fp = fopen (path, "w");
  for (size_t r = 0; r < 2; r++)
    fprintf (fp, "%s\n", t[0].line[r]);
  fprintf (fp, "%.20s", t[0].line[2]);
  fclose (fp);
  for (int k = 0; k < 4; k++)
    fga_test_csv_free (&t[k]);
  run_sweep (&cfg, cut, 1);
  fga_test_csv a[4], b[4], c[4];
  read_files (a, whole, 4);
  read_files (b, cut, 4);
  read_files (c, jobs, 4);
  for (int k = 0; k < 4; k++)
    {
      /* the timing columns: results.csv's last, cost.csv's last two */
      int timing = k == 0 ? 1 : k == 3 ? 2 : 0;
      cut_fields (&a[k], timing);
      cut_fields (&b[k], timing);
      cut_fields (&c[k], timing);
      char *ra = fga_test_csv_text (&a[k], 0, 1), *rb = fga_test_csv_text (&b[k], 0, 1);
      char *rc = fga_test_csv_text (&c[k], 0, 1);
      ck_assert_str_eq (ra, rb);
      ck_assert_str_eq (ra, rc);
      free (ra);
      free (rb);
      free (rc);
      fga_test_csv_free (&a[k]);
      fga_test_csv_free (&b[k]);
      fga_test_csv_free (&c[k]);
    }
  fga_test_tmpdir_remove (whole, sweep_files);
  fga_test_tmpdir_remove (cut, sweep_files);
  fga_test_tmpdir_remove (jobs, sweep_files);
}
END_TEST

/* A sweep without methods: cost.csv records the cells done, results.csv
   holds its header alone, and an interrupted run resumes to a whole one.  */
START_TEST (test_cost_only)
{
  fga_sweep_config cfg;
  cost_config (&cfg);
  cfg.nmethods = 0;
  char *whole = make_dir (), *cut = make_dir ();
  run_sweep (&cfg, whole, 1);
  run_sweep (&cfg, cut, 1);
  fga_test_csv t[4];
  read_files (t, cut, 4);
  ck_assert_uint_eq (t[0].nrows, 1);
  ck_assert_uint_eq (t[3].nrows, 1 + 4 * 2);
  /* the first cell's two rows, and a partial line */
  char path[4200];
  snprintf (path, sizeof path, "%s/cost.csv", cut);
  FILE *fp = fopen (path, "w");
  for (size_t r = 0; r < 3; r++)
    fprintf (fp, "%s\n", t[3].line[r]);
  fprintf (fp, "%.20s", t[3].line[3]);
  fclose (fp);
  for (int k = 0; k < 4; k++)
    fga_test_csv_free (&t[k]);
  run_sweep (&cfg, cut, 1);
  fga_test_csv a[4], b[4];
  read_files (a, whole, 4);
  read_files (b, cut, 4);
  for (int k = 0; k < 4; k++)
    {
      cut_fields (&a[k], k == 3 ? 2 : 0);
      cut_fields (&b[k], k == 3 ? 2 : 0);
      char *ra = fga_test_csv_text (&a[k], 0, 1), *rb = fga_test_csv_text (&b[k], 0, 1);
      ck_assert_str_eq (ra, rb);
      free (ra);
      free (rb);
      fga_test_csv_free (&a[k]);
      fga_test_csv_free (&b[k]);
    }
  /* nothing left to run: nothing changes */
  struct stat before, after;
  ck_assert_int_eq (stat (path, &before), 0);
  run_sweep (&cfg, cut, 1);
  ck_assert_int_eq (stat (path, &after), 0);
  ck_assert (before.st_size == after.st_size && before.st_mtime == after.st_mtime);
  fga_test_tmpdir_remove (whole, sweep_files);
  fga_test_tmpdir_remove (cut, sweep_files);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("sweep");
  TCase *tc = fga_test_tcase ("sweep", 120);
  tcase_add_test (tc, test_rows_and_values);
  tcase_add_test (tc, test_deterministic);
  tcase_add_test (tc, test_resume_partial);
  tcase_add_test (tc, test_method_max_n);
  tcase_add_test (tc, test_refused_and_foreign);
  tcase_add_test (tc, test_busy_folder);
  tcase_add_test (tc, test_config_in_outdir);
  tcase_add_test (tc, test_tsketch_jobs);
  tcase_add_test (tc, test_write_error);
  tcase_add_test (tc, test_progress_work);
  tcase_add_test (tc, test_progress_steps);
  suite_add_tcase (s, tc);
  /* the theorem's statement: laws, entry laws, censored values, cost */
  TCase *tt = fga_test_tcase ("theorem", 45);
  tcase_add_test (tt, test_laws_dists);
  tcase_add_test (tt, test_censored);
  tcase_add_test (tt, test_cost);
  tcase_add_test (tt, test_cost_resume_jobs);
  tcase_add_test (tt, test_cost_only);
  suite_add_tcase (s, tt);
  return fga_test_run_suite (s);
}
