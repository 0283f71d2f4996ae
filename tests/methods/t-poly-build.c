/* t-poly-build -- the vectorised monomial builders of method poly give the same bits

   The builders of src/methods/poly_build.c (baseline, AVX2, AVX-512, each
   reading Q or K transposed) must give exactly the bits of the scalar
   builder that reads X in place, entry by entry, and poly's output must
   be the same bits whatever FGATTN_ISA selects.  Expected values come from
   an independent route: each monomial is x_{s1} x_{s2} ... x_{sk} in
   double, multiplied left to right along the variables of its multi-index
   as the walk of numerics/monomial.c lists them (each product rounded
   once: the builders' one product per entry, on the parent's value, is
   that very sequence), and the transposition is checked against the
   matrix read directly.  */

#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
# include <omp.h>
#endif

#include "testutil.h"
#include "core/fga-impl.h"
#include "core/mpfr-impl.h"
#include "numerics/monomial-impl.h"
#include "methods/poly_impl.h"
#include "kernels/attention-util.h"

/* The depth-first tables, as poly.c makes them, and the variables of each
   multi-index (row t: seq[t g .. t g + dep[t])).  */
typedef struct
{
  size_t r;
  long g;
  uint16_t *dep;
  uint32_t *var;
  unsigned *seq;
} tables_t;

static void
tables_init (tables_t *tb, size_t d, long g)
{
  fga_error err;
  fgap_monomial_walk w;
  ck_assert_msg (fga_monomial_count (&tb->r, d, g, &err) == FGA_OK, "%s", err.msg);
  ck_assert_msg (fgap_monomial_walk_init (&w, d, g, &err) == FGA_OK, "%s", err.msg);
  tb->g = g;
  tb->dep = calloc (tb->r, sizeof *tb->dep);
  tb->var = calloc (tb->r, sizeof *tb->var);
  tb->seq = calloc (tb->r * (size_t) (g + 1), sizeof *tb->seq);
  ck_assert (tb->dep != NULL && tb->var != NULL && tb->seq != NULL);
  size_t t = 0;
  do
    {
      tb->dep[t] = (uint16_t) w.k;
      tb->var[t] = w.k > 0 ? w.seq[w.k - 1] : 0;
      for (long j = 0; j < w.k; j++)
        tb->seq[t * (size_t) (g + 1) + (size_t) j] = w.seq[j];
      t++;
    }
  while (fgap_monomial_walk_next (&w));
  fgap_monomial_walk_clear (&w);
  ck_assert_uint_eq (t, tb->r);
}

static void
tables_clear (tables_t *tb)
{
  free (tb->dep);
  free (tb->var);
  free (tb->seq);
}

/* The monomial t at row i of X (n x d, row-major), left to right.  */
static double
monomial (const tables_t *tb, size_t t, const double *X, size_t d, size_t i)
{
  const unsigned *s = tb->seq + t * (size_t) (tb->g + 1);
  if (tb->dep[t] == 0)
    return 1;
  double v = X[i * d + s[0]];
  for (unsigned j = 1; j < tb->dep[t]; j++)
    v *= X[i * d + s[j]];
  return v;
}

/* Entries with every kind of magnitude: uniform in [-2, 2], some tiny (the
   products underflow to subnormals and zero), some huge (they overflow to
   infinities), zeros of both signs.  */
static void
fill (double *X, size_t count, unsigned long *state)
{
  for (size_t k = 0; k < count; k++)
    {
      *state ^= *state << 13;
      *state ^= *state >> 7;
      *state ^= *state << 17;
      double u = (double) (*state >> 11) * 0x1p-53 * 4 - 2;
      switch (*state % 16)
        {
        case 0: u = ldexp (u, -300); break;
        case 1: u = ldexp (u, 300); break;
        case 2: u = (*state & 32) ? 0.0 : -0.0; break;
        default: break;
        }
      X[k] = u;
    }
}

typedef struct
{
  size_t n, d;
  long g;
  size_t cb, tr;               /* columns per block, rows per tile */
} shape_t;

