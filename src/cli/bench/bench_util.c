/* bench_util -- options, timed runs, progress, peak memory, the BLAS in use and the report
   of the benchmarks

   Every benchmark measures the same way: a few warm-up runs that pay for
   first touches of memory, the start of thread teams and OpenBLAS's
   buffers, and are not counted; then counted runs, whose median, least and
   largest times are reported, so that a reader sees the spread a shared
   machine gives and not one lucky figure.  */

/* dladdr and Dl_info (which library a symbol came from) are GNU
   extensions.  */
#define _GNU_SOURCE 1

#include <config.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#ifdef _OPENMP
# include <omp.h>
#endif
#include <cblas.h>

#include "fgattn.h"
#include "bench_util.h"

/* The automatic count of runs: as many as fill AUTO_SECONDS, from AUTO_MIN
   to AUTO_MAX, and never more than AUTO_LONG seconds of counted runs
   unless one run alone takes longer.  On 2 shared cores, 2 s of a short
   kernel give a stable median, and 3 runs of a long one its spread
   without tying the machine up for long.  */
#define AUTO_SECONDS 2.0
#define AUTO_MIN 3
#define AUTO_MAX 30
#define AUTO_LONG 60.0

const char bench_common_help[] =
  "  -w, --warmup N      runs made first and not counted (default 1)\n"
  "  -r, --runs N        counted runs, also --reps (default: as many as fill\n"
  "                      2 s, from 3 to 30, fewer where 3 would take over a\n"
  "                      minute, judged from the last warm-up run)\n"
  "  --format F          table (default), csv or json\n"
  "  --export-csv FILE   also write the results as CSV to FILE\n"
  "  --export-json FILE  also write them as JSON to FILE\n"
  "  -q, --quiet         no progress line on stderr\n"
  "  -h, --help          this help\n";

void
bench_opts_init (bench_opts *o, void (*usage) (FILE *out))
{
  memset (o, 0, sizeof *o);
  o->usage = usage;
  o->warmup = 1;
  o->runs = 0;
  o->fmt = CLI_TABLE;
  cli_files_init (&o->files);
}

int
bench_common_option (bench_opts *o, int opt, const char *arg, int *status)
{
  *status = CLI_OK;
  switch (opt)
    {
    case 'w':
    case BENCH_OPT_WARMUP:
      *status = cli_parse_long (&o->warmup, arg, opt == 'w' ? "-w" : "--warmup", 0,
                                BENCH_MAX_RUNS);
      return 1;
    case 'r':
    case BENCH_OPT_RUNS:
    case BENCH_OPT_REPS:
      *status = cli_parse_long (&o->runs, arg, opt == 'r' ? "-r" : opt == BENCH_OPT_RUNS
                                ? "--runs" : "--reps", 1, BENCH_MAX_RUNS);
      return 1;
    case BENCH_OPT_FORMAT:
      *status = cli_parse_format (&o->fmt, arg);
      return 1;
    case BENCH_OPT_CSV:
      o->export_csv = arg;
      return 1;
    case BENCH_OPT_JSON:
      o->export_json = arg;
      return 1;
    case 'q':
      o->quiet = 1;
      return 1;
    case 'h':
      o->usage (stdout);
      o->help = 1;
      return 1;
    case '?':
      *status = CLI_USAGE;
      return 1;
    default:
      return 0;
    }
}

int
bench_opts_check (bench_opts *o, int argc, char **argv)
{
  if (optind < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind]);
  if (o->export_csv != NULL)
    cli_files_output (&o->files, o->export_csv, "--export-csv");
  if (o->export_json != NULL)
    cli_files_output (&o->files, o->export_json, "--export-json");
  return cli_files_check (&o->files);
}

int
bench_parse_options (bench_opts *o, int argc, char **argv, const char *shortopts,
                     const struct option *longopts, bench_option_fn own, void *data)
{
  int c;
  optind = 1;
  while ((c = cli_getopt (argc, argv, shortopts, longopts)) != -1)
    {
      int rc = CLI_OK;
      if (!bench_common_option (o, c, optarg, &rc))
        rc = own (data, c, optarg);
      if (rc != CLI_OK || o->help)
        return rc;
    }
  return CLI_OK;
}

