/* fgattn bench lowrank -- time, memory and error of the approximate methods against exact

   The settings: nq = nk = n (default 16384), d = dv = 16,
   Q and K uniform in [-B, B] for B in {0.5, 1, 2}, V uniform in [-1, 1]
   (fga_instance_generate), tau = 1/d.  For each B, every method at a few
   sizes through the method interface (create, prepare, run, destroy): its
   prepare seconds, its counted runs, the speedup of its median run over
   the fastest exact kernel's, its own peak bytes, the process's peak RSS
   and the max-abs error of its output against exact:algo=stream.  The
   reference is the double stream kernel rather than the certified truth
   because the truth costs minutes at this n and stream is within ~1e-15
   of it, far below every error measured here.  It prints figures and
   never fails on speed.  */

#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fgattn.h"
#include "bench_lowrank.h"
#include "bench_util.h"

#define MIB (1024.0 * 1024.0)
#define MAXB 16
/* svd forms the n x n matrix P and takes its full SVD, O(n^3) time and
   several n^2 doubles: beyond this n it would dominate the whole benchmark */
#define SVD_MAX_N 4096

static void
usage (FILE *out)
{
  fprintf (out,
           "usage: fgattn bench lowrank [-n N] [-d D] [-B LIST] [--quick] [--seed S]\n"
           "                            [-w N] [-r N] [--format table|csv|json]\n"
           "                            [--export-csv FILE] [--export-json FILE] [-q]\n"
           "\n"
           "Time, memory and error of the approximate methods at a few sizes, against\n"
           "the fastest exact kernel, for nq = nk = n, d = dv = D, Q and K uniform in\n"
           "[-B, B] for each B of the list, V uniform in [-1, 1], tau = 1/d:\n"
           "  rf:m=64,256,1024 (kind=pos, orth=1), nystrom:m=64,256 (landmarks=segment),\n"
           "  poly:eps=1e-3,1e-6, tsketch:m=256,1024 (where built), window:w=64,256,\n"
           "  dilated:w=256,r=1,alpha=2, svd:k=32 (only for n <= %d), and\n"
           "  exact:algo=stream and blas, the yardstick.\n"
           "Rows, per B and method: prep_seconds (prepare, made once), warmup and\n"
           "runs (the runs made), seconds_median, seconds_min, seconds_max of the\n"
           "counted runs, speedup = the fastest exact kernel's median over the\n"
           "method's, peak_mib (the method's own) and rss_mib (the process's peak\n"
           "during its prepare and runs), and max_abs = max |T - Att| with Att from\n"
           "exact:algo=stream (double, within ~1e-15 of the certified truth).  A\n"
           "method whose prepare refuses the problem (e.g. poly over its feature\n"
           "budget) has status 'skipped' and the reason in its note.\n"
           "\n"
           "  -n N                nq = nk = N (default 16384; --quick: 2048)\n"
           "  -d D                d = dv = D (default 16)\n"
           "  -B LIST             entry bounds of Q and K, comma-separated\n"
           "                      (default 0.5,1,2)\n"
           "  --quick             n = 2048 and fewer sizes per method\n"
           "  --seed S            seed of the instances (default 1)\n"
           "%s"
           "\n"
           "example: fgattn bench lowrank --quick\n", SVD_MAX_N, bench_common_help);
}

/* The specs measured, in table order; the exact ones come first since the
   others are compared with them.  A run's cost, for the progress line
   only: n w (4 d + 20) flops for a linear method of width w, n^2 (4 d + 20)
   for exact, 4 n^3 for the SVD.  */
enum { LINEAR, QUADRATIC, CUBIC };

typedef struct
{
  const char *spec;
  int quick;                    /* also measured under --quick */
  int cost;
  double w;
} entry_t;

