/* fga_atomic_file -- write under a temporary name, rename when complete; groups of files */

#include "core/fga-impl.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>

/* Names still pending, for fga_atomic_signal: a fixed table of fixed
   buffers, so that a signal handler touches no heap.  A slot's kind says
   what removes it: the temporaries go first, then the temporary folders
   (empty by then), then the folders a group made.  */
#define PENDING_MAX 128
enum { PEND_FILE, PEND_TMPDIR, PEND_MADEDIR, PEND_KINDS };
static char pending[PENDING_MAX][4096];
static volatile sig_atomic_t pending_used[PENDING_MAX];
static volatile sig_atomic_t pending_kind[PENDING_MAX];

/* The number of group commits under way, or -1 once a signal handler has
   removed the pending files (the program is ending).  A signal that comes
   during a commit is kept in deferred_sig and raised again at its end.  */
static int commit_state;
static int deferred_sig;

/* For the tests only (tests/core/t-core.c declares it): called after
   member k of a group is renamed into place, to interrupt or sabotage a
   commit half-way.  */
void (*fgap_atomic_group_hook) (size_t k);

static int
pending_add (const char *name, int kind)
{
  /* A slot is claimed by moving it from 0 (free) to 1 (being written),
     never by a test-and-set: that would also write 1 over a slot at 2 (a
     complete name another file holds), and the signal handler, which
     removes only complete slots, would then leave that file behind.  */
  for (int i = 0; i < PENDING_MAX; i++)
    {
      sig_atomic_t free_slot = 0;
      if (__atomic_compare_exchange_n (&pending_used[i], &free_slot, 1, 0, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST))
        {
          snprintf (pending[i], sizeof pending[i], "%s", name);
          pending_kind[i] = kind;
          __atomic_store_n (&pending_used[i], 2, __ATOMIC_SEQ_CST);   /* 2: complete */
          return i;
        }
    }
  return -1;
}

static void
pending_drop (int slot)
{
  if (slot >= 0)
    {
      pending[slot][0] = '\0';
      __atomic_store_n (&pending_used[slot], 0, __ATOMIC_SEQ_CST);
    }
}

static void
remove_pending (void)
{
  for (int kind = 0; kind < PEND_KINDS; kind++)
    for (int i = 0; i < PENDING_MAX; i++)
      if (pending_used[i] == 2 && pending_kind[i] == kind && pending[i][0] != '\0')
        {
          if (kind == PEND_FILE)
            unlink (pending[i]);
          else
            rmdir (pending[i]);
        }
}

void
fga_atomic_remove_pending (void)
{
  remove_pending ();
}

int
fga_atomic_signal (int sig)
{
  /* deferred first: a commit that ends after our test below sees it */
  __atomic_store_n (&deferred_sig, sig, __ATOMIC_SEQ_CST);
  int idle = 0;
  if (!__atomic_compare_exchange_n (&commit_state, &idle, -1, 0, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST) && idle != -1)
    return 0;
  __atomic_store_n (&deferred_sig, 0, __ATOMIC_SEQ_CST);
  remove_pending ();
  return 1;
}

static int
commit_enter (void)
{
  int s = __atomic_load_n (&commit_state, __ATOMIC_SEQ_CST);
  while (s >= 0)
    if (__atomic_compare_exchange_n (&commit_state, &s, s + 1, 0, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST))
      return 1;
  return 0;
}

static void
commit_leave (void)
{
  if (__atomic_sub_fetch (&commit_state, 1, __ATOMIC_SEQ_CST) == 0)
    {
      int sig = __atomic_exchange_n (&deferred_sig, 0, __ATOMIC_SEQ_CST);
      if (sig != 0)
        raise (sig);
    }
}

static const char *
kind_name (mode_t mode)
{
  return S_ISDIR (mode) ? "a folder" : S_ISCHR (mode) ? "a character device"
    : S_ISBLK (mode) ? "a block device" : S_ISFIFO (mode) ? "a FIFO"
    : S_ISSOCK (mode) ? "a socket" : "not a regular file";
}

/* The name an output is written to: path itself when it is missing or a
   regular file, the file a symbolic link names when that is a regular file;
   anything else is refused.  */
