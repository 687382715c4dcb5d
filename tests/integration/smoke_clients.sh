#!/usr/bin/env bash
# nc-style smoke test: what a shell user types, against the real server on loopback.
set -euo pipefail
binary=${KAPSEL_BINARY:?}
dir=$(mktemp -d)
pid=""
cleanup() { if [[ -n $pid ]]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi; rm -rf "$dir"; }
trap cleanup EXIT

mkdir -p "$dir/capsule/artiklar"
printf '# Hej från kapsel\n\nRöksignal.\n' > "$dir/capsule/index.gmi"
cat > "$dir/server.toml" <<TOML
[server]
listen = ["127.0.0.1:0"]
allow_root = true
[titan]
enabled = true
paths = ["artiklar"]
tokens = ["8f1c2e0d9b7a6453f1e2d3c4b5a69788"]
TOML
: > "$dir/log"  # there before the server writes to it: the loop below reads it at once
"$binary" serve -c "$dir/server.toml" 2> "$dir/log" &
pid=$!
port=""
for _ in $(seq 1 300); do  # wait for the "listening on" line, up to 30 s
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/log" | head -n1)
  [[ -n $port ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/log"; exit 1; }
  sleep 0.1
done
[[ -n $port ]] || { echo "server did not start"; cat "$dir/log"; exit 1; }

fail=0
check() {  # check NAME OUTPUT
  local name=$1 out=$2
  if [[ $(head -n1 <<<"$out") == $'20 text/gemini; charset=utf-8; lang=sv\r' ]] && grep -q "Röksignal." <<<"$out"; then
    echo "ok - $name"
  else
    echo "not ok - $name"; printf '%s\n' "$out" | head -5; fail=1
  fi
}

out=$(printf 'gemini://localhost/\r\n' | timeout 10 openssl s_client -quiet -connect "127.0.0.1:$port" -servername localhost 2>/dev/null)
check "openssl s_client" "$out"

out=$(printf 'gemini://localhost/\r\n' | timeout 10 ncat --ssl "127.0.0.1" "$port")
check "ncat --ssl" "$out"

out=$(printf 'gemini://localhost/\r\n' | timeout 10 openssl s_client -quiet -tls1_2 -connect "127.0.0.1:$port" -servername localhost 2>/dev/null)
check "openssl s_client -tls1_2" "$out"

# README's Titan example ("Publishing from a Gemini client"), as typed there but for the port.
body='Min första artikel från terminalen

Ett stycke, skrivet i ett skal.'
out=$(printf 'titan://localhost/artiklar/fran-terminalen.txt;mime=text/plain;size=%d;token=8f1c2e0d9b7a6453f1e2d3c4b5a69788\r\n%s' \
        "$(printf '%s' "$body" | wc -c)" "$body" |
      timeout 10 openssl s_client -quiet -connect "127.0.0.1:$port" -servername localhost 2>/dev/null)
page=$(printf 'gemini://localhost/artiklar/fran-terminalen.gmi\r\n' |
       timeout 10 openssl s_client -quiet -connect "127.0.0.1:$port" -servername localhost 2>/dev/null)
if [[ $out == $'30 gemini://localhost/artiklar/fran-terminalen.gmi\r' ]] && grep -q "Ett stycke, skrivet i ett skal." <<<"$page"; then
  echo "ok - a Titan upload with openssl s_client"
else
  echo "not ok - a Titan upload with openssl s_client"; printf '%s\n' "$out" "$page" | head -5; fail=1
fi

# Stop it as an operator would: SIGTERM, then it must exit 0 (a sanitizer report at exit, or
# a crash on the way out, is a failure).
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
if ((status != 0)); then
  echo "not ok - kapsel exited with status $status after SIGTERM"; tail -20 "$dir/log"; fail=1
else
  echo "ok - exits 0 after SIGTERM"
fi
exit $fail
