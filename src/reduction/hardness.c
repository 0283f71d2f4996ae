/* hardness.c -- the least degree of the polynomial method that decides the reduction, against n

   The SETH lower bound seen from the algorithm's side (theory/lower-bound.md, section 6).
   For each n, YES and NO gap Hamming instances with m = Theta(log n) and
   t = Theta(m) are reduced (fga_reduce), so the entries are
   s = Theta(sqrt(log n)) and the scores reach lambda m = Theta(log n).  The
   polynomial method must then approximate e^x on an interval of length
   Theta(log n) to an accuracy 1/poly(n): its degree grows like log n, and
   with d = 2m = Theta(log n) its feature count r = C(d + g, d) is
   2^{Theta(log n)} = n^{Theta(1)}, not n^{o(1)}.  The experiment measures
   the least degree that decides every instance (fga_reduction_degree_scan
   computes the method's exact-arithmetic answer at every degree) beside
   the degree certified to decide (2 eps_g < accuracy, lemma 5 of
   theory/upper-bound.md), and r for both.

   "Decides from degree g on" is read over the whole scan: every degree
   from g to the end of the scan answers correctly.  The scan ends at the
   certified degree, beyond which every degree is proved to answer
   correctly (the certified bounds only decrease past it), so the measured
   degree is the least one from which the method is right for good.  */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"
#include "reduction/reduction-impl.h"

#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>

/* ------------------------------------------------------------------ */
/* The run.  */

typedef struct
{
  size_t n, m, d, t;
  unsigned long seed;
  int planted, brute_yes;
  size_t min_dist;
  fga_reduction_info info;
  double R, max_score;
  long cert, first, stable, scanned;  /* -1: none */
  long runs_from;              /* least g from which no row sum is <= 0 (dummy rows included) */
  double max_o_exact;
  int exact_yes;
} row_t;

/* C(d + g, d) in decimal; NULL for g < 0 (free it with free_str).  */
static char *
features_dec (size_t d, long g)
{
  if (g < 0)
    return NULL;
  mpz_t r;
  mpz_init (r);
  mpz_bin_uiui (r, (unsigned long) (d + (size_t) g), (unsigned long) d);
  char *dec = mpz_get_str (NULL, 10, r);
  mpz_clear (r);
  return dec;
}

/* For r = C(d + g, d): log10 r, and x = ln r / ln N (r = N^x); NaN for
   g < 0.  Each is the double nearest the exact value: r rounded to 256
   bits, its logarithm and the quotient leave a relative error below
   2^-250 (ln r >= ln 2 once g >= 1; g = 0 gives r = 1 and 0 exactly), so
   the final rounding is correct unless the value lies within 2^-250 of
   the midpoint of two doubles.  */
static void
features_log (double *log10r, double *x, size_t d, long g, size_t N)
{
  *log10r = *x = NAN;
  if (g < 0)
    return;
  fgap_mpfr_state st;
  fgap_mpfr_state_save (&st);
  mpz_t r;
  mpfr_t lr, lN, q;
  mpz_init (r);
  mpfr_inits2 (256, lr, lN, q, (mpfr_ptr) 0);
  mpz_bin_uiui (r, (unsigned long) (d + (size_t) g), (unsigned long) d);
  mpfr_set_z (q, r, MPFR_RNDN);
  mpfr_log10 (lr, q, MPFR_RNDN);
  *log10r = mpfr_get_d (lr, MPFR_RNDN);
  mpfr_log (lr, q, MPFR_RNDN);
  mpfr_set_ui (q, (unsigned long) N, MPFR_RNDN);
  mpfr_log (lN, q, MPFR_RNDN);
  mpfr_div (q, lr, lN, MPFR_RNDN);
  *x = mpfr_get_d (q, MPFR_RNDN);
  mpfr_clears (lr, lN, q, (mpfr_ptr) 0);
  mpz_clear (r);
  fgap_mpfr_state_restore (&st);
}

static void
free_str (char *s)
{
  if (s == NULL)
    return;
  void (*freefn) (void *, size_t);
  mp_get_memory_functions (NULL, NULL, &freefn);
  freefn (s, strlen (s) + 1);
}

