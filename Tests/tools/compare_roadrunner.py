#!/usr/bin/env python3
"""Runs the published models of ../shared/reference/models with `simulate` and with libRoadRunner
(`sbml_check.py rr-simulate`, CVODE at rtol 1e-10) and checks that every output point agrees to
1e-6 relative (with an absolute floor of 1e-12 for values at zero).

Usage: compare_roadrunner.py SIMULATE_BINARY [REFERENCE_DIR]
Exit 0 when every model agrees; prints one line per model with the largest relative difference.
"""
import csv, os, subprocess, sys, tempfile, xml.etree.ElementTree as ET

here = os.path.dirname(os.path.abspath(__file__))
binary = sys.argv[1]
reference = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "../../../shared/reference/models")
checker = os.path.join(os.path.dirname(os.path.abspath(reference)), "..", "tools", "sbml_check.py")
checker = os.path.normpath(checker)

# model file, t-end, steps (the benchmark settings of reference/models/SOURCES.md)
MODELS = [("BIOMD0000000658.xml", 600, 150), ("BIOMD0000000410.xml", 1000, 200),
          ("BIOMD0000000019.xml", 3600, 200), ("BIOMD0000000493.xml", 1500, 150)]


def species(path):
    root = ET.parse(path).getroot()
    return [e.get("id") for e in root.iter() if e.tag.endswith("}species")]


def read(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return rows[0], [[float(x) for x in r] for r in rows[1:]]


failed = 0
with tempfile.TemporaryDirectory() as tmp:
    for name, end, steps in MODELS:
        model = os.path.join(reference, name)
        ids = ",".join(species(model))
        common = ["--t-end", str(end), "--steps", str(steps), "--select", ids, "--amount", "", "--concentration", ids]
        ours, theirs = os.path.join(tmp, "ours.csv"), os.path.join(tmp, "rr.csv")
        subprocess.run([binary, "run", model, *common, "--rtol", "1e-11", "--atol", "1e-16", "-o", ours], check=True)
        subprocess.run([sys.executable, checker, "rr-simulate", model, *common, "-o", theirs], check=True)
        (h1, a), (h2, b) = read(ours), read(theirs)
        assert h1[1:] == h2[1:], (h1, h2)
        worst, where = 0.0, None
        for ra, rb in zip(a, b):
            for j in range(1, len(ra)):
                scale = max(abs(ra[j]), abs(rb[j]))
                diff = abs(ra[j] - rb[j])
                if diff <= 1e-12:
                    continue
                rel = diff / scale
                if rel > worst:
                    worst, where = rel, (ra[0], h1[j], ra[j], rb[j])
        ok = worst <= 1e-6 and len(a) == len(b)
        failed += not ok
        print("%-22s %-4s max relative difference %.2e %s" % (name, "OK" if ok else "FAIL", worst, where or ""))
sys.exit(1 if failed else 0)
