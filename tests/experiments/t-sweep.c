/* t-sweep -- running an experiment grid: row counts, statuses, the least-size search, resume, determinism */

#include <config.h>

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "testutil.h"

/* n = 32, 64; beta 0.25, 1; seeds 1, 2: 8 cells.  exact (no size) and
   poly at deg 2, 4 with target 1e-3: 3 results rows, 2 rank rows (1/n and
   1e-3) and 1 least row per cell.  */
static void
tiny_config (fga_sweep_config *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->nn = 2;
  cfg->n[0] = 32;
  cfg->n[1] = 64;
  cfg->d_fixed = 4;
  cfg->use_beta = 1;
  cfg->nb = 2;
  cfg->b[0] = 0.25;
  cfg->b[1] = 1;
  cfg->dist = FGA_DIST_UNIFORM;
  cfg->tau.kind = FGA_TAU_INV_D;
  cfg->nseeds = 2;
  cfg->seeds[0] = 1;
  cfg->seeds[1] = 2;
  cfg->mpfr_max_n = 64;
  cfg->prec = 128;
  cfg->ntol = 2;
  cfg->tol[0] = -1;
  cfg->tol[1] = 1e-3;
  cfg->rank_max_n = 64;
  cfg->nmethods = 2;
  fga_sweep_method *m = &cfg->methods[0];
  snprintf (m->label, sizeof m->label, "exact");
  snprintf (m->spec, sizeof m->spec, "exact:algo=naive");
  m = &cfg->methods[1];
  snprintf (m->label, sizeof m->label, "poly");
  snprintf (m->spec, sizeof m->spec, "poly:basis=cheb");
  snprintf (m->size_key, sizeof m->size_key, "deg");
  m->nsizes = 2;
  m->sizes[0] = 2;
  m->sizes[1] = 4;
  m->ntargets = 1;
  m->targets[0] = 1e-3;
  m->max_size = 16;
}

#define NCELLS 8

/* A CSV file as lines and fields (RFC 4180 quotes understood).  */
typedef struct
{
  size_t nrows, ncols;
  char *line[512];             /* raw lines, header first */
  char *field[512][32];
} csv_t;

static void
csv_read (csv_t *t, const char *path)
{
  memset (t, 0, sizeof *t);
  FILE *fp = fopen (path, "r");
  ck_assert_msg (fp != NULL, "%s missing", path);
  char buf[8192];
  while (fgets (buf, sizeof buf, fp) != NULL)
    {
      size_t len = strlen (buf);
      ck_assert_msg (len > 0 && buf[len - 1] == '\n', "%s: a partial line", path);
      buf[len - 1] = '\0';
      ck_assert_uint_lt (t->nrows, 512);
      size_t r = t->nrows++;
      t->line[r] = strdup (buf);
      size_t nf = 0;
      char *p = buf;
      for (;;)
        {
          char val[1024];
          size_t k = 0;
          if (*p == '"')
            {
              for (p++; *p && !(*p == '"' && p[1] != '"'); p++)
                {
                  if (*p == '"')
                    p++;
                  val[k++] = *p;
                }
              if (*p == '"')
                p++;
            }
          else
            while (*p && *p != ',')
              val[k++] = *p++;
          val[k] = '\0';
          ck_assert_uint_lt (nf, 32);
          t->field[r][nf++] = strdup (val);
          if (*p != ',')
            break;
          p++;
        }
      if (r == 0)
        t->ncols = nf;
      else
        ck_assert_msg (nf == t->ncols, "%s row %zu: %zu fields, header %zu", path, r, nf,
                       t->ncols);
    }
  fclose (fp);
}

static void
csv_free (csv_t *t)
{
  for (size_t r = 0; r < t->nrows; r++)
    {
      free (t->line[r]);
      for (size_t f = 0; f < 32 && t->field[r][f] != NULL; f++)
        free (t->field[r][f]);
    }
}

