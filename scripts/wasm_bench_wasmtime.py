#!/usr/bin/env python3
"""Times a WASI command's _start under wasmtime (PyPI `wasmtime`), the anchor for WasmKit's figures.

    scripts/wasm_bench_wasmtime.py MODULE {nofuel|fuel} REPEAT ARGS...

Prints the minimum and median of REPEAT runs in milliseconds (compilation excluded: the module is
compiled once; each run gets a fresh store and instance, like AegisGuard's runs).
"""
import statistics
import sys
import time

import wasmtime


def main():
    path, mode, repeat, args = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    config = wasmtime.Config()
    config.consume_fuel = mode == "fuel"
    engine = wasmtime.Engine(config)
    module = wasmtime.Module.from_file(engine, path)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    timings = []
    for _ in range(repeat):
        store = wasmtime.Store(engine)
        if mode == "fuel":
            store.set_fuel(10**15)
        wasi = wasmtime.WasiConfig()
        wasi.argv = ["bench"] + args
        store.set_wasi(wasi)
        instance = linker.instantiate(store, module)
        start = instance.exports(store)["_start"]
        began = time.perf_counter()
        try:
            start(store)
        except wasmtime.ExitTrap as exit_trap:
            if exit_trap.code != 0:
                raise
        timings.append((time.perf_counter() - began) * 1000)
    print(f"min {min(timings):.1f} median {statistics.median(timings):.1f}")


if __name__ == "__main__":
    main()
