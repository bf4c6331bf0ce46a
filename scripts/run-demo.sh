#!/usr/bin/env bash
# `make run`: starts the stand-ins (brp-sim, the register; digid-sim, DigiD; demo-provider, an
# organisation's website, when built) and volmacht with demo data, prints what to open and
# ready-made curl lines, and stops everything on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VOLMACHT_BIN:-build/release}
DATA=${VOLMACHT_DATA:-var/demo}
PORT=${VOLMACHT_PORT:-8443}           # provider API (mutual TLS)
WEB_PORT=${VOLMACHT_WEB_PORT:-8444}   # login with representation (SAML, OIDC)
DEMO_PORT=${DEMO_PROVIDER_PORT:-8445} # demo-provider, the organisation's website
DIGID_PORT=${DIGID_PORT:-8446}        # digid-sim pages; its ArtifactResolve on DIGID_PORT+1
BRP_PORT=${BRP_PORT:-8081}
VOLMACHT="$BIN/src/app/volmacht"
DEMO_PROVIDER="$BIN/tools/demo-provider/demo-provider"
C="$DATA/certs"
mkdir -p "$DATA"

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
wait_for() {  # <file> <text> <what>
  for _ in $(seq 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "$3 did not start; see $1" >&2
  exit 1
}

"$BIN/tools/brp-sim/brp-sim" --persons data/brp-fixture.json --port "$BRP_PORT" \
  > "$DATA/brp-sim.log" 2>&1 &
PIDS+=($!)
wait_for "$DATA/brp-sim.log" listening brp-sim

# Certificates and the demo catalogue first: the stand-ins and the registrations need them.
"$VOLMACHT" --data-dir "$DATA" dev-certs > /dev/null
"$VOLMACHT" --data-dir "$DATA" demo-seed --brp-url "http://127.0.0.1:$BRP_PORT" > /dev/null

# The demo organisation's website registers its SAML metadata and OIDC client.
HAVE_DEMO=
if [ -x "$DEMO_PROVIDER" ]; then
  HAVE_DEMO=1
  DP=(--port "$DEMO_PORT" --data-dir "$DATA/demo-provider" --server-cert "$C/server.pem"
      --server-key "$C/server-key.pem")
  "$DEMO_PROVIDER" "${DP[@]}" --print-saml-metadata > "$DATA/demo-provider-sp.xml"
  "$VOLMACHT" --data-dir "$DATA" admin provider-saml --oin 00000003123456780000 \
    --metadata "$DATA/demo-provider-sp.xml" > /dev/null
  read -r CLIENT_ID REDIRECT_URI SECRET_FILE < <("$DEMO_PROVIDER" "${DP[@]}" --print-oidc-client)
  "$VOLMACHT" --data-dir "$DATA" admin oidc-client --oin 00000003123456780000 \
    --client-id "$CLIENT_ID" --redirect-uri "$REDIRECT_URI" --secret-file "$SECRET_FILE" > /dev/null
fi

# digid-sim needs volmacht's SP metadata before it starts; volmacht needs digid-sim's metadata.
# digid-sim uses volmacht's development CA for its TLS certificate (copied into its tls/, which
# it then keeps), so a browser has one CA to trust; it accepts client certificates of that CA.
"$VOLMACHT" --data-dir "$DATA" saml-sp-metadata --public-url "https://localhost:$WEB_PORT" \
  > "$DATA/volmacht-digid-sp.xml"
mkdir -p "$DATA/digid-sim/tls"
for f in ca.pem ca-key.pem server.pem server-key.pem; do
  [ -s "$DATA/digid-sim/tls/$f" ] || cp -p "$C/$f" "$DATA/digid-sim/tls/$f"
done
"$BIN/tools/digid-sim/digid-sim" --persons data/brp-fixture.json --port "$DIGID_PORT" \
  --resolve-port "$((DIGID_PORT + 1))" --data-dir "$DATA/digid-sim" \
  --base-url "https://localhost:$DIGID_PORT" --sp-metadata "$DATA/volmacht-digid-sp.xml" \
  --client-ca "$C/ca.pem" > "$DATA/digid-sim.log" 2>&1 &
PIDS+=($!)
wait_for "$DATA/digid-sim.log" listening digid-sim

rm -f "$DATA/ready" "$DATA/ready.web"
"$VOLMACHT" --data-dir "$DATA" serve --demo --port "$PORT" --web-port "$WEB_PORT" \
  --brp-url "http://127.0.0.1:$BRP_PORT" --digid-metadata "$DATA/digid-sim/idp-metadata.xml" \
  --digid-tls-ca "$DATA/digid-sim/tls/ca.pem" --ready-file "$DATA/ready" \
  --log-file "$DATA/volmacht.log" &
SERVE_PID=$!
PIDS+=($SERVE_PID)
for _ in $(seq 300); do
  [ -s "$DATA/ready" ] && break
  if ! kill -0 "$SERVE_PID" 2>/dev/null; then
    echo "volmacht did not start; see $DATA/volmacht.log" >&2
    exit 1
  fi
  sleep 0.1
done

if [ -n "$HAVE_DEMO" ]; then
  "$DEMO_PROVIDER" "${DP[@]}" --ca "$C/ca.pem" --client-cert "$C/gemeente.pem" \
    --client-key "$C/gemeente-key.pem" \
    --idp-metadata-url "https://localhost:$WEB_PORT/saml/idp/metadata" \
    --oidc-issuer "https://localhost:$WEB_PORT/oidc" > "$DATA/demo-provider.log" 2>&1 &
  PIDS+=($!)
  wait_for "$DATA/demo-provider.log" listening demo-provider
fi

IDS=$("$VOLMACHT" --data-dir "$DATA" demo-identities)
PRINCIPAL=$(echo "$IDS" | awk 'NR==1{print $1}')
AGENT=$(echo "$IDS" | awk 'NR==2{print $1}')
CURL="curl -s --cacert $C/ca.pem --cert $C/belastingdienst.pem --key $C/belastingdienst-key.pem"
if [ -n "$HAVE_DEMO" ]; then
  LOGIN_TXT="  Demo organisation (stand-in):  https://localhost:$DEMO_PORT/
    Log in there with SAML or OpenID Connect; at the DigiD stand-in pick the agent
    ($AGENT), then pick the person you act for; the site shows what it received."
else
  LOGIN_TXT="  (tools/demo-provider is not built: no demo organisation website)"
fi
cat <<TXT

volmacht is running (demo data; stand-ins: brp-sim on :$BRP_PORT, digid-sim on :$DIGID_PORT).
Your browser must trust the development CA $C/ca.pem (or accept the warnings).

$LOGIN_TXT
  Login with representation:   https://localhost:$WEB_PORT  (SAML metadata /saml/idp/metadata,
                               OIDC issuer https://localhost:$WEB_PORT/oidc)
  DigiD stand-in:              https://localhost:$DIGID_PORT/saml/idp/metadata
  Provider API (mutual TLS):   https://localhost:$PORT/api/v1
  OpenAPI document:            https://localhost:$PORT/api/v1/openapi.json
  Letters (outbox):            $VOLMACHT --data-dir $DATA outbox list
  Logs:                        $DATA/*.log (volmacht.log: JSON lines)

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
