/* fga_report -- tables, exponent fits and gnuplot inputs regenerated from a sweep's CSV files */

#include "core/fga-impl.h"

#include <errno.h>
#include <sys/stat.h>

/* A report is built from the CSV files alone, so that a table or plot can
   be redone (or changed) without rerunning a sweep.  Columns are found by
   name in the header, so that columns added to the sweep later do not break
   old reports.  */

#define MAX_PLOTS 6     /* error and least-size plots: the first few groups */

typedef struct
{
  double n, d, x, wall, max_abs, size_num;
  int ok;
  char *label, *size_key, *size;
} res_row_t;

typedef struct
{
  double n, d, x, rank;
  char *tol;
} rank_row_t;

typedef struct
{
  double n, d, x, least;
  char *label, *target;
} least_row_t;

struct fga_report_struct
{
  unsigned files;
  int x_is_B;                     /* some row had beta empty: the axis is B */
  res_row_t *res;
  size_t nres, capres;
  rank_row_t *rk;
  size_t nrk, caprk;
  least_row_t *ls;
  size_t nls, capls;
  fga_report_exponent *ex;
  size_t nex, capex;
  char **plots;
  size_t nplots, capplots;
  char **strs;                    /* every string owned by the report */
  size_t nstrs, capstrs;
};

/* --- small containers ---------------------------------------------------- */

static int
grow (void **p, size_t *cap, size_t need, size_t elt, fga_error *err)
{
  if (need <= *cap)
    return FGA_OK;
  size_t ncap = *cap ? 2 * *cap : 16;
  while (ncap < need)
    ncap *= 2;
  void *q = fgap_alloc (ncap * elt, "a report table", err);
  if (q == NULL)
    return FGA_ERR_NOMEM;
  if (*p != NULL)
    memcpy (q, *p, *cap * elt);
  fgap_free (*p);
  *p = q;
  *cap = ncap;
  return FGA_OK;
}

#define GROW(arr, n, cap, err) grow ((void **) &(arr), &(cap), (n) + 1, sizeof *(arr), err)

static char *
rep_strdup (fga_report_ptr rep, const char *s, fga_error *err)
{
  if (GROW (rep->strs, rep->nstrs, rep->capstrs, err) != FGA_OK)
    return NULL;
  size_t len = strlen (s);
  char *p = fgap_alloc (len + 1, "a report string", err);
  if (p == NULL)
    return NULL;
  memcpy (p, s, len + 1);
  rep->strs[rep->nstrs++] = p;
  return p;
}

/* Distinct doubles, sorted ascending.  */
typedef struct
{
  double *v;
  size_t n, cap;
} dset_t;

static int
dset_add (dset_t *s, double x, fga_error *err)
{
  for (size_t i = 0; i < s->n; i++)
    if (s->v[i] == x)
      return FGA_OK;
  if (GROW (s->v, s->n, s->cap, err) != FGA_OK)
    return FGA_ERR_NOMEM;
  size_t i = s->n++;
  while (i > 0 && s->v[i - 1] > x)
    {
      s->v[i] = s->v[i - 1];
      i--;
    }
  s->v[i] = x;
  return FGA_OK;
}

static void
dset_clear (dset_t *s)
{
  fgap_free (s->v);
  s->v = NULL;
  s->n = s->cap = 0;
}

/* Distinct strings in order of first appearance (the configuration's order). */
typedef struct
{
  const char **v;
  size_t n, cap;
} sset_t;

static int
sset_add (sset_t *s, const char *x, fga_error *err)
{
  for (size_t i = 0; i < s->n; i++)
    if (strcmp (s->v[i], x) == 0)
      return FGA_OK;
  if (GROW (s->v, s->n, s->cap, err) != FGA_OK)
    return FGA_ERR_NOMEM;
  s->v[s->n++] = x;
  return FGA_OK;
}

static size_t
sset_index (const sset_t *s, const char *x)
{
  for (size_t i = 0; i < s->n; i++)
    if (strcmp (s->v[i], x) == 0)
      return i;
  return s->n;
}

static void
sset_clear (sset_t *s)
{
  fgap_free (s->v);
  s->v = NULL;
  s->n = s->cap = 0;
}

/* --- reading the CSV files ------------------------------------------------- */

/* Splits a line into fields in place, RFC 4180 quotes allowed (a cell id
   "n=N,b=B,seed=S" holds commas).  Returns the field count, or -1 for an
   unterminated quote.  */
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
        {
          while (*p != ',' && *p != '\0')
            *w++ = *p++;
        }
      nf++;
      if (*p == '\0')
        {
          *w = '\0';
          return (long) nf;
        }
      *w = '\0';
      p++;
    }
}

#define MAX_FIELDS 256

typedef struct
{
  const char *path;
  size_t line;
  char **f;
  int *col;
  const char *const *names;
  fga_error *err;
} csv_ctx_t;

/* The number in the named column; empty allowed (NaN) when `optional'. */
static int
num_field (csv_ctx_t *c, int which, int optional, double *out)
{
  const char *s = c->f[c->col[which]];
  char *end;
  if (*s == '\0')
    {
      if (optional)
        {
          *out = NAN;
          return FGA_OK;
        }
      return fgap_error_set (c->err, FGA_ERR_INPUT, "%s:%zu: column %s is empty", c->path,
                            c->line, c->names[which]);
    }
  errno = 0;
  double x = strtod (s, &end);
  if (*end != '\0' || !isfinite (x))
    return fgap_error_set (c->err, FGA_ERR_INPUT, "%s:%zu: column %s: '%s' is not a finite number",
                          c->path, c->line, c->names[which], s);
  *out = x;
  return FGA_OK;
}

