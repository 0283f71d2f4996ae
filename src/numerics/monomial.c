/* fga_monomial -- multi-indices of degree <= g, their walk, and the feature matrices U1, U2

   The r = C(d + g, d) multi-indices are generated degree by degree: those
   of degree k are the children alpha + e_l (l >= the last variable of
   alpha) of those of degree k - 1, taken in order.  Each multi-index has
   exactly one parent (remove one unit of its last variable), so each is
   made once, the order is graded, and within a degree it is
   lexicographically decreasing (theory/upper-bound.md, lemma 2).  The
   depth-first walk visits the same tree in preorder.  */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"
#include "numerics/monomial-impl.h"

#include <limits.h>
#ifdef _OPENMP
# include <omp.h>
#endif

int
fga_monomial_count (size_t *r, size_t d, long g, fga_error *err)
{
  if (d == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_monomial_count: d must be at least 1");
  if (g < 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_monomial_count: the degree g = %ld is "
                          "negative", g);
  mpz_t c;
  mpz_init (c);
  /* C(d + g, d) = C(d + g, g); d + g cannot wrap: g is a long, d a size_t. */
  if ((unsigned long) g > ULONG_MAX - d)
    {
      mpz_clear (c);
      return fgap_error_set (err, FGA_ERR_INPUT, "fga_monomial_count: d + g = %zu + %ld "
                            "overflows", d, g);
    }
  mpz_bin_uiui (c, (unsigned long) d + (unsigned long) g, (unsigned long) g);
  int rc = FGA_OK;
  if (mpz_sizeinbase (c, 2) > sizeof (size_t) * CHAR_BIT)
    {
      char *s = mpz_get_str (NULL, 10, c);
      rc = fgap_error_set (err, FGA_ERR_INPUT, "r = C(d + g, d) = C(%zu, %zu) = %s monomial "
                          "features do not fit a size_t", d + (size_t) g, d, s);
      void (*freefunc) (void *, size_t);
      mp_get_memory_functions (NULL, NULL, &freefunc);
      freefunc (s, strlen (s) + 1);
    }
  else
    *r = (size_t) mpz_get_ui (c);
  mpz_clear (c);
  return rc;
}

static void
monomials_zero (fgap_monomials_ptr mo)
{
  mo->d = mo->r = 0;
  mo->g = -1;
  mo->alpha = NULL;
  mo->parent = NULL;
  mo->var = NULL;
  mo->deg = NULL;
  mo->start = NULL;
}

void
fgap_monomials_clear (fgap_monomials_ptr mo)
{
  fgap_free (mo->alpha);
  fgap_free (mo->parent);
  fgap_free (mo->var);
  fgap_free (mo->deg);
  fgap_free (mo->start);
  monomials_zero (mo);
}

int
fgap_monomials_init (fgap_monomials_ptr mo, size_t d, long g, fga_error *err)
{
  monomials_zero (mo);
  size_t r, cells;
  int rc = fga_monomial_count (&r, d, g, err);
  if (rc != FGA_OK)
    return rc;
  if (fgap_size_mul (&cells, r, d))
    return fgap_error_set (err, FGA_ERR_NOMEM, "fgap_monomials_init: r = %zu multi-indices of "
                          "%zu exponents overflow size_t", r, d);
  mo->alpha = fgap_calloc (cells, sizeof (unsigned), "the exponents of the multi-indices", err);
  mo->parent = fgap_calloc (r, sizeof (size_t), "the parents of the multi-indices", err);
  mo->var = fgap_calloc (r, sizeof (unsigned), "the last variables of the multi-indices", err);
  mo->deg = fgap_calloc (r, sizeof (unsigned), "the degrees of the multi-indices", err);
  mo->start = fgap_calloc ((size_t) g + 2, sizeof (size_t), "the degree offsets", err);
  if (mo->alpha == NULL || mo->parent == NULL || mo->var == NULL || mo->deg == NULL
      || mo->start == NULL)
    {
      fgap_monomials_clear (mo);
      return FGA_ERR_NOMEM;
    }
  mo->d = d;
  mo->g = g;
  mo->r = r;

  /* Degree 0 is alpha = 0; then the children of degree k - 1, in order.  */
  size_t t = 1;
  mo->start[0] = 0;
  mo->start[1] = 1;
  for (long k = 1; k <= g; k++)
    {
      for (size_t p = mo->start[k - 1]; p < mo->start[k]; p++)
        for (unsigned l = p == 0 ? 0 : mo->var[p]; l < d; l++)
          {
            memcpy (mo->alpha + t * d, mo->alpha + p * d, d * sizeof (unsigned));
            mo->alpha[t * d + l]++;
            mo->parent[t] = p;
            mo->var[t] = l;
            mo->deg[t] = (unsigned) k;
            t++;
          }
      mo->start[k + 1] = t;
    }
  return FGA_OK;
}

void
fgap_monomials_multinomial (mpz_ptr m, fgap_monomials_srcptr mo, size_t t)
{
  /* |alpha|! / prod alpha_l! as a product of binomials, each exact:
     C(a_1, a_1) C(a_1 + a_2, a_2) ... C(|alpha|, a_d).  */
  mpz_t b;
  mpz_init (b);
  mpz_set_ui (m, 1);
  unsigned long sum = 0;
  for (size_t l = 0; l < mo->d; l++)
    {
      unsigned a = mo->alpha[t * mo->d + l];
      sum += a;
      mpz_bin_uiui (b, sum, a);
      mpz_mul (m, m, b);
    }
  mpz_clear (b);
}

/* ------------------------------------------------------------------ */
/* The depth-first walk.  */

int
fgap_monomial_walk_init (fgap_monomial_walk *w, size_t d, long g, fga_error *err)
{
  memset (w, 0, sizeof *w);
  size_t r;
  int rc = fga_monomial_count (&r, d, g, err);
  if (rc != FGA_OK)
    return rc;
  w->seq = fgap_calloc ((size_t) g + 1, sizeof (unsigned), "the walk's variables", err);
  w->alpha = fgap_calloc (d, sizeof (unsigned), "the walk's exponents", err);
  w->mult = fgap_calloc ((size_t) g + 1, sizeof (mpz_t), "the walk's multinomials", err);
  if (w->seq == NULL || w->alpha == NULL || w->mult == NULL)
    {
      fgap_free (w->seq);
      fgap_free (w->alpha);
      fgap_free (w->mult);
      memset (w, 0, sizeof *w);
      return FGA_ERR_NOMEM;
    }
  for (long k = 0; k <= g; k++)
    mpz_init (w->mult[k]);
  mpz_set_ui (w->mult[0], 1);
  w->d = d;
  w->g = g;
  w->k = 0;
  w->index = 0;
  return FGA_OK;
}

/* Appends variable l: the multinomial grows by |alpha| / alpha_l, exactly
   (|alpha|! / prod alpha_l! with one more unit of x_l).  */
static void
walk_push (fgap_monomial_walk *w, unsigned l)
{
  w->seq[w->k] = l;
  w->alpha[l]++;
  w->k++;
  mpz_mul_ui (w->mult[w->k], w->mult[w->k - 1], (unsigned long) w->k);
  mpz_divexact_ui (w->mult[w->k], w->mult[w->k], w->alpha[l]);
}

int
fgap_monomial_walk_next (fgap_monomial_walk *w)
{
  if (w->seq == NULL || w->k < 0)
    return 0;
  if (w->k < w->g)
    {
      /* the first child */
      walk_push (w, w->k > 0 ? w->seq[w->k - 1] : 0);
      w->index++;
      return 1;
    }
  /* A leaf: climb while the last variable is x_d, then take the next sibling.  */
  while (w->k > 0 && w->seq[w->k - 1] == w->d - 1)
    {
      w->alpha[w->d - 1]--;
      w->k--;
    }
  if (w->k == 0)
    {
      w->k = -1;                /* over, and it stays over */
      return 0;
    }
  unsigned l = w->seq[w->k - 1];
  w->alpha[l]--;
  w->k--;
  walk_push (w, l + 1);
  w->index++;
  return 1;
}

void
fgap_monomial_walk_clear (fgap_monomial_walk *w)
{
  if (w->mult != NULL)
    for (long k = 0; k <= w->g; k++)
      mpz_clear (w->mult[k]);
  fgap_free (w->seq);
  fgap_free (w->alpha);
  fgap_free (w->mult);
  memset (w, 0, sizeof *w);
}

/* ------------------------------------------------------------------ */
/* Explicit feature matrices.  */

static int
features_check (const char *fn, size_t u1r, size_t u1c, size_t u2r, size_t u2c,
                fgap_monomials_srcptr mo, fga_expfit_srcptr p, const fga_tau *tau,
                fga_mat_srcptr Q, fga_mat_srcptr K, fga_error *err)
{
  if (mo == NULL || p == NULL || tau == NULL || Q == NULL || K == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: no argument may be NULL", fn);
  if (Q->cols != K->cols || Q->cols != mo->d)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: Q is %zu x %zu and K is %zu x %zu but the "
                          "multi-indices have d = %zu", fn, Q->rows, Q->cols, K->rows, K->cols,
                          mo->d);
  if (p->g != mo->g)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: the polynomial has degree %ld but the "
                          "multi-indices go to degree %ld", fn, p->g, mo->g);
  if (u1r != Q->rows || u1c != mo->r || u2r != K->rows || u2c != mo->r)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: U1 is %zu x %zu and U2 is %zu x %zu; they "
                          "must be %zu x %zu and %zu x %zu (nq x r, nk x r)", fn, u1r, u1c,
                          u2r, u2c, Q->rows, mo->r, K->rows, mo->r);
  int rc;
  fga_error local;
  if ((rc = fga_mat_check_finite (Q, "Q", &local)) != FGA_OK
      || (rc = fga_mat_check_finite (K, "K", &local)) != FGA_OK)
    return fgap_error_set (err, rc, "%s: %s", fn, local.msg);
  return FGA_OK;
}

