/* report_plot.c -- the gnuplot inputs of a sweep's report: NAME.dat and NAME.gp

   Every plot belongs to one group (family and law), named on its title's
   second line.  A curve that may hold censored means takes three columns
   in NAME.dat: every mean (for the line), the exact ones (filled markers)
   and the censored ones (open markers, a series of their own), so that a
   lower bound is drawn where it is and seen for what it is, never dropped;
   the least-size curves take two more, the least and largest value over
   the seeds (error bars).  A plot against n is drawn only where at least
   two n have a value: over one n there is no curve, and no slope.  */

#include "core/fga-impl.h"
#include "experiments/report-impl.h"

/* Twelve colours told apart on white, on screen and in print (Kelly's
   colours of maximum contrast, without the pale and near-black ones), and
   six filled point types whose open forms (one less, in gnuplot's
   numbering) mark the censored means.  Curve k takes colour k mod 12 and
   point type (k + k / 12) mod 6, so that no two of the first 72 curves of
   a plot look alike.  */
static const char *const palette[] = {
  "#0067a5", "#e25822", "#008856", "#875692", "#f6a600", "#be0032",
  "#56b4e9", "#654522", "#e68fac", "#8db600", "#848482", "#00a6a6"
};
#define NCOLOURS (sizeof palette / sizeof palette[0])
static const int filled_pt[] = { 7, 5, 9, 11, 13, 15 };
#define NPT (sizeof filled_pt / sizeof filled_pt[0])

/* The canvas, in pixels: at least CANVAS_W wide, and wider where the
   title or the key needs it (canvas_width).  Widths of text at gnuplot's
   default font (measured: 7.6 a character in titles, 8.1 in the key).  */
#define CANVAS_W 1100
#define CANVAS_H 660
#define TITLE_CHAR_PX 8
#define KEY_CHAR_PX 9
#define KEY_SAMPLE_PX 90       /* the key's line sample, gaps and right margin */
#define LEFT_PX 90             /* the y label and tic labels, left of the plot area */
#define PLOT_MIN_PX 620        /* the least width of the plot area */
#define PAD_PX 10

/* A gnuplot single-quoted string: '' stands for a quote.  */
static void
gp_str (FILE *fp, const char *s)
{
  fputc ('\'', fp);
  for (; *s; s++)
    {
      if (*s == '\'')
        fputc ('\'', fp);
      fputc (*s, fp);
    }
  fputc ('\'', fp);
}

static int
plottable (const fgap_point *p)
{
  return p != NULL && p->mean > 0 && isfinite (p->mean);
}

enum
{
  CV_PLAIN,                    /* one column, drawn with lines and points */
  CV_CENS,                     /* every mean, exact ones, censored ones */
  CV_BARS                      /* those three, then the least and largest seed */
};

typedef struct
{
  char title[128];
  int kind;                    /* CV_* */
  int colour, pt, dt;          /* palette index, filled point type, dash type (1 solid) */
  size_t exact, censored, bars;   /* the points written of each kind */
  double ymin, ymax;           /* of the values written */
} curve_t;

/* The k-th style of a plot.  */
static void
curve_style (curve_t *cv, size_t k)
{
  cv->colour = (int) (k % NCOLOURS);
  cv->pt = filled_pt[(k + k / NCOLOURS) % NPT];
  cv->dt = 1;
}

/* [*lo, *hi] grown to hold v (NaN: empty).  */
static void
span (double *lo, double *hi, double v)
{
  *lo = isnan (*lo) || v < *lo ? v : *lo;
  *hi = isnan (*hi) || v > *hi ? v : *hi;
}

static void
curve_y (curve_t *cv, double v)
{
  cv->ymin = cv->exact + cv->censored == 0 || v < cv->ymin ? v : cv->ymin;
  cv->ymax = cv->exact + cv->censored == 0 || v > cv->ymax ? v : cv->ymax;
}

/* --- the script ------------------------------------------------------------ */

/* A line of a double-quoted gnuplot string, \ and " escaped.  */
static void
gp_line (FILE *fp, const char *s)
{
  for (; *s; s++)
    {
      if (*s == '\\' || *s == '"')
        fputc ('\\', fp);
      fputc (*s, fp);
    }
}

/* The group as a plot names it: "uniform, B = beta sqrt(ln n),
   Theta(sqrt(log n))"; the n of the plot are on its axis or in its first
   line.  */
static void
group_line (char *buf, size_t size, const fgap_group *G)
{
  if (G->law.p == 0)
    snprintf (buf, size, "%s, B fixed (law 1), %s", G->dist, fga_law_regime_name (&G->law));
  else
    snprintf (buf, size, "%s, B = beta %s, %s", G->dist, G->law.text,
              fga_law_regime_name (&G->law));
}

/* The title, what on the first line and the group on the second; returns
   the characters of the longer.  */
static size_t
gp_title (FILE *fp, const fga_report_struct *rep, size_t g, const char *what)
{
  char t[512];
  group_line (t, sizeof t, &rep->groups[g]);
  fputs ("set title \"", fp);
  gp_line (fp, what);
  fputs ("\\n", fp);
  gp_line (fp, t);
  fputs ("\"\n", fp);
  return strlen (what) > strlen (t) ? strlen (what) : strlen (t);
}

/* The canvas width for a title of title_chars and a key (outside, right)
   of entries up to key_chars.  gnuplot centres the title on the plot area,
   which runs from about LEFT_PX to the key's left edge W - K: the title
   fits when W >= T + K - LEFT_PX + 2 PAD_PX, T its width; and the plot
   area keeps PLOT_MIN_PX.  */
