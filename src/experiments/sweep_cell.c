/* sweep_cell -- one cell of a sweep: its instance, truth, methods, least sizes, rank and cost rows

   A cell's rows are formatted in memory (one buffer per file) and handed
   to sweep.c, which appends them; nothing here touches the files.  */

#include "experiments/sweep-impl.h"

#include <stddef.h>
#include <stdint.h>

#include "methods/poly_impl.h"

const char *const fgap_sweep_file_names[FGAP_SWEEP_NFILES]
  = { "results.csv", "rank.csv", "least.csv", "cost.csv" };

/* The columns every row of rank.csv, least.csv and cost.csv starts with.  */
#define CELL_COLUMNS "cell,n,d,dist,law,beta,B,seed,"

/* results.csv's header is made from its column table (below).  */
static const char rank_header[]
  = CELL_COLUMNS "tol,tol_value,algo,rank,censored,distinct_rows\n";
static const char least_header[]
  = CELL_COLUMNS "label,size_key,target,target_value,least_size,censored\n";
static const char cost_header[]
  = CELL_COLUMNS "eps,eps_value,R,g_cert,g_cert_censored,r_cert,r_cert_log10,g_emp,"
    "g_emp_censored,r_emp,r_emp_log10,poly_status,poly_seconds,exact_seconds\n";

/* A CSV field: quoted when it holds a comma, a quote or a newline (RFC 4180). */
static void
put_field (FILE *fp, const char *s, int last)
{
  if (strpbrk (s, ",\"\n\r") != NULL)
    {
      fputc ('"', fp);
      for (const char *p = s; *p; p++)
        {
          if (*p == '"')
            fputc ('"', fp);
          fputc (*p, fp);
        }
      fputc ('"', fp);
    }
  else
    fputs (s, fp);
  fputc (last ? '\n' : ',', fp);
}

/* A number as the shortest decimal that reads back, or an empty field for
   NaN (a value that does not apply).  */
static void
put_num (FILE *fp, double x, int last)
{
  char buf[64] = "";
  if (!isnan (x))
    fgap_format_shortest (buf, sizeof buf, x);
  put_field (fp, buf, last);
}

static void
put_size (FILE *fp, size_t x, int last)
{
  char buf[32];
  snprintf (buf, sizeof buf, "%zu", x);
  put_field (fp, buf, last);
}

/* Timing: six digits are all a wall clock is worth; NaN is empty.  */
static void
put_seconds (FILE *fp, double x, int last)
{
  char buf[32] = "";
  if (!isnan (x))
    snprintf (buf, sizeof buf, "%.6g", x);
  put_field (fp, buf, last);
}

/* ------------------------------------------------------------------ */
/* The grid.  */

void
fgap_sweep_cell_make (fgap_sweep_cell *c, const fga_sweep_config *cfg, size_t in,
                      size_t idist, size_t ilaw, size_t ib, size_t is)
{
  c->n = cfg->n[in];
  c->dist = cfg->dists[idist];
  c->law = &cfg->laws[ilaw];
  c->beta = cfg->b[ib];
  c->seed = cfg->seeds[is];
  c->d = fga_sweep_config_d (cfg, c->n);
  c->dv = cfg->dv_fixed != 0 ? cfg->dv_fixed : c->d;
  c->B = fga_sweep_config_B (cfg, ilaw, c->n, c->beta);
  c->Bv = cfg->Bv > 0 ? cfg->Bv : c->B;
  c->index = (((in * cfg->ndists + idist) * cfg->nlaws + ilaw) * cfg->nb + ib) * cfg->nseeds + is;
  char bs[64];
  fgap_format_shortest (bs, sizeof bs, c->beta);
  snprintf (c->id, sizeof c->id, "n=%zu,dist=%s,law=%s,b=%s,seed=%lu", c->n,
            fga_dist_name (c->dist), c->law->text, bs, c->seed);
}

size_t
fgap_sweep_ncells (const fga_sweep_config *cfg)
{
  return cfg->nn * cfg->ndists * cfg->nlaws * cfg->nb * cfg->nseeds;
}

void
fgap_sweep_cell_at (fgap_sweep_cell *c, const fga_sweep_config *cfg, size_t index)
{
  size_t is = index % cfg->nseeds;
  index /= cfg->nseeds;
  size_t ib = index % cfg->nb;
  index /= cfg->nb;
  size_t il = index % cfg->nlaws;
  index /= cfg->nlaws;
  size_t id = index % cfg->ndists;
  fgap_sweep_cell_make (c, cfg, index / cfg->ndists, id, il, ib, is);
}

int
fgap_sweep_record_file (const fga_sweep_config *cfg)
{
  return cfg->nmethods > 0 ? FGAP_SWEEP_RESULTS : FGAP_SWEEP_COST;
}

/* Rows each cell writes to results.csv, one per (method, size); or to
   cost.csv, one per eps.  */
