/* fga_sweep_config -- reads and validates the INI configuration of a sweep */

#include "experiments/sweep-impl.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>

/* The file is read and split by the configuration reader shared with the
   hardness experiment (src/core/config_file.c: UTF-8 and control
   characters checked, inih for keys, values and comments, no line length
   limit, "FILE:LINE: what" in every message); this file gives the
   sections and keys their meaning, and sweep_check.c checks the sizes and
   the memory of the whole grid.  */

enum sec_kind { SEC_NONE, SEC_GRID, SEC_TRUTH, SEC_RANK, SEC_COST, SEC_METHOD };

/* Keys of each section; their order indexes the `seen' line arrays.  */
static const char *const grid_keys[]
  = { "n", "d", "dv", "law", "beta", "B", "Bv", "dist", "tau", "seeds", NULL };
enum { G_N, G_D, G_DV, G_LAW, G_BETA, G_B, G_BV, G_DIST, G_TAU, G_SEEDS, G_COUNT };
static const char *const truth_keys[] = { "mpfr_max_n", "prec", NULL };
enum { T_MPFR_MAX_N, T_PREC, T_COUNT };
static const char *const rank_keys[] = { "tol", "algo", "dense_max_n", "max_n", "kmax", NULL };
enum { R_TOL, R_ALGO, R_DENSE_MAX_N, R_MAX_N, R_KMAX, R_COUNT };
static const char *const cost_keys[]
  = { "eps", "basis", "gmax", "poly_max_bytes", "exact", NULL };
enum { C_EPS, C_BASIS, C_GMAX, C_BYTES, C_EXACT, C_COUNT };
static const char *const method_keys[]
  = { "spec", "size", "sizes", "targets", "max_size", "max_n", NULL };
enum { M_SPEC, M_SIZE, M_SIZES, M_TARGETS, M_MAX_SIZE, M_MAX_N, M_COUNT };

/* The largest working precision of the ground truth, as `fgattn truth
   --prec' allows; the sweep lets Ziv's strategy go to 4 prec.  */
#define PREC_MAX 1048576

/* The largest poly_max_bytes: poly's budget= parameter, which it is
   passed as, stops at 2^62.  */
#define POLY_BYTES_MAX 0x1p62

