/* fgap_method_ext -- an external program as a method: Q, K, V out as NPY files, its NPY output in

   One run: a private folder made by mkdtemp (mode 0700, under $TMPDIR or
   /tmp), Q.npy, K.npy and V.npy written into it, the command run by
   /bin/sh -c with {Q} {K} {V} {out} replaced by the shell-quoted paths
   (out.npy in the folder) and {size} by the size parameter, its output read
   back with fga_npy_read and checked (shape nq x dv, every entry finite),
   and the folder removed, whatever happened.  fgattn/method.h states the
   contract for users; what follows says why it is built this way.

   Threads.  A sweep runs cells in parallel, so a run must not touch
   process-wide state: no setenv (the child's environment is built as an
   array and given to posix_spawn), no SIGCHLD handler, no wait for "any
   child" (which could reap another thread's, or the program's, child):
   the run polls its own pid with waitid (WNOHANG) and sleeps between
   polls, 1 ms at first, doubling to 20 ms, so a short command costs
   little and a long one little CPU.

   Process group.  The command runs in a group of its own
   (POSIX_SPAWN_SETPGROUP), so that at the timeout kill (-pid, SIGKILL)
   ends everything it started (sh, python and python's children), not
   only the shell.  The group is killed again when the shell ends, before
   it is reaped (waitid with WNOWAIT keeps the zombie, so the group id
   cannot have been reused by then), so that nothing the command left in
   the background is still writing into the folder while it is removed.
   The price of a group of its own: a Ctrl-C at the terminal reaches
   fgattn, not the command, which then runs on until it ends by itself or
   its timeout would have come (fgattn is gone by then, and so nobody
   kills it; nor is the folder removed).

   Standard input is /dev/null (a command must not wait for the terminal);
   standard output and error go to files of the folder, since the library
   prints nothing and a command's chatter would mix with fgattn's tables.
   The last STDERR_TAIL bytes of standard error are what a failure's message
   carries, control bytes and non-ASCII bytes shown as spaces and '?' so
   that the message is one line of text wherever it goes (a terminal, a
   CSV field, a JSON string).  */

#define _GNU_SOURCE 1

#include "core/fga-impl.h"
#include "methods/method-impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

extern char **environ;

#define STDERR_TAIL 400
#define PATH_LEN 4096

static const fga_param_info ext_params[] = {
  { "timeout", FGA_PARAM_REAL, "600", 0.001, 1e7, NULL, NULL,
    "seconds before the command's process group is killed (the run then fails)" },
  { "size", FGA_PARAM_INT, "0", 0, 9007199254740992.0, NULL, NULL,
    "an integer for {size} and FGATTN_SIZE: the size a sweep searches (size = size)" },
  { "cmd", FGA_PARAM_STRING, "", 0, 0, NULL, NULL,
    "/bin/sh command; {Q} {K} {V} {out}: the NPY files' quoted paths, {size}: size; "
    "may hold commas; ends at ,timeout= ,size= or the end" },
  { NULL, 0, NULL, 0, 0, NULL, NULL, NULL }
};

static int
ext_create (fga_method m, fga_error *err)
{
  const char *cmd = fgap_param_text (m, "cmd");
  if (cmd[0] != '\0' && strstr (cmd, "{out}") == NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "method ext: cmd must contain {out}, the path "
                          "at which the command writes its result (cmd=%s)", cmd);
  return FGA_OK;
}

static int
ext_prepare (fga_method m, const fga_problem *prob, fga_error *err)
{
  if (fgap_param_text (m, "cmd")[0] == '\0')
    return fgap_error_set (err, FGA_ERR_INPUT, "method ext: no command: give cmd=... (e.g. "
                          "ext:cmd=python3 my_attn.py {Q} {K} {V} {out})");
  return FGA_OK;
}

/* ------------------------------------------------------------------ */
/* The command line and the environment.  */

/* Appends the len bytes of s to buf at *n (buf NULL: only counts).  */
static void
put (char *buf, size_t *n, const char *s, size_t len)
{
  if (buf != NULL)
    memcpy (buf + *n, s, len);
  *n += len;
}

/* dir/name in single quotes, each ' written '\'' (the shell's only rule
   inside single quotes), so that any $TMPDIR is one word.  */