size_t
fgap_sweep_rows_per_cell (const fga_sweep_config *cfg)
{
  if (fgap_sweep_record_file (cfg) == FGAP_SWEEP_COST)
    return cfg->cost.neps;
  size_t rows = 0;
  for (size_t k = 0; k < cfg->nmethods; k++)
    rows += cfg->methods[k].size_key[0] != '\0' ? cfg->methods[k].nsizes : 1;
  return rows;
}

/* The spec of a method at one size: "poly:basis=cheb,deg=4", "poly:deg=4". */
static void
spec_at (char *buf, size_t size, const fga_sweep_method *m, double s)
{
  if (m->size_key[0] == '\0')
    {
      snprintf (buf, size, "%s", m->spec);
      return;
    }
  char v[64];
  fgap_format_shortest (v, sizeof v, s);
  snprintf (buf, size, "%s%c%s=%s", m->spec, strchr (m->spec, ':') != NULL ? ',' : ':',
            m->size_key, v);
}

/* ------------------------------------------------------------------ */
/* results.csv: its columns, defined once.  The table gives each column its
   name and how its field is written; the header and every row are made
   from it, so that they cannot disagree.  */

/* One row of results.csv: a cell, a method at one size, and its outcome. */
typedef struct
{
  const char *cell;            /* the cell id */
  size_t n, d, dv;
  const char *dist, *law;
  double beta, B, Bv;
  const char *tau;
  unsigned long seed;
  double R_apriori, R_data;
  const char *truth, *label, *method, *size_key;
  double size;                 /* NaN (an empty field) when the method has no size */
  const char *status;
  const char *message;         /* why a run was refused or failed ("" when ok) */
  int ok;                      /* status ok: the columns from max_abs on are filled */
  double max_abs, rel_fro, mean_abs, max_ulps;
  uint64_t mul, add, exp, div, cmp;
  size_t peak_bytes;
  double wall_seconds;
} results_row_t;

typedef void (*field_fn) (char *buf, size_t size, const void *value);

static void
field_text (char *buf, size_t size, const void *value)
{
  snprintf (buf, size, "%s", *(const char *const *) value);
}

static void
field_size (char *buf, size_t size, const void *value)
{
  snprintf (buf, size, "%zu", *(const size_t *) value);
}

static void
field_ulong (char *buf, size_t size, const void *value)
{
  snprintf (buf, size, "%lu", *(const unsigned long *) value);
}

static void
field_u64 (char *buf, size_t size, const void *value)
{
  snprintf (buf, size, "%llu", (unsigned long long) *(const uint64_t *) value);
}

/* A number, or an empty field for NaN (a value that does not apply).  */
static void
field_num (char *buf, size_t size, const void *value)
{
  double x = *(const double *) value;
  if (isnan (x))
    buf[0] = '\0';
  else
    fgap_format_shortest (buf, size, x);
}

/* A message as one line: a control character (a newline from a user
   method, say) would split the row, so each becomes a space.  */
static void
field_message (char *buf, size_t size, const void *value)
{
  snprintf (buf, size, "%s", *(const char *const *) value);
  for (char *p = buf; *p; p++)
    if ((unsigned char) *p < 0x20 || *p == 0x7f)
      *p = ' ';
}

static void
field_seconds (char *buf, size_t size, const void *value)
{
  snprintf (buf, size, "%.6g", *(const double *) value);
}

typedef struct
{
  const char *name;
  field_fn put;
  size_t offset;               /* of the value in results_row_t */
  int ok_only;                 /* empty unless the run is ok */
} results_col_t;

#define COL(name, fn, member, ok) { name, fn, offsetof (results_row_t, member), ok }
static const results_col_t results_cols[] = {
  COL ("cell", field_text, cell, 0),
  COL ("n", field_size, n, 0),
  COL ("d", field_size, d, 0),
  COL ("dv", field_size, dv, 0),
  COL ("dist", field_text, dist, 0),
  COL ("law", field_text, law, 0),
  COL ("beta", field_num, beta, 0),
  COL ("B", field_num, B, 0),
  COL ("Bv", field_num, Bv, 0),
  COL ("tau", field_text, tau, 0),
  COL ("seed", field_ulong, seed, 0),
  COL ("R_apriori", field_num, R_apriori, 0),
  COL ("R_data", field_num, R_data, 0),
  COL ("truth", field_text, truth, 0),
  COL ("label", field_text, label, 0),
  COL ("method", field_text, method, 0),
  COL ("size_key", field_text, size_key, 0),
  COL ("size", field_num, size, 0),
  COL ("status", field_text, status, 0),
  COL ("max_abs", field_num, max_abs, 1),
  COL ("rel_fro", field_num, rel_fro, 1),
  COL ("mean_abs", field_num, mean_abs, 1),
  COL ("max_ulps", field_num, max_ulps, 1),
  COL ("mul", field_u64, mul, 1),
  COL ("add", field_u64, add, 1),
  COL ("exp", field_u64, exp, 1),
  COL ("div", field_u64, div, 1),
  COL ("cmp", field_u64, cmp, 1),
  COL ("peak_bytes", field_size, peak_bytes, 1),
  /* the method's error message, before wall_seconds: that one stays last,
     where a comparison of two runs cuts the timing off */
  COL ("message", field_message, message, 0),
  COL ("wall_seconds", field_seconds, wall_seconds, 1),
};
#undef COL
#define NRESULTS_COLS (sizeof results_cols / sizeof results_cols[0])

