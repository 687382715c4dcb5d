#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, and serve the shipped capsule
# with the shipped server.toml at gemini://localhost:1965/. Extra arguments go to
# `kapsel serve` (e.g. --listen 127.0.0.1:1966).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/configure.sh build
cmake --build build --target kapsel
exec build/kapsel serve -c server.toml "$@"
