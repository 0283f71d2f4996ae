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
#include <pthread.h>
#include <stdint.h>
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
  double seconds;              /* the step's wall time (NaN: not known) */
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
instances_header (FILE *fp)
{
  fputs ("n,m,d,t,gap,seed,planted,brute_yes,min_dist,lambda,s,s_over_sqrt_ln_n,basis,R,"
         "max_score,accuracy,decide_at,max_o_exact,exact_yes,cert_deg,scanned_to,first_deg,"
         "least_deg,r_least,log10_r_least,r_exponent_least,log10_r_cert,runs_from,"
         "wall_seconds\n", fp);
}

/* The row of one instance in instances.csv.  */
static void
instance_row (FILE *fp, const row_t *w, const fga_hardness_config *cfg)
{
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
  put_long (fp, w->runs_from, ",");
  fprintf (fp, "%.6g\n", w->seconds);
  free_str (rl);
}

/* The columns of instances.csv that are read back.  */
enum { IC_N, IC_M, IC_D, IC_T, IC_SEED = 5, IC_PLANTED, IC_BRUTE, IC_SOSL = 11, IC_R = 13,
       IC_ACCURACY = 15, IC_MAX_O = 17, IC_CERT = 19, IC_SCANNED, IC_FIRST, IC_LEAST,
       IC_RUNS_FROM = 27, IC_WALL, IC_COUNT };

/* An instances.csv row (no newline; cut up) back into what the summary
   reads of w; -1 when it is not the row of instance (n, seed, planted).  */
static int
instance_parse (row_t *w, char *line, size_t n, unsigned long seed, int planted)
{
  char *f[IC_COUNT + 1];
  long v[3];
  memset (w, 0, sizeof *w);
  if (fgap_hardness_csv_split (line, f, IC_COUNT + 1) != IC_COUNT)
    return -1;
  int bad = fgap_hardness_field_size (&w->n, f[IC_N]) | fgap_hardness_field_size (&w->m, f[IC_M]);
  bad |= fgap_hardness_field_size (&w->d, f[IC_D]) | fgap_hardness_field_size (&w->t, f[IC_T]);
  bad |= fgap_hardness_field_long (&v[0], f[IC_SEED]) | fgap_hardness_field_long (&v[1],
                                                                                 f[IC_PLANTED]);
  bad |= fgap_hardness_field_long (&v[2], f[IC_BRUTE]);
  bad |= fgap_hardness_field_double (&w->info.s_over_sqrt_ln_n, f[IC_SOSL]);
  bad |= fgap_hardness_field_double (&w->R, f[IC_R]);
  bad |= fgap_hardness_field_double (&w->info.accuracy, f[IC_ACCURACY]);
  bad |= fgap_hardness_field_double (&w->max_o_exact, f[IC_MAX_O]);
  bad |= fgap_hardness_field_long (&w->cert, f[IC_CERT]);
  bad |= fgap_hardness_field_long (&w->scanned, f[IC_SCANNED]);
  bad |= fgap_hardness_field_long (&w->first, f[IC_FIRST]);
  bad |= fgap_hardness_field_long (&w->stable, f[IC_LEAST]);
  bad |= fgap_hardness_field_long (&w->runs_from, f[IC_RUNS_FROM]);
  bad |= fgap_hardness_field_double (&w->seconds, f[IC_WALL]);
  if (bad || w->n != n || v[0] != (long) seed || v[1] != planted || w->scanned < 0
      || w->d != 2 * w->m)
    return -1;
  w->seed = seed, w->planted = planted, w->brute_yes = v[2] == 1;
  return 0;
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
  /* The master's: a farm's other processes may run on other BLAS (the
     rows do not depend on it beyond the timings and the last bits).  */
  char blas[256];
  json_object_set_new (o, "blas", json_string (fga_blas_text (blas, sizeof blas)));
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

/* The scan's answers into w.  */
static void
record_scan (row_t *w, const fga_reduction_scan *scan)
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

/* The rows of degrees.csv of w's instance, one per degree scanned.  */
static void
degree_rows (FILE *fp, const row_t *w, const fga_reduction_scan *scan)
{
  for (long g = 0; g <= scan->gmax; g++)
    fprintf (fp, "%zu,%lu,%d,%ld,%.17g,%s,%d,%d\n", w->n, w->seed, w->planted, g,
             scan->max_o[g], scan->verdict[g] < 0 ? "fail" : scan->verdict[g] ? "YES" : "NO",
             scan->verdict[g] == w->brute_yes, scan->dummy_fail[g]);
}

/* The files of a run, in the order they are written, hardness.json last.  */
enum { F_INSTANCES, F_DEGREES, F_METHODS, F_SUMMARY, F_JSON, F_COUNT };
static const char *const file_names[F_COUNT]
  = { "instances.csv", "degrees.csv", "methods.csv", "summary.md", "hardness.json" };

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

typedef struct
{
  size_t i;                    /* the size index */
  size_t j;                    /* the instance (seed j / 2, YES for even j), or the method */
  int search;                  /* 0: an instance, 1: the search of method j */
  double cost;                 /* its predicted work (the cost model of the progress) */
} unit_t;

/* The instances of one n as a process made them.  */
typedef struct
{
  size_t i;                    /* the size index held; SIZE_MAX: none */
  row_t *w;                    /* per instance: drawn, solved, reduced (ready) */
  fgap_hardness_inst *insts;
  unsigned char *ready, *have_max, *have_ref;
  double *max_o;               /* exp's max_o from a scan (have_max) */
} cache_t;

/* ------------------------------------------------------------------ */
/* Progress: the steps and their predicted work (the cost model of
   fgap_hardness_instance_weight and fgap_hardness_search_weight).  */

typedef struct
{
  fga_hardness_progress_fn fn;      /* NULL: no reports */
  void *data;
  fga_hardness_progress p;
  double t0;
  double done_w;                    /* the work of the finished steps */
  double step_w, step_work;         /* the step in flight: its weight, its work so far */
  size_t ninst;
  const fga_hardness_method *m;     /* the method searched, or NULL */
  char current[160];
} meter_t;

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

/* A step of size n and the given weight has ended.  */
static void
meter_end (meter_t *mt, size_t n, double weight)
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
  meter_t *mt = data;
  char what[160];
  snprintf (what, sizeof what, "n=%zu %s %s=%ld", mt->p.n, mt->m->label, mt->m->size_key, size);
  meter_work (mt, mt->step_w / (double) mt->ninst * (double) size / (double) (hi > 0 ? hi : 1),
              what);
}

