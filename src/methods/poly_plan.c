/* fga_poly_cost_init -- the counts, the rounding bound and the cost model of the polynomial method

   fga_poly_count is the counting formula of the method poly (its tests
   check the counts the implementation takes against it);
   fga_poly_rounding_bound is lemma 6 of theory/upper-bound.md; fga_poly_cost_init
   puts them beside exact attention for `fgattn plan'.  */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"
#include "methods/method-impl.h"
#include "methods/poly_impl.h"

#include <limits.h>

/* z = a (as a size_t) */
static void
set_size (mpz_ptr z, size_t a)
{
  mpz_import (z, 1, -1, sizeof a, 0, 0, &a);
}

void
fga_poly_count (mpz_t ops[5], size_t nq, size_t nk, size_t d, size_t dv, long g, mpz_srcptr r,
                int lse)
{
  mpz_t a, b, n, dw;
  mpz_inits (a, b, n, dw, (mpz_ptr) 0);
  set_size (n, nq);
  set_size (a, nk);
  mpz_add (n, n, a);                  /* nq + nk */
  set_size (dw, dv);
  mpz_add_ui (dw, dw, 1);             /* dv + 1 */

  /* mul = (r - 1 - d [g >= 1]) (nq + nk) + r (dv + 1) (nq + nk + 1):
     one product per monomial entry of degree >= 2 on both sides, the two
     products U2^T [V 1] and U1 M, and the coefficients folded into M.  */
  mpz_sub_ui (a, r, 1);
  if (g >= 1)
    {
      set_size (b, d);
      mpz_sub (a, a, b);
    }
  mpz_mul (ops[0], a, n);
  mpz_add_ui (b, n, 1);
  mpz_mul (b, b, dw);
  mpz_addmul (ops[0], b, r);

  /* add = r (dv + 1) (nk - 1) + nq (dv + 1) (r - 1) */
  set_size (a, nk);
  mpz_sub_ui (a, a, 1);
  mpz_mul (a, a, dw);
  mpz_mul (ops[1], a, r);
  mpz_sub_ui (a, r, 1);
  mpz_mul (a, a, dw);
  set_size (b, nq);
  mpz_addmul (ops[1], a, b);

  /* exp = L nq (log of the row sum), div = nq dv, cmp = 0 */
  if (lse)
    set_size (ops[2], nq);
  else
    mpz_set_ui (ops[2], 0);
  set_size (a, dv);
  mpz_mul (ops[3], b, a);
  mpz_set_ui (ops[4], 0);
  mpz_clears (a, b, n, dw, (mpz_ptr) 0);
}

/* The naive kernel's counts (src/kernels/attention_naive.c, without lse):
     mul = nq nk (d + 1 + dv), add = nq (nk (d + 1 + dv) - 1 - dv),
     exp = nq nk, div = nq dv, cmp = nq (nk - 1).  */
static void
exact_count (mpz_t ops[5], size_t nq, size_t nk, size_t d, size_t dv)
{
  mpz_t q, k, s;
  mpz_inits (q, k, s, (mpz_ptr) 0);
  set_size (q, nq);
  set_size (k, nk);
  set_size (s, d);
  mpz_add_ui (s, s, 1);
  mpz_t t;
  mpz_init (t);
  set_size (t, dv);
  mpz_add (s, s, t);                  /* d + 1 + dv */
  mpz_mul (ops[0], q, k);
  mpz_mul (ops[0], ops[0], s);
  mpz_mul (ops[1], k, s);
  mpz_sub_ui (ops[1], ops[1], 1);
  mpz_sub (ops[1], ops[1], t);
  mpz_mul (ops[1], ops[1], q);
  mpz_mul (ops[2], q, k);
  mpz_mul (ops[3], q, t);
  mpz_sub_ui (ops[4], k, 1);
  mpz_mul (ops[4], ops[4], q);
  mpz_clears (q, k, s, t, (mpz_ptr) 0);
}

/* total poly count - total exact count at nq = nk = n: poly's total is
   A n (its constant terms cancel) and exact's a n^2 - 2 n, so the
   difference is convex, zero at n = 0, and changes sign once.  */
static void
count_gap (mpz_ptr gap, mpz_srcptr n, size_t d, size_t dv, long g, mpz_srcptr r)
{
  mpz_t ops[5], ex[5];
  for (int k = 0; k < 5; k++)
    mpz_inits (ops[k], ex[k], (mpz_ptr) 0);
  /* n fits a size_t here: the caller searches below 2^62 */
  size_t nn = 0;
  mpz_export (&nn, NULL, -1, sizeof nn, 0, 0, n);
  fga_poly_count (ops, nn, nn, d, dv, g, r, 0);
  exact_count (ex, nn, nn, d, dv);
  mpz_set_ui (gap, 0);
  for (int k = 0; k < 5; k++)
    {
      mpz_add (gap, gap, ops[k]);
      mpz_sub (gap, gap, ex[k]);
    }
  for (int k = 0; k < 5; k++)
    mpz_clears (ops[k], ex[k], (mpz_ptr) 0);
}

