/* fga_method -- the registry, spec parsing, and the create/prepare/run/destroy life cycle */

#include "core/fga-impl.h"
#include "methods/method-impl.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* The registry: one entry per line of methods/list.h (README.md, "Adding a
   method").  */
static const fgap_method_class *const registry[] = {
#define FGA_METHOD(name) &fgap_method_##name,
#include "methods/list.h"
#undef FGA_METHOD
};

#define NREGISTRY (sizeof registry / sizeof registry[0])

size_t
fga_method_count (void)
{
  return NREGISTRY;
}

const fga_method_info *
fga_method_info_at (size_t i)
{
  return i < NREGISTRY ? &registry[i]->info : NULL;
}

const fgap_method_class *
fgap_method_class_at (size_t i)
{
  return i < NREGISTRY ? registry[i] : NULL;
}

const fgap_method_class *
fgap_method_class_find (const char *name, size_t len)
{
  for (size_t i = 0; i < NREGISTRY; i++)
    if (strlen (registry[i]->info.name) == len && strncmp (registry[i]->info.name, name, len) == 0)
      return registry[i];
  return NULL;
}

static size_t
param_count (const fgap_method_class *cls)
{
  size_t n = 0;
  while (cls->info.params[n].key != NULL)
    n++;
  return n;
}

static int
param_index (const fgap_method_class *cls, const char *key, size_t len)
{
  for (size_t k = 0; cls->info.params[k].key != NULL; k++)
    if (strlen (cls->info.params[k].key) == len && strncmp (cls->info.params[k].key, key, len) == 0)
      return (int) k;
  return -1;
}

/* Index of value (len bytes) among "a|b|c", or -1.  */
static int
choice_index (const char *choices, const char *value, size_t len)
{
  int idx = 0;
  const char *p = choices;
  while (*p != '\0')
    {
      const char *bar = strchr (p, '|');
      size_t n = bar != NULL ? (size_t) (bar - p) : strlen (p);
      if (n == len && strncmp (p, value, len) == 0)
        return idx;
      idx++;
      if (bar == NULL)
        break;
      p = bar + 1;
    }
  return -1;
}

/* The choice number idx of "a|b|c" copied into buf.  */
static void
choice_name (char *buf, size_t size, const char *choices, int idx)
{
  const char *p = choices;
  for (int k = 0; k < idx && p != NULL; k++)
    {
      p = strchr (p, '|');
      if (p != NULL)
        p++;
    }
  if (p == NULL)
    {
      snprintf (buf, size, "?");
      return;
    }
  const char *bar = strchr (p, '|');
  size_t n = bar != NULL ? (size_t) (bar - p) : strlen (p);
  snprintf (buf, size, "%.*s", (int) n, p);
}

static void
known_keys (char *buf, size_t size, const fgap_method_class *cls)
{
  buf[0] = '\0';
  for (size_t k = 0; cls->info.params[k].key != NULL; k++)
    {
      size_t used = strlen (buf);
      snprintf (buf + used, size - used, "%s%s", k ? ", " : "", cls->info.params[k].key);
    }
  if (buf[0] == '\0')
    snprintf (buf, size, "none");
}

/* A STRING value: len bytes copied, an empty one included.  */
static int
parse_text (fga_method m, size_t k, const char *value, size_t len, fga_error *err)
{
  const fga_param_info *pi = &m->cls->info.params[k];
  if (len > FGAP_TEXT_MAX)
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s: %s= is %zu bytes long, more than "
                          "the %d a parameter may take", m->cls->info.name, pi->key, len,
                          FGAP_TEXT_MAX);
  char *t = fgap_alloc (len + 1, "a method's parameter", err);
  if (t == NULL)
    return FGA_ERR_NOMEM;
  memcpy (t, value, len);
  t[len] = '\0';
  fgap_free (m->text[k]);
  m->text[k] = t;
  return FGA_OK;
}

