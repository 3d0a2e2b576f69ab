#!/usr/bin/env bash
# The README's copy-paste example, runnable as is against a running `npm start` (second terminal):
# a webhook receiver, a dynamic-QR payment, the sandbox wallet paying it, the status turning
# succeeded, and the signed webhook arriving. BASE and DATA point elsewhere for tests.
set -euo pipefail
BASE=${BASE:-http://127.0.0.1:8080}
DATA=${DATA:-./data}
HOOK_PORT=${HOOK_PORT:-9000}
saoma() { node --import tsx src/cli/main.ts "$@"; }
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }

TOKEN=$(field terminalToken < "$DATA/demo-credentials.json")
MERCHANT=$(field merchantId < "$DATA/demo-credentials.json")

# 1. A webhook receiver that checks Saoma's signature, and the merchant's webhook URL pointing at it.
LOG=$(mktemp)
saoma webhooks listen --port "$HOOK_PORT" --data-dir "$DATA" > "$LOG" &
LISTENER=$!
trap 'kill $LISTENER 2>/dev/null || true; rm -f "$LOG"' EXIT
saoma api PUT "/v1/merchants/$MERCHANT/webhook" "{\"url\":\"http://127.0.0.1:$HOOK_PORT/hooks\"}" --url "$BASE" --data-dir "$DATA" > /dev/null

# 2. The POS asks for a dynamic QR of ¥12.50 (amounts are integer fen).
PAYMENT=$(curl -s -X POST "$BASE/v1/payments" -H "authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' -H "idempotency-key: readme-$RANDOM$RANDOM" \
  -d "{\"outTradeNo\":\"README-$RANDOM$RANDOM\",\"amount\":1250,\"currency\":\"CNY\",\"method\":\"dynamic_qr\",\"channel\":\"sandbox\"}")
ID=$(echo "$PAYMENT" | field id)
QR=$(echo "$PAYMENT" | field qrCode)
echo "payment $ID is $(echo "$PAYMENT" | field state); QR: $QR"

# 3. The customer scans it with the sandbox wallet and pays.
curl -s -X POST "$BASE/sandbox/wallet/scan" -H 'content-type: application/json' -d "{\"qr_code\":\"$QR\"}" > /dev/null

# 4. The status turns succeeded, and the webhook arrives.
for _ in $(seq 1 50); do
  STATE=$(curl -s "$BASE/v1/payments/$ID" -H "authorization: Bearer $TOKEN" | field state)
  [ "$STATE" = succeeded ] && grep -q "$ID" "$LOG" 2>/dev/null && break
  sleep 0.2
done
echo "payment $ID is $STATE"
grep "$ID" "$LOG" | head -n 1
[ "$STATE" = succeeded ] && grep -q '"type":"payment.succeeded"' "$LOG"
