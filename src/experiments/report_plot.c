/* report_plot.c -- the gnuplot inputs of a sweep's report: NAME.dat and NAME.gp

   Every plot belongs to one group (family and law), whose title it carries
   on its second line.  A curve that may hold censored means takes three
   columns in NAME.dat: every mean (for the line), the exact ones (filled
   markers) and the censored ones (open markers, a series of their own), so
   that a lower bound is drawn where it is and seen for what it is, never
   dropped.  */

#include "core/fga-impl.h"
#include "experiments/report-impl.h"

#define MAX_PLOTS 6     /* error and least-size plots of a group: its first few series */

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

typedef struct
{
  char title[96];
  int censorable;              /* three columns: every mean, exact, censored */
  int dashed;
  int lt;                      /* gnuplot's linetype: the colour */
  size_t exact, censored;      /* the points written of each kind */
  double ymin, ymax;           /* of the values written */
} curve_t;

static void
curve_y (curve_t *cv, double v)
{
  cv->ymin = cv->exact + cv->censored == 0 || v < cv->ymin ? v : cv->ymin;
  cv->ymax = cv->exact + cv->censored == 0 || v > cv->ymax ? v : cv->ymax;
}

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

/* The title: what, the group on the second line, and what open markers
   mean on a third when the curves hold a censored point.  */
static void
gp_title (FILE *fp, const fga_report_struct *rep, size_t g, const char *what,
          const curve_t *cv, size_t nc)
{
  char t[512];
  size_t cens = 0;
  for (size_t k = 0; k < nc; k++)
    cens += cv[k].censored;
  fgap_report_group_title (t, sizeof t, &rep->groups[g]);
  fputs ("set title \"", fp);
  gp_line (fp, what);
  fputs ("\\n", fp);
  gp_line (fp, t);
  if (cens > 0)
    fputs ("\\nopen markers: censored means (lower bounds of the true ones)", fp);
  fputs ("\"\n", fp);
}

/* Ranges: a margin around the points (which sit on the frame otherwise),
   and an explicit range where every x or every y is one value (gnuplot
   warns of an empty range); [xmin, xmax] the x of the points drawn.  A
   plot with the line y = n (with_n) has a y range wherever it has an x
   range.  */
static void
gp_ranges (FILE *fp, double xmin, double xmax, int logx, int with_n, const curve_t *cv,
           size_t nc)
{
  double ymin = NAN, ymax = NAN;
  for (size_t k = 0; k < nc; k++)
    if (cv[k].exact + cv[k].censored > 0)
      {
        ymin = isnan (ymin) || cv[k].ymin < ymin ? cv[k].ymin : ymin;
        ymax = isnan (ymax) || cv[k].ymax > ymax ? cv[k].ymax : ymax;
      }
  fprintf (fp, "set offsets graph 0.03, graph 0.03, 0, 0\n");
  if (xmin == xmax && logx)
    fprintf (fp, "set xrange [%.17g:%.17g]\n", xmin / 2, xmin * 2);
  else if (xmin == xmax)
    fprintf (fp, "set xrange [%.17g:%.17g]\n", xmin - 0.5, xmin + 0.5);
  if (ymin == ymax && !with_n)
    fprintf (fp, "set yrange [%.17g:%.17g]\n", ymin / 2, ymin * 2);
}

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

/* The three columns of a censorable curve at one point.  */
static void
dat_point3 (FILE *fp, const fgap_point *p, curve_t *cv)
{
  if (!plottable (p))
    fputs (" ? ? ?", fp);
  else if (p->censored > 0)
    {
      fprintf (fp, " %.17g ? %.17g", p->mean, p->mean);
      curve_y (cv, p->mean);
      cv->censored++;
    }
  else
    {
      fprintf (fp, " %.17g %.17g ?", p->mean, p->mean);
      curve_y (cv, p->mean);
      cv->exact++;
    }
}

/* One element of the plot command; the title goes on the first element of
   a curve that has points.  */
