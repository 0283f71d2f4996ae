/* fga_attention_rank_farm -- the randomized rank of P with its passes as the tasks of a farm

   fga_attention_rank_randomized (rank_randomized.c) spends its time in
   passes over P: the row statistics, then products y = P x and y = P^T x
   by tiles recomputed from Q and K.  Here every process of the farm makes
   the same call; the master runs the sketch (block sizes, power
   iterations, orthonormalisations, the certificate) exactly as the one
   process does, and each pass becomes farm tasks: ranges of chunks of
   rows for the statistics, of blocks of query rows for P x, of blocks of
   keys for P^T x, a thread's worth of blocks each (group_of).  Before
   each pass the master shares a command with the matrix the pass
   multiplies (and, after the statistics, every row's m_i and 1 / l_i);
   the workers wait for the next command, run the farm's tasks, and leave
   when the master says the call is over.

   The same bits.  A task is fgap_rank_pass_range (or the statistics'
   range) over whole blocks, the function the local path runs over all of
   them: each output entry is made by the same dgemm calls on the same
   tiles in the same order, wherever and by whichever thread its block
   runs, and the master copies it into place.  The master's own work is
   the code of the one process.  So the estimates are those of
   fga_attention_rank_randomized, bit for bit, on any farm and any number
   of processes or threads; the counts too (they are sums of integers),
   not peak_bytes, which is the master's.

   Failures.  A failing task fails the farm's run in every process.  A
   failure of the master's alone (LAPACK, memory, a row that overflows) is
   sent to the workers as the last command, with its message, so that
   every process returns it.  A share that fails leaves the workers to the
   farm (fgattn-mpi's stops a worker waiting for a master whose command
   has ended).  */

#include "numerics/rank-impl.h"

#include <stdint.h>

static const char fn[] = "fga_attention_rank_farm";

enum { CMD_STATS = 1, CMD_ROWS, CMD_PASS, CMD_END, CMD_FAIL };

/* The command, then its doubles: CMD_ROWS m and r (nq each), CMD_PASS the
   x of each operand (cols[o] columns of its rows).  */
typedef struct
{
  int32_t op, trans, nops, code;
  uint64_t group;              /* blocks per task */
  uint64_t cols[2];
  char msg[FGA_MSG_SIZE];      /* CMD_FAIL: the master's message */
} command;

/* A task's bytes: this header, then its outputs, column by column.  */
typedef struct
{
  uint64_t mul, add, exp, bad;
} task_head;

typedef struct
{
  fgap_rank_ctx *c;
  int kind;                    /* 0: P x, 1: P^T x, FGAP_RANK_CHUNKS: the statistics */
  int nops;
  size_t group, units, per, total;
  fgap_rank_operand ops[2];    /* x: the inputs; y: the master's outputs */
  size_t width;                /* doubles per row of a task's output */
  fgap_attn_count cnt;
  size_t bad;
} job_t;

/* Task t's range: blocks a0 .. a1 - 1, rows (or keys) r0 .. r0 + nr - 1.  */
static void
task_range (const job_t *j, size_t t, size_t *a0, size_t *a1, size_t *r0, size_t *nr)
{
  *a0 = t * j->group;
  *a1 = *a0 + j->group < j->units ? *a0 + j->group : j->units;
  *r0 = *a0 * j->per;
  size_t end = *a1 * j->per < j->total ? *a1 * j->per : j->total;
  *nr = end - *r0;
}

static size_t
ntasks (const job_t *j)
{
  return (j->units + j->group - 1) / j->group;
}

static size_t
task_bytes (const job_t *j, size_t nr)
{
  return sizeof (task_head) + sizeof (double) * nr * j->width;
}

static int
compute (size_t task, void **bytes, size_t *len, void *data, fga_error *err)
{
  job_t *j = data;
  size_t a0, a1, r0, nr;
  task_range (j, task, &a0, &a1, &r0, &nr);
  *len = task_bytes (j, nr);
  char *buf = malloc (*len);
  if (buf == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: out of memory for a task of %zu bytes", fn,
                           *len);
  *bytes = buf;
  task_head h = { 0, 0, 0, SIZE_MAX };
  double *out = (double *) (buf + sizeof h);
  if (j->kind == FGAP_RANK_CHUNKS)
    h.bad = fgap_rank_stats_range (j->c, a0, a1, out, out + nr);
  else
    {
      fgap_rank_operand ops[2];
      double *y = out;
      for (int o = 0; o < j->nops; o++)
        {
          ops[o] = j->ops[o];
          ops[o].y = y;
          ops[o].ldy = nr;
          y += nr * ops[o].cols;
        }
      fgap_attn_count cnt = { 0, 0, 0, 0, 0 };
      fgap_rank_pass_range (j->c, j->kind, a0, a1, ops, j->nops, &cnt);
      h.mul = cnt.mul;
      h.add = cnt.add;
      h.exp = cnt.exp;
    }
  memcpy (buf, &h, sizeof h);
  return FGA_OK;
}