static int
col (const csv_t *t, const char *name)
{
  for (size_t f = 0; f < t->ncols; f++)
    if (strcmp (t->field[0][f], name) == 0)
      return (int) f;
  ck_abort_msg ("no column %s", name);
  return -1;
}

static void
run_sweep (const fga_sweep_config *cfg, const char *dir, int jobs)
{
  fga_error err;
  fga_error_init (&err);
  fga_sweep_opts opts = { jobs, NULL, NULL };
  int rc = fga_sweep_run (cfg, dir, &opts, &err);
  ck_assert_msg (rc == FGA_OK, "fga_sweep_run: %s", err.msg);
}

static char *
make_dir (void)
{
  char tmpl[] = "/tmp/fgattn-t-sweep-XXXXXX";
  ck_assert_ptr_nonnull (mkdtemp (tmpl));
  return strdup (tmpl);
}

static void
remove_dir (char *dir)
{
  static const char *const names[] = { "results.csv", "rank.csv", "least.csv", "sweep.json",
                                        ".lock" };
  char path[4200];
  for (size_t k = 0; k < 5; k++)
    {
      snprintf (path, sizeof path, "%s/%s", dir, names[k]);
      unlink (path);
    }
  ck_assert_uint_eq (fga_test_count_entries (dir), 0);
  rmdir (dir);
  free (dir);
}

static void
read_three (csv_t t[3], const char *dir)
{
  static const char *const names[] = { "results.csv", "rank.csv", "least.csv" };
  char path[4200];
  for (int k = 0; k < 3; k++)
    {
      snprintf (path, sizeof path, "%s/%s", dir, names[k]);
      csv_read (&t[k], path);
    }
}

