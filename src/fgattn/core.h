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
  struct { char name[32]; double value; } extra[FGA_STATS_EXTRA];   /* method's own figures */
  char notes[512];             /* warnings a user should see, "" if none */
} fga_stats;

void fga_stats_init (fga_stats *st);
/* Sets (or replaces) a named figure; silently ignores more than FGA_STATS_EXTRA names.  */
void fga_stats_set (fga_stats *st, const char *name, double value);
/* The named figure, or NaN.  */
double fga_stats_get (const fga_stats *st, const char *name);

/* ------------------------------------------------------------------ */
/* The shape of an attention problem, as methods are prepared for it.  */

typedef struct fga_problem
{
  size_t nq, nk, d, dv;
  fga_tau tau;
  double R;                    /* certified bound on max |S_ij|; +Inf if unknown */
  double B, Bv;                /* entry bounds as known, for the record */
} fga_problem;

#ifdef __cplusplus
}
#endif

#endif /* FGATTN_CORE_H */
