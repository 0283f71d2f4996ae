/* cli_bench_poly -- fgattn bench poly: time and memory of method poly against n, and the crossover

   The settings: nq = nk = n from 2^10 to 2^18, d = dv = 4, entries
   uniform in [-B, B] with B = 1 (fga_instance_generate), tau = 1/d,
   poly:basis=cheb,eps=1e-6 (R from the data; --eps 1/n takes eps = 1/n at
   each n).  First the machine's yardstick, a square cblas_dgemm; then for
   each n: poly's prepare time (once) and its runs, its peak bytes and the
   process's peak RSS, its rate on its counted operations as a fraction of
   the yardstick's, and the fastest exact kernels (fga_attention_stream and
   fga_attention_blas) beside it, not run where one run would take more
   than the limit and then extrapolated from the largest measured n by n^2,
   in a column of its own.  Then the least-squares exponent of time in n
   and the crossover n.  It prints figures and never fails on speed.  */

#include <config.h>

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fgattn.h"
#include "bench_poly.h"
#include "bench_util.h"

#define MIB (1024.0 * 1024.0)
#define MAXPTS 32

static const char spec_head[] = "poly:basis=cheb,eps=";

static void
usage (FILE *out)
{
  fprintf (out,
           "usage: fgattn bench poly [--quick] [--min-log2n K] [--max-log2n K] [-d D]\n"
           "                         [-B B] [--eps E|1/n] [--exact-limit S] [--seed S]\n"
           "                         [--dgemm-n N] [-w N] [-r N]\n"
           "                         [--format table|csv|json] [--export-csv FILE]\n"
           "                         [--export-json FILE] [-q]\n"
           "\n"
           "Time and memory of the polynomial method (%sE, R from\n"
           "the data) against n, for nq = nk = n, d = dv = D, entries uniform in\n"
           "[-B, B], tau = 1/d, beside the fastest exact kernels (exact:algo=stream\n"
           "and blas).  Rows, per n and kernel: warmup and runs (the runs made),\n"
           "seconds_median, seconds_min, seconds_max of the counted runs; gflops:\n"
           "the run's counted operations (mul, add, exp, div, cmp, as fgattn run\n"
           "prints them) per median second, in 1e9/s, and of_dgemm: that rate over\n"
           "the rate of a square N x N cblas_dgemm (C = A B^T, 2 N^3 operations)\n"
           "measured first, in the same run (dgemm_gflops in the summary); for\n"
           "poly its prepare seconds (made once), total_seconds = prepare + median,\n"
           "its peak MiB, g, r and R, poly_over_exact = total_seconds over the\n"
           "faster exact kernel's, and max_abs = max |T_poly - T_exact| where exact\n"
           "ran.\n"
           "An exact kernel is not run where one run would take more than S\n"
           "seconds (predicted by n^2 from the largest n it ran at): its row has\n"
           "status 'extrapolated' and that prediction in seconds_extrapolated.\n"
           "Summary: the least-squares exponent of poly's time in n (log t on\n"
           "log n), and the crossover: the least n from which poly is faster at\n"
           "every larger n measured, and its log-log interpolation.\n"
           "\n"
           "  --quick             n up to 2^16\n"
           "  --min-log2n K       n from 2^K (default 10)\n"
           "  --max-log2n K       n up to 2^K (default 18; at most 24)\n"
           "  -d D                d = dv = D (default 4)\n"
           "  -B B                entry bound of Q, K and V (default 1)\n"
           "  --eps E|1/n         poly's eps (default 1e-6); 1/n: eps = 1/n at each n\n"
           "  --dgemm-n N         size of the square DGEMM (default 2048; 0: none)\n"
           "  --exact-limit S     seconds one exact run may take (default 60)\n"
           "  --seed S            seed of the instances (default 1)\n"
           "%s"
           "\n"
           "example: fgattn bench poly --quick\n", spec_head, bench_common_help);
}

