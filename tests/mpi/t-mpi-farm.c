/* t-mpi-farm -- the MPI farm of fgattn-mpi, run under mpirun by farm.test

   t-mpi-farm CASE, on any number of processes:
     ok        three runs (50 tasks with results of 0 bytes to 300 kB, none,
               one) and shares (NULL, 10 bytes, 300 kB): every task computed
               once in all (counted on every rank, summed), delivered once,
               its bytes as made; the shares' bytes as sent
     compute   task 13's compute fails (on whichever rank): every rank's run
               returns the error, with its message
     deliver   the 5th delivery fails: every rank's run returns it
     leave     the last rank skips the run (its command "failed"): the
               others' run returns an error naming it, nobody hangs
     master    the master skips the run: every worker's run returns an error
   Each rank checks what it sees; the exit status (0: as expected) is the
   one cli_mpi_farm_finish agrees on.  */

#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_farm.h"

#define NTASKS 50

static int rank, size, bad;
static size_t computed[NTASKS], delivered[NTASKS], ndelivered;

#define CHECK(cond) \
  do { if (!(cond)) { fprintf (stderr, "rank %d: line %d: %s\n", rank, __LINE__, #cond); \
                      bad = 1; } } while (0)

/* Task t's bytes: a length of its own (task 7's above any eager limit)
   and a pattern that names t.  */
static size_t
len_of (size_t t)
{
  return t == 7 ? 300000 : (t * 37) % 5000;
}

static unsigned char
byte_of (size_t t, size_t k)
{
  return (unsigned char) (t * 131 + k * 7);
}

static int
compute (size_t t, void **bytes, size_t *len, void *data, fga_error *err)
{
  const char *mode = data;
  CHECK (t < NTASKS);
  computed[t]++;
  if (strcmp (mode, "compute") == 0 && t == 13)
    {
      err->code = FGA_ERR_COMPUTE;
      snprintf (err->msg, sizeof err->msg, "boom in task 13 on rank %d", rank);
      return FGA_ERR_COMPUTE;
    }
  *len = len_of (t);
  unsigned char *b = malloc (*len > 0 ? *len : 1);
  if (b == NULL)
    return FGA_ERR_NOMEM;
  for (size_t k = 0; k < *len; k++)
    b[k] = byte_of (t, k);
  *bytes = b;
  return FGA_OK;
}

static int
deliver (size_t t, const void *bytes, size_t len, void *data, fga_error *err)
{
  const char *mode = data;
  CHECK (rank == 0 && t < NTASKS);
  delivered[t]++;
  CHECK (len == len_of (t));
  for (size_t k = 0; k < len && k < len_of (t); k++)
    if (((const unsigned char *) bytes)[k] != byte_of (t, k))
      {
        CHECK (!"the bytes delivered are those computed");
        break;
      }
  if (strcmp (mode, "deliver") == 0 && ++ndelivered == 5)
    {
      err->code = FGA_ERR_IO;
      snprintf (err->msg, sizeof err->msg, "deliver refused task %zu", t);
      return FGA_ERR_IO;
    }
  return FGA_OK;
}

static void
check_share (const fga_farm *f, size_t len, int null)
{
  unsigned char *mine = null ? NULL : malloc (len + 1);
  for (size_t k = 0; mine != NULL && k < len; k++)
    mine[k] = byte_of (len, k);
  void *b = mine;
  size_t n = len;
  fga_error err;
  CHECK (f->share (f, &b, &n, &err) == FGA_OK);
  CHECK (n == len);
  if (rank == 0)
    CHECK (b == mine);
  else
    {
      CHECK ((b == NULL) == null);
      for (size_t k = 0; b != NULL && k < len; k++)
        if (((unsigned char *) b)[k] != byte_of (len, k))
          {
            CHECK (!"the shared bytes are the master's");
            break;
          }
      free (b);
    }
  free (mine);
}

/* Every task computed once in all, and delivered once.  */
static void
check_counts (size_t ntasks)
{
  size_t all[NTASKS];
  MPI_Allreduce (computed, all, NTASKS, sizeof (size_t) == 8 ? MPI_UINT64_T : MPI_UNSIGNED,
                 MPI_SUM, MPI_COMM_WORLD);
  for (size_t t = 0; t < NTASKS; t++)
    {
      CHECK (all[t] == (t < ntasks));
      if (rank == 0)
        CHECK (delivered[t] == (t < ntasks));
    }
  memset (computed, 0, sizeof computed);
  memset (delivered, 0, sizeof delivered);
}

static void
case_ok (const fga_farm *f)
{
  double cost[NTASKS];
  fga_error err;
  for (size_t t = 0; t < NTASKS; t++)
    cost[t] = (double) ((t * 17) % 11);
  CHECK (f->run (f, NTASKS, cost, compute, deliver, "ok", &err) == FGA_OK);
  check_counts (NTASKS);
  check_share (f, 0, 1);
  check_share (f, 10, 0);
  check_share (f, 300000, 0);
  CHECK (f->run (f, 0, NULL, compute, deliver, "ok", &err) == FGA_OK);
  check_counts (0);
  CHECK (f->run (f, 1, NULL, compute, deliver, "ok", &err) == FGA_OK);
  check_counts (1);
}

/* collective: whether every rank makes this call (then the counts are
   checked across the ranks).  */
static void
case_fails (const fga_farm *f, const char *mode, int code, const char *msg, int collective)
{
  fga_error err;
  fga_error_init (&err);
  int rc = f->run (f, NTASKS, NULL, compute, deliver, (void *) mode, &err);
  CHECK (rc == code);
  CHECK (strstr (err.msg, msg) != NULL);
  if (rc != code || strstr (err.msg, msg) == NULL)
    fprintf (stderr, "rank %d: %d %s\n", rank, rc, err.msg);
  if (!collective)
    return;
  size_t all[NTASKS];
  MPI_Allreduce (computed, all, NTASKS, sizeof (size_t) == 8 ? MPI_UINT64_T : MPI_UNSIGNED,
                 MPI_SUM, MPI_COMM_WORLD);
  for (size_t t = 0; t < NTASKS; t++)
    CHECK (all[t] <= 1 && delivered[t] <= 1);
}

int
main (int argc, char **argv)
{
  int provided;
  MPI_Init_thread (&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank (MPI_COMM_WORLD, &rank);
  MPI_Comm_size (MPI_COMM_WORLD, &size);
  fga_farm f;
  fga_error err;
  CHECK (cli_mpi_farm_init (&f, MPI_COMM_WORLD, &err) == FGA_OK);
  CHECK (f.is_master (&f) == (rank == 0));
  const char *mode = argc > 1 ? argv[1] : "ok";
  int status = 0;
  if (strcmp (mode, "ok") == 0)
    case_ok (&f);
  else if (strcmp (mode, "compute") == 0)
    case_fails (&f, mode, FGA_ERR_COMPUTE, "boom in task 13", 1);
  else if (strcmp (mode, "deliver") == 0)
    case_fails (&f, mode, FGA_ERR_IO, "deliver refused", 1);
  else if (strcmp (mode, "leave") == 0 && rank == size - 1)
    status = 1;                /* this rank's command "failed" before the run */
  else if (strcmp (mode, "leave") == 0)
    case_fails (&f, "ok", FGA_ERR_COMPUTE, "left its command", 0);
  else if (strcmp (mode, "master") == 0 && rank == 0)
    status = 1;
  else if (strcmp (mode, "master") == 0)
    case_fails (&f, "ok", FGA_ERR_COMPUTE, "the master (rank 0) ended its command", 0);
  else
    CHECK (!"a known case");
  if (bad)
    status = 3;
  status = cli_mpi_farm_finish (&f, status, "", 0);
  cli_mpi_farm_clear (&f);
  /* Before MPI_Finalize: a launcher may stop the job as soon as one
     process ends with a nonzero status.  */
  if (rank == 0)
    printf ("t-mpi-farm %s on %d processes: exit status %d\n", mode, size, status);
  fflush (stdout);
  MPI_Finalize ();
  return status;
}
