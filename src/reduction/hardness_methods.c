/* hardness_methods.c -- the practical methods on the reduced instances: the least size that decides

   The degree scan (hardness.c) shows the polynomial method paying
   n^Theta(1) features to decide the reduction.  This file asks the same of
   the methods people use -- random features, TensorSketch, Nystrom, the
   truncated SVD, the sparse patterns -- by running each on every reduced
   instance of one n at growing sizes until it decides them all.

   "Decides" is the reduction's own test, the one exact attention passes:
   fga_reduction_decide on the method's output answers as the brute force
   does.  The lemma of theory/lower-bound.md (section 3) guarantees that
   answer when the error on the real queries is below E / (8n); a method
   may also answer right with a larger error that happens to fall on the
   harmless side (too large on a YES instance, say), so the error against
   E / (8n) is reported beside the answer rather than used for it.

   The sizes searched stop below N = 2n, the rows of the attention
   instance: there svd (k = N), nystrom (m = N), window (w >= N - 1) and
   strided (l = N) are exact attention, and the low-rank and
   random-feature methods cost as much as it; poly's degree stops below
   the least g with C(d + g, d) >= N features.  They start at the least
   value of the parameter, but for the l of strided and fixed at
   ceil (sqrt (N)): below it their pattern grows again, up to every key at
   l = 1.  Within [lo, hi] the search
   doubles from lo to the first size that decides every instance, then
   bisects between it and the last that did not: the least size under the
   assumption that deciding is monotone in the size, which no method here
   is proved to satisfy (for the random ones it is a statement about the
   seed of the spec).

   The reference is exact:algo=stream in double.  A real query's output is
   a ratio of sums of positive terms, so its error is a few units of 2^-53
   relative to the output itself (theory/ground-truth.md), and the outputs
   that decide are of the order of E / n against an accuracy of E / (8n):
   the errors reported are the methods', not the reference's.  That holds
   while E / n is a normal double, far beyond the sizes and gaps a run can
   afford, and each reference is checked anyway: its decision against the
   brute force, and its largest real output against the degree scan's
   value in MPFR.  */

#include "core/fga-impl.h"
#include "reduction/reduction-impl.h"

#include <errno.h>
#include <limits.h>

static const char reference_spec[] = "exact:algo=stream";

/* ------------------------------------------------------------------ */
/* One run of a method on one instance.  */

typedef struct
{
  int done;                    /* run (or refused) at this size */
  int ran;                     /* the method returned an output */
  int decided;                 /* ... and fga_reduction_decide answered as the brute force */
  double max_abs, max_abs_real;   /* against the reference; +Inf for a NaN output */
  double seconds, ops, lapack_flops;
} cell_t;

/* The largest |T - ref| over all entries and over the real queries' rows
   (the first n); a NaN counts as an infinite error.  */
static void
errors (double *all, double *real, fga_mat_srcptr T, fga_mat_srcptr ref, size_t n)
{
  *all = *real = 0;
  for (size_t i = 0; i < T->rows; i++)
    for (size_t j = 0; j < T->cols; j++)
      {
        double e = fabs (FGA_MAT (T, i, j) - FGA_MAT (ref, i, j));
        if (!(e <= INFINITY))
          e = INFINITY;
        *all = fmax (*all, e);
        if (i < n)
          *real = fmax (*real, e);
      }
}

static double
counted_ops (const fga_stats *st)
{
  return (double) st->n_mul + (double) st->n_add + (double) st->n_exp + (double) st->n_div
    + (double) st->n_cmp;
}

/* One run of spec into T, timing create, prepare and run together; 1 when
   the method gave an output.  */
static int
run_once (double *seconds, fga_stats *st, fga_mat_ptr T, char *full, size_t fsize,
          const char *spec, const fga_problem *prob, const fgap_hardness_inst *hi)
{
  fga_error merr;
  fga_error_init (&merr);
  int ran = 0;
  double t0 = fga_wall_time ();
  fga_method meth = fga_method_create (spec, &merr);
  if (meth == NULL)
    return 0;
  if (full != NULL)
    snprintf (full, fsize, "%s", fga_method_spec (meth));
  if (fga_method_prepare (meth, prob, &merr) == FGA_OK
      && fga_method_run (meth, T, NULL, hi->inst->Q, hi->inst->K, hi->inst->V, st, &merr)
         == FGA_OK)
    ran = 1;
  *seconds = fga_wall_time () - t0;
  fga_method_destroy (meth);
  return ran;
}

