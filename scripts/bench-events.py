#!/usr/bin/env python3
"""Benchmark (not a test): events from commit to JetStream PubAck, and what tracing costs.

    python3 scripts/bench-events.py [BINARY] [EVENTS] [ROUNDS]
        (default .build/release/aegisguard, 20000 events, 3 rounds)

1. Under load: `hey` sends EVENTS `PUT /api/v1/tenants/bench/storage/quota` (32 connections), each
   committing one event, to a server publishing to a local nats-server with JetStream. Per event,
   `published_at - time` from the outbox (SQLite) is the commit-to-PubAck latency (an upper bound:
   `published_at` is stamped after the acknowledgement); events/s is their count over the span from
   the first commit to the last acknowledgement.
2. Drain: with NATS stopped, EVENTS more changes commit and wait in the outbox; NATS restarts and the
   publisher sends the backlog. Events/s over the span of their acknowledgements.
3. Tracing cost on manifest GET (wrk, 5 s, 32 connections, a bearer token), server CPU per request from
   /proc, interleaved rounds: tracing off; on with every request sampled (spans to a local OTLP/HTTP
   receiver, scripts/otlp_receiver.py); on with `OTEL_TRACES_SAMPLER=traceidratio` 0.01.
Client and servers share this machine's cores. Prints a Markdown table of each.
"""
import base64, json, os, re, signal, socket, sqlite3, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/aegisguard"))
EVENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
HZ = os.sysconf("SC_CLK_TCK")
PROCESSES = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise SystemExit(f"bench-events: {what} within {seconds} s did not happen")


def start(arguments, log, env=None):
    process = subprocess.Popen(arguments, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, **(env or {})))
    PROCESSES.append(process)
    return process


def cpu_ticks(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


class NATS:
    def __init__(self, work):
        self.port, self.store, self.log = free_port(), os.path.join(work, "jetstream"), open(os.path.join(work, "nats.log"), "a")
        self.start()

    def start(self):
        self.process = start(["nats-server", "-js", "-sd", self.store, "-a", "127.0.0.1", "-p", str(self.port)], self.log)
        wait_for(lambda: connectable(self.port), 10, "nats-server listening")

    def stop(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def connectable(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


class Server:
    def __init__(self, work, name, env):
        self.data = os.path.join(work, name)
        subprocess.run([BINARY, "tenant", "create", "bench", "--data-dir", self.data], check=True, stdout=subprocess.DEVNULL)
        self.port = free_port()
        environment = dict(AEGIS_LOG_LEVEL="warning", AEGIS_SCRYPT_ROUNDS="1024", AEGIS_TOKEN_LIFETIME_SECONDS="7200", **env)
        self.process = start(
            [BINARY, "serve", "--data-dir", self.data, "--listen", f"127.0.0.1:{self.port}"], open(self.data + ".log", "w"), environment)
        self.url = f"http://127.0.0.1:{self.port}"
        wait_for(lambda: connectable(self.port), 30, f"{name} listening")
        password = open(os.path.join(self.data, "initial-admin-password")).read().strip()
        self.basic = "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()
        self.token = self.call("GET", "/token?service=aegisguard&scope=repository:bench/x:pull,push")["token"]

    def call(self, method, path, body=None, headers=None, authorization=None):
        request = urllib.request.Request(self.url + path, data=body, method=method)
        request.add_header("Authorization", authorization or self.basic)
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        with urllib.request.urlopen(request, timeout=30) as response:
            data = response.read()
            return json.loads(data) if data and response.headers.get("Content-Type", "").startswith("application/json") else data

    def pending(self):
        text = self.call("GET", "/metrics").decode()
        match = re.search(r"^aegis_events_outbox_pending (\S+)$", text, re.M)
        return float(match.group(1)) if match else None

    def outbox(self, after):
        with sqlite3.connect(os.path.join(self.data, "meta.sqlite")) as db:
            return db.execute("SELECT id, time, published_at FROM outbox WHERE id > ? ORDER BY id", (after,)).fetchall()

    def latest(self):
        with sqlite3.connect(os.path.join(self.data, "meta.sqlite")) as db:
            return db.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0]

    def changes(self, count):
        """`count` quota changes through hey, each one event."""
        body = os.path.join(os.path.dirname(self.data), "quota.json")
        open(body, "w").write('{"quota":1000000000}')
        subprocess.run(
            ["hey", "-n", str(count), "-c", "32", "-m", "PUT", "-T", "application/json", "-D", body, "-H",
             f"Authorization: Bearer {self.token}", f"{self.url}/api/v1/tenants/bench/storage/quota"],
            check=True, stdout=subprocess.DEVNULL)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def events_benchmark(work):
    nats = NATS(work)
    server = Server(work, "events", {"AEGIS_EVENTS_NATS_URL": f"nats://127.0.0.1:{nats.port}"})
    wait_for(lambda: server.pending() == 0, 30, "the first events published")
    rows = []
    for round in range(1, ROUNDS + 1):
        # Under load.
        start_id = server.latest()
        server.changes(EVENTS)
        wait_for(lambda: server.pending() == 0, 60, "the outbox drained")
        events = [row for row in server.outbox(start_id) if row[2] is not None]
        latencies = [(published - committed) * 1000 for _, committed, published in events]
        span = max(p for _, _, p in events) - min(t for _, t, _ in events)
        rows.append(("under load", round, len(events), len(events) / span, statistics.median(latencies),
                     percentile(latencies, 0.99), max(latencies)))
        # A backlog, drained after NATS returns.
        nats.stop()
        start_id = server.latest()
        server.changes(EVENTS)
        nats.start()
        wait_for(lambda: server.pending() == 0, 120, "the backlog drained")
        events = server.outbox(start_id)
        acknowledged = sorted(p for _, _, p in events)
        span = acknowledged[-1] - acknowledged[0]
        # Acknowledged batches (of 512) share one `published_at`: the span runs from the first
        # batch's mark to the last's, so the first batch is not counted.
        first_batch = acknowledged.count(acknowledged[0])
        rate = (len(events) - first_batch) / span if span > 0 else None
        rows.append(("backlog drain", round, len(events), rate, None, None, None))
    print("| workload | round | events | events/s | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    for name, round, count, rate, p50, p99, worst in rows:
        figures = " | ".join("—" if value is None else f"{value:.1f}" for value in (p50, p99, worst))
        print(f"| {name} | {round} | {count} | {'one batch' if rate is None else f'{rate:,.0f}'} | {figures} |")


def manifest(server):
    """Pushes bench/x:v1 (an empty config, no layers)."""
    config = b"{}"
    digest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    server.call("POST", f"/v2/bench/x/blobs/uploads/?digest={digest}", config, {"Content-Type": "application/octet-stream"})
    document = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest, "size": 2}, "layers": [],
    }).encode()
    server.call("PUT", "/v2/bench/x/manifests/v1", document, {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})


