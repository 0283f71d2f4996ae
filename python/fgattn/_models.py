# _models.py -- no instance needed: exp's polynomial degrees, poly's cost model, the analyzer

"""expfit, plan, plan_table and analyze: the functions behind `fgattn
expfit`, `fgattn plan`, `fgattn plan --table` and `fgattn analyze`, called
as those commands call them (src/cli/cmd_expfit.c, cmd_plan.c,
cmd_analyze.c).  Exact integers (counts, feature numbers) come back as
Python ints, which never overflow.
"""

import math

from . import _support as S
from ._support import InputError, ComputeError, ffi, lib

RMAX = 1024.0
GMAX = 10000


def _z(z):
    """A GMP integer as a Python int, exactly."""
    n = lib.mpz_sizeinbase(z, 10) + 2
    buf = ffi.new("char[]", n)
    lib.mpz_get_str(buf, 10, z)
    return int(ffi.string(buf))


def _basis(text, allow_both=False):
    if allow_both and text == "both":
        return [lib.FGA_BASIS_TAYLOR, lib.FGA_BASIS_CHEB]
    if not isinstance(text, str):
        raise InputError("basis = %r: expected 'cheb' or 'taylor'" % (text,))
    b = ffi.new("fga_basis *")
    err = S.new_error()
    S.check(lib.fga_basis_parse(b, text.encode(), err), err, "basis: ")
    return [b[0]]


def _prec_for(R, eps):
    """Enough bits that rounding the coefficients adds at most about 2^-64 eps
    to the relative bound (as `fgattn expfit` takes them)."""
    return 64 + math.ceil(2 * R / math.log(2)) + math.ceil(-math.log2(eps))


def _fit(basis, R, eps, relative, npts, want_prev):
    err = S.new_error()
    g = ffi.new("long *")
    rc = lib.fga_expfit_least_degree(g, basis, R, eps, 1 if relative else 0, GMAX, err)
    if rc == lib.FGA_ERR_COMPUTE:
        return None
    S.check(rc, err)
    prec = _prec_for(R, eps)
    p = ffi.new("fga_expfit_struct *")
    S.check(lib.fga_expfit_init(p, basis, R, g[0], prec, err), err)
    meas = ffi.new("double[2]")
    try:
        rc = lib.fga_expfit_measure(meas, meas + 1, p, npts, err)
        f = {"g": g[0], "prec": prec, "bound_abs": p.bound_abs, "bound_rel": p.bound_rel,
             "meas_abs": meas[0], "meas_rel": meas[1], "prev_abs": None, "prev_rel": None}
    finally:
        lib.fga_expfit_clear(p)
    S.check(rc, err)
    if want_prev and g[0] > 0:
        S.check(lib.fga_expfit_init(p, basis, R, g[0] - 1, prec, err), err)
        f["prev_abs"], f["prev_rel"] = p.bound_abs, p.bound_rel
        lib.fga_expfit_clear(p)
    return f