static int
canvas_width (size_t title_chars, size_t key_chars)
{
  int t = (int) title_chars * TITLE_CHAR_PX, k = (int) key_chars * KEY_CHAR_PX + KEY_SAMPLE_PX;
  int w = CANVAS_W;
  if (w < k + LEFT_PX + PLOT_MIN_PX)
    w = k + LEFT_PX + PLOT_MIN_PX;
  if (w < t + k - LEFT_PX + 2 * PAD_PX)
    w = t + k - LEFT_PX + 2 * PAD_PX;
  return w;
}

/* The x range: the points drawn, [lo, hi], and a margin of 4% of the span
   each side (of log x when logx), so that no point sits on the frame.  */
static void
gp_xrange (FILE *fp, double lo, double hi, int logx)
{
  if (logx)
    {
      double f = lo < hi ? pow (hi / lo, 0.04) : 2;
      fprintf (fp, "set xrange [%.17g:%.17g]\n", lo / f, hi * f);
    }
  else
    {
      double m = lo < hi ? 0.04 * (hi - lo) : fabs (lo) > 0 ? 0.25 * fabs (lo) : 0.5;
      fprintf (fp, "set xrange [%.17g:%.17g]\n", lo - m, hi + m);
    }
}

/* Labelled y tics at 1, 2 and 5 times the powers of 10 in [lo, hi] when
   that spans less than two decades, where gnuplot's own would label one
   or two numbers (lo and hi themselves, to 3 digits, when fewer than two
   of those are inside).  */
static void
gp_ytics (FILE *fp, double lo, double hi)
{
  static const int mult[] = { 1, 2, 5 };
  double t[8];
  size_t k = 0;
  for (double p = pow (10, floor (log10 (lo))); p <= hi && k < 8; p *= 10)
    for (int i = 0; i < 3 && k < 8; i++)
      if (mult[i] * p >= lo && mult[i] * p <= hi)
        t[k++] = mult[i] * p;
  if (k < 2)
    {
      t[0] = lo;
      t[1] = hi;
      k = lo < hi ? 2 : 1;
    }
  fputs ("set ytics (", fp);
  for (size_t i = 0; i < k; i++)
    fprintf (fp, "%s%.3g", i ? ", " : "", t[i]);
  fputs (")\n", fp);
}

/* The y axis (log scale) of the values drawn, the curves' and [rlo, rhi]
   (NaN: none): where every value is one number, a range around it (gnuplot
   warns of an empty one) and a tic at it; else tics.  */
static void
gp_yaxis (FILE *fp, const curve_t *cv, size_t nc, double rlo, double rhi)
{
  double lo = rlo, hi = rhi;
  for (size_t k = 0; k < nc; k++)
    if (cv[k].exact + cv[k].censored > 0)
      {
        span (&lo, &hi, cv[k].ymin);
        span (&lo, &hi, cv[k].ymax);
      }
  if (!(lo > 0 && hi < INFINITY))
    return;
  if (lo == hi)
    fprintf (fp, "set yrange [%.17g:%.17g]\nset ytics (%.3g)\n", lo / 2, lo * 2, lo);
  else if (hi / lo < 100)
    gp_ytics (fp, lo, hi);
}

/* The axes: labels, log scales (x in base 2 for n, whose grid is powers
   of 2) and the x range.  */
static void
gp_axes (FILE *fp, const char *xlabel, const char *ylabel, int logx, double lo, double hi)
{
  fprintf (fp, "set xlabel ");
  gp_str (fp, xlabel);
  fprintf (fp, "\nset ylabel ");
  gp_str (fp, ylabel);
  fprintf (fp, logx ? "\nset logscale x 2\nset logscale y\n" : "\nset logscale y\n");
  gp_xrange (fp, lo, hi, logx);
}

/* One element of the plot command: columns `using' of NAME.dat drawn
   `with' in the curve's colour.  */
static void
gp_element (FILE *fp, int *first, const char *dat, const char *using, const char *with,
            const curve_t *cv, const char *title)
{
  fprintf (fp, "%s'%s' using %s with %s lc rgb '%s' dt %d", *first ? "" : ", \\\n     ",
           *first ? dat : "", using, with, palette[cv->colour], cv->dt);
  if (title != NULL)
    {
      fputs (" title ", fp);
      gp_str (fp, title);
    }
  else
    fputs (" notitle", fp);
  *first = 0;
}

/* The elements of curve c, its columns from col on.  Elements without a
   point are left out (gnuplot warns of each), and so are curves without
   any.  A censorable curve's title goes on a key entry of its own, so that
   the key shows its line and marker together.  Returns the next curve's
   first column.  */
