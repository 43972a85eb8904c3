#!/usr/bin/env python3
"""Garbage-collection soak: online GC under load never loses a blob a stored manifest needs.

    python3 scripts/gc_soak_tests.py BINARY [SECONDS]      (default 75 s of load)

One `aegisguard serve` collects every second with a grace of 3 s while pushers push images whose
layers come from a shared pool (so repositories and tenants share blobs), HEAD before they upload
(skipping what is there, as clients do), delete tags and manifests, and pullers pull live tags.
The server is killed with SIGKILL twice and restarted on the same data. Then:

- every manifest whose PUT got 201 and whose tag was never deleted is served under its tag, every
  blob it references is served with its digest, and pushing it again is 201 (never
  `MANIFEST_BLOB_UNKNOWN`);
- no pull of a tag that still existed failed;
- after the untagged manifests are deleted, a collection lowers each tenant's stored bytes by
  exactly what the efficiency hints called reclaimable, and frees on disk exactly the bytes it
  reports;
- `fsck --deep` is then clean, and finds an object deleted behind its back (exit 1).
Prints `ok - NAME` / `not ok - NAME` and `N passed, M failed`; exits 1 on any failure. Loopback
only; every wait is bounded.
"""
import base64, hashlib, http.client, json, os, random, re, shutil, signal, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import report, summary  # noqa: E402

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/aegisguard")
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 75.0
REPOSITORIES = ["acme/app", "acme/tools", "acme/models", "globex/app", "globex/mirror"]
CONFIG = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Server:
    """`aegisguard serve` over `data`, restartable; `port` follows the running process."""

    def __init__(self, data, env):
        self.data, self.env = data, env
        self.process, self.port, self.auth, self.logs = None, None, None, []

    def start(self):
        log = open(os.path.join(self.data, "..", f"server-{len(self.logs)}.log"), "w+")
        self.logs.append(log)
        environment = dict(os.environ, AEGIS_LOG_LEVEL="error", AEGIS_SCRYPT_ROUNDS="1024", **self.env)
        self.process = subprocess.Popen(
            [BINARY, "serve", "--data-dir", self.data, "--listen", "127.0.0.1:0"], stdout=log, stderr=subprocess.STDOUT, env=environment
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            log.seek(0)
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", log.read())
            if match:
                self.port = int(match.group(1))
                password = open(os.path.join(self.data, "initial-admin-password")).read().strip()
                self.auth = "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()
                return
            time.sleep(0.05)
        raise RuntimeError("the server did not start:\n" + self.output())

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self):
        text = ""
        for log in self.logs:
            log.seek(0)
            text += log.read()
        return text[-4000:]

    def request(self, method, path, body=b"", headers=None, timeout=20):
        """(status, headers, body); raises OSError while the server is down."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers={"Authorization": self.auth, **(headers or {})})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()


class Soak:
    def __init__(self, server):
        self.server = server
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.pool = [os.urandom(random.randint(4, 48) * 1024) for _ in range(14)]
        # (repository, tag) -> (manifest bytes, digest, blobs): PUT got 201 and the tag was never deleted.
        self.live = {}
        self.deleting = set()
        self.counts = {"pushed": 0, "push_retries": 0, "pulled": 0, "deleted_tags": 0, "deleted_manifests": 0, "down": 0}
        self.failures = []

    def call(self, method, path, body=b"", headers=None):
        """A request that waits out the server's restarts (bounded)."""
        for _ in range(600):
            try:
                return self.server.request(method, path, body, headers)
            except (OSError, http.client.HTTPException):
                # Down, or killed in the middle of an answer: asked again once it is back.
                with self.lock:
                    self.counts["down"] += 1
                time.sleep(0.05)
        raise RuntimeError(f"{method} {path}: the server stayed down")

    def ensure_blob(self, repository, blob):
        digest = sha256(blob)
        status, _, _ = self.call("HEAD", f"/v2/{repository}/blobs/{digest}")
        if status == 200:
            return digest
        status, _, body = self.call("POST", f"/v2/{repository}/blobs/uploads/?digest={digest}", blob)
        if status != 201:
            raise RuntimeError(f"upload of {digest} to {repository}: {status} {body[:200]!r}")
        return digest

    def push(self, worker, number):
        repository = random.choice(REPOSITORIES)
        layers = random.sample(self.pool, random.randint(1, 3))
        # Half the images also have a layer of their own: deleting them leaves bytes to free.
        if random.random() < 0.5:
            layers.append(os.urandom(random.randint(2, 8) * 1024))
        tag = f"w{worker}-{number}"
        for attempt in range(5):
            descriptors = [(self.ensure_blob(repository, layer), len(layer)) for layer in layers]
            config = self.ensure_blob(repository, CONFIG)
            manifest = json.dumps(
                {
                    "schemaVersion": 2,
                    "mediaType": MANIFEST_TYPE,
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": len(CONFIG)},
                    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": s} for d, s in descriptors],
                }
            ).encode()
            status, _, body = self.call("PUT", f"/v2/{repository}/manifests/{tag}", manifest, {"Content-Type": MANIFEST_TYPE})
            if status == 201:
                with self.lock:
                    self.live[(repository, tag)] = (manifest, sha256(manifest), [config] + [d for d, _ in descriptors])
                    self.counts["pushed"] += 1
                return
            if status == 400 and b"MANIFEST_BLOB_UNKNOWN" in body:
                # A blob went between its HEAD and this PUT: refused, not lost. Push it again.
                with self.lock:
                    self.counts["push_retries"] += 1
                continue
            raise RuntimeError(f"PUT {repository}:{tag}: {status} {body[:200]!r}")
        raise RuntimeError(f"PUT {repository}:{tag}: refused five times")

    def delete(self):
        with self.lock:
            if len(self.live) < 8:
                return
            key = random.choice(sorted(self.live))
            manifest, digest, _ = self.live.pop(key)
            self.deleting.add(key)
        repository, tag = key
        by_digest = random.random() < 0.5
        status, _, body = self.call("DELETE", f"/v2/{repository}/manifests/{digest if by_digest else tag}")
        with self.lock:
            if status == 202:
                self.counts["deleted_manifests" if by_digest else "deleted_tags"] += 1
            if by_digest:
                # Every other tag on that manifest went with it.
                for other in [k for k, v in self.live.items() if k[0] == repository and v[1] == digest]:
                    self.live.pop(other)
                    self.deleting.add(other)
        if status not in (202, 404):
            self.fail(f"DELETE {repository} {tag}: {status} {body[:200]!r}")

    def pull(self):
        with self.lock:
            if not self.live:
                return
            key = random.choice(sorted(self.live))
            _, digest, blobs = self.live[key]
        repository, tag = key
        status, headers, _ = self.call("GET", f"/v2/{repository}/manifests/{tag}", headers={"Accept": MANIFEST_TYPE})
        problems = []
        if status != 200 or headers.get("docker-content-digest") != digest:
            problems.append(f"manifest {status} {headers.get('docker-content-digest')}")
        else:
            for blob in blobs:
                status, _, body = self.call("GET", f"/v2/{repository}/blobs/{blob}")
                if status != 200 or sha256(body) != blob:
                    problems.append(f"blob {blob} {status}")
        with self.lock:
            still_live = key in self.live and key not in self.deleting
            self.counts["pulled"] += 1
        if problems and still_live:
            self.fail(f"pull {repository}:{tag}: {problems}")

    def fail(self, message):
        with self.lock:
            self.failures.append(message)

    def pusher(self, worker):
        number = 0
        while not self.stop.is_set():
            try:
                number += 1
                self.push(worker, number)
                if random.random() < 0.45:
                    self.delete()
            except Exception as error:  # noqa: BLE001 - every failure is the test's finding
                self.fail(f"pusher {worker}: {error}")
                time.sleep(0.2)

    def puller(self):
        while not self.stop.is_set():
            try:
                self.pull()
            except Exception as error:  # noqa: BLE001
                self.fail(f"puller: {error}")
                time.sleep(0.2)


