#!/usr/bin/env bash
# Benchmark (not a test): what TLS and HTTP/2 cost, next to plain HTTP and to CNCF Distribution
# (Debian's docker-registry) serving TLS with the same certificate. Interleaved rounds, so drift of
# the shared 2-core machine hits every configuration alike; server CPU per request is read from
# /proc, since throughput alone is noisy here.
#
#   scripts/bench-tls.sh [BINARY] [ROUNDS]   (default .build/release/aegisguard, 3 rounds)
#
# Workloads, each against: AegisGuard plain HTTP/1.1, AegisGuard TLS HTTP/1.1, AegisGuard TLS HTTP/2,
# Distribution TLS HTTP/1.1, Distribution TLS HTTP/2:
#   manifest GET  — (OCI manifest `Accept`, every answer checked to be 2xx) 5 s, 32 connections, 2 client threads (wrk for HTTP/1.1, h2load for HTTP/2, one
#                   stream per connection so both send one request at a time per connection); bearer
#                   token on AegisGuard, anonymous on Distribution (it has no auth configured)
#   blob pull     — a 256 MiB blob fetched 4 times by curl, MB/s and server CPU-seconds per GiB
# The client runs on the same two cores. Installs wrk, h2load (nghttp2-client), docker-registry and
# openssl when missing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${1:-$ROOT/.build/release/aegisguard}"
ROUNDS="${2:-3}"
[ -x "$BIN" ] || { echo "bench-tls: no executable at $BIN (swift build -c release --product aegisguard)" >&2; exit 2; }
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v h2load >/dev/null || missing+=(nghttp2-client)
[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
command -v openssl >/dev/null || missing+=(openssl)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "bench-tls: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/aegis-bench-tls.XXXXXX")"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
freeport() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ="$(getconf CLK_TCK)"

bash "$ROOT/scripts/tls-certs.sh" "$WORK/certs" >/dev/null
CERT="$WORK/certs/server.pem" KEY="$WORK/certs/server.key" CA="$WORK/certs/ca.pem"

# ---------------------------------------------------------------- servers
"$BIN" tenant create bench --data-dir "$WORK/plain" >/dev/null
"$BIN" tenant create bench --data-dir "$WORK/tls" >/dev/null
start_aegis() { # DATA PORT [env…] → PID
    local data="$1" port="$2"
    shift 2
    env AEGIS_LOG_LEVEL=warning AEGIS_TOKEN_LIFETIME_SECONDS=7200 AEGIS_SCRYPT_ROUNDS=1024 "$@" \
        "$BIN" serve --data-dir "$data" --listen "127.0.0.1:$port" >"$data.log" 2>&1 &
    echo $!
}
PLAIN_PORT="$(freeport)" TLS_PORT="$(freeport)" DIST_PORT="$(freeport)"
PLAIN_PID="$(start_aegis "$WORK/plain" "$PLAIN_PORT")"
TLS_PID="$(start_aegis "$WORK/tls" "$TLS_PORT" AEGIS_TLS_CERT_FILE="$CERT" AEGIS_TLS_KEY_FILE="$KEY")"
PIDS+=("$PLAIN_PID" "$TLS_PID")
cat >"$WORK/dist.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/dist-data
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$DIST_PORT
  tls:
    certificate: $CERT
    key: $KEY
EOF
# This machine sets AWS_CA_BUNDLE, which Distribution's S3 driver reads even when unused.
env -u AWS_CA_BUNDLE /usr/bin/docker-registry serve "$WORK/dist.yml" >"$WORK/dist.log" 2>&1 &
DIST_PID=$!
PIDS+=("$DIST_PID")
PLAIN="http://127.0.0.1:$PLAIN_PORT" TLS="https://127.0.0.1:$TLS_PORT" DIST="https://127.0.0.1:$DIST_PORT"
for url in "$PLAIN" "$TLS" "$DIST"; do
    for _ in $(seq 1 100); do curl -s -o /dev/null --cacert "$CA" "$url/v2/" && break; sleep 0.1; done
done

