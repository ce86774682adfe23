#!/usr/bin/env python3
"""Checks `simulate convert`'s SBML export against libRoadRunner.

For each scenario, the model is exported with the scenario baked in (`simulate convert MODEL
--scenario S -o S.xml`), simulated by libRoadRunner (`sbml_check.py rr-simulate`, CVODE at rtol
1e-10, atol 1e-14) and by `simulate run` on the native model with the same scenario (msbdf,
rtol 1e-10, atol 1e-14), and every species is compared at every output point: the check passes
when the largest relative difference is at most 1e-6 (differences below 1e-12 in absolute value
are ignored, as values near zero have no relative accuracy). The re-imported SBML
(`simulate run S.xml`) is compared the same way.

Usage:
  python3 Tests/tools/check_sbml_export.py SIMULATE_BINARY                    # the default set below
  python3 Tests/tools/check_sbml_export.py SIMULATE_BINARY MODEL [SCENARIO...] [--t-end T --steps N]

The default set: models/osteogenesis/osteogenesis.yaml with its own values and six of its scenarios
(constant doses, a pulse, a late step, an initial value set after equilibration, an input knockout,
a node knockout), over 21 days; and the small models in Tests/tools/export-models/ (a toy Wnt
feedback with a rate law, a pulse, a schedule and a knockout; a mechanistic toy with rate laws,
assignments, modulators, per-edge Hill parameters, ramps, repeated doses, a schedule, a scaled
node, a pinned node and a knockout); and two reference Boolean networks (../shared/reference/boolean,
.bnet files integrated as HillCube ODEs); and the four published SBML models of
../shared/reference/models, exported back to SBML. A model with no scenario is run with its own values.
Every exported document is also validated by libSBML when python-libsbml is installed (consistency
checks without units; an error fails the check). Exit 0 when every comparison passes. Needs `pip install libroadrunner` and ../shared/tools/sbml_check.py.
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
TOLERANCE = 1e-6


def osteogenesis(name):
    return os.path.join(root, "models/osteogenesis/scenarios", name + ".yaml")


def small(name):
    return os.path.join(here, "export-models", name + ".yaml")


# (model, scenarios (None: the model's own values), t_end, steps)
DEFAULT = [
    (os.path.join(root, "models/osteogenesis/osteogenesis.yaml"),
     [None] + [osteogenesis(n) for n in ["B1-BMP9", "B7-BMP9-Shh-pulse", "B7-BMP9-Shh-late", "B8-primed",
                                         "B9-TGFb1-KO", "B12-BMP9-Runx2-KO"]], "504", "84"),
    (small("toy-wnt"), [None, small("toy-wnt-pulse"), small("toy-wnt-dkk1-ko")], "240", "120"),
    (small("mechanistic"), [None, small("mechanistic-stimuli"), small("mechanistic-knockout")], "120", "120"),
]
# Two reference Boolean networks, integrated as HillCube ODEs from .bnet.
for name in ["faure_cellcycle", "klamt_tcr"]:
    path = os.path.normpath(os.path.join(root, "..", "shared", "reference", "boolean", "models", name + ".bnet"))
    if os.path.exists(path):
        DEFAULT.append((path, [None], "50", "100"))
# The published SBML models (../shared/reference/models): SBML → SBML keeps compartments and units.
for name, end in [("BIOMD0000000658", "600"), ("BIOMD0000000410", "1000"), ("BIOMD0000000019", "3600"),
                  ("BIOMD0000000493", "1500")]:
    path = os.path.normpath(os.path.join(root, "..", "shared", "reference", "models", name + ".xml"))
    if os.path.exists(path):
        DEFAULT.append((path, [None], end, "100"))


def arguments(argv):
    """SIMULATE [MODEL [SCENARIO...]] [--t-end T] [--steps N]"""
    t_end, steps, rest = None, None, []
    i = 0
    while i < len(argv):
        if argv[i] in ("--t-end", "--steps") and i + 1 < len(argv):
            if argv[i] == "--t-end":
                t_end = argv[i + 1]
            else:
                steps = argv[i + 1]
            i += 2
        else:
            rest.append(argv[i])
            i += 1
    if not rest:
        sys.exit(__doc__)
    binary = os.path.abspath(rest[0])
    if len(rest) == 1:
        return binary, DEFAULT
    return binary, [(rest[1], rest[2:] or [None], t_end or "100", steps or "100")]


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


def validate(path):
    """libSBML's consistency errors (units checks off) of `path`, or None without python-libsbml."""
    try:
        import libsbml
    except ImportError:
        return None
    document = libsbml.readSBMLFromFile(path)
    document.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, False)
    document.checkConsistency()
    return [document.getError(i).getMessage().strip() for i in range(document.getNumErrors())
            if document.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]


def main():
    binary, plan = arguments(sys.argv[1:])
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for model, scenarios, t_end, steps in plan:
            for scenario in scenarios:
                model_name = os.path.splitext(os.path.basename(model))[0]
                name = os.path.splitext(os.path.basename(scenario))[0] if scenario else model_name + " (own values)"
                stem = os.path.join(tmp, re.sub(r"[^A-Za-z0-9_.-]", "_", model_name + "-" + name))
                with_scenario = ["--scenario", scenario] if scenario else []
                sbml = stem + ".xml"
                subprocess.run([binary, "convert", model, *with_scenario, "-o", sbml], check=True,
                               stderr=subprocess.DEVNULL)
                errors = validate(sbml)
                if errors:
                    failed += 1
                    print("%-34s %-14s FAIL %d libSBML error(s): %s" % (name[:34], "libSBML", len(errors), errors[0][:200]))
                with open(sbml) as f:
                    ids = ",".join(re.findall(r'<species id="([A-Za-z0-9_]+)"', f.read()))
                grid = ["--t-end", t_end, "--steps", steps, "--select", ids]
                ours, rr, back = (stem + suffix for suffix in (".native.csv", ".rr.csv", ".back.csv"))
                precise = ["--method", "msbdf", "--rtol", "1e-10", "--atol", "1e-14"]
                subprocess.run([binary, "run", model, *with_scenario, *grid, *precise, "-o", ours], check=True)
                subprocess.run([binary, "run", sbml, *grid, *precise, "-o", back], check=True)
                subprocess.run([sys.executable, checker, "rr-simulate", sbml, *grid, "--amount", ids, "-o", rr],
                               check=True, stderr=subprocess.DEVNULL)
                for label, other in (("libRoadRunner", rr), ("re-imported", back)):
                    largest, where = worst(ours, other)
                    ok = largest <= TOLERANCE
                    failed += not ok
                    print("%-34s %-14s %-4s max relative difference %.2e  %s" % (
                        name[:34], label, "OK" if ok else "FAIL", largest, where or ""), flush=True)
    print("%d comparison(s) failed" % failed if failed else "all comparisons within %g relative" % TOLERANCE)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
