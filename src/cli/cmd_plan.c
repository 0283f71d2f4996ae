/* fgattn plan -- degree, feature count and predicted cost of the polynomial method */

#include <config.h>

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn plan -n N -d D -B B --eps E [--nk M] [--dv DV] [--Bv BV]\n"
  "                   [--tau 1/d|1/sqrt(d)|X] [--basis cheb|taylor]\n"
  "                   [--format table|csv|json]\n"
  "\n"
  "The cost model of the polynomial method (method poly) before any data:\n"
  "for n queries (and nk keys, default n), entries of Q and K bounded by B\n"
  "and of V by Bv (default B), the a-priori radius R = tau d B^2, the\n"
  "relative target eps_rel = E / (2 Bv), the least degree g of the basis\n"
  "certified within eps_rel of exp on [-R, R], the feature count\n"
  "r = C(d + g, d) beside the Alman-Song count C(2 (g + d), 2 g), the\n"
  "predicted operation counts of poly (fga_poly_count) and of exact attention\n"
  "(the naive kernel's formula), which is cheaper, and crossover_n: the least\n"
  "n (nq = nk = n) from which poly's count is the smaller.  The counts are\n"
  "exact integers computed with GMP: they never overflow.  rounding_bound is\n"
  "the a-priori bound on the double evaluation's rounding error, relative to\n"
  "||V||_inf.  On data, R=auto (the Cauchy-Schwarz radius) is usually much\n"
  "smaller than tau d B^2, and so are g and r.\n"
  "\n"
  "example: fgattn plan -n 65536 -d 8 -B 1 --eps 1e-6\n";

static char *
zstr (mpz_srcptr z)
{
  return mpz_get_str (NULL, 10, z);
}

static void
zfree (char *s)
{
  void (*freefunc) (void *, size_t);
  mp_get_memory_functions (NULL, NULL, &freefunc);
  freefunc (s, strlen (s) + 1);
}

/* A row "name, value" with an mpz value.  */
static void
add_z (cli_table_t *t, int vertical, size_t *col, const char *name, mpz_srcptr z)
{
  char *s = zstr (z);
  if (vertical)
    cli_table_add (t, name, s);
  else
    cli_table_addf (t, (*col)++, "%s", s);
  zfree (s);
}

static void
add_s (cli_table_t *t, int vertical, size_t *col, const char *name, const char *s)
{
  if (vertical)
    cli_table_add (t, name, s);
  else
    cli_table_addf (t, (*col)++, "%s", s);
}

/* The shortest decimal that reads back as x ("1e-06", not 17 digits).  */
static void
add_d (cli_table_t *t, int vertical, size_t *col, const char *name, double x)
{
  char b[64];
  if (!isfinite (x))
    cli_num (b, sizeof b, x);
  else
    for (int prec = 6; prec <= 17; prec++)
      {
        snprintf (b, sizeof b, "%.*g", prec, x);
        if (strtod (b, NULL) == x)
          break;
      }
  add_s (t, vertical, col, name, b);
}

/* z1 / z2 as a double (both positive).  */
static double
zratio (mpz_srcptr a, mpz_srcptr b)
{
  mpfr_t x, y;
  mpfr_inits2 (64, x, y, (mpfr_ptr) 0);
  mpfr_set_z (x, a, MPFR_RNDN);
  mpfr_set_z (y, b, MPFR_RNDN);
  mpfr_div (x, x, y, MPFR_RNDN);
  double q = mpfr_get_d (x, MPFR_RNDN);
  mpfr_clears (x, y, (mpfr_ptr) 0);
  return q;
}

static const char *names[] = {
  "n", "nk", "d", "dv", "B", "Bv", "tau", "eps", "eps_rel", "R", "basis", "g", "bound_rel",
  "r", "r_alman_song", "r_over_n", "poly_mul", "poly_add", "poly_exp", "poly_div", "poly_cmp",
  "poly_total", "exact_mul", "exact_add", "exact_exp", "exact_div", "exact_cmp", "exact_total",
  "poly_over_exact", "cheaper", "crossover_n", "rounding_bound"
};
#define NNAMES (sizeof names / sizeof names[0])

