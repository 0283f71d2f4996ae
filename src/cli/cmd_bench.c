/* cli_bench -- fgattn bench: the benchmarks, and the exact kernels' own (never fails on speed) */

#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "fgattn.h"
#include "cli.h"
#include "cmd_bench.h"
#include "bench/bench_util.h"
#include "bench/bench_poly.h"
#include "bench/bench_lowrank.h"
#include "bench/bench_rank.h"

#define MIB (1024.0 * 1024.0)
#define MAXLIST 16
/* naive is skipped where one run would take longer than this */
#define NAIVE_LIMIT 60.0
/* the dgemm of Q K^T alone holds the n x n scores: 128 MiB at 4096 */
#define DGEMM_MAX_N 4096
/* the ground truth's case: small, since MPFR is some 10^4 times slower */
#define TRUTH_N 64
#define TRUTH_D 16
#define TRUTH_PREC 128

static void
overview (FILE *out)
{
  fprintf (out,
           "usage: fgattn bench BENCHMARK [OPTIONS]\n"
           "\n"
           "Performance figures of fgattn on this machine.  It prints figures and\n"
           "never fails on speed.  The benchmarks:\n"
           "  exact    the exact kernels in double against the machine's DGEMM\n"
           "           rate, and the certified ground truth's speed\n"
           "           (fgattn bench exact --help)\n"
           "  poly     the polynomial method against n, and the n from which it\n"
           "           is faster than exact attention (fgattn bench poly --help)\n"
           "  lowrank  the approximate methods' time, memory and error\n"
           "           (fgattn bench lowrank --help)\n"
           "  rank     the randomized numerical rank of P at wide n\n"
           "           (fgattn bench rank --help)\n"
           "\n"
           "Each measurement makes warm-up runs that are not counted, then\n"
           "counted runs, whose median, least and largest wall times are\n"
           "reported (and the count of each).  The summary names the BLAS in\n"
           "use: the library's own description (OpenBLAS: its version, build and\n"
           "the core whose kernels it chose, blas_core, which OPENBLAS_CORETYPE\n"
           "overrides), the file it was loaded from and its threads.  A progress\n"
           "line goes to stderr.  Options of every benchmark:\n"
           "\n"
           "%s"
           "\n"
           "example: fgattn bench exact --quick\n", bench_common_help);
}

static void
usage (FILE *out)
{
  fprintf (out,
           "usage: fgattn bench exact [-n LIST] [-d LIST] [--quick] [--dgemm-n N]\n"
           "                          [-w N] [-r N] [--format table|csv|json]\n"
           "                          [--export-csv FILE] [--export-json FILE] [-q]\n"
           "\n"
           "Wall times of exact attention in double, nq = nk = n, dv = d,\n"
           "tau = 1/d, entries uniform in [-1, 1], one row per kernel and size:\n"
           "  dgemm    the machine's yardstick: cblas_dgemm of C = A B^T, square\n"
           "           N x N (--dgemm-n), and Q K^T alone for every n <= %d;\n"
           "  naive, stream, blas   exact:algo=naive|stream|blas for every n and d\n"
           "           of the lists (naive skipped where one run would take more\n"
           "           than %.0f s, predicted by n^2 from the first n it ran at,\n"
           "           or before that from a rate of 1 GFLOP/s);\n"
           "  mpfr     the certified ground truth (exact:algo=mpfr, %d bits) at\n"
           "           n = %d, d = %d.\n"
           "Columns: warmup and runs (the runs made; the times are of the counted\n"
           "ones), seconds_median, seconds_min, seconds_max; gflops = 2 n^2 d\n"
           "(dgemm) or 4 n^2 d (attention) per run over the median time;\n"
           "of_dgemm = gflops over the square DGEMM's; entries_per_s = n d over\n"
           "the median time; peak_mib = the kernel's own scratch; rss_mib = the\n"
           "process's peak resident set during the measurement.\n"
           "\n"
           "  -n LIST             sizes n, comma-separated (default 1024,4096,16384)\n"
           "  -d LIST             dimensions d (default 16,64)\n"
           "  --quick             n = 1024,4096 (unless -n is given)\n"
           "  --dgemm-n N         size of the square DGEMM (default 2048; 0: none)\n"
           "%s"
           "\n"
           "example: fgattn bench exact --quick --format json\n", DGEMM_MAX_N, NAIVE_LIMIT,
           TRUTH_PREC, TRUTH_N, TRUTH_D, bench_common_help);
}