enum { C_N, C_D, C_BETA, C_B, C_SEED, C_COMMON };

static const char *const res_cols[] = { "n", "d", "beta", "B", "seed", "label", "size_key",
                                        "size", "status", "max_abs", "wall_seconds", NULL };
static const char *const rank_cols[] = { "n", "d", "beta", "B", "seed", "tol", "tol_value",
                                         "rank", NULL };
static const char *const least_cols[] = { "n", "d", "beta", "B", "seed", "label", "size_key",
                                          "target", "least_size", NULL };

/* n, d, and the row axis: beta, or B when beta is empty.  */
static int
common_fields (csv_ctx_t *c, fga_report_ptr rep, double *n, double *d, double *x)
{
  double beta, B, seed;
  int rc;
  if ((rc = num_field (c, C_N, 0, n)) != FGA_OK || (rc = num_field (c, C_D, 0, d)) != FGA_OK
      || (rc = num_field (c, C_BETA, 1, &beta)) != FGA_OK
      || (rc = num_field (c, C_B, 0, &B)) != FGA_OK
      || (rc = num_field (c, C_SEED, 0, &seed)) != FGA_OK)
    return rc;
  if (!(*n >= 1))
    return fgap_error_set (c->err, FGA_ERR_INPUT, "%s:%zu: column n: %g is not a size", c->path,
                          c->line, *n);
  if (isnan (beta))
    rep->x_is_B = 1;
  *x = isnan (beta) ? B : beta;
  return FGA_OK;
}

static int
add_row (fga_report_ptr rep, int kind, csv_ctx_t *c)
{
  fga_error *err = c->err;
  double n = 0, d = 0, x = 0;
  int rc = common_fields (c, rep, &n, &d, &x);
  if (rc != FGA_OK)
    return rc;
  char **f = c->f;
  int *col = c->col;
  if (kind == 0)
    {
      res_row_t r = { n, d, x, NAN, NAN, NAN, 0, NULL, NULL, NULL };
      const char *status = f[col[8]];
      if (strcmp (status, "ok") == 0)
        r.ok = 1;
      else if (strcmp (status, "refused") != 0 && strcmp (status, "failed") != 0)
        return fgap_error_set (err, FGA_ERR_INPUT,
                              "%s:%zu: column status: '%s' is not ok, refused or failed",
                              c->path, c->line, status);
      if ((rc = num_field (c, 9, !r.ok, &r.max_abs)) != FGA_OK
          || (rc = num_field (c, 10, 1, &r.wall)) != FGA_OK)
        return rc;
      if (*f[col[5]] == '\0')
        return fgap_error_set (err, FGA_ERR_INPUT, "%s:%zu: column label is empty", c->path,
                              c->line);
      char *end;
      r.size_num = strtod (f[col[7]], &end);
      if (*end != '\0' || end == f[col[7]])
        r.size_num = NAN;
      if ((r.label = rep_strdup (rep, f[col[5]], err)) == NULL
          || (r.size_key = rep_strdup (rep, f[col[6]], err)) == NULL
          || (r.size = rep_strdup (rep, f[col[7]], err)) == NULL
          || GROW (rep->res, rep->nres, rep->capres, err) != FGA_OK)
        return FGA_ERR_NOMEM;
      rep->res[rep->nres++] = r;
    }
  else if (kind == 1)
    {
      rank_row_t r = { n, d, x, NAN, NULL };
      double tv;
      if ((rc = num_field (c, 6, 0, &tv)) != FGA_OK || (rc = num_field (c, 7, 0, &r.rank)) != FGA_OK)
        return rc;
      if ((r.tol = rep_strdup (rep, f[col[5]], err)) == NULL
          || GROW (rep->rk, rep->nrk, rep->caprk, err) != FGA_OK)
        return FGA_ERR_NOMEM;
      rep->rk[rep->nrk++] = r;
    }
  else
    {
      least_row_t r = { n, d, x, NAN, NULL, NULL };
      if ((rc = num_field (c, 8, 1, &r.least)) != FGA_OK)
        return rc;
      if ((r.label = rep_strdup (rep, f[col[5]], err)) == NULL
          || (r.target = rep_strdup (rep, f[col[7]], err)) == NULL
          || GROW (rep->ls, rep->nls, rep->capls, err) != FGA_OK)
        return FGA_ERR_NOMEM;
      rep->ls[rep->nls++] = r;
    }
  return FGA_OK;
}

/* Reads dir/name if it exists: FGA_OK with *present set, or an error. */
static int
read_csv (fga_report_ptr rep, const char *dir, const char *name, int kind,
          const char *const *names, int *present, fga_error *err)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/%s", dir, name);
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
  size_t cap = 0, ncols = 0;
  int col[16];
  csv_ctx_t c = { path, 0, fields, col, names, err };
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
        {
          if (nf > MAX_FIELDS)
            rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:1: more than %d columns", path,
                                MAX_FIELDS);
          ncols = (size_t) nf;
          for (int k = 0; rc == FGA_OK && names[k] != NULL; k++)
            {
              col[k] = -1;
              for (size_t j = 0; j < ncols; j++)
                if (strcmp (fields[j], names[k]) == 0)
                  col[k] = (int) j;
              if (col[k] < 0)
                rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:1: the header has no column %s",
                                    path, names[k]);
            }
        }
      else if ((size_t) nf != ncols)
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s:%zu: %ld fields where the header has %zu",
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

