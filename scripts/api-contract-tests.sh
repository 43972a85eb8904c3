#!/usr/bin/env bash
# Contract tests of /api/v1: schemathesis (PyPI) generates requests from the served OpenAPI document
# and runs all its checks (no 5xx, responses match the schema, valid requests accepted, invalid ones
# refused, 405 for undeclared methods) against a live server on 127.0.0.1, as the administrator.
#   scripts/api-contract-tests.sh [BINARY]   (default .build/debug/aegisguard)
# Ends with `N passed, M failed` like the other test scripts.
set -uo pipefail
BIN="${1:-.build/debug/aegisguard}"
EXAMPLES="${API_CONTRACT_EXAMPLES:-50}"
command -v st >/dev/null 2>&1 || { echo "schemathesis is missing (scripts/install-test-deps.sh)" >&2; echo "0 passed, 1 failed"; exit 1; }
TMP="$(mktemp -d "${TMPDIR:-/tmp}/aegis-api-tests.XXXXXX")"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

"$BIN" tenant create acme --data-dir "$TMP/data" >/dev/null
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
# Login throttling off: schemathesis sends invalid credentials to every operation and expects 401,
# and throttling has tests of its own (scripts/tls_tests.py, LoginThrottlingTests).
export AEGIS_LOGIN_FAILURES_PER_USER=0
# Webhook targets unchecked: generated URLs name hosts that would be looked up in DNS (loopback only here);
# the guard has tests of its own (WebhookTests, WebhookTargetTests).
export AEGIS_EVENTS_WEBHOOK_ALLOW_PRIVATE_TARGETS=true
start_aegis "$BIN" "$TMP/data" "$TMP/server.out" || { cat "$TMP/server.out" >&2; echo "0 passed, 1 failed"; exit 1; }
AUTH="Authorization: Basic $(printf '%s' "admin:$(cat "$TMP/data/initial-admin-password")" | base64 -w0)"

timeout 600 st run "http://127.0.0.1:$PORT/api/v1/openapi.json" -H "$AUTH" --checks all -n "$EXAMPLES" \
    --request-timeout 10 --seed 1 >"$TMP/st.log" 2>&1
rc=$?
grep -E "^  (✅|❌|⏭)|generated|^_____|^- ST|Expected|Invalid component" "$TMP/st.log"
if [ "$rc" = 0 ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "ok - schemathesis: every check passed on every operation"
    echo "1 passed, 0 failed"
else
    tail -n 60 "$TMP/st.log"
    echo "not ok - schemathesis exited $rc"
    echo "0 passed, 1 failed"
    exit 1
fi
