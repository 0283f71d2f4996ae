/* fgattn sweep -- an experiment grid from a configuration file; resumes where it stopped */

#include <config.h>

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_sweep.h"

static const char usage[] =
  "usage: fgattn sweep CONFIG [-o DIR] [-j|--jobs J] [-q|--quiet]\n"
  "                    [--format table|csv|json] [--shard I/N]\n"
  "       fgattn sweep --merge -o OUT [--partial] [--format F] SHARDDIR...\n"
  "       fgattn sweep --list\n"
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
  "the host, the date and the seeds.  Run it again with -o DIR to resume: finished\n"
  "cells are skipped, a cell cut short is run again.  The format of CONFIG\n"
  "and of the files is documented in fgattn/experiment.h.\n"
  "CONFIG is a file, or the name of an installed configuration (transition\n"
  "for transition.conf), looked up in $FGATTN_DATADIR/experiments, the\n"
  "installed data folder (" FGA_DATADIR "/experiments), then the source\n"
  "tree's experiments/; --list lists the configurations found there.\n"
  "DIR defaults to a new folder fgattn-sweep-NAME-DATE-TIME in the current\n"
  "folder, for CONFIG NAME.conf; J to 1 (cells in parallel).\n"
  "Progress goes to stderr: cells done of all, the time elapsed and an ETA\n"
  "that weighs each cell left by its predicted cost (about n^2 (d + dv) per\n"
  "method run, the certified truth as 10 runs, the rank as n^2 r; see\n"
  "fgattn/experiment.h), moving within a long cell after each of its steps; a\n"
  "line redrawn on a terminal, a plain line every 30 s otherwise (a log shows\n"
  "the run is alive; FGATTN_PROGRESS_INTERVAL=SECONDS sets the interval), and\n"
  "at the end one line saying what was written where and how long it took,\n"
  "or \"nothing to do: N cells already done\" when every cell was.  --quiet:\n"
  "nothing on stderr but errors.  On stdout, a summary (--format table, csv\n"
  "or json): outdir, cells (of the grid), cells_run (now), cells_resumed\n"
  "(done before), runs_ok, runs_refused, runs_failed and runs_skipped (the\n"
  "rows of results.csv by status, of the cells run now), files (written in\n"
  "DIR) and seconds.\n"
  "CONFIG may sit in DIR (DIR/my.conf), but not as one of the files the sweep\n"
  "or `fgattn report' writes there (results.csv, rank.csv, least.csv,\n"
  "cost.csv, sweep.json, .lock, the report's .md files and plots): that is\n"
  "refused, exit 2, as is a grid that cannot run (a value at its line, a\n"
  "cell beyond the machine's memory), before DIR is made.  A run that fails\n"
  "before its first cell leaves nothing behind.\n"
  "\n"
  "Beyond one machine: --shard I/N (I = 1 .. N) runs shard I of N, a share of\n"
  "the cells split by the cost model (largest first onto the least-loaded\n"
  "shard: the same CONFIG and N give the same shares), into its own folder,\n"
  "resumable like any other; sweep.json records the shard and its cells.\n"
  "--merge -o OUT SHARDDIR... joins the shard folders into OUT, a new folder\n"
  "equal to a one-process run (its rows in the grid's order, timing columns\n"
  "aside); shards of another configuration, fgattn version or N, a shard\n"
  "given twice and overlapping shards are refused (exit 2, naming the\n"
  "folder); missing cells are named and exit 1, unless --partial merges what\n"
  "there is (then `fgattn sweep CONFIG -o OUT' completes it).  The merge\n"
  "writes OUT's files all at once or not at all.  experiments/slurm-sweep.sh\n"
  "runs the shards as a Slurm job array with a dependent merge; with GNU\n"
  "parallel on one machine or over ssh:\n"
  "  parallel fgattn sweep CONFIG --shard {}/4 -o shard-{} ::: 1 2 3 4\n"
  "  fgattn sweep --merge -o all shard-1 shard-2 shard-3 shard-4\n"
  "fgattn-mpi (when built with MPI) runs one sweep over MPI ranks.\n"
  "\n"
  "example: fgattn sweep transition -o transition-run --jobs 2\n";

/* The line of the command that runs this sweep as its first step, or
   NULL: the sweep's own.  */
static cli_sweep_outer *nest;

void
cli_sweep_nest (cli_sweep_outer *outer)
{
  nest = outer;
}

typedef struct
{
  cli_progress_t *pr;
  fga_sweep_progress last;     /* the counts of the last call */
} sweep_view_t;

/* Cells done (resumed ones included) of all, and the ETA of the progress
   line from the library's cost model: the work of the cells done plus the
   share done of those in flight (fga_sweep_progress), so that a long cell
   moves the line too.  */