/* ---- values ------------------------------------------------------------ */

/* Calls item on each comma-separated element of text (at most max of
   them); CLI_OK or CLI_USAGE after a message.  */
static int
each_item (const char *text, const char *option, size_t max, size_t *count,
           int (*item) (const char *elem, size_t k, void *ctx), void *ctx)
{
  *count = 0;
  for (const char *p = text; *p != '\0' || *count == 0;)
    {
      size_t len = strcspn (p, ",");
      char elem[64];
      if (*count == max)
        return cli_usage_error ("%s %s: at most %zu values", option, text, max);
      if (len == 0 || len >= sizeof elem)
        return cli_usage_error ("%s %s: expected values separated by single commas", option,
                                text);
      snprintf (elem, sizeof elem, "%.*s", (int) len, p);
      int rc = item (elem, (*count)++, ctx);
      if (rc != CLI_OK)
        return rc;
      p += len;
      if (*p == ',' && *++p == '\0')
        return cli_usage_error ("%s %s: a value is missing after the last comma", option, text);
    }
  return CLI_OK;
}

typedef struct
{
  const char *option;
  size_t *sizes;
  double *reals;
  size_t lo, hi;
  double rlo, rhi;
} list_ctx;

static int
size_item (const char *elem, size_t k, void *ctx)
{
  list_ctx *c = ctx;
  return cli_parse_size (&c->sizes[k], elem, c->option, c->lo, c->hi);
}

static int
real_item (const char *elem, size_t k, void *ctx)
{
  list_ctx *c = ctx;
  return cli_parse_real (&c->reals[k], elem, c->option, c->rlo, c->rhi, FGA_PARSE_OPEN_MIN);
}

int
bench_parse_sizes (size_t *out, size_t *count, size_t max, const char *text,
                   const char *option, size_t lo, size_t hi)
{
  list_ctx c = { option, out, NULL, lo, hi, 0, 0 };
  return each_item (text, option, max, count, size_item, &c);
}

int
bench_parse_reals (double *out, size_t *count, size_t max, const char *text,
                   const char *option, double lo, double hi)
{
  list_ctx c = { option, NULL, out, 0, 0, lo, hi };
  return each_item (text, option, max, count, real_item, &c);
}

/* ---- progress ----------------------------------------------------------- */

void
bench_progress_init (bench_progress *p, const char *what, int quiet, size_t total,
                     double work_total)
{
  cli_progress_init (&p->pr, what, quiet);
  p->pr.unit = "measurements";
  p->done = 0;
  p->total = total;
  p->work_done = 0;
  p->work_total = work_total;
  p->weight = 0;
}

static void
progress_at (bench_progress *p, double fraction, const char *label)
{
  cli_progress_update (&p->pr, p->done, p->total, p->work_done + p->weight * fraction,
                       p->work_total, label);
}

void
bench_progress_next (bench_progress *p, const char *label)
{
  p->work_done += p->weight;
  p->weight = 0;
  p->done++;
  progress_at (p, 0, label);
}

void
bench_progress_end (bench_progress *p)
{
  cli_progress_end (&p->pr, "%zu measurements", p->done);
}

/* ---- timed runs --------------------------------------------------------- */

long
bench_auto_runs (double seconds)
{
  /* a run below the clock's resolution: the most runs, still a blink */
  if (!(seconds > 0))
    return AUTO_MAX;
  double r = ceil (AUTO_SECONDS / seconds);
  r = r < AUTO_MIN ? AUTO_MIN : r > AUTO_MAX ? AUTO_MAX : r;
  double cap = floor (AUTO_LONG / seconds);
  r = r > cap ? cap : r;
  return r < 1 ? 1 : (long) r;
}

