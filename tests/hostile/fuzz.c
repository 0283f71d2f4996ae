/* fuzz -- hostile input for the fgattn program: every answer right, or refused cleanly

   Each case builds one hostile input (a mutated NPY instance, instance.json,
   sweep or hardness configuration, option value, method spec or output path),
   runs one fgattn command on it (the program named by env FGATTN) with a
   timeout, and holds the program to its promise:

   - exit 0: the outputs exist, are valid NPY/CSV/JSON, are finite, have the
     right shape, and agree with a reference computed here, independently of
     the library: MPFR with exact scores for the attention (truth and
     exact:algo=mpfr correctly rounded; exact:algo=naive|stream|blas within
     the forward error bound of double softmax, relative to max |V|; poly
     within the error_bound it reports; convex methods inside the hull of V),
     a Jacobi SVD for rank, exact recomputation for compare;
   - exit 2 (bad input): a one-line message naming the file, option or path;
     exit 1 (cannot be computed): a message; either way nothing on stdout and
     no file created, changed or removed, no temporary left behind;
   - never a signal, a sanitizer report, another status or a timeout.
   Input that is certainly bad (by NumPy's format, the README and the
   documented ranges) must get exit 2; valid input of moderate size must get
   exit 0 (or 1 where scores or sums leave the doubles); in between (trailing
   bytes, "+3", subnormal parameters) either is fine, and exit 0 is checked.

   Environment: FGA_FUZZ_SEED (default 20261203); FGA_FUZZ_SECONDS (time
   budget, default 50) and FGA_FUZZ_CASES (default 3000), whichever ends
   first; FGA_FUZZ_ONLY (categories, comma-separated; default all: see
   `categories' below); FGA_FUZZ_CASE=CAT:I (that case alone, verbose, its
   folder kept); FGA_FUZZ_JOBS (cases in parallel, default 3);
   FGA_FUZZ_TIMEOUT (seconds per command, default 10); FGA_FUZZ_PRINT
   (failures printed in full per category, default 8); FGA_FUZZ_KEEP (where
   failing cases are copied, default $TMPDIR/fgattn-hostile-SEED).  More
   cases: FGA_FUZZ_CASES=100000 FGA_FUZZ_SECONDS=3600.  A case depends only
   on the seed, its category and its number, so FGA_FUZZ_CASE repeats it.  */

/* memmem, strsignal */
#define _GNU_SOURCE 1
#include <config.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gmp.h>
#include <mpfr.h>
#include <jansson.h>

#define DEFAULT_SEED 20261203UL
#define DEFAULT_SECONDS 50.0
#define DEFAULT_CASES 3000UL
#define DEFAULT_TIMEOUT 10.0
#define MAX_ARGS 48
/* Failures printed in full per category; the rest are counted.  */
#define MAX_PRINTED 8
static unsigned long max_printed = MAX_PRINTED;
/* Failing cases copied to FGA_FUZZ_KEEP.  */
#define MAX_KEPT 40

static const char *fgattn;           /* the program under test */
static double timeout_s = DEFAULT_TIMEOUT;

/* ------------------------------------------------------------------ */
/* Small tools */

static void
die (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fputs ("fuzz: ", stderr);
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
  va_end (ap);
  exit (99);
}

/* snprintf for paths: a path too long for its buffer is a setup error,
   not something to truncate silently.  */
static void __attribute__ ((format (printf, 3, 4)))
pathf (char *dst, size_t size, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int n = vsnprintf (dst, size, fmt, ap);
  va_end (ap);
  if (n < 0 || (size_t) n >= size)
    die ("path too long: %s...", dst);
}

static void *
xmalloc (size_t n)
{
  void *p = malloc (n > 0 ? n : 1);
  if (p == NULL)
    die ("out of memory");
  return p;
}

static void *
xcalloc (size_t n, size_t size)
{
  void *p = calloc (n > 0 ? n : 1, size > 0 ? size : 1);
  if (p == NULL)
    die ("out of memory");
  return p;
}

static void *
xrealloc (void *p, size_t n)
{
  p = realloc (p, n > 0 ? n : 1);
  if (p == NULL)
    die ("out of memory");
  return p;
}

static char *
xstrdup (const char *s)
{
  size_t n = strlen (s) + 1;
  return memcpy (xmalloc (n), s, n);
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* A growing byte buffer, always NUL-terminated.  */
typedef struct
{
  char *p;
  size_t n, cap;
} buf_t;

static void
buf_add (buf_t *b, const void *s, size_t n)
{
  if (b->n + n + 1 > b->cap)
    {
      b->cap = 2 * (b->n + n + 1) + 64;
      b->p = xrealloc (b->p, b->cap);
    }
  memcpy (b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

static void
buf_adds (buf_t *b, const char *s)
{
  buf_add (b, s, strlen (s));
}

static void __attribute__ ((format (printf, 2, 3)))
buf_printf (buf_t *b, const char *fmt, ...)
{
  va_list ap;
  char small[512];
  va_start (ap, fmt);
  int n = vsnprintf (small, sizeof small, fmt, ap);
  va_end (ap);
  if (n < 0)
    return;
  if ((size_t) n < sizeof small)
    {
      buf_add (b, small, (size_t) n);
      return;
    }
  char *big = xmalloc ((size_t) n + 1);
  va_start (ap, fmt);
  vsnprintf (big, (size_t) n + 1, fmt, ap);
  va_end (ap);
  buf_add (b, big, (size_t) n);
  free (big);
}

static void
buf_free (buf_t *b)
{
  free (b->p);
  memset (b, 0, sizeof *b);
}

static void
buf_reset (buf_t *b)
{
  b->n = 0;
  if (b->p != NULL)
    b->p[0] = '\0';
}

/* xoshiro256**, seeded by splitmix64: the cases must not depend on the C
   library's generator, so that a seed means the same everywhere.  */
typedef struct
{
  uint64_t s[4];
} rng_t;

static uint64_t
splitmix (uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void
rng_seed (rng_t *r, uint64_t seed)
{
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix (&seed);
}

static uint64_t
rnext (rng_t *r)
{
  uint64_t *s = r->s;
  uint64_t x = s[1] * 5, res = ((x << 7) | (x >> 57)) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 45) | (s[3] >> 19);
  return res;
}

/* Uniform in 0 .. n-1.  */
static size_t
runi (rng_t *r, size_t n)
{
  return n == 0 ? 0 : (size_t) (rnext (r) % n);
}

static double
runif (rng_t *r)
{
  return (double) (rnext (r) >> 11) * 0x1p-53;
}

static int
rchance (rng_t *r, double p)
{
  return runif (r) < p;
}

#define PICK(r, arr) ((arr)[runi ((r), sizeof (arr) / sizeof (arr)[0])])
/* One of the strings given.  */
#define ONE_OF(r, ...) PICK ((r), ((const char *const[]) { __VA_ARGS__ }))

static uint64_t
hash_str (uint64_t h, const char *s)
{
  for (; *s; s++)
    h = (h ^ (unsigned char) *s) * 0x100000001b3ULL;
  return h;
}

/* --- files -------------------------------------------------------------- */

static int
write_file (const char *path, const void *data, size_t n)
{
  FILE *fp = fopen (path, "wb");
  if (fp == NULL)
    return -1;
  if (n > 0 && fwrite (data, 1, n, fp) != n)
    {
      fclose (fp);
      return -1;
    }
  return fclose (fp);
}

/* The whole file, or NULL (errno set); *n its length.  */
static char *
read_file (const char *path, size_t *n)
{
  FILE *fp = fopen (path, "rb");
  if (fp == NULL)
    return NULL;
  buf_t b = { 0 };
  char chunk[65536];
  size_t got;
  while ((got = fread (chunk, 1, sizeof chunk, fp)) > 0)
    buf_add (&b, chunk, got);
  int bad = ferror (fp);
  fclose (fp);
  if (bad)
    {
      buf_free (&b);
      errno = EIO;
      return NULL;
    }
  if (b.p == NULL)
    b.p = xcalloc (1, 1);
  *n = b.n;
  return b.p;
}

static void
rm_rf (const char *path)
{
  struct stat st;
  if (lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      DIR *dp = opendir (path);
      if (dp != NULL)
        {
          struct dirent *e;
          while ((e = readdir (dp)) != NULL)
            {
              if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
                continue;
              char sub[PATH_MAX];
              snprintf (sub, sizeof sub, "%s/%s", path, e->d_name);
              rm_rf (sub);
            }
          closedir (dp);
        }
      chmod (path, 0700);
      rmdir (path);
    }
  else
    unlink (path);
}

static void
copy_tree (const char *from, const char *to)
{
  struct stat st;
  if (lstat (from, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      mkdir (to, 0755);
      DIR *dp = opendir (from);
      if (dp == NULL)
        return;
      struct dirent *e;
      while ((e = readdir (dp)) != NULL)
        {
          if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
            continue;
          char a[PATH_MAX], b[PATH_MAX];
          snprintf (a, sizeof a, "%s/%s", from, e->d_name);
          snprintf (b, sizeof b, "%s/%s", to, e->d_name);
          copy_tree (a, b);
        }
      closedir (dp);
    }
  else if (S_ISLNK (st.st_mode))
    {
      char target[PATH_MAX];
      ssize_t n = readlink (from, target, sizeof target - 1);
      if (n >= 0)
        {
          target[n] = '\0';
          if (symlink (target, to) != 0)
            return;
        }
    }
  else if (S_ISREG (st.st_mode))
    {
      size_t n;
      char *data = read_file (from, &n);
      if (data != NULL)
        write_file (to, data, n);
      free (data);
    }
}

/* --- snapshots: what a failed command must leave exactly as it was ------- */

typedef struct
{
  char *path;                  /* relative to the snapshot's root */
  int type;                    /* 'f', 'd', 'l', '?' */
  uint64_t size, hash;
} snap_entry;

typedef struct
{
  snap_entry *e;
  size_t n, cap;
} snap_t;

static uint64_t
fnv (const char *p, size_t n)
{
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char) p[i]) * 0x100000001b3ULL;
  return h;
}

static void
snap_walk (snap_t *s, const char *root, const char *rel)
{
  char full[PATH_MAX];
  snprintf (full, sizeof full, "%s%s%s", root, *rel ? "/" : "", rel);
  DIR *dp = opendir (full);
  if (dp == NULL)
    return;
  struct dirent *e;
  while ((e = readdir (dp)) != NULL)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      char r[1024], f[PATH_MAX];
      snprintf (r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
      snprintf (f, sizeof f, "%s/%s", root, r);
      struct stat st;
      if (lstat (f, &st) != 0)
        continue;
      if (s->n == s->cap)
        {
          s->cap = 2 * s->cap + 16;
          s->e = xrealloc (s->e, s->cap * sizeof *s->e);
        }
      snap_entry *x = &s->e[s->n++];
      x->path = xstrdup (r);
      x->size = (uint64_t) st.st_size;
      x->hash = 0;
      if (S_ISDIR (st.st_mode))
        x->type = 'd';
      else if (S_ISLNK (st.st_mode))
        {
          char t[PATH_MAX];
          ssize_t n = readlink (f, t, sizeof t);
          x->type = 'l';
          x->hash = n > 0 ? fnv (t, (size_t) n) : 0;
        }
      else if (S_ISREG (st.st_mode))
        {
          size_t n;
          char *d = read_file (f, &n);
          x->type = 'f';
          x->hash = d != NULL ? fnv (d, n) : 1;
          free (d);
        }
      else
        x->type = '?';
      if (x->type == 'd')
        snap_walk (s, root, r);
    }
  closedir (dp);
}

static int
snap_cmp (const void *a, const void *b)
{
  return strcmp (((const snap_entry *) a)->path, ((const snap_entry *) b)->path);
}

static void
snap_take (snap_t *s, const char *root)
{
  memset (s, 0, sizeof *s);
  snap_walk (s, root, "");
  if (s->n > 1)
    qsort (s->e, s->n, sizeof *s->e, snap_cmp);
}

static void
snap_free (snap_t *s)
{
  for (size_t i = 0; i < s->n; i++)
    free (s->e[i].path);
  free (s->e);
  memset (s, 0, sizeof *s);
}

static const snap_entry *
snap_find (const snap_t *s, const char *path)
{
  snap_entry key = { (char *) path, 0, 0, 0 };
  return s->n == 0 ? NULL : bsearch (&key, s->e, s->n, sizeof *s->e, snap_cmp);
}

/* ------------------------------------------------------------------ */
/* Matrices and NPY files */

typedef struct
{
  size_t r, c;
  double *x;
} mat_t;

#define AT(m, i, j) ((m)->x[(i) * (m)->c + (j)])

static void
mat_alloc (mat_t *m, size_t r, size_t c)
{
  m->r = r;
  m->c = c;
  m->x = xcalloc (r * c + 1, sizeof (double));
}

static void
mat_free (mat_t *m)
{
  free (m->x);
  memset (m, 0, sizeof *m);
}

static void
mat_copy (mat_t *dst, const mat_t *src)
{
  mat_alloc (dst, src->r, src->c);
  memcpy (dst->x, src->x, src->r * src->c * sizeof (double));
}

static double
mat_max_abs (const mat_t *m)
{
  double a = 0;
  for (size_t k = 0; k < m->r * m->c; k++)
    a = fmax (a, fabs (m->x[k]));
  return a;
}

static int
mat_finite (const mat_t *m)
{
  for (size_t k = 0; k < m->r * m->c; k++)
    if (!isfinite (m->x[k]))
      return 0;
  return 1;
}

static void
put_le (unsigned char *b, double x)
{
  uint64_t u;
  memcpy (&u, &x, 8);
  for (int i = 0; i < 8; i++)
    b[i] = (unsigned char) (u >> (8 * i));
}

static double
get_le (const unsigned char *b, int big_endian)
{
  uint64_t u = 0;
  for (int i = 0; i < 8; i++)
    u |= (uint64_t) b[big_endian ? 7 - i : i] << (8 * i);
  double x;
  memcpy (&x, &u, 8);
  return x;
}

/* A little-endian float32 (size 4) or float16 (size 2) as the compiler
   converts it to double (exactly: both are subsets of binary64).  */
static double
get_narrow (const unsigned char *b, size_t size)
{
  if (size == 4)
    {
      uint32_t u = (uint32_t) b[0] | (uint32_t) b[1] << 8 | (uint32_t) b[2] << 16
        | (uint32_t) b[3] << 24;
      float f;
      memcpy (&f, &u, 4);
      return f;
    }
  uint16_t h = (uint16_t) (b[0] | b[1] << 8);
  _Float16 x;
  memcpy (&x, &h, 2);
  return x;
}

/* An NPY file: magic, version, header length, the header text padded to a
   multiple of 64 with spaces and '\n' (pad = 0), or as given (pad = 1),
   then the data.  */
static void
npy_build (buf_t *out, int major, int minor, const char *dict, int pad, const mat_t *m)
{
  size_t lenbytes = major == 1 ? 2 : 4;
  buf_t h = { 0 };
  buf_adds (&h, dict);
  if (pad == 0)
    {
      size_t total = 8 + lenbytes + h.n + 1;
      size_t fill = (64 - total % 64) % 64;
      for (size_t i = 0; i < fill; i++)
        buf_add (&h, " ", 1);
      buf_add (&h, "\n", 1);
    }
  unsigned char pre[12] = { 0x93, 'N', 'U', 'M', 'P', 'Y', (unsigned char) major,
                            (unsigned char) minor };
  for (size_t i = 0; i < lenbytes; i++)
    pre[8 + i] = (unsigned char) (h.n >> (8 * i));
  buf_add (out, pre, 8 + lenbytes);
  buf_add (out, h.p, h.n);
  if (m != NULL)
    for (size_t k = 0; k < m->r * m->c; k++)
      {
        unsigned char b[8];
        put_le (b, m->x[k]);
        buf_add (out, b, 8);
      }
  buf_free (&h);
}

/* As numpy.save writes a matrix (or a vector when vector is set).  */
static void
npy_save (buf_t *out, const mat_t *m, int vector)
{
  char dict[256];
  if (vector)
    snprintf (dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu,), }",
              m->r);
  else
    snprintf (dict, sizeof dict,
              "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu, %zu), }", m->r, m->c);
  npy_build (out, 1, 0, dict, 0, m);
}

static int
npy_write (const char *path, const mat_t *m)
{
  buf_t b = { 0 };
  npy_save (&b, m, 0);
  int rc = write_file (path, b.p, b.n);
  buf_free (&b);
  return rc;
}

/* --- what an NPY file means, as NumPy reads it ----------------------------

   An oracle independent of the program's reader: NumPy's rules
   (numpy/lib/format.py: magic, versions 1.0, 2.0 and 3.0, a header that
   ast.literal_eval reads as a dict with exactly the keys descr,
   fortran_order and shape), narrowed by what the README says fgattn reads
   ('<f8' only, C order, matrices and vectors).  Where Python's grammar is
   too rich to be sure (comments, escapes, prefixed or concatenated strings,
   other integer bases), the answer is UNSURE and the case asserts less.  */

enum
{
  NP_OK,                       /* valid; fgattn must read it as meant */
  NP_EITHER,                   /* valid NumPy, but fgattn may refuse it */
  NP_UNSURE,                   /* this oracle cannot tell */
  NP_BAD                       /* fgattn must refuse it */
};

typedef struct
{
  int status;
  int ndim;
  mat_t m;                     /* the meaning (OK and EITHER), a vector as r x 1 */
  char why[160];
} npy_t;

typedef struct
{
  const char *s;
  size_t n, pos;
  int major;
  int status;                  /* worst seen so far: OK or EITHER */
  char why[160];
} pyscan;

enum { PV_NONE, PV_STR, PV_TRUE, PV_FALSE, PV_INT, PV_TUPLE, PV_OTHER };

typedef struct
{
  int kind;
  char str[64];                /* PV_STR (truncated) */
  int str_long;
  unsigned long long ival;     /* PV_INT */
  int ineg, ibig;              /* negative, beyond 64 bits */
  size_t nitems;               /* PV_TUPLE */
  unsigned long long items[8];
  int item_neg, item_big, item_notint;
} pyval;

/* Returns 1 with r->why set for a definite refusal; 2 for unsure.  */
#define PY_BAD 1
#define PY_UNSURE 2

static int
py_fail (pyscan *p, int how, const char *what)
{
  snprintf (p->why, sizeof p->why, "%s at byte %zu of the header", what, p->pos);
  return how;
}

static int
py_space (pyscan *p, int inside)
{
  while (p->pos < p->n)
    {
      unsigned char c = (unsigned char) p->s[p->pos];
      if (c == ' ' || c == '\t' || (inside && (c == '\n' || c == '\r')))
        p->pos++;
      else if (c == '#' || c == '\\' || c == '\f' || c == '\v')
        return py_fail (p, PY_UNSURE, "a comment, continuation or form feed");
      else
        break;
    }
  return 0;
}

static int
py_peek (pyscan *p)
{
  return p->pos < p->n ? (unsigned char) p->s[p->pos] : -1;
}

static int py_value (pyscan *p, pyval *v);

static int
py_string (pyscan *p, pyval *v)
{
  int q = py_peek (p);
  if (p->pos + 2 < p->n && p->s[p->pos + 1] == q && p->s[p->pos + 2] == q)
    return py_fail (p, PY_UNSURE, "a triple-quoted string");
  p->pos++;
  size_t k = 0;
  v->kind = PV_STR;
  v->str_long = 0;
  for (;;)
    {
      int c = py_peek (p);
      if (c < 0 || c == '\n' || c == '\r')
        return py_fail (p, PY_BAD, "an unterminated string");
      p->pos++;
      if (c == q)
        break;
      if (c == '\\')
        return py_fail (p, PY_UNSURE, "an escape in a string");
      if (k + 1 < sizeof v->str)
        v->str[k++] = (char) c;
      else
        v->str_long = 1;
    }
  v->str[k] = '\0';
  /* 'a' 'b' is one string in Python.  */
  size_t save = p->pos;
  while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'))
    p->pos++;
  if (py_peek (p) == '\'' || py_peek (p) == '"')
    return py_fail (p, PY_UNSURE, "adjacent strings");
  p->pos = save;
  return 0;
}

static int
py_number (pyscan *p, pyval *v)
{
  int neg = 0, signs = 0;
  while (py_peek (p) == '+' || py_peek (p) == '-')
    {
      neg ^= py_peek (p) == '-';
      signs++;
      p->pos++;
      int r = py_space (p, 1);
      if (r)
        return r;
    }
  if (signs > 1)
    return py_fail (p, PY_UNSURE, "repeated signs");
  if (signs == 1)
    p->status = p->status > NP_EITHER ? p->status : NP_EITHER;     /* (+3, 4) */
  size_t start = p->pos;
  if (!(py_peek (p) >= '0' && py_peek (p) <= '9'))
    {
      if (py_peek (p) == '.')
        {
          v->kind = PV_OTHER;
          return py_fail (p, PY_BAD, "a float");
        }
      return py_fail (p, PY_BAD, "a sign without a number");
    }
  unsigned long long x = 0;
  int big = 0;
  while (py_peek (p) >= '0' && py_peek (p) <= '9')
    {
      unsigned d = (unsigned) (py_peek (p) - '0');
      if (x > (ULLONG_MAX - d) / 10)
        big = 1;
      else
        x = 10 * x + d;
      p->pos++;
    }
  int c = py_peek (p);
  if (c == 'x' || c == 'X' || c == 'o' || c == 'O' || c == 'b' || c == 'B' || c == '_')
    return py_fail (p, PY_UNSURE, "an integer in another base or with '_'");
  if (c == '.' || c == 'e' || c == 'E' || c == 'j' || c == 'J')
    {
      v->kind = PV_OTHER;
      /* a float or complex: never a valid dimension */
      while (p->pos < p->n && (isalnum ((unsigned char) p->s[p->pos]) || p->s[p->pos] == '.'
                               || p->s[p->pos] == '+' || p->s[p->pos] == '-'))
        p->pos++;
      return 0;
    }
  size_t len = p->pos - start;
  if (len > 1 && p->s[start] == '0')
    {
      for (size_t i = start; i < p->pos; i++)
        if (p->s[i] != '0')
          {
            /* "03" is a syntax error in Python 3; its meaning is plain */
            p->status = p->status > NP_EITHER ? p->status : NP_EITHER;
            break;
          }
    }
  if (c == 'L')
    {
      /* numpy drops Python 2's L suffix in versions 1.0 and 2.0 only */
      if (p->major >= 3)
        return py_fail (p, PY_BAD, "an integer with the suffix L in version 3.0");
      p->pos++;
    }
  else if (c == 'l')
    {
      if (p->major >= 3)
        return py_fail (p, PY_BAD, "an integer with the suffix l in version 3.0");
      p->status = p->status > NP_EITHER ? p->status : NP_EITHER;
      p->pos++;
    }
  c = py_peek (p);
  if (c >= 0 && (isalnum (c) || c == '_'))
    return py_fail (p, PY_BAD, "a number followed by letters");
  v->kind = PV_INT;
  v->ival = x;
  v->ibig = big;
  v->ineg = neg && (x != 0 || big);
  return 0;
}

static int
py_word (pyscan *p, const char *w)
{
  size_t n = strlen (w);
  if (p->n - p->pos >= n && memcmp (p->s + p->pos, w, n) == 0)
    {
      int c = p->pos + n < p->n ? (unsigned char) p->s[p->pos + n] : ' ';
      if (!(isalnum (c) || c == '_' || c >= 0x80))
        {
          p->pos += n;
          return 1;
        }
    }
  return 0;
}

/* A tuple or a parenthesised value; also lists and dicts, which are only
   ever wrong here.  */
static int
py_seq (pyscan *p, pyval *v)
{
  int open = py_peek (p), close = open == '(' ? ')' : open == '[' ? ']' : '}';
  p->pos++;
  size_t n = 0;
  int comma_after_last = 0, r;
  pyval item;
  v->nitems = 0;
  v->item_neg = v->item_big = v->item_notint = 0;
  if ((r = py_space (p, 1)))
    return r;
  while (py_peek (p) != close)
    {
      if (py_peek (p) < 0)
        return py_fail (p, PY_BAD, "an unclosed bracket");
      if (open == '(' && py_peek (p) == '(')
        return py_fail (p, PY_UNSURE, "nested parentheses");
      memset (&item, 0, sizeof item);
      if ((r = py_value (p, &item)))
        return r;
      if (open == '{')
        {
          if ((r = py_space (p, 1)))
            return r;
          if (py_peek (p) != ':')
            return py_fail (p, PY_BAD, "a set, not a dict");
          p->pos++;
          if ((r = py_space (p, 1)))
            return r;
          if ((r = py_value (p, &item)))
            return r;
        }
      if (item.kind == PV_INT)
        {
          if (n < 8)
            v->items[n] = item.ival;
          v->item_neg |= item.ineg;
          v->item_big |= item.ibig;
        }
      else if (item.kind == PV_TRUE || item.kind == PV_FALSE)
        return py_fail (p, PY_UNSURE, "a bool where an integer may stand");
      else
        v->item_notint = 1;
      n++;
      if ((r = py_space (p, 1)))
        return r;
      comma_after_last = 0;
      if (py_peek (p) == ',')
        {
          p->pos++;
          comma_after_last = 1;
          if ((r = py_space (p, 1)))
            return r;
        }
      else if (py_peek (p) != close)
        return py_fail (p, PY_BAD, "a missing comma");
    }
  p->pos++;
  v->nitems = n;
  if (open == '(')
    {
      if (n == 1 && !comma_after_last)
        {
          /* (x) is x: a shape that is not a tuple */
          v->kind = PV_OTHER;
          return 0;
        }
      v->kind = PV_TUPLE;
    }
  else
    v->kind = PV_OTHER;
  return 0;
}

static int
py_value (pyscan *p, pyval *v)
{
  int c = py_peek (p);
  v->kind = PV_NONE;
  if (c == '\'' || c == '"')
    return py_string (p, v);
  if (c == '(' || c == '[' || c == '{')
    return py_seq (p, v);
  if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')
    return py_number (p, v);
  if (py_word (p, "True"))
    {
      v->kind = PV_TRUE;
      return 0;
    }
  if (py_word (p, "False"))
    {
      v->kind = PV_FALSE;
      return 0;
    }
  if (py_word (p, "None"))
    {
      v->kind = PV_OTHER;
      return 0;
    }
  if (c >= 0 && (isalpha (c) || c == '_'))
    {
      size_t q = p->pos;
      while (q < p->n && (isalnum ((unsigned char) p->s[q]) || p->s[q] == '_'))
        q++;
      if (q < p->n && (p->s[q] == '\'' || p->s[q] == '"') && q - p->pos <= 2)
        return py_fail (p, PY_UNSURE, "a prefixed string");
      return py_fail (p, PY_BAD, "a name where a literal must stand");
    }
  if (c < 0)
    return py_fail (p, PY_BAD, "the end where a value must stand");
  return py_fail (p, PY_BAD, "an unexpected character");
}

/* Strings NumPy reads as float64 in this machine's (little-endian) order,
   and as big-endian float64.  */
static int
descr_le_f8 (const char *s)
{
  static const char *const ok[] = { "f8", "=f8", "<d", "d", "=d", "float64", "double",
                                    "float", "|f8", "|d", "f8 ", "<f8 " };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    if (strcmp (s, ok[i]) == 0)
      return 1;
  return 0;
}

