/* t-truth-fast -- the fast ground truth: its exp against MPFR, and the same bits as MPFR's path

   The exp in double-double is checked against MPFR at 256 bits (an
   independent route) on many points, extremes included, with its proved
   bound 2^-89.  The fast path as a whole is checked against the MPFR-only
   path (opts.fast_off), which is the same mathematical object (the
   correctly rounded attention): every entry and lse must agree bit for bit,
   on random instances and on hard ones, whatever the instruction set and
   the number of threads.  */

#include <config.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
# include <omp.h>
#endif

#include "testutil.h"
#include "core/fga-impl.h"
#include "numerics/truth-impl.h"

static const fga_tau TAU_INV_D = { FGA_TAU_INV_D, 0 };

static unsigned long
seed_of (int salt)
{
  return fga_test_seed () * 2654435761UL + (unsigned long) salt * 40503UL + 1;
}

/* xorshift in [0, 1) */
static double
unif (unsigned long *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return (double) (*s >> 11) * 0x1p-53;
}

/* --- the exp in double-double ---------------------------------------------------- */

/* |eh + el - exp(th + tl)| <= 2^-89 exp(th + tl), exactly checked at 256 bits;
   0 below the cut.  Returns log2 of the relative error (or -inf).  */
static double
check_exp_point (const fgap_truth_ddexp *x, double th, double tl)
{
  double eh, el;
  fgap_truth_ddexp_block (x, 1, &th, &tl, &eh, &el);
  if (th < -FGA_TRUTH_DD_CUT)
    {
      ck_assert (eh == 0 && el == 0);
      return -INFINITY;
    }
  mpfr_t t, e, g;
  mpfr_inits2 (256, t, e, g, (mpfr_ptr) 0);
  mpfr_set_d (t, th, MPFR_RNDN);
  mpfr_add_d (t, t, tl, MPFR_RNDN);
  mpfr_exp (e, t, MPFR_RNDN);
  mpfr_set_d (g, eh, MPFR_RNDN);
  mpfr_add_d (g, g, el, MPFR_RNDN);
  mpfr_sub (g, g, e, MPFR_RNDN);
  mpfr_div (g, g, e, MPFR_RNDN);
  mpfr_abs (g, g, MPFR_RNDN);
  double lg = mpfr_zero_p (g) ? -INFINITY : log2 (mpfr_get_d (g, MPFR_RNDU));
  ck_assert_msg (mpfr_cmp_ui_2exp (g, 1, FGA_TRUTH_DD_EXP_LOG2ERR) <= 0,
                 "exp(%a + %a): relative error 2^%.2f above 2^%d; seed %lu", th, tl, lg,
                 FGA_TRUTH_DD_EXP_LOG2ERR, fga_test_seed ());
  /* a normalised double-double */
  ck_assert (fabs (el) <= 0x1p-52 * fabs (eh));
  mpfr_clears (t, e, g, (mpfr_ptr) 0);
  return lg;
}

/* A low part allowed by the contract: |tl| <= 2^-53 |th|.  */
static double
low_part (double th, unsigned long *s)
{
  return (2 * unif (s) - 1) * 0x1p-53 * fabs (th);
}

