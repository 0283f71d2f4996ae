/* cli_bench -- fgattn bench: the benchmarks, and the exact kernels' own (never fails on speed) */

#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#ifdef _OPENMP
# include <omp.h>
#endif

/* the kernels' exp (libmvec's vector variant) and their choice of
   instruction set, for the exp throughput measured beside them */
#define FGA_ATTN_SIMD_EXP 1
#include "core/fga-impl.h"
#include "kernels/attention-util.h"
#include "fgattn.h"
#include "cli.h"
#include "cmd_bench.h"
#include "bench/bench_util.h"
#include "bench/bench_poly.h"
#include "bench/bench_lowrank.h"
#include "bench/bench_rank.h"

#define MIB (1024.0 * 1024.0)
#define MAXLIST 16
/* naive and the truth are skipped where one run would take longer than this */
#define NAIVE_LIMIT 60.0
/* The same-shape DGEMMs hold a block of rows of the n x n scores, n rows
   up to this n (128 MiB at 4096), and DGEMM_MAX_N^2 / n rows above it.  */
#define DGEMM_MAX_N 4096
/* the ground truth runs at n up to this by default (--truth-max-n) */
#define TRUTH_MAX_N 4096
/* exp: scores per run, and per sweep of one thread (a row of stream's
   256-key tile, in L1) */
#define EXP_COUNT ((size_t) 1 << 24)
#define EXP_ROW 256

static void
overview (FILE *out)
{
  fprintf (out,
           "usage: fgattn bench BENCHMARK [OPTIONS]\n"
           "\n"
           "Performance figures of fgattn on this machine.  It prints figures and\n"
           "never fails on speed.  The benchmarks:\n"
           "  exact    the exact kernels in double against DGEMMs of the same\n"
           "           shapes and the exp throughput, and the certified ground\n"
           "           truth's speed (fgattn bench exact --help)\n"
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
           "the core whose kernels it runs, blas_core, which OPENBLAS_CORETYPE\n"
           "overrides), the file it was loaded from, its threads, blas_version,\n"
           "and blas_chosen, the core OpenBLAS had chosen itself when fgattn\n"
           "switched it to the kernels this processor can run (FGATTN_BLAS_FIX=0\n"
           "prevents the switch), and blas_note, when that switch was due and\n"
           "not made, which core and why (\"not switched to SkylakeX:\n"
           "OPENBLAS_CORETYPE is set\": the DGEMM yardsticks then run on weaker\n"
           "kernels than this processor has).  A progress line goes to stderr.\n"
           "Options of\n"
           "every benchmark:\n"
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
           "                          [--truth-max-n N] [-w N] [-r N]\n"
           "                          [--format table|csv|json] [--export-csv FILE]\n"
           "                          [--export-json FILE] [-q]\n"
           "\n"
           "Wall times of exact attention in double, nq = nk = n, dv = d,\n"
           "tau = 1/d, entries uniform in [-1, 1], against what its two products\n"
           "and its exps cost on this machine.  Rows (kernel):\n"
           "  dgemm        cblas_dgemm of a square N x N product (--dgemm-n);\n"
           "  exp          the exp of the kernels (libmvec's vector variant, the\n"
           "               instruction set they use, all threads) on %zu\n"
           "               scores in place, as stream's softmax does: exp_per_s;\n"
           "  dgemm_qk     per n and d, cblas_dgemm of the scores Q K^T (n x d\n"
           "               times d x n), and\n"
           "  dgemm_pv     of P V (n x n times n x d); above n = %d in blocks of\n"
           "               %d^2 / n rows (the note says so);\n"
           "  dgemm_qk_pv  the two together: the sum of their median times\n"
           "               (status derived), the yardstick of of_dgemm;\n"
           "  exp_dgemm    the bound n^2 / exp_per_s + the two DGEMM times\n"
           "               (derived), the yardstick of of_bound;\n"
           "  naive, stream, blas   exact:algo=naive|stream|blas (naive skipped\n"
           "               where one run would take more than %.0f s, predicted\n"
           "               by n^2 from the first n it ran at, or before that\n"
           "               from a rate of 1 GFLOP/s);\n"
           "  truth        the certified ground truth (fga_truth, exact:algo=mpfr,\n"
           "               its default precisions) on the same instance, for\n"
           "               n <= --truth-max-n, skipped like naive.\n"
           "Columns: warmup and runs (the runs made; the times are of the counted\n"
           "ones), seconds_median, seconds_min, seconds_max; gflops = 2 n^2 d\n"
           "(dgemm_qk, dgemm_pv; 2 N^3 for dgemm) or 4 n^2 d (the others) per run\n"
           "over the median time; of_dgemm, of_bound, of_square = gflops over\n"
           "that of dgemm_qk_pv, of exp_dgemm (both at the same n and d), of the\n"
           "square dgemm; over_stream = the median time over stream's;\n"
           "entries_per_s = n d over the median time; peak_mib = the kernel's\n"
           "own scratch; rss_mib = the process's peak resident set during the\n"
           "measurement.\n"
           "\n"
           "  -n LIST             sizes n, comma-separated (default 1024,4096,16384)\n"
           "  -d LIST             dimensions d (default 16,64)\n"
           "  --quick             n = 1024,4096 (unless -n is given)\n"
           "  --dgemm-n N         size of the square DGEMM (default 2048; 0: none)\n"
           "  --truth-max-n N     the largest n of the truth rows (default %d;\n"
           "                      0: none)\n"
           "%s"
           "\n"
           "example: fgattn bench exact --quick --format json\n", EXP_COUNT, DGEMM_MAX_N,
           DGEMM_MAX_N, NAIVE_LIMIT, TRUTH_MAX_N, bench_common_help);
}

