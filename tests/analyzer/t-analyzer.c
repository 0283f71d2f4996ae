/* t-analyzer -- the complexity analyzer: hand counts, the methods' own counts, ratios, LongNet's bound, huge n, the fixed pattern */

#include <config.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static const char *const kind[5] = { "mul", "add", "exp", "div", "cmp" };

/* The analyzer's result for s; must succeed.  */
static void
analyze (fga_an_result *res, const fga_an_spec *s)
{
  fga_error err;
  fga_error_init (&err);
  int rc = fga_an_analyze (res, s, &err);
  ck_assert_msg (rc == FGA_OK, "analyze %s: %s", s->mech, err.msg);
}

static fga_an_spec
spec (const char *mech, size_t n, size_t d, size_t dv)
{
  fga_an_spec s;
  fga_an_spec_init (&s);
  s.mech = mech;
  s.nq = s.nk = n;
  s.d = d;
  s.dv = dv;
  return s;
}

static void
assert_ops (const fga_an_result *res, const unsigned long want[5], const char *what)
{
  for (int i = 0; i < 5; i++)
    ck_assert_msg (mpz_cmp_ui (res->ops[i], want[i]) == 0, "%s: %s = %s, want %lu", what,
                   kind[i], mpz_get_str (NULL, 10, res->ops[i]), want[i]);
}

START_TEST (test_hand_counts)
{
  fga_an_result res;
  fga_an_result_init (&res);

  /* vanilla n = 2, d = 2, dv = 1: per row 2 dot products (2 mul, 1 add),
     2 scalings, 1 cmp, 2 sub, 2 exp, 1 add to the sum, P V 2 mul 1 add,
     1 division */
  fga_an_spec s = spec ("vanilla", 2, 2, 1);
  analyze (&res, &s);
  assert_ops (&res, (unsigned long[5]) { 16, 12, 4, 2, 2 }, "vanilla 2x2");
  ck_assert (mpz_cmp_ui (res.work, 36) == 0);
  ck_assert (mpz_cmp_ui (res.macs, 12) == 0);     /* 4 scores x (d + dv) */
  ck_assert (mpz_cmp_ui (res.mem_elems, 4) == 0);
  ck_assert (mpz_cmp_ui (res.mem_bytes, 32) == 0);
  /* 2 c(2) + c(2) + 6 */
  ck_assert (mpz_cmp_ui (res.depth, 9) == 0);
  ck_assert (mpz_cmp_ui (res.steps, 1) == 0 && mpz_cmp_ui (res.path, 1) == 0);

  /* with lse: one more add (m + log l) and one exp per row */
  s.lse = 1;
  analyze (&res, &s);
  assert_ops (&res, (unsigned long[5]) { 16, 14, 6, 2, 2 }, "vanilla 2x2 lse");

  /* causal n = 3, d = dv = 1: 6 pairs, rows of 1, 2, 3 keys: mul 3 per
     pair; add 2 per pair less 2 per row; cmp 0 + 1 + 2 */
  s = spec ("vanilla", 3, 1, 1);
  s.causal = 1;
  analyze (&res, &s);
  assert_ops (&res, (unsigned long[5]) { 18, 12, 6, 3, 3 }, "vanilla causal 3");
  ck_assert (mpz_cmp_ui (res.scores, 6) == 0 && mpz_cmp_ui (res.scores_dense, 9) == 0);

  /* the textbook depth 3 c(nk) + c(dk) + 6 less one c(nk) (division
     after P V): nk = 1024, d = 64 gives 20 + 6 + 6 */
  s = spec ("vanilla", 1024, 64, 64);
  analyze (&res, &s);
  ck_assert (mpz_cmp_ui (res.depth, 32) == 0);

  /* stream n = 5, d = 1, dv = 1, block 2: nb = 3 blocks per row
     mul = 5 (5 * 3 + 3 * 2) = 105, add = 5 (15 + 3) = 90, exp = 5 (5 + 3),
     cmp = 25; depth S + 2 c(2) + 2 nb + 4 = 2 + 2 + 6 + 4 */
  s = spec ("stream", 5, 1, 1);
  s.block = 2;
  analyze (&res, &s);
  assert_ops (&res, (unsigned long[5]) { 105, 90, 40, 5, 25 }, "stream 5/2");
  ck_assert (mpz_cmp_ui (res.depth, 14) == 0);
  ck_assert (mpz_cmp_ui (res.steps, 3) == 0);

  /* window n = 4, w = 1: rows of 2, 3, 3, 2 keys: P = 10 = 4 * 3 - 2 */
  s = spec ("window", 4, 1, 1);
  s.w = 1;
  analyze (&res, &s);
  assert_ops (&res, (unsigned long[5]) { 30, 22, 10, 4, 6 }, "window 4/1");
  ck_assert (mpz_cmp_ui (res.path, 3) == 0);

  /* recurrent n = 3, d = 2: per step 8 products, 2 (2 * 2 - 1) adds, 2 tanh */
  s = spec ("recurrent", 3, 2, 2);
  analyze (&res, &s);
  assert_ops (&res, (unsigned long[5]) { 24, 18, 6, 0, 0 }, "recurrent");
  ck_assert (mpz_cmp_ui (res.steps, 3) == 0 && mpz_cmp_ui (res.path, 3) == 0);

  /* conv n = 4, d = 2, k = 3: 4 * 2 * 6 products, 4 * 2 * 5 adds; path
     ceil (log_3 4) = 2; separable: 4 * 2 * (3 + 2), 4 * 2 * (2 + 1) */
  s = spec ("conv", 4, 2, 2);
  s.k = 3;
  analyze (&res, &s);
  assert_ops (&res, (unsigned long[5]) { 48, 40, 0, 0, 0 }, "conv");
  ck_assert (mpz_cmp_ui (res.path, 2) == 0);
  s.separable = 1;
  analyze (&res, &s);
  assert_ops (&res, (unsigned long[5]) { 40, 24, 0, 0, 0 }, "separable conv");

  /* linear n = 4, m = 2, dv = 1: phi(K)^T [V 1] 2 * 2 * 4 mul, 2 * 2 * 3
     add; phi(Q) times it 4 * 2 * 2 mul, 4 * 2 * 1 add; 4 divisions */
  s = spec ("linear", 4, 3, 1);
  s.m = 2;
  analyze (&res, &s);
  assert_ops (&res, (unsigned long[5]) { 32, 20, 0, 4, 0 }, "linear");
  s.causal = 1;                 /* the prefix scan: 4 * 2 * 2 mul, 3 * 2 * 2 add */
  analyze (&res, &s);
  assert_ops (&res, (unsigned long[5]) { 32, 20, 0, 4, 0 }, "linear causal");

  /* mha n = 2, d = 4, 2 heads of 2: projections 4 * 2 * 4 * 4 = 128 mul,
     4 * 2 * 4 * 3 = 96 add; each head as vanilla 2x2 with d = dv = 2:
     mul 4 * 5 = 20, add 20 - 2 * 3 = 14, exp 4, div 4, cmp 2 */
  s = spec ("mha", 2, 4, 4);
  s.heads = 2;
  analyze (&res, &s);
  assert_ops (&res, (unsigned long[5]) { 168, 124, 8, 8, 4 }, "mha");

  /* flash N = 4, d = dv = 2, M = 16: B_c = 2, T_c = 2; traffic =
     4 (2 + 2) + 4 (2 + 2) + 2 * 4 (2 + 4 + 4) = 112; the counts are
     stream's with block 2; vanilla's traffic 4 * 16 + 8 * 2 + 8 * 2 = 96 */
  s = spec ("flash", 4, 2, 2);
  s.sram = 16;
  analyze (&res, &s);
  ck_assert (mpz_cmp_ui (res.traffic, 112) == 0);
  {
    fga_an_result st;
    fga_an_result_init (&st);
    fga_an_spec s2 = spec ("stream", 4, 2, 2);
    s2.block = 2;
    analyze (&st, &s2);
    for (int i = 0; i < 5; i++)
      ck_assert (mpz_cmp (st.ops[i], res.ops[i]) == 0);
    fga_an_result_clear (&st);
  }
  s = spec ("vanilla", 4, 2, 2);
  analyze (&res, &s);
  ck_assert (mpz_cmp_ui (res.traffic, 96) == 0);
  fga_an_result_clear (&res);
}
END_TEST

