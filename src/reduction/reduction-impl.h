/* reduction-impl.h -- internals of the reduction layer */

#ifndef FGA_REDUCTION_IMPL_H
#define FGA_REDUCTION_IMPL_H

#include <pthread.h>

/* m and t of the hardness configuration at a size n (and m).  */
size_t fgap_hardness_m_of (const fga_hardness_config *cfg, size_t n);
size_t fgap_hardness_t_of (const fga_hardness_config *cfg, size_t m);
/* Whether the generator samples every n of the grid (it refuses before
   drawing when it would not); *bad_n the first it refuses.  */
int fgap_hardness_check_grid (const fga_hardness_config *cfg, size_t *bad_n, fga_error *err);
/* The predicted work of a step (the cost model of fga_hardness_progress,
   in reduction.h): one instance of size n, and the search of method m at
   n (0 when m does not run there).  */
double fgap_hardness_instance_weight (const fga_hardness_config *cfg, size_t n);
double fgap_hardness_search_weight (const fga_hardness_config *cfg, const fga_hardness_method *m,
                                    size_t n);

/* A method of the configuration: its size parameter in the registry
   (NULL if none), the least size the search tries on an attention
   instance of N rows (the parameter's least value, at least 1; for the l
   of strided and fixed, ceil (sqrt (N))), and the spec with the size
   appended ("rf:kind=pos,m=64"; -1 when buf is too small).  */
const fga_param_info *fgap_hardness_size_param (const fga_hardness_method *m);
long fgap_hardness_size_lo (const fga_hardness_method *m, size_t N);
int fgap_hardness_spec_at (char *buf, size_t size, const fga_hardness_method *m, long s);

/* One reduced instance of the experiment, kept in memory for the methods'
   search with its exact reference output.  */
typedef struct
{
  unsigned long seed;
  int planted, brute_yes;
  fga_instance_t inst;
  fga_reduction_info info;
  fga_mat_t exact;             /* exact:algo=stream's output (2n x 1) */
  double exact_seconds, exact_ops;
} fgap_hardness_inst;

/* The exact reference of hi (hi->inst and hi->info set): runs
   exact:algo=stream, checks its decision against the brute force and its
   largest real output against max_o_exact (the degree scan's, in MPFR).  */
int fgap_hardness_reference (fgap_hardness_inst *hi, double max_o_exact, fga_error *err);

/* The result of one method at one n.  */
typedef struct
{
  size_t n, N, d;
  int run;                     /* 0: n > max_n, not run */
  long lo, hi;                 /* the sizes searched (none when hi < lo) */
  long least;                  /* -1: censored, no size in [lo, hi] decides */
  long at;                     /* the size of the figures below (-1: none ran) */
  double width;                /* at, or C(d + at, d) for poly's deg */
  size_t tried, refused;       /* sizes tried; of those, refused or failed on some instance */
  size_t decided, ninst;       /* instances decided at `at', of ninst */
  double max_abs, max_abs_real, accuracy;
  double seconds, exact_seconds;   /* means per instance */
  double ops, lapack_flops, exact_ops;
  double search_seconds;       /* the whole search, wall time */
  char spec_at[640];           /* the full spec at `at' (every parameter spelled out) */
  char seed[32];               /* the seed of a random method, "" when deterministic */
} fgap_hardness_mres;

/* Called by a search after each run of the method, at size `size' of the
   sizes searched up to hi.  */
typedef void (*fgap_hardness_tick_fn) (void *data, long size, long hi);

/* Searches method m on the ninst instances of one n (doubling, then
   bisection) into *res, calling tick (when not NULL) after each run.
   Only errors of the experiment itself are returned (out of memory); a
   method refusing or failing is an outcome.  */
int fgap_hardness_method_search (fgap_hardness_mres *res, const fga_hardness_method *m,
                                 fgap_hardness_inst *insts, size_t ninst,
                                 fgap_hardness_tick_fn tick, void *data, fga_error *err);
/* methods.csv: the header, and one row.  */
void fgap_hardness_methods_header (FILE *fp);
void fgap_hardness_methods_row (FILE *fp, const fga_hardness_method *m,
                                const fgap_hardness_mres *res);
/* The result of method m at n (d = 2m) where it does not run (n > max_n):
   the row `not run'.  */
void fgap_hardness_method_skipped (fgap_hardness_mres *res, const fga_hardness_method *m,
                                   size_t n, size_t d);
/* Reading rows back.  fgap_hardness_csv_split cuts line (no newline) in
   place at its commas, a field in double quotes kept whole without them;
   returns the number of fields, 0 for a broken quote, max + 1 for more
   than max.  The field readers return 0, or -1 for a field that is not a
   number: an empty field is NaN for a double and -1 for a long (a degree
   or size that is none); a size must be given.  */
size_t fgap_hardness_csv_split (char *line, char **fields, size_t max);
int fgap_hardness_field_double (double *x, const char *f);
int fgap_hardness_field_long (long *v, const char *f);
int fgap_hardness_field_size (size_t *v, const char *f);
/* A row of methods.csv for method m, which ran at n (d = 2m), back into
   *res (every field the summary and the row need); -1 when line is not
   such a row.  line is cut up.  */
int fgap_hardness_methods_parse (fgap_hardness_mres *res, const fga_hardness_method *m,
                                 size_t n, size_t d, char *line);
/* The section of summary.md: a table per method, rows n.  */
void fgap_hardness_methods_summary (FILE *fp, const fga_hardness_config *cfg,
                                    const fgap_hardness_mres *res);

/* ------------------------------------------------------------------ */
/* The hardness run (hardness.c and hardness_steps.c).  */

