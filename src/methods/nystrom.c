/* fgap_method_nystrom -- Nystrom attention in the form of Xiong et al.: landmarks, three softmax matrices, a pseudo-inverse

   With m landmark queries Q~ and keys K~ (m x d each),
     F = softmax (tau Q K~^T)    nq x m
     A = softmax (tau Q~ K~^T)   m x m
     B = softmax (tau Q~ K^T)    m x nk
   the method returns T = F (A^+ (B V)): the attention matrix P is
   approximated by F A^+ B, of rank <= m, at a cost linear in nq and nk
   (Nystromformer: Xiong et al., AAAI 2021; theory/transition.md, lemma 5).

   Why this form.  The classical Nystrom of the unnormalised kernel,
   exp (S) ~ exp (S)[:, J] exp (S)[I, J]^+ exp (S)[I, :] normalised by its
   row sums afterwards, is also exact when every row and column is a
   landmark, but it needs exp of raw scores, whose range is e^{2R}: they
   overflow for large R, and rescaling its rows and columns does not
   commute with the pseudo-inverse's cutoff.  Xiong's three factors are
   each a softmax, made stably by fga_attention_matrix (row maximum
   subtracted) whatever the scale of the scores; they are also what the
   method is used as.

   The top of the range.  When every query and every key is a landmark
   (m = nq = nk: uniform landmarks are then all of them, sorted, and
   segments hold one row each), Q~ = Q and K~ = K bit for bit, so
   F = A = B = P and F A^+ B = P P^+ P = P: exact attention.  In floating
   point, the SVD pseudo-inverse cut at c = rcond sigma_1 gives the
   truncated SVD of P at c, within sqrt (m) c of P in Frobenius norm, and
   the chain F (V_c (Sigma_c^{-1} (U_c^T (B V)))) does not lose accuracy
   when A is ill-conditioned: an error of B V along u_i is multiplied by
   1/sigma_i and then by sigma_i again, F v_i = sigma_i u_i to rounding,
   because F and A are the same computed matrix.  So m = n reaches exact
   attention to rounding whatever the conditioning of P (tests/methods/t-lowrank.c
   checks it on both sides of the transition).  With pinv=iter the same
   holds when the iteration converges, i.e. when P is well-conditioned.

   Landmarks.
   - uniform: m key positions J drawn uniformly without replacement (the
     first m steps of a Fisher--Yates shuffle, each index drawn by
     rejection from gmp_urandomb_ui with GMP's default random state seeded
     with seed, the same bits on every machine), sorted; K~ = K_J.  The
     query landmarks: when nq = nk the same positions, Q~ = Q_J (a landmark
     is a token, with its query and its key, as Xiong pairs the query and
     key segments); otherwise m positions drawn the same way among the nq
     queries, the random state continuing.  Drawn at prepare.
   - segment: Xiong's segment means: the rows are cut into m contiguous
     segments [floor (s n / m), floor ((s + 1) n / m)) (Xiong asks m to
     divide n; this is the same cut when it does), and landmark s is the
     mean of its segment, for the queries with n = nq and the keys with
     n = nk.  Computed at run, from the data.
   m is refused above min (nq, nk) (a segment would be empty, a sample
   would repeat a row), with a message naming the maximum.

   Pseudo-inverse.
   - svd: A = U Sigma V^T by LAPACK's dgesdd, singular values <= rcond
     sigma_1 dropped (rcond=auto: m 2^-52, numpy.linalg.matrix_rank's
     choice); A^+ is applied as V_c (Sigma_c^{-1} (U_c^T W)), never formed.
   - iter: Z_0 = A^T / (||A||_1 ||A||_inf), then iters times
     Z <- Z (13 I - A Z (15 I - A Z (7 I - A Z))) / 4 (Xiong's default 6).
     Every iterate is a polynomial in A^T A times A^T, so A Z shares A's
     singular vectors and each singular value x of A Z moves to
     f (x) = x (13 - 15 x + 7 x^2 - x^3) / 4.  f maps [0, 1] into itself,
     1 - f (x) = (1 - x)^3 (4 - x) / 4 (third order at 1), and f (x) ~ 13 x / 4
     for small x; x starts at sigma^2 / (||A||_1 ||A||_inf) <= 1.  So a
     singular value sigma converges after about log (||A||_1 ||A||_inf /
     sigma^2) / log (13/4) steps, and a fixed number of steps is a soft
     cutoff near sigma ~ sqrt (||A||_1 ||A||_inf (4/13)^iters).

   lse is refused: the three factors are normalised separately, so the
   method has no row normaliser whose logarithm could be returned.

   Operation counts, exact (LAPACK's SVD excepted: estimated in the figure
   lapack_flops, as in svd.c); a dgemm of a x c times c x b counts a b c
   products and a b (c - 1) additions:
     segment landmarks   (nq - m) d + (nk - m) d additions, 2 m d divisions
     B, A, F             fga_attention_matrix of m x nk, m x m, nq x m
     W = B V             m dv nk products, m dv (nk - 1) additions
     pinv=svd            1 product (the cutoff), r + [r < m] comparisons,
                         r dv m + m dv r products, r dv (m - 1) + m dv (r - 1)
                         additions, r dv divisions (r singular values kept)
     pinv=iter           fgap_pinv_iter's counts (below), then Z W:
                         m^2 dv products, m dv (m - 1) additions
     T = F (A^+ W)       nq dv m products, nq dv (m - 1) additions.  */

