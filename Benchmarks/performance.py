#!/usr/bin/env python3
"""The performance benchmark: every figure of the README's Performance section, in one run.

    bash Benchmarks/performance.sh [--rounds R] [--skip-sweep] [--skip-boolean] [--skip-c] [--skip-instructions]

(performance.sh builds the release products and installs what the peers need; this script does
the measuring.) On the three published models of ../shared/bench/ode (Lee 2003 Wnt, Wegner 2012
TGF-beta, Schoeberl 2002 EGF/MAPK), interleaved over R rounds (default 3), the tool order rotating:

- libRoadRunner (CVODE, rtol 1e-6, atol 1e-10 per species, reset() + simulate(0, T, nout), as
  ../shared/bench/ode/bench.py times it): median per simulation.
- The hand-written C driver of ../shared/bench/ode (generated C, gcc -O2), GSL msbdf and bsimp with
  the analytic Jacobian: its own median per simulation.
- simulate (pathway-bench sbml, release, native kernel): GSL msbdf and bsimp at the same tolerances
  (the ratio to the C driver is the cost of driving GSL from Swift), and Rodas5P at rtol 1e-6, 1e-5
  and 1e-4 (atol 1e-4 x rtol).

Accuracy: every final state is compared with one tight reference (GSL bsimp at rtol 1e-12, atol
1e-14, computed by pathway-bench), max_i |y_i - ref_i| / max(|ref_i|, 1e-9). The headline ratio
is Rodas5P's fastest setting whose error is at most libRoadRunner's, against libRoadRunner.

Then the right-hand side per call (pathway-bench kernel vs the generated C of rhscost.c), one
simulation with GSL msbdf and bsimp counted in instructions under callgrind in both simulate and the
C driver (when valgrind is installed; exact where wall time drifts), the
10,000-run sweep (Benchmarks/sweep-roadrunner.py) and the Boolean exhaustive attractor search
against BoolNet (Benchmarks/boolean-vs-boolnet.sh). Prints Markdown tables; keeps the raw figures in
out/bench/performance.json.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("SHARED_DIR", os.path.join(ROOT, "..", "shared"))
PEERS = os.path.join(SHARED, "bench", "ode")
OUT = os.path.join(ROOT, "out", "bench")
BIN = os.environ.get("PATHWAY_BIN", os.path.join(ROOT, ".build", "release"))
RTOL, ATOL = 1e-6, 1e-10


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def rel_err(final, reference):
    worst = 0.0
    for name, ref in reference.items():
        if name in final:
            worst = max(worst, abs(final[name] - ref) / max(abs(ref), 1e-9))
    return worst


class RoadRunner:
    def __init__(self, sbml, cfg):
        import roadrunner
        self.version = roadrunner.__version__
        self.r = roadrunner.RoadRunner(sbml)
        self.r.integrator.relative_tolerance = RTOL
        for s in self.r.model.getFloatingSpeciesIds():
            self.r.integrator.setIndividualTolerance(s, ATOL)
        self.r.integrator.maximum_num_steps = 1000000
        self.ids = list(self.r.model.getFloatingSpeciesIds())
        self.T, self.nout = cfg["T"], cfg["nout"]

    def block(self, seconds=0.5):
        times = []
        start = time.perf_counter()
        while len(times) < 5 or time.perf_counter() - start < seconds:
            t0 = time.perf_counter()
            self.r.reset()
            self.r.simulate(0, self.T, self.nout)
            times.append(time.perf_counter() - t0)
        # Amounts: the state variables of simulate (and of the C driver) for SBML species.
        values = self.r.model.getFloatingSpeciesAmounts()
        self.final = dict(zip(self.ids, values))
        return statistics.median(times)


class CDriver:
    def __init__(self, exe, solver, species):
        self.exe, self.solver, self.species = exe, solver, species
        self.label = "C driver, GSL %s + analytic J" % solver

    def block(self):
        one = json.loads(subprocess.run([self.exe, "single", self.solver, "3", str(RTOL), str(ATOL)],
                                        capture_output=True, text=True, check=True).stdout)
        n = max(5, min(2000, int(0.5 / max(one["median"], 1e-6))))
        out = json.loads(subprocess.run([self.exe, "single", self.solver, str(n), str(RTOL), str(ATOL)],
                                        capture_output=True, text=True, check=True).stdout)
        self.final = dict(zip(self.species, out["final"]))
        return out["median"]


def ours(sbml, cfg, configs):
    """pathway-bench sbml, one process for a list of (method, rtol, atol); JSON lines back."""
    results = []
    for method, rtol, atol in configs:
        # GSL's steppers are measured against the C driver, which applies atol to every state as
        # stored: the same control here (atol scale none). Rodas5P is measured against
        # libRoadRunner with the default scale (atol bounds concentrations; CVODE in libRoadRunner
        # scales its absolute tolerances per species too).
        env = dict(os.environ, PATHWAY_BENCH_JSON="1", PATHWAY_KERNEL="native",
                   PATHWAY_BENCH_RTOL=repr(rtol), PATHWAY_BENCH_ATOL=repr(atol),
                   PATHWAY_BENCH_ATOL_SCALE="none" if method in ("msbdf", "bsimp") else "compartment")
        out = subprocess.run([os.path.join(BIN, "pathway-bench"), "sbml", sbml, repr(cfg["T"]), str(cfg["nout"]), method],
                             capture_output=True, text=True, env=env, check=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def build_c_driver():
    """Copies the peers' generator and C driver to out/bench/peers and builds them there (the
    shared folder is left alone). Returns (folder, None) or (None, reason)."""
    folder = os.path.join(OUT, "peers")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for name in ("gen", "c"):
        shutil.copytree(os.path.join(PEERS, name), os.path.join(folder, name))
    shutil.copy(os.path.join(PEERS, "build.sh"), folder)
    models = json.load(open(os.path.join(PEERS, "models.json")))
    for cfg in models.values():
        cfg["sbml"] = os.path.abspath(os.path.join(PEERS, cfg["sbml"]))
    json.dump(models, open(os.path.join(folder, "models.json"), "w"), indent=1)
    result = subprocess.run(["bash", "build.sh"], cwd=folder, capture_output=True, text=True)
    if result.returncode != 0:
        return None, "C driver build failed: " + (result.stderr.strip().splitlines() or ["?"])[-1]
    for name in models:
        b = os.path.join(folder, "build", name)
        subprocess.run(["gcc", "-O2", "-std=c11", "-D_POSIX_C_SOURCE=199309L", "-I", b, os.path.join(folder, "c", "rhscost.c"),
                        "-o", os.path.join(b, "rhscost"), "-lm"], check=True)
    return folder, None


def fmt_ms(seconds):
    return "%.3f ms" % (seconds * 1e3)


INSTRUCTION_ROWS = []


def inclusive_instructions(profile, marker):
    """The inclusive instruction count of the first function whose name contains marker."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", profile], capture_output=True,
                          text=True, check=True).stdout
    for line in text.splitlines():
        if marker in line:
            return int(line.split()[0].replace(",", ""))
    raise RuntimeError("%s not found in %s" % (marker, profile))