def wrk(server):
    before = cpu_ticks(server.process.pid)
    out = subprocess.run(
        ["wrk", "-t2", "-c32", "-d5s", "-H", f"Authorization: Bearer {server.token}", "-H",
         "Accept: application/vnd.oci.image.manifest.v1+json", f"{server.url}/v2/bench/x/manifests/v1"],
        check=True, capture_output=True, text=True).stdout
    after = cpu_ticks(server.process.pid)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    if "Non-2xx" in out:
        raise SystemExit(f"bench-events: non-2xx answers\n{out}")
    return float(re.search(r"Requests/sec:\s+(\S+)", out).group(1)), (after - before) / HZ * 1e6 / requests


def tracing_benchmark(work):
    receiver_log = open(os.path.join(work, "receiver.log"), "w")
    receiver = start([sys.executable, os.path.join(ROOT, "scripts/otlp_receiver.py"), "0", os.devnull], receiver_log)
    wait_for(lambda: "listening on" in open(os.path.join(work, "receiver.log")).read(), 10, "the OTLP receiver listening")
    port = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(os.path.join(work, "receiver.log")).read()).group(1)
    otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}", "OTEL_SERVICE_NAME": "bench"}
    servers = [
        ("tracing off", Server(work, "off", {})),
        ("tracing on, every request sampled", Server(work, "on", dict(otel, OTEL_TRACES_SAMPLER="always_on"))),
        ("tracing on, 1 % sampled", Server(work, "ratio", dict(otel, OTEL_TRACES_SAMPLER="traceidratio", OTEL_TRACES_SAMPLER_ARG="0.01"))),
    ]
    for _, server in servers:
        manifest(server)
    results = {name: [] for name, _ in servers}
    for _ in range(ROUNDS):
        for name, server in servers:
            results[name].append(wrk(server))
    print("| manifest GET | req/s (median) | µs server CPU/request (median) | rounds (µs) |")
    print("|---|---|---|---|")
    for name, figures in results.items():
        rates, cpu = [f[0] for f in figures], [f[1] for f in figures]
        print(f"| {name} | {statistics.median(rates):,.0f} | {statistics.median(cpu):.0f} | {', '.join(f'{c:.0f}' for c in cpu)} |")
    receiver.terminate()


def main():
    for tool in ["hey", "wrk", "nats-server"]:
        if subprocess.run(["sh", "-c", f"command -v {tool}"], stdout=subprocess.DEVNULL).returncode:
            raise SystemExit(f"bench-events: {tool} is missing (scripts/install-test-deps.sh installs it)")
    with tempfile.TemporaryDirectory(prefix="aegis-bench-events.") as work:
        try:
            print(f"commit to PubAck: {EVENTS} events per workload, {ROUNDS} rounds ({BINARY})\n")
            events_benchmark(work)
            print(f"\ntracing cost: {ROUNDS} interleaved rounds\n")
            tracing_benchmark(work)
        finally:
            for process in PROCESSES:
                if process.poll() is None:
                    process.kill()
                    process.wait()


if __name__ == "__main__":
    main()