static void
gp_element (FILE *fp, int *first, const char *name, size_t col, const char *style,
            const char *opts, const curve_t *cv, int titled)
{
  /* lt first: it sets every property of the line type, dt 2 after it */
  fprintf (fp, "%s'%s' using 1:%zu with %s lt %d%s", *first ? "" : ", \\\n     ",
           *first ? name : "", col, style, cv->lt, opts);
  if (titled)
    {
      fputs (" title ", fp);
      gp_str (fp, cv->title);
    }
  else
    fputs (" notitle", fp);
  *first = 0;
}

/* The plot command: the curves' columns of NAME.dat from 2 on, against
   column 1, then `extra'.  Elements without a point are left out (gnuplot
   warns of each), and so are curves without any.  */
static void
gp_plot (FILE *fp, const char *name, const curve_t *cv, size_t nc, const char *extra)
{
  char dat[600];
  snprintf (dat, sizeof dat, "%s.dat", name);
  for (int pass = 0; pass < 2; pass++)
    {
      fprintf (fp, pass == 0 ? "set terminal pngcairo noenhanced size 1100,660\n"
                             "set output out.'.png'\n"
                             : "set terminal svg noenhanced size 1100,660\n"
                             "set output out.'.svg'\n");
      fprintf (fp, "plot ");
      size_t col = 2;
      int first = 1;
      for (size_t k = 0; k < nc; k++)
        {
          const curve_t *c = &cv[k];
          if (c->censorable)
            {
              if (c->exact + c->censored > 1)
                gp_element (fp, &first, dat, col, "lines", "", c, 0);
              if (c->exact > 0)
                gp_element (fp, &first, dat, col + 1, "points", " pt 7", c, 1);
              if (c->censored > 0)
                gp_element (fp, &first, dat, col + 2, "points", " pt 6", c, c->exact == 0);
              col += 3;
            }
          else
            {
              if (c->exact > 0)
                gp_element (fp, &first, dat, col, "linespoints",
                            c->dashed ? " dt 2 pt 7" : " pt 7", c, 1);
              col++;
            }
        }
      if (extra != NULL)
        fprintf (fp, "%s", extra);
      fprintf (fp, "\nunset output\n");
    }
}

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
           "set key outside right top\n"
           "set grid\n", name, name, name);
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

/* The least and largest x (beta, or n when of_n) of the points of s a log
   scale can draw; s may be NULL.  */
static void
x_span (const fgap_series *s, int of_n, double *lo, double *hi)
{
  for (size_t i = 0; s != NULL && i < s->npts; i++)
    if (plottable (&s->pts[i]))
      {
        double x = of_n ? s->pts[i].n : s->pts[i].x;
        *lo = isnan (*lo) || x < *lo ? x : *lo;
        *hi = isnan (*hi) || x > *hi ? x : *hi;
      }
}

/* Whether s has a point a log scale can draw (gnuplot refuses a plot with
   none at all).  */
static int
series_plottable (const fgap_series *s)
{
  for (size_t i = 0; i < s->npts; i++)
    if (plottable (&s->pts[i]))
      return 1;
  return 0;
}

/* --- against beta: error and least size, one curve per n ------------------- */

static int
plot_against_x (fga_report_ptr rep, const fgap_series *s, const char *dir, const char *name,
                const char *what, const char *ylabel, fga_error *err)
{
  const fgap_group *G = &rep->groups[s->group];
  const char *ax = fgap_report_axis (G);
  int censorable = s->q == FGAP_Q_LEAST;
  fga_atomic_file dat, gp;
  curve_t *cv;
  int rc = open_plot_curves (rep, &dat, &gp, dir, name, G->nns, &cv, err);
  if (rc != FGA_OK)
    return rc;
  fprintf (dat.fp, "# %s: mean over seeds%s\n# %s", what,
           censorable ? "; per n three columns: every mean, exact ones, censored ones" : "", ax);
  for (size_t j = 0; j < G->nns; j++)
    {
      snprintf (cv[j].title, sizeof cv[j].title, "n = %.17g", G->ns[j]);
      cv[j].censorable = censorable;
      cv[j].lt = (int) j + 1;
      fprintf (dat.fp, censorable ? " n=%.17g n=%.17g,exact n=%.17g,censored" : " n=%.17g",
               G->ns[j], G->ns[j], G->ns[j]);
    }
  fputc ('\n', dat.fp);
  for (size_t xi = 0; xi < G->nxs; xi++)
    {
      fprintf (dat.fp, "%.17g", G->xs[xi]);
      for (size_t j = 0; j < G->nns; j++)
        {
          const fgap_point *p = fgap_report_point (s, G->xs[xi], G->ns[j]);
          if (censorable)
            dat_point3 (dat.fp, p, &cv[j]);
          else
            dat_value (dat.fp, p ? p->mean : NAN, &cv[j]);
        }
      fputc ('\n', dat.fp);
    }
  gp_title (gp.fp, rep, s->group, what, cv, G->nns);
  fprintf (gp.fp, "set xlabel '%s'\nset ylabel ", ax);
  gp_str (gp.fp, ylabel);
  fprintf (gp.fp, "\nset logscale y\n");
  double lo = NAN, hi = NAN;
  x_span (s, 0, &lo, &hi);
  gp_ranges (gp.fp, lo, hi, 0, 0, cv, G->nns);
  gp_plot (gp.fp, name, cv, G->nns, NULL);
  fgap_free (cv);
  return close_plot (&dat, &gp, err);
}