START_TEST (test_flash_traffic)
{
  /* Theta(N^2 d^2 / M): N = 2^20, d = 64, M = 2^17 gives B_c = 512,
     T_c = 2048 and traffic M / (N d)^2 = 49 / 4 plus lower-order terms;
     doubling N multiplies it by about 4, doubling M divides it by about 2 */
  fga_an_result a, b;
  fga_an_result_init (&a);
  fga_an_result_init (&b);
  fga_an_spec s = spec ("flash", (size_t) 1 << 20, 64, 64);
  analyze (&a, &s);
  double c = mpz_get_d (a.traffic) * (1 << 17) / (pow (2, 40) * 64 * 64);
  ck_assert_msg (c > 12.25 && c < 12.26, "constant %.6f", c);
  s.nq = s.nk = (size_t) 1 << 21;
  analyze (&b, &s);
  double r = mpz_get_d (b.traffic) / mpz_get_d (a.traffic);
  ck_assert_msg (fabs (r - 4) < 0.01, "N ratio %.6f", r);
  s.sram = (size_t) 1 << 18;
  analyze (&a, &s);
  r = mpz_get_d (b.traffic) / mpz_get_d (a.traffic);
  ck_assert_msg (fabs (r - 2) < 0.01, "M ratio %.6f", r);
  /* fewer words than standard attention's 4 N^2 + 4 N d */
  fga_an_spec v = spec ("vanilla", (size_t) 1 << 21, 64, 64);
  analyze (&b, &v);
  ck_assert (mpz_cmp (a.traffic, b.traffic) < 0);
  fga_an_result_clear (&a);
  fga_an_result_clear (&b);
}
END_TEST

START_TEST (test_conventions)
{
  fga_an_result res;
  fga_an_result_init (&res);
  mpz_t f, p;
  mpz_inits (f, p, (mpz_ptr) 0);
  /* causal n = 4, d = dv = 2: 10 scores of 4 MACs; dense 16 scores */
  fga_an_spec s = spec ("vanilla", 4, 2, 2);
  s.causal = 1;
  analyze (&res, &s);
  static const struct { fga_flop_conv c; int halve; unsigned long want; } cases[] = {
    { FGA_FLOP_MACS, 0, 40 }, { FGA_FLOP_FLOP2, 0, 80 }, { FGA_FLOP_SOFTMAX3, 0, 110 },
    { FGA_FLOP_SOFTMAX5, 0, 130 }, { FGA_FLOP_FLOP2, 1, 64 }, { FGA_FLOP_FLOP2, 2, 128 },
    { FGA_FLOP_SOFTMAX5, 1, 104 }, { FGA_FLOP_MACS, 2, 64 }
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      fga_an_flops (f, &res, cases[i].c, cases[i].halve);
      ck_assert_msg (mpz_cmp_ui (f, cases[i].want) == 0, "%s halve %d: %s, want %lu",
                     fga_flop_conv_name (cases[i].c), cases[i].halve, mpz_get_str (NULL, 10, f),
                     cases[i].want);
    }
  fga_an_flops (f, &res, FGA_FLOP_ALL, 1);
  ck_assert (mpz_cmp (f, res.work) == 0);
  for (int c = 0; c < FGA_FLOP_NCONV; c++)
    ck_assert_int_eq (fga_flop_conv_parse (fga_flop_conv_name (c)), c);
  ck_assert_int_eq (fga_flop_conv_parse ("nope"), -1);

  /* non-causal: halving does not apply */
  s.causal = 0;
  analyze (&res, &s);
  fga_an_flops (f, &res, FGA_FLOP_FLOP2, 1);
  ck_assert (mpz_cmp_ui (f, 128) == 0);

  /* Brent: p = 1 gives W + D, p >= W gives 1 + D */
  mpz_set_ui (p, 1);
  fga_an_brent (f, &res, p);
  mpz_sub (f, f, res.work);
  ck_assert (mpz_cmp (f, res.depth) == 0);
  mpz_set (p, res.work);
  fga_an_brent (f, &res, p);
  mpz_sub_ui (f, f, 1);
  ck_assert (mpz_cmp (f, res.depth) == 0);
  mpz_clears (f, p, (mpz_ptr) 0);
  fga_an_result_clear (&res);
}
END_TEST

