/* t-poly -- tests of the monomial features and of the method poly

   Expected values never come from the code under test: the feature counts
   from Pascal's rule, the counts by degree from C(d + k - 1, k), the
   multinomials from factorials, p(S) by Horner in MPFR on scores computed
   exactly, attention from the slow MPFR reference fga_test_ref_attention at
   200 bits, the operation counts from the closed form written out below.

   Error bounds used (u the unit roundoff, theory/upper-bound.md):
     features, MPFR at P bits: every term c_k tau^k m_alpha q^alpha k^alpha
       of (U1 U2^T)_ij carries at most 2 g + 2 roundings, the sum over r
       terms r more, so |U1 U2^T - p(S)| <= gamma_{2g+r+4}(2^-P) Pabs,
       Pabs = sum_k |c_k| sigma^k, sigma = tau sum_l |q_l k_l|;
     features in double, their product taken exactly: gamma_{2g+2}(2^-53) Pabs;
     the method: ||T - Att||_inf <= (2 eps_rel + rb) ||V||_inf (lemmas 5
       and 6), plus the final rounding to double of arith=mpfr and the
       reference's own (a few units of 2^-53 ||V||_inf).  */

#include <config.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
# include <omp.h>
#endif

#include "testutil.h"

#define U 0x1p-53

/* ------------------------------------------------------------------ */
/* helpers */

static void
mat (fga_mat_ptr M, size_t rows, size_t cols)
{
  fga_error err;
  ck_assert_msg (fga_mat_init (M, rows, cols, &err) == FGA_OK, "%s", err.msg);
}

static void
instance (fga_instance_ptr inst, size_t nq, size_t nk, size_t d, size_t dv, double B,
          unsigned long seed)
{
  fga_error err;
  fga_instance_init (inst);
  int rc = fga_instance_generate (inst, nq, nk, d, dv, B, B, FGA_DIST_UNIFORM, seed, &err);
  ck_assert_msg (rc == FGA_OK, "fga_instance_generate: %s", err.msg);
}

/* Creates, prepares and runs spec on inst; returns the status, err filled. */
static int
run_spec (const char *spec, fga_instance_srcptr inst, const fga_tau *tau, fga_mat_ptr T,
          double *lse, fga_stats *st, fga_error *err)
{
  fga_error_init (err);
  fga_method m = fga_method_create (spec, err);
  if (m == NULL)
    return err->code;
  fga_problem prob;
  fga_problem_from_instance (&prob, inst, tau);
  int rc = fga_method_prepare (m, &prob, err);
  if (rc == FGA_OK)
    rc = fga_method_run (m, T, lse, inst->Q, inst->K, inst->V, st, err);
  fga_method_destroy (m);
  return rc;
}

static void
run_ok (const char *spec, fga_instance_srcptr inst, fga_mat_ptr T, double *lse, fga_stats *st)
{
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_error err;
  int rc = run_spec (spec, inst, &tau, T, lse, st, &err);
  ck_assert_msg (rc == FGA_OK, "%s failed (%d): %s; FGATTN_TEST_SEED=%lu", spec, rc, err.msg,
                 fga_test_seed ());
}

static double
max_abs_diff (fga_mat_srcptr A, fga_mat_srcptr B)
{
  double m = 0;
  for (size_t k = 0; k < A->rows * A->cols; k++)
    {
      double e = fabs (A->data[k] - B->data[k]);
      if (!(e <= m))
        m = e;
    }
  return m;
}

/* C(n, k) by Pascal's rule, in 128 bits: independent of GMP's binomials. */
static unsigned __int128
pascal (unsigned n, unsigned k)
{
  static unsigned __int128 row[200];
  if (k > n)
    return 0;
  for (unsigned a = 0; a <= n; a++)
    {
      row[a] = 1;
      for (unsigned b = a - 1; b >= 1 && b < a; b--)
        row[b] += row[b - 1];
    }
  return row[k];
}

/* ------------------------------------------------------------------ */
/* r = C(d + g, d) */

static const unsigned count_cases[][2] = {
  /* d, g */
  { 1, 0 }, { 1, 1 }, { 1, 17 }, { 2, 0 }, { 2, 5 }, { 3, 3 }, { 4, 8 }, { 8, 7 }, { 8, 8 },
  { 16, 8 }, { 5, 20 }, { 20, 5 }, { 64, 3 }, { 3, 64 }, { 33, 33 }, { 34, 33 }, { 30, 30 }
};

START_TEST (test_count)
{
  unsigned d = count_cases[_i][0], g = count_cases[_i][1];
  size_t r = 0;
  fga_error err;
  int rc = fga_monomial_count (&r, d, g, &err);
  ck_assert_msg (rc == FGA_OK, "d = %u, g = %u: %s", d, g, err.msg);
  unsigned __int128 want = pascal (d + g, d);
  ck_assert_msg ((unsigned __int128) r == want, "d = %u, g = %u: r = %zu, want %llu", d, g, r,
                 (unsigned long long) want);
}
END_TEST

/* r beyond size_t is refused with r in the message.  */
static const unsigned count_big[][2] = { { 34, 34 }, { 100, 100 }, { 1000, 20 } };

START_TEST (test_count_refused)
{
  size_t r = 12345;
  fga_error err;
  fga_error_init (&err);
  int rc = fga_monomial_count (&r, count_big[_i][0], count_big[_i][1], &err);
  ck_assert_int_eq (rc, FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "r = C(") != NULL, "message \"%s\" does not give r", err.msg);
  ck_assert_uint_eq (r, 12345);
  fga_error_init (&err);
  ck_assert_int_eq (fga_monomial_count (&r, 0, 3, &err), FGA_ERR_INPUT);
  ck_assert_int_eq (fga_monomial_count (&r, 3, -1, &err), FGA_ERR_INPUT);
}
END_TEST

/* ------------------------------------------------------------------ */
/* the enumeration: graded, complete, parents, multinomials; the walk */

static const unsigned enum_cases[][2] = {
  { 1, 0 }, { 1, 6 }, { 2, 4 }, { 3, 0 }, { 3, 5 }, { 4, 4 }, { 5, 3 }, { 6, 2 }, { 8, 3 },
  { 2, 12 }
};

/* -1, 0, 1 as a is lexicographically before, equal to, after b */
static int
lexcmp (const unsigned *a, const unsigned *b, size_t d)
{
  for (size_t l = 0; l < d; l++)
    if (a[l] != b[l])
      return a[l] > b[l] ? -1 : 1;
  return 0;
}

