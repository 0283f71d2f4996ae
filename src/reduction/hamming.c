/* hamming.c -- gap bichromatic Hamming closest pair: generate, read, write, brute force */

#include "core/fga-impl.h"

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <gmp.h>
#include <jansson.h>

/* The most draws of one vector before the generator gives up; the check
   before drawing makes reaching it astronomically unlikely.  */
#define MAX_DRAWS 1000000UL

void
fga_hamming_init (fga_hamming_ptr h)
{
  memset (h, 0, sizeof *h);
  h->planted = -1;
}

void
fga_hamming_clear (fga_hamming_ptr h)
{
  fgap_free (h->a);
  fgap_free (h->b);
  fga_hamming_init (h);
}

/* fga_hamming_far -- the least integer distance >= (1+eps) t */
size_t
fga_hamming_far (size_t t, double eps)
{
  /* ceil of the rounded product: never below the real (1+eps) t except
     when the product itself rounds down across an integer, which the
     lemma tolerates no more than it tolerates anything, so be strict.  */
  double x = (1.0 + eps) * (double) t;
  size_t f = (size_t) ceil (x);
  if ((double) f < x)
    f++;
  return f;
}

size_t
fga_hamming_distance (fga_hamming_srcptr h, size_t i, size_t j)
{
  const unsigned char *x = h->a + i * h->m, *y = h->b + j * h->m;
  size_t dist = 0;
  for (size_t k = 0; k < h->m; k++)
    dist += x[k] != y[k];
  return dist;
}

static int
check_params (size_t n, size_t m, size_t t, double eps, fga_error *err)
{
  if (n < 1 || m < 1)
    return fgap_error_set (err, FGA_ERR_INPUT, "n = %zu and m = %zu must be at least 1", n, m);
  if (t < 1 || t > m)
    return fgap_error_set (err, FGA_ERR_INPUT, "the threshold t = %zu must be in [1, m = %zu]",
                          t, m);
  if (!(eps > 0) || !isfinite (eps))
    return fgap_error_set (err, FGA_ERR_INPUT, "the gap eps = %g must be positive and finite",
                          eps);
  if (fga_hamming_far (t, eps) > m)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "(1+eps) t = %g exceeds m = %zu: no pair can be that far",
                          (1.0 + eps) * (double) t, m);
  if (n > SIZE_MAX / m)
    return fgap_error_set (err, FGA_ERR_INPUT, "n m = %zu x %zu overflows", n, m);
  return FGA_OK;
}

/* Probability that two uniform random vectors of {0,1}^m are at distance
   below far: the lower tail of Binomial(m, 1/2).  */
static double
close_probability (size_t m, size_t far)
{
  double p = 0;
  for (size_t k = 0; k < far && k <= m; k++)
    p += exp (lgamma (m + 1.0) - lgamma (k + 1.0) - lgamma (m - k + 1.0) - m * log (2.0));
  return p > 1 ? 1 : p;
}

static void
draw_vector (unsigned char *x, size_t m, gmp_randstate_t rs)
{
  for (size_t k = 0; k < m; k++)
    x[k] = (unsigned char) gmp_urandomb_ui (rs, 1);
}

static size_t
dist_bits (const unsigned char *x, const unsigned char *y, size_t m)
{
  size_t dist = 0;
  for (size_t k = 0; k < m; k++)
    dist += x[k] != y[k];
  return dist;
}

/* Whether y is at distance >= far from every a_i except a_skip.  */
static int
far_from_all (const unsigned char *y, fga_hamming_srcptr h, size_t far, size_t skip)
{
  for (size_t i = 0; i < h->n; i++)
    if (i != skip && dist_bits (h->a + i * h->m, y, h->m) < far)
      return 0;
  return 1;
}