static int
plot_errors_least (fga_report_ptr rep, const char *dir, fga_error *err)
{
  size_t ke = 0, kl = 0, per_group[2] = { 0, 0 };
  size_t g = SIZE_MAX;
  int rc = FGA_OK;
  for (size_t i = 0; rc == FGA_OK && i < rep->nseries; i++)
    {
      const fgap_series *s = &rep->series[i];
      int which = s->q == FGAP_Q_ERROR ? 0 : s->q == FGAP_Q_LEAST ? 1 : -1;
      if (s->group != g)
        {
          g = s->group;
          per_group[0] = per_group[1] = 0;
        }
      if (which < 0 || per_group[which] >= MAX_PLOTS || !series_plottable (s))
        continue;
      per_group[which]++;
      char name[64], what[512], acc[128];
      if (which == 0)
        {
          snprintf (name, sizeof name, "error-vs-%s-%zu", fgap_report_axis (&rep->groups[g]),
                    ++ke);
          if (*s->size_key)
            snprintf (what, sizeof what, "max_abs error against %s: %s, %s = %s",
                      fgap_report_axis (&rep->groups[g]), s->label, s->size_key, s->param);
          else
            snprintf (what, sizeof what, "max_abs error against %s: %s",
                      fgap_report_axis (&rep->groups[g]), s->label);
          rc = plot_against_x (rep, s, dir, name, what, "max_abs error", err);
        }
      else
        {
          snprintf (name, sizeof name, "least-size-%zu", ++kl);
          fgap_report_accuracy (acc, sizeof acc, s);
          snprintf (what, sizeof what, "least %s of %s reaching %s, against %s",
                    *s->size_key ? s->size_key : "size", s->label, acc,
                    fgap_report_axis (&rep->groups[g]));
          rc = plot_against_x (rep, s, dir, name, what, "least size (log scale)", err);
        }
    }
  return rc;
}

/* --- against n: rank and the cost, one curve per beta ---------------------- */

/* The largest n of the points of s, and d there (the levels C(d+k, k)):
   the rank stops at [rank] max_n, below the group's largest n.  */
static void
d_at_largest (const fgap_series *s, double *n, double *d)
{
  *n = *d = 0;
  for (size_t i = 0; i < s->npts; i++)
    if (s->pts[i].n > *n || (s->pts[i].n == *n && s->pts[i].d > *d))
      {
        *n = s->pts[i].n;
        *d = s->pts[i].d;
      }
}

/* Writes rows n of the curves: for each beta, series a (censorable) and
   then, if b is not NULL, series b (one column); cv: the curves in that
   order.  */
static void
dat_against_n (FILE *fp, const fgap_group *G, const fgap_series *a, const fgap_series *b,
               curve_t *cv)
{
  for (size_t j = 0; j < G->nns; j++)
    {
      fprintf (fp, "%.17g", G->ns[j]);
      for (size_t xi = 0, c = 0; xi < G->nxs; xi++)
        {
          dat_point3 (fp, fgap_report_point (a, G->xs[xi], G->ns[j]), &cv[c++]);
          if (b != NULL)
            {
              const fgap_point *p = fgap_report_point (b, G->xs[xi], G->ns[j]);
              dat_value (fp, p ? p->mean : NAN, &cv[c++]);
            }
        }
      fputc ('\n', fp);
    }
}

