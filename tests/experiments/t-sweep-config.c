/* t-sweep-config -- sweep configuration files: every field read, d and B per n, refusals with their line */

#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static fga_sweep_config cfg;

/* Writes text to a fresh temporary file; the caller unlinks it.  */
static void
write_conf (char *path, size_t size, const char *text)
{
  snprintf (path, size, "/tmp/fga-t-sweep-config-XXXXXX");
  int fd = mkstemp (path);
  ck_assert_msg (fd >= 0, "mkstemp: %s", strerror (errno));
  FILE *fp = fdopen (fd, "w");
  ck_assert (fp != NULL);
  fputs (text, fp);
  ck_assert_int_eq (fclose (fp), 0);
}

/* Reads text as a configuration; asserts that it is refused with code and a
   message "PATH:LINE: ..." containing want.  */
static void
check_refused (const char *text, int code, int line, const char *want)
{
  char path[64];
  write_conf (path, sizeof path, text);
  fga_error err;
  fga_error_init (&err);
  int rc = fga_sweep_config_read (&cfg, path, &err);
  char prefix[128];
  snprintf (prefix, sizeof prefix, "%s:%d: ", path, line);
  unlink (path);
  ck_assert_msg (rc == code, "expected code %d, got %d (%s) for:\n%s", code, rc, err.msg, text);
  ck_assert_int_eq (err.code, code);
  ck_assert_msg (strncmp (err.msg, prefix, strlen (prefix)) == 0,
                 "message '%s' does not start with '%s'", err.msg, prefix);
  ck_assert_msg (strstr (err.msg, want) != NULL, "message '%s' lacks '%s'", err.msg, want);
}

static void
read_ok (const char *text)
{
  char path[64];
  write_conf (path, sizeof path, text);
  fga_error err;
  fga_error_init (&err);
  int rc = fga_sweep_config_read (&cfg, path, &err);
  unlink (path);
  ck_assert_msg (rc == FGA_OK, "refused: %s\n%s", err.msg, text);
}

#define GRID "[grid]\nn = 256\nbeta = 1\n"
#define EXACT "[method e]\nspec = exact\n"

START_TEST (test_good_every_field)
{
  fga_error err;
  fga_error_init (&err);
  const char *path = FGA_FIXTURES "/sweep-good.conf";
  ck_assert_msg (fga_sweep_config_read (&cfg, path, &err) == FGA_OK, "%s", err.msg);
  ck_assert_str_eq (cfg.path, path);
  ck_assert_uint_eq (cfg.nn, 3);
  ck_assert_uint_eq (cfg.n[0], 256);
  ck_assert_uint_eq (cfg.n[1], 512);
  ck_assert_uint_eq (cfg.n[2], 1024);
  ck_assert_uint_eq (cfg.d_fixed, 0);
  ck_assert (cfg.d_coef == 1.5);
  ck_assert_int_eq (cfg.d_ceil, 1);
  ck_assert_uint_eq (cfg.dv_fixed, 4);
  ck_assert_int_eq (cfg.use_beta, 1);
  ck_assert_uint_eq (cfg.nb, 4);
  ck_assert (cfg.b[0] == 0.25 && cfg.b[1] == 0.5 && cfg.b[2] == 1 && cfg.b[3] == 1.5);
  ck_assert (cfg.Bv == 2);
  ck_assert_int_eq (cfg.dist, FGA_DIST_RADEMACHER);
  ck_assert_int_eq (cfg.tau.kind, FGA_TAU_INV_SQRT_D);
  ck_assert_uint_eq (cfg.nseeds, 3);
  ck_assert_uint_eq (cfg.seeds[0], 1);
  ck_assert_uint_eq (cfg.seeds[1], 2);
  ck_assert_uint_eq (cfg.seeds[2], 18446744073UL);
  ck_assert_uint_eq (cfg.mpfr_max_n, 512);
  ck_assert_int_eq (cfg.prec, 200);
  ck_assert_uint_eq (cfg.ntol, 2);
  ck_assert (cfg.tol[0] == -1 && cfg.tol[1] == 1e-3);
  ck_assert_uint_eq (cfg.rank_max_n, 4096);
  ck_assert_uint_eq (cfg.nmethods, 2);

  const fga_sweep_method *m = &cfg.methods[0];
  ck_assert_str_eq (m->label, "poly");
  ck_assert_str_eq (m->spec, "poly:basis=cheb");
  ck_assert_str_eq (m->size_key, "deg");
  ck_assert_uint_eq (m->nsizes, 4);
  ck_assert (m->sizes[0] == 2 && m->sizes[1] == 4 && m->sizes[2] == 6 && m->sizes[3] == 8);
  ck_assert_uint_eq (m->ntargets, 2);
  ck_assert (m->targets[0] == 1e-2 && m->targets[1] == 1e-4);
  ck_assert (m->max_size == 40);

  m = &cfg.methods[1];
  ck_assert_str_eq (m->label, "exact");
  ck_assert_str_eq (m->spec, "exact:algo=stream");
  ck_assert_str_eq (m->size_key, "");
  ck_assert_uint_eq (m->nsizes, 0);
  ck_assert_uint_eq (m->ntargets, 0);
  ck_assert (m->max_size == 0);

  /* ceil(1.5 log2 n): 12, 13.5 -> 14, 15.  */
  ck_assert_uint_eq (fga_sweep_config_d (&cfg, 256), 12);
  ck_assert_uint_eq (fga_sweep_config_d (&cfg, 512), 14);
  ck_assert_uint_eq (fga_sweep_config_d (&cfg, 1024), 15);
}
END_TEST