static int
strcmp_ptr (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The sorted lines of a file, its wall_seconds column (the last) cut when cut_last. */
static char *
sorted_rows (const csv_t *t, int cut_last)
{
  size_t n = t->nrows;
  char **lines = calloc (n, sizeof *lines);
  size_t total = 1;
  for (size_t r = 0; r < n; r++)
    {
      lines[r] = strdup (t->line[r]);
      if (cut_last)
        *strrchr (lines[r], ',') = '\0';
      total += strlen (lines[r]) + 1;
    }
  qsort (lines + 1, n - 1, sizeof *lines, strcmp_ptr);
  char *out = calloc (total, 1);
  for (size_t r = 0; r < n; r++)
    {
      strcat (out, lines[r]);
      strcat (out, "\n");
      free (lines[r]);
    }
  free (lines);
  return out;
}

/* I_k(x), the modified Bessel function, by its series
   sum_j (x/2)^(2j+k) / (j! (j+k)!) in long double, rounded up by a margin
   far above the rounding of the sum (every term is positive).  */
static double
bessel_i (int k, double x)
{
  long double h = x / 2, t = 1, sum = 0;
  for (int i = 1; i <= k; i++)
    t *= h / i;
  for (int j = 0; j < 200 && t > 0; j++)
    {
      sum += t;
      if (t < 1e-30L * sum)
        break;
      t *= h * h / ((long double) (j + 1) * (long double) (j + 1 + k));
    }
  return (double) (sum * (1 + 1e-15L));
}

/* The certified error bound of poly:basis=cheb,deg=g (R=auto) on the cell's
   instance, from the definitions (theory/upper-bound.md, lemmas 5 and 6;
   fga_poly_rounding_bound in fgattn/mpfr.h), not from the method's stats:
   - R = tau max_i |q_i| max_j |k_j|, rounded up (Cauchy-Schwarz);
   - p is the Chebyshev series of e^{R t} cut at degree g, so
     |p(x) - e^x| <= sum_{k > g} |a_k| with a_k = 2 I_k(R), and e^x >= e^-R
     gives the relative error *eps_rel = e^R sum_{k > g} 2 I_k(R);
   - the rounding of the double evaluation: with u = 2^-53, r = C(d+g, d),
     m = 2 g + n + r + 1, gamma_m = m u / (1 - m u) and P = sum |c_k| R^k <=
     sum_j |a_j| (1 + sqrt 2)^j (the coefficients of T_j in absolute value
     sum to |T_j(i)|), rho = gamma_m P e^R / (1 - eps), rb = 2 rho / (1 - rho)
     + u (1 + 2 rho / (1 - rho));
   - the truth is the correctly rounded Att: u ||V||_inf more.
   Returns (2 eps + rb + u) ||V||_inf; *eps_rel >= 1 makes it vacuous.  */
static double
poly_bound (double *eps_rel, size_t n, double b, unsigned long seed, long g)
{
  const size_t d = 4;
  fga_error err;
  fga_error_init (&err);
  fga_instance_t inst;
  fga_instance_init (inst);
  double B = b * sqrt (log ((double) n));
  ck_assert_int_eq (fga_instance_generate (inst, n, n, d, d, B, B, FGA_DIST_UNIFORM, seed, &err),
                    FGA_OK);
  long double q2 = 0, k2 = 0, vmax = 0;
  for (size_t i = 0; i < n; i++)
    {
      long double sq = 0, sk = 0;
      for (size_t l = 0; l < d; l++)
        {
          sq += (long double) FGA_MAT (inst->Q, i, l) * FGA_MAT (inst->Q, i, l);
          sk += (long double) FGA_MAT (inst->K, i, l) * FGA_MAT (inst->K, i, l);
          vmax = fmaxl (vmax, fabsl ((long double) FGA_MAT (inst->V, i, l)));
        }
      q2 = fmaxl (q2, sq);
      k2 = fmaxl (k2, sk);
    }
  fga_instance_clear (inst);
  double R = fmax ((double) (sqrtl (q2) * sqrtl (k2) / d * (1 + 1e-12L)), 0x1p-30);
  double tail = 0;
  for (long k = g + 1; k <= g + 80; k++)
    tail += 2 * bessel_i ((int) k, R);
  *eps_rel = tail * exp (R) * (1 + 1e-12);
  double P = 0;
  for (long j = 0; j <= g; j++)
    P += (j == 0 ? 1 : 2) * bessel_i ((int) j, R) * pow (1 + sqrt (2), (double) j);
  double r = 1;
  for (long k = 1; k <= g; k++)
    r = r * (double) (d + (size_t) k) / (double) k;     /* C(d + g, g) */
  const double u = 0x1p-53;
  double m = 2 * (double) g + (double) n + r + 1;
  double gamma = m * u / (1 - m * u);
  double rho = gamma * P * exp (R) / (1 - *eps_rel) * (1 + 1e-12);
  double rb = 2 * rho / (1 - rho) + u * (1 + 2 * rho / (1 - rho));
  return (2 * *eps_rel + rb + u) * (double) vmax * (1 + 1e-12);
}

START_TEST (test_rows_and_values)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  char *dir = make_dir ();
  run_sweep (&cfg, dir, 1);
  csv_t t[3];
  read_three (t, dir);
  ck_assert_uint_eq (t[0].nrows, 1 + NCELLS * 3);
  ck_assert_uint_eq (t[1].nrows, 1 + NCELLS * 2);
  ck_assert_uint_eq (t[2].nrows, 1 + NCELLS * 1);
  ck_assert_uint_eq (t[0].ncols, 29);
  ck_assert_uint_eq (t[1].ncols, 9);
  ck_assert_uint_eq (t[2].ncols, 10);

  int cstatus = col (&t[0], "status"), cmax = col (&t[0], "max_abs");
  int clabel = col (&t[0], "label"), csize = col (&t[0], "size"), ccell = col (&t[0], "cell");
  int ctruth = col (&t[0], "truth"), cmul = col (&t[0], "mul");
  size_t bounded = 0;
  for (size_t r = 1; r < t[0].nrows; r++)
    {
      ck_assert_str_eq (t[0].field[r][cstatus], "ok");
      ck_assert_str_eq (t[0].field[r][ctruth], "mpfr");
      ck_assert_msg (strtod (t[0].field[r][cmul], NULL) > 0, "no counted multiplications");
      double e = strtod (t[0].field[r][cmax], NULL);
      if (strcmp (t[0].field[r][clabel], "exact") == 0)
        {
          ck_assert_msg (e < 1e-15, "exact: max_abs %g", e);
          ck_assert_str_eq (t[0].field[r][csize], "");
        }
      else
        {
          /* within the method's certified bound, computed here */
          size_t n;
          double b;
          unsigned long seed;
          ck_assert_int_eq (sscanf (t[0].field[r][ccell], "n=%zu,b=%lf,seed=%lu", &n, &b,
                                    &seed), 3);
          long deg = strtol (t[0].field[r][csize], NULL, 10);
          double eps_rel, bound = poly_bound (&eps_rel, n, b, seed, deg);
          ck_assert_msg (e > 0 && isfinite (e), "poly: max_abs %g", e);
          if (eps_rel < 1)
            {
              ck_assert_msg (e <= bound, "%s deg %ld: max_abs %g above the certified bound %g",
                             t[0].field[r][ccell], deg, e, bound);
              bounded++;
            }
        }
    }
  ck_assert_uint_gt (bounded, 0);

  /* rank: between 1 and n */
  int crank = col (&t[1], "rank"), ctol = col (&t[1], "tol"), cn = col (&t[1], "n");
  for (size_t r = 1; r < t[1].nrows; r++)
    {
      long rank = strtol (t[1].field[r][crank], NULL, 10);
      ck_assert_int_ge (rank, 1);
      ck_assert_int_le (rank, strtol (t[1].field[r][cn], NULL, 10));
      ck_assert_msg (strcmp (t[1].field[r][ctol], "1/n") == 0
                     || strcmp (t[1].field[r][ctol], "0.001") == 0, "tol %s",
                     t[1].field[r][ctol]);
    }

  /* least: the smallest degree whose error is <= 1e-3, checked against the
     grid rows and against runs at least and least - 1.  */
  int lcell = col (&t[2], "cell"), lleast = col (&t[2], "least_size");
  for (size_t r = 1; r < t[2].nrows; r++)
    {
      const char *id = t[2].field[r][lcell];
      ck_assert_str_ne (t[2].field[r][lleast], "");
      long least = strtol (t[2].field[r][lleast], NULL, 10);
      ck_assert_int_ge (least, 1);
      ck_assert_int_le (least, 16);
      for (size_t q = 1; q < t[0].nrows; q++)
        if (strcmp (t[0].field[q][ccell], id) == 0
            && strcmp (t[0].field[q][clabel], "poly") == 0)
          {
            long deg = strtol (t[0].field[q][csize], NULL, 10);
            double e = strtod (t[0].field[q][cmax], NULL);
            if (deg < least)
              ck_assert_msg (e > 1e-3, "%s: deg %ld reaches the target below least %ld", id,
                             deg, least);
            else if (e <= 1e-3)
              ck_assert_int_le (least, deg);
          }
      /* Recompute the cell's instance and check least and least - 1.  */
      size_t n;
      double b;
      unsigned long seed;
      ck_assert_int_eq (sscanf (id, "n=%zu,b=%lf,seed=%lu", &n, &b, &seed), 3);
      fga_error err;
      fga_error_init (&err);
      fga_instance_t inst;
      fga_instance_init (inst);
      double B = b * sqrt (log ((double) n));
      ck_assert_int_eq (fga_instance_generate (inst, n, n, 4, 4, B, B, FGA_DIST_UNIFORM, seed,
                                               &err), FGA_OK);
      fga_mat_t truth, T;
      ck_assert_int_eq (fga_mat_init (truth, n, 4, &err), FGA_OK);
      ck_assert_int_eq (fga_mat_init (T, n, 4, &err), FGA_OK);
      ck_assert_int_eq (fga_truth (truth, NULL, NULL, NULL, inst->Q, inst->K, inst->V,
                                   &cfg.tau, NULL, NULL, NULL, &err), FGA_OK);
      fga_problem prob;
      fga_problem_from_instance (&prob, inst, &cfg.tau);
      for (long g = least - 1; g <= least; g++)
        {
          if (g < 1)
            continue;
          char spec[128];
          snprintf (spec, sizeof spec, "poly:basis=cheb,deg=%ld", g);
          fga_method m = fga_method_create (spec, &err);
          ck_assert_ptr_nonnull (m);
          ck_assert_int_eq (fga_method_prepare (m, &prob, &err), FGA_OK);
          ck_assert_int_eq (fga_method_run (m, T, NULL, inst->Q, inst->K, inst->V, NULL, &err),
                            FGA_OK);
          fga_metrics mt;
          ck_assert_int_eq (fga_metrics_compute (&mt, truth, T, &err), FGA_OK);
          if (g == least)
            ck_assert_msg (mt.max_abs <= 1e-3, "%s deg %ld: %g", id, g, mt.max_abs);
          else
            ck_assert_msg (mt.max_abs > 1e-3, "%s deg %ld: %g", id, g, mt.max_abs);
          fga_method_destroy (m);
        }
      fga_mat_clear (T);
      fga_mat_clear (truth);
      fga_instance_clear (inst);
    }

  /* A second run resumes: nothing is added, nothing changes.  */
  char *before[3];
  for (int k = 0; k < 3; k++)
    before[k] = sorted_rows (&t[k], 0);
  for (int k = 0; k < 3; k++)
    csv_free (&t[k]);
  run_sweep (&cfg, dir, 1);
  read_three (t, dir);
  for (int k = 0; k < 3; k++)
    {
      char *after = sorted_rows (&t[k], 0);
      ck_assert_str_eq (after, before[k]);
      free (after);
      free (before[k]);
      csv_free (&t[k]);
    }
  remove_dir (dir);
}
END_TEST