void
fgap_sweep_header (char *buf, size_t size, int k)
{
  static const char *const others[FGAP_SWEEP_NFILES]
    = { NULL, rank_header, least_header, cost_header };
  if (k != FGAP_SWEEP_RESULTS)
    {
      snprintf (buf, size, "%s", others[k]);
      return;
    }
  size_t used = 0;
  buf[0] = '\0';
  for (size_t c = 0; c < NRESULTS_COLS && used < size; c++)
    used += (size_t) snprintf (buf + used, size - used, "%s%s", results_cols[c].name,
                               c + 1 < NRESULTS_COLS ? "," : "\n");
}

static void
put_results_row (FILE *fp, const results_row_t *row)
{
  for (size_t k = 0; k < NRESULTS_COLS; k++)
    {
      const results_col_t *col = &results_cols[k];
      char buf[1024] = "";
      if (row->ok || !col->ok_only)
        col->put (buf, sizeof buf, (const char *) row + col->offset);
      put_field (fp, buf, k + 1 == NRESULTS_COLS);
    }
}

/* ------------------------------------------------------------------ */
/* One method run against the truth.  */

/* RUN_SKIPPED: not run, the cell's n being above the method's max_n.  */
typedef enum { RUN_OK, RUN_REFUSED, RUN_FAILED, RUN_SKIPPED } run_status_t;
static const char *const status_names[] = { "ok", "refused", "failed", "skipped" };

typedef struct
{
  run_status_t status;
  fga_metrics mt;
  fga_stats st;
  char msg[FGA_MSG_SIZE];      /* the method's error message, "" when ok */
} run_result_t;

typedef struct
{
  const fga_sweep_config *cfg;
  const fgap_sweep_cell *cell;
  fga_instance_t inst;
  fga_problem prob;
  fga_mat_t truth, T;
  fgap_sweep_cell_report *rep;  /* may be NULL */
  double done, total, ceiling;  /* the cell's weight done, in units of n^2 (the cost model) */
} cell_work_t;

/* ------------------------------------------------------------------ */
/* The cost model of fga_sweep_progress, and the cell's progress by it.  */

double
fgap_sweep_least_runs (const fga_sweep_method *m, size_t n)
{
  double hi = m->max_size_n ? (double) n : m->max_size;
  return hi > 1 ? ceil (log2 (hi)) : 0;
}

/* The truth's weight in method runs: about 10 for the certified truth (its
   double-double path decides nearly every entry; measured 7 to 13 times the
   stream kernel at n = 1024 .. 4096).  */
static double
truth_runs (const fga_sweep_config *cfg, size_t n)
{
  return n <= cfg->mpfr_max_n ? 10 : 1;
}

/* The rank's weight in units of n^2: n for the SVD, one pass over P per
   column of the sketch for the randomized rank.  */
static double
rank_units (const fga_sweep_config *cfg, size_t n)
{
  if (!fgap_sweep_rank_wanted (cfg, n))
    return 0;
  return fgap_sweep_rank_randomized (cfg, n) ? fmin ((double) cfg->rank_kmax, (double) n)
    : (double) n;
}

double
fgap_sweep_cell_units (const fga_sweep_config *cfg, const fgap_sweep_cell *c)
{
  double runs = truth_runs (cfg, c->n);
  for (size_t k = 0; k < cfg->nmethods; k++)
    {
      const fga_sweep_method *m = &cfg->methods[k];
      if (m->max_n != 0 && c->n > m->max_n)
        continue;
      int sized = m->size_key[0] != '\0';
      runs += sized ? (double) m->nsizes : 1;
      if (sized)
        runs += (double) m->ntargets * fgap_sweep_least_runs (m, c->n);
    }
  if (cfg->cost.on)
    runs += 1 + 2 * (double) cfg->cost.neps;
  return (double) (c->d + c->dv) * runs + rank_units (cfg, c->n);
}

/* Moves the cell's progress to `to' (units), kept under the ceiling (the
   budget of a least-size search, whose number of runs the model only
   bounds), and tells the sweep when it moved.  Whole numbers below 2^53:
   done reaches total exactly, and the last share reported is exactly 1.  */
static void
advance_to (cell_work_t *w, double to)
{
  to = fmin (to, w->ceiling);
  if (!(to > w->done))
    return;
  w->done = to;
  if (w->rep != NULL && w->rep->step != NULL)
    w->rep->step (w->rep->data, w->cell, w->done / w->total);
}

/* One method run's worth of progress.  */
static void
advance_run (cell_work_t *w)
{
  advance_to (w, w->done + (double) (w->cell->d + w->cell->dv));
}

/* A run refused or failed, with the method's message.  */
static int
method_failed (run_result_t *r, run_status_t status, const fga_error *merr)
{
  r->status = status;
  snprintf (r->msg, sizeof r->msg, "%s", merr->msg);
  return FGA_OK;
}

