/* fga_time_model -- poly against exact attention in seconds, from rates measured on this machine

   `fgattn plan' counts operations, and a count is not a time: exact
   attention's pairs each cost an exp and 2 (d + dv) flops of a kernel that
   is not a DGEMM, poly's features cost flops at nearly the DGEMM rate, and
   poly pays a fixed price (the certified fit and its per-feature tables,
   about a millisecond) that the counts omit and that decides the crossover
   when it lies at small n.  The time model replaces each count by the time
   of the code that performs it, measured here by small runs of the methods
   themselves on generated instances of the same d and dv:

     exact (nq, nk)        = a_e + e nq nk
     poly (nq, nk; g, R)   = p_g + a_g + b_g (nq + nk) / 2

   e and a_e from exact:algo=stream (the fastest exact kernel) at n = N1 and
   N3 (N2 when a run at N3 would take long), nq = nk = n; p_g, the seconds
   of prepare (the degree's certified fit, its tables) at degree g, and
   a_g, b_g from poly's runs at degree g at the same sizes.  poly's work is
   linear in nq + nk and exact's in nq nk (theory/upper-bound.md, lemma
   7), so two sizes fix each line: the smallest for the fixed parts, the
   largest affordable for the rates, which fall as the data outgrow the
   caches.  A time is the least of several runs (the least is the one
   least disturbed by other work on the machine).  Each degree is
   measured once and kept.

   A degree whose r (dv + 1) exceeds WORK_CAP is not run: the largest
   degree g' below it that fits is, and p, b are scaled by r_g / r_g' (both
   proportional to r at large r: the tables, and the products U2^T [V 1]
   and U1 M); the caller is told which degree was run.  The time does not
   depend on R (only the coefficients do), so a degree is measured at the
   first R asked with it, and every degree above the cap shares the
   measurement of the one run.  When even degree 1 exceeds it (d and dv
   in the hundreds), no degree can be run and the model is refused.  */

#include "core/fga-impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N1 128
#define N2 2048
#define N3 8192
#define N3_SECONDS 0.25                /* the longest run made at N3 */
#define WORK_CAP ((size_t) 1 << 19)   /* r (dv + 1) of the largest degree run */
#define MIN_SECONDS 0.2               /* the runs of one timing fill at least this */
#define MIN_RUNS 5
#define MAX_RUNS 20

typedef struct
{
  long g;                      /* the degree run */
  double p, a, b;              /* prepare; the run's line in (nq + nk) / 2 */
} degree_rates;

struct fga_time_model_struct
{
  size_t d, dv;
  fga_tau tau;
  fga_basis basis;
  double a_e, e;
  degree_rates *deg;
  size_t ndeg, cap;
  fga_instance_t inst[3];      /* at N1, N2, N3 (drawn when first used) */
  double inst_R;               /* the a-priori radius of the instances */
};

/* The least time of fn over MIN_RUNS .. MAX_RUNS calls (after one not
   counted), as many as fill MIN_SECONDS.  */
typedef int (*timed_fn) (void *data, fga_error *err);

static int
least_time (double *t, timed_fn fn, void *data, fga_error *err)
{
  int rc = fn (data, err);
  double best = INFINITY, spent = 0;
  for (int k = 0; rc == FGA_OK && k < MAX_RUNS && (k < MIN_RUNS || spent < MIN_SECONDS); k++)
    {
      double t0 = fga_wall_time ();
      rc = fn (data, err);
      double dt = fga_wall_time () - t0;
      spent += dt;
      if (dt < best)
        best = dt;
    }
  *t = best;
  return rc;
}

/* One run of a prepared method on an instance.  */
typedef struct
{
  fga_method m;
  fga_instance_srcptr inst;
  fga_mat_ptr T;
} run_job;

static int
run_once (void *data, fga_error *err)
{
  run_job *j = data;
  return fga_method_run (j->m, j->T, NULL, j->inst->Q, j->inst->K, j->inst->V, NULL, err);
}

/* One prepare of a fresh method (what a run of poly pays once).  */
typedef struct
{
  const char *spec;
  const fga_problem *prob;
} prep_job;

static int
prepare_once (void *data, fga_error *err)
{
  prep_job *j = data;
  fga_method m = fga_method_create (j->spec, err);
  if (m == NULL)
    return err->code;
  int rc = fga_method_prepare (m, j->prob, err);
  fga_method_destroy (m);
  return rc;
}

/* The line a + s x through (x1, t1) and (x2, t2), x1 < x2, with a >= 0
   and s >= 0: noise may make the measured times inconsistent with a
   nonnegative overhead, and a time model must never go negative.  */
