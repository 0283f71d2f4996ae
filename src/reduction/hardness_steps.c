/* hardness_steps.c -- the steps of the hardness experiment, OUTDIR/.partial and the plan

   The machinery that makes fga_hardness_run resumable and farmable, apart
   from the experiment itself (hardness.c: the rows of the five files, the
   summary, the folder and the run's entry point).  Here: the list of steps
   and the cache of instances they share, the computation of a step into its
   text, the progress meter, the check of a step's text as it arrives or is
   read back, OUTDIR/.partial (one file per finished step), and the plan of
   the steps left that the master shares with a farm's other processes.
   The types they share with hardness.c are in reduction-impl.h.  */

#include "core/fga-impl.h"
#include "reduction/reduction-impl.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------ */
/* Steps.

   A run is a list of steps in a fixed order: for each n, its instances
   (for each seed, YES then NO), then the search of each method that runs
   at n.  A step makes its rows as text -- an instance, its row of
   instances.csv then its rows of degrees.csv; a search, its row of
   methods.csv -- and is a task of a farm (fgattn/core.h): computed in any
   process, its text delivered to the master, which keeps it in
   OUTDIR/.partial (so that an interrupted run resumes) and, once every
   step is there, writes the five files from the texts in the order of
   the list, whatever order they came in.  The summary is made from those
   texts too, read back (their numbers have 17 digits), so that a run that
   resumes and one that does not write the same summary.md.

   A search needs the instances of its n and their exact references.
   Rather than a phase per kind of step, with a barrier between them, each
   search makes what it needs itself: it draws, brute-forces and reduces
   its instances again (n^2 m each, little beside the scan), computes the
   reference and checks it against exp's own value from a degree scan
   stopped at degree 0 (the N^2 d histograms, without the scan's MPFR
   degrees).  The steps are then independent: one list goes to the farm,
   largest first, and the searches of the largest n need not wait for its
   scans.  Each process keeps the instances of the last n it worked on (the
   cache), so that on one process nothing is made twice: without a farm
   the instance steps compute the references as they always did, and the
   searches after them find everything made.  What the cache holds changes
   how long a step takes, never its text.  */

/* The bounds of the certified degree: R and the largest score of w's
   instance (every real query has m coordinates equal to s and the dummy
   keys have all d, so the largest score is s^2 m / d, rounded upward).  */
static void
radius (fgap_hardness_row *w, fga_instance_srcptr inst, const fga_hardness_config *cfg)
{
  mpfr_t x;
  mpfr_init2 (x, 128);
  mpfr_set_d (x, w->info.s, MPFR_RNDU);
  mpfr_sqr (x, x, MPFR_RNDU);
  mpfr_mul_ui (x, x, (unsigned long) w->m, MPFR_RNDU);
  mpfr_div_ui (x, x, (unsigned long) w->d, MPFR_RNDU);
  w->max_score = mpfr_get_d (x, MPFR_RNDU);
  mpfr_clear (x);
  w->R = cfg->R_max ? w->max_score : fga_score_radius (inst->Q, inst->K, 1.0 / (double) w->d);
}

/* The scan's answers into w.  */
static void
record_scan (fgap_hardness_row *w, const fga_reduction_scan *scan)
{
  w->max_o_exact = scan->max_o_exact, w->exact_yes = scan->yes_exact;
  w->first = -1;
  for (long g = 0; g <= scan->gmax && w->first < 0; g++)
    if (scan->verdict[g] == w->brute_yes)
      w->first = g;
  w->stable = fga_reduction_scan_stable (scan, w->brute_yes);
  /* poly itself checks every row, the dummy queries' too (their row
     sums are 2n p_g(0)), and refuses the output when one is <= 0.  */
  w->runs_from = scan->gmax + 1;
  while (w->runs_from > 0 && scan->verdict[w->runs_from - 1] >= 0
         && !scan->dummy_fail[w->runs_from - 1])
    w->runs_from--;
  if (w->runs_from > scan->gmax)
    w->runs_from = -1;
}

/* ------------------------------------------------------------------ */
/* Progress: the steps and their predicted work (the cost model of
   fgap_hardness_instance_weight and fgap_hardness_search_weight).  */

static void
meter_report (fgap_hardness_meter *mt)
{
  mt->p.elapsed_seconds = fga_wall_time () - mt->t0;
  mt->fn (&mt->p, mt->data);
}

/* A step of the given weight starts at size n: an instance (m NULL) or the
   search of method m.  */