static void
put_quoted (char *buf, size_t *n, const char *dir, const char *name)
{
  put (buf, n, "'", 1);
  for (const char *s = dir; *s; s++)
    put (buf, n, *s == '\'' ? "'\\''" : s, *s == '\'' ? 4 : 1);
  put (buf, n, "/", 1);
  put (buf, n, name, strlen (name));
  put (buf, n, "'", 1);
}

/* The command with its placeholders replaced; NULL when out of memory. */
static char *
expand (const char *cmd, const char *dir, long size, fga_error *err)
{
  static const char *const marks[] = { "{Q}", "{K}", "{V}", "{out}" };
  static const char *const files[] = { "Q.npy", "K.npy", "V.npy", "out.npy" };
  char sizetext[32];
  snprintf (sizetext, sizeof sizetext, "%ld", size);
  char *buf = NULL;
  for (int pass = 0; pass < 2; pass++)
    {
      size_t n = 0;
      for (const char *s = cmd; *s;)
        {
          int hit = 0;
          for (int k = 0; k < 4 && !hit; k++)
            if (strncmp (s, marks[k], strlen (marks[k])) == 0)
              {
                put_quoted (buf, &n, dir, files[k]);
                s += strlen (marks[k]);
                hit = 1;
              }
          if (!hit && strncmp (s, "{size}", 6) == 0)
            {
              put (buf, &n, sizetext, strlen (sizetext));
              s += 6;
              hit = 1;
            }
          if (!hit)
            put (buf, &n, s++, 1);
        }
      if (pass == 0 && (buf = fgap_alloc (n + 1, "the command line", err)) == NULL)
        return NULL;
      if (pass == 1)
        buf[n] = '\0';
    }
  return buf;
}

#define NVARS 6
static const char *const var_names[NVARS]
  = { "FGATTN_TAU", "FGATTN_N", "FGATTN_NK", "FGATTN_D", "FGATTN_DV", "FGATTN_SIZE" };

/* The program's environment without our variables, then ours from vars
   (NVARS strings NAME=VALUE); an array of pointers into both, to free
   with fgap_free.  */
static char **
child_env (char *vars[NVARS], fga_error *err)
{
  size_t count = 0;
  while (environ != NULL && environ[count] != NULL)
    count++;
  char **env = fgap_calloc (count + NVARS + 1, sizeof *env, "the command's environment", err);
  if (env == NULL)
    return NULL;
  size_t n = 0;
  for (size_t i = 0; i < count; i++)
    {
      int ours = 0;
      for (int k = 0; k < NVARS; k++)
        {
          size_t len = strlen (var_names[k]);
          ours |= strncmp (environ[i], var_names[k], len) == 0 && environ[i][len] == '=';
        }
      if (!ours)
        env[n++] = environ[i];
    }
  for (int k = 0; k < NVARS; k++)
    env[n++] = vars[k];
  env[n] = NULL;
  return env;
}

/* ------------------------------------------------------------------ */
/* Running it.  */

typedef struct
{
  int timed_out;               /* killed at the timeout */
  int status;                  /* waitpid's status, when not lost */
  double seconds;
} outcome_t;

static void
nap (double seconds)
{
  struct timespec ts = { 0, (long) (seconds * 1e9) };
  while (nanosleep (&ts, &ts) != 0 && errno == EINTR)
    ;
}

