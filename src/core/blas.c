/* fga_blas_get -- which BLAS fgattn runs on, and the right kernels for this processor

   OpenBLAS built for many processors (DYNAMIC_ARCH, as Debian ships it)
   chooses its kernels once, when it is loaded, from the processor's family
   and model numbers.  A processor the library does not know yet may be
   taken for an old one: OpenBLAS 0.3.21 takes some AVX-512 processors for a
   "Prescott" (SSE3), and every DGEMM then runs at a fifth of its speed.
   The processor's feature flags say what it can run, whatever its model:
   when the library's choice is weaker than they allow, the constructor
   below asks OpenBLAS to choose again with the right core named, through
   the same entry points its own start-up uses (gotoblas_dynamic_quit,
   gotoblas_dynamic_init; the latter reads OPENBLAS_CORETYPE).

   Why here and not an environment variable: a program that links
   libfgattn (or a Python process that loads it) has started before any
   variable could be set for it.  The constructor runs when libfgattn is
   loaded, after OpenBLAS's own (libfgattn depends on it) and before any
   product of fgattn's; every path of the library to a product calls
   fgap_blas_ready first, which makes the switch there when the constructor
   could not (see below), and waits for it when it is under way.  The
   switch is made only while no other thread of the process can be inside
   a BLAS call (see `alone').  It changes nothing when the user chose a core
   (OPENBLAS_CORETYPE set; FGATTN_BLAS_FIX=force overrides that), when
   FGATTN_BLAS_FIX=0, when the BLAS is not a
   DYNAMIC_ARCH OpenBLAS, or when the library's choice is already as strong
   as the processor allows.  The switch is process-wide: other users of the
   same OpenBLAS in the process (numpy) get the right kernels too.  */

#include "core/fga-impl.h"

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#pragma weak openblas_get_config
#pragma weak openblas_get_corename
#pragma weak openblas_get_num_threads
#pragma weak gotoblas_dynamic_init
#pragma weak gotoblas_dynamic_quit
extern char *openblas_get_config (void);
extern char *openblas_get_corename (void);
extern int openblas_get_num_threads (void);
extern void gotoblas_dynamic_init (void);
extern void gotoblas_dynamic_quit (void);
/* OpenBLAS's table of kernels, NULL until its own constructor has run.  */
extern void *gotoblas __attribute__ ((weak));

/* What a core's kernels use: 0 SSE2/SSE3, 1 AVX, 2 AVX2 and FMA, 3 AVX-512;
   -1 for a name not in the table (never switched from).  */
static int
core_level (const char *name)
{
  static const struct { const char *name; int level; } table[] = {
    { "Katmai", 0 }, { "Coppermine", 0 }, { "Northwood", 0 }, { "Prescott", 0 },
    { "Banias", 0 }, { "Core2", 0 }, { "Penryn", 0 }, { "Dunnington", 0 },
    { "Nehalem", 0 }, { "Atom", 0 }, { "Athlon", 0 }, { "Opteron", 0 },
    { "Opteron_SSE3", 0 }, { "Barcelona", 0 }, { "Nano", 0 }, { "Bobcat", 0 },
    { "Sandybridge", 1 }, { "Bulldozer", 1 }, { "Piledriver", 1 }, { "Steamroller", 1 },
    { "Excavator", 2 }, { "Haswell", 2 }, { "Zen", 2 },
    { "SkylakeX", 3 }, { "Cooperlake", 3 }, { "SapphireRapids", 3 },
  };
  if (name == NULL)
    return -1;
  for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)
    if (strcasecmp (name, table[k].name) == 0)
      return table[k].level;
  return -1;
}

/* What the processor (and its operating system, which libgcc's check
   includes) can run, on the same scale.  SkylakeX's kernels use AVX-512 F,
   DQ, BW and VL.  */
static int
cpu_level (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512dq")
      && __builtin_cpu_supports ("avx512bw") && __builtin_cpu_supports ("avx512vl"))
    return 3;
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return 2;
  if (__builtin_cpu_supports ("avx"))
    return 1;
  return 0;
#else
  return -1;
#endif
}

static const char *const level_core[] = { NULL, "Sandybridge", "Haswell", "SkylakeX" };

/* The core OpenBLAS chose at load, when fgattn replaced it ("" otherwise);
   and, when the switch was due but not made, the core it would have
   named and why not ("" otherwise).  Written once, inside the pthread_once
   below, and read only after it.  */
static char blas_chosen[32];
static char blas_wanted[32];
static const char *blas_why_not = "";

static void
copy_text (char *dst, size_t size, const char *src)
{
  snprintf (dst, size, "%s", src != NULL ? src : "");
}

/* The threads of the process, or -1 when it cannot tell (no /proc).  */
static int
process_threads (void)
{
  DIR *dir = opendir ("/proc/self/task");
  if (dir == NULL)
    return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir (dir)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir (dir);
  return n;
}

/* Whether no DGEMM can be running while the switch is made.
   gotoblas_dynamic_quit empties the table of kernels that every BLAS call
   reads, and gotoblas_dynamic_init fills it again: a call in another thread
   between the two would fail.  fgattn's own products all come after the
   switch (fgap_blas_ready), so only the host program's threads matter: the
   switch is made while the process holds no thread but the caller and
   OpenBLAS's idle workers (threads - 1 of them, started when OpenBLAS was
   loaded), which is always so when the library is loaded with the program
   and usually so when Python imports it.  Otherwise it is not made, and
   fga_blas_text says so.  */
