# python/local.mk -- the Python package fgattn over libfgattn (cffi, API mode)
#
# python/fgattn_build.py emits the C source of the extension module
# fgattn._fgattn (it includes <fgattn.h>, so the compiler checks every
# declaration cffi was given against the real headers); libtool compiles
# and links it as a module against libfgattn.la, and relinks it at install
# as it does the program.  The package, fgattn/*.py and _fgattn.so, is
# installed in $(pkgpythondir) (configure chooses pythondir: see
# configure.ac and README.md, "Python").
#
# In the build tree the package is assembled in python/fgattn/ (the .py
# files copied there when building out of tree, and the module copied from
# libtool's .libs), so that PYTHONPATH=BUILDDIR/python imports it.

FGA_PY_FILES = python/fgattn/__init__.py python/fgattn/_support.py \
	python/fgattn/_attention.py python/fgattn/_models.py python/fgattn/_sweep.py

EXTRA_DIST += python/fgattn_build.py $(FGA_PY_FILES)

if FGA_PYTHON
pkgpyexec_LTLIBRARIES = python/_fgattn.la
nodist_python__fgattn_la_SOURCES = python/_fgattn.c
python__fgattn_la_CPPFLAGS = -I$(top_srcdir)/src $(PYTHON_CPPFLAGS)
python__fgattn_la_CFLAGS = -Wall $(OPENMP_CFLAGS)
# Only the module's entry point is exported; Python's own symbols are
# resolved by the interpreter that loads it (so no -no-undefined).
python__fgattn_la_LDFLAGS = -module -avoid-version -shared \
	-export-symbols-regex '^PyInit__fgattn$$'
python__fgattn_la_LIBADD = src/libfgattn.la $(OPENMP_CFLAGS)
pkgpython_PYTHON = $(FGA_PY_FILES)
CLEANFILES += python/_fgattn.c

# distcheck configures the tarball for the interpreter chosen here.
AM_DISTCHECK_CONFIGURE_FLAGS = PYTHON='$(PYTHON)'

FGA_PY_TREE = python/fgattn/_fgattn.so python/fgattn/.copied
endif

python/_fgattn.c: $(srcdir)/python/fgattn_build.py
	$(AM_V_GEN)$(MKDIR_P) python && $(PYTHON) $(srcdir)/python/fgattn_build.py $@

python/fgattn/_fgattn.so: python/_fgattn.la
	$(AM_V_GEN)$(MKDIR_P) python/fgattn && cp -f python/.libs/_fgattn.so $@

# The sources themselves when building in the source tree.  The
# prerequisites name the source tree: through VPATH make would find the
# copies made here first.
python/fgattn/.copied: $(FGA_PY_FILES:%=$(srcdir)/%)
	$(AM_V_GEN)$(MKDIR_P) python/fgattn; \
	if test "$(srcdir)" != .; then \
	  for f in $(FGA_PY_FILES); do cp -f $(srcdir)/$$f python/fgattn/ || exit 1; done; \
	fi; \
	touch $@

all-local: $(FGA_PY_TREE)

clean-local: fga-python-clean
.PHONY: fga-python-clean
fga-python-clean:
	-rm -f python/fgattn/_fgattn.so python/fgattn/.copied
	-rm -rf python/fgattn/__pycache__ tests/python/__pycache__
	-if test "$(srcdir)" != .; then \
	  for f in $(FGA_PY_FILES); do rm -f $$f; done; \
	fi
