/* fgattn methods -- the registry: every method, its parameters, defaults and ranges */

#include <config.h>

#include <getopt.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn methods [--format table|csv|json]\n"
  "\n"
  "Lists every method with one row per parameter: its type, default, range\n"
  "or choices, and when it applies.  A method is named on the command line as\n"
  "NAME or NAME:key=value,key=value, e.g. exact:algo=mpfr,prec=256.\n"
  "\n"
  "example: fgattn methods\n";

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
              char range[128];
              if (p->type == FGA_PARAM_CHOICE)
                snprintf (range, sizeof range, "%s", p->choices);
              else if (p->type == FGA_PARAM_STRING)
                snprintf (range, sizeof range, "text");
              else
                snprintf (range, sizeof range, "%s %.17g..%.17g%s%s",
                          p->type == FGA_PARAM_INT ? "integer" : "real", p->min, p->max,
                          p->choices != NULL ? " or " : "", p->choices != NULL ? p->choices : "");
              printf ("    %-10s default %-8s %s%s%s\n", p->key, p->def, range,
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
              cli_table_addf (&t, 5, "%.17g", p->min);
              cli_table_addf (&t, 6, "%.17g", p->max);
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
