/* sparse-impl.h -- the key runs of a sparse pattern (the kernel and the tests) */

#ifndef FGA_SPARSE_IMPL_H
#define FGA_SPARSE_IMPL_H

/* Keys start + a step + t for a < count and t < width, in that order (a
   outer): count stretches of width consecutive keys, step apart (width = 1
   is the progression start, start + step, ...; width <= step when
   count > 1), attended in group number `group' of their query (groups
   numbered from 0).  */
typedef struct
{
  size_t start, step, count;
  unsigned group;
  size_t width;
} fgap_sparse_run;

/* The keys of query i < n as at most FGA_SPARSE_MAX_RUNS runs, in the order
   they are attended (a group's runs are consecutive; no run is empty);
   returns the number of runs.  fixed gives at most 4, in increasing order
   of key with no key twice, whatever n / l.  */
size_t fgap_sparse_runs (fgap_sparse_run *runs, const fga_sparse_pattern *p, size_t i);

#endif /* FGA_SPARSE_IMPL_H */