static void
npy_mean (npy_t *r, const char *data, size_t n)
{
  memset (r, 0, sizeof *r);
  r->status = NP_BAD;
  const unsigned char *b = (const unsigned char *) data;
  if (n < 8 || memcmp (b, "\x93NUMPY", 6) != 0)
    {
      snprintf (r->why, sizeof r->why, n == 0 ? "empty file" : "no NPY magic");
      return;
    }
  int major = b[6], minor = b[7];
  if (!((major == 1 || major == 2 || major == 3) && minor == 0))
    {
      snprintf (r->why, sizeof r->why, "version %d.%d", major, minor);
      return;
    }
  size_t lenbytes = major == 1 ? 2 : 4;
  if (n < 8 + lenbytes)
    {
      snprintf (r->why, sizeof r->why, "ends in the header length");
      return;
    }
  uint64_t hlen = 0;
  for (size_t i = lenbytes; i-- > 0;)
    hlen = (hlen << 8) | b[8 + i];
  if (hlen > n - 8 - lenbytes)
    {
      snprintf (r->why, sizeof r->why, "header length %llu beyond the file",
                (unsigned long long) hlen);
      return;
    }
  size_t off = 8 + lenbytes + (size_t) hlen;
  const char *h = data + 8 + lenbytes;
  for (size_t i = 0; i < hlen; i++)
    {
      unsigned char c = (unsigned char) h[i];
      if (c == 0)
        {
          snprintf (r->why, sizeof r->why, "NUL byte in the header");
          return;
        }
      if (c >= 0x80)
        {
          /* Outside the strings this is a syntax error; inside, no string
             with it is a valid key or dtype.  */
          snprintf (r->why, sizeof r->why, "non-ASCII byte in the header");
          return;
        }
    }

  pyscan p = { h, (size_t) hlen, 0, major, NP_OK, "" };
  int rc = 0;
  int have[3] = { 0, 0, 0 }, dup = 0;
  pyval val[3];
  memset (val, 0, sizeof val);
  /* ast.literal_eval strips leading spaces and tabs only */
  while (p.pos < p.n && (h[p.pos] == ' ' || h[p.pos] == '\t'))
    p.pos++;
  if (p.pos < p.n && (h[p.pos] == '\n' || h[p.pos] == '\r'))
    rc = py_fail (&p, PY_UNSURE, "a leading newline");
  if (!rc && py_peek (&p) != '{')
    rc = py_fail (&p, PY_BAD, "no dict");
  if (!rc)
    {
      p.pos++;
      rc = py_space (&p, 1);
    }
  while (!rc && py_peek (&p) != '}')
    {
      pyval key, v;
      memset (&key, 0, sizeof key);
      memset (&v, 0, sizeof v);
      if (py_peek (&p) < 0)
        {
          rc = py_fail (&p, PY_BAD, "an unclosed dict");
          break;
        }
      if ((rc = py_value (&p, &key)) || (rc = py_space (&p, 1)))
        break;
      if (py_peek (&p) != ':')
        {
          rc = py_fail (&p, PY_BAD, "no ':' after a key");
          break;
        }
      p.pos++;
      if ((rc = py_space (&p, 1)) || (rc = py_value (&p, &v)) || (rc = py_space (&p, 1)))
        break;
      int k = -1;
      if (key.kind == PV_STR && !key.str_long)
        k = strcmp (key.str, "descr") == 0 ? 0 : strcmp (key.str, "fortran_order") == 0 ? 1
          : strcmp (key.str, "shape") == 0 ? 2 : -1;
      if (k < 0)
        {
          rc = py_fail (&p, PY_BAD, "a key other than descr, fortran_order, shape");
          break;
        }
      dup |= have[k];
      have[k] = 1;
      val[k] = v;              /* the last one wins, as in Python */
      if (py_peek (&p) == ',')
        {
          p.pos++;
          rc = py_space (&p, 1);
        }
      else if (py_peek (&p) != '}')
        rc = py_fail (&p, PY_BAD, "no ',' or '}' after a value");
    }
  if (!rc)
    {
      p.pos++;
      while (!rc && p.pos < p.n)
        {
          char c = h[p.pos];
          if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            p.pos++;
          else if (c == '#' || c == '\\' || c == '\f')
            rc = py_fail (&p, PY_UNSURE, "a comment after the dict");
          else
            rc = py_fail (&p, PY_BAD, "text after the dict");
        }
    }
  if (rc == PY_UNSURE)
    {
      r->status = NP_UNSURE;
      snprintf (r->why, sizeof r->why, "%s", p.why);
      return;
    }
  if (rc == PY_BAD)
    {
      snprintf (r->why, sizeof r->why, "%s", p.why);
      return;
    }
  if (!have[0] || !have[1] || !have[2])
    {
      snprintf (r->why, sizeof r->why, "a key is missing");
      return;
    }
  int status = p.status;
  if (dup)
    status = NP_EITHER;        /* fine for Python, refused by a strict reader */
  if (hlen > 10000)
    status = NP_EITHER;        /* numpy's max_header_size */
  int big_endian = 0;
  size_t isz = 8;              /* bytes of a value: '<f4' and '<f2' are widened */
  if (val[0].kind != PV_STR || val[0].str_long)
    {
      snprintf (r->why, sizeof r->why, "descr is not a string");
      return;
    }
  if (strcmp (val[0].str, "<f4") == 0 || strcmp (val[0].str, "<f2") == 0)
    isz = val[0].str[2] == '4' ? 4 : 2;
  else if (strcmp (val[0].str, "<f8") != 0)
    {
      if (descr_le_f8 (val[0].str))
        status = NP_EITHER;
      else if (strcmp (val[0].str, ">f8") == 0 || strcmp (val[0].str, ">d") == 0)
        {
          status = NP_EITHER;
          big_endian = 1;
        }
      else
        {
          snprintf (r->why, sizeof r->why, "descr '%s'", val[0].str);
          return;
        }
    }
  if (val[1].kind != PV_FALSE)
    {
      snprintf (r->why, sizeof r->why, val[1].kind == PV_TRUE ? "Fortran order"
                : "fortran_order not a bool");
      return;
    }
  const pyval *s = &val[2];
  if (s->kind != PV_TUPLE || s->item_notint)
    {
      snprintf (r->why, sizeof r->why, "shape not a tuple of integers");
      return;
    }
  if (s->item_neg)
    {
      snprintf (r->why, sizeof r->why, "negative dimension");
      return;
    }
  if (s->nitems != 1 && s->nitems != 2)
    {
      snprintf (r->why, sizeof r->why, "%zu dimensions", s->nitems);
      return;
    }
  if (s->item_big)
    {
      snprintf (r->why, sizeof r->why, "a dimension beyond 64 bits");
      return;
    }
  unsigned long long rows = s->items[0], cols = s->nitems == 2 ? s->items[1] : 1;
  unsigned __int128 bytes = (unsigned __int128) rows * cols * isz;
  size_t avail = n - off;
  if (bytes > (unsigned __int128) avail)
    {
      snprintf (r->why, sizeof r->why, "data shorter than the shape");
      return;
    }
  if ((unsigned __int128) avail > bytes)
    status = NP_EITHER;        /* numpy ignores trailing bytes */
  r->ndim = (int) s->nitems;
  mat_alloc (&r->m, (size_t) rows, (size_t) cols);
  for (size_t k = 0; k < rows * cols; k++)
    r->m.x[k] = isz == 8 ? get_le (b + off + 8 * k, big_endian)
      : get_narrow (b + off + isz * k, isz);
  r->status = status;
}

/* The meaning of the file at path (not following what is not a file).  */
static void
npy_mean_path (npy_t *r, const char *path)
{
  struct stat st;
  memset (r, 0, sizeof *r);
  r->status = NP_BAD;
  if (stat (path, &st) != 0)
    {
      snprintf (r->why, sizeof r->why, "missing");
      return;
    }
  if (!S_ISREG (st.st_mode))
    {
      snprintf (r->why, sizeof r->why, "not a regular file");
      return;
    }
  size_t n;
  char *d = read_file (path, &n);
  if (d == NULL)
    {
      snprintf (r->why, sizeof r->why, "unreadable");
      return;
    }
  npy_mean (r, d, n);
  free (d);
}

static void
npy_free (npy_t *r)
{
  mat_free (&r->m);
}

/* ------------------------------------------------------------------ */
/* The reference: attention in MPFR with exact scores

   Scores x_j = <q, k_j> are summed exactly (products of doubles lie between
   2^-2148 and 2^2048, so 4400 bits hold any sum of them), D_j = x_j - x_max
   exactly, then weights exp(tau D_j), sums, the quotient and the lse at a
   working precision p.  Two precisions far apart that round to the same
   double settle an entry; otherwise a third decides, and an entry still
   unsettled (a tie, or within 2^-5000 of one) allows both neighbours, and
   the truth may then say so with exit 1.  */

#define PX 4400
static const mpfr_prec_t ref_precs[3] = { 320, 1280, 5120 };

enum { TAU_INV_D, TAU_INV_SQRT_D, TAU_VALUE };

typedef struct
{
  int kind;
  double value;
  char text[64];               /* as given on the command line; "" for the default */
} tau_t;

static void
tau_mpfr (mpfr_t t, const tau_t *tau, size_t d)
{
  if (tau->kind == TAU_INV_D)
    {
      mpfr_set_ui (t, 1, MPFR_RNDN);
      mpfr_div_ui (t, t, d, MPFR_RNDN);
    }
  else if (tau->kind == TAU_INV_SQRT_D)
    {
      mpfr_set_ui (t, d, MPFR_RNDN);
      mpfr_rec_sqrt (t, t, MPFR_RNDN);
    }
  else
    mpfr_set_d (t, tau->value, MPFR_RNDN);
}

/* Which keys a query sees (the window method); NULL: all.  */
typedef struct
{
  size_t w;
  int causal;
} mask_t;

static int
mask_keeps (const mask_t *mk, size_t i, size_t j)
{
  if (mk == NULL)
    return 1;
  if (mk->causal && j > i)
    return 0;
  size_t dist = i > j ? i - j : j - i;
  return dist <= mk->w;
}

typedef struct
{
  size_t nq, nk, d, dv;
  double *T, *T2;              /* allowed values of each entry (equal when settled) */
  mpfr_t *W;                   /* each entry at 1280 bits, for --text */
  double *lse, *lse2;
  int lse_overflow;            /* some lse beyond the doubles */
  int undecided;               /* some entry or lse not settled */
  double *grow;                /* per row: expm1 (4 Delta), Delta bounding the error of
                                  a score computed in double */
  double *sdelta;              /* per row: Delta */
  double *vmax, *vlo, *vhi;    /* per column of V: max |V|, min and max */
  mat_t P;                     /* softmax (tau Q K^T), rounded */
  int empty_row;               /* a query that sees no key */
} ref_t;

static void
ref_free (ref_t *r)
{
  if (r->W != NULL)
    for (size_t k = 0; k < r->nq * r->dv; k++)
      mpfr_clear (r->W[k]);
  free (r->W);
  free (r->T);
  free (r->T2);
  free (r->lse);
  free (r->lse2);
  free (r->grow);
  free (r->sdelta);
  free (r->vmax);
  free (r->vlo);
  free (r->vhi);
  mat_free (&r->P);
  memset (r, 0, sizeof *r);
}

/* Settles x from its values at the precisions (rounded to double): a, b
   and, when they differ, c; *lo and *hi get the allowed doubles.  */
static int
settle (double a, double b, mpfr_srcptr top, double c, double *lo, double *hi)
{
  if (a == b || (isnan (a) && isnan (b)))
    {
      *lo = *hi = b;
      /* an exact midpoint is the one tie that agrees at all precisions */
      double dn = mpfr_get_d (top, MPFR_RNDD), up = mpfr_get_d (top, MPFR_RNDU);
      if (dn != up && isfinite (dn) && isfinite (up))
        {
          mpfr_t mid;
          mpfr_init2 (mid, 64);
          mpfr_set_d (mid, dn, MPFR_RNDN);
          mpfr_add_d (mid, mid, up, MPFR_RNDN);
          mpfr_div_2ui (mid, mid, 1, MPFR_RNDN);
          int tie = mpfr_equal_p (mid, top);
          mpfr_clear (mid);
          if (tie)
            {
              *lo = dn;
              *hi = up;
              return 1;
            }
        }
      return 0;
    }
  if (b == c)
    {
      *lo = *hi = c;
      return 0;
    }
  *lo = fmin (b, c);
  *hi = fmax (b, c);
  return 1;
}

static void
ref_compute (ref_t *r, const mat_t *Q, const mat_t *K, const mat_t *V, const tau_t *tau,
             const mask_t *mk)
{
  size_t nq = Q->r, nk = K->r, d = Q->c, dv = V->c;
  mpfr_exp_t emin = mpfr_get_emin (), emax = mpfr_get_emax ();
  mpfr_set_emin (mpfr_get_emin_min ());
  mpfr_set_emax (mpfr_get_emax_max ());
  memset (r, 0, sizeof *r);
  r->nq = nq;
  r->nk = nk;
  r->d = d;
  r->dv = dv;
  r->T = xcalloc (nq * dv, sizeof (double));
  r->T2 = xcalloc (nq * dv, sizeof (double));
  r->W = xcalloc (nq * dv, sizeof (mpfr_t));
  r->lse = xcalloc (nq, sizeof (double));
  r->lse2 = xcalloc (nq, sizeof (double));
  r->grow = xcalloc (nq, sizeof (double));
  r->sdelta = xcalloc (nq, sizeof (double));
  r->vmax = xcalloc (dv, sizeof (double));
  r->vlo = xcalloc (dv, sizeof (double));
  r->vhi = xcalloc (dv, sizeof (double));
  mat_alloc (&r->P, nq, nk);
  for (size_t c = 0; c < dv; c++)
    {
      r->vlo[c] = INFINITY;
      r->vhi[c] = -INFINITY;
      for (size_t j = 0; j < nk; j++)
        {
          r->vmax[c] = fmax (r->vmax[c], fabs (AT (V, j, c)));
          r->vlo[c] = fmin (r->vlo[c], AT (V, j, c));
          r->vhi[c] = fmax (r->vhi[c], AT (V, j, c));
        }
    }
  for (size_t k = 0; k < nq * dv; k++)
    mpfr_init2 (r->W[k], ref_precs[1]);

  mpfr_t *x = xcalloc (nk, sizeof (mpfr_t));
  mpfr_t *e = xcalloc (nk, sizeof (mpfr_t));
  mpfr_t *ev = xcalloc (nk, sizeof (mpfr_t));
  mpfr_ptr *pe = xcalloc (nk, sizeof (mpfr_ptr)), *pev = xcalloc (nk, sizeof (mpfr_ptr));
  mpfr_t prod, D, tauP, t, L, Y, W, lse, lse1, xm, mag, abs;
  for (size_t j = 0; j < nk; j++)
    {
      mpfr_init2 (x[j], PX);
      mpfr_init2 (e[j], ref_precs[2]);
      mpfr_init2 (ev[j], ref_precs[2] + 64);
    }
  mpfr_inits2 (PX, prod, D, xm, (mpfr_ptr) 0);
  mpfr_inits2 (ref_precs[2], tauP, t, L, Y, W, lse, (mpfr_ptr) 0);
  mpfr_inits2 (64, mag, abs, (mpfr_ptr) 0);
  mpfr_init2 (lse1, ref_precs[1]);
  double *vals = xcalloc (3 * (dv + 1), sizeof (double));

  for (size_t i = 0; i < nq; i++)
    {
      size_t m = SIZE_MAX, seen = 0;
      /* Delta: the scores in double, each a sum of d products scaled by
         tau, err by at most (d + 4) u tau sum_k |q_k k_jk|  */
      mpfr_set_zero (mag, 1);
      for (size_t j = 0; j < nk; j++)
        {
          mpfr_set_zero (x[j], 1);
          mpfr_set_zero (abs, 1);
          for (size_t k = 0; k < d; k++)
            {
              mpfr_set_d (prod, AT (Q, i, k), MPFR_RNDN);
              mpfr_mul_d (prod, prod, AT (K, j, k), MPFR_RNDN);
              mpfr_add (x[j], x[j], prod, MPFR_RNDN);
              mpfr_abs (prod, prod, MPFR_RNDN);
              mpfr_add (abs, abs, prod, MPFR_RNDU);
            }
          if (mpfr_cmp (abs, mag) > 0)
            mpfr_set (mag, abs, MPFR_RNDU);
          if (!mask_keeps (mk, i, j))
            continue;
          seen++;
          if (m == SIZE_MAX || mpfr_cmp (x[j], x[m]) > 0)
            m = j;
        }
      tau_mpfr (tauP, tau, d);
      mpfr_mul (mag, mag, tauP, MPFR_RNDU);
      mpfr_mul_d (mag, mag, (double) (d + 4) * 0x1p-53, MPFR_RNDU);
      double delta = mpfr_get_d (mag, MPFR_RNDU);
      r->sdelta[i] = delta;
      r->grow[i] = delta > 100 ? INFINITY : expm1 (4 * delta);
      if (seen == 0)
        {
          r->empty_row = 1;
          for (size_t c = 0; c < dv; c++)
            r->T[i * dv + c] = r->T2[i * dv + c] = NAN;
          continue;
        }
      mpfr_set (xm, x[m], MPFR_RNDN);
      int need = 0;
      for (int pi = 0; pi < 3; pi++)
        {
          mpfr_prec_t p = ref_precs[pi];
          if (pi == 2)
            {
              /* only when the first two disagree somewhere in this row */
              for (size_t c = 0; c <= dv; c++)
                need |= !(vals[c * 3] == vals[c * 3 + 1]
                          || (isnan (vals[c * 3]) && isnan (vals[c * 3 + 1])));
              if (!need)
                break;
            }
          mpfr_set_prec (tauP, p);
          mpfr_set_prec (t, p);
          mpfr_set_prec (L, p);
          mpfr_set_prec (Y, p);
          mpfr_set_prec (W, p);
          mpfr_set_prec (lse, p);
          tau_mpfr (tauP, tau, d);
          size_t ne = 0;
          for (size_t j = 0; j < nk; j++)
            {
              if (!mask_keeps (mk, i, j))
                continue;
              mpfr_sub (D, x[j], xm, MPFR_RNDN);     /* exact */
              mpfr_set_prec (e[ne], p);
              mpfr_mul (t, tauP, D, MPFR_RNDN);
              mpfr_exp (e[ne], t, MPFR_RNDN);
              pe[ne] = e[ne];
              ne++;
            }
          mpfr_sum (L, pe, ne, MPFR_RNDN);
          if (pi == 0)
            {
              size_t q = 0;
              for (size_t j = 0; j < nk; j++)
                {
                  if (!mask_keeps (mk, i, j))
                    {
                      AT (&r->P, i, j) = 0;
                      continue;
                    }
                  mpfr_div (t, e[q++], L, MPFR_RNDN);
                  AT (&r->P, i, j) = mpfr_get_d (t, MPFR_RNDN);
                }
            }
          for (size_t c = 0; c < dv; c++)
            {
              size_t q = 0;
              for (size_t j = 0; j < nk; j++)
                {
                  if (!mask_keeps (mk, i, j))
                    continue;
                  mpfr_set_prec (ev[q], p + 64);
                  mpfr_mul_d (ev[q], e[q], AT (V, j, c), MPFR_RNDN);     /* exact */
                  pev[q] = ev[q];
                  q++;
                }
              mpfr_sum (Y, pev, q, MPFR_RNDN);
              mpfr_div (W, Y, L, MPFR_RNDN);
              vals[c * 3 + pi] = mpfr_get_d (W, MPFR_RNDN);
              if (pi == 1)
                mpfr_set (r->W[i * dv + c], W, MPFR_RNDN);
            }
          mpfr_mul (t, tauP, xm, MPFR_RNDN);
          mpfr_log (lse, L, MPFR_RNDN);
          mpfr_add (lse, lse, t, MPFR_RNDN);
          vals[dv * 3 + pi] = mpfr_get_d (lse, MPFR_RNDN);
          if (pi == 1)
            mpfr_set (lse1, lse, MPFR_RNDN);
        }
      for (size_t c = 0; c <= dv; c++)
        {
          double lo, hi, *v = vals + 3 * c;
          mpfr_srcptr top = c < dv ? r->W[i * dv + c] : lse1;
          r->undecided |= settle (v[0], v[1], top, need ? v[2] : v[1], &lo, &hi);
          if (c < dv)
            {
              r->T[i * dv + c] = lo;
              r->T2[i * dv + c] = hi;
            }
          else
            {
              r->lse[i] = lo;
              r->lse2[i] = hi;
            }
        }
      if (!isfinite (r->lse[i]) || !isfinite (r->lse2[i]))
        r->lse_overflow = 1;
    }
  for (size_t j = 0; j < nk; j++)
    {
      mpfr_clear (x[j]);
      mpfr_clear (e[j]);
      mpfr_clear (ev[j]);
    }
  free (x);
  free (e);
  free (ev);
  free (pe);
  free (pev);
  free (vals);
  mpfr_clears (prod, D, xm, tauP, t, L, Y, W, lse, lse1, mag, abs, (mpfr_ptr) 0);
  mpfr_set_emin (emin);
  mpfr_set_emax (emax);
}

/* Singular values of an r x c matrix, descending, by one-sided Jacobi in
   long double: min (r, c) of them into s.  */
static size_t
jacobi_sv (const mat_t *A, long double *s)
{
  size_t m = A->r, n = A->c;
  int tr = m < n;
  size_t rows = tr ? n : m, cols = tr ? m : n;
  long double *a = xcalloc (rows * cols, sizeof (long double));
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++)
      {
        if (tr)
          a[j * cols + i] = AT (A, i, j);
        else
          a[i * cols + j] = AT (A, i, j);
      }
  for (int sweep = 0; sweep < 80; sweep++)
    {
      int rotated = 0;
      for (size_t p = 0; p < cols; p++)
        for (size_t q = p + 1; q < cols; q++)
          {
            long double al = 0, be = 0, ga = 0;
            for (size_t i = 0; i < rows; i++)
              {
                al += a[i * cols + p] * a[i * cols + p];
                be += a[i * cols + q] * a[i * cols + q];
                ga += a[i * cols + p] * a[i * cols + q];
              }
            if (ga == 0 || fabsl (ga) <= 1e-19L * sqrtl (al * be))
              continue;
            rotated = 1;
            long double zeta = (be - al) / (2 * ga);
            long double tt = (zeta >= 0 ? 1 : -1) / (fabsl (zeta) + sqrtl (1 + zeta * zeta));
            long double cs = 1 / sqrtl (1 + tt * tt), sn = cs * tt;
            for (size_t i = 0; i < rows; i++)
              {
                long double u = a[i * cols + p], v = a[i * cols + q];
                a[i * cols + p] = cs * u - sn * v;
                a[i * cols + q] = sn * u + cs * v;
              }
          }
      if (!rotated)
        break;
    }
  for (size_t j = 0; j < cols; j++)
    {
      long double nn = 0;
      for (size_t i = 0; i < rows; i++)
        nn += a[i * cols + j] * a[i * cols + j];
      s[j] = sqrtl (nn);
    }
  for (size_t i = 0; i < cols; i++)
    for (size_t j = i + 1; j < cols; j++)
      if (s[j] > s[i])
        {
          long double t = s[i];
          s[i] = s[j];
          s[j] = t;
        }
  free (a);
  return cols;
}

/* The number of doubles from a to b, as fga_ulp_distance counts them
   (compare's max_ulps takes it over the entries of one sign only).  */
static unsigned __int128
ulps_between (double a, double b)
{
  int64_t ka, kb;
  memcpy (&ka, &a, 8);
  memcpy (&kb, &b, 8);
  __int128 xa = ka < 0 ? -(__int128) (ka & INT64_MAX) : ka;
  __int128 xb = kb < 0 ? -(__int128) (kb & INT64_MAX) : kb;
  return (unsigned __int128) (xa > xb ? xa - xb : xb - xa);
}

/* ------------------------------------------------------------------ */
/* CSV as the program writes it: a header, rows, fields quoted with "" */

typedef struct
{
  size_t nrows, ncols;
  char **cell;                 /* nrows x ncols, row 0 the header */
  int ragged;                  /* some row has another number of fields */
} csv_t;

static void
csv_parse (csv_t *t, const char *s, size_t n)
{
  memset (t, 0, sizeof *t);
  size_t cap = 0, row_fields = 0;
  size_t i = 0;
  char **row = NULL;
  size_t rcap = 0;
  while (i < n)
    {
      buf_t f = { 0 };
      buf_add (&f, "", 0);
      if (s[i] == '"')
        {
          i++;
          while (i < n)
            {
              if (s[i] == '"' && i + 1 < n && s[i + 1] == '"')
                {
                  buf_add (&f, "\"", 1);
                  i += 2;
                }
              else if (s[i] == '"')
                {
                  i++;
                  break;
                }
              else
                buf_add (&f, s + i++, 1);
            }
        }
      while (i < n && s[i] != ',' && s[i] != '\n')
        buf_add (&f, s + i++, 1);
      if (f.n > 0 && f.p[f.n - 1] == '\r')
        f.p[--f.n] = '\0';
      if (row_fields == rcap)
        {
          rcap = 2 * rcap + 8;
          row = xrealloc (row, rcap * sizeof *row);
        }
      row[row_fields++] = f.p;
      int end_row = i >= n || s[i] == '\n';
      i++;
      if (end_row)
        {
          if (t->nrows == 0)
            t->ncols = row_fields;
          else if (row_fields != t->ncols)
            t->ragged = 1;
          if ((t->nrows + 1) * t->ncols > cap)
            {
              cap = 2 * (t->nrows + 1) * (t->ncols + 1) + 16;
              t->cell = xrealloc (t->cell, cap * sizeof *t->cell);
            }
          for (size_t k = 0; k < t->ncols; k++)
            t->cell[t->nrows * t->ncols + k] = k < row_fields ? row[k] : xstrdup ("");
          for (size_t k = t->ncols; k < row_fields; k++)
            free (row[k]);
          t->nrows++;
          row_fields = 0;
        }
    }
  free (row);
}

static void
csv_free (csv_t *t)
{
  for (size_t k = 0; k < t->nrows * t->ncols; k++)
    free (t->cell[k]);
  free (t->cell);
  memset (t, 0, sizeof *t);
}

static int
csv_col (const csv_t *t, const char *name)
{
  for (size_t k = 0; k < t->ncols && t->nrows > 0; k++)
    if (strcmp (t->cell[k], name) == 0)
      return (int) k;
  return -1;
}

static const char *
csv_get (const csv_t *t, size_t row, int col)
{
  if (col < 0 || row >= t->nrows)
    return NULL;
  return t->cell[row * t->ncols + (size_t) col];
}

/* A number as printed: *x its double value; 0 when the text is not a finite
   number ("inf", "nan", "null", empty, garbage).  */
static int
parse_finite (const char *s, double *x)
{
  if (s == NULL || *s == '\0')
    return 0;
  char *end;
  errno = 0;
  double v = strtod (s, &end);
  if (*end != '\0' || end == s || !isfinite (v) || errno == ERANGE)
    {
      if (errno == ERANGE && isfinite (v))
        {
          *x = v;              /* an underflow: a tiny number, finite */
          return *end == '\0';
        }
      return 0;
    }
  *x = v;
  return 1;
}

/* ------------------------------------------------------------------ */
/* Cases */

enum want
{
  E_OK,                        /* exit 0, checked */
  E_OK1,                       /* exit 0 checked, or 1 (overflow, a tie) */
  E_ANY,                       /* exit 0 checked, or a clean 1 or 2 */
  E_FAIL,                      /* a clean 1 or 2 */
  E_REFUSE                     /* a clean 2 */
};

static const char *const want_names[] = { "exit 0", "exit 0 or 1", "any clean exit",
                                          "exit 1 or 2", "exit 2" };

enum cmd
{
  C_NONE, C_RUN, C_TRUTH, C_RANK, C_COMPARE, C_GEN, C_SWEEP, C_HARDNESS, C_PRINT
};

/* How an exit 0 of run is checked.  */
enum check
{
  K_NONE,                      /* shape and finiteness only */
  K_CR,                        /* correctly rounded (truth, exact:algo=mpfr) */
  K_DOUBLE,                    /* exact in double: the forward error bound */
  K_POLY,                      /* within the error_bound of the stats */
  K_CONVEX,                    /* inside the hull of V's column */
  K_WINDOW                     /* exact over the window, in double */
};

typedef struct
{
  const char *cat;
  unsigned long idx;
  rng_t rng;
  char dir[1024];              /* the case's folder */
  char wdir[1100];             /* dir/w: where the program runs */
  char *argv[MAX_ARGS];
  int argc;
  buf_t what;                  /* what the case does, for the report */
  buf_t fail;                  /* why it failed; empty when it passed */
  int want;
  char *names[8];              /* an exit-2 message names one of these */
  int nnames;
  int cmd;

  /* what exit 0 must produce (relative to wdir) */
  char out[256], lse[256], stats[256], text[256], csv[256], outdir[256];
  int check;
  mask_t mask;

  /* the instance, when its meaning is known */
  int have_inst;
  mat_t Q, K, V;
  tau_t tau;
  int either;                  /* some file may be refused although valid */

  /* rank */
  int ntol;
  double tol[8];               /* -1 for 1/n */
  double B_inst;               /* B of the instance (from instance.json, or max |Q|, |K|) */

  /* compare */
  mat_t A, Bm;

  /* gen */
  size_t g_n, g_nk, g_d, g_dv;
  double g_B, g_Bv;
  unsigned long long g_seed;

  /* sweep and hardness: expected counts, 0 when unknown */
  size_t cells, methods_runs, hard_rows;
  int sweep_exact;             /* the sweep has [method exact] with spec exact:algo=stream */

  /* spec: key=value pairs the canonical spec must show */
  char canon[8][192];
  int ncanon;

  /* results */
  int status;                  /* waitpid status; -1 timed out */
  char *sout, *serr;
  size_t nout, nerr;
  snap_t before;
} case_t;

static void __attribute__ ((format (printf, 2, 3)))
failf (case_t *c, const char *fmt, ...)
{
  va_list ap;
  char msg[2048];
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  /* the first few reasons say enough */
  if (c->fail.n > 3000)
    return;
  if (c->fail.n > 0)
    buf_adds (&c->fail, "\n    ");
  buf_adds (&c->fail, msg);
}

static void
arg (case_t *c, const char *s)
{
  if (c->argc + 1 >= MAX_ARGS)
    die ("too many arguments");
  c->argv[c->argc++] = xstrdup (s);
  c->argv[c->argc] = NULL;
}

