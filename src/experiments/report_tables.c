/* report_tables.c -- the Markdown tables of a sweep's report

   One table per series and group (error, rank, least size), per eps and
   group (cost), and one exponent table per group: rows beta (B when the
   law is 1), columns n, or the quantities for the exponents.  Censored
   means are printed with the bound they are (">= 512", "> 1024", "> n"),
   never as plain numbers, and every mark a table uses is explained in the
   footnotes below it.  */

#include "core/fga-impl.h"
#include "experiments/report-impl.h"

/* The marks of a table, each with its footnote.  */
enum
{
  M_GE = 1u << 0, M_GT = 1u << 1, M_GT_N = 1u << 2, M_NOT_REACHED = 1u << 3,
  M_DISTINCT = 1u << 4, M_MEMORY = 1u << 5, M_LOWER = 1u << 6, M_CENSORED = 1u << 7,
  M_RANGE = 1u << 8, M_POLY_BOUND = 1u << 9, M_X_DISTINCT = 1u << 10, M_UNKNOWN = 1u << 11,
  M_FAILED = 1u << 12, M_COUNT = 13
};

static const char *const footnotes[M_COUNT] = {
  /* M_GE */
  ">= v: for at least one seed the randomized rank was above its budget kmax, or the "
  "singular values it estimated near the tolerance did not decide the count within that "
  "budget, so v is a lower bound of the true rank there (rank.csv's censored column); a mean "
  "over seeds with such a seed is itself a lower bound.",
  /* M_GT */
  "> v: for at least one seed no size (degree) up to the searched maximum reached the target, "
  "so the true value is above the maximum written; a mean over seeds with such a seed is "
  "itself a lower bound.",
  /* M_GT_N */
  "> n: no size up to n reached the target for any seed: the method is no better than exact "
  "attention there.",
  /* M_NOT_REACHED */
  "not reached: no size up to the search's maximum reached the target, and this least.csv "
  "(written before the censored column) does not record the maximum; with (k/m seeds), so for "
  "k of the m seeds, and the mean over seeds is not known.",
  /* M_DISTINCT */
  "= distinct rows: the rank equals distinct_rows, the fewer distinct rows of Q or K, which "
  "bounds rank(P) whatever exp does (e.g. Rademacher entries at d = log2 n allow at most "
  "2^d = n distinct rows): the set-up, not the function, sets the rank there; (k/m seeds): "
  "for k of the m seeds.",
  /* M_MEMORY */
  "memory: poly's features did not fit poly_max_bytes, so it was not timed (for k of the m "
  "seeds when marked k/m); no mean is given.",
  /* M_LOWER */
  ">= a: a lower bound of the exponent.  The fitted slope is a = sum w_i log(v_i) with "
  "weights w_i = (log n_i - mean log n) / S; a censored mean v_i is below its true value, "
  "which can only raise a when w_i >= 0.  Every censored mean that entered is at an n above "
  "the geometric mean of the fitted n, so the true exponent is at least a.",
  /* M_CENSORED */
  "censored: a censored mean lies at an n at or below the geometric mean of the fitted n, "
  "where its weight w_i is not positive and its true value (unbounded above) can lower the "
  "slope by any amount: no bound holds, so no number is given.",
  /* M_RANGE */
  "(n = a..b, k points): fitted on the n where the quantity has a mean over seeds, fewer than "
  "the group's n (rank only up to [rank] max_n, poly only where it was timed, none where a "
  "seed's value is left empty).",
  /* M_POLY_BOUND */
  "poly time where g_emp is censored is the time at g = gmax, below the degree the target "
  "needs; it is taken as a lower bound of the method's time, whose work grows with the "
  "degree.",
  /* M_X_DISTINCT */
  "†: a rank that entered the fit equals distinct_rows (see rank.md): the set-up bounds the "
  "rank at that n, so the exponent measures the set-up there, not exp.",
  /* M_UNKNOWN */
  "censored (not reached): at some n a seed never reached the target and the file does not "
  "record up to where it searched, so that mean is unknown: no bound holds.",
  /* M_FAILED */
  "failed: poly was refused or failed at that degree (poly_status), so it was not timed (for "
  "k of the m seeds when marked k/m); no mean is given.",
};