START_TEST (test_enumeration)
{
  size_t d = enum_cases[_i][0];
  long g = enum_cases[_i][1];
  fgap_monomials_t mo;
  fga_error err;
  ck_assert_msg (fgap_monomials_init (mo, d, g, &err) == FGA_OK, "%s", err.msg);
  ck_assert_uint_eq (mo->r, (size_t) pascal ((unsigned) (d + g), (unsigned) d));
  ck_assert_uint_eq (mo->start[0], 0);
  ck_assert_uint_eq (mo->start[g + 1], mo->r);

  mpz_t m, f, want;
  mpz_inits (m, f, want, (mpz_ptr) 0);
  for (long k = 0; k <= g; k++)
    {
      /* C(d + k - 1, k) multi-indices of degree k */
      size_t cnt = mo->start[k + 1] - mo->start[k];
      size_t wantc = k == 0 ? 1 : (size_t) pascal ((unsigned) (d + k - 1), (unsigned) k);
      ck_assert_msg (cnt == wantc, "d = %zu, degree %ld: %zu multi-indices, want %zu", d, k, cnt,
                     wantc);
      for (size_t t = mo->start[k]; t < mo->start[k + 1]; t++)
        {
          const unsigned *a = mo->alpha + t * d;
          unsigned sum = 0;
          for (size_t l = 0; l < d; l++)
            sum += a[l];
          ck_assert_uint_eq (sum, (unsigned) k);
          ck_assert_uint_eq (mo->deg[t], (unsigned) k);
          /* strictly decreasing within a degree: so all distinct */
          if (t > mo->start[k])
            ck_assert_int_eq (lexcmp (mo->alpha + (t - 1) * d, a, d), -1);
          if (k > 0)
            {
              size_t p = mo->parent[t];
              unsigned l = mo->var[t];
              ck_assert_uint_lt (p, t);
              ck_assert_uint_eq (mo->deg[p], (unsigned) k - 1);
              ck_assert_uint_gt (a[l], 0);
              for (size_t x = l + 1; x < d; x++)
                ck_assert_uint_eq (a[x], 0);        /* var is the last nonzero */
              for (size_t x = 0; x < d; x++)
                ck_assert_uint_eq (mo->alpha[p * d + x], a[x] - (x == l));
            }
          /* multinomial = k! / prod a_l! */
          fgap_monomials_multinomial (m, mo, t);
          mpz_fac_ui (want, (unsigned long) k);
          for (size_t x = 0; x < d; x++)
            {
              mpz_fac_ui (f, a[x]);
              mpz_divexact (want, want, f);
            }
          ck_assert_msg (mpz_cmp (m, want) == 0, "multinomial of index %zu", t);
        }
    }

  /* The walk: the same set, each once; the parent of the current one is
     the latest of one degree less; its multinomials; sorted stably by
     degree it is the graded order.  */
  fgap_monomial_walk w;
  ck_assert_msg (fgap_monomial_walk_init (&w, d, g, &err) == FGA_OK, "%s", err.msg);
  unsigned *latest = calloc ((size_t) (g + 1) * d, sizeof (unsigned));
  size_t *next_of_degree = calloc ((size_t) g + 1, sizeof (size_t));
  for (long k = 0; k <= g; k++)
    next_of_degree[k] = mo->start[k];
  size_t visited = 0;
  do
    {
      long k = w.k;
      ck_assert_uint_eq (w.index, visited);
      ck_assert_int_le (k, g);
      /* the next graded multi-index of this degree is this one */
      size_t t = next_of_degree[k]++;
      ck_assert_uint_lt (t, mo->start[k + 1]);
      ck_assert_msg (memcmp (mo->alpha + t * d, w.alpha, d * sizeof (unsigned)) == 0,
                     "walk step %zu is not graded index %zu", visited, t);
      if (k > 0)
        {
          unsigned l = w.seq[k - 1];
          for (size_t x = 0; x < d; x++)
            ck_assert_uint_eq (latest[(size_t) (k - 1) * d + x], w.alpha[x] - (x == l));
        }
      memcpy (latest + (size_t) k * d, w.alpha, d * sizeof (unsigned));
      fgap_monomials_multinomial (m, mo, t);
      ck_assert (mpz_cmp (m, w.mult[k]) == 0);
      visited++;
    }
  while (fgap_monomial_walk_next (&w));
  ck_assert_uint_eq (visited, mo->r);
  for (long k = 0; k <= g; k++)
    ck_assert_uint_eq (next_of_degree[k], mo->start[k + 1]);
  ck_assert_int_eq (fgap_monomial_walk_next (&w), 0);     /* stays over */
  ck_assert_int_eq (w.k, -1);
  fgap_monomial_walk_clear (&w);
  free (latest);
  free (next_of_degree);
  mpz_clears (m, f, want, (mpz_ptr) 0);
  fgap_monomials_clear (mo);
}
END_TEST

/* ------------------------------------------------------------------ */
/* the factorisation U1 U2^T = p(S) */

typedef struct
{
  size_t nq, nk, d;
  long g;
  fga_basis basis;
  double B;
  mpfr_prec_t prec;
  int tau_kind;                /* FGA_TAU_* */
} fact_case_t;

static const fact_case_t fact_cases[] = {
  { 5, 7, 1, 6, FGA_BASIS_TAYLOR, 1, 128, FGA_TAU_INV_D },
  { 6, 5, 2, 9, FGA_BASIS_CHEB, 1, 128, FGA_TAU_INV_D },
  { 4, 6, 3, 7, FGA_BASIS_CHEB, 2, 200, FGA_TAU_INV_SQRT_D },
  { 7, 3, 4, 8, FGA_BASIS_TAYLOR, 1.5, 96, FGA_TAU_INV_D },
  { 3, 4, 5, 5, FGA_BASIS_CHEB, 0.5, 256, FGA_TAU_INV_D },
  { 4, 4, 8, 4, FGA_BASIS_CHEB, 1, 128, FGA_TAU_INV_SQRT_D },
  { 3, 5, 2, 20, FGA_BASIS_CHEB, 3, 128, FGA_TAU_INV_D },
  { 2, 2, 1, 0, FGA_BASIS_TAYLOR, 1, 64, FGA_TAU_INV_D },
};

/* sum_k |c_k| x^k at prec, rounded up */
static void
pabs (mpfr_ptr out, fga_expfit_srcptr p, mpfr_srcptr x)
{
  mpfr_t t;
  mpfr_init2 (t, mpfr_get_prec (out));
  mpfr_set_zero (out, 1);
  for (long k = p->g; k >= 0; k--)
    {
      mpfr_mul (out, out, x, MPFR_RNDU);
      mpfr_abs (t, p->mono[k], MPFR_RNDU);
      mpfr_add (out, out, t, MPFR_RNDU);
    }
  mpfr_clear (t);
}

/* gamma_m (2^-P) as a double, rounded up */
static double
gamma_of (double m, mpfr_prec_t P)
{
  double mu = ldexp (m, (int) -P);
  return mu / (1 - mu) * (1 + 0x1p-50);
}