/* ---- the kernels ------------------------------------------------------- */

enum { DGEMM, NAIVE, STREAM, BLAS, MPFR, NKERNELS };
static const char *const kernel_name[NKERNELS] = { "dgemm", "naive", "stream", "blas", "mpfr" };

/* One instance and what a run of one kernel on it needs and leaves.  */
typedef struct
{
  int kernel;
  size_t n, d;
  fga_mat_t Q, K, V, T;
  double *C;                    /* dgemm: the n x n product */
  fga_stats st;                 /* of the last run */
  fga_truth_info info;          /* mpfr: of the last run */
} instance_t;

/* Entries uniform in [-1, 1] from xorshift64*: fast and independent of the
   library's generator, which is not what is measured here.  */
static void
fill (fga_mat_ptr M, uint64_t *state)
{
  uint64_t x = *state;
  for (size_t k = 0; k < M->rows * M->cols; k++)
    {
      x ^= x >> 12;
      x ^= x << 25;
      x ^= x >> 27;
      M->data[k] = 2 * ((double) ((x * 2685821657736338717ULL) >> 11) * 0x1p-53) - 1;
    }
  *state = x;
}

static void
instance_clear (instance_t *in)
{
  fga_mat_clear (in->Q);
  fga_mat_clear (in->K);
  fga_mat_clear (in->V);
  fga_mat_clear (in->T);
  free (in->C);
  in->C = NULL;
}

/* Q, K, V, T of n x d, and C of n x n when with_c.  A library status.  */
static int
instance_init (instance_t *in, size_t n, size_t d, int with_c, fga_error *err)
{
  memset (in, 0, sizeof *in);
  in->n = n;
  in->d = d;
  uint64_t state = 0x9E3779B97F4A7C15ULL ^ (n * 1000003 + d);
  int rc = fga_mat_init (in->Q, n, d, err);
  if (rc == FGA_OK)
    rc = fga_mat_init (in->K, n, d, err);
  if (rc == FGA_OK)
    rc = fga_mat_init (in->V, n, d, err);
  if (rc == FGA_OK)
    rc = fga_mat_init (in->T, n, d, err);
  if (rc == FGA_OK && with_c && (in->C = malloc (n * n * sizeof (double))) == NULL)
    {
      rc = err->code = FGA_ERR_NOMEM;
      snprintf (err->msg, sizeof err->msg, "n = %zu: no memory for the %zu x %zu product", n,
                n, n);
    }
  if (rc != FGA_OK)
    {
      instance_clear (in);
      return rc;
    }
  fill (in->Q, &state);
  fill (in->K, &state);
  fill (in->V, &state);
  return FGA_OK;
}

static int
run_kernel (void *ctx, double *seconds, fga_error *err)
{
  instance_t *in = ctx;
  const double tau = 1.0 / (double) in->d;
  const int n = (int) in->n, d = (int) in->d;
  fga_tau ftau = { FGA_TAU_INV_D, 0 };
  fga_truth_opts topts = { TRUTH_PREC, 8192 };
  int rc = FGA_OK;
  fga_stats_init (&in->st);
  fga_error_init (err);
  double t = fga_wall_time ();
  switch (in->kernel)
    {
    case DGEMM:
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, n, d, 1.0, in->Q->data, d,
                   in->K->data, d, 0.0, in->C, n);
      break;
    case NAIVE:
      rc = fga_attention_naive (in->T, NULL, in->Q, in->K, in->V, tau, &in->st, err);
      break;
    case STREAM:
      rc = fga_attention_stream (in->T, NULL, in->Q, in->K, in->V, tau, 0, &in->st, err);
      break;
    case BLAS:
      rc = fga_attention_blas (in->T, NULL, in->Q, in->K, in->V, tau, 0, &in->st, err);
      break;
    default:
      rc = fga_truth (in->T, NULL, NULL, NULL, in->Q, in->K, in->V, &ftau, &topts, &in->info,
                      &in->st, err);
      break;
    }
  *seconds = fga_wall_time () - t;
  return rc;
}