static void
meter_begin (fgap_hardness_meter *mt, size_t n, double weight, const fga_hardness_method *m,
             const char *what)
{
  if (mt->fn == NULL)
    return;
  mt->m = m;
  mt->step_w = weight, mt->step_work = 0;
  snprintf (mt->current, sizeof mt->current, "%s", what);
  mt->p.n = n, mt->p.current = mt->current;
  meter_report (mt);
}

/* Work done within the step, counted up to 9/10 of its weight (the model
   predicts, it does not measure), and what it is doing now.  */
static void
meter_work (fgap_hardness_meter *mt, double work, const char *what)
{
  if (mt->fn == NULL)
    return;
  mt->step_work += work;
  snprintf (mt->current, sizeof mt->current, "%s", what);
  mt->p.work_done = mt->done_w + fmin (mt->step_work, 0.9 * mt->step_w);
  meter_report (mt);
}

/* A step of size n and the given weight has ended.  */
static void
meter_end (fgap_hardness_meter *mt, size_t n, double weight)
{
  mt->p.steps_done++;
  if (mt->fn == NULL)
    return;
  mt->done_w += weight;
  mt->p.work_done = mt->done_w;
  mt->p.n = n;
  mt->p.current = NULL;
  meter_report (mt);
}

/* After each run of a search: a run at size s of the sizes up to hi counts
   s / hi of one instance's share of the step.  */
static void
meter_tick (void *data, long size, long hi)
{
  fgap_hardness_meter *mt = data;
  char what[160];
  snprintf (what, sizeof what, "n=%zu %s %s=%ld", mt->p.n, mt->m->label, mt->m->size_key, size);
  meter_work (mt, mt->step_w / (double) mt->ninst * (double) size / (double) (hi > 0 ? hi : 1),
              what);
}

/* ------------------------------------------------------------------ */
/* The list of steps and their names.  */

/* The list of steps, in the order of the files.  */
static int
list_units (fgap_hardness_state *r, fga_error *err)
{
  const fga_hardness_config *cfg = r->cfg;
  size_t max = cfg->nn * (r->ninst + cfg->nmethods);
  r->units = fgap_calloc (max + 1, sizeof *r->units, "the steps", err);
  r->todo = fgap_calloc (max + 1, sizeof *r->todo, "the steps", err);
  r->todo_cost = fgap_calloc (max + 1, sizeof *r->todo_cost, "the steps", err);
  if (r->units == NULL || r->todo == NULL || r->todo_cost == NULL)
    return FGA_ERR_NOMEM;
  for (size_t i = 0; i < cfg->nn; i++)
    {
      double w = fgap_hardness_instance_weight (cfg, cfg->n[i]);
      for (size_t j = 0; j < r->ninst; j++)
        r->units[r->nunits++] = (fgap_hardness_unit) { i, j, 0, w };
      for (size_t k = 0; k < cfg->nmethods; k++)
        if (fgap_hardness_runs_at (&cfg->methods[k], cfg->n[i]))
          r->units[r->nunits++]
            = (fgap_hardness_unit) { i, k, 1,
                                     fgap_hardness_search_weight (cfg, &cfg->methods[k],
                                                                  cfg->n[i]) };
    }
  return FGA_OK;
}

/* The name of a step's file in OUTDIR/.partial.  */
static void
unit_name (char *buf, size_t size, const fgap_hardness_state *r,
           const fgap_hardness_unit *u)
{
  size_t n = r->cfg->n[u->i];
  if (u->search)
    snprintf (buf, size, "search-n%zu-%s.csv", n, r->cfg->methods[u->j].label);
  else
    snprintf (buf, size, "instance-n%zu-seed%lu-%s.csv", n, r->cfg->seeds[u->j / 2],
              u->j % 2 == 0 ? "yes" : "no");
}

/* What a step is, for progress lines.  */
static void
unit_what (char *buf, size_t size, const fgap_hardness_state *r,
           const fgap_hardness_unit *u)
{
  size_t n = r->cfg->n[u->i];
  if (u->search)
    snprintf (buf, size, "n=%zu %s", n, r->cfg->methods[u->j].label);
  else
    snprintf (buf, size, "n=%zu seed %lu %s", n, r->cfg->seeds[u->j / 2],
              u->j % 2 == 0 ? "YES" : "NO");
}

/* ------------------------------------------------------------------ */
/* The cache.  */

