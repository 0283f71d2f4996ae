/* fgattn/analyzer.h -- the complexity analyzer: exact counts, memory, steps, depth

Copyright 2026 the fgattn authors.

This file is part of fgattn.  fgattn is free software: you can redistribute
it and/or modify it under the terms of the GNU General Public License as
published by the Free Software Foundation, either version 3 of the License,
or (at your option) any later version.  See COPYING.  */

#ifndef FGATTN_ANALYZER_H
#define FGATTN_ANALYZER_H

#include <gmp.h>
#include "fgattn/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* The complexity analyzer (src/analyzer/analyzer.c; theory/work-and-depth.md).

   For a mechanism and its sizes: exact operation counts by kind in GMP
   (never overflowing, n = 10^12 included); the matrix-product MACs and the
   scores from which the FLOP conventions of the tools are derived; peak
   working memory under a stated model; minimum sequential steps, maximum
   path length and depth as a fan-in-2 circuit.  The library only
   computes: nothing is printed.

   The mechanisms (fga_an_mech_at lists them):
     vanilla    exact, two passes (exact:algo=naive); causal allowed
     stream     exact, online softmax over key blocks (exact:algo=stream,block=B)
     window     the method window (w, causal)
     strided    the method strided (l, causal)
     dilated    the method dilated (w, r, alpha, levels, head, causal)
     fixed      the method fixed (l, c, causal)
     poly       the method poly with degree g
     rf         the method rf (m, kind)
     nystrom    the method nystrom with pinv=iter (m, iters, landmarks)
     mha        multi-head: Q, K, V, O projections of d x d, heads of d / heads
     recurrent  h_t = tanh (W h_{t-1} + U x_t), hidden size d
     conv       convolution of kernel k, d channels in and out; separable option
     linear     kernelised linear attention, feature dimension m; causal as a scan
     flash      FlashAttention's tiling for an on-chip memory of sram words
   and every other method of the registry (fgattn methods) whose class
   gives operation counts, by its name.  For the mechanisms a method runs
   (the first nine, and those), the operation counts are the method's own
   count hook's, equal to what it records in fga_stats when run
   (tests/methods/t-registry.c checks it on every method).  mech may also
   be the spec of such a method, "name:key=value,...": its parameters then
   take the place of the fields (exact:algo=naive is vanilla, window:w=8 is
   window with w = 8, ...), and a method no mechanism above models (e.g.
   exact:algo=blas) is counted alone: ops and work, the rest not modelled
   (fga_an_result.modelled = 0).  */

typedef struct
{
  const char *mech;            /* a name of fga_an_mech_at, or a method spec (above);
                                  not copied: it must outlive the spec's use */
  size_t nq, nk, d, dv;        /* nq = nk = n for the position-based mechanisms */
  int causal, lse;             /* lse: the log-sum-exp output asked for (as the methods' lse) */
  size_t heads;                /* mha: number of heads (divides d) */
  size_t block;                /* stream: keys per block, 0 for the kernel's 256 */
  size_t w, l, r, alpha, levels, head;   /* window, strided, dilated, fixed (fga_sparse_pattern) */
  size_t c;                    /* fixed: summary positions at the end of each block of l, 1..l */
  long g;                      /* poly: degree */
  size_t m;                    /* rf, nystrom, linear: features or landmarks */
  int rf_kind;                 /* fga_rf_kind */
  long iters;                  /* nystrom: iterations of the pseudo-inverse */
  int segment;                 /* nystrom: segment-mean landmarks */
  size_t k;                    /* conv: kernel width */
  int separable;               /* conv: depthwise then pointwise */
  size_t sram;                 /* flash: on-chip memory M in words (>= 4 d) */
} fga_an_spec;

typedef struct
{
  mpz_t ops[5];                /* mul, add, exp, div, cmp */
  mpz_t work;                  /* their sum */
  mpz_t macs;                  /* multiply-accumulates of the matrix products */
  mpz_t scores;                /* softmax entries (pairs scored); 0 when there is no softmax */
  mpz_t macs_dense, scores_dense;   /* the same without the causal mask */
  mpz_t mem_elems, mem_bytes;  /* peak working memory beyond the inputs and outputs */
  mpz_t steps;                 /* minimum sequential steps (Vaswani et al.'s column) */
  mpz_t path;                  /* maximum path length between two positions; 0 when there
                                  are no two, or when some position never reaches some
                                  other (window w = 0; fixed non-causal whose last block
                                  holds no summary position) */
  mpz_t depth;                 /* depth as a circuit of fan-in-2 operations */
  mpz_t traffic;               /* words moved between slow and fast memory (vanilla: the
                                  standard algorithm; flash: FlashAttention's); 0 if not modelled */
  const char *mem_model;       /* what mem_elems counts */
  const char *depth_model;     /* how depth was derived */
  char mech[1024];             /* the mechanism analyzed: its name, or the full spec of a
                                  method no mechanism models */
  int modelled;                /* 0: only ops and work are known (such a method) */
} fga_an_result;

/* Sets defaults: vanilla, sizes 0, heads 1, alpha 2, r 1, iters 6, k 3, sram 2^17, c 1.  */
void fga_an_spec_init (fga_an_spec *s);

