/* fgattn hamming -- gap bichromatic Hamming closest pair: generate and solve by brute force */

#include <config.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn hamming gen -n N -m M -t T --gap EPS [--planted] [--seed S] -o DIR\n"
  "                          [--format table|csv|json]\n"
  "       fgattn hamming solve -i DIR [--format table|csv|json]\n"
  "\n"
  "gen draws N vectors a_i and N vectors b_j in {0,1}^M (seed S, default 1):\n"
  "with --planted, one pair at distance exactly T and every other pair at\n"
  "distance >= (1+EPS) T (a YES instance); without, every pair >= (1+EPS) T\n"
  "(a NO instance).  Random pairs concentrate at distance M/2, so (1+EPS) T\n"
  "must stay a few sqrt(M)/2 below M/2; otherwise gen refuses and says why.\n"
  "Writes DIR/hamming.json and prints what it wrote: n, m, t, eps, far (the\n"
  "least distance of the other pairs, ceil((1+EPS) T)), answer (YES when\n"
  "planted), the planted pair (planted_i, planted_j; empty for NO), seed and\n"
  "dir.\n"
  "\n"
  "solve checks all N^2 pairs: the least distance, a pair reaching it, and\n"
  "YES when it is <= T.\n"
  "\n"
  "The table prints eps to 6 digits; CSV and JSON with 17, which read back as\n"
  "the same double.\n"
  "\n"
  "example: fgattn hamming gen -n 256 -m 64 -t 12 --gap 0.5 --planted -o ham\n";

/* A finite number for people (6 digits) or for CSV and JSON (17: it
   reads back as the same double).  */
#define NUM_FMT(fmt) ((fmt) == CLI_TABLE ? "%.6g" : "%.17g")

static const char *const hamming_files[] = { "hamming.json", NULL };

/* What gen wrote, in the format asked for.  */
static void
print_written (fga_hamming_srcptr h, const char *dir, cli_format_t fmt)
{
  static const char *names[] = { "n", "m", "t", "eps", "far", "answer", "planted_i",
                                 "planted_j", "seed", "dir" };
  cli_table_t tab;
  cli_table_init (&tab, sizeof names / sizeof names[0], names);
  cli_table_new_row (&tab);
  cli_table_addf (&tab, 0, "%zu", h->n);
  cli_table_addf (&tab, 1, "%zu", h->m);
  cli_table_addf (&tab, 2, "%zu", h->t);
  cli_table_addf (&tab, 3, NUM_FMT (fmt), h->eps);       /* finite, > 0 */
  cli_table_addf (&tab, 4, "%zu", fga_hamming_far (h->t, h->eps));
  cli_table_addf (&tab, 5, "%s", h->planted == 1 ? "YES" : "NO");
  if (h->planted == 1)
    {
      cli_table_addf (&tab, 6, "%zu", h->pi);
      cli_table_addf (&tab, 7, "%zu", h->pj);
    }
  cli_table_addf (&tab, 8, "%lu", h->seed);
  cli_table_addf (&tab, 9, "%s", dir);
  cli_table_print (&tab, fmt, 1, stdout);
  cli_table_clear (&tab);
}

