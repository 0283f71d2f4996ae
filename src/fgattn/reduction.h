/* fgattn/reduction.h -- gap Hamming instances, the SETH reduction, the hardness experiment

Copyright 2026 the fgattn authors.

This file is part of fgattn.  fgattn is free software: you can redistribute
it and/or modify it under the terms of the GNU General Public License as
published by the Free Software Foundation, either version 3 of the License,
or (at your option) any later version.  See COPYING.  */

#ifndef FGATTN_REDUCTION_H
#define FGATTN_REDUCTION_H

#include "fgattn/core.h"
#include "fgattn/io.h"
#include "fgattn/numerics.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Gap Hamming closest pair and the reduction (theory/lower-bound.md).

   A gap bichromatic Hamming closest pair instance: n vectors a_i and n
   vectors b_j in {0,1}^m, a threshold t and a gap eps > 0, with the promise
   that either some ham(a_i, b_j) <= t (YES) or every ham(a_i, b_j) >=
   (1+eps) t (NO).  Bits are stored one per byte, 0 or 1, row-major.  */

typedef struct
{
  size_t n, m, t;
  double eps;
  int planted;                 /* 1: generated as YES, 0: as NO, -1: unknown */
  unsigned long seed;          /* meaningful when planted >= 0 */
  size_t pi, pj;               /* the planted pair, when planted == 1 */
  unsigned char *a, *b;        /* n*m bits each; owned */
} fga_hamming_struct;
typedef fga_hamming_struct fga_hamming_t[1];
typedef fga_hamming_struct *fga_hamming_ptr;
typedef const fga_hamming_struct *fga_hamming_srcptr;

void fga_hamming_init (fga_hamming_ptr h);
void fga_hamming_clear (fga_hamming_ptr h);
/* The least integer distance allowed to a non-planted pair: ceil((1+eps) t). */
size_t fga_hamming_far (size_t t, double eps);
/* Draws a YES (planted != 0: one pair at distance exactly t, every other
   pair >= (1+eps) t) or NO instance (every pair >= (1+eps) t) by rejection
   sampling from GMP's default random state seeded with seed.  Refuses, before
   drawing, parameters for which rejection would almost surely fail: random
   vectors concentrate at distance m/2, so (1+eps) t must stay below m/2 by a
   margin (the message gives the probability that a random pair is too close). */
int fga_hamming_generate (fga_hamming_ptr h, size_t n, size_t m, size_t t, double eps,
                          int planted, unsigned long seed, fga_error *err);
size_t fga_hamming_distance (fga_hamming_srcptr h, size_t i, size_t j);
/* dir/hamming.json: {"format": "fgattn-hamming", "n", "m", "t", "eps",
   "planted", "seed", "planted_pair": [i, j], "a": ["0110...", ...],
   "b": [...]}; written atomically (the folder is made when missing).  */
int fga_hamming_write (const char *dir, fga_hamming_srcptr h, fga_error *err);
int fga_hamming_read (fga_hamming_ptr h, const char *dir, fga_error *err);

typedef struct
{
  size_t min_dist, argmin_i, argmin_j;
  size_t close_pairs;          /* pairs at distance <= t */
  size_t gap_pairs;            /* pairs strictly between t and (1+eps) t (promise broken) */
  int yes;                     /* min_dist <= t */
} fga_hamming_solution;
/* Brute force over all n^2 pairs.  */
void fga_hamming_solve (fga_hamming_solution *sol, fga_hamming_srcptr h);

/* The reduction (theory/lower-bound.md, sections 2 and 3).  d = 2m, lambda = ln(4n)/(eps t),
   s = sqrt(lambda d); rows 0..n-1 of Q are s (a_i, 1-a_i), rows n..2n-1 zero;
   rows 0..n-1 of K are s (b_j, 1-b_j), rows n..2n-1 are s 1; V is 1 on the
   real keys and 0 on the dummies.  With tau = 1/d, real query i outputs
   o_i = x_i / (x_i + n), x_i = sum_j exp(-lambda ham(a_i, b_j)).  */