enum { POLY, STREAM, BLAS, NKERNELS };
static const char *const kernel_name[NKERNELS] = { "poly", "stream", "blas" };

enum { R_N, R_KERNEL, R_STATUS, R_WARMUP, R_RUNS, R_MED, R_MIN, R_MAX, R_GFLOPS, R_OF_DGEMM,
       R_PREP, R_TOTAL, R_EXTRAP, R_PEAK, R_RSS, R_G, R_R, R_RR, R_RATIO, R_MAXABS, R_NOTE, NROW };
static const bench_col row_cols[NROW] = {
  { "n", NULL }, { "kernel", NULL }, { "status", NULL }, { "warmup", NULL }, { "runs", NULL },
  { "seconds_median", "%.4g" }, { "seconds_min", "%.4g" }, { "seconds_max", "%.4g" },
  { "gflops", "%.2f" }, { "of_dgemm", "%.2f" },
  { "prep_seconds", "%.4g" }, { "total_seconds", "%.4g" }, { "seconds_extrapolated", "%.4g" },
  { "peak_mib", "%.2f" }, { "rss_mib", "%.1f" }, { "g", NULL }, { "r", NULL }, { "R", "%.4g" },
  { "poly_over_exact", "%.3g" }, { "max_abs", "%.3g" }, { "note", NULL }
};

enum { S_METHOD = BENCH_NENV, S_D, S_B, S_SEED, S_DATA, S_TAU, S_LIMIT, S_DGEMM_N,
       S_DGEMM_GFLOPS, S_EXP_TOTAL, S_EXP_RUN, S_EXP_UPPER, S_POINTS, S_CROSS, S_CROSS_INTERP,
       NSUM };
static const bench_col sum_cols[NSUM] = {
  BENCH_ENV_COLS, { "method", NULL }, { "d", NULL }, { "B", "%g" }, { "seed", NULL },
  { "data", NULL }, { "tau", NULL }, { "exact_limit_s", "%g" }, { "dgemm_n", NULL },
  { "dgemm_gflops", "%.2f" },
  { "fit_exponent_total", "%.3f" }, { "fit_exponent_run", "%.3f" },
  { "fit_exponent_upper_half", "%.3f" }, { "fit_points", NULL }, { "crossover_n", NULL },
  { "crossover_n_interpolated", "%.0f" }
};

static const char legend[] =
  "times in seconds (median, least, largest of the counted runs); gflops: counted\n"
  "operations per median second (1e9/s); of_dgemm: over the square DGEMM's rate;\n"
  "total_seconds:\n"
  "prep_seconds + seconds_median; seconds_extrapolated: an exact kernel not run,\n"
  "predicted by n^2; the crossover compares total_seconds with the faster exact\n"
  "kernel's median or extrapolated time\n";

typedef struct
{
  long lo, hi, seed;
  size_t d, dgemm_n;
  double B, limit;
  double eps;                   /* poly's eps; 0: 1/n */
  double dgemm_gflops;          /* the yardstick's rate, NAN without it */
  bench_opts o;
  bench_report rep;
  bench_progress pr;
  double last_n[NKERNELS], last_t[NKERNELS];    /* the largest n each exact kernel ran at */
  int failed;
} poly_t;

/* One n: poly's figures and the exact kernels' times (median, or
   extrapolated), NAN where missing.  */
typedef struct
{
  size_t n;
  double total, run, exact[NKERNELS];
} point_t;

/* What a run needs: the instance, the output, and poly's method.  */
typedef struct
{
  int kernel;
  fga_instance_srcptr inst;
  fga_mat_ptr T;
  fga_method m;
  fga_stats st;                 /* of the last run */
} run_ctx;

