# tests/methods/local.mk -- tests of the approximate methods

TESTS += tests/methods/t-poly
check_PROGRAMS += tests/methods/t-poly
tests_methods_t_poly_SOURCES = tests/methods/t-poly.c
tests_methods_t_poly_CFLAGS = $(FGA_TEST_CFLAGS)
tests_methods_t_poly_LDADD = $(FGA_TEST_LIBS)

# The vectorised monomial builders: the same bits as the scalar one, and
# poly's output the same bits under every FGATTN_ISA.
TESTS += tests/methods/t-poly-build
check_PROGRAMS += tests/methods/t-poly-build
tests_methods_t_poly_build_SOURCES = tests/methods/t-poly-build.c
tests_methods_t_poly_build_CFLAGS = $(FGA_TEST_CFLAGS)
tests_methods_t_poly_build_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/methods/t-poly-degree
check_PROGRAMS += tests/methods/t-poly-degree
tests_methods_t_poly_degree_SOURCES = tests/methods/t-poly-degree.c
tests_methods_t_poly_degree_CFLAGS = $(FGA_TEST_CFLAGS)
tests_methods_t_poly_degree_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/methods/t-rf
check_PROGRAMS += tests/methods/t-rf
tests_methods_t_rf_SOURCES = tests/methods/t-rf.c
tests_methods_t_rf_CFLAGS = $(FGA_TEST_CFLAGS)
tests_methods_t_rf_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/methods/t-tsketch
check_PROGRAMS += tests/methods/t-tsketch
tests_methods_t_tsketch_SOURCES = tests/methods/t-tsketch.c
tests_methods_t_tsketch_CFLAGS = $(FGA_TEST_CFLAGS)
tests_methods_t_tsketch_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/methods/t-lowrank
check_PROGRAMS += tests/methods/t-lowrank
tests_methods_t_lowrank_SOURCES = tests/methods/t-lowrank.c
tests_methods_t_lowrank_CFLAGS = $(FGA_TEST_CFLAGS)
tests_methods_t_lowrank_LDADD = $(FGA_TEST_LIBS)

# Every entry of the registry: complete, and counted as it runs.
TESTS += tests/methods/t-registry
check_PROGRAMS += tests/methods/t-registry
tests_methods_t_registry_SOURCES = tests/methods/t-registry.c
tests_methods_t_registry_CFLAGS = $(FGA_TEST_CFLAGS)
tests_methods_t_registry_LDADD = $(FGA_TEST_LIBS)

# Adding a method is one file and one line (README.md, "Adding a method"):
# these two programs carry their own copy of the registry (method.c compiled
# with tests/methods/toy first on the include path, whose methods/list.h adds
# FGA_METHOD (mean)) and the method file tests/methods/toy/mean.c; the rest
# of the library is the usual one.  t-registry-mean is t-registry run on that
# registry, unchanged.
FGA_TOY_SOURCES = tests/methods/toy/mean.c tests/methods/toy/methods/list.h \
	src/methods/method.c
TESTS += tests/methods/t-newmethod tests/methods/t-registry-mean
check_PROGRAMS += tests/methods/t-newmethod tests/methods/t-registry-mean
tests_methods_t_newmethod_SOURCES = tests/methods/t-newmethod.c $(FGA_TOY_SOURCES)
tests_methods_t_newmethod_CPPFLAGS = -I$(top_srcdir)/tests/methods/toy $(AM_CPPFLAGS)
tests_methods_t_newmethod_CFLAGS = $(FGA_TEST_CFLAGS)
tests_methods_t_newmethod_LDADD = $(FGA_TEST_LIBS)
tests_methods_t_registry_mean_SOURCES = tests/methods/t-registry.c $(FGA_TOY_SOURCES)
tests_methods_t_registry_mean_CPPFLAGS = -I$(top_srcdir)/tests/methods/toy $(AM_CPPFLAGS)
tests_methods_t_registry_mean_CFLAGS = $(FGA_TEST_CFLAGS)
tests_methods_t_registry_mean_LDADD = $(FGA_TEST_LIBS)

# Every class defined in src/methods/NAME.c is listed in methods/list.h and
# in src/methods/local.mk, and every line of list.h has its file.
TESTS += tests/methods/registry.test
EXTRA_DIST += tests/methods/registry.test

# The method ext, with a program of the suite as its external command, and
# user methods (fga_method_register_user), in a sweep too.
check_PROGRAMS += tests/methods/ext-helper
tests_methods_ext_helper_SOURCES = tests/methods/ext-helper.c
tests_methods_ext_helper_CFLAGS = $(FGA_TEST_CFLAGS)
tests_methods_ext_helper_LDADD = $(FGA_TEST_LIBS)
TESTS += tests/methods/t-ext
check_PROGRAMS += tests/methods/t-ext
tests_methods_t_ext_SOURCES = tests/methods/t-ext.c tests/methods/small-inst.h
tests_methods_t_ext_CFLAGS = $(FGA_TEST_CFLAGS)
tests_methods_t_ext_LDADD = $(FGA_TEST_LIBS)
TESTS += tests/methods/t-user
check_PROGRAMS += tests/methods/t-user
tests_methods_t_user_SOURCES = tests/methods/t-user.c tests/methods/small-inst.h
tests_methods_t_user_CFLAGS = $(FGA_TEST_CFLAGS)
tests_methods_t_user_LDADD = $(FGA_TEST_LIBS)

# Progress callbacks (bit for bit the same results), run predictions, and
# the way out of poly's memory budget.
TESTS += tests/methods/t-progress
check_PROGRAMS += tests/methods/t-progress
tests_methods_t_progress_SOURCES = tests/methods/t-progress.c
tests_methods_t_progress_CFLAGS = $(FGA_TEST_CFLAGS)
tests_methods_t_progress_LDADD = $(FGA_TEST_LIBS)