static int
cache_init (fgap_hardness_cache *c, size_t ninst, fga_error *err)
{
  c->i = SIZE_MAX;
  c->w = fgap_calloc (ninst, sizeof *c->w, "the instances", err);
  c->insts = fgap_calloc (ninst, sizeof *c->insts, "the instances", err);
  c->ready = fgap_calloc (ninst, 1, "the instances", err);
  c->have_max = fgap_calloc (ninst, 1, "the instances", err);
  c->have_ref = fgap_calloc (ninst, 1, "the instances", err);
  c->max_o = fgap_calloc (ninst, sizeof *c->max_o, "the instances", err);
  if (c->w == NULL || c->insts == NULL || c->ready == NULL || c->have_max == NULL
      || c->have_ref == NULL || c->max_o == NULL)
    return FGA_ERR_NOMEM;
  for (size_t j = 0; j < ninst; j++)
    {
      fga_instance_init (c->insts[j].inst);
      fga_mat_init (c->insts[j].exact, 0, 0, NULL);
    }
  return FGA_OK;
}

static void
cache_clear (fgap_hardness_cache *c, size_t ninst)
{
  for (size_t j = 0; c->insts != NULL && j < ninst; j++)
    {
      fga_instance_clear (c->insts[j].inst);
      fga_mat_clear (c->insts[j].exact);
    }
  fgap_free (c->w);
  fgap_free (c->insts);
  fgap_free (c->ready);
  fgap_free (c->have_max);
  fgap_free (c->have_ref);
  fgap_free (c->max_o);
}

/* The cache for the size index i: emptied when it holds another n.  */
static int
cache_select (fgap_hardness_cache *c, size_t ninst, size_t i, fga_error *err)
{
  if (c->i == i)
    return FGA_OK;
  cache_clear (c, ninst);
  memset (c, 0, sizeof *c);
  int rc = cache_init (c, ninst, err);
  if (rc == FGA_OK)
    c->i = i;
  return rc;
}

/* Instance j of the cache's n: drawn, brute-forced and reduced (w: every
   field but the scan's).  */
static int
prepare_instance (fgap_hardness_state *r, size_t j, fga_error *err)
{
  const fga_hardness_config *cfg = r->cfg;
  fgap_hardness_cache *c = &r->cache;
  if (c->ready[j])
    return FGA_OK;
  fgap_hardness_row *w = &c->w[j];
  fgap_hardness_inst *hi = &c->insts[j];
  memset (w, 0, sizeof *w);
  w->n = cfg->n[c->i];
  w->m = fgap_hardness_m_of (cfg, w->n);
  w->t = fgap_hardness_t_of (cfg, w->m);
  w->seed = cfg->seeds[j / 2];
  w->planted = j % 2 == 0;
  fga_hamming_t h;
  fga_hamming_init (h);
  int rc = fga_hamming_generate (h, w->n, w->m, w->t, cfg->gap, w->planted, w->seed, err);
  if (rc == FGA_OK)
    {
      fga_hamming_solution sol;
      fga_hamming_solve (&sol, h);
      w->brute_yes = sol.yes, w->min_dist = sol.min_dist;
      rc = fga_reduce (hi->inst, &w->info, h, err);
    }
  fga_hamming_clear (h);
  if (rc != FGA_OK)
    return rc;
  w->d = w->info.d;
  radius (w, hi->inst, cfg);
  hi->seed = w->seed, hi->planted = w->planted, hi->brute_yes = w->brute_yes;
  hi->info = w->info;
  c->ready[j] = 1;
  return FGA_OK;
}

/* The exact reference of instance j (prepared), checked against exp's
   value from a scan (made here, stopped at degree 0, when no scan of this
   instance ran in this process).  */
static int
reference (fgap_hardness_state *r, size_t j, fga_error *err)
{
  fgap_hardness_cache *c = &r->cache;
  int rc = FGA_OK;
  if (c->have_ref[j])
    return FGA_OK;
  if (!c->have_max[j])
    {
      fga_reduction_scan scan;
      fga_reduction_scan_init (&scan);
      rc = fga_reduction_degree_scan (&scan, c->insts[j].inst, &c->w[j].info, r->cfg->basis,
                                      c->w[j].R, 0, err);
      if (rc == FGA_OK)
        c->max_o[j] = scan.max_o_exact, c->have_max[j] = 1;
      fga_reduction_scan_clear (&scan);
    }
  if (rc == FGA_OK)
    rc = fgap_hardness_reference (&c->insts[j], c->max_o[j], err);
  if (rc == FGA_OK)
    c->have_ref[j] = 1;
  return rc;
}

