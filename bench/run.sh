#!/usr/bin/env bash
# bench/run.sh — kapsel against a baseline Gemini server (Debian's molly-brown), in one run.
#
# Installs what it needs, builds kapsel and loadgen in Release (build-bench/), serves the same
# files with the same kind of certificate (ECDSA P-256) from both servers in turn, each pinned
# to core 0 with loadgen on core 1, and prints a markdown table with kapsel/baseline ratios.
# Next to the page c=16 cases it runs handshake_floor (core 0): OpenSSL alone, in memory, with
# kapsel's TLS context — the floor under kapsel — and prints kapsel ÷ floor; and go_floor, the
# same requests done in memory by Go's crypto/tls — the floor under molly-brown — and prints
# OpenSSL ÷ Go. handshake_floor -I also measures what OpenSSL alone keeps per idle connection.
# Loopback only: the measuring half runs in a private network namespace (unshare --net) that
# holds nothing but `lo`, because molly-brown has no listen-address setting and would
# otherwise listen on every interface.
#
#   bench/run.sh [--quick] [--baseline-only] [--keep]
#   BENCH_SECONDS=10 (measuring time per case)  BENCH_WARMUP=1  BENCH_IDLE=1000
#   BENCH_ARTICLES=10000  BENCH_REPEAT=1 (runs per load case; the table shows medians)
#   BENCH_JOBS=1 (ninja -j)  BENCH_DIR=build-bench/bench-run
#   BENCH_FLOOR_N=1000 (in-memory requests per floor run; --quick: 300)
#   BENCH_FLOOR_RUNS=5 (floor rounds per case, medians shown; --quick: 1)
#
# Everything is bounded: each load run has a duration and loadgen's hard cap, every wait has
# a timeout, and servers are killed on exit.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$repo/build-bench"
quick=0 baseline_only=0 keep=0 inner=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --baseline-only) baseline_only=1 ;;
    --keep) keep=1 ;;
    --inner) inner=1 ;;  # internal: the measuring half, already inside the namespace
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

if ((quick)); then
  : "${BENCH_SECONDS:=2}" "${BENCH_WARMUP:=0.5}" "${BENCH_IDLE:=1000}" "${BENCH_ARTICLES:=10000}"
  : "${BENCH_FLOOR_N:=300}" "${BENCH_FLOOR_RUNS:=1}"
else
  : "${BENCH_SECONDS:=10}" "${BENCH_WARMUP:=1}" "${BENCH_IDLE:=1000}" "${BENCH_ARTICLES:=10000}"
  : "${BENCH_FLOOR_N:=1000}" "${BENCH_FLOOR_RUNS:=5}"
fi
[[ "$BENCH_FLOOR_N" =~ ^[1-9][0-9]{0,4}$ ]] || { echo "run.sh: BENCH_FLOOR_N must be 1..99999" >&2; exit 2; }
[[ "$BENCH_FLOOR_RUNS" =~ ^[1-9]$ ]] || { echo "run.sh: BENCH_FLOOR_RUNS must be 1..9" >&2; exit 2; }
: "${BENCH_JOBS:=1}" "${BENCH_DIR:=$build/bench-run}" "${BENCH_REPEAT:=1}"
[[ "$BENCH_REPEAT" =~ ^[1-9]$ ]] || { echo "run.sh: BENCH_REPEAT must be 1..9" >&2; exit 2; }
export BENCH_SECONDS BENCH_WARMUP BENCH_IDLE BENCH_ARTICLES BENCH_JOBS BENCH_DIR BENCH_REPEAT BENCH_FLOOR_N BENCH_FLOOR_RUNS

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
die() { echo "run.sh: $*" >&2; exit 1; }

# ------------------------------------------------------------------------------------------
# First half: packages and build (needs the network for apt-get), then re-enter the script
# inside a private network namespace for the measuring.