typedef struct
{
  size_t n, m, d, t;
  double eps;
  double lambda, s, s_over_sqrt_ln_n;
  double yes_bound;            /* YES: max_i o_i >= e^{-lambda t} / (2n) */
  double no_bound;             /* NO: every o_i <= e^{-lambda t} / (4n) */
  double accuracy;             /* additive error below e^{-lambda t} / (8n) decides */
  double decide_at;            /* 3 e^{-lambda t} / (8n), the midpoint */
} fga_reduction_info;

/* Builds the attention instance (inst initialised by the caller; cleared
   first) and its thresholds.  inst->B = s, inst->Bv = 1.  */
int fga_reduce (fga_instance_ptr inst, fga_reduction_info *info, fga_hamming_srcptr h,
                fga_error *err);
/* dir/reduction.json, atomically (with tau "1/d").  */
int fga_reduction_write_info (const char *dir, const fga_reduction_info *info,
                              fga_error *err);
int fga_reduction_read_info (fga_reduction_info *info, const char *dir, fga_error *err);
/* Checks that inst has the shapes info calls for (2n x 2m, V 2n x 1).  */
int fga_reduction_check (fga_instance_srcptr inst, const fga_reduction_info *info,
                         fga_error *err);

typedef struct
{
  double max_o;                /* max over real queries of the output */
  size_t argmax;
  int yes;                     /* max_o > decide_at */
  double margin;               /* yes: max_o - decide_at; no: decide_at - max_o (>= 0) */
  double above_no;             /* max_o - no_bound */
  double below_yes;            /* yes_bound - max_o */
} fga_reduction_decision;
/* Decides from an output T (2n x 1) of any method run with tau = 1/d.  */
int fga_reduction_decide (fga_reduction_decision *dec, fga_mat_srcptr T,
                          const fga_reduction_info *info, fga_error *err);

/* The polynomial method's decision at every degree (src/reduction/reduction_degree.c,
   theory/lower-bound.md section 6).  For g = 0..gmax, the output that the
   method poly with this basis, R and deg = g computes in exact arithmetic:
   T = D~^{-1} A~ V with A~ = p_g(S) (lemma 3 of theory/upper-bound.md: the
   factorisation U1 U2^T equals p_g(S) exactly, so the factored method
   differs from this only by its rounding).  Scores of a reduced instance
   take at most d + 1 values s^2 c / d (c coinciding coordinates), so each
   row is a sum over c of a count times p_g(s^2 c / d): the scan costs
   O(n^2 d + n d gmax) and works at sizes where the method's
   r = C(d + g, d) features cannot be stored.  p_g is evaluated in MPFR at
   128 + 2 R log2(e) + log2(1 / accuracy) bits (the Chebyshev sum cancels
   down from e^R), the row sums at 192 bits: the relative error of each
   max_o is below 2^-150, far below the margins the decision looks at.  */
typedef struct
{
  fga_basis basis;
  double R;                    /* p_g approximates exp on [-R, R] */
  double max_score;            /* the largest score, rounded upward; <= R */
  long gmax;
  double max_o_exact;          /* max over real queries of o_i with exp itself */
  int yes_exact;               /* max_o_exact > decide_at */
  double *max_o;               /* gmax + 1 entries: max_i o_i with p_g (NaN: no answer) */
  int *verdict;                /* gmax + 1 entries: 1 YES, 0 NO, -1 no answer (some real
                                  query's row sum of p_g is <= 0) */
  unsigned char *dummy_fail;   /* gmax + 1 entries: 1 when a dummy query's row sum is <= 0
                                  (p_g(0) <= 0): the method itself, which checks every
                                  row, refuses the output; the decision reads only the
                                  real queries, so the verdict is still given */
} fga_reduction_scan;

void fga_reduction_scan_init (fga_reduction_scan *scan);
void fga_reduction_scan_clear (fga_reduction_scan *scan);
/* Refuses an instance that is not a reduction (entries of Q, K other than
   0 and one s > 0, V other than 0 and 1), R < max_score, and gmax outside
   0..FGA_EXPFIT_GMAX.  The Taylor basis ignores R beyond that check.  */
