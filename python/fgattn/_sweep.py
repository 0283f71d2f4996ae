# _sweep.py -- running a sweep configuration file from Python

"""sweep(): `fgattn sweep CONFIG -o DIR --jobs J` as a function
(src/cli/cmd_sweep.c calls the same two functions: fga_sweep_config_read,
then fga_sweep_run), with Python functions as methods besides.

Methods in a sweep are named by their spec in the configuration's
[method LABEL] sections.  A Python function is one through the library's
user-method registry (_attention.register_method): registered under a
name, it is a spec like any other.  sweep(methods={NAME: fn}) registers
them for the run, with the size parameter the configuration gives them,
and unregisters them after it.
"""

import csv
import fcntl
import os
import re

from . import _attention as A
from . import _support as S
from ._support import InputError, ffi, lib


class _SweepState:
    """What the callbacks of one sweep share: the progress function and
    its exception, and the cells done (for _attention._Interrupts)."""

    def __init__(self, fn):
        self.fn, self.error = fn, None
        self.done = self.skipped = 0
        self.cut = self.stopped = None


def _progress_failed(state, e):
    if state.error is None:
        state.error = e
    if not isinstance(e, Exception):
        A._INTERRUPTS.stop(e)


def _progress_escaped(exc, value, tb):
    # An interrupt arriving before fgapy_progress's try: noted all the same.
    f = tb.tb_frame.f_locals if tb is not None else {}
    if "data" in f and "p" in f:
        state = ffi.from_handle(f["data"])
        _count(state, f["p"])
        _progress_failed(state, value)


def _count(state, p):
    state.done, state.skipped = int(p.cells_done), int(p.cells_skipped)


@ffi.def_extern(onerror=_progress_escaped)
def fgapy_progress(p, data):
    state = ffi.from_handle(data)
    try:
        _count(state, p)
        if state.fn is None or state.error is not None:
            return
        state.fn({"cells_total": int(p.cells_total), "cells_done": int(p.cells_done),
                  "cells_skipped": int(p.cells_skipped),
                  "current": S.cstr(p.current) if p.current != ffi.NULL else None,
                  "elapsed_seconds": p.elapsed_seconds, "work_total": p.work_total,
                  "work_done": p.work_done, "work_skipped": p.work_skipped})
    except BaseException as e:   # noqa: BLE001 -- raised when the sweep returns
        _progress_failed(state, e)


def _size_keys(config, names):
    """The size parameter of each method of `names` in the configuration:
    the size = of the [method LABEL] sections whose spec names it (None
    without one).  A light reading of the INI file, for the registration
    only: the library reads the file next, and judges it."""
    sections, cur = [], None
    with open(config, encoding="utf-8", errors="replace") as f:
        for line in f:
            t = line.strip()
            if not t or t[0] in "#;":
                continue
            t = re.sub(r"\s;.*$", "", t)
            if t.startswith("["):
                cur = {} if re.match(r"\[\s*method\s", t) else None
                if cur is not None:
                    sections.append(cur)
                continue
            m = re.match(r"([^=:]+)[=:](.*)$", t)
            if cur is not None and m:
                cur[m.group(1).strip()] = m.group(2).strip()
    keys = {}
    for sec in sections:
        name = sec.get("spec", "").split(":")[0].strip()
        if name in names:
            key = sec.get("size") or None
            if keys.setdefault(name, key) != key:
                raise InputError("config %s: method %s has size %s in one section, %s in "
                                 "another: one function has one size parameter"
                                 % (config, name, keys[name], key))
    return keys


# The files of a sweep with methods, results.csv (the record of the cells
# done) first: a crash between two files leaves cells that the record does
# not name, whose rows the next run removes.
_FILES = ("results.csv", "least.csv", "rank.csv", "cost.csv")


def _first_field(line):
    return next(csv.reader([line.decode("utf-8", "replace")]), [""])[0]


