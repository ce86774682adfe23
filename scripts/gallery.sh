#!/usr/bin/env bash
# Redraws the README's figure gallery (docs/gallery/*.svg) with the commands the README shows.
#   bash scripts/gallery.sh          (builds the release binary; SIMULATE=path/to/simulate uses that one)
# Time courses and the attractor table come from simulate run / simulate attractors; the sweep
# figures and the Boolean raster are drawn from the small example files in docs/gallery/data/,
# written in the formats of simulate sweep (runs.csv, sensitivity.csv) and of a Boolean run.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SIMULATE:-}" ]; then
  bash scripts/ensure-deps.sh
  swift build -c release --product simulate >&2
  SIMULATE="$(swift build -c release --show-bin-path)/simulate"
fi
simulate() { "$SIMULATE" "$@"; }
model=models/osteogenesis/osteogenesis.yaml
data=docs/gallery/data
out=out/gallery
mkdir -p "$out" docs/gallery
for scenario in B1-BMP9 B7-BMP9-Shh B7-BMP9-Shh-pulse B4-miR450b; do
  simulate run "$model" --scenario "models/osteogenesis/scenarios/$scenario.yaml" -o "$out/$scenario.csv"
done

simulate plot "$out/B1-BMP9.csv" "$out/B7-BMP9-Shh.csv" "$out/B7-BMP9-Shh-pulse.csv" --select OCN \
  -o docs/gallery/timecourse-overlay.svg
simulate plot "$out/B4-miR450b.csv" --select BMP3,Smad158,ALP,OCN --layout panels \
  -o docs/gallery/timecourse-panels.svg
simulate plot "$data/decay-k.csv" --metric 'final(x)' --log-x -o docs/gallery/dose-response.svg
simulate plot "$data/decay-k-x0.csv" --x k --y x0 --log-x -o docs/gallery/heatmap.svg
simulate attractors "$data/toy-wnt.bnet" -o "$out/toy-wnt.json"
simulate plot "$out/toy-wnt.json" -o docs/gallery/attractors.svg
simulate plot "$data/toy-wnt-trajectory.csv" -o docs/gallery/raster.svg
simulate plot "$data/ishigami-sobol.csv" -o docs/gallery/sensitivity.svg
rm -rf "$out/oat"
simulate sweep "$model" --scenario models/osteogenesis/scenarios/B1-BMP9.yaml --sampling oat \
  --param BMP9=fold:0.5,2 --param Runx2.tau=fold:0.5,2 --param Osx.tau=fold:0.5,2 --param OCN.tau=fold:0.5,2 \
  --param Runx2.k=fold:0.5,2 --param Smad158.n=fold:0.5,2 --metric 'value(OCN,504)' --quiet -o "$out/oat"
simulate plot "$out/oat/sensitivity.csv" -o docs/gallery/tornado.svg
rm -rf "$out/fit"
simulate fit "$model" --scenario models/osteogenesis/scenarios/B1-BMP9.yaml --data "$data/bmp9-alp-ocn.csv" \
  --fit ALP.tau,OCN.tau --profile --quiet -o "$out/fit"
simulate plot "$out/fit/residuals.csv" -o docs/gallery/fit.svg
simulate plot "$out/fit/profiles.csv" -o docs/gallery/profile.svg
echo "redrew docs/gallery/*.svg" >&2
