/* method-impl.h -- the method classes, their parameters, and internals of rf, nystrom and tsketch */

#ifndef FGA_METHOD_IMPL_H
#define FGA_METHOD_IMPL_H

/* ------------------------------------------------------------------ */
/* Methods.  A method class is one file, src/methods/NAME.c, defining
     const fgap_method_class fgap_method_NAME = { .info = ..., .run = ..., ... };
   with designated initialisers, and one line FGA_METHOD (NAME) in
   methods/list.h, which declares it below and registers it in method.c
   (README.md, "Adding a method").  */

#define FGA_MAX_PARAMS 16

/* What a class's predict hook says of a run besides its operations (the
   caller sets the defaults: 53, fgap_max_threads (), 0, -1).  */
typedef struct fgap_predict_info
{
  long prec;                   /* 53: double arithmetic; else MPFR's precision */
  int threads;                 /* the threads the run uses */
  int lockstep;                /* whether they meet at a barrier per block of work, so
                                  that on a machine with more work than processors
                                  they add no speed */
  double seconds;              /* >= 0: the run's CPU seconds on one thread, timed
                                  on a sample of its own work; -1: from the rates */
} fgap_predict_info;

typedef struct fga_method_class
{
  fga_method_info info;        /* name, one-line description, parameters */
  /* Checks the parameter combination; may allocate state.  May be NULL.  */
  int (*create) (fga_method m, fga_error *err);
  /* Every decision and allocation that depends on the shape, not on the
     values.  May be NULL.  */
  int (*prepare) (fga_method m, const fga_problem *prob, fga_error *err);
  /* One run on the prepared m: fills T (and lse, if not NULL) and st's
     counts and figures.  Does not change m (FFTW's rule for execute).  */
  int (*run) (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q,
              fga_mat_srcptr K, fga_mat_srcptr V, fga_stats *st, fga_error *err);
  /* Frees what create and prepare allocated.  May be NULL.  */
  void (*destroy) (fga_method m);
  /* The operation counts ops[0..4] = mul, add, exp, div, cmp (set, not
     added to) that run records in its stats on a problem of prob's shape
     (nq, nk, d, dv; lse asked for when lse != 0), for m created but not
     necessarily prepared, at any size (n = 10^12 included: no allocation
     in n).  FGA_ERR_INPUT, with a message, when the parameters or the shape
     are refused (as prepare or run would) or when the counts depend on the
     data (e.g. poly with deg=0).  May be NULL: then the analyzer and
     fgattn scaling do not offer the method (tests/methods/t-registry.c
     holds every hook equal to what run records).  */
  int (*count) (mpz_t ops[5], fga_method_srcptr m, const fga_problem *prob, int lse,
                fga_error *err);
  /* run, calling pr->fn as the work goes when pr is not NULL (the
     contract of fga_progress, fgattn/numerics.h; the final call with 1 is
     fga_method_run_progress's), with results bit for bit those of run.
     May be NULL: the method then reports only the final 1.  A class
     with it defines run as run_progress with pr = NULL.  */
  int (*run_progress) (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q,
                       fga_mat_srcptr K, fga_mat_srcptr V, fga_stats *st,
                       const fga_progress *pr, fga_error *err);
  /* For m prepared: the operations ops[0..4] (mul, add, exp, div, cmp;
     set, initialised by the caller) one run on m->prob performs, and what
     turns them into time (fgap_predict_info).  May be NULL: then the
     count hook on m->prob, in double, on fgap_max_threads () threads
     (fga_method_predict).  */
  int (*predict) (mpz_t ops[5], struct fgap_predict_info *pi, fga_method_srcptr m, int lse,
                  fga_error *err);
} fgap_method_class;

/* The longest value of a STRING parameter, in bytes; with it the spec
   still fits (FGA_MAX_PARAMS numbers beside it take far less).  */
#define FGAP_TEXT_MAX 1024

struct fga_method_struct
{
  const fgap_method_class *cls;
  double value[FGA_MAX_PARAMS];     /* INT and REAL values; CHOICE: index into choices */
  char *text[FGA_MAX_PARAMS];       /* STRING values (allocated), NULL for the others */
  int given[FGA_MAX_PARAMS];        /* whether the user gave the key */
  fga_problem prob;
  int prepared;
  char spec[2 * FGAP_TEXT_MAX];
  void *state;                      /* the class's own; freed by its destroy */
};

long fgap_param_int (fga_method_srcptr m, const char *key);
double fgap_param_real (fga_method_srcptr m, const char *key);
/* Index of the chosen value among the choices "a|b|c". */
int fgap_param_choice (fga_method_srcptr m, const char *key);
int fgap_param_given (fga_method_srcptr m, const char *key);
/* For a REAL parameter that also accepts words: the index of the word
   given, or -1 when the value is a number (read it with fgap_param_real). */
int fgap_param_word (fga_method_srcptr m, const char *key);
/* The text of a STRING parameter ("" when empty).  */
const char *fgap_param_text (fga_method_srcptr m, const char *key);

/* The registry, for the layers above (the analyzer finds the methods it can
   count here): class i in the order of methods/list.h, or NULL past the
   end; the class named by the len bytes of name, or NULL.  */
