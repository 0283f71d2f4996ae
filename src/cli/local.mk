# src/cli/local.mk -- the fgattn program: one file per command, benchmarks in bench/
src_cli_fgattn_SOURCES += src/cli/main.c src/cli/cli.h src/cli/cli_util.c src/cli/cli_options.c \
	src/cli/cli_progress.c src/cli/cli_config.c src/cli/cli_dispatch.c \
	src/cli/cmd_gen.c src/cli/cmd_run.c src/cli/cmd_truth.c src/cli/cmd_compare.c \
	src/cli/cmd_methods.c src/cli/cmd_expfit.c src/cli/cmd_plan.c src/cli/cmd_rank.c \
	src/cli/cmd_sweep.c src/cli/cmd_sweep.h src/cli/cmd_report.c src/cli/cmd_demo.c \
	src/cli/cmd_hamming.c src/cli/cmd_reduce.c src/cli/cmd_hardness.c \
	src/cli/cmd_analyze.c src/cli/cmd_scaling.c \
	src/cli/cmd_bench.c src/cli/cmd_bench.h \
	src/cli/bench/bench_util.c src/cli/bench/bench_util.h \
	src/cli/bench/bench_poly.c src/cli/bench/bench_poly.h \
	src/cli/bench/bench_lowrank.c src/cli/bench/bench_lowrank.h \
	src/cli/bench/bench_rank.c src/cli/bench/bench_rank.h
# bench times cblas_dgemm itself for its yardstick
src_cli_fgattn_LDADD += $(BLAS_LIBS)
src_cli_fgattn_CPPFLAGS = $(AM_CPPFLAGS) -DFGA_DATADIR=\"$(pkgdatadir)\" \
	-DFGA_SRCDIR=\"$(abs_top_srcdir)\"
