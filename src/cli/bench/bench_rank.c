/* fgattn bench rank -- time and memory of the randomized rank of P, against the dense one

   The settings: nq = nk = n, Q and K uniform in [-B, B] with
   B = beta sqrt (ln n) (fga_instance_generate, dv = 1: V is not used),
   tau = 1/d, the tolerance 1/n.  Per beta and seed, the randomized rank
   (fga_attention_rank_randomized: matrix-free, memory O(n l)) with its
   wall times, the library's peak bytes, the process's peak RSS (getrusage,
   the high-water mark reset before each measurement where Linux allows),
   the sketch's columns and passes over P; with --compare the dense path
   (P formed, LAPACK's SVD, fga_numerical_rank) beside it where its
   16 n^2 bytes fit, and whether the two ranks agree.  Every run of a
   measurement computes the same rank (the sketch's seed is fixed); the
   last run's is reported.  It prints figures and never fails on speed.  */

#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
           "usage: fgattn bench rank [-n N] [-d D] [--beta LIST] [--seed LIST]\n"
           "                         [--kmax K] [--compare] [-w N] [-r N]\n"
           "                         [--format table|csv|json] [--export-csv FILE]\n"
           "                         [--export-json FILE] [-q]\n"
           "\n"
           "The numerical rank of P = softmax(tau Q K^T) at tolerance 1/n without\n"
           "forming P (the randomized range finder of fgattn rank --algo randomized),\n"
           "for nq = nk = n, Q and K uniform in [-B, B], B = beta sqrt(ln n),\n"
           "tau = 1/d.  Rows, per beta, seed and algorithm: warmup and runs (the\n"
           "runs made), seconds_median, seconds_min, seconds_max of the counted\n"
           "runs, the library's peak_mib, the process's peak rss_mib (reset before\n"
           "each measurement where Linux allows), the rank (censored = 1: the rank\n"
           "is at least rank, at most rank_hi), the sketch's columns and its passes\n"
           "over P.  --compare adds the dense path (P formed, LAPACK's SVD) at the\n"
           "same n, where its 16 n^2 bytes fit in half the memory and n <= %d,\n"
           "and whether the ranks agree.  A run at n = 65536 takes minutes: give\n"
           "--warmup 0 --runs 1 there.\n"
           "\n"
           "  -n N                nq = nk = N (default 8192, from 2 to 2^20)\n"
           "  -d D                dimension (default ceil(log2 N))\n"
           "  --beta LIST         regimes beta, comma-separated (default 0.25)\n"
           "  --seed LIST         seeds of the instances, comma-separated (default 1)\n"
           "  --kmax K            the largest rank resolved (default 1024)\n"
           "  --compare           also the dense path, as the comparator\n"
           "%s"
           "\n"
           "example: fgattn bench rank -n 65536 -d 16 --warmup 0 --runs 1\n"
           "         fgattn bench rank -n 4096 --beta 0.25,0.5 --seed 1,2,3 --compare\n",
           DENSE_MAX_N, bench_common_help);
}

enum { R_N, R_D, R_BETA, R_B, R_SEED, R_ALGO, R_STATUS, R_WARMUP, R_RUNS, R_MED, R_MIN, R_MAX,
       R_PEAK, R_RSS, R_RANK, R_CENSORED, R_RANK_HI, R_COLS, R_PASSES, R_RANKS, NROW };
static const bench_col row_cols[NROW] = {
  { "n", NULL }, { "d", NULL }, { "beta", "%g" }, { "B", "%.4g" }, { "seed", NULL },
  { "algo", NULL }, { "status", NULL }, { "warmup", NULL }, { "runs", NULL },
  { "seconds_median", "%.4g" }, { "seconds_min", "%.4g" }, { "seconds_max", "%.4g" },
  { "peak_mib", "%.1f" }, { "rss_mib", "%.1f" }, { "rank", NULL }, { "censored", NULL },
  { "rank_hi", NULL }, { "cols", NULL }, { "passes", NULL }, { "ranks", NULL }
};

