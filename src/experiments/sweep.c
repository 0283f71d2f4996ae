/* fga_sweep -- run an experiment grid into tidy CSV files, resuming where a run stopped

   Cells (n, dist, law, beta, seed) are taken in that order, and computed
   by sweep_cell.c.  A cell's rows are formatted in memory and written at
   once, file by file, each flushed and fsync'ed, the record of the cells
   done last: results.csv (or cost.csv, in a sweep without methods), where
   every cell has the same number of rows.  So a cell whose rows are all
   present in the record is complete in every file.  On a re-run the files
   are read back, every row of an incomplete cell (and a trailing line
   without its newline, what a kill leaves) is removed by rewriting the
   file atomically, and the complete cells are skipped.

   With a farm the master does all of that and the farm computes the
   cells anywhere; each comes back as bytes that are checked to be that
   cell's rows before they are appended (below, "With a farm").  A shard
   runs its share of the grid alone (below, "Shards").  */

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

/* Keeps, in the file at path, the header and the complete lines of complete
   cells; rewrites it atomically only when something goes.  */
static int
prune_file (const char *path, const char *buf, size_t len, const char *header,
            const fgap_sweep_done *done, fga_error *err)
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
          fgap_sweep_first_field (id, sizeof id, p, (size_t) (e - p));
          if (fgap_sweep_done_has (done, id))
            {
              memcpy (keep + used, p, (size_t) (e - p) + 1);
              used += (size_t) (e - p) + 1;
            }
          p = e + 1;
        }
    }
  int rc = used != len ? fgap_sweep_rewrite (path, keep, used, err) : FGA_OK;
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
  int rc = fgap_sweep_read_whole (&buf, &len, path, err);
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
  if (cfg->path[0] != '\0' && (rc = fgap_sweep_read_whole (text, len, cfg->path, err)) != FGA_OK)
    return rc;
  if (*text != NULL && (rc = fgap_config_check (cfg->path, *text, *len, err)) != FGA_OK)
    {
      free (*text);
      *text = NULL;
    }
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
  const fga_farm *farm;        /* NULL: the cells run here, jobs at once */
  int master;                  /* this process writes (always, without a farm) */
  unsigned char *in_share;     /* per grid index: the cell is this run's (NULL: all are) */
  json_t *shard_json;          /* sweep.json's "shard", or NULL */
} sweep_t;

/* The weight of a cell in the ETA's cost model (fga_sweep_progress in
   fgattn/experiment.h states it): whole numbers, so that the sums are
   exact below 2^53.  */
#define cell_work fgap_sweep_cell_work

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
      int rc = fgap_sweep_write_json (s->jpath, s->cfg, NULL, s->cfg->path, s->config_text,
                                      s->config_len, NULL, s->shard_json, err);
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

/* The cells of the grid (of the shard's share), in order, those done
   skipped.  */
