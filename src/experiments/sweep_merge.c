/* sweep_merge -- shard folders joined into one sweep folder

   Each shard folder is a sweep folder of its share of the grid (sweep.c,
   "Shards"); its sweep.json records the configuration's text and the
   share.  The merge parses that text for the grid alone, takes the
   complete cells of every folder (the record file says which, as a resume
   does), refuses what cannot be one sweep, and writes the rows of every
   file in the grid's order: the files of a one-process run.  */

#include "experiments/sweep-impl.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>

typedef struct
{
  const char *dir;
  json_t *json;                /* its sweep.json */
  const char *text, *version, *config_path, *blas;
  size_t index, count;
  json_t *cells;               /* its recorded share */
  fgap_dir_lock lock;
  int locked;
  char *buf[FGAP_SWEEP_NFILES];
  size_t len[FGAP_SWEEP_NFILES];
} shard_t;

typedef struct
{
  shard_t *sh;
  size_t nsh;
  fga_sweep_config cfg;
  int nfiles, record;
  char headers[FGAP_SWEEP_NFILES][1024];
  fgap_sweep_cell *grid;
  fgap_sweep_id *ids;
  size_t ncells;
  size_t *owner;               /* per grid index: the shard holding it complete, or SIZE_MAX */
} merge_t;

/* A shard's sweep.json: what a shard records, else FGA_ERR_INPUT.  */
static int
read_shard_json (shard_t *h, fga_error *err)
{
  char path[4200];
  snprintf (path, sizeof path, "%s/sweep.json", h->dir);
  json_error_t jerr;
  h->json = json_load_file (path, 0, &jerr);
  if (h->json == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: no sweep.json a sweep wrote (%s); a shard "
                          "folder is made by `fgattn sweep CONFIG --shard I/N -o DIR'",
                          h->dir, jerr.text);
  json_t *sh = json_object_get (h->json, "shard");
  if (!json_is_object (sh))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: not a shard (its sweep.json records no "
                          "shard); a shard folder is made by `fgattn sweep CONFIG --shard I/N "
                          "-o DIR'", h->dir);
  json_int_t i = json_integer_value (json_object_get (sh, "index"));
  json_int_t n = json_integer_value (json_object_get (sh, "count"));
  h->cells = json_object_get (sh, "cells");
  h->text = json_string_value (json_object_get (h->json, "config"));
  h->version = json_string_value (json_object_get (h->json, "fgattn_version"));
  h->config_path = json_string_value (json_object_get (h->json, "config_path"));
  h->blas = json_string_value (json_object_get (h->json, "blas"));
  if (n < 1 || i < 1 || i > n || !json_is_array (h->cells))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: its sweep.json's shard is damaged", h->dir);
  if (h->text == NULL || h->version == NULL || h->config_path == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: its sweep.json records no configuration "
                          "text (a sweep made in code cannot be merged)", h->dir);
  h->index = (size_t) i;
  h->count = (size_t) n;
  return FGA_OK;
}

/* Every folder a shard of one sweep, each shard once.  */
static int
check_shards (merge_t *m, fga_error *err)
{
  const shard_t *a = &m->sh[0];
  for (size_t k = 1; k < m->nsh; k++)
    {
      const shard_t *b = &m->sh[k];
      if (strcmp (a->text, b->text) != 0)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: a shard of another configuration than "
                              "%s's (their sweep.json differ in \"config\")", b->dir, a->dir);
      if (strcmp (a->version, b->version) != 0)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: written by fgattn %s, %s by fgattn %s; "
                              "finish the shards with one version", b->dir, b->version, a->dir,
                              a->version);
      if (a->count != b->count)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: shard %zu/%zu, of another split than "
                              "%s's %zu/%zu", b->dir, b->index, b->count, a->dir, a->index,
                              a->count);
      for (size_t j = 0; j < k; j++)
        if (m->sh[j].index == b->index)
          return fgap_error_set (err, FGA_ERR_INPUT, "%s: shard %zu/%zu again (%s holds it "
                                "too)", b->dir, b->index, b->count, m->sh[j].dir);
    }
  return FGA_OK;
}

