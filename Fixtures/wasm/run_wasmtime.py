#!/usr/bin/env python3
"""Run a WASI preview 1 command module with the wasmtime Python API (pip install wasmtime).

usage: run_wasmtime.py [options] MODULE.wasm [ARGS...]
  --env NAME=VALUE      add an environment variable (repeatable; nothing is inherited)
  --stdin FILE          guest stdin (default: empty)
  --dir HOST::GUEST     preopen HOST as GUEST, read-only (repeatable)
  --dir-rw HOST::GUEST  preopen HOST as GUEST, writable (repeatable)
  --fuel N              give the store N units of fuel (default: unmetered)
  --max-memory BYTES    cap linear memory growth
  --argv0 NAME          guest argv[0] (default: the module's file name)

Guest stdout/stderr are copied to ours. Exit status: the guest's exit code; on a trap
(including running out of fuel), "trap: <TrapCode name or message>" on stderr and 134;
on another engine error (e.g. proc_exit status >= 126), "error: <cause>" on stderr and 135.
"""
import argparse
import os
import shutil
import sys
import tempfile

import wasmtime


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--stdin", default=os.devnull)
    ap.add_argument("--dir", action="append", default=[])
    ap.add_argument("--dir-rw", action="append", default=[])
    ap.add_argument("--fuel", type=int)
    ap.add_argument("--max-memory", type=int)
    ap.add_argument("--argv0")
    ap.add_argument("module")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args()

    config = wasmtime.Config()
    if a.fuel is not None:
        config.consume_fuel = True
    engine = wasmtime.Engine(config)
    store = wasmtime.Store(engine)
    if a.fuel is not None:
        store.set_fuel(a.fuel)
    if a.max_memory is not None:
        store.set_limits(memory_size=a.max_memory)

    with tempfile.TemporaryDirectory() as tmp:
        out_path, err_path = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
        wasi = wasmtime.WasiConfig()
        wasi.argv = [a.argv0 or os.path.basename(a.module)] + a.args
        wasi.env = [e.split("=", 1) for e in a.env]
        wasi.stdin_file = a.stdin
        wasi.stdout_file = out_path
        wasi.stderr_file = err_path
        for spec, mutable in [(d, False) for d in a.dir] + [(d, True) for d in a.dir_rw]:
            host, guest = spec.split("::", 1)
            wasi.preopen_dir(host, guest, mutable)
        store.set_wasi(wasi)

        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        module = wasmtime.Module.from_file(engine, a.module)
        status, trap_msg = 0, None
        try:
            instance = linker.instantiate(store, module)
            instance.exports(store)["_start"](store)
        except wasmtime.ExitTrap as e:
            status = e.code
        except wasmtime.Trap as e:
            code = e.trap_code
            status = 134
            trap_msg = "trap: " + (code.name if code is not None else str(e).splitlines()[0])
        except wasmtime.WasmtimeError as e:  # e.g. proc_exit with a status >= 126
            status = 135
            trap_msg = "error: " + str(e).strip().splitlines()[-1].strip()

        sys.stdout.flush()
        with open(out_path, "rb") as f:
            shutil.copyfileobj(f, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        with open(err_path, "rb") as f:
            shutil.copyfileobj(f, sys.stderr.buffer)
        if trap_msg:
            sys.stderr.write(trap_msg + "\n")
        sys.stderr.flush()
    return status


if __name__ == "__main__":
    sys.exit(main())