typedef struct
{
  fga_sweep_config *cfg;
  fgap_ini ini;                /* file, line and first error */
  int lineno;                  /* the line of the key being read */

  enum sec_kind kind;          /* the section being read */
  int grid_line, truth_line, rank_line, cost_line;   /* header lines, 0 when absent */
  int method_line[FGA_SWEEP_MAX_METHODS];
  int grid_seen[G_COUNT], truth_seen[T_COUNT], rank_seen[R_COUNT], cost_seen[C_COUNT];
  int method_seen[FGA_SWEEP_MAX_METHODS][M_COUNT];
  int check_sizes;             /* 0: the grid alone (a merge), no checks of sizes and memory */
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
  static const struct { const char *name; enum sec_kind kind; size_t line; } plain[] = {
    { "grid", SEC_GRID, offsetof (parse_t, grid_line) },
    { "truth", SEC_TRUTH, offsetof (parse_t, truth_line) },
    { "rank", SEC_RANK, offsetof (parse_t, rank_line) },
    { "cost", SEC_COST, offsetof (parse_t, cost_line) },
  };
  for (size_t k = 0; k < sizeof plain / sizeof plain[0]; k++)
    if (strcmp (name, plain[k].name) == 0)
      {
        int *line = (int *) ((char *) p + plain[k].line);
        if (*line != 0)
          return fail (p, p->lineno, FGA_ERR_INPUT, "section [%s] repeated (first at line %d)",
                       name, *line);
        *line = p->lineno;
        p->kind = plain[k].kind;
        return FGA_OK;
      }

  if (strncmp (name, "method", 6) != 0
      || (name[6] != '\0' && !isspace ((unsigned char) name[6])))
    return fail (p, p->lineno, FGA_ERR_INPUT, "unknown section [%s] (expected [grid], [truth], "
                 "[rank], [cost] or [method LABEL])", name);
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

/* [s, s + len) as a string in buf; -1 when it is empty or does not fit.  */
static int
copy_text (char *buf, size_t size, const char *s, size_t len)
{
  if (len == 0 || len >= size)
    return -1;
  memcpy (buf, s, len);
  buf[len] = '\0';
  return 0;
}

/* A finite double filling all of [s, s + len).  */
static int
parse_real (const char *s, size_t len, double *x)
{
  char buf[128];
  if (copy_text (buf, sizeof buf, s, len) != 0)
    return -1;
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
  if (copy_text (buf, sizeof buf, s, len) != 0)
    return -1;
  if (fga_parse_ulong (&w, buf, 0, max < ULONG_MAX ? (unsigned long) max : ULONG_MAX, "", NULL)
      != FGA_OK)
    return -1;
  *v = w;
  return 0;
}

/* A whole number, or a power of two written 2^K, filling [s, s + len), at
   most max.  */
static int
parse_whole_pow2 (const char *s, size_t len, unsigned long long max, unsigned long long *v)
{
  unsigned long long k;
  if (len > 2 && s[0] == '2' && s[1] == '^')
    {
      if (parse_whole (s + 2, len - 2, 63, &k) != 0 || (1ULL << k) > max)
        return -1;
      *v = 1ULL << k;
      return 0;
    }
  return parse_whole (s, len, max, v);
}

/* Splits a comma-separated list into items, surrounding white space
   trimmed; calls item (p, line, key, start, len, out, &count) on each,
   which appends its values to out.  */
typedef int (*item_fn) (parse_t *p, int line, const char *key, const char *s, size_t len,
                        void *out, size_t *count);

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
      if (item (p, line, key, s, (size_t) (end - s), out, &k) != FGA_OK)
        return p->ini.rc;
      if (comma == NULL)
        break;
      s = comma + 1;
    }
  *count = k;
  return FGA_OK;
}

/* Room for one more value after `count' of them.  */
static int
room (parse_t *p, int line, const char *key, size_t count)
{
  if (count < FGA_SWEEP_MAX_LIST)
    return FGA_OK;
  return fail (p, line, FGA_ERR_INPUT, "%s: too many values (at most %d)", key,
               FGA_SWEEP_MAX_LIST);
}

/* A value equal to an earlier one: two cells (or rows) with one id.  */
static int
repeated (parse_t *p, int line, const char *key, const char *s, size_t len)
{
  return fail (p, line, FGA_ERR_INPUT, "%s: '%.*s' is given twice (every value of a list "
               "makes cells of its own, with their own id)", key, (int) len, s);
}

/* n: whole numbers >= 2, powers of two 2^K, and ranges of powers of two
   "2^8 .. 2^14" (every power of two from one end to the other).  */
static int
add_n (parse_t *p, int line, const char *key, size_t v, size_t *out, size_t *count)
{
  if (room (p, line, key, *count) != FGA_OK)
    return p->ini.rc;
  for (size_t k = 0; k < *count; k++)
    if (out[k] == v)
      {
        char what[64];
        snprintf (what, sizeof what, "%zu", v);
        return repeated (p, line, key, what, strlen (what));
      }
  out[(*count)++] = v;
  return FGA_OK;
}