/* The least n >= 1 with gap (n) < 0, by doubling then bisection; 0 when it
   is above 2^62.  */
static void
crossover (mpz_ptr out, size_t d, size_t dv, long g, mpz_srcptr r)
{
  mpz_t lo, hi, mid, gap;
  mpz_inits (lo, hi, mid, gap, (mpz_ptr) 0);
  mpz_set_ui (hi, 1);
  for (;;)
    {
      count_gap (gap, hi, d, dv, g, r);
      if (mpz_sgn (gap) < 0 || mpz_sizeinbase (hi, 2) > 62)
        break;
      mpz_set (lo, hi);
      mpz_mul_2exp (hi, hi, 1);
    }
  if (mpz_sgn (gap) >= 0)
    mpz_set_ui (out, 0);
  else
    {
      /* gap (lo) >= 0 or lo = hi = 1; gap (hi) < 0 */
      while (mpz_cmp (lo, hi) < 0)
        {
          mpz_add (mid, lo, hi);
          mpz_fdiv_q_2exp (mid, mid, 1);
          count_gap (gap, mid, d, dv, g, r);
          if (mpz_sgn (gap) < 0)
            mpz_set (hi, mid);
          else
            mpz_add_ui (lo, mid, 1);
        }
      mpz_set (out, hi);
    }
  mpz_clears (lo, hi, mid, gap, (mpz_ptr) 0);
}

int
fga_poly_rounding_bound (double *rb, fga_expfit_srcptr p, size_t nk, size_t r,
                         mpfr_prec_t prec, fga_error *err)
{
  if (p == NULL || rb == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_poly_rounding_bound: p and rb must not be "
                          "NULL");
  if (prec < 2 || prec > MPFR_PREC_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_poly_rounding_bound: prec = %ld is outside "
                          "[2, %ld]", (long) prec, (long) MPFR_PREC_MAX);
  *rb = INFINITY;
  if (!(p->bound_rel < 1))
    return FGA_OK;

  /* Every quantity below is positive and every operation monotone, so
     rounding each upward (denominators downward) gives an upper bound.  */
  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  mpfr_t u, m, gam, P, e, den, rho, q, t;
  mpfr_inits2 (64, u, m, gam, P, e, den, rho, q, t, (mpfr_ptr) 0);
  mpfr_set_ui_2exp (u, 1, -prec, MPFR_RNDN);
  mpfr_set_uj (m, (uintmax_t) nk, MPFR_RNDU);
  mpfr_set_uj (t, (uintmax_t) r, MPFR_RNDU);
  mpfr_add (m, m, t, MPFR_RNDU);
  mpfr_add_ui (m, m, 2 * (unsigned long) p->g + 1, MPFR_RNDU);
  mpfr_mul (gam, m, u, MPFR_RNDU);                    /* m u */
  if (mpfr_cmp_ui (gam, 1) < 0)
    {
      mpfr_ui_sub (den, 1, gam, MPFR_RNDD);
      mpfr_div (gam, gam, den, MPFR_RNDU);            /* gamma_m */
      /* P = sum |c_k| R^k by Horner on absolute values */
      mpfr_set_zero (P, 1);
      for (long k = p->g; k >= 0; k--)
        {
          mpfr_mul_d (P, P, p->R, MPFR_RNDU);
          mpfr_abs (t, p->mono[k], MPFR_RNDU);
          mpfr_add (P, P, t, MPFR_RNDU);
        }
      mpfr_set_d (e, p->R, MPFR_RNDU);
      mpfr_exp (e, e, MPFR_RNDU);
      mpfr_set_d (den, p->bound_rel, MPFR_RNDU);
      mpfr_ui_sub (den, 1, den, MPFR_RNDD);
      mpfr_mul (rho, gam, P, MPFR_RNDU);
      mpfr_mul (rho, rho, e, MPFR_RNDU);
      mpfr_div (rho, rho, den, MPFR_RNDU);
      if (mpfr_cmp_ui (rho, 1) < 0)
        {
          mpfr_ui_sub (den, 1, rho, MPFR_RNDD);
          mpfr_mul_2ui (q, rho, 1, MPFR_RNDU);
          mpfr_div (q, q, den, MPFR_RNDU);            /* 2 rho / (1 - rho) */
          mpfr_add_ui (t, q, 1, MPFR_RNDU);
          mpfr_mul (t, t, u, MPFR_RNDU);
          mpfr_add (t, t, q, MPFR_RNDU);
          *rb = mpfr_get_d (t, MPFR_RNDU);
        }
    }
  mpfr_clears (u, m, gam, P, e, den, rho, q, t, (mpfr_ptr) 0);
  fgap_mpfr_state_restore (&st);
  return FGA_OK;
}

