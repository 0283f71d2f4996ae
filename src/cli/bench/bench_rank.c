/* fgattn bench rank -- time and memory of the randomized rank of P, against the dense one

   The settings: nq = nk = n, Q and K uniform in [-B, B] with
   B = beta sqrt (ln n) (fga_instance_generate, dv = 1: V is not used),
   tau = 1/d, the tolerance 1/n.  Per beta and seed, the randomized rank
   (fga_attention_rank_randomized: matrix-free, memory O(n l)) with its
   wall time, the library's peak bytes, the process's peak RSS (getrusage,
   the high-water mark reset before each run where Linux allows), the
   sketch's columns and passes over P; with --compare the dense path
   (P formed, LAPACK's SVD, fga_numerical_rank) beside it where its
   16 n^2 bytes fit, and whether the two ranks agree.  It prints figures and
   never fails on speed.  */

#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
# include <omp.h>
#endif

#include "fgattn.h"
#include "bench_rank.h"
#include "bench_util.h"

#define MIB (1024.0 * 1024.0)
#define MAXLIST 8
/* the dense comparator's SVD grows like n^3: a few minutes at 16384 */
#define DENSE_MAX_N 16384

static void
usage (FILE *out)
{
  fprintf (out,
           "usage: fgattn bench rank [--n N] [--d D] [--beta LIST] [--seed LIST] [--kmax K]\n"
           "                         [--compare]\n"
           "\n"
           "The numerical rank of P = softmax(tau Q K^T) at tolerance 1/n without\n"
           "forming P (the randomized range finder of fgattn rank --algo randomized),\n"
           "for nq = nk = n, Q and K uniform in [-B, B], B = beta sqrt(ln n),\n"
           "tau = 1/d.  For each beta and seed of the lists: wall seconds, the\n"
           "library's peak MiB, the process's peak RSS in MiB (reset before each\n"
           "run where Linux allows), the rank (\">= R\" when censored), the sketch's\n"
           "columns and its passes over P.  --compare adds the dense path (P formed,\n"
           "LAPACK's SVD) at the same n, where its 16 n^2 bytes fit in half the\n"
           "memory and n <= %d, and whether the ranks agree.  It prints figures\n"
           "and never fails on speed.  With OpenBLAS, export OPENBLAS_CORETYPE if it\n"
           "misdetects the processor.\n"
           "\n"
           "  --n N        nq = nk = N (default 8192, from 2 to 2^20)\n"
           "  --d D        dimension (default ceil(log2 N))\n"
           "  --beta LIST  regimes beta, comma-separated (default 0.25)\n"
           "  --seed LIST  seeds of the instances, comma-separated (default 1)\n"
           "  --kmax K     the largest rank resolved (default 1024)\n"
           "  --compare    also the dense path, as the comparator\n"
           "\n"
           "example: OPENBLAS_CORETYPE=SkylakeX fgattn bench rank --n 65536 --d 16\n"
           "         fgattn bench rank --n 8192 --beta 0.25,0.5 --seed 1,2,3 --compare\n",
           DENSE_MAX_N);
}

/* A comma-separated list of at most MAXLIST reals in (0, 100] (seeds:
   whole numbers in [0, 2^62]), or bad usage.  */
static int
parse_list (double *out, size_t *count, const char *text, const char *option, int whole)
{
  const char *p = text;
  *count = 0;
  while (*p != '\0')
    {
      char item[64];
      size_t len = strcspn (p, ",");
      fga_error err;
      long v;
      snprintf (item, sizeof item, "%.*s", (int) (len < sizeof item ? len : sizeof item - 1), p);
      int bad = *count == MAXLIST || len >= sizeof item;
      if (!bad && whole)
        {
          bad = fga_parse_long (&v, item, 0, 1L << 62, option, &err) != FGA_OK;
          out[*count] = (double) v;
        }
      else if (!bad)
        bad = fga_parse_real (&out[*count], item, 0, 100, FGA_PARSE_OPEN_MIN, option, &err)
          != FGA_OK;
      if (bad)
        {
          char named[160];
          snprintf (named, sizeof named, "%s %.100s", option, text);
          return bench_bad_usage ("rank", whole ? "%s: expected at most 8 whole numbers in "
                                  "[0, 2^62] separated by commas" : "%s: expected at most 8 "
                                  "numbers in (0, 100] separated by commas", named);
        }
      (*count)++;
      p += len + (p[len] == ',');
    }
  if (*count == 0)
    return bench_bad_usage ("rank", "%s: the list is empty", option);
  return 0;
}

typedef struct
{
  long n, d, kmax;
  double beta[MAXLIST], seed[MAXLIST];
  size_t nbeta, nseed;
  int compare;
} opts_t;

static int
parse_opts (opts_t *o, int argc, char **argv)
{
  int d_given = 0, rc = 0;
  for (int a = 1; a < argc && rc == 0; a++)
    {
      const char *opt = argv[a];
      if (strcmp (opt, "--help") == 0 || strcmp (opt, "-h") == 0)
        {
          usage (stdout);
          return -1;
        }
      if (strcmp (opt, "--compare") == 0)
        {
          o->compare = 1;
          continue;
        }
      if (strcmp (opt, "--n") != 0 && strcmp (opt, "--d") != 0 && strcmp (opt, "--beta") != 0
          && strcmp (opt, "--seed") != 0 && strcmp (opt, "--kmax") != 0)
        return bench_bad_usage ("rank", "unknown option '%s'", opt);
      if (a + 1 >= argc)
        return bench_bad_usage ("rank", "%s needs a value", opt);
      const char *v = argv[++a];
      if (strcmp (opt, "--n") == 0)
        rc = bench_parse_long (&o->n, "rank", v, 2, 1L << 20, opt);
      else if (strcmp (opt, "--d") == 0)
        {
          rc = bench_parse_long (&o->d, "rank", v, 1, 4096, opt);
          d_given = 1;
        }
      else if (strcmp (opt, "--kmax") == 0)
        rc = bench_parse_long (&o->kmax, "rank", v, 1, 1L << 20, opt);
      else if (strcmp (opt, "--beta") == 0)
        rc = parse_list (o->beta, &o->nbeta, v, opt, 0);
      else
        rc = parse_list (o->seed, &o->nseed, v, opt, 1);
    }
  if (rc == 0 && !d_given)
    for (o->d = 1; (1L << o->d) < o->n; o->d++)
      ;
  return rc;
}

