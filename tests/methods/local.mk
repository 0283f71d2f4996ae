# tests/methods/local.mk -- tests of the approximate methods

TESTS += tests/methods/t-poly
check_PROGRAMS += tests/methods/t-poly
tests_methods_t_poly_SOURCES = tests/methods/t-poly.c
tests_methods_t_poly_CFLAGS = $(FGA_TEST_CFLAGS)
tests_methods_t_poly_LDADD = $(FGA_TEST_LIBS)

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
