/* fgattn/io.h -- NPY files and instances

Copyright 2026 the fgattn authors.

This file is part of fgattn.  fgattn is free software: you can redistribute
it and/or modify it under the terms of the GNU General Public License as
published by the Free Software Foundation, either version 3 of the License,
or (at your option) any later version.  See COPYING.  */

#ifndef FGATTN_IO_H
#define FGATTN_IO_H

#include "fgattn/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* NPY files: little-endian float64, float32 or float16, C order; headers
   of format version 1.0, 2.0 or 3.0 are read, 1.0 is written (byte for
   byte what numpy.save writes, float64).  Reading accepts shapes (r, c)
   and, as a column, (r,); everything else (other dtypes, big-endian or
   native-order ones included, Fortran order, truncation, trailing bytes,
   bad headers) is refused with a message saying what was found.
   float32 ('<f4') and float16 ('<f2') are widened to double exactly:
   every binary32 and binary16 number, subnormals and -0 included, is a
   double, and the widening is done on the bits (no floating-point mode
   can flush a subnormal).  Infinities and NaN are read as they are, in
   every dtype: refusing them is the caller's business (fga_instance_read
   and fgattn compare do).  fga_npy_read initialises m itself: pass a matrix
   that holds nothing; on failure m is 0 x 0.  Writing goes to a temporary
   name in the same folder, renamed when complete.  */

/* The dtype a file held: what was widened, so that a program can say so. */
typedef enum
{
  FGA_NPY_F8 = 0,              /* '<f8', float64: read as it is */
  FGA_NPY_F4,                  /* '<f4', float32: widened exactly */
  FGA_NPY_F2                   /* '<f2', float16: widened exactly */
} fga_npy_dtype;

/* "float64", "float32", "float16" ("unknown" for another value).  */
const char *fga_npy_dtype_name (fga_npy_dtype dtype);

int fga_npy_read (fga_mat_ptr m, const char *path, fga_error *err);
/* fga_npy_read, and the file's dtype into *dtype (if not NULL) on success. */
int fga_npy_read_dtype (fga_mat_ptr m, fga_npy_dtype *dtype, const char *path, fga_error *err);
/* The dtype and shape the file's header describes (each output may be
   NULL), checked as fga_npy_read checks them (the data's length too, for
   a regular file) without reading the data.  On a pipe the header is
   consumed.  */
int fga_npy_peek (fga_npy_dtype *dtype, size_t *rows, size_t *cols, const char *path,
                  fga_error *err);
int fga_npy_write (const char *path, fga_mat_srcptr m, fga_error *err);
int fga_npy_write_vector (const char *path, const double *x, size_t n, fga_error *err);

/* ------------------------------------------------------------------ */
/* Files written under a temporary name in the same folder (".NAME.tmp-XXXXXX")
   and renamed when complete, so that an interrupted run never leaves a half
   file under a real name.  Write to af->fp between open and commit.  */

typedef struct
{
  FILE *fp;
  char path[4096];
  char tmp[4096];
  int slot;
} fga_atomic_file;

int fga_atomic_open (fga_atomic_file *af, const char *path, fga_error *err);
/* Flushes, checks for write errors, renames; removes the temporary on failure. */
int fga_atomic_commit (fga_atomic_file *af, fga_error *err);
void fga_atomic_abort (fga_atomic_file *af);
/* Removes the temporary files of every write still in progress.  Only
   async-signal-safe calls: meant for a program's SIGINT/SIGTERM handler, so
   that an interrupted run leaves neither half files nor stray temporaries. */
void fga_atomic_remove_pending (void);

/* ------------------------------------------------------------------ */
/* Instances.  */

/* The laws of Q and K (theory/families.md gives the exact formulas and the
   order of the draws).  u, U, W, A, E, F, c, e below hold independent uniform
   draws on [-1, 1), z is a standard normal draw.  Every entry of Q and K is
   in [-B, B].  V is drawn entrywise with bound Bv, by the same law for the
   first three, uniformly for lowrank and clustered.  */
typedef enum
{
  FGA_DIST_UNIFORM,            /* "uniform": B u, uniform on [-B, B) */
  FGA_DIST_RADEMACHER,         /* "rademacher": +B or -B with probability 1/2 each */
  FGA_DIST_GAUSSIAN,           /* "gaussian", the clipped gaussian: z B/3 clipped to [-B, B] */
  FGA_DIST_LOWRANK,            /* "lowrank": rank k = min (d, 2) plus noise,
                                  Q = B (7 U A / s + E) / 8, K = B (7 W A / s + F) / 8,
                                  one A (k x d) for both, s the largest |entry| of U A and
                                  W A: the signal fills [-7B/8, 7B/8], the noise adds up
                                  to B/8 */
  FGA_DIST_CLUSTERED,          /* "clustered": 8 centres c in [-1, 1)^d, shared by Q and K;
                                  each row B (7 c + e) / 8 about a centre drawn uniformly,
                                  so within B/8 of B 7c/8 entrywise */
  FGA_DIST_NONE                /* "none": not generated by fgattn (read from files) */
} fga_dist;

