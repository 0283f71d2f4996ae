/* t-hardness.c -- the polynomial method's decision at every degree, and the hardness experiment */

#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "testutil.h"

static char *tmpdir;           /* this run's folder, made by main */

static void
path_of (char *buf, size_t size, const char *name)
{
  snprintf (buf, size, "%s/%s", tmpdir, name);
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
  fga_test_write_text (path, text);
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
    { "[hardness]\nn = 64, 32\nm = 12\nt = 2\ngap = 1\nseeds = 1\n",
      ":2: n: the sizes must increase" },
    { "[hardness]\nn = 8\nm = 12\nt = 2\ngap = 1\nseeds = 1\nbogus = 3\n",
      ":7: [hardness]: unknown key 'bogus' (known: n, m, t, gap, seeds, basis, R, gmax)" },
    { "[hardness]\nn = 8\nm = 12\nm = 13\n", ":4: [hardness]: key 'm' repeated (first at line 3)" },
    { "[hardness]\nn = 8\nm = 12\nt = 2\nseeds = 1\n", ":1: [hardness] needs gap" },
    { "# nothing\n", ":0: missing section [hardness]" },
    { "n = 8\n", ":1: key 'n' outside any section" },
    { "[grid]\nn = 8\n", ":1: unknown section [grid] (expected [hardness] or [method LABEL])" },
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

/* [method LABEL] sections: read, and every malformed entry refused at its
   line, checked against the method registry before any work.  */
START_TEST (test_config_methods)
{
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  static const char base[] = "[hardness]\nn = 32\nm = 8 log2 n\nt = m / 8\ngap = 1\nseeds = 1\n";
  char text[2048];
  snprintf (text, sizeof text, "%s[method rf.pos]\nspec = rf:kind=pos,seed=3\nsize = m\n"
            "max_n = 1024\n[method svd]\nsize = k ; the rank\nspec = svd\n", base);
  ck_assert_msg (read_config (&cfg, text, &err) == FGA_OK, "%s", err.msg);
  ck_assert_uint_eq (cfg.nmethods, 2);
  ck_assert_str_eq (cfg.methods[0].label, "rf.pos");
  ck_assert_str_eq (cfg.methods[0].spec, "rf:kind=pos,seed=3");
  ck_assert_str_eq (cfg.methods[0].size_key, "m");
  ck_assert_uint_eq (cfg.methods[0].max_n, 1024);
  ck_assert_str_eq (cfg.methods[1].size_key, "k");
  ck_assert_uint_eq (cfg.methods[1].max_n, 0);
  /* The search's lower end: the parameter's least value, at least 1;
     strided's l from ceil (sqrt (N)), where its pattern is smallest.  */
  ck_assert_int_eq (fgap_hardness_size_lo (&cfg.methods[0], 64), 1);
  fga_hardness_method st = { "s", "strided", "l", 0 };
  ck_assert_int_eq (fgap_hardness_size_lo (&st, 64), 8);
  ck_assert_int_eq (fgap_hardness_size_lo (&st, 65), 9);
  char spec[700];
  ck_assert_int_eq (fgap_hardness_spec_at (spec, sizeof spec, &cfg.methods[0], 12), 0);
  ck_assert_str_eq (spec, "rf:kind=pos,seed=3,m=12");
  ck_assert_int_eq (fgap_hardness_spec_at (spec, sizeof spec, &cfg.methods[1], 5), 0);
  ck_assert_str_eq (spec, "svd:k=5");
  fga_hardness_config_clear (&cfg);

  static const char *bad[][2] = {
    { "[method x]\nspec = bogus\nsize = m\n", ":8: [method x]: unknown method 'bogus'" },
    { "[method x]\nspec = rf:kind=neg\nsize = m\n", ":8: [method x]: method rf: kind=neg" },
    { "[method x]\nspec = rf\nsize = q\n",
      ":9: [method x]: size: 'q' is not an integer parameter of rf (those are: m, orth, seed)" },
    { "[method x]\nspec = rf\nsize = kind\n", ":9: [method x]: size: 'kind' is not an integer" },
    { "[method x]\nspec = rf\nsize = orth\n", ":9: [method x]: size: 'orth' of rf is a switch" },
    { "[method x]\nspec = rf\nsize = seed\n", ":9: [method x]: size: 'seed' of rf is a seed" },
    { "[method x]\nspec = rf:m=4\nsize = m\n", ":8: [method x]: spec sets 'm', which is the size" },
    { "[method x]\nspec = poly\nsize = prec\n",
      ":9: [method x]: at prec=53: method poly: parameter 'prec' applies only when arith=mpfr" },
    { "[method x]\nspec = rf\n", ":7: [method x] needs size (required: spec, size)" },
    { "[method x]\nsize = m\n", ":7: [method x] needs spec" },
    { "[method x]\nspec = rf\nsize = m\nmax_n = 1\n", ":10: max_n: an integer in 2..65536" },
    { "[method x]\nspec = rf\nsize = m\nmax_n = 4 096\n", ":10: max_n: an integer" },
    { "[method x]\nspec = rf\nsize = m=4\n", ":9: size: 'm=4' is not a parameter name" },
    { "[method x]\nspec = rf\nbogus = 1\n",
      ":9: [method x]: unknown key 'bogus' (known: spec, size, max_n)" },
    { "[method x]\nspec = rf\nspec = svd\n", ":9: [method x]: key 'spec' repeated (first at" },
    { "[method x]\nspec = rf\nsize = m\n[method x]\n", ":10: section [method x] repeated" },
    { "[method]\n", ":7: [method] needs a label" },
    { "[method a,b]\n", ":7: [method a,b]: the label must be 1 to 31 letters" },
    { "[method a|b]\n", ":7: [method a|b]: the label must be" },
    { "[method x]\nspec =\n", ":8: spec has no value" },
    /* keys after a method section belong to it, not to [hardness] */
    { "[method x]\nspec = rf\nsize = m\ngap = 1\n", ":10: [method x]: unknown key 'gap'" },
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
    {
      snprintf (text, sizeof text, "%s%s", base, bad[k][0]);
      ck_assert_int_eq (read_config (&cfg, text, &err), FGA_ERR_INPUT);
      ck_assert_msg (strstr (err.msg, bad[k][1]) != NULL, "case %zu: %s", k, err.msg);
      ck_assert_msg (strstr (err.msg, "c.conf:") != NULL, "case %zu: %s", k, err.msg);
      ck_assert_ptr_null (cfg.text);
    }
  /* At most FGA_HARDNESS_MAX_METHODS sections.  */
  size_t used = (size_t) snprintf (text, sizeof text, "%s", base);
  for (int k = 0; k <= FGA_HARDNESS_MAX_METHODS; k++)
    used += (size_t) snprintf (text + used, sizeof text - used,
                               "[method w%d]\nspec = window\nsize = w\n", k);
  ck_assert_int_eq (read_config (&cfg, text, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "too many [method] sections (at most 16)") != NULL, "%s",
                 err.msg);
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
  fga_test_write_text (conf,
                       "[hardness]\nn = 8, 16\nm = 8 log2 n\nt = m / 8\ngap = 1\nseeds = 1-2\n");
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  ck_assert_int_eq (fga_hardness_config_read (&cfg, conf, &err), FGA_OK);
  ck_assert_msg (fga_hardness_run (&cfg, out, NULL, &err) == FGA_OK, "%s", err.msg);
  fga_hardness_config_clear (&cfg);
  ck_assert_uint_eq (fga_test_count_entries (out), 6);     /* the five and .lock */

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
  fga_test_write_text (conf, "[hardness]\nn = 8, 64\nm = 6\nt = 1\ngap = 2\nseeds = 1\n");
  ck_assert_int_eq (fga_hardness_config_read (&cfg, conf, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, ":5: gap = 2 at n = 64: the gap cannot be sampled") != NULL,
                 "%s", err.msg);
  fga_test_write_text (conf, "[hardness]\nn = 8\nm = 6\nt = 1\ngap = 2\nseeds = 1\n");
  ck_assert_msg (fga_hardness_config_read (&cfg, conf, &err) == FGA_OK, "%s", err.msg);
  cfg.n[1] = 64;
  cfg.nn = 2;
  ck_assert_int_eq (fga_hardness_run (&cfg, out, NULL, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "n = 64: the gap cannot be sampled") != NULL, "%s", err.msg);
  fga_hardness_config_clear (&cfg);
  ck_assert_int_eq (access (out, F_OK), -1);
}
END_TEST

/* --- the methods on the instances ---------------------------------------------- */

/* Writes the configuration text as NAME.conf, reads it and runs it into
   the folder NAME (its path into out); both must succeed.  */
static void
run_config (char *out, size_t size, const char *name, const char *text)
{
  char conf[512], file[64];
  snprintf (file, sizeof file, "%s.conf", name);
  path_of (conf, sizeof conf, file);
  path_of (out, size, name);
  fga_test_write_text (conf, text);
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  ck_assert_msg (fga_hardness_config_read (&cfg, conf, &err) == FGA_OK, "%s", err.msg);
  ck_assert_msg (fga_hardness_run (&cfg, out, NULL, &err) == FGA_OK, "%s", err.msg);
  fga_hardness_config_clear (&cfg);
}

/* The fields of a CSV line, double-quoted fields kept whole (quotes
   removed); returns the count.  */
static size_t
split_csv (char fields[][700], size_t max, const char *line)
{
  size_t k = 0, len = 0;
  int quoted = 0;
  for (const char *c = line;; c++)
    {
      if (*c == '"')
        {
          quoted = !quoted;
          continue;
        }
      if ((*c == ',' && !quoted) || *c == '\n' || *c == '\0')
        {
          ck_assert_uint_lt (k, max);
          fields[k++][len] = '\0';
          len = 0;
          if (*c != ',')
            break;
          continue;
        }
      ck_assert_uint_lt (len, 699);
      fields[k][len++] = *c;
    }
  return k;
}

/* The instance of the experiment at (n, seed, planted), made again here:
   generated, brute-forced, reduced.  */
static void
remake (fga_instance_ptr inst, fga_reduction_info *info, int *yes, size_t n,
        unsigned long seed, int planted)
{
  fga_error err;
  fga_error_init (&err);
  fga_hamming_t h;
  fga_hamming_init (h);
  size_t m = (size_t) ceil (8 * log2 ((double) n));
  ck_assert_int_eq (fga_hamming_generate (h, n, m, m / 8, 1.0, planted, seed, &err), FGA_OK);
  fga_hamming_solution sol;
  fga_hamming_solve (&sol, h);
  *yes = sol.yes;
  fga_instance_init (inst);
  ck_assert_int_eq (fga_reduce (inst, info, h, &err), FGA_OK);
  fga_hamming_clear (h);
}

/* Whether spec decides the instance, by the reduction's routine on its
   output; *max_err its largest error on the real queries against the
   test's own reference attention (tests/testutil.c, not exact:algo=stream).  */
static int
decides (double *max_err, const char *spec, fga_instance_srcptr inst,
         const fga_reduction_info *info, int yes)
{
  fga_error err;
  fga_error_init (&err);
  fga_mat_t T, R;
  ck_assert_msg (run_spec (T, spec, inst, &err) == FGA_OK, "%s: %s", spec, err.msg);
  ck_assert_int_eq (fga_mat_init (R, T->rows, T->cols, &err), FGA_OK);
  fga_test_ref_attention (R, NULL, inst->Q, inst->K, inst->V, 1.0 / (double) info->d, 128);
  *max_err = 0;
  for (size_t i = 0; i < info->n; i++)
    *max_err = fmax (*max_err, fabs (FGA_MAT (T, i, 0) - FGA_MAT (R, i, 0)));
  fga_reduction_decision dec;
  ck_assert_int_eq (fga_reduction_decide (&dec, T, info, &err), FGA_OK);
  fga_mat_clear (T);
  fga_mat_clear (R);
  return dec.yes == yes;
}

/* Column indices of methods.csv used below.  */
enum { C_N, C_NN, C_LABEL, C_SPEC, C_KEY, C_SEED, C_RUN, C_MAXN, C_FROM, C_TO, C_TRIED,
       C_REFUSED, C_LEAST, C_CENSORED, C_AT, C_WIDTH, C_WIDTH_N, C_DECIDED, C_INST,
       C_MAX_ABS, C_MAX_ABS_REAL, C_ACC, C_ERR_ACC, C_COUNT = 32 };

/* Checks one row of a method that was run, against what the instances
   themselves say (made again here, decided through the method API).  */
static void
check_row (char f[][700], unsigned long seed)
{
  size_t n = strtoul (f[C_N], NULL, 10), N = 2 * n;
  const char *label = f[C_LABEL];
  long least = f[C_LEAST][0] ? strtol (f[C_LEAST], NULL, 10) : -1;
  int censored = atoi (f[C_CENSORED]);
  ck_assert_int_eq (censored, least < 0);
  ck_assert_uint_eq (strtoul (f[C_INST], NULL, 10), 2);
  fga_instance_t inst[2];
  fga_reduction_info info[2];
  int yes[2];
  for (int p = 0; p < 2; p++)
    remake (inst[p], &info[p], &yes[p], n, seed, 1 - p);
  char spec[700];
  double e, e1;
  if (strcmp (label, "window") == 0 || strcmp (label, "svd") == 0)
    {
      /* At N - 1 window is exact attention, and svd is exact too (P has at
         most n + 1 distinct rows, so rank <= n + 1 <= N - 1): the search
         reaches a size that decides.  */
      ck_assert_msg (!censored, "%s at n = %zu censored", label, n);
      ck_assert_int_le (least, (long) N - 1);
      /* The least size decides both instances, and one less does not
         (the search's boundary, seen independently).  */
      snprintf (spec, sizeof spec, "%s:%s=%ld", label, f[C_KEY], least);
      ck_assert (decides (&e, spec, inst[0], &info[0], yes[0]));
      ck_assert (decides (&e1, spec, inst[1], &info[1], yes[1]));
      /* The error reported, against exact:algo=stream, is the error
         against the test's reference to the references' own rounding.  */
      e = fmax (e, e1);
      ck_assert_msg (fabs (e - strtod (f[C_MAX_ABS_REAL], NULL)) <= 1e-14, "%s: %g against %s",
                     spec, e, f[C_MAX_ABS_REAL]);
      ck_assert_double_eq_tol (strtod (f[C_ERR_ACC], NULL), e / info[0].accuracy,
                               1e-14 / info[0].accuracy);
      if (least > 1)
        {
          snprintf (spec, sizeof spec, "%s:%s=%ld", label, f[C_KEY], least - 1);
          ck_assert (!decides (&e, spec, inst[0], &info[0], yes[0])
                     || !decides (&e, spec, inst[1], &info[1], yes[1]));
        }
    }
  if (strcmp (label, "window") == 0)
    /* Below w = n real query 0 sees no dummy key: its output is 1 and a
       NO instance reads YES.  */
    ck_assert_int_ge (least, (long) n);
  if (strcmp (label, "causal") == 0)
    {
      /* A causal window never shows a real query a dummy key: every real
         output is 1, YES on every instance -- right on the YES instance
         only, at every size.  */
      ck_assert_int_eq (censored, 1);
      ck_assert_str_eq (f[C_AT], f[C_TO]);
      ck_assert_uint_eq (strtoul (f[C_TO], NULL, 10), N - 1);
      ck_assert_str_eq (f[C_DECIDED], "1");
      ck_assert_double_eq_tol (strtod (f[C_MAX_ABS_REAL], NULL), 1, 1e-3);
    }
  for (int p = 0; p < 2; p++)
    fga_instance_clear (inst[p]);
}

/* Every method and n has its row, none empty where it ran; exact-equivalent
   sizes decide; a method that cannot decide is censored; poly stops below
   r = N; n > max_n is a row `not run'.  */
START_TEST (test_methods)
{
  char out[512], p[600], line[4096];
  run_config (out, sizeof out, "methods",
              "[hardness]\nn = 32, 64\nm = 8 log2 n\nt = m / 8\ngap = 1\nseeds = 2\n"
              "[method window]\nspec = window\nsize = w\n"
              "[method svd]\nspec = svd\nsize = k\n"
              "[method causal]\nspec = window:causal=1\nsize = w\n"
              "[method poly]\nspec = poly:basis=cheb\nsize = deg\n"
              "[method rf]\nspec = rf:kind=pos\nsize = m\nmax_n = 32\n");

  snprintf (p, sizeof p, "%s/methods.csv", out);
  FILE *fm = fopen (p, "r");
  ck_assert_ptr_nonnull (fm);
  static char f[40][700];
  ck_assert_ptr_nonnull (fgets (line, sizeof line, fm));
  ck_assert_uint_eq (split_csv (f, 40, line), C_COUNT);
  ck_assert_str_eq (f[C_LEAST], "least_size");
  ck_assert_str_eq (f[C_ERR_ACC], "error_over_accuracy");
  const char *want[] = { "window", "svd", "causal", "poly", "rf" };
  size_t rows = 0;
  while (fgets (line, sizeof line, fm) != NULL)
    {
      ck_assert_uint_eq (split_csv (f, 40, line), C_COUNT);
      ck_assert_str_eq (f[C_LABEL], want[rows / 2]);
      ck_assert_uint_eq (strtoul (f[C_N], NULL, 10), rows % 2 ? 64 : 32);
      int run = atoi (f[C_RUN]);
      if (strcmp (f[C_LABEL], "rf") == 0)
        {
          ck_assert_int_eq (run, rows % 2 == 0);
          ck_assert_str_eq (f[C_SEED], "1");          /* the default, spelled out */
        }
      else
        ck_assert_int_eq (run, 1);
      if (!run)
        {
          for (int k = C_FROM; k < C_COUNT; k++)
            ck_assert_str_eq (f[k], "");
        }
      else if (strcmp (f[C_LABEL], "poly") == 0)
        {
          /* r = C(d + 1, d) = d + 1: 81 >= N = 64 at n = 32, nothing to
             try; 97 < 128 at n = 64, deg 1 only (C(98, 2) >= 128).  */
          ck_assert_str_eq (f[C_TO], rows % 2 ? "1" : "0");
          ck_assert_str_eq (f[C_TRIED], rows % 2 ? "1" : "0");
          ck_assert_str_eq (f[C_CENSORED], "1");
          if (rows % 2)
            ck_assert_str_eq (f[C_WIDTH], "97");
        }
      else
        {
          for (int k = C_FROM; k < C_COUNT; k++)
            ck_assert_msg (f[k][0] != '\0' || k == C_LEAST, "%s column %d empty",
                           f[C_LABEL], k);
          check_row (f, 2);
        }
      rows++;
    }
  fclose (fm);
  ck_assert_uint_eq (rows, 10);

  snprintf (p, sizeof p, "%s/summary.md", out);
  FILE *fs = fopen (p, "r");
  ck_assert_ptr_nonnull (fs);
  int saw_notrun = 0, saw_censored = 0, saw_poly = 0, tables = 0;
  while (fgets (line, sizeof line, fs) != NULL)
    {
      saw_notrun |= strncmp (line, "| 64 | 128 | not run (max_n = 32) |", 35) == 0;
      saw_censored |= strncmp (line, "| 32 | 64 | >= 64 (does not decide) | >= 1 | 1/2 at w = 63",
                               58) == 0;
      saw_poly |= strstr (line, "| 32 | 64 | > 0 (does not decide) | >= 1 | no r below N: "
                          "r = 81 >= N at deg = 1 |") != NULL;
      tables += strncmp (line, "### ", 4) == 0;
    }
  fclose (fs);
  ck_assert (saw_notrun && saw_censored && saw_poly);
  ck_assert_int_eq (tables, 5);
}
END_TEST

/* An n at which no method runs still has its rows, with its own n (not
   the previous size's), and nothing in them but `not run'.  */
START_TEST (test_methods_not_run)
{
  char out[512], p[600], line[4096];
  run_config (out, sizeof out, "notrun",
              "[hardness]\nn = 16, 32, 64\nm = 8 log2 n\nt = m / 8\ngap = 1\nseeds = 1\n"
              "[method w]\nspec = window\nsize = w\nmax_n = 16\n"
              "[method s]\nspec = strided\nsize = l\nmax_n = 16\n");
  snprintf (p, sizeof p, "%s/methods.csv", out);
  FILE *fm = fopen (p, "r");
  ck_assert_ptr_nonnull (fm);
  static const char *want[] = {
    "16,32,w,\"window\",w,,1,16,1,31,", "32,64,w,\"window\",w,,0,16,,,,,,,,",
    "64,128,w,\"window\",w,,0,16,,,,,,,,", "16,32,s,\"strided\",l,,1,16,6,31,",
    "32,64,s,\"strided\",l,,0,16,,,,,,,,", "64,128,s,\"strided\",l,,0,16,,,,,,,,"
  };
  ck_assert_ptr_nonnull (fgets (line, sizeof line, fm));
  for (size_t k = 0; k < 6; k++)
    {
      ck_assert_ptr_nonnull (fgets (line, sizeof line, fm));
      ck_assert_msg (strncmp (line, want[k], strlen (want[k])) == 0, "row %zu: %s", k, line);
    }
  ck_assert_ptr_null (fgets (line, sizeof line, fm));
  fclose (fm);
}
END_TEST

/* The methods' search keeps the instances of one n in memory: a grid
   beyond the machine is refused before the folder is made.  */
START_TEST (test_methods_memory)
{
  char conf[512], out[512];
  path_of (conf, sizeof conf, "mem.conf");
  path_of (out, sizeof out, "mem");
  fga_test_write_text (conf, "[hardness]\nn = 8\nm = 8 log2 n\nt = m / 8\ngap = 1\nseeds = 1-64\n"
              "[method w]\nspec = window\nsize = w\n");
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  ck_assert_msg (fga_hardness_config_read (&cfg, conf, &err) == FGA_OK, "%s", err.msg);
  /* 128 instances of 2^17 x 256 doubles, twice: about 69 GB.  */
  cfg.n[0] = 65536;
  if (fga_physical_bytes () < 1.3e11)
    {
      ck_assert_int_eq (fga_hardness_run (&cfg, out, NULL, &err), FGA_ERR_INPUT);
      ck_assert_msg (strstr (err.msg, "n = 65536: the methods' search keeps the 128 reduced "
                             "instances in memory") != NULL, "%s", err.msg);
      ck_assert_int_eq (access (out, F_OK), -1);
    }
  fga_hardness_config_clear (&cfg);
}
END_TEST

/* A folder being written by another run is refused at once, nothing in it
   touched; the lock goes with its holder.  */
START_TEST (test_busy_folder)
{
  char conf[512], out[512], p[600];
  path_of (conf, sizeof conf, "busy.conf");
  path_of (out, sizeof out, "busy");
  fga_test_write_text (conf, "[hardness]\nn = 8\nm = 8 log2 n\nt = m / 8\ngap = 1\nseeds = 1\n");
  ck_assert_int_eq (mkdir (out, 0777), 0);
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  ck_assert_int_eq (fga_hardness_config_read (&cfg, conf, &err), FGA_OK);
  fgap_dir_lock lock;
  ck_assert_int_eq (fgap_dir_lock_take (&lock, out, &err), FGA_OK);
  ck_assert_int_eq (fga_hardness_run (&cfg, out, NULL, &err), FGA_ERR_IO);
  char want[700];
  snprintf (want, sizeof want, "%s is being written by another fgattn (pid %ld)", out,
            (long) getpid ());
  ck_assert_msg (strstr (err.msg, want) != NULL, "%s", err.msg);
  ck_assert_uint_eq (fga_test_count_entries (out), 1);
  fgap_dir_lock_release (&lock);
  ck_assert_msg (fga_hardness_run (&cfg, out, NULL, &err) == FGA_OK, "%s", err.msg);
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
  fga_test_write_text (conf, "[hardness]\nn = 8\nm = 8 log2 n\nt = m / 8\ngap = 1\nseeds = 1\n");
  fga_hardness_config cfg;
  fga_error err;
  fga_error_init (&err);
  ck_assert_int_eq (fga_hardness_config_read (&cfg, conf, &err), FGA_OK);
  cfg.n[1] = 64;
  cfg.nn = 2;
  cfg.gap = 3;                 /* n = 64: m = 48, t = 6, (1+3) 6 = 24 = m/2 */
  ck_assert_int_eq (fga_hardness_run (&cfg, out, NULL, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "n = 64: the gap cannot be sampled") != NULL, "%s",
                 err.msg);
  ck_assert_int_eq (access (out, F_OK), -1);
  /* In an existing empty folder: still empty afterwards (no .lock).  */
  ck_assert_int_eq (mkdir (out, 0777), 0);
  ck_assert_int_eq (fga_hardness_run (&cfg, out, NULL, &err), FGA_ERR_INPUT);
  ck_assert_uint_eq (fga_test_count_entries (out), 0);
  ck_assert_int_eq (rmdir (out), 0);
  fga_hardness_config_clear (&cfg);
}
END_TEST

/* --- progress and the summary per n -------------------------------------------- */

typedef struct
{
  size_t calls, steps_total, last_done, nsteps, ticks;
  double work_total, last_work, end_work;
  double step_w[16];           /* the work of each finished step, in order */
  int last_current_null;
} seen_t;

/* Every report: the totals fixed, the counts and the work never going
   back, and a step's end (current NULL) one step further on.  */
static void
record_progress (const fga_hardness_progress *p, void *data)
{
  seen_t *s = data;
  if (s->calls++ == 0)
    s->steps_total = p->steps_total, s->work_total = p->work_total;
  ck_assert_uint_eq (p->steps_total, s->steps_total);
  ck_assert (p->work_total == s->work_total);
  ck_assert (p->work_done >= s->last_work && p->work_done <= p->work_total);
  ck_assert (p->steps_done >= s->last_done && p->steps_done <= p->steps_total);
  ck_assert (p->elapsed_seconds >= 0);
  if (p->current == NULL)
    {
      ck_assert_uint_eq (p->steps_done, s->last_done + 1);
      ck_assert_uint_lt (s->nsteps, 16);
      s->step_w[s->nsteps++] = p->work_done - s->end_work;
      s->end_work = p->work_done;
    }
  else
    {
      ck_assert_uint_eq (p->steps_done, s->last_done);
      s->ticks += strstr (p->current, " w=") != NULL;
    }
  s->last_done = p->steps_done, s->last_work = p->work_done;
  s->last_current_null = p->current == NULL;
}

/* x = ln C(d + g, d) / ln N at 1000 bits, rounded once.  */
static double
exponent_ref (size_t d, long g, size_t N)
{
  mpz_t r;
  mpfr_t a, b;
  mpz_init (r);
  mpfr_inits2 (1000, a, b, (mpfr_ptr) 0);
  mpz_bin_uiui (r, (unsigned long) (d + (size_t) g), (unsigned long) d);
  mpfr_set_z (a, r, MPFR_RNDN);
  mpfr_log (a, a, MPFR_RNDN);
  mpfr_set_ui (b, (unsigned long) N, MPFR_RNDN);
  mpfr_log (b, b, MPFR_RNDN);
  mpfr_div (a, a, b, MPFR_RNDN);
  double x = mpfr_get_d (a, MPFR_RNDN);
  mpfr_clears (a, b, (mpfr_ptr) 0);
  mpz_clear (r);
  return x;
}

/* The progress reports and the summary of a small run with two methods.
   Expected: the steps (two instances per n, then each method that runs
   there), each step's work from the cost model written out here with the
   degree each instance was actually scanned to (instances.csv: the
   prediction from n alone must be it), and the summary against
   instances.csv and the closed forms.  */
START_TEST (test_progress_and_summary)
{
  char conf[512], out[512], p[600], line[4096];
  path_of (conf, sizeof conf, "prog.conf");
  path_of (out, sizeof out, "prog");
  fga_test_write_text (conf, "[hardness]\nn = 8, 16\nm = 8 log2 n\nt = m / 8\ngap = 1\nseeds = 1\n"
              "[method w]\nspec = window\nsize = w\n"
              "[method s]\nspec = svd\nsize = k\nmax_n = 8\n");
  fga_hardness_config cfg;
  fga_hardness_summary sum;
  seen_t seen;
  memset (&seen, 0, sizeof seen);
  fga_hardness_opts opts = { record_progress, &seen, &sum, NULL };
  fga_error err;
  fga_error_init (&err);
  ck_assert_int_eq (fga_hardness_config_read (&cfg, conf, &err), FGA_OK);
  ck_assert_msg (fga_hardness_run (&cfg, out, &opts, &err) == FGA_OK, "%s", err.msg);
  fga_hardness_config_clear (&cfg);

  /* n = 8: m = 24, d = 48, N = 16; n = 16: m = 32, d = 64, N = 32.  */
  long cert[2][2], least[2][2];
  snprintf (p, sizeof p, "%s/instances.csv", out);
  FILE *fi = fopen (p, "r");
  ck_assert_ptr_nonnull (fi);
  ck_assert_ptr_nonnull (fgets (line, sizeof line, fi));
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      {
        ck_assert_ptr_nonnull (fgets (line, sizeof line, fi));
        ck_assert_int_eq (field_long (line, 0), 8 << i);
        cert[i][j] = field_long (line, 19);
        least[i][j] = field_long (line, 22);
        ck_assert_int_eq (field_long (line, 20), cert[i][j]);     /* scanned to it */
      }
  fclose (fi);
  const double N[2] = { 16, 32 }, d[2] = { 48, 64 };
  double want[7];
  for (int i = 0, k = 0; i < 2; i++)
    {
      for (int j = 0; j < 2; j++)
        want[k++] = N[i] * N[i] * d[i] + 13 * N[i] * d[i] * (double) (cert[i][j] + 1);
      want[k++] = 2 * N[i] * N[i] * d[i] + 2e8;              /* window */
      if (i == 0)
        want[k++] = 2 * N[i] * N[i] * d[i] * N[i] / 32 + 2e8;  /* svd, max_n = 8 */
    }
  ck_assert_uint_eq (seen.steps_total, 7);
  ck_assert_uint_eq (seen.nsteps, 7);
  double total = 0;
  for (int k = 0; k < 7; k++)
    {
      ck_assert_msg (seen.step_w[k] == want[k], "step %d: work %.17g, want %.17g", k,
                     seen.step_w[k], want[k]);
      total += want[k];
    }
  ck_assert (seen.work_total == total);
  ck_assert (seen.last_current_null && seen.last_work == total && seen.last_done == 7);
  ck_assert_uint_gt (seen.ticks, 2);          /* reports within the window searches */

  ck_assert_uint_eq (sum.nn, 2);
  double lr[2];
  for (int i = 0; i < 2; i++)
    {
      const fga_hardness_size *z = &sum.sizes[i];
      ck_assert_uint_eq (z->n, 8u << i);
      ck_assert_uint_eq (z->N, (size_t) N[i]);
      ck_assert_uint_eq (z->d, (size_t) d[i]);
      ck_assert_uint_eq (z->m, (size_t) d[i] / 2);
      ck_assert_uint_eq (z->instances, 2);
      long l = least[i][0] > least[i][1] ? least[i][0] : least[i][1];
      long c = cert[i][0] > cert[i][1] ? cert[i][0] : cert[i][1];
      ck_assert_int_eq (z->least, l);
      ck_assert_int_eq (z->certified, c);
      ck_assert (z->x_least == exponent_ref (z->d, l, z->N));
      ck_assert (z->x_cert == exponent_ref (z->d, c, z->N));
      /* The same by lgamma in double, for the formula itself.  */
      lr[i] = lgamma (d[i] + (double) l + 1) - lgamma (d[i] + 1) - lgamma ((double) l + 1);
      ck_assert_close (z->x_least, lr[i] / log (N[i]), 1e4, 0);
      ck_assert_close (z->log10_r_least, lr[i] / log (10), 1e4, 0);
    }
  /* Two points: the least-squares slopes are the slopes of the line.  */
  ck_assert_uint_eq (sum.nfit, 2);
  ck_assert_close (sum.fit_r_exponent, (lr[1] - lr[0]) / log (2), 1e4, 0);
  ck_assert_close (sum.fit_g_slope, (double) (sum.sizes[1].least - sum.sizes[0].least)
                   / log (2), 1e4, 1e-12);
}
END_TEST

static Suite *
hardness_suite (void)
{
  Suite *s = suite_create ("hardness");
  TCase *tc = fga_test_tcase ("scan", 60);
  tcase_add_test (tc, test_scan_equals_method);
  tcase_add_test (tc, test_scan_exact_and_certified);
  tcase_add_test (tc, test_stable);
  tcase_add_test (tc, test_scan_refusals);
  tcase_add_test (tc, test_scan_mpfr_state);
  suite_add_tcase (s, tc);
  tc = fga_test_tcase ("experiment", 60);
  tcase_add_test (tc, test_config);
  tcase_add_test (tc, test_config_methods);
  tcase_add_test (tc, test_run);
  tcase_add_test (tc, test_busy_folder);
  tcase_add_test (tc, test_refused_run_writes_nothing);
  suite_add_tcase (s, tc);
  tc = fga_test_tcase ("methods", 90);
  tcase_add_test (tc, test_methods);
  tcase_add_test (tc, test_methods_not_run);
  tcase_add_test (tc, test_methods_memory);
  tcase_add_test (tc, test_progress_and_summary);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite_in_tmpdir (hardness_suite (), "t-hardness", &tmpdir);
}