/* Runs spec on the instance into T (hi->info's shape).  FGA_OK with
   *ran = 0 when the method refuses or fails (an outcome); another status
   only for our own allocation.  A run shorter than 50 ms runs twice more
   and the fastest time counts: such times are mostly the noise of the
   first call (thread start-up) and of other processes.  */
static int
run_spec (int *ran, fga_stats *st, double *seconds, fga_mat_ptr T, char *full, size_t fsize,
          const char *spec, const fgap_hardness_inst *hi, fga_error *err)
{
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_problem prob;
  fga_problem_from_instance (&prob, hi->inst, &tau);
  int rc = fga_mat_init (T, prob.nq, prob.dv, err);
  if (rc != FGA_OK)
    return rc;
  *ran = run_once (seconds, st, T, full, fsize, spec, &prob, hi);
  if (!*ran || *seconds >= 0.05)
    return FGA_OK;
  /* The repeats write elsewhere: T and st stay those of the first run.  */
  fga_mat_t T2;
  fga_stats st2;
  if ((rc = fga_mat_init (T2, prob.nq, prob.dv, err)) != FGA_OK)
    return rc;
  for (int k = 0; k < 2; k++)
    {
      double again;
      if (run_once (&again, &st2, T2, NULL, 0, spec, &prob, hi))
        *seconds = fmin (*seconds, again);
    }
  fga_mat_clear (T2);
  return FGA_OK;
}

static int
run_cell (cell_t *c, char *full, size_t fsize, const char *spec, const fgap_hardness_inst *hi,
          fga_error *err)
{
  fga_mat_t T;
  fga_stats st;
  memset (c, 0, sizeof *c);
  c->done = 1;
  c->max_abs = c->max_abs_real = c->seconds = c->ops = c->lapack_flops = NAN;
  int rc = run_spec (&c->ran, &st, &c->seconds, T, full, fsize, spec, hi, err);
  if (rc == FGA_OK && c->ran)
    {
      fga_reduction_decision dec;
      fga_error derr;
      fga_error_init (&derr);
      errors (&c->max_abs, &c->max_abs_real, T, hi->exact, hi->info.n);
      c->ops = counted_ops (&st);
      double lf = fga_stats_get (&st, "lapack_flops");
      c->lapack_flops = isnan (lf) ? 0 : lf;
      /* A NaN among the real outputs is no answer: not decided.  */
      c->decided = fga_reduction_decide (&dec, T, &hi->info, &derr) == FGA_OK
                   && dec.yes == hi->brute_yes;
    }
  fga_mat_clear (T);
  return rc;
}

int
fgap_hardness_reference (fgap_hardness_inst *hi, double max_o_exact, fga_error *err)
{
  fga_stats st;
  int ran;
  int rc = run_spec (&ran, &st, &hi->exact_seconds, hi->exact, NULL, 0, reference_spec, hi,
                     err);
  if (rc != FGA_OK)
    return rc;
  const fga_reduction_info *info = &hi->info;
  if (!ran)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "n = %zu, seed %lu: the reference %s failed",
                           info->n, hi->seed, reference_spec);
  hi->exact_ops = counted_ops (&st);
  fga_reduction_decision dec;
  if ((rc = fga_reduction_decide (&dec, hi->exact, info, err)) != FGA_OK)
    return rc;
  /* The scan's max_o_exact is within 2^-150 relative of the truth; the
     reference, a few ulps.  A gap of a thousandth of the accuracy would
     make every error reported below suspect.  */
  if (dec.yes != hi->brute_yes || !(fabs (dec.max_o - max_o_exact) <= info->accuracy / 1000))
    return fgap_error_set (err, FGA_ERR_COMPUTE, "n = %zu, seed %lu: the reference %s answers "
                           "%s with max_o = %.17g, but the brute force says %s and the MPFR "
                           "value is %.17g: exact attention in double does not resolve this "
                           "instance (accuracy E/(8n) = %.3g), so the methods' errors cannot "
                           "be measured", info->n, hi->seed, reference_spec,
                           dec.yes ? "YES" : "NO", dec.max_o, hi->brute_yes ? "YES" : "NO",
                           max_o_exact, info->accuracy);
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* The search.  */