def expfit(R, eps, basis="cheb", absolute=False, points=None):
    """The least degree g of a polynomial within eps of exp on [-R, R], with
    its certified bound (`fgattn expfit`).

    R: in (0, 1024].  eps: in (0, 1).
    basis="cheb": the truncated Chebyshev series, or "taylor" (the Taylor
      polynomial at 0); "both" for a table (lists of R or eps).
    absolute=False: the error is relative, |p(x) - e^x| <= eps e^x; with
      absolute=True, |p(x) - e^x| <= eps.
    points=None: the measured error's equispaced points (default 4001; 1001
      for a table).

    Returns a dict for a single R and eps: basis, error ("relative" or
    "absolute"), R, eps, degree, bound (certified: proved and rounded
    upward, for the polynomial with its coefficients as stored at prec
    bits), measured (the largest error on the points, in MPFR, a check
    beside it), bound_at_g_minus_1 (shows that g is least; None at g = 0),
    aggarwal_alman (max{R, ln(1/eps) / ln(ln(1/eps)/R)}, the growth of the
    degree in Aggarwal and Alman's bound, constants left out), bound_abs,
    bound_rel, measured_abs, measured_rel, prec, points.  With a list of R
    or of eps (or both): a list of dicts, one per R, eps and basis, with R,
    eps, basis, error, degree, bound, measured, aggarwal_alman.

    Raises fgattn.ComputeError when no degree up to 10000 meets eps.

    Example:
    >>> import fgattn
    >>> fgattn.expfit(4, 1e-6)["degree"]     # fgattn expfit --R 4 --eps 1e-6
    15
    """
    table = isinstance(R, (list, tuple)) or isinstance(eps, (list, tuple))
    Rs = [S.real(x, "R", positive=True, hi=RMAX) for x in (R if isinstance(R, (list, tuple))
                                                           else [R])]
    es = [S.real(x, "eps", positive=True) for x in (eps if isinstance(eps, (list, tuple))
                                                    else [eps])]
    for e in es:
        if not e < 1:
            raise InputError("eps = %r: outside (0, 1)" % e)
    if not Rs or not es:
        raise InputError("R and eps: at least one value each")
    bases = _basis(basis, allow_both=table)
    npts = S.whole(points if points is not None else (1001 if table else 4001), "points", 2,
                   1000000)
    relative = not absolute
    kind = "relative" if relative else "absolute"
    if not table:
        f = _fit(bases[0], Rs[0], es[0], relative, npts, True)
        if f is None:
            raise ComputeError("no degree up to %d meets eps = %r on [-%r, %r]"
                               % (GMAX, es[0], Rs[0], Rs[0]), lib.FGA_ERR_COMPUTE)
        pick = (lambda a, r: r) if relative else (lambda a, r: a)
        return {"basis": S.cstr(lib.fga_basis_name(bases[0])), "error": kind, "R": Rs[0],
                "eps": es[0], "degree": f["g"], "bound": pick(f["bound_abs"], f["bound_rel"]),
                "measured": pick(f["meas_abs"], f["meas_rel"]),
                "bound_at_g_minus_1": pick(f["prev_abs"], f["prev_rel"]),
                "aggarwal_alman": lib.fga_expfit_aggarwal_alman(Rs[0], es[0]),
                "bound_abs": f["bound_abs"], "bound_rel": f["bound_rel"],
                "measured_abs": f["meas_abs"], "measured_rel": f["meas_rel"],
                "prec": f["prec"], "points": npts}
    rows, missing = [], 0
    for r in Rs:
        for e in es:
            for b in bases:
                f = _fit(b, r, e, relative, npts, False)
                missing += f is None
                if f is not None:
                    rows.append({"R": r, "eps": e, "basis": S.cstr(lib.fga_basis_name(b)),
                                 "error": kind, "degree": f["g"],
                                 "bound": f["bound_rel"] if relative else f["bound_abs"],
                                 "measured": f["meas_rel"] if relative else f["meas_abs"],
                                 "aggarwal_alman": lib.fga_expfit_aggarwal_alman(r, e)})
    if missing:
        raise ComputeError("%d cells have no degree up to %d that meets eps" % (missing, GMAX),
                           lib.FGA_ERR_COMPUTE)
    return rows


