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

  /* a line too long for the INI reader is refused, not split */
  snprintf (text, sizeof text, GRID "seeds = %s,%s,%s\n" EXACT, list, list, list);
  check_refused (text, FGA_ERR_INPUT, 4, "line longer than");

  /* [rank] and [truth] */
  check_refused (GRID "[rank]\ntol = 1/n, 0\n" EXACT, FGA_ERR_INPUT, 5,
                 "'0' is not 1/n or a positive");
  check_refused (GRID "[truth]\nprec = 20\n" EXACT, FGA_ERR_INPUT, 5, "prec");
  check_refused (GRID "[truth]\ndigits = 20\n" EXACT, FGA_ERR_INPUT, 5,
                 "unknown key 'digits'");
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
