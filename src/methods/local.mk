# src/methods/local.mk -- the method interface, its registry, and one file per method
# (a new method: its file here and its line in list.h; README.md, "Adding a method")
src_libfgattn_all_la_SOURCES += src/methods/method-impl.h src/methods/list.h src/methods/method.c src/methods/sparse_method.c src/methods/exact.c \
	src/methods/poly.c src/methods/poly_plan.c src/methods/poly_impl.h \
	src/methods/poly_degree.c src/methods/poly_build.c \
	src/methods/poly_accum.c src/methods/poly_accum-kern.h \
	src/methods/rf.c src/methods/tsketch.c src/methods/svd.c src/methods/nystrom.c \
	src/methods/window.c src/methods/strided.c src/methods/fixed.c src/methods/dilated.c \
	src/methods/ext.c src/methods/user.c