/* Runs spec on the cell's instance.  A failure of the method is an outcome
   to record, not an error of the sweep: only an out-of-memory in the metrics
   (our own allocation) is returned as an error.  */
static int
run_method (run_result_t *r, cell_work_t *w, const char *spec, fga_error *err)
{
  fga_error merr;
  fga_error_init (&merr);
  fga_stats_init (&r->st);
  memset (&r->mt, 0, sizeof r->mt);
  r->msg[0] = '\0';
  fga_method m = fga_method_create (spec, &merr);
  if (m == NULL)
    return method_failed (r, merr.code == FGA_ERR_INPUT ? RUN_REFUSED : RUN_FAILED, &merr);
  int rc = fga_method_prepare (m, &w->prob, &merr);
  if (rc != FGA_OK)
    {
      fga_method_destroy (m);
      return method_failed (r, rc == FGA_ERR_INPUT ? RUN_REFUSED : RUN_FAILED, &merr);
    }
  double t0 = fga_wall_time ();
  rc = fga_method_run (m, w->T, NULL, w->inst->Q, w->inst->K, w->inst->V, &r->st, &merr);
  r->st.wall_seconds = fga_wall_time () - t0;
  fga_method_destroy (m);
  if (rc != FGA_OK)
    return method_failed (r, RUN_FAILED, &merr);
  rc = fga_metrics_compute (&r->mt, w->truth, w->T, err);
  if (rc != FGA_OK)
    return rc;
  r->status = RUN_OK;
  return FGA_OK;
}

/* The least-size search: max_abs at each integer size tried, remembered so
   that no size runs twice.  A size that is refused or fails counts as not
   reaching the target.  */
typedef struct
{
  size_t count, cap;
  double *size, *err;
} err_cache_t;

static int
cache_put (err_cache_t *c, double s, double e, fga_error *err)
{
  if (c->count == c->cap)
    {
      size_t cap = c->cap ? 2 * c->cap : 16;
      double *ns = realloc (c->size, cap * sizeof *ns);
      if (ns == NULL)
        return fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for the least-size search");
      c->size = ns;
      double *ne = realloc (c->err, cap * sizeof *ne);
      if (ne == NULL)
        return fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for the least-size search");
      c->err = ne;
      c->cap = cap;
    }
  c->size[c->count] = s;
  c->err[c->count++] = e;
  return FGA_OK;
}

static int
size_error (double *e, err_cache_t *c, cell_work_t *w, const fga_sweep_method *m, double s,
            fga_error *err)
{
  for (size_t k = 0; k < c->count; k++)
    if (c->size[k] == s)
      {
        *e = c->err[k];
        return FGA_OK;
      }
  char spec[700];
  spec_at (spec, sizeof spec, m, s);
  run_result_t r;
  int rc = run_method (&r, w, spec, err);
  if (rc != FGA_OK)
    return rc;
  advance_run (w);
  *e = r.status == RUN_OK ? r.mt.max_abs : INFINITY;
  return cache_put (c, s, *e, err);
}

/* The least integer size in [lo, hi] whose max_abs error is <= target,
   assuming the error decreases with the size (true of the degree of poly
   and the rank of svd; for random methods the seed is fixed in the spec, so
   it holds in the mean, and the search reports the size it found under that
   assumption).  Doubling from lo finds a size that reaches the target, then
   bisection between it and the last one that did not.  When no size up to
   hi reaches it (or hi < lo), *least is hi and *censored 1: the least size
   is above hi.  */
static int
least_size (double *least, int *censored, err_cache_t *c, cell_work_t *w,
            const fga_sweep_method *m, double lo, double hi, double target, fga_error *err)
{
  double e;
  int rc;
  *least = hi;
  *censored = 1;
  if (hi < lo)
    return FGA_OK;
  double bad = lo - 1, good = NAN;
  for (double s = lo;; s = fmin (2 * s, hi))
    {
      if ((rc = size_error (&e, c, w, m, s, err)) != FGA_OK)
        return rc;
      if (e <= target)
        {
          good = s;
          break;
        }
      bad = s;
      if (s == hi)
        return FGA_OK;
    }
  while (good - bad > 1)
    {
      double mid = floor ((good + bad) / 2);
      if ((rc = size_error (&e, c, w, m, mid, err)) != FGA_OK)
        return rc;
      if (e <= target)
        good = mid;
      else
        bad = mid;
    }
  *least = good;
  *censored = 0;
  return FGA_OK;
}

/* The least size a method accepts: its parameter's minimum, but at least 1
   (0 means "choose for me" for poly's deg, not a size).  */
static double
size_lower_end (const fga_sweep_method *m)
{
  const fga_param_info *p = fgap_sweep_param_info (m->spec, m->size_key);
  return p != NULL ? fmax (1, ceil (p->min)) : 1;
}

