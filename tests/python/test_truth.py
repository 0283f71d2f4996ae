# test_truth.py -- fgattn.truth and fgattn.gen: the program's bits; mpmath's values rounded once

import math

import mpmath
import numpy as np
import pytest

import fgattn
from conftest import bits, mp_attention

DISTS = ["uniform", "rademacher", "gaussian", "lowrank", "clustered"]


@pytest.mark.parametrize("dist", DISTS)
def test_gen_is_the_programs_instance(cli, tmp_path, dist):
    """gen() and `fgattn gen` with the same arguments: the same bits."""
    cli("gen", "-n", 37, "--nk", 29, "-d", 5, "--dv", 3, "-B", 2.5, "--Bv", 0.75,
        "--dist", dist, "--seed", 11, "-o", tmp_path / "inst")
    inst = fgattn.gen(37, 5, 2.5, nk=29, dv=3, Bv=0.75, dist=dist, seed=11)
    for name, a in zip("QKV", inst):
        b = np.load(tmp_path / "inst" / (name + ".npy"))
        assert a.shape == b.shape
        assert (bits(a) == bits(b)).all(), name
    assert (inst.B, inst.Bv, inst.dist, inst.seed) == (2.5, 0.75, dist, 11)


def test_gen_defaults(cli, tmp_path):
    """nk = n, dv = d, Bv = B, uniform, seed 1, as the program's defaults."""
    cli("gen", "-n", 20, "-d", 4, "-B", 1, "-o", tmp_path / "i")
    Q, K, V = fgattn.gen(20, 4, 1.0)
    for name, a in zip("QKV", (Q, K, V)):
        assert (bits(a) == bits(np.load(tmp_path / "i" / (name + ".npy")))).all()


@pytest.mark.parametrize("tau_opt,kw", [(None, {}), ("1/sqrt(d)", {"tau": "1/sqrt(d)"}),
                                        ("0.3", {"scale": 0.3}), ("0.3", {"tau": 0.3})])
def test_truth_is_the_programs(cli, tmp_path, tau_opt, kw):
    """truth() and `fgattn truth -o` on the same instance: the same bits
    (and the same log-sum-exp)."""
    inst = tmp_path / "inst"
    cli("gen", "-n", 40, "--nk", 33, "-d", 6, "--dv", 4, "-B", 3, "--seed", 5, "-o", inst)
    args = ["truth", "-i", inst, "-o", tmp_path / "t.npy", "--lse", tmp_path / "l.npy"]
    if tau_opt is not None:
        args += ["--tau", tau_opt]
    cli(*args)
    Q, K, V = (np.load(inst / (n + ".npy")) for n in "QKV")
    T, L = fgattn.truth(Q, K, V, lse=True, **kw)
    assert (bits(T) == bits(np.load(tmp_path / "t.npy"))).all()
    assert (bits(L) == bits(np.load(tmp_path / "l.npy"))).all()


def _hard_cases():
    rng = np.random.default_rng(7)
    cases = {}
    cases["random"] = (rng.uniform(-1, 1, (5, 3)), rng.uniform(-1, 1, (7, 3)),
                       rng.uniform(-1, 1, (7, 2)))
    # scores near +-2000: exp overflows every double, the truth does not
    Qh = rng.uniform(-40, 40, (4, 2))
    cases["huge scores"] = (Qh, rng.uniform(-40, 40, (6, 2)), rng.uniform(-1, 1, (6, 3)))
    # ties: repeated keys and queries, so equal scores and equal rows
    K = np.repeat(rng.uniform(-2, 2, (3, 4)), 2, axis=0)
    Q = np.repeat(rng.uniform(-2, 2, (2, 4)), 2, axis=0)
    cases["ties"] = (Q, K, rng.uniform(-1, 1, (6, 2)))
    # V whose weighted sums cancel to far below its entries
    Vc = np.array([[1.0, 1e-3], [-1.0 + 2.0 ** -40, -1e-3], [0.5, 3.0], [-0.5, -3.0 + 2 ** -30]])
    Kc = np.array([[0.1, 0.2], [0.1, 0.2], [-0.3, 0.4], [-0.3, 0.4]])
    cases["cancellation"] = (rng.uniform(-1, 1, (3, 2)), Kc, Vc)
    # an exact zero, and an exact midpoint between two doubles (ties to even)
    Kt = np.array([[0.5, 0.25], [0.5, 0.25]])
    cases["exact zero and midpoint"] = (np.array([[0.3, -0.7], [1.0, 2.0]]), Kt,
                                        np.array([[1.0, 1.0, 3.0], [-1.0, 1.0 + 2 ** -52, 1.0]]))
    # entries of V near the ends of the doubles
    cases["tiny and huge V"] = (rng.uniform(-1, 1, (3, 2)), rng.uniform(-1, 1, (4, 2)),
                                np.array([[1e-300, 1e300], [3e-310, -1e300],
                                          [-2e-308, 5e299], [1e-320, 1e-300]]))
    return cases


