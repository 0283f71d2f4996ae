/* fgap_config -- configuration files: read whole, checked as text, then split by inih

   The sweep's and the hardness experiment's configurations share this
   reader, so that both refuse the same things with the same messages, each
   naming the file and the line.

   The file is read whole first and checked: UTF-8, no NUL byte, no control
   character (what else reached the value parsers used to come back as
   "out of memory" from jansson, which refuses to record text that is not
   UTF-8).  Then inih splits it into sections, keys, values and comments,
   fed one physical line at a time by our own reader, which counts the
   lines (libinih as Debian builds it does not pass line numbers to the
   handler) and sees every section header (inih calls the handler only for
   keys, never for an empty section).

   Line length.  inih reads into a buffer of INI_MAX_LINE (200) bytes, fixed
   when libinih was built; a longer line reaches it in pieces, each parsed
   as a line of its own.  Debian's build exposes run-time settings
   (ini_max_line, ini_allow_realloc) that upstream inih does not have, and
   that are process-wide besides.  So a line that does not fit is given to
   inih shortened: its key and separator followed by a placeholder value,
   the one byte 0x01, which fgap_config_check refuses in any file; the key
   callback then receives the value cut from the whole line by inih's own
   rule (what follows the first '=' or ':', up to a ';' after white space,
   white space trimmed).  Comments and section headers, which carry no value
   inih needs, are given as an empty line and as "[s]".  */

#include "core/fga-impl.h"

#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>

#include <ini.h>

#define PLACEHOLDER "\001"

/* ---------------------------------------------------------------- */
/* The text.  */

/* The length of the UTF-8 sequence at s (RFC 3629, table 3-7 of the
   Unicode standard), at most `left' bytes available; 0 when invalid.  */
static size_t
utf8_length (const unsigned char *s, size_t left)
{
  unsigned char c = s[0];
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;   /* the range of the second byte */
  if (c < 0x80)
    return 1;
  else if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    {
      n = 3;
      if (c == 0xE0)
        lo = 0xA0;             /* no overlong forms */
      else if (c == 0xED)
        hi = 0x9F;             /* no surrogates */
    }
  else if (c >= 0xF0 && c <= 0xF4)
    {
      n = 4;
      if (c == 0xF0)
        lo = 0x90;
      else if (c == 0xF4)
        hi = 0x8F;             /* nothing beyond U+10FFFF */
    }
  else
    return 0;
  if (left < n || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t k = 2; k < n; k++)
    if (s[k] < 0x80 || s[k] > 0xBF)
      return 0;
  return n;
}

int
fgap_config_check (const char *path, const char *text, size_t len, fga_error *err)
{
  const unsigned char *s = (const unsigned char *) text;
  int line = 1;
  size_t bol = 0;
  for (size_t i = 0; i < len;)
    {
      unsigned char c = s[i];
      size_t col = i - bol + 1;
      if (c == '\n')
        {
          line++;
          bol = ++i;
          continue;
        }
      if (c == 0)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: a NUL byte (column %zu): a "
                              "configuration is text", path, line, col);
      if (c == '\r' && (i + 1 == len || s[i + 1] == '\n'))
        {
          i++;
          continue;
        }
      if ((c < 0x20 && c != '\t') || c == 0x7F)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: the control character 0x%02X "
                              "(column %zu): a configuration is text", path, line, c, col);
      size_t n = utf8_length (s + i, len - i);
      if (n == 0)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s:%d: not UTF-8 (the byte 0x%02X, "
                              "column %zu); save the file as UTF-8", path, line, c, col);
      i += n;
    }
  return FGA_OK;
}

int
fgap_config_load (char **text, size_t *len, const char *path, fga_error *err)
{
  *text = NULL;
  *len = 0;
  FILE *fp = fopen (path, "rb");
  if (fp == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: cannot open: %s", path, strerror (errno));
  struct stat sb;
  if (fstat (fileno (fp), &sb) == 0 && S_ISDIR (sb.st_mode))
    {
      fclose (fp);
      return fgap_error_set (err, FGA_ERR_INPUT, "%s: a folder, not a configuration file", path);
    }
  char *buf = fgap_alloc (FGAP_CONFIG_MAX + 1, "the configuration", err);
  if (buf == NULL)
    {
      fclose (fp);
      return FGA_ERR_NOMEM;
    }
  size_t got = fread (buf, 1, FGAP_CONFIG_MAX + 1, fp);
  int bad = ferror (fp);
  fclose (fp);
  int rc = FGA_OK;
  if (bad)
    rc = fgap_error_set (err, FGA_ERR_IO, "%s: read error", path);
  else if (got > FGAP_CONFIG_MAX)
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: larger than %zu bytes: not a configuration",
                        path, FGAP_CONFIG_MAX);
  else
    {
      buf[got] = '\0';
      rc = fgap_config_check (path, buf, got, err);
    }
  char *exact = rc == FGA_OK ? fgap_alloc (got + 1, "the configuration", err) : NULL;
  if (exact != NULL)
    memcpy (exact, buf, got + 1);
  else if (rc == FGA_OK)
    rc = FGA_ERR_NOMEM;
  fgap_free (buf);
  if (rc != FGA_OK)
    return rc;
  *text = exact;
  *len = got;
  return FGA_OK;
}

