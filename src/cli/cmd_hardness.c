/* fgattn hardness -- the least polynomial degree that decides the reduction, against n */

#include <config.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn hardness CONFIG [-o DIR] [--quiet]\n"
  "\n"
  "The SETH lower bound seen from the algorithm's side.  For each n and seed\n"
  "of CONFIG, a YES and a NO gap Hamming instance (m = C log2 n, t = m / K),\n"
  "brute-forced, reduced to attention (N = 2n rows, entries Theta(sqrt(log n))),\n"
  "and decided by the polynomial method at every degree g, computed in exact\n"
  "arithmetic (what poly computes, without its C(d+g, d) features), up to the\n"
  "degree certified to decide.  Then each method of a [method LABEL] section\n"
  "(spec = rf:kind=pos,seed=1, size = m, optionally max_n = 1024) runs on\n"
  "every instance of each n: the least size at which it decides them all, as\n"
  "the reduction decides (fga_reduction_decide answers as the brute force),\n"
  "found by doubling then bisection assuming deciding is monotone in the size\n"
  "(for a random method: for the seed of its spec), searched from the\n"
  "parameter's least value (the l of strided and fixed: from ceil(sqrt(N)))\n"
  "to below N (poly's deg: below r = C(d+g, d) = N); otherwise `does not\n"
  "decide below N'.\n"
  "Writes DIR/instances.csv (per instance: the least degree from which every\n"
  "degree decides correctly, the certified degree, r = C(d+g, d), the\n"
  "exponent x with r = N^x), DIR/degrees.csv (the answer at every degree),\n"
  "DIR/methods.csv (per method and n: the least size or censored, its error\n"
  "against exact:algo=stream and the accuracy E/(8n), its time and counted\n"
  "operations against exact; n > max_n gives a row `not run'), DIR/summary.md\n"
  "(per n, with the fits against n, and a table per method) and\n"
  "DIR/hardness.json; all five replaced together at the end, so an\n"
  "interrupted or failed run changes nothing.  DIR defaults to\n"
  "notebooks-data/NAME for CONFIG NAME.conf.  The configuration is described\n"
  "in fgattn/reduction.h and experiments/hardness.conf.\n"
  "Progress goes to stderr when it is a terminal, unless --quiet.\n"
  "CONFIG may sit in DIR (DIR/my.conf), but not as one of the files the run\n"
  "writes there (the five above, or DIR/.lock): that is refused, exit 2.\n"
  "A configuration that cannot be run (a gap the generator cannot sample at\n"
  "some n, a method spec or size the registry refuses, with FILE:LINE) is\n"
  "refused before DIR is made, exit 2; a run that fails leaves nothing.\n"
  "\n"
  "example: fgattn hardness experiments/hardness.conf -o /tmp/hardness\n";

/* The files the run writes in DIR (and its lock): a configuration that is
   one of them, by device and inode (so through a hard or symbolic link
   too), would be replaced by the run's output.  A missing DIR/NAME cannot
   be the configuration, which exists.  */
static int
check_config_not_output (const char *config, const char *dir)
{
  static const char *const names[]
    = { "instances.csv", "degrees.csv", "methods.csv", "summary.md", "hardness.json", ".lock",
        NULL };
  struct stat cs, os;
  char p[4096 + 64];
  if (stat (config, &cs) != 0)
    return CLI_OK;
  for (int k = 0; names[k] != NULL; k++)
    {
      snprintf (p, sizeof p, "%s/%s", dir, names[k]);
      if (stat (p, &os) == 0 && os.st_dev == cs.st_dev && os.st_ino == cs.st_ino)
        return cli_fail (CLI_USAGE, "%s: the configuration is %s, a file the run writes; "
                         "keep it outside the folder or under another name", config, p);
    }
  return CLI_OK;
}

static void
show_progress (size_t done, size_t total, size_t n, const char *what, void *data)
{
  (void) data;
  fprintf (stderr, "\rhardness: %zu/%zu steps (n = %zu, %s)%s", done, total, n, what,
           done == total ? "\n" : "          ");
  fflush (stderr);
}

int
cli_hardness (int argc, char **argv)
{
  static const struct option opts[] = {
    { "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  const char *outdir = NULL;
  int quiet = 0, c;
  fga_error err;
  fga_error_init (&err);

  optind = 1;
  while ((c = cli_getopt (argc, argv, "o:qh", opts)) != -1)
    switch (c)
      {
      case 'o': outdir = optarg; break;
      case 'q': quiet = 1; break;
      case 'h': fputs (usage, stdout); return CLI_OK;
      default: return CLI_USAGE;
      }
  if (optind >= argc)
    return cli_usage_error ("a configuration file is required");
  if (optind + 1 < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind + 1]);
  const char *config = argv[optind];
  cli_files_t files;
  cli_files_init (&files);
  cli_files_input (&files, config, "CONFIG");
  int rc = cli_files_check (&files);
  if (rc != CLI_OK)
    return rc;

  fga_hardness_config cfg;
  if (fga_hardness_config_read (&cfg, config, &err) != FGA_OK)
    return cli_fail_err (&err);
  char dir[4096];
  if (outdir == NULL)
    cli_default_outdir (dir, sizeof dir, config);
  else if ((size_t) snprintf (dir, sizeof dir, "%s", outdir) >= sizeof dir)
    {
      fga_hardness_config_clear (&cfg);
      return cli_fail (CLI_USAGE, "-o: the folder name is too long");
    }
  /* The library makes the folder (not its parents): refused here, before
     any work, when that cannot be done.  (It writes its four files itself,
     renamed together at the end under its lock of DIR.)  */
  if ((rc = cli_check_outdir (dir, "-o", 0)) != CLI_OK
      || (rc = check_config_not_output (config, dir)) != CLI_OK)
    {
      fga_hardness_config_clear (&cfg);
      return rc;
    }
  cli_install_signal_handlers ();
  rc = fga_hardness_run (&cfg, dir, !quiet && isatty (STDERR_FILENO) ? show_progress : NULL,
                         NULL, &err);
  fga_hardness_config_clear (&cfg);
  if (rc != FGA_OK)
    return cli_fail_err (&err);
  return CLI_OK;
}
