#!/usr/bin/env bash
# `make run`: starts brp-sim (the stand-in register) and volmacht with demo data, prints
# what to open and ready-made curl lines, and stops both on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/release
DATA=${VOLMACHT_DATA:-var/demo}
PORT=${VOLMACHT_PORT:-8443}
BRP_PORT=${BRP_PORT:-8081}
mkdir -p "$DATA"

"$BIN/tools/brp-sim/brp-sim" --persons data/brp-fixture.json --port "$BRP_PORT" \
  > "$DATA/brp-sim.log" 2>&1 &
BRP_PID=$!
SERVE_PID=
cleanup() {
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null || true
  kill "$BRP_PID" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
for _ in $(seq 100); do grep -q listening "$DATA/brp-sim.log" 2>/dev/null && break; sleep 0.1; done

rm -f "$DATA/ready"
"$BIN/src/app/volmacht" --data-dir "$DATA" serve --demo --port "$PORT" \
  --brp-url "http://127.0.0.1:$BRP_PORT" --ready-file "$DATA/ready" &
SERVE_PID=$!
for _ in $(seq 300); do [ -s "$DATA/ready" ] && break; kill -0 "$SERVE_PID" || exit 1; sleep 0.1; done

IDS=$("$BIN/src/app/volmacht" --data-dir "$DATA" demo-identities)
PRINCIPAL=$(echo "$IDS" | awk 'NR==1{print $1}')
AGENT=$(echo "$IDS" | awk 'NR==2{print $1}')
C="$DATA/certs"
CURL="curl -s --cacert $C/ca.pem --cert $C/belastingdienst.pem --key $C/belastingdienst-key.pem"
cat <<TXT

volmacht is running (demo data, stand-in register brp-sim on :$BRP_PORT).

  Provider API (mutual TLS):  https://localhost:$PORT/api/v1
  OpenAPI document:           https://localhost:$PORT/api/v1/openapi.json
  Letters (outbox):           $BIN/src/app/volmacht --data-dir $DATA outbox list

Demo identities (fictitious, from data/brp-fixture.json):
$IDS

Demo provider "Belastingdienst (demo)" uses client certificate $C/belastingdienst.pem.
Service "Aangifte inkomstenbelasting": 5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e01

Try a verification (answers {"toegestaan":true,...} for the demo mandate):
  $CURL -H 'Content-Type: application/json' https://localhost:$PORT/api/v1/verificaties \\
    -d '{"gemachtigde":{"bsn":"$AGENT"},"vertegenwoordigde":{"bsn":"$PRINCIPAL"},"dienst":"5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e01","betrouwbaarheidsniveau":20}'

The README walks through flow B (ask, read the letter, activate, verify, revoke).
Stop with Ctrl-C.
TXT
wait "$SERVE_PID"
