# _attention.py -- the certified truth, methods, metrics and tolerances on numpy arrays

"""Attention on numpy arrays: truth, run, compare, assert_attention_close,
gen, methods, attention_matrix, singular_values, rank, ulp_distance.

Each calls the library's functions as the program's subcommand does
(src/cli/cmd_truth.c, cmd_run.c, cmd_compare.c, cmd_gen.c, cmd_rank.c), so
that a Python call and the command give the same bits.
"""

import contextlib
import decimal
import inspect
import math
import re
import threading

import numpy as np

from . import _support as S
from ._support import InputError, ComputeError, ffi, lib

_TAU_DOC = """tau=None, scale=None: the score scale, S = tau Q K^T.  When neither is
    given, tau = 1/d, the convention of Alman and Song and the default of
    the program (`fgattn truth`, `fgattn run`) -- NOT PyTorch's: its
    scaled_dot_product_attention uses scale = 1/sqrt(d), which you must pass
    (scale=1/math.sqrt(d), or tau="1/sqrt(d)" for the exact real number).
    tau may be "1/d", "1/sqrt(d)" (kept symbolic: the truth uses the exact
    real) or a positive number; scale is PyTorch's name, a number.  A number
    is taken as that double exactly.  Giving both is a ValueError."""

# ----------------------------------------------------------------------
# The certified truth

PREC_LO, PREC_HI, PREC_MAX_HI = 64, 1 << 20, 1 << 24


def _count(lead):
    return int(np.prod(lead, dtype=np.int64)) if lead else 1


def _flat(a, count):
    return a.reshape((count,) + a.shape[len(a.shape) - 2:])


def _precisions(prec, prec_max):
    prec = S.whole(prec, "prec", PREC_LO, PREC_HI)
    prec_max = S.whole(prec_max, "prec_max", PREC_LO, PREC_MAX_HI)
    if prec_max < prec:
        raise InputError("prec_max = %d: below prec = %d" % (prec_max, prec))
    return prec, prec_max


class _Progress:
    """The fractions of one call's items (fgattn/numerics.h: per item from
    its own thread, non-decreasing, ending with 1), averaged into one for
    the caller's function, which is called under a lock: it sees them in
    order, ending with exactly one 1.0.  An exception of the function is
    raised when the call returns (a callback cannot stop the library), and
    the function is not called again."""

    def __init__(self, fn, count):
        if not callable(fn):
            raise InputError("progress = %r: expected a function or None" % (fn,))
        self.fn, self.count, self.error = fn, count, None
        self.done = [0.0] * count
        self.lock = threading.Lock()
        self.handles = [ffi.new_handle((self, i)) for i in range(count)]
        self.c = [ffi.new("fga_progress *", {"fn": lib.fgapy_fraction, "data": h})
                  for h in self.handles]

    def tell(self, i, fraction):
        with self.lock:
            if self.error is not None:
                return
            self.done[i] = fraction
            try:
                self.fn(math.fsum(self.done) / self.count)
            except BaseException as e:   # noqa: BLE001 -- raised when the call returns
                self.error = e

    def check(self):
        if self.error is not None:
            raise self.error


def _progress(fn, count):
    return None if fn is None else _Progress(fn, count)


@ffi.def_extern()
def fgapy_fraction(fraction, data):
    progress, i = ffi.from_handle(data)
    progress.tell(i, fraction)


