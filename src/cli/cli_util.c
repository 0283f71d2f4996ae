/* cli_util -- messages, option values, output formats and signals of the fgattn program */

#include <config.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *cli_command = "fgattn";

int
cli_fail (int status, const char *fmt, ...)
{
  va_list ap;
  fprintf (stderr, "fgattn %s: ", cli_command);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  return status;
}

int
cli_status (int code)
{
  if (code == FGA_OK)
    return CLI_OK;
  return code == FGA_ERR_INPUT ? CLI_USAGE : CLI_FAILED;
}

int
cli_fail_err (const fga_error *err)
{
  return cli_fail (cli_status (err->code), "%s", err->msg);
}

int
cli_parse_size (size_t *out, const char *text, const char *option, size_t min)
{
  char *end;
  errno = 0;
  if (text[0] == '-')
    return cli_fail (CLI_USAGE, "%s %s: expected a whole number >= %zu", option, text, min);
  unsigned long long v = strtoull (text, &end, 10);
  if (end == text || *end != '\0' || errno == ERANGE || v > SIZE_MAX || v < min)
    return cli_fail (CLI_USAGE, "%s %s: expected a whole number >= %zu", option, text, min);
  *out = (size_t) v;
  return CLI_OK;
}

int
cli_parse_ulong (unsigned long *out, const char *text, const char *option)
{
  char *end;
  errno = 0;
  if (text[0] == '-')
    return cli_fail (CLI_USAGE, "%s %s: expected a whole number >= 0", option, text);
  unsigned long v = strtoul (text, &end, 10);
  if (end == text || *end != '\0' || errno == ERANGE)
    return cli_fail (CLI_USAGE, "%s %s: expected a whole number >= 0", option, text);
  *out = v;
  return CLI_OK;
}

int
cli_parse_real (double *out, const char *text, const char *option, int positive)
{
  char *end;
  errno = 0;
  double x = strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (x))
    return cli_fail (CLI_USAGE, "%s %s: expected a finite number", option, text);
  if (positive && !(x > 0))
    return cli_fail (CLI_USAGE, "%s %s: must be positive", option, text);
  *out = x;
  return CLI_OK;
}

int
cli_parse_format (cli_format_t *fmt, const char *text)
{
  if (strcmp (text, "table") == 0)
    *fmt = CLI_TABLE;
  else if (strcmp (text, "csv") == 0)
    *fmt = CLI_CSV;
  else if (strcmp (text, "json") == 0)
    *fmt = CLI_JSON;
  else
    return cli_fail (CLI_USAGE, "--format %s: expected table, csv or json", text);
  return CLI_OK;
}

const char *
cli_num (char *buf, size_t size, double x)
{
  if (isnan (x))
    snprintf (buf, size, "nan");
  else if (isinf (x))
    snprintf (buf, size, x > 0 ? "inf" : "-inf");
  else
    snprintf (buf, size, "%.17g", x);
  return buf;
}

void
cli_table_init (cli_table_t *t, size_t ncols, const char **names)
{
  t->ncols = ncols;
  t->names = names;
  t->nrows = 0;
  t->cap = 0;
  t->cells = NULL;
}

static char *
xstrdup (const char *s)
{
  char *p = strdup (s != NULL ? s : "");
  if (p == NULL)
    {
      fputs ("fgattn: out of memory\n", stderr);
      exit (CLI_FAILED);
    }
  return p;
}

void
cli_table_new_row (cli_table_t *t)
{
  if (t->nrows == t->cap)
    {
      t->cap = t->cap ? 2 * t->cap : 8;
      t->cells = realloc (t->cells, t->cap * t->ncols * sizeof (char *));
      if (t->cells == NULL)
        {
          fputs ("fgattn: out of memory\n", stderr);
          exit (CLI_FAILED);
        }
    }
  for (size_t c = 0; c < t->ncols; c++)
    t->cells[t->nrows * t->ncols + c] = xstrdup ("");
  t->nrows++;
}

void
cli_table_add (cli_table_t *t, ...)
{
  va_list ap;
  cli_table_new_row (t);
  va_start (ap, t);
  for (size_t c = 0; c < t->ncols; c++)
    {
      char **cell = &t->cells[(t->nrows - 1) * t->ncols + c];
      free (*cell);
      *cell = xstrdup (va_arg (ap, const char *));
    }
  va_end (ap);
}

