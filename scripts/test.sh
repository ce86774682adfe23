#!/usr/bin/env bash
# The project's test command: installs what is missing, then runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
swift build --build-tests
swift test --skip-build --parallel
