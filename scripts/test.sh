#!/usr/bin/env bash
# Quick start, command 2: install what is missing, build, and run the whole test suite:
#   1. Release build: unit, integration and smoke tests (ctest);
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build: the same suite;
#   3. clang/libFuzzer build: every fuzz target for FUZZ_SECONDS (default 30) each.
# Stops at the first failing stage. Ends with one line counting every test case of every
# stage that ran (scripts/test_summary.py): passed, failed, skipped, and why each skip.
# KAPSEL_REQUIRE=all (what .ci/run sets) makes every skip a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export CTEST_OUTPUT_ON_FAILURE=1
jobs=$(nproc)
stages=()
summary() { python3 scripts/test_summary.py "${stages[@]}"; }
trap 'status=$?; if ((status)) && ((${#stages[@]})); then summary || true; fi' EXIT
stage() { printf '\n==== %s\n' "$*"; }

# run_ctest NAME BUILD_DIR [ctest options...]: one stage's ctest, its results kept for the summary.
# --no-tests=error: a stage that finds no tests fails rather than passing empty.
run_ctest() {
  local name=$1 dir=$2; shift 2
  rm -rf "$dir/test-results" "$dir/junit.xml"
  stages+=("$name=$dir/junit.xml:$dir/test-results")
  ctest --test-dir "$dir" -j "$jobs" --no-tests=error --output-junit "$PWD/$dir/junit.xml" "$@"
}

stage "release build"
scripts/configure.sh build
cmake --build build -j "$jobs"
stage "release tests"
run_ctest release build --timeout 600

stage "sanitizer build (ASan + UBSan)"
scripts/configure.sh build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKAPSEL_SANITIZE=ON
cmake --build build-asan -j "$jobs"
stage "sanitizer tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 KAPSEL_SANITIZED=1 \
  run_ctest sanitizers build-asan --timeout 900

stage "fuzz build (clang, libFuzzer)"
scripts/configure.sh build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKAPSEL_FUZZ=ON -DKAPSEL_TESTS=OFF \
  -DCMAKE_CXX_COMPILER=clang++
cmake --build build-fuzz -j "$jobs"
stage "fuzzing, ${FUZZ_SECONDS:-30} s per target"
run_ctest fuzzing build-fuzz --timeout 900

stage "summary"
summary
