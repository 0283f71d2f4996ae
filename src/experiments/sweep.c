/* fga_sweep -- run an experiment grid into tidy CSV files, resuming where a run stopped

   Cells (n, dist, law, beta, seed) are taken in that order, and computed
   by sweep_cell.c.  A cell's rows are formatted in memory and written at
   once, file by file, each flushed and fsync'ed, the record of the cells
   done last: results.csv (or cost.csv, in a sweep without methods), where
   every cell has the same number of rows.  So a cell whose rows are all
   present in the record is complete in every file.  On a re-run the files
   are read back, every row of an incomplete cell (and a trailing line
   without its newline, what a kill leaves) is removed by rewriting the
   file atomically, and the complete cells are skipped.  */

#include "experiments/sweep-impl.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>
#ifdef _OPENMP
# include <omp.h>
#endif

/* The first field of a CSV line, unquoted, into buf.  */
static void
first_field (char *buf, size_t size, const char *line, size_t len)
{
  size_t k = 0, i = 0;
  if (len > 0 && line[0] == '"')
    {
      for (i = 1; i < len; i++)
        {
          if (line[i] == '"')
            {
              if (i + 1 < len && line[i + 1] == '"')
                i++;
              else
                break;
            }
          if (k + 1 < size)
            buf[k++] = line[i];
        }
    }
  else
    for (; i < len && line[i] != ',' && line[i] != '\n'; i++)
      if (k + 1 < size)
        buf[k++] = line[i];
  buf[k] = '\0';
}

/* ------------------------------------------------------------------ */
/* Files: resume and append.  */

static int
read_whole (char **buf, size_t *len, const char *path, fga_error *err)
{
  *buf = NULL;
  *len = 0;
  FILE *fp = fopen (path, "rb");
  if (fp == NULL)
    {
      if (errno == ENOENT)
        return FGA_OK;
      return fgap_error_set (err, FGA_ERR_IO, "%s: %s", path, strerror (errno));
    }
  size_t cap = 1 << 16, used = 0;
  char *b = malloc (cap + 1);
  while (b != NULL)
    {
      used += fread (b + used, 1, cap - used, fp);
      if (used < cap)
        break;
      char *nb = realloc (b, 2 * cap + 1);
      if (nb == NULL)
        {
          free (b);
          b = NULL;
          break;
        }
      b = nb;
      cap *= 2;
    }
  int bad = ferror (fp);
  fclose (fp);
  if (b == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: out of memory reading it", path);
  if (bad)
    {
      free (b);
      return fgap_error_set (err, FGA_ERR_IO, "%s: read error", path);
    }
  b[used] = '\0';
  *buf = b;
  *len = used;
  return FGA_OK;
}

typedef struct
{
  char **ids;                  /* complete cells, sorted */
  size_t count;
} done_set_t;

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
done_has (const done_set_t *s, const char *id)
{
  return s->count > 0
    && bsearch (&id, s->ids, s->count, sizeof *s->ids, cmp_str) != NULL;
}

static void
done_clear (done_set_t *s)
{
  for (size_t k = 0; k < s->count; k++)
    free (s->ids[k]);
  free (s->ids);
  s->ids = NULL;
  s->count = 0;
}

/* The cells of results.csv with exactly `rows' complete rows.  */
static int
find_done (done_set_t *s, const char *buf, size_t len, size_t rows, const char *path,
           const char *header, fga_error *err)
{
  s->ids = NULL;
  s->count = 0;
  if (len == 0)
    return FGA_OK;
  const char *nl = memchr (buf, '\n', len);
  if (nl == NULL)
    return FGA_OK;             /* a header cut short: nothing was done */
  if ((size_t) (nl - buf) + 1 != strlen (header) || memcmp (buf, header, strlen (header)) != 0)
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: not a sweep's file (its header differs); use another folder",
                          path);
  size_t cap = 0, nids = 0;
  char **ids = NULL;
  for (const char *p = nl + 1; p < buf + len;)
    {
      const char *e = memchr (p, '\n', (size_t) (buf + len - p));
      if (e == NULL)
        break;                 /* a partial last line */
      char id[256];
      first_field (id, sizeof id, p, (size_t) (e - p));
      if (nids == cap)
        {
          cap = cap ? 2 * cap : 64;
          char **n2 = realloc (ids, cap * sizeof *ids);
          if (n2 == NULL)
            goto nomem;
          ids = n2;
        }
      if ((ids[nids] = strdup (id)) == NULL)
        goto nomem;
      nids++;
      p = e + 1;
    }
  if (nids > 0)
    qsort (ids, nids, sizeof *ids, cmp_str);
  /* Keep one id per run of exactly `rows' equal ids.  */
  size_t kept = 0;
  for (size_t i = 0; i < nids;)
    {
      size_t j = i;
      while (j < nids && strcmp (ids[j], ids[i]) == 0)
        j++;
      if (j - i == rows && rows > 0)
        {
          char *keep = ids[i];
          ids[i] = NULL;
          for (size_t k = i + 1; k < j; k++)
            free (ids[k]);
          ids[kept++] = keep;
        }
      else
        for (size_t k = i; k < j; k++)
          free (ids[k]);
      i = j;
    }
  s->ids = ids;
  s->count = kept;
  return FGA_OK;
nomem:
  for (size_t k = 0; k < nids; k++)
    free (ids[k]);
  free (ids);
  return fgap_error_set (err, FGA_ERR_NOMEM, "%s: out of memory reading it", path);
}

