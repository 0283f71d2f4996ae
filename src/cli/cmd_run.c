/* fgattn run -- run one method on an instance */

#include <config.h>

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn run -i DIR --method SPEC [--tau 1/d|1/sqrt(d)|X] [-o OUT.npy]\n"
  "                  [--lse LSE.npy] [--stats FILE.json] [--format table|csv|json]\n"
  "                  [-q|--quiet]\n"
  "\n"
  "Runs a method (fgattn methods lists them) on the instance in DIR and prints\n"
  "its time, counted operations, peak extra bytes and the BLAS it ran on\n"
  "(blas: the library, its version and the core whose kernels it used, with\n"
  "\"(chose X)\" when fgattn switched it from the core X it had chosen for this\n"
  "processor).  -o writes the output T (nq x dv), --lse the per-row\n"
  "log-sum-exp of the scores, --stats the stats record as JSON.  tau\n"
  "defaults to 1/d.\n"
  "\n"
  "A run predicted to take more than 10 s (FGATTN_WARN_SECONDS in the\n"
  "environment sets the threshold) says so on stderr before it starts, from\n"
  "its operation count and the speed of its arithmetic; the methods that take\n"
  "long (poly, exact:algo=naive|mpfr) then show their progress on stderr: a\n"
  "line redrawn on a terminal, a plain line every 30 s in a log\n"
  "(FGATTN_PROGRESS_INTERVAL), and the time at the end.  --quiet prints none\n"
  "of it.  The output is the same with or without.\n"
  "\n"
  "example: fgattn run -i inst --method exact:algo=stream -o s.npy --stats s.json\n";

/* Seconds of predicted time above which a run is announced.  */
#define WARN_SECONDS 10.0

/* The progress of one run: the library's fractions on cli_progress.  */
typedef struct
{
  cli_progress_t pr;
  const char *spec;
} run_view_t;

static void
show_progress (double fraction, void *data)
{
  run_view_t *v = data;
  cli_progress_update (&v->pr, (size_t) (100 * fraction), 100, fraction, 1.0, v->spec);
}

/* "about 25 min": a prediction is not worth more digits.  */
static void
rough_duration (char *buf, size_t size, double s)
{
  if (s < 1)
    snprintf (buf, size, "under a second");
  else if (s < 90)
    snprintf (buf, size, "about %.0f s", s);
  else if (s < 5400)
    snprintf (buf, size, "about %.0f min", s / 60);
  else
    snprintf (buf, size, "about %.1f h", s / 3600);
}

/* x with two digits, as 2.6e10 (no '+', no leading zero in the exponent). */
static void
two_digits (char *buf, size_t size, double x)
{
  if (!(x >= 1e5))
    {
      snprintf (buf, size, "%.0f", x);
      return;
    }
  int e = (int) floor (log10 (x));
  double m = x / pow (10, e);
  if (m >= 9.95)
    {
      m /= 10;
      e++;
    }
  snprintf (buf, size, "%.1fe%d", m, e);
}

/* The threshold: FGATTN_WARN_SECONDS when it is a number >= 0, else 10 s
   (with a note when it is something else).  */
static double
warn_seconds (void)
{
  const char *text = getenv ("FGATTN_WARN_SECONDS");
  double x;
  fga_error err;
  fga_error_init (&err);
  if (text == NULL || text[0] == '\0')
    return WARN_SECONDS;
  if (fga_parse_real (&x, text, 0, 1e12, 0, "FGATTN_WARN_SECONDS", &err) == FGA_OK)
    return x;
  fprintf (stderr, "fgattn run: %s; %g s instead\n", err.msg, WARN_SECONDS);
  return WARN_SECONDS;
}

/* Says before a run that it will take long, when its prediction is above
   the threshold (a method whose work is not known in advance is not
   announced).  Returns whether it did.  */
static int
announce (fga_method_srcptr m, const char *spec, int lse, int quiet)
{
  fga_method_prediction pd;
  fga_error err;
  fga_error_init (&err);
  if (quiet || fga_method_predict (&pd, m, lse, &err) != FGA_OK)
    return 0;
  if (pd.seconds <= warn_seconds ())
    return 0;
  char when[32], alone[32], ops[32], arith[32], load[96] = "";
  rough_duration (when, sizeof when, pd.seconds);
  two_digits (ops, sizeof ops, pd.ops);
  if (pd.prec == 53)
    snprintf (arith, sizeof arith, "in double");
  else
    snprintf (arith, sizeof arith, "at %ld-bit MPFR", pd.prec);
  if (pd.seconds > pd.seconds_alone)
    {
      rough_duration (alone, sizeof alone, pd.seconds_alone);
      snprintf (load, sizeof load, " at the current load (load %.1f; %s alone)", pd.load, alone);
    }
  fprintf (stderr, "fgattn run: %s: predicted %s%s: %s operations %s on %d thread%s; Ctrl-C "
           "stops it\n", spec, when, load, ops, arith, pd.threads, pd.threads == 1 ? "" : "s");
  fflush (stderr);
  return 1;
}

