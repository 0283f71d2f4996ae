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

/* OpenBLAS switched to the processor's kernels, once per process, before
   the first product (core/blas.c); every path that calls the BLAS calls
   this first.  */
void fgap_blas_ready (void);

/* Peak-bytes bookkeeping of a method's scratch buffers.  Thread-safe.  */
typedef struct
{
  size_t current, peak;
} fgap_memtrack;

void fgap_memtrack_init (fgap_memtrack *t);
void *fgap_talloc (fgap_memtrack *t, size_t bytes, const char *what, fga_error *err);
void fgap_tfree (fgap_memtrack *t, void *p, size_t bytes);

/* A prepared method's run memory, kept from one run to the next as an
   FFTW plan keeps its buffers.  Memory fresh from the system faults in
   page by page on first touch and goes back when freed, and with two
   threads every fault contends for the process's memory map and every
   release interrupts the other processor to flush its address cache: at
   n = 16384, d = 4 that made a 1.7 ms run of poly take 6 ms.  One run
   at a time takes the workspace (grown when too small; counted in the
   run's memtrack as a fresh block would be); a run that finds it taken
   has a block of its own.  fgap_workspace_give returns what _take gave;
   fgap_workspace_free, with the method, releases it.  */
typedef struct
{
  void *mem;
  size_t bytes;
  int busy;
} fgap_workspace;

void *fgap_workspace_take (fgap_workspace *ws, size_t bytes, fgap_memtrack *t, const char *what,
                           fga_error *err);
void fgap_workspace_give (fgap_workspace *ws, void *p, size_t bytes, fgap_memtrack *t);
void fgap_workspace_free (fgap_workspace *ws);


/* Farms (fga_farm, fgattn/core.h; core/farm.c).  A process that cannot
   compute its share of a run (a failure between the farm's share of the
   plan and its run: no memory, a plan it cannot read) still makes the
   run's collective call, as every process must: fgap_farm_run_failed
   enters farm's run of ntasks tasks (cost: their costs, or NULL) with a
   compute and deliver that fail with code and why's message (why may be
   NULL), which so reach the master and stop the run.  Returns the run's
   status: FGA_OK when it ended without meeting this process's failure
   (no task came its way), and then the caller still makes the calls that
   follow a run that succeeded, failing afterwards with its own error.  */
int fgap_farm_run_failed (const fga_farm *farm, size_t ntasks, const double *cost, int code,
                          const fga_error *why);

/* The threads a kernel may use here: 1 inside a parallel region when no
   further nesting is active, else OpenMP's maximum (threads.c says why). */
int fgap_max_threads (void);

/* OpenBLAS held at one thread between enter and leave (threads.c says
   why); calls nest and may overlap across kernels.  */
void fgap_blas_single_enter (void);
void fgap_blas_single_leave (void);


/* ---- Shared by the experiment and reduction layers: FFTW's planner lock
   (threads.c), JSON files (json_file.c), configuration files
   (config_file.c) and output-folder locks (dir_lock.c).  ---- */

/* FFTW's planner is not thread-safe: every fftw_plan_* and
   fftw_destroy_plan of the library runs between these two (one process-wide
   mutex; no nesting).  fftw_execute_* of an existing plan, fftw_malloc and
   fftw_free need no lock (FFTW manual, "Thread safety").  */
void fgap_fftw_lock (void);
void fgap_fftw_unlock (void);

/* Writes root to path atomically (fga_atomic_open / commit): jansson's
   json_dumpf with flags, then one newline.  Each writer keeps its own
   flags, so that its files stay byte for byte what they were.  root NULL
   (a json_pack that failed) is reported as out of memory; root is not
   released.  */
struct json_t;
int fgap_json_write_atomic (const char *path, const struct json_t *root, size_t flags,
                            fga_error *err);

/* Configuration files.  fgap_config_load reads path whole (at most
   FGAP_CONFIG_MAX bytes) and checks it with fgap_config_check, which
   refuses, with "PATH:LINE: what", text that is not UTF-8 (RFC 3629: no
   overlong forms, surrogates or code points beyond U+10FFFF), a NUL byte,
   or another control character than tab, line feed, and carriage return
   ending a line.  Lines have no length limit.  *text is
   NUL-terminated; the caller frees it with fgap_free.  */
