/* t-npy -- NPY files: numpy's own files read, numpy's bytes written, every refusal named */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "testutil.h"

#ifndef FGA_FIXTURES
# error "FGA_FIXTURES must name the folder of the NPY fixtures"
#endif

/* The values tests/fixtures/make_fixtures.py gives numpy, in the same hex. */
static const double m34[12] = {
  0x1p+0, -0x0p+0, 0x1.999999999999ap-4, 0x1.5555555555555p-2,
  0x0.0000000000001p-1022, -0x0.fffffffffffffp-1022, 0x1.1ccf385ebc8a0p+1023,
  -0x1.56e1fc2f8f359p-997,
  0x1.921fb54442d18p+1, -0x1.4p+1, 0x0p+0, 0x1.fffffffffffffp+1023
};
static const double vec5[5] = { 0x1p-1, -0x1.4p+0, 0x0.0b8157268fdafp-1022, 0x1.8p+1, -0x1.cp+2 };
static const double small23[6] = { 1.5, -2.0, 0.25, 4.0, -0.5, 8.0 };

/* A fresh folder per test, removed with its files afterwards.  */
static char tmpdir[64];

static void
make_tmpdir (void)
{
  snprintf (tmpdir, sizeof tmpdir, "/tmp/fga-t-npy-XXXXXX");
  ck_assert_msg (mkdtemp (tmpdir) != NULL, "mkdtemp: %s", strerror (errno));
}

static void
remove_tmpdir (void)
{
  DIR *dp = opendir (tmpdir);
  if (dp == NULL)
    return;
  struct dirent *e;
  char path[512];
  while ((e = readdir (dp)) != NULL)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      {
        snprintf (path, sizeof path, "%s/%s", tmpdir, e->d_name);
        unlink (path);
      }
  closedir (dp);
  rmdir (tmpdir);
}

static void
tmp_path (char *buf, size_t size, const char *name)
{
  snprintf (buf, size, "%s/%s", tmpdir, name);
}

static void
fixture_path (char *buf, size_t size, const char *name)
{
  snprintf (buf, size, "%s/%s", FGA_FIXTURES, name);
}

static void
write_file (const char *path, const void *bytes, size_t n)
{
  FILE *fp = fopen (path, "wb");
  ck_assert_msg (fp != NULL, "%s: %s", path, strerror (errno));
  if (n > 0)
    ck_assert_uint_eq (fwrite (bytes, 1, n, fp), n);
  ck_assert_int_eq (fclose (fp), 0);
}

/* The whole file in a malloc'd buffer.  */
static unsigned char *
slurp (const char *path, size_t *n)
{
  FILE *fp = fopen (path, "rb");
  ck_assert_msg (fp != NULL, "%s: %s", path, strerror (errno));
  size_t cap = 1 << 16;
  unsigned char *b = malloc (cap);
  *n = fread (b, 1, cap, fp);
  ck_assert_msg (feof (fp), "%s: larger than the test expects", path);
  fclose (fp);
  return b;
}

/* An NPY file with the given version and header text; when pad is set the
   header is padded with spaces and '\n' to a multiple of 64 bytes, as
   numpy does; then the n bytes of data.  */
static void
write_npy_bytes (const char *path, int major, int minor, const char *header, int pad,
                 const unsigned char *data, size_t n)
{
  unsigned char buf[4096];
  size_t lenbytes = major == 1 ? 2 : 4, pre = 8 + lenbytes, hlen = strlen (header);
  size_t padded = hlen;
  if (pad)
    padded = hlen + 64 - (pre + hlen + 1) % 64 + 1;
  ck_assert (pre + padded + n < sizeof buf);
  memcpy (buf, "\x93NUMPY", 6);
  buf[6] = (unsigned char) major;
  buf[7] = (unsigned char) minor;
  for (size_t i = 0; i < lenbytes; i++)
    buf[8 + i] = (unsigned char) (padded >> (8 * i));
  memcpy (buf + pre, header, hlen);
  memset (buf + pre + hlen, ' ', padded - hlen);
  if (pad)
    buf[pre + padded - 1] = '\n';
  if (n > 0)
    memcpy (buf + pre + padded, data, n);
  write_file (path, buf, pre + padded + n);
}

/* The same with `ndata' doubles (little-endian, this test runs on such
   hosts or compares bytes only) followed by `extra' zero bytes, or
   `ndata' whole doubles minus `cut' bytes.  */
static void
write_npy (const char *path, int major, int minor, const char *header, int pad,
           const double *data, size_t ndata, size_t extra, size_t cut)
{
  unsigned char buf[2048];
  size_t n = 0;
  ck_assert (8 * ndata + extra < sizeof buf);
  for (size_t k = 0; k < ndata; k++)
    {
      uint64_t u;
      memcpy (&u, &data[k], 8);
      for (int i = 0; i < 8; i++)
        buf[n++] = (unsigned char) (u >> (8 * i));
    }
  memset (buf + n, 0, extra);
  n += extra;
  write_npy_bytes (path, major, minor, header, pad, buf, n - cut);
}

static int
same_bits (double a, double b)
{
  return memcmp (&a, &b, sizeof a) == 0;
}

