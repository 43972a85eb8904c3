#!/usr/bin/env python3
"""Process-level TLS tests of `aegisguard serve` with real clients (openssl, curl, skopeo, oras-py).

    python3 scripts/tls_tests.py BINARY

Certificates from scripts/tls-certs.sh (a test CA, a second CA, server, client, foreign and expired
client certificates), servers on free loopback ports:
- openssl s_client: TLS 1.0 and 1.1 refused, TLS 1.2 with ECDHE-ECDSA CBC suites refused (each probe
  first shown to connect to a permissive `openssl s_server`, so a refusal is the server's), TLS 1.2 with
  ECDHE-ECDSA-AES128-GCM-SHA256 accepted, TLS 1.3 by default, ALPN h2.
- curl --http2 gets an HTTP/2 401 with Strict-Transport-Security, X-Content-Type-Options: nosniff and
  Content-Security-Policy; curl --http1.1 gets HTTP/1.1.
- skopeo over verified TLS (--dest-cert-dir with the CA): a copy in as admin, inspect; with a client
  certificate (client.cert/client.key) and no credentials, a copy in as the robot bound to it.
- oras-py push and pull over https, verifying against the CA.
- Mutual TLS: a certificate from another CA and an expired one fail the handshake; /api/v1/me names the
  robot; after `robot revoke` its certificate gets 401 UNAUTHORIZED (within a few seconds).
- tls.require_client_cert: no certificate fails the handshake, the robot's certificate gets 200.
- Certificate rotation by SIGHUP (reload_check_seconds long): the same process serves the new
  certificate, verified against the other CA alone; a connection opened before keeps working.
- Login throttling over TLS: 200 wrong passwords for alice from one client cost at most 20 password
  hashes (/metrics), answered 401 then 429 with Retry-After; bob logs in meanwhile; GET /token with
  alice's wrong password gets 429 slow_down.
- Plain HTTP on 0.0.0.0 is refused (naming tls.allow_plaintext) unless AEGIS_TLS_ALLOW_PLAINTEXT=true.
- `user passwd admin --password-stdin` deletes initial-admin-password; the new password works over TLS.
Prints `ok - NAME` / `not ok - NAME` and `N passed, M failed`; exits 1 on any failure. Loopback only
(the 0.0.0.0 checks are only ever connected to through 127.0.0.1); every wait is bounded.
"""
import base64, hashlib, http.client, json, os, re, shutil, signal, ssl, subprocess, sys, tempfile, threading, time, traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import report, summary  # noqa: E402

BINARY = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/aegisguard")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, AEGIS_LOG_LEVEL="error", AEGIS_SCRYPT_ROUNDS="1024")
for name in [n for n in ENV if n.startswith("AEGIS_TLS_") or n.startswith("AEGIS_LOGIN_")]:
    del ENV[name]  # the configuration files here say what each server runs with
CERTS = ""  # scripts/tls-certs.sh output directory
SERVERS = []  # every server started, stopped in main's cleanup


def cert(name):
    return os.path.join(CERTS, name)


def toml(sections):
    lines = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {json.dumps(value)}")  # strings, booleans, integers: the same in TOML
    return "\n".join(lines) + "\n"