/* Runs the method of spec on a random n x d instance (nq = nk = n) and
   returns its stats; lse asked for when lse != 0.  */
static void
run_method (const char *mspec, size_t nq, size_t nk, size_t d, size_t dv, int lse,
            fga_stats *st)
{
  unsigned long seed = fga_test_seed () + 31 * nq + nk + 7 * d;
  fga_mat_t Q, K, V, T;
  fga_error err;
  fga_error_init (&err);
  ck_assert (fga_mat_init (Q, nq, d, &err) == FGA_OK);
  ck_assert (fga_mat_init (K, nk, d, &err) == FGA_OK);
  ck_assert (fga_mat_init (V, nk, dv, &err) == FGA_OK);
  ck_assert (fga_mat_init (T, nq, dv, &err) == FGA_OK);
  fga_test_fill_uniform (Q, 1, &seed);
  fga_test_fill_uniform (K, 1, &seed);
  fga_test_fill_uniform (V, 1, &seed);
  double *lsev = lse ? calloc (nq, sizeof *lsev) : NULL;
  fga_method m = fga_method_create (mspec, &err);
  ck_assert_msg (m != NULL, "%s: %s", mspec, err.msg);
  const double tau = 1.0 / sqrt ((double) d);
  fga_problem prob = { nq, nk, d, dv, { FGA_TAU_VALUE, tau }, fga_score_radius (Q, K, tau),
                         1, 1 };
  int rc = fga_method_prepare (m, &prob, &err);
  ck_assert_msg (rc == FGA_OK, "%s: prepare: %s", mspec, err.msg);
  fga_stats_init (st);
  rc = fga_method_run (m, T, lsev, Q, K, V, st, &err);
  ck_assert_msg (rc == FGA_OK, "%s: run: %s", mspec, err.msg);
  fga_method_destroy (m);
  free (lsev);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
  fga_mat_clear (T);
}

/* The counts of one run of the method of mspec on the shape of s, by its
   class's count hook.  */
static void
hook_ops (mpz_t ops[5], const char *mspec, const fga_an_spec *s)
{
  fga_error err;
  fga_error_init (&err);
  fga_method m = fga_method_create (mspec, &err);
  ck_assert_msg (m != NULL, "%s: %s", mspec, err.msg);
  fga_problem prob = { s->nq, s->nk, s->d, s->dv, { FGA_TAU_INV_D, 0 }, INFINITY, 1, 1 };
  int rc = fgap_method_ops (ops, m, &prob, s->lse, &err);
  ck_assert_msg (rc == FGA_OK, "%s: count: %s", mspec, err.msg);
  fga_method_destroy (m);
}

/* Asserts that the specs a and b make the same method (fga_method_spec
   spells out every parameter).  */
static void
assert_same_method (const char *a, const char *b)
{
  fga_error err;
  fga_error_init (&err);
  fga_method ma = fga_method_create (a, &err), mb = fga_method_create (b, &err);
  ck_assert_msg (ma != NULL && mb != NULL, "%s, %s: %s", a, b, err.msg);
  ck_assert_str_eq (fga_method_spec (ma), fga_method_spec (mb));
  fga_method_destroy (ma);
  fga_method_destroy (mb);
}

static void
assert_equal_z (mpz_srcptr a, mpz_srcptr b, const char *what, const char *name)
{
  ck_assert_msg (mpz_cmp (a, b) == 0, "%s: %s: %s against %s", what, name,
                 mpz_get_str (NULL, 10, a), mpz_get_str (NULL, 10, b));
}

/* The analyzer asks the methods for their counts (their count hooks, which
   tests/methods/t-registry.c holds equal to what they record when run).
   Here: the analyzer's counts from the fields equal the hook of the method
   spec written by hand, so the fields are translated into the right spec;
   and the analyzer given that spec as the mechanism resolves to the same
   mechanism with the same result, so the spec is read back into the right
   fields.  The memory model of fixed is exact: one run checks it.  */
enum { M_VANILLA, M_STREAM, M_WINDOW, M_STRIDED, M_DILATED, M_POLY, M_RF, M_NYSTROM, M_FIXED,
       M_N };
static const char *const mech_of[M_N] = { "vanilla", "stream", "window", "strided", "dilated",
                                          "poly", "rf", "nystrom", "fixed" };

