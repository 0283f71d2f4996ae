/* hardness_config.c -- the configuration of the hardness experiment: [hardness] and [method LABEL]

   Read by the reader the sweeps use (src/core/config_file.c): the text
   checked (UTF-8, no NUL or control character), inih's syntax without a
   limit on the line length, and the same messages, each naming the file
   and the line.  Everything that can be refused is refused here, before
   any work: a gap the generator cannot sample at some n, and a method
   whose spec or size parameter the registry refuses.  */

#include "core/fga-impl.h"
#include "reduction/reduction-impl.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdint.h>

static char *
trim (char *s)
{
  while (isspace ((unsigned char) *s))
    s++;
  char *e = s + strlen (s);
  while (e > s && isspace ((unsigned char) e[-1]))
    *--e = '\0';
  return s;
}

/* A positive integer (no sign, no exponent), or -1.  */
static long long
parse_count (const char *s)
{
  if (!isdigit ((unsigned char) *s))
    return -1;
  errno = 0;
  char *end;
  unsigned long long v = strtoull (s, &end, 10);
  if (errno != 0 || *trim (end) != '\0' || v > (unsigned long long) LLONG_MAX)
    return -1;
  return (long long) v;
}

static int
parse_real (double *out, const char *s)
{
  errno = 0;
  char *end;
  double v = strtod (s, &end);
  if (end == s || errno != 0 || *trim (end) != '\0' || !isfinite (v))
    return -1;
  *out = v;
  return 0;
}

/* "a, b, c" or "a-b" of positive integers into out[]; returns the count or
   -1 (bad item), -2 (too many) or -3 (an empty item: "4,,4", "4," or ",4",
   refused rather than skipped as strtok would).  */
static long
parse_list (unsigned long long *out, size_t max, char *s, unsigned long long lo)
{
  char *dash = strchr (s, '-');
  if (dash != NULL && strchr (s, ',') == NULL)
    {
      *dash = '\0';
      long long a = parse_count (trim (s)), b = parse_count (trim (dash + 1));
      if (a < (long long) lo || b < a)
        return -1;
      if ((unsigned long long) (b - a) >= max)
        return -2;
      for (long long v = a; v <= b; v++)
        out[v - a] = (unsigned long long) v;
      return (long) (b - a + 1);
    }
  size_t k = 0;
  for (char *tok = s;;)
    {
      char *comma = strchr (tok, ',');
      if (comma != NULL)
        *comma = '\0';
      char *item = trim (tok);
      if (*item == '\0')
        return -3;
      long long v = parse_count (item);
      if (v < (long long) lo)
        return -1;
      if (k == max)
        return -2;
      out[k++] = (unsigned long long) v;
      if (comma == NULL)
        break;
      tok = comma + 1;
    }
  return (long) k;
}

enum { K_N, K_M, K_T, K_GAP, K_SEEDS, K_BASIS, K_R, K_GMAX, K_COUNT };
static const char *const keys[K_COUNT + 1]
  = { "n", "m", "t", "gap", "seeds", "basis", "R", "gmax", NULL };

/* The keys of a [method LABEL] section.  */
enum { MK_SPEC, MK_SIZE, MK_MAX_N, MK_COUNT };
static const char *const method_keys[MK_COUNT + 1] = { "spec", "size", "max_n", NULL };

typedef struct
{
  fga_hardness_config *cfg;
  int section_line;            /* of [hardness], 0 when not seen */
  int seen[K_COUNT];
  int in_method;               /* the section being read is a [method LABEL] */
  int method_line[FGA_HARDNESS_MAX_METHODS];
  int method_seen[FGA_HARDNESS_MAX_METHODS][MK_COUNT];
} hparse_t;

