/* fgattn reduce, fgattn decide -- gap Hamming closest pair through attention */

#include <config.h>

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char reduce_usage[] =
  "usage: fgattn reduce -i HAM -o DIR [--format table|csv|json]\n"
  "\n"
  "Turns the gap Hamming closest pair instance HAM/hamming.json (fgattn hamming\n"
  "gen) into an attention instance with 2n queries and keys\n"
  "(theory/lower-bound.md, sections 2-3): DIR/Q.npy, K.npy, V.npy, instance.json\n"
  "(B = s, Bv = 1) and DIR/reduction.json with lambda, the entry bound s,\n"
  "s / sqrt(ln n), the YES and NO thresholds of the output and the additive\n"
  "accuracy that suffices to decide.  The thresholds hold for tau = 1/d.\n"
  "It prints them: a table to 6 digits for people; CSV and JSON with 17\n"
  "significant digits, which read back as the same doubles.\n"
  "\n"
  "example: fgattn reduce -i ham -o att\n";

static const char decide_usage[] =
  "usage: fgattn decide -i DIR --method SPEC [--reference SPEC|none] [--tau 1/d]\n"
  "                     [--format table|csv|json]\n"
  "\n"
  "Runs the method on the instance made by fgattn reduce (tau = 1/d, as the\n"
  "reduction assumes: other values are refused), takes the largest output over\n"
  "the n real queries and answers YES when it passes 3 e^{-lambda t} / (8n),\n"
  "the midpoint between the NO bound e^{-lambda t} / (4n) and the YES bound\n"
  "e^{-lambda t} / (2n).  It prints the margins to both bounds and, against\n"
  "the reference method (default exact:algo=naive; none to skip), the\n"
  "method's largest error on the real queries and whether it is below the\n"
  "accuracy e^{-lambda t} / (8n) that guarantees a right answer.\n"
  "The table prints the bounds and margins to 6 digits; CSV and JSON with 17\n"
  "(max_o and max_error with 17 everywhere).\n"
  "\n"
  "example: fgattn decide -i att --method poly:basis=cheb,deg=10\n";

/* A number that is not NaN, for people (6 digits) or for CSV and JSON
   (17: it reads back as the same double).  */
#define NUM_FMT(fmt) ((fmt) == CLI_TABLE ? "%.6g" : "%.17g")

static int
reduce_table (const fga_reduction_info *info, cli_format_t fmt)
{
  static const char *names[] = { "n", "m", "d", "t", "eps", "lambda", "s", "s_over_sqrt_ln_n",
                                 "yes_bound", "no_bound", "accuracy" };
  cli_table_t tab;
  char b[64];
  cli_table_init (&tab, sizeof names / sizeof names[0], names);
  cli_table_new_row (&tab);
  cli_table_addf (&tab, 0, "%zu", info->n);
  cli_table_addf (&tab, 1, "%zu", info->m);
  cli_table_addf (&tab, 2, "%zu", info->d);
  cli_table_addf (&tab, 3, "%zu", info->t);
  cli_table_addf (&tab, 4, "%s", cli_num (b, sizeof b, info->eps));
  /* all finite and positive: fga_reduce refuses what is not */
  cli_table_addf (&tab, 5, NUM_FMT (fmt), info->lambda);
  cli_table_addf (&tab, 6, NUM_FMT (fmt), info->s);
  cli_table_addf (&tab, 7, NUM_FMT (fmt), info->s_over_sqrt_ln_n);
  cli_table_addf (&tab, 8, NUM_FMT (fmt), info->yes_bound);
  cli_table_addf (&tab, 9, NUM_FMT (fmt), info->no_bound);
  cli_table_addf (&tab, 10, NUM_FMT (fmt), info->accuracy);
  cli_table_print (&tab, fmt, 1, stdout);
  cli_table_clear (&tab);
  return CLI_OK;
}