/* One row of the table: the run's figures ("-" for a figure it has not). */
static void
print_row (const opts_t *o, double beta, double seed, const char *algo, size_t rank,
           int censored, double cols, double passes, double secs, double peak, double rss,
           const char *agree)
{
  char rk[32], cl[32] = "-", ps[32] = "-";
  snprintf (rk, sizeof rk, "%s%zu", censored ? ">= " : "", rank);
  if (!isnan (cols))
    snprintf (cl, sizeof cl, "%.0f", cols);
  if (!isnan (passes))
    snprintf (ps, sizeof ps, "%.0f", passes);
  printf ("%7ld %4ld %5.3g %5.0f  %-10s %8s %6s %6s %9.2f %9.1f %9.1f  %s\n", o->n, o->d,
          beta, seed, algo, rk, cl, ps, secs, peak / MIB, rss / MIB, agree);
}

/* The randomized rank at 1/n, then the dense one when asked and it fits;
   0, or 1 after a message when a computation fails.  */
static int
measure (const opts_t *o, fga_instance_srcptr inst, double beta, double seed)
{
  const size_t n = (size_t) o->n;
  const double tol = 1.0 / (double) n, tau = 1.0 / (double) o->d;
  fga_error err;
  fga_stats st;
  fga_stats_init (&st);
  fga_rank_estimate est;
  fga_rank_opts ro = { (size_t) o->kmax, 1, 0, 0, 0 };
  bench_reset_peak_rss ();
  double t = fga_wall_time ();
  if (fga_attention_rank_randomized (&est, &tol, 1, inst->Q, inst->K, tau, &ro, &st, &err)
      != FGA_OK)
    {
      fprintf (stderr, "fgattn bench rank: %s\n", err.msg);
      return 1;
    }
  t = fga_wall_time () - t;
  print_row (o, beta, seed, "randomized", est.rank, est.censored, fga_stats_get (&st, "cols"),
             fga_stats_get (&st, "passes"), t, (double) st.peak_bytes, bench_peak_rss (), "");
  if (!o->compare)
    return 0;
  if (n > DENSE_MAX_N || 16.0 * (double) n * (double) n > fga_physical_bytes () / 2)
    {
      printf ("%7ld %4ld %5.3g %5.0f  %-10s skipped: P and its SVD need %.0f MiB, or n > %d\n",
              o->n, o->d, beta, seed, "dense", 16.0 * (double) n * (double) n / MIB,
              DENSE_MAX_N);
      return 0;
    }
  double *sigma = malloc (n * sizeof *sigma);
  fga_stats_init (&st);
  bench_reset_peak_rss ();
  t = fga_wall_time ();
  int rc = sigma == NULL ? FGA_ERR_NOMEM
    : fga_attention_singular_values (sigma, inst->Q, inst->K, tau, &st, &err);
  t = fga_wall_time () - t;
  if (rc != FGA_OK)
    fprintf (stderr, "fgattn bench rank: %s\n", sigma == NULL ? "out of memory" : err.msg);
  else
    {
      size_t rank = fga_numerical_rank (sigma, n, tol);
      const char *agree = est.censored ? (est.rank <= rank && rank <= est.rank_hi
                                          ? "within the censored bracket" : "DISAGREE")
        : rank == est.rank ? "agree" : "DISAGREE";
      print_row (o, beta, seed, "dense", rank, 0, NAN, NAN, t, (double) st.peak_bytes,
                 bench_peak_rss (), agree);
    }
  free (sigma);
  return rc != FGA_OK;
}

int
cli_bench_rank (int argc, char **argv)
{
  opts_t o = { 8192, 0, 1024, { 0.25 }, { 1 }, 1, 1, 0 };
  int rc = parse_opts (&o, argc, argv);
  if (rc != 0)
    return rc < 0 ? 0 : rc;
  int threads = 1;
#ifdef _OPENMP
  threads = omp_get_max_threads ();
#endif
  printf ("fgattn %s bench rank: %d OpenMP threads; nq = nk = n, uniform in [-B, B], "
          "B = beta sqrt(ln n), tau = 1/d, tol = 1/n, kmax %ld\n\n", fga_version (), threads,
          o.kmax);
  printf ("      n    d  beta  seed  algo           rank   cols passes   seconds  peak MiB"
          "   RSS MiB  ranks\n");
  int status = 0;
  for (size_t b = 0; b < o.nbeta && status == 0; b++)
    for (size_t s = 0; s < o.nseed && status == 0; s++)
      {
        fga_instance_t inst;
        fga_instance_init (inst);
        fga_error err;
        double B = o.beta[b] * sqrt (log ((double) o.n));
        if (fga_instance_generate (inst, (size_t) o.n, (size_t) o.n, (size_t) o.d, 1, B, 1,
                                   FGA_DIST_UNIFORM, (unsigned long) o.seed[s], &err) != FGA_OK)
          {
            fprintf (stderr, "fgattn bench rank: %s\n", err.msg);
            status = 1;
          }
        else
          status = measure (&o, inst, o.beta[b], o.seed[s]);
        fga_instance_clear (inst);
      }
  return status;
}
