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
   has it).  */

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
