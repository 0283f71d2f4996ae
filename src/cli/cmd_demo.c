/* fgattn demo -- the main job: the transition computed fresh, its tables and the asymptotic view */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cmd_sweep.h"

#define DEMO_CONF "transition-demo.conf"

static const char usage[] =
  "usage: fgattn demo [-o DIR] [--config FILE|NAME] [-j|--jobs J] [-q|--quiet]\n"
  "                   [--format table|csv|json]\n"
  "       fgattn demo --list\n"
  "\n"
  "Computes, fresh, the switch of Alman and Song as the theorem states it: how\n"
  "the entry bound B grows with n decides the polynomial method's cost at\n"
  "error 1/n.  Three steps, all written to DIR:\n"
  "  1. the sweep experiments/" DEMO_CONF ": n = 2^8 .. 2^14,\n"
  "     d = ceil(log2 n), uniform entries, B = beta (ln n)^(1/4) (an\n"
  "     o(sqrt(log n)) law) beside B = beta sqrt(ln n) (the threshold),\n"
  "     beta = 0.5 and 1; per cell the\n"
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
  "betas then drive step 3): a file, or the name of an installed one\n"
  "(transition for transition.conf; --list lists them).  Configurations are\n"
  "looked for in $FGATTN_DATADIR/experiments, the installed data folder\n"
  "(" FGA_DATADIR "/experiments), then the source tree's experiments/.\n"
  "About 3 minutes on 2 cores.\n"
  "Progress goes to stderr: steps done of all (the sweep's cells, then the\n"
  "report and the table), the time elapsed and an ETA that weighs each cell\n"
  "left by its predicted cost (fgattn sweep --help), moving within a long\n"
  "cell; a line redrawn on a terminal, a plain line every 30 s otherwise\n"
  "(FGATTN_PROGRESS_INTERVAL=SECONDS sets the interval), the sweep's last\n"
  "line (or \"nothing to do: N cells already done\" in a finished DIR, whose\n"
  "report and table are made again), and a last line saying where\n"
  "everything is and how long it took.  --quiet: nothing on stderr but\n"
  "errors.  On stdout: the sweep's summary (fgattn sweep --help), the\n"
  "exponents (fgattn report) and the asymptotic table (fgattn plan --table);\n"
  "with --format json one object {\"sweep\": {...}, \"exponents\": [...],\n"
  "\"plan\": [...]}, with --format csv the three tables one after another,\n"
  "each with its header line, separated by an empty line; numbers in CSV\n"
  "and JSON read back as the same doubles.\n"
  "\n"
  "example: fgattn demo -o /tmp/demo\n";

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

/* A file descriptor (stdout or stderr) sent to a temporary file while a
   step runs, so that the demo prints the step's output in its own format
   (JSON needs every part, and none of a step that failed) and, quiet,
   keeps the notes of steps that have no --quiet.  */
typedef struct
{
  int fd, saved;
  FILE *tmp;
} held_t;

static int
hold (held_t *h, int fd)
{
  fflush (stdout);
  fflush (stderr);
  h->fd = fd;
  h->tmp = tmpfile ();
  h->saved = h->tmp != NULL ? dup (fd) : -1;
  if (h->saved >= 0 && dup2 (fileno (h->tmp), fd) >= 0)
    return CLI_OK;
  int e = errno;
  if (h->saved >= 0)
    close (h->saved);
  if (h->tmp != NULL)
    fclose (h->tmp);
  return cli_fail (CLI_FAILED, "cannot hold a step's output in a temporary file: %s",
                   strerror (e));
}

/* Ends the hold: the text held, NUL-terminated and malloc'd (NULL when
   out of memory).  */
static char *
release (held_t *h)
{
  fflush (h->fd == STDOUT_FILENO ? stdout : stderr);
  dup2 (h->saved, h->fd);
  close (h->saved);
  off_t len = lseek (fileno (h->tmp), 0, SEEK_END);
  char *text = len >= 0 ? malloc ((size_t) len + 1) : NULL;
  size_t got = 0;
  if (text != NULL && fseek (h->tmp, 0, SEEK_SET) == 0)
    got = fread (text, 1, (size_t) len, h->tmp);
  if (text != NULL)
    text[got] = '\0';
  fclose (h->tmp);
  return text;
}

