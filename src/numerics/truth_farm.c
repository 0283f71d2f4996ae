/* fga_truth_farm -- the certified ground truth by blocks of rows, as the tasks of a farm

   Row i of the truth (its entries, its log-sum-exp, whether it was raised
   to a higher precision) depends on q_i, K, V, tau and the precisions
   only: fga_truth computes each row alone (a Ziv loop per row), so the
   truth of a block of rows of Q is the same rows of the truth of Q, bit
   for bit, and the blocks may be computed anywhere in any order.  Each
   block is one fga_truth call; its rows, its lse and its counts travel
   as bytes to the master, which puts the rows in place and adds the
   counts.

   Every process makes the same calls: the run, then, when it succeeded,
   the share of the counts.  A process that refuses its input (the
   processes were given different matrices) enters the run all the same,
   failing it with its error, so that the master hears of it rather than
   waiting for that process's blocks.  */

#include "core/fga-impl.h"

#include <stdint.h>

/* Blocks: at least MIN_ROWS rows, so that the work fga_truth does once per
   call (decomposing Q's block and K, about one row's worth) stays a few
   percent of a block; at most MAX_BLOCKS of them, enough to keep a few
   dozen processes busy to the end.  */
#define MIN_ROWS 16
#define MAX_BLOCKS 256

/* A block's bytes: this header, then its rows of T (nr x dv doubles), then
   with lse its nr log-sum-exp values.  */
typedef struct
{
  uint64_t undecided, rows_raised, fast_entries, fallback_rows;
  int64_t prec_used_max;
  uint64_t n_mul, n_add, n_exp, n_div, n_cmp, peak_bytes;
  int64_t threads;
  uint64_t nextra;             /* fga_truth's named figures, all counts */
  struct
  {
    char name[32];
    double value;
  } extra[FGA_STATS_EXTRA];
} block_head;

typedef struct
{
  fga_mat_srcptr Q, K, V;
  const fga_tau *tau;
  const fga_truth_opts *opts;
  fga_mat_ptr T;
  double *lse;                 /* the master's output; NULL: none asked */
  int want_lse;
  size_t rows, nblocks;        /* rows per block (the last may have fewer) */
  block_head sum;              /* counts merged over the blocks delivered */
  size_t rows_done;            /* rows delivered, for progress */
  size_t own_rows;             /* rows of the block the master computes now */
  double shown;                /* the last fraction shown */
  fga_progress pr;             /* the caller's progress (master), or none */
} job_t;

static void
block_rows (const job_t *j, size_t task, size_t *i0, size_t *nr)
{
  *i0 = task * j->rows;
  *nr = j->Q->rows - *i0 < j->rows ? j->Q->rows - *i0 : j->rows;
}

static size_t
block_bytes (const job_t *j, size_t nr)
{
  /* nr dv <= nq dv, which the caller's T holds: no overflow.  */
  return sizeof (block_head) + sizeof (double) * nr * (j->V->cols + (j->want_lse ? 1 : 0));
}

/* The caller's progress, over the whole truth: the rows delivered plus the
   fraction f of the block the master is computing, never going back.  */
static void
show (job_t *j, double f)
{
  if (j->pr.fn == NULL)
    return;
  double x = ((double) j->rows_done + f * (double) j->own_rows) / (double) j->Q->rows;
  if (x > 1)
    x = 1;
  if (x > j->shown)
    {
      j->shown = x;
      j->pr.fn (x, j->pr.data);
    }
}

static void
block_progress (double f, void *data)
{
  show (data, f);
}

static void
fill_head (block_head *h, const fga_truth_info *info, const fga_stats *st)
{
  memset (h, 0, sizeof *h);
  h->undecided = info->undecided;
  h->rows_raised = info->rows_raised;
  h->fast_entries = info->fast_entries;
  h->fallback_rows = info->fallback_rows;
  h->prec_used_max = info->prec_used_max;
  h->n_mul = st->n_mul;
  h->n_add = st->n_add;
  h->n_exp = st->n_exp;
  h->n_div = st->n_div;
  h->n_cmp = st->n_cmp;
  h->peak_bytes = st->peak_bytes;
  h->threads = st->threads;
  h->nextra = st->nextra;
  for (size_t k = 0; k < st->nextra; k++)
    {
      memcpy (h->extra[k].name, st->extra[k].name, sizeof h->extra[k].name);
      h->extra[k].value = st->extra[k].value;
    }
}

