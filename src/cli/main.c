/* fgattn -- the command line: one program, one thin file per subcommand */

#include <config.h>

#include <stdio.h>

#include "cli.h"
#include "cmd_bench.h"

const fga_farm *cli_farm = NULL;

static const cli_command_t commands[] = {
  { "gen", cli_gen, "write a random instance: DIR/Q.npy, K.npy, V.npy, instance.json" },
  { "run", cli_run, "run one method on an instance" },
  { "truth", cli_truth, "the certified ground truth (correctly rounded doubles)" },
  { "compare", cli_compare, "error metrics of an approximation against the truth" },
  { "methods", cli_methods, "every method, its parameters, defaults and ranges" },
  { "plan", cli_plan, "degree, feature count and predicted cost of the polynomial method" },
  { "expfit", cli_expfit, "least degree of a polynomial within eps of exp on [-R, R], certified" },
  { "rank", cli_rank, "singular values and numerical rank of the attention matrix P" },
  { "demo", cli_demo, "the main job: the transition sweep, its tables printed, its plots written" },
  { "bench", cli_bench, "performance figures (never fails on speed)" },
  { "sweep", cli_sweep, "an experiment grid from a configuration file; resumes where it stopped" },
  { "report", cli_report, "tables and plots of a sweep, regenerated from its CSV files" },
  { "analyze", cli_analyze,
    "operations, memory, steps, path length and depth of attention mechanisms" },
  { "scaling", cli_scaling,
    "time a mechanism over a list of n; its fitted exponent beside the asymptotic one" },
  { "hamming", cli_hamming, "gap Hamming closest pair instances: gen, and solve by brute force" },
  { "reduce", cli_reduce, "gap Hamming closest pair to attention (the SETH lower bound)" },
  { "decide", cli_decide, "decide a reduced instance with any method: YES or NO, with the margin" },
  { "hardness", cli_hardness, "the least polynomial degree that decides the reduction, against n" },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void
overview (FILE *out)
{
  fprintf (out,
           "usage: fgattn COMMAND [OPTIONS]\n"
           "       fgattn help COMMAND      (or: fgattn COMMAND --help)\n"
           "\n"
           "fgattn %s: exact, certified and fast approximate softmax attention,\n"
           "and the B ~ sqrt(log n) transition of Alman and Song.\n\ncommands:\n",
           fga_version ());
  for (size_t k = 0; k < NCOMMANDS; k++)
    fprintf (out, "  %-9s %s\n", commands[k].name, commands[k].summary);
  fprintf (out, "\nexit status: 0 success, 1 a computation failed, 2 bad usage or bad input\n");
}

/* An unknown command: "fgattn: no command 'NAME'", then the way to help.  */
static int
unknown (const char *name)
{
  return cli_usage_error ("no command '%s'", name);
}

int
main (int argc, char **argv)
{
  static const cli_program_t prog = { "fgattn", commands, NCOMMANDS, overview, unknown };
  return cli_dispatch (&prog, argc, argv);
}
