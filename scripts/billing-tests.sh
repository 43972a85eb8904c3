#!/usr/bin/env bash
# Billing end to end: a scripted workload against a live server, then the API's invoice, the CLI's
# raw exports (CSV and NDJSON) loaded with DuckDB, and the sum of the Aegis-Gas-Used headers must
# all agree; and the carbon ledger's report, exports and gas ledger after the server stops.   scripts/billing-tests.sh [BINARY]   (default .build/debug/aegisguard)
set -uo pipefail
BIN="${1:-.build/debug/aegisguard}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/aegis-billing.XXXXXX")"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
fail() { echo "not ok - $1"; echo "0 passed, 1 failed"; exit 1; }

"$BIN" tenant create acme --data-dir "$TMP/data" >/dev/null
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
start_aegis "$BIN" "$TMP/data" "$TMP/server.out" || fail "server did not start"
URL="http://127.0.0.1:$PORT"
CREDS="admin:$(cat "$TMP/data/initial-admin-password")"
SUM=0
# request METHOD PATH [curl args…]: counts the request's Aegis-Gas-Used.
request() {
    local method="$1" path="$2"
    shift 2
    local used
    # HEAD through --head: with -X HEAD curl would wait for the body Content-Length announces.
    local verb=(-X "$method")
    [ "$method" = HEAD ] && verb=(--head)
    used="$(curl -s -u "$CREDS" --max-time 30 "${verb[@]}" -D - -o /dev/null "$@" "$URL$path" |
        tr -d '\r' | awk -F': ' 'tolower($1) == "aegis-gas-used" {print $2}')"
    SUM=$((SUM + ${used:-0}))
}
for size in 1000 70000 300000; do
    head -c "$size" /dev/urandom >"$TMP/blob"
    digest="sha256:$(sha256sum "$TMP/blob" | cut -d' ' -f1)"
    request POST "/v2/acme/app/blobs/uploads/?digest=$digest" --data-binary @"$TMP/blob"
    request GET "/v2/acme/app/blobs/$digest"
    request HEAD "/v2/acme/app/blobs/$digest"
done
printf '{}' >"$TMP/config"
config="sha256:$(sha256sum "$TMP/config" | cut -d' ' -f1)"
request POST "/v2/acme/app/blobs/uploads/?digest=$config" --data-binary @"$TMP/config"
manifest='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"'$config'","size":2},"layers":[]}'
request PUT /v2/acme/app/manifests/v1 -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data "$manifest"
request GET /v2/acme/app/manifests/v1
request GET /v2/acme/app/tags/list
request GET /v2/acme/app/manifests/absent
request POST "/v2/acme/app/blobs/uploads/?digest=$digest" -H 'Aegis-Gas-Limit: 1100' --data-binary @"$TMP/blob"  # out of gas
sleep 1  # the ledger is written every 250 ms

# The invoice call is itself billed (api.call), after the invoice it answers was computed: the
# exports, read once that charge is written, hold it as one more row.
INVOICE_GAS="$(curl -sf -u "$CREDS" -D "$TMP/invoice.headers" "$URL/api/v1/tenants/acme/gas/invoice" -o "$TMP/invoice.json" &&
    tr -d '\r' <"$TMP/invoice.headers" | awk -F': ' 'tolower($1) == "aegis-gas-used" {print $2}')" || fail "invoice API"
sleep 1  # the ledger is written every 250 ms
"$BIN" billing export --tenant acme --format csv --data-dir "$TMP/data" >"$TMP/ledger.csv" || fail "csv export"
"$BIN" billing export --tenant acme --format ndjson --data-dir "$TMP/data" >"$TMP/ledger.ndjson" || fail "ndjson export"
python3 "$ROOT/scripts/billing_duckdb_check.py" "$TMP/invoice.json" "$TMP/ledger.csv" "$TMP/ledger.ndjson" "$SUM" "${INVOICE_GAS:-0}" \
    >"$TMP/check.log" 2>&1 || echo "not ok - the DuckDB check exited non-zero (see above)" >>"$TMP/check.log"

# Carbon: the same workload's rows. A stopped server has written every row (at shutdown), so the
# report and the exports, all from the CLI, describe the same ledger.
kill -TERM "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null
SERVER_PID=""
"$BIN" carbon report --tenant acme --data-dir "$TMP/data" >"$TMP/carbon.json" || echo "not ok - carbon report" >>"$TMP/check.log"
"$BIN" carbon export --tenant acme --format csv --data-dir "$TMP/data" >"$TMP/carbon.csv" || echo "not ok - carbon csv export" >>"$TMP/check.log"
"$BIN" carbon export --tenant acme --format ndjson --data-dir "$TMP/data" >"$TMP/carbon.ndjson" || echo "not ok - carbon ndjson export" >>"$TMP/check.log"
"$BIN" billing export --tenant acme --format csv --data-dir "$TMP/data" >"$TMP/ledger-final.csv" || echo "not ok - final gas export" >>"$TMP/check.log"
python3 "$ROOT/scripts/carbon_duckdb_check.py" "$TMP/carbon.json" "$TMP/carbon.csv" "$TMP/carbon.ndjson" "$TMP/ledger-final.csv" \
    >>"$TMP/check.log" 2>&1 || echo "not ok - the carbon DuckDB check exited non-zero (see above)" >>"$TMP/check.log"
cat "$TMP/check.log"
passed="$(grep -c '^ok - ' "$TMP/check.log")"
failed="$(grep -c '^not ok - ' "$TMP/check.log")"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
