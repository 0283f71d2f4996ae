# test_models.py -- expfit, plan, plan_table, analyze, rank and sweep against the program; the docs

import csv
import doctest
import importlib
import math
import os
import pydoc

import numpy as np
import pytest

import fgattn


@pytest.mark.parametrize("args,kw", [
    (("-R", 4, "--eps", 1e-6), {}),
    (("-R", 0.25, "--eps", 1e-12, "--basis", "taylor", "--abs"),
     {"basis": "taylor", "absolute": True}),
    (("-R", 16, "--eps", 1e-3, "--points", 101), {"points": 101})])
def test_expfit_is_the_programs(cli_json, args, kw):
    want = cli_json("expfit", *args)
    got = fgattn.expfit(float(args[1]), float(args[3]), **kw)
    assert set(got) == set(want)
    for k, v in want.items():
        assert got[k] == v or (v is None and got[k] is None), k


def test_expfit_table(cli_json):
    want = cli_json("expfit", "--table", "-R", "0.5,2", "--eps", "1e-3,1e-9")
    got = fgattn.expfit([0.5, 2], [1e-3, 1e-9], basis="both")
    assert len(got) == len(want) == 8
    for g, w in zip(got, want):
        for k in ("R", "eps", "basis", "degree", "bound", "measured", "aggarwal_alman"):
            assert g[k] == w[k], k
    with pytest.raises(ValueError, match="eps"):
        fgattn.expfit(1, 1.5)
    with pytest.raises(ValueError, match="R"):
        fgattn.expfit(2000, 1e-3)


@pytest.mark.parametrize("args,kw", [
    (("-n", 65536, "-d", 8, "-B", 1, "--eps", 1e-6), {}),
    (("-n", 1000, "--nk", 3000, "-d", 16, "--dv", 4, "-B", 3, "--Bv", 0.5, "--eps", 1e-3,
      "--tau", "1/sqrt(d)", "--basis", "taylor"),
     {"nk": 3000, "dv": 4, "Bv": 0.5, "tau": "1/sqrt(d)", "basis": "taylor"})])
def test_plan_is_the_programs(cli_json, args, kw):
    want = cli_json("plan", *args)
    got = fgattn.plan(int(args[1]), int(args[args.index("-d") + 1]),
                      float(args[args.index("-B") + 1]), float(args[args.index("--eps") + 1]),
                      **kw)
    for k, v in want.items():
        if v is None:                   # JSON null: inf, or no crossover
            assert got[k] in (None, math.inf), k
        else:
            assert got[k] == v, k
    assert got["r"] == math.comb(got["d"] + got["g"], got["d"])


def test_plan_time(cli_json):
    """plan(time=True): the program's time columns, each consistent with the
    rates it returns (the times are this machine's and are re-measured, so
    only the relations are compared with the program, not the values)."""
    want = cli_json("plan", "-n", 3000, "-d", 4, "-B", 1, "--eps", 1e-6, "--time")
    got = fgattn.plan(3000, 4, 1.0, 1e-6, time=True)
    for k in ("poly_seconds", "exact_seconds", "time_cheaper", "crossover_time_n",
              "exact_fixed_s", "exact_per_pair_s", "poly_fixed_s", "poly_per_row_s",
              "time_degree_run"):
        assert k in got and k in want, k
    assert got["time_degree_run"] == want["time_degree_run"] == got["g"]
    ef, ep, pf, pr = (got[k] for k in ("exact_fixed_s", "exact_per_pair_s", "poly_fixed_s",
                                       "poly_per_row_s"))
    assert ef >= 0 and ep > 0 and pf >= 0 and pr > 0
    assert got["poly_seconds"] == pf + pr * 3000.0
    assert got["exact_seconds"] == ef + ep * 3000.0 * 3000.0
    cheaper = lambda n: pf + pr * float(n) < ef + ep * float(n) * float(n)
    c = got["crossover_time_n"]
    assert c is not None and cheaper(c) and (c == 1 or not cheaper(c - 1))
    assert "poly_seconds" not in fgattn.plan(3000, 4, 1.0, 1e-6)


