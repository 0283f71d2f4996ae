# fgattn_build.py -- the cffi description of the bindings: writes the C source of fgattn._fgattn
#
#   python3 fgattn_build.py OUT.c
#
# API (out-of-line) mode: cffi only emits C.  OUT.c includes <fgattn.h>, so
# the C compiler checks every declaration below against the real headers
# (a field or a prototype that no longer matches is a compile error, not a
# crash at run time).  The build compiles and links OUT.c with automake and
# libtool (python/local.mk), as it does the program.
#
# Structures are declared with "...;" (cffi then takes their size and the
# offsets of the fields named here from the compiler): fields the header
# adds later do not break the build, and only the fields the Python layer
# reads or writes are named.

import contextlib
import io
import os
import sys

import cffi

CDEF = r"""
/* ---- fgattn/core.h ---- */
#define FGA_OK ...
#define FGA_ERR_INPUT ...
#define FGA_ERR_NOMEM ...
#define FGA_ERR_IO ...
#define FGA_ERR_COMPUTE ...
#define FGA_STATS_EXTRA ...

typedef struct { int code; char msg[...]; ...; } fga_error;
void fga_error_init (fga_error *err);
const char *fga_version (void);
const char *fga_blas_text (char *buf, size_t size);
double fga_wall_time (void);
double fga_physical_bytes (void);

typedef struct { size_t rows, cols; double *data; ...; } fga_mat_struct;
typedef fga_mat_struct fga_mat_t[1];
typedef fga_mat_struct *fga_mat_ptr;
typedef const fga_mat_struct *fga_mat_srcptr;
int fga_mat_check_finite (fga_mat_srcptr m, const char *what, fga_error *err);
double fga_mat_max_abs (fga_mat_srcptr m);

typedef enum { FGA_TAU_INV_D, FGA_TAU_INV_SQRT_D, FGA_TAU_VALUE, ... } fga_tau_kind;
typedef struct { fga_tau_kind kind; double value; ...; } fga_tau;
int fga_tau_parse (fga_tau *tau, const char *text, fga_error *err);
double fga_tau_double (const fga_tau *tau, size_t d);
void fga_tau_format (char *buf, size_t size, const fga_tau *tau);

typedef struct {
  double wall_seconds;
  uint64_t n_mul, n_add, n_exp, n_div, n_cmp;
  size_t peak_bytes;
  int threads;
  size_t nextra;
  char notes[...];
  ...;
} fga_stats;
void fga_stats_init (fga_stats *st);

typedef struct fga_problem { size_t nq, nk, d, dv; fga_tau tau; double R; double B, Bv; ...; }
  fga_problem;

typedef struct { double p; int over_lnln; char text[...]; ...; } fga_law;
int fga_law_parse (fga_law *law, const char *text, const char *what, fga_error *err);
typedef struct { double value; double power; char text[...]; ...; } fga_accuracy;
int fga_accuracy_parse (fga_accuracy *acc, const char *text, const char *what, fga_error *err);

/* ---- fgattn/io.h ---- */
typedef enum { FGA_DIST_UNIFORM, FGA_DIST_RADEMACHER, FGA_DIST_GAUSSIAN, FGA_DIST_LOWRANK,
               FGA_DIST_CLUSTERED, FGA_DIST_NONE, ... } fga_dist;
typedef struct {
  size_t nq, nk, d, dv;
  double B, Bv;
  fga_dist dist;
  unsigned long seed;
  fga_mat_t Q, K, V;
  ...;
} fga_instance_struct;
const char *fga_dist_name (fga_dist dist);
int fga_dist_parse (fga_dist *dist, const char *text, fga_error *err);
void fga_instance_init (fga_instance_struct *inst);
void fga_instance_clear (fga_instance_struct *inst);
int fga_instance_generate (fga_instance_struct *inst, size_t nq, size_t nk, size_t d, size_t dv,
                           double B, double Bv, fga_dist dist, unsigned long seed,
                           fga_error *err);
double fga_score_radius (fga_mat_srcptr Q, fga_mat_srcptr K, double tau);
void fga_problem_from_instance (fga_problem *prob, const fga_instance_struct *inst,
                                const fga_tau *tau);

/* ---- fgattn/numerics.h ---- */
typedef struct {
  double max_abs, rel_fro, mean_abs, max_ulps;
  size_t ulps_over, ulps_left_out;
  size_t rows, cols;
  ...;
} fga_metrics;
int fga_metrics_compute (fga_metrics *mt, fga_mat_srcptr truth, fga_mat_srcptr approx,
                         fga_error *err);
double fga_ulp_distance (double a, double b);
typedef struct { int use_bound; double atol, rtol; int use_ulps; uint64_t max_ulps; ...; }
  fga_tolerance;
typedef struct {
  size_t entries, failing, row, col;
  double value, truth;
  int nonfinite;
  double error, bound;
  uint64_t ulps;
  int fails_bound, fails_ulps;
  ...;
} fga_tolerance_report;
int fga_metrics_check (fga_tolerance_report *r, fga_mat_srcptr truth, fga_mat_srcptr approx,
                       const fga_tolerance *tol, fga_error *err);

typedef enum { FGA_BASIS_TAYLOR, FGA_BASIS_CHEB, ... } fga_basis;
int fga_basis_parse (fga_basis *basis, const char *text, fga_error *err);
const char *fga_basis_name (fga_basis basis);
int fga_expfit_least_degree (long *g, fga_basis basis, double R, double eps, int relative,
                             long gmax, fga_error *err);
double fga_expfit_aggarwal_alman (double R, double eps);

int fga_attention_matrix (fga_mat_ptr P, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                          double tau, fga_stats *st, fga_error *err);
int fga_attention_singular_values (double *sigma, fga_mat_srcptr Q, fga_mat_srcptr K,
                                   double tau, fga_stats *st, fga_error *err);
size_t fga_numerical_rank (const double *sigma, size_t r, double tol);
typedef struct { size_t kmax; unsigned long seed; unsigned power_iters; size_t oversample;
                 size_t block_rows; ...; } fga_rank_opts;
typedef struct { size_t rank, rank_hi; int censored; double sigma_rank, sigma_next; ...; }
  fga_rank_estimate;
int fga_attention_rank_randomized (fga_rank_estimate *est, const double *tol, size_t ntol,
                                   fga_mat_srcptr Q, fga_mat_srcptr K, double tau,
                                   const fga_rank_opts *opts, fga_stats *st, fga_error *err);
double fga_stats_get (const fga_stats *st, const char *name);

/* ---- GMP and MPFR, only as far as the structures below need them ---- */
typedef struct { ...; } __mpz_struct;
typedef __mpz_struct mpz_t[1];
size_t mpz_sizeinbase (const __mpz_struct *z, int base);
char *mpz_get_str (char *buf, int base, const __mpz_struct *z);
void mpz_init (__mpz_struct *z);
void mpz_clear (__mpz_struct *z);
void mpz_set_ui (__mpz_struct *z, unsigned long v);
typedef int... mpfr_prec_t;

/* ---- fgattn/mpfr.h ---- */
typedef struct { size_t rows, cols; mpfr_prec_t prec; ...; } fga_mpfr_mat_struct;
typedef struct { mpfr_prec_t prec; mpfr_prec_t prec_max; ...; } fga_truth_opts;
typedef struct { size_t undecided; mpfr_prec_t prec_used_max; size_t rows_raised; ...; }
  fga_truth_info;
int fga_truth (fga_mat_ptr T, double *lse, fga_mpfr_mat_struct *W, fga_mpfr_mat_struct *Werr,
               fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V, const fga_tau *tau,
               const fga_truth_opts *opts, fga_truth_info *info, fga_stats *stats,
               fga_error *err);

typedef struct { fga_basis basis; double R; long g; mpfr_prec_t prec; double bound_abs;
                 double bound_rel; ...; } fga_expfit_struct;
int fga_expfit_init (fga_expfit_struct *p, fga_basis basis, double R, long g, mpfr_prec_t prec,
                     fga_error *err);
void fga_expfit_clear (fga_expfit_struct *p);
int fga_expfit_measure (double *err_abs, double *err_rel, const fga_expfit_struct *p,
                        size_t npts, fga_error *err);

typedef struct {
  double R, eps_rel;
  long g;
  double bound_rel;
  double rounding_bound;
  mpz_t r, r_as;
  mpz_t poly[5], exact[5];
  mpz_t poly_total, exact_total;
  mpz_t crossover_n;
  ...;
} fga_poly_cost;
int fga_poly_cost_init (fga_poly_cost *pl, size_t nq, size_t nk, size_t d, size_t dv, double B,
                        double Bv, const fga_tau *tau, double eps_a, fga_basis basis,
                        fga_error *err);
void fga_poly_cost_clear (fga_poly_cost *pl);

/* ---- the time model (fgattn/experiment.h) ---- */
typedef struct fga_time_model_struct *fga_time_model;
typedef struct {
  double exact_fixed, exact_per_pair;
  double poly_fixed, poly_per_row;
  long g_run;
} fga_time_rates;
int fga_time_model_create (fga_time_model *tm, size_t d, size_t dv, const fga_tau *tau,
                           fga_basis basis, fga_error *err);
void fga_time_model_destroy (fga_time_model tm);
int fga_time_model_rates (fga_time_rates *rt, fga_time_model tm, long g, double R,
                          fga_error *err);
size_t fga_time_crossover (const fga_time_rates *rt);

/* ---- progress (fgattn/numerics.h, fgattn/method.h) ---- */
typedef void (*fga_progress_fn) (double fraction, void *data);
typedef struct { fga_progress_fn fn; void *data; } fga_progress;
fga_progress fga_truth_set_progress (const fga_progress *p);

/* ---- fgattn/method.h ---- */
typedef struct fga_method_struct *fga_method;
fga_method fga_method_create (const char *spec, fga_error *err);
int fga_method_prepare (fga_method m, const fga_problem *prob, fga_error *err);
int fga_method_run (const struct fga_method_struct *m, fga_mat_ptr T, double *lse,
                    fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V, fga_stats *stats,
                    fga_error *err);
int fga_method_run_progress (const struct fga_method_struct *m, fga_mat_ptr T, double *lse,
                             fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V,
                             fga_stats *stats, const fga_progress *progress, fga_error *err);
void fga_method_destroy (fga_method m);
const char *fga_method_spec (const struct fga_method_struct *m);

typedef int (*fga_user_method_fn) (double *out, const double *Q, const double *K,
                                   const double *V, size_t n_q, size_t n_k, size_t d,
                                   size_t d_v, double tau, long size, void *data, char *msg,
                                   size_t msgsize);
int fga_method_register_user (const char *name, const char *size_key, fga_user_method_fn fn,
                              void *data, fga_error *err);
int fga_method_unregister_user (const char *name, fga_error *err);

typedef enum { FGA_PARAM_INT, FGA_PARAM_REAL, FGA_PARAM_CHOICE, ... } fga_param_type;
typedef struct {
  const char *key;
  fga_param_type type;
  const char *def;
  double min, max;
  const char *choices;
  const char *applies;
  const char *doc;
  ...;
} fga_param_info;
typedef struct { const char *name; const char *description; const fga_param_info *params; ...; }
  fga_method_info;
size_t fga_method_count (void);
const fga_method_info *fga_method_info_at (size_t i);

/* ---- fgattn/analyzer.h ---- */
typedef enum { FGA_RF_POS, FGA_RF_HYP, FGA_RF_TRIG, ... } fga_rf_kind;
typedef struct {
  const char *mech;
  size_t nq, nk, d, dv;
  int causal, lse;
  size_t heads, block;
  size_t w, l, r, alpha, levels, head;
  size_t c;
  long g;
  size_t m;
  int rf_kind;
  long iters;
  int segment;
  size_t k;
  int separable;
  size_t sram;
  ...;
} fga_an_spec;
typedef struct {
  mpz_t ops[5];
  mpz_t work, macs, scores, macs_dense, scores_dense, mem_elems, mem_bytes;
  mpz_t steps, path, depth, traffic;
  const char *mem_model;
  const char *depth_model;
  char mech[...];
  int modelled;
  ...;
} fga_an_result;
typedef enum { FGA_FLOP_MACS, FGA_FLOP_FLOP2, FGA_FLOP_SOFTMAX3, FGA_FLOP_SOFTMAX5,
               FGA_FLOP_ALL, FGA_FLOP_NCONV, ... } fga_flop_conv;
void fga_an_spec_init (fga_an_spec *s);
int fga_an_mech_known (const char *mech);
const char *fga_an_mech_list (char *buf, size_t size, int runnable);
int fga_an_resolve (fga_an_spec *out, const fga_an_spec *s, fga_error *err);
void fga_an_result_init (fga_an_result *res);
void fga_an_result_clear (fga_an_result *res);
int fga_an_analyze (fga_an_result *res, const fga_an_spec *s, fga_error *err);
const char *fga_flop_conv_name (fga_flop_conv c);
const char *fga_flop_conv_source (fga_flop_conv c);
void fga_an_flops (__mpz_struct *out, const fga_an_result *res, fga_flop_conv c, int halve);
void fga_an_brent (__mpz_struct *out, const fga_an_result *res, const __mpz_struct *p);

/* ---- fgattn/experiment.h ---- */
typedef struct { ...; } fga_sweep_config;
int fga_sweep_config_read (fga_sweep_config *cfg, const char *path, fga_error *err);
typedef struct {
  size_t cells_total, cells_done, cells_skipped;
  const char *current;
  double elapsed_seconds;
  double work_total, work_done, work_skipped;
  ...;
} fga_sweep_progress;
typedef void (*fga_sweep_progress_fn) (const fga_sweep_progress *p, void *data);
typedef struct { int jobs; fga_sweep_progress_fn progress; void *progress_data; ...; }
  fga_sweep_opts;
int fga_sweep_run (const fga_sweep_config *cfg, const char *outdir, const fga_sweep_opts *opts,
                   fga_error *err);

#define FGA_ASYM_MAX_LIST ...
typedef struct {
  size_t nlaws;
  fga_law laws[...];
  size_t nbeta;
  double beta[...];
  size_t neps;
  fga_accuracy eps[...];
  fga_tau tau;
  fga_basis basis;
  int kmin, kmax, kstep;
  int window;
  ...;
} fga_asym_config;
void fga_asym_config_default (fga_asym_config *c);
int fga_asym_d_parse (fga_asym_config *c, const char *text, const char *what, fga_error *err);
int fga_asym_config_check (const fga_asym_config *c, fga_error *err);
typedef struct {
  size_t law, beta, eps;
  int k;
  size_t d;
  double tau, B, R, eps_a, eps_rel;
  long g;
  mpz_t r;
  double log2_r, exp_global, exp_local;
  int local_points;
  int r_below_n;
  double beta_star, beta_star_lo;
  ...;
} fga_asym_row;
typedef struct { size_t nrows; fga_asym_row *rows; ...; } fga_asym_table;
int fga_asym_table_compute (fga_asym_table *t, const fga_asym_config *c, fga_error *err);
void fga_asym_table_clear (fga_asym_table *t);

/* ---- helpers of this module (fgapy_*, in the C source below) ---- */
int fgapy_stats_extra (const fga_stats *st, size_t k, char *name, size_t size, double *value,
                       char *text, size_t tsize);
void fgapy_set_threads (int n);
void fgapy_thread_done (void);
int fgapy_truth_bound (double *E, fga_mat_srcptr T, const fga_mpfr_mat_struct *W,
                       const fga_mpfr_mat_struct *Werr);
void fgapy_mpfr_mat_free (fga_mpfr_mat_struct *m);

extern "Python" void fgapy_progress (const fga_sweep_progress *p, void *data);
/* The progress of a truth or a run (fgattn.truth, fgattn.run with
   progress=): data is the handle of the call's _Progress and item.  */
extern "Python" void fgapy_fraction (double fraction, void *data);
/* The one C function behind every Python callable registered as a method
   (fgattn.register_method): data is the handle of the callable's record.  */
extern "Python" int fgapy_user_method (double *out, const double *Q, const double *K,
                                       const double *V, size_t n_q, size_t n_k, size_t d,
                                       size_t d_v, double tau, long size, void *data,
                                       char *msg, size_t msgsize);
"""

