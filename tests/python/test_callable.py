# test_callable.py -- Python functions as methods: run(), sweeps, failures, interrupts, names
#
# The method here is exact attention computed in numpy plus 2^-m added to one
# entry: its error against the certified truth is 2^-m up to numpy's rounding
# (below 1e-15 at these sizes), so the least m within 1e-3 is 10 and within
# 1e-6 is 20 (2^-10 <= 1e-3 < 2^-9, 2^-20 <= 1e-6 < 2^-19), known before
# anything runs.

import csv
import threading

import numpy as np
import pytest

import fgattn

NOISE = 1e-15


def attention(Q, K, V, tau):
    S = tau * (Q @ K.T)
    P = np.exp(S - S.max(axis=1, keepdims=True))
    return (P / P.sum(axis=1, keepdims=True)) @ V


def perturbed(Q, K, V, tau, m):
    out = attention(Q, K, V, tau)
    if m:
        out[0, 0] += 2.0 ** -m
    return out


CONF = """[grid]
n = 16
d = 3
B = 0.5, 2
seeds = 1, 2

[method mine]
spec = mine       ; the function given to sweep()
size = m
sizes = 4, 5, 12
targets = 1e-3, 1e-6
max_size = 64
"""


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def untimed(path):
    """The rows of a CSV file without their timing column."""
    return [{k: v for k, v in r.items() if k != "wall_seconds"} for r in rows(path)]


def registered(name):
    try:
        fgattn.run(name, *fgattn.gen(4, 2, 1.0))
    except fgattn.InputError as e:
        assert "unknown method" in str(e)
        return False
    return True


def sweep(tmp_path, out, fn, jobs=1, conf=CONF, progress=None):
    """fgattn.sweep of conf with fn as the method mine (or fn the dict of methods)."""
    path = tmp_path / "grid.conf"
    path.write_text(conf)
    methods = fn if isinstance(fn, dict) else {"mine": fn}
    return fgattn.sweep(path, tmp_path / out, jobs=jobs, methods=methods, progress=progress)


def check_least(out, ncells=4):
    least = rows(out / "least.csv")
    assert len(least) == 2 * ncells
    for r in least:
        want = "10" if r["target"] == "1e-3" else "20"
        assert (r["least_size"], r["censored"]) == (want, "0"), r


# ----------------------------------------------------------------------
# run()


def test_run_registered_and_plain():
    Q, K, V = fgattn.gen(24, 4, 1.0, seed=5)
    T = fgattn.truth(Q, K, V)
    fgattn.register_method("mine", perturbed, size="m")
    try:
        for m in (3, 10, 30):
            out, st = fgattn.run("mine:m=%d" % m, Q, K, V)
            assert abs(fgattn.compare(T, out)["max_abs"] - 2.0 ** -m) <= NOISE
            assert st["method"] == "mine:m=%d" % m and st["m"] == m
            assert st["mul"] == st["exp"] == 0 and st["notes"]
        # the function itself names its registration; no size given is 0
        out, st = fgattn.run(perturbed, Q, K, V)
        assert st["method"] == "mine:m=0" and fgattn.compare(T, out)["max_abs"] <= NOISE
    finally:
        fgattn.unregister_method("mine")
    assert not registered("mine")
    # unregistered, it runs under its own name, with size None, for the call only
    seen = []

    def plain(Q, K, V, tau, size):
        seen.append((size, tau))
        return attention(Q, K, V, tau)

    out, st = fgattn.run(plain, Q, K, V, tau="1/sqrt(d)")
    assert st["method"] == "plain" and seen == [(None, 0.5)]
    assert fgattn.compare(fgattn.truth(Q, K, V, tau="1/sqrt(d)"), out)["max_abs"] <= NOISE
    assert not registered("plain")
    # a batch: one call per item
    out, st = fgattn.run(plain, np.stack([Q, Q]), np.stack([K, K]), np.stack([V, V]))
    assert len(seen) == 3 and len(st) == 2 and (out[0] == out[1]).all()


def test_views_are_the_inputs_read_only():
    Q, K, V = fgattn.gen(8, 3, 1.0, dv=2)
    got = {}

    def look(q, k, v, tau, size):
        got["ptrs"] = [a.__array_interface__["data"][0] for a in (q, k, v)]
        got["shapes"] = [a.shape for a in (q, k, v)]
        got["dtypes"] = {a.dtype.str for a in (q, k, v)}
        with pytest.raises(ValueError):
            q[0, 0] = 1.0
        return attention(q, k, v, tau)

    fgattn.run(look, Q, K, V)
    assert got["ptrs"] == [a.__array_interface__["data"][0] for a in (Q, K, V)]   # no copy
    assert got["shapes"] == [(8, 3), (8, 3), (8, 2)] and got["dtypes"] == {"<f8"}


