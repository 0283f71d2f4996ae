/* fga_npy -- NPY files of float matrices: read strictly (float64, and float32
   or float16 widened exactly), written as numpy does (float64) */

/* The format (numpy/lib/format.py, "NEP 1"): the six bytes "\x93NUMPY", a
   major and a minor version byte, the header length (2 bytes little-endian
   in version 1.0, 4 bytes in 2.0 and 3.0), then the header: the repr of a
   Python dict {'descr': ..., 'fortran_order': ..., 'shape': ...} padded with
   spaces and a final newline, then the raw data.  Version 3.0 only changes
   the header's encoding (UTF-8 instead of Latin-1), which makes no
   difference to the headers of plain float arrays.

   float32 and float16 data are widened to double as they are read.  The
   widening is exact: binary32 (24-bit significands, exponents down to
   2^-149 for subnormals, up to 2^127) and binary16 (11 bits, 2^-24 to
   2^15) are subsets of binary64 (53 bits, 2^-1074 to 2^1023), so every
   value, subnormals and -0 included, is a double, and infinities and NaN
   stay what they are (refusing them is the caller's business, as for
   float64).  */

#include "core/fga-impl.h"

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* numpy aligns the start of the data to this many bytes.  */
#define NPY_ALIGN 64
/* numpy (>= 1.23) pads the header so that the first axis can grow in place
   to this many digits.  */
#define NPY_GROWTH_DIGITS 21
/* A float64 matrix needs a header of about 128 bytes; anything far longer
   is corrupt or holds a dtype we would refuse anyway, and must not make us
   allocate gigabytes before saying so.  */
#define NPY_HEADER_MAX (1 << 20)
/* More axes than numpy allows (NPY_MAXDIMS is 32 in numpy 1.x, 64 in 2.x).  */
#define NPY_MAX_AXES 64

/* Whether doubles are stored little-endian here, as in the file: then the
   data is read and written as it is.  Tested on the bytes of 1.0 rather
   than by a macro, so that no configure check is needed; compilers fold it.  */
static int
host_is_little_endian (void)
{
  double one = 1.0;
  unsigned char b[sizeof one];
  memcpy (b, &one, sizeof one);
  return b[7] == 0x3f && b[6] == 0xf0 && b[0] == 0;
}

/* Little-endian bytes to and from the host's doubles, for the other hosts.
   Doubles are assumed to share the byte order of 64-bit integers, which
   holds everywhere IEEE 754 binary64 is used today.  */
static void
swap_from_le (double *x, size_t n)
{
  for (size_t k = 0; k < n; k++)
    {
      unsigned char b[8];
      uint64_t u = 0;
      memcpy (b, &x[k], 8);
      for (int i = 7; i >= 0; i--)
        u = (u << 8) | b[i];
      memcpy (&x[k], &u, 8);
    }
}

static void
store_le (unsigned char *b, double x)
{
  uint64_t u;
  memcpy (&u, &x, 8);
  for (int i = 0; i < 8; i++)
    b[i] = (unsigned char) (u >> (8 * i));
}

/* The double whose value is that of the binary16 or binary32 number with
   bits u, of p fraction bits and w exponent bits: built bit by bit rather
   than by a conversion, so that no floating-point mode (flush to zero of
   subnormals, as -ffast-math sets) can change it.  A subnormal
   f 2^(1 - bias - p) is normalised: shifted left k times until its leading
   bit reaches bit p, it is (f 2^k / 2^p) 2^(1 - bias - k), a normal double.
   NaN keeps its sign and payload (shifted to the top of the fraction).  */
static double
widen_bits (uint32_t u, int p, int w)
{
  const uint32_t frac_mask = (UINT32_C (1) << p) - 1, emax = (UINT32_C (1) << w) - 1;
  const int bias = (int) (emax >> 1);
  uint64_t bits = (uint64_t) ((u >> (p + w)) & 1) << 63;
  uint32_t e = (u >> p) & emax, f = u & frac_mask;
  if (e == emax)
    bits |= (UINT64_C (0x7ff) << 52) | ((uint64_t) f << (52 - p));
  else if (e != 0 || f != 0)
    {
      int x = (int) e - bias;
      if (e == 0)
        {
          x = 1 - bias;
          while (!(f >> p))
            {
              f <<= 1;
              x--;
            }
          f &= frac_mask;
        }
      bits |= ((uint64_t) (x + 1023) << 52) | ((uint64_t) f << (52 - p));
    }
  double d;
  memcpy (&d, &bits, sizeof d);
  return d;
}

