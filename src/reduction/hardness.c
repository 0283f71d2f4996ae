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
   degree is the least one from which the method is right for good.

   This file holds the rows of the five files, the summary, the folder and
   the entry point; the steps of a run, OUTDIR/.partial and the plan shared
   with a farm are in hardness_steps.c.  */

#include "core/fga-impl.h"
#include "core/mpfr-impl.h"
#include "reduction/reduction-impl.h"

#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>

/* ------------------------------------------------------------------ */
/* The rows of the files, and the summary read back from them.  */

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
void
fgap_hardness_instance_row (FILE *fp, const fgap_hardness_row *w, const fga_hardness_config *cfg)
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
int
fgap_hardness_instance_parse (fgap_hardness_row *w, char *line, size_t n, unsigned long seed,
                              int planted)
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
summarise_size (fga_hardness_size *z, size_t *count, const fgap_hardness_row *rows,
                size_t nrows)
{
  const fgap_hardness_row *w0 = &rows[0];
  memset (z, 0, sizeof *z);
  z->n = w0->n, z->N = 2 * w0->n, z->m = w0->m, z->d = w0->d, z->t = w0->t;
  z->s_over_sqrt_ln_n = w0->info.s_over_sqrt_ln_n;
  z->accuracy = w0->info.accuracy;
  z->R_lo = INFINITY;
  size_t b = 0;
  for (; b < nrows && rows[b].n == w0->n; b++)
    {
      const fgap_hardness_row *w = &rows[b];
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
summarise (fga_hardness_summary *sum, const fgap_hardness_row *rows, size_t nrows)
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
int
fgap_hardness_runs_at (const fga_hardness_method *m, size_t n)
{
  return m->max_n == 0 || n <= m->max_n;
}

int
fgap_hardness_methods_at (const fga_hardness_config *cfg, size_t n)
{
  for (size_t k = 0; k < cfg->nmethods; k++)
    if (fgap_hardness_runs_at (&cfg->methods[k], n))
      return 1;
  return 0;
}

/* The rows of degrees.csv of w's instance, one per degree scanned.  */
void
fgap_hardness_degree_rows (FILE *fp, const fgap_hardness_row *w,
                           const fga_reduction_scan *scan)
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
write_instances (files_t *fs, fgap_hardness_row *rows, size_t *nrows,
                 fgap_hardness_state *r)
{
  instances_header (fs->fp[F_INSTANCES]);
  fputs ("n,seed,planted,g,max_o,verdict,correct,dummy_fail\n", fs->fp[F_DEGREES]);
  *nrows = 0;
  for (size_t k = 0; k < r->nunits; k++)
    {
      const fgap_hardness_unit *u = &r->units[k];
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
write_methods (files_t *fs, fgap_hardness_mres *mres, fgap_hardness_state *r)
{
  const fga_hardness_config *cfg = r->cfg;
  fgap_hardness_methods_header (fs->fp[F_METHODS]);
  for (size_t k = 0; k < r->nunits; k++)
    {
      const fgap_hardness_unit *u = &r->units[k];
      if (u->search)
        mres[u->j * cfg->nn + u->i] = r->mres[k];
    }
  for (size_t m = 0; m < cfg->nmethods; m++)
    for (size_t i = 0; i < cfg->nn; i++)
      {
        const fga_hardness_method *hm = &cfg->methods[m];
        size_t n = cfg->n[i];
        if (!fgap_hardness_runs_at (hm, n))
          fgap_hardness_method_skipped (&mres[m * cfg->nn + i], hm, n,
                                        2 * fgap_hardness_m_of (cfg, n));
        fgap_hardness_methods_row (fs->fp[F_METHODS], hm, &mres[m * cfg->nn + i]);
      }
}

static int
write_tables (files_t *fs, fgap_hardness_state *r, fga_error *err)
{
  const fga_hardness_config *cfg = r->cfg;
  size_t nrows;
  fgap_hardness_row *rows = fgap_calloc (cfg->nn * r->ninst + 1, sizeof *rows, "the rows",
                                         err);
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
write_outputs (fgap_hardness_state *r, fga_error *err)
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
/* The run.  */

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
      if (fgap_hardness_methods_at (cfg, n) && !(2 * bytes < phys))
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
   with the farm's other processes (a failure too), the steps, the files.
   After a plan of steps every process enters the run, the master too when
   its share of the plan failed (fgap_farm_run_failed).  */
static int
run_master (fgap_hardness_state *r, int rc, const char *outdir, const fga_hardness_opts *opts,
            const fga_farm *farm, fga_error *err)
{
  folder_t fo;
  memset (&fo, 0, sizeof fo);
  if (rc == FGA_OK)
    rc = folder_take (&fo, r->cfg, outdir, err);
  if (rc == FGA_OK)
    rc = fgap_hardness_partial_load (r, err);
  if (rc == FGA_OK)
    fgap_hardness_plan_make (r, opts);
  if (farm != NULL)
    {
      int listed;
      rc = fgap_hardness_plan_share (farm, r, rc, &listed, err);
      if (rc != FGA_OK && listed)
        fgap_farm_run_failed (farm, r->ntodo, r->todo_cost, rc, err);
    }
  /* Without a farm, the local one without costs runs the steps here in
     the order of the list (ties go in task order).  */
  if (rc == FGA_OK && farm != NULL)
    rc = farm->run (farm, r->ntodo, r->todo_cost, fgap_hardness_step_compute,
                    fgap_hardness_step_deliver, r, err);
  else if (rc == FGA_OK)
    rc = fga_farm_local.run (&fga_farm_local, r->ntodo, NULL, fgap_hardness_step_compute,
                             fgap_hardness_step_deliver, r, err);
  if (rc == FGA_OK)
    rc = write_outputs (r, err);
  if (fo.locked && (rc == FGA_OK || (r->nheld == 0 && r->partial_fresh)))
    fgap_hardness_partial_remove (r);
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
    return fgap_hardness_run_worker (cfg, farm, err);
  int rc = FGA_OK;
  fgap_hardness_state *r = fgap_calloc (1, sizeof *r, "the run", err);
  if (r == NULL)
    {
      /* The farm's other processes still wait for the plan.  */
      if (farm != NULL)
        {
          fgap_hardness_state empty;
          int listed;
          memset (&empty, 0, sizeof empty);
          fgap_hardness_plan_share (farm, &empty, FGA_ERR_NOMEM, &listed, err);
        }
      return FGA_ERR_NOMEM;
    }
  rc = fgap_hardness_run_setup (r, cfg, outdir, farm == NULL, err);
  rc = run_master (r, rc, outdir, opts, farm, err);
  fgap_hardness_run_teardown (r);
  fgap_free (r);
  return rc;
}