int
fga_hamming_generate (fga_hamming_ptr h, size_t n, size_t m, size_t t, double eps,
                      int planted, unsigned long seed, fga_error *err)
{
  int rc;
  fga_hamming_clear (h);
  if ((rc = check_params (n, m, t, eps, err)) != FGA_OK)
    return rc;
  size_t far = fga_hamming_far (t, eps);
  /* Each b_j is redrawn until it is far from all n vectors a_i; a draw
     succeeds with probability about (1 - p)^n.  Random pairs concentrate
     at distance m/2 (standard deviation sqrt(m)/2), so this is hopeless
     unless (1+eps) t sits a few deviations below m/2.  */
  double p = close_probability (m, far);
  double success = pow (1 - p, (double) n);
  if (!(success >= 1e-3))
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "the gap cannot be sampled: (1+eps) t = %g is too close to m/2 = %g "
                          "(random vectors concentrate there, deviation sqrt(m)/2 = %.3g); a "
                          "random pair is closer than %zu with probability %.3g, so a vector "
                          "far from all %zu others is drawn with probability %.3g < 1e-3: "
                          "lower t or eps, or raise m",
                          (1.0 + eps) * (double) t, m / 2.0, sqrt ((double) m) / 2, far, p, n,
                          success);
  h->a = fgap_alloc (n * m, "the vectors a", err);
  h->b = fgap_alloc (n * m, "the vectors b", err);
  if (h->a == NULL || h->b == NULL)
    {
      fga_hamming_clear (h);
      return FGA_ERR_NOMEM;
    }
  h->n = n, h->m = m, h->t = t, h->eps = eps;
  h->planted = planted != 0;
  h->seed = seed;

  gmp_randstate_t rs;
  gmp_randinit_default (rs);
  gmp_randseed_ui (rs, seed);
  rc = FGA_OK;
  for (size_t i = 0; i < n; i++)
    draw_vector (h->a + i * m, m, rs);
  size_t pj = n;
  if (planted)
    {
      h->pi = gmp_urandomm_ui (rs, n);
      h->pj = pj = gmp_urandomm_ui (rs, n);
    }
  for (size_t j = 0; j < n && rc == FGA_OK; j++)
    {
      unsigned char *y = h->b + j * m;
      unsigned long draws = 0;
      for (;;)
        {
          if (j == pj)
            {
              /* a_pi with exactly t bits flipped, at t distinct positions
                 chosen by a partial Fisher-Yates shuffle.  */
              memcpy (y, h->a + h->pi * m, m);
              size_t *pos = fgap_alloc (m * sizeof *pos, "positions", err);
              if (pos == NULL)
                {
                  rc = FGA_ERR_NOMEM;
                  break;
                }
              for (size_t k = 0; k < m; k++)
                pos[k] = k;
              for (size_t k = 0; k < t; k++)
                {
                  size_t r = k + gmp_urandomm_ui (rs, m - k);
                  size_t tmp = pos[k];
                  pos[k] = pos[r], pos[r] = tmp;
                  y[pos[k]] ^= 1;
                }
              fgap_free (pos);
            }
          else
            draw_vector (y, m, rs);
          if (far_from_all (y, h, far, j == pj ? h->pi : n))
            break;
          if (++draws >= MAX_DRAWS)
            {
              rc = fgap_error_set (err, FGA_ERR_COMPUTE,
                                  "no vector b_%zu far enough from every a_i in %lu draws", j,
                                  MAX_DRAWS);
              break;
            }
        }
    }
  gmp_randclear (rs);
  if (rc != FGA_OK)
    fga_hamming_clear (h);
  return rc;
}

void
fga_hamming_solve (fga_hamming_solution *sol, fga_hamming_srcptr h)
{
  size_t far = fga_hamming_far (h->t, h->eps);
  memset (sol, 0, sizeof *sol);
  sol->min_dist = SIZE_MAX;
  for (size_t i = 0; i < h->n; i++)
    for (size_t j = 0; j < h->n; j++)
      {
        size_t dist = fga_hamming_distance (h, i, j);
        if (dist < sol->min_dist)
          sol->min_dist = dist, sol->argmin_i = i, sol->argmin_j = j;
        sol->close_pairs += dist <= h->t;
        sol->gap_pairs += dist > h->t && dist < far;
      }
  sol->yes = h->n > 0 && sol->min_dist <= h->t;
}