static int
item_n (parse_t *p, int line, const char *key, const char *s, size_t len, void *out,
        size_t *count)
{
  static const char forms[] = "a whole number >= 2, a power of two 2^K or a range of powers "
    "of two 2^A .. 2^B";
  char buf[128];
  unsigned long long lo, hi;
  if (copy_text (buf, sizeof buf, s, len) != 0)
    return fail (p, line, FGA_ERR_INPUT, "%s: '%.*s' is not %s", key, (int) len, s, forms);
  char *dots = strstr (buf, "..");
  if (dots == NULL)
    {
      if (parse_whole_pow2 (buf, len, SIZE_MAX, &lo) != 0 || lo < 2)
        return fail (p, line, FGA_ERR_INPUT, "%s: '%s' is not %s", key, buf, forms);
      return add_n (p, line, key, (size_t) lo, out, count);
    }
  const char *a = buf, *b = skip_space (dots + 2);
  char *ea = dots;
  while (ea > a && isspace ((unsigned char) ea[-1]))
    ea--;
  if (parse_whole_pow2 (a, (size_t) (ea - a), SIZE_MAX, &lo) != 0
      || parse_whole_pow2 (b, strlen (b), SIZE_MAX, &hi) != 0)
    return fail (p, line, FGA_ERR_INPUT, "%s: '%s' is not %s", key, buf, forms);
  if (lo < 2 || (lo & (lo - 1)) != 0 || (hi & (hi - 1)) != 0)
    return fail (p, line, FGA_ERR_INPUT, "%s: the range '%s' must go from a power of two >= 2 "
                 "to another", key, buf);
  if (lo > hi)
    return fail (p, line, FGA_ERR_INPUT, "%s: the range '%s' is empty (its first end is above "
                 "its last)", key, buf);
  for (unsigned long long v = lo;; v *= 2)
    {
      if (add_n (p, line, key, (size_t) v, out, count) != FGA_OK)
        return p->ini.rc;
      if (v == hi)
        break;
    }
  return FGA_OK;
}

/* beta and B: positive finite numbers.  */
static int
item_positive (parse_t *p, int line, const char *key, const char *s, size_t len, void *out,
               size_t *count)
{
  double x, *v = out;
  if (parse_real (s, len, &x) != 0 || !(x > 0))
    return fail (p, line, FGA_ERR_INPUT, "%s: '%.*s' is not a positive finite number", key,
                 (int) len, s);
  if (room (p, line, key, *count) != FGA_OK)
    return p->ini.rc;
  for (size_t k = 0; k < *count; k++)
    if (v[k] == x)
      return repeated (p, line, key, s, len);
  v[(*count)++] = x;
  return FGA_OK;
}

/* A size of a method: at least 1, where the least-size search starts (0
   is not a size but, for poly's deg, strided's l and others, "choose for
   me").  */
static int
item_size (parse_t *p, int line, const char *key, const char *s, size_t len, void *out,
           size_t *count)
{
  double x;
  if (parse_real (s, len, &x) != 0 || !(x >= 1))
    return fail (p, line, FGA_ERR_INPUT, "%s: '%.*s' is not a finite number >= 1", key,
                 (int) len, s);
  if (room (p, line, key, *count) != FGA_OK)
    return p->ini.rc;
  ((double *) out)[(*count)++] = x;
  return FGA_OK;
}

/* Seeds stop at 2^63 - 1: instance.json records them as JSON integers.  */
static int
item_seed (parse_t *p, int line, const char *key, const char *s, size_t len, void *out,
           size_t *count)
{
  unsigned long long v;
  unsigned long long max = ULONG_MAX < INT64_MAX ? ULONG_MAX : INT64_MAX;
  unsigned long *seeds = out;
  if (parse_whole (s, len, max, &v) != 0)
    return fail (p, line, FGA_ERR_INPUT, "%s: '%.*s' is not a whole number from 0 to %llu",
                 key, (int) len, s, max);
  if (room (p, line, key, *count) != FGA_OK)
    return p->ini.rc;
  for (size_t k = 0; k < *count; k++)
    if (seeds[k] == v)
      return repeated (p, line, key, s, len);
  seeds[(*count)++] = (unsigned long) v;
  return FGA_OK;
}