/* Keeps, in the file at path, the header and the complete lines of complete
   cells; rewrites it atomically only when something goes.  */
static int
prune_file (const char *path, const char *buf, size_t len, const char *header,
            const done_set_t *done, fga_error *err)
{
  if (len == 0)
    return FGA_OK;
  const char *nl = memchr (buf, '\n', len);
  if (nl != NULL
      && ((size_t) (nl - buf) + 1 != strlen (header)
          || memcmp (buf, header, strlen (header)) != 0))
    return fgap_error_set (err, FGA_ERR_INPUT,
                          "%s: not a sweep's file (its header differs); use another folder",
                          path);
  char *keep = malloc (len + 1);
  if (keep == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: out of memory reading it", path);
  size_t used = 0;
  if (nl != NULL)
    {
      memcpy (keep, buf, (size_t) (nl - buf) + 1);
      used = (size_t) (nl - buf) + 1;
      for (const char *p = nl + 1; p < buf + len;)
        {
          const char *e = memchr (p, '\n', (size_t) (buf + len - p));
          if (e == NULL)
            break;
          char id[256];
          first_field (id, sizeof id, p, (size_t) (e - p));
          if (done_has (done, id))
            {
              memcpy (keep + used, p, (size_t) (e - p) + 1);
              used += (size_t) (e - p) + 1;
            }
          p = e + 1;
        }
    }
  int rc = FGA_OK;
  if (used != len)
    {
      fga_atomic_file af;
      rc = fga_atomic_open (&af, path, err);
      if (rc == FGA_OK)
        {
          fwrite (keep, 1, used, af.fp);
          if (fflush (af.fp) != 0 || fsync (fileno (af.fp)) != 0)
            {
              fga_atomic_abort (&af);
              rc = fgap_error_set (err, FGA_ERR_IO, "%s: %s", path, strerror (errno));
            }
          else
            rc = fga_atomic_commit (&af, err);
        }
    }
  free (keep);
  return rc;
}

/* The folders a run made (mkdir -p), so that a run that is refused or
   fails before writing anything can remove them again.  */
typedef struct
{
  char path[4096];
  size_t made[128];            /* ends of the components this run made */
  int nmade;
} made_dirs_t;

/* mkdir -p, remembering which components were made.  */
static int
make_dirs (made_dirs_t *md, const char *dir, fga_error *err)
{
  char *path = md->path;
  md->nmade = 0;
  if (snprintf (path, sizeof md->path, "%s", dir) >= (int) sizeof md->path)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: path too long", dir);
  for (char *p = path + 1;; p++)
    if (*p == '/' || *p == '\0')
      {
        char save = *p;
        *p = '\0';
        if (mkdir (path, 0777) == 0)
          {
            if (md->nmade < 128)
              md->made[md->nmade++] = (size_t) (p - path);
          }
        else if (errno != EEXIST)
          return fgap_error_set (err, FGA_ERR_IO, "%s: %s", path, strerror (errno));
        *p = save;
        if (save == '\0')
          break;
      }
  struct stat sb;
  if (stat (dir, &sb) != 0 || !S_ISDIR (sb.st_mode))
    return fgap_error_set (err, FGA_ERR_IO, "%s: not a folder", dir);
  return FGA_OK;
}

/* Removes the folders make_dirs made, deepest first, those left empty.  */
static void
unmake_dirs (made_dirs_t *md)
{
  for (int k = md->nmade - 1; k >= 0; k--)
    {
      md->path[md->made[k]] = '\0';
      if (rmdir (md->path) != 0)
        break;
    }
  md->nmade = 0;
}

/* The files a sweep writes in its folder, and those `fgattn report' writes
   there (NAME.dat, .gp, .png, .svg for the plots error-vs-*, least-size-*,
   rank-*), and the lock.  A configuration that is one of them would be
   overwritten, appended to or read back as a CSV file: refused.  Any other
   file in the folder (OUTDIR/my.conf) is a configuration like another.  */
static const char *const written_names[]
  = { "results.csv", "rank.csv", "least.csv", "cost.csv", "sweep.json", ".lock",
      "error-vs-B.md", "least-size.md", "exponents.md", "rank.md", "cost.md", NULL };
/* report's plots, and plan --table's (fgattn demo puts them in the folder) */
static const char *const plot_prefixes[]
  = { "error-vs-", "least-size-", "rank-", "cost-r-", "time-", "time.", "plan-r-", "plan-exponent-",
      NULL };
static const char *const plot_suffixes[] = { ".dat", ".gp", ".png", ".svg", NULL };

static int
same_file (const struct stat *a, const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Refuses (FGA_ERR_INPUT) a configuration file that is one of the files
   the run writes in outdir: the same device and inode as OUTDIR/NAME (a
   hard or symbolic link included), or a plot's name in outdir itself.  */
static int
check_config_not_output (const char *config, const char *outdir, fga_error *err)
{
  struct stat cs, os;
  char p[4096 + 64];
  if (config[0] == '\0' || stat (config, &cs) != 0)
    return FGA_OK;             /* not read from a file, or gone: read_whole says */
  for (int k = 0; written_names[k] != NULL; k++)
    {
      snprintf (p, sizeof p, "%s/%s", outdir, written_names[k]);
      if (stat (p, &os) == 0 && same_file (&cs, &os))
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: the configuration is %s, a file the "
                              "sweep writes; keep it outside the folder or under another "
                              "name", config, p);
    }
  const char *base = strrchr (config, '/');
  base = base != NULL ? base + 1 : config;
  size_t blen = strlen (base);
  int plot = 0;
  for (int i = 0; plot_prefixes[i] != NULL; i++)
    for (int j = 0; plot_suffixes[j] != NULL; j++)
      {
        size_t pl = strlen (plot_prefixes[i]), sl = strlen (plot_suffixes[j]);
        if (blen > pl + sl && strncmp (base, plot_prefixes[i], pl) == 0
            && strcmp (base + blen - sl, plot_suffixes[j]) == 0)
          plot = 1;
      }
  if (!plot)
    return FGA_OK;
  /* Is the configuration's folder outdir?  */
  size_t dlen = (size_t) (base - config);
  snprintf (p, sizeof p, "%.*s", (int) (dlen > 0 ? dlen : 1), dlen > 0 ? config : ".");
  struct stat ds;
  if (stat (p, &ds) == 0 && stat (outdir, &os) == 0 && same_file (&ds, &os))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: the configuration has the name of a plot "
                          "file `fgattn report' writes in %s; keep it outside the folder or "
                          "under another name", config, outdir);
  return FGA_OK;
}

