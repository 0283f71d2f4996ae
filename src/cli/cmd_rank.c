/* fgattn rank -- singular values and numerical rank of the attention matrix P */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn rank -i DIR [--tol T1,T2,...] [--tau 1/d|1/sqrt(d)|X] [--csv FILE]\n"
  "                   [--format table|csv|json]\n"
  "\n"
  "Forms P = softmax(tau Q K^T) of the instance in DIR, computes its singular\n"
  "values sigma_1 >= ... >= sigma_r (r = min(nq, nk), by LAPACK: the cost grows\n"
  "like nq nk r), and prints for each tolerance T the numerical rank of P,\n"
  "the number of sigma_i > T.  A tolerance is a non-negative number or 1/n,\n"
  "which means 1/nk; the default is 1/n.  beta = B / sqrt(ln nk) is the\n"
  "regime of the instance.  --csv writes one row per k = 1..r: k, sigma_k and\n"
  "eckart_young_fro = sqrt(sum_{i>k} sigma_i^2), the least Frobenius error of\n"
  "any approximation of P of rank k.  tau defaults to 1/d.\n"
  "\n"
  "example: fgattn rank -i inst --tol 1e-3,1/n --csv ey.csv\n";

typedef struct
{
  char text[64];               /* as given, for the table */
  int inv_n;                   /* "1/n": 1/nk, known once the instance is read */
  double value;
} tol_t;

/* Splits a comma-separated list of tolerances; refuses empty items, words
   other than 1/n, negative and non-finite numbers.  */
static int
parse_tols (tol_t **out, size_t *count, const char *list)
{
  size_t n = 1;
  for (const char *p = list; *p != '\0'; p++)
    n += *p == ',';
  tol_t *t = calloc (n, sizeof *t);
  if (t == NULL)
    return cli_fail (CLI_FAILED, "out of memory for %zu tolerances", n);
  const char *p = list;
  for (size_t k = 0; k < n; k++)
    {
      const char *comma = strchr (p, ',');
      size_t len = comma != NULL ? (size_t) (comma - p) : strlen (p);
      if (len == 0 || len >= sizeof t[k].text)
        {
          free (t);
          return cli_fail (CLI_USAGE, "--tol %s: %s tolerance", list,
                           len == 0 ? "an empty" : "too long a");
        }
      memcpy (t[k].text, p, len);
      t[k].text[len] = '\0';
      if (strcmp (t[k].text, "1/n") == 0)
        t[k].inv_n = 1;
      else
        {
          fga_error err;
          if (fga_parse_real (&t[k].value, t[k].text, 0, INFINITY, 0, "--tol", &err) != FGA_OK)
            {
              int rc = cli_fail (CLI_USAGE, "%s (a tolerance is 1/n or a non-negative finite "
                                 "number)", err.msg);
              free (t);
              return rc;
            }
        }
      p = comma != NULL ? comma + 1 : p + len;
    }
  *out = t;
  *count = n;
  return CLI_OK;
}

/* beta = B / sqrt (ln nk) rounded to the nearest double, into *beta;
   FGA_ERR_COMPUTE (in err) when that is beyond the doubles.  In double,
   sqrt (ln 2) = 0.83 lets B / sqrt (ln 2) overflow for B near DBL_MAX, and
   three roundings leave an ulp or two; so the quotient is made in MPFR,
   whose exponent range holds it.  With ln, sqrt and the division each
   rounded to nearest at p bits, u = 2^-p:
     b = beta (1 + c) / ((1 + a)^(1/2) (1 + b')),  |a|, |b'|, |c| <= u,
   so |b - beta| <= ((1 + u) (1 - u)^(-3/2) - 1) |beta| < 3u |beta|
   < 2^(EXP(b) - p + 2), and Ziv's loop raises p until that interval
   rounds to one double (ln nk is irrational for nk >= 2, so beta is not a
   midpoint unless B = 0, where it is exactly 0).  nk = 1 gives ln 1 = 0
   and beta = B / 0, +Inf, as the formula says.  */