START_TEST (ddexp_against_mpfr)
{
  fgap_truth_ddexp x;
  fgap_truth_ddexp_init (&x);
  unsigned long s = seed_of (1);
  double worst = -INFINITY;
  /* exp(0) is 1 exactly: it makes L >= 1 (lemma 5) */
  double z = 0, eh, el;
  fgap_truth_ddexp_block (&x, 1, &z, &z, &eh, &el);
  ck_assert (eh == 1 && el == 0);
  /* uniform on [-600, 0], and log-uniform magnitudes from 2^-1000 to 600 */
  for (int k = 0; k < 20000; k++)
    {
      double th = -600 * unif (&s);
      worst = fmax (worst, check_exp_point (&x, th, low_part (th, &s)));
      th = -ldexp (1 + unif (&s), (int) (-1000 + 1010 * unif (&s)));
      if (th < -600)
        th = -600;
      worst = fmax (worst, check_exp_point (&x, th, low_part (th, &s)));
    }
  /* next to the reduction's breakpoints (k ln2/2048 and the midpoints),
     the ends of the range, the cut and the outputs near 2^-866 */
  static const double ends[] = { -600, -0x1.2bfffffffffffp9, -599.99999999, -0x1p-1074,
                                 -0x1p-1022, -DBL_MIN, -1e-300, -0x1p-60 };
  for (size_t k = 0; k < sizeof ends / sizeof ends[0]; k++)
    for (int sgn = -1; sgn <= 1; sgn++)
      worst = fmax (worst, check_exp_point (&x, ends[k], sgn * 0x1p-53 * fabs (ends[k])));
  double c = log (2.0) / 2048;
  for (int k = 0; k < 4000; k++)
    {
      double m = floor (unif (&s) * 600 / c) + (k & 1 ? 0.5 : 0);
      double th = -m * c + (2 * unif (&s) - 1) * 0x1p-40;
      if (th > 0)
        th = 0;
      if (th < -600)
        th = -600;
      worst = fmax (worst, check_exp_point (&x, th, low_part (th, &s)));
    }
  /* below the cut: 0 */
  check_exp_point (&x, -600.0000001, 0);
  check_exp_point (&x, -1e300, 0);
  check_exp_point (&x, -INFINITY, 0);
  ck_assert (worst <= FGA_TRUTH_DD_EXP_LOG2ERR);
}
END_TEST

/* The same bits from every instruction set (a block of 64 random points). */
START_TEST (ddexp_isa_independent)
{
  fgap_truth_ddexp x;
  fgap_truth_ddexp_init (&x);
  unsigned long s = seed_of (2);
  enum { N = 257 };
  double th[N], tl[N], eh[3][N], el[3][N];
  for (int k = 0; k < N; k++)
    {
      th[k] = k % 5 == 0 ? -ldexp (unif (&s), -(k % 900)) : -601 * unif (&s);
      tl[k] = low_part (th[k], &s);
    }
  int best = x.isa;
  for (int v = 0; v < 3; v++)
    {
      static const int isas[3] = { FGA_ISA_GENERIC, FGA_ISA_AVX2, FGA_ISA_AVX512 };
      x.isa = isas[v] <= best ? isas[v] : FGA_ISA_GENERIC;
      fgap_truth_ddexp_block (&x, N, th, tl, eh[v], el[v]);
    }
  ck_assert (memcmp (eh[0], eh[1], sizeof eh[0]) == 0 && memcmp (eh[0], eh[2], sizeof eh[0]) == 0);
  ck_assert (memcmp (el[0], el[1], sizeof el[0]) == 0 && memcmp (el[0], el[2], sizeof el[0]) == 0);
}
END_TEST

/* --- the fast path against the MPFR-only path -------------------------------------- */

typedef struct
{
  fga_truth_info info;
  double *T, *lse;
} result;

static void
run (result *r, fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V, const fga_tau *tau,
     int want_lse, int fast_off)
{
  fga_error err;
  fga_error_init (&err);
  fga_mat_t T;
  ck_assert_int_eq (fga_mat_init (T, Q->rows, V->cols, &err), FGA_OK);
  r->lse = want_lse ? calloc (Q->rows, sizeof (double)) : NULL;
  fga_truth_opts opts = { 128, 8192, fast_off };
  fga_stats st;
  fga_stats_init (&st);
  int rc = fga_truth (T, r->lse, NULL, NULL, Q, K, V, tau, &opts, &r->info, &st, &err);
  ck_assert_msg (rc == FGA_OK, "fga_truth: %s; seed %lu", err.msg, fga_test_seed ());
  ck_assert (fga_stats_get (&st, "fast_entries") == (double) r->info.fast_entries);
  ck_assert (fga_stats_get (&st, "fallback_rows") == (double) r->info.fallback_rows);
  r->T = T->data;              /* taken over */
}

