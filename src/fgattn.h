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
} fga_error;

void fga_error_init (fga_error *err);

/* The version of the library, e.g. "0.1.0".  Static storage.  */
const char *fga_version (void);

/* Seconds since an arbitrary origin, from the monotonic clock.  */
double fga_wall_time (void);

/* All allocation of the library goes through this hook (default: malloc).
   Setting NULL restores the default.  A hook returns NULL on failure; the
   library then returns FGA_ERR_NOMEM with the byte count in the message.  */
typedef void *(*fga_alloc_hook) (size_t bytes);
typedef void (*fga_free_hook) (void *p);
void fga_set_alloc_hooks (fga_alloc_hook alloc, fga_free_hook release);

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
int fga_mat_init (fga_mat_ptr m, size_t rows, size_t cols, fga_error *err);
void fga_mat_clear (fga_mat_ptr m);
/* Refuses NaN and infinite entries, naming `what' and the (row, column).  */
int fga_mat_check_finite (fga_mat_srcptr m, const char *what, fga_error *err);
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
                        fga_error *err);
void fga_mpfr_mat_clear (fga_mpfr_mat_ptr m);

/* ------------------------------------------------------------------ */
/* NPY files: little-endian float64, C order; headers of format version 1.0,
   2.0 or 3.0 are read, 1.0 is written (byte for byte what numpy.save writes).
   Reading accepts shapes (r, c) and, as a column, (r,); everything else
   (other dtypes, Fortran order, truncation, trailing bytes, bad headers) is
   refused with a message saying what was found.  fga_npy_read initialises m
   itself: pass a matrix that holds nothing; on failure m is 0 x 0.  Writing
   goes to a temporary name in the same folder, renamed when complete.  */

int fga_npy_read (fga_mat_ptr m, const char *path, fga_error *err);
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
/* The score scale tau.  Kept symbolically so that the ground truth can use
   the exact value 1/d or 1/sqrt(d) rather than its double rounding.  */

typedef enum
{
  FGA_TAU_INV_D,               /* tau = 1/d (Alman--Song) */
  FGA_TAU_INV_SQRT_D,          /* tau = 1/sqrt(d) (Vaswani et al.) */
  FGA_TAU_VALUE                /* tau = value, a positive finite double */
} fga_tau_kind;

typedef struct
{
  fga_tau_kind kind;
  double value;                /* for FGA_TAU_VALUE */
} fga_tau;

/* Parses "1/d", "1/sqrt(d)" or a positive number.  */
int fga_tau_parse (fga_tau *tau, const char *text, fga_error *err);
/* The double nearest to tau for dimension d.  */
double fga_tau_double (const fga_tau *tau, size_t d);
/* tau rounded to nearest at the precision of rop; returns the ternary value. */
int fga_tau_mpfr (mpfr_ptr rop, const fga_tau *tau, size_t d);
/* Writes "1/d", "1/sqrt(d)" or "%.17g" into buf.  */
void fga_tau_format (char *buf, size_t size, const fga_tau *tau);

/* ------------------------------------------------------------------ */
/* Instances.  */

typedef enum
{
  FGA_DIST_UNIFORM,            /* uniform on [-B, B] */
  FGA_DIST_RADEMACHER,         /* +B or -B with probability 1/2 each */
  FGA_DIST_GAUSSIAN,           /* N(0, (B/3)^2) clipped to [-B, B] */
  FGA_DIST_NONE                /* not generated by fgattn (read from files) */
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

const char *fga_dist_name (fga_dist dist);
int fga_dist_parse (fga_dist *dist, const char *text, fga_error *err);

/* generate and read take an initialised instance, clear it first, and leave
   it cleared on failure.  Seeds above 2^63 - 1 are refused (instance.json
   records the seed as a JSON integer).  */
void fga_instance_init (fga_instance_ptr inst);
void fga_instance_clear (fga_instance_ptr inst);

/* Draws Q, K (entries bounded by B) and V (bounded by Bv) from GMP's default
   random state seeded with seed: the same arguments give the same bits on
   every machine.  */
int fga_instance_generate (fga_instance_ptr inst, size_t nq, size_t nk, size_t d, size_t dv,
                           double B, double Bv, fga_dist dist, unsigned long seed,
                           fga_error *err);

/* dir/Q.npy, dir/K.npy, dir/V.npy and dir/instance.json.  Reading checks
   shapes and finiteness; instance.json is optional when reading (then B and
   Bv are the largest |entry| found, and dist is FGA_DIST_NONE).  */
int fga_instance_read (fga_instance_ptr inst, const char *dir, fga_error *err);
int fga_instance_write (const char *dir, fga_instance_srcptr inst, fga_error *err);

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
} fga_stats;

void fga_stats_init (fga_stats *st);
/* Sets (or replaces) a named figure; silently ignores more than FGA_STATS_EXTRA names.  */
void fga_stats_set (fga_stats *st, const char *name, double value);
/* The named figure, or NaN.  */
double fga_stats_get (const fga_stats *st, const char *name);
/* Writes the stats as one JSON object (with the method spec and problem) to path, atomically. */
struct fga_problem;
int fga_stats_write_json (const char *path, const fga_stats *st, const char *method_spec,
                          const struct fga_problem *prob, fga_error *err);

/* ------------------------------------------------------------------ */
/* Methods: an opaque object made from a spec string, prepared for a problem
   shape (all decisions and allocations that do not depend on the values),
   run any number of times (run does not change it), destroyed.  */

typedef struct fga_problem
{
  size_t nq, nk, d, dv;
  fga_tau tau;
  double R;                    /* certified bound on max |S_ij|; +Inf if unknown */
  double B, Bv;                /* entry bounds as known, for the record */
} fga_problem;

/* Fills a problem from an instance: shapes, tau, B, Bv and R from the data. */
void fga_problem_from_instance (fga_problem *prob, fga_instance_srcptr inst, const fga_tau *tau);

typedef struct fga_method_struct *fga_method;

/* spec is "name" or "name:key=value,key=value".  Unknown names and keys,
   malformed or out-of-range values are refused with a message naming them.  */
fga_method fga_method_create (const char *spec, fga_error *err);
int fga_method_prepare (fga_method m, const fga_problem *prob, fga_error *err);
/* T must be nq x dv; lse, if not NULL, receives nq values.  stats may be NULL. */
int fga_method_run (fga_method m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q,
                    fga_mat_srcptr K, fga_mat_srcptr V, fga_stats *stats, fga_error *err);
void fga_method_destroy (fga_method m);
/* The spec with every parameter spelled out (defaults included).  Owned by m. */
const char *fga_method_spec (fga_method m);

/* The registry, for listing.  */
typedef enum { FGA_PARAM_INT, FGA_PARAM_REAL, FGA_PARAM_CHOICE } fga_param_type;

typedef struct
{
  const char *key;
  fga_param_type type;
  const char *def;             /* default, as text */
  double min, max;             /* inclusive range for INT and REAL */
  const char *choices;         /* "a|b|c" for CHOICE; for REAL, words accepted besides
                                  numbers in [min, max] (e.g. R=auto|apriori|4.5) */
  const char *applies;         /* NULL, or "key=v1|v2": the parameter means something
                                  only when that CHOICE parameter has one of those values */
  const char *doc;             /* one line */
} fga_param_info;

typedef struct
{
  const char *name;
  const char *description;     /* one line */
  const fga_param_info *params;   /* terminated by key == NULL */
} fga_method_info;

size_t fga_method_count (void);
const fga_method_info *fga_method_info_at (size_t i);

/* ------------------------------------------------------------------ */
/* Error metrics of an approximation T against the truth Att.  */

typedef struct
{
  double max_abs;              /* max_ij |T_ij - Att_ij| */
  double rel_fro;              /* ||T - Att||_F / ||Att||_F (0 when both are 0, Inf when only Att is) */
  double mean_abs;             /* mean_ij |T_ij - Att_ij| */
  double max_ulps;             /* max_ij of the number of doubles between T_ij and Att_ij */
  size_t rows, cols;
} fga_metrics;

int fga_metrics_compute (fga_metrics *mt, fga_mat_srcptr truth, fga_mat_srcptr approx, fga_error *err);
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
                         fga_mat_srcptr V, double tau, fga_stats *st, fga_error *err);
int fga_attention_stream (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                          fga_mat_srcptr V, double tau, size_t block, fga_stats *st,
                          fga_error *err);
int fga_attention_blas (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                        fga_mat_srcptr V, double tau, size_t block, fga_stats *st,
                        fga_error *err);

/* ------------------------------------------------------------------ */
/* The certified ground truth (exact:algo=mpfr), with access to the working
   precision values and their bounds for `fgattn truth --text'.  */