static const entry_t entries[] = {
  { "exact:algo=stream", 1, QUADRATIC, 0 },
  { "exact:algo=blas", 1, QUADRATIC, 0 },
  { "rf:m=64,kind=pos,orth=1", 1, LINEAR, 64 },
  { "rf:m=256,kind=pos,orth=1", 1, LINEAR, 256 },
  { "rf:m=1024,kind=pos,orth=1", 0, LINEAR, 1024 },
  { "nystrom:m=64,landmarks=segment", 1, LINEAR, 64 },
  { "nystrom:m=256,landmarks=segment", 0, LINEAR, 256 },
  { "poly:eps=1e-3", 1, LINEAR, 1000 },
  { "poly:eps=1e-6", 0, LINEAR, 5000 },
  { "tsketch:m=256", 1, LINEAR, 256 },
  { "tsketch:m=1024", 0, LINEAR, 1024 },
  { "window:w=64", 1, LINEAR, 64 },
  { "window:w=256", 0, LINEAR, 256 },
  { "dilated:w=256,r=1,alpha=2", 1, LINEAR, 256 },
  { "svd:k=32", 1, CUBIC, 0 },
};

#define NENTRIES (sizeof entries / sizeof entries[0])
#define NEXACT 2

enum { R_B, R_METHOD, R_STATUS, R_PREP, R_WARMUP, R_RUNS, R_MED, R_MIN, R_MAX, R_SPEEDUP,
       R_PEAK, R_RSS, R_MAXABS, R_NOTE, NROW };
static const bench_col row_cols[NROW] = {
  { "B", "%g" }, { "method", NULL }, { "status", NULL }, { "prep_seconds", "%.4g" },
  { "warmup", NULL }, { "runs", NULL }, { "seconds_median", "%.4g" },
  { "seconds_min", "%.4g" }, { "seconds_max", "%.4g" }, { "speedup", "%.3g" },
  { "peak_mib", "%.2f" }, { "rss_mib", "%.1f" }, { "max_abs", "%.3g" }, { "note", NULL }
};

enum { S_N = BENCH_NENV, S_D, S_SEED, S_TAU, S_REFERENCE, S_RSS, S_DATA, NSUM };
static const bench_col sum_cols[NSUM] = {
  BENCH_ENV_COLS, { "n", NULL }, { "d", NULL }, { "seed", NULL }, { "tau", NULL },
  { "reference", NULL }, { "rss", NULL }, { "data", NULL }
};

static const char legend[] =
  "times in seconds (median, least, largest of the counted runs); speedup: the\n"
  "fastest exact kernel's median over the method's; max_abs: max |T - Att|,\n"
  "Att from exact:algo=stream\n";

typedef struct
{
  size_t n, d, nb;
  double bounds[MAXB];
  long seed;
  int quick, have_tsketch, failed;
  int n_given;                  /* -n was given (--quick leaves it) */
  bench_opts o;
  bench_report rep;
  bench_progress pr;
} lowrank_t;

/* One instance of B, its problem, the reference output and a scratch one. */
typedef struct
{
  double B;
  fga_instance_t inst;
  fga_problem prob;
  fga_mat_t Tref, T;
  double fastest;               /* the fastest exact kernel's median seconds */
} case_t;

typedef struct
{
  fga_method m;
  fga_instance_srcptr inst;
  fga_mat_ptr T;
  fga_stats st;                 /* of the last run */
} run_ctx;

static int
run_method (void *ctx, double *seconds, fga_error *err)
{
  run_ctx *c = ctx;
  fga_error_init (err);
  int rc = fga_method_run (c->m, c->T, NULL, c->inst->Q, c->inst->K, c->inst->V, &c->st, err);
  *seconds = c->st.wall_seconds;
  return rc;
}

static double
predicted_run (const lowrank_t *l, const entry_t *e)
{
  double n = (double) l->n, per = 4.0 * (double) l->d + 20;
  switch (e->cost)
    {
    case LINEAR:
      return n * e->w * per / 6e9;
    case QUADRATIC:
      return n * n * per / 6e9;
    default:
      return 4 * n * n * n / 5e9;
    }
}

/* Whether e is measured at all in this run (else it has no row).  */
static int
listed (const lowrank_t *l, const entry_t *e)
{
  return !l->quick || e->quick;
}