/* Back to the program name alone.  */
static void
reset_args (case_t *c)
{
  for (int i = 1; i < c->argc; i++)
    free (c->argv[i]);
  c->argc = 1;
  c->argv[1] = NULL;
}

static void
args (case_t *c, ...)
{
  va_list ap;
  va_start (ap, c);
  const char *s;
  while ((s = va_arg (ap, const char *)) != NULL)
    arg (c, s);
  va_end (ap);
}

static void
name (case_t *c, const char *s)
{
  if (c->nnames < 8)
    c->names[c->nnames++] = xstrdup (s);
}

/* A path under the case's working folder.  */
static const char *
wpath (case_t *c, const char *rel)
{
  static char buf[4][PATH_MAX];
  static int k;
  k = (k + 1) % 4;
  pathf (buf[k], sizeof buf[k], "%s/%s", c->wdir, rel);
  return buf[k];
}

static void
wwrite (case_t *c, const char *rel, const void *data, size_t n)
{
  if (write_file (wpath (c, rel), data, n) != 0)
    die ("%s: %s", wpath (c, rel), strerror (errno));
}

static void
wmkdir (case_t *c, const char *rel)
{
  if (mkdir (wpath (c, rel), 0755) != 0 && errno != EEXIST)
    die ("%s: %s", wpath (c, rel), strerror (errno));
}

/* argv as a shell command, each word quoted when it needs to be, bytes
   outside printable ASCII written as $'\xNN'.  */
static void
shell_quote (buf_t *b, char *const *argv)
{
  for (int i = 0; argv[i] != NULL; i++)
    {
      const unsigned char *s = (const unsigned char *) argv[i];
      int plain = *s != '\0', odd = 0;
      for (const unsigned char *q = s; *q; q++)
        {
          if (!(isalnum (*q) || strchr ("-_./=:,+@%", *q)))
            plain = 0;
          if (*q < 0x20 || *q >= 0x7f || *q == '\'')
            odd = 1;
        }
      if (i > 0)
        buf_adds (b, " ");
      if (plain)
        buf_adds (b, (const char *) s);
      else if (!odd)
        buf_printf (b, "'%s'", s);
      else
        {
          buf_adds (b, "$'");
          for (const unsigned char *q = s; *q; q++)
            {
              if (*q < 0x20 || *q >= 0x7f || *q == '\'' || *q == '\\')
                buf_printf (b, "\\x%02x", *q);
              else
                buf_add (b, q, 1);
            }
          buf_adds (b, "'");
        }
    }
}

/* Runs argv (argv[0] the program) in wdir, stdout and stderr to files in
   dir, killed after timeout_s.  */
