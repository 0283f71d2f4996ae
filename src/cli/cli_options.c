/* cli_options.c -- reading a command's options, and one form for every usage error

   getopt_long alone has two habits a careful user trips on.  It accepts any
   unambiguous prefix of a long option, so `gen --n 8' is read as `--nk 8'
   and runs with a size nobody asked for; and it prints its own messages, in
   its own words, while fgattn's say "fgattn CMD: ...".  cli_getopt keeps
   getopt's parsing (permutation, -abc clusters, --name=value) but accepts a
   long option only spelled in full, and words every error the way the rest
   of the program does, followed by the one line that says where help is.  */

#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void
usage_vmessage (const char *fmt, va_list ap)
{
  if (cli_command != NULL)
    fprintf (stderr, "fgattn %s: ", cli_command);
  else
    fputs ("fgattn: ", stderr);
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
  if (cli_command != NULL)
    fprintf (stderr, "try fgattn %s --help\n", cli_command);
  else
    fputs ("try fgattn --help\n", stderr);
}

int
cli_usage_error (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  usage_vmessage (fmt, ap);
  va_end (ap);
  return CLI_USAGE;
}

/* The element getopt will read next: the first argument from optind on
   that looks like an option (getopt skips the others and permutes them to
   the end), or NULL at "--" or the end.  Only used when getopt is not in
   the middle of a cluster such as -abc, i.e. when it returns a long
   option: those always take a whole element.  */
static const char *
next_option_element (int argc, char **argv)
{
  for (int k = optind > 0 ? optind : 1; k < argc; k++)
    {
      const char *a = argv[k];
      if (strcmp (a, "--") == 0)
        return NULL;
      if (a[0] == '-' && a[1] != '\0')
        return a;
    }
  return NULL;
}

/* The option's name as typed: "--name" of "--name=value".  */
static void
typed_name (char *buf, size_t size, const char *elem)
{
  size_t len = strcspn (elem, "=");
  snprintf (buf, size, "%.*s", (int) len, elem);
}

/* A hint for a long spelling of what is a one-letter option ("--n" for
   -n), empty otherwise.  */
static const char *
one_letter_hint (char *buf, size_t size, const char *name, const char *shortopts)
{
  buf[0] = '\0';
  if (strlen (name) == 3 && name[2] != ':' && strchr (shortopts, name[2]) != NULL)
    snprintf (buf, size, " (one-letter options take one dash: -%c)", name[2]);
  return buf;
}

int
cli_getopt (int argc, char **argv, const char *shortopts, const struct option *longopts)
{
  char spec[128];
  /* A leading ':' makes getopt tell a missing value (':') from an unknown
     option ('?'); opterr = 0 keeps its own messages out.  */
  snprintf (spec, sizeof spec, ":%s", shortopts);
  opterr = 0;
  const char *elem = next_option_element (argc, argv);
  int idx = -1;
  int c = getopt_long (argc, argv, spec, longopts, &idx);
  char name[64], hint[64];

  if (c == -1)
    return -1;
  if (idx >= 0 && elem != NULL && elem[0] == '-' && elem[1] == '-')
    {
      typed_name (name, sizeof name, elem);
      if (strcmp (name + 2, longopts[idx].name) != 0)
        {
          cli_usage_error ("unknown option '%s'%s", name,
                           one_letter_hint (hint, sizeof hint, name, shortopts));
          return '?';
        }
    }
  if (c == ':')
    {
      if (elem != NULL && elem[0] == '-' && elem[1] == '-')
        typed_name (name, sizeof name, elem);
      else
        snprintf (name, sizeof name, "-%c", optopt);
      cli_usage_error ("option '%s' needs a value", name);
      return '?';
    }
  if (c == '?')
    {
      if (optopt != 0 && (elem == NULL || elem[1] != '-'))
        cli_usage_error ("unknown option '-%c'", optopt);
      else if (elem != NULL)
        {
          typed_name (name, sizeof name, elem);
          /* A known long option that was given a value it does not take.  */
          int takes_none = 0;
          for (const struct option *o = longopts; o->name != NULL; o++)
            if (strcmp (name + 2, o->name) == 0 && o->has_arg == no_argument)
              takes_none = 1;
          if (takes_none && strchr (elem, '=') != NULL)
            cli_usage_error ("option '%s' takes no value", name);
          else
            cli_usage_error ("unknown option '%s'%s", name,
                             one_letter_hint (hint, sizeof hint, name, shortopts));
        }
      else
        cli_usage_error ("unknown option");
      return '?';
    }
  return c;
}
