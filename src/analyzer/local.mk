# src/analyzer/local.mk -- the complexity analyzer
src_libfgattn_all_la_SOURCES += src/analyzer/analyzer.c