/* --- aggregates ------------------------------------------------------------ */

/* Mean over seeds of the rank at (tol, x, n); NaN when there is none. */
static double
mean_rank (const fga_report_struct *rep, const char *tol, double x, double n)
{
  double s = 0;
  size_t m = 0;
  for (size_t i = 0; i < rep->nrk; i++)
    if (rep->rk[i].x == x && rep->rk[i].n == n && strcmp (rep->rk[i].tol, tol) == 0)
      {
        s += rep->rk[i].rank;
        m++;
      }
  return m ? s / (double) m : NAN;
}

/* Mean over the seeds that reached the target; *missed counts the others. */
static double
mean_least (const fga_report_struct *rep, const char *label, const char *target, double x,
            double n, size_t *missed)
{
  double s = 0;
  size_t m = 0;
  *missed = 0;
  for (size_t i = 0; i < rep->nls; i++)
    {
      const least_row_t *r = &rep->ls[i];
      if (r->x == x && r->n == n && strcmp (r->label, label) == 0
          && strcmp (r->target, target) == 0)
        {
          if (isnan (r->least))
            ++*missed;
          else
            {
              s += r->least;
              m++;
            }
        }
    }
  return m ? s / (double) m : NAN;
}

/* Mean over seeds of max_abs of the ok rows of (label, size) at (x, n). */
static double
mean_error (const fga_report_struct *rep, const char *label, const char *size, double x,
            double n)
{
  double s = 0;
  size_t m = 0;
  for (size_t i = 0; i < rep->nres; i++)
    {
      const res_row_t *r = &rep->res[i];
      if (r->ok && r->x == x && r->n == n && strcmp (r->label, label) == 0
          && strcmp (r->size, size) == 0)
        {
          s += r->max_abs;
          m++;
        }
    }
  return m ? s / (double) m : NAN;
}

typedef struct
{
  dset_t xs, ns;              /* every row axis value and every n */
  sset_t labels, tols, ltargets, llabels;
  /* (label, size) groups of results.csv, by label then size */
  const res_row_t **groups;
  size_t ngroups, capgroups;
  /* (label, target) groups of least.csv */
  const least_row_t **lgroups;
  size_t nlgroups, caplgroups;
} axes_t;

static const sset_t *cmp_labels;

static int
cmp_group (const void *a, const void *b)
{
  const res_row_t *r = *(const res_row_t *const *) a, *s = *(const res_row_t *const *) b;
  size_t i = sset_index (cmp_labels, r->label), j = sset_index (cmp_labels, s->label);
  if (i != j)
    return i < j ? -1 : 1;
  if (r->size_num != s->size_num && !isnan (r->size_num) && !isnan (s->size_num))
    return r->size_num < s->size_num ? -1 : 1;
  return strcmp (r->size, s->size);
}

static void
axes_clear (axes_t *a)
{
  dset_clear (&a->xs);
  dset_clear (&a->ns);
  sset_clear (&a->labels);
  sset_clear (&a->tols);
  sset_clear (&a->ltargets);
  sset_clear (&a->llabels);
  fgap_free (a->groups);
  fgap_free (a->lgroups);
  memset (a, 0, sizeof *a);
}

static int
axes_init (axes_t *a, const fga_report_struct *rep, fga_error *err)
{
  memset (a, 0, sizeof *a);
  int rc = FGA_OK;
  for (size_t i = 0; rc == FGA_OK && i < rep->nres; i++)
    {
      const res_row_t *r = &rep->res[i];
      if ((rc = dset_add (&a->xs, r->x, err)) != FGA_OK
          || (rc = dset_add (&a->ns, r->n, err)) != FGA_OK
          || (rc = sset_add (&a->labels, r->label, err)) != FGA_OK)
        break;
      size_t g;
      for (g = 0; g < a->ngroups; g++)
        if (strcmp (a->groups[g]->label, r->label) == 0 && strcmp (a->groups[g]->size, r->size) == 0)
          break;
      if (g == a->ngroups)
        {
          if ((rc = GROW (a->groups, a->ngroups, a->capgroups, err)) != FGA_OK)
            break;
          a->groups[a->ngroups++] = r;
        }
    }
  for (size_t i = 0; rc == FGA_OK && i < rep->nrk; i++)
    if ((rc = dset_add (&a->xs, rep->rk[i].x, err)) != FGA_OK
        || (rc = dset_add (&a->ns, rep->rk[i].n, err)) != FGA_OK)
      break;
    else
      rc = sset_add (&a->tols, rep->rk[i].tol, err);
  for (size_t i = 0; rc == FGA_OK && i < rep->nls; i++)
    {
      const least_row_t *r = &rep->ls[i];
      if ((rc = dset_add (&a->xs, r->x, err)) != FGA_OK
          || (rc = dset_add (&a->ns, r->n, err)) != FGA_OK)
        break;
      size_t g;
      for (g = 0; g < a->nlgroups; g++)
        if (strcmp (a->lgroups[g]->label, r->label) == 0
            && strcmp (a->lgroups[g]->target, r->target) == 0)
          break;
      if (g == a->nlgroups)
        {
          if ((rc = GROW (a->lgroups, a->nlgroups, a->caplgroups, err)) != FGA_OK)
            break;
          a->lgroups[a->nlgroups++] = r;
        }
    }
  if (rc != FGA_OK)
    {
      axes_clear (a);
      return rc;
    }
  cmp_labels = &a->labels;
  if (a->ngroups > 1)
    qsort (a->groups, a->ngroups, sizeof *a->groups, cmp_group);
  return FGA_OK;
}

