/* fga_atomic_file -- write under a temporary name, rename when complete */

#include "core/fga-impl.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>

/* Temporary names still pending, for fga_atomic_remove_pending.  A fixed
   table of fixed buffers, so that the signal handler touches no heap.  */
#define PENDING_MAX 64
static char pending[PENDING_MAX][4096];
static volatile sig_atomic_t pending_used[PENDING_MAX];

static int
pending_add (const char *tmp)
{
  for (int i = 0; i < PENDING_MAX; i++)
    if (!__atomic_test_and_set ((void *) &pending_used[i], __ATOMIC_SEQ_CST))
      {
        snprintf (pending[i], sizeof pending[i], "%s", tmp);
        pending_used[i] = 2;   /* 2: the name is complete and may be removed */
        return i;
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

void
fga_atomic_remove_pending (void)
{
  for (int i = 0; i < PENDING_MAX; i++)
    if (pending_used[i] == 2 && pending[i][0] != '\0')
      unlink (pending[i]);
}

int
fga_atomic_open (fga_atomic_file *af, const char *path, fga_error *err)
{
  af->fp = NULL;
  af->slot = -1;
  if (strlen (path) + 16 >= sizeof af->tmp)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: path too long", path);
  snprintf (af->path, sizeof af->path, "%s", path);

  /* The temporary sits in the same folder, so that rename is atomic, and
     starts with a dot so that it is not mistaken for a result.  */
  const char *slash = strrchr (path, '/');
  size_t dirlen = slash != NULL ? (size_t) (slash - path) + 1 : 0;
  snprintf (af->tmp, sizeof af->tmp, "%.*s.%s.tmp-XXXXXX", (int) dirlen, path,
            path + dirlen);
  int fd = mkstemp (af->tmp);
  if (fd < 0)
    return fgap_error_set (err, errno == ENOENT || errno == ENOTDIR ? FGA_ERR_INPUT : FGA_ERR_IO,
                          "%s: cannot create a file there: %s", path, strerror (errno));
  af->slot = pending_add (af->tmp);
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

int
fga_atomic_commit (fga_atomic_file *af, fga_error *err)
{
  int failed = ferror (af->fp);
  int e = errno;
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
  /* mkstemp creates the file 0600; results are ordinary files.  */
  mode_t mask = umask (0);
  umask (mask);
  chmod (af->tmp, 0666 & ~mask);
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