typedef struct
{
  mpfr_prec_t prec;            /* first working precision */
  mpfr_prec_t prec_max;        /* no row is computed above this precision */
} fga_truth_opts;

typedef struct
{
  size_t undecided;            /* entries whose nearest double was not proved at prec_max */
  mpfr_prec_t prec_used_max;   /* highest precision any row needed */
  size_t rows_raised;          /* rows computed again at a higher precision */
} fga_truth_info;

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
               fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V, const fga_tau *tau,
               const fga_truth_opts *opts, fga_truth_info *info, fga_stats *stats,
               fga_error *err);

/* ------------------------------------------------------------------ */
/* Polynomial approximations of exp on [-R, R] (REFERENCES.md section 3).  */

typedef enum
{
  FGA_BASIS_TAYLOR,            /* sum_{k<=g} x^k / k!, the Taylor polynomial at 0 */
  FGA_BASIS_CHEB               /* I_0(R) + 2 sum_{1<=k<=g} I_k(R) T_k(x/R), the truncated
                                  Chebyshev series of exp on [-R, R] */
} fga_basis;

typedef struct
{
  fga_basis basis;
  double R;                    /* the interval [-R, R], R > 0 */
  long g;                      /* the degree */
  mpfr_prec_t prec;            /* precision of the monomial coefficients */
  mpfr_t *mono;                /* g + 1 coefficients: p(x) = sum_k mono[k] x^k; owned */
  double *mono_d;              /* the same, rounded to nearest double; owned */
  double bound_abs;            /* certified: sup_{|x|<=R} |p(x) - e^x| <= bound_abs */
  double bound_rel;            /* certified: sup_{|x|<=R} |p(x) - e^x| / e^x <= bound_rel;
                                  both hold for p with the coefficients mono (their rounding
                                  at prec included), not for mono_d */
} fga_expfit_struct;

#define FGA_EXPFIT_RMAX 1024.0     /* the largest R accepted */
#define FGA_EXPFIT_GMAX 10000L     /* the largest degree accepted */

typedef fga_expfit_struct fga_expfit_t[1];
typedef fga_expfit_struct *fga_expfit_ptr;
typedef const fga_expfit_struct *fga_expfit_srcptr;

int fga_basis_parse (fga_basis *basis, const char *text, fga_error *err);
const char *fga_basis_name (fga_basis basis);

/* The polynomial of the basis with degree g on [-R, R], its monomial
   coefficients at precision prec, and its certified bounds (from closed
   forms, rounded upward; never from sampling).  Needs 0 < R <= FGA_EXPFIT_RMAX
   and 0 <= g <= FGA_EXPFIT_GMAX; a failed init leaves mono NULL, so clearing
   it is safe.  */
int fga_expfit_init (fga_expfit_ptr p, fga_basis basis, double R, long g, mpfr_prec_t prec,
                     fga_error *err);
void fga_expfit_clear (fga_expfit_ptr p);

/* The least degree g in [0, gmax] whose certified bound (relative when
   relative != 0, else absolute) is <= eps, for eps in (0, 1); the bound is
   that of the polynomial with exact coefficients (fga_expfit_init adds the
   rounding of mono).  FGA_ERR_COMPUTE if no degree up to gmax meets eps.  */
int fga_expfit_least_degree (long *g, fga_basis basis, double R, double eps, int relative,
                             long gmax, fga_error *err);

/* The measured sup of |p - exp| and |p - exp| / exp over npts equispaced
   points of [-R, R] (end points included), evaluated in MPFR: a check
   beside the certified bound, never a replacement for it.  */
int fga_expfit_measure (double *err_abs, double *err_rel, fga_expfit_srcptr p, size_t npts,
                        fga_error *err);

/* Chebyshev coefficients a_0..a_g of e^{R t} on [-1, 1] (e^{Rt} = sum a_k T_k(t)):
   in double from n >= g + 1 samples at Chebyshev points by an FFTW
   real-to-real transform (these are the interpolant's, equal to the series'
   up to aliasing; needs n >= 2 and R <= 709, and FFTW's planner is not
   thread-safe: serialise calls), and in MPFR, correctly rounded, from the
   Bessel series a_0 = I_0(R), a_k = 2 I_k(R).  a[] of the MPFR version must
   be initialised.  */
int fgap_cheb_coeffs_fftw (double *a, long g, double R, size_t n, fga_error *err);
int fga_cheb_coeffs_bessel (mpfr_t *a, long g, double R, fga_error *err);

/* The Aggarwal--Alman degree form max{R, log(1/eps) / log(log(1/eps) / R)}
   (constants not included; the log-log term is dropped when log(1/eps) <= e R).
   NaN for R <= 0 or eps outside (0, 1).  */
double fga_expfit_aggarwal_alman (double R, double eps);

/* ------------------------------------------------------------------ */
/* Monomial features and the polynomial method of Alman and Song
   (REFERENCES.md section 2; the proofs are in theory/upper-bound.md).

   A multi-index alpha in N^d of degree |alpha| = alpha_1 + ... + alpha_d
   names the monomial x^alpha = prod_l x_l^alpha_l; r = C(d + g, d) of them
   have degree <= g.  For p(x) = sum_{k<=g} c_k x^k the features
     U1[i, alpha] = c_|alpha| tau^|alpha| (|alpha|! / prod_l alpha_l!) q_i^alpha
     U2[j, alpha] = k_j^alpha
   satisfy (U1 U2^T)_ij = p(tau <q_i, k_j>) exactly (multinomial theorem),
   and the method poly returns T = diag(U1 (U2^T 1))^{-1} U1 (U2^T V).  */

/* r = C(d + g, d) exactly (GMP); FGA_ERR_INPUT when d = 0, g < 0 or r does
   not fit size_t (the message gives r).  */
int fga_monomial_count (size_t *r, size_t d, long g, fga_error *err);

/* The multi-indices of degree <= g in graded order: by degree, and within a
   degree lexicographically decreasing (x_1^k first, x_d^k last).  Every
   alpha_t of degree >= 1 has a parent alpha_t - e_var[t], var[t] being its
   last variable with a nonzero exponent; the parent comes earlier, so the
   monomials can be built with one multiplication each.  */
typedef struct
{
  size_t d, r;
  long g;
  unsigned *alpha;             /* r x d exponents, row t is alpha_t; owned */
  size_t *parent;              /* parent[t]; parent[0] = 0; owned */
  unsigned *var;               /* var[t]; var[0] = 0; owned */
  unsigned *deg;               /* |alpha_t|; owned */
  size_t *start;               /* g + 2 offsets: degree k is t in [start[k], start[k+1]); owned */
} fgap_monomials_struct;

typedef fgap_monomials_struct fgap_monomials_t[1];
typedef fgap_monomials_struct *fgap_monomials_ptr;
typedef const fgap_monomials_struct *fgap_monomials_srcptr;

/* On failure mo is left cleared (safe to clear again).  */
int fgap_monomials_init (fgap_monomials_ptr mo, size_t d, long g, fga_error *err);
void fgap_monomials_clear (fgap_monomials_ptr mo);
/* m = |alpha_t|! / prod_l alpha_{t,l}!, exactly.  */
void fgap_monomials_multinomial (mpz_ptr m, fgap_monomials_srcptr mo, size_t t);

/* The same multi-indices walked depth first: each is followed by its
   children alpha + e_l (l >= its last variable, in increasing order) and
   their subtrees.  In this order the parent of the current multi-index of
   degree k is the latest one of degree k - 1, so a pass over the columns
   keeps only g + 1 of them alive: the method poly evaluates its features
   in this order, block by block.  The graded order is this order sorted
   stably by degree.  */
typedef struct
{
  size_t d;
  long g;
  long k;                      /* degree of the current multi-index */
  unsigned *seq;               /* its variables, nondecreasing: seq[0..k); var = seq[k-1] */
  unsigned *alpha;             /* its d exponents */
  mpz_t *mult;                 /* g + 1 entries; mult[k] is its multinomial */
  size_t index;                /* its position in the walk, from 0 */
} fgap_monomial_walk;

/* init starts at alpha = 0; next moves on and returns 0 when the walk is
   over (then k = -1, and next keeps returning 0).  */
int fgap_monomial_walk_init (fgap_monomial_walk *w, size_t d, long g, fga_error *err);
int fgap_monomial_walk_next (fgap_monomial_walk *w);
void fgap_monomial_walk_clear (fgap_monomial_walk *w);