/* ---- exp, as the kernels run it ------------------------------------------ */

/* The scores' exp of the stream and blas kernels, measured alone: the same
   declaration of libmvec's vector exp (attention-util.h), the same choice
   of instruction set, the same loop as stream's softmax on a row of its
   tile (exp (s - m) stored in place and summed), on scores in [-2, 0].  */
static inline __attribute__ ((always_inline)) double
exp_rows (double *restrict s, const double *restrict x, long sweeps)
{
  double sum = 0;
  for (long r = 0; r < sweeps; r++)
    {
      /* a maximum that moves, so that no sweep repeats the one before */
      const double mx = (double) (r & 7) * 0x1p-10;
#pragma omp simd reduction (+:sum)
      for (size_t j = 0; j < EXP_ROW; j++)
        {
          double e = exp (x[j] - mx);
          s[j] = e;
          sum += e;
        }
    }
  return sum;
}

typedef double (*exp_fn) (double *restrict, const double *restrict, long);

static double
exp_generic (double *restrict s, const double *restrict x, long sweeps)
{
  return exp_rows (s, x, sweeps);
}

#if FGA_ATTN_X86
static FGA_TARGET_AVX2 double
exp_avx2 (double *restrict s, const double *restrict x, long sweeps)
{
  return exp_rows (s, x, sweeps);
}

static FGA_TARGET_AVX512 double
exp_avx512 (double *restrict s, const double *restrict x, long sweeps)
{
  return exp_rows (s, x, sweeps);
}
#endif

typedef struct
{
  exp_fn fn;
  const char *isa;
  int threads;
  double sink;                  /* the sums, so that the exps are not dropped */
} exp_ctx;

static void
exp_init (exp_ctx *e)
{
  e->fn = exp_generic;
  e->isa = "generic";
#if FGA_ATTN_X86
  switch (fgap_attn_isa ())
    {
    case FGA_ISA_AVX512:
      e->fn = exp_avx512;
      e->isa = "avx512";
      break;
    case FGA_ISA_AVX2:
      e->fn = exp_avx2;
      e->isa = "avx2";
      break;
    default:
      break;
    }
#endif
  e->threads = 1;
#ifdef _OPENMP
  e->threads = omp_get_max_threads ();
#endif
  e->sink = 0;
}