/* n or seeds: a list, or a range a-b, at the current line.  */
static int
parse_n_or_seeds (fgap_ini *ini, fga_hardness_config *cfg, int key, char *v)
{
  unsigned long long list[FGA_HARDNESS_MAX];
  int line = ini->line;
  long k = parse_list (list, FGA_HARDNESS_MAX, v, key == K_N ? 2 : 0);
  if (k < 0)
    return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "%s: %s", keys[key],
                          k == -2 ? "at most 64 values"
                          : k == -3 ? "an empty item in the list (two commas, or one at an end)"
                          : key == K_N ? "a list of integers >= 2, as 32, 64 or 32-40"
                          : "a list of integers >= 0, as 1, 2, 3 or 1-3");
  for (long i = 0; i < k; i++)
    {
      if (key == K_N)
        {
          /* The reduced instance has 2n rows of 2m columns; keep the
             brute force and the scan's counting in reach.  */
          if (list[i] > 65536)
            return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "n = %llu: at most 65536",
                                  list[i]);
          if (i > 0 && list[i] <= list[i - 1])
            return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "n: the sizes must increase");
          cfg->n[i] = (size_t) list[i];
        }
      else
        {
          if (list[i] > (unsigned long long) INT64_MAX)
            return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "seed %llu is above 2^63 - 1",
                                  list[i]);
          cfg->seeds[i] = (unsigned long) list[i];
        }
    }
  *(key == K_N ? &cfg->nn : &cfg->nseeds) = (size_t) k;
  return FGA_OK;
}

/* The value v (a copy the parsers may cut) of key at the current line.  */
static int
parse_value (fgap_ini *ini, fga_hardness_config *cfg, int key, char *v)
{
  int line = ini->line;
  switch (key)
    {
    case K_N:
    case K_SEEDS:
      return parse_n_or_seeds (ini, cfg, key, v);
    case K_M:
      {
        char *lg = strstr (v, "log2 n");
        if (lg != NULL && *trim (lg + 6) == '\0')
          {
            *lg = '\0';
            if (parse_real (&cfg->m_coef, trim (v)) != 0 || !(cfg->m_coef > 0)
                || cfg->m_coef > 1e3)
              return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "m: C in `C log2 n' must be a "
                                    "number in (0, 1000]");
            cfg->m_fixed = 0;
            return FGA_OK;
          }
        long long m = parse_count (v);
        if (m < 1 || m > 1000000)
          return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "m: an integer in 1..1000000 or "
                                "`C log2 n'");
        cfg->m_fixed = (size_t) m;
        return FGA_OK;
      }
    case K_T:
      {
        char *slash = strchr (v, '/');
        if (slash != NULL)
          {
            *slash = '\0';
            if (strcmp (trim (v), "m") != 0 || parse_real (&cfg->t_div, trim (slash + 1)) != 0
                || !(cfg->t_div >= 1))
              return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "t: `m / K' needs a number "
                                    "K >= 1");
            cfg->t_fixed = 0;
            return FGA_OK;
          }
        long long t = parse_count (v);
        if (t < 1)
          return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "t: a positive integer or `m / K'");
        cfg->t_fixed = (size_t) t;
        return FGA_OK;
      }
    case K_GAP:
      if (parse_real (&cfg->gap, v) != 0 || !(cfg->gap > 0) || cfg->gap > 1e6)
        return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "gap: a number in (0, 1e6]");
      return FGA_OK;
    case K_BASIS:
      {
        fga_error e2;
        fga_error_init (&e2);
        if (fga_basis_parse (&cfg->basis, v, &e2) != FGA_OK)
          return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "basis: cheb or taylor, not %s", v);
        return FGA_OK;
      }
    case K_R:
      if (strcmp (v, "auto") != 0 && strcmp (v, "max") != 0)
        return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "R: auto or max, not %s", v);
      cfg->R_max = strcmp (v, "max") == 0;
      return FGA_OK;
    default:                   /* K_GMAX */
      {
        long long g = parse_count (v);
        if (g < 1 || g > FGA_EXPFIT_GMAX)
          return fgap_ini_fail (ini, line, FGA_ERR_INPUT, "gmax: an integer in 1..%ld",
                                FGA_EXPFIT_GMAX);
        cfg->gmax = (long) g;
        return FGA_OK;
      }
    }
}

/* A method label names the method in CSV fields, Markdown tables and
   messages: letters, digits and _ . + - only, so that it needs no quoting.  */
static int
label_ok (const char *label)
{
  if (*label == '\0' || strlen (label) >= sizeof ((fga_hardness_method *) 0)->label)
    return 0;
  for (const char *c = label; *c != '\0'; c++)
    if (!isalnum ((unsigned char) *c) && strchr ("_.+-", *c) == NULL)
      return 0;
  return 1;
}