static void
assert_matrix_bits (fga_mat_srcptr m, size_t rows, size_t cols, const double *want,
                    const char *what)
{
  ck_assert_msg (m->rows == rows && m->cols == cols, "%s: read %zu x %zu, expected %zu x %zu",
                 what, m->rows, m->cols, rows, cols);
  for (size_t k = 0; k < rows * cols; k++)
    ck_assert_msg (same_bits (m->data[k], want[k]), "%s: entry %zu is %a, expected %a", what,
                   k, m->data[k], want[k]);
}

/* The message names the file and says what is wrong.  */
static void
assert_refused (int rc, const fga_error *err, int code, const char *path, const char *want,
                fga_mat_srcptr m)
{
  ck_assert_msg (rc == code, "%s: returned %d, expected %d (%s)", path, rc, code, err->msg);
  ck_assert_int_eq (err->code, code);
  ck_assert_msg (strncmp (err->msg, path, strlen (path)) == 0,
                 "the message does not start with the path %s: %s", path, err->msg);
  ck_assert_msg (strstr (err->msg, want) != NULL, "the message lacks \"%s\": %s", want,
                 err->msg);
  if (m != NULL)
    ck_assert_msg (m->rows == 0 && m->cols == 0 && m->data == NULL,
                   "a refused read left a %zu x %zu matrix", m->rows, m->cols);
}

/* ------------------------------------------------------------------ */
/* numpy's files.  */

static const struct
{
  const char *file;
  size_t rows, cols;
  const double *values;
} good_fixtures[] = {
  { "m34.npy", 3, 4, m34 },
  { "vec5.npy", 5, 1, vec5 },           /* shape (5,) reads as a column */
  { "v2.npy", 2, 3, small23 },          /* format version 2.0 */
  { "v3.npy", 2, 3, small23 },          /* format version 3.0 */
  { "empty03.npy", 0, 3, NULL },
};

START_TEST (test_read_fixture)
{
  char path[4096];
  fga_mat_t m;
  fga_error err;
  fga_error_init (&err);
  fixture_path (path, sizeof path, good_fixtures[_i].file);
  int rc = fga_npy_read (m, path, &err);
  ck_assert_msg (rc == FGA_OK, "%s: %s", path, err.msg);
  assert_matrix_bits (m, good_fixtures[_i].rows, good_fixtures[_i].cols,
                      good_fixtures[_i].values, path);
  fga_mat_clear (m);
}
END_TEST

static const struct
{
  const char *file;
  int code;
  const char *want;
} bad_fixtures[] = {
  { "be.npy", FGA_ERR_INPUT, "dtype '>f8' (big-endian float64) is not supported" },
  { "i8.npy", FGA_ERR_INPUT, "dtype '<i8' (little-endian int64) is not supported" },
  { "fortran.npy", FGA_ERR_INPUT, "fortran_order is True" },
  { "d3.npy", FGA_ERR_INPUT, "shape (2, 2, 2) has 3 dimensions" },
  { "scalar.npy", FGA_ERR_INPUT, "shape () has 0 dimensions" },
  { "truncated.npy", FGA_ERR_INPUT, "expected 96 bytes of data, found 91" },
  { "no-such-file.npy", FGA_ERR_INPUT, "cannot open" },
};

START_TEST (test_refuse_fixture)
{
  char path[4096];
  fga_mat_t m;
  fga_error err;
  fga_error_init (&err);
  fixture_path (path, sizeof path, bad_fixtures[_i].file);
  int rc = fga_npy_read (m, path, &err);
  assert_refused (rc, &err, bad_fixtures[_i].code, path, bad_fixtures[_i].want, m);
  fga_mat_clear (m);
}
END_TEST

/* numpy's float32 file, np.array([[1, 2], [3, 4]], dtype='<f4'): read
   widened, and said to be float32, by the read and by the peek.  */
START_TEST (test_read_f4_fixture)
{
  static const double want[4] = { 1, 2, 3, 4 };
  char path[4096];
  fga_mat_t m;
  fga_error err;
  fga_error_init (&err);
  fixture_path (path, sizeof path, "f4.npy");
  fga_npy_dtype dt = FGA_NPY_F8;
  int rc = fga_npy_read_dtype (m, &dt, path, &err);
  ck_assert_msg (rc == FGA_OK, "%s: %s", path, err.msg);
  ck_assert_int_eq (dt, FGA_NPY_F4);
  assert_matrix_bits (m, 2, 2, want, path);
  fga_mat_clear (m);
  size_t rows = 0, cols = 0;
  dt = FGA_NPY_F8;
  ck_assert_int_eq (fga_npy_peek (&dt, &rows, &cols, path, &err), FGA_OK);
  ck_assert (dt == FGA_NPY_F4 && rows == 2 && cols == 2);
  ck_assert_str_eq (fga_npy_dtype_name (dt), "float32");
}
END_TEST

/* ------------------------------------------------------------------ */
/* float32 and float16 written by hand, bit pattern by bit pattern, with
   the doubles they are (worked out from the IEEE 754 layouts: binary32 has
   8 exponent bits of bias 127 and 23 fraction bits, binary16 5 of bias 15
   and 10; a subnormal is f 2^-149, resp. f 2^-24).  */

