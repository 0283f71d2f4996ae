/* cli_bench -- fgattn bench: performance figures of the exact kernels (never fails on speed) */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#ifdef _OPENMP
# include <omp.h>
#endif
#include <cblas.h>

#include "fgattn.h"
#include "cmd_bench.h"
#include "bench/bench_util.h"
#include "bench/bench_poly.h"
#include "bench/bench_lowrank.h"
#include "bench/bench_rank.h"

#define MIB (1024.0 * 1024.0)
#define MAXLIST 16
/* naive is skipped where one run would take longer than this */
#define NAIVE_LIMIT 60.0

static void
usage (FILE *out)
{
  fprintf (out,
           "usage: fgattn bench exact [--n LIST] [--d LIST] [--reps R] [--quick]\n"
           "       fgattn bench poly --help     (the polynomial method against n)\n"
           "       fgattn bench lowrank --help  (the approximate methods: time, memory, error)\n"
           "       fgattn bench rank --help     (the randomized rank of P at wide n)\n"
           "\n"
           "Performance of exact attention in double (nq = nk = n, dv = d, tau = 1/d,\n"
           "entries uniform in [-1, 1]):\n"
           "  1. the machine's own DGEMM rate, the yardstick;\n"
           "  2. wall time (best of R runs), GFLOP/s (4 n^2 d / time) and memory of\n"
           "     exact:algo=naive, stream and blas for every n and d of the lists\n"
           "     (naive is skipped where a run would take more than %.0f s);\n"
           "  3. the stream method at n = 65536, d = 64: its memory against\n"
           "     1.5 x the bytes of Q, K, V, T + 64 MiB;\n"
           "  4. the ground truth (exact:algo=mpfr, 128 bits): entries per second.\n"
           "It prints figures and never fails on speed.\n"
           "\n"
           "  --n LIST     sizes n, comma-separated (default 1024,4096,16384)\n"
           "  --d LIST     dimensions d (default 16,64)\n"
           "  --reps R     runs per figure, the best is kept (default 3)\n"
           "  --quick      n = 1024,4096 only and no n = 65536 case\n"
           "\n"
           "example: fgattn bench exact --quick\n", NAIVE_LIMIT);
}

static int
bad_usage (const char *fmt, const char *arg)
{
  fprintf (stderr, "fgattn bench: ");
  fprintf (stderr, fmt, arg);
  fprintf (stderr, " (fgattn bench --help)\n");
  return 2;
}

static int
parse_list (size_t *out, size_t *count, const char *text, const char *option)
{
  const char *p = text;
  *count = 0;
  while (*p != '\0')
    {
      if (*count == MAXLIST)
        return bad_usage ("%s: expected at most 16 positive whole numbers separated by commas",
                          option);
      char item[64];
      size_t len = strcspn (p, ",");
      fga_error err;
      snprintf (item, sizeof item, "%.*s", (int) (len < sizeof item ? len : sizeof item - 1), p);
      if (len >= sizeof item
          || fga_parse_size (&out[*count], item, 1, (size_t) 1 << 24, option, &err) != FGA_OK)
        {
          char named[128];
          snprintf (named, sizeof named, "%s %s", option, text);
          return bad_usage ("%s: expected positive whole numbers (at most 16777216) separated "
                            "by commas", named);
        }
      (*count)++;
      p += len + (p[len] == ',');
    }
  if (*count == 0)
    return bad_usage ("%s: the list is empty", option);
  return 0;
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

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

/* Whether the peak resident size could be reset before a measurement
   (bench_util.h); if not, the figure is the process's peak since start.  */
static int rss_resettable = 1;

/* Best of reps dgemm calls, C = A B^T with A m x k and B n x k, as the scores
   of attention are; GFLOP/s with 2 m n k per call.  */
static double
dgemm_rate (size_t m, size_t n, size_t k, int reps)
{
  double *A = malloc (m * k * sizeof (double)), *B = malloc (n * k * sizeof (double));
  double *C = malloc (m * n * sizeof (double));
  double best = HUGE_VAL;
  if (A != NULL && B != NULL && C != NULL)
    {
      for (size_t i = 0; i < m * k; i++)
        A[i] = 1.0 / (double) (i % 7 + 1);
      for (size_t i = 0; i < n * k; i++)
        B[i] = 1.0 / (double) (i % 5 + 1);
      /* the first call also sets up OpenBLAS's threads and buffers */
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) m, (int) n, (int) k, 1.0, A,
                   (int) k, B, (int) k, 0.0, C, (int) n);
      for (int r = 0; r < reps; r++)
        {
          double t = now ();
          cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) m, (int) n, (int) k, 1.0,
                       A, (int) k, B, (int) k, 0.0, C, (int) n);
          t = now () - t;
          best = t < best ? t : best;
        }
    }
  free (A);
  free (B);
  free (C);
  return best < HUGE_VAL ? 2.0 * (double) m * (double) n * (double) k / best / 1e9 : NAN;
}