/* Laws of n (fgattn/core.h), equal when their normalised texts are.  */
static int
item_law (parse_t *p, int line, const char *key, const char *s, size_t len, void *out,
          size_t *count)
{
  char buf[128];
  fga_law law, *laws = out;
  fga_error sub;
  fga_error_init (&sub);
  if (copy_text (buf, sizeof buf, s, len) != 0)
    return fail (p, line, FGA_ERR_INPUT, "%s '%.64s...': too long for a law", key, s);
  if (fga_law_parse (&law, buf, key, &sub) != FGA_OK)
    return fail (p, line, FGA_ERR_INPUT, "%s", sub.msg);
  if (room (p, line, key, *count) != FGA_OK)
    return p->ini.rc;
  for (size_t k = 0; k < *count; k++)
    if (strcmp (laws[k].text, law.text) == 0)
      return repeated (p, line, key, law.text, strlen (law.text));
  laws[(*count)++] = law;
  return FGA_OK;
}

/* Accuracies (fgattn/core.h): a number or n^-C; equal ones are refused.  */
static int
item_accuracy (parse_t *p, int line, const char *key, const char *s, size_t len, void *out,
               size_t *count)
{
  char buf[128];
  fga_accuracy acc, *accs = out;
  fga_error sub;
  fga_error_init (&sub);
  if (copy_text (buf, sizeof buf, s, len) != 0)
    return fail (p, line, FGA_ERR_INPUT, "%s '%.64s...': too long for an accuracy", key, s);
  if (fga_accuracy_parse (&acc, buf, key, &sub) != FGA_OK)
    return fail (p, line, FGA_ERR_INPUT, "%s", sub.msg);
  if (room (p, line, key, *count) != FGA_OK)
    return p->ini.rc;
  for (size_t k = 0; k < *count; k++)
    if (accs[k].power == acc.power && accs[k].value == acc.value)
      return repeated (p, line, key, s, len);
  accs[(*count)++] = acc;
  return FGA_OK;
}

/* Entry laws of the instances (fgattn/io.h); "none" cannot be drawn.  */
static int
item_dist (parse_t *p, int line, const char *key, const char *s, size_t len, void *out,
           size_t *count)
{
  char buf[64];
  fga_dist dist, *dists = out;
  fga_error sub;
  fga_error_init (&sub);
  if (copy_text (buf, sizeof buf, s, len) != 0 || fga_dist_parse (&dist, buf, &sub) != FGA_OK
      || dist == FGA_DIST_NONE)
    {
      if (sub.code == FGA_OK)
        snprintf (sub.msg, sizeof sub.msg, "unknown distribution '%.*s'", (int) len, s);
      return fail (p, line, FGA_ERR_INPUT, "%s: %s", key, sub.msg);
    }
  if (room (p, line, key, *count) != FGA_OK)
    return p->ini.rc;
  for (size_t k = 0; k < *count; k++)
    if (dists[k] == dist)
      return repeated (p, line, key, s, len);
  dists[(*count)++] = dist;
  return FGA_OK;
}

