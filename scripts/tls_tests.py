#!/usr/bin/env python3
"""Process-level TLS tests: the built binary serving TLS, mutual TLS and HTTP/2 to real clients.

    python3 scripts/tls_tests.py BINARY

Certificates come from scripts/tls-certs.sh (openssl). Checks:
- `openssl s_client`: TLS 1.0 and 1.1 refused, TLS 1.2 with CBC/3DES suites refused, TLS 1.2 with
  ECDHE-GCM accepted, TLS 1.3 by default, ALPN h2;
- curl `--http2` and `--http1.1` answer with HSTS, nosniff and CSP;
- skopeo copies an OCI layout in and out over TLS (`--cert-dir` with the CA) as admin, then with a
  client certificate and no credentials as the robot bound to it; oras-py pushes and pulls over https;
- mTLS refusals: another CA's certificate and an expired one fail the handshake; after
  `robot revoke`, the certificate gets 401; with `require_client_cert`, no certificate fails the handshake;
- the certificate renewed on disk is served after SIGHUP, by the same process;
- 200 wrong passwords from one client cost 5 hashes and get 429 with Retry-After (on /v2 and
  /token) while another user logs in;
- `serve` refuses plain HTTP on 0.0.0.0 unless tls.allow_plaintext; `user passwd admin` deletes the
  generated password file.
Prints `ok - NAME` / `not ok - NAME` and `N passed, M failed`; exits 1 on any failure. Loopback only;
every wait is bounded.
"""
import base64, http.client, json, os, re, shutil, signal, ssl, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import report, summary  # noqa: E402

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/aegisguard")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = tempfile.mkdtemp(prefix="aegis-tls-tests-")
CERTS = os.path.join(WORK, "certs")
ENV = dict(os.environ, AEGIS_SCRYPT_ROUNDS="1024", AEGIS_LOG_LEVEL="warning", AEGIS_CREDENTIAL_CACHE_SECONDS="0")


def cert(name):
    return os.path.join(CERTS, name)


def run(args, timeout=60, stdin=None, env=None):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, input=stdin, env=env or ENV)


class Server:
    """One `aegisguard serve` on a free port with a configuration file written from `tls` and `auth`."""

    def __init__(self, name, tls, auth=None):
        self.data = os.path.join(WORK, name)
        os.makedirs(self.data)
        config = os.path.join(self.data, "config.toml")
        with open(config, "w") as f:
            for section, values in (("tls", tls), ("auth", auth or {})):
                f.write(f"[{section}]\n")
                for key, value in values.items():
                    f.write(f"{key} = {json.dumps(value)}\n")
        self.config = config
        run([BINARY, "tenant", "create", "acme", "--data-dir", self.data])
        self.log = open(os.path.join(self.data, "server.log"), "w+")
        self.process = subprocess.Popen(
            [BINARY, "serve", "--config", config, "--data-dir", self.data, "--listen", "127.0.0.1:0"],
            stdout=self.log, stderr=subprocess.STDOUT, env=ENV)
        self.port = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            self.log.seek(0)
            match = re.search(r"listening on https://127\.0\.0\.1:(\d+)", self.log.read())
            if match:
                self.port = int(match.group(1))
                break
            time.sleep(0.05)
        if self.port is None:
            raise RuntimeError(f"{name} did not start:\n" + self.output())
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"https://{self.host}"
        self.password = open(os.path.join(self.data, "initial-admin-password")).read().strip()

    def cli(self, *args, stdin=None):
        return run([BINARY, *args, "--data-dir", self.data], stdin=stdin)

    def request(self, method, path, user=None, password=None, client=None, body=None, headers=None):
        """One HTTPS request trusting the test CA, optionally with Basic credentials and a client certificate."""
        context = ssl.create_default_context(cafile=cert("ca.pem"))
        if client:
            context.load_cert_chain(cert(f"{client}.pem"), cert(f"{client}.key"))
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=context, timeout=15)
        try:
            all_headers = dict(headers or {})
            if user:
                all_headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def admin(self, method, path, **kwargs):
        return self.request(method, path, user="admin", password=self.password, **kwargs)

    def metric(self, name):
        _, _, body = self.admin("GET", "/metrics")
        match = re.search(rf"^{re.escape(name)} (\d+)", body.decode(), re.M)
        return int(match.group(1)) if match else 0

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self):
        self.log.seek(0)
        return self.log.read()