int fga_reduction_degree_scan (fga_reduction_scan *scan, fga_instance_srcptr inst,
                               const fga_reduction_info *info, fga_basis basis, double R,
                               long gmax, fga_error *err);
/* The least g <= gmax from which every degree up to gmax answers `yes';
   -1 if none (not even gmax).  */
long fga_reduction_scan_stable (const fga_reduction_scan *scan, int yes);

/* The hardness experiment (src/reduction/hardness.c, hardness_methods.c,
   `fgattn hardness CONFIG', experiments/hardness.conf): for each n and
   seed, a YES and a NO gap Hamming instance, reduced, and the least degree
   of the polynomial method that decides it, with r = C(d + g, d); and, for
   each method of the configuration, the least size at which it decides
   every instance of that n.  The configuration:
     [hardness]
     n = 32, 64, 128         sizes of the Hamming instance (attention: 2n rows)
     m = 6 log2 n            dimension: an integer, or C log2 n meaning ceil (C log2 n)
     t = m / 8               threshold: an integer, or m / K meaning max (1, floor (m / K))
     gap = 1                 the gap eps > 0
     seeds = 1, 2, 3         (or a range 1-3)
     basis = cheb            cheb | taylor
     R = auto                auto: the method's radius from the data (Cauchy-Schwarz);
                             max: the largest score (an oracle-tight interval)
     gmax = 2000             the scan stops at the certified degree or at gmax
     [method LABEL]          optional, any number up to FGA_HARDNESS_MAX_METHODS
     spec = rf:kind=pos,seed=1   the method without its size parameter
     size = m                the size parameter (an integer parameter of the method)
     max_n = 1024            optional: run only for n <= max_n
   LABEL is letters, digits and _ . + - (at most 31).  The spec and the size
   are checked through the method registry when read (the method exists,
   the spec is valid and does not set the size, the size is an integer
   parameter the method accepts at the least size of the search).
   The file is read as the sweeps' configurations are (fga_sweep_config_read):
   lines are `key = value', a line starting with `#' or `;' is a comment,
   and so is what follows a `;' after white space; a file that is not text
   (not UTF-8, a NUL byte, a control character) is refused; lines have no
   length limit.  */
#define FGA_HARDNESS_MAX 64
#define FGA_HARDNESS_MAX_METHODS 16
typedef struct
{
  char label[32];
  char spec[512];              /* without the size parameter */
  char size_key[32];
  size_t max_n;                /* 0: every n */
} fga_hardness_method;

typedef struct
{
  size_t n[FGA_HARDNESS_MAX], nn;
  size_t m_fixed;              /* m, or 0 for ceil (m_coef log2 n) */
  double m_coef;
  size_t t_fixed;              /* t, or 0 for max (1, floor (m / t_div)) */
  double t_div;
  double gap;
  unsigned long seeds[FGA_HARDNESS_MAX];
  size_t nseeds;
  fga_basis basis;
  int R_max;                   /* 0: R = auto, 1: R = the largest score */
  long gmax;
  fga_hardness_method methods[FGA_HARDNESS_MAX_METHODS];
  size_t nmethods;
  char *text;                  /* the file as read (recorded in hardness.json); owned */
} fga_hardness_config;

/* Reads and validates; messages are "FILE:LINE: what", worded as the
   sweeps' (unknown or repeated keys and sections, syntax).  */
int fga_hardness_config_read (fga_hardness_config *cfg, const char *path, fga_error *err);
void fga_hardness_config_clear (fga_hardness_config *cfg);