/* One whole number in [min, max], or a power of two 2^K.  */
static int
parse_one_whole (parse_t *p, int line, const char *key, const char *value,
                 unsigned long long min, unsigned long long max, unsigned long long *v)
{
  if (parse_whole_pow2 (value, strlen (value), max, v) != 0 || *v < min)
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

/* beta, B and law: B = beta f(n) for each law f, or absolute bounds B,
   which are beta under the law 1.  */
static int
bound_key (parse_t *p, int k, const char *name, const char *value)
{
  fga_sweep_config *cfg = p->cfg;
  int line = p->lineno;
  if (p->grid_seen[G_B] != 0 && (p->grid_seen[G_BETA] != 0 || p->grid_seen[G_LAW] != 0))
    return fail (p, line, FGA_ERR_INPUT, "give exactly one of beta (B = beta f(n), f each "
                 "law) and B (absolute bounds: the law 1)");
  if (k == G_LAW)
    return parse_list (p, line, name, value, item_law, cfg->laws, &cfg->nlaws);
  if (k == G_B)
    {
      fga_law_parse (&cfg->laws[0], "1", "law", NULL);
      cfg->nlaws = 1;
    }
  return parse_list (p, line, name, value, item_positive, cfg->b, &cfg->nb);
}

static int
grid_key (parse_t *p, const char *name, const char *value)
{
  fga_sweep_config *cfg = p->cfg;
  int line = p->lineno;
  fga_error sub;
  fga_error_init (&sub);
  unsigned long long v;
  int k = claim_key (p, "grid", grid_keys, p->grid_seen, name);
  switch (k)
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
    case G_LAW:
    case G_BETA:
    case G_B:
      return bound_key (p, k, name, value);
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
      return parse_list (p, line, name, value, item_dist, cfg->dists, &cfg->ndists);
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
  int line = p->lineno;
  switch (claim_key (p, "rank", rank_keys, p->rank_seen, name))
    {
    case R_TOL:
      return parse_list (p, line, name, value, item_accuracy, cfg->tol, &cfg->ntol);
    case R_ALGO:
      if (strcmp (value, "dense") == 0)
        cfg->rank_algo = FGA_SWEEP_RANK_DENSE;
      else if (strcmp (value, "randomized") == 0)
        cfg->rank_algo = FGA_SWEEP_RANK_RANDOMIZED;
      else if (strcmp (value, "auto") == 0)
        cfg->rank_algo = FGA_SWEEP_RANK_AUTO;
      else
        return fail (p, line, FGA_ERR_INPUT, "algo: '%s' is not dense, randomized or auto",
                     value);
      return FGA_OK;
    case R_DENSE_MAX_N:
      if (parse_one_whole (p, line, name, value, 0, SIZE_MAX, &v) == FGA_OK)
        cfg->rank_dense_max_n = (size_t) v;
      return p->ini.rc;
    case R_MAX_N:
      if (parse_one_whole (p, line, name, value, 0, SIZE_MAX, &v) == FGA_OK)
        cfg->rank_max_n = (size_t) v;
      return p->ini.rc;
    case R_KMAX:
      if (parse_one_whole (p, line, name, value, 1, SIZE_MAX, &v) == FGA_OK)
        cfg->rank_kmax = (size_t) v;
      return p->ini.rc;
    default:
      return p->ini.rc;
    }
}

/* A method spec, or [cost]'s exact: 1 to 511 characters.  */
static int
copy_spec (parse_t *p, int line, const char *key, char *spec, size_t size, const char *value)
{
  if (*value == '\0' || strlen (value) >= size)
    return fail (p, line, FGA_ERR_INPUT, "%s: must be a method string of 1 to %zu characters",
                 key, size - 1);
  strcpy (spec, value);
  return FGA_OK;
}

static int
cost_key (parse_t *p, const char *name, const char *value)
{
  fga_sweep_cost *cost = &p->cfg->cost;
  int line = p->lineno;
  unsigned long long v;
  fga_error sub;
  fga_error_init (&sub);
  switch (claim_key (p, "cost", cost_keys, p->cost_seen, name))
    {
    case C_EPS:
      return parse_list (p, line, name, value, item_accuracy, cost->eps, &cost->neps);
    case C_BASIS:
      if (fga_basis_parse (&cost->basis, value, &sub) != FGA_OK)
        return fail_with (p, line, name, &sub);
      return FGA_OK;
    case C_GMAX:
      if (parse_one_whole (p, line, name, value, 1, FGA_EXPFIT_GMAX, &v) == FGA_OK)
        cost->gmax = (long) v;
      return p->ini.rc;
    case C_BYTES:
      if (parse_whole_pow2 (value, strlen (value), (unsigned long long) POLY_BYTES_MAX, &v) != 0
          || v < 1)
        return fail (p, line, FGA_ERR_INPUT, "poly_max_bytes: '%s' is not a whole number or a "
                     "power of two 2^K from 1 to 2^62", value);
      cost->poly_max_bytes = (double) v;
      return FGA_OK;
    case C_EXACT:
      return copy_spec (p, line, name, cost->exact, sizeof cost->exact, value);
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
      return copy_spec (p, line, name, m->spec, sizeof m->spec, value);
    case M_SIZE:
      if (*value == '\0' || strlen (value) >= sizeof m->size_key
          || strpbrk (value, "=,: \t") != NULL)
        return fail (p, line, FGA_ERR_INPUT, "size: '%s' is not a parameter name", value);
      strcpy (m->size_key, value);
      return FGA_OK;
    case M_SIZES:
      return parse_list (p, line, name, value, item_size, m->sizes, &m->nsizes);
    case M_TARGETS:
      return parse_list (p, line, name, value, item_accuracy, m->targets, &m->ntargets);
    case M_MAX_SIZE:
      if (strcmp (value, "n") == 0)
        {
          m->max_size_n = 1;
          return FGA_OK;
        }
      if (parse_real (value, strlen (value), &m->max_size) != 0 || !(m->max_size > 0))
        return fail (p, line, FGA_ERR_INPUT, "max_size: '%s' is not n or a positive finite "
                     "number", value);
      return FGA_OK;
    case M_MAX_N:
      {
        unsigned long long v;
        if (parse_one_whole (p, line, name, value, 1, SIZE_MAX, &v) == FGA_OK)
          m->max_n = (size_t) v;
        return p->ini.rc;
      }
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
    case SEC_COST:
      return cost_key (p, name, value);
    case SEC_METHOD:
      return method_key (p, name, value);
    default:                   /* after a refused header: the parse has stopped */
      return p->ini.rc;
    }
}

/* ---------------------------------------------------------------- */
/* Checks needing the whole file.  */

/* Tries spec, with key=value appended when key is not NULL (the value
   written as the sweep writes it when it runs the method), through the
   method registry, so that a bad method fails here with its line rather
   than in the middle of a sweep.  what names it in the message.  */
static int
check_spec (parse_t *p, int line, const char *what, const char *spec0, const char *key,
            double value)
{
  char spec[1024], v[64];
  if (key != NULL)
    {
      fgap_format_shortest (v, sizeof v, value);
      snprintf (spec, sizeof spec, "%s%s%s=%s", spec0, strchr (spec0, ':') ? "," : ":", key, v);
    }
  else
    snprintf (spec, sizeof spec, "%s", spec0);
  fga_error sub;
  fga_error_init (&sub);
  fga_method meth = fga_method_create (spec, &sub);
  if (meth == NULL)
    return fail (p, line, sub.code != FGA_OK ? sub.code : FGA_ERR_INPUT, "%s: %s", what,
                 sub.msg);
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

/* The upper end of the search, max_size: not below the largest size when
   a number; when n, a size the method takes at every n of the grid where
   it runs (n <= max_n).  */
static int
check_max_size (parse_t *p, size_t i, const char *what, double largest)
{
  const fga_sweep_method *m = &p->cfg->methods[i];
  int line = p->method_seen[i][M_MAX_SIZE];
  if (m->max_size_n)
    {
      for (size_t k = 0; k < p->cfg->nn; k++)
        if ((m->max_n == 0 || p->cfg->n[k] <= m->max_n)
            && check_spec (p, line, what, m->spec, m->size_key, (double) p->cfg->n[k]) != FGA_OK)
          return p->ini.rc;
      return FGA_OK;
    }
  if (m->max_size < largest)
    return fail (p, line, FGA_ERR_INPUT, "%s: max_size %.17g is below the largest size %.17g",
                 what, m->max_size, largest);
  return check_spec (p, line, what, m->spec, m->size_key, m->max_size);
}

static int
check_method (parse_t *p, size_t i)
{
  const fga_sweep_method *m = &p->cfg->methods[i];
  const int *seen = p->method_seen[i];
  char what[80];
  snprintf (what, sizeof what, "[method %s]", m->label);
  if (seen[M_SPEC] == 0)
    return fail (p, p->method_line[i], FGA_ERR_INPUT, "%s needs spec", what);
  if (check_spec (p, seen[M_SPEC], what, m->spec, NULL, 0) != FGA_OK)
    return p->ini.rc;
  if (m->size_key[0] == '\0')
    {
      int bad = seen[M_SIZES] ? M_SIZES : seen[M_TARGETS] ? M_TARGETS
        : seen[M_MAX_SIZE] ? M_MAX_SIZE : -1;
      if (bad >= 0)
        return fail (p, seen[bad], FGA_ERR_INPUT, "%s: %s needs size (the parameter that is "
                     "swept)", what, method_keys[bad]);
      return FGA_OK;
    }
  if (spec_sets (m->spec, m->size_key))
    return fail (p, seen[M_SPEC], FGA_ERR_INPUT, "%s: spec sets '%s', which is the swept size "
                 "parameter", what, m->size_key);
  if (seen[M_TARGETS] && !seen[M_MAX_SIZE])
    return fail (p, seen[M_TARGETS], FGA_ERR_INPUT, "%s: targets need max_size (the upper "
                 "end of the search: a number, or n)", what);
  double largest = 0;
  for (size_t k = 0; k < m->nsizes; k++)
    {
      if (m->sizes[k] > largest)
        largest = m->sizes[k];
      if (check_spec (p, seen[M_SIZES], what, m->spec, m->size_key, m->sizes[k]) != FGA_OK)
        return p->ini.rc;
    }
  if (seen[M_MAX_SIZE])
    return check_max_size (p, i, what, largest);
  return FGA_OK;
}

/* [cost]: eps is required; exact must be an exact method; poly must take
   poly_max_bytes as its budget.  */
static int
check_cost (parse_t *p)
{
  fga_sweep_cost *cost = &p->cfg->cost;
  if (p->cost_line == 0)
    return FGA_OK;
  cost->on = 1;
  if (p->cost_seen[C_EPS] == 0)
    return fail (p, p->cost_line, FGA_ERR_INPUT, "[cost] needs eps (the accuracies of poly)");
  int line = p->cost_seen[C_EXACT] ? p->cost_seen[C_EXACT] : p->cost_line;
  if (strcspn (cost->exact, ":") != 5 || strncmp (cost->exact, "exact", 5) != 0)
    return fail (p, line, FGA_ERR_INPUT, "[cost]: exact = %s is not an exact method "
                 "(exact:algo=...)", cost->exact);
  if (check_spec (p, line, "[cost]: exact", cost->exact, NULL, 0) != FGA_OK)
    return p->ini.rc;
  /* poly runs with budget = poly_max_bytes, written as sweep_cell.c
     writes it.  */
  char poly[128];
  snprintf (poly, sizeof poly, "poly:basis=%s,deg=1,R=auto,budget=%.0f",
            fga_basis_name (cost->basis), cost->poly_max_bytes);
  line = p->cost_seen[C_BYTES] ? p->cost_seen[C_BYTES] : p->cost_line;
  return check_spec (p, line, "[cost]: poly_max_bytes", poly, NULL, 0);
}

static int
check_whole (parse_t *p)
{
  fga_sweep_config *cfg = p->cfg;
  if (p->grid_line == 0)
    return fail (p, 0, FGA_ERR_INPUT, "missing section [grid]");
  if (p->grid_seen[G_N] == 0)
    return fail (p, p->grid_line, FGA_ERR_INPUT, "[grid] needs n");
  if (p->grid_seen[G_LAW] != 0 && p->grid_seen[G_BETA] == 0)
    return fail (p, p->grid_seen[G_LAW], FGA_ERR_INPUT, "law needs beta (B = beta f(n))");
  if (p->grid_seen[G_BETA] == 0 && p->grid_seen[G_B] == 0)
    return fail (p, p->grid_line, FGA_ERR_INPUT,
                 "[grid] needs beta (B = beta f(n), f each law; sqrt(ln n) by default) or B "
                 "(absolute)");
  if (cfg->nmethods == 0 && p->cost_line == 0)
    return fail (p, 0, FGA_ERR_INPUT, "no [method LABEL] section and no [cost]: nothing to run "
                 "in a cell");
  for (size_t i = 0; i < cfg->nmethods; i++)
    if (check_method (p, i) != FGA_OK)
      return p->ini.rc;
  if (check_cost (p) != FGA_OK)
    return p->ini.rc;

  fgap_sweep_lines lines;
  memset (&lines, 0, sizeof lines);
  lines.grid = p->grid_line;
  lines.n = p->grid_seen[G_N];
  lines.d = p->grid_seen[G_D];
  lines.dv = p->grid_seen[G_DV];
  lines.law = p->grid_seen[G_LAW] ? p->grid_seen[G_LAW] : p->grid_seen[G_B];
  lines.beta = p->grid_seen[G_BETA] ? p->grid_seen[G_BETA] : p->grid_seen[G_B];
  lines.prec = p->truth_seen[T_PREC];
  lines.tol = p->rank_seen[R_TOL];
  lines.rank_algo = p->rank_seen[R_ALGO];
  lines.rank_max_n = p->rank_seen[R_MAX_N];
  lines.rank_kmax = p->rank_seen[R_KMAX];
  lines.cost = p->cost_line;
  lines.cost_eps = p->cost_seen[C_EPS];
  lines.cost_bytes = p->cost_seen[C_BYTES];
  for (size_t i = 0; i < cfg->nmethods; i++)
    {
      lines.method_spec[i] = p->method_seen[i][M_SPEC];
      lines.method_targets[i] = p->method_seen[i][M_TARGETS];
    }
  return p->check_sizes ? fgap_sweep_check (cfg, 1, &lines, p->ini.err) : FGA_OK;
}

void
fga_sweep_config_init (fga_sweep_config *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  /* d = ceil(log2 n), the regime of the fine-grained bounds.  */
  cfg->d_coef = 1;
  cfg->d_ceil = 1;
  /* beta alone: B = beta sqrt(ln n), the threshold's law.  */
  cfg->nlaws = 1;
  fga_law_parse (&cfg->laws[0], "sqrt(ln n)", "law", NULL);
  cfg->ndists = 1;
  cfg->dists[0] = FGA_DIST_UNIFORM;
  cfg->tau.kind = FGA_TAU_INV_D;
  cfg->tau.value = 0;
  cfg->nseeds = 1;
  cfg->seeds[0] = 1;
  cfg->mpfr_max_n = 1024;
  cfg->prec = 128;
  cfg->rank_algo = FGA_SWEEP_RANK_AUTO;
  cfg->rank_dense_max_n = 4096;
  cfg->rank_max_n = 2048;
  cfg->rank_kmax = 512;
  cfg->cost.basis = FGA_BASIS_CHEB;
  cfg->cost.gmax = 64;
  cfg->cost.poly_max_bytes = 0x1p30;
  snprintf (cfg->cost.exact, sizeof cfg->cost.exact, "exact:algo=stream");
}

int
fgap_sweep_config_parse (fga_sweep_config *cfg, const char *path, const char *text,
                         int check_sizes, fga_error *err)
{
  parse_t p;
  memset (&p, 0, sizeof p);
  p.cfg = cfg;
  p.check_sizes = check_sizes;
  fgap_ini_init (&p.ini, path, &p, err);
  int rc = fgap_ini_parse (&p.ini, text, enter_section, key_value);
  if (rc != FGA_OK)
    return rc;
  return check_whole (&p);
}

int
fga_sweep_config_read (fga_sweep_config *cfg, const char *path, fga_error *err)
{
  fga_sweep_config_init (cfg);
  if (strlen (path) >= sizeof cfg->path)
    return fgap_error_set (err, FGA_ERR_INPUT, "%.64s...: path too long", path);
  strcpy (cfg->path, path);

  char *text;
  size_t len;
  int rc = fgap_config_load (&text, &len, path, err);
  if (rc != FGA_OK)
    return rc;
  rc = fgap_sweep_config_parse (cfg, path, text, 1, err);
  fgap_free (text);
  return rc;
}