static const struct
{
  uint32_t bits;
  double value;
} f4_cases[] = {
  { 0x3f800000, 0x1p+0 },
  { 0x80000000, -0x0p+0 },
  { 0x00000001, 0x1p-149 },             /* the least subnormal */
  { 0x80000001, -0x1p-149 },
  { 0x007fffff, 0x1.fffffcp-127 },      /* the largest subnormal, 2^-126 - 2^-149 */
  { 0x00800000, 0x1p-126 },             /* the least normal */
  { 0x7f7fffff, 0x1.fffffep+127 },      /* the largest finite */
  { 0xff7fffff, -0x1.fffffep+127 },
  { 0x3dcccccd, 0x1.99999ap-4 },        /* float32 (0.1) */
  { 0xc0600000, -0x1.cp+1 },            /* -3.5 */
  { 0x00400001, 0x1.000004p-127 },      /* a subnormal with its last bit set */
  { 0x7f800000, HUGE_VAL },
  { 0xff800000, -HUGE_VAL },
};

static const struct
{
  uint16_t bits;
  double value;
} f2_cases[] = {
  { 0x3c00, 0x1p+0 },
  { 0x8000, -0x0p+0 },
  { 0x0001, 0x1p-24 },                  /* the least subnormal */
  { 0x8001, -0x1p-24 },
  { 0x03ff, 0x1.ff8p-15 },              /* the largest subnormal, 2^-14 - 2^-24 */
  { 0x0400, 0x1p-14 },                  /* the least normal */
  { 0x7bff, 0x1.ffcp+15 },              /* the largest finite, 65504 */
  { 0xfbff, -0x1.ffcp+15 },
  { 0x3555, 0x1.554p-2 },               /* float16 (1/3) */
  { 0xc500, -0x1.4p+2 },                /* -5 */
  { 0x0201, 0x1.008p-15 },              /* a subnormal with its last bit set */
  { 0x7c00, HUGE_VAL },
  { 0xfc00, -HUGE_VAL },
};

#define N_F4 (sizeof f4_cases / sizeof f4_cases[0])
#define N_F2 (sizeof f2_cases / sizeof f2_cases[0])

/* The little-endian bytes of n values of size bytes each.  */
static void
le_bytes (unsigned char *out, const uint32_t *v, size_t n, size_t size)
{
  for (size_t k = 0; k < n; k++)
    for (size_t i = 0; i < size; i++)
      out[k * size + i] = (unsigned char) (v[k] >> (8 * i));
}

/* Writes the values as a (n,) file of the given descr and reads it back. */
static void
check_narrow (const char *descr, fga_npy_dtype want_dt, const uint32_t *bits,
              const double *want, size_t n, size_t size)
{
  char path[4096], header[128];
  unsigned char data[256];
  tmp_path (path, sizeof path, "narrow.npy");
  snprintf (header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (%zu,), }",
            descr, n);
  le_bytes (data, bits, n, size);
  write_npy_bytes (path, 1, 0, header, 1, data, n * size);
  fga_mat_t m;
  fga_error err;
  fga_error_init (&err);
  fga_npy_dtype dt = FGA_NPY_F8;
  int rc = fga_npy_read_dtype (m, &dt, path, &err);
  ck_assert_msg (rc == FGA_OK, "%s: %s", descr, err.msg);
  ck_assert_int_eq (dt, want_dt);
  assert_matrix_bits (m, n, 1, want, descr);
  fga_mat_clear (m);
}

START_TEST (test_read_f4)
{
  uint32_t bits[N_F4];
  double want[N_F4];
  for (size_t k = 0; k < N_F4; k++)
    {
      bits[k] = f4_cases[k].bits;
      want[k] = f4_cases[k].value;
    }
  check_narrow ("<f4", FGA_NPY_F4, bits, want, N_F4, 4);
}
END_TEST

START_TEST (test_read_f2)
{
  uint32_t bits[N_F2];
  double want[N_F2];
  for (size_t k = 0; k < N_F2; k++)
    {
      bits[k] = f2_cases[k].bits;
      want[k] = f2_cases[k].value;
    }
  check_narrow ("<f2", FGA_NPY_F2, bits, want, N_F2, 2);
}
END_TEST

/* NaN stays NaN in either width, quiet or signalling, with its sign (the
   caller refuses it); read as a 2 x 2 matrix, so rows are laid out too.  */