static int
hamming_gen (int argc, char **argv)
{
  static const struct option opts[] = {
    { "gap", required_argument, NULL, 'g' }, { "planted", no_argument, NULL, 'p' },
    { "seed", required_argument, NULL, 's' }, { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
  };
  size_t n = 0, m = 0, t = 0;
  double eps = 0;
  int planted = 0, c, rc, have_eps = 0;
  unsigned long seed = 1;
  const char *out = NULL;
  cli_format_t fmt = CLI_TABLE;
  optind = 1;
  while ((c = cli_getopt (argc, argv, "n:m:t:o:h", opts)) != -1)
    {
      rc = CLI_OK;
      switch (c)
        {
        case 'n': rc = cli_parse_size (&n, optarg, "-n", 1, SIZE_MAX); break;
        case 'm': rc = cli_parse_size (&m, optarg, "-m", 1, SIZE_MAX); break;
        case 't': rc = cli_parse_size (&t, optarg, "-t", 1, SIZE_MAX); break;
        case 'g': rc = cli_parse_positive (&eps, optarg, "--gap"); have_eps = 1; break;
        case 'p': planted = 1; break;
        case 's':
          /* hamming.json records the seed as a JSON integer, which is signed. */
          rc = cli_parse_ulong (&seed, optarg, "--seed", (unsigned long) INT64_MAX);
          break;
        case 'o': out = optarg; break;
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 'h': fputs (usage, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (optind < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind]);
  if (n == 0 || m == 0 || t == 0 || !have_eps || out == NULL)
    return cli_usage_error ("-n, -m, -t, --gap and -o are required");
  cli_files_t files;
  cli_files_init (&files);
  cli_files_output_dir (&files, out, "-o", hamming_files);
  if ((rc = cli_files_check (&files)) != CLI_OK)
    return rc;
  /* The 2n vectors of m bits, a byte each, and as many characters of JSON
     text while hamming.json is formed.  */
  char what[128];
  snprintf (what, sizeof what, "-n %zu -m %zu: the 2n vectors of m bits and their JSON text",
            n, m);
  if ((rc = cli_check_memory (4.0 * (double) n * (double) m, what)) != CLI_OK)
    return rc;
  fga_error err;
  fga_error_init (&err);
  fga_hamming_t h;
  fga_hamming_init (h);
  rc = fga_hamming_generate (h, n, m, t, eps, planted, seed, &err);
  if (rc == FGA_ERR_INPUT)
    {
      /* values that cannot go together (a gap too close to m/2): usage */
      fga_hamming_clear (h);
      return cli_usage_error ("%s", err.msg);
    }
  if (rc == FGA_OK)
    rc = cli_files_begin (&files, &err);
  if (rc == FGA_OK)
    rc = fga_hamming_write (cli_files_tmp (&files, out), h, &err);
  rc = cli_files_end (&files, rc, &err);
  int status = rc == FGA_OK ? CLI_OK : cli_fail_err (&err);
  if (rc == FGA_OK)
    print_written (h, out, fmt);
  fga_hamming_clear (h);
  return status;
}

static int
hamming_solve (int argc, char **argv)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  const char *dir = NULL;
  cli_format_t fmt = CLI_TABLE;
  int c, rc;
  optind = 1;
  while ((c = cli_getopt (argc, argv, "i:h", opts)) != -1)
    {
      rc = CLI_OK;
      switch (c)
        {
        case 'i': dir = optarg; break;
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 'h': fputs (usage, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (optind < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind]);
  if (dir == NULL)
    return cli_usage_error ("-i is required");
  cli_files_t files;
  cli_files_init (&files);
  cli_files_input_dir (&files, dir, "-i", hamming_files);
  if ((rc = cli_files_check (&files)) != CLI_OK)
    return rc;
  fga_error err;
  fga_error_init (&err);
  fga_hamming_t h;
  fga_hamming_init (h);
  if (fga_hamming_read (h, dir, &err) != FGA_OK)
    return cli_fail_err (&err);
  fga_hamming_solution sol;
  fga_hamming_solve (&sol, h);
  static const char *names[] = { "n", "m", "t", "eps", "far", "min_dist", "argmin_i",
                                 "argmin_j", "close_pairs", "gap_pairs", "answer" };
  cli_table_t tab;
  cli_table_init (&tab, sizeof names / sizeof names[0], names);
  cli_table_new_row (&tab);
  cli_table_addf (&tab, 0, "%zu", h->n);
  cli_table_addf (&tab, 1, "%zu", h->m);
  cli_table_addf (&tab, 2, "%zu", h->t);
  cli_table_addf (&tab, 3, NUM_FMT (fmt), h->eps);
  cli_table_addf (&tab, 4, "%zu", fga_hamming_far (h->t, h->eps));
  cli_table_addf (&tab, 5, "%zu", sol.min_dist);
  cli_table_addf (&tab, 6, "%zu", sol.argmin_i);
  cli_table_addf (&tab, 7, "%zu", sol.argmin_j);
  cli_table_addf (&tab, 8, "%zu", sol.close_pairs);
  cli_table_addf (&tab, 9, "%zu", sol.gap_pairs);
  cli_table_addf (&tab, 10, "%s", sol.yes ? "YES" : "NO");
  cli_table_print (&tab, fmt, 1, stdout);
  cli_table_clear (&tab);
  if (sol.gap_pairs > 0)
    fprintf (stderr, "fgattn hamming: note: %zu pairs break the gap promise (distance "
             "strictly between t and (1+eps) t)\n", sol.gap_pairs);
  fga_hamming_clear (h);
  return CLI_OK;
}

int
cli_hamming (int argc, char **argv)
{
  if (argc < 2)
    return cli_usage_error ("a subcommand is required: gen or solve");
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      fputs (usage, stdout);
      return CLI_OK;
    }
  if (strcmp (argv[1], "gen") == 0)
    return hamming_gen (argc - 1, argv + 1);
  if (strcmp (argv[1], "solve") == 0)
    return hamming_solve (argc - 1, argv + 1);
  return cli_usage_error ("unknown subcommand '%s' (gen or solve)", argv[1]);
}
