# tests/experiments/local.mk -- tests of sweeps, reports and scaling

TESTS += tests/experiments/t-sweep-config
check_PROGRAMS += tests/experiments/t-sweep-config
tests_experiments_t_sweep_config_SOURCES = tests/experiments/t-sweep-config.c
tests_experiments_t_sweep_config_CPPFLAGS = $(AM_CPPFLAGS) -DFGA_FIXTURES=\"$(abs_top_srcdir)/tests/fixtures\"
tests_experiments_t_sweep_config_CFLAGS = $(FGA_TEST_CFLAGS)
tests_experiments_t_sweep_config_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/experiments/t-sweep
check_PROGRAMS += tests/experiments/t-sweep
tests_experiments_t_sweep_SOURCES = tests/experiments/t-sweep.c
tests_experiments_t_sweep_CFLAGS = $(FGA_TEST_CFLAGS)
tests_experiments_t_sweep_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/experiments/t-sweep-farm
check_PROGRAMS += tests/experiments/t-sweep-farm
tests_experiments_t_sweep_farm_SOURCES = tests/experiments/t-sweep-farm.c
tests_experiments_t_sweep_farm_CFLAGS = $(FGA_TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_experiments_t_sweep_farm_LDADD = $(FGA_TEST_LIBS) $(JANSSON_LIBS)

# the Slurm example, run by tests/cli/sweep-shard.test

TESTS += tests/experiments/t-report
check_PROGRAMS += tests/experiments/t-report
tests_experiments_t_report_SOURCES = tests/experiments/t-report.c
tests_experiments_t_report_CPPFLAGS = $(AM_CPPFLAGS) -DFGA_FIXTURES=\"$(abs_top_srcdir)/tests/fixtures\"
tests_experiments_t_report_CFLAGS = $(FGA_TEST_CFLAGS)
tests_experiments_t_report_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/experiments/t-scaling
check_PROGRAMS += tests/experiments/t-scaling
tests_experiments_t_scaling_SOURCES = tests/experiments/t-scaling.c
tests_experiments_t_scaling_CFLAGS = $(FGA_TEST_CFLAGS)
tests_experiments_t_scaling_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/experiments/t-asymptotic
check_PROGRAMS += tests/experiments/t-asymptotic
tests_experiments_t_asymptotic_SOURCES = tests/experiments/t-asymptotic.c
tests_experiments_t_asymptotic_CFLAGS = $(FGA_TEST_CFLAGS)
tests_experiments_t_asymptotic_LDADD = $(FGA_TEST_LIBS)

TESTS += tests/experiments/sweep-resume.test
EXTRA_DIST += tests/experiments/sweep-resume.test
TESTS += tests/experiments/sweep-lock.test
EXTRA_DIST += tests/experiments/sweep-lock.test
TESTS += tests/experiments/sweep-enospc.test
EXTRA_DIST += tests/experiments/sweep-enospc.test
EXTRA_DIST += tests/fixtures/sweep-good.conf tests/fixtures/sweep-minimal.conf \
	tests/fixtures/sweep-laws.conf \
	tests/fixtures/sweep-bad-key.conf tests/fixtures/sweep-bad-method.conf \
	tests/fixtures/report-basic/results.csv tests/fixtures/report-basic/rank.csv \
	tests/fixtures/report-basic/least.csv tests/fixtures/report-bad/results.csv \
	tests/fixtures/report-rankonly/rank.csv \
	tests/fixtures/report-laws/results.csv tests/fixtures/report-laws/rank.csv \
	tests/fixtures/report-laws/least.csv tests/fixtures/report-laws/cost.csv \
	tests/fixtures/report-many/results.csv tests/fixtures/report-many/least.csv \
	tests/fixtures/report-single-n/results.csv tests/fixtures/report-single-n/rank.csv \
	tests/fixtures/report-single-n/least.csv tests/fixtures/report-single-n/cost.csv

TESTS += tests/experiments/t-time-model
check_PROGRAMS += tests/experiments/t-time-model
tests_experiments_t_time_model_SOURCES = tests/experiments/t-time-model.c
tests_experiments_t_time_model_CFLAGS = $(FGA_TEST_CFLAGS)
tests_experiments_t_time_model_LDADD = $(FGA_TEST_LIBS)