static int
resolve_output (char *final, size_t size, const char *path, fga_error *err)
{
  struct stat sb;
  if (path[0] == '\0')
    return fgap_error_set (err, FGA_ERR_INPUT, "the output file name is empty");
  if (strlen (path) + 32 >= size)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: path too long", path);
  if (lstat (path, &sb) != 0)
    {
      if (errno == ENOENT)
        {
          snprintf (final, size, "%s", path);
          return FGA_OK;
        }
      return fgap_error_set (err, FGA_ERR_INPUT, "%s: %s", path, strerror (errno));
    }
  if (S_ISREG (sb.st_mode))
    {
      snprintf (final, size, "%s", path);
      return FGA_OK;
    }
  if (!S_ISLNK (sb.st_mode))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: exists and is %s; an output must be a "
                           "regular file, which is replaced whole", path,
                           kind_name (sb.st_mode));
  if (stat (path, &sb) != 0)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: a symbolic link to nothing (%s)", path,
                           strerror (errno));
  if (!S_ISREG (sb.st_mode))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: a symbolic link to %s; an output must be "
                           "a regular file", path, kind_name (sb.st_mode));
  char real[PATH_MAX];
  if (realpath (path, real) == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: %s", path, strerror (errno));
  if (strlen (real) + 32 >= size)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: path too long", real);
  snprintf (final, size, "%s", real);
  return FGA_OK;
}

/* The status of a failure to create a file in a folder: the folder's fault
   (missing, not a folder, read-only) is bad input, the rest the system's.  */
static int
create_status (int e)
{
  return e == ENOENT || e == ENOTDIR || e == EACCES || e == EROFS || e == EPERM
    ? FGA_ERR_INPUT : FGA_ERR_IO;
}

/* ".NAME" + suffix beside path, into buf; 0 when it does not fit.  */
static int
hidden_name (char *buf, size_t size, const char *path, const char *suffix)
{
  const char *slash = strrchr (path, '/');
  size_t dirlen = slash != NULL ? (size_t) (slash - path) + 1 : 0;
  int len = snprintf (buf, size, "%.*s.%s%s", (int) dirlen, path, path + dirlen, suffix);
  return len >= 0 && (size_t) len < size;
}

int
fga_atomic_open (fga_atomic_file *af, const char *path, fga_error *err)
{
  af->fp = NULL;
  af->slot = -1;
  int rc = resolve_output (af->path, sizeof af->path, path, err);
  if (rc != FGA_OK)
    return rc;

  /* The temporary sits in the same folder, so that rename is atomic, and
     starts with a dot so that it is not mistaken for a result.  */
  if (!hidden_name (af->tmp, sizeof af->tmp, af->path, ".tmp-XXXXXX"))
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: path too long", path);
  int fd = mkstemp (af->tmp);
  if (fd < 0)
    return fgap_error_set (err, create_status (errno), "%s: cannot create a file there: %s",
                           path, strerror (errno));
  af->slot = pending_add (af->tmp, PEND_FILE);
  af->fp = fdopen (fd, "wb");
  if (af->fp == NULL)
    {
      int e = errno;
      close (fd);
      fga_atomic_abort (af);
      return fgap_error_set (err, FGA_ERR_IO, "%s: %s", path, strerror (e));
    }
  return FGA_OK;
}

/* mkstemp creates files 0600; results are ordinary files.  */
static void
set_ordinary_mode (const char *path)
{
  mode_t mask = umask (0);
  umask (mask);
  chmod (path, 0666 & ~mask);
}

int
fga_atomic_commit (fga_atomic_file *af, fga_error *err)
{
  int failed = ferror (af->fp);
  int e = failed && errno != 0 ? errno : EIO;
  if (fflush (af->fp) != 0 && !failed)
    {
      failed = 1;
      e = errno;
    }
  if (fclose (af->fp) != 0 && !failed)
    {
      failed = 1;
      e = errno;
    }
  af->fp = NULL;
  if (failed)
    {
      fga_atomic_abort (af);
      return fgap_error_set (err, FGA_ERR_IO, "%s: write failed: %s", af->path, strerror (e));
    }
  set_ordinary_mode (af->tmp);
  if (rename (af->tmp, af->path) != 0)
    {
      e = errno;
      fga_atomic_abort (af);
      return fgap_error_set (err, FGA_ERR_IO, "%s: cannot rename the finished file into place: %s",
                             af->path, strerror (e));
    }
  pending_drop (af->slot);
  af->slot = -1;
  return FGA_OK;
}

void
fga_atomic_abort (fga_atomic_file *af)
{
  if (af->fp != NULL)
    {
      fclose (af->fp);
      af->fp = NULL;
    }
  unlink (af->tmp);
  pending_drop (af->slot);
  af->slot = -1;
}

/* ------------------------------------------------------------------ */
/* Groups.  */

