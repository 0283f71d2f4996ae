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

/* ------------------------------------------------------------------ */
/* The fast path (truth_fast.c; theory/ground-truth.md, section 10): a row in
   double-double with a proved bound, decided per entry by lemma 7; a row
   with any entry (or lse) not decided is computed again by fgap_truth_row.  */

/* exp in double-double: 2^(i/2048) for i < 2048 as hi + lo, and the
   instruction set of the kernels.  */
#define FGA_TRUTH_DD_TBITS 11
typedef struct
{
  double th[1 << FGA_TRUTH_DD_TBITS], tl[1 << FGA_TRUTH_DD_TBITS];
  double c1, c2, c3;           /* ln2 / 2048 = c1 + c2 + c3 + (below 2^-126) */
  int isa;
} fgap_truth_ddexp;

/* Relative error bound of fgap_truth_ddexp_block (lemma 10): e = exp(t) (1 + eps),
   |eps| <= 2^-89, for every t = th + tl with -600 <= th <= 0 and
   |tl| <= 2^-53 |th|.  */
#define FGA_TRUTH_DD_EXP_LOG2ERR (-89)
/* Weights with th < -FGA_TRUTH_DD_CUT are set to 0 (their true weight is
   below 2^-865: lemma 11).  */
#define FGA_TRUTH_DD_CUT 600

/* Fills the table with MPFR and picks the instruction set (fgap_attn_isa). */
void fgap_truth_ddexp_init (fgap_truth_ddexp *x);
/* e_j = eh_j + el_j ~ exp(th_j + tl_j) for j < n, 0 where th_j < -600;
   the same bits whatever the instruction set.  */
void fgap_truth_ddexp_block (const fgap_truth_ddexp *x, size_t n, const double *th,
                             const double *tl, double *eh, double *el);

typedef struct fgap_truth_fast fgap_truth_fast;
typedef struct fgap_truth_fast_ws fgap_truth_fast_ws;

/* The shared part of the fast path, or *f = NULL (and FGA_OK) when no row
   can take it (tau outside [2^-100, 2^100], or a column of V that cannot be
   scaled exactly, lemma 12).  tau128
   is tau rounded to nearest at 128 bits, tau_inexact its ternary flag.  */
int fgap_truth_fast_new (fgap_truth_fast **f, const fgap_truth_problem *pb, const double *V,
                         mpfr_srcptr tau128, int tau_inexact, fgap_memtrack *mt,
                         fga_error *err);
void fgap_truth_fast_free (fgap_truth_fast *f, fgap_memtrack *mt);
fgap_truth_fast_ws *fgap_truth_fast_ws_new (const fgap_truth_fast *f, fgap_memtrack *mt,
                                            fga_error *err);
void fgap_truth_fast_ws_free (fgap_truth_fast_ws *ws);

/* Row i on the fast path.  Returns 1 when every entry (and lse, if the
   problem wants it) was decided: Trow and *lse_i hold the correctly rounded
   values.  Returns 0 otherwise, and the caller takes the MPFR path
   (Trow and *lse_i may have been written).  */
int fgap_truth_fast_row (fgap_truth_fast_ws *ws, size_t i, double *Trow, double *lse_i,
                         fgap_truth_count *cnt);

#endif /* FGA_TRUTH_IMPL_H */