static void
stats_table (cli_table_t *t, const char *spec, const fga_problem *p, const fga_stats *st)
{
  static const char *base[] = { "method", "nq", "nk", "d", "dv", "tau", "R", "wall_seconds",
                                "threads", "mul", "add", "exp", "div", "cmp", "peak_bytes",
                                "blas" };
  enum { NBASE = sizeof base / sizeof base[0] };
  static const char *names[NBASE + FGA_STATS_EXTRA + 1];
  size_t n = 0;
  for (size_t k = 0; k < NBASE; k++)
    names[n++] = base[k];
  for (size_t k = 0; k < st->nextra; k++)
    names[n++] = st->extra[k].name;
  cli_table_init (t, n, names);
  cli_table_new_row (t);
  char tau[64], b[64];
  fga_tau_format (tau, sizeof tau, &p->tau);
  cli_table_addf (t, 0, "%s", spec);
  cli_table_addf (t, 1, "%zu", p->nq);
  cli_table_addf (t, 2, "%zu", p->nk);
  cli_table_addf (t, 3, "%zu", p->d);
  cli_table_addf (t, 4, "%zu", p->dv);
  cli_table_addf (t, 5, "%s", tau);
  cli_table_addf (t, 6, "%s", cli_num (b, sizeof b, p->R));
  cli_table_addf (t, 7, "%.6g", st->wall_seconds);
  cli_table_addf (t, 8, "%d", st->threads);
  cli_table_addf (t, 9, "%llu", (unsigned long long) st->n_mul);
  cli_table_addf (t, 10, "%llu", (unsigned long long) st->n_add);
  cli_table_addf (t, 11, "%llu", (unsigned long long) st->n_exp);
  cli_table_addf (t, 12, "%llu", (unsigned long long) st->n_div);
  cli_table_addf (t, 13, "%llu", (unsigned long long) st->n_cmp);
  cli_table_addf (t, 14, "%zu", st->peak_bytes);
  /* the BLAS, its version and core: "OpenBLAS 0.3.21, core SkylakeX" */
  char blas[192];
  cli_table_addf (t, 15, "%s", fga_blas_text (blas, sizeof blas));
  for (size_t k = 0; k < st->nextra; k++)
    cli_table_addf (t, NBASE + k, "%s", fga_stats_figure_text (b, sizeof b, st, k));
}