/* The certified degree and the scan of instance j (prepared) into w.  */
static int
scan_instance (fgap_hardness_row *w, fga_reduction_scan *scan, fgap_hardness_state *r,
               size_t j, fga_error *err)
{
  const fga_hardness_config *cfg = r->cfg;
  /* Certified to decide: 2 eps_g < accuracy (lemma 5, ||V||_inf = 1).  */
  double eps = nextafter (w->info.accuracy / 2, 0);
  int rc = fga_expfit_least_degree (&w->cert, cfg->basis, w->R, eps, 1, cfg->gmax, err);
  if (rc == FGA_ERR_COMPUTE)
    w->cert = -1, rc = FGA_OK;
  if (rc != FGA_OK)
    return rc;
  w->scanned = w->cert >= 0 ? w->cert : cfg->gmax;
  rc = fga_reduction_degree_scan (scan, r->cache.insts[j].inst, &w->info, cfg->basis, w->R,
                                  w->scanned, err);
  if (rc == FGA_OK && scan->yes_exact != w->brute_yes)
    rc = fgap_error_set (err, FGA_ERR_COMPUTE, "n = %zu, seed %lu: exact attention decides %s "
                         "but brute force says %s: the reduction is broken", w->n, w->seed,
                         scan->yes_exact ? "YES" : "NO", w->brute_yes ? "YES" : "NO");
  return rc;
}

/* An instance step: its row of instances.csv and its rows of degrees.csv
   into out.  */
static int
instance_step (fgap_hardness_state *r, const fgap_hardness_unit *u, FILE *out,
               fga_error *err)
{
  size_t j = u->j;
  fgap_hardness_cache *c = &r->cache;
  double t0 = fga_wall_time ();
  int rc = prepare_instance (r, j, err);
  if (rc != FGA_OK)
    return rc;
  fgap_hardness_row w = c->w[j];
  fga_reduction_scan scan;
  fga_reduction_scan_init (&scan);
  rc = scan_instance (&w, &scan, r, j, err);
  if (rc == FGA_OK)
    {
      record_scan (&w, &scan);
      w.seconds = fga_wall_time () - t0;
      fgap_hardness_instance_row (out, &w, r->cfg);
      fgap_hardness_degree_rows (out, &w, &scan);
      c->max_o[j] = scan.max_o_exact, c->have_max[j] = 1;
    }
  fga_reduction_scan_clear (&scan);
  if (rc == FGA_OK && r->serial && fgap_hardness_methods_at (r->cfg, w.n))
    {
      /* The scan is done; the reference is about half the N^2 d term.  */
      char what[160];
      double N = 2.0 * (double) w.n;
      snprintf (what, sizeof what, "n=%zu seed %lu %s, reference", w.n, w.seed,
                w.planted ? "YES" : "NO");
      meter_work (&r->meter, u->cost - N * N * (double) w.d / 2, what);
      rc = reference (r, j, err);
    }
  return rc;
}

/* A search step: its row of methods.csv into out.  */
static int
search_step (fgap_hardness_state *r, const fgap_hardness_unit *u, FILE *out, fga_error *err)
{
  const fga_hardness_method *m = &r->cfg->methods[u->j];
  int rc = FGA_OK;
  for (size_t j = 0; j < r->ninst && rc == FGA_OK; j++)
    if ((rc = prepare_instance (r, j, err)) == FGA_OK)
      rc = reference (r, j, err);
  if (rc != FGA_OK)
    return rc;
  fgap_hardness_mres res;
  rc = fgap_hardness_method_search (&res, m, r->cache.insts, r->ninst,
                                    r->serial && r->meter.fn != NULL ? meter_tick : NULL,
                                    &r->meter, err);
  if (rc == FGA_OK)
    fgap_hardness_methods_row (out, m, &res);
  return rc;
}

/* The farm's compute: the text of step todo[task].  Steps of one process
   share its cache, so they take turns.  */
int
fgap_hardness_step_compute (size_t task, void **bytes, size_t *len, void *data,
                            fga_error *err)
{
  fgap_hardness_state *r = data;
  char *buf = NULL;
  size_t n = 0;
  if (task >= r->ntodo)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "hardness: no step %zu (of %zu)", task,
                           r->ntodo);
  const fgap_hardness_unit *u = &r->units[r->todo[task]];
  FILE *out = open_memstream (&buf, &n);
  if (out == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "hardness: out of memory for a step's rows");
  pthread_mutex_lock (&r->lock);
  if (r->serial)
    {
      char what[160];
      unit_what (what, sizeof what, r, u);
      meter_begin (&r->meter, r->cfg->n[u->i], u->cost, u->search ? &r->cfg->methods[u->j]
                   : NULL, what);
    }
  int rc = cache_select (&r->cache, r->ninst, u->i, err);
  if (rc == FGA_OK)
    rc = u->search ? search_step (r, u, out, err) : instance_step (r, u, out, err);
  pthread_mutex_unlock (&r->lock);
  /* open_memstream's buffer is complete after fclose.  */
  if (fclose (out) != 0 && rc == FGA_OK)
    rc = fgap_error_set (err, FGA_ERR_NOMEM, "hardness: out of memory for a step's rows");
  if (rc != FGA_OK)
    {
      free (buf);
      return rc;
    }
  *bytes = buf, *len = n;
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* A step's text, as it arrives or is read back: checked, then held.  */

