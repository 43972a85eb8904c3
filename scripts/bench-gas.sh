#!/usr/bin/env bash
# What gas metering costs: the same binary twice, one server with metering on and one with
# `AEGIS_GAS_METERING=false`, measured in interleaved rounds (on/off/on/off…) so drift of the
# shared 2-core machine hits both alike. Two workloads:
#   - manifest GET with a bearer token (wrk, 2 threads, 32 connections, 5 s per run), requests/s,
#     and the server's CPU time per request (utime + stime from /proc, which the machine's
#     throughput drift does not move);
#   - blob push: monolithic POSTs of 8 distinct 16 MiB blobs per round (curl), MB/s.
# Prints a table per workload and the on/off ratio of the summed figures.
#   scripts/bench-gas.sh [BINARY] [ROUNDS]   (default .build/release/aegisguard, 5 rounds)
# BENCH_TOGGLE names another boolean setting to compare (scripts/bench-carbon.sh: AEGIS_CARBON_ENABLED),
# BENCH_ON and BENCH_OFF what the two servers are called.
set -euo pipefail
BIN="${1:-.build/release/aegisguard}"
ROUNDS="${2:-5}"
TOGGLE="${BENCH_TOGGLE:-AEGIS_GAS_METERING}"
ON="${BENCH_ON:-metered}"
OFF="${BENCH_OFF:-unmetered}"
command -v wrk >/dev/null || { echo "wrk is missing (scripts/install-test-deps.sh)" >&2; exit 1; }
WORK="$(mktemp -d)"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

# start NAME METERING → URL_<NAME>, TOKEN_<NAME>, PASSWORD_<NAME>
start() {
    local name="$1" metering="$2" data="$WORK/$1" port
    mkdir -p "$data"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    "$BIN" tenant create bench --data-dir "$data" >/dev/null
    env "$TOGGLE=$metering" AEGIS_LOG_LEVEL=warning AEGIS_TOKEN_LIFETIME_SECONDS=3600 \
        "$BIN" serve --data-dir "$data" --listen "127.0.0.1:$port" >"$data/log" 2>&1 &
    PIDS+=($!)
    printf -v "PID_$name" '%s' "$!"
    for _ in $(seq 1 100); do grep -q "listening" "$data/log" && break; sleep 0.1; done
    local url="http://127.0.0.1:$port" password
    password="$(cat "$data/initial-admin-password")"
    printf '{}' >"$data/config"
    local config="sha256:$(sha256sum "$data/config" | cut -d' ' -f1)"
    curl -sf -u "admin:$password" -o /dev/null -X POST "$url/v2/bench/x/blobs/uploads/?digest=$config" --data-binary @"$data/config"
    local manifest='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"'$config'","size":2},"layers":[]}'
    curl -sf -u "admin:$password" -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
        --data "$manifest" "$url/v2/bench/x/manifests/v1"
    local token
    token="$(curl -sf -u "admin:$password" "$url/token?service=aegisguard&scope=repository:bench/x:pull,push" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
    printf -v "URL_$name" '%s' "$url"
    printf -v "TOKEN_$name" '%s' "$token"
}
start on true
start off false

# Blobs for the push workload: 8 × 16 MiB of fresh random bytes per round, the same for both servers.
BLOBS="$WORK/blobs"
mkdir -p "$BLOBS"
# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"

echo "command: ${BENCH_TOGGLE:+BENCH_TOGGLE=$BENCH_TOGGLE }scripts/bench-gas.sh $*"
echo
echo "| round | manifest GET, $ON (req/s) | $OFF (req/s) | server CPU per GET, $ON (µs) | $OFF (µs) | blob push, $ON (MB/s) | $OFF (MB/s) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
SUM=(0 0 0 0 0 0)
for round in $(seq 1 "$ROUNDS"); do
    make_blobs
    # Alternate which server goes first, so neither always runs on a warmer machine.
    if ((round % 2)); then
        read -r a e <<<"$(rps "$URL_on" "$TOKEN_on" "$PID_on")"; read -r b f <<<"$(rps "$URL_off" "$TOKEN_off" "$PID_off")"
        cat "$BLOBS"/* >/dev/null
        read -r c _ <<<"$(push "$URL_on" "$TOKEN_on" "$PID_on")"; read -r d _ <<<"$(push "$URL_off" "$TOKEN_off" "$PID_off")"
    else
        read -r b f <<<"$(rps "$URL_off" "$TOKEN_off" "$PID_off")"; read -r a e <<<"$(rps "$URL_on" "$TOKEN_on" "$PID_on")"
        cat "$BLOBS"/* >/dev/null
        read -r d _ <<<"$(push "$URL_off" "$TOKEN_off" "$PID_off")"; read -r c _ <<<"$(push "$URL_on" "$TOKEN_on" "$PID_on")"
    fi
    echo "| $round | $a | $b | $e | $f | $c | $d |"
    read -r -a SUM <<<"$(IFS=,; python3 -c "s=[${SUM[*]}]; v=[$a,$b,$c,$d,$e,$f]; print(' '.join(str(x+y) for x, y in zip(s, v)))")"
done
python3 - "$ON" "$OFF" "${SUM[@]}" <<'EOF'
import sys
on, off = sys.argv[1:3]
get_on, get_off, push_on, push_off, cpu_on, cpu_off = map(float, sys.argv[3:])
print()
print(f"manifest GET: {on}/{off} = {get_on / get_off:.3f} (overhead {100 * (1 - get_on / get_off):+.1f}%)")
print(f"manifest GET server CPU per request: {on}/{off} = {cpu_on / cpu_off:.3f} (overhead {100 * (cpu_on / cpu_off - 1):+.1f}%)")
print(f"blob push:    {on}/{off} = {push_on / push_off:.3f} (overhead {100 * (1 - push_on / push_off):+.1f}%)")
EOF
