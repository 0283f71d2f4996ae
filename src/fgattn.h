/* fgattn.h -- public interface of libfgattn, the fine-grained complexity of softmax attention

Copyright 2026 the fgattn authors.

This file is part of fgattn.  fgattn is free software: you can redistribute
it and/or modify it under the terms of the GNU General Public License as
published by the Free Software Foundation, either version 3 of the License,
or (at your option) any later version.  See COPYING.  */

#ifndef FGATTN_H
#define FGATTN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <gmp.h>
#include <mpfr.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Conventions.

   An instance is Q (nq x d), K (nk x d), V (nk x dv), all row-major doubles.
   S = tau Q K^T, A = exp(S) entrywise, D = diag(A 1), P = D^{-1} A and the
   attention output is Att = P V (nq x dv).  lse_i = log sum_j exp(S_ij).

   Every function that can fail returns FGA_OK (0) or a negative status and,
   when the error record is not NULL, fills it with a message naming the file,
   index or parameter at fault.  The library never prints and never exits.  */

#define FGA_OK            0
#define FGA_ERR_INPUT    -1   /* bad input or bad parameters (CLI: exit 2) */
#define FGA_ERR_NOMEM    -2   /* an allocation failed (CLI: exit 1) */
#define FGA_ERR_IO       -3   /* the operating system refused a read or write (CLI: exit 1) */
#define FGA_ERR_COMPUTE  -4   /* a computation could not reach its guarantee (CLI: exit 1) */

#define FGA_MSG_SIZE 1024

typedef struct
{
  int code;                    /* the status last returned, FGA_OK if none */
  char msg[FGA_MSG_SIZE];      /* what was wrong, in one sentence */
} fga_error_t;

void fga_error_init (fga_error_t *err);

/* The version of the library, e.g. "0.1.0".  Static storage.  */
const char *fga_version (void);

/* Seconds since an arbitrary origin, from the monotonic clock.  */
double fga_wall_time (void);

/* All allocation of the library goes through this hook (default: malloc).
   Setting NULL restores the default.  A hook returns NULL on failure; the
   library then returns FGA_ERR_NOMEM with the byte count in the message.  */
typedef void *(*fga_alloc_hook_t) (size_t bytes);
typedef void (*fga_free_hook_t) (void *p);
void fga_set_alloc_hooks (fga_alloc_hook_t alloc, fga_free_hook_t release);

/* ------------------------------------------------------------------ */
/* Dense row-major double matrices.  The caller owns them: init, clear.  */

typedef struct
{
  size_t rows, cols;
  double *data;                /* rows*cols entries, row-major; owned */
} fga_mat_struct;

typedef fga_mat_struct fga_mat_t[1];
typedef fga_mat_struct *fga_mat_ptr;
typedef const fga_mat_struct *fga_mat_srcptr;

#define FGA_MAT(m, i, j) ((m)->data[(size_t) (i) * (m)->cols + (size_t) (j)])

/* Allocates a zero-filled rows x cols matrix; refuses sizes whose byte count
   overflows.  On failure m is left as a valid 0 x 0 matrix.  */
int fga_mat_init (fga_mat_ptr m, size_t rows, size_t cols, fga_error_t *err);
void fga_mat_clear (fga_mat_ptr m);
/* Refuses NaN and infinite entries, naming `what' and the (row, column).  */
int fga_mat_check_finite (fga_mat_srcptr m, const char *what, fga_error_t *err);
/* max_ij |m_ij| (0 for an empty matrix).  */
double fga_mat_max_abs (fga_mat_srcptr m);

/* Dense row-major MPFR matrices, every entry at precision prec.  */
typedef struct
{
  size_t rows, cols;
  mpfr_prec_t prec;
  mpfr_t *data;                /* owned; each entry initialised */
} fga_mpfr_mat_struct;

typedef fga_mpfr_mat_struct fga_mpfr_mat_t[1];
typedef fga_mpfr_mat_struct *fga_mpfr_mat_ptr;
typedef const fga_mpfr_mat_struct *fga_mpfr_mat_srcptr;

#define FGA_MPFR_MAT(m, i, j) ((m)->data[(size_t) (i) * (m)->cols + (size_t) (j)])

