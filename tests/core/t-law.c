/* t-law -- laws of n (B = beta f(n)) and accuracies n^-c, read from text */

#include <config.h>

#include <math.h>
#include <string.h>

#include "testutil.h"

/* Expected factors are closed forms in ln n written out by hand, so that a
   law read as another law (sqrt for ln, a dropped /ln ln n) shows.  */
typedef struct
{
  const char *text;
  const char *canonical;
  double p;
  int over_lnln;
  int regime;
} law_case;

static const law_case good_laws[] = {
  { "1", "1", 0, 0, -1 },
  { " 1 ", "1", 0, 0, -1 },
  { "sqrt(ln n)", "sqrt(ln n)", 0.5, 0, 0 },
  { "sqrt( ln(n) )", "sqrt(ln n)", 0.5, 0, 0 },
  { "(ln n)^0.5", "sqrt(ln n)", 0.5, 0, 0 },
  { "(ln n)^(1/2)", "sqrt(ln n)", 0.5, 0, 0 },
  { "(ln n)^(1/4)", "(ln n)^(1/4)", 0.25, 0, -1 },
  { "(lnn)^0.25", "(ln n)^0.25", 0.25, 0, -1 },
  { "ln n", "ln n", 1, 0, 1 },
  { "(ln n)^2", "(ln n)^2", 2, 0, 1 },
  { "sqrt(ln n)/ln(ln n)", "sqrt(ln n)/ln(ln n)", 0.5, 1, -1 },
  { "sqrt(ln n) / ln ln n", "sqrt(ln n)/ln(ln n)", 0.5, 1, -1 },
  { "(ln n)^0.7/ln(ln n)", "(ln n)^0.7/ln(ln n)", 0.7, 1, 1 },
};

START_TEST (law_good)
{
  const law_case *c = &good_laws[_i];
  fga_law law;
  fga_error err;
  fga_error_init (&err);
  ck_assert_msg (fga_law_parse (&law, c->text, "law", &err) == FGA_OK, "%s: %s", c->text,
                 err.msg);
  ck_assert_str_eq (law.text, c->canonical);
  ck_assert (law.p == c->p && law.over_lnln == c->over_lnln);
  ck_assert_int_eq (fga_law_regime (&law), c->regime);
  /* n = e^e^2: ln n = e^2, ln ln n = 2, so every factor is a power of e */
  double n = exp (exp (2.0));
  double want = exp (2.0 * c->p) / (c->over_lnln ? 2.0 : 1.0);
  double got = fga_law_factor (&law, n);
  ck_assert_msg (fabs (got - want) <= 1e-13 * want, "%s: f = %.17g, want %.17g", c->text, got,
                 want);
  ck_assert (fga_law_min_n (&law) >= 1);
  if (c->over_lnln)
    ck_assert (log (log (fga_law_min_n (&law))) > 1);
}
END_TEST

static const char *const bad_laws[] = {
  "", "0", "2", "log n", "ln", "sqrt(ln n", "(ln n)^1/4", "(ln n)^5", "(ln n)^0",
  "(ln n)^-1", "(ln n)^(1/0)", "(ln n)^(1/)", "(ln n)^inf", "(ln n)^nan", "1/ln(ln n)",
  "sqrt(ln n)/ln n", "sqrt(ln n)*2", "beta*sqrt(ln n)", "(ln n)^0x1",
};

START_TEST (law_bad)
{
  fga_law law;
  fga_error err;
  fga_error_init (&err);
  ck_assert_int_eq (fga_law_parse (&law, bad_laws[_i], "[grid] law", &err), FGA_ERR_INPUT);
  /* the message names the option and quotes the text */
  char want[128];
  snprintf (want, sizeof want, "[grid] law '%s'", bad_laws[_i]);
  ck_assert_msg (strstr (err.msg, want) != NULL, "message: %s", err.msg);
}
END_TEST

START_TEST (accuracy_forms)
{
  static const struct { const char *text; double power, value, at1024; } cases[] = {
    { "1/n", 1, 0, 0x1p-10 },
    { "n^-2", 2, 0, 0x1p-20 },
    { "1/n^2", 2, 0, 0x1p-20 },
    { "n^(-3)", 3, 0, 0x1p-30 },
    { "n^-0.5", 0.5, 0, 0x1p-5 },
    { "1e-3", 0, 1e-3, 1e-3 },
    { " 0.25 ", 0, 0.25, 0.25 },
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    {
      fga_accuracy a;
      fga_error err;
      ck_assert_msg (fga_accuracy_parse (&a, cases[k].text, "tol", &err) == FGA_OK, "%s",
                     cases[k].text);
      ck_assert (a.power == cases[k].power && a.value == cases[k].value);
      /* powers of two: exact in double */
      ck_assert_msg (fga_accuracy_at (&a, 1024) == cases[k].at1024, "%s at 1024: %g",
                     cases[k].text, fga_accuracy_at (&a, 1024));
    }
  static const char *const bad[] = { "", "0", "-1e-3", "n", "1/n^", "n^-0", "n^-65", "n^(-2",
                                     "1/m", "inf", "nan", "1e999", "n^2", "2^-10" };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
    {
      fga_accuracy a;
      fga_error err;
      ck_assert_msg (fga_accuracy_parse (&a, bad[k], "tol", &err) == FGA_ERR_INPUT, "%s", bad[k]);
      ck_assert (strstr (err.msg, "tol '") == err.msg);
    }
}
END_TEST

static Suite *
law_suite (void)
{
  Suite *s = suite_create ("law");
  TCase *tc = fga_test_tcase ("laws", 10);
  tcase_add_loop_test (tc, law_good, 0, sizeof good_laws / sizeof good_laws[0]);
  tcase_add_loop_test (tc, law_bad, 0, sizeof bad_laws / sizeof bad_laws[0]);
  tcase_add_test (tc, accuracy_forms);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (law_suite ());
}