/* One plot of series a (and b, dashed) against n on log-log axes, a curve
   per beta, with the line n and `levels' in the script.  */
static int
plot_against_n (fga_report_ptr rep, const fgap_series *a, const fgap_series *b,
                const char *dir, const char *name, const char *what, const char *ylabel,
                const char *levels, fga_error *err)
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
           "censored ones)%s\n# n", what, ax, b ? " then the dashed curve" : "");
  for (size_t xi = 0; xi < G->nxs; xi++)
    {
      snprintf (cv[nc].title, sizeof cv[nc].title, "%s%s = %.6g", b ? "r_emp, " : "", ax,
                G->xs[xi]);
      cv[nc].censorable = 1;
      cv[nc++].lt = (int) xi + 1;
      fprintf (dat.fp, " %s=%.17g %s=%.17g,exact %s=%.17g,censored", ax, G->xs[xi], ax,
               G->xs[xi], ax, G->xs[xi]);
      if (b != NULL)
        {
          snprintf (cv[nc].title, sizeof cv[nc].title, "r_cert, %s = %.6g", ax, G->xs[xi]);
          cv[nc].dashed = 1;
          cv[nc++].lt = (int) xi + 1;
          fprintf (dat.fp, " %s=%.17g,r_cert", ax, G->xs[xi]);
        }
    }
  fputc ('\n', dat.fp);
  dat_against_n (dat.fp, G, a, b, cv);
  char extra[1024];
  gp_title (gp.fp, rep, a->group, what, cv, nc);
  fprintf (gp.fp, "set xlabel 'n'\nset ylabel ");
  gp_str (gp.fp, ylabel);
  /* the x range of the data, not the next decade: n spans less than one */
  fprintf (gp.fp, "\nset logscale xy\nset autoscale xfix\n");
  double lo = NAN, hi = NAN;
  x_span (a, 1, &lo, &hi);
  x_span (b, 1, &lo, &hi);
  gp_ranges (gp.fp, lo, hi, 1, 1, cv, nc);
  snprintf (extra, sizeof extra, "%s, \\\n     x with lines dt 3 lc rgb 'black' title 'n'",
            levels);
  gp_plot (gp.fp, name, cv, nc, extra);
  fgap_free (cv);
  return close_plot (&dat, &gp, err);
}

/* Numerical rank against n, with the monomial counts C(d+k, k): at small
   beta the rank sits on these levels, the polynomial method visible in P
   itself; and n, full rank.  */
static int
plot_rank (fga_report_ptr rep, const fgap_series *s, const char *dir, size_t k,
           fga_error *err)
{
  double nmax, dmax, c = 1;
  d_at_largest (s, &nmax, &dmax);
  char name[64], what[512], acc[128], levels[768];
  size_t len = 0;
  levels[0] = '\0';
  for (int j = 1; j <= 4; j++)
    {
      c = c * (dmax + j) / j;    /* C(d+j, j) from C(d+j-1, j-1) */
      len += (size_t) snprintf (levels + len, sizeof levels - len,
                                ", \\\n     %.17g with lines dashtype 2 lc rgb 'gray' "
                                "title 'C(d+%d,%d) = %.17g'", c, j, j, c);
    }
  fgap_report_accuracy (acc, sizeof acc, s);
  snprintf (name, sizeof name, "rank-%zu", k);
  snprintf (what, sizeof what, "numerical rank of P, tol %s; dashed: C(d+k,k), k = 1..4, "
            "d = %.17g (of n = %.17g); dotted: n", acc, dmax, nmax);
  return plot_against_n (rep, s, NULL, dir, name, what, "numerical rank", levels, err);
}

