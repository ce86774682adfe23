#!/usr/bin/env python3
"""Runs SBML models with `simulate` and with libRoadRunner (`sbml_check.py rr-simulate`, CVODE at
rtol 1e-10) and checks that every output point agrees to 1e-6 relative (with an absolute floor of
1e-12 for values at zero, or --floor).

Usage: compare_roadrunner.py SIMULATE_BINARY [MODEL_DIR] [--t-end T] [--steps N] [--floor F]
           [--rtol R --atol A] [--rr-tolerances RTOL ATOL]

Without MODEL_DIR, or with a folder that holds the four published models (the reference folder):
those models of ../shared/reference/models at their benchmark settings (reference/models/SOURCES.md).
With another folder: every *.xml in it, at --t-end/--steps (default 100, 100) unless the folder's
spans.csv (lines `file,t_end,steps`) names other settings for a file.
Every species is compared, as a concentration unless it has only substance units (with a folder,
every parameter declared non-constant too).
Prints one line per model (OK, FAIL, REFUSED with our message, RR-ERROR, ERROR, BOTH-FAILED,
SKIPPED when there is nothing to compare); exit 0 when no model FAILs or ERRORs (a refusal is
reported, not counted as a failure, with a folder). Real-world models to run it on:
fetch_sbml_corpus.py. Chaotic models (Lorenz) and sustained oscillators drift apart at these
tolerances; rerun a FAIL with tighter ones on both sides (--rtol 1e-12 --atol 1e-18
--rr-tolerances 1e-13 1e-18) before calling it a disagreement.
"""
import argparse, csv, os, subprocess, sys, tempfile, xml.etree.ElementTree as ET

here = os.path.dirname(os.path.abspath(__file__))
default_reference = os.path.join(here, "../../../shared/reference/models")
parser = argparse.ArgumentParser()
parser.add_argument("binary")
parser.add_argument("folder", nargs="?")
parser.add_argument("--t-end", type=float, default=100)
parser.add_argument("--steps", type=int, default=100)
parser.add_argument("--floor", type=float, default=1e-12)
parser.add_argument("--timeout", type=float, default=300)
parser.add_argument("--rtol", type=float, default=1e-11, help="our relative tolerance (default 1e-11)")
parser.add_argument("--atol", type=float, default=1e-16, help="our absolute tolerance (default 1e-16)")
parser.add_argument("--rr-tolerances", nargs=2, type=float, metavar=("RTOL", "ATOL"),
                    help="libRoadRunner's tolerances (default: those of sbml_check.py, 1e-10 and 1e-14)")
options = parser.parse_args()
reference = options.folder or default_reference
checker = os.path.join(os.path.dirname(os.path.abspath(reference)), "..", "tools", "sbml_check.py")
if not os.path.exists(checker):
    checker = os.path.join(here, "../../../shared/tools/sbml_check.py")
checker = os.path.normpath(checker)

# model file, t-end, steps (the benchmark settings of reference/models/SOURCES.md)
PUBLISHED = [("BIOMD0000000658.xml", 600, 150), ("BIOMD0000000410.xml", 1000, 200),
             ("BIOMD0000000019.xml", 3600, 200), ("BIOMD0000000493.xml", 1500, 150)]
published = all(os.path.exists(os.path.join(reference, name)) for name, _, _ in PUBLISHED)
if published:
    MODELS = PUBLISHED
else:
    spans = {}
    spans_file = os.path.join(reference, "spans.csv")
    if os.path.exists(spans_file):
        with open(spans_file) as f:
            for row in csv.reader(f):
                if row and not row[0].startswith("#"):
                    spans[row[0]] = (float(row[1]), int(row[2]))
    MODELS = [(name, *spans.get(name, (options.t_end, options.steps)))
              for name in sorted(os.listdir(reference)) if name.endswith(".xml")]