/* Why e is not run (a "skipped" row), or NULL.  */
static const char *
skip_reason (const lowrank_t *l, const entry_t *e, char *buf, size_t size)
{
  if (strncmp (e->spec, "tsketch", 7) == 0 && !l->have_tsketch)
    return "tsketch is not in this build";
  if (strncmp (e->spec, "svd", 3) == 0 && l->n > SVD_MAX_N)
    {
      snprintf (buf, size, "n > %d: its O(n^3) SVD of the n x n matrix P and %.0f MiB per "
                "copy of P are too much", SVD_MAX_N,
                (double) l->n * (double) l->n * sizeof (double) / MIB);
      return buf;
    }
  return NULL;
}

static void
row_head (lowrank_t *l, double B, const char *spec, const char *status, const char *note)
{
  cli_table_t *t = &l->rep.rows;
  cli_table_new_row (t);
  bench_set (t, R_B, B);
  bench_set_text (t, R_METHOD, spec);
  bench_set_text (t, R_STATUS, status);
  bench_set_text (t, R_NOTE, note);
}

/* The method's own figures worth a glance: poly's degree g and feature
   count r, tsketch's g and features, nystrom's numerical rank.  */
static void
method_note (char *buf, size_t size, const fga_stats *st)
{
  double g = fga_stats_get (st, "g"), r = fga_stats_get (st, "r");
  double f = fga_stats_get (st, "features"), rank = fga_stats_get (st, "rank");
  buf[0] = '\0';
  if (!isnan (g) && !isnan (r))
    snprintf (buf, size, "g=%.0f r=%.0f", g, r);
  else if (!isnan (g) && !isnan (f))
    snprintf (buf, size, "g=%.0f features=%.0f", g, f);
  else if (!isnan (rank))
    snprintf (buf, size, "rank=%.0f", rank);
}

/* One method on the case: create and prepare once (timed apart: it is
   done once per shape and reused by every run), then its runs into T (the
   reference's own runs into Tref).  Its row; the median seconds, or NAN. */
static double
measure (lowrank_t *l, case_t *cs, const entry_t *e, fga_mat_ptr T)
{
  fga_error err;
  fga_error_init (&err);
  l->pr.weight = bench_predicted (&l->o, predicted_run (l, e));
  bench_reset_peak_rss ();
  double t0 = fga_wall_time ();
  run_ctx c = { .m = fga_method_create (e->spec, &err), .inst = cs->inst, .T = T };
  int rc = c.m == NULL ? err.code : fga_method_prepare (c.m, &cs->prob, &err);
  double prep = fga_wall_time () - t0;
  if (rc != FGA_OK)
    {
      fga_method_destroy (c.m);
      bench_progress_next (&l->pr, e->spec);
      row_head (l, cs->B, e->spec, "skipped", err.msg);
      return NAN;
    }
  char label[96], note[96];
  bench_sample s;
  snprintf (label, sizeof label, "B=%g %s", cs->B, e->spec);
  rc = bench_sample_runs (&s, &l->o, &l->pr, label, run_method, &c, &err);
  double rss = bench_peak_rss ();
  bench_progress_next (&l->pr, label);
  method_note (note, sizeof note, &c.st);
  fga_method_destroy (c.m);
  row_head (l, cs->B, e->spec, rc == FGA_OK ? "ok" : "failed", rc == FGA_OK ? note : err.msg);
  if (rc != FGA_OK)
    {
      l->failed++;
      return NAN;
    }
  cli_table_t *t = &l->rep.rows;
  bench_set (t, R_PREP, prep);
  bench_set_sample (t, R_WARMUP, &s);
  bench_set (t, R_PEAK, (double) c.st.peak_bytes / MIB);
  bench_set (t, R_RSS, rss / MIB);
  return s.median;
}

/* max |T - Tref| into column R_MAXABS of row `row'.  */
static void
set_error (lowrank_t *l, size_t row, const case_t *cs)
{
  fga_metrics mt;
  fga_error err;
  if (fga_metrics_compute (&mt, cs->Tref, cs->T, &err) == FGA_OK)
    bench_set_at (&l->rep.rows, row, R_MAXABS, mt.max_abs);
  else
    bench_set_at (&l->rep.rows, row, R_MAXABS, NAN);
}

