# tests/cli/local.mk -- tests of the fgattn program as a user runs it

TESTS += tests/cli/cli.test
EXTRA_DIST += tests/cli/cli.test

TESTS += tests/cli/sweep-shard.test
EXTRA_DIST += tests/cli/sweep-shard.test
TESTS += tests/cli/demo.test
EXTRA_DIST += tests/cli/demo.test tests/fixtures/demo-small.conf

TESTS += tests/cli/scaling.test
EXTRA_DIST += tests/cli/scaling.test

# A JSON checker for the tests (Jansson, already a dependency: no python or jq).
check_PROGRAMS += tests/cli/jsoncheck
tests_cli_jsoncheck_SOURCES = tests/cli/jsoncheck.c
tests_cli_jsoncheck_LDADD = $(JANSSON_LIBS)

TESTS += tests/cli/files.test
EXTRA_DIST += tests/cli/files.test

TESTS += tests/cli/enospc.test
EXTRA_DIST += tests/cli/enospc.test

TESTS += tests/cli/numbers.test
EXTRA_DIST += tests/cli/numbers.test

TESTS += tests/cli/commands.test
EXTRA_DIST += tests/cli/commands.test

TESTS += tests/cli/gen-families.test
EXTRA_DIST += tests/cli/gen-families.test

TESTS += tests/cli/rank.test
EXTRA_DIST += tests/cli/rank.test

TESTS += tests/cli/plan-table.test
EXTRA_DIST += tests/cli/plan-table.test

TESTS += tests/cli/plan-radius.test
EXTRA_DIST += tests/cli/plan-radius.test

TESTS += tests/cli/compare-tol.test tests/cli/compare-dtype.test
EXTRA_DIST += tests/cli/compare-tol.test tests/cli/compare-dtype.test

TESTS += tests/cli/ext.test
EXTRA_DIST += tests/cli/ext.test

TESTS += tests/cli/man.test
EXTRA_DIST += tests/cli/man.test

TESTS += tests/cli/options.test
EXTRA_DIST += tests/cli/options.test

TESTS += tests/cli/run-progress.test
EXTRA_DIST += tests/cli/run-progress.test

TESTS += tests/cli/config.test
EXTRA_DIST += tests/cli/config.test

TESTS += tests/cli/tour.test
EXTRA_DIST += tests/cli/tour.test

TESTS += tests/cli/bench.test
EXTRA_DIST += tests/cli/bench.test
