# test_audit.py -- experiments/audit.py: its quick run, its files, and what the kernels must show

"""The precision audit (experiments/audit.py) run with --quick into a
temporary folder: the CSV's columns, the float64 kernels within a few
units of roundoff at small B, numpy's float16 kernel without the row
maximum overflowing exactly where the scores say it must, the headline
table derived again from the CSV, and a missing torch handled (simulated
by a module that refuses to import)."""

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fgattn

SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "audit.py"

# written here, not imported from the script: the CSV's promised columns
COLUMNS = ["n", "d", "dv", "tau", "tau_value", "dist", "B", "Bv", "seed", "kernel", "library",
           "format", "u", "max_subtracted", "status", "rows_measured", "nonfinite",
           "has_inf_nan", "max_abs", "max_abs_u", "rel_max", "rel_fro", "max_ulps",
           "max_abs_vs_f64_inputs", "input_rounding_effect", "ratio_to_naive", "flash_ok",
           "score_max", "lse_max", "seconds"]
NUMPY_KERNELS = ["numpy-f64-max", "numpy-f64-nomax", "numpy-f32-max", "numpy-f32-nomax",
                 "numpy-f16-max", "numpy-f16-nomax"]
FGATTN_KERNELS = ["fgattn-exact-naive", "fgattn-exact-stream", "fgattn-exact-blas"]
TORCH_KERNELS = ["torch-f64", "torch-mha-f64", "torch-f32", "torch-mha-f32", "torch-bf16"]
U64 = 2.0 ** -53
F16_MAX = 65504.0
# exp(s) rounds to float16's +inf from the midpoint of 65504 and 2^16 on (ties to even)
LN_F16_OVERFLOW = math.log(65520.0)
D = 64
TAU = {"1/sqrt(d)": 1 / 8, "1/d": 1 / 64}


def run_audit(outdir, *args, env=None):
    p = subprocess.run([sys.executable, str(SCRIPT), "-o", str(outdir), "-q"] + list(args),
                       capture_output=True, text=True, timeout=600, env=env)
    return p


def read_rows(path):
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        return r.fieldnames, list(r)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    if not SCRIPT.is_file():
        pytest.fail("experiments/audit.py is missing from the source tree")
    out = tmp_path_factory.mktemp("audit")
    p = run_audit(out, "--quick")
    assert p.returncode == 0, "audit.py --quick: exit %d: %s" % (p.returncode, p.stderr)
    header, rows = read_rows(out / "audit.csv")
    return out, header, rows


def torch_installed():
    # Looked up, not imported: importing torch into this process changes
    # its OpenMP thread count, which other tests of the suite check.
    import importlib.util
    return importlib.util.find_spec("torch") is not None


def test_files_and_columns(quick):
    out, header, rows = quick
    assert header == COLUMNS
    kernels = {r["kernel"] for r in rows}
    assert kernels == set(NUMPY_KERNELS + FGATTN_KERNELS + TORCH_KERNELS)
    # the quick grid: n = 256, B = 0.5, 4, 64, both tau, uniform: a row per kernel and point
    points = {(r["n"], r["tau"], r["dist"], float(r["B"])) for r in rows}
    assert points == {("256", t, "uniform", b) for t in TAU for b in (0.5, 4.0, 64.0)}
    assert len(rows) == len(points) * len(kernels)
    meta = json.loads((out / "audit.json").read_text())
    for key in ("command", "date", "host", "versions", "grid"):
        assert key in meta
    assert meta["versions"]["fgattn"] == fgattn.__version__
    assert meta["versions"]["numpy"] == np.__version__
    md = (out / "audit.md").read_text()
    assert "## Headline" in md and "## n = 256, tau = 1/d, uniform" in md
    if meta["plots"] != "none":
        assert len(list(out.glob("audit-*.png"))) == 2


def test_float64_kernels_within_a_few_roundoffs_at_small_B(quick):
    """At B = 0.5 the scores are at most tau B^2 d <= 2 and the output at most
    1 in magnitude: a double kernel is off by a few units of roundoff.  16 u
    (8 ulps of 1) is far above what summing 256 terms in double typically
    loses and far below what a wrong truth or a float32 step would show."""
    _, _, rows = quick
    seen = 0
    for r in rows:
        if r["format"] != "float64" or float(r["B"]) != 0.5 or r["status"] != "ok":
            continue
        assert r["has_inf_nan"] == "0", r["kernel"]
        err = float(r["max_abs"])
        assert 0 <= err <= 16 * U64, (r["kernel"], r["tau"], err)
        assert float(r["max_abs_u"]) == pytest.approx(err / U64)
        # float64 inputs are not rounded: both truths are the same
        assert float(r["max_abs_vs_f64_inputs"]) == err
        assert float(r["input_rounding_effect"]) == 0.0
        seen += 1
    assert seen >= 2 * (len(FGATTN_KERNELS) + 2)


def f16_scores(n, B, tau):
    """The float64 scores tau q.k of the quick instance rounded to float16
    (widened exactly), and the largest |q.k|: independent of the kernels."""
    Q, K, _ = fgattn.gen(n, D, B, Bv=1.0, dist="uniform", seed=1)
    q, k = (a.astype(np.float16).astype(np.float64) for a in (Q, K))
    G = q @ k.T
    return tau * G.max(), np.abs(G).max()


