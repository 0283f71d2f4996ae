/* fgattn scaling -- time a mechanism over a list of n, fit the exponent, print it beside the asymptotic one */

#include <config.h>

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn scaling --mech M -n N1,N2,... [-d D] [--dv DV] [-B B] [--seed S]\n"
  "                      [--reps K] [--causal] [-w W] [-l L] [-c C] [--w0 W0]\n"
  "                      [-r R] [--alpha A] [--levels K] [-g G] [-m M]\n"
  "                      [--kind pos|hyp|trig]\n"
  "                      [--iters I] [--segment] [--block B] [-q|--quiet]\n"
  "                      [--format table|csv|json]\n"
  "\n"
  "Times the method that runs mechanism M at each n (nq = nk = n) and fits the\n"
  "exponent of its time in n, beside the exponent of its exact work and the\n"
  "asymptotic one.  M is one of vanilla (exact:algo=naive), stream\n"
  "(exact:algo=stream), window, strided, dilated, poly (deg=G), rf, nystrom\n"
  "(pinv=iter) and fixed; the options name the parameters as fgattn analyze does\n"
  "(one-letter -w -l -c -r -g -m, also spelled --w ...; --causal has no\n"
  "one-letter form, -c being fixed's C).\n"
  "M may also be the spec of a method with operation counts (fgattn methods),\n"
  "e.g. window:w=8 or exact:algo=blas.\n"
  "Defaults: d 64, dv d, B 1, seed 1, reps 3; w 64 (window), w0 64 (dilated),\n"
  "l 0 = ceil(sqrt(n)) (strided, fixed), c 1 (fixed), g 2, m 256 (rf) or 64\n"
  "(nystrom), kind pos, iters 6, r 1, alpha 2, levels 0.\n"
  "For each n: the instance of `fgattn gen -n N -d D --dv DV -B B --seed S'\n"
  "(uniform entries, tau = 1/d), the method prepared for it, run untimed\n"
  "(once; for the first n for half a second, while OpenBLAS's idle threads\n"
  "still spin) and then K times;\n"
  "printed: the median and the least wall time (monotonic clock), the local\n"
  "exponent log(t2/t1)/log(n2/n1) of the median against the previous n, the\n"
  "work W (mul + add + exp + div + cmp) the method counted and the one the\n"
  "analyzer gives (they must agree: if not, that is a bug, and the exit status\n"
  "is 1), its local exponent, and GFLOP/s (W / median time).  Then the\n"
  "least-squares exponents of the median time and of W in n (with R^2 and the\n"
  "largest residual in log), and the asymptotic exponent with its class.\n"
  "Sizes are refused before any work when they are not increasing, when the\n"
  "mechanism would be exact attention at that n (window n <= w + 1, dilated\n"
  "n <= w0, strided and fixed n <= l, nystrom n <= m), or when the instance\n"
  "and the method's memory would not fit in this machine's.  Times are of a\n"
  "shared machine and never asserted.\n"
  "The table rounds times to 6 digits, exponents to 4 decimals, GFLOP/s to 4\n"
  "digits and R^2 to 6 (work's to 9); CSV and JSON give every real with 17\n"
  "significant digits (it reads back as the same double) and counts in full.\n"
  "Progress goes to stderr: sizes done of all, the run in flight, the time\n"
  "elapsed and an ETA that weighs each run left by the analyzer's work W at\n"
  "its n (K + 1 runs per n); a line redrawn on a terminal, a plain line every\n"
  "30 s otherwise (FGATTN_PROGRESS_INTERVAL=SECONDS sets the interval), and a\n"
  "last line saying what was timed and how long it took.  --quiet: nothing on\n"
  "stderr but errors.\n"
  "\n"
  "example: fgattn scaling --mech window -w 64 -n 1024,2048,4096,8192\n";

