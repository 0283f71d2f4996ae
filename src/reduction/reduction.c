/* reduction.c -- gap Hamming closest pair to attention with entries Theta(sqrt(log n)) */

#include "core/fga-impl.h"

#include <errno.h>
#include <sys/stat.h>
#include <jansson.h>

/* fga_reduce -- the construction of theory/lower-bound.md, section 2 */
int
fga_reduce (fga_instance_ptr inst, fga_reduction_info *info, fga_hamming_srcptr h,
            fga_error *err)
{
  int rc;
  fga_instance_clear (inst);
  if (h->n < 1 || h->m < 1 || h->t < 1 || !(h->eps > 0) || h->a == NULL || h->b == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "the Hamming instance is empty or has t = 0 or eps <= 0");
  size_t n = h->n, m = h->m, d = 2 * m;
  memset (info, 0, sizeof *info);
  info->n = n, info->m = m, info->d = d, info->t = h->t, info->eps = h->eps;
  /* lambda makes n e^{-lambda (1+eps) t} = e^{-lambda t} / 4: in a NO
     instance the n far keys of a row together weigh a quarter of one close
     key of a YES instance.  */
  info->lambda = log (4.0 * (double) n) / (h->eps * (double) h->t);
  /* s^2 <x^, y^> / d = lambda <x^, y^> with tau = 1/d.  */
  info->s = sqrt (info->lambda * (double) d);
  info->s_over_sqrt_ln_n = n > 1 ? info->s / sqrt (log ((double) n)) : INFINITY;
  double e = exp (-info->lambda * (double) h->t);
  info->yes_bound = e / (2.0 * (double) n);
  info->no_bound = e / (4.0 * (double) n);
  info->accuracy = e / (8.0 * (double) n);
  info->decide_at = 3.0 * e / (8.0 * (double) n);

  if ((rc = fga_mat_init (inst->Q, 2 * n, d, err)) != FGA_OK
      || (rc = fga_mat_init (inst->K, 2 * n, d, err)) != FGA_OK
      || (rc = fga_mat_init (inst->V, 2 * n, 1, err)) != FGA_OK)
    {
      fga_instance_clear (inst);
      return rc;
    }
  double s = info->s;
  for (size_t i = 0; i < n; i++)
    for (size_t k = 0; k < m; k++)
      {
        /* x^ = (x, 1 - x), so that <a^, b^> = m - ham(a, b).  */
        unsigned char a = h->a[i * m + k], b = h->b[i * m + k];
        FGA_MAT (inst->Q, i, k) = a ? s : 0;
        FGA_MAT (inst->Q, i, m + k) = a ? 0 : s;
        FGA_MAT (inst->K, i, k) = b ? s : 0;
        FGA_MAT (inst->K, i, m + k) = b ? 0 : s;
      }
  /* Dummy keys s 1 score lambda m against every real query, the row
     maximum, and each carries value 0: together they put n in the
     denominator.  Dummy queries stay zero (their rows are 1/2).  */
  for (size_t j = n; j < 2 * n; j++)
    for (size_t k = 0; k < d; k++)
      FGA_MAT (inst->K, j, k) = s;
  for (size_t j = 0; j < n; j++)
    FGA_MAT (inst->V, j, 0) = 1;
  inst->nq = inst->nk = 2 * n;
  inst->d = d, inst->dv = 1;
  inst->B = s, inst->Bv = 1;
  inst->dist = FGA_DIST_NONE;
  inst->seed = 0;
  return FGA_OK;
}

int
fga_reduction_write_info (const char *dir, const fga_reduction_info *info, fga_error *err)
{
  char path[4096];
  if ((size_t) snprintf (path, sizeof path, "%s/reduction.json", dir) >= sizeof path)
    return fgap_error_set (err, FGA_ERR_INPUT, "the folder name %s is too long", dir);
  if (mkdir (dir, 0777) != 0 && errno != EEXIST)
    return fgap_error_set (err, FGA_ERR_IO, "%s: cannot make the folder: %s", dir,
                          strerror (errno));
  json_t *o = json_object ();
  json_object_set_new (o, "format", json_string ("fgattn-reduction"));
  json_object_set_new (o, "source", json_string ("gap bichromatic Hamming closest pair"));
  json_object_set_new (o, "n", json_integer ((json_int_t) info->n));
  json_object_set_new (o, "m", json_integer ((json_int_t) info->m));
  json_object_set_new (o, "d", json_integer ((json_int_t) info->d));
  json_object_set_new (o, "t", json_integer ((json_int_t) info->t));
  json_object_set_new (o, "eps", json_real (info->eps));
  json_object_set_new (o, "tau", json_string ("1/d"));
  json_object_set_new (o, "real_queries", json_integer ((json_int_t) info->n));
  json_object_set_new (o, "lambda", json_real (info->lambda));
  json_object_set_new (o, "s", json_real (info->s));
  /* null for n = 1, where ln n = 0 (JSON has no infinity).  */
  json_object_set_new (o, "s_over_sqrt_ln_n", isfinite (info->s_over_sqrt_ln_n)
                       ? json_real (info->s_over_sqrt_ln_n) : json_null ());
  json_object_set_new (o, "yes_bound", json_real (info->yes_bound));
  json_object_set_new (o, "no_bound", json_real (info->no_bound));
  json_object_set_new (o, "accuracy", json_real (info->accuracy));
  json_object_set_new (o, "decide_at", json_real (info->decide_at));
  int rc = fgap_json_write_atomic (path, o, JSON_INDENT (2) | JSON_PRESERVE_ORDER
                                   | JSON_REAL_PRECISION (17), err);
  json_decref (o);
  return rc;
}