#define FGAP_CONFIG_MAX ((size_t) 1 << 20)
int fgap_config_load (char **text, size_t *len, const char *path, fga_error *err);
int fgap_config_check (const char *path, const char *text, size_t len, fga_error *err);

/* The INI reading of a checked configuration: inih splits keys, values and
   comments (a line starting with # or ;, or ; after white space), with no
   limit on the line length; the reader adds what inih leaves out.  Section
   headers are passed to `section' (the text between the brackets, as
   written; text after the ']' other than a comment is refused), keys to
   `key' (name and value, white space trimmed).  Refused, each with
   "PATH:LINE: what": inih's syntax errors, a key before any section, an
   indented line after a key (inih would join it to the previous value).
   The callbacks report through fgap_ini_fail and return its status; the
   first error stops the parse and is the one returned.  */
typedef struct fgap_ini fgap_ini;
typedef int (*fgap_ini_section_fn) (fgap_ini *ini, const char *name);
typedef int (*fgap_ini_key_fn) (fgap_ini *ini, const char *name, const char *value);
struct fgap_ini
{
  const char *path;
  void *user;                  /* the caller's, for the callbacks */
  int line;                    /* the line being read, from 1 */
  fga_error *err;
  int rc;                      /* the first error, FGA_OK if none */
  int err_line;                /* its line */
  /* the reader's state */
  const char *text;
  size_t len, pos;
  int in_section, keys_in_section;
  char *long_value;            /* the value of a line longer than inih's buffer */
  size_t long_cap;
  fgap_ini_section_fn section;
  fgap_ini_key_fn key;
};
void fgap_ini_init (fgap_ini *ini, const char *path, void *user, fga_error *err);
/* Parses text (NUL-terminated, checked by fgap_config_check); FGA_OK or the
   first error.  ini stays usable for fgap_ini_fail afterwards.  */
int fgap_ini_parse (fgap_ini *ini, const char *text, fgap_ini_section_fn section,
                    fgap_ini_key_fn key);
/* Records "PATH:LINE: what" as the error (the first one only: later ones
   are usually its consequences); returns the recorded status.  */
int fgap_ini_fail (fgap_ini *ini, int line, int code, const char *fmt, ...)
  __attribute__ ((format (printf, 4, 5)));
/* The index of name among keys (NULL-terminated) of the section named
   `section' in messages, its line recorded in seen[index]; -1 after
   refusing an unknown key ("[S]: unknown key 'K' (known: ...)") or a
   repeated one ("[S]: key 'K' repeated (first at line L)").  */
int fgap_ini_claim_key (fgap_ini *ini, const char *section, const char *const *keys, int *seen,
                        const char *name);

/* An output folder held by one writer.  fgap_dir_lock_take takes an
   exclusive flock on DIR/.lock (made when missing; after locking it checks
   that the file it holds is still the one at DIR/.lock, so that a refused
   run may remove the file without letting two writers lock two different
   files), without waiting, and
   writes the process id in it; the lock goes with fgap_dir_lock_release or
   the end of the process, a crash included.  A folder locked by another
   writer (another process, or another call in this one) is refused with
   FGA_ERR_IO: "DIR is being written by another fgattn (pid N)".  On a file
   system without locks (ENOLCK, EOPNOTSUPP) the run goes on unlocked.  */
typedef struct
{
  int fd;                      /* -1 when not held */
} fgap_dir_lock;
int fgap_dir_lock_take (fgap_dir_lock *lk, const char *dir, fga_error *err);
void fgap_dir_lock_release (fgap_dir_lock *lk);

/* x as the shortest decimal that reads back as x (whole numbers below 2^53
   in full; inf, -inf and nan): spec strings, CSV fields and cell ids.  */
void fgap_format_shortest (char *buf, size_t size, double x);

/* The operation counts of a run, n_mul, n_add, n_exp, n_div and n_cmp, and
   nothing else (not wall_seconds, peak_bytes, threads, the named figures or
   the notes): fgap_stats_add_counts adds from's to to's (a sum over parts of
   one computation), fgap_stats_set_counts replaces to's with from's.  */
void fgap_stats_add_counts (fga_stats *to, const fga_stats *from);
void fgap_stats_set_counts (fga_stats *to, const fga_stats *from);

/* max_k |x_k| over n doubles (0 when n = 0; NaN passed over); vectorised.  */
double fgap_max_abs (const double *x, size_t n);

#endif /* FGA_IMPL_H */