START_TEST (test_equals_implementations)
{
  static const struct { size_t nq, nk, d, dv; } sizes[] = {
    { 1, 1, 1, 1 }, { 7, 7, 3, 2 }, { 16, 16, 4, 4 }, { 33, 33, 5, 3 }, { 64, 64, 8, 1 },
    { 100, 100, 2, 6 }, { 257, 257, 4, 2 }, { 300, 300, 3, 3 }, { 1000000, 1000000, 64, 64 }
  };
  fga_an_result res, back;
  fga_an_result_init (&res);
  fga_an_result_init (&back);
  mpz_t ops[5];
  for (int i = 0; i < 5; i++)
    mpz_init (ops[i]);
  char mspec[160], what[240];
  fga_stats st;
  size_t checked = 0;
  for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
    for (int lse = 0; lse <= 1; lse++)
      for (int mech = 0; mech < M_N; mech++)
        for (int var = 0; var < 3; var++)
          {
            const size_t n = sizes[z].nq, d = sizes[z].d, dv = sizes[z].dv;
            fga_an_spec s = spec (mech_of[mech], n, d, dv);
            s.lse = lse;
            switch (mech)
              {
              case M_VANILLA:
                if (var)
                  continue;
                snprintf (mspec, sizeof mspec, "exact:algo=naive");
                break;
              case M_STREAM:
                s.block = var == 0 ? 0 : var == 1 ? 1 : 16;
                snprintf (mspec, sizeof mspec, "exact:algo=stream,block=%zu", s.block);
                break;
              case M_WINDOW:
                s.w = var == 2 ? 1000 : 1 + 3 * var;
                s.causal = var == 1;
                snprintf (mspec, sizeof mspec, "window:w=%zu,causal=%d", s.w, s.causal);
                break;
              case M_STRIDED:
                s.l = var == 0 ? 0 : 1 + 2 * var;
                s.causal = var == 2;
                snprintf (mspec, sizeof mspec, "strided:l=%zu,causal=%d", s.l, s.causal);
                break;
              case M_DILATED:
                s.w = var == 0 ? 4 : 3;
                s.r = var == 2 ? 2 : 1;
                s.alpha = 2 + (var == 1);
                s.causal = var == 1;
                if (s.r > 1 && n >= 2)
                  s.r = 1;               /* refused when r | w: see dilated.c */
                snprintf (mspec, sizeof mspec, "dilated:w=%zu,r=%zu,alpha=%zu,causal=%d", s.w,
                          s.r, s.alpha, s.causal);
                break;
              case M_POLY:
                s.g = var + 1;
                snprintf (mspec, sizeof mspec, "poly:deg=%ld", s.g);
                break;
              case M_RF:
                s.m = 1 + 5 * var;
                s.rf_kind = var;
                snprintf (mspec, sizeof mspec, "rf:m=%zu,kind=%s", s.m,
                          var == 0 ? "pos" : var == 1 ? "hyp" : "trig");
                break;
              case M_NYSTROM:
                if (lse)
                  continue;              /* nystrom refuses lse */
                s.m = var == 0 ? 1 : var == 1 ? (n + 1) / 2 : n;
                s.iters = 1 + var;
                s.segment = var == 1;
                snprintf (mspec, sizeof mspec, "nystrom:m=%zu,pinv=iter,iters=%ld,landmarks=%s",
                          s.m, s.iters, s.segment ? "segment" : "uniform");
                break;
              case M_FIXED:
                /* l = ceil (sqrt (n)); blocks of 3 with a summary of 2;
                   blocks of 5 with 2 (n = 7, 33: a short block without summary) */
                s.l = var == 0 ? 0 : var == 1 ? 3 : 5;
                s.c = var == 0 ? 1 : 2;
                s.causal = var == 1;
                snprintf (mspec, sizeof mspec, "fixed:l=%zu,c=%zu,causal=%d", s.l, s.c, s.causal);
                break;
              }
            analyze (&res, &s);
            snprintf (what, sizeof what, "%s n=%zu d=%zu dv=%zu lse=%d", mspec, n, d, dv, lse);
            hook_ops (ops, mspec, &s);
            for (int i = 0; i < 5; i++)
              assert_equal_z (res.ops[i], ops[i], what, kind[i]);
            char spec_back[256];
            fga_error err;
            fga_error_init (&err);
            ck_assert_msg (fga_an_method_spec (spec_back, sizeof spec_back, &s, &err) == FGA_OK,
                           "%s: %s", what, err.msg);
            assert_same_method (spec_back, mspec);
            fga_an_spec sb = spec (mspec, n, d, dv);
            sb.lse = lse;
            analyze (&back, &sb);
            ck_assert_str_eq (back.mech, mech_of[mech]);
            ck_assert (back.modelled);
            for (int i = 0; i < 5; i++)
              assert_equal_z (back.ops[i], res.ops[i], what, kind[i]);
            assert_equal_z (back.scores, res.scores, what, "scores");
            assert_equal_z (back.macs, res.macs, what, "macs");
            assert_equal_z (back.mem_elems, res.mem_elems, what, "mem_elems");
            assert_equal_z (back.path, res.path, what, "path");
            assert_equal_z (back.depth, res.depth, what, "depth");
            if (mech == M_FIXED && n <= 300)
              {
                /* the memory model is exact for fixed: one thread's scratch */
                run_method (mspec, n, n, d, dv, lse, &st);
                ck_assert_msg (mpz_cmp_ui (res.mem_bytes, st.peak_bytes / (size_t) st.threads)
                               == 0, "%s: mem_bytes %s, peak_bytes %zu over %d threads", what,
                               mpz_get_str (NULL, 10, res.mem_bytes), st.peak_bytes, st.threads);
                ck_assert (mpz_cmp_d (res.scores, fga_stats_get (&st, "pairs")) == 0);
              }
            checked++;
          }
  /* nq != nk for the mechanisms that allow it */
  static const char *const rect[] = { "exact:algo=naive", "exact:algo=stream,block=8",
                                      "poly:deg=2", "rf:m=4,kind=pos",
                                      "nystrom:m=3,pinv=iter,iters=6,landmarks=uniform" };
  static const char *const rect_mech[] = { "vanilla", "stream", "poly", "rf", "nystrom" };
  for (size_t i = 0; i < 5; i++)
    {
      fga_an_spec s = spec (rect_mech[i], 0, 3, 2);
      s.nq = 11;
      s.nk = 29;
      s.block = 8;
      s.g = 2;
      s.m = i == 3 ? 4 : 3;
      analyze (&res, &s);
      hook_ops (ops, rect[i], &s);
      for (int k = 0; k < 5; k++)
        assert_equal_z (res.ops[k], ops[k], rect[i], kind[k]);
      checked++;
    }
  /* a method no mechanism models is counted alone */
  fga_an_spec s = spec ("exact:algo=blas", 9, 3, 2);
  analyze (&res, &s);
  hook_ops (ops, "exact:algo=naive", &s);
  ck_assert (!res.modelled);
  ck_assert_ptr_nonnull (strstr (res.mech, "exact:algo=blas"));
  for (int k = 0; k < 5; k++)
    assert_equal_z (res.ops[k], ops[k], "exact:algo=blas", kind[k]);
  ck_assert (checked > 150);
  for (int i = 0; i < 5; i++)
    mpz_clear (ops[i]);
  fga_an_result_clear (&res);
  fga_an_result_clear (&back);
}
END_TEST