/* Widens in place the n little-endian binary16 or binary32 numbers (size 2
   or 4 bytes) at the start of x into n doubles.  From the last to the
   first: x[k] covers bytes [8k, 8k + 8), beyond the bytes of the numbers
   before k (they end at k size <= 8k), and number k is read before x[k]
   is written.  */
static void
widen (double *x, size_t n, size_t size)
{
  const unsigned char *b = (const unsigned char *) x;
  const int p = size == 4 ? 23 : 10, w = size == 4 ? 8 : 5;
  for (size_t k = n; k-- > 0;)
    {
      uint32_t u = 0;
      for (size_t i = size; i-- > 0;)
        u = (u << 8) | b[k * size + i];
      x[k] = widen_bits (u, p, w);
    }
}

/* The dtypes read: numpy's descr, the bytes of one value, the name.  */
static const struct
{
  const char *descr;
  size_t size;
  fga_npy_dtype dtype;
  const char *name;
} dtypes[] = {
  { "<f8", 8, FGA_NPY_F8, "float64" },
  { "<f4", 4, FGA_NPY_F4, "float32" },
  { "<f2", 2, FGA_NPY_F2, "float16" },
};

const char *
fga_npy_dtype_name (fga_npy_dtype dtype)
{
  for (size_t k = 0; k < sizeof dtypes / sizeof dtypes[0]; k++)
    if (dtypes[k].dtype == dtype)
      return dtypes[k].name;
  return "unknown";
}

/* Writes up to `n' bytes of `s' into buf as a C string literal with the
   unprintable bytes escaped, so that messages show what a file holds.  */