enum { S_N = BENCH_NENV, S_D, S_KMAX, S_TOL, S_TAU, S_DATA, NSUM };
static const bench_col sum_cols[NSUM] = {
  BENCH_ENV_COLS, { "n", NULL }, { "d", NULL }, { "kmax", NULL }, { "tol", NULL },
  { "tau", NULL }, { "data", NULL }
};

static const char legend[] =
  "times in seconds (median, least, largest of the counted runs); rank at\n"
  "tol = 1/n (censored = 1: at least rank, at most rank_hi); ranks: the dense\n"
  "rank against the randomized one\n";

typedef struct
{
  size_t n, d, kmax;
  double beta[MAXLIST];
  size_t seed[MAXLIST];
  size_t nbeta, nseed;
  int compare, failed;
  int d_given;                  /* -d was given (else d = ceil (log2 n)) */
  bench_opts o;
  bench_report rep;
  bench_progress pr;
} rank_t;

/* One instance and what a run of either path needs and leaves.  */
typedef struct
{
  const rank_t *r;
  fga_instance_srcptr inst;
  int dense;
  double tol, tau;
  fga_rank_estimate est;        /* randomized: of the last run */
  double *sigma;                /* dense: the singular values */
  fga_stats st;                 /* of the last run */
} run_ctx;

static int
run_rank (void *ctx, double *seconds, fga_error *err)
{
  run_ctx *c = ctx;
  fga_rank_opts ro = { c->r->kmax, 1, 0, 0, 0 };
  int rc;
  fga_error_init (err);
  fga_stats_init (&c->st);
  double t = fga_wall_time ();
  if (c->dense)
    rc = fga_attention_singular_values (c->sigma, c->inst->Q, c->inst->K, c->tau, &c->st, err);
  else
    rc = fga_attention_rank_randomized (&c->est, &c->tol, 1, c->inst->Q, c->inst->K, c->tau,
                                        &ro, &c->st, err);
  *seconds = fga_wall_time () - t;
  return rc;
}

/* Predicted seconds of one run, from rough rates: only the progress
   line's ETA depends on them.  The randomized path makes some 16 passes
   over P with a sketch of ~128 columns; the dense one an SVD.  */
static double
predicted_run (const rank_t *r, int dense)
{
  double n = (double) r->n;
  if (dense)
    return 20 * n * n * n / 5e9;
  return 16 * n * n * (2.0 * (double) r->d + 2 * 128) / 4e9;
}

/* Whether the dense path fits: its 16 n^2 bytes in half the memory.  */
static int
dense_fits (const rank_t *r)
{
  double n = (double) r->n;
  return r->n <= DENSE_MAX_N && 16.0 * n * n <= fga_physical_bytes () / 2;
}

static void
row_head (rank_t *r, double beta, size_t seed, const char *algo, const char *status)
{
  cli_table_t *t = &r->rep.rows;
  cli_table_new_row (t);
  bench_set_size (t, R_N, r->n);
  bench_set_size (t, R_D, r->d);
  bench_set (t, R_BETA, beta);
  bench_set (t, R_B, beta * sqrt (log ((double) r->n)));
  bench_set_size (t, R_SEED, seed);
  bench_set_text (t, R_ALGO, algo);
  bench_set_text (t, R_STATUS, status);
}

/* Runs c's path: its row up to the rank; FGA_OK or the failure's status. */
static int
measure (rank_t *r, run_ctx *c, double beta, size_t seed)
{
  const char *algo = c->dense ? "dense" : "randomized";
  char label[96];
  bench_sample s;
  fga_error err;
  snprintf (label, sizeof label, "%s beta=%g seed=%zu", algo, beta, seed);
  r->pr.weight = bench_predicted (&r->o, predicted_run (r, c->dense));
  bench_reset_peak_rss ();
  int rc = bench_sample_runs (&s, &r->o, &r->pr, label, run_rank, c, &err);
  double rss = bench_peak_rss ();
  bench_progress_next (&r->pr, label);
  row_head (r, beta, seed, algo, rc == FGA_OK ? "ok" : "failed");
  cli_table_t *t = &r->rep.rows;
  if (rc != FGA_OK)
    {
      r->failed++;
      bench_set_text (t, R_RANKS, err.msg);
      return rc;
    }
  bench_set_sample (t, R_WARMUP, &s);
  bench_set (t, R_PEAK, (double) c->st.peak_bytes / MIB);
  bench_set (t, R_RSS, rss / MIB);
  return rc;
}

