/* truth-impl.h -- internals of the certified ground truth, shared by truth.c and truth_row.c

   The mathematics (every lemma the code below relies on, with its proof) is
   in theory/ground-truth.md; the comments here name the lemma they use.  */

#ifndef FGA_TRUTH_IMPL_H
#define FGA_TRUTH_IMPL_H

#include <stdint.h>

/* Precision of the error bounds.  Bounds are upper bounds computed with
   directed rounding, so their own precision only decides how loose they are:
   64 bits make them tight to 2^-63 relative, whatever the working precision. */
#define FGA_TRUTH_BPREC 64

/* A score difference t_j below -2^FGA_TRUTH_UNDER_LOG2 is not exponentiated:
   its weight is below 2^(-2^59) and is carried in the bound instead (lemma 4).
   exp(-2^60) is far inside MPFR's widest exponent range, so no exp underflows. */
#define FGA_TRUTH_UNDER_LOG2 60

/* Operation counts of one thread, merged at the end.  */
typedef struct
{
  uint64_t mul, add, exp, div, cmp;
} fgap_truth_count;

/* One precision of the Ziv sequence p_0 < p_1 < ... <= prec_max, computed
   once before the rows and then only read.  */
typedef struct
{
  mpfr_prec_t p;
  mpfr_ptr tau;                /* tau rounded to nearest at precision p */
  int tau_inexact;             /* whether that rounding changed tau */
  mpfr_ptr r[4];               /* r[k] >= (1 - 2^-p)^-k - 1 (lemma 1), at FGA_TRUTH_BPREC */
} fgap_truth_level;

/* n MPFR numbers at one precision whose significands are carved from one
   block allocated through fgap_talloc (MPFR's custom interface): one
   allocation per vector, none per number, and every byte is counted.  The
   numbers must never be passed to mpfr_clear or mpfr_set_prec.  */
typedef struct
{
  mpfr_t *x;
  size_t n;
  mpfr_prec_t prec;
  void *limbs;
  size_t xbytes, lbytes;
} fgap_truth_vec;

int fgap_truth_vec_alloc (fgap_truth_vec *v, size_t n, mpfr_prec_t prec, fgap_memtrack *mt,
                         fga_error *err);
void fgap_truth_vec_free (fgap_truth_vec *v, fgap_memtrack *mt);

/* A double as a = m 2^e with m odd (or a = m = 0), and |a| < 2^h.  */
typedef struct
{
  int64_t m;
  int e, h;
} fgap_truth_dbl;

/* Everything the rows read: the inputs in exact decomposed form, and the
   precision levels.  Read-only while the rows run.  */
typedef struct
{
  size_t nq, nk, d, dv;
  const fgap_truth_dbl *q;    /* nq x d */
  const fgap_truth_dbl *k;    /* nk x d */
  const int *kcol_lo;          /* d: min over nonzero K_jc of e(K_jc) */
  const int *kcol_hi;          /* d: max over nonzero K_jc of h(K_jc) */
  const char *kcol_nz;         /* d: whether column c of K has a nonzero entry */
  const double *Q, *K;         /* the doubles, for the wide path of the scores */
  mpfr_t *vt;                  /* dv x nk: V transposed, exact at 53 bits */
  mpfr_t *vrange;              /* dv: max_j V_jc - min_j V_jc rounded up, FGA_TRUTH_BPREC */
  const fgap_truth_level *lev;
  size_t nlev;
  int want_lse;
} fgap_truth_problem;

/* The scratch of one thread: made once per thread, grown when a row needs a
   higher precision, never allocated per entry.  */
typedef struct fga_truth_ws fgap_truth_ws;

fgap_truth_ws *fgap_truth_ws_new (const fgap_truth_problem *pb, fgap_memtrack *mt,
                                  fga_error *err);
void fgap_truth_ws_free (fgap_truth_ws *ws);

/* What finishing one row produced.  */
typedef struct
{
  mpfr_prec_t prec;            /* the precision the row was finished at */
  int raised;                  /* whether it needed more than the first level */
  size_t undecided;            /* entries (and lse) not decided at that precision */
} fgap_truth_row_info;

/* Computes row i to the end of its Ziv loop: T_row (dv doubles), *lse_i (if
   the problem wants lse), and, when Wrow / Erow are not NULL, the working
   values and bounds into those dv numbers (their precision is set to the
   row's).  Returns FGA_OK or an error (out of memory, or an internal check
   that failed).  */
int fgap_truth_row (fgap_truth_ws *ws, size_t i, double *Trow, double *lse_i, mpfr_t *Wrow,
                   mpfr_t *Erow, fgap_truth_row_info *ri, fgap_truth_count *cnt,
                   fga_error *err);

#endif /* FGA_TRUTH_IMPL_H */