static size_t
gp_curve (FILE *fp, int *first, const char *dat, const curve_t *c, size_t col)
{
  char u[96], w[64];
  if (c->kind == CV_PLAIN)
    {
      snprintf (u, sizeof u, "1:%zu", col);
      snprintf (w, sizeof w, "linespoints lw 1.5 pt %d ps 1.2", c->pt);
      if (c->exact > 0)
        gp_element (fp, first, dat, u, w, c, c->title);
      return col + 1;
    }
  if (c->bars > 0)
    {
      snprintf (u, sizeof u, "1:%zu:%zu:%zu", col, col + 3, col + 4);
      gp_element (fp, first, dat, u, "yerrorbars lw 1 pt 7 ps 0", c, NULL);
    }
  if (c->exact + c->censored > 1)
    {
      snprintf (u, sizeof u, "1:%zu", col);
      gp_element (fp, first, dat, u, "lines lw 1.5", c, NULL);
    }
  if (c->exact > 0)
    {
      snprintf (u, sizeof u, "1:%zu", col + 1);
      snprintf (w, sizeof w, "points pt %d ps 1.2", c->pt);
      gp_element (fp, first, dat, u, w, c, NULL);
    }
  if (c->censored > 0)
    {
      snprintf (u, sizeof u, "1:%zu", col + 2);
      snprintf (w, sizeof w, "points pt %d ps 1.4 lw 1.5", c->pt - 1);
      gp_element (fp, first, dat, u, w, c, NULL);
    }
  if (c->exact + c->censored > 0)
    {
      fprintf (fp, ", \\\n     keyentry with linespoints lw 1.5 pt %d ps 1.2 lc rgb '%s' dt %d "
               "title ", c->exact > 0 ? c->pt : c->pt - 1, palette[c->colour], c->dt);
      gp_str (fp, c->title);
    }
  return col + (c->kind == CV_BARS ? 5 : 3);
}

#define CENSORED_KEY "open: censored (a lower bound)"
#define BARS_KEY "bars: least to largest seed"

/* The plot command, once for the PNG and once for the SVG: the curves'
   columns of NAME.dat from 2 on, against column 1, then `extra' (more
   elements, each starting with ", \", with key entries up to extra_chars),
   and the key entries that say what open markers and bars are; on a canvas
   that holds the title of title_chars and the key.  */
static void
gp_plot (FILE *fp, const char *name, const curve_t *cv, size_t nc, const char *extra,
         size_t extra_chars, size_t title_chars)
{
  char dat[600];
  size_t cens = 0, bars = 0, key = extra_chars;
  snprintf (dat, sizeof dat, "%s.dat", name);
  for (size_t k = 0; k < nc; k++)
    {
      cens += cv[k].censored;
      bars += cv[k].bars;
      if (cv[k].exact + cv[k].censored > 0 && strlen (cv[k].title) > key)
        key = strlen (cv[k].title);
    }
  if (cens > 0 && key < strlen (CENSORED_KEY))
    key = strlen (CENSORED_KEY);
  if (bars > 0 && key < strlen (BARS_KEY))
    key = strlen (BARS_KEY);
  int width = canvas_width (title_chars, key);
  for (int pass = 0; pass < 2; pass++)
    {
      fprintf (fp, "set terminal %s noenhanced size %d,%d\nset output out.'.%s'\nplot ",
               pass == 0 ? "pngcairo" : "svg", width, CANVAS_H, pass == 0 ? "png" : "svg");
      int first = 1;
      for (size_t k = 0, col = 2; k < nc; k++)
        col = gp_curve (fp, &first, dat, &cv[k], col);
      if (extra != NULL)
        fputs (extra, fp);
      if (cens > 0)
        fputs (", \\\n     keyentry with points pt 6 ps 1.4 lw 1.5 lc rgb 'gray40' "
               "title '" CENSORED_KEY "'", fp);
      if (bars > 0)
        fputs (", \\\n     keyentry with yerrorbars pt 7 ps 0 lc rgb 'gray40' "
               "title '" BARS_KEY "'", fp);
      fprintf (fp, "\nunset output\n");
    }
}

/* --- the files ------------------------------------------------------------- */

/* Opens NAME.dat and NAME.gp; the script's preamble is written.  The
   outputs go to out.".png" and out.".svg", out defaulting to NAME, so that
   a caller can send them to temporary names and rename them when done. */
static int
open_plot (fga_report_ptr rep, fga_atomic_file *dat, fga_atomic_file *gp, const char *dir,
           const char *name, fga_error *err)
{
  char f[512];
  snprintf (f, sizeof f, "%s.dat", name);
  int rc = fgap_report_open (dat, dir, f, err);
  if (rc != FGA_OK)
    return rc;
  snprintf (f, sizeof f, "%s.gp", name);
  if ((rc = fgap_report_open (gp, dir, f, err)) != FGA_OK)
    {
      fga_atomic_abort (dat);
      return rc;
    }
  char *keep = fgap_report_strdup (rep, name, err);
  if (keep == NULL || FGAP_GROW (rep->plots, rep->nplots, rep->capplots, err) != FGA_OK)
    {
      fga_atomic_abort (dat);
      fga_atomic_abort (gp);
      return FGA_ERR_NOMEM;
    }
  rep->plots[rep->nplots++] = keep;
  fprintf (gp->fp, "# %s.gp -- written by fgattn report; run it in this folder: gnuplot %s.gp\n"
           "if (!exists(\"out\")) out = '%s'\n"
           "set datafile missing '?'\n"
           "set key outside right top Left reverse\n"
           "set grid\n"
           "# y: the values drawn and a margin, not the next decade\n"
           "set autoscale yfix\n"
           "set offsets 0, 0, graph 0.04, graph 0.04\n", name, name, name);
  return FGA_OK;
}

/* open_plot, and *cv the nc curves of the plot, zeroed.  */
static int
open_plot_curves (fga_report_ptr rep, fga_atomic_file *dat, fga_atomic_file *gp,
                  const char *dir, const char *name, size_t nc, curve_t **cv, fga_error *err)
{
  *cv = fgap_calloc (nc + 1, sizeof **cv, "plot curves", err);
  if (*cv == NULL)
    return FGA_ERR_NOMEM;
  int rc = open_plot (rep, dat, gp, dir, name, err);
  if (rc != FGA_OK)
    {
      fgap_free (*cv);
      *cv = NULL;
    }
  return rc;
}