static void
print_footnotes (FILE *fp, unsigned marks)
{
  if (marks == 0)
    return;
  fputc ('\n', fp);
  for (int k = 0; k < M_COUNT; k++)
    if (marks & (1u << k))
      fprintf (fp, "- %s\n", footnotes[k]);
}

/* A mean as short as it can be shown exactly enough: whole numbers in
   full (below 1e15), others to 4 significant digits.  */
static void
fmt_num (char *buf, size_t size, double v)
{
  if (isnan (v))
    snprintf (buf, size, "—");
  else if (v == floor (v) && fabs (v) < 1e15)
    snprintf (buf, size, "%.0f", v);
  else
    snprintf (buf, size, "%.4g", v);
}

/* "k/m seeds" when not every seed, else "".  */
static void
fmt_some (char *buf, size_t size, size_t k, size_t m)
{
  if (k < m)
    snprintf (buf, size, " (%zu/%zu seeds)", k, m);
  else
    buf[0] = '\0';
}

typedef void (*cell_fn) (char *buf, size_t size, const fga_report_struct *rep,
                         const fgap_series *s, const fgap_point *p, unsigned *marks);

static void
md_header (FILE *fp, const fgap_group *G)
{
  fprintf (fp, "| %s |", fgap_report_axis (G));
  for (size_t j = 0; j < G->nns; j++)
    fprintf (fp, " n = %.17g |", G->ns[j]);
  fprintf (fp, "\n|---:|");
  for (size_t j = 0; j < G->nns; j++)
    fprintf (fp, "---:|");
  fputc ('\n', fp);
}

/* Rows beta, columns n, one cell per point of s; its footnotes after it.  */
static void
series_table (FILE *fp, const fga_report_struct *rep, const fgap_series *s, cell_fn cell)
{
  const fgap_group *G = &rep->groups[s->group];
  unsigned marks = 0;
  char buf[256];
  md_header (fp, G);
  for (size_t xi = 0; xi < G->nxs; xi++)
    {
      fprintf (fp, "| %.17g |", G->xs[xi]);
      for (size_t j = 0; j < G->nns; j++)
        {
          const fgap_point *p = fgap_report_point (s, G->xs[xi], G->ns[j]);
          if (p == NULL)
            snprintf (buf, sizeof buf, "—");
          else
            cell (buf, sizeof buf, rep, s, p, &marks);
          fprintf (fp, " %s |", buf);
        }
      fputc ('\n', fp);
    }
  print_footnotes (fp, marks);
}

static void
error_cell (char *buf, size_t size, const fga_report_struct *rep, const fgap_series *s,
            const fgap_point *p, unsigned *marks)
{
  if (isnan (p->mean))
    snprintf (buf, size, "—");
  else
    snprintf (buf, size, "%.2e", p->mean);
}

/* A mean that may be censored: "v", ">= v" (rank) or "> v".  */
static void
bound_cell (char *buf, size_t size, const fgap_series *s, const fgap_point *p, unsigned *marks)
{
  char v[64];
  fmt_num (v, sizeof v, p->mean);
  if (p->censored == 0 || isnan (p->mean))
    snprintf (buf, size, "%s", v);
  else if (s->q == FGAP_Q_RANK)
    {
      snprintf (buf, size, ">= %s", v);
      *marks |= M_GE;
    }
  else
    {
      snprintf (buf, size, "> %s", v);
      *marks |= M_GT;
    }
}

static void
rank_cell (char *buf, size_t size, const fga_report_struct *rep, const fgap_series *s,
           const fgap_point *p, unsigned *marks)
{
  char v[96], some[64] = "";
  bound_cell (v, sizeof v, s, p, marks);
  if (p->distinct > 0)
    {
      fmt_some (some, sizeof some, p->distinct, p->seeds);
      *marks |= M_DISTINCT;
    }
  snprintf (buf, size, "%s%s%s", v, p->distinct > 0 ? " = distinct rows" : "", some);
}