static int
parse_value (fga_method m, size_t k, const char *value, size_t len, fga_error *err)
{
  const fga_param_info *pi = &m->cls->info.params[k];
  const char *name = m->cls->info.name;
  char text[256];
  if (pi->type == FGA_PARAM_STRING)
    return parse_text (m, k, value, len, err);
  if (len == 0 || len >= sizeof text)
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s: parameter '%s' has %s value", name,
                          pi->key, len == 0 ? "an empty" : "too long a");
  memcpy (text, value, len);
  text[len] = '\0';

  if (pi->type == FGA_PARAM_CHOICE)
    {
      int idx = choice_index (pi->choices, text, len);
      if (idx < 0)
        return fgap_error_set (err, FGA_ERR_INPUT, "method %s: %s=%s is not one of %s", name,
                              pi->key, text, pi->choices);
      m->value[k] = idx;
      return FGA_OK;
    }

  /* A word of a REAL parameter is stored as -(index + 1); the range of such
     parameters is positive, so words and numbers cannot be confused.  */
  if (pi->type == FGA_PARAM_REAL && pi->choices != NULL)
    {
      int idx = choice_index (pi->choices, text, len);
      if (idx >= 0)
        {
          m->value[k] = -(idx + 1);
          return FGA_OK;
        }
    }

  /* Read exactly and compared with the range before any rounding: an
     integer must also be exactly a double, as which it is stored.  */
  char what[128];
  double x;
  int rc;
  snprintf (what, sizeof what, "method %s: %s=", name, pi->key);
  if (pi->type == FGA_PARAM_INT)
    rc = fga_parse_int_double (&x, text, pi->min, pi->max, what, err);
  else if ((rc = fga_parse_real (&x, text, pi->min, pi->max, 0, what, err)) != FGA_OK
           && pi->choices != NULL && err != NULL)
    {
      size_t used = strlen (err->msg);
      snprintf (err->msg + used, sizeof err->msg - used, " (or one of %s)", pi->choices);
    }
  if (rc != FGA_OK)
    return rc;
  m->value[k] = x;
  return FGA_OK;
}

/* Whether parameter k means something under the current choices.  */
static int
param_applies (fga_method m, size_t k)
{
  const char *cond = m->cls->info.params[k].applies;
  if (cond == NULL)
    return 1;
  const char *eq = strchr (cond, '=');
  int other = param_index (m->cls, cond, (size_t) (eq - cond));
  char chosen[64];
  choice_name (chosen, sizeof chosen, m->cls->info.params[other].choices,
               (int) m->value[other]);
  return choice_index (eq + 1, chosen, strlen (chosen)) >= 0;
}

static void
format_spec (fga_method m)
{
  size_t n = param_count (m->cls);
  size_t used = (size_t) snprintf (m->spec, sizeof m->spec, "%s", m->cls->info.name);
  int first = 1;
  for (size_t k = 0; k < n && used < sizeof m->spec; k++)
    {
      const fga_param_info *pi = &m->cls->info.params[k];
      if (!param_applies (m, k))
        continue;
      if (pi->type == FGA_PARAM_STRING)
        {
          used += (size_t) snprintf (m->spec + used, sizeof m->spec - used, "%c%s=%s",
                                     first ? ':' : ',', pi->key, m->text[k]);
          first = 0;
          continue;
        }
      char val[64];
      if (pi->type == FGA_PARAM_CHOICE)
        choice_name (val, sizeof val, pi->choices, (int) m->value[k]);
      else if (pi->type == FGA_PARAM_REAL && m->value[k] < 0 && pi->choices != NULL)
        choice_name (val, sizeof val, pi->choices, (int) -m->value[k] - 1);
      else
        fgap_format_shortest (val, sizeof val, m->value[k]);
      used += (size_t) snprintf (m->spec + used, sizeof m->spec - used, "%c%s=%s",
                                 first ? ':' : ',', pi->key, val);
      first = 0;
    }
}

/* The end of a STRING value starting at v: the first comma followed by a
   key of cls and '=', so that the value may hold other commas; NULL when
   it runs to the end of the spec.  */
static const char *
text_end (const fgap_method_class *cls, const char *v)
{
  for (const char *c = strchr (v, ','); c != NULL; c = strchr (c + 1, ','))
    {
      size_t klen = strcspn (c + 1, "=,");
      if (c[1 + klen] == '=' && param_index (cls, c + 1, klen) >= 0)
        return c;
    }
  return NULL;
}

/* The class named by the len bytes of name: a built-in one, else a user
   method's (counted: method_free uncounts it).  NULL and an error naming
   the known ones when there is none.  */
