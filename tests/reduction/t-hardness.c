/* t-hardness.c -- the polynomial method's decision at every degree, and the hardness experiment */

#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "testutil.h"

static char tmpdir[] = "/tmp/t-hardness-XXXXXX";

static void
path_of (char *buf, size_t size, const char *name)
{
  snprintf (buf, size, "%s/%s", tmpdir, name);
}

static void
write_text (const char *path, const char *text)
{
  FILE *f = fopen (path, "w");
  ck_assert_ptr_nonnull (f);
  fputs (text, f);
  fclose (f);
}

/* A hand-made Hamming instance small enough for the method itself:
   n = 4, m = 3, so d = 6 and r = C(6 + g, 6) stays in the thousands.  */
static unsigned char small_a[] = { 0, 0, 0,  0, 1, 1,  1, 0, 1,  1, 1, 0 };
static unsigned char small_b[] = { 1, 1, 1,  0, 0, 1,  1, 0, 0,  0, 1, 1 };

static void
small_instance (fga_instance_ptr inst, fga_reduction_info *info)
{
  fga_hamming_t h;
  fga_hamming_init (h);
  h->n = 4, h->m = 3, h->t = 1, h->eps = 1.0;
  h->a = small_a, h->b = small_b;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  ck_assert_msg (fga_reduce (inst, info, h, &err) == FGA_OK, "%s", err.msg);
  /* h borrows static arrays: not cleared.  */
}

/* Runs spec with tau = 1/d; returns the status, T filled on success.  */
static int
run_spec (fga_mat_ptr T, const char *spec, fga_instance_srcptr inst, fga_error *err)
{
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_problem prob;
  fga_stats st;
  fga_method m = fga_method_create (spec, err);
  ck_assert_msg (m != NULL, "%s: %s", spec, err->msg);
  fga_problem_from_instance (&prob, inst, &tau);
  int rc = fga_method_prepare (m, &prob, err);
  if (rc == FGA_OK)
    {
      ck_assert_int_eq (fga_mat_init (T, prob.nq, prob.dv, err), FGA_OK);
      rc = fga_method_run (m, T, NULL, inst->Q, inst->K, inst->V, &st, err);
      if (rc != FGA_OK)
        fga_mat_clear (T);
    }
  fga_method_destroy (m);
  return rc;
}

/* The scan is what the method computes: at every degree, poly itself (every
   step in MPFR, so its rounding is negligible) gives the same largest real
   output, the same verdict, and fails exactly when the scan says a row sum
   is not positive.  Independent routes: the method builds C(d+g, d)
   monomial features and multiplies them; the scan groups scores.  */
START_TEST (test_scan_equals_method)
{
  fga_instance_t inst;
  fga_reduction_info info;
  small_instance (inst, &info);
  fga_error err;
  fga_error_init (&err);
  double R = fga_score_radius (inst->Q, inst->K, 1.0 / (double) info.d);
  static const char *bases[] = { "cheb", "taylor" };
  const long gmax = 14;
  size_t checked = 0, failed = 0;
  for (int b = 0; b < 2; b++)
    {
      fga_basis basis = b == 0 ? FGA_BASIS_CHEB : FGA_BASIS_TAYLOR;
      fga_reduction_scan scan;
      fga_reduction_scan_init (&scan);
      ck_assert_msg (fga_reduction_degree_scan (&scan, inst, &info, basis, R, gmax, &err)
                     == FGA_OK, "%s", err.msg);
      ck_assert_int_eq (scan.gmax, gmax);
      ck_assert (scan.max_score <= R);
      for (long g = 1; g <= gmax; g++)
        {
          char spec[256];
          snprintf (spec, sizeof spec, "poly:basis=%s,deg=%ld,R=%.17g,arith=mpfr,prec=320",
                    bases[b], g, R);
          fga_mat_t T;
          int rc = run_spec (T, spec, inst, &err);
          int scan_fails = scan.verdict[g] < 0 || scan.dummy_fail[g];
          ck_assert_msg ((rc != FGA_OK) == scan_fails, "%s: method %s, scan %s (%s)", spec,
                         rc == FGA_OK ? "ran" : "failed", scan_fails ? "fails" : "answers",
                         rc == FGA_OK ? "" : err.msg);
          if (rc != FGA_OK)
            {
              failed++;
              continue;
            }
          double mo = -INFINITY;
          for (size_t i = 0; i < info.n; i++)
            mo = fmax (mo, FGA_MAT (T, i, 0));
          ck_assert_msg (fabs (mo - scan.max_o[g]) <= 1e-14 * fabs (scan.max_o[g]),
                         "%s: method max_o %.17g, scan %.17g", spec, mo, scan.max_o[g]);
          ck_assert_int_eq (mo > info.decide_at, scan.verdict[g]);
          checked++;
          fga_mat_clear (T);
        }
      fga_reduction_scan_clear (&scan);
    }
  /* Both outcomes occur: the comparison is not vacuous.  */
  ck_assert_uint_ge (checked, 10);
  ck_assert_uint_ge (failed, 1);
  fga_instance_clear (inst);
}
END_TEST