/* ------------------------------------------------------------------ */
/* The state of a run in one process.  */

typedef struct
{
  const fga_hardness_config *cfg;
  const char *outdir;          /* the master's; NULL elsewhere */
  int serial;                  /* no farm: the steps in order, here, reported within */
  size_t ninst;
  unit_t *units;
  size_t nunits;
  size_t *todo, ntodo;         /* the steps left, indices into units */
  double *todo_cost;
  char **text;                 /* the master's: each step's text, once it is held */
  size_t *len;
  row_t *rows;                 /* ... read back: an instance's row */
  fgap_hardness_mres *mres;    /* ... or a search's */
  size_t nheld;
  int partial_ours;            /* OUTDIR/.partial is this configuration's */
  int partial_fresh;           /* ... and this run started it */
  cache_t cache;
  pthread_mutex_t lock;
  int lock_made;
  meter_t meter;
  fga_hardness_summary sum;
} run_t;

/* The list of steps, in the order of the files.  */
static int
list_units (run_t *r, fga_error *err)
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
        r->units[r->nunits++] = (unit_t) { i, j, 0, w };
      for (size_t k = 0; k < cfg->nmethods; k++)
        if (runs_at (&cfg->methods[k], cfg->n[i]))
          r->units[r->nunits++]
            = (unit_t) { i, k, 1, fgap_hardness_search_weight (cfg, &cfg->methods[k],
                                                               cfg->n[i]) };
    }
  return FGA_OK;
}

