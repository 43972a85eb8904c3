#!/usr/bin/env bash
# Bounded fuzzing of a live AegisGuard on 127.0.0.1 (scripts/fuzz.py, standard-library Python).
#
#   scripts/fuzz-tests.sh [AEGIS_BINARY]      (default .build/debug/aegisguard)
#
#   FUZZ_SEED=N         reproduce a run (printed at the start; random otherwise)
#   FUZZ_ITERATIONS=N   random requests after the corpus (default 10000, about 30 s on 2 cores)
#   FUZZ_SECONDS=S      time budget of the fuzzing itself (default 100; the whole script stays under ~3 min)
#   FUZZ_OUT=DIR        where failures-<seed>.jsonl goes (default scripts/fuzz-corpus)
#   FUZZ_CORPUS=DIR     the corpus replayed first (default scripts/fuzz-corpus; FUZZ_ITERATIONS=0 replays only it)
#   FUZZ_MAX_RESTARTS=N restarts after a server crash, to keep fuzzing past it (default 5; each crash costs
#                       ~10 s, mostly the Swift backtrace that names the crashing line, all within the budget)
#   FUZZ_NO_API_CODE=1, FUZZ_LENIENT_PARSER=1   relax two oracle rules (see scripts/fuzz.py --help)
#
# Starts the binary with a fresh data directory (tenants acme and globex, a developer user `dev` in
# acme), pushes a small known image to acme/pristine:v1 (config, two layers — the second in two
# PATCH chunks —, manifest, tag) and one to globex/secret:v1 (as admin), replays scripts/fuzz-corpus/*.json,
# fuzzes, and then checks that the pushed manifest and blobs read back byte-identical and that the
# server is still running. If the server dies, the crash is reported and the server restarted on the
# same data directory; fuzzing resumes after the input that killed it. Prints `ok - …`/`not ok - …`
# and `N passed, M failed`; exits 1 on any failure.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${1:-.build/debug/aegisguard}"
case "$BIN" in /*) ;; *) if [ -e "$PWD/$BIN" ]; then BIN="$PWD/$BIN"; else BIN="$ROOT/$BIN"; fi ;; esac
[ -x "$BIN" ] || { echo "fuzz-tests: no executable at $BIN" >&2; exit 2; }
for t in curl python3 sha256sum timeout; do
    command -v "$t" >/dev/null 2>&1 || { echo "fuzz-tests: $t is missing" >&2; exit 2; }
done
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"

SEED="${FUZZ_SEED:-$(( (RANDOM << 15 | RANDOM) + 1 ))}"
ITERATIONS="${FUZZ_ITERATIONS:-10000}"
SECONDS_BUDGET="${FUZZ_SECONDS:-100}"
MAX_RESTARTS="${FUZZ_MAX_RESTARTS:-5}"
OUT="${FUZZ_OUT:-$ROOT/scripts/fuzz-corpus}"
CORPUS="${FUZZ_CORPUS:-$ROOT/scripts/fuzz-corpus}"
echo "# fuzz-tests: seed $SEED (FUZZ_SEED=$SEED reproduces this run), $ITERATIONS iterations, ${SECONDS_BUDGET} s budget"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/aegis-fuzz-tests.XXXXXX")"
SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
    fi
    [ -n "$SERVER_PID" ] && wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
}
cleanup() { stop_server; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
not_ok() { FAILED=$((FAILED + 1)); echo "not ok - $1"; [ -n "${2:-}" ] && [ -s "$2" ] && tail -n 20 "$2" | sed 's/^/#   /'; }
finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ] && exit 0; exit 1; }

DATA="$TMP/data"
INSTANCE=0
# A crash's backtrace is kept short so the dying server is gone within a second or two.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=yes,interactive=no,threads=crashed}"
# Login throttling off: a tenth of the cases carry a wrong password for the fuzzing user and expect
# 401, which a lock would turn into 429 (and, once the cache expires, the right password too).
# Throttling has tests of its own (scripts/tls_tests.py, LoginThrottlingTests).
export AEGIS_LOGIN_FAILURES_PER_USER=0
start() {
    INSTANCE=$((INSTANCE + 1))
    LOG="$TMP/server.$INSTANCE.log"
    if ! start_aegis "$BIN" "$DATA" "$LOG"; then
        not_ok "server $INSTANCE started" "$LOG"
        finish
    fi
    REG="127.0.0.1:$PORT"
}

for tenant in acme globex; do
    "$BIN" tenant create "$tenant" --data-dir "$DATA" >"$TMP/tenant.log" 2>&1 || { not_ok "tenant create $tenant" "$TMP/tenant.log"; finish; }
done
start
echo "# AegisGuard at http://$REG ($BIN)"
ADMIN_PASSWORD="$(cat "$DATA/initial-admin-password")"
DEV_PASSWORD="fuzz-developer-$SEED-pw"

# c ARGS…: curl with a bound; prints the status code.
c() { curl -s -o "$TMP/body" -D "$TMP/head" -w '%{http_code}' --max-time 20 "$@"; }
setup_users() {
    [ "$(c -u "admin:$ADMIN_PASSWORD" -H 'Content-Type: application/json' \
        -d "{\"name\":\"dev\",\"password\":\"$DEV_PASSWORD\"}" "http://$REG/api/v1/users")" = 201 ] &&
        [ "$(c -u "admin:$ADMIN_PASSWORD" -X PUT -H 'Content-Type: application/json' -d '{"role":"developer"}' \
            "http://$REG/api/v1/tenants/acme/members/dev")" = 200 ]
}
if setup_users; then ok "developer user dev created in acme through /api/v1"; else not_ok "developer user dev created" "$TMP/body"; finish; fi

# --- the image that must survive the fuzzing ---------------------------------------------------------
IMG="$TMP/image"
mkdir -p "$IMG"
python3 - "$IMG" <<'EOF'
import hashlib, json, os, random, sys
d = sys.argv[1]
rng = random.Random(20261202)  # fixed: the same digests on every run, so recorded failures replay
layer1 = bytes(rng.randrange(256) for _ in range(3000))
layer2 = bytes(rng.randrange(256) for _ in range(5000))
diff = lambda b: "sha256:" + hashlib.sha256(b).hexdigest()
config = json.dumps({"architecture": "amd64", "os": "linux",
                     "rootfs": {"type": "layers", "diff_ids": [diff(layer1), diff(layer2)]}}, sort_keys=True).encode()
def desc(mt, b): return {"mediaType": mt, "digest": diff(b), "size": len(b)}
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": desc("application/vnd.oci.image.config.v1+json", config),
                       "layers": [desc("application/vnd.oci.image.layer.v1.tar", layer1),
                                  desc("application/vnd.oci.image.layer.v1.tar", layer2)]}, indent=1).encode()
for name, b in (("config", config), ("layer1", layer1), ("layer2", layer2), ("manifest", manifest)):
    open(os.path.join(d, name), "wb").write(b)
EOF
dg() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }
MT='application/vnd.oci.image.manifest.v1+json'
push_image() {  # REPO USER:PASSWORD
    local repo="$1" cred="$2" loc code
    for f in config layer1; do
        code="$(c -u "$cred" -X POST -H 'Content-Type: application/octet-stream' --data-binary "@$IMG/$f" \
            "http://$REG/v2/$repo/blobs/uploads/?digest=$(dg "$IMG/$f")")"
        [ "$code" = 201 ] || { echo "monolithic $f push answered $code"; cat "$TMP/body"; return 1; }
    done
    # layer2 in two chunks
    code="$(c -u "$cred" -X POST "http://$REG/v2/$repo/blobs/uploads/")"
    [ "$code" = 202 ] || { echo "POST uploads answered $code"; return 1; }
    loc="$(sed -n 's/^[Ll]ocation: *\([^[:space:]]*\).*/\1/p' "$TMP/head")"
    head -c 2048 "$IMG/layer2" >"$TMP/chunk1"
    tail -c +2049 "$IMG/layer2" >"$TMP/chunk2"
    code="$(c -u "$cred" -X PATCH -H 'Content-Type: application/octet-stream' -H 'Content-Range: 0-2047' \
        --data-binary "@$TMP/chunk1" "http://$REG$loc")"
    [ "$code" = 202 ] || { echo "first PATCH answered $code"; cat "$TMP/body"; return 1; }
    loc="$(sed -n 's/^[Ll]ocation: *\([^[:space:]]*\).*/\1/p' "$TMP/head")"
    code="$(c -u "$cred" -X PATCH -H 'Content-Type: application/octet-stream' \
        -H "Content-Range: 2048-$(($(wc -c <"$IMG/layer2") - 1))" --data-binary "@$TMP/chunk2" "http://$REG$loc")"
    [ "$code" = 202 ] || { echo "second PATCH answered $code"; cat "$TMP/body"; return 1; }
    loc="$(sed -n 's/^[Ll]ocation: *\([^[:space:]]*\).*/\1/p' "$TMP/head")"
    case "$loc" in *\?*) sep='&' ;; *) sep='?' ;; esac
    code="$(c -u "$cred" -X PUT -H 'Content-Length: 0' "http://$REG$loc${sep}digest=$(dg "$IMG/layer2")")"
    [ "$code" = 201 ] || { echo "closing PUT answered $code"; cat "$TMP/body"; return 1; }
    code="$(c -u "$cred" -X PUT -H "Content-Type: $MT" --data-binary "@$IMG/manifest" "http://$REG/v2/$repo/manifests/v1")"
    [ "$code" = 201 ] || { echo "manifest PUT answered $code"; cat "$TMP/body"; return 1; }
}
if push_image acme/pristine "dev:$DEV_PASSWORD" >"$TMP/push.log" 2>&1; then
    ok "pushed acme/pristine:v1 as dev (config, 2 layers, one in 2 chunks, manifest, tag)"
