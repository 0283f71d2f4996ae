/* fga_instance -- attention instances: drawn reproducibly, written and read as NPY plus JSON */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <sys/stat.h>

#include <jansson.h>

/* The largest seed instance.json can record: jansson's integers are signed.  */
#if JSON_INTEGER_IS_LONG_LONG
# define SEED_MAX ((unsigned long long) LLONG_MAX)
#else
# define SEED_MAX ((unsigned long long) LONG_MAX)
#endif

static const char *const dist_names[] = {
  "uniform", "rademacher", "gaussian", "lowrank", "clustered", "none"
};

/* Every name fga_dist_parse accepts, for the messages that list them.  */
#define DIST_CHOICES "uniform, rademacher, gaussian, lowrank or clustered"
_Static_assert (sizeof dist_names / sizeof dist_names[0] == FGA_DIST_NONE + 1,
                "one name per fga_dist");

const char *
fga_dist_name (fga_dist dist)
{
  if ((unsigned) dist <= FGA_DIST_NONE)
    return dist_names[dist];
  return "unknown";
}

/* Only the distributions that can be drawn: "none" describes an instance
   read from files, it is not something to ask for.  */
int
fga_dist_parse (fga_dist *dist, const char *text, fga_error *err)
{
  for (int k = FGA_DIST_UNIFORM; k < FGA_DIST_NONE; k++)
    if (text != NULL && strcmp (text, dist_names[k]) == 0)
      {
        *dist = (fga_dist) k;
        return FGA_OK;
      }
  return fgap_error_set (err, FGA_ERR_INPUT, "unknown distribution '%s': expected " DIST_CHOICES,
                        text != NULL ? text : "(null)");
}

void
fga_instance_init (fga_instance_ptr inst)
{
  memset (inst, 0, sizeof *inst);
  inst->dist = FGA_DIST_NONE;
}

void
fga_instance_clear (fga_instance_ptr inst)
{
  fga_mat_clear (inst->Q);
  fga_mat_clear (inst->K);
  fga_mat_clear (inst->V);
  fga_instance_init (inst);
}

/* ------------------------------------------------------------------ */
/* Generation.  One GMP random state, seeded with the seed, makes every draw,
   in an order fixed per family (theory/families.md gives them all), so that
   an instance is a pure function of its arguments.  The doubles are formed
   with IEEE operations whose results are exactly specified (a product, a
   quotient, a comparison) or in MPFR, rounded once, so the same bits come
   out on every conforming machine: no inexact libm function is called, and
   the one double expression a compiler may contract into a fused
   multiply-add, 2u - 1, is exact either way.  */

static int
check_dims (size_t rows, const char *rname, size_t cols, const char *cname, const char *mname,
            fga_error *err)
{
  size_t count, bytes;
  if (rows == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s must be positive (got 0)", rname);
  if (cols == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s must be positive (got 0)", cname);
  if (fgap_size_mul (&count, rows, cols) || fgap_size_mul (&bytes, count, sizeof (double)))
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s x %s = %zu x %zu: %s would need more bytes than size_t can count",
                          rname, cname, rows, cols, mname);
  return FGA_OK;
}

static int
check_bound (double b, const char *name, fga_error *err)
{
  if (!(b > 0) || !isfinite (b))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s must be a positive finite number (got %g)",
                          name, b);
  return FGA_OK;
}

/* The inner rank of lowrank and the number of centres of clustered
   (theory/families.md says why these values).  */
#define LOWRANK_K 2
#define CLUSTERS 8

/* Large enough to hold every combination below exactly: lowrank's signal
   sum_l u_l a_l is a multiple of 2^-104 below 2^1 in size (106 bits); in
   (7 y + e) / 8, e is a multiple of 2^-52, and y either 0, or a double of
   size at least 2^-105 (a signal RN (x) / s with x at least 2^-104, s <= 2,
   or a centre at least 2^-52), so a multiple of 2^-158 below 2^3 (161 bits).  */
#define EXACT_PREC 192

typedef struct
{
  gmp_randstate_t rs;
  mpfr_t t;                    /* 53 bits: one uniform or normal draw */
  mpfr_t x, y;                 /* EXACT_PREC bits: exact combinations of draws */
} drawer;