static void
least_cell (char *buf, size_t size, const fga_report_struct *rep, const fgap_series *s,
            const fgap_point *p, unsigned *marks)
{
  char some[64];
  if (p->unknown > 0)
    {
      fmt_some (some, sizeof some, p->unknown, p->seeds);
      snprintf (buf, size, "not reached%s", some);
      *marks |= M_NOT_REACHED;
    }
  else if (p->censored == p->seeds && p->vmin == p->n && p->vmax == p->n)
    {
      snprintf (buf, size, "> n");
      *marks |= M_GT_N;
    }
  else
    bound_cell (buf, size, s, p, marks);
}

/* The series (g, q, label, param), or NULL.  */
static const fgap_series *
find_series (const fga_report_struct *rep, size_t g, int q, const char *label,
             const char *param)
{
  for (size_t i = 0; i < rep->nseries; i++)
    {
      const fgap_series *s = &rep->series[i];
      if (s->group == g && s->q == q && strcmp (s->label, label) == 0
          && strcmp (s->param, param) == 0)
        return s;
    }
  return NULL;
}

/* One value of a cost cell: the mean at (x, n) of series (q, param) of the
   group of s, with its bound.  */
static void
cost_value (char *buf, size_t size, const fga_report_struct *rep, const fgap_series *s, int q,
            const fgap_point *at, unsigned *marks)
{
  const fgap_series *t = find_series (rep, s->group, q, "", s->param);
  const fgap_point *p = t ? fgap_report_point (t, at->x, at->n) : NULL;
  if (p == NULL)
    snprintf (buf, size, "—");
  else
    bound_cell (buf, size, t, p, marks);
}

/* g_cert / g_emp · r_cert / r_emp · poly time / exact time.  */
static void
cost_cell (char *buf, size_t size, const fga_report_struct *rep, const fgap_series *s,
           const fgap_point *p, unsigned *marks)
{
  char v[4][80], t[96], some[64];
  static const int qs[4] = { FGAP_Q_GCERT, FGAP_Q_GEMP, FGAP_Q_RCERT, FGAP_Q_REMP };
  for (int k = 0; k < 4; k++)
    cost_value (v[k], sizeof v[k], rep, s, qs[k], p, marks);
  const fgap_series *ps = find_series (rep, s->group, FGAP_Q_POLY, "", s->param);
  const fgap_series *es = find_series (rep, s->group, FGAP_Q_EXACT, "", "");
  const fgap_point *pp = ps ? fgap_report_point (ps, p->x, p->n) : NULL;
  const fgap_point *ep = es ? fgap_report_point (es, p->x, p->n) : NULL;
  if (pp != NULL && (pp->memory > 0 || pp->failed > 0))
    {
      int mem = pp->memory > 0;
      fmt_some (some, sizeof some, mem ? pp->memory : pp->failed, pp->seeds);
      snprintf (t, sizeof t, "%s%s", mem ? "memory" : "failed", some);
      *marks |= mem ? M_MEMORY : M_FAILED;
    }
  else if (pp == NULL || ep == NULL || isnan (pp->mean) || !(ep->mean > 0))
    snprintf (t, sizeof t, "—");
  else
    {
      snprintf (t, sizeof t, "%s%.3g", pp->censored ? "> " : "", pp->mean / ep->mean);
      *marks |= pp->censored ? M_GT | M_POLY_BOUND : 0;
    }
  snprintf (buf, size, "%s / %s · %s / %s · %s", v[0], v[1], v[2], v[3], t);
}

/* --- the files ------------------------------------------------------------- */

/* The heading of series s: "## WHAT; GROUP".  */
static void
series_heading (FILE *fp, const fga_report_struct *rep, const fgap_series *s)
{
  char title[512], acc[128];
  fgap_report_group_title (title, sizeof title, &rep->groups[s->group]);
  fgap_report_accuracy (acc, sizeof acc, s);
  switch (s->q)
    {
    case FGAP_Q_ERROR:
      if (*s->size_key)
        fprintf (fp, "\n## %s, %s = %s; %s\n\n", s->label, s->size_key, s->param, title);
      else
        fprintf (fp, "\n## %s; %s\n\n", s->label, title);
      break;
    case FGAP_Q_RANK:
      fprintf (fp, "\n## rank at tol %s; %s\n\n", acc, title);
      break;
    case FGAP_Q_LEAST:
      fprintf (fp, "\n## %s, least %s, target %s; %s\n\n", s->label,
               *s->size_key ? s->size_key : "size", acc, title);
      break;
    default:
      fprintf (fp, "\n## eps %s; %s\n\nEach cell: g_cert / g_emp · r_cert / r_emp · poly time "
               "/ exact time (means over seeds; the time ratio of the means).\n\n", acc, title);
    }
}

