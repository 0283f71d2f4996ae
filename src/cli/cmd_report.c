/* fgattn report -- tables and plots of a sweep, regenerated from its CSV files */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn report DIR [--format table|csv|json]\n"
  "\n"
  "Reads DIR/results.csv, rank.csv, least.csv and cost.csv as a sweep wrote them\n"
  "(any may be absent; folders of older sweeps, without law, dist, censored or\n"
  "cost.csv, are read too) and writes into DIR, one table per family (dist) and\n"
  "law of B = beta law(n), each headed by the law, its regime (o(sqrt(log n)),\n"
  "Theta(sqrt(log n)) or omega(sqrt(log n))), the family and the n range:\n"
  "  error-vs-B.md    max_abs error, rows beta (B when the law is 1), columns n,\n"
  "                   per method and size\n"
  "  rank.md          numerical rank of P per tol; \">= 512\" where the\n"
  "                   randomized rank hit its budget, \"= distinct rows\" where\n"
  "                   the set-up bounds it\n"
  "  least-size.md    least size reaching each target; \"> 1024\" where the search\n"
  "                   stopped without reaching it (\"> n\": no better than exact)\n"
  "  cost.md          per eps: g_cert / g_emp, r_cert / r_emp, poly time /\n"
  "                   exact time\n"
  "  exponents.md     per group, rows beta: the exponent in n (least-squares\n"
  "                   slope of log value against log n) of the rank at each\n"
  "                   tol, of each least size, of r_cert, r_emp, poly and exact\n"
  "                   time, beside exact's 2\n"
  "  NAME.dat, NAME.gp and, when gnuplot is installed, NAME.png and NAME.svg:\n"
  "  error-vs-beta-K (error-vs-B-K when the law is 1): every method and size\n"
  "  against beta, one plot per group and n (12 colours, 6 marker shapes);\n"
  "  least-size-K against beta, a curve per n, the y label naming the size\n"
  "  (degree g, features m, landmarks m, ...), bars from the least to the\n"
  "  largest seed; rank-K of P against n with the levels C(d+k,k) at each n's\n"
  "  own d (up to n) and the line rank = n; cost-r-K (r_emp solid, r_cert\n"
  "  dashed, against n, with n); time-K, a curve per method and beta with its\n"
  "  slope fitted per beta.  Plots against n are written only where two or\n"
  "  more n have values; K counts the plots of a kind over the groups.\n"
  "Accuracies are shown as written, \"(1/poly(n))\" for n^-c, \"(fixed)\" for a number.\n"
  "Every value is the mean over seeds; a mean with a censored seed is a lower\n"
  "bound and printed so, and censored points are drawn with open markers.  An\n"
  "exponent fitted on censored means is printed \">= a\" when that is a valid lower\n"
  "bound (every censored n above the geometric mean of the fitted n) and\n"
  "\"censored\" when no bound holds (exponents.md's footnotes give the reason).\n"
  "Prints the exponents: quantity, label, param, beta (B when every law is 1),\n"
  "exponent, points, dist, law; the table rounds beta to 6 digits and the\n"
  "exponent to 3 decimals, CSV and JSON give both with 17 significant digits.\n"
  "\n"
  "example: fgattn report notebooks-data/transition-demo\n";

/* The exponents as a table.  A lower bound is printed ">= a" and a fit
   that censored points leave without a bound "censored" in every format,
   so that no reader (nor a script comparing numbers) takes either for the
   exponent.  */
static size_t
exponent_table (cli_table_t *t, const fga_report_struct *rep, cli_format_t fmt)
{
  static const char *names[] = { "quantity", "label", "param", "beta", "exponent", "points",
                                 "dist", "law" };
  names[3] = fga_report_axis_is_B (rep) ? "B" : "beta";
  const fga_report_exponent *ex;
  char b[64];
  size_t nex = fga_report_exponents (rep, &ex);
  cli_table_init (t, sizeof names / sizeof names[0], names);
  for (size_t i = 0; i < nex; i++)
    {
      cli_table_new_row (t);
      cli_table_addf (t, 0, "%s", ex[i].quantity);
      cli_table_addf (t, 1, "%s", ex[i].label);
      cli_table_addf (t, 2, "%s", ex[i].param);
      /* rounded for people; 17 digits in CSV and JSON (they read back) */
      if (fmt == CLI_TABLE)
        cli_table_addf (t, 3, "%.6g", ex[i].x);
      else
        cli_table_addf (t, 3, "%s", cli_num (b, sizeof b, ex[i].x));
      if (ex[i].bound == FGA_REPORT_CENSORED)
        cli_table_addf (t, 4, "censored");
      else if (isnan (ex[i].exponent) || fmt != CLI_TABLE)
        cli_table_addf (t, 4, "%s%s", ex[i].bound == FGA_REPORT_LOWER ? ">= " : "",
                        cli_num (b, sizeof b, ex[i].exponent));
      else
        cli_table_addf (t, 4, "%s%.3f", ex[i].bound == FGA_REPORT_LOWER ? ">= " : "",
                        ex[i].exponent);
      cli_table_addf (t, 5, "%zu", ex[i].points);
      cli_table_addf (t, 6, "%s", ex[i].dist);
      cli_table_addf (t, 7, "%s", ex[i].law);
    }
  return nex;
}