static void
escape_bytes (char *buf, size_t size, const unsigned char *s, size_t n)
{
  size_t k = 0;
  if (size == 0)
    return;
  for (size_t i = 0; i < n && k + 5 < size; i++)
    {
      unsigned char c = s[i];
      if (c == '\n' || c == '\r' || c == '\t')
        k += (size_t) snprintf (buf + k, size - k, "\\%c",
                                c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
      else if (c == '"' || c == '\\')
        k += (size_t) snprintf (buf + k, size - k, "\\%c", c);
      else if (c >= 0x20 && c < 0x7f)
        buf[k++] = (char) c;
      else
        k += (size_t) snprintf (buf + k, size - k, "\\x%02x", c);
    }
  buf[k] = '\0';
}

/* fread until n bytes or the end; returns the count read.  */
static size_t
read_bytes (void *buf, size_t n, FILE *fp)
{
  return n == 0 ? 0 : fread (buf, 1, n, fp);
}

/* The message of a failed read, from errno: call it before anything that
   may change errno, closing the file included.  */
static int
read_failed (const char *path, fga_error *err)
{
  int e = errno;
  return fgap_error_set (err, e == EISDIR ? FGA_ERR_INPUT : FGA_ERR_IO, "%s: read failed: %s",
                        path, strerror (e));
}

/* ------------------------------------------------------------------ */
/* The header: a Python dict literal, as numpy's repr writes it and
   ast.literal_eval reads it.  Keys may come in any order, with any spaces,
   a trailing comma or not, and either quote style; integers may carry the
   'L' suffix of files written under Python 2 (versions 1.0 and 2.0 only, as
   numpy accepts).  */

typedef struct
{
  const char *path;
  const char *s;               /* the header text, not NUL-terminated */
  size_t n, pos;
  int allow_long;              /* accept 123L */
  fga_error *err;
} scan_t;

typedef struct
{
  int have_descr, have_fortran, have_shape;
  char descr[64];              /* the descr string, when it is one */
  int descr_is_string;
  size_t descr_at, descr_len;  /* the descr's text in the header */
  int fortran;
  size_t naxes;
  size_t axis[NPY_MAX_AXES];
  int axis_overflow;           /* an axis does not fit in size_t */
  size_t shape_at, shape_len;  /* the shape's text in the header */
} header_t;

static int
scan_fail (scan_t *sc, const char *what)
{
  char near[96];
  size_t len = sc->n - sc->pos < 24 ? sc->n - sc->pos : 24;
  escape_bytes (near, sizeof near, (const unsigned char *) sc->s + sc->pos, len);
  return fgap_error_set (sc->err, FGA_ERR_INPUT,
                        "%s: the NPY header does not parse: %s at byte %zu of the header "
                        "(found \"%s\")", sc->path, what, sc->pos, near);
}

static void
skip_space (scan_t *sc)
{
  while (sc->pos < sc->n
         && (sc->s[sc->pos] == ' ' || sc->s[sc->pos] == '\t' || sc->s[sc->pos] == '\n'
             || sc->s[sc->pos] == '\r'))
    sc->pos++;
}

static int
peek (scan_t *sc)
{
  return sc->pos < sc->n ? (unsigned char) sc->s[sc->pos] : -1;
}

/* A quoted string, into out (truncated to size; *len gets the full length). */
static int
scan_string (scan_t *sc, char *out, size_t size, size_t *len)
{
  int q = peek (sc);
  size_t k = 0;
  if (q != '\'' && q != '"')
    return scan_fail (sc, "expected a quoted string");
  size_t start = sc->pos++;
  for (;;)
    {
      int c = peek (sc);
      if (c < 0 || c == '\n')
        {
          sc->pos = start;
          return scan_fail (sc, "unterminated string");
        }
      sc->pos++;
      if (c == q)
        break;
      if (c == '\\')
        {
          /* Escapes never occur in the keys and dtypes we accept; keeping
             the escaped byte is enough to report what was found.  */
          c = peek (sc);
          if (c < 0)
            continue;
          sc->pos++;
        }
      if (k + 1 < size)
        out[k] = (char) c;
      k++;
    }
  if (size > 0)
    out[k + 1 < size ? k : size - 1] = '\0';
  *len = k;
  return FGA_OK;
}

/* A non-negative decimal integer; *overflow is set when it exceeds size_t. */
static int
scan_integer (scan_t *sc, size_t *value, int *overflow)
{
  size_t v = 0;
  int c = peek (sc);
  if (c < '0' || c > '9')
    return scan_fail (sc, "expected a non-negative integer");
  while ((c = peek (sc)) >= '0' && c <= '9')
    {
      if (fgap_size_mul (&v, v, 10) || __builtin_add_overflow (v, (size_t) (c - '0'), &v))
        *overflow = 1;
      sc->pos++;
    }
  if (sc->allow_long && (peek (sc) == 'L' || peek (sc) == 'l'))
    sc->pos++;
  *value = v;
  return FGA_OK;
}

static int
scan_word (scan_t *sc, const char *word)
{
  size_t len = strlen (word);
  if (sc->n - sc->pos >= len && memcmp (sc->s + sc->pos, word, len) == 0)
    {
      int c = sc->pos + len < sc->n ? (unsigned char) sc->s[sc->pos + len] : ' ';
      if (!(c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
        {
          sc->pos += len;
          return 1;
        }
    }
  return 0;
}

/* Skips a bracketed value (the list of a structured dtype), strings inside
   included, so that it can be reported as what it is.  */
static int
scan_skip_brackets (scan_t *sc)
{
  size_t start = sc->pos;
  int depth = 0;
  char tmp[2];
  size_t len;
  do
    {
      int c = peek (sc);
      if (c < 0)
        {
          sc->pos = start;
          return scan_fail (sc, "unbalanced brackets");
        }
      if (c == '\'' || c == '"')
        {
          if (scan_string (sc, tmp, sizeof tmp, &len) != FGA_OK)
            return FGA_ERR_INPUT;
          continue;
        }
      if (c == '[' || c == '(' || c == '{')
        depth++;
      else if (c == ']' || c == ')' || c == '}')
        depth--;
      sc->pos++;
    }
  while (depth > 0);
  return FGA_OK;
}

static int
scan_shape (scan_t *sc, header_t *h)
{
  h->shape_at = sc->pos;
  if (peek (sc) != '(')
    return scan_fail (sc, "expected the shape as a tuple '(...)'");
  sc->pos++;
  skip_space (sc);
  h->naxes = 0;
  int comma_after_last = 0;
  while (peek (sc) != ')')
    {
      size_t v = 0;
      if (scan_integer (sc, &v, &h->axis_overflow) != FGA_OK)
        return FGA_ERR_INPUT;
      if (h->naxes < NPY_MAX_AXES)
        h->axis[h->naxes] = v;
      h->naxes++;
      skip_space (sc);
      comma_after_last = 0;
      if (peek (sc) == ',')
        {
          sc->pos++;
          comma_after_last = 1;
          skip_space (sc);
        }
      else if (peek (sc) != ')')
        return scan_fail (sc, "expected ',' or ')' in the shape");
    }
  sc->pos++;
  /* In Python "(3)" is the integer 3, not a tuple: numpy refuses it.  */
  if (h->naxes == 1 && !comma_after_last)
    {
      sc->pos = h->shape_at;
      return scan_fail (sc, "the shape is not a tuple (a 1-tuple needs a comma, as in (3,))");
    }
  h->shape_len = sc->pos - h->shape_at;
  return FGA_OK;
}

static int
scan_header (scan_t *sc, header_t *h)
{
  memset (h, 0, sizeof *h);
  skip_space (sc);
  if (peek (sc) != '{')
    return scan_fail (sc, "expected '{'");
  sc->pos++;
  skip_space (sc);
  while (peek (sc) != '}')
    {
      char key[32];
      size_t keylen, keypos = sc->pos;
      if (scan_string (sc, key, sizeof key, &keylen) != FGA_OK)
        return FGA_ERR_INPUT;
      skip_space (sc);
      if (peek (sc) != ':')
        return scan_fail (sc, "expected ':' after a key");
      sc->pos++;
      skip_space (sc);

      int *seen;
      if (strcmp (key, "descr") == 0)
        seen = &h->have_descr;
      else if (strcmp (key, "fortran_order") == 0)
        seen = &h->have_fortran;
      else if (strcmp (key, "shape") == 0)
        seen = &h->have_shape;
      else
        {
          sc->pos = keypos;
          return scan_fail (sc, keylen >= sizeof key ? "unknown key"
                            : "unknown key (numpy writes only 'descr', 'fortran_order' and "
                            "'shape')");
        }
      if (*seen)
        {
          sc->pos = keypos;
          return scan_fail (sc, "a key appears twice");
        }
      *seen = 1;

      if (seen == &h->have_descr)
        {
          int c = peek (sc);
          h->descr_at = sc->pos;
          if (c == '\'' || c == '"')
            {
              size_t len;
              if (scan_string (sc, h->descr, sizeof h->descr, &len) != FGA_OK)
                return FGA_ERR_INPUT;
              h->descr_is_string = len < sizeof h->descr;
            }
          else if (c == '[')
            {
              if (scan_skip_brackets (sc) != FGA_OK)
                return FGA_ERR_INPUT;
            }
          else
            return scan_fail (sc, "expected the descr as a string or a list");
          h->descr_len = sc->pos - h->descr_at;
        }
      else if (seen == &h->have_fortran)
        {
          if (scan_word (sc, "True"))
            h->fortran = 1;
          else if (scan_word (sc, "False"))
            h->fortran = 0;
          else
            return scan_fail (sc, "expected True or False for fortran_order");
        }
      else if (scan_shape (sc, h) != FGA_OK)
        return FGA_ERR_INPUT;

      skip_space (sc);
      if (peek (sc) == ',')
        {
          sc->pos++;
          skip_space (sc);
        }
      else if (peek (sc) != '}')
        return scan_fail (sc, "expected ',' or '}' after a value");
    }
  sc->pos++;
  skip_space (sc);
  if (sc->pos != sc->n)
    return scan_fail (sc, "unexpected text after the closing '}'");
  if (!h->have_descr || !h->have_fortran || !h->have_shape)
    {
      sc->pos = 0;
      return scan_fail (sc, !h->have_descr ? "the key 'descr' is missing"
                        : !h->have_fortran ? "the key 'fortran_order' is missing"
                        : "the key 'shape' is missing");
    }
  return FGA_OK;
}

/* "'<f4' (little-endian float32)": what a descr means, for the message that
   refuses it.  */
static void
describe_descr (char *buf, size_t size, const char *d)
{
  const char *order = NULL, *kind = NULL, *suffix = "";
  char *end = (char *) "";
  switch (d[0])
    {
    case '<': order = "little-endian "; break;
    case '>': order = "big-endian "; break;
    case '=': order = "native-order "; break;
    case '|': order = ""; break;
    default: break;
    }
  if (order != NULL && d[1] != '\0')
    {
      switch (d[1])
        {
        case 'f': kind = "float"; break;
        case 'i': kind = "int"; break;
        case 'u': kind = "uint"; break;
        case 'c': kind = "complex"; break;
        case 'b': kind = "bool"; break;
        case '?': kind = "bool"; break;
        case 'S': kind = "bytes"; break;
        case 'U': kind = "unicode string"; break;
        case 'V': kind = "void (raw bytes)"; break;
        case 'O': kind = "Python object"; break;
        case 'M': kind = "datetime64"; break;
        case 'm': kind = "timedelta64"; break;
        default: break;
        }
    }
  long bytes = kind != NULL && d[2] >= '0' && d[2] <= '9' ? strtol (d + 2, &end, 10) : -1;
  int numeric = d[1] == 'f' || d[1] == 'i' || d[1] == 'u' || d[1] == 'c';
  /* numpy writes '|' on numbers only when they have one byte; on wider ones
     the byte order is missing, which is why '|f8' is refused too.  */
  if (d[0] == '|' && numeric && bytes > 1)
    suffix = " without a byte order";
  if (kind == NULL)
    snprintf (buf, size, "'%s'", d);
  else if (bytes > 0 && *end == '\0' && numeric)
    snprintf (buf, size, "'%s' (%s%s%ld%s)", d, order, kind, bytes * 8, suffix);
  else
    snprintf (buf, size, "'%s' (%s%s%s)", d, order, kind, suffix);
}

/* ------------------------------------------------------------------ */
/* Reading: the file opened, its preamble (magic, version, header length),
   the header parsed, the dict validated against the file's length, then the
   data.  Each step leaves the file open for fga_npy_read to close.  */

typedef struct
{
  const char *path;
  FILE *fp;
  int regular;                 /* a regular file: st_size is its length */
  struct stat st;
  unsigned major;              /* the format version, major.0 */
  unsigned long hlen;          /* the header's length in bytes */
  size_t offset;               /* where the data starts */
} npy_file_t;

/* For regular files the sizes are checked against the file's length
   before anything is allocated; pipes are checked as they are read.  On
   failure nothing is left open.  */
static int
npy_open (npy_file_t *f, const char *path, fga_error *err)
{
  memset (f, 0, sizeof *f);
  f->path = path;
  f->fp = fopen (path, "rb");
  if (f->fp == NULL)
    return fgap_error_set (err, errno == ENOENT || errno == ENOTDIR ? FGA_ERR_INPUT : FGA_ERR_IO,
                          "%s: cannot open: %s", path, strerror (errno));
  int rc = FGA_OK;
  if (fstat (fileno (f->fp), &f->st) != 0)
    rc = read_failed (path, err);
  else if (S_ISDIR (f->st.st_mode))
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: is a folder, not an NPY file", path);
  if (rc != FGA_OK)
    {
      fclose (f->fp);
      f->fp = NULL;
      return rc;
    }
  f->regular = S_ISREG (f->st.st_mode);
  return FGA_OK;
}

/* The magic string, the version and the header length; f->major, f->hlen
   and f->offset.  */
static int
read_preamble (npy_file_t *f, fga_error *err)
{
  const char *path = f->path;
  unsigned char pre[12];
  size_t got = read_bytes (pre, 8, f->fp);
  if (got < 8 && ferror (f->fp))
    return read_failed (path, err);
  if (got < 8 || memcmp (pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
    {
      char hex[40] = "", text[64];
      for (size_t i = 0; i < got; i++)
        snprintf (hex + 3 * i, sizeof hex - 3 * i, "%02x ", pre[i]);
      hex[got > 0 ? 3 * got - 1 : 0] = '\0';
      escape_bytes (text, sizeof text, pre, got);
      if (got == 0)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: not an NPY file: the file is empty", path);
      return fgap_error_set (err, FGA_ERR_INPUT,
                            "%s: not an NPY file: the first bytes are %s (\"%s\"), not "
                            "\\x93NUMPY followed by a version", path, hex, text);
    }
  f->major = pre[6];
  unsigned minor = pre[7];
  if (!((f->major == 1 || f->major == 2 || f->major == 3) && minor == 0))
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: unknown NPY format version %u.%u (fgattn reads 1.0, 2.0 and 3.0)",
                          path, f->major, minor);
  size_t lenbytes = f->major == 1 ? 2 : 4;
  got = read_bytes (pre + 8, lenbytes, f->fp);
  if (got < lenbytes)
    {
      if (ferror (f->fp))
        return read_failed (path, err);
      return fgap_error_set (err, FGA_ERR_INPUT,
                            "%s: truncated NPY file: it ends inside the header length", path);
    }
  f->hlen = 0;
  for (size_t i = lenbytes; i-- > 0;)
    f->hlen = (f->hlen << 8) | pre[8 + i];
  if (f->hlen > NPY_HEADER_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: the NPY header claims %lu bytes, more than the %d fgattn "
                          "accepts (a float64 matrix needs about 120)", path, f->hlen,
                          NPY_HEADER_MAX);
  f->offset = 8 + lenbytes + (size_t) f->hlen;
  if (f->regular && (uintmax_t) f->st.st_size < f->offset)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: truncated NPY file: the header claims %lu bytes but the file "
                          "ends %jd bytes into it", path, f->hlen,
                          (intmax_t) f->st.st_size - (intmax_t) (8 + lenbytes));
  return FGA_OK;
}

/* The header text, read and parsed into h; *text (the caller frees it) holds
   it for the messages, which quote it.  */
static int
read_header (char **text, header_t *h, npy_file_t *f, fga_error *err)
{
  *text = fgap_alloc (f->hlen, "the NPY header", err);
  if (*text == NULL)
    return FGA_ERR_NOMEM;
  size_t got = read_bytes (*text, f->hlen, f->fp);
  if (got < f->hlen)
    {
      if (ferror (f->fp))
        return read_failed (f->path, err);
      return fgap_error_set (err, FGA_ERR_INPUT,
                            "%s: truncated NPY file: the header claims %lu bytes, found %zu",
                            f->path, f->hlen, got);
    }
  scan_t sc = { f->path, *text, f->hlen, 0, f->major <= 2, err };
  return scan_header (&sc, h);
}

/* What a header describes, once checked: the matrix and its data in the
   file (dtypes[type], bytes of them).  */
typedef struct
{
  size_t rows, cols;
  size_t type;                 /* index in dtypes */
  size_t bytes;                /* of data in the file: rows cols dtypes[type].size */
} layout_t;

/* The index in dtypes of the descr h holds, or a refusal naming it.  */
static int
check_descr (size_t *type, const header_t *h, const char *text, const char *path,
             fga_error *err)
{
  for (size_t k = 0; h->descr_is_string && k < sizeof dtypes / sizeof dtypes[0]; k++)
    if (strcmp (h->descr, dtypes[k].descr) == 0)
      {
        *type = k;
        return FGA_OK;
      }
  char what[160];
  if (h->descr_is_string)
    describe_descr (what, sizeof what, h->descr);
  else
    snprintf (what, sizeof what, "%.*s (%s)", (int) (h->descr_len < 80 ? h->descr_len : 80),
              text + h->descr_at, text[h->descr_at] == '[' ? "a structured dtype"
              : "too long to be a plain dtype");
  return fgap_error_set (err, FGA_ERR_INPUT,
                        "%s: dtype %s is not supported: fgattn reads little-endian float64, "
                        "float32 and float16 ('<f8', '<f4', '<f2') only", path, what);
}

/* What the header describes, checked in the order a reader of the message
   would want: the type, the layout, then the sizes, against the file's
   length when it has one.  shape is the header's text of the shape.  */
static int
check_dict (layout_t *lay, const header_t *h, const char *text, const char *shape,
            const npy_file_t *f, fga_error *err)
{
  const char *path = f->path;
  int rc = check_descr (&lay->type, h, text, path, err);
  if (rc != FGA_OK)
    return rc;
  if (h->fortran)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: fortran_order is True (column-major data): fgattn reads C order "
                          "only (numpy.ascontiguousarray makes it so)", path);
  if (h->naxes != 1 && h->naxes != 2)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: shape %s has %zu dimensions: fgattn reads matrices (r, c) and "
                          "vectors (r,)", path, shape, h->naxes);
  size_t count, wide;
  lay->rows = h->axis[0];
  lay->cols = h->naxes == 2 ? h->axis[1] : 1;
  /* The doubles read must be countable too, not only the file's bytes.  */
  if (h->axis_overflow || fgap_size_mul (&count, lay->rows, lay->cols)
      || fgap_size_mul (&wide, count, sizeof (double))
      || fgap_size_mul (&lay->bytes, count, dtypes[lay->type].size))
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: shape %s: the data would need more bytes than size_t can "
                          "count", path, shape);
  if (f->regular && (uintmax_t) f->st.st_size - f->offset != lay->bytes)
    {
      uintmax_t found = (uintmax_t) f->st.st_size - f->offset;
      if (found < lay->bytes)
        return fgap_error_set (err, FGA_ERR_INPUT,
                              "%s: truncated NPY file: shape %s expected %zu bytes of data, "
                              "found %ju", path, shape, lay->bytes, found);
      return fgap_error_set (err, FGA_ERR_INPUT,
                            "%s: %ju trailing bytes after the %zu bytes of data of shape %s",
                            path, found - lay->bytes, lay->bytes, shape);
    }
  return FGA_OK;
}

