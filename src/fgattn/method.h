/* fgattn/method.h -- the method interface: create, prepare, run, destroy, and the registry

Copyright 2026 the fgattn authors.

This file is part of fgattn.  fgattn is free software: you can redistribute
it and/or modify it under the terms of the GNU General Public License as
published by the Free Software Foundation, either version 3 of the License,
or (at your option) any later version.  See COPYING.  */

#ifndef FGATTN_METHOD_H
#define FGATTN_METHOD_H

#include "fgattn/core.h"
#include "fgattn/numerics.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Methods: an opaque object made from a spec string, prepared for a problem
   shape (all decisions and allocations that do not depend on the values),
   run any number of times (run does not change it), destroyed.  */


typedef struct fga_method_struct *fga_method;
/* A method that is only read: run and the accessors take it, so that "run
   does not change the method" is in the signature (FFTW's execute).  */
typedef const struct fga_method_struct *fga_method_srcptr;

/* spec is "name" or "name:key=value,key=value".  Unknown names and keys,
   malformed or out-of-range values are refused with a message naming them.  */
fga_method fga_method_create (const char *spec, fga_error *err);
int fga_method_prepare (fga_method m, const fga_problem *prob, fga_error *err);
/* T must be nq x dv; lse, if not NULL, receives nq values.  stats may be NULL. */
int fga_method_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q,
                    fga_mat_srcptr K, fga_mat_srcptr V, fga_stats *stats, fga_error *err);
/* fga_method_run, reporting its progress to progress (NULL: none), with
   the contract of fgattn/numerics.h: called from the calling thread, with
   non-decreasing fractions of the predicted work, ending with 1 when the
   run succeeds.  poly (both arith), exact:algo=naive and exact:algo=mpfr
   report per block of features or of rows as they go; every other method
   reports only the final 1.  Outputs, counts and figures are bit for bit
   those of fga_method_run.  */
int fga_method_run_progress (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q,
                             fga_mat_srcptr K, fga_mat_srcptr V, fga_stats *stats,
                             const fga_progress *progress, fga_error *err);
/* A prediction of one run of the prepared m (with lse when lse != 0),
   before running it, so that a long one can be announced:
     ops      the operations it will perform, the five kinds summed: the
              counts its stats will record (the class's count hook, or for
              poly with deg=0 the degree prepare chose); for exact:algo=mpfr
              those of the naive kernel, which the truth's rows perform at
              the working precision (a row raised by Ziv's loop costs more)
     prec     53 for double arithmetic, else the MPFR precision in bits
     threads  the threads the run will use
     seconds_alone  ops turned into time, divided by threads: in double at
              a fixed rate of 2e9 operations per second and thread (an exp
              or a div counting 10), about half what the naive kernel
              reaches on an idle core; in MPFR at the speeds of mpfr_mul
              and mpfr_add over arrays (a dot product), mpfr_exp and
              mpfr_div at prec bits, measured on this machine in CPU time
              (a few ms of calibration, the best of three trials); for
              exact:algo=mpfr by timing the truth itself on a sample row
              (about 50 ms of CPU at 128 bits)
     load     the 1-minute load average (getloadavg; 0 when unknown)
     seconds  seconds_alone at that load: times f = (load + threads) / N
              on N processors, when above 1 (each thread then gets about
              1 / f of a processor); for poly, whose threads meet at a
              barrier per block of features, times f threads (they then
              seldom run at once, and each block waits for the slowest)
   A prediction, not a bound: a run can take several times longer (its
   memory traffic, other work starting meanwhile).
   FGA_ERR_INPUT (with a message) when m is not prepared, or when its work
   is not known in advance (a class without a count hook: svd, tsketch,
   ext, user methods; or one whose hook refuses the parameters, as
   nystrom's does pinv=svd).  */
typedef struct
{
  double ops;
  long prec;
  int threads;
  double seconds_alone, load, seconds;
} fga_method_prediction;

int fga_method_predict (fga_method_prediction *pred, fga_method_srcptr m, int lse,
                        fga_error *err);
void fga_method_destroy (fga_method m);
/* The spec with every parameter spelled out (defaults included).  Owned by m. */
const char *fga_method_spec (fga_method_srcptr m);