static void
drawer_init (drawer *dr, unsigned long seed)
{
  gmp_randinit_default (dr->rs);
  gmp_randseed_ui (dr->rs, seed);
  mpfr_init2 (dr->t, 53);
  mpfr_inits2 (EXACT_PREC, dr->x, dr->y, (mpfr_ptr) NULL);
}

static void
drawer_clear (drawer *dr)
{
  mpfr_clears (dr->t, dr->x, dr->y, (mpfr_ptr) NULL);
  gmp_randclear (dr->rs);
}

/* 2u - 1 for u = j 2^-53 uniform with j < 2^53: exact, a multiple of 2^-52
   in [-1, 1) (so contracted into a fused multiply-add it is the same).  */
static double
uniform_pm1 (drawer *dr)
{
  mpfr_urandomb (dr->t, dr->rs);
  return 2 * mpfr_get_d (dr->t, MPFR_RNDN) - 1;
}

static double
clip (double x, double bound)
{
  return x > bound ? bound : (x < -bound ? -bound : x);
}

/* clip (RN (z sigma), bound) for a normal draw z and sigma = RN (bound / 3),
   without an infinity on the way when z sigma exceeds DBL_MAX:
   - |z| > 4 with sigma normal: |z sigma| > 4 (1 - 2^-53) bound / 3 > bound,
     so the direct formula gives +-bound, returned as such;
   - otherwise, with sigma < 2^900: |z| <= 4, or sigma < 2^-1000 and |z| <=
     DBL_MAX, keep z sigma below DBL_MAX: the direct formula;
   - otherwise |z| <= 4 and sigma >= 2^900: formed 16 times smaller, which
     is exact among numbers that large (z sigma / 16 >= 2^-1074 2^896 is
     normal, unless z = 0), so the result is again the direct formula's.  */
static double
gaussian_entry (double z, double bound, double sigma)
{
  if (fabs (z) > 4 && sigma >= 0x1p-1000)
    return z > 0 ? bound : -bound;
  if (sigma < 0x1p900)
    return clip (z * sigma, bound);
  return clip (z * (sigma * 0x1p-4), bound * 0x1p-4) * 0x1p4;
}

/* One independent draw per entry, row-major: uniform, rademacher, gaussian.  */
static void
draw_entrywise (fga_mat_ptr M, double bound, fga_dist dist, drawer *dr)
{
  size_t n = M->rows * M->cols;
  /* B/3 rounded once; the product with the normal draw rounds once more.  */
  double sigma = bound / 3;
  for (size_t k = 0; k < n; k++)
    switch (dist)
      {
      case FGA_DIST_UNIFORM:
        /* 2u - 1 is exact and in [-1, 1): the only rounding is the product
           by B, which keeps |x| <= B.  */
        M->data[k] = bound * uniform_pm1 (dr);
        break;
      case FGA_DIST_RADEMACHER:
        M->data[k] = gmp_urandomb_ui (dr->rs, 1) ? bound : -bound;
        break;
      default:
        mpfr_nrandom (dr->t, dr->rs, MPFR_RNDN);
        M->data[k] = gaussian_entry (mpfr_get_d (dr->t, MPFR_RNDN), bound, sigma);
        break;
      }
}

/* RN ((7 y + e) / 8) for a fresh uniform draw e: exact in x before the one
   rounding, and of size at most 1 when |y| <= 1.  */
static double
blend (drawer *dr, double y)
{
  mpfr_set_d (dr->x, y, MPFR_RNDN);
  mpfr_mul_ui (dr->x, dr->x, 7, MPFR_RNDN);
  mpfr_add_d (dr->x, dr->x, uniform_pm1 (dr), MPFR_RNDN);
  mpfr_div_2ui (dr->x, dr->x, 3, MPFR_RNDN);
  return mpfr_get_d (dr->x, MPFR_RNDN);
}

/* The signal of lowrank, RN (U A) (or RN (W A)), into M: per row its k
   coefficients, then the d sums of k products, exact in x before the one
   rounding.  */