def instruction_counts(c_folder, models, names):
    """One simulation of each model with GSL msbdf and bsimp under callgrind, in the C driver
    (engine_run) and in simulate (ODESolver.solve, a copy stripped of DWARF, which valgrind 3.19
    cannot read): the instructions of the solve itself, parsing and start-up left out. Both start
    with h = 1e-6 (the C driver's hstart) and apply atol to every state as stored."""
    scratch = os.path.join(OUT, "callgrind")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    binary = os.path.join(scratch, "simulate")
    shutil.copy(os.path.join(BIN, "simulate"), binary)
    subprocess.run(["strip", "-g", binary], check=True)
    lines = ["", "### Driving GSL from Swift, in instructions (callgrind, one simulation)", "",
             "| model | stepper | C driver: instructions, steps | simulate: instructions, steps | simulate / C | per step |",
             "|---|---|---|---|---|---|"]
    for name in names:
        cfg = models[name]
        sbml = os.path.abspath(os.path.join(PEERS, cfg["sbml"]))
        exe = os.path.join(c_folder, "build", name, "odebench")
        for stepper in ("msbdf", "bsimp"):
            log("   callgrind %s %s" % (name, stepper))
            c_profile = os.path.join(scratch, "%s-%s-c.out" % (name, stepper))
            c_json = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + c_profile, exe, "single",
                                     stepper, "1", repr(RTOL), repr(ATOL)], capture_output=True, text=True,
                                    check=True).stdout
            c_steps = json.loads(c_json.strip().splitlines()[-1])["nsteps"]
            ours_profile = os.path.join(scratch, "%s-%s-ours.out" % (name, stepper))
            out_dir = os.path.join(scratch, "%s-%s" % (name, stepper))
            env = dict(os.environ, PATHWAY_KERNEL="native")
            subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + ours_profile, binary, "run", sbml,
                            "--method", stepper, "--rtol", repr(RTOL), "--atol", repr(ATOL), "--atol-scale", "none",
                            "--h-init", "1e-6",
                            "--t-end", repr(cfg["T"]), "--steps", str(cfg["nout"] - 1), "-o",
                            os.path.join(out_dir, "out.csv")], capture_output=True, text=True, env=env, check=True)
            manifest = json.load(open(os.path.join(out_dir, "manifest.json")))
            our_steps = manifest["outputs"]["out.csv"]["statistics"]["steps"]
            c_ir = inclusive_instructions(c_profile, "engine_run")
            our_ir = inclusive_instructions(ours_profile, "ODESolverC5solve")
            INSTRUCTION_ROWS.append({"model": name, "stepper": stepper, "c": [c_ir, c_steps], "ours": [our_ir, our_steps]})
            lines.append("| %s | %s | %.3g, %d | %.3g, %d | %.2fx | %.2fx |" % (
                name, stepper, c_ir, c_steps, our_ir, our_steps, our_ir / c_ir, (our_ir / our_steps) / (c_ir / c_steps)))
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--skip-boolean", action="store_true")
    parser.add_argument("--skip-c", action="store_true")
    parser.add_argument("--skip-instructions", action="store_true")
    parser.add_argument("models", nargs="*")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    models = json.load(open(os.path.join(PEERS, "models.json")))
    names = args.models or list(models)

    c_folder, c_reason = (None, "skipped (--skip-c)") if args.skip_c else build_c_driver()
    if c_reason:
        log(c_reason)

    configs = [("msbdf", RTOL, ATOL), ("bsimp", RTOL, ATOL), ("rodas5p", 1e-6, 1e-10), ("rodas5p", 1e-5, 1e-9),
               ("rodas5p", 1e-4, 1e-8)]
    report = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load": open("/proc/loadavg").read().split()[:3],
              "models": {}}
    lines = []
    for name in names:
        cfg = models[name]
        sbml = os.path.abspath(os.path.join(PEERS, cfg["sbml"]))
        log("== %s" % name)
        rr = RoadRunner(sbml, cfg)
        drivers = []
        if c_folder:
            meta = json.load(open(os.path.join(c_folder, "build", name, "meta.json")))
            species = [s["id"] for s in meta["state"]]
            exe = os.path.join(c_folder, "build", name, "odebench")
            drivers = [CDriver(exe, "msbdf", species), CDriver(exe, "bsimp", species)]
        samples = {"rr": [], **{d.solver: [] for d in drivers}, **{"%s %g" % (m, r): [] for m, r, _ in configs}}
        last = {}
        for round_ in range(args.rounds):
            order = ["rr", "c", "ours"]
            order = order[round_ % 3:] + order[:round_ % 3]
            for who in order:
                if who == "rr":
                    samples["rr"].append(rr.block())
                elif who == "c":
                    for d in drivers:
                        samples[d.solver].append(d.block())
                else:
                    for result in ours(sbml, cfg, configs):
                        key = "%s %g" % (result["method"], result["rtol"])
                        samples[key].append(result["median_s"])
                        last[key] = result
            log("   round %d done" % (round_ + 1))
        reference = next(iter(last.values()))["reference"]
        rr_time = statistics.median(samples["rr"])
        rr_err = rel_err(rr.final, reference)
        rows = [("libRoadRunner %s, CVODE BDF" % rr.version, rr_time, rr_err, "-")]
        c_times = {}
        for d in drivers:
            c_times[d.solver] = statistics.median(samples[d.solver])
            rows.append((d.label, c_times[d.solver], rel_err(d.final, reference), "-"))
        best = None
        for method, rtol, atol in configs:
            key = "%s %g" % (method, rtol)
            t = statistics.median(samples[key])
            err = last[key]["err"]
            vs_c = "%.2fx" % (t / c_times[method]) if method in c_times else "-"
            rows.append(("simulate, %s (native kernel), rtol %g atol %g" % (method, rtol, atol), t, err, vs_c))
            if method == "rodas5p" and last[key]["ok"] and err <= rr_err and (best is None or t < best[1]):
                best = (key, t, err)
        report["models"][name] = {"rows": rows, "best": best, "rr": [rr_time, rr_err]}
        lines.append("")
        lines.append("### %s (%s), T = %g, %d points" % (name, cfg.get("title", ""), cfg["T"], cfg["nout"]))
        lines.append("")
        lines.append("| tool | time/sim (median of %d rounds) | vs libRoadRunner | vs C driver, same stepper | final-state rel. error |"
                     % args.rounds)
        lines.append("|---|---|---|---|---|")
        for label, t, err, vs_c in rows:
            lines.append("| %s | %s | %.2fx | %s | %.1e |" % (label, fmt_ms(t), t / rr_time, vs_c, err))
        if best:
            lines.append("")
            lines.append("Fastest Rodas5P setting at libRoadRunner's accuracy or better: %s, %s, **%.2fx libRoadRunner**"
                         " (error %.1e vs %.1e)." % (best[0], fmt_ms(best[1]), best[1] / rr_time, best[2], rr_err))

    # The right-hand side per call.
    lines.append("")
    lines.append("### Right-hand side, one call")
    lines.append("")
    lines.append("| model | simulate native kernel (function alone) | through the workspace | interpreter | generated C (rhscost.c, -O2) | native / C |")
    lines.append("|---|---|---|---|---|---|")
    for name in names:
        sbml = os.path.abspath(os.path.join(PEERS, models[name]["sbml"]))
        text = subprocess.run([os.path.join(BIN, "pathway-bench"), "kernel", sbml], capture_output=True, text=True,
                              check=True).stdout
        alone = float(text.split("native rhs function alone:")[1].split("ns")[0])
        interp = float(text.split("rhs:      interpreted")[1].split("ns")[0])
        through = float(text.split("rhs:      interpreted")[1].split(", native")[1].split("ns")[0])
        c_ns = None
        if c_folder:
            c_ns = json.loads(subprocess.run([os.path.join(c_folder, "build", name, "rhscost")], capture_output=True,
                                             text=True, check=True).stdout)["rhs_ns"]
        lines.append("| %s | %.0f ns | %.0f ns | %.0f ns | %s | %s |" % (
            name, alone, through, interp, "%.0f ns" % c_ns if c_ns else "-", "%.2fx" % (alone / c_ns) if c_ns else "-"))

    # Driving GSL from Swift, counted in instructions: deterministic where wall time on a shared
    # machine is not.
    if c_folder and shutil.which("valgrind") and shutil.which("callgrind_annotate") and not args.skip_instructions:
        lines.extend(instruction_counts(c_folder, models, names))
    report["instructions"] = INSTRUCTION_ROWS

    header = ["## Performance, measured %s (load average %s, %d cores)" % (report["date"], " ".join(report["load"]),
                                                                           os.cpu_count())]
    text = "\n".join(header + lines) + "\n"
    print(text)
    sys.stdout.flush()

    if not args.skip_sweep:
        print("### 10,000-run sweep (Benchmarks/sweep-roadrunner.py)\n")
        sys.stdout.flush()
        subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks", "sweep-roadrunner.py"),
                        os.path.join(BIN, "simulate")], check=True)
    if not args.skip_boolean:
        print("\n### Boolean exhaustive attractor search against BoolNet (Benchmarks/boolean-vs-boolnet.sh)\n")
        sys.stdout.flush()
        subprocess.run(["sh", os.path.join(ROOT, "Benchmarks", "boolean-vs-boolnet.sh"),
                        os.path.join(SHARED, "reference", "boolean")], cwd=ROOT)
    json.dump(report, open(os.path.join(OUT, "performance.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