static int
close_plot (fga_atomic_file *dat, fga_atomic_file *gp, fga_error *err)
{
  int rc = fga_atomic_commit (dat, err);
  if (rc != FGA_OK)
    {
      fga_atomic_abort (gp);
      return rc;
    }
  return fga_atomic_commit (gp, err);
}

/* --- the columns ----------------------------------------------------------- */

/* A value of a curve of one column (NULL: not counted).  */
static void
dat_value (FILE *fp, double v, curve_t *cv)
{
  if (v > 0 && isfinite (v))
    {
      fprintf (fp, " %.17g", v);
      if (cv != NULL)
        {
          curve_y (cv, v);
          cv->exact++;
        }
    }
  else
    fputs (" ?", fp);
}

/* The three columns of a censorable curve at one point, and with bars the
   least and largest value of a seed where they differ.  */
static void
dat_point (FILE *fp, const fgap_point *p, curve_t *cv)
{
  if (!plottable (p))
    fputs (cv->kind == CV_BARS ? " ? ? ? ? ?" : " ? ? ?", fp);
  else
    {
      if (p->censored > 0)
        fprintf (fp, " %.17g ? %.17g", p->mean, p->mean);
      else
        fprintf (fp, " %.17g %.17g ?", p->mean, p->mean);
      curve_y (cv, p->mean);
      if (p->censored > 0)
        cv->censored++;
      else
        cv->exact++;
      if (cv->kind == CV_BARS && p->vmin < p->vmax && p->vmin > 0)
        {
          fprintf (fp, " %.17g %.17g", p->vmin, p->vmax);
          curve_y (cv, p->vmin);
          curve_y (cv, p->vmax);
          cv->bars++;
        }
      else if (cv->kind == CV_BARS)
        fputs (" ? ?", fp);
    }
}

/* The header words of a censorable curve's columns, prefix "n=256".  */
static void
dat_header (FILE *fp, const char *prefix, int kind)
{
  fprintf (fp, " %s %s,exact %s,censored", prefix, prefix, prefix);
  if (kind == CV_BARS)
    fprintf (fp, " %s,min %s,max", prefix, prefix);
}

/* The least and largest x (beta, or n when of_n) of the points of s a log
   scale can draw; s may be NULL.  */
static void
x_span (const fgap_series *s, int of_n, double *lo, double *hi)
{
  for (size_t i = 0; s != NULL && i < s->npts; i++)
    if (plottable (&s->pts[i]))
      span (lo, hi, of_n ? s->pts[i].n : s->pts[i].x);
}

/* Whether s has a point a log scale can draw at n (any n when n is NaN):
   gnuplot refuses a plot with none at all.  */
static int
plottable_at (const fgap_series *s, double n)
{
  for (size_t i = 0; s != NULL && i < s->npts; i++)
    if ((isnan (n) || s->pts[i].n == n) && plottable (&s->pts[i]))
      return 1;
  return 0;
}

/* How many n of the group have a point of a or b that can be drawn.  */
static size_t
n_drawn (const fgap_group *G, const fgap_series *a, const fgap_series *b)
{
  size_t k = 0;
  for (size_t j = 0; j < G->nns; j++)
    k += plottable_at (a, G->ns[j]) || plottable_at (b, G->ns[j]);
  return k;
}

/* --- error against beta: every method at one n ----------------------------- */

/* The error series of group g with a point at n, in the report's order
   (method as first read, then size); *out holds at most rep->nseries.  */
static size_t
error_series_at (const fga_report_struct *rep, size_t g, double n, const fgap_series **out)
{
  size_t k = 0;
  for (size_t i = 0; i < rep->nseries; i++)
    if (rep->series[i].group == g && rep->series[i].q == FGAP_Q_ERROR
        && plottable_at (&rep->series[i], n))
      out[k++] = &rep->series[i];
  return k;
}

static int
plot_errors_at (fga_report_ptr rep, size_t g, double n, const fgap_series **ss, size_t ns,
                const char *dir, size_t k, fga_error *err)
{
  const fgap_group *G = &rep->groups[g];
  const char *ax = fgap_report_axis (G);
  char name[64], what[256];
  snprintf (name, sizeof name, "error-vs-%s-%zu", ax, k);
  fga_atomic_file dat, gp;
  curve_t *cv;
  int rc = open_plot_curves (rep, &dat, &gp, dir, name, ns, &cv, err);
  if (rc != FGA_OK)
    return rc;
  fprintf (dat.fp, "# max_abs error at n = %.17g: mean over seeds of the rows with status ok, "
           "per method and size\n# %s", n, ax);
  for (size_t l = 0; l < ns; l++)
    {
      if (*ss[l]->size_key)
        snprintf (cv[l].title, sizeof cv[l].title, "%s, %s = %s", ss[l]->label,
                  ss[l]->size_key, ss[l]->param);
      else
        snprintf (cv[l].title, sizeof cv[l].title, "%s", ss[l]->label);
      curve_style (&cv[l], l);
      fprintf (dat.fp, " %s%s%s%s%s", ss[l]->label, *ss[l]->size_key ? "," : "",
               ss[l]->size_key, *ss[l]->size_key ? "=" : "", ss[l]->param);
    }
  fputc ('\n', dat.fp);
  double lo = NAN, hi = NAN;
  for (size_t xi = 0; xi < G->nxs; xi++)
    {
      fprintf (dat.fp, "%.17g", G->xs[xi]);
      for (size_t l = 0; l < ns; l++)
        {
          const fgap_point *p = fgap_report_point (ss[l], G->xs[xi], n);
          dat_value (dat.fp, p ? p->mean : NAN, &cv[l]);
          if (plottable (p))
            span (&lo, &hi, p->x);
        }
      fputc ('\n', dat.fp);
    }
  snprintf (what, sizeof what, "max_abs error against %s, every method, n = %.17g", ax, n);
  size_t tc = gp_title (gp.fp, rep, g, what);
  gp_axes (gp.fp, ax, "max_abs error (mean over seeds)", 0, lo, hi);
  fprintf (gp.fp, "set format y '%%.0e'\n");
  gp_yaxis (gp.fp, cv, ns, NAN, NAN);
  gp_plot (gp.fp, name, cv, ns, NULL, 0, tc);
  fgap_free (cv);
  return close_plot (&dat, &gp, err);
}

