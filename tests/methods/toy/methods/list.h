/* list.h -- the registry of tests/methods/t-newmethod: fgattn's list and one more line

   Found before src/methods/list.h (t-newmethod is compiled with
   -I tests/methods/toy first), this is src/methods/list.h with the line
   that adding a method takes (README.md, "Adding a method").  */

#include "../../../../src/methods/list.h"
FGA_METHOD (mean)