static const fgap_method_class *
find_class (const char *name, size_t len, fga_error *err)
{
  const fgap_method_class *cls = fgap_method_class_find (name, len);
  if (cls == NULL)
    cls = fgap_user_class_acquire (name, len);
  if (cls != NULL)
    return cls;
  char known[512] = "", user[512];
  for (size_t i = 0; i < NREGISTRY; i++)
    {
      size_t used = strlen (known);
      snprintf (known + used, sizeof known - used, "%s%s", i ? ", " : "", registry[i]->info.name);
    }
  fgap_user_names (user, sizeof user);
  fgap_error_set (err, FGA_ERR_INPUT, "unknown method '%.*s' (known: %s%s%s; see fgattn "
                 "methods)", (int) len, name, known, user[0] ? "; registered: " : "", user);
  return NULL;
}

/* Frees m, which its class's destroy (if any) has released.  */
static void
method_free (fga_method m)
{
  for (size_t k = 0; k < FGA_MAX_PARAMS; k++)
    fgap_free (m->text[k]);
  fgap_user_class_release (m->cls);
  fgap_free (m);
}

fga_method
fga_method_create (const char *spec, fga_error *err)
{
  const char *colon = strchr (spec, ':');
  size_t namelen = colon != NULL ? (size_t) (colon - spec) : strlen (spec);
  const fgap_method_class *cls = find_class (spec, namelen, err);
  if (cls == NULL)
    return NULL;

  fga_method m = fgap_calloc (1, sizeof *m, "a method", err);
  if (m == NULL)
    {
      fgap_user_class_release (cls);
      return NULL;
    }
  m->cls = cls;
  size_t n = param_count (cls);
  for (size_t k = 0; k < n; k++)
    {
      const fga_param_info *pi = &cls->info.params[k];
      if (parse_value (m, k, pi->def, strlen (pi->def), err) != FGA_OK)
        goto fail;    /* a default out of its own range: a bug in the class */
    }

  /* key=value pairs, separated by commas (a STRING value may hold commas).  */
  const char *p = colon != NULL ? colon + 1 : NULL;
  while (p != NULL)
    {
      const char *comma = strchr (p, ',');
      size_t len = comma != NULL ? (size_t) (comma - p) : strlen (p);
      const char *eq = memchr (p, '=', len);
      if (eq == NULL)
        {
          fgap_error_set (err, FGA_ERR_INPUT, "method %s: '%.*s' is not of the form key=value",
                         cls->info.name, (int) len, p);
          goto fail;
        }
      int k = param_index (cls, p, (size_t) (eq - p));
      if (k < 0)
        {
          char known[512];
          known_keys (known, sizeof known, cls);
          fgap_error_set (err, FGA_ERR_INPUT, "method %s: unknown parameter '%.*s' (known: %s)",
                         cls->info.name, (int) (eq - p), p, known);
          goto fail;
        }
      if (m->given[k])
        {
          fgap_error_set (err, FGA_ERR_INPUT, "method %s: parameter '%s' given twice",
                         cls->info.name, cls->info.params[k].key);
          goto fail;
        }
      if (cls->info.params[k].type == FGA_PARAM_STRING)
        {
          comma = text_end (cls, eq + 1);
          len = comma != NULL ? (size_t) (comma - p) : strlen (p);
        }
      if (parse_value (m, (size_t) k, eq + 1, len - (size_t) (eq + 1 - p), err) != FGA_OK)
        goto fail;
      m->given[k] = 1;
      p = comma != NULL ? comma + 1 : NULL;
    }

  for (size_t k = 0; k < n; k++)
    if (m->given[k] && !param_applies (m, k))
      {
        fgap_error_set (err, FGA_ERR_INPUT, "method %s: parameter '%s' applies only when %s",
                       cls->info.name, cls->info.params[k].key, cls->info.params[k].applies);
        goto fail;
      }

  format_spec (m);
  if (cls->create != NULL && cls->create (m, err) != FGA_OK)
    goto fail;
  return m;

fail:
  method_free (m);
  return NULL;
}