static int
compute (size_t task, void **bytes, size_t *len, void *data, fga_error *err)
{
  job_t *j = data;
  size_t i0, nr, d = j->Q->cols, dv = j->V->cols;
  block_rows (j, task, &i0, &nr);
  *len = block_bytes (j, nr);
  char *buf = malloc (*len);
  if (buf == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "fga_truth_farm: out of memory for a block of "
                           "%zu bytes", *len);
  *bytes = buf;
  double *rows = (double *) (buf + sizeof (block_head));
  const fga_mat_struct Qb = { nr, d, j->Q->data + i0 * d };
  fga_mat_struct Tb = { nr, dv, rows };
  fga_truth_info info;
  memset (&info, 0, sizeof info);
  fga_stats st;
  fga_stats_init (&st);
  j->own_rows = nr;
  int rc = fga_truth (&Tb, j->want_lse ? rows + nr * dv : NULL, NULL, NULL, &Qb, j->K, j->V,
                      j->tau, j->opts, &info, &st, err);
  j->own_rows = 0;
  if (rc == FGA_ERR_COMPUTE && err != NULL)
    {
      /* Its rows are numbered within the block.  */
      char msg[FGA_MSG_SIZE];
      snprintf (msg, sizeof msg, "%s", err->msg);
      fgap_error_set (err, rc, "fga_truth_farm: in the block of rows %zu..%zu of Q (numbered "
                      "from 0 there): %s", i0, i0 + nr - 1, msg);
    }
  if (rc == FGA_OK)
    fill_head ((block_head *) buf, &info, &st);
  return rc;
}

/* Adds a block's named figure to the sum's (the truth's are counts).  */
static void
merge_extra (block_head *s, const char *name, double value)
{
  size_t k = 0;
  while (k < s->nextra && strcmp (s->extra[k].name, name) != 0)
    k++;
  if (k == s->nextra)
    {
      if (k == FGA_STATS_EXTRA)
        return;
      memcpy (s->extra[k].name, name, sizeof s->extra[k].name);
      s->extra[k].value = 0;
      s->nextra++;
    }
  s->extra[k].value += value;
}

static void
merge (block_head *s, const block_head *h)
{
  s->undecided += h->undecided;
  s->rows_raised += h->rows_raised;
  s->fast_entries += h->fast_entries;
  s->fallback_rows += h->fallback_rows;
  for (size_t k = 0; k < h->nextra && k < FGA_STATS_EXTRA; k++)
    merge_extra (s, h->extra[k].name, h->extra[k].value);
  if (h->prec_used_max > s->prec_used_max)
    s->prec_used_max = h->prec_used_max;
  s->n_mul += h->n_mul;
  s->n_add += h->n_add;
  s->n_exp += h->n_exp;
  s->n_div += h->n_div;
  s->n_cmp += h->n_cmp;
  /* Blocks run one after another in a process (or in different ones): the
     peak of one process is the largest block's.  */
  if (h->peak_bytes > s->peak_bytes)
    s->peak_bytes = h->peak_bytes;
  if (h->threads > s->threads)
    s->threads = h->threads;
}

static int
deliver (size_t task, const void *bytes, size_t len, void *data, fga_error *err)
{
  job_t *j = data;
  size_t i0, nr, dv = j->V->cols;
  block_rows (j, task, &i0, &nr);
  if (task >= j->nblocks || len != block_bytes (j, nr))
    return fgap_error_set (err, FGA_ERR_COMPUTE, "fga_truth_farm: block %zu came back with %zu "
                           "bytes instead of %zu (the processes differ)", task, len,
                           task < j->nblocks ? block_bytes (j, nr) : 0);
  block_head h;
  memcpy (&h, bytes, sizeof h);
  const char *rows = (const char *) bytes + sizeof h;
  memcpy (&FGA_MAT (j->T, i0, 0), rows, sizeof (double) * nr * dv);
  if (j->lse != NULL)
    memcpy (j->lse + i0, rows + sizeof (double) * nr * dv, sizeof (double) * nr);
  merge (&j->sum, &h);
  j->rows_done += nr;
  show (j, 0);
  return FGA_OK;
}

/* The checks of fga_truth that name a place in Q, K or V, made here on the
   whole matrices, so that no message names a row within a block.  */
static int
check (fga_mat_srcptr T, fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V,
       const fga_tau *tau, fga_error *err)
{
  if (T == NULL || Q == NULL || K == NULL || V == NULL || tau == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_truth_farm: T, Q, K, V and tau must not "
                           "be NULL");
  fga_problem prob;
  int rc = fga_problem_from_matrices (&prob, Q, K, V, tau, err);
  if (rc != FGA_OK)
    return rc;
  if (T->rows != Q->rows || T->cols != V->cols || T->data == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "fga_truth_farm: T is %zu x %zu; it must be an "
                           "allocated nq x dv = %zu x %zu matrix", T->rows, T->cols, Q->rows,
                           V->cols);
  return FGA_OK;
}