static void
line (double *a, double *s, double x1, double t1, double x2, double t2)
{
  *s = (t2 - t1) / (x2 - x1);
  *a = t1 - *s * x1;
  if (!(*s > 0) || !(*a >= 0))
    {
      *a = 0;
      *s = t2 / x2;
    }
}

/* The least time of a run of spec on the instance k (drawn now if it is
   not yet), and, when prep is not NULL, of a prepare for it.  */
static int
time_at_size (double *t, double *prep, fga_time_model tm, int k, const char *spec,
              fga_error *err)
{
  static const size_t sizes[3] = { N1, N2, N3 };
  int rc = FGA_OK;
  fga_instance_ptr inst = tm->inst[k];
  if (inst->Q->rows == 0
      && (rc = fga_instance_generate (inst, sizes[k], sizes[k], tm->d, tm->dv, 1.0, 1.0,
                                      FGA_DIST_UNIFORM, (unsigned long) k + 1, err)) != FGA_OK)
    return rc;
  fga_problem prob;
  fga_mat_t T;
  if ((rc = fga_problem_from_matrices (&prob, inst->Q, inst->K, inst->V, &tm->tau, err))
      != FGA_OK)
    return rc;
  if ((rc = fga_mat_init (T, inst->nq, inst->dv, err)) != FGA_OK)
    return rc;
  fga_method m = fga_method_create (spec, err);
  if (m == NULL)
    rc = err->code;
  else if ((rc = fga_method_prepare (m, &prob, err)) == FGA_OK)
    {
      run_job j = { m, inst, T };
      rc = least_time (t, run_once, &j, err);
    }
  if (rc == FGA_OK && prep != NULL)
    {
      prep_job j = { spec, &prob };
      rc = least_time (prep, prepare_once, &j, err);
    }
  fga_method_destroy (m);
  fga_mat_clear (T);
  return rc;
}

/* The line of spec's run time against x (x[k] at size k): through its
   times at N1 and N2, or at N1 and N3 when a run at N3, predicted by
   growth times the one at N2, takes at most N3_SECONDS.  The rates at a
   size nearer the crossovers that matter: per pair and per row, both
   methods run slower at 8192 than at 2048 (caches), by 10 to 30% here.
   prep (if not NULL): prepare's least time at N2.  */
static int
time_line (double *a, double *s, double *prep, fga_time_model tm, const char *spec,
           const double x[3], double growth, fga_error *err)
{
  double t[3];
  int rc = time_at_size (&t[0], NULL, tm, 0, spec, err);
  if (rc == FGA_OK)
    rc = time_at_size (&t[1], prep, tm, 1, spec, err);
  int hi = 1;
  if (rc == FGA_OK && t[1] * growth <= N3_SECONDS)
    {
      rc = time_at_size (&t[2], NULL, tm, 2, spec, err);
      hi = 2;
    }
  if (rc == FGA_OK)
    line (a, s, x[0], t[0], x[hi], t[hi]);
  return rc;
}

static size_t
features (size_t d, long g)
{
  size_t r;
  fga_error local;
  return fga_monomial_count (&r, d, g, &local) == FGA_OK ? r : SIZE_MAX;
}

int
fga_time_model_create (fga_time_model *out, size_t d, size_t dv, const fga_tau *tau,
                       fga_basis basis, fga_error *err)
{
  *out = NULL;
  if (d == 0 || dv == 0 || tau == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_time_model_create: d = %zu and dv = %zu "
                          "must be at least 1, tau not NULL", d, dv);
  double t = fga_tau_double (tau, d);
  if (!(t > 0) || !isfinite (t))
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_time_model_create: tau = %g must be "
                          "positive and finite", t);
  /* Poly's least degree must be one the model can run: at degree 1,
     r (dv + 1) = (d + 1)(dv + 1), and a run above WORK_CAP would take
     minutes (d = dv = 10^5 asks 10^13 flops of one run at n = 2048), with
     no smaller degree to scale from.  */
  if (features (d, 1) > WORK_CAP / (dv + 1))
    return fgap_error_set (err, FGA_ERR_COMPUTE, "fga_time_model_create: d = %zu and "
                          "dv = %zu are too wide to time: poly's degree 1 holds "
                          "(d + 1)(dv + 1) = %.17g features times value columns, above the "
                          "%zu the model runs in seconds (d = dv = %zu at most)", d, dv,
                          ((double) d + 1) * ((double) dv + 1), WORK_CAP,
                          (size_t) sqrt ((double) WORK_CAP) - 1);
  fga_time_model tm = fgap_calloc (1, sizeof *tm, "the time model", err);
  if (tm == NULL)
    return FGA_ERR_NOMEM;
  tm->d = d;
  tm->dv = dv;
  tm->tau = *tau;
  tm->basis = basis;
  for (int k = 0; k < 3; k++)
    fga_instance_init (tm->inst[k]);
  /* Entries in [-1, 1]: the a-priori radius tau d bounds every score, and
     a degree asked at a larger R runs at this one (the time does not
     depend on R).  */
  tm->inst_R = t * (double) d;
  const double pairs[3] = { (double) N1 * N1, (double) N2 * N2, (double) N3 * N3 };
  int rc = time_line (&tm->a_e, &tm->e, NULL, tm, "exact:algo=stream", pairs, 16, err);
  if (rc != FGA_OK)
    {
      fga_time_model_destroy (tm);
      return rc;
    }
  *out = tm;
  return FGA_OK;
}

