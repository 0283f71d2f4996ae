/* fgattn plan -- degree, feature count and predicted cost of the polynomial method */

#include <config.h>

#include <errno.h>
#include <float.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn plan -n N -d D -B B --eps E|1/n [--nk M] [--dv DV] [--Bv BV]\n"
  "                   [--tau 1/d|1/sqrt(d)|X] [--basis cheb|taylor]\n"
  "                   [--radius apriori|data -i DIR] [--time]\n"
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
  "||V||_inf.  r_over_n and poly_over_exact\n"
  "are the quotients correctly rounded, printed to 6 digits in the table and\n"
  "17 in CSV and JSON; the reals given and derived print in the shortest form\n"
  "that reads back as the same double.\n"
  "\n"
  "The radius (column radius says which was used):\n"
  "  --radius apriori  (default) R = tau d B^2, which holds for every Q and K\n"
  "                    with entries in [-B, B], before any data.\n"
  "  --radius data -i DIR   R = the Cauchy-Schwarz radius tau max ||q_i||\n"
  "                    max ||k_j|| of the instance in DIR, rounded upward: the\n"
  "                    radius method poly takes with R=auto (its default), and\n"
  "                    so its degree.  On data it is usually well below\n"
  "                    tau d B^2 (uniform entries: 0.6 to 0.75 of it), and so\n"
  "                    are g, r and crossover_n.  d (and tau) must be the\n"
  "                    instance's; -d, -n, --nk, --dv, -B and --Bv default to\n"
  "                    its own.  The radius is held fixed at every n, also in\n"
  "                    the search for crossover_n.  The model can only take\n"
  "                    radii in the form tau d B^2 rounded upward, so R may be\n"
  "                    the data's radius raised by a few units in the last\n"
  "                    place: never smaller.\n"
  "--eps 1/n (or 1/n^C, n^-C) takes eps at each n: at -n for the counts, and\n"
  "at every n tried by the search for crossover_n, which is then the least n\n"
  "from which poly's count, with its degree at each n, stays below exact's\n"
  "(the last crossing below 2^63: the degree grows with n in steps, and at\n"
  "small n the counts may cross more than once); column eps_rule says fixed\n"
  "or the rule.\n"
  "\n"
  "--time adds the model in seconds on this machine, which is what decides\n"
  "where poly starts to pay: an operation count weighs exact's exps and\n"
  "scattered products the same as poly's DGEMM flops, and omits poly's fixed\n"
  "price (its certified fit and tables, about a millisecond), so the count's\n"
  "crossover_n can be several times off the one measured (fgattn bench poly).\n"
  "It measures the rates first, by small runs of the methods themselves\n"
  "(exact:algo=stream and poly at the model's degrees, n = 128 and 8192 or,\n"
  "where a run at 8192 would take long, 2048; the least of several runs\n"
  "each, with the threads the methods use here): a second or two, more with\n"
  "eps = 1/n (one measurement per degree met).  With -i DIR and --radius\n"
  "data its crossover came within 30% of the one fgattn bench poly measured\n"
  "(d = 8, B = 0.5 to 1.5, eps = 1e-6 and 1/n; experiments/plan-vs-bench.sh).\n"
  "Then, with nq queries and nk keys,\n"
  "  exact (seconds) = exact_fixed_s + exact_per_pair_s nq nk\n"
  "  poly  (seconds) = poly_fixed_s + poly_per_row_s (nq + nk) / 2\n"
  "(poly_fixed_s: prepare plus the run's fixed part), and the columns\n"
  "poly_seconds and exact_seconds (at -n, --nk), time_cheaper, and\n"
  "crossover_time_n (found as crossover_n is, from these times), the four\n"
  "rates, and time_degree_run: the degree poly was timed at, which is g\n"
  "unless r (dv + 1) > 2^19, when the largest degree below that was run and\n"
  "its per-feature costs scaled to r (when even degree 1 exceeds it, as\n"
  "with d = dv = 724, --time exits 1: no degree can be timed).  The rates\n"
  "are this machine's as it is\n"
  "now: on a loaded machine they are slower, and so is the prediction.\n"
  "\n"
  "fgattn plan --table (see fgattn plan --table --help) prints the same model\n"
  "for n = 2^8 .. 2^64 and B growing with n, without -n, -d and -B.\n"
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

/* A quotient for people (6 digits) or for CSV and JSON (17: it reads back
   as the same double).  */
static const char *
ratio_text (char *buf, size_t size, double x, cli_format_t fmt)
{
  if (fmt == CLI_TABLE && isfinite (x))
    snprintf (buf, size, "%.6g", x);
  else
    cli_num (buf, size, x);
  return buf;
}

/* A refusal of the library: values of the options that do not go
   together are a usage error (nothing else is read).  */
static int
opt_fail (const fga_error *err)
{
  return err->code == FGA_ERR_INPUT ? cli_usage_error ("%s", err->msg) : cli_fail_err (err);
}

/* eps_rule and radius come last: scripts that cut the columns before them
   by position keep working.  */
static const char *names[] = {
  "n", "nk", "d", "dv", "B", "Bv", "tau", "eps", "eps_rel", "R", "basis", "g", "bound_rel",
  "r", "r_alman_song", "r_over_n", "poly_mul", "poly_add", "poly_exp", "poly_div", "poly_cmp",
  "poly_total", "exact_mul", "exact_add", "exact_exp", "exact_div", "exact_cmp", "exact_total",
  "poly_over_exact", "cheaper", "crossover_n", "rounding_bound", "eps_rule", "radius"
};
#define NNAMES (sizeof names / sizeof names[0])
/* With --time, after them.  */
static const char *time_names[] = {
  "poly_seconds", "exact_seconds", "time_cheaper", "crossover_time_n", "exact_fixed_s",
  "exact_per_pair_s", "poly_fixed_s", "poly_per_row_s", "time_degree_run"
};
#define NTIME (sizeof time_names / sizeof time_names[0])

