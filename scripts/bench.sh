#!/usr/bin/env bash
# Benchmark (not a test): AegisGuard next to CNCF Distribution (Debian's docker-registry 2.8) on loopback,
# in one run, and a markdown results table on stdout (and in --out FILE).
#
#   scripts/bench.sh [--out FILE] [AEGIS_BINARY]
#
# AEGIS_BINARY (or env AEGIS_BIN) defaults to .build/release/aegisguard. Progress goes to stderr.
#
# Environment knobs (defaults are the real benchmark; smaller values are only for trying the script):
#   BENCH_TMP          parent of the run's temp dir (default /tmp); needs >= 8 x BENCH_SIZE_MB free (8 GiB)
#   BENCH_SIZE_MB      size of each random blob in MiB (default 1024 = 1 GiB)
#   BENCH_CHUNK_MB     PATCH chunk size for the chunked push, MiB (default 8)
#   BENCH_DURATION     seconds of each wrk and hey run (default 10)
#   BENCH_TAGS         number of extra tags for the tags-list run (default 1000)
#   BENCH_HTTP_TIMEOUT per-request time limit in seconds for curl and the Python client (default 1800)
#   BENCH_LIMIT_RUNS   runs of each machine-limit measurement, best one kept (default 3)
#
# What it measures, for both servers (repository bench/x; AegisGuard tenant "bench"):
#   monolithic push of a 1 GiB random blob (POST + PUT ?digest= with curl -T), pull of it (GET to /dev/null),
#   chunked push of a second 1 GiB blob (8 MiB PATCHes with Content-Range over one keep-alive connection,
#   scripts/bench_client.py), manifest GET throughput (wrk -t2 -c32 --latency), manifest HEAD and GET throughput
#   with hey -c 32 (wrk 4.1.0 cannot do HEAD, see below), 1,000 tag PUTs and tags/list?n=1000 throughput (wrk),
#   peak RSS during the monolithic push; and the machine's own limits on the same file (openssl sha256,
#   cp + sync, and 1/(1/cp + 1/sha) for "cp + hash").
set -euo pipefail

CMDLINE="$(printf '%q ' "$0" "$@")"
CMDLINE="${CMDLINE% }"
START_DIR="$(pwd)"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLIENT="$ROOT/scripts/bench_client.py"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

OUT=""
BIN_ARG=""
while [ $# -gt 0 ]; do
    case "$1" in
        --out) [ $# -ge 2 ] || { echo "--out needs a file" >&2; exit 2; }; OUT="$2"; shift 2 ;;
        --out=*) OUT="${1#--out=}"; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
        *) [ -z "$BIN_ARG" ] || { echo "only one binary path, got '$BIN_ARG' and '$1'" >&2; exit 2; }; BIN_ARG="$1"; shift ;;
    esac
done

