/* fgattn/numerics.h -- metrics, exact kernels, exp approximations, sparse supports, low rank, power-law fits (double only)

Copyright 2026 the fgattn authors.

This file is part of fgattn.  fgattn is free software: you can redistribute
it and/or modify it under the terms of the GNU General Public License as
published by the Free Software Foundation, either version 3 of the License,
or (at your option) any later version.  See COPYING.  */

#ifndef FGATTN_NUMERICS_H
#define FGATTN_NUMERICS_H

#include "fgattn/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Progress of long computations: the certified truth (fga_truth, through
   fga_truth_set_progress below) and the methods that take long
   (fga_method_run_progress, fgattn/method.h).  The library prints
   nothing; a program shows the fractions as it likes.

   fn (fraction, data) is called from the thread that started the
   computation (never from two threads at once), with the fraction of the
   predicted work done: in [0, 1] and non-decreasing, so that it may be
   shown as it is, and an ETA drawn from it.  A computation that succeeds
   ends with a call with exactly 1; one that fails may stop before.  Calls
   come as the work goes (per block of rows or of features, about a
   thousand per run at most), and fn should be cheap: compare the clock
   with its last draw, as the program does.  fn must not call the computation
   back.  A progress changes no number: without one (NULL) the results,
   counts included, are bit for bit the same, and the only cost left is a
   test of the pointer per block.  */
typedef void (*fga_progress_fn) (double fraction, void *data);

typedef struct
{
  fga_progress_fn fn;          /* NULL: no progress */
  void *data;                  /* passed to fn */
} fga_progress;

/* The progress of the fga_truth calls the calling thread makes from now on
   (p NULL or p->fn NULL: none); fga_truth_opts has no member for it.  The
   setting is the thread's own, like MPFR's exponent range: other threads,
   a sweep's among them, are not reported.  Returns the setting it
   replaces, to be put back when done.  */
fga_progress fga_truth_set_progress (const fga_progress *p);

/* ------------------------------------------------------------------ */
/* Error metrics of an approximation T against the truth Att
   (src/numerics/metrics.c states the accuracy of each; theory/conventions.md
   section 7 defines them).  */

typedef struct
{
  double max_abs;              /* max_ij |T_ij - Att_ij| */
  double rel_fro;              /* ||T - Att||_F / ||Att||_F (0 when both are 0, Inf when only Att is) */
  double mean_abs;             /* mean_ij |T_ij - Att_ij| */
  double max_ulps;             /* max of fga_ulp_distance (T_ij, Att_ij) over the entries where
                                  both are zero (either sign) or both nonzero of the same sign;
                                  NaN when there is none but some were left out */
  size_t ulps_over;            /* the entries max_ulps is taken over */
  size_t ulps_left_out;        /* the others: opposite signs, or one zero and not the other
                                  (across zero the count of doubles between two numbers is in
                                  the 10^18, whatever their distance) */
  size_t rows, cols;
} fga_metrics;

/* Entries NaN or infinite in either matrix make max_abs, rel_fro,
   mean_abs and max_ulps +Inf.  FGA_ERR_INPUT when the shapes differ.  */
int fga_metrics_compute (fga_metrics *mt, fga_mat_srcptr truth, fga_mat_srcptr approx, fga_error *err);
/* The number of doubles strictly between a and b, plus one if they differ
   (0 when equal, 1 for neighbours; +0 and -0 are equal, and the count runs
   across zero); +Inf if either is NaN.  */
double fga_ulp_distance (double a, double b);

/* Tolerances in the manner of numpy.testing.assert_allclose.  An entry
   T_ij with truth Att_ij passes when it passes every criterion in use:
     use_bound: |T_ij - Att_ij| <= atol + rtol |Att_ij|, decided exactly
                for the doubles atol and rtol (no rounding can flip it);
     use_ulps:  fga_ulp_distance (T_ij, Att_ij) <= max_ulps, counted
                across zero as that function counts.
   An entry NaN or infinite in either matrix never passes.  */
typedef struct
{
  int use_bound;
  double atol, rtol;           /* finite, >= 0 */
  int use_ulps;
  uint64_t max_ulps;
} fga_tolerance;

