/* fga_report -- a sweep's CSV files read into groups and series, means over seeds, exponents

   A report is built from the CSV files alone, so that a table or plot can
   be redone (or changed) without rerunning a sweep.  Columns are found by
   name in the header, so that columns added to the sweep later do not break
   old reports, and the columns a newer sweep added (dist, law, censored,
   distinct_rows) have defaults that give old folders their old meaning
   (fgattn/experiment.h, "Reports of a sweep").  */

#include "core/fga-impl.h"
#include "experiments/report-impl.h"

#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>

/* --- small containers ---------------------------------------------------- */

int
fgap_report_grow (void **p, size_t *cap, size_t need, size_t elt, fga_error *err)
{
  if (need <= *cap)
    return FGA_OK;
  size_t ncap = *cap ? 2 * *cap : 16;
  while (ncap < need)
    ncap *= 2;
  void *q = fgap_calloc (ncap, elt, "a report table", err);
  if (q == NULL)
    return FGA_ERR_NOMEM;
  if (*p != NULL)
    memcpy (q, *p, *cap * elt);
  fgap_free (*p);
  *p = q;
  *cap = ncap;
  return FGA_OK;
}

char *
fgap_report_strdup (fga_report_ptr rep, const char *s, fga_error *err)
{
  if (FGAP_GROW (rep->strs, rep->nstrs, rep->capstrs, err) != FGA_OK)
    return NULL;
  size_t len = strlen (s);
  char *p = fgap_alloc (len + 1, "a report string", err);
  if (p == NULL)
    return NULL;
  memcpy (p, s, len + 1);
  rep->strs[rep->nstrs++] = p;
  return p;
}

/* --- splitting lines ------------------------------------------------------- */

/* Splits a line into fields in place, RFC 4180 quotes allowed (a cell id
   "n=N,dist=D,law=L,b=BETA,seed=S" holds commas).  Returns the field
   count, max + 1 when there are more, or -1 for an unterminated quote.  */
static long
split_csv (char *line, char **fields, size_t max)
{
  size_t nf = 0;
  char *p = line, *w;
  for (;;)
    {
      if (nf == max)
        return (long) max + 1;
      fields[nf] = w = p;
      if (*p == '"')
        {
          p++;
          for (;;)
            {
              if (*p == '\0')
                return -1;
              if (*p == '"' && p[1] == '"')
                {
                  *w++ = '"';
                  p += 2;
                }
              else if (*p == '"')
                {
                  p++;
                  break;
                }
              else
                *w++ = *p++;
            }
          if (*p != ',' && *p != '\0')
            return -1;
        }
      else
        while (*p != ',' && *p != '\0')
          *w++ = *p++;
      nf++;
      int last = *p == '\0';
      *w = '\0';
      if (last)
        return (long) nf;
      p++;
    }
}

#define MAX_FIELDS 256

/* --- columns --------------------------------------------------------------- */

typedef struct
{
  const char *name;
  int required;                /* 0: the column may be absent (older sweeps) */
} col_spec;

/* The columns every file shares, first in each list below.  */
enum { C_N, C_D, C_BETA, C_B, C_SEED, C_DIST, C_LAW, C_COMMON };
#define COMMON_COLS \
  { "n", 1 }, { "d", 1 }, { "beta", 1 }, { "B", 1 }, { "seed", 1 }, { "dist", 0 }, { "law", 0 }

enum { R_LABEL = C_COMMON, R_SIZE_KEY, R_SIZE, R_STATUS, R_MAX_ABS, R_WALL, R_METHOD };
static const col_spec res_cols[] = {
  COMMON_COLS, { "label", 1 }, { "size_key", 1 }, { "size", 1 }, { "status", 1 },
  { "max_abs", 1 }, { "wall_seconds", 1 }, { "method", 0 }, { NULL, 0 }
};

enum { K_TOL = C_COMMON, K_TOL_VALUE, K_RANK, K_CENSORED, K_DISTINCT };
static const col_spec rank_cols[] = {
  COMMON_COLS, { "tol", 1 }, { "tol_value", 1 }, { "rank", 1 }, { "censored", 0 },
  { "distinct_rows", 0 }, { NULL, 0 }
};

enum { L_LABEL = C_COMMON, L_SIZE_KEY, L_TARGET, L_LEAST, L_CENSORED };
static const col_spec least_cols[] = {
  COMMON_COLS, { "label", 1 }, { "size_key", 1 }, { "target", 1 }, { "least_size", 1 },
  { "censored", 0 }, { NULL, 0 }
};

enum { T_EPS = C_COMMON, T_EPS_VALUE, T_R, T_GCERT, T_CCENS, T_RCERT, T_GEMP, T_GCENS, T_REMP,
       T_PSTATUS, T_PSEC, T_ESEC };
static const col_spec cost_cols[] = {
  COMMON_COLS, { "eps", 1 }, { "eps_value", 1 }, { "R", 1 }, { "g_cert", 1 },
  { "g_cert_censored", 0 }, { "r_cert", 1 }, { "g_emp", 1 }, { "g_emp_censored", 1 },
  { "r_emp", 1 }, { "poly_status", 1 }, { "poly_seconds", 1 }, { "exact_seconds", 1 },
  { NULL, 0 }
};

