/* bench_util.h -- what the benchmarks of fgattn bench share: options, timed runs, progress,
   the BLAS in use, and the report in every format */

#ifndef FGA_BENCH_UTIL_H
#define FGA_BENCH_UTIL_H

#include "cli/cli.h"

/* ---- options ------------------------------------------------------------ */

/* How measurements are repeated and where results go: the options every
   benchmark takes, named as hyperfine names them.  */
typedef struct
{
  long warmup;                  /* runs made first and not counted (--warmup) */
  long runs;                    /* counted runs (--runs, --reps); 0: chosen from the time of
                                   the last warm-up run (bench_auto_runs) */
  cli_format_t fmt;             /* of standard output */
  const char *export_csv;       /* files that get the results too, or NULL */
  const char *export_json;
  int quiet;                    /* no progress on stderr */
  cli_files_t files;            /* the export files, checked before any work */
  void (*usage) (FILE *out);    /* the benchmark's --help */
  int help;                     /* set when --help was answered */
} bench_opts;

#define BENCH_MAX_RUNS 1000

/* Codes of the long options (-w, -r, -q and -h are their letters): each
   spelling of a count has its own, so that a message names the option as
   it was typed.  */
enum { BENCH_OPT_WARMUP = 0x100, BENCH_OPT_RUNS, BENCH_OPT_REPS, BENCH_OPT_FORMAT, BENCH_OPT_CSV,
       BENCH_OPT_JSON, BENCH_OPT_FIRST_FREE };

#define BENCH_SHORT_OPTIONS "w:r:qh"
#define BENCH_LONG_OPTIONS                                            \
  { "warmup", required_argument, NULL, BENCH_OPT_WARMUP },            \
  { "runs", required_argument, NULL, BENCH_OPT_RUNS },                \
  { "reps", required_argument, NULL, BENCH_OPT_REPS },                \
  { "format", required_argument, NULL, BENCH_OPT_FORMAT },            \
  { "export-csv", required_argument, NULL, BENCH_OPT_CSV },           \
  { "export-json", required_argument, NULL, BENCH_OPT_JSON },         \
  { "quiet", no_argument, NULL, 'q' },                                \
  { "help", no_argument, NULL, 'h' }

/* The lines of every benchmark's --help that describe those options.  */
extern const char bench_common_help[];

void bench_opts_init (bench_opts *o, void (*usage) (FILE *out));
/* Reads opt when it is one of the common options (-h prints the help and
   sets o->help; '?', cli_getopt's usage error, gives CLI_USAGE): returns 1
   (*status: CLI_OK, or the exit status after a message), else 0.  */
int bench_common_option (bench_opts *o, int opt, const char *arg, int *status);
/* After the options: refuses unexpected arguments and export files that
   cannot be written (before any work).  CLI_OK or CLI_USAGE.  */
int bench_opts_check (bench_opts *o, int argc, char **argv);

/* A benchmark's own option: reads opt (arg its argument, or NULL) into
   data; CLI_OK, or the exit status after a message.  An option it does not
   know it leaves alone, with CLI_OK.  */
typedef int (*bench_option_fn) (void *data, int opt, const char *arg);
/* Reads the options of argv from the first: the common ones into o
   (bench_common_option), the benchmark's own through own.  shortopts ends
   with BENCH_SHORT_OPTIONS and longopts with BENCH_LONG_OPTIONS.  Stops at
   the first failure, with its status, or at --help (o->help set);
   otherwise CLI_OK, optind at the first argument that is not an option.  */
int bench_parse_options (bench_opts *o, int argc, char **argv, const char *shortopts,
                         const struct option *longopts, bench_option_fn own, void *data);

/* ---- values ------------------------------------------------------------ */

/* A comma-separated list of at most max whole numbers in [lo, hi]
   (fga_parse_size), or of reals in (lo, hi] (fga_parse_real); CLI_OK, or
   CLI_USAGE after a message naming the option.  */
int bench_parse_sizes (size_t *out, size_t *count, size_t max, const char *text,
                       const char *option, size_t lo, size_t hi);
int bench_parse_reals (double *out, size_t *count, size_t max, const char *text,
                       const char *option, double lo, double hi);

/* ---- progress ----------------------------------------------------------- */

/* The progress line of a benchmark: measurements done of total, weighed
   by their predicted seconds (bench_predicted), so that the ETA of a list
   whose costly sizes come last is not the mean of the cheap ones.  */
typedef struct
{
  cli_progress_t pr;
  size_t done, total;
  double work_done, work_total;
  double weight;                /* of the measurement under way */
} bench_progress;

void bench_progress_init (bench_progress *p, const char *what, int quiet, size_t total,
                          double work_total);
/* The measurement under way is done (or skipped): its weight counts.  */
void bench_progress_next (bench_progress *p, const char *label);
/* The final line ("fgattn bench X: N measurements in 1m05s").  */
void bench_progress_end (bench_progress *p);

/* ---- timed runs --------------------------------------------------------- */

/* The runs chosen when --runs is not given, for runs of `seconds' each:
   as many as fill 2 s, at least 3 and at most 30, and fewer (down to 1)
   where they would take more than a minute.  */
long bench_auto_runs (double seconds);
/* The predicted seconds of a measurement whose runs take `seconds' each:
   its warm-up and counted runs.  */
