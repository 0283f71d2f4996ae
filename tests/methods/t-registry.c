/* t-registry -- every method of the registry: a complete entry, specs that read back, and counts equal to what run records

   Nothing here names a method: the tests walk the registry
   (methods/list.h), so a method added to it is checked without a line
   changed here.  For each class with a count hook, parameter sets are
   drawn from its own parameter table (every combination of its CHOICE
   parameters, then each INT parameter at small values with the others at
   their defaults) and run on small instances; wherever the hook gives
   counts and prepare and run succeed, the counts run records in its stats
   must equal the hook's, kind by kind.  The analyzer's counts of the
   mechanisms fgattn runs are those hooks (tests/analyzer/t-analyzer.c
   checks the translation), so this is also the check that the analyzer
   counts what the methods do.  */

#include <config.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static const char *const kind[5] = { "mul", "add", "exp", "div", "cmp" };

static size_t
nparams (const fga_method_info *info)
{
  size_t n = 0;
  while (info->params[n].key != NULL)
    n++;
  return n;
}

/* The index of value (len bytes) among "a|b|c", or -1.  */
static int
choice_index (const char *choices, const char *value, size_t len)
{
  int idx = 0;
  for (const char *p = choices;; idx++)
    {
      const char *bar = strchr (p, '|');
      size_t n = bar != NULL ? (size_t) (bar - p) : strlen (p);
      if (n == len && strncmp (p, value, len) == 0)
        return idx;
      if (bar == NULL)
        return -1;
      p = bar + 1;
    }
}

static int
nchoices (const char *choices)
{
  int n = 1;
  for (const char *p = choices; *p; p++)
    n += *p == '|';
  return n;
}

/* The choice number idx of "a|b|c" into buf.  */
static void
choice_name (char *buf, size_t size, const char *choices, int idx)
{
  const char *p = choices;
  for (int k = 0; k < idx; k++)
    p = strchr (p, '|') + 1;
  snprintf (buf, size, "%.*s", (int) strcspn (p, "|"), p);
}