double
bench_predicted (const bench_opts *o, double seconds)
{
  long runs = o->runs > 0 ? o->runs : bench_auto_runs (seconds);
  return (double) (o->warmup + runs) * seconds;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* One run, the progress line first moved to it.  */
static int
one_run (double *seconds, bench_progress *p, const char *label, int warm, long k, long of,
         long made, long planned, bench_run_fn run, void *ctx, fga_error *err)
{
  char line[160];
  snprintf (line, sizeof line, "%s, %s %ld of %ld", label, warm ? "warm-up" : "run", k + 1, of);
  progress_at (p, (double) made / (double) planned, line);
  return run (ctx, seconds, err);
}

int
bench_sample_runs (bench_sample *s, const bench_opts *o, bench_progress *p, const char *label,
                   bench_run_fn run, void *ctx, fga_error *err)
{
  double t[BENCH_MAX_RUNS], last = NAN;
  int rc = FGA_OK;
  s->warmup = s->runs = 0;
  s->median = s->min = s->max = NAN;
  /* until the count is known, the progress line assumes the least one */
  long want = o->runs, planned = o->warmup + (want > 0 ? want : AUTO_MIN);
  for (long k = 0; k < o->warmup && rc == FGA_OK; k++)
    if ((rc = one_run (&last, p, label, 1, k, o->warmup, k, planned, run, ctx, err)) == FGA_OK)
      s->warmup++;
  if (want == 0 && s->warmup > 0)
    want = bench_auto_runs (last);
  planned = o->warmup + (want > 0 ? want : AUTO_MIN);
  for (long k = 0; rc == FGA_OK && (want == 0 || k < want); k++)
    {
      rc = one_run (&t[k], p, label, 0, k, want > 0 ? want : AUTO_MIN, o->warmup + k, planned,
                    run, ctx, err);
      if (rc != FGA_OK)
        break;
      s->runs++;
      if (want == 0)
        {
          want = bench_auto_runs (t[0]);
          planned = o->warmup + want;
        }
    }
  if (s->runs == 0)
    return rc;
  qsort (t, (size_t) s->runs, sizeof t[0], cmp_double);
  long m = s->runs;
  s->min = t[0];
  s->max = t[m - 1];
  s->median = m % 2 ? t[m / 2] : (t[m / 2 - 1] + t[m / 2]) / 2;
  return rc;
}

/* ---- memory ------------------------------------------------------------- */

int
bench_reset_peak_rss (void)
{
  int fd = open ("/proc/self/clear_refs", O_WRONLY);
  int ok = fd >= 0 && write (fd, "5", 1) == 1;
  if (fd >= 0)
    close (fd);
  return ok;
}

double
bench_peak_rss (void)
{
  struct rusage ru;
  if (getrusage (RUSAGE_SELF, &ru) != 0)
    return NAN;
  return (double) ru.ru_maxrss * 1024.0;
}

/* ---- the BLAS in use ---------------------------------------------------- */

/* The BLAS is whatever configure found (OpenBLAS by pkg-config, else any
   "blas" with cblas_dgemm), and may be swapped at run time (Debian's
   alternatives).  So each library's own queries are weak: a null address
   means the library loaded has no such function.  */
#pragma weak openblas_get_config
#pragma weak bli_info_get_version_str
#pragma weak mkl_get_version_string
#pragma weak dladdr
extern char *openblas_get_config (void);
extern const char *bli_info_get_version_str (void);
extern void mkl_get_version_string (char *buf, int len);

/* The library's description of itself, or "" when it offers none.  */
static void
blas_name (char *buf, size_t size)
{
  buf[0] = '\0';
  if (openblas_get_config != NULL)
    snprintf (buf, size, "%s", openblas_get_config ());
  else if (bli_info_get_version_str != NULL)
    snprintf (buf, size, "BLIS %s", bli_info_get_version_str ());
  else if (mkl_get_version_string != NULL && size <= INT_MAX)
    mkl_get_version_string (buf, (int) size);
}

/* The file cblas_dgemm was loaded from, symbolic links resolved (Debian's
   alternatives point libblas.so.3 at one of several libraries), or "".  */
static void
blas_file (char *buf, size_t size)
{
  Dl_info info;
  char real[PATH_MAX];
  buf[0] = '\0';
  if (dladdr == NULL || dladdr ((void *) cblas_dgemm, &info) == 0 || info.dli_fname == NULL)
    return;
  snprintf (buf, size, "%s", realpath (info.dli_fname, real) != NULL ? real : info.dli_fname);
}

static void
fill_env (cli_table_t *t, const char *bench)
{
  char buf[PATH_MAX + 64];
  int threads = 1;
  /* first: what follows is read after fgattn's switch of kernels, if any */
  fga_blas_info bi;
  fga_blas_get (&bi);
#ifdef _OPENMP
  threads = omp_get_max_threads ();
#endif
  bench_set_text (t, 0, bench);
  bench_set_text (t, 1, fga_version ());
  bench_set_size (t, 2, (size_t) threads);
  blas_name (buf, sizeof buf);
  bench_set_text (t, 3, buf);
  blas_file (buf, sizeof buf);
  bench_set_text (t, 4, buf);
  if (bi.core[0] != '\0')
    bench_set_text (t, 5, bi.core);
  if (bi.threads > 0)
    bench_set_size (t, 6, (size_t) bi.threads);
  bench_set_text (t, 7, bi.version);
  bench_set_text (t, 8, bi.chosen);
  bench_set_text (t, 9, bi.not_switched);
}

/* ---- the report --------------------------------------------------------- */

static const char **
names_of (const bench_col *cols, size_t n)
{
  const char **names = malloc (n * sizeof *names);
  if (names == NULL)
    {
      fputs ("fgattn: out of memory\n", stderr);
      exit (CLI_FAILED);
    }
  for (size_t k = 0; k < n; k++)
    names[k] = cols[k].name;
  return names;
}

void
bench_report_init (bench_report *r, const char *bench, const bench_col *sum_cols, size_t nsum,
                   const bench_col *row_cols, size_t nrow)
{
  cli_table_init (&r->summary, nsum, names_of (sum_cols, nsum));
  cli_table_init (&r->rows, nrow, names_of (row_cols, nrow));
  r->sum_cols = sum_cols;
  r->row_cols = row_cols;
  r->legend = NULL;
  cli_table_new_row (&r->summary);
  fill_env (&r->summary, bench);
}

void
bench_report_clear (bench_report *r)
{
  free ((void *) r->summary.names);
  free ((void *) r->rows.names);
  cli_table_clear (&r->summary);
  cli_table_clear (&r->rows);
}

void
bench_set (cli_table_t *t, size_t col, double x)
{
  char b[64];
  cli_table_addf (t, col, "%s", cli_num (b, sizeof b, x));
}

void
bench_set_at (cli_table_t *t, size_t row, size_t col, double x)
{
  char b[64];
  char *copy = strdup (cli_num (b, sizeof b, x));
  if (copy == NULL)
    {
      fputs ("fgattn: out of memory\n", stderr);
      exit (CLI_FAILED);
    }
  free (t->cells[row * t->ncols + col]);
  t->cells[row * t->ncols + col] = copy;
}

void
bench_set_size (cli_table_t *t, size_t col, size_t v)
{
  cli_table_addf (t, col, "%zu", v);
}

void
bench_set_text (cli_table_t *t, size_t col, const char *text)
{
  cli_table_addf (t, col, "%s", text);
}

void
bench_set_sample (cli_table_t *t, size_t col, const bench_sample *s)
{
  bench_set_size (t, col, (size_t) s->warmup);
  bench_set_size (t, col + 1, (size_t) s->runs);
  if (s->runs == 0)
    return;
  bench_set (t, col + 2, s->median);
  bench_set (t, col + 3, s->min);
  bench_set (t, col + 4, s->max);
}

/* A copy of t for people: the numbers of each column with a format shown
   by it ("nan" stays "nan").  */
static void
for_people (cli_table_t *out, const cli_table_t *t, const bench_col *cols)
{
  cli_table_init (out, t->ncols, t->names);
  for (size_t r = 0; r < t->nrows; r++)
    {
      cli_table_new_row (out);
      for (size_t c = 0; c < t->ncols; c++)
        {
          const char *cell = t->cells[r * t->ncols + c];
          char *end;
          double x = strtod (cell, &end);
          if (cols[c].people != NULL && *cell != '\0' && *end == '\0')
            cli_table_addf (out, c, cols[c].people, x);
          else
            cli_table_addf (out, c, "%s", cell);
        }
    }
}

/* The rows with the summary's columns after each: one rectangular CSV.  */
static void
print_csv (const bench_report *r, FILE *out)
{
  size_t nr = r->rows.ncols, ns = r->summary.ncols;
  const char **names = malloc ((nr + ns) * sizeof *names);
  if (names == NULL)
    {
      fputs ("fgattn: out of memory\n", stderr);
      exit (CLI_FAILED);
    }
  memcpy (names, r->rows.names, nr * sizeof *names);
  memcpy (names + nr, r->summary.names, ns * sizeof *names);
  cli_table_t t;
  cli_table_init (&t, nr + ns, names);
  for (size_t i = 0; i < r->rows.nrows; i++)
    {
      cli_table_new_row (&t);
      for (size_t c = 0; c < nr; c++)
        cli_table_addf (&t, c, "%s", r->rows.cells[i * nr + c]);
      for (size_t c = 0; c < ns; c++)
        cli_table_addf (&t, nr + c, "%s", r->summary.cells[c]);
    }
  cli_table_print (&t, CLI_CSV, 0, out);
  cli_table_clear (&t);
  free (names);
}

static void
print_report (const bench_report *r, cli_format_t fmt, FILE *out)
{
  if (fmt == CLI_CSV)
    print_csv (r, out);
  else if (fmt == CLI_JSON)
    {
      fputs ("{\n\"summary\": ", out);
      cli_table_print (&r->summary, CLI_JSON, 1, out);
      fputs (",\n\"rows\": ", out);
      cli_table_print (&r->rows, CLI_JSON, 0, out);
      fputs ("}\n", out);
    }
  else
    {
      cli_table_t s, t;
      for_people (&s, &r->summary, r->sum_cols);
      for_people (&t, &r->rows, r->row_cols);
      cli_table_print (&s, CLI_TABLE, 1, out);
      fputc ('\n', out);
      if (t.nrows > 0)
        cli_table_print (&t, CLI_TABLE, 0, out);
      else
        fputs ("(nothing measured)\n", out);
      if (r->legend != NULL)
        fprintf (out, "\n%s", r->legend);
      cli_table_clear (&s);
      cli_table_clear (&t);
    }
}

/* Writes the report to the temporary of path, in fmt.  A library status. */
static int
export_one (const bench_report *r, bench_opts *o, const char *path, cli_format_t fmt,
            fga_error *err)
{
  fga_atomic_file af;
  int rc = fga_atomic_open (&af, cli_files_tmp (&o->files, path), err);
  if (rc == FGA_OK)
    {
      print_report (r, fmt, af.fp);
      rc = fga_atomic_commit (&af, err);
    }
  return rc;
}

int
bench_report_write (const bench_report *r, bench_opts *o)
{
  print_report (r, o->fmt, stdout);
  fflush (stdout);
  if (o->files.n == 0)
    return CLI_OK;
  fga_error err;
  fga_error_init (&err);
  int rc = cli_files_begin (&o->files, &err);
  if (rc == FGA_OK && o->export_csv != NULL)
    rc = export_one (r, o, o->export_csv, CLI_CSV, &err);
  if (rc == FGA_OK && o->export_json != NULL)
    rc = export_one (r, o, o->export_json, CLI_JSON, &err);
  if (cli_files_end (&o->files, rc, &err) != FGA_OK)
    return cli_fail (CLI_FAILED, "%s", err.msg);
  return CLI_OK;
}

int
bench_finish (bench_report *r, bench_opts *o, int failed)
{
  int rc = bench_report_write (r, o);
  bench_report_clear (r);
  if (rc == CLI_OK && failed > 0)
    rc = cli_fail (CLI_FAILED, "%d measurement%s failed (the rows with status 'failed')",
                   failed, failed == 1 ? "" : "s");
  return rc;
}

int
bench_measure (const bench_def *def, void *data, bench_opts *o, bench_report *rep,
               bench_progress *pr, size_t count, double work)
{
  bench_report_init (rep, def->bench, def->sum_cols, def->nsum, def->row_cols, def->nrow);
  rep->legend = def->legend;
  bench_progress_init (pr, cli_command, o->quiet, count, work);
  int failed = def->rows (data);
  bench_progress_end (pr);
  def->summary (data);
  return bench_finish (rep, o, failed);
}