static void
put_long (FILE *fp, long v, const char *sep)
{
  if (v >= 0)
    fprintf (fp, "%ld", v);
  fputs (sep, fp);
}

static void
write_instances (FILE *fp, const row_t *rows, size_t nrows, const fga_hardness_config *cfg)
{
  fputs ("n,m,d,t,gap,seed,planted,brute_yes,min_dist,lambda,s,s_over_sqrt_ln_n,basis,R,"
         "max_score,accuracy,decide_at,max_o_exact,exact_yes,cert_deg,scanned_to,first_deg,"
         "least_deg,r_least,log10_r_least,r_exponent_least,log10_r_cert,runs_from\n", fp);
  for (size_t k = 0; k < nrows; k++)
    {
      const row_t *w = &rows[k];
      char *rl = features_dec (w->d, w->stable);
      double lrl, lrc, ex, exc;
      /* r = N^x with N = 2n, the size of the attention instance.  */
      features_log (&lrl, &ex, w->d, w->stable, 2 * w->n);
      features_log (&lrc, &exc, w->d, w->cert, 2 * w->n);
      fprintf (fp, "%zu,%zu,%zu,%zu,%.17g,%lu,%d,%d,%zu,%.17g,%.17g,%.17g,%s,%.17g,%.17g,%.17g,"
               "%.17g,%.17g,%d,", w->n, w->m, w->d, w->t, cfg->gap, w->seed, w->planted,
               w->brute_yes, w->min_dist, w->info.lambda, w->info.s, w->info.s_over_sqrt_ln_n,
               fga_basis_name (cfg->basis), w->R, w->max_score, w->info.accuracy,
               w->info.decide_at, w->max_o_exact, w->exact_yes);
      put_long (fp, w->cert, ",");
      put_long (fp, w->scanned, ",");
      put_long (fp, w->first, ",");
      put_long (fp, w->stable, ",");
      fprintf (fp, "%s,", rl != NULL ? rl : "");
      if (rl != NULL)
        fprintf (fp, "%.6f,%.6f", lrl, ex);
      else
        fputc (',', fp);
      fputc (',', fp);
      if (w->cert >= 0)
        fprintf (fp, "%.6f", lrc);
      fputc (',', fp);
      put_long (fp, w->runs_from, "\n");
      free_str (rl);
    }
}

/* The largest of a and b, where -1 (none) beats every degree.  */
static long
worst (long a, long b)
{
  return a < 0 || b < 0 ? -1 : a > b ? a : b;
}

/* The rows of one n (consecutive, from rows[0]; *count of them) into z.  */
static void
summarise_size (fga_hardness_size *z, size_t *count, const row_t *rows, size_t nrows)
{
  const row_t *w0 = &rows[0];
  memset (z, 0, sizeof *z);
  z->n = w0->n, z->N = 2 * w0->n, z->m = w0->m, z->d = w0->d, z->t = w0->t;
  z->s_over_sqrt_ln_n = w0->info.s_over_sqrt_ln_n;
  z->accuracy = w0->info.accuracy;
  z->R_lo = INFINITY;
  size_t b = 0;
  for (; b < nrows && rows[b].n == w0->n; b++)
    {
      const row_t *w = &rows[b];
      z->least = worst (z->least, w->stable);
      z->runs_from = worst (z->runs_from, w->runs_from);
      z->certified = worst (z->certified, w->cert);
      z->R_lo = fmin (z->R_lo, w->R), z->R_hi = fmax (z->R_hi, w->R);
      z->s_over_sqrt_ln_n = w->info.s_over_sqrt_ln_n;
    }
  z->instances = *count = b;
  features_log (&z->log10_r_least, &z->x_least, z->d, z->least, z->N);
  features_log (&z->log10_r_cert, &z->x_cert, z->d, z->certified, z->N);
}

/* The summary per n, and the growth laws fitted to it as power laws in N
   (fga_fit_power): r ~ c N^x, and least g = a ln N + const, which is
   e^g ~ c N^a.  A fit that refuses (every n the same, or e^g or r beyond
   the doubles) leaves its exponent NaN.  */