enum { F_RESULTS, F_RANK, F_LEAST, F_COST, F_COUNT };
static const char *const file_names[F_COUNT] = { "results.csv", "rank.csv", "least.csv",
                                                 "cost.csv" };
static const col_spec *const file_cols[F_COUNT] = { res_cols, rank_cols, least_cols, cost_cols };

typedef struct
{
  const char *path;
  size_t line;
  char **f;
  int col[24];                 /* field of each column, -1 when absent */
  const col_spec *cols;
  const char *default_dist;    /* for a file without the dist column */
  fga_error *err;
} csv_ctx_t;

/* The text of a column ("" when the column is absent).  */
static const char *
text_of (const csv_ctx_t *c, int which)
{
  return c->col[which] < 0 ? "" : c->f[c->col[which]];
}

#define NUM_OPTIONAL 1u        /* empty (or absent) gives NaN */

/* The number in a column, finite and >= min; strtod's syntax without
   leading space, hexadecimal, infinities or NaN.  */
static int
num_field (const csv_ctx_t *c, int which, unsigned flags, double min, double *out)
{
  const char *s = text_of (c, which), *name = c->cols[which].name;
  if (*s == '\0')
    {
      if (flags & NUM_OPTIONAL)
        {
          *out = NAN;
          return FGA_OK;
        }
      return fgap_error_set (c->err, FGA_ERR_INPUT, "%s:%zu: column %s is empty", c->path,
                            c->line, name);
    }
  char *end;
  double x = strtod (s, &end);
  const char *digits = s + (*s == '-' || *s == '+');
  if (*end != '\0' || !isfinite (x) || !(isdigit ((unsigned char) *digits) || *digits == '.')
      || strpbrk (s, "xX") != NULL)
    return fgap_error_set (c->err, FGA_ERR_INPUT, "%s:%zu: column %s: '%s' is not a finite number",
                          c->path, c->line, name, s);
  if (!(x >= min))
    return fgap_error_set (c->err, FGA_ERR_INPUT, "%s:%zu: column %s: %s is below %g", c->path,
                          c->line, name, s, min);
  *out = x;
  return FGA_OK;
}

/* A boolean column: 0 or 1; 0 when the column is absent (an older sweep),
   or when it is empty and empty_ok.  */
static int
bool_field (const csv_ctx_t *c, int which, int empty_ok, int *out)
{
  const char *s = text_of (c, which);
  *out = 0;
  if (c->col[which] < 0 || strcmp (s, "0") == 0 || (empty_ok && *s == '\0'))
    return FGA_OK;
  if (strcmp (s, "1") == 0)
    {
      *out = 1;
      return FGA_OK;
    }
  return fgap_error_set (c->err, FGA_ERR_INPUT, "%s:%zu: column %s: '%s' is not 0 or 1", c->path,
                        c->line, c->cols[which].name, s);
}

/* A column that must not be empty.  */
static int
text_field (const csv_ctx_t *c, int which, const char **out)
{
  *out = text_of (c, which);
  if (**out == '\0')
    return fgap_error_set (c->err, FGA_ERR_INPUT, "%s:%zu: column %s is empty", c->path,
                          c->line, c->cols[which].name);
  return FGA_OK;
}

/* An accuracy column (tol, target, eps): *power 1 for n^-C, 0 for a number. */
static int
accuracy_field (const csv_ctx_t *c, int which, const char **text, int *power)
{
  int rc = text_field (c, which, text);
  if (rc != FGA_OK)
    return rc;
  char what[4200];
  snprintf (what, sizeof what, "%s:%zu: column %s", c->path, c->line, c->cols[which].name);
  fga_accuracy acc;
  if ((rc = fga_accuracy_parse (&acc, *text, what, c->err)) != FGA_OK)
    return rc;
  *power = acc.power > 0;
  return FGA_OK;
}

/* --- observations and series ---------------------------------------------- */

/* Where a row sits: its group, beta and n.  */
typedef struct
{
  size_t g;
  double x, n, d;
} rowkey_t;

/* What a value is: the series it belongs to; method, the method's name
   (results.csv's spec up to ':'), NULL where the file does not say.  */
typedef struct
{
  int q;
  const char *label, *param, *size_key;
  int acc_power;
  const char *method;
} what_t;

static int
intern_group (fga_report_ptr rep, const char *dist, const fga_law *law, size_t *g,
              fga_error *err)
{
  for (*g = 0; *g < rep->ngroups; ++*g)
    if (strcmp (rep->groups[*g].dist, dist) == 0
        && strcmp (rep->groups[*g].law.text, law->text) == 0)
      return FGA_OK;
  if (FGAP_GROW (rep->groups, rep->ngroups, rep->capgroups, err) != FGA_OK)
    return FGA_ERR_NOMEM;
  fgap_group *G = &rep->groups[rep->ngroups];
  memset (G, 0, sizeof *G);
  G->law = *law;
  if ((G->dist = fgap_report_strdup (rep, dist, err)) == NULL)
    return FGA_ERR_NOMEM;
  rep->ngroups++;
  return FGA_OK;
}

static int
series_is (const fgap_series *s, size_t g, const what_t *w)
{
  return s->group == g && s->q == w->q && strcmp (s->label, w->label) == 0
         && strcmp (s->param, w->param) == 0;
}

/* The series of (g, w), made when new.  Rows come in runs of one series
   (the seeds of a cell are apart, but the sizes of one method follow each
   other), hence the first look at the last one.  */