/* EXP_COUNT exps, shared by the threads as the kernels share rows.  */
static int
run_exp (void *ctx, double *seconds, fga_error *err)
{
  exp_ctx *e = ctx;
  const long sweeps = (long) (EXP_COUNT / EXP_ROW / (size_t) e->threads);
  double sink = 0, t = fga_wall_time ();
#pragma omp parallel num_threads (e->threads) reduction (+:sink)
  {
    double x[EXP_ROW] __attribute__ ((aligned (64)));
    double s[EXP_ROW] __attribute__ ((aligned (64)));
    for (size_t j = 0; j < EXP_ROW; j++)
      x[j] = -2.0 * (double) j / EXP_ROW;
    sink += e->fn (s, x, sweeps);
  }
  *seconds = fga_wall_time () - t;
  e->sink += sink;
  fga_error_init (err);
  return FGA_OK;
}

/* ---- the kernels ------------------------------------------------------- */

enum { SQUARE, EXPK, QK, PV, QKPV, BOUND, NAIVE, STREAM, BLAS, TRUTH, NKERNELS };
static const char *const kernel_name[NKERNELS] = {
  "dgemm", "exp", "dgemm_qk", "dgemm_pv", "dgemm_qk_pv", "exp_dgemm", "naive", "stream",
  "blas", "truth"
};

/* One instance and what a run of one kernel on it needs and leaves.  */
typedef struct
{
  int kernel;
  size_t n, d;
  size_t rb;                    /* rows of C: n, or fewer when the DGEMMs go by blocks */
  fga_mat_t Q, K, V, T;
  double *C;                    /* rb x n: the scores of the DGEMMs */
  fga_stats st;                 /* of the last run */
  fga_truth_info info;          /* truth: of the last run */
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

/* The rows of the DGEMMs' block of scores at n.  */
static size_t
dgemm_rows (size_t n)
{
  size_t most = (size_t) DGEMM_MAX_N * DGEMM_MAX_N / n;
  return n <= DGEMM_MAX_N ? n : most;
}

/* Q, K, V, T of n x d, and C of rb x n when with_c.  A library status.  */
static int
instance_init (instance_t *in, size_t n, size_t d, int with_c, fga_error *err)
{
  memset (in, 0, sizeof *in);
  in->n = n;
  in->d = d;
  in->rb = dgemm_rows (n);
  uint64_t state = 0x9E3779B97F4A7C15ULL ^ (n * 1000003 + d);
  int rc = fga_mat_init (in->Q, n, d, err);
  if (rc == FGA_OK)
    rc = fga_mat_init (in->K, n, d, err);
  if (rc == FGA_OK)
    rc = fga_mat_init (in->V, n, d, err);
  if (rc == FGA_OK)
    rc = fga_mat_init (in->T, n, d, err);
  if (rc == FGA_OK && with_c && (in->C = malloc (in->rb * n * sizeof (double))) == NULL)
    {
      rc = err->code = FGA_ERR_NOMEM;
      snprintf (err->msg, sizeof err->msg, "n = %zu: no memory for %zu x %zu scores", n,
                in->rb, n);
    }
  if (rc != FGA_OK)
    {
      instance_clear (in);
      return rc;
    }
  fill (in->Q, &state);
  fill (in->K, &state);
  fill (in->V, &state);
  /* P V multiplies weights in [0, 1]; the scores' own values would do, but
     the first run of P V may come before any of Q K^T */
  if (with_c)
    for (size_t k = 0; k < in->rb * n; k++)
      in->C[k] = 0.5;
  return FGA_OK;
}

/* The two products of attention as DGEMMs, by blocks of in->rb rows:
   C = Q_b K^T (n x d times d x n), then T_b = C V (n x n times n x d).  */
static void
run_products (const instance_t *in, int qk)
{
  const int n = (int) in->n, d = (int) in->d;
  for (size_t i0 = 0; i0 < in->n; i0 += in->rb)
    {
      const int rows = (int) (in->n - i0 < in->rb ? in->n - i0 : in->rb);
      if (qk)
        cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, rows, n, d, 1.0,
                     &FGA_MAT (in->Q, i0, 0), d, in->K->data, d, 0.0, in->C, n);
      else
        cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, d, n, 1.0, in->C, n,
                     in->V->data, d, 0.0, &FGA_MAT (in->T, i0, 0), d);
    }
}