int
fga_method_prepare (fga_method m, const fga_problem *prob, fga_error *err)
{
  if (prob->nq == 0 || prob->nk == 0 || prob->d == 0 || prob->dv == 0)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "method %s: empty problem (nq=%zu, nk=%zu, d=%zu, dv=%zu)",
                          m->cls->info.name, prob->nq, prob->nk, prob->d, prob->dv);
  if (prob->tau.kind == FGA_TAU_VALUE && !(prob->tau.value > 0 && isfinite (prob->tau.value)))
    return fgap_error_set (err, FGA_ERR_INPUT, "tau must be positive and finite, not %g",
                          prob->tau.value);
  m->prob = *prob;
  m->prepared = 0;
  fgap_blas_ready ();            /* some methods multiply while preparing */
  if (m->cls->prepare != NULL)
    {
      int rc = m->cls->prepare (m, prob, err);
      if (rc != FGA_OK)
        return rc;
    }
  m->prepared = 1;
  return FGA_OK;
}

static int
check_shape (fga_mat_srcptr M, const char *what, size_t rows, size_t cols, fga_error *err)
{
  if (M->rows != rows || M->cols != cols)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s is %zu x %zu but the problem needs %zu x %zu",
                          what, M->rows, M->cols, rows, cols);
  return FGA_OK;
}

int
fga_method_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
                fga_mat_srcptr V, fga_stats *stats, fga_error *err)
{
  return fga_method_run_progress (m, T, lse, Q, K, V, stats, NULL, err);
}

int
fga_method_run_progress (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q,
                         fga_mat_srcptr K, fga_mat_srcptr V, fga_stats *stats,
                         const fga_progress *progress, fga_error *err)
{
  const fga_problem *p = &m->prob;
  if (!m->prepared)
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s: run before prepare", m->spec);
  fgap_blas_ready ();            /* the right kernels before a method's first product */
  int rc;
  if ((rc = check_shape (Q, "Q", p->nq, p->d, err)) != FGA_OK
      || (rc = check_shape (K, "K", p->nk, p->d, err)) != FGA_OK
      || (rc = check_shape (V, "V", p->nk, p->dv, err)) != FGA_OK
      || (rc = check_shape (T, "the output", p->nq, p->dv, err)) != FGA_OK)
    return rc;
  if (progress != NULL && progress->fn == NULL)
    progress = NULL;

  fga_stats local;
  fga_stats *st = stats != NULL ? stats : &local;
  fga_stats_init (st);
#ifdef _OPENMP
  st->threads = fgap_max_threads ();
#endif
  double t0 = fga_wall_time ();
  if (progress != NULL && m->cls->run_progress != NULL)
    rc = m->cls->run_progress (m, T, lse, Q, K, V, st, progress, err);
  else
    rc = m->cls->run (m, T, lse, Q, K, V, st, err);
  st->wall_seconds = fga_wall_time () - t0;
  if (rc == FGA_OK && progress != NULL)
    progress->fn (1.0, progress->data);
  return rc;
}

/* ------------------------------------------------------------------ */
/* Predictions (fga_method_predict).  */

/* Double arithmetic: operations per second and thread, and the weight of
   an exp or a division.  Conservative: the naive kernel reaches about
   4e9 counted operations per second on one idle core of the development
   machine, the BLAS paths more.  */
#define DOUBLE_RATE 2e9
#define DOUBLE_SLOW 10.0

enum { OP_MULADD, OP_EXP, OP_DIV, OP_COUNT };

