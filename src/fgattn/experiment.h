/* fgattn/experiment.h -- sweeps, their reports, and timing mechanisms in n

Copyright 2026 the fgattn authors.

This file is part of fgattn.  fgattn is free software: you can redistribute
it and/or modify it under the terms of the GNU General Public License as
published by the Free Software Foundation, either version 3 of the License,
or (at your option) any later version.  See COPYING.  */

#ifndef FGATTN_EXPERIMENT_H
#define FGATTN_EXPERIMENT_H

#include "fgattn/core.h"
#include "fgattn/io.h"
#include "fgattn/numerics.h"
#include "fgattn/analyzer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Experiments: sweep configurations.

   A configuration is an INI file (comments: a line starting with # or ;,
   or ; after white space at the end of a line):

     [grid]
     n = 256, 512, 1024          ; sizes (nq = nk = n)
     d = ceil(log2 n)            ; a number, or c*log2(n) / ceil(c*log2 n) forms
     dv = d                      ; optional; default d
     beta = 0.25, 0.5, 1, 1.5    ; B = beta * sqrt(ln n) ... or:
     B = 0.5, 1, 2               ; absolute bounds (exactly one of beta, B)
     Bv = 1                      ; optional; default B
     dist = uniform              ; uniform | rademacher | gaussian
     tau = 1/d                   ; 1/d | 1/sqrt(d) | a number
     seeds = 1, 2, 3             ; replicates

     [truth]
     mpfr_max_n = 1024           ; certified MPFR truth up to this n, the best
     prec = 128                  ; double method (exact:algo=stream) beyond

     [rank]
     tol = 1/n, 1e-3             ; numerical rank of P at these tolerances
     max_n = 2048                ; (skipped above: it needs an n x n SVD)

     [method poly]               ; one section per method ("method LABEL")
     spec = poly:basis=cheb      ; the method string without the size parameter
     size = deg                  ; the size parameter that is swept and searched
     sizes = 2, 4, 6, 8          ; the sizes run in every cell
     targets = 1e-2, 1e-4        ; for each target, the least size reaching it
     max_size = 40               ; upper end of the search

   Unknown sections and keys, malformed values and missing required keys
   are refused with the file name and line, and so is a file that is not
   text: not UTF-8, a NUL byte or another control character than tab (or
   larger than 1 MiB).  Lines have no length limit.

   Sizes are refused before any work: prec outside 53..1048576 (as
   `fgattn truth --prec'), n or d beyond 2^53 (d = 1e300*log2(n) included:
   too large for an integer), and a grid whose largest cell cannot fit in
   the machine's physical memory (sysconf).  A cell's bytes are estimated
   as Q, K, V, the truth and a method's output (8 n (2 d + 3 dv)); the
   certified truth's working memory when n <= mpfr_max_n (Q and K split
   into significands and exponents, V at 53 bits, and per thread a row of
   n + 1 numbers at 4 prec bits); rank's n x n matrix P and dgesdd's
   workspace (8 (n^2 + 12 n)) when n <= max_n and tol is given; and the
   largest of the methods' needs: the budget= of poly and tsketch (the most
   they allow themselves; default 2^30 bytes, lower it in the spec on a
   small machine), about 7 n^2 doubles for svd, 2 n m + m^2 doubles for rf
   and nystrom at their largest m.  The message names the cell, its parts
   and the line of the largest one (n or d, [rank] max_n, or the method's
   spec).  */

#define FGA_SWEEP_MAX_LIST 64
#define FGA_SWEEP_MAX_METHODS 16

typedef struct
{
  char label[64];              /* from the section name */
  char spec[512];              /* method string without the size parameter */
  char size_key[64];           /* "" when the method has no size parameter */
  size_t nsizes;
  double sizes[FGA_SWEEP_MAX_LIST];
  size_t ntargets;
  double targets[FGA_SWEEP_MAX_LIST];
  double max_size;             /* search upper end; 0 when no search */
} fga_sweep_method;

typedef struct
{
  char path[4096];             /* the file read */
  size_t nn;
  size_t n[FGA_SWEEP_MAX_LIST];
  /* d = d_fixed when d_coef == 0, else d_coef * log2(n), rounded up when d_ceil */
  size_t d_fixed;
  double d_coef;
  int d_ceil;
  size_t dv_fixed;             /* 0: dv = d */
  int use_beta;                /* 1: values are beta, B = beta sqrt(ln n); 0: absolute B */
  size_t nb;
  double b[FGA_SWEEP_MAX_LIST];
  double Bv;                   /* 0: Bv = B */
  fga_dist dist;
  fga_tau tau;
  size_t nseeds;
  unsigned long seeds[FGA_SWEEP_MAX_LIST];
  size_t mpfr_max_n;
  long prec;
  size_t ntol;
  double tol[FGA_SWEEP_MAX_LIST];   /* a tolerance 1/n is stored as -1 */
  size_t rank_max_n;
  size_t nmethods;
  fga_sweep_method methods[FGA_SWEEP_MAX_METHODS];
} fga_sweep_config;

/* Reads and validates a configuration, the sizes and the memory of its
   cells included (with the threads of one cell at a time); messages are
   "FILE:LINE: what".  */
int fga_sweep_config_read (fga_sweep_config *cfg, const char *path, fga_error *err);
/* The checks of sizes and memory above, for a configuration made in code
   (or read on another machine), with `jobs' cells run at once (each on one
   thread when jobs > 1): FGA_ERR_INPUT naming the value or the cell, and
   the file when cfg->path is set.  fga_sweep_run calls it first.  */