/* coef[t] = c_|alpha_t| tau^|alpha_t| |alpha_t|! / prod alpha_l!, at the
   precision of coef[t]: the three factors are multiplied at a precision
   64 bits above both that and p's, then rounded once.  */
static int
features_coef (mpfr_t *coef, fgap_monomials_srcptr mo, fga_expfit_srcptr p,
               const fga_tau *tau, fga_error *err)
{
  mpfr_prec_t hi = (p->prec > mpfr_get_prec (coef[0]) ? p->prec : mpfr_get_prec (coef[0])) + 64;
  mpfr_t *taupow = fgap_calloc ((size_t) mo->g + 1, sizeof (mpfr_t), "powers of tau", err);
  if (taupow == NULL)
    return FGA_ERR_NOMEM;
  mpfr_t x;
  mpz_t mult;
  mpfr_init2 (x, hi);
  mpz_init (mult);
  for (long k = 0; k <= mo->g; k++)
    mpfr_init2 (taupow[k], hi);
  mpfr_set_ui (taupow[0], 1, MPFR_RNDN);
  if (mo->g >= 1)
    fga_tau_mpfr (taupow[1], tau, mo->d);
  for (long k = 2; k <= mo->g; k++)
    mpfr_mul (taupow[k], taupow[k - 1], taupow[1], MPFR_RNDN);
  for (size_t t = 0; t < mo->r; t++)
    {
      unsigned k = mo->deg[t];
      fgap_monomials_multinomial (mult, mo, t);
      mpfr_mul (x, p->mono[k], taupow[k], MPFR_RNDN);
      mpfr_mul_z (x, x, mult, MPFR_RNDN);
      mpfr_set (coef[t], x, MPFR_RNDN);
    }
  for (long k = 0; k <= mo->g; k++)
    mpfr_clear (taupow[k]);
  fgap_free (taupow);
  mpz_clear (mult);
  mpfr_clear (x);
  return FGA_OK;
}