def truth(Q, K, V, tau=None, scale=None, prec=128, prec_max=8192, bound=False, lse=False,
          info=False, bf16=False, workers=None, progress=None):
    """The certified ground truth: softmax(tau Q K^T) V, every entry the double
    nearest to the exact real value.

    Computed in MPFR with a proved error bound per entry; rows whose bound
    does not decide the rounding are recomputed at a higher precision
    (Ziv's strategy), up to prec_max bits.  The same function, called the
    same way, as `fgattn truth`: the result is bit for bit that command's
    NPY output on the same instance.

    Q (..., nq, d), K (..., nk, d), V (..., nk, dv): numpy arrays (or
    anything numpy.asarray reads, torch tensors included), float64 used in
    place without a copy when C-contiguous; float32, float16 and bfloat16
    widened exactly.  Leading axes are a batch: every item is its own
    problem, computed in a pool of threads.

    {tau}

    prec=128: the first working precision in bits (64..2^20).
    prec_max=8192: no row is computed above it (prec..2^24).
    bound=False: also return E, the same shape as the output, with
      |out - exact| <= E certified per entry (|out - W| + |W - exact|, W the
      working value, rounded upward): about half an ulp of each entry.
    lse=False: also return the log-sum-exp of each row of scores (..., nq).
    info=False: also return a dict (a list of dicts for a batch): the
      working precision reached, rows recomputed, the entries the
      double-double path decided (fast_entries) and the rows it left to
      MPFR (fallback_rows), counted operations and wall time.
    bf16=False: read uint16 or int16 arrays as bfloat16 bits.
    workers=None: threads for a batch (default one per core); 1 runs the
      items one after the other, each with the library's own threads.
    progress=None: a function called with the fraction of the work done, a
      float from 0 to 1, non-decreasing, ending with exactly one 1.0 (the
      mean over a batch's items), as the rows are computed.  It changes no
      number.  An exception it raises is raised when the truth returns.

    Returns the output, float64 (..., nq, dv); with bound, lse or info, a
    tuple (out, E, lse, info) of those asked for, in that order.

    Raises ValueError (fgattn.InputError) for bad input, and
    fgattn.ComputeError (a RuntimeError) when some entry is not decided at
    prec_max (a true tie between two doubles).

    Example:
    >>> import numpy as np, fgattn
    >>> rng = np.random.default_rng(1)
    >>> Q, K, V = (rng.uniform(-1, 1, (64, 8)) for _ in range(3))
    >>> T = fgattn.truth(Q, K, V, scale=1 / np.sqrt(8))   # PyTorch's scaling
    >>> T.shape, T.dtype
    ((64, 8), dtype('float64'))
    >>> seen = []
    >>> T2 = fgattn.truth(Q, K, V, scale=1 / np.sqrt(8), progress=seen.append)
    >>> seen[-1], seen == sorted(seen), np.array_equal(T, T2)
    (1.0, True, True)
    """
    t = S.make_tau(tau, scale)
    prec, prec_max = _precisions(prec, prec_max)
    (Qa, Ka, Va), lead = S.attention_inputs(Q, K, V, bf16)
    count, nq, dv = _count(lead), Qa.shape[-2], Va.shape[-1]
    if bound:
        # the working values and their bounds, as MPFR numbers, per item in flight
        limb_bytes = 8 * ((prec_max + 63) // 64)
        S.check_memory(2.0 * nq * dv * (32 + limb_bytes) * min(count, S.default_workers(count)),
                       "the per-entry bounds (bound=True)")
    out = np.empty(lead + (nq, dv))
    E = np.empty(out.shape) if bound else None
    L = np.empty(lead + (nq,)) if lse else None
    Q3, K3, V3, T3 = (_flat(a, count) for a in (Qa, Ka, Va, out))
    E3 = _flat(E, count) if bound else None
    L2 = L.reshape(count, nq) if lse else None
    opts = ffi.new("fga_truth_opts *", {"prec": prec, "prec_max": prec_max})
    prog = _progress(progress, count)

    def item(i):
        T, tb = S.mat(T3[i])
        q, qb = S.mat(Q3[i])
        k, kb = S.mat(K3[i])
        v, vb = S.mat(V3[i])
        lp = ffi.from_buffer("double[]", L2[i]) if lse else ffi.NULL
        W = ffi.new("fga_mpfr_mat_struct *") if bound else ffi.NULL
        Werr = ffi.new("fga_mpfr_mat_struct *") if bound else ffi.NULL
        inf = ffi.new("fga_truth_info *")
        st = ffi.new("fga_stats *")
        lib.fga_stats_init(st)
        err = S.new_error()
        try:
            t0 = lib.fga_wall_time()
            old = lib.fga_truth_set_progress(prog.c[i] if prog else ffi.NULL)
            try:
                rc = lib.fga_truth(T, lp, W, Werr, q, k, v, t, opts, inf, st, err)
            finally:
                lib.fga_truth_set_progress(ffi.new("fga_progress *", old))
            st.wall_seconds = lib.fga_wall_time() - t0
            S.check(rc, err, S.item_prefix(lead, i))
            if inf.undecided > 0:
                raise ComputeError(
                    "%s%d of the %d values were not decided at prec_max = %d bits (a true tie "
                    "between two doubles, or a cap too low for the bound)"
                    % (S.item_prefix(lead, i), inf.undecided, nq * dv, prec_max),
                    lib.FGA_ERR_COMPUTE)
            if bound and lib.fgapy_truth_bound(ffi.from_buffer("double[]", E3[i]), T, W,
                                               Werr) != 0:
                raise ComputeError("the bounds of the truth have the wrong shape",
                                   lib.FGA_ERR_COMPUTE)
        finally:
            if bound:
                lib.fgapy_mpfr_mat_free(W)
                lib.fgapy_mpfr_mat_free(Werr)
        d = {"nq": nq, "nk": Ka.shape[-2], "d": Qa.shape[-1], "dv": dv, "tau": S.tau_text(t),
             "entries": nq * dv, "undecided": int(inf.undecided), "prec": prec,
             "prec_used_max": int(inf.prec_used_max), "rows_raised": int(inf.rows_raised)}
        d.update(S.stats_dict(st))
        return d

    infos = S.for_each(count, item, workers)
    if prog:
        prog.check()
    extras = [x for x, want in ((E, bound), (L, lse)) if want]
    if info:
        extras.append(infos if lead else infos[0])
    return (out, *extras) if extras else out


truth.__doc__ = truth.__doc__.replace("{tau}", _TAU_DOC)

# ----------------------------------------------------------------------
# Methods


# Python callables as methods.  A callable is put in the library's
# registry of user methods (fga_method_register_user) under a name, with one
# C function for all of them, fgapy_user_method (an extern "Python" of the
# module), and a cffi handle of its record as the data pointer.  _USER keeps
# the record, hence the handle, alive while the name is registered: the
# library never holds a handle to a freed object.  The library calls the
# function from the thread that runs the method (several at once in a sweep
# with jobs > 1); cffi takes the GIL for the call, and the library's own
# calls release it.

_USER = {}                     # name -> _UserMethod, while registered
_USER_LOCK = threading.RLock()
_CALL = threading.local()      # .exc: the exception of this thread's last failed call


class _UserMethod:
    """A registered callable: what the data handle given to the library
    points at."""

    def __init__(self, name, fn, size_key):
        self.name, self.fn, self.size_key = name, fn, size_key
        self.handle = ffi.new_handle(self)


class _BadResult(Exception):
    """A result of the callable that is not an output (its text is the message)."""


class _Interrupts:
    """An interrupt (KeyboardInterrupt, SystemExit) caught in a callback
    while sweeps run.  A sweep of the library cannot be stopped from a
    callback: it finishes its cells.  So once one is caught, every callable
    fails at once (a run "interrupted"), and each sweep running notes the
    number of cells it had finished then, its cut.  The cells it finishes
    later may hold runs failed by the interrupt (when some run was: spoilt),
    and the sweep then removes their rows before raising the interrupt
    (_sweep.py), so that a new run does them again."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sweeps = []
        self.exc = None
        self.spoilt = False

    def begin(self, state):
        with self.lock:
            self.sweeps.append(state)
            if self.exc is not None:
                state.cut = state.done

    def stop(self, exc, spoilt=False):
        """exc was caught in a callback; spoilt: a run failed for it."""
        with self.lock:
            if not self.sweeps:
                return
            if self.exc is None:
                self.exc = exc
                for st in self.sweeps:
                    st.cut = st.done
            self.spoilt = self.spoilt or spoilt

    def end(self, state):
        """The interrupt to raise for this sweep, or None, and whether the
        cells after its cut are spoilt.  Idempotent (see _to_the_end)."""
        with self.lock:
            if state in self.sweeps:
                state.stopped = (self.exc, self.spoilt) if state.cut is not None else (None, False)
                self.sweeps.remove(state)
            if not self.sweeps:
                self.exc, self.spoilt = None, False
        return state.stopped


_INTERRUPTS = _Interrupts()


def _readonly(p, rows, cols):
    a = np.frombuffer(ffi.buffer(p, 8 * rows * cols), dtype=np.float64).reshape(rows, cols)
    a.setflags(write=False)
    return a


def _result(r, n_q, d_v):
    """The callable's result r as float64 (n_q, d_v), widened exactly."""
    try:
        a = S.widen(r, "the result")
    except InputError as e:
        raise _BadResult(str(e)) from None
    if a.shape != (n_q, d_v):
        raise _BadResult("the result has shape %s, not (n_q, d_v) = (%d, %d)"
                         % (a.shape, n_q, d_v))
    return a


def _failed(e, msg, msgsize):
    """Tells the library that the call failed with e: its type and text in
    msg (NUL-terminated, cut at a character to fit msgsize bytes); returns
    the status."""
    _CALL.exc = e
    if not isinstance(e, Exception):
        _INTERRUPTS.stop(e, spoilt=True)
        text = "interrupted (%s): the run did not finish" % type(e).__name__
    elif isinstance(e, _BadResult):
        text = str(e)
    else:
        text = type(e).__qualname__ + (": %s" % e if str(e) else "")
    if msgsize > 0:
        b = text.encode("utf-8", "replace")[:msgsize - 1].decode("utf-8", "ignore").encode()
        ffi.memmove(msg, b + b"\0", len(b) + 1)
    return 1


def _escaped(exc, value, tb):
    # An exception out of fgapy_user_method itself (an interrupt arriving
    # before its try): the run fails all the same, told from its frame.
    f = tb.tb_frame.f_locals if tb is not None else {}
    if "msg" in f and "msgsize" in f:
        _failed(value, f["msg"], f["msgsize"])
    return 1


@ffi.def_extern(error=1, onerror=_escaped)
def fgapy_user_method(out, Q, K, V, n_q, n_k, d, d_v, tau, size, data, msg, msgsize):
    try:
        if _INTERRUPTS.exc is not None:
            return _failed(_INTERRUPTS.exc, msg, msgsize)
        um = ffi.from_handle(data)
        args = [_readonly(p, r, c) for p, r, c in ((Q, n_q, d), (K, n_k, d), (V, n_k, d_v))]
        r = um.fn(*args, tau, size if um.size_key else None)
        o = np.frombuffer(ffi.buffer(out, 8 * n_q * d_v), dtype=np.float64).reshape(n_q, d_v)
        o[...] = _result(r, n_q, d_v)
        return 0
    except BaseException as e:   # noqa: BLE001 -- every failure is the run's, told in msg
        return _failed(e, msg, msgsize)


def _check_callable(fn, what):
    if not callable(fn):
        raise InputError("%s = %r: expected a function fn(Q, K, V, tau, size)" % (what, fn))
    try:
        inspect.signature(fn).bind(None, None, None, None, None)
    except TypeError as e:
        raise InputError("%s: the callable must take (Q, K, V, tau, size): %s" % (what, e)) \
            from None
    except ValueError:
        pass                   # no signature to check (some built-in functions)


def _register(name, fn, size_key):
    if not isinstance(name, str) or "\0" in name:
        raise InputError("name = %r: expected a name such as 'mine' ([a-z][a-z0-9_]*)"
                         % (name,))
    if size_key is not None and (not isinstance(size_key, str) or "\0" in size_key
                                 or size_key == ""):
        raise InputError("method %s: size = %r: expected the name of the size parameter, "
                         "such as 'm' ([a-z][a-z0-9_]*), or None" % (name, size_key))
    _check_callable(fn, "method %s" % name)
    um = _UserMethod(name, fn, size_key)
    err = S.new_error()
    with _USER_LOCK:
        key = ffi.NULL if size_key is None else size_key.encode()
        S.check(lib.fga_method_register_user(name.encode(), key, lib.fgapy_user_method,
                                             um.handle, err), err)
        _USER[name] = um


def register_method(name, fn=None, size=None):
    """Registers the Python function fn as the method `name` of this
    process: the spec "NAME" (or "NAME:SIZE=64" with a size parameter) is
    then a method for run() and for a sweep, whose configuration names it
    (spec = NAME, size = SIZE), so that error-versus-B tables and least
    sizes come out for it as for fgattn's own methods.  Returns fn; without
    fn, a decorator.

    name: [a-z][a-z0-9_]*, at most 31 characters, neither a method of
      fgattn (fgattn.methods()) nor a name registered already.
    fn(Q, K, V, tau, size) -> out: Q (nq, d), K (nk, d), V (nk, dv)
      float64 arrays, tau the score scale as a float (S = tau Q K^T),
      size the value of the size parameter (an int; 0 when the spec does
      not give it), or None when the method has none.  out: an array
      (nq, dv) of any floating-point dtype (float32, float16 and bfloat16
      are widened exactly), every entry finite.  Q, K and V are read-only
      views of the library's memory, made without a copy: valid only during
      the call (copy them to keep them).
    size=None: the name of the size parameter (e.g. "m"): an integer from
      0 to 2^53, default 0.  None: the method has none.

    A call that raises, returns another shape or dtype (integers are
    refused, not converted), or an entry that is NaN or infinite, is a
    failed run: run() raises fgattn.ComputeError, "method NAME: " then the
    exception's type and text (the exception itself as its __cause__); a
    sweep records the row as failed with that message in results.csv's
    message column, and goes on.  KeyboardInterrupt stops: see sweep().
    fn may be called from several threads at once (a sweep with jobs > 1),
    each call holding the GIL.  The operation counts of its runs are 0
    (unknown), with a note.

    Raises ValueError (fgattn.InputError) for a bad name or size, a name
    taken, or fn not a function of five arguments.

    Example: exact attention in numpy, plus 2^-m on one entry.
    >>> import numpy as np, fgattn
    >>> @fgattn.register_method("mine", size="m")
    ... def mine(Q, K, V, tau, m):
    ...     S = tau * (Q @ K.T)
    ...     P = np.exp(S - S.max(axis=1, keepdims=True))
    ...     out = (P / P.sum(axis=1, keepdims=True)) @ V
    ...     out[0, 0] += 2.0 ** -m
    ...     return out
    >>> Q, K, V = fgattn.gen(32, 4, 1.0)
    >>> out, st = fgattn.run("mine:m=10", Q, K, V)
    >>> err = float(fgattn.compare(fgattn.truth(Q, K, V), out)["max_abs"])
    >>> abs(err - 2.0 ** -10) < 1e-15   # numpy's own rounding, whatever its BLAS
    True
    >>> st["method"], st["m"]
    ('mine:m=10', 10.0)
    >>> fgattn.unregister_method("mine")
    """
    if fn is None:
        def decorate(f):
            _register(name, f, size)
            return f
        return decorate
    _register(name, fn, size)
    return fn


def unregister_method(name):
    """Removes the method `name` that register_method registered: its
    function is never called again, and the name is free.

    Raises ValueError (fgattn.InputError) when it is not registered.

    Example:
    >>> import fgattn
    >>> fgattn.register_method("twice", lambda Q, K, V, tau, size: 2 * V[:len(Q)])
    <function <lambda> at ...>
    >>> fgattn.unregister_method("twice")
    >>> fgattn.run("twice", *fgattn.gen(4, 2, 1.0))
    Traceback (most recent call last):
    ...
    fgattn.InputError: unknown method 'twice' ...
    """
    if not isinstance(name, str) or "\0" in name:
        raise InputError("name = %r: expected a registered method's name" % (name,))
    err = S.new_error()
    with _USER_LOCK:
        S.check(lib.fga_method_unregister_user(name.encode(), err), err)
        _USER.pop(name, None)


def _unregister_quietly(name):
    """Unregisters name, if it can be (a failure leaves it registered, its
    record alive): for cleanups, which must not hide the error in flight."""
    err = S.new_error()
    with _USER_LOCK:
        if lib.fga_method_unregister_user(name.encode(), err) == lib.FGA_OK:
            _USER.pop(name, None)


def _free_name(fn):
    """A name for a callable given as a method without one: its own
    __name__ when that is a valid name, else "python", with _2, _3 ...
    until neither fgattn nor this process has it."""
    base = getattr(fn, "__name__", "")
    base = base.lower() if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,23}", base) else "python"
    taken = set(_USER) | {S.cstr(lib.fga_method_info_at(i).name)
                          for i in range(lib.fga_method_count())}
    k = 1
    while True:
        name = base if k == 1 else "%s_%d" % (base, k)
        if name not in taken:
            return name
        k += 1


