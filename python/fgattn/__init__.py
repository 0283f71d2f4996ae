# fgattn -- Python bindings of libfgattn, the fine-grained complexity of softmax attention

"""fgattn: certified softmax attention for numpy (and PyTorch) users.

Attention here is Att = D^{-1} A V with A = exp(tau Q K^T), D = diag(A 1),
Q (nq x d), K (nk x d), V (nk x dv).  fgattn.truth() returns every entry of
Att as the double nearest to the exact real number, proved by a per-entry
error bound: the ground truth to measure your own kernels against.

THE SCORE SCALE.  Every function that computes scores takes tau= or scale=
(S = tau Q K^T; scale is PyTorch's name).  With neither, tau = 1/d: the
convention of Alman and Song and of the fgattn program -- not PyTorch's
scaled_dot_product_attention, whose default is scale = 1/sqrt(d).  For
PyTorch's, pass scale=1/math.sqrt(d) (that double exactly) or
tau="1/sqrt(d)" (the exact real 1/sqrt(d)).

Functions (each has a docstring with an example and its defaults):

  truth(Q, K, V, tau=, scale=, prec=128, bound=False)   the certified output
  assert_attention_close(out, Q, K, V, atol=, rtol=, ulps=, tau=, scale=)
                                 AssertionError with a report unless out is close
  compare(truth, approx, atol=, rtol=, ulps=)            error metrics, a dict
  run(method, Q, K, V, tau=, scale=)                     (output, stats) of a method
  register_method(name, fn, size=), unregister_method(name)
                                 a Python function fn(Q, K, V, tau, size) as a method
  methods()                                              every method and parameter
  gen(n, d, B, dist=, seed=)                             Q, K, V as `fgattn gen` draws them
  attention_matrix(Q, K), singular_values(Q, K)          P = softmax(tau Q K^T), its SVD
  rank(Q, K, tol=, algo=)                                numerical rank of P, certified
  expfit(R, eps, basis=)                                 least degree of exp's polynomial
  plan(n, d, B, eps), plan_table(law=, beta=, eps=)      poly's cost model, asymptotics
  analyze(mech, n, d, ...)                               exact counts, memory, depth
  sweep(config, outdir, jobs=, methods=)                 run a sweep configuration file
  ulp_distance(a, b), version()

Arrays: numpy in, numpy float64 out.  float64 C-contiguous inputs are used
in place (no copy); float32, float16 and bfloat16 (uint16/int16 bits with
bf16=True, ml_dtypes' bfloat16, or a torch bfloat16 tensor) are widened
exactly; other layouts are copied; read-only arrays are fine.  Integer
arrays are refused (convert them yourself: a uint16 array of bfloat16 bits
read as integers would be a silently different problem).  Leading axes
(..., n, d) are a batch, computed item by item in a pool of threads (the
library's own threads held at one per item meanwhile).  torch tensors are
accepted (detached, moved to the CPU); torch is never imported.

Errors: fgattn.InputError (a ValueError) for bad input -- shapes, dtypes,
NaN or infinite entries, parameters --, fgattn.ComputeError (a
RuntimeError) when a computation cannot reach its guarantee,
fgattn.IOFailure (a RuntimeError) when a file cannot be written,
fgattn.OutOfMemory (a MemoryError).  Each carries the library's message and
its status in .code.

Threads: every call releases the GIL while the library works; different
calls may run in different threads at once.
"""

from . import _support
from ._support import Error, InputError, ComputeError, IOFailure, OutOfMemory
from ._attention import (truth, run, methods, compare, assert_attention_close, ulp_distance,
                         gen, Instance, attention_matrix, singular_values, rank,
                         register_method, unregister_method)
from ._models import expfit, plan, plan_table, analyze
from ._sweep import sweep

__version__ = _support.cstr(_support.lib.fga_version())


def version():
    """The version of libfgattn the bindings are linked with, e.g. "0.1.0".

    Example:
    >>> import fgattn
    >>> fgattn.version() == fgattn.__version__
    True
    """
    return _support.cstr(_support.lib.fga_version())


__all__ = ["truth", "assert_attention_close", "compare", "run", "register_method",
           "unregister_method", "methods", "gen", "Instance",
           "attention_matrix", "singular_values", "rank", "expfit", "plan", "plan_table",
           "analyze", "sweep", "ulp_distance", "version", "Error", "InputError",
           "ComputeError", "IOFailure", "OutOfMemory"]