/* The same configuration in two fresh folders, one with two jobs: the same
   rows, timing aside.  */
START_TEST (test_deterministic)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.nn = 1;
  char *dir1 = make_dir (), *dir2 = make_dir ();
  run_sweep (&cfg, dir1, 1);
  run_sweep (&cfg, dir2, 2);
  csv_t a[3], b[3];
  read_three (a, dir1);
  read_three (b, dir2);
  for (int k = 0; k < 3; k++)
    {
      char *ra = sorted_rows (&a[k], k == 0), *rb = sorted_rows (&b[k], k == 0);
      ck_assert_str_eq (ra, rb);
      free (ra);
      free (rb);
      csv_free (&a[k]);
      csv_free (&b[k]);
    }
  remove_dir (dir1);
  remove_dir (dir2);
}
END_TEST

/* An interrupted run: a partial trailing line and a cell with only some of
   its rows are dropped on resume and the cell is run again.  */
START_TEST (test_resume_partial)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.nn = 1;
  cfg.nb = 1;
  char *dir = make_dir ();
  run_sweep (&cfg, dir, 1);
  csv_t t[3];
  read_three (t, dir);
  char *want = sorted_rows (&t[0], 1);
  ck_assert_uint_eq (t[0].nrows, 1 + 2 * 3);
  /* Keep the header, the first cell (3 rows), one row of the second cell,
     and half of the next line.  */
  char path[4200];
  snprintf (path, sizeof path, "%s/results.csv", dir);
  FILE *fp = fopen (path, "w");
  for (size_t r = 0; r < 5; r++)
    fprintf (fp, "%s\n", t[0].line[r]);
  fprintf (fp, "%.20s", t[0].line[5]);
  fclose (fp);
  for (int k = 0; k < 3; k++)
    csv_free (&t[k]);
  run_sweep (&cfg, dir, 1);
  read_three (t, dir);
  ck_assert_uint_eq (t[0].nrows, 1 + 2 * 3);
  ck_assert_uint_eq (t[1].nrows, 1 + 2 * 2);
  ck_assert_uint_eq (t[2].nrows, 1 + 2 * 1);
  char *got = sorted_rows (&t[0], 1);
  ck_assert_str_eq (got, want);
  free (got);
  free (want);
  for (int k = 0; k < 3; k++)
    csv_free (&t[k]);
  remove_dir (dir);
}
END_TEST