class Server:
    """One `aegisguard serve` on a free port of `host` over a fresh data directory (tenant acme)."""

    def __init__(self, root, name, config=None, env=None, host="127.0.0.1", expect_start=True):
        self.root = root
        self.data = os.path.join(root, f"data-{name}")
        os.makedirs(self.data)
        self.config = None
        arguments = [BINARY, "serve", "--data-dir", self.data, "--listen", f"{host}:0"]
        if config is not None:
            self.config = os.path.join(root, f"{name}.toml")
            with open(self.config, "w") as file:
                file.write(toml(config))
            arguments += ["--config", self.config]
        self.log = open(os.path.join(root, f"server-{name}.log"), "w+")
        self.process = subprocess.Popen(arguments, stdout=self.log, stderr=subprocess.STDOUT, env=dict(ENV, **(env or {})))
        SERVERS.append(self)
        self.port = self.scheme = None
        if not expect_start:
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            self.log.seek(0)
            match = re.search(r"listening on (https?)://[0-9.]+:(\d+)", self.log.read())
            if match:
                self.scheme, self.port = match.group(1), int(match.group(2))
                break
            time.sleep(0.05)
        if self.port is None:
            raise RuntimeError(f"the server {name} did not start:\n" + self.output())
        self.password = open(os.path.join(self.data, "initial-admin-password")).read().strip()
        self.cli("tenant", "create", "acme")

    def cli(self, *arguments, stdin=None):
        result = subprocess.run(
            [BINARY, *arguments, "--data-dir", self.data], input=stdin, capture_output=True, text=True, timeout=60, env=ENV
        )
        if result.returncode != 0:
            raise RuntimeError(f"aegisguard {' '.join(arguments)}: status {result.returncode}\n{result.stdout}{result.stderr}")
        return result.stdout

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

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
        self.log.close()

    def output(self):
        self.log.seek(0)
        return self.log.read()


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def context(ca=None, client=None):
    """A client TLS context trusting `ca` (default the test CA) and presenting `client` (a name in CERTS)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca or cert("ca.pem"))
    if client:
        ctx.load_cert_chain(cert(f"{client}.pem"), cert(f"{client}.key"))
    return ctx


def https(server, method, path, headers=None, body=b"", client=None, ca=None, timeout=10):
    """One request over a new verified TLS connection: (status, headers with lower-case names, body)."""
    connection = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=timeout, context=context(ca, client))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def admin(server, password=None):
    return {"Authorization": basic("admin", password or server.password)}


def run(arguments, timeout=60, **kwargs):
    """A subprocess with a time limit; a timeout is a result (status None), not an exception."""
    try:
        return subprocess.run(arguments, capture_output=True, text=True, timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired as error:
        return subprocess.CompletedProcess(arguments, None, error.stdout or "", (error.stderr or "") + f"\ntimed out after {timeout} s")


def s_client(address, *options):
    """`openssl s_client -brief` to `address`: (exit status, (protocol, cipher) or None when no handshake, output)."""
    result = run(["openssl", "s_client", "-brief", "-connect", address, "-CAfile", cert("ca.pem"), *options], timeout=15,
                 stdin=subprocess.DEVNULL)
    output = result.stdout + result.stderr
    protocol = re.search(r"^Protocol version: (\S+)", output, re.M)
    cipher = re.search(r"^Ciphersuite: (\S+)", output, re.M)
    negotiated = (protocol.group(1), cipher.group(1)) if protocol and cipher and "CONNECTION ESTABLISHED" in output else None
    return result.returncode, negotiated, output


class PermissiveServer:
    """`openssl s_server` accepting every protocol and cipher the local openssl has, with the same
    certificate: a refusal probe that does not connect here tests the local client, not AegisGuard."""

    def __init__(self, root):
        import socket
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = open(os.path.join(root, "s_server.log"), "w+")
        self.process = subprocess.Popen(["openssl", "s_server", "-accept", f"127.0.0.1:{self.port}", "-cert", cert("server.pem"),
                                         "-key", cert("server.key"), "-cipher", "ALL@SECLEVEL=0", "-www"],
                                        stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("openssl s_server did not start")

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


def curl(server, *options, path="/v2/"):
    """curl over TLS against the test CA: (exit status, HTTP status or None, header block, output)."""
    result = run(["curl", "-sS", "--max-time", "15", "--cacert", cert("ca.pem"), "-D", "-", "-o", os.devnull, *options,
                  f"https://{server.address}{path}"], timeout=30)
    first = result.stdout.split("\r\n", 1)[0]
    match = re.match(r"HTTP/(\S+) (\d+)", first)
    return result.returncode, (match.group(1), int(match.group(2))) if match else None, result.stdout, result.stdout + result.stderr


def header(block, name):
    match = re.search(rf"^{re.escape(name)}:\s*(.*?)\r?$", block, re.M | re.I)
    return match.group(1) if match else None


# --- 1. protocol versions, ciphers, ALPN --------------------------------------------------------------------

def test_protocols(root, server):
    control = PermissiveServer(root)
    try:
        probes = [(["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"], "TLS 1.0", "TLSv1"),
                  (["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"], "TLS 1.1", "TLSv1.1")]
        # The server's key is ECDSA: suites with RSA key exchange or authentication cannot be chosen
        # with it by any server, so the weak suites that matter are ECDHE-ECDSA ones.
        for cipher, what in [("ECDHE-ECDSA-AES128-SHA", "CBC, SHA-1 MAC"), ("ECDHE-ECDSA-AES256-SHA", "CBC, SHA-1 MAC"),
                             ("ECDHE-ECDSA-AES128-SHA256", "CBC"), ("ECDHE-ECDSA-AES256-SHA384", "CBC"),
                             ("DES-CBC3-SHA", "3DES")]:
            if run(["openssl", "ciphers", f"{cipher}@SECLEVEL=0"], timeout=10).returncode != 0:
                print(f"# skip: the local openssl has no {cipher}", flush=True)
                continue
            probes.append((["-tls1_2", "-cipher", f"{cipher}@SECLEVEL=0"], f"TLS 1.2 with {cipher} ({what})", "TLSv1.2"))
        for options, label, protocol in probes:
            _, offered, control_output = s_client(f"127.0.0.1:{control.port}", *options)
            status, negotiated, output = s_client(server.address, *options)
            report(f"openssl s_client {' '.join(options)}: {label} is refused (a permissive openssl s_server accepts it)",
                   offered is not None and offered[0] == protocol and status != 0 and negotiated is None,
                   f"against s_server: {offered}\n{control_output if offered is None else ''}\nagainst AegisGuard: status {status}\n{output}")
    finally:
        control.stop()
    status, negotiated, output = s_client(server.address, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")
    report("openssl s_client -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256 is accepted",
           status == 0 and negotiated == ("TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256") and "Verification: OK" in output, output)
    status, negotiated, output = s_client(server.address)
    report("openssl s_client with its defaults negotiates TLSv1.3, verified against the test CA",
           status == 0 and negotiated is not None and negotiated[0] == "TLSv1.3" and "Verification: OK" in output, output)
    result = run(["openssl", "s_client", "-connect", server.address, "-CAfile", cert("ca.pem"), "-alpn", "h2,http/1.1"], timeout=15,
                 stdin=subprocess.DEVNULL)
    report("openssl s_client -alpn h2,http/1.1 negotiates h2", result.returncode == 0 and "ALPN protocol: h2" in result.stdout,
           result.stdout + result.stderr)


# --- 2. curl over HTTP/2 and HTTP/1.1 --------------------------------------------------------------------------

def test_curl_http_versions(server):
    status, answer, block, output = curl(server, "--http2")
    headers_ok = (
        header(block, "strict-transport-security") == "max-age=31536000"
        and header(block, "x-content-type-options") == "nosniff"
        and "default-src 'none'" in (header(block, "content-security-policy") or "")
        and (header(block, "www-authenticate") or "").startswith(f'Bearer realm="https://{server.address}/token"')
    )
    report("curl --http2 GET /v2/: HTTP/2 401 with HSTS, nosniff, CSP and an https Bearer realm",
           status == 0 and answer == ("2", 401) and headers_ok, output)
    status, answer, block, output = curl(server, "--http1.1")
    report("curl --http1.1 GET /v2/: HTTP/1.1 401 with HSTS", status == 0 and answer == ("1.1", 401)
           and header(block, "strict-transport-security") == "max-age=31536000", output)


# --- 3. skopeo over verified TLS, with a password and with a client certificate --------------------------------

def test_skopeo(root, server):
    layout = os.path.join(root, "layout")
    made = run([sys.executable, os.path.join(ROOT, "scripts/make-oci-layout.py"), layout, "v1"], timeout=60)
    if made.returncode != 0:
        report("make-oci-layout.py writes an OCI layout", False, made.stdout + made.stderr)
        return
    source_digest = made.stdout.strip()
    policy = os.path.join(root, "policy.json")
    with open(policy, "w") as file:
        json.dump({"default": [{"type": "insecureAcceptAnything"}]}, file)
    ca_dir = os.path.join(root, "skopeo-ca")
    mtls_dir = os.path.join(root, "skopeo-mtls")
    for directory in (ca_dir, mtls_dir):
        os.makedirs(directory)
        shutil.copy(cert("ca.pem"), os.path.join(directory, "ca.crt"))
    shutil.copy(cert("client.pem"), os.path.join(mtls_dir, "client.cert"))
    shutil.copy(cert("client.key"), os.path.join(mtls_dir, "client.key"))
    # No stored credentials: every copy authenticates with what its command line gives, or not at all.
    env = dict(os.environ, REGISTRY_AUTH_FILE=os.path.join(root, "no-auth.json"))
    skopeo = ["skopeo", "--policy", policy, "--command-timeout", "60s"]
    registry = f"docker://{server.address}"

    copy = run(skopeo + ["copy", "--dest-tls-verify=true", "--dest-cert-dir", ca_dir, "--dest-creds", f"admin:{server.password}",
                         f"oci:{layout}:v1", f"{registry}/acme/app:v1"], timeout=90, env=env)
    report("skopeo copy oci layout -> acme/app:v1 over verified TLS (cert dir with the CA), as admin", copy.returncode == 0,
           copy.stdout + copy.stderr)
    inspect = run(skopeo + ["inspect", "--raw", "--tls-verify=true", "--cert-dir", ca_dir, "--creds", f"admin:{server.password}",
                            f"{registry}/acme/app:v1"], timeout=90, env=env)
    digest = "sha256:" + hashlib.sha256(inspect.stdout.encode()).hexdigest() if inspect.returncode == 0 else None
    report("skopeo inspect --raw acme/app:v1 over TLS: the pushed manifest digest", digest == source_digest,
           f"{inspect.stderr}\nsource {source_digest}, inspected {digest}")

    refused = run(skopeo + ["copy", "--dest-tls-verify=true", "--dest-cert-dir", ca_dir, f"oci:{layout}:v1", f"{registry}/acme/app:v0"],
                  timeout=90, env=env)
    report("skopeo copy without credentials or a client certificate is refused", refused.returncode not in (0, None)
           and re.search(r"unauthorized|authentication required|denied", refused.stderr, re.I), refused.stdout + refused.stderr)

    copy = run(skopeo + ["copy", "--dest-tls-verify=true", "--dest-cert-dir", mtls_dir, f"oci:{layout}:v1", f"{registry}/acme/app:v2"],
               timeout=90, env=env)
    status, headers, _ = https(server, "HEAD", "/v2/acme/app/manifests/v2",
                               headers={**admin(server), "Accept": "application/vnd.oci.image.manifest.v1+json"})
    report("skopeo copy -> acme/app:v2 with a client certificate (client.cert/client.key) and no credentials, as the robot",
           copy.returncode == 0 and status == 200 and headers.get("docker-content-digest") == source_digest,
           f"{copy.stdout}{copy.stderr}\nHEAD v2: {status} {headers.get('docker-content-digest')}")


# --- 4. oras-py over https ---------------------------------------------------------------------------------------

def test_oras(root, server):
    try:
        import oras.provider  # noqa: F401 — the check that oras-py is installed
    except ImportError as error:
        report("oras-py is installed", False, repr(error))
        return

    # The project's oras-py wrapper (time limits, one new token for 401 insufficient_scope), over https.
    from oras_client_test import Registry

    work = os.path.join(root, "oras")
    os.makedirs(work)
    previous = os.getcwd()
    os.chdir(work)  # oras-py wants pushed files under the working directory
    try:
        payload = b"AegisGuard over TLS\n" + os.urandom(2048).hex().encode()
        with open("artifact.txt", "wb") as file:
            file.write(payload)
        registry = Registry(server.address, tls_verify=cert("ca.pem"))
        registry.auth.set_basic_auth("admin", server.password)
        target = f"{server.address}/acme/artifacts:v1"
        response = registry.push(target, files=["artifact.txt:application/vnd.aegis.test.layer.v1+txt"], quiet=True)
        report("oras-py push over https (verified against the test CA), as admin", response.status_code == 201,
               f"{response.status_code} {response.text[:300]}")
        files = registry.pull(target, outdir=os.path.join(work, "pulled"))
        pulled = open(files[0], "rb").read() if len(files) == 1 else None
        report("oras-py pull over https returns the same bytes", pulled == payload, f"files {files}")
    except Exception:
        report("oras-py push and pull over https", False, traceback.format_exc())
    finally:
        os.chdir(previous)


# --- 5. mutual TLS: identities, refusals, revocation --------------------------------------------------------------

def test_mtls(server):
    status, _, body = https(server, "GET", "/v2/", client="client")
    report("a client certificate bound to robot acme/ci: GET /v2/ without Authorization is 200", status == 200, f"{status} {body[:300]!r}")
    status, _, body = https(server, "GET", "/api/v1/me", client="client")
    me = json.loads(body) if status == 200 else {}
    report("GET /api/v1/me with the client certificate names robot$acme+ci", me.get("name") == "robot$acme+ci", f"{status} {body[:300]!r}")
    status, _, block, output = curl(server, "--cert", cert("client.pem"), "--key", cert("client.key"))
    report("curl with the client certificate: GET /v2/ is 200", status == 0 and answer_status(block) == 200, output)
    for name, what in [("other-client", "a certificate from another CA"), ("expired-client", "an expired certificate")]:
        for version in ("--tlsv1.3", "--tls-max"):
            options = ["--tlsv1.3"] if version == "--tlsv1.3" else ["--tlsv1.2", "--tls-max", "1.2"]
            status, answer, _, output = curl(server, *options, "--cert", cert(f"{name}.pem"), "--key", cert(f"{name}.key"))
            label = "TLS 1.3" if version == "--tlsv1.3" else "TLS 1.2"
            report(f"{what} ({name}) over {label}: the handshake fails, no HTTP answer", status not in (0, None) and answer is None,
                   f"curl status {status}\n{output}")

    server.cli("robot", "revoke", "acme", "ci")
    began = time.monotonic()
    status, body = None, b""
    while time.monotonic() - began < 10:
        status, _, body = https(server, "GET", "/v2/", client="client")
        if status == 401:
            break
        time.sleep(0.2)
    codes = [error.get("code") for error in json.loads(body).get("errors", [])] if status == 401 else []
    report(f"after `robot revoke` the certificate gets 401 UNAUTHORIZED (after {time.monotonic() - began:.1f} s)",
           status == 401 and codes == ["UNAUTHORIZED"], f"{status} {body[:300]!r}")
    status, _, body = https(server, "GET", "/api/v1/me", client="client")
    report("after `robot revoke` /api/v1/me with the certificate is 401", status == 401, f"{status} {body[:300]!r}")


def answer_status(block):
    match = re.match(r"HTTP/\S+ (\d+)", block)
    return int(match.group(1)) if match else None


# --- 6. a server that requires client certificates --------------------------------------------------------------

def test_require_client_cert(root):
    server = Server(root, "required", config={"tls": {
        "cert_file": cert("server.pem"), "key_file": cert("server.key"), "client_ca_file": cert("ca.pem"), "require_client_cert": True}})
    try:
        server.cli("robot", "create", "acme", "ci", "--role", "developer", "--certificate-identity", "spiffe://aegis.test/ci")
        for options, label in [(["--tlsv1.3"], "TLS 1.3"), (["--tlsv1.2", "--tls-max", "1.2"], "TLS 1.2")]:
            status, answer, _, output = curl(server, *options)
            report(f"require_client_cert: curl without a certificate over {label} fails the handshake", status not in (0, None)
                   and answer is None, f"curl status {status}\n{output}")
        status, answer, _, output = curl(server, "--cert", cert("client.pem"), "--key", cert("client.key"))
        report("require_client_cert: curl with the robot's certificate gets 200 on /v2/", status == 0 and answer is not None
               and answer[1] == 200, output)
        status, answer, _, output = curl(server, "--cert", cert("other-client.pem"), "--key", cert("other-client.key"))
        report("require_client_cert: a certificate from another CA fails the handshake", status not in (0, None) and answer is None, output)
    finally:
        server.stop()


# --- 7. certificate rotation by SIGHUP -----------------------------------------------------------------------------

def peer_subject(server, ca):
    """The verified server certificate's commonName, trusting `ca` only (None when verification fails)."""
    import socket
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            with context(ca).wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                subject = dict(item[0] for item in tls.getpeercert()["subject"])
                return subject.get("commonName")
    except (ssl.SSLError, OSError) as error:
        return f"error: {error}"


