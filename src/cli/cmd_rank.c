/* fgattn rank -- singular values and numerical rank of the attention matrix P */

#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn rank -i DIR [--tol T1,T2,...] [--tau 1/d|1/sqrt(d)|X]\n"
  "                   [--algo auto|dense|randomized] [--kmax K] [--seed S]\n"
  "                   [--csv FILE] [--format table|csv|json]\n"
  "\n"
  "Prints, for each tolerance T, the numerical rank of P = softmax(tau Q K^T)\n"
  "of the instance in DIR: the number of its singular values sigma_i > T.  A\n"
  "tolerance is a non-negative number or 1/n, which means 1/nk; the default\n"
  "is 1/n.  beta = B / sqrt(ln nk) is the regime of the instance.  tau\n"
  "defaults to 1/d.\n"
  "\n"
  "--algo dense forms P and computes all r = min(nq, nk) singular values by\n"
  "LAPACK: memory 16 nq nk bytes, time growing like nq nk r.  --algo\n"
  "randomized never forms P: a randomized range finder with power iterations\n"
  "streams P by tiles recomputed from Q and K, with memory about\n"
  "8 (2 nq + 1.5 nk) l bytes for a sketch of l columns and time\n"
  "nq nk (d + l) per pass; every rank it prints is certified by a posteriori\n"
  "bounds (wrong with probability below 1e-10, theory/randomized-rank.md).\n"
  "A rank above K, or one the sketch of at most K + 16 columns cannot decide\n"
  "(a singular value too close to T), is censored: the table prints\n"
  "\">= R\", a lower bound, and CSV and JSON carry R with censored = 1 and an\n"
  "upper bound rank_hi.  --algo auto (the default) is dense when nq and nk\n"
  "are both <= 4096, randomized beyond.\n"
  "\n"
  "In fgattn-mpi (mpirun -np N fgattn-mpi rank ...), randomized (also when\n"
  "auto chooses it) spreads each pass over P, by blocks of rows and of keys,\n"
  "over the N processes, and rank 0 prints the same table, sigma estimates\n"
  "bit for bit; dense runs on rank 0 alone.\n"
  "\n"
  "Columns: tol, tol_value, rank, rank_max (= r), sigma_1, sigma_min (nan for\n"
  "randomized: the smallest singular value is not computed), tau, B, beta,\n"
  "algo, censored (0 or 1), rank_hi, sigma_next (sigma_{rank+1}: 0 when\n"
  "rank = r; for randomized, sigma_1 and sigma_next are the sketch's\n"
  "estimates, and sigma_next is nan past the sketch).\n"
  "\n"
  "  --kmax K     randomized: the largest rank resolved (default 1024; at most\n"
  "               r is used); ignored by dense\n"
  "  --seed S     randomized: seed of the random vectors (default 1)\n"
  "  --csv FILE   dense only: one row per k = 1..r: k, sigma_k and\n"
  "               eckart_young_fro = sqrt(sum_{i>k} sigma_i^2), the least\n"
  "               Frobenius error of any approximation of P of rank k\n"
  "\n"
  "example: fgattn rank -i inst --tol 1e-3,1/n --csv ey.csv\n"
  "         fgattn rank -i big --algo randomized --kmax 512\n";

/* dense while both sizes are at most this (--algo auto) */
#define AUTO_DENSE_MAX 4096
#define DEFAULT_KMAX 1024