/* A method over its memory budget is refused, its error columns empty, and
   a file that is not a sweep's is refused rather than appended to.  */
START_TEST (test_refused_and_foreign)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.nn = 1;
  cfg.nb = 1;
  cfg.nseeds = 1;
  snprintf (cfg.methods[1].spec, sizeof cfg.methods[1].spec, "poly:basis=cheb,budget=1");
  cfg.methods[1].max_size = 4;
  char *dir = make_dir ();
  run_sweep (&cfg, dir, 1);
  csv_t t[3];
  read_three (t, dir);
  int cstatus = col (&t[0], "status"), cmax = col (&t[0], "max_abs");
  ck_assert_uint_eq (t[0].nrows, 4);
  ck_assert_str_eq (t[0].field[1][cstatus], "ok");
  for (size_t r = 2; r < 4; r++)
    {
      ck_assert_str_eq (t[0].field[r][cstatus], "refused");
      ck_assert_str_eq (t[0].field[r][cmax], "");
    }
  ck_assert_str_eq (t[2].field[1][col (&t[2], "least_size")], "");
  for (int k = 0; k < 3; k++)
    csv_free (&t[k]);

  char path[4200];
  snprintf (path, sizeof path, "%s/rank.csv", dir);
  FILE *fp = fopen (path, "w");
  fputs ("something,else\n1,2\n", fp);
  fclose (fp);
  fga_error err;
  fga_error_init (&err);
  fga_sweep_opts opts = { 1, NULL, NULL };
  ck_assert_int_eq (fga_sweep_run (&cfg, dir, &opts, &err), FGA_ERR_INPUT);
  ck_assert_ptr_nonnull (strstr (err.msg, "rank.csv"));
  remove_dir (dir);
}
END_TEST