/* The line of text starting at *p (NUL-terminated copy), cut at its
   newline; *p moves past it.  NULL when no complete line is left.  */
static char *
next_line (char **p)
{
  char *s = *p, *nl = strchr (s, '\n');
  if (nl == NULL)
    return NULL;
  *nl = '\0';
  *p = nl + 1;
  return s;
}

/* Whether text (a copy, cut up) is the text step u makes: for an
   instance, its row (read back into *w) and then one row of degrees.csv
   per degree scanned; for a search, one row of methods.csv (into *res).  */
static int
text_ok (fgap_hardness_row *w, fgap_hardness_mres *res, const fgap_hardness_state *r,
         const fgap_hardness_unit *u, char *text)
{
  const fga_hardness_config *cfg = r->cfg;
  size_t n = cfg->n[u->i];
  char *p = text, *line = next_line (&p);
  if (line == NULL)
    return 0;
  if (u->search)
    {
      size_t d = 2 * fgap_hardness_m_of (cfg, n);
      return fgap_hardness_methods_parse (res, &cfg->methods[u->j], n, d, line) == 0
             && *p == '\0';
    }
  unsigned long seed = cfg->seeds[u->j / 2];
  int planted = u->j % 2 == 0;
  if (fgap_hardness_instance_parse (w, line, n, seed, planted) != 0)
    return 0;
  char prefix[96];
  int plen = snprintf (prefix, sizeof prefix, "%zu,%lu,%d,", n, seed, planted);
  for (long g = 0; g <= w->scanned; g++)
    if ((line = next_line (&p)) == NULL || strncmp (line, prefix, (size_t) plen) != 0)
      return 0;
  return *p == '\0';
}

/* Holds the text of step k (bytes need not end with a NUL); FGA_ERR_COMPUTE
   when it is not the step's.  */
static int
hold_text (fgap_hardness_state *r, size_t k, const void *bytes, size_t len,
           const char *from, fga_error *err)
{
  char *copy = malloc (len + 1), *check = malloc (len + 1);
  if (copy == NULL || check == NULL)
    {
      free (copy);
      free (check);
      return fgap_error_set (err, FGA_ERR_NOMEM, "hardness: out of memory for a step's rows");
    }
  memcpy (copy, bytes, len);
  copy[len] = '\0';
  memcpy (check, copy, len + 1);
  int ok = strlen (copy) == len && text_ok (&r->rows[k], &r->mres[k], r, &r->units[k], check);
  free (check);
  if (!ok)
    {
      char name[160];
      free (copy);
      unit_name (name, sizeof name, r, &r->units[k]);
      return fgap_error_set (err, FGA_ERR_COMPUTE, "hardness: %s: not the rows of step %s",
                             from, name);
    }
  if (r->text[k] == NULL)
    r->nheld++;
  free (r->text[k]);
  r->text[k] = copy, r->len[k] = len;
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* OUTDIR/.partial: the steps done, one file each, beside the configuration
   they belong to.  */

static void
partial_path (char *buf, size_t size, const fgap_hardness_state *r, const char *name)
{
  snprintf (buf, size, "%s/.partial%s%s", r->outdir, name != NULL ? "/" : "", name != NULL
            ? name : "");
}

static int
write_whole (const char *path, const void *bytes, size_t len, fga_error *err)
{
  fga_atomic_file af;
  int rc = fga_atomic_open (&af, path, err);
  if (rc != FGA_OK)
    return rc;
  if (len > 0 && fwrite (bytes, 1, len, af.fp) != len)
    {
      fga_atomic_abort (&af);
      return fgap_error_set (err, FGA_ERR_IO, "%s: write error: %s", path, strerror (errno));
    }
  return fga_atomic_commit (&af, err);
}

/* The whole file at path into *buf (malloc'd, NUL added); 0, or errno.  */
static int
read_whole (char **buf, size_t *len, const char *path)
{
  FILE *fp = fopen (path, "rb");
  size_t cap = 4096;
  *buf = NULL, *len = 0;
  if (fp == NULL)
    return errno;
  char *b = malloc (cap);
  int e = 0;
  while (b != NULL)
    {
      *len += fread (b + *len, 1, cap - 1 - *len, fp);
      if (*len < cap - 1)
        break;
      char *nb = realloc (b, cap *= 2);
      if (nb == NULL)
        free (b);
      b = nb;
    }
  if (b == NULL)
    e = ENOMEM;
  else if (ferror (fp))
    e = EIO, free (b), b = NULL;
  fclose (fp);
  if (b != NULL)
    b[*len] = '\0';
  *buf = b;
  return e;
}

/* The steps an interrupted run of this configuration left in
   OUTDIR/.partial, held; the folder and its record of the configuration
   made when missing.  Another configuration's steps are refused.  */
int
fgap_hardness_partial_load (fgap_hardness_state *r, fga_error *err)
{
  char dir[4096 + 64], path[4096 + 256];
  partial_path (dir, sizeof dir, r, NULL);
  if (mkdir (dir, 0777) != 0 && errno != EEXIST)
    return fgap_error_set (err, FGA_ERR_IO, "%s: cannot make the folder: %s", dir,
                           strerror (errno));
  partial_path (path, sizeof path, r, "config");
  char *text;
  size_t len;
  int e = read_whole (&text, &len, path);
  if (e == ENOENT)
    {
      int rc = write_whole (path, r->cfg->text, strlen (r->cfg->text), err);
      r->partial_ours = r->partial_fresh = rc == FGA_OK;
      return rc;
    }
  if (e != 0)
    return fgap_error_set (err, FGA_ERR_IO, "%s: cannot read: %s", path, strerror (e));
  int same = strcmp (text, r->cfg->text) == 0 && strlen (text) == len;
  free (text);
  if (!same)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s holds the steps of an interrupted run of "
                           "another configuration (its configuration: %s): finish that run, "
                           "or remove %s", dir, path, dir);
  r->partial_ours = 1;
  for (size_t k = 0; k < r->nunits; k++)
    {
      char name[160];
      unit_name (name, sizeof name, r, &r->units[k]);
      partial_path (path, sizeof path, r, name);
      if ((e = read_whole (&text, &len, path)) == ENOENT)
        continue;
      if (e != 0)
        return fgap_error_set (err, FGA_ERR_IO, "%s: cannot read: %s", path, strerror (e));
      int rc = hold_text (r, k, text, len, path, err);
      free (text);
      if (rc != FGA_OK)
        return fgap_error_set (err, FGA_ERR_IO, "%s: not the rows of this step (a damaged "
                               "file: remove it and the step runs again)", path);
    }
  return FGA_OK;
}

