#!/usr/bin/env bash
# Sweep throughput and memory: a benchmark, not a test (release build; minutes on 2 cores).
#
#   bash Benchmarks/sweep-bench.sh            # all three measurements
#   RUNS_SMALL=1000 RUNS_LARGE=10000 bash Benchmarks/sweep-bench.sh   # a quicker look
#
# 1. Throughput: 10,000 runs of the osteogenesis HillCube ODE (models/osteogenesis, 50 nodes, the
#    B1 BMP9 scenario: 21 days, rkf45, equilibrated 2000 h before each run) over a 100 × 100 grid of
#    Runx2.tau (log 6 to 96 h) × BMP9 dose (0 to 1), with --jobs 1 and --jobs <all cores>:
#    runs per second. Comparison target: the same sweep at the previous commit (no other tool reads
#    the native format; a libRoadRunner comparison needs the SBML reader).
# 2. Memory: peak RSS of the same sweep with 10,000 and with 100,000 runs (a 100 × 1000 grid), to
#    show that memory does not grow with the run count.
# Prints a table (wall time and, because the machine is shared, CPU time too); the table also goes
# to out/bench/sweep-bench.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
small=${RUNS_SMALL:-10000}
large=${RUNS_LARGE:-100000}
bin="${SIMULATE_BIN:-}"
if [ -z "$bin" ]; then
  swift build -c release --product simulate >&2
  bin="$(swift build -c release --show-bin-path)/simulate"
fi
out=out/bench
mkdir -p "$out"
rm -rf "$out"/sweep-*
model=models/osteogenesis/osteogenesis.yaml
scenario=models/osteogenesis/scenarios/B1-BMP9.yaml
cores=$(nproc)

# sweep RUNS JOBS NAME: runs a RUNS-run grid (100 τ values × RUNS/100 doses); prints
# "wall_seconds peak_kB cpu_seconds failed_runs".
sweep() {
  local runs=$1 jobs=$2 name=$3
  /usr/bin/time -f "%e %M %U %S" -o "$out/$name.time" "$bin" sweep "$model" --scenario "$scenario" \
    --param Runx2.tau=log:6:96:100 --param BMP9=lin:0:1:$((runs / 100)) \
    --metric 'final(Runx2)' --metric 'final(OCN)' --metric 'auc(ALP)' --metric 'tcross(OCN,0.5)' \
    --seed 1 --jobs "$jobs" --quiet -o "$out/$name" || true
  local failed
  failed=$(grep -c ',failed:' "$out/$name/runs.csv" || true)
  read -r wall kb user sys <"$out/$name.time"
  echo "$wall $kb $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $failed"
}

{
  echo "machine: $(nproc) cores, $(uname -r); $(date -u +%Y-%m-%dT%H:%MZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| sweep | runs | jobs | wall s | runs/s (wall) | CPU s | runs per CPU-s | peak RSS MiB | failed runs |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for spec in "$small 1 sweep-small-j1" "$small $cores sweep-small-jN" "$large $cores sweep-large-jN"; do
    set -- $spec
    read -r seconds kb cpu failed < <(sweep "$1" "$2" "$3")
    rate=$(awk -v n="$1" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
    cpurate=$(awk -v n="$1" -v s="$cpu" 'BEGIN { printf "%.0f", n / s }')
    mib=$(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }')
    echo "| osteogenesis Runx2.tau × BMP9 | $1 | $2 | $seconds | $rate | $cpu | $cpurate | $mib | $failed |"
  done
} | tee "$out/sweep-bench.txt"
