/* t-instance -- instances: reproducible draws, their law, the structured families, distinct
   rows, files written and read back, refusals */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fenv.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <jansson.h>

#include "testutil.h"

static char tmpdir[64];

static void
make_tmpdir (void)
{
  snprintf (tmpdir, sizeof tmpdir, "/tmp/fga-t-instance-XXXXXX");
  ck_assert_msg (mkdtemp (tmpdir) != NULL, "mkdtemp: %s", strerror (errno));
}

/* Two levels: the folder and the instance folders in it.  */
static void
remove_tree (const char *dir, int depth)
{
  DIR *dp = opendir (dir);
  if (dp == NULL)
    return;
  struct dirent *e;
  char path[1024];
  while ((e = readdir (dp)) != NULL)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      {
        snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink (path) != 0 && depth > 0)
          remove_tree (path, depth - 1);
      }
  closedir (dp);
  rmdir (dir);
}

static void
remove_tmpdir (void)
{
  remove_tree (tmpdir, 1);
}

static void
sub_path (char *buf, size_t size, const char *dir, const char *name)
{
  snprintf (buf, size, "%s/%s", dir, name);
}

static int
same_bits (double a, double b)
{
  return memcmp (&a, &b, sizeof a) == 0;
}

static int
same_matrix (fga_mat_srcptr a, fga_mat_srcptr b)
{
  return a->rows == b->rows && a->cols == b->cols
    && (a->rows * a->cols == 0
        || memcmp (a->data, b->data, a->rows * a->cols * sizeof (double)) == 0);
}

static void
assert_cleared (fga_instance_srcptr inst)
{
  ck_assert (inst->Q->data == NULL && inst->K->data == NULL && inst->V->data == NULL);
  ck_assert (inst->Q->rows == 0 && inst->K->rows == 0 && inst->V->rows == 0);
  ck_assert (inst->nq == 0 && inst->nk == 0 && inst->d == 0 && inst->dv == 0);
  ck_assert_int_eq (inst->dist, FGA_DIST_NONE);
}

static void
assert_message (int rc, const fga_error *err, int code, const char *want1, const char *want2)
{
  ck_assert_msg (rc == code, "returned %d, expected %d (%s)", rc, code, err->msg);
  ck_assert_int_eq (err->code, code);
  ck_assert_msg (want1 == NULL || strstr (err->msg, want1) != NULL,
                 "the message lacks \"%s\": %s", want1, err->msg);
  ck_assert_msg (want2 == NULL || strstr (err->msg, want2) != NULL,
                 "the message lacks \"%s\": %s", want2, err->msg);
}

static void
write_text (const char *path, const char *text)
{
  FILE *fp = fopen (path, "w");
  ck_assert_msg (fp != NULL, "%s: %s", path, strerror (errno));
  fputs (text, fp);
  ck_assert_int_eq (fclose (fp), 0);
}

/* ------------------------------------------------------------------ */
/* Distributions by name.  */

START_TEST (test_dist_names)
{
  static const struct { fga_dist dist; const char *name; } cases[] = {
    { FGA_DIST_UNIFORM, "uniform" }, { FGA_DIST_RADEMACHER, "rademacher" },
    { FGA_DIST_GAUSSIAN, "gaussian" }, { FGA_DIST_LOWRANK, "lowrank" },
    { FGA_DIST_CLUSTERED, "clustered" },
  };
  fga_error err;
  fga_error_init (&err);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    {
      fga_dist d = FGA_DIST_NONE;
      ck_assert_str_eq (fga_dist_name (cases[c].dist), cases[c].name);
      ck_assert_int_eq (fga_dist_parse (&d, cases[c].name, &err), FGA_OK);
      ck_assert_int_eq (d, cases[c].dist);
    }
  ck_assert_str_eq (fga_dist_name (FGA_DIST_NONE), "none");
  static const char *const bad[] = { "none", "Uniform", "normal", "", "uniform ", "low-rank",
                                     "clusters" };
  for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++)
    {
      fga_dist d = FGA_DIST_UNIFORM;
      char want[64];
      snprintf (want, sizeof want, "unknown distribution '%s'", bad[c]);
      assert_message (fga_dist_parse (&d, bad[c], &err), &err, FGA_ERR_INPUT, want,
                      "expected uniform, rademacher, gaussian, lowrank or clustered");
      ck_assert_int_eq (d, FGA_DIST_UNIFORM);
    }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Generation.  */

static const struct
{
  size_t nq, nk, d, dv;
  double B, Bv;
  fga_dist dist;
  const char *want;
} bad_generate[] = {
  { 0, 4, 4, 4, 1, 1, FGA_DIST_UNIFORM, "nq must be positive" },
  { 4, 0, 4, 4, 1, 1, FGA_DIST_UNIFORM, "nk must be positive" },
  { 4, 4, 0, 4, 1, 1, FGA_DIST_UNIFORM, "d must be positive" },
  { 4, 4, 4, 0, 1, 1, FGA_DIST_UNIFORM, "dv must be positive" },
  { 4, 4, 4, 4, 0, 1, FGA_DIST_UNIFORM, "B must be a positive finite number (got 0)" },
  { 4, 4, 4, 4, -1, 1, FGA_DIST_GAUSSIAN, "B must be a positive finite number (got -1)" },
  { 4, 4, 4, 4, NAN, 1, FGA_DIST_UNIFORM, "B must be a positive finite number (got nan)" },
  { 4, 4, 4, 4, INFINITY, 1, FGA_DIST_UNIFORM, "B must be a positive finite number (got inf)" },
  { 4, 4, 4, 4, 1, 0, FGA_DIST_RADEMACHER, "Bv must be a positive finite number (got 0)" },
  { 4, 4, 4, 4, 1, -INFINITY, FGA_DIST_UNIFORM, "Bv must be a positive finite number" },
  { 4, 4, 4, 4, 1, NAN, FGA_DIST_UNIFORM, "Bv must be a positive finite number" },
  { SIZE_MAX / 4, 4, 4, 4, 1, 1, FGA_DIST_UNIFORM,
    "nq x d = " },
  { 4, SIZE_MAX / 2, 4, 1, 1, 1, FGA_DIST_UNIFORM, "nk x d = " },
  { 4, 4, 4, SIZE_MAX / 8 + 1, 1, 1, FGA_DIST_UNIFORM, "nk x dv = " },
  { 4, 4, 4, 4, 1, NAN, FGA_DIST_LOWRANK, "Bv must be a positive finite number" },
  { 4, 4, 4, 4, 0, 1, FGA_DIST_CLUSTERED, "B must be a positive finite number (got 0)" },
  { 4, 4, 0, 4, 1, 1, FGA_DIST_LOWRANK, "d must be positive" },
  { 4, 4, 4, 4, 1, 1, FGA_DIST_NONE, "distribution 5 cannot be drawn" },
};

START_TEST (test_generate_refusals)
{
  fga_instance_t inst;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  int rc = fga_instance_generate (inst, bad_generate[_i].nq, bad_generate[_i].nk,
                                  bad_generate[_i].d, bad_generate[_i].dv, bad_generate[_i].B,
                                  bad_generate[_i].Bv, bad_generate[_i].dist, 1, &err);
  assert_message (rc, &err, FGA_ERR_INPUT, bad_generate[_i].want, NULL);
  if (strstr (bad_generate[_i].want, " x ") != NULL)
    ck_assert_msg (strstr (err.msg, "more bytes than size_t can count") != NULL, "%s", err.msg);
  assert_cleared (inst);
  fga_instance_clear (inst);
}
END_TEST

START_TEST (test_generate_seed_range)
{
  /* jansson's integers are signed: larger seeds could not be recorded. */
  if (ULONG_MAX <= (unsigned long long) LLONG_MAX)
    return;
  fga_instance_t inst;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  assert_message (fga_instance_generate (inst, 2, 2, 2, 2, 1, 1, FGA_DIST_UNIFORM, ULONG_MAX,
                                         &err), &err, FGA_ERR_INPUT, "seed", "instance.json");
  ck_assert_int_eq (fga_instance_generate (inst, 2, 2, 2, 2, 1, 1, FGA_DIST_UNIFORM,
                                           (unsigned long) LLONG_MAX, &err), FGA_OK);
  fga_instance_clear (inst);
}
END_TEST