/* The data, into m (initialised here; cleared again on failure), and
   nothing after it.  float32 and float16 data are read into the start of
   m's storage, then widened in place.  */
static int
read_data (fga_mat_ptr m, const layout_t *lay, const char *shape, npy_file_t *f,
           fga_error *err)
{
  int rc = fga_mat_init (m, lay->rows, lay->cols, err);
  if (rc != FGA_OK)
    return rc;
  size_t bytes = lay->bytes, got = read_bytes (m->data, bytes, f->fp);
  if (got < bytes)
    {
      if (ferror (f->fp))
        rc = read_failed (f->path, err);
      else
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: truncated NPY file: shape %s expected "
                            "%zu bytes of data, found %zu", f->path, shape, bytes, got);
      fga_mat_clear (m);
      return rc;
    }
  /* Checked for regular files above; a pipe or a file that grew since is
     caught here.  */
  size_t extra = 0;
  unsigned char sink[4096];
  while ((got = read_bytes (sink, sizeof sink, f->fp)) > 0)
    extra += got;
  if (ferror (f->fp))
    rc = read_failed (f->path, err);
  else if (extra > 0)
    rc = fgap_error_set (err, FGA_ERR_INPUT,
                        "%s: %zu trailing bytes after the %zu bytes of data of shape %s",
                        f->path, extra, bytes, shape);
  if (rc != FGA_OK)
    {
      fga_mat_clear (m);
      return rc;
    }
  size_t count = lay->rows * lay->cols;
  if (dtypes[lay->type].size != 8)
    widen (m->data, count, dtypes[lay->type].size);
  else if (!host_is_little_endian ())
    swap_from_le (m->data, count);
  return FGA_OK;
}

