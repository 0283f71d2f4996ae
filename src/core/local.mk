# src/core/local.mk -- errors, allocation, threads, matrices, tau, stats, problems, atomic files, MPFR state
src_libfgattn_all_la_SOURCES += src/core/fga-impl.h src/core/mpfr-impl.h \
	src/core/error.c src/core/alloc.c src/core/atomic_file.c src/core/mat.c \
	src/core/tau.c src/core/stats.c src/core/problem.c src/core/threads.c
src_libfgattn_all_la_SOURCES += src/core/parse.c src/core/machine.c
src_libfgattn_all_la_SOURCES += src/core/json_file.c
src_libfgattn_all_la_SOURCES += src/core/config_file.c
src_libfgattn_all_la_SOURCES += src/core/dir_lock.c
src_libfgattn_all_la_SOURCES += src/core/law.c
src_libfgattn_all_la_SOURCES += src/core/blas.c src/core/farm.c
