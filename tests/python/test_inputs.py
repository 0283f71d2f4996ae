# test_inputs.py -- bad input raises the right exception, with a message; nothing crashes

import numpy as np
import pytest

import fgattn

Q, K, V = fgattn.gen(6, 3, 1.0, seed=2)


def with_nonfinite(a, value, where=(1, 2)):
    b = a.copy()
    b[where] = value
    return b


BAD = {
    "1-D Q": ((Q[0], K, V), "must be a matrix"),
    "0-D V": ((Q, K, np.float64(1.0)), "must be a matrix"),
    "mismatched d": ((Q, K[:, :2], V), "d = 3 columns"),
    "mismatched nk": ((Q, K, V[:4]), "nk = 6 rows"),
    "NaN in Q": ((with_nonfinite(Q, np.nan), K, V), r"Q\[1, 2\] is nan"),
    "Inf in K": ((Q, with_nonfinite(K, np.inf), V), r"K\[1, 2\] is inf"),
    "-Inf in V": ((Q, K, with_nonfinite(V, -np.inf)), r"V\[1, 2\] is -inf"),
    "no rows": ((Q[:0], K, V), "empty"),
    "no columns": ((Q[:, :0], K[:, :0], V), "empty"),
    "object dtype": ((Q.astype(object), K, V), "dtype object refused"),
    "int64": ((np.ones((6, 3), dtype=np.int64), K, V), "dtype int64 refused"),
    "uint16 without bf16": ((Q, K, np.ones((6, 3), dtype=np.uint16)), "pass bf16=True"),
    "bool": ((Q, K, np.ones((6, 3), dtype=bool)), "dtype bool refused"),
    "complex": ((Q.astype(complex), K, V), "dtype complex128 refused"),
    "text": ((np.full((6, 3), "a"), K, V), "refused"),
    "leading axes": ((np.stack([Q, Q]), np.stack([K, K, K]), np.stack([V, V, V])),
                     "leading"),
    "ragged": (([[1.0, 2.0], [3.0]], K, V), ""),
}


@pytest.mark.parametrize("name", list(BAD))
@pytest.mark.parametrize("fn", ["truth", "run", "assert"])
def test_bad_input_is_a_value_error(name, fn):
    (q, k, v), pattern = BAD[name]
    with pytest.raises(ValueError, match=pattern) as e:
        if fn == "truth":
            fgattn.truth(q, k, v)
        elif fn == "run":
            fgattn.run("exact:algo=naive", q, k, v)
        else:
            fgattn.assert_attention_close(np.zeros((6, 3)), q, k, v)
    assert isinstance(e.value, fgattn.InputError)


@pytest.mark.parametrize("kw,pattern", [
    ({"tau": -1.0}, "positive"), ({"tau": 0.0}, "positive"), ({"tau": float("nan")}, "finite"),
    ({"tau": float("inf")}, "finite"), ({"tau": "abc"}, "tau"), ({"scale": "1/d"}, "number"),
    ({"tau": True}, "real number"), ({"tau": 2 ** 60 + 1}, "not exactly a double"),
    ({"tau": 10 ** 400}, "finite"), ({"scale": [0.5]}, "real number"),
    ({"tau": 1.0, "scale": 1.0}, "not both"), ({"prec": 63}, "prec"),
    ({"prec": 1.5}, "whole number"), ({"workers": 0}, "workers")])
def test_bad_keywords(kw, pattern):
    with pytest.raises(ValueError, match=pattern):
        fgattn.truth(Q, K, V, **kw)


def test_method_specs_are_checked_by_the_library():
    with pytest.raises(ValueError, match="nosuch") as e:
        fgattn.run("nosuch", Q, K, V)
    assert e.value.code == -1          # FGA_ERR_INPUT
    with pytest.raises(ValueError, match="m="):
        fgattn.run("rf:m=0", Q, K, V)
    with pytest.raises(ValueError, match="callable"):
        fgattn.run(lambda q, k, v: v, Q, K, V)
    with pytest.raises(ValueError):
        fgattn.run(3, Q, K, V)


def test_compare_refuses():
    t = np.ones((3, 2))
    with pytest.raises(ValueError, match="shape"):
        fgattn.compare(t, np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"truth\[0, 1\] is nan"):
        fgattn.compare(with_nonfinite(t, np.nan, (0, 1)), t)
    # a NaN in approx: refused without tolerances, a failure with them
    bad = with_nonfinite(t, np.nan, (2, 0))
    with pytest.raises(ValueError, match="approx"):
        fgattn.compare(t, bad)
    r = fgattn.compare(t, bad, atol=1.0)
    assert r["verdict"] == "fail" and r["worst_index"] == (2, 0) and r["worst_ulps"] is None
    with pytest.raises(ValueError, match="atol"):
        fgattn.compare(t, t, atol=-1.0)
    with pytest.raises(ValueError, match="nothing"):
        fgattn.compare(np.ones((0, 2)), np.ones((0, 2)))


def test_exceptions_and_codes():
    """Every error of fgattn is an fgattn.Error with the library's status, and
    a subclass of the usual builtin."""
    assert issubclass(fgattn.InputError, ValueError)
    assert issubclass(fgattn.ComputeError, RuntimeError)
    assert issubclass(fgattn.IOFailure, RuntimeError)
    assert issubclass(fgattn.OutOfMemory, MemoryError)
    for cls in (fgattn.InputError, fgattn.ComputeError, fgattn.IOFailure, fgattn.OutOfMemory):
        assert issubclass(cls, fgattn.Error)
    with pytest.raises(fgattn.OutOfMemory):
        fgattn.gen(2 ** 40, 2 ** 20, 1.0)
    with pytest.raises(ValueError, match="dist"):
        fgattn.gen(4, 2, 1.0, dist="cauchy")
    with pytest.raises(ValueError, match="seed"):
        fgattn.gen(4, 2, 1.0, seed=2 ** 63)
    with pytest.raises(ValueError, match="B"):
        fgattn.gen(4, 2, 0.0)


def test_long_double_only_when_exact():
    ld = np.longdouble
    if np.finfo(ld).nmant <= 52:
        pytest.skip("long double is double here")
    q = Q.astype(ld)
    assert (fgattn.truth(q, K, V) == fgattn.truth(Q, K, V)).all()
    q[0, 0] += ld(2) ** -60
    with pytest.raises(ValueError, match="not exactly a double"):
        fgattn.truth(q, K, V)


class FakeTensor:
    """What the bindings use of a torch tensor, without torch."""

    def __init__(self, a):
        self.a = a
        self.dtype = "torch.float32"

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.a


def test_tensor_like_objects():
    q32, k32, v32 = (a.astype(np.float32) for a in (Q, K, V))
    want = fgattn.truth(q32, k32, v32)
    got = fgattn.truth(FakeTensor(q32), FakeTensor(k32), FakeTensor(v32))
    assert (got == want).all()
    # lists (anything numpy.asarray reads)
    assert (fgattn.truth(Q.tolist(), K.tolist(), V.tolist()) == fgattn.truth(Q, K, V)).all()