/* --- least size against beta, one curve per n ------------------------------ */

/* What a size parameter counts, by method: the y label of the least-size
   plots; a method or parameter not here is named by the parameter.  */
static const struct
{
  const char *method, *key, *what;
} size_names[] = {
  { "poly", "deg", "degree g" }, { "poly", "degree", "degree g" },   /* older sweeps */
  { "tsketch", "deg", "degree g" },
  { "tsketch", "m", "features m" }, { "rf", "m", "features m" },
  { "nystrom", "m", "landmarks m" }, { "svd", "k", "rank k" },
  { "window", "w", "window radius w" }, { "strided", "l", "stride l" },
  { "fixed", "l", "block length l" }, { "fixed", "c", "summary width c" },
  { "dilated", "w", "segment length w" }, { "dilated", "r", "dilation r" },
};

/* The method of a label: results.csv's method column in a row of that
   label, else the label itself (a sweep's section is often named so).  */
static const char *
method_of (const fga_report_struct *rep, const char *label)
{
  for (size_t i = 0; i < rep->nseries; i++)
    if (*rep->series[i].method && strcmp (rep->series[i].label, label) == 0)
      return rep->series[i].method;
  return label;
}

/* "least features m" for rf's m, "least size m" for a parameter m not
   known.  */
static void
size_label (char *buf, size_t size, const fga_report_struct *rep, const fgap_series *s)
{
  const char *m = method_of (rep, s->label), *key = *s->size_key ? s->size_key : "size";
  for (size_t i = 0; i < sizeof size_names / sizeof size_names[0]; i++)
    if (strcmp (size_names[i].method, m) == 0 && strcmp (size_names[i].key, key) == 0)
      {
        snprintf (buf, size, "least %s", size_names[i].what);
        return;
      }
  snprintf (buf, size, strcmp (key, "size") == 0 ? "least size" : "least size %s", key);
}

static int
plot_least (fga_report_ptr rep, const fgap_series *s, const char *dir, size_t k,
            fga_error *err)
{
  const fgap_group *G = &rep->groups[s->group];
  const char *ax = fgap_report_axis (G);
  char name[64], what[512], acc[128], ylabel[96];
  snprintf (name, sizeof name, "least-size-%zu", k);
  fga_atomic_file dat, gp;
  curve_t *cv;
  int rc = open_plot_curves (rep, &dat, &gp, dir, name, G->nns, &cv, err);
  if (rc != FGA_OK)
    return rc;
  fgap_report_accuracy (acc, sizeof acc, s);
  size_label (ylabel, sizeof ylabel, rep, s);
  snprintf (what, sizeof what, "%s of %s reaching error %s", ylabel, s->label, acc);
  fprintf (dat.fp, "# %s: per n, the mean over seeds (censored: a lower bound), the exact and "
           "the censored means, and the least and largest seed where they differ\n# %s", what,
           ax);
  size_t nc = 0;
  for (size_t j = 0; j < G->nns; j++)
    if (plottable_at (s, G->ns[j]))
      {
        char h[64];
        snprintf (cv[nc].title, sizeof cv[nc].title, "n = %.17g", G->ns[j]);
        snprintf (h, sizeof h, "n=%.17g", G->ns[j]);
        cv[nc].kind = CV_BARS;
        curve_style (&cv[nc++], j);
        dat_header (dat.fp, h, CV_BARS);
      }
  fputc ('\n', dat.fp);
  for (size_t xi = 0; xi < G->nxs; xi++)
    {
      fprintf (dat.fp, "%.17g", G->xs[xi]);
      for (size_t j = 0, c = 0; j < G->nns; j++)
        if (plottable_at (s, G->ns[j]))
          dat_point (dat.fp, fgap_report_point (s, G->xs[xi], G->ns[j]), &cv[c++]);
      fputc ('\n', dat.fp);
    }
  size_t tc = gp_title (gp.fp, rep, s->group, what);
  double lo = NAN, hi = NAN;
  x_span (s, 0, &lo, &hi);
  gp_axes (gp.fp, ax, ylabel, 0, lo, hi);
  gp_yaxis (gp.fp, cv, nc, NAN, NAN);
  gp_plot (gp.fp, name, cv, nc, NULL, 0, tc);
  fgap_free (cv);
  return close_plot (&dat, &gp, err);
}