/* Waits for pid, killing its group at the timeout; reaps it.  */
static int
wait_child (outcome_t *o, pid_t pid, double timeout, double t0, fga_error *err)
{
  double pause = 1e-3;
  for (;;)
    {
      siginfo_t si;
      si.si_pid = 0;
      if (waitid (P_PID, (id_t) pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
        {
          if (errno == EINTR)
            continue;
          return fgap_error_set (err, FGA_ERR_IO, "method ext: the command's exit status was "
                                "lost (%s): the program must not ignore SIGCHLD",
                                strerror (errno));
        }
      if (si.si_pid == pid)
        break;
      if (!o->timed_out && fga_wall_time () - t0 >= timeout)
        {
          kill (-pid, SIGKILL);
          o->timed_out = 1;
        }
      nap (pause);
      pause = fmin (2 * pause, 0.02);
    }
  o->seconds = fga_wall_time () - t0;
  kill (-pid, SIGKILL);        /* what it left running; the zombie holds the group id */
  while (waitpid (pid, &o->status, 0) < 0)
    if (errno != EINTR)
      return fgap_error_set (err, FGA_ERR_IO, "method ext: the command's exit status was "
                            "lost (%s)", strerror (errno));
  return FGA_OK;
}

/* Runs line by /bin/sh -c in its own process group, standard output and
   error into dir's files, and waits for it.  */
static int
run_command (outcome_t *o, const char *line, char **env, const char *dir, double timeout,
             fga_error *err)
{
  char outp[PATH_LEN], errp[PATH_LEN];
  snprintf (outp, sizeof outp, "%s/stdout.txt", dir);
  snprintf (errp, sizeof errp, "%s/stderr.txt", dir);
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  sigset_t none, dflt;
  sigemptyset (&none);
  sigemptyset (&dflt);
  /* As Python's subprocess does: a program ignoring SIGPIPE or SIGXFSZ
     should not pass that on to a command that expects the default.  */
  sigaddset (&dflt, SIGPIPE);
  sigaddset (&dflt, SIGXFSZ);
  int rc = posix_spawn_file_actions_init (&fa);
  if (rc == 0 && (rc = posix_spawnattr_init (&at)) != 0)
    posix_spawn_file_actions_destroy (&fa);
  if (rc != 0)
    return fgap_error_set (err, FGA_ERR_NOMEM, "method ext: %s", strerror (rc));
  posix_spawn_file_actions_addopen (&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen (&fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen (&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
#if defined __GLIBC__ && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  /* Files other threads have open (a sweep's) are not the command's.  */
  posix_spawn_file_actions_addclosefrom_np (&fa, 3);
#endif
  posix_spawnattr_setflags (&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK
                            | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup (&at, 0);
  posix_spawnattr_setsigmask (&at, &none);
  posix_spawnattr_setsigdefault (&at, &dflt);
  char *argv[] = { (char *) "sh", (char *) "-c", (char *) line, NULL };
  pid_t pid;
  double t0 = fga_wall_time ();
  rc = posix_spawn (&pid, "/bin/sh", &fa, &at, argv, env);
  posix_spawn_file_actions_destroy (&fa);
  posix_spawnattr_destroy (&at);
  if (rc != 0)
    return fgap_error_set (err, FGA_ERR_IO, "method ext: could not start /bin/sh: %s",
                          strerror (rc));
  return wait_child (o, pid, timeout, t0, err);
}

/* The last STDERR_TAIL bytes of the command's standard error as one line
   of printable ASCII ("" when it wrote none).  */
static void
stderr_tail (char *buf, size_t size, const char *dir)
{
  char path[PATH_LEN], raw[STDERR_TAIL + 1];
  snprintf (path, sizeof path, "%s/stderr.txt", dir);
  buf[0] = '\0';
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  struct stat sb;
  ssize_t got = 0;
  off_t from = 0;
  if (fstat (fd, &sb) == 0)
    {
      from = sb.st_size > STDERR_TAIL ? sb.st_size - STDERR_TAIL : 0;
      got = pread (fd, raw, STDERR_TAIL, from);
    }
  close (fd);
  size_t n = 0;
  if (from > 0 && size > 4)
    n = (size_t) snprintf (buf, size, "...");
  for (ssize_t k = 0; k < got && n + 1 < size; k++)
    {
      unsigned char c = (unsigned char) raw[k];
      char out = c >= 0x20 && c < 0x7f ? (char) c : c < 0x80 || c == 0x7f ? ' ' : '?';
      if (out == ' ' && (n == 0 || buf[n - 1] == ' '))
        continue;              /* runs of white space and control bytes as one space */
      buf[n++] = out;
    }
  while (n > 0 && buf[n - 1] == ' ')
    n--;
  buf[n] = '\0';
}

/* ------------------------------------------------------------------ */
/* The folder.  */

/* Removes what the folder open at fd holds (fd is closed), descending
   at most 32 levels into folders the command made.  0 when all went. */
static int
remove_contents (int fd, int depth)
{
  fchmod (fd, S_IRWXU);        /* a command may have taken its own rights away */
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return -1;
    }
  int bad = 0;
  struct dirent *e;
  while ((e = readdir (d)) != NULL)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0
          || unlinkat (dirfd (d), e->d_name, 0) == 0)
        continue;
      int sub = depth < 32 ? openat (dirfd (d), e->d_name,
                                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
      if (sub < 0 || remove_contents (sub, depth + 1) != 0
          || unlinkat (dirfd (d), e->d_name, AT_REMOVEDIR) != 0)
        bad = 1;
    }
  closedir (d);
  return bad ? -1 : 0;
}

/* Removes the folder and everything in it; a few passes, since entries
   removed while a folder is read may hide others.  */
static int
remove_folder (const char *dir, fga_error *err)
{
  for (int pass = 0; pass < 3; pass++)
    {
      int fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0)
        remove_contents (fd, 0);
      if (rmdir (dir) == 0 || errno == ENOENT)
        return FGA_OK;
    }
  return fgap_error_set (err, FGA_ERR_IO, "method ext: could not remove the temporary folder "
                        "%s: %s", dir, strerror (errno));
}

/* ------------------------------------------------------------------ */
/* The result.  */

/* "SEGV" for SIGSEGV ("?" where the C library cannot say): sigabbrev_np,
   unlike strsignal, is thread-safe.  */
static const char *
sig_name (int sig)
{
#if defined __GLIBC__ && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char *s = sigabbrev_np (sig);
  return s != NULL ? s : "?";
#else
  return "?";
#endif
}

/* Why the command failed, if it did, into what (empty when it did not). */
static void
describe_failure (char *what, size_t size, const outcome_t *o, double timeout)
{
  what[0] = '\0';
  if (o->timed_out)
    snprintf (what, size, "the command did not end within the timeout of %g s: its process "
              "group was killed", timeout);
  else if (WIFSIGNALED (o->status))
    snprintf (what, size, "the command was killed by signal %d (SIG%s)", WTERMSIG (o->status),
              sig_name (WTERMSIG (o->status)));
  else if (WEXITSTATUS (o->status) != 0)
    snprintf (what, size, "the command exited with status %d", WEXITSTATUS (o->status));
}

/* The command's output into T: read, shape and finiteness checked; what
   is wrong into what.  */
static int
read_output (fga_mat_ptr T, const char *dir, char *what, size_t size, fga_error *err)
{
  char path[PATH_LEN];
  snprintf (path, sizeof path, "%s/out.npy", dir);
  fga_error sub;
  fga_error_init (&sub);
  fga_mat_t R;
  int rc;
  if (access (path, F_OK) != 0)
    {
      snprintf (what, size, "the command exited with status 0 but wrote no output at {out}");
      return FGA_ERR_COMPUTE;
    }
  if ((rc = fga_npy_read (R, path, &sub)) != FGA_OK)
    {
      if (rc == FGA_ERR_NOMEM)
        return fgap_error_set (err, rc, "method ext: the command's output: %s", sub.msg);
      /* The reader names the file by its path, which is the folder's
         random name: {out} says which file it is.  */
      size_t plen = strlen (path);
      const char *msg = strncmp (sub.msg, path, plen) == 0 ? sub.msg + plen : sub.msg;
      snprintf (what, size, "the command exited with status 0 but its output {out} is not an "
                "NPY file fgattn reads%s%.800s", msg == sub.msg ? ": " : "", msg);
      return FGA_ERR_COMPUTE;
    }
  rc = FGA_ERR_COMPUTE;
  if (R->rows != T->rows || R->cols != T->cols)
    snprintf (what, size, "the command exited with status 0 but its output is %zu x %zu, not "
              "%zu x %zu (nq x dv)", R->rows, R->cols, T->rows, T->cols);
  else if (fga_mat_check_finite (R, "its output", &sub) != FGA_OK)
    snprintf (what, size, "the command exited with status 0 but %.800s", sub.msg);
  else
    {
      memcpy (T->data, R->data, T->rows * T->cols * sizeof *T->data);
      rc = FGA_OK;
    }
  fga_mat_clear (R);
  return rc;
}

/* Everything between the folder's making and its removal.  */
static int
ext_in_folder (fga_method_srcptr m, fga_mat_ptr T, fga_mat_srcptr Q, fga_mat_srcptr K,
               fga_mat_srcptr V, const char *dir, fga_stats *st, fga_error *err)
{
  const fga_problem *p = &m->prob;
  static const char *const names[] = { "Q.npy", "K.npy", "V.npy" };
  fga_mat_srcptr mats[] = { Q, K, V };
  char path[PATH_LEN];
  int rc = FGA_OK;
  for (int k = 0; k < 3 && rc == FGA_OK; k++)
    {
      snprintf (path, sizeof path, "%s/%s", dir, names[k]);
      rc = fga_npy_write (path, mats[k], err);
    }
  if (rc != FGA_OK)
    return rc;

  long size = fgap_param_int (m, "size");
  double timeout = fgap_param_real (m, "timeout");
  char vars[NVARS][64];
  char *varp[NVARS];
  const double tau = fga_tau_double (&p->tau, p->d);
  snprintf (vars[0], sizeof vars[0], "FGATTN_TAU=%.17g", tau);
  snprintf (vars[1], sizeof vars[1], "FGATTN_N=%zu", p->nq);
  snprintf (vars[2], sizeof vars[2], "FGATTN_NK=%zu", p->nk);
  snprintf (vars[3], sizeof vars[3], "FGATTN_D=%zu", p->d);
  snprintf (vars[4], sizeof vars[4], "FGATTN_DV=%zu", p->dv);
  snprintf (vars[5], sizeof vars[5], "FGATTN_SIZE=%ld", size);
  for (int k = 0; k < NVARS; k++)
    varp[k] = vars[k];
  char *line = expand (fgap_param_text (m, "cmd"), dir, size, err);
  char **env = line != NULL ? child_env (varp, err) : NULL;
  outcome_t o = { 0, 0, 0 };
  rc = env != NULL ? run_command (&o, line, env, dir, timeout, err) : FGA_ERR_NOMEM;
  fgap_free (env);
  fgap_free (line);
  if (rc != FGA_OK)
    return rc;
  fga_stats_set (st, "cmd_seconds", o.seconds);
  fga_stats_set (st, "size", (double) size);

  char what[FGA_MSG_SIZE];
  describe_failure (what, sizeof what, &o, timeout);
  if (what[0] == '\0' && (rc = read_output (T, dir, what, sizeof what, err)) == FGA_OK)
    return FGA_OK;
  if (rc == FGA_ERR_NOMEM)
    return rc;
  char tail[STDERR_TAIL + 8];
  stderr_tail (tail, sizeof tail, dir);
  if (tail[0] == '\0')
    return fgap_error_set (err, FGA_ERR_COMPUTE, "method ext: %.600s (it wrote nothing to "
                          "standard error)", what);
  return fgap_error_set (err, FGA_ERR_COMPUTE, "method ext: %.560s; its standard error ends: "
                        "%s", what, tail);
}

static int
ext_run (fga_method_srcptr m, fga_mat_ptr T, double *lse, fga_mat_srcptr Q, fga_mat_srcptr K,
         fga_mat_srcptr V, fga_stats *st, fga_error *err)
{
  if (lse != NULL)
    return fgap_error_set (err, FGA_ERR_INPUT, "method ext: an external command gives no lse "
                          "(run it without lse)");
  const char *tmp = getenv ("TMPDIR");
  if (tmp == NULL || tmp[0] == '\0')
    tmp = "/tmp";
  char dir[PATH_LEN - 64];
  if ((size_t) snprintf (dir, sizeof dir, "%s/fgattn-ext-XXXXXX", tmp) >= sizeof dir)
    return fgap_error_set (err, FGA_ERR_IO, "method ext: TMPDIR is too long a path");
  if (mkdtemp (dir) == NULL)
    return fgap_error_set (err, FGA_ERR_IO, "method ext: could not make a temporary folder "
                          "under %s: %s", tmp, strerror (errno));
  fgap_stats_uncounted (st, T->rows * T->cols * sizeof *T->data);
  int rc = ext_in_folder (m, T, Q, K, V, dir, st, err);
  fga_error sub;
  fga_error_init (&sub);
  if (remove_folder (dir, &sub) != FGA_OK && rc == FGA_OK)
    {
      if (err != NULL)
        *err = sub;
      rc = sub.code;
    }
  return rc;
}

const fgap_method_class fgap_method_ext = {
  .info = { "ext", "an external program: Q, K, V as NPY files to a shell command, its NPY "
            "output back", ext_params },
  .create = ext_create,
  .prepare = ext_prepare,
  .run = ext_run,
};