START_TEST (test_factorisation)
{
  const fact_case_t *c = &fact_cases[_i];
  unsigned long seed = fga_test_seed () + 300 + (unsigned long) _i;
  fga_mat_t Q, K;
  mat (Q, c->nq, c->d);
  mat (K, c->nk, c->d);
  fga_test_fill_uniform (Q, c->B, &seed);
  fga_test_fill_uniform (K, c->B, &seed);
  fga_tau tau = { (fga_tau_kind) c->tau_kind, 0 };
  double R = fga_score_radius (Q, K, fga_tau_double (&tau, c->d)) * 1.01 + 1e-3;

  fga_error err;
  fga_expfit_t p;
  ck_assert_msg (fga_expfit_init (p, c->basis, R, c->g, c->prec + 64, &err) == FGA_OK, "%s",
                 err.msg);
  fgap_monomials_t mo;
  ck_assert_msg (fgap_monomials_init (mo, c->d, c->g, &err) == FGA_OK, "%s", err.msg);
  const size_t r = mo->r;
  const mpfr_prec_t P = c->prec, H = 2 * c->prec + 200;

  fga_mpfr_mat_t U1, U2;
  ck_assert (fga_mpfr_mat_init2 (U1, c->nq, r, P, &err) == FGA_OK);
  ck_assert (fga_mpfr_mat_init2 (U2, c->nk, r, P, &err) == FGA_OK);
  ck_assert_msg (fgap_poly_features_mpfr (U1, U2, mo, p, &tau, Q, K, &err) == FGA_OK, "%s",
                 err.msg);
  fga_mat_t D1, D2;
  mat (D1, c->nq, r);
  mat (D2, c->nk, r);
  ck_assert_msg (fgap_poly_features (D1, D2, mo, p, &tau, Q, K, &err) == FGA_OK, "%s", err.msg);

  /* the reference: s = tau <q, k> (products exact, sums at H bits), p(s) by
     Horner at H bits, sigma = tau sum |q_l k_l| for the bound */
  mpfr_t t, s, sig, ps, prod, acc, accd, x, bnd, diff;
  mpfr_inits2 (H, t, s, sig, ps, prod, acc, accd, x, bnd, diff, (mpfr_ptr) 0);
  mpfr_t taum;
  mpfr_init2 (taum, H);
  fga_tau_mpfr (taum, &tau, c->d);
  double gam_m = gamma_of ((double) (2 * c->g + r + 4), P);
  double gam_d = gamma_of ((double) (2 * c->g + 2), 53);
  for (size_t i = 0; i < c->nq; i++)
    for (size_t j = 0; j < c->nk; j++)
      {
        mpfr_set_zero (s, 1);
        mpfr_set_zero (sig, 1);
        for (size_t l = 0; l < c->d; l++)
          {
            mpfr_set_d (t, FGA_MAT (Q, i, l), MPFR_RNDN);
            mpfr_mul_d (t, t, FGA_MAT (K, j, l), MPFR_RNDN);
            mpfr_add (s, s, t, MPFR_RNDN);
            mpfr_abs (t, t, MPFR_RNDN);
            mpfr_add (sig, sig, t, MPFR_RNDU);
          }
        mpfr_mul (s, s, taum, MPFR_RNDN);
        mpfr_mul (sig, sig, taum, MPFR_RNDU);
        mpfr_set_zero (ps, 1);
        for (long k = c->g; k >= 0; k--)
          {
            mpfr_mul (ps, ps, s, MPFR_RNDN);
            mpfr_add (ps, ps, p->mono[k], MPFR_RNDN);
          }
        pabs (bnd, p, sig);
        /* MPFR features, their product at P bits as the method would */
        mpfr_t accp, prodp;
        mpfr_inits2 (P, accp, prodp, (mpfr_ptr) 0);
        mpfr_set_zero (accp, 1);
        mpfr_set_zero (accd, 1);
        for (size_t a = 0; a < r; a++)
          {
            mpfr_mul (prodp, FGA_MPFR_MAT (U1, i, a), FGA_MPFR_MAT (U2, j, a), MPFR_RNDN);
            mpfr_add (accp, accp, prodp, MPFR_RNDN);
            /* the double features' product, exactly */
            mpfr_set_d (prod, FGA_MAT (D1, i, a), MPFR_RNDN);
            mpfr_mul_d (prod, prod, FGA_MAT (D2, j, a), MPFR_RNDN);
            mpfr_add (accd, accd, prod, MPFR_RNDN);
          }
        mpfr_sub (diff, accp, ps, MPFR_RNDN);
        double dm = fabs (mpfr_get_d (diff, MPFR_RNDU));
        double tolm = gam_m * mpfr_get_d (bnd, MPFR_RNDU) * 1.001 + ldexp (1, (int) -H + 8);
        ck_assert_msg (dm <= tolm, "case %d (d = %zu, g = %ld, %d bits), entry (%zu, %zu): "
                       "|U1 U2^T - p(S)| = %g > %g", _i, c->d, c->g, (int) P, i, j, dm, tolm);
        mpfr_sub (diff, accd, ps, MPFR_RNDN);
        double dd = fabs (mpfr_get_d (diff, MPFR_RNDU));
        double told = gam_d * mpfr_get_d (bnd, MPFR_RNDU) * 1.001 + ldexp (1, (int) -H + 8);
        ck_assert_msg (dd <= told, "case %d (d = %zu, g = %ld), entry (%zu, %zu): double "
                       "features: |U1 U2^T - p(S)| = %g > %g", _i, c->d, c->g, i, j, dd, told);
        mpfr_clears (accp, prodp, (mpfr_ptr) 0);
      }
  mpfr_clears (t, s, sig, ps, prod, acc, accd, x, bnd, diff, taum, (mpfr_ptr) 0);
  fga_mpfr_mat_clear (U1);
  fga_mpfr_mat_clear (U2);
  fga_mat_clear (D1);
  fga_mat_clear (D2);
  fgap_monomials_clear (mo);
  fga_expfit_clear (p);
  fga_mat_clear (Q);
  fga_mat_clear (K);
}
END_TEST

/* Shapes that do not fit are refused with a message naming them.  */
START_TEST (test_features_refused)
{
  fga_mat_t Q, K, U1, U2;
  mat (Q, 3, 2);
  mat (K, 4, 2);
  fga_error err;
  fga_expfit_t p;
  ck_assert (fga_expfit_init (p, FGA_BASIS_TAYLOR, 1, 3, 128, &err) == FGA_OK);
  fgap_monomials_t mo, mo3;
  ck_assert (fgap_monomials_init (mo, 2, 3, &err) == FGA_OK);
  ck_assert (fgap_monomials_init (mo3, 3, 3, &err) == FGA_OK);
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  mat (U1, 3, mo->r);
  mat (U2, 3, mo->r);                 /* wrong: K has 4 rows */
  fga_error_init (&err);
  ck_assert_int_eq (fgap_poly_features (U1, U2, mo, p, &tau, Q, K, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "U2") != NULL, "%s", err.msg);
  fga_mat_clear (U2);
  mat (U2, 4, mo->r);
  ck_assert_int_eq (fgap_poly_features (U1, U2, mo3, p, &tau, Q, K, &err), FGA_ERR_INPUT);
  FGA_MAT (Q, 1, 1) = NAN;
  ck_assert_int_eq (fgap_poly_features (U1, U2, mo, p, &tau, Q, K, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "Q") != NULL, "%s", err.msg);
  FGA_MAT (Q, 1, 1) = 0;
  ck_assert_int_eq (fgap_poly_features (U1, U2, mo, p, &tau, Q, K, &err), FGA_OK);
  fgap_monomials_clear (mo);
  fgap_monomials_clear (mo3);
  fga_expfit_clear (p);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (U1);
  fga_mat_clear (U2);
}
END_TEST

/* ------------------------------------------------------------------ */
/* the guarantee ||T - Att||_inf <= 2 eps ||V||_inf */

static const double guar_B[] = { 0.25, 0.5, 1, 1.5, 2 };
#define GUAR_NB (sizeof guar_B / sizeof guar_B[0])
#define GUAR_ND 8