/* Progress.  Steps: one per instance (draw, brute force, reduce, the
   degree scan, and without a farm the exact reference), one per method
   and n searched (on a farm, with the references of its instances).  Their
   costs differ by orders of magnitude and the large n come last, so the
   work fields weigh each step by a cost model, in arbitrary units, for an
   ETA (elapsed_seconds / work_done * (work_total - work_done)).  With N = 2n
   the rows and d = 2m the columns of the attention instance:
     an instance       N^2 d + 13 N d (g + 1):
   the score histograms and the reference (N^2 d) and the scan's MPFR
   evaluations at g + 1 degrees (N d each, measured at 13 times the cost
   of a histogram's entry), g the certified degree predicted from n alone
   (the reduction's accuracy and R follow from n, m, t and the gap; gmax
   when none is certified);
     a method search   ninst N^2 d c + 2e8:
   as if each of the ninst instances ran once at about exact attention's
   cost (the sizes searched stop where the method costs as much), c = N / 32
   for svd and nystrom (their dense factorisations, N^3 and m^3) and 1 for
   the others, plus the search's fixed costs (thread start-up; a run shorter
   than 50 ms runs three times).  A model, not a measurement: replayed on
   the step times of two runs of experiments/hardness.conf (the whole grid,
   and its n <= 512 on a busier machine), the ETA after each n came out
   between 0.3 and 2.6 times the time actually left (the model overrates rf
   and poly, underrates dilated, and fixed costs grow with the machine's
   load).  Within a search, work_done grows with each run (a run at size s
   counts s / hi of one instance's share, hi the largest size searched), up
   to 9/10 of the step's weight until the step ends.  */
typedef struct
{
  size_t steps_done, steps_total;
  size_t n;                    /* the size of the step in flight (or last finished) */
  const char *current;         /* the step in flight ("n=512 seed 3 NO", "n=512 rf m=64"),
                                  NULL after the last */
  double elapsed_seconds;
  double work_done, work_total;
  size_t steps_resumed;        /* of steps_done, the steps an interrupted run had done */
  double work_resumed;         /* their work, in work_done */
} fga_hardness_progress;

/* Called when a step starts, within a method search after each run, and
   when a step ends; from the thread that called fga_hardness_run.  A run
   that resumes (see fga_hardness_run) counts the steps it takes up as done
   from its first report on (steps_resumed, work_resumed), so that an ETA
   is elapsed_seconds / (work_done - work_resumed) * (work_total -
   work_done).  With a farm the steps run elsewhere: the master reports
   each step as its rows arrive (current NULL), nothing within a step.  */
typedef void (*fga_hardness_progress_fn) (const fga_hardness_progress *p, void *data);

/* The result per n, as summary.md shows it.  */
typedef struct
{
  size_t n, N, m, d, t;
  size_t instances;            /* 2 per seed */
  double s_over_sqrt_ln_n;
  double R_lo, R_hi;           /* the radii of the instances */
  double accuracy;             /* E / (8n) */
  long least;                  /* the least degree from which every degree scanned decides
                                  every instance of n; -1: some instance has none (> gmax) */
  long runs_from;              /* the least degree from which no row sum of p_g is <= 0,
                                  over the instances; -1: none up to gmax */
  long certified;              /* the largest certified degree of the instances; -1: some
                                  instance has none up to gmax */
  double log10_r_least;        /* log10 C(d + least, d); NaN when least < 0 */
  double x_least;              /* x with C(d + least, d) = N^x; NaN when least < 0 */
  double log10_r_cert, x_cert; /* the same at the certified degree */
} fga_hardness_size;

typedef struct
{
  size_t nn;
  fga_hardness_size sizes[FGA_HARDNESS_MAX];
  /* Least squares over the sizes with a least degree (fga_fit_power):
     least g = fit_g_slope ln N + const, and C(d + least, d) ~ N^fit_r_exponent;
     NaN with fewer than two such sizes, or r beyond the doubles.  */
  size_t nfit;
  double fit_g_slope, fit_r_exponent;
} fga_hardness_summary;

typedef struct
{
  fga_hardness_progress_fn progress;   /* may be NULL */
  void *progress_data;
  fga_hardness_summary *summary;       /* filled when the run succeeds; may be NULL */
  const fga_farm *farm;                /* NULL: every step here, in order */
} fga_hardness_opts;