/* Column-major a (nr x cols, leading dimension nr) into rows r0 ..
   of b (leading dimension ldb).  */
static void
put_rows (double *b, size_t ldb, size_t r0, const double *a, size_t nr, size_t cols)
{
  for (size_t k = 0; k < cols; k++)
    memcpy (b + k * ldb + r0, a + k * nr, nr * sizeof (double));
}

static int
deliver (size_t task, const void *bytes, size_t len, void *data, fga_error *err)
{
  job_t *j = data;
  size_t a0, a1, r0, nr;
  if (task >= ntasks (j))
    return fgap_error_set (err, FGA_ERR_COMPUTE, "%s: task %zu of %zu came back (the processes "
                           "differ)", fn, task, ntasks (j));
  task_range (j, task, &a0, &a1, &r0, &nr);
  if (len != task_bytes (j, nr))
    return fgap_error_set (err, FGA_ERR_COMPUTE, "%s: task %zu came back with %zu bytes instead "
                           "of %zu (the processes differ)", fn, task, len, task_bytes (j, nr));
  task_head h;
  memcpy (&h, bytes, sizeof h);
  const double *in = (const double *) ((const char *) bytes + sizeof h);
  if (j->kind == FGAP_RANK_CHUNKS)
    {
      put_rows (j->c->m, 0, r0, in, nr, 1);
      put_rows (j->c->r, 0, r0, in + nr, nr, 1);
      if (h.bad < j->bad)
        j->bad = (size_t) h.bad;
    }
  for (int o = 0; j->kind != FGAP_RANK_CHUNKS && o < j->nops; o++)
    {
      put_rows (j->ops[o].y, j->ops[o].ldy, r0, in, nr, j->ops[o].cols);
      in += nr * j->ops[o].cols;
    }
  j->cnt.mul += h.mul;
  j->cnt.add += h.add;
  j->cnt.exp += h.exp;
  return FGA_OK;
}

/* The job of a pass of this kind, its tasks `group' blocks each.  */
static void
job_init (job_t *j, fgap_rank_ctx *c, int kind, size_t group)
{
  memset (j, 0, sizeof *j);
  j->c = c;
  j->kind = kind;
  j->units = fgap_rank_units (c, kind);
  j->per = kind == FGAP_RANK_CHUNKS ? c->srows : kind ? FGAP_RANK_KEY_BLOCK : c->bq;
  j->total = kind == 1 ? c->nk : c->nq;
  j->group = group > 0 ? group : 1;
  j->width = kind == FGAP_RANK_CHUNKS ? 2 : 0;
  j->bad = SIZE_MAX;
}

/* Runs the job's tasks, each costing its rows (without the costs when
   they find no memory: only the order of the tasks changes).  A failure
   is the farm's, known to every process.  OpenBLAS on one thread for the
   whole run, as every task wants it, rather than switched per task.  */
static int
run_job (job_t *j)
{
  fgap_rank_ctx *c = j->c;
  const size_t n = ntasks (j);
  double *cost = malloc ((n > 0 ? n : 1) * sizeof *cost);
  for (size_t t = 0; cost != NULL && t < n; t++)
    {
      size_t a0, a1, r0, nr;
      task_range (j, t, &a0, &a1, &r0, &nr);
      cost[t] = (double) nr;
    }
  fgap_blas_single_enter ();
  int rc = c->farm->run (c->farm, n, cost, compute, deliver, j, c->err);
  fgap_blas_single_leave ();
  free (cost);
  if (rc != FGA_OK)
    c->farm_broken = 1;
  return rc;
}

/* The master's command with `payload' doubles after it, its header
   zero but for op; the caller fills the doubles, then send_cmd shares and
   frees it.  Counted in the master's peak_bytes: a pass's copy of X is as
   large as a block of the sketch.  */
