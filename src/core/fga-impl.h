/* fga-impl.h -- internals shared by the sources of libfgattn; included first by each */

#ifndef FGA_IMPL_H
#define FGA_IMPL_H

#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "fgattn.h"

/* Fills err (if not NULL) with code and a printf-style message; returns code,
   so that `return fgap_error_set (err, FGA_ERR_INPUT, ...)' reads naturally. */
int fgap_error_set (fga_error *err, int code, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

/* Allocation through the user's hook.  `what' names the buffer in the message
   when the allocation fails.  The caller frees with fgap_free.  */
void *fgap_alloc (size_t bytes, const char *what, fga_error *err);
void *fgap_calloc (size_t count, size_t size, const char *what, fga_error *err);
void fgap_free (void *p);

/* *out = a * b, or nonzero when the product overflows size_t. */
int fgap_size_mul (size_t *out, size_t a, size_t b);

/* Peak-bytes bookkeeping of a method's scratch buffers.  Thread-safe.  */
typedef struct
{
  size_t current, peak;
} fgap_memtrack;

void fgap_memtrack_init (fgap_memtrack *t);
void *fgap_talloc (fgap_memtrack *t, size_t bytes, const char *what, fga_error *err);
void fgap_tfree (fgap_memtrack *t, void *p, size_t bytes);


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

/* The threads a kernel may use here: 1 inside a parallel region when no
   further nesting is active, else OpenMP's maximum (threads.c says why). */
int fga_max_threads (void);

/* OpenBLAS held at one thread between enter and leave (threads.c says
   why); calls nest and may overlap across kernels.  */
void fgap_blas_single_enter (void);
void fgap_blas_single_leave (void);

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

#endif /* FGA_IMPL_H */