static void
show_progress (const fga_sweep_progress *p, void *data)
{
  sweep_view_t *v = data;
  v->last = *p;
  v->last.current = NULL;
  cli_progress_resumed (v->pr, p->work_skipped);
  if (p->cells_done == 0 && p->current == NULL)
    return;                    /* nothing run yet (or nothing to run) */
  size_t after = nest != NULL ? nest->steps_after : 0;
  double step = p->cells_total > 0 ? p->work_total / (double) p->cells_total : 0;
  char cur[320] = "";
  if (p->current != NULL)
    /* the share first: a narrow terminal cuts the end of the line */
    snprintf (cur, sizeof cur, "%d%% %s", (int) (100 * p->cell_fraction), p->current);
  cli_progress_update (v->pr, p->cells_done + p->cells_skipped, p->cells_total + after,
                       p->work_done + p->work_running, p->work_total + (double) after * step,
                       cur);
}

/* The files the sweep keeps in DIR, for the summary and the last line.  */
static void
sweep_files (char *buf, size_t size, const fga_sweep_config *cfg, const char *sep)
{
  snprintf (buf, size, "results.csv%srank.csv%sleast.csv%s%s%ssweep.json", sep, sep, sep,
            cfg->cost.on ? "cost.csv" : "", cfg->cost.on ? sep : "");
}

/* The summary on stdout, one row: every count exact, seconds to 17
   digits in CSV and JSON (1 decimal in the table).  */
static void
print_summary (const fga_sweep_progress *p, const fga_sweep_config *cfg, const char *dir,
               double seconds, cli_format_t fmt)
{
  static const char *names[] = { "outdir", "cells", "cells_run", "cells_resumed", "runs_ok",
                                 "runs_refused", "runs_failed", "runs_skipped", "files",
                                 "seconds" };
  char files[128], num[64];
  sweep_files (files, sizeof files, cfg, " ");
  cli_table_t t;
  cli_table_init (&t, sizeof names / sizeof names[0], names);
  cli_table_new_row (&t);
  cli_table_addf (&t, 0, "%s", dir);
  const size_t counts[] = { p->cells_total, p->cells_done, p->cells_skipped, p->runs_ok,
                            p->runs_refused, p->runs_failed, p->runs_skipped };
  for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
    cli_table_addf (&t, 1 + k, "%zu", counts[k]);
  cli_table_addf (&t, 8, "%s", files);
  if (fmt == CLI_TABLE)
    snprintf (num, sizeof num, "%.1f", seconds);
  else
    cli_num (num, sizeof num, seconds);
  cli_table_addf (&t, 9, "%s", num);
  cli_table_print (&t, fmt, 1, stdout);
  cli_table_clear (&t);
}

/* The last line on stderr: what was written where, in how long.  */
static void
end_progress (cli_progress_t *pr, const fga_sweep_progress *p, const fga_sweep_config *cfg,
              const char *dir, const size_t shard[2])
{
  char files[128];
  sweep_files (files, sizeof files, cfg, ", ");
  if (p->cells_done == 0 && p->cells_skipped == p->cells_total)
    {
      cli_progress_clear (pr);
      if (pr->quiet)
        return;
      /* A shard may hold no cell at all (more shards than cells).  */
      if (p->cells_total == 0 && shard[1] > 0)
        fprintf (stderr, "fgattn %s: nothing to do: shard %zu/%zu holds no cell of the grid "
                 "(its folder %s says so for --merge)\n", cli_command, shard[0], shard[1], dir);
      else
        fprintf (stderr, "fgattn %s: nothing to do: %zu cell%s already done in %s\n",
                 cli_command, p->cells_total, p->cells_total == 1 ? "" : "s", dir);
      return;
    }
  char resumed[64] = "";
  if (p->cells_skipped > 0)
    snprintf (resumed, sizeof resumed, " (%zu more resumed)", p->cells_skipped);
  cli_progress_end (pr, "ran %zu cell%s%s into %s: %s", p->cells_done,
                    p->cells_done == 1 ? "" : "s", resumed, dir, files);
}

/* Runs the grid with its progress line (the caller's when nested), then
   the last line and the summary; an exit status.  */
static int
run_sweep (const fga_sweep_config *cfg, const char *dir, const size_t shard[2], int jobs,
           int quiet, cli_format_t fmt)
{
  cli_progress_t own;
  sweep_view_t v;
  memset (&v, 0, sizeof v);
  v.pr = nest != NULL ? nest->pr : &own;
  if (nest == NULL)
    {
      cli_progress_init (&own, "sweep", quiet);
      own.unit = "cells";
    }
  fga_error err;
  fga_error_init (&err);
  fga_sweep_opts sopts = { jobs, show_progress, &v, cli_farm, shard[0], shard[1] };
  int rc = fga_sweep_run (cfg, dir, &sopts, &err);
  if (rc != FGA_OK)
    {
      cli_progress_clear (v.pr);
      return cli_fail_err (&err);
    }
  if (nest != NULL)
    {
      nest->cells = v.last.cells_total;
      nest->work = v.last.work_total;
      nest->work_step = v.last.cells_total > 0 ? v.last.work_total / (double) v.last.cells_total
        : 0;
    }
  double seconds = cli_progress_elapsed (v.pr);
  end_progress (v.pr, &v.last, cfg, dir, shard);
  print_summary (&v.last, cfg, dir, seconds, fmt);
  return CLI_OK;
}