else not_ok "push acme/pristine:v1" "$TMP/push.log"; finish; fi
if push_image globex/secret "admin:$ADMIN_PASSWORD" >"$TMP/push2.log" 2>&1; then
    ok "pushed globex/secret:v1 as admin (another tenant's repository)"
else not_ok "push globex/secret:v1" "$TMP/push2.log"; finish; fi

# --- fuzzing -----------------------------------------------------------------------------------------
START_TIME="$(date +%s)"
START_INDEX=0
RESTARTS=0
CRASHES=0
FUZZ_FAILED=0
: >"$TMP/crashes"
SKIP=()  # labels of random cases that crashed the server: not repeated after a restart
while :; do
    left=$((SECONDS_BUDGET - ($(date +%s) - START_TIME)))
    [ "$left" -lt 5 ] && left=5
    FUZZ_PASSWORD="$DEV_PASSWORD" FUZZ_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
        timeout $((left + 90)) python3 "$ROOT/scripts/fuzz.py" --url "http://$REG" --user dev --pristine acme/pristine:v1 --seed "$SEED" --iterations "$ITERATIONS" \
        --seconds "$left" --out "$OUT" --corpus "$CORPUS" --start-index "$START_INDEX" --server-pid "$SERVER_PID" --state "$TMP/fuzz-state.json" "${SKIP[@]}" \
        >"$TMP/fuzz.out" 2>"$TMP/fuzz.err"
    rc=$?
    # The tallies are cumulative: the details are printed once, by the last run.
    if [ "$rc" = 3 ] && [ "$RESTARTS" -lt "$MAX_RESTARTS" ]; then
        grep -v -e '^not ok' -e '^#   ' "$TMP/fuzz.out"
    else
        cat "$TMP/fuzz.out"
    fi
    [ -s "$TMP/fuzz.err" ] && sed 's/^/# fuzz.py: /' "$TMP/fuzz.err"
    [ "$rc" = 1 ] && FUZZ_FAILED=1
    if [ "$rc" = 3 ]; then
        CRASHES=$((CRASHES + 1))
        FUZZ_FAILED=1
        died="$(sed -n 's/^SERVER-DIED-AT \([0-9]*\)$/\1/p' "$TMP/fuzz.out" | tail -n 1)"
        label="$(sed -n 's/^SERVER-DIED-LABEL //p' "$TMP/fuzz.out" | tail -n 1)"
        case "$label" in "" | corpus:* | liveness) ;; *) SKIP+=(--skip-label "$label") ;; esac
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        {
            echo "crash $CRASHES at index ${died:-?}, ${label:-?} (server log $INSTANCE):"
            grep -m1 -E 'Fatal error|runtime failure|Crash|signal' "$LOG"
            grep -E ' at /.*/Sources/' "$LOG" | head -n 4
        } >>"$TMP/crashes"
        stop_server
        if [ "$RESTARTS" -ge "$MAX_RESTARTS" ] || [ -z "$died" ]; then
            echo "# fuzz-tests: not restarting the server again"
            start
            break
        fi
        RESTARTS=$((RESTARTS + 1))
        echo "# fuzz-tests: the server died; restart $RESTARTS on the same data directory, resuming after index $died"
        start
        START_INDEX=$((died + 1))
        continue
    fi
    [ "$rc" = 0 ] || [ "$rc" = 1 ] || { FUZZ_FAILED=1; not_ok "fuzz.py ran (exit $rc; 124 means it ran out of time)" "$TMP/fuzz.err"; }
    break
