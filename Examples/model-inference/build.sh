#!/usr/bin/env bash
# Builds infer.wasm (wasm32-wasi, WASI preview 1) with the toolchain of Fixtures/wasm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../../Fixtures/wasm/toolchain.sh"
ensure_wasi_toolchain
$WASI_CC -O2 -Wall -Wextra -o "$here/infer.wasm" "$here/infer.c" -lm
echo "built infer.wasm ($(wc -c < "$here/infer.wasm") bytes)"
