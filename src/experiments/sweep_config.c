/* fga_sweep_config -- reads and validates the INI configuration of a sweep */

#include "core/fga-impl.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdint.h>
#include <unistd.h>

/* The file is read and split by the configuration reader shared with the
   hardness experiment (src/core/config_file.c: UTF-8 and control
   characters checked, inih for keys, values and comments, no line length
   limit, "FILE:LINE: what" in every message); this file gives the
   sections and keys their meaning.  */

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

/* The largest working precision of the ground truth, as `fgattn truth
   --prec' allows; the sweep lets Ziv's strategy go to 4 prec.  */
#define PREC_MAX 1048576

typedef struct
{
  fga_sweep_config *cfg;
  fgap_ini ini;                /* file, line and first error */
  int lineno;                  /* the line of the key being read */

  enum sec_kind kind;          /* the section being read */
  int grid_line, truth_line, rank_line;   /* header lines, 0 when absent */
  int method_line[FGA_SWEEP_MAX_METHODS];
  int grid_seen[G_COUNT], truth_seen[T_COUNT], rank_seen[R_COUNT];
  int method_seen[FGA_SWEEP_MAX_METHODS][M_COUNT];
} parse_t;

/* Records the first error only: later ones are usually its consequences.  */
static int
fail (parse_t *p, int line, int code, const char *fmt, ...)
  __attribute__ ((format (printf, 4, 5)));

static int
fail (parse_t *p, int line, int code, const char *fmt, ...)
{
  char what[FGA_MSG_SIZE];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (what, sizeof what, fmt, ap);
  va_end (ap);
  return fgap_ini_fail (&p->ini, line, code, "%s", what);
}

static const char *
skip_space (const char *s)
{
  while (isspace ((unsigned char) *s))
    s++;
  return s;
}

/* A section header: sets the current section, refusing unknown and
   repeated ones at their own line.  */
static int
enter_section (fgap_ini *ini, const char *name)
{
  parse_t *p = ini->user;
  p->lineno = ini->line;
  p->kind = SEC_NONE;
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
        return fail (p, p->lineno, FGA_ERR_INPUT, "section [%s] repeated (first at line %d)",
                     name, *line);
      *line = p->lineno;
      return FGA_OK;
    }

  if (strncmp (name, "method", 6) != 0
      || (name[6] != '\0' && !isspace ((unsigned char) name[6])))
    return fail (p, p->lineno, FGA_ERR_INPUT, "unknown section [%s] (expected [grid], [truth], "
                 "[rank] or [method LABEL])", name);
  const char *label = skip_space (name + 6);
  fga_sweep_config *cfg = p->cfg;
  if (*label == '\0')
    return fail (p, p->lineno, FGA_ERR_INPUT, "[method] needs a label: [method LABEL]");
  if (strlen (label) >= sizeof cfg->methods[0].label)
    return fail (p, p->lineno, FGA_ERR_INPUT, "method label '%s' is longer than %zu characters",
                 label, sizeof cfg->methods[0].label - 1);
  for (size_t i = 0; i < cfg->nmethods; i++)
    if (strcmp (cfg->methods[i].label, label) == 0)
      return fail (p, p->lineno, FGA_ERR_INPUT, "section [method %s] repeated (first at line %d)",
                   label, p->method_line[i]);
  if (cfg->nmethods == FGA_SWEEP_MAX_METHODS)
    return fail (p, p->lineno, FGA_ERR_INPUT, "too many [method] sections (at most %d)",
                 FGA_SWEEP_MAX_METHODS);
  fga_sweep_method *m = &cfg->methods[cfg->nmethods];
  snprintf (m->label, sizeof m->label, "%s", label);
  p->method_line[cfg->nmethods] = p->lineno;
  cfg->nmethods++;
  p->kind = SEC_METHOD;
  return FGA_OK;
}

/* ---------------------------------------------------------------- */
/* Values.  */

/* A character of a number or a word: white space between two of them
   separates two tokens ("4 4"), never one.  */
static int
word_char (char c)
{
  return isalnum ((unsigned char) c) || c == '.' || c == '+' || c == '-' || c == '_';
}

