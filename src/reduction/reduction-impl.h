/* reduction-impl.h -- internals of the reduction layer */

#ifndef FGA_REDUCTION_IMPL_H
#define FGA_REDUCTION_IMPL_H

/* m and t of the hardness configuration at a size n (and m).  */
size_t fgap_hardness_m_of (const fga_hardness_config *cfg, size_t n);
size_t fgap_hardness_t_of (const fga_hardness_config *cfg, size_t m);

#endif /* FGA_REDUCTION_IMPL_H */
