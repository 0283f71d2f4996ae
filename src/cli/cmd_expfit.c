/* fgattn expfit -- the least degree of a polynomial within eps of exp on [-R, R], certified */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The library's limits (fga_expfit_init refuses beyond them); checked here
   too so that the message names the option.  */
#define RMAX 1024.0
#define GMAX 10000L
#define MAX_LIST 64

static const char usage[] =
  "usage: fgattn expfit -R R --eps E [--basis cheb|taylor] [--abs] [--points N]\n"
  "                     [--format table|csv|json]\n"
  "       fgattn expfit --table -R R1,R2,... --eps E1,E2,...\n"
  "                     [--basis both|cheb|taylor]\n"
  "                     [--abs] [--csv FILE] [--points N] [--format table|csv|json]\n"
  "\n"
  "The least degree g of a polynomial p with |p(x) - e^x| <= eps e^x (relative\n"
  "error, the default) or <= eps (--abs) for every x in [-R, R]: the Taylor\n"
  "polynomial at 0, or the truncated Chebyshev series (the default).  `bound' is\n"
  "certified: proved and rounded upward (theory/exp-approximation.md), for the\n"
  "polynomial with its monomial coefficients as stored (prec bits); `measured' is\n"
  "the largest error on N equispaced points of [-R, R] (default 4001), computed\n"
  "in MPFR, a check beside it; `bound_at_g_minus_1' shows that g is least.\n"
  "aggarwal_alman is max{R, ln(1/eps) / ln(ln(1/eps) / R)}, how the degree grows\n"
  "in the bound of Aggarwal and Alman (constants left out).\n"
  "\n"
  "--table prints a Markdown table of least degrees (rows R, columns eps; cells\n"
  "taylor/cheb with --basis both, its default); with --format csv or json it\n"
  "prints the tidy rows instead (R, eps, basis, error, degree, bound, measured,\n"
  "aggarwal_alman), and --csv FILE writes them to FILE.  N defaults to 1001 there.\n"
  "R is in (0, 1024], eps in (0, 1).  -R is also spelled --R.\n"
  "Every number prints in its shortest form that reads back as the same double.\n"
  "\n"
  "examples: fgattn expfit -R 4 --eps 1e-6 --basis cheb\n"
  "          fgattn expfit --table -R 0.25,1,4,9,16 --eps 1e-3,1e-6,1e-12\n";

/* The shortest decimal form that reads back as x (so a certified bound
   printed here is still the upward-rounded double).  */
static const char *
num (char *buf, size_t size, double x)
{
  if (!isfinite (x))
    return cli_num (buf, size, x);
  for (int d = 1; d <= 17; d++)
    {
      snprintf (buf, size, "%.*g", d, x);
      if (strtod (buf, NULL) == x)
        break;
    }
  return buf;
}

/* One number of a list given to `option', refused with a message naming it. */
static int
parse_item (double *out, const char *item, size_t len, const char *option, const char *text,
            int is_eps)
{
  char buf[128];
  if (len == 0 || len >= sizeof buf)
    return cli_usage_error ("%s %s: %s", option, text,
                            len == 0 ? "empty item in the list" : "item too long");
  memcpy (buf, item, len);
  buf[len] = '\0';
  fga_error err;
  if (fga_parse_real (out, buf, 0, is_eps ? 1 : RMAX,
                      FGA_PARSE_OPEN_MIN | (is_eps ? FGA_PARSE_OPEN_MAX : 0), option, &err)
      != FGA_OK)
    return cli_usage_error ("%s", err.msg);
  return CLI_OK;
}

static int
parse_list (double *out, size_t *n, const char *text, const char *option, int is_eps,
            int allow_list)
{
  *n = 0;
  const char *s = text;
  for (;;)
    {
      const char *comma = strchr (s, ',');
      size_t len = comma != NULL ? (size_t) (comma - s) : strlen (s);
      if (*n == MAX_LIST)
        return cli_usage_error ("%s %s: more than %d values", option, text, MAX_LIST);
      int rc = parse_item (&out[*n], s, len, option, text, is_eps);
      if (rc != CLI_OK)
        return rc;
      (*n)++;
      if (comma == NULL)
        break;
      s = comma + 1;
    }
  if (*n > 1 && !allow_list)
    return cli_usage_error ("%s %s: a list of values needs --table", option, text);
  return CLI_OK;
}