/* Doubling and bisection over [1, N) try at most 2 log2 N sizes; N is at
   most 2 * 65536.  */
#define MAX_PROBES 64

typedef struct
{
  long size;
  int all;                     /* every instance decided */
  int refused;                 /* some instance refused or failed */
  cell_t *cells;               /* one per instance */
  char full[640];              /* the spec as the method spells it */
} probe_t;

typedef struct
{
  const fga_hardness_method *m;
  fgap_hardness_inst *insts;
  size_t ninst;
  size_t hint;                 /* the instance that failed last: tried first */
  long hi;                     /* the largest size searched */
  fgap_hardness_tick_fn tick;  /* after each run, when not NULL */
  void *tick_data;
  probe_t probes[MAX_PROBES];
  size_t nprobes;
} search_t;

/* *p: the probe of size s, made (cells not run) when missing.  */
static int
probe_of (probe_t **p, search_t *s, long size, fga_error *err)
{
  for (size_t k = 0; k < s->nprobes; k++)
    if (s->probes[k].size == size)
      {
        *p = &s->probes[k];
        return FGA_OK;
      }
  if (s->nprobes == MAX_PROBES)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "more than %d sizes in one search",
                           MAX_PROBES);
  *p = &s->probes[s->nprobes];
  memset (*p, 0, sizeof **p);
  (*p)->size = size;
  (*p)->cells = fgap_calloc (s->ninst, sizeof *(*p)->cells, "the search's runs", err);
  if ((*p)->cells == NULL)
    return FGA_ERR_NOMEM;
  s->nprobes++;
  return FGA_OK;
}

static int
probe_cell (search_t *s, probe_t *p, size_t i, fga_error *err)
{
  if (p->cells[i].done)
    return FGA_OK;
  char spec[sizeof s->m->spec + 64];
  fgap_hardness_spec_at (spec, sizeof spec, s->m, p->size);
  int rc = run_cell (&p->cells[i], p->full, sizeof p->full, spec, &s->insts[i], err);
  if (!p->cells[i].ran)
    p->refused = 1;
  if (s->tick != NULL)
    s->tick (s->tick_data, p->size, s->hi);
  return rc;
}

/* Whether size decides every instance: they run from the one that failed
   last, and the first failure ends the probe (a size too small usually
   fails there, so one run tells).  */
static int
probe (int *all, search_t *s, long size, fga_error *err)
{
  probe_t *p = NULL;
  int rc = probe_of (&p, s, size, err);
  if (rc != FGA_OK)
    return rc;
  for (size_t k = 0; k < s->ninst; k++)
    {
      size_t i = (s->hint + k) % s->ninst;
      if ((rc = probe_cell (s, p, i, err)) != FGA_OK)
        return rc;
      if (!p->cells[i].decided)
        {
          s->hint = i;
          *all = p->all = 0;
          return FGA_OK;
        }
    }
  *all = p->all = 1;
  return FGA_OK;
}

/* The least size in [lo, hi] deciding every instance, or -1: doubling
   from lo to the first size that decides (hi the last step), then
   bisection between it and the last size that did not.  */
static int
least_size (long *least, search_t *s, long lo, long hi, fga_error *err)
{
  long bad = lo - 1, good = -1;
  int all, rc;
  *least = -1;
  for (long z = lo; z <= hi; z = z > hi / 2 ? hi : 2 * z)
    {
      if ((rc = probe (&all, s, z, err)) != FGA_OK)
        return rc;
      if (all)
        {
          good = z;
          break;
        }
      bad = z;
      if (z == hi)
        break;
    }
  if (good < 0)
    return FGA_OK;
  while (good - bad > 1)
    {
      long mid = bad + (good - bad) / 2;
      if ((rc = probe (&all, s, mid, err)) != FGA_OK)
        return rc;
      if (all)
        good = mid;
      else
        bad = mid;
    }
  *least = good;
  return FGA_OK;
}

