# _support.py -- what every function of fgattn shares: the C module, errors, tau, arrays, batches

"""Internals of the fgattn package (not part of its interface).

The C module ``fgattn._fgattn`` is made by cffi in API mode from
python/fgattn_build.py; ``lib`` holds the library's functions and ``ffi``
makes its structures.  cffi releases the GIL around every call, counts the
references of every object it makes, and frees ``ffi.new`` memory when the
last Python reference goes: nothing here counts references by hand.
"""

import itertools
import math
import numbers
import os
import sys
import threading

import numpy as np

from ._fgattn import ffi, lib

# ----------------------------------------------------------------------
# Errors


class Error(Exception):
    """Base class of the errors fgattn raises: ``code`` is the library's status
    (FGA_ERR_INPUT, -1, and so on), or 0 for an error found in Python."""

    def __init__(self, message, code=0):
        super().__init__(message)
        self.code = code


class InputError(Error, ValueError):
    """Bad input (FGA_ERR_INPUT; the program exits 2): shapes, dtypes, NaN or
    infinite entries, parameters out of range, unknown names."""


class ComputeError(Error, RuntimeError):
    """A computation could not reach its guarantee (FGA_ERR_COMPUTE), e.g.
    entries of the truth not decided at ``prec_max``."""


class IOFailure(Error, RuntimeError):
    """The operating system refused a read or a write (FGA_ERR_IO)."""


class OutOfMemory(Error, MemoryError):
    """An allocation failed (FGA_ERR_NOMEM), or the work would not fit the
    machine's memory."""


# Shown, and pickled, as what the package exports.
for _cls in (Error, InputError, ComputeError, IOFailure, OutOfMemory):
    _cls.__module__ = "fgattn"

_CLASSES = {
    lib.FGA_ERR_INPUT: InputError,
    lib.FGA_ERR_NOMEM: OutOfMemory,
    lib.FGA_ERR_IO: IOFailure,
    lib.FGA_ERR_COMPUTE: ComputeError,
}


def new_error():
    err = ffi.new("fga_error *")
    lib.fga_error_init(err)
    return err


def error_text(err):
    return ffi.string(err.msg).decode("utf-8", "replace")


def library_error(rc, err, where=""):
    """The exception for the library status rc, carrying err's message."""
    cls = _CLASSES.get(rc, Error)
    msg = error_text(err) or "fgattn: error %d" % rc
    return cls(where + msg, rc)


def check(rc, err, where=""):
    if rc != lib.FGA_OK:
        raise library_error(rc, err, where)


def cstr(p):
    return None if p == ffi.NULL else ffi.string(p).decode("utf-8", "replace")


# ----------------------------------------------------------------------
# Numbers given as arguments


def whole(x, name, lo, hi=None):
    """x as a Python int in [lo, hi]; bools and non-integral numbers refused."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        if isinstance(x, numbers.Real) and not isinstance(x, bool):
            f = float(x)
            if f.is_integer() and f == x:
                x = int(f)
            else:
                raise InputError("%s = %r: expected a whole number" % (name, x))
        else:
            raise InputError("%s = %r: expected a whole number" % (name, x))
    x = int(x)
    if x < lo or (hi is not None and x > hi):
        rng = "[%d, %s]" % (lo, "inf" if hi is None else hi)
        raise InputError("%s = %d: outside %s" % (name, x, rng))
    return x


def real(x, name, positive=False, lo=None, hi=None):
    """x as a finite double, exactly (a Python int or Fraction that no double
    holds is refused rather than rounded)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise InputError("%s = %r: expected a real number" % (name, x))
    try:
        f = float(x)
    except OverflowError:
        f = math.inf
    if not math.isfinite(f):
        raise InputError("%s = %r: must be finite" % (name, x))
    if f != x:
        raise InputError("%s = %r: not exactly a double (give a float)" % (name, x))
    if positive and not f > 0:
        raise InputError("%s = %r: must be positive" % (name, x))
    if lo is not None and f < lo:
        raise InputError("%s = %r: below %r" % (name, x, lo))
    if hi is not None and f > hi:
        raise InputError("%s = %r: above %r" % (name, x, hi))
    return f


# ----------------------------------------------------------------------
# tau, the score scale: S = tau Q K^T

DEFAULT_TAU = "1/d"


def make_tau(tau=None, scale=None):
    """The fga_tau of the arguments, and whether the default was taken.

    tau: "1/d", "1/sqrt(d)" (kept symbolic, so the truth uses the exact
    value), a number given as text, or a positive finite number taken as that
    double exactly.  scale: PyTorch's name for the same factor, a number.
    Neither: tau = 1/d, the convention of Alman and Song and of the program.
    """
    t = ffi.new("fga_tau *")
    if tau is not None and scale is not None:
        raise InputError("give tau or scale, not both (scale is PyTorch's name for tau: "
                         "scores = scale * Q K^T)")
    if tau is None and scale is None:
        tau = DEFAULT_TAU
    if scale is not None:
        if isinstance(scale, str):
            raise InputError("scale = %r: expected a number (tau= takes '1/d' and "
                             "'1/sqrt(d)')" % (scale,))
        tau, what = scale, "scale"
    else:
        what = "tau"
    if isinstance(tau, str):
        err = new_error()
        check(lib.fga_tau_parse(t, tau.encode(), err), err, what + ": ")
    else:
        t.kind = lib.FGA_TAU_VALUE
        t.value = real(tau, what, positive=True)
    return t