static const shape_t shapes[] = {
  { 300, 4, 7, 256, 128 }, { 257, 8, 5, 37, 64 }, { 100, 1, 12, 5, 100 }, { 513, 3, 9, 256, 77 },
  { 64, 16, 2, 153, 64 }, { 1000, 6, 4, 1000, 211 }, { 129, 2, 1, 3, 9 }, { 90, 5, 0, 256, 90 }
};

/* The builders that this processor runs: baseline, then AVX2 and AVX-512
   where fgap_attn_isa has them.  */
static size_t
builders (fgap_poly_tile_fn *fn, int *isa)
{
  size_t m = 0;
  int best = fgap_attn_isa ();
  const int all[3] = { FGA_ISA_GENERIC, FGA_ISA_AVX2, FGA_ISA_AVX512 };
  for (int k = 0; k < 3; k++)
    if (all[k] <= best)
      {
        isa[m] = all[k];
        fn[m++] = fgap_poly_tile_select (all[k]);
      }
  return m;
}

/* Every block and tile of one side, built by the scalar builder and by
   each variant, each with its own stack of ancestors: the tiles, the
   stacks and the counts agree bit for bit, and the tiles are the
   monomials computed left to right.  */
START_TEST (test_tiles)
{
  const shape_t *sh = &shapes[_i];
  const size_t n = sh->n, d = sh->d;
  unsigned long state = fga_test_seed () + 77 * (unsigned long) _i + 1;
  tables_t tb;
  tables_init (&tb, d, sh->g);
  const size_t cb = sh->cb < tb.r ? sh->cb : tb.r, anc_cols = sh->g > 1 ? (size_t) sh->g - 1 : 0;
  enum { NV = 4 };             /* the scalar builder and up to three variants */
  fgap_poly_tile_fn fn[3];
  int isa[3];
  size_t nv = 1 + builders (fn, isa);
  double *X = malloc (n * d * sizeof (double)), *Xt = malloc (n * d * sizeof (double));
  double *buf[NV], *stack[NV];
  const double *anc[NV][64];
  ck_assert (X != NULL && Xt != NULL && sh->g < 64);
  for (size_t v = 0; v < nv; v++)
    {
      buf[v] = malloc (cb * sh->tr * sizeof (double));
      /* zeros: the degrees a block does not reach stay equal in every stack */
      stack[v] = calloc (anc_cols * FGAP_POLY_STACK_LD (n) + 1, sizeof (double));
      ck_assert (buf[v] != NULL && stack[v] != NULL);
    }
  fill (X, n * d, &state);
  fgap_poly_transpose (Xt, X, n, d, 2);
  for (size_t i = 0; i < n; i++)
    for (size_t l = 0; l < d; l++)
      ck_assert (memcmp (&Xt[l * n + i], &X[i * d + l], sizeof (double)) == 0);

  const fgap_poly_feat f = { tb.dep, tb.var, tb.g };
  for (size_t c0 = 0; c0 < tb.r; c0 += cb)
    {
      const size_t cbb = tb.r - c0 < cb ? tb.r - c0 : cb;
      uint64_t want_mul = 0;
      for (size_t c = 0; c < cbb; c++)
        want_mul += tb.dep[c0 + c] >= 2;
      for (size_t i0 = 0; i0 < n; i0 += sh->tr)
        {
          const size_t len = n - i0 < sh->tr ? n - i0 : sh->tr;
          uint64_t m0 = fgap_poly_tile_scalar (buf[0], sh->tr, X, d, stack[0], n, i0, len, &f,
                                               c0, cbb, anc[0]);
          ck_assert_uint_eq (m0, want_mul * len);
          for (size_t c = 0; c < cbb; c++)
            for (size_t i = 0; i < len; i++)
              {
                double want = monomial (&tb, c0 + c, X, d, i0 + i);
                double got = buf[0][c * sh->tr + i];
                ck_assert_msg (memcmp (&got, &want, sizeof got) == 0
                               || (isnan (got) && isnan (want)),
                               "shape %d: feature %zu, row %zu: %a, left to right %a", _i,
                               c0 + c, i0 + i, got, want);
              }
          for (size_t v = 1; v < nv; v++)
            {
              uint64_t m = fn[v - 1] (buf[v], sh->tr, Xt, stack[v], n, i0, len, &f, c0, cbb,
                                      anc[v]);
              ck_assert_uint_eq (m, m0);
              for (size_t c = 0; c < cbb; c++)
                ck_assert_msg (memcmp (buf[v] + c * sh->tr, buf[0] + c * sh->tr,
                                       len * sizeof (double)) == 0,
                               "shape %d, isa %d: feature column %zu of rows %zu.. differs "
                               "from the scalar builder's", _i, isa[v - 1], c0 + c, i0);
            }
        }
      for (size_t v = 1; v < nv; v++)
        ck_assert_msg (memcmp (stack[v], stack[0], anc_cols * FGAP_POLY_STACK_LD (n) * sizeof (double)) == 0,
                       "shape %d, isa %d: the ancestors after block %zu differ", _i,
                       isa[v - 1], c0);
    }
  for (size_t v = 0; v < nv; v++)
    {
      free (buf[v]);
      free (stack[v]);
    }
  free (X);
  free (Xt);
  tables_clear (&tb);
}
END_TEST

