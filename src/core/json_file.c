/* fgap_json_write_atomic -- one JSON document written to a file under a temporary name

   The one writer of the library's JSON files (sweep.json, hardness.json,
   hamming.json, reduction.json, the stats of a run).  Each caller passes
   jansson's flags of its own format, so that the files it wrote before stay
   byte for byte what they were: indentation, key order and 17 significant
   digits are theirs to choose, the newline at the end and the atomic
   replacement are common.  */

#include "core/fga-impl.h"

#include <errno.h>
#include <jansson.h>

int
fgap_json_write_atomic (const char *path, const json_t *root, size_t flags, fga_error *err)
{
  if (root == NULL)
    return fgap_error_set (err, FGA_ERR_NOMEM, "%s: out of memory building the JSON", path);
  fga_atomic_file af;
  int rc = fga_atomic_open (&af, path, err);
  if (rc != FGA_OK)
    return rc;
  errno = 0;
  if (json_dumpf (root, af.fp, flags) != 0 || fputc ('\n', af.fp) == EOF)
    {
      int e = errno;
      fga_atomic_abort (&af);
      return fgap_error_set (err, FGA_ERR_IO, "%s: cannot write the JSON: %s", path,
                            e != 0 ? strerror (e) : "out of memory");
    }
  return fga_atomic_commit (&af, err);
}
