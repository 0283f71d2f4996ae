# src/core/local.mk -- errors, allocation, threads, matrices, tau, stats, problems, atomic files
src_libfgattn_all_la_SOURCES += src/core/fga-impl.h \
	src/core/error.c src/core/alloc.c src/core/atomic_file.c src/core/mat.c \
	src/core/tau.c src/core/stats.c src/core/problem.c src/core/threads.c