void
cli_table_addf (cli_table_t *t, size_t col, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  char **cell = &t->cells[(t->nrows - 1) * t->ncols + col];
  free (*cell);
  *cell = xstrdup (buf);
}

static int
is_number (const char *s)
{
  char *end;
  if (*s == '\0')
    return 0;
  strtod (s, &end);
  return *end == '\0';
}

static void
csv_cell (const char *s, FILE *out)
{
  if (strpbrk (s, ",\"\n") == NULL)
    {
      fputs (s, out);
      return;
    }
  fputc ('"', out);
  for (; *s; s++)
    {
      if (*s == '"')
        fputc ('"', out);
      fputc (*s, out);
    }
  fputc ('"', out);
}

static void
json_string (const char *s, FILE *out)
{
  fputc ('"', out);
  for (; *s; s++)
    {
      unsigned char ch = (unsigned char) *s;
      if (ch == '"' || ch == '\\')
        fprintf (out, "\\%c", ch);
      else if (ch < 0x20)
        fprintf (out, "\\u%04x", ch);
      else
        fputc (ch, out);
    }
  fputc ('"', out);
}

static void
json_cell (const char *s, FILE *out)
{
  if (*s == '\0' || strcmp (s, "nan") == 0 || strcmp (s, "inf") == 0 || strcmp (s, "-inf") == 0)
    fputs ("null", out);
  else if (is_number (s))
    fputs (s, out);
  else
    json_string (s, out);
}

/* Numbers are right-aligned, text left-aligned; the last column is not padded. */
static void
print_cell (FILE *out, const char *s, size_t width, int last)
{
  if (last)
    fprintf (out, "%*s\n", is_number (s) ? (int) width : 0, s);
  else
    fprintf (out, is_number (s) ? "%*s  " : "%-*s  ", (int) width, s);
}

void
cli_table_print (const cli_table_t *t, cli_format_t fmt, int single, FILE *out)
{
  const char *const *cell = (const char *const *) t->cells;
  if (fmt == CLI_CSV)
    {
      for (size_t c = 0; c < t->ncols; c++)
        {
          if (c)
            fputc (',', out);
          csv_cell (t->names[c], out);
        }
      fputc ('\n', out);
      for (size_t r = 0; r < t->nrows; r++)
        {
          for (size_t c = 0; c < t->ncols; c++)
            {
              if (c)
                fputc (',', out);
              csv_cell (cell[r * t->ncols + c], out);
            }
          fputc ('\n', out);
        }
      return;
    }
  if (fmt == CLI_JSON)
    {
      int one = single && t->nrows == 1;
      if (!one)
        fputs ("[\n", out);
      for (size_t r = 0; r < t->nrows; r++)
        {
          fputs (one ? "{\n" : "  {\n", out);
          for (size_t c = 0; c < t->ncols; c++)
            {
              fputs (one ? "  " : "    ", out);
              json_string (t->names[c], out);
              fputs (": ", out);
              json_cell (cell[r * t->ncols + c], out);
              fputs (c + 1 < t->ncols ? ",\n" : "\n", out);
            }
          fputs (one ? "}\n" : (r + 1 < t->nrows ? "  },\n" : "  }\n"), out);
        }
      if (!one)
        fputs ("]\n", out);
      return;
    }
  /* For people: one row as "key  value" lines, several as aligned columns. */
  if (single && t->nrows == 1)
    {
      size_t w = 0;
      for (size_t c = 0; c < t->ncols; c++)
        w = strlen (t->names[c]) > w ? strlen (t->names[c]) : w;
      for (size_t c = 0; c < t->ncols; c++)
        fprintf (out, "%-*s  %s\n", (int) w, t->names[c], cell[c]);
      return;
    }
  size_t *w = calloc (t->ncols, sizeof *w);
  if (w == NULL)
    return;
  for (size_t c = 0; c < t->ncols; c++)
    {
      w[c] = strlen (t->names[c]);
      for (size_t r = 0; r < t->nrows; r++)
        if (strlen (cell[r * t->ncols + c]) > w[c])
          w[c] = strlen (cell[r * t->ncols + c]);
    }
  for (size_t c = 0; c < t->ncols; c++)
    print_cell (out, t->names[c], w[c], c + 1 == t->ncols);
  for (size_t c = 0; c < t->ncols; c++)
    {
      for (size_t k = 0; k < w[c]; k++)
        fputc ('-', out);
      fputs (c + 1 < t->ncols ? "  " : "\n", out);
    }
  for (size_t r = 0; r < t->nrows; r++)
    for (size_t c = 0; c < t->ncols; c++)
      print_cell (out, cell[r * t->ncols + c], w[c], c + 1 == t->ncols);
  free (w);
}

