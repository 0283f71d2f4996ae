# src/reduction/local.mk -- gap Hamming instances, the SETH reduction, the hardness experiment
src_libfgattn_all_la_SOURCES += src/reduction/hamming.c src/reduction/reduction.c \
	src/reduction/reduction_degree.c src/reduction/hardness.c src/reduction/hardness_steps.c \
	src/reduction/hardness_config.c src/reduction/hardness_methods.c \
	src/reduction/reduction-impl.h
