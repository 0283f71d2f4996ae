/* fgattn demo -- the main job: the transition computed fresh, its tables and the asymptotic view */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"

#define DEMO_CONF "transition-demo.conf"

static const char usage[] =
  "usage: fgattn demo [-o DIR] [--config FILE] [--jobs J] [--quiet]\n"
  "\n"
  "Computes, fresh, the switch of Alman and Song as the theorem states it: how\n"
  "the entry bound B grows with n decides the polynomial method's cost at\n"
  "error 1/n.  Three steps, all written to DIR:\n"
  "  1. the sweep experiments/" DEMO_CONF ": n = 2^8 .. 2^14, d = ceil(log2 n),\n"
  "     uniform entries, B = beta (ln n)^(1/4) (an o(sqrt(log n)) law) beside\n"
  "     B = beta sqrt(ln n) (the threshold), beta = 0.5 and 1; per cell the\n"
  "     ground truth, the numerical rank of P at 1/n (randomized and censored\n"
  "     beyond n = 2048), and the polynomial method's certified and empirical\n"
  "     least degree at eps = 1/n with its feature count r = C(d+g, d);\n"
  "  2. its report (fgattn report DIR): tables, the exponents in n per law\n"
  "     and beta, plots;\n"
  "  3. the asymptotic table (fgattn plan --table) of the same laws and\n"
  "     betas for n = 2^8 .. 2^64, with the measured points of step 1 on its\n"
  "     plot (DIR/plan-r-1.png).\n"
  "DIR defaults to a new folder fgattn-demo-DATE-TIME in the current folder,\n"
  "so nothing existing is touched; a DIR given that holds an earlier demo is\n"
  "resumed.  --config runs another sweep configuration instead (its laws and\n"
  "betas then drive step 3).  The configuration is looked for in\n"
  "$FGATTN_DATADIR/experiments, the installed data folder, then the source\n"
  "tree.  About 3 minutes on 2 cores; a progress line with an ETA on a\n"
  "terminal.\n"
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

/* A folder name that does not exist yet: fgattn-demo-YYYYMMDD-HHMMSS, with
   -2, -3, ... when two demos start in the same second.  */
static int
fresh_dir (char *buf, size_t size)
{
  time_t now = time (NULL);
  struct tm tm;
  char stamp[32];
  if (localtime_r (&now, &tm) == NULL || strftime (stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm) == 0)
    snprintf (stamp, sizeof stamp, "%ld", (long) now);
  struct stat sb;
  for (int k = 1; k < 1000; k++)
    {
      if (k == 1)
        snprintf (buf, size, "fgattn-demo-%s", stamp);
      else
        snprintf (buf, size, "fgattn-demo-%s-%d", stamp, k);
      if (lstat (buf, &sb) != 0 && errno == ENOENT)
        return CLI_OK;
    }
  return cli_fail (CLI_FAILED, "cannot find a free name fgattn-demo-%s-N in the current folder",
                   stamp);
}

/* "a,b,c" of the configuration's laws and betas, for plan --table.  */
static void
join_laws (char *buf, size_t size, const fga_sweep_config *cfg)
{
  size_t k = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < cfg->nlaws && k < size; i++)
    k += (size_t) snprintf (buf + k, size - k, "%s%s", i ? ";" : "", cfg->laws[i].text);
}

static void
join_betas (char *buf, size_t size, const fga_sweep_config *cfg)
{
  size_t k = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < cfg->nb && k < size; i++)
    {
      /* %.17g reads back as the same double */
      k += (size_t) snprintf (buf + k, size - k, "%s%.17g", i ? "," : "", cfg->b[i]);
    }
}

/* Runs one subcommand as its own command would, with its name in messages.  */
static int
sub (const char *name, int (*fn) (int, char **), int argc, char **argv)
{
  cli_command = name;
  fflush (stdout);
  int rc = fn (argc, argv);
  fflush (stdout);
  cli_command = "demo";
  return rc;
}

