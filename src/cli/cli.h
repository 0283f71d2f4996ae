/* cli.h -- what the subcommands of the fgattn program share */

#ifndef FGA_CLI_H
#define FGA_CLI_H

#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include "fgattn.h"

/* Exit statuses (documented in README.md, "A tour").  */
#define CLI_OK 0
#define CLI_FAILED 1      /* a computation failed */
#define CLI_USAGE 2       /* bad usage or bad input */

/* The running command's name, for messages ("fgattn run: ..."); NULL
   before one is chosen ("fgattn: ...").  */
extern const char *cli_command;

/* Where sweep, hardness, truth and rank run their tasks: NULL in fgattn (the
   library's one-process loop), the MPI farm in fgattn-mpi, set by each
   program's main.  Only the farm's master writes files and prints.  */
extern const fga_farm *cli_farm;

/* Prints "fgattn CMD: message" on stderr and returns status.  */
int cli_fail (int status, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* A usage error (an unknown option, a missing or bad value, a missing or
   extra argument): "fgattn CMD: message", then "try fgattn CMD --help";
   returns CLI_USAGE.  */
int cli_usage_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* getopt_long, with long options accepted only when spelled in full (no
   prefixes: `--n' is not `--nk'), and every error (unknown option, missing
   value, value given to a flag) reported by cli_usage_error; then it
   returns '?', which the caller turns into CLI_USAGE without a message of
   its own.  Set optind = 1 before the first call.  */
int cli_getopt (int argc, char **argv, const char *shortopts, const struct option *longopts);
/* Prints err's message and returns the exit status its code calls for.  */
int cli_fail_err (const fga_error *err);
/* The exit status for a library status code.  */
int cli_status (int code);

/* Option values, read by the library's strict readers (fgattn/core.h,
   fga_parse_*) and refused with a message naming the option: CLI_OK, or
   CLI_USAGE after printing it.  Integers are decimal, or a real that is
   exactly a whole number (1e6); reals are finite.  */
int cli_parse_size (size_t *out, const char *text, const char *option, size_t min, size_t max);
int cli_parse_ulong (unsigned long *out, const char *text, const char *option,
                     unsigned long max);
int cli_parse_long (long *out, const char *text, const char *option, long min, long max);
/* flags: FGA_PARSE_OPEN_MIN, FGA_PARSE_OPEN_MAX (fgattn/core.h).  */
int cli_parse_real (double *out, const char *text, const char *option, double min, double max,
                    unsigned flags);
/* A finite real > 0.  */
int cli_parse_positive (double *out, const char *text, const char *option);

/* Output formats of every command that prints results.  */
typedef enum { CLI_TABLE, CLI_CSV, CLI_JSON } cli_format_t;
int cli_parse_format (cli_format_t *fmt, const char *text);

/* A small table: named columns, rows of cells as text.  A cell is numeric
   when it parses as a number (then JSON writes it bare; "inf" and "nan"
   become null).  Printed as an aligned table for people, CSV with a header,
   or JSON (an object when there is one row and `single' is set, else an
   array of objects), with the same names for columns and keys.  */
typedef struct
{
  size_t ncols, nrows, cap;
  const char **names;
  char **cells;           /* nrows * ncols, owned */
} cli_table_t;

void cli_table_init (cli_table_t *t, size_t ncols, const char **names);
void cli_table_add (cli_table_t *t, ...);    /* ncols strings (copied) */
void cli_table_addf (cli_table_t *t, size_t col, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));   /* cell of the last row */
void cli_table_new_row (cli_table_t *t);
void cli_table_print (const cli_table_t *t, cli_format_t fmt, int single, FILE *out);
void cli_table_clear (cli_table_t *t);

/* A double with 17 significant digits, or "inf"/"nan", in buf.  */
const char *cli_num (char *buf, size_t size, double x);

/* Progress of a long command on stderr (cli_progress.c): on a terminal one
   line redrawn at most 5 times a second, cut to the terminal's width;
   otherwise a plain line every 30 s, or every FGATTN_PROGRESS_INTERVAL
   seconds (logs show a run is alive); nothing when quiet.

     cli_progress_t pr;
     cli_progress_init (&pr, "sweep", quiet);
     pr.unit = "cells";
     cli_progress_resumed (&pr, work_already_done_by_an_earlier_run);
     ... cli_progress_update (&pr, done, total, work_done, work_total, "n=4096 uniform");
     cli_progress_clear (&pr);      -- before printing anything else
     cli_progress_end (&pr, "wrote %s", dir);   -- "fgattn CMD: wrote DIR in 1m05s"

   done/total count steps; work_done/work_total weigh them by predicted cost
   (any unit: the ETA is elapsed / (work_done - resumed) * work left).  Pass
   a fractional work_done from within a long step to keep the line moving. */
