/* t-sweep-config -- sweep configurations: fields, laws, accuracies, B per n, refusals by line */

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
  /* beta alone: the law sqrt(ln n) */
  ck_assert_uint_eq (cfg.nlaws, 1);
  ck_assert_str_eq (cfg.laws[0].text, "sqrt(ln n)");
  ck_assert (cfg.laws[0].p == 0.5 && cfg.laws[0].over_lnln == 0);
  ck_assert_uint_eq (cfg.nb, 4);
  ck_assert (cfg.b[0] == 0.25 && cfg.b[1] == 0.5 && cfg.b[2] == 1 && cfg.b[3] == 1.5);
  ck_assert (cfg.Bv == 2);
  ck_assert_uint_eq (cfg.ndists, 1);
  ck_assert_int_eq (cfg.dists[0], FGA_DIST_RADEMACHER);
  ck_assert_int_eq (cfg.tau.kind, FGA_TAU_INV_SQRT_D);
  ck_assert_uint_eq (cfg.nseeds, 3);
  ck_assert_uint_eq (cfg.seeds[0], 1);
  ck_assert_uint_eq (cfg.seeds[1], 2);
  ck_assert_uint_eq (cfg.seeds[2], 18446744073UL);
  ck_assert_uint_eq (cfg.mpfr_max_n, 512);
  ck_assert_int_eq (cfg.prec, 200);
  ck_assert_uint_eq (cfg.ntol, 2);
  ck_assert (cfg.tol[0].power == 1 && cfg.tol[1].power == 0 && cfg.tol[1].value == 1e-3);
  ck_assert_str_eq (cfg.tol[0].text, "1/n");
  ck_assert_str_eq (cfg.tol[1].text, "1e-3");
  ck_assert_uint_eq (cfg.rank_max_n, 4096);
  ck_assert_int_eq (cfg.rank_algo, FGA_SWEEP_RANK_AUTO);
  ck_assert_uint_eq (cfg.nmethods, 2);

  const fga_sweep_method *m = &cfg.methods[0];
  ck_assert_str_eq (m->label, "poly");
  ck_assert_str_eq (m->spec, "poly:basis=cheb");
  ck_assert_str_eq (m->size_key, "deg");
  ck_assert_uint_eq (m->nsizes, 4);
  ck_assert (m->sizes[0] == 2 && m->sizes[1] == 4 && m->sizes[2] == 6 && m->sizes[3] == 8);
  ck_assert_uint_eq (m->ntargets, 2);
  ck_assert (m->targets[0].value == 1e-2 && m->targets[0].power == 0);
  ck_assert (m->targets[1].value == 1e-4 && m->targets[1].power == 0);
  ck_assert_str_eq (m->targets[1].text, "1e-4");
  ck_assert (m->max_size == 40 && m->max_size_n == 0);

  m = &cfg.methods[1];
  ck_assert_str_eq (m->label, "exact");
  ck_assert_str_eq (m->spec, "exact:algo=stream");
  ck_assert_str_eq (m->size_key, "");
  ck_assert_uint_eq (m->nsizes, 0);
  ck_assert_uint_eq (m->ntargets, 0);
  ck_assert (m->max_size == 0 && m->max_size_n == 0);

  ck_assert_int_eq (cfg.cost.on, 0);

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
  /* absolute B: the law 1, beta the bounds */
  ck_assert_uint_eq (cfg.nlaws, 1);
  ck_assert_str_eq (cfg.laws[0].text, "1");
  ck_assert_uint_eq (cfg.nb, 2);
  ck_assert (cfg.b[0] == 0.5 && cfg.b[1] == 2);
  ck_assert (cfg.Bv == 0);
  ck_assert_uint_eq (cfg.ndists, 1);
  ck_assert_int_eq (cfg.dists[0], FGA_DIST_UNIFORM);
  ck_assert_int_eq (cfg.tau.kind, FGA_TAU_INV_D);
  ck_assert_uint_eq (cfg.nseeds, 1);
  ck_assert_uint_eq (cfg.seeds[0], 1);
  ck_assert_uint_eq (cfg.mpfr_max_n, 1024);
  ck_assert_int_eq (cfg.prec, 128);
  ck_assert_uint_eq (cfg.ntol, 0);
  ck_assert_uint_eq (cfg.rank_max_n, 2048);
  ck_assert_int_eq (cfg.rank_algo, FGA_SWEEP_RANK_AUTO);
  ck_assert_uint_eq (cfg.rank_dense_max_n, 4096);
  ck_assert_uint_eq (cfg.rank_kmax, 512);
  ck_assert_int_eq (cfg.cost.on, 0);
  ck_assert_uint_eq (cfg.nmethods, 1);
  ck_assert_str_eq (cfg.methods[0].label, "exact");
  ck_assert_str_eq (cfg.methods[0].spec, "exact");
  /* absolute B: the grid value itself, whatever n */
  ck_assert (fga_sweep_config_B (&cfg, 0, 256, 0.5) == 0.5);
  ck_assert (fga_sweep_config_B (&cfg, 0, 4096, 2) == 2);
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
  ck_assert_str_eq (cfg.laws[0].text, "sqrt(ln n)");
  ck_assert_close (fga_sweep_config_B (&cfg, 0, 256, 0.25), 0.25 * sqrt (log (256.0)), 1, 0);
  ck_assert_close (fga_sweep_config_B (&cfg, 0, 4096, 1.5), 1.5 * sqrt (log (4096.0)), 1, 0);
  /* sqrt(ln 1000) computed independently (Python's math) */
  ck_assert_close (fga_sweep_config_B (&cfg, 0, 1000, 1), 2.628260884878466, 4, 0);
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
                 "tol '0': expected a positive number, 1/n");
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
                 FGA_ERR_INPUT, 2,
                 "cell n=1000000000000,dist=uniform,law=sqrt(ln n),b=1,seed=7 needs about ");
  check_refused ("[grid]\nn = 256, 1000000000000\nbeta = 1, 2\nseeds = 7\n" EXACT,
                 FGA_ERR_INPUT, 2, "more than this machine's ");
  /* d = 10^7 at n = 1024: Q, K, V and two outputs take 400 GB */
  check_refused ("[grid]\nn = 1024\nd = 10000000\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 3,
                 "cell n=1024,dist=uniform,law=sqrt(ln n),b=1,seed=1 needs about ");
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
  fga_sweep_opts opts = { 1, NULL, NULL, NULL, 0, 0 };
  ck_assert_int_eq (fga_sweep_run (&cfg, dir, &opts, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "prec = 4611686018427387904") != NULL, "%s", err.msg);
  ck_assert_int_eq (access (dir, F_OK), -1);
  cfg.prec = 128;
  cfg.n[0] = 1000000000000;
  ck_assert_int_eq (fga_sweep_run (&cfg, dir, &opts, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "cell n=1000000000000,dist=uniform,law=sqrt(ln n),b=1,seed=1 "
                          "needs about") != NULL, "%s", err.msg);
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
  check_refused (GRID, FGA_ERR_INPUT, 0, "no [method LABEL] section and no [cost]");
  read_ok (GRID "[cost]\neps = 1e-3\n");
  ck_assert_uint_eq (cfg.nmethods, 0);

  /* a consistent method with a search reads back */
  read_ok (GRID "[method p]\nspec = poly\nsize = deg\nsizes = 2\ntargets = 1e-3\n"
           "max_size = 30 ; inline comment\n");
  ck_assert (cfg.methods[0].max_size == 30);
}
END_TEST