/* The file at path opened and its header checked into lay; with m not
   NULL, its data read into m too.  */
static int
npy_read (fga_mat_ptr m, layout_t *lay, const char *path, fga_error *err)
{
  npy_file_t f;
  int rc = npy_open (&f, path, err);
  if (rc != FGA_OK)
    return rc;
  header_t h;
  char *text = NULL, shape[208] = "";
  if ((rc = read_preamble (&f, err)) == FGA_OK
      && (rc = read_header (&text, &h, &f, err)) == FGA_OK)
    {
      snprintf (shape, sizeof shape, "%.*s", (int) (h.shape_len < 200 ? h.shape_len : 200),
                text + h.shape_at);
      rc = check_dict (lay, &h, text, shape, &f, err);
    }
  fgap_free (text);
  if (rc == FGA_OK && m != NULL)
    rc = read_data (m, lay, shape, &f, err);
  fclose (f.fp);
  return rc;
}

/* m must hold nothing when called (uninitialised, or cleared): the read
   initialises it with fga_mat_init, and whatever it held before would leak.
   On failure m is a valid 0 x 0 matrix, which fga_mat_clear accepts.  */
int
fga_npy_read_dtype (fga_mat_ptr m, fga_npy_dtype *dtype, const char *path, fga_error *err)
{
  m->rows = 0;
  m->cols = 0;
  m->data = NULL;
  layout_t lay;
  int rc = npy_read (m, &lay, path, err);
  if (rc == FGA_OK && dtype != NULL)
    *dtype = dtypes[lay.type].dtype;
  return rc;
}

