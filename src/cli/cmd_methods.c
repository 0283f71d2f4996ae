/* fgattn methods -- the registry: every method, its parameters, defaults and ranges */

#include <config.h>

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn methods [--format table|csv|json]\n"
  "\n"
  "Lists every method with one row per parameter: its type, default, range\n"
  "or choices, and when it applies.  A method is named on the command line as\n"
  "NAME or NAME:key=value,key=value, e.g. exact:algo=mpfr,prec=256.\n"
  "The table writes large integer bounds as powers of two (2^53, 2^31-1) and\n"
  "reals in their shortest exact form (1e-300); CSV and JSON give min and max\n"
  "as numbers: integers in full, reals with 17 significant digits.\n"
  "\n"
  "example: fgattn methods\n";

/* An integer bound for people: 2^k or 2^k-1 from 2^16 on (the limits
   the methods take are such: 2^20, 2^31-1, 2^53), else in full.  */
static void
int_bound (char *buf, size_t size, double x)
{
  int e;
  if (fabs (x) >= 65536 && frexp (fabs (x), &e) == 0.5)
    snprintf (buf, size, "%s2^%d", x < 0 ? "-" : "", e - 1);
  else if (x >= 65535 && frexp (x + 1, &e) == 0.5)
    snprintf (buf, size, "2^%d-1", e - 1);
  else
    snprintf (buf, size, "%.0f", x);
}

/* A real bound for people: the shortest decimal that reads back as x,
   with the exponent bare (1e-300, 1e7).  */
static void
real_bound (char *buf, size_t size, double x)
{
  for (int digits = 1; digits <= 17; digits++)
    {
      snprintf (buf, size, "%.*g", digits, x);
      if (strtod (buf, NULL) == x)
        break;
    }
  char *e = strchr (buf, 'e');
  if (e == NULL)
    return;
  char *from = e + 1, *to = e + 1;
  if (*from == '+')
    from++;
  else if (*from == '-')
    *to++ = *from++;
  while (*from == '0' && from[1] != '\0')
    from++;
  memmove (to, from, strlen (from) + 1);
}

/* The range of a parameter for people: "integer 1..2^62", "real 0..1 or
   auto", the choices, or "text".  */
static void
range_text (char *buf, size_t size, const fga_param_info *p)
{
  char lo[32], hi[32];
  if (p->type == FGA_PARAM_CHOICE)
    snprintf (buf, size, "%s", p->choices);
  else if (p->type == FGA_PARAM_STRING)
    snprintf (buf, size, "text");
  else
    {
      void (*bound) (char *, size_t, double) = p->type == FGA_PARAM_INT ? int_bound
        : real_bound;
      bound (lo, sizeof lo, p->min);
      bound (hi, sizeof hi, p->max);
      snprintf (buf, size, "%s %s..%s%s%s", p->type == FGA_PARAM_INT ? "integer" : "real", lo,
                hi, p->choices != NULL ? " or " : "", p->choices != NULL ? p->choices : "");
    }
}

/* A bound for CSV and JSON: an integer in full, a real with 17 digits.  */
static void
add_bound (cli_table_t *t, size_t col, const fga_param_info *p, double x)
{
  char b[64];
  if (p->type == FGA_PARAM_INT)
    cli_table_addf (t, col, "%.0f", x);
  else
    cli_table_addf (t, col, "%s", cli_num (b, sizeof b, x));
}

int
cli_methods (int argc, char **argv)
{
  static const struct option opts[] = {
    { "format", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  cli_format_t fmt = CLI_TABLE;
  int c, rc;
  optind = 1;
  while ((c = cli_getopt (argc, argv, "h", opts)) != -1)
    switch (c)
      {
      case 'f':
        if ((rc = cli_parse_format (&fmt, optarg)) != CLI_OK)
          return rc;
        break;
      case 'h': fputs (usage, stdout); return CLI_OK;
      default: return CLI_USAGE;
      }
  if (optind < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind]);

  if (fmt == CLI_TABLE)
    {
      /* For people: each method, its line, then its parameters indented.  */
      for (size_t k = 0; k < fga_method_count (); k++)
        {
          const fga_method_info *mi = fga_method_info_at (k);
          printf ("%s\n    %s\n", mi->name, mi->description);
          for (const fga_param_info *p = mi->params; p->key != NULL; p++)
            {
              char range[160];
              range_text (range, sizeof range, p);
              printf ("    %-10s default %-10s %s%s%s\n", p->key, p->def, range,
                      p->applies != NULL ? "; when " : "", p->applies != NULL ? p->applies : "");
              printf ("               %s\n", p->doc);
            }
        }
      return CLI_OK;
    }

  static const char *names[] = { "method", "description", "parameter", "type", "default",
                                 "min", "max", "choices", "applies", "doc" };
  cli_table_t t;
  cli_table_init (&t, 10, names);
  for (size_t k = 0; k < fga_method_count (); k++)
    {
      const fga_method_info *mi = fga_method_info_at (k);
      for (const fga_param_info *p = mi->params; p->key != NULL; p++)
        {
          static const char *types[] = { "int", "real", "choice", "string" };
          cli_table_new_row (&t);
          cli_table_addf (&t, 0, "%s", mi->name);
          cli_table_addf (&t, 1, "%s", mi->description);
          cli_table_addf (&t, 2, "%s", p->key);
          cli_table_addf (&t, 3, "%s", types[p->type]);
          cli_table_addf (&t, 4, "%s", p->def);
          if (p->type == FGA_PARAM_INT || p->type == FGA_PARAM_REAL)
            {
              add_bound (&t, 5, p, p->min);
              add_bound (&t, 6, p, p->max);
            }
          if (p->choices != NULL)
            cli_table_addf (&t, 7, "%s", p->choices);
          cli_table_addf (&t, 8, "%s", p->applies != NULL ? p->applies : "");
          cli_table_addf (&t, 9, "%s", p->doc);
        }
    }
  cli_table_print (&t, fmt, 0, stdout);
  cli_table_clear (&t);
  return CLI_OK;
}