static void
randomized_row (rank_t *r, run_ctx *c, double beta, size_t seed)
{
  c->dense = 0;
  if (measure (r, c, beta, seed) != FGA_OK)
    return;
  cli_table_t *t = &r->rep.rows;
  bench_set_size (t, R_RANK, c->est.rank);
  bench_set_size (t, R_CENSORED, (size_t) c->est.censored);
  bench_set_size (t, R_RANK_HI, c->est.rank_hi);
  bench_set (t, R_COLS, fga_stats_get (&c->st, "cols"));
  bench_set (t, R_PASSES, fga_stats_get (&c->st, "passes"));
}

/* The dense path, after the randomized one (whose estimate is in c->est,
   valid when `have_est'): its rank and whether the two agree.  */
static void
dense_row (rank_t *r, run_ctx *c, double beta, size_t seed, int have_est)
{
  if (!dense_fits (r))
    {
      char why[160];
      snprintf (why, sizeof why, "P and its SVD need %.0f MiB, or n > %d",
                16.0 * (double) r->n * (double) r->n / MIB, DENSE_MAX_N);
      r->pr.weight = bench_predicted (&r->o, predicted_run (r, 1));
      bench_progress_next (&r->pr, "dense");
      row_head (r, beta, seed, "dense", "skipped");
      bench_set_text (&r->rep.rows, R_RANKS, why);
      return;
    }
  c->dense = 1;
  c->sigma = malloc (r->n * sizeof *c->sigma);
  if (c->sigma != NULL && measure (r, c, beta, seed) == FGA_OK)
    {
      size_t rank = fga_numerical_rank (c->sigma, r->n, c->tol);
      const fga_rank_estimate *e = &c->est;
      const char *agree = !have_est ? ""
        : e->censored ? (e->rank <= rank && rank <= e->rank_hi
                         ? "within the censored bracket" : "DISAGREE")
        : rank == e->rank ? "agree" : "DISAGREE";
      bench_set_size (&r->rep.rows, R_RANK, rank);
      bench_set_size (&r->rep.rows, R_CENSORED, 0);
      bench_set_size (&r->rep.rows, R_RANK_HI, rank);
      bench_set_text (&r->rep.rows, R_RANKS, agree);
    }
  else if (c->sigma == NULL)
    {
      r->pr.weight = 0;
      bench_progress_next (&r->pr, "dense");
      row_head (r, beta, seed, "dense", "failed");
      bench_set_text (&r->rep.rows, R_RANKS, "out of memory for the singular values");
      r->failed++;
    }
  free (c->sigma);
  c->sigma = NULL;
}

/* Both paths on the instance of (beta, seed).  */
static void
one_case (rank_t *r, double beta, size_t seed)
{
  fga_instance_t inst;
  fga_error err;
  fga_instance_init (inst);
  double B = beta * sqrt (log ((double) r->n));
  if (fga_instance_generate (inst, r->n, r->n, r->d, 1, B, 1, FGA_DIST_UNIFORM,
                             (unsigned long) seed, &err) != FGA_OK)
    {
      for (int k = 0; k <= r->compare; k++)
        {
          bench_progress_next (&r->pr, "instance");
          row_head (r, beta, seed, k ? "dense" : "randomized", "failed");
          bench_set_text (&r->rep.rows, R_RANKS, err.msg);
          r->failed++;
        }
      fga_instance_clear (inst);
      return;
    }
  run_ctx c;
  memset (&c, 0, sizeof c);
  c.r = r;
  c.inst = inst;
  c.tol = 1.0 / (double) r->n;
  c.tau = 1.0 / (double) r->d;
  int before = r->failed;
  randomized_row (r, &c, beta, seed);
  if (r->compare)
    dense_row (r, &c, beta, seed, r->failed == before);
  fga_instance_clear (inst);
}

enum { OPT_BETA = BENCH_OPT_FIRST_FREE, OPT_SEED, OPT_KMAX, OPT_COMPARE };

