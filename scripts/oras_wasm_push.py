#!/usr/bin/env python3
"""Pushes a WASM module with oras-py in the CNCF wasm artifact layout (config
`application/vnd.wasm.config.v0+json`, one `application/wasm` layer), through the token flow.

    AEGIS_USER=… AEGIS_PASSWORD=… scripts/oras_wasm_push.py 127.0.0.1:PORT acme/tools/hello:v1 Fixtures/wasm/hello.wasm

Prints the manifest digest.
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oras_client_test import Registry  # noqa: E402  (oras-py with time limits and scope handling)


def main():
    host, reference, module = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
    if not (host.startswith("127.") or host.startswith("localhost")):
        sys.exit(f"refusing a non-loopback registry address {host}")
    work = tempfile.mkdtemp(prefix="aegis-wasm-push-")
    try:
        os.chdir(work)  # oras-py wants pushed files under the working directory
        shutil.copy(module, "module.wasm")
        with open("config.json", "w") as f:
            json.dump({"created": "2026-11-25T00:00:00Z", "architecture": "wasm", "os": "wasip1", "layerDigests": []}, f)
        registry = Registry(host)
        response = registry.push(
            f"{host}/{reference}",
            files=["module.wasm:application/wasm"],
            manifest_config="config.json:application/vnd.wasm.config.v0+json",
            quiet=True,
        )
        if response.status_code != 201:
            sys.exit(f"push failed: {response.status_code} {response.text}")
        print(response.headers["Docker-Content-Digest"])
    finally:
        shutil.rmtree(work, True)


if __name__ == "__main__":
    main()