/* The grid, from the first shard's configuration text.  */
static int
read_grid (merge_t *m, fga_error *err)
{
  const shard_t *a = &m->sh[0];
  char what[4200];
  snprintf (what, sizeof what, "%s/sweep.json (configuration)", a->dir);
  int rc = fgap_config_check (what, a->text, strlen (a->text), err);
  fga_sweep_config_init (&m->cfg);
  snprintf (m->cfg.path, sizeof m->cfg.path, "%s", a->config_path);
  if (rc == FGA_OK)
    rc = fgap_sweep_config_parse (&m->cfg, what, a->text, 0, err);
  if (rc != FGA_OK)
    return rc;
  m->nfiles = m->cfg.cost.on ? FGAP_SWEEP_NFILES : FGAP_SWEEP_COST;
  m->record = fgap_sweep_record_file (&m->cfg);
  for (int k = 0; k < m->nfiles; k++)
    fgap_sweep_header (m->headers[k], sizeof m->headers[k], k);
  m->ncells = fgap_sweep_ncells (&m->cfg);
  if ((rc = fgap_sweep_grid (&m->grid, &m->ids, &m->cfg, err)) != FGA_OK)
    return rc;
  m->owner = malloc ((m->ncells + 1) * sizeof *m->owner);
  if (m->owner == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for %zu cells", m->ncells);
  for (size_t k = 0; k < m->ncells; k++)
    m->owner[k] = SIZE_MAX;
  return FGA_OK;
}

/* A shard's files, read under its lock, and the cells it holds complete:
   each claimed by it, unless another shard has it (overlap).  */
static int
read_shard_rows (merge_t *m, size_t s, fga_error *err)
{
  shard_t *h = &m->sh[s];
  int rc = fgap_dir_lock_take (&h->lock, h->dir, err);
  if (rc != FGA_OK)
    return rc;
  h->locked = 1;
  char path[4200];
  for (int k = 0; k < m->nfiles && rc == FGA_OK; k++)
    {
      snprintf (path, sizeof path, "%s/%s", h->dir, fgap_sweep_file_names[k]);
      rc = fgap_sweep_read_whole (&h->buf[k], &h->len[k], path, err);
      size_t hl = strlen (m->headers[k]);
      if (rc == FGA_OK && h->buf[k] == NULL)
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: missing (not a sweep folder?)", path);
      else if (rc == FGA_OK && (h->len[k] < hl || memcmp (h->buf[k], m->headers[k], hl) != 0))
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: not this sweep's file (its header "
                            "differs)", path);
    }
  if (rc != FGA_OK)
    return rc;
  snprintf (path, sizeof path, "%s/%s", h->dir, fgap_sweep_file_names[m->record]);
  fgap_sweep_done done;
  rc = fgap_sweep_find_done (&done, h->buf[m->record], h->len[m->record],
                             fgap_sweep_rows_per_cell (&m->cfg), path, m->headers[m->record],
                             err);
  for (size_t k = 0; k < done.count && rc == FGA_OK; k++)
    {
      size_t at = fgap_sweep_id_index (m->ids, m->ncells, done.ids[k]);
      if (at == SIZE_MAX)
        rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: cell %s is not in the configuration's "
                            "grid", path, done.ids[k]);
      else if (m->owner[at] != SIZE_MAX)
        rc = fgap_error_set (err, FGA_ERR_INPUT, "cell %s is complete in both %s and %s: "
                            "overlapping shards", done.ids[k], m->sh[m->owner[at]].dir, h->dir);
      else
        m->owner[at] = s;
    }
  fgap_sweep_done_clear (&done);
  return rc;
}

/* FGA_ERR_COMPUTE naming the cells no folder holds: the shards not given,
   and those that lack cells of their share.  */
static int
report_missing (const merge_t *m, size_t missing, fga_error *err)
{
  char msg[FGA_MSG_SIZE];
  size_t used = (size_t) snprintf (msg, sizeof msg, "%zu of the grid's %zu cells are missing:",
                                   missing, m->ncells);
  size_t count = m->sh[0].count;
  for (size_t i = 1; i <= count && used < sizeof msg; i++)
    {
      const shard_t *h = NULL;
      for (size_t s = 0; s < m->nsh; s++)
        h = m->sh[s].index == i ? &m->sh[s] : h;
      if (h == NULL)
        {
          used += (size_t) snprintf (msg + used, sizeof msg - used, " shard %zu/%zu not given;",
                                     i, count);
          continue;
        }
      size_t lack = 0, k;
      json_t *v;
      json_array_foreach (h->cells, k, v)
        {
          size_t at = json_is_string (v)
            ? fgap_sweep_id_index (m->ids, m->ncells, json_string_value (v)) : SIZE_MAX;
          lack += at != SIZE_MAX && m->owner[at] == SIZE_MAX;
        }
      if (lack > 0 && used < sizeof msg)
        used += (size_t) snprintf (msg + used, sizeof msg - used, " %s (shard %zu/%zu) lacks "
                                   "%zu of its %zu cells;", h->dir, i, count, lack,
                                   json_array_size (h->cells));
    }
  return fgap_error_set (err, FGA_ERR_COMPUTE, "%s finish the shards (a re-run resumes each), "
                        "or merge what there is with --partial", msg);
}