typedef struct
{
  size_t entries;              /* rows cols */
  size_t failing;              /* entries that do not pass */
  /* The worst failing entry (when failing > 0): a non-finite one first;
     with ulps the only criterion, the most ulps; otherwise the largest
     ratio of its error to the bound it misses (an estimate, for the
     ranking only), then the largest error; the first in row-major order
     among equals.  row and col count from 0.  */
  size_t row, col;
  double value, truth;         /* T_ij and Att_ij */
  int nonfinite;               /* value or truth is NaN or infinite */
  double error;                /* |T_ij - Att_ij| rounded upward (NaN when either is NaN,
                                  +Inf when infinite) */
  double bound;                /* atol + rtol |Att_ij| rounded downward (NaN without
                                  use_bound or when Att_ij is not finite) */
  uint64_t ulps;               /* fga_ulp_distance, exactly (UINT64_MAX when not finite) */
  int fails_bound, fails_ulps; /* which criteria in use it misses */
} fga_tolerance_report;

/* Checks every entry; r is filled, failing or not.  FGA_ERR_INPUT when the
   shapes differ, or atol or rtol (in use) is negative or not finite.  */
int fga_metrics_check (fga_tolerance_report *r, fga_mat_srcptr truth, fga_mat_srcptr approx,
                       const fga_tolerance *tol, fga_error *err);

/* ------------------------------------------------------------------ */
/* Exact attention in double, the kernels behind exact:algo=naive|stream|blas.
   T (nq x dv) must be allocated by the caller; lse (nq values) may be NULL.
   They fill the operation counts and peak_bytes of st (if not NULL) and do
   not touch its wall time.  Any finite Q, K and V are handled; an lse
   beyond the double range is refused (FGA_ERR_COMPUTE).  Rows of Q whose
   scores could overflow are divided by powers of two 2^k_i and their
   softmax taken from (s_ij - m_i) 2^k_i; a V with max|V| outside
   [2^-950, 2^950) is scaled by 2^-e and the output multiplied back: exact
   up to subnormal losses (src/kernels/attention-util.h), the copies counted
   in peak_bytes.  Only tau > 2^830 can ask a rescaling that would lose a
   row of Q to underflow: that row is refused.

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
/* Polynomial approximations of exp on [-R, R] (theory/exp-approximation.md).  */

typedef enum
{
  FGA_BASIS_TAYLOR,            /* sum_{k<=g} x^k / k!, the Taylor polynomial at 0 */
  FGA_BASIS_CHEB               /* I_0(R) + 2 sum_{1<=k<=g} I_k(R) T_k(x/R), the truncated
                                  Chebyshev series of exp on [-R, R] */
} fga_basis;

#define FGA_EXPFIT_RMAX 1024.0     /* the largest R accepted */
#define FGA_EXPFIT_GMAX 10000L     /* the largest degree accepted */
int fga_basis_parse (fga_basis *basis, const char *text, fga_error *err);
const char *fga_basis_name (fga_basis basis);

/* The least degree g in [0, gmax] whose certified bound (relative when
   relative != 0, else absolute) is <= eps, for eps in (0, 1); the bound is
   that of the polynomial with exact coefficients (fga_expfit_init adds the
   rounding of mono).  FGA_ERR_COMPUTE if no degree up to gmax meets eps.  */
int fga_expfit_least_degree (long *g, fga_basis basis, double R, double eps, int relative,
                             long gmax, fga_error *err);


/* The Aggarwal--Alman degree form max{R, log(1/eps) / log(log(1/eps) / R)}
   (constants not included; the log-log term is dropped when log(1/eps) <= e R).
   NaN for R <= 0 or eps outside (0, 1).  */
double fga_expfit_aggarwal_alman (double R, double eps);

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

/* Refuses bad parameters (naming them) and resolves l = 0 and levels = 0
   in place.  The other functions need a checked pattern.  */
int fga_sparse_pattern_check (fga_sparse_pattern *p, fga_error *err);
/* T (n x dv) allocated by the caller, lse (n values) may be NULL.  Fills
   the counts and peak_bytes of st (if not NULL) and its figures "pairs",
   "groups" and "max_keys" (the largest group); not its wall time.  Any
   finite scores are handled (each group's maximum is subtracted).  */
int fga_sparse_attention (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                          fga_mat_srcptr V, double tau, const fga_sparse_pattern *p,
                          fga_stats *st, fga_error *err);

/* ------------------------------------------------------------------ */
/* Random features (the method rf; theory/transition.md, lemma 3).

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

/* ------------------------------------------------------------------ */
/* Low rank: the attention matrix, its singular values, svd and nystrom.  */

