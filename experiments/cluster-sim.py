#!/usr/bin/env python3
"""cluster-sim.py -- what a cluster of P workers makes of a run's cells or steps

Largest-first list scheduling (LPT, the order fga_farm_local and fgattn-mpi's
farm hand tasks out in): each task, largest cost first, goes to the worker
that is free first.  Printed: the distribution of the costs, the makespan
against total / P (the time P workers would take if the work split evenly),
the lower bound max(total / P, largest task), and the critical task -- the
one that ends last.  Communication and start-up are not modelled.

Sources of the costs (python3, standard library only):

  sweep-model CONFIG   a sweep's cells weighed by its cost model (the
                       "Progress" comment of src/fgattn/experiment.h):
                       n^2 ((d + dv) (t + m + c) + r), arbitrary units
  sweep-csv DIR        a finished sweep's measured times: per cell the sum of
                       results.csv's wall_seconds (the method runs) and of
                       cost.csv's poly_seconds and exact_seconds.  The truth
                       and the rank are not timed there, so this is a part of
                       each cell only.
  hardness DIR         a finished hardness run (fgattn hardness): one task per
                       step.  A search: methods.csv's search_seconds plus, as
                       on a farm each search remakes its instances' exact
                       references and exp values, 2 x instances x
                       exact_seconds.  An instance: instances.csv's
                       wall_seconds; runs that predate that column (or with
                       --instances-from DIR2, another run of the same grid
                       that has it) -- else the cost model of
                       fga_hardness_progress (N^2 d + 13 N d (cert + 1)),
                       scaled to seconds by the searches' measured/model
                       ratio, and said so.

  cluster-sim.py [-P 64] [--top 5] SOURCE PATH [--instances-from DIR2]
"""

import argparse
import configparser
import csv
import heapq
import math
import os
import re
import sys


# ---------------------------------------------------------------------------
# Scheduling and the report.

def lpt(tasks, workers):
    """tasks: [(cost, name)]; returns (makespan, the task ending last, its start)."""
    heap = [(0.0, w) for w in range(workers)]
    last = (0.0, None, 0.0, 0.0)
    for cost, name in sorted(tasks, key=lambda t: (-t[0], t[1])):
        start, w = heapq.heappop(heap)
        end = start + cost
        heapq.heappush(heap, (end, w))
        if end > last[0]:
            last = (end, name, start, cost)
    return last


def quantile(sorted_costs, q):
    if not sorted_costs:
        return 0.0
    k = min(len(sorted_costs) - 1, max(0, int(math.ceil(q * len(sorted_costs))) - 1))
    return sorted_costs[k]


def report(title, unit, tasks, workers, top, group=None):
    costs = sorted(c for c, _ in tasks)
    total = sum(costs)
    print(title)
    if not tasks or total <= 0:
        print("  no work")
        return
    print("  %d tasks, total %s %s, mean %s" % (len(tasks), fmt(total), unit,
                                              fmt(total / len(tasks))))
    print("  distribution: min %s, median %s, p90 %s, p99 %s, max %s" % tuple(
        fmt(quantile(costs, q)) for q in (0, 0.5, 0.9, 0.99, 1.0)))
    biggest = sorted(tasks, key=lambda t: (-t[0], t[1]))[:top]
    print("  largest:")
    for c, name in biggest:
        print("    %-56s %10s  %5.1f%% of the total" % (name, fmt(c), 100 * c / total))
    if group is not None:
        shares = {}
        for c, name in tasks:
            shares[group(name)] = shares.get(group(name), 0.0) + c
        print("  by " + group.__doc__ + ": " + ", ".join(
            "%s %.1f%%" % (g, 100 * s / total) for g, s in sorted(shares.items(),
                                                                  key=group_key)))
    end, name, start, cost = lpt(tasks, workers)
    even = total / workers
    bound = max(even, costs[-1])
    print("  on %d workers (largest first): makespan %s %s; total / %d = %s; lower bound "
          "max(total / %d, largest) = %s" % (workers, fmt(end), unit, workers, fmt(even),
                                             workers, fmt(bound)))
    print("    makespan / (total / %d) = %.2f, efficiency %.1f%%, speed-up over one worker "
          "%.1f" % (workers, end / even, 100 * total / (workers * end), total / end))
    print("    critical task: %s (cost %s, starts at %s, ends at %s)%s" % (
        name, fmt(cost), fmt(start), fmt(end),
        "; the makespan is that one task" if start == 0 and cost == costs[-1] else ""))
    print()


