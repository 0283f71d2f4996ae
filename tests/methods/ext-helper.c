/* ext-helper -- an external method for the tests of ext: one program, a behaviour per mode

   ext-helper MODE ARGS...   (run by the method ext through /bin/sh -c)

     attn Q K V OUT [SIZE [FAIL]]  attention of the three NPY files by the
                              tests' MPFR reference (200 bits, rounded to
                              double: independent of fgattn's kernels), tau
                              from FGATTN_TAU; the FGATTN_* sizes must be
                              the files' (else exit 3).  With SIZE: 2^-SIZE
                              added to entry (0, 0), and SIZE must equal
                              FGATTN_SIZE; SIZE = FAIL fails (exit 4).
     copy SRC OUT             OUT = the NPY file SRC, bit for bit
   OUT is the path given for {out}, which ext requires in every command.

     fail OUT                 2000 bytes, then a last line, on standard
                              error; exit 1
     signal OUT               killed by SIGTERM
     sleep PIDFILE OUT        a child of its own, both pids written to
                              PIDFILE, then both sleep 30 s
     shape Q K V OUT          an output with one column too many
     nan Q K V OUT            an output of the right shape, its last row's
                              first entry NaN
     none OUT                 exit 0, no output
     garbage OUT              an output that is not an NPY file
     litter Q K V OUT LINK    the right output, and folders and files
                              beside it in the run's folder (a folder
                              without rights among them, and a symbolic
                              link to the folder LINK)  */

#include <config.h>

#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "testutil.h"

static void
die (int status, const char *what)
{
  fprintf (stderr, "ext-helper: %s\n", what);
  exit (status);
}

static void
read_mat (fga_mat_ptr M, const char *path)
{
  fga_error err;
  fga_error_init (&err);
  if (fga_npy_read (M, path, &err) != FGA_OK)
    die (2, err.msg);
}

static void
write_mat (const char *path, fga_mat_srcptr M)
{
  fga_error err;
  fga_error_init (&err);
  if (fga_npy_write (path, M, &err) != FGA_OK)
    die (2, err.msg);
}

/* The environment variable name as a whole number, which must be want. */
static void
check_env (const char *name, unsigned long want)
{
  const char *s = getenv (name);
  char msg[128];
  snprintf (msg, sizeof msg, "%s is %s, the files say %lu", name, s != NULL ? s : "unset", want);
  if (s == NULL || strtoul (s, NULL, 10) != want)
    die (3, msg);
}

/* T = attention of the files Q K V (argv[0..2]) by the reference.  */
static void
attention (fga_mat_ptr T, char **argv)
{
  fga_mat_t Q, K, V;
  read_mat (Q, argv[0]);
  read_mat (K, argv[1]);
  read_mat (V, argv[2]);
  check_env ("FGATTN_N", Q->rows);
  check_env ("FGATTN_NK", K->rows);
  check_env ("FGATTN_D", Q->cols);
  check_env ("FGATTN_DV", V->cols);
  const char *tau = getenv ("FGATTN_TAU");
  if (tau == NULL)
    die (3, "FGATTN_TAU is unset");
  fga_mat_init (T, Q->rows, V->cols, NULL);
  fga_test_ref_attention (T, NULL, Q, K, V, strtod (tau, NULL), 200);
  fga_mat_clear (Q);
  fga_mat_clear (K);
  fga_mat_clear (V);
}

/* Every exit is without a leak, so that LeakSanitizer (the suite's
   second run) does not change a status a test expects.  */
static void
mode_attn (int argc, char **argv)
{
  long size = argc > 4 ? strtol (argv[4], NULL, 10) : 0;
  if (argc > 4)
    check_env ("FGATTN_SIZE", (unsigned long) size);
  if (argc > 5 && size == strtol (argv[5], NULL, 10))
    die (4, "this size is not supported");
  fga_mat_t T;
  attention (T, argv);
  if (argc > 4)
    T->data[0] += ldexp (1, (int) -size);
  write_mat (argv[3], T);
  fga_mat_clear (T);
}

