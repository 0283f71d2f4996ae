/* mpi_farm.c -- fga_farm over MPI: rank 0 hands out tasks, every rank computes them

   The protocol, all point to point on the farm's communicator (every
   message between two ranks arrives in the order it was sent, which the
   design relies on):

     master -> worker   TASK (a task number), END (the end of a run, with
                        its status), SHARE (a share's bytes), STOP (the
                        master's command is over), FINAL (nothing more)
     worker -> master   RESULT (a task's bytes), ERROR (a compute failed),
                        ACK (END received), BYE (the worker's command is
                        over, with its exit status and messages)

   Bytes of any length go as a header (task, length) then chunks of at most
   1 GiB (an MPI count is an int), sent without blocking; the other
   messages are at most about 1 KB, below every MPI's eager limit, so that
   a blocking send of one never waits for the receiver.  A share is the
   length then the bytes, sent to each worker in turn rather than by
   MPI_Bcast: a collective would wait forever for a rank that has left its
   command, where a point-to-point message is drained by it (below).

   Scheduling.  Tasks are sorted by decreasing cost; workers are given
   tasks from the large end, up to IN_FLIGHT each (the next one is already
   there when a worker finishes one), the second only while more tasks are
   left than there are workers, so that the last tasks go to whoever is
   free first.  The master computes tasks too, from the small end, when
   every worker is served (with one process it computes them all, largest
   first).  The trade-off: while the master computes a task it does not
   answer, so a worker that finishes both its tasks meanwhile waits for
   the master's next poll (MPI_Iprobe, between tasks), and a result too
   large to be sent eagerly waits for it too.  Tasks are coarse (a sweep's
   cell, a block of rows of a ground truth) and the master takes the
   smallest ones, which keeps that wait short; the alternative, a master
   that only serves, leaves one process of P idle.  Waiting ranks poll
   with short naps (50 us growing to 5 ms) rather than block: MPI's
   blocking calls spin, which on a machine with fewer cores than ranks
   takes a core from the ranks that compute.

   Failures.  A compute or deliver that fails stops the run: the master
   sends END with the error to every worker, collects what they still send
   until each acknowledges, and returns the error; each worker returns it
   too (its own, if it failed itself).  A rank that leaves its command
   early (its BYE comes during a run) fails the run the same way; a
   worker waiting in a farm call when the master's command ends gets STOP
   and returns an error.  cli_mpi_farm_finish then empties every channel
   before MPI_Finalize.  Errors of MPI itself abort (MPI's default error
   handler): a broken communicator leaves nothing to save.

   The bytes are sent as they are: the ranks run the same program on the
   same kind of machine.  */

#include <config.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpi_farm.h"

#define MASTER 0
#define IN_FLIGHT 2
#define CHUNK ((size_t) 1 << 30)
#define BYE_TEXT_MAX 4000

enum
{
  TAG_TASK = 1, TAG_END, TAG_SHARE, TAG_STOP, TAG_FINAL,
  TAG_RESULT, TAG_ERROR, TAG_ACK, TAG_BYE, TAG_DATA
};

typedef struct
{
  int32_t code;
  char msg[FGA_MSG_SIZE];
} status_msg;                  /* END, ERROR */

typedef struct
{
  uint64_t task;               /* RESULT: the task; SHARE: whether the master's bytes
                                  were not NULL */
  uint64_t len;
} bytes_head;

typedef struct
{
  int32_t status;
  char text[BYE_TEXT_MAX];
} bye_msg;

typedef struct
{
  MPI_Comm comm;
  int rank, size;
  int master_gone;             /* worker: STOP seen */
  char *departed;              /* master: per rank, BYE received */
  int *bye_status;             /* master: per rank, its exit status */
  char **bye_text;             /* master: per rank, its messages (malloc) */
} farm_ctx;

static int
set_err (fga_error *err, int code, const char *fmt, ...)
{
  if (err != NULL)
    {
      va_list ap;
      va_start (ap, fmt);
      err->code = code;
      vsnprintf (err->msg, sizeof err->msg, fmt, ap);
      va_end (ap);
    }
  return code;
}

/* ------------------------------------------------------------------ */
/* Waiting and bytes.  */

