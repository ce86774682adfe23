#!/bin/sh
# Boolean networks against BoolNet (Debian's r-cran-boolnet), in one run on this machine:
#   1. exhaustive synchronous attractor search on the largest reference network with n <= 25
#      (dinwoodie_life, 15 nodes): pathway-bench's median of repeated in-process searches, the
#      `simulate attractors --exhaustive` command end to end, and BoolNet's getAttractors (C core),
#      mean of repeated runs;
#   2. synchronous updates on the seeded 200-node random network of in-degree 3: pathway-bench's
#      node updates per second over 10^6 steps, `simulate run --boolean sync --steps 1000000`
#      end to end (BoolNet has no compiled trajectory loop to compare with).
#
#   sh Benchmarks/boolean-vs-boolnet.sh [REFERENCE_DIR]     (from the package root)
set -eu
REF=${1:-../shared/reference/boolean}
MODEL=dinwoodie_life
OUT=${TMPDIR:-/tmp}/boolean-bench.$$
mkdir -p "$OUT"
trap 'rm -rf "$OUT"' EXIT

swift build -c release --product simulate >/dev/null
swift build -c release --product pathway-bench >/dev/null
BIN=$(swift build -c release --show-bin-path)

echo "== machine: $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== pathway-bench boolean"
"$BIN/pathway-bench" boolean "$REF/models/$MODEL.bnet" --repeats 50 --write "$OUT/random200.bnet"

echo "== simulate attractors --exhaustive (whole command: load, search, write JSON), 10 runs"
start=$(date +%s.%N)
for i in 1 2 3 4 5 6 7 8 9 10; do
  "$BIN/simulate" attractors "$REF/models/$MODEL.bnet" --exhaustive -o "$OUT/a.json" 2>/dev/null
done
end=$(date +%s.%N)
echo "$start $end" | awk '{printf "simulate attractors: %.1f ms per command\n", ($2 - $1) * 100}'

echo "== simulate run --boolean sync --steps 1000000 on the 200-node network (CSV of 10^6+1 rows)"
start=$(date +%s.%N)
"$BIN/simulate" run "$OUT/random200.bnet" --boolean sync --steps 1000000 --initial random --seed 3 -o "$OUT/traj.csv" 2>/dev/null
end=$(date +%s.%N)
echo "$start $end $(wc -l <"$OUT/traj.csv")" | awk '{printf "simulate run: %.2f s for %d rows\n", $2 - $1, $3}'

echo "== simulate attractors --samples 20 on the 200-node network"
start=$(date +%s.%N)
"$BIN/simulate" attractors "$OUT/random200.bnet" --samples 20 --seed 1 -o "$OUT/s.json" 2>&1 | tail -1
end=$(date +%s.%N)
echo "$start $end" | awk '{printf "simulate attractors --samples 20: %.2f s\n", $2 - $1}'

echo "== BoolNet $(Rscript -e 'cat(as.character(packageVersion("BoolNet")))' 2>/dev/null)"
Rscript - "$REF/models/$MODEL.bnet" <<'EOF'
suppressMessages(library(BoolNet))
args <- commandArgs(trailingOnly = TRUE)
net <- loadNetwork(args[1])
invisible(getAttractors(net))  # warm-up
runs <- 50
t <- system.time(for (i in 1:runs) a <- getAttractors(net))[["elapsed"]] / runs
cat(sprintf("BoolNet getAttractors (exhaustive sync), %s: %d attractors; mean %.3f ms over %d runs\n",
            basename(args[1]), length(a$attractors), 1000 * t, runs))
# The 200-node network (in-degree 3, random functions) is chaotic: its cycles are far longer than
# any sampled trajectory, and BoolNet's random-start search, which stores every visited state
# until one repeats, is not run on it.
EOF
