# tests/core/local.mk -- tests of the core: errors, matrices, tau, methods, metrics

TESTS += tests/core/t-core
check_PROGRAMS += tests/core/t-core
tests_core_t_core_SOURCES = tests/core/t-core.c
tests_core_t_core_CFLAGS = $(FGA_TEST_CFLAGS)
tests_core_t_core_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/core/layers.test
EXTRA_DIST += tests/core/layers.test
TESTS += tests/core/headers.test
EXTRA_DIST += tests/core/headers.test

TESTS += tests/core/t-law
check_PROGRAMS += tests/core/t-law
tests_core_t_law_SOURCES = tests/core/t-law.c
tests_core_t_law_CFLAGS = $(FGA_TEST_CFLAGS)
tests_core_t_law_LDADD = $(FGA_TEST_LIBS)