def plan(n, d, B, eps, nk=None, dv=None, Bv=None, tau=None, scale=None, basis="cheb",
         time=False):
    """The cost model of the polynomial method before any data (`fgattn
    plan`): degree, feature count and predicted operations.

    n queries (nk=None keys: n), d (dv=None: d), entries of Q and K bounded
    by B and of V by Bv (None: B), eps the additive target on the output.
    tau=None, scale=None: as for fgattn.truth(): tau = 1/d when neither is
    given (the program's default, not PyTorch's 1/sqrt(d)).
    basis="cheb" or "taylor".

    Returns a dict with the program's names: n, nk, d, dv, B, Bv, tau, eps,
    eps_rel = eps / (2 Bv), R = tau d B^2 (rounded up), basis, g (the least
    degree certified within eps_rel of exp on [-R, R]), bound_rel, r =
    C(d + g, d), r_alman_song = C(2 (g + d), 2 g), r_over_n, poly_mul ..
    poly_cmp and poly_total, exact_mul .. exact_cmp and exact_total (exact
    ints), poly_over_exact, cheaper ("poly", "exact" or "equal"),
    crossover_n (the least n from which poly's count is the smaller; None
    when there is none), rounding_bound (the a-priori bound on the double
    evaluation's rounding error, relative to ||V||_inf), eps_rule ("fixed":
    eps is a number) and radius ("apriori": R = tau d B^2; the program's
    --radius data, the radius of an instance's data, is not offered here).

    time=True adds the model in seconds on this machine (`fgattn plan
    --time`; it first times small runs of exact:algo=stream and of poly at
    degree g, a second or so): poly_seconds and exact_seconds at (n, nk),
    time_cheaper, crossover_time_n (None when there is none below 2^62),
    the rates exact_fixed_s, exact_per_pair_s, poly_fixed_s,
    poly_per_row_s (exact takes exact_fixed_s + exact_per_pair_s nq nk
    seconds, poly poly_fixed_s + poly_per_row_s (nq + nk) / 2), and
    time_degree_run (the degree poly was timed at).

    Example:
    >>> import fgattn
    >>> p = fgattn.plan(65536, 8, 1.0, 1e-6)     # fgattn plan -n 65536 -d 8 -B 1 --eps 1e-6
    >>> p["cheaper"], p["r"] == __import__("math").comb(8 + p["g"], 8)
    ('poly', True)
    """
    n = S.whole(n, "n", 1)
    d = S.whole(d, "d", 1)
    nk = n if nk is None else S.whole(nk, "nk", 1)
    dv = d if dv is None else S.whole(dv, "dv", 1)
    B = S.real(B, "B", positive=True)
    Bv = B if Bv is None else S.real(Bv, "Bv", lo=0.0)
    eps = S.real(eps, "eps", positive=True)
    t = S.make_tau(tau, scale)
    b = _basis(basis)[0]
    pl = ffi.new("fga_poly_cost *")
    err = S.new_error()
    S.check(lib.fga_poly_cost_init(pl, n, nk, d, dv, B, Bv, t, eps, b, err), err)
    try:
        kinds = ("mul", "add", "exp", "div", "cmp")
        res = {"n": n, "nk": nk, "d": d, "dv": dv, "B": B, "Bv": Bv, "tau": S.tau_text(t),
               "eps": eps, "eps_rel": pl.eps_rel, "R": pl.R,
               "basis": S.cstr(lib.fga_basis_name(b)), "g": pl.g, "bound_rel": pl.bound_rel,
               "r": _z(pl.r), "r_alman_song": _z(pl.r_as)}
        res["r_over_n"] = res["r"] / n
        for j, kind in enumerate(kinds):
            res["poly_" + kind] = _z(pl.poly[j])
        res["poly_total"] = _z(pl.poly_total)
        for j, kind in enumerate(kinds):
            res["exact_" + kind] = _z(pl.exact[j])
        res["exact_total"] = _z(pl.exact_total)
        res["poly_over_exact"] = res["poly_total"] / res["exact_total"]
        pt, et = res["poly_total"], res["exact_total"]
        res["cheaper"] = "poly" if pt < et else "exact" if pt > et else "equal"
        cn = _z(pl.crossover_n)
        res["crossover_n"] = cn if cn > 0 else None
        res["rounding_bound"] = pl.rounding_bound
        # the program's --eps 1/n and --radius data have no counterpart here
        res["eps_rule"] = "fixed"
        res["radius"] = "apriori"
        if time:
            res.update(_plan_time(d, dv, t, b, pl.g, pl.R, n, nk))
    finally:
        lib.fga_poly_cost_clear(pl)
    return res


def _plan_time(d, dv, t, b, g, R, n, nk):
    """plan(time=True)'s columns: the time model at degree g (at least 1,
    as the program takes it) and radius R."""
    tmp = ffi.new("fga_time_model *")
    err = S.new_error()
    S.check(lib.fga_time_model_create(tmp, d, dv, t, b, err), err)
    try:
        rt = ffi.new("fga_time_rates *")
        S.check(lib.fga_time_model_rates(rt, tmp[0], max(g, 1), R, err), err)
    finally:
        lib.fga_time_model_destroy(tmp[0])
    ps = rt.poly_fixed + rt.poly_per_row * (float(n) + float(nk)) / 2
    es = rt.exact_fixed + rt.exact_per_pair * float(n) * float(nk)
    cross = lib.fga_time_crossover(rt)
    return {"poly_seconds": ps, "exact_seconds": es,
            "time_cheaper": "poly" if ps < es else "exact",
            "crossover_time_n": int(cross) if cross > 0 else None,
            "exact_fixed_s": rt.exact_fixed, "exact_per_pair_s": rt.exact_per_pair,
            "poly_fixed_s": rt.poly_fixed, "poly_per_row_s": rt.poly_per_row,
            "time_degree_run": rt.g_run}