#include "core/fga-impl.h"
#include "methods/method-impl.h"
#include "kernels/attention-util.h"

#include <float.h>
#include <limits.h>
#include <cblas.h>

enum { LM_UNIFORM, LM_SEGMENT };
enum { PINV_SVD, PINV_ITER };

static const fga_param_info nystrom_params[] = {
  { "m", FGA_PARAM_INT, "64", 1, INT_MAX, NULL, NULL,
    "number of landmarks; at most min(nq, nk)" },
  { "landmarks", FGA_PARAM_CHOICE, "uniform", 0, 0, "uniform|segment", NULL,
    "uniform: m rows drawn without replacement; segment: means of m contiguous segments (Xiong)" },
  { "pinv", FGA_PARAM_CHOICE, "svd", 0, 0, "svd|iter", NULL,
    "pseudo-inverse of the m x m middle factor: LAPACK SVD with a cutoff, or Xiong's iteration" },
  { "rcond", FGA_PARAM_REAL, "auto", 0, 1, "auto", "pinv=svd",
    "singular values <= rcond sigma_1 are dropped; auto: m 2^-52" },
  { "seed", FGA_PARAM_INT, "1", 0, 9007199254740991.0, NULL, "landmarks=uniform",
    "seed of GMP's random state for the landmark draw" },
  { "iters", FGA_PARAM_INT, "6", 1, 100000, NULL, "pinv=iter",
    "steps of Z <- Z (13I - AZ (15I - AZ (7I - AZ))) / 4 from Z_0 = A^T / (|A|_1 |A|_inf)" },
  { NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

typedef struct
{
  size_t m;
  size_t *qi, *ki;             /* landmark rows (uniform only); qi == ki when nq = nk; owned */
  size_t bytes;                /* of qi and ki */
} nystrom_t;

static void
nystrom_free (nystrom_t *s)
{
  if (s == NULL)
    return;
  if (s->qi != s->ki)
    fgap_free (s->qi);
  fgap_free (s->ki);
  fgap_free (s);
}

static void
nystrom_destroy (fga_method m)
{
  nystrom_free (m->state);
  m->state = NULL;
}

/* A number uniform in [0, n): draws of as many bits as n - 1 has, until one
   is below n.  gmp_urandomb_ui consumes the random state bit by bit, so the
   numbers do not depend on the machine's limb size.  */
static unsigned long
draw_below (gmp_randstate_t rs, unsigned long n)
{
  unsigned bits = 0;
  while (bits < sizeof (unsigned long) * CHAR_BIT && ((n - 1) >> bits) != 0)
    bits++;
  if (bits == 0)
    return 0;
  unsigned long x;
  do
    x = gmp_urandomb_ui (rs, bits);
  while (x >= n);
  return x;
}

static int
cmp_size (const void *a, const void *b)
{
  size_t x = *(const size_t *) a, y = *(const size_t *) b;
  return x < y ? -1 : x > y;
}

/* m distinct rows of [0, n), sorted into out.  */
static int
draw_landmarks (size_t *out, size_t m, size_t n, gmp_randstate_t rs, fga_error *err)
{
  size_t *perm = fgap_calloc (n, sizeof *perm, "the landmark shuffle", err);
  if (perm == NULL)
    return FGA_ERR_NOMEM;
  for (size_t i = 0; i < n; i++)
    perm[i] = i;
  for (size_t t = 0; t < m; t++)
    {
      size_t j = t + (size_t) draw_below (rs, (unsigned long) (n - t));
      size_t x = perm[t];
      perm[t] = perm[j];
      perm[j] = x;
    }
  memcpy (out, perm, m * sizeof *out);
  fgap_free (perm);
  qsort (out, m, sizeof *out, cmp_size);
  return FGA_OK;
}

static int
nystrom_prepare (fga_method m, const fga_problem *prob, fga_error *err)
{
  nystrom_free (m->state);
  m->state = NULL;
  const size_t nq = prob->nq, nk = prob->nk;
  const size_t lim = nq < nk ? nq : nk, ml = (size_t) fgap_param_int (m, "m");
  if (ml > lim)
    return fgap_error_set (err, FGA_ERR_INPUT, "method nystrom: m=%zu exceeds %zu = min(nq, nk), "
                          "the most landmarks there are rows for", ml, lim);
  if (nq > INT_MAX || nk > INT_MAX || prob->dv > INT_MAX || prob->d > INT_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "method nystrom: nq = %zu, nk = %zu, d = %zu or "
                          "dv = %zu exceeds the int sizes of CBLAS", nq, nk, prob->d, prob->dv);
  size_t count, bytes;
  if (fgap_size_mul (&count, nq > nk ? nq : nk, ml) || fgap_size_mul (&bytes, count, sizeof (double)))
    return fgap_error_set (err, FGA_ERR_INPUT, "method nystrom: the %zu x %zu factors need more "
                          "bytes than size_t can count", nq > nk ? nq : nk, ml);

  nystrom_t *s = fgap_calloc (1, sizeof *s, "the state of method nystrom", err);
  if (s == NULL)
    return FGA_ERR_NOMEM;
  s->m = ml;
  int rc = FGA_OK;
  if (fgap_param_choice (m, "landmarks") == LM_UNIFORM)
    {
      s->ki = fgap_calloc (ml, sizeof (size_t), "the landmark keys", err);
      s->qi = nq == nk ? s->ki : fgap_calloc (ml, sizeof (size_t), "the landmark queries", err);
      s->bytes = (nq == nk ? 1 : 2) * ml * sizeof (size_t);
      if (s->ki == NULL || s->qi == NULL)
        rc = FGA_ERR_NOMEM;
      else
        {
          gmp_randstate_t rs;
          gmp_randinit_default (rs);
          gmp_randseed_ui (rs, (unsigned long) fgap_param_int (m, "seed"));
          rc = draw_landmarks (s->ki, ml, nk, rs, err);
          if (rc == FGA_OK && nq != nk)
            rc = draw_landmarks (s->qi, ml, nq, rs, err);
          gmp_randclear (rs);
        }
    }
  if (rc != FGA_OK)
    {
      nystrom_free (s);
      return rc;
    }
  m->state = s;
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* Pseudo-inverses.  */

static void
count_add (fgap_attn_count *c, const fga_stats *st)
{
  c->mul += st->n_mul;
  c->add += st->n_add;
  c->exp += st->n_exp;
  c->div += st->n_div;
  c->cmp += st->n_cmp;
}

/* peak = max (peak, what mt holds now + extra): for the workspace of a
   call that tracks its own (fga_mat_svd, fga_attention_matrix).  */
static void
note_peak (size_t *peak, const fgap_memtrack *mt, size_t extra)
{
  size_t now = mt->current + extra;
  if (now > *peak)
    *peak = now;
}

/* The number r of singular values above rcond sv[0] (sv decreasing).  */
static size_t
svd_cut (const double *sv, size_t n, double rcond, double *cutoff, fgap_attn_count *c)
{
  *cutoff = rcond * sv[0];
  c->mul++;
  size_t r = 0;
  while (r < n && sv[r] > *cutoff)
    r++;
  c->cmp += r + (r < n);
  return r;
}

/* Xiong's iteration on A (a x b) into Z (b x a); scratch tracked by mt.  */
static int
pinv_iter_core (fga_mat_ptr Z, fga_mat_srcptr A, long iters, fgap_attn_count *c,
                fgap_memtrack *mt, fga_error *err)
{
  const size_t a = A->rows, b = A->cols;
  const size_t xbytes = a * a * sizeof (double), zbytes = b * a * sizeof (double);
  double *X = fgap_talloc (mt, xbytes, "A Z", err);
  double *Y = fgap_talloc (mt, xbytes, "a factor of the iteration", err);
  double *Y2 = fgap_talloc (mt, xbytes, "a factor of the iteration", err);
  double *Zn = fgap_talloc (mt, zbytes, "the next iterate", err);
  int rc = FGA_OK;
  if (X == NULL || Y == NULL || Y2 == NULL || Zn == NULL)
    {
      rc = FGA_ERR_NOMEM;
      goto done;
    }

  /* ||A||_1 (largest column sum) and ||A||_inf (largest row sum): then
     sigma_1^2 <= ||A||_1 ||A||_inf, so the singular values of A Z_0 are in
     [0, 1], where f maps them to 1.  */
  double n1 = 0, ninf = 0;
  for (size_t j = 0; j < b; j++)
    {
      double t = fabs (FGA_MAT (A, 0, j));
      for (size_t i = 1; i < a; i++)
        t += fabs (FGA_MAT (A, i, j));
      n1 = j == 0 || t > n1 ? t : n1;
    }
  for (size_t i = 0; i < a; i++)
    {
      double t = fabs (FGA_MAT (A, i, 0));
      for (size_t j = 1; j < b; j++)
        t += fabs (FGA_MAT (A, i, j));
      ninf = i == 0 || t > ninf ? t : ninf;
    }
  double scale = n1 * ninf;
  c->add += b * (a - 1) + a * (b - 1);
  c->cmp += (b - 1) + (a - 1);
  c->mul++;
  if (scale == 0)
    {
      memset (Z->data, 0, zbytes);   /* the pseudo-inverse of 0 is 0 */
      goto done;
    }
  if (!isfinite (scale))
    {
      rc = fgap_error_set (err, FGA_ERR_COMPUTE, "fgap_pinv_iter: ||A||_1 ||A||_inf overflows");
      goto done;
    }
  for (size_t i = 0; i < b; i++)
    for (size_t j = 0; j < a; j++)
      FGA_MAT (Z, i, j) = FGA_MAT (A, j, i) / scale;
  c->div += a * b;

  const int ia = (int) a, ib = (int) b;
  for (long it = 0; it < iters; it++)
    {
      /* X = A Z;  Y = 7I - X;  Y2 = 15I - X Y;  Y = 13I - X Y2;  Z = Z Y / 4.  */
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, ia, ia, ib, 1.0, A->data, ib,
                   Z->data, ia, 0.0, X, ia);
      for (size_t i = 0; i < a; i++)
        for (size_t j = 0; j < a; j++)
          Y[i * a + j] = (i == j ? 7.0 : 0.0) - X[i * a + j];
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, ia, ia, ia, 1.0, X, ia, Y, ia,
                   0.0, Y2, ia);
      for (size_t i = 0; i < a; i++)
        for (size_t j = 0; j < a; j++)
          Y2[i * a + j] = (i == j ? 15.0 : 0.0) - Y2[i * a + j];
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, ia, ia, ia, 1.0, X, ia, Y2, ia,
                   0.0, Y, ia);
      for (size_t i = 0; i < a; i++)
        for (size_t j = 0; j < a; j++)
          Y[i * a + j] = (i == j ? 13.0 : 0.0) - Y[i * a + j];
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, ib, ia, ia, 0.25, Z->data, ia, Y,
                   ia, 0.0, Zn, ia);
      memcpy (Z->data, Zn, zbytes);
      c->mul += a * a * b + 2 * a * a * a + b * a * a + b * a;
      c->add += a * a * (b - 1) + 2 * a * a * (a - 1) + b * a * (a - 1) + 3 * a * a;
    }

