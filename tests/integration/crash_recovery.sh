#!/usr/bin/env bash
# kill -9 of the server in the middle of a write load, then restart: every write that was
# acknowledged is there, and `volmacht audit verify` passes. Then tampering with one event
# row makes `audit verify` fail and name that record.
#   crash_recovery.sh <build dir> <source dir>
BIN=$1; SRC=$2
source "$(dirname "$0")/lib.sh"
start_brp
start_volmacht --demo
SVC=5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e01
END=$(date -d '+1 year' +%F)

# One writer: principal $1 grants agent $2 (born $3), the agent activates, the principal
# revokes; again and again. Each acknowledged answer is appended to $4 as "<id> <status>".
# post <url> <body>: prints the answer on 2xx; otherwise reports it and fails.
post() {
  local out
  out=$("${CURL[@]}" -w '\n%{http_code}' "$1" -d "$2") || return 1
  case $(echo "$out" | tail -1) in
    2??) echo "$out" | head -n -1 ;;
    *) echo "writer: $(echo "$out" | tr '\n' ' ')" >&2; return 1 ;;
  esac
}
writer() {
  local p=$1 a=$2 born=$3 log=$4 r id code
  while :; do
    r=$(post "$API/machtigingen" "{\"burger\":{\"bsn\":\"$p\"},\"gemachtigde\":{\"bsn\":\"$a\",\"geboortedatum\":\"$born\"},\"diensten\":[\"$SVC\"],\"einddatum\":\"$END\"}") || return 0
    id=$(echo "$r" | json 'd["id"]'); code=$(echo "$r" | json 'd["activeringscode"]')
    echo "$id AANGEVRAAGD $p" >>"$log"
    r=$(post "$API/activeringen" "{\"burger\":{\"bsn\":\"$a\"},\"vertegenwoordigde\":{\"bsn\":\"$p\"},\"activeringscode\":\"$code\"}") || return 0
    echo "$id ACTIEF $p" >>"$log"
    r=$(post "$API/machtigingen/$id/_intrekken" "{\"burger\":{\"bsn\":\"$p\"}}") || return 0
    echo "$id INGETROKKEN $p" >>"$log"
  done
}
touch "$WORK/ack1" "$WORK/ack2"
writer 999900055 999900067 1996-05-19 "$WORK/ack1" &
W1=$!
writer 999900079 999900183 1990-03-14 "$WORK/ack2" &
W2=$!
# Let the load run until a good number of writes were acknowledged, then kill -9.
for _ in $(seq 400); do
  n=$(cat "$WORK"/ack* 2>/dev/null | wc -l)
  [ "$n" -ge 60 ] && break
  sleep 0.05
done
kill -9 "$SERVE_PID"
wait "$W1" "$W2" 2>/dev/null || true
ACKED=$(cat "$WORK"/ack* | wc -l)
[ "$ACKED" -ge 10 ] || fail "too few writes acknowledged before the crash ($ACKED): $(tail -5 "$WORK/serve.log")"

start_volmacht
rank() { case $1 in AANGEVRAAGD) echo 1;; ACTIEF) echo 2;; INGETROKKEN) echo 3;; *) echo 0;; esac; }
declare -A best
while read -r id st p; do
  if [ "$(rank "$st")" -gt "$(rank "${best[$id]:-x}")" ]; then best[$id]=$st; fi
done < <(cat "$WORK"/ack*)
checked=0
while read -r id st p; do
  if [ "${best[$id]}" != "$st" ]; then continue; fi
  now=$("${CURL[@]}" "$API/machtigingen/$id/_inzien" -d "{\"burger\":{\"bsn\":\"$p\"}}" | json 'd["status"]')
  [ "$(rank "$now")" -ge "$(rank "$st")" ] || fail "acknowledged $st of $id lost: now $now"
  checked=$((checked+1))
done < <(cat "$WORK"/ack*)
echo "acknowledged writes: $ACKED, mandates checked after kill -9: $checked"
"$BIN/src/app/volmacht" --data-dir "$WORK/data" audit verify || fail "audit verify after crash"

# Tamper with one event row (the triggers forbid it, so an attacker drops them first).
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true
sqlite3 "$WORK/data/volmacht.db" "DROP TRIGGER events_no_update; UPDATE events SET actor='bsn:999993653' WHERE seq=5;"
OUT=$("$BIN/src/app/volmacht" --data-dir "$WORK/data" audit verify) && fail "audit verify passed after tampering"
echo "$OUT" | grep -q "record 5" || fail "audit verify did not name record 5: $OUT"
echo "crash recovery and tamper detection: OK"
