/* fgattn bench lowrank -- time, memory and error of the approximate methods against exact

   The settings: nq = nk = n (default 16384), d = dv = 16,
   Q and K uniform in [-B, B] for B in {0.5, 1, 2}, V uniform in [-1, 1]
   (fga_instance_generate), tau = 1/d.  For each B, every method at a few
   sizes through the method interface (create, prepare, run, destroy): its
   prepare seconds, its best run of R, the speedup of that run over the
   fastest exact kernel, its own peak bytes, the process's peak RSS and the
   max-abs error of its output against exact:algo=stream.  The reference is
   the double stream kernel rather than the certified truth because the
   truth costs minutes at this n and stream is within ~1e-15 of it, far
   below every error measured here.  It prints figures and never fails on
   speed.  */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#ifdef _OPENMP
# include <omp.h>
#endif

#include <cblas.h>

#include "fgattn.h"
#include "bench_lowrank.h"
#include "bench_util.h"

#define MIB (1024.0 * 1024.0)
#define MAXB 16
/* svd forms the n x n matrix P and takes its full SVD, O(n^3) time and
   several n^2 doubles: beyond this n it would dominate the whole benchmark */
#define SVD_MAX_N 4096
/* a run longer than this is not repeated: its best of R would add minutes
   to the benchmark (poly at B = 2) and tell nothing that one run does not */
#define SLOW_RUN 5.0

static void
usage (FILE *out)
{
  fprintf (out,
           "usage: fgattn bench lowrank [--n N] [--d D] [--B LIST] [--reps R] [--quick]\n"
           "                            [--seed S]\n"
           "\n"
           "Time, memory and error of the approximate methods at a few sizes, against\n"
           "the fastest exact kernel, for nq = nk = n, d = dv = D, Q and K uniform in\n"
           "[-B, B] for each B of the list, V uniform in [-1, 1], tau = 1/d:\n"
           "  rf:m=64,256,1024 (kind=pos, orth=1), nystrom:m=64,256 (landmarks=segment),\n"
           "  poly:eps=1e-3,1e-6, tsketch:m=256,1024 (where built), window:w=64,256,\n"
           "  dilated:w=256,r=1,alpha=2, svd:k=32 (only for n <= %d), and\n"
           "  exact:algo=stream and blas, the yardstick.\n"
           "Per method: prepare seconds, the best run of R, the speedup of that run\n"
           "over the fastest exact kernel, the method's peak MiB and the process's\n"
           "peak RSS, and max |T - Att| with Att from exact:algo=stream (double,\n"
           "within ~1e-15 of the certified truth), computed once per B.  A method\n"
           "whose prepare refuses the problem (e.g. poly over its feature budget) is\n"
           "listed as skipped with the reason.  It prints figures and never fails on\n"
           "speed.\n"
           "\n"
           "  --n N        nq = nk = N (default 16384; --quick: 2048)\n"
           "  --d D        d = dv = D (default 16)\n"
           "  --B LIST     entry bounds of Q and K, comma-separated (default 0.5,1,2)\n"
           "  --reps R     runs per figure, the best is kept (default 3; a run over %.0f s\n"
           "               is not repeated)\n"
           "  --quick      n = 2048 and fewer sizes per method\n"
           "  --seed S     seed of the instances (default 1)\n"
           "\n"
           "example: fgattn bench lowrank --quick\n", SVD_MAX_N, SLOW_RUN);
}

static int
parse_bounds (double *out, size_t *count, const char *text)
{
  const char *p = text;
  *count = 0;
  while (*p != '\0')
    {
      if (*count == MAXB)
        return bench_bad_usage ("lowrank", "--B %s: at most 16 bounds", text);
      char item[64];
      size_t len = strcspn (p, ",");
      fga_error err;
      snprintf (item, sizeof item, "%.*s", (int) (len < sizeof item ? len : sizeof item - 1), p);
      if (len >= sizeof item
          || fga_parse_real (&out[*count], item, 0, 1e6, FGA_PARSE_OPEN_MIN, "--B", &err)
          != FGA_OK)
        return bench_bad_usage ("lowrank", "--B %s: expected positive numbers (at most 1e6) "
                                "separated by commas", text);
      (*count)++;
      p += len + (p[len] == ',');
    }
  if (*count == 0)
    return bench_bad_usage ("lowrank", "--B %s: the list is empty", text);
  return 0;
}