START_TEST (test_entries)
{
  const size_t n = fga_method_count ();
  ck_assert_uint_ge (n, 1);
  ck_assert_ptr_null (fga_method_info_at (n));
  ck_assert_ptr_null (fgap_method_class_at (n));
  fga_error err;
  fga_error_init (&err);
  for (size_t i = 0; i < n; i++)
    {
      const fga_method_info *info = fga_method_info_at (i);
      const fgap_method_class *cls = fgap_method_class_at (i);
      ck_assert_ptr_nonnull (info);
      ck_assert_ptr_eq (info, &cls->info);
      const char *name = info->name;
      ck_assert_msg (name != NULL && islower ((unsigned char) name[0]), "entry %zu: name", i);
      for (const char *c = name; *c; c++)
        ck_assert_msg (islower ((unsigned char) *c) || isdigit ((unsigned char) *c) || *c == '_',
                       "%s: a name is [a-z][a-z0-9_]*", name);
      for (size_t j = 0; j < i; j++)
        ck_assert_msg (strcmp (fga_method_info_at (j)->name, name) != 0, "%s twice", name);
      ck_assert_ptr_eq (fgap_method_class_find (name, strlen (name)), cls);
      ck_assert_msg (info->description != NULL && info->description[0] != '\0'
                     && strchr (info->description, '\n') == NULL, "%s: description", name);
      ck_assert_msg (cls->run != NULL, "%s: no run", name);
      ck_assert_msg (info->params != NULL, "%s: no parameter table", name);
      const size_t np = nparams (info);
      ck_assert_msg (np <= FGA_MAX_PARAMS, "%s: %zu parameters", name, np);
      for (size_t k = 0; k < np; k++)
        {
          const fga_param_info *pi = &info->params[k];
          ck_assert_msg (pi->key[0] != '\0' && pi->def != NULL && pi->doc != NULL
                         && pi->doc[0] != '\0', "%s: parameter %zu", name, k);
          ck_assert (fgap_method_class_has_param (cls, pi->key));
          for (size_t j = 0; j < k; j++)
            ck_assert_msg (strcmp (info->params[j].key, pi->key) != 0, "%s: %s twice", name,
                           pi->key);
          if (pi->type == FGA_PARAM_CHOICE)
            ck_assert_msg (pi->choices != NULL && pi->choices[0] != '\0', "%s: %s", name,
                           pi->key);
          else if (pi->type == FGA_PARAM_STRING)
            ck_assert_msg (pi->choices == NULL && pi->applies == NULL && pi->min == 0
                           && pi->max == 0, "%s: %s: a text has no range or choices", name,
                           pi->key);
          else
            ck_assert_msg (pi->type == FGA_PARAM_INT || pi->type == FGA_PARAM_REAL, "%s: %s",
                           name, pi->key);
          if (pi->type != FGA_PARAM_CHOICE)
            ck_assert_msg (pi->min <= pi->max, "%s: %s: empty range", name, pi->key);
          if (pi->applies != NULL)
            {
              /* "key=v1|v2": a CHOICE parameter of the class and its values */
              const char *eq = strchr (pi->applies, '=');
              ck_assert_msg (eq != NULL, "%s: %s applies %s", name, pi->key, pi->applies);
              int other = -1;
              for (size_t j = 0; j < np; j++)
                if (strlen (info->params[j].key) == (size_t) (eq - pi->applies)
                    && strncmp (info->params[j].key, pi->applies, (size_t) (eq - pi->applies))
                    == 0)
                  other = (int) j;
              ck_assert_msg (other >= 0 && info->params[other].type == FGA_PARAM_CHOICE,
                             "%s: %s applies %s", name, pi->key, pi->applies);
              for (const char *v = eq + 1;; )
                {
                  size_t len = strcspn (v, "|");
                  ck_assert_msg (choice_index (info->params[other].choices, v, len) >= 0,
                                 "%s: %s applies %s", name, pi->key, pi->applies);
                  if (v[len] == '\0')
                    break;
                  v += len + 1;
                }
            }
        }
      /* the defaults make a method, whose spec spells them out and reads back */
      fga_method m = fga_method_create (name, &err);
      ck_assert_msg (m != NULL, "%s: %s", name, err.msg);
      ck_assert_msg (strncmp (fga_method_spec (m), name, strlen (name)) == 0, "%s: spec %s",
                     name, fga_method_spec (m));
      fga_method m2 = fga_method_create (fga_method_spec (m), &err);
      ck_assert_msg (m2 != NULL, "%s: %s", fga_method_spec (m), err.msg);
      ck_assert_str_eq (fga_method_spec (m2), fga_method_spec (m));
      fga_method_destroy (m2);
      fga_method_destroy (m);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Count hooks against the stats.  */

typedef struct
{
  size_t nq, nk, d, dv;
} shape_t;

static const shape_t shapes[] = {
  { 1, 1, 1, 1 }, { 7, 7, 3, 2 }, { 16, 16, 4, 4 }, { 33, 33, 5, 3 }, { 11, 29, 3, 2 }
};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

typedef struct
{
  fga_mat_t Q, K, V, T;
  double *lse;
  fga_problem prob;
} inst_t;

static void
inst_init (inst_t *in, const shape_t *sh, unsigned long seed)
{
  fga_error err;
  fga_error_init (&err);
  ck_assert (fga_mat_init (in->Q, sh->nq, sh->d, &err) == FGA_OK);
  ck_assert (fga_mat_init (in->K, sh->nk, sh->d, &err) == FGA_OK);
  ck_assert (fga_mat_init (in->V, sh->nk, sh->dv, &err) == FGA_OK);
  ck_assert (fga_mat_init (in->T, sh->nq, sh->dv, &err) == FGA_OK);
  fga_test_fill_uniform (in->Q, 1, &seed);
  fga_test_fill_uniform (in->K, 1, &seed);
  fga_test_fill_uniform (in->V, 1, &seed);
  in->lse = calloc (sh->nq, sizeof *in->lse);
  const double tau = 1.0 / sqrt ((double) sh->d);
  fga_problem prob = { sh->nq, sh->nk, sh->d, sh->dv, { FGA_TAU_VALUE, tau },
                       fga_score_radius (in->Q, in->K, tau), 1, 1 };
  in->prob = prob;
}

static void
inst_clear (inst_t *in)
{
  fga_mat_clear (in->Q);
  fga_mat_clear (in->K);
  fga_mat_clear (in->V);
  fga_mat_clear (in->T);
  free (in->lse);
}

typedef struct
{
  size_t checked;              /* counts compared with a run's */
  size_t refused;              /* by the count hook, prepare or run */
} tally_t;

/* spec on every shape, with and without lse: wherever the hook counts and
   the method runs, the counts agree.  */
static void
check_spec (const char *spec, inst_t *insts, tally_t *tally)
{
  fga_error err;
  fga_error_init (&err);
  fga_method m = fga_method_create (spec, &err);
  if (m == NULL)
    {
      tally->refused++;         /* a combination the class refuses */
      return;
    }
  mpz_t ops[5], z;
  for (int i = 0; i < 5; i++)
    mpz_init (ops[i]);
  mpz_init (z);
  for (size_t s = 0; s < NSHAPES; s++)
    for (int lse = 0; lse <= 1; lse++)
      {
        inst_t *in = &insts[s];
        if (fgap_method_ops (ops, m, &in->prob, lse, &err) != FGA_OK
            || fga_method_prepare (m, &in->prob, &err) != FGA_OK)
          {
            tally->refused++;
            continue;
          }
        fga_stats st;
        if (fga_method_run (m, in->T, lse ? in->lse : NULL, in->Q, in->K, in->V, &st, &err)
            != FGA_OK)
          {
            tally->refused++;
            continue;
          }
        const uint64_t got[5] = { st.n_mul, st.n_add, st.n_exp, st.n_div, st.n_cmp };
        for (int i = 0; i < 5; i++)
          {
            mpz_import (z, 1, -1, sizeof got[i], 0, 0, &got[i]);
            ck_assert_msg (mpz_cmp (z, ops[i]) == 0, "%s, nq=%zu nk=%zu d=%zu dv=%zu lse=%d: "
                           "%s: the count hook gives %s, run records %s (seed %lu)",
                           fga_method_spec (m), shapes[s].nq, shapes[s].nk, shapes[s].d,
                           shapes[s].dv, lse, kind[i], mpz_get_str (NULL, 10, ops[i]),
                           mpz_get_str (NULL, 10, z), fga_test_seed ());
          }
        tally->checked++;
      }
  for (int i = 0; i < 5; i++)
    mpz_clear (ops[i]);
  mpz_clear (z);
  fga_method_destroy (m);
}

/* Appends ",key=value" (or ":key=value" first) to buf.  */
static void
append (char *buf, size_t size, const char *key, const char *value)
{
  size_t used = strlen (buf);
  snprintf (buf + used, size - used, "%c%s=%s", strchr (buf, ':') ? ',' : ':', key, value);
}

/* Whether parameter k applies under the choices in idx.  */
static int
applies (const fga_method_info *info, size_t k, const int *idx)
{
  const char *cond = info->params[k].applies;
  if (cond == NULL)
    return 1;
  const char *eq = strchr (cond, '=');
  for (size_t j = 0; info->params[j].key != NULL; j++)
    if (strlen (info->params[j].key) == (size_t) (eq - cond)
        && strncmp (info->params[j].key, cond, (size_t) (eq - cond)) == 0)
      {
        char chosen[64];
        choice_name (chosen, sizeof chosen, info->params[j].choices, idx[j]);
        return choice_index (eq + 1, chosen, strlen (chosen)) >= 0;
      }
  return 0;
}

START_TEST (test_counts_equal_stats)
{
  inst_t insts[NSHAPES];
  for (size_t s = 0; s < NSHAPES; s++)
    inst_init (&insts[s], &shapes[s], fga_test_seed () + 97 * s);
  size_t counted = 0;
  for (size_t i = 0; i < fga_method_count (); i++)
    {
      const fgap_method_class *cls = fgap_method_class_at (i);
      if (cls->count == NULL)
        continue;
      counted++;
      const fga_method_info *info = &cls->info;
      const size_t np = nparams (info);
      tally_t tally = { 0, 0 };
      /* every combination of the CHOICE parameters (an odometer) */
      int idx[FGA_MAX_PARAMS] = { 0 };
      for (;;)
        {
          char base[512];
          snprintf (base, sizeof base, "%s", info->name);
          for (size_t k = 0; k < np; k++)
            if (info->params[k].type == FGA_PARAM_CHOICE && applies (info, k, idx))
              {
                char v[64];
                choice_name (v, sizeof v, info->params[k].choices, idx[k]);
                append (base, sizeof base, info->params[k].key, v);
              }
          check_spec (base, insts, &tally);
          /* then each INT parameter that applies at small values */
          for (size_t k = 0; k < np; k++)
            {
              const fga_param_info *pi = &info->params[k];
              if (pi->type != FGA_PARAM_INT || !applies (info, k, idx))
                continue;
              const double vals[] = { pi->min, pi->min + 1, 3, 7 };
              for (size_t t = 0; t < 4; t++)
                {
                  if (vals[t] < pi->min || vals[t] > pi->max || (t > 0 && vals[t] <= vals[t - 1]))
                    continue;
                  char spec[600], v[32];
                  snprintf (spec, sizeof spec, "%s", base);
                  snprintf (v, sizeof v, "%.0f", vals[t]);
                  append (spec, sizeof spec, pi->key, v);
                  check_spec (spec, insts, &tally);
                }
            }
          size_t k = 0;
          for (; k < np; k++)
            if (info->params[k].type == FGA_PARAM_CHOICE)
              {
                if (++idx[k] < nchoices (info->params[k].choices))
                  break;
                idx[k] = 0;
              }
          if (k == np)
            break;
        }
      ck_assert_msg (tally.checked >= 10, "%s: only %zu runs checked against the count hook "
                     "(%zu refused): give it parameter sets that run on small instances",
                     info->name, tally.checked, tally.refused);
    }
  ck_assert_uint_ge (counted, 1);
  for (size_t s = 0; s < NSHAPES; s++)
    inst_clear (&insts[s]);
}
END_TEST

/* A hook refuses sizes of 0, and a class without a hook is refused.  */
START_TEST (test_count_refusals)
{
  fga_error err;
  fga_error_init (&err);
  mpz_t ops[5];
  for (int i = 0; i < 5; i++)
    mpz_init (ops[i]);
  const fga_problem empty = { 0, 4, 4, 4, { FGA_TAU_INV_D, 0 }, INFINITY, 1, 1 };
  for (size_t i = 0; i < fga_method_count (); i++)
    {
      const fgap_method_class *cls = fgap_method_class_at (i);
      fga_method m = fga_method_create (cls->info.name, &err);
      ck_assert_ptr_nonnull (m);
      ck_assert_int_eq (fgap_method_ops (ops, m, &empty, 0, &err), FGA_ERR_INPUT);
      if (cls->count == NULL)
        {
          const fga_problem prob = { 4, 4, 4, 4, { FGA_TAU_INV_D, 0 }, INFINITY, 1, 1 };
          ck_assert_int_eq (fgap_method_ops (ops, m, &prob, 0, &err), FGA_ERR_INPUT);
          ck_assert_ptr_nonnull (strstr (err.msg, "no operation counts"));
          /* and the analyzer does not offer it */
          ck_assert (!fga_an_mech_known (cls->info.name));
        }
      else
        ck_assert (fga_an_mech_known (cls->info.name) && fga_an_mech_runnable (cls->info.name));
      fga_method_destroy (m);
    }
  for (int i = 0; i < 5; i++)
    mpz_clear (ops[i]);
}
END_TEST

static Suite *
registry_suite (void)
{
  Suite *s = suite_create ("registry");
  TCase *tc = fga_test_tcase ("registry", 600);
  tcase_add_test (tc, test_entries);
  tcase_add_test (tc, test_counts_equal_stats);
  tcase_add_test (tc, test_count_refusals);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (registry_suite ());
}