/* The mechanisms, in the order above: the analyzer's, then the counted
   methods it has no model of, in the registry's order.  fga_an_mech_at
   returns NULL past the end; the names are static.  */
size_t fga_an_mech_count (void);
const char *fga_an_mech_at (size_t i);
/* 1 when mech is a mechanism's name or names a counted method ("name" or
   "name:..."; the parameters are checked when it is analyzed), else 0.  */
int fga_an_mech_known (const char *mech);
/* 1 when a method of fgattn runs mech (so that fgattn scaling can time it
   and its counts are the method's), else 0.  */
int fga_an_mech_runnable (const char *mech);
/* The names of the mechanisms (runnable != 0: those a method runs), as
   "vanilla, stream, ...", in buf (size bytes, cut if too short).  Returns buf.  */
const char *fga_an_mech_list (char *buf, size_t size, int runnable);
/* *out = s with out->mech the mechanism's name and, when s->mech is a
   method spec that a mechanism models, the fields read from its
   parameters (a method no mechanism models keeps its spec as mech).
   FGA_ERR_INPUT for an unknown mechanism or a bad method spec.  */
int fga_an_resolve (fga_an_spec *out, const fga_an_spec *s, fga_error *err);
/* The spec of the method that runs s, with every parameter that matters
   given (e.g. "window:w=64,causal=0"; a method no mechanism models: its
   full spec), in buf.  FGA_ERR_INPUT, with a message, when no method runs
   the mechanism, when causal is asked of a method without a causal form
   (the message names those with one), for poly with g = 0 (the method's
   deg=0 chooses the degree from the data), or when buf is too short.  */
int fga_an_method_spec (char *buf, size_t size, const fga_an_spec *s, fga_error *err);

void fga_an_result_init (fga_an_result *res);
void fga_an_result_clear (fga_an_result *res);
/* Fills res (initialised); refuses bad sizes and parameters with a message.  */
int fga_an_analyze (fga_an_result *res, const fga_an_spec *s, fga_error *err);

/* FLOP conventions, derived from res: each names the tools or papers that
   use it.  halve: for a causal spec, 0 counts the exact masked work, 1
   halves the dense count (FlashAttention benchmarks, Megatron), 2 counts
   the dense work (tools that ignore the mask).  */
typedef enum
{
  FGA_FLOP_MACS,               /* MACs only: fvcore, ptflops */
  FGA_FLOP_FLOP2,              /* 2 per MAC, softmax 0: torch.utils.flop_counter, fvcore x2, PaLM */
  FGA_FLOP_SOFTMAX3,           /* 2 per MAC + 3 per score: Chinchilla (Hoffmann et al. 2022) */
  FGA_FLOP_SOFTMAX5,           /* 2 per MAC + 5 per score: LLM-Viewer */
  FGA_FLOP_ALL,                /* every operation of every kind once: fgattn's own counts */
  FGA_FLOP_NCONV
} fga_flop_conv;
const char *fga_flop_conv_name (fga_flop_conv c);
const char *fga_flop_conv_source (fga_flop_conv c);
int fga_flop_conv_parse (const char *name);
void fga_an_flops (mpz_ptr out, const fga_an_result *res, fga_flop_conv c, int halve);
/* Brent's bound T_p <= ceil (W / p) + D with W = res->work, D = res->depth.  */
void fga_an_brent (mpz_ptr out, const fga_an_result *res, mpz_srcptr p);

/* The rows of a paper's complexity table, as specs derived from base
   (its n, d, dv, and: vaswani's kernel base->k and neighbourhood
   base->w, the restricted attention's radius being w / 2; longnet's
   base->w as w_0 and base->alpha), each with the paper's asymptotic
   classes.  name is "vaswani" (Vaswani et al. 2017, Table 1) or "longnet"
   (Ding et al. 2023, Table 1).  Returns the number of rows written (at
   most max), 0 for an unknown name.  */
typedef struct
{
  fga_an_spec spec;
  const char *label, *complexity, *steps_class, *path_class;
} fga_an_row;
size_t fga_an_table (fga_an_row *rows, size_t max, const char *name, const fga_an_spec *base);

/* The online softmax as a reduction (`fgattn analyze --depth'): each score
   becomes a state (m, l, o) = (s_j, 1, v_j) at the depth S = c(d) + 2 of a
   score; two states merge in 5 levels (max; subtract and exp; multiply;
   add); chunks of `chunk' keys (0: all nk) are reduced as trees, in
   parallel, and the chunks' states merged in sequence, then one division:
     depth = S + 5 c(min (chunk, nk)) + 5 (ceil (nk / chunk) - 1) + 1,
   with c(x) = ceil (log2 x).  mem: the states alive at once over all nq
   queries, nq (min (chunk, nk) + [chunk < nk]) (dv + 2) elements.  */
void fga_an_online_tree (mpz_ptr depth, mpz_ptr mem, size_t nq, size_t nk, size_t d,
                         size_t dv, size_t chunk);

#ifdef __cplusplus
}
#endif

#endif /* FGATTN_ANALYZER_H */