BIN="${BIN_ARG:-${AEGIS_BIN:-.build/release/aegisguard}}"
case "$BIN" in
    /*) ;;
    *) if [ -e "$START_DIR/$BIN" ]; then BIN="$START_DIR/$BIN"; else BIN="$ROOT/$BIN"; fi ;;
esac
if [ ! -x "$BIN" ]; then
    echo "AegisGuard binary not found or not executable: $BIN (build it, or pass a path / set AEGIS_BIN)" >&2
    exit 1
fi
if [ -n "$OUT" ]; then
    case "$OUT" in /*) ;; *) OUT="$START_DIR/$OUT" ;; esac
    mkdir -p "$(dirname "$OUT")"
fi

SIZE_MB="${BENCH_SIZE_MB:-1024}"
CHUNK_MB="${BENCH_CHUNK_MB:-8}"
DURATION="${BENCH_DURATION:-10}"
NTAGS="${BENCH_TAGS:-1000}"
HTTP_TIMEOUT="${BENCH_HTTP_TIMEOUT:-1800}"
export BENCH_HTTP_TIMEOUT="$HTTP_TIMEOUT"
for v in SIZE_MB CHUNK_MB DURATION NTAGS HTTP_TIMEOUT; do
    [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || { echo "$v must be a positive integer, got '${!v}'" >&2; exit 2; }
done
[ "$NTAGS" -le 9999 ] || { echo "BENCH_TAGS must be <= 9999 (tags are t0000…t9999)" >&2; exit 2; }
SIZE_BYTES=$((SIZE_MB * 1024 * 1024))
REPO="bench/x"
MANIFEST_TYPE="application/vnd.oci.image.manifest.v1+json"

LOAD_AT_START="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- tools
missing=()
for t in docker-registry wrk openssl curl python3 awk; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "missing: ${missing[*]}"
    if [ -f "$ROOT/scripts/install-test-deps.sh" ]; then
        log "running scripts/install-test-deps.sh"
        bash "$ROOT/scripts/install-test-deps.sh" >&2
    else
        log "apt-get install docker-registry wrk"
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry wrk >&2
    fi
    for t in docker-registry wrk openssl curl python3 awk; do
        command -v "$t" >/dev/null 2>&1 || die "$t still missing after installing"
    done
fi
DIST_BIN="$(command -v docker-registry)"
# wrk 4.1.0 cannot measure HEAD: its HTTP parser waits for the Content-Length body a HEAD answer never has,
# so every connection stalls and wrk reports 0 requests (wg/wrk#198). HEAD throughput is measured with hey
# (Debian package "hey"), and GET is measured with hey as well so the two are comparable.
if ! command -v hey >/dev/null 2>&1; then
    log "apt-get install hey (for HEAD throughput)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hey; } >&2 ||
        log "could not install hey: HEAD throughput will be missing"
fi

# ---------------------------------------------------------------- temp dir, cleanup
TMP_PARENT="${BENCH_TMP:-/tmp}"
mkdir -p "$TMP_PARENT"
need_kb=$((SIZE_MB * 8 * 1024))
avail_kb="$(df -Pk "$TMP_PARENT" | awk 'NR==2 {print $4}')"
if [ "$avail_kb" -lt "$need_kb" ]; then
    die "not enough free space under $TMP_PARENT: $((avail_kb / 1024)) MiB available, $((need_kb / 1024)) MiB needed (set BENCH_TMP to a larger disk)"
fi
WORK="$(mktemp -d "$TMP_PARENT/aegis-bench.XXXXXX")"

AG_PID=""
DIST_PID=""
SAMPLER_PID=""
stop_pid() { # pid name
    local pid="$1" i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then log "$2 ($pid) did not stop in 10 s; SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [ -z "$SAMPLER_PID" ] || { kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; }
    stop_pid "$AG_PID" AegisGuard
    stop_pid "$DIST_PID" Distribution
    [ -z "${WORK:-}" ] || rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers
now() { date +%s.%N; }
# f "awk expression" -> number printed with %.Nf (default 1 decimal); "n/a" if any operand is n/a
calc() { # expr [decimals]
    case "$1" in *n/a*) echo "n/a"; return ;; esac
    awk "BEGIN { v = ($1); printf \"%.${2:-1}f\", v }"
}
mbps() { calc "$1 / $2 / 1000000" 1; } # bytes seconds -> MB/s (10^6 bytes)
ratio() { # a b -> a/b with 2 decimals, or n/a
    case "$1$2" in *n/a*|*fail*) echo "n/a"; return ;; esac
    awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'
}
header_value() { # file name -> value of the last such header (case-insensitive), CR stripped
    tr -d '\r' <"$1" | awk -v n="$2" \
        'BEGIN { FS = ": "; n = tolower(n) } tolower($1) == n { sub(/^[^:]*: */, ""); v = $0 } END { print v }'
}

FAILURES="$WORK/failures.md"
: >"$FAILURES"
record_failure() { # title file-with-details
    {
        printf '### %s\n\n```\n' "$1"
        head -c 6000 "$2"
        printf '\n```\n\n'
    } >>"$FAILURES"
    log "FAILED: $1 (details in the report)"
}
# curl_failure title method url status hdrfile bodyfile [request headers...]
curl_failure() {
    local title="$1" method="$2" url="$3" status="$4" hdr="$5" body="$6"
    shift 6
    local f="$WORK/fail.txt"
    {
        echo "request: $method $url"
        for h in "$@"; do echo "  $h"; done
        echo "response: HTTP status $status"
        [ -s "$hdr" ] && tr -d '\r' <"$hdr" | sed 's/^/  /'
        echo "body:"
        [ -s "$body" ] && head -c 2000 "$body"
    } >"$f"
    record_failure "$title" "$f"
}

cpu_model() {
    local m
    m="$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)"
    [ -n "$m" ] || m="$(lscpu 2>/dev/null | awk -F': *' '/Model name/ {print $2; exit}')"
    echo "${m:-unknown}"
}

# Background sampler of VmRSS (kB) of PID every 0.1 s until STOPFILE exists (bounded: 2 h).
rss_sampler() { # pid outfile stopfile
    local pid="$1" out="$2" stop="$3" max=0 k v _ i
    for ((i = 0; i < 72000; i++)); do
        [ -e "$stop" ] && break
        if [ -r "/proc/$pid/status" ]; then
            while read -r k v _; do
                if [ "$k" = "VmRSS:" ]; then [ "$v" -gt "$max" ] && max="$v"; break; fi
            done <"/proc/$pid/status" 2>/dev/null || true
        fi
        sleep 0.1
    done
    echo "$max" >"$out"
}
status_kb() { # pid field -> kB value of /proc/pid/status field (VmRSS, VmHWM)
    awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}
kb_to_mib() { calc "$1 / 1024" 1; }