/* -n N1,N2,...: at least two sizes, strictly increasing.  */
static int
parse_sizes (size_t **out, size_t *count, const char *text)
{
  size_t cap = 1;
  for (const char *p = text; *p; p++)
    cap += *p == ',';
  size_t *v = calloc (cap, sizeof *v);
  char *copy = strdup (text);
  if (v == NULL || copy == NULL)
    {
      free (v);
      free (copy);
      return cli_fail (CLI_FAILED, "out of memory");
    }
  size_t k = 0;
  int rc = CLI_OK;
  char *save = NULL;
  for (char *tok = strtok_r (copy, ",", &save); tok != NULL && rc == CLI_OK;
       tok = strtok_r (NULL, ",", &save))
    {
      rc = cli_parse_size (&v[k], tok, "-n", 1, SIZE_MAX);
      if (rc == CLI_OK && k > 0 && v[k] <= v[k - 1])
        rc = cli_fail (CLI_USAGE, "-n %s: the sizes must increase (%zu follows %zu)", text, v[k],
                       v[k - 1]);
      k++;
    }
  free (copy);
  if (rc == CLI_OK && k < 2)
    rc = cli_fail (CLI_USAGE, "-n %s: give at least two different sizes, e.g. -n 1024,2048",
                   text);
  if (rc != CLI_OK)
    {
      free (v);
      return rc;
    }
  *out = v;
  *count = k;
  return CLI_OK;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* The median of k values (sorted in place): the mean of the two middle
   ones when k is even.  */
static double
median (double *t, size_t k)
{
  qsort (t, k, sizeof *t, cmp_double);
  return k % 2 ? t[k / 2] : (t[k / 2 - 1] + t[k / 2]) / 2;
}

static void
z_set_u64 (mpz_ptr z, uint64_t v)
{
  mpz_import (z, 1, -1, sizeof v, 0, 0, &v);
}

static void
free_mpz_str (char *s)
{
  void (*freefunc) (void *, size_t);
  mp_get_memory_functions (NULL, NULL, &freefunc);
  freefunc (s, strlen (s) + 1);
}

/* The progress of the runs: each run at n weighs the analyzer's work W
   at n, K + 1 runs per size (one untimed, K timed); the runs of the
   longer warm-up before the first size join the total as they are made,
   so that their time does not inflate the rate of the others.  */
typedef struct
{
  cli_progress_t pr;
  double *work;                /* W at each n */
  size_t nn, reps;
  double done, total;
} scaling_progress_t;

static void
show_run (scaling_progress_t *sp, size_t idx, size_t n, long r)
{
  char cur[96];
  if (r < 0)
    snprintf (cur, sizeof cur, "n = %zu, untimed run", n);
  else
    snprintf (cur, sizeof cur, "n = %zu, run %ld of %zu", n, r + 1, sp->reps);
  cli_progress_update (&sp->pr, idx, sp->nn, sp->done, sp->total, cur);
}


typedef struct
{
  size_t n;
  double t_med, t_min;
  mpz_t counted, exact;
} point_t;

/* Runs the method of spec reps times on the instance of n (a method made
   afresh for each n, so that no state of one size reaches the next); fills
   p, or fails with the exit status (1 when the counts disagree with the
   analyzer's).  */
#define WARM_SECONDS 0.5

static double
monotonic_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

static int
measure (point_t *p, const char *spec, const fga_an_spec *s, size_t n, double B,
         unsigned long seed, size_t reps, double *times, scaling_progress_t *sp, size_t idx)
{
  fga_error err;
  fga_error_init (&err);
  fga_method m = fga_method_create (spec, &err);
  if (m == NULL)
    return cli_fail_err (&err);
  fga_instance_t inst;
  fga_instance_init (inst);
  fga_mat_t T;
  T->rows = T->cols = 0;
  T->data = NULL;
  fga_an_result res;
  fga_an_result_init (&res);
  fga_an_spec t = *s;
  t.nq = t.nk = n;
  const fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_problem prob;
  int rc = fga_an_analyze (&res, &t, &err);
  if (rc == FGA_OK)
    rc = fga_instance_generate (inst, n, n, s->d, s->dv, B, B, FGA_DIST_UNIFORM, seed, &err);
  if (rc == FGA_OK)
    {
      fga_problem_from_instance (&prob, inst, &tau);
      rc = fga_method_prepare (m, &prob, &err);
    }
  if (rc == FGA_OK)
    rc = fga_mat_init (T, n, s->dv, &err);
  if (rc != FGA_OK)
    cli_progress_clear (&sp->pr);
  int status = rc == FGA_OK ? CLI_OK : cli_fail_err (&err);
  static const char *const kinds[5] = { "mul", "add", "exp", "div", "cmp" };
  mpz_t z;
  mpz_init (z);
  /* Untimed runs first (r = -1): they pay the first touch of the output
     and of the method's buffers and the start of the thread team.  Before
     the first size they go on for WARM_SECONDS: OpenBLAS starts its worker
     threads when the library loads and they spin for about 2^28 cycles
     before sleeping, taking a core from our threads; measured here, the
     first size otherwise ran 2 to 4 times slower than its neighbours and
     bent the fitted exponent.  Their counts are checked like the others'.  */
  double warm_until = idx == 0 ? monotonic_seconds () + WARM_SECONDS : 0;
  int warm_runs = 0;
  for (long r = -1; r < (long) reps && status == CLI_OK;
       r += r >= 0 || monotonic_seconds () >= warm_until)
    {
      /* the runs of the warm-up after its first join the work as they go */
      int extra = r < 0 && warm_runs++ > 0;
      if (!extra)
        show_run (sp, idx, n, r);
      fga_stats st;
      if (fga_method_run (m, T, NULL, inst->Q, inst->K, inst->V, &st, &err) != FGA_OK)
        {
          cli_progress_clear (&sp->pr);
          status = cli_fail_err (&err);
          break;
        }
      sp->total += extra ? sp->work[idx] : 0;
      sp->done += sp->work[idx];
      if (r >= 0)
        times[r] = st.wall_seconds;
      /* every run must count what the analyzer says, kind by kind */
      const uint64_t got[5] = { st.n_mul, st.n_add, st.n_exp, st.n_div, st.n_cmp };
      mpz_set_ui (p->counted, 0);
      for (int i = 0; i < 5 && status == CLI_OK; i++)
        {
          z_set_u64 (z, got[i]);
          mpz_add (p->counted, p->counted, z);
          if (mpz_cmp (z, res.ops[i]) != 0)
            {
              char *a = mpz_get_str (NULL, 10, res.ops[i]);
              cli_progress_clear (&sp->pr);
              status = cli_fail (CLI_FAILED, "bug: at n = %zu the method %s counted %s = %llu "
                                 "but the analyzer gives %s; the method's count hook and its "
                                 "implementation disagree (please report it)", n,
                                 fga_method_spec (m), kinds[i], (unsigned long long) got[i], a);
              free_mpz_str (a);
            }
        }
    }
  if (status == CLI_OK)
    {
      p->n = n;
      p->t_min = times[0];
      for (size_t r = 1; r < reps; r++)
        p->t_min = times[r] < p->t_min ? times[r] : p->t_min;
      p->t_med = median (times, reps);
      mpz_set (p->exact, res.work);
    }
  mpz_clear (z);
  fga_an_result_clear (&res);
  fga_mat_clear (T);
  fga_instance_clear (inst);
  fga_method_destroy (m);
  return status;
}

static double
local_exponent (double y2, double y1, size_t n2, size_t n1)
{
  if (!(y1 > 0 && y2 > 0))
    return NAN;
  return log (y2 / y1) / log ((double) n2 / (double) n1);
}

/* Every output format carries the same names: the rows have the per-n
   columns, the summary the run's parameters and the fits; CSV puts both on
   every row so that one rectangular file says everything.  The texts that
   may hold commas (the class, the spec) come last, so that the numeric
   columns of the CSV split on commas alone.  */
static const char *const row_names[] = {
  "n", "seconds_median", "seconds_min", "time_exponent", "work_counted", "work_exact",
  "work_exponent", "gflops"
};
enum { NROW = sizeof row_names / sizeof row_names[0] };
static const char *const sum_names[] = {
  "mech", "tau", "d", "dv", "B", "seed", "reps", "fit_time_exponent", "fit_work_exponent",
  "asymptotic_exponent", "asymptotic_class", "fit_time_r2", "fit_time_max_resid",
  "fit_work_r2", "fit_work_max_resid", "points", "spec"
};
enum { NSUM = sizeof sum_names / sizeof sum_names[0] };

/* A real for people, rounded (prec decimals when fixed, else prec
   significant digits), or in CSV and JSON with 17 significant digits, so
   that it reads back as the same double.  */
static const char *
real_cell (char *buf, size_t size, double x, int fixed, int prec, cli_format_t fmt)
{
  if (fmt != CLI_TABLE || !isfinite (x))
    cli_num (buf, size, x);
  else if (fixed)
    snprintf (buf, size, "%.*f", prec, x);
  else
    snprintf (buf, size, "%.*g", prec, x);
  return buf;
}

/* A local exponent: empty on the first row (no previous n), "nan" when a
   time was 0.  */
static const char *
exponent_cell (char *buf, size_t size, size_t j, double x, cli_format_t fmt)
{
  if (j == 0)
    snprintf (buf, size, "%s", "");
  else
    real_cell (buf, size, x, 1, 4, fmt);
  return buf;
}

static void
fill_row (cli_table_t *t, size_t col0, const point_t *pts, size_t j, cli_format_t fmt)
{
  char b[64];
  const point_t *p = &pts[j];
  double tx = j ? local_exponent (p->t_med, pts[j - 1].t_med, p->n, pts[j - 1].n) : NAN;
  double wx = j ? local_exponent (mpz_get_d (p->exact), mpz_get_d (pts[j - 1].exact), p->n,
                                  pts[j - 1].n) : NAN;
  char *cw = mpz_get_str (NULL, 10, p->counted), *ew = mpz_get_str (NULL, 10, p->exact);
  cli_table_addf (t, col0 + 0, "%zu", p->n);
  cli_table_addf (t, col0 + 1, "%s", real_cell (b, sizeof b, p->t_med, 0, 6, fmt));
  cli_table_addf (t, col0 + 2, "%s", real_cell (b, sizeof b, p->t_min, 0, 6, fmt));
  cli_table_addf (t, col0 + 3, "%s", exponent_cell (b, sizeof b, j, tx, fmt));
  cli_table_addf (t, col0 + 4, "%s", cw);
  cli_table_addf (t, col0 + 5, "%s", ew);
  cli_table_addf (t, col0 + 6, "%s", exponent_cell (b, sizeof b, j, wx, fmt));
  /* a time below the clock's resolution has no rate */
  double rate = p->t_med > 0 ? mpz_get_d (p->counted) / p->t_med * 1e-9 : NAN;
  cli_table_addf (t, col0 + 7, "%s", real_cell (b, sizeof b, rate, 0, 4, fmt));
  free_mpz_str (cw);
  free_mpz_str (ew);
}

static void
fill_summary (cli_table_t *t, size_t col0, const fga_an_spec *s, const char *spec,
              const fga_scaling_mech *sm, double B, unsigned long seed, size_t reps,
              const fga_fit *ft, const fga_fit *fw, cli_format_t fmt)
{
  char b[64];
  size_t c = col0;
  /* the name: a method spec's parameters are in the spec column */
  cli_table_addf (t, c++, "%.*s", (int) strcspn (s->mech, ":"), s->mech);
  cli_table_addf (t, c++, "1/d");
  cli_table_addf (t, c++, "%zu", s->d);
  cli_table_addf (t, c++, "%zu", s->dv);
  cli_table_addf (t, c++, "%s", cli_num (b, sizeof b, B));
  cli_table_addf (t, c++, "%lu", seed);
  cli_table_addf (t, c++, "%zu", reps);
  cli_table_addf (t, c++, "%s", real_cell (b, sizeof b, ft->exponent, 1, 4, fmt));
  cli_table_addf (t, c++, "%s", real_cell (b, sizeof b, fw->exponent, 1, 4, fmt));
  cli_table_addf (t, c++, "%s", cli_num (b, sizeof b, sm->exponent));
  cli_table_addf (t, c++, "%s", sm->work_class);
  cli_table_addf (t, c++, "%s", real_cell (b, sizeof b, ft->r2, 1, 6, fmt));
  cli_table_addf (t, c++, "%s", real_cell (b, sizeof b, ft->max_resid, 0, 4, fmt));
  cli_table_addf (t, c++, "%s", real_cell (b, sizeof b, fw->r2, 1, 9, fmt));
  cli_table_addf (t, c++, "%s", real_cell (b, sizeof b, fw->max_resid, 0, 4, fmt));
  cli_table_addf (t, c++, "%zu", fw->points);
  cli_table_addf (t, c++, "%s", spec);
}

/* The command's options, read and defaulted.  */
typedef struct
{
  fga_an_spec s;
  const char *nlist;
  double B;
  unsigned long seed;
  size_t reps;
  cli_format_t fmt;
  int quiet;
} scaling_args;

/* Reads the options into a; *done is set when --help was answered.  */
static int
scaling_parse (scaling_args *a, int *done, int argc, char **argv)
{
  static const struct option opts[] = {
    { "mech", required_argument, NULL, 'M' },
    { "dv", required_argument, NULL, 'v' },
    { "seed", required_argument, NULL, 's' },
    { "reps", required_argument, NULL, 'R' },
    { "causal", no_argument, NULL, 'u' },
    { "block", required_argument, NULL, 'b' },
    { "w", required_argument, NULL, 'w' },
    { "w0", required_argument, NULL, 'w' },
    { "l", required_argument, NULL, 'l' },
    { "c", required_argument, NULL, 'c' },
    { "r", required_argument, NULL, 'r' },
    { "alpha", required_argument, NULL, 'a' },
    { "levels", required_argument, NULL, 'K' },
    { "g", required_argument, NULL, 'g' },
    { "m", required_argument, NULL, 'm' },
    { "kind", required_argument, NULL, 'T' },
    { "iters", required_argument, NULL, 'I' },
    { "segment", no_argument, NULL, 'S' },
    { "format", required_argument, NULL, 'f' },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  fga_an_spec_init (&a->s);
  a->s.d = 64;
  a->s.c = 1;
  int have_mech = 0, have_w = 0, have_m = 0, have_g = 0;
  a->nlist = NULL;
  a->B = 1;
  a->seed = 1;
  a->reps = 3;
  a->fmt = CLI_TABLE;
  a->quiet = 0;
  int c;
  optind = 1;
  /* The one-letter options are analyze's: -c is fixed's C, so --causal
     (cli_an_option's 'c') reads as 'u' and -c as 'Y'.  */
  while ((c = cli_getopt (argc, argv, "n:d:B:w:l:c:r:g:m:qh", opts)) != -1)
    {
      int rc = CLI_OK;
      if (c == 'u' || c == 'c')
        c = c == 'u' ? 'c' : 'Y';
      if (cli_an_option (&a->s, c, optarg, &rc))
        {
          have_w |= c == 'w';
          have_m |= c == 'm';
          if (rc != CLI_OK)
            return rc;
          continue;
        }
      switch (c)
        {
        case 'M':
          {
            char timed[512];
            if (!fga_an_mech_known (optarg))
              return cli_fail (CLI_USAGE, "--mech: unknown mechanism '%s' (the ones that can be "
                               "timed: %s)", optarg, fga_an_mech_list (timed, sizeof timed, 1));
            a->s.mech = optarg;
            have_mech = 1;
            break;
          }
        case 'n': a->nlist = optarg; break;
        case 'd': rc = cli_parse_size (&a->s.d, optarg, "-d", 1, SIZE_MAX); break;
        case 'v': rc = cli_parse_size (&a->s.dv, optarg, "--dv", 1, SIZE_MAX); break;
        case 'B': rc = cli_parse_positive (&a->B, optarg, "-B"); break;
        case 's':
          /* the instance generator takes seeds up to 2^63 - 1 */
          rc = cli_parse_ulong (&a->seed, optarg, "--seed", (unsigned long) INT64_MAX);
          break;
        case 'R':
          /* one time kept per run: refused here when they could not be held */
          rc = cli_parse_size (&a->reps, optarg, "--reps", 1, SIZE_MAX);
          if (rc == CLI_OK)
            {
              char what[64];
              snprintf (what, sizeof what, "--reps %zu: the times of the runs", a->reps);
              rc = cli_check_memory ((double) a->reps * sizeof (double), what);
            }
          break;
        case 'g':
          rc = cli_parse_long (&a->s.g, optarg, "--g", 1, 64);
          have_g = 1;
          break;
        case 'I': rc = cli_parse_long (&a->s.iters, optarg, "--iters", 1, 100000); break;
        case 'f': rc = cli_parse_format (&a->fmt, optarg); break;
        case 'q': a->quiet = 1; break;
        case 'h': fputs (usage, stdout); *done = 1; return CLI_OK;
        default: return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (optind < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind]);
  if (!have_mech || a->nlist == NULL)
    return cli_usage_error ("--mech and -n are required");
  if (a->s.dv == 0)
    a->s.dv = a->s.d;
  /* the methods' defaults where the analyzer's zero would mean something else */
  if (!have_w && (strcmp (a->s.mech, "window") == 0 || strcmp (a->s.mech, "dilated") == 0))
    a->s.w = 64;
  if (!have_g)
    a->s.g = 2;
  if (!have_m)
    a->s.m = strcmp (a->s.mech, "rf") == 0 ? 256 : 64;
  return CLI_OK;
}

/* Everything is checked before the first run: every n against the
   mechanism's parameters, and the memory of each run.  */
static int
scaling_check (const fga_an_spec *s, const size_t *ns, size_t nn, fga_error *err)
{
  int rc = CLI_OK;
  const double phys = fga_physical_bytes ();
  for (size_t j = 0; j < nn && rc == CLI_OK; j++)
    {
      double bytes;
      if (fga_scaling_check_n (s, ns[j], err) != FGA_OK
          || fga_scaling_bytes (&bytes, s, ns[j], err) != FGA_OK)
        rc = cli_fail (cli_status (err->code), "-n: %s", err->msg);
      else if (!(bytes < phys))
        rc = cli_fail (CLI_USAGE, "-n %zu: a run needs about %.3g GiB (the instance, its output "
                       "and the method's working memory), more than the %.3g GiB of this "
                       "machine", ns[j], bytes / 1073741824.0, phys / 1073741824.0);
    }
  return rc;
}

/* The analyzer's work W at each n, the weight of a run in the ETA.  */
static int
predicted_work (double *work, const fga_an_spec *s, const size_t *ns, size_t nn,
                fga_error *err)
{
  fga_an_result res;
  fga_an_result_init (&res);
  int rc = FGA_OK;
  for (size_t j = 0; j < nn && rc == FGA_OK; j++)
    {
      fga_an_spec t = *s;
      t.nq = t.nk = ns[j];
      if ((rc = fga_an_analyze (&res, &t, err)) == FGA_OK)
        work[j] = mpz_get_d (res.work);
    }
  fga_an_result_clear (&res);
  return rc == FGA_OK ? CLI_OK : cli_fail_err (err);
}

/* The fits of time and work against n, and the tables of rows and summary. */
static int
scaling_report (const point_t *pts, size_t nn, const scaling_args *a, const char *spec,
                const fga_scaling_mech *sm, fga_error *err)
{
  int rc = CLI_OK;
  double *x = calloc (nn, sizeof *x), *yt = calloc (nn, sizeof *yt),
    *yw = calloc (nn, sizeof *yw);
  fga_fit ft, fw;
  if (x == NULL || yt == NULL || yw == NULL)
    rc = cli_fail (CLI_FAILED, "out of memory");
  else
    {
      for (size_t j = 0; j < nn; j++)
        {
          x[j] = (double) pts[j].n;
          yt[j] = pts[j].t_med;
          yw[j] = mpz_get_d (pts[j].exact);
        }
      /* a time of 0 (below the clock's resolution) is left out of the
         time fit; the work is always positive */
      fga_fit_power (&ft, x, yt, nn, FGA_FIT_SKIP, NULL);
      if (fga_fit_power (&fw, x, yw, nn, 0, err) != FGA_OK)
        rc = cli_fail_err (err);
    }
  if (rc == CLI_OK && a->fmt == CLI_CSV)
    {
      const char *names[NROW + NSUM];
      memcpy (names, row_names, sizeof row_names);
      memcpy (names + NROW, sum_names, sizeof sum_names);
      cli_table_t t;
      cli_table_init (&t, NROW + NSUM, names);
      for (size_t j = 0; j < nn; j++)
        {
          cli_table_new_row (&t);
          fill_row (&t, 0, pts, j, a->fmt);
          fill_summary (&t, NROW, &a->s, spec, sm, a->B, a->seed, a->reps, &ft, &fw, a->fmt);
        }
      cli_table_print (&t, CLI_CSV, 0, stdout);
      cli_table_clear (&t);
    }
  else if (rc == CLI_OK)
    {
      cli_table_t t, u;
      cli_table_init (&t, NROW, (const char **) row_names);
      for (size_t j = 0; j < nn; j++)
        {
          cli_table_new_row (&t);
          fill_row (&t, 0, pts, j, a->fmt);
        }
      cli_table_init (&u, NSUM, (const char **) sum_names);
      cli_table_new_row (&u);
      fill_summary (&u, 0, &a->s, spec, sm, a->B, a->seed, a->reps, &ft, &fw, a->fmt);
      if (a->fmt == CLI_JSON)
        {
          fputs ("{\n\"rows\": ", stdout);
          cli_table_print (&t, CLI_JSON, 0, stdout);
          fputs (",\n\"summary\": ", stdout);
          cli_table_print (&u, CLI_JSON, 1, stdout);
          fputs ("}\n", stdout);
        }
      else
        {
          cli_table_print (&t, CLI_TABLE, 0, stdout);
          fputc ('\n', stdout);
          cli_table_print (&u, CLI_TABLE, 1, stdout);
        }
      cli_table_clear (&t);
      cli_table_clear (&u);
    }
  free (x);
  free (yt);
  free (yw);
  return rc;
}

/* The progress line of the runs, with the weight of each.  */
static int
start_progress (scaling_progress_t *sp, const fga_an_spec *s, const size_t *ns, size_t nn,
                const scaling_args *a, fga_error *err)
{
  int rc = predicted_work (sp->work, s, ns, nn, err);
  cli_progress_init (&sp->pr, "scaling", a->quiet);
  sp->pr.unit = "sizes";
  sp->nn = nn;
  sp->reps = a->reps;
  sp->done = sp->total = 0;
  for (size_t j = 0; j < nn; j++)
    sp->total += (double) (a->reps + 1) * sp->work[j];
  return rc;
}

int
cli_scaling (int argc, char **argv)
{
  scaling_args a;
  int done = 0;
  int rc = scaling_parse (&a, &done, argc, argv);
  if (rc != CLI_OK || done)
    return rc;
  fga_an_spec s = a.s;

  fga_error err;
  fga_error_init (&err);
  fga_scaling_mech sm;
  const char *given = s.mech;
  /* a method spec becomes its mechanism, with the fields of its parameters */
  if (fga_an_resolve (&s, &s, &err) != FGA_OK
      || fga_scaling_mech_from_spec (&sm, &s, &err) != FGA_OK)
    return cli_fail (CLI_USAGE, "--mech %s: %s", given, err.msg);
  size_t *ns = NULL, nn = 0;
  rc = parse_sizes (&ns, &nn, a.nlist);
  if (rc != CLI_OK)
    return rc;

  fga_method m = fga_method_create (sm.spec, &err);
  if (m == NULL)
    {
      free (ns);
      return cli_fail (cli_status (err.code), "%s", err.msg);
    }
  rc = scaling_check (&s, ns, nn, &err);

  point_t *pts = rc == CLI_OK ? calloc (nn, sizeof *pts) : NULL;
  double *times = rc == CLI_OK ? calloc (a.reps, sizeof *times) : NULL;
  scaling_progress_t sp;
  sp.work = rc == CLI_OK ? calloc (nn, sizeof *sp.work) : NULL;
  if (rc == CLI_OK && (pts == NULL || times == NULL || sp.work == NULL))
    rc = cli_fail (CLI_FAILED, "out of memory");
  for (size_t j = 0; pts != NULL && j < nn; j++)
    mpz_inits (pts[j].counted, pts[j].exact, (mpz_ptr) 0);
  if (rc == CLI_OK)
    rc = start_progress (&sp, &s, ns, nn, &a, &err);
  for (size_t j = 0; j < nn && rc == CLI_OK; j++)
    rc = measure (&pts[j], fga_method_spec (m), &s, ns[j], a.B, a.seed, a.reps, times, &sp, j);
  if (rc == CLI_OK)
    {
      cli_progress_end (&sp.pr, "timed %s at %zu sizes (n = %zu .. %zu, %zu timed run%s each)",
                        fga_method_spec (m), nn, ns[0], ns[nn - 1], a.reps,
                        a.reps == 1 ? "" : "s");
      a.s = s;
      rc = scaling_report (pts, nn, &a, fga_method_spec (m), &sm, &err);
    }

  for (size_t j = 0; pts != NULL && j < nn; j++)
    mpz_clears (pts[j].counted, pts[j].exact, (mpz_ptr) 0);
  free (pts);
  free (times);
  free (sp.work);
  free (ns);
  fga_method_destroy (m);
  return rc;
}