/* Enough bits that rounding the coefficients adds at most about 2^-64 eps
   to the relative bound: it adds 2^-prec sum_k |c_k| R^k e^R ~ 2^-prec e^{2R}. */
static mpfr_prec_t
prec_for (double R, double eps)
{
  return 64 + (mpfr_prec_t) ceil (2 * R / M_LN2) + (mpfr_prec_t) ceil (-log2 (eps));
}

typedef struct
{
  long g;
  mpfr_prec_t prec;
  double bound_abs, bound_rel, meas_abs, meas_rel, prev_abs, prev_rel;
} fit_t;

/* The least degree, its bounds and measured errors, and (if want_prev) the
   bounds at g - 1.  Returns a library status; FGA_ERR_COMPUTE when no degree
   up to GMAX meets eps.  */
static int
fit (fit_t *f, fga_basis basis, double R, double eps, int relative, size_t npts,
     int want_prev, fga_error *err)
{
  fga_expfit_t p;
  f->prev_abs = f->prev_rel = NAN;
  int rc = fga_expfit_least_degree (&f->g, basis, R, eps, relative, GMAX, err);
  if (rc != FGA_OK)
    return rc;
  f->prec = prec_for (R, eps);
  if ((rc = fga_expfit_init (p, basis, R, f->g, f->prec, err)) != FGA_OK)
    return rc;
  f->bound_abs = p->bound_abs;
  f->bound_rel = p->bound_rel;
  rc = fga_expfit_measure (&f->meas_abs, &f->meas_rel, p, npts, err);
  fga_expfit_clear (p);
  if (rc == FGA_OK && want_prev && f->g > 0)
    {
      if ((rc = fga_expfit_init (p, basis, R, f->g - 1, f->prec, err)) != FGA_OK)
        return rc;
      f->prev_abs = p->bound_abs;
      f->prev_rel = p->bound_rel;
      fga_expfit_clear (p);
    }
  return rc;
}

static int
run_single (double R, double eps, fga_basis basis, int relative, size_t npts,
            cli_format_t fmt)
{
  fga_error err;
  fga_error_init (&err);
  fit_t f;
  int rc = fit (&f, basis, R, eps, relative, npts, 1, &err);
  if (rc != FGA_OK)
    return cli_fail_err (&err);
  static const char *names[] = { "basis", "error", "R", "eps", "degree", "bound", "measured",
                                 "bound_at_g_minus_1", "aggarwal_alman", "bound_abs",
                                 "bound_rel", "measured_abs", "measured_rel", "prec",
                                 "points" };
  char b[64];
  cli_table_t t;
  cli_table_init (&t, sizeof names / sizeof names[0], names);
  cli_table_new_row (&t);
  cli_table_addf (&t, 0, "%s", fga_basis_name (basis));
  cli_table_addf (&t, 1, "%s", relative ? "relative" : "absolute");
  cli_table_addf (&t, 2, "%s", num (b, sizeof b, R));
  cli_table_addf (&t, 3, "%s", num (b, sizeof b, eps));
  cli_table_addf (&t, 4, "%ld", f.g);
  cli_table_addf (&t, 5, "%s", num (b, sizeof b, relative ? f.bound_rel : f.bound_abs));
  cli_table_addf (&t, 6, "%s", num (b, sizeof b, relative ? f.meas_rel : f.meas_abs));
  if (f.g > 0)
    cli_table_addf (&t, 7, "%s", num (b, sizeof b, relative ? f.prev_rel : f.prev_abs));
  cli_table_addf (&t, 8, "%s", num (b, sizeof b, fga_expfit_aggarwal_alman (R, eps)));
  cli_table_addf (&t, 9, "%s", num (b, sizeof b, f.bound_abs));
  cli_table_addf (&t, 10, "%s", num (b, sizeof b, f.bound_rel));
  cli_table_addf (&t, 11, "%s", num (b, sizeof b, f.meas_abs));
  cli_table_addf (&t, 12, "%s", num (b, sizeof b, f.meas_rel));
  cli_table_addf (&t, 13, "%ld", (long) f.prec);
  cli_table_addf (&t, 14, "%zu", npts);
  cli_table_print (&t, fmt, 1, stdout);
  cli_table_clear (&t);
  return CLI_OK;
}

