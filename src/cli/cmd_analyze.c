/* fgattn analyze -- exact operations, FLOP conventions, memory, steps, path length and depth of a mechanism */

#include <config.h>

#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
  "usage: fgattn analyze --mech M -n N -d D [--nk NK] [--dv DV] [--heads H]\n"
  "                      [--causal] [--lse] [--block B] [-w W] [-l L] [-c C]\n"
  "                      [--w0 W0] [-r R] [--alpha A] [--levels K] [-g G] [-m M]\n"
  "                      [--kind pos|hyp|trig]\n"
  "                      [--iters I] [--segment] [-k K] [--separable] [--sram M]\n"
  "                      [--convention macs|flop2|softmax3|softmax5|all]\n"
  "                      [--format table|csv|json]\n"
  "       fgattn analyze --table vaswani|longnet -n N -d D [-k K] [-r R] [--w0 W0]\n"
  "                      [--alpha A] [--convention C] [--format table|csv|json]\n"
  "       fgattn analyze --depth -n N1,N2,... -d D [--dv DV] [--block B]\n"
  "                      [--format table|csv|json]\n"
  "\n"
  "Exact counts, never overflowing (GMP), for one layer of mechanism M:\n"
  "  vanilla stream window strided dilated fixed poly rf nystrom (the counts\n"
  "  equal what fgattn's methods record when run: exact:algo=naive,\n"
  "  exact:algo=stream, window, strided, dilated, fixed, poly, rf,\n"
  "  nystrom:pinv=iter), and mha recurrent conv linear flash (on-chip memory of\n"
  "  --sram M words, default 131072).\n"
  "M may also be the spec of a method with operation counts (fgattn methods),\n"
  "whose parameters then replace the options: window:w=8 is window with\n"
  "-w 8; one no mechanism models (exact:algo=blas) gives its counts alone.\n"
  "The one-letter options are the parameters of the same names: -w W (window\n"
  "radius, dilated's first segment, also --w0), -l L (block or stride), -c C\n"
  "(fixed's summary positions), -r R (dilation, or vaswani's neighbourhood),\n"
  "-g G (poly's degree), -m M (features or landmarks), -k K (a kernel width\n"
  "of conv); each is also spelled with two dashes (--w, --c, ...).  --causal\n"
  "(the causal mask) has no one-letter form: -c is fixed's C.\n"
  "fixed (the Sparse Transformer's fixed pattern): blocks of -l L positions\n"
  "(0: ceil(sqrt(n))), the last -c C of each a summary read by every query\n"
  "(default 1, 1 <= C <= L); its path length is 2 through a summary, 1 when\n"
  "every pair is direct, and 0 (no path) when, non-causal, the short last\n"
  "block holds no summary position (n mod L <= L - C).\n"
  "Printed: operations by kind (mul add exp div cmp) and their sum (the work W),\n"
  "MACs and softmax scores, FLOPs under each convention (with causal: exact,\n"
  "halved dense as FlashAttention benchmarks and Megatron, dense as tools that\n"
  "ignore the mask), peak working memory in elements and bytes (8 per double)\n"
  "with its model, minimum sequential steps, maximum path length, depth D as a\n"
  "fan-in-2 circuit, and Brent's bound T_p <= ceil(W/p) + D.\n"
  "(conv, linear, flash: models for comparison; theory/sources.md, section 7.)\n"
  "--table prints a paper's Table 1 with numbers: per row the asymptotic class,\n"
  "the exact work at n and at 2n and their ratio (6 decimals in the table, 17\n"
  "significant digits in CSV and JSON, correctly rounded), the FLOPs\n"
  "(--convention, default flop2), steps and path length; vaswani's restricted\n"
  "attention has a neighbourhood of -r positions (radius r/2, default 64),\n"
  "longnet's dilated attention --w0 (default 2048) and --alpha (default 2).\n"
  "--depth prints, for each n, the depth and the memory (elements) of: vanilla\n"
  "attention with S materialised; the online softmax reduced as a tree of merges\n"
  "(max, subtract and exp, multiply, add: 5 levels each) over all n keys; the same\n"
  "in chunks of --block keys (default 256) merged in sequence, as memory forces;\n"
  "and a recurrent layer of hidden size d (n (ceil(log2 d) + 3), memory d).\n"
  "--convention prints only that convention's FLOPs.  --w0 is -w (dilated).\n"
  "\n"
  "example: fgattn analyze --mech dilated -n 1000000000 -d 64 --w0 2048 --alpha 2\n";