enum { NAIVE, STREAM, BLAS, NMETHODS };
static const char *method_name[NMETHODS] = { "naive", "stream", "blas" };

typedef struct
{
  double seconds;               /* best wall time, NAN if not run */
  double gflops;
  size_t peak_bytes;
  double rss;                   /* peak RSS during the runs */
  size_t block;
  int failed;
} result_t;

static int
run_method (int method, fga_mat_ptr T, fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V,
            double tau, fga_stats *st, fga_error *err)
{
  fga_stats_init (st);
  fga_error_init (err);
  switch (method)
    {
    case NAIVE:
      return fga_attention_naive (T, NULL, Q, K, V, tau, st, err);
    case STREAM:
      return fga_attention_stream (T, NULL, Q, K, V, tau, 0, st, err);
    default:
      return fga_attention_blas (T, NULL, Q, K, V, tau, 0, st, err);
    }
}

/* Best of reps runs of one method on a fresh n x d instance.  */
static result_t
measure (int method, size_t n, size_t d, int reps)
{
  result_t r = { NAN, NAN, 0, NAN, 0, 0 };
  fga_mat_t Q, K, V, T;
  fga_error err;
  uint64_t state = 0x9E3779B97F4A7C15ULL ^ (n * 1000003 + d);
  if (fga_mat_init (Q, n, d, &err) != FGA_OK || fga_mat_init (K, n, d, &err) != FGA_OK
      || fga_mat_init (V, n, d, &err) != FGA_OK || fga_mat_init (T, n, d, &err) != FGA_OK)
    {
      fprintf (stderr, "fgattn bench: n = %zu, d = %zu: %s\n", n, d, err.msg);
      r.failed = 1;
      goto done;
    }
  fill (Q, &state);
  fill (K, &state);
  fill (V, &state);
  rss_resettable = bench_reset_peak_rss ();
  for (int k = 0; k < reps; k++)
    {
      fga_stats st;
      double t = now ();
      int rc = run_method (method, T, Q, K, V, 1.0 / (double) d, &st, &err);
      t = now () - t;
      if (rc != FGA_OK)
        {
          fprintf (stderr, "fgattn bench: %s at n = %zu, d = %zu failed: %s\n",
                   method_name[method], n, d, err.msg);
          r.failed = 1;
          break;
        }
      if (!(t >= r.seconds))
        r.seconds = t;
      r.peak_bytes = st.peak_bytes;
      double b = fga_stats_get (&st, "block");
      r.block = isnan (b) ? 0 : (size_t) b;
    }
  r.rss = bench_peak_rss ();
  if (!r.failed)
    r.gflops = 4.0 * (double) n * (double) n * (double) d / r.seconds / 1e9;
done:
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
  return r;
}

static double
instance_bytes (size_t n, size_t d)
{
  return 4.0 * (double) n * (double) d * sizeof (double);
}

static void
print_row (size_t n, size_t d, int method, const result_t *r, int reps)
{
  printf ("%7zu %4zu  %-7s %5d %10.4f %9.2f %12.2f %10.1f", n, d, method_name[method], reps,
          r->seconds, r->gflops, (double) r->peak_bytes / MIB, r->rss / MIB);
  if (method == STREAM)
    printf ("   %5.2f", r->rss / (instance_bytes (n, d) + 64 * MIB));
  else
    printf ("        ");
  if (r->block > 0)
    printf ("   block=%zu", r->block);
  printf ("\n");
  fflush (stdout);
}