typedef struct
{
  char tmp[4096];              /* the new version, written by the caller */
  char path[4096];             /* its real name */
  char bak[4096];              /* the previous version, kept aside during the commit */
  int slot;                    /* pending slot of tmp */
  int had_old;                 /* path held a previous version (now also at bak) */
  int moved;                   /* the previous version is to be renamed to bak, not linked */
  int renamed;                 /* tmp is now at path */
} member;

typedef struct
{
  char path[4096];
  char dir[4096];              /* PEND_TMPDIR: the folder its files go to */
  int slot;
  int kind;                    /* PEND_TMPDIR or PEND_MADEDIR */
} folder;

struct fga_atomic_group_struct
{
  member *m;
  size_t n, cap;
  folder *f;
  size_t nf, fcap;
  int done;                    /* committed, or failed and cleaned */
};

fga_atomic_group
fga_atomic_group_create (fga_error *err)
{
  fga_atomic_group g = fgap_calloc (1, sizeof *g, "an atomic group", err);
  return g;
}

static int
grow (void **p, size_t *cap, size_t n, size_t size, fga_error *err)
{
  if (n < *cap)
    return FGA_OK;
  size_t c = *cap ? 2 * *cap : 4;
  void *q = fgap_calloc (c, size, "an atomic group", err);
  if (q == NULL)
    return FGA_ERR_NOMEM;
  if (*p != NULL)
    memcpy (q, *p, n * size);
  fgap_free (*p);
  *p = q;
  *cap = c;
  return FGA_OK;
}

/* Whether two names are the same file: equal strings, or the same inode. */
static int
same_file (const char *a, const char *b)
{
  struct stat sa, sb;
  if (strcmp (a, b) == 0)
    return 1;
  return stat (a, &sa) == 0 && stat (b, &sb) == 0 && sa.st_dev == sb.st_dev
    && sa.st_ino == sb.st_ino;
}

/* A new member for the real name path (resolved); tmp filled by the caller. */
static member *
add_member (fga_atomic_group g, const char *path, fga_error *err)
{
  if (g->done)
    {
      fgap_error_set (err, FGA_ERR_INPUT, "%s: the group was already committed", path);
      return NULL;
    }
  char final[4096];
  if (resolve_output (final, sizeof final, path, err) != FGA_OK)
    return NULL;
  for (size_t k = 0; k < g->n; k++)
    if (same_file (g->m[k].path, final))
      {
        fgap_error_set (err, FGA_ERR_INPUT, "%s: named twice among the outputs", path);
        return NULL;
      }
  if (grow ((void **) &g->m, &g->cap, g->n, sizeof *g->m, err) != FGA_OK)
    return NULL;
  member *mb = &g->m[g->n];
  memset (mb, 0, sizeof *mb);
  snprintf (mb->path, sizeof mb->path, "%s", final);
  mb->slot = -1;
  return mb;
}

const char *
fga_atomic_group_file (fga_atomic_group g, const char *path, fga_error *err)
{
  member *mb = add_member (g, path, err);
  if (mb == NULL)
    return NULL;
  /* mkstemp reserves the name; the writer replaces the empty file.  */
  if (!hidden_name (mb->tmp, sizeof mb->tmp, mb->path, ".new-XXXXXX"))
    {
      fgap_error_set (err, FGA_ERR_INPUT, "%s: path too long", path);
      return NULL;
    }
  int fd = mkstemp (mb->tmp);
  if (fd < 0)
    {
      fgap_error_set (err, create_status (errno), "%s: cannot create a file there: %s", path,
                      strerror (errno));
      return NULL;
    }
  close (fd);
  mb->slot = pending_add (mb->tmp, PEND_FILE);
  g->n++;
  return mb->tmp;
}

static int
add_folder (fga_atomic_group g, const char *path, const char *dir, int kind, fga_error *err)
{
  if (grow ((void **) &g->f, &g->fcap, g->nf, sizeof *g->f, err) != FGA_OK)
    return FGA_ERR_NOMEM;
  folder *f = &g->f[g->nf++];
  snprintf (f->path, sizeof f->path, "%s", path);
  snprintf (f->dir, sizeof f->dir, "%s", dir);
  f->kind = kind;
  f->slot = pending_add (path, kind);
  return FGA_OK;
}

