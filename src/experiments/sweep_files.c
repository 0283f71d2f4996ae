/* sweep_files -- a sweep folder's files: reading, the grid's order, shares, sweep.json

   What the run (sweep.c) and the merge (sweep_merge.c) both need: the
   cells a record file holds complete, the grid's order of cells (a farm's
   or a merge's rows are put in it, so that a folder's rows do not depend
   on where or in which order its cells were computed), the split of the
   grid into shards, and sweep.json.  */

#include "experiments/sweep-impl.h"

#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

/* The first field of a CSV line, unquoted, into buf.  */
void
fgap_sweep_first_field (char *buf, size_t size, const char *line, size_t len)
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

int
fgap_sweep_read_whole (char **buf, size_t *len, const char *path, fga_error *err)
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

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
fgap_sweep_done_has (const fgap_sweep_done *s, const char *id)
{
  return s->count > 0
    && bsearch (&id, s->ids, s->count, sizeof *s->ids, cmp_str) != NULL;
}

void
fgap_sweep_done_clear (fgap_sweep_done *s)
{
  for (size_t k = 0; k < s->count; k++)
    free (s->ids[k]);
  free (s->ids);
  s->ids = NULL;
  s->count = 0;
}

/* The cells of results.csv with exactly `rows' complete rows.  */
int
fgap_sweep_find_done (fgap_sweep_done *s, const char *buf, size_t len, size_t rows,
                      const char *path, const char *header, fga_error *err)
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
      fgap_sweep_first_field (id, sizeof id, p, (size_t) (e - p));
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

/* ------------------------------------------------------------------ */
/* The grid's order.  */

static int
cmp_id (const void *a, const void *b)
{
  return strcmp (((const fgap_sweep_id *) a)->id, ((const fgap_sweep_id *) b)->id);
}

int
fgap_sweep_grid (fgap_sweep_cell **cells, fgap_sweep_id **ids, const fga_sweep_config *cfg,
                 fga_error *err)
{
  size_t n = fgap_sweep_ncells (cfg);
  *cells = calloc (n + 1, sizeof **cells);
  *ids = calloc (n + 1, sizeof **ids);
  if (*cells == NULL || *ids == NULL)
    {
      free (*cells);
      free (*ids);
      *cells = NULL;
      *ids = NULL;
      return fgap_error_set (err, FGA_ERR_NOMEM, "out of memory for %zu cells", n);
    }
  for (size_t k = 0; k < n; k++)
    {
      fgap_sweep_cell_at (&(*cells)[k], cfg, k);
      (*ids)[k].id = (*cells)[k].id;
      (*ids)[k].index = k;
    }
  qsort (*ids, n, sizeof **ids, cmp_id);
  return FGA_OK;
}

size_t
fgap_sweep_id_index (const fgap_sweep_id *ids, size_t n, const char *id)
{
  fgap_sweep_id key = { id, 0 };
  const fgap_sweep_id *hit = n > 0 ? bsearch (&key, ids, n, sizeof *ids, cmp_id) : NULL;
  return hit != NULL ? hit->index : SIZE_MAX;
}

typedef struct
{
  size_t index, pos;           /* the cell's grid index; the line's place in the file */
  const char *line;
  size_t len;                  /* with its newline */
} line_t;