/* The output the lemma predicts, o_i = x_i / (x_i + n), from the distances.  */
static double
predicted_max_o (fga_hamming_srcptr h, double lambda)
{
  double best = -1;
  for (size_t i = 0; i < h->n; i++)
    {
      long double x = 0;
      for (size_t j = 0; j < h->n; j++)
        x += expl (-(long double) lambda * (long double) fga_hamming_distance (h, i, j));
      best = fmax (best, (double) (x / (x + (long double) h->n)));
    }
  return best;
}

/* With exp itself the scan reproduces the lemma's closed form and the brute
   force; at the certified degree (2 eps_g < accuracy) every instance is
   decided correctly, as lemma 5 promises.  */
START_TEST (test_scan_exact_and_certified)
{
  static const size_t cfg[][3] = { { 16, 32, 4 }, { 32, 40, 5 }, { 24, 48, 6 } };
  static const double gaps[] = { 1.0, 0.5 };
  for (size_t c = 0; c < 3; c++)
    for (int gp = 0; gp < 2; gp++)
      for (int planted = 0; planted <= 1; planted++)
        {
          size_t n = cfg[c][0], m = cfg[c][1], t = cfg[c][2];
          if (fga_hamming_far (t, gaps[gp]) > m / 2 - 2)
            continue;
          fga_error err;
          fga_error_init (&err);
          fga_hamming_t h;
          fga_hamming_init (h);
          ck_assert_msg (fga_hamming_generate (h, n, m, t, gaps[gp], planted,
                                               7 + fga_test_seed (), &err) == FGA_OK,
                         "%s", err.msg);
          fga_hamming_solution sol;
          fga_hamming_solve (&sol, h);
          fga_instance_t inst;
          fga_instance_init (inst);
          fga_reduction_info info;
          ck_assert_int_eq (fga_reduce (inst, &info, h, &err), FGA_OK);
          for (int tight = 0; tight <= 1; tight++)
            {
              double R = tight ? 0 : fga_score_radius (inst->Q, inst->K, 1.0 / (double) info.d);
              double Rc = tight ? info.lambda * (double) m * (1 + 1e-12) : R;
              long cert;
              ck_assert_int_eq (fga_expfit_least_degree (&cert, FGA_BASIS_CHEB, Rc,
                                                         info.accuracy / 2.01, 1, 2000, &err),
                                FGA_OK);
              fga_reduction_scan scan;
              fga_reduction_scan_init (&scan);
              ck_assert_msg (fga_reduction_degree_scan (&scan, inst, &info, FGA_BASIS_CHEB, R,
                                                        cert, &err) == FGA_OK, "%s", err.msg);
              /* The largest score is lambda m, up to the rounding of s.  */
              ck_assert_close (scan.max_score, info.lambda * (double) m, 64, 0);
              if (tight)
                ck_assert (scan.R == scan.max_score);
              /* The instance's scores are s^2 c / d with s = sqrt (lambda d)
                 rounded to a double, not lambda c: exponents up to 100 shift
                 by ~1e-14, so the two agree to some hundreds of ulps.  */
              ck_assert_close (scan.max_o_exact, predicted_max_o (h, info.lambda), 1000, 0);
              ck_assert_int_eq (scan.yes_exact, sol.yes);
              ck_assert_int_eq (scan.verdict[cert], sol.yes);
              ck_assert_close (scan.max_o[cert], scan.max_o_exact, 0,
                               2 * (cert > 0 ? info.accuracy : 1));
              long st = fga_reduction_scan_stable (&scan, sol.yes);
              ck_assert (st >= 0 && st <= cert);
              for (long g = st; g <= cert; g++)
                ck_assert_int_eq (scan.verdict[g], sol.yes);
              if (st > 0)
                ck_assert_int_ne (scan.verdict[st - 1], sol.yes);
              fga_reduction_scan_clear (&scan);
            }
          fga_instance_clear (inst);
          fga_hamming_clear (h);
        }
}
END_TEST