static void
lowrank_signal (fga_mat_ptr M, const double *A, size_t k, drawer *dr)
{
  double u[LOWRANK_K];
  for (size_t i = 0; i < M->rows; i++)
    {
      for (size_t l = 0; l < k; l++)
        u[l] = uniform_pm1 (dr);
      for (size_t j = 0; j < M->cols; j++)
        {
          mpfr_set_ui (dr->x, 0, MPFR_RNDN);
          for (size_t l = 0; l < k; l++)
            {
              mpfr_set_d (dr->y, u[l], MPFR_RNDN);
              mpfr_mul_d (dr->y, dr->y, A[l * M->cols + j], MPFR_RNDN);
              mpfr_add (dr->x, dr->x, dr->y, MPFR_RNDN);
            }
          FGA_MAT (M, i, j) = mpfr_get_d (dr->x, MPFR_RNDN);
        }
    }
}

/* x <- B RN ((7 RN (x / s) + e) / 8) for every entry, row-major, e drawn
   fresh: |x| <= s makes |RN (x / s)| <= 1, so the entry is in [-B, B] and
   the product by B cannot overflow.  s = 0 (no signal at all) leaves the
   noise alone.  */
static void
lowrank_add_noise (fga_mat_ptr M, double B, double s, drawer *dr)
{
  for (size_t k = 0; k < M->rows * M->cols; k++)
    M->data[k] = B * blend (dr, s > 0 ? M->data[k] / s : 0);
}

/* lowrank: A (k x d), then the coefficients of the rows of Q (U), those of
   K (W), then the noise of Q (E) and of K (F).  The signals U A and W A are
   scaled together so that the largest |entry| of either is exactly 1, then
   blended 7 to 1 with the noise: the signal fills [-7B/8, 7B/8], the noise
   adds at most B/8.  A holds k d doubles of scratch.  */
static void
draw_lowrank (fga_mat_ptr Q, fga_mat_ptr K, double B, double *A, drawer *dr)
{
  size_t d = Q->cols, k = d < LOWRANK_K ? d : LOWRANK_K;
  for (size_t i = 0; i < k * d; i++)
    A[i] = uniform_pm1 (dr);
  lowrank_signal (Q, A, k, dr);
  lowrank_signal (K, A, k, dr);
  double s = fmax (fga_mat_max_abs (Q), fga_mat_max_abs (K));
  lowrank_add_noise (Q, B, s, dr);
  lowrank_add_noise (K, B, s, dr);
}

/* Each row: its centre's index, uniform in [0, CLUSTERS), then its d
   offsets; x = B RN ((7 c + e) / 8), in [-B, B] since |c|, |e| <= 1.  */
static void
clustered_rows (fga_mat_ptr M, double B, const double *C, drawer *dr)
{
  for (size_t i = 0; i < M->rows; i++)
    {
      const double *c = C + gmp_urandomm_ui (dr->rs, CLUSTERS) * M->cols;
      for (size_t j = 0; j < M->cols; j++)
        FGA_MAT (M, i, j) = B * blend (dr, c[j]);
    }
}

/* clustered: the centres (CLUSTERS x d) first, then the rows of Q, then
   those of K.  C holds CLUSTERS d doubles of scratch.  */
static void
draw_clustered (fga_mat_ptr Q, fga_mat_ptr K, double B, double *C, drawer *dr)
{
  for (size_t i = 0; i < CLUSTERS * Q->cols; i++)
    C[i] = uniform_pm1 (dr);
  clustered_rows (Q, B, C, dr);
  clustered_rows (K, B, C, dr);
}

static int
structured (fga_dist dist)
{
  return dist == FGA_DIST_LOWRANK || dist == FGA_DIST_CLUSTERED;
}

/* Q, K and V of inst (allocated) drawn from seed; scratch holds CLUSTERS d
   doubles for the structured families.  */
static void
draw_instance (fga_instance_ptr inst, double B, double Bv, fga_dist dist, unsigned long seed,
               double *scratch)
{
  drawer dr;
  drawer_init (&dr, seed);
  if (dist == FGA_DIST_LOWRANK)
    draw_lowrank (inst->Q, inst->K, B, scratch, &dr);
  else if (dist == FGA_DIST_CLUSTERED)
    draw_clustered (inst->Q, inst->K, B, scratch, &dr);
  else
    {
      draw_entrywise (inst->Q, B, dist, &dr);
      draw_entrywise (inst->K, B, dist, &dr);
    }
  /* The structure is in Q and K; V is uniform, as the law of V does not
     change P.  */
  draw_entrywise (inst->V, Bv, structured (dist) ? FGA_DIST_UNIFORM : dist, &dr);
  drawer_clear (&dr);
}