/* The features of p (from its coefficients p->mono) for Q and K, columns in
   the graded order of mo (mo->d = d, mo->g = p->g), into U1 (nq x r) and U2
   (nk x r) allocated by the caller.  Each monomial is its parent's times one
   entry (one multiplication; degree 1 is a copy); the factor
   c_k tau^k |alpha|! / prod alpha_l! is computed in MPFR and rounded once,
   then multiplied in.  _mpfr does the same at the precision of U1 and U2
   (equal, at least 53 bits, so that the entries of Q and K are exact).  */
int fgap_poly_features (fga_mat_ptr U1, fga_mat_ptr U2, fgap_monomials_srcptr mo,
                       fga_expfit_srcptr p, const fga_tau *tau, fga_mat_srcptr Q,
                       fga_mat_srcptr K, fga_error *err);
int fgap_poly_features_mpfr (fga_mpfr_mat_ptr U1, fga_mpfr_mat_ptr U2, fgap_monomials_srcptr mo,
                            fga_expfit_srcptr p, const fga_tau *tau, fga_mat_srcptr Q,
                            fga_mat_srcptr K, fga_error *err);

/* The a-priori rounding bound of the method poly evaluated with unit
   roundoff u = 2^-prec (53: arith=double; arith=mpfr: its precision):
   *rb such that ||T^ - T*||_inf <= *rb ||V||_inf, where T* is the method's
   output in exact arithmetic and T^ the computed one, for nk keys, r
   features and the polynomial p of degree g on [-R, R] (R = p->R), whenever
   tau sum_l |q_il k_jl| <= R for all i, j (true of the Cauchy--Schwarz and
   the a-priori radius) and p->bound_rel < 1.  With m = 2 g + nk + r + 1,
   gamma_m = m u / (1 - m u) and P = sum_k |c_k| R^k (rounded up):
     rho = gamma_m P e^R / (1 - bound_rel),
     *rb = 2 rho / (1 - rho) + u (1 + 2 rho / (1 - rho)),
   about e^{2R} (nk + r) u; +Inf when rho >= 1.  theory/upper-bound.md,
   lemma 6, proves it.  */
int fga_poly_rounding_bound (double *rb, fga_expfit_srcptr p, size_t nk, size_t r,
                             mpfr_prec_t prec, fga_error *err);

/* The operation counts of one run of poly (arith=double and mpfr alike), by
   kind: ops[0..4] = mul, add, exp, div, cmp (initialised by the caller), for
   r features of degree <= g in d variables, L = 1 when lse is asked for:
     mul = (r - 1 - d [g >= 1]) (nq + nk) + r (dv + 1) (nq + nk + 1)
     add = r (dv + 1) (nk - 1) + nq (dv + 1) (r - 1)
     exp = L nq,  div = nq dv,  cmp = 0.  */
void fga_poly_count (mpz_t ops[5], size_t nq, size_t nk, size_t d, size_t dv, long g,
                     mpz_srcptr r, int lse);

/* The cost model of `fgattn plan': for entries bounded by B (V by Bv), the
   a-priori radius R = tau d B^2 (rounded up), the relative target
   eps = eps_a / (2 Bv) (at most 1/2), the least degree g of the basis whose
   certified relative bound on [-R, R] is <= eps, then r, the Alman--Song
   count, and the counts of poly (fga_poly_count) and of exact attention
   (the naive kernel's, src/kernels/attention_naive.c, without lse), all exact in
   GMP, and crossover_n: the least n at which poly's total count is below
   exact's when nq = nk = n (same d, dv, g: the cost model's transition).
   Counts never overflow.  fga_poly_cost_init initialises the mpz fields
   (clear them with fga_poly_cost_clear) only when it returns FGA_OK.  */
typedef struct
{
  double R, eps_rel;
  long g;
  double bound_rel;            /* certified relative bound of p on [-R, R] */
  double rounding_bound;       /* fga_poly_rounding_bound at u = 2^-53; +Inf if r > SIZE_MAX */
  mpz_t r, r_as;               /* C(d + g, d) and C(2 (g + d), 2 g) */
  mpz_t poly[5], exact[5];     /* mul, add, exp, div, cmp */
  mpz_t poly_total, exact_total;
  mpz_t crossover_n;
} fga_poly_cost;

int fga_poly_cost_init (fga_poly_cost *pl, size_t nq, size_t nk, size_t d, size_t dv, double B,
                   double Bv, const fga_tau *tau, double eps_a, fga_basis basis,
                   fga_error *err);
void fga_poly_cost_clear (fga_poly_cost *pl);

/* ------------------------------------------------------------------ */
/* Sparse attention patterns: exact softmax attention restricted to a
   support (the methods window, strided and dilated; src/kernels/sparse.c).
   Queries and keys are the positions 0..n-1 (nq = nk = n).  Query i
   attends each of its groups of keys as one softmax; the groups' states
   (max, sum, output) are merged by their denominators, so the output is
   sum_j c_ij e^{S_ij} v_j / sum_j c_ij e^{S_ij} with c_ij the number of
   groups of i holding j, and lse_i = log sum_j c_ij e^{S_ij}.  causal = 1
   keeps only keys j <= i in every group.

   window:  one group, {j : |i - j| <= w}.
   strided: one group, {j : |i - j| < l} union {j : (i - j) mod l = 0}
            (Child et al. 2019, both parts in one head); l = 0 means
            ceil (sqrt (n)).
   dilated: LongNet (Ding et al. 2023): for each level k < levels, with
            w_k = w alpha^k, r_k = r alpha^k and the offset o_k = head mod r_k,
            the sequence is cut into segments [s w_k, (s + 1) w_k) (the last
            one shorter) and position p of a segment is kept when
            p mod r_k = o_k; a kept query has one group, the kept keys of its
            segment.  levels = 0 means up to the first level with w_k >= n.
            A pattern that keeps some query at no level is refused.
   fixed:   one group, {j : floor (j / l) = floor (i / l)} union
            {j : j mod l >= l - c} (Child et al. 2019, section 4.3: the
            query's own block of l positions and the last c "summary"
            positions of every block; a last block shorter than l keeps
            the j mod l rule, so it may hold fewer than c or none);
            1 <= c <= l, l = 0 means ceil (sqrt (n)).  */

typedef enum
{
  FGA_SPARSE_WINDOW,
  FGA_SPARSE_STRIDED,
  FGA_SPARSE_DILATED,
  FGA_SPARSE_FIXED
} fga_sparse_kind;

#define FGA_SPARSE_MAX_LEVELS 64
#define FGA_SPARSE_MAX_RUNS 64       /* runs of one query, at most */

typedef struct
{
  fga_sparse_kind kind;
  size_t n;                    /* positions */
  int causal;                  /* 0 or 1 */
  size_t w;                    /* window: radius; dilated: first segment length w_0 >= 1 */
  size_t l;                    /* strided: stride; fixed: block length; 0 for ceil (sqrt (n)) */
  size_t r;                    /* dilated: first dilation rate, 1 <= r <= w */
  size_t alpha;                /* dilated: ratio of both geometric sequences, >= 2 */
  size_t levels;               /* dilated: number of levels, 0 to stop at w_k >= n */
  size_t head;                 /* dilated: LongNet's head index, giving the offsets */
  size_t c;                    /* fixed: summary positions per block, 1 <= c <= l */
} fga_sparse_pattern;

/* Keys start + a step + t for a < count and t < width, in that order (a
   outer): count stretches of width consecutive keys, step apart (width = 1
   is the progression start, start + step, ...; width <= step when
   count > 1), attended in group number `group' of their query (groups
   numbered from 0).  */
typedef struct
{
  size_t start, step, count;
  unsigned group;
  size_t width;
} fgap_sparse_run;

/* Refuses bad parameters (naming them) and resolves l = 0 and levels = 0
   in place.  The other functions need a checked pattern.  */
int fga_sparse_pattern_check (fga_sparse_pattern *p, fga_error *err);
/* The keys of query i < n as at most FGA_SPARSE_MAX_RUNS runs, in the order
   they are attended (a group's runs are consecutive; no run is empty);
   returns the number of runs.  fixed gives at most 4, in increasing order
   of key with no key twice, whatever n / l.  */
size_t fgap_sparse_runs (fgap_sparse_run *runs, const fga_sparse_pattern *p, size_t i);
/* The number of (query, key) pairs scored, counted with multiplicity, and
   of groups, in closed form (O(levels) time for dilated, O(1) for the
   others; exact for any n).  */
void fga_sparse_pattern_count (mpz_ptr pairs, mpz_ptr groups, const fga_sparse_pattern *p);
/* The operation counts of fga_sparse_attention, by kind: ops[0..4] = mul,
   add, exp, div, cmp (initialised by the caller); lse != 0 when lse is
   asked for.  With P pairs, G groups, M = G - n merges, L = [lse]:
     mul = P (d + 1 + dv) + M (1 + dv)
     add = P (d + 1 + dv) - G (1 + dv) + M (2 + dv) + L n
     exp = P + M + L n,  div = n dv,  cmp = P - n.  */