double bench_predicted (const bench_opts *o, double seconds);

/* One run of what is measured: its wall seconds in *seconds; a library
   status.  */
typedef int (*bench_run_fn) (void *ctx, double *seconds, fga_error *err);

typedef struct
{
  long warmup, runs;            /* the runs made: warm-up, then counted */
  double median, min, max;      /* seconds of the counted runs only */
} bench_sample;

/* o->warmup runs, not counted, then the counted runs (o->runs, or
   bench_auto_runs of the last warm-up or, without one, of the first
   counted run), progress shown as p->weight spread over the runs, the
   label naming what runs.  The median is the middle time, or the mean of
   the two middle ones for an even count.  A library status: the first
   failure stops the runs.  */
int bench_sample_runs (bench_sample *s, const bench_opts *o, bench_progress *p,
                       const char *label, bench_run_fn run, void *ctx, fga_error *err);

/* ---- memory ------------------------------------------------------------- */

/* The process's peak resident set size in bytes since the last reset.
   Linux resets the high-water mark when "5" is written to
   /proc/self/clear_refs; bench_reset_peak_rss returns 0 where it cannot,
   and the peak is then the process's since it started.  */
int bench_reset_peak_rss (void);
double bench_peak_rss (void);

/* ---- the report --------------------------------------------------------- */

/* A column: its name in every format, and the printf format of one double
   that shows its numbers in the table for people (NULL: the cell as
   stored).  Cells hold numbers with 17 significant digits (bench_set), so
   that CSV and JSON give them whole.  */
typedef struct
{
  const char *name;
  const char *people;
} bench_col;

/* The summary (one row: the machine, the BLAS in use, the settings and
   the figures drawn from the rows) and the rows of one benchmark.  */
typedef struct
{
  cli_table_t summary, rows;
  const bench_col *sum_cols, *row_cols;
  const char *legend;           /* for people: printed under the table */
} bench_report;

/* The summary's first columns, filled by bench_report_init: the
   benchmark, fgattn's version, the threads, and the BLAS: the library's
   own description (OpenBLAS: openblas_get_config, with its version and
   build), the file it was loaded from, the core whose kernels it uses
   (OpenBLAS: openblas_get_corename), its threads, its version, and the
   core it had chosen itself when fgattn switched it to the processor's
   (fga_blas_get; empty when not switched), and when a switch was due and
   not made, what and why (blas_note: OPENBLAS_CORETYPE named a weaker
   core, say; empty otherwise).  */
#define BENCH_ENV_COLS                                                  \
  { "bench", NULL }, { "version", NULL }, { "omp_threads", NULL },      \
  { "blas", NULL }, { "blas_library", NULL }, { "blas_core", NULL },    \
  { "blas_threads", NULL }, { "blas_version", NULL }, { "blas_chosen", NULL }, \
  { "blas_note", NULL }
enum { BENCH_NENV = 10 };

void bench_report_init (bench_report *r, const char *bench, const bench_col *sum_cols,
                        size_t nsum, const bench_col *row_cols, size_t nrow);
void bench_report_clear (bench_report *r);

/* Cells of the last row of t: a double with 17 significant digits
   ("nan", "inf" as cli_num writes them), a whole number, a text.  A cell
   left alone is empty: not applicable (null in JSON).  */
void bench_set (cli_table_t *t, size_t col, double x);
void bench_set_size (cli_table_t *t, size_t col, size_t v);
void bench_set_text (cli_table_t *t, size_t col, const char *text);
/* The same for row `row' of t, which may be an earlier one.  */
void bench_set_at (cli_table_t *t, size_t row, size_t col, double x);
/* The columns warmup, runs, seconds_median, seconds_min, seconds_max of s
   from col on.  */
void bench_set_sample (cli_table_t *t, size_t col, const bench_sample *s);

/* Prints r on standard output in o->fmt: a table for people (the summary
   as "key value" lines, then the rows and the legend), CSV (the rows, each
   with the summary's columns after its own), or JSON ({"summary": {...},
   "rows": [...]}); then writes the export files, all or none.  CLI_OK or
   CLI_FAILED after a message.  */
int bench_report_write (const bench_report *r, bench_opts *o);
/* The end of every benchmark: r written (bench_report_write) and cleared;
   the exit status, CLI_FAILED after a message when `failed' measurements
   failed (their rows say why).  */
int bench_finish (bench_report *r, bench_opts *o, int failed);

/* What bench_measure needs of a benchmark: the name and columns of its
   report, its legend, and what fills the report, given the benchmark's
   own data.  */
typedef struct
{
  const char *bench;
  const bench_col *sum_cols, *row_cols;
  size_t nsum, nrow;
  const char *legend;
  /* Makes every measurement, each a row (the progress line advancing);
     returns how many failed.  */
  int (*rows) (void *data);
  /* The summary's own columns, once the rows are made.  */
  void (*summary) (void *data);
} bench_def;

/* A benchmark once its options are read: its report made
   (bench_report_init, with the legend), the progress line started for
   `count' measurements of `work' predicted seconds, the rows, the
   progress's last line, the summary, then bench_finish.  rep and pr are
   the ones data's callbacks fill and advance.  */
int bench_measure (const bench_def *def, void *data, bench_opts *o, bench_report *rep,
                   bench_progress *pr, size_t count, double work);

#endif
