#!/usr/bin/env bash
# Writes the other forms of the curated osteogenesis model from models/osteogenesis/osteogenesis.yaml:
# SBML core (osteogenesis.xml) and SBML-qual (osteogenesis.qual.xml). The BoolNet file
# osteogenesis.bnet keeps its hand-written header; its rules are checked against the YAML by
# OsteogenesisModelTests, as are the two SBML files.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh >&2
swift build -c release --product simulate >&2
bin="$(swift build -c release --show-bin-path)/simulate"
folder=models/osteogenesis
"$bin" convert "$folder/osteogenesis.yaml" -o "$folder/osteogenesis.xml"
"$bin" convert "$folder/osteogenesis.yaml" --to sbml-qual --logic-only -o "$folder/osteogenesis.qual.xml"