/* Runs the grid and writes into outdir (made when missing), all five
   files replaced together at the end (an atomic group): instances.csv (a
   row per instance; its last column, wall_seconds, the time of the
   instance's step: draw, brute force, reduction, certified degree and
   scan, less what the process had made for an earlier step),
   degrees.csv (a row per instance and degree scanned),
   methods.csv (a row per method of the configuration and n: the least size
   that decides every instance of n, or censored), summary.md (per n: the
   least degree deciding every instance, r, the certified degree, fits
   against n; a table per method) and hardness.json (fgattn version, the
   BLAS it ran on, "blas", and the configuration).  An interrupted or
   failed run leaves the previous files untouched.  opts may be NULL;
   otherwise its progress function is called as the steps go, and its
   summary gets summary.md's table per n.

   Steps and resuming.  The run is a list of steps: for each n, each
   instance (for each seed, YES then NO: drawn, brute-forced, reduced,
   scanned), then each method's search at that n.  Each step makes its
   rows, and as it ends they are kept in outdir/.partial (a file per step,
   written atomically, beside outdir/.partial/config, the configuration's
   text).  A run into a folder whose .partial holds the same configuration
   runs only the steps missing there; a .partial of another configuration
   is refused (FGA_ERR_INPUT), and a step file that is not the rows of its
   step (FGA_ERR_IO, naming it: removed, the step runs again).  Once every
   step is held the five files are written from the steps' rows in the
   order of the list -- whatever order the steps ended in, and whether
   they ran in this run or an earlier one -- and .partial is removed.  A
   run that fails keeps .partial when it holds a step.  The summary is
   made from the rows as written (their numbers have 17 digits), so a
   resumed run writes what an uninterrupted one writes, timings aside.

   Farms.  With opts->farm (fgattn/core.h), every process of the farm
   calls fga_hardness_run with the same configuration, outdir and opts.
   The master (farm->is_master) alone touches outdir: it makes and locks
   it, reads .partial, and shares the list of the steps left -- or its
   failure, which every other process then returns too (same code and
   message) -- with farm->share; then every process calls farm->run with
   those steps (their predicted costs from the progress's cost model), the
   master receives each step's rows, keeps them in .partial, and writes
   the five files at the end as above.  The steps are independent: a
   search makes its instances and their exact references itself rather
   than waiting for the instance steps (about 2 ninst N^2 d more work, a
   few percent of a search; a process keeps the instances of the last n it
   worked on, so that a run without a farm does nothing twice).  So a run
   on P processes writes the rows one process writes, every column but
   the timings (instances.csv: wall_seconds; methods.csv: seconds,
   exact_seconds, time_ratio, search_seconds; summary.md: `time / exact'),
   in the same order -- on processes with the same BLAS kernels, as the
   last bits of svd, nystrom and the random features follow them.  The
   other processes return farm->run's status; only the master's tells
   whether the files were written, and only its opts->summary is filled.
   Without a farm (opts->farm NULL), the steps run here, one after the
   other in the order of the list.

   The methods' search.  A method decides an instance when
   fga_reduction_decide on its output answers as the brute force does (the
   very test exact attention passes); its size is searched in [lo, hi],
   lo the least value the parameter takes (at least 1; for the l of
   strided and fixed, ceil (sqrt (N)), below which their pattern grows
   again, up to every key at l = 1) and hi the largest size below the
   point where the method is no cheaper than exact attention:
   hi = N - 1 for N = 2n, the rows of the attention instance
   (svd k = N, nystrom m = N, window w = N - 1, strided l = N are exact
   attention), and for poly's deg the largest g with C(d + g, d) < N.
   Doubling from lo finds a size that decides every instance, then
   bisection the least one, assuming that deciding is monotone in the size
   (it is not proved for any of them; for the random methods it is a claim
   about the seed of the spec).  A size the method refuses or fails at
   decides nothing.  The reference is exact:algo=stream in double; its
   error is far below the accuracy E / (8n), and its decision is checked
   against the brute force.

   outdir is locked for the run as fga_sweep_run locks its folder
   (outdir/.lock): a folder another run is writing is refused with
   FGA_ERR_IO, "OUTDIR is being written by another fgattn (pid N)".  */
int fga_hardness_run (const fga_hardness_config *cfg, const char *outdir,
                      const fga_hardness_opts *opts, fga_error *err);

#ifdef __cplusplus
}
#endif

#endif /* FGATTN_REDUCTION_H */
