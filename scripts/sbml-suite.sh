#!/usr/bin/env bash
# Runs the SBML Test Suite cases of ../shared/reference/sbml-test-suite with the release binary and
# fails below the accepted counts (tier 1: 560/560, tier 2: at least 215/219). With
# COMPARE_ROADRUNNER=1 it also checks the published models of ../shared/reference/models against
# libRoadRunner (installing it with pip when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${SHARED_DIR:-../shared}"
swift build -c release --product simulate >&2
bin="$(swift build -c release --show-bin-path)/simulate"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
python3 "$shared/tools/sbml_check.py" -j "${JOBS:-2}" -q --timeout 120 \
  --cmd "$bin run {model} --t-end {end} --steps {steps} --select {variables} --amount {amount} --concentration {concentration} -o {out}" \
  --cases "$shared/reference/sbml-test-suite/cases" > "$log" || true
grep -E "tier[12]:|passed, " "$log" >&2
tier1=$(sed -nE 's/.*tier1: ([0-9]+)\/.*/\1/p' "$log" | head -1)
tier2=$(sed -nE 's/.*tier2: ([0-9]+)\/.*/\1/p' "$log" | head -1)
status=0
if [ "${tier1:-0}" -lt 560 ]; then echo "SBML Test Suite tier 1: ${tier1:-0}/560, below 560" >&2; status=1; fi
if [ "${tier2:-0}" -lt 215 ]; then echo "SBML Test Suite tier 2: ${tier2:-0}/219, below 215" >&2; status=1; fi
if [ "${COMPARE_ROADRUNNER:-0}" = 1 ]; then
  python3 -c "import roadrunner" 2>/dev/null || python3 -m pip install -q libroadrunner >&2
  python3 Tests/tools/compare_roadrunner.py "$bin" "$shared/reference/models" >&2 || status=1
fi
exit $status