/* The keys of the theorem's statement, every one given (sweep-laws.conf).  */
START_TEST (test_laws_fixture)
{
  fga_error err;
  fga_error_init (&err);
  const char *path = FGA_FIXTURES "/sweep-laws.conf";
  ck_assert_msg (fga_sweep_config_read (&cfg, path, &err) == FGA_OK, "%s", err.msg);
  /* n = 2^8 .. 2^10, 3000 */
  ck_assert_uint_eq (cfg.nn, 4);
  ck_assert (cfg.n[0] == 256 && cfg.n[1] == 512 && cfg.n[2] == 1024 && cfg.n[3] == 3000);
  ck_assert_uint_eq (cfg.nlaws, 4);
  ck_assert_str_eq (cfg.laws[0].text, "1");
  ck_assert_str_eq (cfg.laws[1].text, "(ln n)^(1/4)");
  ck_assert_str_eq (cfg.laws[2].text, "sqrt(ln n)");
  ck_assert_str_eq (cfg.laws[3].text, "sqrt(ln n)/ln(ln n)");
  ck_assert_uint_eq (cfg.nb, 2);
  ck_assert (cfg.b[0] == 0.5 && cfg.b[1] == 1);
  /* B = beta f(n), f from its definition */
  ck_assert (fga_sweep_config_B (&cfg, 0, 1024, 0.5) == 0.5);
  ck_assert_close (fga_sweep_config_B (&cfg, 1, 1024, 0.5), 0.5 * pow (log (1024.0), 0.25), 2,
                   0);
  ck_assert_close (fga_sweep_config_B (&cfg, 2, 3000, 1), sqrt (log (3000.0)), 2, 0);
  ck_assert_close (fga_sweep_config_B (&cfg, 3, 256, 1),
                   sqrt (log (256.0)) / log (log (256.0)), 4, 0);
  ck_assert_uint_eq (cfg.ndists, 3);
  ck_assert (cfg.dists[0] == FGA_DIST_UNIFORM && cfg.dists[1] == FGA_DIST_LOWRANK
             && cfg.dists[2] == FGA_DIST_CLUSTERED);
  ck_assert_uint_eq (cfg.nseeds, 2);
  ck_assert_uint_eq (cfg.ntol, 3);
  ck_assert (cfg.tol[0].power == 1 && cfg.tol[1].power == 2 && cfg.tol[2].value == 1e-3);
  ck_assert_str_eq (cfg.tol[1].text, "n^-2");
  ck_assert_int_eq (cfg.rank_algo, FGA_SWEEP_RANK_AUTO);
  ck_assert_uint_eq (cfg.rank_dense_max_n, 512);
  ck_assert_uint_eq (cfg.rank_max_n, 3000);
  ck_assert_uint_eq (cfg.rank_kmax, 100);
  ck_assert_uint_eq (cfg.nmethods, 2);
  ck_assert (cfg.methods[0].targets[1].power == 1 && cfg.methods[0].max_size == 40);
  ck_assert_str_eq (cfg.methods[0].targets[1].text, "n^-1");
  ck_assert_int_eq (cfg.methods[1].max_size_n, 1);
  ck_assert_str_eq (cfg.methods[1].targets[0].text, "1/n");
  ck_assert_int_eq (cfg.cost.on, 1);
  ck_assert_uint_eq (cfg.cost.neps, 2);
  ck_assert (cfg.cost.eps[0].power == 1 && cfg.cost.eps[1].value == 1e-3);
  ck_assert_int_eq (cfg.cost.basis, FGA_BASIS_TAYLOR);
  ck_assert_int_eq (cfg.cost.gmax, 20);
  ck_assert (cfg.cost.poly_max_bytes == 0x1p28);
  ck_assert_str_eq (cfg.cost.exact, "exact:algo=blas");
}
END_TEST