/* The cell's leading columns of rank.csv, least.csv and cost.csv.  */
static void
put_cell_short (FILE *fp, const fgap_sweep_cell *c)
{
  put_field (fp, c->id, 0);
  put_size (fp, c->n, 0);
  put_size (fp, c->d, 0);
  put_field (fp, fga_dist_name (c->dist), 0);
  put_field (fp, c->law->text, 0);
  put_num (fp, c->beta, 0);
  put_num (fp, c->B, 0);
  char buf[32];
  snprintf (buf, sizeof buf, "%lu", c->seed);
  put_field (fp, buf, 0);
}

/* The cell's instance and its ground truth: certified (MPFR) up to
   mpfr_max_n, the best double method (exact:algo=stream) beyond.  */
static int
cell_truth (cell_work_t *w, const char **truth_kind, fga_error *err)
{
  const fga_sweep_config *cfg = w->cfg;
  const fgap_sweep_cell *c = w->cell;
  int rc = fga_instance_generate (w->inst, c->n, c->n, c->d, c->dv, c->B, c->Bv, c->dist,
                                  c->seed, err);
  if (rc == FGA_OK)
    rc = fga_mat_init (w->truth, c->n, c->dv, err);
  if (rc == FGA_OK)
    rc = fga_mat_init (w->T, c->n, c->dv, err);
  if (rc != FGA_OK)
    return rc;
  *truth_kind = "mpfr";
  if (c->n <= cfg->mpfr_max_n)
    {
      /* Undecided entries (ties, rare) keep the working value rounded to
         nearest: within an ulp, far below any method's error.  */
      fga_truth_opts topts = { (mpfr_prec_t) cfg->prec, (mpfr_prec_t) (4 * cfg->prec), 0 };
      rc = fga_truth (w->truth, NULL, NULL, NULL, w->inst->Q, w->inst->K, w->inst->V,
                      &cfg->tau, &topts, NULL, NULL, err);
    }
  else
    {
      *truth_kind = "stream";
      rc = fga_attention_stream (w->truth, NULL, w->inst->Q, w->inst->K, w->inst->V,
                                 fga_tau_double (&cfg->tau, c->d), 0, NULL, err);
    }
  if (rc == FGA_OK)
    fga_problem_from_instance (&w->prob, w->inst, &cfg->tau);
  return rc;
}

/* ------------------------------------------------------------------ */
/* rank.csv.  */

/* The numerical rank of P at each tolerance: every singular value by
   dgesdd (dense), or the randomized estimate, which is censored when its
   budget kmax cannot decide it.  */
static int
rank_values (size_t *rank, int *censored, const double *tol, cell_work_t *w, int randomized,
             fga_error *err)
{
  const fga_sweep_config *cfg = w->cfg;
  const fgap_sweep_cell *c = w->cell;
  double tau = fga_tau_double (&cfg->tau, c->d);
  if (randomized)
    {
      fga_rank_estimate est[FGA_SWEEP_MAX_LIST];
      fga_rank_opts opts;
      memset (&opts, 0, sizeof opts);
      opts.kmax = cfg->rank_kmax;
      opts.seed = c->seed;
      int rc = fga_attention_rank_randomized (est, tol, cfg->ntol, w->inst->Q, w->inst->K, tau,
                                              &opts, NULL, err);
      for (size_t t = 0; t < cfg->ntol && rc == FGA_OK; t++)
        rank[t] = est[t].rank, censored[t] = est[t].censored;
      return rc;
    }
  double *sigma = fgap_calloc (c->n, sizeof *sigma, "singular values of P", err);
  if (sigma == NULL)
    return FGA_ERR_NOMEM;
  int rc = fga_attention_singular_values (sigma, w->inst->Q, w->inst->K, tau, NULL, err);
  for (size_t t = 0; t < cfg->ntol && rc == FGA_OK; t++)
    rank[t] = fga_numerical_rank (sigma, c->n, tol[t]), censored[t] = 0;
  fgap_free (sigma);
  return rc;
}

static int
cell_rank (FILE *fp, cell_work_t *w, fga_error *err)
{
  const fga_sweep_config *cfg = w->cfg;
  const fgap_sweep_cell *c = w->cell;
  if (!fgap_sweep_rank_wanted (cfg, c->n))
    return FGA_OK;
  /* Equal rows of Q give equal rows of P, equal rows of K equal columns:
     the fewer distinct rows bound the rank (lowrank and clustered
     instances have few).  */
  size_t dq, dk;
  int rc = fga_instance_distinct_rows (&dq, w->inst->Q, err);
  if (rc == FGA_OK)
    rc = fga_instance_distinct_rows (&dk, w->inst->K, err);
  double tol[FGA_SWEEP_MAX_LIST];
  size_t rank[FGA_SWEEP_MAX_LIST];
  int censored[FGA_SWEEP_MAX_LIST];
  for (size_t t = 0; t < cfg->ntol; t++)
    tol[t] = fga_accuracy_at (&cfg->tol[t], (double) c->n);
  int randomized = fgap_sweep_rank_randomized (cfg, c->n);
  if (rc == FGA_OK)
    rc = rank_values (rank, censored, tol, w, randomized, err);
  if (rc == FGA_OK)
    advance_to (w, w->done + rank_units (cfg, c->n));
  for (size_t t = 0; t < cfg->ntol && rc == FGA_OK; t++)
    {
      put_cell_short (fp, c);
      put_field (fp, cfg->tol[t].text, 0);
      put_num (fp, tol[t], 0);
      put_field (fp, randomized ? "randomized" : "dense", 0);
      put_size (fp, rank[t], 0);
      put_field (fp, censored[t] ? "1" : "0", 0);
      put_size (fp, dq < dk ? dq : dk, 1);
    }
  return rc;
}