/* The merged counts, from the master to every process.  */
static int
share_sum (const fga_farm *farm, block_head *sum, fga_error *err)
{
  void *bytes = sum;
  size_t len = sizeof *sum;
  int rc = farm->share (farm, &bytes, &len, err);
  if (rc != FGA_OK || bytes == sum)
    return rc;
  if (len == sizeof *sum)
    memcpy (sum, bytes, sizeof *sum);
  else
    rc = fgap_error_set (err, FGA_ERR_COMPUTE, "fga_truth_farm: the master's counts came with "
                         "%zu bytes instead of %zu (the processes differ)", len, sizeof *sum);
  free (bytes);
  return rc;
}

/* The farm's calls of a process that refused its input (rc, err): the
   run of nblocks blocks, failed with its error, and when that run met no
   failure of this process (no block came its way) the share of the counts
   that the others make then.  Returns rc, err unchanged.  */
static int
refused_calls (const fga_farm *farm, size_t nblocks, int rc, fga_error *err)
{
  fga_error own, sub;
  fga_error_init (&sub);
  fgap_error_set (&own, rc, "fga_truth_farm: a process of the farm failed before its first "
                  "block: %.900s", err != NULL ? err->msg : "its input is refused");
  if (fgap_farm_run_failed (farm, nblocks, NULL, rc, &own) == FGA_OK)
    {
      block_head sum;
      memset (&sum, 0, sizeof sum);
      share_sum (farm, &sum, &sub);
    }
  return rc;
}

int
fga_truth_farm (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                fga_mat_srcptr V, const fga_tau *tau, const fga_truth_opts *opts,
                fga_truth_info *info, fga_stats *st, const fga_farm *farm, fga_error *err)
{
  if (farm == NULL)
    farm = &fga_farm_local;
  job_t j;
  memset (&j, 0, sizeof j);
  size_t nq = Q != NULL ? Q->rows : 0;
  j.rows = (nq + MAX_BLOCKS - 1) / MAX_BLOCKS;
  if (j.rows < MIN_ROWS)
    j.rows = MIN_ROWS;
  j.nblocks = (nq + j.rows - 1) / j.rows;
  int rc = check (T, Q, K, V, tau, err);
  if (rc != FGA_OK)
    return refused_calls (farm, j.nblocks, rc, err);
  j.Q = Q;
  j.K = K;
  j.V = V;
  j.tau = tau;
  j.opts = opts;
  j.T = T;
  j.lse = lse;
  j.want_lse = lse != NULL;

  /* The caller's progress is shown over the whole truth, by the master;
     the blocks' own calls report into it.  */
  fga_progress mine = { block_progress, &j };
  fga_progress caller = fga_truth_set_progress (NULL);
  if (farm->is_master (farm))
    j.pr = caller;
  fga_truth_set_progress (j.pr.fn != NULL ? &mine : NULL);
  /* Every block costs about the same per row.  The costs only order the
     blocks: without memory for them the farm runs them in index order,
     the same truth.  */
  double *cost = fgap_alloc (j.nblocks * sizeof *cost, "the blocks' costs", NULL);
  for (size_t t = 0; cost != NULL && t < j.nblocks; t++)
    {
      size_t i0, nr;
      block_rows (&j, t, &i0, &nr);
      cost[t] = (double) nr;
    }
  rc = farm->run (farm, j.nblocks, cost, compute, deliver, &j, err);
  fgap_free (cost);
  if (rc == FGA_OK)
    rc = share_sum (farm, &j.sum, err);
  fga_truth_set_progress (&caller);
  if (rc != FGA_OK)
    return rc;
  if (info != NULL)
    {
      info->undecided = j.sum.undecided;
      info->rows_raised = j.sum.rows_raised;
      info->prec_used_max = (mpfr_prec_t) j.sum.prec_used_max;
      info->fast_entries = j.sum.fast_entries;
      info->fallback_rows = j.sum.fallback_rows;
    }
  if (st != NULL)
    {
      st->n_mul = j.sum.n_mul;
      st->n_add = j.sum.n_add;
      st->n_exp = j.sum.n_exp;
      st->n_div = j.sum.n_div;
      st->n_cmp = j.sum.n_cmp;
      st->peak_bytes = j.sum.peak_bytes;
      st->threads = (int) j.sum.threads;
      for (size_t k = 0; k < j.sum.nextra; k++)
        fga_stats_set (st, j.sum.extra[k].name, j.sum.extra[k].value);
    }
  if (j.pr.fn != NULL)
    j.pr.fn (1.0, j.pr.data);
  return FGA_OK;
}