# ---------------------------------------------------------------- results store
declare -A R # R[key.server] = value
set_r() { R["$1.$2"]="$3"; }
get_r() { echo "${R["$1.$2"]:-n/a}"; }

# ---------------------------------------------------------------- test data + machine limits
log "work dir $WORK ($((avail_kb / 1024 / 1024)) GiB free)"
BIG1="$WORK/blob-mono.bin"
BIG2="$WORK/blob-chunked.bin"
log "creating two random ${SIZE_MB} MiB files"
head -c "$SIZE_BYTES" /dev/urandom >"$BIG1"
head -c "$SIZE_BYTES" /dev/urandom >"$BIG2"
sync

sha_hex() { openssl dgst -sha256 "$1" | awk '{print $NF}'; }
# Each limit is measured LIMIT_RUNS times and all runs are reported. The ratio uses the median: on these VMs
# writing into freshly allocated pages varies several-fold from run to run (see docs/PERFORMANCE.md), and
# the best run measures recycled page cache, which a registry writing new blobs rarely gets. cp is followed by an fsync of the copy (`sync FILE`), which is what a registry does before it
# publishes a blob; a global `sync` first flushes what earlier steps left dirty.
LIMIT_RUNS="${BENCH_LIMIT_RUNS:-5}"
[[ "$LIMIT_RUNS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_LIMIT_RUNS must be a positive integer"
log "machine limits: openssl dgst -sha256, best of $LIMIT_RUNS"
SHA_S="" SHA_RUNS=""
for ((i = 0; i < LIMIT_RUNS; i++)); do
    t0=$(now); HEX1="$(sha_hex "$BIG1")"; t1=$(now)
    d="$(calc "$t1 - $t0" 3)"
    SHA_RUNS="${SHA_RUNS:+$SHA_RUNS, }$d"
    if [ -z "$SHA_S" ] || [ "$(awk -v a="$d" -v b="$SHA_S" 'BEGIN { print (a < b) }')" = 1 ]; then SHA_S="$d"; fi
done
DIGEST1="sha256:$HEX1"
DIGEST2="sha256:$(sha_hex "$BIG2")"
[ "$DIGEST1" != "$DIGEST2" ] || die "the two random files have the same digest?"
log "machine limits: cp + sync, median of $LIMIT_RUNS"
CP_S="" CP_RUNS=""
for ((i = 0; i < LIMIT_RUNS; i++)); do
    sync
    t0=$(now); cp "$BIG1" "$WORK/copy.bin"; sync "$WORK/copy.bin"; t1=$(now)
    rm -f "$WORK/copy.bin"
    d="$(calc "$t1 - $t0" 3)"
    CP_RUNS="${CP_RUNS:+$CP_RUNS, }$d"
    if [ -z "$CP_S" ] || [ "$(awk -v a="$d" -v b="$CP_S" 'BEGIN { print (a < b) }')" = 1 ]; then CP_S="$d"; fi
done
sync
median() { tr ',' '\n' | sort -n | awk 'NF { a[++n] = $1 } END { print a[int((n + 1) / 2)] }'; }
CP_BEST="$CP_S"
CP_S="$(echo "$CP_RUNS" | median)"
SHA_MBPS="$(mbps "$SIZE_BYTES" "$SHA_S")"
CP_MBPS="$(mbps "$SIZE_BYTES" "$CP_S")"
LIMIT_MBPS="$(calc "1 / (1 / $CP_MBPS + 1 / $SHA_MBPS)" 1)"
log "sha256 $SHA_MBPS MB/s, cp+sync $CP_MBPS MB/s, cp+hash limit $LIMIT_MBPS MB/s"

# ---------------------------------------------------------------- servers
freeport() { python3 "$CLIENT" freeport; }
DIST_PORT="$(freeport)"
DIST_URL="http://127.0.0.1:$DIST_PORT"
mkdir -p "$WORK/dist-data"
# Debian's stock /etc/docker/registry/config.yml also has the in-memory blob descriptor cache; access logs
# are off because AegisGuard at log level warning does not log requests either.
cat >"$WORK/dist-config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/dist-data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$DIST_PORT
EOF
log "starting Distribution on $DIST_URL"
"$DIST_BIN" serve "$WORK/dist-config.yml" >"$WORK/dist.log" 2>&1 &
DIST_PID=$!
python3 "$CLIENT" wait "$DIST_URL" 60 || { cat "$WORK/dist.log" >&2; die "Distribution did not start"; }

AG_PORT="$(freeport)"
AG_URL="http://127.0.0.1:$AG_PORT"
log "creating tenant bench"
"$BIN" tenant create bench --data-dir "$WORK/aegis-data" >"$WORK/tenant.log" 2>&1 ||
    { cat "$WORK/tenant.log" >&2; die "aegisguard tenant create failed"; }
log "starting AegisGuard on $AG_URL"
AEGIS_LOG_LEVEL="${AEGIS_LOG_LEVEL:-warning}" AEGIS_TOKEN_LIFETIME_SECONDS=7200 "$BIN" serve --data-dir "$WORK/aegis-data" \
    --listen "127.0.0.1:$AG_PORT" >"$WORK/aegis.log" 2>&1 &
AG_PID=$!
for ((i = 0; i < 600; i++)); do
    grep -q "AegisGuard listening on" "$WORK/aegis.log" 2>/dev/null && break
    kill -0 "$AG_PID" 2>/dev/null || { cat "$WORK/aegis.log" >&2; die "AegisGuard exited at start"; }
    sleep 0.1
done
python3 "$CLIENT" wait "$AG_URL" 60 || { cat "$WORK/aegis.log" >&2; die "AegisGuard did not start"; }

# AegisGuard is closed by default: every request below carries a bearer token from its token service,
# obtained with the generated administrator password (Distribution, run without auth, ignores the header).
ADMIN_PASSWORD="$(cat "$WORK/aegis-data/initial-admin-password")"
TOKEN="$(curl -sS --max-time 30 -u "admin:$ADMIN_PASSWORD" \
    "$AG_URL/token?service=aegisguard&scope=repository:$REPO:pull,push,delete" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')" || die "could not get a token from AegisGuard"
AUTH="Authorization: Bearer $TOKEN"
export BENCH_AUTH="Bearer $TOKEN"

declare -A URL=([ag]="$AG_URL" [dist]="$DIST_URL")
declare -A NAME=([ag]="AegisGuard" [dist]="Distribution")
pid_of() { if [ "$1" = ag ]; then echo "$AG_PID"; else echo "$DIST_PID"; fi; }
alive_or_die() {
    kill -0 "$AG_PID" 2>/dev/null || { tail -n 50 "$WORK/aegis.log" >&2; die "AegisGuard died"; }
    kill -0 "$DIST_PID" 2>/dev/null || { tail -n 50 "$WORK/dist.log" >&2; die "Distribution died"; }
}

# ---------------------------------------------------------------- 1 + 7: monolithic push with RSS sampling
mono_push() { # server
    local s="$1" base="${URL[$1]}" pid h="$WORK/h.txt" b="$WORK/b.txt" code loc url t0 t1
    pid="$(pid_of "$s")"
    set_r rss_idle "$s" "$(kb_to_mib "$(status_kb "$pid" VmRSS)")"
    rm -f "$WORK/rss.stop" "$WORK/rss.max"
    rss_sampler "$pid" "$WORK/rss.max" "$WORK/rss.stop" &
    SAMPLER_PID=$!
    t0=$(now)
    code="$(curl -sS --max-time 60 -X POST -H "$AUTH" -D "$h" -o "$b" -w '%{http_code}' "$base/v2/$REPO/blobs/uploads/" 2>"$WORK/curl.err")" || code="curl error: $(cat "$WORK/curl.err")"
    if [ "$code" != 202 ]; then
        touch "$WORK/rss.stop"; wait "$SAMPLER_PID" || true; SAMPLER_PID=""
        curl_failure "${NAME[$s]}: monolithic push, POST" POST "$base/v2/$REPO/blobs/uploads/" "$code" "$h" "$b"
        return 1
    fi
    loc="$(header_value "$h" Location)"
    case "$loc" in http://*|https://*) url="$loc" ;; *) url="$base$loc" ;; esac
    case "$url" in *\?*) url="$url&digest=$DIGEST1" ;; *) url="$url?digest=$DIGEST1" ;; esac
    code="$(curl -sS --max-time "$HTTP_TIMEOUT" -X PUT -T "$BIG1" -H "$AUTH" -H 'Content-Type: application/octet-stream' \
        -H 'Expect:' -D "$h" -o "$b" -w '%{http_code}' "$url" 2>"$WORK/curl.err")" || code="curl error: $(cat "$WORK/curl.err")"
    t1=$(now)
    touch "$WORK/rss.stop"; wait "$SAMPLER_PID" || true; SAMPLER_PID=""
    set_r rss_peak "$s" "$(kb_to_mib "$(cat "$WORK/rss.max" 2>/dev/null || echo 0)")"
    set_r rss_hwm "$s" "$(kb_to_mib "$(status_kb "$pid" VmHWM)")"
    if [ "$code" != 201 ]; then
        curl_failure "${NAME[$s]}: monolithic push, PUT" PUT "$url" "$code" "$h" "$b" \
            "Content-Type: application/octet-stream" "Content-Length: $SIZE_BYTES" "(body: $SIZE_MB MiB file)"
        return 1
    fi
    local got
    got="$(header_value "$h" Docker-Content-Digest)"
    if [ -n "$got" ] && [ "$got" != "$DIGEST1" ]; then
        curl_failure "${NAME[$s]}: monolithic push, wrong Docker-Content-Digest" PUT "$url" "$code" "$h" "$b"
        return 1
    fi
    set_r mono_s "$s" "$(calc "$t1 - $t0" 3)"
    set_r mono "$s" "$(mbps "$SIZE_BYTES" "$(calc "$t1 - $t0" 6)")"
}

