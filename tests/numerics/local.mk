# tests/numerics/local.mk -- tests of the exp approximations and the ground truth

TESTS += tests/numerics/t-expfit
check_PROGRAMS += tests/numerics/t-expfit
tests_numerics_t_expfit_SOURCES = tests/numerics/t-expfit.c
tests_numerics_t_expfit_CFLAGS = $(FGA_TEST_CFLAGS)
tests_numerics_t_expfit_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/numerics/t-truth
check_PROGRAMS += tests/numerics/t-truth
tests_numerics_t_truth_SOURCES = tests/numerics/t-truth.c
tests_numerics_t_truth_CFLAGS = $(FGA_TEST_CFLAGS)
tests_numerics_t_truth_LDADD = $(FGA_TEST_LIBS)