done
FUZZ_TIME=$(($(date +%s) - START_TIME))
if [ "$CRASHES" -gt 0 ]; then
    not_ok "the server survived the fuzzing ($CRASHES crash(es))"
    sed 's/^/#   /' "$TMP/crashes"
else
    ok "the server survived the fuzzing"
fi
if [ "$FUZZ_FAILED" = 0 ]; then ok "fuzz: every answer met the oracle ($FUZZ_TIME s)"; else
    not_ok "fuzz: answers broke the oracle, see above and $OUT/failures-$SEED.jsonl ($FUZZ_TIME s)"; fi

# --- the pushed data is intact, the server alive -----------------------------------------------------
same_bytes() {  # URL-PATH FILE [extra curl args]
    local path="$1" file="$2"; shift 2
    local code
    code="$(curl -s -o "$TMP/got" -w '%{http_code}' --max-time 20 -u "dev:$DEV_PASSWORD" "$@" "http://$REG$path")"
    echo "$path: $code, sha256 $(sha256sum <"$TMP/got" | cut -d' ' -f1), expected $(sha256sum <"$file" | cut -d' ' -f1)"
    [ "$code" = 200 ] && cmp -s "$TMP/got" "$file"
}
verify() {
    local m
    m="$(dg "$IMG/manifest")"
    same_bytes /v2/acme/pristine/manifests/v1 "$IMG/manifest" -H "Accept: $MT" &&
        same_bytes "/v2/acme/pristine/manifests/$m" "$IMG/manifest" -H "Accept: $MT" &&
        same_bytes "/v2/acme/pristine/blobs/$(dg "$IMG/config")" "$IMG/config" &&
        same_bytes "/v2/acme/pristine/blobs/$(dg "$IMG/layer1")" "$IMG/layer1" &&
        same_bytes "/v2/acme/pristine/blobs/$(dg "$IMG/layer2")" "$IMG/layer2" &&
        curl -sf --max-time 20 -u "dev:$DEV_PASSWORD" "http://$REG/v2/acme/pristine/tags/list" | tee /dev/stderr |
            python3 -c 'import json,sys; assert json.load(sys.stdin)["tags"] == ["v1"]'
}
if verify >"$TMP/verify.log" 2>&1; then ok "acme/pristine:v1 reads back byte-identical (manifest by tag and digest, 3 blobs, tags)"
else not_ok "acme/pristine:v1 reads back byte-identical" "$TMP/verify.log"; fi
alive() { kill -0 "$SERVER_PID" && [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "dev:$DEV_PASSWORD" "http://$REG/v2/")" = 200 ]; }
if alive 2>/dev/null; then ok "server process still running and answering GET /v2/"; else not_ok "server still running" "$LOG"; fi
echo "# fuzz-tests: $(($(date +%s) - START_TIME)) s after the setup"
finish