static int
add_exponent (fga_report_ptr rep, const char *quantity, const char *label, const char *param,
              double x, const double *ns, const double *v, size_t k, fga_error *err)
{
  if (GROW (rep->ex, rep->nex, rep->capex, err) != FGA_OK)
    return FGA_ERR_NOMEM;
  size_t pts = 0;
  for (size_t i = 0; i < k; i++)
    pts += v[i] > 0 && isfinite (v[i]);
  /* The points a sweep left without a value are skipped, not refused; a
     failed fit leaves the exponent NaN.  */
  fga_fit fit;
  fga_fit_power (&fit, ns, v, k, FGA_FIT_SKIP, NULL);
  fga_report_exponent e = { quantity, label, param, rep->x_is_B, x, fit.exponent, pts };
  rep->ex[rep->nex++] = e;
  return FGA_OK;
}

static int
compute_exponents (fga_report_ptr rep, fga_error *err)
{
  axes_t a;
  int rc = axes_init (&a, rep, err);
  if (rc != FGA_OK)
    return rc;
  double *v = fgap_calloc (a.ns.n + 1, sizeof *v, "exponent fits", err);
  if (v == NULL)
    {
      axes_clear (&a);
      return FGA_ERR_NOMEM;
    }
  for (size_t t = 0; rc == FGA_OK && t < a.tols.n; t++)
    for (size_t xi = 0; rc == FGA_OK && xi < a.xs.n; xi++)
      {
        for (size_t j = 0; j < a.ns.n; j++)
          v[j] = mean_rank (rep, a.tols.v[t], a.xs.v[xi], a.ns.v[j]);
        int any = 0;
        for (size_t j = 0; j < a.ns.n; j++)
          any |= !isnan (v[j]);
        if (any)
          rc = add_exponent (rep, "rank", "", a.tols.v[t], a.xs.v[xi], a.ns.v, v, a.ns.n, err);
      }
  for (size_t g = 0; rc == FGA_OK && g < a.nlgroups; g++)
    for (size_t xi = 0; rc == FGA_OK && xi < a.xs.n; xi++)
      {
        int any = 0;
        for (size_t j = 0; j < a.ns.n; j++)
          {
            size_t missed;
            v[j] = mean_least (rep, a.lgroups[g]->label, a.lgroups[g]->target, a.xs.v[xi],
                               a.ns.v[j], &missed);
            any |= !isnan (v[j]) || missed > 0;
          }
        if (any)
          rc = add_exponent (rep, "least_size", a.lgroups[g]->label, a.lgroups[g]->target,
                             a.xs.v[xi], a.ns.v, v, a.ns.n, err);
      }
  fgap_free (v);
  axes_clear (&a);
  return rc;
}

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
  int present, rc;
  if ((rc = read_csv (rep, dir, "results.csv", 0, res_cols, &present, err)) == FGA_OK)
    {
      rep->files |= present ? FGA_REPORT_RESULTS : 0;
      rc = read_csv (rep, dir, "rank.csv", 1, rank_cols, &present, err);
    }
  if (rc == FGA_OK)
    {
      rep->files |= present ? FGA_REPORT_RANK : 0;
      rc = read_csv (rep, dir, "least.csv", 2, least_cols, &present, err);
    }
  if (rc == FGA_OK)
    {
      rep->files |= present ? FGA_REPORT_LEAST : 0;
      if (rep->files == 0)
        rc = fgap_error_set (err, FGA_ERR_INPUT,
                            "%s: none of results.csv, rank.csv, least.csv is there", dir);
    }
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
  return rep->x_is_B;
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
  fgap_free (rep->strs);
  fgap_free (rep->res);
  fgap_free (rep->rk);
  fgap_free (rep->ls);
  fgap_free (rep->ex);
  fgap_free (rep->plots);
  fgap_free (rep);
}

/* --- writing --------------------------------------------------------------- */

static int
open_out (fga_atomic_file *af, const char *dir, const char *name, fga_error *err)
{
  char path[4096];
  if ((size_t) snprintf (path, sizeof path, "%s/%s", dir, name) >= sizeof path)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s/%s: path too long", dir, name);
  return fga_atomic_open (af, path, err);
}

static const char *
axis_name (const fga_report_struct *rep)
{
  return rep->x_is_B ? "B" : "beta";
}

/* Prints x as the CSV wrote it would, in short: %g keeps 0.25 as 0.25. */
static void
md_header (FILE *fp, const char *axis, const dset_t *ns)
{
  fprintf (fp, "| %s |", axis);
  for (size_t j = 0; j < ns->n; j++)
    fprintf (fp, " n = %.17g |", ns->v[j]);
  fprintf (fp, "\n|---:|");
  for (size_t j = 0; j < ns->n; j++)
    fprintf (fp, "---:|");
  fputc ('\n', fp);
}

