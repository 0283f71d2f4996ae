/* report-impl.h -- a sweep's report as read: groups, series and their points

   Shared by report.c (reading the CSV files, means over seeds, exponent
   fits), report_tables.c (the Markdown tables) and report_plot.c (the
   gnuplot inputs).  Every value of every row becomes an observation of a
   series (group, quantity, label, param); the observations are sorted and
   reduced to one point per (x, n), the mean over seeds, which every table,
   fit and plot then reads.  */

#ifndef FGA_REPORT_IMPL_H
#define FGA_REPORT_IMPL_H

#include "core/fga-impl.h"

/* What a row's value says of the true value.  */
enum
{
  FGAP_CENS_NO,                /* it is the value */
  FGAP_CENS_GE,                /* the true value is >= it (rank at the randomized budget) */
  FGAP_CENS_GT,                /* the true value is > it (a size or degree not reached up to it) */
  FGAP_CENS_UNKNOWN            /* > a maximum the file does not record (old least.csv): no value */
};

/* The quantities, in the order of the tables' columns.  */
enum
{
  FGAP_Q_ERROR,                /* results.csv max_abs (status ok), param the size */
  FGAP_Q_WALL,                 /* results.csv wall_seconds (status ok), param the size */
  FGAP_Q_RANK,                 /* rank.csv, param the tol */
  FGAP_Q_LEAST,                /* least.csv, label the method, param the target */
  FGAP_Q_GCERT, FGAP_Q_GEMP,   /* cost.csv, param the eps */
  FGAP_Q_RCERT, FGAP_Q_REMP, FGAP_Q_POLY,
  FGAP_Q_EXACT                 /* cost.csv exact_seconds, param "" */
};

/* Flags of an observation.  */
#define FGAP_OBS_DISTINCT 1u    /* a rank >= distinct_rows: the set-up bounds it */
#define FGAP_OBS_MEMORY   2u    /* poly not timed: its features did not fit poly_max_bytes */
#define FGAP_OBS_FAILED   4u    /* poly not timed: refused or failed at that degree */

typedef struct
{
  size_t series;
  double x, n, d;
  /* NaN when none: censored at an unknown maximum, poly not timed (flags),
     or left empty in the file (a certified degree where none is, ...) */
  double value;
  int cens;                    /* FGAP_CENS_* */
  unsigned flags;
} fgap_obs;

/* One table cell: the seeds of a series at (x, n).  */
typedef struct
{
  double x, n, d;              /* d: the largest over the seeds */
  /* The mean over seeds; a lower bound when censored > 0; NaN when a seed
     has no value (unknown, memory, failed or missing > 0): the mean of the
     others would not be the mean over seeds.  */
  double mean;
  double vmin, vmax;           /* the least and largest value of a seed (NaN when none) */
  size_t seeds, censored, unknown, distinct, memory, failed, missing;
} fgap_point;

typedef struct
{
  const char *dist;
  fga_law law;
  double nmin, nmax;
  double *xs, *ns;             /* distinct x (beta) and n of the group, ascending */
  size_t nxs, nns;
} fgap_group;

typedef struct
{
  size_t group;
  int q;                       /* FGAP_Q_* */
  const char *label, *param, *size_key;
  const char *method;          /* results.csv's method name (its spec up to ':'), or "" */
  double param_num;            /* a size as a number, to order sizes; NaN otherwise */
  int acc_power;               /* param an accuracy n^-C: 1; a number: 0; not one: -1 */
  size_t first, label_first;   /* order of appearance, of the series and of its label */
  fgap_point *pts;             /* by x, then n */
  size_t npts;
  size_t ex_first, nex;        /* its exponents in the report's list */
} fgap_series;

struct fga_report_struct
{
  unsigned files;
  fgap_group *groups;
  size_t ngroups, capgroups;
  fgap_series *series;         /* sorted by group, quantity, label, param once read */
  size_t nseries, capseries;
  fgap_obs *obs;
  size_t nobs, capobs;
  fgap_point *pts;             /* every series' points, one array */
  fga_report_exponent *ex;
  size_t nex, capex;
  char **plots;
  size_t nplots, capplots;
  char **strs;                 /* every string owned by the report */
  size_t nstrs, capstrs;
  size_t last_series;          /* the series of the last observation: rows come in runs */
};

/* Grows *p (elements of elt bytes) to hold need; FGA_ERR_NOMEM otherwise.  */
int fgap_report_grow (void **p, size_t *cap, size_t need, size_t elt, fga_error *err);
#define FGAP_GROW(arr, n, cap, err) \
  fgap_report_grow ((void **) &(arr), &(cap), (n) + 1, sizeof *(arr), err)
/* A copy of s owned by rep, or NULL (out of memory).  */
char *fgap_report_strdup (fga_report_ptr rep, const char *s, fga_error *err);

/* The point of a series at (x, n), or NULL.  */
const fgap_point *fgap_report_point (const fgap_series *s, double x, double n);
/* "B" when the group's law is 1, else "beta".  */
const char *fgap_report_axis (const fgap_group *g);
/* "uniform, law sqrt(ln n): B = beta sqrt(ln n), Theta(sqrt(log n)); n = 128..1024".  */
void fgap_report_group_title (char *buf, size_t size, const fgap_group *g);
/* A series' accuracy as written, "1/n (1/poly(n))" or "1e-3 (fixed)".  */
void fgap_report_accuracy (char *buf, size_t size, const fgap_series *s);
/* The exponents of series s (by x), or 0 of them.  */
size_t fgap_report_series_exponents (const fga_report_struct *rep, const fgap_series *s,
                                     const fga_report_exponent **ex);
/* Whether a quantity has an exponent in n.  */
int fgap_report_fitted (int q);

/* Opens dir/name for writing (fga_atomic_open).  */
int fgap_report_open (fga_atomic_file *af, const char *dir, const char *name, fga_error *err);

/* The tables (report_tables.c) and the plots (report_plot.c).  */
int fgap_report_tables (fga_report_ptr rep, const char *dir, fga_error *err);
int fgap_report_plots (fga_report_ptr rep, const char *dir, fga_error *err);

#endif /* FGA_REPORT_IMPL_H */
