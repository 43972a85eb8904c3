#!/usr/bin/env bash
# WASM end to end against a live AegisGuard on 127.0.0.1: oras-py pushes the committed fixture
# modules in the CNCF wasm layout, `aegisguard run` runs them (output, exit codes, gas), and 1,000
# adversarial runs in a row (infinite loop, memory bomb, deep recursion, huge output, forbidden file)
# leave the server's RSS flat while it keeps serving registry traffic.
#   scripts/wasm-tests.sh [AEGIS_BINARY]   (default .build/debug/aegisguard)
# Prints `ok - NAME` / `not ok - NAME` and `N passed, M failed`; exits 1 if anything failed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$(cd "$(dirname "${1:-.build/debug/aegisguard}")" && pwd)/$(basename "${1:-.build/debug/aegisguard}")"
source "$ROOT/scripts/lib.sh"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/aegis-wasm-tests.XXXXXX")"
trap 'kill "$SERVER_PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$TMP"' EXIT
PASSED=0
FAILED=0
check() { # NAME CONDITION-COMMAND…
    local name="$1"; shift
    if "$@" >"$TMP/check.log" 2>&1; then PASSED=$((PASSED + 1)); echo "ok - $name"
    else FAILED=$((FAILED + 1)); echo "not ok - $name"; sed 's/^/#   /' "$TMP/check.log" | tail -n 20; fi
}

DATA="$TMP/data"
"$BIN" tenant create acme --data-dir "$DATA" >/dev/null
# Small memory cap: the memory bomb reaches it quickly even in a debug build.
export AEGIS_WASM_MEMORY_BYTES=$((4 << 20))
start_aegis "$BIN" "$DATA" "$TMP/server.log" || { cat "$TMP/server.log"; echo "0 passed, 1 failed"; exit 1; }
REG="127.0.0.1:$PORT"
export AEGIS_USER=admin AEGIS_PASSWORD="$(cat "$DATA/initial-admin-password")"
export AEGIS_USERNAME=admin AEGIS_CONFIG_DIR="$TMP/cli"
echo "# AegisGuard at http://$REG ($BIN)"

for module in hello echo spin membomb recurse bigout files; do
    check "oras pushes $module.wasm in the CNCF wasm layout" \
        timeout 120 python3 "$ROOT/scripts/oras_wasm_push.py" "$REG" "acme/wasm/$module:v1" "$ROOT/Fixtures/wasm/$module.wasm"
done

run_hello() {
    [ "$("$BIN" run "$REG/acme/wasm/hello:v1" --quiet)" = "hello, world" ]
}
check "aegisguard run prints the module's output" run_hello
run_echo() {
    local out status=0
    out="$(printf 'piped' | "$BIN" run "$REG/acme/wasm/echo:v1" --env EXIT_CODE=9 --quiet -- first 'second arg')" || status=$?
    [ "$status" = 9 ] && [ "$out" = "$(printf 'arg[1]=first\narg[2]=second arg\nenv EXIT_CODE=9\nstdin=piped')" ]
}
check "aegisguard run passes args, env and stdin, and exits with the module's code" run_echo
run_out_of_gas() {
    local status=0
    "$BIN" run "$REG/acme/wasm/spin:v1" --gas-limit 5000 2>"$TMP/oog.err" || status=$?
    [ "$status" = 125 ] && grep -q "out_of_gas: out of gas; gas used 5000," "$TMP/oog.err"
}
check "an infinite loop ends out_of_gas with exactly its gas limit charged" run_out_of_gas

# --- the model-inference example as a Spin app --------------------------------------------------------
push_app() {
    "$BIN" app push "$ROOT/Examples/model-inference" "$REG/acme/models/iris:1.0.0" \
        --annotation-file "io.aegisguard.model.card=$ROOT/Examples/model-inference/model/model-card.md" >"$TMP/push.out" &&
        grep -q '^components: infer$' "$TMP/push.out" &&
        curl -sf -u "admin:$AEGIS_PASSWORD" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
            "http://$REG/v2/acme/models/iris/manifests/1.0.0" | grep -q 'application/vnd.fermyon.spin.application.v1+config'
}
check "aegisguard app push packs spin.toml as Spin's OCI layout" push_app
run_app() {
    printf '6.4,3.2,4.5,1.5\n' | "$BIN" run "$REG/acme/models/iris:1.0.0" --quiet | grep -q '^{"class":"versicolor",'
}
check "aegisguard run classifies stdin with the model mounted read-only" run_app
serve_app() {
    "$BIN" app deploy iris "$REG/acme/models/iris:1.0.0" --public >/dev/null &&
        curl -sf --data '{"features":[6.3,3.3,6.0,2.5]}' "http://$REG/apps/acme/iris/predict" | grep -q '^{"class":"virginica",'
}
check "aegisguard app deploy serves it over WAGI" serve_app