HARD = _hard_cases()


@pytest.mark.parametrize("name", list(HARD))
def test_truth_is_correctly_rounded(name):
    """Every entry equals the exact value (mpmath at 800 bits) rounded once to
    the nearest double, ties to even; the log-sum-exp too; and the bound holds."""
    Q, K, V = HARD[name]
    want, want_lse = mp_attention(Q, K, V, lambda: mpmath.mpf(1) / Q.shape[1], lse=True)
    T, E, L = fgattn.truth(Q, K, V, bound=True, lse=True)
    assert (bits(T) == bits(want)).all(), (T, want)
    assert (bits(L) == bits(want_lse)).all()
    # |T - exact| <= E, E about half an ulp of T or less
    assert (E >= 0).all()
    half_ulp = np.spacing(np.abs(T)) / 2
    assert (E <= half_ulp * (1 + 2.0 ** -40) + 2.0 ** -1074).all()


def test_truth_of_an_exact_tie_is_even():
    """Equal keys: the output is the plain mean of V's rows, here exactly half
    way between 1 and its successor; the truth is 1 (even)."""
    T = fgattn.truth(np.ones((1, 2)), np.ones((2, 2)), np.array([[1.0], [1.0 + 2 ** -52]]))
    assert T[0, 0] == 1.0


def test_scale_is_tau():
    """scale= is tau under PyTorch's name, the double taken exactly; both is
    a ValueError; neither is tau = 1/d."""
    Q, K, V = fgattn.gen(16, 8, 2.0, seed=3)
    s = 1 / math.sqrt(8)
    assert (bits(fgattn.truth(Q, K, V, scale=s)) == bits(fgattn.truth(Q, K, V, tau=s))).all()
    default = fgattn.truth(Q, K, V)
    assert (bits(default) == bits(fgattn.truth(Q, K, V, tau="1/d"))).all()
    assert (bits(default) == bits(fgattn.truth(Q, K, V, scale=0.125))).all()   # 1/8 is exact
    want = mp_attention(Q[:3], K, V, s)
    assert (bits(fgattn.truth(Q[:3], K, V, scale=s)) == bits(want)).all()
    want = mp_attention(Q[:3], K, V, lambda: 1 / mpmath.sqrt(8))
    assert (bits(fgattn.truth(Q[:3], K, V, tau="1/sqrt(d)")) == bits(want)).all()
    with pytest.raises(ValueError, match="not both"):
        fgattn.truth(Q, K, V, tau=0.5, scale=0.5)


@pytest.mark.parametrize("workers", [None, 1, 3])
def test_batch_is_the_loop(workers):
    """(2, 3, n, d) inputs: every item equals its own call, in any pool."""
    rng = np.random.default_rng(3)
    Q, K, V = (rng.uniform(-2, 2, (2, 3, 9, 4)), rng.uniform(-2, 2, (2, 3, 11, 4)),
               rng.uniform(-1, 1, (2, 3, 11, 5)))
    T, E, L, info = fgattn.truth(Q, K, V, bound=True, lse=True, info=True, workers=workers)
    assert T.shape == (2, 3, 9, 5) and E.shape == T.shape and L.shape == (2, 3, 9)
    assert len(info) == 6
    if workers != 1:
        # in a pool, the library's kernels hold one thread per item
        assert all(i["threads"] == 1 for i in info)
    for i in range(2):
        for j in range(3):
            t, e, lse = fgattn.truth(Q[i, j], K[i, j], V[i, j], bound=True, lse=True)
            assert (bits(T[i, j]) == bits(t)).all()
            assert (bits(E[i, j]) == bits(e)).all()
            assert (bits(L[i, j]) == bits(lse)).all()