void fga_sparse_count (mpz_t ops[5], const fga_sparse_pattern *p, size_t d, size_t dv,
                       int lse);
/* T (n x dv) allocated by the caller, lse (n values) may be NULL.  Fills
   the counts and peak_bytes of st (if not NULL) and its figures "pairs",
   "groups" and "max_keys" (the largest group); not its wall time.  Any
   finite scores are handled (each group's maximum is subtracted).  */
int fga_sparse_attention (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                          fga_mat_srcptr V, double tau, const fga_sparse_pattern *p,
                          fga_stats *st, fga_error *err);

/* ------------------------------------------------------------------ */
/* Random features (REFERENCES.md section 5; the method rf).

   For x in R^d and W (m x d) whose rows w_l are N(0, I_d), the kinds are
     FGA_RF_POS   phi(x) = m^{-1/2} exp (W x - ||x||^2/2)                       m entries
     FGA_RF_HYP   phi(x) = (2m)^{-1/2} exp (-||x||^2/2) [exp (W x), exp (-W x)] 2m entries
     FGA_RF_TRIG  phi(x) = m^{-1/2} exp (||x||^2/2) [cos (W x), sin (W x)]      2m entries
   (functions applied entrywise), and each satisfies
   E[phi(x)^T phi(y)] = exp (x^T y).  pos and hyp are positive, trig is not.
   With z = x + y and u = x - y the variance of one estimate phi(x)^T phi(y)
   for iid rows is (derived in tests/methods/t-rf.c)
     pos   (1/m)  exp (2 x^T y) (exp (||z||^2) - 1)
     hyp   (1/2m) exp (2 x^T y) (exp (||z||^2) - 1)^2 exp (-||z||^2)
     trig  (1/2m) exp (2 x^T y) (exp (||u||^2) - 1)^2 exp (-||u||^2).
   The method rf applies them to x = tau^{1/2} q and y = tau^{1/2} k.  The
   values of the enumeration are those of its parameter kind=pos|hyp|trig.  */

typedef enum { FGA_RF_POS, FGA_RF_HYP, FGA_RF_TRIG } fga_rf_kind;

/* The number of entries of phi: m for pos, 2m for hyp and trig.  */
size_t fgap_rf_dim (fga_rf_kind kind, size_t m);

/* Fills W (m x d, row-major, allocated by the caller) from GMP's default
   random state seeded with seed (mpfr_nrandom, so the Gaussian draws are
   the same bits on every machine).  orth = 0: iid N(0, 1) entries, drawn
   row by row.  orth = 1: for each block of d rows (the last one cut at m),
   the Q factor of a d x d Gaussian matrix (LAPACK's QR, signs fixed so that
   Q is Haar distributed), each row of which is then multiplied by the norm
   of d fresh normals: every row is N(0, I_d), rows of a block are
   orthogonal; LAPACK's rounding may differ between builds.  d <= 4096 for
   orth = 1.  */
int fgap_rf_draw (double *W, size_t m, size_t d, int orth, unsigned long seed, fga_error *err);

/* phi(x) (fgap_rf_dim (kind, m) entries, allocated by the caller) by the
   formulas above, directly, with no protection against overflow: the slow,
   obvious reference of the method rf.  */
int fgap_rf_phi (double *phi, fga_rf_kind kind, const double *W, size_t m, size_t d,
                const double *x, fga_error *err);

/* ------------------------------------------------------------------ */
/* Low rank: the attention matrix, its singular values, svd and nystrom.  */

/* P = softmax (tau Q K^T) = D^{-1} exp (tau Q K^T), explicitly: P must be
   allocated by the caller as Q->rows x K->rows; Q and K may be any two
   matrices with the same number of columns (the methods also use it on
   landmark rows).  lse (Q->rows values) may be NULL.  Stable: the row
   maximum is subtracted before exp, so any finite scores are handled; every
   entry is within a relative u (2 (d + 3) R + nk + 4) of the exact one
   (u = 2^-53, R >= tau max_ij sum_t |q_it k_jt|; src/numerics/attention_matrix.c
   derives it), so each row sums to 1 within about (2 nk + 2 (d + 3) R) u.
   Fills the counts of st (if not NULL), exactly:
     n_mul = nq nk (d + 1), n_add = nq (nk (d + 1) - 1 + L), n_exp = nq (nk + L),
     n_div = nq nk, n_cmp = nq (nk - 1)   (L = 1 if lse is not NULL),
   and peak_bytes = 0 (no scratch).  */
int fga_attention_matrix (fga_mat_ptr P, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                          double tau, fga_stats *st, fga_error *err);

/* The thin SVD M = U diag (s) Vt by LAPACK's dgesdd, for M a x b and
   r = min (a, b): U a x r and Vt r x b (allocated by the caller; both NULL
   for the singular values alone), s r values, decreasing.  M is destroyed
   (LAPACK works in place: P is the largest thing the low-rank code holds,
   and a copy would double it).  st (if not NULL) gets peak_bytes, the
   LAPACK workspace (allocated through the library's hook), and the figure
   lapack_flops, an estimate of LAPACK's floating-point operations from
   Golub and Van Loan's table (src/methods/svd.c): they cannot be counted from
   outside LAPACK, so its counts n_mul ... n_cmp are left alone.  */
int fga_mat_svd (fga_mat_ptr U, double *s, fga_mat_ptr Vt, fga_mat_ptr M, fga_stats *st,
                 fga_error *err);

/* The min (nq, nk) singular values of P = softmax (tau Q K^T), decreasing,
   into sigma: P formed by fga_attention_matrix, then fga_mat_svd.  st gets
   the counts of forming P (exact), peak_bytes (P and LAPACK's workspace)
   and lapack_flops (estimated).  */
int fga_attention_singular_values (double *sigma, fga_mat_srcptr Q, fga_mat_srcptr K,
                                   double tau, fga_stats *st, fga_error *err);

/* The numerical rank at an absolute tolerance: the number of sigma_i > tol
   among the r values of sigma.  */
size_t fga_numerical_rank (const double *sigma, size_t r, double tol);

/* The Eckart--Young errors of the singular values sigma[0..r) (decreasing):
   e[k] = sqrt (sum_{i >= k} sigma[i]^2) for k = 0..r, r + 1 values, e[0] the
   Frobenius norm of the matrix and e[k] = ||M - M_k||_F, the least error in
   Frobenius norm of any matrix of rank <= k; e[r] = 0.  Summed from the
   smallest up with LAPACK's dlassq scaling (no underflow or overflow).  e may
   be sigma itself, if it has room for r + 1 values.  */
void fga_eckart_young (double *e, const double *sigma, size_t r);

/* Pseudo-inverses of A (a x b) into Z (b x a, allocated by the caller).
   _svd: by fga_mat_svd on a copy of A, the singular values <= rcond sigma_1
   dropped (rcond < 0: max (a, b) 2^-52); *rank (if not NULL) gets the
   number kept.  _iter: Xiong et al.'s iteration
     Z_0 = A^T / (||A||_1 ||A||_inf),  Z <- Z (13 I - A Z (15 I - A Z (7 I - A Z))) / 4,
   iters times (REFERENCES.md section 5): third-order convergence to A^+
   once a singular value has grown into reach (src/methods/nystrom.c explains how
   fast).  Both fill st's counts (exact, LAPACK's excepted: lapack_flops
   estimates them for _svd) and peak_bytes.  */
int fgap_pinv_svd (fga_mat_ptr Z, size_t *rank, fga_mat_srcptr A, double rcond, fga_stats *st,
                  fga_error *err);
int fgap_pinv_iter (fga_mat_ptr Z, fga_mat_srcptr A, long iters, fga_stats *st,
                   fga_error *err);

/* The methods (see fgattn methods):
   svd:k=K          T = P_k V, P_k the truncated SVD of P (Eckart--Young: the
                    least Frobenius error of any rank-k matrix); 1 <= k <= min
                    (nq, nk), larger k refused at prepare.  Stats: k, rank_max,
                    sigma_1, sigma_k1 (sigma_{k+1}, 0 when k = min (nq, nk)),
                    eckart_young_fro = ||P - P_k||_F, eckart_young_rel (divided
                    by ||P||_F), lapack_flops (estimated, not in the counts);
                    lse is that of the exact scores.
   nystrom:m=M,landmarks=uniform|segment,pinv=svd|iter,rcond=X|auto,seed=S,iters=I
                    T = softmax (tau Q K~^T) A^+ (softmax (tau Q~ K^T) V) with
                    A = softmax (tau Q~ K~^T) and m landmark queries Q~ and keys
                    K~ (Xiong et al. 2021); exact attention to rounding when
                    m = nq = nk; lse refused (no row normaliser).  Stats: m,
                    rank (of the pseudo-inverse), pinv_cutoff and lapack_flops
                    (svd) or iters (iter).  src/methods/nystrom.c says why this form and
                    how the landmarks are drawn.  */

