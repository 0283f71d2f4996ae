/* fga_sweep -- run an experiment grid into three tidy CSV files, resuming where a run stopped

   Cells (n, b, seed) are taken in that order.  A cell's rows are formatted
   in memory and written at once, rank.csv and least.csv first (flushed and
   fsync'ed), results.csv last (flushed and fsync'ed): so a cell whose
   results rows are all present in results.csv is complete in the three
   files, and results.csv is the record of what is done.  On a re-run the
   three files are read back, every row of an incomplete cell (and a
   trailing line without its newline, what a kill leaves) is removed by
   rewriting the file atomically, and the complete cells are skipped.  */

#include "core/fga-impl.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>
#ifdef _OPENMP
# include <omp.h>
#endif

/* results.csv's header is made from its column table (below).  */
static const char rank_header[] = "cell,n,d,beta,B,seed,tol,tol_value,rank\n";
static const char least_header[] = "cell,n,d,beta,B,seed,label,size_key,target,least_size\n";

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

static void
put_num (FILE *fp, double x)
{
  char buf[64];
  fgap_format_shortest (buf, sizeof buf, x);
  put_field (fp, buf, 0);
}

/* The first field of a CSV line, unquoted, into buf.  */
static void
first_field (char *buf, size_t size, const char *line, size_t len)
{
  size_t k = 0, i = 0;
  if (len > 0 && line[0] == '"')
    {
      for (i = 1; i < len; i++)
        {
          if (line[i] == '"')
            {
              if (i + 1 < len && line[i + 1] == '"')
                i++;
              else
                break;
            }
          if (k + 1 < size)
            buf[k++] = line[i];
        }
    }
  else
    for (; i < len && line[i] != ',' && line[i] != '\n'; i++)
      if (k + 1 < size)
        buf[k++] = line[i];
  buf[k] = '\0';
}

/* ------------------------------------------------------------------ */
/* The grid.  */

typedef struct
{
  size_t n, d, dv;
  double b, B, Bv;
  unsigned long seed;
  char id[128];
} cell_t;

static void
cell_make (cell_t *c, const fga_sweep_config *cfg, size_t in, size_t ib, size_t is)
{
  c->n = cfg->n[in];
  c->b = cfg->b[ib];
  c->seed = cfg->seeds[is];
  c->d = fga_sweep_config_d (cfg, c->n);
  c->dv = cfg->dv_fixed != 0 ? cfg->dv_fixed : c->d;
  c->B = fga_sweep_config_B (cfg, c->n, c->b);
  c->Bv = cfg->Bv > 0 ? cfg->Bv : c->B;
  char bs[64];
  fgap_format_shortest (bs, sizeof bs, c->b);
  snprintf (c->id, sizeof c->id, "n=%zu,b=%s,seed=%lu", c->n, bs, c->seed);
}

