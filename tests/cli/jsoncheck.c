/* jsoncheck -- whether standard input is one JSON document holding the given keys

   usage: jsoncheck [PATH[=VALUE]...] < FILE

   Parses all of standard input with Jansson (a dependency of fgattn, so the
   CLI tests need neither python nor jq) and checks each PATH: keys joined by
   dots ("summary.points"), descending through objects; where an array is
   met, every element must have the rest of the path.  With =VALUE the value
   found must equal it: a string its text, a number the number VALUE reads
   as, null "null", a boolean "true" or "false"; integers are read as
   doubles (they may be beyond 64 bits).  Exit status 0 when all hold, 1
   (with a message) otherwise.  */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

static int
equal (const json_t *v, const char *want)
{
  if (json_is_string (v))
    return strcmp (json_string_value (v), want) == 0;
  if (json_is_number (v))
    {
      char *end;
      double x = strtod (want, &end);
      return end != want && *end == '\0' && json_number_value (v) == x;
    }
  if (json_is_null (v))
    return strcmp (want, "null") == 0;
  if (json_is_boolean (v))
    return strcmp (want, json_is_true (v) ? "true" : "false") == 0;
  return 0;
}

/* Checks path (a copy, cut at dots) from v; prints what is wrong.  */
static int
check (const json_t *v, char *path, const char *want, const char *full)
{
  if (json_is_array (v))
    {
      size_t i;
      const json_t *e;
      if (json_array_size (v) == 0)
        {
          fprintf (stderr, "jsoncheck: %s: an empty array\n", full);
          return 0;
        }
      json_array_foreach (v, i, e)
        {
          char *copy = strdup (path);
          int ok = copy != NULL && check (e, copy, want, full);
          free (copy);
          if (!ok)
            return 0;
        }
      return 1;
    }
  if (*path == '\0')
    {
      if (want != NULL && !equal (v, want))
        {
          char *text = json_dumps (v, JSON_ENCODE_ANY);
          fprintf (stderr, "jsoncheck: %s is %s, wanted %s\n", full, text ? text : "?", want);
          free (text);
          return 0;
        }
      return 1;
    }
  char *dot = strchr (path, '.');
  if (dot != NULL)
    *dot = '\0';
  const json_t *next = json_is_object (v) ? json_object_get (v, path) : NULL;
  if (next == NULL)
    {
      fprintf (stderr, "jsoncheck: %s: no key '%s'\n", full, path);
      return 0;
    }
  return check (next, dot != NULL ? dot + 1 : path + strlen (path), want, full);
}

int
main (int argc, char **argv)
{
  json_error_t jerr;
  /* Integers as reals: the program prints exact integers in full (plan
     --table's n = 2^64, its feature counts r), beyond Jansson's 64-bit
     integers; values are compared as doubles anyway.  */
  json_t *doc = json_loadf (stdin, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &jerr);
  if (doc == NULL)
    {
      fprintf (stderr, "jsoncheck: not JSON: line %d, column %d: %s\n", jerr.line, jerr.column,
               jerr.text);
      return 1;
    }
  int ok = 1;
  for (int a = 1; a < argc; a++)
    {
      char *path = strdup (argv[a]);
      if (path == NULL)
        return 1;
      char *eq = strchr (path, '=');
      const char *want = NULL;
      if (eq != NULL)
        {
          *eq = '\0';
          want = eq + 1;
        }
      char *full = strdup (path);
      ok = full != NULL && check (doc, path, want, full) && ok;
      free (full);
      free (path);
    }
  json_decref (doc);
  return ok ? 0 : 1;
}