/* P = softmax (tau Q K^T) = D^{-1} exp (tau Q K^T), explicitly: P must be
   allocated by the caller as Q->rows x K->rows; Q and K may be any two
   matrices with the same number of columns (the methods also use it on
   landmark rows).  lse (Q->rows values) may be NULL.  Stable: the row
   maximum is subtracted before exp, and any finite Q and K are handled (see
   below); every entry is within a relative u (2 (d + 3) R + nk + 4) of the exact one
   (u = 2^-53, R >= tau max_ij sum_t |q_it k_jt|; src/numerics/attention_matrix.c
   derives it), so each row sums to 1 within about (2 nk + 2 (d + 3) R) u.
   Scores of any size: a row of Q whose scores could overflow is rescaled
   by a power of two as in the exact kernels above (the bound then holds
   with the true R, plus the subnormal terms of src/kernels/attention-util.h);
   an lse beyond the double range is refused (FGA_ERR_COMPUTE), and so is,
   for tau > 2^830 only, a row that cannot be rescaled.
   Fills the counts of st (if not NULL), exactly (the rescaling is not
   counted):
     n_mul = nq nk (d + 1), n_add = nq (nk (d + 1) - 1 + L), n_exp = nq (nk + L),
     n_div = nq nk, n_cmp = nq (nk - 1)   (L = 1 if lse is not NULL),
   and peak_bytes: 0 when no row of Q is rescaled (P holds the scores, no
   scratch), otherwise nq (d sizeof (double) + sizeof (int)), the rescaled
   copy of the whole of Q and its row exponents.  */
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

/* The numerical rank of P = softmax (tau Q K^T) at several tolerances
   without forming P (src/numerics/rank_randomized.c; the proof is in
   theory/randomized-rank.md): a blocked randomized range finder with
   power iterations streams P by tiles of block_rows x 512 entries, each
   recomputed from Q and K when it is needed, so that memory stays
   O((nq + nk) l) for a sketch of l columns, and time O(nq nk (d + l))
   per pass over P.  The sketch grows (32 columns, then doubling) until
   every tolerance is decided or l reaches min (kmax + oversample, nq, nk).

   With s_1 >= s_2 >= ... the singular values of B = Q_l^T P (Q_l the
   orthonormal sketch), E a bound on ||P - Q_l Q_l^T P||_2 from 20 random
   probes (exceeded with probability below 4^-20 per estimate) and rho a
   first-order bound of the rounding, every singular value of P satisfies
   s_i - rho <= sigma_i <= sqrt (s_i^2 + E^2) + rho (and sigma_i <= E + rho
   beyond l).  The rank at tol is decided when these brackets leave no
   sigma_i on both sides of tol: then rank = #{s_i - rho > tol}, exactly
   the number of sigma_i > tol.  It is decided whenever no sigma_i lies
   within about E^2 / tol + 2 rho of tol, and E falls toward sigma_{l+1}
   as l grows.

   A tolerance the budget cannot decide, or whose rank exceeds kmax, is
   censored: rank is then a lower bound (the rank is >= rank, and
   rank <= kmax), never a guess.  tol are absolute, finite and >= 0.  */
typedef struct
{
  size_t kmax;                 /* the largest rank resolved; 0: min (1024, nq, nk); a larger
                                  value than min (nq, nk) means min (nq, nk) */
  unsigned long seed;          /* of the random test matrices (any value, 0 included) */
  unsigned power_iters;        /* q, power iterations per block, each P^T then P,
                                  re-orthonormalised; 0: the default 1;
                                  FGA_RANK_NO_POWER: none; at most FGA_RANK_MAX_POWER */
  size_t oversample;           /* columns beyond kmax the sketch may use; 0: the default 16;
                                  at most FGA_RANK_MAX_OVERSAMPLE */
  size_t block_rows;           /* query rows per tile of P; 0: the default 256;
                                  at most FGA_RANK_MAX_BLOCK */
} fga_rank_opts;

#define FGA_RANK_NO_POWER ((unsigned) -1)
#define FGA_RANK_MAX_POWER 16u
#define FGA_RANK_MAX_OVERSAMPLE ((size_t) 4096)
#define FGA_RANK_MAX_BLOCK ((size_t) 65536)

typedef struct
{
  size_t rank;                 /* the numerical rank #{sigma_i > tol}; if censored, a lower
                                  bound of it */
  size_t rank_hi;              /* an upper bound of it (= rank when not censored) */
  int censored;                /* 1: the rank is >= rank, undecided within the budget or above
                                  kmax; 0: rank is the rank */
  double sigma_rank;           /* s_rank, the estimate of sigma_rank (NaN when rank = 0) */
  double sigma_next;           /* s_{rank+1}, the estimate of sigma_{rank+1} (0 when
                                  rank = min (nq, nk), NaN when rank + 1 is beyond the sketch) */
} fga_rank_estimate;

