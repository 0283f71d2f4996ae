/* cli_progress.c -- one progress line for every long command

   On a terminal: one line rewritten in place (\r) at most five times a
   second.  Elsewhere (a log, a CI job, a pipe): a plain line every
   `interval' seconds, so that a log shows a long run is alive and how far
   it is, without a flood.  Silent when quiet.

   The ETA weighs the work left by each step's predicted cost, which the
   caller passes (the analyzer's operation count, a cell's n^2 d, ...):
   in a sweep whose large n come last, the mean time of the finished cells
   says nothing of the remaining ones.  Work resumed from an earlier run
   (done before this process started) is left out of the rate.  */

#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

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

void
cli_progress_init (cli_progress_t *p, const char *what, int quiet)
{
  memset (p, 0, sizeof *p);
  p->what = what;
  p->quiet = quiet;
  p->tty = isatty (STDERR_FILENO);
  p->interval = p->tty ? 0.2 : 30;
  p->start = now_seconds ();
  p->last = p->start;
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
      /* Cut to a terminal-friendly width: a wrapped line cannot be redrawn.  */
      fprintf (stderr, "\r\033[K%.100s", line);
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
