# src/experiments/local.mk -- sweep configurations, sweeps, reports, scaling in n
src_libfgattn_all_la_SOURCES += src/experiments/sweep_config.c src/experiments/sweep.c \
	src/experiments/report.c src/experiments/scaling.c
