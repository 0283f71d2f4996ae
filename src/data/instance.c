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

static const char *const dist_names[] = { "uniform", "rademacher", "gaussian", "none" };

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
  return fgap_error_set (err, FGA_ERR_INPUT,
                        "unknown distribution '%s': expected uniform, rademacher or gaussian",
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
/* Generation.  Each entry costs one draw from the one random state, in the
   order Q, K, V, each row-major, so that an instance is a pure function of
   its arguments.  The doubles are formed with IEEE operations whose results
   are exactly specified (a product, a quotient, a comparison), so the same
   bits come out on every conforming machine.  */

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

static void
draw (fga_mat_ptr M, double bound, fga_dist dist, gmp_randstate_t rs, mpfr_ptr t)
{
  size_t n = M->rows * M->cols;
  /* B/3 rounded once; the product with the normal draw rounds once more.  */
  double sigma = bound / 3;
  for (size_t k = 0; k < n; k++)
    {
      double x;
      switch (dist)
        {
        case FGA_DIST_UNIFORM:
          /* u = j 2^-53 with j < 2^53, so 2u - 1 is exact and in [-1, 1):
             the only rounding is the product by B, which keeps |x| <= B.  */
          mpfr_urandomb (t, rs);
          x = bound * (2 * mpfr_get_d (t, MPFR_RNDN) - 1);
          break;
        case FGA_DIST_RADEMACHER:
          x = gmp_urandomb_ui (rs, 1) ? bound : -bound;
          break;
        default:
          mpfr_nrandom (t, rs, MPFR_RNDN);
          x = mpfr_get_d (t, MPFR_RNDN) * sigma;
          x = x > bound ? bound : (x < -bound ? -bound : x);
          break;
        }
      M->data[k] = x;
    }
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
                          "distribution %d cannot be drawn: use uniform, rademacher or gaussian",
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

  /* The draws must not depend on the caller's MPFR exponent range, and the
     caller's flags are theirs.  */
  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  gmp_randstate_t rs;
  mpfr_t t;
  gmp_randinit_default (rs);
  gmp_randseed_ui (rs, seed);
  mpfr_init2 (t, 53);
  draw (inst->Q, B, dist, rs, t);
  draw (inst->K, B, dist, rs, t);
  draw (inst->V, Bv, dist, rs, t);
  mpfr_clear (t);
  gmp_randclear (rs);
  fgap_mpfr_state_restore (&st);

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
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: entry (%zu, %zu) = %.17g exceeds %s = %.17g",
                              mname, i, j, FGA_MAT (M, i, j), bname, bound);
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