static int plan_table (int argc, char **argv);

/* What the model is computed from: the options, with the instance's
   values where -i gave one and an option did not.  */
typedef struct
{
  size_t n, nk, d, dv;
  double B, Bv;
  fga_accuracy eps;
  fga_tau tau;
  fga_basis basis;
  const char *dir;             /* -i, or NULL */
  int data;                    /* --radius data */
  double Rdata;                /* the instance's radius (data) */
  double Bmodel;               /* the B given to the model: B, or one whose R covers Rdata */
  int time;                    /* --time */
} plan_in;

/* --time: the time model's predictions (fga_time_model).  */
typedef struct
{
  fga_time_model tm;
  double poly_s, exact_s;      /* at -n and --nk */
  fga_time_rates rt;           /* the lines at -n's degree */
  mpz_t cross;                 /* crossover_time_n; 0: none below 2^62 */
} plan_time;

static int parse_eps (fga_accuracy *eps, const char *text);
static void plan_print (const plan_in *in, fga_poly_cost *pl, const plan_time *pt,
                        cli_format_t fmt);

/* The a-priori radius as fga_poly_cost_init rounds it (tau d B^2 times
   1 + 5u, one double up): only the search below uses it, and the radius
   the model then reports is checked against Rdata.  */
static double
apriori_R (double t, size_t d, double B)
{
  double R = t * (double) d * B * B;
  R *= 1 + 5 * (DBL_EPSILON / 2);
  return nextafter (R, INFINITY);
}

/* The least B (within a few steps of one double) whose a-priori radius
   is at least R: the model takes its radius as tau d B^2, so the data's
   radius goes in as such a B.  Radii below 2^-30 are raised to it, as
   poly raises them.  */
static double
model_B (double R, double t, size_t d)
{
  if (R < 0x1p-30)
    R = 0x1p-30;
  double B = sqrt (R / (t * (double) d));
  for (int k = 0; k < 64 && apriori_R (t, d, B) < R; k++)
    B = nextafter (B, INFINITY);
  for (int k = 0; k < 64 && B > 0 && apriori_R (t, d, nextafter (B, 0)) >= R; k++)
    B = nextafter (B, 0);
  return B;
}

/* The model at nq = n, nk keys, eps taken at n.  */
static int
model_at (fga_poly_cost *pl, const plan_in *in, size_t n, size_t nk, fga_error *err)
{
  double eps = fga_accuracy_at (&in->eps, (double) n);
  int rc = fga_poly_cost_init (pl, n, nk, in->d, in->dv, in->Bmodel, in->Bv, &in->tau, eps,
                               in->basis, err);
  if (rc == FGA_OK && in->data && !(pl->R >= in->Rdata))
    {
      fga_poly_cost_clear (pl);
      err->code = FGA_ERR_COMPUTE;
      snprintf (err->msg, sizeof err->msg, "the model's radius %.17g is below the data's "
                "%.17g (a bug)", pl->R, in->Rdata);
      return FGA_ERR_COMPUTE;
    }
  return rc;
}

/* Whether poly is cheaper than exact at nq = nk = n, by some measure.  */
typedef int (*cheaper_fn) (int *cheaper, const plan_in *in, size_t n, void *data,
                           fga_error *err);

/* By the total counts.  */
static int
count_cheaper (int *cheaper, const plan_in *in, size_t n, void *data, fga_error *err)
{
  (void) data;
  fga_poly_cost pl;
  int rc = model_at (&pl, in, n, n, err);
  if (rc != FGA_OK)
    return rc;
  *cheaper = mpz_cmp (pl.poly_total, pl.exact_total) < 0;
  fga_poly_cost_clear (&pl);
  return FGA_OK;
}

/* The time model's seconds at nq, nk, with the degree and radius of fixed,
   or (fixed NULL: eps depends on n) of the model at nq.  */
static int
time_at (double *poly_s, double *exact_s, fga_time_rates *rates, const plan_in *in,
         fga_time_model tm,
         const fga_poly_cost *fixed, size_t nq, size_t nk, fga_error *err)
{
  fga_poly_cost pl;
  int rc = FGA_OK;
  if (fixed == NULL && (rc = model_at (&pl, in, nq, nk, err)) != FGA_OK)
    return rc;
  const fga_poly_cost *use = fixed != NULL ? fixed : &pl;
  /* g = 0 (a constant is within eps: only at tiny n with eps = 1/n) is
     timed as g = 1, which poly can be asked for: an upper bound.  */
  fga_time_rates rt;
  rc = fga_time_model_rates (&rt, tm, use->g > 1 ? use->g : 1, use->R, err);
  *poly_s = rt.poly_fixed + rt.poly_per_row * ((double) nq + (double) nk) / 2;
  *exact_s = rt.exact_fixed + rt.exact_per_pair * (double) nq * (double) nk;
  if (rates != NULL)
    *rates = rt;
  if (fixed == NULL)
    fga_poly_cost_clear (&pl);
  return rc;
}