START_TEST (test_guarantee)
{
  const double B = guar_B[_i % GUAR_NB];
  const size_t d = (size_t) (_i / GUAR_NB) + 1;
  /* small n, fewer rows where r is large (d = 8, B = 2: r = 125970) */
  const size_t n = d <= 4 ? 64 : d <= 6 ? 32 : 16;
  unsigned long seed = fga_test_seed () + 1000 + (unsigned long) _i;
  fga_instance_t inst;
  instance (inst, n, n + 3, d, d, B, seed);
  fga_mat_t T, A;
  mat (T, n, d);
  mat (A, n, d);
  fga_test_ref_attention (A, NULL, inst->Q, inst->K, inst->V, 1.0 / (double) d, 200);
  const double vmax = fga_mat_max_abs (inst->V), eps_a = 1e-6;

  for (int arith = 0; arith < 2; arith++)
    {
      const char *spec = arith == 0 ? "poly:eps=1e-6" : "poly:eps=1e-6,arith=mpfr,prec=128";
      fga_stats st;
      run_ok (spec, inst, T, NULL, &st);
      double err = max_abs_diff (T, A);
      double eps_rel = fga_stats_get (&st, "eps_rel"), target = fga_stats_get (&st, "eps_target");
      double rb = fga_stats_get (&st, "rounding_bound_rel");
      ck_assert_msg (target == eps_a / (2 * B), "eps_target = %g, want eps_a / (2 Bv) = %g",
                     target, eps_a / (2 * B));
      ck_assert_msg (eps_rel <= target, "%s: the certified eps %g is above the target %g",
                     spec, eps_rel, target);
      /* the certified statement (lemmas 5 and 6), with the final roundings */
      double certified = (2 * eps_rel + rb + 4 * U) * vmax;
      ck_assert_msg (err <= certified, "%s, B = %g, d = %zu: ||T - Att|| = %g > certified %g "
                     "(eps_rel %g, rb %g); FGATTN_TEST_SEED=%lu", spec, B, d, err, certified,
                     eps_rel, rb, fga_test_seed ());
      ck_assert_msg (err <= fga_stats_get (&st, "error_bound") + 4 * U * vmax,
                     "%s: error %g above the reported error_bound %g", spec, err,
                     fga_stats_get (&st, "error_bound"));
      /* the guarantee: always in MPFR; in double whenever its rounding
         bound fits in the room the polynomial leaves */
      if (arith == 1 || rb <= 2 * (target - eps_rel))
        ck_assert_msg (err <= 2 * target * vmax + 4 * U * vmax, "%s, B = %g, d = %zu: "
                       "||T - Att|| = %g > 2 eps ||V|| = %g; FGATTN_TEST_SEED=%lu", spec, B, d,
                       err, 2 * target * vmax, fga_test_seed ());
      else
        ck_assert_msg (st.notes[0] != '\0', "%s: the rounding bound %g exceeds the room but "
                       "no note says so", spec, rb);
    }
  fga_mat_clear (T);
  fga_mat_clear (A);
  fga_instance_clear (inst);
}
END_TEST

/* Every way the double run multiplies, by the number of value columns:
   poly_accum.c's products in one pass (dv + 1 <= 5) and in several, and
   cblas_dgemm above (dv + 1 > 17), on a tile count that leaves partial
   tiles and strips.  Each run in double is within its a-priori rounding
   bound (lemma 6) of the same polynomial evaluated in 256-bit MPFR, and
   two runs of one prepared method (the second on the kept workspace)
   give the same bits and the same peak.  */
static const size_t vcol_dv[] = { 1, 3, 4, 5, 9, 16, 17, 20, 33 };

START_TEST (test_value_columns)
{
  const size_t dv = vcol_dv[_i], nq = 613, nk = 1029, d = 3;
  unsigned long seed = fga_test_seed () + 7000 + (unsigned long) _i;
  fga_instance_t inst;
  instance (inst, nq, nk, d, dv, 1.5, seed);
  fga_mat_t T, T2, A;
  mat (T, nq, dv);
  mat (T2, nq, dv);
  mat (A, nq, dv);
  fga_stats st, st2, sm;
  run_ok ("poly:deg=7,arith=mpfr,prec=256", inst, A, NULL, &sm);
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_problem prob;
  fga_problem_from_instance (&prob, inst, &tau);
  fga_method m = fga_test_make_method ("poly:deg=7", &prob);
  fga_error err;
  fga_stats_init (&st);
  fga_stats_init (&st2);
  ck_assert_msg (fga_method_run (m, T, NULL, inst->Q, inst->K, inst->V, &st, &err) == FGA_OK,
                 "%s", err.msg);
  ck_assert_msg (fga_method_run (m, T2, NULL, inst->Q, inst->K, inst->V, &st2, &err) == FGA_OK,
                 "%s", err.msg);
  fga_method_destroy (m);
  ck_assert_msg (memcmp (T->data, T2->data, nq * dv * sizeof (double)) == 0,
                 "dv = %zu: a second run differs", dv);
  ck_assert_uint_eq (st.peak_bytes, st2.peak_bytes);
  const double diff = max_abs_diff (T, A), rb = fga_stats_get (&st, "rounding_bound");
  ck_assert_msg (diff <= rb + 4 * U * fga_mat_max_abs (inst->V),
                 "dv = %zu: the double run is %g from the 256-bit one, above its rounding "
                 "bound %g; FGATTN_TEST_SEED=%lu", dv, diff, rb, fga_test_seed ());
  fga_mat_clear (T);
  fga_mat_clear (T2);
  fga_mat_clear (A);
  fga_instance_clear (inst);
}
END_TEST

/* Larger radii, where double rounding shows: the measured difference
   between the double and the 256-bit evaluation stays below the a-priori
   rounding bound, and the note appears when that bound exceeds the target. */
typedef struct
{
  size_t d;
  double B;
  const char *basis;
  long deg;
} round_case_t;

static const round_case_t round_cases[] = {
  /* R = tau d B^2 at the corner q = B, k = -B: 9, 10.9, 9, 6.25, 4 */
  { 2, 3, "cheb", 0 }, { 1, 3.3, "taylor", 0 }, { 3, 3, "taylor", 40 }, { 2, 2.5, "cheb", 0 },
  { 1, 2, "cheb", 0 }
};

START_TEST (test_rounding)
{
  const round_case_t *c = &round_cases[_i];
  unsigned long seed = fga_test_seed () + 2000 + (unsigned long) _i;
  fga_instance_t inst;
  instance (inst, 40, 50, c->d, 3, c->B, seed);
  /* make one query and one key reach the radius */
  for (size_t l = 0; l < c->d; l++)
    {
      FGA_MAT (inst->Q, 0, l) = c->B;
      FGA_MAT (inst->K, 0, l) = -c->B;
    }
  fga_mat_t Td, Tm;
  mat (Td, 40, 3);
  mat (Tm, 40, 3);
  char sd[128], sm[160];
  if (c->deg > 0)
    snprintf (sd, sizeof sd, "poly:basis=%s,deg=%ld,eps=1e-9", c->basis, c->deg);
  else
    snprintf (sd, sizeof sd, "poly:basis=%s,eps=1e-9", c->basis);
  snprintf (sm, sizeof sm, "%s,arith=mpfr,prec=256", sd);
  fga_stats st;
  run_ok (sm, inst, Tm, NULL, NULL);
  run_ok (sd, inst, Td, NULL, &st);
  double rb = fga_stats_get (&st, "rounding_bound_rel");
  double vmax = fga_mat_max_abs (inst->V);
  double diff = max_abs_diff (Td, Tm);
  /* T^ - T* <= rb ||V||; the 256-bit result is T* up to its final rounding */
  ck_assert_msg (diff <= rb * vmax + 2 * U * vmax, "case %d: |T_double - T_mpfr| = %g above "
                 "the rounding bound %g; FGATTN_TEST_SEED=%lu", _i, diff, rb * vmax,
                 fga_test_seed ());
  double eps_rel = fga_stats_get (&st, "eps_rel");
  int over = (2 * eps_rel + rb) * fga_stats_get (&st, "Bv") > 1e-9;
  ck_assert_msg (over == (st.notes[0] != '\0'), "case %d: rb = %g, eps_rel = %g, note \"%s\"",
                 _i, rb, eps_rel, st.notes);
  fga_mat_clear (Td);
  fga_mat_clear (Tm);
  fga_instance_clear (inst);
}
END_TEST

