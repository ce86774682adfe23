#!/usr/bin/env bash
# The main job: installs what is missing, builds the release binary, and runs every scenario of
# the curated osteogenesis model into one folder of CSVs (with manifest.json).
#   bash scripts/run-osteogenesis.sh [OUTPUT_DIR]      (default: out/osteogenesis)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-out/osteogenesis}"
bash scripts/ensure-deps.sh
swift build -c release --product simulate >&2
bin="$(swift build -c release --show-bin-path)/simulate"
model=models/osteogenesis/osteogenesis.yaml
mkdir -p "$out"
"$bin" check "$model" >&2
start=$(date +%s%N)
count=0
failed=0
for scenario in models/osteogenesis/scenarios/*.yaml; do
  name=$(basename "$scenario" .yaml)
  if "$bin" run "$model" --scenario "$scenario" -o "$out/$name.csv"; then
    count=$((count + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $name" >&2
  fi
done
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
printf 'ran %d scenarios (%d failed) in %d.%03d s; CSVs and manifest.json in %s\n' \
  "$count" "$failed" $((elapsed_ms / 1000)) $((elapsed_ms % 1000)) "$out" >&2
[ "$failed" -eq 0 ]