/* The ground truth on a small case: entries of T per second at 128 bits.  */
static void
bench_truth (void)
{
  const size_t n = 64, d = 16;
  fga_mat_t Q, K, V, T;
  fga_error err;
  uint64_t state = 12345;
  printf ("\nground truth (exact:algo=mpfr, prec=128), n = %zu, d = dv = %zu, B = 1, tau = 1/d:\n",
          n, d);
  if (fga_mat_init (Q, n, d, &err) != FGA_OK || fga_mat_init (K, n, d, &err) != FGA_OK
      || fga_mat_init (V, n, d, &err) != FGA_OK || fga_mat_init (T, n, d, &err) != FGA_OK)
    {
      printf ("  not measured: %s\n", err.msg);
      goto done;
    }
  fill (Q, &state);
  fill (K, &state);
  fill (V, &state);
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_truth_opts opts = { 128, 8192 };
  double best = HUGE_VAL;
  for (int r = 0; r < 3; r++)
    {
      fga_truth_info info;
      fga_stats st;
      fga_stats_init (&st);
      fga_error_init (&err);
      double t = now ();
      int rc = fga_truth (T, NULL, NULL, NULL, Q, K, V, &tau, &opts, &info, &st, &err);
      t = now () - t;
      if (rc != FGA_OK)
        {
          printf ("  not measured: fga_truth returned %d: %s\n", rc, err.msg);
          goto done;
        }
      best = t < best ? t : best;
      if (r == 0)
        printf ("  %zu undecided entries, highest precision used %ld bits, %zu rows raised\n",
                info.undecided, (long) info.prec_used_max, info.rows_raised);
    }
  printf ("  %.4f s for %zu entries: %.0f entries/s\n", best, n * d, (double) (n * d) / best);
done:
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}

#pragma weak openblas_get_num_threads