/* Runs one subcommand as its own command would, with its name in
   messages; its stdout is returned in *out (malloc'd), and with quiet its
   stderr is shown only when it fails.  */
static int
sub (const char *name, int (*fn) (int, char **), int argc, char **argv, int quiet, char **out)
{
  held_t ho, he;
  *out = NULL;
  int rc = hold (&ho, STDOUT_FILENO);
  if (rc == CLI_OK && quiet && (rc = hold (&he, STDERR_FILENO)) != CLI_OK)
    free (release (&ho));
  if (rc != CLI_OK)
    return rc;
  cli_command = name;
  rc = fn (argc, argv);
  cli_command = "demo";
  if (quiet)
    {
      char *notes = release (&he);
      if (rc != CLI_OK && notes != NULL)
        fputs (notes, stderr);
      free (notes);
    }
  *out = release (&ho);
  if (rc == CLI_OK && *out == NULL)
    rc = cli_fail (CLI_FAILED, "out of memory for the output of %s", name);
  return rc;
}

/* A step's output in the demo's format: in JSON the value of key (an
   empty output, report's when it has no exponents, as []), in CSV a table
   after an empty line, in the table format as it came.  */
static void
emit (const char *key, const char *text, cli_format_t fmt, int first)
{
  size_t len = strlen (text);
  if (fmt == CLI_JSON)
    {
      while (len > 0 && text[len - 1] == '\n')
        len--;
      printf ("%s\"%s\": %.*s", first ? "{\n" : ",\n", key, (int) len, len ? text : "[]");
    }
  else
    printf ("%s%s", fmt == CLI_CSV && !first ? "\n" : "", text);
}

/* The demo's options as its steps pass them on, and its progress line:
   the sweep's cells, then the report and the table.  */
typedef struct
{
  const char *out, *jobs, *format;
  int quiet;
  cli_format_t fmt;
  cli_progress_t pr;
  cli_sweep_outer outer;
} demo_t;

/* Step 1: the sweep, on the demo's line; its summary in *text.  */
static int
demo_sweep (demo_t *d, char *conf, char **text)
{
  char *argv[12];
  int n = 0;
  argv[n++] = (char *) "sweep";
  argv[n++] = conf;
  argv[n++] = (char *) "-o";
  argv[n++] = (char *) d->out;
  if (d->jobs != NULL)
    {
      argv[n++] = (char *) "--jobs";
      argv[n++] = (char *) d->jobs;
    }
  if (d->quiet)
    argv[n++] = (char *) "--quiet";
  argv[n++] = (char *) "--format";
  argv[n++] = (char *) d->format;
  argv[n] = NULL;
  d->outer.pr = &d->pr;
  d->outer.steps_after = 2;
  cli_sweep_nest (&d->outer);
  int rc = sub ("sweep", cli_sweep, n, argv, d->quiet, text);
  cli_sweep_nest (NULL);
  return rc;
}

/* Step 2 + k begins (k = 0 the report, 1 the table): each weighs as a
   mean cell of the sweep.  */
static void
demo_step (demo_t *d, size_t k, const char *what)
{
  const cli_sweep_outer *o = &d->outer;
  cli_progress_update (&d->pr, o->cells + k, o->cells + 2, o->work + (double) k * o->work_step,
                       o->work + 2 * o->work_step, what);
}

static int
demo_report (demo_t *d, char **text)
{
  char *argv[] = { (char *) "report", (char *) d->out, (char *) "--format", (char *) d->format,
                   NULL };
  demo_step (d, 0, "report");
  return sub ("report", cli_report, 4, argv, d->quiet, text);
}

static int
demo_plan (demo_t *d, char *laws, char *betas, char **text)
{
  char *argv[] = { (char *) "plan", (char *) "--table", (char *) "--law", laws,
                   (char *) "--beta", betas, (char *) "--n-step", (char *) "8",
                   (char *) "--format", (char *) d->format, (char *) "--plot", (char *) d->out,
                   (char *) "--measured", (char *) d->out, NULL };
  /* The measured points come from [cost]; a configuration without it
     gets the curves alone.  */
  char cost[4200];
  snprintf (cost, sizeof cost, "%s/cost.csv", d->out);
  int argc = access (cost, R_OK) == 0 ? 14 : 12;
  argv[argc] = NULL;
  demo_step (d, 1, "plan");
  return sub ("plan", cli_plan, argc, argv, d->quiet, text);
}