done:
  fgap_tfree (mt, Zn, zbytes);
  fgap_tfree (mt, Y2, xbytes);
  fgap_tfree (mt, Y, xbytes);
  fgap_tfree (mt, X, xbytes);
  return rc;
}

static int
pinv_check (const char *fn, fga_mat_srcptr Z, fga_mat_srcptr A, fga_error *err)
{
  if (Z == NULL || A == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: Z and A must not be NULL", fn);
  if (A->rows == 0 || A->cols == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: A is %zu x %zu: empty", fn, A->rows,
                          A->cols);
  if (Z->rows != A->cols || Z->cols != A->rows)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: A is %zu x %zu, so Z must be %zu x %zu, not "
                          "%zu x %zu", fn, A->rows, A->cols, A->cols, A->rows, Z->rows, Z->cols);
  if (A->rows > INT_MAX || A->cols > INT_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: A is %zu x %zu, beyond the int sizes of "
                          "CBLAS", fn, A->rows, A->cols);
  fga_error local;
  int rc = fga_mat_check_finite (A, "A", &local);
  if (rc != FGA_OK)
    return fgap_error_set (err, rc, "%s: %s", fn, local.msg);
  return FGA_OK;
}

static void
store_counts (fga_stats *st, const fgap_attn_count *c, size_t peak)
{
  if (st == NULL)
    return;
  st->n_mul = c->mul;
  st->n_add = c->add;
  st->n_exp = c->exp;
  st->n_div = c->div;
  st->n_cmp = c->cmp;
  st->peak_bytes = peak;
}

