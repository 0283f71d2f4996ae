/* cli.h -- what the subcommands of the fgattn program share */

#ifndef FGA_CLI_H
#define FGA_CLI_H

#include <stdio.h>
#include "fgattn.h"

/* Exit statuses (DESIGN.md section 10).  */
#define CLI_OK 0
#define CLI_FAILED 1      /* a computation failed */
#define CLI_USAGE 2       /* bad usage or bad input */

/* The running command's name, for messages ("fgattn run: ...").  */
extern const char *cli_command;

/* Prints "fgattn CMD: message" on stderr and returns status.  */
int cli_fail (int status, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* Prints err's message and returns the exit status its code calls for.  */
int cli_fail_err (const fga_error *err);
/* The exit status for a library status code.  */
int cli_status (int code);

/* Option values, refused with a message naming the option.  */
int cli_parse_size (size_t *out, const char *text, const char *option, size_t min);
int cli_parse_real (double *out, const char *text, const char *option, int positive);
int cli_parse_ulong (unsigned long *out, const char *text, const char *option);

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

/* SIGINT/SIGTERM remove temporary files of writes in progress, then the
   program dies of the signal as usual.  */
void cli_install_signal_handlers (void);

/* Refuses (before any work) an output path whose folder is missing or not writable. */
int cli_check_writable (const char *path, const char *option);

/* Options -c (--causal) -b -w -l -Y (--c) -r -a (--alpha) -K (--levels) -m
   -T (--kind) -S (--segment) of analyze and scaling: sets the parameter of
   s; returns 1 when opt is one of them (status: the exit status of a bad
   value, else CLI_OK), 0 otherwise.  */
int cli_an_option (fga_an_spec *s, int opt, const char *arg, int *status);

/* notebooks-data/NAME for a configuration .../NAME.conf, into buf.  */
void cli_default_outdir (char *buf, size_t size, const char *config);

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

#endif