/* The ratio of work at 2n to work at n.  */
static double
work_ratio (fga_an_spec s, size_t n)
{
  fga_an_result a, b;
  fga_an_result_init (&a);
  fga_an_result_init (&b);
  s.nq = s.nk = n;
  analyze (&a, &s);
  s.nq = s.nk = 2 * n;
  analyze (&b, &s);
  double r = mpz_get_d (b.work) / mpz_get_d (a.work);
  fga_an_result_clear (&a);
  fga_an_result_clear (&b);
  return r;
}

START_TEST (test_ratios)
{
  fga_an_spec s = spec ("vanilla", 0, 64, 64);
  double r = work_ratio (s, 1 << 16);
  ck_assert_msg (fabs (r - 4) < 1e-3, "vanilla ratio %.6f", r);
  s.mech = "window";
  s.w = 64;
  r = work_ratio (s, 1 << 16);
  ck_assert_msg (fabs (r - 2) < 1e-3, "window ratio %.6f", r);
  s.mech = "dilated";
  s.w = 2048;
  s.r = 1;
  s.alpha = 2;
  s.levels = 3;                 /* a fixed schedule: linear in n */
  r = work_ratio (s, 1 << 20);
  ck_assert_msg (fabs (r - 2) < 1e-3, "dilated ratio %.6f", r);
  s.mech = "strided";
  s.l = 0;                      /* l = ceil (sqrt (n)) */
  /* n = 4^k so that sqrt (n) and sqrt (2n) are both near integers is not
     possible; the ratio tends to 2^1.5 as n grows */
  r = work_ratio (s, (size_t) 1 << 30);
  ck_assert_msg (fabs (r - pow (2, 1.5)) < 0.01, "strided ratio %.6f", r);
  s.mech = "recurrent";
  r = work_ratio (s, 1 << 16);
  ck_assert_msg (fabs (r - 2) < 1e-12, "recurrent ratio %.6f", r);
}
END_TEST

START_TEST (test_longnet_bound)
{
  /* LongNet's dilated FLOPs 2 N d sum_k w_k / r_k^2 <= (2 alpha / (alpha - 1)) (w0 / r0^2) N d
     count the products of Q K^T: 2 P d with P the pairs.  For n = w0 alpha^j
     (every level's segments divide n, the top one global) and r | w0, P is
     exactly n (w0 / r^2) sum_{k<K} alpha^{-k}, and the bound is
     P (alpha - 1) r^2 <= alpha w0 n.  */
  fga_an_result res;
  fga_an_result_init (&res);
  mpz_t lhs, rhs, sum, t;
  mpz_inits (lhs, rhs, sum, t, (mpz_ptr) 0);
  static const size_t w0s[] = { 4, 16, 2048 }, alphas[] = { 2, 3, 4 };
  for (size_t a = 0; a < 3; a++)
    for (size_t b = 0; b < 3; b++)
      for (unsigned j = 0; j < 6; j++)
        {
          size_t w0 = w0s[b], al = alphas[a], n = w0;
          for (unsigned i = 0; i < j; i++)
            n *= al;
          fga_an_spec s = spec ("dilated", n, 64, 64);
          s.w = w0;
          s.r = 1;
          s.alpha = al;
          analyze (&res, &s);
          /* K = j + 1 levels: P alpha^j = n w0 sum_k alpha^(j - k) */
          mpz_ui_pow_ui (t, al, j);
          mpz_mul (lhs, res.scores, t);
          mpz_ui_pow_ui (sum, al, j + 1);
          mpz_sub_ui (sum, sum, 1);
          mpz_divexact_ui (sum, sum, al - 1);
          mpz_mul_ui (rhs, sum, n);
          mpz_mul_ui (rhs, rhs, w0);
          ck_assert_msg (mpz_cmp (lhs, rhs) == 0, "dilated n=%zu w0=%zu alpha=%zu", n, w0, al);
          /* the geometric bound, with LongNet's 2 P d FLOPs */
          mpz_mul_ui (lhs, res.scores, 2 * 64 * (al - 1));
          mpz_set_ui (rhs, 2 * al);
          mpz_mul_ui (rhs, rhs, w0);
          mpz_mul_ui (rhs, rhs, n);
          mpz_mul_ui (rhs, rhs, 64);
          ck_assert (mpz_cmp (lhs, rhs) <= 0);
          /* LongNet's path length ceil (log_alpha (n (alpha - 1) / w0)) */
          double pl = ceil (log ((double) n * (al - 1) / w0) / log ((double) al) - 1e-9);
          ck_assert_msg (mpz_cmp_ui (res.path, (unsigned long) (pl < 0 ? 0 : pl)) == 0,
                         "path n=%zu w0=%zu alpha=%zu: %lu vs %g", n, w0, al,
                         mpz_get_ui (res.path), pl);
        }
  mpz_clears (lhs, rhs, sum, t, (mpz_ptr) 0);
  fga_an_result_clear (&res);
}
END_TEST

