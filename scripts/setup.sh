#!/usr/bin/env bash
# Installs the Debian packages (12 bookworm or 13 trixie) kapsel needs to build, run and test, when any is missing.
# Safe to run again: it does nothing when everything is there.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build ccache pkg-config
  # libraries
  libasio-dev libssl-dev libspdlog-dev libfmt-dev libtomlplusplus-dev libcli11-dev libsystemd-dev libjemalloc-dev
  # tests: unit, integration clients, feed parser, TLS scanner, fuzzing; Debian's MIME table;
  # the real programs a user puts next to kapsel, which the tests start themselves: a web
  # server for the mirror, a feed reader, a load balancer, a strict HTML parser, systemd's
  # unit checker
  googletest libgtest-dev python3 python3-feedparser openssl ncat sslscan
  clang libclang-rt-dev
  media-types util-linux
  nginx newsboat haproxy python3-html5lib systemd
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