/* By the time model, eps depending on n: the degree at each n.  */
static int
time_cheaper (int *cheaper, const plan_in *in, size_t n, void *data, fga_error *err)
{
  double p, e;
  fga_time_rates rt;
  int rc = time_at (&p, &e, &rt, in, data, NULL, n, n, err);
  *cheaper = rc == FGA_OK && fga_time_rates_cheaper (&rt, n);
  return rc;
}

/* The least n from which poly stays cheaper (by `cheaper'), nq = nk = n.
   With eps depending on n the degree grows with n in steps, so the two
   may cross more than once at small n: the powers of two 2^0 .. 2^62 are
   tried, the last one at which poly is not cheaper found, and the
   crossing after it located by bisection (where they cross once: exact's
   n^2 against poly's n r with r constant between steps).  0 when poly is
   not cheaper at 2^62.  */
static int
crossover_search (mpz_ptr out, const plan_in *in, cheaper_fn cheaper_at, void *data,
                  fga_error *err)
{
  int k_last = -1, cheaper = 0, rc;
  for (int k = 0; k <= 62; k++)
    {
      if ((rc = cheaper_at (&cheaper, in, (size_t) 1 << k, data, err)) != FGA_OK)
        return rc;
      if (!cheaper)
        k_last = k;
    }
  mpz_set_ui (out, 0);
  if (k_last == 62)
    return FGA_OK;
  size_t hi = (size_t) 1 << (k_last + 1), lo = k_last < 0 ? 0 : (size_t) 1 << k_last;
  while (hi - lo > 1)
    {
      size_t mid = lo + (hi - lo) / 2;
      if ((rc = cheaper_at (&cheaper, in, mid, data, err)) != FGA_OK)
        return rc;
      if (cheaper)
        hi = mid;
      else
        lo = mid;
    }
  mpz_import (out, 1, -1, sizeof hi, 0, 0, &hi);
  return FGA_OK;
}

/* --time: measures the rates (a second or a few) and predicts.  */
static int
plan_time_compute (plan_time *pt, const plan_in *in, const fga_poly_cost *pl, fga_error *err)
{
  int rc = fga_time_model_create (&pt->tm, in->d, in->dv, &in->tau, in->basis, err);
  if (rc != FGA_OK)
    return rc;
  if ((rc = time_at (&pt->poly_s, &pt->exact_s, &pt->rt, in, pt->tm, pl, in->n, in->nk, err))
      != FGA_OK)
    return rc;
  if (in->eps.power != 0)
    return crossover_search (pt->cross, in, time_cheaper, pt->tm, err);
  /* eps fixed: one degree and radius at every n, the lines of -n */
  size_t c = fga_time_crossover (&pt->rt);
  mpz_import (pt->cross, 1, -1, sizeof c, 0, 0, &c);
  return FGA_OK;
}

/* -i DIR for --radius data: its radius, and its shapes and bounds where
   no option gave them.  An exit status.  */
static int
read_data (plan_in *in, int d_given)
{
  fga_instance_t inst;
  fga_instance_init (inst);
  int rc = cli_read_instance (inst, in->dir);
  if (rc != CLI_OK)
    return rc;
  size_t d = inst->Q->cols;
  if (d_given && in->d != d)
    rc = cli_usage_error ("-d %zu: the instance in %s has d = %zu, and its radius depends on d "
                          "(through tau)", in->d, in->dir, d);
  else
    {
      in->d = d;
      in->n = in->n > 0 ? in->n : inst->Q->rows;
      in->nk = in->nk > 0 ? in->nk : inst->K->rows;
      in->dv = in->dv > 0 ? in->dv : inst->V->cols;
      in->B = isnan (in->B) ? inst->B : in->B;
      in->Bv = isnan (in->Bv) ? inst->Bv : in->Bv;
      in->Rdata = fga_score_radius (inst->Q, inst->K, fga_tau_double (&in->tau, d));
      if (!isfinite (in->Rdata))
        rc = cli_usage_error ("--radius data: the radius of the instance in %s overflows",
                              in->dir);
    }
  fga_instance_clear (inst);
  return rc;
}

