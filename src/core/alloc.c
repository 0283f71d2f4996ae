/* fgap_alloc -- the one allocation hook, size arithmetic, scratch bookkeeping, clock */

#include "core/fga-impl.h"

#include <time.h>

static void track_add (fgap_memtrack *t, size_t bytes);

static fga_alloc_hook alloc_hook = NULL;
static fga_free_hook free_hook = NULL;

void
fga_set_alloc_hooks (fga_alloc_hook alloc, fga_free_hook release)
{
  alloc_hook = alloc;
  free_hook = release;
}

void *
fgap_alloc (size_t bytes, const char *what, fga_error *err)
{
  /* malloc(0) may return NULL; one byte keeps "NULL means failure" true. */
  size_t n = bytes == 0 ? 1 : bytes;
  void *p = alloc_hook != NULL ? alloc_hook (n) : malloc (n);
  if (p == NULL)
    fgap_error_set (err, FGA_ERR_NOMEM, "out of memory allocating %zu bytes for %s", bytes, what);
  return p;
}

void *
fgap_calloc (size_t count, size_t size, const char *what, fga_error *err)
{
  size_t bytes;
  if (fgap_size_mul (&bytes, count, size))
    {
      fgap_error_set (err, FGA_ERR_NOMEM, "%s: %zu x %zu bytes overflows the address space",
                     what, count, size);
      return NULL;
    }
  void *p = fgap_alloc (bytes, what, err);
  if (p != NULL)
    memset (p, 0, bytes);
  return p;
}

void
fgap_free (void *p)
{
  if (p == NULL)
    return;
  if (free_hook != NULL)
    free_hook (p);
  else
    free (p);
}

int
fgap_size_mul (size_t *out, size_t a, size_t b)
{
  return __builtin_mul_overflow (a, b, out);
}

void
fgap_memtrack_init (fgap_memtrack *t)
{
  t->current = 0;
  t->peak = 0;
}

void *
fgap_talloc (fgap_memtrack *t, size_t bytes, const char *what, fga_error *err)
{
  void *p = fgap_alloc (bytes, what, err);
  if (p != NULL)
    track_add (t, bytes);
  return p;
}

void
fgap_tfree (fgap_memtrack *t, void *p, size_t bytes)
{
  if (p == NULL)
    return;
  if (t != NULL)
    __atomic_sub_fetch (&t->current, bytes, __ATOMIC_SEQ_CST);
  fgap_free (p);
}

/* t's count of bytes in use grown by bytes, its peak raised to it.  */
static void
track_add (fgap_memtrack *t, size_t bytes)
{
  if (t == NULL)
    return;
  size_t now = __atomic_add_fetch (&t->current, bytes, __ATOMIC_SEQ_CST);
  size_t old = __atomic_load_n (&t->peak, __ATOMIC_SEQ_CST);
  while (now > old
         && !__atomic_compare_exchange_n (&t->peak, &old, now, 0, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST))
    ;
}

void *
fgap_workspace_take (fgap_workspace *ws, size_t bytes, fgap_memtrack *t, const char *what,
                     fga_error *err)
{
  if (__atomic_exchange_n (&ws->busy, 1, __ATOMIC_ACQUIRE))
    return fgap_talloc (t, bytes, what, err);
  if (ws->mem == NULL || ws->bytes < bytes)
    {
      fgap_free (ws->mem);
      ws->bytes = 0;
      ws->mem = fgap_alloc (bytes, what, err);
      if (ws->mem == NULL)
        {
          __atomic_store_n (&ws->busy, 0, __ATOMIC_RELEASE);
          return NULL;
        }
      ws->bytes = bytes;
    }
  track_add (t, bytes);
  return ws->mem;
}

void
fgap_workspace_give (fgap_workspace *ws, void *p, size_t bytes, fgap_memtrack *t)
{
  if (p == NULL)
    return;
  if (p != ws->mem)
    {
      fgap_tfree (t, p, bytes);
      return;
    }
  if (t != NULL)
    __atomic_sub_fetch (&t->current, bytes, __ATOMIC_SEQ_CST);
  __atomic_store_n (&ws->busy, 0, __ATOMIC_RELEASE);
}

void
fgap_workspace_free (fgap_workspace *ws)
{
  fgap_free (ws->mem);
  ws->mem = NULL;
  ws->bytes = 0;
}

double
fga_wall_time (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}