# ---------------------------------------------------------------- 2: pull
pull() { # server
    local s="$1" base="${URL[$1]}" h="$WORK/h.txt" out code size tt
    out="$(curl -sS --max-time "$HTTP_TIMEOUT" -H "$AUTH" -D "$h" -o /dev/null -w '%{http_code} %{size_download} %{time_total}' \
        "$base/v2/$REPO/blobs/$DIGEST1" 2>"$WORK/curl.err")" || out="curl-error 0 0"
    read -r code size tt <<<"$out"
    if [ "$code" != 200 ] || [ "$size" != "$SIZE_BYTES" ]; then
        { echo "($size bytes received, $SIZE_BYTES expected) $(cat "$WORK/curl.err")"; echo "body of a second GET:"
          curl -sS --max-time 30 --max-filesize 100000 -H "$AUTH" "$base/v2/$REPO/blobs/$DIGEST1" 2>&1 | head -c 2000; } >"$WORK/b.txt"
        curl_failure "${NAME[$s]}: pull" GET "$base/v2/$REPO/blobs/$DIGEST1" "$code" "$h" "$WORK/b.txt"
        return 1
    fi
    set_r pull_s "$s" "$(calc "$tt" 3)"
    set_r pull "$s" "$(mbps "$SIZE_BYTES" "$tt")"
}