typedef struct
{
  size_t nq, nk, d, dv;
  double B, Bv;                /* entry bounds: of Q and K, and of V */
  fga_dist dist;
  unsigned long seed;          /* meaningful when dist != FGA_DIST_NONE */
  fga_mat_t Q, K, V;
} fga_instance_struct;

typedef fga_instance_struct fga_instance_t[1];
typedef fga_instance_struct *fga_instance_ptr;
typedef const fga_instance_struct *fga_instance_srcptr;

/* The name of a law, as in the comments above ("gaussian" is the clipped
   gaussian); "unknown" for a value outside fga_dist.  */
const char *fga_dist_name (fga_dist dist);
/* The law named text, one of uniform, rademacher, gaussian, lowrank and
   clustered ("none" is refused: it cannot be drawn); FGA_ERR_INPUT, with a
   message listing these names, for any other text.  */
int fga_dist_parse (fga_dist *dist, const char *text, fga_error *err);

/* generate and read take an initialised instance, clear it first, and leave
   it cleared on failure.  Seeds above 2^63 - 1 are refused (instance.json
   records the seed as a JSON integer).  */
void fga_instance_init (fga_instance_ptr inst);
void fga_instance_clear (fga_instance_ptr inst);

/* Draws Q, K (entries bounded by B) and V (bounded by Bv) by the law dist
   from GMP's default random state seeded with seed: the same arguments give
   the same bits on every machine (no inexact libm function is used; what
   is not a single IEEE operation is computed in MPFR and rounded once).  */
int fga_instance_generate (fga_instance_ptr inst, size_t nq, size_t nk, size_t d, size_t dv,
                           double B, double Bv, fga_dist dist, unsigned long seed,
                           fga_error *err);

/* dir/Q.npy, dir/K.npy, dir/V.npy and dir/instance.json.  Reading checks
   shapes and finiteness; instance.json is optional when reading (then B and
   Bv are the largest |entry| found, and dist is FGA_DIST_NONE).  The
   matrices are read by fga_npy_read: float32 and float16 files are
   widened exactly (fga_npy_peek tells which dtype a file holds); writing
   is in float64.  */
int fga_instance_read (fga_instance_ptr inst, const char *dir, fga_error *err);
/* The instance files in dir that are not float64, for a program to say
   they were widened: "input Q (DIR/Q.npy): float32 widened exactly to
   float64", one such clause per file, joined by "; " (truncated to size).
   Returns the number of such files (0: buf is "").  Headers are read again
   (regular files only), so call it right after fga_instance_read.  */
size_t fga_instance_dtype_note (char *buf, size_t size, const char *dir);
int fga_instance_write (const char *dir, fga_instance_srcptr inst, fga_error *err);

/* The number of distinct rows of M into count, rows compared entry by
   entry as numbers (so -0.0 equals 0.0: equal rows give equal scores),
   in O(rows cols log rows) time and rows words of scratch.  For an instance,
   min (distinct rows of Q, distinct rows of K) bounds the rank of
   P = softmax (tau Q K^T): equal rows of Q give equal rows of P, equal rows
   of K equal columns.  A matrix with no rows has 0, one with rows but no
   columns 1.  NaN entries are refused (FGA_ERR_INPUT).  */
int fga_instance_distinct_rows (size_t *count, fga_mat_srcptr M, fga_error *err);

/* Certified bound on max |S_ij| from the data: tau max_i ||q_i|| max_j ||k_j||,
   rounded upward.  */
double fga_score_radius (fga_mat_srcptr Q, fga_mat_srcptr K, double tau);

/* Writes the stats as one JSON object (with the method spec and problem) to path, atomically. */
struct fga_problem;
int fga_stats_write_json (const char *path, const fga_stats *st, const char *method_spec,
                          const struct fga_problem *prob, fga_error *err);

/* Fills a problem from an instance: shapes, tau, B, Bv and R from the data. */
void fga_problem_from_instance (fga_problem *prob, fga_instance_srcptr inst, const fga_tau *tau);

#ifdef __cplusplus
}
#endif

#endif /* FGATTN_IO_H */
