#!/usr/bin/env python3
"""Writes a small but real single-image OCI image layout (stdlib only), for the real-client tests.

    scripts/make-oci-layout.py DIR [TAG]

DIR gets `oci-layout`, `index.json` and `blobs/sha256/…`: one gzip'ed tar layer with a few files, an OCI image
config whose rootfs.diff_ids is the sha256 of the uncompressed tar, and an OCI image manifest, tagged TAG
(default v1) through the `org.opencontainers.image.ref.name` annotation of its index.json entry.
Deterministic (fixed mtimes, no gzip timestamp), so every run gives the same digests.
Prints the manifest digest on stdout.
"""

import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

MTIME = 1700000000  # fixed, so the layer (and so every digest) is reproducible


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def write_blob(root: str, data: bytes) -> dict:
    digest = sha256(data)
    path = os.path.join(root, "blobs", "sha256", digest.split(":", 1)[1])
    with open(path, "wb") as f:
        f.write(data)
    return {"digest": digest, "size": len(data)}


def make_tar() -> bytes:
    files = {
        "etc/aegis-release": b"AegisGuard client test image\n",
        "app/hello.sh": b"#!/bin/sh\necho hello from aegisguard\n",
        "app/data.bin": bytes(range(256)) * 16,
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for d in ("app", "etc"):
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            info.mtime = MTIME
            tar.addfile(info)
        for name, content in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = 0o755 if name.endswith(".sh") else 0o644
            info.mtime = MTIME
            tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = sys.argv[1]
    tag = sys.argv[2] if len(sys.argv) == 3 else "v1"
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)

    tar = make_tar()
    layer_gz = gzip.compress(tar, compresslevel=6, mtime=0)
    layer = write_blob(root, layer_gz)

    config = {
        "created": "2023-11-14T22:13:20Z",
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Cmd": ["/app/hello.sh"],
            "WorkingDir": "/app",
            "Labels": {"org.opencontainers.image.title": "aegis-client-test"},
        },
        "rootfs": {"type": "layers", "diff_ids": [sha256(tar)]},
        "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "scripts/make-oci-layout.py"}],
    }
    config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    config_desc = write_blob(root, config_bytes)

    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config_desc},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **layer}],
        "annotations": {"org.opencontainers.image.created": "2023-11-14T22:13:20Z"},
    }
    manifest_bytes = json.dumps(manifest, indent=2).encode()
    manifest_desc = write_blob(root, manifest_bytes)

    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                **manifest_desc,
                "platform": {"architecture": "amd64", "os": "linux"},
                "annotations": {"org.opencontainers.image.ref.name": tag},
            }
        ],
    }
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump(index, f, indent=2)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)

    print(manifest_desc["digest"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
