# src/cli/mpi/local.mk -- fgattn-mpi: sweep, hardness, truth and rank on MPI, built
# when configure finds MPI (--with-mpi).  It compiles the command files of
# src/cli/ again, with its own main and the MPI farm; the library does not
# link MPI.
if FGA_HAVE_MPI
bin_PROGRAMS += src/cli/mpi/fgattn-mpi
endif
src_cli_mpi_fgattn_mpi_SOURCES = src/cli/mpi/main.c src/cli/mpi/mpi_farm.c src/cli/mpi/mpi_farm.h \
	src/cli/cli.h src/cli/cli_util.c src/cli/cli_options.c src/cli/cli_progress.c \
	src/cli/cli_config.c src/cli/cli_dispatch.c src/cli/cmd_truth.c src/cli/cmd_sweep.c \
	src/cli/cmd_sweep.h src/cli/cmd_hardness.c src/cli/cmd_rank.c
src_cli_mpi_fgattn_mpi_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/cli \
	$(MPI_CFLAGS) -DFGA_DATADIR=\"$(pkgdatadir)\" -DFGA_SRCDIR=\"$(abs_top_srcdir)\"
src_cli_mpi_fgattn_mpi_LDADD = src/libfgattn.la $(MPI_LIBS)