/* Copies text, white space removed, into buf; -1 (buf unusable) when the
   text does not fit or white space splits what would read as one token:
   between two characters of words or numbers ("4 4" is not 44, "1 e3" not
   1e3), except in "log2 n".  White space next to ( ) * is free.  */
static int
squeeze (char *buf, size_t size, const char *text)
{
  size_t k = 0;
  for (const char *s = text; *s != '\0'; s++)
    {
      if (isspace ((unsigned char) *s))
        {
          const char *q = s;
          while (isspace ((unsigned char) *q))
            q++;
          if (k > 0 && *q != '\0' && word_char (buf[k - 1]) && word_char (*q)
              && !(*q == 'n' && k >= 4 && memcmp (buf + k - 4, "log2", 4) == 0))
            return -1;
          s = q - 1;
          continue;
        }
      if (k + 1 >= size)
        return -1;
      buf[k++] = *s;
    }
  buf[k] = '\0';
  return 0;
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
  /* fgattn/core.h's strict reader: no hexadecimal, inf, nan, overflow */
  return fga_parse_real (x, buf, -INFINITY, INFINITY, 0, "", NULL) == FGA_OK ? 0 : -1;
}

/* A whole number filling [s, s + len), at most max: decimal digits, or a
   real that is exactly a whole number (1e3), by fgattn/core.h's strict
   reader.  */