static int
intern_series (fga_report_ptr rep, size_t g, const what_t *w, size_t *out, fga_error *err)
{
  size_t i = rep->last_series;
  if (i < rep->nseries && series_is (&rep->series[i], g, w))
    {
      *out = i;
      return FGA_OK;
    }
  size_t label_first = rep->nseries;
  for (i = 0; i < rep->nseries; i++)
    {
      const fgap_series *s = &rep->series[i];
      if (series_is (s, g, w))
        {
          *out = rep->last_series = i;
          return FGA_OK;
        }
      if (s->group == g && s->q == w->q && strcmp (s->label, w->label) == 0
          && s->label_first < label_first)
        label_first = s->label_first;
    }
  if (FGAP_GROW (rep->series, rep->nseries, rep->capseries, err) != FGA_OK)
    return FGA_ERR_NOMEM;
  fgap_series *s = &rep->series[rep->nseries];
  memset (s, 0, sizeof *s);
  s->group = g;
  s->q = w->q;
  s->acc_power = w->acc_power;
  s->first = rep->nseries;
  s->label_first = label_first;
  char *end;
  s->param_num = strtod (w->param, &end);
  if (*end != '\0' || end == w->param)
    s->param_num = NAN;
  if ((s->label = fgap_report_strdup (rep, w->label, err)) == NULL
      || (s->param = fgap_report_strdup (rep, w->param, err)) == NULL
      || (s->size_key = fgap_report_strdup (rep, w->size_key ? w->size_key : "", err)) == NULL
      || (s->method = fgap_report_strdup (rep, w->method ? w->method : "", err)) == NULL)
    return FGA_ERR_NOMEM;
  *out = rep->last_series = rep->nseries++;
  return FGA_OK;
}

static int
add_obs (fga_report_ptr rep, const rowkey_t *k, const what_t *w, double value, int cens,
         unsigned flags, fga_error *err)
{
  size_t s;
  int rc = intern_series (rep, k->g, w, &s, err);
  if (rc != FGA_OK || (rc = FGAP_GROW (rep->obs, rep->nobs, rep->capobs, err)) != FGA_OK)
    return rc;
  fgap_obs o = { s, k->x, k->n, k->d, value, cens, flags };
  rep->obs[rep->nobs++] = o;
  return FGA_OK;
}

/* --- the rows of each file ------------------------------------------------- */

/* The group, beta and n of a row.  A row without law takes sqrt(ln n) when
   its beta is filled and 1 when it is empty (the sweeps before laws wrote
   beta empty for a grid in absolute B); under the law 1 the row axis is B. */
static int
common_fields (csv_ctx_t *c, fga_report_ptr rep, rowkey_t *k)
{
  double beta, B, seed;
  int rc;
  if ((rc = num_field (c, C_N, 0, 1, &k->n)) != FGA_OK
      || (rc = num_field (c, C_D, 0, 0, &k->d)) != FGA_OK
      || (rc = num_field (c, C_BETA, NUM_OPTIONAL, 0, &beta)) != FGA_OK
      || (rc = num_field (c, C_B, 0, 0, &B)) != FGA_OK
      || (rc = num_field (c, C_SEED, 0, 0, &seed)) != FGA_OK)
    return rc;
  const char *dist = c->default_dist;
  if (c->col[C_DIST] >= 0 && (rc = text_field (c, C_DIST, &dist)) != FGA_OK)
    return rc;
  const char *lt = c->col[C_LAW] >= 0 ? c->f[c->col[C_LAW]] : isnan (beta) ? "1" : "sqrt(ln n)";
  char what[4200];
  snprintf (what, sizeof what, "%s:%zu: column law", c->path, c->line);
  fga_law law;
  if ((rc = fga_law_parse (&law, lt, what, c->err)) != FGA_OK)
    return rc;
  if (law.p == 0 && isnan (beta))
    beta = B;
  else if (law.p == 0 && beta != B)
    return fgap_error_set (c->err, FGA_ERR_INPUT, "%s:%zu: beta %s and B %s differ, but the law "
                          "is 1 (B = beta)", c->path, c->line, text_of (c, C_BETA),
                          text_of (c, C_B));
  else if (isnan (beta))
    return fgap_error_set (c->err, FGA_ERR_INPUT, "%s:%zu: column beta is empty (the law %s "
                          "needs it)", c->path, c->line, law.text);
  k->x = beta;
  return intern_group (rep, dist, &law, &k->g, c->err);
}

