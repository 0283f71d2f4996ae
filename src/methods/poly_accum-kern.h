/* poly_accum-kern.h -- the two products of a tile of method poly, compiled once per instruction set

   Included by poly_accum.c three times, with KSUF (a name suffix), KATTR
   (a target attribute, or nothing) and the register blocking KCB and KIB
   defined, after the vector of eight lanes kv_KSUF and its operations
   kv_zero_KSUF, kv_load_KSUF, kv_loadn_KSUF (the first n lanes, zeros
   after), kv_store_KSUF, kv_storen_KSUF (the first n lanes), kv_set1_KSUF,
   kv_mul_KSUF and kv_fma_KSUF (lane by lane, one rounding each); it
   undefines the four at the end.  KCB features (keys) or KIB strips of
   eight rows (queries) times the dw <= FGAP_POLY_ACCUM_DW_MAX value
   columns are summed side by side in registers.  The blocking only decides which
   sums run side by side; each sum is the same sequence of the same
   operations on every instruction set, so the bits do not depend on it
   (poly_accum.c says which sequence).  */
#define KW FGAP_POLY_ACCUM_DW_MAX
_Static_assert (KW == 5 && KCB <= 4 && KIB <= 4,
                "the cases and arrays below are written for these sizes");

#define KCAT2(a, b) a##_##b
#define KCAT(a, b) KCAT2 (a, b)
#define KNAME(f) KCAT (f, KSUF)
#define KV KNAME (kv)
/* the loops over a group's features, columns and strips run out in full,
   so that the group's accumulators live in registers */
#define KUNROLL _Pragma ("GCC unroll 8")
#define KV_ZERO KNAME (kv_zero)
#define KV_LOAD KNAME (kv_load)
#define KV_LOADN KNAME (kv_loadn)
#define KV_STORE KNAME (kv_store)
#define KV_SET1 KNAME (kv_set1)
#define KV_FMA KNAME (kv_fma)
#define KV_MUL KNAME (kv_mul)
#define KV_STOREN KNAME (kv_storen)

/* Where the strips of one feature column come from and go: src times xs
   entry by entry, stored at dst unless NULL; chain when its parent is the
   column built just before it, whose strip is still in a register (the
   same values as in memory, without waiting for the store).  */
typedef struct
{
  const double *src, *xs;
  double *dst;
  int chain;
} KNAME (col);

static KATTR inline __attribute__ ((always_inline)) KNAME (col)
KNAME (col_of) (const fgap_poly_tile *t, size_t c, const double *prev_dst)
{
  KNAME (col) o = { t->src[c], t->xs[c], t->dst[c], prev_dst != NULL && t->src[c] == prev_dst };
  return o;
}

/* The strip of column o at row j, m lanes (8: all; past m, zeros and
   nothing stored), built from its parent's strip par (o.chain) or from
   memory.  */
static KATTR inline __attribute__ ((always_inline)) KV
KNAME (feature) (KNAME (col) o, KV par, size_t j, size_t m)
{
  KV f;
  if (m == 8)
    {
      f = KV_MUL (o.chain ? par : KV_LOAD (o.src + j), KV_LOAD (o.xs + j));
      if (o.dst != NULL)
        KV_STORE (o.dst + j, f);
    }
  else
    {
      f = KV_MUL (o.chain ? par : KV_LOADN (o.src + j, m), KV_LOADN (o.xs + j, m));
      if (o.dst != NULL)
        KV_STOREN (o.dst + j, f, m);
    }
  return f;
}