START_TEST (test_read_narrow_nan)
{
  static const uint32_t f4[4] = { 0x7fc00000, 0xffc00000, 0x7f800001, 0x3f800000 };
  static const uint32_t f2[4] = { 0x7e00, 0xfe00, 0x7c01, 0x3c00 };
  for (int w = 0; w < 2; w++)
    {
      char path[4096];
      unsigned char data[16];
      size_t size = w == 0 ? 4 : 2;
      tmp_path (path, sizeof path, "nan.npy");
      le_bytes (data, w == 0 ? f4 : f2, 4, size);
      write_npy_bytes (path, 1, 0, w == 0
                       ? "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"
                       : "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 2), }", 1,
                       data, 4 * size);
      fga_mat_t m;
      fga_error err;
      fga_error_init (&err);
      ck_assert_msg (fga_npy_read (m, path, &err) == FGA_OK, "%s", err.msg);
      ck_assert (m->rows == 2 && m->cols == 2);
      ck_assert (isnan (FGA_MAT (m, 0, 0)) && !signbit (FGA_MAT (m, 0, 0)));
      ck_assert (isnan (FGA_MAT (m, 0, 1)) && signbit (FGA_MAT (m, 0, 1)));
      ck_assert (isnan (FGA_MAT (m, 1, 0)));
      ck_assert (FGA_MAT (m, 1, 1) == 1);
      ck_assert_int_eq (fga_mat_check_finite (m, path, &err), FGA_ERR_INPUT);
      ck_assert_msg (strstr (err.msg, "entry (0, 0) is NaN") != NULL, "%s", err.msg);
      fga_mat_clear (m);
    }
}
END_TEST

/* The data's length counts the dtype's bytes, not a double's.  */
static const struct
{
  const char *header;
  size_t n;
  const char *want;
} narrow_sizes[] = {
  { "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 15,
    "truncated NPY file: shape (2, 2) expected 16 bytes of data, found 15" },
  { "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 32,
    "16 trailing bytes after the 16 bytes of data of shape (2, 2)" },
  { "{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }", 5,
    "expected 6 bytes of data, found 5" },
  { "{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }", 8,
    "2 trailing bytes after the 6 bytes of data of shape (3,)" },
  { "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", 16,
    "dtype '>f4' (big-endian float32) is not supported" },
  { "{'descr': '>f2', 'fortran_order': False, 'shape': (2, 2), }", 8,
    "dtype '>f2' (big-endian float16) is not supported" },
  { "{'descr': '|f2', 'fortran_order': False, 'shape': (2, 2), }", 8,
    "dtype '|f2' (float16 without a byte order) is not supported" },
  { "{'descr': '=f4', 'fortran_order': False, 'shape': (2, 2), }", 16,
    "dtype '=f4' (native-order float32) is not supported" },
  { "{'descr': '<f16', 'fortran_order': False, 'shape': (2, 2), }", 64,
    "dtype '<f16' (little-endian float128) is not supported" },
  { "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", 16,
    "fgattn reads little-endian float64, float32 and float16" },
  { "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 2), }", 16,
    "the data would need more bytes than size_t can count" },
};

START_TEST (test_narrow_sizes)
{
  char path[4096];
  unsigned char zeros[64] = { 0 };
  tmp_path (path, sizeof path, "size.npy");
  write_npy_bytes (path, 1, 0, narrow_sizes[_i].header, 1, zeros, narrow_sizes[_i].n);
  fga_mat_t m;
  fga_error err;
  fga_error_init (&err);
  int rc = fga_npy_read (m, path, &err);
  assert_refused (rc, &err, FGA_ERR_INPUT, path, narrow_sizes[_i].want, m);
  fga_mat_clear (m);
  rc = fga_npy_peek (NULL, NULL, NULL, path, &err);
  assert_refused (rc, &err, FGA_ERR_INPUT, path, narrow_sizes[_i].want, NULL);
}
END_TEST

/* The note of an instance folder names the widened files, in Q, K, V
   order, and nothing for float64.  */
START_TEST (test_instance_dtype_note)
{
  char path[4096], want[8192], note[8192];
  unsigned char data[16];
  static const uint32_t one4[4] = { 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000 };
  static const double one8[4] = { 1, 1, 1, 1 };
  tmp_path (path, sizeof path, "Q.npy");
  le_bytes (data, one4, 4, 4);
  write_npy_bytes (path, 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 1,
                   data, 16);
  tmp_path (path, sizeof path, "K.npy");
  write_npy (path, 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 1,
             one8, 4, 0, 0);
  ck_assert_uint_eq (fga_instance_dtype_note (note, sizeof note, tmpdir), 1);
  snprintf (want, sizeof want, "input Q (%s/Q.npy): float32 widened exactly to float64",
            tmpdir);
  ck_assert_str_eq (note, want);
  tmp_path (path, sizeof path, "V.npy");
  le_bytes (data, one4, 4, 2);
  write_npy_bytes (path, 1, 0, "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 2), }", 1,
                   data, 8);
  ck_assert_uint_eq (fga_instance_dtype_note (note, sizeof note, tmpdir), 2);
  snprintf (want, sizeof want, "input Q (%s/Q.npy): float32 widened exactly to float64; "
            "input V (%s/V.npy): float16 widened exactly to float64", tmpdir, tmpdir);
  ck_assert_str_eq (note, want);
  tmp_path (path, sizeof path, "Q.npy");
  write_npy (path, 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 1,
             one8, 4, 0, 0);
  tmp_path (path, sizeof path, "V.npy");
  unlink (path);
  ck_assert_uint_eq (fga_instance_dtype_note (note, sizeof note, tmpdir), 0);
  ck_assert_str_eq (note, "");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Headers that numpy (ast.literal_eval) accepts, in every spelling.  */

static const double d4[4] = { 1, -2, 0x1p-1074, -0.0 };

static const struct
{
  int major;
  const char *header;
  int pad;
  size_t rows, cols;
} good_headers[] = {
  { 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 1, 2, 2 },
  { 1, "{'shape': (2, 2), 'fortran_order': False, 'descr': '<f8'}", 1, 2, 2 },
  { 1, "{'fortran_order': False, 'descr': '<f8', 'shape': (4,)}", 1, 4, 1 },
  { 1, "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2, 2)}", 1, 2, 2 },
  { 1, "{ 'descr' : '<f8' , 'fortran_order' : False , 'shape' : ( 2 , 2 , ) , }", 1, 2, 2 },
  { 1, "{'descr':'<f8','fortran_order':False,'shape':(1,4)}", 0, 1, 4 },
  { 1, "\t{'descr': '<f8',\n 'fortran_order': False,\r\n 'shape': (4, 1)}\n", 0, 4, 1 },
  { 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 2L), }", 1, 2, 2 },
  { 2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 2), }", 1, 2, 2 },
  { 2, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", 0, 4, 1 },
  { 3, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 1, 2, 2 },
};