/* A refusal of the analyzer: values of the options that do not go
   together are a usage error (nothing else is read).  */
static int
an_fail (const fga_error *err)
{
  return err->code == FGA_ERR_INPUT ? cli_usage_error ("%s", err->msg) : cli_fail_err (err);
}

static void
add_z (cli_table_t *t, const char *name, mpz_srcptr z, const char *note)
{
  char *s = mpz_get_str (NULL, 10, z);
  cli_table_add (t, name, s, note);
  void (*freefunc) (void *, size_t);
  mp_get_memory_functions (NULL, NULL, &freefunc);
  freefunc (s, strlen (s) + 1);
}

/* --depth: attention against a recurrent layer as n grows.  */
static int
print_depth (const char *nlist, fga_an_spec *s, cli_format_t fmt)
{
  if (nlist == NULL || s->d == 0)
    return cli_usage_error ("--depth needs -n N1,N2,... and -d");
  if (s->dv == 0)
    s->dv = s->d;
  size_t chunk = s->block ? s->block : 256;
  const char *names[] = { "n", "attention_depth", "attention_mem", "tree_depth", "tree_mem",
                          "chunked_depth", "chunked_mem", "recurrent_depth", "recurrent_mem" };
  cli_table_t t;
  cli_table_init (&t, 9, names);
  fga_an_result a, r;
  fga_an_result_init (&a);
  fga_an_result_init (&r);
  mpz_t z[4];
  for (int i = 0; i < 4; i++)
    mpz_init (z[i]);
  fga_error err;
  fga_error_init (&err);
  char *copy = strdup (nlist), *save = NULL;
  int rc = copy == NULL ? cli_fail (CLI_FAILED, "out of memory") : CLI_OK;
  for (char *tok = copy ? strtok_r (copy, ",", &save) : NULL; tok != NULL && rc == CLI_OK;
       tok = strtok_r (NULL, ",", &save))
    {
      size_t n;
      rc = cli_parse_size (&n, tok, "-n", 1, SIZE_MAX);
      if (rc != CLI_OK)
        break;
      fga_an_spec sv = *s, sr = *s;
      sv.mech = "vanilla";
      sr.mech = "recurrent";
      sv.nq = sv.nk = sr.nq = sr.nk = n;
      sv.causal = sr.causal = 0;
      if (fga_an_analyze (&a, &sv, &err) != FGA_OK || fga_an_analyze (&r, &sr, &err) != FGA_OK)
        {
          rc = an_fail (&err);
          break;
        }
      fga_an_online_tree (z[0], z[1], n, n, s->d, s->dv, 0);
      fga_an_online_tree (z[2], z[3], n, n, s->d, s->dv, chunk);
      mpz_srcptr cells[8] = { a.depth, a.mem_elems, z[0], z[1], z[2], z[3], r.depth,
                              r.mem_elems };
      cli_table_new_row (&t);
      cli_table_addf (&t, 0, "%zu", n);
      for (int j = 0; j < 8; j++)
        {
          char *c = mpz_get_str (NULL, 10, cells[j]);
          cli_table_addf (&t, (size_t) j + 1, "%s", c);
          void (*freefunc) (void *, size_t);
          mp_get_memory_functions (NULL, NULL, &freefunc);
          freefunc (c, strlen (c) + 1);
        }
    }
  free (copy);
  if (rc == CLI_OK)
    cli_table_print (&t, fmt, 0, stdout);
  cli_table_clear (&t);
  for (int i = 0; i < 4; i++)
    mpz_clear (z[i]);
  fga_an_result_clear (&a);
  fga_an_result_clear (&r);
  return rc;
}