/* ------------------------------------------------------------------ */
/* blocks and threads do not change the result */

static const size_t block_sizes[] = { 0, 1, 2, 7, 64, 100000 };
#define NBLOCKS (sizeof block_sizes / sizeof block_sizes[0])

static void
set_threads (int nt)
{
#ifdef _OPENMP
  omp_set_num_threads (nt);
#else
  (void) nt;
#endif
}

/* In double, every block size and thread count within the rounding bound
   of each other (the sums are grouped differently); in MPFR the order of
   every sum is fixed, so the same bits.  The sizes are large enough for
   several tiles, hence several threads.  */
START_TEST (test_blocks)
{
  unsigned long seed = fga_test_seed () + 3000 + (unsigned long) _i;
  const size_t d = 2 + (size_t) _i, nq = 2500 + 37 * (size_t) _i, nk = 2000;
  fga_instance_t inst;
  instance (inst, nq, nk, d, 3, 1, seed);
  fga_mat_t T0, T, M0, M;
  mat (T0, nq, 3);
  mat (T, nq, 3);
  mat (M0, nq, 3);
  mat (M, nq, 3);
  fga_stats st;
  set_threads (1);
  run_ok ("poly:eps=1e-8", inst, T0, NULL, &st);
  double rb = fga_stats_get (&st, "rounding_bound_rel"), vmax = fga_mat_max_abs (inst->V);
  run_ok ("poly:deg=4,arith=mpfr,prec=96", inst, M0, NULL, NULL);
  char spec[128];
  int used_two = 0;
  for (size_t b = 0; b < NBLOCKS; b++)
    for (int threads = 1; threads <= 2; threads++)
      {
        set_threads (threads);
        snprintf (spec, sizeof spec, "poly:eps=1e-8,block=%zu", block_sizes[b]);
        run_ok (spec, inst, T, NULL, &st);
        used_two |= st.threads == 2;
        double diff = max_abs_diff (T, T0);
        ck_assert_msg (diff <= 2 * rb * vmax, "%s, %d threads: differs by %g from block=0 "
                       "(bound %g)", spec, threads, diff, 2 * rb * vmax);
        if (block_sizes[b] == 1 || block_sizes[b] == 64)
          continue;                     /* MPFR is slow: fewer sizes */
        snprintf (spec, sizeof spec, "poly:deg=4,arith=mpfr,prec=96,block=%zu", block_sizes[b]);
        run_ok (spec, inst, M, NULL, &st);
        used_two |= st.threads == 2;
        ck_assert_msg (memcmp (M->data, M0->data, nq * 3 * sizeof (double)) == 0,
                       "%s, %d threads: not the same bits as block=0", spec, threads);
      }
#ifdef _OPENMP
  if (omp_get_num_procs () > 1)
    ck_assert_msg (used_two, "no run used two threads");
  set_threads (omp_get_num_procs ());
#endif
  fga_mat_clear (T0);
  fga_mat_clear (T);
  fga_mat_clear (M0);
  fga_mat_clear (M);
  fga_instance_clear (inst);
}
END_TEST

/* ------------------------------------------------------------------ */
/* operation counts: the closed form of fga_poly_count, written out here */

typedef struct
{
  size_t nq, nk, d, dv;
  long deg;
  int mpfr, lse;
  size_t block;
} count_shape_t;

static const count_shape_t count_shapes[] = {
  { 1, 1, 1, 1, 1, 0, 0, 0 }, { 7, 5, 2, 3, 4, 0, 1, 0 }, { 7, 5, 2, 3, 4, 1, 1, 0 },
  { 33, 70, 3, 1, 5, 0, 0, 7 }, { 33, 70, 3, 1, 5, 1, 0, 7 }, { 513, 129, 4, 6, 6, 0, 1, 50 },
  { 2000, 3000, 3, 2, 6, 0, 0, 0 }, { 9, 11, 5, 5, 2, 1, 1, 1 }, { 40, 40, 2, 2, 1, 0, 0, 2 }
};

START_TEST (test_counts)
{
  const count_shape_t *c = &count_shapes[_i];
  unsigned long seed = fga_test_seed () + 4000 + (unsigned long) _i;
  fga_instance_t inst;
  instance (inst, c->nq, c->nk, c->d, c->dv, 1, seed);
  fga_mat_t T;
  mat (T, c->nq, c->dv);
  double *lse = c->lse ? calloc (c->nq, sizeof (double)) : NULL;
  char spec[160];
  snprintf (spec, sizeof spec, "poly:deg=%ld,block=%zu%s", c->deg, c->block,
            c->mpfr ? ",arith=mpfr,prec=64" : "");
  fga_stats st;
  run_ok (spec, inst, T, lse, &st);
  const uint64_t nq = c->nq, nk = c->nk, d = c->d, dv = c->dv, dw = dv + 1, g = (uint64_t) c->deg;
  uint64_t r = (uint64_t) pascal ((unsigned) (d + g), (unsigned) d);
  uint64_t mul = (r - 1 - (g >= 1 ? d : 0)) * (nq + nk) + r * dw * (nq + nk + 1);
  uint64_t add = r * dw * (nk - 1) + nq * dw * (r - 1);
  ck_assert_msg (st.n_mul == mul, "%s: mul %llu, want %llu", spec,
                 (unsigned long long) st.n_mul, (unsigned long long) mul);
  ck_assert_msg (st.n_add == add, "%s: add %llu, want %llu", spec,
                 (unsigned long long) st.n_add, (unsigned long long) add);
  ck_assert_uint_eq (st.n_exp, c->lse ? nq : 0);
  ck_assert_uint_eq (st.n_div, nq * dv);
  ck_assert_uint_eq (st.n_cmp, 0);
  ck_assert_uint_gt (st.peak_bytes, 0);
  ck_assert_msg (fga_stats_get (&st, "r") == (double) r, "stats r");
  ck_assert_msg (fga_stats_get (&st, "g") == (double) g, "stats g");
  /* fga_poly_count agrees */
  mpz_t ops[5], rz;
  for (int k = 0; k < 5; k++)
    mpz_init (ops[k]);
  mpz_init_set_ui (rz, r);
  fga_poly_count (ops, c->nq, c->nk, c->d, c->dv, c->deg, rz, c->lse);
  ck_assert (mpz_cmp_ui (ops[0], mul) == 0 && mpz_cmp_ui (ops[1], add) == 0);
  ck_assert (mpz_cmp_ui (ops[2], st.n_exp) == 0 && mpz_cmp_ui (ops[3], st.n_div) == 0);
  ck_assert (mpz_cmp_ui (ops[4], 0) == 0);
  for (int k = 0; k < 5; k++)
    mpz_clear (ops[k]);
  mpz_clear (rz);
  if (lse != NULL)
    for (size_t i = 0; i < c->nq; i++)
      ck_assert (isfinite (lse[i]));
  free (lse);
  fga_mat_clear (T);
  fga_instance_clear (inst);
}
END_TEST