/* inst must have been initialised (fga_instance_init); what it held is
   cleared first, so it may be generated into or read into again.  */
int
fga_instance_generate (fga_instance_ptr inst, size_t nq, size_t nk, size_t d, size_t dv,
                       double B, double Bv, fga_dist dist, unsigned long seed,
                       fga_error *err)
{
  int rc;
  fga_instance_clear (inst);
  if ((rc = check_dims (nq, "nq", d, "d", "Q", err)) != FGA_OK
      || (rc = check_dims (nk, "nk", d, "d", "K", err)) != FGA_OK
      || (rc = check_dims (nk, "nk", dv, "dv", "V", err)) != FGA_OK
      || (rc = check_bound (B, "B", err)) != FGA_OK
      || (rc = check_bound (Bv, "Bv", err)) != FGA_OK)
    return rc;
  if ((unsigned) dist >= FGA_DIST_NONE)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "distribution %d cannot be drawn: use " DIST_CHOICES,
                          (int) dist);
  /* A seed the instance file cannot record would make the instance
     impossible to regenerate from its own description.  */
  if ((unsigned long long) seed > SEED_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "seed %lu is larger than %llu, the largest instance.json can record",
                          seed, SEED_MAX);

  if ((rc = fga_mat_init (inst->Q, nq, d, err)) != FGA_OK
      || (rc = fga_mat_init (inst->K, nk, d, err)) != FGA_OK
      || (rc = fga_mat_init (inst->V, nk, dv, err)) != FGA_OK)
    {
      fga_instance_clear (inst);
      return rc;
    }

  double *scratch = NULL;
  if (structured (dist)
      && (scratch = fgap_calloc (CLUSTERS * d, sizeof (double), "the factor or centres", err)) == NULL)
    {
      fga_instance_clear (inst);
      return FGA_ERR_NOMEM;
    }
  /* The draws must not depend on the caller's MPFR exponent range, and the
     caller's flags are theirs.  */
  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  draw_instance (inst, B, Bv, dist, seed, scratch);
  fgap_mpfr_state_restore (&st);
  fgap_free (scratch);

  inst->nq = nq;
  inst->nk = nk;
  inst->d = d;
  inst->dv = dv;
  inst->B = B;
  inst->Bv = Bv;
  inst->dist = dist;
  inst->seed = seed;
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* Checks shared by reading and writing, so that whatever is written can be
   read back.  `qn', `kn', `vn' name the three matrices in messages (file
   names when reading).  */

static int
check_shapes (fga_mat_srcptr Q, fga_mat_srcptr K, fga_mat_srcptr V, const char *qn,
              const char *kn, const char *vn, fga_error *err)
{
  fga_mat_srcptr m[3] = { Q, K, V };
  const char *name[3] = { qn, kn, vn };
  for (int i = 0; i < 3; i++)
    if (m[i]->rows == 0 || m[i]->cols == 0)
      return fgap_error_set (err, FGA_ERR_INPUT,
                            "%s is %zu x %zu: an instance needs at least one row and one column",
                            name[i], m[i]->rows, m[i]->cols);
  if (Q->cols != K->cols)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s is %zu x %zu but %s is %zu x %zu: Q and K must have the same "
                          "number of columns", qn, Q->rows, Q->cols, kn, K->rows, K->cols);
  if (K->rows != V->rows)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s is %zu x %zu but %s is %zu x %zu: K and V must have the same "
                          "number of rows", kn, K->rows, K->cols, vn, V->rows, V->cols);
  return FGA_OK;
}