/* ------------------------------------------------------------------ */
/* results.csv and least.csv.  */

/* The columns of results.csv that are the cell's, the same on each of its
   rows; tau is formatted into taus.  */
static void
cell_row (results_row_t *row, char *taus, size_t tsize, const cell_work_t *w,
          const char *truth_kind)
{
  const fga_sweep_config *cfg = w->cfg;
  const fgap_sweep_cell *c = w->cell;
  double tau = fga_tau_double (&cfg->tau, c->d);
  fga_tau_format (taus, tsize, &cfg->tau);
  memset (row, 0, sizeof *row);
  row->cell = c->id;
  row->n = c->n;
  row->d = c->d;
  row->dv = c->dv;
  row->dist = fga_dist_name (c->dist);
  row->law = c->law->text;
  row->beta = c->beta;
  row->B = c->B;
  row->Bv = c->Bv;
  row->tau = taus;
  row->seed = c->seed;
  row->R_apriori = tau * (double) c->d * c->B * c->B;
  row->R_data = w->prob.R;
  row->truth = truth_kind;
}

/* results.csv: one method at each of its grid sizes; the errors of the
   integer sizes seed the least-size search, so that they are not run
   again.  */
static int
cell_method_rows (FILE *fp, err_cache_t *cache, cell_work_t *w, const fga_sweep_method *m,
                  results_row_t *row, fga_error *err)
{
  int sized = m->size_key[0] != '\0';
  size_t nrun = sized ? m->nsizes : 1;
  int skip = m->max_n != 0 && w->cell->n > m->max_n;
  int rc = FGA_OK;
  cache->count = 0;
  for (size_t s = 0; s < nrun && rc == FGA_OK; s++)
    {
      char spec[700];
      double size = sized ? m->sizes[s] : NAN;
      spec_at (spec, sizeof spec, m, size);
      run_result_t r;
      /* A row per size all the same, so that every cell has as many rows
         (a resumed sweep counts them).  */
      if (skip)
        {
          memset (&r, 0, sizeof r);
          r.status = RUN_SKIPPED;
          snprintf (r.msg, sizeof r.msg, "not run: n = %zu is above the method's max_n = %zu",
                    w->cell->n, m->max_n);
        }
      else if ((rc = run_method (&r, w, spec, err)) != FGA_OK)
        break;
      else
        advance_run (w);
      if (w->rep != NULL)
        w->rep->runs[r.status]++;
      row->label = m->label;
      row->method = spec;
      row->size_key = m->size_key;
      row->size = size;
      row->status = status_names[r.status];
      row->message = r.msg;
      row->ok = r.status == RUN_OK;
      row->max_abs = r.mt.max_abs;
      row->rel_fro = r.mt.rel_fro;
      row->mean_abs = r.mt.mean_abs;
      row->max_ulps = r.mt.max_ulps;
      row->mul = r.st.n_mul;
      row->add = r.st.n_add;
      row->exp = r.st.n_exp;
      row->div = r.st.n_div;
      row->cmp = r.st.n_cmp;
      row->peak_bytes = r.st.peak_bytes;
      row->wall_seconds = r.st.wall_seconds;
      put_results_row (fp, row);
      if (sized && !skip && size == floor (size))
        rc = cache_put (cache, size, r.status == RUN_OK ? r.mt.max_abs : INFINITY, err);
    }
  return rc;
}

/* least.csv: the least size of one method reaching each target, searched
   up to max_size (the cell's n for max_size = n).  */
