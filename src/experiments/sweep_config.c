/* fga_sweep_config -- reads and validates the INI configuration of a sweep */

#include "core/fga-impl.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdint.h>

#include <ini.h>

/* libinih as Debian builds it does not pass line numbers to the handler, so
   the file is fed to ini_parse_stream through our own reader, which counts
   physical lines and also sees every section header (inih calls the
   handler only for keys, never for an empty section).  inih still does the
   splitting of keys and values, comments and whitespace.  */

enum sec_kind { SEC_NONE, SEC_GRID, SEC_TRUTH, SEC_RANK, SEC_METHOD };

/* Keys of each section; their order indexes the `seen' line arrays.  */
static const char *const grid_keys[]
  = { "n", "d", "dv", "beta", "B", "Bv", "dist", "tau", "seeds", NULL };
enum { G_N, G_D, G_DV, G_BETA, G_B, G_BV, G_DIST, G_TAU, G_SEEDS, G_COUNT };
static const char *const truth_keys[] = { "mpfr_max_n", "prec", NULL };
enum { T_MPFR_MAX_N, T_PREC, T_COUNT };
static const char *const rank_keys[] = { "tol", "max_n", NULL };
enum { R_TOL, R_MAX_N, R_COUNT };
static const char *const method_keys[]
  = { "spec", "size", "sizes", "targets", "max_size", NULL };
enum { M_SPEC, M_SIZE, M_SIZES, M_TARGETS, M_MAX_SIZE, M_COUNT };

typedef struct
{
  fga_sweep_config *cfg;
  const char *path;
  fga_error *err;
  int rc;                      /* first error, FGA_OK if none */
  int err_line;                /* its line, for ordering against inih's */

  FILE *fp;
  int lineno;                  /* physical line of the chunk last read */
  int at_bol;                  /* the next chunk starts a new line */

  enum sec_kind kind;          /* the section being read */
  int keys_in_section;         /* for inih's continuation rule */
  int grid_line, truth_line, rank_line;   /* header lines, 0 when absent */
  int method_line[FGA_SWEEP_MAX_METHODS];
  int grid_seen[G_COUNT], truth_seen[T_COUNT], rank_seen[R_COUNT];
  int method_seen[FGA_SWEEP_MAX_METHODS][M_COUNT];
} parse_t;

/* Records the first error only: later ones are usually its consequences.  */
static int
fail (parse_t *p, int line, int code, const char *fmt, ...)
{
  if (p->rc != FGA_OK)
    return p->rc;
  char what[FGA_MSG_SIZE];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (what, sizeof what, fmt, ap);
  va_end (ap);
  p->rc = fgap_error_set (p->err, code, "%s:%d: %s", p->path, line, what);
  p->err_line = line;
  return p->rc;
}

static const char *
skip_space (const char *s)
{
  while (isspace ((unsigned char) *s))
    s++;
  return s;
}

/* A section header line (after leading whitespace): sets the current
   section, refusing unknown and repeated ones at their own line.  */