/* Removes OUTDIR/.partial, once the five files are in place (or when this
   run, having held no step, leaves the folder as it found it).  */
void
fgap_hardness_partial_remove (fgap_hardness_state *r)
{
  char path[4096 + 256];
  if (!r->partial_ours)
    return;
  for (size_t k = 0; k < r->nunits; k++)
    {
      char name[160];
      unit_name (name, sizeof name, r, &r->units[k]);
      partial_path (path, sizeof path, r, name);
      unlink (path);
    }
  partial_path (path, sizeof path, r, "config");
  unlink (path);
  partial_path (path, sizeof path, r, NULL);
  rmdir (path);
}

/* The farm's deliver, on the master: the step's text checked, kept in
   OUTDIR/.partial and held.  */
int
fgap_hardness_step_deliver (size_t task, const void *bytes, size_t len, void *data,
                            fga_error *err)
{
  fgap_hardness_state *r = data;
  if (r->text == NULL || task >= r->ntodo)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "hardness: step %zu delivered %s", task,
                           r->text == NULL ? "to a process that is not the master"
                           : "beyond the list");
  size_t k = r->todo[task];
  const fgap_hardness_unit *u = &r->units[k];
  char name[160], path[4096 + 256];
  unit_name (name, sizeof name, r, u);
  partial_path (path, sizeof path, r, name);
  int rc = hold_text (r, k, bytes, len, "a farm's result", err);
  if (rc == FGA_OK)
    rc = write_whole (path, bytes, len, err);
  if (rc == FGA_OK)
    meter_end (&r->meter, r->cfg->n[u->i], u->cost);
  return rc;
}

/* ------------------------------------------------------------------ */
/* The plan: the steps left, which only the master knows (it reads
   OUTDIR/.partial), or its failure, shared with every process of the
   farm so that none waits for steps that will not come.  As text:
   "fgattn-hardness-plan ok COUNT\n" and the indices of the steps, or
   "fgattn-hardness-plan error CODE\n" and the message.

   After an ok plan every process enters the run, the farm's collective
   step, whatever happens to it in between: a process that failed there
   (a plan it cannot read, no memory for its state) enters it with
   fgap_farm_run_failed, and the master is not left waiting for a
   process that will never ask for a step.  After an error plan none
   enters it.  */

static const char plan_magic[] = "fgattn-hardness-plan ";

