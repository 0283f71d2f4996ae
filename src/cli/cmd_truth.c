/* fgattn truth -- the certified ground truth of an instance */

#include <config.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define PREC_LO 64
#define PREC_HI (1UL << 20)
#define PREC_MAX_HI (1UL << 24)

static const char usage[] =
  "usage: fgattn truth -i DIR [--prec P] [--prec-max PMAX] [--tau 1/d|1/sqrt(d)|X]\n"
  "                    [-o OUT.npy] [--lse LSE.npy] [--text FILE]\n"
  "                    [--no-fast] [--format table|csv|json] [-q|--quiet]\n"
  "\n"
  "Computes Att = softmax(tau Q K^T) V in MPFR with a proved error bound for\n"
  "every entry, and returns each entry as the double nearest to the exact\n"
  "value (ties to even).  Rows whose bound does not decide the rounding are\n"
  "recomputed at higher precision, up to PMAX bits; entries still undecided\n"
  "then (true ties between two doubles) are reported, nothing is written, and\n"
  "the exit status is 1.  --text writes every entry at the working precision\n"
  "with its error bound.  The outputs are replaced together, or none of them.\n"
  "Rows are first computed in double-double with a proved bound; a row with\n"
  "an entry that bound does not decide is computed in MPFR (fast_entries and\n"
  "fallback_rows count them).  The answers are the same bits either way;\n"
  "--no-fast computes every row in MPFR (so does --text).\n"
  "P defaults to 128 (range 64..1048576), PMAX to 8192; tau to 1/d.\n"
  "It prints what it did (sizes, precisions, counts and wall_seconds: to 6\n"
  "digits in the table, 17 in CSV and JSON).\n"
  "Its progress goes to stderr (a line redrawn on a terminal, a plain line\n"
  "every 30 s in a log, then the time); --quiet prints none.\n"
  "\n"
  "example: fgattn truth -i inst --prec 128 -o truth.npy\n";

/* The truth's fractions on a progress line.  */
static void
show_progress (double fraction, void *data)
{
  cli_progress_update (data, (size_t) (100 * fraction), 100, fraction, 1.0, NULL);
}

static int
write_text (const char *path, fga_mpfr_mat_srcptr W, fga_mpfr_mat_srcptr Werr,
            fga_mat_srcptr T, const char *dir, const char *tau, fga_error *err)
{
  fga_atomic_file af;
  int rc = fga_atomic_open (&af, path, err);
  if (rc != FGA_OK)
    return rc;
  /* Enough decimal digits to tell the working value from its neighbours. */
  int digits = (int) ((double) W->prec * 0.30103) + 2;
  fprintf (af.fp, "# fgattn %s: ground truth of %s, tau = %s, working precision %ld bits\n",
           fga_version (), dir, tau, (long) W->prec);
  fprintf (af.fp, "# |value - exact| <= error_bound; nearest_double is the correctly rounded entry\n");
  fprintf (af.fp, "# row col value error_bound nearest_double\n");
  for (size_t i = 0; i < W->rows; i++)
    for (size_t j = 0; j < W->cols; j++)
      mpfr_fprintf (af.fp, "%zu %zu %.*Re %.3Re %.17g\n", i, j, digits,
                    FGA_MPFR_MAT (W, i, j), FGA_MPFR_MAT (Werr, i, j), FGA_MAT (T, i, j));
  return fga_atomic_commit (&af, err);
}

