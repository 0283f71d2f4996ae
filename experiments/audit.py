#!/usr/bin/env python3
# experiments/audit.py -- the precision of real attention kernels against fgattn's certified truth

"""A precision audit of attention kernels as people write them (numpy in
float64, float32 and float16, with and without subtracting the row maximum
before exp; PyTorch matmul + softmax in float32 and bfloat16; PyTorch's
multi_head_attention_forward in float32 with identity projections) and of
fgattn's own double kernels, against the certified, correctly rounded truth
of fgattn.truth, as the entry bound B grows.

    PYTHONPATH=build/python python3 experiments/audit.py -o notebooks-data/audit
    PYTHONPATH=build/python python3 experiments/audit.py -o /tmp/audit --quick

What is measured.  Each low-precision kernel is given the float64 instance
rounded to its format, and its error is measured against the truth of those
ROUNDED inputs (widened exactly to float64): the error of the kernel's
arithmetic, not of the rounding of its inputs.  The error against the
truth of the unrounded float64 instance, which includes the input rounding,
is reported beside it (column max_abs_vs_f64_inputs).

Writes into the output folder: audit.csv (one row per kernel and grid
point), audit.md (the tables), audit-*.png (error against B, log axes, with
the unit roundoff of each format), audit.json (versions, host, date, the
command, the grid, the times).  Without torch the numpy and fgattn kernels
run and the torch rows say "not run (torch not installed)".  Exit status:
0, or 1 when a kernel failed or the check of PyTorch's multi-head attention
against plain attention failed (the files are written all the same), 2 for
bad arguments.
"""

import argparse
import csv
import datetime
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time

import numpy as np

try:
    import fgattn
except ImportError as e:          # the bindings are built with the library
    sys.exit("audit.py: cannot import fgattn (%s): build it (./quickstart) and put its "
             "folder first on PYTHONPATH, e.g. PYTHONPATH=build/python" % e)

# ----------------------------------------------------------------------
# Formats and the grid

# unit roundoff u = 2^-p of each format (p = bits of the significand, the
# implicit one included): half the distance from 1 to the next number.
UNIT_ROUNDOFF = {"f64": 2.0 ** -53, "f32": 2.0 ** -24, "f16": 2.0 ** -11, "bf16": 2.0 ** -8}
FORMAT_NAME = {"f64": "float64", "f32": "float32", "f16": "float16", "bf16": "bfloat16"}
# the largest finite number of each format
FORMAT_MAX = {"f64": np.finfo(np.float64).max, "f32": float(np.finfo(np.float32).max),
              "f16": 65504.0, "bf16": float.fromhex("0x1.fep127")}

D = 64
TAUS = {"1/sqrt(d)": 1.0 / math.sqrt(D), "1/d": 1.0 / D}    # both exact powers of two at d = 64
FULL = {"n": [256, 2048], "B": [0.5, 1, 2, 4, 8, 16, 32, 64], "tau": ["1/sqrt(d)", "1/d"],
        "dist": ["uniform", "gaussian"]}
QUICK = {"n": [256], "B": [0.5, 4, 64], "tau": ["1/sqrt(d)", "1/d"], "dist": ["uniform"]}
BV = 1.0                 # V's entries bounded by 1, drawn by the same law as Q and K
ERR_HEADLINE = 1e-2      # the headline: the first B where the max-abs error exceeds it

NOT_RUN_TORCH = "not run (torch not installed)"

# ----------------------------------------------------------------------
# The kernels.  Each takes its rounded inputs (arrays of its format), the
# score scale tau, and returns its output as it computed it.


def numpy_attention(Q, K, V, tau, submax):
    """Attention as it is written in numpy, in the dtype of Q, K, V: every
    operation rounds to that dtype (numpy's float16 matmul and sum
    accumulate in float32 inside one call and round the result once)."""
    S = (Q @ K.T) * Q.dtype.type(tau)
    if submax:
        S = S - S.max(axis=-1, keepdims=True)
    P = np.exp(S)
    return (P / P.sum(axis=-1, keepdims=True)) @ V


def torch_attention(Q, K, V, tau):
    """PyTorch's matmul and softmax (softmax subtracts the row maximum)."""
    import torch
    with torch.no_grad():
        return torch.softmax((Q @ K.T) * tau, dim=-1) @ V


def torch_mha(Q, K, V, tau):
    """torch.nn.functional.multi_head_attention_forward, one head, with
    identity in- and out-projections and zero biases, so that it computes
    plain attention.  It divides the queries by sqrt(head_dim) itself: the
    queries are multiplied first by f = tau sqrt(d), a power of two here,
    which is exact (checked), so the scores are tau Q K^T of the given
    rounded inputs."""
    import torch
    import torch.nn.functional as F
    n, d = Q.shape
    if K.shape[1] != d or V.shape[1] != d:
        raise ValueError("multi-head attention with identity projections needs dv = d")
    f = tau * math.sqrt(d)
    if math.frexp(f)[0] != 0.5:
        raise ValueError("tau sqrt(d) = %r is not a power of two: the query scaling would "
                         "round" % f)
    dt = Q.dtype
    with torch.no_grad():
        q = Q * f
        if not torch.equal(q / f, Q):
            raise ArithmeticError("scaling the queries by %r was not exact" % f)
        eye = torch.eye(d, dtype=dt)
        zero = torch.zeros(d, dtype=dt)
        out, _ = F.multi_head_attention_forward(
            q[:, None, :], K[:, None, :], V[:, None, :], d, 1,
            torch.cat([eye, eye, eye]), torch.zeros(3 * d, dtype=dt), None, None, False, 0.0,
            eye, zero, training=False, need_weights=False)
    return out[:, 0, :]