static int
run_one (void *ctx, double *seconds, fga_error *err)
{
  run_ctx *c = ctx;
  fga_instance_srcptr in = c->inst;
  double tau = 1.0 / (double) in->Q->cols;
  fga_error_init (err);
  fga_stats_init (&c->st);
  if (c->kernel == POLY)
    {
      int rc = fga_method_run (c->m, c->T, NULL, in->Q, in->K, in->V, &c->st, err);
      *seconds = c->st.wall_seconds;
      return rc;
    }
  double t = fga_wall_time ();
  int rc = c->kernel == STREAM
    ? fga_attention_stream (c->T, NULL, in->Q, in->K, in->V, tau, 0, &c->st, err)
    : fga_attention_blas (c->T, NULL, in->Q, in->K, in->V, tau, 0, &c->st, err);
  *seconds = fga_wall_time () - t;
  return rc;
}

/* Predicted seconds of one run, from rough rates (poly at d = 4 runs some
   4e-7 s per row): only the progress line's ETA and the decision to
   extrapolate depend on them, the latter from measured times.  */
static double
predicted_run (const poly_t *p, int kernel, size_t n)
{
  double nn = (double) n;
  if (kernel == POLY)
    return 1e-7 * nn * (double) p->d;
  return nn * nn * (4.0 * (double) p->d + 20) / 6e9;
}

/* The weight of a measurement in the progress line: none for an exact
   kernel predicted over the limit, which will be extrapolated.  */
static double
planned_weight (const poly_t *p, int kernel, size_t n)
{
  double t = predicted_run (p, kernel, n);
  return kernel != POLY && t > p->limit ? 0 : bench_predicted (&p->o, t);
}

/* The time an exact kernel would take at n, by n^2 from the largest n it
   ran at; 0 before it ran.  */
static double
extrapolated (const poly_t *p, int kernel, size_t n)
{
  if (!(p->last_n[kernel] > 0))
    return 0;
  return p->last_t[kernel] * pow ((double) n / p->last_n[kernel], 2);
}

static void
row_head (poly_t *p, size_t n, int kernel, const char *status)
{
  cli_table_t *t = &p->rep.rows;
  cli_table_new_row (t);
  bench_set_size (t, R_N, n);
  bench_set_text (t, R_KERNEL, kernel_name[kernel]);
  bench_set_text (t, R_STATUS, status);
}

/* Measures c->kernel at n: its row; the median (NAN on failure) in *med. */
static int
measure (poly_t *p, run_ctx *c, size_t n, double *med, bench_sample *s)
{
  char label[64];
  fga_error err;
  snprintf (label, sizeof label, "%s n=%zu", kernel_name[c->kernel], n);
  p->pr.weight = planned_weight (p, c->kernel, n);
  if (c->kernel != POLY)
    bench_reset_peak_rss ();
  int rc = bench_sample_runs (s, &p->o, &p->pr, label, run_one, c, &err);
  double rss = bench_peak_rss ();
  bench_progress_next (&p->pr, label);
  *med = rc == FGA_OK ? s->median : NAN;
  row_head (p, n, c->kernel, rc == FGA_OK ? "ok" : "failed");
  cli_table_t *t = &p->rep.rows;
  if (rc != FGA_OK)
    {
      p->failed++;
      bench_set_text (t, R_NOTE, err.msg);
      return rc;
    }
  bench_set_sample (t, R_WARMUP, s);
  const fga_stats *st = &c->st;
  double gf = (double) (st->n_mul + st->n_add + st->n_exp + st->n_div + st->n_cmp) / s->median
    / 1e9;
  bench_set (t, R_GFLOPS, gf);
  if (!isnan (p->dgemm_gflops))
    bench_set (t, R_OF_DGEMM, gf / p->dgemm_gflops);
  bench_set (t, R_PEAK, (double) c->st.peak_bytes / MIB);
  bench_set (t, R_RSS, rss / MIB);
  return rc;
}

/* poly's spec at n: eps given, or 1/n (printed so that it reads back as
   the same double).  */
static void
poly_spec (char *buf, size_t size, const poly_t *p, size_t n)
{
  double eps = p->eps > 0 ? p->eps : 1.0 / (double) n;
  snprintf (buf, size, "%s%.17g", spec_head, eps);
}

