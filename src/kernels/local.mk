# src/kernels/local.mk -- exact attention kernels in double and sparse supports
src_libfgattn_all_la_SOURCES += src/kernels/attention-util.h \
	src/kernels/attention_naive.c src/kernels/attention_stream.c src/kernels/attention_blas.c \
	src/kernels/sparse.c src/kernels/sparse-impl.h src/kernels/scale.c