static void
enter_section (parse_t *p, const char *start)
{
  const char *close = strchr (start + 1, ']');
  p->kind = SEC_NONE;
  p->keys_in_section = 0;
  if (close == NULL)
    {
      fail (p, p->lineno, FGA_ERR_INPUT, "section header without ']'");
      return;
    }
  size_t len = (size_t) (close - start - 1);
  char name[256];
  if (len >= sizeof name)
    {
      fail (p, p->lineno, FGA_ERR_INPUT, "section name too long");
      return;
    }
  memcpy (name, start + 1, len);
  name[len] = '\0';

  int *line = NULL;
  if (strcmp (name, "grid") == 0)
    p->kind = SEC_GRID, line = &p->grid_line;
  else if (strcmp (name, "truth") == 0)
    p->kind = SEC_TRUTH, line = &p->truth_line;
  else if (strcmp (name, "rank") == 0)
    p->kind = SEC_RANK, line = &p->rank_line;
  if (line != NULL)
    {
      if (*line != 0)
        fail (p, p->lineno, FGA_ERR_INPUT, "section [%s] repeated (first at line %d)",
              name, *line);
      *line = p->lineno;
      return;
    }

  if (strncmp (name, "method", 6) != 0
      || (name[6] != '\0' && !isspace ((unsigned char) name[6])))
    {
      fail (p, p->lineno, FGA_ERR_INPUT,
            "unknown section [%s] (expected [grid], [truth], [rank] or [method LABEL])", name);
      return;
    }
  const char *label = skip_space (name + 6);
  fga_sweep_config *cfg = p->cfg;
  if (*label == '\0')
    {
      fail (p, p->lineno, FGA_ERR_INPUT, "[method] needs a label: [method LABEL]");
      return;
    }
  if (strlen (label) >= sizeof cfg->methods[0].label)
    {
      fail (p, p->lineno, FGA_ERR_INPUT, "method label '%s' is longer than %zu characters",
            label, sizeof cfg->methods[0].label - 1);
      return;
    }
  for (size_t i = 0; i < cfg->nmethods; i++)
    if (strcmp (cfg->methods[i].label, label) == 0)
      {
        fail (p, p->lineno, FGA_ERR_INPUT, "section [method %s] repeated (first at line %d)",
              label, p->method_line[i]);
        return;
      }
  if (cfg->nmethods == FGA_SWEEP_MAX_METHODS)
    {
      fail (p, p->lineno, FGA_ERR_INPUT, "too many [method] sections (at most %d)",
            FGA_SWEEP_MAX_METHODS);
      return;
    }
  fga_sweep_method *m = &cfg->methods[cfg->nmethods];
  snprintf (m->label, sizeof m->label, "%s", label);
  p->method_line[cfg->nmethods] = p->lineno;
  cfg->nmethods++;
  p->kind = SEC_METHOD;
}

/* The fgets-style reader given to inih: counts lines and watches for
   section headers, following inih's own rules (comments first, then
   continuation lines, then '[').  Returning NULL ends the parse, which we
   do at the first error.  */
static char *
reader (char *str, int num, void *stream)
{
  parse_t *p = stream;
  if (p->rc != FGA_OK || fgets (str, num, p->fp) == NULL)
    return NULL;
  size_t len = strlen (str);
  int bol = p->at_bol;
  p->at_bol = len > 0 && str[len - 1] == '\n';
  if (!bol)
    return str;          /* never reached: an over-long line fails below */
  p->lineno++;
  if (!p->at_bol && len + 1 >= (size_t) num)
    {
      int c = getc (p->fp);
      if (c != EOF)
        {
          fail (p, p->lineno, FGA_ERR_INPUT, "line longer than %d characters", num - 2);
          return NULL;
        }
    }

  const char *s = str;
  if (p->lineno == 1 && strncmp (s, "\xEF\xBB\xBF", 3) == 0)
    s += 3;
  const char *start = skip_space (s);
  if (*start == '\0' || *start == ';' || *start == '#')
    return str;
  if (start > s && p->keys_in_section)
    {
      /* inih would silently join it to the previous value.  */
      fail (p, p->lineno, FGA_ERR_INPUT,
            "indented line: continuation lines are not supported (write the value on one line)");
      return NULL;
    }
  if (*start == '[')
    enter_section (p, start);
  return p->rc == FGA_OK ? str : NULL;
}

/* ---------------------------------------------------------------- */
/* Values.  */

/* Copies text, all whitespace removed, into buf.  */
static void
squeeze (char *buf, size_t size, const char *text)
{
  size_t k = 0;
  for (const char *s = text; *s != '\0' && k + 1 < size; s++)
    if (!isspace ((unsigned char) *s))
      buf[k++] = *s;
  buf[k] = '\0';
}

/* A finite double filling all of [s, s + len).  */
static int
parse_real (const char *s, size_t len, double *x)
{
  char buf[128];
  if (len == 0 || len >= sizeof buf)
    return -1;
  memcpy (buf, s, len);
  buf[len] = '\0';
  char *end;
  errno = 0;
  *x = strtod (buf, &end);
  if (end != buf + len || errno == ERANGE || !isfinite (*x))
    return -1;
  return 0;
}

/* A whole number in decimal digits filling [s, s + len), at most max.  */
static int
parse_whole (const char *s, size_t len, unsigned long long max, unsigned long long *v)
{
  if (len == 0)
    return -1;
  unsigned long long acc = 0;
  for (size_t i = 0; i < len; i++)
    {
      if (!isdigit ((unsigned char) s[i]))
        return -1;
      unsigned digit = (unsigned) (s[i] - '0');
      if (acc > (max - digit) / 10)
        return -1;
      acc = acc * 10 + digit;
    }
  *v = acc;
  return 0;
}

