/* fga-private.h -- every internal header of libfgattn, for the tests

   The tests reach internals that the library does not export (fgap_*: the
   monomial walk, sparse key runs, random-feature and TensorSketch rows, the
   pseudo-inverses, ...), as GMP's tests include gmp-impl.h.  They link the
   convenience library src/libfgattn-all.la, which holds every symbol.
   Not installed; the library's own sources include only what they use.  */

#ifndef FGA_PRIVATE_H
#define FGA_PRIVATE_H

#include "core/fga-impl.h"
#include "kernels/attention-util.h"
#include "kernels/sparse-impl.h"
#include "numerics/expfit-impl.h"
#include "numerics/monomial-impl.h"
#include "methods/method-impl.h"
#include "reduction/reduction-impl.h"

#endif /* FGA_PRIVATE_H */