/* Peak RSS since the last reset (Linux: "5" into /proc/self/clear_refs
   resets the high-water mark; elsewhere it is the peak since the start). */
static int rss_resettable = 1;   /* whether the peak can be reset here */

typedef struct
{
  double prep;                  /* prepare seconds */
  double run;                   /* best run seconds */
  size_t peak;                  /* the method's peak bytes */
  double rss;                   /* the process's peak RSS during prepare and runs */
  /* the method's own figures worth a glance, NAN where it has none:
     poly's degree g and feature count r, tsketch's g and features,
     nystrom's numerical rank */
  double g, r, features, rank;
  int runs;                     /* runs made (fewer than R after a slow one) */
  int status;                   /* 0 ran; 1 create or prepare refused; 2 run failed */
  char why[FGA_MSG_SIZE];
} result_t;

/* One method on inst: create and prepare once, then the best of reps runs
   into T.  Prepare is timed apart because it is done once per shape and
   reused by every run.  */
static void
measure (result_t *res, const char *spec, fga_instance_srcptr inst, const fga_problem *prob,
         fga_mat_ptr T, int reps)
{
  fga_error err;
  fga_error_init (&err);
  res->prep = res->run = res->rss = NAN;
  res->g = res->r = res->features = res->rank = NAN;
  res->peak = 0;
  res->status = 0;
  res->runs = 0;
  res->why[0] = '\0';
  rss_resettable = bench_reset_peak_rss ();
  double t0 = fga_wall_time ();
  fga_method m = fga_method_create (spec, &err);
  if (m == NULL || fga_method_prepare (m, prob, &err) != FGA_OK)
    {
      res->status = 1;
      snprintf (res->why, sizeof res->why, "%s", err.msg);
      fga_method_destroy (m);
      return;
    }
  res->prep = fga_wall_time () - t0;
  for (int k = 0; k < reps; k++)
    {
      fga_stats st;
      fga_stats_init (&st);
      if (fga_method_run (m, T, NULL, inst->Q, inst->K, inst->V, &st, &err) != FGA_OK)
        {
          res->status = 2;
          snprintf (res->why, sizeof res->why, "%s", err.msg);
          break;
        }
      if (!(st.wall_seconds >= res->run))
        res->run = st.wall_seconds;
      res->peak = st.peak_bytes;
      res->g = fga_stats_get (&st, "g");
      res->r = fga_stats_get (&st, "r");
      res->features = fga_stats_get (&st, "features");
      res->rank = fga_stats_get (&st, "rank");
      res->runs++;
      if (st.wall_seconds > SLOW_RUN)
        break;
    }
  res->rss = bench_peak_rss ();
  fga_method_destroy (m);
}

/* The specs measured, in table order; the exact ones come first since the
   others are compared with them.  */
typedef struct
{
  const char *spec;
  int quick;                    /* also measured under --quick */
} entry_t;

static const entry_t exact_entries[] = {
  { "exact:algo=stream", 1 },
  { "exact:algo=blas", 1 },
};

static const entry_t approx_entries[] = {
  { "rf:m=64,kind=pos,orth=1", 1 },
  { "rf:m=256,kind=pos,orth=1", 1 },
  { "rf:m=1024,kind=pos,orth=1", 0 },
  { "nystrom:m=64,landmarks=segment", 1 },
  { "nystrom:m=256,landmarks=segment", 0 },
  { "poly:eps=1e-3", 1 },
  { "poly:eps=1e-6", 0 },
  { "tsketch:m=256", 1 },
  { "tsketch:m=1024", 0 },
  { "window:w=64", 1 },
  { "window:w=256", 0 },
  { "dilated:w=256,r=1,alpha=2", 1 },
  { "svd:k=32", 1 },
};

#define NEXACT (sizeof exact_entries / sizeof exact_entries[0])
#define NAPPROX (sizeof approx_entries / sizeof approx_entries[0])

static void
print_header (void)
{
  printf ("  %-32s %8s %9s %8s %9s %9s %10s  %s\n", "method", "prep s", "run s", "speedup",
          "peak MiB", "RSS MiB", "max_abs", "notes");
}