const char *
fga_atomic_group_folder (fga_atomic_group g, const char *dir, const char *const *names,
                         size_t n, fga_error *err)
{
  struct stat sb;
  if (dir[0] == '\0')
    {
      fgap_error_set (err, FGA_ERR_INPUT, "the output folder name is empty");
      return NULL;
    }
  if (strlen (dir) + 64 >= sizeof g->m->path)
    {
      fgap_error_set (err, FGA_ERR_INPUT, "%s: path too long", dir);
      return NULL;
    }
  if (stat (dir, &sb) == 0)
    {
      if (!S_ISDIR (sb.st_mode))
        {
          fgap_error_set (err, FGA_ERR_INPUT, "%s: exists and is not a folder", dir);
          return NULL;
        }
    }
  else if (errno != ENOENT)
    {
      fgap_error_set (err, FGA_ERR_INPUT, "%s: %s", dir, strerror (errno));
      return NULL;
    }
  else if (mkdir (dir, 0777) != 0)
    {
      fgap_error_set (err, create_status (errno), "%s: cannot create the folder: %s", dir,
                      strerror (errno));
      return NULL;
    }
  else if (add_folder (g, dir, dir, PEND_MADEDIR, err) != FGA_OK)
    {
      rmdir (dir);
      return NULL;
    }

  char tmpdir[4096];
  snprintf (tmpdir, sizeof tmpdir, "%s/.fgattn-new-XXXXXX", dir);
  if (mkdtemp (tmpdir) == NULL)
    {
      fgap_error_set (err, create_status (errno), "%s: cannot create a folder there: %s", dir,
                      strerror (errno));
      return NULL;
    }
  if (add_folder (g, tmpdir, dir, PEND_TMPDIR, err) != FGA_OK)
    {
      rmdir (tmpdir);
      return NULL;
    }
  for (size_t k = 0; k < n; k++)
    if (fga_atomic_group_folder_file (g, g->f[g->nf - 1].path, names[k], err) != FGA_OK)
      return NULL;
  return g->f[g->nf - 1].path;
}

int
fga_atomic_group_folder_file (fga_atomic_group g, const char *tmpdir, const char *name,
                              fga_error *err)
{
  const folder *f = NULL;
  for (size_t k = 0; k < g->nf && f == NULL; k++)
    if (g->f[k].kind == PEND_TMPDIR && strcmp (g->f[k].path, tmpdir) == 0)
      f = &g->f[k];
  if (f == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: not a temporary folder of the group",
                           tmpdir);
  if (name[0] == '\0' || strchr (name, '/') != NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "'%s': not a file name", name);
  char path[4096];
  int len = snprintf (path, sizeof path, "%s/%s", f->dir, name);
  if (len < 0 || (size_t) len + 32 >= sizeof path)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s/%s: path too long", f->dir, name);
  member *mb = add_member (g, path, err);
  if (mb == NULL)
    return err != NULL && err->code != FGA_OK ? err->code : FGA_ERR_INPUT;
  len = snprintf (mb->tmp, sizeof mb->tmp, "%s/%s", tmpdir, name);
  if (len < 0 || (size_t) len >= sizeof mb->tmp)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s/%s: path too long", f->dir, name);
  mb->slot = pending_add (mb->tmp, PEND_FILE);
  g->n++;
  return FGA_OK;
}

/* Removes the temporaries, and the folders (made ones only when empty). */
static void
clean (fga_atomic_group g, int keep_made)
{
  for (size_t k = 0; k < g->n; k++)
    {
      if (!g->m[k].renamed)
        unlink (g->m[k].tmp);
      pending_drop (g->m[k].slot);
      g->m[k].slot = -1;
    }
  for (size_t pass = 0; pass < 2; pass++)
    for (size_t k = g->nf; k-- > 0;)
      {
        folder *f = &g->f[k];
        if ((pass == 0) != (f->kind == PEND_TMPDIR))
          continue;
        if (f->kind == PEND_TMPDIR || !keep_made)
          rmdir (f->path);
        pending_drop (f->slot);
        f->slot = -1;
      }
}

/* A backup name for path, into bak; 0 when it does not fit.  */
static int
backup_name (char *bak, size_t size, const char *path, unsigned *counter)
{
  char suffix[64];
  snprintf (suffix, sizeof suffix, ".bak-%ld-%u", (long) getpid (), (*counter)++);
  return hidden_name (bak, size, path, suffix);
}

/* Puts back the previous versions of members [0, upto) already renamed;
   returns the number that could not be restored (their backups stay).  */
static size_t
roll_back (fga_atomic_group g, size_t upto, char *kept, size_t size)
{
  size_t lost = 0;
  for (size_t j = upto; j-- > 0;)
    {
      member *mb = &g->m[j];
      if (!mb->renamed)
        continue;
      int ok = mb->had_old ? rename (mb->bak, mb->path) == 0 : unlink (mb->path) == 0;
      if (ok)
        {
          mb->had_old = 0;     /* the backup is gone: it is the file again */
          mb->renamed = 0;
        }
      else if (lost++ == 0)
        snprintf (kept, size, "%s", mb->bak);
    }
  return lost;
}