def test_results_widened_exactly():
    Q, K, V = fgattn.gen(8, 3, 1.0)
    want = attention(Q, K, V, 1 / 3).astype(np.float32)
    out, _ = fgattn.run(lambda q, k, v, tau, size: want, Q, K, V)
    assert out.dtype == np.float64 and (out == want.astype(np.float64)).all()
    out, _ = fgattn.run(lambda q, k, v, tau, size: want.tolist(), Q, K, V)
    assert (out == want.astype(np.float64)).all()


@pytest.mark.parametrize("result, pattern", [
    (lambda o: o[:, :1], r"method python: the result has shape \(8, 1\), not \(n_q, d_v\) = "
                         r"\(8, 3\)"),
    (lambda o: o.T[:2], r"shape \(2, 8\)"),
    (lambda o: np.where(o > 0, np.nan, o), r"the output: entry \(\d+, \d+\) is NaN"),
    (lambda o: o * np.inf, r"is [+-]Inf"),
    (lambda o: np.ones((8, 3), dtype=np.int64), "dtype int64 refused"),
    (lambda o: None, "dtype object refused"),
])
def test_bad_results_fail(result, pattern):
    Q, K, V = fgattn.gen(8, 3, 1.0)
    with pytest.raises(fgattn.ComputeError, match=pattern):
        fgattn.run(lambda q, k, v, tau, size: result(attention(q, k, v, tau)), Q, K, V)
    assert not registered("python")


def test_exceptions_are_the_cause():
    Q, K, V = fgattn.gen(8, 3, 1.0)

    def boom(q, k, v, tau, size):
        raise ZeroDivisionError("no luck at tau = %g" % tau)

    with pytest.raises(fgattn.ComputeError) as e:
        fgattn.run(boom, Q, K, V)
    assert str(e.value) == "method boom: ZeroDivisionError: no luck at tau = 0.333333"
    assert isinstance(e.value.__cause__, ZeroDivisionError)

    def stop(q, k, v, tau, size):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fgattn.run(stop, Q, K, V)
    assert not registered("boom") and not registered("stop")
    # no lse from a function: the library refuses it
    with pytest.raises(fgattn.InputError, match="no lse"):
        fgattn.run(perturbed, Q, K, V, lse=True)


# ----------------------------------------------------------------------
# Sweeps


def test_sweep_errors_and_least_sizes(tmp_path):
    out = sweep(tmp_path, "out", perturbed)
    res = rows(f"{out}/results.csv")
    assert len(res) == 4 * 3
    for r in res:
        assert (r["status"], r["label"], r["size_key"], r["message"]) == ("ok", "mine", "m", "")
        assert r["method"] == "mine:m=" + r["size"]
        assert abs(float(r["max_abs"]) - 2.0 ** -int(r["size"])) <= NOISE, r
    assert sorted({r["B"] for r in res}) == ["0.5", "2"]
    check_least(tmp_path / "out")
    assert not registered("mine")


def test_sweep_records_failures(tmp_path):
    def picky(Q, K, V, tau, m):
        if m == 5:
            raise ValueError("size 5 is refused\nby this function")
        if m == 6:
            return perturbed(Q, K, V, tau, m)[:, :2]
        if m == 7:
            return np.full((len(Q), V.shape[1]), np.nan)
        return perturbed(Q, K, V, tau, m)

    conf = CONF.replace("sizes = 4, 5, 12", "sizes = 4, 5, 6, 7")
    out = sweep(tmp_path, "out", picky, conf=conf)
    want = {"4": "", "5": "method mine: ValueError: size 5 is refused by this function",
            "6": "method mine: the result has shape (16, 2), not (n_q, d_v) = (16, 3)",
            "7": "method mine: the output: entry (0, 0) is NaN (every entry must be written, "
                 "and finite)"}
    res = rows(f"{out}/results.csv")
    assert len(res) == 4 * 4
    for r in res:
        assert r["message"] == want[r["size"]], r
        assert r["status"] == ("ok" if r["size"] == "4" else "failed")
        assert (r["max_abs"] == "") == (r["size"] != "4")
    # a size that fails counts as not reaching a target, as 5, 6 and 7 would
    # not: the least sizes are 10 and 20 still
    check_least(tmp_path / "out")


def test_sweep_jobs_2(tmp_path):
    threads = set()
    lock = threading.Lock()

    def counted(Q, K, V, tau, m):
        with lock:
            threads.add(threading.get_ident())
        return perturbed(Q, K, V, tau, m)

    one = sweep(tmp_path, "one", perturbed)
    two = sweep(tmp_path, "two", counted, jobs=2)
    for name in ("results.csv", "least.csv", "rank.csv"):
        key = lambda r: (r["cell"], r.get("label"), r.get("size"), r.get("target"))
        assert sorted(untimed(f"{one}/{name}"), key=key) == \
            sorted(untimed(f"{two}/{name}"), key=key), name
    assert threads