/* One strip of keys_group: rows j .. j + m - 1.  */
static KATTR inline __attribute__ ((always_inline)) void
KNAME (keys_strip) (const int nb, const int nw, KV a[4][KW], const KNAME (col) *o,
                    const double *Wt, size_t ldw, size_t j, size_t m)
{
  KV w[KW], f = KV_ZERO ();
  KUNROLL
  for (int k = 0; k < nw; k++)
    w[k] = m == 8 ? KV_LOAD (Wt + (size_t) k * ldw + j) : KV_LOADN (Wt + (size_t) k * ldw + j, m);
  KUNROLL
  for (int b = 0; b < nb; b++)
    {
      f = KNAME (feature) (o[b], f, j, m);
      KUNROLL
      for (int k = 0; k < nw; k++)
        a[b][k] = KV_FMA (f, w[k], a[b][k]);
    }
}

/* Keys, for features c .. c + nb - 1 and the nw = dw columns: adds the
   tile's terms F[c][j] Wt[col][j] to the lanes P[(c dw + col) 8 + l],
   lane l taking j = l mod 8 in increasing j (fresh: from zero).  */
static KATTR inline __attribute__ ((always_inline)) void
KNAME (keys_group) (const int nb, const int nw, double *P, const fgap_poly_tile *t, size_t c,
                    const double *Wt, size_t ldw, size_t len, int fresh)
{
  KV a[4][KW];
  KNAME (col) o[4];
  double *p = P + c * (size_t) nw * 8;
  KUNROLL
  for (int b = 0; b < nb; b++)
    {
      o[b] = KNAME (col_of) (t, c + (size_t) b, b > 0 ? o[b - 1].dst : NULL);
      KUNROLL
      for (int k = 0; k < nw; k++)
        a[b][k] = fresh ? KV_ZERO () : KV_LOAD (p + ((size_t) b * (size_t) nw + (size_t) k) * 8);
    }
  size_t j = 0;
  for (; j + 8 <= len; j += 8)
    KNAME (keys_strip) (nb, nw, a, o, Wt, ldw, j, 8);
  if (j < len)
    KNAME (keys_strip) (nb, nw, a, o, Wt, ldw, j, len - j);
  KUNROLL
  for (int b = 0; b < nb; b++)
    KUNROLL
    for (int k = 0; k < nw; k++)
      KV_STORE (p + ((size_t) b * (size_t) nw + (size_t) k) * 8, a[b][k]);
}

static KATTR void
KNAME (keys) (double *P, const fgap_poly_tile *t, const double *Wt, size_t ldw, size_t len,
              size_t cbb, size_t dw, int fresh)
{
  for (size_t c = 0; c < cbb; c += KCB)
    {
      const int nb = cbb - c < KCB ? (int) (cbb - c) : KCB;
      /* every (nb, dw) a case of its own, so that the arrays of the group
         live in registers */
      switch (nb * 8 + (int) dw)
        {
#define KEYS_CASE(b, k) \
        case (b) * 8 + (k): \
          KNAME (keys_group) (b, k, P, t, c, Wt, ldw, len, fresh); \
          break;
#define KEYS_ROW(b) KEYS_CASE (b, 1) KEYS_CASE (b, 2) KEYS_CASE (b, 3) KEYS_CASE (b, 4) \
          KEYS_CASE (b, 5)
          /* only the groups this variant forms: nb <= KCB */
          KEYS_ROW (1)
#if KCB >= 2
          KEYS_ROW (2)
#endif
#if KCB >= 3
          KEYS_ROW (3)
#endif
#if KCB >= 4
          KEYS_ROW (4)
#endif
#undef KEYS_ROW
#undef KEYS_CASE
        default:
          break;
        }
    }
}

/* Queries: rows i .. i + nrows - 1 of the tile (nrows <= 8 ns) and the nw
   = dv + 1 columns of [T w] (T and w at the tile's first row): each
   entry's sum over the block's features c = 0 .. cbb - 1 in order,
   F[c][i] M[c][col], one fma each, starting from the entry itself when
   beta (else from zero).  Lanes past nrows read zeros and are not
   stored; full says there are none.  */