def _to_the_end(step, *args):
    """step(*args), a cleanup that may run twice, run to its end: again when
    a KeyboardInterrupt breaks in (a Ctrl-C reaches the main thread at any
    call).  Returns its result and that interrupt (or None), for the caller
    to raise once its cleanups are done."""
    caught = None
    while True:
        try:
            return step(*args), caught
        except KeyboardInterrupt as e:
            caught = caught or e


def _unregister_all(names):
    """Unregisters names, even through a KeyboardInterrupt, raised after."""
    caught = None
    for name in reversed(names):
        caught = caught or _to_the_end(_unregister_quietly, name)[1]
    if caught is not None:
        raise caught


@contextlib.contextmanager
def _registered(methods, size_keys=None):
    """methods (name -> callable) registered for the body, and unregistered
    after it, however it ends."""
    done = []
    try:
        for name, fn in methods.items():
            _register(name, fn, (size_keys or {}).get(name))
            done.append(name)
        yield
    finally:
        _unregister_all(done)


@contextlib.contextmanager
def _method_spec(method):
    """The spec string of a method argument, for the body of a with.

    The one place where a method given to run() is turned into what the
    library takes: a spec string as it is; a callable registered by
    register_method, its name; any other callable, registered for the
    body under a name of its own (_free_name), its function taking size =
    None."""
    if isinstance(method, str):
        yield method
        return
    if not callable(method):
        raise InputError("method = %r: expected a spec string such as 'exact:algo=stream', "
                         "or a callable fn(Q, K, V, tau, size)" % (method,))
    with _USER_LOCK:
        names = sorted(n for n, um in _USER.items() if um.fn is method)
        if len(names) > 1:
            raise InputError("method: the callable is registered as %s: give one of the names"
                             % ", ".join(names))
        temporary = not names
        if temporary:
            _check_callable(method, "method")
            names = [_free_name(method)]
            _register(names[0], method, None)
    try:
        yield names[0]
    finally:
        _unregister_all(names if temporary else [])


