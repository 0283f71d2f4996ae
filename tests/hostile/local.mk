# tests/hostile/local.mk -- hostile input: a seeded, time-bounded fuzzer of the fgattn program

TESTS += tests/hostile/hostile.test
EXTRA_DIST += tests/hostile/hostile.test
check_PROGRAMS += tests/hostile/fuzz
tests_hostile_fuzz_SOURCES = tests/hostile/fuzz.c
tests_hostile_fuzz_CFLAGS = $(FGA_TEST_CFLAGS)
tests_hostile_fuzz_LDADD = $(FGA_TEST_LIBS)