int
fga_npy_read (fga_mat_ptr m, const char *path, fga_error *err)
{
  return fga_npy_read_dtype (m, NULL, path, err);
}

int
fga_npy_peek (fga_npy_dtype *dtype, size_t *rows, size_t *cols, const char *path,
              fga_error *err)
{
  layout_t lay;
  int rc = npy_read (NULL, &lay, path, err);
  if (rc != FGA_OK)
    return rc;
  if (dtype != NULL)
    *dtype = dtypes[lay.type].dtype;
  if (rows != NULL)
    *rows = lay.rows;
  if (cols != NULL)
    *cols = lay.cols;
  return FGA_OK;
}

/* "input Q (DIR/Q.npy): float32 widened exactly to float64", for each of
   the instance's files that is not float64, joined by "; ".  Only regular
   files are looked at (a pipe's header would be consumed), and a file
   whose header no longer reads is passed over: the note describes files
   already read.  */
size_t
fga_instance_dtype_note (char *buf, size_t size, const char *dir)
{
  static const char *const names[3] = { "Q", "K", "V" };
  size_t count = 0, len = 0;
  if (size > 0)
    buf[0] = '\0';
  for (int k = 0; k < 3; k++)
    {
      char path[4200];
      struct stat st;
      fga_npy_dtype dt;
      fga_error err;
      size_t n = strlen (dir);
      snprintf (path, sizeof path, "%s%s%s.npy", dir, n > 0 && dir[n - 1] == '/' ? "" : "/",
                names[k]);
      if (stat (path, &st) != 0 || !S_ISREG (st.st_mode)
          || fga_npy_peek (&dt, NULL, NULL, path, &err) != FGA_OK || dt == FGA_NPY_F8)
        continue;
      if (len < size)
        len += (size_t) snprintf (buf + len, size - len, "%sinput %s (%s): %s widened exactly "
                                  "to float64", count > 0 ? "; " : "", names[k], path,
                                  fga_npy_dtype_name (dt));
      count++;
    }
  return count;
}

