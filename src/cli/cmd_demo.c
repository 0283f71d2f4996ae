/* fgattn demo -- the main job: the transition sweep, its tables printed, its plots written */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define DEMO_CONF "transition-demo.conf"

static const char usage[] =
  "usage: fgattn demo [-o DIR] [--jobs J] [--quiet]\n"
  "\n"
  "Runs the sweep experiments/" DEMO_CONF " (uniform entries, d = ceil(log2 n),\n"
  "B = beta sqrt(ln n) for beta from 0.25 to 2, n from 128 to 1024), then the\n"
  "report: prints the fitted exponent in n of the numerical rank of P and of\n"
  "the least sizes of the methods for each beta (near 0 at small beta, near 1\n"
  "from beta = 1.5 on: the transition), and the error-vs-beta table of the\n"
  "polynomial method; writes the CSV files, tables and plots to DIR (default\n"
  "notebooks-data/transition-demo).  A re-run resumes where it stopped.\n"
  "The configuration is looked for in $FGATTN_DATADIR/experiments, the\n"
  "installed data folder, then the source tree.\n"
  "\n"
  "example: fgattn demo -o /tmp/demo\n";

/* The first readable candidate for the configuration.  */
static int
find_config (char *path, size_t size)
{
  const char *dirs[3] = { getenv ("FGATTN_DATADIR"), FGA_DATADIR, FGA_SRCDIR };
  for (int k = 0; k < 3; k++)
    if (dirs[k] != NULL && dirs[k][0] != '\0')
      {
        snprintf (path, size, "%s/experiments/%s", dirs[k], DEMO_CONF);
        if (access (path, R_OK) == 0)
          return 1;
      }
  return 0;
}

/* Prints the last table of the first method in DIR/error-vs-B.md: its
   largest size, where the transition shows most plainly.  */
static void
print_error_table (const char *dir)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/error-vs-B.md", dir);
  FILE *fp = fopen (path, "r");
  if (fp == NULL)
    return;
  char *text = NULL;
  size_t len = 0;
  ssize_t got = getdelim (&text, &len, '\0', fp);
  fclose (fp);
  if (got <= 0)
    {
      free (text);
      return;
    }
  /* Sections start with "## LABEL, KEY = SIZE".  */
  char *first = strstr (text, "\n## ");
  if (first == NULL)
    {
      free (text);
      return;
    }
  first++;
  size_t label_len = strcspn (first + 3, ",\n");
  char *best = first;
  for (char *s = strstr (first + 1, "\n## "); s != NULL; s = strstr (s + 1, "\n## "))
    if (strncmp (s + 4, first + 3, label_len) == 0 && s[4 + label_len] == ',')
      best = s + 1;
  char *end = strstr (best + 1, "\n## ");
  size_t n = end != NULL ? (size_t) (end - best) : strlen (best);
  while (n > 3 && (best[n - 1] == '\n' || best[n - 1] == ' '))
    n--;
  printf ("\nmax_abs error against the ground truth, %.*s\n", (int) (n - 3), best + 3);
  free (text);
}

int
cli_demo (int argc, char **argv)
{
  static const struct option opts[] = {
    { "jobs", required_argument, NULL, 'j' }, { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
  };
  const char *out = "notebooks-data/transition-demo";
  const char *jobs = NULL;
  int quiet = 0, c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "o:h", opts, NULL)) != -1)
    switch (c)
      {
      case 'o': out = optarg; break;
      case 'j': jobs = optarg; break;
      case 'q': quiet = 1; break;
      case 'h': fputs (usage, stdout); return CLI_OK;
      default: fputs (usage, stderr); return CLI_USAGE;
      }
  if (optind < argc)
    return cli_fail (CLI_USAGE, "unexpected argument '%s'", argv[optind]);
  size_t njobs;
  int rc;
  if (jobs != NULL && (rc = cli_parse_size (&njobs, jobs, "--jobs", 1, 1024)) != CLI_OK)
    return rc;
  if ((rc = cli_check_outdir (out, "-o", 1)) != CLI_OK)
    return rc;

  char conf[4096];
  if (!find_config (conf, sizeof conf))
    return cli_fail (CLI_USAGE, "cannot find experiments/%s (set FGATTN_DATADIR to the folder "
                     "that holds experiments/)", DEMO_CONF);

  char *sweep_argv[8];
  int n = 0;
  sweep_argv[n++] = (char *) "sweep";
  sweep_argv[n++] = conf;
  sweep_argv[n++] = (char *) "-o";
  sweep_argv[n++] = (char *) out;
  if (jobs != NULL)
    {
      sweep_argv[n++] = (char *) "--jobs";
      sweep_argv[n++] = (char *) jobs;
    }
  if (quiet)
    sweep_argv[n++] = (char *) "--quiet";
  sweep_argv[n] = NULL;
  cli_command = "sweep";
  rc = cli_sweep (n, sweep_argv);
  if (rc != CLI_OK)
    return rc;

  char *report_argv[] = { (char *) "report", (char *) out, NULL };
  cli_command = "report";
  printf ("The fitted exponent of each quantity in n, for each beta (B = beta sqrt(ln n)):\n\n");
  fflush (stdout);
  rc = cli_report (2, report_argv);
  cli_command = "demo";
  if (rc != CLI_OK)
    return rc;
  print_error_table (out);
  printf ("\nEverything (CSV, Markdown tables, PNG and SVG plots) is in %s/\n", out);
  return CLI_OK;
}
