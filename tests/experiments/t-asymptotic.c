/* t-asymptotic -- the asymptotic table of the polynomial method (fgattn plan --table)

   Expected values by other routes: the least degree by a direct call of
   fga_expfit_least_degree at the row's R and eps (the table must use the
   same function, the one `fgattn plan' and poly use), B and R from the
   closed forms of the laws in ln n = k ln 2, binomials by a plain product
   in unsigned 64-bit integers and log2 r by lgamma, the local exponent by
   its formula on the neighbouring rows, beta* by the least degrees at the
   two ends of its bracket, compared as exact integers with n.  */

#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "methods/poly_impl.h"

static fga_asym_table
compute (const fga_asym_config *c)
{
  fga_asym_table t;
  fga_error err;
  fga_error_init (&err);
  int rc = fga_asym_table_compute (&t, c, &err);
  ck_assert_msg (rc == FGA_OK, "table: %s", err.msg);
  return t;
}

/* f(n) of the default laws at n = 2^k, written out by hand.  */
static double
law_by_hand (size_t l, int k)
{
  double L = k * log (2.0);
  switch (l)
    {
    case 0: return 1;
    case 1: return sqrt (sqrt (L));
    case 2: return sqrt (L) / log (L);
    default: return sqrt (L);
    }
}

/* The test: for each default law, g equals fga_expfit_least_degree
   at the row's R and eps; B, R, d and eps_rel are what the closed forms say.  */
START_TEST (test_degree_matches_expfit)
{
  fga_asym_config c;
  fga_asym_config_default (&c);
  c.kmax = 40;
  fga_asym_table t = compute (&c);
  ck_assert_uint_eq (t.nrows, 4 * 2 * 33);
  static const int sample[] = { 8, 11, 16, 20, 27, 33, 40 };
  size_t checked = 0;
  for (size_t i = 0; i < t.nrows; i++)
    {
      const fga_asym_row *row = &t.rows[i];
      int want = 0;
      for (size_t s = 0; s < sizeof sample / sizeof sample[0]; s++)
        want |= row->k == sample[s];
      if (!want)
        continue;
      ck_assert_uint_eq (row->d, (size_t) row->k);                /* ceil(log2 2^k) */
      ck_assert (row->eps_rel == ldexp (1, -row->k - 1));         /* (1/n) / 2, exact */
      double B = c.beta[row->beta] * law_by_hand (row->law, row->k);
      ck_assert_msg (fabs (row->B - B) <= 1e-14 * B, "B %.17g, want %.17g", row->B, B);
      /* R = tau d B^2 = B^2 with tau = 1/d, rounded upward by a few ulps */
      ck_assert_msg (row->R >= B * B * (1 - 1e-15) && row->R <= B * B * (1 + 1e-14),
                     "R %.17g for B^2 = %.17g", row->R, B * B);
      long g;
      fga_error err;
      ck_assert (fga_expfit_least_degree (&g, FGA_BASIS_CHEB, row->R, row->eps_rel, 1, 10000,
                                          &err) == FGA_OK);
      ck_assert_msg (row->g == g, "law %s, n = 2^%d: g %ld, expfit %ld", c.laws[row->law].text,
                     row->k, row->g, g);
      checked++;
    }
  ck_assert_uint_eq (checked, 4 * 2 * 7);
  fga_asym_table_clear (&t);
}
END_TEST

/* C(d + g, d) by the product formula, exact in 64 bits for the sizes used.  */
static unsigned long long
binom (unsigned long long d, unsigned long long g)
{
  unsigned long long r = 1;
  for (unsigned long long i = 1; i <= g; i++)
    r = r * (d + i) / i;                 /* exact: r C(d+i-1, i-1) (d+i) / i is C(d+i, i) */
  return r;
}