/* The same bits, or both NaN (the fill overflows some monomials).  */
static int
same (double a, double b)
{
  return memcmp (&a, &b, sizeof a) == 0 || (isnan (a) && isnan (b));
}

/* The products of poly_accum.c, which build the tile themselves, on every
   block and tile of one side, for every instruction set here: the stack
   of ancestors after each tile is the scalar builder's, and the sums are
   the sequence poly_accum.c states, computed here one scalar fma at a time
   from the scalar builder's features:
   - keys: lane l of entry (c, col) takes the terms j = l mod 8 (counted
     from the tile's first row) in increasing j across the block's tiles,
     from zero, a partial strip adding fma (0, 0, lane); then
     ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7));
   - queries: entry (i, col) is the chain over the block's features of
     fma (F[c][i], M[c][col], .), from the entry (beta) or zero.
   with dv = 4 and dv = 1.  */
START_TEST (test_products)
{
  const shape_t *sh = &shapes[_i / 2];
  const size_t n = sh->n, d = sh->d, dv = _i % 2 ? 1 : 4, dw = dv + 1;
  unsigned long state = fga_test_seed () + 31 * (unsigned long) _i + 5;
  tables_t tb;
  tables_init (&tb, d, sh->g);
  const size_t cb = sh->cb < tb.r ? sh->cb : tb.r, anc_cols = sh->g > 1 ? (size_t) sh->g - 1 : 0;
  const size_t ld = sh->tr + 3, nb = anc_cols + d;
  const size_t sbytes = (anc_cols * FGAP_POLY_STACK_LD (n) + 1) * sizeof (double);
  double *X = malloc (n * d * sizeof (double)), *Xt = malloc (n * d * sizeof (double));
  double *Wt = malloc (dw * n * sizeof (double)), *ones = malloc (sh->tr * sizeof (double));
  double *buf0 = malloc (cb * sh->tr * sizeof (double)), *buf = malloc (nb * ld * sizeof (double));
  double *stack0 = calloc (1, sbytes), *stack = calloc (1, sbytes);
  double *P0 = malloc (cb * dw * 8 * sizeof (double)), *P = malloc (cb * dw * 8 * sizeof (double));
  double *M = malloc (cb * dw * sizeof (double)), *M0 = malloc (cb * dw * sizeof (double));
  double *T0 = malloc ((n * dv + n) * sizeof (double)), *T = malloc ((n * dv + n) * sizeof (double));
  const double *src[3 * 1000], *anc0[64], *anc[64];
  ck_assert (X && Xt && Wt && ones && buf0 && buf && stack0 && stack && P0 && P && M && M0 && T0
             && T && cb <= 1000);
  fgap_poly_tile t = { src, src + cb, (double **) (src + 2 * cb) };
  fill (X, n * d, &state);
  fill (Wt, dv * n, &state);
  for (size_t j = 0; j < n; j++)
    Wt[dv * n + j] = 1;
  for (size_t i = 0; i < sh->tr; i++)
    ones[i] = 1;
  fgap_poly_transpose (Xt, X, n, d, 1);
  const fgap_poly_feat f = { tb.dep, tb.var, tb.g };
  int all[3] = { FGA_ISA_GENERIC, FGA_ISA_AVX2, FGA_ISA_AVX512 };
  for (int v = 0; v < 3 && all[v] <= fgap_attn_isa (); v++)
    for (int side = 0; side < 2; side++)     /* keys, then queries */
      {
        const fgap_poly_accum acc = fgap_poly_accum_select (all[v]);
        memset (stack0, 0, sbytes);
        memset (stack, 0, sbytes);
        fill (T0, n * dv + n, &state);
        memcpy (T, T0, (n * dv + n) * sizeof (double));
        for (size_t c0 = 0; c0 < tb.r; c0 += cb)
          {
            const size_t cbb = tb.r - c0 < cb ? tb.r - c0 : cb;
            fill (M, cbb * dw, &state);
            for (size_t i0 = 0; i0 < n; i0 += sh->tr)
              {
                const size_t len = n - i0 < sh->tr ? n - i0 : sh->tr;
                fgap_poly_tile_scalar (buf0, sh->tr, X, d, stack0, n, i0, len, &f, c0, cbb, anc0);
                fgap_poly_tile_plan (&t, buf, ld, Xt, d, stack, n, i0, len, &f, c0, cbb, anc,
                                     ones);
                if (side == 0)
                  {
                    acc.keys (P, &t, Wt + i0, n, len, cbb, dw, i0 == 0);
                    for (size_t e = 0; e < cbb * dw; e++)
                      for (size_t j = 0; j < (len + 7) / 8 * 8; j++)
                        {
                          double *lane = &P0[e * 8 + j % 8];
                          if (i0 == 0 && j < 8)
                            *lane = 0;
                          *lane = j < len ? fma (buf0[e / dw * sh->tr + j],
                                                 Wt[e % dw * n + i0 + j], *lane)
                            : fma (0.0, 0.0, *lane);
                        }
                  }
                else
                  {
                    acc.queries (T + i0 * dv, T + n * dv + i0, dv, &t, M, len, cbb, c0 > 0);
                    for (size_t i = i0; i < i0 + len; i++)
                      for (size_t col = 0; col < dw; col++)
                        {
                          double *e = col < dv ? &T0[i * dv + col] : &T0[n * dv + i];
                          double a = c0 > 0 ? *e : 0;
                          for (size_t c = 0; c < cbb; c++)
                            a = fma (buf0[c * sh->tr + i - i0], M[c * dw + col], a);
                          *e = a;
                        }
                  }
                fgap_poly_tile_save (stack, n, i0, len, tb.g, anc);
                ck_assert_msg (memcmp (stack, stack0, sbytes) == 0,
                               "shape %d, dv %zu, isa %d: the ancestors after block %zu, tile "
                               "%zu differ from the scalar builder's", _i / 2, dv, all[v], c0,
                               i0);
              }
            if (side == 0)
              {
                fgap_poly_accum_reduce (M, P, cbb, dw);
                for (size_t e = 0; e < cbb * dw; e++)
                  {
                    const double *l = P0 + e * 8;
                    M0[e] = ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
                    int lanes = 1;
                    for (int k = 0; k < 8; k++)
                      lanes = lanes && same (P[e * 8 + k], l[k]);
                    ck_assert_msg (lanes && same (M[e], M0[e]),
                                   "shape %d, dv %zu, isa %d: keys, entry %zu of block %zu: "
                                   "%a, the stated sequence gives %a", _i / 2, dv, all[v], e,
                                   c0, M[e], M0[e]);
                  }
              }
          }
        if (side == 1)
          for (size_t e = 0; e < n * dv + n; e++)
            ck_assert_msg (same (T[e], T0[e]), "shape %d, dv %zu, isa %d: queries, entry %zu: "
                           "%a, the stated sequence gives %a", _i / 2, dv, all[v], e, T[e],
                           T0[e]);
      }
  free (X);
  free (Xt);
  free (Wt);
  free (ones);
  free (buf0);
  free (buf);
  free (stack0);
  free (stack);
  free (P0);
  free (P);
  free (M);
  free (M0);
  free (T0);
  free (T);
  tables_clear (&tb);
}
END_TEST

