#!/usr/bin/env python3
"""Differential test of `simulate attractors` against independent tools.

  sync : BoolNet (R, Debian's r-cran-boolnet) getAttractors, exhaustive, on the whole state
         space (constants and pins are rewritten as constant functions and BoolNet's `fixed`
         marks are cleared, so basins count all 2^n states as the project does). Compared:
         the set of cycles up to rotation and every basin size. Above 29 nodes BoolNet's
         sat.exhaustive is used and basins are not compared.
  async: biodivine_aeon (pip), exact symbolic attractors of the general asynchronous graph.
         Compared: the set of steady states exactly and the number of complex attractors (and
         their sizes where AEON can count them).

Schemes:
  random    seeded random networks (n from --min-n to --max-n, in-degree 1-4, random truth
            tables, constants, inputs `x, x`, self-loops), each with and without a random
            knockout/over-expression
  files     .bnet files (e.g. downloaded published models), each unperturbed and with a few
            seeded random knockouts/over-expressions; regulators that are never defined are
            declared as inputs first (for every tool alike)

  python3 Tests/tools/boolean_difftest.py --simulate .build/release/simulate random --count 200 --seed 1
  python3 Tests/tools/boolean_difftest.py --simulate .build/release/simulate files /work/extra-bool/*.bnet

Each case prints PASS/FAIL with timings of the project and the reference; the last line is
'N passed, M failed, K skipped'. Failing networks are kept under --keep (default
/tmp/boolean-difftest) for reproduction.
"""
import argparse, json, os, random, re, shlex, shutil, subprocess, sys, tempfile, time

TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


# ---------------------------------------------------------------- networks

def read_bnet(path):
    """[(name, expression)] in file order; undefined regulators appended as inputs."""
    rules = []
    for raw in open(path):
        line = raw.split("#", 1)[0].strip()
        if not line or "," not in line:
            continue
        name, expr = (p.strip() for p in line.split(",", 1))
        if name.lower() == "targets" and expr.lower().startswith("factors"):
            continue
        rules.append((name, expr))
    defined = {n for n, _ in rules}
    for _, expr in list(rules):
        for tok in TOKEN.findall(expr):
            if tok not in defined and tok not in ("true", "false", "TRUE", "FALSE"):
                defined.add(tok)
                rules.append((tok, tok))
    return rules


def write_bnet(rules, path):
    with open(path, "w") as f:
        f.write("targets, factors\n")
        for n, e in rules:
            f.write("%s, %s\n" % (n, e))


def perturbed(rules, pins):
    return [(n, ("1" if pins[n] else "0") if n in pins else e) for n, e in rules]


def random_network(rng, n):
    names = ["g%d" % i for i in range(n)]
    rules = []
    for i, name in enumerate(names):
        r = rng.random()
        if r < 0.06:
            rules.append((name, rng.choice(["0", "1"])))
            continue
        if r < 0.14:
            rules.append((name, name))  # input
            continue
        k = rng.randint(1, 4)
        regs = [rng.choice(names) for _ in range(k)]  # repeats and self-loops allowed
        if rng.random() < 0.3 and name not in regs:
            regs[0] = name
        if rng.random() < 0.05:
            regs = [name, name]  # `x, x & x`-like identity written twice
        uniq = list(dict.fromkeys(regs))
        table = [rng.random() < rng.choice([0.3, 0.5, 0.7]) for _ in range(1 << len(uniq))]
        rules.append((name, expression(uniq, table, rng)))
    return rules


def expression(regs, table, rng):
    if all(table):
        return "1" if rng.random() < 0.5 else "(%s | !%s)" % (regs[0], regs[0])
    if not any(table):
        return "0" if rng.random() < 0.5 else "(%s & !%s)" % (regs[0], regs[0])
    terms = []
    for m, v in enumerate(table):
        if v:
            lits = [(r if m >> j & 1 else "!" + r) for j, r in enumerate(regs)]
            terms.append("(" + " & ".join(lits) + ")" if len(lits) > 1 else lits[0])
    return " | ".join(terms)


# ---------------------------------------------------------------- tools

def run_simulate(sim, model, update, exhaustive, timeout, extra=()):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "a.json")
        cmd = [sim, "attractors", model, "--update", update, "--format", "json", "-o", out, *extra]
        if exhaustive:
            cmd.append("--exhaustive")
        t = time.time()
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, "timeout after %ds" % timeout, time.time() - t
        secs = time.time() - t
        if p.returncode != 0:
            return None, "exit %d: %s" % (p.returncode, p.stderr.strip()[-300:]), secs
        return json.load(open(out)), None, secs


