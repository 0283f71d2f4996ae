/* testutil.h -- helpers shared by the Check suites: seeds, ulp assertions, a slow reference */

#ifndef FGA_TESTUTIL_H
#define FGA_TESTUTIL_H

#include <sys/types.h>
#include <check.h>
#include "fgattn.h"
#include "fga-private.h"

/* The seed of the random cases: FGATTN_TEST_SEED from the environment, or a
   fixed default.  Printed by fga_test_seed_banner so that a failing run can
   be repeated.  */
unsigned long fga_test_seed (void);

/* Asserts |got - want| <= ulps * ulp(want) + abs_tol, printing both values,
   the distance in ulps and the seed when it fails.  */
#define ck_assert_close(got, want, ulps, abs_tol) \
  fga_test_assert_close ((got), (want), (ulps), (abs_tol), __FILE__, __LINE__, #got)
void fga_test_assert_close (double got, double want, double ulps, double abs_tol,
                            const char *file, int line, const char *expr);

/* The obvious attention loop in MPFR at precision prec with tau the given
   double, rounded to nearest at the end: a slow reference independent of
   every kernel of the library (no max subtraction, no blocking, no error
   bound; at prec >= 200 and moderate sizes its doubles are correctly rounded
   except in the rarest near-ties).  lse may be NULL.  */
void fga_test_ref_attention (fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                             fga_mat_srcptr V, double tau, mpfr_prec_t prec);

/* Fills M with entries uniform in [-B, B] from a simple xorshift generator
   (independent of the library's generator). */
void fga_test_fill_uniform (fga_mat_ptr M, double B, unsigned long *state);

/* A method made from spec and prepared for prob; the test fails if either
   step does.  The caller destroys it.  */
fga_method fga_test_make_method (const char *spec, const fga_problem *prob);

/* A problem of the given shape with tau the given number, R unknown (+Inf)
   and B = Bv = 1.  */
void fga_test_problem (fga_problem *p, size_t nq, size_t nk, size_t d, size_t dv, double tau);

/* The plain dot product sum_k a_k b_k.  */
double fga_test_dot (const double *a, const double *b, size_t n);

/* The number of entries in a folder, . and .. not counted.  */
size_t fga_test_count_entries (const char *dir);

/* An accuracy from its text (fga_accuracy_parse); the test fails if the
   text is not one.  */
fga_accuracy fga_test_accuracy (const char *text);

/* The small sweep of the sweep tests, made in code: n = n0 and 2 n0, d
   fixed, beta = b0 and 1 (the default law), seeds 1 .. nseeds, the MPFR
   truth and the rank at both n, the rank at the tolerance 1/n, and two
   methods: exact (exact:algo=naive, no size) and poly (poly:basis=cheb at
   deg 2 and 4, its least degree for the accuracy target searched up to
   max_deg).  */
void fga_test_sweep_config (fga_sweep_config *cfg, size_t n0, size_t d, double b0,
                            size_t nseeds, const char *target, double max_deg);

/* Temporary folders.  fga_test_tmpdir makes a new empty folder
   /tmp/NAME-XXXXXX (mkdtemp); the test fails if it cannot.  The caller
   frees the path, or fga_test_tmpdir_remove does: it removes the files
   names (a NULL-terminated list; those missing are passed over) from dir,
   fails the test if dir then holds anything else (a file the code under
   test was not to write), and removes dir.  */
char *fga_test_tmpdir (const char *name);
void fga_test_tmpdir_remove (char *dir, const char *const *names);

/* Writes text as the whole of the file path; the test fails if it cannot.  */
void fga_test_write_text (const char *path, const char *text);

/* Removes path and everything below it (links not followed), as rm -rf
   does: 0, or -1 with errno set when something could not be removed.  */
int fga_test_remove_tree (const char *path);

/* A CSV file as lines and fields (RFC 4180 quotes understood): line[r] is
   row r as written (the header is row 0), field[r][f] its fields unquoted.
   fga_test_csv_read fails the test when the file is missing, has a partial
   last line, more than 512 lines, more than 32 fields in a line, or a row
   whose count of fields is not the header's.  */
#define FGA_TEST_CSV_ROWS 512
#define FGA_TEST_CSV_FIELDS 32
typedef struct
{
  size_t nrows, ncols;
  char *line[FGA_TEST_CSV_ROWS];
  char *field[FGA_TEST_CSV_ROWS][FGA_TEST_CSV_FIELDS];
} fga_test_csv;
void fga_test_csv_read (fga_test_csv *t, const char *path);
void fga_test_csv_free (fga_test_csv *t);
/* The index of the column named name; the test fails if there is none.  */
int fga_test_csv_col (const fga_test_csv *t, const char *name);
/* The lines of t, each ended by a newline and with its last cut fields cut
   off (no line may quote a comma in them), the rows after the header in
   strcmp order when sort (so that files written in different orders
   compare equal); the caller frees it.  */
char *fga_test_csv_text (const fga_test_csv *t, int cut, int sort);

/* Fakes of fgattn-mpi's farms (fga_farm in fgattn/core.h).

   The reverse farm runs every task in this process, in reverse order of
   index, and checks that each predicted cost is positive (and, with
   need_cost, that costs are given); with stop_after < SIZE_MAX, a run
   stops after that many deliveries with FGA_ERR_IO "interrupted", as a
   killed run does.  */
typedef struct
{
  size_t stop_after;           /* deliveries of a run before it stops; SIZE_MAX: none */
  int need_cost;               /* a run given no costs fails the test */
  size_t ntasks;               /* the tasks of the last run */
  size_t delivered;            /* the deliveries of every run so far */
} fga_test_reverse_farm;
fga_farm fga_test_reverse_farm_make (fga_test_reverse_farm *c);

/* The pipe farm is two processes joined by pipes: the test's, the master,
   and a fork()ed worker that calls worker (farm, cfg, dir, err) -- the run
   of configuration cfg into folder dir, as the master's, on the farm -- and
   reports its status and message.
   share sends the master's bytes to the worker; the master computes and
   delivers the even tasks, the worker computes the odd ones and ships each
   back (its index, its status, then its bytes or the message of its
   failure), which the master delivers after its own (a worker's failure:
   its status and "worker: " and its message).  Task fail_task (SIZE_MAX:
   none), in either process, fails with FGA_ERR_COMPUTE "injected failure".
   fga_test_pipe_farm_start forks the worker and fills farm for the master:
   call it first thing in a test, before the test's process runs any kernel
   (a fork()ed child cannot use the parent's OpenMP threads); the worker
   runs and ends within the call.
   fga_test_pipe_farm_finish, once the master's run has returned, waits for
   the worker and returns its status (-1 when it sent none), its message in
   msg (the test fails if the message does not fit in size bytes or the
   worker did not exit with status 0).
   With linger, the worker, its run over, keeps its ends of the pipes open
   until the master calls finish, as fgattn-mpi's ranks stay until the end
   of the command: a master that waits in its run for a worker that never
   entered its own then waits for ever (the test case's time limit tells),
   where without linger the worker's exit would end the wait.  */
typedef int (*fga_test_worker_fn) (const fga_farm *farm, const void *cfg, const char *dir,
                                   fga_error *err);
typedef struct
{
  int plan[2];                 /* master -> worker: what share sends */
  int back[2];                 /* worker -> master: the worker's tasks */
  int report[2];               /* worker -> test: its status and message */
  size_t fail_task;            /* the task that fails (SIZE_MAX: none) */
  pid_t pid;                   /* the worker's in the master, 0 in the worker */
  int linger;                  /* the worker stays until the master's finish */
} fga_test_pipe_farm;
void fga_test_pipe_farm_start (fga_test_pipe_farm *c, fga_farm *farm, fga_test_worker_fn worker,
                               const void *cfg, const char *dir);
int fga_test_pipe_farm_finish (fga_test_pipe_farm *c, char *msg, size_t size);

/* A test case that states its own time limit: each of its tests (each run
   of a loop test) is stopped and failed after seconds, times
   CK_TIMEOUT_MULTIPLIER (3 in .ci/run, 9 under the sanitizers there).
   Every case of the suite is made here, never with Check's default of 4 s,
   which a test of a second fails on a loaded machine: seconds is at least
   ten times the case's time on an idle machine.  */
TCase *fga_test_tcase (const char *name, double seconds);

/* A Check runner over one suite with CK_ENV-respecting output; returns the
   exit status for main.  */
int fga_test_run_suite (Suite *s);

/* fga_test_run_suite with *dir a new folder /tmp/NAME-XXXXXX, made before
   the run (the exit status 99, a hard error, with a message naming it when
   that fails) and removed with all it holds after (a message when that
   fails); NAME begins the messages.  */
int fga_test_run_suite_in_tmpdir (Suite *s, const char *name, char **dir);

#endif
