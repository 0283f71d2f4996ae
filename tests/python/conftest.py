# conftest.py -- what the Python suite shares: the program, its JSON, an independent truth in mpmath

import json
import os
import subprocess
from fractions import Fraction

import numpy as np
import pytest


def _program():
    path = os.environ.get("FGATTN")
    if path is None and os.environ.get("FGA_BUILDDIR"):
        path = os.path.join(os.environ["FGA_BUILDDIR"], "src", "cli", "fgattn")
    return path


@pytest.fixture(scope="session")
def cli():
    """fgattn(*args): runs the program, returns its stdout; fails the test on
    a non-zero status."""
    path = _program()
    if path is None or not os.access(path, os.X_OK):
        pytest.skip("the fgattn program is not built (FGATTN unset)")

    def run(*args, cwd=None):
        p = subprocess.run([path] + [str(a) for a in args], cwd=cwd, capture_output=True,
                           text=True, timeout=120)
        assert p.returncode == 0, "fgattn %s: exit %d: %s" % (" ".join(map(str, args)),
                                                              p.returncode, p.stderr)
        return p.stdout

    return run


@pytest.fixture(scope="session")
def cli_json(cli):
    """fgattn(*args, "--format", "json") parsed."""
    def run(*args, cwd=None):
        return json.loads(cli(*args, "--format", "json", cwd=cwd))
    return run


def bits(a):
    """The bit patterns of a float64 array: equality of these is identity
    of the doubles (-0 and 0 differ, NaN equals itself)."""
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def nearest_double(x):
    """The double nearest to the mpmath number x, ties to even, exactly: x
    is a binary fraction man 2^exp, and Python's int / int (Fraction's
    float) is correctly rounded, subnormals included."""
    import mpmath
    x = mpmath.mpf(x)
    if x == 0:
        return 0.0
    sign, man, exp, _ = x._mpf_
    return float(Fraction((-1) ** sign * int(man)) * Fraction(2) ** int(exp))


def mp_attention(Q, K, V, tau, prec=800, lse=False):
    """softmax(tau Q K^T) V in mpmath at prec bits, each entry rounded to the
    nearest double once: an independent route to the truth.  The scores are exact (the
    products of doubles and their sums fit prec bits at the sizes used),
    so the result is within 2^(10 - prec) relative of the exact value
    before its one rounding.  tau: a double, or a function giving the
    mpmath number at the working precision (lambda: 1 / mpmath.sqrt(8))."""
    import mpmath
    with mpmath.workprec(prec):
        tau = tau() if callable(tau) else mpmath.mpf(tau)
        nq, nk, dv = Q.shape[0], K.shape[0], V.shape[1]
        out = np.empty((nq, dv))
        lses = np.empty(nq)
        Vm = [[mpmath.mpf(float(V[j, c])) for c in range(dv)] for j in range(nk)]
        for i in range(nq):
            s = [tau * mpmath.fsum(mpmath.mpf(float(a)) * mpmath.mpf(float(b))
                                   for a, b in zip(Q[i], K[j])) for j in range(nk)]
            m = max(s)
            w = [mpmath.exp(x - m) for x in s]
            tot = mpmath.fsum(w)
            for c in range(dv):
                out[i, c] = nearest_double(mpmath.fsum(wj * Vm[j][c] for j, wj in enumerate(w))
                                           / tot)
            lses[i] = nearest_double(m + mpmath.log(tot))
        return (out, lses) if lse else out