static void
nap (long *ns)
{
  struct timespec ts = { 0, *ns };
  nanosleep (&ts, NULL);
  *ns = *ns * 2 > 5000000 ? 5000000 : *ns * 2;
}

/* Waits for a message from src (any tag) and describes it in s.  */
static void
wait_probe (MPI_Comm comm, int src, MPI_Status *s)
{
  long ns = 50000;
  int flag = 0;
  for (;;)
    {
      MPI_Iprobe (src, MPI_ANY_TAG, comm, &flag, s);
      if (flag)
        return;
      nap (&ns);
    }
}

static size_t
chunks_of (size_t len)
{
  return len == 0 ? 0 : (len - 1) / CHUNK + 1;
}

static int
chunk_count (size_t len, size_t k)
{
  size_t left = len - k * CHUNK;
  return (int) (left < CHUNK ? left : CHUNK);
}

/* MPI_Waitall and MPI_Testall, a request at a time: MPICH declares their
   statuses as arrays, and GCC then takes MPI_STATUSES_IGNORE for one.  */
static void
wait_all (int n, MPI_Request *req)
{
  for (int k = 0; k < n; k++)
    MPI_Wait (&req[k], MPI_STATUS_IGNORE);
}

static int
test_all (int n, MPI_Request *req)
{
  int all = 1;
  for (int k = 0; k < n; k++)
    {
      int done = 0;
      MPI_Test (&req[k], &done, MPI_STATUS_IGNORE);   /* done requests become NULL ones */
      all &= done;
    }
  return all;
}

/* Bytes on their way: a header and its chunks.  */
typedef struct
{
  bytes_head head;
  MPI_Request *req;
  int n;
  void *buf;                   /* freed when done, unless borrowed */
  int borrowed;
  int src;                     /* receives: the sender */
} transfer;

static int
alloc_requests (transfer *x, size_t n, fga_error *err)
{
  x->n = (int) n;
  x->req = malloc ((n > 0 ? n : 1) * sizeof *x->req);
  if (x->req == NULL)
    return set_err (err, FGA_ERR_NOMEM, "fgattn-mpi: out of memory for %zu MPI requests", n);
  return FGA_OK;
}

/* Starts sending len bytes of buf to dest: the header with tag, then the
   chunks.  */
static int
post_send (transfer *x, MPI_Comm comm, int dest, int tag, uint64_t task, void *buf,
           size_t len, int borrowed, fga_error *err)
{
  size_t n = chunks_of (len);
  x->head.task = task;
  x->head.len = len;
  x->buf = buf;
  x->borrowed = borrowed;
  if (alloc_requests (x, n + 1, err) != FGA_OK)
    return err != NULL ? err->code : FGA_ERR_NOMEM;
  MPI_Isend (&x->head, sizeof x->head, MPI_BYTE, dest, tag, comm, &x->req[0]);
  for (size_t k = 0; k < n; k++)
    MPI_Isend ((char *) buf + k * CHUNK, chunk_count (len, k), MPI_BYTE, dest, TAG_DATA, comm,
               &x->req[k + 1]);
  return FGA_OK;
}

/* Starts receiving the chunks announced by a header already received.  */
static int
post_recv (transfer *x, MPI_Comm comm, int src, const bytes_head *h, fga_error *err)
{
  size_t n = chunks_of (h->len);
  x->head = *h;
  x->src = src;
  x->borrowed = 0;
  x->buf = malloc (h->len > 0 ? h->len : 1);
  if (x->buf == NULL)
    return set_err (err, FGA_ERR_NOMEM, "fgattn-mpi: out of memory for %llu bytes from rank %d",
                    (unsigned long long) h->len, src);
  if (alloc_requests (x, n, err) != FGA_OK)
    {
      free (x->buf);
      return err != NULL ? err->code : FGA_ERR_NOMEM;
    }
  for (size_t k = 0; k < n; k++)
    MPI_Irecv ((char *) x->buf + k * CHUNK, chunk_count (h->len, k), MPI_BYTE, src, TAG_DATA,
               comm, &x->req[k]);
  return FGA_OK;
}

/* Waits for a transfer, then frees it (and its bytes, unless borrowed or
   keep).  */