if ((!inner)); then
  need=(molly-brown golang-go util-linux iproute2 openssl cmake ninja-build g++ libssl-dev)
  missing=()
  for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  # kapsel's own build dependencies (asio, toml++, spdlog, CLI11 …), when the repo says how.
  if ((!baseline_only)) && [[ -x "$repo/scripts/setup.sh" ]]; then "$repo/scripts/setup.sh"; fi

  say "building in $build (Release, -j$BENCH_JOBS)"
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKAPSEL_TESTS=OFF >/dev/null
  ninja -C "$build" -j"$BENCH_JOBS" loadgen
  if ((!baseline_only)); then
    ninja -C "$build" -j"$BENCH_JOBS" kapsel handshake_floor \
      || die "kapsel does not build; bench/run.sh --baseline-only measures molly-brown alone"
  fi

  # go_floor: Debian's Go (the toolchain molly-brown is built with), no module downloads.
  mkdir -p "$build/bench"
  (cd "$repo/bench/go_floor" && GOCACHE="$build/go-cache" GOPATH="$build/go-path" GOPROXY=off GOFLAGS=-mod=mod \
    go build -o "$build/bench/go_floor" .) || die "go_floor does not build"

  flags=(--inner)
  ((quick)) && flags+=(--quick)
  ((baseline_only)) && flags+=(--baseline-only)
  ((keep)) && flags+=(--keep)
  if unshare --net true 2>/dev/null; then
    exec unshare --net -- bash "$0" "${flags[@]}"
  fi
  [[ "${BENCH_NO_NETNS:-0}" == 1 ]] \
    || die "cannot create a network namespace (unshare --net; needs root or user namespaces).
  molly-brown has no listen-address setting and would listen on every interface.
  To accept that for the few minutes of the run, set BENCH_NO_NETNS=1."
  echo "run.sh: warning: no private network namespace; molly-brown listens on all interfaces" >&2
  exec bash "$0" "${flags[@]}"
fi

# ------------------------------------------------------------------------------------------
# Second half: the measuring.

if [[ "$(ip -o link show 2>/dev/null | wc -l)" -le 1 ]]; then
  ip link set lo up  # a fresh namespace starts with lo down
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
((BENCH_IDLE + 200 < $(ulimit -n))) || die "open-file limit $(ulimit -n) too low for $BENCH_IDLE idle connections"

kapsel="$build/kapsel"
loadgen="$build/bench/loadgen"
floor="$build/bench/handshake_floor"
go_floor="$build/bench/go_floor"
((baseline_only)) || [[ -x "$floor" ]] || die "no $floor"
[[ -x "$go_floor" ]] || die "no $go_floor"
[[ -x "$loadgen" ]] || die "no $loadgen"
((baseline_only)) || [[ -x "$kapsel" ]] || die "no $kapsel"
taskset -c 0,1 true 2>/dev/null || die "taskset cannot pin to cores 0 and 1"

