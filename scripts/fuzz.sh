#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (a separate SwiftPM package that depends on this one by
# path) with -sanitize=fuzzer,address and runs each for a given time, one after another.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      default: 600 s, every target
#   FUZZ_JOBS=2 scripts/fuzz.sh 60 sbml                   parallel libFuzzer workers (-fork)
#   scripts/fuzz.sh --build-only
#
# Targets: expression native scenario sweep sbml qual bnet maboss csv (see Fuzz/Sources/pathway-fuzz).
# Corpora grow in Fuzz/corpus/TARGET (kept between runs, not committed); seeds are regenerated
# from models/, Tests/BadInputs/files, /work/shared/reference (or $REFERENCE) and Fuzz/seeds.
# A crash, a sanitizer report or a hang (> 10 s per input) leaves the input in
# Fuzz/findings/TARGET-{crash,timeout,oom,leak}-*; reproduce it with
#   FUZZ_TARGET=TARGET Fuzz/.build/release/pathway-fuzz FILE
# and turn it into a regression test (Tests/BadInputs/ or a unit test).
# Exit: 0 when no target found anything, 1 otherwise. Summary lines: Fuzz/findings/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
FUZZ="$ROOT/Fuzz"
REFERENCE=${REFERENCE:-$ROOT/../shared/reference}
[ -d "$REFERENCE" ] || REFERENCE=/work/shared/reference
ALL_TARGETS=(expression native scenario sweep sbml qual bnet maboss csv)

BUILD_ONLY=0
if [ "${1:-}" = "--build-only" ]; then BUILD_ONLY=1; shift; fi
SECONDS_PER_TARGET=${1:-600}
[ $# -gt 0 ] && shift
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL_TARGETS[@]}")

# Release (-O) for executions per second; the Swift code gets coverage and ASan through -Xswiftc,
# the C code (Yams's libyaml) through -Xcc.
echo "== building Fuzz/ (release, -sanitize=fuzzer,address)"
swift build --package-path "$FUZZ" -c release \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
  -Xcc -fsanitize=fuzzer-no-link,address
BIN="$FUZZ/.build/release/pathway-fuzz"
[ "$BUILD_ONLY" = 1 ] && exit 0

# Seeds: each target's files from the repository and the shared reference.
seed() {  # seed TARGET FILE...
  local dir="$FUZZ/.seeds/$1"
  shift
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/$(echo "${f#$ROOT/}" | tr '/' '_')"; done
  return 0
}
rm -rf "$FUZZ/.seeds"
for t in "${ALL_TARGETS[@]}"; do mkdir -p "$FUZZ/.seeds/$t" "$FUZZ/corpus/$t"; done
shopt -s nullglob
BAD="$ROOT/Tests/BadInputs/files"
seed native "$ROOT"/models/*/*.yaml "$BAD"/*.yaml
seed scenario "$ROOT"/models/*/scenarios/*.yaml "$BAD"/*scenario*.yaml
seed sweep "$ROOT"/models/*/sweeps/*.yaml "$ROOT"/models/*/*sweep*.yaml "$BAD"/*sweep*.yaml
seed sbml "$REFERENCE"/models/*.xml "$BAD"/*.xml
# The SBML test suite: every 5th case keeps the seed set small and still covers every construct family.
seed sbml $(ls "$REFERENCE"/sbml-test-suite/cases/*/*-sbml-l3v2.xml 2>/dev/null | awk 'NR % 5 == 1')
seed qual "$BAD"/*qual*.xml
seed bnet "$ROOT"/models/*/*.bnet "$REFERENCE"/boolean/models/*.bnet "$BAD"/*.bnet "$BAD"/*.txt
seed csv "$BAD"/*.csv "$ROOT"/docs/gallery/data/*.csv $(ls "$REFERENCE"/sbml-test-suite/cases/*/*-results.csv 2>/dev/null | awk 'NR % 20 == 1')
# Expressions: the rules and rates of the models, one per file.
n=0
for f in "$ROOT"/models/*/*.yaml; do
  while IFS= read -r line; do
    n=$((n + 1))
    printf '%s' "$line" > "$FUZZ/.seeds/expression/rule$n.txt"
  done < <(sed -nE 's/^ *(rule|rate): *"?([^"]*)"?$/\2/p' "$f" | sort -u | head -200)
done

max_length() {
  case "$1" in
    expression) echo 4096 ;;
    bnet | maboss | csv) echo 16384 ;;
    *) echo 65536 ;;
  esac
}

dictionary() {
  case "$1" in
    expression) echo "$FUZZ/dictionaries/expression.dict" ;;
    native | scenario | sweep) echo "$FUZZ/dictionaries/yaml.dict" ;;
    sbml | qual) echo "$FUZZ/dictionaries/xml.dict" ;;
    bnet) echo "$FUZZ/dictionaries/bnet.dict" ;;
    maboss) echo "$FUZZ/dictionaries/maboss.dict" ;;
    *) echo "" ;;
  esac
}

mkdir -p "$FUZZ/findings"
SUMMARY="$FUZZ/findings/summary.txt"
status=0
for t in "${TARGETS[@]}"; do
  log="$FUZZ/findings/$t.log"
  dict=$(dictionary "$t")
  extra=()
  [ -n "$dict" ] && extra+=("-dict=$dict")
  [ -n "${FUZZ_JOBS:-}" ] && extra+=("-fork=$FUZZ_JOBS" "-ignore_crashes=1" "-ignore_timeouts=1")
  seeds=("$FUZZ/.seeds/$t")
  [ -d "$FUZZ/seeds/$t" ] && seeds+=("$FUZZ/seeds/$t")
  echo "== $t: ${SECONDS_PER_TARGET}s, log in ${log#$ROOT/}"
  # Leak detection is off: the Swift runtime's metadata caches and Foundation's singletons are
  # reported as leaks by LeakSanitizer. ASan's other checks (overflows, use after free) are on.
  set +e
  FUZZ_TARGET=$t SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 "$BIN" \
    "$FUZZ/corpus/$t" "${seeds[@]}" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=4096 -max_len="$(max_length "$t")" \
    -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$FUZZ/findings/$t-" "${extra[@]}" \
    > "$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -1 || true)
  speed=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log" | tail -1 || true)
  # With -fork (FUZZ_JOBS) libFuzzer prints no stat:: lines: take the last progress line.
  if [ -z "$runs" ]; then
    runs=$(sed -nE 's/^#([0-9]+): cov:.*/\1/p' "$log" | tail -1 || true)
    seconds=$(sed -nE 's/^#[0-9]+: cov:.* time: ([0-9]+)s.*/\1/p' "$log" | tail -1 || true)
    if [ -n "$runs" ] && [ -n "$seconds" ] && [ "$seconds" -gt 0 ]; then speed=$((runs / seconds)); fi
  fi
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 || true)
  files=$(ls "$FUZZ/corpus/$t" | wc -l)
  line="$(date -u +%FT%TZ) $t: ${SECONDS_PER_TARGET}s, rc $rc, ${runs:-?} executions, ${speed:-?}/s, $cov, corpus $files files ($(du -sh "$FUZZ/corpus/$t" | cut -f1))"
  echo "$line" | tee -a "$SUMMARY"
  if [ $rc -ne 0 ]; then
    status=1
    grep -E "ERROR|Test unit written|SUMMARY|Fatal error" "$log" | head -10
  fi
done
exit $status