/* Predicted seconds of one run, from rough rates of a 2-core machine:
   only the progress line's ETA depends on them.  */
static double
predicted_run (int kernel, size_t n, size_t d)
{
  double n2 = (double) n * (double) n, dd = (double) d;
  switch (kernel)
    {
    case DGEMM:
      return 2 * n2 * dd / 20e9;
    case NAIVE:
      return n2 * (4 * dd + 20) / 1e9;
    case MPFR:
      return n2 * dd * 2.5e-7;
    default:
      return n2 * (4 * dd + 20) / 6e9;
    }
}

/* ---- the report ---------------------------------------------------------- */

enum { R_KERNEL, R_N, R_D, R_STATUS, R_WARMUP, R_RUNS, R_MED, R_MIN, R_MAX, R_GFLOPS,
       R_OF_DGEMM, R_ENTRIES, R_PEAK, R_RSS, R_NOTE, NROW };
static const bench_col row_cols[NROW] = {
  { "kernel", NULL }, { "n", NULL }, { "d", NULL }, { "status", NULL }, { "warmup", NULL },
  { "runs", NULL }, { "seconds_median", "%.4g" }, { "seconds_min", "%.4g" },
  { "seconds_max", "%.4g" }, { "gflops", "%.2f" }, { "of_dgemm", "%.2f" },
  { "entries_per_s", "%.4g" }, { "peak_mib", "%.2f" }, { "rss_mib", "%.1f" }, { "note", NULL }
};

enum { S_DATA = BENCH_NENV, S_TAU, S_DGEMM_N, S_DGEMM_GFLOPS, S_NAIVE_LIMIT, S_RSS, NSUM };
static const bench_col sum_cols[NSUM] = {
  BENCH_ENV_COLS, { "data", NULL }, { "tau", NULL }, { "dgemm_n", NULL },
  { "dgemm_gflops", "%.2f" }, { "naive_limit_s", "%g" }, { "rss", NULL }
};

static const char legend[] =
  "times in seconds (median, least, largest of the counted runs); gflops:\n"
  "2 n^2 d (dgemm) or 4 n^2 d (attention) per run over the median time;\n"
  "of_dgemm: over the square DGEMM's rate; peak_mib: the kernel's scratch;\n"
  "rss_mib: the process's peak resident set (see rss above)\n";

typedef struct
{
  size_t ns[MAXLIST], ds[MAXLIST], nn, nd, dgemm_n;
  int quick;
  bench_opts o;
  bench_report rep;
  bench_progress pr;
  double dgemm_gflops;          /* the square DGEMM's, NAN without it */
  int failed;                   /* measurements that failed */
} exact_t;

/* A row for kernel at (n, d) that was not measured: why in the note.  */
static void
row_not_run (exact_t *x, int kernel, size_t n, size_t d, const char *status, const char *why)
{
  cli_table_t *t = &x->rep.rows;
  cli_table_new_row (t);
  bench_set_text (t, R_KERNEL, kernel_name[kernel]);
  bench_set_size (t, R_N, n);
  bench_set_size (t, R_D, d);
  bench_set_text (t, R_STATUS, status);
  bench_set_text (t, R_NOTE, why);
}

