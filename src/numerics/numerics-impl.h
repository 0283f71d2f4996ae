/* numerics-impl.h -- internals shared by the numerics that take Q and K (attention_matrix.c,
   rank_randomized.c, and the kernels' argument checks) */

#ifndef FGA_NUMERICS_IMPL_H
#define FGA_NUMERICS_IMPL_H

/* Refuses a pair Q, K (both not NULL) that gives no softmax (tau Q K^T),
   before any work, with FGA_ERR_INPUT and a message that starts with who:
   numbers of columns that differ, no keys (the softmax of an empty row is
   undefined), d = 0, or a tau that is not positive and finite.  nq = 0 is
   allowed: there is nothing to compute.  The entries are not looked at
   (fga_mat_check_finite does that, after the callers' own cheaper
   checks).  */
int fgap_check_qk (const char *who, fga_mat_srcptr Q, fga_mat_srcptr K, double tau,
                   fga_error *err);

#endif /* FGA_NUMERICS_IMPL_H */
