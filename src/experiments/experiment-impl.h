/* experiment-impl.h -- internals of the experiment layer */

#ifndef FGA_EXPERIMENT_IMPL_H
#define FGA_EXPERIMENT_IMPL_H

/* The least-squares slope of log v against log n over the points with both
   positive and finite; NaN with fewer than two such points or a single n.  */
double fgap_report_fit_exponent (const double *n, const double *v, size_t k);

#endif /* FGA_EXPERIMENT_IMPL_H */
