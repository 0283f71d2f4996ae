# tests/core/local.mk -- tests of the core: errors, matrices, tau, methods, metrics

# For the whole suite: every test, Check program or script, is stopped after
# FGA_TEST_LIMIT seconds (make check FGA_TEST_LIMIT=N to change it), so that
# one that hangs fails, saying so, instead of holding make check and CI for
# ever.  Check bounds each test case far tighter (fga_test_tcase); this bounds
# the scripts and the pytest run, which take under a minute each, but for
# demo.test (minutes: it bounds its full-size demo at 1200 s itself).
# timeout(1) kills the test's whole process group, children included; the
# test runs in the background of the wrapper, with no terminal input, and an
# interrupt of make check reaches it through the trap.
FGA_TEST_LIMIT = 1800
FGA_TEST_BOUNDED = $(SHELL) -c 'timeout -k 10 $(FGA_TEST_LIMIT) "$$@" & pid=$$!; \
  trap "kill $$pid 2>/dev/null" HUP INT TERM; wait $$pid; s=$$?; \
  test $$s -ne 124 || echo "FAIL: $$1 still running after $(FGA_TEST_LIMIT) s: stopped"; \
  exit $$s' fga-test-bounded
LOG_COMPILER = $(FGA_TEST_BOUNDED)
TEST_LOG_COMPILER = $(FGA_TEST_BOUNDED)

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

TESTS += tests/core/t-problem
check_PROGRAMS += tests/core/t-problem
tests_core_t_problem_SOURCES = tests/core/t-problem.c
tests_core_t_problem_CFLAGS = $(FGA_TEST_CFLAGS)
tests_core_t_problem_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/core/blas.test
EXTRA_DIST += tests/core/blas.test