static int
get_num (const json_t *o, const char *key, double *out, const char *path, fga_error *err)
{
  json_t *v = json_object_get (o, key);
  if (json_is_null (v) && strcmp (key, "s_over_sqrt_ln_n") == 0)
    {
      *out = INFINITY;
      return FGA_OK;
    }
  if (!json_is_number (v))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: \"%s\" must be a number", path, key);
  *out = json_number_value (v);
  return FGA_OK;
}

static int
get_size (const json_t *o, const char *key, size_t *out, const char *path, fga_error *err)
{
  json_t *v = json_object_get (o, key);
  if (!json_is_integer (v) || json_integer_value (v) < 1)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: \"%s\" must be a positive integer", path,
                          key);
  *out = (size_t) json_integer_value (v);
  return FGA_OK;
}

int
fga_reduction_read_info (fga_reduction_info *info, const char *dir, fga_error *err)
{
  char path[4096];
  if ((size_t) snprintf (path, sizeof path, "%s/reduction.json", dir) >= sizeof path)
    return fgap_error_set (err, FGA_ERR_INPUT, "the folder name %s is too long", dir);
  json_error_t jerr;
  json_t *o = json_load_file (path, JSON_REJECT_DUPLICATES, &jerr);
  if (o == NULL)
    return fgap_error_set (err, json_error_code (&jerr) == json_error_cannot_open_file
                          ? FGA_ERR_IO : FGA_ERR_INPUT, "%s: %s (made by fgattn reduce?)",
                          path, jerr.text);
  int rc = FGA_OK;
  const char *fmt = json_string_value (json_object_get (o, "format"));
  const char *tau = json_string_value (json_object_get (o, "tau"));
  memset (info, 0, sizeof *info);
  if (fmt == NULL || strcmp (fmt, "fgattn-reduction") != 0)
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: not an fgattn-reduction file", path);
  else if (tau == NULL || strcmp (tau, "1/d") != 0)
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: \"tau\" must be \"1/d\", as the reduction "
                        "assumes", path);
  const char *sk[] = { "n", "m", "d", "t" };
  size_t *sv[] = { &info->n, &info->m, &info->d, &info->t };
  for (int k = 0; k < 4 && rc == FGA_OK; k++)
    rc = get_size (o, sk[k], sv[k], path, err);
  const char *nk[] = { "eps", "lambda", "s", "s_over_sqrt_ln_n", "yes_bound", "no_bound",
                       "accuracy", "decide_at" };
  double *nv[] = { &info->eps, &info->lambda, &info->s, &info->s_over_sqrt_ln_n,
                   &info->yes_bound, &info->no_bound, &info->accuracy, &info->decide_at };
  for (int k = 0; k < 8 && rc == FGA_OK; k++)
    rc = get_num (o, nk[k], nv[k], path, err);
  if (rc == FGA_OK && info->d != 2 * info->m)
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: d = %zu is not 2 m = %zu", path, info->d,
                        2 * info->m);
  if (rc == FGA_OK && !(info->no_bound < info->decide_at && info->decide_at < info->yes_bound))
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: the thresholds are not ordered "
                        "no_bound < decide_at < yes_bound", path);
  json_decref (o);
  return rc;
}

int
fga_reduction_check (fga_instance_srcptr inst, const fga_reduction_info *info,
                     fga_error *err)
{
  if (inst->Q->rows != 2 * info->n || inst->K->rows != 2 * info->n
      || inst->Q->cols != info->d || inst->K->cols != info->d
      || inst->V->rows != 2 * info->n || inst->V->cols != 1)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "the instance (Q %zu x %zu, K %zu x %zu, V %zu x %zu) is not what "
                          "the reduction of n = %zu, m = %zu makes (2n x 2m, V 2n x 1)",
                          inst->Q->rows, inst->Q->cols, inst->K->rows, inst->K->cols,
                          inst->V->rows, inst->V->cols, info->n, info->m);
  return FGA_OK;
}

/* fga_reduction_decide -- YES when some real query's output passes the midpoint */
int
fga_reduction_decide (fga_reduction_decision *dec, fga_mat_srcptr T,
                      const fga_reduction_info *info, fga_error *err)
{
  if (T->rows < info->n || T->cols < 1)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "the output has %zu x %zu entries; the decision needs the first "
                          "n = %zu rows", T->rows, T->cols, info->n);
  memset (dec, 0, sizeof *dec);
  dec->max_o = -INFINITY;
  for (size_t i = 0; i < info->n; i++)
    {
      double o = FGA_MAT (T, i, 0);
      if (isnan (o))
        return fgap_error_set (err, FGA_ERR_COMPUTE, "the output of real query %zu is NaN", i);
      if (o > dec->max_o)
        dec->max_o = o, dec->argmax = i;
    }
  /* Any answer within accuracy of the truth falls on the right side of the
     midpoint, since the YES and NO bounds sit accuracy away from it.  */
  dec->yes = dec->max_o > info->decide_at;
  dec->margin = fabs (dec->max_o - info->decide_at);
  dec->above_no = dec->max_o - info->no_bound;
  dec->below_yes = info->yes_bound - dec->max_o;
  return FGA_OK;
}