/* --shard I/N: two decimal whole numbers, 1 <= I <= N <= 2^20.  */
static int
parse_shard (size_t shard[2], const char *text)
{
  size_t i = 0, n = 0;
  const char *p = text;
  int ok = 1, digits = 0;
  for (; *p >= '0' && *p <= '9'; p++, digits++)
    i = i > 10000000 ? i : 10 * i + (size_t) (*p - '0');
  ok = digits > 0 && *p++ == '/';
  for (digits = 0; ok && *p >= '0' && *p <= '9'; p++, digits++)
    n = n > 10000000 ? n : 10 * n + (size_t) (*p - '0');
  ok = ok && digits > 0 && *p == '\0';
  if (!ok || n < 1 || n > ((size_t) 1 << 20) || i < 1 || i > n)
    return cli_fail (CLI_USAGE, "--shard '%s': expected I/N, shard I of N with 1 <= I <= N "
                     "<= 1048576 (e.g. --shard 1/4)", text);
  shard[0] = i;
  shard[1] = n;
  return CLI_OK;
}

/* fgattn sweep --merge -o OUT DIR...: the merge and its summary.  */
static int
run_merge (const char *outdir, char **dirs, size_t ndirs, int partial, int quiet,
           cli_format_t fmt)
{
  if (outdir == NULL)
    return cli_usage_error ("--merge needs -o OUT, the folder to write");
  if (ndirs == 0)
    return cli_usage_error ("--merge needs the shard folders to join");
  int rc = cli_check_outdir (outdir, "-o", 0);
  if (rc != CLI_OK)
    return rc;
  fga_error err;
  fga_error_init (&err);
  fga_sweep_merge_info info;
  if (fga_sweep_merge (outdir, (const char *const *) dirs, ndirs, partial, &info, &err)
      != FGA_OK)
    return cli_fail_err (&err);
  if (!quiet)
    fprintf (stderr, "fgattn %s: merged %zu shard folder%s into %s: %zu of %zu cells%s\n",
             cli_command, info.shards, info.shards == 1 ? "" : "s", outdir, info.cells_merged,
             info.cells_total, info.cells_missing > 0 ? " (--partial: some are missing)" : "");
  static const char *names[] = { "outdir", "shards", "cells", "cells_merged", "cells_missing" };
  cli_table_t t;
  cli_table_init (&t, sizeof names / sizeof names[0], names);
  cli_table_new_row (&t);
  cli_table_addf (&t, 0, "%s", outdir);
  cli_table_addf (&t, 1, "%zu", info.shards);
  cli_table_addf (&t, 2, "%zu", info.cells_total);
  cli_table_addf (&t, 3, "%zu", info.cells_merged);
  cli_table_addf (&t, 4, "%zu", info.cells_missing);
  cli_table_print (&t, fmt, 1, stdout);
  cli_table_clear (&t);
  return CLI_OK;
}

int
cli_sweep (int argc, char **argv)
{
  static const struct option opts[] = {
    { "jobs", required_argument, NULL, 'j' }, { "quiet", no_argument, NULL, 'q' },
    { "format", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
    { "list", no_argument, NULL, 'l' }, { "shard", required_argument, NULL, 's' },
    { "merge", no_argument, NULL, 'm' }, { "partial", no_argument, NULL, 'p' },
    { NULL, 0, NULL, 0 }
  };
  size_t shard[2] = { 0, 0 };
  int merge = 0, partial = 0;
  const char *outdir = NULL;
  size_t jobs = 1;
  int quiet = 0, c, rc;
  cli_format_t fmt = CLI_TABLE;
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
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 'h': fputs (usage, stdout); return CLI_OK;
        case 'l': return cli_list_configs (0);
        case 's': rc = parse_shard (shard, optarg); break;
        case 'm': merge = 1; break;
        case 'p': partial = 1; break;
        default: return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (merge && shard[1] > 0)
    return cli_usage_error ("--merge joins shard folders: it takes no --shard");
  if (partial && !merge)
    return cli_usage_error ("--partial goes with --merge");
  if (merge)
    return run_merge (outdir, argv + optind, (size_t) (argc - optind), partial, quiet, fmt);
  if (optind >= argc)
    return cli_usage_error ("a configuration file is required");
  if (optind + 1 < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind + 1]);
  char config[4096];
  if ((rc = cli_find_config (config, sizeof config, argv[optind])) != CLI_OK)
    return rc;
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
  /* Without -o a new folder, so that nothing existing is touched; with -o
     a folder of an earlier run is resumed.  */
  if (outdir == NULL)
    rc = cli_fresh_dir (dir, sizeof dir, "sweep", config);
  else if ((size_t) snprintf (dir, sizeof dir, "%s", outdir) >= sizeof dir)
    rc = cli_fail (CLI_USAGE, "-o: the folder name is too long");
  /* The library makes the folder (and its parents): refused here, before
     any work, when that cannot be done.  */
  if (rc != CLI_OK || (rc = cli_check_outdir (dir, "-o", 1)) != CLI_OK)
    {
      free (cfg);
      return rc;
    }

  rc = run_sweep (cfg, dir, shard, (int) jobs, quiet, fmt);
  free (cfg);
  return rc;
}