int
fgap_pinv_iter (fga_mat_ptr Z, fga_mat_srcptr A, long iters, fga_stats *st, fga_error *err)
{
  int rc = pinv_check ("fgap_pinv_iter", Z, A, err);
  if (rc != FGA_OK)
    return rc;
  if (iters < 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "fgap_pinv_iter: iters = %ld must not be negative",
                          iters);
  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  fgap_attn_count c = { 0, 0, 0, 0, 0 };
  rc = pinv_iter_core (Z, A, iters, &c, &mt, err);
  store_counts (st, &c, mt.peak);
  return rc;
}

int
fgap_pinv_svd (fga_mat_ptr Z, size_t *rank, fga_mat_srcptr A, double rcond, fga_stats *st,
              fga_error *err)
{
  static const char fn[] = "fgap_pinv_svd";
  int rc = pinv_check (fn, Z, A, err);
  if (rc != FGA_OK)
    return rc;
  if (isnan (rcond))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: rcond is NaN", fn);
  const size_t a = A->rows, b = A->cols, r = a < b ? a : b;
  if (rcond < 0)
    rcond = (double) (a > b ? a : b) * DBL_EPSILON;
  const size_t mbytes = a * b * sizeof (double), ubytes = a * r * sizeof (double),
    vbytes = r * b * sizeof (double), sbytes = r * sizeof (double);
  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  fgap_attn_count c = { 0, 0, 0, 0, 0 };
  size_t peak = 0;
  fga_mat_struct M = { a, b, NULL }, U = { a, r, NULL }, Vt = { r, b, NULL };
  double *sv = NULL;
  fga_stats ls;
  fga_stats_init (&ls);
  if ((M.data = fgap_talloc (&mt, mbytes, "a copy of A", err)) == NULL
      || (U.data = fgap_talloc (&mt, ubytes, "the left singular vectors of A", err)) == NULL
      || (Vt.data = fgap_talloc (&mt, vbytes, "the right singular vectors of A", err)) == NULL
      || (sv = fgap_talloc (&mt, sbytes, "the singular values of A", err)) == NULL)
    {
      rc = FGA_ERR_NOMEM;
      goto done;
    }
  memcpy (M.data, A->data, mbytes);
  rc = fga_mat_svd (&U, sv, &Vt, &M, &ls, err);
  note_peak (&peak, &mt, ls.peak_bytes);
  if (rc != FGA_OK)
    goto done;
  double cutoff;
  size_t k = svd_cut (sv, r, rcond, &cutoff, &c);
  if (rank != NULL)
    *rank = k;
  /* Z = V_k Sigma_k^{-1} U_k^T: the rows of V_k^T divided by sigma, then
     one product.  */
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < b; j++)
      Vt.data[i * b + j] /= sv[i];
  c.div += k * b;
  if (k == 0)
    memset (Z->data, 0, b * a * sizeof (double));
  else
    {
      cblas_dgemm (CblasRowMajor, CblasTrans, CblasTrans, (int) b, (int) a, (int) k, 1.0,
                   Vt.data, (int) b, U.data, (int) r, 0.0, Z->data, (int) a);
      c.mul += b * a * k;
      c.add += b * a * (k - 1);
    }
  if (st != NULL)
    fga_stats_set (st, "lapack_flops", fga_stats_get (&ls, "lapack_flops"));