work="$BENCH_DIR"
case "$work" in "$build"/*|/tmp/*) ;; *) die "BENCH_DIR must be under $build or /tmp" ;; esac
rm -rf -- "$work"
mkdir -p "$work/logs"
results="$work/results.tsv"
: > "$results"

tck=$(getconf CLK_TCK)
server_pid=""
loadgen_pid=""

cleanup() {
  local pid
  for pid in $loadgen_pid $server_pid; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $loadgen_pid $server_pid; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  ((keep)) || rm -rf -- "$work/capsule-big" "$work/capsule-one"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free high port on loopback (in the private namespace every port is free).
pick_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 30000))
    ss -Htln "sport = :$port" 2>/dev/null | grep -q . || { echo "$port"; return; }
  done
  die "no free port"
}

# cpu_ticks PID: utime + stime in clock ticks; a server that died during a case ends the run.
cpu_ticks() {
  if ! kill -0 "$1" 2>/dev/null; then
    local rc=0; wait "$1" 2>/dev/null || rc=$?
    server_pid=""
    die "the server (pid $1) died during the case, exit status $rc$( ((rc > 128)) && echo " = signal $((rc - 128))")"
  fi
  awk '{print $14 + $15}' "/proc/$1/stat"
}
# sys_ticks PID: stime alone (the kernel's share: syscalls, loopback TCP).
sys_ticks() { awk '{print $15}' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k {print $2}'; }

# ------------------------------------------------------------------------------------------
# Files: one certificate kind, one 6 KB page, a small capsule for kapsel (the feed needs
# articles), and for molly-brown the same page plus kapsel's own /atom.xml bytes.

say "preparing files in $work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

# write_page FILE: a gemtext page of exactly 6144 bytes (Swedish-ish prose, a few links).
write_page() {
  awk 'BEGIN {
    srand(7); split("kapsel gemini artikel text sida rad lank flode server klient natverk protokoll", w, " ")
    out = "# En sida på sex kilobyte\n\n"
    for (i = 1; length(out) < 8000; i++) {
      line = ""
      for (j = 0; j < 30; j++) line = line w[int(rand() * 12) + 1] " "
      out = out line "\n\n"
      if (i % 5 == 0) out = out "=> /artiklar/artikel-" i ".gmi Artikel " i "\n\n"
    }
    printf "%s", out
  }' | head -c 6143 > "$1"
  printf '\n' >> "$1"
}

# write_capsule DIR N: a capsule root with the page and N plain-text articles.
write_capsule() {
  local dir=$1 n=$2
  mkdir -p "$dir/artiklar"
  write_page "$dir/page.gmi"
  awk -v n="$n" -v dir="$dir/artiklar" 'BEGIN {
    body = "Kapsel är en liten server för Geminiprotokollet. Den här texten står här för att\n" \
           "varje artikel ska ha ett par stycken, ungefär som en riktig anteckning.\n\n" \
           "Andra stycket säger lite mer. Ett stycke är en rad i gemtext, så klienten\nbryter den själv.\n"
    for (i = 1; i <= n; i++) {
      f = sprintf("%s/artikel-%d.txt", dir, i)
      m = (i - 1) % 12 + 1; d = (i - 1) % 28 + 1; h = int(i / 60) % 24; mi = i % 60
      printf "+++\ntitle = \"Artikel %d\"\nslug = \"artikel-%d\"\nauthors = [{ name = \"A. Författare\" }]\n" \
             "published = 2023-%02d-%02dT%02d:%02d:00+01:00\n+++\nRubrik %d\n\n%s", \
             i, i, m, d, h, mi, i, body > f
      close(f)
    }
  }'
}

# The bench may run as root (a throwaway VM); dropping privileges does not change the figures.
root_line=""
(($(id -u) == 0)) && root_line="allow_root = true"

# kapsel_config FILE ROOT PORT
kapsel_config() {
  cat > "$1" <<EOF
[server]
listen = ["127.0.0.1:$3"]
hostnames = ["localhost"]
workers = 1
max_connections = 4096
max_connections_per_address = 4096
request_timeout = 30.0   # molly-brown's read deadline is 30 s too; idle connections stay the whole run
$root_line
[tls]
certificate = "$work/cert.pem"
key = "$work/key.pem"
session_tickets = 1
[capsule]
root = "$2"
lang = "sv"
[feed]
title = "Kapsel bench"
authority = "kapsel.example,2023"
author = "A. Författare"
paths = ["artiklar"]
[log]
level = "warn"
access_log = "off"
EOF
}

kport=$(pick_port)
mport=$(pick_port)
while [[ "$mport" == "$kport" ]]; do mport=$(pick_port); done

write_capsule "$work/capsule" 20
kapsel_config "$work/kapsel.toml" "$work/capsule" "$kport"
mkdir -p "$work/molly"
cp "$work/capsule/page.gmi" "$work/molly/page.gmi"
cat > "$work/molly.toml" <<EOF
Port = $mport
Hostname = "localhost"
CertPath = "$work/cert.pem"
KeyPath = "$work/key.pem"
DocBase = "$work/molly"
AccessLog = "/dev/null"
ErrorLog = "$work/logs/molly-error.log"
EOF

# ------------------------------------------------------------------------------------------
# Servers

# start_server kapsel|molly [CONFIG]: starts it pinned to core 0 and waits until it answers.
start_server() {
  local name=$1 config=${2:-}
  local url t0 t1
  # Both start with SIGPIPE ignored (inherited through exec). Go ignores it by itself;
  # kapsel, when this was written, did not, and a client resetting a connection during a
  # write killed it (see bench/README.md). The bench measures speed, not that bug.
  case "$name" in
    kapsel)
      config=${config:-$work/kapsel.toml}
      (trap '' PIPE; exec taskset -c 0 "$kapsel" serve -c "$config") >"$work/logs/kapsel.out" 2>&1 &
      port=$kport ;;
    molly)
      (trap '' PIPE; exec taskset -c 0 molly-brown -c "$work/molly.toml") >"$work/logs/molly.out" 2>&1 &
      port=$mport ;;
  esac
  server_pid=$!
  url="gemini://localhost:$port/page.gmi"
  t0=$(date +%s%N)
  for _ in $(seq 1000); do
    kill -0 "$server_pid" 2>/dev/null || { tail -5 "$work/logs/$name.out" >&2; die "$name exited at start-up"; }
    if "$loadgen" -p "$port" -u "$url" -n 1 -t 2 -T 3 >/dev/null 2>&1; then
      t1=$(date +%s%N)
      ready_ms=$(( (t1 - t0) / 1000000 ))
      return
    fi
    sleep 0.02
  done
  die "$name did not answer within ~30 s"
}

stop_server() {
  [[ -n "$server_pid" ]] || return 0
  kill "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
  kill -9 "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# record CASE SERVER LINE CPU_US RSS_KB [EXTRA]: one row of results.tsv
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${6:--}" >> "$results"; }

# measure CASE SERVER PATH [loadgen options…]: a fresh server, one loadgen run, one row.
measure() {
  local case=$1 name=$2 path=$3; shift 3
  start_server "$name"
  local log="$work/logs/$(tr ' /+' '___' <<<"$case")-$name.txt"
  local c0 c1 s0 s1 line served cpu_us sys_us
  c0=$(cpu_ticks "$server_pid")
  s0=$(sys_ticks "$server_pid")
  taskset -c 1 "$loadgen" -p "$port" -u "gemini://localhost:$port$path" \
    -d "$BENCH_SECONDS" -w "$BENCH_WARMUP" -T $((${BENCH_SECONDS%.*} + 120)) "$@" >"$log" 2>&1 \
    || { tail -3 "$log" >&2; die "loadgen failed ($case, $name)"; }
  c1=$(cpu_ticks "$server_pid")
  s1=$(sys_ticks "$server_pid")
  line=$(tail -1 "$log")
  served=$(field "$line" served)
  cpu_us=$(awk -v d=$((c1 - c0)) -v t="$tck" -v n="$served" 'BEGIN {printf "%.0f", n ? d * 1e6 / t / n : 0}')
  sys_us=$(awk -v d=$((s1 - s0)) -v t="$tck" -v n="$served" 'BEGIN {printf "%.0f", n ? d * 1e6 / t / n : 0}')
  record "$case" "$name" "$line sys_us=$sys_us" "$cpu_us" "$(status_kb "$server_pid" VmHWM)"
  printf '   %-28s %-7s rps=%s p50=%s p99=%s errors=%s cpu=%s µs/req\n' "$case" "$name" \
    "$(field "$line" rps)" "$(field "$line" p50_ms)" "$(field "$line" p99_ms)" "$(field "$line" errors)" "$cpu_us" >&2
  stop_server
}

# measure_idle CASE SERVER: BENCH_IDLE idle connections held while a c=16 load runs.
measure_idle() {
  local case=$1 name=$2
  start_server "$name"
  local log="$work/logs/idle-$name.txt"
  local rss0 rss1 c0 c1 line served cpu_us est per_conn
  sleep 0.5
  rss0=$(status_kb "$server_pid" VmRSS)
  taskset -c 1 "$loadgen" -p "$port" -u "gemini://localhost:$port/page.gmi" -c 16 -I "$BENCH_IDLE" -S 2 \
    -d "$BENCH_SECONDS" -w "$BENCH_WARMUP" -T $((${BENCH_SECONDS%.*} + 180)) >"$log" 2>&1 &
  loadgen_pid=$!
  for _ in $(seq 1200); do
    grep -q '^idle_ready' "$log" && break
    kill -0 "$loadgen_pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q '^idle_ready' "$log" || die "idle connections never came up ($name)"
  sleep 1  # loadgen waits 2 s (-S) before the load: sample the server in between
  rss1=$(status_kb "$server_pid" VmRSS)
  c0=$(cpu_ticks "$server_pid")
  wait "$loadgen_pid" || { tail -3 "$log" >&2; die "loadgen failed ($case, $name)"; }
  loadgen_pid=""
  c1=$(cpu_ticks "$server_pid")
  line=$(tail -1 "$log")
  served=$(field "$line" served)
  est=$(sed -n 's/^idle_ready established=\([0-9]*\).*/\1/p' "$log")
  cpu_us=$(awk -v d=$((c1 - c0)) -v t="$tck" -v n="$served" 'BEGIN {printf "%.0f", n ? d * 1e6 / t / n : 0}')
  per_conn=$(awk -v a="$rss0" -v b="$rss1" -v n="$est" 'BEGIN {printf "%.1f", n ? (b - a) / n : 0}')
  record "$case" "$name" "$line" "$cpu_us" "$(status_kb "$server_pid" VmHWM)" \
    "idle=$est rss_before_kb=$rss0 rss_idle_kb=$rss1 kb_per_idle=$per_conn"
  printf '   %-28s %-7s %s idle connections: RSS %s → %s kB = %s kB each; load rps=%s cpu=%s µs/req\n' \
    "$case" "$name" "$est" "$rss0" "$rss1" "$per_conn" "$(field "$line" rps)" "$cpu_us" >&2
  stop_server
}