static void
run_program (case_t *c)
{
  char so[PATH_MAX], se[PATH_MAX];
  snprintf (so, sizeof so, "%s/stdout", c->dir);
  snprintf (se, sizeof se, "%s/stderr", c->dir);
  snap_take (&c->before, c->wdir);
  pid_t pid = fork ();
  if (pid < 0)
    die ("fork: %s", strerror (errno));
  if (pid == 0)
    {
      setpgid (0, 0);
      int fo = open (so, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int fe = open (se, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int fi = open ("/dev/null", O_RDONLY);
      if (fo < 0 || fe < 0 || fi < 0 || chdir (c->wdir) != 0)
        _exit (126);
      dup2 (fi, 0);
      dup2 (fo, 1);
      dup2 (fe, 2);
      close (fi);
      close (fo);
      close (fe);
      execv (c->argv[0], c->argv);
      _exit (127);
    }
  setpgid (pid, pid);
  double t0 = now ();
  int st = 0;
  for (;;)
    {
      pid_t w = waitpid (pid, &st, WNOHANG);
      if (w == pid)
        break;
      if (w < 0 && errno != EINTR)
        die ("waitpid: %s", strerror (errno));
      if (now () - t0 > timeout_s)
        {
          kill (-pid, SIGKILL);
          kill (pid, SIGKILL);
          waitpid (pid, &st, 0);
          st = -1;
          break;
        }
      struct timespec ts = { 0, 500000 };
      nanosleep (&ts, NULL);
    }
  c->status = st;
  free (c->sout);
  free (c->serr);
  c->sout = read_file (so, &c->nout);
  c->serr = read_file (se, &c->nerr);
  if (c->sout == NULL)
    c->sout = xcalloc (1, 1), c->nout = 0;
  if (c->serr == NULL)
    c->serr = xcalloc (1, 1), c->nerr = 0;
}

static int
is_output (const case_t *c, const char *path)
{
  const char *outs[5] = { c->out, c->lse, c->stats, c->text, c->csv };
  for (int i = 0; i < 5; i++)
    if (*outs[i] && strcmp (outs[i], path) == 0)
      return 1;
  size_t n = strlen (c->outdir);
  if (n > 0 && strncmp (path, c->outdir, n) == 0 && (path[n] == '\0' || path[n] == '/'))
    return 1;
  return 0;
}

static int
is_temporary (const char *path)
{
  const char *base = strrchr (path, '/');
  base = base != NULL ? base + 1 : path;
  return strstr (base, ".tmp-") != NULL || strstr (base, ".tmp.") != NULL;
}

/* What changed in the working folder: on failure nothing may, on success
   only the outputs.  */
static void
check_changes (case_t *c, int ok)
{
  snap_t after;
  snap_take (&after, c->wdir);
  int reported = 0;
  for (size_t i = 0; i < after.n && reported < 4; i++)
    {
      const snap_entry *e = &after.e[i], *b = snap_find (&c->before, e->path);
      int changed = b == NULL || b->type != e->type || b->size != e->size || b->hash != e->hash;
      if (is_temporary (e->path) && (b == NULL || changed))
        {
          failf (c, "left a temporary file %s", e->path);
          reported++;
        }
      else if (changed && e->type != 'd' && (!ok || !is_output (c, e->path)))
        {
          failf (c, "%s %s", b == NULL ? "created" : "changed", e->path);
          reported++;
        }
      else if (changed && e->type == 'd' && b == NULL && (!ok || !is_output (c, e->path)))
        {
          failf (c, "created the folder %s", e->path);
          reported++;
        }
    }
  for (size_t i = 0; i < c->before.n && reported < 4; i++)
    if (snap_find (&after, c->before.e[i].path) == NULL)
      {
        failf (c, "removed %s", c->before.e[i].path);
        reported++;
      }
  snap_free (&after);
}

static void
excerpt (buf_t *b, const char *s, size_t n, size_t max)
{
  for (size_t i = 0; i < n && i < max; i++)
    {
      unsigned char ch = (unsigned char) s[i];
      if (ch == '\n' && i + 1 < n)
        buf_adds (b, " | ");
      else if (ch == '\n')
        ;
      else if (ch < 0x20 || ch >= 0x7f)
        buf_printf (b, "\\x%02x", ch);
      else
        buf_add (b, &ch, 1);
    }
  if (n > max)
    buf_adds (b, "...");
}

static void
verify_success (case_t *c);

/* The promise, whatever the command.  */
static void
judge (case_t *c)
{
  buf_t msg = { 0 };
  excerpt (&msg, c->serr, c->nerr, 300);
  if (c->status == -1)
    {
      failf (c, "no answer within %g s (killed)", timeout_s);
      buf_free (&msg);
      return;
    }
  if (WIFSIGNALED (c->status))
    {
      failf (c, "killed by signal %d (%s): %s", WTERMSIG (c->status),
             strsignal (WTERMSIG (c->status)), msg.p ? msg.p : "");
      buf_free (&msg);
      return;
    }
  int code = WEXITSTATUS (c->status);
  if (code == 126 || code == 127)
    die ("cannot run %s", c->argv[0]);
  /* UBSan halts with exit 1 unless told otherwise: its report, not the
     status, gives it away */
  static const char *const reports[] = { "runtime error:", "ERROR: AddressSanitizer",
                                         "ERROR: LeakSanitizer", "UndefinedBehaviorSanitizer",
                                         "ThreadSanitizer", "MemorySanitizer" };
  for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++)
    if (memmem (c->serr, c->nerr, reports[i], strlen (reports[i])) != NULL)
      {
        const char *at = memmem (c->serr, c->nerr, reports[i], strlen (reports[i]));
        buf_t r = { 0 };
        excerpt (&r, at, c->nerr - (size_t) (at - c->serr), 300);
        failf (c, "a sanitizer report (exit %d): %s", code, r.p);
        buf_free (&r);
        buf_free (&msg);
        return;
      }
  if (code != 0 && code != 1 && code != 2)
    {
      failf (c, "exit %d (a sanitizer report?): %s", code, msg.p ? msg.p : "");
      buf_free (&msg);
      return;
    }
  if (code != 0)
    {
      if (c->want == E_OK || (c->want == E_OK1 && code == 2))
        failf (c, "refused valid input (exit %d): %s", code, msg.p ? msg.p : "");
      else if (c->want == E_REFUSE && code == 1)
        failf (c, "bad input must exit 2, not 1: %s", msg.p ? msg.p : "");
      if (c->nerr == 0)
        failf (c, "exit %d without a message", code);
      else if (code == 2)
        {
          /* One line saying what is wrong; a usage error adds a second,
             "try fgattn CMD --help".  */
          const char *nl = memchr (c->serr, '\n', c->nerr);
          size_t first = nl != NULL ? (size_t) (nl - c->serr) + 1 : 0;
          int try_line = nl != NULL && first < c->nerr && c->nerr - first > 11
            && memcmp (c->serr + first, "try fgattn ", 11) == 0
            && memchr (c->serr + first, '\n', c->nerr - first)
               == c->serr + c->nerr - 1;
          if (nl == NULL || (first != c->nerr && !try_line))
            failf (c, "the message is not one line: %s", msg.p);
          if (c->want == E_REFUSE && c->nnames > 0)
            {
              int named = 0;
              for (int i = 0; i < c->nnames; i++)
                named |= memmem (c->serr, c->nerr, c->names[i], strlen (c->names[i])) != NULL;
              if (!named)
                {
                  buf_t w = { 0 };
                  for (int i = 0; i < c->nnames; i++)
                    buf_printf (&w, "%s'%s'", i ? " or " : "", c->names[i]);
                  failf (c, "the message does not name %s: %s", w.p, msg.p);
                  buf_free (&w);
                }
            }
        }
      if (c->nout > 0)
        {
          buf_t o = { 0 };
          excerpt (&o, c->sout, c->nout, 120);
          failf (c, "exit %d but wrote to stdout: %s", code, o.p);
          buf_free (&o);
        }
      check_changes (c, 0);
      buf_free (&msg);
      return;
    }
  buf_free (&msg);
  if (c->want == E_REFUSE || c->want == E_FAIL)
    {
      failf (c, "exit 0 where %s was due", want_names[c->want]);
      check_changes (c, 1);
      return;
    }
  check_changes (c, 1);
  verify_success (c);
}

/* ------------------------------------------------------------------ */
/* What an exit 0 must have produced */

/* The NPY output at rel: valid as numpy.save writes it (not merely
   acceptable), of the given dimensions (rows or cols 0: any), finite.  */
static int
read_output (case_t *c, const char *rel, int ndim, size_t rows, size_t cols, mat_t *m)
{
  npy_t r;
  npy_mean_path (&r, wpath (c, rel));
  if (r.status != NP_OK)
    {
      failf (c, "exit 0 but %s is not a plain NPY file (%s)", rel,
             r.status == NP_EITHER ? "numpy reads it, but it is not as numpy.save writes"
             : r.why);
      npy_free (&r);
      return 0;
    }
  if (r.ndim != ndim || (rows > 0 && r.m.r != rows) || (cols > 0 && r.m.c != cols))
    {
      failf (c, "%s is %zu x %zu (%d dimensions), expected %zu x %zu (%d)", rel, r.m.r, r.m.c,
             r.ndim, rows, cols, ndim);
      npy_free (&r);
      return 0;
    }
  for (size_t k = 0; k < r.m.r * r.m.c; k++)
    if (!isfinite (r.m.x[k]))
      {
        failf (c, "exit 0 but %s[%zu][%zu] = %g", rel, k / r.m.c, k % r.m.c, r.m.x[k]);
        npy_free (&r);
        return 0;
      }
  *m = r.m;
  return 1;
}

static double
ulp_of (double x)
{
  if (!isfinite (x))
    return INFINITY;
  int e;
  frexp (x, &e);
  return ldexp (1.0, (e - 53 < -1074 ? -1074 : e - 53));
}

static int
same_double (double a, double b)
{
  return a == b || (isnan (a) && isnan (b));
}

static void
verify_T (case_t *c, const ref_t *r, const mat_t *T, int check, double bound)
{
  int bad = 0;
  double vmax = 0;
  for (size_t j = 0; j < r->dv; j++)
    vmax = fmax (vmax, r->vmax[j]);
  for (size_t i = 0; i < r->nq && bad < 2; i++)
    for (size_t j = 0; j < r->dv && bad < 2; j++)
      {
        double got = AT (T, i, j), lo = r->T[i * r->dv + j], hi = r->T2[i * r->dv + j];
        if (isnan (lo))
          continue;            /* a query that sees no key */
        double tol = 0;
        int ok = 1;
        switch (check)
          {
          case K_CR:
            ok = same_double (got, lo) || same_double (got, hi);
            break;
          case K_DOUBLE:
          case K_WINDOW:
            /* relative to max |V| over all of V: a kernel may scale V by one
               power of two, which is exact except for the subnormals */
            tol = (vmax == 0 ? 0 : vmax * (r->grow[i] + 1e-12)) + 4 * ulp_of (lo) + 0x1p-1070;
            ok = fabs (got - lo) <= tol;
            break;
          case K_POLY:
            tol = bound * (1 + 1e-9) + 4 * ulp_of (lo) + 0x1p-1070;
            ok = fabs (got - lo) <= tol;
            break;
          default:
            break;
          }
        if (ok && check != K_NONE && check != K_CR && check != K_POLY)
          {
            double slack = 1e-12 * vmax + 0x1p-1070;
            ok = got >= r->vlo[j] - slack && got <= r->vhi[j] + slack;
            if (!ok)
              {
                failf (c, "T[%zu][%zu] = %.17g lies outside [%.17g, %.17g], the range of V's "
                       "column", i, j, got, r->vlo[j], r->vhi[j]);
                bad++;
                continue;
              }
          }
        if (!ok)
          {
            if (check == K_CR)
              failf (c, "T[%zu][%zu] = %.17g, but the correctly rounded value is %.17g%s",
                     i, j, got, lo, lo != hi ? " (or its neighbour, a tie)" : "");
            else
              failf (c, "T[%zu][%zu] = %.17g, the exact value rounds to %.17g: %.3g apart, "
                     "beyond the bound %.3g", i, j, got, lo, fabs (got - lo), tol);
            bad++;
          }
      }
}

static void
verify_lse (case_t *c, const ref_t *r, int check)
{
  mat_t L;
  if (!read_output (c, c->lse, 1, r->nq, 1, &L))
    return;
  for (size_t i = 0; i < r->nq; i++)
    {
      double got = L.x[i], lo = r->lse[i], hi = r->lse2[i];
      if (check == K_CR && !(same_double (got, lo) || same_double (got, hi)))
        {
          failf (c, "lse[%zu] = %.17g, but the correctly rounded value is %.17g", i, got, lo);
          break;
        }
      if (check == K_DOUBLE)
        {
          double tol = 2 * r->sdelta[i] + 1e-13 * (1 + fabs (lo)) + 8 * r->nk * 0x1p-53;
          if (!(fabs (got - lo) <= tol))
            {
              failf (c, "lse[%zu] = %.17g, the exact value rounds to %.17g: beyond the bound %.3g",
                     i, got, lo, tol);
              break;
            }
        }
    }
  mat_free (&L);
}

/* --text: "row col value error_bound nearest_double" per entry.  */
static void
verify_text (case_t *c, const ref_t *r)
{
  size_t n;
  char *s = read_file (wpath (c, c->text), &n);
  if (s == NULL)
    {
      failf (c, "exit 0 but %s is missing", c->text);
      return;
    }
  size_t entries = 0;
  mpfr_t v, b, diff;
  mpfr_inits2 (ref_precs[1], v, b, diff, (mpfr_ptr) 0);
  char *save = NULL;
  for (char *line = strtok_r (s, "\n", &save); line != NULL; line = strtok_r (NULL, "\n", &save))
    {
      if (line[0] == '#')
        continue;
      /* the value has as many digits as the precision its row reached:
         thousands, after Ziv's loop */
      char *tok[6], *save2 = NULL;
      int ntok = 0;
      for (char *t = strtok_r (line, " ", &save2); t != NULL && ntok < 6;
           t = strtok_r (NULL, " ", &save2))
        tok[ntok++] = t;
      char *endi, *endj;
      unsigned long i = ntok == 5 ? strtoul (tok[0], &endi, 10) : 0;
      unsigned long j = ntok == 5 ? strtoul (tok[1], &endj, 10) : 0;
      if (ntok != 5 || *endi != '\0' || *endj != '\0' || i >= r->nq || j >= r->dv)
        {
          failf (c, "%s: line '%.80s' is not 'row col value error_bound nearest_double'",
                 c->text, line);
          break;
        }
      const char *vs = tok[2], *bs = tok[3], *ns = tok[4];
      entries++;
      double nearest, lo = r->T[i * r->dv + j], hi = r->T2[i * r->dv + j];
      if (!parse_finite (ns, &nearest)
          || !(same_double (nearest, lo) || same_double (nearest, hi)))
        {
          failf (c, "%s: entry (%lu, %lu): nearest_double %s, correctly rounded %.17g", c->text,
                 i, j, ns, lo);
          break;
        }
      mpfr_strtofr (v, vs, NULL, 10, MPFR_RNDN);
      mpfr_strtofr (b, bs, NULL, 10, MPFR_RNDU);
      mpfr_sub (diff, v, r->W[i * r->dv + j], MPFR_RNDA);
      mpfr_abs (diff, diff, MPFR_RNDN);
      /* beyond the bound: the rounding of the printed value (half a unit
         of its last digit) and of the printed bound (4 digits) */
      int digits = 0;
      for (const char *q = vs; *q && *q != 'e' && *q != 'E'; q++)
        digits += isdigit ((unsigned char) *q) != 0;
      mpfr_t slack;
      mpfr_init2 (slack, 64);
      mpfr_abs (slack, v, MPFR_RNDN);
      mpfr_mul_d (slack, slack, pow (10.0, 1 - digits), MPFR_RNDU);
      mpfr_add (b, b, slack, MPFR_RNDU);
      mpfr_mul_d (b, b, 1.001, MPFR_RNDU);
      mpfr_clear (slack);
      if (mpfr_nan_p (b) || mpfr_cmp (diff, b) > 0)
        {
          failf (c, "%s: entry (%lu, %lu): value %.60s is %.3g from the exact value, beyond "
                 "its error_bound %s", c->text, i, j, vs, mpfr_get_d (diff, MPFR_RNDN), bs);
          break;
        }
    }
  if (entries != r->nq * r->dv && c->fail.n == 0)
    failf (c, "%s has %zu entries, expected %zu", c->text, entries, r->nq * r->dv);
  mpfr_clears (v, b, diff, (mpfr_ptr) 0);
  free (s);
}

static json_t *
load_json (case_t *c, const char *rel)
{
  json_error_t e;
  /* \u0000 is valid JSON (RFC 8259), though jansson wants to be told */
  json_t *j = json_load_file (wpath (c, rel), JSON_ALLOW_NUL, &e);
  if (j == NULL)
    failf (c, "exit 0 but %s is not valid JSON: line %d: %s", rel, e.line, e.text);
  return j;
}

static void
verify_run (case_t *c)
{
  double bound = INFINITY;
  if (*c->stats)
    {
      json_t *j = load_json (c, c->stats);
      if (j == NULL)
        return;
      json_t *m = json_object_get (j, "method");
      if (!json_is_string (m))
        failf (c, "%s has no \"method\"", c->stats);
      else
        for (int k = 0; k < c->ncanon; k++)
          if (strstr (json_string_value (m), c->canon[k]) == NULL)
            failf (c, "the method ran as '%s', which lacks %s", json_string_value (m),
                   c->canon[k]);
      if (c->check == K_POLY)
        {
          json_t *b = json_object_get (j, "error_bound");
          if (b == NULL)
            b = json_object_get (json_object_get (j, "figures"), "error_bound");
          if (json_is_number (b))
            bound = json_number_value (b);
          else if (!json_is_null (b))
            failf (c, "poly's stats lack an error_bound");
          /* null: no finite bound is claimed, so none is checked */
        }
      json_decref (j);
    }
  if (!*c->out)
    return;
  mat_t T;
  if (!c->have_inst)
    {
      if (read_output (c, c->out, 2, 0, 0, &T))
        mat_free (&T);
      return;
    }
  if (!read_output (c, c->out, 2, c->Q.r, c->V.c, &T))
    return;
  ref_t r;
  ref_compute (&r, &c->Q, &c->K, &c->V, &c->tau, c->check == K_WINDOW ? &c->mask : NULL);
  verify_T (c, &r, &T, c->check, bound);
  if (*c->lse)
    verify_lse (c, &r, c->check == K_CR || c->check == K_DOUBLE ? c->check : K_NONE);
  ref_free (&r);
  mat_free (&T);
}

static void
verify_truth (case_t *c)
{
  if (!c->have_inst)
    {
      mat_t T;
      if (*c->out && read_output (c, c->out, 2, 0, 0, &T))
        mat_free (&T);
      return;
    }
  ref_t r;
  ref_compute (&r, &c->Q, &c->K, &c->V, &c->tau, NULL);
  if (*c->out)
    {
      mat_t T;
      if (read_output (c, c->out, 2, c->Q.r, c->V.c, &T))
        {
          verify_T (c, &r, &T, K_CR, 0);
          mat_free (&T);
        }
    }
  if (*c->lse)
    verify_lse (c, &r, K_CR);
  if (*c->text)
    verify_text (c, &r);
  ref_free (&r);
}

static int
parse_csv_stdout (case_t *c, csv_t *t, size_t min_rows)
{
  csv_parse (t, c->sout, c->nout);
  if (t->nrows < min_rows + 1 || t->ragged)
    {
      buf_t o = { 0 };
      excerpt (&o, c->sout, c->nout, 200);
      failf (c, "exit 0 but stdout is not the CSV expected: %s", o.p ? o.p : "");
      buf_free (&o);
      return 0;
    }
  return 1;
}

static void
verify_rank (case_t *c)
{
  csv_t t;
  if (!parse_csv_stdout (c, &t, (size_t) (c->ntol > 0 ? c->ntol : 1)))
    {
      csv_free (&t);
      return;
    }
  size_t nq = c->Q.r, nk = c->K.r, rr = nq < nk ? nq : nk;
  long double *s = NULL;
  double tolS = 0;
  if (c->have_inst)
    {
      ref_t r;
      ref_compute (&r, &c->Q, &c->K, &c->V, &c->tau, NULL);
      s = xcalloc (rr + 1, sizeof (long double));
      jacobi_sv (&r.P, s);
      double g = 0;
      for (size_t i = 0; i < nq; i++)
        g = fmax (g, r.grow[i]);
      tolS = sqrt ((double) nq) * g + 1e-12 * fmax (1.0, (double) s[0]);
      ref_free (&r);
    }
  const char *cols[] = { "tol_value", "rank", "rank_max", "sigma_1", "sigma_min", "B", "beta" };
  int ci[7];
  for (int k = 0; k < 7; k++)
    if ((ci[k] = csv_col (&t, cols[k])) < 0)
      {
        failf (c, "rank's CSV lacks the column %s", cols[k]);
        goto done;
      }
  for (size_t row = 1; row < t.nrows; row++)
    {
      double v[7];
      for (int k = 0; k < 7; k++)
        if (!parse_finite (csv_get (&t, row, ci[k]), &v[k]))
          {
            if (k == 6 && nk == 1)
              continue;        /* beta = B / sqrt (ln 1) */
            failf (c, "rank printed %s = '%s'", cols[k], csv_get (&t, row, ci[k]));
            goto done;
          }
      if (!c->have_inst)
        continue;
      if (v[2] != (double) rr)
        failf (c, "rank_max = %g, expected min (nq, nk) = %zu", v[2], rr);
      if (c->ntol >= (int) row && c->tol[row - 1] == -1 && v[0] != 1.0 / (double) nk)
        failf (c, "tol 1/n has the value %.17g, expected 1/%zu", v[0], nk);
      if (fabs (v[3] - (double) s[0]) > tolS)
        failf (c, "sigma_1 = %.17g, expected %.17Lg (tolerance %.3g)", v[3], s[0], tolS);
      if (fabs (v[4] - (double) s[rr - 1]) > tolS)
        failf (c, "sigma_min = %.17g, expected %.17Lg (tolerance %.3g)", v[4], s[rr - 1], tolS);
      if (c->B_inst > 0 && v[5] != c->B_inst)
        failf (c, "B = %.17g, expected %.17g", v[5], c->B_inst);
      if (nk > 1 && c->B_inst > 0
          && fabs (v[6] - c->B_inst / sqrt (log ((double) nk))) > 1e-12 * fabs (v[6]))
        failf (c, "beta = %.17g, expected B / sqrt (ln nk) = %.17g", v[6],
               c->B_inst / sqrt (log ((double) nk)));
      /* the rank, unless a singular value is too near the tolerance to tell */
      double tv = v[0];
      size_t want = 0;
      int clear = 1;
      for (size_t k = 0; k < rr; k++)
        {
          want += (double) s[k] > tv;
          clear &= fabs ((double) s[k] - tv) > tolS + 1e-12 * tv;
        }
      if (clear && v[1] != (double) want)
        failf (c, "rank %g at tolerance %.17g, expected %zu", v[1], tv, want);
    }
  if (*c->csv && c->have_inst)
    {
      size_t n;
      char *text = read_file (wpath (c, c->csv), &n);
      if (text == NULL)
        failf (c, "exit 0 but %s is missing", c->csv);
      else
        {
          csv_t u;
          csv_parse (&u, text, n);
          int ks = csv_col (&u, "sigma_k"), ke = csv_col (&u, "eckart_young_fro");
          if (u.ragged || ks < 0 || ke < 0 || u.nrows != rr + 1)
            failf (c, "%s: not %zu rows of k,sigma_k,eckart_young_fro", c->csv, rr);
          else
            for (size_t k = 0; k < rr; k++)
              {
                double sk, ek;
                long double tail = 0;
                for (size_t q = k + 1; q < rr; q++)
                  tail += s[q] * s[q];
                if (!parse_finite (csv_get (&u, k + 1, ks), &sk)
                    || !parse_finite (csv_get (&u, k + 1, ke), &ek)
                    || fabs (sk - (double) s[k]) > tolS
                    || fabs (ek - (double) sqrtl (tail)) > 2 * sqrt ((double) rr) * tolS)
                  {
                    failf (c, "%s row %zu: sigma %s, eckart_young %s; expected %.17Lg, %.17Lg",
                           c->csv, k + 1, csv_get (&u, k + 1, ks), csv_get (&u, k + 1, ke), s[k],
                           sqrtl (tail));
                    break;
                  }
              }
          csv_free (&u);
          free (text);
        }
    }
done:
  free (s);
  csv_free (&t);
}

/* The printed text of a metric against its exact value: equal as a double
   (exact), or within a relative tolerance; when the value is beyond the
   doubles, only a text that says so in decimal is right.  */
static void
check_metric (case_t *c, const char *what, const char *text, mpfr_srcptr want, double rel,
              int exact)
{
  mpfr_t got, d;
  mpfr_inits2 (256, got, d, (mpfr_ptr) 0);
  char *end = NULL;
  int parsed = text != NULL && *text != '\0';
  if (parsed)
    {
      mpfr_strtofr (got, text, &end, 10, MPFR_RNDN);
      parsed = *end == '\0' && mpfr_number_p (got);
    }
  double wd = mpfr_get_d (want, MPFR_RNDN);
  char wt[64];
  mpfr_snprintf (wt, sizeof wt, "%.17Rg", want);
  if (!parsed)
    failf (c, "%s printed as '%s', but it is %s", what, text ? text : "", wt);
  else if (exact && isfinite (wd))
    {
      if (mpfr_get_d (got, MPFR_RNDN) != wd)
        failf (c, "%s = %s, but it is %s", what, text, wt);
    }
  else
    {
      mpfr_sub (d, got, want, MPFR_RNDN);
      mpfr_abs (d, d, MPFR_RNDN);
      mpfr_t lim;
      mpfr_init2 (lim, 64);
      mpfr_abs (lim, want, MPFR_RNDN);
      mpfr_mul_d (lim, lim, isfinite (wd) ? rel : 1e-15, MPFR_RNDU);
      mpfr_add_d (lim, lim, 0x1p-1070, MPFR_RNDU);
      if (mpfr_cmp (d, lim) > 0)
        failf (c, "%s = %s, but it is %s", what, text, wt);
      mpfr_clear (lim);
    }
  mpfr_clears (got, d, (mpfr_ptr) 0);
}

static void
verify_compare (case_t *c)
{
  csv_t t;
  if (!parse_csv_stdout (c, &t, 1))
    {
      csv_free (&t);
      return;
    }
  const mat_t *A = &c->A, *B = &c->Bm;
  size_t n = A->r * A->c;
  const char *rows = csv_get (&t, 1, csv_col (&t, "rows")),
    *cols = csv_get (&t, 1, csv_col (&t, "cols"));
  if (rows == NULL || cols == NULL || strtoull (rows, NULL, 10) != A->r
      || strtoull (cols, NULL, 10) != A->c)
    failf (c, "compare printed rows %s, cols %s; expected %zu, %zu", rows ? rows : "?",
           cols ? cols : "?", A->r, A->c);
  if (!mat_finite (B) || !c->have_inst)
    {
      csv_free (&t);
      return;
    }
  mpfr_t mx, sum, sq, sa, diff, q;
  mpfr_inits2 (2300, diff, (mpfr_ptr) 0);
  mpfr_inits2 (256, mx, sum, sq, sa, q, (mpfr_ptr) 0);
  mpfr_exp_t emax = mpfr_get_emax ();
  mpfr_set_emax (mpfr_get_emax_max ());
  mpfr_set_zero (mx, 1);
  mpfr_set_zero (sum, 1);
  mpfr_set_zero (sq, 1);
  mpfr_set_zero (sa, 1);
  unsigned __int128 ulps = 0;
  size_t left = 0;
  for (size_t k = 0; k < n; k++)
    {
      mpfr_set_d (diff, B->x[k], MPFR_RNDN);
      mpfr_sub_d (diff, diff, A->x[k], MPFR_RNDN);     /* exact at 2300 bits */
      mpfr_abs (diff, diff, MPFR_RNDN);
      if (mpfr_cmp (diff, mx) > 0)
        mpfr_set (mx, diff, MPFR_RNDN);
      mpfr_add (sum, sum, diff, MPFR_RNDN);
      mpfr_sqr (q, diff, MPFR_RNDN);
      mpfr_add (sq, sq, q, MPFR_RNDN);
      mpfr_set_d (q, A->x[k], MPFR_RNDN);
      mpfr_sqr (q, q, MPFR_RNDN);
      mpfr_add (sa, sa, q, MPFR_RNDN);
      /* max_ulps leaves out opposite signs, and one zero without the other */
      double a = A->x[k], b = B->x[k];
      if ((a == 0) != (b == 0) || (a != 0 && signbit (a) != signbit (b)))
        {
          left++;
          continue;
        }
      unsigned __int128 u = ulps_between (a, b);
      if (u > ulps)
        ulps = u;
    }
  mpfr_div_ui (sum, sum, n, MPFR_RNDN);
  check_metric (c, "max_abs", csv_get (&t, 1, csv_col (&t, "max_abs")), mx, 0, 1);
  check_metric (c, "mean_abs", csv_get (&t, 1, csv_col (&t, "mean_abs")), sum,
                4 * (n + 2) * 0x1p-53, 0);
  if (!mpfr_zero_p (sa))
    {
      mpfr_sqrt (sq, sq, MPFR_RNDN);
      mpfr_sqrt (sa, sa, MPFR_RNDN);
      mpfr_div (sq, sq, sa, MPFR_RNDN);
      check_metric (c, "rel_fro", csv_get (&t, 1, csv_col (&t, "rel_fro")), sq,
                    8 * (n + 4) * 0x1p-53, 0);
    }
  else if (mpfr_zero_p (sq))
    check_metric (c, "rel_fro", csv_get (&t, 1, csv_col (&t, "rel_fro")), sq, 0, 1);
  mpfr_set_ui (q, (unsigned long) (ulps >> 64), MPFR_RNDN);
  mpfr_mul_2ui (q, q, 64, MPFR_RNDN);
  mpfr_add_ui (q, q, (unsigned long) (uint64_t) ulps, MPFR_RNDN);
  const char *mu = csv_get (&t, 1, csv_col (&t, "max_ulps")),
    *lo = csv_get (&t, 1, csv_col (&t, "ulps_left_out"));
  if (n > 0 && left == n)
    {
      if (mu == NULL || strcmp (mu, "nan") != 0)
        failf (c, "max_ulps printed as '%s', but every entry is left out: nan", mu ? mu : "");
    }
  else
    check_metric (c, "max_ulps", mu, q, 0x1p-52, 0);
  if (lo == NULL || strtoull (lo, NULL, 10) != left)
    failf (c, "ulps_left_out printed as '%s', but it is %zu", lo ? lo : "", left);
  mpfr_set_emax (emax);
  mpfr_clears (mx, sum, sq, sa, diff, q, (mpfr_ptr) 0);
  csv_free (&t);
}

static void
verify_gen (case_t *c)
{
  char p[PATH_MAX];
  mat_t M[3];
  const char *f[3] = { "Q.npy", "K.npy", "V.npy" };
  size_t rows[3] = { c->g_n, c->g_nk, c->g_nk }, cols[3] = { c->g_d, c->g_d, c->g_dv };
  for (int k = 0; k < 3; k++)
    {
      snprintf (p, sizeof p, "%s/%s", c->outdir, f[k]);
      if (!read_output (c, p, 2, rows[k], cols[k], &M[k]))
        {
          for (int q = 0; q < k; q++)
            mat_free (&M[q]);
          return;
        }
    }
  if (mat_max_abs (&M[0]) > c->g_B || mat_max_abs (&M[1]) > c->g_B)
    failf (c, "gen -B %.17g drew an entry of size %.17g", c->g_B,
           fmax (mat_max_abs (&M[0]), mat_max_abs (&M[1])));
  if (mat_max_abs (&M[2]) > c->g_Bv)
    failf (c, "gen --Bv %.17g drew an entry of V of size %.17g", c->g_Bv, mat_max_abs (&M[2]));
  for (int k = 0; k < 3; k++)
    mat_free (&M[k]);
  snprintf (p, sizeof p, "%s/instance.json", c->outdir);
  json_t *j = load_json (c, p);
  if (j == NULL)
    return;
  const char *keys[4] = { "nq", "nk", "d", "dv" };
  size_t vals[4] = { c->g_n, c->g_nk, c->g_d, c->g_dv };
  for (int k = 0; k < 4; k++)
    {
      json_t *v = json_object_get (j, keys[k]);
      if (!json_is_integer (v) || (size_t) json_integer_value (v) != vals[k])
        failf (c, "instance.json: %s is not %zu", keys[k], vals[k]);
    }
  json_t *b = json_object_get (j, "B"), *bv = json_object_get (j, "Bv"),
    *s = json_object_get (j, "seed");
  if (!json_is_number (b) || json_number_value (b) != c->g_B)
    failf (c, "instance.json: B is not %.17g", c->g_B);
  if (!json_is_number (bv) || json_number_value (bv) != c->g_Bv)
    failf (c, "instance.json: Bv is not %.17g", c->g_Bv);
  if (!json_is_integer (s) || (unsigned long long) json_integer_value (s) != c->g_seed)
    failf (c, "instance.json: seed is not %llu", c->g_seed);
  json_decref (j);
}

static void
verify_sweep (case_t *c)
{
  const char *files[4] = { "results.csv", "rank.csv", "least.csv", "sweep.json" };
  char p[PATH_MAX];
  for (int k = 0; k < 4; k++)
    {
      snprintf (p, sizeof p, "%s/%s", c->outdir, files[k]);
      if (access (wpath (c, p), F_OK) != 0)
        {
          failf (c, "exit 0 but %s is missing", p);
          return;
        }
    }
  snprintf (p, sizeof p, "%s/sweep.json", c->outdir);
  json_t *j = load_json (c, p);
  json_decref (j);
  snprintf (p, sizeof p, "%s/results.csv", c->outdir);
  size_t n;
  char *text = read_file (wpath (c, p), &n);
  if (text == NULL)
    return;
  csv_t t;
  csv_parse (&t, text, n);
  free (text);
  int cs = csv_col (&t, "status"), cc = csv_col (&t, "cell"), cl = csv_col (&t, "label"),
    ct = csv_col (&t, "truth"), cb = csv_col (&t, "Bv");
  const char *metrics[4] = { "max_abs", "rel_fro", "mean_abs", "max_ulps" };
  int cm[4];
  for (int k = 0; k < 4; k++)
    cm[k] = csv_col (&t, metrics[k]);
  if (t.ragged || cs < 0 || cc < 0 || cl < 0 || ct < 0 || cb < 0 || cm[0] < 0 || cm[1] < 0
      || cm[2] < 0 || cm[3] < 0)
    {
      failf (c, "%s: ragged, or lacks the status, cell, label, truth, Bv or metric columns", p);
      csv_free (&t);
      return;
    }
  size_t distinct = 0;
  for (size_t r = 1; r < t.nrows; r++)
    {
      const char *st = csv_get (&t, r, cs);
      int seen = 0;
      for (size_t q = 1; q < r && !seen; q++)
        seen = strcmp (csv_get (&t, q, cc), csv_get (&t, r, cc)) == 0;
      distinct += !seen;
      if (strcmp (st, "ok") != 0 && strcmp (st, "refused") != 0 && strcmp (st, "failed") != 0)
        {
          failf (c, "%s row %zu: status '%s'", p, r, st);
          break;
        }
      if (strcmp (st, "ok") != 0)
        continue;
      double v[4];
      for (int k = 0; k < 4; k++)
        if ((!parse_finite (csv_get (&t, r, cm[k]), &v[k]) || v[k] < 0)
            /* rel_fro is infinite when the truth is 0, as with Rademacher V */
            && !(k == 1 && strcmp (csv_get (&t, r, cm[k]), "inf") == 0)
            /* max_ulps does not apply when every entry and its truth
               differ in sign, or one is zero and not the other */
            && !(k == 3 && *csv_get (&t, r, cm[k]) == '\0'))
          {
            failf (c, "%s row %zu: status ok but %s = '%s'", p, r, metrics[k],
                   csv_get (&t, r, cm[k]));
            r = t.nrows;
            break;
          }
      double bv;
      if (r < t.nrows && c->sweep_exact && strcmp (csv_get (&t, r, cl), "exact") == 0
          && strcmp (csv_get (&t, r, ct), "mpfr") == 0 && parse_finite (csv_get (&t, r, cb), &bv)
          && v[0] > 1e-12 * fmax (1, bv))
        failf (c, "%s row %zu: exact:algo=stream is %.3g from the truth", p, r, v[0]);
    }
  if (c->cells > 0 && distinct != c->cells)
    failf (c, "%s has %zu cells, the grid has %zu", p, distinct, c->cells);
  if (c->cells > 0 && c->methods_runs > 0 && t.nrows - 1 != c->cells * c->methods_runs)
    failf (c, "%s has %zu rows, expected %zu cells x %zu runs", p, t.nrows - 1, c->cells,
           c->methods_runs);
  csv_free (&t);
  for (int k = 1; k < 3; k++)
    {
      snprintf (p, sizeof p, "%s/%s", c->outdir, files[k]);
      text = read_file (wpath (c, p), &n);
      if (text == NULL)
        continue;
      csv_parse (&t, text, n);
      if (t.ragged || t.nrows < 1)
        failf (c, "%s is ragged or empty", p);
      csv_free (&t);
      free (text);
    }
}

static void
verify_hardness (case_t *c)
{
  const char *files[4] = { "instances.csv", "degrees.csv", "summary.md", "hardness.json" };
  char p[PATH_MAX];
  for (int k = 0; k < 4; k++)
    {
      snprintf (p, sizeof p, "%s/%s", c->outdir, files[k]);
      if (access (wpath (c, p), F_OK) != 0)
        {
          failf (c, "exit 0 but %s is missing", p);
          return;
        }
    }
  snprintf (p, sizeof p, "%s/hardness.json", c->outdir);
  json_decref (load_json (c, p));
  for (int k = 0; k < 2; k++)
    {
      snprintf (p, sizeof p, "%s/%s", c->outdir, files[k]);
      size_t n;
      char *text = read_file (wpath (c, p), &n);
      if (text == NULL)
        continue;
      csv_t t;
      csv_parse (&t, text, n);
      if (t.ragged || t.nrows < 2)
        failf (c, "%s is ragged or has no rows", p);
      else if (k == 0 && c->hard_rows > 0 && t.nrows - 1 != c->hard_rows)
        failf (c, "%s has %zu rows, expected %zu (a YES and a NO per n and seed)", p,
               t.nrows - 1, c->hard_rows);
      csv_free (&t);
      free (text);
    }
}

/* Commands that only print: no number on stdout may be infinite or NaN.  */
static void
verify_print (case_t *c)
{
  csv_t t;
  if (!parse_csv_stdout (c, &t, 1))
    {
      csv_free (&t);
      return;
    }
  for (size_t r = 1; r < t.nrows; r++)
    for (size_t k = 0; k < t.ncols; k++)
      {
        const char *s = csv_get (&t, r, (int) k);
        if (strcasecmp (s, "inf") == 0 || strcasecmp (s, "-inf") == 0
            || strcasecmp (s, "nan") == 0 || strcasecmp (s, "-nan") == 0
            || strcasecmp (s, "null") == 0 || strcasecmp (s, "infinity") == 0)
          {
            failf (c, "printed %s = %s", t.cell[k], s);
            r = t.nrows;
            break;
          }
      }
  csv_free (&t);
}

static void
verify_success (case_t *c)
{
  switch (c->cmd)
    {
    case C_RUN:
      verify_run (c);
      break;
    case C_TRUTH:
      verify_truth (c);
      break;
    case C_RANK:
      verify_rank (c);
      break;
    case C_COMPARE:
      verify_compare (c);
      break;
    case C_GEN:
      verify_gen (c);
      break;
    case C_SWEEP:
      verify_sweep (c);
      break;
    case C_HARDNESS:
      verify_hardness (c);
      break;
    case C_PRINT:
      verify_print (c);
      break;
    default:
      break;
    }
}

/* ------------------------------------------------------------------ */
/* Instances: a pool drawn by `fgattn gen', and the files of a case */

typedef struct
{
  char *bytes[4];              /* Q.npy, K.npy, V.npy, instance.json */
  size_t len[4];
  mat_t M[3];
  double B, Bv;
} base_t;

#define NBASES 7
static base_t bases[NBASES];
static const char *const base_gen[NBASES][14] = {
  { "-n", "3", "-d", "2", "--dv", "2", "-B", "1", "--seed", "1", NULL },
  { "-n", "4", "--nk", "3", "-d", "3", "--dv", "1", "-B", "3", "--seed", "2", NULL },
  { "-n", "2", "--nk", "5", "-d", "1", "--dv", "3", "-B", "0.5", "--seed", "3", NULL },
  { "-n", "5", "-d", "4", "--dv", "2", "-B", "2", "--dist", "rademacher", "--seed", "4", NULL },
  { "-n", "1", "-d", "2", "--dv", "1", "-B", "1", "--seed", "5", NULL },
  { "-n", "6", "--nk", "4", "-d", "2", "-B", "40", "--dist", "gaussian", "--seed", "6", NULL },
  { "-n", "3", "-d", "3", "--dv", "2", "-B", "3", "--Bv", "0.25", "--seed", "7", NULL },
};

static const char *const inst_names[4] = { "Q.npy", "K.npy", "V.npy", "instance.json" };

enum { F_DATA, F_MISSING, F_DIR, F_LINK, F_DANGLING };

typedef struct
{
  int kind[4];
  buf_t data[4];
  int link[4];                 /* F_LINK: the index of the file linked to */
} files_t;

static void
files_from_base (files_t *f, const base_t *b, int with_json)
{
  memset (f, 0, sizeof *f);
  for (int k = 0; k < 4; k++)
    {
      f->kind[k] = k < 3 || with_json ? F_DATA : F_MISSING;
      buf_add (&f->data[k], b->bytes[k], b->len[k]);
    }
}

static void
files_free (files_t *f)
{
  for (int k = 0; k < 4; k++)
    buf_free (&f->data[k]);
}

static void
files_write (case_t *c, const char *dir, const files_t *f)
{
  wmkdir (c, dir);
  for (int k = 0; k < 4; k++)
    {
      char rel[PATH_MAX];
      snprintf (rel, sizeof rel, "%s/%s", dir, inst_names[k]);
      switch (f->kind[k])
        {
        case F_DATA:
          wwrite (c, rel, f->data[k].p ? f->data[k].p : "", f->data[k].n);
          break;
        case F_DIR:
          wmkdir (c, rel);
          break;
        case F_LINK:
          if (symlink (inst_names[f->link[k]], wpath (c, rel)) != 0)
            die ("symlink: %s", strerror (errno));
          break;
        case F_DANGLING:
          if (symlink ("no-such-file.npy", wpath (c, rel)) != 0)
            die ("symlink: %s", strerror (errno));
          break;
        default:
          break;
        }
    }
}

/* What instance.json says, as far as this oracle is concerned.  */
enum { J_NONE, J_CHECK, J_BAD, J_EITHER, J_OK };

typedef struct
{
  int state;
  size_t size[4];              /* J_CHECK: nq, nk, d, dv */
  double B, Bv;
} jmodel_t;

enum { I_OK, I_BAD, I_UNSURE };

/* Reads the instance folder as the oracle understands it; on I_OK the
   meaning goes to c->Q, K, V.  Files that may be refused are named.  */
static int
judge_instance (case_t *c, const char *dir, const jmodel_t *j)
{
  npy_t r[3];
  int worst = NP_OK;
  for (int k = 0; k < 3; k++)
    {
      char rel[PATH_MAX];
      snprintf (rel, sizeof rel, "%s/%s", dir, inst_names[k]);
      npy_mean_path (&r[k], wpath (c, rel));
      if (r[k].status != NP_OK)
        name (c, inst_names[k]);
      worst = r[k].status > worst ? r[k].status : worst;
      if (r[k].status != NP_OK)
        buf_printf (&c->what, "; %s: %s", inst_names[k],
                    r[k].status == NP_BAD ? r[k].why : r[k].status == NP_UNSURE ? "unsure"
                    : "valid but unusual");
    }
  /* a file the program reads before the bad one may be refused first:
     for its non-finite entries or empty shape */
  for (int k = 0; k < 3; k++)
    if ((r[k].status == NP_OK || r[k].status == NP_EITHER)
        && (r[k].m.r == 0 || r[k].m.c == 0 || !mat_finite (&r[k].m)))
      name (c, inst_names[k]);
  int verdict = I_OK;
  if (worst == NP_BAD)
    verdict = I_BAD;
  else if (worst == NP_UNSURE)
    verdict = I_UNSURE;
  else
    {
      c->either |= worst == NP_EITHER;
      const mat_t *Q = &r[0].m, *K = &r[1].m, *V = &r[2].m;
      for (int k = 0; k < 3; k++)
        if (r[k].m.r == 0 || r[k].m.c == 0 || !mat_finite (&r[k].m))
          {
            name (c, inst_names[k]);
            verdict = I_BAD;
          }
      if (Q->c != K->c)
        {
          name (c, "Q.npy");
          name (c, "K.npy");
          verdict = I_BAD;
        }
      if (K->r != V->r)
        {
          name (c, "K.npy");
          name (c, "V.npy");
          verdict = I_BAD;
        }
      if (verdict == I_OK && j != NULL)
        {
          if (j->state == J_BAD)
            verdict = I_BAD;
          else if (j->state == J_EITHER)
            c->either = 1;
          else if (j->state == J_CHECK
                   && (j->size[0] != Q->r || j->size[1] != K->r || j->size[2] != Q->c
                       || j->size[3] != V->c || mat_max_abs (Q) > j->B || mat_max_abs (K) > j->B
                       || mat_max_abs (V) > j->Bv))
            verdict = I_BAD;
          if (j->state != J_NONE)
            name (c, "instance.json");
        }
      if (verdict == I_OK)
        {
          c->B_inst = j != NULL && (j->state == J_CHECK || j->state == J_OK) ? j->B
            : fmax (mat_max_abs (Q), mat_max_abs (K));
          if (j != NULL && j->state == J_EITHER)
            c->B_inst = 0;     /* unknown */
          mat_copy (&c->Q, Q);
          mat_copy (&c->K, K);
          mat_copy (&c->V, V);
          c->have_inst = 1;
        }
    }
  for (int k = 0; k < 3; k++)
    npy_free (&r[k]);
  return verdict;
}

/* --- mutations of an NPY file ---------------------------------------------- */

static size_t
npy_data_offset (const buf_t *b)
{
  if (b->n < 10)
    return b->n;
  const unsigned char *p = (const unsigned char *) b->p;
  size_t lenbytes = p[6] == 1 ? 2 : 4;
  if (b->n < 8 + lenbytes)
    return b->n;
  uint64_t h = 0;
  for (size_t i = lenbytes; i-- > 0;)
    h = (h << 8) | p[8 + i];
  return 8 + lenbytes + h > b->n ? b->n : 8 + lenbytes + (size_t) h;
}

/* A shape as text, in one of the spellings of a tuple (valid or not).  */
static void
shape_text (rng_t *g, char *out, size_t size, unsigned long long r, unsigned long long cc,
            int ndim)
{
  int v = (int) runi (g, 14);
  if (ndim == 1)
    {
      const char *f[] = { "(%llu,)", "( %llu , )", "(%llu)", "[%llu]", "(%llu,,)", "%llu," };
      snprintf (out, size, f[v % 6], r);
      return;
    }
  switch (v)
    {
    case 0: snprintf (out, size, "(%llu,%llu)", r, cc); break;
    case 1: snprintf (out, size, "( %llu , %llu , )", r, cc); break;
    case 2: snprintf (out, size, "(%lluL, %lluL)", r, cc); break;
    case 3: snprintf (out, size, "(0%llu, %llu)", r, cc); break;
    case 4: snprintf (out, size, "(+%llu, %llu)", r, cc); break;
    case 5: snprintf (out, size, "(%llu.0, %llu)", r, cc); break;
    case 6: snprintf (out, size, "[%llu, %llu]", r, cc); break;
    case 7: snprintf (out, size, "(%llu, %llu", r, cc); break;
    case 8: snprintf (out, size, "%llu, %llu", r, cc); break;
    case 9: snprintf (out, size, "(0x%llx, %llu)", r, cc); break;
    case 10: snprintf (out, size, "(%llu,\n %llu)", r, cc); break;
    case 11: snprintf (out, size, "(%llul, %llu)", r, cc); break;
    case 12: snprintf (out, size, "(-%llu, %llu)", r, cc); break;
    default: snprintf (out, size, "(%llu, %llu)", r, cc); break;
    }
}

/* A header dict around the given shape text, with the variations numpy
   tolerates and some it does not.  */
static void
random_dict (rng_t *g, buf_t *out, const char *shape)
{
  const char *descr = "'<f8'", *fortran = "False";
  if (rchance (g, 0.35))
    {
      static const char *const d[] = {
        "\"<f8\"", "'<f4'", "'>f8'", "'|f8'", "'=f8'", "'f8'", "'<i8'", "'<c16'", "'float64'",
        "'<f8 '", "''", "123", "True", "['<f8']", "[('a', '<f8')]", "'<f16'", "'<F8'",
        "u'<f8'", "'<f\\x38'", "'<f8' '<f8'", "'<f8", "'<u8'", "'>i4'", "'<m8'", "'O'", "'<d'"
      };
      descr = PICK (g, d);
    }
  if (rchance (g, 0.2))
    {
      static const char *const f[] = { "True", "0", "1", "None", "'False'", "false", "FALSE",
                                       "Fals", "False False" };
      fortran = PICK (g, f);
    }
  const char *keys[3] = { "descr", "fortran_order", "shape" };
  const char *vals[3] = { descr, fortran, shape };
  int order[5] = { 0, 1, 2, -1, -1 }, nk = 3;
  if (rchance (g, 0.3))
    for (int i = 2; i > 0; i--)
      {
        int j = (int) runi (g, (size_t) i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
  int extra = rchance (g, 0.08), drop = rchance (g, 0.06) ? (int) runi (g, 3) : -1;
  if (rchance (g, 0.06))
    order[nk++] = (int) runi (g, 3);       /* a key twice */
  const char *q = rchance (g, 0.15) ? "\"" : "'";
  const char *colon = rchance (g, 0.8) ? ": " : ONE_OF (g, ":", " : ", ":\t", " :\n ");
  const char *sep = rchance (g, 0.8) ? ", " : ONE_OF (g, ",", " ,", ",\n", ",\t\t");
  buf_adds (out, rchance (g, 0.95) ? "{" : ONE_OF (g, " {", "\t{", "\n{", "dict("));
  int first = 1;
  for (int i = 0; i < nk; i++)
    {
      if (order[i] == drop)
        continue;
      if (!first)
        buf_adds (out, sep);
      first = 0;
      const char *key = keys[order[i]];
      if (rchance (g, 0.03))
        key = ONE_OF (g, "Descr", "shape ", "fortran-order", "", "shapes");
      buf_printf (out, "%s%s%s%s%s", q, key, q, colon, vals[order[i]]);
    }
  if (extra)
    buf_printf (out, "%s%sextra%s%s%s", sep, q, q, colon, ONE_OF (g, "1", "'x'", "None", "(1,)"));
  if (rchance (g, 0.7))
    buf_adds (out, ", ");
  buf_adds (out, rchance (g, 0.96) ? "}" : ONE_OF (g, "}}", "} x", ")", "", "} # c"));
}

/* One mutation of an NPY file whose matrix is r x cc.  */
static void
mutate_npy (case_t *c, files_t *f, int k)
{
  rng_t *g = &c->rng;
  buf_t *b = &f->data[k];
  size_t r = 0, cc = 0;
  {
    npy_t m;
    npy_mean (&m, b->p ? b->p : "", b->n);
    r = m.m.r;
    cc = m.m.c;
    npy_free (&m);
  }
  if (f->kind[k] != F_DATA)
    return;
  size_t off = npy_data_offset (b);
  unsigned char *p = (unsigned char *) b->p;
  int op = (int) runi (g, 20);
  switch (op)
    {
    case 0:
      if (b->n >= 6)
        {
          size_t i = runi (g, 6);
          p[i] ^= (unsigned char) (1u << runi (g, 8));
          buf_printf (&c->what, ", %s: magic byte %zu flipped", inst_names[k], i);
        }
      break;
    case 1:
      if (b->n >= 8)
        {
          static const unsigned char v[][2] = { { 0, 0 }, { 1, 1 }, { 2, 0 }, { 3, 0 }, { 4, 0 },
                                                { 255, 255 }, { 1, 0 }, { 2, 1 }, { 0, 1 } };
          size_t i = runi (g, sizeof v / sizeof v[0]);
          p[6] = v[i][0];
          p[7] = v[i][1];
          buf_printf (&c->what, ", %s: version bytes %d.%d", inst_names[k], v[i][0], v[i][1]);
        }
      break;
    case 2:
      {
        /* the same header as a proper version 2.0 or 3.0 file */
        int major = rchance (g, 0.5) ? 2 : 3;
        buf_t nb = { 0 }, dict = { 0 };
        if (off > 10)
          buf_add (&dict, b->p + 10, off - 10);
        buf_add (&dict, "", 0);
        npy_build (&nb, major, 0, dict.p, 1, NULL);
        buf_add (&nb, b->p + off, b->n - off);
        buf_free (b);
        *b = nb;
        buf_free (&dict);
        buf_printf (&c->what, ", %s: rewritten as version %d.0", inst_names[k], major);
      }
      break;
    case 3:
      if (b->n >= 10)
        {
          size_t hl = off - 10;
          size_t choices[] = { 0, 1, hl - 1, hl + 1, 0xffff, hl + 8, runi (g, 0x10000) };
          size_t v = PICK (g, choices);
          p[8] = (unsigned char) v;
          p[9] = (unsigned char) (v >> 8);
          buf_printf (&c->what, ", %s: header length %zu (was %zu)", inst_names[k],
                      v & 0xffff, hl);
        }
      break;
    case 4:
    case 5:
    case 6:
      {
        char shape[128];
        int ndim = 2;
        unsigned long long rr = r, ccc = cc;
        int lie = (int) runi (g, 16);
        switch (lie)
          {
          case 0: rr = r + 1; break;
          case 1: ccc = cc + 1; break;
          case 2: rr = r > 0 ? r - 1 : 0; break;
          case 3: rr = cc; ccc = r; break;
          case 4: rr = r * cc; ndim = 1; break;
          case 5: rr = 0; break;
          case 6: ccc = 0; break;
          default: break;
          }
        if (lie == 7)
          snprintf (shape, sizeof shape,
                    rchance (g, 0.5) ? "(%zu, %zu, 1)" : "(1, %zu, %zu)", r, cc);
        else if (lie == 8)
          snprintf (shape, sizeof shape, "()");
        else if (lie <= 6 || rchance (g, 0.6))
          snprintf (shape, sizeof shape, ndim == 1 ? "(%llu,)" : "(%llu, %llu)", rr, ccc);
        else
          shape_text (g, shape, sizeof shape, rr, ccc, ndim);
        buf_t dict = { 0 }, nb = { 0 };
        random_dict (g, &dict, shape);
        int major = rchance (g, 0.85) ? 1 : rchance (g, 0.5) ? 2 : 3;
        npy_build (&nb, major, 0, dict.p, rchance (g, 0.85) ? 0 : 1, NULL);
        buf_add (&nb, b->p + off, b->n - off);
        buf_printf (&c->what, ", %s: header v%d %s", inst_names[k], major, dict.p);
        buf_free (b);
        *b = nb;
        buf_free (&dict);
      }
      break;
    case 7:
      if (off > 10)
        {
          int nflip = 1 + (int) runi (g, 3);
          for (int i = 0; i < nflip; i++)
            {
              size_t at = 10 + runi (g, off - 10);
              unsigned char old = p[at];
              static const char set[] = " \t\n\r'\"(),:{}#\\L0123456789-+x\x00\xff\x80";
              p[at] = rchance (g, 0.5) ? (unsigned char) (p[at] ^ (1u << runi (g, 8)))
                : (unsigned char) set[runi (g, sizeof set - 1)];
              buf_printf (&c->what, ", %s: header byte %zu %02x -> %02x", inst_names[k], at,
                          old, p[at]);
            }
        }
      break;
    case 8:
      if (off > 10)
        {
          /* a byte inserted or removed in the header, its length kept or fixed */
          size_t at = 10 + runi (g, off - 10);
          buf_t nb = { 0 };
          int ins = rchance (g, 0.5);
          buf_add (&nb, b->p, at);
          if (ins)
            {
              static const char set[] = " \t\n,'x0";
              char ch = set[runi (g, sizeof set - 1)];
              buf_add (&nb, &ch, 1);
              buf_add (&nb, b->p + at, b->n - at);
            }
          else
            buf_add (&nb, b->p + at + 1, b->n - at - 1);
          if (rchance (g, 0.5) && p[6] == 1)
            {
              size_t hl = off - 10 + (ins ? 1 : 0) - (ins ? 0 : 1);
              nb.p[8] = (char) (hl & 0xff);
              nb.p[9] = (char) (hl >> 8);
            }
          buf_printf (&c->what, ", %s: header byte %s at %zu", inst_names[k],
                      ins ? "inserted" : "removed", at);
          buf_free (b);
          *b = nb;
        }
      break;
    case 9:
      {
        size_t cut = rchance (g, 0.5) ? 1 + runi (g, 16) : runi (g, b->n + 1);
        cut = cut > b->n ? b->n : cut;
        b->n -= cut;
        buf_printf (&c->what, ", %s: %zu bytes cut off the end", inst_names[k], cut);
      }
      break;
    case 10:
      {
        size_t add = rchance (g, 0.5) ? 8 * (1 + runi (g, 3)) : 1 + runi (g, 15);
        for (size_t i = 0; i < add; i++)
          {
            char ch = (char) runi (g, 256);
            buf_add (b, &ch, 1);
          }
        buf_printf (&c->what, ", %s: %zu trailing bytes", inst_names[k], add);
      }
      break;
    case 11:
      b->n = 0;
      buf_printf (&c->what, ", %s: empty", inst_names[k]);
      break;
    case 12:
      f->kind[k] = F_MISSING;
      buf_printf (&c->what, ", %s: missing", inst_names[k]);
      break;
    case 13:
      f->kind[k] = F_DIR;
      buf_printf (&c->what, ", %s: a folder", inst_names[k]);
      break;
    case 14:
      f->kind[k] = F_LINK;
      f->link[k] = (k + 1 + (int) runi (g, 2)) % 3;
      buf_printf (&c->what, ", %s: a link to %s", inst_names[k], inst_names[f->link[k]]);
      break;
    case 15:
      f->kind[k] = F_DANGLING;
      buf_printf (&c->what, ", %s: a dangling link", inst_names[k]);
      break;
    case 16:
      {
        size_t n = runi (g, 300);
        b->n = 0;
        if (rchance (g, 0.5))
          buf_add (b, "\x93NUMPY\x01\x00", 8);
        for (size_t i = 0; i < n; i++)
          {
            char ch = (char) runi (g, 256);
            buf_add (b, &ch, 1);
          }
        buf_printf (&c->what, ", %s: %zu random bytes", inst_names[k], b->n);
      }
      break;
    case 17:
      {
        static const char *const huge[] = {
          "(4611686018427387904, 4)", "(4294967296, 4294967296)", "(18446744073709551615, 1)",
          "(18446744073709551616, 1)", "(2305843009213693952,)", "(1, 2305843009213693952)",
          "(99999999999999999999999999999, 2)", "(3037000500, 3037000500)",
          "(1152921504606846976, 2)", "(9223372036854775807, 9223372036854775807)"
        };
        const char *s = PICK (g, huge);
        buf_t dict = { 0 }, nb = { 0 };
        buf_printf (&dict, "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }", s);
        npy_build (&nb, rchance (g, 0.8) ? 1 : 2, 0, dict.p, 0, NULL);
        buf_add (&nb, b->p + off, b->n - off);
        buf_printf (&c->what, ", %s: shape %s", inst_names[k], s);
        buf_free (b);
        *b = nb;
        buf_free (&dict);
      }
      break;
    default:
      {
        /* a non-finite, subnormal or signed-zero entry (huge ones are the
           values category's) */
        if (r * cc > 0 && off + 8 * r * cc <= b->n)
          {
            static const double v[] = { NAN, INFINITY, -INFINITY, DBL_TRUE_MIN, -0.0,
                                        -DBL_TRUE_MIN, DBL_MIN };
            size_t at = runi (g, r * cc);
            double x = PICK (g, v);
            if (isnan (x) && rchance (g, 0.5))
              {
                /* a signalling NaN, or a NaN with a payload */
                uint64_t u = 0x7ff0000000000001ULL | (rnext (g) & 0x000fffffffffffffULL);
                memcpy (&x, &u, 8);
              }
            put_le (p + off + 8 * at, x);
            buf_printf (&c->what, ", %s: entry %zu = %g", inst_names[k], at, x);
          }
      }
      break;
    }
}

/* --- entries for the values category ---------------------------------------- */

static const double specials[] = {
  0.0, -0.0, 1.0, -1.0, DBL_MAX, -DBL_MAX, 1e308, -1e308, 1.7e308, 1e300, -1e300, 1e200, 1e154,
  -1e154, 1e-300, DBL_MIN, DBL_TRUE_MIN, -DBL_TRUE_MIN, 2.2250738585072009e-308,
  1 + 0x1p-52, 40, -40, 700, -745, 1e16, 0x1p-1022, 3, 0.5
};

static double
special (rng_t *g)
{
  return PICK (g, specials);
}

/* Fills m: mode 0 uniform in [-B, B], 1 uniform with specials sprinkled,
   2 specials only, 3 a constant, 4 repeated rows, 5 zero.  */
static void
fill (rng_t *g, mat_t *m, int mode, double B)
{
  double k = special (g);
  for (size_t i = 0; i < m->r; i++)
    for (size_t j = 0; j < m->c; j++)
      {
        double x = B * (2 * runif (g) - 1);
        switch (mode)
          {
          case 1: x = rchance (g, 0.25) ? special (g) : x; break;
          case 2: x = special (g); break;
          case 3: x = k; break;
          case 4: x = i > 0 ? AT (m, 0, j) : x; break;
          case 5: x = 0; break;
          default: break;
          }
        AT (m, i, j) = x;
      }
}

/* ------------------------------------------------------------------ */
/* The command run on an instance, and what it owes */

typedef struct
{
  const char *spec;
  int check;
  size_t w;                    /* K_WINDOW */
  int causal;
} approx_t;

static const approx_t approx_methods[] = {
  { "rf:m=8,kind=pos,seed=2", K_CONVEX, 0, 0 },
  { "rf:m=8,kind=hyp,orth=1", K_CONVEX, 0, 0 },
  { "rf:m=8,kind=trig", K_NONE, 0, 0 },
  { "nystrom:m=1", K_NONE, 0, 0 },
  { "nystrom:m=2,pinv=iter", K_NONE, 0, 0 },
  { "svd:k=1", K_NONE, 0, 0 },
  { "svd:k=2", K_NONE, 0, 0 },
  { "window:w=1", K_WINDOW, 1, 0 },
  { "window:w=0,causal=1", K_WINDOW, 0, 1 },
  { "window:w=2,causal=1", K_WINDOW, 2, 1 },
  { "strided:l=2", K_CONVEX, 0, 0 },
  { "fixed:l=2", K_CONVEX, 0, 0 },
  { "dilated:w=2,r=1", K_CONVEX, 0, 0 },
  { "poly:eps=1e-3", K_POLY, 0, 0 },
  { "poly:basis=taylor,eps=1e-2", K_POLY, 0, 0 },
  { "poly:arith=mpfr,eps=1e-4,prec=96", K_POLY, 0, 0 },
  { "tsketch:m=8,seed=1", K_NONE, 0, 0 },
};

/* Whether a method's pattern is over positions (needs nq = nk).  */
static int
positional (const char *spec)
{
  return strncmp (spec, "window", 6) == 0 || strncmp (spec, "strided", 7) == 0
    || strncmp (spec, "fixed", 5) == 0 || strncmp (spec, "dilated", 7) == 0;
}

/* Whether the double kernels may legitimately give up (exit 1): scores or
   sums of V beyond the doubles.  */
static int
beyond_doubles (const ref_t *r)
{
  for (size_t i = 0; i < r->nq; i++)
    if (r->sdelta[i] / ((double) (r->d + 4) * 0x1p-53) > 1e300)
      return 1;
  for (size_t c = 0; c < r->dv; c++)
    if (r->vmax[c] * (double) r->nk > 1e307)
      return 1;
  return 0;
}

static void
set_tau (case_t *c, const char *text)
{
  memset (&c->tau, 0, sizeof c->tau);
  if (text == NULL || strcmp (text, "1/d") == 0)
    c->tau.kind = TAU_INV_D;
  else if (strcmp (text, "1/sqrt(d)") == 0)
    c->tau.kind = TAU_INV_SQRT_D;
  else
    {
      c->tau.kind = TAU_VALUE;
      c->tau.value = strtod (text, NULL);
    }
  if (text != NULL)
    snprintf (c->tau.text, sizeof c->tau.text, "%s", text);
}

static void
add_tau (case_t *c)
{
  if (*c->tau.text)
    args (c, "--tau", c->tau.text, NULL);
}

/* tau max_i |q_i| max_j |k_j| (the Cauchy-Schwarz radius of the scores),
   or 0 when the instance is unknown.  */
static double
score_radius (const case_t *c)
{
  if (!c->have_inst)
    return 0;
  double mq = 0, mk = 0;
  for (size_t i = 0; i < c->Q.r; i++)
    {
      double s = 0;
      for (size_t k = 0; k < c->Q.c; k++)
        s += AT (&c->Q, i, k) * 1e-150 * AT (&c->Q, i, k) * 1e-150;
      mq = fmax (mq, sqrt (s));
    }
  for (size_t j = 0; j < c->K.r; j++)
    {
      double s = 0;
      for (size_t k = 0; k < c->K.c; k++)
        s += AT (&c->K, j, k) * 1e-150 * AT (&c->K, j, k) * 1e-150;
      mk = fmax (mk, sqrt (s));
    }
  double tau = c->tau.kind == TAU_INV_D ? 1.0 / c->Q.c
    : c->tau.kind == TAU_INV_SQRT_D ? 1 / sqrt ((double) c->Q.c) : c->tau.value;
  /* scaled by 1e-150 twice to stay in range; 1e300 puts it back */
  return tau * mq * mk * 1e300;
}

/* How instance_command chooses.  */
#define IC_HOSTILE_TAU 1       /* extreme tau values may be drawn */
#define IC_APPROX_LSE 2        /* approximate methods may be asked for --lse */
#define IC_APPROX_ONLY 4       /* approximate methods only */

/* Picks a command on the instance in dir and sets what it owes, given the
   instance's verdict.  */
static void
instance_command (case_t *c, const char *dir, int verdict, int mode)
{
  rng_t *g = &c->rng;
  set_tau (c, NULL);
  if (rchance (g, 0.2))
    {
      const char *t[] = { "1/d", "1/sqrt(d)", "0.5", "2", "0.125", "1e300", "1e-300", "4.9e-324",
                          "1e16" };
      set_tau (c, t[runi (g, mode & IC_HOSTILE_TAU ? 9 : 5)]);
    }
  arg (c, fgattn);
  int u = mode & IC_APPROX_ONLY ? 99 : (int) runi (g, 100);
  int cmd, check;
  if (u < 32)
    {
      const char *algo = ONE_OF (g, "naive", "stream", "blas");
      char spec[64];
      if (strcmp (algo, "naive") != 0 && rchance (g, 0.3))
        snprintf (spec, sizeof spec, "exact:algo=%s,block=%zu", algo, 1 + runi (g, 3));
      else
        snprintf (spec, sizeof spec, "exact:algo=%s", algo);
      args (c, "run", "-i", dir, "--method", spec, "-o", "out.npy", NULL);
      cmd = C_RUN;
      check = K_DOUBLE;
    }
  else if (u < 40)
    {
      const char *spec = rchance (g, 0.5) ? "exact:algo=mpfr" : "exact:algo=mpfr,prec=64";
      args (c, "run", "-i", dir, "--method", spec, "-o", "out.npy", NULL);
      cmd = C_RUN;
      check = K_CR;
    }
  else if (u < 62)
    {
      args (c, "truth", "-i", dir, "-o", "out.npy", NULL);
      if (rchance (g, 0.3))
        args (c, "--prec", ONE_OF (g, "64", "128", "200"), NULL);
      if (rchance (g, 0.3))
        {
          args (c, "--text", "truth.txt", NULL);
          strcpy (c->text, "truth.txt");
        }
      cmd = C_TRUTH;
      check = K_CR;
    }
  else if (u < 74)
    {
      args (c, "rank", "-i", dir, "--format", "csv", NULL);
      if (rchance (g, 0.5))
        {
          static const char *const tl[] = { "1/n", "1e-3", "1/n,1e-3", "0", "0,1/n,0.5", "1e300" };
          const char *t = PICK (g, tl);
          args (c, "--tol", t, NULL);
          char tmp[64];
          snprintf (tmp, sizeof tmp, "%s", t);
          for (char *s = strtok (tmp, ","); s != NULL && c->ntol < 8; s = strtok (NULL, ","))
            c->tol[c->ntol++] = strcmp (s, "1/n") == 0 ? -1 : strtod (s, NULL);
        }
      else
        {
          c->ntol = 1;
          c->tol[0] = -1;
        }
      if (rchance (g, 0.4))
        {
          args (c, "--csv", "sv.csv", NULL);
          strcpy (c->csv, "sv.csv");
        }
      cmd = C_RANK;
      check = K_NONE;
    }
  else
    {
      size_t na = sizeof approx_methods / sizeof approx_methods[0];
      const approx_t *a = &approx_methods[runi (g, na)];
      /* poly and tsketch need a degree of about e R: valid, but minutes
         when R is in the hundreds; beyond the doubles they refuse at once */
      double R = score_radius (c), Bv = c->have_inst ? mat_max_abs (&c->V) : 0;
      /* so does a huge V: the relative target eps / (2 max |V|) is tiny */
      /* the sparse patterns are over positions: nq = nk or a refusal (exit
         2) that is right, so they are drawn only where they can run */
      while (((a->check == K_POLY || strncmp (a->spec, "tsketch", 7) == 0)
              && ((R > 8 && R < 1e12) || (Bv > 1e6 && R < 1e12)))
             || (positional (a->spec) && (!c->have_inst || c->Q.r != c->K.r)))
        a = &approx_methods[runi (g, na)];
      args (c, "run", "-i", dir, "--method", a->spec, "-o", "out.npy", NULL);
      cmd = C_RUN;
      check = a->check;
      c->mask.w = a->w;
      c->mask.causal = a->causal;
      if (check == K_POLY)
        {
          args (c, "--stats", "stats.json", NULL);
          strcpy (c->stats, "stats.json");
        }
    }
  if (cmd != C_RANK)
    strcpy (c->out, "out.npy");
  int approx = cmd == C_RUN && check != K_CR && check != K_DOUBLE;
  if (cmd != C_RANK && (!approx || mode & IC_APPROX_LSE) && rchance (g, 0.3))
    {
      args (c, "--lse", "lse.npy", NULL);
      strcpy (c->lse, "lse.npy");
    }
  if (cmd == C_RUN && !*c->stats && rchance (g, 0.25))
    {
      args (c, "--stats", "stats.json", NULL);
      strcpy (c->stats, "stats.json");
    }
  if (cmd != C_RANK && rchance (g, 0.3))
    args (c, "--format", ONE_OF (g, "table", "csv", "json"), NULL);
  add_tau (c);
  if (c->tau.kind == TAU_VALUE && c->tau.value < DBL_MIN)
    name (c, "tau");           /* it may be refused before the files are read */
  c->cmd = cmd;
  c->check = check;

  if (verdict == I_BAD)
    {
      c->want = E_REFUSE;
      return;
    }
  if (verdict == I_UNSURE || !c->have_inst)
    {
      c->want = E_ANY;
      c->have_inst = 0;
      return;
    }
  ref_t r;
  ref_compute (&r, &c->Q, &c->K, &c->V, &c->tau, NULL);
  int beyond = beyond_doubles (&r) || (c->tau.kind == TAU_VALUE && c->tau.value > 1e15);
  if (approx)
    c->want = E_ANY;
  else if (check == K_DOUBLE || cmd == C_RANK)
    c->want = beyond ? E_OK1 : E_OK;
  /* rank prints beta = B / sqrt (ln nk); when that is beyond the doubles
     the only right answer is a refusal */
  if (cmd == C_RANK && c->want == E_OK && c->K.r > 1 && c->B_inst > 0
      && c->B_inst / sqrtl (logl ((long double) c->K.r)) > DBL_MAX)
    c->want = E_OK1;
  else
    c->want = r.undecided || (*c->lse && r.lse_overflow) ? E_OK1 : E_OK;
  if (c->either && c->want != E_ANY)
    c->want = E_ANY;
  if (c->tau.kind == TAU_VALUE && c->tau.value < DBL_MIN && c->want != E_ANY)
    c->want = E_ANY;           /* a subnormal tau may be refused */
  buf_printf (&c->what, "; scores %s", beyond ? "beyond the doubles" : "in range");
  ref_free (&r);
}

/* --- npy: mutated files of an instance from fgattn gen ---------------------- */

static void
case_npy (case_t *c)
{
  rng_t *g = &c->rng;
  const base_t *b = &bases[runi (g, NBASES)];
  int with_json = rchance (g, 0.3);
  files_t f;
  files_from_base (&f, b, with_json);
  buf_adds (&c->what, "instance from gen");
  int nmut = rchance (g, 0.75) ? 1 : rchance (g, 0.8) ? 2 : 3;
  for (int m = 0; m < nmut; m++)
    {
      int k = (int) runi (g, 3);
      if (rchance (g, 0.1))
        {
          /* the file from another instance: shapes that disagree */
          const base_t *o = &bases[runi (g, NBASES)];
          buf_reset (&f.data[k]);
          buf_add (&f.data[k], o->bytes[k], o->len[k]);
          f.kind[k] = F_DATA;
          buf_printf (&c->what, ", %s from another instance", inst_names[k]);
        }
      else
        mutate_npy (c, &f, k);
    }
  files_write (c, "inst", &f);
  jmodel_t j = { with_json ? J_CHECK : J_NONE, { b->M[0].r, b->M[1].r, b->M[0].c, b->M[2].c },
                 b->B, b->Bv };
  int verdict = judge_instance (c, "inst", &j);
  files_free (&f);
  instance_command (c, "inst", verdict, 0);
}

/* --- values: hostile entries in well-formed files ----------------------------- */

static void
case_values (case_t *c)
{
  rng_t *g = &c->rng;
  size_t nq = 1 + runi (g, 5), nk = 1 + runi (g, 5), d = 1 + runi (g, 4), dv = 1 + runi (g, 3);
  mat_t M[3];
  mat_alloc (&M[0], nq, d);
  mat_alloc (&M[1], nk, d);
  mat_alloc (&M[2], nk, dv);
  static const double Bs[] = { 0.5, 1, 3, 40 };
  int profile = (int) runi (g, 6);
  static const char *const pname[] = { "moderate", "huge V", "huge Q, K", "tiny", "ties",
                                       "chaos" };
  for (int k = 0; k < 3; k++)
    {
      int mode = 0;
      switch (profile)
        {
        case 1: mode = k == 2 ? (int) (1 + runi (g, 3)) : 0; break;
        case 2: mode = k < 2 ? (int) (1 + runi (g, 3)) : 0; break;
        case 4: mode = rchance (g, 0.5) ? 4 : 3; break;
        case 5: mode = (int) runi (g, 6); break;
        default: break;
        }
      fill (g, &M[k], mode, PICK (g, Bs));
      if (profile == 3)
        for (size_t q = 0; q < M[k].r * M[k].c; q++)
          M[k].x[q] *= 0x1p-1000;
      if (profile == 1 && k == 2 && rchance (g, 0.5))
        {
          /* the known case: V near the top of the doubles */
          for (size_t q = 0; q < M[k].r * M[k].c; q++)
            M[k].x[q] = (rchance (g, 0.5) ? 1 : -1) * (1e308 + 7e307 * runif (g));
        }
      if (profile == 2 && k == 0 && rchance (g, 0.4))
        for (size_t q = 0; q < M[k].c; q++)
          M[k].x[q] = -DBL_MAX;          /* a query row of -DBL_MAX */
    }
  if (rchance (g, 0.06))
    {
      /* a non-finite entry: bad input */
      int k = (int) runi (g, 3);
      M[k].x[runi (g, M[k].r * M[k].c)]
        = PICK (g, ((const double[]) { NAN, INFINITY, -INFINITY }));
    }
  buf_printf (&c->what, "values: %s, Q %zux%zu, K %zux%zu, V %zux%zu", pname[profile], nq, d,
              nk, d, nk, dv);
  wmkdir (c, "inst");
  const char *f[3] = { "inst/Q.npy", "inst/K.npy", "inst/V.npy" };
  for (int k = 0; k < 3; k++)
    if (npy_write (wpath (c, f[k]), &M[k]) != 0)
      die ("cannot write %s", f[k]);
  for (int k = 0; k < 3; k++)
    mat_free (&M[k]);
  int verdict = judge_instance (c, "inst", NULL);
  instance_command (c, "inst", verdict, IC_HOSTILE_TAU | IC_APPROX_LSE);
}

/* --- approx: the approximate methods on valid instances ----------------------- */

static void
case_approx (case_t *c)
{
  rng_t *g = &c->rng;
  int verdict;
  if (rchance (g, 0.5))
    {
      const base_t *b = &bases[runi (g, NBASES)];
      files_t f;
      files_from_base (&f, b, 0);
      files_write (c, "inst", &f);
      files_free (&f);
      buf_adds (&c->what, "instance from gen");
      verdict = judge_instance (c, "inst", NULL);
    }
  else
    {
      /* moderate to extreme, all finite */
      size_t nq = 1 + runi (g, 5), nk = 1 + runi (g, 5), d = 1 + runi (g, 4), dv = 1 + runi (g, 3);
      mat_t M[3];
      mat_alloc (&M[0], nq, d);
      mat_alloc (&M[1], nk, d);
      mat_alloc (&M[2], nk, dv);
      int extreme = rchance (g, 0.4);
      for (int k = 0; k < 3; k++)
        fill (g, &M[k], extreme ? (int) runi (g, 6) : 0, extreme ? 3 : 1);
      buf_printf (&c->what, "%s entries, Q %zux%zu, K %zux%zu, V %zux%zu",
                  extreme ? "extreme" : "moderate", nq, d, nk, d, nk, dv);
      wmkdir (c, "inst");
      const char *f[3] = { "inst/Q.npy", "inst/K.npy", "inst/V.npy" };
      for (int k = 0; k < 3; k++)
        {
          if (npy_write (wpath (c, f[k]), &M[k]) != 0)
            die ("cannot write %s", f[k]);
          mat_free (&M[k]);
        }
      verdict = judge_instance (c, "inst", NULL);
    }
  instance_command (c, "inst", verdict, IC_APPROX_ONLY | IC_APPROX_LSE);
}

/* --- json: instance.json mutated -------------------------------------------- */

static void
case_json (case_t *c)
{
  rng_t *g = &c->rng;
  const base_t *b = &bases[runi (g, NBASES)];
  files_t f;
  files_from_base (&f, b, 1);
  char sizes[4][32], bound[2][40];
  for (int k = 0; k < 2; k++)
    snprintf (bound[k], sizeof bound[k], "%.17g", k == 0 ? b->B : b->Bv);
  size_t sz[4] = { b->M[0].r, b->M[1].r, b->M[0].c, b->M[2].c };
  for (int k = 0; k < 4; k++)
    snprintf (sizes[k], sizeof sizes[k], "%zu", sz[k]);
  /* the model: keys and their JSON text */
  const char *key[12] = { "fgattn_version", "nq", "nk", "d", "dv", "B", "Bv", "distribution",
                          "seed" };
  char val[12][256];
  int nkeys = 9;
  snprintf (val[0], sizeof val[0], "\"0.1.0\"");
  for (int k = 0; k < 4; k++)
    snprintf (val[1 + k], sizeof val[1 + k], "%s", sizes[k]);
  snprintf (val[5], sizeof val[5], "%s", bound[0]);
  snprintf (val[6], sizeof val[6], "%s", bound[1]);
  snprintf (val[7], sizeof val[7], "\"uniform\"");
  snprintf (val[8], sizeof val[8], "7");
  int state = J_OK;
  int op = (int) runi (g, 16);
  int drop = -1;
  const char *raw = NULL;
  size_t raw_n = 0;
  double maxQK = fmax (mat_max_abs (&b->M[0]), mat_max_abs (&b->M[1]));
  double maxV = mat_max_abs (&b->M[2]);
  switch (op)
    {
    case 0:
    case 1:
      {
        /* a size: wrong, or of the wrong type */
        int k = 1 + (int) runi (g, 4);
        static const char *const bad[] = { "0", "-1", "\"3\"", "null", "true", "1e300",
                                           "9223372036854775807", "18446744073709551616",
                                           "[3]", "{}", "3.5" };
        if (rchance (g, 0.3))
          snprintf (val[k], sizeof val[k], "%zu", sz[k - 1] + 1);
        else if (rchance (g, 0.15))
          {
            snprintf (val[k], sizeof val[k], "%zu.0", sz[k - 1]);
            state = J_EITHER;
            break;
          }
        else
          snprintf (val[k], sizeof val[k], "%s", PICK (g, bad));
        state = J_BAD;
      }
      break;
    case 2:
    case 3:
      {
        /* a bound */
        int k = 5 + (int) runi (g, 2);
        double need = k == 5 ? maxQK : maxV;
        int v = (int) runi (g, 9);
        switch (v)
          {
          case 0:
            snprintf (val[k], sizeof val[k], "%.17g", need * 0.5);
            state = need > 0 ? J_BAD : J_OK;
            break;
          case 1: snprintf (val[k], sizeof val[k], "0"); state = J_BAD; break;
          case 2: snprintf (val[k], sizeof val[k], "-1"); state = J_BAD; break;
          case 3: snprintf (val[k], sizeof val[k], "1e308"); state = J_OK; break;
          case 4: snprintf (val[k], sizeof val[k], "\"1\""); state = J_BAD; break;
          case 5: snprintf (val[k], sizeof val[k], "null"); state = J_BAD; break;
          case 6: snprintf (val[k], sizeof val[k], "1e400"); state = J_BAD; break;
          case 7: snprintf (val[k], sizeof val[k], "NaN"); state = J_BAD; break;
          default: snprintf (val[k], sizeof val[k], "%.0f", ceil (need) + 1); state = J_OK; break;
          }
      }
      break;
    case 4:
      drop = (int) runi (g, 9);
      state = drop == 0 ? J_OK : J_EITHER;
      break;
    case 5:
      snprintf (val[7], sizeof val[7], "%s",
                ONE_OF (g, "\"cauchy\"", "3", "null", "\"\"", "\"Uniform\""));
      state = J_EITHER;
      break;
    case 6:
      snprintf (val[8], sizeof val[8], "%s",
                ONE_OF (g, "-1", "1.5", "\"7\"", "18446744073709551616", "9223372036854775807",
                        "null"));
      state = J_EITHER;
      break;
    case 7:
      key[nkeys] = ONE_OF (g, "colour", "nq ", "NQ", "comment");
      snprintf (val[nkeys], sizeof val[nkeys], "\"x\"");
      nkeys++;
      state = J_EITHER;
      break;
    case 8:
      {
        /* a key twice, with the same or another value */
        int k = 1 + (int) runi (g, 6), same = rchance (g, 0.5);
        key[nkeys] = key[k];
        snprintf (val[nkeys], sizeof val[nkeys], "%s", same ? val[k] : "1000");
        nkeys++;
        state = same ? J_EITHER : J_BAD;
      }
      break;
    default:
      {
#define RAW(s) { s, sizeof s - 1 }
        static const struct { const char *s; size_t n; } raws[] = {
          RAW (""), RAW ("{"), RAW ("[]"), RAW ("3"), RAW ("\"nq\""), RAW ("{\"nq\": 3,}"),
          RAW ("null"), RAW ("{\"nq\" 3}"), RAW ("\xef\xbb\xbf{}"), RAW ("{\"nq\": 3} {}"),
          RAW ("{\"nq\": \"\xff\xfe\"}"), RAW ("{\"nq\": 3, \"d\": 2\x00}"), RAW ("[[[["),
          RAW ("{'nq': 3}"), RAW ("{\"nq\": 03}"), RAW ("{\"nq\": +3}"), RAW ("{\"nq\": 3e0}"),
          RAW ("{\"nq\": Infinity}")
        };
#undef RAW
        size_t i = runi (g, sizeof raws / sizeof raws[0]);
        raw = raws[i].s;
        raw_n = raws[i].n;
        /* a byte-order mark, or a real 3e0 with the other keys missing: a
           reader may accept them */
        state = i == 8 || i == 16 ? J_EITHER : J_BAD;
      }
      break;
    }
  buf_t j = { 0 };
  if (raw != NULL)
    {
      buf_add (&j, raw, raw_n);
      if (strcmp (raw, "[[[[") == 0)
        for (int i = 0; i < 20000; i++)
          buf_add (&j, "[", 1);
      buf_printf (&c->what, "instance.json: raw bytes");
    }
  else
    {
      buf_adds (&j, "{\n");
      int first = 1;
      for (int k = 0; k < nkeys; k++)
        {
          if (k == drop)
            continue;
          buf_printf (&j, "%s  \"%s\": %s", first ? "" : ",\n", key[k], val[k]);
          first = 0;
        }
      buf_adds (&j, "\n}\n");
      buf_printf (&c->what, "instance.json: %s", j.p);
    }
  buf_reset (&f.data[3]);
  buf_add (&f.data[3], j.p ? j.p : "", j.n);
  buf_free (&j);
  if (rchance (g, 0.04))
    {
      f.kind[3] = F_DIR;
      state = J_BAD;
      buf_adds (&c->what, " (as a folder)");
    }
  files_write (c, "inst", &f);
  files_free (&f);
  jmodel_t jm = { state, { 0, 0, 0, 0 }, b->B, b->Bv };
  if (state == J_OK)
    {
      jm.B = drop == 5 ? b->B : strtod (val[5], NULL);
      jm.Bv = drop == 6 ? b->Bv : strtod (val[6], NULL);
    }
  int verdict = judge_instance (c, "inst", &jm);
  instance_command (c, "inst", verdict, 0);
}

/* --- numbers as text: what an option value means --------------------------- */

enum { T_CANON, T_LOOSE, T_BAD };

static int classify_real (const char *s, double *v);

/* ^[0-9]+$ without a leading zero is canonical; spaces around, a '+' or
   leading zeros are loose (a reader may accept them as the number).  */
static int
classify_int (const char *s, unsigned long long *v, int *overflow)
{
  const char *p = s;
  int loose = 0;
  *v = 0;
  *overflow = 0;
  while (*p == ' ')
    p++, loose = 1;
  if (*p == '+')
    p++, loose = 1;
  else if (*p == '-' && p[1 + strspn (p + 1, "0")] == '\0' && p[1] == '0')
    return T_LOOSE;            /* -0 is 0, however odd */
  if (!isdigit ((unsigned char) *p))
    return T_BAD;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit ((unsigned char) p[2]))
    {
      /* 0x10: a reader with strtoul's base 0 takes it as 16 */
      const char *q = p + 2;
      for (; isxdigit ((unsigned char) *q); q++)
        {
          unsigned d = (unsigned) (isdigit ((unsigned char) *q) ? *q - '0'
                                   : tolower ((unsigned char) *q) - 'a' + 10);
          if (*v > (ULLONG_MAX - d) / 16)
            *overflow = 1;
          else
            *v = 16 * *v + d;
        }
      while (*q == ' ')
        q++;
      return *q == '\0' ? T_LOOSE : T_BAD;
    }
  if (p[strspn (p, "0123456789")] != '\0' && p[strspn (p, "0123456789")] != ' ')
    {
      /* 3.0 or 1e1: a whole number written as a real is loose, 3.5 is bad */
      double x;
      if (classify_real (s, &x) == T_BAD || !(x >= 0))
        return T_BAD;
      mpfr_t m;
      mpfr_init2 (m, 4096);
      mpfr_strtofr (m, s + strspn (s, " +"), NULL, 10, MPFR_RNDN);
      int whole = mpfr_integer_p (m) && mpfr_sgn (m) >= 0;
      if (whole)
        {
          *overflow = mpfr_cmp_d (m, 0x1p64) >= 0;
          *v = *overflow ? ULLONG_MAX : mpfr_get_uj (m, MPFR_RNDN);
        }
      mpfr_clear (m);
      return whole ? T_LOOSE : T_BAD;
    }
  if (p[0] == '0' && isdigit ((unsigned char) p[1]))
    loose = 1;
  for (; isdigit ((unsigned char) *p); p++)
    {
      unsigned d = (unsigned) (*p - '0');
      if (*v > (ULLONG_MAX - d) / 10)
        *overflow = 1;
      else
        *v = 10 * *v + d;
    }
  while (*p == ' ')
    p++, loose = 1;
  if (*p != '\0')
    return T_BAD;
  return loose ? T_LOOSE : T_CANON;
}

/* A decimal number with an optional '-' is canonical (*v its double, which
   may be 0 or infinite after rounding); spaces, '+' or hexadecimal are
   loose.  */
static int
classify_real (const char *s, double *v)
{
  const char *p = s;
  int loose = 0;
  while (*p == ' ')
    p++, loose = 1;
  const char *start = p;
  if (*p == '+')
    p++, loose = 1;
  else if (*p == '-')
    p++;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
    {
      char *end;
      *v = strtod (start, &end);
      while (*end == ' ')
        end++;
      return *end == '\0' && end != start ? T_LOOSE : T_BAD;
    }
  int digits = 0;
  while (isdigit ((unsigned char) *p))
    p++, digits++;
  if (*p == '.')
    {
      p++;
      while (isdigit ((unsigned char) *p))
        p++, digits++;
    }
  if (digits == 0)
    return T_BAD;
  if (*p == 'e' || *p == 'E')
    {
      p++;
      if (*p == '+' || *p == '-')
        p++;
      if (!isdigit ((unsigned char) *p))
        return T_BAD;
      while (isdigit ((unsigned char) *p))
        p++;
    }
  const char *end = p;
  while (*p == ' ')
    p++, loose = 1;
  if (*p != '\0')
    return T_BAD;
  char tmp[128];
  snprintf (tmp, sizeof tmp, "%.*s", (int) (end - start), start);
  *v = strtod (tmp, NULL);
  return loose ? T_LOOSE : T_CANON;
}

static const char *const int_texts[] = {
  "1", "2", "3", "5", "0", "9007199254740993", "9223372036854775808", "18446744073709551615",
  "18446744073709551616", "99999999999999999999999", "-5", " -5", "+3", "03", " 3", "3 ", "3.0",
  "1e1", "0x10", "inf", "nan", "", "-0", "\xd9\xa3", "3\xff", "1_0", "4611686018427387904",
  "2147483648", "4294967297", "-1", "3,4", "1 2"
};

static const char *const real_texts[] = {
  "0.5", "2", "1", "3.25", "1e300", "1e-300", "4.9e-324", "1e-320", "1e-400", "1e999", "0", "-1",
  " -5", "inf", "nan", "", "0x10", "0x1p-3", " 1", "1 ", ".5", "5.", "+2", "1,5", "1e", "-0",
  "1e308", "1.7976931348623157e308", "2e308", "NaN", "Infinity", "-inf", "0.25"
};

/* For an integer option valid in [lo, hi]: what the program owes.  Values
   above fail_above cannot be run (memory): a clean 1 or 2; those above
   slow_above are valid but too slow to wait for, and anything clean goes.  */
static int
want_int (const char *s, unsigned long long lo, unsigned long long hi,
          unsigned long long fail_above, unsigned long long slow_above)
{
  unsigned long long v;
  int over;
  int t = classify_int (s, &v, &over);
  if (t == T_BAD)
    return E_REFUSE;
  if (over || v > hi)
    return fail_above < hi ? E_FAIL : E_REFUSE;
  if (v < lo)
    return E_REFUSE;
  if (v > fail_above)
    return E_FAIL;
  if (v > slow_above)
    return E_ANY;
  return t == T_LOOSE ? E_ANY : E_OK;
}

/* For a real option that must be positive and finite.  */
static int
want_pos_real (const char *s, double *v)
{
  int t = classify_real (s, v);
  if (t == T_BAD)
    return E_REFUSE;
  if (!(*v > 0) && s[strspn (s, " +-0.")] == '\0')
    return E_REFUSE;           /* zero, however written */
  if (*v < 0 || isinf (*v))
    return t == T_LOOSE ? E_ANY : E_REFUSE;
  if (*v < DBL_MIN)
    return E_ANY;              /* below the normal doubles: refusing is fair */
  return t == T_LOOSE ? E_ANY : E_OK;
}

/* A valid instance from the pool; with_json < 0: without instance.json,
   and of a moderate score radius (poly takes seconds when it is large).  */
static void
base_instance (case_t *c, int with_json)
{
  const base_t *b = &bases[runi (&c->rng, NBASES)];
  while (with_json < 0 && b->B > 3)
    b = &bases[runi (&c->rng, NBASES)];
  with_json = with_json > 0;
  files_t f;
  files_from_base (&f, b, with_json);
  files_write (c, "inst", &f);
  files_free (&f);
  jmodel_t j = { with_json ? J_CHECK : J_NONE, { b->M[0].r, b->M[1].r, b->M[0].c, b->M[2].c },
                 b->B, b->Bv };
  if (judge_instance (c, "inst", &j) != I_OK)
    die ("a base instance is not valid");
  c->nnames = 0;
}

/* --- options: numbers in option values --------------------------------------- */

static void
case_options (case_t *c)
{
  rng_t *g = &c->rng;
  int which = (int) runi (g, 6);
  if (which <= 1)
    {
      /* gen, one option fuzzed */
      static const char *const opts[] = { "-n", "--nk", "-d", "--dv", "-B", "--Bv", "--seed",
                                          "--dist" };
      int o = (int) runi (g, 8);
      const char *v;
      int want;
      double real = 0;
      if (o <= 3)
        {
          v = PICK (g, int_texts);
          want = want_int (v, 1, ULLONG_MAX, 2147483647ULL, 1000000);
        }
      else if (o <= 5)
        {
          v = PICK (g, real_texts);
          want = want_pos_real (v, &real);
        }
      else if (o == 6)
        {
          v = PICK (g, int_texts);
          want = want_int (v, 0, ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
          unsigned long long s;
          int over;
          if (classify_int (v, &s, &over) != T_BAD && !over && s > 9223372036854775807ULL)
            want = E_ANY;      /* beyond what instance.json records */
        }
      else
        {
          static const char *const dists[] = { "uniform", "rademacher", "gaussian", "lowrank",
                                               "clustered", "cauchy", "", "Uniform", "uniform ",
                                               "gauss", "low rank", "uniform\xff" };
          v = PICK (g, dists);
          want = strcmp (v, "uniform") == 0 || strcmp (v, "rademacher") == 0
            || strcmp (v, "gaussian") == 0 || strcmp (v, "lowrank") == 0
            || strcmp (v, "clustered") == 0 ? E_OK : E_REFUSE;
        }
      c->g_n = 3;
      c->g_nk = 3;
      c->g_d = 2;
      c->g_dv = 2;
      c->g_B = 1;
      c->g_Bv = 1;
      c->g_seed = 1;
      unsigned long long iv;
      int over;
      if (o <= 3 && classify_int (v, &iv, &over) != T_BAD && !over)
        {
          size_t *slot[4] = { &c->g_n, &c->g_nk, &c->g_d, &c->g_dv };
          *slot[o] = (size_t) iv;
          if (o == 0)
            c->g_nk = (size_t) iv;
          if (o == 2)
            c->g_dv = (size_t) iv;
        }
      if (o == 4)
        c->g_B = c->g_Bv = real;
      if (o == 5)
        c->g_Bv = real;
      if (o == 6 && classify_int (v, &iv, &over) != T_BAD)
        c->g_seed = iv;
      arg (c, fgattn);
      arg (c, "gen");
      const char *defaults[][2] = { { "-n", "3" }, { "-d", "2" }, { "-B", "1" },
                                    { "--seed", "1" } };
      for (int k = 0; k < 4; k++)
        if (strcmp (defaults[k][0], opts[o]) != 0)
          args (c, defaults[k][0], defaults[k][1], NULL);
      args (c, opts[o], v, "-o", "g", NULL);
      strcpy (c->outdir, "g");
      c->cmd = C_GEN;
      c->want = want;
      name (c, opts[o]);
      buf_printf (&c->what, "gen %s '%s'", opts[o], v);
      return;
    }
  base_instance (c, 0);
  arg (c, fgattn);
  const char *o, *v;
  int want;
  if (which == 2 || (which == 5 && rchance (g, 0.5)))
    {
      /* --tau on run, truth or rank */
      static const char *const taus[] = { "1/d", "1/sqrt(d)", "1/D", "1/sqrt(n)", "1/d ", "d",
                                          "sqrt(d)", "1/sqrt(d" };
      v = rchance (g, 0.3) ? PICK (g, taus) : PICK (g, real_texts);
      o = "--tau";
      double tv;
      if (strcmp (v, "1/d") == 0 || strcmp (v, "1/sqrt(d)") == 0)
        {
          want = E_OK;
          set_tau (c, v);
        }
      else if (strchr (v, '/') != NULL || strchr (v, '(') != NULL || strcmp (v, "d") == 0)
        want = strcmp (v, "1/d ") == 0 ? E_ANY : E_REFUSE;
      else
        {
          want = want_pos_real (v, &tv);
          set_tau (c, v);
          c->tau.value = tv;
        }
      int cmd = (int) runi (g, 3);
      if (cmd == 0)
        {
          const char *algo = PICK (g, ((const char *[]) { "exact:algo=naive", "exact:algo=stream",
                                                          "exact:algo=blas", "exact:algo=mpfr" }));
          args (c, "run", "-i", "inst", "--method", algo, "-o", "out.npy", "--lse", "lse.npy",
                NULL);
          c->cmd = C_RUN;
          c->check = strstr (algo, "mpfr") != NULL ? K_CR : K_DOUBLE;
          strcpy (c->lse, "lse.npy");
        }
      else if (cmd == 1)
        {
          args (c, "truth", "-i", "inst", "-o", "out.npy", "--lse", "lse.npy", NULL);
          c->cmd = C_TRUTH;
          c->check = K_CR;
          strcpy (c->lse, "lse.npy");
        }
      else
        {
          args (c, "rank", "-i", "inst", "--format", "csv", NULL);
          c->cmd = C_RANK;
          c->ntol = 1;
          c->tol[0] = -1;
        }
      if (c->cmd != C_RANK)
        strcpy (c->out, "out.npy");
      args (c, "--tau", v, NULL);
      name (c, "tau");
      if (want == E_OK || want == E_ANY)
        {
          if (!(c->tau.kind != TAU_VALUE || (c->tau.value > 0 && isfinite (c->tau.value))))
            c->have_inst = 0;
          else
            {
              ref_t r;
              ref_compute (&r, &c->Q, &c->K, &c->V, &c->tau, NULL);
              if (want == E_OK && (beyond_doubles (&r) || c->tau.value > 1e15 || r.undecided
                                   || r.lse_overflow))
                want = E_OK1;
              ref_free (&r);
            }
        }
    }
  else if (which == 3)
    {
      /* truth --prec, --prec-max */
      int pm = rchance (g, 0.4);
      o = pm ? "--prec-max" : "--prec";
      static const char *const precs[] = { "64", "100", "128", "200", "256", "1000", "2048", "63",
                                           "1048577", "16777216", "16777217",
                                           "100000000000000000000" };
      v = rchance (g, 0.5) ? PICK (g, precs) : PICK (g, int_texts);
      if (pm)
        want = want_int (v, 128, 16777216, ULLONG_MAX, ULLONG_MAX);
      else
        want = want_int (v, 64, 1048576, ULLONG_MAX, 4096);
      args (c, "truth", "-i", "inst", "-o", "out.npy", o, v, NULL);
      strcpy (c->out, "out.npy");
      c->cmd = C_TRUTH;
      c->check = K_CR;
      name (c, o);
    }
  else
    {
      /* rank --tol */
      o = "--tol";
      static const struct { const char *t; int want; } tols[] = {
        { "1/n", E_OK }, { "1e-3", E_OK }, { "0", E_OK }, { "1e300", E_OK }, { "1/n,1e-3", E_OK },
        { "", E_REFUSE }, { ",", E_REFUSE }, { "1/n,", E_REFUSE }, { "-1", E_REFUSE },
        { "nan", E_REFUSE }, { "inf", E_REFUSE }, { "1e999", E_REFUSE }, { "1/m", E_REFUSE },
        { " 1e-3", E_ANY }, { "1e-3 ", E_ANY }, { "0x10", E_ANY }, { "1/N", E_REFUSE },
        { "1/n,1/n", E_OK }, { " -5", E_REFUSE }, { "1e-3,-0.5", E_REFUSE }, { "4.9e-324", E_ANY },
        { "1/n;1e-3", E_REFUSE }, { "1/n,,1e-3", E_REFUSE }
      };
      size_t k = runi (g, sizeof tols / sizeof tols[0]);
      v = tols[k].t;
      want = tols[k].want;
      args (c, "rank", "-i", "inst", "--format", "csv", "--tol", v, NULL);
      c->cmd = C_RANK;
      char tmp[64];
      snprintf (tmp, sizeof tmp, "%s", v);
      for (char *s = strtok (tmp, ","); s != NULL && c->ntol < 8; s = strtok (NULL, ","))
        c->tol[c->ntol++] = strcmp (s, "1/n") == 0 ? -1 : strtod (s, NULL);
      name (c, o);
    }
  c->want = want;
  buf_printf (&c->what, "%s '%s'", o, v);
}

/* --- plan and analyze: numbers in, numbers out -------------------------------- */

static void
case_plan (case_t *c)
{
  rng_t *g = &c->rng;
  arg (c, fgattn);
  int analyze = rchance (g, 0.35);
  static const char *const plan_opts[] = { "-n", "-d", "-B", "--eps" };
  static const char *const an_opts[] = { "-n", "-d" };
  const char *o = analyze ? PICK (g, an_opts) : PICK (g, plan_opts);
  int is_int = strcmp (o, "-n") == 0 || strcmp (o, "-d") == 0;
  const char *v = is_int ? PICK (g, int_texts) : PICK (g, real_texts);
  int want;
  double real;
  if (is_int)
    want = want_int (v, 1, ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
  else
    want = want_pos_real (v, &real);
  if (want == E_OK)
    want = E_ANY;              /* sizes the plan may find beyond reason */
  if (analyze)
    {
      args (c, "analyze", "--mech", "vanilla", NULL);
      if (strcmp (o, "-n") != 0)
        args (c, "-n", "64", NULL);
      if (strcmp (o, "-d") != 0)
        args (c, "-d", "4", NULL);
    }
  else
    {
      arg (c, "plan");
      const char *def[][2] = { { "-n", "64" }, { "-d", "4" }, { "-B", "1" }, { "--eps", "1e-3" } };
      for (int k = 0; k < 4; k++)
        if (strcmp (def[k][0], o) != 0)
          args (c, def[k][0], def[k][1], NULL);
    }
  args (c, o, v, "--format", "csv", NULL);
  c->cmd = C_PRINT;
  c->want = want;
  name (c, o);
  buf_printf (&c->what, "%s %s '%s'", analyze ? "analyze" : "plan", o, v);
}

/* --- paths: outputs onto inputs, onto each other, into nowhere -------------- */

static void sweep_tiny_config (case_t *c, const char *path);
static void hardness_tiny_config (case_t *c, const char *path);

static void
case_paths (case_t *c)
{
  rng_t *g = &c->rng;
  int with_json = rchance (g, 0.5);
  base_instance (c, with_json);
  int op = (int) runi (g, 20);
  const char *inputs[] = { "inst/Q.npy", "inst/./K.npy", "inst//V.npy", "inst/instance.json",
                           "./inst/Q.npy", "inst/../inst/V.npy" };
  int truth = rchance (g, 0.4);
  arg (c, fgattn);
  if (truth)
    args (c, "truth", "-i", "inst", NULL);
  else
    args (c, "run", "-i", "inst", "--method", "exact:algo=naive", NULL);
  c->cmd = truth ? C_TRUTH : C_RUN;
  c->check = truth ? K_CR : K_DOUBLE;
  c->want = E_REFUSE;
  switch (op)
    {
    case 0:
      args (c, "-o", "o.npy", "--lse", "o.npy", NULL);
      name (c, "o.npy");
      buf_adds (&c->what, "-o and --lse the same file");
      break;
    case 1:
      if (truth)
        args (c, "-o", "o.npy", "--text", "o.npy", NULL);
      else
        args (c, "-o", "o.npy", "--stats", "o.npy", NULL);
      name (c, "o.npy");
      buf_adds (&c->what, "two outputs, one file");
      break;
    case 2:
      args (c, "-o", "o.npy", "--lse", "./o.npy", NULL);
      name (c, "o.npy");
      buf_adds (&c->what, "-o o.npy --lse ./o.npy");
      break;
    case 3:
    case 4:
    case 5:
      {
        const char *in = inputs[runi (g, with_json ? 6 : 3)];
        const char *flag = truth ? ONE_OF (g, "-o", "--lse", "--text")
          : ONE_OF (g, "-o", "--lse", "--stats");
        args (c, flag, in, NULL);
        const char *base = strrchr (in, '/') + 1;
        name (c, base);
        buf_printf (&c->what, "%s %s: an output onto an input", flag, in);
      }
      break;
    case 6:
      {
        /* a link to an input: replacing the link is fine, writing through it is not */
        if (symlink ("inst/Q.npy", wpath (c, "link.npy")) != 0)
          die ("symlink");
        args (c, "-o", "link.npy", NULL);
        strcpy (c->out, "link.npy");
        c->want = E_ANY;
        buf_adds (&c->what, "-o a symbolic link to inst/Q.npy");
      }
      break;
    case 7:
      if (link (wpath (c, "inst/V.npy"), wpath (c, "hard.npy")) != 0)
        die ("link");
      args (c, "-o", "hard.npy", NULL);
      strcpy (c->out, "hard.npy");
      c->want = E_ANY;
      buf_adds (&c->what, "-o a hard link to inst/V.npy");
      break;
    case 8:
      wmkdir (c, "sub");
      args (c, "-o", "sub", NULL);
      name (c, "sub");
      buf_adds (&c->what, "-o an existing folder");
      break;
    case 9:
      args (c, "-o", "missing/x.npy", NULL);
      name (c, "missing");
      buf_adds (&c->what, "-o into a missing folder");
      break;
    case 10:
      args (c, "-o", ONE_OF (g, "x.npy/", "", "inst/Q.npy/x.npy"), NULL);
      buf_printf (&c->what, "-o '%s'", c->argv[c->argc - 1]);
      break;
    case 11:
      {
        /* a good earlier output survives a failing run */
        wwrite (c, "o.npy", "precious", 8);
        free (c->argv[c->argc - 1]);
        c->argv[c->argc - 1] = xstrdup ("exact:algo=nonsense");
        if (truth)
          {
            reset_args (c);
            args (c, "truth", "-i", "inst", "--prec", "7", NULL);
            name (c, "--prec");
          }
        else
          name (c, "nonsense");
        args (c, "-o", "o.npy", NULL);
        buf_adds (&c->what, "a failing run naming an existing output");
      }
      break;
    case 12:
      {
        reset_args (c);
        const char *in = ONE_OF (g, "nosuch", "inst/Q.npy", "", "empty", "inst/");
        wmkdir (c, "empty");
        args (c, "run", "-i", in, "--method", "exact", "-o", "o.npy", NULL);
        c->cmd = C_RUN;
        if (strcmp (in, "inst/") == 0)
          {
            c->want = E_OK;
            strcpy (c->out, "o.npy");
            c->check = K_DOUBLE;
          }
        else if (*in)
          name (c, in);
        buf_printf (&c->what, "-i '%s'", in);
      }
      break;
    case 13:
      reset_args (c);
      args (c, "rank", "-i", "inst", "--csv", ONE_OF (g, "inst/Q.npy", "inst/V.npy"), NULL);
      c->cmd = C_RANK;
      name (c, strrchr (c->argv[c->argc - 1], '/') + 1);
      buf_adds (&c->what, "rank --csv onto an input");
      break;
    case 14:
      reset_args (c);
      wwrite (c, "afile", "x", 1);
      args (c, "gen", "-n", "2", "-d", "2", "-B", "1", "-o", "afile", NULL);
      c->cmd = C_GEN;
      name (c, "afile");
      buf_adds (&c->what, "gen -o a file");
      break;
    case 15:
      reset_args (c);
      args (c, "gen", "-n", "2", "-d", "3", "--dv", "1", "-B", "2", "--seed", "9", "-o", "inst",
            NULL);
      c->cmd = C_GEN;
      c->want = E_OK;
      c->g_n = c->g_nk = 2;
      c->g_d = 3;
      c->g_dv = 1;
      c->g_B = c->g_Bv = 2;
      c->g_seed = 9;
      strcpy (c->outdir, "inst");
      buf_adds (&c->what, "gen -o over an existing instance");
      break;
    case 16:
      {
        reset_args (c);
        const char *where = ONE_OF (g, "results.csv", "sweep.json", "rank.csv", "least.csv");
        char conf[PATH_MAX];
        wmkdir (c, "sout");
        snprintf (conf, sizeof conf, "sout/%s", where);
        sweep_tiny_config (c, conf);
        args (c, "sweep", conf, "-o", "sout", "--quiet", NULL);
        c->cmd = C_SWEEP;
        name (c, where);
        buf_printf (&c->what, "sweep: the configuration is the output %s", conf);
      }
      break;
    case 17:
      {
        reset_args (c);
        const char *where = ONE_OF (g, "summary.md", "hardness.json", "instances.csv",
                                    "degrees.csv");
        char conf[PATH_MAX];
        wmkdir (c, "hout");
        snprintf (conf, sizeof conf, "hout/%s", where);
        hardness_tiny_config (c, conf);
        args (c, "hardness", conf, "-o", "hout", "--quiet", NULL);
        c->cmd = C_HARDNESS;
        name (c, where);
        buf_printf (&c->what, "hardness: the configuration is the output %s", conf);
      }
      break;
    case 18:
      reset_args (c);
      npy_write (wpath (c, "t.npy"), &c->V);
      args (c, "compare", "t.npy", rchance (g, 0.5) ? "t.npy" : "./t.npy", "--format", "csv",
            NULL);
      c->cmd = C_COMPARE;
      mat_copy (&c->A, &c->V);
      mat_copy (&c->Bm, &c->V);
      c->want = E_OK;
      buf_adds (&c->what, "compare a file with itself");
      break;
    default:
      wmkdir (c, "sub");
      args (c, "-o", "sub/o.npy", NULL);
      strcpy (c->out, "sub/o.npy");
      c->want = E_OK;
      buf_adds (&c->what, "-o into a subfolder (valid)");
      break;
    }
  if (c->want == E_OK || c->want == E_ANY)
    {
      ref_t r;
      ref_compute (&r, &c->Q, &c->K, &c->V, &c->tau, NULL);
      if (r.undecided && c->want == E_OK)
        c->want = E_OK1;
      ref_free (&r);
    }
}

/* --- compare: two files of hostile numbers ------------------------------------ */

static void
case_compare (case_t *c)
{
  rng_t *g = &c->rng;
  size_t r = 1 + runi (g, 4), cc = 1 + runi (g, 4);
  mat_t A, B;
  mat_alloc (&A, r, cc);
  fill (g, &A, (int) runi (g, 4), PICK (g, ((const double[]) { 1, 1e-300, 1e300 })));
  mat_copy (&B, &A);
  int how = (int) runi (g, 7);
  for (size_t k = 0; k < r * cc; k++)
    switch (how)
      {
      case 0: B.x[k] = A.x[k] * (1 + 1e-10 * (2 * runif (g) - 1)); break;
      case 1: B.x[k] = nextafter (A.x[k], rchance (g, 0.5) ? INFINITY : -INFINITY); break;
      case 2: B.x[k] = special (g); break;
      case 3: B.x[k] = -A.x[k]; break;
      case 4: B.x[k] = rchance (g, 0.5) ? DBL_MAX : -DBL_MAX; break;
      case 5: break;
      default: B.x[k] = A.x[k] + (2 * runif (g) - 1); break;
      }
  if (rchance (g, 0.08))
    (rchance (g, 0.5) ? &A : &B)->x[runi (g, r * cc)]
      = PICK (g, ((const double[]) { NAN, INFINITY, -INFINITY }));
  files_t f;
  memset (&f, 0, sizeof f);
  npy_save (&f.data[0], &A, 0);
  npy_save (&f.data[1], &B, 0);
  if (rchance (g, 0.1))
    {
      /* shapes that disagree */
      mat_t B2;
      mat_alloc (&B2, r + (rchance (g, 0.5) ? 1 : 0), cc + 1);
      buf_reset (&f.data[1]);
      npy_save (&f.data[1], &B2, 0);
      mat_free (&B2);
      buf_adds (&c->what, "shapes differ; ");
    }
  else if (cc == 1 && rchance (g, 0.2))
    {
      buf_reset (&f.data[1]);
      npy_save (&f.data[1], &B, 1);
      buf_adds (&c->what, "B a vector; ");
    }
  if (rchance (g, 0.25))
    mutate_npy (c, &f, (int) runi (g, 2));
  const char *names2[2] = { "A.npy", "B.npy" };
  npy_t m[2];
  int worst = NP_OK;
  for (int k = 0; k < 2; k++)
    {
      if (f.kind[k] == F_DATA)
        wwrite (c, names2[k], f.data[k].p ? f.data[k].p : "", f.data[k].n);
      else if (f.kind[k] == F_DIR)
        wmkdir (c, names2[k]);
      else if (f.kind[k] == F_LINK)
        {
          if (symlink (names2[1 - k], wpath (c, names2[k])) != 0)
            die ("symlink");
        }
      else if (f.kind[k] == F_DANGLING)
        {
          if (symlink ("nowhere.npy", wpath (c, names2[k])) != 0)
            die ("symlink");
        }
    }
  for (int k = 0; k < 2; k++)
    {
      npy_mean_path (&m[k], wpath (c, names2[k]));
      if (m[k].status != NP_OK || !mat_finite (&m[k].m))
        name (c, names2[k]);
      worst = m[k].status > worst ? m[k].status : worst;
    }
  files_free (&f);
  args (c, fgattn, "compare", "A.npy", "B.npy", "--format", "csv", NULL);
  c->cmd = C_COMPARE;
  buf_printf (&c->what, "compare %zux%zu, approximation kind %d", r, cc, how);
  if (worst == NP_BAD)
    c->want = E_REFUSE;
  else if (worst == NP_UNSURE)
    c->want = E_ANY;
  else
    {
      mat_copy (&c->A, &m[0].m);
      mat_copy (&c->Bm, &m[1].m);
      c->have_inst = 1;
      if (m[0].m.r != m[1].m.r || m[0].m.c != m[1].m.c || m[0].m.r * m[0].m.c == 0)
        {
          c->want = E_REFUSE;
          name (c, "A.npy");
          name (c, "B.npy");
        }
      else if (!mat_finite (&m[0].m))
        {
          c->want = E_REFUSE;
          name (c, "A.npy");
        }
      else if (!mat_finite (&m[1].m))
        c->want = E_ANY;
      else
        c->want = worst == NP_EITHER || m[0].ndim != m[1].ndim ? E_ANY : E_OK;
    }
  for (int k = 0; k < 2; k++)
    npy_free (&m[k]);
  mat_free (&A);
  mat_free (&B);
}

/* --- spec: method strings with random keys and values -------------------------- */

typedef struct
{
  char method[32], param[32], type[8], def[64], choices[128], applies[64];
  double min, max;
  int has_min, has_max;
} mparam_t;

static mparam_t *mparams;
static size_t nmparams;

static void
load_methods (const char *json_text)
{
  json_error_t e;
  json_t *a = json_loads (json_text, 0, &e);
  if (!json_is_array (a))
    die ("fgattn methods --format json: not a JSON array: %s", e.text);
  nmparams = json_array_size (a);
  mparams = xcalloc (nmparams, sizeof *mparams);
  for (size_t i = 0; i < nmparams; i++)
    {
      json_t *o = json_array_get (a, i);
      mparam_t *p = &mparams[i];
#define STR(field, key) do {                                              \
        json_t *v_ = json_object_get (o, key);                              \
        snprintf (p->field, sizeof p->field, "%s",                          \
                  json_is_string (v_) ? json_string_value (v_) : "");        \
      } while (0)
      STR (method, "method");
      STR (param, "parameter");
      STR (type, "type");
      STR (choices, "choices");
      STR (applies, "applies");
#undef STR
      json_t *d = json_object_get (o, "default");
      if (json_is_string (d))
        snprintf (p->def, sizeof p->def, "%s", json_string_value (d));
      else if (json_is_integer (d))
        snprintf (p->def, sizeof p->def, "%lld", (long long) json_integer_value (d));
      else if (json_is_number (d))
        snprintf (p->def, sizeof p->def, "%.17g", json_number_value (d));
      json_t *mn = json_object_get (o, "min"), *mx = json_object_get (o, "max");
      p->has_min = json_is_number (mn);
      p->has_max = json_is_number (mx);
      p->min = p->has_min ? json_number_value (mn) : 0;
      p->max = p->has_max ? json_number_value (mx) : 0;
    }
  json_decref (a);
}

static int
in_list (const char *v, const char *list)
{
  size_t n = strlen (v);
  for (const char *p = list; *p;)
    {
      const char *q = strchr (p, '|');
      size_t len = q != NULL ? (size_t) (q - p) : strlen (p);
      if (len == n && strncmp (p, v, n) == 0)
        return 1;
      p += len + (q != NULL);
    }
  return 0;
}

static void
case_spec (case_t *c)
{
  rng_t *g = &c->rng;
  base_instance (c, -1);
  /* the methods, in table order */
  const char *methods[32];
  size_t nm = 0;
  for (size_t i = 0; i < nmparams && nm < 32; i++)
    if (nm == 0 || strcmp (methods[nm - 1], mparams[i].method) != 0)
      methods[nm++] = mparams[i].method;
  buf_t spec = { 0 };
  int want = E_ANY;
  const char *meth;
  char keys[4][64], vals[4][96];
  int nkv = 0;
  if (rchance (g, 0.06))
    {
      static const char *const junk[] = { "", "EXACT", "exakt", "exact ", " exact", "exact\xff",
                                          "rf;m=3", "exact::algo=naive", ":algo=naive", "exact,",
                                          "exact:algo=naive:x", "exact\t" };
      meth = PICK (g, junk);
      buf_adds (&spec, meth);
      want = E_REFUSE;
      if (strncmp (meth, "exact:", 6) == 0 || strncmp (meth, "exact::", 7) == 0)
        name (c, "exact");
      buf_printf (&c->what, "method spec '%s'", meth);
    }
  else
    {
      meth = methods[runi (g, nm)];
      buf_adds (&spec, meth);
      int np = (int) runi (g, 4);
      for (int q = 0; q < np; q++)
        {
          mparam_t *cand[16];
          int ncand = 0;
          for (size_t i = 0; i < nmparams && ncand < 16; i++)
            if (strcmp (mparams[i].method, meth) == 0)
              cand[ncand++] = &mparams[i];
          const mparam_t *p = ncand > 0 ? cand[runi (g, (size_t) ncand)] : NULL;
          char key[64], val[96];
          int w = E_ANY;
          if (p == NULL || rchance (g, 0.08))
            {
              snprintf (key, sizeof key, "%s",
                        ONE_OF (g, "", "foo", "algo ", "ALGO", "m\xff", "seed2", " m"));
              snprintf (val, sizeof val, "1");
              w = E_REFUSE;
              p = NULL;
            }
          else
            snprintf (key, sizeof key, "%s", p->param);
          if (p != NULL && strcmp (p->type, "choice") == 0)
            {
              if (rchance (g, 0.75))
                {
                  char tmp[128];
                  snprintf (tmp, sizeof tmp, "%s", p->choices);
                  int nch = 1;
                  for (char *s = tmp; *s; s++)
                    nch += *s == '|';
                  int pick = (int) runi (g, (size_t) nch);
                  char *s = strtok (tmp, "|");
                  for (int k = 0; k < pick && s != NULL; k++)
                    s = strtok (NULL, "|");
                  snprintf (val, sizeof val, "%s", s != NULL ? s : "");
                }
              else
                {
                  snprintf (val, sizeof val, "%s",
                            ONE_OF (g, "", "NAIVE", "naive ", "x", "nonsense", "cheb|taylor"));
                  w = in_list (val, p->choices) && *val ? E_ANY : E_REFUSE;
                }
            }
          else if (p != NULL && strcmp (p->type, "int") == 0)
            {
              int slow = strstr (p->param, "prec") != NULL || strcmp (p->param, "budget") == 0;
              unsigned long long lo = (unsigned long long) p->min;
              unsigned long long hi = (unsigned long long) p->max;
              unsigned long long okv[] = { lo, lo + 1, 2, 3, 4, 8 };
              int u = (int) runi (g, 10);
              if (u < 6)
                {
                  unsigned long long x = okv[u];
                  if (x < lo || (p->has_max && x > hi))
                    x = lo;
                  if (slow && x > 1024)
                    x = lo;
                  snprintf (val, sizeof val, "%llu", x);
                }
              else if (u == 6 && p->has_max)
                snprintf (val, sizeof val, "%llu", hi + 1);
              else if (u == 7 && lo > 0)
                snprintf (val, sizeof val, "%llu", lo - 1);
              else
                snprintf (val, sizeof val, "%s", PICK (g, int_texts));
              w = want_int (val, lo, p->has_max ? hi : ULLONG_MAX, ULLONG_MAX,
                            slow ? 1024 : ULLONG_MAX);
              if (w == E_OK)
                w = E_ANY;
              if (w == E_FAIL)
                w = E_REFUSE;
            }
          else if (p != NULL)
            {
              /* real, with choice tokens such as auto */
              double x;
              int u = (int) runi (g, 8);
              static const double reals[] = { 1e-1, 1e-2, 1e-3, 1e-6, 0.5, 2, 10, 1e-12 };
              if (u < 4)
                snprintf (val, sizeof val, "%.17g", PICK (g, reals));
              else if (u == 4 && *p->choices)
                {
                  char first[128];
                  snprintf (first, sizeof first, "%s", p->choices);
                  snprintf (val, sizeof val, "%s", strtok (first, "|"));
                }
              else if (u == 5 && p->has_max)
                snprintf (val, sizeof val, "%.17g", p->max * 10);
              else if (u == 6 && p->has_min)
                snprintf (val, sizeof val, "%.17g", p->min > 0 ? p->min / 10 : -1.0);
              else
                snprintf (val, sizeof val, "%s", PICK (g, real_texts));
              if (*p->choices && in_list (val, p->choices))
                w = E_ANY;
              else
                {
                  int t = classify_real (val, &x);
                  if (t == T_BAD || isnan (x))
                    w = E_REFUSE;
                  else if ((p->has_min && x < p->min) || (p->has_max && x > p->max) || isinf (x))
                    w = t == T_LOOSE ? E_ANY : E_REFUSE;
                  else
                    w = E_ANY;
                }
            }
          int dup = 0;
          for (int k = 0; k < nkv; k++)
            dup |= strcmp (keys[k], key) == 0;
          if (dup)
            w = E_REFUSE;
          if (nkv < 4)
            {
              snprintf (keys[nkv], sizeof keys[nkv], "%s", key);
              snprintf (vals[nkv], sizeof vals[nkv], "%s", val);
              nkv++;
            }
          buf_printf (&spec, "%s%s=%s", q == 0 ? ":" : ",", key, val);
          /* the program names the first fault it meets, which may be
             another parameter's (a loose value it refuses): any key will do */
          if (*key)
            name (c, key);
          if (strchr (val, ',') != NULL)
            {
              /* "m=3,4" gives an item "4" that is not key=value */
              w = E_REFUSE;
              name (c, strchr (val, ',') + 1);
            }
          if (w == E_REFUSE)
            want = E_REFUSE;
          else if (p != NULL && (strcmp (p->type, "choice") == 0 || strcmp (p->type, "int") == 0)
                   && c->ncanon < 8)
            {
              unsigned long long iv;
              int over;
              if (strcmp (p->type, "choice") == 0
                  || classify_int (val, &iv, &over) == T_CANON)
                pathf (c->canon[c->ncanon++], sizeof c->canon[0], "%s=%s", key, val);
            }
        }
      /* parameters that apply only with another's value */
      for (int k = 0; k < nkv; k++)
        for (size_t i = 0; i < nmparams; i++)
          {
            const mparam_t *p = &mparams[i];
            if (strcmp (p->method, meth) != 0 || strcmp (p->param, keys[k]) != 0 || !*p->applies)
              continue;
            char ctl[64];
            const char *eq = strchr (p->applies, '=');
            if (eq == NULL)
              continue;
            snprintf (ctl, sizeof ctl, "%.*s", (int) (eq - p->applies), p->applies);
            const char *cur = NULL;
            for (int q = 0; q < nkv; q++)
              if (strcmp (keys[q], ctl) == 0)
                cur = vals[q];
            for (size_t j = 0; j < nmparams && cur == NULL; j++)
              if (strcmp (mparams[j].method, meth) == 0 && strcmp (mparams[j].param, ctl) == 0)
                cur = mparams[j].def;
            if (cur != NULL && !in_list (cur, eq + 1))
              want = E_REFUSE;
          }
      buf_printf (&c->what, "method spec '%s'", spec.p);
    }
  args (c, fgattn, "run", "-i", "inst", "--method", spec.p, "-o", "out.npy", "--stats",
        "stats.json", NULL);
  strcpy (c->out, "out.npy");
  strcpy (c->stats, "stats.json");
  c->cmd = C_RUN;
  c->want = want;
  if (want == E_REFUSE)
    c->ncanon = 0;
  /* how an exit 0 is checked, from the effective parameters */
  const char *algo = "stream", *kind = "pos";
  size_t w = 64;
  int causal = 0;
  for (int k = 0; k < nkv; k++)
    {
      if (strcmp (keys[k], "algo") == 0)
        algo = vals[k];
      if (strcmp (keys[k], "kind") == 0)
        kind = vals[k];
      if (strcmp (keys[k], "w") == 0)
        w = (size_t) strtoull (vals[k], NULL, 10);
      if (strcmp (keys[k], "causal") == 0)
        causal = atoi (vals[k]);
    }
  c->check = K_NONE;
  if (strcmp (meth, "exact") == 0)
    c->check = strcmp (algo, "mpfr") == 0 ? K_CR : K_DOUBLE;
  else if (strcmp (meth, "poly") == 0)
    c->check = K_POLY;
  else if (strcmp (meth, "window") == 0)
    {
      c->check = K_WINDOW;
      c->mask.w = w;
      c->mask.causal = causal;
    }
  else if (strcmp (meth, "strided") == 0 || strcmp (meth, "fixed") == 0
           || strcmp (meth, "dilated") == 0
           || (strcmp (meth, "rf") == 0
               && (strcmp (kind, "pos") == 0 || strcmp (kind, "hyp") == 0)))
    c->check = K_CONVEX;
  buf_free (&spec);
}

/* --- configurations: sweep and hardness ------------------------------------ */

/* What a value of a configuration key may be.  */
enum
{
  V_NONE,                      /* a comment, a section, a blank line */
  V_SIZES,                     /* n: whole numbers >= 1; huge ones cannot run */
  V_D,                         /* d: a whole number or c*log2(n) forms */
  V_SIZE,                      /* dv, m: a whole number >= 1 */
  V_POSLIST,                   /* beta, B, targets: positive numbers */
  V_POS,                       /* Bv, gap: a positive number */
  V_SEEDS,                     /* seeds: whole numbers >= 0 */
  V_PREC,                      /* prec: 64 .. 1048576 */
  V_THRESH,                    /* mpfr_max_n, max_n, gmax: a whole number, any size */
  V_TOLS,                      /* tol: 1/n or numbers >= 0 */
  V_WORD,                      /* dist, tau, spec, size, basis, R: from a set */
  V_MSIZES,                    /* a method's sizes: whole numbers >= 1 */
  V_MAXSIZE                    /* max_size */
};

typedef struct
{
  char *text;
  int vclass;
  char key[32];
  int want;                    /* what its value, as mutated last, makes the program owe */
} cline_t;

typedef struct
{
  cline_t l[96];
  int n;
} conf_t;

static void
conf_add (conf_t *cf, int vclass, const char *key, const char *fmt, ...)
{
  if (cf->n >= 96)
    return;
  va_list ap;
  char line[1024];
  va_start (ap, fmt);
  vsnprintf (line, sizeof line, fmt, ap);
  va_end (ap);
  cf->l[cf->n].text = xstrdup (line);
  cf->l[cf->n].vclass = vclass;
  cf->l[cf->n].want = E_OK;
  snprintf (cf->l[cf->n].key, sizeof cf->l[cf->n].key, "%s", key ? key : "");
  cf->n++;
}

static void
conf_free (conf_t *cf)
{
  for (int i = 0; i < cf->n; i++)
    free (cf->l[i].text);
  cf->n = 0;
}

static void
conf_write (case_t *c, const char *rel, const conf_t *cf, const char *eol)
{
  buf_t b = { 0 };
  for (int i = 0; i < cf->n; i++)
    {
      buf_adds (&b, cf->l[i].text);
      buf_adds (&b, eol);
    }
  wwrite (c, rel, b.p ? b.p : "", b.n);
  buf_free (&b);
}

/* A tiny valid sweep: at most 4 cells of n <= 6.  *cells and *runs get
   the grid's size and the runs per cell.  */
static void
sweep_model (rng_t *g, conf_t *cf, size_t *cells, size_t *runs, int *exact_moderate)
{
  static const char *const ns[] = { "4", "2", "5, 6", "3,4", "6" };
  static const char *const ds[] = { "2", "3", "ceil(log2 n)", "1.5*log2(n)", "1" };
  static const char *const bs[] = { "0.5", "1, 2", "0.25" };
  static const char *const seeds[] = { "1", "1, 2", "7" };
  const char *n = PICK (g, ns), *b = PICK (g, bs), *s = PICK (g, seeds);
  size_t cn = 1 + (strchr (n, ',') != NULL), cb = 1 + (strchr (b, ',') != NULL),
    cs = 1 + (strchr (s, ',') != NULL);
  conf_add (cf, V_NONE, NULL, "# a sweep drawn by tests/hostile/fuzz");
  conf_add (cf, V_NONE, NULL, "[grid]");
  conf_add (cf, V_SIZES, "n", "n = %s", n);
  conf_add (cf, V_D, "d", "d = %s", PICK (g, ds));
  if (rchance (g, 0.3))
    conf_add (cf, V_SIZE, "dv", "dv = %d", 1 + (int) runi (g, 3));
  int beta = rchance (g, 0.5);
  conf_add (cf, V_POSLIST, beta ? "beta" : "B", "%s = %s", beta ? "beta" : "B", b);
  if (rchance (g, 0.3))
    conf_add (cf, V_POS, "Bv", "Bv = %s", ONE_OF (g, "1", "0.5", "2"));
  if (rchance (g, 0.4))
    conf_add (cf, V_WORD, "dist", "dist = %s",
              ONE_OF (g, "uniform", "rademacher", "gaussian", "lowrank", "clustered"));
  if (rchance (g, 0.4))
    conf_add (cf, V_WORD, "tau", "tau = %s", ONE_OF (g, "1/d", "1/sqrt(d)", "0.5"));
  conf_add (cf, V_SEEDS, "seeds", "seeds = %s", s);
  if (rchance (g, 0.5))
    {
      conf_add (cf, V_NONE, NULL, "");
      conf_add (cf, V_NONE, NULL, "[truth]");
      conf_add (cf, V_THRESH, "mpfr_max_n", "mpfr_max_n = %s",
                ONE_OF (g, "8", "64", "1024"));
      conf_add (cf, V_PREC, "prec", "prec = %s", ONE_OF (g, "64", "128", "200"));
    }
  if (rchance (g, 0.5))
    {
      conf_add (cf, V_NONE, NULL, "");
      conf_add (cf, V_NONE, NULL, "[rank]");
      conf_add (cf, V_TOLS, "tol", "tol = %s", ONE_OF (g, "1/n", "1/n, 1e-3", "0.01"));
      conf_add (cf, V_THRESH, "max_n", "max_n = %s", ONE_OF (g, "8", "2048"));
    }
  conf_add (cf, V_NONE, NULL, "");
  conf_add (cf, V_NONE, NULL, "[method exact]");
  conf_add (cf, V_WORD, "spec", "spec = exact:algo=stream");
  *runs = 1;
  *exact_moderate = 1;
  if (rchance (g, 0.6))
    {
      conf_add (cf, V_NONE, NULL, "");
      conf_add (cf, V_NONE, NULL, "[method poly]");
      conf_add (cf, V_WORD, "spec", "spec = poly:basis=%s", ONE_OF (g, "cheb", "taylor"));
      conf_add (cf, V_WORD, "size", "size = deg");
      conf_add (cf, V_MSIZES, "sizes", "sizes = 1, 2");
      conf_add (cf, V_POSLIST, "targets", "targets = 1e-2");
      conf_add (cf, V_MAXSIZE, "max_size", "max_size = 6");
      *runs += 2;
    }
  if (rchance (g, 0.3))
    {
      conf_add (cf, V_NONE, NULL, "");
      conf_add (cf, V_NONE, NULL, "[method rf]");
      conf_add (cf, V_WORD, "spec", "spec = rf:kind=pos,seed=1");
      conf_add (cf, V_WORD, "size", "size = m");
      conf_add (cf, V_MSIZES, "sizes", "sizes = 4, 8");
      *runs += 2;
    }
  *cells = cn * cb * cs;
}

static void
sweep_tiny_config (case_t *c, const char *path)
{
  conf_t cf = { 0 };
  size_t cells, runs;
  int em;
  sweep_model (&c->rng, &cf, &cells, &runs, &em);
  conf_write (c, path, &cf, "\n");
  conf_free (&cf);
}

static void
hardness_model (rng_t *g, conf_t *cf, size_t *rows)
{
  static const char *const ns[] = { "8", "16", "8, 16" };
  static const char *const seeds[] = { "1-2", "1", "1, 2", "3" };
  const char *n = PICK (g, ns), *s = PICK (g, seeds);
  conf_add (cf, V_NONE, NULL, "# hardness drawn by tests/hostile/fuzz");
  conf_add (cf, V_NONE, NULL, "[hardness]");
  conf_add (cf, V_SIZES, "n", "n = %s", n);
  conf_add (cf, V_WORD, "m", "m = %s", rchance (g, 0.7) ? "8 log2 n" : "24");
  conf_add (cf, V_WORD, "t", "t = %s", rchance (g, 0.7) ? "m / 8" : "3");
  conf_add (cf, V_POS, "gap", "gap = 1");
  conf_add (cf, V_SEEDS, "seeds", "seeds = %s", s);
  conf_add (cf, V_WORD, "basis", "basis = %s", ONE_OF (g, "cheb", "taylor"));
  conf_add (cf, V_WORD, "R", "R = %s", ONE_OF (g, "auto", "max"));
  conf_add (cf, V_THRESH, "gmax", "gmax = %s", ONE_OF (g, "40", "80", "2000"));
  size_t nn = strchr (n, ',') != NULL ? 2 : 1;
  size_t ns2 = strcmp (s, "1-2") == 0 || strchr (s, ',') != NULL ? 2 : 1;
  *rows = 2 * nn * ns2;
}

static void
hardness_tiny_config (case_t *c, const char *path)
{
  conf_t cf = { 0 };
  size_t rows;
  hardness_model (&c->rng, &cf, &rows);
  conf_write (c, path, &cf, "\n");
  conf_free (&cf);
}

static const char *const conf_hostile[] = {
  "1000000000000", "4611686018427387904", "18446744073709551616", "0", "-5", " -5", "1e300",
  "nan", "inf", "", "3.5", "0x10", "1e999", "-0", "4,,4", ",", "4, nan", "1e-300", "abc", "4 4",
  "\xff", "4\xff", "2-3", "+4", "04", "1e12", "99999999999999999999", "1", "7"
};

/* What the program owes for a value of a class.  */
static int
conf_value_want (int vclass, const char *key, const char *v)
{
  char tmp[256];
  snprintf (tmp, sizeof tmp, "%s", v);
  if (*tmp == '\0')
    return E_REFUSE;
  int worst = E_ANY;
  /* each item of a list */
  char *save = NULL;
  int items = 0;
  for (const char *p = tmp; *p; p++)
    if (*p == ',' && (p[1] == ',' || p[1] == '\0' || p == tmp))
      return E_REFUSE;        /* an empty item */
  for (char *it = strtok_r (tmp, ",", &save); it != NULL; it = strtok_r (NULL, ",", &save))
    {
      while (*it == ' ')
        it++;
      size_t len = strlen (it);
      while (len > 0 && it[len - 1] == ' ')
        it[--len] = '\0';
      items++;
      unsigned long long u;
      int over;
      double x;
      int ti = classify_int (it, &u, &over), tr = classify_real (it, &x);
      int w = E_ANY;
      switch (vclass)
        {
        case V_SIZES:
        case V_D:
        case V_SIZE:
          if (ti == T_BAD && vclass == V_D && tr != T_BAD && isfinite (x) && x > 0)
            w = x >= 1e9 ? E_FAIL : E_ANY;      /* d = 3.5: a coefficient, perhaps */
          else if (ti == T_BAD)
            w = E_REFUSE;
          else if (u == 0 && !over)
            w = E_REFUSE;
          else if (over || u >= 1000000000ULL)
            w = E_FAIL;
          break;
        case V_MSIZES:
          if (ti == T_BAD && !(tr != T_BAD && x == floor (x) && x >= 1))
            w = E_REFUSE;
          else if (ti != T_BAD && u == 0)
            w = E_REFUSE;
          break;
        case V_POSLIST:
        case V_POS:
          if (tr == T_BAD || isnan (x) || isinf (x) || x < 0)
            w = E_REFUSE;
          else if (x == 0)
            w = strspn (it, "+-0.") == strlen (it) ? E_REFUSE : E_ANY;
          if (strcmp (key, "gap") == 0 && w == E_ANY && x > 1e6)
            w = E_FAIL;
          break;
        case V_SEEDS:
          if (ti == T_BAD)
            w = strcmp (it, "2-3") == 0 ? E_ANY : E_REFUSE;
          else if (over)
            w = E_REFUSE;
          break;
        case V_PREC:
          if (ti == T_BAD)
            w = E_REFUSE;
          else if (over || u < 64 || u > 1048576)
            w = E_REFUSE;
          else if (u > 4096)
            w = E_ANY;
          break;
        case V_THRESH:
          if (ti == T_BAD)
            w = E_REFUSE;
          else if (strcmp (key, "gmax") == 0 && u == 0 && !over)
            w = E_REFUSE;
          break;
        case V_TOLS:
          if (strcmp (it, "1/n") == 0)
            break;
          if (tr == T_BAD || isnan (x) || isinf (x) || x < 0)
            w = E_REFUSE;
          break;
        case V_MAXSIZE:
          if (ti == T_BAD && tr == T_BAD)
            w = E_REFUSE;
          else if (tr != T_BAD && x <= 0)
            w = E_REFUSE;
          else if (tr != T_BAD && x > 64)
            w = E_ANY;
          break;
        default:
          break;
        }
      worst = w > worst ? w : worst;
    }
  if (items > 1 && (vclass == V_SIZE || vclass == V_POS || vclass == V_PREC
                    || vclass == V_THRESH || vclass == V_D || vclass == V_MAXSIZE))
    return E_REFUSE;           /* a list where one value goes */
  return worst;
}

/* One mutation of a configuration; returns what the program owes.  */
static int
mutate_conf (case_t *c, conf_t *cf, const char **eol, int hardness)
{
  rng_t *g = &c->rng;
  int op = (int) runi (g, 18);
  int keyed[96], nk = 0;
  for (int i = 0; i < cf->n; i++)
    if (cf->l[i].vclass != V_NONE)
      keyed[nk++] = i;
  if (nk == 0)
    return E_ANY;
  int li = keyed[runi (g, (size_t) nk)];
  cline_t *L = &cf->l[li];
  switch (op)
    {
    case 0: case 1: case 2: case 3: case 4: case 5:
      {
        /* a hostile value */
        if (L->vclass == V_WORD)
          {
            static const char *const words[] = { "nonsense", "", "exact:algo=frob", "poly:deg=x",
                                                 "CHEB", "m / 0", "0 log2 n", "1/e",
                                                 "uniform\xff", "ceil(log3 n)" };
            const char *w = PICK (g, words);
            buf_printf (&c->what, "; line %d: %s = '%s'", li + 1, L->key, w);
            free (L->text);
            char t[512];
            snprintf (t, sizeof t, "%s = %s", L->key, w);
            L->text = xstrdup (t);
            L->want = E_REFUSE;
            return E_OK;
          }
        const char *v = PICK (g, conf_hostile);
        if ((L->vclass == V_MSIZES || L->vclass == V_MAXSIZE || L->vclass == V_THRESH)
            && (strlen (v) >= 10 || strcmp (v, "1e300") == 0))
          v = "0x10";          /* a huge size is valid, and slow to search */
        if (hardness && (strcmp (L->key, "n") == 0 || strcmp (L->key, "seeds") == 0)
            && (strcmp (v, "1") == 0 || strcmp (v, "7") == 0 || strcmp (v, "+4") == 0
                || strcmp (v, "04") == 0 || strcmp (v, "2-3") == 0))
          v = "abc";           /* n = 1, 4 or 7 may be refused as unsamplable: fine either way */
        int w = conf_value_want (L->vclass, L->key, v);
        if (hardness && strcmp (L->key, "gmax") == 0 && w == E_ANY)
          {
            unsigned long long u;
            int over;
            if (classify_int (v, &u, &over) == T_BAD)
              w = E_REFUSE;
          }
        if (hardness && strcmp (L->key, "seeds") == 0 && w == E_ANY)
          {
            unsigned long long u;
            int over;
            if (classify_int (v, &u, &over) == T_BAD)
              w = E_ANY;
          }
        buf_printf (&c->what, "; line %d: %s = '%s'", li + 1, L->key, v);
        free (L->text);
        char t[512];
        snprintf (t, sizeof t, "%s = %s", L->key, v);
        L->text = xstrdup (t);
        L->want = w;
        return E_OK;
      }
    case 6:
      {
        /* a key twice */
        buf_printf (&c->what, "; line %d repeated", li + 1);
        conf_add (cf, L->vclass, L->key, "%s", L->text);
        return E_REFUSE;
      }
    case 7:
      buf_adds (&c->what, "; an unknown key");
      conf_add (cf, V_NONE, NULL, "%s",
                ONE_OF (g, "colour = blue", "N = 4", "n_max = 3", "seed = 1"));
      /* it lands in the last section */
      return E_REFUSE;
    case 8:
      {
        const char *s = ONE_OF (g, "[colours]", "[grid", "grid]", "[ grid ]", "[]", "[hardness",
                                "[method]");
        buf_printf (&c->what, "; a section line '%s'", s);
        conf_add (cf, V_NONE, NULL, "%s", s);
        return E_REFUSE;
      }
    case 9:
      {
        /* a section twice */
        int sec = -1;
        for (int i = 0; i < cf->n; i++)
          if (cf->l[i].text[0] == '[')
            sec = sec < 0 ? i : sec;
        if (sec >= 0)
          {
            buf_printf (&c->what, "; section %s repeated", cf->l[sec].text);
            conf_add (cf, V_NONE, NULL, "%s", cf->l[sec].text);
          }
        return E_REFUSE;
      }
    case 10:
      {
        /* a line without '=' or a continuation */
        const char *s = ONE_OF (g, "this line has no equals sign", "  n = 4", "\tx", "= 3");
        buf_printf (&c->what, "; a line '%s'", s);
        conf_add (cf, V_NONE, NULL, "%s", s);
        return E_REFUSE;
      }
    case 11:
      {
        /* bytes that are not UTF-8, or NUL, in a value, a key or a comment */
        static const char *const bytes[] = { "\xff", "\xfe\xff", "\xc3\x28", "\x80",
                                             "\xed\xa0\x80", "\x00" };
        const char *bseq = PICK (g, bytes);
        size_t blen = *bseq ? strlen (bseq) : 1;
        int where = (int) runi (g, 3);
        buf_t t = { 0 };
        if (where == 0)
          {
            buf_adds (&t, L->text);
            buf_add (&t, bseq, blen);
          }
        else if (where == 1)
          {
            buf_add (&t, bseq, blen);
            buf_adds (&t, L->text);
          }
        else
          {
            buf_adds (&t, "# a comment ");
            buf_add (&t, bseq, blen);
            buf_adds (&t, " ends");
          }
        /* a NUL would end the C string: keep it as the two bytes of a
           marker that conf_write turns back */
        buf_printf (&c->what, "; %s byte(s) %s", blen == 1 && !*bseq ? "a NUL" : "non-UTF-8",
                    where == 0 ? "after a value" : where == 1 ? "before a key" : "in a comment");
        if (!*bseq)
          for (size_t i = 0; i < t.n; i++)
            if (t.p[i] == '\0')
              t.p[i] = '\x01';
        if (where == 2)
          {
            conf_add (cf, V_NONE, NULL, "%s", t.p);
            buf_free (&t);
            return E_ANY;
          }
        free (L->text);
        L->text = xstrdup (t.p);
        buf_free (&t);
        L->want = E_REFUSE;
        return E_OK;
      }
    case 12:
      {
        /* a very long line */
        size_t len = 1000 + runi (g, 20000);
        buf_t t = { 0 };
        int comment = rchance (g, 0.4);
        if (comment)
          buf_adds (&t, "# ");
        else
          buf_printf (&t, "%s = ", L->key);
        for (size_t i = 0; i < len; i++)
          buf_add (&t, comment ? "x" : (i % 2 ? "," : "4"), 1);
        if (comment)
          conf_add (cf, V_NONE, NULL, "%s", t.p);
        else
          {
            free (L->text);
            L->text = xstrdup (t.p);
            L->want = E_REFUSE;
          }
        buf_free (&t);
        buf_printf (&c->what, "; a %s of %zu bytes", comment ? "comment" : "value line", len);
        return comment ? E_ANY : E_OK;
      }
    case 13:
      *eol = ONE_OF (g, "\r\n", "\r");
      buf_printf (&c->what, "; lines end with %s", **eol == '\r' && (*eol)[1] ? "CRLF" : "CR");
      return E_ANY;
    case 14:
      {
        /* a key removed */
        buf_printf (&c->what, "; line %d (%s) removed", li + 1, L->key);
        int required = strcmp (L->key, "n") == 0 || strcmp (L->key, "spec") == 0
          || (!hardness && (strcmp (L->key, "beta") == 0 || strcmp (L->key, "B") == 0))
          || (hardness && strcmp (L->key, "n") == 0);
        free (L->text);
        L->text = xstrdup ("; removed");
        L->vclass = V_NONE;
        L->want = E_OK;        /* what its value was no longer matters */
        return required ? E_REFUSE : E_ANY;
      }
    case 15:
      buf_adds (&c->what, "; a byte-order mark");
      {
        char t[1024];
        snprintf (t, sizeof t, "\xef\xbb\xbf%s", cf->l[0].text);
        free (cf->l[0].text);
        cf->l[0].text = xstrdup (t);
      }
      return E_ANY;
    case 16:
      {
        /* a key outside any section */
        char t[600];
        snprintf (t, sizeof t, "%s", L->text);
        for (int i = cf->n; i > 0; i--)
          cf->l[i] = cf->l[i - 1];
        cf->n++;
        cf->l[0].text = xstrdup (t);
        cf->l[0].vclass = V_NONE;
        cf->l[0].key[0] = '\0';
        buf_adds (&c->what, "; a key before any section");
        return E_REFUSE;
      }
    default:
      if (!hardness)
        {
          /* both beta and B, or 65 values */
          if (rchance (g, 0.5))
            {
              conf_add (cf, V_NONE, NULL, "[grid]");
              buf_adds (&c->what, "; [grid] twice");
            }
          else
            {
              buf_t t = { 0 };
              buf_adds (&t, "seeds = 1");
              for (int i = 2; i <= 65; i++)
                buf_printf (&t, ", %d", i);
              int s = -1;
              for (int i = 0; i < cf->n; i++)
                if (strcmp (cf->l[i].key, "seeds") == 0)
                  s = i;
              if (s >= 0)
                {
                  free (cf->l[s].text);
                  cf->l[s].text = xstrdup (t.p);
                }
              buf_free (&t);
              buf_adds (&c->what, "; 65 seeds");
            }
        }
      else
        {
          int s = -1;
          for (int i = 0; i < cf->n; i++)
            if (strcmp (cf->l[i].key, "seeds") == 0)
              s = i;
          if (s >= 0)
            {
              free (cf->l[s].text);
              cf->l[s].text = xstrdup (ONE_OF (g, "seeds = 1-100000", "seeds = 1-65"));
            }
          buf_adds (&c->what, "; too many seeds");
        }
      return E_REFUSE;
    }
}

/* Writes the configuration with NUL markers (\x01) turned back into NUL.  */
static void
conf_write_raw (case_t *c, const char *rel, const conf_t *cf, const char *eol)
{
  buf_t b = { 0 };
  for (int i = 0; i < cf->n; i++)
    {
      buf_adds (&b, cf->l[i].text);
      buf_adds (&b, eol);
    }
  for (size_t i = 0; i < b.n; i++)
    if (b.p[i] == '\x01')
      b.p[i] = '\0';
  wwrite (c, rel, b.p ? b.p : "", b.n);
  buf_free (&b);
}

static void
case_config (case_t *c, int hardness)
{
  rng_t *g = &c->rng;
  conf_t cf = { 0 };
  size_t cells = 0, runs = 0, rows = 0;
  int em = 0;
  if (hardness)
    hardness_model (g, &cf, &rows);
  else
    sweep_model (g, &cf, &cells, &runs, &em);
  const char *eol = "\n";
  const char *file = hardness ? "h.conf" : "s.conf";
  int want = E_OK;
  int nmut = rchance (g, 0.1) ? 0 : rchance (g, 0.85) ? 1 : 2;
  buf_adds (&c->what, hardness ? "hardness configuration" : "sweep configuration");
  for (int m = 0; m < nmut; m++)
    {
      int w = mutate_conf (c, &cf, &eol, hardness);
      want = w > want ? w : want;
      cells = rows = 0;        /* the grid may have changed */
      em = 0;
    }
  /* a line mutated twice owes what its last value makes it owe */
  for (int i = 0; i < cf.n; i++)
    want = cf.l[i].want > want ? cf.l[i].want : want;
  if (nmut > 0 && want == E_OK)
    want = E_ANY;
  int special = rchance (g, 0.04) ? (int) (1 + runi (g, 3)) : 0;
  if (special == 1)
    {
      wwrite (c, file, "", 0);
      buf_adds (&c->what, "; an empty file");
      want = E_REFUSE;
    }
  else if (special == 2)
    {
      wmkdir (c, file);
      buf_adds (&c->what, "; a folder");
      want = E_REFUSE;
    }
  else if (special == 3)
    {
      buf_adds (&c->what, "; missing");
      want = E_REFUSE;
    }
  else
    conf_write_raw (c, file, &cf, eol);
  conf_free (&cf);
  arg (c, fgattn);
  if (hardness)
    {
      args (c, "hardness", file, "-o", "hout", NULL);
      strcpy (c->outdir, "hout");
      c->cmd = C_HARDNESS;
      c->hard_rows = rows;
    }
  else
    {
      args (c, "sweep", file, "-o", "sout", NULL);
      if (rchance (g, 0.3))
        args (c, "--jobs", rchance (g, 0.5) ? "2" : "1", NULL);
      strcpy (c->outdir, "sout");
      c->cmd = C_SWEEP;
      c->cells = cells;
      c->methods_runs = runs;
      c->sweep_exact = em;
    }
  if (rchance (g, 0.7))
    arg (c, "--quiet");
  c->want = want;
  name (c, file);
}

static void
case_sweep (case_t *c)
{
  case_config (c, 0);
}

static void
case_hardness (case_t *c)
{
  case_config (c, 1);
}

/* ------------------------------------------------------------------ */
/* The driver */

typedef struct
{
  const char *name;
  void (*make) (case_t *);
  const char *about;
} category_t;

static const category_t categories[] = {
  { "npy", case_npy, "NPY files of an instance mutated: magic, version, header, shape, files" },
  { "values", case_values, "well-formed files of hostile numbers: huge, tiny, ties, NaN" },
  { "json", case_json, "instance.json mutated" },
  { "approx", case_approx, "approximate methods on valid instances, moderate and extreme" },
  { "paths", case_paths, "outputs onto inputs or each other, missing and odd paths" },
  { "compare", case_compare, "compare on hostile numbers" },
  { "options", case_options, "numbers in option values of gen, run, truth, rank" },
  { "plan", case_plan, "numbers in option values of plan and analyze; finite output" },
  { "spec", case_spec, "method specs with random keys and values" },
  { "config", case_sweep, "sweep configurations mutated" },
  { "hardness", case_hardness, "hardness configurations mutated" },
};
#define NCAT (sizeof categories / sizeof categories[0])

static unsigned long seed = DEFAULT_SEED;
static char workroot[900];
static volatile sig_atomic_t stop_now;
static volatile pid_t worker_child;

static void
case_init (case_t *c, const char *cat, unsigned long idx)
{
  memset (c, 0, sizeof *c);
  c->cat = cat;
  c->idx = idx;
  uint64_t h = hash_str (0xcbf29ce484222325ULL ^ seed, cat);
  h = (h ^ idx) * 0x100000001b3ULL;
  rng_seed (&c->rng, h ^ ((uint64_t) seed << 32));
  snprintf (c->dir, sizeof c->dir, "%s/%s-%lu", workroot, cat, idx);
  snprintf (c->wdir, sizeof c->wdir, "%s/w", c->dir);
  rm_rf (c->dir);
  if (mkdir (c->dir, 0755) != 0 || mkdir (c->wdir, 0755) != 0)
    die ("%s: %s", c->dir, strerror (errno));
  c->status = 0;
}

static void
case_free (case_t *c)
{
  for (int i = 0; i < c->argc; i++)
    free (c->argv[i]);
  for (int i = 0; i < c->nnames; i++)
    free (c->names[i]);
  buf_free (&c->what);
  buf_free (&c->fail);
  mat_free (&c->Q);
  mat_free (&c->K);
  mat_free (&c->V);
  mat_free (&c->A);
  mat_free (&c->Bm);
  free (c->sout);
  free (c->serr);
  snap_free (&c->before);
}

static const char *
status_text (int st, char *buf, size_t size)
{
  if (st == -1)
    snprintf (buf, size, "timed out");
  else if (WIFSIGNALED (st))
    snprintf (buf, size, "signal %d", WTERMSIG (st));
  else
    snprintf (buf, size, "exit %d", WEXITSTATUS (st));
  return buf;
}

/* Builds, runs and judges one case; writes dir/report (when it failed),
   dir/cmd and dir/result.  Returns 1 when it failed.  */
static int
case_do (const category_t *cat, unsigned long idx, int loud)
{
  case_t c;
  case_init (&c, cat->name, idx);
  cat->make (&c);
  /* the inputs as they were, kept for a failing case */
  char orig[PATH_MAX];
  snprintf (orig, sizeof orig, "%s/orig", c.dir);
  copy_tree (c.wdir, orig);
  buf_t cmd = { 0 };
  shell_quote (&cmd, c.argv);
  char p[PATH_MAX];
  snprintf (p, sizeof p, "%s/cmd", c.dir);
  write_file (p, cmd.p, cmd.n);
  if (loud)
    printf ("case %s:%lu: %s\n  cd %s && %s\n  owed: %s\n", cat->name, idx,
            c.what.p ? c.what.p : "", c.wdir, cmd.p, want_names[c.want]);
  run_program (&c);
  judge (&c);
  char st[64];
  status_text (c.status, st, sizeof st);
  if (loud)
    {
      buf_t e = { 0 }, o = { 0 };
      excerpt (&e, c.serr, c.nerr, 2000);
      excerpt (&o, c.sout, c.nout, 2000);
      printf ("  got: %s\n  stdout: %s\n  stderr: %s\n  verdict: %s%s\n", st, o.p ? o.p : "",
              e.p ? e.p : "", c.fail.n ? "FAIL: " : "pass", c.fail.n ? c.fail.p : "");
      buf_free (&e);
      buf_free (&o);
    }
  int failed = c.fail.n > 0;
  if (failed)
    {
      buf_t r = { 0 };
      buf_t e = { 0 };
      excerpt (&e, c.serr, c.nerr, 300);
      buf_printf (&r, "FAIL %s:%lu: %s\n    case: %s\n    owed %s, got %s%s%s\n", cat->name, idx,
                  c.fail.p, c.what.p ? c.what.p : "", want_names[c.want], st,
                  c.nerr ? ": " : "", e.p ? e.p : "");
      snprintf (p, sizeof p, "%s/report", c.dir);
      write_file (p, r.p, r.n);
      buf_free (&r);
      buf_free (&e);
    }
  char res[64];
  int code = c.status == -1 ? -1 : WIFSIGNALED (c.status) ? -2 : WEXITSTATUS (c.status);
  snprintf (res, sizeof res, "%d %d\n", code, failed);
  snprintf (p, sizeof p, "%s/result", c.dir);
  write_file (p, res, strlen (res));
  buf_free (&cmd);
  case_free (&c);
  return failed;
}

static void
worker_signal (int sig)
{
  if (worker_child > 0)
    kill (-worker_child, SIGKILL);
  _exit (sig == SIGALRM ? 4 : 3);
}

static void
parent_signal (int sig)
{
  stop_now = sig;
}

/* Runs a setup command in workroot/setup; its stdout into *out.  */
static int
setup_run (char **argv, char **out, size_t *nout)
{
  case_t c;
  memset (&c, 0, sizeof c);
  snprintf (c.dir, sizeof c.dir, "%s/setup", workroot);
  snprintf (c.wdir, sizeof c.wdir, "%s/setup/w", workroot);
  mkdir (c.dir, 0755);
  mkdir (c.wdir, 0755);
  for (int i = 0; argv[i] != NULL; i++)
    arg (&c, argv[i]);
  run_program (&c);
  int st = c.status;
  if (out != NULL)
    {
      *out = c.sout;
      *nout = c.nout;
      c.sout = NULL;
    }
  case_free (&c);
  return st != -1 && WIFEXITED (st) && WEXITSTATUS (st) == 0 ? 0 : -1;
}

static void
setup (void)
{
  for (int b = 0; b < NBASES; b++)
    {
      char *argv[24];
      int n = 0;
      char dir[PATH_MAX];
      snprintf (dir, sizeof dir, "base%d", b);
      argv[n++] = (char *) fgattn;
      argv[n++] = (char *) "gen";
      for (int k = 0; base_gen[b][k] != NULL; k++)
        argv[n++] = (char *) base_gen[b][k];
      argv[n++] = (char *) "-o";
      argv[n++] = dir;
      argv[n] = NULL;
      if (setup_run (argv, NULL, NULL) != 0)
        die ("%s gen failed: the program does not work at all", fgattn);
      for (int k = 0; k < 4; k++)
        {
          char p[PATH_MAX];
          pathf (p, sizeof p, "%s/setup/w/%s/%s", workroot, dir, inst_names[k]);
          bases[b].bytes[k] = read_file (p, &bases[b].len[k]);
          if (bases[b].bytes[k] == NULL)
            die ("gen did not write %s", p);
          if (k < 3)
            {
              npy_t m;
              npy_mean (&m, bases[b].bytes[k], bases[b].len[k]);
              if (m.status != NP_OK)
                die ("gen wrote %s, which is not an NPY file as numpy writes it: %s", p, m.why);
              bases[b].M[k] = m.m;
            }
        }
      json_t *j = json_loads (bases[b].bytes[3], 0, NULL);
      if (j == NULL)
        die ("gen wrote an instance.json that is not JSON");
      bases[b].B = json_number_value (json_object_get (j, "B"));
      bases[b].Bv = json_number_value (json_object_get (j, "Bv"));
      json_decref (j);
    }
  char *argv[] = { (char *) fgattn, (char *) "methods", (char *) "--format", (char *) "json",
                   NULL };
  char *out;
  size_t n;
  if (setup_run (argv, &out, &n) != 0)
    die ("fgattn methods --format json failed");
  load_methods (out);
  free (out);
}

static double
env_double (const char *name, double def, int zero_ok)
{
  const char *s = getenv (name);
  if (s == NULL || *s == '\0')
    return def;
  char *end;
  double v = strtod (s, &end);
  if (*end != '\0' || !(v > 0 || (zero_ok && v == 0)) || !isfinite (v))
    die ("%s=%s: expected a %s number", name, s, zero_ok ? "non-negative" : "positive");
  return v;
}

int
main (void)
{
  const char *s = getenv ("FGA_FUZZ_SEED");
  if (s != NULL && *s)
    seed = strtoul (s, NULL, 10);
  double budget = env_double ("FGA_FUZZ_SECONDS", DEFAULT_SECONDS, 0);
  unsigned long max_cases = (unsigned long) env_double ("FGA_FUZZ_CASES", (double) DEFAULT_CASES, 0);
  timeout_s = env_double ("FGA_FUZZ_TIMEOUT", DEFAULT_TIMEOUT, 0);
  int jobs = (int) env_double ("FGA_FUZZ_JOBS", 3, 0);
  max_printed = (unsigned long) env_double ("FGA_FUZZ_PRINT", MAX_PRINTED, 1);
  const char *prog = getenv ("FGATTN");
  if (prog == NULL || *prog == '\0')
    die ("FGATTN must name the fgattn program (make check sets it)");
  static char progabs[PATH_MAX];
  if (realpath (prog, progabs) == NULL || access (progabs, X_OK) != 0)
    die ("FGATTN=%s: not an executable program", prog);
  fgattn = progabs;

  int enabled[NCAT];
  const char *only = getenv ("FGA_FUZZ_ONLY");
  for (size_t k = 0; k < NCAT; k++)
    enabled[k] = only == NULL || *only == '\0';
  if (only != NULL && *only != '\0')
    {
      char tmp[512];
      snprintf (tmp, sizeof tmp, "%s", only);
      for (char *t = strtok (tmp, ", "); t != NULL; t = strtok (NULL, ", "))
        {
          size_t k;
          for (k = 0; k < NCAT && strcmp (categories[k].name, t) != 0; k++)
            ;
          if (k == NCAT)
            {
              fprintf (stderr, "fuzz: FGA_FUZZ_ONLY: no category '%s'; there are:\n", t);
              for (k = 0; k < NCAT; k++)
                fprintf (stderr, "  %-9s %s\n", categories[k].name, categories[k].about);
              return 99;
            }
          enabled[k] = 1;
        }
    }
  const char *tmpdir = getenv ("TMPDIR");
  snprintf (workroot, sizeof workroot, "%s/fgattn-hostile-XXXXXX",
            tmpdir != NULL && *tmpdir ? tmpdir : "/tmp");
  if (mkdtemp (workroot) == NULL)
    die ("mkdtemp: %s", strerror (errno));
  setup ();

  const char *one = getenv ("FGA_FUZZ_CASE");
  if (one != NULL && *one)
    {
      char cat[64];
      unsigned long idx;
      if (sscanf (one, "%63[^:]:%lu", cat, &idx) != 2)
        die ("FGA_FUZZ_CASE=%s: expected CATEGORY:NUMBER", one);
      size_t k;
      for (k = 0; k < NCAT && strcmp (categories[k].name, cat) != 0; k++)
        ;
      if (k == NCAT)
        die ("FGA_FUZZ_CASE: no category '%s'", cat);
      int failed = case_do (&categories[k], idx, 1);
      char p[PATH_MAX];
      snprintf (p, sizeof p, "%s/setup", workroot);
      rm_rf (p);
      printf ("  (the case's folder is kept: %s/%s-%lu)\n", workroot, cat, idx);
      return failed ? 1 : 0;
    }

  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = parent_signal;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);

  size_t cats[NCAT], ncats = 0;
  for (size_t k = 0; k < NCAT; k++)
    if (enabled[k])
      cats[ncats++] = k;
  unsigned long count[NCAT] = { 0 }, failed[NCAT] = { 0 }, exits[NCAT][4] = { { 0 } };
  unsigned long launched = 0, done = 0, nfailed = 0, kept = 0;
  struct { pid_t pid; size_t cat; unsigned long idx; } run[64];
  int running = 0;
  if (jobs < 1)
    jobs = 1;
  if (jobs > 64)
    jobs = 64;
  char keep[1024];
  const char *keepenv = getenv ("FGA_FUZZ_KEEP");
  if (keepenv != NULL && *keepenv)
    snprintf (keep, sizeof keep, "%s", keepenv);
  else
    snprintf (keep, sizeof keep, "%s/fgattn-hostile-%lu",
              tmpdir != NULL && *tmpdir ? tmpdir : "/tmp", seed);
  double t0 = now ();
  for (;;)
    {
      while (!stop_now && running < jobs && launched < max_cases && now () - t0 < budget)
        {
          size_t k = cats[launched % ncats];
          unsigned long idx = launched / ncats;
          launched++;
          pid_t pid = fork ();
          if (pid < 0)
            die ("fork: %s", strerror (errno));
          if (pid == 0)
            {
              struct sigaction wa;
              memset (&wa, 0, sizeof wa);
              wa.sa_handler = worker_signal;
              sigaction (SIGTERM, &wa, NULL);
              sigaction (SIGALRM, &wa, NULL);
              signal (SIGINT, SIG_IGN);
              alarm ((unsigned) (timeout_s * 3 + 120));
              _exit (case_do (&categories[k], idx, 0));
            }
          run[running].pid = pid;
          run[running].cat = k;
          run[running].idx = idx;
          running++;
        }
      if (running == 0)
        break;
      int st;
      pid_t pid = waitpid (-1, &st, 0);
      if (pid < 0)
        {
          if (errno == EINTR)
            {
              if (stop_now)
                for (int i = 0; i < running; i++)
                  kill (run[i].pid, SIGTERM);
              continue;
            }
          die ("waitpid: %s", strerror (errno));
        }
      int slot;
      for (slot = 0; slot < running && run[slot].pid != pid; slot++)
        ;
      if (slot == running)
        continue;
      size_t k = run[slot].cat;
      unsigned long idx = run[slot].idx;
      run[slot] = run[--running];
      done++;
      count[k]++;
      char dir[PATH_MAX], p[PATH_MAX];
      snprintf (dir, sizeof dir, "%s/%s-%lu", workroot, categories[k].name, idx);
      pathf (p, sizeof p, "%s/result", dir);
      size_t n;
      char *res = read_file (p, &n);
      int code = 0, bad = 0;
      if (res == NULL || sscanf (res, "%d %d", &code, &bad) != 2)
        {
          bad = 1;
          code = -3;
        }
      free (res);
      exits[k][code >= 0 && code <= 2 ? code : 3]++;
      if (stop_now && !bad)
        {
          rm_rf (dir);
          continue;
        }
      if (bad)
        {
          nfailed++;
          failed[k]++;
          if (failed[k] <= max_printed)
            {
              pathf (p, sizeof p, "%s/report", dir);
              char *rep = read_file (p, &n);
              if (rep != NULL)
                fputs (rep, stdout);
              else
                printf ("FAIL %s:%lu: the fuzzer's worker died (%s)\n", categories[k].name, idx,
                        WIFSIGNALED (st) ? strsignal (WTERMSIG (st)) : "no result");
              free (rep);
              pathf (p, sizeof p, "%s/cmd", dir);
              char *cmd = read_file (p, &n);
              if (kept < MAX_KEPT)
                {
                  char dst[PATH_MAX], src[PATH_MAX];
                  mkdir (keep, 0755);
                  snprintf (dst, sizeof dst, "%s/%s-%lu", keep, categories[k].name, idx);
                  pathf (src, sizeof src, "%s/orig", dir);
                  rm_rf (dst);
                  copy_tree (src, dst);
                  if (cmd != NULL)
                    {
                      char cp[PATH_MAX];
                      pathf (cp, sizeof cp, "%s/../%s-%lu.cmd", dst, categories[k].name, idx);
                      write_file (cp, cmd, n);
                    }
                  kept++;
                  printf ("    command: cd %s && %s\n", dst, cmd != NULL ? cmd : "?");
                }
              printf ("    reproduce: FGA_FUZZ_SEED=%lu FGA_FUZZ_CASE=%s:%lu FGATTN=%s %s\n", seed,
                      categories[k].name, idx, fgattn, "tests/hostile/fuzz");
              free (cmd);
              fflush (stdout);
            }
        }
      rm_rf (dir);
    }
  double elapsed = now () - t0;
  snprintf (keep, sizeof keep, "%s/setup", workroot);
  rm_rf (keep);
  rmdir (workroot);
  if (stop_now)
    rm_rf (workroot);

  buf_t line = { 0 };
  buf_printf (&line, "hostile: seed %lu, %lu cases in %.1f s (", seed, done, elapsed);
  for (size_t q = 0; q < ncats; q++)
    {
      size_t k = cats[q];
      buf_printf (&line, "%s%s %lu [%lu/%lu/%lu]", q ? ", " : "", categories[k].name, count[k],
                  exits[k][0], exits[k][1], exits[k][2]);
    }
  buf_adds (&line, "; exits 0/1/2)");
  if (nfailed == 0)
    buf_adds (&line, ": all passed");
  else
    {
      buf_printf (&line, ": %lu FAILED (", nfailed);
      int first = 1;
      for (size_t q = 0; q < ncats; q++)
        if (failed[cats[q]])
          {
            buf_printf (&line, "%s%s %lu", first ? "" : ", ", categories[cats[q]].name,
                        failed[cats[q]]);
            first = 0;
          }
      buf_adds (&line, ")");
    }
  puts (line.p);
  buf_free (&line);
  if (stop_now)
    return 99;
  return nfailed == 0 ? 0 : 1;
}