static int
write_error_md (const fga_report_struct *rep, const axes_t *a, const char *dir, fga_error *err)
{
  fga_atomic_file af;
  int rc = open_out (&af, dir, "error-vs-B.md", err);
  if (rc != FGA_OK)
    return rc;
  FILE *fp = af.fp;
  fprintf (fp, "# Error against %s\n\nmax_abs error against the ground truth, mean over seeds "
           "of the rows with status ok (— where there is none); regenerated from results.csv "
           "by fgattn report.\n", axis_name (rep));
  if (a->ngroups == 0)
    fprintf (fp, "\nNo results.csv rows.\n");
  for (size_t g = 0; g < a->ngroups; g++)
    {
      const res_row_t *G = a->groups[g];
      fprintf (fp, "\n## %s, %s = %s\n\n", G->label, G->size_key, G->size);
      md_header (fp, axis_name (rep), &a->ns);
      for (size_t xi = 0; xi < a->xs.n; xi++)
        {
          fprintf (fp, "| %.17g |", a->xs.v[xi]);
          for (size_t j = 0; j < a->ns.n; j++)
            {
              double m = mean_error (rep, G->label, G->size, a->xs.v[xi], a->ns.v[j]);
              if (isnan (m))
                fprintf (fp, " — |");
              else
                fprintf (fp, " %.2e |", m);
            }
          fputc ('\n', fp);
        }
    }
  return fga_atomic_commit (&af, err);
}

static int
write_least_md (const fga_report_struct *rep, const axes_t *a, const char *dir, fga_error *err)
{
  fga_atomic_file af;
  int rc = open_out (&af, dir, "least-size.md", err);
  if (rc != FGA_OK)
    return rc;
  FILE *fp = af.fp;
  int partial = 0;
  fprintf (fp, "# Least size reaching each target\n\nMean over seeds of the least size "
           "(degree, feature count, rank, landmarks) whose error meets the target; — when no "
           "seed reached it; regenerated from least.csv by fgattn report.\n");
  if (a->nlgroups == 0)
    fprintf (fp, "\nNo least.csv rows.\n");
  for (size_t g = 0; g < a->nlgroups; g++)
    {
      const least_row_t *G = a->lgroups[g];
      fprintf (fp, "\n## %s, target %s\n\n", G->label, G->target);
      md_header (fp, axis_name (rep), &a->ns);
      for (size_t xi = 0; xi < a->xs.n; xi++)
        {
          fprintf (fp, "| %.17g |", a->xs.v[xi]);
          for (size_t j = 0; j < a->ns.n; j++)
            {
              size_t missed;
              double m = mean_least (rep, G->label, G->target, a->xs.v[xi], a->ns.v[j], &missed);
              if (isnan (m))
                fprintf (fp, " — |");
              else
                {
                  fprintf (fp, " %.4g%s |", m, missed ? "*" : "");
                  partial |= missed > 0;
                }
            }
          fputc ('\n', fp);
        }
    }
  if (partial)
    fprintf (fp, "\n\\* not reached for every seed: the mean of the seeds that reached it.\n");
  return fga_atomic_commit (&af, err);
}

static int
write_exponents_md (const fga_report_struct *rep, const axes_t *a, const char *dir,
                    fga_error *err)
{
  fga_atomic_file af;
  int rc = open_out (&af, dir, "exponents.md", err);
  if (rc != FGA_OK)
    return rc;
  FILE *fp = af.fp;
  fprintf (fp, "# Fitted exponents in n\n\nLeast-squares slope of log(value) against log(n) "
           "over the n of the grid, each value the mean over seeds first: near 0 the quantity "
           "does not grow with n (the near-linear regime), near 1 it grows like n (the "
           "quadratic one).  Regenerated by fgattn report.\n\n");
  /* One column per quantity, one row per axis value: the transition in one table. */
  size_t ncol = a->tols.n + a->nlgroups;
  if (ncol == 0)
    fprintf (fp, "No rank.csv or least.csv rows.\n");
  else
    {
      fprintf (fp, "| %s |", axis_name (rep));
      for (size_t t = 0; t < a->tols.n; t++)
        fprintf (fp, " rank, tol %s |", a->tols.v[t]);
      for (size_t g = 0; g < a->nlgroups; g++)
        fprintf (fp, " least size %s, target %s |", a->lgroups[g]->label, a->lgroups[g]->target);
      fprintf (fp, "\n|---:|");
      for (size_t k = 0; k < ncol; k++)
        fprintf (fp, "---:|");
      fputc ('\n', fp);
      for (size_t xi = 0; xi < a->xs.n; xi++)
        {
          fprintf (fp, "| %.17g |", a->xs.v[xi]);
          for (size_t k = 0; k < ncol; k++)
            {
              const char *q = k < a->tols.n ? "rank" : "least_size";
              const char *lab = k < a->tols.n ? "" : a->lgroups[k - a->tols.n]->label;
              const char *par = k < a->tols.n ? a->tols.v[k] : a->lgroups[k - a->tols.n]->target;
              const fga_report_exponent *e = NULL;
              for (size_t i = 0; i < rep->nex; i++)
                if (rep->ex[i].x == a->xs.v[xi] && strcmp (rep->ex[i].quantity, q) == 0
                    && strcmp (rep->ex[i].label, lab) == 0 && strcmp (rep->ex[i].param, par) == 0)
                  e = &rep->ex[i];
              if (e == NULL || isnan (e->exponent))
                fprintf (fp, " — |");
              else
                fprintf (fp, " %.3f |", e->exponent);
            }
          fputc ('\n', fp);
        }
    }
  return fga_atomic_commit (&af, err);
}