/* Features of poly at degree g in dimension d, C(d + g, d), as a double
   (exact while below 2^53, which is all the cap compares).  */
static double
poly_features (size_t d, long g)
{
  double r = 1;
  for (long k = 1; k <= g && r < 0x1p60; k++)
    r = r * (double) (d + (size_t) k) / (double) k;
  return r;
}

static int
is_poly_deg (const fga_hardness_method *m)
{
  return strncmp (m->spec, "poly", 4) == 0 && (m->spec[4] == '\0' || m->spec[4] == ':')
    && strcmp (m->size_key, "deg") == 0;
}

/* What the size buys, compared with N: the size itself, or poly's r.  */
static double
width_of (const fga_hardness_method *m, size_t d, long size)
{
  return is_poly_deg (m) ? poly_features (d, size) : (double) size;
}

/* The largest size searched: below N, or below r = N for poly's deg.  */
static long
size_hi (const fga_hardness_method *m, size_t d, size_t N)
{
  if (!is_poly_deg (m))
    return (long) N - 1;
  long g = 0;
  while (poly_features (d, g + 1) < (double) N)
    g++;
  return g;
}

/* The seed in a spec spelled out by the method ("" when it has none).  */
static void
seed_of (char *buf, size_t size, const char *full)
{
  buf[0] = '\0';
  for (const char *s = strchr (full, ':'); s != NULL; s = strchr (s, ','))
    {
      s++;
      if (strncmp (s, "seed=", 5) == 0)
        {
          snprintf (buf, size, "%.*s", (int) strcspn (s + 5, ","), s + 5);
          return;
        }
    }
}

/* The size whose figures are reported: the least deciding one, else the
   largest tried at which some instance ran; -1 when none did.  */
static probe_t *
report_probe (search_t *s, long least)
{
  probe_t *best = NULL;
  for (size_t k = 0; k < s->nprobes; k++)
    {
      probe_t *p = &s->probes[k];
      int ran = 0;
      for (size_t i = 0; i < s->ninst; i++)
        ran |= p->cells[i].ran;
      if (least >= 0 ? p->size == least : ran && (best == NULL || p->size > best->size))
        best = p;
    }
  return best;
}

/* Means and maxima over the instances at the reported size.  */
static void
summarise (fgap_hardness_mres *res, const search_t *s, const probe_t *p)
{
  size_t ran = 0;
  double sec = 0, ops = 0, lf = 0;
  res->max_abs = res->max_abs_real = 0;
  for (size_t i = 0; i < s->ninst; i++)
    {
      const cell_t *c = &p->cells[i];
      res->decided += (size_t) c->decided;
      if (!c->ran)
        continue;
      ran++;
      sec += c->seconds, ops += c->ops, lf += c->lapack_flops;
      res->max_abs = fmax (res->max_abs, c->max_abs);
      res->max_abs_real = fmax (res->max_abs_real, c->max_abs_real);
    }
  res->seconds = sec / (double) ran;
  res->ops = ops / (double) ran;
  res->lapack_flops = lf / (double) ran;
  snprintf (res->spec_at, sizeof res->spec_at, "%s", p->full);
}

/* The fields every result has, whether the method runs at n or not.  */
static void
init_result (fgap_hardness_mres *res, const fga_hardness_method *m, size_t n, size_t d)
{
  memset (res, 0, sizeof *res);
  res->n = n, res->N = 2 * n, res->d = d;
  res->least = res->at = -1;
  res->width = res->max_abs = res->max_abs_real = res->seconds = NAN;
  res->ops = res->lapack_flops = NAN;
  res->lo = fgap_hardness_size_lo (m, res->N);
  /* The seed a random method runs with, from its spec spelled out.  */
  char spec[sizeof m->spec + 64];
  fgap_hardness_spec_at (spec, sizeof spec, m, res->lo);
  fga_method meth = fga_method_create (spec, NULL);
  if (meth != NULL)
    seed_of (res->seed, sizeof res->seed, fga_method_spec (meth));
  fga_method_destroy (meth);
  res->hi = size_hi (m, res->d, res->N);
}

