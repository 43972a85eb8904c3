#!/usr/bin/env python3
"""Process-level tests of `aegisguard serve`: how it stops, and what a crash leaves behind.

    python3 scripts/process_tests.py BINARY      (a debug build: crash points are compiled in)

- A graceful stop (SIGTERM, SIGINT) exits 0 and writes the gas rows it had buffered.
- A second signal during the drain exits at once with 128 + the signal's number.
- Killed at each step of an upload's finalisation (AEGIS_TEST_CRASH_AT=upload-marked | upload-moved |
  upload-linked, which make a debug build _exit(86) there), a restarted server lets the client finish
  the same upload, serves exactly its bytes, and keeps no stray object.
Prints `ok - NAME` / `not ok - NAME` and `N passed, M failed`; exits 1 on any failure. Loopback only;
every wait is bounded.
"""
import base64, hashlib, http.client, os, re, shutil, signal, socket, sqlite3, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import report, summary  # noqa: E402

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/aegisguard")


class Server:
    """One `aegisguard serve` on a free loopback port over `data`."""

    def __init__(self, data, env=None):
        self.data = data
        self.log = open(os.path.join(data, "..", f"server-{time.monotonic_ns()}.log"), "w+")
        environment = dict(os.environ, AEGIS_LOG_LEVEL="error", AEGIS_SCRYPT_ROUNDS="1024", **(env or {}))
        self.process = subprocess.Popen(
            [BINARY, "serve", "--data-dir", data, "--listen", "127.0.0.1:0"], stdout=self.log, stderr=subprocess.STDOUT, env=environment
        )
        self.port = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            self.log.seek(0)
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.log.read())
            if match:
                self.port = int(match.group(1))
                break
            time.sleep(0.05)
        if self.port is None:
            raise RuntimeError("the server did not start:\n" + self.output())
        password = open(os.path.join(data, "initial-admin-password")).read().strip()
        self.auth = "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()

    def request(self, method, path, body=b"", headers=None, timeout=10):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers={"Authorization": self.auth, **(headers or {})})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def wait(self, timeout=40):
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.wait()

    def output(self):
        self.log.seek(0)
        return self.log.read()


def new_data_dir(root):
    data = tempfile.mkdtemp(dir=root, prefix="data-")
    result = subprocess.run([BINARY, "tenant", "create", "acme", "--data-dir", data], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(result.stdout + result.stderr)
    return data


def test_graceful_stop(root):
    for sig, name in [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")]:
        data = new_data_dir(root)
        server = Server(data)
        status, _, _ = server.request("GET", "/v2/acme/app/tags/list")
        server.process.send_signal(sig)
        code = server.wait()
        rows = sqlite3.connect(os.path.join(data, "meta.sqlite")).execute("SELECT count(*) FROM gas_ledger").fetchone()[0]
        report(f"{name} stops serve gracefully with status 0", code == 0, f"status {code}\n{server.output()}")
        report(f"{name}: the gas rows buffered before the stop are written", rows >= 1 and status == 404, f"rows {rows}, status {status}")


def test_second_signal_forces_exit(root):
    data = new_data_dir(root)
    server = Server(data)
    location = server.request("POST", "/v2/acme/app/blobs/uploads/")[1]["Location"]
    # A request in flight keeps the drain waiting: its body never completes.
    hanging = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    hanging.sendall(f"PATCH {location} HTTP/1.1\r\nHost: x\r\nAuthorization: {server.auth}\r\nContent-Length: 1000\r\n\r\nabc".encode())
    time.sleep(0.5)
    server.process.send_signal(signal.SIGTERM)
    time.sleep(1.0)
    draining = server.process.poll() is None
    server.process.send_signal(signal.SIGTERM)
    code = server.wait(timeout=10)
    hanging.close()
    report("the first signal drains: a request in flight keeps serve running", draining, server.output())
    report("a second signal exits at once with 128 + SIGTERM = 143", code == 143, f"status {code}\n{server.output()}")


def stray_objects(data):
    uploads = os.listdir(os.path.join(data, "uploads"))
    trash = os.listdir(os.path.join(data, "trash"))
    return uploads + trash


def test_crash_during_finalisation(root, point):
    data = new_data_dir(root)
    first = bytes(os.urandom(300_000))
    second = bytes(os.urandom(200_000))
    digest = "sha256:" + hashlib.sha256(first + second).hexdigest()
    server = Server(data, env={"AEGIS_TEST_CRASH_AT": point})
    status, headers, _ = server.request("POST", "/v2/acme/app/blobs/uploads/")
    location = headers["Location"]
    server.request("PATCH", location, first, {"Content-Range": f"0-{len(first) - 1}", "Content-Type": "application/octet-stream"})
    server.request("PATCH", location, second, {"Content-Range": f"{len(first)}-{len(first) + len(second) - 1}"})
    try:
        answer = server.request("PUT", f"{location}?digest={digest}", timeout=10)[0]
    except (ConnectionError, http.client.HTTPException, socket.timeout) as error:
        answer = type(error).__name__
    code = server.wait(timeout=20)
    report(f"{point}: the test build dies there (status 86) before answering the final PUT", code == 86 and not isinstance(answer, int),
           f"status {code}, answer {answer}\n{server.output()}")

    server = Server(data)
    try:
        size = len(first) + len(second)
        status, headers, _ = server.request("GET", location)
        if point == "upload-linked":
            # The blob was linked before the crash: the session is over and the blob is there.
            report(f"{point}: after a restart the session is complete", status == 404, f"status {status}")
        else:
            report(f"{point}: after a restart the session reports all {size} bytes", status == 204 and headers.get("Range") == f"0-{size - 1}",
                   f"status {status} {headers}")
            status, headers, body = server.request("PUT", f"{location}?digest={digest}")
            report(f"{point}: the retried final PUT completes the upload (201)", status == 201, f"status {status} {body[:300]!r}")
        status, headers, body = server.request("GET", f"/v2/acme/app/blobs/{digest}")
        report(f"{point}: the blob is served byte for byte", status == 200 and body == first + second and headers.get("Docker-Content-Digest") == digest,
               f"status {status}, {len(body)} bytes")
        report(f"{point}: nothing is left in uploads/ or trash/", stray_objects(data) == [], stray_objects(data))
    finally:
        server.stop()


def main():
    if not os.access(BINARY, os.X_OK):
        print(f"process-tests: no executable at {BINARY}", file=sys.stderr)
        return 2
    root = tempfile.mkdtemp(prefix="aegis-process-tests.")
    try:
        test_graceful_stop(root)
        test_second_signal_forces_exit(root)
        for point in ["upload-marked", "upload-moved", "upload-linked"]:
            test_crash_during_finalisation(root, point)
    except Exception as error:  # a setup failure is a failure, not a crash of the runner
        report("process tests ran to the end", False, repr(error))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
