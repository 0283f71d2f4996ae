/* fgap_sparse_method -- the prepare, destroy and count hook shared by the sparse method classes */

#include "core/fga-impl.h"
#include "methods/method-impl.h"

/* The prepare and destroy shared by the four sparse method classes: the
   patterns are over positions, so queries and keys must be the same
   sequence; the checked pattern becomes the method's state.  */
int
fgap_sparse_method_prepare (fga_method m, const fga_problem *prob, fga_sparse_pattern p,
                           fga_error *err)
{
  const char *name = m->cls->info.name;
  if (prob->nq != prob->nk)
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s: the pattern is over positions, "
                          "so it needs nq = nk, not nq = %zu and nk = %zu", name, prob->nq,
                          prob->nk);
  int rc = fga_sparse_pattern_check (&p, err);
  if (rc != FGA_OK)
    return rc;
  fgap_sparse_method_destroy (m);
  fga_sparse_pattern *state = fgap_alloc (sizeof *state, "a sparse pattern", err);
  if (state == NULL)
    return FGA_ERR_NOMEM;
  *state = p;
  m->state = state;
  return FGA_OK;
}

void
fgap_sparse_method_destroy (fga_method m)
{
  fgap_free (m->state);
  m->state = NULL;
}

/* The count hook shared by the four sparse classes: the counts of
   fga_sparse_attention (fga_sparse_count) for the pattern p of the class
   at n = prob->nq, refused as prepare refuses it.  */
int
fgap_sparse_method_count (mpz_t ops[5], fga_method_srcptr m, const fga_problem *prob,
                          fga_sparse_pattern p, int lse, fga_error *err)
{
  if (prob->nq != prob->nk)
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s: the pattern is over positions, "
                          "so it needs nq = nk, not nq = %zu and nk = %zu", m->cls->info.name,
                          prob->nq, prob->nk);
  int rc = fga_sparse_pattern_check (&p, err);
  if (rc != FGA_OK)
    return rc;
  fga_sparse_count (ops, &p, prob->d, prob->dv, lse);
  return FGA_OK;
}