void
fga_time_model_destroy (fga_time_model tm)
{
  if (tm == NULL)
    return;
  for (int k = 0; k < 3; k++)
    fga_instance_clear (tm->inst[k]);
  free (tm->deg);
  free (tm);
}

/* The rates of the degree g_run, measured now or earlier.  */
static int
measured_at (degree_rates **out, fga_time_model tm, long g_run, double R, fga_error *err)
{
  for (size_t i = 0; i < tm->ndeg; i++)
    if (tm->deg[i].g == g_run)
      {
        *out = &tm->deg[i];
        return FGA_OK;
      }
  if (tm->ndeg == tm->cap)
    {
      size_t cap = tm->cap ? 2 * tm->cap : 8;
      degree_rates *p = realloc (tm->deg, cap * sizeof *p);
      if (p == NULL)
        return fgap_error_set (err, FGA_ERR_NOMEM, "the time model: out of memory");
      tm->deg = p;
      tm->cap = cap;
    }
  if (R > 1024)
    R = 1024;                  /* poly's largest; the time does not depend on R */
  if (R < tm->inst_R)
    R = tm->inst_R;            /* the instances' scores must lie within it */
  char spec[160];
  snprintf (spec, sizeof spec, "poly:deg=%ld,R=%.17g,basis=%s", g_run, R,
            fga_basis_name (tm->basis));
  static const double rows[3] = { N1, N2, N3 };
  double a, b, p;
  int rc = time_line (&a, &b, &p, tm, spec, rows, 4, err);
  if (rc != FGA_OK)
    return rc;
  degree_rates *dr = &tm->deg[tm->ndeg++];
  dr->g = g_run;
  dr->p = p;
  dr->a = a;
  dr->b = b;
  *out = dr;
  return FGA_OK;
}

int
fga_time_model_rates (fga_time_rates *rt, fga_time_model tm, long g, double R, fga_error *err)
{
  if (g < 1 || !(R > 0))
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_time_model_rates: degree %ld and radius %g "
                          "must be positive", g, R);
  long gr = g;
  while (gr > 1 && features (tm->d, gr) > WORK_CAP / (tm->dv + 1))
    gr--;
  degree_rates *dr = NULL;
  int rc = measured_at (&dr, tm, gr, R, err);
  if (rc != FGA_OK)
    return rc;
  const double scale = (double) features (tm->d, g) / (double) features (tm->d, gr);
  rt->exact_fixed = tm->a_e;
  rt->exact_per_pair = tm->e;
  rt->poly_fixed = scale * dr->p + dr->a;
  rt->poly_per_row = scale * dr->b;
  rt->g_run = gr;
  return FGA_OK;
}

/* Whether poly's predicted time is below exact's at nq = nk = n.  */
int
fga_time_rates_cheaper (const fga_time_rates *rt, size_t n)
{
  const double x = (double) n;
  return rt->poly_fixed + rt->poly_per_row * x < rt->exact_fixed + rt->exact_per_pair * x * x;
}

size_t
fga_time_crossover (const fga_time_rates *rt)
{
  /* poly is cheaper where q (n) = e n^2 - b n + (a_e - p) > 0: beyond the
     larger root of q, everywhere if it has none.  The root in long
     double, then the integer after it settled by the comparison in double
     that fga_time_rates_cheaper makes (the two differ by rounding only).  */
  const long double e = rt->exact_per_pair, b = rt->poly_per_row;
  const long double k = (long double) rt->exact_fixed - rt->poly_fixed;
  if (!(e > 0))
    return 0;
  const long double disc = b * b - 4 * e * k;
  const long double root = disc < 0 ? 0 : (b + sqrtl (disc)) / (2 * e);
  if (!(root < 0x1p62L))
    return 0;
  size_t c = (size_t) floorl (root) + 1;
  while (c > 1 && (long double) c > root - 2 && fga_time_rates_cheaper (rt, c - 1))
    c--;
  while (!fga_time_rates_cheaper (rt, c) && c < ((size_t) 1 << 62))
    c++;
  return fga_time_rates_cheaper (rt, c) ? c : 0;
}