def blob_bytes(data):
    total = 0
    for directory, _, files in os.walk(os.path.join(data, "blobs")):
        total += sum(os.path.getsize(os.path.join(directory, name)) for name in files)
    return total


def tenant_json(server, path):
    status, _, body = server.request("GET", path)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")
    return json.loads(body)


def main():
    root = tempfile.mkdtemp(prefix="aegis-gc-soak-")
    data = os.path.join(root, "data")
    os.makedirs(data)
    server = None
    try:
        for tenant in ["acme", "globex"]:
            subprocess.run([BINARY, "tenant", "create", tenant, "--data-dir", data], check=True, capture_output=True, timeout=60)
        server = Server(data, {"AEGIS_GC_INTERVAL_SECONDS": "1", "AEGIS_GC_GRACE_SECONDS": "3"})
        server.start()
        soak = Soak(server)
        threads = [threading.Thread(target=soak.pusher, args=(n,)) for n in range(4)] + [threading.Thread(target=soak.puller) for _ in range(2)]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        for fraction in (1 / 3, 2 / 3):
            time.sleep(max(0.0, started + SECONDS * fraction - time.monotonic()))
            server.kill()
            server.start()
        time.sleep(max(0.0, started + SECONDS - time.monotonic()))
        soak.stop.set()
        for thread in threads:
            thread.join(timeout=120)
        print(f"# {soak.counts}", flush=True)
        report("the soak ran: pushes, deletes and pulls under GC across two kill -9 restarts",
               soak.counts["pushed"] >= 50 and soak.counts["pulled"] >= 50 and soak.counts["deleted_manifests"] >= 5, str(soak.counts))
        report("no pull of a tag that existed failed, and no pusher hit an unexpected answer", not soak.failures,
               "\n".join(soak.failures[:20]) + "\n" + server.output())

        # Past the grace, with GC still running: everything acknowledged and still tagged is whole.
        time.sleep(4)
        broken = []
        for (repository, tag), (manifest, digest, blobs) in sorted(soak.live.items()):
            status, headers, _ = server.request("GET", f"/v2/{repository}/manifests/{tag}", headers={"Accept": MANIFEST_TYPE})
            if status != 200 or headers.get("docker-content-digest") != digest:
                broken.append(f"{repository}:{tag} manifest {status}")
                continue
            for blob in blobs:
                status, _, body = server.request("GET", f"/v2/{repository}/blobs/{blob}")
                if status != 200 or sha256(body) != blob:
                    broken.append(f"{repository}:{tag} blob {blob} {status}")
            status, _, body = server.request("PUT", f"/v2/{repository}/manifests/{tag}", manifest, {"Content-Type": MANIFEST_TYPE})
            if status != 201:
                broken.append(f"{repository}:{tag} re-PUT {status} {body[:120]!r}")
        report(f"all {len(soak.live)} acknowledged, still tagged manifests are served whole and re-push with 201 (0 MANIFEST_BLOB_UNKNOWN)",
               not broken and len(soak.live) > 0, "\n".join(broken[:20]))
        server.stop()

        # The bytes the hints promised: delete the untagged manifests, then collect once.
        server = Server(data, {"AEGIS_GC_INTERVAL_SECONDS": "0"})
        server.start()
        for tenant in ["acme", "globex"]:
            hints = tenant_json(server, f"/api/v1/tenants/{tenant}/storage/hints?limit=1000")
            for untagged in hints["oldestUntagged"]:
                server.request("DELETE", f"/v2/{untagged['repository']}/manifests/{untagged['digest']}")
        promised = {t: tenant_json(server, f"/api/v1/tenants/{t}/storage/hints")["reclaimableBytes"] for t in ["acme", "globex"]}
        before = {t: tenant_json(server, f"/api/v1/tenants/{t}/storage")["used"] for t in ["acme", "globex"]}
        server.stop()
        on_disk = blob_bytes(data)
        result = subprocess.run([BINARY, "gc", "--json", "--grace-seconds", "0", "--data-dir", data], capture_output=True, text=True, timeout=300)
        freed = json.loads(result.stdout) if result.returncode == 0 else {}
        freed_on_disk = on_disk - blob_bytes(data)
        server = Server(data, {"AEGIS_GC_INTERVAL_SECONDS": "0"})
        server.start()
        after = {t: tenant_json(server, f"/api/v1/tenants/{t}/storage")["used"] for t in ["acme", "globex"]}
        left = {t: tenant_json(server, f"/api/v1/tenants/{t}/storage/hints")["reclaimableBytes"] for t in ["acme", "globex"]}
        dropped = {t: before[t] - after[t] for t in before}
        report("each tenant's stored bytes drop by exactly what the efficiency hints called reclaimable",
               dropped == promised and left == {"acme": 0, "globex": 0} and sum(promised.values()) > 0,
               f"promised {promised}, dropped {dropped}, left {left}, gc {result.stdout}{result.stderr}")
        report("gc frees on disk exactly the bytes it reports",
               result.returncode == 0 and freed.get("bytesFreed") == freed_on_disk and freed_on_disk > 0,
               f"reported {freed}, on disk {freed_on_disk}, status {result.returncode}")

        # fsck agrees: nothing wrong after all that; then one object removed by hand is found.
        check = subprocess.run([BINARY, "fsck", "--deep", "--json", "--data-dir", data], capture_output=True, text=True, timeout=600)
        found = json.loads(check.stdout) if check.stdout.strip() else {}
        report("fsck --deep is clean after the soak (exit 0)", check.returncode == 0 and found.get("problems") == [] and found.get("blobs", 0) > 0,
               f"status {check.returncode}: {check.stdout[-2000:]}{check.stderr[-2000:]}")
        victim = next(os.path.join(d, f) for d, _, files in os.walk(os.path.join(data, "blobs")) for f in files)
        os.remove(victim)
        check = subprocess.run([BINARY, "fsck", "--json", "--data-dir", data], capture_output=True, text=True, timeout=600)
        found = json.loads(check.stdout) if check.stdout.strip() else {}
        kinds = [p["kind"] for p in found.get("problems", [])]
        report("fsck finds an object deleted behind its back (exit 1, missing_object)",
               check.returncode == 1 and kinds == ["missing_object"] and found["problems"][0]["subject"].endswith(os.path.basename(victim)),
               f"status {check.returncode}: {check.stdout[-2000:]}{check.stderr[-2000:]}")
    except Exception as error:  # noqa: BLE001
        report("the soak ran to its end", False, f"{error}\n" + (server.output() if server else ""))
    finally:
        if server:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