const fgap_method_class *fgap_method_class_at (size_t i);
const fgap_method_class *fgap_method_class_find (const char *name, size_t len);
/* Whether cls has a parameter named key.  */
int fgap_method_class_has_param (const fgap_method_class *cls, const char *key);

/* User methods (src/methods/user.c; fga_method_register_user).  Their
   classes are not in the registry above: fga_method_create finds one by
   acquire, which counts the method object made from it (so that the name
   cannot be unregistered, nor its class reused, while the object lives),
   and release uncounts it (nothing for a class that is not a user one).
   names writes the registered names, ", "-separated, into buf.  */
const fgap_method_class *fgap_user_class_acquire (const char *name, size_t len);
void fgap_user_class_release (const fgap_method_class *cls);
void fgap_user_names (char *buf, size_t size);

/* For methods run outside the library (ext, user methods): the counts are
   left 0 and a note says they are unknown; peak_bytes is set to bytes.  */
void fgap_stats_uncounted (fga_stats *st, size_t bytes);

/* ops = the counts of one run of m on a problem of prob's shape, by m's
   count hook (ops initialised by the caller).  FGA_ERR_INPUT when the
   class has no hook, when a size is 0, or when the hook refuses.  */
int fgap_method_ops (mpz_t ops[5], fga_method_srcptr m, const fga_problem *prob, int lse,
                     fga_error *err);

/* The CPU seconds of the calling thread: what a calibration of
   fga_method_predict times, so that the other processes of a loaded
   machine, which its load factor counts, are not counted twice.  */
double fgap_thread_seconds (void);

/* For count hooks: r = a b c and r += a b c, exact whatever the sizes.  */
void fgap_zmul3 (mpz_ptr r, size_t a, size_t b, size_t c);
void fgap_zaddmul3 (mpz_ptr r, size_t a, size_t b, size_t c);

/* Prepare, destroy and count hook of the sparse classes (window, strided,
   dilated, fixed): p is the class's pattern for n = prob->nq.  */
int fgap_sparse_method_prepare (fga_method m, const fga_problem *prob, fga_sparse_pattern p,
                               fga_error *err);
void fgap_sparse_method_destroy (fga_method m);
int fgap_sparse_method_count (mpz_t ops[5], fga_method_srcptr m, const fga_problem *prob,
                              fga_sparse_pattern p, int lse, fga_error *err);

/* The counts of the exact kernels, the formulas at the top of
   src/kernels/attention_naive.c (blas: the same) and attention_stream.c,
   for nq x nk scores, block keys per block of stream (0: its 256).  The
   count hook of exact:algo=naive|stream|blas, shared with the analyzer
   (flash is stream's tiling).  */
void fgap_exact_naive_count (mpz_t ops[5], size_t nq, size_t nk, size_t d, size_t dv, int lse);
void fgap_exact_stream_count (mpz_t ops[5], size_t nq, size_t nk, size_t d, size_t dv,
                              size_t block, int lse);

/* The classes, defined one per file and listed in methods/list.h.  */
#define FGA_METHOD(name) extern const fgap_method_class fgap_method_##name;
#include "methods/list.h"
#undef FGA_METHOD

/* ------------------------------------------------------------------ */
/* Random features (the method rf; the formulas are in fgattn/numerics.h).  */

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

/* Pseudo-inverses of A (a x b) into Z (b x a, allocated by the caller).
   _svd: by fga_mat_svd on a copy of A, the singular values <= rcond sigma_1
   dropped (rcond < 0: max (a, b) 2^-52); *rank (if not NULL) gets the
   number kept.  _iter: Xiong et al.'s iteration
     Z_0 = A^T / (||A||_1 ||A||_inf),  Z <- Z (13 I - A Z (15 I - A Z (7 I - A Z))) / 4,
   iters times (theory/transition.md, lemma 5): third-order convergence to A^+
   once a singular value has grown into reach (src/methods/nystrom.c explains how
   fast).  Both fill st's counts (exact, LAPACK's excepted: lapack_flops
   estimates them for _svd) and peak_bytes.  */
int fgap_pinv_svd (fga_mat_ptr Z, size_t *rank, fga_mat_srcptr A, double rcond, fga_stats *st,
                  fga_error *err);
int fgap_pinv_iter (fga_mat_ptr Z, fga_mat_srcptr A, long iters, fga_stats *st,
                   fga_error *err);

/* ------------------------------------------------------------------ */
/* TensorSketch (Pham and Pagh 2013; theory/transition.md, lemma 4).

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
size_t fgap_tsketch_dim (fga_method_srcptr m);

/* The feature row of the d-vector x for a prepared tsketch method: Phi(x)
   when query is nonzero, Psi(x) otherwise (fgap_tsketch_dim (m) entries,
   allocated by the caller); the rows the method multiplies, computed by the
   same code.  Thread-safe.  */
int fgap_tsketch_phi (double *phi, fga_method_srcptr m, const double *x, int query,
                     fga_error *err);


#endif /* FGA_METHOD_IMPL_H */