/* The rows of the exact kernels, from row0 on, once both ran: their
   speedups, and the error of blas (whose output is in T) against stream
   (the reference, in Tref).  */
static void
exact_tails (lowrank_t *l, const case_t *cs, const double *med, size_t row0)
{
  for (size_t j = 0; j < NEXACT; j++)
    if (!isnan (med[j]))
      {
        bench_set_at (&l->rep.rows, row0 + j, R_SPEEDUP, cs->fastest / med[j]);
        if (j == 0)
          bench_set_at (&l->rep.rows, row0, R_MAXABS, 0);
        else if (!isnan (med[0]))
          set_error (l, row0 + j, cs);
      }
}

/* The last row, of a method measured against the reference: its speedup
   and error.  */
static void
row_tail (lowrank_t *l, const case_t *cs, double med)
{
  if (isnan (med))
    return;
  size_t row = l->rep.rows.nrows - 1;
  if (!isnan (cs->fastest))
    bench_set_at (&l->rep.rows, row, R_SPEEDUP, cs->fastest / med);
  set_error (l, row, cs);
}

/* A row of a method not run, its weight counted as done.  */
static void
not_run (lowrank_t *l, const entry_t *e, double B, const char *status, const char *why)
{
  l->pr.weight = bench_predicted (&l->o, predicted_run (l, e));
  bench_progress_next (&l->pr, e->spec);
  row_head (l, B, e->spec, status, why);
}

/* Every method on the instance of bound B.  */
static void
one_bound (lowrank_t *l, double B)
{
  case_t cs;
  fga_error err;
  char why[160];
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  cs.B = B;
  cs.fastest = NAN;
  fga_instance_init (cs.inst);
  memset (cs.Tref, 0, sizeof cs.Tref);
  memset (cs.T, 0, sizeof cs.T);
  int rc = fga_instance_generate (cs.inst, l->n, l->n, l->d, l->d, B, 1.0, FGA_DIST_UNIFORM,
                                  (unsigned long) l->seed, &err);
  if (rc == FGA_OK)
    rc = fga_mat_init (cs.Tref, l->n, l->d, &err);
  if (rc == FGA_OK)
    rc = fga_mat_init (cs.T, l->n, l->d, &err);
  if (rc == FGA_OK)
    fga_problem_from_instance (&cs.prob, cs.inst, &tau);
  /* the exact kernels first (stream's output is the reference), then the
     others against them */
  double med[NENTRIES];
  size_t row0 = l->rep.rows.nrows;
  for (size_t k = 0; k < NENTRIES; k++)
    {
      const entry_t *e = &entries[k];
      med[k] = NAN;
      if (!listed (l, e))
        continue;
      if (rc != FGA_OK)
        {
          not_run (l, e, B, "failed", err.msg);
          l->failed++;
          continue;
        }
      const char *skip = skip_reason (l, e, why, sizeof why);
      if (skip == NULL && k >= NEXACT && isnan (med[0]))
        skip = "no reference: exact:algo=stream did not run";
      if (skip != NULL)
        {
          not_run (l, e, B, "skipped", skip);
          continue;
        }
      med[k] = measure (l, &cs, e, k == 0 ? cs.Tref : cs.T);
      if (k < NEXACT && !isnan (med[k]) && !(med[k] >= cs.fastest))
        cs.fastest = med[k];
      if (k == NEXACT - 1)
        exact_tails (l, &cs, med, row0);
      else if (k >= NEXACT)
        row_tail (l, &cs, med[k]);
    }
  fga_mat_clear (cs.Tref);
  fga_mat_clear (cs.T);
  fga_instance_clear (cs.inst);
}

enum { OPT_QUICK = BENCH_OPT_FIRST_FREE, OPT_SEED };