/* The ok plan of r as text (malloc'd), or FGA_ERR_NOMEM.  */
static int
plan_text (char **buf, size_t *len, const fgap_hardness_state *r, fga_error *err)
{
  FILE *fp = open_memstream (buf, len);
  if (fp == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "hardness: out of memory for the plan");
  fprintf (fp, "%sok %zu\n", plan_magic, r->ntodo);
  for (size_t t = 0; t < r->ntodo; t++)
    fprintf (fp, "%zu\n", r->todo[t]);
  if (fclose (fp) == 0)
    return FGA_OK;
  free (*buf);
  *buf = NULL;
  return fgap_error_set (err, FGA_ERR_NOMEM, "hardness: out of memory for the plan");
}

int
fgap_hardness_plan_share (const fga_farm *farm, fgap_hardness_state *r, int status,
                          int *listed, fga_error *err)
{
  char *buf = NULL, fail[sizeof plan_magic + 32 + FGA_MSG_SIZE];
  size_t len = 0;
  if (status == FGA_OK)
    status = plan_text (&buf, &len, r, err);
  void *bytes = buf;
  *listed = status == FGA_OK;
  if (status != FGA_OK)
    {
      /* Made without allocating: the others wait for it even when
         memory is short.  */
      int k = snprintf (fail, sizeof fail, "%serror %d\n%s", plan_magic, status,
                        err != NULL ? err->msg : "");
      len = k < 0 ? 0 : (size_t) k < sizeof fail ? (size_t) k : sizeof fail - 1;
      bytes = fail;
    }
  fga_error sub;
  fga_error_init (&sub);
  int rc = farm->share (farm, &bytes, &len, status == FGA_OK ? err : &sub);
  free (buf);
  return status != FGA_OK ? status : rc;
}

/* The head of the master's plan (text, len bytes): FGA_OK with the count
   of its steps and where their indices begin, or the master's error (then
   *master_runs is 0: no process runs the steps), or FGA_ERR_COMPUTE when
   it is garbled (*master_runs 1, count 0: an error plan always has its
   head, so the master sent the steps, how many is lost).  */
static int
plan_head (size_t *count, const char **body, int *master_runs, const char *text, size_t len,
           fga_error *err)
{
  size_t ml = sizeof plan_magic - 1;
  int code, pos = 0;
  *count = 0, *body = NULL, *master_runs = 1;
  if (len < ml || memcmp (text, plan_magic, ml) != 0 || memchr (text, '\0', len) != NULL)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "hardness: the master's plan is garbled");
  const char *p = text + ml;
  if (sscanf (p, "error %d\n%n", &code, &pos) == 1 && pos > 0)
    {
      *master_runs = 0;
      if (code != FGA_ERR_INPUT && code != FGA_ERR_NOMEM && code != FGA_ERR_IO)
        code = FGA_ERR_COMPUTE;
      return fgap_error_set (err, code, "%.*s", (int) (len - (size_t) (p + pos - text)),
                             p + pos);
    }
  if (sscanf (p, "ok %zu\n%n", count, &pos) != 1 || pos == 0)
    {
      *count = 0;
      return fgap_error_set (err, FGA_ERR_COMPUTE, "hardness: the master's plan is garbled");
    }
  *body = p + pos;
  return FGA_OK;
}

/* A worker's side: the indices of the plan's count steps, from body, into
   r->todo.  An index beyond this process's list means that it read
   another configuration than the master's.  */
static int
plan_read (fgap_hardness_state *r, size_t count, const char *body, fga_error *err)
{
  if (count > r->nunits)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "hardness: the master's plan has %zu steps "
                           "left, more than the %zu of this process's configuration: do all "
                           "the processes read the same configuration?", count, r->nunits);
  const char *p = body;
  for (size_t t = 0; t < count; t++)
    {
      char *end;
      unsigned long k = strtoul (p, &end, 10);
      if (end == p || *end != '\n')
        return fgap_error_set (err, FGA_ERR_COMPUTE, "hardness: the master's plan is garbled");
      if (k >= r->nunits)
        return fgap_error_set (err, FGA_ERR_COMPUTE, "hardness: the master's plan names step "
                               "%lu, beyond the %zu of this process's configuration: do all "
                               "the processes read the same configuration?", k, r->nunits);
      r->todo[t] = (size_t) k;
      r->todo_cost[t] = r->units[k].cost;
      p = end + 1;
    }
  r->ntodo = count;
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* A process's run: its state made and freed, the master's plan of the
   steps left, and a worker's share of them.  */