# ---------------------------------------------------------------- 3: chunked push
chunked() { # server
    local s="$1" secs
    if ! secs="$(python3 "$CLIENT" chunked "${URL[$s]}" "$REPO" "$BIG2" "$DIGEST2" $((CHUNK_MB * 1024 * 1024)) 2>"$WORK/py.err" | cut -d" " -f1)"; then
        record_failure "${NAME[$s]}: chunked push (${CHUNK_MB} MiB PATCHes)" "$WORK/py.err"
        return 1
    fi
    set_r chunked_s "$s" "$(calc "$secs" 3)"
    set_r chunked "$s" "$(mbps "$SIZE_BYTES" "$secs")"
}

# ---------------------------------------------------------------- 4 + 5: wrk
to_ms() { # "1.23ms" / "850.00us" / "1.20s" / "1.00m" -> milliseconds
    awk -v x="$1" 'BEGIN {
        if (match(x, /^[0-9.]+/) == 0) { print "n/a"; exit }
        n = substr(x, 1, RLENGTH); u = substr(x, RLENGTH + 1)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
        if (f < 0) print "n/a"; else printf "%.3f", n * f }'
}
run_wrk() { # key server url [anonymous]
    local key="$1" s="$2" url="$3" out="$WORK/wrk-$1-$2.txt" args
    args=(-t2 -c32 "-d${DURATION}s" --latency -H "Accept: $MANIFEST_TYPE")
    [ "${4:-}" = anonymous ] || args+=(-H "$AUTH")
    if ! timeout $((DURATION + 60)) wrk "${args[@]}" "$url" >"$out" 2>&1; then
        record_failure "${NAME[$s]}: wrk $key on $url" "$out"
        return 1
    fi
    local rps p50 p99 total non2xx sockerr
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
    p50="$(awk '$1 == "50%" {print $2}' "$out")"
    p99="$(awk '$1 == "99%" {print $2}' "$out")"
    total="$(awk '/requests in/ {print $1; exit}' "$out")"
    non2xx="$(awk -F': *' '/Non-2xx or 3xx responses/ {print $2}' "$out")"
    sockerr="$(awk '/Socket errors/ {sub(/^ *Socket errors: */, ""); print}' "$out")"
    set_r "$key.rps" "$s" "$(calc "${rps:-0}" 0)"
    set_r "$key.p50" "$s" "${p50:-n/a}"
    set_r "$key.p99" "$s" "${p99:-n/a}"
    set_r "$key.p99ms" "$s" "$(to_ms "${p99:-n/a}")"
    set_r "$key.total" "$s" "${total:-0}"
    set_r "$key.err" "$s" "$(
        e="${non2xx:-0} non-2xx"
        [ -z "$sockerr" ] || e="$e; socket errors: $sockerr"
        echo "$e"
    )"
    if [ "${total:-0}" = 0 ] || [ -n "$non2xx" ]; then
        record_failure "${NAME[$s]}: wrk $key had errors (${non2xx:-0} non-2xx of ${total:-0})" "$out"
    fi
}