double
fgap_thread_seconds (void)
{
  struct timespec ts;
  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return fga_wall_time ();
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* CPU seconds of reps operations op, on the n operands in turn.  */
static double
time_ops (int op, mpfr_t *x, mpfr_t *y, size_t n, mpfr_ptr t, mpfr_ptr acc, long reps)
{
  double t0 = fgap_thread_seconds ();
  for (long k = 0; k < reps; k++)
    {
      size_t j = (size_t) k % n;
      switch (op)
        {
        case OP_MULADD:
          mpfr_mul (t, x[j], y[j], MPFR_RNDN);
          mpfr_add (acc, acc, t, MPFR_RNDN);
          break;
        case OP_EXP: mpfr_exp (t, y[j], MPFR_RNDN); break;
        default: mpfr_div (t, x[j], y[j], MPFR_RNDN); break;
        }
    }
  return fgap_thread_seconds () - t0;
}

/* sec[op]: CPU seconds per mul and add (each half a mul-add pair, as in a
   dot product, the methods' main loop), per exp of an argument in
   [-13, -1/3] (a score less its row maximum) and per div at prec bits,
   on operands with every bit used and spread over memory as a method's
   are (up to 256 pairs, fewer above 16384 bits: 1 MiB of them at most).
   reps operations doubled until a trial lasts 1 ms, then the best of three
   trials (the load is accounted for apart); an operation the run does not
   perform (its count in ops is 0) is not timed.  A calibration costs a
   few ms of CPU, or about four operations when one takes more than 1 ms
   (at a million bits).  */
static void
mpfr_seconds (double sec[OP_COUNT], mpfr_prec_t prec, const double ops[5])
{
  size_t n = (size_t) fmin (256, fmax (2, (double) (1L << 22) / (double) prec));
  mpfr_t *x = fgap_calloc (2 * n, sizeof (mpfr_t), "a calibration", NULL), *y = x + n;
  mpfr_t t, acc, third;
  const double count[OP_COUNT] = { ops[0] + ops[1] + ops[4], ops[2], ops[3] };
  for (int op = 0; op < OP_COUNT; op++)
    sec[op] = 0;
  if (x == NULL)
    return;
  mpfr_inits2 (prec, t, acc, third, (mpfr_ptr) 0);
  mpfr_set_ui (third, 1, MPFR_RNDN);
  mpfr_div_ui (third, third, 3, MPFR_RNDN);
  mpfr_set_zero (acc, 1);
  for (size_t j = 0; j < n; j++)
    {
      mpfr_inits2 (prec, x[j], y[j], (mpfr_ptr) 0);
      mpfr_sqrt_ui (x[j], (unsigned long) j + 2, MPFR_RNDN);
      mpfr_mul_si (y[j], third, -(long) (j % 39) - 1, MPFR_RNDN);
    }
  for (int op = 0; op < OP_COUNT; op++)
    if (count[op] > 0)
      {
        long reps = 1;
        double dt;
        while ((dt = time_ops (op, x, y, n, t, acc, reps)) < 1e-3 && reps < (1L << 24))
          reps *= 2;
        for (int trial = 0; trial < 2; trial++)
          dt = fmin (dt, time_ops (op, x, y, n, t, acc, reps));
        sec[op] = dt / (double) reps / (op == OP_MULADD ? 2 : 1);
      }
  for (size_t j = 0; j < n; j++)
    mpfr_clears (x[j], y[j], (mpfr_ptr) 0);
  mpfr_clears (t, acc, third, (mpfr_ptr) 0);
  fgap_free (x);
  mpfr_free_cache2 (MPFR_FREE_LOCAL_CACHE);
}

/* How much slower than alone a run of threads threads is at the current
   load: with L other runnable processes (the 1-minute load average) on N
   processors, each thread gets about N / (L + threads) of one.  */
static double
load_factor (int threads, double *load)
{
  double avg[1];
  long ncpu = sysconf (_SC_NPROCESSORS_ONLN);
  *load = 0;
  if (getloadavg (avg, 1) != 1 || ncpu < 1)
    return 1;
  *load = avg[0];
  double f = (avg[0] + threads) / (double) ncpu;
  return f > 1 ? f : 1;
}

int
fga_method_predict (fga_method_prediction *pred, fga_method_srcptr m, int lse, fga_error *err)
{
  if (!m->prepared)
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s: predicted before prepare", m->spec);
  mpz_t z[5];
  double ops[5];
  fgap_predict_info pi = { 53, fgap_max_threads (), 0, -1 };
  for (int k = 0; k < 5; k++)
    mpz_init (z[k]);
  int rc = m->cls->predict != NULL ? m->cls->predict (z, &pi, m, lse != 0, err)
    : fgap_method_ops (z, m, &m->prob, lse, err);
  for (int k = 0; k < 5; k++)
    {
      ops[k] = mpz_get_d (z[k]);
      mpz_clear (z[k]);
    }
  if (rc != FGA_OK)
    return rc;
  double sec = pi.seconds;
  const int threads = pi.threads > 1 ? pi.threads : 1;
  if (sec >= 0)
    ;                          /* the class timed a sample of its work */
  else if (pi.prec == 53)
    sec = (ops[0] + ops[1] + ops[4] + DOUBLE_SLOW * (ops[2] + ops[3])) / DOUBLE_RATE;
  else
    {
      double t[OP_COUNT];
      mpfr_seconds (t, (mpfr_prec_t) pi.prec, ops);
      sec = (ops[0] + ops[1] + ops[4]) * t[OP_MULADD] + ops[2] * t[OP_EXP] + ops[3] * t[OP_DIV];
    }
  pred->ops = ops[0] + ops[1] + ops[2] + ops[3] + ops[4];
  pred->prec = pi.prec;
  pred->threads = threads;
  pred->seconds_alone = sec / threads;
  double f = load_factor (threads, &pred->load);
  /* oversubscribed, threads in lockstep run at the pace of one */
  pred->seconds = f > 1 && pi.lockstep ? sec * f : pred->seconds_alone * f;
  return FGA_OK;
}

void
fga_method_destroy (fga_method m)
{
  if (m == NULL)
    return;
  if (m->cls->destroy != NULL)
    m->cls->destroy (m);
  method_free (m);
}

const char *
fga_method_spec (fga_method_srcptr m)
{
  return m->spec;
}

int
fgap_method_class_has_param (const fgap_method_class *cls, const char *key)
{
  return param_index (cls, key, strlen (key)) >= 0;
}

int
fgap_method_ops (mpz_t ops[5], fga_method_srcptr m, const fga_problem *prob, int lse,
                 fga_error *err)
{
  if (m->cls->count == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "method %s has no operation counts (its class "
                          "gives no count hook)", m->cls->info.name);
  if (prob->nq == 0 || prob->nk == 0 || prob->d == 0 || prob->dv == 0)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "method %s: empty problem (nq=%zu, nk=%zu, d=%zu, dv=%zu)",
                          m->cls->info.name, prob->nq, prob->nk, prob->d, prob->dv);
  for (int i = 0; i < 5; i++)
    mpz_set_ui (ops[i], 0);
  return m->cls->count (ops, m, prob, lse != 0, err);
}