def interrupted(Q, K, V, tau, m):
    if abs(Q).max() > 1 and m == 5:
        raise KeyboardInterrupt
    return perturbed(Q, K, V, tau, m)


def interrupting(p):
    if p["current"] is not None and "b=2" in p["current"]:
        raise KeyboardInterrupt


@pytest.mark.parametrize("jobs, fn, progress", [(1, interrupted, None), (2, interrupted, None),
                                                (1, perturbed, interrupting)])
def test_sweep_interrupted_then_resumed(tmp_path, jobs, fn, progress):
    """A KeyboardInterrupt in the function at the first cell with B = 2
    (the cells run n, dist, law, beta, seed in order), or in the progress
    function as that cell starts: raised by sweep(), the folder keeps only
    cells finished before it, and a second call gives the rows of an
    uninterrupted run."""
    whole = sweep(tmp_path, "whole", perturbed)
    with pytest.raises(KeyboardInterrupt):
        sweep(tmp_path, "out", fn, jobs=jobs, progress=progress)
    assert not registered("mine")
    part = rows(tmp_path / "out" / "results.csv")
    cells = {r["cell"] for r in part}
    assert all(r["status"] == "ok" and r["B"] == "0.5" for r in part), part
    assert len(part) == 3 * len(cells) and (jobs == 2 or len(cells) == 2)
    for name in ("least.csv", "rank.csv"):
        assert {r["cell"] for r in rows(tmp_path / "out" / name)} <= cells
    sweep(tmp_path, "out", perturbed, jobs=jobs)
    for name in ("results.csv", "least.csv", "rank.csv"):
        key = lambda r: (r["cell"], r.get("label"), r.get("size"), r.get("target"))
        assert sorted(untimed(f"{whole}/{name}"), key=key) == \
            sorted(untimed(tmp_path / "out" / name), key=key), name


def test_sweep_unregisters_on_errors(tmp_path):
    with pytest.raises(ValueError, match="grid.conf"):
        sweep(tmp_path, "out", perturbed, conf=CONF.replace("sizes = 4", "sizes = -4"))
    assert not registered("mine")
    with pytest.raises(ValueError, match="size m in one section, k in another"):
        sweep(tmp_path, "out", perturbed,
              conf=CONF + "[method other]\nspec = mine\nsize = k\nsizes = 1\n")
    # a name taken: refused before anything runs, and the other names freed
    fgattn.register_method("mine", perturbed, size="m")
    try:
        with pytest.raises(ValueError, match="registered already"):
            sweep(tmp_path, "out", {"aaa": perturbed, "mine": perturbed})
        assert not registered("aaa")
    finally:
        fgattn.unregister_method("mine")
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------
# Names


@pytest.mark.parametrize("name", ["", "Mine", "9lives", "a-b", "a b", "a:b", "x" * 32, "exact",
                                  "poly", "ext", "a\0b", 3, None])
def test_bad_names(name):
    with pytest.raises(ValueError):
        fgattn.register_method(name, perturbed)
    with pytest.raises(ValueError):
        fgattn.unregister_method(name)


def test_registration_rules():
    with pytest.raises(ValueError, match="size"):
        fgattn.register_method("mine", perturbed, size="M")
    with pytest.raises(ValueError, match="size"):
        fgattn.register_method("mine", perturbed, size="")
    with pytest.raises(ValueError, match="function"):
        fgattn.register_method("mine", 3)
    with pytest.raises(ValueError, match=r"\(Q, K, V, tau, size\)"):
        fgattn.register_method("mine", lambda Q, K, V: V)
    assert not registered("mine")

    @fgattn.register_method("x" * 31, size="m")
    def longest(Q, K, V, tau, m):
        return perturbed(Q, K, V, tau, m)

    try:
        assert longest.__name__ == "longest" and registered("x" * 31)
        with pytest.raises(ValueError, match="registered already"):
            fgattn.register_method("x" * 31, perturbed)
        # a function registered twice is named by its name, not by itself
        fgattn.register_method("again", longest)
        try:
            with pytest.raises(ValueError, match="registered as again, x"):
                fgattn.run(longest, *fgattn.gen(4, 2, 1.0))
        finally:
            fgattn.unregister_method("again")
    finally:
        fgattn.unregister_method("x" * 31)
    with pytest.raises(ValueError, match="not registered"):
        fgattn.unregister_method("x" * 31)
    for f in (fgattn.register_method, fgattn.unregister_method):
        assert ">>> " in f.__doc__