def test_plan_table_is_the_programs(cli_json):
    want = cli_json("plan", "--table", "--law", "1;sqrt(ln n)", "--beta", "0.5,1",
                    "--eps", "1/n,1e-3", "--n-max", "2^12", "--n-step", 2)
    got = fgattn.plan_table(law="1;sqrt(ln n)", beta=[0.5, 1], eps=["1/n", 1e-3],
                            n_max="2^12", n_step=2)
    assert len(got) == len(want) == 2 * 2 * 2 * 3
    for g, w in zip(got, want):
        # every number, exact integers and doubles alike, as the program prints it
        for k in ("beta", "log2_n", "n", "d", "B", "R", "eps_rel", "g", "r", "log2_r",
                  "exp_global", "local_points"):
            assert g[k] == w[k], k
        assert g["law"] == str(w["law"]) and g["eps"] == str(w["eps"])
        assert g["r_lt_n"] == bool(w["r_lt_n"])
        assert g["exp_local"] == w["exp_local"] or (math.isnan(g["exp_local"])
                                                    and w["exp_local"] is None)
        assert (g["beta_star"] is None) == (w["beta_star"] in (None, ""))
        if g["beta_star"] is not None:
            assert g["beta_star"] == w["beta_star"] or (math.isinf(g["beta_star"])
                                                        and w["beta_star"] is None)
    with pytest.raises(ValueError, match="n_max"):
        fgattn.plan_table(n_max=1000)


@pytest.mark.parametrize("mech,args,kw", [
    ("vanilla", ("-n", 4096, "-d", 64), {}),
    ("window", ("-n", 10 ** 9, "-d", 64, "-w", 64, "--causal"), {"w": 64, "causal": True}),
    ("dilated", ("-n", 10 ** 9, "-d", 64, "--w0", 2048, "--alpha", 2), {"w": 2048, "alpha": 2}),
    ("rf", ("-n", 1000, "-d", 16, "-m", 64, "--kind", "trig"), {"m": 64, "kind": "trig"}),
    ("exact:algo=blas", ("-n", 512, "-d", 16), {})])
def test_analyze_is_the_programs(cli_json, mech, args, kw):
    rows = cli_json("analyze", "--mech", mech, *args)
    want = {r["quantity"]: r["value"] for r in rows}
    got = fgattn.analyze(mech, int(args[1]), int(args[3]), **kw)
    assert got["mechanism"] == want["mechanism"]
    for k, v in want.items():
        if k != "mechanism":
            assert got[k] == v, k
    with pytest.raises(ValueError, match="unknown mechanism"):
        fgattn.analyze("nosuch", 8, 2)


@pytest.mark.parametrize("algo", ["dense", "randomized"])
def test_rank_is_the_programs(cli_json, tmp_path, algo):
    d = tmp_path / "inst"
    os.makedirs(d)
    Q, K, V = fgattn.gen(300, 9, 0.6, seed=5)
    for name, a in zip("QKV", (Q, K, V)):
        np.save(d / (name + ".npy"), a)
    want = cli_json("rank", "-i", d, "--tol", "1e-3,1/n,1e-7", "--algo", algo, "--kmax", 300)
    got = fgattn.rank(Q, K, tol=[1e-3, "1/n", 1e-7], algo=algo, kmax=300)
    for g, w in zip(got, want):
        for k in ("tol_value", "rank", "rank_max", "algo", "rank_hi"):
            assert g[k] == w[k], k
        assert g["censored"] == bool(w["censored"])
    assert fgattn.rank(Q, K, tol=1e-3, algo=algo, kmax=300)["rank"] == got[0]["rank"]