void
cli_table_clear (cli_table_t *t)
{
  for (size_t k = 0; k < t->nrows * t->ncols; k++)
    free (t->cells[k]);
  free (t->cells);
  t->cells = NULL;
  t->nrows = t->cap = 0;
}

static void
on_signal (int sig)
{
  fga_atomic_remove_pending ();
  signal (sig, SIG_DFL);
  raise (sig);
}

void
cli_install_signal_handlers (void)
{
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  signal (SIGHUP, on_signal);
}

int
cli_read_instance (fga_instance_ptr inst, const char *dir)
{
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  if (fga_instance_read (inst, dir, &err) != FGA_OK)
    return cli_fail_err (&err);
  return CLI_OK;
}

int
cli_check_writable (const char *path, const char *option)
{
  char dir[4096];
  const char *slash = strrchr (path, '/');
  if (slash == NULL)
    snprintf (dir, sizeof dir, ".");
  else if (slash == path)
    snprintf (dir, sizeof dir, "/");
  else
    snprintf (dir, sizeof dir, "%.*s", (int) (slash - path), path);
  if (path[0] == '\0' || (slash != NULL && slash[1] == '\0'))
    return cli_fail (CLI_USAGE, "%s '%s': not a file name", option, path);
  if (access (dir, W_OK | X_OK) != 0)
    return cli_fail (CLI_USAGE, "%s %s: cannot write in folder %s: %s", option, path, dir,
                     strerror (errno));
  return CLI_OK;
}

/* notebooks-data/NAME for .../NAME.conf: where the standard runs live.  */
void
cli_default_outdir (char *buf, size_t size, const char *config)
{
  const char *base = strrchr (config, '/');
  base = base != NULL ? base + 1 : config;
  size_t len = strlen (base);
  if (len > 5 && strcmp (base + len - 5, ".conf") == 0)
    len -= 5;
  snprintf (buf, size, "notebooks-data/%.*s", (int) len, base);
}

/* The options that set a mechanism's parameters, as fgattn analyze and
   fgattn scaling both name them (the getopt letters are theirs too).  */
int
cli_an_option (fga_an_spec *s, int opt, const char *arg, int *status)
{
  *status = CLI_OK;
  switch (opt)
    {
    case 'c': s->causal = 1; return 1;
    case 'b': *status = cli_parse_size (&s->block, arg, "--block", 0); return 1;
    case 'w': *status = cli_parse_size (&s->w, arg, "--w", 0); return 1;
    case 'l': *status = cli_parse_size (&s->l, arg, "--l", 0); return 1;
    case 'Y': *status = cli_parse_size (&s->c, arg, "--c", 1); return 1;
    case 'r': *status = cli_parse_size (&s->r, arg, "--r", 1); return 1;
    case 'a': *status = cli_parse_size (&s->alpha, arg, "--alpha", 2); return 1;
    case 'K': *status = cli_parse_size (&s->levels, arg, "--levels", 0); return 1;
    case 'm': *status = cli_parse_size (&s->m, arg, "--m", 1); return 1;
    case 'S': s->segment = 1; return 1;
    case 'T':
      if (strcmp (arg, "pos") == 0)
        s->rf_kind = FGA_RF_POS;
      else if (strcmp (arg, "hyp") == 0)
        s->rf_kind = FGA_RF_HYP;
      else if (strcmp (arg, "trig") == 0)
        s->rf_kind = FGA_RF_TRIG;
      else
        *status = cli_fail (CLI_USAGE, "--kind: '%s' is not pos, hyp or trig", arg);
      return 1;
    default:
      return 0;
    }
}
