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


/* The threads a kernel may use here: 1 inside a parallel region when no
   further nesting is active, else OpenMP's maximum (threads.c says why). */
int fgap_max_threads (void);

/* OpenBLAS held at one thread between enter and leave (threads.c says
   why); calls nest and may overlap across kernels.  */
void fgap_blas_single_enter (void);
void fgap_blas_single_leave (void);

#endif /* FGA_IMPL_H */