int fga_mpfr_mat_init2 (fga_mpfr_mat_ptr m, size_t rows, size_t cols, mpfr_prec_t prec,
                        fga_error_t *err);
void fga_mpfr_mat_clear (fga_mpfr_mat_ptr m);

/* ------------------------------------------------------------------ */
/* NPY files: little-endian float64, C order; headers of format version 1.0,
   2.0 or 3.0 are read, 1.0 is written (byte for byte what numpy.save writes).
   Reading accepts shapes (r, c) and, as a column, (r,); everything else
   (other dtypes, Fortran order, truncation, trailing bytes, bad headers) is
   refused with a message saying what was found.  fga_npy_read initialises m
   itself: pass a matrix that holds nothing; on failure m is 0 x 0.  Writing
   goes to a temporary name in the same folder, renamed when complete.  */

int fga_npy_read (fga_mat_ptr m, const char *path, fga_error_t *err);
int fga_npy_write (const char *path, fga_mat_srcptr m, fga_error_t *err);
int fga_npy_write_vector (const char *path, const double *x, size_t n, fga_error_t *err);

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
} fga_atomic_file_t;

int fga_atomic_open (fga_atomic_file_t *af, const char *path, fga_error_t *err);
/* Flushes, checks for write errors, renames; removes the temporary on failure. */
int fga_atomic_commit (fga_atomic_file_t *af, fga_error_t *err);
void fga_atomic_abort (fga_atomic_file_t *af);
/* Removes the temporary files of every write still in progress.  Only
   async-signal-safe calls: meant for a program's SIGINT/SIGTERM handler, so
   that an interrupted run leaves neither half files nor stray temporaries. */
void fga_atomic_remove_pending (void);

/* ------------------------------------------------------------------ */
/* The score scale tau.  Kept symbolically so that the ground truth can use
   the exact value 1/d or 1/sqrt(d) rather than its double rounding.  */

typedef enum
{
  FGA_TAU_INV_D,               /* tau = 1/d (Alman--Song) */
  FGA_TAU_INV_SQRT_D,          /* tau = 1/sqrt(d) (Vaswani et al.) */
  FGA_TAU_VALUE                /* tau = value, a positive finite double */
} fga_tau_kind_t;

typedef struct
{
  fga_tau_kind_t kind;
  double value;                /* for FGA_TAU_VALUE */
} fga_tau_t;

/* Parses "1/d", "1/sqrt(d)" or a positive number.  */
int fga_tau_parse (fga_tau_t *tau, const char *text, fga_error_t *err);
/* The double nearest to tau for dimension d.  */
double fga_tau_double (const fga_tau_t *tau, size_t d);
/* tau rounded to nearest at the precision of rop; returns the ternary value. */
int fga_tau_mpfr (mpfr_ptr rop, const fga_tau_t *tau, size_t d);
/* Writes "1/d", "1/sqrt(d)" or "%.17g" into buf.  */
void fga_tau_format (char *buf, size_t size, const fga_tau_t *tau);

/* ------------------------------------------------------------------ */
/* Instances.  */

typedef enum
{
  FGA_DIST_UNIFORM,            /* uniform on [-B, B] */
  FGA_DIST_RADEMACHER,         /* +B or -B with probability 1/2 each */
  FGA_DIST_GAUSSIAN,           /* N(0, (B/3)^2) clipped to [-B, B] */
  FGA_DIST_NONE                /* not generated by fgattn (read from files) */
} fga_dist_t;

typedef struct
{
  size_t nq, nk, d, dv;
  double B, Bv;                /* entry bounds: of Q and K, and of V */
  fga_dist_t dist;
  unsigned long seed;          /* meaningful when dist != FGA_DIST_NONE */
  fga_mat_t Q, K, V;
} fga_instance_struct;

typedef fga_instance_struct fga_instance_t[1];
typedef fga_instance_struct *fga_instance_ptr;
typedef const fga_instance_struct *fga_instance_srcptr;

const char *fga_dist_name (fga_dist_t dist);
int fga_dist_parse (fga_dist_t *dist, const char *text, fga_error_t *err);

