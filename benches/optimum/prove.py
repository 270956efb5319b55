"""Proves the cheapest packing of one fleet with HiGHS, to check rnd's plan and certificate.

Usage: prove.py FLEET.json (written by `dump_fleet`; `benches/optimum/prove` runs both).

Method (reduced-cost fixing, then a MIP):
1. The configuration LP by column generation, each type's pricing knapsack solved exactly as a
   MIP: its optimum z and duals pi. No packing costs less than z.
2. Any packing's cost is z + the sum of its instances' reduced costs (price - pi . tasks), each of
   them at least 0 at optimal duals, when every task has a positive dual. So a packing cheaper
   than rnd's plan (cost U) uses only instances whose reduced cost is at most U - z, and each of
   them can be grown into a maximal one (no task left fits) that covers at least as much for the
   same price. Every such maximal fill of every type is enumerated.
3. The MIP over those fills (cover every task, cheapest) is the cheapest packing when it costs
   less than U; when it finds none, rnd's plan is the cheapest.

Types that another type beats (no dearer, no smaller anywhere) are dropped first: an instance of
one can always be swapped for the other. Pure research tooling, run by hand: nothing in rnd or its
tests depends on it.
"""

import json
import sys
import time

import highspy
import numpy as np

INF = highspy.kHighsInf
RESOURCES = ("gpus", "cpu", "mem", "gpu_mem", "slots")


def admits(ty, shape):
    """Whether one task of `shape` fits on an empty instance of `ty`."""
    return all(shape[k] <= ty[k] for k in ("gpus", "cpu", "mem", "gpu_mem"))


def beaten(a, b):
    """Whether type `b` is no dearer and no smaller than `a`, and better in one of them."""
    no_worse = b["price"] <= a["price"] and all(b[k] >= a[k] for k in RESOURCES)
    better = b["price"] < a["price"] or any(b[k] > a[k] for k in RESOURCES)
    return no_worse and better


def load(path):
    fleet = json.load(open(path))
    shapes = fleet["shapes"]
    types = [t for t in fleet["types"] if any(admits(t, s) for s in shapes)]
    types = [a for a in types if not any(beaten(a, b) for b in types)]
    return shapes, types, fleet["rnd"]


def solve_master(shapes, columns):
    """The LP over `columns` (price, {shape: tasks}): its value and the rows' duals."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    x = [h.addVariable(0, INF, price) for price, _ in columns]
    for i, shape in enumerate(shapes):
        h.addConstr(sum(take[i] * x[j] for j, (_, take) in enumerate(columns) if i in take) >= shape["demand"])
    h.run()
    return h.getInfo().objective_function_value, list(h.getSolution().row_dual)


def best_fill(ty, shapes, pi):
    """The most valuable fill of one instance of `ty` at duals `pi`, solved exactly."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 1e-9)
    index = [i for i, s in enumerate(shapes) if admits(ty, s) and pi[i] > 1e-12]
    if not index:
        return 0.0, {}
    x = [h.addVariable(0, shapes[i]["demand"], -pi[i]) for i in index]
    for key in ("gpus", "cpu", "mem"):
        h.addConstr(sum(shapes[i][key] * v for i, v in zip(index, x)) <= ty[key])
    h.addConstr(sum(x) <= ty["slots"])
    for v in x:
        h.changeColIntegrality(v.index, highspy.HighsVarType.kInteger)
    h.run()
    values = h.getSolution().col_value
    return -h.getInfo().objective_function_value, {i: round(v) for i, v in zip(index, values) if v > 0.5}


def configuration_lp(shapes, types):
    """Column generation to convergence: the LP's value and its optimal duals."""
    columns = []
    for i, shape in enumerate(shapes):
        cheapest = min((t for t in types if admits(t, shape)), key=lambda t: t["price"])
        columns.append((cheapest["price"], {i: 1}))
    while True:
        z, pi = solve_master(shapes, columns)
        added = 0
        for ty in types:
            value, take = best_fill(ty, shapes, pi)
            if value > ty["price"] * (1 + 1e-9):
                columns.append((ty["price"], take))
                added += 1
        if not added:
            return z, pi


