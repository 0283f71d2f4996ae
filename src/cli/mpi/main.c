/* fgattn-mpi -- fgattn's long commands (sweep, hardness, truth, rank) spread over MPI ranks

   Every rank runs the same command with the same arguments; the commands
   hand their independent tasks to cli_farm, which here is the MPI farm
   (mpi_farm.c), and only the master (rank 0) writes files and prints.  The
   other ranks' standard output is dropped and their standard error kept
   aside, shown by the master only when such a rank fails alone.  The exit
   status is the same on every rank.  */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "mpi_farm.h"

const fga_farm *cli_farm = NULL;

static const char manual[] =
  "NAME\n"
  "    fgattn-mpi - fgattn's sweeps, hardness runs, ground truths and ranks on MPI\n"
  "\n"
  "SYNOPSIS\n"
  "    mpirun -np P fgattn-mpi sweep CONFIG [-o DIR] [OPTIONS]\n"
  "    mpirun -np P fgattn-mpi hardness [CONFIG] [-o DIR] [OPTIONS]\n"
  "    mpirun -np P fgattn-mpi truth -i DIR [-o OUT.npy] [OPTIONS]\n"
  "    mpirun -np P fgattn-mpi rank -i DIR [OPTIONS]\n"
  "    fgattn-mpi --help | --version | help COMMAND\n"
  "\n"
  "DESCRIPTION\n"
  "    The commands sweep, hardness, truth and rank of fgattn, with the same\n"
  "    arguments and options (fgattn-mpi help COMMAND lists them), their\n"
  "    independent tasks spread over the P processes: the cells of a sweep,\n"
  "    the steps of a hardness run, blocks of rows of a ground truth, blocks\n"
  "    of rows and of keys of each pass of the randomized rank over P (its\n"
  "    sketch stays on rank 0; --algo dense runs on rank 0 alone).  The\n"
  "    numbers are fgattn's (a ground truth's and a randomized rank's bit\n"
  "    for bit); the timings, the order in which tasks finish, and so the\n"
  "    progress line, differ.\n"
  "\n"
  "    Rank 0, the master, hands out the tasks, largest predicted cost\n"
  "    first, keeps two on their way to each other rank so that none waits,\n"
  "    computes the smallest ones itself between its rounds, and alone\n"
  "    writes files and prints.  The other ranks print nothing; when one of\n"
  "    them fails, the master prints its messages.  -np 1 runs everything in\n"
  "    the master.\n"
  "\n"
  "    Every rank reads the inputs (the configuration, the instance) from\n"
  "    the same paths: run on a shared file system, or one machine.  Each\n"
  "    rank runs its tasks with OpenMP threads: with R ranks on a machine\n"
  "    of C cores, give each C/R threads (mpirun -x OMP_NUM_THREADS=2 ...)\n"
  "    and let them use the cores (Open MPI binds a rank to one core by\n"
  "    default: --bind-to none, or --map-by slot:pe=2).\n"
  "\n"
  "    An interrupted sweep or hardness run resumes, with fgattn or\n"
  "    fgattn-mpi and any number of ranks, from the files already written.\n"
  "\n"
  "EXAMPLES\n"
  "    mpirun -np 4 fgattn-mpi sweep transition -o out\n"
  "    mpirun -np 8 --hostfile hosts fgattn-mpi truth -i inst -o truth.npy\n"
  "    mpirun -np 4 fgattn-mpi rank -i big --algo randomized --tol 1e-3,1/n\n"
  "\n"
  "EXIT STATUS\n"
  "    The same on every rank: 0 success, 1 a computation failed (on any\n"
  "    rank), 2 bad usage or bad input.\n"
  "\n"
  "SEE ALSO\n"
  "    fgattn(1), mpirun(1)\n";

/* Their lines of the overview are the manual's.  */
static const cli_command_t commands[] = {
  { "sweep", cli_sweep, NULL }, { "hardness", cli_hardness, NULL }, { "truth", cli_truth, NULL },
  { "rank", cli_rank, NULL },
};

static void
overview (FILE *out)
{
  fputs (manual, out);
}

static int
no_command (const char *name)
{
  fprintf (stderr, "fgattn-mpi: no command '%s' (it runs sweep, hardness, truth and rank)\n"
           "try fgattn-mpi --help\n", name);
  return CLI_USAGE;
}

static const cli_program_t program = {
  "fgattn-mpi", commands, sizeof commands / sizeof commands[0], overview, no_command
};

/* A worker's standard output and error go to temporary files; standard
   error is read back at the end.  Returns the file of standard error, or
   NULL (then the worker prints as it goes).  */
static FILE *
silence (void)
{
  FILE *out = tmpfile (), *errf = tmpfile ();
  fflush (stdout);
  fflush (stderr);
  if (out != NULL)
    {
      dup2 (fileno (out), STDOUT_FILENO);
      fclose (out);            /* the file lives on as descriptor 1 */
    }
  if (errf != NULL)
    dup2 (fileno (errf), STDERR_FILENO);
  return errf;
}

/* The last bytes of a worker's standard error (what the master may show).  */
static size_t
read_back (FILE *errf, char *buf, size_t size)
{
  fflush (stderr);
  if (errf == NULL || fseek (errf, 0, SEEK_END) != 0)
    return 0;
  long end = ftell (errf);
  long from = end > (long) size ? end - (long) size : 0;
  if (end < 0 || fseek (errf, from, SEEK_SET) != 0)
    return 0;
  return fread (buf, 1, (size_t) (end - from), errf);
}

int
main (int argc, char **argv)
{
  int provided = 0, rank = 0;
  MPI_Init_thread (&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank (MPI_COMM_WORLD, &rank);
  if (provided < MPI_THREAD_FUNNELED)
    {
      /* Every rank gets the same answer, so every rank stops here.  */
      if (rank == 0)
        fprintf (stderr, "fgattn-mpi: the MPI library gives no thread support (%d); the tasks "
                 "run OpenMP threads and need MPI_THREAD_FUNNELED\n", provided);
      MPI_Finalize ();
      return CLI_FAILED;
    }
  FILE *errf = rank != 0 ? silence () : NULL;

  fga_farm farm;
  fga_error err;
  fga_error_init (&err);
  if (cli_mpi_farm_init (&farm, MPI_COMM_WORLD, &err) != FGA_OK)
    {
      fprintf (stderr, "fgattn-mpi: %s\n", err.msg);
      MPI_Abort (MPI_COMM_WORLD, CLI_FAILED);  /* the other ranks would wait for this one */
    }
  cli_farm = &farm;
  int status = cli_dispatch (&program, argc, argv);
  fflush (stdout);

  static char text[4096];
  size_t len = rank != 0 ? read_back (errf, text, sizeof text) : 0;
  status = cli_mpi_farm_finish (&farm, status, text, len);
  cli_farm = NULL;
  cli_mpi_farm_clear (&farm);
  if (errf != NULL)
    fclose (errf);
  MPI_Finalize ();
  return status;
}