static int
results_row (csv_ctx_t *c, fga_report_ptr rep, const rowkey_t *k)
{
  const char *status = text_of (c, R_STATUS);
  int ok = strcmp (status, "ok") == 0, rc;
  if (!ok && strcmp (status, "refused") != 0 && strcmp (status, "failed") != 0
      && strcmp (status, "skipped") != 0)
    return fgap_error_set (c->err, FGA_ERR_INPUT,
                          "%s:%zu: column status: '%s' is not ok, refused, failed or skipped",
                          c->path, c->line, status);
  double max_abs, wall;
  char method[64];
  snprintf (method, sizeof method, "%.*s", (int) strcspn (text_of (c, R_METHOD), ":"),
            text_of (c, R_METHOD));
  what_t w = { FGAP_Q_ERROR, NULL, text_of (c, R_SIZE), text_of (c, R_SIZE_KEY), -1, method };
  if ((rc = text_field (c, R_LABEL, &w.label)) != FGA_OK
      || (rc = num_field (c, R_MAX_ABS, ok ? 0 : NUM_OPTIONAL, 0, &max_abs)) != FGA_OK
      || (rc = num_field (c, R_WALL, NUM_OPTIONAL, 0, &wall)) != FGA_OK)
    return rc;
  /* The error of a failed or refused run is not known: the table's mean is
     over the rows with status ok (it says so).  Nor is its time that of the
     method: it stopped early, or never started.  */
  if (!ok)
    return FGA_OK;
  if ((rc = add_obs (rep, k, &w, max_abs, FGAP_CENS_NO, 0, c->err)) != FGA_OK)
    return rc;
  w.q = FGAP_Q_WALL;
  if (!isnan (wall))
    rc = add_obs (rep, k, &w, wall, FGAP_CENS_NO, 0, c->err);
  return rc;
}

static int
rank_row (csv_ctx_t *c, fga_report_ptr rep, const rowkey_t *k)
{
  what_t w = { FGAP_Q_RANK, "", NULL, NULL, 0, NULL };
  double tv, rank, distinct;
  int cens, rc;
  if ((rc = accuracy_field (c, K_TOL, &w.param, &w.acc_power)) != FGA_OK
      || (rc = num_field (c, K_TOL_VALUE, 0, 0, &tv)) != FGA_OK
      || (rc = num_field (c, K_RANK, 0, 0, &rank)) != FGA_OK
      || (rc = bool_field (c, K_CENSORED, 0, &cens)) != FGA_OK
      || (rc = num_field (c, K_DISTINCT, NUM_OPTIONAL, 0, &distinct)) != FGA_OK)
    return rc;
  /* rank(P) <= the distinct rows of Q or K: at that bound the rank says how
     many different rows the set-up drew, nothing about exp.  */
  unsigned flags = !isnan (distinct) && rank >= distinct ? FGAP_OBS_DISTINCT : 0;
  return add_obs (rep, k, &w, rank, cens ? FGAP_CENS_GE : FGAP_CENS_NO, flags, c->err);
}

static int
least_row (csv_ctx_t *c, fga_report_ptr rep, const rowkey_t *k)
{
  what_t w = { FGAP_Q_LEAST, NULL, NULL, text_of (c, L_SIZE_KEY), 0, NULL };
  double least;
  int cens, rc;
  int old = c->col[L_CENSORED] < 0;
  if ((rc = text_field (c, L_LABEL, &w.label)) != FGA_OK
      || (rc = accuracy_field (c, L_TARGET, &w.param, &w.acc_power)) != FGA_OK
      || (rc = num_field (c, L_LEAST, old ? NUM_OPTIONAL : 0, 0, &least)) != FGA_OK
      || (rc = bool_field (c, L_CENSORED, 0, &cens)) != FGA_OK)
    return rc;
  /* Before the censored column, a target not reached left least_size empty,
     and the maximum searched is not in the file.  */
  int how = isnan (least) ? FGAP_CENS_UNKNOWN : cens ? FGAP_CENS_GT : FGAP_CENS_NO;
  return add_obs (rep, k, &w, least, how, 0, c->err);
}

/* The cost.csv columns after eps: *memory / *failed from poly_status.  */
static int
cost_values (csv_ctx_t *c, double v[], int *ccens, int *gcens, int *memory, int *failed)
{
  const char *status = text_of (c, T_PSTATUS);
  int ok = strcmp (status, "ok") == 0, rc;
  *memory = strcmp (status, "memory") == 0;
  *failed = strcmp (status, "refused") == 0 || strcmp (status, "failed") == 0;
  if (!ok && !*memory && !*failed)
    return fgap_error_set (c->err, FGA_ERR_INPUT, "%s:%zu: column poly_status: '%s' is not ok, "
                          "memory, refused or failed", c->path, c->line, status);
  /* Empty: g_cert where nothing is certified (R too large), r where C(d +
     g, d) is beyond the largest double, the exact time where it failed.  */
  static const struct { int col; unsigned flags; double min; } num[] = {
    { T_EPS_VALUE, 0, 0 }, { T_R, 0, 0 }, { T_GCERT, NUM_OPTIONAL, 0 },
    { T_RCERT, NUM_OPTIONAL, 1 }, { T_GEMP, 0, 0 }, { T_REMP, NUM_OPTIONAL, 1 },
    { T_PSEC, 0, 0 }, { T_ESEC, NUM_OPTIONAL, 0 }
  };
  for (size_t j = 0; j < sizeof num / sizeof num[0]; j++)
    if ((rc = num_field (c, num[j].col, num[j].col == T_PSEC && !ok ? NUM_OPTIONAL
                         : num[j].flags, num[j].min, &v[num[j].col])) != FGA_OK)
      return rc;
  if ((rc = bool_field (c, T_CCENS, isnan (v[T_GCERT]), ccens)) != FGA_OK)
    return rc;
  return bool_field (c, T_GCENS, 0, gcens);
}