/* The BLAS of the shards: one text, or the distinct ones joined by "; ".  */
static void
shards_blas (char *buf, size_t size, const merge_t *m)
{
  size_t used = 0;
  buf[0] = '\0';
  for (size_t s = 0; s < m->nsh; s++)
    {
      const char *b = m->sh[s].blas != NULL ? m->sh[s].blas : "unrecorded";
      int seen = 0;
      for (size_t t = 0; t < s; t++)
        seen |= strcmp (m->sh[t].blas != NULL ? m->sh[t].blas : "unrecorded", b) == 0;
      if (!seen && used < size)
        used += (size_t) snprintf (buf + used, size - used, "%s%s", used > 0 ? "; " : "", b);
    }
}

/* File k merged: the header, then the rows of each complete cell from
   the shard that holds it, in the grid's order.  */
static int
merge_file (char **out, size_t *outlen, const merge_t *m, int k, fga_error *err)
{
  size_t total = strlen (m->headers[k]) + 1;
  for (size_t s = 0; s < m->nsh; s++)
    total += m->sh[s].len[k];
  char *cat = malloc (total);
  if (cat == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "out of memory merging %s",
                          fgap_sweep_file_names[k]);
  size_t used = (size_t) sprintf (cat, "%s", m->headers[k]);
  for (size_t s = 0; s < m->nsh; s++)
    {
      const char *b = m->sh[s].buf[k], *end = b + m->sh[s].len[k];
      const char *p = memchr (b, '\n', m->sh[s].len[k]) + 1;      /* after the header */
      for (const char *e; p < end && (e = memchr (p, '\n', (size_t) (end - p))) != NULL;
           p = e + 1)
        {
          char id[256];
          fgap_sweep_first_field (id, sizeof id, p, (size_t) (e - p));
          size_t at = fgap_sweep_id_index (m->ids, m->ncells, id);
          if (at != SIZE_MAX && m->owner[at] == s)
            {
              memcpy (cat + used, p, (size_t) (e - p) + 1);
              used += (size_t) (e - p) + 1;
            }
        }
    }
  int rc = fgap_sweep_sort_rows (out, outlen, cat, used, m->ids, m->ncells,
                                 fgap_sweep_file_names[k], err);
  free (cat);
  return rc;
}

static int
write_fsync (const char *path, const char *buf, size_t len, fga_error *err)
{
  FILE *fp = fopen (path, "wb");
  if (fp == NULL)
    return fgap_error_set (err, FGA_ERR_IO, "%s: %s", path, strerror (errno));
  int bad = (len > 0 && fwrite (buf, 1, len, fp) != len) || fflush (fp) != 0
    || fsync (fileno (fp)) != 0;
  if (fclose (fp) != 0 || bad)
    return fgap_error_set (err, FGA_ERR_IO, "%s: %s", path, strerror (errno));
  return FGA_OK;
}

static const char *const out_names[]
  = { "results.csv", "rank.csv", "least.csv", "cost.csv", "sweep.json" };

/* outdir is none of the shards, and holds no sweep's files.  */
static int
check_outdir (const merge_t *m, const char *outdir, fga_error *err)
{
  struct stat os, ds;
  if (stat (outdir, &os) != 0)
    return FGA_OK;
  for (size_t s = 0; s < m->nsh; s++)
    if (stat (m->sh[s].dir, &ds) == 0 && ds.st_dev == os.st_dev && ds.st_ino == os.st_ino)
      return fgap_error_set (err, FGA_ERR_INPUT, "%s: the output folder is one of the shards; "
                            "merge into a new folder", outdir);
  char path[4200];
  for (size_t k = 0; k < sizeof out_names / sizeof out_names[0]; k++)
    {
      snprintf (path, sizeof path, "%s/%s", outdir, out_names[k]);
      if (lstat (path, &ds) == 0)
        return fgap_error_set (err, FGA_ERR_INPUT, "%s: the output folder holds a sweep's "
                              "files (%s); merge into a new folder", outdir, out_names[k]);
    }
  return FGA_OK;
}

