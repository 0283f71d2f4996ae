# tests/mpi/local.mk -- fgattn-mpi against fgattn, and the truth and the rank by blocks

# The truth by blocks of rows on a farm (a library test, here with the
# other farm tests; it needs no MPI).
TESTS += tests/numerics/t-truth-farm
check_PROGRAMS += tests/numerics/t-truth-farm
tests_numerics_t_truth_farm_SOURCES = tests/numerics/t-truth-farm.c
tests_numerics_t_truth_farm_CFLAGS = $(FGA_TEST_CFLAGS)
tests_numerics_t_truth_farm_LDADD = $(FGA_TEST_LIBS)

# The MPI farm alone, under mpirun (farm.test).
if FGA_HAVE_MPI
check_PROGRAMS += tests/mpi/t-mpi-farm
endif
tests_mpi_t_mpi_farm_SOURCES = tests/mpi/t-mpi-farm.c src/cli/mpi/mpi_farm.c src/cli/mpi/mpi_farm.h
tests_mpi_t_mpi_farm_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/cli/mpi $(MPI_CFLAGS)
tests_mpi_t_mpi_farm_LDADD = src/libfgattn.la $(MPI_LIBS)

# Shell tests, run under mpirun; they skip (77) when fgattn-mpi is not built.
TESTS += tests/mpi/truth.test tests/mpi/farm.test tests/mpi/sweep.test tests/mpi/rank.test \
	tests/mpi/man.test tests/mpi/hardness-join.test
EXTRA_DIST += tests/mpi/truth.test tests/mpi/farm.test tests/mpi/sweep.test tests/mpi/rank.test \
	tests/mpi/man.test tests/mpi/hardness-join.test \
	tests/mpi/mpi-env.sh
AM_TESTS_ENVIRONMENT += FGA_MPIEXEC='$(MPIEXEC)'; export FGA_MPIEXEC; \
	FGA_MPI_BUILT='$(FGA_MPI_BUILT)'; export FGA_MPI_BUILT;