def fgattn_kernel(algo):
    def run(Q, K, V, tau):
        out, _ = fgattn.run("exact:algo=" + algo, Q, K, V, scale=tau)
        return out
    return run


# name, library, format, how the maximum is handled, function, naive baseline of its format
# (FlashAttention's criterion: a kernel passes when its error is at most twice the baseline's)
KERNELS = [
    ("fgattn-exact-naive", "fgattn", "f64", "yes", fgattn_kernel("naive"), "fgattn-exact-naive"),
    ("fgattn-exact-stream", "fgattn", "f64", "yes (online)", fgattn_kernel("stream"),
     "fgattn-exact-naive"),
    ("fgattn-exact-blas", "fgattn", "f64", "yes", fgattn_kernel("blas"), "fgattn-exact-naive"),
    ("numpy-f64-max", "numpy", "f64", "yes", lambda Q, K, V, t: numpy_attention(Q, K, V, t, True),
     "fgattn-exact-naive"),
    ("numpy-f64-nomax", "numpy", "f64", "no",
     lambda Q, K, V, t: numpy_attention(Q, K, V, t, False), "fgattn-exact-naive"),
    ("torch-f64", "torch", "f64", "yes (softmax)", torch_attention, "fgattn-exact-naive"),
    ("torch-mha-f64", "torch", "f64", "yes (softmax)", torch_mha, "fgattn-exact-naive"),
    ("numpy-f32-max", "numpy", "f32", "yes", lambda Q, K, V, t: numpy_attention(Q, K, V, t, True),
     "numpy-f32-max"),
    ("numpy-f32-nomax", "numpy", "f32", "no",
     lambda Q, K, V, t: numpy_attention(Q, K, V, t, False), "numpy-f32-max"),
    ("torch-f32", "torch", "f32", "yes (softmax)", torch_attention, "numpy-f32-max"),
    ("torch-mha-f32", "torch", "f32", "yes (softmax)", torch_mha, "numpy-f32-max"),
    ("numpy-f16-max", "numpy", "f16", "yes", lambda Q, K, V, t: numpy_attention(Q, K, V, t, True),
     "numpy-f16-max"),
    ("numpy-f16-nomax", "numpy", "f16", "no",
     lambda Q, K, V, t: numpy_attention(Q, K, V, t, False), "numpy-f16-max"),
    ("torch-bf16", "torch", "bf16", "yes (softmax)", torch_attention, "torch-bf16"),
]
KERNEL_NAMES = [k[0] for k in KERNELS]

# the check that multi_head_attention_forward computes plain attention: in
# float64 its error must be that of a double kernel (see mha_check)
MHA_NAIVE_FACTOR = 4.0
MHA_SLACK_U = 16.0

COLUMNS = ["n", "d", "dv", "tau", "tau_value", "dist", "B", "Bv", "seed", "kernel", "library",
           "format", "u", "max_subtracted", "status", "rows_measured", "nonfinite",
           "has_inf_nan", "max_abs", "max_abs_u", "rel_max", "rel_fro", "max_ulps",
           "max_abs_vs_f64_inputs", "input_rounding_effect", "ratio_to_naive", "flash_ok",
           "score_max", "lse_max", "seconds"]

# ----------------------------------------------------------------------
# Inputs in each format


def load_torch(want):
    """torch, or None when it is not installed (or not wanted)."""
    if not want:
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch


def rounded_inputs(inst, torch):
    """The instance in each format: (kernel inputs, their exact float64
    widening) per format.  float32 and float16 by numpy's conversion
    (round to nearest even); bfloat16 by torch's .to(torch.bfloat16) from
    float64 (whatever it rounds to, the truth is taken on the values the
    kernel receives)."""
    Q, K, V = inst
    out = {"f64": ((Q, K, V), (Q, K, V))}
    for fmt, dt in (("f32", np.float32), ("f16", np.float16)):
        r = tuple(a.astype(dt) for a in (Q, K, V))
        out[fmt] = (r, tuple(a.astype(np.float64) for a in r))
    if torch is not None:
        r = tuple(torch.from_numpy(a).to(torch.bfloat16) for a in (Q, K, V))
        out["bf16"] = (r, tuple(a.to(torch.float64).numpy() for a in r))
    for fmt, (_, wide) in out.items():
        for a in wide:
            if not np.all(np.isfinite(a)):
                raise ArithmeticError("the instance overflows %s" % FORMAT_NAME[fmt])
    return out