static int
regime_beta (double *beta, double B, size_t nk, fga_error *err)
{
  if (nk < 2 || !isfinite (B) || B == 0)
    {
      *beta = B / sqrt (log ((double) nk));
      return FGA_OK;
    }
  mpfr_t b, l;
  mpfr_prec_t p = 64;
  mpfr_inits2 (p, b, l, (mpfr_ptr) 0);
  for (;;)
    {
      mpfr_set_uj (l, (uintmax_t) nk, MPFR_RNDN);       /* exact: p >= 64 */
      mpfr_log (l, l, MPFR_RNDN);
      mpfr_sqrt (l, l, MPFR_RNDN);
      mpfr_set_d (b, B, MPFR_RNDN);                     /* exact: p >= 53 */
      mpfr_div (b, b, l, MPFR_RNDN);
      if (mpfr_can_round (b, p - 2, MPFR_RNDN, MPFR_RNDZ, 53 + 1))
        break;
      p *= 2;
      mpfr_set_prec (b, p);
      mpfr_set_prec (l, p);
    }
  *beta = mpfr_get_d (b, MPFR_RNDN);
  long e = (long) mpfr_get_exp (b);
  mpfr_clears (b, l, (mpfr_ptr) 0);
  if (isinf (*beta))
    {
      err->code = FGA_ERR_COMPUTE;
      snprintf (err->msg, sizeof err->msg, "the regime beta = B / sqrt (ln nk) = %.17g / "
                "sqrt (ln %zu) is 2^%ld or more, beyond the largest double (1.8e308)", B, nk,
                e - 1);
      return FGA_ERR_COMPUTE;
    }
  return FGA_OK;
}

static int
write_csv (const char *path, const double *sigma, const double *e, size_t r, fga_error *err)
{
  fga_atomic_file af;
  int rc = fga_atomic_open (&af, path, err);
  if (rc != FGA_OK)
    return rc;
  fprintf (af.fp, "k,sigma_k,eckart_young_fro\n");
  for (size_t k = 1; k <= r; k++)
    fprintf (af.fp, "%zu,%.17g,%.17g\n", k, sigma[k - 1], e[k]);
  return fga_atomic_commit (&af, err);
}