/* Fast and MPFR-only agree bit for bit (every entry, every lse), and the
   counts add up; returns the fast run's info.  */
static fga_truth_info
same_bits (fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V, const fga_tau *tau,
           int want_lse)
{
  result f, m;
  run (&f, Q, K, V, tau, want_lse, 0);
  run (&m, Q, K, V, tau, want_lse, 1);
  size_t nq = Q->rows, dv = V->cols;
  ck_assert_uint_eq (f.info.undecided, m.info.undecided);
  ck_assert_uint_eq (m.info.fast_entries, 0);
  ck_assert_uint_eq (m.info.fallback_rows, 0);
  ck_assert_uint_eq (f.info.fast_entries + f.info.fallback_rows * dv, nq * dv);
  for (size_t t = 0; t < nq * dv; t++)
    ck_assert_msg (memcmp (&f.T[t], &m.T[t], sizeof (double)) == 0,
                   "entry %zu: fast %a, MPFR %a; seed %lu", t, f.T[t], m.T[t],
                   fga_test_seed ());
  if (want_lse)
    for (size_t i = 0; i < nq; i++)
      ck_assert_msg (memcmp (&f.lse[i], &m.lse[i], sizeof (double)) == 0,
                     "lse %zu: fast %a, MPFR %a; seed %lu", i, f.lse[i], m.lse[i],
                     fga_test_seed ());
  free (f.T);
  free (m.T);
  free (f.lse);
  free (m.lse);
  return f.info;
}

static void
mat_fill (fga_mat_ptr M, size_t rows, size_t cols, double B, unsigned long *s)
{
  fga_error err;
  ck_assert_int_eq (fga_mat_init (M, rows, cols, &err), FGA_OK);
  fga_test_fill_uniform (M, B, s);
}

static void
clear3 (fga_mat_ptr Q, fga_mat_ptr K, fga_mat_ptr V)
{
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
}

/* Random instances: B from 0.5 to 40 (at 40 most weights underflow), d,
   dv, nk of many shapes, lse on and off, tau 1/d and others.  */
static const struct
{
  size_t nq, nk, d, dv;
  double B, tau;               /* tau 0: 1/d */
} rand_cases[] = {
  { 24, 200, 16, 16, 0.5, 0 }, { 24, 200, 16, 16, 1, 0 }, { 24, 200, 16, 16, 2, 0 },
  { 24, 200, 16, 16, 5, 0 }, { 24, 200, 16, 16, 10, 0 }, { 24, 200, 16, 16, 20, 0 },
  { 24, 200, 16, 16, 40, 0 }, { 16, 1, 4, 3, 3, 0 }, { 16, 77, 3, 1, 3, 0 },
  { 9, 130, 7, 9, 2, 0.37 }, { 9, 64, 5, 5, 1e-3, 1e3 }, { 9, 64, 2, 4, 30, 5 },
  { 12, 300, 32, 8, 1, 0.1767766952966369 },
};

START_TEST (random_instances)
{
  unsigned long s = seed_of (10 + _i);
  fga_mat_t Q, K, V;
  mat_fill (Q, rand_cases[_i].nq, rand_cases[_i].d, rand_cases[_i].B, &s);
  mat_fill (K, rand_cases[_i].nk, rand_cases[_i].d, rand_cases[_i].B, &s);
  mat_fill (V, rand_cases[_i].nk, rand_cases[_i].dv, 1, &s);
  fga_tau tau = TAU_INV_D;
  if (rand_cases[_i].tau != 0)
    {
      tau.kind = FGA_TAU_VALUE;
      tau.value = rand_cases[_i].tau;
    }
  fga_truth_info fi = same_bits (Q, K, V, &tau, _i % 2);
  /* the fast path does decide the bulk of a random instance */
  ck_assert_msg (fi.fast_entries * 2 >= Q->rows * V->cols, "only %zu fast entries",
                 fi.fast_entries);
  clear3 (Q, K, V);
}
END_TEST

