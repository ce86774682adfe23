#!/usr/bin/env python3
"""Sweep throughput against libRoadRunner in a Python loop: a benchmark, not a test.

The sweep of ../shared/bench/ode (lee2003_wnt): BIOMD0000000658 (Lee 2003 Wnt/beta-catenin),
0 to 600 min, 151 output points, rtol 1e-6 and atol 1e-10 on every species, over a 100 x 100 grid
of k1 and lambda from 0.1x to 10x nominal (log spaced): 10,000 runs.

- libRoadRunner: one RoadRunner object, per run reset() + set k1, lambda + simulate(0, 600, 151)
  (CVODE BDF), as ../shared/bench/ode/bench.py times it, in this process.
- simulate: `simulate sweep MODEL --param k1=log:... --param lambda=log:...` writing runs.csv with
  final(B_catenin) and max(B_catenin): Rodas5P with the native kernel, --jobs 1 and --jobs 2, and GSL
  msbdf with --jobs 2 (same rtol and atol as libRoadRunner).

Both run on this machine in the same invocation; wall and CPU times are reported because the
machine is shared. The final beta-catenin of every run is compared between the two tools.

    python3 Benchmarks/sweep-roadrunner.py [path/to/simulate]   (default: release build)
"""
import csv
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

import roadrunner

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "..", "shared", "reference", "models", "BIOMD0000000658.xml")
T, NOUT, RTOL, ATOL, GRID = 600.0, 151, 1e-6, 1e-10, 100
READOUT = "B_catenin"


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else None
    if binary is None:
        subprocess.run(["swift", "build", "-c", "release", "--product", "simulate"], cwd=ROOT, check=True)
        path = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
        binary = os.path.join(path, "simulate")

    r = roadrunner.RoadRunner(MODEL)
    nominal = {"k1": r["k1"], "lambda": r["lambda"]}
    grids = {name: [v * 10 ** (-1 + 2 * i / (GRID - 1)) for i in range(GRID)] for name, v in nominal.items()}

    # libRoadRunner, in a Python loop.
    r.integrator.relative_tolerance = RTOL
    for s in r.model.getFloatingSpeciesIds():
        r.integrator.setIndividualTolerance(s, ATOL)
    r.integrator.maximum_num_steps = 1000000
    r.timeCourseSelections = ["time", "[%s]" % READOUT]
    finals, fails = [], 0
    wall, cpu = time.perf_counter(), time.process_time()
    for k1 in grids["k1"]:
        for lam in grids["lambda"]:
            r.reset()
            r["k1"], r["lambda"] = k1, lam
            try:
                finals.append(r.simulate(0, T, NOUT)[-1, 1])
            except Exception:
                fails += 1
                finals.append(float("nan"))
    rr_wall, rr_cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows = [("libRoadRunner %s, CVODE BDF, Python loop" % roadrunner.__version__, 1, rr_wall, rr_cpu, fails, "")]

    # simulate sweep, same grid (the last quantity varies fastest, as in the loop above).
    spec = lambda name: "%s=log:%r:%r:%d" % (name, grids[name][0], grids[name][-1], GRID)
    runs = [("rodas5p", "native", 1), ("rodas5p", "native", 2), ("msbdf", "native", 2)]
    labels = {"rodas5p": "Rodas5P (Swift) + symbolic Jacobian", "msbdf": "GSL msbdf + symbolic Jacobian"}
    for method, kernel, jobs in runs:
        with tempfile.TemporaryDirectory() as folder:
            out = os.path.join(folder, "sweep")
            command = [binary, "sweep", MODEL, "--param", spec("k1"), "--param", spec("lambda"),
                       "--t-end", str(T), "--steps", str(NOUT - 1), "--rtol", str(RTOL), "--atol", str(ATOL),
                       "--metric", "final(%s)" % READOUT, "--metric", "max(%s)" % READOUT,
                       "--method", method, "--kernel", kernel,
                       "--seed", "1", "--jobs", str(jobs), "--quiet", "-o", out]
            cpu0, wall = children_cpu(), time.perf_counter()
            result = subprocess.run(command)
            wall, cpu = time.perf_counter() - wall, children_cpu() - cpu0
            with open(os.path.join(out, "runs.csv")) as f:
                table = list(csv.DictReader(f))
        failed = sum(1 for row in table if row["status"] != "ok")
        worst = 0.0
        for row, ref in zip(table, finals):
            x = float(row["final(%s)" % READOUT]) if row["final(%s)" % READOUT] else float("nan")
            if math.isfinite(x) and math.isfinite(ref):
                worst = max(worst, abs(x - ref) / max(abs(ref), 1e-9))
        rows.append(("simulate sweep, %s, %s kernel (exit %d)" % (labels[method], kernel, result.returncode), jobs, wall,
                     cpu, failed, "%.1e" % worst))

    load = open("/proc/loadavg").read().split()[:3]
    print("10,000 runs of BIOMD0000000658 (k1 x lambda, 100 x 100, 0.1x-10x nominal), T = 600, 151 points,"
          " rtol 1e-6, atol 1e-10; %d cores, load %s" % (os.cpu_count(), " ".join(load)))
    print()
    print("| tool | jobs | wall s | runs/s (wall) | throughput vs libRoadRunner | CPU s | runs per CPU-s | failed |"
          " max rel. diff of final %s vs roadrunner |" % READOUT)
    print("|---|---|---|---|---|---|---|---|---|")
    for name, jobs, wall, cpu, failed, diff in rows:
        print("| %s | %d | %.2f | %.0f | %.2fx | %.2f | %.0f | %d | %s |" % (
            name, jobs, wall, 10000 / wall, rr_wall / wall, cpu, 10000 / cpu, failed, diff or "-"))

if __name__ == "__main__":
    main()