/* One instance of a run, as its row of instances.csv says.  */
typedef struct
{
  size_t n, m, d, t;
  unsigned long seed;
  int planted, brute_yes;
  size_t min_dist;
  fga_reduction_info info;
  double R, max_score;
  long cert, first, stable, scanned;  /* -1: none */
  long runs_from;              /* least g from which no row sum is <= 0 (dummy rows included) */
  double max_o_exact;
  int exact_yes;
  double seconds;              /* the step's wall time (NaN: not known) */
} fgap_hardness_row;

/* A step (hardness_steps.c explains them).  */
typedef struct
{
  size_t i;                    /* the size index */
  size_t j;                    /* the instance (seed j / 2, YES for even j), or the method */
  int search;                  /* 0: an instance, 1: the search of method j */
  double cost;                 /* its predicted work (the cost model of the progress) */
} fgap_hardness_unit;

/* The instances of one n as a process made them.  */
typedef struct
{
  size_t i;                    /* the size index held; SIZE_MAX: none */
  fgap_hardness_row *w;        /* per instance: drawn, solved, reduced (ready) */
  fgap_hardness_inst *insts;
  unsigned char *ready, *have_max, *have_ref;
  double *max_o;               /* exp's max_o from a scan (have_max) */
} fgap_hardness_cache;

/* The progress of a run: its steps and their predicted work (the cost model
   of fgap_hardness_instance_weight and fgap_hardness_search_weight).  */
typedef struct
{
  fga_hardness_progress_fn fn;      /* NULL: no reports */
  void *data;
  fga_hardness_progress p;
  double t0;
  double done_w;                    /* the work of the finished steps */
  double step_w, step_work;         /* the step in flight: its weight, its work so far */
  size_t ninst;
  const fga_hardness_method *m;     /* the method searched, or NULL */
  char current[160];
} fgap_hardness_meter;

/* The state of a run in one process.  */
typedef struct
{
  const fga_hardness_config *cfg;
  const char *outdir;          /* the master's; NULL elsewhere */
  int serial;                  /* no farm: the steps in order, here, reported within */
  size_t ninst;
  fgap_hardness_unit *units;
  size_t nunits;
  size_t *todo, ntodo;         /* the steps left, indices into units */
  double *todo_cost;
  char **text;                 /* the master's: each step's text, once it is held */
  size_t *len;
  fgap_hardness_row *rows;     /* ... read back: an instance's row */
  fgap_hardness_mres *mres;    /* ... or a search's */
  size_t nheld;
  int partial_ours;            /* OUTDIR/.partial is this configuration's */
  int partial_fresh;           /* ... and this run started it */
  fgap_hardness_cache cache;
  pthread_mutex_t lock;
  int lock_made;
  fgap_hardness_meter meter;
  fga_hardness_summary sum;
} fgap_hardness_state;

/* hardness.c: whether method m runs at n, and whether some method does;
   an instance's row of instances.csv, and that row (no newline; cut up)
   read back into what the summary reads of w (-1 when it is not the row of
   instance (n, seed, planted)); the rows of degrees.csv of w's instance,
   one per degree scanned.  */
int fgap_hardness_runs_at (const fga_hardness_method *m, size_t n);
int fgap_hardness_methods_at (const fga_hardness_config *cfg, size_t n);
void fgap_hardness_instance_row (FILE *fp, const fgap_hardness_row *w,
                                 const fga_hardness_config *cfg);
int fgap_hardness_instance_parse (fgap_hardness_row *w, char *line, size_t n, unsigned long seed,
                                  int planted);
void fgap_hardness_degree_rows (FILE *fp, const fgap_hardness_row *w,
                                const fga_reduction_scan *scan);

/* hardness_steps.c.  A run's state in one process (the master's with its
   outdir, and then the steps' texts; serial: no farm) made and freed
   (teardown also after a failed setup).  */
int fgap_hardness_run_setup (fgap_hardness_state *r, const fga_hardness_config *cfg,
                             const char *outdir, int serial, fga_error *err);
void fgap_hardness_run_teardown (fgap_hardness_state *r);
/* The master's: the steps OUTDIR/.partial holds for this configuration,
   held (the folder made when missing; another configuration's refused);
   OUTDIR/.partial removed (once the files are in place); the steps not
   held listed in r->todo and counted by the progress; the plan, or the
   error status (err's message), shared with the farm's other processes:
   FGA_OK when the list of steps went out, and every process runs them;
   else the error, with *listed 1 when it was the farm's share of the list
   that failed (some processes may have it, and enter the run: so must the
   master, with fgap_farm_run_failed), 0 when the error went out.  */
int fgap_hardness_partial_load (fgap_hardness_state *r, fga_error *err);
void fgap_hardness_partial_remove (fgap_hardness_state *r);
void fgap_hardness_plan_make (fgap_hardness_state *r, const fga_hardness_opts *opts);
int fgap_hardness_plan_share (const fga_farm *farm, fgap_hardness_state *r, int status,
                              int *listed, fga_error *err);
/* The farm's compute and deliver (data: the fgap_hardness_state): a step's
   text, and on the master its text checked, kept in OUTDIR/.partial and
   held.  */
int fgap_hardness_step_compute (size_t task, void **bytes, size_t *len, void *data,
                                fga_error *err);
int fgap_hardness_step_deliver (size_t task, const void *bytes, size_t len, void *data,
                                fga_error *err);
/* A process of a farm that is not the master: the master's plan, then its
   share of the steps (after a plan of steps it enters the run whatever
   fails before, failing it with its error).  */
int fgap_hardness_run_worker (const fga_hardness_config *cfg, const fga_farm *farm,
                              fga_error *err);

#endif /* FGA_REDUCTION_IMPL_H */