/* The specification, restated without the library (theory/families.md):
   one GMP state seeded with the seed; entrywise laws draw Q, K, V
   row-major, each entry from its own draw; the structured ones are below.  */
static double
ref_uniform (gmp_randstate_t rs, mpfr_ptr t)
{
  mpfr_urandomb (t, rs);
  return 2 * mpfr_get_d (t, MPFR_RNDN) - 1;
}

static double
ref_entry (gmp_randstate_t rs, mpfr_ptr t, fga_dist dist, double b)
{
  if (dist == FGA_DIST_UNIFORM)
    return b * ref_uniform (rs, t);
  if (dist == FGA_DIST_RADEMACHER)
    return gmp_urandomb_ui (rs, 1) == 1 ? b : -b;
  mpfr_nrandom (t, rs, MPFR_RNDN);
  double x = mpfr_get_d (t, MPFR_RNDN) * (b / 3);
  return fmin (fmax (x, -b), b);
}

#define REF_DMAX 8

/* (7 y + e) / 8 for a fresh uniform e, exact at 256 bits, rounded once. */
static double
ref_blend (gmp_randstate_t rs, mpfr_ptr t, double y)
{
  mpfr_t x, z;
  mpfr_inits2 (256, x, z, (mpfr_ptr) NULL);
  mpfr_set_d (x, ref_uniform (rs, t), MPFR_RNDN);
  mpfr_set_d (z, y, MPFR_RNDN);
  mpfr_mul_ui (z, z, 7, MPFR_RNDN);
  mpfr_add (x, x, z, MPFR_RNDN);
  mpfr_div_ui (x, x, 8, MPFR_RNDN);
  double r = mpfr_get_d (x, MPFR_RNDN);
  mpfr_clears (x, z, (mpfr_ptr) NULL);
  return r;
}

/* lowrank: A (k x d, k = min (d, 2)); per row of Q then of K, its k
   coefficients u; X = RN (u.a_j) exactly rounded; s = max |X| over Q and
   K; then per entry of Q then of K, x = B RN ((7 RN (X / s) + e) / 8).  */
static void
ref_lowrank (fga_mat_ptr m[2], double B, gmp_randstate_t rs, mpfr_ptr t)
{
  size_t d = m[0]->cols, k = d < 2 ? d : 2;
  double A[2 * REF_DMAX], u[2], s = 0;
  mpfr_t x, p, q;
  ck_assert_uint_le (d, REF_DMAX);
  mpfr_inits2 (256, x, p, q, (mpfr_ptr) NULL);
  for (size_t l = 0; l < k * d; l++)
    A[l] = ref_uniform (rs, t);
  for (int w = 0; w < 2; w++)
    for (size_t i = 0; i < m[w]->rows; i++)
      {
        for (size_t l = 0; l < k; l++)
          u[l] = ref_uniform (rs, t);
        for (size_t j = 0; j < d; j++)
          {
            mpfr_set_ui (x, 0, MPFR_RNDN);
            for (size_t l = 0; l < k; l++)
              {
                mpfr_set_d (p, u[l], MPFR_RNDN);
                mpfr_set_d (q, A[l * d + j], MPFR_RNDN);
                mpfr_fma (x, p, q, x, MPFR_RNDN);
              }
            FGA_MAT (m[w], i, j) = mpfr_get_d (x, MPFR_RNDN);
            s = fmax (s, fabs (FGA_MAT (m[w], i, j)));
          }
      }
  for (int w = 0; w < 2; w++)
    for (size_t c = 0; c < m[w]->rows * d; c++)
      m[w]->data[c] = B * ref_blend (rs, t, m[w]->data[c] / s);
  mpfr_clears (x, p, q, (mpfr_ptr) NULL);
}

/* clustered: the centres C (8 x d); per row of Q then of K, its centre's
   index (gmp_urandomm_ui) then its d offsets e; x = B RN ((7 c_j + e_j) / 8).  */
static void
ref_clustered (fga_mat_ptr m[2], double B, gmp_randstate_t rs, mpfr_ptr t)
{
  size_t d = m[0]->cols;
  double C[8 * REF_DMAX];
  ck_assert_uint_le (d, REF_DMAX);
  for (size_t l = 0; l < 8 * d; l++)
    C[l] = ref_uniform (rs, t);
  for (int w = 0; w < 2; w++)
    for (size_t i = 0; i < m[w]->rows; i++)
      {
        const double *c = C + gmp_urandomm_ui (rs, 8) * d;
        for (size_t j = 0; j < d; j++)
          FGA_MAT (m[w], i, j) = B * ref_blend (rs, t, c[j]);
      }
}

/* Q, K, V of the given shapes drawn by the restated specification.  */
static void
ref_generate (fga_mat_ptr m[3], fga_dist dist, double B, double Bv, unsigned long seed)
{
  gmp_randstate_t rs;
  mpfr_t t;
  gmp_randinit_default (rs);
  gmp_randseed_ui (rs, seed);
  mpfr_init2 (t, 53);
  int entrywise = dist != FGA_DIST_LOWRANK && dist != FGA_DIST_CLUSTERED;
  if (dist == FGA_DIST_LOWRANK)
    ref_lowrank (m, B, rs, t);
  else if (dist == FGA_DIST_CLUSTERED)
    ref_clustered (m, B, rs, t);
  for (int w = entrywise ? 0 : 2; w < 3; w++)
    for (size_t k = 0; k < m[w]->rows * m[w]->cols; k++)
      m[w]->data[k] = ref_entry (rs, t, entrywise ? dist : FGA_DIST_UNIFORM, w == 2 ? Bv : B);
  mpfr_clear (t);
  gmp_randclear (rs);
}

#define NDISTS 5
static const fga_dist dists[NDISTS] = {
  FGA_DIST_UNIFORM, FGA_DIST_RADEMACHER, FGA_DIST_GAUSSIAN, FGA_DIST_LOWRANK, FGA_DIST_CLUSTERED
};

/* Every law at d = 3, then at d = 1 (lowrank's rank is then 1).  */
START_TEST (test_generate_matches_spec)
{
  fga_dist dist = dists[_i % NDISTS];
  size_t nq = 7, nk = 5, d = _i < NDISTS ? 3 : 1, dv = 4;
  double B = 2.5, Bv = 0.75;
  unsigned long seed = fga_test_seed ();
  fga_instance_t inst;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  ck_assert_msg (fga_instance_generate (inst, nq, nk, d, dv, B, Bv, dist, seed, &err) == FGA_OK,
                 "%s", err.msg);
  ck_assert (inst->nq == nq && inst->nk == nk && inst->d == d && inst->dv == dv);
  ck_assert (inst->Q->rows == nq && inst->Q->cols == d && inst->K->rows == nk
             && inst->K->cols == d && inst->V->rows == nk && inst->V->cols == dv);
  ck_assert (inst->B == B && inst->Bv == Bv && inst->dist == dist && inst->seed == seed);

  fga_mat_t want[3];
  fga_mat_ptr w3[3] = { want[0], want[1], want[2] };
  ck_assert_int_eq (fga_mat_init (want[0], nq, d, &err), FGA_OK);
  ck_assert_int_eq (fga_mat_init (want[1], nk, d, &err), FGA_OK);
  ck_assert_int_eq (fga_mat_init (want[2], nk, dv, &err), FGA_OK);
  ref_generate (w3, dist, B, Bv, seed);
  fga_mat_srcptr m[3] = { inst->Q, inst->K, inst->V };
  for (int w = 0; w < 3; w++)
    for (size_t k = 0; k < m[w]->rows * m[w]->cols; k++)
      ck_assert_msg (same_bits (m[w]->data[k], want[w]->data[k]), "%s %c entry %zu: %a, expected "
                     "%a (FGATTN_TEST_SEED=%lu)", fga_dist_name (dist), "QKV"[w], k,
                     m[w]->data[k], want[w]->data[k], seed);
  for (int w = 0; w < 3; w++)
    fga_mat_clear (want[w]);
  fga_instance_clear (inst);
}
END_TEST