/* The lse is the log of the approximate row sum: close to the true one.  */
START_TEST (test_lse)
{
  unsigned long seed = fga_test_seed () + 4500;
  fga_instance_t inst;
  instance (inst, 20, 30, 3, 2, 1, seed);
  fga_mat_t T, A;
  mat (T, 20, 2);
  mat (A, 20, 2);
  double lse[20], want[20];
  fga_test_ref_attention (A, want, inst->Q, inst->K, inst->V, 1.0 / 3, 200);
  fga_stats st;
  run_ok ("poly:eps=1e-8,arith=mpfr", inst, T, lse, &st);
  /* |log w~ - log w| <= -log (1 - eps) < 2 eps */
  for (size_t i = 0; i < 20; i++)
    ck_assert_msg (fabs (lse[i] - want[i]) <= 2 * fga_stats_get (&st, "eps_rel") + 8 * U,
                   "row %zu: lse %.17g, want %.17g", i, lse[i], want[i]);
  fga_mat_clear (T);
  fga_mat_clear (A);
  fga_instance_clear (inst);
}
END_TEST

/* V at the top of the double range, default parameters: the relative
   target eps_a / (2 Bv) is a subnormal number, not 0 (2 Bv overflows:
   both methods used to refuse "eps = 0"), so poly runs and is within its
   certified bound of the ground truth fga_truth (MPFR, independent of the
   method), and says that the target 1e-6 is out of reach; tsketch, which
   derives its degree the same way, prepares.  */
static const double huge_bv[] = { 0x1.fffffffffffffp1022, 0x1p1023, 1e308, DBL_MAX };

START_TEST (test_huge_v)
{
  const double Bv = huge_bv[_i];
  const size_t nq = 24, nk = 27, d = 2, dv = 3;
  unsigned long seed = fga_test_seed () + 6000 + (unsigned long) _i;
  fga_error err;
  fga_instance_t inst;
  fga_instance_init (inst);
  ck_assert_msg (fga_instance_generate (inst, nq, nk, d, dv, 1, Bv, FGA_DIST_UNIFORM, seed, &err)
                 == FGA_OK, "fga_instance_generate: %s", err.msg);
  FGA_MAT (inst->V, 0, 0) = Bv;        /* the extremes themselves */
  FGA_MAT (inst->V, 1, 1) = -Bv;
  fga_mat_t T, A;
  mat (T, nq, dv);
  mat (A, nq, dv);
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_truth_info info;
  ck_assert_msg (fga_truth (A, NULL, NULL, NULL, inst->Q, inst->K, inst->V, &tau, NULL, &info,
                            NULL, &err) == FGA_OK, "fga_truth: %s", err.msg);
  ck_assert (info.undecided == 0);

  fga_stats st;
  run_ok ("poly", inst, T, NULL, &st);
  /* the target 1e-6 / (2 Bv), rounded to nearest among the subnormals */
  mpfr_t x;
  mpfr_init2 (x, 128);
  mpfr_set_d (x, 1e-6, MPFR_RNDN);
  mpfr_div_d (x, x, Bv, MPFR_RNDN);
  mpfr_div_2ui (x, x, 1, MPFR_RNDN);
  double target = mpfr_get_d (x, MPFR_RNDN);
  mpfr_clear (x);
  ck_assert_msg (target > 0 && fga_stats_get (&st, "eps_target") == target,
                 "Bv = %g: eps_target = %g, want eps_a / (2 Bv) = %g", Bv,
                 fga_stats_get (&st, "eps_target"), target);
  double vmax = fga_mat_max_abs (inst->V);
  ck_assert (vmax == Bv);
  double eps_rel = fga_stats_get (&st, "eps_rel"), rb = fga_stats_get (&st, "rounding_bound_rel");
  double bound = fga_stats_get (&st, "error_bound");
  ck_assert_msg (isfinite (bound) && bound > 0, "error_bound = %g", bound);
  double e = max_abs_diff (T, A);
  double certified = (2 * eps_rel + rb + 4 * U) * vmax;
  ck_assert_msg (e <= certified && e <= bound + 4 * U * vmax, "Bv = %g: ||T - Att|| = %g above "
                 "the certified %g (error_bound %g); FGATTN_TEST_SEED=%lu", Bv, e, certified,
                 bound, fga_test_seed ());
  /* a useful bound, not only a finite one: rounding of order e^{2R} (nk + r) u */
  ck_assert_msg (certified <= 1e-6 * vmax, "Bv = %g: certified %g", Bv, certified);
  ck_assert_msg (st.notes[0] != '\0', "Bv = %g: the target eps = 1e-6 is far below the "
                 "rounding of outputs near %g, but no note says so", Bv, Bv);

  fga_problem prob;
  fga_problem_from_instance (&prob, inst, &tau);
  fga_method m = fga_method_create ("tsketch", &err);
  ck_assert_ptr_nonnull (m);
  ck_assert_msg (fga_method_prepare (m, &prob, &err) == FGA_OK, "tsketch, Bv = %g: %s", Bv,
                 err.msg);
  fga_method_destroy (m);

  fga_mat_clear (T);
  fga_mat_clear (A);
  fga_instance_clear (inst);
}
END_TEST

/* ------------------------------------------------------------------ */
/* bad parameters */

typedef struct
{
  const char *spec;
  const char *word;            /* a word the message must contain */
} bad_spec_t;

static const bad_spec_t bad_specs[] = {
  { "poly:basis=fourier", "basis" }, { "poly:deg=-1", "deg" }, { "poly:deg=10001", "deg" },
  { "poly:deg=2.5", "deg" }, { "poly:eps=0", "eps" }, { "poly:eps=-1e-6", "eps" },
  { "poly:R=-1", "R" }, { "poly:R=sometimes", "R" }, { "poly:R=0", "R" },
  { "poly:arith=float", "arith" }, { "poly:arith=mpfr,prec=10", "prec" },
  { "poly:prec=256", "prec" }, { "poly:block=-3", "block" }, { "poly:budget=0", "budget" },
  { "poly:colour=red", "colour" }, { "poly:eps=1e-6,eps=1e-7", "eps" }, { "poly:eps", "eps" }
};

START_TEST (test_bad_spec)
{
  fga_error err;
  fga_error_init (&err);
  fga_method m = fga_method_create (bad_specs[_i].spec, &err);
  ck_assert_msg (m == NULL, "%s was accepted", bad_specs[_i].spec);
  ck_assert_int_eq (err.code, FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, bad_specs[_i].word) != NULL, "%s: message \"%s\" does not "
                 "name %s", bad_specs[_i].spec, err.msg, bad_specs[_i].word);
}
END_TEST

/* Refusals at prepare and at run: the budget (naming r and the bytes), a
   radius the problem does not have, data outside the certified range.  */
