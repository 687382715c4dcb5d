#!/usr/bin/env bash
# Quick start, command 2: install what is missing, build, and run the whole test suite:
#   1. Release build: unit, integration and smoke tests (ctest);
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build: the same suite;
#   3. clang/libFuzzer build: every fuzz target for FUZZ_SECONDS (default 30) each.
# Stops at the first failing stage.
set -euo pipefail
cd "$(dirname "$0")/.."
export CTEST_OUTPUT_ON_FAILURE=1
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
jobs=$(nproc)
stage() { printf '\n==== %s\n' "$*"; }

stage "release build"
scripts/configure.sh build
cmake --build build -j "$jobs"
stage "release tests"
ctest --test-dir build -j "$jobs" --timeout 600 | tee -a "$summary"

stage "sanitizer build (ASan + UBSan)"
scripts/configure.sh build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKAPSEL_SANITIZE=ON
cmake --build build-asan -j "$jobs"
stage "sanitizer tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j "$jobs" --timeout 900 | tee -a "$summary"

stage "fuzz build (clang, libFuzzer)"
scripts/configure.sh build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKAPSEL_FUZZ=ON -DKAPSEL_TESTS=OFF \
  -DCMAKE_CXX_COMPILER=clang++
cmake --build build-fuzz -j "$jobs"
stage "fuzzing, ${FUZZ_SECONDS:-30} s per target"
ctest --test-dir build-fuzz -j "$jobs" --timeout 900 | tee -a "$summary"

# One closing line over all three stages.
awk '/tests passed, [0-9]+ tests failed out of/ { failed += $4; total += $NF }
     END { printf "all stages: %d passed, %d failed\n", total - failed, failed }' "$summary"