static void
mode_sleep (const char *pidfile)
{
  pid_t child = fork ();
  if (child == 0)
    {
      sleep (30);
      _exit (0);
    }
  FILE *fp = fopen (pidfile, "w");
  if (fp == NULL || fprintf (fp, "%ld %ld\n", (long) getpid (), (long) child) < 0
      || fclose (fp) != 0)
    die (2, "cannot write the pid file");
  sleep (30);
}

/* The right output in OUT's folder, and litter beside it; only in a
   folder of ext's.  */
static void
mode_litter (char **argv)
{
  char copy[4096], dir[4096], path[4200];
  snprintf (copy, sizeof copy, "%s", argv[3]);
  snprintf (dir, sizeof dir, "%s", dirname (copy));
  if (strstr (dir, "/fgattn-ext-") == NULL)
    die (2, "litter: not in a folder of ext's");
  fga_mat_t T;
  attention (T, argv);
  write_mat (argv[3], T);
  fga_mat_clear (T);
  static const char *const made[] = { "a", "a/b", "a/b/c", "locked" };
  for (size_t k = 0; k < 4; k++)
    {
      snprintf (path, sizeof path, "%s/%s", dir, made[k]);
      if (mkdir (path, 0755) != 0)
        die (2, strerror (errno));
      snprintf (path, sizeof path, "%s/%s/file.txt", dir, made[k]);
      FILE *fp = fopen (path, "w");
      if (fp == NULL || fputs ("litter\n", fp) < 0 || fclose (fp) != 0)
        die (2, strerror (errno));
    }
  snprintf (path, sizeof path, "%s/locked", dir);
  chmod (path, 0);
  snprintf (path, sizeof path, "%s/link", dir);
  if (symlink (argv[4], path) != 0)
    die (2, strerror (errno));
}

int
main (int argc, char **argv)
{
  const char *mode = argc > 1 ? argv[1] : "";
  fga_mat_t T;
  if (strcmp (mode, "attn") == 0 && argc >= 6)
    mode_attn (argc - 2, argv + 2);
  else if (strcmp (mode, "copy") == 0 && argc == 4)
    {
      read_mat (T, argv[2]);
      write_mat (argv[3], T);
      fga_mat_clear (T);
    }
  else if (strcmp (mode, "fail") == 0)
    {
      for (int k = 0; k < 40; k++)
        fprintf (stderr, "filler line %02d: forty-nine bytes of nothing at all\n", k);
      die (1, "the last line of a long complaint");
    }
  else if (strcmp (mode, "signal") == 0)
    kill (getpid (), SIGTERM);
  else if (strcmp (mode, "sleep") == 0 && argc == 4)
    mode_sleep (argv[2]);
  else if ((strcmp (mode, "shape") == 0 || strcmp (mode, "nan") == 0) && argc == 6)
    {
      fga_mat_t Q, V;
      read_mat (Q, argv[2]);
      read_mat (V, argv[4]);
      int nan = strcmp (mode, "nan") == 0;
      fga_mat_init (T, Q->rows, V->cols + !nan, NULL);
      if (nan)
        FGA_MAT (T, T->rows - 1, 0) = NAN;
      write_mat (argv[5], T);
      fga_mat_clear (Q);
      fga_mat_clear (V);
      fga_mat_clear (T);
    }
  else if (strcmp (mode, "none") == 0)
    return 0;
  else if (strcmp (mode, "garbage") == 0 && argc == 3)
    {
      FILE *fp = fopen (argv[2], "w");
      if (fp == NULL || fputs ("not an NPY file\n", fp) < 0 || fclose (fp) != 0)
        die (2, "cannot write");
    }
  else if (strcmp (mode, "litter") == 0 && argc == 7)
    mode_litter (argv + 2);
  else
    die (64, "usage: ext-helper attn|copy|fail|signal|sleep|shape|nan|none|garbage|litter ...");
  mpfr_free_cache ();
  return 0;
}
