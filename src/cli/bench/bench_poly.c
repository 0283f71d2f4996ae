/* cli_bench_poly -- fgattn bench poly: time and memory of method poly against n, and the crossover

   The settings: nq = nk = n from 2^10 to 2^18, d = dv = 4,
   entries uniform in [-1, 1] (fga_instance_generate), tau = 1/d,
   poly:basis=cheb,eps=1e-6 (R from the data).  For each n: the time of
   prepare and of run (best of the runs), the method's peak bytes and the
   process's peak RSS, and the fastest exact kernels (fga_attention_stream
   and fga_attention_blas) beside it, skipped where a run would take more
   than the limit and then extrapolated from the largest measured n by n^2.
   Then the least-squares exponent of time in n and the crossover n.  It
   prints figures and never fails on speed.  */

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
#include "bench_poly.h"
#include "bench_util.h"

#define MIB (1024.0 * 1024.0)
#define MAXPTS 32

static const char spec[] = "poly:basis=cheb,eps=1e-6";
static const size_t D = 4;
static const double BOUND = 1.0;

static void
usage (FILE *out)
{
  fprintf (out,
           "usage: fgattn bench poly [--quick] [--max-log2n K] [--min-log2n K] [--reps R]\n"
           "                         [--exact-limit S] [--seed S]\n"
           "\n"
           "Time and memory of the polynomial method (%s, R from\n"
           "the data) against n, for nq = nk = n, d = dv = 4, B = 1, entries uniform,\n"
           "tau = 1/d, beside the fastest exact kernels (exact:algo=stream and blas):\n"
           "  - per n: prepare and run seconds of poly (best of R runs), its peak bytes\n"
           "    and the process's peak RSS, g and r, the exact kernels' seconds, and\n"
           "    max |T_poly - T_exact| where exact ran;\n"
           "  - the least-squares exponent of poly's time in n (log t on log n);\n"
           "  - the crossover: the least n from which poly is faster.\n"
           "An exact kernel is skipped where its run would take more than S seconds\n"
           "(predicted by n^2 from the largest n it ran at) and its time extrapolated\n"
           "the same way, marked '~'.  Figures to reach (never asserted): exponent\n"
           "<= 1.1; poly faster than exact from n = 2^14 on.\n"
           "\n"
           "  --quick          n up to 2^16\n"
           "  --max-log2n K    n up to 2^K (default 18; at most 24)\n"
           "  --min-log2n K    n from 2^K (default 10)\n"
           "  --reps R         runs per figure, the best is kept (default 3; runs under\n"
           "                   0.25 s are repeated until 0.25 s is spent, runs over 2 s\n"
           "                   are made once)\n"
           "  --exact-limit S  seconds an exact run may take (default 60)\n"
           "  --seed S         seed of the instances (default 1)\n"
           "\n"
           "example: fgattn bench poly --quick\n", spec);
}

/* Peak RSS since the last reset (Linux: "5" into /proc/self/clear_refs
   resets the high-water mark; elsewhere it is the peak since the start). */
typedef struct
{
  size_t n;
  double prep, run;            /* poly: prepare and best run seconds */
  size_t peak;                 /* poly: the method's peak bytes */
  double rss;                  /* peak RSS during poly's runs */
  long g;
  size_t r;
  double R;
  double ex[2];                /* stream, blas: seconds (measured or extrapolated) */
  int extrap[2];
  double diff;                 /* max |T_poly - T_exact|, NAN if exact did not run */
  int failed;
} point_t;

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

/* Whether to run again: at least reps runs, and cheap runs repeated until
   a quarter second has been spent (at most 200), so that the best of them
   is not one that a busy machine happened to slow down.  */
static int
more (int done, long reps, double spent)
{
  return done < reps || (spent < 0.25 && done < 200);
}

/* poly on inst: prepare once, run as `more' says (once when a run takes over 2 s). */
static int
bench_poly_point (point_t *pt, fga_instance_srcptr inst, fga_mat_ptr T, int reps)
{
  fga_error err;
  fga_error_init (&err);
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_problem prob;
  fga_problem_from_instance (&prob, inst, &tau);
  bench_reset_peak_rss ();
  double t0 = fga_wall_time ();
  fga_method m = fga_method_create (spec, &err);
  int rc = m == NULL ? err.code : fga_method_prepare (m, &prob, &err);
  pt->prep = fga_wall_time () - t0;
  pt->run = HUGE_VAL;
  double spent = 0;
  for (int k = 0; rc == FGA_OK && more (k, reps, spent); k++)
    {
      fga_stats st;
      rc = fga_method_run (m, T, NULL, inst->Q, inst->K, inst->V, &st, &err);
      if (rc != FGA_OK)
        break;
      spent += st.wall_seconds;
      if (st.wall_seconds < pt->run)
        pt->run = st.wall_seconds;
      pt->peak = st.peak_bytes;
      pt->g = (long) fga_stats_get (&st, "g");
      pt->r = (size_t) fga_stats_get (&st, "r");
      pt->R = fga_stats_get (&st, "R_used");
      if (st.wall_seconds > 2)
        break;
    }
  pt->rss = bench_peak_rss ();
  fga_method_destroy (m);
  if (rc != FGA_OK)
    fprintf (stderr, "fgattn bench poly: poly at n = %zu failed: %s\n", pt->n, err.msg);
  return rc;
}