int
cli_bench (int argc, char **argv)
{
  size_t ns[MAXLIST] = { 1024, 4096, 16384 }, ds[MAXLIST] = { 16, 64 };
  size_t nn = 3, nd = 2;
  int reps = 3, quick = 0, n_given = 0;

  int a = 1;
  if (a < argc && (strcmp (argv[a], "--help") == 0 || strcmp (argv[a], "-h") == 0))
    {
      usage (stdout);
      return 0;
    }
  if (a >= argc)
    {
      usage (stderr);
      return 2;
    }
  if (strcmp (argv[a], "poly") == 0)
    return cli_bench_poly (argc - a, argv + a);
  if (strcmp (argv[a], "lowrank") == 0)
    return cli_bench_lowrank (argc - a, argv + a);
  if (strcmp (argv[a], "rank") == 0)
    return cli_bench_rank (argc - a, argv + a);
  if (strcmp (argv[a], "exact") != 0)
    return bad_usage ("no benchmark '%s' (there are: exact, poly, lowrank, rank)", argv[a]);
  for (a = 2; a < argc; a++)
    {
      const char *o = argv[a];
      if (strcmp (o, "--help") == 0 || strcmp (o, "-h") == 0)
        {
          usage (stdout);
          return 0;
        }
      else if (strcmp (o, "--quick") == 0)
        quick = 1;
      else if (strcmp (o, "--n") == 0 || strcmp (o, "--d") == 0 || strcmp (o, "--reps") == 0)
        {
          if (a + 1 >= argc)
            return bad_usage ("%s needs a value", o);
          const char *v = argv[++a];
          if (strcmp (o, "--n") == 0)
            {
              if (parse_list (ns, &nn, v, "--n") != 0)
                return 2;
              n_given = 1;
            }
          else if (strcmp (o, "--d") == 0)
            {
              if (parse_list (ds, &nd, v, "--d") != 0)
                return 2;
            }
          else
            {
              long r;
              fga_error err;
              if (fga_parse_long (&r, v, 1, 1000, "--reps", &err) != FGA_OK)
                return bad_usage ("--reps %s: expected a whole number from 1 to 1000", v);
              reps = (int) r;
            }
        }
      else
        return bad_usage ("unknown option '%s'", o);
    }
  if (quick && !n_given)
    nn = 2;

  int threads = 1;
#ifdef _OPENMP
  threads = omp_get_max_threads ();
#endif
  printf ("fgattn %s bench exact: %d OpenMP threads", fga_version (), threads);
  if (openblas_get_num_threads != NULL)
    printf (", %d OpenBLAS threads", openblas_get_num_threads ());
  printf ("\n\n");

  /* 1. The yardstick.  */
  printf ("DGEMM (cblas_dgemm, C = A B^T with A m x k and B n x k, best of %d):\n",
          reps < 3 ? 3 : reps);
  double yard = dgemm_rate (2048, 2048, 2048, reps < 3 ? 3 : reps);
  printf ("  m = %5d, k = %5d, n = %5d  %8.2f GFLOP/s   <- the yardstick (square)\n", 2048,
          2048, 2048, yard);
  double shaped[MAXLIST];
  for (size_t j = 0; j < nd; j++)
    {
      shaped[j] = dgemm_rate (4096, 4096, ds[j], reps < 3 ? 3 : reps);
      printf ("  m = %5d, k = %5zu, n = %5d  %8.2f GFLOP/s   (Q K^T at n = 4096, d = %zu)\n",
              4096, ds[j], 4096, shaped[j], ds[j]);
    }

  /* 2. The table.  */
  printf ("\nexact attention, nq = nk = n, dv = d, tau = 1/d; GFLOP/s = 4 n^2 d / time;\n"
          "peak MiB: the kernel's scratch; RSS MiB: the process's peak resident set%s;\n"
          "RSS/(QKVT+64MiB): for stream, against the bytes of Q, K, V, T plus 64 MiB\n\n",
          rss_resettable ? " during the runs" : " since start");
  printf ("%7s %4s  %-7s %5s %10s %9s %12s %10s %7s\n", "n", "d", "method", "runs", "seconds",
          "GFLOP/s", "peak MiB", "RSS MiB", "RSS/(QKVT+64MiB)");
  double best_4096[MAXLIST];
  const char *best_name[MAXLIST];
  for (size_t j = 0; j < nd; j++)
    {
      best_4096[j] = NAN;
      best_name[j] = NULL;
    }
  for (size_t j = 0; j < nd; j++)
    {
      double naive_per_n2 = NAN;        /* seconds of naive / n^2, from the smallest n run */
      for (size_t i = 0; i < nn; i++)
        {
          size_t n = ns[i], d = ds[j];
          for (int m = 0; m < NMETHODS; m++)
            {
              int r = reps;
              if (m == NAIVE)
                {
                  double est = naive_per_n2 * (double) n * (double) n;
                  if (est > NAIVE_LIMIT)
                    {
                      printf ("%7zu %4zu  %-7s  skipped: one run would take about %.0f s\n",
                              n, d, method_name[m], est);
                      continue;
                    }
                  if (est * r > NAIVE_LIMIT)
                    r = 1;
                }
              result_t res = measure (m, n, d, r);
              if (res.failed)
                continue;
              if (m == NAIVE && isnan (naive_per_n2))
                naive_per_n2 = res.seconds / ((double) n * (double) n);
              print_row (n, d, m, &res, r);
              if (n == 4096 && m != NAIVE && !(res.gflops <= best_4096[j]))
                {
                  best_4096[j] = res.gflops;
                  best_name[j] = method_name[m];
                }
            }
        }
    }

  /* 3. Memory of the stream method at n = 65536.  */
  if (!quick)
    {
      const size_t n = 65536, d = 64;
      printf ("\nstream at n = %zu, d = %zu (one run):\n", n, d);
      result_t res = measure (STREAM, n, d, 1);
      if (!res.failed)
        {
          double data = instance_bytes (n, d), limit = 1.5 * data + 64 * MIB;
          print_row (n, d, STREAM, &res, 1);
          printf ("  peak RSS %.1f MiB; Q, K, V, T take %.1f MiB; limit 1.5 x %.1f + 64 = %.1f "
                  "MiB: %s (%.0f%% of the limit)\n", res.rss / MIB, data / MIB, data / MIB,
                  limit / MIB, res.rss <= limit ? "met" : "NOT met", 100 * res.rss / limit);
        }
    }
  else
    printf ("\n(--quick: the n = 65536 memory case is skipped)\n");

  /* 4. The ground truth.  */
  bench_truth ();

  /* Summary against the target figures.  */
  printf ("\nsummary (best double method, measured by this run):\n");
  for (size_t j = 0; j < nd; j++)
    {
      if (best_name[j] == NULL)
        {
          printf ("  n = 4096, d = %zu: not measured (4096 is not in --n)\n", ds[j]);
          continue;
        }
      if (ds[j] == 64)
        printf ("  n = 4096, d = 64: %s %.2f GFLOP/s = %.0f%% of square DGEMM (%.2f), "
                "%.0f%% of the n x 64 x n DGEMM (%.2f); target: 75%% of DGEMM\n", best_name[j],
                best_4096[j], 100 * best_4096[j] / yard, yard, 100 * best_4096[j] / shaped[j],
                shaped[j]);
      else if (ds[j] == 16)
        printf ("  n = 4096, d = 16: %s %.2f GFLOP/s on %d threads; target: 20 GFLOP/s on 2 "
                "cores\n", best_name[j], best_4096[j], threads);
      else
        printf ("  n = 4096, d = %zu: %s %.2f GFLOP/s = %.0f%% of square DGEMM\n", ds[j],
                best_name[j], best_4096[j], 100 * best_4096[j] / yard);
    }
  return 0;
}