secs_to_ms() { case "$1" in ""|n/a) echo "n/a" ;; *) calc "$1 * 1000" 2 ;; esac; }
run_hey() { # key server url method
    local key="$1" s="$2" url="$3" method="$4" out="$WORK/hey-$1-$2.txt"
    if ! command -v hey >/dev/null 2>&1; then
        echo "hey is not installed" >"$out"; record_failure "${NAME[$s]}: hey $key" "$out"; return 1
    fi
    if ! timeout $((DURATION + 60)) hey -z "${DURATION}s" -c 32 -m "$method" -H "Accept: $MANIFEST_TYPE" -H "$AUTH" \
        -disable-compression "$url" >"$out" 2>&1; then
        record_failure "${NAME[$s]}: hey $key on $url" "$out"
        return 1
    fi
    local rps p50 p99 ok total
    rps="$(awk '/Requests\/sec:/ {print $2}' "$out")"
    p50="$(awk '$1 == "50%" && $2 == "in" {print $3}' "$out")"
    p99="$(awk '$1 == "99%" && $2 == "in" {print $3}' "$out")"
    ok="$(awk '/^ *\[2[0-9][0-9]\]/ {n += $2} END {print n + 0}' "$out")"
    total="$(awk '/^Status code distribution/ {f = 1; next} f && /^ *\[[0-9]+\]/ {n += $2} /^Error distribution/ {f = 0} END {print n + 0}' "$out")"
    local errs
    errs="$(awk '/^Error distribution/ {f = 1; next} f && /^ *\[[0-9]+\]/ {n += substr($1, 2, length($1) - 2)} END {print n + 0}' "$out")"
    set_r "$key.rps" "$s" "$(calc "${rps:-0}" 0)"
    set_r "$key.p50" "$s" "$(secs_to_ms "${p50:-n/a}")ms"
    set_r "$key.p99" "$s" "$(secs_to_ms "${p99:-n/a}")ms"
    set_r "$key.p99ms" "$s" "$(secs_to_ms "${p99:-n/a}")"
    set_r "$key.total" "$s" "$total"
    set_r "$key.err" "$s" "$((total - ok)) non-2xx; $errs transport errors"
    if [ "$ok" = 0 ] || [ "$ok" != "$total" ] || [ "$errs" != 0 ]; then
        record_failure "${NAME[$s]}: hey $key had errors ($((total - ok)) non-2xx of $total, $errs transport errors)" "$out"
    fi
}

# ---------------------------------------------------------------- run, side by side
for s in dist ag; do
    log "${NAME[$s]}: monolithic push of $SIZE_MB MiB (POST + PUT), sampling RSS"
    mono_push "$s" || true
    alive_or_die
done
for s in dist ag; do
    log "${NAME[$s]}: pull of $SIZE_MB MiB"
    pull "$s" || true
    alive_or_die
done
for s in dist ag; do
    log "${NAME[$s]}: chunked push of $SIZE_MB MiB in ${CHUNK_MB} MiB PATCHes"
    chunked "$s" || true
    alive_or_die
done
declare -A HAVE_MANIFEST=()
for s in dist ag; do
    log "${NAME[$s]}: pushing a small OCI image manifest as v1"
    if python3 "$CLIENT" manifest "${URL[$s]}" "$REPO" v1 >"$WORK/manifest-$s.txt" 2>"$WORK/py.err"; then
        HAVE_MANIFEST[$s]=1
    else
        record_failure "${NAME[$s]}: manifest push (config + layer blobs, PUT manifests/v1)" "$WORK/py.err"
    fi
done
for s in dist ag; do
    [ -n "${HAVE_MANIFEST[$s]:-}" ] || continue
    log "${NAME[$s]}: wrk ${DURATION}s GET manifests/v1"
    run_wrk get "$s" "${URL[$s]}/v2/$REPO/manifests/v1" || true
    alive_or_die
done
if [ -n "${HAVE_MANIFEST[ag]:-}" ]; then
    # The cost of authentication: the same GET anonymously on a public repository.
    "$BIN" repo public "$REPO" true --data-dir "$WORK/aegis-data" >/dev/null
    sleep 6  # the public flag is cached for 5 s
    log "AegisGuard: wrk ${DURATION}s GET manifests/v1, anonymous (public repository)"
    run_wrk getanon ag "$AG_URL/v2/$REPO/manifests/v1" anonymous || true
    "$BIN" repo public "$REPO" false --data-dir "$WORK/aegis-data" >/dev/null
    alive_or_die
fi
for s in dist ag; do
    [ -n "${HAVE_MANIFEST[$s]:-}" ] || continue
    log "${NAME[$s]}: hey ${DURATION}s HEAD manifests/v1"
    run_hey head "$s" "${URL[$s]}/v2/$REPO/manifests/v1" HEAD || true
    alive_or_die