static int
plot_errors_least (fga_report_ptr rep, const char *dir, fga_error *err)
{
  const fgap_series **ss = fgap_calloc (rep->nseries + 1, sizeof *ss, "the error plots", err);
  if (ss == NULL)
    return FGA_ERR_NOMEM;
  size_t ke = 0, kl = 0;
  int rc = FGA_OK;
  for (size_t g = 0; rc == FGA_OK && g < rep->ngroups; g++)
    {
      const fgap_group *G = &rep->groups[g];
      for (size_t j = 0; rc == FGA_OK && j < G->nns; j++)
        {
          size_t ns = error_series_at (rep, g, G->ns[j], ss);
          if (ns > 0)
            rc = plot_errors_at (rep, g, G->ns[j], ss, ns, dir, ++ke, err);
        }
      for (size_t i = 0; rc == FGA_OK && i < rep->nseries; i++)
        if (rep->series[i].group == g && rep->series[i].q == FGAP_Q_LEAST
            && plottable_at (&rep->series[i], NAN))
          rc = plot_least (rep, &rep->series[i], dir, ++kl, err);
    }
  fgap_free ((void *) ss);
  return rc;
}

/* --- against n: rank and the cost, one curve per beta ---------------------- */

/* d at n: the largest over the points of s there (0 when none).  */
static double
d_at (const fgap_series *s, double n)
{
  double d = 0;
  for (size_t i = 0; i < s->npts; i++)
    if (s->pts[i].n == n && s->pts[i].d > d)
      d = s->pts[i].d;
  return d;
}

#define NLEVELS 4     /* the monomial counts C(d+k, k), k = 1..NLEVELS */

/* The reference lines of a plot against n: the levels C(d+k, k) (when
   levels) and n.  */
typedef struct
{
  int levels;
  size_t drawn[NLEVELS];       /* the points of each level at or below n */
  double lo, hi;               /* the values written (NaN: none) */
} refs_t;

/* The reference columns of a row n: the levels C(d+k, k) at the d of n
   (left empty above n, a rank no matrix of n rows reaches), then n.  */
static void
dat_refs (FILE *fp, const fgap_series *a, double n, refs_t *r)
{
  double c = 1, d = d_at (a, n);
  for (int k = 1; r->levels && k <= NLEVELS; k++)
    {
      c = c * (d + k) / k;    /* C(d+k, k) from C(d+k-1, k-1), exact below 2^53 */
      if (c > n)
        {
          fputs (" ?", fp);
          continue;
        }
      fprintf (fp, " %.17g", c);
      span (&r->lo, &r->hi, c);
      r->drawn[k - 1]++;
    }
  fprintf (fp, " %.17g", n);
  span (&r->lo, &r->hi, n);
}

/* Writes the rows n where a or b has a point: for each beta series a and
   then, if b is not NULL, series b (3 columns each); then the reference
   columns.  cv: the curves in that order.  */
static void
dat_against_n (FILE *fp, const fgap_group *G, const fgap_series *a, const fgap_series *b,
               curve_t *cv, refs_t *r)
{
  for (size_t j = 0; j < G->nns; j++)
    {
      if (!plottable_at (a, G->ns[j]) && !plottable_at (b, G->ns[j]))
        continue;
      fprintf (fp, "%.17g", G->ns[j]);
      for (size_t xi = 0, c = 0; xi < G->nxs; xi++)
        {
          dat_point (fp, fgap_report_point (a, G->xs[xi], G->ns[j]), &cv[c++]);
          if (b != NULL)
            dat_point (fp, fgap_report_point (b, G->xs[xi], G->ns[j]), &cv[c++]);
        }
      dat_refs (fp, a, G->ns[j], r);
      fputc ('\n', fp);
    }
}

/* The elements of the reference columns from col on: the levels with two
   points or more, each in its own dash and grey, then the line n.  */
static void
gp_refs (char *buf, size_t size, size_t col, const refs_t *r, const char *n_title)
{
  /* dashes, dash-dot, dash-dot-dot, long dashes, greys darker with k; n
     dotted black */
  static const char *const greys[NLEVELS] = { "#a0a0a0", "#808080", "#606060", "#404040" };
  static const char *const dts[NLEVELS] = { "2", "4", "5", "(40,12)" };
  size_t len = 0;
  buf[0] = '\0';
  for (int k = 1; r->levels && k <= NLEVELS; k++, col++)
    if (r->drawn[k - 1] >= 2)
      len += (size_t) snprintf (buf + len, size - len, ", \\\n     '' using 1:%zu with lines "
                                "lw 1.2 dt %s lc rgb '%s' title 'C(d+%d,%d)'", col, dts[k - 1],
                                greys[k - 1], k, k);
  snprintf (buf + len, size - len, ", \\\n     '' using 1:%zu with lines lw 1.5 dt 3 "
            "lc rgb 'black' title '%s'", col, n_title);
}

/* One plot of series a (and b, dashed) against n on log-log axes, a curve
   per beta, then the reference lines (the levels C(d+k, k) when levels).  */