static int
cost_row (csv_ctx_t *c, fga_report_ptr rep, const rowkey_t *k)
{
  what_t w = { FGAP_Q_GCERT, "", NULL, NULL, 0, NULL };
  double v[T_ESEC + 1];
  int ccens, gcens, memory, failed;
  int rc = accuracy_field (c, T_EPS, &w.param, &w.acc_power);
  if (rc != FGA_OK || (rc = cost_values (c, v, &ccens, &gcens, &memory, &failed)) != FGA_OK)
    return rc;
  /* g_cert not certified up to the largest degree tried: it and r_cert are
     lower bounds.  g_emp stopped at gmax: g_emp and r_emp are lower bounds,
     and poly was timed at that degree, below the one it needs, so its time
     too.  */
  int cc = ccens ? FGAP_CENS_GT : FGAP_CENS_NO, cg = gcens ? FGAP_CENS_GT : FGAP_CENS_NO;
  unsigned pflags = memory ? FGAP_OBS_MEMORY : failed ? FGAP_OBS_FAILED : 0;
  const struct { int q, col, cens; unsigned flags; } map[] = {
    { FGAP_Q_GCERT, T_GCERT, cc, 0 }, { FGAP_Q_RCERT, T_RCERT, cc, 0 },
    { FGAP_Q_GEMP, T_GEMP, cg, 0 }, { FGAP_Q_REMP, T_REMP, cg, 0 },
    { FGAP_Q_POLY, T_PSEC, cg, pflags }
  };
  for (size_t j = 0; rc == FGA_OK && j < sizeof map / sizeof map[0]; j++)
    {
      w.q = map[j].q;
      rc = add_obs (rep, k, &w, map[j].flags ? NAN : v[map[j].col], map[j].cens, map[j].flags,
                    c->err);
    }
  what_t e = { FGAP_Q_EXACT, "", "", NULL, -1, NULL };
  return rc != FGA_OK ? rc : add_obs (rep, k, &e, v[T_ESEC], FGAP_CENS_NO, 0, c->err);
}

static int
add_row (fga_report_ptr rep, int kind, csv_ctx_t *c)
{
  rowkey_t k;
  int rc = common_fields (c, rep, &k);
  if (rc != FGA_OK)
    return rc;
  switch (kind)
    {
    case F_RESULTS: return results_row (c, rep, &k);
    case F_RANK: return rank_row (c, rep, &k);
    case F_LEAST: return least_row (c, rep, &k);
    default: return cost_row (c, rep, &k);
    }
}

/* The header: the field of each column, an absent required one refused. */
static int
read_header (csv_ctx_t *c, long nf)
{
  if (nf > MAX_FIELDS)
    return fgap_error_set (c->err, FGA_ERR_INPUT, "%s:1: more than %d columns", c->path,
                          MAX_FIELDS);
  for (int k = 0; c->cols[k].name != NULL; k++)
    {
      c->col[k] = -1;
      for (long j = 0; j < nf; j++)
        if (strcmp (c->f[j], c->cols[k].name) == 0)
          c->col[k] = (int) j;
      if (c->col[k] < 0 && c->cols[k].required)
        return fgap_error_set (c->err, FGA_ERR_INPUT, "%s:1: the header has no column %s",
                              c->path, c->cols[k].name);
    }
  return FGA_OK;
}

/* Reads dir/name if it exists: FGA_OK with *present set, or an error. */
static int
read_csv (fga_report_ptr rep, const char *dir, int kind, const char *default_dist,
          int *present, fga_error *err)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/%s", dir, file_names[kind]);
  *present = 0;
  FILE *fp = fopen (path, "r");
  if (fp == NULL)
    {
      if (errno == ENOENT)
        return FGA_OK;
      return fgap_error_set (err, FGA_ERR_IO, "%s: %s", path, strerror (errno));
    }
  *present = 1;
  char *line = NULL, *fields[MAX_FIELDS];
  size_t cap = 0;
  long ncols = 0;
  csv_ctx_t c = { path, 0, fields, { 0 }, file_cols[kind], default_dist, err };
  int rc = FGA_OK;
  ssize_t len;
  while (rc == FGA_OK && (len = getline (&line, &cap, fp)) >= 0)
    {
      c.line++;
      while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
      if (c.line > 1 && len == 0)
        continue;    /* a blank last line is harmless */
      long nf = split_csv (line, fields, MAX_FIELDS);
      if (nf < 0)
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:%zu: unterminated quoted field", path,
                            c.line);
      else if (c.line == 1)
        rc = read_header (&c, ncols = nf);
      else if (nf != ncols)
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:%zu: %ld fields where the header has %ld",
                            path, c.line, nf, ncols);
      else
        rc = add_row (rep, kind, &c);
    }
  if (rc == FGA_OK && ferror (fp))
    rc = fgap_error_set (err, FGA_ERR_IO, "%s: read failed: %s", path, strerror (errno));
  if (rc == FGA_OK && c.line == 0)
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:1: empty file, expected a header", path);
  free (line);
  fclose (fp);
  return rc;
}

/* The dist of rank.csv and least.csv rows written before they had the
   column: results.csv's, when it holds exactly one (a sweep had one dist
   then), else "unrecorded".  */
static const char *
old_dist (const fga_report_struct *rep)
{
  const char *d = NULL;
  for (size_t g = 0; g < rep->ngroups; g++)
    if (d == NULL)
      d = rep->groups[g].dist;
    else if (strcmp (d, rep->groups[g].dist) != 0)
      return "unrecorded";
  return d != NULL ? d : "unrecorded";
}