def species(path):
    """(ids, concentration ids): every species, hasOnlySubstanceUnits ones as amounts; with a
    folder, also every parameter declared non-constant."""
    root = ET.parse(path).getroot()
    ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    model = root.find(ns + "model")
    # The model's own lists only: annotations (CellDesigner, layout) and package elements
    # (comp model definitions) may hold <species> and <parameter> elements of their own.
    def listed(kind, element):
        return [] if model is None else model.findall("%slistOf%s/%s%s" % (ns, kind, ns, element))
    every = listed("Species", "species")
    ids = [e.get("id") for e in every]
    if not published:
        ids += [e.get("id") for e in listed("Parameters", "parameter") if e.get("constant") == "false"]
    return ids, [e.get("id") for e in every if e.get("hasOnlySubstanceUnits") not in ("true", "1")]


def read(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return rows[0], [[float(x) for x in r] for r in rows[1:]]


def first_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[0][:200] if lines else ""


failed = 0
with tempfile.TemporaryDirectory() as tmp:
    for name, end, steps in MODELS:
        model = os.path.join(reference, name)
        ids, concentrations = species(model)
        if not ids:
            print("%-40s SKIPPED no species or non-constant parameters to compare" % name)
            continue
        common = ["--t-end", "%g" % end, "--steps", str(steps), "--select", ",".join(ids),
                  "--amount", "", "--concentration", ",".join(concentrations)]
        ours, theirs = os.path.join(tmp, "ours.csv"), os.path.join(tmp, "rr.csv")
        try:
            us = subprocess.run([options.binary, "run", model, *common, "--rtol", "%g" % options.rtol, "--atol", "%g" % options.atol,
                                 "-o", ours], capture_output=True, text=True, timeout=options.timeout)
        except subprocess.TimeoutExpired:
            print("%-40s ERROR timeout" % name); failed += 1; continue
        if us.returncode == 65 and not published:
            print("%-40s REFUSED %s" % (name, first_line(us.stderr)))
            continue
        try:
            tolerances = ["-c", "import sys; sys.argv[1:] = []; sys.path.insert(0, %r); import sbml_check; "
                          "sbml_check.rr_simulate(*%r)" % (os.path.dirname(checker), (
                              model, 0.0, end, steps, ids, [], concentrations, theirs, *options.rr_tolerances))
                          ] if options.rr_tolerances else [checker, "rr-simulate", model, *common, "-o", theirs]
            rr = subprocess.run([sys.executable, *tolerances], capture_output=True, text=True, timeout=options.timeout)
        except subprocess.TimeoutExpired:
            print("%-40s RR-ERROR timeout" % name); continue
        if us.returncode != 0:
            # Both failing (a NaN at the start, say) is agreement; only we failing is an error.
            status = "BOTH-FAILED" if rr.returncode != 0 else "ERROR"
            print("%-40s %s exit %d: %s" % (name, status, us.returncode, first_line(us.stderr)))
            failed += status == "ERROR"
            continue
        if rr.returncode != 0:
            print("%-40s RR-ERROR %s" % (name, first_line(rr.stderr).replace("\n", " ")[-200:])); continue
        (h1, a), (h2, b) = read(ours), read(theirs)
        assert h1[1:] == h2[1:], (h1, h2)
        worst, where = 0.0, None
        for ra, rb in zip(a, b):
            for j in range(1, len(ra)):
                scale = max(abs(ra[j]), abs(rb[j]))
                diff = abs(ra[j] - rb[j])
                if diff <= options.floor or diff != diff and ra[j] != ra[j] and rb[j] != rb[j]:
                    continue
                rel = diff / scale if scale > 0 else float("inf")
                if not rel <= worst:
                    worst, where = rel, (ra[0], h1[j], ra[j], rb[j])
        ok = worst <= 1e-6 and len(a) == len(b)
        failed += not ok
        print("%-40s %-4s max relative difference %.2e %s" % (name, "OK" if ok else "FAIL", worst, where or ""))
        sys.stdout.flush()
sys.exit(1 if failed else 0)