def maximal_fills(ty, shapes, pi, gap):
    """Every fill of `ty` that no further task fits into, worth at least its price - `gap`."""
    index = [i for i in range(len(shapes)) if admits(ty, shapes[i])]
    index.sort(key=lambda i: -pi[i] / shapes[i]["gpus"])
    need = ty["price"] - gap
    out = []

    def room_for_more(used, take):
        g, c, m, n = used
        for i in index:
            s = shapes[i]
            if take.get(i, 0) < s["demand"] and n < ty["slots"] and s["gpus"] <= ty["gpus"] - g \
                    and s["cpu"] <= ty["cpu"] - c and s["mem"] <= ty["mem"] - m:
                return True
        return False

    def extend(k, used, value, take):
        g, c, m, n = used
        if k == len(index):
            if take and value >= need and not room_for_more(used, take):
                out.append(dict(take))
            return
        # No fill of what is left is worth more than its best value per GPU, nor per vCPU.
        rest = index[k:]
        per_gpu = max(pi[i] / shapes[i]["gpus"] for i in rest) * (ty["gpus"] - g)
        per_cpu = max(pi[i] / shapes[i]["cpu"] for i in rest) * (ty["cpu"] - c)
        if value + min(per_gpu, per_cpu) < need:
            return
        i = index[k]
        s = shapes[i]
        most = min(s["demand"], (ty["gpus"] - g) // s["gpus"], (ty["cpu"] - c) // s["cpu"],
                   (ty["mem"] - m) // s["mem"], ty["slots"] - n)
        for q in range(most, -1, -1):
            if q:
                take[i] = q
            extend(k + 1, (g + q * s["gpus"], c + q * s["cpu"], m + q * s["mem"], n + q), value + q * pi[i], take)
            if q:
                del take[i]

    extend(0, (0, 0, 0, 0), 0.0, {})
    return out


def cheapest_packing(shapes, fills, below):
    """The MIP over `fills` (price, {shape: tasks}), searched below `below`: (status, cost)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("objective_bound", below)
    h.setOptionValue("mip_rel_gap", 1e-7)
    h.addRows(len(shapes), np.array([float(s["demand"]) for s in shapes]), np.array([INF] * len(shapes)),
              0, np.array([], dtype=np.int32), np.array([], dtype=np.int32), np.array([]))
    starts, rows, counts = [], [], []
    for _, take in fills:
        starts.append(len(rows))
        for i, n in sorted(take.items()):
            rows.append(i)
            counts.append(float(n))
    n = len(fills)
    h.addCols(n, np.array([price for price, _ in fills]), np.zeros(n), np.array([INF] * n), len(rows),
              np.array(starts, dtype=np.int32), np.array(rows, dtype=np.int32), np.array(counts))
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n))
    h.run()
    return h.modelStatusToString(h.getModelStatus()), h.getInfo().objective_function_value


def main():
    started = time.time()
    shapes, types, rnd = load(sys.argv[1])
    plan, certified = rnd["hourly"], rnd["lower_bound"]
    z, pi = configuration_lp(shapes, types)
    print(f"configuration LP {z:.3f} (rnd's bound {certified:.3f}), rnd's plan {plan:.3f} "
          f"({(plan / z - 1) * 100:.3f} % above the LP), {time.time() - started:.1f} s")
    if min(pi) <= 1e-9:
        sys.exit("some task has a zero dual: the reduced-cost argument needs every dual positive")
    gap = plan - z + 1e-6
    fills = [(ty["price"], take) for ty in types for take in maximal_fills(ty, shapes, pi, gap)]
    print(f"{len(fills)} maximal fills within {gap:.3f} of their price, {time.time() - started:.1f} s")
    # rnd's plan is among these fills' packings (each of its instances grown maximal), so the
    # MIP always has a solution at most its cost.
    status, cost = cheapest_packing(shapes, fills, plan + 1e-6)
    if status != "Optimal":
        sys.exit(f"HiGHS ended with {status}: nothing proven")
    if cost < plan - 1e-6:
        print(f"cheapest packing {cost:.3f}: {(cost / z - 1) * 100:.3f} % above the LP; "
              f"rnd's plan is {(plan / cost - 1) * 100:.3f} % above it")
    else:
        print(f"no packing costs less than rnd's plan: {plan:.3f} is the cheapest, "
              f"{(plan / z - 1) * 100:.3f} % above the LP")
    print(f"{time.time() - started:.1f} s")


if __name__ == "__main__":
    main()
