# tests/analyzer/local.mk -- tests of the complexity analyzer

TESTS += tests/analyzer/t-analyzer
check_PROGRAMS += tests/analyzer/t-analyzer
tests_analyzer_t_analyzer_SOURCES = tests/analyzer/t-analyzer.c
tests_analyzer_t_analyzer_CFLAGS = $(FGA_TEST_CFLAGS)
tests_analyzer_t_analyzer_LDADD = $(FGA_TEST_LIBS)