void
fgap_hardness_method_skipped (fgap_hardness_mres *res, const fga_hardness_method *m, size_t n,
                              size_t d)
{
  init_result (res, m, n, d);
  res->run = 0;
}

int
fgap_hardness_method_search (fgap_hardness_mres *res, const fga_hardness_method *m,
                             fgap_hardness_inst *insts, size_t ninst,
                             fgap_hardness_tick_fn tick, void *data, fga_error *err)
{
  const fga_reduction_info *info = &insts[0].info;
  init_result (res, m, info->n, info->d);
  res->ninst = ninst;
  res->accuracy = info->accuracy;
  for (size_t i = 0; i < ninst; i++)
    res->exact_seconds += insts[i].exact_seconds / (double) ninst,
      res->exact_ops += insts[i].exact_ops / (double) ninst;
  res->run = m->max_n == 0 || res->n <= m->max_n;
  if (!res->run)
    return FGA_OK;
  double t0 = fga_wall_time ();
  search_t *s = fgap_calloc (1, sizeof *s, "the search", err);
  if (s == NULL)
    return FGA_ERR_NOMEM;
  s->m = m, s->insts = insts, s->ninst = ninst;
  s->hi = res->hi, s->tick = tick, s->tick_data = data;
  int rc = least_size (&res->least, s, res->lo, res->hi, err);
  probe_t *p = rc == FGA_OK ? report_probe (s, res->least) : NULL;
  /* The reported size runs on every instance, also where the search
     stopped at the first failure.  */
  for (size_t i = 0; p != NULL && i < ninst && rc == FGA_OK; i++)
    rc = probe_cell (s, p, i, err);
  if (rc == FGA_OK && p != NULL)
    {
      res->at = p->size;
      res->width = width_of (m, res->d, p->size);
      summarise (res, s, p);
    }
  for (size_t k = 0; k < s->nprobes; k++)
    {
      res->refused += (size_t) s->probes[k].refused;
      fgap_free (s->probes[k].cells);
    }
  res->tried = s->nprobes;
  fgap_free (s);
  res->search_seconds = fga_wall_time () - t0;
  return rc;
}

/* ------------------------------------------------------------------ */
/* methods.csv.  */

/* The columns: n, N = 2n; the method's label, spec (without the size),
   size_key and seed (empty for a deterministic method); run (0: n >
   max_n, every later field empty); search_from, search_to: the sizes
   searched; tried, refused: sizes tried, and of those, sizes the method
   refused or failed at on some instance; least_size (empty when
   censored), censored (1: no size up to search_to decides every
   instance); at_size, the size of the figures that follow (least_size, or
   the largest size tried that ran); r_or_size (poly: C(d + deg, d)) and
   over N; decided of instances; max_abs (all rows) and max_abs_real (the
   real queries') against exact:algo=stream, accuracy E/(8n) and
   max_abs_real over it; seconds, exact_seconds (prepare and run, means per
   instance) and their ratio; ops (counted, mean), lapack_flops (estimated,
   mean), exact_ops and (ops + lapack_flops) / exact_ops; search_seconds,
   the whole search; spec_at, the spec at at_size with every parameter.  */
void
fgap_hardness_methods_header (FILE *fp)
{
  fputs ("n,N,label,spec,size_key,seed,run,max_n,search_from,search_to,tried,refused,"
         "least_size,censored,at_size,r_or_size,r_or_size_over_N,decided,instances,max_abs,"
         "max_abs_real,accuracy,error_over_accuracy,seconds,exact_seconds,time_ratio,ops,"
         "lapack_flops,exact_ops,ops_ratio,search_seconds,spec_at\n", fp);
}