static int
run_kernel (void *ctx, double *seconds, fga_error *err)
{
  instance_t *in = ctx;
  const double tau = 1.0 / (double) in->d;
  const int n = (int) in->n;
  fga_tau ftau = { FGA_TAU_INV_D, 0 };
  int rc = FGA_OK;
  fga_stats_init (&in->st);
  fga_error_init (err);
  double t = fga_wall_time ();
  switch (in->kernel)
    {
    case SQUARE:
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0, in->Q->data, n,
                   in->K->data, n, 0.0, in->C, n);
      break;
    case QK:
    case PV:
      run_products (in, in->kernel == QK);
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
      rc = fga_truth (in->T, NULL, NULL, NULL, in->Q, in->K, in->V, &ftau, NULL, &in->info,
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
    case SQUARE:
    case QK:
    case PV:
      return 2 * n2 * dd / 20e9;
    case EXPK:
      return (double) EXP_COUNT / 1e9;
    case QKPV:
    case BOUND:
      return 0;
    case NAIVE:
      return n2 * (4 * dd + 20) / 1e9;
    case TRUTH:                 /* the double-double path; MPFR's is ~100 times slower */
      return n2 * dd * 5e-9;
    default:
      return n2 * (4 * dd + 20) / 6e9;
    }
}

/* ---- the report ---------------------------------------------------------- */

enum { R_KERNEL, R_N, R_D, R_STATUS, R_WARMUP, R_RUNS, R_MED, R_MIN, R_MAX, R_GFLOPS,
       R_OF_DGEMM, R_OF_BOUND, R_OF_SQUARE, R_OVER_STREAM, R_ENTRIES, R_PEAK, R_RSS, R_NOTE,
       NROW };
static const bench_col row_cols[NROW] = {
  { "kernel", NULL }, { "n", NULL }, { "d", NULL }, { "status", NULL }, { "warmup", NULL },
  { "runs", NULL }, { "seconds_median", "%.4g" }, { "seconds_min", "%.4g" },
  { "seconds_max", "%.4g" }, { "gflops", "%.2f" }, { "of_dgemm", "%.2f" },
  { "of_bound", "%.2f" }, { "of_square", "%.2f" }, { "over_stream", "%.3g" },
  { "entries_per_s", "%.4g" }, { "peak_mib", "%.2f" }, { "rss_mib", "%.1f" }, { "note", NULL }
};

enum { S_DATA = BENCH_NENV, S_TAU, S_DGEMM_N, S_DGEMM_GFLOPS, S_EXP_ISA, S_EXP_PER_S,
       S_NAIVE_LIMIT, S_TRUTH_MAX_N, S_RSS, NSUM };
static const bench_col sum_cols[NSUM] = {
  BENCH_ENV_COLS, { "data", NULL }, { "tau", NULL }, { "dgemm_n", NULL },
  { "dgemm_gflops", "%.2f" }, { "exp_isa", NULL }, { "exp_per_s", "%.4g" },
  { "naive_limit_s", "%g" }, { "truth_max_n", NULL }, { "rss", NULL }
};

static const char legend[] =
  "times in seconds (median, least, largest of the counted runs); gflops:\n"
  "2 n^2 d (dgemm_qk, dgemm_pv; 2 N^3 for dgemm) or 4 n^2 d (the others)\n"
  "per run over the median time; of_dgemm, of_bound, of_square: over the\n"
  "rate of dgemm_qk_pv (the two products as DGEMMs), of exp_dgemm (n^2 exps\n"
  "at exp_per_s plus the two products) and of the square DGEMM; over_stream:\n"
  "the median time over stream's; peak_mib: the kernel's scratch; rss_mib:\n"
  "the process's peak resident set (see rss above)\n";