/* poly at n: prepare once (timed), then its runs; fills pt.  */
static void
measure_poly (poly_t *p, point_t *pt, fga_instance_srcptr inst, fga_mat_ptr T)
{
  fga_error err;
  fga_error_init (&err);
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_problem prob;
  fga_problem_from_instance (&prob, inst, &tau);
  bench_reset_peak_rss ();
  char spec[96];
  poly_spec (spec, sizeof spec, p, pt->n);
  double t0 = fga_wall_time ();
  run_ctx c = { .kernel = POLY, .inst = inst, .T = T, .m = fga_method_create (spec, &err) };
  int rc = c.m == NULL ? err.code : fga_method_prepare (c.m, &prob, &err);
  double prep = fga_wall_time () - t0;
  bench_sample s;
  if (rc != FGA_OK)
    {
      p->pr.weight = planned_weight (p, POLY, pt->n);
      bench_progress_next (&p->pr, "poly");
      p->failed++;
      row_head (p, pt->n, POLY, "failed");
      bench_set_text (&p->rep.rows, R_NOTE, err.msg);
    }
  else if (measure (p, &c, pt->n, &pt->run, &s) == FGA_OK)
    {
      cli_table_t *t = &p->rep.rows;
      pt->total = prep + pt->run;
      bench_set (t, R_PREP, prep);
      bench_set (t, R_TOTAL, pt->total);
      bench_set (t, R_G, fga_stats_get (&c.st, "g"));
      bench_set (t, R_R, fga_stats_get (&c.st, "r"));
      bench_set (t, R_RR, fga_stats_get (&c.st, "R_used"));
    }
  fga_method_destroy (c.m);
}

/* The yardstick: C = A B^T, square n x n, as fgattn bench exact measures it. */
typedef struct
{
  size_t n;
  double *A, *B, *C;
} dgemm_ctx;

static int
run_dgemm (void *ctx, double *seconds, fga_error *err)
{
  dgemm_ctx *c = ctx;
  const int n = (int) c->n;
  fga_error_init (err);
  double t = fga_wall_time ();
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0, c->A, n, c->B, n, 0.0,
               c->C, n);
  *seconds = fga_wall_time () - t;
  return FGA_OK;
}

static void
square_dgemm (poly_t *p)
{
  p->dgemm_gflops = NAN;
  if (p->dgemm_n == 0)
    return;
  const size_t n = p->dgemm_n, nn = n * n;
  dgemm_ctx c = { n, malloc (nn * sizeof (double)), malloc (nn * sizeof (double)),
                  malloc (nn * sizeof (double)) };
  fga_error err;
  bench_sample s;
  p->pr.weight = bench_predicted (&p->o, 2.0 * (double) nn * (double) n / 5e10);
  int rc = FGA_ERR_NOMEM;
  if (c.A != NULL && c.B != NULL && c.C != NULL)
    {
      /* entries in [-1, 1), any values do: the time does not depend on them */
      for (size_t k = 0; k < nn; k++)
        {
          c.A[k] = (double) (k % 2003) / 1001.5 - 1;
          c.B[k] = (double) (k % 1999) / 999.5 - 1;
        }
      rc = bench_sample_runs (&s, &p->o, &p->pr, "dgemm", run_dgemm, &c, &err);
    }
  else
    snprintf (err.msg, sizeof err.msg, "no memory for the %zu x %zu DGEMM", n, n);
  bench_progress_next (&p->pr, "dgemm");
  if (rc == FGA_OK)
    p->dgemm_gflops = 2.0 * (double) nn * (double) n / s.median / 1e9;
  else
    {
      /* no rate to compare with: the rows leave of_dgemm empty */
      p->failed++;
      fprintf (stderr, "fgattn bench poly: the %zu x %zu DGEMM failed: %s\n", n, n, err.msg);
    }
  free (c.A);
  free (c.B);
  free (c.C);
}

static double
max_abs_diff (fga_mat_srcptr A, fga_mat_srcptr B)
{
  double m = 0;
  for (size_t k = 0; k < A->rows * A->cols; k++)
    {
      double e = fabs (A->data[k] - B->data[k]);
      if (!(e <= m))
        m = e;
    }
  return m;
}

