/* mpi_farm.h -- the farm of fgattn-mpi: tasks spread over the ranks of an MPI communicator */

#ifndef FGA_CLI_MPI_FARM_H
#define FGA_CLI_MPI_FARM_H

#include <mpi.h>
#include "fgattn.h"

/* Fills farm with the MPI farm on comm (MPI already initialised, with at
   least MPI_THREAD_FUNNELED: every MPI call is made from the thread that
   calls run and share).  Rank 0 is the master.  FGA_OK, or FGA_ERR_NOMEM.  */
int cli_mpi_farm_init (fga_farm *farm, MPI_Comm comm, fga_error *err);

/* The end of a command, on every rank, after its last farm call: wakes the
   ranks still waiting in a farm call (they return an error), empties the
   channels, and returns the exit status every rank agrees on (the largest
   of all ranks').  A worker passes what it would have printed on stderr
   (text, len); the master prints, on its stderr, the text of every worker
   that failed while the master itself succeeded (otherwise the master's
   own message already tells), so that no failure exits silently.  */
int cli_mpi_farm_finish (fga_farm *farm, int status, const char *text, size_t len);

void cli_mpi_farm_clear (fga_farm *farm);

#endif