int fga_sweep_config_check (const fga_sweep_config *cfg, int jobs, fga_error *err);
/* d for a given n under the configuration (SIZE_MAX when d_coef log2 n is
   beyond 2^63: fga_sweep_config_check refuses it).  */
size_t fga_sweep_config_d (const fga_sweep_config *cfg, size_t n);
/* B for a given n and grid value b.  */
double fga_sweep_config_B (const fga_sweep_config *cfg, size_t n, double b);

/* Running a sweep.  Every cell (n, b, seed) makes its instance, computes
   the ground truth once, runs every method at every size, the numerical
   rank of P, and the least size of each method reaching each target.  It
   appends rows to three tidy CSV files in outdir, flushed and fsync'ed
   after each cell, so an interrupted run loses at most the cell in flight;
   a re-run with the same configuration skips the cells already in
   results.csv (resume).  outdir/sweep.json, written with the first cell's
   rows, records the fgattn version, the configuration as given, the host,
   the date and the seeds.  A configuration that is one of the files the
   run writes (same device and inode) is refused; other files of outdir may
   hold it.

   Before anything is made, the configuration is checked
   (fga_sweep_config_check with opts->jobs).  Then outdir is made (with
   its parents) and locked for the run: an exclusive flock on
   outdir/.lock, left in place by a run that saved rows; a run that fails
   before its first cell removes what it made (.lock, header-only CSV
   files, sweep.json, empty folders it created).  A folder another sweep or
   hardness run is writing, in this process or another, is refused at once
   with FGA_ERR_IO, "OUTDIR is being written by another fgattn (pid N)"
   (the program: exit 1), and nothing in it is touched; the lock goes when
   the run returns or its process ends, however it ends.

   results.csv: cell,n,d,dv,beta,B,Bv,dist,tau,seed,R_apriori,R_data,truth,
                label,method,size_key,size,status,max_abs,rel_fro,mean_abs,
                max_ulps,mul,add,exp,div,cmp,peak_bytes,wall_seconds
                (status: ok | refused | failed; the error columns empty
                unless ok; beta empty when the grid is in absolute B)
   rank.csv:    cell,n,d,beta,B,seed,tol,tol_value,rank
                (tol as written, "1/n" or a number; tol_value its value)
   least.csv:   cell,n,d,beta,B,seed,label,size_key,target,least_size
                (least_size empty when not reached up to max_size)
   A cell's id is "n=N,b=B,seed=S".  Timing columns aside, the same
   configuration gives the same rows.  */

typedef struct
{
  size_t cells_total, cells_done, cells_skipped;
  const char *current;         /* the cell in flight, or NULL */
  double elapsed_seconds;
} fga_sweep_progress;

typedef void (*fga_sweep_progress_fn) (const fga_sweep_progress *p, void *data);

typedef struct
{
  int jobs;                    /* cells run in parallel (>= 1) */
  fga_sweep_progress_fn progress;   /* called after each cell; may be NULL */
  void *progress_data;
} fga_sweep_opts;

int fga_sweep_run (const fga_sweep_config *cfg, const char *outdir,
                   const fga_sweep_opts *opts, fga_error *err);

/* ------------------------------------------------------------------ */
/* Reports of a sweep.  Tables, exponent fits and gnuplot inputs
   regenerated from the CSV files of a sweep alone (results.csv, rank.csv,
   least.csv, columns as in "Running a sweep"; found by name in the header,
   other columns ignored).  The row axis is beta, or B when a row's beta is
   empty.  Every value is first the mean over seeds.  */

#define FGA_REPORT_RESULTS 1u
#define FGA_REPORT_RANK    2u
#define FGA_REPORT_LEAST   4u

typedef struct fga_report_struct fga_report_struct;
typedef fga_report_struct *fga_report_ptr;

/* Reads whichever of the three files dir holds.  FGA_ERR_INPUT when dir
   holds none of them, or a file is malformed (message "path:line: what").  */
int fga_report_read (fga_report_ptr *rep, const char *dir, fga_error *err);
void fga_report_destroy (fga_report_ptr rep);
/* The FGA_REPORT_* bits of the files that were there.  */
unsigned fga_report_files (const fga_report_struct *rep);
/* Whether the row axis is B (the grid was in absolute B) rather than beta. */
int fga_report_axis_is_B (const fga_report_struct *rep);

/* One fitted exponent in n: of the numerical rank of P at a tolerance
   (quantity "rank", label "", param the tol) or of the least size of a
   method (quantity "least_size", param the target), at one axis value x.  */