static void
summarise (fga_hardness_summary *sum, const row_t *rows, size_t nrows)
{
  double N[FGA_HARDNESS_MAX], eg[FGA_HARDNESS_MAX], r[FGA_HARDNESS_MAX];
  memset (sum, 0, sizeof *sum);
  for (size_t a = 0, count; a < nrows && sum->nn < FGA_HARDNESS_MAX; a += count)
    {
      fga_hardness_size *z = &sum->sizes[sum->nn++];
      summarise_size (z, &count, rows + a, nrows - a);
      if (z->least >= 0)
        {
          N[sum->nfit] = (double) z->N, eg[sum->nfit] = exp ((double) z->least);
          r[sum->nfit++] = pow (10, z->log10_r_least);
        }
    }
  sum->fit_g_slope = sum->fit_r_exponent = NAN;
  if (sum->nfit >= 2)
    {
      fga_fit fg, fr;
      fga_fit_power (&fg, N, eg, sum->nfit, 0, NULL);
      fga_fit_power (&fr, N, r, sum->nfit, 0, NULL);
      sum->fit_g_slope = fg.exponent, sum->fit_r_exponent = fr.exponent;
    }
}

static void
summary_row (FILE *fp, const fga_hardness_size *z, const fga_hardness_config *cfg)
{
  fprintf (fp, "| %zu | %zu | %zu | %zu | %zu | %.3f | ", z->n, z->N, z->m, z->d, z->t,
           z->s_over_sqrt_ln_n);
  if (z->R_hi - z->R_lo < 5e-4)
    fprintf (fp, "%.3f", z->R_lo);
  else
    fprintf (fp, "%.3f-%.3f", z->R_lo, z->R_hi);
  fprintf (fp, " | %.3g | ", z->accuracy);
  if (z->least < 0)
    fprintf (fp, "> %ld | | | ", cfg->gmax);
  else
    {
      double l = z->log10_r_least;
      fprintf (fp, "%ld | %.3fe%+d | %.2f | ", z->least, pow (10, l - floor (l)), (int) floor (l),
               z->x_least);
    }
  if (z->runs_from < 0)
    fprintf (fp, "> %ld | ", cfg->gmax);
  else
    fprintf (fp, "%ld | ", z->runs_from);
  if (z->certified < 0)
    fprintf (fp, "> %ld | |\n", cfg->gmax);
  else
    fprintf (fp, "%ld | %.1f |\n", z->certified, z->log10_r_cert);
}

static void
write_summary (FILE *fp, const fga_hardness_summary *sum, const fga_hardness_config *cfg)
{
  fprintf (fp, "# The least polynomial degree that decides the reduction, against n\n\n"
           "Gap Hamming closest pair (YES and NO instances, %zu seed%s each), reduced to "
           "attention with N = 2n rows, d = 2m, entries s = sqrt(lambda d); the method poly "
           "(basis %s, R %s) at every degree, in exact arithmetic. `least` is the least "
           "degree from which every degree decides every instance of that n correctly; "
           "`poly runs from` the least degree from which no row sum of p_g is <= 0 (the "
           "method checks every row, the dummy queries' 2n p_g(0) too, and refuses the output "
           "otherwise; the decision reads only the real rows); `certified` the least degree "
           "whose certified error guarantees the decision; r = C(d+g, d) features; N^x = r.\n\n",
           cfg->nseeds, cfg->nseeds == 1 ? "" : "s",
           fga_basis_name (cfg->basis), cfg->R_max ? "= the largest score"
           : "= auto, the method's Cauchy-Schwarz radius");
  fputs ("| n | N = 2n | m | d | t | s / sqrt(ln n) | R | accuracy | least g | r at least g "
         "| x: r = N^x | poly runs from g | certified g | log10 r certified |\n"
         "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n", fp);
  for (size_t i = 0; i < sum->nn; i++)
    summary_row (fp, &sum->sizes[i], cfg);
  if (sum->nfit >= 2)
    fprintf (fp, "\nLeast squares over the %zu sizes: least g = %.2f ln N + const, growing "
             "like log n; ln r against ln N has slope %.2f, so r grows like N^%.2f, and x "
             "stays bounded away from 0: r = n^Theta(1), where the regime B = o(sqrt(log n)) "
             "of the upper bound gives n^o(1).\n", sum->nfit, sum->fit_g_slope,
             sum->fit_r_exponent, sum->fit_r_exponent);
  fputs ("\nColumns and every instance: instances.csv; the decision at every degree: "
         "degrees.csv. Regenerate: fgattn hardness experiments/hardness.conf -o DIR.\n", fp);
}