START_TEST (test_binomial_by_hand)
{
  fga_asym_config c;
  fga_asym_config_default (&c);
  fga_error err;
  ck_assert (fga_asym_d_parse (&c, "3", "--d", &err) == FGA_OK);
  /* the laws o(sqrt(log n)): no beta* search (with d fixed it would run
     at large R) */
  c.kmin = 8, c.kmax = 30, c.nlaws = 3;
  fga_asym_table t = compute (&c);
  int big = 0;
  for (size_t i = 0; i < t.nrows; i++)
    {
      const fga_asym_row *row = &t.rows[i];
      ck_assert_uint_eq (row->d, 3);
      unsigned long long want = binom (3, (unsigned long long) row->g);
      ck_assert_msg (mpz_cmp_ui (row->r, want) == 0, "g = %ld: r = %s, want %llu", row->g,
                     mpz_get_str (NULL, 10, row->r), want);
      double l2 = (lgamma (3.0 + row->g + 1) - lgamma (row->g + 1.0) - lgamma (4.0)) / log (2.0);
      ck_assert_msg (fabs (row->log2_r - l2) <= 1e-12 * fmax (1, l2), "log2 r %.17g, %.17g",
                     row->log2_r, l2);
      ck_assert_int_eq (row->r_below_n, want < (1ull << row->k));
      big |= row->g > 10;
    }
  ck_assert (big);
  fga_asym_table_clear (&t);

  /* d = 8, g = 2 at n = 2^8, B = 1/2 (the first row of the default table):
     r = C(10, 8) = 45 */
  fga_asym_config_default (&c);
  c.kmin = 8, c.kmax = 9, c.nlaws = 1;
  t = compute (&c);
  ck_assert_int_eq (t.rows[0].g, 2);
  ck_assert (mpz_cmp_ui (t.rows[0].r, 45) == 0);
  char buf[64];
  fga_asym_format_big (buf, sizeof buf, t.rows[0].r);
  ck_assert_str_eq (buf, "45");
  fga_asym_table_clear (&t);
}
END_TEST

START_TEST (test_format_big)
{
  mpz_t z;
  mpz_init (z);
  char buf[64];
  mpz_ui_pow_ui (z, 10, 15);
  mpz_sub_ui (z, z, 1);
  fga_asym_format_big (buf, sizeof buf, z);
  ck_assert_str_eq (buf, "999999999999999");
  mpz_add_ui (z, z, 1);
  fga_asym_format_big (buf, sizeof buf, z);
  ck_assert_str_eq (buf, "1.000e+15");
  /* 2^64 = 18446744073709551616: 4 digits, rounded to nearest */
  mpz_ui_pow_ui (z, 2, 64);
  fga_asym_format_big (buf, sizeof buf, z);
  ck_assert_str_eq (buf, "1.845e+19");
  /* 2^1000 = 1.0715...e301: beyond 1e300, not written as a number */
  mpz_ui_pow_ui (z, 2, 1000);
  fga_asym_format_big (buf, sizeof buf, z);
  ck_assert_str_eq (buf, "1.072*10^301");
  mpz_clear (z);
}
END_TEST

/* Local exponents: finite; with window 1 the centred difference of the
   neighbouring rows; the global one log2 r / k.  */
START_TEST (test_local_exponents)
{
  fga_asym_config c;
  fga_asym_config_default (&c);
  c.kmax = 40;
  c.window = 1;
  fga_asym_table t = compute (&c);
  for (size_t i = 0; i < t.nrows; i++)
    {
      const fga_asym_row *row = &t.rows[i];
      ck_assert (isfinite (row->exp_local) && isfinite (row->exp_global));
      ck_assert (row->exp_global == row->log2_r / row->k);
      if (row->k > c.kmin && row->k < c.kmax)
        {
          double want = (t.rows[i + 1].log2_r - t.rows[i - 1].log2_r) / 2;
          ck_assert_int_eq (row->local_points, 3);
          ck_assert_msg (fabs (row->exp_local - want) <= 1e-12 * fmax (1, fabs (want)),
                         "k = %d: %.17g, want %.17g", row->k, row->exp_local, want);
        }
    }
  fga_asym_table_clear (&t);

  /* the default window: finite everywhere, 17 points inside the range */
  fga_asym_config_default (&c);
  c.kmax = 24;
  t = compute (&c);
  for (size_t i = 0; i < t.nrows; i++)
    {
      ck_assert (isfinite (t.rows[i].exp_local));
      ck_assert (t.rows[i].local_points >= 9 && t.rows[i].local_points <= 17);
    }
  fga_asym_table_clear (&t);
}
END_TEST