START_TEST (test_header_spellings)
{
  char path[4096];
  fga_mat_t m;
  fga_error err;
  fga_error_init (&err);
  tmp_path (path, sizeof path, "h.npy");
  write_npy (path, good_headers[_i].major, 0, good_headers[_i].header, good_headers[_i].pad,
             d4, 4, 0, 0);
  int rc = fga_npy_read (m, path, &err);
  ck_assert_msg (rc == FGA_OK, "header %s: %s", good_headers[_i].header, err.msg);
  assert_matrix_bits (m, good_headers[_i].rows, good_headers[_i].cols, d4,
                      good_headers[_i].header);
  fga_mat_clear (m);
}
END_TEST

/* Files made by hand, each wrong in one way.  */
static const struct
{
  int major, minor;
  const char *header;
  size_t ndata, extra, cut;
  const char *want;
} bad_headers[] = {
  { 1, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 4, 0, 0,
    "unknown NPY format version 1.1" },
  { 4, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 4, 0, 0,
    "unknown NPY format version 4.0" },
  { 0, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 4, 0, 0,
    "unknown NPY format version 0.0" },
  { 1, 0, "'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 4, 0, 0,
    "does not parse: expected '{'" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2)", 4, 0, 0,
    "does not parse: expected ',' or '}' after a value" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2)}}", 4, 0, 0,
    "does not parse: unexpected text after the closing '}'" },
  { 1, 0, "{'descr': '<f8", 4, 0, 0, "does not parse: unterminated string" },
  { 1, 0, "{'descr' '<f8', 'fortran_order': False, 'shape': (2, 2)}", 4, 0, 0,
    "does not parse: expected ':' after a key" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), 'extra': 1}", 4, 0, 0,
    "does not parse: unknown key" },
  { 1, 0, "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 2)}", 4, 0, 0,
    "does not parse: a key appears twice" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': False}", 4, 0, 0,
    "does not parse: the key 'shape' is missing" },
  { 1, 0, "{'shape': (2, 2), 'fortran_order': False}", 4, 0, 0,
    "does not parse: the key 'descr' is missing" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 2)}", 4, 0, 0,
    "does not parse: expected True or False for fortran_order" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': Falsey, 'shape': (2, 2)}", 4, 0, 0,
    "does not parse: expected True or False for fortran_order" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (4)}", 4, 0, 0,
    "does not parse: the shape is not a tuple" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': [2, 2]}", 4, 0, 0,
    "does not parse: expected the shape as a tuple" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, -2)}", 4, 0, 0,
    "does not parse: expected a non-negative integer" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2 2)}", 4, 0, 0,
    "does not parse: expected ',' or ')' in the shape" },
  { 1, 0, "{'descr': <f8, 'fortran_order': False, 'shape': (2, 2)}", 4, 0, 0,
    "does not parse: expected the descr as a string or a list" },
  /* numpy drops the Python 2 'L' suffix only in versions 1.0 and 2.0.  */
  { 3, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 2), }", 4, 0, 0,
    "does not parse: expected ',' or ')' in the shape" },
  { 1, 0, "{'descr': '|f8', 'fortran_order': False, 'shape': (2, 2), }", 4, 0, 0,
    "dtype '|f8' (float64 without a byte order) is not supported" },
  { 1, 0, "{'descr': '=f8', 'fortran_order': False, 'shape': (2, 2), }", 4, 0, 0,
    "dtype '=f8' (native-order float64) is not supported" },
  { 1, 0, "{'descr': '<c16', 'fortran_order': False, 'shape': (2, 2), }", 4, 0, 0,
    "dtype '<c16' (little-endian complex128) is not supported" },
  { 1, 0, "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }", 4, 0, 0,
    "dtype '|b1' (bool) is not supported" },
  { 1, 0, "{'descr': 'float64', 'fortran_order': False, 'shape': (2, 2), }", 4, 0, 0,
    "dtype 'float64' is not supported" },
  { 1, 0, "{'descr': [('a', '<f8'), ('b', '<f8')], 'fortran_order': False, 'shape': (2,), }",
    4, 0, 0, "structured dtype" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999, 2), }",
    4, 0, 0, "shape (99999999999999999999999, 2): the data would need more bytes than size_t" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }",
    4, 0, 0, "shape (2305843009213693952,): the data would need more bytes than size_t" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
    4, 0, 0, "the data would need more bytes than size_t can count" },
  /* Huge but countable: refused from the file's length, before allocating. */
  { 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000000000), }",
    4, 0, 0, "expected 8000000000000000000 bytes of data, found 32" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 4, 0, 1,
    "truncated NPY file: shape (2, 2) expected 32 bytes of data, found 31" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 0, 0, 0,
    "expected 32 bytes of data, found 0" },
  { 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 4, 8, 0,
    "8 trailing bytes after the 32 bytes of data of shape (2, 2)" },
  { 2, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 4, 0, 0,
    "8 trailing bytes after the 24 bytes of data of shape (3,)" },
};