/* [method LABEL]: a new method, its label unique.  */
static int
method_section (fgap_ini *ini, hparse_t *h, const char *label)
{
  fga_hardness_config *cfg = h->cfg;
  if (!label_ok (label))
    return fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "[method %s]: the label must be 1 to "
                          "%zu letters, digits or _ . + -", label,
                          sizeof cfg->methods[0].label - 1);
  for (size_t i = 0; i < cfg->nmethods; i++)
    if (strcmp (cfg->methods[i].label, label) == 0)
      return fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "section [method %s] repeated "
                            "(first at line %d)", label, h->method_line[i]);
  if (cfg->nmethods == FGA_HARDNESS_MAX_METHODS)
    return fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "too many [method] sections (at "
                          "most %d)", FGA_HARDNESS_MAX_METHODS);
  snprintf (cfg->methods[cfg->nmethods].label, sizeof cfg->methods[0].label, "%s", label);
  h->method_line[cfg->nmethods++] = ini->line;
  h->in_method = 1;
  return FGA_OK;
}

static int
hardness_section (fgap_ini *ini, const char *name)
{
  hparse_t *h = ini->user;
  h->in_method = 0;
  if (strncmp (name, "method", 6) == 0 && (name[6] == '\0' || isspace ((unsigned char) name[6])))
    {
      const char *label = name + 6;
      while (isspace ((unsigned char) *label))
        label++;
      if (*label == '\0')
        return fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "[method] needs a label: "
                              "[method LABEL]");
      return method_section (ini, h, label);
    }
  if (strcmp (name, "hardness") != 0)
    return fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "unknown section [%s] (expected "
                          "[hardness] or [method LABEL])", name);
  if (h->section_line != 0)
    return fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "section [hardness] repeated (first "
                          "at line %d)", h->section_line);
  h->section_line = ini->line;
  return FGA_OK;
}

/* A key of the current [method LABEL]; the spec and the size are checked
   against the registry once the whole section is known (check_method).  */
static int
method_key (fgap_ini *ini, hparse_t *h, const char *name, const char *value)
{
  size_t i = h->cfg->nmethods - 1;
  fga_hardness_method *m = &h->cfg->methods[i];
  char section[64];
  snprintf (section, sizeof section, "method %s", m->label);
  int key = fgap_ini_claim_key (ini, section, method_keys, h->method_seen[i], name);
  if (key < 0)
    return ini->rc;
  if (*value == '\0')
    return fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "%s has no value", name);
  switch (key)
    {
    case MK_SPEC:
      if (strlen (value) >= sizeof m->spec)
        return fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "spec: at most %zu characters",
                              sizeof m->spec - 1);
      strcpy (m->spec, value);
      return FGA_OK;
    case MK_SIZE:
      if (strlen (value) >= sizeof m->size_key || strpbrk (value, "=,: \t") != NULL)
        return fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "size: '%s' is not a parameter "
                              "name", value);
      strcpy (m->size_key, value);
      return FGA_OK;
    default:                   /* MK_MAX_N */
      {
        long long v = parse_count (value);
        if (v < 2 || v > 65536)
          return fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "max_n: an integer in "
                                "2..65536, not %s", value);
        m->max_n = (size_t) v;
        return FGA_OK;
      }
    }
}

static int
hardness_key (fgap_ini *ini, const char *name, const char *value)
{
  hparse_t *h = ini->user;
  if (h->in_method)
    return method_key (ini, h, name, value);
  int key = fgap_ini_claim_key (ini, "hardness", keys, h->seen, name);
  if (key < 0)
    return ini->rc;
  if (*value == '\0')
    return fgap_ini_fail (ini, ini->line, FGA_ERR_INPUT, "%s has no value", name);
  size_t len = strlen (value);
  char *v = fgap_alloc (len + 1, "a configuration value", ini->err);
  if (v == NULL)
    return fgap_ini_fail (ini, ini->line, FGA_ERR_NOMEM, "out of memory for its value");
  memcpy (v, value, len + 1);
  int rc = parse_value (ini, h->cfg, key, v);
  fgap_free (v);
  return rc;
}