done
for s in dist ag; do
    [ -n "${HAVE_MANIFEST[$s]:-}" ] || continue
    log "${NAME[$s]}: hey ${DURATION}s GET manifests/v1 (same tool as HEAD)"
    run_hey heyget "$s" "${URL[$s]}/v2/$REPO/manifests/v1" GET || true
    alive_or_die
done
for s in dist ag; do
    [ -n "${HAVE_MANIFEST[$s]:-}" ] || continue
    log "${NAME[$s]}: PUT the manifest under $NTAGS tags"
    if secs="$(python3 "$CLIENT" tags "${URL[$s]}" "$REPO" "$NTAGS" 2>"$WORK/py.err")"; then
        set_r tagput_s "$s" "$(calc "$secs" 2)"
        set_r tagput "$s" "$(calc "$NTAGS / $secs" 0)"
        read -r cnt bytes link < <(python3 "$CLIENT" tagcount "${URL[$s]}" "$REPO" 1000 2>"$WORK/py.err" || echo "n/a n/a n/a")
        set_r tagcount "$s" "$cnt tags, $bytes bytes, Link: $link"
        log "${NAME[$s]}: wrk ${DURATION}s GET tags/list?n=1000"
        run_wrk tags "$s" "${URL[$s]}/v2/$REPO/tags/list?n=1000" || true
    else
        record_failure "${NAME[$s]}: $NTAGS tag PUTs" "$WORK/py.err"
    fi
    alive_or_die
done