/* Splits a comma-separated list into items, surrounding whitespace
   trimmed; calls item (p, line, key, index, start, len, out) on each.  */
typedef int (*item_fn) (parse_t *p, int line, const char *key, const char *s, size_t len,
                        size_t idx, void *out);

static int
parse_list (parse_t *p, int line, const char *key, const char *value, item_fn item,
            void *out, size_t *count)
{
  const char *s = value;
  size_t k = 0;
  if (*skip_space (s) == '\0')
    return fail (p, line, FGA_ERR_INPUT, "%s: empty list", key);
  for (;;)
    {
      const char *comma = strchr (s, ',');
      const char *end = comma != NULL ? comma : s + strlen (s);
      s = skip_space (s);
      while (end > s && isspace ((unsigned char) end[-1]))
        end--;
      if (end == s)
        return fail (p, line, FGA_ERR_INPUT, "%s: empty item in the list '%s'", key, value);
      if (k == FGA_SWEEP_MAX_LIST)
        return fail (p, line, FGA_ERR_INPUT, "%s: too many values (at most %d)", key,
                     FGA_SWEEP_MAX_LIST);
      if (item (p, line, key, s, (size_t) (end - s), k, out) != FGA_OK)
        return p->rc;
      k++;
      if (comma == NULL)
        break;
      s = comma + 1;
    }
  *count = k;
  return FGA_OK;
}

static int
item_n (parse_t *p, int line, const char *key, const char *s, size_t len, size_t idx, void *out)
{
  unsigned long long v;
  if (parse_whole (s, len, SIZE_MAX, &v) != 0 || v < 2)
    return fail (p, line, FGA_ERR_INPUT, "%s: '%.*s' is not a whole number >= 2", key,
                 (int) len, s);
  ((size_t *) out)[idx] = (size_t) v;
  return FGA_OK;
}

static int
item_positive (parse_t *p, int line, const char *key, const char *s, size_t len, size_t idx,
               void *out)
{
  double x;
  if (parse_real (s, len, &x) != 0 || !(x > 0))
    return fail (p, line, FGA_ERR_INPUT, "%s: '%.*s' is not a positive finite number", key,
                 (int) len, s);
  ((double *) out)[idx] = x;
  return FGA_OK;
}

static int
item_nonneg (parse_t *p, int line, const char *key, const char *s, size_t len, size_t idx,
             void *out)
{
  double x;
  if (parse_real (s, len, &x) != 0 || !(x >= 0))
    return fail (p, line, FGA_ERR_INPUT, "%s: '%.*s' is not a finite number >= 0", key,
                 (int) len, s);
  ((double *) out)[idx] = x;
  return FGA_OK;
}

/* Seeds stop at 2^63 - 1: instance.json records them as JSON integers.  */
static int
item_seed (parse_t *p, int line, const char *key, const char *s, size_t len, size_t idx,
           void *out)
{
  unsigned long long v;
  unsigned long long max = ULONG_MAX < INT64_MAX ? ULONG_MAX : INT64_MAX;
  if (parse_whole (s, len, max, &v) != 0)
    return fail (p, line, FGA_ERR_INPUT, "%s: '%.*s' is not a whole number from 0 to %llu",
                 key, (int) len, s, max);
  ((unsigned long *) out)[idx] = (unsigned long) v;
  return FGA_OK;
}

static int
item_tol (parse_t *p, int line, const char *key, const char *s, size_t len, size_t idx,
          void *out)
{
  double x;
  if (len == 3 && strncmp (s, "1/n", 3) == 0)
    x = -1;                    /* resolved per n by the sweep */
  else if (parse_real (s, len, &x) != 0 || !(x > 0))
    return fail (p, line, FGA_ERR_INPUT, "%s: '%.*s' is not 1/n or a positive finite number",
                 key, (int) len, s);
  ((double *) out)[idx] = x;
  return FGA_OK;
}

