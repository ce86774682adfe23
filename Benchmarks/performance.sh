#!/usr/bin/env bash
# The performance benchmark (a benchmark, not a test): builds the release products, installs what
# the peers need when it is missing (libRoadRunner, the C driver's GSL/SUNDIALS/KLU and its
# generator's libsbml and sympy, BoolNet), then runs Benchmarks/performance.py, which measures
# simulate against libRoadRunner and the C driver of ../shared/bench/ode in one run and prints the
# tables of README.md's Performance section. About 5 minutes on 2 cores.
#
#   bash Benchmarks/performance.sh [--rounds R] [--skip-sweep] [--skip-boolean] [--skip-c] [--skip-instructions] [MODEL...]
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for pkg in libgsl-dev libsundials-dev libsuitesparse-dev r-cran-boolnet; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -q >&2 && $SUDO apt-get install -y -q --no-install-recommends "${need[@]}" >&2
fi
python3 -c "import roadrunner, libsbml, sympy" 2>/dev/null || pip install -q libroadrunner python-libsbml sympy >&2
swift build -c release --product pathway-bench >&2
swift build -c release --product simulate >&2
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
exec python3 Benchmarks/performance.py "$@"
