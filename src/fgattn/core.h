/* fgattn/core.h -- errors, allocation, matrices, tau, statistics, problems, atomic files

Copyright 2026 the fgattn authors.

This file is part of fgattn.  fgattn is free software: you can redistribute
it and/or modify it under the terms of the GNU General Public License as
published by the Free Software Foundation, either version 3 of the License,
or (at your option) any later version.  See COPYING.  */

#ifndef FGATTN_CORE_H
#define FGATTN_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Conventions.

   An instance is Q (nq x d), K (nk x d), V (nk x dv), all row-major doubles.
   S = tau Q K^T, A = exp(S) entrywise, D = diag(A 1), P = D^{-1} A and the
   attention output is Att = P V (nq x dv).  lse_i = log sum_j exp(S_ij).

   Every function that can fail returns FGA_OK (0) or a negative status and,
   when the error record is not NULL, fills it with a message naming the file,
   index or parameter at fault.  The library never prints and never exits.  */

#define FGA_OK            0
#define FGA_ERR_INPUT    -1   /* bad input or bad parameters (CLI: exit 2) */
#define FGA_ERR_NOMEM    -2   /* an allocation failed (CLI: exit 1) */
#define FGA_ERR_IO       -3   /* the operating system refused a read or write (CLI: exit 1) */
#define FGA_ERR_COMPUTE  -4   /* a computation could not reach its guarantee (CLI: exit 1) */

#define FGA_MSG_SIZE 1024

typedef struct
{
  int code;                    /* the status last returned, FGA_OK if none */
  char msg[FGA_MSG_SIZE];      /* what was wrong, in one sentence */
} fga_error;

void fga_error_init (fga_error *err);

/* The version of the library, e.g. "0.1.0".  Static storage.  */
const char *fga_version (void);

/* Seconds since an arbitrary origin, from the monotonic clock.  */
double fga_wall_time (void);

/* All allocation of the library goes through this hook (default: malloc).
   Setting NULL restores the default.  A hook returns NULL on failure; the
   library then returns FGA_ERR_NOMEM with the byte count in the message.  */
typedef void *(*fga_alloc_hook) (size_t bytes);
typedef void (*fga_free_hook) (void *p);
void fga_set_alloc_hooks (fga_alloc_hook alloc, fga_free_hook release);

/* ------------------------------------------------------------------ */
/* Dense row-major double matrices.  The caller owns them: init, clear.  */

typedef struct
{
  size_t rows, cols;
  double *data;                /* rows*cols entries, row-major; owned */
} fga_mat_struct;

typedef fga_mat_struct fga_mat_t[1];
typedef fga_mat_struct *fga_mat_ptr;
typedef const fga_mat_struct *fga_mat_srcptr;

#define FGA_MAT(m, i, j) ((m)->data[(size_t) (i) * (m)->cols + (size_t) (j)])

/* Allocates a zero-filled rows x cols matrix; refuses sizes whose byte count
   overflows.  On failure m is left as a valid 0 x 0 matrix.  */
int fga_mat_init (fga_mat_ptr m, size_t rows, size_t cols, fga_error *err);
void fga_mat_clear (fga_mat_ptr m);
/* Refuses NaN and infinite entries, naming `what' and the (row, column).  */
int fga_mat_check_finite (fga_mat_srcptr m, const char *what, fga_error *err);
/* max_ij |m_ij| (0 for an empty matrix).  */
double fga_mat_max_abs (fga_mat_srcptr m);

/* ------------------------------------------------------------------ */
/* The score scale tau.  Kept symbolically so that the ground truth can use
   the exact value 1/d or 1/sqrt(d) rather than its double rounding.  */

typedef enum
{
  FGA_TAU_INV_D,               /* tau = 1/d (Alman--Song) */
  FGA_TAU_INV_SQRT_D,          /* tau = 1/sqrt(d) (Vaswani et al.) */
  FGA_TAU_VALUE                /* tau = value, a positive finite double */
} fga_tau_kind;

typedef struct
{
  fga_tau_kind kind;
  double value;                /* for FGA_TAU_VALUE */
} fga_tau;

/* Parses "1/d", "1/sqrt(d)" or a positive number.  */
int fga_tau_parse (fga_tau *tau, const char *text, fga_error *err);
/* The double nearest to tau for dimension d.  */
double fga_tau_double (const fga_tau *tau, size_t d);
/* Writes "1/d", "1/sqrt(d)" or "%.17g" into buf.  */
void fga_tau_format (char *buf, size_t size, const fga_tau *tau);