static void
row_measured (exact_t *x, const instance_t *in, const bench_sample *s, double rss,
              const char *note)
{
  cli_table_t *t = &x->rep.rows;
  double n = (double) in->n, d = (double) in->d;
  cli_table_new_row (t);
  bench_set_text (t, R_KERNEL, kernel_name[in->kernel]);
  bench_set_size (t, R_N, in->n);
  bench_set_size (t, R_D, in->d);
  bench_set_text (t, R_STATUS, "ok");
  bench_set_sample (t, R_WARMUP, s);
  if (in->kernel != MPFR)
    {
      double gf = (in->kernel == DGEMM ? 2 : 4) * n * n * d / s->median / 1e9;
      bench_set (t, R_GFLOPS, gf);
      if (!isnan (x->dgemm_gflops))
        bench_set (t, R_OF_DGEMM, gf / x->dgemm_gflops);
    }
  if (in->kernel != DGEMM)
    {
      bench_set (t, R_ENTRIES, n * d / s->median);
      bench_set (t, R_PEAK, (double) in->st.peak_bytes / MIB);
    }
  bench_set (t, R_RSS, rss / MIB);
  bench_set_text (t, R_NOTE, note);
}

/* What a row says beside its figures.  */
static void
kernel_note (char *buf, size_t size, const instance_t *in, int square)
{
  double block = fga_stats_get (&in->st, "block");
  buf[0] = '\0';
  if (in->kernel == DGEMM)
    snprintf (buf, size, "%s", square ? "square A B^T: the yardstick" : "Q K^T alone");
  else if (in->kernel == MPFR)
    snprintf (buf, size, "prec %d; %zu undecided entries; %zu rows raised, to %ld bits",
              TRUTH_PREC, in->info.undecided, in->info.rows_raised,
              (long) in->info.prec_used_max);
  else if (!isnan (block))
    snprintf (buf, size, "block=%.0f", block);
}

/* Measures in->kernel on in: a row, and its median seconds (NAN if it
   failed).  */
static double
measure (exact_t *x, instance_t *in, int kernel, int square)
{
  char label[96], note[160];
  bench_sample s;
  fga_error err;
  in->kernel = kernel;
  x->pr.weight = bench_predicted (&x->o, predicted_run (kernel, in->n, in->d));
  snprintf (label, sizeof label, "%s n=%zu d=%zu", kernel_name[kernel], in->n, in->d);
  bench_reset_peak_rss ();
  int rc = bench_sample_runs (&s, &x->o, &x->pr, label, run_kernel, in, &err);
  double rss = bench_peak_rss ();
  bench_progress_next (&x->pr, label);
  if (rc != FGA_OK)
    {
      x->failed++;
      row_not_run (x, kernel, in->n, in->d, "failed", err.msg);
      return NAN;
    }
  kernel_note (note, sizeof note, in, square);
  row_measured (x, in, &s, rss, note);
  return s.median;
}

/* ---- the benchmark ------------------------------------------------------- */

static void
square_dgemm (exact_t *x)
{
  instance_t in;
  fga_error err;
  x->dgemm_gflops = NAN;
  if (x->dgemm_n == 0)
    return;
  size_t n = x->dgemm_n;
  if (instance_init (&in, n, n, 1, &err) != FGA_OK)
    {
      x->pr.weight = 0;
      bench_progress_next (&x->pr, "dgemm");
      x->failed++;
      row_not_run (x, DGEMM, n, n, "failed", err.msg);
      return;
    }
  double t = measure (x, &in, DGEMM, 1);
  x->dgemm_gflops = 2.0 * (double) n * (double) n * (double) n / t / 1e9;
  if (!isnan (t))
    bench_set (&x->rep.rows, R_OF_DGEMM, 1);
  instance_clear (&in);
}

/* The kernels at (n, d); *naive_per_n2 is naive's seconds per n^2 at the
   first n it ran at, NAN before (then its rough rate predicts: a list
   of one large n does not start with a naive run of many minutes).  */