/* Threads.  Distinct method objects, of any classes, may be created,
   prepared, run and destroyed from several threads at once (a sweep does
   so with --jobs): they share only read-only tables, and the FFTW plans
   of the library (tsketch's transforms, made in prepare and destroyed with
   the method, and the check of Chebyshev coefficients by FFT in
   src/numerics/cheb.c) are made and destroyed under one lock of the
   library, FFTW's planner not being thread-safe.  A program that calls FFTW's planner itself from other
   threads meanwhile must make it safe too (fftw_make_planner_thread_safe).

   One object: prepare and destroy change it, and no other call on it may
   overlap them.  run does not change it: a prepared object may be run
   from several threads at once, each call with its own T, lse and stats,
   for every class.  exact (naive, stream, blas, mpfr), poly (arith=double
   and mpfr), tsketch, rf, nystrom, svd, window, strided, fixed and dilated
   allocate their scratch space in each run and keep none in the object;
   tsketch executes its plans with FFTW's new-array functions, which are
   thread-safe on a shared plan; the random draws of rf, nystrom and
   tsketch happen in prepare; MPFR's exponent range and flags are per
   thread and restored.  Each run also uses OpenMP threads of its own (one
   inside another active parallel region, as the sweep's cells are); blas,
   poly, tsketch and rf hold OpenBLAS at one thread meanwhile (a count
   shared by all runs), and svd and nystrom call LAPACK as it is, relying
   on the BLAS library's own thread safety (OpenBLAS built with threads
   has it).  ext makes a folder and starts a process of its own in each
   run, and waits for that process only; a user method calls the
   program's function, which must then be thread-safe (below).  */

/* The registry, for listing.  */
/* STRING: text taken verbatim (ext's cmd).  Its value runs to the end of
   the spec, or to the first comma that is followed by another parameter's
   key and '=' (",timeout=" in ext), so that it may hold commas; min and max
   are unused (0) and def is its default text ("": none).  */
typedef enum
{
  FGA_PARAM_INT, FGA_PARAM_REAL, FGA_PARAM_CHOICE, FGA_PARAM_STRING
} fga_param_type;