/* ------------------------------------------------------------------ */
/* Statistics of one run of a method.  Operation counts are exact and are
   taken by the implementation as it works (not from a formula): add counts
   additions and subtractions, cmp comparisons (max), div divisions.  */

#define FGA_STATS_EXTRA 24

typedef struct
{
  double wall_seconds;
  uint64_t n_mul, n_add, n_exp, n_div, n_cmp;
  size_t peak_bytes;           /* peak bytes the method allocated beyond Q, K, V, T and lse */
  int threads;                 /* OpenMP threads used */
  size_t nextra;
  struct
  {
    char name[32];
    double value;
    char text[16];             /* a named value's name ("pos"), "" for a number */
  } extra[FGA_STATS_EXTRA];    /* method's own figures */
  char notes[512];             /* warnings a user should see, "" if none */
} fga_stats;

void fga_stats_init (fga_stats *st);
/* Sets (or replaces) a named figure; silently ignores more than FGA_STATS_EXTRA names.  */
void fga_stats_set (fga_stats *st, const char *name, double value);
/* Sets (or replaces) a figure that is one of a few named values, such as
   rf's kind (pos, hyp or trig): code is its value (what fga_stats_get
   returns), text its name (at most 15 characters), which is what the JSON
   record and fga_stats_figure_text give, so that no reader has to know
   which code means what.  */
void fga_stats_set_named (fga_stats *st, const char *name, double code, const char *text);
/* The named figure (a named value's code), or NaN.  */
double fga_stats_get (const fga_stats *st, const char *name);
/* Figure k (k < st->nextra) as text in buf: a named value's name, else the
   number with 17 significant digits (it reads back as the same double), or
   "inf", "-inf", "nan".  Returns buf.  */
const char *fga_stats_figure_text (char *buf, size_t size, const fga_stats *st, size_t k);

/* ------------------------------------------------------------------ */
/* The machine.  */

/* Physical memory in bytes (+Inf when the system does not say): what
   commands compare their estimates with before they allocate.  */
double fga_physical_bytes (void);
/* b bytes for people: "512 bytes", "1.5 GiB" (three digits).  */
void fga_format_bytes (char *buf, size_t size, double b);

/* ------------------------------------------------------------------ */
/* The shape of an attention problem, as methods are prepared for it.  */

typedef struct fga_problem
{
  size_t nq, nk, d, dv;
  fga_tau tau;
  double R;                    /* certified bound on max |S_ij|; +Inf if unknown */
  double B, Bv;                /* entry bounds as known, for the record */
} fga_problem;

/* Fills prob for attention on the matrices Q (nq x d), K (nk x d) and
   V (nk x dv) held in memory, with the score scale tau: the shapes, tau,
   B = max (max |Q_ij|, max |K_ij|), Bv = max |V_ij| (the largest entries:
   no other bound is known of data given this way) and R =
   fga_score_radius (Q, K, tau as a double), the certified radius
   tau max_i ||q_i|| max_j ||k_j|| rounded upward (+Inf if that overflows).
   Then fga_method_prepare (m, prob, err) and fga_method_run (m, T, ...,
   Q, K, V, ...) run a method on them.  Refused with FGA_ERR_INPUT, prob
   left unchanged, and a message naming the matrix and the shape or entry
   at fault: a NULL matrix or tau, a matrix with no rows or no columns, Q
   and K with different numbers of columns, K and V with different numbers
   of rows, a NaN or infinite entry ("V: entry (2, 0) is NaN"), and tau
   not positive and finite.  Reads every entry once for each check: O((nq
   + nk) d + nk dv) time, no allocation.  */
int fga_problem_from_matrices (fga_problem *prob, fga_mat_srcptr Q, fga_mat_srcptr K,
                               fga_mat_srcptr V, const fga_tau *tau, fga_error *err);

