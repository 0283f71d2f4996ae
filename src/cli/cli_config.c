/* cli_config.c -- configurations found by name, and fresh output folders

   The standard configurations (the .conf files of experiments/) are
   installed under the data folder, so `fgattn sweep transition' runs from
   any folder, not only from the source tree.  A CONFIG argument is a path
   when it names an existing file or holds a '/'; otherwise it is the name
   of one of them, with or without .conf, looked up in the data folders in
   turn:

     $FGATTN_DATADIR/experiments   set by the user
     PKGDATADIR/experiments        where make install puts them
     SRCDIR/experiments            the source tree the program was built
                                   from, for the program of the build tree

   A run without -o writes into a new folder of the current folder,
   fgattn-STEM-DATE-TIME, so that nothing existing is ever touched (a
   tracked notebooks-data/ least of all).  */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"

#define NROOTS 3

/* The folder of configurations k (0 .. NROOTS-1), ROOT/experiments with
   ROOT resolved when it exists (the source tree of a build in a subfolder
   is BUILD/..), into buf; 0 when its root is not set.  */
static int
config_dir (char *buf, size_t size, int k)
{
  const char *root = k == 0 ? getenv ("FGATTN_DATADIR") : k == 1 ? FGA_DATADIR : FGA_SRCDIR;
  char real[PATH_MAX];
  if (root == NULL || root[0] == '\0')
    return 0;
  if (realpath (root, real) != NULL)
    root = real;
  return (size_t) snprintf (buf, size, "%s/experiments", root) < size;
}

/* "A, B, C": the folders searched, into buf.  */
static void
searched (char *buf, size_t size)
{
  char dir[PATH_MAX + 16];
  size_t len = 0;
  buf[0] = '\0';
  for (int k = 0; k < NROOTS && len < size; k++)
    if (config_dir (dir, sizeof dir, k))
      len += (size_t) snprintf (buf + len, size - len, "%s%s", len ? ", " : "", dir);
}

/* Whether file is readable in the folder k, its path into path.  */
static int
found_in (char *path, size_t size, int k, const char *file)
{
  char dir[PATH_MAX + 16];
  return config_dir (dir, sizeof dir, k)
    && (size_t) snprintf (path, size, "%s/%s", dir, file) < size && access (path, R_OK) == 0;
}

/* The first folder that holds file, its path into path.  */
static int
find_in_roots (char *path, size_t size, const char *file)
{
  for (int k = 0; k < NROOTS; k++)
    if (found_in (path, size, k, file))
      return 1;
  return 0;
}

/* NAME.conf for NAME, NAME for NAME.conf, into buf.  */
static void
conf_file (char *buf, size_t size, const char *name)
{
  size_t len = strlen (name);
  int has = len > 5 && strcmp (name + len - 5, ".conf") == 0;
  snprintf (buf, size, "%s%s", name, has ? "" : ".conf");
}

int
cli_find_config (char *path, size_t size, const char *arg)
{
  struct stat sb;
  char file[1024], where[3 * PATH_MAX + 64];
  if (stat (arg, &sb) == 0 || strchr (arg, '/') != NULL || arg[0] == '\0')
    {
      /* A path, as given: a missing one is refused by cli_files_check.  */
      if ((size_t) snprintf (path, size, "%s", arg) >= size)
        return cli_fail (CLI_USAGE, "CONFIG %s: the name is too long", arg);
      return CLI_OK;
    }
  conf_file (file, sizeof file, arg);
  if (find_in_roots (path, size, file))
    return CLI_OK;
  searched (where, sizeof where);
  return cli_fail (CLI_USAGE, "CONFIG %s: no such file, nor a configuration %s in %s "
                   "(fgattn %s --list lists them)", arg, file, where,
                   cli_command != NULL ? cli_command : "sweep");
}

int
cli_standard_config (char *path, size_t size, const char *file)
{
  char where[3 * PATH_MAX + 64];
  if (find_in_roots (path, size, file))
    return CLI_OK;
  searched (where, sizeof where);
  return cli_fail (CLI_USAGE, "cannot find the configuration %s in %s (set FGATTN_DATADIR to "
                   "the folder that holds experiments/)", file, where);
}

/* Whether the configuration at path is the hardness experiment's: it has
   a [hardness] section (a sweep's are [grid], [method ...], ...).  */
static int
is_hardness (const char *path)
{
  FILE *f = fopen (path, "r");
  char line[512];
  int hard = 0;
  if (f == NULL)
    return 0;
  while (!hard && fgets (line, sizeof line, f) != NULL)
    hard = strncmp (line + strspn (line, " \t"), "[hardness]", 10) == 0;
  fclose (f);
  return hard;
}

/* Whether file (NAME.conf) is in a folder before folder k: then that one
   is the one a lookup finds, and this one is not listed.  */