START_TEST (test_refuse_header)
{
  char path[4096];
  fga_mat_t m;
  fga_error err;
  fga_error_init (&err);
  tmp_path (path, sizeof path, "bad.npy");
  write_npy (path, bad_headers[_i].major, bad_headers[_i].minor, bad_headers[_i].header, 1,
             d4, bad_headers[_i].ndata, bad_headers[_i].extra, bad_headers[_i].cut);
  int rc = fga_npy_read (m, path, &err);
  assert_refused (rc, &err, FGA_ERR_INPUT, path, bad_headers[_i].want, m);
  fga_mat_clear (m);
}
END_TEST

/* Files that are not NPY at all, or end before the header does.  */
static const struct
{
  const char *bytes;
  size_t n;
  const char *want;
} bad_raw[] = {
  { "", 0, "not an NPY file: the file is empty" },
  { "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16,
    "not an NPY file: the first bytes are 89 50 4e 47 0d 0a 1a 0a (\"\\x89PNG\\r\\n\\x1a\\n\")" },
  { "x,y\n1,2\n", 8, "not an NPY file: the first bytes are 78 2c 79 0a 31 2c 32 0a" },
  { "\x93NUM", 4, "not an NPY file: the first bytes are 93 4e 55 4d" },
  { "\x93NUMPX\x01\x00\x76\x00", 10, "not an NPY file" },
  { "\x93NUMPY\x01\x00\x76", 9, "truncated NPY file: it ends inside the header length" },
  { "\x93NUMPY\x02\x00\x76\x00\x00", 11, "truncated NPY file: it ends inside the header length" },
  { "\x93NUMPY\x01\x00\x76\x00{'descr'", 18,
    "truncated NPY file: the header claims 118 bytes but the file ends 8 bytes into it" },
  { "\x93NUMPY\x02\x00\xff\xff\xff\xff{'descr'", 20,
    "the NPY header claims 4294967295 bytes, more than" },
};

START_TEST (test_refuse_raw)
{
  char path[4096];
  fga_mat_t m;
  fga_error err;
  fga_error_init (&err);
  tmp_path (path, sizeof path, "raw.npy");
  write_file (path, bad_raw[_i].bytes, bad_raw[_i].n);
  int rc = fga_npy_read (m, path, &err);
  assert_refused (rc, &err, FGA_ERR_INPUT, path, bad_raw[_i].want, m);
  fga_mat_clear (m);
}
END_TEST

START_TEST (test_refuse_folder)
{
  fga_mat_t m;
  fga_error err;
  fga_error_init (&err);
  int rc = fga_npy_read (m, tmpdir, &err);
  assert_refused (rc, &err, FGA_ERR_INPUT, tmpdir, "is a folder", m);
  fga_mat_clear (m);
}
END_TEST