/* ------------------------------------------------------------------ */
/* TensorSketch (Pham and Pagh 2013; REFERENCES.md section 5).

   For degree k >= 1, k independent CountSketches C_i (hash h_i: [d] -> [m],
   sign s_i: [d] -> {+1, -1}, all drawn uniformly) give
     sketch_k(x) = IFFT (prod_{i<=k} FFT (C_i x)),
   the CountSketch of x^{tensor k} with hash sum_i h_i mod m and sign
   prod_i s_i, so E <sketch_k(x), sketch_k(y)> = <x, y>^k.  The draws come
   from GMP's default random state seeded with seed, degree by degree
   (k = 1, 2, ...), for each degree sketch by sketch, each sketch as d hashes
   (gmp_urandomm_ui) then d signs (one random bit each): the same seed gives
   the same hashes on every machine, and degree k of a method with degree
   g >= k uses the same hashes as fgap_tsketch_vec with that k.

   The method tsketch (fgattn methods) replaces each degree-k block of the
   monomial features of poly by sketch_k: with p(x) = sum_k c_k x^k,
     Phi(q) = [c_0, c_1 tau sketch_1(q), ..., c_g tau^g sketch_g(q)],
     Psi(k) = [1, sketch_1(k), ..., sketch_g(k)],
   1 + g m entries each, and E <Phi(q), Psi(k)> = p(tau <q, k>).  */

/* sketch_k(x) (m entries, allocated by the caller) with the hashes of degree
   k drawn from seed as above.  Calls FFTW's planner (not thread-safe:
   serialise calls).  1 <= k <= 10000, m >= 1, d >= 1.  */
int fgap_tsketch_vec (double *out, const double *x, size_t d, size_t m, long k,
                     unsigned long seed, fga_error *err);

/* The number of features 1 + g m of a prepared tsketch method, or 0 when m
   is not a prepared tsketch method.  */
size_t fgap_tsketch_dim (fga_method m);

/* The feature row of the d-vector x for a prepared tsketch method: Phi(x)
   when query is nonzero, Psi(x) otherwise (fgap_tsketch_dim (m) entries,
   allocated by the caller); the rows the method multiplies, computed by the
   same code.  Thread-safe.  */
int fgap_tsketch_phi (double *phi, fga_method m, const double *x, int query,
                     fga_error *err);

/* ------------------------------------------------------------------ */
/* Experiments: sweep configurations (DESIGN.md section 7).

   A configuration is an INI file (comments: a line starting with # or ;,
   or ; after white space at the end of a line):

     [grid]
     n = 256, 512, 1024          ; sizes (nq = nk = n)
     d = ceil(log2 n)            ; a number, or c*log2(n) / ceil(c*log2 n) forms
     dv = d                      ; optional; default d
     beta = 0.25, 0.5, 1, 1.5    ; B = beta * sqrt(ln n) ... or:
     B = 0.5, 1, 2               ; absolute bounds (exactly one of beta, B)
     Bv = 1                      ; optional; default B
     dist = uniform              ; uniform | rademacher | gaussian
     tau = 1/d                   ; 1/d | 1/sqrt(d) | a number
     seeds = 1, 2, 3             ; replicates

     [truth]
     mpfr_max_n = 1024           ; certified MPFR truth up to this n, the best
     prec = 128                  ; double method (exact:algo=stream) beyond

     [rank]
     tol = 1/n, 1e-3             ; numerical rank of P at these tolerances
     max_n = 2048                ; (skipped above: it needs an n x n SVD)

     [method poly]               ; one section per method ("method LABEL")
     spec = poly:basis=cheb      ; the method string without the size parameter
     size = deg                  ; the size parameter that is swept and searched
     sizes = 2, 4, 6, 8          ; the sizes run in every cell
     targets = 1e-2, 1e-4        ; for each target, the least size reaching it
     max_size = 40               ; upper end of the search

   Unknown sections and keys, malformed values and missing required keys
   are refused with the file name and line.  */

#define FGA_SWEEP_MAX_LIST 64
#define FGA_SWEEP_MAX_METHODS 16

typedef struct
{
  char label[64];              /* from the section name */
  char spec[512];              /* method string without the size parameter */
  char size_key[64];           /* "" when the method has no size parameter */
  size_t nsizes;
  double sizes[FGA_SWEEP_MAX_LIST];
  size_t ntargets;
  double targets[FGA_SWEEP_MAX_LIST];
  double max_size;             /* search upper end; 0 when no search */
} fga_sweep_method;

typedef struct
{
  char path[4096];             /* the file read */
  size_t nn;
  size_t n[FGA_SWEEP_MAX_LIST];
  /* d = d_fixed when d_coef == 0, else d_coef * log2(n), rounded up when d_ceil */
  size_t d_fixed;
  double d_coef;
  int d_ceil;
  size_t dv_fixed;             /* 0: dv = d */
  int use_beta;                /* 1: values are beta, B = beta sqrt(ln n); 0: absolute B */
  size_t nb;
  double b[FGA_SWEEP_MAX_LIST];
  double Bv;                   /* 0: Bv = B */
  fga_dist dist;
  fga_tau tau;
  size_t nseeds;
  unsigned long seeds[FGA_SWEEP_MAX_LIST];
  size_t mpfr_max_n;
  long prec;
  size_t ntol;
  double tol[FGA_SWEEP_MAX_LIST];   /* a tolerance 1/n is stored as -1 */
  size_t rank_max_n;
  size_t nmethods;
  fga_sweep_method methods[FGA_SWEEP_MAX_METHODS];
} fga_sweep_config;

/* Reads and validates a configuration; messages are "FILE:LINE: what".  */
int fga_sweep_config_read (fga_sweep_config *cfg, const char *path, fga_error *err);
/* d for a given n under the configuration.  */
size_t fga_sweep_config_d (const fga_sweep_config *cfg, size_t n);
/* B for a given n and grid value b.  */
double fga_sweep_config_B (const fga_sweep_config *cfg, size_t n, double b);

/* Running a sweep.  Every cell (n, b, seed) makes its instance, computes
   the ground truth once, runs every method at every size, the numerical
   rank of P, and the least size of each method reaching each target.  It
   appends rows to three tidy CSV files in outdir, flushed and fsync'ed
   after each cell, so an interrupted run loses at most the cell in flight;
   a re-run with the same configuration skips the cells already in
   results.csv (resume).  outdir/sweep.json records the fgattn version, the
   configuration as given, the host, the date and the seeds.

   results.csv: cell,n,d,dv,beta,B,Bv,dist,tau,seed,R_apriori,R_data,truth,
                label,method,size_key,size,status,max_abs,rel_fro,mean_abs,
                max_ulps,mul,add,exp,div,cmp,peak_bytes,wall_seconds
                (status: ok | refused | failed; the error columns empty
                unless ok; beta empty when the grid is in absolute B)
   rank.csv:    cell,n,d,beta,B,seed,tol,tol_value,rank
                (tol as written, "1/n" or a number; tol_value its value)
   least.csv:   cell,n,d,beta,B,seed,label,size_key,target,least_size
                (least_size empty when not reached up to max_size)
   A cell's id is "n=N,b=B,seed=S".  Timing columns aside, the same
   configuration gives the same rows.  */

typedef struct
{
  size_t cells_total, cells_done, cells_skipped;
  const char *current;         /* the cell in flight, or NULL */
  double elapsed_seconds;
} fga_sweep_progress;

typedef void (*fga_sweep_progress_fn) (const fga_sweep_progress *p, void *data);

typedef struct
{
  int jobs;                    /* cells run in parallel (>= 1) */
  fga_sweep_progress_fn progress;   /* called after each cell; may be NULL */
  void *progress_data;
} fga_sweep_opts;

int fga_sweep_run (const fga_sweep_config *cfg, const char *outdir,
                   const fga_sweep_opts *opts, fga_error *err);

/* ------------------------------------------------------------------ */
/* Reports of a sweep.  Tables, exponent fits and gnuplot inputs
   regenerated from the CSV files of a sweep alone (results.csv, rank.csv,
   least.csv, columns as in "Running a sweep"; found by name in the header,
   other columns ignored).  The row axis is beta, or B when a row's beta is
   empty.  Every value is first the mean over seeds.  */