typedef struct
{
  const char *quantity, *label, *param;
  int x_is_B;
  double x;
  double exponent;             /* NaN when fewer than two n have a value */
  size_t points;               /* the n that entered the fit */
} fga_report_exponent;

/* The exponents, by tol then by (label, target), each by increasing x.
   Owned by rep.  */
size_t fga_report_exponents (const fga_report_struct *rep, const fga_report_exponent **ex);

/* Writes, each atomically, into dir: error-vs-B.md, least-size.md,
   exponents.md, and for each plot NAME.dat and NAME.gp.  A script, run in
   dir as `gnuplot NAME.gp', writes NAME.png and NAME.svg; run as
   `gnuplot -e "out='X'" NAME.gp' it writes X.png and X.svg instead (so that
   a caller can render under temporary names and rename when complete).  */
int fga_report_write (fga_report_ptr rep, const char *dir, fga_error *err);
/* The plots (NAME, without extension) of the last fga_report_write.  */
size_t fga_report_nplots (const fga_report_struct *rep);
const char *fga_report_plot (const fga_report_struct *rep, size_t i);

/* The mechanisms of the analyzer that fgattn runs, with the method that
   runs each (its counts equal the analyzer's) and the asymptotic exponent
   in n of its work W (the sum of the five operation counts) for fixed d,
   dv and fixed parameters of the mechanism:
     vanilla   exact:algo=naive                          2    O(n^2 d)
     stream    exact:algo=stream,block=B                 2    O(n^2 d)
     window    window:w=W,causal=0|1                     1    O(w n d)
     strided   strided:l=L,causal=0|1  l = 0 (sqrt n):   1.5  O(n sqrt(n) d)
                                       l fixed:          2    O(n^2 d / l)
     fixed     fixed:l=L,c=C,causal=0|1
                                       l = 0 (sqrt n):   1.5  O(c n sqrt(n) d)
                                       l fixed:          2    O(c n^2 d / l)
     dilated   dilated:w=W,r=R,alpha=A,levels=K,head=H,causal=0|1
                                                         1    O(n d w / r^2)
     poly      poly:deg=G                                1    O(n r dv), r = C(d+g, d)
     rf        rf:m=M,kind=pos|hyp|trig                  1    O(n m (d + dv))
     nystrom   nystrom:m=M,pinv=iter,iters=I,landmarks=uniform|segment
                                                         1    O(n m (d + dv) + iters m^3)
   The pair counts of src/methods/window.c, strided.c, fixed.c and dilated.c give
   them: window n (2w + 1) - w (w + 1); strided n^2 / l + 2 n l and fixed
   c n^2 / l + n (l - c), each up to O(n) (causal: about half); dilated
   about n sum_k w_k / r_k^2 <= n w alpha / ((alpha - 1) r^2) for any number
   of levels (the geometric schedule, levels = 0, included: its top segment
   holds the whole sequence at a dilation that keeps about w / r of it).  */
typedef struct
{
  char spec[256];              /* the method string, every parameter that matters given */
  double exponent;             /* the asymptotic exponent of W in n */
  const char *work_class;      /* the class, e.g. "O(n^2 d)"; static storage */
} fga_scaling_mech;

/* FGA_ERR_INPUT for a mechanism fgattn does not run (mha, recurrent, conv,
   linear, flash: the message names those it can time), for causal where
   the method has no causal form, and for poly with g = 0 (the method's
   deg=0 chooses the degree from the data).  s->lse is not part of a spec:
   a caller that sets it passes an lse buffer to fga_method_run.  */
int fga_scaling_mech_from_spec (fga_scaling_mech *sm, const fga_an_spec *s, fga_error *err);

/* Refuses (FGA_ERR_INPUT, naming the parameter and the least n that
   works) an n at which the mechanism of s cannot run or is not the
   mechanism any more but exact attention under another name: window with
   n <= w + 1, strided and fixed with a fixed l >= n, strided with l = 1,
   fixed with c = l (l as resolved at n), dilated with n <= w or a pattern
   that leaves a query out, nystrom with n <= m.  Also refuses what the
   analyzer refuses at nq = nk = n.  s->nq and s->nk are ignored.  */
int fga_scaling_check_n (const fga_an_spec *s, size_t n, fga_error *err);

/* An estimate of the bytes one run at nq = nk = n needs: Q, K, V and the
   output T (exact) and the method's working memory: the analyzer's model
   (per thread, times threads, for stream and the sparse mechanisms),
   except vanilla, whose model materialises S while exact:algo=naive holds
   one row per thread (nk + dv doubles), and poly, whose model holds the
   whole feature matrices while the method works in blocks and refuses
   more than its budget (2^30 bytes) itself.  Threads: as many as the
   kernels may use (fga_max_threads).  */
int fga_scaling_bytes (double *bytes, const fga_an_spec *s, size_t n, fga_error *err);

#ifdef __cplusplus
}
#endif

#endif /* FGATTN_EXPERIMENT_H */