int
cli_run (int argc, char **argv)
{
  static const struct option opts[] = {
    { "method", required_argument, NULL, 'M' }, { "tau", required_argument, NULL, 't' },
    { "lse", required_argument, NULL, 'l' }, { "stats", required_argument, NULL, 's' },
    { "format", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
    { "quiet", no_argument, NULL, 'q' }, { NULL, 0, NULL, 0 }
  };
  const char *dir = NULL, *spec = NULL, *out = NULL, *lse_path = NULL, *stats_path = NULL;
  int quiet = 0;
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  cli_format_t fmt = CLI_TABLE;
  fga_error err;
  fga_error_init (&err);
  int c, rc;

  optind = 1;
  while ((c = cli_getopt (argc, argv, "i:o:hq", opts)) != -1)
    {
      rc = CLI_OK;
      switch (c)
        {
        case 'i': dir = optarg; break;
        case 'M': spec = optarg; break;
        case 'o': out = optarg; break;
        case 'l': lse_path = optarg; break;
        case 's': stats_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 't':
          if (fga_tau_parse (&tau, optarg, &err) != FGA_OK)
            rc = cli_fail_err (&err);
          break;
        case 'h': fputs (usage, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (optind < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind]);
  if (dir == NULL || spec == NULL)
    return cli_usage_error ("-i and --method are required");
  cli_files_t files;
  cli_files_init (&files);
  cli_files_input_dir (&files, dir, "-i", cli_instance_files);
  if (out != NULL)
    cli_files_output (&files, out, "-o");
  if (lse_path != NULL)
    cli_files_output (&files, lse_path, "--lse");
  if (stats_path != NULL)
    cli_files_output (&files, stats_path, "--stats");
  if ((rc = cli_files_check (&files)) != CLI_OK)
    return rc;

  /* The method string is checked before the instance is read: both are
     refused before any work starts.  */
  fga_method m = fga_method_create (spec, &err);
  if (m == NULL)
    return cli_fail_err (&err);
  fga_instance_t inst;
  if ((rc = cli_read_instance (inst, dir)) != CLI_OK)
    {
      fga_method_destroy (m);
      return rc;
    }

  fga_problem prob;
  fga_problem_from_instance (&prob, inst, &tau);
  /* The output (and log-sum-exp) beside the instance already read.  */
  double bytes = 8.0 * ((double) prob.nq * (double) prob.dv
                        + (lse_path != NULL ? (double) prob.nq : 0));
  char what[128];
  snprintf (what, sizeof what, "-i %s: the output, %zu x %zu", dir, prob.nq, prob.dv);
  if ((rc = cli_check_memory (bytes, what)) != CLI_OK)
    {
      fga_instance_clear (inst);
      fga_method_destroy (m);
      return rc;
    }
  fga_mat_t T;
  fga_stats st;
  double *lse = NULL;
  T->rows = T->cols = 0;
  T->data = NULL;
  rc = fga_method_prepare (m, &prob, &err);
  if (rc == FGA_OK)
    rc = fga_mat_init (T, prob.nq, prob.dv, &err);
  if (rc == FGA_OK && lse_path != NULL && (lse = calloc (prob.nq, sizeof *lse)) == NULL)
    {
      err.code = rc = FGA_ERR_NOMEM;
      snprintf (err.msg, sizeof err.msg, "out of memory for %zu log-sum-exp values", prob.nq);
    }
  run_view_t view;
  int announced = rc == FGA_OK && announce (m, spec, lse != NULL, quiet);
  cli_progress_init (&view.pr, "run", quiet);
  view.pr.unit = "percent";
  view.spec = spec;
  fga_progress progress = { show_progress, &view };
  if (rc == FGA_OK)
    rc = fga_method_run_progress (m, T, lse, inst->Q, inst->K, inst->V, &st, &progress, &err);
  /* The last line when the run was long enough to be announced or shown. */
  if (announced || view.pr.last != view.pr.start)
    cli_progress_end (&view.pr, "%s: %s", spec, rc == FGA_OK ? "ran" : "failed");
  else
    cli_progress_clear (&view.pr);
  /* The stats record says which inputs were widened from float32 or
     float16; stderr has said it already (cli_read_instance).  */
  char method_notes[sizeof st.notes] = "";
  if (rc == FGA_OK)
    {
      memcpy (method_notes, st.notes, sizeof st.notes);
      size_t len = strlen (st.notes), sep = len > 0 ? 2 : 0;
      if (len + sep < sizeof st.notes
          && fga_instance_dtype_note (st.notes + len + sep, sizeof st.notes - len - sep, dir) > 0
          && sep > 0)
        memcpy (st.notes + len, "; ", 2);
    }
  /* The outputs are written whole under temporary names, then renamed
     into place together: all of them or none, and a file from an earlier
     run is never removed by a failure.  */
  if (rc == FGA_OK)
    rc = cli_files_begin (&files, &err);
  if (rc == FGA_OK && out != NULL)
    rc = fga_npy_write (cli_files_tmp (&files, out), T, &err);
  if (rc == FGA_OK && lse_path != NULL)
    rc = fga_npy_write_vector (cli_files_tmp (&files, lse_path), lse, prob.nq, &err);
  if (rc == FGA_OK && stats_path != NULL)
    rc = fga_stats_write_json (cli_files_tmp (&files, stats_path), &st, fga_method_spec (m),
                               &prob, &err);
  rc = cli_files_end (&files, rc, &err);

  int status;
  if (rc != FGA_OK)
    status = cli_fail_err (&err);
  else
    {
      cli_table_t t;
      stats_table (&t, fga_method_spec (m), &prob, &st);
      cli_table_print (&t, fmt, 1, stdout);
      cli_table_clear (&t);
      if (method_notes[0] != '\0')
        fprintf (stderr, "fgattn run: note: %s\n", method_notes);
      status = CLI_OK;
    }
  free (lse);
  fga_mat_clear (T);
  fga_instance_clear (inst);
  fga_method_destroy (m);
  return status;
}