/* An exact kernel at n, or its extrapolation; *diff gets the largest
   |T_poly - T_exact| of the kernels that ran (Tp: poly's output, NULL if
   poly failed).  */
static void
measure_exact (poly_t *p, point_t *pt, int kernel, fga_instance_srcptr inst, fga_mat_ptr Te,
               fga_mat_srcptr Tp, double *diff)
{
  double pred = extrapolated (p, kernel, pt->n);
  if (pred > p->limit)
    {
      char note[96];
      p->pr.weight = planned_weight (p, kernel, pt->n);
      bench_progress_next (&p->pr, kernel_name[kernel]);
      row_head (p, pt->n, kernel, "extrapolated");
      bench_set (&p->rep.rows, R_EXTRAP, pred);
      snprintf (note, sizeof note, "one run predicted over %g s", p->limit);
      bench_set_text (&p->rep.rows, R_NOTE, note);
      pt->exact[kernel] = pred;
      return;
    }
  run_ctx c = { .kernel = kernel, .inst = inst, .T = Te };
  bench_sample s;
  if (measure (p, &c, pt->n, &pt->exact[kernel], &s) != FGA_OK)
    return;
  bench_set (&p->rep.rows, R_TOTAL, s.median);
  p->last_n[kernel] = (double) pt->n;
  p->last_t[kernel] = s.median;
  if (Tp != NULL)
    {
      double e = max_abs_diff (Tp, Te);
      *diff = isnan (*diff) || e > *diff ? e : *diff;
    }
}

/* The poly row of point pt (row index `row') gets its ratio and error.  */
static void
poly_row_tail (poly_t *p, size_t row, const point_t *pt, double diff)
{
  double ex = fmin (pt->exact[STREAM], pt->exact[BLAS]);
  if (isnan (pt->total))
    return;
  if (!isnan (ex))
    bench_set_at (&p->rep.rows, row, R_RATIO, pt->total / ex);
  if (!isnan (diff))
    bench_set_at (&p->rep.rows, row, R_MAXABS, diff);
}

/* Every measurement at n = 2^e.  */
static void
one_size (poly_t *p, point_t *pt)
{
  fga_instance_t inst;
  fga_mat_t Tp, Te;
  fga_error err;
  pt->total = pt->run = pt->exact[STREAM] = pt->exact[BLAS] = NAN;
  fga_instance_init (inst);
  memset (Tp, 0, sizeof Tp);
  memset (Te, 0, sizeof Te);
  size_t n = pt->n;
  if (fga_instance_generate (inst, n, n, p->d, p->d, p->B, p->B, FGA_DIST_UNIFORM,
                             (unsigned long) p->seed, &err) != FGA_OK
      || fga_mat_init (Tp, n, p->d, &err) != FGA_OK || fga_mat_init (Te, n, p->d, &err) != FGA_OK)
    {
      for (int k = 0; k < NKERNELS; k++)
        {
          bench_progress_next (&p->pr, kernel_name[k]);
          p->failed++;
          row_head (p, n, k, "failed");
          bench_set_text (&p->rep.rows, R_NOTE, err.msg);
        }
    }
  else
    {
      size_t row = p->rep.rows.nrows;
      double diff = NAN;
      measure_poly (p, pt, inst, Tp);
      for (int k = STREAM; k <= BLAS; k++)
        measure_exact (p, pt, k, inst, Te, isnan (pt->total) ? NULL : Tp, &diff);
      poly_row_tail (p, row, pt, diff);
    }
  fga_mat_clear (Tp);
  fga_mat_clear (Te);
  fga_instance_clear (inst);
}

/* The exponent of the power law fga_fit_power fits to the points with
   y > 0 (a time too short to measure is skipped); NaN when it refuses.  */
