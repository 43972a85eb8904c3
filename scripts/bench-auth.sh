#!/usr/bin/env bash
# What authentication costs on the hottest path: manifest GET with a bearer token, with Basic
# credentials, and anonymously on a public repository, interleaved (A/B/A/B…) on one server so that
# drift of the shared 2-core machine hits all three alike. Prints requests/s per run.
#   scripts/bench-auth.sh [BINARY] [ROUNDS]   (default .build/release/aegisguard, 3 rounds of 5 s each)
set -euo pipefail
BIN="${1:-.build/release/aegisguard}"
ROUNDS="${2:-3}"
command -v wrk >/dev/null || { echo "wrk is missing (scripts/install-test-deps.sh)" >&2; exit 1; }
DATA="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$DATA"' EXIT
"$BIN" tenant create bench --data-dir "$DATA" >/dev/null
AEGIS_LOG_LEVEL=warning AEGIS_TOKEN_LIFETIME_SECONDS=3600 "$BIN" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" >"$DATA/log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do grep -q "listening" "$DATA/log" && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT"
PASSWORD="$(cat "$DATA/initial-admin-password")"
printf '{}' >"$DATA/config"
CONFIG="sha256:$(sha256sum "$DATA/config" | cut -d' ' -f1)"
curl -sf -u "admin:$PASSWORD" -o /dev/null -X POST "$URL/v2/bench/x/blobs/uploads/?digest=$CONFIG" --data-binary @"$DATA/config"
MANIFEST='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"'$CONFIG'","size":2},"layers":[]}'
curl -sf -u "admin:$PASSWORD" -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data "$MANIFEST" "$URL/v2/bench/x/manifests/v1"
TOKEN="$(curl -sf -u "admin:$PASSWORD" "$URL/token?service=aegisguard&scope=repository:bench/x:pull" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
"$BIN" repo public bench/x true --data-dir "$DATA" >/dev/null
sleep 6  # the public flag is cached for 5 s
rps() { wrk -t2 -c32 -d5s "$@" "$URL/v2/bench/x/manifests/v1" | awk '/Requests\/sec/ {print $2}'; }
echo "command: scripts/bench-auth.sh $*"
echo "| round | bearer token (req/s) | Basic (req/s) | anonymous, public repository (req/s) |"
echo "|---|---:|---:|---:|"
for round in $(seq 1 "$ROUNDS"); do
    echo "| $round | $(rps -H "Authorization: Bearer $TOKEN") | $(rps -H "Authorization: Basic $(printf '%s' "admin:$PASSWORD" | base64 -w0)") | $(rps) |"
done