void
fgap_zmul3 (mpz_ptr r, size_t a, size_t b, size_t c)
{
  mpz_t t;
  mpz_init (t);
  mpz_import (r, 1, -1, sizeof a, 0, 0, &a);
  mpz_import (t, 1, -1, sizeof b, 0, 0, &b);
  mpz_mul (r, r, t);
  mpz_import (t, 1, -1, sizeof c, 0, 0, &c);
  mpz_mul (r, r, t);
  mpz_clear (t);
}

void
fgap_zaddmul3 (mpz_ptr r, size_t a, size_t b, size_t c)
{
  mpz_t t;
  mpz_init (t);
  fgap_zmul3 (t, a, b, c);
  mpz_add (r, r, t);
  mpz_clear (t);
}

/* A class asking for a key it did not declare is a bug in the class; the
   accessors then answer -1 (NaN for reals), which its tests will catch.  */
static int
lookup (fga_method_srcptr m, const char *key)
{
  return param_index (m->cls, key, strlen (key));
}

long
fgap_param_int (fga_method_srcptr m, const char *key)
{
  int k = lookup (m, key);
  return k < 0 ? -1 : (long) m->value[k];
}

double
fgap_param_real (fga_method_srcptr m, const char *key)
{
  int k = lookup (m, key);
  return k < 0 ? NAN : m->value[k];
}

int
fgap_param_choice (fga_method_srcptr m, const char *key)
{
  int k = lookup (m, key);
  return k < 0 ? -1 : (int) m->value[k];
}

int
fgap_param_word (fga_method_srcptr m, const char *key)
{
  int k = lookup (m, key);
  if (k < 0 || m->cls->info.params[k].choices == NULL || m->value[k] >= 0)
    return -1;
  return (int) -m->value[k] - 1;
}

const char *
fgap_param_text (fga_method_srcptr m, const char *key)
{
  int k = lookup (m, key);
  return k < 0 || m->text[k] == NULL ? "" : m->text[k];
}

int
fgap_param_given (fga_method_srcptr m, const char *key)
{
  int k = lookup (m, key);
  return k < 0 ? 0 : m->given[k];
}