done:
  fgap_tfree (&mt, sv, sbytes);
  fgap_tfree (&mt, Vt.data, vbytes);
  fgap_tfree (&mt, U.data, ubytes);
  fgap_tfree (&mt, M.data, mbytes);
  store_counts (st, &c, peak > mt.peak ? peak : mt.peak);
  return rc;
}

/* ------------------------------------------------------------------ */
/* The method.  */

/* The landmark rows of X (n x d) into L (ml x d): rows idx, or segment means.
   A mean of entries near the top of the double range whose sum overflows
   is recomputed from the entries times 2^-b, b the bits of the segment's
   length, and multiplied back by 2^b: exact but for the subnormals, and
   the same operations (the multiplications by powers of two are not
   counted).  */
static void
landmark_rows (fga_mat_ptr L, fga_mat_srcptr X, const size_t *idx, fgap_attn_count *c)
{
  const size_t ml = L->rows, n = X->rows, d = X->cols;
  if (idx != NULL)
    {
      for (size_t s = 0; s < ml; s++)
        memcpy (&FGA_MAT (L, s, 0), &FGA_MAT (X, idx[s], 0), d * sizeof (double));
      return;
    }
  for (size_t s = 0; s < ml; s++)
    {
      /* floor (s n / ml) without overflow: n, ml < 2^31 */
      size_t lo = (size_t) ((unsigned long long) s * n / ml);
      size_t hi = (size_t) ((unsigned long long) (s + 1) * n / ml);
      double *l = &FGA_MAT (L, s, 0);
      memcpy (l, &FGA_MAT (X, lo, 0), d * sizeof (double));
      for (size_t i = lo + 1; i < hi; i++)
        for (size_t t = 0; t < d; t++)
          l[t] += FGA_MAT (X, i, t);
      for (size_t t = 0; t < d; t++)
        {
          l[t] /= (double) (hi - lo);
          if (!isfinite (l[t]))
            {
              int b = 0;
              while (((hi - lo) >> b) != 0)
                b++;
              double acc = ldexp (FGA_MAT (X, lo, t), -b), top = fabs (acc);
              for (size_t i = lo + 1; i < hi; i++)
                {
                  double x = ldexp (FGA_MAT (X, i, t), -b);
                  acc += x;
                  top = fabs (x) > top ? fabs (x) : top;
                }
              /* a mean lies between the entries: the clamp only removes
                 rounding, which could carry DBL_MAX to Inf */
              double mean = acc / (double) (hi - lo);
              mean = mean > top ? top : mean < -top ? -top : mean;
              l[t] = ldexp (mean, b);
            }
        }
      c->add += (hi - lo - 1) * d;
      c->div += d;
    }
}