START_TEST (test_stable)
{
  int v[] = { 1, 0, 1, -1, 1, 1, 1 };
  fga_reduction_scan scan;
  fga_reduction_scan_init (&scan);
  scan.verdict = v;
  scan.gmax = 6;
  ck_assert_int_eq (fga_reduction_scan_stable (&scan, 1), 4);
  ck_assert_int_eq (fga_reduction_scan_stable (&scan, 0), -1);
  v[6] = 0;
  ck_assert_int_eq (fga_reduction_scan_stable (&scan, 0), 6);
  ck_assert_int_eq (fga_reduction_scan_stable (&scan, 1), -1);
  for (int i = 0; i < 7; i++)
    v[i] = 1;
  ck_assert_int_eq (fga_reduction_scan_stable (&scan, 1), 0);
  scan.gmax = 0;
  ck_assert_int_eq (fga_reduction_scan_stable (&scan, 1), 0);
}
END_TEST

START_TEST (test_scan_refusals)
{
  fga_instance_t inst;
  fga_reduction_info info;
  small_instance (inst, &info);
  fga_error err;
  fga_error_init (&err);
  fga_reduction_scan scan;
  fga_reduction_scan_init (&scan);
  double R = fga_score_radius (inst->Q, inst->K, 1.0 / (double) info.d);
  ck_assert_int_eq (fga_reduction_degree_scan (&scan, inst, &info, FGA_BASIS_CHEB, R, -1, &err),
                    FGA_ERR_INPUT);
  /* An interval that misses the largest score.  */
  ck_assert_int_eq (fga_reduction_degree_scan (&scan, inst, &info, FGA_BASIS_CHEB,
                                               info.lambda, 4, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "cover every score"));
  double keep = FGA_MAT (inst->K, 2, 1);
  FGA_MAT (inst->K, 2, 1) = 2 * info.s;
  ck_assert_int_eq (fga_reduction_degree_scan (&scan, inst, &info, FGA_BASIS_CHEB, R, 4, &err),
                    FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "K[2][1]"));
  FGA_MAT (inst->K, 2, 1) = keep;
  FGA_MAT (inst->V, 3, 0) = 0.5;
  ck_assert_int_eq (fga_reduction_degree_scan (&scan, inst, &info, FGA_BASIS_CHEB, R, 4, &err),
                    FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "V[3][0]"));
  ck_assert_ptr_null (scan.max_o);
  fga_instance_clear (inst);
}
END_TEST

/* MPFR's exponent range and flags come back as the caller left them on
   every exit: success, a refusal before any MPFR work (gmax), a refusal
   after it (R misses a score).  And the scan does not depend on the
   caller's range: under [-4, 4], where e^R and most Chebyshev coefficients
   fall outside, it gives what it gives under the default range.  */