def kernel_inputs(lib, fmt, rounded, torch):
    """The arrays a kernel of that library takes: numpy arrays, or torch
    tensors sharing them (float32, float64) or made by the rounding (bf16)."""
    r = rounded[fmt][0]
    if lib == "torch" and fmt != "bf16":
        return tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in r)
    return r


def widen(out, torch):
    """A kernel's output as a float64 numpy array, exactly."""
    if torch is not None and isinstance(out, torch.Tensor):
        return out.detach().to(torch.float64).numpy()
    return np.asarray(out).astype(np.float64)


def score_stats(Q, K, tau):
    """max_ij tau q_i.k_j and max_i ln sum_j exp(tau q_i.k_j), in float64 (a
    description of the instance to 3 digits, not a certified value)."""
    S = tau * (Q @ K.T)
    m = S.max(axis=1)
    lse = m + np.log(np.exp(S - m[:, None]).sum(axis=1))
    return float(m.max()), float(lse.max())

# ----------------------------------------------------------------------
# Metrics


def measure(out, rows, truth, truth64, fmt):
    """The error metrics of one output: out (n x dv, float64, the kernel's
    full output), its rows measured against truth (the truth of the rounded
    inputs at those rows) and truth64 (of the float64 inputs).  A NaN or
    infinite entry anywhere in the output makes every error infinite."""
    nonfinite = int(np.count_nonzero(~np.isfinite(out)))
    m = {"nonfinite": nonfinite, "has_inf_nan": int(nonfinite > 0)}
    if nonfinite:
        inf = float("inf")
        m.update(max_abs=inf, rel_max=inf, rel_fro=inf, max_ulps=inf, max_abs_vs_f64_inputs=inf)
    else:
        o = np.ascontiguousarray(out[rows])
        c = fgattn.compare(truth, o)
        top = float(np.abs(truth).max())
        m.update(max_abs=c["max_abs"], rel_fro=c["rel_fro"], max_ulps=c["max_ulps"],
                 rel_max=c["max_abs"] / top if top > 0 else "",
                 max_abs_vs_f64_inputs=fgattn.compare(truth64, o)["max_abs"])
    m["max_abs_u"] = m["max_abs"] / UNIT_ROUNDOFF[fmt]
    return m

# ----------------------------------------------------------------------
# One grid point