/* Rows each cell writes to results.csv: one per (method, size).  */
static size_t
rows_per_cell (const fga_sweep_config *cfg)
{
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
/* One method run against the truth.  */

typedef enum { RUN_OK, RUN_REFUSED, RUN_FAILED } run_status_t;
static const char *const status_names[] = { "ok", "refused", "failed" };

typedef struct
{
  run_status_t status;
  fga_metrics mt;
  fga_stats st;
} run_result_t;

typedef struct
{
  const fga_sweep_config *cfg;
  cell_t cell;
  fga_instance_t inst;
  fga_problem prob;
  fga_mat_t truth, T;
} cell_work_t;

/* ------------------------------------------------------------------ */
/* results.csv: its columns, defined once.  The table gives each column its
   name and how its field is written; the header and every row are made
   from it, so that they cannot disagree.  */

/* One row of results.csv: a cell, a method at one size, and its outcome. */
typedef struct
{
  const char *cell;            /* the cell id */
  size_t n, d, dv;
  double beta;                 /* NaN (an empty field) when the grid is in absolute B */
  double B, Bv;
  const char *dist, *tau;
  unsigned long seed;
  double R_apriori, R_data;
  const char *truth, *label, *method, *size_key;
  double size;                 /* NaN (an empty field) when the method has no size */
  const char *status;
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

static void
field_num (char *buf, size_t size, const void *value)
{
  fgap_format_shortest (buf, size, *(const double *) value);
}

/* A number, or an empty field for NaN (a value that does not apply).  */
static void
field_opt_num (char *buf, size_t size, const void *value)
{
  double x = *(const double *) value;
  if (isnan (x))
    buf[0] = '\0';
  else
    fgap_format_shortest (buf, size, x);
}

/* Timing: six digits are all a wall clock is worth.  */
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
  COL ("beta", field_opt_num, beta, 0),
  COL ("B", field_num, B, 0),
  COL ("Bv", field_num, Bv, 0),
  COL ("dist", field_text, dist, 0),
  COL ("tau", field_text, tau, 0),
  COL ("seed", field_ulong, seed, 0),
  COL ("R_apriori", field_num, R_apriori, 0),
  COL ("R_data", field_num, R_data, 0),
  COL ("truth", field_text, truth, 0),
  COL ("label", field_text, label, 0),
  COL ("method", field_text, method, 0),
  COL ("size_key", field_text, size_key, 0),
  COL ("size", field_opt_num, size, 0),
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
  COL ("wall_seconds", field_seconds, wall_seconds, 1),
};
#undef COL
#define NRESULTS_COLS (sizeof results_cols / sizeof results_cols[0])

/* The header line of results.csv, with its newline.  */
static void
results_header (char *buf, size_t size)
{
  size_t used = 0;
  for (size_t k = 0; k < NRESULTS_COLS; k++)
    used += (size_t) snprintf (buf + used, size - used, "%s%s", results_cols[k].name,
                               k + 1 < NRESULTS_COLS ? "," : "\n");
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
  fga_method m = fga_method_create (spec, &merr);
  if (m == NULL)
    {
      r->status = merr.code == FGA_ERR_INPUT ? RUN_REFUSED : RUN_FAILED;
      return FGA_OK;
    }
  int rc = fga_method_prepare (m, &w->prob, &merr);
  if (rc != FGA_OK)
    {
      r->status = rc == FGA_ERR_INPUT ? RUN_REFUSED : RUN_FAILED;
      fga_method_destroy (m);
      return FGA_OK;
    }
  double t0 = fga_wall_time ();
  rc = fga_method_run (m, w->T, NULL, w->inst->Q, w->inst->K, w->inst->V, &r->st, &merr);
  r->st.wall_seconds = fga_wall_time () - t0;
  fga_method_destroy (m);
  if (rc != FGA_OK)
    {
      r->status = RUN_FAILED;
      return FGA_OK;
    }
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
  *e = r.status == RUN_OK ? r.mt.max_abs : INFINITY;
  return cache_put (c, s, *e, err);
}

/* The least integer size in [lo, max_size] whose max_abs error is <= target,
   assuming the error decreases with the size (true of the degree of poly
   and the rank of svd; for random methods the seed is fixed in the spec, so
   it holds in the mean, and the search reports the size it found under that
   assumption).  Doubling from lo finds a size that reaches the target, then
   bisection between it and the last one that did not.  *least is NaN when
   max_size does not reach it.  */
static int
least_size (double *least, err_cache_t *c, cell_work_t *w, const fga_sweep_method *m,
            double lo, double target, fga_error *err)
{
  double hi = floor (m->max_size), e;
  int rc;
  *least = NAN;
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
  return FGA_OK;
}

/* The least size a method accepts: its parameter's minimum, but at least 1
   (0 means "choose for me" for poly's deg, not a size).  */
static double
size_lower_end (const fga_sweep_method *m)
{
  size_t len = strcspn (m->spec, ":");
  for (size_t i = 0; i < fga_method_count (); i++)
    {
      const fga_method_info *info = fga_method_info_at (i);
      if (strlen (info->name) != len || strncmp (info->name, m->spec, len) != 0)
        continue;
      for (const fga_param_info *p = info->params; p->key != NULL; p++)
        if (strcmp (p->key, m->size_key) == 0)
          return fmax (1, ceil (p->min));
    }
  return 1;
}

/* The cell's leading columns of rank.csv and least.csv.  */
static void
put_cell_short (FILE *fp, const fga_sweep_config *cfg, const cell_t *c)
{
  char buf[64];
  put_field (fp, c->id, 0);
  snprintf (buf, sizeof buf, "%zu", c->n);
  put_field (fp, buf, 0);
  snprintf (buf, sizeof buf, "%zu", c->d);
  put_field (fp, buf, 0);
  if (cfg->use_beta)
    put_num (fp, c->b);
  else
    put_field (fp, "", 0);
  put_num (fp, c->B);
  snprintf (buf, sizeof buf, "%lu", c->seed);
  put_field (fp, buf, 0);
}

/* The cell's instance and its ground truth: certified (MPFR) up to
   mpfr_max_n, the best double method (exact:algo=stream) beyond.  */
static int
cell_truth (cell_work_t *w, const char **truth_kind, fga_error *err)
{
  const fga_sweep_config *cfg = w->cfg;
  const cell_t *c = &w->cell;
  int rc = fga_instance_generate (w->inst, c->n, c->n, c->d, c->dv, c->B, c->Bv, cfg->dist,
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
      fga_truth_opts topts = { (mpfr_prec_t) cfg->prec, (mpfr_prec_t) (4 * cfg->prec) };
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

/* rank.csv: the numerical rank of P at each tolerance.  */
static int
cell_rank (FILE *fp, cell_work_t *w, fga_error *err)
{
  const fga_sweep_config *cfg = w->cfg;
  const cell_t *c = &w->cell;
  if (c->n > cfg->rank_max_n || cfg->ntol == 0)
    return FGA_OK;
  double *sigma = fgap_calloc (c->n, sizeof *sigma, "singular values of P", err);
  if (sigma == NULL)
    return FGA_ERR_NOMEM;
  int rc = fga_attention_singular_values (sigma, w->inst->Q, w->inst->K,
                                          fga_tau_double (&cfg->tau, c->d), NULL, err);
  for (size_t t = 0; t < cfg->ntol && rc == FGA_OK; t++)
    {
      double tol = cfg->tol[t] < 0 ? 1.0 / (double) c->n : cfg->tol[t];
      char buf[64];
      put_cell_short (fp, cfg, c);
      if (cfg->tol[t] < 0)
        put_field (fp, "1/n", 0);
      else
        put_num (fp, cfg->tol[t]);
      put_num (fp, tol);
      snprintf (buf, sizeof buf, "%zu", fga_numerical_rank (sigma, c->n, tol));
      put_field (fp, buf, 1);
    }
  fgap_free (sigma);
  return rc;
}

/* The columns of results.csv that are the cell's, the same on each of its
   rows; tau is formatted into taus.  */
static void
cell_row (results_row_t *row, char *taus, size_t tsize, const cell_work_t *w,
          const char *truth_kind)
{
  const fga_sweep_config *cfg = w->cfg;
  const cell_t *c = &w->cell;
  double tau = fga_tau_double (&cfg->tau, c->d);
  fga_tau_format (taus, tsize, &cfg->tau);
  memset (row, 0, sizeof *row);
  row->cell = c->id;
  row->n = c->n;
  row->d = c->d;
  row->dv = c->dv;
  row->beta = cfg->use_beta ? c->b : NAN;
  row->B = c->B;
  row->Bv = c->Bv;
  row->dist = fga_dist_name (cfg->dist);
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
  int rc = FGA_OK;
  cache->count = 0;
  for (size_t s = 0; s < nrun && rc == FGA_OK; s++)
    {
      char spec[700];
      double size = sized ? m->sizes[s] : NAN;
      spec_at (spec, sizeof spec, m, size);
      run_result_t r;
      if ((rc = run_method (&r, w, spec, err)) != FGA_OK)
        break;
      row->label = m->label;
      row->method = spec;
      row->size_key = m->size_key;
      row->size = size;
      row->status = status_names[r.status];
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
      if (sized && size == floor (size))
        rc = cache_put (cache, size, r.status == RUN_OK ? r.mt.max_abs : INFINITY, err);
    }
  return rc;
}

/* least.csv: the least size of one method reaching each target.  */
static int
cell_least (FILE *fp, err_cache_t *cache, cell_work_t *w, const fga_sweep_method *m,
            fga_error *err)
{
  if (m->size_key[0] == '\0' || m->ntargets == 0)
    return FGA_OK;
  double lo = size_lower_end (m);
  for (size_t t = 0; t < m->ntargets; t++)
    {
      double least;
      int rc = least_size (&least, cache, w, m, lo, m->targets[t], err);
      if (rc != FGA_OK)
        return rc;
      put_cell_short (fp, w->cfg, &w->cell);
      put_field (fp, m->label, 0);
      put_field (fp, m->size_key, 0);
      put_num (fp, m->targets[t]);
      if (isnan (least))
        put_field (fp, "", 1);
      else
        {
          char buf[64];
          fgap_format_shortest (buf, sizeof buf, least);
          put_field (fp, buf, 1);
        }
    }
  return FGA_OK;
}

/* Computes one cell into three memory buffers, the rows of results.csv,
   rank.csv and least.csv (out[0..2]; NULL after a failure).  */
static int
cell_compute (char *out[3], size_t outlen[3], const fga_sweep_config *cfg, const cell_t *c,
              fga_error *err)
{
  cell_work_t w;
  w.cfg = cfg;
  w.cell = *c;
  fga_instance_init (w.inst);
  fga_mat_struct empty = { 0, 0, NULL };
  *w.truth = empty;
  *w.T = empty;
  FILE *fp[3] = { NULL, NULL, NULL };
  for (int k = 0; k < 3; k++)
    out[k] = NULL, outlen[k] = 0;
  err_cache_t cache = { 0, 0, NULL, NULL };
  const char *truth_kind = "mpfr";

  int rc = cell_truth (&w, &truth_kind, err);
  for (int k = 0; k < 3 && rc == FGA_OK; k++)
    if ((fp[k] = open_memstream (&out[k], &outlen[k])) == NULL)
      rc = fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for the rows of cell %s", c->id);
  if (rc == FGA_OK)
    rc = cell_rank (fp[1], &w, err);
  results_row_t row;
  char taus[64];
  if (rc == FGA_OK)
    cell_row (&row, taus, sizeof taus, &w, truth_kind);
  for (size_t k = 0; k < cfg->nmethods && rc == FGA_OK; k++)
    {
      rc = cell_method_rows (fp[0], &cache, &w, &cfg->methods[k], &row, err);
      if (rc == FGA_OK)
        rc = cell_least (fp[2], &cache, &w, &cfg->methods[k], err);
    }

  /* open_memstream's buffers exist from the open on, and are complete
     (and theirs to free) after the close, whatever happened before.  */
  for (int k = 0; k < 3; k++)
    if (fp[k] != NULL && fclose (fp[k]) != 0 && rc == FGA_OK)
      rc = fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for the rows of cell %s", c->id);
  if (rc != FGA_OK)
    for (int k = 0; k < 3; k++)
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

/* ------------------------------------------------------------------ */
/* Files: resume and append.  */

static int
read_whole (char **buf, size_t *len, const char *path, fga_error *err)
{
  *buf = NULL;
  *len = 0;
  FILE *fp = fopen (path, "rb");
  if (fp == NULL)
    {
      if (errno == ENOENT)
        return FGA_OK;
      return fgap_error_set (err, FGA_ERR_IO, "%s: %s", path, strerror (errno));
    }
  size_t cap = 1 << 16, used = 0;
  char *b = malloc (cap + 1);
  while (b != NULL)
    {
      used += fread (b + used, 1, cap - used, fp);
      if (used < cap)
        break;
      char *nb = realloc (b, 2 * cap + 1);
      if (nb == NULL)
        {
          free (b);
          b = NULL;
          break;
        }
      b = nb;
      cap *= 2;
    }
  int bad = ferror (fp);
  fclose (fp);
  if (b == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: out of memory reading it", path);
  if (bad)
    {
      free (b);
      return fgap_error_set (err, FGA_ERR_IO, "%s: read error", path);
    }
  b[used] = '\0';
  *buf = b;
  *len = used;
  return FGA_OK;
}

typedef struct
{
  char **ids;                  /* complete cells, sorted */
  size_t count;
} done_set_t;

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
done_has (const done_set_t *s, const char *id)
{
  return s->count > 0
    && bsearch (&id, s->ids, s->count, sizeof *s->ids, cmp_str) != NULL;
}

static void
done_clear (done_set_t *s)
{
  for (size_t k = 0; k < s->count; k++)
    free (s->ids[k]);
  free (s->ids);
  s->ids = NULL;
  s->count = 0;
}

/* The cells of results.csv with exactly `rows' complete rows.  */
static int
find_done (done_set_t *s, const char *buf, size_t len, size_t rows, const char *path,
           const char *header, fga_error *err)
{
  s->ids = NULL;
  s->count = 0;
  if (len == 0)
    return FGA_OK;
  const char *nl = memchr (buf, '\n', len);
  if (nl == NULL)
    return FGA_OK;             /* a header cut short: nothing was done */
  if ((size_t) (nl - buf) + 1 != strlen (header) || memcmp (buf, header, strlen (header)) != 0)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: not a sweep's file (its header differs); use another folder",
                          path);
  size_t cap = 0, nids = 0;
  char **ids = NULL;
  for (const char *p = nl + 1; p < buf + len;)
    {
      const char *e = memchr (p, '\n', (size_t) (buf + len - p));
      if (e == NULL)
        break;                 /* a partial last line */
      char id[256];
      first_field (id, sizeof id, p, (size_t) (e - p));
      if (nids == cap)
        {
          cap = cap ? 2 * cap : 64;
          char **n2 = realloc (ids, cap * sizeof *ids);
          if (n2 == NULL)
            goto nomem;
          ids = n2;
        }
      if ((ids[nids] = strdup (id)) == NULL)
        goto nomem;
      nids++;
      p = e + 1;
    }
  if (nids > 0)
    qsort (ids, nids, sizeof *ids, cmp_str);
  /* Keep one id per run of exactly `rows' equal ids.  */
  size_t kept = 0;
  for (size_t i = 0; i < nids;)
    {
      size_t j = i;
      while (j < nids && strcmp (ids[j], ids[i]) == 0)
        j++;
      if (j - i == rows && rows > 0)
        {
          char *keep = ids[i];
          ids[i] = NULL;
          for (size_t k = i + 1; k < j; k++)
            free (ids[k]);
          ids[kept++] = keep;
        }
      else
        for (size_t k = i; k < j; k++)
          free (ids[k]);
      i = j;
    }
  s->ids = ids;
  s->count = kept;
  return FGA_OK;
nomem:
  for (size_t k = 0; k < nids; k++)
    free (ids[k]);
  free (ids);
  return fgap_error_set (err, FGA_ERR_NOMEM, "%s: out of memory reading it", path);
}

/* Keeps, in the file at path, the header and the complete lines of complete
   cells; rewrites it atomically only when something goes.  */
static int
prune_file (const char *path, const char *buf, size_t len, const char *header,
            const done_set_t *done, fga_error *err)
{
  if (len == 0)
    return FGA_OK;
  const char *nl = memchr (buf, '\n', len);
  if (nl != NULL
      && ((size_t) (nl - buf) + 1 != strlen (header)
          || memcmp (buf, header, strlen (header)) != 0))
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: not a sweep's file (its header differs); use another folder",
                          path);
  char *keep = malloc (len + 1);
  if (keep == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: out of memory reading it", path);
  size_t used = 0;
  if (nl != NULL)
    {
      memcpy (keep, buf, (size_t) (nl - buf) + 1);
      used = (size_t) (nl - buf) + 1;
      for (const char *p = nl + 1; p < buf + len;)
        {
          const char *e = memchr (p, '\n', (size_t) (buf + len - p));
          if (e == NULL)
            break;
          char id[256];
          first_field (id, sizeof id, p, (size_t) (e - p));
          if (done_has (done, id))
            {
              memcpy (keep + used, p, (size_t) (e - p) + 1);
              used += (size_t) (e - p) + 1;
            }
          p = e + 1;
        }
    }
  int rc = FGA_OK;
  if (used != len)
    {
      fga_atomic_file af;
      rc = fga_atomic_open (&af, path, err);
      if (rc == FGA_OK)
        {
          fwrite (keep, 1, used, af.fp);
          if (fflush (af.fp) != 0 || fsync (fileno (af.fp)) != 0)
            {
              fga_atomic_abort (&af);
              rc = fgap_error_set (err, FGA_ERR_IO, "%s: %s", path, strerror (errno));
            }
          else
            rc = fga_atomic_commit (&af, err);
        }
    }
  free (keep);
  return rc;
}

/* The folders a run made (mkdir -p), so that a run that is refused or
   fails before writing anything can remove them again.  */
typedef struct
{
  char path[4096];
  size_t made[128];            /* ends of the components this run made */
  int nmade;
} made_dirs_t;

/* mkdir -p, remembering which components were made.  */
static int
make_dirs (made_dirs_t *md, const char *dir, fga_error *err)
{
  char *path = md->path;
  md->nmade = 0;
  if (snprintf (path, sizeof md->path, "%s", dir) >= (int) sizeof md->path)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: path too long", dir);
  for (char *p = path + 1;; p++)
    if (*p == '/' || *p == '\0')
      {
        char save = *p;
        *p = '\0';
        if (mkdir (path, 0777) == 0)
          {
            if (md->nmade < 128)
              md->made[md->nmade++] = (size_t) (p - path);
          }
        else if (errno != EEXIST)
          return fgap_error_set (err, FGA_ERR_IO, "%s: %s", path, strerror (errno));
        *p = save;
        if (save == '\0')
          break;
      }
  struct stat sb;
  if (stat (dir, &sb) != 0 || !S_ISDIR (sb.st_mode))
    return fgap_error_set (err, FGA_ERR_IO, "%s: not a folder", dir);
  return FGA_OK;
}

/* Removes the folders make_dirs made, deepest first, those left empty.  */
static void
unmake_dirs (made_dirs_t *md)
{
  for (int k = md->nmade - 1; k >= 0; k--)
    {
      md->path[md->made[k]] = '\0';
      if (rmdir (md->path) != 0)
        break;
    }
  md->nmade = 0;
}

/* The files a sweep writes in its folder, and those `fgattn report' writes
   there (NAME.dat, .gp, .png, .svg for the plots error-vs-*, least-size-*,
   rank-*), and the lock.  A configuration that is one of them would be
   overwritten, appended to or read back as a CSV file: refused.  Any other
   file in the folder (OUTDIR/my.conf) is a configuration like another.  */
static const char *const written_names[]
  = { "results.csv", "rank.csv", "least.csv", "sweep.json", ".lock", "error-vs-B.md",
      "least-size.md", "exponents.md", NULL };
static const char *const plot_prefixes[] = { "error-vs-", "least-size-", "rank-", NULL };
static const char *const plot_suffixes[] = { ".dat", ".gp", ".png", ".svg", NULL };

static int
same_file (const struct stat *a, const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Refuses (FGA_ERR_INPUT) a configuration file that is one of the files
   the run writes in outdir: the same device and inode as OUTDIR/NAME (a
   hard or symbolic link included), or a plot's name in outdir itself.  */
static int
check_config_not_output (const char *config, const char *outdir, fga_error *err)
{
  struct stat cs, os;
  char p[4096 + 64];
  if (config[0] == '\0' || stat (config, &cs) != 0)
    return FGA_OK;             /* not read from a file, or gone: read_whole says */
  for (int k = 0; written_names[k] != NULL; k++)
    {
      snprintf (p, sizeof p, "%s/%s", outdir, written_names[k]);
      if (stat (p, &os) == 0 && same_file (&cs, &os))
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: the configuration is %s, a file the "
                              "sweep writes; keep it outside the folder or under another "
                              "name", config, p);
    }
  const char *base = strrchr (config, '/');
  base = base != NULL ? base + 1 : config;
  size_t blen = strlen (base);
  int plot = 0;
  for (int i = 0; plot_prefixes[i] != NULL; i++)
    for (int j = 0; plot_suffixes[j] != NULL; j++)
      {
        size_t pl = strlen (plot_prefixes[i]), sl = strlen (plot_suffixes[j]);
        if (blen > pl + sl && strncmp (base, plot_prefixes[i], pl) == 0
            && strcmp (base + blen - sl, plot_suffixes[j]) == 0)
          plot = 1;
      }
  if (!plot)
    return FGA_OK;
  /* Is the configuration's folder outdir?  */
  size_t dlen = (size_t) (base - config);
  snprintf (p, sizeof p, "%.*s", (int) (dlen > 0 ? dlen : 1), dlen > 0 ? config : ".");
  struct stat ds;
  if (stat (p, &ds) == 0 && stat (outdir, &os) == 0 && same_file (&ds, &os))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: the configuration has the name of a plot "
                          "file `fgattn report' writes in %s; keep it outside the folder or "
                          "under another name", config, outdir);
  return FGA_OK;
}

/* The header of an existing CSV file of the folder, checked before
   anything is made: a foreign file is refused with nothing written.  */
static int
check_existing_header (const char *path, const char *header, fga_error *err)
{
  char *buf;
  size_t len;
  int rc = read_whole (&buf, &len, path, err);
  if (rc != FGA_OK || buf == NULL)
    return rc;
  const char *nl = memchr (buf, '\n', len);
  size_t hl = strlen (header);
  if (nl != NULL && ((size_t) (nl - buf) + 1 != hl || memcmp (buf, header, hl) != 0))
    rc = fgap_error_set (err, FGA_ERR_INPUT,
                        "%s: not a sweep's file (its header differs); use another folder",
                        path);
  free (buf);
  return rc;
}

/* sweep.json: the version, the configuration as given (the file as read
   before the folder was made, checked as fga_sweep_config_read checks it;
   null when the configuration was not read from a file), the host, the
   date and the seeds.  */
static int
read_config_text (char **text, size_t *len, const fga_sweep_config *cfg, fga_error *err)
{
  *text = NULL;
  *len = 0;
  int rc = FGA_OK;
  if (cfg->path[0] != '\0' && (rc = read_whole (text, len, cfg->path, err)) != FGA_OK)
    return rc;
  if (*text != NULL && (rc = fgap_config_check (cfg->path, *text, *len, err)) != FGA_OK)
    {
      free (*text);
      *text = NULL;
    }
  return rc;
}

static int
write_json (const char *path, const fga_sweep_config *cfg, const char *text, size_t len,
            fga_error *err)
{
  int rc;
  char host[256] = "";
  if (gethostname (host, sizeof host - 1) != 0)
    host[0] = '\0';
  char date[64];
  time_t now = time (NULL);
  struct tm tm;
  gmtime_r (&now, &tm);
  strftime (date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
  json_t *seeds = json_array ();
  for (size_t k = 0; k < cfg->nseeds; k++)
    json_array_append_new (seeds, json_integer ((json_int_t) cfg->seeds[k]));
  json_t *o = json_pack ("{s:s, s:s, s:o, s:s, s:s, s:o}", "fgattn_version", fga_version (),
                         "config_path", cfg->path,
                         "config", text != NULL ? json_stringn (text, len) : json_null (),
                         "host", host, "date", date, "seeds", seeds);
  if (o == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: out of memory, or a path or host name "
                          "that is not UTF-8", path);
  rc = fgap_json_write_atomic (path, o, JSON_INDENT (2), err);
  json_decref (o);
  return rc;
}

/* ------------------------------------------------------------------ */

typedef struct
{
  const fga_sweep_config *cfg;
  const fga_sweep_opts *opts;
  cell_t *cells;               /* the ones to run */
  size_t ncells, next;
  FILE *fp[3];                 /* results, rank, least */
  const char *paths[3];
  fga_sweep_progress prog;
  double t0;
  int rc;
  fga_error err;
  const char *jpath;           /* sweep.json, written before the first rows */
  const char *config_text;
  size_t config_len;
  int json_done;
} sweep_t;

static void
progress (sweep_t *s, const char *current)
{
  if (s->opts == NULL || s->opts->progress == NULL)
    return;
  s->prog.current = current;
  s->prog.elapsed_seconds = fga_wall_time () - s->t0;
  s->opts->progress (&s->prog, s->opts->progress_data);
}

/* Appends a cell's rows: rank and least first, results last, each flushed
   to the disk before the next, so results.csv only ever names cells whose
   other rows are safe.  Called under the lock.  */
static int
append_cell (sweep_t *s, char *out[3], size_t outlen[3], fga_error *err)
{
  static const int order[3] = { 1, 2, 0 };
  if (!s->json_done)
    {
      int rc = write_json (s->jpath, s->cfg, s->config_text, s->config_len, err);
      if (rc != FGA_OK)
        return rc;
      s->json_done = 1;
    }
  for (int k = 0; k < 3; k++)
    {
      int f = order[k];
      FILE *fp = s->fp[f];
      if (outlen[f] > 0 && fwrite (out[f], 1, outlen[f], fp) != outlen[f])
        return fgap_error_set (err, FGA_ERR_IO, "%s: %s", s->paths[f], strerror (errno));
      if (fflush (fp) != 0 || fsync (fileno (fp)) != 0)
        return fgap_error_set (err, FGA_ERR_IO, "%s: %s", s->paths[f], strerror (errno));
    }
  return FGA_OK;
}

/* A worker: takes cells until none is left or one failed.  */
static void
worker (sweep_t *s)
{
  for (;;)
    {
      cell_t *c = NULL;
#pragma omp critical (fga_sweep)
      {
        if (s->rc == FGA_OK && s->next < s->ncells)
          {
            c = &s->cells[s->next++];
            progress (s, c->id);
          }
      }
      if (c == NULL)
        {
          /* MPFR keeps caches (constants, exp tables) per thread, which
             only the thread can free; OpenMP ends surplus threads of its
             pool when a later region asks for fewer, and their caches
             would be lost.  */
          mpfr_free_cache2 (MPFR_FREE_LOCAL_CACHE);
          return;
        }
      char *out[3];
      size_t outlen[3];
      fga_error err;
      fga_error_init (&err);
      int rc = cell_compute (out, outlen, s->cfg, c, &err);
#pragma omp critical (fga_sweep)
      {
        if (rc == FGA_OK && s->rc == FGA_OK)
          rc = append_cell (s, out, outlen, &err);
        if (rc != FGA_OK && s->rc == FGA_OK)
          {
            s->rc = rc;
            s->err = err;
            snprintf (s->err.msg, sizeof s->err.msg, "cell %s: %.880s", c->id, err.msg);
          }
        if (rc == FGA_OK)
          {
            s->prog.cells_done++;
            progress (s, NULL);
          }
      }
      /* The rows are written or not; either way they go (cell_compute
         leaves NULL after its own failure, and an append that fails, a
         full disk say, leaves them to us).  */
      for (int k = 0; k < 3; k++)
        free (out[k]);
    }
}

/* Resume: what results.csv says is done, and nothing else, survives in
   the three files; the cells left to run go to s->cells.  */
static int
resume (sweep_t *s, char paths[3][4096], const char *const headers[3], fga_error *err)
{
  const fga_sweep_config *cfg = s->cfg;
  char *bufs[3] = { NULL, NULL, NULL };
  size_t lens[3] = { 0, 0, 0 };
  done_set_t done = { NULL, 0 };
  int rc = FGA_OK;
  for (int k = 0; k < 3 && rc == FGA_OK; k++)
    rc = read_whole (&bufs[k], &lens[k], paths[k], err);
  if (rc == FGA_OK)
    rc = find_done (&done, bufs[0], lens[0], rows_per_cell (cfg), paths[0], headers[0], err);
  for (int k = 0; k < 3 && rc == FGA_OK; k++)
    rc = prune_file (paths[k], bufs[k], lens[k], headers[k], &done, err);
  for (int k = 0; k < 3; k++)
    free (bufs[k]);

  size_t total = cfg->nn * cfg->nb * cfg->nseeds;
  if (rc == FGA_OK && (s->cells = calloc (total, sizeof *s->cells)) == NULL)
    rc = fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for %zu cells", total);
  if (rc == FGA_OK)
    for (size_t in = 0; in < cfg->nn; in++)
      for (size_t ib = 0; ib < cfg->nb; ib++)
        for (size_t is = 0; is < cfg->nseeds; is++)
          {
            cell_make (&s->cells[s->ncells], cfg, in, ib, is);
            if (done_has (&done, s->cells[s->ncells].id))
              s->prog.cells_skipped++;
            else
              s->ncells++;
          }
  done_clear (&done);
  s->prog.cells_total = total;
  return rc;
}

int
fga_sweep_run (const fga_sweep_config *cfg, const char *outdir, const fga_sweep_opts *opts,
               fga_error *err)
{
  static const char *const names[3] = { "results.csv", "rank.csv", "least.csv" };
  char rhead[1024];
  results_header (rhead, sizeof rhead);
  const char *const headers[3] = { rhead, rank_header, least_header };
  sweep_t s;
  memset (&s, 0, sizeof s);
  s.cfg = cfg;
  s.opts = opts;
  s.t0 = fga_wall_time ();
  fga_error_init (&s.err);
  char paths[3][4096], jpath[4096], lpath[4096];
  int jobs = opts != NULL ? opts->jobs : 1;
  int rc;

  /* Everything that can be refused is, before the folder is made.  */
  if (cfg->nn == 0 || cfg->nb == 0 || cfg->nseeds == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "the grid has no cell (n, b or seeds empty)");
  if ((rc = fga_sweep_config_check (cfg, jobs, err)) != FGA_OK)
    return rc;
  for (int k = 0; k < 3; k++)
    if (snprintf (paths[k], sizeof paths[k], "%s/%s", outdir, names[k]) >= (int) sizeof paths[k])
      return fgap_error_set (err, FGA_ERR_INPUT, "%s: path too long", outdir);
  if (snprintf (jpath, sizeof jpath, "%s/sweep.json", outdir) >= (int) sizeof jpath
      || snprintf (lpath, sizeof lpath, "%s/.lock", outdir) >= (int) sizeof lpath)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: path too long", outdir);
  if ((rc = check_config_not_output (cfg->path, outdir, err)) != FGA_OK)
    return rc;
  for (int k = 0; k < 3; k++)
    if ((rc = check_existing_header (paths[k], headers[k], err)) != FGA_OK)
      return rc;
  char *ctext;
  size_t clen;
  if ((rc = read_config_text (&ctext, &clen, cfg, err)) != FGA_OK)
    return rc;
  s.jpath = jpath;
  s.config_text = ctext;
  s.config_len = clen;

  /* Then the folder and its lock, undone if the run writes nothing.  */
  made_dirs_t *md = malloc (sizeof *md);
  if (md == NULL)
    {
      free (ctext);
      return fgap_error_set (err, FGA_ERR_NOMEM, "out of memory");
    }
  if ((rc = make_dirs (md, outdir, err)) != FGA_OK)
    {
      unmake_dirs (md);
      free (md);
      free (ctext);
      return rc;
    }
  struct stat sb;
  int lock_existed = lstat (lpath, &sb) == 0, json_existed = lstat (jpath, &sb) == 0;
  int created[3] = { 0, 0, 0 };
  /* One writer per folder: two sweeps appending to the same files would
     interleave their rows and run the same cells twice.  */
  fgap_dir_lock lock;
  if ((rc = fgap_dir_lock_take (&lock, outdir, err)) != FGA_OK)
    {
      unmake_dirs (md);
      free (md);
      free (ctext);
      return rc;
    }

  rc = resume (&s, paths, headers, err);
  for (int k = 0; k < 3 && rc == FGA_OK; k++)
    {
      s.paths[k] = paths[k];
      created[k] = lstat (paths[k], &sb) != 0;
      if ((s.fp[k] = fopen (paths[k], "ab")) == NULL)
        rc = fgap_error_set (err, FGA_ERR_IO, "%s: %s", paths[k], strerror (errno));
      else if (fseek (s.fp[k], 0, SEEK_END) == 0 && ftell (s.fp[k]) == 0
               && (fputs (headers[k], s.fp[k]) == EOF || fflush (s.fp[k]) != 0))
        rc = fgap_error_set (err, FGA_ERR_IO, "%s: %s", paths[k], strerror (errno));
    }

  if (rc == FGA_OK)
    {
      if (jobs > 1 && s.ncells > 1)
        {
#pragma omp parallel num_threads (jobs)
          worker (&s);
        }
      else
        worker (&s);
      progress (&s, NULL);
      if (s.rc != FGA_OK)
        {
          rc = s.rc;
          if (err != NULL)
            *err = s.err;
        }
    }
  for (int k = 0; k < 3; k++)
    if (s.fp[k] != NULL && fclose (s.fp[k]) != 0 && rc == FGA_OK)
      rc = fgap_error_set (err, FGA_ERR_IO, "%s: %s", paths[k], strerror (errno));
  /* Nothing to run (every cell done): sweep.json still records this run.  */
  if (rc == FGA_OK && !s.json_done)
    rc = write_json (jpath, cfg, ctext, clen, err);
  free (s.cells);
  free (ctext);
  /* A run that fails before its first cell is appended leaves the folder
     as it found it: what it made goes (files holding only their header,
     sweep.json, the lock file, the folders, when this run made them).  */
  if (rc != FGA_OK && s.prog.cells_done == 0)
    {
      for (int k = 0; k < 3; k++)
        if (created[k])
          unlink (paths[k]);
      if (s.json_done && !json_existed)
        unlink (jpath);
      if (!lock_existed)
        unlink (lpath);
      fgap_dir_lock_release (&lock);
      unmake_dirs (md);
    }
  else
    fgap_dir_lock_release (&lock);
  free (md);
  return rc;
}
