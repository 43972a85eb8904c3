#!/usr/bin/env bash
# WAGI hello-world: requests/s and latency of a public app serving Fixtures/wasm/cgi.wasm (`/hello`),
# and the overhead per request beyond the module's own run: wrk's median latency with one
# connection minus the median run time the registry recorded for those requests (instantiate +
# _start, `durationMs` in GET /api/v1/tenants/acme/runs). The module is cached after the first request.
#   scripts/bench-wagi.sh [BINARY]   (default .build/release/aegisguard)
set -euo pipefail
BIN="${1:-.build/release/aegisguard}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib.sh"
command -v wrk >/dev/null || { echo "wrk is missing (scripts/install-test-deps.sh)" >&2; exit 1; }
DATA="$(mktemp -d)"
trap 'kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$DATA"' EXIT
"$BIN" tenant create acme --data-dir "$DATA" >/dev/null
start_aegis "$BIN" "$DATA" "$DATA/log"
URL="http://127.0.0.1:$PORT"
PASSWORD="$(cat "$DATA/initial-admin-password")"
python3 - "$URL" "$PASSWORD" "$ROOT/Fixtures/wasm/cgi.wasm" <<'PY'
import base64, hashlib, json, sys, urllib.request
url, password, module = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read()
auth = {"Authorization": "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()}
def send(method, path, data=b"", headers={}):
    return urllib.request.urlopen(urllib.request.Request(url + path, data=data, method=method, headers={**auth, **headers}))
def blob(data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    send("POST", f"/v2/acme/web/cgi/blobs/uploads/?digest={digest}", data)
    return digest
config = b"{}"
manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.wasm.config.v0+json", "digest": blob(config), "size": len(config)},
            "layers": [{"mediaType": "application/wasm", "digest": blob(module), "size": len(module)}]}
send("PUT", "/v2/acme/web/cgi/manifests/v1", json.dumps(manifest).encode(), {"Content-Type": manifest["mediaType"]})
send("PUT", "/api/v1/tenants/acme/apps/hello", b'{"reference":"acme/web/cgi:v1","public":true}', {"Content-Type": "application/json"})
PY
curl -sf "$URL/apps/acme/hello/hello" >/dev/null
echo "command: scripts/bench-wagi.sh $*"
echo
echo "throughput, 2 threads × 8 connections, 10 s:"
wrk -t2 -c8 -d10s --latency "$URL/apps/acme/hello/hello" | grep -E "Requests/sec|50%|99%"
echo
echo "one connection, 10 s (latency without queueing):"
wrk -t1 -c1 -d10s --latency "$URL/apps/acme/hello/hello" | tee "$DATA/one.txt" | grep -E "Requests/sec|50%|99%"
curl -sf -u "admin:$PASSWORD" "$URL/api/v1/tenants/acme/runs?limit=1000" >"$DATA/runs.json"
RUN_MS="$(python3 - "$DATA/runs.json" <<'PY'
import json, statistics, sys
runs = json.load(open(sys.argv[1]))["runs"]
print("%.3f" % statistics.median(run["durationMs"] for run in runs))
PY
)"
P50="$(awk '/ 50%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else {sub(/s$/,"",v); v*=1000}; print v}' "$DATA/one.txt")"
python3 -c "print(f'median module run {$RUN_MS:.3f} ms; median request {$P50:.3f} ms; overhead {$P50 - $RUN_MS:.3f} ms per request')"