int
cli_demo (int argc, char **argv)
{
  static const struct option opts[] = {
    { "jobs", required_argument, NULL, 'j' }, { "quiet", no_argument, NULL, 'q' },
    { "config", required_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  const char *out = NULL, *jobs = NULL, *given_conf = NULL;
  int quiet = 0, c;
  optind = 1;
  while ((c = cli_getopt (argc, argv, "o:h", opts)) != -1)
    switch (c)
      {
      case 'o': out = optarg; break;
      case 'j': jobs = optarg; break;
      case 'q': quiet = 1; break;
      case 'c': given_conf = optarg; break;
      case 'h': fputs (usage, stdout); return CLI_OK;
      default: return CLI_USAGE;
      }
  if (optind < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind]);
  size_t njobs;
  int rc;
  if (jobs != NULL && (rc = cli_parse_size (&njobs, jobs, "--jobs", 1, 1024)) != CLI_OK)
    return rc;

  char conf[4096];
  if (given_conf != NULL)
    snprintf (conf, sizeof conf, "%s", given_conf);
  else if (!find_config (conf, sizeof conf))
    return cli_fail (CLI_USAGE, "cannot find experiments/%s (set FGATTN_DATADIR to the folder "
                     "that holds experiments/)", DEMO_CONF);
  /* Read first, so that a bad configuration makes no folder.  */
  fga_sweep_config *cfg = malloc (sizeof *cfg);
  fga_error err;
  if (cfg == NULL)
    return cli_fail (CLI_FAILED, "out of memory for the configuration");
  if (fga_sweep_config_read (cfg, conf, &err) != FGA_OK)
    {
      free (cfg);
      return cli_fail_err (&err);
    }
  char laws[2048], betas[2048], dirbuf[128];
  join_laws (laws, sizeof laws, cfg);
  join_betas (betas, sizeof betas, cfg);
  free (cfg);
  if (out == NULL)
    {
      if ((rc = fresh_dir (dirbuf, sizeof dirbuf)) != CLI_OK)
        return rc;
      out = dirbuf;
    }
  if ((rc = cli_check_outdir (out, "-o", 1)) != CLI_OK)
    return rc;

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
  if (!quiet)
    fprintf (stderr, "fgattn demo: computing into %s/\n", out);
  if ((rc = sub ("sweep", cli_sweep, n, sweep_argv)) != CLI_OK)
    return rc;

  printf ("The exponent in n of each quantity, per law of B and beta (least squares of\n"
          "log value against log n; exact attention's time is n^2):\n\n");
  char *report_argv[] = { (char *) "report", (char *) out, NULL };
  if ((rc = sub ("report", cli_report, 2, report_argv)) != CLI_OK)
    return rc;

  printf ("\nThe asymptotic table, no instance needed (fgattn plan --table): the\n"
          "certified degree g and r = C(d+g, d) at eps = 1/n, with its local exponent\n"
          "in n, from n = 2^8 to 2^64:\n\n");
  char *plan_argv[] = { (char *) "plan", (char *) "--table", (char *) "--law", laws,
                        (char *) "--beta", betas, (char *) "--n-step", (char *) "8",
                        (char *) "--plot", (char *) out, (char *) "--measured", (char *) out,
                        NULL };
  /* The measured points come from [cost]; a configuration without it
     gets the curves alone.  */
  char cost[4200];
  snprintf (cost, sizeof cost, "%s/cost.csv", out);
  int plan_argc = access (cost, R_OK) == 0 ? 12 : 10;
  plan_argv[plan_argc] = NULL;
  if ((rc = sub ("plan", cli_plan, plan_argc, plan_argv)) != CLI_OK)
    return rc;
  printf ("\nEverything (CSV, Markdown tables, PNG and SVG plots) is in %s/\n", out);
  return CLI_OK;
}