static int
run_table (const double *Rs, size_t nR, const double *epss, size_t neps, int basis_sel,
           int relative, size_t npts, cli_format_t fmt, const char *csv_path)
{
  static const char *names[] = { "R", "eps", "basis", "error", "degree", "bound", "measured",
                                 "aggarwal_alman" };
  fga_basis bases[2] = { FGA_BASIS_TAYLOR, FGA_BASIS_CHEB };
  size_t b0 = basis_sel == 1 ? 1 : 0, b1 = basis_sel == 0 ? 1 : 2;
  size_t nb = b1 - b0;
  long *deg = calloc (nR * neps * 2, sizeof *deg);
  if (deg == NULL)
    return cli_fail (CLI_FAILED, "out of memory");
  cli_table_t t;
  cli_table_init (&t, sizeof names / sizeof names[0], names);
  fga_error err;
  fga_error_init (&err);
  int status = CLI_OK, missing = 0;
  char b[64];
  for (size_t i = 0; i < nR && status == CLI_OK; i++)
    for (size_t j = 0; j < neps && status == CLI_OK; j++)
      for (size_t k = b0; k < b1; k++)
        {
          fit_t f;
          int rc = fit (&f, bases[k], Rs[i], epss[j], relative, npts, 0, &err);
          cli_table_new_row (&t);
          cli_table_addf (&t, 0, "%s", num (b, sizeof b, Rs[i]));
          cli_table_addf (&t, 1, "%s", num (b, sizeof b, epss[j]));
          cli_table_addf (&t, 2, "%s", fga_basis_name (bases[k]));
          cli_table_addf (&t, 3, "%s", relative ? "relative" : "absolute");
          cli_table_addf (&t, 7, "%s",
                          num (b, sizeof b, fga_expfit_aggarwal_alman (Rs[i], epss[j])));
          deg[(i * neps + j) * 2 + k] = -1;
          if (rc == FGA_ERR_COMPUTE)
            {
              missing++;
              continue;
            }
          if (rc != FGA_OK)
            {
              status = cli_fail_err (&err);
              break;
            }
          deg[(i * neps + j) * 2 + k] = f.g;
          cli_table_addf (&t, 4, "%ld", f.g);
          cli_table_addf (&t, 5, "%s",
                          num (b, sizeof b, relative ? f.bound_rel : f.bound_abs));
          cli_table_addf (&t, 6, "%s", num (b, sizeof b, relative ? f.meas_rel : f.meas_abs));
        }
  /* A cell without a certified degree is no answer: nothing is printed or
     written then.  */
  if (status == CLI_OK && missing > 0)
    status = cli_fail (CLI_FAILED, "%d cells have no degree up to %ld that meets eps; nothing "
                       "was written", missing, GMAX);
  if (status == CLI_OK && csv_path != NULL)
    {
      cli_files_t files;
      fga_atomic_file af;
      cli_files_init (&files);
      cli_files_output (&files, csv_path, "--csv");
      int rc = cli_files_begin (&files, &err);
      if (rc == FGA_OK)
        rc = fga_atomic_open (&af, cli_files_tmp (&files, csv_path), &err);
      if (rc == FGA_OK)
        {
          cli_table_print (&t, CLI_CSV, 0, af.fp);
          rc = fga_atomic_commit (&af, &err);
        }
      if (cli_files_end (&files, rc, &err) != FGA_OK)
        status = cli_fail_err (&err);
    }
  if (status == CLI_OK && fmt != CLI_TABLE)
    cli_table_print (&t, fmt, 0, stdout);
  else if (status == CLI_OK)
    {
      printf ("Least degree g with certified %s error <= eps on [-R, R] (%s)\n\n",
              relative ? "relative" : "absolute",
              nb == 2 ? "taylor/cheb" : fga_basis_name (bases[b0]));
      printf ("| R |");
      for (size_t j = 0; j < neps; j++)
        printf (" eps = %s |", num (b, sizeof b, epss[j]));
      printf ("\n|---:|");
      for (size_t j = 0; j < neps; j++)
        printf ("---:|");
      printf ("\n");
      for (size_t i = 0; i < nR; i++)
        {
          printf ("| %s |", num (b, sizeof b, Rs[i]));
          for (size_t j = 0; j < neps; j++)
            {
              putchar (' ');
              for (size_t k = b0; k < b1; k++)
                {
                  long g = deg[(i * neps + j) * 2 + k];
                  if (k > b0)
                    putchar ('/');
                  if (g < 0)
                    printf (">%ld", GMAX);
                  else
                    printf ("%ld", g);
                }
              printf (" |");
            }
          printf ("\n");
        }
    }
  cli_table_clear (&t);
  free (deg);
  return status;
}