def _replace(path, data):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _keep_cells(outdir, keep):
    """Keeps the first `keep` cells of results.csv in the files of outdir,
    removing the rows of the cells after them (an interrupted sweep's, which
    may hold runs failed by the interrupt), under the folder's lock.  May
    run twice (_attention._to_the_end): the cells kept are the same."""
    record = os.path.join(outdir, _FILES[0])
    if not os.path.isfile(record):
        return
    fd = os.open(os.path.join(outdir, ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise S.IOFailure("%s: the sweep was interrupted, and another sweep writes in the "
                              "folder now: the rows of the cells finished after the interrupt, "
                              "after the first %d of results.csv, could not be removed"
                              % (outdir, keep), lib.FGA_ERR_IO) from None
        except OSError:
            pass               # no locks on this file system: as the library, unlocked
        with open(record, "rb") as f:
            cells = set(list(dict.fromkeys(_first_field(x) for x in f.readlines()[1:]))[:keep])
        for name in _FILES:
            path = os.path.join(outdir, name)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    lines = f.readlines()
                kept = lines[:1] + [x for x in lines[1:] if _first_field(x) in cells]
                if len(kept) < len(lines):
                    _replace(path, b"".join(kept))
        dfd = os.open(outdir, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    finally:
        os.close(fd)


def _check_methods(methods):
    if methods is None:
        return {}
    if not isinstance(methods, dict):
        raise InputError("methods = %r: expected a dict {name: function}" % (methods,))
    for name, fn in methods.items():
        if not isinstance(name, str):
            raise InputError("methods: the name %r is not a string" % (name,))
        A._check_callable(fn, "methods[%r]" % name)
    return methods


def sweep(config, outdir, jobs=1, progress=None, methods=None):
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
    progress=None: a function called at each cell's start and end and
      after each step of a cell (its truth, rank, method runs, least-size
      searches) with a dict (cells_total, cells_done, cells_skipped,
      current, elapsed_seconds, work_total, work_done, work_skipped; the
      work fields weigh each cell by a cost model, so elapsed / (work_done
      - work_skipped) * (work_total - work_done) is an ETA).  An exception it raises is raised when the
      sweep returns.
    methods=None: Python functions as methods, {NAME: fn}, each
      fn(Q, K, V, tau, size) -> out as register_method takes it, named in
      the configuration by spec = NAME (with size = KEY for a size
      parameter: fn gets its value).  They are registered for the run and
      unregistered after it, however it ends.  A call that raises, or
      returns a wrong shape or a non-finite entry, is a failed row (the
      exception's type and text in results.csv's message column), and the
      sweep goes on; a size that fails counts as not reaching a target.

    The configuration is read and checked before anything is made: a bad
    value raises ValueError naming the file and line.  The call holds the
    GIL only in callbacks.  Ctrl-C (KeyboardInterrupt, in a callback)
    cannot stop the library's sweep at once: the functions of methods fail
    at once from then on, the remaining cells run without them, and before
    the KeyboardInterrupt is raised the rows of every cell finished after
    it are removed, so that the next call runs them again, giving the rows
    of an uninterrupted run.

    Example: a method of one's own, exact attention in numpy plus 2^-m on
    one entry, whose least m within 1e-3 of the truth is 10.
    >>> import numpy as np, fgattn, tempfile, os, csv
    >>> def mine(Q, K, V, tau, m):
    ...     P = np.exp(tau * (Q @ K.T))
    ...     out = (P / P.sum(axis=1, keepdims=True)) @ V
    ...     out[0, 0] += 2.0 ** -m
    ...     return out
    >>> conf = os.path.join(tempfile.mkdtemp(), "tiny.conf")
    >>> _ = open(conf, "w").write("[grid]\\nn = 16\\nB = 0.5, 2\\n[method mine]\\nspec = mine\\n"
    ...                           "size = m\\nsizes = 4, 8\\ntargets = 1e-3\\nmax_size = 64\\n")
    >>> out = fgattn.sweep(conf, os.path.join(os.path.dirname(conf), "out"),
    ...                    methods={"mine": mine})
    >>> sorted(f for f in os.listdir(out) if f.endswith(".csv"))
    ['least.csv', 'rank.csv', 'results.csv']
    >>> [(r["B"], r["size"], round(float(r["max_abs"]), 12))     # 2^-m, to numpy's rounding
    ...  for r in csv.DictReader(open(out + "/results.csv"))]
    [('0.5', '4', 0.0625), ('0.5', '8', 0.00390625), ('2', '4', 0.0625), ('2', '8', 0.00390625)]
    >>> [(r["B"], r["least_size"]) for r in csv.DictReader(open(out + "/least.csv"))]
    [('0.5', '10'), ('2', '10')]
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
    methods = _check_methods(methods)
    keys = _size_keys(config, set(methods)) if methods else {}
    with A._registered(methods, keys):
        return _run(config, outdir, jobs, progress)


def _run(config, outdir, jobs, progress):
    cfg = ffi.new("fga_sweep_config *")
    err = S.new_error()
    S.check(lib.fga_sweep_config_read(cfg, os.fsencode(config), err), err)
    state = _SweepState(progress)
    handle = ffi.new_handle(state)
    opts = ffi.new("fga_sweep_opts *")
    opts.jobs = jobs
    opts.progress = lib.fgapy_progress       # always: it counts the cells done
    opts.progress_data = handle
    A._INTERRUPTS.begin(state)
    try:
        rc = lib.fga_sweep_run(cfg, os.fsencode(outdir), opts, err)
    finally:
        (stop, spoilt), caught = A._to_the_end(A._INTERRUPTS.end, state)
        if spoilt:
            caught = caught or A._to_the_end(_keep_cells, outdir, state.skipped + state.cut)[1]
        if caught is not None:
            raise caught
    if stop is not None:
        raise stop
    S.check(rc, err)
    if state.error is not None:
        raise state.error
    return outdir