/* --- points: the means over seeds ------------------------------------------ */

static int
cmp_series (const void *a, const void *b)
{
  const fgap_series *s = a, *t = b;
  if (s->group != t->group)
    return s->group < t->group ? -1 : 1;
  if (s->q != t->q)
    return s->q < t->q ? -1 : 1;
  if (s->label_first != t->label_first)
    return s->label_first < t->label_first ? -1 : 1;
  /* sizes in increasing order; tolerances and targets as configured */
  if (!isnan (s->param_num) && !isnan (t->param_num) && s->param_num != t->param_num
      && (s->q == FGAP_Q_ERROR || s->q == FGAP_Q_WALL))
    return s->param_num < t->param_num ? -1 : 1;
  return s->first < t->first ? -1 : s->first > t->first;
}

static int
cmp_obs (const void *a, const void *b)
{
  const fgap_obs *o = a, *p = b;
  if (o->series != p->series)
    return o->series < p->series ? -1 : 1;
  if (o->x != p->x)
    return o->x < p->x ? -1 : 1;
  return o->n < p->n ? -1 : o->n > p->n;
}

/* The mean of a run of observations at one (x, n).  */
static void
make_point (fgap_point *p, const fgap_obs *o, size_t k)
{
  memset (p, 0, sizeof *p);
  p->x = o->x;
  p->n = o->n;
  p->vmin = p->vmax = NAN;
  double s = 0;
  size_t m = 0;
  for (size_t i = 0; i < k; i++)
    {
      p->d = i == 0 || o[i].d > p->d ? o[i].d : p->d;
      p->seeds++;
      p->unknown += o[i].cens == FGAP_CENS_UNKNOWN;
      p->memory += (o[i].flags & FGAP_OBS_MEMORY) != 0;
      p->failed += (o[i].flags & FGAP_OBS_FAILED) != 0;
      p->missing += isnan (o[i].value) && o[i].cens != FGAP_CENS_UNKNOWN && o[i].flags == 0;
      p->distinct += (o[i].flags & FGAP_OBS_DISTINCT) != 0;
      if (!isnan (o[i].value))
        {
          s += o[i].value;
          p->vmin = m == 0 || o[i].value < p->vmin ? o[i].value : p->vmin;
          p->vmax = m == 0 || o[i].value > p->vmax ? o[i].value : p->vmax;
          m++;
          p->censored += o[i].cens == FGAP_CENS_GE || o[i].cens == FGAP_CENS_GT;
        }
    }
  p->mean = m > 0 && m == p->seeds ? s / (double) m : NAN;
}

/* Sorted distinct values, appended to v (at most k of them).  */
static size_t
distinct_sorted (double *v, size_t k)
{
  for (size_t i = 1; i < k; i++)
    for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--)
      {
        double t = v[j];
        v[j] = v[j - 1];
        v[j - 1] = t;
      }
  size_t m = 0;
  for (size_t i = 0; i < k; i++)
    if (m == 0 || v[m - 1] != v[i])
      v[m++] = v[i];
  return m;
}

/* Each group's beta and n axes, from the points of its series.  */
static int
group_axes (fga_report_ptr rep, fga_error *err)
{
  for (size_t g = 0; g < rep->ngroups; g++)
    {
      fgap_group *G = &rep->groups[g];
      size_t k = 0;
      for (size_t i = 0; i < rep->nseries; i++)
        k += rep->series[i].group == g ? rep->series[i].npts : 0;
      G->xs = fgap_calloc (2 * k + 2, sizeof *G->xs, "a report's axes", err);
      if (G->xs == NULL)
        return FGA_ERR_NOMEM;
      G->ns = G->xs + k + 1;
      k = 0;
      for (size_t i = 0; i < rep->nseries; i++)
        for (size_t j = 0; rep->series[i].group == g && j < rep->series[i].npts; j++, k++)
          {
            G->xs[k] = rep->series[i].pts[j].x;
            G->ns[k] = rep->series[i].pts[j].n;
          }
      G->nxs = distinct_sorted (G->xs, k);
      G->nns = distinct_sorted (G->ns, k);
      G->nmin = G->nns ? G->ns[0] : NAN;
      G->nmax = G->nns ? G->ns[G->nns - 1] : NAN;
    }
  return FGA_OK;
}

/* Sorts the series, then the observations by (series, x, n), and reduces
   each run to its point.  */
static int
make_points (fga_report_ptr rep, fga_error *err)
{
  size_t ns = rep->nseries;
  size_t *rank = fgap_calloc (ns + 1, sizeof *rank, "a report's series", err);
  if (rank == NULL)
    return FGA_ERR_NOMEM;
  if (ns > 1)
    qsort (rep->series, ns, sizeof *rep->series, cmp_series);
  for (size_t i = 0; i < ns; i++)
    rank[rep->series[i].first] = i;      /* first: the index the obs hold */
  for (size_t i = 0; i < rep->nobs; i++)
    rep->obs[i].series = rank[rep->obs[i].series];
  fgap_free (rank);
  if (rep->nobs > 1)
    qsort (rep->obs, rep->nobs, sizeof *rep->obs, cmp_obs);
  rep->pts = fgap_calloc (rep->nobs + 1, sizeof *rep->pts, "a report's points", err);
  if (rep->pts == NULL)
    return FGA_ERR_NOMEM;
  size_t np = 0;
  for (size_t i = 0, j; i < rep->nobs; i = j)
    {
      const fgap_obs *o = &rep->obs[i];
      for (j = i + 1; j < rep->nobs && rep->obs[j].series == o->series && rep->obs[j].x == o->x
           && rep->obs[j].n == o->n; j++)
        ;
      fgap_series *s = &rep->series[o->series];
      if (s->npts == 0)
        s->pts = rep->pts + np;
      make_point (&rep->pts[np++], o, j - i);
      s->npts++;
    }
  return group_axes (rep, err);
}