static void
print_row (const char *spec, const result_t *res, double fastest, double maxabs, const char *note)
{
  printf ("  %-32s %8.4f %9.4f %7.2fx %9.2f %9.1f ", spec, res->prep, res->run,
          fastest / res->run, (double) res->peak / MIB, res->rss / MIB);
  if (isnan (maxabs))
    printf ("%10s", "-");
  else
    printf ("%10.3g", maxabs);
  printf ("  %s\n", note);
  fflush (stdout);
}

#pragma weak openblas_get_num_threads

int
cli_bench_lowrank (int argc, char **argv)
{
  long n = 16384, d = 16, reps = 3, seed = 1;
  double bounds[MAXB] = { 0.5, 1, 2 };
  size_t nb = 3;
  int quick = 0, n_given = 0;
  for (int a = 1; a < argc; a++)
    {
      const char *o = argv[a];
      if (strcmp (o, "--help") == 0 || strcmp (o, "-h") == 0)
        {
          usage (stdout);
          return 0;
        }
      else if (strcmp (o, "--quick") == 0)
        quick = 1;
      else if (strcmp (o, "--n") == 0 || strcmp (o, "--d") == 0 || strcmp (o, "--B") == 0
               || strcmp (o, "--reps") == 0 || strcmp (o, "--seed") == 0)
        {
          if (a + 1 >= argc)
            return bench_bad_usage ("lowrank", "%s needs a value", o);
          const char *v = argv[++a];
          int rc;
          if (strcmp (o, "--n") == 0)
            {
              rc = bench_parse_long (&n, "lowrank", v, 2, 1L << 24, o);
              n_given = 1;
            }
          else if (strcmp (o, "--d") == 0)
            rc = bench_parse_long (&d, "lowrank", v, 1, 4096, o);
          else if (strcmp (o, "--B") == 0)
            rc = parse_bounds (bounds, &nb, v);
          else if (strcmp (o, "--reps") == 0)
            rc = bench_parse_long (&reps, "lowrank", v, 1, 1000, o);
          else
            rc = bench_parse_long (&seed, "lowrank", v, 0, 1L << 62, o);
          if (rc != 0)
            return rc;
        }
      else
        return bench_bad_usage ("lowrank", "unknown option '%s'", o);
    }
  if (quick && !n_given)
    n = 2048;

  int threads = 1;
#ifdef _OPENMP
  threads = omp_get_max_threads ();
#endif
  rss_resettable = bench_reset_peak_rss ();           /* learns whether the peak can be reset, for the header */
  printf ("fgattn %s bench lowrank: %d OpenMP threads", fga_version (), threads);
  if (openblas_get_num_threads != NULL)
    printf (", %d OpenBLAS threads", openblas_get_num_threads ());
  printf ("\nnq = nk = n = %ld, d = dv = %ld, Q and K uniform in [-B, B], V uniform in "
          "[-1, 1], tau = 1/d, seed %ld%s\n", n, d, seed, quick ? " (--quick)" : "");
  printf ("reference Att: exact:algo=stream in double (within ~1e-15 of the certified truth),\n"
          "computed once per B; run s: best of %ld runs (one if it takes over %.0f s); speedup: fastest exact run / run;\n"
          "peak MiB: the method's own peak bytes; RSS MiB: the process's peak resident set%s\n",
          reps, SLOW_RUN, rss_resettable ? " during the method's prepare and runs" : " since start");

  /* Whether tsketch is in this build: its lines are left out, not failed,
     when the method does not exist yet.  */
  fga_error err;
  fga_error_init (&err);
  fga_method probe = fga_method_create ("tsketch", &err);
  int have_tsketch = probe != NULL;
  fga_method_destroy (probe);
  if (!have_tsketch)
    printf ("tsketch: not measured, fga_method_create refused it: %s\n", err.msg);

  size_t N = (size_t) n, D = (size_t) d;
  for (size_t b = 0; b < nb; b++)
    {
      double B = bounds[b];
      fga_instance_t inst;
      fga_instance_init (inst);
      fga_mat_t Tref, T;
      Tref->data = T->data = NULL;
      Tref->rows = Tref->cols = T->rows = T->cols = 0;
      fga_error_init (&err);
      if (fga_instance_generate (inst, N, N, D, D, B, 1.0, FGA_DIST_UNIFORM,
                                 (unsigned long) seed, &err) != FGA_OK
          || fga_mat_init (Tref, N, D, &err) != FGA_OK || fga_mat_init (T, N, D, &err) != FGA_OK)
        {
          printf ("\nB = %g: not measured: %s\n", B, err.msg);
          fga_mat_clear (Tref);
          fga_mat_clear (T);
          fga_instance_clear (inst);
          continue;
        }
      fga_tau tau = { FGA_TAU_INV_D, 0 };
      fga_problem prob;
      fga_problem_from_instance (&prob, inst, &tau);
      printf ("\nB = %g (R = max |S_ij| bound from the data: %.4g)\n", B, prob.R);
      print_header ();

      /* The exact kernels: stream's runs leave the reference in Tref.  */
      result_t ex[NEXACT];
      double fastest = HUGE_VAL;
      for (size_t k = 0; k < NEXACT; k++)
        {
          measure (&ex[k], exact_entries[k].spec, inst, &prob, k == 0 ? Tref : T, (int) reps);
          if (ex[k].status == 0 && ex[k].run < fastest)
            fastest = ex[k].run;
        }
      if (ex[0].status != 0)
        {
          printf ("  %-32s no reference, B = %g skipped: %s\n", exact_entries[0].spec, B,
                  ex[0].why);
          fga_mat_clear (Tref);
          fga_mat_clear (T);
          fga_instance_clear (inst);
          continue;
        }
      for (size_t k = 0; k < NEXACT; k++)
        {
          double e = NAN;
          if (ex[k].status != 0)
            {
              printf ("  %-32s failed: %s\n", exact_entries[k].spec, ex[k].why);
              continue;
            }
          fga_metrics mt;
          if (k > 0 && fga_metrics_compute (&mt, Tref, T, &err) == FGA_OK)
            e = mt.max_abs;
          print_row (exact_entries[k].spec, &ex[k], fastest, k == 0 ? 0.0 : e,
                     k == 0 ? "(the reference)" : "");
        }

      for (size_t k = 0; k < NAPPROX; k++)
        {
          const char *spec = approx_entries[k].spec;
          if (quick && !approx_entries[k].quick)
            continue;
          if (strncmp (spec, "tsketch", 7) == 0 && !have_tsketch)
            continue;
          if (strncmp (spec, "svd", 3) == 0 && N > SVD_MAX_N)
            {
              printf ("  %-32s skipped: n > %d, its O(n^3) SVD of the n x n matrix P and "
                      "n^2 memory (%.0f MiB per copy) are too much\n", spec, SVD_MAX_N,
                      (double) N * (double) N * sizeof (double) / MIB);
              continue;
            }
          result_t res;
          measure (&res, spec, inst, &prob, T, (int) reps);
          if (res.status == 1)
            {
              printf ("  %-32s skipped: prepare refused: %s\n", spec, res.why);
              continue;
            }
          if (res.status == 2)
            {
              printf ("  %-32s failed: %s\n", spec, res.why);
              continue;
            }
          fga_metrics mt;
          double e = fga_metrics_compute (&mt, Tref, T, &err) == FGA_OK ? mt.max_abs : NAN;
          char note[96] = "";
          if (!isnan (res.g) && !isnan (res.r))
            snprintf (note, sizeof note, "g=%.0f r=%.0f", res.g, res.r);
          else if (!isnan (res.g) && !isnan (res.features))
            snprintf (note, sizeof note, "g=%.0f features=%.0f", res.g, res.features);
          else if (!isnan (res.rank))
            snprintf (note, sizeof note, "rank=%.0f", res.rank);
          if (res.runs < reps)
            {
              size_t len = strlen (note);
              snprintf (note + len, sizeof note - len, "%s%d run%s (over %.0f s)",
                        len > 0 ? " " : "", res.runs, res.runs == 1 ? "" : "s", SLOW_RUN);
            }
          print_row (spec, &res, fastest, e, note);
        }
      fga_mat_clear (Tref);
      fga_mat_clear (T);
      fga_instance_clear (inst);
    }
  return 0;
}