def _items(x, name, sep=","):
    if isinstance(x, (list, tuple)):
        items = list(x)
    elif isinstance(x, str):
        items = x.replace(";", ",").split(",") if sep == ",;" else x.split(",")
    else:
        items = [x]
    if not items or len(items) > lib.FGA_ASYM_MAX_LIST:
        raise InputError("%s: 1 to %d values" % (name, lib.FGA_ASYM_MAX_LIST))
    return items


def _pow2(x, name):
    """n = 2^K given as "2^K" or as its value: K."""
    if isinstance(x, str) and x.startswith("2^"):
        try:
            k = int(x[2:])
        except ValueError:
            k = 0
        if not 1 <= k <= 1023 or x[2:] != str(k):
            raise InputError("%s = %r: expected 2^K with K a whole number from 1 to 1023"
                             % (name, x))
        return k
    v = S.whole(x, name, 2)
    if v & (v - 1) or v.bit_length() - 1 > 1023:
        raise InputError("%s = %r: n must be a power of two from 2 to 2^1023" % (name, x))
    return v.bit_length() - 1


def plan_table(law=None, beta=None, eps=None, d=None, tau=None, basis="cheb", n_min=None,
               n_max=None, n_step=None, window=None):
    """The asymptotic table of the polynomial method (`fgattn plan --table`):
    its degree and feature count for n = 2^k as B grows with n, no instance.

    law=None: laws f of n, B = beta f(n) -- a list or a comma- or
      semicolon-separated text of "1", "sqrt(ln n)", "ln n", "(ln n)^P",
      each but "1" optionally followed by "/ln(ln n)"; default
      1, (ln n)^(1/4), sqrt(ln n)/ln(ln n), sqrt(ln n).
    beta=None: factors (default 0.5, 1).  eps=None: accuracies eps_a, the
      additive target on the output: numbers or "1/n", "n^-C" (default 1/n).
    d=None: d at n, a number or "ceil(log2 n)" (the default), "c*log2(n)",
      "ceil(c*log2(n))".  tau=None: "1/d" (the default), "1/sqrt(d)" or a
      number, at d.  basis="cheb" or "taylor".
    n_min=None, n_max=None: powers of two, as ints or "2^K" (default 2^8 and
      2^64; up to 2^1023).  n_step=None: every K-th power (default 1).
    window=None: the local exponent's half-width W (1..64, default 8).

    Returns a list of dicts, by law, beta, eps, then n: law, beta, eps,
    log2_n, n (an int), d, B, R = tau d B^2, eps_rel = eps_a / 2, g, r =
    C(d + g, d) (an exact int), log2_r, exp_global = log2 r / log2 n,
    exp_local (the least-squares slope of log2 r against log2 n over 2W + 1
    powers of two; NaN with fewer than 2 points), local_points, r_lt_n,
    beta_star and beta_star_lo (for Theta(sqrt(log n)) laws: r(beta_star_lo)
    < n <= r(beta_star); None for the other laws).

    Example:
    >>> import fgattn
    >>> rows = fgattn.plan_table(law="sqrt(ln n)", beta=[1], n_max="2^16")
    >>> rows[0]["n"], rows[-1]["n"]
    (256, 65536)
    """
    c = ffi.new("fga_asym_config *")
    lib.fga_asym_config_default(c)
    err = S.new_error()
    if law is not None:
        items = _items(law, "law", ",;")
        for i, text in enumerate(items):
            if not isinstance(text, str):
                raise InputError("law = %r: expected text such as 'sqrt(ln n)'" % (text,))
            S.check(lib.fga_law_parse(ffi.addressof(c.laws, i), text.strip().encode(),
                                      b"law", err), err)
        c.nlaws = len(items)
    if beta is not None:
        items = _items(beta, "beta")
        for i, x in enumerate(items):
            c.beta[i] = S.real(float(x) if isinstance(x, str) else x, "beta", positive=True)
        c.nbeta = len(items)
    if eps is not None:
        items = _items(eps, "eps")
        for i, x in enumerate(items):
            text = x if isinstance(x, str) else repr(S.real(x, "eps", positive=True))
            S.check(lib.fga_accuracy_parse(ffi.addressof(c.eps, i), text.strip().encode(),
                                           b"eps", err), err)
        c.neps = len(items)
    if d is not None:
        S.check(lib.fga_asym_d_parse(c, str(d).encode(), b"d", err), err)
    if tau is not None:
        c.tau = S.make_tau(tau)[0]
    c.basis = _basis(basis)[0]
    if n_min is not None:
        c.kmin = _pow2(n_min, "n_min")
    if n_max is not None:
        c.kmax = _pow2(n_max, "n_max")
    if n_step is not None:
        c.kstep = S.whole(n_step, "n_step", 1, 1023)
    if window is not None:
        c.window = S.whole(window, "window", 1, 64)
    S.check(lib.fga_asym_config_check(c, err), err)
    tab = ffi.new("fga_asym_table *")
    S.check(lib.fga_asym_table_compute(tab, c, err), err)
    rows = []
    try:
        for i in range(tab.nrows):
            w = tab.rows[i]
            star = None if math.isnan(w.beta_star) else w.beta_star
            star_lo = None if math.isnan(w.beta_star_lo) else w.beta_star_lo
            rows.append({"law": ffi.string(c.laws[w.law].text).decode(),
                         "beta": c.beta[w.beta], "eps": ffi.string(c.eps[w.eps].text).decode(),
                         "log2_n": w.k, "n": 2 ** w.k, "d": w.d, "B": w.B, "R": w.R,
                         "eps_rel": w.eps_rel, "g": w.g, "r": _z(w.r), "log2_r": w.log2_r,
                         "exp_global": w.exp_global, "exp_local": w.exp_local,
                         "local_points": w.local_points, "r_lt_n": bool(w.r_below_n),
                         "beta_star": star, "beta_star_lo": star_lo})
    finally:
        lib.fga_asym_table_clear(tab)
    return rows