def test_rotation(root):
    tls_dir = os.path.join(root, "rotating")
    os.makedirs(tls_dir)
    certificate, key = os.path.join(tls_dir, "server.pem"), os.path.join(tls_dir, "server.key")
    shutil.copy(cert("server.pem"), certificate)
    shutil.copy(cert("server.key"), key)
    # The periodic check far away: the new certificate can only come from the SIGHUP.
    server = Server(root, "rotation", config={"tls": {"cert_file": certificate, "key_file": key, "reload_check_seconds": 3600}})
    try:
        pid = server.process.pid
        before = peer_subject(server, cert("ca.pem"))
        foreign_before = peer_subject(server, cert("other-ca.pem"))
        report("before rotation: CN=localhost verified by the test CA; other-ca alone does not verify it",
               before == "localhost" and foreign_before.startswith("error"), f"{before}; {foreign_before}")
        kept = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=10, context=context())
        kept.request("GET", "/v2/")
        kept_first = kept.getresponse()
        kept_first.read()
        for source, target in [("server2.pem", certificate), ("server2.key", key)]:
            shutil.copy(cert(source), target + ".new")
            os.replace(target + ".new", target)
        os.kill(pid, signal.SIGHUP)
        began = time.monotonic()
        after = None
        while time.monotonic() - began < 10:
            after = peer_subject(server, cert("other-ca.pem"))
            if after == "localhost rotated":
                break
            time.sleep(0.1)
        report(f"after SIGHUP new handshakes present CN=localhost rotated, verified by other-ca.pem alone ({time.monotonic() - began:.1f} s)",
               after == "localhost rotated", f"{after}\n{server.output()}")
        report("rotation without a restart: the same process, still running", server.process.poll() is None and server.process.pid == pid,
               f"exit status {server.process.poll()}")
        try:
            kept.request("GET", "/v2/")
            kept_status = kept.getresponse().status
        except (OSError, http.client.HTTPException) as error:
            kept_status = repr(error)
        finally:
            kept.close()
        report("a connection opened before the rotation keeps working", kept_first.status == 401 and kept_status == 401,
               f"before {kept_first.status}, after {kept_status}")
        status, _, _ = https(server, "GET", "/v2/", ca=cert("other-ca.pem"))
        report("a request over the rotated certificate is answered (401 challenge)", status == 401, f"status {status}")
    finally:
        server.stop()