int
cli_expfit (int argc, char **argv)
{
  static const struct option opts[] = {
    { "R", required_argument, NULL, 'R' }, { "eps", required_argument, NULL, 'e' },
    { "basis", required_argument, NULL, 'b' }, { "abs", no_argument, NULL, 'a' },
    { "table", no_argument, NULL, 'T' }, { "csv", required_argument, NULL, 'c' },
    { "points", required_argument, NULL, 'n' }, { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
  };
  const char *Rtext = NULL, *epstext = NULL, *basis_text = NULL, *csv_path = NULL;
  int relative = 1, table = 0;
  size_t npts = 0;
  cli_format_t fmt = CLI_TABLE;
  int c, rc;

  optind = 1;
  while ((c = cli_getopt (argc, argv, "R:h", opts)) != -1)
    {
      rc = CLI_OK;
      switch (c)
        {
        case 'R': Rtext = optarg; break;
        case 'e': epstext = optarg; break;
        case 'b': basis_text = optarg; break;
        case 'a': relative = 0; break;
        case 'T': table = 1; break;
        case 'c': csv_path = optarg; break;
        case 'n': rc = cli_parse_size (&npts, optarg, "--points", 2, 1000000); break;
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 'h': fputs (usage, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (optind < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind]);
  if (Rtext == NULL || epstext == NULL)
    return cli_usage_error ("-R and --eps are required");
  if (csv_path != NULL && !table)
    return cli_usage_error ("--csv %s: only with --table", csv_path);
  if (csv_path != NULL)
    {
      cli_files_t files;
      cli_files_init (&files);
      cli_files_output (&files, csv_path, "--csv");
      if ((rc = cli_files_check (&files)) != CLI_OK)
        return rc;
    }

  /* 0 taylor, 1 cheb, 2 both.  */
  int basis_sel = table ? 2 : 1;
  if (basis_text != NULL)
    {
      if (strcmp (basis_text, "taylor") == 0)
        basis_sel = 0;
      else if (strcmp (basis_text, "cheb") == 0)
        basis_sel = 1;
      else if (table && strcmp (basis_text, "both") == 0)
        basis_sel = 2;
      else
        return cli_usage_error ("--basis %s: expected %s", basis_text,
                                table ? "both, cheb or taylor" : "cheb or taylor");
    }
  double Rs[MAX_LIST], epss[MAX_LIST];
  size_t nR, neps;
  if ((rc = parse_list (Rs, &nR, Rtext, "-R", 0, table)) != CLI_OK
      || (rc = parse_list (epss, &neps, epstext, "--eps", 1, table)) != CLI_OK)
    return rc;
  if (npts == 0)
    npts = table ? 1001 : 4001;
  if (table)
    return run_table (Rs, nR, epss, neps, basis_sel, relative, npts, fmt, csv_path);
  return run_single (Rs[0], epss[0], basis_sel == 0 ? FGA_BASIS_TAYLOR : FGA_BASIS_CHEB,
                     relative, npts, fmt);
}