/* hardness.json: the version, the methods and the configuration as read;
   written with the flags it always had, then a newline.  */
static int
write_json (FILE *fp, const fga_hardness_config *cfg)
{
  json_t *o = json_object ();
  json_object_set_new (o, "format", json_string ("fgattn-hardness"));
  json_object_set_new (o, "fgattn_version", json_string (fga_version ()));
  json_object_set_new (o, "tau", json_string ("1/d"));
  json_object_set_new (o, "method", json_string ("poly"));
  json_object_set_new (o, "basis", json_string (fga_basis_name (cfg->basis)));
  json_object_set_new (o, "R", json_string (cfg->R_max ? "max" : "auto"));
  if (cfg->nmethods > 0)
    {
      json_t *a = json_array ();
      for (size_t k = 0; k < cfg->nmethods; k++)
        json_array_append_new (a, json_string (cfg->methods[k].label));
      json_object_set_new (o, "methods", a);
      json_object_set_new (o, "methods_reference", json_string ("exact:algo=stream"));
    }
  json_object_set_new (o, "config", json_string (cfg->text));
  int bad = json_dumpf (o, fp, JSON_INDENT (2) | JSON_PRESERVE_ORDER) != 0
            || fputc ('\n', fp) == EOF;
  json_decref (o);
  return bad ? -1 : 0;
}

/* Whether method m runs at n, and whether some method does.  */
static int
runs_at (const fga_hardness_method *m, size_t n)
{
  return m->max_n == 0 || n <= m->max_n;
}

static int
methods_at (const fga_hardness_config *cfg, size_t n)
{
  for (size_t k = 0; k < cfg->nmethods; k++)
    if (runs_at (&cfg->methods[k], n))
      return 1;
  return 0;
}

/* The bounds of the certified degree: R and the largest score of w's
   instance (every real query has m coordinates equal to s and the dummy
   keys have all d, so the largest score is s^2 m / d, rounded upward).  */
static void
radius (row_t *w, fga_instance_srcptr inst, const fga_hardness_config *cfg)
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