/* One whole number in [min, max].  */
static int
parse_one_whole (parse_t *p, int line, const char *key, const char *value,
                 unsigned long long min, unsigned long long max, unsigned long long *v)
{
  if (parse_whole (value, strlen (value), max, v) != 0 || *v < min)
    return fail (p, line, FGA_ERR_INPUT, "%s: '%s' is not a whole number from %llu to %llu",
                 key, value, min, max);
  return FGA_OK;
}

/* d: a positive integer, log2(n), c*log2(n), ceil(log2 n), ceil(c*log2(n));
   whitespace is ignored.  */
static int
parse_d (parse_t *p, int line, const char *value)
{
  fga_sweep_config *cfg = p->cfg;
  char buf[128];
  squeeze (buf, sizeof buf, value);
  unsigned long long v;
  if (parse_whole (buf, strlen (buf), SIZE_MAX, &v) == 0 && v >= 1)
    {
      cfg->d_fixed = (size_t) v, cfg->d_coef = 0, cfg->d_ceil = 0;
      return FGA_OK;
    }

  char *s = buf;
  size_t len = strlen (s);
  int ceil_form = 0;
  if (strncmp (s, "ceil(", 5) == 0 && len > 5 && s[len - 1] == ')')
    {
      ceil_form = 1;
      s += 5;
      s[len - 6] = '\0';
      len -= 6;
    }
  /* The log is the last part: "log2(n)" or, with spaces removed, "log2n".  */
  double coef = 1;
  size_t loglen = 0;
  if (len >= 7 && strcmp (s + len - 7, "log2(n)") == 0)
    loglen = 7;
  else if (len >= 5 && strcmp (s + len - 5, "log2n") == 0)
    loglen = 5;
  int ok = loglen > 0;
  if (ok && len > loglen)
    ok = s[len - loglen - 1] == '*'
         && parse_real (s, len - loglen - 1, &coef) == 0 && coef > 0;
  if (!ok)
    return fail (p, line, FGA_ERR_INPUT,
                 "d: '%s' is not a positive integer, log2(n), c*log2(n), ceil(log2 n) "
                 "or ceil(c*log2(n))", value);
  cfg->d_fixed = 0, cfg->d_coef = coef, cfg->d_ceil = ceil_form;
  return FGA_OK;
}

/* Records the key's line, refusing a repeat.  Returns the index of the key
   in keys, or -1 after an error.  */
static int
claim_key (parse_t *p, const char *section, const char *const *keys, int *seen,
           const char *name)
{
  for (int k = 0; keys[k] != NULL; k++)
    if (strcmp (keys[k], name) == 0)
      {
        if (seen[k] != 0)
          {
            fail (p, p->lineno, FGA_ERR_INPUT, "[%s]: key '%s' repeated (first at line %d)",
                  section, name, seen[k]);
            return -1;
          }
        seen[k] = p->lineno;
        return k;
      }
  char known[256] = "";
  for (int k = 0; keys[k] != NULL; k++)
    {
      size_t used = strlen (known);
      snprintf (known + used, sizeof known - used, "%s%s", k ? ", " : "", keys[k]);
    }
  fail (p, p->lineno, FGA_ERR_INPUT, "[%s]: unknown key '%s' (known: %s)", section, name,
        known);
  return -1;
}

/* A message of the library's parsers, placed at the file and line.  */
static int
fail_with (parse_t *p, int line, const char *key, const fga_error *sub)
{
  return fail (p, line, sub->code != FGA_OK ? sub->code : FGA_ERR_INPUT, "%s: %s", key,
               sub->msg);
}