BOOLNET_R = r"""
suppressMessages(library(BoolNet))
args <- commandArgs(trailingOnly = TRUE)
net <- loadNetwork(args[1])
# Exhaustive: the whole state space, as the project counts basins. BoolNet's SAT encoding
# mishandles constant functions that are not marked fixed (it reports non-cycles), so the
# SAT search keeps the marks (attractors are the same either way; basins are not compared).
if (args[2] != "sat") net$fixed[] <- -1L
t <- system.time(att <- if (args[2] == "sat") getAttractors(net, method = "sat.exhaustive") else getAttractors(net))
cat("SECONDS", t[["elapsed"]], "\n")
cat("GENES", net$genes, "\n")
for (i in seq_along(att$attractors)) {
  seqs <- getAttractorSequence(att, i)
  b <- att$attractors[[i]]$basinSize
  cat("ATT", if (is.null(b) || is.na(b)) -1 else b, apply(seqs, 1, paste, collapse = ""), "\n")
}
"""


def run_boolnet(model, sat, timeout):
    t = time.time()
    try:
        p = subprocess.run(["Rscript", "-e", BOOLNET_R, model, "sat" if sat else "exh"],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "BoolNet timeout", time.time() - t
    if p.returncode != 0:
        return None, "BoolNet failed: " + p.stderr.strip()[-300:], time.time() - t
    genes, atts, secs = None, [], time.time() - t
    for line in p.stdout.splitlines():
        f = line.split()
        if f[0] == "GENES":
            genes = f[1:]
        elif f[0] == "SECONDS":
            secs = float(f[1])
        elif f[0] == "ATT":
            b = int(float(f[1]))
            atts.append((f[2:], None if b < 0 else b))
    return (genes, atts), None, secs


AEON_PY = r"""
import sys, time, json
import biodivine_aeon as ba
bn = ba.BooleanNetwork.from_file(sys.argv[1]).infer_valid_graph()
t = time.time()
graph = ba.AsynchronousGraph(bn)
atts = ba.Attractors.attractors(graph)
names = [bn.get_variable_name(v) for v in bn.variables()]
steady, sizes = [], []
for a in atts:
    vs = a.vertices()
    c = vs.cardinality()
    if c == 1:
        model = next(iter(vs))
        steady.append("".join("1" if model[v] else "0" for v in bn.variables()))
    else:
        sizes.append(c)
print(json.dumps({"names": names, "steady": steady, "complex": sizes, "seconds": time.time() - t}))
"""


def run_aeon(model, timeout):
    t = time.time()
    try:
        p = subprocess.run([sys.executable, "-c", AEON_PY, model], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "AEON timeout", time.time() - t
    if p.returncode != 0:
        return None, "AEON failed: " + p.stderr.strip()[-300:], time.time() - t
    r = json.loads(p.stdout.strip().splitlines()[-1])
    return r, None, r["seconds"]


# ---------------------------------------------------------------- comparison

def canon(states):
    i = states.index(min(states))
    return tuple(states[i:] + states[:i])


def remap(state, frm, to):
    pos = {n: i for i, n in enumerate(frm)}
    return "".join(state[pos[n]] for n in to)


def compare_sync(got, ref, names):
    genes, atts = ref
    want = {canon([remap(s, genes, names) for s in states]): b for states, b in atts}
    have = {}
    for a in got["attractors"]:
        have[canon([remap(s, got["nodes"], names) for s in a["states"]])] = a.get("basin")
    if set(want) != set(have):
        return "sync attractors differ: BoolNet %d, simulate %d, %d common" % (
            len(want), len(have), len(set(want) & set(have)))
    for k, b in want.items():
        if b is not None and have[k] is not None and have[k] != b:
            return "basin differs: BoolNet %d, simulate %d for cycle of %d" % (b, have[k], len(k))
        if b is not None and have[k] is None and got.get("method", "").startswith("exhaustive"):
            return "basin missing from an exhaustive search"
    if not got.get("complete", False):
        return "not marked complete"
    return None


def compare_async(got, ref, names):
    want_fixed = {remap(s, ref["names"], names) for s in ref["steady"]}
    have_fixed, sizes = set(), []
    for a in got["attractors"]:
        if a["type"] == "fixed":
            have_fixed.add(remap(a["states"][0], got["nodes"], names))
        else:
            sizes.append(a.get("size"))
    if want_fixed != have_fixed:
        return "steady states differ: AEON %d, simulate %d, %d common" % (
            len(want_fixed), len(have_fixed), len(want_fixed & have_fixed))
    if len(sizes) != len(ref["complex"]):
        return "complex attractors: AEON %d, simulate %d" % (len(ref["complex"]), len(sizes))
    if sorted(float(s) for s in sizes) != sorted(float(s) for s in ref["complex"]):
        return "complex attractor sizes differ: AEON %s, simulate %s" % (sorted(ref["complex"]), sorted(sizes))
    if not got.get("complete", False):
        return "not marked complete"
    return None


# ---------------------------------------------------------------- driver

class Tally:
    def __init__(self, keep):
        self.passed = self.failed = self.skipped = 0
        self.keep = keep
        self.slow = []

    def case(self, label, err, secs, ref_secs, model=None, skip=False, pins=()):
        if skip:
            self.skipped += 1
            print("SKIP %-58s %s" % (label, err), flush=True)
            return
        if err is None:
            self.passed += 1
            print("PASS %-58s simulate %7.2fs  ref %7.2fs" % (label, secs, ref_secs), flush=True)
        else:
            self.failed += 1
            kept = ""
            if model and self.keep:
                os.makedirs(self.keep, exist_ok=True)
                kept = os.path.join(self.keep, re.sub(r"[^A-Za-z0-9_.-]+", "_", label) + ".bnet")
                shutil.copy(model, kept)
                if pins:
                    open(kept[:-5] + ".flags", "w").write(" ".join(pins) + "\n")
            print("FAIL %-58s %s %s" % (label, err, kept), flush=True)
        if secs > 60 and ref_secs < 10:
            self.slow.append((label, secs, ref_secs))


def check(args, tally, rules, pins, label, updates):
    """The references get the network with pinned functions rewritten; simulate gets the
    unchanged network and --knockout/--overexpress flags."""
    n = len(rules)
    names = [r[0] for r in rules]
    flags = []
    for p, v in sorted(pins.items()):
        flags += ["--overexpress" if v else "--knockout", p]
    with tempfile.TemporaryDirectory() as d:
        model = os.path.join(d, "net.bnet")
        write_bnet(rules, model)
        pinned = os.path.join(d, "pinned.bnet")
        write_bnet(perturbed(rules, pins), pinned)
        if "sync" in updates:
            sat = n > 29
            if sat and n > args.max_sync_sat:
                tally.case(label + " sync", "n=%d beyond --max-sync-sat" % n, 0, 0, skip=True)
            else:
                ref, err, rsecs = run_boolnet(pinned, sat, args.timeout)
                if err:
                    tally.case(label + " sync", err, 0, rsecs, skip=True)
                else:
                    got, err, secs = run_simulate(args.simulate, model, "sync", n <= 30 and args.exhaustive, args.timeout, flags)
                    tally.case(label + " sync", err or compare_sync(got, ref, names), secs, rsecs, model, pins=flags)
        if "async" in updates:
            ref, err, rsecs = run_aeon(pinned, args.timeout)
            if err:
                tally.case(label + " async", err, 0, rsecs, skip=True)
            else:
                got, err, secs = run_simulate(args.simulate, model, "async", False, args.timeout, flags)
                tally.case(label + " async", err or compare_async(got, ref, names), secs, rsecs, model, pins=flags)


def random_pins(rng, rules, count):
    names = [n for n, _ in rules]
    chosen = rng.sample(names, min(count, len(names)))
    return {n: rng.random() < 0.5 for n in chosen}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--simulate", default=".build/release/simulate")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--update", default="sync,async")
    ap.add_argument("--max-sync-sat", type=int, default=45, help="largest n for BoolNet's SAT search")
    ap.add_argument("--no-exhaustive", dest="exhaustive", action="store_false",
                    help="run the default exact search instead of --exhaustive for sync")
    ap.add_argument("--keep", default="/tmp/boolean-difftest")
    sub = ap.add_subparsers(dest="scheme", required=True)
    r = sub.add_parser("random")
    r.add_argument("--count", type=int, default=100)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--min-n", type=int, default=5)
    r.add_argument("--max-n", type=int, default=20)
    f = sub.add_parser("files")
    f.add_argument("paths", nargs="+")
    f.add_argument("--perturbations", type=int, default=3)
    f.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    updates = args.update.split(",")
    tally = Tally(args.keep)
    if args.scheme == "random":
        for k in range(args.count):
            rng = random.Random(args.seed * 1_000_003 + k)
            n = rng.randint(args.min_n, args.max_n)
            rules = random_network(rng, n)
            check(args, tally, rules, {}, "random seed=%d k=%d n=%d" % (args.seed, k, n), updates)
            pins = random_pins(rng, rules, rng.randint(1, 2))
            tag = ",".join(("OE " if v else "KO ") + p for p, v in sorted(pins.items()))
            check(args, tally, rules, pins, "random seed=%d k=%d n=%d %s" % (args.seed, k, n, tag), updates)
    else:
        for path in args.paths:
            rules = read_bnet(path)
            base = os.path.basename(path)[:-5]
            check(args, tally, rules, {}, "%s n=%d" % (base, len(rules)), updates)
            rng = random.Random(args.seed)
            for _ in range(args.perturbations):
                pins = random_pins(rng, rules, rng.randint(1, 2))
                tag = ",".join(("OE " if v else "KO ") + p for p, v in sorted(pins.items()))
                check(args, tally, rules, pins, "%s n=%d %s" % (base, len(rules), tag), updates)
    for label, secs, rsecs in tally.slow:
        print("SLOW %-58s simulate %.1fs vs reference %.1fs" % (label, secs, rsecs))
    print("%d passed, %d failed, %d skipped" % (tally.passed, tally.failed, tally.skipped))
    sys.exit(1 if tally.failed else 0)


if __name__ == "__main__":
    main()