int
cli_rank (int argc, char **argv)
{
  static const struct option opts[] = {
    { "tol", required_argument, NULL, 'T' }, { "tau", required_argument, NULL, 't' },
    { "csv", required_argument, NULL, 'c' }, { "format", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
  };
  const char *dir = NULL, *csv = NULL;
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  cli_format_t fmt = CLI_TABLE;
  tol_t *tols = NULL;
  size_t ntols = 0;
  fga_error err;
  fga_error_init (&err);
  int c, rc;

  optind = 1;
  while ((c = getopt_long (argc, argv, "i:h", opts, NULL)) != -1)
    {
      rc = CLI_OK;
      switch (c)
        {
        case 'i': dir = optarg; break;
        case 'T':
          free (tols);
          tols = NULL;
          rc = parse_tols (&tols, &ntols, optarg);
          break;
        case 'c': csv = optarg; break;
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 't':
          if (fga_tau_parse (&tau, optarg, &err) != FGA_OK)
            rc = cli_fail (CLI_USAGE, "--tau %s: %s", optarg, err.msg);
          break;
        case 'h': free (tols); fputs (usage, stdout); return CLI_OK;
        default: free (tols); fputs (usage, stderr); return CLI_USAGE;
        }
      if (rc != CLI_OK)
        {
          free (tols);
          return rc;
        }
    }
  if (optind < argc)
    {
      free (tols);
      return cli_fail (CLI_USAGE, "unexpected argument '%s'", argv[optind]);
    }
  if (dir == NULL)
    {
      free (tols);
      return cli_fail (CLI_USAGE, "-i DIR is required (fgattn rank --help)");
    }
  if (tols == NULL && (rc = parse_tols (&tols, &ntols, "1/n")) != CLI_OK)
    return rc;
  cli_files_t files;
  cli_files_init (&files);
  cli_files_input_dir (&files, dir, "-i", cli_instance_files);
  if (csv != NULL)
    cli_files_output (&files, csv, "--csv");
  if ((rc = cli_files_check (&files)) != CLI_OK)
    {
      free (tols);
      return rc;
    }

  fga_instance_t inst;
  if ((rc = cli_read_instance (inst, dir)) != CLI_OK)
    {
      free (tols);
      return rc;
    }
  const size_t nq = inst->Q->rows, nk = inst->K->rows, d = inst->Q->cols;
  /* P itself and LAPACK's copy of it, at least.  */
  char what[128];
  snprintf (what, sizeof what, "-i %s: the attention matrix P, %zu x %zu, and its SVD", dir,
            nq, nk);
  if ((rc = cli_check_memory (16.0 * (double) nq * (double) nk, what)) != CLI_OK)
    {
      free (tols);
      fga_instance_clear (inst);
      return rc;
    }
  const size_t r = nq < nk ? nq : nk;
  double *sigma = calloc (r + 1, sizeof *sigma), *e = calloc (r + 1, sizeof *e);
  fga_stats st;
  fga_stats_init (&st);
  if (sigma == NULL || e == NULL)
    {
      err.code = rc = FGA_ERR_NOMEM;
      snprintf (err.msg, sizeof err.msg, "out of memory for %zu singular values", r);
    }
  else
    rc = fga_attention_singular_values (sigma, inst->Q, inst->K, fga_tau_double (&tau, d), &st,
                                        &err);
  if (rc == FGA_OK)
    fga_eckart_young (e, sigma, r);
  double beta = 0;
  if (rc == FGA_OK)
    rc = regime_beta (&beta, inst->B, nk, &err);
  if (rc == FGA_OK && csv != NULL)
    rc = cli_files_begin (&files, &err);
  if (rc == FGA_OK && csv != NULL)
    rc = write_csv (cli_files_tmp (&files, csv), sigma, e, r, &err);
  rc = cli_files_end (&files, rc, &err);

  int status = CLI_OK;
  if (rc != FGA_OK)
    status = cli_fail_err (&err);
  else
    {
      static const char *names[] = { "tol", "tol_value", "rank", "rank_max", "sigma_1",
                                     "sigma_min", "tau", "B", "beta" };
      char taus[64], b[5][64];
      fga_tau_format (taus, sizeof taus, &tau);
      cli_table_t t;
      cli_table_init (&t, sizeof names / sizeof names[0], names);
      for (size_t k = 0; k < ntols; k++)
        {
          double tol = tols[k].inv_n ? 1.0 / (double) nk : tols[k].value;
          cli_table_new_row (&t);
          cli_table_addf (&t, 0, "%s", tols[k].text);
          cli_table_addf (&t, 1, "%s", cli_num (b[0], sizeof b[0], tol));
          cli_table_addf (&t, 2, "%zu", fga_numerical_rank (sigma, r, tol));
          cli_table_addf (&t, 3, "%zu", r);
          cli_table_addf (&t, 4, "%s", cli_num (b[1], sizeof b[1], sigma[0]));
          cli_table_addf (&t, 5, "%s", cli_num (b[2], sizeof b[2], sigma[r - 1]));
          cli_table_addf (&t, 6, "%s", taus);
          cli_table_addf (&t, 7, "%s", cli_num (b[3], sizeof b[3], inst->B));
          cli_table_addf (&t, 8, "%s", cli_num (b[4], sizeof b[4], beta));
        }
      cli_table_print (&t, fmt, 0, stdout);
      cli_table_clear (&t);
    }
  free (sigma);
  free (e);
  free (tols);
  fga_instance_clear (inst);
  return status;
}