static int
grid_key (parse_t *p, const char *name, const char *value)
{
  fga_sweep_config *cfg = p->cfg;
  int line = p->lineno;
  fga_error sub;
  fga_error_init (&sub);
  unsigned long long v;
  switch (claim_key (p, "grid", grid_keys, p->grid_seen, name))
    {
    case G_N:
      return parse_list (p, line, name, value, item_n, cfg->n, &cfg->nn);
    case G_D:
      return parse_d (p, line, value);
    case G_DV:
      if (strcmp (value, "d") == 0)
        {
          cfg->dv_fixed = 0;
          return FGA_OK;
        }
      if (parse_one_whole (p, line, name, value, 1, SIZE_MAX, &v) != FGA_OK)
        return p->rc;
      cfg->dv_fixed = (size_t) v;
      return FGA_OK;
    case G_BETA:
    case G_B:
      if (p->grid_seen[G_BETA] != 0 && p->grid_seen[G_B] != 0)
        return fail (p, line, FGA_ERR_INPUT,
                     "give exactly one of beta (B = beta sqrt(ln n)) and B (absolute)");
      cfg->use_beta = strcmp (name, "beta") == 0;
      return parse_list (p, line, name, value, item_positive, cfg->b, &cfg->nb);
    case G_BV:
      if (strcmp (value, "B") == 0)
        {
          cfg->Bv = 0;
          return FGA_OK;
        }
      if (parse_real (value, strlen (value), &cfg->Bv) != 0 || !(cfg->Bv > 0))
        return fail (p, line, FGA_ERR_INPUT, "Bv: '%s' is not B or a positive finite number",
                     value);
      return FGA_OK;
    case G_DIST:
      if (strcmp (value, "none") == 0 || fga_dist_parse (&cfg->dist, value, &sub) != FGA_OK
          || cfg->dist == FGA_DIST_NONE)
        {
          if (sub.code == FGA_OK)
            snprintf (sub.msg, sizeof sub.msg,
                      "unknown distribution '%s': expected uniform, rademacher or gaussian",
                      value);
          return fail_with (p, line, name, &sub);
        }
      return FGA_OK;
    case G_TAU:
      if (fga_tau_parse (&cfg->tau, value, &sub) != FGA_OK)
        return fail_with (p, line, name, &sub);
      return FGA_OK;
    case G_SEEDS:
      return parse_list (p, line, name, value, item_seed, cfg->seeds, &cfg->nseeds);
    default:
      return p->rc;
    }
}

static int
truth_key (parse_t *p, const char *name, const char *value)
{
  fga_sweep_config *cfg = p->cfg;
  unsigned long long v;
  switch (claim_key (p, "truth", truth_keys, p->truth_seen, name))
    {
    case T_MPFR_MAX_N:
      if (parse_one_whole (p, p->lineno, name, value, 0, SIZE_MAX, &v) == FGA_OK)
        cfg->mpfr_max_n = (size_t) v;
      return p->rc;
    case T_PREC:
      /* Below double's 53 bits the "certified" truth would be worse than
         the methods it judges.  */
      if (parse_one_whole (p, p->lineno, name, value, 53, MPFR_PREC_MAX < LONG_MAX
                           ? (unsigned long long) MPFR_PREC_MAX : LONG_MAX, &v) == FGA_OK)
        cfg->prec = (long) v;
      return p->rc;
    default:
      return p->rc;
    }
}

static int
rank_key (parse_t *p, const char *name, const char *value)
{
  fga_sweep_config *cfg = p->cfg;
  unsigned long long v;
  switch (claim_key (p, "rank", rank_keys, p->rank_seen, name))
    {
    case R_TOL:
      return parse_list (p, p->lineno, name, value, item_tol, cfg->tol, &cfg->ntol);
    case R_MAX_N:
      if (parse_one_whole (p, p->lineno, name, value, 0, SIZE_MAX, &v) == FGA_OK)
        cfg->rank_max_n = (size_t) v;
      return p->rc;
    default:
      return p->rc;
    }
}

static int
method_key (parse_t *p, const char *name, const char *value)
{
  size_t i = p->cfg->nmethods - 1;
  fga_sweep_method *m = &p->cfg->methods[i];
  char section[80];
  snprintf (section, sizeof section, "method %s", m->label);
  int line = p->lineno;
  switch (claim_key (p, section, method_keys, p->method_seen[i], name))
    {
    case M_SPEC:
      if (*value == '\0' || strlen (value) >= sizeof m->spec)
        return fail (p, line, FGA_ERR_INPUT, "spec: must be a method string of 1 to %zu "
                     "characters", sizeof m->spec - 1);
      strcpy (m->spec, value);
      return FGA_OK;
    case M_SIZE:
      if (*value == '\0' || strlen (value) >= sizeof m->size_key
          || strpbrk (value, "=,: \t") != NULL)
        return fail (p, line, FGA_ERR_INPUT, "size: '%s' is not a parameter name", value);
      strcpy (m->size_key, value);
      return FGA_OK;
    case M_SIZES:
      return parse_list (p, line, name, value, item_nonneg, m->sizes, &m->nsizes);
    case M_TARGETS:
      return parse_list (p, line, name, value, item_positive, m->targets, &m->ntargets);
    case M_MAX_SIZE:
      if (parse_real (value, strlen (value), &m->max_size) != 0 || !(m->max_size > 0))
        return fail (p, line, FGA_ERR_INPUT, "max_size: '%s' is not a positive finite number",
                     value);
      return FGA_OK;
    default:
      return p->rc;
    }
}