/* P = softmax (tau X Y^T), its operations added to c.  */
static int
softmax_counted (fga_mat_ptr P, fga_mat_srcptr X, fga_mat_srcptr Y, double tau,
                 fgap_attn_count *c, fga_error *err)
{
  fga_stats ls;
  fga_stats_init (&ls);
  int rc = fga_attention_matrix (P, NULL, X, Y, tau, &ls, err);
  count_add (c, &ls);
  return rc;
}

static int
nystrom_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
             fga_mat_srcptr V, fga_stats *st, fga_error *err)
{
  const nystrom_t *s = m->state;
  if (lse != NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s: no log-sum-exp: the three factors "
                          "are normalised separately, so there is no row normaliser "
                          "(run it without lse)", m->spec);
  const size_t nq = Q->rows, nk = K->rows, d = Q->cols, dv = V->cols, ml = s->m;
  const double tau = fga_tau_double (&m->prob.tau, m->prob.d);
  const int pinv = fgap_param_choice (m, "pinv");
  const size_t lbytes = ml * d * sizeof (double), bbytes = ml * nk * sizeof (double),
    abytes = ml * ml * sizeof (double), wbytes = ml * dv * sizeof (double),
    fbytes = nq * ml * sizeof (double), sbytes = ml * sizeof (double);
  fgap_memtrack mt;
  fgap_memtrack_init (&mt);
  size_t peak = 0;
  fgap_attn_count c = { 0, 0, 0, 0, 0 };
  fga_stats ls;
  double flops = 0, cutoff = 0;
  size_t rank = ml;
  int rc = FGA_OK;
  /* V near the ends of the double range: the products with V are made on
     V 2^-e and T multiplied back by 2^e, exactly (kernels/attention-util.h);
     an output that is still not finite (A^+ can be large) is refused.  */
  fgap_vscale vs;
  if ((rc = fgap_vscale_init (&vs, &V, 1, &mt, "method nystrom", err)) != FGA_OK)
    return rc;

  fga_mat_struct Qt = { ml, d, NULL }, Kt = { ml, d, NULL }, B = { ml, nk, NULL },
    A = { ml, ml, NULL }, U = { ml, ml, NULL }, Vt = { ml, ml, NULL }, Z = { ml, ml, NULL },
    F = { nq, ml, NULL };
  double *W = NULL, *W2 = NULL, *W3 = NULL, *sv = NULL;

  /* Every buffer of the run is tracked; a failure leaves through done,
     which frees whatever was made.  */
#define ALLOC(ptr, bytes, what) \
  if (((ptr) = fgap_talloc (&mt, (bytes), (what), err)) == NULL) \
    { \
      rc = FGA_ERR_NOMEM; \
      goto done; \
    }

  ALLOC (Qt.data, lbytes, "the landmark queries");
  ALLOC (Kt.data, lbytes, "the landmark keys");
  int seg = fgap_param_choice (m, "landmarks") == LM_SEGMENT;
  landmark_rows (&Qt, Q, seg ? NULL : s->qi, &c);
  landmark_rows (&Kt, K, seg ? NULL : s->ki, &c);

  /* B first and gone once W = B V is made, F last: the two big factors
     are never held together.  */
  ALLOC (B.data, bbytes, "softmax (Q~ K^T)");
  if ((rc = softmax_counted (&B, &Qt, K, tau, &c, err)) != FGA_OK)
    goto done;
  ALLOC (W, wbytes, "B V");
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) ml, (int) dv, (int) nk, 1.0,
               B.data, (int) nk, V->data, (int) dv, 0.0, W, (int) dv);
  c.mul += ml * dv * nk;
  c.add += ml * dv * (nk - 1);
  fgap_tfree (&mt, B.data, bbytes);
  B.data = NULL;

  ALLOC (A.data, abytes, "softmax (Q~ K~^T)");
  if ((rc = softmax_counted (&A, &Qt, &Kt, tau, &c, err)) != FGA_OK)
    goto done;
  ALLOC (W3, wbytes, "A^+ B V");
  if (pinv == PINV_SVD)
    {
      double rcond = fgap_param_word (m, "rcond") == 0 ? (double) ml * DBL_EPSILON
        : fgap_param_real (m, "rcond");
      ALLOC (U.data, abytes, "the left singular vectors of A");
      ALLOC (Vt.data, abytes, "the right singular vectors of A");
      ALLOC (sv, sbytes, "the singular values of A");
      fga_stats_init (&ls);
      rc = fga_mat_svd (&U, sv, &Vt, &A, &ls, err);
      note_peak (&peak, &mt, ls.peak_bytes);
      if (rc != FGA_OK)
        goto done;
      flops = fga_stats_get (&ls, "lapack_flops");
      rank = svd_cut (sv, ml, rcond, &cutoff, &c);
      if (rank == 0)
        memset (W3, 0, wbytes);
      else
        {
          ALLOC (W2, rank * dv * sizeof (double), "U_c^T B V");
          cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) rank, (int) dv, (int) ml,
                       1.0, U.data, (int) ml, W, (int) dv, 0.0, W2, (int) dv);
          for (size_t i = 0; i < rank; i++)
            for (size_t j = 0; j < dv; j++)
              W2[i * dv + j] /= sv[i];
          cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) ml, (int) dv, (int) rank,
                       1.0, Vt.data, (int) ml, W2, (int) dv, 0.0, W3, (int) dv);
          c.mul += rank * dv * ml + ml * dv * rank;
          c.add += rank * dv * (ml - 1) + ml * dv * (rank - 1);
          c.div += rank * dv;
          fgap_tfree (&mt, W2, rank * dv * sizeof (double));
          W2 = NULL;
        }
    }
  else
    {
      ALLOC (Z.data, abytes, "the pseudo-inverse of A");
      if ((rc = pinv_iter_core (&Z, &A, fgap_param_int (m, "iters"), &c, &mt, err)) != FGA_OK)
        goto done;
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) ml, (int) dv, (int) ml, 1.0,
                   Z.data, (int) ml, W, (int) dv, 0.0, W3, (int) dv);
      c.mul += ml * ml * dv;
      c.add += ml * dv * (ml - 1);
    }
  fgap_tfree (&mt, sv, sbytes);
  fgap_tfree (&mt, Z.data, abytes);
  fgap_tfree (&mt, Vt.data, abytes);
  fgap_tfree (&mt, U.data, abytes);
  fgap_tfree (&mt, A.data, abytes);
  sv = Z.data = Vt.data = U.data = A.data = NULL;

  ALLOC (F.data, fbytes, "softmax (Q K~^T)");
  if ((rc = softmax_counted (&F, Q, &Kt, tau, &c, err)) != FGA_OK)
    goto done;
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) nq, (int) dv, (int) ml, 1.0,
               F.data, (int) ml, W3, (int) dv, 0.0, T->data, (int) dv);
  c.mul += nq * dv * ml;
  c.add += nq * dv * (ml - 1);