/* Version 1.0, byte for byte as numpy.save writes it: the keys sorted, the
   repr of each value followed by ", ", spaces for the first axis to grow to
   NPY_GROWTH_DIGITS digits, then spaces and '\n' up to a multiple of
   NPY_ALIGN bytes from the start of the file.  */
static int
npy_write (const char *path, const double *x, size_t rows, size_t cols, int vector,
           fga_error *err)
{
  size_t count, bytes;
  if (fgap_size_mul (&count, rows, cols) || fgap_size_mul (&bytes, count, sizeof (double)))
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: a %zu x %zu matrix needs more bytes than size_t can count",
                          path, rows, cols);
  if (x == NULL && count > 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: no data to write", path);

  char shape[64], dict[160], first[24];
  if (vector)
    snprintf (shape, sizeof shape, "(%zu,)", rows);
  else
    snprintf (shape, sizeof shape, "(%zu, %zu)", rows, cols);
  int growth = NPY_GROWTH_DIGITS - snprintf (first, sizeof first, "%zu", rows);
  snprintf (dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }%*s",
            shape, growth > 0 ? growth : 0, "");
  size_t dictlen = strlen (dict);
  size_t pad = NPY_ALIGN - (NPY_MAGIC_LEN + 2 + 2 + dictlen + 1) % NPY_ALIGN;
  size_t hlen = dictlen + pad + 1;
  unsigned char pre[10];
  memcpy (pre, NPY_MAGIC, NPY_MAGIC_LEN);
  pre[6] = 1;
  pre[7] = 0;
  pre[8] = (unsigned char) (hlen & 0xff);
  pre[9] = (unsigned char) (hlen >> 8);

  fga_atomic_file af;
  int rc = fga_atomic_open (&af, path, err);
  if (rc != FGA_OK)
    return rc;
  fwrite (pre, 1, sizeof pre, af.fp);
  fputs (dict, af.fp);
  fprintf (af.fp, "%*s\n", (int) pad, "");
  if (count > 0 && host_is_little_endian ())
    fwrite (x, sizeof (double), count, af.fp);
  else
    {
      unsigned char buf[8 * 512];
      for (size_t k = 0; k < count; k += 512)
        {
          size_t n = count - k < 512 ? count - k : 512;
          for (size_t i = 0; i < n; i++)
            store_le (buf + 8 * i, x[k + i]);
          fwrite (buf, 8, n, af.fp);
        }
    }
  /* A failed fwrite sets the stream's error flag, which commit checks: it
     then removes the temporary and reports the failure.  */
  return fga_atomic_commit (&af, err);
}

int
fga_npy_write (const char *path, fga_mat_srcptr m, fga_error *err)
{
  return npy_write (path, m->data, m->rows, m->cols, 0, err);
}

int
fga_npy_write_vector (const char *path, const double *x, size_t n, fga_error *err)
{
  return npy_write (path, x, n, 1, 1, err);
}