typedef struct
{
  size_t ns[MAXLIST], ds[MAXLIST], nn, nd, dgemm_n, truth_max_n;
  int quick;
  int n_given;                  /* -n was given (--quick leaves it) */
  bench_opts o;
  bench_report rep;
  bench_progress pr;
  double dgemm_gflops;          /* the square DGEMM's, NAN without it */
  double exp_per_s;             /* the kernels' exps per second, NAN without it */
  exp_ctx ex;
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
  if (kernel != EXPK)
    bench_set_size (t, R_D, d);
  bench_set_text (t, R_STATUS, status);
  bench_set_text (t, R_NOTE, why);
}

/* The operations of one run, in units of 1e9 (0: not counted in flops). */
static double
gflop (int kernel, double n, double d)
{
  switch (kernel)
    {
    case SQUARE:
      return 2 * n * n * n / 1e9;
    case QK:
    case PV:
      return 2 * n * n * d / 1e9;
    case EXPK:
    case TRUTH:
      return 0;
    default:
      return 4 * n * n * d / 1e9;
    }
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
  if (in->kernel != EXPK)
    bench_set_size (t, R_D, in->d);
  bench_set_text (t, R_STATUS, "ok");
  bench_set_sample (t, R_WARMUP, s);
  double g = gflop (in->kernel, n, d);
  if (g > 0)
    {
      bench_set (t, R_GFLOPS, g / s->median);
      if (!isnan (x->dgemm_gflops))
        bench_set (t, R_OF_SQUARE, g / s->median / x->dgemm_gflops);
    }
  if (in->kernel >= NAIVE)
    {
      bench_set (t, R_ENTRIES, n * d / s->median);
      bench_set (t, R_PEAK, (double) in->st.peak_bytes / MIB);
    }
  bench_set (t, R_RSS, rss / MIB);
  bench_set_text (t, R_NOTE, note);
}

/* What a row says beside its figures.  */
static void
kernel_note (char *buf, size_t size, const exact_t *x, const instance_t *in)
{
  double block = fga_stats_get (&in->st, "block");
  buf[0] = '\0';
  if (in->kernel == SQUARE)
    snprintf (buf, size, "square A B^T");
  else if (in->kernel == EXPK)
    snprintf (buf, size, "%.4g exps/s; %s; %d threads", (double) EXP_COUNT / in->st.wall_seconds,
              x->ex.isa, x->ex.threads);
  else if ((in->kernel == QK || in->kernel == PV) && in->rb < in->n)
    snprintf (buf, size, "in blocks of %zu rows", in->rb);
  else if (in->kernel == TRUTH)
    snprintf (buf, size, "%zu undecided entries; %zu rows raised, to %ld bits",
              in->info.undecided, in->info.rows_raised, (long) in->info.prec_used_max);
  else if (!isnan (block))
    snprintf (buf, size, "block=%.0f", block);
}

/* Measures kernel with run on ctx (in: the instance, for the row): a row,
   and its median seconds (NAN if it failed).  */
static double
measure_with (exact_t *x, instance_t *in, int kernel, bench_run_fn run, void *ctx)
{
  char label[96], note[160];
  bench_sample s;
  fga_error err;
  in->kernel = kernel;
  x->pr.weight = bench_predicted (&x->o, predicted_run (kernel, in->n, in->d));
  if (kernel == EXPK)
    snprintf (label, sizeof label, "exp");
  else
    snprintf (label, sizeof label, "%s n=%zu d=%zu", kernel_name[kernel], in->n, in->d);
  bench_reset_peak_rss ();
  int rc = bench_sample_runs (&s, &x->o, &x->pr, label, run, ctx, &err);
  double rss = bench_peak_rss ();
  bench_progress_next (&x->pr, label);
  if (rc != FGA_OK)
    {
      x->failed++;
      row_not_run (x, kernel, in->n, in->d, "failed", err.msg);
      return NAN;
    }
  in->st.wall_seconds = s.median;
  kernel_note (note, sizeof note, x, in);
  row_measured (x, in, &s, rss, note);
  return s.median;
}