/* ------------------------------------------------------------------ */
/* Numbers read from text: options, configuration values, method
   parameters.  One reader of whole numbers and one of reals, strict:

   - no space before or after, no hexadecimal, no "inf" or "nan" (reals
     accept infinities only with FGA_PARSE_INF);
   - a whole number is decimal digits, or the same value written as a real
     that is exactly a whole number: 1e6, 4.6e18, 2.50e1 are 1000000,
     4600000000000000000 and 25; 1.5 and 1e-3 are refused as not whole;
   - unsigned values take no sign at all (" -5" and "-5" are refused, not
     wrapped around to 2^64 - 5); signed values may carry + or -;
   - the text is compared with the bounds exactly, before any rounding: a
     value beyond the type or the range ("d = 1e300", "w = 2^53 + 1" against
     a maximum of 2^53) is refused as too large, not rounded into range;
   - reals are finite, and refused when the double would overflow or
     underflow (strtod's ERANGE).

   Each returns FGA_OK with *out set, or FGA_ERR_INPUT with *out untouched
   and a message "WHAT TEXT: reason" ("-n -5: must not be negative"); when
   `what' ends with '=' the text follows it directly ("method window:
   w=9007199254740993: outside [0, 9007199254740992]").  Thread-safe.  */

int fga_parse_size (size_t *out, const char *text, size_t min, size_t max, const char *what,
                    fga_error *err);
int fga_parse_ulong (unsigned long *out, const char *text, unsigned long min,
                     unsigned long max, const char *what, fga_error *err);
int fga_parse_long (long *out, const char *text, long min, long max, const char *what,
                    fga_error *err);
/* A whole number kept in a double, as the method registry stores integer
   parameters, with bounds given as doubles: the value must lie in
   [min, max] exactly, and be exactly a double (every integer up to 2^53
   is; above, only those the double holds without rounding).  */
int fga_parse_int_double (double *out, const char *text, double min, double max,
                          const char *what, fga_error *err);

#define FGA_PARSE_OPEN_MIN 1u   /* x > min rather than x >= min */
#define FGA_PARSE_OPEN_MAX 2u   /* x < max rather than x <= max */
#define FGA_PARSE_INF      4u   /* "inf", "-inf" accepted (then bounded like any value) */

/* A real in [min, max] (or the open interval the flags say).  */
int fga_parse_real (double *out, const char *text, double min, double max, unsigned flags,
                    const char *what, fga_error *err);

/* ------------------------------------------------------------------ */
/* Laws of n.  The theorem is about how the entry bound B grows with n, so
   experiments take B = beta * f(n) for a law f:

     1                     a constant B (= beta)
     sqrt(ln n)            the threshold, Theta(sqrt(log n))
     (ln n)^P              P a number or a fraction in parentheses, 0 < P <= 4:
                           P < 1/2 is o(sqrt(log n)), P > 1/2 beyond the threshold
     ln n                  (ln n)^1
     any of these but 1, then /ln(ln n): e.g. sqrt(ln n)/ln(ln n), o(sqrt(log n))

   ln is the natural logarithm; white space is free ("(ln n)^(1/4)" and
   "(lnn)^(1/4)" are one law).  */
typedef struct
{
  double p;                    /* the power of ln n; 0 for the constant law */
  int over_lnln;               /* divided by ln ln n */
  /* white space normalised, P as written: "1", "sqrt(ln n)" (also for
     (ln n)^0.5), "ln n", "(ln n)^(1/4)", "(ln n)^0.3/ln(ln n)" */
  char text[64];
} fga_law;

/* FGA_ERR_INPUT "WHAT 'TEXT': expected ..." for anything else.  */
int fga_law_parse (fga_law *law, const char *text, const char *what, fga_error *err);
/* f(n), in double (libm's log and pow: a few ulps, and the B computed from
   it is the B recorded and used).  Defined for n >= fga_law_min_n.  */
double fga_law_factor (const fga_law *law, double n);
/* The least n the law is used at: 1 for the constant, 2 for (ln n)^P (ln n
   > 0), 16 with /ln(ln n) (ln ln n > 1 there, so the division never
   inflates B).  */
double fga_law_min_n (const fga_law *law);
/* Where the law sits against the threshold: -1 for o(sqrt(log n)), 0 for
   Theta(sqrt(log n)), +1 for omega(sqrt(log n)); and that class as text.  */
int fga_law_regime (const fga_law *law);
const char *fga_law_regime_name (const fga_law *law);

/* An accuracy (a target error, a rank tolerance) that may depend on n:
   a positive number, or n^-C, the theorem's 1/poly(n), written 1/n,
   1/n^C, n^-C or n^(-C) with 0 < C <= 64.  */