/* poly's output, row sums (lse) and counts are the same bits with every
   FGATTN_ISA, one thread and two (the split of the sums between threads
   is the same for every ISA).  */
typedef struct
{
  size_t n, d;
  double B;
  const char *spec;
} run_case;

static const run_case runs[] = {
  { 700, 4, 1, "poly:eps=1e-6" }, { 333, 8, 1, "poly:eps=1e-6,block=37" },
  { 1025, 6, 0.5, "poly:eps=1e-8,basis=taylor" }, { 200, 3, 1.5, "poly:deg=9,block=1000" }
};

static void
run_isa (const run_case *c, const char *isa, int threads, fga_instance_srcptr inst,
         fga_mat_ptr T, double *lse, fga_stats *st)
{
  if (isa != NULL)
    setenv ("FGATTN_ISA", isa, 1);
  else
    unsetenv ("FGATTN_ISA");
#ifdef _OPENMP
  omp_set_num_threads (threads);
#else
  (void) threads;
#endif
  fga_tau tau = { FGA_TAU_INV_D, 0 };
  fga_problem prob;
  fga_problem_from_instance (&prob, inst, &tau);
  fga_method m = fga_test_make_method (c->spec, &prob);
  fga_error err;
  fga_stats_init (st);
  int rc = fga_method_run (m, T, lse, inst->Q, inst->K, inst->V, st, &err);
  ck_assert_msg (rc == FGA_OK, "%s with FGATTN_ISA=%s: %s", c->spec, isa ? isa : "(unset)",
                 err.msg);
  fga_method_destroy (m);
}