/* r at beta for the sqrt(ln n) law at n = 2^k, from the least degree.  */
static void
r_at_beta (mpz_ptr r, const fga_asym_row *row, double beta)
{
  double B = beta * sqrt (row->k * log (2.0));
  double R = fga_poly_apriori_R (row->tau, row->d, B);
  if (R < FGA_POLY_RMIN)
    R = FGA_POLY_RMIN;
  long g;
  fga_error err;
  ck_assert (fga_expfit_least_degree (&g, FGA_BASIS_CHEB, R, row->eps_rel, 1, 10000, &err)
             == FGA_OK);
  mpz_bin_uiui (r, row->d + (unsigned long) g, row->d);
}

START_TEST (test_beta_star)
{
  fga_asym_config c;
  fga_asym_config_default (&c);
  c.kmin = 8, c.kmax = 64, c.kstep = 8;
  fga_asym_table t = compute (&c);
  mpz_t r, n;
  mpz_inits (r, n, (mpz_ptr) 0);
  size_t seen = 0;
  for (size_t i = 0; i < t.nrows; i++)
    {
      const fga_asym_row *row = &t.rows[i];
      if (fga_law_regime (&c.laws[row->law]) != 0)
        {
          ck_assert (isnan (row->beta_star));
          continue;
        }
      ck_assert_msg (row->beta_star > 0 && isfinite (row->beta_star), "k = %d: %g", row->k,
                     row->beta_star);
      ck_assert (row->beta_star_lo < row->beta_star
                 && row->beta_star <= row->beta_star_lo * (1 + FGA_ASYM_BETA_TOL));
      mpz_ui_pow_ui (n, 2, (unsigned long) row->k);
      r_at_beta (r, row, row->beta_star_lo);
      ck_assert_msg (mpz_cmp (r, n) < 0, "k = %d: r (beta* - delta) >= n", row->k);
      r_at_beta (r, row, row->beta_star);
      ck_assert_msg (mpz_cmp (r, n) >= 0, "k = %d: r (beta*) < n", row->k);
      /* the row's own beta: r >= n exactly when beta >= beta* */
      ck_assert_int_eq (!row->r_below_n, c.beta[row->beta] >= row->beta_star);
      seen++;
    }
  ck_assert_uint_eq (seen, 2 * 8);
  fga_asym_table_clear (&t);

  /* the ends: d = 1000 and eps = n^-10 need r >= n at every beta (0);
     d = 1 and eps = 0.4 at n = 2^10 never reach n below R = 256 (Inf) */
  fga_error err;
  fga_asym_config_default (&c);
  c.nlaws = 1, c.nbeta = 1, c.kmin = 8, c.kmax = 8, c.window = 1;
  ck_assert (fga_law_parse (&c.laws[0], "sqrt(ln n)", "--law", &err) == FGA_OK);
  ck_assert (fga_asym_d_parse (&c, "1000", "--d", &err) == FGA_OK);
  ck_assert (fga_accuracy_parse (&c.eps[0], "n^-10", "--eps", &err) == FGA_OK);
  t = compute (&c);
  ck_assert (t.rows[0].beta_star == 0);
  mpz_ui_pow_ui (n, 2, 8);
  r_at_beta (r, &t.rows[0], 1e-12);
  ck_assert (mpz_cmp (r, n) >= 0);
  fga_asym_table_clear (&t);
  c.kmin = c.kmax = 10;
  ck_assert (fga_asym_d_parse (&c, "1", "--d", &err) == FGA_OK);
  ck_assert (fga_accuracy_parse (&c.eps[0], "0.4", "--eps", &err) == FGA_OK);
  t = compute (&c);
  ck_assert (isinf (t.rows[0].beta_star));
  mpz_ui_pow_ui (n, 2, 10);
  r_at_beta (r, &t.rows[0], t.rows[0].beta_star_lo);
  ck_assert (mpz_cmp (r, n) < 0);
  ck_assert (fabs (t.rows[0].beta_star_lo * t.rows[0].beta_star_lo * 10 * log (2.0) - 256)
             <= 1e-6);
  mpz_clears (r, n, (mpz_ptr) 0);
  fga_asym_table_clear (&t);
}
END_TEST