#define FGA_REPORT_RESULTS 1u
#define FGA_REPORT_RANK    2u
#define FGA_REPORT_LEAST   4u

typedef struct fga_report_struct fga_report_struct;
typedef fga_report_struct *fga_report_ptr;

/* Reads whichever of the three files dir holds.  FGA_ERR_INPUT when dir
   holds none of them, or a file is malformed (message "path:line: what").  */
int fga_report_read (fga_report_ptr *rep, const char *dir, fga_error *err);
void fga_report_destroy (fga_report_ptr rep);
/* The FGA_REPORT_* bits of the files that were there.  */
unsigned fga_report_files (const fga_report_struct *rep);
/* Whether the row axis is B (the grid was in absolute B) rather than beta. */
int fga_report_axis_is_B (const fga_report_struct *rep);

/* The least-squares slope of log v against log n over the points with both
   positive and finite; NaN with fewer than two such points or a single n.  */
double fgap_report_fit_exponent (const double *n, const double *v, size_t k);

/* One fitted exponent in n: of the numerical rank of P at a tolerance
   (quantity "rank", label "", param the tol) or of the least size of a
   method (quantity "least_size", param the target), at one axis value x.  */
typedef struct
{
  const char *quantity, *label, *param;
  int x_is_B;
  double x;
  double exponent;             /* NaN when fewer than two n have a value */
  size_t points;               /* the n that entered the fit */
} fga_report_exponent;

/* The exponents, by tol then by (label, target), each by increasing x.
   Owned by rep.  */
size_t fga_report_exponents (const fga_report_struct *rep, const fga_report_exponent **ex);

/* Writes, each atomically, into dir: error-vs-B.md, least-size.md,
   exponents.md, and for each plot NAME.dat and NAME.gp.  A script, run in
   dir as `gnuplot NAME.gp', writes NAME.png and NAME.svg; run as
   `gnuplot -e "out='X'" NAME.gp' it writes X.png and X.svg instead (so that
   a caller can render under temporary names and rename when complete).  */
int fga_report_write (fga_report_ptr rep, const char *dir, fga_error *err);
/* The plots (NAME, without extension) of the last fga_report_write.  */
size_t fga_report_nplots (const fga_report_struct *rep);
const char *fga_report_plot (const fga_report_struct *rep, size_t i);

/* ------------------------------------------------------------------ */
/* Gap Hamming closest pair and the reduction (theory/lower-bound.md).

   A gap bichromatic Hamming closest pair instance: n vectors a_i and n
   vectors b_j in {0,1}^m, a threshold t and a gap eps > 0, with the promise
   that either some ham(a_i, b_j) <= t (YES) or every ham(a_i, b_j) >=
   (1+eps) t (NO).  Bits are stored one per byte, 0 or 1, row-major.  */

typedef struct
{
  size_t n, m, t;
  double eps;
  int planted;                 /* 1: generated as YES, 0: as NO, -1: unknown */
  unsigned long seed;          /* meaningful when planted >= 0 */
  size_t pi, pj;               /* the planted pair, when planted == 1 */
  unsigned char *a, *b;        /* n*m bits each; owned */
} fga_hamming_struct;
typedef fga_hamming_struct fga_hamming_t[1];
typedef fga_hamming_struct *fga_hamming_ptr;
typedef const fga_hamming_struct *fga_hamming_srcptr;

void fga_hamming_init (fga_hamming_ptr h);
void fga_hamming_clear (fga_hamming_ptr h);
/* The least integer distance allowed to a non-planted pair: ceil((1+eps) t). */
size_t fga_hamming_far (size_t t, double eps);
/* Draws a YES (planted != 0: one pair at distance exactly t, every other
   pair >= (1+eps) t) or NO instance (every pair >= (1+eps) t) by rejection
   sampling from GMP's default random state seeded with seed.  Refuses, before
   drawing, parameters for which rejection would almost surely fail: random
   vectors concentrate at distance m/2, so (1+eps) t must stay below m/2 by a
   margin (the message gives the probability that a random pair is too close). */
int fga_hamming_generate (fga_hamming_ptr h, size_t n, size_t m, size_t t, double eps,
                          int planted, unsigned long seed, fga_error *err);
size_t fga_hamming_distance (fga_hamming_srcptr h, size_t i, size_t j);
/* dir/hamming.json: {"format": "fgattn-hamming", "n", "m", "t", "eps",
   "planted", "seed", "planted_pair": [i, j], "a": ["0110...", ...],
   "b": [...]}; written atomically (the folder is made when missing).  */
int fga_hamming_write (const char *dir, fga_hamming_srcptr h, fga_error *err);
int fga_hamming_read (fga_hamming_ptr h, const char *dir, fga_error *err);

typedef struct
{
  size_t min_dist, argmin_i, argmin_j;
  size_t close_pairs;          /* pairs at distance <= t */
  size_t gap_pairs;            /* pairs strictly between t and (1+eps) t (promise broken) */
  int yes;                     /* min_dist <= t */
} fga_hamming_solution;
/* Brute force over all n^2 pairs.  */
void fga_hamming_solve (fga_hamming_solution *sol, fga_hamming_srcptr h);

/* The reduction (REFERENCES.md section 4).  d = 2m, lambda = ln(4n)/(eps t),
   s = sqrt(lambda d); rows 0..n-1 of Q are s (a_i, 1-a_i), rows n..2n-1 zero;
   rows 0..n-1 of K are s (b_j, 1-b_j), rows n..2n-1 are s 1; V is 1 on the
   real keys and 0 on the dummies.  With tau = 1/d, real query i outputs
   o_i = x_i / (x_i + n), x_i = sum_j exp(-lambda ham(a_i, b_j)).  */
typedef struct
{
  size_t n, m, d, t;
  double eps;
  double lambda, s, s_over_sqrt_ln_n;
  double yes_bound;            /* YES: max_i o_i >= e^{-lambda t} / (2n) */
  double no_bound;             /* NO: every o_i <= e^{-lambda t} / (4n) */
  double accuracy;             /* additive error below e^{-lambda t} / (8n) decides */
  double decide_at;            /* 3 e^{-lambda t} / (8n), the midpoint */
} fga_reduction_info;

/* Builds the attention instance (inst initialised by the caller; cleared
   first) and its thresholds.  inst->B = s, inst->Bv = 1.  */
int fga_reduce (fga_instance_ptr inst, fga_reduction_info *info, fga_hamming_srcptr h,
                fga_error *err);
/* dir/reduction.json, atomically (with tau "1/d").  */
int fga_reduction_write_info (const char *dir, const fga_reduction_info *info,
                              fga_error *err);
int fga_reduction_read_info (fga_reduction_info *info, const char *dir, fga_error *err);
/* Checks that inst has the shapes info calls for (2n x 2m, V 2n x 1).  */
int fga_reduction_check (fga_instance_srcptr inst, const fga_reduction_info *info,
                         fga_error *err);

typedef struct
{
  double max_o;                /* max over real queries of the output */
  size_t argmax;
  int yes;                     /* max_o > decide_at */
  double margin;               /* yes: max_o - decide_at; no: decide_at - max_o (>= 0) */
  double above_no;             /* max_o - no_bound */
  double below_yes;            /* yes_bound - max_o */
} fga_reduction_decision;
/* Decides from an output T (2n x 1) of any method run with tau = 1/d.  */
int fga_reduction_decide (fga_reduction_decision *dec, fga_mat_srcptr T,
                          const fga_reduction_info *info, fga_error *err);

/* The polynomial method's decision at every degree (src/reduction/reduction_degree.c,
   theory/lower-bound.md section 6).  For g = 0..gmax, the output that the
   method poly with this basis, R and deg = g computes in exact arithmetic:
   T = D~^{-1} A~ V with A~ = p_g(S) (lemma 3 of theory/upper-bound.md: the
   factorisation U1 U2^T equals p_g(S) exactly, so the factored method
   differs from this only by its rounding).  Scores of a reduced instance
   take at most d + 1 values s^2 c / d (c coinciding coordinates), so each
   row is a sum over c of a count times p_g(s^2 c / d): the scan costs
   O(n^2 d + n d gmax) and works at sizes where the method's
   r = C(d + g, d) features cannot be stored.  p_g is evaluated in MPFR at
   128 + 2 R log2(e) + log2(1 / accuracy) bits (the Chebyshev sum cancels
   down from e^R), the row sums at 192 bits: the relative error of each
   max_o is below 2^-150, far below the margins the decision looks at.  */