/* generate and read take an initialised instance, clear it first, and leave
   it cleared on failure.  Seeds above 2^63 - 1 are refused (instance.json
   records the seed as a JSON integer).  */
void fga_instance_init (fga_instance_ptr inst);
void fga_instance_clear (fga_instance_ptr inst);

/* Draws Q, K (entries bounded by B) and V (bounded by Bv) from GMP's default
   random state seeded with seed: the same arguments give the same bits on
   every machine.  */
int fga_instance_generate (fga_instance_ptr inst, size_t nq, size_t nk, size_t d, size_t dv,
                           double B, double Bv, fga_dist_t dist, unsigned long seed,
                           fga_error_t *err);

/* dir/Q.npy, dir/K.npy, dir/V.npy and dir/instance.json.  Reading checks
   shapes and finiteness; instance.json is optional when reading (then B and
   Bv are the largest |entry| found, and dist is FGA_DIST_NONE).  */
int fga_instance_read (fga_instance_ptr inst, const char *dir, fga_error_t *err);
int fga_instance_write (const char *dir, fga_instance_srcptr inst, fga_error_t *err);

/* Certified bound on max |S_ij| from the data: tau max_i ||q_i|| max_j ||k_j||,
   rounded upward.  */
double fga_score_radius (fga_mat_srcptr Q, fga_mat_srcptr K, double tau);

/* ------------------------------------------------------------------ */
/* Statistics of one run of a method.  Operation counts are exact and are
   taken by the implementation as it works (not from a formula): add counts
   additions and subtractions, cmp comparisons (max), div divisions.  */

#define FGA_STATS_EXTRA 24

typedef struct
{
  double wall_seconds;
  uint64_t n_mul, n_add, n_exp, n_div, n_cmp;
  size_t peak_bytes;           /* peak bytes the method allocated beyond Q, K, V, T and lse */
  int threads;                 /* OpenMP threads used */
  size_t nextra;
  struct { char name[32]; double value; } extra[FGA_STATS_EXTRA];   /* method's own figures */
  char notes[512];             /* warnings a user should see, "" if none */
} fga_stats_t;

void fga_stats_init (fga_stats_t *st);
/* Sets (or replaces) a named figure; silently ignores more than FGA_STATS_EXTRA names.  */
void fga_stats_set (fga_stats_t *st, const char *name, double value);
/* The named figure, or NaN.  */
double fga_stats_get (const fga_stats_t *st, const char *name);
/* Writes the stats as one JSON object (with the method spec and problem) to path, atomically. */
struct fga_problem;
int fga_stats_write_json (const char *path, const fga_stats_t *st, const char *method_spec,
                          const struct fga_problem *prob, fga_error_t *err);

/* ------------------------------------------------------------------ */
/* Methods: an opaque object made from a spec string, prepared for a problem
   shape (all decisions and allocations that do not depend on the values),
   run any number of times (run does not change it), destroyed.  */

typedef struct fga_problem
{
  size_t nq, nk, d, dv;
  fga_tau_t tau;
  double R;                    /* certified bound on max |S_ij|; +Inf if unknown */
  double B, Bv;                /* entry bounds as known, for the record */
} fga_problem_t;

/* Fills a problem from an instance: shapes, tau, B, Bv and R from the data. */
void fga_problem_from_instance (fga_problem_t *prob, fga_instance_srcptr inst, const fga_tau_t *tau);

typedef struct fga_method_struct *fga_method_t;

/* spec is "name" or "name:key=value,key=value".  Unknown names and keys,
   malformed or out-of-range values are refused with a message naming them.  */
fga_method_t fga_method_create (const char *spec, fga_error_t *err);
int fga_method_prepare (fga_method_t m, const fga_problem_t *prob, fga_error_t *err);
/* T must be nq x dv; lse, if not NULL, receives nq values.  stats may be NULL. */
int fga_method_run (fga_method_t m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q,
                    fga_mat_srcptr K, fga_mat_srcptr V, fga_stats_t *stats, fga_error_t *err);
void fga_method_destroy (fga_method_t m);
/* The spec with every parameter spelled out (defaults included).  Owned by m. */
const char *fga_method_spec (fga_method_t m);

