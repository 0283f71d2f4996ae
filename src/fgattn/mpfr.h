/* fgattn/mpfr.h -- what needs GMP and MPFR: MPFR matrices, the ground truth, polynomial coefficients, exact counts

Copyright 2026 the fgattn authors.

This file is part of fgattn.  fgattn is free software: you can redistribute
it and/or modify it under the terms of the GNU General Public License as
published by the Free Software Foundation, either version 3 of the License,
or (at your option) any later version.  See COPYING.  */

#ifndef FGATTN_MPFR_H
#define FGATTN_MPFR_H

#include <gmp.h>
#include <mpfr.h>
#include "fgattn/core.h"
#include "fgattn/numerics.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Threads.  Every function here may run in several threads at once on
   distinct outputs (a sweep computes the ground truth of its cells in
   parallel): MPFR's exponent range and flags are per thread when MPFR is
   built thread-safe, as Debian's is, and each function restores the ones
   it found; fga_truth's per-thread buffers are its own.  An object passed
   as output (a matrix, an fga_expfit_struct) must not be shared while it
   is being written.  */

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

/* tau rounded to nearest at the precision of rop; returns the ternary value. */
int fga_tau_mpfr (mpfr_ptr rop, const fga_tau *tau, size_t d);
/* ------------------------------------------------------------------ */
/* The certified ground truth (exact:algo=mpfr), with access to the working
   precision values and their bounds for `fgattn truth --text'.  */

typedef struct
{
  mpfr_prec_t prec;            /* first working precision */
  mpfr_prec_t prec_max;        /* no row is computed above this precision */
  int fast_off;                /* 0 (the default): rows are first tried on the fast path in
                                  double-double and only those it cannot decide are computed
                                  in MPFR; nonzero: every row in MPFR.  The answers are the
                                  same either way (each is the correctly rounded value) */
} fga_truth_opts;

typedef struct
{
  size_t undecided;            /* entries whose nearest double was not proved at prec_max */
  mpfr_prec_t prec_used_max;   /* highest precision any row needed */
  size_t rows_raised;          /* rows computed again at a higher precision */
  size_t fast_entries;         /* entries answered by the fast path */
  size_t fallback_rows;        /* rows the fast path tried and left to MPFR (0 when it is off) */
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
   Returns FGA_OK even when entries are undecided: the caller decides.
   The fast path (theory/ground-truth.md, section 10) is not used when W or
   Werr is requested (their working values are MPFR's), nor when
   opts->fast_off is set; entries it decides are correctly rounded whatever
   prec and prec_max are, so with a prec_max too low for MPFR to decide them
   they count as decided; prec_used_max and rows_raised describe the rows
   computed in MPFR (prec when there are none).  st gets the named figures
   "fast_entries" and "fallback_rows" as well.  An
   lse requested for a row whose log-sum-exp rounds beyond the doubles
   (|lse| >= 2^1024 - 2^970) is refused with FGA_ERR_COMPUTE, naming the
   row; T alone can still be had by passing lse = NULL.  */
int fga_truth (fga_mat_ptr T, double *lse, fga_mpfr_mat_ptr W, fga_mpfr_mat_ptr Werr,
               fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V, const fga_tau *tau,
               const fga_truth_opts *opts, fga_truth_info *info, fga_stats *stats,
               fga_error *err);

/* The same truth (T and lse bit for bit, info the same) computed by blocks
   of rows, the tasks of farm (fgattn/core.h; NULL: fga_farm_local), each
   block one fga_truth call, wherever the farm runs it (rows are
   independent).  Every process of the farm makes the call; T and lse are
   filled in the master only, info and st (counts and named figures summed
   over the blocks, prec_used_max, peak_bytes and threads the largest
   block's) in every process.
   The counts include each block's own set-up, so they exceed one
   fga_truth call's by that much.  The caller's progress
   (fga_truth_set_progress) is shown by the master over the whole truth.
   No W and Werr: the working values stay where the blocks ran.  Errors as
   fga_truth's; one naming a row adds the block it lies in.  */
int fga_truth_farm (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                    fga_mat_srcptr V, const fga_tau *tau, const fga_truth_opts *opts,
                    fga_truth_info *info, fga_stats *st, const fga_farm *farm, fga_error *err);

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

typedef fga_expfit_struct fga_expfit_t[1];
typedef fga_expfit_struct *fga_expfit_ptr;
typedef const fga_expfit_struct *fga_expfit_srcptr;

/* The polynomial of the basis with degree g on [-R, R], its monomial
   coefficients at precision prec, and its certified bounds (from closed
   forms, rounded upward; never from sampling).  Needs 0 < R <= FGA_EXPFIT_RMAX
   and 0 <= g <= FGA_EXPFIT_GMAX; a failed init leaves mono NULL, so clearing
   it is safe.  */
int fga_expfit_init (fga_expfit_ptr p, fga_basis basis, double R, long g, mpfr_prec_t prec,
                     fga_error *err);
void fga_expfit_clear (fga_expfit_ptr p);

/* The measured sup of |p - exp| and |p - exp| / exp over npts equispaced
   points of [-R, R] (end points included), evaluated in MPFR: a check
   beside the certified bound, never a replacement for it.  */
int fga_expfit_measure (double *err_abs, double *err_rel, fga_expfit_srcptr p, size_t npts,
                        fga_error *err);

/* Chebyshev coefficients a_0..a_g of e^{R t} on [-1, 1] (e^{Rt} = sum a_k T_k(t)),
   correctly rounded, from the Bessel series a_0 = I_0(R), a_k = 2 I_k(R).
   a[] must be initialised (its precision is the one used).  */
int fga_cheb_coeffs_bessel (mpfr_t *a, long g, double R, fga_error *err);

/* ------------------------------------------------------------------ */
/* Monomial features and the polynomial method of Alman and Song
   (theory/upper-bound.md, lemmas 2 and 3, proves them).

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

#ifdef __cplusplus
}
#endif

#endif /* FGATTN_MPFR_H */