static double
measure (exact_t *x, instance_t *in, int kernel)
{
  return measure_with (x, in, kernel, run_kernel, in);
}

/* A row for what is not measured but summed from measured times.  */
static void
row_derived (exact_t *x, int kernel, size_t n, size_t d, double seconds, const char *note)
{
  cli_table_t *t = &x->rep.rows;
  if (isnan (seconds))
    {
      row_not_run (x, kernel, n, d, "skipped", "a measurement it needs failed");
      return;
    }
  double g = gflop (kernel, (double) n, (double) d);
  cli_table_new_row (t);
  bench_set_text (t, R_KERNEL, kernel_name[kernel]);
  bench_set_size (t, R_N, n);
  bench_set_size (t, R_D, d);
  bench_set_text (t, R_STATUS, "derived");
  bench_set (t, R_MED, seconds);
  bench_set (t, R_GFLOPS, g / seconds);
  if (!isnan (x->dgemm_gflops))
    bench_set (t, R_OF_SQUARE, g / seconds / x->dgemm_gflops);
  bench_set_text (t, R_NOTE, note);
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
      row_not_run (x, SQUARE, n, n, "failed", err.msg);
      return;
    }
  double t = measure (x, &in, SQUARE);
  x->dgemm_gflops = 2.0 * (double) n * (double) n * (double) n / t / 1e9;
  if (!isnan (t))
    bench_set (&x->rep.rows, R_OF_SQUARE, 1);
  instance_clear (&in);
}

static void
exp_rate (exact_t *x)
{
  instance_t in;
  memset (&in, 0, sizeof in);
  in.n = EXP_COUNT;
  exp_init (&x->ex);
  double t = measure_with (x, &in, EXPK, run_exp, &x->ex);
  x->exp_per_s = (double) EXP_COUNT / t;
}

/* The rows measured at one (n, d), by kernel: their median times and row
   numbers (SIZE_MAX: no row), for the ratios filled at the end.  */
typedef struct
{
  double t[NKERNELS];
  size_t row[NKERNELS];
} size_rows;

/* Measures kernel k unless one run is predicted above NAIVE_LIMIT from
   *per_unit (seconds per unit of n^2 d^p, NAN before the first run: then
   the rough rate predicts).  */
static void
measure_limited (exact_t *x, instance_t *in, int k, double unit, double *per_unit,
                 size_rows *r)
{
  double est = isnan (*per_unit) ? predicted_run (k, in->n, in->d) : *per_unit * unit;
  if (est > NAIVE_LIMIT)
    {
      char why[96];
      snprintf (why, sizeof why, "one run would take about %.0f s", est);
      x->pr.weight = bench_predicted (&x->o, predicted_run (k, in->n, in->d));
      bench_progress_next (&x->pr, "skipped");
      row_not_run (x, k, in->n, in->d, "skipped", why);
      return;
    }
  r->t[k] = measure (x, in, k);
  r->row[k] = x->rep.rows.nrows - 1;
  if (isnan (*per_unit) && !isnan (r->t[k]))
    *per_unit = r->t[k] / unit;
}

/* of_dgemm, of_bound and over_stream of the rows at one size.  */
static void
fill_ratios (exact_t *x, const size_rows *r)
{
  static const int yard[2] = { QKPV, BOUND };
  for (int k = QK; k < NKERNELS; k++)
    {
      if (r->row[k] == SIZE_MAX || isnan (r->t[k]))
        continue;
      for (int y = 0; y < 2; y++)
        if (k != TRUTH && !isnan (r->t[yard[y]]))
          {
            /* rates over rates: flops over time, the yardstick's over its own */
            double share = k == QK || k == PV ? 0.5 : 1;
            bench_set_at (&x->rep.rows, r->row[k], y == 0 ? R_OF_DGEMM : R_OF_BOUND,
                          share * r->t[yard[y]] / r->t[k]);
          }
      if (k >= NAIVE && !isnan (r->t[STREAM]))
        bench_set_at (&x->rep.rows, r->row[k], R_OVER_STREAM, r->t[k] / r->t[STREAM]);
    }
}