/* The registry, for listing.  */
typedef enum { FGA_PARAM_INT, FGA_PARAM_REAL, FGA_PARAM_CHOICE } fga_param_type_t;

typedef struct
{
  const char *key;
  fga_param_type_t type;
  const char *def;             /* default, as text */
  double min, max;             /* inclusive range for INT and REAL */
  const char *choices;         /* "a|b|c" for CHOICE; for REAL, words accepted besides
                                  numbers in [min, max] (e.g. R=auto|apriori|4.5) */
  const char *applies;         /* NULL, or "key=v1|v2": the parameter means something
                                  only when that CHOICE parameter has one of those values */
  const char *doc;             /* one line */
} fga_param_info_t;

typedef struct
{
  const char *name;
  const char *description;     /* one line */
  const fga_param_info_t *params;   /* terminated by key == NULL */
} fga_method_info_t;

size_t fga_method_count (void);
const fga_method_info_t *fga_method_info (size_t i);

/* ------------------------------------------------------------------ */
/* Error metrics of an approximation T against the truth Att.  */

typedef struct
{
  double max_abs;              /* max_ij |T_ij - Att_ij| */
  double rel_fro;              /* ||T - Att||_F / ||Att||_F (0 when both are 0, Inf when only Att is) */
  double mean_abs;             /* mean_ij |T_ij - Att_ij| */
  double max_ulps;             /* max_ij of the number of doubles between T_ij and Att_ij */
  size_t rows, cols;
} fga_metrics_t;

int fga_metrics (fga_metrics_t *mt, fga_mat_srcptr truth, fga_mat_srcptr approx, fga_error_t *err);
/* The number of doubles strictly between a and b, plus one if they differ
   (0 when equal, 1 for neighbours); +Inf if either is NaN.  */
double fga_ulp_distance (double a, double b);

/* ------------------------------------------------------------------ */
/* Exact attention in double, the kernels behind exact:algo=naive|stream|blas.
   T (nq x dv) must be allocated by the caller; lse (nq values) may be NULL.
   They fill the operation counts and peak_bytes of st (if not NULL) and do
   not touch its wall time.  Any finite scores are handled: the row maximum is
   subtracted before exp, so nothing overflows.

   naive:  two passes per row: the scores and their maximum, then exp, the
           row sum and the weighted sum of V.  The slow, obvious reference.
   stream: fused online softmax over blocks of `block' keys (running max m,
           sum l and output o rescaled by exp(m - m') when the max grows);
           extra memory O(threads * (block * (block + dv))), never O(nq nk);
           OpenMP over blocks of queries.
   blas:   blocks of S by cblas_dgemm, exp in place, a second dgemm with V;
           extra memory O(block * nk).  */

int fga_attention_naive (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                         fga_mat_srcptr V, double tau, fga_stats_t *st, fga_error_t *err);
int fga_attention_stream (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                          fga_mat_srcptr V, double tau, size_t block, fga_stats_t *st,
                          fga_error_t *err);
int fga_attention_blas (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                        fga_mat_srcptr V, double tau, size_t block, fga_stats_t *st,
                        fga_error_t *err);

/* ------------------------------------------------------------------ */
/* The certified ground truth (exact:algo=mpfr), with access to the working
   precision values and their bounds for `fgattn truth --text'.  */

typedef struct
{
  mpfr_prec_t prec;            /* first working precision */
  mpfr_prec_t prec_max;        /* no row is computed above this precision */
} fga_truth_opts_t;

typedef struct
{
  size_t undecided;            /* entries whose nearest double was not proved at prec_max */
  mpfr_prec_t prec_used_max;   /* highest precision any row needed */
  size_t rows_raised;          /* rows computed again at a higher precision */
} fga_truth_info_t;

/* T gets, for every entry, the double nearest to the exact Att_ij (ties to
   even) when the bound proves it; undecided entries get the working value
   rounded to nearest and are counted in info->undecided, which also counts
   undecided lse values when lse is requested.  If W and Werr are not NULL,
   they are (re)initialised to nq x dv at precision info->prec_used_max and
   receive, each stored exactly, the working value of every entry and an upper
   bound on |W_ij - Att_ij|.  lse may be NULL; so may opts (then 128 and 8192
   bits) and info.  The counts in st include the operations of the error
   bound itself (theory/ground-truth.md, section 7, gives the formula).
   Returns FGA_OK even when entries are undecided: the caller decides.  */