/* The registry's description of the method spec names, or NULL.  */
static const fga_method_info *
method_info (const char *spec)
{
  size_t len = strcspn (spec, ":");
  for (size_t i = 0; i < fga_method_count (); i++)
    {
      const fga_method_info *info = fga_method_info_at (i);
      if (strlen (info->name) == len && strncmp (info->name, spec, len) == 0)
        return info;
    }
  return NULL;
}

const fga_param_info *
fgap_hardness_size_param (const fga_hardness_method *m)
{
  const fga_method_info *info = method_info (m->spec);
  if (info == NULL)
    return NULL;
  for (const fga_param_info *p = info->params; p->key != NULL; p++)
    if (strcmp (p->key, m->size_key) == 0)
      return p;
  return NULL;
}

long
fgap_hardness_size_lo (const fga_hardness_method *m, size_t N)
{
  const fga_param_info *p = fgap_hardness_size_param (m);
  size_t len = strcspn (m->spec, ":");
  /* The strided and fixed patterns hold about 2l + N/l and l + cN/l keys
     per query: l = 1 is every key, exact attention.  Their pattern grows
     with l only from about sqrt(N), their default l: the search starts
     there.  */
  if (strcmp (m->size_key, "l") == 0 && len == 7 && strncmp (m->spec, "strided", 7) == 0)
    return (long) ceil (sqrt ((double) N));
  if (strcmp (m->size_key, "l") == 0 && len == 5 && strncmp (m->spec, "fixed", 5) == 0)
    return (long) ceil (sqrt ((double) N));
  /* 0 is "choose for me" for poly's deg, not a size.  */
  return p == NULL || p->min < 1 ? 1 : (long) ceil (p->min);
}

int
fgap_hardness_spec_at (char *buf, size_t size, const fga_hardness_method *m, long s)
{
  size_t len = (size_t) snprintf (buf, size, "%s%c%s=%ld", m->spec,
                                  strchr (m->spec, ':') != NULL ? ',' : ':', m->size_key, s);
  return len < size ? 0 : -1;
}

/* Whether the parameter list of spec sets key.  */
static int
spec_sets (const char *spec, const char *key)
{
  size_t klen = strlen (key);
  for (const char *s = strchr (spec, ':'); s != NULL; s = strchr (s, ','))
    {
      s++;
      if (strncmp (s, key, klen) == 0 && s[klen] == '=')
        return 1;
    }
  return 0;
}

/* The integer parameters of info, for messages.  */
static void
int_params (char *buf, size_t size, const fga_method_info *info)
{
  buf[0] = '\0';
  for (const fga_param_info *p = info->params; p->key != NULL; p++)
    if (p->type == FGA_PARAM_INT)
      {
        size_t used = strlen (buf);
        snprintf (buf + used, size - used, "%s%s", used ? ", " : "", p->key);
      }
}

/* A method section once read: spec and size given, and accepted by the
   registry -- the spec as it is, and with the size at the least value
   the search tries.  */