int
cli_reduce (int argc, char **argv)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  const char *in = NULL, *out = NULL;
  cli_format_t fmt = CLI_TABLE;
  int c, rc;
  optind = 1;
  while ((c = cli_getopt (argc, argv, "i:o:h", opts)) != -1)
    {
      rc = CLI_OK;
      switch (c)
        {
        case 'i': in = optarg; break;
        case 'o': out = optarg; break;
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 'h': fputs (reduce_usage, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (optind < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind]);
  if (in == NULL || out == NULL)
    return cli_usage_error ("-i and -o are required");
  static const char *const hamming_files[] = { "hamming.json", NULL };
  cli_files_t files;
  cli_files_init (&files);
  cli_files_input_dir (&files, in, "-i", hamming_files);
  cli_files_output_dir (&files, out, "-o", cli_reduced_files);
  if ((rc = cli_files_check (&files)) != CLI_OK)
    return rc;
  fga_error err;
  fga_error_init (&err);
  fga_hamming_t h;
  fga_instance_t inst;
  fga_reduction_info info;
  fga_hamming_init (h);
  fga_instance_init (inst);
  rc = fga_hamming_read (h, in, &err);
  if (rc == FGA_OK)
    rc = fga_reduce (inst, &info, h, &err);
  /* The instance and reduction.json into a temporary folder, then all five
     files into place together.  */
  if (rc == FGA_OK)
    rc = cli_files_begin (&files, &err);
  if (rc == FGA_OK)
    rc = fga_instance_write (cli_files_tmp (&files, out), inst, &err);
  if (rc == FGA_OK)
    rc = fga_reduction_write_info (cli_files_tmp (&files, out), &info, &err);
  rc = cli_files_end (&files, rc, &err);
  int status = rc == FGA_OK ? reduce_table (&info, fmt) : cli_fail_err (&err);
  fga_instance_clear (inst);
  fga_hamming_clear (h);
  return status;
}

/* Runs spec on inst with tau = 1/d into T (initialised here).  */
static int
run_method (fga_mat_ptr T, const char *spec, fga_instance_srcptr inst, fga_error *err)
{
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_problem prob;
  fga_stats st;
  T->rows = T->cols = 0;
  T->data = NULL;
  fga_method m = fga_method_create (spec, err);
  if (m == NULL)
    return err->code != FGA_OK ? err->code : FGA_ERR_INPUT;
  fga_problem_from_instance (&prob, inst, &tau);
  int rc = fga_method_prepare (m, &prob, err);
  if (rc == FGA_OK)
    rc = fga_mat_init (T, prob.nq, prob.dv, err);
  if (rc == FGA_OK)
    rc = fga_method_run (m, T, NULL, inst->Q, inst->K, inst->V, &st, err);
  if (rc == FGA_OK && st.notes[0] != '\0')
    fprintf (stderr, "fgattn decide: note (%s): %s\n", spec, st.notes);
  fga_method_destroy (m);
  return rc;
}

int
cli_decide (int argc, char **argv)
{
  static const struct option opts[] = {
    { "method", required_argument, NULL, 'M' }, { "reference", required_argument, NULL, 'r' },
    { "tau", required_argument, NULL, 't' }, { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
  };
  const char *dir = NULL, *spec = NULL, *ref = "exact:algo=naive";
  cli_format_t fmt = CLI_TABLE;
  fga_error err;
  fga_error_init (&err);
  int c, rc;
  optind = 1;
  while ((c = cli_getopt (argc, argv, "i:h", opts)) != -1)
    {
      rc = CLI_OK;
      switch (c)
        {
        case 'i': dir = optarg; break;
        case 'M': spec = optarg; break;
        case 'r': ref = strcmp (optarg, "none") == 0 ? NULL : optarg; break;
        case 't':
          {
            fga_tau tau;
            if (fga_tau_parse (&tau, optarg, &err) != FGA_OK)
              rc = cli_usage_error ("--tau %s: %s", optarg, err.msg);
            else if (tau.kind != FGA_TAU_INV_D)
              rc = cli_usage_error ("--tau %s: the reduction's thresholds hold for "
                                    "tau = 1/d only", optarg);
          }
          break;
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 'h': fputs (decide_usage, stdout); return CLI_OK;
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
  cli_files_input_dir (&files, dir, "-i", cli_reduced_files);
  if ((rc = cli_files_check (&files)) != CLI_OK)
    return rc;

  /* The method strings are checked before anything is read.  */
  fga_method check = fga_method_create (spec, &err);
  if (check == NULL)
    return cli_usage_error ("--method: %s", err.msg);
  fga_method_destroy (check);
  if (ref != NULL)
    {
      if ((check = fga_method_create (ref, &err)) == NULL)
        return cli_usage_error ("--reference: %s", err.msg);
      fga_method_destroy (check);
    }
  fga_reduction_info info;
  if (fga_reduction_read_info (&info, dir, &err) != FGA_OK)
    return cli_fail_err (&err);
  fga_instance_t inst;
  if ((rc = cli_read_instance (inst, dir)) != CLI_OK)
    return rc;
  fga_mat_t T, R;
  R->rows = R->cols = 0;
  R->data = NULL;
  T->rows = T->cols = 0;
  T->data = NULL;
  fga_reduction_decision dec, rdec;
  rc = fga_reduction_check (inst, &info, &err);
  if (rc == FGA_OK && (rc = run_method (T, spec, inst, &err)) != FGA_OK)
    /* A method refusing is itself an answer worth reading: the lower
       bound says that entries this large defeat fast methods.  */
    fprintf (stderr, "fgattn decide: %s gives no answer on this instance (entries "
             "s = %.4g = %.3g sqrt(ln n), scores up to lambda m = %.4g, accuracy needed "
             "%.3g):\n", spec, info.s, info.s_over_sqrt_ln_n, info.lambda * (double) info.m,
             info.accuracy);
  if (rc == FGA_OK)
    rc = fga_reduction_decide (&dec, T, &info, &err);
  if (rc == FGA_OK && ref != NULL)
    rc = run_method (R, ref, inst, &err);
  if (rc == FGA_OK && ref != NULL)
    rc = fga_reduction_decide (&rdec, R, &info, &err);
  if (rc != FGA_OK)
    {
      fga_mat_clear (T);
      fga_mat_clear (R);
      fga_instance_clear (inst);
      return cli_fail_err (&err);
    }
  double max_err = NAN;
  if (ref != NULL)
    {
      /* Only the real queries' outputs enter the decision.  */
      max_err = 0;
      for (size_t i = 0; i < info.n; i++)
        {
          double e = fabs (FGA_MAT (T, i, 0) - FGA_MAT (R, i, 0));
          if (!(e <= max_err))
            max_err = e;
        }
    }
  static const char *names[] = { "method", "n", "answer", "max_o", "argmax", "decide_at",
                                 "margin", "yes_bound", "below_yes", "no_bound", "above_no",
                                 "accuracy", "reference", "reference_answer", "max_error",
                                 "within_accuracy" };
  cli_table_t tab;
  char b[64];
  cli_table_init (&tab, sizeof names / sizeof names[0], names);
  cli_table_new_row (&tab);
  cli_table_addf (&tab, 0, "%s", spec);
  cli_table_addf (&tab, 1, "%zu", info.n);
  cli_table_addf (&tab, 2, "%s", dec.yes ? "YES" : "NO");
  cli_table_addf (&tab, 3, "%s", cli_num (b, sizeof b, dec.max_o));
  cli_table_addf (&tab, 4, "%zu", dec.argmax);
  /* never NaN (fga_reduction_decide refuses it); an infinite output prints
     "inf", which JSON writes as null */
  cli_table_addf (&tab, 5, NUM_FMT (fmt), info.decide_at);
  cli_table_addf (&tab, 6, NUM_FMT (fmt), dec.margin);
  cli_table_addf (&tab, 7, NUM_FMT (fmt), info.yes_bound);
  cli_table_addf (&tab, 8, NUM_FMT (fmt), dec.below_yes);
  cli_table_addf (&tab, 9, NUM_FMT (fmt), info.no_bound);
  cli_table_addf (&tab, 10, NUM_FMT (fmt), dec.above_no);
  cli_table_addf (&tab, 11, NUM_FMT (fmt), info.accuracy);
  cli_table_addf (&tab, 12, "%s", ref != NULL ? ref : "none");
  cli_table_addf (&tab, 13, "%s", ref == NULL ? "-" : rdec.yes ? "YES" : "NO");
  cli_table_addf (&tab, 14, "%s", cli_num (b, sizeof b, max_err));
  cli_table_addf (&tab, 15, "%s", ref == NULL ? "unknown"
                  : max_err < info.accuracy ? "yes" : "no");
  cli_table_print (&tab, fmt, 1, stdout);
  cli_table_clear (&tab);
  if (ref != NULL && rdec.yes != dec.yes)
    fprintf (stderr, "fgattn decide: note: %s answers %s but the reference %s answers %s; "
             "its error %.3g exceeds the accuracy %.3g the reduction needs\n", spec,
             dec.yes ? "YES" : "NO", ref, rdec.yes ? "YES" : "NO", max_err, info.accuracy);
  fga_mat_clear (T);
  fga_mat_clear (R);
  fga_instance_clear (inst);
  return CLI_OK;
}