# measure_floor CASE full|resumed: OpenSSL alone, in memory, kapsel's TLS context and the same
# certificate, pinned to core 0 like the servers; its server-side CPU µs/request is the row.
# resumed: -r offers the newest ticket as loadgen does (row "floor", the one kapsel is divided
# by), then -R offers it again even once used, so that every handshake resumes (row "floorR").
measure_floor() {
  local case=$1 mode=$2 opt tag log line
  local w=$((BENCH_FLOOR_N / 10 + 1))
  local runs=(floor: floorI:"-i 500" gofloor:)
  [[ $mode == resumed ]] && runs=(floor:-r floorR:-R gofloor:-r)
  [[ $mode == resumed12 ]] && runs=(floor:"-V 1.2 -r" gofloor:"-V 1.2 -r")
  # Floors are cheap and the machine is noisy: BENCH_FLOOR_RUNS rounds, the tools taking turns,
  # and the table shows each one's median.
  for round in $(seq "$BENCH_FLOOR_RUNS"); do
    for run in "${runs[@]}"; do
      tag=${run%%:*} opt=${run#*:}
      log="$work/logs/$tag-$mode.txt"
      local tool=$floor extra=(-T 240); [[ $tag == gofloor ]] && tool=$go_floor extra=()
      # shellcheck disable=SC2086  # $opt is zero or more options
      timeout 300 taskset -c 0 "$tool" -n "$BENCH_FLOOR_N" -w "$w" "${extra[@]}" -c "$work/cert.pem" -k "$work/key.pem" \
        $opt >>"$log" 2>&1 || { tail -3 "$log" >&2; die "$(basename "$tool") $opt failed ($mode)"; }
      line=$(tail -1 "$log")
      record "$case" "$tag" "$line" "$(field "$line" server_us)" 0
      printf '   %-28s %-7s server=%s µs/req (in memory, n=%s, resumed=%s, round %s)\n' "$case" "$tag" \
        "$(field "$line" server_us)" "$(field "$line" n)" "$(field "$line" resumed)" "$round" >&2
    done
  done
}

servers=(kapsel molly)
((baseline_only)) && servers=(molly)

# The feed: kapsel's own bytes, served by molly-brown as a file.
if ((baseline_only)); then
  { printf '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
    for i in $(seq 20); do
      printf '<entry><title>Artikel %d</title><id>tag:kapsel.example,2023:artikel-%d</id>' "$i" "$i"
      printf '<updated>2023-01-01T00:00:00+01:00</updated><content type="text">%s</content></entry>\n' \
        "$(tail -n +8 "$work/capsule/artiklar/artikel-$i.txt")"
    done
    printf '</feed>\n'; } > "$work/molly/atom.xml"
else
  start_server kapsel
  "$loadgen" -p "$kport" -u "gemini://localhost:$kport/atom.xml" -n 1 -O "$work/molly/atom.xml" >/dev/null \
    || die "could not fetch /atom.xml from kapsel"
  stop_server
fi
say "page $(wc -c <"$work/molly/page.gmi") bytes, atom.xml $(wc -c <"$work/molly/atom.xml") bytes; kapsel :$kport, molly-brown :$mport"
say "cases: ${BENCH_SECONDS}s each after ${BENCH_WARMUP}s warm-up; server on core 0, loadgen on core 1"

# ------------------------------------------------------------------------------------------
# The cases. Each server runs a case right after the other, so slow drifts of a shared
# machine hit both alike.

for path in /page.gmi /atom.xml; do
  what=page; [[ $path == /atom.xml ]] && what=atom
  for mode in full resumed; do
    for c in 1 16 64; do
      opts=(-c "$c")
      [[ $mode == resumed ]] && opts+=(-r)
      for _ in $(seq "$BENCH_REPEAT"); do
        for s in "${servers[@]}"; do measure "$what c=$c $mode" "$s" "$path" "${opts[@]}"; done
        # The floor right after the servers' page c=16 case, so the same drift hits all three.
        if ((!baseline_only)) && [[ $what == page && $c == 16 ]]; then measure_floor "$what c=$c $mode" "$mode"; fi
      done
    done
  done
done
# TLS 1.2 resumption (no key exchange at all: what clients that stay on TLS 1.2 get).
for _ in $(seq "$BENCH_REPEAT"); do
  for s in "${servers[@]}"; do measure "page c=16 resumed TLS 1.2" "$s" /page.gmi -c 16 -r -V 1.2; done
  ((baseline_only)) || measure_floor "page c=16 resumed TLS 1.2" resumed12
done
# A client with Nagle's algorithm on (no TCP_NODELAY), as Python's ssl and many C clients are:
# its request waits for the ACK of its last handshake flight unless the server sends one at once.
for _ in $(seq "$BENCH_REPEAT"); do
  for s in "${servers[@]}"; do measure "page c=16 full, client with Nagle" "$s" /page.gmi -c 16 -N; done
  for s in "${servers[@]}"; do measure "page c=16 resumed TLS 1.2, client with Nagle" "$s" /page.gmi -c 16 -r -V 1.2 -N; done
done
for s in "${servers[@]}"; do measure_idle "page c=16 full + $BENCH_IDLE idle" "$s"; done
# What OpenSSL alone keeps per idle server connection (no sockets, no server around it).
idle_floor=""
if ((!baseline_only)); then
  timeout 300 taskset -c 0 "$floor" -n 50 -w 10 -T 240 -I "$BENCH_IDLE" -c "$work/cert.pem" -k "$work/key.pem" \
    >"$work/logs/floor-idle.txt" 2>&1 || { tail -3 "$work/logs/floor-idle.txt" >&2; die "handshake_floor -I failed"; }
  idle_floor=$(tail -1 "$work/logs/floor-idle.txt")
  printf '   OpenSSL alone: %s B heap, %s kB resident per idle connection\n' \
    "$(field "$idle_floor" idle_heap_bytes)" "$(field "$idle_floor" idle_rss_kb)" >&2
fi

# Start-up of a big capsule (kapsel builds every response at load time; molly-brown reads
# files per request, so it has no counterpart), and what a big capsule costs per request.
startup_rows=()
if ((!baseline_only)); then
  say "start-up: 1-article capsule vs $BENCH_ARTICLES articles"
  write_capsule "$work/capsule-one" 1
  write_capsule "$work/capsule-big" "$BENCH_ARTICLES"
  kapsel_config "$work/kapsel-one.toml" "$work/capsule-one" "$kport"
  kapsel_config "$work/kapsel-big.toml" "$work/capsule-big" "$kport"
  for size in one big; do
    best=""
    for _ in 1 2 3; do
      t0=$(date +%s%N)
      out=$(command time -f 'maxrss_kb=%M' timeout 120 taskset -c 0 "$kapsel" check -c "$work/kapsel-$size.toml" 2>&1) \
        || { echo "$out" | tail -5 >&2; die "kapsel check failed on the $size capsule"; }
      t1=$(date +%s%N)
      ms=$(( (t1 - t0) / 1000000 ))
      [[ -z "$best" || $ms -lt $best ]] && best=$ms
      maxrss=$(grep -o 'maxrss_kb=[0-9]*' <<<"$out" | tail -1 | cut -d= -f2)
    done
    start_server kapsel "$work/kapsel-$size.toml"
    serve_ready=$ready_ms
    serve_rss=$(status_kb "$server_pid" VmRSS)
    stop_server
    n=1; [[ $size == big ]] && n=$BENCH_ARTICLES
    startup_rows+=("$n|$best|${maxrss:-?}|$serve_ready|$serve_rss")
    printf '   %s articles: check %s ms (best of 3), peak RSS %s kB; serve answers after %s ms, RSS %s kB\n' \
      "$n" "$best" "${maxrss:-?}" "$serve_ready" "$serve_rss" >&2
  done
  # Per-request cost on the big capsule: should equal the small capsule's figures above.
  kapsel_config "$work/kapsel.toml" "$work/capsule-big" "$kport"
  measure "page c=16 full, big capsule" kapsel /page.gmi -c 16
  measure "atom c=16 full, big capsule" kapsel /atom.xml -c 16
fi

# ------------------------------------------------------------------------------------------
# The table.

echo
echo "## kapsel vs molly-brown — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo
echo "Server pinned to core 0, loadgen to core 1; ${BENCH_SECONDS}s per case after ${BENCH_WARMUP}s warm-up;"
echo "ECDSA P-256, TLS 1.3 (X25519), one request per connection. CPU = server utime+stime / responses."
echo "Figures are medians of $BENCH_REPEAT run(s) per case (errors: the sum). Ratio rows: kapsel ÷ molly-brown"
echo "(below 1 is better in every column except rps). \"client CPU\": how busy loadgen's core was."
echo "\"OpenSSL floor\": bench/handshake_floor, the same handshakes and 6 KB responses done in memory by OpenSSL"
echo "alone with kapsel's TLS context (server-side CPU only); \"kapsel ÷ floor\" is what kapsel costs above it."
echo "\"Go floor\": bench/go_floor, the same in memory with Go's crypto/tls, the TLS stack under molly-brown."
echo
awk -F'\t' '
function f(line, key,   n, i, kv) {
  n = split(line, kv, " ")
  for (i = 1; i <= n; i++) if (index(kv[i], key "=") == 1) return substr(kv[i], length(key) + 2)
  return ""
}
# median of the values stored as v[k, 1..n]
function median(k,   n, i, j, t, a) {
  n = cnt[k]
  for (i = 1; i <= n; i++) a[i] = v[k, i] + 0
  for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function put(c, s, name, x,   k) { k = c SUBSEP s SUBSEP name; v[k, ++cnt[k]] = x }
function get(c, s, name) { return median(c SUBSEP s SUBSEP name) }
function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "–" }
{
  c = $1; s = $2
  if (!((c, s) in seen)) { seen[c, s] = 1; if (!(c in cseen)) { cseen[c] = 1; order[++ncases] = c } }
  hs = f($3, "resumed") + f($3, "full")
  put(c, s, "rps", f($3, "rps")); put(c, s, "p50", f($3, "p50_ms")); put(c, s, "p90", f($3, "p90_ms"))
  put(c, s, "p99", f($3, "p99_ms")); put(c, s, "max", f($3, "max_ms")); put(c, s, "cpu", $4)
  put(c, s, "sys", f($3, "sys_us"))
  put(c, s, "rss", $5 / 1024); put(c, s, "res", hs ? 100 * f($3, "resumed") / hs : 0)
  put(c, s, "client", f($3, "client_cpu_pct"))
  errors[c, s] += f($3, "errors"); runs[c, s]++
}
END {
  print "| case | server | rps | p50 ms | p90 ms | p99 ms | max ms | errors | CPU µs/req | of which kernel | peak RSS MB | resumed | client CPU |"
  print "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
  for (i = 1; i <= ncases; i++) {
    c = order[i]
    for (j = 1; j <= 2; j++) {
      s = j == 1 ? "kapsel" : "molly"
      if (!((c, s) in seen)) continue
      printf "| %s | %s | %.0f | %.2f | %.2f | %.2f | %.2f | %d | %.0f | %.0f | %.1f | %.0f%% | %.0f%% |\n", c,
        s == "molly" ? "molly-brown" : s, get(c, s, "rps"), get(c, s, "p50"), get(c, s, "p90"), get(c, s, "p99"),
        get(c, s, "max"), errors[c, s], get(c, s, "cpu"), get(c, s, "sys"), get(c, s, "rss"), get(c, s, "res"),
        get(c, s, "client")
    }
    if ((c, "kapsel") in seen && (c, "molly") in seen)
      printf "| | **kapsel ÷ molly** | %s | %s | %s | %s | %s | | **%s** | %s | %s | | |\n",
        ratio(get(c, "kapsel", "rps"), get(c, "molly", "rps")), ratio(get(c, "kapsel", "p50"), get(c, "molly", "p50")),
        ratio(get(c, "kapsel", "p90"), get(c, "molly", "p90")), ratio(get(c, "kapsel", "p99"), get(c, "molly", "p99")),
        ratio(get(c, "kapsel", "max"), get(c, "molly", "max")), ratio(get(c, "kapsel", "cpu"), get(c, "molly", "cpu")),
        ratio(get(c, "kapsel", "sys"), get(c, "molly", "sys")), ratio(get(c, "kapsel", "rss"), get(c, "molly", "rss"))
    if ((c, "floor") in seen) {
      printf "| %s | OpenSSL floor (in memory) | | | | | | | %.0f | | | %.0f%% | |\n", c, get(c, "floor", "cpu"), get(c, "floor", "res")
      if ((c, "floorR") in seen)
        printf "| %s | OpenSSL floor, ticket reused (-R) | | | | | | | %.0f | | | %.0f%% | |\n", c, get(c, "floorR", "cpu"),
          get(c, "floorR", "res")
      if ((c, "floorI") in seen)
        printf "| %s | OpenSSL floor, core idle 0.5 ms between requests (-i 500) | | | | | | | %.0f | | | %.0f%% | |\n", c,
          get(c, "floorI", "cpu"), get(c, "floorI", "res")
      if ((c, "kapsel") in seen)
        printf "| | **kapsel ÷ floor** | | | | | | | **%s** | | | | |\n", ratio(get(c, "kapsel", "cpu"), get(c, "floor", "cpu"))
    }
    if ((c, "gofloor") in seen) {
      printf "| %s | Go crypto/tls floor (the TLS under molly-brown, in memory) | | | | | | | %.0f | | | %.0f%% | |\n", c,
        get(c, "gofloor", "cpu"), get(c, "gofloor", "res")
      if ((c, "floor") in seen)
        printf "| | **OpenSSL floor ÷ Go floor** | | | | | | | **%s** | | | | |\n", ratio(get(c, "floor", "cpu"), get(c, "gofloor", "cpu"))
    }
  }
}' "$results"

echo
echo "### Idle connections (${BENCH_IDLE} held open, TLS done, no request, during the c=16 load)"
echo
echo "| server | established | RSS before kB | RSS with idle kB | kB per idle connection | closed by server during the run |"
echo "|---|--:|--:|--:|--:|--:|"
awk -F'\t' '$6 != "-" {
  split($6, kv, " "); for (i in kv) { split(kv[i], p, "="); x[p[1]] = p[2] }
  n = split($3, lv, " "); closed = "?"; for (i = 1; i <= n; i++) if (lv[i] ~ /^idle_closed=/) closed = substr(lv[i], 13)
  printf "| %s | %s | %s | %s | **%s** | %s |\n", $2 == "molly" ? "molly-brown" : $2, x["idle"], x["rss_before_kb"], x["rss_idle_kb"], x["kb_per_idle"], closed
}' "$results"
if [[ -n "$idle_floor" ]]; then
  awk -v n="$BENCH_IDLE" -v h="$(field "$idle_floor" idle_heap_bytes)" -v r="$(field "$idle_floor" idle_rss_kb)" \
    'BEGIN {printf "| OpenSSL alone (handshake_floor -I, no sockets): heap %.1f kB | %s | | | **%s** | |\n", h / 1024, n, r}'
fi
if ((${#startup_rows[@]})); then
  echo
  echo "### Capsule size (kapsel)"
  echo
  echo "| articles | \`kapsel check\` ms (best of 3) | check peak RSS MB | \`serve\` answers after ms | serve RSS MB |"
  echo "|--:|--:|--:|--:|--:|"
  for r in "${startup_rows[@]}"; do
    IFS='|' read -r n ms maxrss ready rss <<<"$r"
    awk -v n="$n" -v ms="$ms" -v m="$maxrss" -v r="$ready" -v s="$rss" \
      'BEGIN {printf "| %s | %s | %.1f | %s | %.1f |\n", n, ms, m / 1024, r, s / 1024}'
  done
fi
echo
echo "Raw loadgen output: $work/logs/; rows: $results"