def group_key(item):
    """Groups in numeric order where they name an n."""
    m = re.search(r"(\d+)", item[0])
    return (int(m.group(1)) if m else -1, item[0])


def fmt(x):
    return "%.4g" % x


# ---------------------------------------------------------------------------
# Sweeps.

def read_ini(path):
    cp = configparser.ConfigParser(comment_prefixes=("#", ";"), inline_comment_prefixes=(";",),
                                   strict=False, interpolation=None)
    cp.optionxform = str
    with open(path) as f:
        cp.read_string(f.read())
    return cp


def items(value):
    return [v.strip() for v in value.split(",") if v.strip()]


def number(s):
    s = s.strip()
    m = re.fullmatch(r"(\d+)\s*\^\s*(\d+)", s)
    if m:
        return int(m.group(1)) ** int(m.group(2))
    return float(s) if re.search(r"[.eE]", s) else int(s)


def sizes_n(value):
    """n = 2^8 .. 2^14 (every power of two between), or a list."""
    m = re.fullmatch(r"\s*2\s*\^\s*(\d+)\s*\.\.\s*2\s*\^\s*(\d+)\s*", value)
    if m:
        return [2 ** k for k in range(int(m.group(1)), int(m.group(2)) + 1)]
    return [int(number(v)) for v in items(value)]


def d_of(value, n):
    """d: an integer, log2(n), c*log2(n), ceil(log2 n), ceil(c*log2(n))."""
    v = re.sub(r"\s+", "", value)
    ceil = v.startswith("ceil(") and v.endswith(")")
    if ceil:
        v = v[5:-1]
    if re.fullmatch(r"\d+", v):
        return int(v)
    m = re.fullmatch(r"(?:([0-9.]+)\*?)?log2\(?n\)?", v)
    if not m:
        sys.exit("cluster-sim.py: d = %s: not understood" % value)
    x = (float(m.group(1)) if m.group(1) else 1.0) * math.log2(n)
    return int(math.ceil(x)) if ceil else int(x)


def count_list(value):
    """seeds = 1-3 or 1, 2, 3: how many."""
    m = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", value)
    if m:
        return int(m.group(2)) - int(m.group(1)) + 1
    return len(items(value))


def sweep_model(path):
    cp = read_ini(path)
    g = cp["grid"]
    ns = sizes_n(g["n"])
    combos = (len(items(g.get("law", "sqrt(ln n)"))) * len(items(g.get("beta", "1")))
              * len(items(g.get("dist", "uniform"))) * count_list(g.get("seeds", "1")))
    truth = cp["truth"] if cp.has_section("truth") else {}
    mpfr_max_n = int(number(truth.get("mpfr_max_n", "1024")))
    rank = cp["rank"] if cp.has_section("rank") else None
    cost = cp["cost"] if cp.has_section("cost") else None
    methods = [cp[s] for s in cp.sections() if s.startswith("method ")]
    tasks = []
    for n in ns:
        d = d_of(g.get("d", "ceil(log2 n)"), n)
        dv = int(g["dv"]) if "dv" in g and g["dv"].strip() != "d" else d
        runs = 100 if n <= mpfr_max_n else 1
        for m in methods:
            if "max_n" in m and n > number(m["max_n"]):
                continue
            sized = "size" in m
            runs += len(items(m.get("sizes", ""))) if sized else 1
            if sized:
                ms = m.get("max_size", "n").strip()
                hi = n if ms == "n" else number(ms)
                runs += len(items(m.get("targets", ""))) * (math.ceil(math.log2(hi)) if hi > 1
                                                           else 0)
        if cost is not None:
            runs += 1 + 2 * len(items(cost.get("eps", "")))
        r = 0
        if rank is not None and items(rank.get("tol", "")) and n <= number(
                rank.get("max_n", "2048")):
            algo = rank.get("algo", "auto").strip()
            randomized = algo == "randomized" or (algo == "auto" and n > number(
                rank.get("dense_max_n", "4096")))
            r = min(number(rank.get("kmax", "512")), n) if randomized else n
        w = n * n * ((d + dv) * runs + r)
        for k in range(combos):
            tasks.append((float(w), "n=%d cell %d" % (n, k + 1)))
    return tasks