static int
new_cmd (fgap_rank_ctx *c, command **cmdp, int op, size_t payload)
{
  size_t bytes;
  if (fgap_size_mul (&bytes, payload, sizeof (double)) || bytes > SIZE_MAX - sizeof (command))
    return fgap_error_set (c->err, FGA_ERR_NOMEM, "%s: a command of %zu doubles", fn, payload);
  command *cmd = fgap_talloc (&c->mt, sizeof *cmd + bytes, "a command to the farm", c->err);
  if (cmd == NULL)
    return FGA_ERR_NOMEM;
  memset (cmd, 0, sizeof *cmd);
  cmd->op = op;
  *cmdp = cmd;
  return FGA_OK;
}

static int
share_cmd (fgap_rank_ctx *c, command *cmd, size_t payload)
{
  void *bytes = cmd;
  size_t len = sizeof *cmd + payload * sizeof (double);
  int rc = c->farm->share (c->farm, &bytes, &len, c->err);
  if (rc != FGA_OK)
    c->farm_broken = 1;
  return rc;
}

static int
send_cmd (fgap_rank_ctx *c, command *cmd, size_t payload)
{
  int rc = share_cmd (c, cmd, payload);
  fgap_tfree (&c->mt, cmd, sizeof *cmd + payload * sizeof (double));
  return rc;
}

/* Blocks per task: the master's threads.  A task runs its blocks on the
   threads of its process, each block whole in one thread, so a task of
   fewer blocks leaves threads idle from its start to its end (tasks of one
   key block ran the passes of P^T on one thread of two: the farm on one
   process took 40% longer than the local path); a task of more blocks
   spreads the pass over fewer processes.  */
static size_t
group_of (const fgap_rank_ctx *c)
{
  return (size_t) c->nt;
}

int
fgap_rank_farm_stats (fgap_rank_ctx *c, size_t *bad)
{
  const size_t nq = c->nq;
  command stats = { .op = CMD_STATS, .group = group_of (c) }, *cmd;
  job_t j;
  job_init (&j, c, FGAP_RANK_CHUNKS, stats.group);
  int rc = share_cmd (c, &stats, 0);
  if (rc == FGA_OK)
    rc = run_job (&j);
  *bad = j.bad;
  if (rc != FGA_OK || j.bad != SIZE_MAX)
    return rc;                 /* the row is the master's error, sent at the end */
  if ((rc = new_cmd (c, &cmd, CMD_ROWS, 2 * nq)) != FGA_OK)
    return rc;
  double *x = (double *) (cmd + 1);
  memcpy (x, c->m, nq * sizeof (double));
  memcpy (x + nq, c->r, nq * sizeof (double));
  return send_cmd (c, cmd, 2 * nq);
}

/* The rows of a pass's inputs: nk for P x, nq for P^T x.  */
static size_t
in_rows (const fgap_rank_ctx *c, int trans)
{
  return trans ? c->nq : c->nk;
}

int
fgap_rank_farm_pass (fgap_rank_ctx *c, int trans, const fgap_rank_operand *ops, int nops,
                     fgap_attn_count *cnt)
{
  const size_t rows = in_rows (c, trans);
  size_t payload = 0;
  for (int o = 0; o < nops; o++)
    payload += rows * ops[o].cols;
  command *cmd;
  int rc = new_cmd (c, &cmd, CMD_PASS, payload);
  if (rc != FGA_OK)
    return rc;
  cmd->trans = trans;
  cmd->nops = nops;
  cmd->group = group_of (c);
  double *x = (double *) (cmd + 1);
  job_t j;
  job_init (&j, c, trans, cmd->group);
  j.nops = nops;
  for (int o = 0; o < nops; o++)
    {
      cmd->cols[o] = ops[o].cols;
      for (size_t k = 0; k < ops[o].cols; k++)
        memcpy (x + k * rows, ops[o].x + k * ops[o].ldx, rows * sizeof (double));
      x += rows * ops[o].cols;
      j.ops[o] = ops[o];       /* the master reads its own inputs */
      j.width += ops[o].cols;
    }
  rc = send_cmd (c, cmd, payload);
  if (rc == FGA_OK)
    rc = run_job (&j);
  cnt->mul += j.cnt.mul;
  cnt->add += j.cnt.add;
  cnt->exp += j.cnt.exp;
  return rc;
}

