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
  size_t index;                /* in the grid's order (fgap_sweep_cell_at) */
  char id[256];
} fgap_sweep_cell;

/* The cell (in, idist, ilaw, ib, is) of cfg.  */
void fgap_sweep_cell_make (fgap_sweep_cell *c, const fga_sweep_config *cfg, size_t in,
                           size_t idist, size_t ilaw, size_t ib, size_t is);

/* The grid's cells in order, n slowest, then dist, law, beta, seed: the
   order of a plain run's rows and of a merge's.  */
size_t fgap_sweep_ncells (const fga_sweep_config *cfg);
void fgap_sweep_cell_at (fgap_sweep_cell *c, const fga_sweep_config *cfg, size_t index);

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

/* ------------------------------------------------------------------ */
/* Files of a sweep's folder, shared by the run (sweep.c) and the merge
   (sweep_merge.c).  */

/* A file read whole (NUL-terminated); *buf NULL and FGA_OK when it is
   missing.  */
int fgap_sweep_read_whole (char **buf, size_t *len, const char *path, fga_error *err);
/* The first field of a CSV line, unquoted, into buf.  */
void fgap_sweep_first_field (char *buf, size_t size, const char *line, size_t len);

/* The cells of a record file with exactly `rows' complete rows, sorted.  */
typedef struct
{
  char **ids;
  size_t count;
} fgap_sweep_done;
int fgap_sweep_find_done (fgap_sweep_done *s, const char *buf, size_t len, size_t rows,
                          const char *path, const char *header, fga_error *err);
int fgap_sweep_done_has (const fgap_sweep_done *s, const char *id);
void fgap_sweep_done_clear (fgap_sweep_done *s);

/* The grid's ids with their indexes, sorted by id, to place rows in the
   grid's order.  */
typedef struct
{
  const char *id;
  size_t index;
} fgap_sweep_id;
/* Every cell of the grid (*cells, in grid order) and its ids sorted
   (*ids, pointing into *cells).  */
int fgap_sweep_grid (fgap_sweep_cell **cells, fgap_sweep_id **ids, const fga_sweep_config *cfg,
                     fga_error *err);
/* The grid index of id, or SIZE_MAX.  */
size_t fgap_sweep_id_index (const fgap_sweep_id *ids, size_t n, const char *id);

/* The rows of a CSV file after its header, stably sorted by the grid
   index of their cell (rows of cells outside the grid last, in their
   order), into a new buffer with the header first; a last line without
   its newline (what a kill leaves) is left out.  */
int fgap_sweep_sort_rows (char **out, size_t *outlen, const char *buf, size_t len,
                          const fgap_sweep_id *ids, size_t nids, const char *path,
                          fga_error *err);
/* Rewrites the file at path atomically and fsync'ed with buf.  */
int fgap_sweep_rewrite (const char *path, const char *buf, size_t len, fga_error *err);

/* Shards.  The share of each cell in a split of the grid into `count'
   shards: the cells by decreasing weight (fgap_sweep_cell_units times
   n^2; ties in grid order), each onto the shard with the least weight so
   far (ties: the lower shard), so that the shards' predicted times are
   close and the same configuration and count always give the same split.
   shard_of[index] is the shard, 0 .. count - 1.  */
int fgap_sweep_shares (size_t *shard_of, const fga_sweep_config *cfg, const fgap_sweep_cell *cells,
                       size_t ncells, size_t count, fga_error *err);
/* The weight of a cell: n^2 fgap_sweep_cell_units.  */
double fgap_sweep_cell_work (const fga_sweep_config *cfg, const fgap_sweep_cell *c);

/* Parses a configuration's text (NUL-terminated, checked by
   fgap_config_check) into cfg (from fga_sweep_config_init), with or
   without the checks of sizes and memory, which belong to the machine
   that runs it: a merge needs the grid alone.  path names the text in
   messages.  */
int fgap_sweep_config_parse (fga_sweep_config *cfg, const char *path, const char *text,
                             int check_sizes, fga_error *err);

/* sweep.json: the fgattn version (version NULL: this one's), the
   configuration's path and text (text NULL: null), the host, the date, the
   seeds, the BLAS (blas NULL: this process's), and with shard (may be
   NULL) the object "shard", not released.  */
int fgap_sweep_write_json (const char *path, const fga_sweep_config *cfg, const char *version,
                           const char *config_path, const char *text, size_t len,
                           const char *blas, struct json_t *shard, fga_error *err);

#endif /* FGA_SWEEP_IMPL_H */