/* The outputs of the three steps, once all are done, in the demo's
   format; the table format puts a sentence before each table.  */
static void
demo_print (const demo_t *d, char *const text[3])
{
  static const char *const keys[3] = { "sweep", "exponents", "plan" };
  static const char *const intro[3] = {
    "",
    "\nThe exponent in n of each quantity, per law of B and beta (least squares of\n"
    "log value against log n; exact attention's time is n^2):\n\n",
    "\nThe asymptotic table, no instance needed (fgattn plan --table): the\n"
    "certified degree g and r = C(d+g, d) at eps = 1/n, with its local exponent\n"
    "in n, from n = 2^8 to 2^64:\n\n"
  };
  for (int k = 0; k < 3; k++)
    {
      if (d->fmt == CLI_TABLE)
        fputs (intro[k], stdout);
      emit (keys[k], text[k], d->fmt, k == 0);
    }
  if (d->fmt == CLI_JSON)
    fputs ("\n}\n", stdout);
  else if (d->fmt == CLI_TABLE)
    printf ("\nEverything (CSV, Markdown tables, PNG and SVG plots) is in %s/\n", d->out);
}

int
cli_demo (int argc, char **argv)
{
  static const struct option opts[] = {
    { "jobs", required_argument, NULL, 'j' }, { "quiet", no_argument, NULL, 'q' },
    { "config", required_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' },
    { "format", required_argument, NULL, 'f' }, { "list", no_argument, NULL, 'l' },
    { NULL, 0, NULL, 0 }
  };
  const char *out = NULL, *jobs = NULL, *given_conf = NULL, *format = NULL;
  int quiet = 0, c;
  cli_format_t fmt = CLI_TABLE;
  optind = 1;
  while ((c = cli_getopt (argc, argv, "o:j:qh", opts)) != -1)
    switch (c)
      {
      case 'o': out = optarg; break;
      case 'j': jobs = optarg; break;
      case 'q': quiet = 1; break;
      case 'f':
        if (cli_parse_format (&fmt, optarg) != CLI_OK)
          return CLI_USAGE;
        format = optarg;
        break;
      case 'c': given_conf = optarg; break;
      case 'l': return cli_list_configs (0);
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
  rc = given_conf != NULL ? cli_find_config (conf, sizeof conf, given_conf)
       : cli_standard_config (conf, sizeof conf, DEMO_CONF);
  if (rc != CLI_OK)
    return rc;
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
      if ((rc = cli_fresh_dir (dirbuf, sizeof dirbuf, "demo", NULL)) != CLI_OK)
        return rc;
      out = dirbuf;
    }
  if ((rc = cli_check_outdir (out, "-o", 1)) != CLI_OK)
    return rc;

  demo_t d;
  memset (&d, 0, sizeof d);
  d.out = out;
  d.jobs = jobs;
  d.format = format != NULL ? format : "table";
  d.quiet = quiet;
  d.fmt = fmt;
  cli_progress_init (&d.pr, "demo", quiet);
  d.pr.unit = "steps";
  if (!quiet)
    fprintf (stderr, "fgattn demo: computing into %s/\n", out);
  char *text[3] = { NULL, NULL, NULL };
  rc = demo_sweep (&d, conf, &text[0]);
  if (rc == CLI_OK)
    rc = demo_report (&d, &text[1]);
  if (rc == CLI_OK)
    rc = demo_plan (&d, laws, betas, &text[2]);
  if (rc == CLI_OK)
    {
      cli_progress_end (&d.pr, "wrote the sweep's rows, its report and the asymptotic table "
                        "into %s", out);
      demo_print (&d, text);
    }
  else
    cli_progress_clear (&d.pr);
  for (int k = 0; k < 3; k++)
    free (text[k]);
  return rc;
}