/* Every |entry| of M at most bound; `bname' says where the bound comes from. */
static int
check_entries_bounded (fga_mat_srcptr M, double bound, const char *mname, const char *bname,
                       fga_error *err)
{
  for (size_t i = 0; i < M->rows; i++)
    for (size_t j = 0; j < M->cols; j++)
      if (fabs (FGA_MAT (M, i, j)) > bound)
        return fgap_error_set (err, FGA_ERR_INPUT,
                              "%s: entry (%zu, %zu) = %.17g exceeds %s = %.17g", mname, i, j,
                              FGA_MAT (M, i, j), bname, bound);
  return FGA_OK;
}

/* dir/name into buf; a trailing slash of dir is not doubled.  */
static int
join_path (char *buf, size_t size, const char *dir, const char *name, fga_error *err)
{
  size_t len = strlen (dir);
  const char *sep = len > 0 && dir[len - 1] == '/' ? "" : "/";
  if ((size_t) snprintf (buf, size, "%s%s%s", dir, sep, name) >= size)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: path too long", dir);
  return FGA_OK;
}

static const char *
json_type_name (const json_t *v)
{
  switch (json_typeof (v))
    {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static int
json_size (const json_t *o, const char *key, size_t want, const char *what, const char *jpath,
           fga_error *err)
{
  json_t *v = json_object_get (o, key);
  if (v == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: the key \"%s\" is missing", jpath, key);
  if (!json_is_integer (v))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: \"%s\" must be an integer (got %s)", jpath,
                          key, json_type_name (v));
  json_int_t x = json_integer_value (v);
  if (x < 0 || (unsigned long long) x != (unsigned long long) want)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: \"%s\" is %" JSON_INTEGER_FORMAT
                          " but %s is %zu", jpath, key, x, what, want);
  return FGA_OK;
}

static int
json_bound (const json_t *o, const char *key, double *b, const char *jpath, fga_error *err)
{
  json_t *v = json_object_get (o, key);
  if (v == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: the key \"%s\" is missing", jpath, key);
  if (!json_is_number (v))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: \"%s\" must be a number (got %s)", jpath,
                          key, json_type_name (v));
  *b = json_number_value (v);
  if (!(*b > 0) || !isfinite (*b))
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: \"%s\" must be a positive finite number (got %.17g)", jpath, key,
                          *b);
  return FGA_OK;
}

/* instance.json: sizes that match the arrays, the bounds, and how the
   instance was drawn.  Keys it does not know are ignored, so that later
   versions may add some.  */
static int
read_json (fga_instance_ptr inst, const char *jpath, const char *qpath, const char *kpath,
           const char *vpath, fga_error *err)
{
  json_error_t jerr;
  json_t *o = json_load_file (jpath, JSON_REJECT_DUPLICATES, &jerr);
  if (o == NULL)
    {
      if (json_error_code (&jerr) == json_error_cannot_open_file)
        return fgap_error_set (err, FGA_ERR_IO, "%s: %s", jpath, jerr.text);
      return fgap_error_set (err, FGA_ERR_INPUT, "%s: line %d, column %d: %s", jpath, jerr.line,
                            jerr.column, jerr.text);
    }
  int rc = FGA_OK;
  char what[4200];
  if (!json_is_object (o))
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: expected a JSON object, found %s", jpath,
                        json_type_name (o));
  if (rc == FGA_OK)
    {
      snprintf (what, sizeof what, "the number of rows of %s", qpath);
      rc = json_size (o, "nq", inst->Q->rows, what, jpath, err);
    }
  if (rc == FGA_OK)
    {
      snprintf (what, sizeof what, "the number of rows of %s", kpath);
      rc = json_size (o, "nk", inst->K->rows, what, jpath, err);
    }
  if (rc == FGA_OK)
    {
      snprintf (what, sizeof what, "the number of columns of %s", qpath);
      rc = json_size (o, "d", inst->Q->cols, what, jpath, err);
    }
  if (rc == FGA_OK)
    {
      snprintf (what, sizeof what, "the number of columns of %s", vpath);
      rc = json_size (o, "dv", inst->V->cols, what, jpath, err);
    }
  if (rc == FGA_OK)
    rc = json_bound (o, "B", &inst->B, jpath, err);
  if (rc == FGA_OK)
    rc = json_bound (o, "Bv", &inst->Bv, jpath, err);

  json_t *v = rc == FGA_OK ? json_object_get (o, "distribution") : NULL;
  if (v != NULL)
    {
      json_t *s = json_object_get (o, "seed");
      if (!json_is_string (v))
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: \"distribution\" must be a string (got %s)",
                            jpath, json_type_name (v));
      else if (fga_dist_parse (&inst->dist, json_string_value (v), err) != FGA_OK)
        {
          char msg[FGA_MSG_SIZE];
          snprintf (msg, sizeof msg, "%s", err != NULL ? err->msg : "");
          rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: %s", jpath, msg);
        }
      else if (s == NULL)
        rc = fgap_error_set (err, FGA_ERR_INPUT,
                            "%s: the key \"seed\" is missing (it goes with \"distribution\")",
                            jpath);
      else if (!json_is_integer (s))
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: \"seed\" must be an integer (got %s)",
                            jpath, json_type_name (s));
      else if (json_integer_value (s) < 0
               || (unsigned long long) json_integer_value (s) > ULONG_MAX)
        rc = fgap_error_set (err, FGA_ERR_INPUT,
                            "%s: \"seed\" is %" JSON_INTEGER_FORMAT ", outside [0, %lu]", jpath,
                            json_integer_value (s), ULONG_MAX);
      else
        inst->seed = (unsigned long) json_integer_value (s);
    }
  json_decref (o);

  if (rc == FGA_OK)
    {
      char bname[4200];
      snprintf (bname, sizeof bname, "B (from %s)", jpath);
      if ((rc = check_entries_bounded (inst->Q, inst->B, qpath, bname, err)) == FGA_OK)
        rc = check_entries_bounded (inst->K, inst->B, kpath, bname, err);
      snprintf (bname, sizeof bname, "Bv (from %s)", jpath);
      if (rc == FGA_OK)
        rc = check_entries_bounded (inst->V, inst->Bv, vpath, bname, err);
    }
  return rc;
}