static int
cell_least (FILE *fp, err_cache_t *cache, cell_work_t *w, const fga_sweep_method *m,
            fga_error *err)
{
  const fgap_sweep_cell *c = w->cell;
  if (m->size_key[0] == '\0' || m->ntargets == 0 || (m->max_n != 0 && c->n > m->max_n))
    return FGA_OK;
  double lo = size_lower_end (m);
  double hi = m->max_size_n ? (double) c->n : floor (m->max_size);
  for (size_t t = 0; t < m->ntargets; t++)
    {
      double least, target = fga_accuracy_at (&m->targets[t], (double) c->n);
      int censored;
      /* the search's runs move the progress up to its budget in the model */
      double end = w->done + (double) (c->d + c->dv) * fgap_sweep_least_runs (m, c->n);
      w->ceiling = end;
      int rc = least_size (&least, &censored, cache, w, m, lo, hi, target, err);
      w->ceiling = w->total;
      if (rc != FGA_OK)
        return rc;
      advance_to (w, end);
      put_cell_short (fp, c);
      put_field (fp, m->label, 0);
      put_field (fp, m->size_key, 0);
      put_field (fp, m->targets[t].text, 0);
      put_num (fp, target, 0);
      put_num (fp, least, 0);
      put_field (fp, censored ? "1" : "0", 1);
    }
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* cost.csv.  */

/* One row of cost.csv past the cell's columns; NaN is an empty field.  */
typedef struct
{
  double g_cert, g_cert_censored, r_cert, r_cert_log10;
  double g_emp, g_emp_censored, r_emp, r_emp_log10;
  const char *poly_status;
  double poly_seconds;
} cost_row_t;

/* The least degree certified within eps_rel on [-R, R] (relative, as
   poly and `fgattn plan' take it): censored at FGA_EXPFIT_GMAX when none
   up to it is; NaN (unknown) when R is beyond FGA_EXPFIT_RMAX or eps_rel
   is 0, where expfit certifies nothing.  */
static int
certified_degree (cost_row_t *row, fga_basis basis, double R, double eps_rel, fga_error *err)
{
  row->g_cert = row->g_cert_censored = NAN;
  if (!(R <= FGA_EXPFIT_RMAX) || !(eps_rel > 0))
    return FGA_OK;
  long g;
  fga_error sub;
  fga_error_init (&sub);
  int rc = fga_expfit_least_degree (&g, basis, R, eps_rel, 1, FGA_EXPFIT_GMAX, &sub);
  if (rc == FGA_ERR_COMPUTE)
    {
      row->g_cert = (double) FGA_EXPFIT_GMAX;
      row->g_cert_censored = 1;
      return FGA_OK;
    }
  if (rc != FGA_OK)
    return fgap_error_set (err, rc, "the certified degree at R = %g, eps = %g: %s", R, eps_rel,
                           sub.msg);
  row->g_cert = (double) g;
  row->g_cert_censored = 0;
  return FGA_OK;
}

/* The least degree whose poly output (basis of [cost], R the data's
   radius) is within eps_a of the truth on this instance, searched up to
   gmax by fga_poly_least_degree: *censored = 1 when none is.  NaN when R
   is beyond FGA_EXPFIT_RMAX, where poly takes no polynomial.  */
static int
empirical_degree (cost_row_t *row, cell_work_t *w, double R, double eps_a, fga_error *err)
{
  const fga_sweep_cost *cost = &w->cfg->cost;
  row->g_emp = row->g_emp_censored = row->r_emp = row->r_emp_log10 = NAN;
  if (!(R <= FGA_EXPFIT_RMAX))
    return FGA_OK;
  long g;
  int censored;
  double tau = fga_tau_double (&w->cfg->tau, w->cell->d);
  int rc = fga_poly_least_degree (&g, &censored, NULL, w->inst->Q, w->inst->K, w->inst->V,
                                  w->truth, tau, cost->basis, R, eps_a, cost->gmax, err);
  if (rc != FGA_OK)
    return rc;
  row->g_emp = (double) g;
  row->g_emp_censored = censored;
  fgap_sweep_binomial (&row->r_emp, &row->r_emp_log10, w->cell->d, g);
  return FGA_OK;
}

/* poly at deg = g_emp with the data's radius, timed, where its features
   fit poly_max_bytes (its budget too); refused where there is no g_emp.  */
static int
time_poly (cost_row_t *row, cell_work_t *w, fga_error *err)
{
  const fga_sweep_cost *cost = &w->cfg->cost;
  const fgap_sweep_cell *c = w->cell;
  long g = (long) row->g_emp;
  row->poly_seconds = NAN;
  if (isnan (row->g_emp))
    {
      row->poly_status = status_names[RUN_REFUSED];
      return FGA_OK;
    }
  if (!(fgap_sweep_poly_bytes (c->n, c->d, c->dv, g) <= cost->poly_max_bytes))
    {
      row->poly_status = "memory";
      return FGA_OK;
    }
  char spec[256];
  snprintf (spec, sizeof spec, "poly:basis=%s,deg=%ld,R=auto,budget=%.0f",
            fga_basis_name (cost->basis), g, cost->poly_max_bytes);
  run_result_t r;
  int rc = run_method (&r, w, spec, err);
  if (rc != FGA_OK)
    return rc;
  row->poly_status = status_names[r.status];
  if (r.status == RUN_OK)
    row->poly_seconds = r.st.wall_seconds;
  return FGA_OK;
}

static void
put_cost_row (FILE *fp, const fgap_sweep_cell *c, const fga_accuracy *eps, double eps_value,
              double R, const cost_row_t *row, double exact_seconds)
{
  put_cell_short (fp, c);
  put_field (fp, eps->text, 0);
  put_num (fp, eps_value, 0);
  put_num (fp, R, 0);
  const double nums[] = { row->g_cert, row->g_cert_censored, row->r_cert, row->r_cert_log10,
                          row->g_emp, row->g_emp_censored, row->r_emp, row->r_emp_log10 };
  for (size_t k = 0; k < sizeof nums / sizeof nums[0]; k++)
    {
      /* r above the largest double is given by its logarithm alone.  */
      if (isinf (nums[k]))
        put_field (fp, "", 0);
      else if (k == 2 || k == 6)
        {
          char buf[32] = "";
          if (!isnan (nums[k]))
            snprintf (buf, sizeof buf, "%.17g", nums[k]);
          put_field (fp, buf, 0);
        }
      else
        put_num (fp, nums[k], 0);
    }
  put_field (fp, row->poly_status, 0);
  put_seconds (fp, row->poly_seconds, 0);
  put_seconds (fp, exact_seconds, 1);
}

static int
cell_cost (FILE *fp, cell_work_t *w, fga_error *err)
{
  const fga_sweep_cost *cost = &w->cfg->cost;
  const fgap_sweep_cell *c = w->cell;
  if (!cost->on)
    return FGA_OK;
  run_result_t ex;
  int rc = run_method (&ex, w, cost->exact, err);
  advance_run (w);
  double exact_seconds = ex.status == RUN_OK ? ex.st.wall_seconds : NAN;
  /* The radius poly's R=auto takes: the data's Cauchy--Schwarz bound,
     raised to FGA_POLY_RMIN.  */
  double R = fmax (w->prob.R, FGA_POLY_RMIN);
  for (size_t k = 0; k < cost->neps && rc == FGA_OK; k++)
    {
      double eps_value = fga_accuracy_at (&cost->eps[k], (double) c->n);
      cost_row_t row;
      rc = certified_degree (&row, cost->basis, R, fga_poly_eps_rel (eps_value, c->Bv), err);
      row.r_cert = row.r_cert_log10 = NAN;
      if (rc == FGA_OK && !isnan (row.g_cert))
        fgap_sweep_binomial (&row.r_cert, &row.r_cert_log10, c->d, (long) row.g_cert);
      if (rc == FGA_OK)
        rc = empirical_degree (&row, w, R, eps_value, err);
      advance_run (w);
      if (rc == FGA_OK)
        rc = time_poly (&row, w, err);
      advance_run (w);
      if (rc == FGA_OK)
        put_cost_row (fp, c, &cost->eps[k], eps_value, R, &row, exact_seconds);
    }
  return rc;
}

/* ------------------------------------------------------------------ */

int
fgap_sweep_cell_compute (char *out[FGAP_SWEEP_NFILES], size_t outlen[FGAP_SWEEP_NFILES],
                         const fga_sweep_config *cfg, const fgap_sweep_cell *c,
                         fgap_sweep_cell_report *rep, fga_error *err)
{
  cell_work_t w;
  w.cfg = cfg;
  w.cell = c;
  w.rep = rep;
  w.done = 0;
  w.total = w.ceiling = fgap_sweep_cell_units (cfg, c);
  fga_instance_init (w.inst);
  fga_mat_struct empty = { 0, 0, NULL };
  *w.truth = empty;
  *w.T = empty;
  FILE *fp[FGAP_SWEEP_NFILES];
  for (int k = 0; k < FGAP_SWEEP_NFILES; k++)
    out[k] = NULL, outlen[k] = 0, fp[k] = NULL;
  err_cache_t cache = { 0, 0, NULL, NULL };
  const char *truth_kind = "mpfr";

  int rc = cell_truth (&w, &truth_kind, err);
  if (rc == FGA_OK)
    advance_to (&w, (double) (c->d + c->dv) * truth_runs (cfg, c->n));
  for (int k = 0; k < FGAP_SWEEP_NFILES && rc == FGA_OK; k++)
    if ((fp[k] = open_memstream (&out[k], &outlen[k])) == NULL)
      rc = fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for the rows of cell %s", c->id);
  if (rc == FGA_OK)
    rc = cell_rank (fp[FGAP_SWEEP_RANK], &w, err);
  results_row_t row;
  char taus[64];
  if (rc == FGA_OK)
    cell_row (&row, taus, sizeof taus, &w, truth_kind);
  for (size_t k = 0; k < cfg->nmethods && rc == FGA_OK; k++)
    {
      rc = cell_method_rows (fp[FGAP_SWEEP_RESULTS], &cache, &w, &cfg->methods[k], &row, err);
      if (rc == FGA_OK)
        rc = cell_least (fp[FGAP_SWEEP_LEAST], &cache, &w, &cfg->methods[k], err);
    }
  if (rc == FGA_OK)
    rc = cell_cost (fp[FGAP_SWEEP_COST], &w, err);
  if (rc == FGA_OK)
    advance_to (&w, w.total);

  /* open_memstream's buffers exist from the open on, and are complete
     (and theirs to free) after the close, whatever happened before.  */
  for (int k = 0; k < FGAP_SWEEP_NFILES; k++)
    if (fp[k] != NULL && fclose (fp[k]) != 0 && rc == FGA_OK)
      rc = fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for the rows of cell %s", c->id);
  if (rc != FGA_OK)
    for (int k = 0; k < FGAP_SWEEP_NFILES; k++)
      {
        free (out[k]);
        out[k] = NULL;
      }
  free (cache.size);
  free (cache.err);
  fga_mat_clear (w.T);
  fga_mat_clear (w.truth);
  fga_instance_clear (w.inst);
  return rc;
}