static int
check_method (fgap_ini *ini, hparse_t *h, size_t i)
{
  const fga_hardness_method *m = &h->cfg->methods[i];
  const int *seen = h->method_seen[i];
  fga_error sub;
  fga_error_init (&sub);
  for (int k = MK_SPEC; k <= MK_SIZE; k++)
    if (seen[k] == 0)
      return fgap_ini_fail (ini, h->method_line[i], FGA_ERR_INPUT, "[method %s] needs %s "
                            "(required: spec, size)", m->label, method_keys[k]);
  fga_method meth = fga_method_create (m->spec, &sub);
  if (meth == NULL)
    return fgap_ini_fail (ini, seen[MK_SPEC], sub.code, "[method %s]: %s", m->label, sub.msg);
  fga_method_destroy (meth);
  const fga_method_info *info = method_info (m->spec);
  const fga_param_info *p = fgap_hardness_size_param (m);
  char ints[256];
  int_params (ints, sizeof ints, info);
  if (p == NULL || p->type != FGA_PARAM_INT)
    return fgap_ini_fail (ini, seen[MK_SIZE], FGA_ERR_INPUT, "[method %s]: size: '%s' is not "
                          "an integer parameter of %s (those are: %s)", m->label, m->size_key,
                          info->name, ints[0] != '\0' ? ints : "none");
  if (p->max < 2 || strcmp (p->key, "seed") == 0)
    return fgap_ini_fail (ini, seen[MK_SIZE], FGA_ERR_INPUT, "[method %s]: size: '%s' of %s "
                          "is a %s, not a size", m->label, m->size_key, info->name,
                          p->max < 2 ? "switch" : "seed");
  if (spec_sets (m->spec, m->size_key))
    return fgap_ini_fail (ini, seen[MK_SPEC], FGA_ERR_INPUT, "[method %s]: spec sets '%s', "
                          "which is the size searched", m->label, m->size_key);
  char spec[sizeof m->spec + 64];
  long lo = fgap_hardness_size_lo (m, 4);
  if (fgap_hardness_spec_at (spec, sizeof spec, m, lo) != 0
      || (meth = fga_method_create (spec, &sub)) == NULL)
    return fgap_ini_fail (ini, seen[MK_SIZE], FGA_ERR_INPUT, "[method %s]: at %s=%ld: %s",
                          m->label, m->size_key, lo, sub.msg);
  fga_method_destroy (meth);
  return FGA_OK;
}

void
fga_hardness_config_clear (fga_hardness_config *cfg)
{
  fgap_free (cfg->text);
  memset (cfg, 0, sizeof *cfg);
}

int
fga_hardness_config_read (fga_hardness_config *cfg, const char *path, fga_error *err)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->basis = FGA_BASIS_CHEB;
  cfg->gmax = 2000;
  size_t len;
  int rc = fgap_config_load (&cfg->text, &len, path, err);
  if (rc != FGA_OK)
    return rc;
  hparse_t h;
  memset (&h, 0, sizeof h);
  h.cfg = cfg;
  fgap_ini ini;
  fgap_ini_init (&ini, path, &h, err);
  rc = fgap_ini_parse (&ini, cfg->text, hardness_section, hardness_key);
  if (rc == FGA_OK && h.section_line == 0)
    rc = fgap_ini_fail (&ini, 0, FGA_ERR_INPUT, "missing section [hardness]");
  for (size_t i = 0; i < cfg->nmethods && rc == FGA_OK; i++)
    rc = check_method (&ini, &h, i);
  static const int required[] = { K_N, K_M, K_T, K_GAP, K_SEEDS };
  for (size_t i = 0; i < sizeof required / sizeof *required && rc == FGA_OK; i++)
    if (!h.seen[required[i]])
      rc = fgap_ini_fail (&ini, h.section_line, FGA_ERR_INPUT, "[hardness] needs %s "
                          "(required: n, m, t, gap, seeds)", keys[required[i]]);
  /* Every n of the grid must be one the generator can sample: refused
     here, at the line of gap, rather than after the first sizes ran.  */
  if (rc == FGA_OK)
    {
      fga_error sub;
      fga_error_init (&sub);
      size_t bad_n;
      if (fgap_hardness_check_grid (cfg, &bad_n, &sub) != FGA_OK)
        rc = fgap_ini_fail (&ini, h.seen[K_GAP], sub.code, "gap = %g at n = %zu: %s", cfg->gap,
                            bad_n, sub.msg);
    }
  if (rc != FGA_OK)
    fga_hardness_config_clear (cfg);
  return rc;
}

size_t
fgap_hardness_m_of (const fga_hardness_config *cfg, size_t n)
{
  return cfg->m_fixed > 0 ? cfg->m_fixed : (size_t) ceil (cfg->m_coef * log2 ((double) n));
}

size_t
fgap_hardness_t_of (const fga_hardness_config *cfg, size_t m)
{
  if (cfg->t_fixed > 0)
    return cfg->t_fixed;
  size_t t = (size_t) floor ((double) m / cfg->t_div);
  return t > 0 ? t : 1;
}

/* The probability that two uniform random vectors of {0,1}^m are at
   distance below far (as src/reduction/hamming.c computes it).  */