typedef struct
{
  const char *what;            /* "sweep", "hardness", ... */
  const char *unit;            /* "cells", "steps" (default), ... */
  int quiet, tty, drawn;
  double start, last, interval;
  double work_resumed;
} cli_progress_t;

void cli_progress_init (cli_progress_t *p, const char *what, int quiet);
void cli_progress_resumed (cli_progress_t *p, double work);
void cli_progress_update (cli_progress_t *p, size_t done, size_t total, double work_done,
                          double work_total, const char *current);
void cli_progress_clear (cli_progress_t *p);
/* The final line, "fgattn CMD: MESSAGE in DURATION" (unless quiet).  */
void cli_progress_end (cli_progress_t *p, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
double cli_progress_elapsed (const cli_progress_t *p);
/* A duration for people: 4.2s, 37s, 12m05s, 1h02m.  */
void cli_duration (char *buf, size_t size, double seconds);

/* SIGINT/SIGTERM remove temporary files of writes in progress, then the
   program dies of the signal as usual.  */
void cli_install_signal_handlers (void);

/* The files of one command, named as its options are read, checked
   together before any work, and its outputs written as one atomic group:

     cli_files_t files;
     cli_files_init (&files);
     cli_files_input_dir (&files, dir, "-i", cli_instance_files);
     cli_files_output (&files, out, "-o");
     if ((rc = cli_files_check (&files)) != CLI_OK) ...     -- before any work
     ... compute ...
     if (rc == FGA_OK)
       rc = cli_files_begin (&files, &err);
     if (rc == FGA_OK)
       rc = fga_npy_write (cli_files_tmp (&files, out), T, &err);
     rc = cli_files_end (&files, rc, &err);                 -- all or nothing

   cli_files_check refuses (CLI_USAGE, one message naming the option and
   the path): a required input that is missing; an output folder that is
   missing or not writable; an output that exists and is not a regular file
   (a folder, a device such as /dev/null or /dev/stdout on a terminal, a
   FIFO, a socket, a symbolic link to one of those or to nothing; a
   symbolic link to a regular file is followed: that file is replaced, the
   link stays); an output that is one of the inputs or another output (the
   same device and inode when it exists, else the same folder, resolved by
   realpath, and name); an output that is the file standard output or
   standard error goes to.  */
#define CLI_FILES_MAX 16

typedef struct
{
  const char *path;            /* as given */
  const char *option;          /* the option that named it */
  int output;                  /* 0 input, 1 output file, 2 output folder */
  const char *const *names;    /* folders: the files in it, NULL-terminated; a
                                  leading '?' marks an input that may be absent */
  const char *tmp;             /* outputs, after cli_files_begin: where to write */
} cli_file_t;

typedef struct
{
  size_t n;
  cli_file_t f[CLI_FILES_MAX];
  fga_atomic_group group;
} cli_files_t;

/* The files of an instance folder, and of fgattn reduce's output.  */
extern const char *const cli_instance_files[];
extern const char *const cli_reduced_files[];

void cli_files_init (cli_files_t *f);
/* An input file that must exist.  */
void cli_files_input (cli_files_t *f, const char *path, const char *option);
/* An input folder that must exist, holding names (see cli_file_t).  */
void cli_files_input_dir (cli_files_t *f, const char *dir, const char *option,
                          const char *const *names);
void cli_files_output (cli_files_t *f, const char *path, const char *option);
/* An output folder, made when missing (its parent must exist), into which
   the command writes names.  */
void cli_files_output_dir (cli_files_t *f, const char *dir, const char *option,
                           const char *const *names);
int cli_files_check (cli_files_t *f);
/* Opens the group: a temporary name for every output.  A library status. */
int cli_files_begin (cli_files_t *f, fga_error *err);
/* The temporary name of the output registered as path (a folder for a
   folder output), NULL if there is none.  */
const char *cli_files_tmp (const cli_files_t *f, const char *path);
/* One more file of the output folder registered as path, written in its
   temporary folder, for names known only after writing.  A library status. */
int cli_files_add_name (cli_files_t *f, const char *path, const char *name, fga_error *err);
/* With rc = FGA_OK, renames every output into place, or none; otherwise
   removes the temporaries.  Either way the group is gone, and a message in
   err names the outputs by their real names, not their temporary ones.
   Returns the library status.  */
int cli_files_end (cli_files_t *f, int rc, fga_error *err);

/* Refuses (CLI_USAGE) an output folder that a library function makes and
   fills itself: it must be a writable folder, or be missing with a
   writable parent (with `parents', the nearest existing ancestor).  */
int cli_check_outdir (const char *dir, const char *option, int parents);

/* Refuses (CLI_USAGE) work that needs about `bytes' of memory when that is
   more than the machine has, with a message naming `what' (e.g. "-n 1000000
   -d 1000000: the instance (Q, K, V)"), the size and the memory.  */
int cli_check_memory (double bytes, const char *what);

/* Whether gnuplot is an executable on PATH (looked for once per command, so
   that a missing gnuplot gives one note rather than one failure per plot).  */
int cli_gnuplot_found (void);
/* Runs `gnuplot -e "out='.NAME.tmp'" NAME.gp' in dir, then renames
   NAME.png and NAME.svg into place, both or neither (an interrupted or
   failed rendering leaves no half image); CLI_FAILED with a message.  */
int cli_gnuplot_render (const char *dir, const char *name);

/* Options -c (--causal) -b -w -l -Y (--c) -r -a (--alpha) -K (--levels) -m
   -T (--kind) -S (--segment) of analyze and scaling: sets the parameter of
   s; returns 1 when opt is one of them (status: the exit status of a bad
   value, else CLI_OK), 0 otherwise.  */
int cli_an_option (fga_an_spec *s, int opt, const char *arg, int *status);

/* Configurations and output folders (cli_config.c).  The data folders,
   searched in turn: $FGATTN_DATADIR/experiments, the installed
   PKGDATADIR/experiments, and the experiments/ of the source tree the
   program was built from.  */
/* CONFIG as sweep, hardness and demo --config take it: an existing file,
   or an argument holding a '/', is a path, copied to path as given (a
   missing one is then refused by cli_files_check); otherwise a name, NAME
   or NAME.conf, whose NAME.conf is looked up in the data folders.
   CLI_OK, or CLI_USAGE after a message naming the folders searched.  */
int cli_find_config (char *path, size_t size, const char *arg);
/* The configuration file (NAME.conf) in the data folders only, for a
   command's default: CLI_OK, or CLI_USAGE after a message.  */
int cli_standard_config (char *path, size_t size, const char *file);
/* --list: the configurations of the data folders as a table NAME PATH on
   stdout, those with a [hardness] section when hardness is set, else the
   others (sweeps); a name in two folders once, where a lookup finds it.
   Returns CLI_OK.  */
int cli_list_configs (int hardness);
/* A name that does not exist yet in the current folder,
   fgattn-WHAT-YYYYMMDD-HHMMSS, or fgattn-WHAT-NAME-... for a config
   .../NAME.conf (when not NULL), with -2, -3, ... when two runs start in
   the same second: CLI_OK, or CLI_FAILED after a message.  On a farm
   (cli_farm) the master's name, given to every process: a collective
   call.  */
int cli_fresh_dir (char *buf, size_t size, const char *what, const char *config);

/* a / b (both positive) correctly rounded to a double (+Inf beyond the
   largest).  */
double cli_zratio (mpz_srcptr a, mpz_srcptr b);

/* Reads an instance, with the failure reported; returns an exit status. */
int cli_read_instance (fga_instance_ptr inst, const char *dir);

/* The commands.  */
int cli_gen (int argc, char **argv);
int cli_run (int argc, char **argv);
int cli_truth (int argc, char **argv);
int cli_compare (int argc, char **argv);
int cli_methods (int argc, char **argv);
int cli_plan (int argc, char **argv);
int cli_expfit (int argc, char **argv);
int cli_rank (int argc, char **argv);
int cli_sweep (int argc, char **argv);
int cli_demo (int argc, char **argv);
int cli_report (int argc, char **argv);
int cli_analyze (int argc, char **argv);
int cli_scaling (int argc, char **argv);
int cli_hamming (int argc, char **argv);
int cli_reduce (int argc, char **argv);
int cli_decide (int argc, char **argv);
int cli_hardness (int argc, char **argv);

/* A program's table of commands, and what its main does with the command
   line (cli_dispatch.c: fgattn and fgattn-mpi read theirs alike).  */
typedef struct
{
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;         /* its line in the overview (NULL: none) */
} cli_command_t;

typedef struct
{
  const char *name;            /* "fgattn", for --version */
  const cli_command_t *commands;
  size_t ncommands;
  void (*overview) (FILE *out);         /* --help, help, and on stderr no arguments */
  int (*unknown) (const char *name);    /* a name not in the table: a message, CLI_USAGE */
} cli_program_t;

/* The command line of prog: no arguments (the overview on stderr,
   CLI_USAGE), --help, -h or help (the overview), --version, help COMMAND
   (COMMAND --help), or COMMAND ARGS... (run with the signal handlers of
   cli_install_signal_handlers in place).  Sets cli_command; returns the
   exit status.  */
int cli_dispatch (const cli_program_t *prog, int argc, char **argv);

#endif