START_TEST (test_scan_mpfr_state)
{
  fga_instance_t inst;
  fga_reduction_info info;
  small_instance (inst, &info);
  fga_error err;
  fga_error_init (&err);
  double R = fga_score_radius (inst->Q, inst->K, 1.0 / (double) info.d);
  const long gmax = 14;
  fga_reduction_scan ref, scan;
  fga_reduction_scan_init (&ref);
  fga_reduction_scan_init (&scan);
  ck_assert_msg (fga_reduction_degree_scan (&ref, inst, &info, FGA_BASIS_CHEB, R, gmax, &err)
                 == FGA_OK, "%s", err.msg);

  mpfr_exp_t emin = mpfr_get_emin (), emax = mpfr_get_emax ();
  mpfr_set_emin (-4);
  mpfr_set_emax (4);
  mpfr_clear_flags ();
  mpfr_set_erangeflag ();
  mpfr_set_inexflag ();
  const mpfr_flags_t flags = mpfr_flags_save ();
  int rc[3];
  rc[0] = fga_reduction_degree_scan (&scan, inst, &info, FGA_BASIS_CHEB, R, gmax, &err);
  ck_assert (mpfr_get_emin () == -4 && mpfr_get_emax () == 4);
  ck_assert_uint_eq (mpfr_flags_save (), flags);
  rc[1] = fga_reduction_degree_scan (&scan, inst, &info, FGA_BASIS_CHEB, R, -1, NULL);
  ck_assert (mpfr_get_emin () == -4 && mpfr_get_emax () == 4);
  ck_assert_uint_eq (mpfr_flags_save (), flags);
  rc[2] = fga_reduction_degree_scan (&scan, inst, &info, FGA_BASIS_CHEB, info.lambda, gmax,
                                     NULL);
  ck_assert (mpfr_get_emin () == -4 && mpfr_get_emax () == 4);
  ck_assert_uint_eq (mpfr_flags_save (), flags);
  mpfr_set_emin (emin);
  mpfr_set_emax (emax);
  mpfr_clear_flags ();

  ck_assert_msg (rc[0] == FGA_OK, "%s", err.msg);
  ck_assert_int_eq (rc[1], FGA_ERR_INPUT);
  ck_assert_int_eq (rc[2], FGA_ERR_INPUT);
  /* The refusals left the scan of the first call as it was.  */
  ck_assert_int_eq (scan.gmax, gmax);
  ck_assert (scan.max_o_exact == ref.max_o_exact && scan.yes_exact == ref.yes_exact);
  for (long g = 0; g <= gmax; g++)
    ck_assert_msg ((scan.max_o[g] == ref.max_o[g]
                    || (isnan (scan.max_o[g]) && isnan (ref.max_o[g])))
                   && scan.verdict[g] == ref.verdict[g]
                   && scan.dummy_fail[g] == ref.dummy_fail[g],
                   "g = %ld: max_o %.17g against %.17g", g, scan.max_o[g], ref.max_o[g]);
  fga_reduction_scan_clear (&scan);
  fga_reduction_scan_clear (&ref);
  fga_instance_clear (inst);
}
END_TEST

/* --- the configuration ------------------------------------------------------ */

static int
read_config (fga_hardness_config *cfg, const char *text, fga_error *err)
{
  char path[512];
  path_of (path, sizeof path, "c.conf");
  write_text (path, text);
  return fga_hardness_config_read (cfg, path, err);
}

