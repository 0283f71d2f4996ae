/* fga_stats -- the record of one run: time, counted operations, peak bytes, own figures */

#include "core/fga-impl.h"

#include <jansson.h>

void
fga_stats_init (fga_stats *st)
{
  memset (st, 0, sizeof *st);
  st->threads = 1;
}

void
fgap_stats_add_counts (fga_stats *to, const fga_stats *from)
{
  to->n_mul += from->n_mul;
  to->n_add += from->n_add;
  to->n_exp += from->n_exp;
  to->n_div += from->n_div;
  to->n_cmp += from->n_cmp;
}

void
fgap_stats_set_counts (fga_stats *to, const fga_stats *from)
{
  to->n_mul = from->n_mul;
  to->n_add = from->n_add;
  to->n_exp = from->n_exp;
  to->n_div = from->n_div;
  to->n_cmp = from->n_cmp;
}

void
fga_stats_set_named (fga_stats *st, const char *name, double code, const char *text)
{
  size_t k = 0;
  while (k < st->nextra && strcmp (st->extra[k].name, name) != 0)
    k++;
  if (k == FGA_STATS_EXTRA)
    return;
  if (k == st->nextra)
    {
      snprintf (st->extra[k].name, sizeof st->extra[k].name, "%s", name);
      st->nextra++;
    }
  st->extra[k].value = code;
  snprintf (st->extra[k].text, sizeof st->extra[k].text, "%s", text != NULL ? text : "");
}

void
fga_stats_set (fga_stats *st, const char *name, double value)
{
  fga_stats_set_named (st, name, value, NULL);
}

double
fga_stats_get (const fga_stats *st, const char *name)
{
  for (size_t k = 0; k < st->nextra; k++)
    if (strcmp (st->extra[k].name, name) == 0)
      return st->extra[k].value;
  return NAN;
}

const char *
fga_stats_figure_text (char *buf, size_t size, const fga_stats *st, size_t k)
{
  double x = st->extra[k].value;
  if (st->extra[k].text[0] != '\0')
    snprintf (buf, size, "%s", st->extra[k].text);
  else if (isnan (x))
    snprintf (buf, size, "nan");
  else if (isinf (x))
    snprintf (buf, size, x > 0 ? "inf" : "-inf");
  else
    snprintf (buf, size, "%.17g", x);
  return buf;
}

/* JSON has no Inf or NaN: they are written as null.  */
static json_t *
json_number (double x)
{
  return isfinite (x) ? json_real (x) : json_null ();
}

int
fga_stats_write_json (const char *path, const fga_stats *st, const char *method_spec,
                      const struct fga_problem *prob, fga_error *err)
{
  json_t *o = json_object ();
  json_object_set_new (o, "fgattn_version", json_string (fga_version ()));
  json_object_set_new (o, "method", json_string (method_spec));
  if (prob != NULL)
    {
      char tau[64];
      fga_tau_format (tau, sizeof tau, &prob->tau);
      json_object_set_new (o, "nq", json_integer ((json_int_t) prob->nq));
      json_object_set_new (o, "nk", json_integer ((json_int_t) prob->nk));
      json_object_set_new (o, "d", json_integer ((json_int_t) prob->d));
      json_object_set_new (o, "dv", json_integer ((json_int_t) prob->dv));
      json_object_set_new (o, "tau", json_string (tau));
      json_object_set_new (o, "tau_value", json_real (fga_tau_double (&prob->tau, prob->d)));
      json_object_set_new (o, "B", json_number (prob->B));
      json_object_set_new (o, "Bv", json_number (prob->Bv));
      json_object_set_new (o, "R", json_number (prob->R));
    }
  json_object_set_new (o, "wall_seconds", json_real (st->wall_seconds));
  json_object_set_new (o, "threads", json_integer (st->threads));
  /* The BLAS the products ran on, its version and the core whose kernels
     it used ("... (chose X)" when fgattn switched it from core X): the
     same data run on another core gives other last bits and times.  */
  char blas[192];
  json_object_set_new (o, "blas", json_string (fga_blas_text (blas, sizeof blas)));
  json_t *ops = json_object ();
  json_object_set_new (ops, "mul", json_integer ((json_int_t) st->n_mul));
  json_object_set_new (ops, "add", json_integer ((json_int_t) st->n_add));
  json_object_set_new (ops, "exp", json_integer ((json_int_t) st->n_exp));
  json_object_set_new (ops, "div", json_integer ((json_int_t) st->n_div));
  json_object_set_new (ops, "cmp", json_integer ((json_int_t) st->n_cmp));
  json_object_set_new (o, "ops", ops);
  json_object_set_new (o, "peak_bytes", json_integer ((json_int_t) st->peak_bytes));
  json_t *extra = json_object ();
  for (size_t k = 0; k < st->nextra; k++)
    json_object_set_new (extra, st->extra[k].name, st->extra[k].text[0] != '\0'
                         ? json_string (st->extra[k].text) : json_number (st->extra[k].value));
  json_object_set_new (o, "figures", extra);
  json_object_set_new (o, "notes", json_string (st->notes));

  int rc = fgap_json_write_atomic (path, o, JSON_INDENT (2) | JSON_PRESERVE_ORDER
                                   | JSON_REAL_PRECISION (17), err);
  json_decref (o);
  return rc;
}