static double
fit_exponent (const double *x, const double *y, size_t n)
{
  fga_fit fit;
  fga_fit_power (&fit, x, y, n, FGA_FIT_SKIP, NULL);
  return fit.exponent;
}

/* The fits and the crossover: the least n from which poly is faster than
   the faster exact kernel at every larger n measured, and between it and
   the n before, where the log of the ratio crosses 0.  */
static void
summarize (poly_t *p, const point_t *pts, size_t npts)
{
  cli_table_t *t = &p->rep.summary;
  double x[MAXPTS], yt[MAXPTS], yr[MAXPTS];
  size_t m = 0;
  for (size_t k = 0; k < npts; k++)
    if (!isnan (pts[k].total))
      {
        x[m] = (double) pts[k].n;
        yt[m] = pts[k].total;
        yr[m] = pts[k].run;
        m++;
      }
  bench_set (t, S_EXP_TOTAL, fit_exponent (x, yt, m));
  bench_set (t, S_EXP_RUN, fit_exponent (x, yr, m));
  if (m >= 4)
    bench_set (t, S_EXP_UPPER, fit_exponent (x + m / 2, yt + m / 2, m - m / 2));
  bench_set_size (t, S_POINTS, m);
  size_t from = npts;
  for (size_t k = npts; k-- > 0;)
    if (pts[k].total < fmin (pts[k].exact[STREAM], pts[k].exact[BLAS]))
      from = k;
    else
      break;
  if (from == npts)
    return;
  bench_set_size (t, S_CROSS, pts[from].n);
  if (from == 0)
    return;
  const point_t *a = &pts[from - 1], *b = &pts[from];
  double ra = log (a->total / fmin (a->exact[STREAM], a->exact[BLAS]));
  double rb = log (b->total / fmin (b->exact[STREAM], b->exact[BLAS]));
  double la = log ((double) a->n), lb = log ((double) b->n);
  if (isfinite (ra) && isfinite (rb))
    bench_set (t, S_CROSS_INTERP, exp (la + (lb - la) * ra / (ra - rb)));
}

static int
poly_parse (poly_t *p, int argc, char **argv)
{
  enum { OPT_QUICK = BENCH_OPT_FIRST_FREE, OPT_MAX, OPT_MIN, OPT_LIMIT, OPT_SEED, OPT_EPS,
         OPT_DGEMM_N };
  static const struct option opts[] = {
    { "quick", no_argument, NULL, OPT_QUICK },
    { "max-log2n", required_argument, NULL, OPT_MAX },
    { "min-log2n", required_argument, NULL, OPT_MIN },
    { "exact-limit", required_argument, NULL, OPT_LIMIT },
    { "seed", required_argument, NULL, OPT_SEED },
    { "eps", required_argument, NULL, OPT_EPS },
    { "dgemm-n", required_argument, NULL, OPT_DGEMM_N },
    BENCH_LONG_OPTIONS,
    { NULL, 0, NULL, 0 }
  };
  int c, quick = 0, hi_given = 0;
  optind = 1;
  while ((c = cli_getopt (argc, argv, "d:B:" BENCH_SHORT_OPTIONS, opts)) != -1)
    {
      int rc = CLI_OK;
      if (bench_common_option (&p->o, c, optarg, &rc))
        ;
      else if (c == 'd')
        rc = cli_parse_size (&p->d, optarg, "-d", 1, 64);
      else if (c == 'B')
        rc = cli_parse_real (&p->B, optarg, "-B", 0, 1e6, FGA_PARSE_OPEN_MIN);
      else if (c == OPT_QUICK)
        quick = 1;
      else if (c == OPT_MAX)
        {
          rc = cli_parse_long (&p->hi, optarg, "--max-log2n", 1, 24);
          hi_given = 1;
        }
      else if (c == OPT_MIN)
        rc = cli_parse_long (&p->lo, optarg, "--min-log2n", 1, 24);
      else if (c == OPT_LIMIT)
        rc = cli_parse_real (&p->limit, optarg, "--exact-limit", 0, INFINITY, 0);
      else if (c == OPT_SEED)
        rc = cli_parse_long (&p->seed, optarg, "--seed", 0, 1L << 62);
      else if (c == OPT_EPS)
        {
          if (strcmp (optarg, "1/n") == 0)
            p->eps = 0;
          else
            rc = cli_parse_real (&p->eps, optarg, "--eps", 1e-300, 1e300, 0);
        }
      else if (c == OPT_DGEMM_N)
        rc = cli_parse_size (&p->dgemm_n, optarg, "--dgemm-n", 0, 16384);
      if (rc != CLI_OK || p->o.help)
        return rc;
    }
  if (quick && !hi_given)
    p->hi = 16;
  if (p->lo > p->hi)
    return cli_usage_error ("--min-log2n %ld is above --max-log2n %ld", p->lo, p->hi);
  /* the largest instance and its two outputs, before any work */
  char what[96];
  snprintf (what, sizeof what, "--max-log2n %ld -d %zu: the instance (Q, K, V) and two outputs",
            p->hi, p->d);
  double dg = (double) p->dgemm_n;
  int rc = cli_check_memory (fmax (40.0 * (double) ((size_t) 1 << p->hi) * (double) p->d,
                                   24 * dg * dg), what);
  return rc != CLI_OK ? rc : bench_opts_check (&p->o, argc, argv);
}

