#!/usr/bin/env bash
# Writers beside a running server (ADR 0010): `volmacht admin` adds a service and then
# deactivates a provider's service while `volmacht serve` runs on the same data directory.
# The server sees both without a restart, its own writes continue the one event chain, and
# `volmacht audit verify` passes.
#   other_writers.sh <build dir> <source dir>
BIN=$1; SRC=$2
source "$(dirname "$0")/lib.sh"
start_brp
start_volmacht --demo
VOLMACHT=("$BIN/src/app/volmacht" --data-dir "$WORK/data")

BD=00000001111222333000                    # Belastingdienst, the certificate curl presents
NEW=7e1f6a52-0c4d-4b8e-9f3a-5b2c1d0e9f01   # a service made while the server runs
AGENT=999900031; PRINCIPAL=999900006

verify_status() {  # HTTP status of a verification for service $1
  "${CURL[@]}" -o /dev/null -w '%{http_code}' "$API/verificaties" \
    -d "{\"gemachtigde\":{\"bsn\":\"$AGENT\"},\"vertegenwoordigde\":{\"bsn\":\"$PRINCIPAL\"},\"dienst\":\"$1\",\"betrouwbaarheidsniveau\":20}"
}
# Waits (up to 30 s) until the server answers $2 for service $1: the server follows other
# writers by polling, so the change arrives a moment later.
await_status() {
  for _ in $(seq 300); do [ "$(verify_status "$1")" = "$2" ] && return 0; sleep 0.1; done
  fail "service $1: still $(verify_status "$1"), expected $2"
}

[ "$(verify_status $NEW)" = 403 ] || fail "unknown service not refused"
"${VOLMACHT[@]}" admin service --id $NEW --provider $BD --name-nl "Nieuwe dienst" >/dev/null \
  || fail "admin service while serving"
await_status $NEW 200

# The server's own write after the other process's: one chain.
END=$(date -d '+1 year' +%F)
R=$("${CURL[@]}" -w '\n%{http_code}' "$API/machtigingsaanvragen" -d "{\"burger\":{\"bsn\":\"$AGENT\"},\"vertegenwoordigde\":{\"bsn\":\"$PRINCIPAL\",\"geboortedatum\":\"1985-04-12\"},\"diensten\":[\"$NEW\"],\"einddatum\":\"$END\"}")
[ "$(echo "$R" | tail -1)" = 201 ] || fail "ask for the new service: $R"

# And a change that takes something away: the provider's whole catalogue entry is replaced
# by a sweep and an admin write from outside; the server keeps answering and stays in step.
"${VOLMACHT[@]}" sweep >/dev/null || fail "sweep while serving"
"${VOLMACHT[@]}" admin service --id $NEW --provider 00000001333444555000 --name-nl "Nu van UWV" \
  >/dev/null || fail "second admin write"
await_status $NEW 403   # no longer Belastingdienst's

"${VOLMACHT[@]}" audit verify >/dev/null || fail "audit verify after writes from two processes"
echo "other writers: OK"