int
cli_truth (int argc, char **argv)
{
  static const struct option opts[] = {
    { "prec", required_argument, NULL, 'p' }, { "prec-max", required_argument, NULL, 'P' },
    { "tau", required_argument, NULL, 't' }, { "lse", required_argument, NULL, 'l' },
    { "text", required_argument, NULL, 'x' }, { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' }, { "quiet", no_argument, NULL, 'q' },
    { "no-fast", no_argument, NULL, 'F' },
    { NULL, 0, NULL, 0 }
  };
  int quiet = 0, fast_off = 0;
  const char *dir = NULL, *out = NULL, *lse_path = NULL, *text_path = NULL;
  size_t prec = 128, prec_max = 8192;
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
        case 'p': rc = cli_parse_size (&prec, optarg, "--prec", PREC_LO, PREC_HI); break;
        case 'P': rc = cli_parse_size (&prec_max, optarg, "--prec-max", PREC_LO, PREC_MAX_HI); break;
        case 'o': out = optarg; break;
        case 'l': lse_path = optarg; break;
        case 'x': text_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'F': fast_off = 1; break;
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 't':
          if (fga_tau_parse (&tau, optarg, &err) != FGA_OK)
            rc = cli_usage_error ("%s", err.msg);
          break;
        case 'h': fputs (usage, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (optind < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind]);
  if (dir == NULL)
    return cli_usage_error ("-i DIR is required");
  if (cli_farm != NULL && text_path != NULL)
    return cli_usage_error ("--text: not available in fgattn-mpi (the working values stay on "
                            "the ranks that computed them); run fgattn truth");
  if (prec_max < prec)
    return cli_usage_error ("--prec-max %zu: out of range %zu..%lu (at least --prec)", prec_max,
                            prec, PREC_MAX_HI);
  cli_files_t files;
  cli_files_init (&files);
  cli_files_input_dir (&files, dir, "-i", cli_instance_files);
  if (out != NULL)
    cli_files_output (&files, out, "-o");
  if (lse_path != NULL)
    cli_files_output (&files, lse_path, "--lse");
  if (text_path != NULL)
    cli_files_output (&files, text_path, "--text");
  if ((rc = cli_files_check (&files)) != CLI_OK)
    return rc;

  fga_instance_t inst;
  if ((rc = cli_read_instance (inst, dir)) != CLI_OK)
    return rc;
  size_t nq = inst->Q->rows, dv = inst->V->cols;
  /* The output, and with --text two MPFR matrices of it (a number is its
     struct and its limbs), beside the instance already read.  */
  double entries = (double) nq * (double) dv;
  double bytes = 8.0 * entries + 8.0 * (double) nq;
  if (text_path != NULL)
    bytes += 2 * entries * (double) (sizeof (__mpfr_struct) + 8 * ((prec + 63) / 64));
  char what[128];
  snprintf (what, sizeof what, "-i %s: the output, %zu x %zu%s", dir, nq, dv,
            text_path != NULL ? ", in double and in MPFR" : "");
  if ((rc = cli_check_memory (bytes, what)) != CLI_OK)
    {
      fga_instance_clear (inst);
      return rc;
    }
  fga_mat_t T;
  fga_mpfr_mat_t W, Werr;
  fga_mpfr_mat_struct none = { 0, 0, 0, NULL };
  *W = none;
  *Werr = none;
  double *lse = NULL;
  fga_stats st;
  fga_stats_init (&st);
  fga_truth_info info = { 0, 0, 0, 0, 0 };
  fga_truth_opts topts = { (mpfr_prec_t) prec, (mpfr_prec_t) prec_max, fast_off };

  rc = fga_mat_init (T, nq, dv, &err);
  if (rc == FGA_OK && lse_path != NULL && (lse = calloc (nq, sizeof *lse)) == NULL)
    {
      err.code = rc = FGA_ERR_NOMEM;
      snprintf (err.msg, sizeof err.msg, "out of memory for %zu log-sum-exp values", nq);
    }
  cli_progress_t pr;
  cli_progress_init (&pr, "truth", quiet);
  pr.unit = "percent";
  fga_progress progress = { show_progress, &pr };
  fga_progress old = fga_truth_set_progress (&progress);
  double t0 = fga_wall_time ();
  if (rc == FGA_OK)
    rc = cli_farm != NULL
      ? fga_truth_farm (T, lse, inst->Q, inst->K, inst->V, &tau, &topts, &info, &st, cli_farm,
                        &err)
      : fga_truth (T, lse, text_path != NULL ? W : NULL, text_path != NULL ? Werr : NULL,
                   inst->Q, inst->K, inst->V, &tau, &topts, &info, &st, &err);
  st.wall_seconds = fga_wall_time () - t0;
  fga_truth_set_progress (&old);
  /* The last line when the run was long enough to show progress.  */
  if (pr.last != pr.start)
    cli_progress_end (&pr, "%s", rc == FGA_OK ? "computed" : "failed");
  char taus[64];
  fga_tau_format (taus, sizeof taus, &tau);
  /* All the outputs, or none (cli_files_end); none when some entries are
     not proved correctly rounded (exit status 1 below).  */
  const int writing = info.undecided == 0 && (cli_farm == NULL || cli_farm->is_master (cli_farm));
  if (rc == FGA_OK && writing)
    rc = cli_files_begin (&files, &err);
  if (rc == FGA_OK && writing && out != NULL)
    rc = fga_npy_write (cli_files_tmp (&files, out), T, &err);
  if (rc == FGA_OK && writing && lse_path != NULL)
    rc = fga_npy_write_vector (cli_files_tmp (&files, lse_path), lse, nq, &err);
  if (rc == FGA_OK && writing && text_path != NULL)
    rc = write_text (cli_files_tmp (&files, text_path), W, Werr, T, dir, taus, &err);
  rc = cli_files_end (&files, rc, &err);

  int status = CLI_OK;
  if (rc != FGA_OK)
    status = cli_fail_err (&err);
  else if (info.undecided != 0)
    status = cli_fail (CLI_FAILED,
                       "%zu of the %zu values were not decided at --prec-max %zu bits (a true "
                       "tie between two doubles, or a cap too low for the bound); nothing was "
                       "written", info.undecided, nq * dv, prec_max);
  else
    {
      static const char *names[] = { "nq", "nk", "d", "dv", "tau", "entries", "undecided",
                                     "prec", "prec_used_max", "rows_raised", "fast_entries",
                                     "fallback_rows", "wall_seconds", "mul", "add", "exp",
                                     "div", "cmp", "peak_bytes", "blas" };
      cli_table_t t;
      cli_table_init (&t, sizeof names / sizeof names[0], names);
      cli_table_new_row (&t);
      cli_table_addf (&t, 0, "%zu", nq);
      cli_table_addf (&t, 1, "%zu", inst->K->rows);
      cli_table_addf (&t, 2, "%zu", inst->Q->cols);
      cli_table_addf (&t, 3, "%zu", dv);
      cli_table_addf (&t, 4, "%s", taus);
      cli_table_addf (&t, 5, "%zu", nq * dv);
      cli_table_addf (&t, 6, "%zu", info.undecided);
      cli_table_addf (&t, 7, "%zu", prec);
      cli_table_addf (&t, 8, "%ld", (long) info.prec_used_max);
      cli_table_addf (&t, 9, "%zu", info.rows_raised);
      cli_table_addf (&t, 10, "%zu", info.fast_entries);
      cli_table_addf (&t, 11, "%zu", info.fallback_rows);
      if (fmt == CLI_TABLE)
        cli_table_addf (&t, 12, "%.6g", st.wall_seconds);
      else
        cli_table_addf (&t, 12, "%.17g", st.wall_seconds);
      cli_table_addf (&t, 13, "%llu", (unsigned long long) st.n_mul);
      cli_table_addf (&t, 14, "%llu", (unsigned long long) st.n_add);
      cli_table_addf (&t, 15, "%llu", (unsigned long long) st.n_exp);
      cli_table_addf (&t, 16, "%llu", (unsigned long long) st.n_div);
      cli_table_addf (&t, 17, "%llu", (unsigned long long) st.n_cmp);
      cli_table_addf (&t, 18, "%zu", st.peak_bytes);
      char blas[192];         /* the truth uses none; recorded as every record does */
      cli_table_addf (&t, 19, "%s", fga_blas_text (blas, sizeof blas));
      cli_table_print (&t, fmt, 1, stdout);
      cli_table_clear (&t);
    }
  free (lse);
  fga_mat_clear (T);
  if (W->data != NULL)
    fga_mpfr_mat_clear (W);
  if (Werr->data != NULL)
    fga_mpfr_mat_clear (Werr);
  fga_instance_clear (inst);
  return status;
}