/* ---------------------------------------------------------------- */
/* The INI structure.  */

void
fgap_ini_init (fgap_ini *ini, const char *path, void *user, fga_error *err)
{
  memset (ini, 0, sizeof *ini);
  ini->path = path;
  ini->user = user;
  ini->err = err;
}

int
fgap_ini_fail (fgap_ini *ini, int line, int code, const char *fmt, ...)
{
  if (ini->rc != FGA_OK)
    return ini->rc;
  char what[FGA_MSG_SIZE];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (what, sizeof what, fmt, ap);
  va_end (ap);
  ini->rc = fgap_error_set (ini->err, code, "%s:%d: %s", ini->path, line, what);
  ini->err_line = line;
  return ini->rc;
}

int
fgap_ini_claim_key (fgap_ini *ini, const char *section, const char *const *keys, int *seen,
                    const char *name)
{
  for (int k = 0; keys[k] != NULL; k++)
    if (strcmp (keys[k], name) == 0)
      {
        if (seen[k] != 0)
          {
            fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "[%s]: key '%s' repeated (first at "
                           "line %d)", section, name, seen[k]);
            return -1;
          }
        seen[k] = ini->line;
        return k;
      }
  char known[256] = "";
  for (int k = 0; keys[k] != NULL; k++)
    {
      size_t used = strlen (known);
      snprintf (known + used, sizeof known - used, "%s%s", k ? ", " : "", keys[k]);
    }
  fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "[%s]: unknown key '%.64s%s' (known: %s)",
                 section, name, strlen (name) > 64 ? "..." : "", known);
  return -1;
}

/* Where inih's find_chars_or_comment (ini.c) stops in [s, e): at a
   character of chars (none when chars is NULL) or at a ';' that follows
   white space, which starts an inline comment; e when neither occurs.  */
static const char *
inih_stop (const char *s, const char *e, const char *chars)
{
  int was_space = 0;
  for (; s < e; s++)
    {
      if (chars != NULL && strchr (chars, *s) != NULL)
        return s;
      if (was_space && *s == ';')
        return s;
      was_space = isspace ((unsigned char) *s);
    }
  return e;
}

/* Copies text into inih's buffer (of num bytes), with the newline.  */
static char *
give (char *str, int num, const char *text, size_t len)
{
  if (len + 2 > (size_t) num)
    len = (size_t) num - 2;    /* unreachable: callers give what fits */
  memcpy (str, text, len);
  str[len] = '\n';
  str[len + 1] = '\0';
  return str;
}

/* A section header at start (after leading white space), in [start, e).  */
static void
section_line (fgap_ini *ini, const char *start, const char *e)
{
  const char *close = memchr (start + 1, ']', (size_t) (e - start - 1));
  if (close == NULL)
    {
      fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "section header without ']'");
      return;
    }
  const char *after = close + 1;
  while (after < e && isspace ((unsigned char) *after))
    after++;
  if (after < e && *after != ';' && *after != '#')
    {
      fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "text after the section header: '%.*s'",
                     (int) (e - after > 64 ? 64 : e - after), after);
      return;
    }
  size_t len = (size_t) (close - start - 1);
  char name[256];
  if (len >= sizeof name)
    {
      fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "section name longer than %zu characters",
                     sizeof name - 1);
      return;
    }
  memcpy (name, start + 1, len);
  name[len] = '\0';
  ini->in_section = 1;
  ini->keys_in_section = 0;
  ini->section (ini, name);
}

/* The value of a key line too long for inih: after sep, up to an inline
   comment, white space trimmed (inih's rule).  */