static KATTR inline __attribute__ ((always_inline)) void
KNAME (queries_group) (const int ns, const int nw, double *T, double *w,
                       const fgap_poly_tile *t, const double *M, size_t cbb, size_t i,
                       size_t nrows, int beta, const int full)
{
  const size_t dv = (size_t) nw - 1;
  KV a[4][KW], f[4];
  double tmp[8];
  KUNROLL
  for (int k = 0; k < nw; k++)
    KUNROLL
    for (int s = 0; s < ns; s++)
      {
        for (size_t l = 0; l < 8; l++)
          {
            const size_t r = i + (size_t) s * 8 + l, cl = (size_t) k;
            tmp[l] = !beta || r >= i + nrows ? 0 : cl < dv ? T[r * dv + cl] : w[r];
          }
        a[s][k] = KV_LOAD (tmp);
      }
  const double *prev = NULL;
  KUNROLL
  for (int s = 0; s < ns; s++)
    f[s] = KV_ZERO ();
  for (size_t c = 0; c < cbb; c++)
    {
      const KNAME (col) o = KNAME (col_of) (t, c, prev);
      prev = o.dst;
      KUNROLL
      for (int s = 0; s < ns; s++)
        {
          const size_t j = (size_t) s * 8, m = full || nrows - j >= 8 ? 8 : nrows - j;
          f[s] = KNAME (feature) (o, f[s], i + j, m);
        }
      const double *mc = M + c * (size_t) nw;
      KUNROLL
      for (int k = 0; k < nw; k++)
        {
          KV m = KV_SET1 (mc[k]);
          KUNROLL
          for (int s = 0; s < ns; s++)
            a[s][k] = KV_FMA (f[s], m, a[s][k]);
        }
    }
  KUNROLL
  for (int k = 0; k < nw; k++)
    KUNROLL
    for (int s = 0; s < ns; s++)
      {
        KV_STORE (tmp, a[s][k]);
        for (size_t l = 0; l < 8 && (size_t) s * 8 + l < nrows; l++)
          {
            const size_t r = i + (size_t) s * 8 + l, cl = (size_t) k;
            if (cl < dv)
              T[r * dv + cl] = tmp[l];
            else
              w[r] = tmp[l];
          }
      }
}

static KATTR void
KNAME (queries) (double *T, double *w, size_t dv, const fgap_poly_tile *t, const double *M,
                 size_t len, size_t cbb, int beta)
{
  for (size_t i = 0; i < len; i += 8 * KIB)
    {
      const size_t nrows = len - i < 8 * KIB ? len - i : 8 * KIB;
      const int ns = (int) ((nrows + 7) / 8), full = nrows == 8 * (size_t) ns;
      switch (ns * 8 + (int) dv + 1)
        {
#define QUERIES_CASE(s, k) \
        case (s) * 8 + (k): \
          if (full) \
            KNAME (queries_group) (s, k, T, w, t, M, cbb, i, nrows, beta, 1); \
          else \
            KNAME (queries_group) (s, k, T, w, t, M, cbb, i, nrows, beta, 0); \
          break;
#define QUERIES_ROW(s) QUERIES_CASE (s, 1) QUERIES_CASE (s, 2) QUERIES_CASE (s, 3) \
          QUERIES_CASE (s, 4) QUERIES_CASE (s, 5)
          QUERIES_ROW (1)
#if KIB >= 2
          QUERIES_ROW (2)
#endif
#if KIB >= 3
          QUERIES_ROW (3)
#endif
#if KIB >= 4
          QUERIES_ROW (4)
#endif
#undef QUERIES_ROW
#undef QUERIES_CASE
        default:
          break;
        }
    }
}

#undef KV
#undef KUNROLL
#undef KV_ZERO
#undef KV_LOAD
#undef KV_LOADN
#undef KV_STORE
#undef KV_SET1
#undef KV_FMA
#undef KV_MUL
#undef KV_STOREN
#undef KNAME
#undef KCAT
#undef KCAT2
#undef KSUF
#undef KATTR
#undef KCB
#undef KIB
#undef KW