static void
finish (transfer *x, int keep)
{
  wait_all (x->n, x->req);
  free (x->req);
  x->req = NULL;
  if (!keep && !x->borrowed)
    free (x->buf);
}

/* Receives the message s describes and drops it, with the chunks that
   follow a header.  */
static void
discard (MPI_Comm comm, const MPI_Status *s)
{
  int count;
  MPI_Get_count (s, MPI_BYTE, &count);
  char *buf = malloc (count > 0 ? (size_t) count : 1);
  if (buf == NULL)
    {
      /* Too tight to drop it the easy way: a zero-size receive of a longer
         message truncates, and truncation is an MPI error; no way out.  */
      MPI_Abort (comm, 1);
      return;
    }
  MPI_Recv (buf, count, MPI_BYTE, s->MPI_SOURCE, s->MPI_TAG, comm, MPI_STATUS_IGNORE);
  if ((s->MPI_TAG == TAG_RESULT || s->MPI_TAG == TAG_SHARE) && count == sizeof (bytes_head))
    {
      bytes_head h;
      memcpy (&h, buf, sizeof h);
      transfer x;
      if (post_recv (&x, comm, s->MPI_SOURCE, &h, NULL) != FGA_OK)
        MPI_Abort (comm, 1);
      else
        finish (&x, 0);
    }
  free (buf);
}

/* ------------------------------------------------------------------ */
/* Workers.  */

/* A message that is not what the call expects: the master's command is
   over (STOP, left for cli_mpi_farm_finish to drain), or the ranks are not
   making the same calls.  */
static int
unexpected (farm_ctx *c, int tag, const char *call, fga_error *err)
{
  if (tag == TAG_STOP || tag == TAG_FINAL || c->master_gone)
    {
      c->master_gone = 1;
      return set_err (err, FGA_ERR_COMPUTE, "fgattn-mpi: rank %d: the master (rank 0) ended "
                      "its command while this rank was in a farm %s (its messages tell why)",
                      c->rank, call);
    }
  return set_err (err, FGA_ERR_COMPUTE, "fgattn-mpi: rank %d: message %d from the master "
                  "during a farm %s: the ranks are not making the same calls", c->rank, tag,
                  call);
}

static int
worker_task (farm_ctx *c, transfer *pend, int *have_pend, fga_farm_compute_fn compute,
             void *data, fga_error *own)
{
  uint64_t t;
  MPI_Recv (&t, sizeof t, MPI_BYTE, MASTER, TAG_TASK, c->comm, MPI_STATUS_IGNORE);
  void *buf = NULL;
  size_t len = 0;
  int rc = compute ((size_t) t, &buf, &len, data, own);
  if (*have_pend)
    finish (pend, 0);
  *have_pend = 0;
  if (rc == FGA_OK)
    rc = post_send (pend, c->comm, MASTER, TAG_RESULT, t, buf, len, 0, own);
  if (rc == FGA_OK)
    {
      *have_pend = 1;
      return FGA_OK;
    }
  free (buf);
  status_msg m;
  memset (&m, 0, sizeof m);
  m.code = rc;
  snprintf (m.msg, sizeof m.msg, "%s", own->msg);
  MPI_Send (&m, sizeof m, MPI_BYTE, MASTER, TAG_ERROR, c->comm);
  return rc;
}

static int
worker_run (farm_ctx *c, fga_farm_compute_fn compute, void *data, fga_error *err)
{
  transfer pend;
  int have_pend = 0, failed = FGA_OK;
  fga_error own;
  fga_error_init (&own);
  if (c->master_gone)
    return unexpected (c, TAG_STOP, "run", err);
  for (;;)
    {
      MPI_Status s;
      wait_probe (c->comm, MASTER, &s);
      if (s.MPI_TAG == TAG_TASK)
        {
          if (failed == FGA_OK)
            failed = worker_task (c, &pend, &have_pend, compute, data, &own);
          else
            discard (c->comm, &s);   /* the master stops the run: END is coming */
          continue;
        }
      if (have_pend)
        finish (&pend, 0);
      if (s.MPI_TAG != TAG_END)
        return unexpected (c, s.MPI_TAG, "run", err);
      status_msg m;
      MPI_Recv (&m, sizeof m, MPI_BYTE, MASTER, TAG_END, c->comm, MPI_STATUS_IGNORE);
      MPI_Send (NULL, 0, MPI_BYTE, MASTER, TAG_ACK, c->comm);
      if (failed != FGA_OK)
        return set_err (err, failed, "%s", own.msg);
      if (m.code != FGA_OK)
        return set_err (err, m.code, "%s", m.msg);
      return FGA_OK;
    }
}