START_TEST (test_isa_runs)
{
  const run_case *c = &runs[_i];
  const char *saved = getenv ("FGATTN_ISA");
  char keep[32] = "";
  if (saved != NULL)
    snprintf (keep, sizeof keep, "%s", saved);
  fga_instance_t inst;
  fga_error err;
  fga_instance_init (inst);
  ck_assert (fga_instance_generate (inst, c->n, c->n, c->d, c->d, c->B, c->B, FGA_DIST_UNIFORM,
                                    fga_test_seed () + (unsigned long) _i, &err) == FGA_OK);
  static const char *const isas[] = { NULL, "generic", "avx2", "avx512" };
  fga_mat_t T0, T;
  ck_assert (fga_mat_init (T0, c->n, c->d, &err) == FGA_OK);
  ck_assert (fga_mat_init (T, c->n, c->d, &err) == FGA_OK);
  double *l0 = malloc (c->n * sizeof (double)), *l = malloc (c->n * sizeof (double));
  ck_assert (l0 != NULL && l != NULL);
#ifdef _OPENMP
  const int max_threads = omp_get_max_threads ();
#endif
  for (int threads = 1; threads <= 2; threads++)
    {
      fga_stats s0, s;
      run_isa (c, NULL, threads, inst, T0, l0, &s0);
      for (int k = 1; k < 4; k++)
        {
          run_isa (c, isas[k], threads, inst, T, l, &s);
          ck_assert_msg (memcmp (T->data, T0->data, c->n * c->d * sizeof (double)) == 0
                         && memcmp (l, l0, c->n * sizeof (double)) == 0,
                         "%s, %d thread(s): FGATTN_ISA=%s changes the output", c->spec,
                         threads, isas[k]);
          ck_assert (s.n_mul == s0.n_mul && s.n_add == s0.n_add);
        }
    }
  if (saved != NULL)
    setenv ("FGATTN_ISA", keep, 1);
  else
    unsetenv ("FGATTN_ISA");
#ifdef _OPENMP
  omp_set_num_threads (max_threads);
#endif
  free (l0);
  free (l);
  fga_mat_clear (T0);
  fga_mat_clear (T);
  fga_instance_clear (inst);
}
END_TEST

static Suite *
build_suite (void)
{
  Suite *s = suite_create ("poly-build");
  TCase *tc = fga_test_tcase ("tiles", 30);
  tcase_add_loop_test (tc, test_tiles, 0, sizeof shapes / sizeof shapes[0]);
  suite_add_tcase (s, tc);
  tc = fga_test_tcase ("products", 60);
  tcase_add_loop_test (tc, test_products, 0, 2 * (sizeof shapes / sizeof shapes[0]));
  suite_add_tcase (s, tc);
  tc = fga_test_tcase ("runs by instruction set", 60);
  tcase_add_loop_test (tc, test_isa_runs, 0, sizeof runs / sizeof runs[0]);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (build_suite ());
}