/* The name of a step's file in OUTDIR/.partial.  */
static void
unit_name (char *buf, size_t size, const run_t *r, const unit_t *u)
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
unit_what (char *buf, size_t size, const run_t *r, const unit_t *u)
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
cache_init (cache_t *c, size_t ninst, fga_error *err)
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
cache_clear (cache_t *c, size_t ninst)
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
cache_select (cache_t *c, size_t ninst, size_t i, fga_error *err)
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
prepare_instance (run_t *r, size_t j, fga_error *err)
{
  const fga_hardness_config *cfg = r->cfg;
  cache_t *c = &r->cache;
  if (c->ready[j])
    return FGA_OK;
  row_t *w = &c->w[j];
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
reference (run_t *r, size_t j, fga_error *err)
{
  cache_t *c = &r->cache;
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
scan_instance (row_t *w, fga_reduction_scan *scan, run_t *r, size_t j, fga_error *err)
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
instance_step (run_t *r, const unit_t *u, FILE *out, fga_error *err)
{
  size_t j = u->j;
  cache_t *c = &r->cache;
  double t0 = fga_wall_time ();
  int rc = prepare_instance (r, j, err);
  if (rc != FGA_OK)
    return rc;
  row_t w = c->w[j];
  fga_reduction_scan scan;
  fga_reduction_scan_init (&scan);
  rc = scan_instance (&w, &scan, r, j, err);
  if (rc == FGA_OK)
    {
      record_scan (&w, &scan);
      w.seconds = fga_wall_time () - t0;
      instance_row (out, &w, r->cfg);
      degree_rows (out, &w, &scan);
      c->max_o[j] = scan.max_o_exact, c->have_max[j] = 1;
    }
  fga_reduction_scan_clear (&scan);
  if (rc == FGA_OK && r->serial && methods_at (r->cfg, w.n))
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
search_step (run_t *r, const unit_t *u, FILE *out, fga_error *err)
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
static int
step_compute (size_t task, void **bytes, size_t *len, void *data, fga_error *err)
{
  run_t *r = data;
  char *buf = NULL;
  size_t n = 0;
  if (task >= r->ntodo)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "hardness: no step %zu (of %zu)", task,
                           r->ntodo);
  const unit_t *u = &r->units[r->todo[task]];
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
text_ok (row_t *w, fgap_hardness_mres *res, const run_t *r, const unit_t *u, char *text)
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
  if (instance_parse (w, line, n, seed, planted) != 0)
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
hold_text (run_t *r, size_t k, const void *bytes, size_t len, const char *from,
           fga_error *err)
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
partial_path (char *buf, size_t size, const run_t *r, const char *name)
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
static int
partial_load (run_t *r, fga_error *err)
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
static void
partial_remove (run_t *r)
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
static int
step_deliver (size_t task, const void *bytes, size_t len, void *data, fga_error *err)
{
  run_t *r = data;
  if (r->text == NULL || task >= r->ntodo)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "hardness: step %zu delivered %s", task,
                           r->text == NULL ? "to a process that is not the master"
                           : "beyond the list");
  size_t k = r->todo[task];
  const unit_t *u = &r->units[k];
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
/* The five files, from the texts of the steps.  */

typedef struct
{
  fga_atomic_group group;
  const char *tmp[F_COUNT];
  FILE *fp[F_COUNT];
} files_t;

/* Opens the members of the group (the folder exists and is locked).  */
static int
open_files (files_t *fs, const char *outdir, fga_error *err)
{
  if ((fs->group = fga_atomic_group_create (err)) == NULL)
    return FGA_ERR_NOMEM;
  for (int f = 0; f < F_COUNT; f++)
    {
      char path[4096 + 32];
      snprintf (path, sizeof path, "%s/%s", outdir, file_names[f]);
      if ((fs->tmp[f] = fga_atomic_group_file (fs->group, path, err)) == NULL)
        return err != NULL && err->code != FGA_OK ? err->code : FGA_ERR_IO;
      if ((fs->fp[f] = fopen (fs->tmp[f], "w")) == NULL)
        return fgap_error_set (err, FGA_ERR_IO, "%s: cannot write: %s", path, strerror (errno));
    }
  return FGA_OK;
}

/* Closes every file, checking that each was written whole.  */
static int
close_files (files_t *fs, int rc, fga_error *err)
{
  for (int f = 0; f < F_COUNT; f++)
    {
      if (fs->fp[f] == NULL)
        continue;
      int bad = ferror (fs->fp[f]) != 0;
      bad |= fclose (fs->fp[f]) != 0;
      fs->fp[f] = NULL;
      if (bad && rc == FGA_OK)
        rc = fgap_error_set (err, FGA_ERR_IO, "%s: write error: %s", file_names[f],
                             strerror (errno));
    }
  return rc;
}

/* instances.csv and degrees.csv from the instance steps, in order, and
   their rows read back into rows (consecutive per n).  */
static void
write_instances (files_t *fs, row_t *rows, size_t *nrows, run_t *r)
{
  instances_header (fs->fp[F_INSTANCES]);
  fputs ("n,seed,planted,g,max_o,verdict,correct,dummy_fail\n", fs->fp[F_DEGREES]);
  *nrows = 0;
  for (size_t k = 0; k < r->nunits; k++)
    {
      const unit_t *u = &r->units[k];
      if (u->search)
        continue;
      const char *t = r->text[k];
      size_t first = (size_t) (strchr (t, '\n') - t) + 1;
      fwrite (t, 1, first, fs->fp[F_INSTANCES]);
      fwrite (t + first, 1, r->len[k] - first, fs->fp[F_DEGREES]);
      rows[(*nrows)++] = r->rows[k];
    }
}

/* methods.csv from the search steps (a row `not run' where a method does
   not run), and the results read back into mres [method * nn + size].  */
static void
write_methods (files_t *fs, fgap_hardness_mres *mres, run_t *r)
{
  const fga_hardness_config *cfg = r->cfg;
  fgap_hardness_methods_header (fs->fp[F_METHODS]);
  for (size_t k = 0; k < r->nunits; k++)
    {
      const unit_t *u = &r->units[k];
      if (u->search)
        mres[u->j * cfg->nn + u->i] = r->mres[k];
    }
  for (size_t m = 0; m < cfg->nmethods; m++)
    for (size_t i = 0; i < cfg->nn; i++)
      {
        const fga_hardness_method *hm = &cfg->methods[m];
        size_t n = cfg->n[i];
        if (!runs_at (hm, n))
          fgap_hardness_method_skipped (&mres[m * cfg->nn + i], hm, n,
                                        2 * fgap_hardness_m_of (cfg, n));
        fgap_hardness_methods_row (fs->fp[F_METHODS], hm, &mres[m * cfg->nn + i]);
      }
}

static int
write_tables (files_t *fs, run_t *r, fga_error *err)
{
  const fga_hardness_config *cfg = r->cfg;
  size_t nrows;
  row_t *rows = fgap_calloc (cfg->nn * r->ninst + 1, sizeof *rows, "the rows", err);
  fgap_hardness_mres *mres = fgap_calloc (cfg->nmethods * cfg->nn + 1, sizeof *mres,
                                          "the methods' results", err);
  int rc = rows != NULL && mres != NULL ? FGA_OK : FGA_ERR_NOMEM;
  if (rc == FGA_OK)
    {
      write_instances (fs, rows, &nrows, r);
      write_methods (fs, mres, r);
      summarise (&r->sum, rows, nrows);
      write_summary (fs->fp[F_SUMMARY], &r->sum, cfg);
      fgap_hardness_methods_summary (fs->fp[F_SUMMARY], cfg, mres);
      if (write_json (fs->fp[F_JSON], cfg) != 0)
        rc = fgap_error_set (err, FGA_ERR_IO, "hardness.json: write error");
    }
  fgap_free (rows);
  fgap_free (mres);
  return rc;
}

/* Every step held: the five files, replaced together.  */
static int
write_outputs (run_t *r, fga_error *err)
{
  files_t fs;
  memset (&fs, 0, sizeof fs);
  if (r->nheld != r->nunits)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "hardness: the farm delivered %zu of the "
                           "%zu steps", r->nheld, r->nunits);
  int rc = open_files (&fs, r->outdir, err);
  if (rc == FGA_OK)
    rc = write_tables (&fs, r, err);
  rc = close_files (&fs, rc, err);
  if (rc == FGA_OK)
    rc = fga_atomic_group_commit (fs.group, err);
  /* Before a commit, destroying the group removes every temporary.  */
  fga_atomic_group_destroy (fs.group);
  return rc;
}

/* ------------------------------------------------------------------ */
/* The plan: the steps left, which only the master knows (it reads
   OUTDIR/.partial), or its failure, shared with every process of the
   farm so that none waits for steps that will not come.  As text:
   "fgattn-hardness-plan ok COUNT\n" and the indices of the steps, or
   "fgattn-hardness-plan error CODE\n" and the message.  */

static const char plan_magic[] = "fgattn-hardness-plan ";

static int
plan_share (const fga_farm *farm, run_t *r, int status, fga_error *err)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *fp = open_memstream (&buf, &len);
  if (fp == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "hardness: out of memory for the plan");
  if (status != FGA_OK)
    fprintf (fp, "%serror %d\n%s", plan_magic, status, err != NULL ? err->msg : "");
  else
    {
      fprintf (fp, "%sok %zu\n", plan_magic, r->ntodo);
      for (size_t t = 0; t < r->ntodo; t++)
        fprintf (fp, "%zu\n", r->todo[t]);
    }
  int rc = fclose (fp) == 0 ? FGA_OK
           : fgap_error_set (err, FGA_ERR_NOMEM, "hardness: out of memory for the plan");
  void *bytes = buf;
  fga_error sub;
  fga_error_init (&sub);
  if (rc == FGA_OK)
    rc = farm->share (farm, &bytes, &len, status == FGA_OK ? err : &sub);
  free (buf);
  return rc;
}

/* A worker's side: the master's plan into r->todo, or its error.  */
static int
plan_read (run_t *r, const char *text, size_t len, fga_error *err)
{
  size_t ml = sizeof plan_magic - 1, count;
  int code, pos = 0;
  if (len < ml || memcmp (text, plan_magic, ml) != 0 || memchr (text, '\0', len) != NULL)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "hardness: the master's plan is garbled");
  const char *p = text + ml;
  if (sscanf (p, "error %d\n%n", &code, &pos) == 1 && pos > 0)
    return fgap_error_set (err, code != FGA_OK ? code : FGA_ERR_COMPUTE, "%.*s",
                           (int) (len - (size_t) (p + pos - text)), p + pos);
  if (sscanf (p, "ok %zu\n%n", &count, &pos) != 1 || pos == 0 || count > r->nunits)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "hardness: the master's plan is garbled");
  p += pos;
  for (size_t t = 0; t < count; t++)
    {
      char *end;
      unsigned long k = strtoul (p, &end, 10);
      if (end == p || *end != '\n' || k >= r->nunits)
        return fgap_error_set (err, FGA_ERR_COMPUTE, "hardness: the master's plan is garbled");
      r->todo[t] = (size_t) k;
      r->todo_cost[t] = r->units[k].cost;
      p = end + 1;
    }
  r->ntodo = count;
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* The run.  */