def _raise_run_error(rc, e, prefix):
    """The error of a failed run: the callable's own exception, when it
    failed, as the cause (an interrupt itself)."""
    exc, _CALL.exc = getattr(_CALL, "exc", None), None
    if exc is not None and not isinstance(exc, Exception):
        raise exc
    raise S.library_error(rc, e, prefix) from exc


def _create(spec, err):
    m = lib.fga_method_create(spec.encode(), err)
    if m == ffi.NULL:
        raise S.library_error(err.code or lib.FGA_ERR_INPUT, err)
    return m


def run(method, Q, K, V, tau=None, scale=None, lse=False, B=None, Bv=None, bf16=False,
        workers=None, progress=None):
    """Runs one of fgattn's methods on Q, K, V: the output and its stats.

    method: a spec string, "NAME" or "NAME:key=value,...", as the program's
    --method takes it (fgattn.methods() lists every method, its parameters
    and defaults), e.g. "exact:algo=stream", "poly:basis=cheb,eps=1e-6",
    "rf:m=256,kind=pos,seed=3"; a method registered by register_method,
    by its name ("mine:m=64") or as its function; or any function
    fn(Q, K, V, tau, size) -> out (see register_method), registered for
    the call under its own __name__ (or "python") and called with size =
    None.  A run of a function that fails raises fgattn.ComputeError, with
    the function's exception as its __cause__.

    Q (..., nq, d), K (..., nk, d), V (..., nk, dv): as for truth(); a batch
    runs every item as its own instance (its own method object, prepared for
    it), in a pool of threads.

    {tau}

    lse=False: also return the per-row log-sum-exp (methods that give it).
    B=None, Bv=None: the entry bounds the problem records (the a-priori
      radius of poly:R=apriori uses B); default the largest |entry| of Q
      and K, and of V, as `fgattn run` reads an instance without
      instance.json.  Pass gen()'s B and Bv to match a generated instance.
    bf16=False, workers=None: as for truth().
    progress=None: as for truth(); poly, exact:algo=naive and
      exact:algo=mpfr report as they go, the other methods only the end.

    Returns (out, stats), or (out, lse, stats) with lse=True.  stats is a
    dict (a list of dicts, in C order, for a batch): method (the full spec,
    every default spelled out), nq, nk, d, dv, tau (as text), tau_value,
    B, Bv, R (the data's score radius, a bound on |S_ij|), wall_seconds,
    threads, the operations counted as the method performed them (mul, add,
    exp, div, cmp), peak_bytes (allocated beyond inputs and output), the
    method's own figures by name, and notes.

    Example:
    >>> import numpy as np, fgattn
    >>> Q, K, V = fgattn.gen(256, 16, 1.0, seed=3)
    >>> out, st = fgattn.run("exact:algo=stream", Q, K, V)
    >>> st["exp"] >= 256 * 256
    True
    >>> def numpy_attention(Q, K, V, tau, size):      # a function is a method too
    ...     P = np.exp(tau * (Q @ K.T))
    ...     return (P / P.sum(axis=1, keepdims=True)) @ V
    >>> out, st = fgattn.run(numpy_attention, Q, K, V)
    >>> st["method"], float(fgattn.compare(fgattn.truth(Q, K, V), out)["max_abs"]) < 1e-14
    ('numpy_attention', True)
    >>> seen = []
    >>> out, st = fgattn.run("poly:deg=4,block=64", Q, K, V, progress=seen.append)
    >>> len(seen) > 2, seen[-1], seen == sorted(seen)
    (True, 1.0, True)
    """
    with _method_spec(method) as spec:
        return _run(spec, Q, K, V, tau, scale, lse, B, Bv, bf16, workers, progress)


