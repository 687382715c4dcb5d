#!/usr/bin/env bash
# bench/ab.sh — two kapsel builds, same files, same load, interleaved rounds: which one costs
# less server CPU per request? The tool for "try it, keep it only if it wins".
#
#   bench/ab.sh A_BINARY B_BINARY [loadgen options...]
#     e.g. bench/ab.sh build-a/kapsel build-b/kapsel -c 16          (full TLS 1.3 handshakes)
#          bench/ab.sh build-a/kapsel build-b/kapsel -c 16 -r -N    (resumed, client with Nagle)
#   AB_ROUNDS=5 (rounds; each runs A then B, or B then A on odd rounds)  AB_SECONDS=5
#   AB_LOADGEN=build-bench/bench/loadgen  AB_PATH=/page.gmi
#   AB_SERVER= AB_TLS= (extra lines for [server] and [tls])  AB_TOML= (extra tables at the end)
#   AB_CONFIG_B=FILE  a whole server.toml for B instead (@PORT@, @WORK@ and @ROOT_LINE@ replaced;
#                     @WORK@ holds cert.pem, key.pem and capsule/page.gmi): the same binary twice
#                     then compares two configurations
#
# Each run starts a fresh server pinned to core 0 (workers = 1) and loadgen pinned to core 1 on
# 127.0.0.1, and reads the server's utime+stime (/proc/PID/stat) before and after. Prints each
# run, then the medians and B ÷ A. Loopback only; every run is bounded (loadgen -T, timeouts).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
(($# >= 2)) || { sed -n '2,14p' "$0"; exit 2; }
a=$(realpath "$1"); b=$(realpath "$2"); shift 2
: "${AB_ROUNDS:=5}" "${AB_SECONDS:=5}" "${AB_PATH:=/page.gmi}" "${AB_TOML:=}" "${AB_SERVER:=}" "${AB_TLS:=}"
: "${AB_LOADGEN:=$repo/build-bench/bench/loadgen}"
[[ -x $a && -x $b ]] || { echo "ab.sh: both binaries must be executable" >&2; exit 2; }
[[ -x $AB_LOADGEN ]] || { echo "ab.sh: no loadgen at $AB_LOADGEN (cmake --build build-bench --target loadgen)" >&2; exit 2; }
[[ $AB_ROUNDS =~ ^[1-9][0-9]?$ ]] || { echo "ab.sh: AB_ROUNDS must be 1..99" >&2; exit 2; }

work=$(mktemp -d /tmp/kapsel-ab.XXXXXX)
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
mkdir -p "$work/capsule"
# A 6 KB page, as in run.sh.
awk 'BEGIN { srand(7); out = "# En sida på sex kilobyte\n\n";
  while (length(out) < 8000) { line = ""; for (j = 0; j < 30; j++) line = line "kapsel gemini text "; out = out line "\n\n" }
  printf "%s", out }' | head -c 6143 > "$work/capsule/page.gmi"
printf '\n' >> "$work/capsule/page.gmi"
port=$((20000 + RANDOM % 30000))
root_line=""; (($(id -u) == 0)) && root_line="allow_root = true"
cat > "$work/server.toml" <<EOF
[server]
listen = ["127.0.0.1:$port"]
workers = 1
max_connections = 4096
max_connections_per_address = 4096
$root_line
$AB_SERVER
[tls]
certificate = "$work/cert.pem"
key = "$work/key.pem"
$AB_TLS
[capsule]
root = "$work/capsule"
watch = false
[log]
level = "warn"
access_log = "off"
$AB_TOML
EOF

if [[ -n ${AB_CONFIG_B:-} ]]; then
  sed -e "s|@PORT@|$port|g" -e "s|@WORK@|$work|g" -e "s|@ROOT_LINE@|$root_line|g" "$AB_CONFIG_B" > "$work/server-b.toml"
else
  cp "$work/server.toml" "$work/server-b.toml"
fi

tck=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k {print $2}'; }

# run BINARY: prints "cpu_us rps p50_ms"
run() {
  local bin=$1 config=$2; shift 2
  (trap '' PIPE; exec taskset -c 0 "$bin" serve -c "$config") >"$work/server.log" 2>&1 &
  server_pid=$!
  local ok=0
  for _ in $(seq 300); do
    if "$AB_LOADGEN" -p "$port" -u "gemini://localhost:$port$AB_PATH" -n 1 -t 2 -T 3 >/dev/null 2>&1; then ok=1; break; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  ((ok)) || { cat "$work/server.log" >&2; echo "ab.sh: $bin did not answer" >&2; exit 1; }
  local c0 c1 line
  c0=$(ticks "$server_pid")
  line=$(taskset -c 1 "$AB_LOADGEN" -p "$port" -u "gemini://localhost:$port$AB_PATH" -d "$AB_SECONDS" -w 0.5 \
           -T $((${AB_SECONDS%.*} + 60)) "$@" | tail -1)
  c1=$(ticks "$server_pid")
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  [[ $(field "$line" errors) == 0 ]] || echo "ab.sh: errors in this run: $line" >&2
  awk -v d=$((c1 - c0)) -v t="$tck" -v n="$(field "$line" served)" -v r="$(field "$line" rps)" -v p="$(field "$line" p50_ms)" \
    'BEGIN { printf "%.1f %s %s\n", n ? d * 1e6 / t / n : 0, r, p }'
}

median() { sort -g | awk '{v[NR] = $1} END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: > "$work/a"; : > "$work/b"
echo "A = $a"; echo "B = $b"; echo "load: loadgen $* on $AB_PATH, ${AB_SECONDS}s per run, $AB_ROUNDS rounds"
for round in $(seq "$AB_ROUNDS"); do
  order=(a b); ((round % 2 == 0)) && order=(b a)
  for which in "${order[@]}"; do
    bin=$a config=$work/server.toml
    [[ $which == b ]] && bin=$b config=$work/server-b.toml
    result=$(run "$bin" "$config" "$@")
    echo "$result" >> "$work/$which"
    printf 'round %d %s: cpu_us/req=%s rps=%s p50_ms=%s\n' "$round" "${which^^}" $result
  done
done
ma=$(cut -d' ' -f1 "$work/a" | median); mb=$(cut -d' ' -f1 "$work/b" | median)
pa=$(cut -d' ' -f3 "$work/a" | median); pb=$(cut -d' ' -f3 "$work/b" | median)
awk -v a="$ma" -v b="$mb" -v pa="$pa" -v pb="$pb" 'BEGIN {
  printf "median cpu_us/req: A %.1f, B %.1f, B/A %.3f; median p50_ms: A %s, B %s\n", a, b, b / a, pa, pb }'
