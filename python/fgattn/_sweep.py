# _sweep.py -- running a sweep configuration file from Python

"""sweep(): `fgattn sweep CONFIG -o DIR --jobs J` as a function
(src/cli/cmd_sweep.c calls the same two functions: fga_sweep_config_read,
then fga_sweep_run).

Methods in a sweep are named by their spec in the configuration's
[method LABEL] sections.  A Python function as a method will go through
the library's user-method registry (fga_method_register_user,
fgattn/method.h): registered under a name, it is then a spec like any
other, for run() (see _attention._method_spec, the one place where a method
argument becomes a spec) and for a configuration's spec = NAME.
"""

import os

from . import _support as S
from ._support import InputError, ffi, lib

# The progress callback of the sweep running now in each thread's call:
# cffi's extern "Python" function finds it through the handle it is given.


@ffi.def_extern()
def fgapy_progress(p, data):
    state = ffi.from_handle(data)
    if state["error"] is not None:
        return
    try:
        state["fn"]({"cells_total": int(p.cells_total), "cells_done": int(p.cells_done),
                     "cells_skipped": int(p.cells_skipped),
                     "current": S.cstr(p.current) if p.current != ffi.NULL else None,
                     "elapsed_seconds": p.elapsed_seconds, "work_total": p.work_total,
                     "work_done": p.work_done, "work_skipped": p.work_skipped})
    except BaseException as e:   # noqa: BLE001 -- raised when the sweep returns
        state["error"] = e


def sweep(config, outdir, jobs=1, progress=None):
    """Runs the grid of a sweep configuration file, as `fgattn sweep CONFIG
    -o OUTDIR --jobs J`; returns OUTDIR.

    config: the path of the INI file (its format: `fgattn sweep --help` and
      the experiments module of the public header, fgattn/experiment.h;
      experiments/transition-demo.conf is an example).
    outdir: the folder of the results, made with its parents if missing:
      results.csv, rank.csv, least.csv, cost.csv (tidy CSV, pandas.read_csv
      reads them) and sweep.json.  A second run resumes: finished cells are
      skipped.  A folder another sweep is writing is refused
      (fgattn.IOFailure).
    jobs=1: cells run in parallel (1..1024).
    progress=None: a function called after each cell with a dict
      (cells_total, cells_done, cells_skipped, current, elapsed_seconds,
      work_total, work_done, work_skipped; the work fields weigh each cell by
      a cost model, so elapsed / (work_done - work_skipped) * (work_total -
      work_done) is an ETA).  An exception it raises is raised when the
      sweep returns.

    The configuration is read and checked before anything is made: a bad
    value raises ValueError naming the file and line.  The call holds the
    GIL only in progress; Ctrl-C takes effect when it returns, and the
    interrupted cells run again on the next call.

    Example:
    >>> import fgattn, tempfile, os
    >>> conf = os.path.join(tempfile.mkdtemp(), "tiny.conf")
    >>> _ = open(conf, "w").write("[grid]\\nn = 16\\nB = 0.5\\n[method exact]\\nspec = exact\\n")
    >>> out = fgattn.sweep(conf, os.path.join(os.path.dirname(conf), "out"))
    >>> sorted(f for f in os.listdir(out) if f.endswith(".csv"))
    ['least.csv', 'rank.csv', 'results.csv']
    """
    if not isinstance(config, (str, os.PathLike)):
        raise InputError("config = %r: expected the path of a configuration file" % (config,))
    if not isinstance(outdir, (str, os.PathLike)):
        raise InputError("outdir = %r: expected a folder's path" % (outdir,))
    config, outdir = os.fspath(config), os.fspath(outdir)
    if not os.path.isfile(config):
        raise InputError("config %s: not a file" % config)
    jobs = S.whole(jobs, "jobs", 1, 1024)
    if progress is not None and not callable(progress):
        raise InputError("progress = %r: expected a function or None" % (progress,))
    cfg = ffi.new("fga_sweep_config *")
    err = S.new_error()
    S.check(lib.fga_sweep_config_read(cfg, os.fsencode(config), err), err)
    state = {"fn": progress, "error": None}
    handle = ffi.new_handle(state)
    opts = ffi.new("fga_sweep_opts *")
    opts.jobs = jobs
    if progress is not None:
        opts.progress = lib.fgapy_progress
        opts.progress_data = handle
    S.check(lib.fga_sweep_run(cfg, os.fsencode(outdir), opts, err), err)
    if state["error"] is not None:
        raise state["error"]
    return outdir