/* r_emp (open markers where g_emp is censored) and r_cert against n.  */
static int
plot_cost (fga_report_ptr rep, const fgap_series *s, const char *dir, size_t k,
           fga_error *err)
{
  const fgap_series *cert = NULL;
  for (size_t i = 0; i < rep->nseries; i++)
    if (rep->series[i].group == s->group && rep->series[i].q == FGAP_Q_RCERT
        && strcmp (rep->series[i].param, s->param) == 0)
      cert = &rep->series[i];
  char name[64], what[512], acc[128];
  fgap_report_accuracy (acc, sizeof acc, s);
  snprintf (name, sizeof name, "cost-r-%zu", k);
  snprintf (what, sizeof what, "poly's feature count r = C(d+g,d) at eps %s: r_emp (solid) and "
            "r_cert (dashed); dotted: n", acc);
  return plot_against_n (rep, s, cert, dir, name, what, "features r", "", err);
}

/* --- time against n, per group --------------------------------------------- */

/* The mean wall time of series s at n over every beta, weighted by seeds:
   the mean of the rows.  */
static double
mean_over_x (const fgap_series *s, double n)
{
  double sum = 0;
  size_t m = 0;
  for (size_t i = 0; i < s->npts; i++)
    if (s->pts[i].n == n && !isnan (s->pts[i].mean))
      {
        sum += s->pts[i].mean * (double) s->pts[i].seeds;
        m += s->pts[i].seeds;
      }
  return m ? sum / (double) m : NAN;
}

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

static int
plot_time (fga_report_ptr rep, size_t g, const fgap_series **ts, size_t nl, const char *dir,
           size_t k, fga_error *err)
{
  const fgap_group *G = &rep->groups[g];
  size_t nn = G->nns;
  double *w = fgap_calloc (nl * nn + 1, sizeof *w, "the time plot", err);
  curve_t *cv = NULL;
  fga_atomic_file dat, gp;
  char name[64];
  snprintf (name, sizeof name, "time-%zu", k);
  int rc = w == NULL ? FGA_ERR_NOMEM : open_plot_curves (rep, &dat, &gp, dir, name, nl, &cv,
                                                          err);
  if (rc == FGA_OK)
    {
      for (size_t l = 0; l < nl; l++)
        {
          for (size_t j = 0; j < nn; j++)
            w[l * nn + j] = mean_over_x (ts[l], G->ns[j]);
          fga_fit fit;
          fga_fit_power (&fit, G->ns, w + l * nn, nn, FGA_FIT_SKIP, NULL);
          snprintf (cv[l].title, sizeof cv[l].title, "%s (slope %.2f)", ts[l]->label,
                    fit.exponent);
          cv[l].lt = (int) l + 1;
        }
      fprintf (dat.fp, "# mean wall seconds of each label at its largest size\n# n");
      for (size_t l = 0; l < nl; l++)
        fprintf (dat.fp, " %s", ts[l]->label);
      fputc ('\n', dat.fp);
      for (size_t j = 0; j < nn; j++)
        {
          fprintf (dat.fp, "%.17g", G->ns[j]);
          for (size_t l = 0; l < nl; l++)
            dat_value (dat.fp, w[l * nn + j], &cv[l]);
          fputc ('\n', dat.fp);
        }
      gp_title (gp.fp, rep, g, "wall time against n, each method at its largest size; slope: "
                "least-squares fit of log time against log n", cv, 0);
      fprintf (gp.fp, "set xlabel 'n'\nset ylabel 'seconds'\nset logscale xy\n");
      double lo = NAN, hi = NAN;
      for (size_t l = 0; l < nl; l++)
        x_span (ts[l], 1, &lo, &hi);
      gp_ranges (gp.fp, lo, hi, 1, 0, cv, nl);
      gp_plot (gp.fp, name, cv, nl, NULL);
      rc = close_plot (&dat, &gp, err);
    }
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
      size_t nl = time_series (rep, g, ts), any = 0;
      for (size_t l = 0; l < nl; l++)
        any += series_plottable (ts[l]);
      if (any > 0)
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
      if (s->q == FGAP_Q_RANK && series_plottable (s))
        rc = plot_rank (rep, s, dir, ++kr, err);
      else if (s->q == FGAP_Q_REMP && series_plottable (s))
        rc = plot_cost (rep, s, dir, ++kc, err);
    }
  return rc != FGA_OK ? rc : plot_times (rep, dir, err);
}
