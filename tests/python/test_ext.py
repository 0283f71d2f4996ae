# test_ext.py -- an external command as a method (ext:cmd=...) from Python:
# a correct one, and one that fails in each way, each a ComputeError that
# carries the cause.

import sys
import textwrap

import numpy as np
import pytest

import fgattn

# The command: numpy attention with the row maximum subtracted, or a
# failure chosen by its first argument.
SCRIPT = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    mode, q, k, v, out = sys.argv[1:6]
    Q, K, V = np.load(q), np.load(k), np.load(v)
    tau = float(os.environ["FGATTN_TAU"])
    S = tau * (Q @ K.T)
    P = np.exp(S - S.max(axis=1, keepdims=True))
    T = (P / P.sum(axis=1, keepdims=True)) @ V
    if mode == "exit1":
        sys.stderr.write("my kernel gave up\\n")
        sys.exit(1)
    if mode == "sleep":
        time.sleep(30)
    if mode == "shape":
        T = T[:, :1]
    if mode == "nan":
        T[0, 0] = np.nan
    np.save(out, T)
""")


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    p = tmp_path_factory.mktemp("ext") / "my_attn.py"
    p.write_text(SCRIPT)
    return p


def spec(script, mode, timeout=20):
    return "ext:timeout=%g,cmd=%s %s %s {Q} {K} {V} {out}" % (timeout, sys.executable, script,
                                                              mode)


def instance():
    return fgattn.gen(32, 4, 1.5, seed=3)


def test_correct_command_matches_the_truth(script):
    Q, K, V = instance()
    out, stats = fgattn.run(spec(script, "ok"), Q, K, V)
    # numpy's double kernel: a few ulps of the certified truth
    fgattn.assert_attention_close(out, Q, K, V, atol=1e-14, rtol=0)


@pytest.mark.parametrize("mode, cause", [
    ("exit1", "my kernel gave up"),
    ("shape", "32 x 1, not 32 x 4"),
    ("nan", "NaN"),
    ("sleep", "timeout"),
])
def test_each_failure_is_a_compute_error(script, mode, cause):
    Q, K, V = instance()
    with pytest.raises(fgattn.ComputeError) as e:
        fgattn.run(spec(script, mode, timeout=3 if mode == "sleep" else 20), Q, K, V)
    assert cause.lower() in str(e.value).lower(), str(e.value)
