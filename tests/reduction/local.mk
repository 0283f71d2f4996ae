# tests/reduction/local.mk -- tests of the reduction and the hardness experiment

TESTS += tests/reduction/t-reduction
check_PROGRAMS += tests/reduction/t-reduction
tests_reduction_t_reduction_SOURCES = tests/reduction/t-reduction.c
tests_reduction_t_reduction_CFLAGS = $(FGA_TEST_CFLAGS)
tests_reduction_t_reduction_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/reduction/t-hardness
check_PROGRAMS += tests/reduction/t-hardness
tests_reduction_t_hardness_SOURCES = tests/reduction/t-hardness.c
tests_reduction_t_hardness_CFLAGS = $(FGA_TEST_CFLAGS)
tests_reduction_t_hardness_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/reduction/reduction.test
EXTRA_DIST += tests/reduction/reduction.test

TESTS += tests/reduction/t-hardness-farm
check_PROGRAMS += tests/reduction/t-hardness-farm
tests_reduction_t_hardness_farm_SOURCES = tests/reduction/t-hardness-farm.c
tests_reduction_t_hardness_farm_CFLAGS = $(FGA_TEST_CFLAGS)
tests_reduction_t_hardness_farm_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/reduction/hardness-resume.test
EXTRA_DIST += tests/reduction/hardness-resume.test
