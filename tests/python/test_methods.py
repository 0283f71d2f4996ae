# test_methods.py -- run, methods, compare and assert_attention_close

import json
import re

import numpy as np
import pytest

import fgattn
from conftest import bits

INST = fgattn.gen(96, 8, 2.0, dv=5, seed=4)


def test_methods_lists_the_registry(cli_json):
    """methods() holds what `fgattn methods` prints, parameter by parameter."""
    ms = fgattn.methods()
    names = [m["name"] for m in ms]
    assert "exact" in names and "poly" in names
    rows = cli_json("methods")
    assert {r["method"] for r in rows} == {m["name"] for m in ms if m["params"]}
    for r in rows:
        m = ms[names.index(r["method"])]
        assert m["description"] == r["description"]
        p = next(p for p in m["params"] if p["key"] == r["parameter"])
        assert p["doc"] == r["doc"]
        if p["type"] == "string":
            continue
        assert p["type"] == r["type"]
        assert p["default"] == str(r["default"]) or float(p["default"]) == r["default"]
        if p["type"] in ("int", "real"):
            assert p["min"] == r["min"] and p["max"] == r["max"]


SPECS = ["exact:algo=naive", "exact:algo=stream", "exact:algo=blas", "exact:algo=mpfr",
         "poly:basis=cheb,eps=1e-6", "rf:m=64,kind=pos,seed=3", "nystrom:m=16",
         "svd:k=8", "window:w=8", "tsketch:deg=4,m=64,seed=2"]


@pytest.mark.parametrize("spec", SPECS)
def test_run_is_the_programs(cli, tmp_path, spec):
    """run() and `fgattn run -o --stats` on the same instance: the same output
    bits and the same counts."""
    Q, K, V = INST
    d = tmp_path / "inst"
    cli("gen", "-n", 96, "-d", 8, "--dv", 5, "-B", 2, "--seed", 4, "-o", d)
    cli("run", "-i", d, "--method", spec, "-o", tmp_path / "o.npy", "--stats",
        tmp_path / "s.json")
    out, st = fgattn.run(spec, Q, K, V, B=INST.B, Bv=INST.Bv)
    assert out.shape == (96, 5)
    want = np.load(tmp_path / "o.npy")
    cst = json.load(open(tmp_path / "s.json"))
    if spec not in ("exact:algo=stream", "exact:algo=blas", "tsketch:deg=4,m=64,seed=2"):
        # the threaded kernels may split sums differently from run to run
        assert (bits(out) == bits(want)).all()
    else:
        assert np.allclose(out, want, rtol=1e-12, atol=1e-12)
    for k in ("mul", "add", "exp", "div", "cmp"):
        assert st[k] == cst["ops"][k], k
    for k in ("method", "tau", "tau_value", "B", "Bv", "R", "threads", "notes"):
        assert st[k] == cst[k], k
    for k, v in cst["figures"].items():
        assert st[k] == v or (np.isnan(st[k]) and v is None), k
    if spec.startswith("rf:"):
        # a named value by its name, in Python as in the program's record
        assert st["kind"] == cst["figures"]["kind"] == "pos"
    assert st["method"].split(":")[0] == spec.split(":")[0]
    assert st["wall_seconds"] >= 0 and st["peak_bytes"] >= 0


def test_exact_methods_against_the_truth():
    Q, K, V = INST
    for spec in ("exact:algo=naive", "exact:algo=stream", "exact:algo=blas"):
        out, st = fgattn.run(spec, Q, K, V)
        fgattn.assert_attention_close(out, Q, K, V, atol=1e-14, rtol=1e-12, err_msg=spec)
    out, st = fgattn.run("exact:algo=mpfr", Q, K, V)
    fgattn.assert_attention_close(out, Q, K, V, ulps=0)


def test_run_lse_and_batch():
    rng = np.random.default_rng(2)
    Q, K, V = (rng.uniform(-1, 1, (2, 3, 10, 4)) for _ in range(3))
    out, lse, stats = fgattn.run("exact:algo=naive", Q, K, V, lse=True)
    assert out.shape == (2, 3, 10, 4) and lse.shape == (2, 3, 10)
    assert isinstance(stats, list) and len(stats) == 6
    T, L = fgattn.truth(Q, K, V, lse=True)
    assert np.allclose(out, T, atol=1e-15) and np.allclose(lse, L, atol=1e-14)
    for i in range(2):
        for j in range(3):
            o, s = fgattn.run("exact:algo=naive", Q[i, j], K[i, j], V[i, j])
            assert (bits(o) == bits(out[i, j])).all()
            assert s["mul"] == stats[i * 3 + j]["mul"]


def _ulps(a, b):
    """Doubles between a and b of the same sign, by their bit patterns."""
    ia, ib = np.abs(a).view(np.int64), np.abs(b).view(np.int64)
    return np.abs(ia - ib)