START_TEST (test_huge)
{
  fga_an_result res;
  fga_an_result_init (&res);
  mpz_t n, want, t;
  mpz_inits (n, want, t, (mpz_ptr) 0);
  static const size_t ns[] = { 1000000000, 1000000000000 };
  for (int i = 0; i < 2; i++)
    {
      mpz_set_ui (n, 0);
      mpz_import (n, 1, -1, sizeof ns[i], 0, 0, &ns[i]);
      /* vanilla: mul = n^2 (d + 1 + dv), cmp = n (n - 1) */
      fga_an_spec s = spec ("vanilla", ns[i], 64, 64);
      analyze (&res, &s);
      mpz_mul (want, n, n);
      mpz_mul_ui (want, want, 129);
      ck_assert (mpz_cmp (res.ops[0], want) == 0);
      mpz_sub_ui (t, n, 1);
      mpz_mul (want, n, t);
      ck_assert (mpz_cmp (res.ops[4], want) == 0);
      ck_assert (i == 0 || mpz_sizeinbase (res.work, 2) > 64);
      /* causal vanilla: n (n + 1) / 2 scores */
      s.causal = 1;
      analyze (&res, &s);
      mpz_add_ui (t, n, 1);
      mpz_mul (want, n, t);
      mpz_divexact_ui (want, want, 2);
      ck_assert (mpz_cmp (res.scores, want) == 0);
      /* window w = 64: P = n 129 - 64 * 65 */
      s = spec ("window", ns[i], 64, 64);
      s.w = 64;
      analyze (&res, &s);
      mpz_mul_ui (want, n, 129);
      mpz_sub_ui (want, want, 64 * 65);
      ck_assert (mpz_cmp (res.scores, want) == 0);
      /* strided l = sqrt (n) exactly: P = W (l - 1) + 2 S with q = l,
         S = l q (q - 1) / 2 */
      s = spec ("strided", ns[i], 64, 64);
      analyze (&res, &s);
      mpz_sqrt (t, n);
      ck_assert (mpz_cmp_ui (t, i == 0 ? 31622 : 1000000) >= 0);
      mpz_mul (want, t, t);
      if (mpz_cmp (want, n) < 0)
        mpz_add_ui (t, t, 1);    /* ceil (sqrt (n)) */
      {
        mpz_t l1, q, S, W;
        mpz_inits (l1, q, S, W, (mpz_ptr) 0);
        mpz_sub_ui (l1, t, 1);   /* r = l - 1 */
        mpz_mul_ui (W, l1, 2);
        mpz_add_ui (W, W, 1);
        mpz_mul (W, W, n);
        mpz_add_ui (want, l1, 1);
        mpz_submul (W, l1, want);
        mpz_fdiv_q (q, n, t);
        mpz_sub_ui (S, q, 1);
        mpz_mul (S, S, q);
        mpz_mul (S, S, t);
        mpz_divexact_ui (S, S, 2);
        mpz_mul (want, q, t);
        mpz_sub (want, n, want);
        mpz_addmul (S, want, q);
        mpz_set (want, W);
        mpz_addmul_ui (want, S, 2);
        ck_assert_msg (mpz_cmp (res.scores, want) == 0, "strided n=%zu: %s vs %s", ns[i],
                       mpz_get_str (NULL, 10, res.scores), mpz_get_str (NULL, 10, want));
        mpz_clears (l1, q, S, W, (mpz_ptr) 0);
      }
      /* dilated, LongNet's schedule to a global top level: the bound holds */
      s = spec ("dilated", ns[i], 64, 64);
      s.w = 2048;
      s.alpha = 2;
      analyze (&res, &s);
      mpz_mul_ui (want, n, 2 * 2048);
      ck_assert (mpz_cmp (res.scores, want) <= 0 && mpz_sgn (res.scores) > 0);
      /* mha with heads: n^2 scores per head */
      s = spec ("mha", ns[i], 512, 512);
      s.heads = 8;
      analyze (&res, &s);
      mpz_mul (want, n, n);
      mpz_mul_ui (want, want, 8);
      ck_assert (mpz_cmp (res.scores, want) == 0);
    }
  mpz_clears (n, want, t, (mpz_ptr) 0);
  fga_an_result_clear (&res);
}
END_TEST

START_TEST (test_refused)
{
  fga_an_result res;
  fga_an_result_init (&res);
  fga_error err;
  fga_error_init (&err);
  fga_an_spec s = spec ("mha", 8, 10, 10);
  s.heads = 3;
  ck_assert_int_eq (fga_an_analyze (&res, &s, &err), FGA_ERR_INPUT);
  ck_assert (strstr (err.msg, "heads") != NULL);
  s = spec ("vanilla", 0, 4, 4);
  ck_assert_int_eq (fga_an_analyze (&res, &s, &err), FGA_ERR_INPUT);
  s = spec ("nystrom", 4, 4, 4);
  s.m = 5;
  ck_assert_int_eq (fga_an_analyze (&res, &s, &err), FGA_ERR_INPUT);
  /* every mechanism listed is known; a method without counts is not */
  ck_assert_uint_ge (fga_an_mech_count (), 14);
  for (size_t m = 0; m < fga_an_mech_count (); m++)
    ck_assert (fga_an_mech_known (fga_an_mech_at (m)));
  ck_assert_ptr_null (fga_an_mech_at (fga_an_mech_count ()));
  ck_assert (!fga_an_mech_known ("nope") && !fga_an_mech_known ("tsketch"));
  ck_assert (fga_an_mech_known ("exact:algo=blas") && fga_an_mech_runnable ("window"));
  ck_assert (!fga_an_mech_runnable ("mha"));
  fga_an_result_clear (&res);
}
END_TEST

START_TEST (test_tables)
{
  fga_an_row rows[8];
  fga_an_spec base = spec ("vanilla", 1 << 14, 64, 64);
  base.k = 3;
  base.w = 64;
  base.alpha = 2;
  ck_assert_int_eq (fga_an_table (rows, 8, "nope", &base), 0);
  size_t nr = fga_an_table (rows, 8, "vaswani", &base);
  ck_assert_int_eq (nr, 5);
  /* growth when n doubles: 4 for self-attention, 2 for the others */
  static const double want_v[] = { 4, 2, 2, 2, 2 };
  for (size_t i = 0; i < nr; i++)
    {
      double r = work_ratio (rows[i].spec, 1 << 14);
      ck_assert_msg (fabs (r - want_v[i]) < 0.01, "vaswani %s: ratio %.6f", rows[i].label, r);
    }
  ck_assert_int_eq (rows[4].spec.w, 32);
  /* longnet: recurrent 2, vanilla 4, sparse about 2^1.5, dilated about 2 */
  base.w = 2048;
  nr = fga_an_table (rows, 8, "longnet", &base);
  ck_assert_int_eq (nr, 4);
  static const double want_l[] = { 2, 4, 2.8284271247461903, 2 };
  for (size_t i = 0; i < nr; i++)
    {
      double r = work_ratio (rows[i].spec, (size_t) 1 << 30);
      ck_assert_msg (fabs (r - want_l[i]) < 0.01, "longnet %s: ratio %.6f", rows[i].label, r);
    }
  /* the sequential steps: 1 for attention, n for the recurrent layer */
  fga_an_result res;
  fga_an_result_init (&res);
  analyze (&res, &rows[0].spec);
  ck_assert (mpz_cmp_ui (res.steps, 1 << 14) == 0);
  analyze (&res, &rows[1].spec);
  ck_assert (mpz_cmp_ui (res.steps, 1) == 0);
  fga_an_result_clear (&res);
}
END_TEST

