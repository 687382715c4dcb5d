#!/usr/bin/env bash
# bench/titan.sh — how long a Titan upload takes, from its first byte to its 30, in a big capsule:
# once with the capsule alone and once with the web mirror written too ([web] export_dir), the two
# servers taking turns upload by upload, medians printed.
#
#   bench/titan.sh [KAPSEL_BINARY]        (default build-bench/kapsel, else build/kapsel)
#   TITAN_ARTICLES=10000  TITAN_ROUNDS=15 (uploads per configuration)  TITAN_BYTES=2000 (body)
#
# Both servers are pinned to core 0 (workers = 1; the upload is built on the server's control
# thread, which shares that core), the client to core 1; loopback only. Each upload is a new plain
# text article; the time runs from just before its request line is sent (after the TLS handshake:
# the upload's first byte) to the 30's header line, which kapsel sends once every worker serves the
# new state and, with [web], once the mirror is written. Every wait is bounded.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary=${1:-}
if [[ -z $binary ]]; then
  for b in "$repo/build-bench/kapsel" "$repo/build/kapsel"; do [[ -x $b ]] && { binary=$b; break; }; done
fi
[[ -n $binary && -x $binary ]] || { echo "titan.sh: no kapsel binary (cmake --build build-bench --target kapsel)" >&2; exit 2; }
binary=$(realpath "$binary")
: "${TITAN_ARTICLES:=10000}" "${TITAN_ROUNDS:=15}" "${TITAN_BYTES:=2000}"
[[ $TITAN_ROUNDS =~ ^[1-9][0-9]?$ ]] || { echo "titan.sh: TITAN_ROUNDS must be 1..99" >&2; exit 2; }

work=$(mktemp -d /tmp/kapsel-titan.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pin() { if command -v taskset >/dev/null; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

# The capsule of run.sh's capsule-size case: N plain-text articles, and a start page listing them.
write_capsule() {
  local dir=$1 n=$2
  mkdir -p "$dir/artiklar"
  printf '# Kapsel bench\n\n{{ entries }}\n' > "$dir/index.gmi"
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

token=$(openssl rand -hex 16)
root_line=""; (($(id -u) == 0)) && root_line="allow_root = true"
ports=()
for name in plain web; do
  write_capsule "$work/$name/capsule" "$TITAN_ARTICLES"
  port=$((20000 + RANDOM % 30000))
  web=""
  [[ $name == web ]] && web=$'[web]\nexport_dir = "'"$work/$name/mirror"$'"\nbase_url = "https://kapsel.example/"'
  cat > "$work/$name/server.toml" <<EOF
[server]
listen = ["127.0.0.1:$port"]
workers = 1
$root_line
[tls]
certificate = "$work/cert.pem"
key = "$work/key.pem"
[capsule]
root = "capsule"
watch = true
[feed]
paths = ["artiklar"]
[log]
access_log = "off"
[titan]
enabled = true
paths = ["artiklar"]
tokens = ["$token"]
$web
EOF
  # Started directly, not through pin(): $! must be kapsel itself (a backgrounded shell
  # function is a subshell, and killing that left the servers running).
  if command -v taskset >/dev/null; then
    taskset -c 0 "$binary" serve -c "$work/$name/server.toml" 2> "$work/$name/log" &
  else
    "$binary" serve -c "$work/$name/server.toml" 2> "$work/$name/log" &
  fi
  pids+=($!)
  ports+=("$port")
done
for name in plain web; do
  for _ in $(seq 1 600); do  # up to 60 s: a 10 000-article capsule (and its mirror) loads first
    grep -q "listening on" "$work/$name/log" && break
    sleep 0.1
  done
  grep -q "listening on" "$work/$name/log" || { tail -5 "$work/$name/log" >&2; echo "titan.sh: $name did not start" >&2; exit 1; }
done

pin 1 python3 - "${ports[0]}" "${ports[1]}" "$token" "$TITAN_ROUNDS" "$TITAN_BYTES" "$TITAN_ARTICLES" <<'PY'
import socket, ssl, statistics, sys, time

plain_port, web_port, token, rounds, size, articles = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

def read_all(s):
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except (ssl.SSLError, ConnectionResetError):
            return data
        if not chunk:
            return data
        data += chunk

def upload(port, name):
    body = ("Uppladdad %s\n\n" % name + "Ett stycke text i en uppladdad artikel. " * 100)[:size].encode()
    line = "titan://localhost:%s/artiklar/%s.txt;size=%d;mime=text/plain;token=%s\r\n" % (port, name, len(body), token)
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(port)), timeout=120), server_hostname="localhost") as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        start = time.perf_counter()
        s.sendall(line.encode() + body)
        header = b""
        while not header.endswith(b"\r\n"):
            chunk = s.recv(1)
            if not chunk:
                raise SystemExit("%s: closed before a header" % name)
            header += chunk
        elapsed = time.perf_counter() - start
        read_all(s)
    if not header.startswith(b"30 "):
        raise SystemExit("%s: %r" % (name, header))
    return elapsed * 1000

def served(port, path):
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(port)), timeout=30), server_hostname="localhost") as s:
        s.sendall(("gemini://localhost:%s%s\r\n" % (port, path)).encode())
        return read_all(s).split(b"\r\n", 1)[0]

times = {"plain": [], "web": []}
for r in range(rounds):
    order = [("plain", plain_port), ("web", web_port)]
    if r % 2:
        order.reverse()
    for name, port in order:
        times[name].append(upload(port, "bench-%02d" % r))
for name, port in (("plain", plain_port), ("web", web_port)):
    header = served(port, "/artiklar/bench-%02d.gmi" % (rounds - 1))
    assert header.startswith(b"20 "), (name, header)
    t = sorted(times[name])
    print("%-5s %s" % (name, " ".join("%.0f" % x for x in times[name])), file=sys.stderr)

print("| %s articles, %d B body, %d uploads each | median ms | min | p90 | max |" % (articles, size, rounds))
print("|---|--:|--:|--:|--:|")
for name, label in (("plain", "upload → `30`"), ("web", "upload → `30`, with `[web] export_dir`")):
    t = sorted(times[name])
    p90 = t[min(len(t) - 1, int(round(0.9 * (len(t) - 1))))]
    print("| %s | %.0f | %.0f | %.0f | %.0f |" % (label, statistics.median(t), t[0], p90, t[-1]))
print("| with ÷ without the mirror | %.2f | | | |" % (statistics.median(times["web"]) / statistics.median(times["plain"])))
PY
for name in plain web; do
  reloads=$(grep -c "a file changed: reloading" "$work/$name/log" || true)
  echo "$name: $reloads watcher reload(s) during the run (uploads install their own state)" >&2
done