static int
handler (void *user, const char *section, const char *name, const char *value)
{
  parse_t *p = user;
  if (p->rc != FGA_OK)
    return 0;
  p->keys_in_section = 1;
  switch (p->kind)
    {
    case SEC_GRID:
      grid_key (p, name, value);
      break;
    case SEC_TRUTH:
      truth_key (p, name, value);
      break;
    case SEC_RANK:
      rank_key (p, name, value);
      break;
    case SEC_METHOD:
      method_key (p, name, value);
      break;
    default:
      fail (p, p->lineno, FGA_ERR_INPUT, "key '%s' outside any section", name);
      break;
    }
  return p->rc == FGA_OK;
}

/* ---------------------------------------------------------------- */
/* Checks needing the whole file.  */

/* Tries spec, with key=value appended when key is not NULL, through the
   method registry, so that a bad method fails here with its line rather
   than in the middle of a sweep.  */
static int
check_spec (parse_t *p, int line, const fga_sweep_method *m, const char *key, double value)
{
  char spec[sizeof m->spec + 128];
  if (key != NULL)
    snprintf (spec, sizeof spec, "%s%s%s=%.17g", m->spec, strchr (m->spec, ':') ? "," : ":",
              key, value);
  else
    snprintf (spec, sizeof spec, "%s", m->spec);
  fga_error sub;
  fga_error_init (&sub);
  fga_method meth = fga_method_create (spec, &sub);
  if (meth == NULL)
    return fail (p, line, sub.code != FGA_OK ? sub.code : FGA_ERR_INPUT,
                 "[method %s]: %s", m->label, sub.msg);
  fga_method_destroy (meth);
  return FGA_OK;
}

/* Whether the parameter list of spec already sets key.  */
static int
spec_sets (const char *spec, const char *key)
{
  const char *s = strchr (spec, ':');
  size_t klen = strlen (key);
  while (s != NULL)
    {
      s = skip_space (s + 1);
      if (strncmp (s, key, klen) == 0 && *skip_space (s + klen) == '=')
        return 1;
      s = strchr (s, ',');
    }
  return 0;
}

static int
check_method (parse_t *p, size_t i)
{
  const fga_sweep_method *m = &p->cfg->methods[i];
  const int *seen = p->method_seen[i];
  if (seen[M_SPEC] == 0)
    return fail (p, p->method_line[i], FGA_ERR_INPUT, "[method %s] needs spec", m->label);
  if (check_spec (p, seen[M_SPEC], m, NULL, 0) != FGA_OK)
    return p->rc;
  if (m->size_key[0] == '\0')
    {
      int bad = seen[M_SIZES] ? M_SIZES : seen[M_TARGETS] ? M_TARGETS
        : seen[M_MAX_SIZE] ? M_MAX_SIZE : -1;
      if (bad >= 0)
        return fail (p, seen[bad], FGA_ERR_INPUT, "[method %s]: %s needs size (the parameter "
                     "that is swept)", m->label, method_keys[bad]);
      return FGA_OK;
    }
  if (spec_sets (m->spec, m->size_key))
    return fail (p, seen[M_SPEC], FGA_ERR_INPUT, "[method %s]: spec sets '%s', which is the "
                 "swept size parameter", m->label, m->size_key);
  if (seen[M_TARGETS] && !seen[M_MAX_SIZE])
    return fail (p, seen[M_TARGETS], FGA_ERR_INPUT, "[method %s]: targets need max_size (the "
                 "upper end of the search)", m->label);
  double largest = 0;
  for (size_t k = 0; k < m->nsizes; k++)
    {
      if (m->sizes[k] > largest)
        largest = m->sizes[k];
      if (check_spec (p, seen[M_SIZES], m, m->size_key, m->sizes[k]) != FGA_OK)
        return p->rc;
    }
  if (seen[M_MAX_SIZE])
    {
      if (m->max_size < largest)
        return fail (p, seen[M_MAX_SIZE], FGA_ERR_INPUT, "[method %s]: max_size %.17g is "
                     "below the largest size %.17g", m->label, m->max_size, largest);
      if (check_spec (p, seen[M_MAX_SIZE], m, m->size_key, m->max_size) != FGA_OK)
        return p->rc;
    }
  return FGA_OK;
}