int
fgap_hardness_run_setup (fgap_hardness_state *r, const fga_hardness_config *cfg,
                         const char *outdir, int serial, fga_error *err)
{
  r->cfg = cfg, r->outdir = outdir, r->serial = serial;
  r->ninst = 2 * cfg->nseeds;
  r->cache.i = SIZE_MAX;
  if (pthread_mutex_init (&r->lock, NULL) != 0)
    return fgap_error_set (err, FGA_ERR_NOMEM, "hardness: cannot make a mutex");
  r->lock_made = 1;
  int rc = list_units (r, err);
  if (rc == FGA_OK)
    rc = cache_init (&r->cache, r->ninst, err);
  if (rc == FGA_OK && outdir != NULL)
    {
      r->text = fgap_calloc (r->nunits + 1, sizeof *r->text, "the steps' rows", err);
      r->len = fgap_calloc (r->nunits + 1, sizeof *r->len, "the steps' rows", err);
      r->rows = fgap_calloc (r->nunits + 1, sizeof *r->rows, "the steps' rows", err);
      r->mres = fgap_calloc (r->nunits + 1, sizeof *r->mres, "the steps' rows", err);
      if (r->text == NULL || r->len == NULL || r->rows == NULL || r->mres == NULL)
        rc = FGA_ERR_NOMEM;
    }
  return rc;
}

void
fgap_hardness_run_teardown (fgap_hardness_state *r)
{
  cache_clear (&r->cache, r->ninst);
  for (size_t k = 0; r->text != NULL && k < r->nunits; k++)
    free (r->text[k]);
  fgap_free (r->text);
  fgap_free (r->len);
  fgap_free (r->rows);
  fgap_free (r->mres);
  fgap_free (r->units);
  fgap_free (r->todo);
  fgap_free (r->todo_cost);
  if (r->lock_made)
    pthread_mutex_destroy (&r->lock);
}

/* The steps not held yet go to the list of the run, and to its progress.  */
void
fgap_hardness_plan_make (fgap_hardness_state *r, const fga_hardness_opts *opts)
{
  fgap_hardness_meter *mt = &r->meter;
  memset (mt, 0, sizeof *mt);
  mt->fn = opts != NULL ? opts->progress : NULL;
  mt->data = opts != NULL ? opts->progress_data : NULL;
  mt->t0 = fga_wall_time ();
  mt->ninst = r->ninst;
  r->ntodo = 0;
  for (size_t k = 0; k < r->nunits; k++)
    {
      mt->p.steps_total++;
      mt->p.work_total += r->units[k].cost;
      if (r->text[k] != NULL)
        {
          mt->p.steps_done++, mt->p.steps_resumed++;
          mt->done_w += r->units[k].cost;
          mt->p.work_resumed += r->units[k].cost;
          continue;
        }
      r->todo_cost[r->ntodo] = r->units[k].cost;
      r->todo[r->ntodo++] = k;
    }
  mt->p.work_done = mt->done_w;
  /* What the earlier run did, told before the first step.  */
  if (mt->fn != NULL && mt->p.steps_resumed > 0)
    meter_report (mt);
}

/* A process of a farm that is not the master: the master's plan, then
   its share of the steps; after an ok plan it enters the run even when it
   cannot compute (see the plan above), failing it with its own error.  */
int
fgap_hardness_run_worker (const fga_hardness_config *cfg, const fga_farm *farm,
                          fga_error *err)
{
  void *plan = NULL;
  size_t len = 0, count;
  const char *body;
  int master_runs;
  fga_error own, why;
  fga_error_init (&own);
  int rc = farm->share (farm, &plan, &len, err);
  if (rc != FGA_OK)
    return rc;                 /* the farm failed: its run would too */
  rc = plan_head (&count, &body, &master_runs, plan, len, &own);
  fgap_hardness_state *r = NULL;
  if (rc == FGA_OK && (r = fgap_calloc (1, sizeof *r, "the run", &own)) == NULL)
    rc = FGA_ERR_NOMEM;
  if (rc == FGA_OK)
    rc = fgap_hardness_run_setup (r, cfg, NULL, 0, &own);
  if (rc == FGA_OK)
    rc = plan_read (r, count, body, &own);
  free (plan);
  if (rc == FGA_OK)
    rc = farm->run (farm, r->ntodo, r->todo_cost, fgap_hardness_step_compute,
                    fgap_hardness_step_deliver, r, &own);
  else if (master_runs)
    {
      why = own;
      const char *m = strncmp (why.msg, "hardness: ", 10) == 0 ? why.msg + 10 : why.msg;
      fgap_error_set (&own, rc, "hardness: a process of the farm failed before its first "
                      "step: %s", m);
      fgap_farm_run_failed (farm, count, NULL, rc, &own);
    }
  if (r != NULL)
    fgap_hardness_run_teardown (r);
  fgap_free (r);
  if (rc != FGA_OK && err != NULL)
    *err = own;
  return rc;
}