int
cli_plan (int argc, char **argv)
{
  static const struct option opts[] = {
    { "eps", required_argument, NULL, 'e' }, { "nk", required_argument, NULL, 'k' },
    { "dv", required_argument, NULL, 'v' }, { "Bv", required_argument, NULL, 'V' },
    { "tau", required_argument, NULL, 't' }, { "basis", required_argument, NULL, 'b' },
    { "format", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  size_t n = 0, nk = 0, d = 0, dv = 0;
  double B = NAN, Bv = NAN, eps = NAN;
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_basis basis = FGA_BASIS_CHEB;
  cli_format_t fmt = CLI_TABLE;
  fga_error err;
  fga_error_init (&err);
  int c, rc;

  optind = 1;
  while ((c = getopt_long (argc, argv, "n:d:B:h", opts, NULL)) != -1)
    {
      rc = CLI_OK;
      switch (c)
        {
        case 'n': rc = cli_parse_size (&n, optarg, "-n", 1, SIZE_MAX); break;
        case 'k': rc = cli_parse_size (&nk, optarg, "--nk", 1, SIZE_MAX); break;
        case 'd': rc = cli_parse_size (&d, optarg, "-d", 1, SIZE_MAX); break;
        case 'v': rc = cli_parse_size (&dv, optarg, "--dv", 1, SIZE_MAX); break;
        case 'B': rc = cli_parse_positive (&B, optarg, "-B"); break;
        case 'V': rc = cli_parse_real (&Bv, optarg, "--Bv", 0, INFINITY, 0); break;
        case 'e': rc = cli_parse_positive (&eps, optarg, "--eps"); break;
        case 't':
          if (fga_tau_parse (&tau, optarg, &err) != FGA_OK)
            rc = cli_fail_err (&err);
          break;
        case 'b':
          if (fga_basis_parse (&basis, optarg, &err) != FGA_OK)
            rc = cli_fail_err (&err);
          break;
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 'h': fputs (usage, stdout); return CLI_OK;
        default: fputs (usage, stderr); return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (optind < argc)
    return cli_fail (CLI_USAGE, "unexpected argument '%s'", argv[optind]);
  if (n == 0 || d == 0 || isnan (B) || isnan (eps))
    return cli_fail (CLI_USAGE, "-n, -d, -B and --eps are required (fgattn plan --help)");
  if (nk == 0)
    nk = n;
  if (dv == 0)
    dv = d;
  if (isnan (Bv))
    Bv = B;

  fga_poly_cost pl;
  if (fga_poly_cost_init (&pl, n, nk, d, dv, B, Bv, &tau, eps, basis, &err) != FGA_OK)
    return cli_fail_err (&err);

  int vertical = fmt == CLI_TABLE;
  static const char *kv[] = { "quantity", "value" };
  cli_table_t t;
  cli_table_init (&t, vertical ? 2 : NNAMES, vertical ? kv : names);
  if (!vertical)
    cli_table_new_row (&t);
  size_t col = 0, k = 0;
  char b[64], taub[64];
  fga_tau_format (taub, sizeof taub, &tau);
  snprintf (b, sizeof b, "%zu", n);
  add_s (&t, vertical, &col, names[k++], b);
  snprintf (b, sizeof b, "%zu", nk);
  add_s (&t, vertical, &col, names[k++], b);
  snprintf (b, sizeof b, "%zu", d);
  add_s (&t, vertical, &col, names[k++], b);
  snprintf (b, sizeof b, "%zu", dv);
  add_s (&t, vertical, &col, names[k++], b);
  add_d (&t, vertical, &col, names[k++], B);
  add_d (&t, vertical, &col, names[k++], Bv);
  add_s (&t, vertical, &col, names[k++], taub);
  add_d (&t, vertical, &col, names[k++], eps);
  add_d (&t, vertical, &col, names[k++], pl.eps_rel);
  add_d (&t, vertical, &col, names[k++], pl.R);
  add_s (&t, vertical, &col, names[k++], fga_basis_name (basis));
  snprintf (b, sizeof b, "%ld", pl.g);
  add_s (&t, vertical, &col, names[k++], b);
  add_d (&t, vertical, &col, names[k++], pl.bound_rel);
  add_z (&t, vertical, &col, names[k++], pl.r);
  add_z (&t, vertical, &col, names[k++], pl.r_as);
  mpz_t nz;
  mpz_init (nz);
  mpz_set_ui (nz, (unsigned long) n);
  snprintf (b, sizeof b, "%.6g", zratio (pl.r, nz));
  add_s (&t, vertical, &col, names[k++], b);
  for (int j = 0; j < 5; j++)
    add_z (&t, vertical, &col, names[k++], pl.poly[j]);
  add_z (&t, vertical, &col, names[k++], pl.poly_total);
  for (int j = 0; j < 5; j++)
    add_z (&t, vertical, &col, names[k++], pl.exact[j]);
  add_z (&t, vertical, &col, names[k++], pl.exact_total);
  snprintf (b, sizeof b, "%.6g", zratio (pl.poly_total, pl.exact_total));
  add_s (&t, vertical, &col, names[k++], b);
  int cmp = mpz_cmp (pl.poly_total, pl.exact_total);
  add_s (&t, vertical, &col, names[k++], cmp < 0 ? "poly" : cmp > 0 ? "exact" : "equal");
  if (mpz_sgn (pl.crossover_n) > 0)
    add_z (&t, vertical, &col, names[k++], pl.crossover_n);
  else
    add_s (&t, vertical, &col, names[k++], "inf");
  add_d (&t, vertical, &col, names[k++], pl.rounding_bound);
  mpz_clear (nz);

  cli_table_print (&t, fmt, 1, stdout);
  cli_table_clear (&t);
  fga_poly_cost_clear (&pl);
  return CLI_OK;
}