typedef struct
{
  fga_basis basis;
  double R;                    /* p_g approximates exp on [-R, R] */
  double max_score;            /* the largest score, rounded upward; <= R */
  long gmax;
  double max_o_exact;          /* max over real queries of o_i with exp itself */
  int yes_exact;               /* max_o_exact > decide_at */
  double *max_o;               /* gmax + 1 entries: max_i o_i with p_g (NaN: no answer) */
  int *verdict;                /* gmax + 1 entries: 1 YES, 0 NO, -1 no answer (some real
                                  query's row sum of p_g is <= 0) */
  unsigned char *dummy_fail;   /* gmax + 1 entries: 1 when a dummy query's row sum is <= 0
                                  (p_g(0) <= 0): the method itself, which checks every
                                  row, refuses the output; the decision reads only the
                                  real queries, so the verdict is still given */
} fga_reduction_scan;

void fga_reduction_scan_init (fga_reduction_scan *scan);
void fga_reduction_scan_clear (fga_reduction_scan *scan);
/* Refuses an instance that is not a reduction (entries of Q, K other than
   0 and one s > 0, V other than 0 and 1), R < max_score, and gmax outside
   0..FGA_EXPFIT_GMAX.  The Taylor basis ignores R beyond that check.  */
int fga_reduction_degree_scan (fga_reduction_scan *scan, fga_instance_srcptr inst,
                               const fga_reduction_info *info, fga_basis basis, double R,
                               long gmax, fga_error *err);
/* The least g <= gmax from which every degree up to gmax answers `yes';
   -1 if none (not even gmax).  */
long fga_reduction_scan_stable (const fga_reduction_scan *scan, int yes);

/* The hardness experiment (src/reduction/hardness.c, `fgattn hardness CONFIG',
   experiments/hardness.conf): for each n and seed, a YES and a NO gap
   Hamming instance, reduced, and the least degree of the polynomial method
   that decides it, with r = C(d + g, d).  The configuration, one section:
     [hardness]
     n = 32, 64, 128         sizes of the Hamming instance (attention: 2n rows)
     m = 6 log2 n            dimension: an integer, or C log2 n meaning ceil (C log2 n)
     t = m / 8               threshold: an integer, or m / K meaning max (1, floor (m / K))
     gap = 1                 the gap eps > 0
     seeds = 1, 2, 3         (or a range 1-3)
     basis = cheb            cheb | taylor
     R = auto                auto: the method's radius from the data (Cauchy-Schwarz);
                             max: the largest score (an oracle-tight interval)
     gmax = 2000             the scan stops at the certified degree or at gmax
   Lines are `key = value'; `#' and `;' start comments.  */
#define FGA_HARDNESS_MAX 64
typedef struct
{
  size_t n[FGA_HARDNESS_MAX], nn;
  size_t m_fixed;              /* m, or 0 for ceil (m_coef log2 n) */
  double m_coef;
  size_t t_fixed;              /* t, or 0 for max (1, floor (m / t_div)) */
  double t_div;
  double gap;
  unsigned long seeds[FGA_HARDNESS_MAX];
  size_t nseeds;
  fga_basis basis;
  int R_max;                   /* 0: R = auto, 1: R = the largest score */
  long gmax;
  char *text;                  /* the file as read (recorded in hardness.json); owned */
} fga_hardness_config;

/* Reads and validates; messages name the file and line.  */
int fga_hardness_config_read (fga_hardness_config *cfg, const char *path, fga_error *err);
void fga_hardness_config_clear (fga_hardness_config *cfg);
size_t fgap_hardness_m_of (const fga_hardness_config *cfg, size_t n);
size_t fgap_hardness_t_of (const fga_hardness_config *cfg, size_t m);

typedef void (*fga_hardness_progress_fn) (size_t done, size_t total, size_t n,
                                          unsigned long seed, void *data);
/* Runs the grid and writes, atomically, into outdir (made when missing):
   instances.csv (a row per instance), degrees.csv (a row per instance and
   degree scanned), summary.md (per n: the least degree deciding every
   instance, r, the certified degree, and fits against n) and hardness.json
   (fgattn version and the configuration).  A finished run is rewritten
   whole; an interrupted one leaves the previous files untouched.  */
int fga_hardness_run (const fga_hardness_config *cfg, const char *outdir,
                      fga_hardness_progress_fn progress, void *data, fga_error *err);

/* ------------------------------------------------------------------ */
/* The complexity analyzer (src/analyzer/analyzer.c; REFERENCES.md section 7).

   For a mechanism and its sizes: exact operation counts by kind in GMP
   (never overflowing, n = 10^12 included), equal for the mechanisms that
   fgattn runs to what their implementations record in fga_stats
   (tests/analyzer/t-analyzer.c checks it); the matrix-product MACs and the scores
   from which the FLOP conventions of the tools are derived; peak working
   memory under a stated model; minimum sequential steps, maximum path
   length and depth as a fan-in-2 circuit.  The library only computes:
   nothing is printed.  */

typedef enum
{
  FGA_AN_VANILLA,              /* exact, two passes (fgattn's exact:algo=naive); causal allowed */
  FGA_AN_STREAM,               /* exact, online softmax over key blocks (exact:algo=stream) */
  FGA_AN_WINDOW,               /* the method window (w, causal) */
  FGA_AN_STRIDED,              /* the method strided (l, causal) */
  FGA_AN_DILATED,              /* the method dilated (w, r, alpha, levels, head, causal) */
  FGA_AN_POLY,                 /* the method poly with degree g */
  FGA_AN_RF,                   /* the method rf (m, kind) */
  FGA_AN_NYSTROM,              /* the method nystrom with pinv=iter (m, iters, landmarks) */
  FGA_AN_MHA,                  /* multi-head: Q, K, V, O projections of d x d, heads of d / heads */
  FGA_AN_RECURRENT,            /* h_t = tanh (W h_{t-1} + U x_t), hidden size d */
  FGA_AN_CONV,                 /* convolution of kernel k, d channels in and out; separable option */
  FGA_AN_LINEAR,               /* kernelised linear attention, feature dimension m; causal as a scan */
  FGA_AN_FLASH,                /* FlashAttention's tiling for an on-chip memory of sram words */
  FGA_AN_FIXED,                /* the method fixed (l, c, causal) */
  FGA_AN_NMECH
} fga_an_mech;

typedef struct
{
  fga_an_mech mech;
  size_t nq, nk, d, dv;        /* nq = nk = n for the position-based mechanisms */
  int causal, lse;             /* lse: the log-sum-exp output asked for (as the methods' lse) */
  size_t heads;                /* mha: number of heads (divides d) */
  size_t block;                /* stream: keys per block, 0 for the kernel's 256 */
  size_t w, l, r, alpha, levels, head;   /* window, strided, dilated, fixed (fga_sparse_pattern) */
  size_t c;                    /* fixed: summary positions at the end of each block of l, 1..l */
  long g;                      /* poly: degree */
  size_t m;                    /* rf, nystrom, linear: features or landmarks */
  int rf_kind;                 /* fga_rf_kind */
  long iters;                  /* nystrom: iterations of the pseudo-inverse */
  int segment;                 /* nystrom: segment-mean landmarks */
  size_t k;                    /* conv: kernel width */
  int separable;               /* conv: depthwise then pointwise */
  size_t sram;                 /* flash: on-chip memory M in words (>= 4 d) */
} fga_an_spec;

typedef struct
{
  mpz_t ops[5];                /* mul, add, exp, div, cmp */
  mpz_t work;                  /* their sum */
  mpz_t macs;                  /* multiply-accumulates of the matrix products */
  mpz_t scores;                /* softmax entries (pairs scored); 0 when there is no softmax */
  mpz_t macs_dense, scores_dense;   /* the same without the causal mask */
  mpz_t mem_elems, mem_bytes;  /* peak working memory beyond the inputs and outputs */
  mpz_t steps;                 /* minimum sequential steps (Vaswani et al.'s column) */
  mpz_t path;                  /* maximum path length between two positions; 0 when there
                                  are no two, or when some position never reaches some
                                  other (window w = 0; fixed non-causal whose last block
                                  holds no summary position) */
  mpz_t depth;                 /* depth as a circuit of fan-in-2 operations */
  mpz_t traffic;               /* words moved between slow and fast memory (vanilla: the
                                  standard algorithm; flash: FlashAttention's); 0 if not modelled */
  const char *mem_model;       /* what mem_elems counts */
  const char *depth_model;     /* how depth was derived */
} fga_an_result;

/* Sets defaults: vanilla, sizes 0, heads 1, alpha 2, r 1, iters 6, k 3, sram 2^17, c 1.  */
void fga_an_spec_init (fga_an_spec *s);
const char *fga_an_mech_name (fga_an_mech m);
/* The mechanism named, or -1.  */
int fga_an_mech_parse (const char *name);
void fga_an_result_init (fga_an_result *res);
void fga_an_result_clear (fga_an_result *res);
/* Fills res (initialised); refuses bad sizes with a message.  */
int fga_an_analyze (fga_an_result *res, const fga_an_spec *s, fga_error *err);

