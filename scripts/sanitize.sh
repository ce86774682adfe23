#!/usr/bin/env bash
# Builds and runs the tests under AddressSanitizer and/or ThreadSanitizer, each in its own build
# folder (.build-asan, .build-tsan), so that the ordinary debug build is left alone.
#
#   scripts/sanitize.sh [address|thread|both] [FILTER]
#
# FILTER (a `swift test --filter` pattern) picks a subset; without it every suite runs.
# SANITIZE_QUICK=1 runs a representative subset (CI runs the ASan one; see docs/robustness.md):
# under ASan the readers, the bad-input corpus, the fault-injection tests and the expression, ODE
# and sweep units; under TSan the parallel parts (sweeps with --jobs, sensitivity, kills).
# Exit non-zero on a test failure or on any sanitizer report (halt_on_error).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-both}
FILTER=${2:-}
QUICK_ADDRESS='SegmentTests|BadInputTests|SBMLUnitsTests|SBMLInitialSettingTests|SBMLReaderWarningTests|SteadyStateTests|SteadyStateCommandTests|FaultInjectionTests|ExpressionTests|NativeModelReaderTests|SBMLReaderTests|SBMLQualTests|BNetFormatTests|ScenarioTests|RecordFileTests|FailureModeTests|RunCommandTests|SweepDesignTests'
QUICK_THREAD='SweepCommandTests|FaultInjectionTests|SweepDesignTests|IshigamiSensitivityTests'

run() {  # run SANITIZER BUILD_PATH QUICK_FILTER
  local sanitizer=$1 path=$2 quick=$3
  echo "== $sanitizer: building in $path"
  swift build --build-tests --sanitize "$sanitizer" --build-path "$path"
  local filter=("--filter" "${FILTER:-.*}")
  [ -z "$FILTER" ] && [ "${SANITIZE_QUICK:-0}" = 1 ] && filter=("--filter" "$quick")
  echo "== $sanitizer: testing ${filter[*]}"
  local log="$path/sanitize-test.log"
  # Reports go to files, one per process: the CLI tests capture the stderr of the simulate
  # processes they launch, so a report there would otherwise be seen only as a failed expectation.
  local reports="$(pwd)/$path/sanitizer-reports"
  rm -rf "$reports"
  mkdir -p "$reports"
  set +e
  # The simulate binary the CLI tests launch is the sanitized one in $path/debug. Timing bounds
  # of the tests are multiplied by PATHWAY_TEST_TIME_FACTOR (sanitized code is 2-15x slower).
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:log_path=$reports/asan} \
    TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:log_path=$reports/tsan} \
    SWIFT_BACKTRACE=enable=no PATHWAY_TEST_TIME_FACTOR=${PATHWAY_TEST_TIME_FACTOR:-10} \
    SIMULATE_BIN="$(pwd)/$path/debug/simulate" \
    swift test --skip-build --sanitize "$sanitizer" --build-path "$path" "${filter[@]}" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  if [ -n "$(ls -A "$reports")" ]; then
    echo "== $sanitizer: sanitizer reports in $reports:"
    grep -hE "(ERROR: AddressSanitizer|WARNING: ThreadSanitizer|SUMMARY)" "$reports"/* | sort | uniq -c | head -20
    return 1
  fi
  [ "$rc" -eq 0 ] || { echo "== $sanitizer: tests failed (exit $rc)"; return "$rc"; }
  echo "== $sanitizer: clean"
}

status=0
case "$MODE" in
  address) run address .build-asan "$QUICK_ADDRESS" || status=$? ;;
  thread) run thread .build-tsan "$QUICK_THREAD" || status=$? ;;
  both)
    run address .build-asan "$QUICK_ADDRESS" || status=$?
    run thread .build-tsan "$QUICK_THREAD" || status=$?
    ;;
  *) echo "usage: scripts/sanitize.sh [address|thread|both] [FILTER]" >&2; exit 64 ;;
esac
exit $status