def _run(spec, Q, K, V, tau, scale, lse, B, Bv, bf16, workers, progress):
    t = S.make_tau(tau, scale)
    err = S.new_error()
    lib.fga_method_destroy(_create(spec, err))       # the spec refused before the data read
    (Qa, Ka, Va), lead = S.attention_inputs(Q, K, V, bf16)
    B = None if B is None else S.real(B, "B", positive=True)
    Bv = None if Bv is None else S.real(Bv, "Bv", positive=True)
    count, nq, dv = _count(lead), Qa.shape[-2], Va.shape[-1]
    out = np.empty(lead + (nq, dv))
    L = np.empty(lead + (nq,)) if lse else None
    Q3, K3, V3, T3 = (_flat(a, count) for a in (Qa, Ka, Va, out))
    L2 = L.reshape(count, nq) if lse else None
    prog = _progress(progress, count)

    def item(i):
        T, tb = S.mat(T3[i])
        bufs = [S.mat(a[i]) for a in (Q3, K3, V3)]
        inst = ffi.new("fga_instance_struct *")
        for field, (m, _) in zip(("Q", "K", "V"), bufs):
            getattr(inst, field)[0] = m[0]
        q, k, v = inst.Q, inst.K, inst.V
        inst.B = B if B is not None else max(lib.fga_mat_max_abs(q), lib.fga_mat_max_abs(k))
        inst.Bv = Bv if Bv is not None else lib.fga_mat_max_abs(v)
        inst.dist = lib.FGA_DIST_NONE
        prob = ffi.new("fga_problem *")
        lib.fga_problem_from_instance(prob, inst, t)
        lp = ffi.from_buffer("double[]", L2[i]) if lse else ffi.NULL
        st = ffi.new("fga_stats *")
        lib.fga_stats_init(st)
        e = S.new_error()
        m = _create(spec, e)
        try:
            rc = lib.fga_method_prepare(m, prob, e)
            _CALL.exc = None
            if rc == lib.FGA_OK:
                rc = lib.fga_method_run_progress(m, T, lp, q, k, v, st,
                                                 prog.c[i] if prog else ffi.NULL, e)
            if rc != lib.FGA_OK:
                _raise_run_error(rc, e, S.item_prefix(lead, i))
            d = {"method": S.cstr(lib.fga_method_spec(m)), "nq": nq, "nk": prob.nk,
                 "d": prob.d, "dv": dv, "tau": S.tau_text(t),
                 "tau_value": lib.fga_tau_double(t, prob.d), "B": prob.B, "Bv": prob.Bv,
                 "R": prob.R}
        finally:
            lib.fga_method_destroy(m)
        d.update(S.stats_dict(st))
        return d

    stats = S.for_each(count, item, workers)
    if prog:
        prog.check()
    stats = stats if lead else stats[0]
    return (out, L, stats) if lse else (out, stats)


run.__doc__ = run.__doc__.replace("{tau}", _TAU_DOC)


def methods():
    """Every method of the library: a list of dicts, in the order of
    `fgattn methods`.

    Each has name, description and params, a list of dicts with key, type
    ("int", "real", "choice" or "string"), default (text), min and max (None
    for choices and strings), choices ("a|b|c", or the words a real
    parameter takes besides numbers; None if none), applies (None, or
    "key=v1|v2": meaningful only then) and doc.

    Example:
    >>> import fgattn
    >>> m = {m["name"]: m for m in fgattn.methods()}
    >>> [p["key"] for p in m["exact"]["params"]][:1]
    ['algo']
    """
    types = {lib.FGA_PARAM_INT: "int", lib.FGA_PARAM_REAL: "real",
             lib.FGA_PARAM_CHOICE: "choice"}
    result = []
    for i in range(lib.fga_method_count()):
        mi = lib.fga_method_info_at(i)
        params = []
        p = mi.params
        j = 0
        while p[j].key != ffi.NULL:
            pi = p[j]
            kind = types.get(pi.type, "string")
            numeric = kind in ("int", "real")
            params.append({"key": S.cstr(pi.key), "type": kind,
                           "default": S.cstr(getattr(pi, "def")),
                           "min": pi.min if numeric else None,
                           "max": pi.max if numeric else None,
                           "choices": S.cstr(pi.choices), "applies": S.cstr(pi.applies),
                           "doc": S.cstr(pi.doc)})
            j += 1
        result.append({"name": S.cstr(mi.name), "description": S.cstr(mi.description),
                       "params": params})
    return result


# ----------------------------------------------------------------------
# Metrics and tolerances


def _pair(truth_arr, approx, bf16):
    """truth and approx as float64 arrays of one shape, viewed as matrices
    (rows = the product of all axes but the last; a vector is a column)."""
    Ta = S.widen(truth_arr, "truth", bf16)
    Aa = S.widen(approx, "approx", bf16)
    if Ta.shape != Aa.shape:
        raise InputError("truth has shape %s but approx %s" % (Ta.shape, Aa.shape))
    if Ta.ndim == 0 or Ta.size == 0:
        raise InputError("truth has shape %s: nothing to compare" % (Ta.shape,))
    cols = Ta.shape[-1] if Ta.ndim >= 2 else 1
    return Ta, Aa, Ta.reshape(-1, cols), Aa.reshape(-1, cols)


def _tolerance(atol, rtol, ulps):
    """The fga_tolerance of the arguments, as `fgattn compare` reads
    --atol, --rtol and --ulps: either of atol and rtol alone sets the
    other to 0; ulps alone checks ulps only."""
    tol = ffi.new("fga_tolerance *")
    if atol is not None or rtol is not None:
        tol.use_bound = 1
        tol.atol = S.real(0.0 if atol is None else atol, "atol", lo=0.0) + 0.0
        tol.rtol = S.real(0.0 if rtol is None else rtol, "rtol", lo=0.0) + 0.0
    if ulps is not None:
        tol.use_ulps = 1
        tol.max_ulps = S.whole(ulps, "ulps", 0, 2 ** 64 - 1)
    return tol


def _metrics(T2, A2):
    t, tb = S.mat(T2)
    a, ab = S.mat(A2)
    mt = ffi.new("fga_metrics *")
    err = S.new_error()
    S.check(lib.fga_metrics_compute(mt, t, a, err), err)
    return {"max_abs": mt.max_abs, "rel_fro": mt.rel_fro, "mean_abs": mt.mean_abs,
            "max_ulps": mt.max_ulps, "ulps_over": int(mt.ulps_over),
            "ulps_left_out": int(mt.ulps_left_out), "rows": int(mt.rows),
            "cols": int(mt.cols)}


def _check_tolerance(T2, A2, tol):
    t, tb = S.mat(T2)
    a, ab = S.mat(A2)
    r = ffi.new("fga_tolerance_report *")
    err = S.new_error()
    S.check(lib.fga_metrics_check(r, t, a, tol, err), err)
    return r


def _directed(x, up):
    """x to 17 significant digits rounded up or down, exactly (Decimal holds
    every double): the error of a failing entry is printed rounded up and
    the bound it misses rounded down, as `fgattn compare` prints them."""
    if not math.isfinite(x):
        return repr(x)
    if x == 0:
        return "0"
    d = decimal.Decimal(x)
    q = decimal.Decimal(1).scaleb(d.adjusted() - 16)
    r = d.quantize(q, rounding=decimal.ROUND_CEILING if up else decimal.ROUND_FLOOR)
    return "%.16e" % r if abs(r.adjusted()) < 300 else format(r, ".16e")