/* A gnuplot single-quoted string: '' stands for a quote.  */
static void
gp_str (FILE *fp, const char *s)
{
  fputc ('\'', fp);
  for (; *s; s++)
    {
      if (*s == '\'')
        fputc ('\'', fp);
      fputc (*s, fp);
    }
  fputc ('\'', fp);
}

static void
dat_value (FILE *fp, double v)
{
  if (isfinite (v))
    fprintf (fp, " %.17g", v);
  else
    fputs (" ?", fp);
}

/* Opens NAME.dat and NAME.gp; the script's preamble is written.  The
   outputs go to out.".png" and out.".svg", out defaulting to NAME, so that
   a caller can send them to temporary names and rename them when done. */
static int
open_plot (fga_report_ptr rep, fga_atomic_file *dat, fga_atomic_file *gp, const char *dir,
           const char *name, fga_error *err)
{
  char f[512];
  snprintf (f, sizeof f, "%s.dat", name);
  int rc = open_out (dat, dir, f, err);
  if (rc != FGA_OK)
    return rc;
  snprintf (f, sizeof f, "%s.gp", name);
  if ((rc = open_out (gp, dir, f, err)) != FGA_OK)
    {
      fga_atomic_abort (dat);
      return rc;
    }
  char *keep = rep_strdup (rep, name, err);
  if (keep == NULL || GROW (rep->plots, rep->nplots, rep->capplots, err) != FGA_OK)
    {
      fga_atomic_abort (dat);
      fga_atomic_abort (gp);
      return FGA_ERR_NOMEM;
    }
  rep->plots[rep->nplots++] = keep;
  fprintf (gp->fp, "# %s.gp -- written by fgattn report; run it in this folder: gnuplot %s.gp\n"
           "if (!exists(\"out\")) out = '%s'\n"
           "set datafile missing '?'\n"
           "set key outside right top\n"
           "set grid\n", name, name, name);
  return FGA_OK;
}

/* The plot command list: columns 2.. of NAME.dat against column 1. */
static void
gp_plot_columns (FILE *fp, const char *name, size_t ncurves, const char *const *titles,
                 const char *extra)
{
  for (int pass = 0; pass < 2; pass++)
    {
      fprintf (fp, pass == 0 ? "set terminal pngcairo noenhanced size 960,600\n"
                             "set output out.'.png'\n"
                             : "set terminal svg noenhanced size 960,600\n"
                             "set output out.'.svg'\n");
      fprintf (fp, "plot ");
      for (size_t k = 0; k < ncurves; k++)
        {
          fprintf (fp, "%s'%s.dat' using 1:%zu with linespoints title ", k ? ", \\\n     " : "",
                   name, k + 2);
          gp_str (fp, titles[k]);
        }
      if (extra != NULL)
        fprintf (fp, "%s", extra);
      fprintf (fp, "\nunset output\n");
    }
}

static int
close_plot (fga_atomic_file *dat, fga_atomic_file *gp, fga_error *err)
{
  int rc = fga_atomic_commit (dat, err);
  if (rc != FGA_OK)
    {
      fga_atomic_abort (gp);
      return rc;
    }
  return fga_atomic_commit (gp, err);
}

/* Titles "n = N" for each n of the grid, in one buffer. */
static int
n_titles (const dset_t *ns, char ***titles, fga_error *err)
{
  char **t = fgap_calloc (ns->n + 1, sizeof *t + 40, "plot titles", err);
  if (t == NULL)
    return FGA_ERR_NOMEM;
  char *buf = (char *) (t + ns->n + 1);
  for (size_t j = 0; j < ns->n; j++)
    {
      t[j] = buf + 40 * j;
      snprintf (t[j], 40, "n = %.17g", ns->v[j]);
    }
  *titles = t;
  return FGA_OK;
}

/* Error against the axis, one curve per n, for the first few (label, size). */
static int
plot_errors (fga_report_ptr rep, const axes_t *a, const char *dir, char **titles,
             fga_error *err)
{
  fga_atomic_file dat, gp;
  char name[64];
  const char *ax = axis_name (rep);
  int rc = FGA_OK;
  for (size_t g = 0; rc == FGA_OK && g < a->ngroups && g < MAX_PLOTS; g++)
    {
      const res_row_t *G = a->groups[g];
      snprintf (name, sizeof name, "error-vs-%s-%zu", ax, g + 1);
      if ((rc = open_plot (rep, &dat, &gp, dir, name, err)) != FGA_OK)
        break;
      fprintf (dat.fp, "# %s, %s = %s: mean max_abs over seeds\n# %s", G->label, G->size_key,
               G->size, ax);
      for (size_t j = 0; j < a->ns.n; j++)
        fprintf (dat.fp, " n=%.17g", a->ns.v[j]);
      fputc ('\n', dat.fp);
      for (size_t xi = 0; xi < a->xs.n; xi++)
        {
          fprintf (dat.fp, "%.17g", a->xs.v[xi]);
          for (size_t j = 0; j < a->ns.n; j++)
            {
              double m = mean_error (rep, G->label, G->size, a->xs.v[xi], a->ns.v[j]);
              dat_value (dat.fp, m > 0 ? m : NAN);
            }
          fputc ('\n', dat.fp);
        }
      fprintf (gp.fp, "set title ");
      char t[512];
      snprintf (t, sizeof t, "max_abs error against %s: %s, %s = %s (mean over seeds)", ax,
                G->label, G->size_key, G->size);
      gp_str (gp.fp, t);
      fprintf (gp.fp, "\nset xlabel '%s'\nset ylabel 'max_abs error'\nset logscale y\n"
               "set format y '%%.0e'\n", ax);
      gp_plot_columns (gp.fp, name, a->ns.n, (const char *const *) titles, NULL);
      rc = close_plot (&dat, &gp, err);
    }
  return rc;
}