static int
parse_whole (const char *s, size_t len, unsigned long long max, unsigned long long *v)
{
  char buf[128];
  unsigned long w;
  if (len == 0 || len >= sizeof buf)
    return -1;
  memcpy (buf, s, len);
  buf[len] = '\0';
  if (fga_parse_ulong (&w, buf, 0, max < ULONG_MAX ? (unsigned long) max : ULONG_MAX, "", NULL)
      != FGA_OK)
    return -1;
  *v = w;
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
        return p->ini.rc;
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

/* A size of a method: at least 1, where the least-size search starts (0
   is not a size but, for poly's deg, strided's l and others, "choose for
   me").  */
static int
item_size (parse_t *p, int line, const char *key, const char *s, size_t len, size_t idx,
           void *out)
{
  double x;
  if (parse_real (s, len, &x) != 0 || !(x >= 1))
    return fail (p, line, FGA_ERR_INPUT, "%s: '%.*s' is not a finite number >= 1", key,
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
   white space is free around ( ) * and in "log2 n", and refused inside a
   number ("4 4" is two numbers, not 44).  */
static int
parse_d (parse_t *p, int line, const char *value)
{
  fga_sweep_config *cfg = p->cfg;
  char buf[128];
  if (squeeze (buf, sizeof buf, value) != 0)
    return fail (p, line, FGA_ERR_INPUT,
                 "d: '%.64s' is not a positive integer, log2(n), c*log2(n), ceil(log2 n) "
                 "or ceil(c*log2(n)) (white space inside a number or a word)", value);
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

/* Records the key's line, refusing an unknown key or a repeat (the shared
   messages of src/core/config_file.c).  The index of the key in keys, or -1
   after an error.  */
static int
claim_key (parse_t *p, const char *section, const char *const *keys, int *seen,
           const char *name)
{
  return fgap_ini_claim_key (&p->ini, section, keys, seen, name);
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
        return p->ini.rc;
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
      return p->ini.rc;
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
      return p->ini.rc;
    case T_PREC:
      /* Below double's 53 bits the "certified" truth would be worse than
         the methods it judges.  */
      if (parse_one_whole (p, p->lineno, name, value, 53, PREC_MAX, &v) == FGA_OK)
        cfg->prec = (long) v;
      return p->ini.rc;
    default:
      return p->ini.rc;
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
      return p->ini.rc;
    default:
      return p->ini.rc;
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
      return parse_list (p, line, name, value, item_size, m->sizes, &m->nsizes);
    case M_TARGETS:
      return parse_list (p, line, name, value, item_positive, m->targets, &m->ntargets);
    case M_MAX_SIZE:
      if (parse_real (value, strlen (value), &m->max_size) != 0 || !(m->max_size > 0))
        return fail (p, line, FGA_ERR_INPUT, "max_size: '%s' is not a positive finite number",
                     value);
      return FGA_OK;
    default:
      return p->ini.rc;
    }
}

static int
key_value (fgap_ini *ini, const char *name, const char *value)
{
  parse_t *p = ini->user;
  p->lineno = ini->line;
  switch (p->kind)
    {
    case SEC_GRID:
      return grid_key (p, name, value);
    case SEC_TRUTH:
      return truth_key (p, name, value);
    case SEC_RANK:
      return rank_key (p, name, value);
    case SEC_METHOD:
      return method_key (p, name, value);
    default:                   /* after a refused header: the parse has stopped */
      return p->ini.rc;
    }
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
    return p->ini.rc;
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
        return p->ini.rc;
    }
  if (seen[M_MAX_SIZE])
    {
      if (m->max_size < largest)
        return fail (p, seen[M_MAX_SIZE], FGA_ERR_INPUT, "[method %s]: max_size %.17g is "
                     "below the largest size %.17g", m->label, m->max_size, largest);
      if (check_spec (p, seen[M_MAX_SIZE], m, m->size_key, m->max_size) != FGA_OK)
        return p->ini.rc;
    }
  return FGA_OK;
}

/* ---------------------------------------------------------------- */
/* Sizes and memory, checked before any work (and, in fga_sweep_run,
   before the folder is made): a grid that cannot run is refused here
   rather than after hours, or by the kernel's out-of-memory killer.  */

/* The largest d, dv or n taken as an integer: beyond 2^53 a double no
   longer holds every integer, and no machine holds such a matrix.  */
#define SIZE_LIMIT 0x1p53

/* d at n before any rounding to an integer.  */
static double
d_real (const fga_sweep_config *cfg, size_t n)
{
  return cfg->d_coef == 0 ? (double) cfg->d_fixed : cfg->d_coef * log2 ((double) n);
}

/* The value of parameter key of a method: from its spec when set there,
   else the registry's default; NaN when the method has no such parameter.  */
static double
spec_param (const char *spec, const char *key)
{
  size_t klen = strlen (key);
  for (const char *s = strchr (spec, ':'); s != NULL; s = strchr (s, ','))
    {
      s = skip_space (s + 1);
      if (strncmp (s, key, klen) == 0 && *skip_space (s + klen) == '=')
        return strtod (skip_space (s + klen) + 1, NULL);
    }
  size_t len = strcspn (spec, ":");
  for (size_t i = 0; i < fga_method_count (); i++)
    {
      const fga_method_info *info = fga_method_info_at (i);
      if (strlen (info->name) != len || strncmp (info->name, spec, len) != 0)
        continue;
      for (const fga_param_info *q = info->params; q->key != NULL; q++)
        if (strcmp (q->key, key) == 0)
          return strtod (q->def, NULL);
    }
  return NAN;
}

/* The bytes a method may take at n beyond the instance and its output:
   the memory budget of poly and tsketch (budget=, which they refuse to
   exceed); svd's P, its singular vectors and dgesdd's workspace, about
   7 n^2 doubles; rf's and nystrom's feature matrices, about 2 n m + m^2
   doubles at their largest m.  The other methods work in O(n) per thread.  */
static double
method_bytes (const fga_sweep_method *m, double n)
{
  size_t len = strcspn (m->spec, ":");
  if ((len == 4 && strncmp (m->spec, "poly", 4) == 0)
      || (len == 7 && strncmp (m->spec, "tsketch", 7) == 0))
    return spec_param (m->spec, "budget");
  if (len == 3 && strncmp (m->spec, "svd", 3) == 0)
    return 8 * 7 * n * n;
  if ((len == 2 && strncmp (m->spec, "rf", 2) == 0)
      || (len == 7 && strncmp (m->spec, "nystrom", 7) == 0))
    {
      double mm = spec_param (m->spec, "m");
      if (strcmp (m->size_key, "m") == 0)
        {
          mm = m->max_size;
          for (size_t k = 0; k < m->nsizes; k++)
            mm = fmax (mm, m->sizes[k]);
        }
      return isfinite (mm) ? 8 * (2 * n * mm + mm * mm) : 0;
    }
  return 0;
}

/* An MPFR number of p bits as the ground truth stores it.  */
static double
mpfr_bytes (double p)
{
  return (double) sizeof (mpfr_t) + 8 * ceil (p / 64) + 8;
}

/* The bytes of one cell of size n, in parts.  */
typedef struct
{
  double instance;             /* Q, K, V, the truth and a method's output */
  double truth;                /* the ground truth's working memory */
  double rank;                 /* the n x n matrix P and dgesdd's workspace */
  double method;               /* the largest of method_bytes */
  size_t method_index;
} cell_bytes_t;

static double
cell_bytes (cell_bytes_t *b, const fga_sweep_config *cfg, size_t n, int threads)
{
  double nn = (double) n, d = (double) fga_sweep_config_d (cfg, n);
  double dv = cfg->dv_fixed != 0 ? (double) cfg->dv_fixed : d;
  b->instance = 8 * nn * (2 * d + dv) + 2 * 8 * nn * dv;
  /* fga_truth (src/numerics/truth.c): Q and K split into significands and
     exponents, V at 53 bits, and per thread a row of n + 1 numbers at the
     largest precision Ziv's strategy may reach (4 prec).  The double
     method beyond mpfr_max_n works in O(n) per thread.  */
  b->truth = n <= cfg->mpfr_max_n
    ? 16 * 2 * nn * d + nn * dv * mpfr_bytes (53)
      + threads * (nn + 1) * mpfr_bytes (4 * (double) cfg->prec)
    : 0;
  b->rank = n <= cfg->rank_max_n && cfg->ntol > 0 ? 8 * (nn * nn + 12 * nn) : 0;
  b->method = 0;
  b->method_index = 0;
  for (size_t k = 0; k < cfg->nmethods; k++)
    {
      double mb = method_bytes (&cfg->methods[k], nn);
      if (mb > b->method)
        b->method = mb, b->method_index = k;
    }
  return b->instance + b->truth + b->rank + b->method;
}

/* A refusal: at the line when the configuration came from a file read by
   fga_sweep_config_read (p not NULL), else naming the file if known.  */
static int
refuse (const fga_sweep_config *cfg, parse_t *p, int line, fga_error *err, const char *fmt, ...)
  __attribute__ ((format (printf, 5, 6)));

static int
refuse (const fga_sweep_config *cfg, parse_t *p, int line, fga_error *err, const char *fmt, ...)
{
  char what[FGA_MSG_SIZE];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (what, sizeof what, fmt, ap);
  va_end (ap);
  if (p != NULL)
    return fail (p, line, FGA_ERR_INPUT, "%s", what);
  if (cfg->path[0] != '\0')
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: %s", cfg->path, what);
  return fgap_error_set (err, FGA_ERR_INPUT, "%s", what);
}

/* The sizes of every cell, and its bytes against the machine's memory
   with `jobs' cells at once.  */
static int
check_sizes (const fga_sweep_config *cfg, int jobs, parse_t *p, fga_error *err)
{
  int ln = p != NULL ? p->grid_seen[G_N] : 0, ld = p != NULL ? p->grid_seen[G_D] : 0;
  if (cfg->prec < 53 || cfg->prec > PREC_MAX)
    return refuse (cfg, p, p != NULL ? p->truth_seen[T_PREC] : 0, err,
                   "prec = %ld: the ground truth's precision must be from 53 to %d bits",
                   cfg->prec, PREC_MAX);
  if (cfg->dv_fixed > SIZE_LIMIT)
    return refuse (cfg, p, p != NULL ? p->grid_seen[G_DV] : 0, err,
                   "dv = %zu: too large (at most 2^53)", cfg->dv_fixed);
  if (cfg->d_coef == 0 && (cfg->d_fixed < 1 || (double) cfg->d_fixed > SIZE_LIMIT))
    return refuse (cfg, p, ld, err, "d = %zu: not in 1..2^53", cfg->d_fixed);
  if (cfg->d_coef != 0 && !(cfg->d_coef > 0 && isfinite (cfg->d_coef)))
    return refuse (cfg, p, ld, err, "d = %g * log2(n): the factor must be positive and finite",
                   cfg->d_coef);
  for (size_t i = 0; i < cfg->nn; i++)
    {
      if (cfg->n[i] < 2 || (double) cfg->n[i] > SIZE_LIMIT)
        return refuse (cfg, p, ln, err, "n = %zu: not in 2..2^53", cfg->n[i]);
      double d = d_real (cfg, cfg->n[i]);
      if (!(d <= SIZE_LIMIT))
        return refuse (cfg, p, ld, err, "d = %g * log2(n) is %.3g at n = %zu: too large for "
                       "an integer (at most 2^53)", cfg->d_coef, d, cfg->n[i]);
    }

  double phys = fga_physical_bytes ();
  int threads = jobs > 1 ? 1 : fgap_max_threads ();
  size_t ncells = cfg->nn * cfg->nb * cfg->nseeds;
  double together = jobs <= 1 ? 1 : (double) ((size_t) jobs < ncells ? (size_t) jobs : ncells);
  for (size_t i = 0; i < cfg->nn && cfg->nb > 0 && cfg->nseeds > 0; i++)
    {
      cell_bytes_t b;
      double need = cell_bytes (&b, cfg, cfg->n[i], threads);
      if (!(need * together > phys))
        continue;
      /* The line of the largest part: n or d (the larger) for the
         instance and the truth, the rank's max_n, or the method's spec.  */
      int line = ld != 0 && fga_sweep_config_d (cfg, cfg->n[i]) > cfg->n[i] ? ld : ln;
      if (p != NULL && b.rank > fmax (b.instance + b.truth, b.method))
        line = p->rank_seen[R_MAX_N] ? p->rank_seen[R_MAX_N] : p->rank_seen[R_TOL];
      else if (p != NULL && b.method > b.instance + b.truth)
        line = p->method_seen[b.method_index][M_SPEC];
      char bs[64], hn[32], hi[32], ht[32], hr[32], hm[32], hp[32];
      fgap_format_shortest (bs, sizeof bs, cfg->b[0]);
      fga_format_bytes (hn, sizeof hn, need * together);
      fga_format_bytes (hi, sizeof hi, b.instance);
      fga_format_bytes (ht, sizeof ht, b.truth);
      fga_format_bytes (hr, sizeof hr, b.rank);
      fga_format_bytes (hm, sizeof hm, b.method);
      fga_format_bytes (hp, sizeof hp, phys);
      char with[64] = "";
      if (together > 1)
        snprintf (with, sizeof with, ", %.0f cells at once (jobs)", together);
      return refuse (cfg, p, line, err, "cell n=%zu,b=%s,seed=%lu needs about %s%s (instance "
                     "and outputs %s, ground truth %s, rank of P %s, largest method %s%s%s), "
                     "more than this machine's %s of memory", cfg->n[i], bs, cfg->seeds[0],
                     hn, with, hi, ht, hr, hm, b.method > 0 ? ": " : "",
                     b.method > 0 ? cfg->methods[b.method_index].label : "", hp);
    }
  return FGA_OK;
}

int
fga_sweep_config_check (const fga_sweep_config *cfg, int jobs, fga_error *err)
{
  if (jobs < 1)
    return fgap_error_set (err, FGA_ERR_INPUT, "jobs = %d: at least 1", jobs);
  return check_sizes (cfg, jobs, NULL, err);
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
      return p->ini.rc;
  return check_sizes (cfg, 1, p, p->ini.err);
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

  char *text;
  size_t len;
  int rc = fgap_config_load (&text, &len, path, err);
  if (rc != FGA_OK)
    return rc;
  parse_t p;
  memset (&p, 0, sizeof p);
  p.cfg = cfg;
  fgap_ini_init (&p.ini, path, &p, err);
  rc = fgap_ini_parse (&p.ini, text, enter_section, key_value);
  fgap_free (text);
  if (rc != FGA_OK)
    return rc;
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
  if (!(d < 0x1p63))
    return SIZE_MAX;           /* refused by fga_sweep_config_check */
  return d < 1 ? 1 : (size_t) d;
}

double
fga_sweep_config_B (const fga_sweep_config *cfg, size_t n, double b)
{
  return cfg->use_beta ? b * sqrt (log ((double) n)) : b;
}
