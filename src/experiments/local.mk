# src/experiments/local.mk -- sweep configurations, sweeps, reports, scaling in n
src_libfgattn_all_la_SOURCES += src/experiments/sweep_config.c src/experiments/sweep.c \
	src/experiments/report.c src/experiments/scaling.c src/experiments/time_model.c \
	src/experiments/asymptotic.c
src_libfgattn_all_la_SOURCES += src/experiments/sweep_check.c src/experiments/sweep_cell.c \
	src/experiments/sweep-impl.h
src_libfgattn_all_la_SOURCES += src/experiments/sweep_files.c src/experiments/sweep_merge.c
src_libfgattn_all_la_SOURCES += src/experiments/report_tables.c src/experiments/report_plot.c \
	src/experiments/report-impl.h