/* FLOP conventions, derived from res: each names the tools or papers that
   use it.  halve: for a causal spec, 0 counts the exact masked work, 1
   halves the dense count (FlashAttention benchmarks, Megatron), 2 counts
   the dense work (tools that ignore the mask).  */
typedef enum
{
  FGA_FLOP_MACS,               /* MACs only: fvcore, ptflops */
  FGA_FLOP_FLOP2,              /* 2 per MAC, softmax 0: torch.utils.flop_counter, fvcore x2, PaLM */
  FGA_FLOP_SOFTMAX3,           /* 2 per MAC + 3 per score: Chinchilla (Hoffmann et al. 2022) */
  FGA_FLOP_SOFTMAX5,           /* 2 per MAC + 5 per score: LLM-Viewer */
  FGA_FLOP_ALL,                /* every operation of every kind once: fgattn's own counts */
  FGA_FLOP_NCONV
} fga_flop_conv;
const char *fga_flop_conv_name (fga_flop_conv c);
const char *fga_flop_conv_source (fga_flop_conv c);
int fga_flop_conv_parse (const char *name);
void fga_an_flops (mpz_ptr out, const fga_an_result *res, fga_flop_conv c, int halve);
/* Brent's bound T_p <= ceil (W / p) + D with W = res->work, D = res->depth.  */
void fga_an_brent (mpz_ptr out, const fga_an_result *res, mpz_srcptr p);

/* The rows of a paper's complexity table, as specs derived from base
   (its n, d, dv, and: vaswani's kernel base->k and neighbourhood
   base->w, the restricted attention's radius being w / 2; longnet's
   base->w as w_0 and base->alpha), each with the paper's asymptotic
   classes.  name is "vaswani" (Vaswani et al. 2017, Table 1) or "longnet"
   (Ding et al. 2023, Table 1).  Returns the number of rows written (at
   most max), 0 for an unknown name.  */
typedef struct
{
  fga_an_spec spec;
  const char *label, *complexity, *steps_class, *path_class;
} fga_an_row;
size_t fga_an_table (fga_an_row *rows, size_t max, const char *name, const fga_an_spec *base);

/* The online softmax as a reduction (`fgattn analyze --depth'): each score
   becomes a state (m, l, o) = (s_j, 1, v_j) at the depth S = c(d) + 2 of a
   score; two states merge in 5 levels (max; subtract and exp; multiply;
   add); chunks of `chunk' keys (0: all nk) are reduced as trees, in
   parallel, and the chunks' states merged in sequence, then one division:
     depth = S + 5 c(min (chunk, nk)) + 5 (ceil (nk / chunk) - 1) + 1,
   with c(x) = ceil (log2 x).  mem: the states alive at once over all nq
   queries, nq (min (chunk, nk) + [chunk < nk]) (dv + 2) elements.  */
void fga_an_online_tree (mpz_ptr depth, mpz_ptr mem, size_t nq, size_t nk, size_t d,
                         size_t dv, size_t chunk);

/* ------------------------------------------------------------------ */
/* Scaling in n (src/experiments/scaling.c; `fgattn scaling').

   Power laws.  For points (n_i, y_i) with n_i > 0 and y_i > 0 the fit is
   the least-squares line of ln y on ln n, ln y ~ b + a ln n, that is
   y ~ e^b n^a.  With e_i = ln y_i - b - a ln n_i the residuals in log:
   max_resid = max_i |e_i| (the worst point is off the fitted law by a
   factor e^max_resid) and r2 = 1 - sum e_i^2 / sum (ln y_i - mean ln y)^2
   (1 when every y_i is the same).  Accuracy: for an exact power law, with
   u = 2^-53, x_i = ln n_i, S = sum_i (x_i - mean x)^2 and
   W = sum_i |x_i - mean x| / S,
     |error of a| <= 2 u (max_i |ln y_i| + |a| max_i |x_i|) W + (2 k + 4) u |a|
   to first order (src/experiments/scaling.c derives it; b adds |mean x| times that).  */

typedef struct
{
  double exponent;             /* a */
  double intercept;            /* b = ln c of y ~ c n^a */
  double r2;                   /* coefficient of determination, in log-log */
  double max_resid;            /* max_i |e_i| */
  size_t points;               /* the points that entered the fit */
} fga_fit;

/* Skip points whose n or y is not positive and finite, instead of refusing them. */
#define FGA_FIT_SKIP 1u

/* Fills fit (every field NaN and points 0 on failure).  FGA_ERR_INPUT,
   naming the point, for a value that is not positive and finite (unless
   FGA_FIT_SKIP), for fewer than two (usable) points, and when every n is
   the same.  */
int fga_fit_power (fga_fit *fit, const double *n, const double *y, size_t k, unsigned flags,
                   fga_error *err);

/* The mechanisms of the analyzer that fgattn runs, with the method that
   runs each (its counts equal the analyzer's) and the asymptotic exponent
   in n of its work W (the sum of the five operation counts) for fixed d,
   dv and fixed parameters of the mechanism:
     vanilla   exact:algo=naive                          2    O(n^2 d)
     stream    exact:algo=stream,block=B                 2    O(n^2 d)
     window    window:w=W,causal=0|1                     1    O(w n d)
     strided   strided:l=L,causal=0|1  l = 0 (sqrt n):   1.5  O(n sqrt(n) d)
                                       l fixed:          2    O(n^2 d / l)
     fixed     fixed:l=L,c=C,causal=0|1
                                       l = 0 (sqrt n):   1.5  O(c n sqrt(n) d)
                                       l fixed:          2    O(c n^2 d / l)
     dilated   dilated:w=W,r=R,alpha=A,levels=K,head=H,causal=0|1
                                                         1    O(n d w / r^2)
     poly      poly:deg=G                                1    O(n r dv), r = C(d+g, d)
     rf        rf:m=M,kind=pos|hyp|trig                  1    O(n m (d + dv))
     nystrom   nystrom:m=M,pinv=iter,iters=I,landmarks=uniform|segment
                                                         1    O(n m (d + dv) + iters m^3)
   The pair counts of src/methods/window.c, strided.c, fixed.c and dilated.c give
   them: window n (2w + 1) - w (w + 1); strided n^2 / l + 2 n l and fixed
   c n^2 / l + n (l - c), each up to O(n) (causal: about half); dilated
   about n sum_k w_k / r_k^2 <= n w alpha / ((alpha - 1) r^2) for any number
   of levels (the geometric schedule, levels = 0, included: its top segment
   holds the whole sequence at a dilation that keeps about w / r of it).  */
typedef struct
{
  char spec[256];              /* the method string, every parameter that matters given */
  double exponent;             /* the asymptotic exponent of W in n */
  const char *work_class;      /* the class, e.g. "O(n^2 d)"; static storage */
} fga_scaling_mech;

/* FGA_ERR_INPUT for a mechanism fgattn does not run (mha, recurrent, conv,
   linear, flash: the message names those it can time), for causal where
   the method has no causal form, and for poly with g = 0 (the method's
   deg=0 chooses the degree from the data).  s->lse is not part of a spec:
   a caller that sets it passes an lse buffer to fga_method_run.  */
int fga_scaling_mech_from_spec (fga_scaling_mech *sm, const fga_an_spec *s, fga_error *err);

/* Refuses (FGA_ERR_INPUT, naming the parameter and the least n that
   works) an n at which the mechanism of s cannot run or is not the
   mechanism any more but exact attention under another name: window with
   n <= w + 1, strided and fixed with a fixed l >= n, strided with l = 1,
   fixed with c = l (l as resolved at n), dilated with n <= w or a pattern
   that leaves a query out, nystrom with n <= m.  Also refuses what the
   analyzer refuses at nq = nk = n.  s->nq and s->nk are ignored.  */
int fga_scaling_check_n (const fga_an_spec *s, size_t n, fga_error *err);

/* An estimate of the bytes one run at nq = nk = n needs: Q, K, V and the
   output T (exact) and the method's working memory: the analyzer's model
   (per thread, times threads, for stream and the sparse mechanisms),
   except vanilla, whose model materialises S while exact:algo=naive holds
   one row per thread (nk + dv doubles), and poly, whose model holds the
   whole feature matrices while the method works in blocks and refuses
   more than its budget (2^30 bytes) itself.  Threads: as many as the
   kernels may use (fga_max_threads).  */
int fga_scaling_bytes (double *bytes, const fga_an_spec *s, size_t n, fga_error *err);

#ifdef __cplusplus
}
#endif

#endif /* FGATTN_H */