/* Least size against the axis on a log scale, one curve per n. */
static int
plot_least (fga_report_ptr rep, const axes_t *a, const char *dir, char **titles,
            fga_error *err)
{
  fga_atomic_file dat, gp;
  char name[64];
  const char *ax = axis_name (rep);
  int rc = FGA_OK;
  for (size_t g = 0; rc == FGA_OK && g < a->nlgroups && g < MAX_PLOTS; g++)
    {
      const least_row_t *G = a->lgroups[g];
      snprintf (name, sizeof name, "least-size-%zu", g + 1);
      if ((rc = open_plot (rep, &dat, &gp, dir, name, err)) != FGA_OK)
        break;
      fprintf (dat.fp, "# %s, target %s: mean least size over the seeds that reached it\n# %s",
               G->label, G->target, ax);
      for (size_t j = 0; j < a->ns.n; j++)
        fprintf (dat.fp, " n=%.17g", a->ns.v[j]);
      fputc ('\n', dat.fp);
      for (size_t xi = 0; xi < a->xs.n; xi++)
        {
          fprintf (dat.fp, "%.17g", a->xs.v[xi]);
          for (size_t j = 0; j < a->ns.n; j++)
            {
              size_t missed;
              double m = mean_least (rep, G->label, G->target, a->xs.v[xi], a->ns.v[j], &missed);
              dat_value (dat.fp, m > 0 ? m : NAN);
            }
          fputc ('\n', dat.fp);
        }
      char t[512];
      snprintf (t, sizeof t, "least size of %s reaching %s, against %s", G->label, G->target, ax);
      fprintf (gp.fp, "set title ");
      gp_str (gp.fp, t);
      fprintf (gp.fp, "\nset xlabel '%s'\nset ylabel 'least size (log scale)'\nset logscale y\n",
               ax);
      gp_plot_columns (gp.fp, name, a->ns.n, (const char *const *) titles, NULL);
      rc = close_plot (&dat, &gp, err);
    }
  return rc;
}

/* Numerical rank against n, one curve per axis value, with the monomial
   counts C(d+k, k): at small beta the rank sits on these levels, which is
   the polynomial method visible in P itself. */
static int
plot_rank (fga_report_ptr rep, const axes_t *a, const char *dir, fga_error *err)
{
  fga_atomic_file dat, gp;
  char name[64];
  char **titles = NULL;
  const char *ax = axis_name (rep);
  int rc = FGA_OK;
  double nmax = a->ns.n ? a->ns.v[a->ns.n - 1] : 0, dmax = 0;
  for (size_t i = 0; i < rep->nrk; i++)
    if (rep->rk[i].n == nmax && rep->rk[i].d > dmax)
      dmax = rep->rk[i].d;
  if (a->xs.n > 0)
    {
      titles = fgap_calloc (a->xs.n, sizeof *titles + 40, "plot titles", err);
      if (titles == NULL)
        rc = FGA_ERR_NOMEM;
      else
        for (size_t xi = 0; xi < a->xs.n; xi++)
          {
            titles[xi] = (char *) (titles + a->xs.n) + 40 * xi;
            snprintf (titles[xi], 40, "%s = %.6g", ax, a->xs.v[xi]);
          }
    }
  for (size_t t = 0; rc == FGA_OK && t < a->tols.n; t++)
    {
      snprintf (name, sizeof name, "rank-%zu", t + 1);
      if ((rc = open_plot (rep, &dat, &gp, dir, name, err)) != FGA_OK)
        break;
      fprintf (dat.fp, "# numerical rank of P at tol %s, mean over seeds\n# n", a->tols.v[t]);
      for (size_t xi = 0; xi < a->xs.n; xi++)
        fprintf (dat.fp, " %s=%.17g", ax, a->xs.v[xi]);
      fputc ('\n', dat.fp);
      for (size_t j = 0; j < a->ns.n; j++)
        {
          fprintf (dat.fp, "%.17g", a->ns.v[j]);
          for (size_t xi = 0; xi < a->xs.n; xi++)
            {
              double m = mean_rank (rep, a->tols.v[t], a->xs.v[xi], a->ns.v[j]);
              dat_value (dat.fp, m > 0 ? m : NAN);
            }
          fputc ('\n', dat.fp);
        }
      char tt[512], extra[1024];
      snprintf (tt, sizeof tt, "numerical rank of P, tol %s; dashed: C(d+k,k), k = 1..4, "
                "d = %.17g (of n = %.17g)", a->tols.v[t], dmax, nmax);
      fprintf (gp.fp, "set title ");
      gp_str (gp.fp, tt);
      fprintf (gp.fp, "\nset xlabel 'n'\nset ylabel 'numerical rank'\nset logscale xy\n");
      size_t len = 0;
      double c = 1;
      for (int k = 1; k <= 4; k++)
        {
          c = c * (dmax + k) / k;    /* C(d+k, k) from C(d+k-1, k-1) */
          len += (size_t) snprintf (extra + len, sizeof extra - len,
                                    ", \\\n     %.17g with lines dashtype 2 lc rgb 'gray' "
                                    "title 'C(d+%d,%d) = %.17g'", c, k, k, c);
        }
      gp_plot_columns (gp.fp, name, a->xs.n, (const char *const *) titles, extra);
      rc = close_plot (&dat, &gp, err);
    }
  fgap_free (titles);
  return rc;
}