/* --table: the rows of a paper's Table 1 at n and 2n.  */
static int
print_table (const char *name, fga_an_spec *s, size_t n, int have_r, int conv,
             cli_format_t fmt)
{
  if (n == 0 || s->d == 0)
    return cli_usage_error ("--table needs -n and -d");
  if (n > SIZE_MAX / 2)
    return cli_usage_error ("-n %zu: 2n must fit in size_t", n);
  s->nq = s->nk = n;
  if (s->dv == 0)
    s->dv = s->d;
  if (strcmp (name, "vaswani") == 0)
    s->w = have_r ? s->r : (s->w ? s->w : 64);
  else if (s->w == 0)
    s->w = 2048;
  s->r = 1;
  fga_an_row rows[8];
  size_t nr = fga_an_table (rows, 8, name, s);
  if (nr == 0)
    return cli_usage_error ("--table: unknown table '%s' (vaswani, longnet)", name);
  fga_flop_conv cv = conv >= 0 ? (fga_flop_conv) conv : FGA_FLOP_FLOP2;
  char fname[64];
  snprintf (fname, sizeof fname, "flops_%s", fga_flop_conv_name (cv));
  const char *names[] = { "layer", "complexity", "work", "work_2n", "ratio", fname, "steps",
                          "steps_class", "path", "path_class" };
  cli_table_t t;
  cli_table_init (&t, 10, names);
  fga_an_result a, b;
  fga_an_result_init (&a);
  fga_an_result_init (&b);
  mpz_t f;
  mpz_init (f);
  fga_error err;
  fga_error_init (&err);
  int rc = CLI_OK;
  for (size_t i = 0; i < nr && rc == CLI_OK; i++)
    {
      fga_an_spec s2 = rows[i].spec;
      s2.nq = s2.nk = 2 * n;
      if (fga_an_analyze (&a, &rows[i].spec, &err) != FGA_OK
          || fga_an_analyze (&b, &s2, &err) != FGA_OK)
        {
          rc = an_fail (&err);
          break;
        }
      char *w1 = mpz_get_str (NULL, 10, a.work), *w2 = mpz_get_str (NULL, 10, b.work);
      fga_an_flops (f, &a, cv, 0);
      char *fs = mpz_get_str (NULL, 10, f), *st = mpz_get_str (NULL, 10, a.steps);
      char *pl = mpz_get_str (NULL, 10, a.path);
      char ratio[64];
      double q = cli_zratio (b.work, a.work);
      if (fmt == CLI_TABLE)
        snprintf (ratio, sizeof ratio, "%.6f", q);
      else
        cli_num (ratio, sizeof ratio, q);
      cli_table_add (&t, rows[i].label, rows[i].complexity, w1, w2, ratio, fs, st,
                     rows[i].steps_class, pl, rows[i].path_class);
      void (*freefunc) (void *, size_t);
      mp_get_memory_functions (NULL, NULL, &freefunc);
      char *all[] = { w1, w2, fs, st, pl };
      for (int j = 0; j < 5; j++)
        freefunc (all[j], strlen (all[j]) + 1);
    }
  if (rc == CLI_OK)
    cli_table_print (&t, fmt, 0, stdout);
  cli_table_clear (&t);
  mpz_clear (f);
  fga_an_result_clear (&a);
  fga_an_result_clear (&b);
  return rc;
}