/* One of bench rank's own options (bench_option_fn).  */
static int
rank_option (void *data, int c, const char *arg)
{
  rank_t *r = data;
  int rc = CLI_OK;
  if (c == 'n')
    rc = cli_parse_size (&r->n, arg, "-n", 2, (size_t) 1 << 20);
  else if (c == 'd')
    {
      rc = cli_parse_size (&r->d, arg, "-d", 1, 4096);
      r->d_given = 1;
    }
  else if (c == OPT_BETA)
    rc = bench_parse_reals (r->beta, &r->nbeta, MAXLIST, arg, "--beta", 0, 100);
  else if (c == OPT_SEED)
    rc = bench_parse_sizes (r->seed, &r->nseed, MAXLIST, arg, "--seed", 0, (size_t) 1 << 62);
  else if (c == OPT_KMAX)
    rc = cli_parse_size (&r->kmax, arg, "--kmax", 1, (size_t) 1 << 20);
  else if (c == OPT_COMPARE)
    r->compare = 1;
  return rc;
}

static int
rank_parse (rank_t *r, int argc, char **argv)
{
  static const struct option opts[] = {
    { "beta", required_argument, NULL, OPT_BETA },
    { "seed", required_argument, NULL, OPT_SEED },
    { "kmax", required_argument, NULL, OPT_KMAX },
    { "compare", no_argument, NULL, OPT_COMPARE },
    BENCH_LONG_OPTIONS,
    { NULL, 0, NULL, 0 }
  };
  int rc = bench_parse_options (&r->o, argc, argv, "n:d:" BENCH_SHORT_OPTIONS, opts,
                                rank_option, r);
  if (rc != CLI_OK || r->o.help)
    return rc;
  if (!r->d_given)
    for (r->d = 1; ((size_t) 1 << r->d) < r->n; r->d++)
      ;
  /* the sketch of l = kmax + 16 columns, as fgattn rank counts it, before
     any work (the dense path is skipped where it does not fit) */
  char what[96];
  double n = (double) r->n, l = fmin ((double) r->kmax + 16, n);
  snprintf (what, sizeof what, "-n %zu --kmax %zu: the randomized rank's sketch", r->n, r->kmax);
  rc = cli_check_memory (16.0 * n * (2 * l + 40) + 64.0 * MIB, what);
  return rc != CLI_OK ? rc : bench_opts_check (&r->o, argc, argv);
}

/* The rows of every beta and seed (bench_def's rows).  */
static int
all_rows (void *data)
{
  rank_t *r = data;
  for (size_t b = 0; b < r->nbeta; b++)
    for (size_t s = 0; s < r->nseed; s++)
      one_case (r, r->beta[b], r->seed[s]);
  return r->failed;
}

static void
fill_summary (void *data)
{
  rank_t *r = data;
  cli_table_t *t = &r->rep.summary;
  bench_set_size (t, S_N, r->n);
  bench_set_size (t, S_D, r->d);
  bench_set_size (t, S_KMAX, r->kmax);
  bench_set (t, S_TOL, 1.0 / (double) r->n);
  bench_set_text (t, S_TAU, "1/d");
  bench_set_text (t, S_DATA, "Q, K uniform in [-B, B], B = beta sqrt(ln n)");
}

int
cli_bench_rank (int argc, char **argv)
{
  rank_t r;
  memset (&r, 0, sizeof r);
  r.n = 8192;
  r.kmax = 1024;
  r.beta[0] = 0.25;
  r.seed[0] = 1;
  r.nbeta = r.nseed = 1;
  bench_opts_init (&r.o, usage);
  int rc = rank_parse (&r, argc, argv);
  if (rc != CLI_OK || r.o.help)
    return rc;
  size_t cases = r.nbeta * r.nseed;
  double work = (double) cases * bench_predicted (&r.o, predicted_run (&r, 0));
  if (r.compare && dense_fits (&r))
    work += (double) cases * bench_predicted (&r.o, predicted_run (&r, 1));
  static const bench_def def = { "rank", sum_cols, row_cols, NSUM, NROW, legend, all_rows,
                                 fill_summary };
  return bench_measure (&def, &r, &r.o, &r.rep, &r.pr, cases * (1 + (size_t) r.compare), work);
}