START_TEST (test_refusals)
{
  unsigned long seed = fga_test_seed () + 5000;
  fga_instance_t inst;
  instance (inst, 50, 60, 8, 8, 2, seed);
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_mat_t T;
  mat (T, 50, 8);
  fga_error err;
  fga_stats st;

  /* the budget: d = 8, g = 12 needs r = 125970 and more than 1 MB */
  int rc = run_spec ("poly:deg=12,budget=1000000", inst, &tau, T, NULL, &st, &err);
  ck_assert_int_eq (rc, FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "r = C(d + g, d) = C(20, 8) = 125970") != NULL
                 && strstr (err.msg, "bytes") != NULL && strstr (err.msg, "budget") != NULL,
                 "budget message \"%s\" does not give r and the bytes", err.msg);
  /* the same within budget runs */
  rc = run_spec ("poly:deg=4,budget=100000000", inst, &tau, T, NULL, &st, &err);
  ck_assert_msg (rc == FGA_OK, "%s", err.msg);
  /* r beyond size_t */
  fga_instance_t wide;
  instance (wide, 2, 2, 200, 1, 1, seed);
  fga_mat_t Tw;
  mat (Tw, 2, 1);
  rc = run_spec ("poly:deg=60", wide, &tau, Tw, NULL, &st, &err);
  ck_assert_int_eq (rc, FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "r = C(") != NULL, "%s", err.msg);

  /* R=auto without a radius, Bv unknown */
  fga_method m = fga_method_create ("poly", &err);
  ck_assert (m != NULL);
  fga_problem prob;
  fga_problem_from_instance (&prob, inst, &tau);
  prob.R = INFINITY;
  ck_assert_int_eq (fga_method_prepare (m, &prob, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "R=auto") != NULL, "%s", err.msg);
  fga_problem_from_instance (&prob, inst, &tau);
  prob.Bv = NAN;
  ck_assert_int_eq (fga_method_prepare (m, &prob, &err), FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "Bv") != NULL, "%s", err.msg);
  /* run before a successful prepare */
  ck_assert_int_eq (fga_method_run (m, T, NULL, inst->Q, inst->K, inst->V, &st, &err),
                    FGA_ERR_INPUT);
  fga_method_destroy (m);

  /* a user R below the data's radius: refused at run, naming R */
  rc = run_spec ("poly:R=0.5", inst, &tau, T, NULL, &st, &err);
  ck_assert_int_eq (rc, FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "[-R, R]") != NULL, "%s", err.msg);
  /* R=apriori covers the data */
  rc = run_spec ("poly:R=apriori,eps=0.1", inst, &tau, T, NULL, &st, &err);
  ck_assert_msg (rc == FGA_OK, "%s", err.msg);
  ck_assert_msg (fga_stats_get (&st, "R_used") >= 4.0, "apriori R = %g, want tau d B^2 = 4",
                 fga_stats_get (&st, "R_used"));
  /* prepared on one instance, run on data beyond its radius or its Bv */
  m = fga_method_create ("poly:eps=1e-3", &err);
  fga_problem_from_instance (&prob, inst, &tau);
  ck_assert (fga_method_prepare (m, &prob, &err) == FGA_OK);
  FGA_MAT (inst->V, 3, 3) = 2.5;
  ck_assert_int_eq (fga_method_run (m, T, NULL, inst->Q, inst->K, inst->V, &st, &err),
                    FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "Bv") != NULL, "%s", err.msg);
  FGA_MAT (inst->V, 3, 3) = 0;
  FGA_MAT (inst->Q, 1, 1) = 50;
  ck_assert_int_eq (fga_method_run (m, T, NULL, inst->Q, inst->K, inst->V, &st, &err),
                    FGA_ERR_INPUT);
  FGA_MAT (inst->Q, 1, 1) = NAN;
  ck_assert_int_eq (fga_method_run (m, T, NULL, inst->Q, inst->K, inst->V, &st, &err),
                    FGA_ERR_INPUT);
  ck_assert_msg (strstr (err.msg, "Q") != NULL, "%s", err.msg);
  fga_method_destroy (m);

  fga_mat_clear (T);
  fga_mat_clear (Tw);
  fga_instance_clear (inst);
  fga_instance_clear (wide);
}
END_TEST

/* ------------------------------------------------------------------ */
/* the cost model */

typedef struct
{
  size_t n, d;
  double B, eps;
  fga_basis basis;
} plan_case_t;

static const plan_case_t plan_cases[] = {
  { 65536, 8, 1, 1e-6, FGA_BASIS_CHEB }, { 1024, 4, 1, 1e-6, FGA_BASIS_TAYLOR },
  { 1u << 20, 16, 1, 1e-6, FGA_BASIS_CHEB }, { 100, 2, 0.5, 1e-3, FGA_BASIS_CHEB },
  { 1u << 30, 64, 2, 1e-12, FGA_BASIS_CHEB }
};

/* total poly - total exact at nq = nk = n, from the closed forms, in mpz */
static void
gap (mpz_ptr out, unsigned long n, unsigned long d, unsigned long g, mpz_srcptr r)
{
  mpz_t a, b;
  mpz_inits (a, b, (mpz_ptr) 0);
  unsigned long dw = d + 1;
  /* poly: (r - 1 - d) 2n + r dw (2n + 1) + r dw (n - 1) + n dw (r - 1) + n d */
  mpz_sub_ui (a, r, 1 + (g >= 1 ? d : 0));
  mpz_mul_ui (a, a, 2 * n);
  mpz_mul_ui (b, r, dw * (2 * n + 1) + dw * (n - 1));
  mpz_add (a, a, b);
  mpz_sub_ui (b, r, 1);
  mpz_mul_ui (b, b, n * dw);
  mpz_add (a, a, b);
  mpz_add_ui (a, a, n * d);
  /* exact: n^2 (2 d + 1) + n (n (2 d + 1) - 1 - d) + n^2 + n d + n (n - 1) */
  mpz_set_ui (b, n);
  mpz_mul_ui (b, b, n);
  mpz_mul_ui (b, b, 2 * (2 * d + 1) + 2);
  mpz_sub_ui (b, b, n * (1 + d) - n * d + n);
  mpz_sub (out, a, b);
  mpz_clears (a, b, (mpz_ptr) 0);
}

