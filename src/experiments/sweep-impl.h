/* sweep-impl.h -- what the files of the sweep share (src/experiments/sweep*.c)

   sweep_config.c reads a configuration, sweep_check.c checks its sizes and
   memory, sweep_cell.c computes one cell's rows, sweep.c runs the grid into
   its files and resumes.  */

#ifndef FGA_SWEEP_IMPL_H
#define FGA_SWEEP_IMPL_H

#include "core/fga-impl.h"

/* The lines of a configuration's values, for the refusals of the checks
   that need the whole file ("PATH:LINE: what"); 0 for a value not in the
   file (a default).  */
typedef struct
{
  int grid, n, d, dv, law, beta, prec, tol, rank_algo, rank_max_n, rank_kmax;
  int cost, cost_eps, cost_bytes;
  int method_spec[FGA_SWEEP_MAX_METHODS];
  int method_targets[FGA_SWEEP_MAX_METHODS];
} fgap_sweep_lines;

/* The checks of fga_sweep_config_check: sizes, laws, accuracies and memory
   with `jobs' cells at once.  With lines, a refusal names cfg->path and the
   line of the value at fault; without, the file alone when cfg->path is
   set.  */
int fgap_sweep_check (const fga_sweep_config *cfg, int jobs, const fgap_sweep_lines *lines,
                      fga_error *err);

/* The registry's entry of parameter key of the method of spec ("name" or
   "name:..."), or NULL.  */
const fga_param_info *fgap_sweep_param_info (const char *spec, const char *key);

/* Whether the rank of a cell of size n is computed, and by the randomized
   algorithm (1) or the dense one (0).  */
int fgap_sweep_rank_wanted (const fga_sweep_config *cfg, size_t n);
int fgap_sweep_rank_randomized (const fga_sweep_config *cfg, size_t n);

/* The bytes poly holds to time the degree g at n (its feature matrices of
   Q and K and U2^T [V 1]: 8 r (2 n + dv + 1)), +Inf when r overflows; and
   r = C(d + g, d) rounded to the nearest double (+Inf beyond the doubles)
   with its decimal logarithm.  */
double fgap_sweep_poly_bytes (size_t n, size_t d, size_t dv, long g);
void fgap_sweep_binomial (double *r, double *log10r, size_t d, long g);

/* One cell of the grid.  */
typedef struct
{
  size_t n, d, dv;
  fga_dist dist;
  const fga_law *law;
  double beta, B, Bv;
  unsigned long seed;
  char id[256];
} fgap_sweep_cell;

/* The cell (in, idist, ilaw, ib, is) of cfg.  */
void fgap_sweep_cell_make (fgap_sweep_cell *c, const fga_sweep_config *cfg, size_t in,
                           size_t idist, size_t ilaw, size_t ib, size_t is);

/* The files, in the order of their index: results.csv is the record of the
   cells done and is appended last.  */
enum { FGAP_SWEEP_RESULTS, FGAP_SWEEP_RANK, FGAP_SWEEP_LEAST, FGAP_SWEEP_COST,
       FGAP_SWEEP_NFILES };
extern const char *const fgap_sweep_file_names[FGAP_SWEEP_NFILES];
/* The header line of file k, with its newline, into buf.  */
void fgap_sweep_header (char *buf, size_t size, int k);
/* The record of the cells done: the file each cell appends to last, with
   the same number of rows for every cell: results.csv, or cost.csv when
   there is no method; and those rows.  */
int fgap_sweep_record_file (const fga_sweep_config *cfg);
size_t fgap_sweep_rows_per_cell (const fga_sweep_config *cfg);

/* The weight of cell c in the cost model of fga_sweep_progress, in units
   of n^2: (d + dv) (t + m + c) + r.  A whole number, so that sums of
   cells' weights are exact below 2^53.  */
double fgap_sweep_cell_units (const fga_sweep_config *cfg, const fgap_sweep_cell *c);
/* The runs the model counts for the least-size search of method m at n
   (per target): ceil (log2 (max_size)), 0 when max_size <= 1.  */
double fgap_sweep_least_runs (const fga_sweep_method *m, size_t n);

/* What a cell's computation tells the sweep while it runs: after each of
   its steps (the truth, the rank, each method run, each least-size search,
   each step of [cost]) the share of its weight done, by the same model,
   nondecreasing and ending at exactly 1 (step may be NULL); and the
   statuses of the rows it wrote to results.csv (RUN_OK .. RUN_SKIPPED of
   sweep_cell.c: ok, refused, failed, skipped).  */
typedef struct
{
  void (*step) (void *data, const fgap_sweep_cell *c, double fraction);
  void *data;
  size_t runs[4];
} fgap_sweep_cell_report;

/* Computes one cell into memory buffers, the rows of each file (out[k],
   outlen[k]; all NULL after a failure, which is returned); rep (may be
   NULL) hears of its progress.  */
int fgap_sweep_cell_compute (char *out[FGAP_SWEEP_NFILES], size_t outlen[FGAP_SWEEP_NFILES],
                             const fga_sweep_config *cfg, const fgap_sweep_cell *c,
                             fgap_sweep_cell_report *rep, fga_error *err);

#endif /* FGA_SWEEP_IMPL_H */