typedef struct
{
  double value;                /* the number, when power == 0 */
  double power;                /* C of n^-C, or 0 */
  char text[48];               /* as written, white space removed: "1/n", "n^-2", "1e-3" */
} fga_accuracy;

int fga_accuracy_parse (fga_accuracy *acc, const char *text, const char *what, fga_error *err);
/* Its value at n: n^-C (libm's pow), or the number.  */
double fga_accuracy_at (const fga_accuracy *acc, double n);

/* ------------------------------------------------------------------ */
/* Atomic files, one at a time: fga_atomic_open / commit / abort in
   fgattn/io.h.  An existing output must be a regular file: a folder, a
   device, a FIFO or a socket is refused (FGA_ERR_INPUT) rather than
   replaced by a regular file; a symbolic link to a regular file is
   followed (the file it names is replaced, the link stays); a symbolic
   link to anything else, or to nothing, is refused.

   Atomic groups: several outputs replaced together, all or none.

   Each member is written whole under a temporary name beside its real one,
   by any writer given that name (fga_npy_write, fga_atomic_open, ...).
   Nothing under a real name changes before fga_atomic_group_commit; a
   failure or a destroy before it removes every temporary, and the folders
   the group made.  The commit keeps each previous version aside
   (.NAME.bak-*: a hard link, or a rename where the file system has no hard
   links), renames every new file into place, and removes the backups.  If a
   rename fails, the members already renamed get their previous version
   back (or are removed, where there was none), so that the set is left old
   as a whole, and the error says so.

   What is not atomic: rename replaces one file atomically, not a set.  A
   commit takes microseconds; a signal that arrives meanwhile and goes
   through fga_atomic_signal waits for its end.  A crash, SIGKILL or power
   loss during those microseconds can leave some members new and some old,
   the old ones then still beside them as .NAME.bak-*.  Nothing is synced to
   disk.  A group is used by one thread; different groups may be used by
   different threads.  */

typedef struct fga_atomic_group_struct *fga_atomic_group;

/* A new, empty group, or NULL (err set) when out of memory.  The caller
   destroys it.  */
fga_atomic_group fga_atomic_group_create (fga_error *err);
/* Adds the output file `path' and returns the temporary name under which
   the caller writes it whole (owned by the group, valid until destroy), or
   NULL with err set: FGA_ERR_INPUT when path exists and is not a regular
   file (see above), when its folder is missing or is not writable, or when
   path is already a member.  */
const char *fga_atomic_group_file (fga_atomic_group g, const char *path, fga_error *err);
/* Adds the folder `dir' with the n files names[] that the caller writes in
   it: makes dir when it is missing (its parent must exist), and returns a
   temporary folder inside it where the caller writes those files (by name,
   e.g. with fga_instance_write).  The commit moves them into dir; files of
   dir that are not named are left alone.  NULL with err set on failure.  */
const char *fga_atomic_group_folder (fga_atomic_group g, const char *dir,
                                     const char *const *names, size_t n, fga_error *err);
/* Names one more file of the temporary folder tmpdir (as returned by
   fga_atomic_group_folder), for writers whose file names are known only
   once they have run.  */
int fga_atomic_group_folder_file (fga_atomic_group g, const char *tmpdir, const char *name,
                                  fga_error *err);
/* Puts every member in place, or none (see above).  FGA_ERR_IO when a
   member was not written or a rename failed.  Call it once.  */
int fga_atomic_group_commit (fga_atomic_group g, fga_error *err);
/* Frees the group; before a commit, removes its temporaries first (an
   abort).  NULL is allowed.  */
void fga_atomic_group_destroy (fga_atomic_group g);

/* For a program's SIGINT/SIGTERM handler, async-signal-safe.  Returns 1
   after removing the temporaries of every write and group in progress (the
   handler then lets the signal end the program, e.g. signal (sig, SIG_DFL);
   raise (sig)); or returns 0 while a group commit is under way, and that
   commit, once complete, raises sig again in its thread.  After it has
   returned 1, no commit starts (they fail with FGA_ERR_IO).  */
int fga_atomic_signal (int sig);