static double
bench_exact (int which, fga_instance_srcptr inst, fga_mat_ptr T, int reps)
{
  double best = HUGE_VAL, tau = 1.0 / (double) D, spent = 0;
  for (int k = 0; more (k, reps, spent); k++)
    {
      fga_error err;
      fga_stats st;
      fga_error_init (&err);
      fga_stats_init (&st);
      double t = fga_wall_time ();
      int rc = which == 0
        ? fga_attention_stream (T, NULL, inst->Q, inst->K, inst->V, tau, 0, &st, &err)
        : fga_attention_blas (T, NULL, inst->Q, inst->K, inst->V, tau, 0, &st, &err);
      t = fga_wall_time () - t;
      if (rc != FGA_OK)
        {
          fprintf (stderr, "fgattn bench poly: exact %s failed: %s\n",
                   which == 0 ? "stream" : "blas", err.msg);
          return NAN;
        }
      best = t < best ? t : best;
      spent += t;
      if (t > 2)
        break;
    }
  return best;
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

#pragma weak openblas_get_num_threads

int
cli_bench_poly (int argc, char **argv)
{
  long lo = 10, hi = 18, reps = 3, seed = 1;
  double limit = 60;
  int quick = 0, hi_given = 0;
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
      else if (strcmp (o, "--max-log2n") == 0 || strcmp (o, "--min-log2n") == 0
               || strcmp (o, "--reps") == 0 || strcmp (o, "--exact-limit") == 0
               || strcmp (o, "--seed") == 0)
        {
          if (a + 1 >= argc)
            return bench_bad_usage ("poly", "%s needs a value", o);
          const char *v = argv[++a];
          int rc = 0;
          if (strcmp (o, "--max-log2n") == 0)
            {
              rc = bench_parse_long (&hi, "poly", v, 1, 24, o);
              hi_given = 1;
            }
          else if (strcmp (o, "--min-log2n") == 0)
            rc = bench_parse_long (&lo, "poly", v, 1, 24, o);
          else if (strcmp (o, "--reps") == 0)
            rc = bench_parse_long (&reps, "poly", v, 1, 1000, o);
          else if (strcmp (o, "--seed") == 0)
            rc = bench_parse_long (&seed, "poly", v, 0, 1L << 62, o);
          else
            {
              fga_error err;
              if (fga_parse_real (&limit, v, 0, INFINITY, 0, o, &err) != FGA_OK)
                return bench_bad_usage ("poly", "--exact-limit %s: expected a nonnegative number of seconds",
                                  v);
            }
          if (rc != 0)
            return rc;
        }
      else
        return bench_bad_usage ("poly", "unknown option '%s'", o);
    }
  if (quick && !hi_given)
    hi = 16;
  if (lo > hi)
    {
      fprintf (stderr, "fgattn bench poly: --min-log2n %ld is above --max-log2n %ld\n", lo, hi);
      return 2;
    }

  int threads = 1;
#ifdef _OPENMP
  threads = omp_get_max_threads ();
#endif
  printf ("fgattn %s bench poly: %d OpenMP threads", fga_version (), threads);
  if (openblas_get_num_threads != NULL)
    printf (", %d OpenBLAS threads", openblas_get_num_threads ());
  printf ("\nmethod %s; nq = nk = n, d = dv = %zu, B = %g, uniform entries, tau = 1/d, "
          "seed %ld\n\n", spec, D, BOUND, seed);
  printf ("      n   g     r        R  prep s     run s   peak MiB    RSS MiB   stream s     "
          "blas s  poly/exact  max|T-Att|\n");

  point_t pts[MAXPTS];
  size_t npts = 0;
  double last_n[2] = { 0, 0 }, last_t[2] = { NAN, NAN };
  for (long e = lo; e <= hi && npts < MAXPTS; e++)
    {
      point_t *pt = &pts[npts];
      memset (pt, 0, sizeof *pt);
      pt->n = (size_t) 1 << e;
      pt->diff = NAN;
      fga_instance_t inst;
      fga_instance_init (inst);
      fga_error err;
      fga_mat_t Tp, Te;
      Tp->data = Te->data = NULL;
      Tp->rows = Tp->cols = Te->rows = Te->cols = 0;
      if (fga_instance_generate (inst, pt->n, pt->n, D, D, BOUND, BOUND, FGA_DIST_UNIFORM,
                                 (unsigned long) seed, &err) != FGA_OK
          || fga_mat_init (Tp, pt->n, D, &err) != FGA_OK
          || fga_mat_init (Te, pt->n, D, &err) != FGA_OK)
        {
          fprintf (stderr, "fgattn bench poly: n = %zu: %s\n", pt->n, err.msg);
          fga_mat_clear (Tp);
          fga_mat_clear (Te);
          fga_instance_clear (inst);
          break;
        }
      pt->failed = bench_poly_point (pt, inst, Tp, (int) reps) != FGA_OK;
      for (int w = 0; w < 2; w++)
        {
          double pred = last_n[w] > 0 ? last_t[w] * pow ((double) pt->n / last_n[w], 2) : 0;
          if (last_n[w] > 0 && pred > limit)
            {
              pt->ex[w] = pred;
              pt->extrap[w] = 1;
              continue;
            }
          pt->ex[w] = bench_exact (w, inst, Te, (int) reps);
          if (isfinite (pt->ex[w]))
            {
              last_n[w] = (double) pt->n;
              last_t[w] = pt->ex[w];
              if (!pt->failed)
                {
                  double dd = max_abs_diff (Tp, Te);
                  pt->diff = isnan (pt->diff) || dd > pt->diff ? dd : pt->diff;
                }
            }
        }
      double ex = fmin (pt->ex[0], pt->ex[1]);
      double tp = pt->prep + pt->run;
      if (pt->failed)
        printf ("%7zu  poly failed\n", pt->n);
      else
        {
          printf ("%7zu %3ld %5zu %8.4f %7.4f %9.4f %10.2f %10.1f %c%9.4f %c%9.4f %11.3g ",
                  pt->n, pt->g, pt->r, pt->R, pt->prep, pt->run, (double) pt->peak / MIB,
                  pt->rss / MIB, pt->extrap[0] ? '~' : ' ', pt->ex[0],
                  pt->extrap[1] ? '~' : ' ', pt->ex[1], tp / ex);
          if (isnan (pt->diff))
            printf ("%11s\n", "-");
          else
            printf ("%11.3g\n", pt->diff);
        }
      fflush (stdout);
      fga_mat_clear (Tp);
      fga_mat_clear (Te);
      fga_instance_clear (inst);
      npts++;
    }

  /* the exponent and the crossover */
  double x[MAXPTS] = { 0 }, yt[MAXPTS] = { 0 }, yr[MAXPTS] = { 0 };
  size_t m = 0;
  for (size_t k = 0; k < npts; k++)
    if (!pts[k].failed)
      {
        x[m] = (double) pts[k].n;
        yt[m] = pts[k].prep + pts[k].run;
        yr[m] = pts[k].run;
        m++;
      }
  printf ("\nfitted exponent of poly's time in n (least squares of log t on log n, "
          "%zu points):\n", m);
  printf ("  prepare + run: %.3f     run alone: %.3f     (to reach: <= 1.1)\n",
          fit_exponent (x, yt, m), fit_exponent (x, yr, m));
  if (m >= 4)
    printf ("  over the largest half of n: prepare + run %.3f\n",
            fit_exponent (x + m / 2, yt + m / 2, m - m / 2));

  /* crossover: the least measured n from which poly (prepare + run) is
     faster than the fastest exact kernel at every larger n */
  size_t from = npts;
  for (size_t k = npts; k-- > 0;)
    {
      if (pts[k].failed)
        break;
      if (pts[k].prep + pts[k].run < fmin (pts[k].ex[0], pts[k].ex[1]))
        from = k;
      else
        break;
    }
  printf ("\ncrossover (poly against the faster of stream and blas, '~' times "
          "extrapolated by n^2):\n");
  if (from == npts)
    printf ("  poly is not faster at the largest n measured\n");
  else if (from == 0)
    printf ("  poly is faster at every n measured, from n = %zu = 2^%ld on (to reach: from "
            "2^14)\n", pts[0].n, lo);
  else
    {
      /* log-log interpolation of the ratio between the two sizes */
      const point_t *a = &pts[from - 1], *b = &pts[from];
      double ra = log ((a->prep + a->run) / fmin (a->ex[0], a->ex[1]));
      double rb = log ((b->prep + b->run) / fmin (b->ex[0], b->ex[1]));
      double la = log ((double) a->n), lb = log ((double) b->n);
      double nx = exp (la + (lb - la) * ra / (ra - rb));
      printf ("  poly is faster from n = %zu = 2^%ld on (to reach: from 2^14); interpolated "
              "crossover n ~ %.0f\n", b->n, lo + (long) from, nx);
    }
  return 0;
}
