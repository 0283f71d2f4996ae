# tests/cli/local.mk -- tests of the fgattn program as a user runs it

# The shell tests, in the order they run; each is a test and is distributed.
CLI_TESTS = tests/cli/cli.test tests/cli/sweep-shard.test tests/cli/demo.test \
	tests/cli/scaling.test tests/cli/files.test tests/cli/enospc.test \
	tests/cli/numbers.test tests/cli/commands.test tests/cli/gen-families.test \
	tests/cli/rank.test tests/cli/plan-table.test tests/cli/plan-radius.test tests/cli/plan-time.test \
	tests/cli/compare-tol.test tests/cli/compare-dtype.test tests/cli/ext.test \
	tests/cli/man.test tests/cli/options.test tests/cli/run-progress.test \
	tests/cli/config.test tests/cli/tour.test tests/cli/bench.test
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS) tests/fixtures/demo-small.conf

# A JSON checker for the tests (Jansson, already a dependency: no python or jq).
check_PROGRAMS += tests/cli/jsoncheck
tests_cli_jsoncheck_SOURCES = tests/cli/jsoncheck.c
tests_cli_jsoncheck_LDADD = $(JANSSON_LIBS)