/* A number, or an empty field for NaN; then the separator.  */
static void
put_num (FILE *fp, double x, const char *sep)
{
  if (!isnan (x))
    fprintf (fp, "%.17g", x);
  fputs (sep, fp);
}

static void
put_long (FILE *fp, long v, const char *sep)
{
  if (v >= 0)
    fprintf (fp, "%ld", v);
  fputs (sep, fp);
}

/* A CSV field in double quotes (specs hold commas; they hold no quotes).  */
static void
put_quoted (FILE *fp, const char *s, const char *sep)
{
  fprintf (fp, "\"%s\"%s", s, sep);
}

void
fgap_hardness_methods_row (FILE *fp, const fga_hardness_method *m,
                           const fgap_hardness_mres *res)
{
  fprintf (fp, "%zu,%zu,%s,", res->n, res->N, m->label);
  put_quoted (fp, m->spec, ",");
  fprintf (fp, "%s,%s,%d,", m->size_key, res->seed, res->run);
  put_long (fp, m->max_n > 0 ? (long) m->max_n : -1, ",");
  if (!res->run)
    {
      /* Not run (n > max_n): every figure empty, the row still there.  */
      fputs (",,,,,,,,,,,,,,,,,,,,,,,\n", fp);
      return;
    }
  fprintf (fp, "%ld,%ld,%zu,%zu,", res->lo, res->hi, res->tried, res->refused);
  put_long (fp, res->least, ",");
  fprintf (fp, "%d,", res->least < 0);
  put_long (fp, res->at, ",");
  put_num (fp, res->width, ",");
  put_num (fp, res->width / (double) res->N, ",");
  fprintf (fp, "%zu,%zu,", res->decided, res->ninst);
  put_num (fp, res->max_abs, ",");
  put_num (fp, res->max_abs_real, ",");
  put_num (fp, res->accuracy, ",");
  put_num (fp, res->max_abs_real / res->accuracy, ",");
  put_num (fp, res->seconds, ",");
  put_num (fp, res->exact_seconds, ",");
  put_num (fp, res->seconds / res->exact_seconds, ",");
  put_num (fp, res->ops, ",");
  put_num (fp, res->lapack_flops, ",");
  put_num (fp, res->exact_ops, ",");
  put_num (fp, (res->ops + res->lapack_flops) / res->exact_ops, ",");
  put_num (fp, res->search_seconds, ",");
  put_quoted (fp, res->spec_at, "\n");
}

/* ------------------------------------------------------------------ */
/* Reading rows back: a step's result from another process, or from the
   folder of an interrupted run.  The numbers were written with 17
   significant digits, so each reads back as the very double written.  */

size_t
fgap_hardness_csv_split (char *line, char **fields, size_t max)
{
  size_t k = 0;
  char *p = line;
  for (;;)
    {
      if (k == max)
        return max + 1;
      if (*p == '"')
        {
          char *q = strchr (p + 1, '"');
          if (q == NULL || (q[1] != ',' && q[1] != '\0'))
            return 0;
          fields[k++] = p + 1;
          *q = '\0';
          p = q + 1;
        }
      else
        {
          fields[k++] = p;
          p += strcspn (p, ",");
        }
      if (*p == '\0')
        return k;
      *p++ = '\0';
    }
}

int
fgap_hardness_field_double (double *x, const char *f)
{
  char *end;
  if (*f == '\0')
    {
      *x = NAN;
      return 0;
    }
  errno = 0;
  *x = strtod (f, &end);
  return *end == '\0' && end != f && errno != ERANGE ? 0 : -1;
}

int
fgap_hardness_field_long (long *v, const char *f)
{
  char *end;
  if (*f == '\0')
    {
      *v = -1;
      return 0;
    }
  if (*f < '0' || *f > '9')
    return -1;
  errno = 0;
  *v = strtol (f, &end, 10);
  return *end == '\0' && errno == 0 ? 0 : -1;
}

int
fgap_hardness_field_size (size_t *v, const char *f)
{
  long x;
  if (*f == '\0' || fgap_hardness_field_long (&x, f) != 0)
    return -1;
  *v = (size_t) x;
  return 0;
}