/* One writer per folder: a folder locked by another writer (here this
   process, through another open file: flock does not care) is refused at
   once, FGA_ERR_IO naming the holder, and nothing is written in it.  */
START_TEST (test_busy_folder)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.nn = 1;
  cfg.nb = 1;
  char *dir = make_dir ();
  fga_error err;
  fga_error_init (&err);
  fgap_dir_lock lock;
  ck_assert_int_eq (fgap_dir_lock_take (&lock, dir, &err), FGA_OK);
  fga_sweep_opts opts = { 1, NULL, NULL };
  ck_assert_int_eq (fga_sweep_run (&cfg, dir, &opts, &err), FGA_ERR_IO);
  char want[256];
  snprintf (want, sizeof want, "%s is being written by another fgattn (pid %ld)", dir,
            (long) getpid ());
  ck_assert_msg (strstr (err.msg, want) != NULL, "%s", err.msg);
  ck_assert_uint_eq (fga_test_count_entries (dir), 1);        /* .lock alone */
  fgap_dir_lock_release (&lock);
  run_sweep (&cfg, dir, 1);
  remove_dir (dir);
}
END_TEST

/* A configuration that is one of the files the sweep writes in its folder
   is refused, FGA_ERR_INPUT naming it, before anything is made or
   changed; another file in the folder is a configuration like another.
   A foreign results.csv in a fresh folder is refused with no .lock and no
   sweep.json left behind.  */
