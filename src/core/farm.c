/* fga_farm_local -- the farm that runs every task in this process

   The same interface as fgattn-mpi's farm (fgattn/core.h), so that a
   sweep, a hardness run or a truth is written once for both.  Tasks run
   largest predicted cost first, as a distributed farm hands them out, so
   that a run's order does not depend on where it runs.  */

#include "core/fga-impl.h"

#include <stdlib.h>

static int
local_is_master (const fga_farm *f)
{
  (void) f;
  return 1;
}

typedef struct
{
  double cost;
  size_t task;
} task_t;

static int
by_cost_desc (const void *a, const void *b)
{
  const task_t *x = a, *y = b;
  if (x->cost != y->cost)
    return x->cost > y->cost ? -1 : 1;
  return x->task < y->task ? -1 : x->task > y->task;   /* ties in task order */
}

static int
local_run (const fga_farm *f, size_t ntasks, const double *cost, fga_farm_compute_fn compute,
           fga_farm_deliver_fn deliver, void *data, fga_error *err)
{
  (void) f;
  size_t bytes;
  if (fgap_size_mul (&bytes, ntasks, sizeof (task_t)))
    return fgap_error_set (err, FGA_ERR_NOMEM, "fga_farm: %zu tasks are too many", ntasks);
  task_t *order = malloc (bytes > 0 ? bytes : 1);
  if (order == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "fga_farm: out of memory ordering %zu tasks",
                          ntasks);
  for (size_t t = 0; t < ntasks; t++)
    {
      order[t].task = t;
      order[t].cost = cost != NULL ? cost[t] : 0;
    }
  qsort (order, ntasks, sizeof *order, by_cost_desc);
  int rc = FGA_OK;
  for (size_t k = 0; k < ntasks && rc == FGA_OK; k++)
    {
      void *buf = NULL;
      size_t len = 0;
      rc = compute (order[k].task, &buf, &len, data, err);
      if (rc == FGA_OK)
        rc = deliver (order[k].task, buf, len, data, err);
      free (buf);
    }
  free (order);
  return rc;
}

/* One process: the master's bytes are already everybody's.  */
static int
local_share (const fga_farm *f, void **bytes, size_t *len, fga_error *err)
{
  (void) f;
  (void) bytes;
  (void) len;
  (void) err;
  return FGA_OK;
}

const fga_farm fga_farm_local = { local_is_master, local_run, local_share, NULL };

/* A process that cannot compute still enters the run, which is
   collective: one that stayed out would leave the master waiting for it.
   Its compute and deliver fail with its error (data), which so reaches
   the master (through the first task this process is given, or the first
   result it is to deliver) and stops the run.  */
static int
failed_compute (size_t task, void **bytes, size_t *len, void *data, fga_error *err)
{
  const fga_error *why = data;
  (void) task, (void) bytes, (void) len;
  return fgap_error_set (err, why->code, "%s", why->msg);
}

static int
failed_deliver (size_t task, const void *bytes, size_t len, void *data, fga_error *err)
{
  (void) bytes, (void) len;
  return failed_compute (task, NULL, NULL, data, err);
}

int
fgap_farm_run_failed (const fga_farm *farm, size_t ntasks, const double *cost, int code,
                      const fga_error *why)
{
  fga_error own, sub;
  fga_error_init (&sub);
  fgap_error_set (&own, code, "%s", why != NULL ? why->msg : "a process of the farm failed");
  return farm->run (farm, ntasks, cost, failed_compute, failed_deliver, &own, &sub);
}