typedef struct
{
  const char *key;
  fga_param_type type;
  const char *def;             /* default, as text */
  double min, max;             /* inclusive range for INT and REAL (0 for STRING) */
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
                    how the landmarks are drawn.
   ext:timeout=S,size=N,cmd=COMMAND
                    an external program, run once per fga_method_run: Q, K
                    and V are written as float64 NPY files into a private
                    folder (mkdtemp under $TMPDIR, else /tmp; mode 0700),
                    COMMAND is run by /bin/sh -c with {Q}, {K}, {V} and {out}
                    replaced by those files' shell-quoted paths and {size} by
                    N, and the NPY file it writes at {out} (nq x dv, or (nq,)
                    when dv = 1; float64, or what fga_npy_read accepts) is the
                    result.  cmd is a STRING parameter: it may hold commas,
                    and runs to the end of the spec or to a ",timeout=",
                    ",size=" or ",cmd=" (write ",''size=" in the command for
                    that text).  It must contain {out}; an empty cmd is
                    refused at prepare.  The environment adds FGATTN_TAU
                    (%.17g: it reads back as the exact double), FGATTN_N
                    (nq), FGATTN_NK, FGATTN_D, FGATTN_DV and FGATTN_SIZE.
                    Standard input is /dev/null, standard output and error go
                    to files of the folder (the library prints nothing).
                    The command runs in a process group of its own, killed
                    (SIGKILL) after S seconds, and when the command ends, so
                    that nothing it started outlives the run.  A timeout, an
                    exit status other than 0, a signal, and an output that is
                    missing, malformed, of the wrong shape or not finite are
                    FGA_ERR_COMPUTE, the message giving the exit status and
                    the last 400 bytes of the command's standard error; a
                    failure to make or write the folder is FGA_ERR_IO.  The
                    folder and everything in it are removed in every case
                    (but not if the process itself is killed meanwhile).
                    lse is refused.  Stats: cmd_seconds (the command's wall
                    time; wall_seconds adds the file transfers); the
                    operation counts are 0 (unknown: stats.notes says so).
                    Thread-safe: no global state, no signal handler (the
                    program must not ignore SIGCHLD, or the exit status is
                    lost: FGA_ERR_IO).  */

/* ------------------------------------------------------------------ */
/* User methods: a function of the program registered under a name, so that
   the spec "NAME" or "NAME:KEY=S" (KEY the size key given at registration)
   makes a method wherever a spec is taken: fga_method_create, and a sweep's
   [method X] with spec = NAME and size = KEY (the sweep then searches the
   least size S).  The registry is process-wide: at most
   FGA_USER_METHODS_MAX names at once, guarded by a mutex.

   fn computes out = attention (Q, K, V) by its own means.  All arrays are
   row-major and C-contiguous, with no stride: out is n_q x d_v, Q n_q x d,
   K n_k x d, V n_k x d_v (the caller's fga_mat data, passed without a
   copy).  Q, K and V must not be written.  out is filled with NaN before
   the call: every entry must be written, and each must be finite (else
   FGA_ERR_COMPUTE naming the entry).  tau is the score scale as a double,
   size the value of the size key (0 when not given or when the method has
   none), data the pointer given at registration.  lse is refused
   (FGA_ERR_INPUT), and the operation counts are 0 (unknown), as for ext.
   fn returns 0 on success;
   any other value makes the run FGA_ERR_COMPUTE with the message "method
   NAME: " followed by what fn wrote into msg (msgsize bytes, NUL
   terminated; left empty, the message gives the returned value).  In a
   sweep such a run is a row with status failed and the message in its
   message column; the sweep goes on.

   Threads: fn may be called from several threads at once (a sweep with
   --jobs > 1 runs cells in parallel; one method object may be run from
   several threads), each call with its own out; it must be thread-safe
   for data too.  The registry's lock is not held during the call, so fn
   may itself use the library (e.g. run another method).

   fga_method_register_user: name is [a-z][a-z0-9_]*, at most 31
   characters, neither a built-in method (fgattn methods) nor a name
   registered already; size_key NULL or "" for no size parameter, else
   [a-z][a-z0-9_]*, at most 31 characters (an integer parameter from 0 to
   2^53, default 0); fn not NULL.  FGA_ERR_INPUT otherwise, or when
   FGA_USER_METHODS_MAX names are registered.
   fga_method_unregister_user: removes name.  FGA_ERR_INPUT when it is not
   registered, or while method objects made from it exist (destroy them
   first): after it returns FGA_OK, fn is never called again for that
   registration, so data may be freed.  The user methods are not listed by
   fga_method_count / fga_method_info_at (the built-in registry).  */

#define FGA_USER_METHODS_MAX 64

typedef int (*fga_user_method_fn) (double *out, const double *Q, const double *K,
                                   const double *V, size_t n_q, size_t n_k, size_t d,
                                   size_t d_v, double tau, long size, void *data, char *msg,
                                   size_t msgsize);

int fga_method_register_user (const char *name, const char *size_key, fga_user_method_fn fn,
                              void *data, fga_error *err);
int fga_method_unregister_user (const char *name, fga_error *err);

/* The empirical least degree of the polynomial method on an instance: the
   least g in [1, gmax] at which the output of poly:deg=g,basis=BASIS,R=R,
   in exact arithmetic (T_i = sum_j p_g (s_ij) v_j / sum_j p_g (s_ij) with
   the method's own polynomial p_g, computed without its C(d+g, d)
   features), is within eps of truth in every entry (max-abs <= eps), a
   row sum <= 0 (which poly refuses) counting as not within eps.  The
   method has no degree 0 (deg=0 asks it to choose): the search starts at
   1.  Doubling then bisection, assuming the error decreases with g: the g
   returned reaches eps and g - 1 does not (or g = 1).  No degree up to
   gmax reaching eps: *censored = 1 and *g = gmax (the least degree is
   above); else *censored = 0.  *max_abs (may be NULL) gets the max-abs
   error at *g of the output rounded to double (that of the exact output
   differs by at most 2^-20 max_abs and the rounding); Inf when a row sum
   is <= 0.  Each row is evaluated in double, double-double or MPFR as its
   rigorous error bound needs (src/methods/poly_degree.c;
   FGATTN_POLY_TIER=dd|mpfr in the environment starts every row at that
   tier); a row that only the final rounding of its output could carry
   across eps is decided on that double output.  O(nq nk (d + g + dv)) per
   degree, on the library's threads.
   Refused (FGA_ERR_INPUT): shapes that disagree, non-finite entries, tau
   not positive and finite, R outside [0, 1024] (below 2^-30 it is raised
   to 2^-30, as poly does), eps not positive and finite, gmax outside
   [1, 10000], and data whose scores may leave [-R, R] (the Cauchy-Schwarz
   radius fga_score_radius above R), as poly refuses them.  */
int fga_poly_least_degree (long *g, int *censored, double *max_abs, fga_mat_srcptr Q,
                           fga_mat_srcptr K, fga_mat_srcptr V, fga_mat_srcptr truth, double tau,
                           fga_basis basis, double R, double eps, long gmax, fga_error *err);

#ifdef __cplusplus
}
#endif

#endif /* FGATTN_METHOD_H */