/* What makes r monotone in beta: the certified least degree does not
   decrease as R grows, for either basis, at accuracies of the table.  */
START_TEST (test_degree_monotone_in_R)
{
  static const double eps[] = { 0x1p-9, 0x1p-21, 0x1p-41, 0x1p-65 };
  for (int b = 0; b < 2; b++)
    for (size_t e = 0; e < sizeof eps / sizeof eps[0]; e++)
      {
        long prev = -1;
        for (double R = 0x1p-20; R <= 64; R *= 1.07)
          {
            long g;
            fga_error err;
            ck_assert (fga_expfit_least_degree (&g, b ? FGA_BASIS_TAYLOR : FGA_BASIS_CHEB, R,
                                                eps[e], 1, 10000, &err) == FGA_OK);
            ck_assert_msg (g >= prev, "basis %d, eps %g: g = %ld at R = %g after %ld", b,
                           eps[e], g, R, prev);
            prev = g;
          }
      }
}
END_TEST

static void
expect_refused (const fga_asym_config *c, const char *what)
{
  fga_error err;
  fga_error_init (&err);
  fga_asym_table t;
  ck_assert_int_eq (fga_asym_table_compute (&t, c, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, what) != NULL, "message '%s' lacks '%s'", err.msg, what);
  ck_assert_uint_eq (t.nrows, 0);
}

START_TEST (test_refusals)
{
  fga_asym_config c;
  fga_error err;
  fga_asym_config_default (&c);
  c.kmax = 1023;
  /* eps_rel = 2^-(k+1) leaves the normal range after n = 2^1021 */
  expect_refused (&c, "the largest --n-max for these lists is 2^1021");
  fga_asym_config_default (&c);
  ck_assert (fga_law_parse (&c.laws[0], "ln n", "--law", &err) == FGA_OK);
  c.nlaws = 1, c.kmax = 64;
  expect_refused (&c, "the largest --n-max for these lists is 2^46");
  fga_asym_config_default (&c);
  c.kmin = 3;
  expect_refused (&c, "--n-min 2^3");
  fga_asym_config_default (&c);
  c.beta[1] = 0;
  expect_refused (&c, "--beta");
  fga_asym_config_default (&c);
  c.nlaws = 0;
  expect_refused (&c, "--law");
  fga_asym_config_default (&c);
  c.window = 0;
  expect_refused (&c, "--window");
  fga_asym_config_default (&c);
  c.kmin = 20, c.kmax = 10;
  expect_refused (&c, "--n-min");
  static const char *const bad_d[] = { "0", "x", "log2", "2*log", "ceil(log2 n", "-1*log2(n)",
                                       "log2(n)*2", "3000000000" };
  for (size_t i = 0; i < sizeof bad_d / sizeof bad_d[0]; i++)
    {
      ck_assert_int_eq (fga_asym_d_parse (&c, bad_d[i], "--d", &err), FGA_ERR_INPUT);
      ck_assert (strstr (err.msg, "--d '") == err.msg);
    }
  ck_assert (fga_asym_d_parse (&c, " ceil( 0.5 * log2 n ) ", "--d", &err) == FGA_OK);
  ck_assert (c.d_coef == 0.5 && c.d_ceil && fga_asym_d (&c, 9) == 5);
  ck_assert (fga_asym_d_parse (&c, "2*log2(n)", "--d", &err) == FGA_OK);
  ck_assert (fga_asym_d (&c, 9) == 18);
}
END_TEST

static void
write_file (const char *path, const char *text)
{
  FILE *fp = fopen (path, "w");
  ck_assert (fp != NULL);
  fputs (text, fp);
  fclose (fp);
}

