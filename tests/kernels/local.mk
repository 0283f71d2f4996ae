# tests/kernels/local.mk -- tests of the exact kernels and sparse attention

TESTS += tests/kernels/t-exact
check_PROGRAMS += tests/kernels/t-exact
tests_kernels_t_exact_SOURCES = tests/kernels/t-exact.c
tests_kernels_t_exact_CFLAGS = $(FGA_TEST_CFLAGS)
tests_kernels_t_exact_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/kernels/t-sparse
check_PROGRAMS += tests/kernels/t-sparse
tests_kernels_t_sparse_SOURCES = tests/kernels/t-sparse.c
tests_kernels_t_sparse_CFLAGS = $(FGA_TEST_CFLAGS)
tests_kernels_t_sparse_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/kernels/overflow.test
EXTRA_DIST += tests/kernels/overflow.test