static int
list_cells (sweep_t *s, const fgap_sweep_done *done, fga_error *err)
{
  const fga_sweep_config *cfg = s->cfg;
  size_t total = fgap_sweep_ncells (cfg), mine = 0;
  s->cells = calloc (total + 1, sizeof *s->cells);
  s->fraction = calloc (total + 1, sizeof *s->fraction);
  s->flight = calloc (total + 1, sizeof *s->flight);
  if (s->cells == NULL || s->fraction == NULL || s->flight == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for %zu cells", total);
  for (size_t k = 0; k < total; k++)
    {
      if (s->in_share != NULL && !s->in_share[k])
        continue;
      mine++;
      fgap_sweep_cell_at (&s->cells[s->ncells], cfg, k);
      double w = cell_work (cfg, &s->cells[s->ncells]);
      s->prog.work_total += w;
      if (fgap_sweep_done_has (done, s->cells[s->ncells].id))
        {
          s->prog.cells_skipped++;
          s->prog.work_done += w;
          s->prog.work_skipped += w;
        }
      else
        s->ncells++;
    }
  s->prog.cells_total = mine;
  return FGA_OK;
}

/* Resume: what the record says is done, and nothing else, survives in
   the files; the cells left to run go to s->cells.  */
static int
resume (sweep_t *s, fga_error *err)
{
  char *bufs[FGAP_SWEEP_NFILES] = { NULL };
  size_t lens[FGAP_SWEEP_NFILES] = { 0 };
  fgap_sweep_done done = { NULL, 0 };
  int rc = FGA_OK;
  for (int k = 0; k < s->nfiles && rc == FGA_OK; k++)
    rc = fgap_sweep_read_whole (&bufs[k], &lens[k], s->paths[k], err);
  if (rc == FGA_OK)
    rc = fgap_sweep_find_done (&done, bufs[s->record], lens[s->record],
                               fgap_sweep_rows_per_cell (s->cfg), s->paths[s->record],
                               s->headers[s->record], err);
  for (int k = 0; k < s->nfiles && rc == FGA_OK; k++)
    rc = prune_file (s->paths[k], bufs[k], lens[k], s->headers[k], &done, err);
  for (int k = 0; k < s->nfiles; k++)
    free (bufs[k]);
  if (rc == FGA_OK)
    rc = list_cells (s, &done, err);
  fgap_sweep_done_clear (&done);
  return rc;
}

/* ------------------------------------------------------------------ */
/* Shards.  A shard's share is fixed by its first run and recorded in
   sweep.json ("shard": index, count and the cells' ids), so that a shard
   resumed by another fgattn, whose cost model weighs cells otherwise,
   still runs the cells it began with and no other shard's.  */

/* The "shard" object of an existing outdir/sweep.json (NULL when there is
   none, or the file is not JSON: it is rewritten anyway), and whether the
   file exists.  */
static json_t *
recorded_shard (const char *jpath, int *exists)
{
  json_error_t jerr;
  json_t *o = json_load_file (jpath, 0, &jerr);
  *exists = o != NULL;
  json_t *rec = o != NULL ? json_object_get (o, "shard") : NULL;
  if (rec != NULL)
    json_incref (rec);
  json_decref (o);
  return rec;
}

/* The share from the recorded ids: FGA_ERR_INPUT for an id outside the grid.  */
static int
share_from_record (sweep_t *s, json_t *cells, const fgap_sweep_id *ids, size_t nids,
                   fga_error *err)
{
  size_t k;
  json_t *v;
  json_array_foreach (cells, k, v)
    {
      size_t at = json_is_string (v) ? fgap_sweep_id_index (ids, nids, json_string_value (v))
        : SIZE_MAX;
      if (at == SIZE_MAX)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: its shard lists a cell (%s) that is not "
                              "in this configuration's grid; resume it with the configuration "
                              "it was begun with", s->jpath,
                              json_is_string (v) ? json_string_value (v) : "not a string");
      s->in_share[at] = 1;
    }
  return FGA_OK;
}

/* Checks the folder against the shard asked for (none: a plain run), and
   sets this run's share and sweep.json's "shard".  */