/* The merged folder, written as one atomic group.  */
static int
write_merged (merge_t *m, const char *outdir, fga_error *err)
{
  const char *names[FGAP_SWEEP_NFILES + 1];
  size_t nn = 0;
  for (int k = 0; k < m->nfiles; k++)
    names[nn++] = fgap_sweep_file_names[k];
  names[nn++] = "sweep.json";
  fga_atomic_group g = fga_atomic_group_create (err);
  if (g == NULL)
    return FGA_ERR_NOMEM;
  const char *tmp = fga_atomic_group_folder (g, outdir, names, nn, err);
  int rc = tmp != NULL ? FGA_OK : FGA_ERR_IO;
  if (tmp == NULL && err != NULL && err->code != FGA_OK)
    rc = err->code;
  char path[4300];
  for (int k = 0; k < m->nfiles && rc == FGA_OK; k++)
    {
      char *buf;
      size_t len;
      if ((rc = merge_file (&buf, &len, m, k, err)) != FGA_OK)
        break;
      snprintf (path, sizeof path, "%s/%s", tmp, fgap_sweep_file_names[k]);
      rc = write_fsync (path, buf, len, err);
      free (buf);
    }
  /* The first shard's configuration path: a one-process run records its own.  */
  const shard_t *first = &m->sh[0];
  for (size_t s = 1; s < m->nsh; s++)
    first = m->sh[s].index < first->index ? &m->sh[s] : first;
  char blas[1024];
  shards_blas (blas, sizeof blas, m);
  snprintf (path, sizeof path, "%s/sweep.json", tmp != NULL ? tmp : ".");
  if (rc == FGA_OK)
    rc = fgap_sweep_write_json (path, &m->cfg, first->version, first->config_path, first->text,
                                strlen (first->text), blas, NULL, err);
  if (rc == FGA_OK)
    rc = fga_atomic_group_commit (g, err);
  fga_atomic_group_destroy (g);
  return rc;
}

static void
merge_clear (merge_t *m)
{
  for (size_t s = 0; m->sh != NULL && s < m->nsh; s++)
    {
      if (m->sh[s].locked)
        fgap_dir_lock_release (&m->sh[s].lock);
      for (int k = 0; k < FGAP_SWEEP_NFILES; k++)
        free (m->sh[s].buf[k]);
      json_decref (m->sh[s].json);
    }
  free (m->sh);
  free (m->grid);
  free (m->ids);
  free (m->owner);
}

int
fga_sweep_merge (const char *outdir, const char *const *dirs, size_t ndirs, int partial,
                 fga_sweep_merge_info *info, fga_error *err)
{
  if (ndirs == 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "merge: no shard folder given");
  merge_t *m = calloc (1, sizeof *m);
  if (m == NULL || (m->sh = calloc (ndirs, sizeof *m->sh)) == NULL)
    {
      free (m);
      return fgap_error_set (err, FGA_ERR_NOMEM, "out of memory");
    }
  m->nsh = ndirs;
  int rc = FGA_OK;
  for (size_t s = 0; s < ndirs && rc == FGA_OK; s++)
    {
      m->sh[s].dir = dirs[s];
      rc = read_shard_json (&m->sh[s], err);
    }
  if (rc == FGA_OK)
    rc = check_shards (m, err);
  if (rc == FGA_OK)
    rc = check_outdir (m, outdir, err);
  if (rc == FGA_OK)
    rc = read_grid (m, err);
  for (size_t s = 0; s < ndirs && rc == FGA_OK; s++)
    rc = read_shard_rows (m, s, err);
  size_t merged = 0;
  for (size_t k = 0; rc == FGA_OK && k < m->ncells; k++)
    merged += m->owner[k] != SIZE_MAX;
  if (rc == FGA_OK && merged < m->ncells && !partial)
    rc = report_missing (m, m->ncells - merged, err);
  if (rc == FGA_OK)
    rc = write_merged (m, outdir, err);
  if (rc == FGA_OK && info != NULL)
    {
      info->shards = ndirs;
      info->cells_total = m->ncells;
      info->cells_merged = merged;
      info->cells_missing = m->ncells - merged;
      info->cost_on = m->cfg.cost.on;
    }
  merge_clear (m);
  free (m);
  return rc;
}