def sweep_csv(folder):
    tasks = {}
    with open(os.path.join(folder, "results.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row.get("wall_seconds"):
                tasks[row["cell"]] = tasks.get(row["cell"], 0.0) + float(row["wall_seconds"])
    cost = os.path.join(folder, "cost.csv")
    if os.path.exists(cost):
        with open(cost, newline="") as f:
            for row in csv.DictReader(f):
                for k in ("poly_seconds", "exact_seconds"):
                    if row.get(k):
                        tasks[row["cell"]] = tasks.get(row["cell"], 0.0) + float(row[k])
    return [(c, name) for name, c in tasks.items()]


def by_n(name):
    """n"""
    m = re.search(r"n=(\d+)", name)
    return "n=%s" % (m.group(1) if m else "?")


def by_kind(name):
    """kind of step"""
    return "instances" if " seed " in name else "searches"


# ---------------------------------------------------------------------------
# Hardness runs.

def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def instance_model(row, gmax):
    N = 2.0 * int(row["n"])
    d = float(row["d"])
    g = int(row["cert_deg"]) if row["cert_deg"] else gmax
    return N * N * d + 13 * N * d * (g + 1)


def hardness(folder, instances_from):
    inst = read_rows(os.path.join(folder, "instances.csv"))
    meth = read_rows(os.path.join(folder, "methods.csv"))
    ninst = {}
    dims = {}
    for r in inst:
        ninst[r["n"]] = ninst.get(r["n"], 0) + 1
        dims[r["n"]] = float(r["d"])
    tasks, notes = [], []
    model_w = measured = 0.0
    for r in meth:
        if r["run"] != "1":
            continue
        n = r["n"]
        secs = float(r["search_seconds"]) + 2 * ninst[n] * float(r["exact_seconds"] or 0)
        tasks.append((secs, "n=%s %s" % (n, r["label"])))
        N = 2.0 * int(n)
        w = ninst[n] * N * N * dims[n]
        if r["spec"].split(":")[0] in ("svd", "nystrom"):
            w *= N / 32
        model_w += w + 2e8
        measured += float(r["search_seconds"])
    src = inst
    if instances_from:
        src = read_rows(os.path.join(instances_from, "instances.csv"))
        notes.append("instance steps timed by %s" % instances_from)
    if src and "wall_seconds" in src[0] and all(r["wall_seconds"] for r in src):
        if not instances_from:
            notes.append("instance steps: their wall_seconds")
        for r in src:
            tasks.append((float(r["wall_seconds"]), "n=%s seed %s %s" % (
                r["n"], r["seed"], "YES" if r["planted"] == "1" else "NO")))
    else:
        scale = measured / model_w if model_w > 0 else 1.0
        gmax = max(int(r["scanned_to"]) for r in inst)
        for r in inst:
            tasks.append((instance_model(r, gmax) * scale, "n=%s seed %s %s" % (
                r["n"], r["seed"], "YES" if r["planted"] == "1" else "NO")))
        notes.append("instance steps from the cost model, scaled by the searches' measured/model "
                     "ratio %.3g s per unit (no wall_seconds in instances.csv)" % scale)
    return tasks, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-P", "--workers", type=int, default=64)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--instances-from", default=None)
    ap.add_argument("source", choices=["sweep-model", "sweep-csv", "hardness"])
    ap.add_argument("path")
    a = ap.parse_args()
    if a.workers < 1:
        sys.exit("cluster-sim.py: -P must be at least 1")
    if a.source == "sweep-model":
        report("%s: cells weighed by the sweep's cost model" % a.path, "units",
               sweep_model(a.path), a.workers, a.top, by_n)
    elif a.source == "sweep-csv":
        report("%s: cells, measured method runs and poly/exact timings (truth and rank "
               "untimed)" % a.path, "s", sweep_csv(a.path), a.workers, a.top, by_n)
    else:
        tasks, notes = hardness(a.path, a.instances_from)
        report("%s: hardness steps (searches measured%s)" % (
            a.path, "; " + "; ".join(notes) if notes else ""), "s", tasks, a.workers, a.top,
            by_kind)


if __name__ == "__main__":
    main()
