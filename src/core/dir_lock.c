/* fgap_dir_lock -- one writer per output folder: an exclusive flock on DIR/.lock

   Two sweeps appending to the same results.csv interleave their rows and
   run the same cells twice; two hardness runs replace each other's files
   half-way.  So a run takes DIR/.lock first and a second writer is refused
   at once, told which process holds the folder.  flock rather than a file
   that exists or not: the kernel drops the lock when the holder exits,
   killed or crashed included, so a dead run never leaves the folder locked.
   The file stays when the run ends (see fga-impl.h why); its content, the
   holder's pid, is emptied.  One exception: a run that made the lock file
   and is then refused or fails before writing anything removes it (and the
   folder, if it made it), so that a refused run leaves nothing behind.  It
   unlinks the file while it still holds the lock, and a writer that took
   the lock checks that the file it locked is still the one at DIR/.lock
   (same device and inode), opening it again otherwise: so two writers
   never hold two different lock files of one folder.  */

#include "core/fga-impl.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

/* The pid written in the lock file by its holder, or 0 if unknown (not
   written yet, or emptied).  */
static long
holder_pid (int fd)
{
  char buf[32];
  ssize_t got = pread (fd, buf, sizeof buf - 1, 0);
  if (got <= 0)
    return 0;
  buf[got] = '\0';
  char *end;
  long pid = strtol (buf, &end, 10);
  return end != buf && pid > 0 ? pid : 0;
}

int
fgap_dir_lock_take (fgap_dir_lock *lk, const char *dir, fga_error *err)
{
  lk->fd = -1;
  char path[4096];
  if ((size_t) snprintf (path, sizeof path, "%s/.lock", dir) >= sizeof path)
    return fgap_error_set (err, FGA_ERR_INPUT, "%s: path too long", dir);
  int fd, e = 0;
  for (int attempt = 0;; attempt++)
    {
      fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
      if (fd < 0)
        return fgap_error_set (err, FGA_ERR_IO, "%s: cannot make the lock file: %s", path,
                              strerror (errno));
      if (flock (fd, LOCK_EX | LOCK_NB) != 0)
        {
          e = errno;
          break;
        }
      /* Locked; but a refused run may have removed the file between our
         open and our flock: then lock the one at the path now.  */
      struct stat a, b;
      if (attempt < 100 && (fstat (fd, &a) != 0 || stat (path, &b) != 0
                            || a.st_dev != b.st_dev || a.st_ino != b.st_ino))
        {
          close (fd);
          continue;
        }
      break;
    }
  if (e != 0)
    {
      if (e == ENOLCK || e == EOPNOTSUPP || e == ENOSYS)
        {
          close (fd);
          return FGA_OK;       /* no locks on this file system: unlocked */
        }
      long pid = holder_pid (fd);
      close (fd);
      if (e == EWOULDBLOCK)
        {
          if (pid > 0)
            return fgap_error_set (err, FGA_ERR_IO, "%s is being written by another fgattn "
                                  "(pid %ld); wait for it to finish or use another folder",
                                  dir, pid);
          return fgap_error_set (err, FGA_ERR_IO, "%s is being written by another fgattn; "
                                "wait for it to finish or use another folder", dir);
        }
      return fgap_error_set (err, FGA_ERR_IO, "%s: cannot lock it: %s", path, strerror (e));
    }
  char buf[32];
  int len = snprintf (buf, sizeof buf, "%ld\n", (long) getpid ());
  if (ftruncate (fd, 0) != 0 || pwrite (fd, buf, (size_t) len, 0) != len)
    {
      /* The pid only serves the message of a second writer: without it
         the run goes on.  */
    }
  lk->fd = fd;
  return FGA_OK;
}

void
fgap_dir_lock_release (fgap_dir_lock *lk)
{
  if (lk->fd < 0)
    return;
  if (ftruncate (lk->fd, 0) != 0)
    {
      /* the stale pid stays; the lock goes with the close all the same */
    }
  close (lk->fd);              /* drops the lock */
  lk->fd = -1;
}