# --- 8. login throttling over TLS ------------------------------------------------------------------------------------

def metric(text, name):
    match = re.search(rf"^{re.escape(name)} (\d+(?:\.\d+)?)$", text, re.M)
    return float(match.group(1)) if match else None


def test_throttling(root):
    server = Server(root, "throttle", config={
        "tls": {"cert_file": cert("server.pem"), "key_file": cert("server.key")},
        "auth": {"login_failures_per_user": 5, "login_failures_per_address": 20, "login_lockout_seconds": 1, "login_refill_seconds": 60},
    })
    try:
        server.cli("user", "create", "alice", "--password-stdin", stdin="alice-right-password\n")
        server.cli("user", "create", "bob", "--password-stdin", stdin="bob-right-password-1\n")

        def metrics():
            status, _, body = https(server, "GET", "/metrics", headers=admin(server))
            if status != 200:
                raise RuntimeError(f"/metrics: {status} {body[:300]!r}")
            text = body.decode()
            return {name: metric(text, name) for name in
                    ["aegis_login_password_hashes_total", "aegis_login_throttled_total", 'aegis_login_lockouts_total{scope="user"}']}

        before = metrics()
        answers, done = [], threading.Event()

        def guess():
            connection = None
            try:
                for attempt in range(200):
                    for _ in range(2):  # a closed keep-alive connection is opened again, once
                        try:
                            if connection is None:
                                connection = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=10, context=context())
                            connection.request("GET", "/v2/", headers={"Authorization": basic("alice", f"wrong-guess-{attempt:04d}")})
                            response = connection.getresponse()
                            response.read()
                            answers.append((response.status, response.getheader("Retry-After")))
                            break
                        except (OSError, http.client.HTTPException) as error:
                            connection.close() if connection else None
                            connection = None
                            last = repr(error)
                    else:
                        answers.append((last, None))
            finally:
                if connection:
                    connection.close()
                done.set()

        guesser = threading.Thread(target=guess, daemon=True)
        began = time.monotonic()
        bob = []  # (status, whether alice had been answered 429 by then)

        def bob_logs_in():
            locked = any(status == 429 for status, _ in list(answers))
            status = https(server, "GET", "/v2/", headers={"Authorization": basic("bob", "bob-right-password-1")})[0]
            bob.append((status, locked))

        guesser.start()
        bob_logs_in()
        while not done.is_set() and time.monotonic() - began < 60:
            bob_logs_in()
            time.sleep(0.05)
        guesser.join(timeout=60)
        elapsed = time.monotonic() - began
        bob_logs_in()  # alice's lock (1 s, then 2 s, ...) still holds: the 200 guesses take well under that
        token = []
        for _ in range(2):  # a lock that has just ended allows one more attempt, which locks again
            status, headers, body = https(server, "GET", "/token?service=aegisguard&scope=repository:acme/app:pull",
                                          headers={"Authorization": basic("alice", "wrong-token-guess")})
            token.append((status, headers.get("retry-after"), body[:200]))
            if status == 429:
                break
        after = metrics()

        statuses = [status for status, _ in answers]
        hashes = after["aegis_login_password_hashes_total"] - before["aegis_login_password_hashes_total"]
        summary_line = (f"{len(answers)} answers in {elapsed:.1f} s: {statuses.count(401)} x 401, {statuses.count(429)} x 429, "
                        f"others {[s for s in statuses if s not in (401, 429)][:5]}; hashes +{hashes:.0f}; bob {bob}; "
                        f"before {before}; after {after}")
        print(f"# throttling: {summary_line}", flush=True)
        report("200 wrong passwords for alice over TLS: 5 x 401, then 429s (only 401s and 429s)",
               len(answers) == 200 and statuses[:5] == [401] * 5 and statuses[5] == 429 and set(statuses) <= {401, 429}
               and statuses.count(429) >= 150, summary_line)
        report("every 429 carries Retry-After (whole seconds)",
               all(retry is not None and retry.isdigit() for status, retry in answers if status == 429), summary_line)
        report("they cost at most 20 password hashes in all (aegis_login_password_hashes_total)", hashes <= 20, summary_line)
        report("aegis_login_throttled_total and aegis_login_lockouts_total{scope=\"user\"} count them",
               after["aegis_login_throttled_total"] - before["aegis_login_throttled_total"] >= statuses.count(429)
               and after['aegis_login_lockouts_total{scope="user"}'] - before['aegis_login_lockouts_total{scope="user"}'] >= 1, summary_line)
        report("meanwhile bob, from the same client, gets 200 on GET /v2/ with his password (also while alice is locked)",
               all(status == 200 for status, _ in bob) and any(locked for _, locked in bob), summary_line)
        last = token[-1]
        try:
            slow_down = last[0] == 429 and json.loads(last[2]).get("error") == "slow_down" and last[1] is not None
        except ValueError:
            slow_down = False
        report("GET /token with alice's wrong password: 429 slow_down with Retry-After", slow_down and len(token) <= 2, f"{token}")
    finally:
        server.stop()


