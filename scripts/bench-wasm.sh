#!/usr/bin/env bash
# The WASM executor's speed, and what fuel metering costs: the fib and SHA-256 C workloads
# (Fixtures/wasm/bench.c) on WasmKit with and without fuel metering (`aegisguard sandbox
# [--unmetered] --repeat N`, timing instantiate + _start), with wasmtime (PyPI) with and without
# fuel as the anchor (timing _start only; compilation excluded). Minimum and median of N runs, ms.
#   scripts/bench-wasm.sh [BINARY] [REPEAT]   (default .build/release/aegisguard, 5)
set -euo pipefail
BIN="${1:-.build/release/aegisguard}"
REPEAT="${2:-5}"
MODULE=Fixtures/wasm/bench.wasm
python3 -c 'import wasmtime' 2>/dev/null || pip install --quiet --break-system-packages wasmtime >/dev/null
wasmkit() { # FLAGS… -- ARGS…
    "$BIN" sandbox "$MODULE" --repeat "$REPEAT" "$@" 2>&1 >/dev/null | sed -n 's/.*ms min \([0-9.]*\) median \([0-9.]*\).*/min \1 median \2/p'
}
echo "command: scripts/bench-wasm.sh $*"
echo
echo "| workload | WasmKit | WasmKit + fuel | metered / unmetered (median) | wasmtime | wasmtime + fuel |"
echo "|---|---:|---:|---:|---:|---:|"
for workload in "fib 35" "sha 16"; do
    # shellcheck disable=SC2086
    plain="$(wasmkit --unmetered -- $workload)"
    # shellcheck disable=SC2086
    metered="$(wasmkit -- $workload)"
    # shellcheck disable=SC2086
    wt="$(python3 scripts/wasm_bench_wasmtime.py "$MODULE" nofuel "$REPEAT" $workload)"
    # shellcheck disable=SC2086
    wtfuel="$(python3 scripts/wasm_bench_wasmtime.py "$MODULE" fuel "$REPEAT" $workload)"
    ratio="$(python3 -c "print(f'{${metered##* } / ${plain##* }:.3f}')")"
    echo "| $workload | $plain | $metered | $ratio | $wt | $wtfuel |"
done