static int
read_matrix (fga_mat_ptr m, const char *path, fga_error *err)
{
  int rc = fga_npy_read (m, path, err);
  if (rc == FGA_OK)
    rc = fga_mat_check_finite (m, path, err);
  return rc;
}

/* inst must have been initialised; what it held is cleared first.  On
   failure it is left cleared.  */
int
fga_instance_read (fga_instance_ptr inst, const char *dir, fga_error *err)
{
  char qpath[4096], kpath[4096], vpath[4096], jpath[4096];
  int rc;
  fga_instance_clear (inst);
  if ((rc = join_path (qpath, sizeof qpath, dir, "Q.npy", err)) != FGA_OK
      || (rc = join_path (kpath, sizeof kpath, dir, "K.npy", err)) != FGA_OK
      || (rc = join_path (vpath, sizeof vpath, dir, "V.npy", err)) != FGA_OK
      || (rc = join_path (jpath, sizeof jpath, dir, "instance.json", err)) != FGA_OK)
    return rc;

  if ((rc = read_matrix (inst->Q, qpath, err)) == FGA_OK
      && (rc = read_matrix (inst->K, kpath, err)) == FGA_OK
      && (rc = read_matrix (inst->V, vpath, err)) == FGA_OK)
    rc = check_shapes (inst->Q, inst->K, inst->V, qpath, kpath, vpath, err);
  if (rc == FGA_OK)
    {
      struct stat st;
      if (stat (jpath, &st) == 0)
        rc = read_json (inst, jpath, qpath, kpath, vpath, err);
      else if (errno != ENOENT)
        rc = fgap_error_set (err, FGA_ERR_IO, "%s: %s", jpath, strerror (errno));
      else
        {
          inst->B = fmax (fga_mat_max_abs (inst->Q), fga_mat_max_abs (inst->K));
          inst->Bv = fga_mat_max_abs (inst->V);
          inst->dist = FGA_DIST_NONE;
          inst->seed = 0;
        }
    }
  if (rc != FGA_OK)
    {
      fga_instance_clear (inst);
      return rc;
    }
  inst->nq = inst->Q->rows;
  inst->nk = inst->K->rows;
  inst->d = inst->Q->cols;
  inst->dv = inst->V->cols;
  return FGA_OK;
}

/* ------------------------------------------------------------------ */

/* What fga_instance_read would accept, so that a written instance can
   always be read back.  */
