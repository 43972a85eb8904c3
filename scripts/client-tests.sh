#!/usr/bin/env bash
# Real-client tests: skopeo (Debian's) and oras-py (PyPI `oras`) against a live AegisGuard on 127.0.0.1.
#
#   scripts/client-tests.sh [AEGIS_BINARY]      (default .build/debug/aegisguard)
#
# Starts the binary on 127.0.0.1:0 with a fresh data directory and tenant "acme" in a temp dir (removed, and the
# server stopped, on exit), then runs:
#   skopeo: copy of a small real OCI image layout (scripts/make-oci-layout.py) to acme/app:v1, inspect (raw
#           manifest digest), list-tags, copy back to a layout with identical digests, registry-to-registry
#           copy to acme/app-copy (cross-repository mount), delete, inspect after delete.
#   oras:   scripts/oras_client_test.py (push with artifactType/annotations, pull, subject + referrers API).
# Prints `ok - NAME` / `not ok - NAME` per check (failure details as `#` lines) and ends with
# `N passed, M failed`; exits 1 if anything failed. Needs skopeo, python3 with oras (scripts/install-test-deps.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${1:-.build/debug/aegisguard}"
case "$BIN" in
    /*) ;;
    *) if [ -e "$PWD/$BIN" ]; then BIN="$PWD/$BIN"; else BIN="$ROOT/$BIN"; fi ;;
esac
[ -x "$BIN" ] || { echo "client-tests: no executable at $BIN" >&2; exit 2; }
for t in skopeo python3 timeout sha256sum; do
    command -v "$t" >/dev/null 2>&1 || { echo "client-tests: $t is missing (run scripts/install-test-deps.sh)" >&2; exit 2; }
done

TMP="$(mktemp -d "${TMPDIR:-/tmp}/aegis-client-tests.XXXXXX")"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
not_ok() {
    FAILED=$((FAILED + 1))
    echo "not ok - $1"
    if [ -n "${2:-}" ] && [ -s "$2" ]; then tail -n 25 "$2" | sed 's/^/#   /'; fi
}
# check NAME CMD...: runs CMD (output to a log), ok if it exits 0.
check() {
    local name="$1"; shift
    local log="$TMP/log.$((PASSED + FAILED))"
    if "$@" >"$log" 2>&1; then ok "$name"; else not_ok "$name" "$log"; fi
}

# --- server ------------------------------------------------------------------------------------------------
DATA="$TMP/data"
"$BIN" tenant create acme --data-dir "$DATA" >"$TMP/tenant.log" 2>&1 || {
    echo "client-tests: tenant create failed:" >&2; cat "$TMP/tenant.log" >&2; exit 1; }
"$BIN" serve --data-dir "$DATA" --listen 127.0.0.1:0 >"$TMP/server.out" 2>"$TMP/server.err" &
SERVER_PID=$!
PORT=""
for _ in $(seq 1 300); do  # at most 30 s
    PORT="$(sed -n 's#^AegisGuard listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*#\1#p' "$TMP/server.out" | head -n 1)"
    [ -n "$PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$PORT" ]; then
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "client-tests: the server did not print its banner within 30 s" >&2
    else
        echo "client-tests: the server exited before printing its banner" >&2
    fi
    cat "$TMP/server.out" "$TMP/server.err" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
REG="127.0.0.1:$PORT"
echo "# AegisGuard at http://$REG ($BIN)"

# The first start created the system administrator; clients authenticate through the token flow.
ADMIN_PASSWORD="$(cat "$DATA/initial-admin-password")"
export REGISTRY_AUTH_FILE="$TMP/auth.json"  # where `skopeo login` keeps the credentials
export AEGIS_USER=admin AEGIS_PASSWORD="$ADMIN_PASSWORD"  # for oras_client_test.py
anonymous_push_refused() {
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST "http://$REG/v2/acme/app/blobs/uploads/")" = 401 ]
}

# --- a. skopeo -----------------------------------------------------------------------------------------------
echo "# skopeo $(skopeo --version | awk '{print $3}')"
POLICY="$TMP/policy.json"
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$POLICY"
SK=(timeout 120 skopeo --policy "$POLICY" --command-timeout 90s)
check "closed by default: an anonymous push is refused with 401" anonymous_push_refused
check "skopeo login with the generated administrator password" \
    "${SK[@]}" login --tls-verify=false -u admin -p "$ADMIN_PASSWORD" "$REG"

LAYOUT="$TMP/layout"
SRC_DIGEST="$(python3 "$ROOT/scripts/make-oci-layout.py" "$LAYOUT" v1)"
layout_sane() {
    python3 - "$LAYOUT" <<'EOF'
import gzip, hashlib, json, os, sys
root = sys.argv[1]
blob = lambda d: open(os.path.join(root, "blobs", *d.split(":")), "rb").read()
index = json.load(open(os.path.join(root, "index.json")))
desc = index["manifests"][0]
manifest = json.loads(blob(desc["digest"]))
config = json.loads(blob(manifest["config"]["digest"]))
layer = blob(manifest["layers"][0]["digest"])
assert desc["annotations"]["org.opencontainers.image.ref.name"] == "v1"
assert config["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(gzip.decompress(layer)).hexdigest()]
for d in os.listdir(os.path.join(root, "blobs", "sha256")):
    assert hashlib.sha256(blob("sha256:" + d)).hexdigest() == d, d
EOF
}
check "layout: made with diff_ids matching the uncompressed layer" layout_sane
copy_without_credentials_refused() {
    ! REGISTRY_AUTH_FILE="$TMP/none.json" "${SK[@]}" copy --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG/acme/app:v0" \
        >"$TMP/nocreds.log" 2>&1 && grep -qi "unauthorized\|authentication required\|denied" "$TMP/nocreds.log"
}
check "skopeo copy without credentials is refused (unauthorized)" copy_without_credentials_refused

check "skopeo copy oci:layout:v1 -> docker://$REG/acme/app:v1" \
    "${SK[@]}" copy --dest-tls-verify=false "oci:$LAYOUT:v1" "docker://$REG/acme/app:v1"

raw_digest_is() {  # ref expected-digest
    local got
    got="sha256:$("${SK[@]}" inspect --tls-verify=false --raw "docker://$REG/$1" | sha256sum | cut -d' ' -f1)"
    echo "raw manifest digest $got, expected $2"
    [ "$got" = "$2" ]
}
check "skopeo inspect --raw acme/app:v1: manifest digest equals the layout's" raw_digest_is acme/app:v1 "$SRC_DIGEST"
check "skopeo inspect --raw acme/app@digest: same manifest" raw_digest_is "acme/app@$SRC_DIGEST" "$SRC_DIGEST"

inspect_digest_is() {
    local out
    out="$("${SK[@]}" inspect --tls-verify=false "docker://$REG/$1")"
    echo "$out"
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["Digest"]==sys.argv[2] and d["Os"]=="linux" and len(d["Layers"])==1, d' "$out" "$2"
}
check "skopeo inspect acme/app:v1: Digest, Os and Layers from the config" inspect_digest_is acme/app:v1 "$SRC_DIGEST"

tags_are() {  # repo expected-json-list
    local out
    out="$("${SK[@]}" list-tags --tls-verify=false "docker://$REG/$1")"
    echo "$out"
    python3 -c 'import json,sys; assert json.loads(sys.argv[1])["Tags"]==json.loads(sys.argv[2])' "$out" "$2"
}
check "skopeo list-tags acme/app shows v1" tags_are acme/app '["v1"]'

same_layout() {  # out-layout: same manifest digest and the same, intact blobs as the source layout
    local out="$1"
    python3 - "$LAYOUT" "$out" "$SRC_DIGEST" <<'EOF'
import hashlib, json, os, sys
src, out, digest = sys.argv[1:]
def blobs(root):
    d = os.path.join(root, "blobs", "sha256")
    names = sorted(os.listdir(d))
    for n in names:
        assert hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest() == n, f"corrupt blob {n} in {root}"
    return names
index = json.load(open(os.path.join(out, "index.json")))
got = [m["digest"] for m in index["manifests"]]
print("pulled index manifests:", got)
print("source blobs:", blobs(src))
print("pulled blobs:", blobs(out))
assert got == [digest], f"manifest digest {got} != {digest}"
assert blobs(src) == blobs(out), "blob sets differ"
for n in blobs(src):
    assert open(os.path.join(src, "blobs", "sha256", n), "rb").read() == open(os.path.join(out, "blobs", "sha256", n), "rb").read()
EOF
}
check "skopeo copy docker://$REG/acme/app:v1 -> oci layout" \
    "${SK[@]}" copy --src-tls-verify=false "docker://$REG/acme/app:v1" "oci:$TMP/out:v1"
check "pulled layout: manifest and blob digests identical to the source" same_layout "$TMP/out"

COPY_LOG="$TMP/copy-debug.log"
if "${SK[@]}" --debug copy --src-tls-verify=false --dest-tls-verify=false \
    "docker://$REG/acme/app:v1" "docker://$REG/acme/app-copy:v1" >"$COPY_LOG" 2>&1; then
    ok "skopeo copy acme/app:v1 -> acme/app-copy:v1 (registry to registry)"
else
    not_ok "skopeo copy acme/app:v1 -> acme/app-copy:v1 (registry to registry)" "$COPY_LOG"
fi
# containers/image mounts a blob it knows (blob-info cache) to be in another repository of the same registry.
if grep -q 'Trying to mount' "$COPY_LOG"; then
    if grep -q 'mount OK' "$COPY_LOG"; then
        ok "skopeo used a cross-repository mount (POST ?mount=&from=acme/app)"
    else
        grep -A3 'Trying to mount' "$COPY_LOG" >"$TMP/mount.log" || true
        not_ok "skopeo used a cross-repository mount (POST ?mount=&from=acme/app)" "$TMP/mount.log"
    fi
else
    echo "# skip: skopeo did not try a cross-repository mount (no blob-info cache entry), nothing to check"
fi
check "skopeo inspect --raw acme/app-copy:v1: same manifest digest" raw_digest_is acme/app-copy:v1 "$SRC_DIGEST"
check "skopeo list-tags acme/app-copy shows v1" tags_are acme/app-copy '["v1"]'

check "skopeo delete acme/app:v1 (manifest by digest)" \
    "${SK[@]}" delete --tls-verify=false "docker://$REG/acme/app:v1"
fails() { if "$@"; then echo "expected a failure, the command succeeded"; return 1; fi; return 0; }
check "skopeo inspect acme/app:v1 fails after the delete" \
    fails "${SK[@]}" inspect --tls-verify=false --raw "docker://$REG/acme/app:v1"
check "skopeo inspect acme/app@digest fails after the delete" \
    fails "${SK[@]}" inspect --tls-verify=false --raw "docker://$REG/acme/app@$SRC_DIGEST"
check "skopeo list-tags acme/app is empty after the delete" tags_are acme/app '[]'
check "skopeo copy acme/app-copy:v1 (mounted blobs) -> oci layout after the source's delete" \
    "${SK[@]}" copy --src-tls-verify=false "docker://$REG/acme/app-copy:v1" "oci:$TMP/out2:v1"
check "second pulled layout: digests identical to the source" same_layout "$TMP/out2"

# --- b. oras-py ----------------------------------------------------------------------------------------------
ORAS_LOG="$TMP/oras.log"
set +e
TMPDIR="$TMP" timeout 300 python3 "$ROOT/scripts/oras_client_test.py" "$REG" acme/artifacts 2>"$TMP/oras.err" | tee "$ORAS_LOG"
ORAS_RC=${PIPESTATUS[0]}
set -e
ORAS_OK=$(grep -c '^ok - ' "$ORAS_LOG" || true)
ORAS_NOT_OK=$(grep -c '^not ok - ' "$ORAS_LOG" || true)
PASSED=$((PASSED + ORAS_OK))
FAILED=$((FAILED + ORAS_NOT_OK))
if [ "$ORAS_RC" -ne 0 ] && [ "$ORAS_NOT_OK" -eq 0 ]; then
    not_ok "oras_client_test.py exited $ORAS_RC" "$TMP/oras.err"
elif [ "$ORAS_RC" -eq 0 ] && [ "$ORAS_OK" -eq 0 ]; then
    not_ok "oras_client_test.py ran no check" "$TMP/oras.err"
fi

# --- server still healthy ------------------------------------------------------------------------------------
if kill -0 "$SERVER_PID" 2>/dev/null; then ok "server still running after the client tests"; else
    not_ok "server still running after the client tests" "$TMP/server.err"; fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