static double
close_probability (size_t m, size_t far)
{
  double p = 0;
  for (size_t k = 0; k < far && k <= m; k++)
    p += exp (lgamma (m + 1.0) - lgamma (k + 1.0) - lgamma (m - k + 1.0) - m * log (2.0));
  return p > 1 ? 1 : p;
}

/* Whether fga_hamming_generate refuses (n, m, t, eps) before drawing: the
   checks it makes first (src/reduction/hamming.c), repeated here so that a
   grid is refused whole before any folder is made.  When they refuse, the
   generator itself is asked, for its message (it refuses before drawing).  */
static int
check_sampling (size_t n, size_t m, size_t t, double eps, fga_error *err)
{
  int refused = n < 1 || m < 1 || t < 1 || t > m || !(eps > 0) || !isfinite (eps)
    || fga_hamming_far (t, eps) > m || n > SIZE_MAX / m;
  if (!refused)
    refused = !(pow (1 - close_probability (m, fga_hamming_far (t, eps)), (double) n) >= 1e-3);
  if (!refused)
    return FGA_OK;
  fga_hamming_t h;
  fga_hamming_init (h);
  int rc = fga_hamming_generate (h, n, m, t, eps, 1, 1, err);
  fga_hamming_clear (h);
  return rc;
}

/* check_sampling for every n of the grid; *bad_n the first refused.  */
int
fgap_hardness_check_grid (const fga_hardness_config *cfg, size_t *bad_n, fga_error *err)
{
  for (size_t i = 0; i < cfg->nn; i++)
    {
      size_t m = fgap_hardness_m_of (cfg, cfg->n[i]);
      int rc = check_sampling (cfg->n[i], m, fgap_hardness_t_of (cfg, m), cfg->gap, err);
      if (rc != FGA_OK)
        {
          *bad_n = cfg->n[i];
          return rc;
        }
    }
  return FGA_OK;
}


/* ------------------------------------------------------------------ */
/* The cost model of the progress reports (fga_hardness_progress).  */

/* The degree an instance of size n will be scanned to: its certified
   degree, predicted from n alone.  The reduction fixes lambda =
   ln (4n) / (gap t) and the accuracy e^{-lambda t} / (8n) (fga_reduce);
   the largest score is lambda m, and the Cauchy-Schwarz radius of R = auto
   is lambda m sqrt (2) (rows of Q of norm s sqrt (m), dummy keys of norm
   s sqrt (d), tau = 1/d).  gmax when nothing up to it is certified.  */
static long
predicted_degree (const fga_hardness_config *cfg, size_t n)
{
  size_t m = fgap_hardness_m_of (cfg, n);
  double t = (double) fgap_hardness_t_of (cfg, m);
  double lambda = log (4.0 * (double) n) / (cfg->gap * t);
  double accuracy = exp (-lambda * t) / (8.0 * (double) n);
  double R = lambda * (double) m * (cfg->R_max ? 1 : M_SQRT2);
  long g;
  if (!(R <= FGA_EXPFIT_RMAX) || !(accuracy > 0)
      || fga_expfit_least_degree (&g, cfg->basis, R, nextafter (accuracy / 2, 0), 1, cfg->gmax,
                                  NULL) != FGA_OK)
    g = cfg->gmax;
  return g;
}

double
fgap_hardness_instance_weight (const fga_hardness_config *cfg, size_t n)
{
  double N = 2.0 * (double) n, d = 2.0 * (double) fgap_hardness_m_of (cfg, n);
  return N * N * d + 13 * N * d * (double) (predicted_degree (cfg, n) + 1);
}

double
fgap_hardness_search_weight (const fga_hardness_config *cfg, const fga_hardness_method *m,
                             size_t n)
{
  if (m->max_n != 0 && n > m->max_n)
    return 0;
  double N = 2.0 * (double) n, d = 2.0 * (double) fgap_hardness_m_of (cfg, n);
  double w = 2.0 * (double) cfg->nseeds * N * N * d;
  size_t len = strcspn (m->spec, ":");
  if ((len == 3 && strncmp (m->spec, "svd", 3) == 0)
      || (len == 7 && strncmp (m->spec, "nystrom", 7) == 0))
    w *= N / 32;
  return w + 2e8;
}