def compare(truth, approx, atol=None, rtol=None, ulps=None, bf16=False):
    """The error metrics of approx against truth, as `fgattn compare` prints
    them: a dict.

    truth and approx: arrays of one shape (any number of axes; the metrics
    are over every entry).  float32, float16 and bfloat16 are widened
    exactly.  truth must be finite; so must approx unless a tolerance is
    given (then a NaN or infinite entry fails it).

    Keys: max_abs = max |approx - truth| (the measure of Alman and Song),
    rel_fro = ||approx - truth||_F / ||truth||_F, mean_abs, max_ulps (the
    largest number of doubles between an entry and its truth, over the
    entries where both are zero or both nonzero of the same sign), ulps_over
    (those entries) and ulps_left_out (the others: across zero the count of
    doubles says nothing of the error), rows and cols (of the array seen as a
    matrix, rows the product of all axes but the last).

    atol=None, rtol=None, ulps=None: tolerances, as `fgattn compare --atol
    --rtol --ulps`: an entry passes when |approx - truth| <= atol + rtol
    |truth| (decided exactly; either of atol and rtol alone sets the other
    to 0) and, with ulps, when it is at most ulps doubles from the truth.
    With any of them the dict also has failing, verdict ("pass" or "fail")
    and, when failing, worst_index (a tuple into the arrays), worst_approx,
    worst_truth, worst_error (rounded up), worst_bound (rounded down) and
    worst_ulps.  compare never raises for a failing tolerance:
    assert_attention_close does.

    Example:
    >>> import numpy as np, fgattn
    >>> fgattn.compare(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 2**-51]))["max_ulps"]
    1.0
    """
    Ta, Aa, T2, A2 = _pair(truth, approx, bf16)
    S.check_finite(Ta, "truth")
    tolerant = atol is not None or rtol is not None or ulps is not None
    if not tolerant:
        S.check_finite(Aa, "approx")
    tol = _tolerance(atol, rtol, ulps) if tolerant else None
    d = _metrics(T2, A2)
    if tolerant:
        r = _check_tolerance(T2, A2, tol)
        f = r.failing > 0
        d.update({"atol": tol.atol if tol.use_bound else None,
                  "rtol": tol.rtol if tol.use_bound else None,
                  "ulps_tol": int(tol.max_ulps) if tol.use_ulps else None,
                  "failing": int(r.failing), "verdict": "fail" if f else "pass"})
        if f:
            idx = np.unravel_index(r.row * T2.shape[1] + r.col, Ta.shape)
            d.update({"worst_index": tuple(int(k) for k in idx), "worst_approx": r.value,
                      "worst_truth": r.truth, "worst_error": r.error,
                      "worst_bound": r.bound if tol.use_bound else None,
                      "worst_ulps": None if r.nonfinite else int(r.ulps)})
    return d


def _criteria(tol):
    parts = []
    if tol.use_bound:
        parts.append("|out - truth| <= atol + rtol |truth|, atol = %r, rtol = %r"
                     % (tol.atol, tol.rtol))
    if tol.use_ulps:
        parts.append("at most %d ulps from the truth" % tol.max_ulps)
    return "; and ".join(parts)


def _report(r, tol, shape, cols, out_flat_E, metrics, tau_used, default_tau, err_msg):
    idx = tuple(int(k) for k in np.unravel_index(r.row * cols + r.col, shape))
    where = "out[%s]" % ", ".join(map(str, idx))
    pct = 100.0 * r.failing / r.entries
    lines = []
    if err_msg:
        lines.append(str(err_msg))
    lines += ["Not equal to fgattn's certified attention within tolerance",
              "(%s)" % _criteria(tol),
              "Mismatched entries: %d / %d (%.3g%%)" % (r.failing, r.entries, pct),
              "Worst entry: %s" % where,
              "  out            = %r" % r.value,
              "  truth          = %r   (correctly rounded; |truth - exact| <= %s, certified)"
              % (r.truth, _directed(out_flat_E, True))]
    if r.nonfinite:
        lines.append("  not finite: never within tolerance")
    else:
        lines.append("  |out - truth|  = %s   (rounded up)" % _directed(r.error, True))
        if tol.use_bound:
            miss = "  <- exceeded" if r.fails_bound else ""
            lines.append("  atol + rtol |truth| = %s   (rounded down)%s"
                         % (_directed(r.bound, False), miss))
        miss = "  <- exceeded" if r.fails_ulps else ""
        lines.append("  ulps           = %d%s" % (r.ulps, miss))
    lines.append("Over all entries: max |out - truth| = %s, rel. Frobenius error = %.3g, "
                 "max ulps = %.17g (over %d entries of equal sign)"
                 % (_directed(metrics["max_abs"], True), metrics["rel_fro"],
                    metrics["max_ulps"], metrics["ulps_over"]))
    note = ""
    if default_tau:
        note = (" (the default: PyTorch's scaled_dot_product_attention uses "
                "scale = 1/sqrt(d); pass scale= or tau='1/sqrt(d)')")
    lines.append("Scores: tau = %s%s" % (tau_used, note))
    return "\n".join(lines)


def assert_attention_close(out, Q, K, V, atol=None, rtol=None, ulps=None, tau=None, scale=None,
                           prec=128, bf16=False, workers=None, err_msg=""):
    """Raises AssertionError unless out is attention(Q, K, V) within
    tolerance of the certified truth, in the spirit of
    numpy.testing.assert_allclose.

    out (..., nq, dv): your kernel's output (float64, float32, float16 or
    bfloat16, widened exactly; NaN or infinite entries fail).  Q, K, V and
    the batch axes as for truth(); the truth is computed by truth() with
    bound=True.

    atol=None, rtol=None, ulps=None: an entry passes when
    |out - truth| <= atol + rtol |truth| (decided exactly) and, when ulps is
    given, when it is at most ulps doubles from the truth (counted across
    zero: near zero use atol).  With none of the three given the defaults
    are numpy's, rtol = 1e-7 and atol = 0.  As in `fgattn compare`, either
    of atol and rtol given alone sets the other to 0 (numpy keeps
    rtol = 1e-7 then), and ulps given alone checks ulps only.

    {tau}

    prec=128, bf16=False, workers=None: as for truth().
    err_msg="": put first in the report.

    The report names how many entries fail, the worst one (its index, your
    value, the truth with its certified bound, the error rounded up, the
    bound it missed rounded down, the distance in ulps), the largest error
    over all entries, and the tau used.  A shape of out other than
    (..., nq, dv) fails too.  Returns None when every entry passes.

    Example:
    >>> import numpy as np, fgattn
    >>> rng = np.random.default_rng(0)
    >>> Q, K, V = (rng.uniform(-1, 1, (128, 16)) for _ in range(3))
    >>> S = Q @ K.T / np.sqrt(16)
    >>> P = np.exp(S - S.max(axis=1, keepdims=True))
    >>> mine = (P / P.sum(axis=1, keepdims=True)) @ V
    >>> fgattn.assert_attention_close(mine, Q, K, V, scale=1 / np.sqrt(16), atol=1e-14, rtol=1e-12)
    """
    default_tau = tau is None and scale is None
    t = S.make_tau(tau, scale)
    if atol is None and rtol is None and ulps is None:
        atol, rtol = 0.0, 1e-7
    tol = _tolerance(atol, rtol, ulps)
    (Qa, Ka, Va), lead = S.attention_inputs(Q, K, V, bf16)
    Oa = S.widen(out, "out", bf16)
    want = lead + (Qa.shape[-2], Va.shape[-1])
    if Oa.shape != want:
        raise AssertionError("%s%sout has shape %s; attention of Q %s, K %s, V %s has shape %s"
                             % (err_msg, "\n" if err_msg else "", Oa.shape, Qa.shape, Ka.shape,
                                Va.shape, want))
    kw = {"scale": t.value} if t.kind == lib.FGA_TAU_VALUE else {"tau": S.tau_text(t)}
    T, E = truth(Qa, Ka, Va, prec=prec, bound=True, workers=workers, **kw)
    cols = T.shape[-1]
    T2, O2, E2 = T.reshape(-1, cols), Oa.reshape(-1, cols), E.reshape(-1, cols)
    r = _check_tolerance(T2, O2, tol)
    if r.failing == 0:
        return None
    metrics = _metrics(T2, O2)
    raise AssertionError(_report(r, tol, T.shape, cols, float(E2[r.row, r.col]), metrics,
                                 S.tau_text(t), default_tau, err_msg))


