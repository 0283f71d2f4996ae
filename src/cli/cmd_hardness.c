/* fgattn hardness -- the least polynomial degree that decides the reduction, against n */

#include <config.h>

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn hardness [CONFIG] [-o DIR] [--format table|csv|json] [--quiet]\n"
  "       fgattn hardness --list\n"
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
  "Prints, per n, the least degree from which every degree decides every\n"
  "instance (least_deg), the exponent x of its feature count r = C(d+g, d) =\n"
  "N^x (r_exponent_least), the largest certified degree (cert_deg) and its\n"
  "exponent; CSV and JSON give the exponents with 17 significant digits, and\n"
  "an empty cell (null) for a degree beyond gmax (`> GMAX' in the table).\n"
  "Writes DIR/instances.csv (per instance: the least degree from which every\n"
  "degree decides correctly, the certified degree, r = C(d+g, d), the\n"
  "exponent x with r = N^x, the step's wall time), DIR/degrees.csv (the\n"
  "answer at every degree), DIR/methods.csv (per method and n: the least\n"
  "size or censored, its error against exact:algo=stream and the accuracy\n"
  "E/(8n), its time and counted operations against exact; n > max_n gives a\n"
  "row `not run'), DIR/summary.md (per n, with the fits against n, and a\n"
  "table per method) and\n"
  "DIR/hardness.json; all five replaced together at the end, so an\n"
  "interrupted or failed run changes none of them.  Each step (an instance,\n"
  "or a method's search at one n) is kept in DIR/.partial as it ends; a run\n"
  "of the same configuration into DIR takes them up and runs only the rest\n"
  "(`wrote DIR (K of the M steps resumed ...)'); DIR/.partial goes once the\n"
  "five files are written.  A DIR/.partial of another configuration is\n"
  "refused, exit 2: finish that run, or remove DIR/.partial.\n"
  "CONFIG is a file, or the name of an installed configuration (hardness for\n"
  "hardness.conf), looked up in $FGATTN_DATADIR/experiments, the installed\n"
  "data folder (" FGA_DATADIR "/experiments), then the source tree's\n"
  "experiments/; without CONFIG, the standard one, hardness.conf (n = 2^5 ..\n"
  "2^12 with eight methods: about 20 minutes on 2 cores).  --list lists the\n"
  "configurations found there.  The format is described in fgattn/reduction.h\n"
  "and hardness.conf.\n"
  "DIR defaults to a new folder fgattn-hardness-DATE-TIME in the current\n"
  "folder.  Progress on stderr (steps done, elapsed, an ETA that weighs each\n"
  "step by its predicted cost): one line redrawn on a terminal, a line every\n"
  "30 s otherwise; then `fgattn hardness: wrote DIR in TIME'.  --quiet: none\n"
  "of it.\n"
  "CONFIG may sit in DIR (DIR/my.conf), but not as one of the files the run\n"
  "writes there (the five above, or DIR/.lock): that is refused, exit 2.\n"
  "A configuration that cannot be run (a gap the generator cannot sample at\n"
  "some n, a method spec or size the registry refuses, with FILE:LINE), or a\n"
  "name found in none of the folders, is refused before DIR is made, exit 2;\n"
  "a run that fails later leaves the five files as they were, and only the\n"
  "steps it finished (DIR/.partial).\n"
  "\n"
  "example: fgattn hardness -o /tmp/hardness\n"
  "         fgattn hardness my-grid.conf --format csv > least.csv\n";

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

/* The progress line, and what the last line says of a resumed run.  */
typedef struct
{
  cli_progress_t pr;
  size_t resumed, total;
} view_t;

/* Steps done (resumed ones included) of all; the ETA counts only the work
   of this run.  */
static void
show_progress (const fga_hardness_progress *p, void *data)
{
  view_t *v = data;
  v->resumed = p->steps_resumed, v->total = p->steps_total;
  cli_progress_resumed (&v->pr, p->work_resumed);
  if (p->steps_done == p->steps_resumed && p->current == NULL)
    return;                    /* nothing run yet */
  cli_progress_update (&v->pr, p->steps_done, p->steps_total, p->work_done, p->work_total,
                       p->current);
}

/* A degree, or what is known of it when none up to gmax was found.  */
static void
add_degree (cli_table_t *t, size_t col, long g, long gmax, cli_format_t fmt)
{
  if (g >= 0)
    cli_table_addf (t, col, "%ld", g);
  else if (fmt == CLI_TABLE)
    cli_table_addf (t, col, "> %ld", gmax);
}

/* An exponent: 17 significant digits for programs, 3 decimals for people;
   nothing when there is none.  */
static void
add_exponent (cli_table_t *t, size_t col, double x, cli_format_t fmt)
{
  char b[64];
  if (isnan (x))
    return;
  if (fmt == CLI_TABLE)
    cli_table_addf (t, col, "%.3f", x);
  else
    cli_table_addf (t, col, "%s", cli_num (b, sizeof b, x));
}