static int
check_instance (fga_instance_srcptr inst, fga_error *err)
{
  int rc;
  if ((rc = check_shapes (inst->Q, inst->K, inst->V, "Q", "K", "V", err)) != FGA_OK)
    return rc;
  if (inst->nq != inst->Q->rows || inst->nk != inst->K->rows || inst->d != inst->Q->cols
      || inst->dv != inst->V->cols)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "the instance says nq = %zu, nk = %zu, d = %zu, dv = %zu but its "
                          "matrices are Q %zu x %zu, K %zu x %zu, V %zu x %zu", inst->nq,
                          inst->nk, inst->d, inst->dv, inst->Q->rows, inst->Q->cols,
                          inst->K->rows, inst->K->cols, inst->V->rows, inst->V->cols);
  if ((rc = check_bound (inst->B, "B", err)) != FGA_OK
      || (rc = check_bound (inst->Bv, "Bv", err)) != FGA_OK
      || (rc = fga_mat_check_finite (inst->Q, "Q", err)) != FGA_OK
      || (rc = fga_mat_check_finite (inst->K, "K", err)) != FGA_OK
      || (rc = fga_mat_check_finite (inst->V, "V", err)) != FGA_OK
      || (rc = check_entries_bounded (inst->Q, inst->B, "Q", "B", err)) != FGA_OK
      || (rc = check_entries_bounded (inst->K, inst->B, "K", "B", err)) != FGA_OK
      || (rc = check_entries_bounded (inst->V, inst->Bv, "V", "Bv", err)) != FGA_OK)
    return rc;
  if ((unsigned) inst->dist > FGA_DIST_NONE)
    return fgap_error_set (err, FGA_ERR_INPUT, "the instance's distribution %d is not one of "
                          "fga_dist", (int) inst->dist);
  if (inst->dist != FGA_DIST_NONE && (unsigned long long) inst->seed > SEED_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "seed %lu is larger than %llu, the largest instance.json can record",
                          inst->seed, SEED_MAX);
  return FGA_OK;
}