/* The fields of a methods.csv row, by column (fgap_hardness_methods_header).  */
enum { MC_N, MC_NN, MC_LABEL, MC_SPEC, MC_KEY, MC_SEED, MC_RUN, MC_MAXN, MC_FROM, MC_TO,
       MC_TRIED, MC_REFUSED, MC_LEAST, MC_CENSORED, MC_AT, MC_WIDTH, MC_WIDTH_N, MC_DECIDED,
       MC_NINST, MC_MAX_ABS, MC_MAX_ABS_REAL, MC_ACCURACY, MC_ERR_ACC, MC_SECONDS,
       MC_EXACT_SECONDS, MC_TIME_RATIO, MC_OPS, MC_LAPACK, MC_EXACT_OPS, MC_OPS_RATIO,
       MC_SEARCH_SECONDS, MC_SPEC_AT, MC_COUNT };

int
fgap_hardness_methods_parse (fgap_hardness_mres *res, const fga_hardness_method *m, size_t n,
                             size_t d, char *line)
{
  char *f[MC_COUNT + 1];
  size_t N;
  long run;
  memset (res, 0, sizeof *res);
  if (fgap_hardness_csv_split (line, f, MC_COUNT + 1) != MC_COUNT
      || fgap_hardness_field_size (&res->n, f[MC_N]) != 0 || res->n != n
      || fgap_hardness_field_size (&N, f[MC_NN]) != 0 || N != 2 * n
      || strcmp (f[MC_LABEL], m->label) != 0 || strcmp (f[MC_SPEC], m->spec) != 0
      || strcmp (f[MC_KEY], m->size_key) != 0 || strlen (f[MC_SEED]) >= sizeof res->seed
      || strlen (f[MC_SPEC_AT]) >= sizeof res->spec_at
      || fgap_hardness_field_long (&run, f[MC_RUN]) != 0 || run != 1)
    return -1;
  res->N = N, res->d = d, res->run = 1;
  strcpy (res->seed, f[MC_SEED]);
  strcpy (res->spec_at, f[MC_SPEC_AT]);
  int bad = fgap_hardness_field_long (&res->lo, f[MC_FROM]) != 0 || res->lo < 0;
  bad |= fgap_hardness_field_long (&res->hi, f[MC_TO]) != 0 || res->hi < 0;
  bad |= fgap_hardness_field_size (&res->tried, f[MC_TRIED]);
  bad |= fgap_hardness_field_size (&res->refused, f[MC_REFUSED]);
  bad |= fgap_hardness_field_long (&res->least, f[MC_LEAST]);
  bad |= fgap_hardness_field_long (&res->at, f[MC_AT]);
  bad |= fgap_hardness_field_size (&res->decided, f[MC_DECIDED]);
  bad |= fgap_hardness_field_size (&res->ninst, f[MC_NINST]);
  static const int dcol[] = { MC_WIDTH, MC_MAX_ABS, MC_MAX_ABS_REAL, MC_ACCURACY, MC_SECONDS,
                              MC_EXACT_SECONDS, MC_OPS, MC_LAPACK, MC_EXACT_OPS,
                              MC_SEARCH_SECONDS };
  double *dst[] = { &res->width, &res->max_abs, &res->max_abs_real, &res->accuracy,
                    &res->seconds, &res->exact_seconds, &res->ops, &res->lapack_flops,
                    &res->exact_ops, &res->search_seconds };
  for (size_t k = 0; k < sizeof dcol / sizeof dcol[0]; k++)
    bad |= fgap_hardness_field_double (dst[k], f[dcol[k]]);
  return bad ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* The section of summary.md.  */

static void
summary_intro (FILE *fp)
{
  fputs ("\n## The practical methods on the same instances\n\n"
         "Each method below runs on every instance of each n (YES and NO, all seeds). Its "
         "size is searched by doubling from the least value of the parameter (for strided's "
         "l, from ceil(sqrt(N)), where its pattern is smallest), then by bisection, for the "
         "least size at which it decides every instance -- assuming that "
         "deciding is monotone in the size, which no method here is proved to satisfy. For a "
         "random method the least size is for the seed of its spec. A method decides an "
         "instance when fga_reduction_decide on its output gives the brute force's answer, "
         "the test exact attention passes. The sizes stop below N = 2n, where svd (k = N), "
         "nystrom (m = N), window (w >= N - 1) and strided (l = N) are exact attention and "
         "the low-rank and random-feature methods cost as much as it; poly's degree stops "
         "below the least g with r = C(d+g, d) >= N. `>= N (does not decide)`: no size "
         "below N decides every instance; the other columns are then at the largest size "
         "tried (`decided` says how many instances it decided there). `error / E/8n`: the "
         "largest error on the real queries against exact:algo=stream, over the accuracy "
         "E/(8n) of the reduction's lemma: below 1 the lemma guarantees the answer; above, "
         "the method answers right only because its error falls on the harmless side. "
         "`time` and `ops`: the method's prepare and run against exact:algo=stream's, means "
         "per instance; ops are the counted operations plus, for svd and nystrom, LAPACK's "
         "estimated flops. Every run: methods.csv.\n", fp);
}

/* "1.23e-05", or "inf" / "-" for what is not a number.  */
static const char *
fmt3 (char *buf, size_t size, double x)
{
  if (isnan (x))
    snprintf (buf, size, "-");
  else if (isinf (x))
    snprintf (buf, size, "inf");
  else
    snprintf (buf, size, "%.3g", x);
  return buf;
}

static void
summary_row (FILE *fp, const fga_hardness_method *m, const fgap_hardness_mres *r)
{
  char a[64], b[64], c[64];
  const char *key = m->size_key;
  int poly = is_poly_deg (m);
  fprintf (fp, "| %zu | %zu | ", r->n, r->N);
  if (!r->run)
    {
      fprintf (fp, "not run (max_n = %zu) | - | - | - | - | - |\n", m->max_n);
      return;
    }
  if (r->least >= 0)
    fprintf (fp, "%ld | %s | ", r->least, fmt3 (a, sizeof a, r->width / (double) r->N));
  else if (poly)
    fprintf (fp, "> %ld (does not decide) | >= 1 | ", r->hi);
  else
    fprintf (fp, ">= %zu (does not decide) | >= 1 | ", r->N);
  if (r->at < 0 && r->tried == 0)
    fprintf (fp, "no %s below N: r = %.0f >= N at %s = %ld | - | - | - |\n",
             poly ? "r" : "size", width_of (m, r->d, r->lo), key, r->lo);
  else if (r->at < 0)
    fprintf (fp, "refused at the %zu sizes tried | - | - | - |\n", r->tried);
  else
    fprintf (fp, "%zu/%zu at %s = %ld | %s | %s | %s |\n", r->decided, r->ninst, key, r->at,
             fmt3 (a, sizeof a, r->max_abs_real / r->accuracy),
             fmt3 (b, sizeof b, r->seconds / r->exact_seconds),
             fmt3 (c, sizeof c, (r->ops + r->lapack_flops) / r->exact_ops));
}

void
fgap_hardness_methods_summary (FILE *fp, const fga_hardness_config *cfg,
                               const fgap_hardness_mres *res)
{
  if (cfg->nmethods == 0)
    return;
  summary_intro (fp);
  for (size_t k = 0; k < cfg->nmethods; k++)
    {
      const fga_hardness_method *m = &cfg->methods[k];
      const fgap_hardness_mres *r = &res[k * cfg->nn];
      int poly = is_poly_deg (m);
      fprintf (fp, "\n### %s (`%s`, size %s", m->label, m->spec, m->size_key);
      if (r->seed[0] != '\0')
        fprintf (fp, "; random: the least size is for seed %s", r->seed);
      if (m->max_n > 0)
        fprintf (fp, "; run for n <= %zu", m->max_n);
      fprintf (fp, ")\n\n| n | N | least %s | %s / N | decided | error / E/8n | time / exact "
               "| ops / exact |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n", m->size_key,
               poly ? "r" : m->size_key);
      for (size_t i = 0; i < cfg->nn; i++)
        summary_row (fp, m, &r[i]);
    }
}