/* The scan's answers into w and degrees.csv.  */
static void
record_scan (row_t *w, FILE *deg, const fga_reduction_scan *scan)
{
  w->max_o_exact = scan->max_o_exact, w->exact_yes = scan->yes_exact;
  w->first = -1;
  for (long g = 0; g <= scan->gmax; g++)
    {
      int ok = scan->verdict[g] == w->brute_yes;
      if (ok && w->first < 0)
        w->first = g;
      fprintf (deg, "%zu,%lu,%d,%ld,%.17g,%s,%d,%d\n", w->n, w->seed, w->planted, g,
               scan->max_o[g], scan->verdict[g] < 0 ? "fail" : scan->verdict[g] ? "YES"
               : "NO", ok, scan->dummy_fail[g]);
    }
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

/* One instance: generate, solve, reduce into hi->inst (kept for the
   methods), scan; appends its degree rows.  */
static int
run_instance (row_t *w, fgap_hardness_inst *hi, FILE *deg, const fga_hardness_config *cfg,
              fga_error *err)
{
  fga_hamming_t h;
  fga_reduction_scan scan;
  fga_hamming_init (h);
  fga_reduction_scan_init (&scan);
  int rc = fga_hamming_generate (h, w->n, w->m, w->t, cfg->gap, w->planted, w->seed, err);
  if (rc == FGA_OK)
    {
      fga_hamming_solution sol;
      fga_hamming_solve (&sol, h);
      w->brute_yes = sol.yes, w->min_dist = sol.min_dist;
      rc = fga_reduce (hi->inst, &w->info, h, err);
    }
  if (rc == FGA_OK)
    {
      w->d = w->info.d;
      radius (w, hi->inst, cfg);
      /* Certified to decide: 2 eps_g < accuracy (lemma 5, ||V||_inf = 1).  */
      double eps = nextafter (w->info.accuracy / 2, 0);
      rc = fga_expfit_least_degree (&w->cert, cfg->basis, w->R, eps, 1, cfg->gmax, err);
      if (rc == FGA_ERR_COMPUTE)
        w->cert = -1, rc = FGA_OK;
    }
  if (rc == FGA_OK)
    {
      w->scanned = w->cert >= 0 ? w->cert : cfg->gmax;
      rc = fga_reduction_degree_scan (&scan, hi->inst, &w->info, cfg->basis, w->R, w->scanned,
                                      err);
    }
  if (rc == FGA_OK && scan.yes_exact != w->brute_yes)
    rc = fgap_error_set (err, FGA_ERR_COMPUTE, "n = %zu, seed %lu: exact attention decides %s "
                        "but brute force says %s: the reduction is broken", w->n, w->seed,
                        scan.yes_exact ? "YES" : "NO", w->brute_yes ? "YES" : "NO");
  if (rc == FGA_OK)
    {
      record_scan (w, deg, &scan);
      hi->seed = w->seed, hi->planted = w->planted, hi->brute_yes = w->brute_yes;
      hi->info = w->info;
    }
  fga_reduction_scan_clear (&scan);
  fga_hamming_clear (h);
  return rc;
}

/* The files of a run, in the order they are written, hardness.json last.  */
enum { F_INSTANCES, F_DEGREES, F_METHODS, F_SUMMARY, F_JSON, F_COUNT };
static const char *const file_names[F_COUNT]
  = { "instances.csv", "degrees.csv", "methods.csv", "summary.md", "hardness.json" };

/* ------------------------------------------------------------------ */
/* Progress: the steps and their predicted work (the cost model of
   fgap_hardness_instance_weight and fgap_hardness_search_weight).  */

typedef struct
{
  fga_hardness_progress_fn fn;      /* NULL: no reports, no work predicted */
  void *data;
  fga_hardness_progress p;
  double t0;
  double inst_w[FGA_HARDNESS_MAX];  /* the weight of one instance, per size index */
  double done_w;                    /* the work of the finished steps */
  double step_w, step_work;         /* the step in flight: its weight, its work so far */
  size_t ninst;
  const fga_hardness_method *m;     /* the method searched, or NULL */
  char current[160];
} meter_t;

/* The steps and, with fn, their work, added in the order the run does
   them, so that the work done ends equal to work_total.  */
static void
meter_init (meter_t *mt, const fga_hardness_config *cfg, fga_hardness_progress_fn fn,
            void *data)
{
  memset (mt, 0, sizeof *mt);
  mt->fn = fn, mt->data = data;
  mt->t0 = fga_wall_time ();
  mt->ninst = 2 * cfg->nseeds;
  for (size_t i = 0; i < cfg->nn; i++)
    {
      if (fn != NULL)
        mt->inst_w[i] = fgap_hardness_instance_weight (cfg, cfg->n[i]);
      for (size_t j = 0; j < mt->ninst; j++)
        mt->p.work_total += mt->inst_w[i];
      mt->p.steps_total += mt->ninst;
      for (size_t k = 0; k < cfg->nmethods; k++)
        if (runs_at (&cfg->methods[k], cfg->n[i]))
          {
            mt->p.steps_total++;
            if (fn != NULL)
              mt->p.work_total += fgap_hardness_search_weight (cfg, &cfg->methods[k], cfg->n[i]);
          }
    }
}

static void
meter_report (meter_t *mt)
{
  mt->p.elapsed_seconds = fga_wall_time () - mt->t0;
  mt->fn (&mt->p, mt->data);
}

/* A step of the given weight starts at size n: an instance (m NULL) or the
   search of method m.  */
static void
meter_begin (meter_t *mt, size_t n, double weight, const fga_hardness_method *m,
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
meter_work (meter_t *mt, double work, const char *what)
{
  if (mt->fn == NULL)
    return;
  mt->step_work += work;
  snprintf (mt->current, sizeof mt->current, "%s", what);
  mt->p.work_done = mt->done_w + fmin (mt->step_work, 0.9 * mt->step_w);
  meter_report (mt);
}

static void
meter_end (meter_t *mt)
{
  mt->p.steps_done++;
  if (mt->fn == NULL)
    return;
  mt->done_w += mt->step_w;
  mt->p.work_done = mt->done_w;
  mt->p.current = NULL;
  meter_report (mt);
}

/* After each run of a search: a run at size s of the sizes up to hi counts
   s / hi of one instance's share of the step.  */
static void
meter_tick (void *data, long size, long hi)
{
  meter_t *mt = data;
  char what[160];
  snprintf (what, sizeof what, "n=%zu %s %s=%ld", mt->p.n, mt->m->label, mt->m->size_key, size);
  meter_work (mt, mt->step_w / (double) mt->ninst * (double) size / (double) (hi > 0 ? hi : 1),
              what);
}

/* ------------------------------------------------------------------ */
/* The run.  */

/* The state of a run: the output group and its open files, the rows.  */
typedef struct
{
  const fga_hardness_config *cfg;
  fga_atomic_group group;
  const char *tmp[F_COUNT];
  FILE *fp[F_COUNT];
  row_t *rows;
  fgap_hardness_mres *mres;    /* [method * nn + size index] */
  fgap_hardness_inst *insts;   /* the instances of one n */
  size_t ninst;
  meter_t meter;
  fga_hardness_summary sum;
} run_t;

static void
clear_insts (run_t *r)
{
  for (size_t k = 0; k < r->ninst; k++)
    {
      fga_instance_clear (r->insts[k].inst);
      fga_mat_clear (r->insts[k].exact);
    }
}

/* Instance j of the size index i into w, and its reference output when
   some method runs at n: one step.  */
static int
run_one (run_t *r, size_t i, size_t j, row_t *w, int reference, fga_error *err)
{
  const fga_hardness_config *cfg = r->cfg;
  size_t n = cfg->n[i];
  char what[160];
  w->n = n;
  w->m = fgap_hardness_m_of (cfg, n);
  w->t = fgap_hardness_t_of (cfg, w->m);
  w->seed = cfg->seeds[j / 2];
  w->planted = j % 2 == 0;
  snprintf (what, sizeof what, "n=%zu seed %lu %s", n, w->seed, w->planted ? "YES" : "NO");
  meter_begin (&r->meter, n, r->meter.inst_w[i], NULL, what);
  int rc = run_instance (w, &r->insts[j], r->fp[F_DEGREES], cfg, err);
  if (rc == FGA_OK && reference)
    {
      /* The scan is done; the reference is about half the N^2 d term.  */
      double N = 2.0 * (double) n;
      snprintf (what, sizeof what, "n=%zu seed %lu %s, reference", n, w->seed,
                w->planted ? "YES" : "NO");
      meter_work (&r->meter, r->meter.inst_w[i] - N * N * (double) w->d / 2, what);
      rc = fgap_hardness_reference (&r->insts[j], w->max_o_exact, err);
    }
  if (rc == FGA_OK)
    meter_end (&r->meter);
  return rc;
}

/* Every instance of the size index i, then every method on them.  */
static int
run_size (run_t *r, size_t i, size_t *k, fga_error *err)
{
  const fga_hardness_config *cfg = r->cfg;
  size_t n = cfg->n[i];
  int reference = methods_at (cfg, n), rc = FGA_OK;
  char what[160];
  for (size_t j = 0; j < r->ninst; j++)
    {
      memset (&r->insts[j], 0, sizeof r->insts[j]);
      fga_instance_init (r->insts[j].inst);
      fga_mat_init (r->insts[j].exact, 0, 0, NULL);
    }
  for (size_t j = 0; j < r->ninst && rc == FGA_OK; j++)
    rc = run_one (r, i, j, &r->rows[(*k)++], reference, err);
  for (size_t m = 0; m < cfg->nmethods && rc == FGA_OK; m++)
    {
      const fga_hardness_method *hm = &cfg->methods[m];
      int runs = runs_at (hm, n);
      snprintf (what, sizeof what, "n=%zu %s", n, hm->label);
      if (runs)
        meter_begin (&r->meter, n, fgap_hardness_search_weight (cfg, hm, n), hm, what);
      rc = fgap_hardness_method_search (&r->mres[m * cfg->nn + i], hm, r->insts, r->ninst,
                                        r->meter.fn != NULL ? meter_tick : NULL, &r->meter,
                                        err);
      if (rc == FGA_OK && runs)
        meter_end (&r->meter);
    }
  clear_insts (r);
  return rc;
}

/* Opens the members of the group (the folder exists and is locked).  */
static int
open_files (run_t *r, const char *outdir, fga_error *err)
{
  if ((r->group = fga_atomic_group_create (err)) == NULL)
    return FGA_ERR_NOMEM;
  for (int f = 0; f < F_COUNT; f++)
    {
      char path[4096 + 32];
      snprintf (path, sizeof path, "%s/%s", outdir, file_names[f]);
      if ((r->tmp[f] = fga_atomic_group_file (r->group, path, err)) == NULL)
        return err != NULL && err->code != FGA_OK ? err->code : FGA_ERR_IO;
      if ((r->fp[f] = fopen (r->tmp[f], "w")) == NULL)
        return fgap_error_set (err, FGA_ERR_IO, "%s: cannot write: %s", path, strerror (errno));
    }
  return FGA_OK;
}

/* Closes every file, checking that each was written whole.  */
static int
close_files (run_t *r, int rc, fga_error *err)
{
  for (int f = 0; f < F_COUNT; f++)
    {
      if (r->fp[f] == NULL)
        continue;
      int bad = ferror (r->fp[f]) != 0;
      bad |= fclose (r->fp[f]) != 0;
      r->fp[f] = NULL;
      if (bad && rc == FGA_OK)
        rc = fgap_error_set (err, FGA_ERR_IO, "%s: write error: %s", file_names[f],
                             strerror (errno));
    }
  return rc;
}

/* The grid, once the folder is held: every n, then the tables.  */
static int
run_grid (run_t *r, const char *outdir, fga_error *err)
{
  const fga_hardness_config *cfg = r->cfg;
  int rc = open_files (r, outdir, err);
  if (rc != FGA_OK)
    return rc;
  fputs ("n,seed,planted,g,max_o,verdict,correct,dummy_fail\n", r->fp[F_DEGREES]);
  size_t k = 0;
  for (size_t i = 0; i < cfg->nn && rc == FGA_OK; i++)
    rc = run_size (r, i, &k, err);
  if (rc == FGA_OK)
    {
      write_instances (r->fp[F_INSTANCES], r->rows, k, cfg);
      fgap_hardness_methods_header (r->fp[F_METHODS]);
      for (size_t m = 0; m < cfg->nmethods; m++)
        for (size_t i = 0; i < cfg->nn; i++)
          fgap_hardness_methods_row (r->fp[F_METHODS], &cfg->methods[m],
                                     &r->mres[m * cfg->nn + i]);
      summarise (&r->sum, r->rows, k);
      write_summary (r->fp[F_SUMMARY], &r->sum, cfg);
      fgap_hardness_methods_summary (r->fp[F_SUMMARY], cfg, r->mres);
      if (write_json (r->fp[F_JSON], cfg) != 0)
        rc = fgap_error_set (err, FGA_ERR_IO, "hardness.json: write error");
    }
  rc = close_files (r, rc, err);
  if (rc == FGA_OK)
    rc = fga_atomic_group_commit (r->group, err);
  return rc;
}

/* The reduced instances of one n stay in memory for the methods' search:
   2 nseeds of them, Q and K of 2n x d doubles each.  */
static int
check_memory (const fga_hardness_config *cfg, fga_error *err)
{
  double phys = fga_physical_bytes ();
  for (size_t i = 0; i < cfg->nn; i++)
    {
      size_t n = cfg->n[i];
      double d = 2.0 * (double) fgap_hardness_m_of (cfg, n);
      double bytes = 2.0 * (double) cfg->nseeds * 8 * (2.0 * (double) n) * (2 * d + 2);
      if (methods_at (cfg, n) && !(2 * bytes < phys))
        {
          char b[32], p[32];
          fga_format_bytes (b, sizeof b, bytes);
          fga_format_bytes (p, sizeof p, phys);
          return fgap_error_set (err, FGA_ERR_INPUT, "n = %zu: the methods' search keeps the "
                                 "%zu reduced instances in memory, %s, more than half this "
                                 "machine's %s (fewer seeds, or max_n)", n, 2 * cfg->nseeds,
                                 b, p);
        }
    }
  return FGA_OK;
}

/* The run, once the folder is made and held (r zeroed).  */
static int
run_held (run_t *r, const fga_hardness_config *cfg, const char *outdir,
          const fga_hardness_opts *opts, fga_error *err)
{
  int rc = FGA_OK;
  r->cfg = cfg;
  r->ninst = 2 * cfg->nseeds;
  meter_init (&r->meter, cfg, opts != NULL ? opts->progress : NULL,
              opts != NULL ? opts->progress_data : NULL);
  r->rows = fgap_calloc (cfg->nn * r->ninst, sizeof *r->rows, "the rows", err);
  r->insts = fgap_calloc (r->ninst, sizeof *r->insts, "the instances", err);
  r->mres = fgap_calloc (cfg->nmethods * cfg->nn + 1, sizeof *r->mres, "the methods' results",
                         err);
  if (r->rows == NULL || r->insts == NULL || r->mres == NULL)
    rc = FGA_ERR_NOMEM;
  if (rc == FGA_OK)
    rc = run_grid (r, outdir, err);
  /* Before a commit, destroying the group removes every temporary.  */
  if (r->group != NULL && rc != FGA_OK)
    close_files (r, rc, err);
  fga_atomic_group_destroy (r->group);
  fgap_free (r->rows);
  fgap_free (r->insts);
  fgap_free (r->mres);
  if (rc == FGA_OK && opts != NULL && opts->summary != NULL)
    *opts->summary = r->sum;
  return rc;
}

int
fga_hardness_run (const fga_hardness_config *cfg, const char *outdir,
                  const fga_hardness_opts *opts, fga_error *err)
{
  if (cfg->nn == 0 || cfg->nseeds == 0 || !(cfg->gap > 0))
    return fgap_error_set (err, FGA_ERR_INPUT, "the configuration is empty");
  if (strlen (outdir) + 32 >= 4096)
    return fgap_error_set (err, FGA_ERR_INPUT, "the folder name %s is too long", outdir);
  /* Everything that can be refused is, before the folder is made.  */
  size_t bad_n;
  fga_error sub;
  fga_error_init (&sub);
  if (fgap_hardness_check_grid (cfg, &bad_n, &sub) != FGA_OK)
    return fgap_error_set (err, sub.code, "n = %zu: %s", bad_n, sub.msg);
  int rc = check_memory (cfg, err);
  if (rc != FGA_OK)
    return rc;
  char lockpath[4096 + 8];
  snprintf (lockpath, sizeof lockpath, "%s/.lock", outdir);
  int made = mkdir (outdir, 0777) == 0;
  if (!made && errno != EEXIST)
    return fgap_error_set (err, FGA_ERR_IO, "%s: cannot make the folder: %s", outdir,
                          strerror (errno));
  struct stat sb;
  int lock_existed = lstat (lockpath, &sb) == 0;
  /* One writer per folder: a second run would replace these files half-way.  */
  fgap_dir_lock lock;
  rc = fgap_dir_lock_take (&lock, outdir, err);
  if (rc != FGA_OK)
    {
      if (made)
        rmdir (outdir);
      return rc;
    }
  run_t *rp = fgap_calloc (1, sizeof *rp, "the run", err);
  if (rp == NULL)
    rc = FGA_ERR_NOMEM;
  else
    rc = run_held (rp, cfg, outdir, opts, err);
  fgap_free (rp);
  /* A run that fails leaves the folder as it found it: the lock file and
     the folder go when this run made them (the folder only when empty).  */
  if (rc != FGA_OK && !lock_existed)
    unlink (lockpath);
  fgap_dir_lock_release (&lock);
  if (rc != FGA_OK && made)
    rmdir (outdir);
  return rc;
}