def tau_text(t):
    buf = ffi.new("char[64]")
    lib.fga_tau_format(buf, 64, t)
    return ffi.string(buf).decode()


# ----------------------------------------------------------------------
# Arrays: numpy in and out


def to_numpy(x, name):
    """x as a numpy array, without importing torch: a torch tensor (or
    anything with detach and numpy) is detached and moved to the CPU first;
    a bfloat16 tensor, which numpy cannot hold, is passed as its int16 bits
    (then read as bfloat16)."""
    if isinstance(x, np.ndarray):
        return x, False
    if hasattr(x, "detach") and hasattr(x, "numpy") and hasattr(x, "cpu"):
        t = x.detach().cpu()
        if str(getattr(t, "dtype", "")) == "torch.bfloat16":
            torch = sys.modules.get(type(t).__module__.split(".")[0])
            return t.view(torch.int16).numpy(), True
        return t.numpy(), False
    try:
        return np.asarray(x), False
    except Exception as e:   # noqa: BLE001 -- any failure of the conversion is bad input
        raise InputError("%s: cannot be read as an array (%s)" % (name, e)) from None


def widen(x, name, bf16=False):
    """x as float64, widened exactly, C-contiguous; the same object when it
    already is one (zero copy).

    float64 as it is; float32 and float16 widened (every such number is a
    double); bfloat16 held in uint16 or int16 with bf16=True, or in an
    ml_dtypes bfloat16 array, widened from its bits; long double accepted
    only when every entry is exactly a double.  Integer and boolean arrays
    are refused rather than converted: a uint16 array of bfloat16 bits
    passed without bf16=True would otherwise be read as integers, a
    different problem with no error.  Complex, object and text arrays are
    refused."""
    x, is_bf16 = to_numpy(x, name)
    dt = x.dtype
    if dt.name == "bfloat16" and dt.itemsize == 2:
        is_bf16 = True
        x = x.view(np.uint16)
        dt = x.dtype
    if is_bf16 or (bf16 and dt.kind in "iu" and dt.itemsize == 2):
        bits = x.view(np.uint16).astype(np.uint32) << 16
        return np.ascontiguousarray(bits.view(np.float32).astype(np.float64))
    if dt.kind == "f":
        if dt.itemsize in (2, 4):
            return np.ascontiguousarray(x.astype(np.float64))
        if dt.itemsize == 8:
            return np.ascontiguousarray(x, dtype=np.float64)
        y = x.astype(np.float64)
        same = (y.astype(dt) == x) | (np.isnan(x) & np.isnan(y))
        if not same.all():
            i = tuple(int(k) for k in np.argwhere(~same)[0])
            raise InputError("%s: dtype %s, and %s%s = %r is not exactly a double (round it "
                             "yourself with .astype(numpy.float64))"
                             % (name, dt, name, list(i), x[i]))
        return np.ascontiguousarray(y)
    if dt.kind in "iub":
        hint = " (bfloat16 bits? pass bf16=True)" if dt.kind in "iu" and dt.itemsize == 2 else ""
        raise InputError("%s: dtype %s refused: fgattn reads floating-point arrays (float64, "
                         "float32, float16, bfloat16); convert with .astype(numpy.float64)%s"
                         % (name, dt, hint))
    raise InputError("%s: dtype %s refused: fgattn reads floating-point arrays (float64, "
                     "float32, float16, bfloat16)" % (name, dt))


def check_finite(x, name):
    ok = np.isfinite(x)
    if not ok.all():
        i = tuple(int(k) for k in np.argwhere(~ok)[0])
        raise InputError("%s[%s] is %r: entries must be finite"
                         % (name, ", ".join(map(str, i)), float(x[i])))


def attention_inputs(Q, K, V, bf16=False):
    """Q (..., nq, d), K (..., nk, d), V (..., nk, dv) as finite float64
    C-contiguous arrays with the same leading axes; returns them and the
    leading shape."""
    arrays = []
    for x, name in ((Q, "Q"), (K, "K"), (V, "V")):
        if x is None:
            continue
        a = widen(x, name, bf16)
        if a.ndim < 2:
            raise InputError("%s has shape %s: it must be a matrix (..., rows, columns)"
                             % (name, a.shape))
        if 0 in a.shape:
            raise InputError("%s has shape %s: empty" % (name, a.shape))
        check_finite(a, name)
        arrays.append(a)
    Qa, Ka = arrays[0], arrays[1]
    lead = Qa.shape[:-2]
    for a, name in zip(arrays[1:], "KV"):
        if a.shape[:-2] != lead:
            raise InputError("the leading (batch) axes differ: Q has shape %s, %s %s"
                             % (Qa.shape, name, a.shape))
    if Ka.shape[-1] != Qa.shape[-1]:
        raise InputError("K has shape %s but Q %s: K must have d = %d columns, as Q"
                         % (Ka.shape, Qa.shape, Qa.shape[-1]))
    if len(arrays) == 3 and arrays[2].shape[-2] != Ka.shape[-2]:
        raise InputError("V has shape %s but K %s: V must have nk = %d rows, as K"
                         % (arrays[2].shape, Ka.shape, Ka.shape[-2]))
    return arrays, lead


