# tests/data/local.mk -- tests of NPY files and instances

TESTS += tests/data/t-npy
check_PROGRAMS += tests/data/t-npy
tests_data_t_npy_SOURCES = tests/data/t-npy.c
tests_data_t_npy_CPPFLAGS = $(AM_CPPFLAGS) -DFGA_FIXTURES=\"$(abs_top_srcdir)/tests/fixtures\"
tests_data_t_npy_CFLAGS = $(FGA_TEST_CFLAGS)
tests_data_t_npy_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/data/t-instance
check_PROGRAMS += tests/data/t-instance
tests_data_t_instance_SOURCES = tests/data/t-instance.c
tests_data_t_instance_CFLAGS = $(FGA_TEST_CFLAGS)
tests_data_t_instance_LDADD = $(FGA_TEST_LIBS) $(JANSSON_LIBS)

# The fixtures are NPY files written by numpy (tests/fixtures/make_fixtures.py);
# the tests find them in the source tree, so that VPATH builds work.
EXTRA_DIST += tests/fixtures/make_fixtures.py \
	tests/fixtures/m34.npy tests/fixtures/vec5.npy tests/fixtures/empty03.npy \
	tests/fixtures/v2.npy tests/fixtures/v3.npy tests/fixtures/f4.npy tests/fixtures/be.npy \
	tests/fixtures/fortran.npy tests/fixtures/i8.npy tests/fixtures/d3.npy \
	tests/fixtures/scalar.npy tests/fixtures/truncated.npy