START_TEST (test_minimal_defaults)
{
  fga_error err;
  fga_error_init (&err);
  ck_assert_msg (fga_sweep_config_read (&cfg, FGA_FIXTURES "/sweep-minimal.conf", &err)
                 == FGA_OK, "%s", err.msg);
  ck_assert_uint_eq (cfg.nn, 1);
  ck_assert_uint_eq (cfg.n[0], 256);
  /* d defaults to ceil(log2 n) */
  ck_assert_uint_eq (cfg.d_fixed, 0);
  ck_assert (cfg.d_coef == 1);
  ck_assert_int_eq (cfg.d_ceil, 1);
  ck_assert_uint_eq (fga_sweep_config_d (&cfg, 256), 8);
  ck_assert_uint_eq (cfg.dv_fixed, 0);
  ck_assert_int_eq (cfg.use_beta, 0);
  ck_assert_uint_eq (cfg.nb, 2);
  ck_assert (cfg.b[0] == 0.5 && cfg.b[1] == 2);
  ck_assert (cfg.Bv == 0);
  ck_assert_int_eq (cfg.dist, FGA_DIST_UNIFORM);
  ck_assert_int_eq (cfg.tau.kind, FGA_TAU_INV_D);
  ck_assert_uint_eq (cfg.nseeds, 1);
  ck_assert_uint_eq (cfg.seeds[0], 1);
  ck_assert_uint_eq (cfg.mpfr_max_n, 1024);
  ck_assert_int_eq (cfg.prec, 128);
  ck_assert_uint_eq (cfg.ntol, 0);
  ck_assert_uint_eq (cfg.rank_max_n, 2048);
  ck_assert_uint_eq (cfg.nmethods, 1);
  ck_assert_str_eq (cfg.methods[0].label, "exact");
  ck_assert_str_eq (cfg.methods[0].spec, "exact");
  /* absolute B: the grid value itself, whatever n */
  ck_assert (fga_sweep_config_B (&cfg, 256, 0.5) == 0.5);
  ck_assert (fga_sweep_config_B (&cfg, 4096, 2) == 2);
}
END_TEST

