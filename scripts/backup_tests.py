#!/usr/bin/env python3
"""Backup and restore of a running registry, and fsck of the result.

    python3 scripts/backup_tests.py BINARY

- A backup taken while pushers push (and delete what they pushed after it began) with garbage
  collection running, restored into a new data directory: fsck --deep is clean there, and every
  push acknowledged before the backup started is served by a server on the restored data with the
  same digest and bytes.
- A second backup into the same directory copies only what is new.
- A backup with one damaged blob, or a changed list of blobs, is refused by restore (exit 1), and
  nothing is left in the data directory it was to fill.
Prints `ok - NAME` / `not ok - NAME` and `N passed, M failed`; exits 1 on any failure. Loopback
only; every wait is bounded.
"""
import json, os, random, shutil, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import report, summary  # noqa: E402
from gc_soak_tests import CONFIG, MANIFEST_TYPE, Server, sha256  # noqa: E402

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/aegisguard")


def run(*arguments, timeout=600):
    return subprocess.run([BINARY, *arguments], capture_output=True, text=True, timeout=timeout)


class Load:
    """Pushers of images with layers of their own; each acknowledged push is kept with its time."""

    def __init__(self, server):
        self.server, self.stop, self.lock = server, threading.Event(), threading.Lock()
        self.acknowledged = []  # (time of the 201, repository, tag, digest, [(blob digest, bytes)])
        self.failures = []
        self.backup_started = None

    def push(self, worker, number):
        repository = f"acme/r{worker % 3}"
        layers = [os.urandom(random.randint(1, 32) * 1024) for _ in range(random.randint(1, 2))]
        blobs = [(sha256(CONFIG), CONFIG)] + [(sha256(layer), layer) for layer in layers]
        for digest, data in blobs:
            status, _, body = self.server.request("POST", f"/v2/{repository}/blobs/uploads/?digest={digest}", data)
            if status != 201:
                raise RuntimeError(f"upload {status} {body[:200]!r}")
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blobs[0][0], "size": len(CONFIG)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": len(b)} for d, b in blobs[1:]],
        }).encode()
        tag = f"w{worker}-{number}"
        status, _, body = self.server.request("PUT", f"/v2/{repository}/manifests/{tag}", manifest, {"Content-Type": MANIFEST_TYPE})
        if status != 201:
            raise RuntimeError(f"PUT {status} {body[:200]!r}")
        with self.lock:
            self.acknowledged.append((time.monotonic(), repository, tag, sha256(manifest), blobs))
            started = self.backup_started
        # What was pushed after the backup began may go again, for garbage collection to take.
        if started is not None and random.random() < 0.5:
            self.server.request("DELETE", f"/v2/{repository}/manifests/{sha256(manifest)}")

    def pusher(self, worker):
        number = 0
        while not self.stop.is_set():
            number += 1
            try:
                self.push(worker, number)
            except Exception as error:  # noqa: BLE001 - every failure is the test's finding
                self.failures.append(f"pusher {worker}: {error}")
                time.sleep(0.2)


def main():
    root = tempfile.mkdtemp(prefix="aegis-backup-")
    data, destination = os.path.join(root, "data"), os.path.join(root, "backup")
    os.makedirs(data)
    servers = []
    try:
        run("tenant", "create", "acme", "--data-dir", data)
        server = Server(data, {"AEGIS_GC_INTERVAL_SECONDS": "1", "AEGIS_GC_GRACE_SECONDS": "2"})
        servers.append(server)
        server.start()
        load = Load(server)
        threads = [threading.Thread(target=load.pusher, args=(n,)) for n in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(4)
        with load.lock:
            load.backup_started = time.monotonic()
            before = list(load.acknowledged)
        first = run("backup", destination, "--json", "--data-dir", data)
        time.sleep(1)
        load.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        taken = json.loads(first.stdout) if first.returncode == 0 else {}
        report("a backup taken under push load and GC finishes (exit 0)",
               first.returncode == 0 and taken.get("blobs", 0) >= len(before) and not load.failures,
               f"{first.stdout}{first.stderr}\n" + "\n".join(load.failures[:10]))

        second = run("backup", destination, "--json", "--data-dir", data)
        again = json.loads(second.stdout) if second.returncode == 0 else {}
        report("a second backup into the same directory copies only what is new",
               second.returncode == 0 and again.get("copiedBlobs", -1) < again.get("blobs", 0) and again["blobs"] - again["copiedBlobs"] >= taken["blobs"] // 2,
               f"first {taken}, second {again} {second.stderr}")
        server.stop()

        restored = os.path.join(root, "restored")
        result = run("restore", destination, "--json", "--data-dir", restored)
        report("restore into a new data directory succeeds (exit 0)", result.returncode == 0, result.stdout + result.stderr)
        check = run("fsck", "--deep", "--json", "--data-dir", restored)
        found = json.loads(check.stdout) if check.stdout.strip() else {}
        report("fsck --deep is clean on the restored data (exit 0)", check.returncode == 0 and found.get("problems") == [],
               check.stdout[-2000:] + check.stderr[-2000:])

        shutil.copy(os.path.join(data, "initial-admin-password"), os.path.join(restored, "initial-admin-password"))
        server = Server(restored, {"AEGIS_GC_INTERVAL_SECONDS": "0"})
        servers.append(server)
        server.start()
        missing = []
        for _, repository, tag, digest, blobs in before:
            status, headers, _ = server.request("GET", f"/v2/{repository}/manifests/{tag}", headers={"Accept": MANIFEST_TYPE})
            if status != 200 or headers.get("docker-content-digest") != digest:
                missing.append(f"{repository}:{tag} {status}")
                continue
            for blob, data_bytes in blobs:
                status, _, body = server.request("GET", f"/v2/{repository}/blobs/{blob}")
                if status != 200 or body != data_bytes:
                    missing.append(f"{repository}:{tag} {blob} {status}")
        report(f"all {len(before)} pushes acknowledged before the backup started are served from the restored data, same digests and bytes",
               not missing and len(before) > 10, "\n".join(missing[:20]))
        server.stop()

        # A damaged copy of one blob, then a changed list: refused, nothing left behind.
        manifest = json.load(open(os.path.join(destination, "backup.json")))
        victim = next(os.path.join(d, f) for d, _, files in os.walk(os.path.join(destination, "blobs")) for f in files)
        original = open(victim, "rb").read()
        open(victim, "wb").write(bytes([original[0] ^ 0xFF]) + original[1:])
        target = os.path.join(root, "refused")
        result = run("restore", destination, "--data-dir", target)
        report("restore refuses a backup with a damaged blob (exit 1) and leaves nothing",
               result.returncode == 1 and "damaged" in result.stderr and not os.path.exists(target), f"{result.returncode} {result.stderr}")
        open(victim, "wb").write(original)
        listing = os.path.join(destination, manifest["blobList"]["path"])
        lines = open(listing).read().splitlines()
        open(listing, "w").write("\n".join(lines[1:]) + "\n")
        result = run("restore", destination, "--data-dir", target)
        report("restore refuses a backup whose list of blobs fails the checksum (exit 1)",
               result.returncode == 1 and "checksum" in result.stderr and not os.path.exists(target), f"{result.returncode} {result.stderr}")
    except Exception as error:  # noqa: BLE001
        report("the backup tests ran to their end", False, f"{error}\n" + "\n".join(s.output() for s in servers))
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