typedef struct
{
  double naive_per_n2, truth_per_n2d;
} rates_t;

/* The kernels at (n, d).  */
static void
one_size (exact_t *x, size_t n, size_t d, rates_t *rates)
{
  instance_t in;
  fga_error err;
  size_rows r;
  for (int k = 0; k < NKERNELS; k++)
    {
      r.t[k] = NAN;
      r.row[k] = SIZE_MAX;
    }
  if (instance_init (&in, n, d, 1, &err) != FGA_OK)
    {
      for (int k = QK; k <= (n <= x->truth_max_n ? TRUTH : BLAS); k++)
        {
          x->pr.weight = bench_predicted (&x->o, predicted_run (k, n, d));
          bench_progress_next (&x->pr, kernel_name[k]);
          x->failed++;
          row_not_run (x, k, n, d, "failed", err.msg);
        }
      return;
    }
  double n2 = (double) n * (double) n, n2d = n2 * (double) d;
  for (int k = QK; k <= PV; k++)
    {
      r.t[k] = measure (x, &in, k);
      r.row[k] = x->rep.rows.nrows - 1;
    }
  r.t[QKPV] = r.t[QK] + r.t[PV];
  row_derived (x, QKPV, n, d, r.t[QKPV], "the sum of the two DGEMMs' medians");
  r.row[QKPV] = x->rep.rows.nrows - 1;
  r.t[BOUND] = n2 / x->exp_per_s + r.t[QKPV];
  row_derived (x, BOUND, n, d, r.t[BOUND], "n^2 exps at exp_per_s + dgemm_qk_pv");
  r.row[BOUND] = x->rep.rows.nrows - 1;
  measure_limited (x, &in, NAIVE, n2, &rates->naive_per_n2, &r);
  for (int k = STREAM; k <= BLAS; k++)
    {
      r.t[k] = measure (x, &in, k);
      r.row[k] = x->rep.rows.nrows - 1;
    }
  if (n <= x->truth_max_n)
    measure_limited (x, &in, TRUTH, n2d, &rates->truth_per_n2d, &r);
  fill_ratios (x, &r);
  instance_clear (&in);
}

/* The count and predicted seconds of every measurement, for the ETA.  */
static void
plan (exact_t *x, size_t *count, double *work)
{
  const bench_opts *o = &x->o;
  *count = 1;
  *work = bench_predicted (o, predicted_run (EXPK, 0, 0));
  if (x->dgemm_n > 0)
    {
      (*count)++;
      *work += bench_predicted (o, predicted_run (SQUARE, x->dgemm_n, x->dgemm_n));
    }
  for (size_t j = 0; j < x->nd; j++)
    for (size_t i = 0; i < x->nn; i++)
      for (int k = QK; k <= TRUTH; k++)
        if (k != QKPV && k != BOUND && (k != TRUTH || x->ns[i] <= x->truth_max_n))
          {
            (*count)++;
            *work += bench_predicted (o, predicted_run (k, x->ns[i], x->ds[j]));
          }
}

enum { OPT_QUICK = BENCH_OPT_FIRST_FREE, OPT_DGEMM_N, OPT_TRUTH_MAX_N };

/* One of bench exact's own options (bench_option_fn).  */
static int
exact_option (void *data, int c, const char *arg)
{
  exact_t *x = data;
  int rc = CLI_OK;
  if (c == 'n')
    {
      rc = bench_parse_sizes (x->ns, &x->nn, MAXLIST, arg, "-n", 1, (size_t) 1 << 24);
      x->n_given = 1;
    }
  else if (c == 'd')
    rc = bench_parse_sizes (x->ds, &x->nd, MAXLIST, arg, "-d", 1, 4096);
  else if (c == OPT_QUICK)
    x->quick = 1;
  else if (c == OPT_DGEMM_N)
    rc = cli_parse_size (&x->dgemm_n, arg, "--dgemm-n", 0, 16384);
  else if (c == OPT_TRUTH_MAX_N)
    rc = cli_parse_size (&x->truth_max_n, arg, "--truth-max-n", 0, (size_t) 1 << 24);
  return rc;
}