START_TEST (test_d_forms)
{
  read_ok ("[grid]\nn = 256\nbeta = 1\nd = ceil(log2 n)\n" EXACT);
  ck_assert_uint_eq (fga_sweep_config_d (&cfg, 256), 8);
  ck_assert_uint_eq (fga_sweep_config_d (&cfg, 1000), 10);
  ck_assert_uint_eq (fga_sweep_config_d (&cfg, 1024), 10);
  ck_assert_uint_eq (fga_sweep_config_d (&cfg, 1025), 11);

  read_ok ("[grid]\nn = 256\nbeta = 1\nd = 1.5*log2(n)\n" EXACT);
  ck_assert_int_eq (cfg.d_ceil, 0);
  ck_assert (cfg.d_coef == 1.5);
  ck_assert_uint_eq (fga_sweep_config_d (&cfg, 256), 12);
  ck_assert_uint_eq (fga_sweep_config_d (&cfg, 4096), 18);

  read_ok ("[grid]\nn = 256\nbeta = 1\nd = log2(n)\n" EXACT);
  ck_assert (cfg.d_coef == 1 && cfg.d_ceil == 0);
  ck_assert_uint_eq (fga_sweep_config_d (&cfg, 64), 6);

  read_ok ("[grid]\nn = 256\nbeta = 1\nd = ceil( 0.5 * log2 ( n ) )\n" EXACT);
  ck_assert (cfg.d_coef == 0.5 && cfg.d_ceil == 1);
  ck_assert_uint_eq (fga_sweep_config_d (&cfg, 256), 4);
  ck_assert_uint_eq (fga_sweep_config_d (&cfg, 512), 5);

  read_ok ("[grid]\nn = 256\nbeta = 1\nd = 16\n" EXACT);
  ck_assert_uint_eq (cfg.d_fixed, 16);
  ck_assert (cfg.d_coef == 0);
  ck_assert_uint_eq (fga_sweep_config_d (&cfg, 256), 16);
  ck_assert_uint_eq (fga_sweep_config_d (&cfg, 65536), 16);

  check_refused ("[grid]\nn = 256\nbeta = 1\nd = log3(n)\n" EXACT, FGA_ERR_INPUT, 4, "d:");
  check_refused ("[grid]\nn = 256\nbeta = 1\nd = 0\n" EXACT, FGA_ERR_INPUT, 4, "d:");
  check_refused ("[grid]\nn = 256\nbeta = 1\nd = -2*log2(n)\n" EXACT, FGA_ERR_INPUT, 4, "d:");
  /* White space splits tokens: "4 4" is two numbers, never 44 (it was read
     as 44 once, spaces squeezed out); it stays free around ( ) * and in
     "log2 n".  */
  check_refused ("[grid]\nn = 256\nbeta = 1\nd = 4 4\n" EXACT, FGA_ERR_INPUT, 4,
                 "d: '4 4'");
  check_refused ("[grid]\nn = 256\nbeta = 1\nd = 1\t6\n" EXACT, FGA_ERR_INPUT, 4, "d:");
  check_refused ("[grid]\nn = 256\nbeta = 1\nd = 1 e3\n" EXACT, FGA_ERR_INPUT, 4, "d:");
  check_refused ("[grid]\nn = 256\nbeta = 1\nd = 1 .5*log2(n)\n" EXACT, FGA_ERR_INPUT, 4,
                 "d:");
  check_refused ("[grid]\nn = 256\nbeta = 1\nd = log 2 n\n" EXACT, FGA_ERR_INPUT, 4, "d:");
  check_refused ("[grid]\nn = 256\nbeta = 1\nd = ce il(log2 n)\n" EXACT, FGA_ERR_INPUT, 4,
                 "d:");
  read_ok ("[grid]\nn = 256\nbeta = 1\nd = 1.5 * log2 n\n" EXACT);
  ck_assert (cfg.d_coef == 1.5 && cfg.d_ceil == 0);
  read_ok ("[grid]\nn = 256\nbeta = 1\nd = 16 ; sixteen\n" EXACT);
  ck_assert_uint_eq (cfg.d_fixed, 16);
}
END_TEST

START_TEST (test_B_from_beta)
{
  read_ok ("[grid]\nn = 256, 4096\nbeta = 0.25, 1.5\n" EXACT);
  ck_assert_int_eq (cfg.use_beta, 1);
  ck_assert_close (fga_sweep_config_B (&cfg, 256, 0.25), 0.25 * sqrt (log (256.0)), 1, 0);
  ck_assert_close (fga_sweep_config_B (&cfg, 4096, 1.5), 1.5 * sqrt (log (4096.0)), 1, 0);
  /* sqrt(ln 1000) computed independently (Python's math) */
  ck_assert_close (fga_sweep_config_B (&cfg, 1000, 1), 2.628260884878466, 4, 0);
}
END_TEST