/* Hard values of V on a B = 2 instance: huge (1e300 and near DBL_MAX),
   both signs cancelling to near 0, constant (+-0 too), one-hot, subnormal
   outputs, mixed magnitudes.  */
enum { V_HUGE, V_MAX, V_CANCEL, V_CONST, V_ZERO_NEG, V_ZERO_MIX, V_ONEHOT, V_SUBNORMAL,
       V_MIXED, V_N };

static void
hard_v (fga_mat_ptr V, int kind, unsigned long *s)
{
  size_t nk = V->rows, dv = V->cols;
  for (size_t j = 0; j < nk; j++)
    for (size_t c = 0; c < dv; c++)
      {
        double u = 2 * unif (s) - 1, *v = &FGA_MAT (V, j, c);
        switch (kind)
          {
          case V_HUGE: *v = 1e300 * u; break;
          case V_MAX: *v = DBL_MAX * u; break;
          case V_CANCEL: *v = (j % 2 ? 1 : -1) * (1 + 0x1p-40 * u) * 1e10; break;
          case V_CONST: *v = c == 0 ? 0.1 : -3; break;
          case V_ZERO_NEG: *v = c == 0 ? -0.0 : u; break;
          case V_ZERO_MIX: *v = c == 0 ? (j % 3 ? 0.0 : -0.0) : u; break;
          case V_ONEHOT: *v = j == c ? 1 : 0; break;
          case V_SUBNORMAL: *v = 0x1p-1060 * u; break;
          default: *v = ldexp (u, (int) (2000 * unif (s)) - 1000); break;
          }
      }
}

START_TEST (hard_values)
{
  unsigned long s = seed_of (40 + _i);
  fga_mat_t Q, K, V;
  mat_fill (Q, 12, 8, 2, &s);
  mat_fill (K, 60, 8, 2, &s);
  mat_fill (V, 60, 5, 1, &s);
  hard_v (V, _i, &s);
  same_bits (Q, K, V, &TAU_INV_D, 1);
  clear3 (Q, K, V);
}
END_TEST

/* Ties in scores (keys repeated), every key equal, nk = 1, huge B with
   tau 1 (every weight but the largest underflows), scores near 2^930 with
   tau = 2^90 (tau D beyond the doubles; the scores' error bound times tau
   is far above 2^-20, so those rows fall back), scores beyond 2^1000 (those
   rows fall back too).  */
enum { S_TIES, S_EQUAL, S_ONE_KEY, S_HUGE, S_OVERFLOW, S_WIDE, S_N };

START_TEST (hard_scores)
{
  unsigned long s = seed_of (60 + _i);
  fga_mat_t Q, K, V;
  size_t nk = _i == S_ONE_KEY ? 1 : 50;
  mat_fill (Q, 10, 4, 2, &s);
  mat_fill (K, nk, 4, 2, &s);
  mat_fill (V, nk, 3, 1, &s);
  fga_tau tau = TAU_INV_D;
  for (size_t j = 0; j < nk; j++)
    for (size_t c = 0; c < 4; c++)
      {
        double *k = &FGA_MAT (K, j, c);
        if (_i == S_TIES)
          *k = FGA_MAT (K, j / 5, c);
        else if (_i == S_EQUAL)
          *k = FGA_MAT (K, 0, c);
        else if (_i == S_HUGE)
          *k *= 20;
        else if (_i == S_WIDE && c == 0)
          *k = ldexp (*k, j % 2 ? 600 : -400);
        else if (_i == S_OVERFLOW)
          *k = ldexp (*k, 465);
      }
  if (_i == S_OVERFLOW || _i == S_WIDE)
    for (size_t t = 0; t < 40; t++)
      Q->data[t] = ldexp (Q->data[t], 465);
  if (_i == S_OVERFLOW)
    {
      tau.kind = FGA_TAU_VALUE;
      tau.value = 0x1p90;
    }
  if (_i == S_HUGE)
    {
      tau.kind = FGA_TAU_VALUE;
      tau.value = 1;
      for (size_t t = 0; t < 40; t++)
        Q->data[t] *= 20;
    }
  fga_truth_info fi = same_bits (Q, K, V, &tau, _i != S_WIDE);
  if (_i == S_WIDE || _i == S_OVERFLOW)
    ck_assert_uint_eq (fi.fallback_rows, 10);
  else
    ck_assert (fi.fast_entries > 0);
  clear3 (Q, K, V);
}
END_TEST