int
fgap_rank_farm_end (fgap_rank_ctx *c, int rc)
{
  if (c->farm_broken)
    return rc;
  command end = { .op = rc == FGA_OK ? CMD_END : CMD_FAIL, .code = rc };
  if (rc != FGA_OK)
    snprintf (end.msg, sizeof end.msg, "%s", c->err->msg);
  int src = share_cmd (c, &end, 0);
  return rc != FGA_OK ? rc : src;
}

/* ------------------------------------------------------------------ */
/* The workers.  */

static int
bad_cmd (fgap_rank_ctx *c, size_t len, size_t want)
{
  return fgap_error_set (c->err, FGA_ERR_COMPUTE, "%s: a command of %zu bytes from the master, "
                         "not %zu (the processes differ)", fn, len, want);
}

/* A pass the master asked for, with its inputs in the command.  */
static int
worker_pass (fgap_rank_ctx *c, const command *cmd, size_t len)
{
  const int trans = cmd->trans != 0, nops = cmd->nops;
  const size_t rows = in_rows (c, trans);
  if (nops < 1 || nops > 2 || cmd->cols[0] > SIZE_MAX / 2 / rows
      || cmd->cols[1] > SIZE_MAX / 2 / rows)
    return bad_cmd (c, len, 0);
  size_t payload = rows * cmd->cols[0] + (nops > 1 ? rows * cmd->cols[1] : 0);
  if (payload > (SIZE_MAX - sizeof *cmd) / sizeof (double)
      || len != sizeof *cmd + payload * sizeof (double))
    return bad_cmd (c, len, sizeof *cmd + payload * sizeof (double));
  job_t j;
  job_init (&j, c, trans, (size_t) cmd->group);
  j.nops = nops;
  const double *x = (const double *) (cmd + 1);
  for (int o = 0; o < nops; o++)
    {
      j.ops[o].x = x;
      j.ops[o].ldx = rows;
      j.ops[o].cols = (size_t) cmd->cols[o];
      j.width += j.ops[o].cols;
      x += rows * j.ops[o].cols;
    }
  return run_job (&j);
}

/* One command; *done when the call is over.  */
static int
worker_step (fgap_rank_ctx *c, const command *cmd, size_t len, int *done)
{
  const size_t nq = c->nq;
  if (cmd == NULL || len < sizeof *cmd)
    return bad_cmd (c, len, sizeof *cmd);
  switch (cmd->op)
    {
    case CMD_STATS:
      {
        job_t j;
        job_init (&j, c, FGAP_RANK_CHUNKS, (size_t) cmd->group);
        return len == sizeof *cmd ? run_job (&j) : bad_cmd (c, len, sizeof *cmd);
      }
    case CMD_ROWS:
      if (len != sizeof *cmd + 2 * nq * sizeof (double))
        return bad_cmd (c, len, sizeof *cmd + 2 * nq * sizeof (double));
      memcpy (c->m, cmd + 1, nq * sizeof (double));
      memcpy (c->r, (const double *) (cmd + 1) + nq, nq * sizeof (double));
      return FGA_OK;
    case CMD_PASS:
      return worker_pass (c, cmd, len);
    case CMD_END:
      *done = 1;
      return FGA_OK;
    case CMD_FAIL:
      *done = 1;
      return fgap_error_set (c->err, cmd->code != FGA_OK ? cmd->code : FGA_ERR_COMPUTE, "%.*s",
                             (int) sizeof cmd->msg, cmd->msg);
    default:
      return bad_cmd (c, len, sizeof *cmd);
    }
}

int
fgap_rank_farm_worker (fgap_rank_ctx *c)
{
  int done = 0, rc = FGA_OK;
  while (rc == FGA_OK && !done)
    {
      void *bytes = NULL;
      size_t len = 0;
      rc = c->farm->share (c->farm, &bytes, &len, c->err);
      if (rc == FGA_OK)
        rc = worker_step (c, bytes, len, &done);
      free (bytes);
    }
  return rc;
}

int
fga_attention_rank_farm (fga_rank_estimate *est, const double *tol, size_t ntol,
                         fga_mat_srcptr Q, fga_mat_srcptr K, double tau,
                         const fga_rank_opts *opts, fga_stats *st, const fga_farm *farm,
                         fga_error *err)
{
  return fgap_rank_run (est, tol, ntol, Q, K, tau, opts, st,
                        farm != NULL ? farm : &fga_farm_local, err);
}