def test_singular_values_and_attention_matrix():
    Q, K, V = fgattn.gen(40, 4, 1.0, seed=6)
    P = fgattn.attention_matrix(Q, K)
    assert np.allclose(P.sum(axis=1), 1, rtol=0, atol=1e-14)
    s = fgattn.singular_values(Q, K)
    assert np.allclose(s, np.linalg.svd(P, compute_uv=False), rtol=1e-12, atol=1e-15)
    assert (fgattn.attention_matrix(Q, K, scale=0.5) == fgattn.attention_matrix(
        Q, K, tau="1/sqrt(d)")).all()                       # d = 4: 1/sqrt(4) is 0.5


CONF = """[grid]
n = 16, 32
B = 0.5, 1
seeds = 1

[rank]
tol = 1/n

[method exact]
spec = exact:algo=naive

[method rf]
spec = rf:kind=pos,seed=1
size = m
sizes = 4, 8
targets = 1e-1
max_size = n
"""

TIMING = {"wall_seconds", "poly_seconds", "exact_seconds"}


def _rows(path):
    with open(path) as f:
        return [{k: v for k, v in r.items() if k not in TIMING} for r in csv.DictReader(f)]


def test_sweep_is_the_programs(cli, tmp_path):
    conf = tmp_path / "tiny.conf"
    conf.write_text(CONF)
    cli("sweep", conf, "-o", tmp_path / "cli", "--quiet")
    seen = []
    out = fgattn.sweep(conf, tmp_path / "py", progress=seen.append)
    assert out == str(tmp_path / "py")
    for name in ("results.csv", "rank.csv", "least.csv"):
        assert _rows(tmp_path / "py" / name) == _rows(tmp_path / "cli" / name), name
    assert seen and seen[-1]["cells_done"] + seen[-1]["cells_skipped"] == seen[-1]["cells_total"]
    # a second run resumes: nothing to do, same files; with two jobs, a
    # fresh run gives the same rows
    fgattn.sweep(conf, tmp_path / "py", jobs=2)
    fgattn.sweep(conf, tmp_path / "py2", jobs=2, progress=seen.append)
    assert _rows(tmp_path / "py" / "results.csv") == _rows(tmp_path / "cli" / "results.csv")
    assert sorted(map(str, _rows(tmp_path / "py2" / "rank.csv"))) == sorted(
        map(str, _rows(tmp_path / "cli" / "rank.csv")))


def test_sweep_refuses(tmp_path):
    bad = tmp_path / "bad.conf"
    bad.write_text("[grid]\nn = 16\nB = 1\nnosuch = 3\n[method e]\nspec = exact\n")
    with pytest.raises(ValueError, match="bad.conf:4"):
        fgattn.sweep(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match="not a file"):
        fgattn.sweep(tmp_path / "missing.conf", tmp_path / "out")

    def boom(p):
        raise KeyError("from progress")
    good = tmp_path / "good.conf"
    good.write_text("[grid]\nn = 16\nB = 1\n[method e]\nspec = exact\n")
    with pytest.raises(KeyError, match="from progress"):
        fgattn.sweep(good, tmp_path / "out2", progress=boom)


PUBLIC = ["truth", "assert_attention_close", "compare", "run", "methods", "gen",
          "attention_matrix", "singular_values", "rank", "expfit", "plan", "plan_table",
          "analyze", "sweep", "ulp_distance", "version"]


def test_documentation():
    """help(fgattn) renders; every public function has a docstring with an
    example and names its defaults; the examples run as written."""
    text = pydoc.render_doc(fgattn, renderer=pydoc.plaintext)
    assert "truth" in text and "tau = 1/d" in text
    for name in PUBLIC:
        doc = getattr(fgattn, name).__doc__
        assert doc and ">>> " in doc, name
    for name in ("truth", "run", "assert_attention_close", "attention_matrix", "rank"):
        assert "tau = 1/d" in getattr(fgattn, name).__doc__, name
    for mod in ("fgattn", "fgattn._attention", "fgattn._models", "fgattn._sweep"):
        r = doctest.testmod(importlib.import_module(mod), optionflags=doctest.ELLIPSIS)
        assert r.failed == 0, mod
