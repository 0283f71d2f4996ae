/* cli_util -- messages, option values, output formats, signals, files and memory of the fgattn program */

#include <config.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli.h"

const char *cli_command = NULL;

int
cli_fail (int status, const char *fmt, ...)
{
  va_list ap;
  if (cli_command != NULL)
    fprintf (stderr, "fgattn %s: ", cli_command);
  else
    fputs ("fgattn: ", stderr);
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
cli_parse_size (size_t *out, const char *text, const char *option, size_t min, size_t max)
{
  fga_error err;
  if (fga_parse_size (out, text, min, max, option, &err) != FGA_OK)
    return cli_usage_error ("%s", err.msg);
  return CLI_OK;
}

int
cli_parse_ulong (unsigned long *out, const char *text, const char *option, unsigned long max)
{
  fga_error err;
  if (fga_parse_ulong (out, text, 0, max, option, &err) != FGA_OK)
    return cli_usage_error ("%s", err.msg);
  return CLI_OK;
}

int
cli_parse_long (long *out, const char *text, const char *option, long min, long max)
{
  fga_error err;
  if (fga_parse_long (out, text, min, max, option, &err) != FGA_OK)
    return cli_usage_error ("%s", err.msg);
  return CLI_OK;
}

int
cli_parse_real (double *out, const char *text, const char *option, double min, double max,
                unsigned flags)
{
  fga_error err;
  if (fga_parse_real (out, text, min, max, flags, option, &err) != FGA_OK)
    return cli_usage_error ("%s", err.msg);
  return CLI_OK;
}

int
cli_parse_positive (double *out, const char *text, const char *option)
{
  return cli_parse_real (out, text, option, 0, INFINITY, FGA_PARSE_OPEN_MIN);
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
    return cli_usage_error ("--format %s: expected table, csv or json", text);
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

/* Whether s is a number as JSON writes one: -?(0|[1-9][0-9]*)(.[0-9]+)?
   ([eE][+-]?[0-9]+)?  (strtod also takes "0x1p3", "+1", ".5", "1.", "INF").  */
static int
is_json_number (const char *s)
{
  if (*s == '-')
    s++;
  if (*s == '0')
    s++;
  else if (*s >= '1' && *s <= '9')
    while (*s >= '0' && *s <= '9')
      s++;
  else
    return 0;
  if (*s == '.')
    {
      if (!(*++s >= '0' && *s <= '9'))
        return 0;
      while (*s >= '0' && *s <= '9')
        s++;
    }
  if (*s == 'e' || *s == 'E')
    {
      s++;
      if (*s == '+' || *s == '-')
        s++;
      if (!(*s >= '0' && *s <= '9'))
        return 0;
      while (*s >= '0' && *s <= '9')
        s++;
    }
  return *s == '\0';
}

static void
json_cell (const char *s, FILE *out)
{
  if (*s == '\0' || strcmp (s, "nan") == 0 || strcmp (s, "inf") == 0 || strcmp (s, "-inf") == 0)
    fputs ("null", out);
  else if (is_json_number (s))
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
  /* During a group commit the signal waits: the commit completes, then
     raises it again and we come back here.  */
  if (!fga_atomic_signal (sig))
    return;
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
  /* float32 and float16 inputs were widened (exactly): every command that
     reads an instance says so, on stderr where no output format suffers. */
  char note[1024];
  if (fga_instance_dtype_note (note, sizeof note, dir) > 0)
    fprintf (stderr, "fgattn %s: note: %s\n", cli_command, note);
  return CLI_OK;
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
    case 'b': *status = cli_parse_size (&s->block, arg, "--block", 0, SIZE_MAX); return 1;
    case 'w': *status = cli_parse_size (&s->w, arg, "-w", 0, SIZE_MAX); return 1;
    case 'l': *status = cli_parse_size (&s->l, arg, "-l", 0, SIZE_MAX); return 1;
    case 'Y': *status = cli_parse_size (&s->c, arg, "-c", 1, SIZE_MAX); return 1;
    case 'r': *status = cli_parse_size (&s->r, arg, "-r", 1, SIZE_MAX); return 1;
    case 'a': *status = cli_parse_size (&s->alpha, arg, "--alpha", 2, SIZE_MAX); return 1;
    case 'K': *status = cli_parse_size (&s->levels, arg, "--levels", 0, SIZE_MAX); return 1;
    case 'm': *status = cli_parse_size (&s->m, arg, "-m", 1, SIZE_MAX); return 1;
    case 'S': s->segment = 1; return 1;
    case 'T':
      if (strcmp (arg, "pos") == 0)
        s->rf_kind = FGA_RF_POS;
      else if (strcmp (arg, "hyp") == 0)
        s->rf_kind = FGA_RF_HYP;
      else if (strcmp (arg, "trig") == 0)
        s->rf_kind = FGA_RF_TRIG;
      else
        *status = cli_usage_error ("--kind: '%s' is not pos, hyp or trig", arg);
      return 1;
    default:
      return 0;
    }
}

/* ------------------------------------------------------------------ */
/* The files of a command.  */

const char *const cli_instance_files[] = { "Q.npy", "K.npy", "V.npy", "?instance.json", NULL };
const char *const cli_reduced_files[] = { "Q.npy", "K.npy", "V.npy", "?instance.json",
                                          "reduction.json", NULL };

void
cli_files_init (cli_files_t *f)
{
  memset (f, 0, sizeof *f);
}

static void
files_add (cli_files_t *f, const char *path, const char *option, int output,
           const char *const *names)
{
  if (f->n == CLI_FILES_MAX)
    {
      fputs ("fgattn: internal error: too many files for one command\n", stderr);
      abort ();
    }
  cli_file_t *e = &f->f[f->n++];
  e->path = path;
  e->option = option;
  e->output = output;
  e->names = names;
  e->tmp = NULL;
}

void
cli_files_input (cli_files_t *f, const char *path, const char *option)
{
  files_add (f, path, option, 0, NULL);
}

void
cli_files_input_dir (cli_files_t *f, const char *dir, const char *option,
                     const char *const *names)
{
  files_add (f, dir, option, 0, names);
}

void
cli_files_output (cli_files_t *f, const char *path, const char *option)
{
  files_add (f, path, option, 1, NULL);
}

void
cli_files_output_dir (cli_files_t *f, const char *dir, const char *option,
                      const char *const *names)
{
  files_add (f, dir, option, 2, names);
}

/* One file as the checks see it.  */
typedef struct
{
  const char *option;
  const char *given;           /* what the option named: the file, or its folder */
  char shown[4096];            /* as the user named it: the path, or DIR/NAME */
  int output;
  int exists;
  dev_t dev;
  ino_t ino;
  char resolved[PATH_MAX + 512];   /* realpath of the file, or of its folder + its name */
} named_t;

/* The folder part of path ("." when there is none), into buf.  */
static void
folder_of (char *buf, size_t size, const char *path)
{
  const char *slash = strrchr (path, '/');
  if (slash == NULL)
    snprintf (buf, size, ".");
  else if (slash == path)
    snprintf (buf, size, "/");
  else
    snprintf (buf, size, "%.*s", (int) (slash - path), path);
}

static void
name_file (named_t *nm, const cli_file_t *e, const char *path, int output)
{
  struct stat sb;
  char real[PATH_MAX], dir[4096];
  nm->option = e->option;
  nm->given = e->path;
  nm->output = output;
  snprintf (nm->shown, sizeof nm->shown, "%s", path);
  nm->exists = stat (path, &sb) == 0;
  if (nm->exists)
    {
      nm->dev = sb.st_dev;
      nm->ino = sb.st_ino;
    }
  if (realpath (path, real) != NULL)
    {
      snprintf (nm->resolved, sizeof nm->resolved, "%s", real);
      return;
    }
  folder_of (dir, sizeof dir, path);
  const char *slash = strrchr (path, '/');
  if (realpath (dir, real) != NULL)
    snprintf (nm->resolved, sizeof nm->resolved, "%s/%s", real,
              slash != NULL ? slash + 1 : path);
  else
    snprintf (nm->resolved, sizeof nm->resolved, "%s", path);
}

static const char *
kind_of (mode_t mode)
{
  return S_ISDIR (mode) ? "a folder" : S_ISCHR (mode) ? "a character device"
    : S_ISBLK (mode) ? "a block device" : S_ISFIFO (mode) ? "a FIFO"
    : S_ISSOCK (mode) ? "a socket" : S_ISREG (mode) ? "a regular file" : "not a regular file";
}

static int
writable_folder (const char *dir, const char *option, const char *path)
{
  struct stat sb;
  if (stat (dir, &sb) != 0)
    return cli_fail (CLI_USAGE, "%s %s: cannot write in folder %s: %s", option, path, dir,
                     strerror (errno));
  if (!S_ISDIR (sb.st_mode))
    return cli_fail (CLI_USAGE, "%s %s: cannot write in folder %s: not a folder", option, path,
                     dir);
  if (access (dir, W_OK | X_OK) != 0)
    return cli_fail (CLI_USAGE, "%s %s: cannot write in folder %s: %s", option, path, dir,
                     strerror (errno));
  return CLI_OK;
}

/* An output file: missing, a regular file, or a link to one; in a
   writable folder (when check_folder).  */
static int
check_output_file (const char *path, const char *option, int check_folder)
{
  struct stat sb;
  char dir[4096], real[PATH_MAX];
  size_t len = strlen (path);
  if (len == 0 || path[len - 1] == '/')
    return cli_fail (CLI_USAGE, "%s '%s': not a file name", option, path);
  const char *target = path;
  if (lstat (path, &sb) != 0)
    {
      if (errno != ENOENT)
        return cli_fail (CLI_USAGE, "%s %s: %s", option, path, strerror (errno));
    }
  else if (S_ISLNK (sb.st_mode))
    {
      if (stat (path, &sb) != 0)
        return cli_fail (CLI_USAGE, "%s %s: a symbolic link to nothing (%s)", option, path,
                         strerror (errno));
      if (!S_ISREG (sb.st_mode))
        return cli_fail (CLI_USAGE, "%s %s: a symbolic link to %s; an output must be a "
                         "regular file (written whole, then renamed into place)", option, path,
                         kind_of (sb.st_mode));
      if (realpath (path, real) == NULL)
        return cli_fail (CLI_USAGE, "%s %s: %s", option, path, strerror (errno));
      target = real;
    }
  else if (!S_ISREG (sb.st_mode))
    return cli_fail (CLI_USAGE, "%s %s: exists and is %s; an output must be a regular file "
                     "(written whole, then renamed into place)", option, path,
                     kind_of (sb.st_mode));
  if (!check_folder)
    return CLI_OK;
  folder_of (dir, sizeof dir, target);
  return writable_folder (dir, option, path);
}

int
cli_check_outdir (const char *dir, const char *option, int parents)
{
  struct stat sb;
  char parent[4096];
  size_t len = strlen (dir);
  if (len == 0)
    return cli_fail (CLI_USAGE, "%s '': not a folder name", option);
  if (len >= sizeof parent)
    return cli_fail (CLI_USAGE, "%s: the folder name is too long", option);
  if (stat (dir, &sb) == 0)
    {
      if (!S_ISDIR (sb.st_mode))
        return cli_fail (CLI_USAGE, "%s %s: exists and is %s, not a folder", option, dir,
                         kind_of (sb.st_mode));
      if (access (dir, W_OK | X_OK) != 0)
        return cli_fail (CLI_USAGE, "%s %s: cannot write in it: %s", option, dir,
                         strerror (errno));
      return CLI_OK;
    }
  if (errno != ENOENT && errno != ENOTDIR)
    return cli_fail (CLI_USAGE, "%s %s: %s", option, dir, strerror (errno));
  /* Missing: the folder that will hold it.  */
  snprintf (parent, sizeof parent, "%s", dir);
  for (;;)
    {
      size_t n = strlen (parent);
      while (n > 1 && parent[n - 1] == '/')
        parent[--n] = '\0';
      char up[4096];
      folder_of (up, sizeof up, parent);
      snprintf (parent, sizeof parent, "%s", up);
      if (stat (parent, &sb) == 0)
        break;
      if ((errno != ENOENT && errno != ENOTDIR) || !parents)
        return cli_fail (CLI_USAGE, "%s %s: cannot make the folder: %s: %s", option, dir,
                         parent, errno == ENOENT ? "no such folder" : strerror (errno));
      if (strcmp (parent, ".") == 0 || strcmp (parent, "/") == 0)
        return cli_fail (CLI_USAGE, "%s %s: cannot make the folder", option, dir);
    }
  if (!S_ISDIR (sb.st_mode))
    return cli_fail (CLI_USAGE, "%s %s: cannot make the folder: %s is not a folder", option, dir,
                     parent);
  if (access (parent, W_OK | X_OK) != 0)
    return cli_fail (CLI_USAGE, "%s %s: cannot make the folder in %s: %s", option, dir, parent,
                     strerror (errno));
  return CLI_OK;
}

/* Whether a and b are one file: the same inode, or the same resolved name. */
static int
same_named (const named_t *a, const named_t *b)
{
  if (a->exists && b->exists && a->dev == b->dev && a->ino == b->ino)
    return 1;
  return strcmp (a->resolved, b->resolved) == 0;
}

/* Whether an existing output is the file a standard stream goes to.  */
static int
is_std_stream (const named_t *nm, const char **which)
{
  static const char *const names[] = { "standard output", "standard error" };
  for (int fd = 1; fd <= 2; fd++)
    {
      struct stat sb;
      if (nm->exists && fstat (fd, &sb) == 0 && S_ISREG (sb.st_mode) && sb.st_dev == nm->dev
          && sb.st_ino == nm->ino)
        {
          *which = names[fd - 1];
          return 1;
        }
    }
  return 0;
}

int
cli_files_check (cli_files_t *f)
{
  size_t cap = 0;
  for (size_t k = 0; k < f->n; k++)
    {
      cap++;
      for (const char *const *p = f->f[k].names; p != NULL && *p != NULL; p++)
        cap++;
    }
  named_t *nm = calloc (cap ? cap : 1, sizeof *nm);
  if (nm == NULL)
    return cli_fail (CLI_FAILED, "out of memory");
  size_t nn = 0;
  int rc = CLI_OK;
  struct stat sb;
  char path[4096];
  for (size_t k = 0; k < f->n && rc == CLI_OK; k++)
    {
      const cli_file_t *e = &f->f[k];
      if (e->output == 0 && e->names == NULL)
        {
          if (stat (e->path, &sb) != 0)
            rc = cli_fail (CLI_USAGE, "%s %s: %s", e->option, e->path, strerror (errno));
          else if (S_ISDIR (sb.st_mode))
            rc = cli_fail (CLI_USAGE, "%s %s: a folder, not a file", e->option, e->path);
          else
            name_file (&nm[nn++], e, e->path, 0);
          continue;
        }
      if (e->output == 1)
        {
          if ((rc = check_output_file (e->path, e->option, 1)) == CLI_OK)
            name_file (&nm[nn++], e, e->path, 1);
          continue;
        }
      /* folders */
      if (e->output == 0)
        {
          if (stat (e->path, &sb) != 0)
            rc = cli_fail (CLI_USAGE, "%s %s: %s", e->option, e->path,
                           errno == ENOENT ? "no such folder" : strerror (errno));
          else if (!S_ISDIR (sb.st_mode))
            rc = cli_fail (CLI_USAGE, "%s %s: not a folder", e->option, e->path);
        }
      else
        rc = cli_check_outdir (e->path, e->option, 0);
      for (const char *const *p = e->names; rc == CLI_OK && *p != NULL; p++)
        {
          int optional = **p == '?';
          const char *name = *p + optional;
          if ((size_t) snprintf (path, sizeof path, "%s/%s", e->path, name) >= sizeof path)
            {
              rc = cli_fail (CLI_USAGE, "%s %s: path too long", e->option, e->path);
              break;
            }
          if (e->output)
            rc = check_output_file (path, e->option, 0);
          else if (!optional && stat (path, &sb) != 0)
            rc = cli_fail (CLI_USAGE, "%s %s: %s: %s", e->option, e->path, path,
                           errno == ENOENT ? "no such file" : strerror (errno));
          if (rc == CLI_OK)
            name_file (&nm[nn++], e, path, e->output != 0);
        }
    }
  /* No output is an input or another output.  */
  for (size_t j = 0; j < nn && rc == CLI_OK; j++)
    {
      const char *which;
      if (nm[j].output && is_std_stream (&nm[j], &which))
        {
          rc = cli_fail (CLI_USAGE, "%s %s: is the file %s goes to; name another file",
                         nm[j].option, nm[j].shown, which);
          break;
        }
      for (size_t i = 0; i < j && rc == CLI_OK; i++)
        {
          if (!(nm[i].output || nm[j].output) || !same_named (&nm[i], &nm[j]))
            continue;
          const named_t *out = nm[j].output ? &nm[j] : &nm[i];
          const named_t *other = out == &nm[j] ? &nm[i] : &nm[j];
          if (other->output)
            rc = cli_fail (CLI_USAGE, "%s %s: the same file as %s %s; each output needs a "
                           "file of its own", out->option, out->shown, other->option,
                           other->shown);
          else if (strcmp (other->given, other->shown) != 0)
            rc = cli_fail (CLI_USAGE, "%s %s: is the input %s, read for %s %s; an output "
                           "never replaces an input", out->option, out->shown, other->shown,
                           other->option, other->given);
          else
            rc = cli_fail (CLI_USAGE, "%s %s: is the input %s %s; an output never replaces an "
                           "input", out->option, out->shown, other->option, other->shown);
        }
    }
  free (nm);
  return rc;
}

int
cli_files_begin (cli_files_t *f, fga_error *err)
{
  f->group = fga_atomic_group_create (err);
  if (f->group == NULL)
    return FGA_ERR_NOMEM;
  for (size_t k = 0; k < f->n; k++)
    {
      cli_file_t *e = &f->f[k];
      if (e->output == 1)
        e->tmp = fga_atomic_group_file (f->group, e->path, err);
      else if (e->output == 2)
        {
          const char *names[CLI_FILES_MAX];
          size_t n = 0;
          for (const char *const *p = e->names; *p != NULL && n < CLI_FILES_MAX; p++)
            names[n++] = *p + (**p == '?');
          e->tmp = fga_atomic_group_folder (f->group, e->path, names, n, err);
        }
      else
        continue;
      if (e->tmp == NULL)
        return err->code != FGA_OK ? err->code : FGA_ERR_IO;
    }
  return FGA_OK;
}

const char *
cli_files_tmp (const cli_files_t *f, const char *path)
{
  for (size_t k = 0; k < f->n; k++)
    if (f->f[k].output && f->f[k].path == path)
      return f->f[k].tmp;
  return NULL;
}

int
cli_files_add_name (cli_files_t *f, const char *path, const char *name, fga_error *err)
{
  for (size_t k = 0; k < f->n; k++)
    if (f->f[k].output == 2 && f->f[k].path == path && f->f[k].tmp != NULL)
      return fga_atomic_group_folder_file (f->group, f->f[k].tmp, name, err);
  err->code = FGA_ERR_INPUT;
  snprintf (err->msg, sizeof err->msg, "%s: not an output folder being written", path);
  return FGA_ERR_INPUT;
}

/* Replaces in msg every occurrence of from by to.  */
static void
replace_all (char *msg, size_t size, const char *from, const char *to)
{
  size_t lf = strlen (from), lt = strlen (to);
  char *p = lf > 0 ? strstr (msg, from) : NULL;
  while (p != NULL)
    {
      size_t tail = strlen (p + lf);
      if ((size_t) (p - msg) + lt + tail + 1 > size)
        break;
      memmove (p + lt, p + lf, tail + 1);
      memcpy (p, to, lt);
      p = strstr (p + lt, from);
    }
}

int
cli_files_end (cli_files_t *f, int rc, fga_error *err)
{
  if (f->group != NULL && rc == FGA_OK)
    rc = fga_atomic_group_commit (f->group, err);
  if (rc != FGA_OK)
    for (size_t k = 0; k < f->n; k++)
      if (f->f[k].tmp != NULL)
        replace_all (err->msg, sizeof err->msg, f->f[k].tmp, f->f[k].path);
  fga_atomic_group_destroy (f->group);
  f->group = NULL;
  for (size_t k = 0; k < f->n; k++)
    f->f[k].tmp = NULL;
  return rc;
}

/* ------------------------------------------------------------------ */
/* Memory.  */

int
cli_check_memory (double bytes, const char *what)
{
  double phys = fga_physical_bytes ();
  if (bytes < phys)
    return CLI_OK;
  char need[64], have[64];
  fga_format_bytes (need, sizeof need, bytes);
  fga_format_bytes (have, sizeof have, phys);
  return cli_fail (CLI_USAGE, "%s: needs about %s of memory, more than the %s of this machine",
                   what, need, have);
}

/* ------------------------------------------------------------------ */
/* gnuplot, for the plots of report and plan --table.  */

/* Whether gnuplot is on PATH: checked once, so that a missing gnuplot gives
   one clear note rather than one failure per plot.  */
int
cli_gnuplot_found (void)
{
  const char *path = getenv ("PATH");
  if (path == NULL)
    return 0;
  char buf[4096];
  while (*path)
    {
      size_t len = strcspn (path, ":");
      snprintf (buf, sizeof buf, "%.*s/gnuplot", (int) (len ? len : 1), len ? path : ".");
      if (access (buf, X_OK) == 0)
        return 1;
      path += len + (path[len] == ':');
    }
  return 0;
}

/* Runs `gnuplot -e "out='.NAME.tmp'" NAME.gp' in dir, then renames the two
   images into place, so that an interrupted run leaves no half image. */
int
cli_gnuplot_render (const char *dir, const char *name)
{
  char expr[600], script[300];
  snprintf (expr, sizeof expr, "out='.%s.tmp'", name);
  snprintf (script, sizeof script, "%s.gp", name);
  pid_t pid = fork ();
  if (pid < 0)
    return cli_fail (CLI_FAILED, "cannot start gnuplot: %s", strerror (errno));
  if (pid == 0)
    {
      if (chdir (dir) != 0)
        _exit (126);
      execlp ("gnuplot", "gnuplot", "-e", expr, script, (char *) NULL);
      _exit (127);
    }
  int st;
  while (waitpid (pid, &st, 0) < 0)
    if (errno != EINTR)
      return cli_fail (CLI_FAILED, "gnuplot: %s", strerror (errno));
  int ok = WIFEXITED (st) && WEXITSTATUS (st) == 0;
  int status = CLI_OK;
  static const char *const ext[] = { "png", "svg" };
  for (int k = 0; k < 2; k++)
    {
      char tmp[4400], dst[4400];
      snprintf (tmp, sizeof tmp, "%s/.%s.tmp.%s", dir, name, ext[k]);
      snprintf (dst, sizeof dst, "%s/%s.%s", dir, name, ext[k]);
      struct stat sb;
      if (ok && stat (tmp, &sb) == 0 && sb.st_size > 0)
        {
          if (rename (tmp, dst) != 0)
            status = cli_fail (CLI_FAILED, "%s: %s", dst, strerror (errno));
        }
      else
        {
          unlink (tmp);
          ok = 0;
        }
    }
  if (!ok)
    status = cli_fail (CLI_FAILED, "%s.gp: gnuplot failed, so nothing was written (the "
                       "command's files go in together or not at all)", name);
  return status;
}

/* The quotient as an exact rational, rounded once to 53 bits (MPFR's
   exponent range is far wider than a double's, so mpfr_get_d is then exact,
   or +Inf beyond the largest double).  */
double
cli_zratio (mpz_srcptr a, mpz_srcptr b)
{
  mpq_t q;
  mpfr_t x;
  mpq_init (q);
  mpq_set_num (q, a);
  mpq_set_den (q, b);
  mpq_canonicalize (q);
  mpfr_init2 (x, 53);
  mpfr_set_q (x, q, MPFR_RNDN);
  double r = mpfr_get_d (x, MPFR_RNDN);
  mpfr_clear (x);
  mpq_clear (q);
  return r;
}
