/* list.h -- the method classes, one line each: the registry in the order fgattn methods lists them

   An X-macro list: the includer defines FGA_METHOD (name) and includes
   this file; method-impl.h makes each line the declaration
     extern const fgap_method_class fgap_method_name;
   and method.c the registry entry &fgap_method_name.  The class itself is
   defined in src/methods/name.c (README.md, "Adding a method").
   No include guard: it is meant to be included more than once.  */

FGA_METHOD (exact)
FGA_METHOD (svd)
FGA_METHOD (nystrom)
FGA_METHOD (rf)
FGA_METHOD (window)
FGA_METHOD (strided)
FGA_METHOD (dilated)
FGA_METHOD (fixed)
FGA_METHOD (poly)
FGA_METHOD (tsketch)
FGA_METHOD (ext)