def test_float16_without_the_maximum_overflows_where_the_scores_say(quick):
    """numpy-f16-nomax computes exp(s) in float16 on float16 scores s.
    - No Inf/NaN is possible when tau B^2 d < ln 65504 - 1 (every |s| is at
      most tau B^2 d, and a score rounded to float16 moves by less than 1
      there), nor then can a row sum: sum exp(s) <= n e^(tau B^2 d) < 65504
      at n = 256 and tau B^2 d <= 2 (B = 0.5, tau = 1/8).
    - exp(s) is +inf, and the row's output NaN (inf / inf), as soon as
      one score exceeds ln 65520 = 11.09 by more than its float16 rounding:
      the largest score of the instance, computed here in float64 from the
      rounded inputs, decides it (1% is far above the relative error of a
      float16 score, 2^-10 plus float32's accumulation).
    And numpy-f16-max (exp(s - max) <= 1, a row sum <= n) stays finite
    while every |q.k| is below 65504."""
    _, _, rows = quick
    decided = {True: 0, False: 0}
    for r in rows:
        if r["kernel"] not in ("numpy-f16-nomax", "numpy-f16-max"):
            continue
        n, B, tau = int(r["n"]), float(r["B"]), TAU[r["tau"]]
        smax, gmax = f16_scores(n, B, tau)
        assert float(r["score_max"]) == pytest.approx(smax, rel=1e-2)
        got = r["has_inf_nan"] == "1"
        if r["kernel"] == "numpy-f16-max":
            if gmax < 0.99 * F16_MAX:
                assert not got, (r["tau"], B)
            continue
        if tau * B * B * D < math.log(F16_MAX) - 1 and n * math.exp(tau * B * B * D) < F16_MAX:
            assert not got, (r["tau"], B)
            decided[False] += 1
        elif smax > 1.01 * LN_F16_OVERFLOW:
            assert got, (r["tau"], B, smax)
            assert r["max_abs"] == "inf"
            decided[True] += 1
    # the quick grid decides both: B = 0.5 (finite), B = 4 at tau = 1/sqrt(d) and B = 64 (Inf)
    assert decided[False] >= 1 and decided[True] >= 3


def test_headline_table_matches_the_csv(quick):
    """The headline's "first B with error > 1e-2 / first B with Inf/NaN", derived
    again from the CSV rows, is what audit.md prints."""
    out, _, rows = quick
    md = (out / "audit.md").read_text().splitlines()
    for tau in TAU:
        col = 1 + list(TAU).index(tau)
        for kernel in NUMPY_KERNELS + FGATTN_KERNELS:
            sel = sorted((r for r in rows if r["kernel"] == kernel and r["tau"] == tau),
                         key=lambda r: float(r["B"]))
            first_err = next(("%g" % float(r["B"]) for r in sel
                              if float(r["max_abs"]) > 1e-2), "—")
            first_inf = next(("%g" % float(r["B"]) for r in sel if r["has_inf_nan"] == "1"),
                             "—")
            line = next(x for x in md if x.startswith("| %s (" % kernel))
            cells = [c.strip() for c in line.strip("|").split("|")]
            assert cells[col] == "%s / %s" % (first_err, first_inf), (kernel, tau)


def test_torch_kernels(quick):
    """With torch: multi-head attention with identity projections is plain
    attention (float64 within a few roundoffs at B = 0.5), and its float32
    run is as accurate as numpy's float32 kernel within a factor 4."""
    if not torch_installed():
        pytest.skip("torch is not installed")
    _, _, rows = quick
    by = {(r["kernel"], r["tau"], float(r["B"])): r for r in rows}
    for tau in TAU:
        for k in ("torch-f64", "torch-mha-f64"):
            r = by[(k, tau, 0.5)]
            assert r["status"] == "ok" and float(r["max_abs"]) <= 16 * U64, (k, tau)
        for B in (0.5, 4.0, 64.0):
            mha, ref = by[("torch-mha-f32", tau, B)], by[("numpy-f32-max", tau, B)]
            assert float(mha["max_abs"]) <= 4 * float(ref["max_abs"]), (tau, B)


def test_missing_torch_is_handled(tmp_path):
    """A torch that cannot be imported: the numpy and fgattn kernels run, the
    torch rows say so, exit 0."""
    shim = tmp_path / "shim" / "torch"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text(
        "raise ImportError(\"No module named 'torch' (simulated by test_audit.py)\")\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(x for x in (str(shim.parent), env.get("PYTHONPATH"))
                                        if x)
    out = tmp_path / "out"
    p = run_audit(out, "--quick", "--B", "0.5", "--tau", "1/d", "--no-plots", env=env)
    assert p.returncode == 0, p.stderr
    _, rows = read_rows(out / "audit.csv")
    assert {r["kernel"] for r in rows} >= set(TORCH_KERNELS + NUMPY_KERNELS)
    for r in rows:
        if r["library"] == "torch":
            assert r["status"] == "not run (torch not installed)" and r["max_abs"] == ""
        else:
            assert r["status"] == "ok" and float(r["max_abs"]) < 1e-2, r["kernel"]
    meta = json.loads((out / "audit.json").read_text())
    assert meta["versions"]["torch"] is None
    assert "not run" in (out / "audit.md").read_text()