static int
shadowed (int k, const char *file)
{
  char path[PATH_MAX + 1024];
  for (int j = 0; j < k; j++)
    if (found_in (path, sizeof path, j, file))
      return 1;
  return 0;
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The configurations of one data folder that a lookup finds there, in
   the order of their names.  */
static void
list_root (int k, int hardness, cli_table_t *t)
{
  char dir[PATH_MAX + 16], path[PATH_MAX + 1024];
  DIR *d = config_dir (dir, sizeof dir, k) ? opendir (dir) : NULL;
  if (d == NULL)
    return;
  char *names[256];
  size_t n = 0;
  for (struct dirent *e; (e = readdir (d)) != NULL && n < 256;)
    {
      size_t len = strlen (e->d_name);
      if (len > 5 && e->d_name[0] != '.' && strcmp (e->d_name + len - 5, ".conf") == 0
          && (names[n] = strdup (e->d_name)) != NULL)
        n++;
    }
  closedir (d);
  qsort (names, n, sizeof *names, compare_names);
  for (size_t i = 0; i < n; i++)
    {
      snprintf (path, sizeof path, "%s/%s", dir, names[i]);
      if (!shadowed (k, names[i]) && access (path, R_OK) == 0 && is_hardness (path) == hardness)
        {
          names[i][strlen (names[i]) - 5] = '\0';          /* NAME of NAME.conf */
          cli_table_add (t, names[i], path);
        }
      free (names[i]);
    }
}

int
cli_list_configs (int hardness)
{
  static const char *names[] = { "name", "path" };
  cli_table_t t;
  cli_table_init (&t, 2, names);
  for (int k = 0; k < NROOTS; k++)
    list_root (k, hardness, &t);
  if (t.nrows == 0)
    {
      char where[3 * PATH_MAX + 64];
      searched (where, sizeof where);
      printf ("no configuration in %s\n", where);
    }
  else
    cli_table_print (&t, CLI_TABLE, 0, stdout);
  cli_table_clear (&t);
  return CLI_OK;
}

/* NAME of .../NAME.conf, into buf.  */
static void
config_name (char *buf, size_t size, const char *config)
{
  const char *base = strrchr (config, '/');
  base = base != NULL ? base + 1 : config;
  size_t len = strlen (base);
  if (len > 5 && strcmp (base + len - 5, ".conf") == 0)
    len -= 5;
  snprintf (buf, size, "%.*s", (int) len, base);
}

static int
pick_fresh_dir (char *buf, size_t size, const char *what, const char *config)
{
  time_t now = time (NULL);
  struct tm tm;
  char stamp[32], stem[256];
  if (localtime_r (&now, &tm) == NULL || strftime (stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm) == 0)
    snprintf (stamp, sizeof stamp, "%ld", (long) now);
  snprintf (stem, sizeof stem, "%s", what);
  if (config != NULL)
    {
      size_t len = strlen (stem);
      stem[len++] = '-';
      config_name (stem + len, sizeof stem - len, config);
    }
  struct stat sb;
  /* -2, -3, ... when two runs start in the same second.  */
  for (int k = 1; k < 1000; k++)
    {
      int len = k == 1 ? snprintf (buf, size, "fgattn-%s-%s", stem, stamp)
                : snprintf (buf, size, "fgattn-%s-%s-%d", stem, stamp, k);
      if (len < 0 || (size_t) len >= size)
        break;
      if (lstat (buf, &sb) != 0 && errno == ENOENT)
        return CLI_OK;
    }
  return cli_fail (CLI_FAILED, "cannot find a free name fgattn-%s-%s-N in the current folder",
                   stem, stamp);
}

/* On a farm every process runs the command, and the clocks and the moments
   at which they look differ: the master picks the name and every process
   takes it, so that what the master makes is the folder the others name
   (in a message, say).  The call is collective: every process shares, the
   master's failure too (an empty name).  */
int
cli_fresh_dir (char *buf, size_t size, const char *what, const char *config)
{
  if (cli_farm == NULL)
    return pick_fresh_dir (buf, size, what, config);
  int master = cli_farm->is_master (cli_farm), rc = CLI_OK;
  if (master)
    {
      rc = pick_fresh_dir (buf, size, what, config);
      if (rc != CLI_OK && size > 0)
        buf[0] = '\0';
    }
  void *bytes = master ? buf : NULL;
  size_t len = master ? strlen (buf) + 1 : 0;
  fga_error err;
  fga_error_init (&err);
  if (cli_farm->share (cli_farm, &bytes, &len, &err) != FGA_OK)
    return rc != CLI_OK ? rc : cli_fail_err (&err);
  if (master)
    return rc;
  /* The master's bytes: a string of at most size bytes, or a failure.  */
  int ok = len > 1 && len <= size && ((char *) bytes)[len - 1] == '\0';
  if (ok)
    memcpy (buf, bytes, len);
  free (bytes);
  return ok ? CLI_OK : cli_fail (CLI_FAILED, "the master found no name for the new folder");
}
