/* fga_threads -- how many threads a kernel may use, OpenBLAS held at one thread meanwhile, FFTW's planner lock */

#include "core/fga-impl.h"

#include <pthread.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* omp_get_max_threads answers the nthreads ICV even where a nested region
   would get one thread only (inside a sweep's cells run in parallel, with
   nesting off): a kernel that sizes per-thread buffers by it and combines
   them afterwards would read buffers no thread wrote.  So the kernels ask
   here: one thread when no further level of parallelism is active.  */
int
fgap_max_threads (void)
{
#ifdef _OPENMP
  if (omp_get_active_level () >= omp_get_max_active_levels ())
    return 1;
  return omp_get_max_threads ();
#else
  return 1;
#endif
}

/* OpenBLAS threads each dgemm with a pool of its own.  Alternating that pool
   with OpenMP's makes both spin against each other on a small machine (a
   five-fold slowdown measured on two cores), and the bits of a product
   depend on how OpenBLAS splits it.  So the kernels let each OpenMP thread
   take whole blocks and ask OpenBLAS for one thread meanwhile.  The setting
   is global to the process: one counter for every kernel, so that the
   first to enter saves it and the last to leave restores it, whichever
   kernels overlap.  The functions are weak so that a CBLAS other than
   OpenBLAS still links (then nothing is done).  */
#pragma weak openblas_set_num_threads
#pragma weak openblas_get_num_threads
extern void openblas_set_num_threads (int);
extern int openblas_get_num_threads (void);

static int blas_users, blas_saved;

void
fgap_blas_single_enter (void)
{
  fgap_blas_ready ();
  if (openblas_get_num_threads == NULL || openblas_set_num_threads == NULL)
    return;
#pragma omp critical (fga_openblas_threads)
  if (blas_users++ == 0)
    {
      blas_saved = openblas_get_num_threads ();
      openblas_set_num_threads (1);
    }
}

void
fgap_blas_single_leave (void)
{
  if (openblas_get_num_threads == NULL || openblas_set_num_threads == NULL)
    return;
#pragma omp critical (fga_openblas_threads)
  if (--blas_users == 0)
    openblas_set_num_threads (blas_saved);
}

/* FFTW's planner keeps global state (its wisdom, its table of solvers) and
   is not thread-safe: only fftw_execute_* may run in several threads at
   once (FFTW manual, section "Thread safety").  Methods plan in prepare,
   and a sweep prepares methods in cells run in parallel, so every plan and
   every destroy of the library goes through this one mutex.  A mutex
   rather than an OpenMP critical section: the lock and the unlock are in
   different functions, and callers may use other threads than OpenMP's.  */
static pthread_mutex_t fftw_mutex = PTHREAD_MUTEX_INITIALIZER;

void
fgap_fftw_lock (void)
{
  pthread_mutex_lock (&fftw_mutex);
}

void
fgap_fftw_unlock (void)
{
  pthread_mutex_unlock (&fftw_mutex);
}