static int
plot_against_n (fga_report_ptr rep, const fgap_series *a, const fgap_series *b,
                const char *dir, const char *name, const char *what, const char *ylabel,
                int levels, const char *n_title, fga_error *err)
{
  const fgap_group *G = &rep->groups[a->group];
  const char *ax = fgap_report_axis (G);
  fga_atomic_file dat, gp;
  curve_t *cv;
  int rc = open_plot_curves (rep, &dat, &gp, dir, name, 2 * G->nxs, &cv, err);
  if (rc != FGA_OK)
    return rc;
  size_t nc = 0;
  fprintf (dat.fp, "# %s: mean over seeds; per %s three columns (every mean, exact ones, "
           "censored ones)%s; then %s n\n# n", what, ax,
           b ? ", then three of the dashed curve" : "",
           levels ? "C(d+k,k) for k = 1..4 at the d of n (up to n), and" : "");
  for (size_t xi = 0; xi < G->nxs; xi++)
    {
      char h[64];
      snprintf (cv[nc].title, sizeof cv[nc].title, "%s%s = %.6g", b ? "r_emp, " : "", ax,
                G->xs[xi]);
      cv[nc].kind = CV_CENS;
      curve_style (&cv[nc++], xi);
      snprintf (h, sizeof h, "%s=%.17g", ax, G->xs[xi]);
      dat_header (dat.fp, h, CV_CENS);
      if (b != NULL)
        {
          snprintf (cv[nc].title, sizeof cv[nc].title, "r_cert, %s = %.6g", ax, G->xs[xi]);
          cv[nc].kind = CV_CENS;
          curve_style (&cv[nc], xi);
          cv[nc++].dt = 2;
          snprintf (h, sizeof h, "%s=%.17g,r_cert", ax, G->xs[xi]);
          dat_header (dat.fp, h, CV_CENS);
        }
    }
  for (int k = 1; levels && k <= NLEVELS; k++)
    fprintf (dat.fp, " C(d+%d,%d)", k, k);
  fprintf (dat.fp, " n\n");
  refs_t r = { levels, { 0 }, NAN, NAN };
  dat_against_n (dat.fp, G, a, b, cv, &r);
  size_t tc = gp_title (gp.fp, rep, a->group, what);
  double lo = NAN, hi = NAN;
  x_span (a, 1, &lo, &hi);
  x_span (b, 1, &lo, &hi);
  gp_axes (gp.fp, "n", ylabel, 1, lo, hi);
  gp_yaxis (gp.fp, cv, nc, r.lo, r.hi);
  char extra[1024];
  gp_refs (extra, sizeof extra, 2 + 3 * nc, &r, n_title);
  gp_plot (gp.fp, name, cv, nc, extra, strlen ("C(d+1,1)"), tc);
  fgap_free (cv);
  return close_plot (&dat, &gp, err);
}

/* The least and largest d of the points of s.  */
static void
d_span (const fgap_series *s, double *lo, double *hi)
{
  *lo = *hi = NAN;
  for (size_t i = 0; i < s->npts; i++)
    if (plottable (&s->pts[i]))
      span (lo, hi, s->pts[i].d);
}

/* Numerical rank against n, with the monomial counts C(d+k, k) at each
   n's d: at small beta the rank sits on these levels, the polynomial
   method visible in P itself; and the rank n, full rank.  */
static int
plot_rank (fga_report_ptr rep, const fgap_series *s, const char *dir, size_t k,
           fga_error *err)
{
  char name[64], what[512], acc[128], ds[64];
  double dlo, dhi;
  d_span (s, &dlo, &dhi);
  if (dlo == dhi)
    snprintf (ds, sizeof ds, "d = %.17g", dlo);
  else
    snprintf (ds, sizeof ds, "d = %.17g..%.17g by n", dlo, dhi);
  fgap_report_accuracy (acc, sizeof acc, s);
  snprintf (name, sizeof name, "rank-%zu", k);
  snprintf (what, sizeof what, "numerical rank of P at tol %s; levels C(d+k,k), %s", acc, ds);
  return plot_against_n (rep, s, NULL, dir, name, what, "numerical rank", 1, "rank = n", err);
}

/* r_emp and r_cert against n, open markers where g_emp or g_cert is
   censored.  */
static int
plot_cost (fga_report_ptr rep, const fgap_series *s, const fgap_series *cert, const char *dir,
           size_t k, fga_error *err)
{
  char name[64], what[512], acc[128];
  fgap_report_accuracy (acc, sizeof acc, s);
  snprintf (name, sizeof name, "cost-r-%zu", k);
  snprintf (what, sizeof what, "poly's features r = C(d+g,d) at eps %s: empirical g (solid), "
            "certified g (dashed)", acc);
  return plot_against_n (rep, s, cert, dir, name, what, "features r", 0, "r = n", err);
}

/* The r_cert series beside the r_emp series s, or NULL.  */
static const fgap_series *
cert_of (const fga_report_struct *rep, const fgap_series *s)
{
  for (size_t i = 0; i < rep->nseries; i++)
    if (rep->series[i].group == s->group && rep->series[i].q == FGAP_Q_RCERT
        && strcmp (rep->series[i].param, s->param) == 0)
      return &rep->series[i];
  return NULL;
}

/* --- time against n, per group: a curve per method and beta ---------------- */

/* The wall-time series of group g: each label at its largest size.  */
static size_t
time_series (const fga_report_struct *rep, size_t g, const fgap_series **out)
{
  size_t k = 0;
  for (size_t i = 0; i < rep->nseries; i++)
    {
      const fgap_series *s = &rep->series[i];
      if (s->group != g || s->q != FGAP_Q_WALL)
        continue;
      size_t j;
      for (j = 0; j < k && strcmp (out[j]->label, s->label) != 0; j++)
        ;
      if (j == k)
        out[k++] = s;
      else if (s->param_num > out[j]->param_num || isnan (out[j]->param_num))
        out[j] = s;
    }
  return k;
}

/* The exponent of the times of s at beta x, NaN with fewer than two n:
   the fit is per beta, never through means over betas, which would mix
   instances whose times differ.  w: scratch of 2 G->nns.  */
static double
time_slope (const fgap_group *G, const fgap_series *s, double x, double *w)
{
  for (size_t j = 0; j < G->nns; j++)
    {
      const fgap_point *p = fgap_report_point (s, x, G->ns[j]);
      w[j] = p ? p->mean : NAN;
    }
  fga_fit fit;
  fga_fit_power (&fit, G->ns, w, G->nns, FGA_FIT_SKIP, NULL);
  return fit.exponent;
}