/* --- files ----------------------------------------------------------------- */

static int
join (char *buf, size_t size, const char *dir, const char *name, fga_error *err)
{
  if ((size_t) snprintf (buf, size, "%s/%s", dir, name) >= size)
    return fgap_error_set (err, FGA_ERR_INPUT, "the path %s/%s is too long", dir, name);
  return FGA_OK;
}

static json_t *
bits_array (const unsigned char *x, size_t n, size_t m, char *line)
{
  json_t *arr = json_array ();
  for (size_t i = 0; i < n; i++)
    {
      for (size_t k = 0; k < m; k++)
        line[k] = (char) ('0' + x[i * m + k]);
      line[m] = '\0';
      json_array_append_new (arr, json_string (line));
    }
  return arr;
}

int
fga_hamming_write (const char *dir, fga_hamming_srcptr h, fga_error *err)
{
  char path[4096];
  int rc;
  if (dir[0] == '\0')
    return fgap_error_set (err, FGA_ERR_INPUT, "the folder name is empty");
  if ((rc = join (path, sizeof path, dir, "hamming.json", err)) != FGA_OK)
    return rc;
  if ((rc = check_params (h->n, h->m, h->t, h->eps, err)) != FGA_OK)
    return rc;
  if (mkdir (dir, 0777) != 0 && errno != EEXIST)
    return fgap_error_set (err, FGA_ERR_IO, "%s: cannot make the folder: %s", dir,
                          strerror (errno));
  char *line = fgap_alloc (h->m + 1, "a line", err);
  if (line == NULL)
    return FGA_ERR_NOMEM;
  json_t *o = json_object ();
  json_object_set_new (o, "format", json_string ("fgattn-hamming"));
  json_object_set_new (o, "fgattn_version", json_string (fga_version ()));
  json_object_set_new (o, "n", json_integer ((json_int_t) h->n));
  json_object_set_new (o, "m", json_integer ((json_int_t) h->m));
  json_object_set_new (o, "t", json_integer ((json_int_t) h->t));
  json_object_set_new (o, "eps", json_real (h->eps));
  json_object_set_new (o, "planted", h->planted < 0 ? json_null () : json_boolean (h->planted));
  if (h->planted >= 0)
    json_object_set_new (o, "seed", json_integer ((json_int_t) h->seed));
  if (h->planted == 1)
    json_object_set_new (o, "planted_pair", json_pack ("[II]", (json_int_t) h->pi,
                                                      (json_int_t) h->pj));
  json_object_set_new (o, "a", bits_array (h->a, h->n, h->m, line));
  json_object_set_new (o, "b", bits_array (h->b, h->n, h->m, line));
  fgap_free (line);
  rc = fgap_json_write_atomic (path, o, JSON_INDENT (1) | JSON_PRESERVE_ORDER
                               | JSON_REAL_PRECISION (17), err);
  json_decref (o);
  return rc;
}

static int
get_size (const json_t *o, const char *key, size_t *out, const char *path, fga_error *err)
{
  json_t *v = json_object_get (o, key);
  if (!json_is_integer (v) || json_integer_value (v) < 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: \"%s\" must be a non-negative integer",
                          path, key);
  *out = (size_t) json_integer_value (v);
  return FGA_OK;
}