static int
shard_prepare (sweep_t *s, fga_error *err)
{
  size_t idx = s->opts != NULL ? s->opts->shard_index : 0;
  size_t cnt = s->opts != NULL ? s->opts->shard_count : 0;
  if (cnt > 0 && (idx < 1 || idx > cnt))
    return fgap_error_set (err, FGA_ERR_INPUT, "shard %zu/%zu: the index must be 1 to %zu",
                          idx, cnt, cnt);
  int exists;
  json_t *rec = recorded_shard (s->jpath, &exists);
  json_int_t ri = rec != NULL ? json_integer_value (json_object_get (rec, "index")) : 0;
  json_int_t rn = rec != NULL ? json_integer_value (json_object_get (rec, "count")) : 0;
  json_t *rcells = rec != NULL ? json_object_get (rec, "cells") : NULL;
  int rc = FGA_OK;
  if (rec != NULL && cnt == 0)
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s holds shard %lld/%lld of a sweep: resume it "
                        "with that shard, or merge the shards into another folder",
                        s->jpath, (long long) ri, (long long) rn);
  else if (rec != NULL
           && (ri != (json_int_t) idx || rn != (json_int_t) cnt || !json_is_array (rcells)))
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s holds shard %lld/%lld, not %zu/%zu; use "
                        "another folder", s->jpath, (long long) ri, (long long) rn, idx, cnt);
  else if (rec == NULL && cnt > 0 && exists)
    rc = fgap_error_set (err, FGA_ERR_INPUT, "%s holds a sweep that is not a shard; use "
                        "another folder for shard %zu/%zu", s->jpath, idx, cnt);
  if (rc != FGA_OK || cnt == 0)
    {
      json_decref (rec);
      return rc;
    }

  fgap_sweep_cell *grid = NULL;
  fgap_sweep_id *ids = NULL;
  size_t n = fgap_sweep_ncells (s->cfg);
  size_t *shard_of = calloc (n + 1, sizeof *shard_of);
  s->in_share = calloc (n + 1, 1);
  if (shard_of == NULL || s->in_share == NULL)
    rc = fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for %zu cells", n);
  if (rc == FGA_OK)
    rc = fgap_sweep_grid (&grid, &ids, s->cfg, err);
  if (rc == FGA_OK && rec != NULL)
    rc = share_from_record (s, rcells, ids, n, err);
  else if (rc == FGA_OK && (rc = fgap_sweep_shares (shard_of, s->cfg, grid, n, cnt, err)) == FGA_OK)
    for (size_t k = 0; k < n; k++)
      s->in_share[k] = shard_of[k] == idx - 1;
  json_t *list = json_array ();
  for (size_t k = 0; rc == FGA_OK && k < n; k++)
    if (s->in_share[k] && json_array_append_new (list, json_string (grid[k].id)) != 0)
      rc = fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for sweep.json");
  if (rc == FGA_OK
      && (s->shard_json = json_pack ("{s:I, s:I, s:O}", "index", (json_int_t) idx, "count",
                                     (json_int_t) cnt, "cells", list)) == NULL)
    rc = fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for sweep.json");
  json_decref (list);
  json_decref (rec);
  free (shard_of);
  free (grid);
  free (ids);
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
  if ((rc = shard_prepare (s, err)) != FGA_OK)
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

/* ------------------------------------------------------------------ */
/* With a farm.  The master alone prepares the folder and resumes; it
   shares the plan (the grid indexes of the cells left, or its failure),
   every process runs the farm, and the master appends each cell as it is
   delivered.  Bytes between processes are little-endian 64-bit words, so
   that the plan and a cell read the same on every machine.

   Every process makes the same calls: the share of the plan, then, after
   a plan of cells, the run.  A process that fails in between (no memory,
   a plan it cannot read) enters the run all the same, with
   fgap_farm_run_failed, so that its error reaches the master and stops
   the run rather than leaving the master waiting for it; after the
   master's failure no process enters the run.  */

#define PLAN_MAGIC 0x314e414c50574746ull     /* "FGWPLAN1" */
#define CELL_MAGIC 0x314c4c4543574746ull     /* "FGWCELL1" */

static void
put_u64 (unsigned char *p, uint64_t v)
{
  for (int k = 0; k < 8; k++)
    p[k] = (unsigned char) (v >> (8 * k));
}

static uint64_t
get_u64 (const unsigned char *p)
{
  uint64_t v = 0;
  for (int k = 0; k < 8; k++)
    v |= (uint64_t) p[k] << (8 * k);
  return v;
}

/* The plan: magic, status, the message's length and bytes (a failure), the
   count of cells and their grid indexes.  Its head, at b (32 + mlen
   bytes): */
static void
plan_put_head (unsigned char *b, int status, const char *msg, size_t mlen, size_t n)
{
  put_u64 (b, PLAN_MAGIC);
  put_u64 (b + 8, (uint64_t) (int64_t) status);
  put_u64 (b + 16, mlen);
  memcpy (b + 24, msg, mlen);
  put_u64 (b + 24 + mlen, n);
}