int fga_truth (fga_mat_ptr T, double *lse, fga_mpfr_mat_ptr W, fga_mpfr_mat_ptr Werr,
               fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V, const fga_tau_t *tau,
               const fga_truth_opts_t *opts, fga_truth_info_t *info, fga_stats_t *stats,
               fga_error_t *err);

/* ------------------------------------------------------------------ */
/* Polynomial approximations of exp on [-R, R] (REFERENCES.md section 3).  */

typedef enum
{
  FGA_BASIS_TAYLOR,            /* sum_{k<=g} x^k / k!, the Taylor polynomial at 0 */
  FGA_BASIS_CHEB               /* I_0(R) + 2 sum_{1<=k<=g} I_k(R) T_k(x/R), the truncated
                                  Chebyshev series of exp on [-R, R] */
} fga_basis_t;

typedef struct
{
  fga_basis_t basis;
  double R;                    /* the interval [-R, R], R > 0 */
  long g;                      /* the degree */
  mpfr_prec_t prec;            /* precision of the monomial coefficients */
  mpfr_t *mono;                /* g + 1 coefficients: p(x) = sum_k mono[k] x^k; owned */
  double *mono_d;              /* the same, rounded to nearest double; owned */
  double bound_abs;            /* certified: sup_{|x|<=R} |p(x) - e^x| <= bound_abs */
  double bound_rel;            /* certified: sup_{|x|<=R} |p(x) - e^x| / e^x <= bound_rel */
} fga_expfit_struct;

typedef fga_expfit_struct fga_expfit_t[1];
typedef fga_expfit_struct *fga_expfit_ptr;
typedef const fga_expfit_struct *fga_expfit_srcptr;

int fga_basis_parse (fga_basis_t *basis, const char *text, fga_error_t *err);
const char *fga_basis_name (fga_basis_t basis);

/* The polynomial of the basis with degree g on [-R, R], its monomial
   coefficients at precision prec, and its certified bounds (from closed
   forms, rounded upward; never from sampling).  */
int fga_expfit_init (fga_expfit_ptr p, fga_basis_t basis, double R, long g, mpfr_prec_t prec,
                     fga_error_t *err);
void fga_expfit_clear (fga_expfit_ptr p);

/* The least degree g in [0, gmax] whose certified bound (relative when
   relative != 0, else absolute) is <= eps; FGA_ERR_COMPUTE if none is.  */
int fga_expfit_least_degree (long *g, fga_basis_t basis, double R, double eps, int relative,
                             long gmax, fga_error_t *err);

/* The measured sup of |p - exp| and |p - exp| / exp over npts equispaced
   points of [-R, R] (end points included), evaluated in MPFR: a check
   beside the certified bound, never a replacement for it.  */
int fga_expfit_measure (double *err_abs, double *err_rel, fga_expfit_srcptr p, size_t npts,
                        fga_error_t *err);

/* Chebyshev coefficients a_0..a_g of e^{R t} on [-1, 1] (e^{Rt} = sum a_k T_k(t)):
   in double from n >= g + 1 samples at Chebyshev points by an FFTW
   real-to-real transform (these are the interpolant's, equal to the series'
   up to aliasing), and in MPFR from the Bessel series a_0 = I_0(R),
   a_k = 2 I_k(R).  a[] of the MPFR version must be initialised.  */
int fga_cheb_coeffs_fftw (double *a, long g, double R, size_t n, fga_error_t *err);
int fga_cheb_coeffs_bessel (mpfr_t *a, long g, double R, fga_error_t *err);

/* The Aggarwal--Alman degree form max{R, log(1/eps) / log(log(1/eps) / R)}
   (constants not included; the log-log term is dropped when log(1/eps) <= e R). */
double fga_expfit_aggarwal_alman (double R, double eps);

#ifdef __cplusplus
}
#endif

#endif /* FGATTN_H */
