#!/usr/bin/env bash
# Rebuilds every Fixtures/wasm/*.wasm from src/*.c with Debian's clang-14 + wasi-libc.
# Idempotent: installs the toolchain only when missing; output is deterministic.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/toolchain.sh"
ensure_wasi_toolchain

for src in "$here"/src/*.c; do
    name="$(basename "$src" .c)"
    case "$name" in
        bench | recurse) opt=-O2 ;; # bench measures engines; recurse is checked at -O2
        *) opt=-Oz ;;
    esac
    $WASI_CC $opt -Wall -Wextra -o "$here/$name.wasm" "$src"
    echo "built $name.wasm ($(wc -c < "$here/$name.wasm") bytes)"
done