/* A true midpoint computed exactly: the fast path's bound is never 0, so
   it cannot decide it, and the row falls back to MPFR, which does.  And a
   near tie that needs 608 bits.  */
START_TEST (fallback_taken)
{
  fga_mat_t Q, K, V;
  fga_error err;
  fga_mat_init (Q, 1, 2, &err);
  fga_mat_init (K, 2, 2, &err);
  fga_mat_init (V, 2, 1, &err);
  memset (K->data, 0, 4 * sizeof (double));
  Q->data[0] = Q->data[1] = 1;
  K->data[0] = K->data[2] = 1;
  K->data[3] = _i == 0 ? 0 : 0x1p-300;
  V->data[0] = 1;
  V->data[1] = 1 + 0x1p-52;
  fga_tau tau = { FGA_TAU_VALUE, 1 };
  fga_truth_info fi = same_bits (Q, K, V, &tau, 0);
  ck_assert_uint_eq (fi.fallback_rows, 1);
  ck_assert_uint_eq (fi.fast_entries, 0);
  ck_assert_uint_eq (fi.undecided, 0);
  clear3 (Q, K, V);
}
END_TEST

/* The same bits and counts whatever FGATTN_ISA and the number of threads. */
START_TEST (isa_and_threads)
{
  unsigned long s = seed_of (80);
  fga_mat_t Q, K, V;
  mat_fill (Q, 64, 16, 3, &s);
  mat_fill (K, 200, 16, 3, &s);
  mat_fill (V, 200, 16, 1, &s);
  result a, b;
  const char *old = getenv ("FGATTN_ISA");
  char *saved = old != NULL ? strdup (old) : NULL;
  unsetenv ("FGATTN_ISA");
  run (&a, Q, K, V, &TAU_INV_D, 1, 0);
  setenv ("FGATTN_ISA", "generic", 1);
#ifdef _OPENMP
  int nt = omp_get_max_threads ();
  omp_set_num_threads (nt > 1 ? 1 : 2);
#endif
  run (&b, Q, K, V, &TAU_INV_D, 1, 0);
#ifdef _OPENMP
  omp_set_num_threads (nt);
#endif
  if (saved != NULL)
    setenv ("FGATTN_ISA", saved, 1);
  else
    unsetenv ("FGATTN_ISA");
  free (saved);
  ck_assert (memcmp (a.T, b.T, 64 * 16 * sizeof (double)) == 0);
  ck_assert (memcmp (a.lse, b.lse, 64 * sizeof (double)) == 0);
  ck_assert_uint_eq (a.info.fast_entries, b.info.fast_entries);
  ck_assert_uint_eq (a.info.fallback_rows, b.info.fallback_rows);
  free (a.T);
  free (b.T);
  free (a.lse);
  free (b.lse);
  clear3 (Q, K, V);
}
END_TEST

static Suite *
truth_fast_suite (void)
{
  Suite *s = suite_create ("truth-fast");
  TCase *tc = fga_test_tcase ("ddexp", 30);
  tcase_add_test (tc, ddexp_against_mpfr);
  tcase_add_test (tc, ddexp_isa_independent);
  suite_add_tcase (s, tc);
  tc = fga_test_tcase ("same_bits", 30);
  tcase_add_loop_test (tc, random_instances, 0,
                       (int) (sizeof rand_cases / sizeof rand_cases[0]));
  tcase_add_loop_test (tc, hard_values, 0, V_N);
  tcase_add_loop_test (tc, hard_scores, 0, S_N);
  tcase_add_loop_test (tc, fallback_taken, 0, 2);
  tcase_add_test (tc, isa_and_threads);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (truth_fast_suite ());
}