int
fga_atomic_group_commit (fga_atomic_group g, fga_error *err)
{
  struct stat sb;
  int rc = FGA_OK;
  if (g->done)
    return fgap_error_set (err, FGA_ERR_INPUT, "the group was already committed");
  g->done = 1;
  if (!commit_enter ())
    {
      clean (g, 0);
      return fgap_error_set (err, FGA_ERR_IO, "interrupted by a signal: nothing was replaced");
    }

  /* Every member written, as a regular file, before anything moves.  */
  for (size_t k = 0; k < g->n && rc == FGA_OK; k++)
    if (lstat (g->m[k].tmp, &sb) != 0 || !S_ISREG (sb.st_mode))
      rc = fgap_error_set (err, FGA_ERR_IO, "%s: its new version was not written", g->m[k].path);

  /* The previous versions, kept aside.  */
  unsigned counter = 0;
  for (size_t k = 0; k < g->n && rc == FGA_OK; k++)
    {
      member *mb = &g->m[k];
      set_ordinary_mode (mb->tmp);
      if (lstat (mb->path, &sb) != 0)
        {
          if (errno != ENOENT)
            rc = fgap_error_set (err, FGA_ERR_IO, "%s: %s", mb->path, strerror (errno));
          continue;
        }
      if (!S_ISREG (sb.st_mode))
        {
          rc = fgap_error_set (err, FGA_ERR_INPUT, "%s: exists and is %s; an output must be a "
                               "regular file", mb->path, kind_name (sb.st_mode));
          continue;
        }
      for (int tries = 0; tries < 100; tries++)
        {
          if (!backup_name (mb->bak, sizeof mb->bak, mb->path, &counter))
            break;
          if (link (mb->path, mb->bak) == 0)
            {
              mb->had_old = 1;
              break;
            }
          if (errno == EEXIST)
            continue;
          if (errno == EPERM || errno == EXDEV || errno == EMLINK || errno == ENOSYS
              || errno == EOPNOTSUPP)
            {
              /* no hard links here: the previous version is renamed aside
                 just before the new one takes its name */
              mb->had_old = 1;
              mb->moved = 1;
              break;
            }
          rc = fgap_error_set (err, FGA_ERR_IO, "%s: cannot keep the previous version aside: %s",
                               mb->path, strerror (errno));
          break;
        }
      if (rc == FGA_OK && !mb->had_old)
        rc = fgap_error_set (err, FGA_ERR_IO, "%s: no free backup name", mb->path);
    }

  /* The renames.  */
  size_t k = 0;
  int e = 0;
  for (; k < g->n && rc == FGA_OK; k++)
    {
      member *mb = &g->m[k];
      if (mb->moved && rename (mb->path, mb->bak) != 0)
        {
          e = errno;
          mb->had_old = 0;     /* still at its name */
          break;
        }
      if (rename (mb->tmp, mb->path) != 0)
        {
          e = errno;
          if (mb->moved && rename (mb->bak, mb->path) == 0)
            mb->had_old = 0;
          else if (mb->moved)
            mb->renamed = 1;   /* the name is empty; roll_back puts the old one back */
          break;
        }
      mb->renamed = 1;
      if (fgap_atomic_group_hook != NULL)
        fgap_atomic_group_hook (k);
    }
  if (rc == FGA_OK && k < g->n)
    {
      char kept[4096] = "";
      size_t lost = roll_back (g, k + 1, kept, sizeof kept);
      if (lost == 0)
        rc = fgap_error_set (err, FGA_ERR_IO, "%s: cannot rename the new version into place "
                             "(%s); every output keeps its previous version", g->m[k].path,
                             strerror (e));
      else
        rc = fgap_error_set (err, FGA_ERR_IO, "%s: cannot rename the new version into place "
                             "(%s), and %zu previous versions could not be put back: one is "
                             "kept as %s", g->m[k].path, strerror (e), lost, kept);
    }

  /* The backups go: after success they are old versions, after a failure
     extra names of files that never moved; a backup whose file could not be
     put back is the only copy of it and stays.  */
  for (size_t j = 0; j < g->n; j++)
    if (g->m[j].had_old && (rc == FGA_OK || (!g->m[j].moved && !g->m[j].renamed)))
      unlink (g->m[j].bak);
  clean (g, rc == FGA_OK);
  commit_leave ();
  return rc;
}

void
fga_atomic_group_destroy (fga_atomic_group g)
{
  if (g == NULL)
    return;
  if (!g->done)
    clean (g, 0);
  fgap_free (g->m);
  fgap_free (g->f);
  fgap_free (g);
}