START_TEST (test_refusals_grid)
{
  check_refused ("[grid]\nn = 256\nbeta = 1\n[colours]\nred = 1\n" EXACT, FGA_ERR_INPUT, 4,
                 "unknown section [colours]");
  check_refused ("[grid]\nn = 256\nbeta = 1\nn = 512\n" EXACT, FGA_ERR_INPUT, 4,
                 "key 'n' repeated (first at line 2)");
  check_refused ("[grid]\nn = 256, x12\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 2, "'x12'");
  check_refused ("[grid]\nn = 256\nbeta = 1.5e\n" EXACT, FGA_ERR_INPUT, 3, "'1.5e'");
  check_refused ("[grid]\nn = 256\nbeta = 0.5, -1\n" EXACT, FGA_ERR_INPUT, 3,
                 "'-1' is not a positive finite number");
  check_refused ("[grid]\nn = 256\nbeta = inf\n" EXACT, FGA_ERR_INPUT, 3, "'inf'");
  check_refused ("[grid]\nn = 256\nbeta = 1\nB = 2\n" EXACT, FGA_ERR_INPUT, 4,
                 "exactly one of beta");
  check_refused ("\n[grid]\nn = 256\n" EXACT, FGA_ERR_INPUT, 2, "needs beta");
  check_refused ("[grid]\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 1, "needs n");
  check_refused (EXACT, FGA_ERR_INPUT, 0, "missing section [grid]");
  check_refused ("[grid]\nn = 256\nbeta =\n" EXACT, FGA_ERR_INPUT, 3, "empty list");
  check_refused ("[grid]\nn = 256,,512\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 2, "empty item");
  check_refused ("[grid]\nn = 256,\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 2, "empty item");
  check_refused ("[grid]\nn = , 256\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 2, "empty item");
  check_refused ("[grid]\nn = 256\nbeta = 1, ,2\n" EXACT, FGA_ERR_INPUT, 3, "empty item");
  check_refused ("[grid]\nn = 256\nbeta = 1\nseeds = 4,,4\n" EXACT, FGA_ERR_INPUT, 4,
                 "empty item");
  check_refused (GRID "[rank]\ntol = 1/n,\n" EXACT, FGA_ERR_INPUT, 5, "empty item");
  check_refused (GRID "[method p]\nspec = poly\nsize = deg\nsizes = 2,,4\n", FGA_ERR_INPUT, 7,
                 "empty item");
  /* a size is >= 1: 0 is poly's "choose the degree", not a size */
  check_refused (GRID "[method p]\nspec = poly\nsize = deg\nsizes = 0, 2\n", FGA_ERR_INPUT, 7,
                 "sizes: '0' is not a finite number >= 1");
  /* a number with white space inside is refused in every numeric key */
  check_refused ("[grid]\nn = 2 56\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 2, "'2 56'");
  check_refused ("[grid]\nn = 256\nbeta = 1\ndv = 4 4\n" EXACT, FGA_ERR_INPUT, 4, "'4 4'");
  check_refused ("[grid]\nn = 256\nbeta = 1 5\n" EXACT, FGA_ERR_INPUT, 3, "'1 5'");
  check_refused ("[grid]\nn = 256\nbeta = 1\nseeds = 4 4\n" EXACT, FGA_ERR_INPUT, 4, "'4 4'");
  check_refused (GRID "[truth]\nprec = 1 28\n" EXACT, FGA_ERR_INPUT, 5, "'1 28'");
  check_refused ("[grid]\nn = 256\nbeta = 1\ndist = cauchy\n" EXACT, FGA_ERR_INPUT, 4,
                 "unknown distribution 'cauchy'");
  check_refused ("[grid]\nn = 256\nbeta = 1\ntau = 1/e\n" EXACT, FGA_ERR_INPUT, 4,
                 "tau '1/e'");
  check_refused ("[grid]\nn = 256\nbeta = 1\nseeds = 1, 2.5\n" EXACT, FGA_ERR_INPUT, 4,
                 "'2.5'");
  check_refused ("[grid]\nn = 256\nbeta = 1\nseeds = -3\n" EXACT, FGA_ERR_INPUT, 4, "'-3'");
  check_refused ("[grid]\nn = 256\nbeta = 1\nBv = 0\n" EXACT, FGA_ERR_INPUT, 4, "Bv");
  check_refused ("n = 256\n" GRID EXACT, FGA_ERR_INPUT, 1, "outside any section");
  check_refused (GRID "this line has no equals sign\n" EXACT, FGA_ERR_INPUT, 4,
                 "expected '[section]'");
  check_refused (GRID "[grid\n" EXACT, FGA_ERR_INPUT, 4, "without ']'");
  check_refused (GRID "[grid]\n" EXACT, FGA_ERR_INPUT, 4, "section [grid] repeated");
  check_refused (GRID "  d = 4\n" EXACT, FGA_ERR_INPUT, 4, "continuation");
}
END_TEST

START_TEST (test_refusals_lists)
{
  /* 64 values are fine, 65 are not */
  char text[4096];
  char list[1024] = "";
  for (int k = 0; k < FGA_SWEEP_MAX_LIST; k++)
    {
      size_t used = strlen (list);
      snprintf (list + used, sizeof list - used, "%s%d", k ? "," : "", k);
    }
  snprintf (text, sizeof text, GRID "seeds = %s\n" EXACT, list);
  read_ok (text);
  ck_assert_uint_eq (cfg.nseeds, FGA_SWEEP_MAX_LIST);
  ck_assert_uint_eq (cfg.seeds[FGA_SWEEP_MAX_LIST - 1], FGA_SWEEP_MAX_LIST - 1);
  snprintf (text, sizeof text, GRID "seeds = %s,99\n" EXACT, list);
  check_refused (text, FGA_ERR_INPUT, 4, "too many values (at most 64)");

  /* 192 values on one line: read whole (no line limit), refused for their
     count, not split into lines */
  snprintf (text, sizeof text, GRID "seeds = %s,%s,%s\n" EXACT, list, list, list);
  check_refused (text, FGA_ERR_INPUT, 4, "too many values (at most 64)");

  /* [rank] and [truth] */
  check_refused (GRID "[rank]\ntol = 1/n, 0\n" EXACT, FGA_ERR_INPUT, 5,
                 "'0' is not 1/n or a positive");
  check_refused (GRID "[truth]\nprec = 20\n" EXACT, FGA_ERR_INPUT, 5, "prec");
  check_refused (GRID "[truth]\ndigits = 20\n" EXACT, FGA_ERR_INPUT, 5,
                 "unknown key 'digits'");
}
END_TEST

/* Writes len bytes (NUL bytes included) to a fresh temporary file.  */
static void
write_bytes (char *path, size_t size, const char *bytes, size_t len)
{
  snprintf (path, size, "/tmp/fga-t-sweep-config-XXXXXX");
  int fd = mkstemp (path);
  ck_assert_msg (fd >= 0, "mkstemp: %s", strerror (errno));
  ck_assert_int_eq (write (fd, bytes, len), (ssize_t) len);
  ck_assert_int_eq (close (fd), 0);
}

/* Lines longer than inih's buffer (INI_MAX_LINE, 200 bytes in Debian's
   libinih) are read whole, with inih's rules for values and comments.  */
START_TEST (test_long_lines)
{
  char text[8192], list[2048] = "", pad[1024];
  /* 64 seeds spread over some 700 characters, an inline comment after */
  for (int k = 0; k < FGA_SWEEP_MAX_LIST; k++)
    {
      size_t used = strlen (list);
      snprintf (list + used, sizeof list - used, "%s%d", k ? ",        " : "", 1000 + k);
    }
  memset (pad, 'x', 600);
  pad[600] = '\0';
  snprintf (text, sizeof text, "# %s\n" GRID "seeds =   %s   ; %s\n" EXACT, pad, list, pad);
  ck_assert_uint_gt (strlen (list), 400);
  read_ok (text);
  ck_assert_uint_eq (cfg.nseeds, FGA_SWEEP_MAX_LIST);
  ck_assert_uint_eq (cfg.seeds[0], 1000);
  ck_assert_uint_eq (cfg.seeds[FGA_SWEEP_MAX_LIST - 1], 1000 + FGA_SWEEP_MAX_LIST - 1);
  /* a long line whose value is short: white space and the comment go */
  snprintf (text, sizeof text, GRID "[method p]\nspec = poly:basis=cheb %s; %s\n",
            pad + 300, pad);
  for (char *x = strstr (text, "cheb ") + 5; *x == 'x'; x++)
    *x = ' ';
  read_ok (text);
  ck_assert_str_eq (cfg.methods[0].spec, "poly:basis=cheb");
  snprintf (text, sizeof text, GRID "[method p]\nspec = %s\n", pad);
  check_refused (text, FGA_ERR_INPUT, 5, "spec: must be a method string of 1 to 511");
  /* a long line that is not key = value, and one whose '=' is in a comment */
  snprintf (text, sizeof text, GRID "%s\n" EXACT, pad);
  check_refused (text, FGA_ERR_INPUT, 4, "expected '[section]', 'key = value' or a comment");
  snprintf (text, sizeof text, GRID "seeds ; %s = 1\n" EXACT, pad);
  check_refused (text, FGA_ERR_INPUT, 4, "expected '[section]'");
  /* a long unknown key is named, shortened */
  snprintf (text, sizeof text, GRID "%.150s = 1 %s\n" EXACT, pad, pad);
  check_refused (text, FGA_ERR_INPUT, 4, "unknown key 'xxxx");
  /* CRLF line ends are fine, long or not */
  snprintf (text, sizeof text, "[grid]\r\nn = 256\r\nbeta = 1\r\nseeds = %s\r\n"
            "[method e]\r\nspec = exact\r\n", list);
  read_ok (text);
  ck_assert_uint_eq (cfg.nseeds, FGA_SWEEP_MAX_LIST);
}
END_TEST

/* A file that is not text is refused by the reader at its line, before
   anything is parsed (it used to come back from the sweep as "out of
   memory", jansson refusing to record it).  */
START_TEST (test_not_text)
{
  check_refused (GRID "[method e]\nspec = exact ; caf\xe9\n", FGA_ERR_INPUT, 5,
                 "not UTF-8 (the byte 0xE9, column 19)");
  check_refused ("# \xc0\xaf overlong\n" GRID EXACT, FGA_ERR_INPUT, 1, "not UTF-8");
  check_refused ("# \xed\xa0\x80 a surrogate\n" GRID EXACT, FGA_ERR_INPUT, 1, "not UTF-8");
  check_refused ("# \xf4\x90\x80\x80 beyond U+10FFFF\n" GRID EXACT, FGA_ERR_INPUT, 1,
                 "not UTF-8");
  check_refused (GRID "# cut short \xe2\x82\n" EXACT, FGA_ERR_INPUT, 4, "not UTF-8");
  check_refused (GRID "dist = uniform\x01\n" EXACT, FGA_ERR_INPUT, 4, "control character 0x01");
  check_refused (GRID "dist = uni\rform\n" EXACT, FGA_ERR_INPUT, 4, "control character 0x0D");
  /* UTF-8 itself is fine, in comments, labels and after a BOM */
  read_ok ("\xef\xbb\xbf# \xce\xb2 = B / sqrt(ln n), \xe2\x89\xa4 \xf0\x9f\x98\x80\n" GRID
           "[method \xc3\xa9]\nspec = exact\n");
  ck_assert_str_eq (cfg.methods[0].label, "\xc3\xa9");

  /* a NUL byte, which fputs could not even write */
  static const char nul[] = "[grid]\nn = 256\x00\nbeta = 1\n" EXACT;
  char path[64];
  write_bytes (path, sizeof path, nul, sizeof nul - 1);
  fga_error err;
  fga_error_init (&err);
  int rc = fga_sweep_config_read (&cfg, path, &err);
  char want[128];
  snprintf (want, sizeof want, "%s:2: a NUL byte (column 8)", path);
  unlink (path);
  ck_assert_int_eq (rc, FGA_ERR_INPUT);
  ck_assert_msg (strncmp (err.msg, want, strlen (want)) == 0, "%s", err.msg);
}
END_TEST

/* Sizes are refused at their line before any work: values beyond any
   integer, a precision the truth does not take, cells beyond the
   machine's memory.  */
START_TEST (test_sizes)
{
  check_refused ("[grid]\nn = 256\nd = 1e300*log2(n)\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 3,
                 "too large for an integer");
  check_refused (GRID "[truth]\nprec = 4611686018427387904\n" EXACT, FGA_ERR_INPUT, 5,
                 "prec: '4611686018427387904' is not a whole number from 53 to 1048576");
  check_refused (GRID "[truth]\nprec = 1048577\n" EXACT, FGA_ERR_INPUT, 5, "prec");
  read_ok (GRID "[truth]\nprec = 1048576\n" EXACT);
  /* n = 10^12: Q alone is 8 10^12 d bytes */
  check_refused ("[grid]\nn = 256, 1000000000000\nbeta = 1, 2\nseeds = 7\n" EXACT,
                 FGA_ERR_INPUT, 2, "cell n=1000000000000,b=1,seed=7 needs about ");
  check_refused ("[grid]\nn = 256, 1000000000000\nbeta = 1, 2\nseeds = 7\n" EXACT,
                 FGA_ERR_INPUT, 2, "more than this machine's ");
  /* d = 10^7 at n = 1024: Q, K, V and two outputs take 400 GB */
  check_refused ("[grid]\nn = 1024\nd = 10000000\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 3,
                 "cell n=1024,b=1,seed=1 needs about ");
  /* the rank's n x n matrix: the line of max_n */
  check_refused ("[grid]\nn = 4000000\nd = 1\nbeta = 1\n[truth]\nmpfr_max_n = 0\n"
                 "[rank]\ntol = 1/n\nmax_n = 4000000\n" EXACT, FGA_ERR_INPUT, 9,
                 "rank of P ");
  /* a method's budget: the line of its spec */
  check_refused (GRID "[method p]\nspec = poly:budget=4611686018427387904\n", FGA_ERR_INPUT, 5,
                 "largest method ");

  /* A configuration made in code is checked by fga_sweep_run before the
     folder is made.  */
  read_ok (GRID EXACT);
  cfg.path[0] = '\0';
  cfg.prec = (long) 4611686018427387904LL;
  char dir[] = "/tmp/fga-t-sweep-config-sizes-XXXXXX";
  ck_assert_ptr_nonnull (mkdtemp (dir));
  ck_assert_int_eq (rmdir (dir), 0);
  fga_error err;
  fga_error_init (&err);
  fga_sweep_opts opts = { 1, NULL, NULL };
  ck_assert_int_eq (fga_sweep_run (&cfg, dir, &opts, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "prec = 4611686018427387904") != NULL, "%s", err.msg);
  ck_assert_int_eq (access (dir, F_OK), -1);
  cfg.prec = 128;
  cfg.n[0] = 1000000000000;
  ck_assert_int_eq (fga_sweep_run (&cfg, dir, &opts, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "cell n=1000000000000,b=1,seed=1 needs about") != NULL, "%s",
                 err.msg);
  ck_assert_int_eq (access (dir, F_OK), -1);
  cfg.n[0] = 256;
  cfg.d_fixed = 0;
  cfg.d_coef = 1e300;
  ck_assert_int_eq (fga_sweep_config_check (&cfg, 1, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "too large for an integer") != NULL, "%s", err.msg);
  ck_assert_int_eq (fga_sweep_config_d (&cfg, 256), SIZE_MAX);
}
END_TEST

START_TEST (test_too_many_methods)
{
  char text[4096];
  snprintf (text, sizeof text, GRID);
  for (int k = 0; k <= FGA_SWEEP_MAX_METHODS; k++)
    {
      size_t used = strlen (text);
      snprintf (text + used, sizeof text - used, "[method m%d]\nspec = exact\n", k);
    }
  /* headers at lines 4, 6, ...: the 17th at 4 + 2 * 16 */
  check_refused (text, FGA_ERR_INPUT, 4 + 2 * FGA_SWEEP_MAX_METHODS,
                 "too many [method] sections (at most 16)");
}
END_TEST

START_TEST (test_refusals_methods)
{
  fga_error err;
  fga_error_init (&err);
  const char *path = FGA_FIXTURES "/sweep-bad-key.conf";
  ck_assert_int_eq (fga_sweep_config_read (&cfg, path, &err), FGA_ERR_INPUT);
  char want[512];
  snprintf (want, sizeof want, "%s:4: [grid]: unknown key 'colour'", path);
  ck_assert_msg (strncmp (err.msg, want, strlen (want)) == 0, "%s", err.msg);

  /* the method's own error, at the spec's line */
  path = FGA_FIXTURES "/sweep-bad-method.conf";
  ck_assert_int_eq (fga_sweep_config_read (&cfg, path, &err), FGA_ERR_INPUT);
  snprintf (want, sizeof want, "%s:6: [method poly]: ", path);
  ck_assert_msg (strncmp (err.msg, want, strlen (want)) == 0, "%s", err.msg);
  ck_assert_msg (strstr (err.msg, "nonsense") != NULL, "%s", err.msg);
  fga_error direct;
  fga_error_init (&direct);
  ck_assert (fga_method_create ("poly:basis=nonsense", &direct) == NULL);
  ck_assert_msg (strstr (err.msg, direct.msg) != NULL, "'%s' lacks '%s'", err.msg, direct.msg);

  check_refused (GRID "[method x]\nspec = frobnicate\n", FGA_ERR_INPUT, 5,
                 "unknown method 'frobnicate'");
  /* the size parameter checked with each size: the sizes line */
  check_refused (GRID "[method p]\nspec = poly\nsize = deg\nsizes = 2, 2.5\n", FGA_ERR_INPUT, 7,
                 "[method p]: ");
  check_refused (GRID "[method p]\nspec = poly\nsize = degree\nsizes = 2\n", FGA_ERR_INPUT, 7,
                 "degree");
  check_refused (GRID "[method p]\nspec = poly\ntargets = 1e-3\nmax_size = 9\n",
                 FGA_ERR_INPUT, 6, "targets needs size");
  check_refused (GRID "[method p]\nspec = poly\nsize = deg\ntargets = 1e-3\n",
                 FGA_ERR_INPUT, 7, "targets need max_size");
  check_refused (GRID "[method p]\nspec = poly\nsize = deg\nsizes = 4, 30\nmax_size = 20\n",
                 FGA_ERR_INPUT, 8, "below the largest size");
  check_refused (GRID "[method p]\nspec = poly:deg=3\nsize = deg\nsizes = 4\n",
                 FGA_ERR_INPUT, 5, "swept size parameter");
  check_refused (GRID "[method p]\nsize = deg\n", FGA_ERR_INPUT, 4, "[method p] needs spec");
  check_refused (GRID "[method p]\nspec = exact\n[method p]\nspec = exact\n", FGA_ERR_INPUT, 6,
                 "section [method p] repeated (first at line 4)");
  check_refused (GRID "[method p]\nspec = exact\nspec = exact\n", FGA_ERR_INPUT, 6,
                 "key 'spec' repeated");
  check_refused (GRID "[method]\nspec = exact\n", FGA_ERR_INPUT, 4, "needs a label");
  check_refused (GRID, FGA_ERR_INPUT, 0, "no [method LABEL] section");

  /* a consistent method with a search reads back */
  read_ok (GRID "[method p]\nspec = poly\nsize = deg\nsizes = 2\ntargets = 1e-3\n"
           "max_size = 30 ; inline comment\n");
  ck_assert (cfg.methods[0].max_size == 30);
}
END_TEST

START_TEST (test_missing_file)
{
  fga_error err;
  fga_error_init (&err);
  const char *path = "/nonexistent/fga-sweep.conf";
  /* A missing input is bad input (exit status 2), as for every command.  */
  ck_assert_int_eq (fga_sweep_config_read (&cfg, path, &err), FGA_ERR_INPUT);
  ck_assert_msg (strncmp (err.msg, "/nonexistent/fga-sweep.conf: cannot open", 40) == 0, "%s",
                 err.msg);
  ck_assert_msg (strstr (err.msg, strerror (ENOENT)) != NULL, "%s", err.msg);
}
END_TEST

static Suite *
sweep_config_suite (void)
{
  Suite *s = suite_create ("sweep-config");
  TCase *tc = tcase_create ("read");
  tcase_add_test (tc, test_good_every_field);
  tcase_add_test (tc, test_minimal_defaults);
  tcase_add_test (tc, test_d_forms);
  tcase_add_test (tc, test_B_from_beta);
  tcase_add_test (tc, test_refusals_grid);
  tcase_add_test (tc, test_refusals_lists);
  tcase_add_test (tc, test_long_lines);
  tcase_add_test (tc, test_not_text);
  tcase_add_test (tc, test_sizes);
  tcase_add_test (tc, test_too_many_methods);
  tcase_add_test (tc, test_refusals_methods);
  tcase_add_test (tc, test_missing_file);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (sweep_config_suite ());
}