START_TEST (test_generate_reproducible)
{
  fga_dist dist = dists[_i];
  unsigned long seed = fga_test_seed ();
  fga_instance_t a, b;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (a);
  fga_instance_init (b);
  ck_assert_int_eq (fga_instance_generate (a, 20, 30, 8, 5, 3, 2, dist, seed, &err), FGA_OK);
  /* Into an instance that holds another one: it is replaced, not leaked. */
  ck_assert_int_eq (fga_instance_generate (b, 3, 3, 3, 3, 1, 1, dist, seed + 1, &err), FGA_OK);
  ck_assert_int_eq (fga_instance_generate (b, 20, 30, 8, 5, 3, 2, dist, seed, &err), FGA_OK);
  ck_assert (same_matrix (a->Q, b->Q) && same_matrix (a->K, b->K) && same_matrix (a->V, b->V));
  ck_assert_int_eq (fga_instance_generate (b, 20, 30, 8, 5, 3, 2, dist, seed + 1, &err), FGA_OK);
  ck_assert (!same_matrix (a->Q, b->Q) && !same_matrix (a->K, b->K)
             && !same_matrix (a->V, b->V));

  /* Within bounds; Rademacher entries are exactly +-B.  */
  fga_mat_srcptr m[3] = { a->Q, a->K, a->V };
  for (int w = 0; w < 3; w++)
    {
      double bound = w == 2 ? 2 : 3;
      for (size_t k = 0; k < m[w]->rows * m[w]->cols; k++)
        {
          double x = m[w]->data[k];
          ck_assert_msg (fabs (x) <= bound, "entry %a outside [-%g, %g]", x, bound, bound);
          if (dist == FGA_DIST_RADEMACHER)
            ck_assert_msg (x == bound || x == -bound, "Rademacher entry %a", x);
        }
    }
  fga_instance_clear (a);
  fga_instance_clear (b);
  fga_instance_clear (b);
}
END_TEST

/* The draws do not depend on the caller's MPFR exponent range, and the
   caller's range and flags come back exactly: under [-2, 2] (numbers from
   1/8 to 2, where the uniform draws' small values and B = 3 fall outside)
   the instance is the one drawn under the default range.  */
START_TEST (test_generate_mpfr_state)
{
  fga_dist dist = dists[_i];
  unsigned long seed = fga_test_seed ();
  fga_instance_t a, b;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (a);
  fga_instance_init (b);
  ck_assert_int_eq (fga_instance_generate (a, 7, 9, 4, 3, 3, 2, dist, seed, &err), FGA_OK);
  mpfr_exp_t emin = mpfr_get_emin (), emax = mpfr_get_emax ();
  mpfr_set_emin (-2);
  mpfr_set_emax (2);
  mpfr_clear_flags ();
  mpfr_set_nanflag ();
  const mpfr_flags_t before = mpfr_flags_save ();
  int rc = fga_instance_generate (b, 7, 9, 4, 3, 3, 2, dist, seed, &err);
  int same = mpfr_get_emin () == -2 && mpfr_get_emax () == 2 && mpfr_flags_save () == before;
  mpfr_set_emin (emin);
  mpfr_set_emax (emax);
  mpfr_clear_flags ();
  ck_assert_msg (rc == FGA_OK, "seed %lu: %s", seed, err.msg);
  ck_assert_msg (same, "MPFR's range or flags changed");
  ck_assert_msg (same_matrix (a->Q, b->Q) && same_matrix (a->K, b->K)
                 && same_matrix (a->V, b->V), "seed %lu: another instance", seed);
  fga_instance_clear (a);
  fga_instance_clear (b);
}
END_TEST

/* Mean and variance of the Q and K entries of a large draw, within five
   standard errors of the law's: E x = 0 for all three; E x^2 = B^2/3
   (uniform), B^2 (Rademacher), (B/3)^2 (1 - 2 (3 phi(3) + Phi(-3)) + 18
   Phi(-3)) for the normal clipped at three standard deviations.  The
   standard errors use the fourth moments: B^4/5 (uniform), B^4 (Rademacher)
   and 3 (B/3)^4 (normal, an upper bound under clipping).  */
START_TEST (test_generate_law)
{
  fga_dist dist = dists[_i];
  double B = 1.5;
  fga_instance_t inst;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  ck_assert_int_eq (fga_instance_generate (inst, 300, 300, 200, 1, B, B, dist, fga_test_seed (),
                                           &err), FGA_OK);
  double s1 = 0, s2 = 0;
  size_t n = 0;
  fga_mat_srcptr m[2] = { inst->Q, inst->K };
  for (int w = 0; w < 2; w++)
    for (size_t k = 0; k < m[w]->rows * m[w]->cols; k++, n++)
      {
        s1 += m[w]->data[k];
        s2 += m[w]->data[k] * m[w]->data[k];
      }
  double mean = s1 / n, m2 = s2 / n, var, m4;
  double sigma = B / 3, tail = 0.5 * erfc (3 / sqrt (2.0));
  double phi3 = exp (-4.5) / sqrt (2 * M_PI);
  switch (dist)
    {
    case FGA_DIST_UNIFORM: var = B * B / 3; m4 = pow (B, 4) / 5; break;
    case FGA_DIST_RADEMACHER: var = B * B; m4 = pow (B, 4); break;
    default:
      var = sigma * sigma * (1 - 2 * (3 * phi3 + tail) + 18 * tail);
      m4 = 3 * pow (sigma, 4);
      break;
    }
  double se_mean = sqrt (var / n), se_var = sqrt ((m4 - var * var) / n);
  ck_assert_msg (fabs (mean) <= 5 * se_mean, "%s: mean %g, standard error %g (seed %lu)",
                 fga_dist_name (dist), mean, se_mean, fga_test_seed ());
  if (dist != FGA_DIST_RADEMACHER)
    ck_assert_msg (fabs (m2 - var) <= 5 * se_var, "%s: E x^2 = %g, expected %g +- %g (seed %lu)",
                   fga_dist_name (dist), m2, var, se_var, fga_test_seed ());
  else
    ck_assert (m2 == var);
  fga_instance_clear (inst);
}
END_TEST

/* The first entries for seed 1, recorded when this test was written (GMP
   6.2.1, MPFR 4.2.0, x86-64; lowrank and clustered when they were added).
   They pin reproducibility across machines and versions, not correctness:
   if GMP or MPFR change their generators, this test says so, and instances
   generated before the change are no longer regenerated from their seed.  */
static const struct
{
  fga_dist dist;
  double q[4], v0;
} pinned[] = {
  { FGA_DIST_UNIFORM, { -0x1.0798bec423628p-3, 0x1.2e4cebb41afa4p-1, -0x1.bcd234378dc88p-3,
                        0x1.84b2c77c4e1c4p-1 }, 0x1.f82e1bc57559cp-1 },
  { FGA_DIST_RADEMACHER, { 0x1p+0, -0x1p+0, -0x1p+0, 0x1p+0 }, 0x1p+1 },
  { FGA_DIST_GAUSSIAN, { -0x1.54b8d0ead69f7p-6, 0x1.283a3912c3b76p-3, -0x1.0845bea656f0ep-5,
                         -0x1.29ec849b60173p-2 }, 0x1.ccbc1862d4c22p-2 },
  { FGA_DIST_LOWRANK, { -0x1.fbacadc6c8101p-3, 0x1.fc8a330866e96p-1, -0x1.399bb81391529p-3,
                        0x1.e57ee8a3f32d5p-2 }, 0x1.37a8623e478b8p+0 },
  { FGA_DIST_CLUSTERED, { 0x1.dcdf5d202c3f2p-2, -0x1.47884ab146e9dp-1, 0x1.10d90a333aacbp-1,
                          -0x1.29769a13133edp-1 }, 0x1.528952319f93cp-1 },
};