def test_compare_against_numpy():
    rng = np.random.default_rng(8)
    t = rng.uniform(-1, 1, (7, 5))
    a = t + rng.normal(0, 1e-12, t.shape)
    a[0, 0] = -t[0, 0]                 # a sign flip: left out of max_ulps
    a[1, 1] = t[1, 1]                  # equal
    m = fgattn.compare(t, a)
    e = np.abs(a - t)
    assert m["max_abs"] == e.max()
    assert np.isclose(m["rel_fro"], np.linalg.norm(a - t) / np.linalg.norm(t), rtol=1e-14)
    assert np.isclose(m["mean_abs"], e.mean(), rtol=1e-14)
    same = np.sign(a) == np.sign(t)
    assert m["ulps_left_out"] == (~same).sum() == 1
    assert m["ulps_over"] == same.sum()
    assert m["max_ulps"] == _ulps(a[same], t[same]).max()
    assert (m["rows"], m["cols"]) == (7, 5)
    # tolerances: the failing entries are those numpy counts
    r = fgattn.compare(t, a, atol=1e-13, rtol=0)
    assert r["failing"] == (e > 1e-13).sum()
    w = r["worst_index"]
    assert r["worst_approx"] == a[w] and r["worst_truth"] == t[w]
    assert r["worst_error"] >= e[w] and r["worst_bound"] <= 1e-13
    ok = fgattn.compare(t, a, atol=1.0)
    assert ok["verdict"] == "pass" and ok["failing"] == 0
    # any shape: the metrics of every entry
    m3 = fgattn.compare(t.reshape(7, 5, 1), a.reshape(7, 5, 1))
    assert m3["max_abs"] == m["max_abs"] and m3["rows"] == 35


def test_compare_is_the_programs(cli_json, tmp_path):
    rng = np.random.default_rng(9)
    t = rng.uniform(-1, 1, (6, 4))
    a = (t + rng.normal(0, 1e-9, t.shape)).astype(np.float32)
    np.save(tmp_path / "t.npy", t)
    np.save(tmp_path / "a.npy", a)
    want = cli_json("compare", tmp_path / "t.npy", tmp_path / "a.npy")
    got = fgattn.compare(t, a)
    for k in ("max_abs", "rel_fro", "mean_abs", "max_ulps", "ulps_over", "ulps_left_out"):
        assert got[k] == want[k], k


def test_assert_attention_close_reports():
    Q, K, V = INST
    T = fgattn.truth(Q, K, V)
    fgattn.assert_attention_close(T, Q, K, V, ulps=0)
    bad = T.copy()
    bad[17, 3] += 1e-9
    bad[40, 1] += 1e-12
    with pytest.raises(AssertionError) as e:
        fgattn.assert_attention_close(bad, Q, K, V, atol=1e-13, err_msg="my kernel")
    msg = str(e.value)
    assert msg.startswith("my kernel")
    assert "Mismatched entries: 2 / 480" in msg
    assert "out[17, 3]" in msg
    assert repr(bad[17, 3]) in msg and repr(T[17, 3]) in msg
    assert re.search(r"\|truth - exact\| <= [0-9.e-]+, certified", msg)
    assert "ulps" in msg and "tau = 1/d (the default" in msg
    # the default tolerances are numpy's (rtol = 1e-7): 1e-9 passes on entries near 0.1
    small = T.copy()
    small[5, 0] *= 1 + 1e-9
    fgattn.assert_attention_close(small, Q, K, V)
    # a NaN never passes; the shape must be that of attention
    nan = T.copy()
    nan[2, 2] = np.nan
    with pytest.raises(AssertionError, match="not finite"):
        fgattn.assert_attention_close(nan, Q, K, V, atol=1.0)
    with pytest.raises(AssertionError, match="shape"):
        fgattn.assert_attention_close(T[:, :4], Q, K, V)


def test_assert_attention_close_in_a_batch_with_scale():
    """The worst entry's index includes the batch axes; scale= is used, and
    a kernel with PyTorch's scaling passes only with it."""
    rng = np.random.default_rng(4)
    Q, K, V = (rng.uniform(-1, 1, (2, 3, 12, 4)) for _ in range(3))
    S = Q @ np.swapaxes(K, -1, -2) / np.sqrt(4)
    P = np.exp(S - S.max(axis=-1, keepdims=True))
    mine = (P / P.sum(axis=-1, keepdims=True)) @ V
    fgattn.assert_attention_close(mine, Q, K, V, scale=1 / np.sqrt(4), atol=1e-15, rtol=1e-13)
    fgattn.assert_attention_close(mine, Q, K, V, tau="1/sqrt(d)", atol=1e-15, rtol=1e-13)
    with pytest.raises(AssertionError, match="scale = 1/sqrt"):
        fgattn.assert_attention_close(mine, Q, K, V, atol=1e-15, rtol=1e-13)
    mine[1, 2, 7, 3] += 1e-6
    with pytest.raises(AssertionError, match=r"out\[1, 2, 7, 3\]"):
        fgattn.assert_attention_close(mine, Q, K, V, scale=0.5, atol=1e-15, rtol=1e-13)
    # float32 output widened exactly, judged with a float32 tolerance
    fgattn.assert_attention_close(mine.astype(np.float32), Q, K, V, scale=0.5, rtol=1e-5,
                                  atol=1e-5)