/* Time against n: each label at its largest size, mean wall time over
   seeds and axis values, with the fitted slope in the legend.  */
static int
plot_time (fga_report_ptr rep, const axes_t *a, const char *dir, fga_error *err)
{
  if (a->labels.n == 0)
    return FGA_OK;
  fga_atomic_file dat, gp;
  int rc = FGA_OK;
  size_t nl = a->labels.n, nn = a->ns.n;
  double *w = fgap_calloc ((nl + 1) * (nn + 1), sizeof *w, "the time plot", err);
  char **titles = fgap_calloc (nl + 1, sizeof *titles + 256, "plot titles", err);
  if (w == NULL || titles == NULL)
    rc = FGA_ERR_NOMEM;
  for (size_t l = 0; rc == FGA_OK && l < nl; l++)
    {
      double smax = -INFINITY;
      for (size_t i = 0; i < rep->nres; i++)
        if (strcmp (rep->res[i].label, a->labels.v[l]) == 0 && rep->res[i].size_num > smax)
          smax = rep->res[i].size_num;
      for (size_t j = 0; j < nn; j++)
        {
          double s = 0;
          size_t m = 0;
          for (size_t i = 0; i < rep->nres; i++)
            {
              const res_row_t *r = &rep->res[i];
              if (r->n == a->ns.v[j] && strcmp (r->label, a->labels.v[l]) == 0
                  && (r->size_num == smax || isinf (smax)) && isfinite (r->wall))
                {
                  s += r->wall;
                  m++;
                }
            }
          w[l * nn + j] = m ? s / (double) m : NAN;
        }
      titles[l] = (char *) (titles + nl + 1) + 256 * l;
      fga_fit fit;
      fga_fit_power (&fit, a->ns.v, w + l * nn, nn, FGA_FIT_SKIP, NULL);
      snprintf (titles[l], 256, "%s (slope %.2f)", a->labels.v[l], fit.exponent);
    }
  if (rc == FGA_OK && (rc = open_plot (rep, &dat, &gp, dir, "time", err)) == FGA_OK)
    {
      fprintf (dat.fp, "# mean wall seconds of each label at its largest size\n# n");
      for (size_t l = 0; l < nl; l++)
        fprintf (dat.fp, " %s", a->labels.v[l]);
      fputc ('\n', dat.fp);
      for (size_t j = 0; j < nn; j++)
        {
          fprintf (dat.fp, "%.17g", a->ns.v[j]);
          for (size_t l = 0; l < nl; l++)
            dat_value (dat.fp, w[l * nn + j] > 0 ? w[l * nn + j] : NAN);
          fputc ('\n', dat.fp);
        }
      fprintf (gp.fp, "set title 'wall time against n, each method at its largest size; "
               "slope: least-squares fit of log time against log n'\n"
               "set xlabel 'n'\nset ylabel 'seconds'\nset logscale xy\n");
      gp_plot_columns (gp.fp, "time", nl, (const char *const *) titles, NULL);
      rc = close_plot (&dat, &gp, err);
    }
  fgap_free (w);
  fgap_free (titles);
  return rc;
}

/* The plots, each as NAME.dat and NAME.gp (see fga_report_write).  */
static int
write_plots (fga_report_ptr rep, const axes_t *a, const char *dir, fga_error *err)
{
  char **titles = NULL;
  int rc = n_titles (&a->ns, &titles, err);
  if (rc == FGA_OK)
    rc = plot_errors (rep, a, dir, titles, err);
  if (rc == FGA_OK)
    rc = plot_least (rep, a, dir, titles, err);
  fgap_free (titles);
  if (rc == FGA_OK)
    rc = plot_rank (rep, a, dir, err);
  if (rc == FGA_OK)
    rc = plot_time (rep, a, dir, err);
  return rc;
}

int
fga_report_write (fga_report_ptr rep, const char *dir, fga_error *err)
{
  axes_t a;
  int rc = axes_init (&a, rep, err);
  if (rc != FGA_OK)
    return rc;
  rep->nplots = 0;
  if ((rc = write_error_md (rep, &a, dir, err)) == FGA_OK
      && (rc = write_least_md (rep, &a, dir, err)) == FGA_OK
      && (rc = write_exponents_md (rep, &a, dir, err)) == FGA_OK)
    rc = write_plots (rep, &a, dir, err);
  axes_clear (&a);
  return rc;
}
