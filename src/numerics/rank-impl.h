/* rank-impl.h -- what rank_randomized.c and rank_farm.c share: the state of
   one call and the passes over P by ranges of blocks.

   The passes are written once (rank_randomized.c): a pass over a range of
   blocks, whole blocks of query rows for P X and of keys for P^T Y, each
   block the same tiles in the same order wherever and by whichever thread
   it runs.  The local path runs one range, every block; the farm
   (rank_farm.c) runs ranges as tasks, in any process, and the master puts
   their outputs in place, so that both paths give the same bits.  */

#ifndef FGA_RANK_IMPL_H
#define FGA_RANK_IMPL_H

#include "core/fga-impl.h"
#include "kernels/attention-util.h"

#include <lapacke.h>

#define FGAP_RANK_KEY_BLOCK ((size_t) 512)   /* keys per tile */

typedef void (*fgap_rank_stats_fn) (double *, size_t, double, double *, double *);
typedef void (*fgap_rank_fill_fn) (double *, size_t, double, double, double);

/* The state of one call.  Tall matrices are column-major, as LAPACK
   wants them: Qf (nq x l reflectors), Bt (nk x l, B^T and its reflectors).
   On a farm's workers only the fields up to `per' and the counts are set:
   they run passes, not the sketch.  */
typedef struct
{
  fga_mat_srcptr Q, K;         /* Q: possibly the rescaled copy */
  fgap_qscale qs;
  double tau;
  size_t nq, nk, d, bq, srows;
  int nt;
  fgap_rank_stats_fn stats;
  fgap_rank_fill_fn fill;
  double *m, *r;               /* row maxima (of the scores divided by 2^k_i) and 1 / l_i */
  double *scratch;             /* nt tiles */
  size_t per;                  /* doubles per thread */
  double *Qf, *tauQ, *Bt, *tauB;
  size_t l, cap;               /* columns in the basis, columns allocated in Qf and Bt */
  double *ws;                  /* LAPACK's workspace */
  size_t ws_len;
  lapack_int *iws;
  size_t iws_len;
  fgap_memtrack mt;
  fgap_attn_count cnt;
  double lapack_flops;
  unsigned passes;
  const fga_farm *farm;        /* NULL: the passes run here, by pass_range */
  int farm_broken;             /* a share or run failed: every process knows, or has left */
  fga_error *err;
} fgap_rank_ctx;

/* One block of vectors through a pass: y = P x or y = P^T x.  x has `cols'
   columns of leading dimension ldx, the output ldy.  */
typedef struct
{
  const double *x;
  double *y;
  size_t ldx, ldy, cols;
} fgap_rank_operand;

/* rank_randomized.c.  The first pass over the chunks a0 .. a1 - 1 of
   srows rows: m and r (of the chunk a0's first row on) get each row's
   maximum and 1 / l_i; returns the first row (numbered in P) whose
   statistics are not finite, or SIZE_MAX.  */
size_t fgap_rank_stats_range (fgap_rank_ctx *c, size_t a0, size_t a1, double *m, double *r);

/* The number of stats chunks, of row blocks and of key blocks.  */
size_t fgap_rank_units (const fgap_rank_ctx *c, int kind);
#define FGAP_RANK_CHUNKS 2

/* y = P x (trans 0) over the row blocks a0 .. a1 - 1, or y = P^T x
   (trans 1) over the key blocks a0 .. a1 - 1, for every operand; each y
   points at the output of the range's first row (or key).  The counts are
   added to cnt.  */
void fgap_rank_pass_range (fgap_rank_ctx *c, int trans, size_t a0, size_t a1,
                           const fgap_rank_operand *ops, int nops, fgap_attn_count *cnt);

/* The whole computation, by every process of farm (NULL: this one alone,
   no farm).  */
int fgap_rank_run (fga_rank_estimate *est, const double *tol, size_t ntol, fga_mat_srcptr Q,
                   fga_mat_srcptr K, double tau, const fga_rank_opts *opts, fga_stats *st,
                   const fga_farm *farm, fga_error *err);

/* rank_farm.c, the master's side: the first pass (c->m and c->r, then
   shared with the workers) and a pass, as tasks of c->farm; the counts of
   a pass are added to cnt.  */
int fgap_rank_farm_stats (fgap_rank_ctx *c, size_t *bad);
int fgap_rank_farm_pass (fgap_rank_ctx *c, int trans, const fgap_rank_operand *ops, int nops,
                         fgap_attn_count *cnt);
/* The master tells the workers the call is over, with its status rc;
   returns rc, or the failure of telling them.  */
int fgap_rank_farm_end (fgap_rank_ctx *c, int rc);
/* A worker: runs the master's passes until it says the call is over.  */
int fgap_rank_farm_worker (fgap_rank_ctx *c);

#endif /* FGA_RANK_IMPL_H */