int
cli_plan (int argc, char **argv)
{
  static const struct option opts[] = {
    { "eps", required_argument, NULL, 'e' }, { "nk", required_argument, NULL, 'k' },
    { "dv", required_argument, NULL, 'v' }, { "Bv", required_argument, NULL, 'V' },
    { "tau", required_argument, NULL, 't' }, { "basis", required_argument, NULL, 'b' },
    { "format", required_argument, NULL, 'f' }, { "radius", required_argument, NULL, 'r' },
    { "instance", required_argument, NULL, 'i' }, { "help", no_argument, NULL, 'h' },
    { "time", no_argument, NULL, 'T' }, { NULL, 0, NULL, 0 }
  };
  plan_in in = { .B = NAN, .Bv = NAN, .tau = { FGA_TAU_INV_D, 0 }, .basis = FGA_BASIS_CHEB };
  int eps_given = 0;
  cli_format_t fmt = CLI_TABLE;
  fga_error err;
  fga_error_init (&err);
  int c, rc;

  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--table") == 0)
      return plan_table (argc, argv);

  optind = 1;
  while ((c = cli_getopt (argc, argv, "n:d:B:i:h", opts)) != -1)
    {
      rc = CLI_OK;
      switch (c)
        {
        case 'n': rc = cli_parse_size (&in.n, optarg, "-n", 1, SIZE_MAX); break;
        case 'k': rc = cli_parse_size (&in.nk, optarg, "--nk", 1, SIZE_MAX); break;
        case 'd': rc = cli_parse_size (&in.d, optarg, "-d", 1, SIZE_MAX); break;
        case 'v': rc = cli_parse_size (&in.dv, optarg, "--dv", 1, SIZE_MAX); break;
        case 'B': rc = cli_parse_positive (&in.B, optarg, "-B"); break;
        case 'V': rc = cli_parse_real (&in.Bv, optarg, "--Bv", 0, INFINITY, 0); break;
        case 'e': rc = parse_eps (&in.eps, optarg); eps_given = 1; break;
        case 't':
          if (fga_tau_parse (&in.tau, optarg, &err) != FGA_OK)
            rc = cli_usage_error ("%s", err.msg);
          break;
        case 'b':
          if (fga_basis_parse (&in.basis, optarg, &err) != FGA_OK)
            rc = cli_usage_error ("%s", err.msg);
          break;
        case 'r':
          if (strcmp (optarg, "apriori") == 0 || strcmp (optarg, "data") == 0)
            in.data = optarg[0] == 'd';
          else
            rc = cli_usage_error ("--radius '%s': expected apriori (tau d B^2) or data (the "
                                  "radius of the instance given by -i DIR)", optarg);
          break;
        case 'i': in.dir = optarg; break;
        case 'T': in.time = 1; break;
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 'h': fputs (usage, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (optind < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind]);
  if (in.data && in.dir == NULL)
    return cli_usage_error ("--radius data needs -i DIR, the instance whose radius is taken");
  if (!in.data && in.dir != NULL)
    return cli_usage_error ("-i %s: the instance is read for --radius data only", in.dir);
  if (in.data)
    {
      if (!eps_given)
        return cli_usage_error ("--eps is required");
      if ((rc = read_data (&in, in.d != 0)) != CLI_OK)
        return rc;
    }
  if (in.n == 0 || in.d == 0 || isnan (in.B) || !eps_given)
    return cli_usage_error ("-n, -d, -B and --eps are required");
  if (in.nk == 0)
    in.nk = in.n;
  if (in.dv == 0)
    in.dv = in.d;
  if (isnan (in.Bv))
    in.Bv = in.B;
  in.Bmodel = in.data ? model_B (in.Rdata, fga_tau_double (&in.tau, in.d), in.d) : in.B;

  fga_poly_cost pl;
  if (model_at (&pl, &in, in.n, in.nk, &err) != FGA_OK)
    return opt_fail (&err);
  if (in.eps.power != 0
      && crossover_search (pl.crossover_n, &in, count_cheaper, NULL, &err) != FGA_OK)
    {
      fga_poly_cost_clear (&pl);
      return opt_fail (&err);
    }
  plan_time pt;
  memset (&pt, 0, sizeof pt);
  mpz_init (pt.cross);
  rc = CLI_OK;
  if (in.time && plan_time_compute (&pt, &in, &pl, &err) != FGA_OK)
    rc = opt_fail (&err);
  else
    plan_print (&in, &pl, in.time ? &pt : NULL, fmt);
  fga_time_model_destroy (pt.tm);
  mpz_clear (pt.cross);
  fga_poly_cost_clear (&pl);
  return rc;
}

/* --eps: a number, or a rule in n (1/n, 1/n^C, n^-C).  */
static int
parse_eps (fga_accuracy *eps, const char *text)
{
  if (strchr (text, 'n') == NULL || strcmp (text, "inf") == 0 || strcmp (text, "nan") == 0)
    {
      memset (eps, 0, sizeof *eps);
      snprintf (eps->text, sizeof eps->text, "fixed");
      return cli_parse_positive (&eps->value, text, "--eps");
    }
  fga_error err;
  if (fga_accuracy_parse (eps, text, "--eps", &err) != FGA_OK)
    return cli_usage_error ("%s", err.msg);
  return CLI_OK;
}

/* The model's row: the table for people is vertical (quantity, value).  */
static void
plan_print (const plan_in *in, fga_poly_cost *pl, const plan_time *pt, cli_format_t fmt)
{
  int vertical = fmt == CLI_TABLE;
  static const char *kv[] = { "quantity", "value" };
  const char *all[NNAMES + NTIME];
  memcpy (all, names, sizeof names);
  memcpy (all + NNAMES, time_names, sizeof time_names);
  cli_table_t t;
  cli_table_init (&t, vertical ? 2 : NNAMES + (pt != NULL ? NTIME : 0), vertical ? kv : all);
  if (!vertical)
    cli_table_new_row (&t);
  size_t col = 0, k = 0;
  char b[64], taub[64], rb[320];
  fga_tau_format (taub, sizeof taub, &in->tau);
  const size_t sizes[4] = { in->n, in->nk, in->d, in->dv };
  for (int j = 0; j < 4; j++)
    {
      snprintf (b, sizeof b, "%zu", sizes[j]);
      add_s (&t, vertical, &col, names[k++], b);
    }
  add_d (&t, vertical, &col, names[k++], in->B);
  add_d (&t, vertical, &col, names[k++], in->Bv);
  add_s (&t, vertical, &col, names[k++], taub);
  add_d (&t, vertical, &col, names[k++], fga_accuracy_at (&in->eps, (double) in->n));
  add_d (&t, vertical, &col, names[k++], pl->eps_rel);
  add_d (&t, vertical, &col, names[k++], pl->R);
  add_s (&t, vertical, &col, names[k++], fga_basis_name (in->basis));
  snprintf (b, sizeof b, "%ld", pl->g);
  add_s (&t, vertical, &col, names[k++], b);
  add_d (&t, vertical, &col, names[k++], pl->bound_rel);
  add_z (&t, vertical, &col, names[k++], pl->r);
  add_z (&t, vertical, &col, names[k++], pl->r_as);
  mpz_t nz;
  mpz_init (nz);
  mpz_import (nz, 1, -1, sizeof in->n, 0, 0, &in->n);
  add_s (&t, vertical, &col, names[k++], ratio_text (b, sizeof b, cli_zratio (pl->r, nz), fmt));
  mpz_clear (nz);
  for (int j = 0; j < 5; j++)
    add_z (&t, vertical, &col, names[k++], pl->poly[j]);
  add_z (&t, vertical, &col, names[k++], pl->poly_total);
  for (int j = 0; j < 5; j++)
    add_z (&t, vertical, &col, names[k++], pl->exact[j]);
  add_z (&t, vertical, &col, names[k++], pl->exact_total);
  add_s (&t, vertical, &col, names[k++],
         ratio_text (b, sizeof b, cli_zratio (pl->poly_total, pl->exact_total), fmt));
  int cmp = mpz_cmp (pl->poly_total, pl->exact_total);
  add_s (&t, vertical, &col, names[k++], cmp < 0 ? "poly" : cmp > 0 ? "exact" : "equal");
  if (mpz_sgn (pl->crossover_n) > 0)
    add_z (&t, vertical, &col, names[k++], pl->crossover_n);
  else
    add_s (&t, vertical, &col, names[k++], "inf");
  add_d (&t, vertical, &col, names[k++], pl->rounding_bound);
  add_s (&t, vertical, &col, names[k++], in->eps.text);
  if (in->data)
    snprintf (rb, sizeof rb, "data: %s", in->dir);
  else
    snprintf (rb, sizeof rb, "apriori");
  add_s (&t, vertical, &col, names[k++], rb);
  if (pt != NULL)
    {
      k = 0;
      add_s (&t, vertical, &col, time_names[k++], ratio_text (b, sizeof b, pt->poly_s, fmt));
      add_s (&t, vertical, &col, time_names[k++], ratio_text (b, sizeof b, pt->exact_s, fmt));
      add_s (&t, vertical, &col, time_names[k++], pt->poly_s < pt->exact_s ? "poly" : "exact");
      if (mpz_sgn (pt->cross) > 0)
        add_z (&t, vertical, &col, time_names[k++], pt->cross);
      else
        add_s (&t, vertical, &col, time_names[k++], "inf");
      const double lines[4] = { pt->rt.exact_fixed, pt->rt.exact_per_pair, pt->rt.poly_fixed,
                                pt->rt.poly_per_row };
      for (int j = 0; j < 4; j++)
        add_s (&t, vertical, &col, time_names[k++], ratio_text (b, sizeof b, lines[j], fmt));
      snprintf (b, sizeof b, "%ld", pt->rt.g_run);
      add_s (&t, vertical, &col, time_names[k++], b);
    }
  cli_table_print (&t, fmt, 1, stdout);
  cli_table_clear (&t);
}

/* ------------------------------------------------------------------ */
/* fgattn plan --table: the asymptotic view (src/experiments/asymptotic.c). */

static const char table_usage[] =
  "usage: fgattn plan --table [--law L1,L2,...] [--beta B1,B2,...]\n"
  "                   [--eps E1,E2,...] [-d D] [--tau 1/d|1/sqrt(d)|X]\n"
  "                   [--basis cheb|taylor]\n"
  "                   [--n-min N] [--n-max N] [--n-step K] [--window W]\n"
  "                   [--format table|csv|json] [--plot DIR [--measured SWEEPDIR]]\n"
  "\n"
  "The polynomial method's degree and feature count as n grows, with no\n"
  "instance: for n = 2^k from --n-min to --n-max (every K-th power of two with\n"
  "--n-step K), each law f of --law, each beta of --beta and each accuracy of\n"
  "--eps, with B = beta f(n) the bound on the entries of Q and K, Bv = 1 the\n"
  "bound on those of V, and eps_a the target error on the output:\n"
  "  d          -d at n (default ceil(log2 n); also spelled --d); tau = --tau\n"
  "             at d (default 1/d)\n"
  "  B, R       B = beta f(n), R = tau d B^2 (as `fgattn plan', rounded upward)\n"
  "  eps_rel    eps_a / 2, plan's relative target eps_a / (2 Bv) at Bv = 1\n"
  "  g          the least degree certified within eps_rel of exp on [-R, R]: the\n"
  "             same function (fga_expfit_least_degree) plan and poly call\n"
  "  r          C(d + g, d), computed exactly; the table shows it exactly below\n"
  "             1e15, else with 4 digits (1.234e+56, and 1.234*10^456 beyond\n"
  "             1e300); CSV and JSON give it, and n, in full (exact integers:\n"
  "             a reader that holds numbers as doubles rounds them past 2^53)\n"
  "  log2_r     log2 r, correctly rounded\n"
  "  exp_global log_n r = log2 r / log2 n: r = n^exp_global\n"
  "  exp_local  d ln r / d ln n, as the least-squares slope of log2 r against\n"
  "             log2 n over the 2W + 1 powers of two 2^-W n .. 2^W n, W = --window\n"
  "             (default 8); local_points: how many of them are within the\n"
  "             limits below.  --window 1 gives the centred difference over a\n"
  "             factor 4, (log2 r(2n) - log2 r(n/2)) / 2, but g and d are whole\n"
  "             numbers, r moves in steps, and over a factor 4 one step of g\n"
  "             more or less swings it between about 0.25 and 1.45 (B = 1):\n"
  "             the wider window averages the steps out\n"
  "  r_lt_n     1 when r < n: fewer features than keys, so poly's O(n r dv)\n"
  "             undercuts exact attention's O(n^2 (d + dv))\n"
  "  beta_star  for the laws Theta(sqrt(log n)) (sqrt(ln n), (ln n)^(1/2)): the\n"
  "             least beta at which r >= n, at this n and eps, by bisection on\n"
  "             beta to a relative width of 1e-4 (r is nondecreasing in beta);\n"
  "             0 when r >= n at every beta, inf (JSON null) when no beta with\n"
  "             R <= 256 reaches it; empty for the other laws\n"
  "The table rounds B to 6 digits, log2_r and the exponents to 4 decimals and\n"
  "beta_star to 4 digits; CSV and JSON give every number with 17 significant\n"
  "digits (they read back as the same doubles).\n"
  "Laws (fgattn/core.h): 1, sqrt(ln n), ln n, (ln n)^P (P a number or a fraction\n"
  "in parentheses), each but 1 optionally followed by /ln(ln n); a list is\n"
  "separated by commas or semicolons (no law contains either).  Accuracies: a\n"
  "number, 1/n, 1/n^C or n^-C.  N: 2^K or a power of two written out.\n"
  "Defaults: --law '1,(ln n)^(1/4),sqrt(ln n)/ln(ln n),sqrt(ln n)' --beta 0.5,1\n"
  "--eps 1/n --n-min 2^8 --n-max 2^64 --basis cheb.  --n-max may go beyond 2^64\n"
  "(to 2^1023) while eps_a / 2 stays a normal double and R <= 1024; larger is\n"
  "refused, naming the largest that works.  Beyond 2^64 rows cost more (R in\n"
  "the hundreds makes each certified degree take up to seconds): use --n-step.\n"
  "\n"
  "What it shows (theory/transition.md, \"The asymptotic table\").  For\n"
  "B = o(sqrt(log n)), r = n^{o(1)}: the exponent falls towards 0, but very\n"
  "slowly.  At B = 1 and eps = 1/n, g grows like ln n / ln ln n and d like\n"
  "log2 n, so ln r / ln n decays like ln ln ln n / ln ln n: exp_local is still\n"
  "0.72 at n = 2^64 (0.87 at 2^20), where r = 1.3e17 = n / 144, and only\n"
  "--n-max 2^512 or 2^1000 shows it falling further (global exponent 0.63 at\n"
  "2^960); for (ln n)^(1/4) and sqrt(ln n)/ln(ln n) at beta = 1 it is still\n"
  "above 1 at 2^64.  For B = beta sqrt(ln n), R and g grow like ln n and r like\n"
  "n^e(beta): the exponent stays on a positive level that grows with beta\n"
  "(about 1.7 at beta = 0.5, 2.7 at beta = 1).  The rows are exact or\n"
  "certified for this method; the asymptotic statements are proved in the\n"
  "theory notes, not by the table.\n"
  "\n"
  "--plot DIR writes, per eps E (numbered 1, 2, ...), plan-r-E.dat/.gp (log2 r\n"
  "against log2 n, a curve per law and beta, and the line r = n) and\n"
  "plan-exponent-E.dat/.gp (exp_local against log2 n), and renders them to\n"
  "PNG and SVG when gnuplot is on PATH (as fgattn report).  --measured\n"
  "SWEEPDIR adds to plan-r-E the points of SWEEPDIR/cost.csv whose eps is E:\n"
  "r_cert = C(d + g_cert, d) and r_emp = C(d + g_emp, d) per law and beta, an\n"
  "open marker where g_emp was censored (the true r_emp is above).  Those use\n"
  "the data's radius, not tau d B^2, so they lie below the curves.\n"
  "\n"
  "example: fgattn plan --table --law 'sqrt(ln n)' --beta 0.25,0.5,1 --n-max 2^40\n";

/* Items of a list separated by any of seps, each given to take; an empty
   item is refused.  */
static int
each_item (const char *list, const char *seps, const char *option,
           int (*take) (void *, const char *, const char *), void *data)
{
  char item[256];
  const char *p = list;
  for (;;)
    {
      size_t len = strcspn (p, seps);
      if (len == 0 || len >= sizeof item)
        return cli_usage_error ("%s '%s': %s", option, list,
                                len == 0 ? "an empty item" : "an item too long");
      memcpy (item, p, len);
      item[len] = '\0';
      int rc = take (data, item, option);
      if (rc != CLI_OK || p[len] == '\0')
        return rc;
      p += len + 1;
    }
}

static int
count_check (size_t *n, const char *option)
{
  if (*n >= FGA_ASYM_MAX_LIST)
    return cli_usage_error ("%s: at most %d values", option, FGA_ASYM_MAX_LIST);
  return CLI_OK;
}

static int
take_law (void *data, const char *text, const char *option)
{
  fga_asym_config *c = data;
  fga_error err;
  if (count_check (&c->nlaws, option) != CLI_OK)
    return CLI_USAGE;
  if (fga_law_parse (&c->laws[c->nlaws], text, option, &err) != FGA_OK)
    return cli_usage_error ("%s", err.msg);
  c->nlaws++;
  return CLI_OK;
}

static int
take_beta (void *data, const char *text, const char *option)
{
  fga_asym_config *c = data;
  if (count_check (&c->nbeta, option) != CLI_OK)
    return CLI_USAGE;
  int rc = cli_parse_positive (&c->beta[c->nbeta], text, option);
  c->nbeta += rc == CLI_OK;
  return rc;
}

static int
take_eps (void *data, const char *text, const char *option)
{
  fga_asym_config *c = data;
  fga_error err;
  if (count_check (&c->neps, option) != CLI_OK)
    return CLI_USAGE;
  if (fga_accuracy_parse (&c->eps[c->neps], text, option, &err) != FGA_OK)
    return cli_usage_error ("%s", err.msg);
  c->neps++;
  return CLI_OK;
}

/* N = 2^K, or a power of two written as a number: K into *k.  */
static int
parse_pow2 (int *k, const char *text, const char *option)
{
  long K;
  double x;
  if (strncmp (text, "2^", 2) == 0)
    {
      fga_error err;
      if (fga_parse_long (&K, text + 2, 1, FGA_ASYM_KMAX, option, &err) != FGA_OK)
        return cli_usage_error ("%s %s: expected 2^K with K a whole number from 1 to %d",
                                option, text, FGA_ASYM_KMAX);
      *k = (int) K;
      return CLI_OK;
    }
  if (cli_parse_real (&x, text, option, 2, ldexp (1, FGA_ASYM_KMAX), 0) != CLI_OK)
    return CLI_USAGE;
  int e;
  if (frexp (x, &e) != 0.5)
    return cli_usage_error ("%s %s: n must be a power of two (2^K or its value)", option,
                            text);
  *k = e - 1;
  return CLI_OK;
}

static const char *table_names[] = {
  "law", "beta", "eps", "log2_n", "n", "d", "B", "R", "eps_rel", "g", "r", "log2_r",
  "exp_global", "exp_local", "local_points", "r_lt_n", "beta_star"
};
#define NTABLE (sizeof table_names / sizeof table_names[0])

/* An exact integer: for people as fga_asym_format_big (exact below 10^15,
   then 4 digits), in CSV and JSON in full.  */
static void
add_big (cli_table_t *t, size_t *col, mpz_srcptr z, cli_format_t fmt)
{
  char b[128];
  if (fmt == CLI_TABLE || mpz_sizeinbase (z, 10) < 16)
    {
      fga_asym_format_big (b, sizeof b, z);
      cli_table_addf (t, (*col)++, "%s", b);
    }
  else
    add_z (t, 0, col, NULL, z);
}

/* x with `digits' decimals for people, 17 significant digits in CSV and
   JSON (NaN as "nan", JSON null).  */
static void
add_fixed (cli_table_t *t, size_t *col, double x, const char *people, cli_format_t fmt)
{
  char b[64];
  if (fmt == CLI_TABLE && isfinite (x))
    snprintf (b, sizeof b, people, x);
  else
    cli_num (b, sizeof b, x);
  cli_table_addf (t, (*col)++, "%s", b);
}

static void
table_row (cli_table_t *t, const fga_asym_config *c, const fga_asym_row *row, cli_format_t fmt)
{
  size_t col = 0;
  cli_table_new_row (t);
  cli_table_addf (t, col++, "%s", c->laws[row->law].text);
  add_d (t, 0, &col, NULL, c->beta[row->beta]);
  cli_table_addf (t, col++, "%s", c->eps[row->eps].text);
  cli_table_addf (t, col++, "%d", row->k);
  mpz_t n;
  mpz_init (n);
  mpz_ui_pow_ui (n, 2, (unsigned long) row->k);
  add_big (t, &col, n, fmt);
  mpz_clear (n);
  cli_table_addf (t, col++, "%zu", row->d);
  add_fixed (t, &col, row->B, "%.6g", fmt);
  add_d (t, 0, &col, NULL, row->R);
  add_d (t, 0, &col, NULL, row->eps_rel);
  cli_table_addf (t, col++, "%ld", row->g);
  add_big (t, &col, row->r, fmt);
  add_fixed (t, &col, row->log2_r, "%.4f", fmt);
  add_fixed (t, &col, row->exp_global, "%.4f", fmt);
  add_fixed (t, &col, row->exp_local, "%.4f", fmt);
  cli_table_addf (t, col++, "%d", row->local_points);
  cli_table_addf (t, col++, "%d", row->r_below_n);
  if (isnan (row->beta_star))
    cli_table_addf (t, col++, "%s", "");
  else
    add_fixed (t, &col, row->beta_star, "%.4g", fmt);
}

/* The plots into DIR (with the measured points), rendered when gnuplot is
   there; all files replaced together.  */
static int
table_plots (const fga_asym_table *tab, const fga_asym_config *c, const char *dir,
             const char *measured)
{
  fga_error err;
  fga_error_init (&err);
  static const char *const none[] = { NULL };
  static const char *const cost[] = { "cost.csv", NULL };
  cli_files_t io;
  cli_files_init (&io);
  if (measured != NULL)
    cli_files_input_dir (&io, measured, "--measured", cost);
  cli_files_output_dir (&io, dir, "--plot", none);
  int rc = cli_files_check (&io);
  if (rc != CLI_OK)
    return rc;
  fga_asym_point *pts = NULL;
  size_t npts = 0, unmatched = 0;
  if (measured != NULL && fga_asym_measured_read (&pts, &npts, measured, &err) != FGA_OK)
    return cli_fail_err (&err);
  cli_install_signal_handlers ();
  rc = cli_files_begin (&io, &err);
  const char *tmp = cli_files_tmp (&io, dir);
  if (rc == FGA_OK)
    rc = fga_asym_plot_write (tab, c, pts, npts, tmp, &unmatched, &err);
  int plots = cli_gnuplot_found (), status = CLI_OK;
  size_t np = fga_asym_plot_count (c);
  static const char *const ext[] = { "dat", "gp", "png", "svg" };
  for (size_t i = 0; i < np && rc == FGA_OK && status == CLI_OK; i++)
    {
      char name[64], f[80];
      fga_asym_plot_name (name, sizeof name, c, i);
      if (plots)
        status = cli_gnuplot_render (tmp, name);
      for (int k = 0; k < (plots ? 4 : 2) && status == CLI_OK && rc == FGA_OK; k++)
        {
          snprintf (f, sizeof f, "%s.%s", name, ext[k]);
          rc = cli_files_add_name (&io, dir, f, &err);
        }
    }
  rc = cli_files_end (&io, rc == FGA_OK && status == CLI_OK ? FGA_OK : rc != FGA_OK ? rc
                      : FGA_ERR_COMPUTE, &err);
  fga_asym_points_free (pts);
  if (status != CLI_OK)
    return status;
  if (rc != FGA_OK)
    return cli_fail_err (&err);
  if (!plots)
    fprintf (stderr, "fgattn plan: gnuplot not found: the plots' .dat and .gp files are in %s, "
             "no images\n", dir);
  if (unmatched > 0)
    fprintf (stderr, "fgattn plan: %zu point%s of %s/cost.csv ha%s an eps not in --eps: not "
             "plotted\n", unmatched, unmatched == 1 ? "" : "s", measured,
             unmatched == 1 ? "s" : "ve");
  return CLI_OK;
}

static int
plan_table (int argc, char **argv)
{
  static const struct option opts[] = {
    { "table", no_argument, NULL, 'T' }, { "law", required_argument, NULL, 'L' },
    { "beta", required_argument, NULL, 'b' }, { "eps", required_argument, NULL, 'e' },
    { "d", required_argument, NULL, 'd' }, { "tau", required_argument, NULL, 't' },
    { "basis", required_argument, NULL, 'B' }, { "n-min", required_argument, NULL, 'm' },
    { "n-max", required_argument, NULL, 'M' }, { "n-step", required_argument, NULL, 's' },
    { "window", required_argument, NULL, 'w' }, { "format", required_argument, NULL, 'f' },
    { "plot", required_argument, NULL, 'p' }, { "measured", required_argument, NULL, 'x' },
    { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
  };
  fga_asym_config c;
  fga_asym_config_default (&c);
  int given_law = 0, given_beta = 0, given_eps = 0;
  const char *plot = NULL, *measured = NULL;
  cli_format_t fmt = CLI_TABLE;
  fga_error err;
  fga_error_init (&err);
  int ch, rc;
  long v;

  optind = 1;
  while ((ch = cli_getopt (argc, argv, "d:h", opts)) != -1)
    {
      rc = CLI_OK;
      switch (ch)
        {
        case 'T': break;
        case 'L':
          c.nlaws *= given_law++ > 0;
          rc = each_item (optarg, ",;", "--law", take_law, &c);
          break;
        case 'b':
          c.nbeta *= given_beta++ > 0;
          rc = each_item (optarg, ",", "--beta", take_beta, &c);
          break;
        case 'e':
          c.neps *= given_eps++ > 0;
          rc = each_item (optarg, ",", "--eps", take_eps, &c);
          break;
        case 'd':
          if (fga_asym_d_parse (&c, optarg, "-d", &err) != FGA_OK)
            rc = cli_usage_error ("%s", err.msg);
          break;
        case 't':
          if (fga_tau_parse (&c.tau, optarg, &err) != FGA_OK)
            rc = cli_usage_error ("%s", err.msg);
          break;
        case 'B':
          if (fga_basis_parse (&c.basis, optarg, &err) != FGA_OK)
            rc = cli_usage_error ("%s", err.msg);
          break;
        case 'm': rc = parse_pow2 (&c.kmin, optarg, "--n-min"); break;
        case 'M': rc = parse_pow2 (&c.kmax, optarg, "--n-max"); break;
        case 's':
          if ((rc = cli_parse_long (&v, optarg, "--n-step", 1, FGA_ASYM_KMAX)) == CLI_OK)
            c.kstep = (int) v;
          break;
        case 'w':
          if ((rc = cli_parse_long (&v, optarg, "--window", 1, 64)) == CLI_OK)
            c.window = (int) v;
          break;
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 'p': plot = optarg; break;
        case 'x': measured = optarg; break;
        case 'h': fputs (table_usage, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (optind < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind]);
  if (measured != NULL && plot == NULL)
    return cli_usage_error ("--measured %s: the points go on the plots; give --plot DIR",
                            measured);
  if (fga_asym_config_check (&c, &err) != FGA_OK)
    return opt_fail (&err);

  fga_asym_table tab;
  if (fga_asym_table_compute (&tab, &c, &err) != FGA_OK)
    return opt_fail (&err);
  cli_table_t t;
  cli_table_init (&t, NTABLE, table_names);
  for (size_t i = 0; i < tab.nrows; i++)
    table_row (&t, &c, &tab.rows[i], fmt);
  int status = plot != NULL ? table_plots (&tab, &c, plot, measured) : CLI_OK;
  /* the table once the plots are in place: nothing on stdout on failure */
  if (status == CLI_OK)
    cli_table_print (&t, fmt, 0, stdout);
  cli_table_clear (&t);
  fga_asym_table_clear (&tab);
  return status;
}
