/* method-impl.h -- the method classes, their parameters, and internals of rf, nystrom and tsketch */

#ifndef FGA_METHOD_IMPL_H
#define FGA_METHOD_IMPL_H

/* ------------------------------------------------------------------ */
/* Methods.  A method class is one file: its parameters, and the functions
   that create (check the parameter combination, allocate state), prepare and
   run it.  The registry (method.c) lists the classes.  */

#define FGA_MAX_PARAMS 16

typedef struct fga_method_class
{
  fga_method_info info;
  int (*create) (fga_method m, fga_error *err);          /* may be NULL */
  int (*prepare) (fga_method m, const fga_problem *prob, fga_error *err);   /* may be NULL */
  int (*run) (fga_method m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
              fga_mat_srcptr V, fga_stats *st, fga_error *err);
  void (*destroy) (fga_method m);                          /* may be NULL */
} fgap_method_class;

struct fga_method_struct
{
  const fgap_method_class *cls;
  double value[FGA_MAX_PARAMS];     /* INT and REAL values; CHOICE: index into choices */
  int given[FGA_MAX_PARAMS];        /* whether the user gave the key */
  fga_problem prob;
  int prepared;
  char spec[1024];
  void *state;                      /* the class's own; freed by its destroy */
};

long fgap_param_int (fga_method m, const char *key);
double fgap_param_real (fga_method m, const char *key);
/* Index of the chosen value among the choices "a|b|c". */
int fgap_param_choice (fga_method m, const char *key);
int fgap_param_given (fga_method m, const char *key);
/* For a REAL parameter that also accepts words: the index of the word
   given, or -1 when the value is a number (read it with fgap_param_real). */
int fgap_param_word (fga_method m, const char *key);

/* Prepare and destroy of the sparse classes (window, strided, dilated, fixed). */
int fgap_sparse_method_prepare (fga_method m, const fga_problem *prob, fga_sparse_pattern p,
                               fga_error *err);
void fgap_sparse_method_destroy (fga_method m);

/* The classes, defined one per file.  */
extern const fgap_method_class fgap_method_exact;
extern const fgap_method_class fgap_method_svd;
extern const fgap_method_class fgap_method_nystrom;
extern const fgap_method_class fgap_method_rf;
extern const fgap_method_class fgap_method_window;
extern const fgap_method_class fgap_method_strided;
extern const fgap_method_class fgap_method_dilated;
extern const fgap_method_class fgap_method_fixed;
extern const fgap_method_class fgap_method_poly;
extern const fgap_method_class fgap_method_tsketch;

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
   iters times (REFERENCES.md section 5): third-order convergence to A^+
   once a singular value has grown into reach (src/methods/nystrom.c explains how
   fast).  Both fill st's counts (exact, LAPACK's excepted: lapack_flops
   estimates them for _svd) and peak_bytes.  */
int fgap_pinv_svd (fga_mat_ptr Z, size_t *rank, fga_mat_srcptr A, double rcond, fga_stats *st,
                  fga_error *err);
int fgap_pinv_iter (fga_mat_ptr Z, fga_mat_srcptr A, long iters, fga_stats *st,
                   fga_error *err);

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


#endif /* FGA_METHOD_IMPL_H */