_SIZES = {"heads": 1, "block": 0, "w": 0, "l": 0, "c": 1, "r": 1, "alpha": 2, "levels": 0,
          "head": 0, "m": 1, "k": 1, "sram": 1}
_KINDS = {"pos": "FGA_RF_POS", "hyp": "FGA_RF_HYP", "trig": "FGA_RF_TRIG"}


def analyze(mech, n, d, nk=None, dv=None, causal=False, lse=False, kind=None, segment=False,
            separable=False, g=None, iters=None, **sizes):
    """Exact counts, memory, steps, path length and depth of one layer of a
    mechanism (`fgattn analyze --mech`), in exact integers.

    mech: vanilla, stream, window, strided, dilated, fixed, poly, rf,
      nystrom (their counts equal what fgattn's methods record when run),
      mha, recurrent, conv, linear, flash, or the spec of a method with
      operation counts ("window:w=8"; one no mechanism models, such as
      "exact:algo=blas", gives its counts alone).
    n, d: sizes (nq = n); nk=None: n; dv=None: d.
    causal=False, lse=False: the causal mask; the log-sum-exp output.
    kind=None: rf's features, "pos" (the default), "hyp" or "trig".
    segment=False: nystrom's segment-mean landmarks.  separable=False: conv.
    g=None: poly's degree (default 2).  iters=None: nystrom's iterations
      (default 6).
    sizes: heads (1), block (stream: 0 for 256), w (window's radius; dilated
      w0, default 2048), l (strided and fixed; 0 for ceil(sqrt n)), c (fixed's
      summary positions, 1), r (dilated's rate, 1), alpha (2), levels (0),
      head (0), m (rf, nystrom, linear), k (conv's kernel, 3), sram (flash's
      on-chip words, 131072).

    Returns a dict: mechanism, mul, add, exp, div, cmp and work (their sum),
    modelled; when modelled, also macs, scores, flops_<convention> for
    macs, flop2, softmax3, softmax5 and all (with causal: _halved and _dense
    variants), mem_elems, mem_bytes, mem_model, traffic (None when not
    modelled), steps, path, depth, depth_model, brent_p1, brent_p64,
    brent_p1024 and brent_p1048576 (T_p <= ceil(W/p) + D).

    Example:
    >>> import fgattn
    >>> a = fgattn.analyze("vanilla", 4096, 64)     # fgattn analyze --mech vanilla -n 4096 -d 64
    >>> a["exp"] == 4096 * 4096
    True
    """
    if not isinstance(mech, str) or not lib.fga_an_mech_known(mech.encode()):
        buf = ffi.new("char[1024]")
        raise InputError("mech = %r: unknown mechanism (%s)"
                         % (mech, S.cstr(lib.fga_an_mech_list(buf, 1024, 0))))
    s = ffi.new("fga_an_spec *")
    lib.fga_an_spec_init(s)
    mech_buf = ffi.new("char[]", mech.encode())
    s.mech = mech_buf
    s.nq = S.whole(n, "n", 1)
    s.nk = s.nq if nk is None else S.whole(nk, "nk", 1)
    s.d = S.whole(d, "d", 1)
    s.dv = s.d if dv is None else S.whole(dv, "dv", 1)
    s.causal, s.lse, s.segment, s.separable = (bool(causal), bool(lse), bool(segment),
                                               bool(separable))
    for key, value in sizes.items():
        if key not in _SIZES:
            raise TypeError("analyze() got an unexpected keyword argument %r" % key)
        setattr(s, key, S.whole(value, key, _SIZES[key]))
    if kind is not None:
        if kind not in _KINDS:
            raise InputError("kind = %r: not pos, hyp or trig" % (kind,))
        s.rf_kind = getattr(lib, _KINDS[kind])
    if g is not None:
        s.g = S.whole(g, "g", 0, 2 ** 63 - 1)
    if iters is not None:
        s.iters = S.whole(iters, "iters", 0, 2 ** 63 - 1)
    if mech == "dilated" and s.w == 0:
        s.w = 2048
    if mech == "poly" and s.g == 0:
        s.g = 2
    res = ffi.new("fga_an_result *")
    lib.fga_an_result_init(res)
    f = ffi.new("__mpz_struct *")
    p = ffi.new("__mpz_struct *")
    lib.mpz_init(f)
    lib.mpz_init(p)
    err = S.new_error()
    try:
        if lib.fga_an_resolve(s, s, err) != lib.FGA_OK or lib.fga_an_analyze(res, s, err) != 0:
            raise S.library_error(err.code, err)
        out = {"mechanism": ffi.string(res.mech).decode()}
        for j, k in enumerate(("mul", "add", "exp", "div", "cmp")):
            out[k] = _z(res.ops[j])
        out["work"] = _z(res.work)
        out["modelled"] = bool(res.modelled)
        if not res.modelled:
            return out
        out["macs"], out["scores"] = _z(res.macs), _z(res.scores)
        for cv in range(lib.FGA_FLOP_NCONV):
            for halve in range(3 if s.causal else 1):
                lib.fga_an_flops(f, res, cv, halve)
                name = "flops_%s%s" % (S.cstr(lib.fga_flop_conv_name(cv)),
                                       ("", "_halved", "_dense")[halve])
                out[name] = _z(f)
                if cv == lib.FGA_FLOP_ALL:
                    break
        out["mem_elems"], out["mem_bytes"] = _z(res.mem_elems), _z(res.mem_bytes)
        out["mem_model"] = S.cstr(res.mem_model)
        traffic = _z(res.traffic)
        out["traffic"] = traffic if traffic > 0 else None
        out["steps"], out["path"], out["depth"] = _z(res.steps), _z(res.path), _z(res.depth)
        out["depth_model"] = S.cstr(res.depth_model)
        for ps in (1, 64, 1024, 1 << 20):
            lib.mpz_set_ui(p, ps)
            lib.fga_an_brent(f, res, p)
            out["brent_p%d" % ps] = _z(f)
        return out
    finally:
        lib.mpz_clear(f)
        lib.mpz_clear(p)
        lib.fga_an_result_clear(res)