static void
plan_init_z (fga_poly_cost *pl)
{
  mpz_inits (pl->r, pl->r_as, pl->poly_total, pl->exact_total, pl->crossover_n, (mpz_ptr) 0);
  for (int k = 0; k < 5; k++)
    mpz_inits (pl->poly[k], pl->exact[k], (mpz_ptr) 0);
}

void
fga_poly_cost_clear (fga_poly_cost *pl)
{
  mpz_clears (pl->r, pl->r_as, pl->poly_total, pl->exact_total, pl->crossover_n, (mpz_ptr) 0);
  for (int k = 0; k < 5; k++)
    mpz_clears (pl->poly[k], pl->exact[k], (mpz_ptr) 0);
}

int
fga_poly_cost_init (fga_poly_cost *pl, size_t nq, size_t nk, size_t d, size_t dv, double B,
               double Bv, const fga_tau *tau, double eps_a, fga_basis basis,
               fga_error *err)
{
  static const char fn[] = "fga_poly_cost_init";
  if (nq == 0 || nk == 0 || d == 0 || dv == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: nq = %zu, nk = %zu, d = %zu and dv = %zu "
                          "must all be at least 1", fn, nq, nk, d, dv);
  if (!(B > 0) || !isfinite (B))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: B = %g must be positive and finite", fn, B);
  if (!(Bv >= 0) || !isfinite (Bv))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: Bv = %g must be nonnegative and finite",
                          fn, Bv);
  if (!(eps_a > 0) || !isfinite (eps_a))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: eps = %g must be positive and finite", fn,
                          eps_a);
  double t = fga_tau_double (tau, d);
  if (!(t > 0) || !isfinite (t))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: tau = %g must be positive and finite", fn, t);

  pl->R = fga_poly_apriori_R (t, d, B);
  if (!isfinite (pl->R))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: the radius tau d B^2 overflows (B = %g)",
                          fn, B);
  if (pl->R < FGA_POLY_RMIN)
    pl->R = FGA_POLY_RMIN;
  pl->eps_rel = fga_poly_eps_rel (eps_a, Bv);
  fga_error local;
  int rc = fga_expfit_least_degree (&pl->g, basis, pl->R, pl->eps_rel, 1, FGA_POLY_GMAX,
                                    &local);
  if (rc != FGA_OK)
    return fgap_error_set (err, rc, "%s: no %s polynomial of degree <= %d is within relative "
                          "%g of exp on [-%g, %g]: %s", fn, fga_basis_name (basis),
                          FGA_POLY_GMAX, pl->eps_rel, pl->R, pl->R, local.msg);
  fga_expfit_t p;
  rc = fga_expfit_init (p, basis, pl->R, pl->g, fga_poly_coef_prec (53), &local);
  if (rc != FGA_OK)
    return fgap_error_set (err, rc, "%s: %s", fn, local.msg);
  pl->bound_rel = p->bound_rel;

  plan_init_z (pl);
  mpz_bin_uiui (pl->r, (unsigned long) d + (unsigned long) pl->g, (unsigned long) d);
  mpz_bin_uiui (pl->r_as, 2 * ((unsigned long) pl->g + (unsigned long) d),
                2 * (unsigned long) pl->g);
  fga_poly_count (pl->poly, nq, nk, d, dv, pl->g, pl->r, 0);
  exact_count (pl->exact, nq, nk, d, dv);
  mpz_set_ui (pl->poly_total, 0);
  mpz_set_ui (pl->exact_total, 0);
  for (int k = 0; k < 5; k++)
    {
      mpz_add (pl->poly_total, pl->poly_total, pl->poly[k]);
      mpz_add (pl->exact_total, pl->exact_total, pl->exact[k]);
    }
  crossover (pl->crossover_n, d, dv, pl->g, pl->r);
  pl->rounding_bound = INFINITY;
  if (mpz_sizeinbase (pl->r, 2) < sizeof (size_t) * CHAR_BIT)
    {
      size_t r = 0;
      mpz_export (&r, NULL, -1, sizeof r, 0, 0, pl->r);
      rc = fga_poly_rounding_bound (&pl->rounding_bound, p, nk, r, 53, err);
    }
  fga_expfit_clear (p);
  if (rc != FGA_OK)
    fga_poly_cost_clear (pl);
  return rc;
}
