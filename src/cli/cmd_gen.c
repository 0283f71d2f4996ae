/* fgattn gen -- write a random instance */

#include <config.h>

#include <getopt.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn gen -n N [--nk M] -d D [--dv DV] -B B [--Bv BV]\n"
  "                  [--dist uniform|rademacher|gaussian|lowrank|clustered]\n"
  "                  [--seed S] -o DIR [--format table|csv|json]\n"
  "\n"
  "Draws Q (N x D), K (M x D) with entries bounded by B and V (M x DV) bounded\n"
  "by BV (default: B), from GMP's random state seeded with S (default 1): the\n"
  "same seed gives the same instance on every machine.  M defaults to N, DV to D.\n"
  "Writes DIR/Q.npy, DIR/K.npy, DIR/V.npy and DIR/instance.json, then prints\n"
  "what it wrote: n, nk, d, dv, B, Bv, dist, seed and dir (a table with B and\n"
  "Bv to 6 digits; CSV and JSON with 17, which read back as the same doubles).\n"
  "\n"
  "--dist, the law of the entries of Q and K (theory/families.md has the formulas):\n"
  "  uniform     uniform on [-B, B] (the default): the generic case\n"
  "  rademacher  +B or -B with probability 1/2: only 2^D distinct rows\n"
  "  gaussian    clipped gaussian, N(0, (B/3)^2) clipped to [-B, B]\n"
  "  lowrank     rank 2 plus noise (Q = U A + noise, K = W A + noise): the rank-2\n"
  "              part scaled to fill [-7B/8, 7B/8], noise uniform on [-B/8, B/8]\n"
  "  clustered   rows within B/8 (entrywise) of one of 8 centres in\n"
  "              [-7B/8, 7B/8]^D, the same centres for Q and K\n"
  "V: the same law (bound BV) for the first three, uniform for the other two.\n"
  "\n"
  "example: fgattn gen -n 512 -d 16 -B 3 --seed 1 -o inst\n";

/* A finite number for people (6 digits) or for CSV and JSON (17: it
   reads back as the same double).  */
#define NUM_FMT(fmt) ((fmt) == CLI_TABLE ? "%.6g" : "%.17g")

/* What gen wrote, in the format asked for.  */
static void
print_written (fga_instance_srcptr inst, fga_dist dist, unsigned long seed, const char *dir,
               cli_format_t fmt)
{
  static const char *names[] = { "n", "nk", "d", "dv", "B", "Bv", "dist", "seed", "dir" };
  cli_table_t t;
  cli_table_init (&t, sizeof names / sizeof names[0], names);
  cli_table_new_row (&t);
  cli_table_addf (&t, 0, "%zu", inst->Q->rows);
  cli_table_addf (&t, 1, "%zu", inst->K->rows);
  cli_table_addf (&t, 2, "%zu", inst->Q->cols);
  cli_table_addf (&t, 3, "%zu", inst->V->cols);
  cli_table_addf (&t, 4, NUM_FMT (fmt), inst->B);      /* B and Bv: finite, > 0 */
  cli_table_addf (&t, 5, NUM_FMT (fmt), inst->Bv);
  cli_table_addf (&t, 6, "%s", fga_dist_name (dist));
  cli_table_addf (&t, 7, "%lu", seed);
  cli_table_addf (&t, 8, "%s", dir);
  cli_table_print (&t, fmt, 1, stdout);
  cli_table_clear (&t);
}

int
cli_gen (int argc, char **argv)
{
  static const struct option opts[] = {
    { "nk", required_argument, NULL, 'm' }, { "dv", required_argument, NULL, 'v' },
    { "Bv", required_argument, NULL, 'b' }, { "dist", required_argument, NULL, 't' },
    { "seed", required_argument, NULL, 's' }, { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
  };
  size_t n = 0, nk = 0, d = 0, dv = 0;
  double B = 0, Bv = 0;
  unsigned long seed = 1;
  const char *out = NULL;
  fga_dist dist = FGA_DIST_UNIFORM;
  cli_format_t fmt = CLI_TABLE;
  fga_error err;
  fga_error_init (&err);
  int c, rc;

  optind = 1;
  while ((c = cli_getopt (argc, argv, "n:d:B:o:h", opts)) != -1)
    {
      rc = CLI_OK;
      switch (c)
        {
        case 'n': rc = cli_parse_size (&n, optarg, "-n", 1, SIZE_MAX); break;
        case 'm': rc = cli_parse_size (&nk, optarg, "--nk", 1, SIZE_MAX); break;
        case 'd': rc = cli_parse_size (&d, optarg, "-d", 1, SIZE_MAX); break;
        case 'v': rc = cli_parse_size (&dv, optarg, "--dv", 1, SIZE_MAX); break;
        case 'B': rc = cli_parse_positive (&B, optarg, "-B"); break;
        case 'b': rc = cli_parse_positive (&Bv, optarg, "--Bv"); break;
        case 's':
          /* instance.json records the seed as a JSON integer, which is signed. */
          rc = cli_parse_ulong (&seed, optarg, "--seed", (unsigned long) INT64_MAX);
          break;
        case 't':
          if (fga_dist_parse (&dist, optarg, &err) != FGA_OK)
            rc = cli_usage_error ("--dist: %s", err.msg);
          break;
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 'o': out = optarg; break;
        case 'h': fputs (usage, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (optind < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind]);
  if (n == 0 || d == 0 || B == 0 || out == NULL)
    return cli_usage_error ("-n, -d, -B and -o are required");
  if (nk == 0)
    nk = n;
  if (dv == 0)
    dv = d;
  if (Bv == 0)
    Bv = B;

  cli_files_t files;
  cli_files_init (&files);
  cli_files_output_dir (&files, out, "-o", cli_instance_files);
  if ((rc = cli_files_check (&files)) != CLI_OK)
    return rc;
  /* Q, K and V in memory at once (sizes in double: no overflow).  */
  char what[160];
  snprintf (what, sizeof what, "-n %zu --nk %zu -d %zu --dv %zu: the instance (Q, K, V)", n, nk,
            d, dv);
  if ((rc = cli_check_memory (8.0 * ((double) n * (double) d + (double) nk * (double) d
                                     + (double) nk * (double) dv), what)) != CLI_OK)
    return rc;

  fga_instance_t inst;
  fga_instance_init (inst);
  rc = fga_instance_generate (inst, n, nk, d, dv, B, Bv, dist, seed, &err);
  /* Into a temporary folder, then the four files into place together.  */
  if (rc == FGA_OK)
    rc = cli_files_begin (&files, &err);
  if (rc == FGA_OK)
    rc = fga_instance_write (cli_files_tmp (&files, out), inst, &err);
  rc = cli_files_end (&files, rc, &err);
  if (rc == FGA_OK)
    print_written (inst, dist, seed, out, fmt);
  fga_instance_clear (inst);
  if (rc != FGA_OK)
    return cli_fail_err (&err);
  return CLI_OK;
}
