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
   or ; after white space at the end of a line).  The grid's axes are n,
   dist, law, beta and seeds; a cell is one value of each:

     [grid]
     n = 256, 512, 1024          ; sizes (nq = nk = n); an item may be a power
                                 ; of two 2^K or a range 2^8 .. 2^14 (every
                                 ; power of two from 2^8 to 2^14)
     d = ceil(log2 n)            ; a number, or c*log2(n) / ceil(c*log2 n) forms
     dv = d                      ; optional; default d
     law = 1, (ln n)^(1/4), sqrt(ln n)   ; laws f of n (fga_law_parse): B = beta f(n)
     beta = 0.25, 0.5, 1, 1.5    ; with law, or alone (then law = sqrt(ln n))
     B = 0.5, 1, 2               ; or absolute bounds: law = 1 and beta = these
                                 ; values (not with beta or law)
     Bv = 1                      ; optional; default B
     dist = uniform, lowrank     ; entry laws (fga_dist_parse); default uniform
     tau = 1/d                   ; 1/d | 1/sqrt(d) | a number
     seeds = 1, 2, 3             ; replicates

     [truth]
     mpfr_max_n = 1024           ; certified MPFR truth up to this n, the best
     prec = 128                  ; double method (exact:algo=stream) beyond

     [rank]                      ; the numerical rank of P, when tol is given
     tol = 1/n, n^-2, 1e-3       ; accuracies (fga_accuracy_parse), taken at each n
     algo = auto                 ; dense | randomized | auto: dense up to
     dense_max_n = 4096          ;   dense_max_n, randomized beyond
     max_n = 2048                ; no rank above this n
     kmax = 512                  ; the randomized algorithm's budget of rank

     [method poly]               ; one section per method ("method LABEL")
     spec = poly:basis=cheb      ; the method string without the size parameter
     size = deg                  ; the size parameter that is swept and searched
     sizes = 2, 4, 6, 8          ; the sizes run in every cell
     targets = 1e-2, n^-1        ; accuracies: the least size reaching each
     max_size = 40               ; upper end of the search: a number, or n
     max_n = 2048                ; optional: run the method only at n <= max_n

     [cost]                      ; optional: the polynomial method's own cost
     eps = n^-1, 1e-3            ; accuracies eps_a (additive, on the output); required
     basis = cheb                ; cheb | taylor
     gmax = 64                   ; the empirical degree search stops here (1..10000)
     poly_max_bytes = 2^30       ; poly is timed only where 8 r (2 n + dv + 1) fits
     exact = exact:algo=stream   ; the exact method timed beside (an exact:... spec)

   The values of a list are distinct (two equal values would make two
   cells with one id); laws are equal when their normalised texts are
   ("(ln n)^0.5" is sqrt(ln n)).  Unknown sections and keys, malformed
   values and missing required keys are refused with the file name and
   line, and so is a file that is not text: not UTF-8, a NUL byte or
   another control character than tab (or larger than 1 MiB).  Lines have
   no length limit.

   Sizes are refused before any work: prec outside 53..1048576 (as
   `fgattn truth --prec'), n or d beyond 2^53 (d = 1e300*log2(n) included:
   too large for an integer); n below the least n of a law
   (fga_law_min_n: 2, or 16 for /ln(ln n)), at the law's line; a B =
   beta f(n) that is not a finite double, at beta's line; an accuracy
   whose value at some n of the grid is below the least normal double
   (n^-64 at n = 2^17, say), at its line; a max_size = n that the method
   refuses at some n of the grid; and a grid whose largest cell cannot fit
   in the machine's physical memory (sysconf).  A cell's bytes are
   estimated as Q, K, V, the truth and a method's output
   (8 n (2 d + 3 dv)); the certified truth's working memory when
   n <= mpfr_max_n (Q and K split into significands and exponents, V at
   53 bits, and per thread a row of n + 1 numbers at 4 prec bits); the
   rank when n <= max_n and tol is given: dense, the n x n matrix P and
   dgesdd's workspace, 8 (n^2 + 12 n); randomized, the randomized
   algorithm's own estimate, O(n (kmax + oversampling) + block); and the
   largest of the methods' needs: the budget= of poly and tsketch (the
   most they allow themselves; default 2^30 bytes, lower it in the spec on
   a small machine), about 7 n^2 doubles for svd, 2 n m + m^2 doubles for
   rf and nystrom at their largest m (n for max_size = n), and [cost]'s
   needs: poly's tables for r = C(d + g, d) features up to what
   poly_max_bytes and gmax allow (16 r bytes, with 16 gmax n for its
   ancestors), and the empirical degree's rows.  The message names the
   cell, its parts and the line of the largest one (n or d, [rank] max_n
   or kmax, the method's spec, or poly_max_bytes).

   A configuration needs a [method LABEL] section or [cost]: without
   methods, results.csv holds its header alone and cost.csv is the record
   of the cells done (below).  */

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
  fga_accuracy targets[FGA_SWEEP_MAX_LIST];
  double max_size;             /* search upper end; 0 when no search */
  int max_size_n;              /* 1: the upper end is the cell's n (max_size = n) */
  size_t max_n;                /* runs at n <= max_n only (rows "skipped" above); 0: every n */
} fga_sweep_method;

typedef enum
{
  FGA_SWEEP_RANK_DENSE,        /* every singular value of P (dgesdd) */
  FGA_SWEEP_RANK_RANDOMIZED,   /* the randomized rank, at most kmax */
  FGA_SWEEP_RANK_AUTO          /* dense up to rank_dense_max_n, randomized beyond */
} fga_sweep_rank_algo;

/* [cost]: per cell and eps, the polynomial method's certified and
   empirical degrees, its feature counts and its time beside exact's.  */
typedef struct
{
  int on;                      /* 1 when the configuration has [cost] */
  size_t neps;
  fga_accuracy eps[FGA_SWEEP_MAX_LIST];
  fga_basis basis;
  long gmax;                   /* the empirical search's largest degree */
  double poly_max_bytes;       /* poly is timed only where 8 r (2 n + dv + 1) <= this */
  char exact[512];             /* the exact method's spec */
} fga_sweep_cost;

typedef struct
{
  char path[4096];             /* the file read; "" for a configuration made in code */
  size_t nn;
  size_t n[FGA_SWEEP_MAX_LIST];
  /* d = d_fixed when d_coef == 0, else d_coef * log2(n), rounded up when d_ceil */
  size_t d_fixed;
  double d_coef;
  int d_ceil;
  size_t dv_fixed;             /* 0: dv = d */
  size_t nlaws;
  fga_law laws[FGA_SWEEP_MAX_LIST];
  size_t nb;
  double b[FGA_SWEEP_MAX_LIST];   /* beta: B = beta f(n); with the law 1, B itself */
  double Bv;                   /* 0: Bv = B */
  size_t ndists;
  fga_dist dists[FGA_SWEEP_MAX_LIST];
  fga_tau tau;
  size_t nseeds;
  unsigned long seeds[FGA_SWEEP_MAX_LIST];
  size_t mpfr_max_n;
  long prec;
  size_t ntol;
  fga_accuracy tol[FGA_SWEEP_MAX_LIST];
  fga_sweep_rank_algo rank_algo;
  size_t rank_dense_max_n, rank_max_n, rank_kmax;
  size_t nmethods;
  fga_sweep_method methods[FGA_SWEEP_MAX_METHODS];
  fga_sweep_cost cost;
} fga_sweep_config;

/* The defaults of a file that gives only n, beta and one method: no n, no
   beta, no method; d = ceil(log2 n), dv = d, law sqrt(ln n), Bv = B, dist
   uniform, tau = 1/d, seeds 1; mpfr_max_n 1024, prec 128; no tol, algo
   auto, dense_max_n 4096, max_n 2048, kmax 512; no [cost] (its own
   defaults set: basis cheb, gmax 64, poly_max_bytes 2^30,
   exact:algo=stream).  A configuration made in code starts here.  */
void fga_sweep_config_init (fga_sweep_config *cfg);
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
/* B = beta f(n) for the law laws[ilaw] (fga_law_factor, in double: the B
   recorded and used).  */
double fga_sweep_config_B (const fga_sweep_config *cfg, size_t ilaw, size_t n, double beta);

/* Running a sweep.  Every cell (n, dist, law, beta, seed) makes its
   instance, computes the ground truth once, runs every method at every
   size, the numerical rank of P, the least size of each method reaching
   each target and, with [cost], poly's cost.  It appends rows to tidy CSV
   files in outdir (cost.csv only with [cost]), flushed and fsync'ed after
   each cell, so an interrupted run loses at most the cell in flight; a
   re-run with the same configuration skips the cells already in
   results.csv (in cost.csv when there is no method) (resume).
   outdir/sweep.json, written with the first cell's rows, records the
   fgattn version, the configuration as given, the host, the date, the
   seeds, the BLAS ("blas": fga_blas_text) and, for a shard,
   its share (below).  A configuration that is one of the files the
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
   the run returns or its process ends, however it ends.  A CSV file
   already in outdir with another header (an older sweep's) is refused.

   A cell's id is "n=N,dist=D,law=L,b=BETA,seed=S" (L the law's text,
   BETA the shortest decimal of beta), quoted in the files.  Booleans are
   0 or 1; an empty field is a value that does not apply.  Every row of
   rank.csv, least.csv and cost.csv starts with the cell's columns
   cell,n,d,dist,law,beta,B,seed (beta always filled: for the law 1 it
   equals B).

   results.csv: cell,n,d,dv,dist,law,beta,B,Bv,tau,seed,R_apriori,R_data,
                truth,label,method,size_key,size,status,max_abs,rel_fro,
                mean_abs,max_ulps,mul,add,exp,div,cmp,peak_bytes,message,
                wall_seconds
                (status: ok | refused | failed | skipped, the last for
                n above the method's max_n; the error columns empty
                unless ok; max_ulps over the entries of the same sign as
                the truth's (fga_metrics), empty when there are none;
                message: why a run was refused, failed or skipped, on one
                line, empty when ok)
   rank.csv:    cell columns,tol,tol_value,algo,rank,censored,distinct_rows
                (tol as written, "1/n", "n^-2" or "1e-3", tol_value its
                value at n; algo dense | randomized
                (fga_attention_rank_randomized, kmax and the cell's seed);
                censored = 1: the randomized rank is above kmax or its
                budget could not decide it, and the true rank is >= rank;
                distinct_rows = min (distinct rows of Q, of K), an upper
                bound on the rank of P)
   least.csv:   cell columns,label,size_key,target,target_value,least_size,
                censored
                (target as written, target_value its value at n; censored
                = 1: no size up to the searched maximum reached the target,
                least_size is that maximum and the true least size is
                larger: with max_size = n, no better than exact attention.
                A size the method refuses or fails at counts as not
                reaching it.  least_size is never empty; no row at an n
                above the method's max_n)
   cost.csv:    cell columns,eps,eps_value,R,g_cert,g_cert_censored,r_cert,
                r_cert_log10,g_emp,g_emp_censored,r_emp,r_emp_log10,
                poly_status,poly_seconds,exact_seconds
                (one row per eps: R the data's score radius
                (fga_score_radius, raised to 2^-30 as poly's R=auto does);
                g_cert the least degree certified by
                fga_expfit_least_degree within the relative eps_value /
                (2 Bv) (at most 1/2, as `fgattn plan' and poly take it) on
                [-R, R]; g_cert_censored = 1: none up to 10000 is, the
                true degree is > g_cert = 10000; both empty when R > 1024
                or the relative eps underflows to 0, where expfit
                certifies nothing; r_cert = C(d + g_cert, d)
                rounded to the nearest double (%.17g), empty above the
                largest double, and r_cert_log10 its decimal logarithm,
                always given with g_cert; g_emp the least degree whose
                poly output is within eps_value (max_abs) of the truth of
                this instance (fga_poly_least_degree, from 1 up),
                g_emp_censored = 1: none up to gmax, the true one is
                > g_emp = gmax; both empty when R > 1024 (poly takes no
                larger radius; poly_status refused); r_emp and
                r_emp_log10 as for r_cert; poly_status ok (poly:basis=B,deg=g_emp,R=auto,
                budget=poly_max_bytes run and timed), memory (8 r_emp
                (2 n + dv + 1) > poly_max_bytes, not run), refused or
                failed (the method said no),
                poly_seconds empty unless ok; exact_seconds the exact
                method's time on the cell)
   Timing columns aside, the same configuration gives the same rows.  */

/* Progress.  The cells of a grid differ in cost by orders of magnitude
   (n^2 and more), and the small ones come first, so an ETA from the mean
   time of the cells done is far too optimistic early: the work fields
   weigh each cell by a cost model instead, in arbitrary units.  A cell of
   size n, d, dv weighs
     n^2 ((d + dv) (t + m + c) + r)
   with t = 10 for the certified truth (n <= mpfr_max_n; about 10 times
   the double kernel, its double-double path deciding nearly every entry)
   and 1 for the double one; m the method runs:
   per method (none above its max_n) its number of grid sizes, or 1
   without a size, plus ceil (log2 (max_size)) per target (the least-size
   search's bisection; max_size taken as n where it is n); c = 1 + 2 neps with [cost] (exact,
   then per eps the degree search and poly's timing), else 0; r the rank's
   work: n when dense (the SVD is O(n^3)), min (kmax, n) when randomized
   (a pass over P costs n^2 per column of the sketch), 0 without a rank.
   work_total sums every cell of the grid; work_done the cells done,
   resumed ones included (it ends equal to work_total); work_skipped the
   resumed ones alone, done before this run and so not in elapsed_seconds.
   Within a cell the same model weighs its steps: the truth (n^2 (d + dv)
   t), the rank (n^2 r), each method run (n^2 (d + dv); a least-size
   search moves by one run per size it runs, up to its ceil (log2
   (max_size)), then to that), each step of [cost] (the exact run, then
   per eps the degree search and poly's timing); cell_fraction is the
   share of the cell named by current done so far, and work_running the
   work done within all the cells in flight (with jobs > 1, several), so
   that work_done + work_running grows during long cells too.
   An ETA: elapsed_seconds / (work_done + work_running - work_skipped) *
   (work_total - work_done - work_running).

   The function is called from the thread that ran the step, one call at
   a time: when a cell begins (current its id, cell_fraction 0), after
   each step of a cell (current its id, cell_fraction nondecreasing, the
   last call of a cell with exactly 1), when a cell ends (current NULL,
   cell_fraction 0, cells_done and work_done counting it), and once more
   when the run ends.  work_running sums, in the order the cells began,
   cell_fraction times the cell's weight, so with jobs = 1 work_done +
   work_running never decreases (with jobs > 1, up to rounding).  runs_*
   count the rows of results.csv by status, of the cells this run
   finished (resumed ones aside).  */
typedef struct
{
  size_t cells_total, cells_done, cells_skipped;
  const char *current;         /* the cell in flight, or NULL */
  double elapsed_seconds;
  double work_total, work_done, work_skipped;
  double cell_fraction;        /* the share of current done, 0 .. 1 */
  double work_running;         /* the work done within the cells in flight */
  size_t runs_ok, runs_refused, runs_failed, runs_skipped;
} fga_sweep_progress;

typedef void (*fga_sweep_progress_fn) (const fga_sweep_progress *p, void *data);

/* Sweeps beyond one machine.

   A farm (opts->farm, fgattn/core.h; fgattn-mpi's spreads cells over MPI
   ranks).  Every process calls fga_sweep_run with the same cfg, outdir and
   opts.  The master alone checks the configuration, makes, locks and
   resumes outdir, and shares the list of cells left (or its failure: then
   every process returns that error, with the master's message); the farm
   then runs one task per cell left, with the cost model's weights as its
   costs.  A task computes a cell's rows into bytes (nothing in outdir),
   and the master appends them as they are delivered, each cell flushed
   and fsync'ed as without a farm, and reports progress (within a cell only
   for the cells its own process computes).  Workers never touch outdir.
   jobs is ignored: each process computes one cell at a time (the kernels
   use their threads).  Cells end in any order; when every cell is done
   the master rewrites each file atomically with its rows in the grid's
   order (n, then dist, law, beta, seed; a cell's rows as computed), the
   order a run without a farm and with jobs = 1 writes, so that the files
   are those of such a run (timing columns aside: wall_seconds,
   poly_seconds, exact_seconds).  A farm's run that stops early leaves its
   rows in the order delivered; a re-run, with or without a farm, resumes
   it (and with a farm puts the rows in order at its end).  A run with
   jobs > 1 and no farm writes in the order cells end, as before.

   Shards (shard_count N > 0, shard_index I in 1 .. N): the run computes
   the cells of its share alone, in a folder of its own.  The grid is
   split by the cost model: the cells by decreasing weight (ties in grid
   order), each onto the shard with the least weight so far (ties: the
   lower index), so that the same configuration and N always give the same
   shares, of about equal predicted time.  The share is fixed by the
   shard's first run: sweep.json records "shard": {"index": I, "count": N,
   "cells": [ids in grid order]}, and a resumed shard runs those cells
   (FGA_ERR_INPUT when one is not in the configuration's grid), so that a
   later fgattn whose cost model weighs cells otherwise still finishes the
   share it began.  Progress counts the share's cells.  Refused with
   FGA_ERR_INPUT, before anything is written: I outside 1 .. N; a folder
   whose sweep.json records another shard (or a shard, for a run without
   one, or none, for a shard's run).  Shards may run with a farm too.  */
typedef struct
{
  int jobs;                    /* cells run in parallel (>= 1); ignored with a farm */
  fga_sweep_progress_fn progress;   /* called after each step (above); may be NULL */
  void *progress_data;
  const fga_farm *farm;        /* NULL: the cells run in this process */
  size_t shard_index, shard_count;  /* 1 .. N of N; count 0: the whole grid */
} fga_sweep_opts;

int fga_sweep_run (const fga_sweep_config *cfg, const char *outdir,
                   const fga_sweep_opts *opts, fga_error *err);

/* Joins shard folders (dirs[0 .. ndirs - 1], each written by
   fga_sweep_run with shard_count N) into outdir, a sweep folder equal to
   a one-process run of the configuration (jobs = 1, no farm): the same
   files with the same rows in the grid's order, timing columns aside, and
   a sweep.json with the same keys and content apart from host, date and
   blas (the shards' BLAS, "A; B" when they differ), without "shard".  The
   configuration is the text the shards' sweep.json records (its sizes and
   memory are not checked again: they belong to the machines that ran it).
   Refused with FGA_ERR_INPUT, nothing written, each message naming the
   folder: a folder without a shard's sweep.json or with a CSV file of
   another header; shards of another configuration text, fgattn version or
   count N than the first; two folders of one shard; a cell complete in two
   folders (overlapping shards); a cell outside the grid; outdir one of the
   dirs, or a folder already holding sweep files.  A shard folder being
   written by a sweep is refused with FGA_ERR_IO (its lock is taken while
   it is read).  Only a shard's complete cells are taken (an interrupted
   shard's last cell is not).  Cells of the grid found in no folder are
   missing: FGA_ERR_COMPUTE naming how many and which shards lack them,
   nothing written, unless partial, which writes what there is (a folder
   `fgattn sweep CONFIG -o OUTDIR' then completes).  outdir is made (its
   parents too) and its files are written as an atomic group (all or
   none) and fsync'ed.  info (may be NULL) gets the counts.  */
typedef struct
{
  size_t shards;               /* folders merged */
  size_t cells_total;          /* the grid's */
  size_t cells_merged;         /* complete cells written */
  size_t cells_missing;        /* cells_total - cells_merged */
  int cost_on;                 /* cost.csv was written */
} fga_sweep_merge_info;

int fga_sweep_merge (const char *outdir, const char *const *dirs, size_t ndirs, int partial,
                     fga_sweep_merge_info *info, fga_error *err);

/* ------------------------------------------------------------------ */
/* Reports of a sweep.  Tables, exponent fits and gnuplot inputs
   regenerated from a sweep's CSV files alone (results.csv, rank.csv,
   least.csv, cost.csv, any of them absent; columns found by name in the
   header, other columns ignored), so that a table or a plot can be redone
   without rerunning the sweep.

   Groups.  Each row belongs to the group of its family (column dist) and
   its law (column law, read by fga_law_parse: B = beta * law(n)); every
   group has its own tables, exponents and plots, headed by the family, the
   law, its regime (fga_law_regime_name) and the n range of its rows.  The
   row axis is beta, named B when the law is 1 (there beta = B, and a row
   with both filled and different is refused).  Accuracies (tol, target,
   eps) are shown as written, with "(1/poly(n))" for n^-C and "(fixed)"
   for a number.

   Old folders (before laws and cost.csv) are read too: without a law
   column, a row's law is sqrt(ln n) when its beta is filled and 1 (beta =
   B) when beta is empty; a rank.csv or least.csv without a dist column
   takes the dist of results.csv when that file holds exactly one, else
   "unrecorded"; a censored column absent means 0, distinct_rows absent
   means unknown; and an empty least_size in a least.csv without the
   censored column means not reached up to a maximum the file does not
   record (shown "not reached"; with a censored column it is refused).

   Means and censoring.  Every value is first the mean over seeds at one
   (group, beta, n).  rank.csv censored = 1: the true rank is >= rank;
   least.csv censored = 1: the true least size is > least_size; cost.csv
   g_emp_censored = 1: the true g_emp and r_emp are > the ones written, and
   poly_seconds, timed at that smaller degree, is taken as a lower bound of
   the method's time too; g_cert_censored = 1 (a column the sweep may add):
   g_cert and r_cert are lower bounds.  A mean with a censored seed is a
   lower bound (">= 512", "> 1024", "> n" when every seed stopped at n: no
   better than exact).  A mean over seeds one of which has no value (not
   reached in an old file; poly not timed, poly_status memory, refused or
   failed; g_cert, r_cert, r_emp or exact_seconds left empty) is not given,
   so as never to print the mean of a subset as the mean; a fit leaves
   such n out and says on which n it was made.

   Exponents.  The least-squares slope a of log(mean) on log n
   (fga_fit_power) over the n that have a mean; with x_i = log n_i, x the
   mean of the x_i and S = sum (x_i - x)^2, a = sum w_i log(mean_i) with
   w_i = (x_i - x) / S.  Raising a censored mean to its true value changes
   a by w_i times a nonnegative amount; so when every censored point has
   w_i >= 0 (x_i above the mean of log n, with a margin far beyond
   rounding), a is a lower bound of the true exponent (FGA_REPORT_LOWER,
   printed ">= 0.71"); when one has w_i < 0, the true exponent can be below
   a by any amount and no bound holds (FGA_REPORT_CENSORED, exponent NaN,
   printed "censored").  A censored point at the largest n with every
   other point exact is the usual case of a valid lower bound.  A point
   without a mean because a seed was not reached up to an unrecorded
   maximum (an old least.csv) makes the row censored too; other points
   without a mean are left out of the fit.  */

#define FGA_REPORT_RESULTS 1u
#define FGA_REPORT_RANK    2u
#define FGA_REPORT_LEAST   4u
#define FGA_REPORT_COST    8u

typedef struct fga_report_struct fga_report_struct;
typedef fga_report_struct *fga_report_ptr;

/* Reads whichever of the four files dir holds.  FGA_ERR_INPUT when dir
   holds none of them, or a file is malformed (message "path:line: what":
   a field count that is not the header's, a required column absent or
   empty, a number that is not finite or is negative, censored not 0 or 1,
   an unknown law, status or poly_status (ok, memory, refused, failed), a
   tol, target or eps that is not an accuracy).  */
int fga_report_read (fga_report_ptr *rep, const char *dir, fga_error *err);
void fga_report_destroy (fga_report_ptr rep);
/* The FGA_REPORT_* bits of the files that were there.  */
unsigned fga_report_files (const fga_report_struct *rep);
/* Whether every group's law is 1, so that the row axis is B throughout.  */
int fga_report_axis_is_B (const fga_report_struct *rep);

#define FGA_REPORT_EXACT    0  /* the fitted slope */
#define FGA_REPORT_LOWER    1  /* a lower bound of the true exponent */
#define FGA_REPORT_CENSORED 2  /* censored points allow no bound: exponent NaN */

/* One fitted exponent in n, at one beta x of one group: of the numerical
   rank of P at a tolerance (quantity "rank", label "", param the tol), of
   the least size of a method (quantity "least_size", param the target),
   or, from cost.csv at one eps (param), of r_cert, r_emp and poly's time
   ("r_cert", "r_emp", "poly_time") and of the exact method's time
   ("exact_time", param "").  */
typedef struct
{
  const char *quantity, *label, *param;
  const char *dist, *law;      /* the group: family and law text */
  int x_is_B;                  /* the law is 1 */
  double x;
  double exponent;             /* NaN when fewer than two n have a mean, or censored */
  int bound;                   /* FGA_REPORT_EXACT, _LOWER or _CENSORED */
  int distinct;                /* a rank that entered equals distinct_rows (the set-up bounds it) */
  size_t points;               /* the n with a mean: those that entered the fit, if any */
  double nmin, nmax;           /* their range (NaN when none) */
} fga_report_exponent;

/* The exponents by group, then quantity (rank, least_size, r_cert, r_emp,
   poly_time, exact_time), then label and param, each by increasing x.
   Owned by rep.  */
size_t fga_report_exponents (const fga_report_struct *rep, const fga_report_exponent **ex);

/* Writes, each atomically, into dir: error-vs-B.md (error against beta,
   per method and size), rank.md (numerical rank of P, per tol; "= distinct
   rows" where the set-up bounds it), least-size.md (per method and
   target), cost.md (per eps: g_cert / g_emp, r_cert / r_emp and poly time
   / exact time), exponents.md (one table per group: rows beta, a column
   per quantity, and exact attention's 2 as reference when cost.csv was
   read), each table per group, with footnotes for the marks it uses; and
   for each plot NAME.dat and NAME.gp.  The plots: error-vs-beta-K (B when
   the law is 1), every method and size against beta, one plot per group
   and n; least-size-K against beta, one curve per n, the y label naming
   the size parameter, bars from the least to the largest seed; rank-K of
   P against n, one curve per beta, with the levels C(d+k, k) at each n's
   own d (up to n) and the line rank = n; cost-r-K, r_emp solid and r_cert
   dashed against n per beta, with n; time-K, wall time against n per
   method and beta, slopes fitted per beta.  Plots against n are written
   only where two or more n have values.  K counts the plots of a kind
   over the groups (the first group's first is 1).  Censored points are drawn with open
   markers (a series of their own), never dropped.  A script, run in dir
   as `gnuplot NAME.gp', writes NAME.png and NAME.svg; run as `gnuplot -e
   "out='X'" NAME.gp' it writes X.png and X.svg instead (so that a caller
   can render under temporary names and rename when complete).  */
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

/* ------------------------------------------------------------------ */
/* The time model of `fgattn plan --time' (theory/upper-bound.md, section
   9): poly against exact attention in seconds on this machine, from small
   runs of the methods themselves (src/experiments/time_model.c):

     exact (nq, nk)      = a_e + e nq nk            (exact:algo=stream)
     poly (nq, nk; g, R) = p_g + a_g + b_g (nq + nk) / 2

   p_g: poly's prepare at degree g (its certified fit and tables), a_g and
   b_g: the line of its run time, each the least of several runs at
   nq = nk = 128 and 8192 (2048 where a run at 8192 would take over 0.25 s)
   on uniform instances of the model's d and dv with entries in [-1, 1],
   with as many threads as the methods use here.  Create measures exact
   (about 0.6 s); each degree is measured the first time it is asked for
   (about 1 s) and kept.  A degree with
   r (dv + 1) > 2^19 is not run: the largest degree below it that fits is
   (g_run says which), and p_g and b_g are scaled by the ratio of their
   feature counts r; when even degree 1, (d + 1)(dv + 1), exceeds it
   (d = dv = 723 at most), create fails with FGA_ERR_COMPUTE.  The times
   are predictions for an otherwise idle
   machine in the state it was measured in: a loaded machine measures
   slower rates.  */
typedef struct fga_time_model_struct *fga_time_model;

/* The model's lines at one degree: with nq queries and nk keys, exact
   takes exact_fixed + exact_per_pair nq nk seconds and poly
   poly_fixed + poly_per_row (nq + nk) / 2 (prepare and one run).  */
typedef struct
{
  double exact_fixed, exact_per_pair;
  double poly_fixed, poly_per_row;
  long g_run;                  /* the degree poly's rates were measured at (<= g) */
} fga_time_rates;

int fga_time_model_create (fga_time_model *tm, size_t d, size_t dv, const fga_tau *tau,
                           fga_basis basis, fga_error *err);
void fga_time_model_destroy (fga_time_model tm);
/* The lines at degree g >= 1 and radius R > 0.  */
int fga_time_model_rates (fga_time_rates *rt, fga_time_model tm, long g, double R,
                          fga_error *err);
/* Whether poly's time is below exact's at nq = nk = n (the formulas above,
   in double).  */
int fga_time_rates_cheaper (const fga_time_rates *rt, size_t n);
/* The least n >= 1 from which poly's time stays below exact's at
   nq = nk = n: beyond the larger root of the quadratic exact - poly (exact
   grows like n^2, poly like n), settled by fga_time_rates_cheaper; 0 when
   that is beyond 2^62.  */
size_t fga_time_crossover (const fga_time_rates *rt);

/* ------------------------------------------------------------------ */
/* The asymptotic view of the polynomial method (`fgattn plan --table';
   theory/transition.md, "The asymptotic table").  No instance: for
   n = 2^k, a law f of n, a factor beta and an accuracy eps_a (the
   additive target on the output), with Bv = 1:

     d = d(n) (a law, default ceil(log2 n)), tau = tau(d) (default 1/d),
     B = beta f(n), R = tau d B^2 (fga_poly_apriori_R, rounded upward, and
     raised to 2^-30 as `fgattn plan' does), eps_rel = eps_a / 2 (the
     convention of `fgattn plan': eps_a / (2 Bv)),
     g = fga_expfit_least_degree (basis, R, eps_rel, relative),
     r = C(d + g, d), exactly (GMP),
     the global exponent log_n r = log2 r / k, and the local exponent
     d ln r / d ln n as the least-squares slope of log2 r against log2 n
     over the 2 w + 1 powers of two 2^(k - w) .. 2^(k + w) (w = window,
     default 8), those within the limits below.  With w = 1 it is the
     centred difference (log2 r(2n) - log2 r(n/2)) / 2; but g and d are
     whole numbers, r moves in steps, and over a factor 4 one step more or
     less swings the slope from 0.25 to 1.45 (B = 1, eps = 1/n): a wider
     window averages the steps.

   Limits: n >= the law's least n (fga_law_min_n), eps_rel a normal double
   (>= 2^-1022), R <= FGA_EXPFIT_RMAX, d a whole number below 2^31.  For a
   law of regime Theta(sqrt(log n)) the row also gets beta*, the least beta
   at which r >= n: bisection on beta (r is nondecreasing in beta because
   the certified least degree is nondecreasing in R, checked by the
   tests), to a relative width FGA_ASYM_BETA_TOL: r (beta_star_lo) < n <=
   r (beta_star), searched up to R = FGA_ASYM_BETA_RMAX (beyond, each
   degree takes seconds; d = ceil(log2 n) needs R below 2 at every n).  */

#define FGA_ASYM_MAX_LIST 16
#define FGA_ASYM_KMAX 1023           /* n = 2^k, k <= 1023: n is a double */
#define FGA_ASYM_BETA_TOL 1e-4
#define FGA_ASYM_BETA_RMAX 256.0

typedef struct
{
  size_t nlaws;
  fga_law laws[FGA_ASYM_MAX_LIST];
  size_t nbeta;
  double beta[FGA_ASYM_MAX_LIST];
  size_t neps;
  fga_accuracy eps[FGA_ASYM_MAX_LIST];
  /* d = d_fixed when d_coef == 0, else d_coef log2 n, rounded up when
     d_ceil and to nearest otherwise (a value within 1e-9 of a whole number
     is that number) */
  size_t d_fixed;
  double d_coef;
  int d_ceil;
  fga_tau tau;
  fga_basis basis;
  int kmin, kmax, kstep;       /* n = 2^kmin, 2^(kmin + kstep), ... up to 2^kmax */
  int window;                  /* w of the local exponent, 1 to 64 */
} fga_asym_config;

/* The defaults: laws 1, (ln n)^(1/4), sqrt(ln n)/ln(ln n), sqrt(ln n);
   beta 0.5, 1; eps 1/n; d = ceil(log2 n); tau = 1/d; cheb; n = 2^8 ..
   2^64 step 1; w = 8.  */
void fga_asym_config_default (fga_asym_config *c);
/* d from text: a positive whole number, log2(n), c*log2(n), ceil(log2 n)
   or ceil(c*log2(n)) (white space free); FGA_ERR_INPUT naming `what'.  */
int fga_asym_d_parse (fga_asym_config *c, const char *text, const char *what, fga_error *err);
/* d at n = 2^k (0 when it is not a whole number below 2^31).  */
size_t fga_asym_d (const fga_asym_config *c, int k);
/* Refuses (FGA_ERR_INPUT, the message naming the option of `fgattn plan
   --table': --n-min, --n-max, --n-step, --window, --beta, --law, --eps)
   empty lists, beta <= 0, kmin > kmax, and any n of the grid outside the
   limits above, saying which law, beta and eps break it and the largest
   --n-max that would do.  */
int fga_asym_config_check (const fga_asym_config *c, fga_error *err);

typedef struct
{
  size_t law, beta, eps;       /* indexes into the configuration's lists */
  int k;                       /* n = 2^k */
  size_t d;
  double tau, B, R, eps_a, eps_rel;
  long g;
  mpz_t r;                     /* C(d + g, d) */
  double log2_r;               /* log2 r, correctly rounded */
  double exp_global;           /* log2_r / k */
  double exp_local;            /* NaN with fewer than 2 points in the window */
  int local_points;            /* the points of the window within the limits */
  int r_below_n;               /* r < n: fewer features than keys */
  /* Theta(sqrt(log n)) laws: r (beta_star_lo) < n <= r (beta_star), or
     beta_star = 0 when r >= n already at R = 2^-30, +Inf when r < n up to
     R = FGA_ASYM_BETA_RMAX; NaN for the other laws.  */
  double beta_star, beta_star_lo;
} fga_asym_row;

typedef struct
{
  size_t nrows;
  fga_asym_row *rows;          /* by law, beta, eps, then increasing n */
} fga_asym_table;

/* Checks c (fga_asym_config_check) and computes every row; the least
   degrees on OpenMP threads, each distinct (R, eps_rel) once.  */
int fga_asym_table_compute (fga_asym_table *t, const fga_asym_config *c, fga_error *err);
void fga_asym_table_clear (fga_asym_table *t);

/* z >= 0 for people: exact below 10^15; then 4 significant digits,
   correctly rounded, "1.234e+56" below 10^300 and "1.234*10^456" above
   (not a number a double could hold, so no reader takes it for one).  */
void fga_asym_format_big (char *buf, size_t size, mpz_srcptr z);

/* Points measured by a sweep, from SWEEPDIR/cost.csv (its columns n, d,
   law, beta, eps, g_cert, g_emp and g_emp_censored, found by name): one
   per row; an empty g_cert or g_emp is -1.  */
typedef struct
{
  fga_law law;
  double beta;
  fga_accuracy eps;
  double n;
  size_t d;
  long g_cert, g_emp;
  int censored;                /* g_emp_censored: the least degree is > g_emp */
} fga_asym_point;

int fga_asym_measured_read (fga_asym_point **pts, size_t *npts, const char *dir,
                            fga_error *err);
void fga_asym_points_free (fga_asym_point *pts);

/* Writes into dir, for each eps of c (E = 1, 2, ...): plan-r-E.dat/.gp,
   log2 r against log2 n for every (law, beta) with the line r = n and the
   measured points of that eps (r_cert, r_emp filled, r_emp censored open,
   per law and beta), and plan-exponent-E.dat/.gp, the local exponent
   against log2 n.  Scripts as those of fga_report_write: run in dir,
   `gnuplot NAME.gp' writes NAME.png and NAME.svg, and
   `gnuplot -e "out='X'" NAME.gp' X.png and X.svg.  *unmatched (may be
   NULL) gets the number of points whose (law, beta, eps) is in no
   series of the table.  */
int fga_asym_plot_write (const fga_asym_table *t, const fga_asym_config *c,
                         const fga_asym_point *pts, size_t npts, const char *dir,
                         size_t *unmatched, fga_error *err);
/* The plots fga_asym_plot_write writes (NAME, without extension).  */
size_t fga_asym_plot_count (const fga_asym_config *c);
void fga_asym_plot_name (char *buf, size_t size, const fga_asym_config *c, size_t i);

#ifdef __cplusplus
}
#endif

#endif /* FGATTN_EXPERIMENT_H */