START_TEST (test_generate_pinned)
{
  fga_instance_t inst;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  ck_assert_int_eq (fga_instance_generate (inst, 2, 3, 2, 2, 1, 2, pinned[_i].dist, 1, &err),
                    FGA_OK);
  for (int k = 0; k < 4; k++)
    ck_assert_msg (same_bits (inst->Q->data[k], pinned[_i].q[k]), "%s: Q entry %d is %a, "
                   "recorded %a", fga_dist_name (pinned[_i].dist), k, inst->Q->data[k],
                   pinned[_i].q[k]);
  ck_assert_msg (same_bits (inst->V->data[0], pinned[_i].v0), "%s: V entry 0 is %a, recorded %a",
                 fga_dist_name (pinned[_i].dist), inst->V->data[0], pinned[_i].v0);
  fga_instance_clear (inst);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The structured families.  */

/* Every law at extreme bounds: every entry finite and within its bound, no
   overflow or invalid operation on the way (an infinity clipped back into
   range would pass the first two checks), and lowrank's entries reaching
   at least 3B/4, since it is scaled, not clipped.  */
static const struct
{
  double B, Bv;
} extreme[] = {
  { 0x1p-1074, 1 },            /* the least subnormal: entries 0 or +-B */
  { 1e-300, 1e300 },
  { 1e300, 1e-300 },
  { DBL_MAX, 0x1p-1074 },
  { 0x1.8p1000, DBL_MAX },     /* gaussian's scaled product, at both bounds */
  { 1, 1 },
};

START_TEST (test_generate_extreme_bounds)
{
  fga_dist dist = dists[_i % NDISTS];
  double B = extreme[_i / NDISTS].B, Bv = extreme[_i / NDISTS].Bv;
  unsigned long seed = fga_test_seed ();
  fga_instance_t inst;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  feclearexcept (FE_ALL_EXCEPT);
  int rc = fga_instance_generate (inst, 40, 30, 5, 3, B, Bv, dist, seed, &err);
  int raised = fetestexcept (FE_OVERFLOW | FE_INVALID | FE_DIVBYZERO);
  ck_assert_msg (rc == FGA_OK, "%s", err.msg);
  ck_assert_msg (raised == 0, "%s, B = %a, Bv = %a: floating-point exceptions %#x raised "
                 "(FGATTN_TEST_SEED=%lu)", fga_dist_name (dist), B, Bv, raised, seed);
  fga_mat_srcptr m[3] = { inst->Q, inst->K, inst->V };
  double big = 0;
  for (int w = 0; w < 3; w++)
    for (size_t k = 0; k < m[w]->rows * m[w]->cols; k++)
      {
        double x = m[w]->data[k], bound = w == 2 ? Bv : B;
        ck_assert_msg (isfinite (x) && fabs (x) <= bound, "%s %c entry %zu = %a outside "
                       "[-%a, %a] (FGATTN_TEST_SEED=%lu)", fga_dist_name (dist), "QKV"[w], k, x,
                       bound, bound, seed);
        if (w < 2)
          big = fmax (big, fabs (x));
      }
  /* lowrank's largest signal entry is +-7/8 exactly, whatever noise meets it.  */
  if (dist == FGA_DIST_LOWRANK && B >= 0x1p-1000)
    ck_assert_msg (big >= 0.75 * B * (1 - 0x1p-52), "lowrank: largest |entry| %a, B = %a", big,
                   B);
  fga_instance_clear (inst);
}
END_TEST

/* The singular values of M, decreasing, into s (min (rows, cols) of them);
   M is copied, as the SVD destroys its input.  */
static void
singular_values (double *s, fga_mat_srcptr M)
{
  fga_mat_t C;
  fga_error err;
  fga_error_init (&err);
  ck_assert_int_eq (fga_mat_init (C, M->rows, M->cols, &err), FGA_OK);
  memcpy (C->data, M->data, M->rows * M->cols * sizeof (double));
  ck_assert_msg (fga_mat_svd (NULL, s, NULL, C, NULL, &err) == FGA_OK, "%s", err.msg);
  fga_mat_clear (C);
}

/* The share of sum_i s_i^2 (= ||M||_F^2) beyond the first k values.  */
static double
tail_share (const double *s, size_t r, size_t k)
{
  double all = 0, tail = 0;
  for (size_t i = 0; i < r; i++)
    {
      all += s[i] * s[i];
      if (i >= k)
        tail += s[i] * s[i];
    }
  return tail / all;
}

/* Q = B (7 U A / s + E) / 8, s = max |U A|, |W A| (about 1.5 to 2 here):
   per entry, the rank-2 part carries the energy (49/64) E (u.a)^2 / s^2 =
   (49/64) (2/9) / s^2 ~ 0.05 and the noise (1/64) (1/3) ~ 0.005, of which
   about 14/16 falls outside the first two singular directions; so the
   share beyond two is about 0.07 (0.035 to 0.13 over 5000 seeds at this
   size, s_2 / s_3 at least 3.2), against about 14/16 for uniform entries
   (0.80 to 0.84).  The same holds for K, and for Q and K stacked, as they
   share A.  */
START_TEST (test_lowrank_singular_values)
{
  size_t n = 256, d = 16;
  unsigned long seed = fga_test_seed ();
  double s[16];
  fga_instance_t inst;
  fga_mat_t QK;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  for (int law = 0; law < 2; law++)
    {
      fga_dist dist = law == 0 ? FGA_DIST_LOWRANK : FGA_DIST_UNIFORM;
      ck_assert_int_eq (fga_instance_generate (inst, n, n, d, 1, 1, 1, dist, seed, &err),
                        FGA_OK);
      ck_assert_int_eq (fga_mat_init (QK, 2 * n, d, &err), FGA_OK);
      memcpy (QK->data, inst->Q->data, n * d * sizeof (double));
      memcpy (QK->data + n * d, inst->K->data, n * d * sizeof (double));
      fga_mat_srcptr m[3] = { inst->Q, inst->K, QK };
      for (int w = 0; w < 3; w++)
        {
          singular_values (s, m[w]);
          double share = tail_share (s, d, 2);
          if (dist == FGA_DIST_LOWRANK)
            ck_assert_msg (s[1] > 2 * s[2] && share < 0.35, "lowrank %s: s = %g, %g, %g, share "
                           "beyond 2 %g (FGATTN_TEST_SEED=%lu)", w == 2 ? "[Q; K]" : w ? "K" : "Q",
                           s[0], s[1], s[2], share, seed);
          else
            ck_assert_msg (s[1] < 1.5 * s[2] && share > 0.6, "uniform: s = %g, %g, %g, share %g "
                           "(FGATTN_TEST_SEED=%lu)", s[0], s[1], s[2], share, seed);
        }
      fga_mat_clear (QK);
    }
  fga_instance_clear (inst);
}
END_TEST

/* The point of the structured families: P = softmax (Q K^T / d) keeps a
   small numerical rank at bounds where uniform entries make it nearly full.
   At n = 128, d = 16, B = 2, the rank at 1e-3 sigma_1 was 101 to 107 for
   uniform, 14 to 19 for lowrank and 14 to 18 for clustered over 200 seeds.  */
START_TEST (test_structured_rank_of_p)
{
  size_t n = 128, d = 16, rank[3];
  static const fga_dist law[3] = { FGA_DIST_UNIFORM, FGA_DIST_LOWRANK, FGA_DIST_CLUSTERED };
  double sigma[128];
  unsigned long seed = fga_test_seed ();
  fga_instance_t inst;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  for (int f = 0; f < 3; f++)
    {
      ck_assert_int_eq (fga_instance_generate (inst, n, n, d, 1, 2, 1, law[f], seed, &err),
                        FGA_OK);
      ck_assert_msg (fga_attention_singular_values (sigma, inst->Q, inst->K, 1.0 / d, NULL, &err)
                     == FGA_OK, "%s", err.msg);
      rank[f] = fga_numerical_rank (sigma, n, 1e-3 * sigma[0]);
    }
  ck_assert_msg (2 * rank[1] < rank[0] && 2 * rank[2] < rank[0], "numerical ranks: uniform %zu, "
                 "lowrank %zu, clustered %zu (FGATTN_TEST_SEED=%lu)", rank[0], rank[1], rank[2],
                 seed);
  fga_instance_clear (inst);
}
END_TEST

/* Every row of Q and K lies within B/8 (entrywise, up to the two roundings
   of B RN ((7 c + e) / 8), 2^-52 B) of B 7c/8 for one of the 8 centres c,
   restated from the specification (the first 8 d uniform draws); and every
   centre has rows (8 (7/8)^456 < 1e-25 is the chance one has none).  */
START_TEST (test_clustered_centres)
{
  size_t nq = 256, nk = 200, d = 6, used[8] = { 0 };
  double B = 3, C[8 * 6];
  unsigned long seed = fga_test_seed ();
  gmp_randstate_t rs;
  mpfr_t t;
  gmp_randinit_default (rs);
  gmp_randseed_ui (rs, seed);
  mpfr_init2 (t, 53);
  for (size_t l = 0; l < 8 * d; l++)
    C[l] = B * (0.875 * ref_uniform (rs, t));
  mpfr_clear (t);
  gmp_randclear (rs);

  fga_instance_t inst;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  ck_assert_int_eq (fga_instance_generate (inst, nq, nk, d, 2, B, 1, FGA_DIST_CLUSTERED, seed,
                                           &err), FGA_OK);
  fga_mat_srcptr m[2] = { inst->Q, inst->K };
  for (int w = 0; w < 2; w++)
    for (size_t i = 0; i < m[w]->rows; i++)
      {
        size_t best = 0;
        double dbest = INFINITY;
        for (size_t c = 0; c < 8; c++)
          {
            double dist = 0;
            for (size_t j = 0; j < d; j++)
              dist = fmax (dist, fabs (FGA_MAT (m[w], i, j) - C[c * d + j]));
            if (dist < dbest)
              {
                dbest = dist;
                best = c;
              }
          }
        ck_assert_msg (dbest <= B * (0.125 + 0x1p-48), "%c row %zu is %g from the nearest "
                       "centre (FGATTN_TEST_SEED=%lu)", "QK"[w], i, dbest, seed);
        used[best]++;
      }
  for (size_t c = 0; c < 8; c++)
    ck_assert_msg (used[c] > 0, "centre %zu has no row (FGATTN_TEST_SEED=%lu)", c, seed);
  fga_instance_clear (inst);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Distinct rows.  */

static size_t
distinct (const double *x, size_t rows, size_t cols)
{
  fga_mat_t M;
  fga_error err;
  size_t count = SIZE_MAX;
  fga_error_init (&err);
  ck_assert_int_eq (fga_mat_init (M, rows, cols, &err), FGA_OK);
  if (rows * cols > 0)
    memcpy (M->data, x, rows * cols * sizeof (double));
  ck_assert_msg (fga_instance_distinct_rows (&count, M, &err) == FGA_OK, "%s", err.msg);
  fga_mat_clear (M);
  return count;
}

START_TEST (test_distinct_rows_by_hand)
{
  /* Ties, order within a row, and -0.0 against 0.0: equal numbers, which
     give equal scores, so one row.  */
  static const double a[] = { 1, 2, 0, 3, 1, 2, -0.0, 3, 1, -2, 2, 1, 0, 3 };
  ck_assert_uint_eq (distinct (a, 7, 2), 4);
  /* Rows one ulp apart in their last entry.  */
  const double b[] = { 1, 2, 3, 1, 2, nextafter (3, 4), 1, 2, 3 };
  ck_assert_uint_eq (distinct (b, 3, 3), 2);
  /* The least subnormal is not zero; infinities are numbers like others.  */
  static const double c[] = { 0x1p-1074, -0.0, 0, INFINITY, -INFINITY, INFINITY, 0, -0.0 };
  ck_assert_uint_eq (distinct (c, 8, 1), 4);
  static const double e[] = { 5, -1, 5, -1, 5, -1, 5, -1, 5, -1 };
  ck_assert_uint_eq (distinct (e, 5, 2), 1);
  ck_assert_uint_eq (distinct (e, 1, 2), 1);
  ck_assert_uint_eq (distinct (e, 2, 5), 2);
  ck_assert_uint_eq (distinct (NULL, 0, 3), 0);
  ck_assert_uint_eq (distinct (NULL, 3, 0), 1);

  /* NaN equals nothing: refused, with the entry named.  */
  fga_mat_t M;
  fga_error err;
  size_t count = 7;
  fga_error_init (&err);
  ck_assert_int_eq (fga_mat_init (M, 3, 2, &err), FGA_OK);
  FGA_MAT (M, 1, 0) = NAN;
  assert_message (fga_instance_distinct_rows (&count, M, &err), &err, FGA_ERR_INPUT,
                  "entry (1, 0) is NaN", NULL);
  ck_assert_uint_eq (count, 7);
  fga_mat_clear (M);
}
END_TEST

/* Against the obvious count (a row is new when no earlier row equals it,
   entry by entry), on matrices of many ties: entries from {-1, -0.0, 0, 1}.  */
START_TEST (test_distinct_rows_brute_force)
{
  static const double vals[4] = { -1, -0.0, 0, 1 };
  unsigned long x = fga_test_seed () | 1;
  fga_error err;
  fga_error_init (&err);
  for (int trial = 0; trial < 40; trial++)
    {
      size_t n = 1 + (size_t) trial * 37 % 300, d = 1 + (size_t) trial % 5, want = 0, got;
      fga_mat_t M;
      ck_assert_int_eq (fga_mat_init (M, n, d, &err), FGA_OK);
      for (size_t k = 0; k < n * d; k++)
        {
          x ^= x >> 12;
          x ^= x << 25;
          x ^= x >> 27;
          M->data[k] = vals[(x * 2685821657736338717UL) >> 62];
        }
      for (size_t i = 0; i < n; i++)
        {
          int seen = 0;
          for (size_t j = 0; j < i && !seen; j++)
            {
              size_t t = 0;
              while (t < d && FGA_MAT (M, i, t) == FGA_MAT (M, j, t))
                t++;
              seen = t == d;
            }
          want += !seen;
        }
      ck_assert_int_eq (fga_instance_distinct_rows (&got, M, &err), FGA_OK);
      ck_assert_msg (got == want, "%zu x %zu: %zu distinct rows, expected %zu "
                     "(FGATTN_TEST_SEED=%lu)", n, d, got, want, fga_test_seed ());
      fga_mat_clear (M);
    }
}
END_TEST

/* Rademacher rows at d = 3 take at most 2^3 = 8 values (all 8 among 200
   rows but with chance below 8 (7/8)^200 < 3e-11), so P has rank at most
   8: its singular values beyond the eighth are rounding.  The continuous
   laws give distinct rows.  */
START_TEST (test_distinct_rows_of_laws)
{
  size_t n = 200, dq, dk;
  double sigma[200];
  unsigned long seed = fga_test_seed ();
  fga_instance_t inst;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  ck_assert_int_eq (fga_instance_generate (inst, n, n, 3, 1, 2, 1, FGA_DIST_RADEMACHER, seed,
                                           &err), FGA_OK);
  ck_assert_int_eq (fga_instance_distinct_rows (&dq, inst->Q, &err), FGA_OK);
  ck_assert_int_eq (fga_instance_distinct_rows (&dk, inst->K, &err), FGA_OK);
  ck_assert_msg (dq == 8 && dk == 8, "rademacher, d = 3: %zu and %zu distinct rows "
                 "(FGATTN_TEST_SEED=%lu)", dq, dk, seed);
  ck_assert_int_eq (fga_attention_singular_values (sigma, inst->Q, inst->K, 1.0 / 3, NULL, &err),
                    FGA_OK);
  ck_assert_uint_le (fga_numerical_rank (sigma, n, 1e-10 * sigma[0]), 8);

  for (int f = 0; f < NDISTS; f++)
    if (dists[f] != FGA_DIST_RADEMACHER)
      {
        ck_assert_int_eq (fga_instance_generate (inst, 300, 300, 4, 1, 1, 1, dists[f], seed,
                                                 &err), FGA_OK);
        ck_assert_int_eq (fga_instance_distinct_rows (&dq, inst->Q, &err), FGA_OK);
        ck_assert_int_eq (fga_instance_distinct_rows (&dk, inst->K, &err), FGA_OK);
        ck_assert_msg (dq == 300 && dk == 300, "%s: %zu and %zu distinct rows of 300",
                       fga_dist_name (dists[f]), dq, dk);
      }
  fga_instance_clear (inst);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Writing and reading back.  */

static void
assert_same_instance (fga_instance_srcptr a, fga_instance_srcptr b)
{
  ck_assert (a->nq == b->nq && a->nk == b->nk && a->d == b->d && a->dv == b->dv);
  ck_assert (same_bits (a->B, b->B) && same_bits (a->Bv, b->Bv));
  ck_assert_int_eq (a->dist, b->dist);
  ck_assert (a->dist == FGA_DIST_NONE || a->seed == b->seed);
  ck_assert (same_matrix (a->Q, b->Q) && same_matrix (a->K, b->K) && same_matrix (a->V, b->V));
}

START_TEST (test_write_read)
{
  fga_dist dist = dists[_i];
  char dir[256], path[512];
  fga_instance_t a, b;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (a);
  fga_instance_init (b);
  /* Bounds that 17 digits are needed to write back exactly.  */
  double B = 0.1 * 3, Bv = 1.0 / 3;
  ck_assert_int_eq (fga_instance_generate (a, 6, 9, 4, 3, B, Bv, dist, 12345, &err), FGA_OK);

  umask (022);
  snprintf (dir, sizeof dir, "%s/inst", tmpdir);
  ck_assert_msg (fga_instance_write (dir, a, &err) == FGA_OK, "%s", err.msg);
  struct stat st;
  ck_assert_int_eq (stat (dir, &st), 0);
  ck_assert_int_eq (st.st_mode & 07777, 0755);
  ck_assert_uint_eq (fga_test_count_entries (dir), 4);
  /* Written over an existing instance, and with a trailing slash.  */
  snprintf (path, sizeof path, "%s/", dir);
  ck_assert_msg (fga_instance_write (path, a, &err) == FGA_OK, "%s", err.msg);
  ck_assert_uint_eq (fga_test_count_entries (dir), 4);

  /* Read into an instance that holds another: it is replaced.  */
  ck_assert_int_eq (fga_instance_generate (b, 2, 2, 2, 2, 1, 1, dist, 1, &err), FGA_OK);
  ck_assert_msg (fga_instance_read (b, dir, &err) == FGA_OK, "%s", err.msg);
  assert_same_instance (a, b);

  /* instance.json: pretty, the keys in order, the seed recorded.  */
  sub_path (path, sizeof path, dir, "instance.json");
  json_error_t jerr;
  json_t *o = json_load_file (path, 0, &jerr);
  ck_assert_msg (o != NULL, "%s: %s", path, jerr.text);
  static const char *const keys[] = { "fgattn_version", "nq", "nk", "d", "dv", "B", "Bv",
                                      "distribution", "seed" };
  size_t nkeys = 0;
  for (void *it = json_object_iter (o); it != NULL; it = json_object_iter_next (o, it), nkeys++)
    {
      ck_assert_uint_lt (nkeys, 9);
      ck_assert_str_eq (json_object_iter_key (it), keys[nkeys]);
    }
  ck_assert_uint_eq (nkeys, 9);
  ck_assert_str_eq (json_string_value (json_object_get (o, "fgattn_version")), fga_version ());
  ck_assert_str_eq (json_string_value (json_object_get (o, "distribution")), fga_dist_name (dist));
  ck_assert_int_eq (json_integer_value (json_object_get (o, "seed")), 12345);
  ck_assert_int_eq (json_integer_value (json_object_get (o, "nk")), 9);
  json_decref (o);
  FILE *fp = fopen (path, "r");
  char text[2048];
  size_t n = fread (text, 1, sizeof text - 1, fp);
  fclose (fp);
  text[n] = '\0';
  ck_assert_msg (strstr (text, "\n  \"nq\": 6,\n") != NULL, "%s", text);
  ck_assert_msg (strstr (text, "\"B\": 0.30000000000000004") != NULL, "%s", text);

  /* Without instance.json: the bounds are the largest entries, the
     distribution is unknown, and writing it back omits seed and
     distribution.  */
  ck_assert_int_eq (unlink (path), 0);
  ck_assert_msg (fga_instance_read (b, dir, &err) == FGA_OK, "%s", err.msg);
  ck_assert (same_matrix (a->Q, b->Q) && same_matrix (a->K, b->K) && same_matrix (a->V, b->V));
  ck_assert (b->B == fmax (fga_mat_max_abs (a->Q), fga_mat_max_abs (a->K)));
  ck_assert (b->Bv == fga_mat_max_abs (a->V));
  ck_assert_int_eq (b->dist, FGA_DIST_NONE);
  ck_assert_uint_eq (b->seed, 0);
  ck_assert (b->nq == 6 && b->nk == 9 && b->d == 4 && b->dv == 3);
  ck_assert_msg (fga_instance_write (dir, b, &err) == FGA_OK, "%s", err.msg);
  o = json_load_file (path, 0, &jerr);
  ck_assert_ptr_nonnull (o);
  ck_assert_ptr_null (json_object_get (o, "seed"));
  ck_assert_ptr_null (json_object_get (o, "distribution"));
  ck_assert_uint_eq (json_object_size (o), 7);
  json_decref (o);
  fga_instance_clear (a);
  ck_assert_msg (fga_instance_read (a, dir, &err) == FGA_OK, "%s", err.msg);
  assert_same_instance (a, b);

  fga_instance_clear (a);
  fga_instance_clear (b);
}
END_TEST

/* An instance broken in one way, for fga_instance_write.  */
static void
break_B (fga_instance_ptr i) { i->B = 0; }
static void
break_B_nan (fga_instance_ptr i) { i->B = NAN; }
static void
break_Bv (fga_instance_ptr i) { i->Bv = -1; }
static void
break_Bv_inf (fga_instance_ptr i) { i->Bv = INFINITY; }
static void
break_nan (fga_instance_ptr i) { FGA_MAT (i->Q, 1, 1) = NAN; }
static void
break_inf (fga_instance_ptr i) { FGA_MAT (i->V, 2, 0) = -INFINITY; }
static void
break_bound (fga_instance_ptr i) { FGA_MAT (i->K, 3, 2) = 1.25; }
static void
break_boundv (fga_instance_ptr i) { FGA_MAT (i->V, 0, 1) = -0.75; }
static void
break_nq (fga_instance_ptr i) { i->nq = 5; }
static void
break_dist (fga_instance_ptr i) { i->dist = (fga_dist) 7; }
static void
break_empty (fga_instance_ptr i)
{
  fga_mat_clear (i->V);
  fga_mat_init (i->V, 4, 0, NULL);
  i->dv = 0;
}
static void
break_cols (fga_instance_ptr i)
{
  fga_mat_clear (i->K);
  fga_mat_init (i->K, 4, 2, NULL);
}

static const struct
{
  void (*breaks) (fga_instance_ptr);
  const char *want1, *want2;
} bad_write[] = {
  { break_B, "B must be a positive finite number (got 0)", NULL },
  { break_B_nan, "B must be a positive finite number (got nan)", NULL },
  { break_Bv, "Bv must be a positive finite number (got -1)", NULL },
  { break_Bv_inf, "Bv must be a positive finite number (got inf)", NULL },
  { break_nan, "Q: entry (1, 1) is NaN", NULL },
  { break_inf, "V: entry (2, 0) is -Inf", NULL },
  { break_bound, "K: entry (3, 2) = 1.25 exceeds B = 1", NULL },
  { break_boundv, "V: entry (0, 1) = -0.75 exceeds Bv = 0.5", NULL },
  { break_nq, "the instance says nq = 5", "Q 3 x 3" },
  { break_dist, "distribution 7", NULL },
  { break_empty, "V is 4 x 0: an instance needs at least one row and one column", NULL },
  { break_cols, "Q is 3 x 3 but K is 4 x 2: Q and K must have the same number of columns", NULL },
};

START_TEST (test_write_refusals)
{
  char dir[256];
  fga_instance_t inst;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  ck_assert_int_eq (fga_instance_generate (inst, 3, 4, 3, 2, 1, 0.5, FGA_DIST_UNIFORM, 3, &err),
                    FGA_OK);
  bad_write[_i].breaks (inst);
  snprintf (dir, sizeof dir, "%s/inst", tmpdir);
  assert_message (fga_instance_write (dir, inst, &err), &err, FGA_ERR_INPUT,
                  bad_write[_i].want1, bad_write[_i].want2);
  /* Refused before anything was made.  */
  ck_assert_int_ne (access (dir, F_OK), 0);
  fga_instance_clear (inst);
}
END_TEST

START_TEST (test_write_where)
{
  char path[256], dir[256];
  fga_instance_t inst;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  ck_assert_int_eq (fga_instance_generate (inst, 3, 4, 3, 2, 1, 0.5, FGA_DIST_UNIFORM, 3, &err),
                    FGA_OK);

  /* One level only: the parent must exist.  */
  snprintf (dir, sizeof dir, "%s/no/inst", tmpdir);
  assert_message (fga_instance_write (dir, inst, &err), &err, FGA_ERR_INPUT, dir,
                  "cannot create the folder");
  /* A file in the way.  */
  snprintf (path, sizeof path, "%s/file", tmpdir);
  write_text (path, "x");
  assert_message (fga_instance_write (path, inst, &err), &err, FGA_ERR_INPUT, path,
                  "exists and is not a folder");
  assert_message (fga_instance_write ("", inst, &err), &err, FGA_ERR_INPUT, "empty", NULL);
  ck_assert_uint_eq (fga_test_count_entries (tmpdir), 1);

  if (ULONG_MAX > (unsigned long long) LLONG_MAX)
    {
      inst->seed = ULONG_MAX;
      snprintf (dir, sizeof dir, "%s/inst", tmpdir);
      assert_message (fga_instance_write (dir, inst, &err), &err, FGA_ERR_INPUT, "seed",
                      "instance.json");
      ck_assert_uint_eq (fga_test_count_entries (tmpdir), 1);
    }
  fga_instance_clear (inst);
}
END_TEST

/* When V cannot be written, the Q.npy and K.npy this call wrote are
   removed, and so is the folder it made.  */
START_TEST (test_write_failure)
{
  char dir[256];
  fga_instance_t inst;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  /* Q and K are 128 + 128 bytes, V 128 + 6400.  */
  ck_assert_int_eq (fga_instance_generate (inst, 4, 4, 4, 200, 1, 1, FGA_DIST_UNIFORM, 3, &err),
                    FGA_OK);
  snprintf (dir, sizeof dir, "%s/inst", tmpdir);
  for (int exists = 0; exists < 2; exists++)
    {
      if (exists)
        ck_assert_int_eq (mkdir (dir, 0700), 0);
      struct rlimit old, lim;
      getrlimit (RLIMIT_FSIZE, &old);
      lim = old;
      lim.rlim_cur = 1000;
      void (*h) (int) = signal (SIGXFSZ, SIG_IGN);
      ck_assert_int_eq (setrlimit (RLIMIT_FSIZE, &lim), 0);
      int rc = fga_instance_write (dir, inst, &err);
      setrlimit (RLIMIT_FSIZE, &old);
      signal (SIGXFSZ, h);
      assert_message (rc, &err, FGA_ERR_IO, "V.npy", "write failed");
      if (exists)
        ck_assert_uint_eq (fga_test_count_entries (dir), 0);
      else
        ck_assert_int_ne (access (dir, F_OK), 0);
    }
  fga_instance_clear (inst);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Reading: each case breaks one thing in a good instance (Q 4 x 6, K 5 x 6,
   V 5 x 3, B = Bv = 1) and names the file that holds it.  */

static char case_dir[256];

static void
replace_matrix (const char *name, size_t rows, size_t cols, size_t i, size_t j, double x)
{
  char path[512];
  fga_mat_t m;
  fga_error err;
  fga_error_init (&err);
  sub_path (path, sizeof path, case_dir, name);
  ck_assert_int_eq (fga_mat_init (m, rows, cols, &err), FGA_OK);
  if (rows * cols > 0)
    FGA_MAT (m, i, j) = x;
  ck_assert_int_eq (fga_npy_write (path, m, &err), FGA_OK);
  fga_mat_clear (m);
}

static void
replace_json (const char *text)
{
  char path[512];
  sub_path (path, sizeof path, case_dir, "instance.json");
  write_text (path, text);
}

#define JSON_HEAD "{\n  \"fgattn_version\": \"0.1.0\",\n"
#define JSON_SIZES "  \"nq\": 4,\n  \"nk\": 5,\n  \"d\": 6,\n  \"dv\": 3,\n"

static void
no_q (void)
{
  char path[512];
  sub_path (path, sizeof path, case_dir, "Q.npy");
  ck_assert_int_eq (unlink (path), 0);
}
static void
nan_q (void) { replace_matrix ("Q.npy", 4, 6, 3, 5, NAN); }
static void
inf_v (void) { replace_matrix ("V.npy", 5, 3, 0, 1, INFINITY); }
static void
ninf_k (void) { replace_matrix ("K.npy", 5, 6, 4, 0, -INFINITY); }
static void
cols_k (void) { replace_matrix ("K.npy", 5, 5, 0, 0, 0); }
static void
rows_v (void) { replace_matrix ("V.npy", 6, 3, 0, 0, 0); }
static void
empty_q (void) { replace_matrix ("Q.npy", 0, 6, 0, 0, 0); }
static void
empty_v (void) { replace_matrix ("V.npy", 5, 0, 0, 0, 0); }
static void
junk_v (void)
{
  char path[512];
  sub_path (path, sizeof path, case_dir, "V.npy");
  write_text (path, "1,2,3\n");
}
static void
jcase_bad_syntax (void) { replace_json ("{\n  \"nq\": 4,\n  \"nk\" 5\n}\n"); }
static void
jcase_is_array_top (void) { replace_json ("[4, 5, 6, 3]\n"); }
static void
jcase_dup (void) { replace_json (JSON_HEAD JSON_SIZES "  \"B\": 1, \"B\": 2,\n  \"Bv\": 1\n}\n"); }
static void
jcase_nq (void)
{
  replace_json (JSON_HEAD "  \"nq\": 9,\n  \"nk\": 5,\n  \"d\": 6,\n  \"dv\": 3,\n"
                "  \"B\": 1.0,\n  \"Bv\": 1.0\n}\n");
}
static void
jcase_d (void)
{
  replace_json (JSON_HEAD "  \"nq\": 4,\n  \"nk\": 5,\n  \"d\": 7,\n  \"dv\": 3,\n"
                "  \"B\": 1.0,\n  \"Bv\": 1.0\n}\n");
}
static void
jcase_dv_real (void)
{
  replace_json (JSON_HEAD "  \"nq\": 4,\n  \"nk\": 5,\n  \"d\": 6,\n  \"dv\": 3.0,\n"
                "  \"B\": 1.0,\n  \"Bv\": 1.0\n}\n");
}
static void
jcase_no_nk (void)
{
  replace_json (JSON_HEAD "  \"nq\": 4,\n  \"d\": 6,\n  \"dv\": 3,\n"
                "  \"B\": 1.0,\n  \"Bv\": 1.0\n}\n");
}
static void
jcase_no_b (void) { replace_json (JSON_HEAD JSON_SIZES "  \"Bv\": 1.0\n}\n"); }
static void
jcase_b_neg (void) { replace_json (JSON_HEAD JSON_SIZES "  \"B\": -1.0,\n  \"Bv\": 1.0\n}\n"); }
static void
jcase_b_zero (void) { replace_json (JSON_HEAD JSON_SIZES "  \"B\": 1.0,\n  \"Bv\": 0\n}\n"); }
static void
jcase_b_text (void) { replace_json (JSON_HEAD JSON_SIZES "  \"B\": \"1\",\n  \"Bv\": 1.0\n}\n"); }
static void
jcase_b_small (void) { replace_json (JSON_HEAD JSON_SIZES "  \"B\": 0.25,\n  \"Bv\": 1.0\n}\n"); }
static void
jcase_bv_small (void) { replace_json (JSON_HEAD JSON_SIZES "  \"B\": 1,\n  \"Bv\": 0.01\n}\n"); }
static void
jcase_dist (void)
{
  replace_json (JSON_HEAD JSON_SIZES "  \"B\": 1.0,\n  \"Bv\": 1.0,\n"
                "  \"distribution\": \"cauchy\",\n  \"seed\": 1\n}\n");
}
static void
jcase_no_seed (void)
{
  replace_json (JSON_HEAD JSON_SIZES "  \"B\": 1.0,\n  \"Bv\": 1.0,\n"
                "  \"distribution\": \"uniform\"\n}\n");
}
static void
jcase_neg_seed (void)
{
  replace_json (JSON_HEAD JSON_SIZES "  \"B\": 1.0,\n  \"Bv\": 1.0,\n"
                "  \"distribution\": \"uniform\",\n  \"seed\": -3\n}\n");
}

static const struct
{
  void (*breaks) (void);
  const char *file;            /* the file the message must name */
  const char *want1, *want2;
} bad_read[] = {
  { no_q, "Q.npy", ": cannot open", NULL },
  { nan_q, "Q.npy", ": entry (3, 5) is NaN", NULL },
  { inf_v, "V.npy", ": entry (0, 1) is +Inf", NULL },
  { ninf_k, "K.npy", ": entry (4, 0) is -Inf", NULL },
  { cols_k, "K.npy", "Q.npy is 4 x 6 but ", "K.npy is 5 x 5: Q and K must have the same number "
    "of columns" },
  { rows_v, "V.npy", "K.npy is 5 x 6 but ", "V.npy is 6 x 3: K and V must have the same number "
    "of rows" },
  { empty_q, "Q.npy", "Q.npy is 0 x 6: an instance needs at least one row and one column", NULL },
  { empty_v, "V.npy", "V.npy is 5 x 0: an instance needs at least one row and one column", NULL },
  { junk_v, "V.npy", ": not an NPY file", NULL },
  { jcase_bad_syntax, "instance.json", ": line 3, column ", NULL },
  { jcase_is_array_top, "instance.json", ": expected a JSON object, found an array", NULL },
  { jcase_dup, "instance.json", ": line ", "duplicate" },
  { jcase_nq, "instance.json", ": \"nq\" is 9 but the number of rows of ", "Q.npy is 4" },
  { jcase_d, "instance.json", ": \"d\" is 7 but the number of columns of ", "Q.npy is 6" },
  { jcase_dv_real, "instance.json", ": \"dv\" must be an integer (got a real number)", NULL },
  { jcase_no_nk, "instance.json", ": the key \"nk\" is missing", NULL },
  { jcase_no_b, "instance.json", ": the key \"B\" is missing", NULL },
  { jcase_b_neg, "instance.json", ": \"B\" must be a positive finite number (got -1)", NULL },
  { jcase_b_zero, "instance.json", ": \"Bv\" must be a positive finite number (got 0)", NULL },
  { jcase_b_text, "instance.json", ": \"B\" must be a number (got a string)", NULL },
  { jcase_b_small, "Q.npy", ": entry (", "exceeds B (from " },
  { jcase_bv_small, "V.npy", ": entry (0, 0) = ", "exceeds Bv (from " },
  { jcase_dist, "instance.json", ": unknown distribution 'cauchy'", NULL },
  { jcase_no_seed, "instance.json", ": the key \"seed\" is missing", NULL },
  { jcase_neg_seed, "instance.json", ": \"seed\" is -3, outside", NULL },
};

START_TEST (test_read_refusals)
{
  char path[512];
  fga_instance_t inst;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  ck_assert_int_eq (fga_instance_generate (inst, 4, 5, 6, 3, 1, 1, FGA_DIST_UNIFORM, 9, &err),
                    FGA_OK);
  snprintf (case_dir, sizeof case_dir, "%s/inst", tmpdir);
  ck_assert_msg (fga_instance_write (case_dir, inst, &err) == FGA_OK, "%s", err.msg);
  bad_read[_i].breaks ();

  /* Read into an instance that holds one: on failure it is left cleared. */
  int rc = fga_instance_read (inst, case_dir, &err);
  sub_path (path, sizeof path, case_dir, bad_read[_i].file);
  assert_message (rc, &err, FGA_ERR_INPUT, bad_read[_i].want1, bad_read[_i].want2);
  ck_assert_msg (strstr (err.msg, path) != NULL && strncmp (err.msg, case_dir,
                                                            strlen (case_dir)) == 0,
                 "the message does not name %s first: %s", path, err.msg);
  assert_cleared (inst);
  fga_instance_clear (inst);
  assert_cleared (inst);
}
END_TEST

START_TEST (test_read_missing_folder)
{
  char dir[256];
  fga_instance_t inst;
  fga_error err;
  fga_error_init (&err);
  fga_instance_init (inst);
  snprintf (dir, sizeof dir, "%s/nothing", tmpdir);
  assert_message (fga_instance_read (inst, dir, &err), &err, FGA_ERR_INPUT, dir, "Q.npy");
  assert_cleared (inst);
  fga_instance_clear (inst);
}
END_TEST

static Suite *
instance_suite (void)
{
  Suite *s = suite_create ("instance");
  TCase *tc;

  tc = fga_test_tcase ("distributions", 10);
  tcase_add_test (tc, test_dist_names);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("generate", 10);
  tcase_add_loop_test (tc, test_generate_refusals, 0,
                       sizeof bad_generate / sizeof bad_generate[0]);
  tcase_add_test (tc, test_generate_seed_range);
  tcase_add_loop_test (tc, test_generate_matches_spec, 0, 2 * NDISTS);
  tcase_add_loop_test (tc, test_generate_reproducible, 0, NDISTS);
  tcase_add_loop_test (tc, test_generate_mpfr_state, 0, NDISTS);
  tcase_add_loop_test (tc, test_generate_pinned, 0, sizeof pinned / sizeof pinned[0]);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("law", 60);
  tcase_add_loop_test (tc, test_generate_law, 0, 3);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("families", 30);
  tcase_add_loop_test (tc, test_generate_extreme_bounds, 0,
                       NDISTS * (int) (sizeof extreme / sizeof extreme[0]));
  tcase_add_test (tc, test_lowrank_singular_values);
  tcase_add_test (tc, test_structured_rank_of_p);
  tcase_add_test (tc, test_clustered_centres);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("distinct rows", 10);
  tcase_add_test (tc, test_distinct_rows_by_hand);
  tcase_add_test (tc, test_distinct_rows_brute_force);
  tcase_add_test (tc, test_distinct_rows_of_laws);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("write", 10);
  tcase_add_loop_test (tc, test_write_read, 0, NDISTS);
  tcase_add_loop_test (tc, test_write_refusals, 0, sizeof bad_write / sizeof bad_write[0]);
  tcase_add_test (tc, test_write_where);
  tcase_add_test (tc, test_write_failure);
  tcase_add_checked_fixture (tc, make_tmpdir, remove_tmpdir);
  suite_add_tcase (s, tc);

  tc = fga_test_tcase ("read", 10);
  tcase_add_loop_test (tc, test_read_refusals, 0, sizeof bad_read / sizeof bad_read[0]);
  tcase_add_test (tc, test_read_missing_folder);
  tcase_add_checked_fixture (tc, make_tmpdir, remove_tmpdir);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  return fga_test_run_suite (instance_suite ());
}