assert_attention_close.__doc__ = assert_attention_close.__doc__.replace("{tau}", _TAU_DOC)


def ulp_distance(a, b):
    """The number of doubles strictly between a and b, plus one if they
    differ: 0 when equal (+0 and -0 are equal), 1 for neighbours; the count
    runs across zero; +inf when either is NaN.  Arrays are taken entry by
    entry (broadcast) and give a float64 array.

    Example:
    >>> import fgattn
    >>> fgattn.ulp_distance(1.0, 1.0 + 2**-52)
    1.0
    """
    if np.ndim(a) == 0 and np.ndim(b) == 0:
        for x, name in ((a, "a"), (b, "b")):
            if isinstance(x, bool) or not isinstance(x, (int, float, np.floating, np.integer)):
                raise InputError("%s = %r: expected a real number" % (name, x))
        return lib.fga_ulp_distance(float(a), float(b))
    A, B = np.broadcast_arrays(S.widen(a, "a"), S.widen(b, "b"))
    return np.fromiter((lib.fga_ulp_distance(x, y) for x, y in zip(A.flat, B.flat)),
                       dtype=np.float64, count=A.size).reshape(A.shape)


# ----------------------------------------------------------------------
# Instances

_DISTS = ("uniform", "rademacher", "gaussian", "lowrank", "clustered")


class Instance(tuple):
    """(Q, K, V) as gen() draws them, with the arguments that drew them as
    attributes: B, Bv, dist, seed.  Unpacks as a tuple: Q, K, V = gen(...)."""

    def __new__(cls, Q, K, V, B, Bv, dist, seed):
        self = super().__new__(cls, (Q, K, V))
        self.B, self.Bv, self.dist, self.seed = B, Bv, dist, seed
        return self

    Q = property(lambda self: self[0])
    K = property(lambda self: self[1])
    V = property(lambda self: self[2])

    def __repr__(self):
        return ("Instance(Q %s, K %s, V %s, B=%r, Bv=%r, dist=%r, seed=%r)"
                % (self[0].shape, self[1].shape, self[2].shape, self.B, self.Bv, self.dist,
                   self.seed))


def _copy_mat(m):
    m = m[0]
    n = m.rows * m.cols
    a = np.frombuffer(ffi.buffer(m.data, 8 * n), dtype=np.float64).copy()
    return a.reshape(m.rows, m.cols)


def gen(n, d, B, nk=None, dv=None, Bv=None, dist="uniform", seed=1):
    """A random instance Q (n x d), K (nk x d), V (nk x dv), bit for bit what
    `fgattn gen` writes with the same arguments (GMP's random state: the
    same seed gives the same bits on every machine).

    B: the bound on the entries of Q and K (positive).
    nk=None: defaults to n.  dv=None: defaults to d.
    Bv=None: the bound on V's entries, default B.
    dist="uniform": the law of Q and K -- "uniform" (on [-B, B)),
      "rademacher" (+-B), "gaussian" (N(0, (B/3)^2) clipped to [-B, B]),
      "lowrank" (rank 2 plus noise) or "clustered" (8 centres); V is drawn by
      the same law for the first three, uniformly for the other two
      (theory/families.md gives the formulas).
    seed=1: 0 .. 2^63 - 1.

    Returns an Instance: a tuple (Q, K, V) of float64 arrays, with the
    attributes B, Bv, dist and seed.

    Example:
    >>> import fgattn
    >>> Q, K, V = fgattn.gen(512, 16, 3.0, seed=1)   # fgattn gen -n 512 -d 16 -B 3 --seed 1
    >>> Q.shape, float(abs(Q).max()) <= 3
    ((512, 16), True)
    """
    n = S.whole(n, "n", 1)
    d = S.whole(d, "d", 1)
    nk = n if nk is None else S.whole(nk, "nk", 1)
    dv = d if dv is None else S.whole(dv, "dv", 1)
    B = S.real(B, "B", positive=True)
    Bv = B if Bv is None else S.real(Bv, "Bv", positive=True)
    seed = S.whole(seed, "seed", 0, 2 ** 63 - 1)
    err = S.new_error()
    dp = ffi.new("fga_dist *")
    if not isinstance(dist, str):
        raise InputError("dist = %r: expected one of %s" % (dist, ", ".join(_DISTS)))
    S.check(lib.fga_dist_parse(dp, dist.encode(), err), err, "dist: ")
    S.check_memory(8.0 * (n * d + nk * d + nk * dv),
                   "n = %d, nk = %d, d = %d, dv = %d: the instance" % (n, nk, d, dv))
    inst = ffi.new("fga_instance_struct *")
    lib.fga_instance_init(inst)
    try:
        rc = lib.fga_instance_generate(inst, n, nk, d, dv, B, Bv, dp[0], seed, err)
        S.check(rc, err)
        Q, K, V = (_copy_mat(m) for m in (inst.Q, inst.K, inst.V))
    finally:
        lib.fga_instance_clear(inst)
    return Instance(Q, K, V, B, Bv, dist, seed)


# ----------------------------------------------------------------------
# The attention matrix and its rank


def attention_matrix(Q, K, tau=None, scale=None, bf16=False, workers=None):
    """P = softmax(tau Q K^T), explicitly: (..., nq, nk), float64.

    Every entry within a relative u (2 (d + 3) R + nk + 4) of the exact one
    (u = 2^-53, R the largest |score|; the library's bound), any finite
    scores handled.

    {tau}

    Example:
    >>> import numpy as np, fgattn
    >>> Q, K, V = fgattn.gen(64, 8, 1.0)
    >>> P = fgattn.attention_matrix(Q, K)
    >>> bool(np.allclose(P.sum(axis=1), 1))
    True
    """
    t = S.make_tau(tau, scale)
    (Qa, Ka), lead = S.attention_inputs(Q, K, None, bf16)
    count, nq, nk, d = _count(lead), Qa.shape[-2], Ka.shape[-2], Qa.shape[-1]
    S.check_memory(8.0 * count * nq * nk, "the attention matrix P, %d x %d" % (nq, nk))
    P = np.empty(lead + (nq, nk))
    Q3, K3, P3 = (_flat(a, count) for a in (Qa, Ka, P))
    tau_d = lib.fga_tau_double(t, d)

    def item(i):
        p, pb = S.mat(P3[i])
        q, qb = S.mat(Q3[i])
        k, kb = S.mat(K3[i])
        err = S.new_error()
        S.check(lib.fga_attention_matrix(p, ffi.NULL, q, k, tau_d, ffi.NULL, err), err,
                S.item_prefix(lead, i))

    S.for_each(count, item, workers)
    return P


