# examples/local.mk -- programs that use libfgattn as a user does
#
# examples/attention.c runs a method on matrices in memory and measures it
# against the certified truth.  It is built against the public library
# (libfgattn.la, which exports only fga_*) with the headers as they are
# installed (-I src only), run by `make check' (examples/attention.test),
# and installed in $(docdir)/examples; installcheck compiles the installed
# copy against the installed library with pkg-config, as README.md says.

exampledir = $(docdir)/examples
dist_example_DATA = examples/attention.c

check_PROGRAMS += examples/attention
examples_attention_SOURCES = examples/attention.c
examples_attention_CPPFLAGS = -I$(top_srcdir)/src
examples_attention_CFLAGS = -std=c99 -Wall -Wextra -pedantic $(SAN_CFLAGS)
examples_attention_LDADD = src/libfgattn.la

TESTS += examples/attention.test
EXTRA_DIST += examples/attention.test

# The README's recipe, on the installed files: pkg-config finds fgattn.pc
# where it was installed, the example compiles with its flags alone, and
# runs against the installed library.  (Under DESTDIR the folders the .pc
# names are moved there too.)
installcheck-local: fga-installcheck-example
.PHONY: fga-installcheck-example
fga-installcheck-example:
	@set -e; tmp=`mktemp -d "$${TMPDIR:-/tmp}/fgattn-example-XXXXXX"`; \
	trap 'rm -rf "$$tmp"' EXIT; \
	PKG_CONFIG_PATH="$(DESTDIR)$(pkgconfigdir)$${PKG_CONFIG_PATH:+:$$PKG_CONFIG_PATH}"; \
	export PKG_CONFIG_PATH; \
	flags=`$(PKG_CONFIG) --define-variable=prefix='$(DESTDIR)$(prefix)' \
	  --define-variable=exec_prefix='$(DESTDIR)$(exec_prefix)' \
	  --define-variable=libdir='$(DESTDIR)$(libdir)' \
	  --define-variable=includedir='$(DESTDIR)$(includedir)' --cflags --libs fgattn`; \
	echo "$(CC) attention.c $$flags -o attention"; \
	$(CC) $(SAN_CFLAGS) "$(DESTDIR)$(exampledir)/attention.c" $$flags -o "$$tmp/attention"; \
	LD_LIBRARY_PATH="$(DESTDIR)$(libdir)$${LD_LIBRARY_PATH:+:$$LD_LIBRARY_PATH}" \
	  "$$tmp/attention" > "$$tmp/out.txt"; \
	grep '^certified bound .*: within$$' "$$tmp/out.txt"