static int
worker_share (farm_ctx *c, void **bytes, size_t *len, fga_error *err)
{
  MPI_Status s;
  if (c->master_gone)
    return unexpected (c, TAG_STOP, "share", err);
  wait_probe (c->comm, MASTER, &s);
  if (s.MPI_TAG != TAG_SHARE)
    return unexpected (c, s.MPI_TAG, "share", err);
  bytes_head h;
  MPI_Recv (&h, sizeof h, MPI_BYTE, MASTER, TAG_SHARE, c->comm, MPI_STATUS_IGNORE);
  transfer x;
  if (post_recv (&x, c->comm, MASTER, &h, err) != FGA_OK)
    {
      MPI_Abort (c->comm, 1);  /* the chunks cannot be left in the channel */
      return FGA_ERR_NOMEM;
    }
  finish (&x, 1);
  *len = h.len;
  if (h.task == 0)
    {
      free (x.buf);            /* the master's bytes were NULL */
      x.buf = NULL;
    }
  *bytes = x.buf;
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* The master.  */

typedef struct
{
  double cost;
  size_t task;
} order_t;

static int
by_cost_desc (const void *a, const void *b)
{
  const order_t *x = a, *y = b;
  if (x->cost != y->cost)
    return x->cost > y->cost ? -1 : 1;
  return x->task < y->task ? -1 : x->task > y->task;
}

typedef struct
{
  farm_ctx *c;
  order_t *order;
  size_t head, tail;           /* order[head .. tail - 1] not handed out yet */
  size_t ntasks, delivered;
  int *inflight;               /* per rank */
  transfer *pend;              /* results being received */
  size_t npend;
  fga_farm_compute_fn compute;
  fga_farm_deliver_fn deliver;
  void *data;
  int rc;
  fga_error *err;
} master_t;

static int
live_workers (const farm_ctx *c)
{
  int n = 0;
  for (int w = 1; w < c->size; w++)
    n += !c->departed[w];
  return n;
}

static void
fail (master_t *m, int code, const char *msg)
{
  if (m->rc == FGA_OK)
    m->rc = set_err (m->err, code, "%s", msg);
}

/* Gives the hungry workers tasks from the large end (see the top).  */
static void
fill (master_t *m)
{
  farm_ctx *c = m->c;
  size_t nlive = (size_t) live_workers (c);
  for (int round = 1; round <= IN_FLIGHT; round++)
    for (int w = 1; w < c->size; w++)
      {
        size_t left = m->tail - m->head;
        if (c->departed[w] || m->inflight[w] >= round || left == 0 || (round > 1 && left <= nlive))
          continue;
        uint64_t t = m->order[m->head++].task;
        MPI_Send (&t, sizeof t, MPI_BYTE, w, TAG_TASK, c->comm);
        m->inflight[w]++;
      }
}

static void
deliver_one (master_t *m, size_t task, const void *buf, size_t len)
{
  fga_error e;
  fga_error_init (&e);
  if (m->rc == FGA_OK)
    {
      int rc = m->deliver (task, buf, len, m->data, &e);
      if (rc != FGA_OK)
        fail (m, rc, e.msg);
    }
  m->delivered++;
}

/* Delivers the results whose bytes have all arrived.  */
static int
test_pending (master_t *m)
{
  int any = 0;
  for (size_t k = 0; k < m->npend;)
    {
      if (!test_all (m->pend[k].n, m->pend[k].req))
        {
          k++;
          continue;
        }
      transfer x = m->pend[k];
      m->pend[k] = m->pend[--m->npend];
      finish (&x, 1);
      m->inflight[x.src]--;
      deliver_one (m, (size_t) x.head.task, x.buf, x.head.len);
      free (x.buf);
      any = 1;
    }
  return any;
}

static void
got_bye (farm_ctx *c, const MPI_Status *s)
{
  bye_msg b;
  int count;
  MPI_Get_count (s, MPI_BYTE, &count);
  memset (&b, 0, sizeof b);
  MPI_Recv (&b, (int) sizeof b, MPI_BYTE, s->MPI_SOURCE, TAG_BYE, c->comm, MPI_STATUS_IGNORE);
  size_t tlen = count > (int) sizeof b.status ? (size_t) count - sizeof b.status : 0;
  int w = s->MPI_SOURCE;
  c->departed[w] = 1;
  c->bye_status[w] = b.status;
  free (c->bye_text[w]);
  c->bye_text[w] = malloc (tlen + 1);
  if (c->bye_text[w] != NULL)
    {
      memcpy (c->bye_text[w], b.text, tlen);
      c->bye_text[w][tlen] = '\0';
    }
}

/* Receives what worker w sends, dropping it, up to its (empty) message
   with tag, or its BYE (then it has left).  */
static void
drain (farm_ctx *c, int w, int tag)
{
  while (!c->departed[w])
    {
      MPI_Status s;
      wait_probe (c->comm, w, &s);
      if (s.MPI_TAG == TAG_BYE)
        got_bye (c, &s);
      else if (s.MPI_TAG == tag)
        {
          MPI_Recv (NULL, 0, MPI_BYTE, w, tag, c->comm, MPI_STATUS_IGNORE);
          return;
        }
      else
        discard (c->comm, &s);
    }
}

/* One message from a worker, during a run.  */
static void
master_message (master_t *m, const MPI_Status *s)
{
  farm_ctx *c = m->c;
  int w = s->MPI_SOURCE;
  char msg[FGA_MSG_SIZE];
  if (s->MPI_TAG == TAG_RESULT)
    {
      bytes_head h;
      MPI_Recv (&h, sizeof h, MPI_BYTE, w, TAG_RESULT, c->comm, MPI_STATUS_IGNORE);
      fga_error e;
      if (post_recv (&m->pend[m->npend], c->comm, w, &h, &e) != FGA_OK)
        MPI_Abort (c->comm, 1);          /* the chunks cannot be left in the channel */
      m->npend++;
    }
  else if (s->MPI_TAG == TAG_ERROR)
    {
      status_msg e;
      MPI_Recv (&e, sizeof e, MPI_BYTE, w, TAG_ERROR, c->comm, MPI_STATUS_IGNORE);
      e.msg[sizeof e.msg - 1] = '\0';
      m->inflight[w]--;
      fail (m, e.code, e.msg);
    }
  else if (s->MPI_TAG == TAG_BYE)
    {
      got_bye (c, s);
      const char *t = c->bye_text[w] != NULL ? c->bye_text[w] : "";
      snprintf (msg, sizeof msg, "fgattn-mpi: rank %d left its command during a farm run "
                "(exit status %d)%s%.800s", w, c->bye_status[w], *t ? ": " : "", t);
      fail (m, FGA_ERR_COMPUTE, msg);
    }
  else
    {
      discard (c->comm, s);
      snprintf (msg, sizeof msg, "fgattn-mpi: message %d from rank %d during a farm run: the "
                "ranks are not making the same calls", s->MPI_TAG, w);
      fail (m, FGA_ERR_COMPUTE, msg);
    }
}

/* Takes in everything the workers have sent; returns whether there was
   anything.  */
static int
poll_workers (master_t *m)
{
  int any = test_pending (m), flag = 1;
  while (flag)
    {
      MPI_Status s;
      MPI_Iprobe (MPI_ANY_SOURCE, MPI_ANY_TAG, m->c->comm, &flag, &s);
      if (flag)
        {
          master_message (m, &s);
          any = 1;
        }
    }
  return any || test_pending (m);
}

/* The master computes one task itself.  */
static void
compute_own (master_t *m, size_t task)
{
  void *buf = NULL;
  size_t len = 0;
  fga_error e;
  fga_error_init (&e);
  int rc = m->compute (task, &buf, &len, m->data, &e);
  if (rc != FGA_OK)
    {
      fail (m, rc, e.msg);
      m->delivered++;
    }
  else
    deliver_one (m, task, buf, len);
  free (buf);
}

/* Ends the run on every worker: END with the status, then everything they
   still send, up to their ACK (or BYE).  */
static void
end_run (master_t *m)
{
  farm_ctx *c = m->c;
  status_msg e;
  memset (&e, 0, sizeof e);
  e.code = m->rc;
  if (m->rc != FGA_OK && m->err != NULL)
    snprintf (e.msg, sizeof e.msg, "%s", m->err->msg);
  for (size_t k = 0; k < m->npend; k++)
    finish (&m->pend[k], 0);
  m->npend = 0;
  for (int w = 1; w < c->size; w++)
    if (!c->departed[w])
      {
        MPI_Request r;
        MPI_Isend (&e, sizeof e, MPI_BYTE, w, TAG_END, c->comm, &r);
        drain (c, w, TAG_ACK);
        MPI_Wait (&r, MPI_STATUS_IGNORE);   /* a worker that left drains it too */
      }
}

static int
master_setup (master_t *m, size_t ntasks, const double *cost, fga_error *err)
{
  farm_ctx *c = m->c;
  m->order = malloc ((ntasks > 0 ? ntasks : 1) * sizeof *m->order);
  m->inflight = calloc ((size_t) c->size, sizeof *m->inflight);
  m->pend = malloc ((size_t) c->size * IN_FLIGHT * sizeof *m->pend);
  if (ntasks > SIZE_MAX / sizeof *m->order || m->order == NULL || m->inflight == NULL
      || m->pend == NULL)
    return set_err (err, FGA_ERR_NOMEM, "fga_farm: out of memory ordering %zu tasks", ntasks);
  for (size_t t = 0; t < ntasks; t++)
    {
      m->order[t].task = t;
      m->order[t].cost = cost != NULL ? cost[t] : 0;
    }
  qsort (m->order, ntasks, sizeof *m->order, by_cost_desc);
  m->head = 0;
  m->tail = m->ntasks = ntasks;
  return FGA_OK;
}

static int
master_run (farm_ctx *c, size_t ntasks, const double *cost, fga_farm_compute_fn compute,
            fga_farm_deliver_fn deliver, void *data, fga_error *err)
{
  master_t m = { .c = c, .compute = compute, .deliver = deliver, .data = data, .err = err };
  m.rc = master_setup (&m, ntasks, cost, err);
  long ns = 50000;
  while (m.rc == FGA_OK && m.delivered < m.ntasks)
    {
      fill (&m);
      int busy = poll_workers (&m);
      if (m.rc != FGA_OK)
        break;
      if (m.head < m.tail)
        {
          /* Every worker is served: the smallest task left, or with no
             workers the largest.  */
          size_t t = live_workers (c) > 0 ? m.order[--m.tail].task : m.order[m.head++].task;
          compute_own (&m, t);
          ns = 50000;
        }
      else if (!busy)
        nap (&ns);
      else
        ns = 50000;
    }
  end_run (&m);                 /* also after a failed set-up: the workers wait for it */
  free (m.order);
  free (m.inflight);
  free (m.pend);
  return m.rc;
}

static int
master_share (farm_ctx *c, void *bytes, size_t len, fga_error *err)
{
  int rc = FGA_OK;
  for (int w = 1; w < c->size && rc == FGA_OK; w++)
    if (!c->departed[w])
      {
        transfer x;
        rc = post_send (&x, c->comm, w, TAG_SHARE, bytes != NULL, bytes, len, 1, err);
        if (rc == FGA_OK)
          finish (&x, 0);
      }
  return rc;
}

/* ------------------------------------------------------------------ */
/* The interface.  */

static int
mpi_is_master (const fga_farm *f)
{
  return ((const farm_ctx *) f->ctx)->rank == MASTER;
}

static int
mpi_run (const fga_farm *f, size_t ntasks, const double *cost, fga_farm_compute_fn compute,
         fga_farm_deliver_fn deliver, void *data, fga_error *err)
{
  farm_ctx *c = f->ctx;
  if (c->rank == MASTER)
    return master_run (c, ntasks, cost, compute, deliver, data, err);
  return worker_run (c, compute, data, err);
}

static int
mpi_share (const fga_farm *f, void **bytes, size_t *len, fga_error *err)
{
  farm_ctx *c = f->ctx;
  if (c->rank == MASTER)
    return master_share (c, *bytes, *len, err);
  return worker_share (c, bytes, len, err);
}

int
cli_mpi_farm_init (fga_farm *farm, MPI_Comm comm, fga_error *err)
{
  farm_ctx *c = calloc (1, sizeof *c);
  if (c == NULL)
    return set_err (err, FGA_ERR_NOMEM, "fgattn-mpi: out of memory for the farm");
  c->comm = comm;
  MPI_Comm_rank (comm, &c->rank);
  MPI_Comm_size (comm, &c->size);
  c->departed = calloc ((size_t) c->size, 1);
  c->bye_status = calloc ((size_t) c->size, sizeof *c->bye_status);
  c->bye_text = calloc ((size_t) c->size, sizeof *c->bye_text);
  farm->is_master = mpi_is_master;
  farm->run = mpi_run;
  farm->share = mpi_share;
  farm->ctx = c;
  if (c->departed == NULL || c->bye_status == NULL || c->bye_text == NULL)
    {
      cli_mpi_farm_clear (farm);
      return set_err (err, FGA_ERR_NOMEM, "fgattn-mpi: out of memory for the farm");
    }
  return FGA_OK;
}

void
cli_mpi_farm_clear (fga_farm *farm)
{
  farm_ctx *c = farm->ctx;
  if (c == NULL)
    return;
  for (int w = 0; w < c->size && c->bye_text != NULL; w++)
    free (c->bye_text[w]);
  free (c->bye_text);
  free (c->bye_status);
  free (c->departed);
  free (c);
  farm->ctx = NULL;
}

/* A worker: BYE, then everything the master still sends, up to FINAL.  */
static void
worker_finish (farm_ctx *c, int status, const char *text, size_t len)
{
  bye_msg b;
  memset (&b, 0, sizeof b);
  b.status = status;
  /* The end of the messages tells most.  */
  if (len > sizeof b.text)
    {
      text += len - sizeof b.text;
      len = sizeof b.text;
    }
  if (len > 0)
    memcpy (b.text, text, len);
  MPI_Request r;
  MPI_Isend (&b, (int) (sizeof b.status + len), MPI_BYTE, MASTER, TAG_BYE, c->comm, &r);
  for (;;)
    {
      MPI_Status s;
      wait_probe (c->comm, MASTER, &s);
      if (s.MPI_TAG == TAG_FINAL)
        {
          MPI_Recv (NULL, 0, MPI_BYTE, MASTER, TAG_FINAL, c->comm, MPI_STATUS_IGNORE);
          break;
        }
      discard (c->comm, &s);
    }
  MPI_Wait (&r, MPI_STATUS_IGNORE);
}

/* The master: STOP to the workers still in their command, everything they
   send up to their BYE, then FINAL to all.  */
static void
master_finish (farm_ctx *c)
{
  for (int w = 1; w < c->size; w++)
    if (!c->departed[w])
      MPI_Send (NULL, 0, MPI_BYTE, w, TAG_STOP, c->comm);
  for (int w = 1; w < c->size; w++)
    drain (c, w, TAG_BYE);
  for (int w = 1; w < c->size; w++)
    MPI_Send (NULL, 0, MPI_BYTE, w, TAG_FINAL, c->comm);
}

int
cli_mpi_farm_finish (fga_farm *farm, int status, const char *text, size_t len)
{
  farm_ctx *c = farm->ctx;
  if (c->rank == MASTER)
    master_finish (c);
  else
    worker_finish (c, status, text, len);
  int all = status;
  MPI_Allreduce (&status, &all, 1, MPI_INT, MPI_MAX, c->comm);
  if (c->rank == MASTER && status == 0)
    for (int w = 1; w < c->size; w++)
      if (c->bye_status[w] != 0)
        fprintf (stderr, "fgattn-mpi: rank %d failed (exit status %d)%s%s", w,
                 c->bye_status[w], c->bye_text[w] != NULL && *c->bye_text[w] ? ":\n" : "\n",
                 c->bye_text[w] != NULL ? c->bye_text[w] : "");
  return all;
}