typedef struct
{
  const char *name, *title, *intro;
  int q;
  cell_fn cell;
} table_file_t;

static const table_file_t table_files[] = {
  { "error-vs-B.md", "Error against beta (B when the law is 1)",
    "max_abs error against the ground truth, mean over seeds of the rows with status ok (— "
    "where there is none), per method and size, for each family (dist) and law of B = beta "
    "law(n); regenerated from results.csv by fgattn report.", FGAP_Q_ERROR, error_cell },
  { "rank.md", "Numerical rank of P",
    "The numerical rank of P at each tolerance, mean over seeds, for each family and law; "
    "regenerated from rank.csv by fgattn report.", FGAP_Q_RANK, rank_cell },
  { "least-size.md", "Least size reaching each target",
    "Mean over seeds of the least size (degree, feature count, rank, landmarks) whose error "
    "meets the target, for each family and law; regenerated from least.csv by fgattn "
    "report.", FGAP_Q_LEAST, least_cell },
  { "cost.md", "The polynomial method's cost",
    "For each eps (the additive target on the output): g_cert, the least degree certified on "
    "the data's score radius; g_emp, the least degree whose output is within eps on the "
    "instance; their feature counts r = C(d + g, d); and poly's time over the exact method's "
    "at g_emp; means over seeds, for each family and law (— where a seed has no value: no "
    "degree certified, r beyond the largest double, the exact method not timed); regenerated "
    "from cost.csv by fgattn report.", FGAP_Q_GCERT, cost_cell },
};

static int
write_table_file (const fga_report_struct *rep, const table_file_t *tf, const char *dir,
                  fga_error *err)
{
  fga_atomic_file af;
  int rc = fgap_report_open (&af, dir, tf->name, err);
  if (rc != FGA_OK)
    return rc;
  FILE *fp = af.fp;
  fprintf (fp, "# %s\n\n%s\n", tf->title, tf->intro);
  size_t k = 0;
  for (size_t i = 0; i < rep->nseries; i++)
    if (rep->series[i].q == tf->q)
      {
        series_heading (fp, rep, &rep->series[i]);
        series_table (fp, rep, &rep->series[i], tf->cell);
        k++;
      }
  if (k == 0)
    fprintf (fp, "\nNo %s rows.\n", tf->q == FGAP_Q_ERROR ? "results.csv"
             : tf->q == FGAP_Q_RANK ? "rank.csv" : tf->q == FGAP_Q_LEAST ? "least.csv"
             : "cost.csv");
  return fga_atomic_commit (&af, err);
}

/* --- exponents.md ---------------------------------------------------------- */

static void
exponent_column (FILE *fp, const fgap_series *s)
{
  char acc[128];
  fgap_report_accuracy (acc, sizeof acc, s);
  switch (s->q)
    {
    case FGAP_Q_RANK: fprintf (fp, " rank, tol %s |", acc); break;
    case FGAP_Q_LEAST: fprintf (fp, " least size %s, target %s |", s->label, acc); break;
    case FGAP_Q_RCERT: fprintf (fp, " r_cert, eps %s |", acc); break;
    case FGAP_Q_REMP: fprintf (fp, " r_emp, eps %s |", acc); break;
    case FGAP_Q_POLY: fprintf (fp, " poly time, eps %s |", acc); break;
    default: fprintf (fp, " exact time |");
    }
}

/* An exponent as printed: "0.193", ">= 0.712", "censored" or "—", then
   the n it was fitted on when fewer than the group's, and † at distinct
   rows.  */