int
fgap_poly_features (fga_mat_ptr U1, fga_mat_ptr U2, fgap_monomials_srcptr mo, fga_expfit_srcptr p,
                   const fga_tau *tau, fga_mat_srcptr Q, fga_mat_srcptr K, fga_error *err)
{
  static const char fn[] = "fgap_poly_features";
  if (U1 == NULL || U2 == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: U1 and U2 must not be NULL", fn);
  int rc = features_check (fn, U1->rows, U1->cols, U2->rows, U2->cols, mo, p, tau, Q, K, err);
  if (rc != FGA_OK)
    return rc;
  const size_t r = mo->r;
  double *coef = fgap_calloc (r, sizeof (double), "the feature coefficients", err);
  mpfr_t *mc = fgap_calloc (r, sizeof (mpfr_t), "the feature coefficients", err);
  if (coef == NULL || mc == NULL)
    {
      fgap_free (coef);
      fgap_free (mc);
      return FGA_ERR_NOMEM;
    }
  for (size_t t = 0; t < r; t++)
    mpfr_init2 (mc[t], 53);
  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  rc = features_coef (mc, mo, p, tau, err);
  fgap_mpfr_state_restore (&st);
  for (size_t t = 0; t < r; t++)
    {
      coef[t] = mpfr_get_d (mc[t], MPFR_RNDN);
      mpfr_clear (mc[t]);
    }
  fgap_free (mc);
  if (rc != FGA_OK)
    {
      fgap_free (coef);
      return rc;
    }

  /* Row by row: every parent is in the same row, earlier.  */
  for (int side = 0; side < 2; side++)
    {
      fga_mat_ptr U = side == 0 ? U1 : U2;
      fga_mat_srcptr X = side == 0 ? Q : K;
#pragma omp parallel for schedule (static) if (X->rows * r > 65536)
      for (size_t i = 0; i < X->rows; i++)
        {
          double *u = &FGA_MAT (U, i, 0);
          const double *x = &FGA_MAT (X, i, 0);
          u[0] = 1;
          for (size_t t = 1; t < r; t++)
            u[t] = mo->deg[t] == 1 ? x[mo->var[t]] : u[mo->parent[t]] * x[mo->var[t]];
          if (side == 0)
            for (size_t t = 0; t < r; t++)
              u[t] *= coef[t];
        }
    }
  fgap_free (coef);
  return FGA_OK;
}

int
fgap_poly_features_mpfr (fga_mpfr_mat_ptr U1, fga_mpfr_mat_ptr U2, fgap_monomials_srcptr mo,
                        fga_expfit_srcptr p, const fga_tau *tau, fga_mat_srcptr Q,
                        fga_mat_srcptr K, fga_error *err)
{
  static const char fn[] = "fgap_poly_features_mpfr";
  if (U1 == NULL || U2 == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: U1 and U2 must not be NULL", fn);
  int rc = features_check (fn, U1->rows, U1->cols, U2->rows, U2->cols, mo, p, tau, Q, K, err);
  if (rc != FGA_OK)
    return rc;
  if (U1->prec != U2->prec || U1->prec < 53)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: U1 and U2 have precisions %ld and %ld bits; "
                          "they must be equal and at least 53", fn, (long) U1->prec,
                          (long) U2->prec);
  const size_t r = mo->r;
  mpfr_t *coef = fgap_calloc (r, sizeof (mpfr_t), "the feature coefficients", err);
  if (coef == NULL)
    return FGA_ERR_NOMEM;
  for (size_t t = 0; t < r; t++)
    mpfr_init2 (coef[t], U1->prec);
  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  rc = features_coef (coef, mo, p, tau, err);
  for (int side = 0; side < 2 && rc == FGA_OK; side++)
    {
      fga_mpfr_mat_ptr U = side == 0 ? U1 : U2;
      fga_mat_srcptr X = side == 0 ? Q : K;
#pragma omp parallel for schedule (dynamic, 1) if (X->rows * r > 4096)
      for (size_t i = 0; i < X->rows; i++)
        {
          mpfr_t *u = &FGA_MPFR_MAT (U, i, 0);
          const double *x = &FGA_MAT (X, i, 0);
          mpfr_set_ui (u[0], 1, MPFR_RNDN);
          for (size_t t = 1; t < r; t++)
            if (mo->deg[t] == 1)
              mpfr_set_d (u[t], x[mo->var[t]], MPFR_RNDN);
            else
              mpfr_mul_d (u[t], u[mo->parent[t]], x[mo->var[t]], MPFR_RNDN);
          if (side == 0)
            for (size_t t = 0; t < r; t++)
              mpfr_mul (u[t], u[t], coef[t], MPFR_RNDN);
        }
    }
  fgap_mpfr_state_restore (&st);
  for (size_t t = 0; t < r; t++)
    mpfr_clear (coef[t]);
  fgap_free (coef);
  return rc;
}