static int
exact_parse (exact_t *x, int argc, char **argv)
{
  static const struct option opts[] = {
    { "quick", no_argument, NULL, OPT_QUICK },
    { "dgemm-n", required_argument, NULL, OPT_DGEMM_N },
    { "truth-max-n", required_argument, NULL, OPT_TRUTH_MAX_N },
    BENCH_LONG_OPTIONS,
    { NULL, 0, NULL, 0 }
  };
  int rc = bench_parse_options (&x->o, argc, argv, "n:d:" BENCH_SHORT_OPTIONS, opts,
                                exact_option, x);
  if (rc != CLI_OK || x->o.help)
    return rc;
  if (x->quick && !x->n_given)
    x->nn = 2;
  return bench_opts_check (&x->o, argc, argv);
}

/* Refuses, before any work, sizes whose largest instance (Q, K, V, T, and
   the DGEMMs' block of scores) or square DGEMM would not fit.  */
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
  double bytes = 8 * (4 * nn * (double) d + (double) dgemm_rows (n) * nn);
  snprintf (what, sizeof what, "-n %zu -d %zu: the instance (Q, K, V, T) and scores", n, d);
  int rc = cli_check_memory (bytes, what);
  snprintf (what, sizeof what, "--dgemm-n %zu: the square DGEMM", x->dgemm_n);
  return rc != CLI_OK ? rc : cli_check_memory (8 * 5 * q * q, what);
}

/* The square DGEMM, exp's rate, then the kernels at every (n, d)
   (bench_def's rows).  */
static int
all_rows (void *data)
{
  exact_t *x = data;
  square_dgemm (x);
  exp_rate (x);
  /* naive's time is predicted by n^2 at each d, the truth's by n^2 d */
  rates_t rates = { NAN, NAN };
  for (size_t j = 0; j < x->nd; j++)
    {
      rates.naive_per_n2 = NAN;
      for (size_t i = 0; i < x->nn; i++)
        one_size (x, x->ns[i], x->ds[j], &rates);
    }
  return x->failed;
}

static void
fill_summary (void *data)
{
  exact_t *x = data;
  cli_table_t *t = &x->rep.summary;
  bench_set_text (t, S_DATA, "Q, K, V uniform in [-1, 1]");
  bench_set_text (t, S_TAU, "1/d");
  bench_set_size (t, S_DGEMM_N, x->dgemm_n);
  if (!isnan (x->dgemm_gflops))
    bench_set (t, S_DGEMM_GFLOPS, x->dgemm_gflops);
  bench_set_text (t, S_EXP_ISA, x->ex.isa);
  if (!isnan (x->exp_per_s))
    bench_set (t, S_EXP_PER_S, x->exp_per_s);
  bench_set (t, S_NAIVE_LIMIT, NAIVE_LIMIT);
  bench_set_size (t, S_TRUTH_MAX_N, x->truth_max_n);
  bench_set_text (t, S_RSS, bench_reset_peak_rss () ? "peak during each measurement"
                  : "peak since the start (not resettable here)");
}

static int
bench_exact (int argc, char **argv)
{
  exact_t x = { .ns = { 1024, 4096, 16384 }, .ds = { 16, 64 }, .nn = 3, .nd = 2,
                .dgemm_n = 2048, .truth_max_n = TRUTH_MAX_N };
  bench_opts_init (&x.o, usage);
  int rc = exact_parse (&x, argc, argv);
  if (rc != CLI_OK || x.o.help || (rc = exact_check_memory (&x)) != CLI_OK)
    return rc;
  size_t count;
  double work;
  plan (&x, &count, &work);
  static const bench_def def = { "exact", sum_cols, row_cols, NSUM, NROW, legend, all_rows,
                                 fill_summary };
  return bench_measure (&def, &x, &x.o, &x.rep, &x.pr, count, work);
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
