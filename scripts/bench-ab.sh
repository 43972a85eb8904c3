#!/usr/bin/env bash
# Two builds against each other: binary A (say, an older commit's) and binary B, each serving its own
# data dir with the default configuration (gas metering on), measured in interleaved rounds
# (A/B, then B/A, …) so drift of the shared 2-core machine hits both alike. Two workloads:
#   - manifest GET with a bearer token (wrk, 2 threads, 32 connections, 5 s per run), requests/s,
#     and the server's CPU time per request (utime + stime from /proc, which the machine's drift
#     moves less than throughput; run it on an otherwise idle machine);
#   - blob push: monolithic POSTs of 8 distinct 16 MiB blobs per round (curl), MB/s, and the
#     server's CPU time per blob (same /proc counters; 10 ms ticks, so read it over several rounds).
# Prints a table per workload and the B/A ratio of the summed figures.
#   scripts/bench-ab.sh BINARY_A BINARY_B [ROUNDS]   (default 5 rounds)
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BINARY_A BINARY_B [ROUNDS]" >&2; exit 2; }
BIN_A="$(realpath -s "$1")"
BIN_B="$(realpath -s "$2")"
ROUNDS="${3:-5}"
command -v wrk >/dev/null || { echo "wrk is missing (scripts/install-test-deps.sh)" >&2; exit 1; }
unset AEGIS_GAS_METERING # the default configuration, metering on, for both
WORK="$(mktemp -d)"
declare -A URL TOKEN PID
cleanup() {
    local p
    for p in "${PID[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# start NAME BINARY → URL[NAME], TOKEN[NAME], PID[NAME]
start() {
    local name="$1" bin="$2" data="$WORK/$1" port
    mkdir -p "$data"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    "$bin" tenant create bench --data-dir "$data" >/dev/null
    AEGIS_LOG_LEVEL=warning AEGIS_TOKEN_LIFETIME_SECONDS=3600 \
        "$bin" serve --data-dir "$data" --listen "127.0.0.1:$port" >"$data/log" 2>&1 &
    PID[$name]=$!
    for _ in $(seq 1 100); do grep -q "listening" "$data/log" && break; sleep 0.1; done
    grep -q "listening" "$data/log" || { echo "server $name did not start:" >&2; cat "$data/log" >&2; exit 1; }
    local url="http://127.0.0.1:$port" password config
    password="$(cat "$data/initial-admin-password")"
    printf '{}' >"$data/config"
    config="sha256:$(sha256sum "$data/config" | cut -d' ' -f1)"
    curl -sf -u "admin:$password" -o /dev/null -X POST "$url/v2/bench/x/blobs/uploads/?digest=$config" --data-binary @"$data/config"
    local manifest='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"'$config'","size":2},"layers":[]}'
    curl -sf -u "admin:$password" -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
        --data "$manifest" "$url/v2/bench/x/manifests/v1"
    URL[$name]="$url"
    TOKEN[$name]="$(curl -sf -u "admin:$password" "$url/token?service=aegisguard&scope=repository:bench/x:pull,push" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
}
start A "$BIN_A"
start B "$BIN_B"

# Blobs for the push workload: 8 × 16 MiB of fresh random bytes per round, the same for both servers.
BLOBS="$WORK/blobs"
mkdir -p "$BLOBS"
# shellcheck source=scripts/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"

revision() { git -C "$(dirname "$1")" rev-parse --short HEAD 2>/dev/null || echo "?"; }
echo "command: scripts/bench-ab.sh $*"
echo "A: $BIN_A (commit $(revision "$BIN_A"))"
echo "B: $BIN_B (commit $(revision "$BIN_B"))"

declare -A GET_RPS GET_CPU PUSH_MBS PUSH_CPU
GET_ROWS=()
PUSH_ROWS=()
SUM=(0 0 0 0 0 0 0 0)
for round in $(seq 1 "$ROUNDS"); do
    make_blobs
    # Alternate which server goes first, so neither always runs on a warmer machine.
    if ((round % 2)); then order=(A B); else order=(B A); fi
    for s in "${order[@]}"; do read -r "GET_RPS[$s]" "GET_CPU[$s]" <<<"$(rps "${URL[$s]}" "${TOKEN[$s]}" "${PID[$s]}")"; done
    cat "$BLOBS"/* >/dev/null
    for s in "${order[@]}"; do read -r "PUSH_MBS[$s]" "PUSH_CPU[$s]" <<<"$(push "${URL[$s]}" "${TOKEN[$s]}" "${PID[$s]}")"; done
    GET_ROWS+=("| $round | ${GET_RPS[A]} | ${GET_RPS[B]} | ${GET_CPU[A]} | ${GET_CPU[B]} |")
    PUSH_ROWS+=("| $round | ${PUSH_MBS[A]} | ${PUSH_MBS[B]} | ${PUSH_CPU[A]} | ${PUSH_CPU[B]} |")
    v="${GET_RPS[A]},${GET_RPS[B]},${GET_CPU[A]},${GET_CPU[B]},${PUSH_MBS[A]},${PUSH_MBS[B]},${PUSH_CPU[A]},${PUSH_CPU[B]}"
    read -r -a SUM <<<"$(IFS=,; python3 -c "print(' '.join(str(x + y) for x, y in zip([${SUM[*]}], [$v])))")"
done

echo
echo "manifest GET"
echo
echo "| round | A (req/s) | B (req/s) | server CPU per GET, A (µs) | B (µs) |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n' "${GET_ROWS[@]}"
echo
echo "blob push, 8 × 16 MiB per round"
echo
echo "| round | A (MB/s) | B (MB/s) | server CPU per blob, A (ms) | B (ms) |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n' "${PUSH_ROWS[@]}"
python3 - "${SUM[@]}" <<'EOF'
import sys
rps_a, rps_b, cpu_a, cpu_b, mbs_a, mbs_b, pcpu_a, pcpu_b = map(float, sys.argv[1:])
print()
print(f"manifest GET requests/s:          B/A = {rps_b / rps_a:.3f} ({100 * (rps_b / rps_a - 1):+.1f}%)")
print(f"manifest GET server CPU/request:  B/A = {cpu_b / cpu_a:.3f} ({100 * (cpu_b / cpu_a - 1):+.1f}%)")
print(f"blob push MB/s:                   B/A = {mbs_b / mbs_a:.3f} ({100 * (mbs_b / mbs_a - 1):+.1f}%)")
print(f"blob push server CPU/blob:        B/A = {pcpu_b / pcpu_a:.3f} ({100 * (pcpu_b / pcpu_a - 1):+.1f}%)")
EOF
