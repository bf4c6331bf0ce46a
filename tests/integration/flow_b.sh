#!/usr/bin/env bash
# The README's walkthrough, as a newcomer does it with curl: flow B (the agent asks, the
# letter with the code goes to the principal, the agent activates with the code), then
# verification turns true, and false again after revoking. Also checks the audit trail.
#   flow_b.sh <build dir> <source dir>
BIN=$1; SRC=$2
source "$(dirname "$0")/lib.sh"
start_brp
start_volmacht --demo

SVC=5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e01
AGENT=999900031      # Sophie Bakker asks...
PRINCIPAL=999900006  # ...to act for Anna Maria de Vries (born 1985-04-12)
END=$(date -d '+1 year' +%F)

verify() {
  "${CURL[@]}" "$API/verificaties" -d "{\"gemachtigde\":{\"bsn\":\"$AGENT\"},\"vertegenwoordigde\":{\"bsn\":\"$PRINCIPAL\"},\"dienst\":\"$SVC\",\"betrouwbaarheidsniveau\":20}" | json 'd["toegestaan"]'
}
[ "$(verify)" = "False" ] || fail "verification allowed before any mandate"

# 1. Ask (flow B).
R=$("${CURL[@]}" -w '\n%{http_code}' "$API/machtigingsaanvragen" -d "{\"burger\":{\"bsn\":\"$AGENT\"},\"vertegenwoordigde\":{\"bsn\":\"$PRINCIPAL\",\"geboortedatum\":\"1985-04-12\"},\"diensten\":[\"$SVC\"],\"einddatum\":\"$END\"}")
[ "$(echo "$R" | tail -1)" = 201 ] || fail "ask: $R"
ID=$(echo "$R" | head -n -1 | json 'd["id"]')
[ "$(echo "$R" | head -n -1 | json 'd["status"]')" = AANGEVRAAGD ] || fail "ask state: $R"

# 2. The letter in the outbox, read as the principal would (pdftotext).
LETTER=$("$BIN/src/app/volmacht" --data-dir "$WORK/data" outbox list | awk -v id="$ID" '$0 ~ id && /ACTIVATION_CODE/ {print $1}')
[ -n "$LETTER" ] || fail "no activation letter for $ID"
"$BIN/src/app/volmacht" --data-dir "$WORK/data" outbox show "$LETTER" -o "$WORK/letter.pdf" >/dev/null
TEXT=$(pdftotext -layout "$WORK/letter.pdf" -)
echo "$TEXT" | grep -q "Anna Maria de Vries" || fail "letter not addressed to the principal"
echo "$TEXT" | grep -q "Keizersgracht 123" || fail "letter without the registered address"
echo "$TEXT" | grep -q "$PRINCIPAL" && fail "letter shows a BSN"
CODE=$(echo "$TEXT" | grep -oE '\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b' | head -1)
[ -n "$CODE" ] || fail "no code in the letter"

# 3. Activate: preview shows both names, then confirm.
ACT="{\"burger\":{\"bsn\":\"$AGENT\"},\"vertegenwoordigde\":{\"bsn\":\"$PRINCIPAL\"},\"activeringscode\":\"$CODE\"}"
P=$("${CURL[@]}" "$API/activeringen/_controleren" -d "$ACT")
echo "$P" | grep -q "Anna Maria de Vries" || fail "preview without the principal's name: $P"
echo "$P" | grep -q "Sophie Bakker" || fail "preview without the agent's name: $P"
[ "$(verify)" = "False" ] || fail "preview activated the mandate"
A=$("${CURL[@]}" "$API/activeringen" -d "$ACT")
[ "$(echo "$A" | json 'd["status"]')" = ACTIEF ] || fail "activate: $A"
[ "$(verify)" = "True" ] || fail "verification not allowed after activation"

# The code is single-use.
U=$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$API/activeringen" -d "$ACT")
[ "$U" != 200 ] || fail "code accepted twice"

# 4. Revoke; verification turns false.
V=$("${CURL[@]}" "$API/machtigingen/$ID/_intrekken" -d "{\"burger\":{\"bsn\":\"$AGENT\"}}")
[ "$(echo "$V" | json 'd["status"]')" = INGETROKKEN ] || fail "revoke: $V"
[ "$(verify)" = "False" ] || fail "verification still allowed after revoking"

# 5. History and audit trail.
H=$("${CURL[@]}" "$API/machtigingen/$ID/_historie" -d "{\"burger\":{\"bsn\":\"$PRINCIPAL\"}}")
for t in AANGEVRAAGD GEACTIVEERD INGETROKKEN; do echo "$H" | grep -q "$t" || fail "history lacks $t: $H"; done
"$BIN/src/app/volmacht" --data-dir "$WORK/data" audit verify >/dev/null || fail "audit verify"
# A request without a client certificate is refused by TLS.
curl -s --max-time 5 --cacert "$C/ca.pem" "$API/openapi.json" >/dev/null 2>&1 && fail "served without a client certificate"
echo "flow B: OK"