# The same manifest (an empty config) and a 256 MiB blob in bench/x on every server.
printf '{}' >"$WORK/config"
head -c $((256 << 20)) /dev/urandom >"$WORK/blob"
CONFIG="sha256:$(sha256sum "$WORK/config" | cut -d' ' -f1)"
BLOB="sha256:$(sha256sum "$WORK/blob" | cut -d' ' -f1)"
MANIFEST='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"'$CONFIG'","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"'$BLOB'","size":'$((256 << 20))'}]}'
seed() { # URL CURL-AUTH-ARGS…
    local url="$1"
    shift
    for file in config blob; do
        local digest
        digest="sha256:$(sha256sum "$WORK/$file" | cut -d' ' -f1)"
        local location
        location="$(curl -sf --cacert "$CA" "$@" -o /dev/null -D - -X POST "$url/v2/bench/x/blobs/uploads/" |
            awk 'tolower($1) == "location:" {print $2}' | tr -d '\r')"
        case "$location" in http*) ;; *) location="$url$location" ;; esac
        case "$location" in *\?*) sep='&' ;; *) sep='?' ;; esac
        curl -sf --cacert "$CA" "$@" -o /dev/null -H 'Expect:' -H 'Content-Type: application/octet-stream' -X PUT \
            --data-binary @"$WORK/$file" "$location${sep}digest=$digest"
    done
    curl -sf --cacert "$CA" "$@" -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
        --data "$MANIFEST" "$url/v2/bench/x/manifests/v1"
}
token() { # URL DATA
    curl -sf --cacert "$CA" -u "admin:$(cat "$2/initial-admin-password")" "$1/token?service=aegisguard&scope=repository:bench/x:pull" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
seed "$PLAIN" -u "admin:$(cat "$WORK/plain/initial-admin-password")"
seed "$TLS" -u "admin:$(cat "$WORK/tls/initial-admin-password")"
seed "$DIST"
PLAIN_TOKEN="$(token "$PLAIN" "$WORK/plain")" TLS_TOKEN="$(token "$TLS" "$WORK/tls")"

# ---------------------------------------------------------------- workloads
manifest() { # NAME PID URL TOKEN PROTOCOL → "| name | req/s | µs server CPU/request |"
    local before after out rate requests
    before="$(cpu_ticks "$2")"
    local auth=(-H "Accept: application/vnd.oci.image.manifest.v1+json")
    [ -n "$4" ] && auth+=(-H "Authorization: Bearer $4")
    # Every measured request must be a 200: a refusal would be cheaper and look fast.
    curl -sf --cacert "$CA" -o /dev/null "${auth[@]}" "$3/v2/bench/x/manifests/v1" || { echo "bench-tls: $1 does not serve the manifest" >&2; exit 1; }
    if [ "$5" = h2 ]; then
        out="$(h2load -t2 -c32 -m1 -D 5 "${auth[@]}" "$3/v2/bench/x/manifests/v1" 2>&1)"
        rate="$(awk '/^finished in/ {gsub(",", "", $4); print $4}' <<<"$out")"
        requests="$(awk '/^status codes:/ {print $3}' <<<"$out")"
        [ "$(awk '/^status codes:/ {print $5 + $7 + $9}' <<<"$out")" = 0 ] || { echo "bench-tls: $1 answered non-2xx" >&2; exit 1; }
    else
        out="$(wrk -t2 -c32 -d5s "${auth[@]}" "$3/v2/bench/x/manifests/v1")"
        ! grep -q "Non-2xx" <<<"$out" || { echo "bench-tls: $1 answered non-2xx" >&2; exit 1; }
        rate="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
        requests="$(awk '/ requests in / {print $1}' <<<"$out")"
    fi
    after="$(cpu_ticks "$2")"
    awk -v name="$1" -v rate="$rate" -v requests="$requests" -v ticks=$((after - before)) -v hz="$HZ" \
        'BEGIN {printf "| %s | %.0f | %.0f |\n", name, rate, ticks / hz * 1e6 / (requests > 0 ? requests : 1)}'
}
pull() { # NAME PID URL TOKEN CURL-PROTOCOL → "| name | MB/s | server CPU-s per GiB |"
    local before after start end
    local auth=()
    [ -n "$4" ] && auth=(-H "Authorization: Bearer $4")
    before="$(cpu_ticks "$2")"
    start="$(date +%s.%N)"
    for _ in 1 2 3 4; do
        curl -sf "$5" --cacert "$CA" "${auth[@]}" -o /dev/null "$3/v2/bench/x/blobs/$BLOB"
    done
    end="$(date +%s.%N)"
    after="$(cpu_ticks "$2")"
    python3 -c "print(f'| $1 | {4 * 256 * 1.048576 / ($end - $start):.0f} | {($after - $before) / $HZ / 1.0:.2f} |')"
}

echo "command: scripts/bench-tls.sh $*"
echo "AegisGuard: $("$BIN" --version 2>/dev/null || echo "$BIN"); Distribution: $(/usr/bin/docker-registry --version 2>/dev/null | head -1)"
echo "TLS: $(echo | openssl s_client -connect "127.0.0.1:$TLS_PORT" 2>/dev/null | awk '/^New,/ {print $2, $5}' | head -1) (AegisGuard), $(echo | openssl s_client -connect "127.0.0.1:$DIST_PORT" 2>/dev/null | awk '/^New,/ {print $2, $5}' | head -1) (Distribution); P-256 certificate"
for round in $(seq 1 "$ROUNDS"); do
    echo
    echo "round $round — manifest GET"
    echo "| server | req/s | server CPU µs/request |"
    echo "|---|---:|---:|"
    manifest "AegisGuard plain HTTP/1.1" "$PLAIN_PID" "$PLAIN" "$PLAIN_TOKEN" h1
    manifest "AegisGuard TLS HTTP/1.1" "$TLS_PID" "$TLS" "$TLS_TOKEN" h1
    manifest "AegisGuard TLS HTTP/2" "$TLS_PID" "$TLS" "$TLS_TOKEN" h2
    manifest "Distribution TLS HTTP/1.1" "$DIST_PID" "$DIST" "" h1
    manifest "Distribution TLS HTTP/2" "$DIST_PID" "$DIST" "" h2
    echo
    echo "round $round — pull a 256 MiB blob, 4 times"
    echo "| server | MB/s | server CPU-s per GiB |"
    echo "|---|---:|---:|"
    pull "AegisGuard plain HTTP/1.1" "$PLAIN_PID" "$PLAIN" "$PLAIN_TOKEN" --http1.1
    pull "AegisGuard TLS HTTP/1.1" "$TLS_PID" "$TLS" "$TLS_TOKEN" --http1.1
    pull "AegisGuard TLS HTTP/2" "$TLS_PID" "$TLS" "$TLS_TOKEN" --http2
    pull "Distribution TLS HTTP/1.1" "$DIST_PID" "$DIST" "" --http1.1
    pull "Distribution TLS HTTP/2" "$DIST_PID" "$DIST" "" --http2
done