START_TEST (test_measured_and_plots)
{
  char dir[] = "/tmp/t-asym-XXXXXX";
  ck_assert (mkdtemp (dir) != NULL);
  char path[256];
  snprintf (path, sizeof path, "%s/cost.csv", dir);
  write_file (path, "cell,n,d,dist,law,beta,B,seed,eps,eps_value,R,g_cert,r_cert,g_emp,"
              "g_emp_censored,r_emp,poly_status,poly_seconds,exact_seconds\n"
              "\"n=256,dist=uniform,law=sqrt(ln n),b=0.5,seed=1\",256,8,uniform,sqrt(ln n),"
              "0.5,1.17,1,1/n,0.00390625,1.2,9,24310,5,0,1287,ok,0.1,0.2\n"
              "\"n=512,dist=uniform,law=1,b=1,seed=2\",512,9,uniform,1,1,1,2,1e-3,0.001,0.5,"
              "6,5005,64,1,1.0e+12,ok,,0.2\n"
              "\"n=512,dist=uniform,law=1,b=1,seed=3\",512,9,uniform,1,1,1,3,n^-1,0.001,0.5,"
              ",,,,,memory,,0.2\n");
  fga_asym_point *pts;
  size_t np;
  fga_error err;
  ck_assert_msg (fga_asym_measured_read (&pts, &np, dir, &err) == FGA_OK, "%s", err.msg);
  ck_assert_uint_eq (np, 3);
  ck_assert (pts[0].n == 256 && pts[0].d == 8 && pts[0].law.p == 0.5 && pts[0].beta == 0.5);
  ck_assert (pts[0].eps.power == 1 && pts[0].g_cert == 9 && pts[0].g_emp == 5);
  ck_assert (!pts[0].censored && pts[1].censored && pts[1].g_emp == 64);
  ck_assert (pts[1].eps.value == 1e-3 && pts[2].g_cert == -1 && pts[2].g_emp == -1);

  fga_asym_config c;
  fga_asym_config_default (&c);
  c.kmax = 16;
  fga_asym_table t = compute (&c);
  size_t unmatched = 99;
  ck_assert_msg (fga_asym_plot_write (&t, &c, pts, np, dir, &unmatched, &err) == FGA_OK, "%s",
                 err.msg);
  ck_assert_uint_eq (unmatched, 1);             /* the row at eps 1e-3 */
  ck_assert_uint_eq (fga_asym_plot_count (&c), 2);
  for (size_t i = 0; i < 2; i++)
    for (int k = 0; k < 2; k++)
      {
        char name[64];
        struct stat sb;
        fga_asym_plot_name (name, sizeof name, &c, i);
        snprintf (path, sizeof path, "%s/%s.%s", dir, name, k ? "gp" : "dat");
        ck_assert_msg (stat (path, &sb) == 0 && sb.st_size > 0, "%s", path);
        unlink (path);
      }
  fga_asym_table_clear (&t);
  fga_asym_points_free (pts);

  /* a malformed row: path, line and column */
  snprintf (path, sizeof path, "%s/cost.csv", dir);
  write_file (path, "n,d,law,beta,eps,g_cert,g_emp,g_emp_censored\n256,8,1,1,1/n,3,4,0\n"
              "256,8,1,1,1/n,3,4,2\n");
  ck_assert_int_eq (fga_asym_measured_read (&pts, &np, dir, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "cost.csv:3: column g_emp_censored") != NULL, "%s", err.msg);
  write_file (path, "n,d,law,beta,eps,g_cert,g_emp\n");
  ck_assert_int_eq (fga_asym_measured_read (&pts, &np, dir, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "no column g_emp_censored") != NULL, "%s", err.msg);
  write_file (path, "n,d,law,beta,eps,g_cert,g_emp,g_emp_censored\n256,8,log n,1,1/n,3,4,0\n");
  ck_assert_int_eq (fga_asym_measured_read (&pts, &np, dir, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "column law") != NULL, "%s", err.msg);
  unlink (path);
  rmdir (dir);
}
END_TEST

static Suite *
asym_suite (void)
{
  Suite *s = suite_create ("asymptotic");
  TCase *tc = fga_test_tcase ("table", 60);
  tcase_add_test (tc, test_degree_matches_expfit);
  tcase_add_test (tc, test_binomial_by_hand);
  tcase_add_test (tc, test_format_big);
  tcase_add_test (tc, test_local_exponents);
  tcase_add_test (tc, test_beta_star);
  tcase_add_test (tc, test_degree_monotone_in_R);
  tcase_add_test (tc, test_refusals);
  tcase_add_test (tc, test_measured_and_plots);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (asym_suite ());
}