static void
one_size (exact_t *x, size_t n, size_t d, double *naive_per_n2)
{
  instance_t in;
  fga_error err;
  int with_c = n <= DGEMM_MAX_N;
  if (instance_init (&in, n, d, with_c, &err) != FGA_OK)
    {
      for (int k = with_c ? DGEMM : NAIVE; k <= BLAS; k++)
        {
          x->pr.weight = bench_predicted (&x->o, predicted_run (k, n, d));
          bench_progress_next (&x->pr, kernel_name[k]);
          x->failed++;
          row_not_run (x, k, n, d, "failed", err.msg);
        }
      return;
    }
  if (with_c)
    measure (x, &in, DGEMM, 0);
  double est = isnan (*naive_per_n2) ? predicted_run (NAIVE, n, d)
    : *naive_per_n2 * (double) n * (double) n;
  if (est > NAIVE_LIMIT)
    {
      char why[96];
      snprintf (why, sizeof why, "one run would take about %.0f s", est);
      x->pr.weight = bench_predicted (&x->o, predicted_run (NAIVE, n, d));
      bench_progress_next (&x->pr, "naive skipped");
      row_not_run (x, NAIVE, n, d, "skipped", why);
    }
  else
    {
      double t = measure (x, &in, NAIVE, 0);
      if (isnan (*naive_per_n2) && !isnan (t))
        *naive_per_n2 = t / ((double) n * (double) n);
    }
  measure (x, &in, STREAM, 0);
  measure (x, &in, BLAS, 0);
  instance_clear (&in);
}

static void
truth_case (exact_t *x)
{
  instance_t in;
  fga_error err;
  if (instance_init (&in, TRUTH_N, TRUTH_D, 0, &err) != FGA_OK)
    {
      x->pr.weight = 0;
      bench_progress_next (&x->pr, "mpfr");
      x->failed++;
      row_not_run (x, MPFR, TRUTH_N, TRUTH_D, "failed", err.msg);
      return;
    }
  measure (x, &in, MPFR, 0);
  instance_clear (&in);
}

/* The count and predicted seconds of every measurement, for the ETA.  */
static void
plan (exact_t *x, size_t *count, double *work)
{
  const bench_opts *o = &x->o;
  *count = 1;
  *work = bench_predicted (o, predicted_run (MPFR, TRUTH_N, TRUTH_D));
  if (x->dgemm_n > 0)
    {
      (*count)++;
      *work += bench_predicted (o, predicted_run (DGEMM, x->dgemm_n, x->dgemm_n));
    }
  for (size_t j = 0; j < x->nd; j++)
    for (size_t i = 0; i < x->nn; i++)
      for (int k = x->ns[i] <= DGEMM_MAX_N ? DGEMM : NAIVE; k <= BLAS; k++)
        {
          (*count)++;
          *work += bench_predicted (o, predicted_run (k, x->ns[i], x->ds[j]));
        }
}

static int
exact_parse (exact_t *x, int argc, char **argv)
{
  enum { OPT_QUICK = BENCH_OPT_FIRST_FREE, OPT_DGEMM_N };
  static const struct option opts[] = {
    { "quick", no_argument, NULL, OPT_QUICK },
    { "dgemm-n", required_argument, NULL, OPT_DGEMM_N },
    BENCH_LONG_OPTIONS,
    { NULL, 0, NULL, 0 }
  };
  int c, n_given = 0;
  optind = 1;
  while ((c = cli_getopt (argc, argv, "n:d:" BENCH_SHORT_OPTIONS, opts)) != -1)
    {
      int rc = CLI_OK;
      if (bench_common_option (&x->o, c, optarg, &rc))
        ;
      else if (c == 'n')
        {
          rc = bench_parse_sizes (x->ns, &x->nn, MAXLIST, optarg, "-n", 1, (size_t) 1 << 24);
          n_given = 1;
        }
      else if (c == 'd')
        rc = bench_parse_sizes (x->ds, &x->nd, MAXLIST, optarg, "-d", 1, 4096);
      else if (c == OPT_QUICK)
        x->quick = 1;
      else if (c == OPT_DGEMM_N)
        rc = cli_parse_size (&x->dgemm_n, optarg, "--dgemm-n", 0, 16384);
      if (rc != CLI_OK || x->o.help)
        return rc;
    }
  if (x->quick && !n_given)
    x->nn = 2;
  return bench_opts_check (&x->o, argc, argv);
}

/* Refuses, before any work, sizes whose largest instance (Q, K, V, T, and
   the n x n product up to DGEMM_MAX_N) or square DGEMM would not fit.  */