# --- 9. plain HTTP beyond loopback -----------------------------------------------------------------------------------

def test_plaintext(root):
    refused = Server(root, "plain-refused", host="0.0.0.0", expect_start=False)
    status = refused.wait(timeout=20)
    output = refused.output()
    report("serve --listen 0.0.0.0:0 without TLS exits non-zero at once, naming tls.allow_plaintext",
           status not in (0, None) and "tls.allow_plaintext" in output, f"status {status}\n{output}")
    allowed = Server(root, "plain-allowed", host="0.0.0.0", env={"AEGIS_TLS_ALLOW_PLAINTEXT": "true"})
    try:
        connection = http.client.HTTPConnection("127.0.0.1", allowed.port, timeout=10)
        try:
            connection.request("GET", "/v2/")
            answer = connection.getresponse().status
        finally:
            connection.close()
        report("with AEGIS_TLS_ALLOW_PLAINTEXT=true it serves plain HTTP on 0.0.0.0 (GET /v2/ via 127.0.0.1: 401)",
               allowed.scheme == "http" and answer == 401, f"{allowed.scheme} {answer}\n{allowed.output()}")
    finally:
        allowed.stop()


# --- 10. a new administrator password ---------------------------------------------------------------------------------

def test_admin_passwd(server):
    initial = os.path.join(server.data, "initial-admin-password")
    new = "a-new-admin-password-" + os.urandom(4).hex()
    result = run([BINARY, "user", "passwd", "admin", "--password-stdin", "--data-dir", server.data], timeout=60, input=new + "\n", env=ENV)
    output = result.stdout + result.stderr
    report("user passwd admin --password-stdin deletes initial-admin-password and says so",
           result.returncode == 0 and not os.path.exists(initial) and "initial-admin-password" in output, f"status {result.returncode}\n{output}")
    status, _, body = https(server, "GET", "/v2/", headers=admin(server, new))
    old, _, _ = https(server, "GET", "/v2/", headers=admin(server))
    report("the new administrator password works over TLS (GET /v2/ 200), the old one no longer (401)", status == 200 and old == 401,
           f"new {status} {body[:200]!r}, old {old}")