/* A plan of the cells of s (malloc'd), or FGA_ERR_NOMEM.  */
static int
plan_encode (unsigned char **buf, size_t *len, const sweep_t *s)
{
  *len = 32 + 8 * s->ncells;
  if ((*buf = malloc (*len)) == NULL)
    return FGA_ERR_NOMEM;
  plan_put_head (*buf, FGA_OK, "", 0, s->ncells);
  for (size_t k = 0; k < s->ncells; k++)
    put_u64 (*buf + 32 + 8 * k, s->cells[k].index);
  return FGA_OK;
}

/* Shares the master's failure (status, why's message; why may be NULL),
   made without allocating so that the workers hear of it even when memory
   is short.  Returns status.  */
static int
share_failure (const fga_farm *farm, int status, const fga_error *why)
{
  unsigned char b[32 + FGA_MSG_SIZE];
  size_t mlen = why != NULL ? strnlen (why->msg, FGA_MSG_SIZE) : 0;
  plan_put_head (b, status, why != NULL ? why->msg : "", mlen, 0);
  void *bytes = b;
  size_t len = 32 + mlen;
  fga_error sub;
  fga_error_init (&sub);
  farm->share (farm, &bytes, &len, &sub);
  return status;
}

/* The master's side: the plan of its cells, or its failure (status, err's
   message), so that no worker waits for cells that will not come.  When
   the farm's share of a plan of cells fails, some workers may have it and
   enter the run: so does the master, failing it with that error.  */
static int
plan_share (sweep_t *s, int status, fga_error *err)
{
  unsigned char *buf = NULL;
  size_t len = 0;
  if (status == FGA_OK && plan_encode (&buf, &len, s) != FGA_OK)
    status = fgap_error_set (err, FGA_ERR_NOMEM, "out of memory sharing the sweep's plan");
  if (status != FGA_OK)
    return share_failure (s->farm, status, err);
  void *bytes = buf;
  int rc = s->farm->share (s->farm, &bytes, &len, err);
  free (buf);
  if (rc != FGA_OK)
    fgap_farm_run_failed (s->farm, s->ncells, NULL, rc, err);
  return rc;
}

static const char plan_damaged[] = "the sweep's plan from the farm's master is damaged";

/* A worker's reading of the head of the plan (len bytes at b): FGA_OK with
   the count of its cells and where their indexes begin; or the master's
   failure as this process's own (*master_runs 0: no process runs the
   cells); or FGA_ERR_IO when it is damaged (*master_runs 1: a failure's
   plan is whole, so the master sent cells, as many as the bytes hold).  */
static int
plan_head (size_t *count, const unsigned char **body, int *master_runs, const unsigned char *b,
           size_t len, fga_error *err)
{
  *count = 0, *body = NULL, *master_runs = 1;
  if (len < 32 || get_u64 (b) != PLAN_MAGIC || get_u64 (b + 16) > len - 32)
    return fgap_error_set (err, FGA_ERR_IO, "%s", plan_damaged);
  int status = (int) (int64_t) get_u64 (b + 8);
  size_t mlen = get_u64 (b + 16), held = (len - 32 - mlen) / 8;
  if (status != FGA_OK)
    {
      *master_runs = 0;
      if (status != FGA_ERR_INPUT && status != FGA_ERR_NOMEM && status != FGA_ERR_IO
          && status != FGA_ERR_COMPUTE)
        status = FGA_ERR_IO;
      return fgap_error_set (err, status, "%.*s", (int) mlen, (const char *) b + 24);
    }
  *count = held;
  if (get_u64 (b + 24 + mlen) != held || (len - 32 - mlen) % 8 != 0)
    return fgap_error_set (err, FGA_ERR_IO, "%s", plan_damaged);
  *body = b + 32 + mlen;
  return FGA_OK;
}

/* The plan's count cells (their indexes at body) into s->cells.  More
   cells than this process's grid has, or an index beyond it, means that it
   read another configuration than the master's.  */
