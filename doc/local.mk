# doc/local.mk -- the manual pages fgattn(1) and fgattn-mpi(1), made from the programs' own help
#
# doc/help2man.sh runs the built program (--help, and COMMAND --help for
# every command it lists) and writes doc/fgattn.1, so that the page and
# --help cannot drift: the page is made again whenever the program is
# relinked.  It is distributed (a tarball's page is made again in the build
# tree, where distclean removes it) and installed in man1.
# tests/cli/man.test checks it against the program.

dist_man_MANS = doc/fgattn.1
EXTRA_DIST += doc/help2man.sh

# In a sanitizer build (--enable-sanitizers) the program runs under
# LeakSanitizer, which the suite runs with its suppressions of library
# allocations (.ci/lsan.supp); making the page checks no leak.
doc/fgattn.1: src/cli/fgattn$(EXEEXT) $(srcdir)/doc/help2man.sh
	$(AM_V_GEN)$(MKDIR_P) doc && \
	ASAN_OPTIONS="$${ASAN_OPTIONS:+$$ASAN_OPTIONS:}detect_leaks=0" \
	  $(SHELL) $(srcdir)/doc/help2man.sh src/cli/fgattn$(EXEEXT) $@

# fgattn-mpi(1), only where fgattn-mpi is built (configure found MPI): made
# the same way from its --help, which is already a manual.  Not
# distributed, since a tarball may be built where MPI is not: the build
# makes it, and clean removes it.
if FGA_HAVE_MPI
nodist_man_MANS = doc/fgattn-mpi.1
CLEANFILES += doc/fgattn-mpi.1
doc/fgattn-mpi.1: src/cli/mpi/fgattn-mpi$(EXEEXT) $(srcdir)/doc/help2man.sh
	$(AM_V_GEN)$(MKDIR_P) doc && \
	ASAN_OPTIONS="$${ASAN_OPTIONS:+$$ASAN_OPTIONS:}detect_leaks=0" \
	  $(SHELL) $(srcdir)/doc/help2man.sh src/cli/mpi/fgattn-mpi$(EXEEXT) $@
endif

# Out of the source tree the page made here is a build product: distclean
# removes it (the source tree's copy, from a tarball, stays).
distclean-local: fga-man-distclean
.PHONY: fga-man-distclean
fga-man-distclean:
	-if test "$(srcdir)" != .; then rm -f doc/fgattn.1; fi