/* The summary per n on stdout; in the table, the fitted growth laws too. */
static void
print_summary (const fga_hardness_summary *sum, const fga_hardness_config *cfg,
               const char *dir, cli_format_t fmt)
{
  static const char *names[] = { "n", "N", "m", "d", "least_deg", "r_exponent_least",
                                 "cert_deg", "r_exponent_cert" };
  cli_table_t t;
  cli_table_init (&t, sizeof names / sizeof names[0], names);
  for (size_t i = 0; i < sum->nn; i++)
    {
      const fga_hardness_size *z = &sum->sizes[i];
      cli_table_new_row (&t);
      cli_table_addf (&t, 0, "%zu", z->n);
      cli_table_addf (&t, 1, "%zu", z->N);
      cli_table_addf (&t, 2, "%zu", z->m);
      cli_table_addf (&t, 3, "%zu", z->d);
      add_degree (&t, 4, z->least, cfg->gmax, fmt);
      add_exponent (&t, 5, z->x_least, fmt);
      add_degree (&t, 6, z->certified, cfg->gmax, fmt);
      add_exponent (&t, 7, z->x_cert, fmt);
    }
  cli_table_print (&t, fmt, 0, stdout);
  cli_table_clear (&t);
  if (fmt != CLI_TABLE)
    return;
  if (sum->nfit >= 2 && isfinite (sum->fit_g_slope) && isfinite (sum->fit_r_exponent))
    printf ("\nLeast squares over the %zu sizes: least g = %.2f ln N + const; r = C(d+g, d) "
            "grows like N^%.2f.\n", sum->nfit, sum->fit_g_slope, sum->fit_r_exponent);
  if (cfg->nmethods > 0)
    printf ("The methods' least sizes: %s/summary.md (and methods.csv).\n", dir);
}

/* CONFIG: the argument, by path or name, or the standard one; checked.  */
static int
config_path (char *conf, size_t size, int argc, char **argv)
{
  int rc;
  if (optind + 1 < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind + 1]);
  if (optind < argc)
    rc = cli_find_config (conf, size, argv[optind]);
  else
    rc = cli_standard_config (conf, size, "hardness.conf");
  if (rc != CLI_OK)
    return rc;
  cli_files_t files;
  cli_files_init (&files);
  cli_files_input (&files, conf, "CONFIG");
  return cli_files_check (&files);
}

/* The program's farm (cli.h): fgattn-mpi's MPI farm, else none -- the
   steps run here.  */
static const fga_farm *
program_farm (void)
{
  return cli_farm;
}

/* Whether this process writes and prints: always, but on a farm's other
   processes, which compute steps and touch neither DIR nor the terminal.  */
static int
is_master (void)
{
  const fga_farm *farm = program_farm ();
  return farm == NULL || farm->is_master (farm);
}

/* The run into dir, its summary on stdout and its last line on stderr.  */
static int
run (const fga_hardness_config *cfg, const char *dir, cli_format_t fmt, int quiet)
{
  view_t v;
  fga_hardness_summary *sum = malloc (sizeof *sum);
  fga_error err;
  if (sum == NULL)
    return cli_fail (CLI_FAILED, "out of memory");
  memset (&v, 0, sizeof v);
  cli_progress_init (&v.pr, "hardness", quiet);
  int master = is_master ();
  fga_hardness_opts opts = { quiet || !master ? NULL : show_progress, &v, sum,
                             program_farm () };
  cli_install_signal_handlers ();
  int rc = fga_hardness_run (cfg, dir, &opts, &err);
  cli_progress_clear (&v.pr);
  if (rc == FGA_OK && master)
    {
      print_summary (sum, cfg, dir, fmt);
      fflush (stdout);
      if (v.resumed > 0)
        cli_progress_end (&v.pr, "wrote %s (%zu of the %zu steps resumed from %s/.partial)",
                          dir, v.resumed, v.total, dir);
      else
        cli_progress_end (&v.pr, "wrote %s", dir);
    }
  free (sum);
  return rc == FGA_OK ? CLI_OK : cli_fail_err (&err);
}

int
cli_hardness (int argc, char **argv)
{
  static const struct option opts[] = {
    { "quiet", no_argument, NULL, 'q' }, { "format", required_argument, NULL, 'f' },
    { "list", no_argument, NULL, 'l' }, { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  const char *outdir = NULL;
  int quiet = 0, c, rc;
  cli_format_t fmt = CLI_TABLE;
  fga_error err;
  fga_error_init (&err);

  optind = 1;
  while ((c = cli_getopt (argc, argv, "o:qh", opts)) != -1)
    switch (c)
      {
      case 'o': outdir = optarg; break;
      case 'q': quiet = 1; break;
      case 'f':
        if ((rc = cli_parse_format (&fmt, optarg)) != CLI_OK)
          return rc;
        break;
      case 'l': return cli_list_configs (1);
      case 'h': fputs (usage, stdout); return CLI_OK;
      default: return CLI_USAGE;
      }
  char config[4096];
  if ((rc = config_path (config, sizeof config, argc, argv)) != CLI_OK)
    return rc;
  fga_hardness_config cfg;
  if (fga_hardness_config_read (&cfg, config, &err) != FGA_OK)
    return cli_fail_err (&err);
  char dir[4096];
  if (outdir == NULL)
    rc = cli_fresh_dir (dir, sizeof dir, "hardness", NULL);
  else if ((size_t) snprintf (dir, sizeof dir, "%s", outdir) >= sizeof dir)
    rc = cli_fail (CLI_USAGE, "-o: the folder name is too long");
  /* The library makes the folder (not its parents): refused here, before
     any work, when that cannot be done.  (It writes its five files itself,
     renamed together at the end under its lock of DIR.)  On a farm every
     process looks, so that on a shared file system all stop here alike
     rather than some waiting in the run for the others.  */
  if (rc == CLI_OK && (rc = cli_check_outdir (dir, "-o", 0)) == CLI_OK
      && (rc = check_config_not_output (config, dir)) == CLI_OK)
    rc = run (&cfg, dir, fmt, quiet);
  fga_hardness_config_clear (&cfg);
  return rc;
}