/* The curves of the time plot: label l and beta xi in cv[l nxs + xi],
   colour by label, point and dash by beta, the slope in the title.  */
static void
time_curves (const fgap_group *G, const fgap_series **ts, size_t nl, curve_t *cv, double *w)
{
  const char *ax = fgap_report_axis (G);
  for (size_t l = 0; l < nl; l++)
    for (size_t xi = 0; xi < G->nxs; xi++)
      {
        curve_t *c = &cv[l * G->nxs + xi];
        double a = time_slope (G, ts[l], G->xs[xi], w);
        int len = snprintf (c->title, sizeof c->title, "%s", ts[l]->label);
        if (*ts[l]->size_key)
          len += snprintf (c->title + len, sizeof c->title - len, " %s = %s",
                           ts[l]->size_key, ts[l]->param);
        len += snprintf (c->title + len, sizeof c->title - len, ", %s = %.6g", ax, G->xs[xi]);
        if (!isnan (a))
          snprintf (c->title + len, sizeof c->title - len, ": slope %.2f", a);
        c->colour = (int) (l % NCOLOURS);
        c->pt = filled_pt[xi % NPT];
        c->dt = 1 + (int) (xi % 5);
      }
}

static int
plot_time (fga_report_ptr rep, size_t g, const fgap_series **ts, size_t nl, const char *dir,
           size_t k, fga_error *err)
{
  const fgap_group *G = &rep->groups[g];
  size_t nc = nl * G->nxs;
  double *w = fgap_calloc (G->nns + 1, sizeof *w, "the time plot", err);
  curve_t *cv = NULL;
  fga_atomic_file dat, gp;
  char name[64];
  snprintf (name, sizeof name, "time-%zu", k);
  int rc = w == NULL ? FGA_ERR_NOMEM : open_plot_curves (rep, &dat, &gp, dir, name, nc, &cv,
                                                          err);
  if (rc != FGA_OK)
    {
      fgap_free (w);
      return rc;
    }
  time_curves (G, ts, nl, cv, w);
  fprintf (dat.fp, "# mean wall seconds (status ok) of each label at its largest size, per %s"
           "\n# n", fgap_report_axis (G));
  for (size_t l = 0; l < nl; l++)
    for (size_t xi = 0; xi < G->nxs; xi++)
      fprintf (dat.fp, " %s,%s=%.17g", ts[l]->label, fgap_report_axis (G), G->xs[xi]);
  fputc ('\n', dat.fp);
  double lo = NAN, hi = NAN;
  for (size_t j = 0; j < G->nns; j++)
    {
      fprintf (dat.fp, "%.17g", G->ns[j]);
      for (size_t c = 0; c < nc; c++)
        {
          const fgap_point *p = fgap_report_point (ts[c / G->nxs], G->xs[c % G->nxs], G->ns[j]);
          dat_value (dat.fp, p ? p->mean : NAN, &cv[c]);
        }
      fputc ('\n', dat.fp);
    }
  for (size_t l = 0; l < nl; l++)
    x_span (ts[l], 1, &lo, &hi);
  size_t tc = gp_title (gp.fp, rep, g, "wall time against n, each method at its largest "
                       "size; slopes fitted per beta");
  gp_axes (gp.fp, "n", "wall seconds (mean over seeds)", 1, lo, hi);
  gp_yaxis (gp.fp, cv, nc, NAN, NAN);
  gp_plot (gp.fp, name, cv, nc, NULL, 0, tc);
  rc = close_plot (&dat, &gp, err);
  fgap_free (w);
  fgap_free (cv);
  return rc;
}

static int
plot_times (fga_report_ptr rep, const char *dir, fga_error *err)
{
  const fgap_series **ts = fgap_calloc (rep->nseries + 1, sizeof *ts, "the time plot", err);
  if (ts == NULL)
    return FGA_ERR_NOMEM;
  int rc = FGA_OK;
  size_t k = 0;
  for (size_t g = 0; rc == FGA_OK && g < rep->ngroups; g++)
    {
      size_t nl = time_series (rep, g, ts), nn = 0;
      const fgap_group *G = &rep->groups[g];
      for (size_t j = 0; j < G->nns; j++)
        {
          size_t l = 0;
          while (l < nl && !plottable_at (ts[l], G->ns[j]))
            l++;
          nn += l < nl;
        }
      if (nn >= 2)
        rc = plot_time (rep, g, ts, nl, dir, ++k, err);
    }
  fgap_free ((void *) ts);
  return rc;
}

int
fgap_report_plots (fga_report_ptr rep, const char *dir, fga_error *err)
{
  int rc = plot_errors_least (rep, dir, err);
  size_t kr = 0, kc = 0;
  for (size_t i = 0; rc == FGA_OK && i < rep->nseries; i++)
    {
      const fgap_series *s = &rep->series[i];
      const fgap_group *G = &rep->groups[s->group];
      if (s->q == FGAP_Q_RANK && n_drawn (G, s, NULL) >= 2)
        rc = plot_rank (rep, s, dir, ++kr, err);
      else if (s->q == FGAP_Q_REMP && n_drawn (G, s, cert_of (rep, s)) >= 2)
        rc = plot_cost (rep, s, cert_of (rep, s), dir, ++kc, err);
    }
  return rc != FGA_OK ? rc : plot_times (rep, dir, err);
}