/* The data checks do not rely on the file's length only: a pipe has none. */
START_TEST (test_read_pipe)
{
  char path[4096], fifo[4096];
  tmp_path (path, sizeof path, "src.npy");
  tmp_path (fifo, sizeof fifo, "fifo.npy");
  ck_assert_int_eq (mkfifo (fifo, 0600), 0);
  static const struct { size_t ndata, extra, cut; int ok; const char *want; } cases[] = {
    { 4, 0, 0, 1, NULL },
    { 4, 0, 3, 0, "expected 32 bytes of data, found 29" },
    { 4, 5, 0, 0, "5 trailing bytes" },
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    {
      write_npy (path, 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 1,
                 d4, cases[c].ndata, cases[c].extra, cases[c].cut);
      size_t n;
      unsigned char *bytes = slurp (path, &n);
      fflush (NULL);
      pid_t pid = fork ();
      ck_assert_int_ge (pid, 0);
      if (pid == 0)
        {
          FILE *fp = fopen (fifo, "wb");
          fwrite (bytes, 1, n, fp);
          fclose (fp);
          _exit (0);
        }
      fga_mat_t m;
      fga_error err;
      fga_error_init (&err);
      int rc = fga_npy_read (m, fifo, &err);
      int status;
      waitpid (pid, &status, 0);
      free (bytes);
      if (cases[c].ok)
        {
          ck_assert_msg (rc == FGA_OK, "%s", err.msg);
          assert_matrix_bits (m, 2, 2, d4, fifo);
        }
      else
        assert_refused (rc, &err, FGA_ERR_INPUT, fifo, cases[c].want, m);
      fga_mat_clear (m);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Writing.  */

/* fga_npy_write's bytes are numpy.save's bytes, header padding included. */
START_TEST (test_numpy_bytes)
{
  static const struct { const char *file; size_t rows, cols; const double *x; int vector; }
  cases[] = {
    { "m34.npy", 3, 4, m34, 0 },
    { "vec5.npy", 5, 1, vec5, 1 },
    { "empty03.npy", 0, 3, NULL, 0 },
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    {
      char mine[4096], theirs[4096];
      fga_error err;
      fga_error_init (&err);
      tmp_path (mine, sizeof mine, cases[c].file);
      fixture_path (theirs, sizeof theirs, cases[c].file);
      int rc;
      if (cases[c].vector)
        rc = fga_npy_write_vector (mine, cases[c].x, cases[c].rows, &err);
      else
        {
          fga_mat_t m;
          fga_mat_init (m, cases[c].rows, cases[c].cols, NULL);
          for (size_t k = 0; k < cases[c].rows * cases[c].cols; k++)
            m->data[k] = cases[c].x[k];
          rc = fga_npy_write (mine, m, &err);
          fga_mat_clear (m);
        }
      ck_assert_msg (rc == FGA_OK, "%s", err.msg);
      size_t na, nb;
      unsigned char *a = slurp (mine, &na), *b = slurp (theirs, &nb);
      ck_assert_msg (na == nb, "%s: %zu bytes, numpy wrote %zu", cases[c].file, na, nb);
      for (size_t k = 0; k < na; k++)
        ck_assert_msg (a[k] == b[k], "%s: byte %zu is 0x%02x, numpy wrote 0x%02x",
                       cases[c].file, k, a[k], b[k]);
      free (a);
      free (b);
    }
}
END_TEST

/* Write then read gives the same bits, specials included: NaN (with a
   payload and a sign), infinities, -0, subnormals, the extremes.  Refusing
   them is the instance's business, not the file format's.  */
static const struct { size_t rows, cols; } round_trip_shapes[] = {
  { 0, 0 }, { 0, 3 }, { 3, 0 }, { 1, 1 }, { 1, 7 }, { 7, 1 }, { 13, 5 }, { 64, 65 },
};

START_TEST (test_round_trip)
{
  size_t rows = round_trip_shapes[_i].rows, cols = round_trip_shapes[_i].cols;
  uint64_t payload_nan_bits = UINT64_C (0x7ff8000000000123);
  uint64_t neg_nan_bits = UINT64_C (0xfff0000000000001);
  double specials[10];
  specials[0] = NAN;
  memcpy (&specials[1], &payload_nan_bits, 8);
  memcpy (&specials[2], &neg_nan_bits, 8);
  specials[3] = INFINITY;
  specials[4] = -INFINITY;
  specials[5] = -0.0;
  specials[6] = 0x1p-1074;
  specials[7] = -DBL_MAX;
  specials[8] = DBL_MIN;
  specials[9] = 0.1;
  unsigned long state = fga_test_seed () | 1;
  fga_mat_t m, r;
  fga_error err;
  fga_error_init (&err);
  ck_assert_int_eq (fga_mat_init (m, rows, cols, &err), FGA_OK);
  fga_test_fill_uniform (m, 1e3, &state);
  for (size_t k = 0; k < rows * cols; k += 3)
    m->data[k] = specials[(k / 3) % 10];

  char path[4096];
  tmp_path (path, sizeof path, "rt.npy");
  ck_assert_msg (fga_npy_write (path, m, &err) == FGA_OK, "%s", err.msg);
  ck_assert_msg (fga_npy_read (r, path, &err) == FGA_OK, "%s", err.msg);
  assert_matrix_bits (r, rows, cols, m->data, "round trip");
  fga_mat_clear (r);

  /* A vector reads back as a column.  */
  ck_assert_msg (fga_npy_write_vector (path, m->data, rows * cols, &err) == FGA_OK, "%s",
                 err.msg);
  ck_assert_msg (fga_npy_read (r, path, &err) == FGA_OK, "%s", err.msg);
  assert_matrix_bits (r, rows * cols, 1, m->data, "vector round trip");
  fga_mat_clear (r);
  fga_mat_clear (m);
  /* Nothing but the file itself is left in the folder.  */
  ck_assert_uint_eq (fga_test_count_entries (tmpdir), 1);
}
END_TEST

/* A write that fails leaves no file under the real name and no temporary. */
START_TEST (test_write_failure)
{
  char path[4096];
  fga_mat_t m;
  fga_error err;
  fga_error_init (&err);
  fga_mat_init (m, 64, 64, NULL);
  tmp_path (path, sizeof path, "big.npy");

  /* The file system refuses the data after 1000 bytes (EFBIG).  */
  struct rlimit old, lim;
  getrlimit (RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = 1000;
  void (*h) (int) = signal (SIGXFSZ, SIG_IGN);
  ck_assert_int_eq (setrlimit (RLIMIT_FSIZE, &lim), 0);
  int rc = fga_npy_write (path, m, &err);
  setrlimit (RLIMIT_FSIZE, &old);
  signal (SIGXFSZ, h);
  assert_refused (rc, &err, FGA_ERR_IO, path, "write failed", NULL);
  ck_assert_int_ne (access (path, F_OK), 0);
  ck_assert_uint_eq (fga_test_count_entries (tmpdir), 0);

  /* No such folder: the name is bad, nothing is written.  */
  tmp_path (path, sizeof path, "missing/big.npy");
  rc = fga_npy_write (path, m, &err);
  ck_assert_int_lt (rc, 0);
  ck_assert_msg (strstr (err.msg, path) != NULL, "%s", err.msg);
  ck_assert_uint_eq (fga_test_count_entries (tmpdir), 0);

  /* An existing file survives a failed overwrite unchanged.  */
  tmp_path (path, sizeof path, "keep.npy");
  write_file (path, "old", 3);
  getrlimit (RLIMIT_FSIZE, &old);
  signal (SIGXFSZ, SIG_IGN);
  ck_assert_int_eq (setrlimit (RLIMIT_FSIZE, &lim), 0);
  rc = fga_npy_write (path, m, &err);
  setrlimit (RLIMIT_FSIZE, &old);
  signal (SIGXFSZ, h);
  ck_assert_int_eq (rc, FGA_ERR_IO);
  size_t n;
  unsigned char *b = slurp (path, &n);
  ck_assert (n == 3 && memcmp (b, "old", 3) == 0);
  free (b);
  ck_assert_uint_eq (fga_test_count_entries (tmpdir), 1);
  fga_mat_clear (m);
}
END_TEST

/* Allocation failures are reported as such and leave m empty.  */
static int allocs_left;

static void *
failing_alloc (size_t bytes)
{
  return allocs_left-- > 0 ? malloc (bytes) : NULL;
}

START_TEST (test_nomem)
{
  char path[4096];
  fixture_path (path, sizeof path, "m34.npy");
  for (int allowed = 0; allowed < 2; allowed++)   /* the header, then the matrix */
    {
      fga_mat_t m;
      fga_error err;
      fga_error_init (&err);
      allocs_left = allowed;
      fga_set_alloc_hooks (failing_alloc, NULL);
      int rc = fga_npy_read (m, path, &err);
      fga_set_alloc_hooks (NULL, NULL);
      ck_assert_msg (rc == FGA_ERR_NOMEM, "allowed %d: %d %s", allowed, rc, err.msg);
      ck_assert (m->rows == 0 && m->cols == 0 && m->data == NULL);
      fga_mat_clear (m);
    }
}
END_TEST

static Suite *
npy_suite (void)
{
  Suite *s = suite_create ("npy");
  TCase *tc;

  tc = fga_test_tcase ("numpy fixtures", 10);
  tcase_add_loop_test (tc, test_read_fixture, 0, sizeof good_fixtures / sizeof good_fixtures[0]);
  tcase_add_loop_test (tc, test_refuse_fixture, 0, sizeof bad_fixtures / sizeof bad_fixtures[0]);
  tcase_add_test (tc, test_numpy_bytes);
  tcase_add_test (tc, test_read_f4_fixture);
  tcase_add_checked_fixture (tc, make_tmpdir, remove_tmpdir);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("float32 and float16", 10);
  tcase_add_test (tc, test_read_f4);
  tcase_add_test (tc, test_read_f2);
  tcase_add_test (tc, test_read_narrow_nan);
  tcase_add_loop_test (tc, test_narrow_sizes, 0, sizeof narrow_sizes / sizeof narrow_sizes[0]);
  tcase_add_test (tc, test_instance_dtype_note);
  tcase_add_checked_fixture (tc, make_tmpdir, remove_tmpdir);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("headers", 10);
  tcase_add_loop_test (tc, test_header_spellings, 0,
                       sizeof good_headers / sizeof good_headers[0]);
  tcase_add_loop_test (tc, test_refuse_header, 0, sizeof bad_headers / sizeof bad_headers[0]);
  tcase_add_loop_test (tc, test_refuse_raw, 0, sizeof bad_raw / sizeof bad_raw[0]);
  tcase_add_test (tc, test_refuse_folder);
  tcase_add_test (tc, test_read_pipe);
  tcase_add_checked_fixture (tc, make_tmpdir, remove_tmpdir);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("round trip", 10);
  tcase_add_loop_test (tc, test_round_trip, 0,
                       sizeof round_trip_shapes / sizeof round_trip_shapes[0]);
  tcase_add_checked_fixture (tc, make_tmpdir, remove_tmpdir);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("failures", 10);
  tcase_add_test (tc, test_write_failure);
  tcase_add_test (tc, test_nomem);
  tcase_add_checked_fixture (tc, make_tmpdir, remove_tmpdir);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (npy_suite ());
}