const fgap_point *
fgap_report_point (const fgap_series *s, double x, double n)
{
  for (size_t i = 0; i < s->npts; i++)
    if (s->pts[i].x == x && s->pts[i].n == n)
      return &s->pts[i];
  return NULL;
}

/* --- exponents ------------------------------------------------------------- */

int
fgap_report_fitted (int q)
{
  return q == FGAP_Q_RANK || q == FGAP_Q_LEAST || q == FGAP_Q_RCERT || q == FGAP_Q_REMP
         || q == FGAP_Q_POLY || q == FGAP_Q_EXACT;
}

static const char *
quantity_name (int q)
{
  switch (q)
    {
    case FGAP_Q_RANK: return "rank";
    case FGAP_Q_LEAST: return "least_size";
    case FGAP_Q_RCERT: return "r_cert";
    case FGAP_Q_REMP: return "r_emp";
    case FGAP_Q_POLY: return "poly_time";
    default: return "exact_time";
    }
}

static int
usable (const fgap_point *p)
{
  return p->n > 0 && isfinite (p->n) && p->mean > 0 && isfinite (p->mean);
}

/* The exponent of the k points of one beta (by n).

   Which censored fits are bounds.  The least-squares slope is
   a = sum_i w_i y_i, y_i = log mean_i, w_i = (x_i - xm) / S, x_i = log n_i,
   xm the mean of the x_i of the fitted points, S = sum (x_i - xm)^2 > 0.  A
   censored mean is below its true value: y_i* = y_i + delta_i, delta_i >=
   0, so the true slope is a* = a + sum over censored i of w_i delta_i.
   When every censored point has w_i >= 0, a* >= a: a is a lower bound.
   When one has w_i < 0, its delta_i (unbounded: "rank >= kmax" says
   nothing of how far above) can make a* as small as any number: no bound.
   Hence the rule: censored points only at n above the geometric mean of
   the fitted n.  x_i - xm is computed with an error of a few ulps of
   max |x_i|; a point is taken above the mean only when x_i - xm exceeds
   1e-12 (1 + |xm|), far beyond that error, so rounding can never turn a
   negative weight into a claimed bound (a point at the mean, weight 0, is
   then called censored: conservative).  A point with no mean because a
   seed has no value at all (not reached in an old file) has no y_i to
   bound: the row is censored.  */
static void
fit_row (fga_report_exponent *e, const fgap_point *p, size_t k, double *n, double *v)
{
  double xm = 0;
  size_t m = 0, unknown = 0;
  e->exponent = e->nmin = e->nmax = NAN;
  e->bound = FGA_REPORT_EXACT;
  e->distinct = 0;
  for (size_t i = 0; i < k; i++)
    {
      unknown += p[i].unknown;
      n[i] = p[i].n;
      v[i] = usable (&p[i]) ? p[i].mean : NAN;
      if (usable (&p[i]))
        {
          xm += log (p[i].n);
          e->nmin = m == 0 || p[i].n < e->nmin ? p[i].n : e->nmin;
          e->nmax = m == 0 || p[i].n > e->nmax ? p[i].n : e->nmax;
          e->distinct |= p[i].distinct > 0;
          m++;
        }
    }
  fga_fit fit;
  fga_fit_power (&fit, n, v, k, FGA_FIT_SKIP, NULL);
  e->points = m;
  if (unknown > 0)
    {
      e->bound = FGA_REPORT_CENSORED;
      return;
    }
  if (isnan (fit.exponent))
    return;
  xm /= (double) m;
  for (size_t i = 0; i < k; i++)
    if (usable (&p[i]) && p[i].censored > 0)
      e->bound = log (p[i].n) - xm > 1e-12 * (1 + fabs (xm)) && e->bound != FGA_REPORT_CENSORED
                 ? FGA_REPORT_LOWER : FGA_REPORT_CENSORED;
  e->exponent = e->bound == FGA_REPORT_CENSORED ? NAN : fit.exponent;
}

static int
compute_exponents (fga_report_ptr rep, fga_error *err)
{
  /* scratch for fit_row: a series' points at one beta are at most its points */
  double *n = fgap_calloc (2 * rep->nobs + 2, sizeof *n, "exponent fits", err);
  if (n == NULL)
    return FGA_ERR_NOMEM;
  double *v = n + rep->nobs + 1;
  int rc = FGA_OK;
  for (size_t i = 0; rc == FGA_OK && i < rep->nseries; i++)
    {
      fgap_series *s = &rep->series[i];
      const fgap_group *G = &rep->groups[s->group];
      s->ex_first = rep->nex;
      if (!fgap_report_fitted (s->q))
        continue;
      for (size_t a = 0, b; a < s->npts; a = b)
        {
          for (b = a + 1; b < s->npts && s->pts[b].x == s->pts[a].x; b++)
            ;
          if ((rc = FGAP_GROW (rep->ex, rep->nex, rep->capex, err)) != FGA_OK)
            break;
          fga_report_exponent *e = &rep->ex[rep->nex++];
          e->quantity = quantity_name (s->q);
          e->label = s->label;
          e->param = s->param;
          e->dist = G->dist;
          e->law = G->law.text;
          e->x_is_B = G->law.p == 0;
          e->x = s->pts[a].x;
          fit_row (e, s->pts + a, b - a, n, v);
          s->nex++;
        }
    }
  fgap_free (n);
  return rc;
}