static int
alone (void)
{
  int blas = openblas_get_num_threads != NULL ? openblas_get_num_threads () : 1;
  int n = process_threads ();
  return n >= 1 && n <= (blas > 1 ? blas : 1);
}

static void
blas_switch (void)
{
  if (openblas_get_corename == NULL || gotoblas_dynamic_init == NULL
      || gotoblas_dynamic_quit == NULL)
    return;                     /* not a DYNAMIC_ARCH OpenBLAS */
  /* FGATTN_BLAS_FIX=force switches even from a core the user named, so
     that the switch can be seen (and tested) on any processor:
     OPENBLAS_CORETYPE=Prescott FGATTN_BLAS_FIX=force.  */
  const char *fix = getenv ("FGATTN_BLAS_FIX");
  int force = fix != NULL && strcmp (fix, "force") == 0;
  if (fix != NULL && strcmp (fix, "0") == 0)
    return;
  const char *core = openblas_get_corename ();
  int have = core_level (core), can = cpu_level ();
  if (have < 0 || can <= have)
    return;
  /* A core the user named stands; but a record that reads "core Haswell"
     on a processor that runs SkylakeX's kernels would leave its slow
     DGEMMs unexplained (a machine may set the variable for every process
     without the user knowing), so the text says what it could have been.  */
  const char *why_not = getenv ("OPENBLAS_CORETYPE") != NULL && !force ? "OPENBLAS_CORETYPE is set"
                        : !alone () ? "other threads were running" : NULL;
  if (why_not != NULL)
    {
      copy_text (blas_wanted, sizeof blas_wanted, level_core[can]);
      blas_why_not = why_not;
      return;
    }
  char before[32];
  copy_text (before, sizeof before, core);
  /* gotoblas_dynamic_init reads OPENBLAS_CORETYPE; the variable is taken
     away again at once, so that the process's environment (and its
     children's) is as the user left it.  */
  const char *user = getenv ("OPENBLAS_CORETYPE");
  char saved[64];
  copy_text (saved, sizeof saved, user);
  if (setenv ("OPENBLAS_CORETYPE", level_core[can], 1) != 0)
    return;
  gotoblas_dynamic_quit ();
  gotoblas_dynamic_init ();
  if (user != NULL)
    setenv ("OPENBLAS_CORETYPE", saved, 1);
  else
    unsetenv ("OPENBLAS_CORETYPE");
  const char *now = openblas_get_corename ();
  if (now != NULL && strcmp (now, before) != 0)
    copy_text (blas_chosen, sizeof blas_chosen, before);
}

static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

/* The switch, made once per process and finished before any caller goes
   on: every path of the library to a product calls this first, so no
   product of fgattn's runs during the switch, and a static link that uses
   a BLAS kernel of fgattn links this file, and so the constructor below.  */
void
fgap_blas_ready (void)
{
  pthread_once (&blas_once, blas_switch);
}

/* When the library is loaded: before main, or at dlopen (Python's import),
   so the other users of OpenBLAS in the process get the right kernels from
   their first product too.  In a static link OpenBLAS's constructor may
   come after this one: then OpenBLAS has chosen nothing yet, and the
   switch is left to the first call of fgap_blas_ready, after main has
   started.  */
__attribute__ ((constructor)) static void
blas_fix (void)
{
  if (&gotoblas != NULL && gotoblas == NULL)
    return;
  fgap_blas_ready ();
}

/* "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ..." -> "0.3.21".  */
static void
config_version (char *dst, size_t size, const char *config)
{
  dst[0] = '\0';
  if (config == NULL || strncmp (config, "OpenBLAS ", 9) != 0)
    return;
  const char *v = config + 9;
  size_t len = strcspn (v, " ");
  if (len >= size)
    len = size - 1;
  memcpy (dst, v, len);
  dst[len] = '\0';
}

void
fga_blas_get (fga_blas_info *bi)
{
  fgap_blas_ready ();
  memset (bi, 0, sizeof *bi);
  if (openblas_get_config == NULL)
    {
      copy_text (bi->library, sizeof bi->library, "unknown");
      return;
    }
  const char *config = openblas_get_config ();
  copy_text (bi->library, sizeof bi->library, "OpenBLAS");
  copy_text (bi->config, sizeof bi->config, config);
  config_version (bi->version, sizeof bi->version, config);
  if (openblas_get_corename != NULL)
    copy_text (bi->core, sizeof bi->core, openblas_get_corename ());
  copy_text (bi->chosen, sizeof bi->chosen, blas_chosen);
  if (openblas_get_num_threads != NULL)
    bi->threads = openblas_get_num_threads ();
  if (blas_wanted[0] != '\0')
    snprintf (bi->not_switched, sizeof bi->not_switched, "not switched to %s: %s", blas_wanted,
              blas_why_not);
}

const char *
fga_blas_text (char *buf, size_t size)
{
  fga_blas_info bi;
  char why[sizeof ((fga_blas_info *) 0)->not_switched + 8] = "";
  fga_blas_get (&bi);
  if (bi.chosen[0] != '\0')
    snprintf (why, sizeof why, " (chose %s)", bi.chosen);
  else if (bi.not_switched[0] != '\0')
    snprintf (why, sizeof why, " (%s)", bi.not_switched);
  if (strcmp (bi.library, "unknown") == 0)
    snprintf (buf, size, "unknown CBLAS");
  else
    snprintf (buf, size, "%s%s%s, core %s%s", bi.library, bi.version[0] ? " " : "",
              bi.version, bi.core[0] ? bi.core : "unknown", why);
  return buf;
}