typedef enum { ALGO_AUTO, ALGO_DENSE, ALGO_RANDOMIZED } algo_t;

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
          return cli_usage_error ("--tol %s: %s tolerance", list,
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
              int rc = cli_usage_error ("%s (a tolerance is 1/n or a non-negative finite "
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

typedef struct
{
  const char *dir, *csv;
  fga_tau tau;
  cli_format_t fmt;
  tol_t *tols;
  size_t ntols;
  algo_t algo;
  size_t kmax;
  unsigned long seed;
} rank_args;

/* One tolerance's result, from either algorithm.  */
typedef struct
{
  double tol;
  size_t rank, rank_hi;
  int censored;
  double sigma_next;
} rank_row;

typedef struct
{
  const char *algo;            /* "dense" or "randomized" */
  size_t r;                    /* min (nq, nk) */
  double sigma_1, sigma_min;
  rank_row *rows;              /* one per tolerance */
} rank_result;

static int
parse_algo (algo_t *algo, const char *text)
{
  if (strcmp (text, "auto") == 0)
    *algo = ALGO_AUTO;
  else if (strcmp (text, "dense") == 0)
    *algo = ALGO_DENSE;
  else if (strcmp (text, "randomized") == 0)
    *algo = ALGO_RANDOMIZED;
  else
    return cli_usage_error ("--algo %s: expected auto, dense or randomized", text);
  return CLI_OK;
}

/* The options into a; CLI_OK, or the exit status after the message (then
   a->tols is freed).  */
static int
parse_args (rank_args *a, int argc, char **argv)
{
  static const struct option opts[] = {
    { "tol", required_argument, NULL, 'T' }, { "tau", required_argument, NULL, 't' },
    { "csv", required_argument, NULL, 'c' }, { "format", required_argument, NULL, 'f' },
    { "algo", required_argument, NULL, 'a' }, { "kmax", required_argument, NULL, 'k' },
    { "seed", required_argument, NULL, 's' }, { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  fga_error err;
  int c, rc = CLI_OK;
  optind = 1;
  while (rc == CLI_OK && (c = cli_getopt (argc, argv, "i:h", opts)) != -1)
    switch (c)
      {
      case 'i': a->dir = optarg; break;
      case 'T':
        free (a->tols);
        a->tols = NULL;
        rc = parse_tols (&a->tols, &a->ntols, optarg);
        break;
      case 'c': a->csv = optarg; break;
      case 'f': rc = cli_parse_format (&a->fmt, optarg); break;
      case 'a': rc = parse_algo (&a->algo, optarg); break;
      case 'k': rc = cli_parse_size (&a->kmax, optarg, "--kmax", 1, SIZE_MAX); break;
      case 's': rc = cli_parse_ulong (&a->seed, optarg, "--seed", ULONG_MAX); break;
      case 't':
        if (fga_tau_parse (&a->tau, optarg, &err) != FGA_OK)
          rc = cli_usage_error ("--tau %s: %s", optarg, err.msg);
        break;
      case 'h': fputs (usage, stdout); rc = -1; break;
      default: rc = CLI_USAGE; break;
      }
  if (rc == CLI_OK && optind < argc)
    rc = cli_usage_error ("unexpected argument '%s'", argv[optind]);
  else if (rc == CLI_OK && a->dir == NULL)
    rc = cli_usage_error ("-i DIR is required");
  else if (rc == CLI_OK && a->csv != NULL && a->algo == ALGO_RANDOMIZED)
    rc = cli_usage_error ("--csv %s: the singular values it lists need --algo dense (the "
                          "randomized rank computes only those near the tolerances)", a->csv);
  if (rc == CLI_OK && a->tols == NULL)
    rc = parse_tols (&a->tols, &a->ntols, "1/n");
  if (rc != CLI_OK)
    {
      free (a->tols);
      a->tols = NULL;
    }
  return rc;
}

/* The algorithm for this instance, and the memory check: CLI_OK or the
   exit status after the message.  */
static int
choose (rank_args *a, size_t nq, size_t nk)
{
  if (a->algo == ALGO_AUTO)
    a->algo = nq <= AUTO_DENSE_MAX && nk <= AUTO_DENSE_MAX ? ALGO_DENSE : ALGO_RANDOMIZED;
  if (a->algo == ALGO_RANDOMIZED && a->csv != NULL)
    return cli_usage_error ("--csv %s: the singular values it lists need --algo dense (auto "
                            "chose randomized: nq = %zu, nk = %zu, one above %d)", a->csv, nq,
                            nk, AUTO_DENSE_MAX);
  char what[PATH_MAX + 128];
  double bytes;
  if (a->algo == ALGO_DENSE)
    {
      /* P itself and LAPACK's copy of it, at least.  */
      snprintf (what, sizeof what, "-i %s: the attention matrix P, %zu x %zu, and its SVD",
                a->dir, nq, nk);
      bytes = 16.0 * (double) nq * (double) nk;
    }
  else
    {
      /* The sketch of l = kmax + 16 columns: its basis and B (nq + nk) l
         doubles each way, one block of up to l / 2 columns and the probes,
         while a growing array is copied.  */
      double r = (double) (nq < nk ? nq : nk), l = fmin ((double) a->kmax + 16, r);
      snprintf (what, sizeof what, "-i %s: the randomized rank of the %zu x %zu matrix P, "
                "with --kmax %zu", a->dir, nq, nk, a->kmax);
      bytes = 8.0 * ((double) nq * (2 * l + 40) + (double) nk * (2 * l + 40)) + 64.0 * (1 << 20);
    }
  return cli_check_memory (bytes, what);
}

/* Whether this process prints and writes: always in fgattn, the farm's
   master in fgattn-mpi.  */
static int
master (void)
{
  return cli_farm == NULL || cli_farm->is_master (cli_farm);
}

static int
run_dense (rank_result *res, const rank_args *a, fga_instance_srcptr inst, cli_files_t *files,
           fga_error *err)
{
  const size_t nk = inst->K->rows, d = inst->Q->cols, r = res->r;
  double *sigma = calloc (r + 1, sizeof *sigma), *e = calloc (r + 1, sizeof *e);
  int rc = FGA_OK;
  if (sigma == NULL || e == NULL)
    {
      err->code = rc = FGA_ERR_NOMEM;
      snprintf (err->msg, sizeof err->msg, "out of memory for %zu singular values", r);
    }
  else
    rc = fga_attention_singular_values (sigma, inst->Q, inst->K, fga_tau_double (&a->tau, d),
                                        NULL, err);
  if (rc == FGA_OK && a->csv != NULL)
    {
      fga_eckart_young (e, sigma, r);
      if ((rc = cli_files_begin (files, err)) == FGA_OK)
        rc = write_csv (cli_files_tmp (files, a->csv), sigma, e, r, err);
    }
  if (rc == FGA_OK)
    {
      res->sigma_1 = r > 0 ? sigma[0] : NAN;
      res->sigma_min = r > 0 ? sigma[r - 1] : NAN;
      for (size_t k = 0; k < a->ntols; k++)
        {
          rank_row *row = &res->rows[k];
          row->tol = a->tols[k].inv_n ? 1.0 / (double) nk : a->tols[k].value;
          row->rank = row->rank_hi = fga_numerical_rank (sigma, r, row->tol);
          row->censored = 0;
          row->sigma_next = row->rank < r ? sigma[row->rank] : 0.0;
        }
    }
  free (sigma);
  free (e);
  return rc;
}

static int
run_randomized (rank_result *res, const rank_args *a, fga_instance_srcptr inst, fga_error *err)
{
  const size_t nk = inst->K->rows, d = inst->Q->cols, n = a->ntols;
  double *tol = calloc (n, sizeof *tol);
  fga_rank_estimate *est = calloc (n, sizeof *est);
  int rc = FGA_OK;
  if (tol == NULL || est == NULL)
    {
      err->code = rc = FGA_ERR_NOMEM;
      snprintf (err->msg, sizeof err->msg, "out of memory for %zu tolerances", n);
    }
  for (size_t k = 0; k < n && rc == FGA_OK; k++)
    tol[k] = a->tols[k].inv_n ? 1.0 / (double) nk : a->tols[k].value;
  fga_rank_opts o = { a->kmax, a->seed, 0, 0, 0 };
  fga_stats st;
  fga_stats_init (&st);
  const double tau = fga_tau_double (&a->tau, d);
  /* On a farm every process calls it; the master alone gets est.  */
  if (rc == FGA_OK)
    rc = cli_farm != NULL
      ? fga_attention_rank_farm (est, tol, n, inst->Q, inst->K, tau, &o, &st, cli_farm, err)
      : fga_attention_rank_randomized (est, tol, n, inst->Q, inst->K, tau, &o, &st, err);
  if (rc == FGA_OK && master ())
    {
      res->sigma_1 = fga_stats_get (&st, "sigma_1");
      res->sigma_min = NAN;
      for (size_t k = 0; k < n; k++)
        {
          rank_row *row = &res->rows[k];
          row->tol = tol[k];
          row->rank = est[k].rank;
          row->rank_hi = est[k].rank_hi;
          row->censored = est[k].censored;
          row->sigma_next = est[k].sigma_next;
        }
    }
  free (tol);
  free (est);
  return rc;
}

static void
print_result (const rank_result *res, const rank_args *a, fga_instance_srcptr inst, double beta)
{
  static const char *names[] = { "tol", "tol_value", "rank", "rank_max", "sigma_1",
                                 "sigma_min", "tau", "B", "beta", "algo", "censored",
                                 "rank_hi", "sigma_next" };
  char taus[64], b[6][64];
  fga_tau_format (taus, sizeof taus, &a->tau);
  cli_table_t t;
  cli_table_init (&t, sizeof names / sizeof names[0], names);
  for (size_t k = 0; k < a->ntols; k++)
    {
      const rank_row *row = &res->rows[k];
      cli_table_new_row (&t);
      cli_table_addf (&t, 0, "%s", a->tols[k].text);
      cli_table_addf (&t, 1, "%s", cli_num (b[0], sizeof b[0], row->tol));
      cli_table_addf (&t, 2, "%s%zu", row->censored && a->fmt == CLI_TABLE ? ">= " : "",
                      row->rank);
      cli_table_addf (&t, 3, "%zu", res->r);
      cli_table_addf (&t, 4, "%s", cli_num (b[1], sizeof b[1], res->sigma_1));
      cli_table_addf (&t, 5, "%s", cli_num (b[2], sizeof b[2], res->sigma_min));
      cli_table_addf (&t, 6, "%s", taus);
      cli_table_addf (&t, 7, "%s", cli_num (b[3], sizeof b[3], inst->B));
      cli_table_addf (&t, 8, "%s", cli_num (b[4], sizeof b[4], beta));
      cli_table_addf (&t, 9, "%s", res->algo);
      cli_table_addf (&t, 10, "%d", row->censored);
      cli_table_addf (&t, 11, "%zu", row->rank_hi);
      cli_table_addf (&t, 12, "%s", cli_num (b[5], sizeof b[5], row->sigma_next));
    }
  cli_table_print (&t, a->fmt, 0, stdout);
  cli_table_clear (&t);
}

int
cli_rank (int argc, char **argv)
{
  rank_args a = { NULL, NULL, { FGA_TAU_INV_D, 0 }, CLI_TABLE, NULL, 0, ALGO_AUTO,
                  DEFAULT_KMAX, 1 };
  int rc = parse_args (&a, argc, argv);
  if (rc != CLI_OK)
    return rc < 0 ? CLI_OK : rc;
  cli_files_t files;
  cli_files_init (&files);
  cli_files_input_dir (&files, a.dir, "-i", cli_instance_files);
  if (a.csv != NULL)
    cli_files_output (&files, a.csv, "--csv");
  fga_instance_t inst;
  if ((rc = cli_files_check (&files)) != CLI_OK || (rc = cli_read_instance (inst, a.dir)) != CLI_OK)
    {
      free (a.tols);
      return rc;
    }
  const size_t nq = inst->Q->rows, nk = inst->K->rows;
  rank_result res = { NULL, nq < nk ? nq : nk, NAN, NAN, calloc (a.ntols, sizeof (rank_row)) };
  fga_error err;
  fga_error_init (&err);
  int status = choose (&a, nq, nk);
  if (status == CLI_OK && res.rows == NULL)
    status = cli_fail (CLI_FAILED, "out of memory for %zu tolerances", a.ntols);
  if (status == CLI_OK)
    {
      res.algo = a.algo == ALGO_DENSE ? "dense" : "randomized";
      /* dense has no farm version: on a farm the master computes it alone */
      rc = FGA_OK;
      if (a.algo == ALGO_DENSE && master ())
        rc = run_dense (&res, &a, inst, &files, &err);
      else if (a.algo != ALGO_DENSE)
        rc = run_randomized (&res, &a, inst, &err);
      double beta = 0;
      if (rc == FGA_OK)
        rc = regime_beta (&beta, inst->B, nk, &err);
      rc = cli_files_end (&files, rc, &err);
      if (rc != FGA_OK)
        status = cli_fail_err (&err);
      else if (master ())
        print_result (&res, &a, inst, beta);
    }
  free (res.rows);
  free (a.tols);
  fga_instance_clear (inst);
  return status;
}