size_t
fgap_report_series_exponents (const fga_report_struct *rep, const fgap_series *s,
                              const fga_report_exponent **ex)
{
  *ex = rep->ex + s->ex_first;
  return s->nex;
}

/* --- the API --------------------------------------------------------------- */

int
fga_report_read (fga_report_ptr *out, const char *dir, fga_error *err)
{
  *out = NULL;
  struct stat st;
  if (stat (dir, &st) != 0 || !S_ISDIR (st.st_mode))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: not a folder", dir);
  fga_report_ptr rep = fgap_calloc (1, sizeof *rep, "a report", err);
  if (rep == NULL)
    return FGA_ERR_NOMEM;
  int present, rc = FGA_OK;
  const char *dist = "unrecorded";
  for (int kind = 0; rc == FGA_OK && kind < F_COUNT; kind++)
    {
      rc = read_csv (rep, dir, kind, dist, &present, err);
      rep->files |= present ? 1u << kind : 0;
      if (kind == F_RESULTS && rc == FGA_OK)
        dist = old_dist (rep);
    }
  if (rc == FGA_OK && rep->files == 0)
    rc = fgap_error_set (err, FGA_ERR_INPUT,
                        "%s: none of results.csv, rank.csv, least.csv, cost.csv is there", dir);
  if (rc == FGA_OK)
    rc = make_points (rep, err);
  if (rc == FGA_OK)
    rc = compute_exponents (rep, err);
  if (rc != FGA_OK)
    {
      fga_report_destroy (rep);
      return rc;
    }
  *out = rep;
  return FGA_OK;
}

unsigned
fga_report_files (const fga_report_struct *rep)
{
  return rep->files;
}

int
fga_report_axis_is_B (const fga_report_struct *rep)
{
  for (size_t g = 0; g < rep->ngroups; g++)
    if (rep->groups[g].law.p != 0)
      return 0;
  return rep->ngroups > 0;
}

size_t
fga_report_exponents (const fga_report_struct *rep, const fga_report_exponent **ex)
{
  *ex = rep->ex;
  return rep->nex;
}

size_t
fga_report_nplots (const fga_report_struct *rep)
{
  return rep->nplots;
}

const char *
fga_report_plot (const fga_report_struct *rep, size_t i)
{
  return i < rep->nplots ? rep->plots[i] : NULL;
}

void
fga_report_destroy (fga_report_ptr rep)
{
  if (rep == NULL)
    return;
  for (size_t i = 0; i < rep->nstrs; i++)
    fgap_free (rep->strs[i]);
  for (size_t g = 0; g < rep->ngroups; g++)
    fgap_free (rep->groups[g].xs);
  fgap_free (rep->strs);
  fgap_free (rep->groups);
  fgap_free (rep->series);
  fgap_free (rep->obs);
  fgap_free (rep->pts);
  fgap_free (rep->ex);
  fgap_free (rep->plots);
  fgap_free (rep);
}

/* --- shared by the writers ------------------------------------------------- */

int
fgap_report_open (fga_atomic_file *af, const char *dir, const char *name, fga_error *err)
{
  char path[4096];
  if ((size_t) snprintf (path, sizeof path, "%s/%s", dir, name) >= sizeof path)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s/%s: path too long", dir, name);
  return fga_atomic_open (af, path, err);
}

const char *
fgap_report_axis (const fgap_group *g)
{
  return g->law.p == 0 ? "B" : "beta";
}

void
fgap_report_group_title (char *buf, size_t size, const fgap_group *g)
{
  char b[96], range[96];
  if (g->law.p == 0)
    snprintf (b, sizeof b, "B fixed");
  else
    snprintf (b, sizeof b, "B = beta %s", g->law.text);
  if (g->nmin == g->nmax)
    snprintf (range, sizeof range, "n = %.17g", g->nmin);
  else
    snprintf (range, sizeof range, "n = %.17g..%.17g", g->nmin, g->nmax);
  snprintf (buf, size, "%s, law %s: %s, %s; %s", g->dist, g->law.text, b,
            fga_law_regime_name (&g->law), range);
}

void
fgap_report_accuracy (char *buf, size_t size, const fgap_series *s)
{
  snprintf (buf, size, "%s%s", s->param,
            s->acc_power > 0 ? " (1/poly(n))" : s->acc_power == 0 ? " (fixed)" : "");
}

int
fga_report_write (fga_report_ptr rep, const char *dir, fga_error *err)
{
  rep->nplots = 0;
  int rc = fgap_report_tables (rep, dir, err);
  return rc != FGA_OK ? rc : fgap_report_plots (rep, dir, err);
}
