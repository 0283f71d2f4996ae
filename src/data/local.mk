# src/data/local.mk -- NPY files and instances
src_libfgattn_all_la_SOURCES += src/data/npy.c src/data/instance.c