def measured_rows(n, rows_cap):
    """The query rows whose error is measured: all of them, or every step-th
    row (0, step, 2 step, ...) when n exceeds the cap: the certified truth
    costs O(rows n d) multiprecision operations."""
    if rows_cap <= 0 or n <= rows_cap:
        return np.arange(n)
    step = -(-n // rows_cap)
    return np.arange(0, n, step)


def run_point(n, tau_name, dist, B, args, torch, log):
    tau = TAUS[tau_name]
    inst = fgattn.gen(n, D, B, Bv=BV, dist=dist, seed=args.seed)
    rounded = rounded_inputs(inst, torch)
    rows = measured_rows(n, args.rows)
    smax, lse = score_stats(inst.Q, inst.K, tau)
    t0 = time.perf_counter()
    truths = {}
    for fmt, (_, (Qw, Kw, Vw)) in rounded.items():
        truths[fmt] = fgattn.truth(np.ascontiguousarray(Qw[rows]), Kw, Vw, scale=tau)
    truth_seconds = time.perf_counter() - t0
    base = {"n": n, "d": D, "dv": D, "tau": tau_name, "tau_value": tau, "dist": dist, "B": B,
            "Bv": BV, "seed": args.seed, "rows_measured": len(rows), "score_max": smax,
            "lse_max": lse}
    result = []
    failures = []
    for name, lib, fmt, maxsub, fn, _ in KERNELS:
        row = dict(base, kernel=name, library=lib, format=FORMAT_NAME[fmt],
                   u=UNIT_ROUNDOFF[fmt], max_subtracted=maxsub)
        row["input_rounding_effect"] = (fgattn.compare(truths["f64"], truths[fmt])["max_abs"]
                                        if fmt in truths else "")
        if lib == "torch" and torch is None:
            row["status"] = NOT_RUN_TORCH
            result.append(row)
            continue
        Qi, Ki, Vi = kernel_inputs(lib, fmt, rounded, torch)
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                t1 = time.perf_counter()
                out = fn(Qi, Ki, Vi, tau)
                row["seconds"] = time.perf_counter() - t1
            out = widen(out, torch)
            if out.shape != (n, D):
                raise ValueError("output of shape %s, expected %s" % (out.shape, (n, D)))
        except Exception as e:          # a library that refuses: recorded, the audit goes on
            msg = (str(e).splitlines() or [""])[0][:120]
            row["status"] = "failed: %s: %s" % (type(e).__name__, msg)
            failures.append("%s at n=%d tau=%s %s B=%g: %s" % (name, n, tau_name, dist, B,
                                                              row["status"]))
            result.append(row)
            continue
        row["status"] = "ok"
        row.update(measure(out, rows, truths[fmt], truths["f64"], fmt))
        result.append(row)
    flash_criterion(result)
    log("n=%d tau=%s %s B=%g: truth %.1f s (%d rows x %d formats), kernels %.1f s"
        % (n, tau_name, dist, B, truth_seconds, len(rows), len(truths),
           sum(r.get("seconds", 0.0) for r in result)))
    return result, failures, truth_seconds


def flash_criterion(rows):
    """FlashAttention's acceptance test, per format: a kernel passes when its
    max-abs error is at most twice that of the naive kernel of its format
    (fgattn's exact naive kernel for float64)."""
    by = {r["kernel"]: r for r in rows}
    for name, _, _, _, _, base in KERNELS:
        r, b = by[name], by.get(base)
        if r.get("status") != "ok" or b is None or b.get("status") != "ok":
            continue
        e, eb = r["max_abs"], b["max_abs"]
        if math.isinf(e) or math.isinf(eb):
            r["ratio_to_naive"] = "" if math.isinf(eb) else float("inf")
            r["flash_ok"] = "" if math.isinf(eb) else 0
        elif eb == 0:
            r["ratio_to_naive"] = "" if e > 0 else 1.0
            r["flash_ok"] = int(e == 0)
        else:
            r["ratio_to_naive"] = e / eb
            r["flash_ok"] = int(e <= 2 * eb)

# ----------------------------------------------------------------------
# Output: CSV, Markdown, JSON, plots


def csv_value(v):
    if isinstance(v, float):
        return repr(v)
    return "" if v is None else str(v)


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([csv_value(r.get(c, "")) for c in COLUMNS])


def fmt_err(r, key="max_abs"):
    st = r.get("status", "")
    if st == NOT_RUN_TORCH:
        return "not run"
    if st != "ok":
        return "failed"
    v = r[key]
    if math.isinf(v):
        return "**Inf/NaN**"
    return "%.2e" % v if v != 0 else "0"


def fmt_B(B):
    return "%g" % B


def combos(rows):
    seen = []
    for r in rows:
        c = (r["n"], r["tau"], r["dist"])
        if c not in seen:
            seen.append(c)
    return seen


def firsts(rows, combo, kernel):
    """(first B with max-abs error > ERR_HEADLINE or Inf/NaN, first B with
    Inf/NaN), "—" when none on the grid, "not run" for a kernel not run."""
    sel = sorted((r for r in rows if (r["n"], r["tau"], r["dist"]) == combo
                  and r["kernel"] == kernel), key=lambda r: r["B"])
    if sel and all(r.get("status") == NOT_RUN_TORCH for r in sel):
        return "not run", "not run"
    ok = [r for r in sel if r.get("status") == "ok"]
    e = next((fmt_B(r["B"]) for r in ok if r["max_abs"] > ERR_HEADLINE), "—")
    i = next((fmt_B(r["B"]) for r in ok if r["has_inf_nan"]), "—")
    return e, i


def md_table(header, body):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def combo_title(c):
    return "n = %d, tau = %s, %s" % c


def kernel_label(name):
    lib, fmt, maxsub = next((k[1], k[2], k[3]) for k in KERNELS if k[0] == name)
    return "%s (%s, max: %s)" % (name, FORMAT_NAME[fmt], maxsub)


def write_md(path, rows, meta, plots):
    cs = combos(rows)
    Bs = sorted({r["B"] for r in rows})
    L = ["# Precision audit of attention kernels against the certified truth", "",
         "Made by `%s` on %s (%s), in %.0f s. fgattn %s, numpy %s, torch %s."
         % (meta["command"], meta["date"], meta["host"]["node"], meta["seconds"],
            meta["versions"]["fgattn"], meta["versions"]["numpy"],
            meta["versions"]["torch"] or "not installed"), "",
         "Attention softmax(tau Q K^T) V with d = dv = %d, Q and K drawn by `fgattn.gen` with "
         "entry bound B (uniform on [-B, B), or gaussian N(0, (B/3)^2) clipped to [-B, B]), V "
         "by the same law with bound Bv = %g, seed %d. theory/precision-audit.md explains "
         "the numbers." % (D, BV, meta["grid"]["seed"]), "",
         "- **What is measured.** Each kernel receives the float64 instance rounded to its "
         "format, and its error is measured against the certified truth (`fgattn.truth`, "
         "correctly rounded to float64) of those rounded inputs, widened exactly: the error "
         "of the kernel's arithmetic, not of the rounding of its inputs. The error against "
         "the truth of the unrounded float64 inputs, which adds the input rounding, is in the "
         "third table of each section and in the CSV (`max_abs_vs_f64_inputs`).",
         "- max-abs error = max |out - truth| over the measured entries; err/u = that divided "
         "by the unit roundoff u of the kernel's format (2^-53, 2^-24, 2^-11, 2^-8 for "
         "float64, float32, float16, bfloat16); V is bounded by 1, so this is an error "
         "relative to the largest possible output. **Inf/NaN**: the output had a non-finite "
         "entry (anywhere in it), and the error counts as infinite.",
         "- Rows measured: %s." % meta["rows_note"],
         "- Entrywise relative errors are not tabulated: an output entry is an average of "
         "signed values of V and can be arbitrarily close to 0. The CSV has rel_max = max-abs "
         "error / max |truth| and rel_fro = ||out - truth||_F / ||truth||_F.",
         "- numpy's float16 arithmetic: `@` and `sum` accumulate in float32 within one call "
         "and round the result to float16 once; `exp` and every elementwise operation round "
         "to float16. PyTorch's softmax subtracts the row maximum itself.", ""]
    L += ["## Headline", "",
          "For each kernel, the first B of the grid (%s) at which its max-abs error exceeds "
          "%g (an Inf/NaN output counts), then the first B at which its output has an Inf or a "
          "NaN; — when neither happens up to B = %g." % (", ".join(map(fmt_B, Bs)),
                                                         ERR_HEADLINE, max(Bs)), ""]
    header = ["kernel"] + ["%s<br>err > %g / Inf-NaN" % (combo_title(c), ERR_HEADLINE)
                           for c in cs]
    body = []
    for name in KERNEL_NAMES:
        body.append([kernel_label(name)] + ["%s / %s" % firsts(rows, c, name) for c in cs])
    L += [md_table(header, body), ""]
    L += flash_section(rows, cs)
    L += law_section(rows)
    L += ["## The check of PyTorch's multi-head attention", "", meta["mha_check"], ""]
    for c in cs:
        sel = [r for r in rows if (r["n"], r["tau"], r["dist"]) == c]
        L += ["## %s" % combo_title(c), ""]
        for title, key in (("Max-abs error against the truth of the kernel's rounded inputs",
                            "max_abs"),
                           ("The same in units of the format's unit roundoff u", "max_abs_u"),
                           ("Max-abs error against the truth of the float64 inputs "
                            "(input rounding included)", "max_abs_vs_f64_inputs")):
            body = []
            for name in KERNEL_NAMES:
                byB = {r["B"]: r for r in sel if r["kernel"] == name}
                body.append([name] + [fmt_err(byB[B], key) if B in byB else "" for B in Bs])
            L += ["%s:" % title, "", md_table(["kernel"] + ["B = %s" % fmt_B(B) for B in Bs],
                                               body), ""]
        sc = {r["B"]: r for r in sel}
        L += ["Scores: max tau q.k = %s; max log-sum-exp of a row = %s (B = %s)."
              % (", ".join("%.3g" % sc[B]["score_max"] for B in Bs if B in sc),
                 ", ".join("%.3g" % sc[B]["lse_max"] for B in Bs if B in sc),
                 ", ".join(fmt_B(B) for B in Bs if B in sc)), ""]
        if c in plots:
            L += ["![error against B, %s](%s)" % (combo_title(c), plots[c]), ""]
    with open(path, "w") as f:
        f.write("\n".join(L))


def flash_section(rows, cs):
    L = ["## FlashAttention's criterion", "",
         "A kernel passes at a grid point when its max-abs error is at most twice that of the "
         "naive kernel of its format (float64: fgattn's exact naive kernel; float32: "
         "numpy-f32-max; float16: numpy-f16-max; bfloat16: torch-bf16 itself). Counted over "
         "the grid points where both outputs are finite; the worst ratio beside it.", ""]
    body = []
    for name, _, _, _, _, base in KERNELS:
        sel = [r for r in rows if r["kernel"] == name and r.get("ratio_to_naive", "") != ""]
        if not sel:
            body.append([name, base, "not run" if any(
                r.get("status") == NOT_RUN_TORCH for r in rows if r["kernel"] == name)
                else "—", ""])
            continue
        fin = [r for r in sel if not math.isinf(r["ratio_to_naive"])]
        passed = sum(int(r["flash_ok"]) for r in sel)
        worst = max((r["ratio_to_naive"] for r in fin), default=float("nan"))
        body.append([name, base, "%d / %d" % (passed, len(sel)), "%.3g" % worst])
    L += [md_table(["kernel", "naive kernel of its format", "passes", "worst ratio"], body), ""]
    return L


LAW_B_MIN = 8     # from there on the rounding of the scores dominates the error


def law_section(rows):
    """The measured max-abs error over u max_ij tau q_i.k_j, per kernel, at
    the grid points with B >= LAW_B_MIN where the output is finite."""
    L = ["## The law: error about u max|s|", "",
         "The max-abs error divided by u times the largest score max tau q.k of the instance, "
         "over the grid points with B >= %d where the kernel's output is finite (below that "
         "the error of summing and of rounding the output, a few u, dominates). "
         "theory/precision-audit.md explains why the error is of that order: a score s "
         "rounded in the format moves by about u|s|, hence exp(s) by a relative u|s|, and the "
         "output by up to twice the largest such move (V bounded by 1)." % LAW_B_MIN, ""]
    body = []
    for name in KERNEL_NAMES:
        v = sorted(r["max_abs"] / (r["u"] * abs(r["score_max"])) for r in rows
                   if r["kernel"] == name and r.get("status") == "ok" and r["B"] >= LAW_B_MIN
                   and not math.isinf(r["max_abs"]) and r["score_max"] != 0)
        if not v:
            body.append([name, "0", "", "", ""])
            continue
        body.append([name, str(len(v)), "%.3g" % v[0], "%.3g" % float(np.median(v)),
                     "%.3g" % v[-1]])
    L += [md_table(["kernel", "points", "min", "median", "max"], body), ""]
    return L


def series(rows, combo, kernel):
    sel = sorted((r for r in rows if (r["n"], r["tau"], r["dist"]) == combo
                  and r["kernel"] == kernel and r.get("status") == "ok"), key=lambda r: r["B"])
    return [(r["B"], r["max_abs"]) for r in sel]


PLOT_FLOOR = 1e-18      # a zero error is drawn there (log axes)
PLOT_INF = 10.0         # an Inf/NaN output is drawn there


def plot_stem(c):
    return "audit-n%d-tau%s-%s" % (c[0], "sqrtd" if "sqrt" in c[1] else "d", c[2])


def plot_matplotlib(outdir, rows, cs):
    """One PNG per (n, tau, dist): a panel per format, each kernel's max-abs
    error against B (log axes), the format's unit roundoff u, the law
    u max|s| (s the scores), the headline level, and Inf/NaN outputs drawn
    as crosses on the top line, not joined to the finite points."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    files = {}
    colours = plt.get_cmap("tab10").colors
    for c in cs:
        fig, axes = plt.subplots(2, 2, figsize=(11, 8), sharex=True, sharey=True)
        sel = sorted((r for r in rows if (r["n"], r["tau"], r["dist"]) == c),
                     key=lambda r: r["B"])
        smax = {}
        for r in sel:
            smax[r["B"]] = abs(r["score_max"])
        for ax, fmt in zip(axes.flat, UNIT_ROUNDOFF):
            u = UNIT_ROUNDOFF[fmt]
            names = [k[0] for k in KERNELS if k[2] == fmt]
            for i, name in enumerate(names):
                pts = series(rows, c, name)
                fin = [(b, max(e, PLOT_FLOOR)) for b, e in pts if not math.isinf(e)]
                bad = [b for b, e in pts if math.isinf(e)]
                col = colours[i % len(colours)]
                if fin:
                    ax.plot(*zip(*fin), "-", marker="o", ms=4, color=col, label=name)
                if bad:
                    ax.plot(bad, [PLOT_INF] * len(bad), "x", ms=9, mew=2, color=col,
                            label=None if fin else name)
            Bs = sorted(smax)
            ax.plot(Bs, [u * smax[b] for b in Bs], ":", color="black", lw=1,
                    label="u max|s| (s the scores)")
            ax.axhline(u, color="grey", lw=0.8)
            ax.text(Bs[0], u * 1.5, "u = 2^%d" % round(math.log2(u)), fontsize=8,
                    color="grey")
            ax.axhline(ERR_HEADLINE, color="red", lw=0.8, ls="--")
            ax.axhline(PLOT_INF, color="black", lw=0.5)
            ax.text(Bs[0], PLOT_INF * 1.5, "x: Inf/NaN output", fontsize=8)
            ax.set_title(FORMAT_NAME[fmt], fontsize=10)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_ylim(PLOT_FLOOR / 2, PLOT_INF * 30)
            ax.grid(True, which="major", alpha=0.3)
            ax.legend(fontsize=7, loc="lower right")
        for ax in axes[1]:
            ax.set_xlabel("B (entry bound of Q and K)")
        for ax in axes[:, 0]:
            ax.set_ylabel("max |out - truth|")
        fig.suptitle("Attention kernels against the certified truth of their rounded inputs: "
                     "%s, d = %d" % (combo_title(c), D))
        fig.tight_layout()
        name = plot_stem(c) + ".png"
        fig.savefig(os.path.join(outdir, name), dpi=90)
        plt.close(fig)
        files[c] = name
    return files


def plot_gnuplot(outdir, rows, cs):
    """The fallback without matplotlib: one PNG per (n, tau, dist), every
    kernel's finite errors joined, the Inf/NaN outputs as crosses on the
    top line, the unit roundoffs as grey lines; the .dat and .gp beside it."""
    files = {}
    for c in cs:
        stem = plot_stem(c)
        dat = os.path.join(outdir, stem + ".dat")
        plots, bad = [], []
        with open(dat, "w") as f:
            idx = 0
            for name in KERNEL_NAMES:
                pts = series(rows, c, name)
                fin = [(b, max(e, PLOT_FLOOR)) for b, e in pts if not math.isinf(e)]
                bad += [b for b, e in pts if math.isinf(e)]
                if not fin:
                    continue
                f.write("# %s\n" % name)
                f.write("".join("%r %r\n" % p for p in fin) + "\n\n")
                plots.append("'%s' index %d with linespoints title '%s'" % (dat, idx, name))
                idx += 1
            if bad:
                f.write("# Inf/NaN outputs\n")
                f.write("".join("%r %r\n" % (b, PLOT_INF) for b in sorted(set(bad))) + "\n\n")
                plots.append("'%s' index %d with points pt 2 ps 2 lc rgb 'black' "
                             "title 'Inf/NaN output'" % (dat, idx))
        for fmt, u in UNIT_ROUNDOFF.items():
            plots.append("%r with lines lc rgb 'grey' dt 2 title 'u(%s)'" % (u, FORMAT_NAME[fmt]))
        gp = os.path.join(outdir, stem + ".gp")
        with open(gp, "w") as f:
            f.write("set terminal pngcairo size 900,600\nset output '%s'\n"
                    "set logscale x 2\nset logscale y\nset yrange [%r:%r]\n"
                    "set format y '10^{%%L}'\nset xlabel 'B'\n"
                    "set ylabel 'max |out - truth of the rounded inputs|'\n"
                    "set key outside right font ',8'\nset title '%s, d = %d'\nplot %s\n"
                    % (os.path.join(outdir, stem + ".png"), PLOT_FLOOR / 2, PLOT_INF * 30,
                       combo_title(c), D, ", \\\n  ".join(plots)))
        subprocess.run(["gnuplot", gp], check=True, capture_output=True)
        files[c] = stem + ".png"
    return files


def make_plots(outdir, rows, cs, log):
    try:
        import matplotlib  # noqa: F401
        return plot_matplotlib(outdir, rows, cs), "matplotlib"
    except ImportError:
        pass
    if shutil.which("gnuplot"):
        return plot_gnuplot(outdir, rows, cs), "gnuplot"
    log("no plots: neither matplotlib nor gnuplot is installed")
    return {}, "none"

# ----------------------------------------------------------------------
# Metadata and the check of multi-head attention


def host_info():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f
                        if line.startswith("model name")), "")
    except OSError:
        pass
    return {"node": platform.node(), "platform": platform.platform(), "cpu": cpu,
            "cores": os.cpu_count(), "python": platform.python_version(),
            "load_average_at_start": os.getloadavg()}


def mha_check(rows, torch):
    """multi_head_attention_forward with identity projections must compute
    plain attention: in float64 its error against the truth is that of a
    double kernel, at every grid point at most MHA_NAIVE_FACTOR times that
    of fgattn's naive kernel plus MHA_SLACK_U units of roundoff (a wrong
    scale or projection is off by far more: order 1e-2 and up).  Returns
    (passed, text)."""
    if torch is None:
        return True, "Not run (torch not installed)."
    naive = {(r["n"], r["tau"], r["dist"], r["B"]): r for r in rows
             if r["kernel"] == "fgattn-exact-naive" and r.get("status") == "ok"}
    sel = [r for r in rows if r["kernel"] == "torch-mha-f64" and r.get("status") == "ok"]
    if not sel:
        return False, "torch-mha-f64 did not run: nothing checks the projections and scaling."
    bad, worst = [], 0.0
    for r in sel:
        base = naive.get((r["n"], r["tau"], r["dist"], r["B"]))
        if base is None or math.isinf(base["max_abs"]):
            continue
        bound = MHA_NAIVE_FACTOR * base["max_abs"] + MHA_SLACK_U * UNIT_ROUNDOFF["f64"]
        worst = max(worst, r["max_abs"] / bound)
        if not r["max_abs"] <= bound:
            bad.append("n = %d, tau = %s, %s, B = %g: %.3g" % (r["n"], r["tau"], r["dist"],
                                                                r["B"], r["max_abs"]))
    head = ("torch.nn.functional.multi_head_attention_forward, one head, identity "
            "projections, zero biases, queries multiplied by tau sqrt(d) (exact, a power of "
            "two) since it divides them by sqrt(head_dim) itself, run in float64: ")
    if bad:
        return False, head + ("FAILED, it does not compute the same attention: its error "
                              "exceeds %g times the naive double kernel's plus %g u at %s."
                              % (MHA_NAIVE_FACTOR, MHA_SLACK_U, "; ".join(bad)))
    return True, head + ("at each of the %d grid points its max-abs error is at most %g times "
                         "that of fgattn's naive double kernel plus %g u (the largest ratio "
                         "to that bound: %.2f; its largest error: %.2e): it computes plain "
                         "attention." % (len(sel), MHA_NAIVE_FACTOR, MHA_SLACK_U, worst,
                                         max(r["max_abs"] for r in sel)))


def versions(torch):
    v = {"fgattn": fgattn.__version__, "numpy": np.__version__,
         "torch": torch.__version__ if torch is not None else None, "matplotlib": None}
    try:
        import matplotlib
        v["matplotlib"] = matplotlib.__version__
    except ImportError:
        pass
    if torch is not None:
        v["torch_threads"] = torch.get_num_threads()
    return v

# ----------------------------------------------------------------------
# Main


def parse_args(argv):
    p = argparse.ArgumentParser(description="Precision audit of attention kernels against "
                                "fgattn's certified truth.")
    p.add_argument("-o", "--outdir", required=True, help="output folder (created)")
    p.add_argument("--quick", action="store_true",
                   help="a small grid: n = 256, B = 0.5, 4, 64, uniform, both tau")
    p.add_argument("--n", help="comma-separated n values (overrides the grid)")
    p.add_argument("--B", help="comma-separated B values (overrides the grid)")
    p.add_argument("--tau", help="comma-separated: 1/sqrt(d), 1/d")
    p.add_argument("--dist", help="comma-separated: uniform, gaussian")
    p.add_argument("--rows", type=int, default=256,
                   help="measure at most this many query rows (every step-th row) where n is "
                   "larger; 0 measures all (default 256)")
    p.add_argument("--seed", type=int, default=1, help="seed of fgattn.gen (default 1)")
    p.add_argument("--no-torch", action="store_true", help="do not use torch even if installed")
    p.add_argument("--no-plots", action="store_true", help="write no plots")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    a = p.parse_args(argv)
    grid = dict(QUICK if a.quick else FULL)
    try:
        if a.n:
            grid["n"] = [int(x) for x in a.n.split(",")]
        if a.B:
            grid["B"] = [float(x) for x in a.B.split(",")]
    except ValueError as e:
        p.error("--n/--B: %s" % e)
    for key in ("tau", "dist"):
        val = getattr(a, key)
        if val:
            grid[key] = val.split(",")
    bad = ([t for t in grid["tau"] if t not in TAUS]
           + [x for x in grid["dist"] if x not in ("uniform", "gaussian")]
           + [x for x in grid["n"] if x < 1] + [x for x in grid["B"] if not 0 < x < math.inf])
    if bad or a.rows < 0:
        p.error("bad grid values: %s" % (bad or ["--rows %d" % a.rows]))
    grid["B"] = sorted(float(b) for b in grid["B"])
    return a, grid


def main(argv):
    args, grid = parse_args(argv)
    log = (lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    torch = load_torch(not args.no_torch)
    if torch is None:
        log("torch: %s" % ("not used (--no-torch)" if args.no_torch else "not installed: "
                           "its kernels are not run"))
    os.makedirs(args.outdir, exist_ok=True)
    start = time.perf_counter()
    date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    host = host_info()
    rows, failures, truth_total = [], [], 0.0
    for n in grid["n"]:
        for tau_name in grid["tau"]:
            for dist in grid["dist"]:
                for B in grid["B"]:
                    r, f, t = run_point(n, tau_name, dist, B, args, torch, log)
                    rows += r
                    failures += f
                    truth_total += t
    write_csv(os.path.join(args.outdir, "audit.csv"), rows)
    mha_ok, mha_text = mha_check(rows, torch)
    plots, plotter = ({}, "none") if args.no_plots else make_plots(args.outdir, rows,
                                                                   combos(rows), log)
    big = [n for n in grid["n"] if args.rows and n > args.rows]
    rows_note = ("every output row" if not big else
                 "every row at n <= %d; at n = %s one query row in %s (rows 0, %s, ...: %s "
                 "rows; the keys are all n, the kernels compute the whole output, and Inf/NaN "
                 "is looked for in all of it), so the max-abs error there is the largest over "
                 "those rows" % (args.rows, ", ".join(map(str, big)),
                                 "/".join(str(-(-n // args.rows)) for n in big),
                                 "/".join(str(-(-n // args.rows)) for n in big),
                                 "/".join(str(len(measured_rows(n, args.rows))) for n in big)))
    cmd = " ".join(["python3", os.path.relpath(sys.argv[0])] + list(argv))
    meta = {"command": cmd, "argv": list(argv), "date": date, "host": host,
            "versions": versions(torch), "grid": dict(grid, d=D, Bv=BV, seed=args.seed,
                                                     rows=args.rows),
            "rows_note": rows_note, "taus": TAUS, "unit_roundoff": UNIT_ROUNDOFF,
            "kernels": [{"name": k[0], "library": k[1], "format": FORMAT_NAME[k[2]],
                         "max_subtracted": k[3], "naive_baseline": k[5]} for k in KERNELS],
            "plots": plotter, "mha_check": mha_text, "mha_check_passed": mha_ok,
            "failures": failures, "truth_seconds": truth_total}
    meta["seconds"] = time.perf_counter() - start
    write_md(os.path.join(args.outdir, "audit.md"), rows, meta, plots)
    meta["seconds"] = time.perf_counter() - start
    with open(os.path.join(args.outdir, "audit.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    log("wrote %s/audit.{csv,md,json}%s in %.0f s (truth %.0f s)"
        % (args.outdir, " and %d plots" % len(plots) if plots else "", meta["seconds"],
           truth_total))
    for msg in failures:
        print("audit.py: kernel failed: %s" % msg, file=sys.stderr)
    if not mha_ok:
        print("audit.py: %s" % mha_text, file=sys.stderr)
    return 0 if not failures and mha_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