START_TEST (test_config_in_outdir)
{
  static const char text[] = "[grid]\nn = 4\nd = 2\nB = 1\n[method e]\nspec = exact\n";
  static const char *const names[] = { "results.csv", "rank.csv", "least.csv", "sweep.json",
                                        "exponents.md", "rank-1.gp" };
  fga_error err;
  fga_error_init (&err);
  fga_sweep_opts opts = { 1, NULL, NULL };
  char *dir = make_dir ();
  char path[4200];
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
    {
      snprintf (path, sizeof path, "%s/%s", dir, names[k]);
      FILE *fp = fopen (path, "w");
      ck_assert_ptr_nonnull (fp);
      fputs (text, fp);
      fclose (fp);
      fga_sweep_config cfg;
      ck_assert_msg (fga_sweep_config_read (&cfg, path, &err) == FGA_OK, "%s", err.msg);
      ck_assert_int_eq (fga_sweep_run (&cfg, dir, &opts, &err), FGA_ERR_INPUT);
      ck_assert_msg (strstr (err.msg, names[k]) != NULL, "%s", err.msg);
      ck_assert_uint_eq (fga_test_count_entries (dir), 1);     /* the configuration alone */
      char back[sizeof text + 16] = "";
      FILE *in = fopen (path, "r");
      ck_assert_ptr_nonnull (in);
      size_t got = fread (back, 1, sizeof back - 1, in);
      fclose (in);
      back[got] = '\0';
      ck_assert_str_eq (back, text);
      unlink (path);
    }
  /* through a hard link */
  char other[4200];
  snprintf (other, sizeof other, "%s.conf", dir);
  FILE *fp = fopen (other, "w");
  fputs (text, fp);
  fclose (fp);
  snprintf (path, sizeof path, "%s/results.csv", dir);
  ck_assert_int_eq (link (other, path), 0);
  fga_sweep_config cfg;
  ck_assert_int_eq (fga_sweep_config_read (&cfg, other, &err), FGA_OK);
  ck_assert_int_eq (fga_sweep_run (&cfg, dir, &opts, &err), FGA_ERR_INPUT);
  ck_assert_uint_eq (fga_test_count_entries (dir), 1);
  unlink (path);
  /* DIR/my.conf is allowed */
  snprintf (path, sizeof path, "%s/my.conf", dir);
  ck_assert_int_eq (rename (other, path), 0);
  ck_assert_int_eq (fga_sweep_config_read (&cfg, path, &err), FGA_OK);
  ck_assert_msg (fga_sweep_run (&cfg, dir, &opts, &err) == FGA_OK, "%s", err.msg);
  unlink (path);
  remove_dir (dir);

  /* a foreign results.csv: refused, nothing made beside it */
  dir = make_dir ();
  snprintf (path, sizeof path, "%s/results.csv", dir);
  fp = fopen (path, "w");
  fputs ("a,b\n1,2\n", fp);
  fclose (fp);
  tiny_config (&cfg);
  ck_assert_int_eq (fga_sweep_run (&cfg, dir, &opts, &err), FGA_ERR_INPUT);
  ck_assert_uint_eq (fga_test_count_entries (dir), 1);
  unlink (path);
  /* and in a missing folder under a file that cannot hold it: no folder made */
  snprintf (path, sizeof path, "%s/a/b", dir);
  tiny_config (&cfg);
  cfg.nn = 0;
  ck_assert_int_eq (fga_sweep_run (&cfg, path, &opts, &err), FGA_ERR_INPUT);
  ck_assert_uint_eq (fga_test_count_entries (dir), 0);
  remove_dir (dir);
}
END_TEST

/* tsketch plans FFTW transforms in prepare, in cells run in parallel:
   FFTW's planner is not thread-safe (a double free or a crash, before its
   lock).  64 cells at four sizes each, four jobs; every row ok, and the
   rows those of two jobs (each cell on one thread either way).  */