static int
cut_long_value (fgap_ini *ini, const char *sep, const char *e)
{
  const char *v = sep + 1;
  const char *end = inih_stop (v, e, NULL);
  while (v < end && isspace ((unsigned char) *v))
    v++;
  while (end > v && isspace ((unsigned char) end[-1]))
    end--;
  size_t len = (size_t) (end - v);
  if (len + 1 > ini->long_cap)
    {
      char *b = fgap_alloc (len + 1, "a configuration value", ini->err);
      if (b == NULL)
        return fgap_ini_fail (ini, ini->line, FGA_ERR_NOMEM, "out of memory for its value");
      fgap_free (ini->long_value);
      ini->long_value = b;
      ini->long_cap = len + 1;
    }
  memcpy (ini->long_value, v, len);
  ini->long_value[len] = '\0';
  return FGA_OK;
}

/* The fgets-style reader given to inih: one physical line per call.
   Returning NULL ends the parse, which we do at the first error.  */
static char *
reader (char *str, int num, void *stream)
{
  fgap_ini *ini = stream;
  if (ini->rc != FGA_OK || ini->pos >= ini->len)
    return NULL;
  const char *s = ini->text + ini->pos;
  const char *nl = memchr (s, '\n', ini->len - ini->pos);
  const char *e = nl != NULL ? nl : ini->text + ini->len;
  ini->pos = (size_t) (e - ini->text) + (nl != NULL);
  ini->line++;
  if (e > s && e[-1] == '\r')
    e--;
  if (ini->line == 1 && e - s >= 3 && memcmp (s, "\xEF\xBB\xBF", 3) == 0)
    s += 3;
  if (ini->long_value != NULL)
    ini->long_value[0] = '\0';

  const char *start = s;
  while (start < e && isspace ((unsigned char) *start))
    start++;
  if (start == e || *start == ';' || *start == '#')
    return give (str, num, "", 0);
  if (start > s && ini->keys_in_section)
    {
      /* inih would silently join it to the previous value.  */
      fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "indented line: continuation lines are "
                     "not supported (write the value on one line)");
      return NULL;
    }
  if (*start == '[')
    {
      section_line (ini, start, e);
      return ini->rc == FGA_OK ? give (str, num, "[s]", 3) : NULL;
    }
  size_t len = (size_t) (e - s);
  if (len + 2 <= (size_t) num)
    return give (str, num, s, len);
  /* Too long for inih's buffer: the key and its separator, and the value
     kept aside.  A line without a separator is given as one that inih
     refuses alike.  */
  const char *sep = inih_stop (start, e, "=:");
  if (sep == e || *sep == ';')
    return give (str, num, "?", 1);
  size_t keylen = (size_t) (sep - s) + 1;
  if (keylen + strlen (PLACEHOLDER) + 2 > (size_t) num)
    {
      fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "a key of more than %d characters",
                     num - 8);
      return NULL;
    }
  if (cut_long_value (ini, sep, e) != FGA_OK)
    return NULL;
  memcpy (str, s, keylen);
  memcpy (str + keylen, PLACEHOLDER "\n", strlen (PLACEHOLDER) + 2);
  return str;
}

static int
handler (void *user, const char *section, const char *name, const char *value)
{
  fgap_ini *ini = user;
  (void) section;              /* ours comes from the reader */
  if (ini->rc != FGA_OK)
    return 1;
  if (strcmp (value, PLACEHOLDER) == 0 && ini->long_value != NULL)
    value = ini->long_value;
  if (!ini->in_section)
    fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "key '%.64s' outside any section", name);
  else
    {
      ini->keys_in_section = 1;
      ini->key (ini, name, value);
    }
  /* Our errors are ours to report; inih's return value keeps its own.  */
  return 1;
}

int
fgap_ini_parse (fgap_ini *ini, const char *text, fgap_ini_section_fn section,
                fgap_ini_key_fn key)
{
  ini->text = text;
  ini->len = strlen (text);
  ini->pos = 0;
  ini->line = 0;
  ini->section = section;
  ini->key = key;
  int syntax = ini_parse_stream (reader, ini, handler, ini);
  fgap_free (ini->long_value);
  ini->long_value = NULL;
  ini->long_cap = 0;
  if (syntax == -2)
    {
      ini->rc = FGA_OK;
      return fgap_ini_fail (ini, 0, FGA_ERR_NOMEM, "the INI parser ran out of memory");
    }
  /* inih reports its own syntax errors (a line that is neither a comment,
     a [section] nor key = value) by line only and goes on parsing; keep
     the earliest error.  */
  if (syntax > 0 && (ini->rc == FGA_OK || syntax < ini->err_line))
    {
      ini->rc = FGA_OK;
      return fgap_ini_fail (ini, syntax, FGA_ERR_INPUT,
                            "expected '[section]', 'key = value' or a comment");
    }
  return ini->rc;
}
