/* cli_progress.c -- one progress line for every long command

   On a terminal: one line rewritten in place (\r) at most five times a
   second, cut to the terminal's width.  Elsewhere (a log, a CI job, a
   pipe): a plain line every `interval' seconds (30, or the environment's
   FGATTN_PROGRESS_INTERVAL: a number of seconds >= 0), so that a log shows
   a long run is alive and how far it is, without a flood.  Silent when
   quiet.

   The ETA weighs the work left by each step's predicted cost, which the
   caller passes (the analyzer's operation count, a cell's n^2 d, ...):
   in a sweep whose large n come last, the mean time of the finished cells
   says nothing of the remaining ones.  Work resumed from an earlier run
   (done before this process started) is left out of the rate.  */

#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "cli.h"

#define CLI_PROGRESS_LOG_INTERVAL 30

static double
now_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

void
cli_duration (char *buf, size_t size, double s)
{
  if (!isfinite (s) || s < 0)
    snprintf (buf, size, "--");
  else if (s < 10)
    snprintf (buf, size, "%.1fs", s);
  else if (s < 3600)
    {
      long t = lround (s);
      if (t < 60)
        snprintf (buf, size, "%lds", t);
      else
        snprintf (buf, size, "%ldm%02lds", t / 60, t % 60);
    }
  else
    {
      long t = lround (s / 60);
      snprintf (buf, size, "%ldh%02ldm", t / 60, t % 60);
    }
}

/* The seconds between two plain lines: FGATTN_PROGRESS_INTERVAL when it
   is a number >= 0 (0: a line at every update, for tests), else 30 with a
   note (once per process: a command run by demo would repeat it).  */
static double
log_interval (int quiet)
{
  static int noted;
  const char *text = getenv ("FGATTN_PROGRESS_INTERVAL");
  double x;
  fga_error err;
  fga_error_init (&err);
  if (text == NULL || text[0] == '\0')
    return CLI_PROGRESS_LOG_INTERVAL;
  if (fga_parse_real (&x, text, 0, 1e9, 0, "FGATTN_PROGRESS_INTERVAL", &err) == FGA_OK)
    return x;
  if (!quiet && !noted)
    fprintf (stderr, "fgattn%s%s: %s; a progress line every %d s instead\n",
             cli_command != NULL ? " " : "", cli_command != NULL ? cli_command : "", err.msg,
             CLI_PROGRESS_LOG_INTERVAL);
  noted = 1;
  return CLI_PROGRESS_LOG_INTERVAL;
}

void
cli_progress_init (cli_progress_t *p, const char *what, int quiet)
{
  memset (p, 0, sizeof *p);
  p->what = what;
  p->quiet = quiet;
  p->tty = isatty (STDERR_FILENO);
  p->interval = p->tty ? 0.2 : log_interval (quiet);
  p->start = now_seconds ();
  p->last = p->start;             /* the first line after one interval */
}

void
cli_progress_resumed (cli_progress_t *p, double work)
{
  p->work_resumed = work;
}

double
cli_progress_elapsed (const cli_progress_t *p)
{
  return now_seconds () - p->start;
}

void
cli_progress_clear (cli_progress_t *p)
{
  if (p->drawn)
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
      p->drawn = 0;
    }
}

void
cli_progress_update (cli_progress_t *p, size_t done, size_t total, double work_done,
                     double work_total, const char *current)
{
  if (p->quiet)
    return;
  double t = now_seconds ();
  if (t - p->last < p->interval)
    return;
  p->last = t;
  double elapsed = t - p->start;
  char el[32], eta[32] = "--";
  double run = work_done - p->work_resumed;
  if (run > 0 && work_total > work_done)
    cli_duration (eta, sizeof eta, elapsed / run * (work_total - work_done));
  else if (work_total > 0 && work_done >= work_total)
    snprintf (eta, sizeof eta, "0s");
  cli_duration (el, sizeof el, elapsed);
  char line[256];
  int len = snprintf (line, sizeof line, "%s: %zu/%zu %s, %s elapsed, ETA %s", p->what, done,
                      total, p->unit != NULL ? p->unit : "steps", el, eta);
  if (current != NULL && current[0] != '\0' && len > 0 && (size_t) len < sizeof line)
    snprintf (line + len, sizeof line - (size_t) len, "  [%s]", current);
  if (p->tty)
    {
      /* Cut to the terminal's width (less one column, where some terminals
         wrap at once): a wrapped line cannot be redrawn.  */
      struct winsize ws;
      int width = ioctl (STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 ? ws.ws_col - 1
        : 79;
      fprintf (stderr, "\r\033[K%.*s", width, line);
      p->drawn = 1;
    }
  else
    fprintf (stderr, "%s\n", line);
  fflush (stderr);
}

void
cli_progress_end (cli_progress_t *p, const char *fmt, ...)
{
  cli_progress_clear (p);
  if (p->quiet || fmt == NULL)
    return;
  char el[32], msg[1024];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  cli_duration (el, sizeof el, cli_progress_elapsed (p));
  fprintf (stderr, "fgattn %s: %s in %s\n", cli_command != NULL ? cli_command : p->what, msg,
           el);
  fflush (stderr);
}
