# mpi-env.sh -- sourced by the tests of fgattn-mpi: skips (77) when it is not
# built or no launcher was found, makes the folder $work (removed at exit)
# and defines mpi_np NP ARGS..., which runs fgattn-mpi ARGS on NP processes
# under the launcher, stopped after 300 s.
fgattn=${FGATTN:-../../src/cli/fgattn}
build=${FGA_BUILDDIR:-../..}
fgattn_mpi=$build/src/cli/mpi/fgattn-mpi
if [ "${FGA_MPI_BUILT:-no}" != yes ] || [ ! -x "$fgattn_mpi" ]; then
  echo "fgattn-mpi is not built (configure found no MPI): skipped"
  exit 77
fi
mpiexec=${FGA_MPIEXEC:-}
if [ -z "$mpiexec" ]; then
  echo "configure found no MPI launcher (mpiexec): skipped"
  exit 77
fi
# Open MPI refuses more processes than cores, and root, unless told; MPICH's
# launcher (hydra) allows both and knows neither flag.
mpi_flags=()
if "$mpiexec" --version 2>&1 | grep -q 'Open MPI\|OpenRTE'; then
  mpi_flags=(--oversubscribe)
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
work=$(mktemp -d /tmp/fgattn-mpi-XXXXXX)
trap 'rm -rf "$work"' EXIT
# Under the sanitizers: the MPI libraries keep allocations past
# MPI_Finalize, which are not fgattn's leaks.
if [ -n "${LSAN_OPTIONS:-}${ASAN_OPTIONS:-}" ]; then
  supp=$(printf '%s' "${LSAN_OPTIONS:-}" | sed -n 's/^\(.*:\)\{0,1\}suppressions=\([^:]*\).*/\2/p')
  { [ -n "$supp" ] && [ -f "$supp" ] && cat "$supp"
    for lib in libmpi libmpich libopen-pal libopen-rte libpmix libhwloc libevent libucp libucs \
               libucm libuct libfabric; do
      echo "leak:$lib"
    done; } > "$work/lsan.supp"
  export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$work/lsan.supp"
  # Open MPI's components are shared objects it unloads at MPI_Finalize, so
  # their allocations are reported from "<unknown module>", which no
  # suppression can name: leaks are not checked under MPI (the library's
  # own leaks are, by the Check tests of the same build).
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi
# One thread per process: the machine is shared, and the counts of threads
# printed must not depend on the load.
export OMP_NUM_THREADS=1

# mpi_run NP PROGRAM ARGS...: PROGRAM on NP processes.
mpi_run () {
  local np=$1
  shift
  timeout 300 "$mpiexec" -np "$np" "${mpi_flags[@]}" "$@"
}

# mpi_np NP ARGS...: fgattn-mpi ARGS on NP processes.
mpi_np () {
  local np=$1
  shift
  mpi_run "$np" "$fgattn_mpi" "$@"
}