def main():
    global CERTS
    if not os.access(BINARY, os.X_OK):
        print(f"tls-tests: no executable at {BINARY}", file=sys.stderr)
        return 2
    for tool in ("openssl", "curl", "skopeo"):
        if shutil.which(tool) is None:
            print(f"tls-tests: {tool} is missing (run scripts/install-test-deps.sh)", file=sys.stderr)
            return 2
    root = tempfile.mkdtemp(prefix="aegis-tls-tests.")
    began = time.monotonic()
    try:
        made = run(["bash", os.path.join(ROOT, "scripts/tls-certs.sh"), os.path.join(root, "certs")], timeout=60)
        if made.returncode != 0:
            raise RuntimeError("tls-certs.sh: " + made.stdout + made.stderr)
        CERTS = os.path.join(root, "certs")
        server = Server(root, "main", config={
            "tls": {"cert_file": cert("server.pem"), "key_file": cert("server.key"), "client_ca_file": cert("ca.pem")},
            "auth": {"credential_cache_seconds": 0},  # a revocation shows at once (the change feed), not after the cache
        })
        server.cli("robot", "create", "acme", "ci", "--role", "developer", "--certificate-identity", "spiffe://aegis.test/ci")
        for test in [lambda: test_protocols(root, server), lambda: test_curl_http_versions(server), lambda: test_skopeo(root, server),
                     lambda: test_oras(root, server), lambda: test_mtls(server), lambda: test_require_client_cert(root),
                     lambda: test_rotation(root), lambda: test_throttling(root), lambda: test_plaintext(root),
                     lambda: test_admin_passwd(server)]:
            try:
                test()
            except Exception:  # one broken check is a failure; the others still run
                report("a TLS check ran to the end", False, traceback.format_exc())
        alive = server.process.poll() is None
        report("the main server is still running after every check", alive, server.output())
    except Exception:  # a setup failure is a failure, not a crash of the runner
        report("the TLS test harness ran", False, traceback.format_exc())
    finally:
        for server in SERVERS:
            try:
                server.stop()
            except Exception:
                server.process.kill()
        shutil.rmtree(root, ignore_errors=True)
    print(f"# {time.monotonic() - began:.0f} s", flush=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