int
cli_analyze (int argc, char **argv)
{
  static const struct option opts[] = {
    { "mech", required_argument, NULL, 'M' },
    { "nk", required_argument, NULL, 'N' },
    { "dv", required_argument, NULL, 'v' },
    { "heads", required_argument, NULL, 'H' },
    { "causal", no_argument, NULL, 'u' },
    { "lse", no_argument, NULL, 'L' },
    { "block", required_argument, NULL, 'b' },
    { "w", required_argument, NULL, 'w' },
    { "w0", required_argument, NULL, 'w' },
    { "l", required_argument, NULL, 'l' },
    { "c", required_argument, NULL, 'c' },
    { "r", required_argument, NULL, 'r' },
    { "alpha", required_argument, NULL, 'a' },
    { "levels", required_argument, NULL, 'K' },
    { "g", required_argument, NULL, 'g' },
    { "m", required_argument, NULL, 'm' },
    { "kind", required_argument, NULL, 'T' },
    { "iters", required_argument, NULL, 'I' },
    { "segment", no_argument, NULL, 'S' },
    { "k", required_argument, NULL, 'k' },
    { "separable", no_argument, NULL, 'p' },
    { "sram", required_argument, NULL, 'Z' },
    { "convention", required_argument, NULL, 'C' },
    { "format", required_argument, NULL, 'f' },
    { "table", required_argument, NULL, 'X' },
    { "depth", no_argument, NULL, 'D' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  fga_an_spec s;
  fga_an_spec_init (&s);
  size_t n = 0, nk = 0;
  int have_mech = 0, conv = -1, have_r = 0;
  const char *table = NULL, *nlist = NULL;
  int depth = 0;
  cli_format_t fmt = CLI_TABLE;
  int c;
  optind = 1;
  /* -w -l -c -r -g -m -k: the parameters of one letter, each also with two
     dashes.  -c (--c) is fixed's C, --causal the mask: cli_an_option knows
     them as 'Y' and 'c'.  */
  while ((c = cli_getopt (argc, argv, "n:d:w:l:c:r:g:m:k:h", opts)) != -1)
    {
      int rc = CLI_OK;
      if (cli_an_option (&s, c == 'u' ? 'c' : c == 'c' ? 'Y' : c, optarg, &rc))
        {
          have_r |= c == 'r';
          if (rc != CLI_OK)
            return rc;
          continue;
        }
      switch (c)
        {
        case 'M':
          {
            char known[512];
            if (!fga_an_mech_known (optarg))
              return cli_usage_error ("--mech: unknown mechanism '%s' (%s)", optarg,
                                      fga_an_mech_list (known, sizeof known, 0));
            s.mech = optarg;
            have_mech = 1;
            break;
          }
        case 'n':
          nlist = optarg;
          rc = strchr (optarg, ',') ? CLI_OK : cli_parse_size (&n, optarg, "-n", 1, SIZE_MAX);
          break;
        case 'N': rc = cli_parse_size (&nk, optarg, "--nk", 1, SIZE_MAX); break;
        case 'd': rc = cli_parse_size (&s.d, optarg, "-d", 1, SIZE_MAX); break;
        case 'v': rc = cli_parse_size (&s.dv, optarg, "--dv", 1, SIZE_MAX); break;
        case 'H': rc = cli_parse_size (&s.heads, optarg, "--heads", 1, SIZE_MAX); break;
        case 'L': s.lse = 1; break;
        case 'g': rc = cli_parse_long (&s.g, optarg, "-g", 0, LONG_MAX); break;
        case 'I': rc = cli_parse_long (&s.iters, optarg, "--iters", 0, LONG_MAX); break;
        case 'k': rc = cli_parse_size (&s.k, optarg, "-k", 1, SIZE_MAX); break;
        case 'p': s.separable = 1; break;
        case 'Z': rc = cli_parse_size (&s.sram, optarg, "--sram", 1, SIZE_MAX); break;
        case 'C':
          conv = fga_flop_conv_parse (optarg);
          if (conv < 0)
            return cli_usage_error ("--convention: unknown '%s' (macs, flop2, softmax3, "
                                    "softmax5, all)", optarg);
          break;
        case 'f': rc = cli_parse_format (&fmt, optarg); break;
        case 'X': table = optarg; break;
        case 'D': depth = 1; break;
        case 'h': fputs (usage, stdout); return CLI_OK;
        default: return CLI_USAGE;
        }
      if (rc != CLI_OK)
        return rc;
    }
  if (optind < argc)
    return cli_usage_error ("unexpected argument '%s'", argv[optind]);
  if (depth)
    return print_depth (nlist, &s, fmt);
  if (nlist != NULL && strchr (nlist, ',') != NULL)
    return cli_usage_error ("-n: a list of sizes is for --depth only");
  if (table != NULL)
    return print_table (table, &s, n, have_r, conv, fmt);
  if (!have_mech || n == 0 || s.d == 0)
    return cli_usage_error ("--mech, -n and -d are required");
  s.nq = n;
  s.nk = nk ? nk : n;
  if (s.dv == 0)
    s.dv = s.d;
  if (strcmp (s.mech, "dilated") == 0 && s.w == 0)
    s.w = 2048;
  if (strcmp (s.mech, "poly") == 0 && s.g == 0)
    s.g = 2;

  fga_an_result res;
  fga_an_result_init (&res);
  fga_error err;
  fga_error_init (&err);
  /* a method spec becomes its mechanism, with the fields of its parameters */
  if (fga_an_resolve (&s, &s, &err) != FGA_OK || fga_an_analyze (&res, &s, &err) != FGA_OK)
    {
      fga_an_result_clear (&res);
      return an_fail (&err);
    }

  static const char *names[] = { "quantity", "value", "note" };
  static const char *const kinds[5] = { "mul", "add", "exp", "div", "cmp" };
  cli_table_t t;
  cli_table_init (&t, 3, names);
  cli_table_add (&t, "mechanism", res.mech, "");
  for (int i = 0; i < 5; i++)
    add_z (&t, kinds[i], res.ops[i], "exact count");
  add_z (&t, "work", res.work, "W: sum of the five kinds");
  if (!res.modelled)
    {
      /* a method the analyzer has no model of: its own counts only */
      cli_table_print (&t, fmt, 0, stdout);
      cli_table_clear (&t);
      fga_an_result_clear (&res);
      return CLI_OK;
    }
  add_z (&t, "macs", res.macs, "multiply-accumulates of the matrix products");
  add_z (&t, "scores", res.scores, "softmax entries computed");
  mpz_t f, p;
  mpz_inits (f, p, (mpz_ptr) 0);
  char name[64];
  for (int cv = 0; cv < FGA_FLOP_NCONV; cv++)
    {
      if (conv >= 0 && cv != conv)
        continue;
      for (int halve = 0; halve <= (s.causal ? 2 : 0); halve++)
        {
          fga_an_flops (f, &res, (fga_flop_conv) cv, halve);
          snprintf (name, sizeof name, "flops_%s%s", fga_flop_conv_name (cv),
                    halve == 1 ? "_halved" : halve == 2 ? "_dense" : "");
          add_z (&t, name, f, fga_flop_conv_source (cv));
          if (cv == FGA_FLOP_ALL)
            break;
        }
    }
  add_z (&t, "mem_elems", res.mem_elems, res.mem_model);
  add_z (&t, "mem_bytes", res.mem_bytes, "8 bytes per element (double)");
  if (mpz_sgn (res.traffic) > 0)
    add_z (&t, "traffic", res.traffic, strcmp (res.mech, "flash") == 0
           ? "words moved to and from slow memory (FlashAttention, Algorithm 1)"
           : "words moved to and from slow memory "
             "(standard attention, FlashAttention's Algorithm 0)");
  add_z (&t, "steps", res.steps, "minimum sequential steps");
  add_z (&t, "path", res.path, mpz_sgn (res.path) == 0 && s.nq > 1
         ? "0: some position never reaches some other, over any number of layers"
         : "maximum path length between two positions");
  add_z (&t, "depth", res.depth, res.depth_model);
  static const unsigned long ps[] = { 1, 64, 1024, 1UL << 20 };
  for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
    {
      mpz_set_ui (p, ps[i]);
      fga_an_brent (f, &res, p);
      snprintf (name, sizeof name, "brent_p%lu", ps[i]);
      add_z (&t, name, f, "T_p <= ceil(W/p) + D");
    }
  cli_table_print (&t, fmt, 0, stdout);
  cli_table_clear (&t);
  mpz_clears (f, p, (mpz_ptr) 0);
  fga_an_result_clear (&res);
  return CLI_OK;
}
