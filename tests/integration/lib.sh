# Shared helpers for the integration scripts: start brp-sim and volmacht on free loopback
# ports in a fresh data directory, and stop them whatever happens.
# Usage: source lib.sh; start_stack <bin dir>; ... ; (cleanup runs on EXIT)
set -euo pipefail
WORK=$(mktemp -d /tmp/volmacht-it.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

start_brp() {  # sets BRP_URL
  "$BIN/tools/brp-sim/brp-sim" --persons "$SRC/data/brp-fixture.json" --port 0 >"$WORK/brp.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 600); do grep -q listening "$WORK/brp.log" && break; sleep 0.05; done
  BRP_URL=$(grep -o 'http://[0-9.:]*' "$WORK/brp.log" | head -1)
  [ -n "$BRP_URL" ] || fail "brp-sim did not start: $(cat "$WORK/brp.log")"
}

start_volmacht() {  # [--demo]; sets PORT, SERVE_PID, C (certs dir), CURL (array)
  rm -f "$WORK/ready"
  "$BIN/src/app/volmacht" --data-dir "$WORK/data" serve --port 0 --brp-url "$BRP_URL" \
    --ready-file "$WORK/ready" "$@" >>"$WORK/serve.log" 2>&1 &
  SERVE_PID=$!
  PIDS+=($SERVE_PID)
  for _ in $(seq 600); do
    [ -s "$WORK/ready" ] && break
    kill -0 "$SERVE_PID" 2>/dev/null || fail "volmacht exited: $(cat "$WORK/serve.log")"
    sleep 0.05
  done
  [ -s "$WORK/ready" ] || fail "volmacht did not become ready"
  PORT=$(cat "$WORK/ready")
  C="$WORK/data/certs"
  API="https://localhost:$PORT/api/v1"
  CURL=(curl -sS --max-time 10 --cacert "$C/ca.pem" --cert "$C/belastingdienst.pem"
        --key "$C/belastingdienst-key.pem" -H 'Content-Type: application/json')
}

# json <expr> : evaluates a Python expression over the JSON on stdin (bound to d).
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
