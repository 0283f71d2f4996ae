/* monomial-impl.h -- monomial multi-indices and the features of the polynomial method */

#ifndef FGA_MONOMIAL_IMPL_H
#define FGA_MONOMIAL_IMPL_H

/* Monomial features of the polynomial method (the method poly and the
   tests); fga_monomial_count and the proofs are in theory/upper-bound.md.  */

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

#endif /* FGA_MONOMIAL_IMPL_H */