def s_client(port, *args):
    """`openssl s_client` against the port: (handshake succeeded, output)."""
    result = run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", cert("ca.pem"), *args], stdin="", timeout=20)
    output = result.stdout + result.stderr
    return ("Cipher is (NONE)" not in output and re.search(r"^New, TLSv", output, re.M) is not None), output


def curl(*args):
    return run(["curl", "-s", "-m", "15", "--cacert", cert("ca.pem"), *args], timeout=30)


def protocol_checks(server):
    for version in ("-tls1", "-tls1_1"):
        ok, output = s_client(server.port, version)
        report(f"openssl s_client {version} is refused", not ok, output)
    for cipher in ("AES128-SHA", "ECDHE-RSA-AES128-SHA", "DES-CBC3-SHA", "AES256-GCM-SHA384"):
        ok, output = s_client(server.port, "-tls1_2", "-cipher", cipher)
        report(f"TLS 1.2 with {cipher} is refused", not ok, output)
    ok, output = s_client(server.port, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")
    report("TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 is accepted", ok, output)
    ok, output = s_client(server.port)
    report("the default handshake is TLS 1.3", ok and "New, TLSv1.3" in output, output)
    ok, output = s_client(server.port, "-alpn", "h2,http/1.1")
    report("ALPN offers h2 first", ok and "ALPN protocol: h2" in output, output)

    for flag, version in (("--http2", "2"), ("--http1.1", "1.1")):
        result = curl(flag, "-D", "-", "-o", "/dev/null", "-w", "%{http_version}\n", f"{server.url}/v2/")
        headers = result.stdout.lower()
        report(
            f"curl {flag}: 401 with HSTS, nosniff and CSP over HTTP/{version}",
            result.returncode == 0 and result.stdout.strip().endswith(version) and " 401" in headers.splitlines()[0]
            and "strict-transport-security: max-age=31536000" in headers and "x-content-type-options: nosniff" in headers
            and "content-security-policy: default-src 'none'" in headers and 'realm="https://127.0.0.1' in headers,
            result.stdout + result.stderr)


def client_checks(server):
    layout = os.path.join(WORK, "layout")
    digest = run([sys.executable, os.path.join(ROOT, "scripts/make-oci-layout.py"), layout, "v1"]).stdout.strip()
    ca_dir = os.path.join(WORK, "certs.d-ca")
    os.makedirs(ca_dir)
    shutil.copy(cert("ca.pem"), os.path.join(ca_dir, "ca.crt"))
    copy = run(["skopeo", "copy", "--dest-cert-dir", ca_dir, "--dest-creds", f"admin:{server.password}",
                f"oci:{layout}:v1", f"docker://{server.host}/acme/app:v1"], timeout=120)
    report("skopeo copies an OCI layout in over TLS (CA from --dest-cert-dir)", copy.returncode == 0, copy.stderr)
    inspect = run(["skopeo", "inspect", "--raw", "--cert-dir", ca_dir, "--creds", f"admin:{server.password}",
                   f"docker://{server.host}/acme/app:v1"], timeout=60)
    pulled = run(["skopeo", "manifest-digest", "/dev/stdin"], stdin=inspect.stdout) if inspect.returncode == 0 else inspect
    report("skopeo reads it back over TLS with the same digest", pulled.stdout.strip() == digest, inspect.stderr + pulled.stderr)
    without_ca = run(["skopeo", "inspect", "--creds", f"admin:{server.password}", f"docker://{server.host}/acme/app:v1"], timeout=60)
    report("skopeo without the CA refuses the server certificate", without_ca.returncode != 0 and "certificate" in without_ca.stderr,
           without_ca.stderr)

    created = server.cli("robot", "create", "acme", "ci", "--role", "developer", "--certificate-identity", "spiffe://aegis.test/ci")
    mtls_dir = os.path.join(WORK, "certs.d-mtls")
    os.makedirs(mtls_dir)
    shutil.copy(cert("ca.pem"), os.path.join(mtls_dir, "ca.crt"))
    shutil.copy(cert("client.pem"), os.path.join(mtls_dir, "client.cert"))
    shutil.copy(cert("client.key"), os.path.join(mtls_dir, "client.key"))
    copy = run(["skopeo", "copy", "--dest-cert-dir", mtls_dir, f"oci:{layout}:v1", f"docker://{server.host}/acme/app:v2"], timeout=120)
    report("skopeo pushes with only a client certificate, as the robot bound to it",
           created.returncode == 0 and copy.returncode == 0, created.stdout + created.stderr + copy.stderr)
    status, _, body = server.request("GET", "/api/v1/me", client="client")
    report("/api/v1/me with the client certificate names the robot", status == 200 and b'"name":"robot$acme+ci"' in body, body)

    oras_check(server)

    for name, expectation in (("other-client", "a certificate from another CA"), ("expired-client", "an expired certificate")):
        result = curl("--cert", cert(f"{name}.pem"), "--key", cert(f"{name}.key"), "-o", "/dev/null", "-w", "%{http_code}", f"{server.url}/v2/")
        report(f"{expectation} fails the handshake", result.returncode != 0 and result.stdout in ("", "000"),
               f"exit {result.returncode} status {result.stdout} {result.stderr}")
    revoked = server.cli("robot", "revoke", "acme", "ci")
    status, body = None, b""
    for _ in range(30):  # revocation reaches the running server through the change feed (~1 s)
        status, _, body = server.request("GET", "/v2/", client="client")
        if status == 401:
            break
        time.sleep(0.2)
    report("a revoked robot's certificate gets 401 UNAUTHORIZED", revoked.returncode == 0 and status == 401 and b"UNAUTHORIZED" in body,
           f"{status} {body!r} {revoked.stderr}")


def oras_check(server):
    try:
        import oras.provider
    except ImportError as error:
        report("oras-py pushes and pulls over https", False, f"oras-py is missing: {error}")
        return
    # oras-py passes verify=True itself; requests then takes the CA from the environment.
    os.environ["REQUESTS_CA_BUNDLE"] = cert("ca.pem")

    class Registry(oras.provider.Registry):
        """oras-py keeps one bearer token for every request: after a 401 `insufficient_scope` (the
        token service's answer for a scope the token lacks), drop it and let oras-py get one for
        the scope named, once (as scripts/oras_client_test.py does)."""

        def do_request(self, *args, **kwargs):
            response = oras.provider.Registry.do_request.__wrapped__(self, *args, **kwargs)
            challenge = response.headers.get("Www-Authenticate", "") if response is not None else ""
            if response is not None and response.status_code == 401 and 'error="insufficient_scope"' in challenge:
                self.auth.token = None
                response = oras.provider.Registry.do_request.__wrapped__(self, *args, **kwargs)
            return response

    registry = Registry(hostname=server.host, insecure=False, tls_verify=True)
    registry.auth.set_basic_auth("admin", server.password)
    here = os.getcwd()
    work = tempfile.mkdtemp(dir=WORK, prefix="oras-")
    os.chdir(work)  # oras-py wants pushed files under the working directory
    try:
        payload = os.urandom(2048).hex().encode()
        with open("artifact.txt", "wb") as f:
            f.write(payload)
        response = registry.push(target=f"{server.host}/acme/artifacts:v1", files=["artifact.txt"])
        out = os.path.join(work, "out")
        files = registry.pull(target=f"{server.host}/acme/artifacts:v1", outdir=out)
        pulled = open(files[0], "rb").read() if files else b""
        report("oras-py pushes and pulls an artifact over https", response.status_code in (200, 201) and pulled == payload,
               f"push {response.status_code}, pulled {len(pulled)} bytes")
    except Exception as error:  # noqa: BLE001 — any failure of the client is the check's failure
        report("oras-py pushes and pulls an artifact over https", False, repr(error))
    finally:
        os.chdir(here)


def required_certificate_checks():
    server = Server("required", {"cert_file": cert("server.pem"), "key_file": cert("server.key"),
                                 "client_ca_file": cert("ca.pem"), "require_client_cert": True})
    try:
        server.cli("robot", "create", "acme", "ci", "--role", "reader", "--certificate-identity", "spiffe://aegis.test/ci")
        result = curl("-o", "/dev/null", "-w", "%{http_code}", f"{server.url}/v2/")
        report("with require_client_cert, no certificate fails the handshake", result.returncode != 0,
               f"exit {result.returncode} {result.stdout}")
        result = curl("--cert", cert("client.pem"), "--key", cert("client.key"), "-o", "/dev/null", "-w", "%{http_code}", f"{server.url}/v2/")
        report("with require_client_cert, the bound certificate gets 200", result.stdout == "200", result.stdout + result.stderr)
    finally:
        server.stop()


def rotation_check():
    live = os.path.join(WORK, "live")
    os.makedirs(live)

    def install(name):  # as renewal tools do: write beside, then rename over
        for suffix in ("pem", "key"):
            shutil.copy(cert(f"{name}.{suffix}"), os.path.join(live, f"tls.{suffix}.new"))
            os.rename(os.path.join(live, f"tls.{suffix}.new"), os.path.join(live, f"tls.{suffix}"))

    install("server")
    server = Server("rotation", {"cert_file": os.path.join(live, "tls.pem"), "key_file": os.path.join(live, "tls.key"),
                                 "reload_check_seconds": 3600})
    try:
        subject = lambda: run(["openssl", "s_client", "-connect", f"127.0.0.1:{server.port}"], stdin="", timeout=20).stdout  # noqa: E731
        before = subject()
        install("server2")
        pid = server.process.pid
        server.process.send_signal(signal.SIGHUP)
        after = ""
        for _ in range(50):
            time.sleep(0.1)
            after = subject()
            if "localhost rotated" in after:
                break
        report("after SIGHUP the renewed certificate is served by the same process",
               "CN = localhost rotated" not in before and "localhost rotated" in after and server.process.poll() is None
               and server.process.pid == pid, after[-800:])
    finally:
        server.stop()


def throttling_check(server):
    created = [server.cli("user", "create", name, "--password-stdin", stdin=f"{name}-password-123\n") for name in ("alice", "bob")]
    hashes = server.metric("aegis_login_password_hashes_total")
    statuses, retry_after = {}, None
    for attempt in range(200):
        status, headers, _ = server.request("GET", "/v2/", user="alice", password=f"guess-{attempt}")
        statuses[status] = statuses.get(status, 0) + 1
        retry_after = headers.get("retry-after", retry_after)
    # Less one: the second scrape's own admin login (the credential cache is off here).
    spent = server.metric("aegis_login_password_hashes_total") - hashes - 1
    report("200 wrong passwords: 5 × 401 and 5 hashes, then 429 with Retry-After",
           all(c.returncode == 0 for c in created) and statuses == {401: 5, 429: 195} and spent == 5
           and retry_after is not None and 0 < int(retry_after) <= 60, f"statuses {statuses}, Retry-After {retry_after}, hashes {spent}")
    status, _, _ = server.request("GET", "/v2/", user="bob", password="bob-password-123")
    report("meanwhile another user from the same address logs in", status == 200, status)
    status, headers, body = server.request("GET", "/token?service=aegisguard", user="alice", password="alice-password-123")
    report("/token for the locked user, even with the right password: 429 slow_down with Retry-After",
           status == 429 and b"slow_down" in body and "retry-after" in headers, f"{status} {body!r}")
    report("the lockout is counted", server.metric('aegis_login_lockouts_total{scope="user"}') >= 1, "")


def passwd_check(server):
    password_file = os.path.join(server.data, "initial-admin-password")
    result = server.cli("user", "passwd", "admin", "--password-stdin", stdin="a-new-admin-password\n")
    status, _, _ = server.request("GET", "/v2/", user="admin", password="a-new-admin-password")
    report("`user passwd admin` deletes the generated password file, and the new password works",
           result.returncode == 0 and not os.path.exists(password_file) and "deleted" in result.stdout and status == 200,
           result.stdout + result.stderr + f" status {status}")


def plaintext_checks():
    data = os.path.join(WORK, "plain")
    refused = run([BINARY, "serve", "--data-dir", data, "--listen", "0.0.0.0:0"], timeout=30)
    report("plain HTTP on 0.0.0.0 is refused, naming tls.allow_plaintext",
           refused.returncode != 0 and "tls.allow_plaintext" in refused.stderr + refused.stdout, refused.stderr)
    process = subprocess.Popen([BINARY, "serve", "--data-dir", data, "--listen", "0.0.0.0:0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=dict(ENV, AEGIS_TLS_ALLOW_PLAINTEXT="true"), text=True)
    try:
        line = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "listening on" not in line:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
        report("with AEGIS_TLS_ALLOW_PLAINTEXT=true it starts", "listening on http://0.0.0.0:" in line, line)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def main():
    made = run(["bash", os.path.join(ROOT, "scripts/tls-certs.sh"), CERTS])
    if made.returncode != 0:
        report("scripts/tls-certs.sh makes the test certificates", False, made.stderr)
        return summary()
    # A long first lock, so the throttling checks see one lock throughout.
    server = Server("main", {"cert_file": cert("server.pem"), "key_file": cert("server.key"), "client_ca_file": cert("ca.pem")},
                    {"login_lockout_seconds": 60})
    try:
        protocol_checks(server)
        client_checks(server)
        throttling_check(server)
        passwd_check(server)
    finally:
        server.stop()
    required_certificate_checks()
    rotation_check()
    plaintext_checks()
    return summary()


if __name__ == "__main__":
    try:
        code = main()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(code)