attention_matrix.__doc__ = attention_matrix.__doc__.replace("{tau}", _TAU_DOC)


def singular_values(Q, K, tau=None, scale=None, bf16=False, workers=None):
    """The min(nq, nk) singular values of P = softmax(tau Q K^T), decreasing:
    P formed, then LAPACK's dgesdd (as `fgattn rank --algo dense`).

    {tau}

    Returns a float64 array (..., min(nq, nk)).

    Example:
    >>> import fgattn
    >>> Q, K, V = fgattn.gen(64, 8, 1.0)
    >>> s = fgattn.singular_values(Q, K)
    >>> bool(s[0] >= 1 - 1e-12)     # P is row-stochastic, so sigma_1 >= 1
    True
    """
    t = S.make_tau(tau, scale)
    (Qa, Ka), lead = S.attention_inputs(Q, K, None, bf16)
    count, nq, nk, d = _count(lead), Qa.shape[-2], Ka.shape[-2], Qa.shape[-1]
    S.check_memory(16.0 * min(count, S.default_workers(count)) * nq * nk,
                   "the attention matrix P, %d x %d, and its SVD" % (nq, nk))
    r = min(nq, nk)
    sig = np.empty(lead + (r,))
    Q3, K3, s2 = _flat(Qa, count), _flat(Ka, count), sig.reshape(count, r)
    tau_d = lib.fga_tau_double(t, d)

    def item(i):
        q, qb = S.mat(Q3[i])
        k, kb = S.mat(K3[i])
        err = S.new_error()
        S.check(lib.fga_attention_singular_values(ffi.from_buffer("double[]", s2[i]), q, k,
                                                  tau_d, ffi.NULL, err), err,
                S.item_prefix(lead, i))

    S.for_each(count, item, workers)
    return sig


singular_values.__doc__ = singular_values.__doc__.replace("{tau}", _TAU_DOC)

_AUTO_DENSE_MAX = 4096


def _tol_values(tol, nk):
    items = list(tol) if isinstance(tol, (list, tuple)) else [tol]
    if not items:
        raise InputError("tol: an empty list")
    out = []
    for x in items:
        if isinstance(x, str):
            if x != "1/n":
                raise InputError("tol = %r: a tolerance is '1/n' or a non-negative number" % x)
            out.append((x, 1.0 / nk))
        else:
            out.append((x, S.real(x, "tol", lo=0.0)))
    return out


def rank(Q, K, tau=None, scale=None, tol="1/n", algo="auto", kmax=1024, seed=1, bf16=False):
    """The numerical rank of P = softmax(tau Q K^T): the number of its
    singular values above tol, as `fgattn rank` computes it.

    Q (nq, d), K (nk, d): one instance (no batch axes).
    {tau}
    tol="1/n": a non-negative number or "1/n" (meaning 1/nk), or a list.
    algo="auto": "dense" forms P and takes every singular value by LAPACK;
      "randomized" never forms P (a randomized range finder streams it in
      tiles, every rank certified by a posteriori bounds, wrong with
      probability below 1e-10); "auto" is dense when nq and nk are both
      <= 4096.
    kmax=1024: randomized: the largest rank resolved.  seed=1: randomized:
      the seed of its random vectors.

    Returns a dict (a list of dicts when tol is a list): tol, tol_value,
    rank, rank_max = min(nq, nk), sigma_1, sigma_min (NaN for randomized),
    algo, censored (True: the rank is a lower bound -- above kmax, or a
    singular value too close to tol to decide within the budget), rank_hi
    (an upper bound), sigma_next (sigma_{rank+1}; 0 when rank = rank_max).

    Example:
    >>> import fgattn
    >>> Q, K, V = fgattn.gen(128, 8, 0.5, seed=2)
    >>> fgattn.rank(Q, K, tol=1e-3)["rank"] < 128
    True
    """
    t = S.make_tau(tau, scale)
    (Qa, Ka), lead = S.attention_inputs(Q, K, None, bf16)
    if lead:
        raise InputError("rank takes one instance: Q has shape %s (no batch axes)"
                         % (Qa.shape,))
    nq, nk, d = Qa.shape[0], Ka.shape[0], Qa.shape[1]
    tols = _tol_values(tol, nk)
    if algo not in ("auto", "dense", "randomized"):
        raise InputError("algo = %r: expected auto, dense or randomized" % (algo,))
    kmax = S.whole(kmax, "kmax", 1)
    seed = S.whole(seed, "seed", 0, 2 ** 64 - 1)
    if algo == "auto":
        algo = "dense" if nq <= _AUTO_DENSE_MAX and nk <= _AUTO_DENSE_MAX else "randomized"
    tau_d = lib.fga_tau_double(t, d)
    r = min(nq, nk)
    q, qb = S.mat(Qa)
    k, kb = S.mat(Ka)
    err = S.new_error()
    rows = []
    if algo == "dense":
        S.check_memory(16.0 * nq * nk, "the attention matrix P, %d x %d, and its SVD" % (nq, nk))
        sig = np.empty(r)
        S.check(lib.fga_attention_singular_values(ffi.from_buffer("double[]", sig), q, k,
                                                  tau_d, ffi.NULL, err), err)
        for text, value in tols:
            rk = int(lib.fga_numerical_rank(ffi.from_buffer("double[]", sig), r, value))
            rows.append({"tol": text, "tol_value": value, "rank": rk, "rank_max": r,
                         "sigma_1": float(sig[0]), "sigma_min": float(sig[-1]),
                         "algo": "dense", "censored": False, "rank_hi": rk,
                         "sigma_next": float(sig[rk]) if rk < r else 0.0})
    else:
        n = len(tols)
        tv = np.array([v for _, v in tols])
        est = ffi.new("fga_rank_estimate[]", n)
        opts = ffi.new("fga_rank_opts *", {"kmax": kmax, "seed": seed})
        st = ffi.new("fga_stats *")
        lib.fga_stats_init(st)
        S.check(lib.fga_attention_rank_randomized(est, ffi.from_buffer("double[]", tv), n, q, k,
                                                  tau_d, opts, st, err), err)
        s1 = lib.fga_stats_get(st, b"sigma_1")
        for j, (text, value) in enumerate(tols):
            rows.append({"tol": text, "tol_value": value, "rank": int(est[j].rank),
                         "rank_max": r, "sigma_1": s1, "sigma_min": float("nan"),
                         "algo": "randomized", "censored": bool(est[j].censored),
                         "rank_hi": int(est[j].rank_hi), "sigma_next": est[j].sigma_next})
    return rows if isinstance(tol, (list, tuple)) else rows[0]


rank.__doc__ = rank.__doc__.replace("{tau}", _TAU_DOC)