/* Laws: a list, with beta; B is law 1; refusals at their line.  */
START_TEST (test_laws)
{
  read_ok ("[grid]\nn = 256\nlaw = ln n, (ln n)^0.3/ln(ln n)\nbeta = 1, 2\n" EXACT);
  ck_assert_uint_eq (cfg.nlaws, 2);
  ck_assert_str_eq (cfg.laws[0].text, "ln n");
  ck_assert_str_eq (cfg.laws[1].text, "(ln n)^0.3/ln(ln n)");
  ck_assert_close (fga_sweep_config_B (&cfg, 0, 256, 2), 2 * log (256.0), 2, 0);
  check_refused ("[grid]\nn = 256\nlaw = (ln n)^1/4\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 3,
                 "law '(ln n)^1/4': expected 1, sqrt(ln n)");
  check_refused ("[grid]\nn = 256\nlaw = 1,\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 3, "empty item");
  check_refused ("[grid]\nn = 256\nlaw = sqrt(ln n), (ln n)^0.5\nbeta = 1\n" EXACT,
                 FGA_ERR_INPUT, 3, "law: 'sqrt(ln n)' is given twice");
  check_refused ("[grid]\nn = 256\nlaw = sqrt(ln n)\n" EXACT, FGA_ERR_INPUT, 3,
                 "law needs beta");
  check_refused ("[grid]\nn = 256\nB = 1\nlaw = 1\nbeta = 2\n" EXACT, FGA_ERR_INPUT, 4,
                 "exactly one of beta");
  check_refused ("[grid]\nn = 256\nlaw = 1\nB = 2\n" EXACT, FGA_ERR_INPUT, 4,
                 "exactly one of beta");
  /* n below the law's least n, at the law's line */
  check_refused ("[grid]\nn = 8, 256\nlaw = 1, sqrt(ln n)/ln(ln n)\nbeta = 1\n" EXACT,
                 FGA_ERR_INPUT, 3, "law 'sqrt(ln n)/ln(ln n)' is used from n = 16 on");
  read_ok ("[grid]\nn = 16, 256\nlaw = sqrt(ln n)/ln(ln n)\nbeta = 1\n" EXACT);
  /* B beyond the doubles, at beta's line: (ln 2^20)^4 = 36897... */
  check_refused ("[grid]\nn = 2^20\nd = 2\nlaw = (ln n)^4\nbeta = 1e305\n[truth]\n"
                 "mpfr_max_n = 0\n" EXACT, FGA_ERR_INPUT, 5, "not a positive finite double");
}
END_TEST

/* n: numbers, 2^K and ranges of powers of two.  */
START_TEST (test_n_forms)
{
  read_ok ("[grid]\nn = 2^8 .. 2^11\nbeta = 1\n" EXACT);
  ck_assert_uint_eq (cfg.nn, 4);
  ck_assert (cfg.n[0] == 256 && cfg.n[1] == 512 && cfg.n[2] == 1024 && cfg.n[3] == 2048);
  read_ok ("[grid]\nn = 100, 2^10, 2..8, 2^12..2^12\nbeta = 1\n" EXACT);
  ck_assert_uint_eq (cfg.nn, 6);
  ck_assert (cfg.n[0] == 100 && cfg.n[1] == 1024 && cfg.n[2] == 2 && cfg.n[3] == 4
             && cfg.n[4] == 8 && cfg.n[5] == 4096);
  check_refused ("[grid]\nn = 2^11 .. 2^8\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 2,
                 "the range '2^11 .. 2^8' is empty");
  check_refused ("[grid]\nn = 300 .. 1024\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 2,
                 "must go from a power of two");
  check_refused ("[grid]\nn = 2^8 ..\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 2,
                 "n: '2^8 ..' is not a whole number >= 2, a power of two 2^K or a range");
  check_refused ("[grid]\nn = 2^8 ... 2^9\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 2, "'2^8 ... 2^9'");
  check_refused ("[grid]\nn = 2^64\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 2, "'2^64'");
  check_refused ("[grid]\nn = 1\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 2, "'1'");
  check_refused ("[grid]\nn = 256, 2^8\nbeta = 1\n" EXACT, FGA_ERR_INPUT, 2,
                 "n: '256' is given twice");
  check_refused ("[grid]\nn = 2^1 .. 2^53, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 17\n"
                 "beta = 1\n" EXACT, FGA_ERR_INPUT, 2, "too many values (at most 64)");
  /* repeated values of the other axes: two cells with one id */
  check_refused ("[grid]\nn = 256\nbeta = 0.5, 5e-1\n" EXACT, FGA_ERR_INPUT, 3,
                 "beta: '5e-1' is given twice");
  check_refused (GRID "seeds = 1, 2, 1\n" EXACT, FGA_ERR_INPUT, 4, "seeds: '1' is given twice");
}
END_TEST

/* Entry laws: a list of the families fga_dist_parse knows.  */
START_TEST (test_dists)
{
  read_ok (GRID "dist = clustered, rademacher, lowrank\n" EXACT);
  ck_assert_uint_eq (cfg.ndists, 3);
  ck_assert (cfg.dists[0] == FGA_DIST_CLUSTERED && cfg.dists[1] == FGA_DIST_RADEMACHER
             && cfg.dists[2] == FGA_DIST_LOWRANK);
  check_refused (GRID "dist = uniform, uniform\n" EXACT, FGA_ERR_INPUT, 4,
                 "dist: 'uniform' is given twice");
  check_refused (GRID "dist = none\n" EXACT, FGA_ERR_INPUT, 4, "dist: unknown distribution");
  check_refused (GRID "dist = uniform, cauchy\n" EXACT, FGA_ERR_INPUT, 4,
                 "unknown distribution 'cauchy'");
}
END_TEST

/* Accuracies: numbers and powers of n, refused when malformed or below
   the normal doubles at some n where they are used.  */
START_TEST (test_accuracies)
{
  read_ok (GRID "[rank]\ntol = 1/n, n^-2, 1e-3, 1/n^3, n^(-1.5)\n" EXACT);
  ck_assert_uint_eq (cfg.ntol, 5);
  ck_assert (cfg.tol[0].power == 1 && cfg.tol[1].power == 2 && cfg.tol[2].value == 1e-3
             && cfg.tol[3].power == 3 && cfg.tol[4].power == 1.5);
  check_refused (GRID "[rank]\ntol = n^-0\n" EXACT, FGA_ERR_INPUT, 5,
                 "tol 'n^-0': expected a positive number, 1/n, 1/n^C or n^-C");
  check_refused (GRID "[rank]\ntol = 1/m\n" EXACT, FGA_ERR_INPUT, 5, "tol '1/m'");
  check_refused (GRID "[rank]\ntol = n^-65\n" EXACT, FGA_ERR_INPUT, 5, "tol 'n^-65'");
  check_refused (GRID "[rank]\ntol = 1/n, n^-1\n" EXACT, FGA_ERR_INPUT, 5,
                 "tol: 'n^-1' is given twice");
  check_refused (GRID "[method p]\nspec = poly\nsize = deg\ntargets = n^-x\nmax_size = 9\n",
                 FGA_ERR_INPUT, 7, "targets 'n^-x'");
  /* 2^-1088 at n = 2^17: no normal double; refused where the rank is
     computed only */
  check_refused ("[grid]\nn = 2^17\nd = 1\nbeta = 1\n[truth]\nmpfr_max_n = 0\n[rank]\n"
                 "tol = n^-64\nmax_n = 2^17\n" EXACT, FGA_ERR_INPUT, 8,
                 "tol 'n^-64' is ");
  check_refused ("[grid]\nn = 2^17\nd = 1\nbeta = 1\n[truth]\nmpfr_max_n = 0\n[rank]\n"
                 "tol = n^-64\nmax_n = 131072\n" EXACT, FGA_ERR_INPUT, 8,
                 "at n = 131072, not a normal double");
  read_ok ("[grid]\nn = 2^17\nd = 1\nbeta = 1\n[truth]\nmpfr_max_n = 0\n[rank]\n"
           "tol = n^-64\nmax_n = 1024\n" EXACT);
  check_refused ("[grid]\nn = 2^20\nd = 1\nbeta = 1\n[truth]\nmpfr_max_n = 0\n[method p]\n"
                 "spec = poly\nsize = deg\nsizes = 2\ntargets = 1e-3, n^-60\nmax_size = 9\n",
                 FGA_ERR_INPUT, 11, "target 'n^-60' is ");
}
END_TEST

/* max_size = n: the search stops at the cell's n, a size the method must
   take at every n of the grid.  */
START_TEST (test_max_size_n)
{
  read_ok (GRID "[method r]\nspec = rf:seed=1\nsize = m\nsizes = 4\ntargets = 1e-2\n"
           "max_size = n\n");
  ck_assert_int_eq (cfg.methods[0].max_size_n, 1);
  check_refused (GRID "[method r]\nspec = rf:seed=1\nsize = m\ntargets = 1e-2\nmax_size = m\n",
                 FGA_ERR_INPUT, 8, "max_size: 'm' is not n or a positive finite number");
  /* poly's degree stops at 10000 */
  check_refused ("[grid]\nn = 256, 16384\nd = 1\nbeta = 1\n[truth]\nmpfr_max_n = 0\n"
                 "[method p]\nspec = poly\nsize = deg\ntargets = 1e-2\nmax_size = n\n",
                 FGA_ERR_INPUT, 11, "[method p]: ");
  check_refused ("[grid]\nn = 256, 16384\nd = 1\nbeta = 1\n[truth]\nmpfr_max_n = 0\n"
                 "[method p]\nspec = poly\nsize = deg\ntargets = 1e-2\nmax_size = n\n",
                 FGA_ERR_INPUT, 11, "16384");
  /* ... unless the method stops below that n (max_n) */
  read_ok ("[grid]\nn = 256, 16384\nd = 1\nbeta = 1\n[truth]\nmpfr_max_n = 0\n"
           "[method p]\nspec = poly\nsize = deg\ntargets = 1e-2\nmax_size = n\nmax_n = 2^8\n");
  ck_assert_uint_eq (cfg.methods[0].max_n, 256);
  check_refused (GRID "[method p]\nspec = poly\nsize = deg\nsizes = 2\nmax_n = 0\n",
                 FGA_ERR_INPUT, 8, "max_n");
  check_refused (GRID "[method p]\nspec = poly\nsize = deg\nsizes = 2\nmax_n = n\n",
                 FGA_ERR_INPUT, 8, "max_n");
}
END_TEST

/* [rank]: algo, dense_max_n, kmax, and the memory of each algorithm.  */
START_TEST (test_rank_keys)
{
  read_ok (GRID "[rank]\ntol = 1/n\nalgo = randomized\nkmax = 64\ndense_max_n = 100\n" EXACT);
  ck_assert_int_eq (cfg.rank_algo, FGA_SWEEP_RANK_RANDOMIZED);
  ck_assert_uint_eq (cfg.rank_kmax, 64);
  ck_assert_uint_eq (cfg.rank_dense_max_n, 100);
  read_ok (GRID "[rank]\nalgo = dense\n" EXACT);
  ck_assert_int_eq (cfg.rank_algo, FGA_SWEEP_RANK_DENSE);
  check_refused (GRID "[rank]\nalgo = svd\n" EXACT, FGA_ERR_INPUT, 5,
                 "algo: 'svd' is not dense, randomized or auto");
  check_refused (GRID "[rank]\nkmax = 0\n" EXACT, FGA_ERR_INPUT, 5,
                 "kmax: '0' is not a whole number from 1");
  /* n = 2^20: P alone is 8 TiB, the randomized sketch of 24 columns a few
     hundred MiB */
  static const char big[] = "[grid]\nn = 2^20\nd = 1\nbeta = 1\n[truth]\nmpfr_max_n = 0\n"
    "[rank]\ntol = 1e-3\nmax_n = 1048576\nalgo = %s\nkmax = %s\n" EXACT;
  char text[512];
  snprintf (text, sizeof text, big, "dense", "8");
  check_refused (text, FGA_ERR_INPUT, 9, "rank of P 8 TiB");
  snprintf (text, sizeof text, big, "auto\ndense_max_n = 2^20", "8");
  check_refused (text, FGA_ERR_INPUT, 9, "rank of P ");
  snprintf (text, sizeof text, big, "randomized", "8");
  read_ok (text);
  /* a budget of 10^12 columns is a sketch of n columns: 3 n^2 doubles */
  snprintf (text, sizeof text, big, "randomized", "1e12");
  check_refused (text, FGA_ERR_INPUT, 11, "rank of P ");
  snprintf (text, sizeof text, big, "auto", "8");
  read_ok (text);               /* dense up to 4096 only: randomized at 2^20 */
}
END_TEST

/* [cost]: its keys, defaults and refusals.  */
START_TEST (test_cost_keys)
{
  read_ok (GRID EXACT "[cost]\neps = 1/n\n");
  ck_assert_int_eq (cfg.cost.on, 1);
  ck_assert_uint_eq (cfg.cost.neps, 1);
  ck_assert_int_eq (cfg.cost.basis, FGA_BASIS_CHEB);
  ck_assert_int_eq (cfg.cost.gmax, 64);
  ck_assert (cfg.cost.poly_max_bytes == 0x1p30);
  ck_assert_str_eq (cfg.cost.exact, "exact:algo=stream");
  read_ok (GRID EXACT "[cost]\neps = 1e-3\npoly_max_bytes = 1e9\ngmax = 10000\n");
  ck_assert (cfg.cost.poly_max_bytes == 1e9 && cfg.cost.gmax == 10000);
  check_refused (GRID EXACT "[cost]\nbasis = cheb\n", FGA_ERR_INPUT, 6, "[cost] needs eps");
  check_refused (GRID EXACT "[cost]\neps = 1e-3\nbasis = chebyshev\n", FGA_ERR_INPUT, 8,
                 "basis: basis 'chebyshev' is not taylor or cheb");
  check_refused (GRID EXACT "[cost]\neps = 1e-3\ngmax = 0\n", FGA_ERR_INPUT, 8,
                 "gmax: '0' is not a whole number from 1 to 10000");
  check_refused (GRID EXACT "[cost]\neps = 1e-3\ngmax = 10001\n", FGA_ERR_INPUT, 8, "gmax");
  check_refused (GRID EXACT "[cost]\neps = 1e-3\npoly_max_bytes = 2^63\n", FGA_ERR_INPUT, 8,
                 "poly_max_bytes: '2^63' is not a whole number or a power of two");
  check_refused (GRID EXACT "[cost]\neps = 1e-3\npoly_max_bytes = 0\n", FGA_ERR_INPUT, 8,
                 "poly_max_bytes: '0'");
  check_refused (GRID EXACT "[cost]\neps = 1e-3\nexact = poly:deg=2\n", FGA_ERR_INPUT, 8,
                 "[cost]: exact = poly:deg=2 is not an exact method");
  check_refused (GRID EXACT "[cost]\neps = 1e-3\nexact = exact:algo=frob\n", FGA_ERR_INPUT, 8,
                 "frob");
  check_refused (GRID EXACT "[cost]\neps = 1e-3, n^-0.5x\n", FGA_ERR_INPUT, 7, "eps 'n^-0.5x'");
  check_refused (GRID EXACT "[cost]\neps = 1e-3\ncolour = red\n", FGA_ERR_INPUT, 8,
                 "[cost]: unknown key 'colour' (known: eps, basis, gmax, poly_max_bytes, exact)");
  check_refused (GRID EXACT "[cost]\neps = 1e-3\n[cost]\n", FGA_ERR_INPUT, 8,
                 "section [cost] repeated (first at line 6)");
  /* poly allowed 2^62 bytes at degrees up to 10000: r = C(d + g, d) up to
     2^62 / (8 (2 n + dv + 1)) features, whose tables alone take 15.7 PiB;
     the memory check names poly_max_bytes */
  check_refused (GRID EXACT "[cost]\neps = 1e-3\ngmax = 10000\npoly_max_bytes = 2^62\n",
                 FGA_ERR_INPUT, 9, "largest method 15.7 PiB: [cost] poly");
  /* with gmax = 8 and d = 8, r <= C(16, 8) = 12870 */
  read_ok (GRID EXACT "[cost]\neps = 1e-3\ngmax = 8\npoly_max_bytes = 2^62\n");
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
  TCase *tc = fga_test_tcase ("read", 10);
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
  tcase_add_test (tc, test_laws_fixture);
  tcase_add_test (tc, test_laws);
  tcase_add_test (tc, test_n_forms);
  tcase_add_test (tc, test_dists);
  tcase_add_test (tc, test_accuracies);
  tcase_add_test (tc, test_max_size_n);
  tcase_add_test (tc, test_rank_keys);
  tcase_add_test (tc, test_cost_keys);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (sweep_config_suite ());
}
