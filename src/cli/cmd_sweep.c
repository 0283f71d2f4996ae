/* fgattn sweep -- an experiment grid from a configuration file; resumes where it stopped */

#include <config.h>

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn sweep CONFIG [-o DIR] [--jobs J] [--quiet]\n"
  "\n"
  "Runs the grid of CONFIG: every cell (n, dist, law, beta, seed), with\n"
  "B = beta f(n) for each law f of [grid] law (1, sqrt(ln n), (ln n)^P, ...;\n"
  "B = ... is law 1), makes its instance and its ground truth, runs every\n"
  "method at every size, the numerical rank of P at each tol (dense, or\n"
  "randomized with budget kmax: a rank reaching it is censored), the least\n"
  "size reaching each target (censored when none up to max_size does;\n"
  "max_size = n allowed), and with [cost] poly's certified and empirical\n"
  "degrees and its time beside exact's.  Tolerances, targets and eps are\n"
  "numbers or powers of n (1/n, n^-2).  Rows go to DIR/results.csv,\n"
  "DIR/rank.csv, DIR/least.csv and DIR/cost.csv, each cell flushed to disk\n"
  "before the next; DIR/sweep.json records the version, the configuration,\n"
  "the host, the date and the seeds.  Run it again to resume: finished\n"
  "cells are skipped, a cell cut short is run again.  The format of CONFIG\n"
  "and of the files is documented in fgattn/experiment.h.\n"
  "DIR defaults to notebooks-data/NAME for CONFIG NAME.conf; J to 1 (cells in\n"
  "parallel).  Progress goes to stderr when it is a terminal, unless --quiet.\n"
  "CONFIG may sit in DIR (DIR/my.conf), but not as one of the files the sweep\n"
  "or `fgattn report' writes there (results.csv, rank.csv, least.csv,\n"
  "cost.csv, sweep.json, .lock, the report's .md files and plots): that is\n"
  "refused, exit 2, as is a grid that cannot run (a value at its line, a\n"
  "cell beyond the machine's memory), before DIR is made.  A run that fails\n"
  "before its first cell leaves nothing behind.\n"
  "\n"
  "example: fgattn sweep experiments/transition.conf -o notebooks-data/transition --jobs 2\n";

typedef struct
{
  double last;                 /* when the line was last drawn */
  int finished;                /* the final line is out */
} progress_state_t;

/* One line, rewritten with \r: cells done (resumed ones included), the cell
   in flight and an ETA: the time per unit of work of the cells run so far
   (resumed ones aside) times the work left, the cells weighed by the cost
   model of fga_sweep_progress (a cell of size n costs about n^2 (d + ...),
   so the mean time per cell of the small first cells says little).  */
static void
show_progress (const fga_sweep_progress *p, void *data)
{
  progress_state_t *ps = data;
  double now = p->elapsed_seconds;
  if (ps->finished)
    return;
  int final = p->cells_done + p->cells_skipped >= p->cells_total && p->current == NULL;
  if (!final && p->current == NULL && now - ps->last < 0.2)
    return;
  ps->last = now;
  size_t done = p->cells_done + p->cells_skipped;
  char eta[64] = "ETA --";
  double run = p->work_done - p->work_skipped;
  if (p->cells_done > 0 && run > 0)
    {
      double left = now / run * (p->work_total - p->work_done);
      snprintf (eta, sizeof eta, "ETA %.0fs", left);
    }
  fprintf (stderr, "\rsweep: %zu/%zu cells  %-28s %-12s", done, p->cells_total,
           p->current != NULL ? p->current : "", final ? "done" : eta);
  if (final)
    {
      fputc ('\n', stderr);
      ps->finished = 1;
    }
  fflush (stderr);
}

int
cli_sweep (int argc, char **argv)
{
  static const struct option opts[] = {
    { "jobs", required_argument, NULL, 'j' }, { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
  };
  const char *outdir = NULL;
  size_t jobs = 1;
  int quiet = 0, c, rc;
  fga_error err;
  fga_error_init (&err);

  optind = 1;
  while ((c = cli_getopt (argc, argv, "o:j:qh", opts)) != -1)
    {
      rc = CLI_OK;
      switch (c)
        {
        case 'o': outdir = optarg; break;
        case 'j': rc = cli_parse_size (&jobs, optarg, "--jobs", 1, 1024); break;
        case 'q': quiet = 1; break;
        case 'h': fputs (usage, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (optind >= argc)
    return cli_usage_error ("a configuration file is required");
  if (optind + 1 < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind + 1]);
  const char *config = argv[optind];
  cli_files_t files;
  cli_files_init (&files);
  cli_files_input (&files, config, "CONFIG");
  if ((rc = cli_files_check (&files)) != CLI_OK)
    return rc;

  fga_sweep_config *cfg = malloc (sizeof *cfg);
  if (cfg == NULL)
    return cli_fail (CLI_FAILED, "out of memory");
  if (fga_sweep_config_read (cfg, config, &err) != FGA_OK)
    {
      free (cfg);
      return cli_fail_err (&err);
    }
  char dir[4096];
  if (outdir == NULL)
    cli_default_outdir (dir, sizeof dir, config);
  else if ((size_t) snprintf (dir, sizeof dir, "%s", outdir) >= sizeof dir)
    {
      free (cfg);
      return cli_fail (CLI_USAGE, "-o: the folder name is too long");
    }
  /* The library makes the folder (and its parents): refused here, before
     any work, when that cannot be done.  */
  if ((rc = cli_check_outdir (dir, "-o", 1)) != CLI_OK)
    {
      free (cfg);
      return rc;
    }

  progress_state_t ps = { -1, 0 };
  fga_sweep_opts sopts = { (int) jobs, NULL, &ps };
  if (!quiet && isatty (STDERR_FILENO))
    sopts.progress = show_progress;
  rc = fga_sweep_run (cfg, dir, &sopts, &err);
  free (cfg);
  if (rc != FGA_OK)
    return cli_fail_err (&err);
  return CLI_OK;
}
