/* fgattn.h -- public interface of libfgattn, the fine-grained complexity of softmax attention

Copyright 2026 the fgattn authors.

This file is part of fgattn.  fgattn is free software: you can redistribute
it and/or modify it under the terms of the GNU General Public License as
published by the Free Software Foundation, either version 3 of the License,
or (at your option) any later version.  See COPYING.  */

#ifndef FGATTN_H
#define FGATTN_H

/* The whole interface, one module header each.  A program that only runs
   methods on doubles may include just the modules it uses: fgattn/core.h,
   fgattn/io.h, fgattn/numerics.h and fgattn/method.h need neither gmp.h
   nor mpfr.h; fgattn/mpfr.h and fgattn/analyzer.h bring them in.

     fgattn/core.h        errors, allocation, matrices, tau, stats, problems, atomic files
     fgattn/io.h          NPY files and instances
     fgattn/numerics.h    metrics, exact kernels, exp approximation degrees, sparse
                          patterns, random features, low rank, power-law fits
     fgattn/mpfr.h        MPFR matrices, the certified ground truth, polynomial
                          coefficients and exact operation counts (GMP, MPFR)
     fgattn/method.h      the method interface and its registry
     fgattn/experiment.h  sweeps, reports, mechanisms timed in n
     fgattn/analyzer.h    the complexity analyzer (GMP)
     fgattn/reduction.h   gap Hamming instances, the reduction, the hardness experiment  */

#include "fgattn/core.h"
#include "fgattn/io.h"
#include "fgattn/numerics.h"
#include "fgattn/mpfr.h"
#include "fgattn/method.h"
#include "fgattn/analyzer.h"
#include "fgattn/experiment.h"
#include "fgattn/reduction.h"

#endif /* FGATTN_H */