# ---------------------------------------------------------------- report
AG_VERSION="$("$BIN" --version 2>/dev/null | head -n1 || echo unknown)"
DIST_VERSION="$("$DIST_BIN" --version 2>/dev/null | head -n1 || echo unknown)"
WRK_VERSION="$(wrk --version 2>&1 | head -n1 | awk '{print $1, $2}' || true)"
HEY_VERSION="hey $(dpkg-query -W -f='${Version}' hey 2>/dev/null || echo '?')"
REPORT="$WORK/report.md"
row() { # label key [ratio: yes|no]
    local a d r="" ; a="$(get_r "$2" ag)"; d="$(get_r "$2" dist)"
    [ "${3:-yes}" = yes ] && r="$(ratio "$a" "$d")"
    printf '| %s | %s | %s | %s |\n' "$1" "$a" "$d" "$r"
}
{
    echo "# AegisGuard vs CNCF Distribution — benchmark"
    echo
    echo "- command: \`$CMDLINE\`"
    echo "- AEGIS_BIN: \`$BIN\` ($AG_VERSION)"
    echo "- Distribution: \`$DIST_BIN\` ($DIST_VERSION); $WRK_VERSION; $HEY_VERSION; $(openssl version 2>/dev/null)"
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- load average (1/5/15 min) at start: $LOAD_AT_START, at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
    echo "- nproc: $(nproc); CPU: $(cpu_model); memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "- kernel: $(uname -sr); temp dir: \`$WORK\` ($(df -P "$WORK" | awk 'NR==2 {print $1}'))"
    echo "- blob size: $SIZE_MB MiB ($SIZE_BYTES bytes); chunk: $CHUNK_MB MiB; wrk: -t2 -c32 -d${DURATION}s --latency; hey: -c 32 -z ${DURATION}s; tags: $NTAGS (+ v1)"
    echo "- MB = 10^6 bytes, MiB = 2^20 bytes; repository \`$REPO\` on both; everything on 127.0.0.1"
    echo
    echo "## Results"
    echo
    echo "| measurement | AegisGuard | Distribution | AegisGuard / Distribution |"
    echo "|---|---:|---:|---:|"
    row "monolithic push, POST + PUT (MB/s)" mono
    row "monolithic push time (s)" mono_s
    row "pull, GET to /dev/null (MB/s)" pull
    row "pull time (s)" pull_s
    row "chunked push, ${CHUNK_MB} MiB PATCHes, keep-alive (MB/s)" chunked
    row "chunked push time (s)" chunked_s
    row "RSS idle before the push (MiB)" rss_idle
    row "peak RSS during the monolithic push, 0.1 s samples (MiB)" rss_peak
    row "VmHWM after the monolithic push (MiB)" rss_hwm
    row "manifest GET (requests/s)" get.rps
    row "manifest GET p50" get.p50 no
    row "manifest GET p99" get.p99 no
    row "manifest GET p99 (ms)" get.p99ms
    row "manifest GET requests in the run" get.total no
    row "manifest GET errors" get.err no
    row "manifest GET, AegisGuard anonymous on a public repository, no token (requests/s)" getanon.rps no
    row "manifest GET, anonymous p99 (ms)" getanon.p99ms no
    row "manifest HEAD, hey (requests/s)" head.rps
    row "manifest HEAD, hey p50" head.p50 no
    row "manifest HEAD, hey p99" head.p99 no
    row "manifest HEAD, hey p99 (ms)" head.p99ms
    row "manifest HEAD, hey errors" head.err no
    row "manifest GET, hey (requests/s)" heyget.rps
    row "manifest GET, hey p50" heyget.p50 no
    row "manifest GET, hey p99" heyget.p99 no
    row "manifest GET, hey p99 (ms)" heyget.p99ms
    row "manifest GET, hey errors" heyget.err no
    row "tag PUTs, keep-alive (tags/s)" tagput
    row "tags/list?n=1000 answer" tagcount no
    row "tags/list?n=1000 (requests/s)" tags.rps
    row "tags/list?n=1000 p50" tags.p50 no
    row "tags/list?n=1000 p99" tags.p99 no
    row "tags/list?n=1000 p99 (ms)" tags.p99ms
    row "tags/list errors" tags.err no
    echo
    echo "## The machine's own limits on the same file"
    echo
    echo "| measurement | value |"
    echo "|---|---:|"
    echo "| openssl dgst -sha256, best of $LIMIT_RUNS | $SHA_MBPS MB/s ($SHA_S s; runs: $SHA_RUNS s) |"
    echo "| cp + sync of the copy, same directory, median of $LIMIT_RUNS | $CP_MBPS MB/s ($CP_S s; best $CP_BEST s; runs: $CP_RUNS s) |"
    echo "| cp + hash limit, 1/(1/cp + 1/sha) | $LIMIT_MBPS MB/s |"
    echo
    echo "## Ratios"
    echo
    echo "| ratio | value |"
    echo "|---|---:|"
    echo "| AegisGuard monolithic push / cp + hash limit | $(ratio "$(get_r mono ag)" "$LIMIT_MBPS") |"
    echo "| AegisGuard manifest GET with a bearer token / anonymous (1.00 = authentication is free) | $(ratio "$(get_r get.rps ag)" "$(get_r getanon.rps ag)") |"
    echo "| AegisGuard chunked push / cp + hash limit | $(ratio "$(get_r chunked ag)" "$LIMIT_MBPS") |"
    echo "| Distribution monolithic push / cp + hash limit | $(ratio "$(get_r mono dist)" "$LIMIT_MBPS") |"
    echo "| push, monolithic: AegisGuard / Distribution | $(ratio "$(get_r mono ag)" "$(get_r mono dist)") |"
    echo "| pull: AegisGuard / Distribution | $(ratio "$(get_r pull ag)" "$(get_r pull dist)") |"
    echo "| manifest GET requests/s: AegisGuard / Distribution | $(ratio "$(get_r get.rps ag)" "$(get_r get.rps dist)") |"
    echo "| manifest HEAD requests/s (hey): AegisGuard / Distribution | $(ratio "$(get_r head.rps ag)" "$(get_r head.rps dist)") |"
    echo "| manifest GET requests/s (hey): AegisGuard / Distribution | $(ratio "$(get_r heyget.rps ag)" "$(get_r heyget.rps dist)") |"
    echo "| manifest GET p99: AegisGuard / Distribution (lower is better) | $(ratio "$(get_r get.p99ms ag)" "$(get_r get.p99ms dist)") |"
    echo "| manifest HEAD p99 (hey): AegisGuard / Distribution (lower is better) | $(ratio "$(get_r head.p99ms ag)" "$(get_r head.p99ms dist)") |"
    echo "| tags/list p99: AegisGuard / Distribution (lower is better) | $(ratio "$(get_r tags.p99ms ag)" "$(get_r tags.p99ms dist)") |"
    echo "| peak RSS during push: AegisGuard / Distribution | $(ratio "$(get_r rss_peak ag)" "$(get_r rss_peak dist)") |"
    echo
    if [ -s "$FAILURES" ]; then
        echo "## Failures"
        echo
        cat "$FAILURES"
    else
        echo "No step failed."
    fi
    echo
    echo "Distribution config: filesystem storage, delete enabled, blobdescriptor cache inmemory (as in Debian's"
    echo "stock config), log level error, access log off. AegisGuard: AEGIS_LOG_LEVEL=${AEGIS_LOG_LEVEL:-warning}, defaults otherwise."
    echo "HEAD is measured with hey -c 32 (wrk 4.1.0 stalls on HEAD answers that carry Content-Length, wg/wrk#198);"
    echo "the hey GET rows measure GET with the same tool, for a like-for-like HEAD/GET comparison."
    echo "tags/list?n=1000 runs over $((NTAGS + 1)) tags (v1 and t0000…); the \"answer\" row shows what each server returned for n=1000."
    echo "Both servers and the load generator share the same $(nproc) cores; page cache is warm (the files were just written)."
} >"$REPORT"

cat "$REPORT"
if [ -n "$OUT" ]; then
    cp "$REPORT" "$OUT"
    log "report written to $OUT"
fi
