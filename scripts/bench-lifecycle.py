#!/usr/bin/env python3
"""Benchmark (not a test): garbage collection, pushes under collection, and backup throughput.

    python3 scripts/bench-lifecycle.py [BINARY] [BLOBS] [PUSHES]
        (default .build/release/aegisguard, 100000 blobs, 3000 pushes)

1. GC of BLOBS unreferenced blobs: BLOBS small blobs uploaded (8 connections) and never named by a
   manifest; `aegisguard gc --grace-seconds 0` removes every link and blob. Seconds and objects/s.
2. Push latency with GC running vs not, A/B in one run: PUSHES image pushes (4 connections: config,
   a 16 KiB layer of its own, the manifest), each deleting its previous image, so that collection
   always has work; server A with `gc.interval_seconds = 0`, server B collecting every second with a
   2 s grace. p50 and p99 of a whole push, in alternating rounds.
3. Backup vs `cp -r`: a data directory of 400 blobs of 1 MiB; `aegisguard backup` into a new
   directory, then `cp -r` of the data directory, each after `sync`. MiB/s of blob bytes.
Client and server share this machine's cores. Prints Markdown tables.
"""
import base64, hashlib, http.client, json, os, re, shutil, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/aegisguard"))
BLOBS = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
PUSHES = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
CONFIG = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Server:
    def __init__(self, data, env):
        self.log = open(os.path.join(data, "..", f"server-{time.monotonic_ns()}.log"), "w+")
        environment = dict(os.environ, AEGIS_LOG_LEVEL="error", AEGIS_GAS_METERING="false", **env)
        self.process = subprocess.Popen([BINARY, "serve", "--data-dir", data, "--listen", "127.0.0.1:0"], stdout=self.log, stderr=subprocess.STDOUT, env=environment)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.log.seek(0)
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.log.read())
            if match:
                self.port = int(match.group(1))
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("server did not start")
        password = open(os.path.join(data, "initial-admin-password")).read().strip()
        self.auth = "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)


class Client:
    """One keep-alive connection."""

    def __init__(self, server):
        self.server = server
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)

    def request(self, method, path, body=b"", headers=None):
        self.connection.request(method, path, body=body, headers={"Authorization": self.server.auth, **(headers or {})})
        response = self.connection.getresponse()
        data = response.read()
        return response.status, data

    def upload(self, repository, data):
        status, body = self.request("POST", f"/v2/{repository}/blobs/uploads/?digest={sha256(data)}", data)
        if status != 201:
            raise RuntimeError(f"upload {status} {body[:200]!r}")

    def push(self, repository, tag):
        layer = os.urandom(16 * 1024)
        self.upload(repository, CONFIG)
        self.upload(repository, layer)
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(CONFIG), "size": len(CONFIG)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha256(layer), "size": len(layer)}],
        }).encode()
        status, body = self.request("PUT", f"/v2/{repository}/manifests/{tag}", manifest, {"Content-Type": MANIFEST_TYPE})
        if status != 201:
            raise RuntimeError(f"PUT {status} {body[:200]!r}")
        return sha256(manifest)


def parallel(count, threads, work):
    """Runs work(client_index, i) for i in range(count) over `threads` threads."""
    errors = []

    def run(index):
        try:
            for i in range(index, count, threads):
                work(index, i)
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    pool = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:
        raise errors[0]


def new_data(root, name):
    data = os.path.join(root, name)
    os.makedirs(data)
    subprocess.run([BINARY, "tenant", "create", "bench", "--data-dir", data], check=True, capture_output=True)
    return data