static int
plan_cells (sweep_t *s, const unsigned char *body, size_t count, fga_error *err)
{
  static const char same[] = "do all the processes read the same configuration?";
  size_t total = fgap_sweep_ncells (s->cfg);
  if (count > total)
    return fgap_error_set (err, FGA_ERR_COMPUTE, "the sweep's plan from the farm's master has "
                           "%zu cells, more than the %zu of this process's grid: %s", count,
                           total, same);
  s->cells = calloc (count + 1, sizeof *s->cells);
  if (s->cells == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for %zu cells", count);
  for (size_t k = 0; k < count; k++)
    {
      uint64_t at = get_u64 (body + 8 * k);
      if (at >= total)
        return fgap_error_set (err, FGA_ERR_COMPUTE, "the sweep's plan from the farm's master "
                               "names cell %llu, beyond the %zu of this process's grid: %s",
                               (unsigned long long) at, total, same);
      fgap_sweep_cell_at (&s->cells[k], s->cfg, (size_t) at);
    }
  s->ncells = count;
  return FGA_OK;
}

/* A cell's bytes: magic, grid index, the four counts of runs by status,
   the four files' lengths, then their rows.  */
static int
farm_compute (size_t task, void **bytes, size_t *len, void *data, fga_error *err)
{
  sweep_t *s = data;
  fgap_sweep_cell *c = &s->cells[task];
  /* Progress within a cell is told only where it is computed in the
     master's process; the others' cells move the line when delivered.  */
  fgap_sweep_cell_report rep = { s->master ? cell_step : NULL, s, { 0 } };
  if (s->master)
#pragma omp critical (fga_sweep)
    {
      flight_begin (s, task);
      progress (s, c->id, 0);
    }
  char *out[FGAP_SWEEP_NFILES];
  size_t outlen[FGAP_SWEEP_NFILES], total = 80;
  fga_error cerr;
  fga_error_init (&cerr);
  int rc = fgap_sweep_cell_compute (out, outlen, s->cfg, c, &rep, &cerr);
  if (rc != FGA_OK)
    return fgap_error_set (err, rc, "cell %s: %.700s", c->id, cerr.msg);
  for (int k = 0; k < FGAP_SWEEP_NFILES; k++)
    total += outlen[k];
  unsigned char *b = malloc (total);
  if (b == NULL)
    rc = fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for the rows of cell %s", c->id);
  else
    {
      put_u64 (b, CELL_MAGIC);
      put_u64 (b + 8, c->index);
      size_t at = 80;
      for (int k = 0; k < FGAP_SWEEP_NFILES; k++)
        {
          put_u64 (b + 16 + 8 * k, rep.runs[k]);
          put_u64 (b + 48 + 8 * k, outlen[k]);
          memcpy (b + at, out[k], outlen[k]);
          at += outlen[k];
        }
      *bytes = b;
      *len = total;
    }
  for (int k = 0; k < FGAP_SWEEP_NFILES; k++)
    free (out[k]);
  return rc;
}

/* Whether rows (len bytes) are whole lines of cell c: each ends with its
   newline and begins with the cell's id; their count in *lines.  */
static int
rows_of_cell (size_t *lines, const char *rows, size_t len, const fgap_sweep_cell *c)
{
  *lines = 0;
  if (len > 0 && rows[len - 1] != '\n')
    return 0;
  for (const char *p = rows; p < rows + len; (*lines)++)
    {
      const char *e = memchr (p, '\n', (size_t) (rows + len - p));
      char id[256];
      fgap_sweep_first_field (id, sizeof id, p, (size_t) (e - p));
      if (strcmp (id, c->id) != 0)
        return 0;
      p = e + 1;
    }
  return 1;
}

/* Appends a cell delivered by the farm, after checking that its bytes are
   the rows of that cell, as many as every cell has in the record.  */
static int
farm_deliver (size_t task, const void *bytes, size_t len, void *data, fga_error *err)
{
  sweep_t *s = data;
  const unsigned char *b = bytes;
  fgap_sweep_cell *c = &s->cells[task];
  char *out[FGAP_SWEEP_NFILES];
  size_t outlen[FGAP_SWEEP_NFILES], runs[4], at = 80, lines;
  int ok = len >= 80 && get_u64 (b) == CELL_MAGIC && get_u64 (b + 8) == c->index;
  for (int k = 0; ok && k < FGAP_SWEEP_NFILES; k++)
    {
      runs[k] = get_u64 (b + 16 + 8 * k);
      outlen[k] = get_u64 (b + 48 + 8 * k);
      out[k] = (char *) b + at;
      ok = outlen[k] <= len - at && rows_of_cell (&lines, out[k], outlen[k], c)
        && (k != s->record || lines == fgap_sweep_rows_per_cell (s->cfg));
      at += ok ? outlen[k] : 0;
    }
  if (!ok || at != len)
    return fgap_error_set (err, FGA_ERR_IO, "cell %s: the bytes the farm delivered are not "
                          "its rows (damaged in transit?)", c->id);
  int rc;
  fga_error aerr;
  fga_error_init (&aerr);
#pragma omp critical (fga_sweep)
  {
    rc = append_cell (s, out, outlen, &aerr);
    flight_end (s, task);
    if (rc == FGA_OK)
      {
        s->prog.cells_done++;
        s->prog.work_done += cell_work (s->cfg, c);
        s->prog.runs_ok += runs[0];
        s->prog.runs_refused += runs[1];
        s->prog.runs_failed += runs[2];
        s->prog.runs_skipped += runs[3];
        progress (s, NULL, 0);
      }
  }
  if (rc != FGA_OK)
    return fgap_error_set (err, rc, "cell %s: %.700s", c->id, aerr.msg);
  return FGA_OK;
}

/* Runs the plan's cells on the farm; the weights of the cost model are
   the farm's costs, so that it hands out the largest first.  The costs
   only order the cells: without memory for them the farm runs them in the
   grid's order, the same rows.  */
static int
farm_cells (sweep_t *s, fga_error *err)
{
  double *cost = calloc (s->ncells + 1, sizeof *cost);
  for (size_t k = 0; cost != NULL && k < s->ncells; k++)
    cost[k] = cell_work (s->cfg, &s->cells[k]);
  int rc = s->farm->run (s->farm, s->ncells, cost, farm_compute, farm_deliver, s, err);
  free (cost);
  if (s->master)
    progress (s, NULL, 0);
  return rc;
}

/* A worker's state for the master's plan (len bytes): its cells to run;
   or NULL with the error in *rc and own, and whether the master runs the
   cells (then, *count of them).  */
static sweep_t *
worker_state (int *rc, size_t *count, int *master_runs, const fga_sweep_config *cfg,
              const fga_sweep_opts *opts, const void *plan, size_t len, fga_error *own)
{
  const unsigned char *body;
  *rc = plan_head (count, &body, master_runs, plan, len, own);
  if (*rc != FGA_OK)
    return NULL;
  sweep_t *s = calloc (1, sizeof *s);
  if (s == NULL)
    {
      *rc = fgap_error_set (own, FGA_ERR_NOMEM, "out of memory");
      return NULL;
    }
  s->cfg = cfg;
  s->opts = opts;
  s->t0 = fga_wall_time ();
  s->farm = opts->farm;
  fga_error_init (&s->err);
  *rc = plan_cells (s, body, *count, own);
  if (*rc == FGA_OK)
    return s;
  free (s->cells);
  free (s);
  return NULL;
}

/* A worker's whole run: the master's plan, then the farm; nothing in
   outdir.  After a plan of cells it enters the run whatever failed before
   (see "With a farm"), failing it with its own error.  */
static int
farm_worker (const fga_sweep_config *cfg, const fga_sweep_opts *opts, fga_error *err)
{
  void *plan = NULL;
  size_t len = 0, count;
  int rc = opts->farm->share (opts->farm, &plan, &len, err), master_runs;
  if (rc != FGA_OK)
    return rc;                 /* the farm failed: its run would too */
  fga_error own, why;
  fga_error_init (&own);
  sweep_t *s = worker_state (&rc, &count, &master_runs, cfg, opts, plan, len, &own);
  free (plan);
  if (s != NULL)
    {
      rc = farm_cells (s, &own);
      free (s->cells);
      free (s);
    }
  else if (master_runs)
    {
      why = own;
      fgap_error_set (&own, rc, "a process of the farm failed before its first cell: %.900s",
                      why.msg);
      fgap_farm_run_failed (opts->farm, count, NULL, rc, &own);
    }
  if (rc != FGA_OK && err != NULL)
    *err = own;
  return rc;
}

/* The rows of a farm's run in the grid's order, as one process writes
   them, whatever order the cells were delivered in (readers such as
   `fgattn report' take groups and series in the order they meet them).
   Each file is rewritten atomically, only when its order differs.  */
static int
canonical_order (sweep_t *s, fga_error *err)
{
  fgap_sweep_cell *grid;
  fgap_sweep_id *ids;
  int rc = fgap_sweep_grid (&grid, &ids, s->cfg, err);
  size_t n = fgap_sweep_ncells (s->cfg);
  for (int k = 0; k < s->nfiles && rc == FGA_OK; k++)
    {
      char *buf, *sorted = NULL;
      size_t len, slen;
      rc = fgap_sweep_read_whole (&buf, &len, s->paths[k], err);
      if (rc == FGA_OK && buf != NULL)
        rc = fgap_sweep_sort_rows (&sorted, &slen, buf, len, ids, n, s->paths[k], err);
      if (rc == FGA_OK && sorted != NULL && (slen != len || memcmp (sorted, buf, len) != 0))
        rc = fgap_sweep_rewrite (s->paths[k], sorted, slen, err);
      free (buf);
      free (sorted);
    }
  free (grid);
  free (ids);
  return rc;
}

int
fga_sweep_run (const fga_sweep_config *cfg, const char *outdir, const fga_sweep_opts *opts,
               fga_error *err)
{
  const fga_farm *farm = opts != NULL ? opts->farm : NULL;
  if (farm != NULL && !farm->is_master (farm))
    return farm_worker (cfg, opts, err);
  sweep_t *s = calloc (1, sizeof *s);
  made_dirs_t *md = malloc (sizeof *md);
  if (s == NULL || md == NULL)
    {
      free (s);
      free (md);
      fga_error nomem;
      fgap_error_set (&nomem, FGA_ERR_NOMEM, "out of memory");
      if (err != NULL)
        *err = nomem;
      /* the workers wait for the plan: they hear of the failure */
      return farm != NULL ? share_failure (farm, FGA_ERR_NOMEM, &nomem) : FGA_ERR_NOMEM;
    }
  s->cfg = cfg;
  s->opts = opts;
  s->t0 = fga_wall_time ();
  s->farm = farm;
  s->master = 1;
  fga_error_init (&s->err);
  /* With a farm, each process runs one cell at a time.  */
  int jobs = s->farm == NULL && opts != NULL ? opts->jobs : 1;
  int rc = prepare (s, outdir, jobs, err);

  /* Then the folder and its lock, undone if the run writes nothing.  */
  md->nmade = 0;
  struct stat sb;
  int lock_existed = 0, json_existed = 0, locked = 0;
  int created[FGAP_SWEEP_NFILES] = { 0 };
  if (rc == FGA_OK && (rc = make_dirs (md, outdir, err)) == FGA_OK)
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
  if (s->farm != NULL)
    {
      /* the workers hear of a failure too, and return it */
      rc = plan_share (s, rc, err);
      if (rc == FGA_OK)
        rc = farm_cells (s, err);
    }
  else if (rc == FGA_OK)
    rc = run_cells (s, jobs, err);
  for (int k = 0; k < s->nfiles; k++)
    if (s->fp[k] != NULL && fclose (s->fp[k]) != 0 && rc == FGA_OK)
      rc = fgap_error_set (err, FGA_ERR_IO, "%s: %s", s->paths[k], strerror (errno));
  if (rc == FGA_OK && s->farm != NULL)
    rc = canonical_order (s, err);
  /* Nothing to run (every cell done): sweep.json still records this run.  */
  if (rc == FGA_OK && !s->json_done)
    rc = fgap_sweep_write_json (s->jpath, cfg, NULL, cfg->path, s->config_text, s->config_len,
                                NULL, s->shard_json, err);
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
  free (s->in_share);
  json_decref (s->shard_json);
  free (s);
  free (md);
  return rc;
}