static int
get_bits (unsigned char *x, const json_t *arr, const char *key, size_t n, size_t m,
          const char *path, fga_error *err)
{
  if (!json_is_array (arr) || json_array_size (arr) != n)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: \"%s\" must be an array of n = %zu strings",
                          path, key, n);
  for (size_t i = 0; i < n; i++)
    {
      json_t *s = json_array_get (arr, i);
      const char *text = json_string_value (s);
      if (text == NULL || strlen (text) != m)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: %s[%zu] must be a string of m = %zu bits",
                              path, key, i, m);
      for (size_t k = 0; k < m; k++)
        {
          if (text[k] != '0' && text[k] != '1')
            return fgap_error_set (err, FGA_ERR_INPUT,
                                  "%s: %s[%zu] has '%c' at position %zu, not 0 or 1", path,
                                  key, i, text[k], k);
          x[i * m + k] = (unsigned char) (text[k] - '0');
        }
    }
  return FGA_OK;
}

int
fga_hamming_read (fga_hamming_ptr h, const char *dir, fga_error *err)
{
  char path[4096];
  int rc;
  fga_hamming_clear (h);
  if ((rc = join (path, sizeof path, dir, "hamming.json", err)) != FGA_OK)
    return rc;
  json_error_t jerr;
  json_t *o = json_load_file (path, JSON_REJECT_DUPLICATES, &jerr);
  if (o == NULL)
    return fgap_error_set (err, json_error_code (&jerr) == json_error_cannot_open_file
                          ? FGA_ERR_IO : FGA_ERR_INPUT, "%s: %s", path, jerr.text);
  const char *fmt = json_string_value (json_object_get (o, "format"));
  json_t *eps = json_object_get (o, "eps"), *pl = json_object_get (o, "planted");
  size_t n = 0, m = 0, t = 0;
  if (!json_is_object (o) || fmt == NULL || strcmp (fmt, "fgattn-hamming") != 0)
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: not an fgattn-hamming file", path);
  if (rc == FGA_OK)
    rc = get_size (o, "n", &n, path, err);
  if (rc == FGA_OK)
    rc = get_size (o, "m", &m, path, err);
  if (rc == FGA_OK)
    rc = get_size (o, "t", &t, path, err);
  if (rc == FGA_OK && !json_is_number (eps))
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: \"eps\" must be a number", path);
  if (rc == FGA_OK)
    rc = check_params (n, m, t, json_number_value (eps), err);
  if (rc == FGA_OK)
    {
      h->a = fgap_alloc (n * m, "the vectors a", err);
      h->b = fgap_alloc (n * m, "the vectors b", err);
      if (h->a == NULL || h->b == NULL)
        rc = FGA_ERR_NOMEM;
    }
  if (rc == FGA_OK)
    rc = get_bits (h->a, json_object_get (o, "a"), "a", n, m, path, err);
  if (rc == FGA_OK)
    rc = get_bits (h->b, json_object_get (o, "b"), "b", n, m, path, err);
  if (rc == FGA_OK)
    {
      h->n = n, h->m = m, h->t = t, h->eps = json_number_value (eps);
      h->planted = json_is_boolean (pl) ? json_is_true (pl) : -1;
      json_t *s = json_object_get (o, "seed");
      h->seed = json_is_integer (s) ? (unsigned long) json_integer_value (s) : 0;
      json_t *pp = json_object_get (o, "planted_pair");
      if (h->planted == 1)
        {
          json_t *x = json_array_get (pp, 0), *y = json_array_get (pp, 1);
          if (!json_is_integer (x) || !json_is_integer (y) || json_integer_value (x) < 0
              || json_integer_value (y) < 0 || (size_t) json_integer_value (x) >= n
              || (size_t) json_integer_value (y) >= n)
            rc = fgap_error_set (err, FGA_ERR_INPUT,
                                "%s: \"planted_pair\" must be two indices below n = %zu", path,
                                n);
          else
            h->pi = (size_t) json_integer_value (x), h->pj = (size_t) json_integer_value (y);
        }
    }
  json_decref (o);
  if (rc != FGA_OK)
    fga_hamming_clear (h);
  return rc;
}
