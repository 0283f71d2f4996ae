/* fgattn compare -- error metrics of an approximation against the truth */

#include <config.h>

#include <getopt.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn compare TRUTH.npy APPROX.npy [--format table|csv|json]\n"
  "\n"
  "Prints max_abs = max |T - Att| (the measure of Alman and Song), rel_fro =\n"
  "||T - Att||_F / ||Att||_F, mean_abs, and max_ulps, the largest number of\n"
  "doubles between an entry and its truth (0 = equal, 1 = neighbours).\n"
  "\n"
  "example: fgattn compare truth.npy s.npy\n";

int
cli_compare (int argc, char **argv)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  cli_format_t fmt = CLI_TABLE;
  int c, rc;

  optind = 1;
  while ((c = getopt_long (argc, argv, "h", opts, NULL)) != -1)
    {
      switch (c)
        {
        case 'f':
          if ((rc = cli_parse_format (&fmt, optarg)) != CLI_OK)
            return rc;
          break;
        case 'h': fputs (usage, stdout); return CLI_OK;
        default: fputs (usage, stderr); return CLI_USAGE;
        }
    }
  if (argc - optind != 2)
    return cli_fail (CLI_USAGE, "expected two files, TRUTH.npy and APPROX.npy (fgattn compare --help)");

  const char *paths[2] = { argv[optind], argv[optind + 1] };
  cli_files_t files;
  cli_files_init (&files);
  cli_files_input (&files, paths[0], "TRUTH");
  cli_files_input (&files, paths[1], "APPROX");
  if ((rc = cli_files_check (&files)) != CLI_OK)
    return rc;
  fga_mat_t M[2];
  fga_error err;
  fga_error_init (&err);
  fga_mat_init (M[0], 0, 0, NULL);
  fga_mat_init (M[1], 0, 0, NULL);
  fga_metrics mt;
  rc = FGA_OK;
  for (int k = 0; k < 2 && rc == FGA_OK; k++)
    {
      fga_mat_clear (M[k]);
      rc = fga_npy_read (M[k], paths[k], &err);
      if (rc == FGA_OK)
        rc = fga_mat_check_finite (M[k], paths[k], &err);
    }
  if (rc == FGA_OK && (rc = fga_metrics_compute (&mt, M[0], M[1], &err)) != FGA_OK)
    snprintf (err.msg, sizeof err.msg, "%s is %zu x %zu but %s is %zu x %zu", paths[0],
              M[0]->rows, M[0]->cols, paths[1], M[1]->rows, M[1]->cols);
  fga_mat_clear (M[0]);
  fga_mat_clear (M[1]);
  if (rc != FGA_OK)
    return cli_fail_err (&err);

  static const char *names[] = { "rows", "cols", "max_abs", "rel_fro", "mean_abs", "max_ulps" };
  char b[4][64];
  cli_table_t t;
  cli_table_init (&t, 6, names);
  cli_table_new_row (&t);
  cli_table_addf (&t, 0, "%zu", mt.rows);
  cli_table_addf (&t, 1, "%zu", mt.cols);
  cli_table_addf (&t, 2, "%s", cli_num (b[0], sizeof b[0], mt.max_abs));
  cli_table_addf (&t, 3, "%s", cli_num (b[1], sizeof b[1], mt.rel_fro));
  cli_table_addf (&t, 4, "%s", cli_num (b[2], sizeof b[2], mt.mean_abs));
  cli_table_addf (&t, 5, "%s", cli_num (b[3], sizeof b[3], mt.max_ulps));
  cli_table_print (&t, fmt, 1, stdout);
  cli_table_clear (&t);
  return CLI_OK;
}