static void
fill_summary (poly_t *p)
{
  cli_table_t *t = &p->rep.summary;
  char data[64];
  char spec[96];
  if (p->eps > 0)
    poly_spec (spec, sizeof spec, p, 1);
  else
    snprintf (spec, sizeof spec, "%s1/n", spec_head);
  bench_set_text (t, S_METHOD, spec);
  bench_set_size (t, S_D, p->d);
  bench_set (t, S_B, p->B);
  bench_set_size (t, S_SEED, (size_t) p->seed);
  snprintf (data, sizeof data, "Q, K, V uniform in [-%g, %g]", p->B, p->B);
  bench_set_text (t, S_DATA, data);
  bench_set_text (t, S_TAU, "1/d");
  bench_set (t, S_LIMIT, p->limit);
  bench_set_size (t, S_DGEMM_N, p->dgemm_n);
  if (!isnan (p->dgemm_gflops))
    bench_set (t, S_DGEMM_GFLOPS, p->dgemm_gflops);
}

int
cli_bench_poly (int argc, char **argv)
{
  poly_t p;
  memset (&p, 0, sizeof p);
  p.lo = 10;
  p.hi = 18;
  p.seed = 1;
  p.d = 4;
  p.B = 1;
  p.limit = 60;
  p.eps = 1e-6;
  p.dgemm_n = 2048;
  bench_opts_init (&p.o, usage);
  int rc = poly_parse (&p, argc, argv);
  if (rc != CLI_OK || p.o.help)
    return rc;
  double work = 0;
  for (long e = p.lo; e <= p.hi; e++)
    for (int k = 0; k < NKERNELS; k++)
      work += planned_weight (&p, k, (size_t) 1 << e);
  bench_report_init (&p.rep, "poly", sum_cols, NSUM, row_cols, NROW);
  p.rep.legend = legend;
  if (p.dgemm_n > 0)
    work += bench_predicted (&p.o, 2.0 * pow ((double) p.dgemm_n, 3) / 5e10);
  bench_progress_init (&p.pr, cli_command, p.o.quiet,
                       (size_t) (p.hi - p.lo + 1) * NKERNELS + (p.dgemm_n > 0), work);
  square_dgemm (&p);
  point_t pts[MAXPTS];
  size_t npts = 0;
  for (long e = p.lo; e <= p.hi && npts < MAXPTS; e++)
    {
      pts[npts].n = (size_t) 1 << e;
      one_size (&p, &pts[npts++]);
    }
  bench_progress_end (&p.pr);
  fill_summary (&p);
  summarize (&p, pts, npts);
  return bench_finish (&p.rep, &p.o, p.failed);
}