static int
exact_check_memory (const exact_t *x)
{
  size_t n = 0, d = 0;
  char what[96];
  for (size_t i = 0; i < x->nn; i++)
    n = x->ns[i] > n ? x->ns[i] : n;
  for (size_t j = 0; j < x->nd; j++)
    d = x->ds[j] > d ? x->ds[j] : d;
  double nn = (double) n, q = (double) x->dgemm_n;
  double bytes = 8 * (4 * nn * (double) d + (n <= DGEMM_MAX_N ? nn * nn : 0));
  snprintf (what, sizeof what, "-n %zu -d %zu: the instance (Q, K, V, T)", n, d);
  int rc = cli_check_memory (bytes, what);
  snprintf (what, sizeof what, "--dgemm-n %zu: the square DGEMM", x->dgemm_n);
  return rc != CLI_OK ? rc : cli_check_memory (8 * 5 * q * q, what);
}

static void
fill_summary (exact_t *x)
{
  cli_table_t *t = &x->rep.summary;
  bench_set_text (t, S_DATA, "Q, K, V uniform in [-1, 1]");
  bench_set_text (t, S_TAU, "1/d");
  bench_set_size (t, S_DGEMM_N, x->dgemm_n);
  if (!isnan (x->dgemm_gflops))
    bench_set (t, S_DGEMM_GFLOPS, x->dgemm_gflops);
  bench_set (t, S_NAIVE_LIMIT, NAIVE_LIMIT);
  bench_set_text (t, S_RSS, bench_reset_peak_rss () ? "peak during each measurement"
                  : "peak since the start (not resettable here)");
}

static int
bench_exact (int argc, char **argv)
{
  exact_t x = { .ns = { 1024, 4096, 16384 }, .ds = { 16, 64 }, .nn = 3, .nd = 2,
                .dgemm_n = 2048 };
  bench_opts_init (&x.o, usage);
  int rc = exact_parse (&x, argc, argv);
  if (rc != CLI_OK || x.o.help || (rc = exact_check_memory (&x)) != CLI_OK)
    return rc;
  size_t count;
  double work;
  plan (&x, &count, &work);
  bench_report_init (&x.rep, "exact", sum_cols, NSUM, row_cols, NROW);
  x.rep.legend = legend;
  bench_progress_init (&x.pr, cli_command, x.o.quiet, count, work);
  square_dgemm (&x);
  for (size_t j = 0; j < x.nd; j++)
    {
      double naive_per_n2 = NAN;
      for (size_t i = 0; i < x.nn; i++)
        one_size (&x, x.ns[i], x.ds[j], &naive_per_n2);
    }
  truth_case (&x);
  bench_progress_end (&x.pr);
  fill_summary (&x);
  return bench_finish (&x.rep, &x.o, x.failed);
}

/* ---- the command --------------------------------------------------------- */

int
cli_bench (int argc, char **argv)
{
  static const struct
  {
    const char *name, *command;
    int (*run) (int argc, char **argv);
  } benches[] = {
    { "exact", "bench exact", bench_exact },
    { "poly", "bench poly", cli_bench_poly },
    { "lowrank", "bench lowrank", cli_bench_lowrank },
    { "rank", "bench rank", cli_bench_rank },
  };
  if (argc < 2)
    return cli_usage_error ("which benchmark? exact, poly, lowrank or rank");
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      overview (stdout);
      return CLI_OK;
    }
  for (size_t k = 0; k < sizeof benches / sizeof benches[0]; k++)
    if (strcmp (argv[1], benches[k].name) == 0)
      {
        /* messages and help pointers name the benchmark: "fgattn bench poly: ..." */
        cli_command = benches[k].command;
        return benches[k].run (argc - 1, argv + 1);
      }
  if (argv[1][0] == '-')
    return cli_usage_error ("the benchmark comes first: fgattn bench exact|poly|lowrank|rank "
                            "[OPTIONS]");
  return cli_usage_error ("no benchmark '%s' (there are: exact, poly, lowrank, rank)", argv[1]);
}
