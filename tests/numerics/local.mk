# tests/numerics/local.mk -- tests of the exp approximations, the ground truth (and its fast
# path), the rank of P (also on a farm)

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

TESTS += tests/numerics/t-rank-randomized
check_PROGRAMS += tests/numerics/t-rank-randomized
tests_numerics_t_rank_randomized_SOURCES = tests/numerics/t-rank-randomized.c
tests_numerics_t_rank_randomized_CFLAGS = $(FGA_TEST_CFLAGS)
tests_numerics_t_rank_randomized_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/numerics/t-truth-fast
check_PROGRAMS += tests/numerics/t-truth-fast
tests_numerics_t_truth_fast_SOURCES = tests/numerics/t-truth-fast.c
tests_numerics_t_truth_fast_CFLAGS = $(FGA_TEST_CFLAGS)
tests_numerics_t_truth_fast_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/numerics/t-rank-farm
check_PROGRAMS += tests/numerics/t-rank-farm
tests_numerics_t_rank_farm_SOURCES = tests/numerics/t-rank-farm.c
tests_numerics_t_rank_farm_CFLAGS = $(FGA_TEST_CFLAGS)
tests_numerics_t_rank_farm_LDADD = $(FGA_TEST_LIBS)