/* One of bench lowrank's own options (bench_option_fn).  */
static int
lowrank_option (void *data, int c, const char *arg)
{
  lowrank_t *l = data;
  int rc = CLI_OK;
  if (c == 'n')
    {
      rc = cli_parse_size (&l->n, arg, "-n", 2, (size_t) 1 << 24);
      l->n_given = 1;
    }
  else if (c == 'd')
    rc = cli_parse_size (&l->d, arg, "-d", 1, 4096);
  else if (c == 'B')
    rc = bench_parse_reals (l->bounds, &l->nb, MAXB, arg, "-B", 0, 1e6);
  else if (c == OPT_QUICK)
    l->quick = 1;
  else if (c == OPT_SEED)
    rc = cli_parse_long (&l->seed, arg, "--seed", 0, 1L << 62);
  return rc;
}

static int
lowrank_parse (lowrank_t *l, int argc, char **argv)
{
  static const struct option opts[] = {
    { "quick", no_argument, NULL, OPT_QUICK },
    { "seed", required_argument, NULL, OPT_SEED },
    BENCH_LONG_OPTIONS,
    { NULL, 0, NULL, 0 }
  };
  int rc = bench_parse_options (&l->o, argc, argv, "n:d:B:" BENCH_SHORT_OPTIONS, opts,
                                lowrank_option, l);
  if (rc != CLI_OK || l->o.help)
    return rc;
  if (l->quick && !l->n_given)
    l->n = 2048;
  /* the instance and two outputs, before any work */
  char what[96];
  snprintf (what, sizeof what, "-n %zu -d %zu: the instance (Q, K, V) and two outputs", l->n,
            l->d);
  rc = cli_check_memory (40.0 * (double) l->n * (double) l->d, what);
  return rc != CLI_OK ? rc : bench_opts_check (&l->o, argc, argv);
}

/* The rows of every bound (bench_def's rows).  */
static int
all_rows (void *data)
{
  lowrank_t *l = data;
  for (size_t b = 0; b < l->nb; b++)
    one_bound (l, l->bounds[b]);
  return l->failed;
}

static void
fill_summary (void *data)
{
  lowrank_t *l = data;
  cli_table_t *t = &l->rep.summary;
  bench_set_size (t, S_N, l->n);
  bench_set_size (t, S_D, l->d);
  bench_set_size (t, S_SEED, (size_t) l->seed);
  bench_set_text (t, S_TAU, "1/d");
  bench_set_text (t, S_REFERENCE, "exact:algo=stream");
  bench_set_text (t, S_RSS, bench_reset_peak_rss () ? "peak during each method's prepare and runs"
                  : "peak since the start (not resettable here)");
  bench_set_text (t, S_DATA, "Q, K uniform in [-B, B], V uniform in [-1, 1]");
}

int
cli_bench_lowrank (int argc, char **argv)
{
  lowrank_t l;
  memset (&l, 0, sizeof l);
  l.n = 16384;
  l.d = 16;
  l.seed = 1;
  l.nb = 3;
  l.bounds[0] = 0.5;
  l.bounds[1] = 1;
  l.bounds[2] = 2;
  bench_opts_init (&l.o, usage);
  int rc = lowrank_parse (&l, argc, argv);
  if (rc != CLI_OK || l.o.help)
    return rc;
  /* whether tsketch is in this build: its rows are skipped, not failed,
     when the method does not exist */
  fga_error err;
  fga_method probe = fga_method_create ("tsketch", &err);
  l.have_tsketch = probe != NULL;
  fga_method_destroy (probe);
  size_t count = 0;
  double work = 0;
  for (size_t k = 0; k < NENTRIES; k++)
    if (listed (&l, &entries[k]))
      {
        count += l.nb;
        work += (double) l.nb * bench_predicted (&l.o, predicted_run (&l, &entries[k]));
      }
  static const bench_def def = { "lowrank", sum_cols, row_cols, NSUM, NROW, legend, all_rows,
                                 fill_summary };
  return bench_measure (&def, &l, &l.o, &l.rep, &l.pr, count, work);
}