def test_batch_error_names_the_item():
    Q = np.zeros((2, 3, 4, 2))
    K = np.ones((2, 3, 5, 2))
    V = np.ones((2, 3, 5, 1))
    V[1, 2, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"V\[1, 2, 0, 0\] is nan"):
        fgattn.truth(Q, K, V)


def _bf16_exact(a):
    """a (float64) rounded to values bfloat16 holds, and their bits."""
    b32 = a.astype(np.float32).view(np.uint32) & np.uint32(0xFFFF0000)
    return b32.view(np.float32).astype(np.float64), (b32 >> 16).astype(np.uint16)


def test_narrow_dtypes_are_widened_exactly():
    """float32, float16 and bfloat16 (uint16 or int16 bits with bf16=True)
    give the truth of the values they hold, exactly."""
    rng = np.random.default_rng(5)
    Q, K, V = rng.uniform(-3, 3, (6, 4)), rng.uniform(-3, 3, (8, 4)), rng.uniform(-1, 1, (8, 3))
    for dt in (np.float32, np.float16):
        q, k, v = (a.astype(dt) for a in (Q, K, V))
        want = fgattn.truth(*(a.astype(np.float64) for a in (q, k, v)))
        assert (bits(fgattn.truth(q, k, v)) == bits(want)).all()
    (q, qb), (k, kb), (v, vb) = (_bf16_exact(a) for a in (Q, K, V))
    want = fgattn.truth(q, k, v)
    assert (bits(fgattn.truth(qb, kb, vb, bf16=True)) == bits(want)).all()
    got = fgattn.truth(qb.view(np.int16), kb.view(np.int16), vb.view(np.int16), bf16=True)
    assert (bits(got) == bits(want)).all()
    # mixed: float64 Q with bfloat16 K and V
    assert (bits(fgattn.truth(q, kb, vb, bf16=True)) == bits(want)).all()


def test_truth_needs_a_decision_or_says_so():
    """Bits that no precision up to prec_max decides are an error, never a
    guess; prec and prec_max out of range are refused."""
    Q, K, V = fgattn.gen(8, 2, 1.0)
    with pytest.raises(ValueError, match="prec_max"):
        fgattn.truth(Q, K, V, prec=256, prec_max=128)
    with pytest.raises(ValueError, match="prec"):
        fgattn.truth(Q, K, V, prec=10)
    T, info = fgattn.truth(Q, K, V, prec=64, prec_max=64, info=True)
    assert info["undecided"] == 0 and info["prec_used_max"] == 64


def test_truth_in_place_and_read_only():
    """C-contiguous float64 is read in place, never written; read-only arrays
    are fine; non-contiguous ones are copied and give the same bits."""
    Q, K, V = fgattn.gen(12, 3, 1.5, seed=9)
    from fgattn import _support
    assert _support.widen(Q, "Q") is Q
    m, buf = _support.mat(Q)
    assert int(_support.ffi.cast("uintptr_t", m.data)) == Q.ctypes.data   # no copy
    copies = [a.copy() for a in (Q, K, V)]
    for a in (Q, K, V):
        a.setflags(write=False)
    T = fgattn.truth(Q, K, V)
    for a, c in zip((Q, K, V), copies):
        assert (bits(a) == bits(c)).all()
    Qf, Kf = np.asfortranarray(Q), np.asfortranarray(K)
    Vs = np.zeros((12, 6))[:, ::2]
    Vs[:] = V
    assert not Vs.flags.c_contiguous
    assert (bits(fgattn.truth(Qf, Kf, Vs)) == bits(T)).all()