static int
cmp_line (const void *a, const void *b)
{
  const line_t *x = a, *y = b;
  if (x->index != y->index)
    return x->index < y->index ? -1 : 1;
  return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int
fgap_sweep_sort_rows (char **out, size_t *outlen, const char *buf, size_t len,
                      const fgap_sweep_id *ids, size_t nids, const char *path, fga_error *err)
{
  *out = NULL;
  *outlen = 0;
  const char *nl = len > 0 ? memchr (buf, '\n', len) : NULL;
  size_t hlen = nl != NULL ? (size_t) (nl - buf) + 1 : 0, nlines = 0;
  for (const char *p = buf + hlen; p < buf + len; p++)
    nlines += *p == '\n';
  line_t *lines = calloc (nlines + 1, sizeof *lines);
  char *o = malloc (len + 1);
  if (lines == NULL || o == NULL)
    {
      free (lines);
      free (o);
      return fgap_error_set (err, FGA_ERR_NOMEM, "%s: out of memory sorting its rows", path);
    }
  size_t k = 0;
  for (const char *p = buf + hlen; k < nlines; k++)
    {
      const char *e = memchr (p, '\n', (size_t) (buf + len - p));
      char id[256];
      fgap_sweep_first_field (id, sizeof id, p, (size_t) (e - p));
      lines[k].index = fgap_sweep_id_index (ids, nids, id);
      lines[k].pos = k;
      lines[k].line = p;
      lines[k].len = (size_t) (e - p) + 1;
      p = e + 1;
    }
  qsort (lines, nlines, sizeof *lines, cmp_line);
  memcpy (o, buf, hlen);
  size_t used = hlen;
  for (k = 0; k < nlines; k++)
    {
      memcpy (o + used, lines[k].line, lines[k].len);
      used += lines[k].len;
    }
  free (lines);
  *out = o;
  *outlen = used;
  return FGA_OK;
}

int
fgap_sweep_rewrite (const char *path, const char *buf, size_t len, fga_error *err)
{
  fga_atomic_file af;
  int rc = fga_atomic_open (&af, path, err);
  if (rc != FGA_OK)
    return rc;
  if ((len > 0 && fwrite (buf, 1, len, af.fp) != len) || fflush (af.fp) != 0
      || fsync (fileno (af.fp)) != 0)
    {
      rc = fgap_error_set (err, FGA_ERR_IO, "%s: %s", path, strerror (errno));
      fga_atomic_abort (&af);
      return rc;
    }
  return fga_atomic_commit (&af, err);
}

/* ------------------------------------------------------------------ */
/* Shards.  */

double
fgap_sweep_cell_work (const fga_sweep_config *cfg, const fgap_sweep_cell *c)
{
  double n = (double) c->n;
  return n * n * fgap_sweep_cell_units (cfg, c);
}

typedef struct
{
  double work;
  size_t index;
} weighed_t;

static int
by_work_desc (const void *a, const void *b)
{
  const weighed_t *x = a, *y = b;
  if (x->work != y->work)
    return x->work > y->work ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* Greedy largest first (LPT): each shard ends within the largest cell's
   weight of the mean, and within 4/3 of the best split's largest shard.
   count is small (one per machine), so the least-loaded shard is found by
   a scan.  */
int
fgap_sweep_shares (size_t *shard_of, const fga_sweep_config *cfg, const fgap_sweep_cell *cells,
                   size_t ncells, size_t count, fga_error *err)
{
  weighed_t *w = calloc (ncells + 1, sizeof *w);
  double *load = calloc (count + 1, sizeof *load);
  if (w == NULL || load == NULL)
    {
      free (w);
      free (load);
      return fgap_error_set (err, FGA_ERR_NOMEM, "out of memory splitting %zu cells", ncells);
    }
  for (size_t k = 0; k < ncells; k++)
    {
      w[k].work = fgap_sweep_cell_work (cfg, &cells[k]);
      w[k].index = cells[k].index;
    }
  qsort (w, ncells, sizeof *w, by_work_desc);
  for (size_t k = 0; k < ncells; k++)
    {
      size_t best = 0;
      for (size_t j = 1; j < count; j++)
        if (load[j] < load[best])
          best = j;
      load[best] += w[k].work;
      shard_of[w[k].index] = best;
    }
  free (w);
  free (load);
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* sweep.json.  */

int
fgap_sweep_write_json (const char *path, const fga_sweep_config *cfg, const char *version,
                       const char *config_path, const char *text, size_t len, const char *blas,
                       json_t *shard, fga_error *err)
{
  int rc;
  char host[256] = "", blasbuf[256];
  if (gethostname (host, sizeof host - 1) != 0)
    host[0] = '\0';
  char date[64];
  time_t now = time (NULL);
  struct tm tm;
  gmtime_r (&now, &tm);
  strftime (date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (blas == NULL)
    blas = fga_blas_text (blasbuf, sizeof blasbuf);
  json_t *seeds = json_array ();
  for (size_t k = 0; k < cfg->nseeds; k++)
    json_array_append_new (seeds, json_integer ((json_int_t) cfg->seeds[k]));
  json_t *o = json_pack ("{s:s, s:s, s:o, s:s, s:s, s:o, s:s}", "fgattn_version",
                         version != NULL ? version : fga_version (), "config_path", config_path,
                         "config", text != NULL ? json_stringn (text, len) : json_null (),
                         "host", host, "date", date, "seeds", seeds, "blas", blas);
  if (o != NULL && shard != NULL && json_object_set (o, "shard", shard) != 0)
    {
      json_decref (o);
      o = NULL;
    }
  if (o == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: out of memory, or a path or host name "
                          "that is not UTF-8", path);
  rc = fgap_json_write_atomic (path, o, JSON_INDENT (2), err);
  json_decref (o);
  return rc;
}
