#!/usr/bin/env bash
# Benchmark (a): verification over mutual TLS with N mandates loaded, side by side with nginx
# serving a small static JSON file over mutual TLS, measured by the same load client
# (bench/loadgen) in one run. Prints requests/s, p50/p99/p99.9 for both and their ratio.
#
#   bench/verify_vs_nginx.sh [mandates=1000000] [seconds=15] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
SECS=${2:-15}
CONNS=${3:-32}
BIN=build/release
WORK=${BENCH_DIR:-/tmp/volmacht-bench-verify}
SVC=5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e01   # demo service "Aangifte inkomstenbelasting"
VPORT=18443; NPORT=18444; BRP=18081

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

if [ ! -f "$WORK/loaded-$N" ]; then
  rm -rf "$WORK"; mkdir -p "$WORK"
  "$BIN/tools/brp-sim/brp-sim" --persons data/brp-fixture.json --port $BRP >"$WORK/brp.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do grep -q listening "$WORK/brp.log" && break; sleep 0.1; done
  "$BIN/src/app/volmacht" --data-dir "$WORK/data" demo-seed --brp-url http://127.0.0.1:$BRP >/dev/null
  # demo-seed talks to the register; the rest of the benchmark does not.
  echo "loading $N mandates..."
  "$BIN/bench/load_mandates" "$WORK/data/volmacht.db" $SVC "$N" "$WORK/bodies.txt"
  touch "$WORK/loaded-$N"
fi
C="$WORK/data/certs"

# volmacht
rm -f "$WORK/ready"
"$BIN/src/app/volmacht" --data-dir "$WORK/data" serve --port $VPORT --brp-url http://127.0.0.1:9 \
  --ready-file "$WORK/ready" >"$WORK/volmacht.log" 2>&1 &
pids+=($!)
for _ in $(seq 1200); do [ -s "$WORK/ready" ] && break; sleep 0.1; done
[ -s "$WORK/ready" ] || { echo "volmacht did not start"; cat "$WORK/volmacht.log"; exit 1; }

# nginx: same certificates, same CA, client certificate required, 2 workers (one per core).
mkdir -p "$WORK/nginx/html/api/v1"
echo '{"toegestaan":true,"machtiging":"5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e01"}' \
  > "$WORK/nginx/html/api/v1/verificaties"
cat > "$WORK/nginx/nginx.conf" <<NGX
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  client_body_temp_path $WORK/nginx/tmp;
  server {
    listen 127.0.0.1:$NPORT ssl reuseport;
    ssl_certificate $C/server.pem;
    ssl_certificate_key $C/server-key.pem;
    ssl_client_certificate $C/ca.pem;
    ssl_verify_client on;
    keepalive_requests 1000000;
    root $WORK/nginx/html;
    # A static file answered to POST, like the verification call.
    error_page 405 =200 \$uri;
  }
}
NGX
mkdir -p "$WORK/nginx/tmp"
nginx -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
sleep 0.5

LG=("$BIN/bench/loadgen" --ca "$C/ca.pem" --cert "$C/belastingdienst.pem"
    --key "$C/belastingdienst-key.pem" --connections "$CONNS" --seconds "$SECS" --warmup 3
    --bodies "$WORK/bodies.txt")
echo "mandates loaded: $N; connections: $CONNS; seconds: $SECS; cores: $(nproc)"
V=$("${LG[@]}" --url "https://127.0.0.1:$VPORT/api/v1/verificaties")
echo "volmacht: $V"
X=$("${LG[@]}" --url "https://127.0.0.1:$NPORT/api/v1/verificaties")
echo "nginx:    $X"
vr=$(echo "$V" | sed -E 's/.*rps=([0-9.]+).*/\1/')
nr=$(echo "$X" | sed -E 's/.*rps=([0-9.]+).*/\1/')
echo "ratio volmacht/nginx requests/s: $(awk -v a="$vr" -v b="$nr" 'BEGIN{printf "%.2f", a/b}')"