static void
exponent_cell (FILE *fp, const fga_report_exponent *e, const fgap_group *G,
               const fgap_series *s, unsigned *marks)
{
  int q = s->q;
  if (e == NULL || (isnan (e->exponent) && e->bound != FGA_REPORT_CENSORED))
    {
      fprintf (fp, " — |");
      return;
    }
  if (e->bound == FGA_REPORT_CENSORED)
    {
      size_t unknown = 0;
      for (size_t i = 0; i < s->npts; i++)
        unknown += s->pts[i].x == e->x ? s->pts[i].unknown : 0;
      fprintf (fp, unknown ? " censored (not reached)" : " censored");
      *marks |= unknown ? M_UNKNOWN : M_CENSORED;
    }
  else
    fprintf (fp, " %s%.3f", e->bound == FGA_REPORT_LOWER ? ">= " : "", e->exponent);
  if (e->bound == FGA_REPORT_LOWER)
    *marks |= M_LOWER | (q == FGAP_Q_POLY ? M_POLY_BOUND : 0);
  if (e->points >= 2 && e->points < G->nns)
    {
      fprintf (fp, " (n = %.17g..%.17g, %zu points)", e->nmin, e->nmax, e->points);
      *marks |= M_RANGE;
    }
  if (e->distinct)
    {
      fprintf (fp, " †");
      *marks |= M_X_DISTINCT;
    }
  fprintf (fp, " |");
}

static void
exponent_table (FILE *fp, const fga_report_struct *rep, size_t g)
{
  const fgap_group *G = &rep->groups[g];
  char title[512];
  fgap_report_group_title (title, sizeof title, G);
  fprintf (fp, "\n## %s\n\n| %s |", title, fgap_report_axis (G));
  size_t ncol = 0;
  int reference = 0;
  for (size_t i = 0; i < rep->nseries; i++)
    if (rep->series[i].group == g && fgap_report_fitted (rep->series[i].q))
      {
        exponent_column (fp, &rep->series[i]);
        reference |= rep->series[i].q == FGAP_Q_EXACT;
        ncol++;
      }
  if (reference)
    fprintf (fp, " exact attention (reference) |");
  fprintf (fp, "\n|---:|");
  for (size_t k = 0; k < ncol + (size_t) reference; k++)
    fprintf (fp, "---:|");
  fputc ('\n', fp);
  unsigned marks = 0;
  for (size_t xi = 0; xi < G->nxs; xi++)
    {
      fprintf (fp, "| %.17g |", G->xs[xi]);
      for (size_t i = 0; i < rep->nseries; i++)
        {
          const fgap_series *s = &rep->series[i];
          if (s->group != g || !fgap_report_fitted (s->q))
            continue;
          const fga_report_exponent *ex, *e = NULL;
          size_t nex = fgap_report_series_exponents (rep, s, &ex);
          for (size_t k = 0; k < nex; k++)
            if (ex[k].x == G->xs[xi])
              e = &ex[k];
          exponent_cell (fp, e, G, s, &marks);
        }
      if (reference)
        fprintf (fp, " 2 |");
      fputc ('\n', fp);
    }
  print_footnotes (fp, marks);
}

static int
write_exponents_md (const fga_report_struct *rep, const char *dir, fga_error *err)
{
  fga_atomic_file af;
  int rc = fgap_report_open (&af, dir, "exponents.md", err);
  if (rc != FGA_OK)
    return rc;
  FILE *fp = af.fp;
  fprintf (fp, "# Fitted exponents in n\n\nLeast-squares slope of log(value) against log(n) "
           "over the n of the grid, each value the mean over seeds first, for each family "
           "(dist) and law of B = beta law(n): near 0 the quantity does not grow with n (the "
           "near-linear regime), near 1 it grows like n (the quadratic one; exact attention's "
           "time grows like n^2).  Regenerated by fgattn report.\n");
  if (rep->nex == 0)
    fprintf (fp, "\nNo rank.csv, least.csv or cost.csv rows.\n");
  for (size_t g = 0; g < rep->ngroups; g++)
    {
      size_t k = 0;
      for (size_t i = 0; i < rep->nseries; i++)
        k += rep->series[i].group == g && rep->series[i].nex > 0;
      if (k > 0)
        exponent_table (fp, rep, g);
    }
  return fga_atomic_commit (&af, err);
}

int
fgap_report_tables (fga_report_ptr rep, const char *dir, fga_error *err)
{
  int rc = FGA_OK;
  for (size_t k = 0; rc == FGA_OK && k < sizeof table_files / sizeof table_files[0]; k++)
    rc = write_table_file (rep, &table_files[k], dir, err);
  return rc != FGA_OK ? rc : write_exponents_md (rep, dir, err);
}
