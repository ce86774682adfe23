#!/usr/bin/env python3
"""Checks `simulate convert`'s SBML export against libRoadRunner.

For each scenario, the model is exported with the scenario baked in (`simulate convert MODEL
--scenario S -o S.xml`), simulated by libRoadRunner (`sbml_check.py rr-simulate`, CVODE at rtol
1e-10, atol 1e-14) and by `simulate run` on the native model with the same scenario (msbdf,
rtol 1e-10, atol 1e-14), and every species is compared at every output point: the check passes
when the largest relative difference is at most 1e-6 (differences below 1e-12 in absolute value
are ignored, as values near zero have no relative accuracy). The re-imported SBML
(`simulate run S.xml`) is compared the same way.

Usage: check_sbml_export.py SIMULATE_BINARY [MODEL [SCENARIO...]]
Defaults: models/osteogenesis/osteogenesis.yaml and six of its scenarios (constant doses, a
pulse, a late step, an initial value set after equilibration, an input knockout, a node
knockout). Exit 0 when every comparison passes. Needs `pip install libroadrunner`.
"""
import csv
import os
import re
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, "..", ".."))
checker = os.path.normpath(os.path.join(root, "..", "shared", "tools", "sbml_check.py"))

binary = os.path.abspath(sys.argv[1])
model = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "models/osteogenesis/osteogenesis.yaml")
scenarios = sys.argv[3:] or [
    os.path.join(root, "models/osteogenesis/scenarios", name)
    for name in ["B1-BMP9.yaml", "B7-BMP9-Shh-pulse.yaml", "B7-BMP9-Shh-late.yaml", "B8-primed.yaml",
                 "B9-TGFb1-KO.yaml", "B12-BMP9-Runx2-KO.yaml"]
]
T_END, STEPS = "504", "84"
TOLERANCE = 1e-6


def read(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return rows[0], [[float(x) for x in r] for r in rows[1:]]


def worst(a_path, b_path):
    (h1, a), (h2, b) = read(a_path), read(b_path)
    assert h1 == h2, (h1, h2)
    assert len(a) == len(b), (len(a), len(b))
    largest, where = 0.0, None
    for ra, rb in zip(a, b):
        for j in range(1, len(ra)):
            diff = abs(ra[j] - rb[j])
            if diff <= 1e-12:
                continue
            rel = diff / max(abs(ra[j]), abs(rb[j]))
            if rel > largest:
                largest, where = rel, "t=%g %s %.12g vs %.12g" % (ra[0], h1[j], ra[j], rb[j])
    return largest, where


failed = 0
with tempfile.TemporaryDirectory() as tmp:
    for scenario in scenarios:
        name = os.path.splitext(os.path.basename(scenario))[0]
        sbml = os.path.join(tmp, name + ".xml")
        subprocess.run([binary, "convert", model, "--scenario", scenario, "-o", sbml], check=True,
                       stderr=subprocess.DEVNULL)
        with open(sbml) as f:
            ids = ",".join(re.findall(r'<species id="([A-Za-z0-9_]+)"', f.read()))
        grid = ["--t-end", T_END, "--steps", STEPS, "--select", ids]
        ours, rr, back = (os.path.join(tmp, name + suffix) for suffix in (".native.csv", ".rr.csv", ".back.csv"))
        precise = ["--method", "msbdf", "--rtol", "1e-10", "--atol", "1e-14"]
        subprocess.run([binary, "run", model, "--scenario", scenario, *grid, *precise, "-o", ours], check=True)
        subprocess.run([binary, "run", sbml, *grid, *precise, "-o", back], check=True)
        subprocess.run([sys.executable, checker, "rr-simulate", sbml, *grid, "--amount", ids, "-o", rr], check=True,
                       stderr=subprocess.DEVNULL)
        for label, other in (("libRoadRunner", rr), ("re-imported", back)):
            largest, where = worst(ours, other)
            ok = largest <= TOLERANCE
            failed += not ok
            print("%-24s %-14s %-4s max relative difference %.2e  %s" % (name, label, "OK" if ok else "FAIL",
                                                                      largest, where or ""))
sys.exit(1 if failed else 0)
