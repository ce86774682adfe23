#!/usr/bin/env bash
# The main job: installs what is missing, builds the release binary, runs every scenario of the
# curated osteogenesis model into one folder of CSVs (with manifest.json), draws one figure per
# behaviour B1-B14 (B1.svg ... B14.svg) beside them, and checks every expectation of the scenario
# library in both modes (expectations.txt). Exits 1 if a scenario, a figure or an expectation fails.
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

# One figure per behaviour (models/osteogenesis/README.md, "Scenarios"): the behaviour's
# scenarios and their controls, one panel per readout, one line per scenario.
#   behaviour | scenarios (CSV names) | readouts
figures=(
  "B1|B1-BMP9 B1-BMP9-low B1-BMP2 B1-BMP2-low B1-Wnt3a B1-Shh B1-TGFb1 B1-PDGFAA B1-DLL1 B1-FGF2 B1-Platelet|ALP,OCN"
  "B2|B2-Wnt3a B2-Wnt3a-DKK1 B2-Wnt3a-low B1-BMP9-low B2-BMP9-Wnt3a-low|bCat,Runx2,ALP,Proliferation"
  "B3|B1-Wnt3a B3-Wnt3a-miR433 B3-miR433|DKK1,bCat,OCN"
  "B4|B4-miR450b B1-BMP2 B4-BMP2-miR450b B1-BMP9 B4-BMP9-miR450b|BMP3,Smad158,ALP,OCN"
  "B5|B5-miR224 B5-miR224-U0126|Rac1,Runx2,ALP,OCN"
  "B6|B1-BMP9-low B6-BMP9-low-DLL1 B6-BMP9-low-DAPT B1-BMP9 B6-BMP9-DAPT B1-DLL1|ALP,OCN,Proliferation"
  "B7|B1-BMP9 B7-BMP9-Shh B7-BMP9-Shh-pulse|OCN"
  "B8|B1-BMP9 B8-BMP9-U0126 B1-BMP9-low B8-BMP9-low-U0126 B8-primed B8-primed-U0126|ERK,Runx2,ALP,OCN"
  "B9|B9-TGFb1 B9-TGFb1-KO B9-TGFb1-SB431542|Smad23,Migration,COL1A1"
  "B10|B10-PDGFAA B10-PDGFAA-Smad4-KO|PDGFRa,Smad158,Runx2,ALP,Migration"
  "B11|B11-BMP2 B11-BMP2-Noggin|Smad158,Dlx5,Runx2,ALP"
  "B12|B13-BMP9 B12-BMP9-Runx2-KO B12-BMP9-Osx-KO|Runx2,Osx,ALP,OCN"
  "B13|B13-BMP9 B13-BMP9-bCat-knockdown|bCat,ALP,OCN"
  "B14|B14-Platelet B14-FGF2 B14-FGF2-U0126|Proliferation,Migration,ALP,OCN"
)
drawn=0
for figure in "${figures[@]}"; do
  IFS='|' read -r behaviour names readouts <<<"$figure"
  inputs=()
  for name in $names; do inputs+=("$out/$name.csv"); done
  layout=panels
  title="$behaviour: ${readouts//,/, }"
  if [ "$behaviour" = B7 ]; then
    layout=overlay
    title="B7: OCN over 21 days under BMP9 alone, with sustained Shh, with a Shh pulse (days 0-3)"
  fi
  if "$bin" plot "${inputs[@]}" --select "$readouts" --layout "$layout" --title "$title" -o "$out/$behaviour.svg"; then
    drawn=$((drawn + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: figure $behaviour" >&2
  fi
done
printf 'drew %d figures (B1.svg ... B14.svg) in %s\n' "$drawn" "$out" >&2

# A cell-population view of B1 (BMP9): 5000 continuous-time Boolean runs (MaBoSS's update, each
# node flipping at rate 1/τ) from the reference attractor; the share of cells with each marker ON
# and the probability of each marker combination over 21 days, with a figure of the latter.
if "$bin" run "$model" --scenario models/osteogenesis/scenarios/B1-BMP9.yaml --boolean continuous --runs 5000 --seed 1 \
    --initial reference --select Runx2,Osx,ALP,OCN --states "$out/population-BMP9-states.csv" -o "$out/population-BMP9.csv" &&
  "$bin" plot "$out/population-BMP9-states.csv" --layout overlay \
    --title "BMP9: marker states (Runx2, Osx, ALP, OCN) of 5000 simulated cells, continuous-time Boolean" \
    -o "$out/population-BMP9-states.svg"; then
  echo "population view: population-BMP9.csv, population-BMP9-states.csv and .svg in $out" >&2
else
  failed=$((failed + 1))
  echo "FAILED: population view" >&2
fi

# The expectations of BIOLOGY.md §4 that the scenarios carry (ODE and Boolean), one line each, in
# expectations.txt; the summary line goes to stderr as well.
start=$(date +%s%N)
if "$bin" check models/osteogenesis/scenarios/*.yaml >"$out/expectations.txt"; then
  checked=ok
else
  checked=failed
  failed=$((failed + 1))
  grep ' FAIL ' "$out/expectations.txt" >&2 || true
fi
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
printf 'expectations: %s (%s) in %d.%03d s; each one in %s/expectations.txt\n' \
  "$(tail -n 1 "$out/expectations.txt")" "$checked" $((elapsed_ms / 1000)) $((elapsed_ms % 1000)) "$out" >&2
[ "$failed" -eq 0 ]