static char *
instance_json (fga_instance_srcptr inst)
{
  json_t *o = json_object ();
  json_object_set_new (o, "fgattn_version", json_string (fga_version ()));
  json_object_set_new (o, "nq", json_integer ((json_int_t) inst->nq));
  json_object_set_new (o, "nk", json_integer ((json_int_t) inst->nk));
  json_object_set_new (o, "d", json_integer ((json_int_t) inst->d));
  json_object_set_new (o, "dv", json_integer ((json_int_t) inst->dv));
  json_object_set_new (o, "B", json_real (inst->B));
  json_object_set_new (o, "Bv", json_real (inst->Bv));
  if (inst->dist != FGA_DIST_NONE)
    {
      json_object_set_new (o, "distribution", json_string (fga_dist_name (inst->dist)));
      json_object_set_new (o, "seed", json_integer ((json_int_t) inst->seed));
    }
  /* 17 significant digits: B and Bv read back as the same doubles.  */
  char *text = json_dumps (o, JSON_INDENT (2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION (17));
  json_decref (o);
  return text;
}

static int
write_text (const char *path, const char *text, fga_error *err)
{
  fga_atomic_file af;
  int rc = fga_atomic_open (&af, path, err);
  if (rc != FGA_OK)
    return rc;
  fputs (text, af.fp);
  fputc ('\n', af.fp);
  return fga_atomic_commit (&af, err);
}

/* Each file is written atomically; if one fails, those already written by
   this call are removed (and the folder, if this call made it), so that a
   failed write does not leave an instance that reads back half new.  */
int
fga_instance_write (const char *dir, fga_instance_srcptr inst, fga_error *err)
{
  char path[4][4096];
  static const char *const names[4] = { "Q.npy", "K.npy", "V.npy", "instance.json" };
  int rc;
  if (dir[0] == '\0')
    return fgap_error_set (err, FGA_ERR_INPUT, "the instance folder name is empty");
  for (int i = 0; i < 4; i++)
    if ((rc = join_path (path[i], sizeof path[i], dir, names[i], err)) != FGA_OK)
      return rc;
  if ((rc = check_instance (inst, err)) != FGA_OK)
    return rc;
  char *text = instance_json (inst);
  if (text == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: out of memory formatting the instance",
                          path[3]);

  int made_dir = 0;
  struct stat st;
  if (stat (dir, &st) == 0)
    {
      if (!S_ISDIR (st.st_mode))
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: exists and is not a folder", dir);
    }
  else if (errno != ENOENT)
    rc = fgap_error_set (err, FGA_ERR_IO, "%s: %s", dir, strerror (errno));
  else if (mkdir (dir, 0777) != 0)
    rc = fgap_error_set (err, errno == ENOENT || errno == ENOTDIR ? FGA_ERR_INPUT : FGA_ERR_IO,
                        "%s: cannot create the folder: %s", dir, strerror (errno));
  else
    made_dir = 1;

  int written = 0;
  if (rc == FGA_OK && (rc = fga_npy_write (path[0], inst->Q, err)) == FGA_OK)
    written++;
  if (rc == FGA_OK && (rc = fga_npy_write (path[1], inst->K, err)) == FGA_OK)
    written++;
  if (rc == FGA_OK && (rc = fga_npy_write (path[2], inst->V, err)) == FGA_OK)
    written++;
  if (rc == FGA_OK && (rc = write_text (path[3], text, err)) == FGA_OK)
    written++;
  free (text);
  if (rc != FGA_OK)
    {
      for (int i = 0; i < written; i++)
        unlink (path[i]);
      if (made_dir)
        rmdir (dir);
    }
  return rc;
}

/* ------------------------------------------------------------------ */
/* Distinct rows, by sorting row indices (heapsort: in place, no comparison
   context to smuggle into qsort).  */

/* Lexicographic order of rows i and j by numeric comparison: -0.0 and 0.0
   are equal (equal numbers, equal scores); no NaN reaches here.  */
static int
row_cmp (fga_mat_srcptr M, size_t i, size_t j)
{
  const double *a = M->data + i * M->cols, *b = M->data + j * M->cols;
  for (size_t t = 0; t < M->cols; t++)
    if (a[t] != b[t])
      return a[t] < b[t] ? -1 : 1;
  return 0;
}

static void
swap_index (size_t *idx, size_t a, size_t b)
{
  size_t t = idx[a];
  idx[a] = idx[b];
  idx[b] = t;
}

static void
sift_down (size_t *idx, size_t root, size_t n, fga_mat_srcptr M)
{
  for (;;)
    {
      size_t child = 2 * root + 1;
      if (child >= n)
        return;
      if (child + 1 < n && row_cmp (M, idx[child], idx[child + 1]) < 0)
        child++;
      if (row_cmp (M, idx[root], idx[child]) >= 0)
        return;
      swap_index (idx, root, child);
      root = child;
    }
}

/* idx <- 0, ..., n - 1 sorted by row_cmp of the rows of M.  */
static void
sort_rows (size_t *idx, size_t n, fga_mat_srcptr M)
{
  for (size_t i = 0; i < n; i++)
    idx[i] = i;
  for (size_t i = n / 2; i-- > 0;)
    sift_down (idx, i, n, M);
  for (size_t end = n - 1; end > 0; end--)
    {
      swap_index (idx, 0, end);
      sift_down (idx, 0, end, M);
    }
}

int
fga_instance_distinct_rows (size_t *count, fga_mat_srcptr M, fga_error *err)
{
  size_t n = M->rows;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < M->cols; j++)
      if (isnan (FGA_MAT (M, i, j)))
        return fgap_error_set (err, FGA_ERR_INPUT, "entry (%zu, %zu) is NaN: rows holding NaN "
                              "cannot be compared", i, j);
  if (n <= 1 || M->cols == 0)
    {
      *count = n < 1 ? n : 1;
      return FGA_OK;
    }
  size_t *idx = fgap_calloc (n, sizeof *idx, "the row order", err);
  if (idx == NULL)
    return FGA_ERR_NOMEM;
  sort_rows (idx, n, M);
  size_t c = 1;
  for (size_t i = 1; i < n; i++)
    c += row_cmp (M, idx[i - 1], idx[i]) != 0;
  fgap_free (idx);
  *count = c;
  return FGA_OK;
}