def mat(a):
    """An fga_mat over the 2-D C-contiguous float64 array a, sharing its
    memory (fga_mat is row-major with no stride: rows, cols, data).  Returns
    the struct and the buffer object, which must stay alive meanwhile.  The
    matrix is never given to fga_mat_clear: its memory is numpy's."""
    buf = ffi.from_buffer("double[]", a)
    m = ffi.new("fga_mat_struct *")
    m.rows, m.cols = a.shape
    m.data = buf
    return m, buf


def physical_bytes():
    return lib.fga_physical_bytes()


def check_memory(nbytes, what):
    have = physical_bytes()
    if nbytes > have:
        raise OutOfMemory("%s needs about %.3g bytes, more than the machine's %.3g"
                          % (what, nbytes, have))


# ----------------------------------------------------------------------
# Batches: the items of (..., n, d) arrays, in a pool of threads


def default_workers(count):
    return max(1, min(count, os.cpu_count() or 1))


def for_each(count, fn, workers=None):
    """Calls fn(i) for i in range(count); returns their results in order.

    One item, or workers=1: in this thread, and the library's kernels use
    their own OpenMP threads.  Several items: in `workers` threads
    (default: one per core, at most one per item), each of which asks the
    library for one OpenMP thread (its own setting: omp_set_num_threads is
    per thread), so that the batch's threads and the kernels' teams do not
    multiply; cffi releases the GIL during each call.  The exception of the
    first failing item (in batch order) is raised, after the others have
    stopped."""
    if workers is None:
        workers = default_workers(count)
    workers = whole(workers, "workers", 1)
    if count <= 1 or workers == 1:
        return [fn(i) for i in range(count)]
    results = [None] * count
    errors = {}
    counter = itertools.count()
    stop = threading.Event()

    def work():
        lib.fgapy_set_threads(1)
        try:
            while not stop.is_set():
                i = next(counter)
                if i >= count:
                    break
                try:
                    results[i] = fn(i)
                except BaseException as e:   # noqa: BLE001 -- re-raised below
                    errors[i] = e
                    stop.set()
        finally:
            lib.fgapy_thread_done()

    threads = [threading.Thread(target=work, name="fgattn-%d" % k)
               for k in range(min(workers, count))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[min(errors)]
    return results


def item_prefix(lead, i):
    """"batch item (1, 2): " for item i of the leading shape, "" without one."""
    if not lead:
        return ""
    return "batch item %s: " % (tuple(int(k) for k in np.unravel_index(i, lead)),)


def reraise_in_item(e, lead, i):
    """e with the batch item's index in front of its message."""
    if not lead or not isinstance(e, Error):
        return e
    return type(e)(item_prefix(lead, i) + str(e), e.code)


def stats_dict(st):
    """An fga_stats record as a dict: the counts by kind (mul, add, exp,
    div, cmp), peak_bytes, wall_seconds, threads, the method's own figures
    by name (a named value, such as rf's kind, as its name: "pos"), notes,
    and blas (blas_text)."""
    d = {
        "wall_seconds": st.wall_seconds,
        "threads": st.threads,
        "mul": int(st.n_mul),
        "add": int(st.n_add),
        "exp": int(st.n_exp),
        "div": int(st.n_div),
        "cmp": int(st.n_cmp),
        "peak_bytes": int(st.peak_bytes),
    }
    name = ffi.new("char[64]")
    value = ffi.new("double *")
    text = ffi.new("char[32]")
    k = 0
    while lib.fgapy_stats_extra(st, k, name, 64, value, text, 32):
        word = ffi.string(text).decode()
        d[ffi.string(name).decode()] = word if word else value[0]
        k += 1
    d["notes"] = ffi.string(st.notes).decode("utf-8", "replace")
    d["blas"] = blas_text()
    return d


def blas_text():
    """The BLAS the products ran on, its version and the core whose kernels
    it used: "OpenBLAS 0.3.21, core SkylakeX", with " (chose Prescott)"
    when fgattn switched it from the weaker core it had chosen for this
    processor (FGATTN_BLAS_FIX=0 in the environment prevents the switch),
    or " (not switched to SkylakeX: OPENBLAS_CORETYPE is set)" when the
    environment named a weaker core than the processor can run."""
    buf = ffi.new("char[256]")
    return ffi.string(lib.fga_blas_text(buf, 256)).decode("utf-8", "replace")