START_TEST (test_config)
{
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  ck_assert_msg (read_config (&cfg, "# comment\n[hardness]\nn = 32, 64 ; two\nm = 8 log2 n\n"
                              "t = m / 8\ngap = 0.5\nseeds = 2-4\nbasis = taylor\nR = max\n"
                              "gmax = 300\n", &err) == FGA_OK, "%s", err.msg);
  ck_assert_uint_eq (cfg.nn, 2);
  ck_assert_uint_eq (cfg.n[1], 64);
  ck_assert_uint_eq (fgap_hardness_m_of (&cfg, 32), 40);
  ck_assert_uint_eq (fgap_hardness_m_of (&cfg, 100), 54);     /* ceil (8 log2 100) */
  ck_assert_uint_eq (fgap_hardness_t_of (&cfg, 40), 5);
  ck_assert_uint_eq (fgap_hardness_t_of (&cfg, 7), 1);        /* at least 1 */
  ck_assert_uint_eq (cfg.nseeds, 3);
  ck_assert_uint_eq (cfg.seeds[2], 4);
  ck_assert_int_eq (cfg.basis, FGA_BASIS_TAYLOR);
  ck_assert_int_eq (cfg.R_max, 1);
  ck_assert_int_eq (cfg.gmax, 300);
  ck_assert_double_eq (cfg.gap, 0.5);
  ck_assert_ptr_nonnull (strstr (cfg.text, "# comment"));
  fga_hardness_config_clear (&cfg);

  ck_assert_int_eq (read_config (&cfg, "[hardness]\nn = 8\nm = 12\nt = 2\ngap = 1\nseeds = 1\n",
                                 &err), FGA_OK);
  ck_assert_uint_eq (fgap_hardness_m_of (&cfg, 1024), 12);
  ck_assert_uint_eq (fgap_hardness_t_of (&cfg, 12), 2);
  ck_assert_int_eq (cfg.basis, FGA_BASIS_CHEB);
  ck_assert_int_eq (cfg.R_max, 0);
  fga_hardness_config_clear (&cfg);

  static const char *bad[][2] = {
    { "[hardness]\nn = 64, 32\nm = 12\nt = 2\ngap = 1\nseeds = 1\n", ":2: n: the sizes must increase" },
    { "[hardness]\nn = 8\nm = 12\nt = 2\ngap = 1\nseeds = 1\nbogus = 3\n",
      ":7: [hardness]: unknown key 'bogus' (known: n, m, t, gap, seeds, basis, R, gmax)" },
    { "[hardness]\nn = 8\nm = 12\nm = 13\n", ":4: [hardness]: key 'm' repeated (first at line 3)" },
    { "[hardness]\nn = 8\nm = 12\nt = 2\nseeds = 1\n", ":1: [hardness] needs gap" },
    { "# nothing\n", ":0: missing section [hardness]" },
    { "n = 8\n", ":1: key 'n' outside any section" },
    { "[grid]\nn = 8\n", ":1: unknown section [grid] (expected [hardness])" },
    { "[hardness]\nn = 8\n[hardness]\n", ":3: section [hardness] repeated (first at line 1)" },
    { "[hardness]\nn = 8\n  m = 12\n", ":3: indented line" },
    { "[hardness]\nn = 8\nm = 12 # no inline #\n", ":3: m: an integer" },
    { "[hardness]\nn = 8\nbasis = cheb\xff\n", ":3: not UTF-8 (the byte 0xFF, column 13)" },
    { "[hardness]\n# \x7f\n", ":2: the control character 0x7F" },
    { "[hardness]\nn = 8\nm = 3 log n\n", ":3: m: an integer" },
    { "[hardness]\nn = 8\nm = 12\nt = 2\ngap = -1\n", ":5: gap" },
    { "[hardness]\nn = 1\n", ":2: n: a list of integers >= 2" },
    { "[hardness]\nn = 8\nt = k / 2\n", ":3: t: `m / K'" },
    { "[hardness]\nn = 8\nR = 3\n", ":3: R: auto or max" },
    { "[hardness]\nn = 8\nbasis = fourier\n", ":3: basis" },
    { "[hardness]\nn = 8\ngmax = 0\n", ":3: gmax" },
    { "[hardness]\nn = 8\nm\n", ":3: expected '[section]', 'key = value' or a comment" },
    /* empty list items are refused, not skipped (strtok skipped them once) */
    { "[hardness]\nn = 8\nm = 12\nt = 2\ngap = 1\nseeds = 4,,4\n", ":6: seeds: an empty item" },
    { "[hardness]\nn = 8\nm = 12\nt = 2\ngap = 1\nseeds = 4,\n", ":6: seeds: an empty item" },
    { "[hardness]\nn = ,8\n", ":2: n: an empty item" },
    { "[hardness]\nn = 8, ,16\n", ":2: n: an empty item" },
    { "[hardness]\nn = 8\nm = 12\nt = 2\ngap = 1\nseeds = 4 4\n", ":6: seeds: a list" },
    /* a gap the generator refuses to sample at some n of the grid: at the
       line of gap, before any run */
    { "[hardness]\nn = 8, 16\nm = 8 log2 n\nt = m / 8\ngap = 4\nseeds = 1\n",
      ":5: gap = 4 at n = 8: the gap cannot be sampled" },
    { "[hardness]\nn = 8\nm = 12\nt = 7\ngap = 1\nseeds = 1\n",
      ":5: gap = 1 at n = 8: (1+eps) t = 14 exceeds m = 12" },
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
    {
      ck_assert_int_eq (read_config (&cfg, bad[k][0], &err), FGA_ERR_INPUT);
      ck_assert_msg (strstr (err.msg, bad[k][1]) != NULL, "case %zu: %s", k, err.msg);
      ck_assert_ptr_null (cfg.text);
    }
  char path[512];
  path_of (path, sizeof path, "missing.conf");
  ck_assert_int_eq (fga_hardness_config_read (&cfg, path, &err), FGA_ERR_INPUT);

  /* A NUL byte, at its line.  */
  static const char nul[] = "[hardness]\nn = 8\nm = 1\x00\n";
  path_of (path, sizeof path, "nul.conf");
  FILE *f = fopen (path, "wb");
  ck_assert_ptr_nonnull (f);
  ck_assert_uint_eq (fwrite (nul, 1, sizeof nul - 1, f), sizeof nul - 1);
  fclose (f);
  ck_assert_int_eq (fga_hardness_config_read (&cfg, path, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "nul.conf:3: a NUL byte (column 6)") != NULL, "%s", err.msg);

  /* Lines longer than inih's 200 bytes are read whole: 64 seeds and a
     long comment, CRLF ends; the text is kept as read.  */
  char text[4096] = "# ", list[1024] = "";
  for (int k = 0; k < 300; k++)
    strcat (text, "-");
  for (int k = 0; k < FGA_HARDNESS_MAX; k++)
    {
      size_t used = strlen (list);
      snprintf (list + used, sizeof list - used, "%s%d", k ? ",   " : "", 100 + k);
    }
  size_t used = strlen (text);
  snprintf (text + used, sizeof text - used, "\r\n[hardness]\r\nn = 8\r\nm = 12\r\nt = 2\r\n"
            "gap = 1\r\nseeds = %s    ; the seeds\r\n", list);
  ck_assert_msg (read_config (&cfg, text, &err) == FGA_OK, "%s", err.msg);
  ck_assert_uint_eq (cfg.nseeds, FGA_HARDNESS_MAX);
  ck_assert_uint_eq (cfg.seeds[FGA_HARDNESS_MAX - 1], 100 + FGA_HARDNESS_MAX - 1);
  ck_assert_str_eq (cfg.text, text);
  fga_hardness_config_clear (&cfg);
}
END_TEST

/* --- the run ---------------------------------------------------------------- */

/* Field k (0-based) of a CSV line, into buf.  */
static const char *
field (char *buf, size_t size, const char *line, int k)
{
  for (; k > 0; k--)
    {
      line = strchr (line, ',');
      ck_assert_ptr_nonnull (line);
      line++;
    }
  size_t len = strcspn (line, ",\n");
  ck_assert_uint_lt (len, size);
  memcpy (buf, line, len);
  buf[len] = '\0';
  return buf;
}

static long
field_long (const char *line, int k)
{
  char b[128];
  return strtol (field (b, sizeof b, line, k), NULL, 10);
}

START_TEST (test_run)
{
  char conf[512], out[512], p[600];
  path_of (conf, sizeof conf, "run.conf");
  path_of (out, sizeof out, "run");
  write_text (conf, "[hardness]\nn = 8, 16\nm = 8 log2 n\nt = m / 8\ngap = 1\nseeds = 1-2\n");
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  ck_assert_int_eq (fga_hardness_config_read (&cfg, conf, &err), FGA_OK);
  ck_assert_msg (fga_hardness_run (&cfg, out, NULL, NULL, &err) == FGA_OK, "%s", err.msg);
  fga_hardness_config_clear (&cfg);
  ck_assert_uint_eq (fga_test_count_entries (out), 5);     /* the four and .lock */

  /* Every instance: brute force and exp agree; the least degree is at most
     the certified one; and degrees.csv says every degree from the least
     one to the end of the scan decides correctly, the one before it not.  */
  snprintf (p, sizeof p, "%s/instances.csv", out);
  FILE *fi = fopen (p, "r");
  ck_assert_ptr_nonnull (fi);
  char line[4096], hdr[4096];
  ck_assert_ptr_nonnull (fgets (hdr, sizeof hdr, fi));
  ck_assert_ptr_nonnull (strstr (hdr, "n,m,d,t,gap,seed,planted,brute_yes,"));
  size_t rows = 0;
  long least[8], scanned[8];
  while (fgets (line, sizeof line, fi) != NULL)
    {
      ck_assert_uint_lt (rows, 8);
      ck_assert_int_eq (field_long (line, 7), field_long (line, 18));  /* brute_yes, exact_yes */
      ck_assert_int_eq (field_long (line, 6), field_long (line, 7));   /* planted = YES */
      least[rows] = field_long (line, 22);
      scanned[rows] = field_long (line, 20);
      ck_assert_int_eq (field_long (line, 19), scanned[rows]);       /* cert_deg */
      ck_assert (least[rows] >= 0 && least[rows] <= scanned[rows]);
      ck_assert_int_eq (field_long (line, 2), 2 * field_long (line, 1));  /* d = 2m */
      rows++;
    }
  fclose (fi);
  ck_assert_uint_eq (rows, 8);
  snprintf (p, sizeof p, "%s/degrees.csv", out);
  FILE *fd = fopen (p, "r");
  ck_assert_ptr_nonnull (fd);
  ck_assert_ptr_nonnull (fgets (line, sizeof line, fd));
  ck_assert_str_eq (line, "n,seed,planted,g,max_o,verdict,correct,dummy_fail\n");
  size_t k = 0, lines = 0;
  long prev_g = -1;
  while (fgets (line, sizeof line, fd) != NULL)
    {
      long g = field_long (line, 3);
      if (g <= prev_g)
        k++;
      prev_g = g;
      ck_assert_uint_lt (k, 8);
      long correct = field_long (line, 6);
      if (g >= least[k])
        ck_assert_int_eq (correct, 1);
      else if (g == least[k] - 1)
        ck_assert_int_eq (correct, 0);
      lines++;
    }
  fclose (fd);
  ck_assert_uint_eq (k, 7);
  long total = 0;
  for (int i = 0; i < 8; i++)
    total += scanned[i] + 1;
  ck_assert_uint_eq (lines, (size_t) total);
  snprintf (p, sizeof p, "%s/summary.md", out);
  FILE *fs = fopen (p, "r");
  ck_assert_ptr_nonnull (fs);
  size_t table_rows = 0;
  while (fgets (line, sizeof line, fs) != NULL)
    table_rows += strncmp (line, "| 8 |", 5) == 0 || strncmp (line, "| 16 |", 6) == 0;
  fclose (fs);
  ck_assert_uint_eq (table_rows, 2);

  /* A grid the generator refuses at n = 64 (m = 6, t = 1, gap 2: far = 3
     is too close to m / 2) is refused when read, at the line of gap, and
     made in code it is refused by the run before the folder is made: no
     folder, no .lock, no temporary.  */
  path_of (out, sizeof out, "fail");
  write_text (conf, "[hardness]\nn = 8, 64\nm = 6\nt = 1\ngap = 2\nseeds = 1\n");
  ck_assert_int_eq (fga_hardness_config_read (&cfg, conf, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, ":5: gap = 2 at n = 64: the gap cannot be sampled") != NULL,
                 "%s", err.msg);
  write_text (conf, "[hardness]\nn = 8\nm = 6\nt = 1\ngap = 2\nseeds = 1\n");
  ck_assert_msg (fga_hardness_config_read (&cfg, conf, &err) == FGA_OK, "%s", err.msg);
  cfg.n[1] = 64;
  cfg.nn = 2;
  ck_assert_int_eq (fga_hardness_run (&cfg, out, NULL, NULL, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "n = 64: the gap cannot be sampled") != NULL, "%s", err.msg);
  fga_hardness_config_clear (&cfg);
  ck_assert_int_eq (access (out, F_OK), -1);
}
END_TEST

/* A folder being written by another run is refused at once, nothing in it
   touched; the lock goes with its holder.  */
START_TEST (test_busy_folder)
{
  char conf[512], out[512], p[600];
  path_of (conf, sizeof conf, "busy.conf");
  path_of (out, sizeof out, "busy");
  write_text (conf, "[hardness]\nn = 8\nm = 8 log2 n\nt = m / 8\ngap = 1\nseeds = 1\n");
  ck_assert_int_eq (mkdir (out, 0777), 0);
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  ck_assert_int_eq (fga_hardness_config_read (&cfg, conf, &err), FGA_OK);
  fgap_dir_lock lock;
  ck_assert_int_eq (fgap_dir_lock_take (&lock, out, &err), FGA_OK);
  ck_assert_int_eq (fga_hardness_run (&cfg, out, NULL, NULL, &err), FGA_ERR_IO);
  char want[700];
  snprintf (want, sizeof want, "%s is being written by another fgattn (pid %ld)", out,
            (long) getpid ());
  ck_assert_msg (strstr (err.msg, want) != NULL, "%s", err.msg);
  ck_assert_uint_eq (fga_test_count_entries (out), 1);
  fgap_dir_lock_release (&lock);
  ck_assert_msg (fga_hardness_run (&cfg, out, NULL, NULL, &err) == FGA_OK, "%s", err.msg);
  snprintf (p, sizeof p, "%s/hardness.json", out);
  ck_assert_int_eq (access (p, F_OK), 0);
  fga_hardness_config_clear (&cfg);
}
END_TEST

/* A run that is refused writes nothing: a configuration made in code with
   a gap that cannot be sampled at its second n is refused before the
   folder is made (no folder, no .lock).  */
START_TEST (test_refused_run_writes_nothing)
{
  char out[512], conf[512];
  path_of (out, sizeof out, "refused");
  path_of (conf, sizeof conf, "refused.conf");
  write_text (conf, "[hardness]\nn = 8\nm = 8 log2 n\nt = m / 8\ngap = 1\nseeds = 1\n");
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  ck_assert_int_eq (fga_hardness_config_read (&cfg, conf, &err), FGA_OK);
  cfg.n[1] = 64;
  cfg.nn = 2;
  cfg.gap = 3;                 /* n = 64: m = 48, t = 6, (1+3) 6 = 24 = m/2 */
  ck_assert_int_eq (fga_hardness_run (&cfg, out, NULL, NULL, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "n = 64: the gap cannot be sampled") != NULL, "%s",
                 err.msg);
  ck_assert_int_eq (access (out, F_OK), -1);
  /* In an existing empty folder: still empty afterwards (no .lock).  */
  ck_assert_int_eq (mkdir (out, 0777), 0);
  ck_assert_int_eq (fga_hardness_run (&cfg, out, NULL, NULL, &err), FGA_ERR_INPUT);
  ck_assert_uint_eq (fga_test_count_entries (out), 0);
  ck_assert_int_eq (rmdir (out), 0);
  fga_hardness_config_clear (&cfg);
}
END_TEST

static Suite *
hardness_suite (void)
{
  Suite *s = suite_create ("hardness");
  TCase *tc = tcase_create ("scan");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_scan_equals_method);
  tcase_add_test (tc, test_scan_exact_and_certified);
  tcase_add_test (tc, test_stable);
  tcase_add_test (tc, test_scan_refusals);
  tcase_add_test (tc, test_scan_mpfr_state);
  suite_add_tcase (s, tc);
  tc = tcase_create ("experiment");
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_config);
  tcase_add_test (tc, test_run);
  tcase_add_test (tc, test_busy_folder);
  tcase_add_test (tc, test_refused_run_writes_nothing);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  if (mkdtemp (tmpdir) == NULL)
    {
      fprintf (stderr, "t-hardness: mkdtemp %s: %s\n", tmpdir, strerror (errno));
      return 99;
    }
  int status = fga_test_run_suite (hardness_suite ());
  char cmd[sizeof tmpdir + 16];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system (cmd) != 0)
    fprintf (stderr, "t-hardness: could not remove %s\n", tmpdir);
  return status;
}