#undef ALLOC
  if ((rc = fgap_vscale_finish (&vs, T, 0, 1, "method nystrom", "F A^+ B V overflows the "
                                "double range", err)) != FGA_OK)
    goto done;

  fga_stats_set (st, "m", (double) ml);
  fga_stats_set (st, "rank", (double) rank);
  if (pinv == PINV_SVD)
    {
      fga_stats_set (st, "pinv_cutoff", cutoff);
      fga_stats_set (st, "lapack_flops", flops);
    }
  else
    fga_stats_set (st, "iters", (double) fgap_param_int (m, "iters"));

done:
  note_peak (&peak, &mt, 0);
  fgap_attn_count_store (st, &c, (peak > mt.peak ? peak : mt.peak) + s->bytes, st->threads);
  fgap_tfree (&mt, F.data, fbytes);
  fgap_tfree (&mt, W2, rank * dv * sizeof (double));
  fgap_tfree (&mt, W3, wbytes);
  fgap_tfree (&mt, sv, sbytes);
  fgap_tfree (&mt, Z.data, abytes);
  fgap_tfree (&mt, Vt.data, abytes);
  fgap_tfree (&mt, U.data, abytes);
  fgap_tfree (&mt, A.data, abytes);
  fgap_tfree (&mt, W, wbytes);
  fgap_tfree (&mt, B.data, bbytes);
  fgap_tfree (&mt, Kt.data, lbytes);
  fgap_tfree (&mt, Qt.data, lbytes);
  fgap_vscale_clear (&vs, &mt);
  return rc;
}