static int
run_setup (run_t *r, const fga_hardness_config *cfg, const char *outdir, int serial,
           fga_error *err)
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

static void
run_teardown (run_t *r)
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
static void
plan_make (run_t *r, const fga_hardness_opts *opts)
{
  meter_t *mt = &r->meter;
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
   its share of the steps.  */
static int
run_worker (const fga_hardness_config *cfg, const fga_farm *farm, fga_error *err)
{
  void *plan = NULL;
  size_t len = 0;
  int rc = farm->share (farm, &plan, &len, err);
  if (rc != FGA_OK)
    return rc;
  run_t *r = fgap_calloc (1, sizeof *r, "the run", err);
  if (r == NULL)
    rc = FGA_ERR_NOMEM;
  if (rc == FGA_OK)
    rc = run_setup (r, cfg, NULL, 0, err);
  if (rc == FGA_OK)
    rc = plan_read (r, plan, len, err);
  free (plan);
  if (rc == FGA_OK)
    rc = farm->run (farm, r->ntodo, r->todo_cost, step_compute, step_deliver, r, err);
  if (r != NULL)
    run_teardown (r);
  fgap_free (r);
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

/* The master's hold on outdir.  */
typedef struct
{
  int made, lock_existed, locked;
  fgap_dir_lock lock;
  char lockpath[4096 + 8];
} folder_t;

/* Everything that can be refused is, before the folder is made; then the
   folder, made when missing, and its lock.  */
static int
folder_take (folder_t *fo, const fga_hardness_config *cfg, const char *outdir, fga_error *err)
{
  size_t bad_n;
  fga_error sub;
  fga_error_init (&sub);
  if (fgap_hardness_check_grid (cfg, &bad_n, &sub) != FGA_OK)
    return fgap_error_set (err, sub.code, "n = %zu: %s", bad_n, sub.msg);
  int rc = check_memory (cfg, err);
  if (rc != FGA_OK)
    return rc;
  snprintf (fo->lockpath, sizeof fo->lockpath, "%s/.lock", outdir);
  fo->made = mkdir (outdir, 0777) == 0;
  if (!fo->made && errno != EEXIST)
    return fgap_error_set (err, FGA_ERR_IO, "%s: cannot make the folder: %s", outdir,
                           strerror (errno));
  struct stat sb;
  fo->lock_existed = lstat (fo->lockpath, &sb) == 0;
  /* One writer per folder: a second run would replace these files half-way.  */
  rc = fgap_dir_lock_take (&fo->lock, outdir, err);
  if (rc != FGA_OK)
    {
      if (fo->made)
        rmdir (outdir);
      fo->made = 0;
      return rc;
    }
  fo->locked = 1;
  return FGA_OK;
}

/* A run that fails leaves the folder as it found it, but for the steps it
   finished (OUTDIR/.partial, for the next run): the lock file and the
   folder go when this run made them (the folder only when empty).  */
static void
folder_release (folder_t *fo, const char *outdir, int rc)
{
  if (!fo->locked)
    return;
  if (rc != FGA_OK && !fo->lock_existed)
    unlink (fo->lockpath);
  fgap_dir_lock_release (&fo->lock);
  if (rc != FGA_OK && fo->made)
    rmdir (outdir);
}

/* The master's run, r set up: the folder, the steps left, the plan shared
   with the farm's other processes (a failure too), the steps, the files.  */
static int
run_master (run_t *r, int rc, const char *outdir, const fga_hardness_opts *opts,
            const fga_farm *farm, fga_error *err)
{
  folder_t fo;
  memset (&fo, 0, sizeof fo);
  if (rc == FGA_OK)
    rc = folder_take (&fo, r->cfg, outdir, err);
  if (rc == FGA_OK)
    rc = partial_load (r, err);
  if (rc == FGA_OK)
    plan_make (r, opts);
  if (farm != NULL)
    {
      int shared = plan_share (farm, r, rc, err);
      if (rc == FGA_OK)
        rc = shared;
    }
  /* Without a farm, the local one without costs runs the steps here in
     the order of the list (ties go in task order).  */
  if (rc == FGA_OK && farm != NULL)
    rc = farm->run (farm, r->ntodo, r->todo_cost, step_compute, step_deliver, r, err);
  else if (rc == FGA_OK)
    rc = fga_farm_local.run (&fga_farm_local, r->ntodo, NULL, step_compute, step_deliver, r,
                             err);
  if (rc == FGA_OK)
    rc = write_outputs (r, err);
  if (fo.locked && (rc == FGA_OK || (r->nheld == 0 && r->partial_fresh)))
    partial_remove (r);
  folder_release (&fo, outdir, rc);
  if (rc == FGA_OK && opts != NULL && opts->summary != NULL)
    *opts->summary = r->sum;
  return rc;
}

int
fga_hardness_run (const fga_hardness_config *cfg, const char *outdir,
                  const fga_hardness_opts *opts, fga_error *err)
{
  const fga_farm *farm = opts != NULL ? opts->farm : NULL;
  /* The same answer in every process of a farm: refused by all.  */
  if (cfg->nn == 0 || cfg->nseeds == 0 || !(cfg->gap > 0))
    return fgap_error_set (err, FGA_ERR_INPUT, "the configuration is empty");
  if (strlen (outdir) + 32 >= 4096)
    return fgap_error_set (err, FGA_ERR_INPUT, "the folder name %s is too long", outdir);
  if (farm != NULL && !farm->is_master (farm))
    return run_worker (cfg, farm, err);
  int rc = FGA_OK;
  run_t *r = fgap_calloc (1, sizeof *r, "the run", err);
  if (r == NULL)
    {
      /* The farm's other processes still wait for the plan.  */
      if (farm != NULL)
        {
          run_t empty;
          memset (&empty, 0, sizeof empty);
          plan_share (farm, &empty, FGA_ERR_NOMEM, err);
        }
      return FGA_ERR_NOMEM;
    }
  rc = run_setup (r, cfg, outdir, farm == NULL, err);
  rc = run_master (r, rc, outdir, opts, farm, err);
  run_teardown (r);
  fgap_free (r);
  return rc;
}