static int
check_whole (parse_t *p)
{
  fga_sweep_config *cfg = p->cfg;
  if (p->grid_line == 0)
    return fail (p, 0, FGA_ERR_INPUT, "missing section [grid]");
  if (p->grid_seen[G_N] == 0)
    return fail (p, p->grid_line, FGA_ERR_INPUT, "[grid] needs n");
  if (p->grid_seen[G_BETA] == 0 && p->grid_seen[G_B] == 0)
    return fail (p, p->grid_line, FGA_ERR_INPUT,
                 "[grid] needs beta (B = beta sqrt(ln n)) or B (absolute)");
  if (cfg->nmethods == 0)
    return fail (p, 0, FGA_ERR_INPUT, "no [method LABEL] section");
  for (size_t i = 0; i < cfg->nmethods; i++)
    if (check_method (p, i) != FGA_OK)
      return p->rc;
  return FGA_OK;
}

static void
set_defaults (fga_sweep_config *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  /* d = ceil(log2 n), the regime of the fine-grained bounds.  */
  cfg->d_coef = 1;
  cfg->d_ceil = 1;
  cfg->use_beta = 1;
  cfg->dist = FGA_DIST_UNIFORM;
  cfg->tau.kind = FGA_TAU_INV_D;
  cfg->tau.value = 0;
  cfg->nseeds = 1;
  cfg->seeds[0] = 1;
  cfg->mpfr_max_n = 1024;
  cfg->prec = 128;
  cfg->rank_max_n = 2048;
}

int
fga_sweep_config_read (fga_sweep_config *cfg, const char *path, fga_error *err)
{
  set_defaults (cfg);
  if (strlen (path) >= sizeof cfg->path)
    return fgap_error_set (err, FGA_ERR_INPUT, "%.64s...: path too long", path);
  strcpy (cfg->path, path);

  parse_t p;
  memset (&p, 0, sizeof p);
  p.cfg = cfg;
  p.path = path;
  p.err = err;
  p.at_bol = 1;
  p.fp = fopen (path, "r");
  if (p.fp == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: cannot open: %s", path, strerror (errno));
  int syntax = ini_parse_stream (reader, &p, handler, &p);
  int read_error = ferror (p.fp);
  fclose (p.fp);
  if (read_error)
    return fgap_error_set (err, FGA_ERR_IO, "%s:%d: read error", path, p.lineno);
  if (syntax == -2)
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s:0: the INI parser ran out of memory", path);
  /* inih reports its own syntax errors (a line that is neither a comment,
     a [section] nor key = value) by line only; keep the earliest error.  */
  if (syntax > 0 && (p.rc == FGA_OK || syntax < p.err_line))
    {
      p.rc = FGA_OK;
      return fail (&p, syntax, FGA_ERR_INPUT,
                   "expected '[section]', 'key = value' or a comment");
    }
  if (p.rc != FGA_OK)
    return p.rc;
  return check_whole (&p);
}

size_t
fga_sweep_config_d (const fga_sweep_config *cfg, size_t n)
{
  if (cfg->d_coef == 0)
    return cfg->d_fixed;
  double x = cfg->d_coef * log2 ((double) n);
  /* A value within rounding of an integer is that integer, so that ceil
     does not jump a whole dimension on the last bit of a product.  */
  double r = nearbyint (x);
  if (fabs (x - r) <= 1e-9 * fmax (1, x))
    x = r;
  double d = cfg->d_ceil ? ceil (x) : nearbyint (x);
  return d < 1 ? 1 : (size_t) d;
}

double
fga_sweep_config_B (const fga_sweep_config *cfg, size_t n, double b)
{
  return cfg->use_beta ? b * sqrt (log ((double) n)) : b;
}