/* The counts of fga_attention_matrix (a x b from width d) added to ops.  */
static void
attention_matrix_count (mpz_t ops[5], size_t a, size_t b, size_t d)
{
  fgap_zaddmul3 (ops[0], a, b, d + 1);
  fgap_zaddmul3 (ops[1], a, b, d + 1);
  mpz_t t;
  mpz_init (t);
  fgap_zmul3 (t, a, 1, 1);
  mpz_sub (ops[1], ops[1], t);                  /* nk (d + 1) - 1 per row */
  mpz_clear (t);
  fgap_zaddmul3 (ops[2], a, b, 1);
  fgap_zaddmul3 (ops[3], a, b, 1);
  fgap_zaddmul3 (ops[4], a, b - 1, 1);
}

/* The counts at the top of this file, for pinv=iter (svd keeps a number of
   singular values that depends on the data, and LAPACK's operations are
   not counted).  */
static int
nystrom_count (mpz_t ops[5], fga_method_srcptr m, const fga_problem *prob, int lse,
               fga_error *err)
{
  const size_t nq = prob->nq, nk = prob->nk, d = prob->d, dv = prob->dv;
  const size_t lim = nq < nk ? nq : nk, ml = (size_t) fgap_param_int (m, "m");
  const unsigned long iters = (unsigned long) fgap_param_int (m, "iters");
  if (fgap_param_choice (m, "pinv") != PINV_ITER)
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s: pinv=svd keeps a number of singular "
                          "values that depends on the data, and LAPACK's work is not counted; "
                          "pinv=iter is counted", m->spec);
  if (ml > lim)
    return fgap_error_set (err, FGA_ERR_INPUT, "method nystrom: m=%zu exceeds %zu = min(nq, nk), "
                          "the most landmarks there are rows for", ml, lim);
  if (lse)
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s: no log-sum-exp: the three factors "
                          "are normalised separately, so there is no row normaliser "
                          "(run it without lse)", m->spec);
  mpz_t *o = ops, t;
  mpz_init (t);
  if (fgap_param_choice (m, "landmarks") == LM_SEGMENT)
    {
      fgap_zaddmul3 (o[1], nq - ml + nk - ml, d, 1);
      fgap_zaddmul3 (o[3], 2 * ml, d, 1);
    }
  attention_matrix_count (o, ml, nk, d);        /* B */
  attention_matrix_count (o, ml, ml, d);        /* A */
  attention_matrix_count (o, nq, ml, d);        /* F */
  fgap_zaddmul3 (o[0], ml, dv, nk);             /* W = B V */
  fgap_zaddmul3 (o[1], ml, dv, nk - 1);
  /* fgap_pinv_iter: the norms and Z_0, then each step 4 m^3 + m^2
     products and 4 m^2 (m - 1) + 3 m^2 additions */
  fgap_zaddmul3 (o[1], 2 * ml, ml - 1, 1);
  fgap_zaddmul3 (o[4], 2, ml - 1, 1);
  mpz_add_ui (o[0], o[0], 1);
  fgap_zaddmul3 (o[3], ml, ml, 1);
  fgap_zmul3 (t, ml, ml, 4 * ml + 1);
  mpz_addmul_ui (o[0], t, iters);
  fgap_zmul3 (t, ml, ml, 4 * (ml - 1) + 3);
  mpz_addmul_ui (o[1], t, iters);
  fgap_zaddmul3 (o[0], ml, ml, dv);             /* Z W */
  fgap_zaddmul3 (o[1], ml, dv, ml - 1);
  fgap_zaddmul3 (o[0], nq, dv, ml);             /* T = F (Z W) */
  fgap_zaddmul3 (o[1], nq, dv, ml - 1);
  mpz_clear (t);
  return FGA_OK;
}

const fgap_method_class fgap_method_nystrom = {
  .info = { "nystrom", "Nystrom attention (Xiong et al.): F A^+ B V with m landmark queries and "
            "keys, A^+ by SVD or by Xiong's iteration", nystrom_params },
  .prepare = nystrom_prepare,
  .run = nystrom_run,
  .destroy = nystrom_destroy,
  .count = nystrom_count
};