# The module's own C: what cffi cannot express (MPFR arithmetic, OpenMP's
# per-thread setting, the anonymous array of fga_stats' figures).
SOURCE = r"""
#include <fgattn.h>
#include <string.h>
#ifdef _OPENMP
# include <omp.h>
#endif

/* The k-th named figure of a stats record: 1 with name, value and text
   (a named value's name, such as rf's kind "pos"; "" for a number) set, 0
   past the end. */
static int
fgapy_stats_extra (const fga_stats *st, size_t k, char *name, size_t size, double *value,
                   char *text, size_t tsize)
{
  if (k >= st->nextra || k >= FGA_STATS_EXTRA || size == 0 || tsize == 0)
    return 0;
  snprintf (name, size, "%s", st->extra[k].name);
  snprintf (text, tsize, "%s", st->extra[k].text);
  *value = st->extra[k].value;
  return 1;
}

/* The OpenMP threads of the library's kernels when called from this
   thread.  The setting (the nthreads ICV) belongs to the calling thread:
   a Python thread of a batch sets 1 so that the batch's threads and the
   kernels' teams do not multiply.  */
static void
fgapy_set_threads (int n)
{
#ifdef _OPENMP
  omp_set_num_threads (n > 0 ? n : 1);
#else
  (void) n;
#endif
}

/* MPFR keeps caches per thread (constants, a pool of integers); a Python
   thread of a batch gives its own back when its share is done.  */
static void
fgapy_thread_done (void)
{
  mpfr_free_cache2 (MPFR_FREE_LOCAL_CACHE);
}

/* E_ij >= |T_ij - Att_ij|, from the working value W_ij and its bound
   Werr_ij >= |W_ij - Att_ij| that fga_truth returns: by the triangle
   inequality |T - Att| <= |T - W| + Werr.  |T - W| is rounded away from
   zero, the sum and the conversion to double upward, so E is an upper
   bound (an underflow to 0 cannot happen: upward rounding gives at least
   the least subnormal for a positive value).  Returns 0, or -1 when the
   shapes differ.  */
static int
fgapy_truth_bound (double *E, fga_mat_srcptr T, const fga_mpfr_mat_struct *W,
                   const fga_mpfr_mat_struct *Werr)
{
  if (W->rows != T->rows || W->cols != T->cols || Werr->rows != T->rows
      || Werr->cols != T->cols)
    return -1;
  mpfr_t d;
  mpfr_init2 (d, W->prec > 53 ? W->prec : 53);
  for (size_t i = 0; i < T->rows * T->cols; i++)
    {
      mpfr_set_d (d, T->data[i], MPFR_RNDN);           /* exact: 53 bits */
      mpfr_sub (d, d, W->data[i], MPFR_RNDA);
      mpfr_abs (d, d, MPFR_RNDN);
      mpfr_add (d, d, Werr->data[i], MPFR_RNDU);
      E[i] = mpfr_get_d (d, MPFR_RNDU);
    }
  mpfr_clear (d);
  return 0;
}

static void
fgapy_mpfr_mat_free (fga_mpfr_mat_struct *m)
{
  if (m->data != NULL)
    fga_mpfr_mat_clear (m);
}
"""


def make_ffi():
    ffi = cffi.FFI()
    ffi.cdef(CDEF)
    ffi.set_source("fgattn._fgattn", SOURCE)
    return ffi


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 fgattn_build.py OUT.c")
    out = sys.argv[1]
    tmp = out + ".tmp"
    # cffi says "generating OUT" on stdout: the build is quiet.
    with contextlib.redirect_stdout(io.StringIO()):
        make_ffi().emit_c_code(tmp)
    os.replace(tmp, out)