/* The header of an existing CSV file of the folder, checked before
   anything is made: a foreign file is refused with nothing written.  */
static int
check_existing_header (const char *path, const char *header, fga_error *err)
{
  char *buf;
  size_t len;
  int rc = read_whole (&buf, &len, path, err);
  if (rc != FGA_OK || buf == NULL)
    return rc;
  const char *nl = memchr (buf, '\n', len);
  size_t hl = strlen (header);
  if (nl != NULL && ((size_t) (nl - buf) + 1 != hl || memcmp (buf, header, hl) != 0))
    rc = fgap_error_set (err, FGA_ERR_INPUT,
                        "%s: not a sweep's file (its header differs); use another folder",
                        path);
  free (buf);
  return rc;
}

/* sweep.json: the version, the configuration as given (the file as read
   before the folder was made, checked as fga_sweep_config_read checks it;
   null when the configuration was not read from a file), the host, the
   date and the seeds.  */
static int
read_config_text (char **text, size_t *len, const fga_sweep_config *cfg, fga_error *err)
{
  *text = NULL;
  *len = 0;
  int rc = FGA_OK;
  if (cfg->path[0] != '\0' && (rc = read_whole (text, len, cfg->path, err)) != FGA_OK)
    return rc;
  if (*text != NULL && (rc = fgap_config_check (cfg->path, *text, *len, err)) != FGA_OK)
    {
      free (*text);
      *text = NULL;
    }
  return rc;
}