START_TEST (test_tsketch_jobs)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  cfg.n[0] = 32;
  cfg.n[1] = 48;
  cfg.nb = 4;
  cfg.b[0] = 0.25, cfg.b[1] = 0.5, cfg.b[2] = 1, cfg.b[3] = 1.5;
  cfg.nseeds = 8;
  for (size_t k = 0; k < 8; k++)
    cfg.seeds[k] = k + 1;
  cfg.ntol = 0;
  cfg.nmethods = 1;
  fga_sweep_method *m = &cfg.methods[0];
  memset (m, 0, sizeof *m);
  snprintf (m->label, sizeof m->label, "ts");
  snprintf (m->spec, sizeof m->spec, "tsketch:deg=3");
  snprintf (m->size_key, sizeof m->size_key, "m");
  m->nsizes = 4;
  m->sizes[0] = 8, m->sizes[1] = 16, m->sizes[2] = 32, m->sizes[3] = 64;
  char *dir4 = make_dir (), *dir2 = make_dir ();
  run_sweep (&cfg, dir4, 4);
  run_sweep (&cfg, dir2, 2);
  csv_t a[3], b[3];
  read_three (a, dir4);
  read_three (b, dir2);
  ck_assert_uint_eq (a[0].nrows, 1 + 64 * 4);
  int cstatus = col (&a[0], "status");
  for (size_t r = 1; r < a[0].nrows; r++)
    ck_assert_msg (strcmp (a[0].field[r][cstatus], "ok") == 0, "%s", a[0].line[r]);
  char *ra = sorted_rows (&a[0], 1), *rb = sorted_rows (&b[0], 1);
  ck_assert_str_eq (ra, rb);
  free (ra);
  free (rb);
  for (int k = 0; k < 3; k++)
    {
      csv_free (&a[k]);
      csv_free (&b[k]);
    }
  remove_dir (dir4);
  remove_dir (dir2);
}
END_TEST

/* A write that fails mid-run (a full disk; here a file size limit, EFBIG,
   which needs no root: sweep-enospc.test does ENOSPC itself) stops the
   sweep with FGA_ERR_IO naming the file, frees the rows it could not
   append (a sanitizer build reports any leak at the child's exit, whose
   status is checked), and the folder resumes to the rows of a whole run.  */
START_TEST (test_write_error)
{
  fga_sweep_config cfg;
  tiny_config (&cfg);
  char *dir = make_dir (), *whole = make_dir ();
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      signal (SIGXFSZ, SIG_IGN);
      struct rlimit lim = { 1500, 1500 };   /* the headers and one cell */
      if (setrlimit (RLIMIT_FSIZE, &lim) != 0)
        _exit (77);
      fga_error err;
      fga_error_init (&err);
      fga_sweep_opts opts = { 1, NULL, NULL };
      int rc = fga_sweep_run (&cfg, dir, &opts, &err);
      int ok = rc == FGA_ERR_IO && strstr (err.msg, "results.csv: File too large") != NULL;
      if (!ok)
        fprintf (stderr, "test_write_error: %d %s\n", rc, err.msg);
      exit (ok ? 0 : 3);       /* exit, not _exit: LeakSanitizer looks then */
    }
  int status;
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert_msg (WIFEXITED (status), "the child died of signal %d", WTERMSIG (status));
  if (WEXITSTATUS (status) != 77)
    {
      ck_assert_msg (WEXITSTATUS (status) == 0, "the child exited %d (3: not the error "
                     "expected, see above; another: the sanitizer's, a leak)",
                     WEXITSTATUS (status));
      run_sweep (&cfg, dir, 1);
      run_sweep (&cfg, whole, 1);
      csv_t a[3], b[3];
      read_three (a, dir);
      read_three (b, whole);
      for (int k = 0; k < 3; k++)
        {
          char *ra = sorted_rows (&a[k], k == 0), *rb = sorted_rows (&b[k], k == 0);
          ck_assert_str_eq (ra, rb);
          free (ra);
          free (rb);
          csv_free (&a[k]);
          csv_free (&b[k]);
        }
    }
  remove_dir (dir);
  remove_dir (whole);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("sweep");
  TCase *tc = tcase_create ("sweep");
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_rows_and_values);
  tcase_add_test (tc, test_deterministic);
  tcase_add_test (tc, test_resume_partial);
  tcase_add_test (tc, test_refused_and_foreign);
  tcase_add_test (tc, test_busy_folder);
  tcase_add_test (tc, test_config_in_outdir);
  tcase_add_test (tc, test_tsketch_jobs);
  tcase_add_test (tc, test_write_error);
  suite_add_tcase (s, tc);
  return fga_test_run_suite (s);
}