/* ------------------------------------------------------------------ */
/* The BLAS fgattn runs on (src/core/blas.c).

   OpenBLAS built for many cores (DYNAMIC_ARCH, as Debian ships it) picks
   its kernels when it is loaded, from the processor's name; a processor
   newer than the library may be taken for an old one (OpenBLAS 0.3.21
   takes some AVX-512 processors for a "Prescott", SSE3 only) and every
   DGEMM then runs several times too slowly.  fgattn compares the kernels
   the library chose with what the processor can run (its AVX2, FMA and
   AVX-512 flags) and, when the library chose a weaker core, switches it
   to the right one once, before the first product (see blas.c for how and
   when).  Not when the user chose a core (OPENBLAS_CORETYPE set) or
   FGATTN_BLAS_FIX=0.  */
typedef struct
{
  char library[32];            /* "OpenBLAS", or "unknown" for another CBLAS */
  char version[32];            /* "0.3.21", or "" when unknown */
  char core[32];               /* the core whose kernels it runs now, or "" */
  char chosen[32];             /* the core it chose at load, if fgattn changed it, else "" */
  char config[160];            /* the library's own description, or "" */
  int threads;                 /* its threads, 0 when unknown */
  /* When a switch was due and not made, what and why: "not switched to
     SkylakeX: OPENBLAS_CORETYPE is set" or "...: other threads were
     running"; else "".  */
  char not_switched[96];
} fga_blas_info;

/* Fills bi (after the switch above, if any).  */
void fga_blas_get (fga_blas_info *bi);
/* One line for records and tables: "OpenBLAS 0.3.21, core SkylakeX" or,
   after a switch, "OpenBLAS 0.3.21, core SkylakeX (chose Prescott)"; or,
   when a switch was due but other threads were running (it is made only
   while no other thread can be in a product), "OpenBLAS 0.3.21, core
   Prescott (not switched to SkylakeX: other threads were running)"; or,
   when OPENBLAS_CORETYPE names a weaker core than the processor can run,
   "OpenBLAS 0.3.21, core Haswell (not switched to SkylakeX:
   OPENBLAS_CORETYPE is set)" (FGATTN_BLAS_FIX=0 says nothing of it).
   Returns buf.  */
const char *fga_blas_text (char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* Farms: running independent tasks elsewhere (src/core/farm.c).

   A long computation made of independent tasks (the cells of a sweep, the
   steps of a hardness run, the row blocks of a ground truth) is handed to
   a farm instead of a loop.  The library knows nothing of how the farm
   runs them: fgattn-mpi's farm spreads them over MPI ranks, a shard's farm
   runs its share here.  Every process of the farm makes the same call with
   the same tasks; in exactly one of them (the master) deliver is called
   once per task with the bytes compute made for it, in any order, from the
   thread that called run.  compute may run in any process, also the
   master's; it must be a function of the task alone (same bytes wherever it
   runs).  The bytes are compute's to allocate with malloc and the farm's
   to free.  A compute or deliver that fails stops the farm: run returns
   its error (in every process, as far as the farm can tell them).  */
typedef int (*fga_farm_compute_fn) (size_t task, void **bytes, size_t *len, void *data,
                                    fga_error *err);
typedef int (*fga_farm_deliver_fn) (size_t task, const void *bytes, size_t len, void *data,
                                    fga_error *err);

typedef struct fga_farm
{
  /* Whether this process is the master (writes the files).  */
  int (*is_master) (const struct fga_farm *f);
  /* Runs tasks 0 .. ntasks - 1; cost[t] is task t's predicted cost
     (arbitrary units, larger first is the sensible order), or cost NULL.  */
  int (*run) (const struct fga_farm *f, size_t ntasks, const double *cost,
              fga_farm_compute_fn compute, fga_farm_deliver_fn deliver, void *data,
              fga_error *err);
  /* Gives every process the master's bytes: on the master *bytes and *len
     are sent and left alone; elsewhere they are replaced by a copy the
     caller frees with free.  A collective call: every process makes it, in
     the same order.  For what only the master can know (the cells a
     resumed sweep still lacks, or that it failed before the first one).  */
  int (*share) (const struct fga_farm *f, void **bytes, size_t *len, fga_error *err);
  void *ctx;                   /* the farm's own */
} fga_farm;

/* The local farm: runs every task here, in order of decreasing cost (ties,
   and every task when cost is NULL, in index order), and delivers each as
   soon as it is computed.  */
extern const fga_farm fga_farm_local;

#ifdef __cplusplus
}
#endif

#endif /* FGATTN_CORE_H */