/* est[k] for tol[k], k < ntol; opts NULL for every default.  Refuses
   (FGA_ERR_INPUT) what fga_attention_matrix refuses, NULL est or tol,
   ntol = 0, a tolerance that is negative or not finite, options above
   their maxima and sizes beyond BLAS's int.  nq = 0 gives rank 0.
   st (if not NULL) gets the counts of the passes over P, exactly: the row
   statistics once (nq nk (d + 1) mul, nq (nk (d + 1) - 1) add, nq nk exp,
   nq div for the 1 / l_i, nq (nk - 1) cmp), then per entry of every tile
   d + 2 mul (the dot product, tau, 1 / l_i), d add (the dot product,
   s - m) and one exp, and per product of an a x b block of P with b x c
   vectors a b c mul and as many add (a c fewer for the block that starts
   a sum);
   peak_bytes (every buffer: about 8 (2 nq + 1.5 nk) l bytes for a final
   sketch of l columns, while the last block is made and the arrays grow,
   plus 8 (2 nk + nq) 20 for the probes and a tile of block_rows x 512
   doubles per thread), and the figures
   lapack_flops (the QR, reflector and SVD work and the probes' norms,
   estimated), cols (l),
   rounds, passes, sigma_1 (s_1), sigma_min (s_l), residual (E),
   rounding (rho) and fail_prob (a bound on the probability that E was
   not a bound, summed over the estimates used).  */
int fga_attention_rank_randomized (fga_rank_estimate *est, const double *tol, size_t ntol,
                                   fga_mat_srcptr Q, fga_mat_srcptr K, double tau,
                                   const fga_rank_opts *opts, fga_stats *st, fga_error *err);

/* fga_attention_rank_randomized with its passes over P spread over a farm
   (src/numerics/rank_farm.c; farm NULL: fga_farm_local): every process of
   the farm makes the same call with the same arguments; the master keeps
   the sketch and its certificate, and the farm's tasks are ranges of
   blocks of rows (the statistics, P X) and of keys (P^T Y), the master
   sharing each pass's input with the others.  On the master est and st
   are those of fga_attention_rank_randomized, the estimates and the
   counts bit for bit (not peak_bytes, the master's own with its copy of
   each pass's input to the farm, nor threads);
   on the other processes the return value is FGA_OK (or the same error)
   and est and st are left as they were.  A failure on any process fails
   the call on every one.  */
int fga_attention_rank_farm (fga_rank_estimate *est, const double *tol, size_t ntol,
                             fga_mat_srcptr Q, fga_mat_srcptr K, double tau,
                             const fga_rank_opts *opts, fga_stats *st, const fga_farm *farm,
                             fga_error *err);

/* The Eckart--Young errors of the singular values sigma[0..r) (decreasing):
   e[k] = sqrt (sum_{i >= k} sigma[i]^2) for k = 0..r, r + 1 values, e[0] the
   Frobenius norm of the matrix and e[k] = ||M - M_k||_F, the least error in
   Frobenius norm of any matrix of rank <= k; e[r] = 0.  Summed from the
   smallest up with LAPACK's dlassq scaling (no underflow or overflow).  e may
   be sigma itself, if it has room for r + 1 values.  */
void fga_eckart_young (double *e, const double *sigma, size_t r);

/* ------------------------------------------------------------------ */
/* Power-law fits (src/numerics/fit.c; `fgattn scaling', `fgattn report', `fgattn hardness').

   Power laws.  For points (n_i, y_i) with n_i > 0 and y_i > 0 the fit is
   the least-squares line of ln y on ln n, ln y ~ b + a ln n, that is
   y ~ e^b n^a.  With e_i = ln y_i - b - a ln n_i the residuals in log:
   max_resid = max_i |e_i| (the worst point is off the fitted law by a
   factor e^max_resid) and r2 = 1 - sum e_i^2 / sum (ln y_i - mean ln y)^2
   (1 when every y_i is the same).  Accuracy: for an exact power law, with
   u = 2^-53, x_i = ln n_i, S = sum_i (x_i - mean x)^2 and
   W = sum_i |x_i - mean x| / S,
     |error of a| <= 2 u (max_i |ln y_i| + |a| max_i |x_i|) W + (2 k + 4) u |a|
   to first order (src/numerics/fit.c derives it; b adds |mean x| times that).  */

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


#ifdef __cplusplus
}
#endif

#endif /* FGATTN_NUMERICS_H */