START_TEST (test_online_tree)
{
  mpz_t depth, mem;
  mpz_inits (depth, mem, (mpz_ptr) 0);
  /* nk = 4, d = 1: S = 2, a full tree 5 * 2 levels, the division: 13;
     states: 4 per query of dv + 2 = 3 elements */
  fga_an_online_tree (depth, mem, 2, 4, 1, 1, 0);
  ck_assert (mpz_cmp_ui (depth, 13) == 0 && mpz_cmp_ui (mem, 24) == 0);
  /* chunks of 1: 3 sequential merges, 2 states alive per query */
  fga_an_online_tree (depth, mem, 2, 4, 1, 1, 1);
  ck_assert (mpz_cmp_ui (depth, 18) == 0 && mpz_cmp_ui (mem, 12) == 0);
  /* n = 10^12 keys in chunks of 256: depth linear in n / 256, no overflow */
  fga_an_online_tree (depth, mem, 1000000000000, 1000000000000, 64, 64, 256);
  mpz_t want;
  mpz_init_set_ui (want, 3906250000 - 1);
  mpz_mul_ui (want, want, 5);
  mpz_add_ui (want, want, 6 + 2 + 40 + 1);
  ck_assert (mpz_cmp (depth, want) == 0);
  /* the full tree is logarithmic: against a recurrent layer's n (c(d) + 3) */
  fga_an_online_tree (depth, mem, 1 << 20, 1 << 20, 64, 64, 0);
  ck_assert (mpz_cmp_ui (depth, 8 + 100 + 1) == 0);
  mpz_clears (depth, mem, want, (mpz_ptr) 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The fixed pattern (Child et al. 2019): query i attends j when
   floor (j / l) = floor (i / l) or j mod l >= l - c (and j <= i, causal).  */

START_TEST (test_fixed_hand)
{
  fga_an_result res;
  fga_an_result_init (&res);
  /* n = 10, l = 4, c = 1, d = dv = 1: blocks {0..3}, {4..7}, {8, 9};
     summaries 3 and 7 (8 mod 4, 9 mod 4 < 3: the short block has none).
     Rows: block 0 sees its 4 and 7, block 1 its 4 and 3, block 2 its 2
     and 3, 7: P = 4 * 5 + 4 * 5 + 2 * 4 = 48.  mul 3 P, add 3 P - 2 n,
     exp P, div n, cmp P - n.  Largest row 5, two output rows of 1.  */
  fga_an_spec s = spec ("fixed", 10, 1, 1);
  ck_assert_uint_eq (s.c, 1);                   /* the default */
  s.l = 4;
  analyze (&res, &s);
  assert_ops (&res, (unsigned long[5]) { 144, 124, 48, 10, 38 }, "fixed 10/4/1");
  ck_assert (mpz_cmp_ui (res.scores, 48) == 0 && mpz_cmp_ui (res.scores_dense, 100) == 0);
  ck_assert (mpz_cmp_ui (res.mem_elems, 7) == 0);
  /* positions 8 and 9 are read by no other block: no path */
  ck_assert (mpz_cmp_ui (res.path, 0) == 0);
  /* 2 c(5) + c(1) + 6 */
  ck_assert (mpz_cmp_ui (res.depth, 12) == 0);

  /* causal: block 0 rows of 1, 2, 3, 4 keys; block 1 the same plus key 3;
     block 2 rows of 1 + 2 and 2 + 2 keys: P = 10 + 14 + 7 = 31; largest
     row 5 (query 7); the path through the summary at a block's end is 2 */
  s.causal = 1;
  analyze (&res, &s);
  assert_ops (&res, (unsigned long[5]) { 93, 73, 31, 10, 21 }, "fixed 10/4/1 causal");
  ck_assert (mpz_cmp_ui (res.mem_elems, 7) == 0);
  ck_assert (mpz_cmp_ui (res.path, 2) == 0);

  /* c = 3: 8 mod 4 < 1 <= 9 mod 4, so 9 is a summary and the short block
     is read: path 2.  c = l or l >= n: every pair direct, path 1. */
  s.causal = 0;
  s.c = 3;
  analyze (&res, &s);
  ck_assert (mpz_cmp_ui (res.path, 2) == 0);
  s.c = 4;
  analyze (&res, &s);
  ck_assert (mpz_cmp_ui (res.path, 1) == 0 && mpz_cmp_ui (res.scores, 100) == 0);
  s.l = 10;
  s.c = 1;
  analyze (&res, &s);
  ck_assert (mpz_cmp_ui (res.path, 1) == 0 && mpz_cmp_ui (res.scores, 100) == 0);
  ck_assert (mpz_cmp_ui (res.mem_elems, 12) == 0);
  s.nq = s.nk = 1;
  analyze (&res, &s);
  ck_assert (mpz_cmp_ui (res.path, 0) == 0 && mpz_cmp_ui (res.scores, 1) == 0);
  fga_an_result_clear (&res);
}
END_TEST

START_TEST (test_fixed_ratios)
{
  /* l = ceil (sqrt (n)): P is about (1 + c) n^1.5 (causal: half), so the
     work grows by about 2^1.5 when n doubles */
  for (int causal = 0; causal < 2; causal++)
    for (size_t c = 1; c <= 8; c *= 8)
      {
        fga_an_spec s = spec ("fixed", 0, 64, 64);
        s.l = 0;
        s.c = c;
        s.causal = causal;
        double r = work_ratio (s, (size_t) 1 << 30);
        ck_assert_msg (fabs (r - pow (2, 1.5)) < 0.01, "fixed c=%zu causal=%d ratio %.6f", c,
                       causal, r);
      }
  /* with l held fixed the summaries grow with n: P ~ c n^2 / l, quadratic,
     so the ratio tends to 4 */
  fga_an_spec s = spec ("fixed", 0, 64, 64);
  s.l = 64;
  s.c = 8;
  double r = work_ratio (s, (size_t) 1 << 24);
  ck_assert_msg (fabs (r - 4) < 0.01, "fixed l=64 ratio %.6f", r);
}
END_TEST

/* P by a loop over the blocks (O(n / l) steps), from the definition: a
   block of s positions holds max (0, s - (l - c)) summaries (its offsets
   l - c .. s - 1); a query sees its block (causal: up to itself) and the
   summaries of the other blocks (causal: the earlier ones).  */
static void
fixed_pairs_by_blocks (mpz_ptr P, size_t n, size_t l, size_t c, int causal)
{
  mpz_t Z, before, t;
  mpz_inits (Z, before, t, (mpz_ptr) 0);
  for (size_t s0 = 0; s0 < n; s0 += l)
    {
      size_t sb = n - s0 < l ? n - s0 : l;
      mpz_add_ui (Z, Z, sb > l - c ? sb - (l - c) : 0);
    }
  mpz_set_ui (P, 0);
  for (size_t s0 = 0; s0 < n; s0 += l)
    {
      size_t sb = n - s0 < l ? n - s0 : l, zb = sb > l - c ? sb - (l - c) : 0;
      if (causal)
        {
          /* sum_{t < sb} (t + 1) + sb * (summaries before) */
          mpz_set_ui (t, sb);
          mpz_mul_ui (t, t, sb + 1);
          mpz_fdiv_q_2exp (t, t, 1);
          mpz_add (P, P, t);
          mpz_addmul_ui (P, before, sb);
          mpz_add_ui (before, before, zb);
        }
      else
        {
          mpz_add_ui (t, Z, sb);
          mpz_sub_ui (t, t, zb);
          mpz_addmul_ui (P, t, sb);
        }
    }
  mpz_clears (Z, before, t, (mpz_ptr) 0);
}

START_TEST (test_fixed_huge)
{
  static const size_t ns[] = { 1000000000, 1000000007, 1000000000000, 999999999989 };
  static const size_t cs[] = { 1, 8, 999 };
  fga_an_result res;
  fga_an_result_init (&res);
  mpz_t want;
  mpz_init (want);
  for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
    for (size_t b = 0; b < sizeof cs / sizeof cs[0]; b++)
      for (int causal = 0; causal < 2; causal++)
        {
          fga_an_spec s = spec ("fixed", ns[a], 64, 64);
          s.l = 0;
          s.c = cs[b];
          s.causal = causal;
          analyze (&res, &s);
          /* l = ceil (sqrt (n)), by integer square root */
          size_t l = (size_t) sqrt ((double) ns[a]);
          while (l * l < ns[a])
            l++;
          while ((l - 1) * (l - 1) >= ns[a])
            l--;
          fixed_pairs_by_blocks (want, ns[a], l, cs[b], causal);
          ck_assert_msg (mpz_cmp (res.scores, want) == 0, "fixed n=%zu l=%zu c=%zu causal=%d: "
                         "%s vs %s by blocks", ns[a], l, cs[b], causal,
                         mpz_get_str (NULL, 10, res.scores), mpz_get_str (NULL, 10, want));
          /* mul = P (d + 1 + dv), beyond 64 bits at n = 10^12 */
          mpz_mul_ui (want, want, 129);
          ck_assert (mpz_cmp (res.ops[0], want) == 0);
          ck_assert (ns[a] < 1000000000000 || mpz_sizeinbase (res.work, 2) > 64);
        }
  mpz_clear (want);
  fga_an_result_clear (&res);
}
END_TEST

START_TEST (test_fixed_refused)
{
  fga_an_result res;
  fga_an_result_init (&res);
  fga_error err;
  fga_error_init (&err);
  fga_an_spec s = spec ("fixed", 100, 8, 8);
  s.l = 8;
  s.c = 0;
  ck_assert_int_eq (fga_an_analyze (&res, &s, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "c=0"));
  s.c = 9;
  ck_assert_int_eq (fga_an_analyze (&res, &s, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "c=9"));
  s.c = 8;
  s.nk = 99;
  ck_assert_int_eq (fga_an_analyze (&res, &s, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "nq = nk"));
  ck_assert (fga_an_mech_known ("fixed") && fga_an_mech_runnable ("fixed"));
  fga_an_result_clear (&res);
}
END_TEST

static Suite *
analyzer_suite (void)
{
  Suite *s = suite_create ("analyzer");
  TCase *tc = fga_test_tcase ("analyzer", 120);
  tcase_add_test (tc, test_hand_counts);
  tcase_add_test (tc, test_conventions);
  tcase_add_test (tc, test_flash_traffic);
  tcase_add_test (tc, test_equals_implementations);
  tcase_add_test (tc, test_ratios);
  tcase_add_test (tc, test_longnet_bound);
  tcase_add_test (tc, test_huge);
  tcase_add_test (tc, test_refused);
  tcase_add_test (tc, test_tables);
  tcase_add_test (tc, test_online_tree);
  tcase_add_test (tc, test_fixed_hand);
  tcase_add_test (tc, test_fixed_ratios);
  tcase_add_test (tc, test_fixed_huge);
  tcase_add_test (tc, test_fixed_refused);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (analyzer_suite ());
}