static int
write_json (const char *path, const fga_sweep_config *cfg, const char *text, size_t len,
            fga_error *err)
{
  int rc;
  char host[256] = "";
  if (gethostname (host, sizeof host - 1) != 0)
    host[0] = '\0';
  char date[64];
  time_t now = time (NULL);
  struct tm tm;
  gmtime_r (&now, &tm);
  strftime (date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
  json_t *seeds = json_array ();
  for (size_t k = 0; k < cfg->nseeds; k++)
    json_array_append_new (seeds, json_integer ((json_int_t) cfg->seeds[k]));
  json_t *o = json_pack ("{s:s, s:s, s:o, s:s, s:s, s:o}", "fgattn_version", fga_version (),
                         "config_path", cfg->path,
                         "config", text != NULL ? json_stringn (text, len) : json_null (),
                         "host", host, "date", date, "seeds", seeds);
  if (o == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: out of memory, or a path or host name "
                          "that is not UTF-8", path);
  rc = fgap_json_write_atomic (path, o, JSON_INDENT (2), err);
  json_decref (o);
  return rc;
}

/* ------------------------------------------------------------------ */

typedef struct
{
  const fga_sweep_config *cfg;
  const fga_sweep_opts *opts;
  int nfiles;                  /* 3, or 4 with cost.csv */
  int record;                  /* the file that records the cells done */
  fgap_sweep_cell *cells;      /* the ones to run */
  size_t ncells, next;
  FILE *fp[FGAP_SWEEP_NFILES];
  char paths[FGAP_SWEEP_NFILES][4096];
  char headers[FGAP_SWEEP_NFILES][1024];
  fga_sweep_progress prog;
  double *fraction;            /* per cell to run: its share done */
  size_t *flight, nflight;     /* the cells in flight, by index, in the order they began */
  double t0;
  int rc;
  fga_error err;
  char jpath[4096], lpath[4096];   /* sweep.json, written before the first rows; .lock */
  char *config_text;
  size_t config_len;
  int json_done;
} sweep_t;

/* The weight of a cell in the ETA's cost model (fga_sweep_progress in
   fgattn/experiment.h states it): whole numbers, so that the sums are
   exact below 2^53.  */
static double
cell_work (const fga_sweep_config *cfg, const fgap_sweep_cell *c)
{
  double n = (double) c->n;
  return n * n * fgap_sweep_cell_units (cfg, c);
}

/* The work done within the cells in flight: the sum, in the order of the
   cells, of each one's share times its weight; each term only grows, and
   so does the sum (rounding is monotone).  */
static double
work_running (const sweep_t *s)
{
  double sum = 0;
  for (size_t k = 0; k < s->nflight; k++)
    sum += s->fraction[s->flight[k]] * cell_work (s->cfg, &s->cells[s->flight[k]]);
  return sum;
}

/* Calls the caller's function: after each cell begins, after each of its
   steps (current set, cell_fraction its share done) and after each cell
   ends (current NULL).  Under the lock.  */
static void
progress (sweep_t *s, const char *current, double fraction)
{
  if (s->opts == NULL || s->opts->progress == NULL)
    return;
  /* Every cell done: the sum, added in the order the cells ended, could
     differ from the total in its last bit (only beyond 2^53).  */
  if (s->prog.cells_done + s->prog.cells_skipped == s->prog.cells_total)
    s->prog.work_done = s->prog.work_total;
  s->prog.current = current;
  s->prog.cell_fraction = current != NULL ? fraction : 0;
  s->prog.work_running = work_running (s);
  s->prog.elapsed_seconds = fga_wall_time () - s->t0;
  s->opts->progress (&s->prog, s->opts->progress_data);
}

/* The cell at index k of s->cells begins (with share 0 done) or ends.  */
static void
flight_begin (sweep_t *s, size_t k)
{
  s->fraction[k] = 0;
  s->flight[s->nflight++] = k;
}

static void
flight_end (sweep_t *s, size_t k)
{
  for (size_t i = 0; i < s->nflight; i++)
    if (s->flight[i] == k)
      {
        memmove (&s->flight[i], &s->flight[i + 1], (s->nflight - i - 1) * sizeof *s->flight);
        s->nflight--;
        break;
      }
}

/* A step of a cell (fgap_sweep_cell_report): its share done, told to the
   caller.  */
static void
cell_step (void *data, const fgap_sweep_cell *c, double fraction)
{
  sweep_t *s = data;
#pragma omp critical (fga_sweep)
  {
    s->fraction[c - s->cells] = fraction;
    progress (s, c->id, fraction);
  }
}

/* Appends a cell's rows: the record of the cells done (results.csv, or
   cost.csv without methods) last, each file flushed to the disk before
   the next, so the record only ever names cells whose other rows are
   safe.  Called under the lock.  */
static int
append_cell (sweep_t *s, char *out[], size_t outlen[], fga_error *err)
{
  if (!s->json_done)
    {
      int rc = write_json (s->jpath, s->cfg, s->config_text, s->config_len, err);
      if (rc != FGA_OK)
        return rc;
      s->json_done = 1;
    }
  for (int k = 1; k <= s->nfiles; k++)
    {
      int f = (s->record + k) % s->nfiles;     /* the record last */
      FILE *fp = s->fp[f];
      if (outlen[f] > 0 && fwrite (out[f], 1, outlen[f], fp) != outlen[f])
        return fgap_error_set (err, FGA_ERR_IO, "%s: %s", s->paths[f], strerror (errno));
      if (fflush (fp) != 0 || fsync (fileno (fp)) != 0)
        return fgap_error_set (err, FGA_ERR_IO, "%s: %s", s->paths[f], strerror (errno));
    }
  return FGA_OK;
}

/* A worker: takes cells until none is left or one failed.  */
static void
worker (sweep_t *s)
{
  for (;;)
    {
      fgap_sweep_cell *c = NULL;
#pragma omp critical (fga_sweep)
      {
        if (s->rc == FGA_OK && s->next < s->ncells)
          {
            flight_begin (s, s->next);
            c = &s->cells[s->next++];
            progress (s, c->id, 0);
          }
      }
      if (c == NULL)
        {
          /* MPFR keeps caches (constants, exp tables) per thread, which
             only the thread can free; OpenMP ends surplus threads of its
             pool when a later region asks for fewer, and their caches
             would be lost.  */
          mpfr_free_cache2 (MPFR_FREE_LOCAL_CACHE);
          return;
        }
      char *out[FGAP_SWEEP_NFILES];
      size_t outlen[FGAP_SWEEP_NFILES];
      fga_error err;
      fga_error_init (&err);
      fgap_sweep_cell_report rep = { cell_step, s, { 0 } };
      int rc = fgap_sweep_cell_compute (out, outlen, s->cfg, c, &rep, &err);
#pragma omp critical (fga_sweep)
      {
        /* after another cell's failure, a cell's rows are not appended,
           and it is not counted as done */
        int appended = 0;
        if (rc == FGA_OK && s->rc == FGA_OK)
          appended = (rc = append_cell (s, out, outlen, &err)) == FGA_OK;
        if (rc != FGA_OK && s->rc == FGA_OK)
          {
            s->rc = rc;
            s->err = err;
            snprintf (s->err.msg, sizeof s->err.msg, "cell %s: %.700s", c->id, err.msg);
          }
        flight_end (s, (size_t) (c - s->cells));
        if (appended)
          {
            s->prog.cells_done++;
            s->prog.work_done += cell_work (s->cfg, c);
            s->prog.runs_ok += rep.runs[0];
            s->prog.runs_refused += rep.runs[1];
            s->prog.runs_failed += rep.runs[2];
            s->prog.runs_skipped += rep.runs[3];
            progress (s, NULL, 0);
          }
      }
      /* The rows are written or not; either way they go (the cell's
         computation leaves NULL after its own failure, and an append that
         fails, a full disk say, leaves them to us).  */
      for (int k = 0; k < FGAP_SWEEP_NFILES; k++)
        free (out[k]);
    }
}

/* The cells of the grid, in order, those done skipped.  */
static int
list_cells (sweep_t *s, const done_set_t *done, fga_error *err)
{
  const fga_sweep_config *cfg = s->cfg;
  size_t total = cfg->nn * cfg->ndists * cfg->nlaws * cfg->nb * cfg->nseeds;
  s->cells = calloc (total, sizeof *s->cells);
  s->fraction = calloc (total, sizeof *s->fraction);
  s->flight = calloc (total, sizeof *s->flight);
  if (s->cells == NULL || s->fraction == NULL || s->flight == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for %zu cells", total);
  for (size_t in = 0; in < cfg->nn; in++)
    for (size_t id = 0; id < cfg->ndists; id++)
      for (size_t il = 0; il < cfg->nlaws; il++)
        for (size_t ib = 0; ib < cfg->nb; ib++)
          for (size_t is = 0; is < cfg->nseeds; is++)
            {
              fgap_sweep_cell_make (&s->cells[s->ncells], cfg, in, id, il, ib, is);
              double w = cell_work (cfg, &s->cells[s->ncells]);
              s->prog.work_total += w;
              if (done_has (done, s->cells[s->ncells].id))
                {
                  s->prog.cells_skipped++;
                  s->prog.work_done += w;
                  s->prog.work_skipped += w;
                }
              else
                s->ncells++;
            }
  s->prog.cells_total = total;
  return FGA_OK;
}

/* Resume: what the record says is done, and nothing else, survives in
   the files; the cells left to run go to s->cells.  */
static int
resume (sweep_t *s, fga_error *err)
{
  char *bufs[FGAP_SWEEP_NFILES] = { NULL };
  size_t lens[FGAP_SWEEP_NFILES] = { 0 };
  done_set_t done = { NULL, 0 };
  int rc = FGA_OK;
  for (int k = 0; k < s->nfiles && rc == FGA_OK; k++)
    rc = read_whole (&bufs[k], &lens[k], s->paths[k], err);
  if (rc == FGA_OK)
    rc = find_done (&done, bufs[s->record], lens[s->record], fgap_sweep_rows_per_cell (s->cfg),
                    s->paths[s->record], s->headers[s->record], err);
  for (int k = 0; k < s->nfiles && rc == FGA_OK; k++)
    rc = prune_file (s->paths[k], bufs[k], lens[k], s->headers[k], &done, err);
  for (int k = 0; k < s->nfiles; k++)
    free (bufs[k]);
  if (rc == FGA_OK)
    rc = list_cells (s, &done, err);
  done_clear (&done);
  return rc;
}

/* Everything that can be refused is, before the folder is made: the
   configuration, the paths, a configuration among the outputs, files of
   another kind in the folder.  Reads the configuration's text for
   sweep.json.  */
static int
prepare (sweep_t *s, const char *outdir, int jobs, fga_error *err)
{
  const fga_sweep_config *cfg = s->cfg;
  int rc = fga_sweep_config_check (cfg, jobs, err);
  if (rc != FGA_OK)
    return rc;
  s->nfiles = cfg->cost.on ? FGAP_SWEEP_NFILES : FGAP_SWEEP_COST;
  s->record = fgap_sweep_record_file (cfg);
  for (int k = 0; k < s->nfiles; k++)
    {
      fgap_sweep_header (s->headers[k], sizeof s->headers[k], k);
      if (snprintf (s->paths[k], sizeof s->paths[k], "%s/%s", outdir,
                    fgap_sweep_file_names[k]) >= (int) sizeof s->paths[k])
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: path too long", outdir);
    }
  if (snprintf (s->jpath, sizeof s->jpath, "%s/sweep.json", outdir) >= (int) sizeof s->jpath
      || snprintf (s->lpath, sizeof s->lpath, "%s/.lock", outdir) >= (int) sizeof s->lpath)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: path too long", outdir);
  if ((rc = check_config_not_output (cfg->path, outdir, err)) != FGA_OK)
    return rc;
  for (int k = 0; k < s->nfiles; k++)
    if ((rc = check_existing_header (s->paths[k], s->headers[k], err)) != FGA_OK)
      return rc;
  return read_config_text (&s->config_text, &s->config_len, cfg, err);
}

/* Opens the files for appending, a header in those that are new or empty;
   created[k] says which this run made.  */
static int
open_files (sweep_t *s, int created[], fga_error *err)
{
  struct stat sb;
  for (int k = 0; k < s->nfiles; k++)
    {
      created[k] = lstat (s->paths[k], &sb) != 0;
      if ((s->fp[k] = fopen (s->paths[k], "ab")) == NULL)
        return fgap_error_set (err, FGA_ERR_IO, "%s: %s", s->paths[k], strerror (errno));
      if (fseek (s->fp[k], 0, SEEK_END) == 0 && ftell (s->fp[k]) == 0
          && (fputs (s->headers[k], s->fp[k]) == EOF || fflush (s->fp[k]) != 0))
        return fgap_error_set (err, FGA_ERR_IO, "%s: %s", s->paths[k], strerror (errno));
    }
  return FGA_OK;
}

/* Runs the cells, in parallel with jobs > 1.  */
static int
run_cells (sweep_t *s, int jobs, fga_error *err)
{
  if (jobs > 1 && s->ncells > 1)
    {
#pragma omp parallel num_threads (jobs)
      worker (s);
    }
  else
    worker (s);
  progress (s, NULL, 0);
  if (s->rc != FGA_OK && err != NULL)
    *err = s->err;
  return s->rc;
}

int
fga_sweep_run (const fga_sweep_config *cfg, const char *outdir, const fga_sweep_opts *opts,
               fga_error *err)
{
  sweep_t *s = calloc (1, sizeof *s);
  made_dirs_t *md = malloc (sizeof *md);
  if (s == NULL || md == NULL)
    {
      free (s);
      free (md);
      return fgap_error_set (err, FGA_ERR_NOMEM, "out of memory");
    }
  s->cfg = cfg;
  s->opts = opts;
  s->t0 = fga_wall_time ();
  fga_error_init (&s->err);
  int jobs = opts != NULL ? opts->jobs : 1;
  int rc = prepare (s, outdir, jobs, err);
  if (rc != FGA_OK)
    {
      free (s->config_text);
      free (s);
      free (md);
      return rc;
    }

  /* Then the folder and its lock, undone if the run writes nothing.  */
  md->nmade = 0;
  struct stat sb;
  int lock_existed = 0, json_existed = 0, locked = 0;
  int created[FGAP_SWEEP_NFILES] = { 0 };
  if ((rc = make_dirs (md, outdir, err)) == FGA_OK)
    {
      lock_existed = lstat (s->lpath, &sb) == 0;
      json_existed = lstat (s->jpath, &sb) == 0;
    }
  /* One writer per folder: two sweeps appending to the same files would
     interleave their rows and run the same cells twice.  */
  fgap_dir_lock lock;
  if (rc == FGA_OK && (rc = fgap_dir_lock_take (&lock, outdir, err)) == FGA_OK)
    locked = 1;
  if (rc == FGA_OK)
    rc = resume (s, err);
  if (rc == FGA_OK)
    rc = open_files (s, created, err);
  if (rc == FGA_OK)
    rc = run_cells (s, jobs, err);
  for (int k = 0; k < s->nfiles; k++)
    if (s->fp[k] != NULL && fclose (s->fp[k]) != 0 && rc == FGA_OK)
      rc = fgap_error_set (err, FGA_ERR_IO, "%s: %s", s->paths[k], strerror (errno));
  /* Nothing to run (every cell done): sweep.json still records this run.  */
  if (rc == FGA_OK && !s->json_done)
    rc = write_json (s->jpath, cfg, s->config_text, s->config_len, err);
  /* A run that fails before its first cell is appended leaves the folder
     as it found it: what it made goes (files holding only their header,
     sweep.json, the lock file, the folders, when this run made them).  */
  if (rc != FGA_OK && s->prog.cells_done == 0 && locked)
    {
      for (int k = 0; k < s->nfiles; k++)
        if (created[k])
          unlink (s->paths[k]);
      if (s->json_done && !json_existed)
        unlink (s->jpath);
      if (!lock_existed)
        unlink (s->lpath);
    }
  if (locked)
    fgap_dir_lock_release (&lock);
  if (rc != FGA_OK && s->prog.cells_done == 0)
    unmake_dirs (md);
  free (s->cells);
  free (s->fraction);
  free (s->flight);
  free (s->config_text);
  free (s);
  free (md);
  return rc;
}
