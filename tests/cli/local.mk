# tests/cli/local.mk -- tests of the fgattn program as a user runs it

TESTS += tests/cli/cli.test
EXTRA_DIST += tests/cli/cli.test

TESTS += tests/cli/demo.test
EXTRA_DIST += tests/cli/demo.test

TESTS += tests/cli/scaling.test
EXTRA_DIST += tests/cli/scaling.test
