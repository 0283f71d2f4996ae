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
  "Reads DIR/results.csv, DIR/rank.csv and DIR/least.csv as a sweep wrote them\n"
  "(any may be absent) and writes into DIR:\n"
  "  error-vs-B.md    max_abs error, rows beta (or B), columns n, per method and size\n"
  "  least-size.md    least size reaching each target, rows beta, columns n\n"
  "  exponents.md     fitted exponent in n (slope of log value against log n) of the\n"
  "                   numerical rank of P and of each least size, for each beta\n"
  "  NAME.dat, NAME.gp and, when gnuplot is installed, NAME.png and NAME.svg:\n"
  "  error against beta, least size against beta, rank of P against n with the\n"
  "  monomial counts C(d+k,k), and time against n with fitted slopes.\n"
  "Prints the exponent table.  Every value is the mean over seeds.\n"
  "\n"
  "example: fgattn report notebooks-data/transition-demo\n";

/* Whether gnuplot is on PATH: checked once, so that a missing gnuplot gives
   one clear note rather than one failure per plot.  */
static int
have_gnuplot (void)
{
  const char *path = getenv ("PATH");
  if (path == NULL)
    return 0;
  char buf[4096];
  while (*path)
    {
      size_t len = strcspn (path, ":");
      snprintf (buf, sizeof buf, "%.*s/gnuplot", (int) (len ? len : 1), len ? path : ".");
      if (access (buf, X_OK) == 0)
        return 1;
      path += len + (path[len] == ':');
    }
  return 0;
}

/* Runs `gnuplot -e "out='.NAME.tmp'" NAME.gp' in dir, then renames the two
   images into place, so that an interrupted run leaves no half image. */
static int
render (const char *dir, const char *name)
{
  char expr[600], script[300];
  snprintf (expr, sizeof expr, "out='.%s.tmp'", name);
  snprintf (script, sizeof script, "%s.gp", name);
  pid_t pid = fork ();
  if (pid < 0)
    return cli_fail (CLI_FAILED, "cannot start gnuplot: %s", strerror (errno));
  if (pid == 0)
    {
      if (chdir (dir) != 0)
        _exit (126);
      execlp ("gnuplot", "gnuplot", "-e", expr, script, (char *) NULL);
      _exit (127);
    }
  int st;
  while (waitpid (pid, &st, 0) < 0)
    if (errno != EINTR)
      return cli_fail (CLI_FAILED, "gnuplot: %s", strerror (errno));
  int ok = WIFEXITED (st) && WEXITSTATUS (st) == 0;
  int status = CLI_OK;
  static const char *const ext[] = { "png", "svg" };
  for (int k = 0; k < 2; k++)
    {
      char tmp[4400], dst[4400];
      snprintf (tmp, sizeof tmp, "%s/.%s.tmp.%s", dir, name, ext[k]);
      snprintf (dst, sizeof dst, "%s/%s.%s", dir, name, ext[k]);
      struct stat sb;
      if (ok && stat (tmp, &sb) == 0 && sb.st_size > 0)
        {
          if (rename (tmp, dst) != 0)
            status = cli_fail (CLI_FAILED, "%s: %s", dst, strerror (errno));
        }
      else
        {
          unlink (tmp);
          ok = 0;
        }
    }
  if (!ok)
    status = cli_fail (CLI_FAILED, "%s.gp: gnuplot failed, so nothing was written (without "
                       "gnuplot on PATH, report writes the tables and each plot's .dat and .gp)",
                       name);
  return status;
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
  while ((c = getopt_long (argc, argv, "h", opts, NULL)) != -1)
    {
      rc = CLI_OK;
      switch (c)
        {
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 'h': fputs (usage, stdout); return CLI_OK;
        default: fputs (usage, stderr); return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (optind >= argc)
    return cli_fail (CLI_USAGE, "DIR is required (fgattn report --help)");
  if (optind + 1 < argc)
    return cli_fail (CLI_USAGE, "unexpected argument '%s'", argv[optind + 1]);
  const char *dir = argv[optind];
  /* Every file report writes goes into DIR together, when all are done.  */
  static const char *const inputs[] = { "?results.csv", "?rank.csv", "?least.csv", NULL };
  static const char *const tables[] = { "error-vs-B.md", "least-size.md", "exponents.md",
                                        NULL };
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
  static const char *const fname[] = { "results.csv", "rank.csv", "least.csv" };
  char used[128] = "", absent[128] = "";
  for (int k = 0; k < 3; k++)
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
  static const char *names[] = { "quantity", "label", "param", "beta", "exponent", "points" };
  const char *axis = fga_report_axis_is_B (rep) ? "B" : "beta";
  names[3] = axis;
  const fga_report_exponent *ex;
  size_t nex = fga_report_exponents (rep, &ex);
  cli_table_t t;
  cli_table_init (&t, sizeof names / sizeof names[0], names);
  for (size_t i = 0; i < nex; i++)
    {
      cli_table_new_row (&t);
      cli_table_addf (&t, 0, "%s", ex[i].quantity);
      cli_table_addf (&t, 1, "%s", ex[i].label);
      cli_table_addf (&t, 2, "%s", ex[i].param);
      cli_table_addf (&t, 3, "%.6g", ex[i].x);
      if (isnan (ex[i].exponent))
        cli_table_addf (&t, 4, "nan");
      else
        cli_table_addf (&t, 4, "%.3f", ex[i].exponent);
      cli_table_addf (&t, 5, "%zu", ex[i].points);
    }
  /* The images are rendered in the temporary folder too, and join the
     group; a failed rendering leaves nothing new.  */
  int status = CLI_OK;
  int plots = np > 0 && have_gnuplot ();
  if (np > 0 && !plots)
    fprintf (stderr, "fgattn report: gnuplot not found: plots skipped (the tables, and each "
             "plot's .dat and .gp files, are written in %s)\n", dir);
  for (size_t i = 0; plots && i < np && status == CLI_OK; i++)
    {
      char name[512];
      status = render (tmp, fga_report_plot (rep, i));
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
  else if (status == CLI_OK)
    fprintf (stderr, "fgattn report: no rank.csv or least.csv rows, so no exponents to fit\n");
  if (status == CLI_OK)
    fprintf (stderr, "fgattn report: wrote error-vs-B.md, least-size.md, exponents.md and %zu "
             "plot%s in %s\n", plots ? np : 0, plots && np == 1 ? "" : "s", dir);
  cli_table_clear (&t);
  fga_report_destroy (rep);
  return status;
}