# --- 1,000 adversarial runs ------------------------------------------------------------------------
rss() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
AUTH="$(printf '%s' "admin:$AEGIS_PASSWORD" | base64 -w0)"
adversary() { # N → one run of the N-th adversary; prints its status
    local body
    case $(($1 % 5)) in
        0) body='{"reference":"acme/wasm/spin:v1","gasLimit":3000}' ;;
        1) body='{"reference":"acme/wasm/membomb:v1","gasLimit":200000}' ;;
        2) body='{"reference":"acme/wasm/recurse:v1","gasLimit":200000}' ;;
        3) body='{"reference":"acme/wasm/bigout:v1","args":["2"],"gasLimit":200000}' ;;
        4) body='{"reference":"acme/wasm/files:v1","args":["/etc/passwd"]}' ;;
    esac
    local answer
    answer="$(curl -s --max-time 120 -H "Authorization: Basic $AUTH" -H 'Content-Type: application/json' -d "$body" \
        "http://$REG/api/v1/tenants/acme/runs")"
    # printf is a builtin: a 2.7 MB answer does not hit the argument-length limit.
    # One write per line (two runs print at once): the outcome goes out in a single os.write.
    printf '%s' "$answer" |
        python3 -c 'import json, os, sys; d = json.load(sys.stdin); os.write(1, ("%s %s\n" % (d["status"], d.get("exitCode"))).encode())' 2>/dev/null ||
        echo "unexpected: ${answer:0:300}"
}
export -f adversary
export REG AUTH
seq 0 99 | xargs -P 2 -I{} bash -c 'adversary {}' >"$TMP/warmup.txt"
BEFORE="$(rss)"
START="$(date +%s)"
seq 100 1099 | xargs -P 2 -I{} bash -c 'adversary {}' >"$TMP/runs.txt" &
RUNS=$!
SERVED=0
while kill -0 "$RUNS" 2>/dev/null; do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "admin:$AEGIS_PASSWORD" "http://$REG/v2/acme/wasm/hello/manifests/v1" \
        -H 'Accept: application/vnd.oci.image.manifest.v1+json')"
    [ "$code" = 200 ] && SERVED=$((SERVED + 1))
    sleep 0.5
done
wait "$RUNS" || true
AFTER="$(rss)"
echo "# 1,000 adversarial runs in $(($(date +%s) - START)) s; RSS ${BEFORE} KiB after 100 warm-up runs, ${AFTER} KiB after 1,000 more"
sort "$TMP/runs.txt" | uniq -c | cut -c1-300 | sed 's/^/#   /'
every_run_ended_as_expected() {
    [ "$(wc -l <"$TMP/runs.txt")" = 1000 ] &&
        [ "$(grep -c '^out_of_gas None$' "$TMP/runs.txt")" = 200 ] &&
        [ "$(grep -c '^memory_limit None$' "$TMP/runs.txt")" = 200 ] &&
        [ "$(grep -c '^stack_exhausted None$' "$TMP/runs.txt")" = 200 ] &&
        [ "$(grep -c '^exit 0$' "$TMP/runs.txt")" = 200 ] &&
        [ "$(grep -c '^exit 3$' "$TMP/runs.txt")" = 200 ]
}
check "1,000 adversarial runs each end in their own result kind" every_run_ended_as_expected
check "RSS stays flat over 1,000 adversarial runs (grew by less than 32 MiB)" test $((AFTER - BEFORE)) -lt $((32 * 1024))
check "the registry kept serving manifests during the runs ($SERVED answered)" test "$SERVED" -gt 0
check "and after them" curl -sf -o /dev/null --max-time 10 -u "admin:$AEGIS_PASSWORD" "http://$REG/v2/acme/wasm/hello/manifests/v1"
recorded() {
    local count
    sleep 1  # run records are written in batches every 250 ms
    count="$(curl -sf -u "admin:$AEGIS_PASSWORD" "http://$REG/api/v1/tenants/acme/runs?limit=1000" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["runs"]))')"
    [ "$count" = 1000 ]
}
check "every run is recorded" recorded

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