def bench_gc(root):
    data = new_data(root, "gc")
    server = Server(data, {"AEGIS_GC_INTERVAL_SECONDS": "0"})
    clients = [Client(server) for _ in range(8)]
    start = time.monotonic()
    parallel(BLOBS, 8, lambda c, i: clients[c].upload(f"bench/r{i % 16}", i.to_bytes(8, "big") + os.urandom(24)))
    filled = time.monotonic() - start
    server.stop()
    start = time.monotonic()
    result = subprocess.run([BINARY, "gc", "--json", "--grace-seconds", "0", "--data-dir", data], capture_output=True, text=True, check=True)
    seconds = time.monotonic() - start
    report = json.loads(result.stdout)
    print(f"\n### GC of {BLOBS} unreferenced blobs\n")
    print("| blobs uploaded | upload s | links removed | blobs removed | gc s | objects/s |")
    print("|---|---|---|---|---|---|")
    objects = report["linksRemoved"] + report["blobsRemoved"]
    print(f"| {BLOBS} | {filled:.1f} | {report['linksRemoved']} | {report['blobsRemoved']} | {seconds:.1f} | {objects / seconds:.0f} |")


def bench_push_under_gc(root):
    rounds = 4
    per_round = PUSHES // rounds
    latencies = {"gc off": [], "gc every 1 s": []}
    servers = {}
    for name, env in [("gc off", {"AEGIS_GC_INTERVAL_SECONDS": "0"}), ("gc every 1 s", {"AEGIS_GC_INTERVAL_SECONDS": "1", "AEGIS_GC_GRACE_SECONDS": "2"})]:
        servers[name] = Server(new_data(root, name.replace(" ", "-")), env)
    collected = {}
    for round_number in range(rounds):
        for name, server in servers.items():
            clients = [Client(server) for _ in range(4)]
            previous = {}
            lock = threading.Lock()

            def work(c, i, clients=clients, previous=previous, lock=lock, name=name, round_number=round_number):
                repository = f"bench/p{c}"
                began = time.monotonic()
                digest = clients[c].push(repository, f"r{round_number}-{i}")
                elapsed = time.monotonic() - began
                old = previous.get(c)
                previous[c] = digest
                if old:
                    clients[c].request("DELETE", f"/v2/{repository}/manifests/{old}")
                with lock:
                    latencies[name].append(elapsed)

            parallel(per_round, 4, work)
    for name, server in servers.items():
        status, body = Client(server).request("GET", "/metrics")
        match = re.search(r"^aegis_gc_blobs_removed_total (\d+)", body.decode(), re.M)
        collected[name] = int(match.group(1)) if match else 0
        server.stop()
    print(f"\n### Push latency with GC running vs not ({PUSHES} pushes each, 4 connections, alternating rounds)\n")
    print("| server | pushes | p50 ms | p99 ms | blobs collected meanwhile |")
    print("|---|---|---|---|---|")
    for name, values in latencies.items():
        values.sort()
        p50 = values[len(values) // 2] * 1000
        p99 = values[int(len(values) * 0.99)] * 1000
        print(f"| {name} | {len(values)} | {p50:.2f} | {p99:.2f} | {collected[name]} |")


def bench_backup(root):
    data = new_data(root, "backup-data")
    server = Server(data, {"AEGIS_GC_INTERVAL_SECONDS": "0"})
    clients = [Client(server) for _ in range(4)]
    parallel(400, 4, lambda c, i: clients[c].upload("bench/big", os.urandom(1 << 20)))
    server.stop()
    subprocess.run(["sync"])
    start = time.monotonic()
    subprocess.run([BINARY, "backup", os.path.join(root, "backup-out"), "--json", "--data-dir", data], check=True, capture_output=True)
    backup = time.monotonic() - start
    subprocess.run(["sync"])
    start = time.monotonic()
    subprocess.run(["cp", "-r", data, os.path.join(root, "cp-out")], check=True)
    subprocess.run(["sync"])
    copy = time.monotonic() - start
    mib = 400
    print("\n### Backup vs cp -r (400 blobs of 1 MiB)\n")
    print("| method | s | MiB/s |")
    print("|---|---|---|")
    print(f"| aegisguard backup (hashes every blob) | {backup:.2f} | {mib / backup:.0f} |")
    print(f"| cp -r of the data directory, then sync | {copy:.2f} | {mib / copy:.0f} |")


def main():
    root = tempfile.mkdtemp(prefix="aegis-bench-lifecycle-")
    try:
        bench_gc(root)
        bench_push_under_gc(root)
        bench_backup(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