START_TEST (test_plan)
{
  const plan_case_t *c = &plan_cases[_i];
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_poly_cost pl;
  fga_error err;
  int rc = fga_poly_cost_init (&pl, c->n, c->n, c->d, c->d, c->B, c->B, &tau, c->eps, c->basis, &err);
  ck_assert_msg (rc == FGA_OK, "%s", err.msg);
  ck_assert (pl.R >= c->B * c->B && pl.R <= c->B * c->B * (1 + 1e-15));
  ck_assert (pl.eps_rel == c->eps / (2 * c->B));
  ck_assert (pl.bound_rel <= pl.eps_rel);
  mpz_t w;
  mpz_init (w);
  mpz_bin_uiui (w, c->d + (unsigned long) pl.g, c->d);
  ck_assert (mpz_cmp (w, pl.r) == 0);
  mpz_bin_uiui (w, 2 * (c->d + (unsigned long) pl.g), 2 * (unsigned long) pl.g);
  ck_assert (mpz_cmp (w, pl.r_as) == 0);
  /* the degree is the least: g - 1 is not certified */
  if (pl.g > 0)
    {
      fga_expfit_t p;
      ck_assert (fga_expfit_init (p, c->basis, pl.R, pl.g - 1, 128, &err) == FGA_OK);
      ck_assert_msg (p->bound_rel > pl.eps_rel, "degree %ld already meets %g", pl.g - 1,
                     pl.eps_rel);
      fga_expfit_clear (p);
    }
  /* the totals and the crossover from the closed forms */
  mpz_t tot;
  mpz_init (tot);
  gap (tot, c->n, c->d, (unsigned long) pl.g, pl.r);
  mpz_sub (w, pl.poly_total, pl.exact_total);
  ck_assert_msg (mpz_cmp (w, tot) == 0, "case %d: poly - exact differs from the closed form", _i);
  if (mpz_sgn (pl.crossover_n) > 0 && mpz_fits_ulong_p (pl.crossover_n))
    {
      unsigned long x = mpz_get_ui (pl.crossover_n);
      gap (tot, x, c->d, (unsigned long) pl.g, pl.r);
      ck_assert (mpz_sgn (tot) < 0);
      if (x > 1)
        {
          gap (tot, x - 1, c->d, (unsigned long) pl.g, pl.r);
          ck_assert (mpz_sgn (tot) >= 0);
        }
    }
  ck_assert (pl.rounding_bound > 0);
  mpz_clears (w, tot, (mpz_ptr) 0);
  fga_poly_cost_clear (&pl);
}
END_TEST

/* The plan and the method choose the same degree for the same radius.  */
START_TEST (test_plan_matches_method)
{
  unsigned long seed = fga_test_seed () + 6000;
  fga_instance_t inst;
  instance (inst, 30, 30, 3, 3, 1.25, seed);
  fga_mat_t T;
  mat (T, 30, 3);
  fga_stats st;
  run_ok ("poly:R=apriori,eps=1e-5", inst, T, NULL, &st);
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_poly_cost pl;
  fga_error err;
  ck_assert (fga_poly_cost_init (&pl, 30, 30, 3, 3, 1.25, 1.25, &tau, 1e-5, FGA_BASIS_CHEB, &err)
             == FGA_OK);
  ck_assert_msg (fga_stats_get (&st, "g") == (double) pl.g, "method g = %g, plan g = %ld",
                 fga_stats_get (&st, "g"), pl.g);
  ck_assert (fga_stats_get (&st, "R_used") == pl.R);
  ck_assert (fga_stats_get (&st, "rounding_bound_rel") == pl.rounding_bound);
  fga_poly_cost_clear (&pl);
  ck_assert_int_eq (fga_poly_cost_init (&pl, 0, 30, 3, 3, 1, 1, &tau, 1e-5, FGA_BASIS_CHEB, &err),
                    FGA_ERR_INPUT);
  ck_assert_int_eq (fga_poly_cost_init (&pl, 30, 30, 3, 3, -1, 1, &tau, 1e-5, FGA_BASIS_CHEB, &err),
                    FGA_ERR_INPUT);
  ck_assert_int_eq (fga_poly_cost_init (&pl, 30, 30, 3, 3, 1, 1, &tau, 0, FGA_BASIS_CHEB, &err),
                    FGA_ERR_INPUT);
  fga_mat_clear (T);
  fga_instance_clear (inst);
}
END_TEST

/* ------------------------------------------------------------------ */

/* Inside a parallel region with nesting off (a sweep running cells with
   --jobs 2), a kernel gets one thread however many omp_get_max_threads
   names; the output must still be right (threads.c, fgap_max_threads).  */
START_TEST (test_inside_parallel_region)
{
  fga_instance_t inst;
  fga_error err;
  fga_instance_init (inst);
  ck_assert_int_eq (fga_instance_generate (inst, 1024, 1024, 8, 3, 1.2, 1, FGA_DIST_UNIFORM,
                                           fga_test_seed (), &err), FGA_OK);
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_mat_t T0, T[2];
  fga_stats st;
  fga_mat_init (T0, 1024, 3, NULL);
  ck_assert_int_eq (run_spec ("poly:deg=6", inst, &tau, T0, NULL, &st, &err), FGA_OK);
  int rc[2] = { -99, -99 };
  fga_mat_init (T[0], 1024, 3, NULL);
  fga_mat_init (T[1], 1024, 3, NULL);
#pragma omp parallel num_threads (2)
  {
#ifdef _OPENMP
    int k = omp_get_thread_num ();
#else
    int k = 0;
#endif
    fga_error e;
    fga_stats s;
    rc[k] = run_spec ("poly:deg=6", inst, &tau, T[k], NULL, &s, &e);
  }
  for (int k = 0; k < 2; k++)
    {
      if (rc[k] == -99)
        continue;        /* no second thread on this machine */
      ck_assert_int_eq (rc[k], FGA_OK);
      for (size_t i = 0; i < 1024 * 3; i++)
        ck_assert_msg (fabs (T[k]->data[i] - T0->data[i]) <= 1e-13,
                       "entry %zu: %.17g inside a parallel region, %.17g outside", i,
                       T[k]->data[i], T0->data[i]);
    }
  fga_mat_clear (T0);
  fga_mat_clear (T[0]);
  fga_mat_clear (T[1]);
  fga_instance_clear (inst);
}
END_TEST

static Suite *
poly_suite (void)
{
  Suite *s = suite_create ("poly");
  TCase *tc;

  tc = fga_test_tcase ("feature count", 10);
  tcase_add_loop_test (tc, test_count, 0, sizeof count_cases / sizeof count_cases[0]);
  tcase_add_loop_test (tc, test_count_refused, 0, sizeof count_big / sizeof count_big[0]);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("enumeration", 10);
  tcase_add_loop_test (tc, test_enumeration, 0, sizeof enum_cases / sizeof enum_cases[0]);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("factorisation", 120);
  tcase_add_loop_test (tc, test_factorisation, 0, sizeof fact_cases / sizeof fact_cases[0]);
  tcase_add_test (tc, test_features_refused);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("guarantee", 300);
  tcase_add_loop_test (tc, test_guarantee, 0, GUAR_NB * GUAR_ND);
  tcase_add_loop_test (tc, test_value_columns, 0, sizeof vcol_dv / sizeof vcol_dv[0]);
  tcase_add_loop_test (tc, test_rounding, 0, sizeof round_cases / sizeof round_cases[0]);
  tcase_add_test (tc, test_lse);
  tcase_add_loop_test (tc, test_huge_v, 0, sizeof huge_bv / sizeof huge_bv[0]);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("blocks and threads", 120);
  tcase_add_test (tc, test_inside_parallel_region);
  tcase_add_loop_test (tc, test_blocks, 0, 3);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("counts", 10);
  tcase_add_loop_test (tc, test_counts, 0, sizeof count_shapes / sizeof count_shapes[0]);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("bad parameters", 10);
  tcase_add_loop_test (tc, test_bad_spec, 0, sizeof bad_specs / sizeof bad_specs[0]);
  tcase_add_test (tc, test_refusals);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("cost model", 10);
  tcase_add_loop_test (tc, test_plan, 0, sizeof plan_cases / sizeof plan_cases[0]);
  tcase_add_test (tc, test_plan_matches_method);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (poly_suite ());
}