int
cli_report (int argc, char **argv)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  cli_format_t fmt = CLI_TABLE;
  fga_error err;
  fga_error_init (&err);
  int c, rc;

  optind = 1;
  while ((c = cli_getopt (argc, argv, "h", opts)) != -1)
    {
      rc = CLI_OK;
      switch (c)
        {
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 'h': fputs (usage, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (optind >= argc)
    return cli_usage_error ("DIR is required");
  if (optind + 1 < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind + 1]);
  const char *dir = argv[optind];
  /* Every file report writes goes into DIR together, when all are done.  */
  static const char *const inputs[] = { "?results.csv", "?rank.csv", "?least.csv",
                                        "?cost.csv", NULL };
  static const char *const tables[] = { "error-vs-B.md", "rank.md", "least-size.md", "cost.md",
                                        "exponents.md", NULL };
  cli_files_t io;
  cli_files_init (&io);
  cli_files_input_dir (&io, dir, "DIR", inputs);
  cli_files_output_dir (&io, dir, "DIR", tables);
  if ((rc = cli_files_check (&io)) != CLI_OK)
    return rc;

  fga_report_ptr rep;
  if (fga_report_read (&rep, dir, &err) != FGA_OK)
    return cli_fail_err (&err);
  unsigned files = fga_report_files (rep);
  static const char *const fname[] = { "results.csv", "rank.csv", "least.csv", "cost.csv" };
  char used[128] = "", absent[128] = "";
  for (int k = 0; k < 4; k++)
    {
      char *to = files & (1u << k) ? used : absent;
      if (*to)
        strcat (to, ", ");
      strcat (to, fname[k]);
    }
  fprintf (stderr, "fgattn report: read %s%s%s%s\n", used, *absent ? " (absent: " : "", absent,
           *absent ? ")" : "");

  cli_install_signal_handlers ();
  rc = cli_files_begin (&io, &err);
  const char *tmp = cli_files_tmp (&io, dir);
  if (rc == FGA_OK)
    rc = fga_report_write (rep, tmp, &err);
  size_t np = rc == FGA_OK ? fga_report_nplots (rep) : 0;
  for (size_t i = 0; i < np && rc == FGA_OK; i++)
    {
      char name[512];
      snprintf (name, sizeof name, "%s.dat", fga_report_plot (rep, i));
      if ((rc = cli_files_add_name (&io, dir, name, &err)) == FGA_OK)
        {
          snprintf (name, sizeof name, "%s.gp", fga_report_plot (rep, i));
          rc = cli_files_add_name (&io, dir, name, &err);
        }
    }
  if (rc != FGA_OK)
    {
      cli_files_end (&io, rc, &err);
      fga_report_destroy (rep);
      return cli_fail_err (&err);
    }

  /* The transition in one table: the exponent in n for each beta. */
  cli_table_t t;
  size_t nex = exponent_table (&t, rep, fmt);
  /* The images are rendered in the temporary folder too, and join the
     group; a failed rendering leaves nothing new.  */
  int status = CLI_OK;
  int plots = np > 0 && cli_gnuplot_found ();
  if (np > 0 && !plots)
    fprintf (stderr, "fgattn report: gnuplot not found: plots skipped (the tables, and each "
             "plot's .dat and .gp files, are written in %s)\n", dir);
  for (size_t i = 0; plots && i < np && status == CLI_OK; i++)
    {
      char name[512];
      status = cli_gnuplot_render (tmp, fga_report_plot (rep, i));
      for (int k = 0; k < 2 && status == CLI_OK; k++)
        {
          snprintf (name, sizeof name, "%s.%s", fga_report_plot (rep, i), k ? "svg" : "png");
          if (cli_files_add_name (&io, dir, name, &err) != FGA_OK)
            status = cli_fail_err (&err);
        }
    }
  rc = cli_files_end (&io, status == CLI_OK ? FGA_OK : FGA_ERR_COMPUTE, &err);
  if (status == CLI_OK && rc != FGA_OK)
    status = cli_fail_err (&err);
  /* The table once everything is in place: nothing on stdout on failure. */
  if (status == CLI_OK && nex > 0)
    cli_table_print (&t, fmt, 0, stdout);
  else if (status == CLI_OK && fmt == CLI_JSON)
    fputs ("[]\n", stdout);     /* still one JSON document on stdout */
  if (status == CLI_OK && nex == 0)
    fprintf (stderr, "fgattn report: no rank.csv, least.csv or cost.csv rows, so no exponents "
             "to fit\n");
  if (status == CLI_OK)
    fprintf (stderr, "fgattn report: wrote error-vs-B.md, rank.md, least-size.md, cost.md, "
             "exponents.md and %zu "
             "plot%s in %s\n", plots ? np : 0, plots && np == 1 ? "" : "s", dir);
  cli_table_clear (&t);
  fga_report_destroy (rep);
  return status;
}
