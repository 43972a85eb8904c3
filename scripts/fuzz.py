#!/usr/bin/env python3
"""Bounded HTTP fuzzing of a live AegisGuard (standard library only).

    FUZZ_PASSWORD=… FUZZ_ADMIN_PASSWORD=… scripts/fuzz.py --url http://127.0.0.1:PORT --user dev \
        [--seed N] [--iterations N] [--seconds S] [--corpus DIR] [--out DIR] [--start-index K]

Usually run by scripts/fuzz-tests.sh, which starts the server and pushes the image this script must
not disturb (--pristine, default acme/pristine:v1). First replays every case in CORPUS/*.json (inputs
that once failed), then sends ITERATIONS random and malicious requests (or stops after SECONDS):
bad repository names, references, digests, Content-Range/Content-Length/Transfer-Encoding values,
header garbage, odd methods, malformed manifests and /api/v1 bodies, raw framing garbage; as the
developer user, anonymously, with bad credentials and (for /api bodies on a scratch tenant) as admin.

The oracle, for every response: no status >= 500; every /v2 4xx/5xx has a JSON body with an `errors`
array of entries with a `code` string; every /api 4xx is application/problem+json with a `code`
member (--no-api-code drops the `code` part); every 405 has an `Allow` header; an answer within
--timeout seconds (only requests whose declared length is absurd are ever sent short, and those must be
refused within 2 s); no anonymous or cross-tenant success; `GET /v2/` answers 200 every --probe-every
requests. Cases may add their own expectations (status, code, time). Failures go to
OUT/failures-<seed>.jsonl, one JSON object per line in the corpus format (copy a line to
CORPUS/<name>.json to keep it), at most --keep-per-group per distinct failure.

Random case i depends only on (seed, i), so a failure is reproduced by --seed S --start-index i
--iterations 1. Exit status: 0 no failure, 1 failures, 3 the server died (the line
`SERVER-DIED-AT <index>` says where; the wrapper restarts the server and resumes after it).

Corpus file format (one case per file):
    {"name": "...", "note": "...",
     "request": {"raw": "GET /v2/{tenant}/app/manifests/x HTTP/1.1\\r\\nHost: {host}\\r\\n..."}
                 or {"raw_b64": "..."} (bytes; the same placeholders are substituted),
     "expect": {"status": [404], "code": ["MANIFEST_UNKNOWN"], "within": 2,
                "body": "oci-error" | "problem", "allow": true, "close_ok": false, "bare_ok": false,
                "allow_5xx": [501]}}
Placeholders: {host} {tenant} {other} {repo} {tag} {fuzzrepo} {mdigest} {cdigest} {ldigest}
{dev_auth} {admin_auth} {bad_auth} (whole Authorization values), {upload} (path of a fresh upload
session in {fuzzrepo}), {upload3} (one that already holds 3 bytes), {fzconfig} {fzconfigsize}
{fzlayer} {fzlayersize} (digests and sizes of two blobs pushed into {fuzzrepo} by the setup), and
{length}: the length of the body after substitution (for `Content-Length: {length}`).
"""
import argparse
import base64
import glob
import hashlib
import http.client
import json
import os
import random
import re
import socket
import sys
import time

# ------------------------------------------------------------------------------------------------
# Context: the server, credentials, the data set up before fuzzing.


class Ctx:
    def __init__(self, args):
        m = re.fullmatch(r"http://([^/:]+):(\d+)/?", args.url)
        if not m:
            sys.exit("fuzz: --url must be http://HOST:PORT")
        self.hostname, self.port = m.group(1), int(m.group(2))
        self.host = f"{self.hostname}:{self.port}"
        self.tenant, self.other = args.tenant, args.other_tenant
        repo, _, tag = args.pristine.partition(":")
        self.repo, self.tag = repo, tag or "v1"
        self.fuzzrepo = f"{self.tenant}/fuzz"
        self.secret = f"{self.other}/secret"  # exists; the developer has no role in that tenant
        self.timeout = args.timeout
        self.server_pid = args.server_pid

        def basic(user, password):
            return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

        self.dev_auth = basic(args.user, args.password)
        self.admin_auth = basic("admin", args.admin_password) if args.admin_password else None
        self.bad_auth = basic(args.user, args.password + "-wrong")
        self.mdigest = self.cdigest = self.ldigest = ""
        self.blobs = {}  # digest -> bytes of the pristine image (to check ranges)
        self.fz_config = self.fz_layer = None  # (digest, size) of the blobs pushed into fuzzrepo

    def subst(self, data: bytes, fresh_upload) -> bytes:
        values = {
            b"{host}": self.host, b"{tenant}": self.tenant, b"{other}": self.other, b"{repo}": self.repo,
            b"{tag}": self.tag, b"{fuzzrepo}": self.fuzzrepo, b"{mdigest}": self.mdigest,
            b"{cdigest}": self.cdigest, b"{ldigest}": self.ldigest, b"{dev_auth}": self.dev_auth,
            b"{admin_auth}": self.admin_auth or self.dev_auth, b"{bad_auth}": self.bad_auth,
        }
        if self.fz_config:
            values.update({b"{fzconfig}": self.fz_config[0], b"{fzconfigsize}": str(self.fz_config[1]),
                           b"{fzlayer}": self.fz_layer[0], b"{fzlayersize}": str(self.fz_layer[1])})
        if b"{" not in data:
            return data
        for key, value in values.items():
            if key in data:
                data = data.replace(key, value.encode("latin-1"))
        for key, prefill in ((b"{upload}", b""), (b"{upload3}", b"abc")):
            if key in data:
                data = data.replace(key, fresh_upload(prefill).encode())
        if b"{length}" in data:  # the body's length once everything else is substituted
            head, sep, body = data.partition(b"\r\n\r\n")
            data = head.replace(b"{length}", str(len(body)).encode()) + sep + body
        return data

    def templatize(self, data: bytes) -> bytes:
        """The inverse of subst for the values that change from run to run (port, passwords)."""
        for value, key in ((self.host, b"{host}"), (self.dev_auth, b"{dev_auth}"), (self.bad_auth, b"{bad_auth}"),
                           (self.admin_auth, b"{admin_auth}")):
            if value:
                data = data.replace(value.encode("latin-1"), key)
        return data


# ------------------------------------------------------------------------------------------------
# Requests and responses.


class Case:
    """One request (a template with placeholders) and what is expected of its answer."""

    def __init__(self, label, method="GET", target="/", headers=(), body=b"", expect=None, raw=None, note="",
                 malformed=False):
        self.label = label  # coarse, for grouping failures
        self.method, self.target, self.headers, self.body = method, target, list(headers), body
        self.raw = raw  # bytes: the whole request, overriding the parts
        self.expect = dict(expect or {})
        self.note = note
        # A request-target must be visible ASCII (RFC 9112); raw bytes outside it make the head malformed.
        if raw is None and any(not 0x21 <= ord(ch) <= 0x7E for ch in target):
            malformed = True
        # So must field values: no control characters but tab (obs-text, 0x80-0xFF, is allowed).
        if raw is None and any(ord(ch) < 0x20 and ch != "\t" or ord(ch) == 0x7F for _, v in self.headers for ch in v):
            malformed = True
        if malformed:
            # The head breaks HTTP/1.1 syntax: a bare 4xx or a closed connection is fine, and a lenient
            # parser may read it as some other, valid request, so only the generic oracle applies.
            self.expect.setdefault("close_ok", True)
            self.expect.setdefault("bare_ok", True)
            for key in ("status", "code", "status_code"):
                self.expect.pop(key, None)
        self.name = label

    def template(self) -> bytes:
        if self.raw is not None:
            return self.raw
        head = f"{self.method} {self.target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in self.headers) + "\r\n"
        return head.encode("latin-1", "surrogateescape") + self.body


class Resp:
    def __init__(self):
        self.status = None
        self.headers = []  # (lower-case name, value)
        self.body = b""
        self.error = None  # timeout | closed | reset | refused | bad-response: ...
        self.elapsed = 0.0
        self.transport = "socket"

    def header(self, name):
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def summary(self):
        if self.status is None:
            return {"error": self.error, "elapsed": round(self.elapsed, 3)}
        keep = ("content-type", "allow", "content-length", "x-request-id", "www-authenticate", "connection",
                "content-range", "location")
        return {"status": self.status, "headers": {k: v for k, v in self.headers if k in keep},
                "body": self.body[:400].decode("utf-8", "replace"), "elapsed": round(self.elapsed, 3),
                "transport": self.transport}


def parse_request_line(raw: bytes):
    line = raw.split(b"\r\n", 1)[0].split(b"\n", 1)[0]
    parts = line.split(b" ")
    method = parts[0].decode("latin-1") if parts else ""
    target = parts[1].decode("latin-1") if len(parts) > 1 else ""
    return method, target


def split_head(raw: bytes):
    """(method, target, [(name, value)], body) of a well-formed HTTP/1.1 request, else None."""
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = raw[:end].split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or parts[2] != b"HTTP/1.1":
        return None
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or b"\n" in line or b"\r" in line or not name or name.strip() != name:
            return None
        headers.append((name.decode("latin-1"), value.strip(b" \t")))
    return parts[0].decode("latin-1"), parts[1].decode("latin-1"), headers, raw[end + 4:]


def send_httpclient(ctx, raw, timeout):
    """Sends a well-formed request with http.client; returns None when http.client refuses it."""
    parts = split_head(raw)
    if parts is None:
        return None
    method, target, headers, body = parts
    names = [n.lower() for n, _ in headers]
    if "transfer-encoding" in names or names.count("content-length") != 1 and body or names.count("host") != 1:
        return None  # framing games go through the raw socket
    conn = http.client.HTTPConnection(ctx.hostname, ctx.port, timeout=timeout)
    resp = Resp()
    resp.transport = "http.client"
    start = time.monotonic()
    try:
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
        except (ValueError, UnicodeError, http.client.HTTPException):
            return None
        try:
            conn.endheaders(body if body else None)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early and closed; read what it said
        r = conn.getresponse()
        resp.status = r.status
        resp.headers = [(k.lower(), v) for k, v in r.getheaders()]
        resp.body = r.read(16 << 20)
    except (socket.timeout, TimeoutError):
        resp.error = "timeout"
    except ConnectionRefusedError:
        resp.error = "refused"
    except http.client.RemoteDisconnected:
        resp.error = "closed"
    except (ConnectionResetError, BrokenPipeError):
        resp.error = "reset"
    except (http.client.HTTPException, OSError) as e:
        if resp.status is None:
            resp.error = f"bad-response: {type(e).__name__}: {e}"[:200]
    finally:
        resp.elapsed = time.monotonic() - start
        conn.close()
    return resp


def send_socket(ctx, raw, timeout):
    resp = Resp()
    start = time.monotonic()
    deadline = start + timeout
    buf = b""
    try:
        sock = socket.create_connection((ctx.hostname, ctx.port), timeout=timeout)
    except ConnectionRefusedError:
        resp.error = "refused"
        return resp
    except OSError as e:
        resp.error = f"connect: {e}"
        return resp
    head_request = parse_request_line(raw)[0] == "HEAD"

    def recv():
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        sock.settimeout(left)
        return sock.recv(65536)

    try:
        try:
            sock.sendall(raw)
            if b"\r\n\r\n" not in raw:
                # An incomplete head (random bytes, "F") can only be answered once the server
                # sees the end of it: say so, rather than wait for an idle timeout.
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered early: read it
        while True:  # skip interim 1xx answers
            while b"\r\n\r\n" not in buf:
                chunk = recv()
                if not chunk:
                    raise EOFError
                buf += chunk
            head, _, buf = buf.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            m = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0])
            if not m:
                resp.error = f"bad-response: {lines[0][:80]!r}"
                return resp
            status = int(m.group(1))
            if 100 <= status < 200 and status != 101:
                continue
            resp.status = status
            for line in lines[1:]:
                k, _, v = line.partition(b":")
                resp.headers.append((k.decode("latin-1").strip().lower(), v.decode("latin-1").strip()))
            break
        te = (resp.header("transfer-encoding") or "").lower()
        cl = resp.header("content-length")
        if head_request or status in (204, 304):
            pass
        elif "chunked" in te:
            body = b""
            while True:
                while b"\r\n" not in buf:
                    chunk = recv()
                    if not chunk:
                        raise EOFError
                    buf += chunk
                size_line, _, buf = buf.partition(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                while len(buf) < size + 2:
                    chunk = recv()
                    if not chunk:
                        raise EOFError
                    buf += chunk
                if size == 0:
                    break
                body += buf[:size]
                buf = buf[size + 2:]
            resp.body = body
        elif cl is not None and cl.isdigit():
            n = min(int(cl), 16 << 20)
            while len(buf) < n:
                chunk = recv()
                if not chunk:
                    raise EOFError
                buf += chunk
            resp.body = buf[:n]
        else:
            while True:
                chunk = recv()
                if not chunk:
                    break
                buf += chunk
            resp.body = buf
    except EOFError:
        if resp.status is None:
            resp.error = "closed"
        else:
            resp.body = buf  # the body was cut short; keep what came
    except (socket.timeout, TimeoutError):
        if resp.status is None:
            resp.error = "timeout"
        else:
            resp.error = "timeout-in-body"
    except ConnectionResetError:
        if resp.status is None:
            resp.error = "reset"
    except (OSError, ValueError) as e:
        if resp.status is None:
            resp.error = f"bad-response: {type(e).__name__}: {e}"[:200]
    finally:
        resp.elapsed = time.monotonic() - start
        sock.close()
    return resp


def simple(ctx, method, path, auth=None, headers=(), body=b"", timeout=None):
    """A plain request for setup and probes."""
    hs = [("Host", ctx.host), ("Connection", "close")]
    if auth:
        hs.append(("Authorization", auth))
    hs += list(headers)
    if body or method in ("PUT", "POST", "PATCH"):
        hs.append(("Content-Length", str(len(body))))
    raw = Case("setup", method, path, hs, body).template()
    return send_httpclient(ctx, raw, timeout or ctx.timeout) or send_socket(ctx, raw, timeout or ctx.timeout)


# ------------------------------------------------------------------------------------------------
# The oracle.

API_PROBLEM_CODE = True
LENIENT_PARSER = False


def parse_json(body):
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def oci_codes(body):
    doc = parse_json(body)
    if not isinstance(doc, dict) or not isinstance(doc.get("errors"), list) or not doc["errors"]:
        return None
    if not all(isinstance(e, dict) and isinstance(e.get("code"), str) for e in doc["errors"]):
        return None
    return [e["code"] for e in doc["errors"]]


def check(ctx, case, raw, resp, auth_kind):
    """Violations (kind, detail) of the generic oracle and the case's own expectations."""
    out = []
    ex = case.expect
    method, target = parse_request_line(raw)
    path = target.split("?", 1)[0]
    is_v2 = path == "/v2" or path.startswith("/v2/")
    is_api = path == "/api/v1" or path.startswith("/api/v1/")
    head = method == "HEAD"
    within = ex.get("within")
    if resp.status is None:
        if resp.error == "refused":
            out.append(("server-unreachable", "connection refused"))
        elif resp.error == "timeout":
            out.append(("hang", f"no answer within {within or ctx.timeout} s"))
        elif resp.error in ("closed", "reset"):
            if not ex.get("close_ok"):
                out.append(("no-response", f"connection {resp.error} without an answer"))
        else:
            out.append(("bad-response", resp.error))
        return out
    st = resp.status
    if within is not None and resp.elapsed > within:
        out.append(("slow", f"answered after {resp.elapsed:.2f} s, expected within {within} s"))
    parser_level = resp.header("x-request-id") is None  # NIO's own error answer, before the router
    # swift-nio encodes every answer to CONNECT without a body (and the server closes the
    # connection to delimit it): status and Allow are all such an answer can carry.
    bodiless = method == "CONNECT"
    bare_ok = ex.get("bare_ok") or (LENIENT_PARSER and parser_level)
    if st >= 500 and st not in ex.get("allow_5xx", []):
        out.append(("5xx", f"status {st}"))
    if is_v2 and st >= 400 and not head and not bodiless and not (bare_ok and parser_level):
        if oci_codes(resp.body) is None:
            out.append(("v2-error-body" + ("/parser" if parser_level else ""),
                        f"{st} without an OCI error document: {resp.body[:120]!r}"))
    if is_api and 400 <= st < 500 and not (bare_ok and parser_level):
        ctype = (resp.header("content-type") or "").split(";")[0].strip().lower()
        if ctype != "application/problem+json":
            out.append(("api-problem-type" + ("/parser" if parser_level else ""),
                        f"{st} with Content-Type {ctype or 'none'}"))
        elif not head and not bodiless:
            doc = parse_json(resp.body)
            if not isinstance(doc, dict):
                out.append(("api-problem-body", f"{st} problem is not a JSON object: {resp.body[:120]!r}"))
            elif API_PROBLEM_CODE and not isinstance(doc.get("code"), str):
                out.append(("api-problem-code", f"{st} problem has no `code` member"))
    if st == 405 and not resp.header("allow") and not (bare_ok and parser_level):
        out.append(("405-without-allow", f"{method} {path}"))
    if 200 <= st < 300:
        if auth_kind in ("anon", "bad") and method != "OPTIONS" and (is_v2 or path == "/metrics" or
                                            (is_api and path != "/api/v1/openapi.json")):
            out.append(("unauthenticated-success", f"{auth_kind} request answered {st}"))
        if is_v2 and (f"/v2/{ctx.other}/" in path) and auth_kind != "admin":
            out.append(("cross-tenant-success", f"{st} for {path}"))
        if is_v2 and path == "/v2/_catalog" and method == "GET":
            doc = parse_json(resp.body) or {}
            foreign = [r for r in doc.get("repositories", []) if str(r).startswith(ctx.other + "/")]
            if foreign and auth_kind == "dev":
                out.append(("catalog-leak", f"catalog lists {foreign[:3]}"))
        if st == 206 and method == "GET" and case.expect.get("blob"):
            content = ctx.blobs.get(case.expect["blob"], b"")
            m = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", resp.header("content-range") or "")
            if not m or resp.body != content[int(m.group(1)):int(m.group(2)) + 1] or int(m.group(3)) != len(content):
                out.append(("bad-range-answer", f"206 {resp.header('content-range')} with {len(resp.body)} bytes"))
    # The case's own expectations.
    want = ex.get("status")
    if want == "4xx":
        if not 400 <= st < 500:
            out.append(("expect-status", f"status {st}, expected a 4xx"))
    elif want and st not in want:
        out.append(("expect-status", f"status {st}, expected {want}"))
    codes = ex.get("code")
    if codes and not head and (not want or want == "4xx" or st in want):
        got = oci_codes(resp.body)
        if got is None and is_api:
            doc = parse_json(resp.body)
            got = [doc.get("code")] if isinstance(doc, dict) else None
        if not got or not set(got) & set(codes):
            out.append(("expect-code", f"codes {got}, expected one of {codes}"))
    pairs = ex.get("status_code")  # {"400": ["TAG_INVALID"], "404": [...]}: status and code go together
    if pairs:
        if str(st) not in pairs:
            out.append(("expect-status", f"status {st}, expected one of {sorted(pairs)}"))
        elif not head and pairs[str(st)]:
            got = oci_codes(resp.body) or []
            if not set(got) & set(pairs[str(st)]):
                out.append(("expect-code", f"{st} with codes {got}, expected {pairs[str(st)]}"))
    if ex.get("body") == "oci-error" and st >= 400 and not head and not bodiless and oci_codes(resp.body) is None:
        if not any(k.startswith("v2-error-body") for k, _ in out):
            out.append(("expect-body", f"{st} without an OCI error document"))
    if ex.get("body") == "problem" and st >= 400 and not bodiless:
        ctype = (resp.header("content-type") or "").split(";")[0].strip().lower()
        if ctype != "application/problem+json" and not any(k.startswith("api-problem-type") for k, _ in out):
            out.append(("expect-body", f"{st} with Content-Type {ctype or 'none'}, expected problem+json"))
    if ex.get("allow") and st == 405 and not resp.header("allow") and not any(k == "405-without-allow" for k, _ in out):
        out.append(("405-without-allow", f"{method} {path}"))
    return out


# ------------------------------------------------------------------------------------------------
# Generators. Each takes (rng, ctx) and returns a Case. Templates keep {host}, {dev_auth}, {upload}…

AUTHS = [("dev", 65), ("anon", 25), ("bad", 10)]


def pick_auth(rng, weights=AUTHS):
    kinds, w = zip(*weights)
    return rng.choices(kinds, w)[0]


def auth_header(kind):
    return {"dev": [("Authorization", "{dev_auth}")], "admin": [("Authorization", "{admin_auth}")],
            "bad": [("Authorization", "{bad_auth}")], "anon": []}[kind]


def base_headers(kind, extra=()):
    return [("Host", "{host}")] + auth_header(kind) + list(extra) + [("Connection", "close")]


def with_body(kind, body, extra=()):
    return base_headers(kind, list(extra) + [("Content-Length", str(len(body)))])


def rhex(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"


def valid_manifest(ctx, **over):
    cd, cs = ctx.fz_config
    ld, ls = ctx.fz_layer
    m = {"schemaVersion": 2, "mediaType": MT_MANIFEST,
         "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
         "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": ls}]}
    m.update(over)
    return m


# Repository names that break the grammar or the length limit: never a success, whatever the method.
def bad_names(ctx, rng):
    t, o = ctx.tenant, ctx.other
    return [
        (f"{t}/" + "a" * 300, False), ("a" * 300, False), (f"{t}/" + "/".join(["a"] * 140), False),
        (f"{t}/App", False), (f"ACME/app", False), (f"{t}//app", False), (f"{t}/app/", False), (f"/{t}/app", False),
        (f"{t}/../{o}/secret", False), (f"{t}/%2e%2e/{o}/secret", False), (f"{t}/%2E%2E/app", False),
        (f"{t}/.", False), (f"{t}/..", False), (f"{t}/%2e", False), (f"{t}/ap%00p", False), (f"{t}/ap\x00p", True),
        (f"{t}/\u00e4pp", False), (f"{t}/%C3%A4pp", False), (f"{t}/%E2%80%AEppa", False), (f"{t}/\uff41pp", False),
        (t, False), (f"{t}/-app", False), (f"{t}/app-", False), (f"{t}/a..b", False), (f"{t}/a___b", False),
        (f"{t}/%ZZ", False), (f"{t}/%", False), (f"{t}/app%0d%0aX-Injected:%201", False), (f"{t}/app\t", True),
        (f"{t}/app x", True), (f"{t}/a%20b", False), (f"{t}/" + "\u0430pp", False), ("", False),
        (f"_catalog/{t}", False), (f"{t}/app..", False), (f"{t}/.app", False), (f"{t}/app%2F", False),
    ]


def encode_target(s):
    """Non-ASCII characters go out as raw UTF-8 bytes (a latin-1 string of them)."""
    return s.encode("utf-8").decode("latin-1")


def gen_names(rng, ctx):
    name, malformed = rng.choice(bad_names(ctx, rng))
    digest = ctx.cdigest
    endpoint, method = rng.choice([
        ("manifests/" + ctx.tag, "GET"), ("manifests/" + ctx.tag, "HEAD"), ("manifests/" + ctx.tag, "PUT"),
        ("manifests/" + ctx.tag, "DELETE"), ("blobs/" + digest, "GET"), ("blobs/" + digest, "DELETE"),
        ("blobs/uploads/", "POST"), ("blobs/uploads/?mount=" + digest + "&from=" + ctx.repo, "POST"),
        ("tags/list", "GET"), ("referrers/" + ctx.mdigest, "GET"),
        ("blobs/uploads/0b6d9a7c-4b2e-4c1e-9a55-5d1c2b0e7f11", "PATCH")])
    kind = pick_auth(rng)
    body = b""
    extra = []
    if method == "PUT":
        body = json.dumps(valid_manifest(ctx)).encode()
        extra = [("Content-Type", MT_MANIFEST)]
    elif method == "PATCH":
        body = b"abc"
    hs = with_body(kind, body, extra) if method in ("PUT", "POST", "PATCH") else base_headers(kind)
    return Case(f"name:{method} {endpoint.split('/')[0]}", method, encode_target(f"/v2/{name}/{endpoint}"), hs, body,
                expect={"status": "4xx"}, malformed=malformed), kind


BAD_TAGS = [".INVALID_MANIFEST_NAME", "-x", "a" * 129, "_" + "a" * 128, "-", "+x", "x+y", "x@y", "x$",
            "*", "v1;x", "x!", "~x", ".x", "x=y", "A" * 200, "a" * 1000]
ODD_TAGS = [".", "..", "v1%00", "v1%20", "v%2F1", "%ZZ", "\u00e9", "%C3%A9", "v1\x00", "v1%0d%0a"]


def gen_reference(rng, ctx):
    kind = pick_auth(rng, [("dev", 75), ("anon", 15), ("bad", 10)])
    repo = rng.choice([ctx.repo, ctx.fuzzrepo])
    odd = rng.random() < 0.25
    tag = rng.choice(ODD_TAGS if odd else BAD_TAGS)
    malformed = "\x00" in tag
    method = rng.choice(["GET", "GET", "HEAD", "HEAD", "PUT", "DELETE"])
    expect = {"status": "4xx"}
    body, extra = b"", []
    if method == "PUT":
        repo = ctx.fuzzrepo
        body = json.dumps(valid_manifest(ctx)).encode()
        extra = [("Content-Type", MT_MANIFEST)]
        if kind == "dev" and not odd:
            expect = {"status": [400], "code": ["TAG_INVALID"]}
    elif method in ("GET", "HEAD") and kind == "dev" and not odd:
        # A tag that cannot exist: the manifest is unknown (distribution conformance uses
        # .INVALID_MANIFEST_NAME for "no such manifest"), or the tag is refused as invalid.
        if tag == ".INVALID_MANIFEST_NAME":
            expect = {"status": [404], "code": ["MANIFEST_UNKNOWN"]}
        else:
            expect = {"status_code": {"400": ["TAG_INVALID"], "404": ["MANIFEST_UNKNOWN"]}}
    hs = with_body(kind, body, extra) if method == "PUT" else base_headers(kind)
    label = f"reference:{method}" + (" .INVALID_MANIFEST_NAME" if tag == ".INVALID_MANIFEST_NAME" else "")
    return Case(label, method, encode_target(f"/v2/{repo}/manifests/{tag}"), hs, body, expect=expect,
                malformed=malformed), kind


def bad_digests(rng):
    h = rhex(rng, 64)
    h2 = rhex(rng, 128)
    return [
        "sha256:" + h[:63], "sha256:" + h + "0", "sha256:" + h.upper(), "sha256:" + "g" * 64, "sha256:" + "z" * 64,
        "sha512:" + h, "sha512:" + h2.upper(), "sha512:" + h2 + "a", "md5:d41d8cd98f00b204e9800998ecf8427e",
        "SHA256:" + h, "sha256", "sha256:", ":" + h, "sha256::" + h, "sha256:" + "0" * 10000, "sha256+b64:abc",
        "sha256:" + h + "%00", "sha256:-" + h[1:], "sha-256:" + h, "blake3:" + h, "sha256:%20" + h[:63],
        "sha256:" + h[:32] + "%2F" + h[32:], "a" * 300 + ":" + h, "sha256:" + "\u00e9" * 32,
    ]


def gen_digest(rng, ctx):
    kind = pick_auth(rng, [("dev", 75), ("anon", 15), ("bad", 10)])
    absent = rng.random() < 0.2
    d = rng.choice(["sha256:" + rhex(rng, 64), "sha512:" + rhex(rng, 128)]) if absent else rng.choice(bad_digests(rng))
    dt = encode_target(d)
    repo = rng.choice([ctx.repo, ctx.fuzzrepo])
    form = rng.randrange(9)
    body = b""
    if form == 0:
        method, target = rng.choice(["GET", "HEAD"]), f"/v2/{repo}/blobs/{dt}"
    elif form == 1:
        method, target = "DELETE", f"/v2/{repo}/blobs/{dt}"
    elif form == 2:
        method, target = "GET", f"/v2/{repo}/referrers/{dt}"
    elif form == 3:
        method, target = rng.choice(["GET", "HEAD", "DELETE"]), f"/v2/{repo}/manifests/{dt}"
    elif form == 4:
        method, target, body = "PUT", f"/v2/{ctx.fuzzrepo}/manifests/{dt}", json.dumps(valid_manifest(ctx)).encode()
    elif form == 5:
        method, target, body = "POST", f"/v2/{ctx.fuzzrepo}/blobs/uploads/?digest={dt}", b"xyz"
    elif form == 6:
        method, target = "POST", f"/v2/{ctx.fuzzrepo}/blobs/uploads/?mount={dt}&from={ctx.repo}"
    elif form == 7:
        method, target, body = "PUT", "{upload}?digest=" + dt, b"xyz"
    else:
        alg = rng.choice(["md5", "SHA256", "sha384", "sha256 ", "%00", "sha512", "a" * 500, "sha256,sha512"])
        method, target = "POST", f"/v2/{ctx.fuzzrepo}/blobs/uploads/?digest-algorithm={alg}"
        d, absent = alg, alg in ("sha512",)
    expect = {} if absent else {"status": "4xx"}
    if form in (3, 4) and ":" not in d and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}", d):
        expect = {}  # without a colon it is a tag, and a valid one ("sha256"): it may exist
    if absent and kind == "dev":
        if form == 0:
            expect = {"status": [404], "code": ["BLOB_UNKNOWN"]}
        elif form == 5:
            expect = {"status": [400], "code": ["DIGEST_INVALID"]}  # the body does not hash to it
    if form == 3 and method == "DELETE" and kind == "dev" and absent:
        expect = {"status": [403, 404]}
    extra = [("Content-Type", MT_MANIFEST)] if form == 4 else []
    hs = with_body(kind, body, extra) if method in ("PUT", "POST", "PATCH") else base_headers(kind)
    return Case(f"digest:{method} form{form}", method, target, hs, body, expect=expect), kind


CHUNK_RANGES = ["zz", "-1-5", "5-1", "0-18446744073709551615", "0-9223372036854775807", "0-9223372036854775806",
                "9223372036854775807-9223372036854775807", "0-99999999999999999999", "bytes=0-", "0-", "-", "",
                " 0-{e}", "0-{e} ", "0-4,5-9", "0--4", "0-{e}/{n}", "bytes 0-{e}/{n}", "bytes */{n}", "+0-+{e}",
                "0x0-0x4", "00-0{e}", "-9223372036854775808-0", "1-0", "5-9", "0-{n}", "0-{e}", "bytes=0-{e}",
                "3-9223372036854775807", "3-{e3}"]


def gen_content_range(rng, ctx):
    kind = pick_auth(rng, [("dev", 90), ("anon", 10)])
    n = rng.randrange(1, 65)
    body = bytes(rng.randrange(256) for _ in range(n))
    spec = rng.choice(CHUNK_RANGES)
    value = spec.replace("{e3}", str(n + 2)).replace("{e}", str(n - 1)).replace("{n}", str(n))
    prefilled = spec.startswith("3-")
    upload = "{upload3}" if prefilled else "{upload}"
    # Surrounding whitespace is not part of a field value; "+0-+4" is lenient but harmless, and the
    # RFC 9110 forms ("bytes 0-4/5", "0-4/5") may be accepted.
    valid = value.strip() in (f"0-{n - 1}", f"bytes=0-{n - 1}", f"00-0{n - 1}", f"+0-+{n - 1}", f"bytes 0-{n - 1}/{n}",
                              f"0-{n - 1}/{n}") or (prefilled and value == f"3-{n + 2}")
    expect = {} if valid or kind != "dev" else {"status": "4xx"}
    if rng.random() < 0.75:
        method, target = "PATCH", upload
    else:
        method, target = "PUT", upload + "?digest=" + sha256((b"abc" if prefilled else b"") + body)
    hs = with_body(kind, body, [("Content-Type", "application/octet-stream"), ("Content-Range", value)])
    return Case(f"content-range:{spec}", method, target, hs, body, expect=expect, note=method), kind


BLOB_RANGES = ["bytes=zz", "bytes=5-1", "bytes=-0", "bytes=0-", "bytes=0-0", "bytes=-1", "bytes=99999999999999999999-",
               "bytes=0-99999999999999999999", "bytes=9223372036854775807-", "bytes=-9223372036854775807",
               "bytes=-9223372036854775808", "bytes=0-1,2-3", "items=0-1", "bytes=", "bytes=-", "bytes = 0-1",
               "bytes=1-0", "bytes=0-9223372036854775807", "bytes=1-2", "bytes=-99999999999999999999", "bytes=0x1-2"]


def gen_blob_range(rng, ctx):
    kind = pick_auth(rng, [("dev", 85), ("anon", 15)])
    digest = rng.choice([ctx.cdigest, ctx.ldigest])
    hs = base_headers(kind, [("Range", rng.choice(BLOB_RANGES))])
    return Case("blob-range:GET", rng.choice(["GET", "GET", "HEAD"]), f"/v2/{ctx.repo}/blobs/{digest}", hs,
                expect={"blob": digest}), kind


ABSURD = ["9223372036854775808", "18446744073709551615", "99999999999999999999999", "9223372036854775807"]


def gen_content_length(rng, ctx):
    """Odd Content-Length values. Only absurd declared lengths are sent without their body."""
    target_kind = rng.choice(["manifest", "patch", "patch3", "post-digest", "put-upload", "api-runs", "api-tenants"])
    kind = "admin" if target_kind == "api-tenants" and ctx.admin_auth else "dev"
    if target_kind == "manifest":
        method, target, extra = "PUT", f"/v2/{ctx.fuzzrepo}/manifests/cl", [("Content-Type", MT_MANIFEST)]
        body = json.dumps(valid_manifest(ctx)).encode()
    elif target_kind in ("patch", "patch3"):
        method, target, extra, body = "PATCH", "{upload}" if target_kind == "patch" else "{upload3}", [], b"xyz"
    elif target_kind == "post-digest":
        method, target, extra, body = "POST", f"/v2/{ctx.fuzzrepo}/blobs/uploads/?digest={sha256(b'xyz')}", [], b"xyz"
    elif target_kind == "put-upload":
        method, target, extra, body = "PUT", "{upload}?digest=" + sha256(b"xyz"), [], b"xyz"
    elif target_kind == "api-runs":
        method, target = "POST", f"/api/v1/tenants/{ctx.tenant}/runs"
        extra, body = [("Content-Type", "application/json")], json.dumps({"reference": f"{ctx.repo}:{ctx.tag}"}).encode()
    else:
        method, target = "POST", "/api/v1/tenants"
        extra, body = [("Content-Type", "application/json")], json.dumps({"name": "fz" + rhex(rng, 8)}).encode()
    n = len(body)
    variant = rng.randrange(17)
    expect = {}
    lengths = None
    send = body
    malformed = False
    if variant < 4:  # absurd: must be refused at once, without waiting for a body that never comes
        lengths, send = [rng.choice(ABSURD)], b""
        expect = {"status": "4xx", "within": 2.0}
        if target_kind == "manifest":
            expect["status"] = [400, 413]
    elif variant == 4:  # above the limit of the endpoint, not sent
        limit = {"manifest": 4 * 1024 * 1024, "api-tenants": 64 * 1024, "api-runs": 8 * 1024 * 1024}.get(target_kind)
        if limit is None:
            limit = 64 * 1024 * 1024 * 1024
        lengths, send = [str(limit + 1)], b""
        expect = {"status": [413], "within": 2.0}
        if target_kind == "patch3":
            expect = {"status": "4xx", "within": 2.0}
    elif variant == 5:
        lengths, send = ["18446744073709551616"], b""
        expect = {"status": [400], "within": 2.0}
    elif variant == 6:
        lengths = ["-1"]
        expect = {"status": [400]}
    elif variant == 7:
        lengths = [rng.choice(["abc", "3.0", "0x3", "+3", "3 3", "", "1e3", "\xd9\xa3"])]
        expect = {"status": [400]}
    elif variant == 8:
        lengths = [str(n), str(n + 1)]  # conflicting duplicates: the framing is invalid
        expect = {"status": [400]}
    elif variant == 9:
        lengths = [f"{n}, {n + 1}"]
        expect = {"status": [400]}
    elif variant == 10:
        lengths = [str(n), str(n)]  # identical duplicates: may be accepted
    elif variant == 11:
        lengths = [f"{n}, {n}"]
    elif variant == 12:
        lengths = ["0" * 30 + str(n)]
    elif variant == 13:
        lengths = [str(n)]
        send = body + b"GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n"  # a pipelined second request after the body
    elif variant == 14:
        lengths = [str(n) + " "]
    elif variant == 15:
        lengths = ["\t" + str(n)]
    else:
        lengths = [str(n - 1 if n else 0)]  # declared shorter than sent: the rest is the next "request"
    hs = base_headers(kind, extra) + [("Content-Length", v) for v in lengths]
    c = Case(f"content-length:{target_kind} v{variant}", method, target, hs, send, expect=expect, malformed=malformed)
    return c, kind


def chunked(*pieces):
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


TE_CASES = [
    # name, Transfer-Encoding values, body, expectation
    ("chunked-ok", ["chunked"], chunked(b"abc", b"de"), {}),
    ("chunk-zz", ["chunked"], b"zz\r\nabc\r\n0\r\n\r\n", {"status": [400], "body": "oci-error"}),
    ("chunk-neg", ["chunked"], b"-1\r\nabc\r\n0\r\n\r\n", {"status": [400], "body": "oci-error"}),
    ("chunk-18f", ["chunked"], b"ffffffffffffffffff\r\nabc\r\n0\r\n\r\n", {"status": [400], "body": "oci-error"}),
    ("chunk-20f", ["chunked"], b"ffffffffffffffffffff\r\nabc\r\n0\r\n\r\n", {"status": [400], "body": "oci-error"}),
    ("chunk-0x", ["chunked"], b"0x3\r\nabc\r\n0\r\n\r\n", {"status": [400], "body": "oci-error"}),
    ("chunk-space", ["chunked"], b" 3\r\nabc\r\n0\r\n\r\n", {"status": [400], "body": "oci-error"}),
    ("chunk-no-crlf", ["chunked"], b"3\r\nabcXY0\r\n\r\n", {"status": [400], "body": "oci-error"}),
    ("chunk-ext", ["chunked"], b"3;name=value\r\nabc\r\n0\r\n\r\n", {}),
    ("chunk-trailer", ["chunked"], b"3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n", {}),
    ("chunk-too-long", ["chunked"], b"2\r\nabc\r\n0\r\n\r\n", {"status": [400], "body": "oci-error"}),
    ("gzip", ["gzip"], b"abc", {"status": [400], "within": 3.0}),
    ("identity", ["identity"], b"abc", {"status": [400], "within": 3.0}),
    ("deflate", ["deflate"], b"abc", {"status": [400], "within": 3.0}),
    ("chunked-gzip", ["chunked, gzip"], b"abc", {"status": [400], "within": 3.0}),
    ("xchunked", ["xchunked"], b"abc", {"status": [400], "within": 3.0}),
    ("empty", [""], b"abc", {"within": 3.0}),
    ("gzip-chunked", ["gzip, chunked"], chunked(b"abc"), {"allow_5xx": [501]}),
    ("Chunked", ["Chunked"], chunked(b"abc"), {}),
    ("chunked-twice", ["chunked", "chunked"], chunked(b"abc"), {"status": [400]}),
    ("chunked+cl", ["chunked"], chunked(b"abc"), {}),
]


def gen_transfer_encoding(rng, ctx):
    name, values, body, expect = rng.choice(TE_CASES)
    target_kind = rng.choice(["patch", "patch", "manifest", "post-digest", "api-runs"])
    kind = "dev"
    if target_kind == "patch":
        method, target, extra = "PATCH", "{upload}", []
    elif target_kind == "manifest":
        method, target, extra = "PUT", f"/v2/{ctx.fuzzrepo}/manifests/te", [("Content-Type", MT_MANIFEST)]
    elif target_kind == "post-digest":
        method, target, extra = "POST", f"/v2/{ctx.fuzzrepo}/blobs/uploads/?digest={sha256(b'abc')}", []
    else:
        method, target, extra = "POST", f"/api/v1/tenants/{ctx.tenant}/runs", [("Content-Type", "application/json")]
    expect = dict(expect)
    if target_kind == "api-runs" and expect.get("body") == "oci-error":
        expect["body"] = "problem"
    hs = base_headers(kind, extra) + [("Transfer-Encoding", v) for v in values]
    if name == "chunked+cl":
        hs.append(("Content-Length", "3"))
    return Case(f"transfer-encoding:{name} {target_kind}", method, target, hs, body, expect=expect), kind


def gen_headers(rng, ctx):
    kind = pick_auth(rng, [("dev", 80), ("anon", 20)])
    target = rng.choice([f"/v2/", f"/v2/{ctx.repo}/manifests/{ctx.tag}", f"/v2/{ctx.repo}/tags/list",
                         "/api/v1/me", f"/v2/{ctx.repo}/blobs/{ctx.cdigest}"])
    v = rng.randrange(16)
    hs = base_headers(kind)
    expect, malformed, raw = {}, False, None
    if v == 0:
        hs.insert(1, ("X-Fuzz", "a" * rng.choice([1000, 8000, 15000])))  # under the 16 KiB header limit
    elif v == 1:
        hs.insert(1, ("X-Fuzz", "a" * rng.choice([17000, 40000, 79000])))  # over http.max_header_bytes
        malformed = True
    elif v == 2:
        for i in range(rng.choice([90, 150])):
            hs.insert(1, (f"X-F{i}", "1"))
        malformed = True
    elif v == 3:
        raw = Case("", "GET", target, hs).template().replace(b"Connection", rng.choice(
            [b"X Fuzz: 1\r\nConnection", b"XFuzz\r\nConnection", b"X-Fuzz: a\r\n b\r\nConnection",
             b"X-Fuzz: a\x00b\r\nConnection", b"X-Fuzz: a\x01b\r\nConnection", b" X-Fuzz: 1\r\nConnection",
             b"X-Fuzz : 1\r\nConnection", b"X-F\xffzz: 1\r\nConnection", b":1\r\nConnection"]), 1)
        malformed = True
    elif v == 4:
        hs.insert(1, ("X-Fuzz", "\xff\xfe\x80 obs-text"))
    elif v == 5:
        raw = Case("", "GET", target, hs).template().replace(b"\r\n", b"\n")
        malformed = True
    elif v == 6:
        hs = [h for h in hs if h[0] != "Host"]
        if rng.random() < 0.5:
            hs.insert(0, ("Host", rng.choice(["evil.example", "a" * 300, "127.0.0.1:1/../..", ""])))
            malformed = True
        else:
            hs.insert(0, ("Host", "{host}"))
            hs.insert(0, ("Host", "other.example"))
            malformed = True
    elif v == 7:
        hs = [h for h in hs if h[0] != "Authorization"]
        bad = rng.choice(["Basic", "Basic !!!", "Basic " + base64.b64encode(b"nocolon").decode(),
                          "Basic " + base64.b64encode(b":").decode(), "Basic " + base64.b64encode(b"dev:" + b"x" * 5000).decode(),
                          "Bearer", "Bearer a.b.c", "Bearer " + "a" * 8000, "Digest x", "Negotiate abc",
                          "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(), "Basic  " + "=" * 8,
                          "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.", "Basic " + base64.b64encode(b"admin:").decode()])
        hs.insert(1, ("Authorization", bad))
        kind = "bad"
        expect = {"status": [401]}
    elif v == 8:
        hs.insert(1, ("Aegis-Gas-Limit", rng.choice(["-1", "0", "abc", "1e9", "18446744073709551616", "99999999999999999999",
                                                     " 5", "5000000000", "1", "0x10", "", "1,2"])))
        if kind == "dev" and "/manifests/" in target:
            expect = {"status": [403], "code": ["DENIED"]}
    elif v == 9:
        hs.insert(1, ("Accept", rng.choice(["*/*;q=abc", "a" * 8000, MT_MANIFEST + ";q=-1", "\x7f", ",,,,", "*/*;q=1e999"])))
    elif v == 10:
        hs.insert(1, ("Expect", "100-continue"))
    elif v == 11:
        hs[-1] = ("Connection", "Upgrade, HTTP2-Settings")
        hs.insert(1, ("Upgrade", rng.choice(["h2c", "websocket", "HTTP/2.0", "a" * 200])))
        hs.insert(1, ("HTTP2-Settings", "AAMAAABkAAQCAAAAAAIAAAAA"))
        expect = {"close_ok": False}
    elif v == 12:
        hs.insert(1, ("X-Forwarded-Host", "evil.example"))
        hs.insert(1, ("X-Forwarded-Proto", "gopher"))
        hs.insert(1, ("Forwarded", "for=\"[::1\";host=;;;"))
    elif v == 13:
        hs.insert(1, ("Cookie", "a=" + "b" * 8000))
    elif v == 14:
        hs.insert(1, ("If-None-Match", rng.choice(["*", "\"" + "a" * 5000 + "\"", "W/", "\""])))
        hs.insert(1, ("If-Modified-Since", rng.choice(["yesterday", "Mon, 99 Foo 9999 99:99:99 GMT", ""])))
    else:
        hs.insert(1, ("Content-Type", "application/json; charset=" + "x" * 3000))
    c = Case(f"headers:v{v}", "GET", target, hs, expect=expect, malformed=malformed)
    if raw is not None:
        c.raw = raw
    return c, kind


V2_PATHS = ["/v2/", "/v2", "/v2/{repo}/manifests/{tag}", "/v2/{repo}/blobs/{cdigest}", "/v2/{repo}/tags/list",
            "/v2/_catalog", "/v2/{fuzzrepo}/blobs/uploads/", "{upload}", "/v2/{repo}/referrers/{mdigest}",
            "/v2/{repo}/blobs/{cdigest}/", "/v2/nope", "/v2/{repo}"]
API_PATHS = ["/api/v1/me", "/api/v1/tenants", "/api/v1/tenants/{tenant}", "/api/v1/openapi.json", "/api/v1/nope",
             "/api/v1/tenants/{tenant}/runs", "/api/v1/", "/api/v1/users", "/api/v1/gas/schedule"]
KNOWN_METHODS = ["OPTIONS", "TRACE", "PROPFIND", "CONNECT", "PATCH", "PUT", "POST", "DELETE", "MKCOL", "LOCK",
                 "SEARCH", "PURGE", "LINK", "UNLINK", "REPORT", "MOVE", "COPY", "ACL", "GET", "HEAD"]
UNKNOWN_METHODS = ["FOO", "get", "GETT", "G" * 300, "QUERY", "BREW"]


def gen_methods(rng, ctx):
    kind = pick_auth(rng, [("dev", 75), ("anon", 25)])
    api = rng.random() < 0.3
    path = rng.choice(API_PATHS if api else V2_PATHS)
    unknown = rng.random() < 0.12
    method = rng.choice(UNKNOWN_METHODS if unknown else KNOWN_METHODS)
    body = b""
    if method in ("PUT", "POST", "PATCH"):
        body = b"{}"
        hs = with_body(kind, body, [("Content-Type", "application/json")])
    else:
        hs = base_headers(kind)
    if path.startswith("/api/v1/tenants") and method in ("DELETE", "PUT", "POST", "PATCH") and kind == "dev":
        pass  # the developer may not manage the tenant: refused before any change (checked below)
    expect = {"allow": True}
    if method not in ("GET", "HEAD", "OPTIONS") and "{upload}" not in path:
        if path.startswith("/v2/{repo}") or path == "/api/v1/tenants/{tenant}" and method == "DELETE":
            expect["status"] = "4xx"  # the developer cannot delete, and nothing else is accepted there
    if path == "/api/v1/tenants" and method == "POST" and kind == "dev":
        expect["status"] = "4xx"
    if not api and method in ("TRACE", "PROPFIND") and kind == "dev":
        expect["body"] = "oci-error"
    return Case(f"method:{method} {'api' if api else 'v2'} {path}", method, path, hs, body, expect=expect,
                malformed=unknown and method in ("get", "G" * 300)), kind


def deep(n, kind="array"):
    if kind == "array":
        return b"[" * n + b"]" * n
    return b'{"a":' * n + b"1" + b"}" * n


def dup_key(obj_json: bytes, key: str, value: bytes) -> bytes:
    """Adds a second `key` member at the start of the top-level object."""
    return b"{" + json.dumps(key).encode() + b":" + value + b"," + obj_json[1:]


def manifest_mutation(rng, ctx):
    """(label, body, must-be-invalid) for PUT manifest."""
    base = valid_manifest(ctx)
    raw = json.dumps(base).encode()
    other_desc = json.dumps({"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(b"other"),
                             "size": 5}).encode()
    cd, cs = ctx.fz_config
    choices = [
        ("deep-array-10k", lambda: deep(10000), True),
        ("deep-object-10k", lambda: deep(10000, "object"), True),
        ("deep-annotations", lambda: json.dumps(base)[:-1].encode() + b', "annotations": ' + deep(10000, "object") + b"}", True),
        ("deep-layers", lambda: raw.replace(b'"layers": [', b'"layers": [' + b"[" * 5000 + b"]" * 5000 + b",", 1), True),
        ("huge-array-numbers", lambda: json.dumps(valid_manifest(ctx, layers=[0] * 200000)).encode(), True),
        ("huge-array-layers", lambda: json.dumps(valid_manifest(ctx, layers=base["layers"] * 3000)).encode(), False),
        ("huge-annotations", lambda: json.dumps(valid_manifest(ctx, annotations={f"k{i}": "v" for i in range(20000)})).encode(), False),
        ("dup-config", lambda: dup_key(raw, "config", other_desc), True),
        ("dup-config-same", lambda: dup_key(raw, "config", json.dumps(base["config"]).encode()), True),
        ("dup-layers", lambda: dup_key(raw, "layers", b"[]"), True),
        ("dup-schemaVersion", lambda: dup_key(raw, "schemaVersion", b"3"), True),
        ("dup-mediaType", lambda: dup_key(raw, "mediaType", json.dumps(MT_INDEX).encode()), True),
        ("dup-subject", lambda: dup_key(raw[:-1] + b', "subject": ' + other_desc + b"}", "subject", json.dumps(base["config"]).encode()), True),
        ("dup-digest-in-config", lambda: raw.replace(b'"digest": "' + cd.encode(), b'"digest": "' + sha256(b"x").encode() + b'", "digest": "' + cd.encode(), 1), False),
        ("schemaVersion-string", lambda: json.dumps(valid_manifest(ctx, schemaVersion="2")).encode(), True),
        ("schemaVersion-float", lambda: json.dumps(valid_manifest(ctx, schemaVersion=2.5)).encode(), True),
        ("schemaVersion-null", lambda: json.dumps(valid_manifest(ctx, schemaVersion=None)).encode(), True),
        ("schemaVersion-huge", lambda: raw.replace(b'"schemaVersion": 2', b'"schemaVersion": 1' + b"0" * 400), True),
        ("config-array", lambda: json.dumps(valid_manifest(ctx, config=[])).encode(), True),
        ("config-string", lambda: json.dumps(valid_manifest(ctx, config="sha256:x")).encode(), True),
        ("config-null", lambda: json.dumps(valid_manifest(ctx, config=None)).encode(), True),
        ("layers-object", lambda: json.dumps(valid_manifest(ctx, layers={})).encode(), True),
        ("layers-string", lambda: json.dumps(valid_manifest(ctx, layers="x")).encode(), True),
        ("layers-null", lambda: json.dumps(valid_manifest(ctx, layers=None)).encode(), False),
        ("size-string", lambda: json.dumps(valid_manifest(ctx, config=dict(base["config"], size=str(cs)))).encode(), True),
        ("size-negative", lambda: json.dumps(valid_manifest(ctx, config=dict(base["config"], size=-1))).encode(), True),
        ("size-float", lambda: json.dumps(valid_manifest(ctx, config=dict(base["config"], size=1.5))).encode(), True),
        ("size-2^64", lambda: raw.replace(b'"size": %d' % cs, b'"size": 18446744073709551616', 1), True),
        ("size-1e400", lambda: raw.replace(b'"size": %d' % cs, b'"size": 1e400', 1), True),
        ("digest-number", lambda: json.dumps(valid_manifest(ctx, config=dict(base["config"], digest=12))).encode(), True),
        ("digest-upper", lambda: json.dumps(valid_manifest(ctx, config=dict(base["config"], digest=cd.upper()))).encode(), True),
        ("invalid-utf8", lambda: raw.replace(b"application/vnd.oci.image.layer", b"application/vnd.oci.\xff\xfeimage.layer", 1), True),
        ("overlong-utf8", lambda: raw.replace(b"/vnd.oci.image.layer", b"\xc0\xafvnd.oci.image.layer", 1), True),
        ("bom", lambda: b"\xef\xbb\xbf" + raw, False),
        ("utf16", lambda: json.dumps(base).encode("utf-16"), False),
        ("trailing-garbage", lambda: raw + b"garbage", True),
        ("trailing-object", lambda: raw + b"{}", True),
        ("empty", lambda: b"", True),
        ("whitespace", lambda: b" \r\n\t ", True),
        ("null", lambda: b"null", True),
        ("array", lambda: b"[]", True),
        ("number", lambda: b"2", True),
        ("empty-object", lambda: b"{}", True),
        ("lone-surrogate", lambda: json.dumps(valid_manifest(ctx, annotations={"a": "\ud800"}), ensure_ascii=True).encode(), False),
        ("raw-nul-in-string", lambda: raw.replace(b"application/vnd.oci.image.layer", b"application/vnd.oci.\x00image.layer", 1), True),
        ("raw-control-in-string", lambda: raw.replace(b"application/vnd.oci.image.layer", b"application/vnd.oci.\nimage.layer", 1), True),
        ("escaped-nul", lambda: json.dumps(valid_manifest(ctx, annotations={"a": "\x00"})).encode(), False),
        ("annotation-number", lambda: json.dumps(valid_manifest(ctx, annotations={"a": 1})).encode(), True),
        ("long-string", lambda: json.dumps(valid_manifest(ctx, annotations={"a": "x" * 1000000})).encode(), False),
        ("nan", lambda: raw.replace(b'"schemaVersion": 2', b'"schemaVersion": NaN'), True),
        ("comment", lambda: b"/* c */" + raw, True),
        ("single-quotes", lambda: raw.replace(b'"', b"'"), True),
        ("trailing-comma", lambda: raw[:-1] + b",}", True),
        ("unquoted-key", lambda: raw.replace(b'"schemaVersion"', b"schemaVersion"), True),
        ("unknown-blob", lambda: json.dumps(valid_manifest(ctx, config=dict(base["config"], digest=sha256(b"nope")))).encode(), True),
        ("index-with-config", lambda: json.dumps(valid_manifest(ctx, mediaType=MT_INDEX, manifests=[])).encode(), True),
        ("media-type-garbage", lambda: json.dumps(valid_manifest(ctx, mediaType="a" * 5000)).encode(), True),
        ("subject-garbage", lambda: json.dumps(valid_manifest(ctx, subject={"digest": "x", "size": "y"})).encode(), True),
        ("valid", lambda: raw, False),
    ]
    label, make, invalid = rng.choice(choices)
    return label, make(), invalid


def gen_manifest(rng, ctx):
    kind = pick_auth(rng, [("dev", 90), ("anon", 10)])
    label, body, invalid = manifest_mutation(rng, ctx)
    by_digest = rng.random() < 0.2
    ref = sha256(body) if by_digest else rng.choice(["m1", "m2", "latest"])
    ctype = rng.choice([MT_MANIFEST] * 6 + [None, "application/json", "text/plain"])
    extra = [("Content-Type", ctype)] if ctype else []
    expect = {}
    if kind == "dev" and invalid:
        expect = {"status": [400], "code": ["MANIFEST_INVALID", "MANIFEST_BLOB_UNKNOWN"] if label == "unknown-blob"
                  else ["MANIFEST_INVALID"]}
        if ctype == "text/plain":
            expect = {"status": [400, 415]}
    hs = with_body(kind, body, extra)
    return Case(f"manifest:{label}", "PUT", f"/v2/{ctx.fuzzrepo}/manifests/{ref}", hs, body, expect=expect), kind


API_BODY_TARGETS = [
    # (method, path, auth, a valid body, fields, body limit); admin only on the scratch tenant
    ("POST", "/api/v1/tenants", "admin", {"name": "fzt"}, 64 * 1024),
    ("POST", "/api/v1/users", "admin", {"name": "fzu", "password": "fuzz-password-123"}, 64 * 1024),
    ("PUT", "/api/v1/tenants/fuzzapi/gas/budget", "admin", {"budget": 10 ** 15}, 64 * 1024),
    ("PUT", "/api/v1/tenants/fuzzapi/gas/max-price", "admin", {"maxPrice": 1000}, 64 * 1024),
    ("PUT", "/api/v1/tenants/fuzzapi/storage/quota", "admin", {"quota": 10 ** 12}, 64 * 1024),
    ("PUT", "/api/v1/tenants/fuzzapi/members/admin", "admin", {"role": "reader"}, 64 * 1024),
    ("POST", "/api/v1/tenants/fuzzapi/robots", "admin", {"name": "fzr", "role": "reader"}, 64 * 1024),
    ("PUT", "/api/v1/tenants/fuzzapi/grants", "admin", {"user": "admin", "repository": "x/*", "role": "reader"}, 64 * 1024),
    ("PUT", "/api/v1/tenants/fuzzapi/visibility", "admin", {"repository": "app", "public": False}, 64 * 1024),
    ("POST", "/api/v1/tenants/{tenant}/runs", "dev", {"reference": "{repo}:{tag}", "gasLimit": 1000}, 8 * 1024 * 1024),
    ("PUT", "/api/v1/tenants/{tenant}/apps/fz", "dev", {"reference": "{repo}:{tag}", "public": False}, 64 * 1024),
]


def api_mutation(rng, valid: dict, limit):
    raw = json.dumps(valid).encode()
    key = next(iter(valid))
    choices = [
        ("deep-array-10k", lambda: deep(10000), True), ("deep-object-10k", lambda: deep(10000, "object"), True),
        ("deep-member", lambda: raw[:-1] + b', "x": ' + deep(10000) + b"}", True),
        ("huge-array", lambda: json.dumps(dict(valid, **{key: [0] * 20000})).encode(), True),
        ("dup-key", lambda: dup_key(raw, key, json.dumps(valid[key]).encode()), False),
        ("dup-key-other", lambda: dup_key(raw, key, b'"other-value-zz"'), False),
        ("wrong-type-array", lambda: json.dumps(dict(valid, **{key: []})).encode(), True),
        ("wrong-type-object", lambda: json.dumps(dict(valid, **{key: {}})).encode(), True),
        ("wrong-type-bool", lambda: json.dumps(dict(valid, **{key: True})).encode(), True),
        ("null-member", lambda: json.dumps(dict(valid, **{key: None})).encode(), True),
        ("unknown-member", lambda: json.dumps(dict(valid, zzz=1)).encode(), True),
        ("number-as-string", lambda: json.dumps({k: str(v) if isinstance(v, int) and not isinstance(v, bool) else v
                                                 for k, v in valid.items()}).encode(), None),
        ("number-2^63", lambda: raw.replace(json.dumps(valid[key]).encode(), b"9223372036854775808", 1), True),
        ("number-neg", lambda: raw.replace(json.dumps(valid[key]).encode(), b"-9223372036854775809", 1), True),
        ("number-1e400", lambda: raw.replace(json.dumps(valid[key]).encode(), b"1e400", 1), True),
        ("number-float", lambda: raw.replace(json.dumps(valid[key]).encode(), b"1.5", 1), True),
        ("invalid-utf8", lambda: b'{"' + key.encode() + b'": "\xff\xfe\xc3\x28"}', True),
        ("bom", lambda: b"\xef\xbb\xbf" + raw, None), ("utf16", lambda: json.dumps(valid).encode("utf-16"), None),
        ("trailing-garbage", lambda: raw + b"x", True), ("empty", lambda: b"", True), ("null", lambda: b"null", True),
        ("array", lambda: b"[" + raw + b"]", True), ("string", lambda: b'"x"', True),
        ("nan", lambda: raw[:-1] + b', "n": NaN}', True), ("long-string", lambda: json.dumps({key: "x" * 60000}).encode(), True),
        ("over-limit", lambda: json.dumps({key: "x" * (limit + 10)}).encode(), "413"),
        ("lone-surrogate", lambda: b'{"' + key.encode() + b'": "\\ud800"}', True),
        ("nul", lambda: b'{"' + key.encode() + b'": "a\x00b"}', True),
        ("unicode-key", lambda: json.dumps({key.upper(): valid[key]}).encode(), True),
        ("valid", lambda: raw, None),
    ]
    if limit > 1024 * 1024:
        choices = [c for c in choices if c[0] != "over-limit"]
    return rng.choice(choices)


def gen_api_body(rng, ctx):
    method, path, auth, valid, limit = rng.choice(API_BODY_TARGETS)
    if auth == "admin" and not ctx.admin_auth:
        auth = "dev"
    valid = json.loads(json.dumps(valid).replace("{repo}", ctx.repo).replace("{tag}", ctx.tag))
    if "name" in valid:
        valid["name"] = valid["name"] + rhex(rng, 6)
    label, make, invalid = api_mutation(rng, valid, limit)
    body = make()
    kind = auth if rng.random() < 0.85 else "anon"
    expect = {}
    ctype = rng.choice(["application/json"] * 5 + [None, "text/plain", "application/json; charset=utf-16"])
    if kind != "anon" and ctype == "application/json":  # other types may be refused with 415 instead
        if invalid == "413":
            expect = {"status": [413]}
        elif invalid:
            expect = {"status": [400]}
    if kind == "anon":
        expect = {"status": [401]}
    hs = with_body(kind, body, [("Content-Type", ctype)] if ctype else [])
    return Case(f"api-body:{method} {path.split('/')[-1]} {label}", method, path, hs, body, expect=expect), kind


def gen_api_misc(rng, ctx):
    kind = pick_auth(rng, [("dev", 60), ("anon", 30), ("bad", 10)])
    v = rng.randrange(8)
    expect = {}
    t = ctx.tenant
    if v == 0:
        path = rng.choice(["/api/v1/tenants/{tenant}/audit", "/api/v1/audit", "/api/v1/gas/prices",
                           "/api/v1/tenants/{tenant}/runs"]) + "?limit=" + rng.choice(
            ["-1", "0", "abc", "99999999999999999999", "1e3", "", "%00", "1&limit=2", "10001"])
        method = "GET"
    elif v == 1:
        path = f"/api/v1/tenants/{t}/gas/invoice?period=" + rng.choice(["2026-13", "abcd-ef", "0000-00", "9999999999-01",
                                                                       "-1--1", "%ZZ", "2026-01&format=xml", "2026-1"])
        method = "GET"
    elif v == 2:
        path = rng.choice(["/api/v1/tenants/" + x for x in ["..", "%2e%2e", "ACME", "a" * 300, "%00", "_registry", "-", "\u00e4"]])
        path = encode_target(path)
        method = rng.choice(["GET", "DELETE"])
        expect = {"status": "4xx"}
    elif v == 3:
        path = rng.choice(["/api/v1/users", "/api/v1/audit", "/api/v1/tenants/{other}", f"/api/v1/tenants/{t}/members",
                           f"/api/v1/tenants/{t}/robots", f"/api/v1/tenants/{t}/audit"])
        method = "GET"
        if kind == "dev" and path in ("/api/v1/users", "/api/v1/audit", "/api/v1/tenants/{other}", f"/api/v1/tenants/{t}/audit"):
            expect = {"status": "4xx"}  # system administrators, members of the other tenant, auditors only
    elif v == 4:
        path = rng.choice([f"/api/v1/tenants/{t}", "/api/v1/users/admin", "/api/v1/users/dev", f"/api/v1/tenants/{t}/gas/budget",
                           f"/api/v1/tenants/{t}/members/dev", f"/api/v1/tenants/{t}/storage/quota", "/api/v1/tenants/{other}"])
        method = "DELETE"
        expect = {"status": "4xx"}  # never allowed to the developer, nor anonymously
    elif v == 5:
        path = rng.choice(["/api/v1/me", "/api/v1/tenants"]) + rng.choice(["/", "//", "/.", "/%2e", "?x=" + "y" * 5000, "/a/b/c/d/e/f"])
        method = "GET"
    elif v == 6:
        path = rng.choice(["/api/v2/me", "/api/", "/api", "/api/v1", "/API/v1/me", "/api/v1/openapi.json/x",
                           "/metrics", "/token?scope=" + "x" * 3000, "/apps/{tenant}/nope/x", "/", "/favicon.ico"])
        method = rng.choice(["GET", "HEAD", "POST"])
    else:
        path = "/api/v1/me"
        method = rng.choice(["CONNECT", "OPTIONS", "TRACE", "PROPFIND", "PATCH", "PUT", "POST", "DELETE"])
        expect = {"allow": True}
    body = b"{}" if method in ("POST", "PUT", "PATCH") else b""
    hs = with_body(kind, body, [("Content-Type", "application/json")]) if body else base_headers(kind)
    return Case(f"api-misc:v{v} {method}", method, path, hs, body, expect=expect), kind


def gen_framing(rng, ctx):
    """Raw garbage and request-line games."""
    v = rng.randrange(15)
    H = b"Host: {host}\r\nAuthorization: {dev_auth}\r\nConnection: close\r\n"
    expect = {"close_ok": True, "bare_ok": True}
    if v == 0:
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    elif v == 1:
        raw = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    elif v == 2:
        raw = b"GET /v2/ HTTP/" + rng.choice([b"9.9", b"1.2", b"0.9", b"2.0", b"1", b"1.1.1", b"x"]) + b"\r\n" + H + b"\r\n"
    elif v == 3:
        raw = b"GET http://{host}/v2/ HTTP/1.1\r\n" + H + b"\r\n"
        expect = {}
    elif v == 4:
        raw = b"OPTIONS * HTTP/1.1\r\n" + H + b"\r\n"
        expect = {}
    elif v == 5:
        raw = b"GET  /v2/  HTTP/1.1\r\n" + H + b"\r\n"
    elif v == 6:
        raw = b"GET /v2/" + b"a" * rng.choice([5000, 20000, 70000]) + b" HTTP/1.1\r\n" + H + b"\r\n"
    elif v == 7:
        raw = (b"GET /v2/ HTTP/1.1\r\nHost: {host}\r\nAuthorization: {dev_auth}\r\n\r\n") * 3
        raw = raw[:-4] + b"\r\nConnection: close\r\n\r\n"
        expect = {}
    elif v == 8:  # smuggling: CL and TE both
        raw = (b"POST /v2/{fuzzrepo}/blobs/uploads/ HTTP/1.1\r\n" + H + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"0\r\n\r\nGET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n")
    elif v == 9:
        raw = b"GET /v2/ HTTP/1.0\r\nAuthorization: {dev_auth}\r\n\r\n"
        expect = {}
    elif v == 10:
        raw = b"GET /v2/\x00 HTTP/1.1\r\n" + H + b"\r\n"
    elif v == 11:
        raw = b"\r\n\r\n\r\nGET /v2/ HTTP/1.1\r\n" + H + b"\r\n"
    elif v == 12:
        raw = b"GET /v2/?" + b"&".join(b"n=%d" % i for i in range(1000)) + b" HTTP/1.1\r\n" + H + b"\r\n"
        expect = {}
    elif v == 13:
        raw = b"GET /v2/%" + rng.choice([b"", b"Z", b"ZZ", b"00", b"C3", b"FF%FE"]) + b" HTTP/1.1\r\n" + H + b"\r\n"
        expect = {}
    else:
        raw = b"GET /v2/ HTTP/1.1\r\n" + H + b"Content-Length: 0\r\n\r\n" + bytes(rng.randrange(256) for _ in range(50))
        expect = {}
    return Case(f"framing:v{v}", raw=raw, expect=expect), "dev"


def gen_authz(rng, ctx):
    """The developer against the other tenant, and against what it may not do in its own."""
    v = rng.randrange(7)
    t, o = ctx.tenant, ctx.other
    body = b""
    if v == 0:
        method, target = rng.choice(["GET", "HEAD"]), f"/v2/{ctx.secret}/manifests/{ctx.tag}"
    elif v == 1:
        method, target = "POST", f"/v2/{ctx.secret}/blobs/uploads/"
    elif v == 2:
        method, target = "POST", f"/v2/{t}/fuzz/blobs/uploads/?mount={ctx.cdigest}&from={ctx.secret}"
    elif v == 3:
        method, target = "DELETE", f"/v2/{ctx.repo}/manifests/{rng.choice([ctx.tag, ctx.mdigest])}"
    elif v == 4:
        method, target = "DELETE", f"/v2/{ctx.repo}/blobs/{rng.choice([ctx.cdigest, ctx.ldigest])}"
    elif v == 5:
        method, target = "GET", f"/v2/{ctx.secret}/tags/list"
    else:
        method, target = "GET", "/v2/_catalog?n=" + rng.choice(["-1", "0", "abc", "99999999999999999999", "10001", "1", ""])
    expect = {"status": "4xx"}
    if v in (3, 4):
        expect = {"status": [403], "code": ["DENIED"]}
    if v == 2:
        expect = {"status": [202]}  # never mounted from another tenant: a fresh session instead
    if v == 6:
        expect = {}
    hs = with_body("dev", body) if method in ("POST", "PUT") else base_headers("dev")
    return Case(f"authz:v{v} {method}", method, target, hs, body, expect=expect), "dev"


GENERATORS = [
    (gen_names, 10), (gen_reference, 10), (gen_digest, 10), (gen_content_range, 8), (gen_blob_range, 5),
    (gen_content_length, 8), (gen_transfer_encoding, 7), (gen_headers, 9), (gen_methods, 10), (gen_manifest, 12),
    (gen_api_body, 10), (gen_api_misc, 6), (gen_framing, 5), (gen_authz, 5),
]


def random_case(seed, index, ctx):
    rng = random.Random(f"{seed}/{index}")
    fns, weights = zip(*GENERATORS)
    fn = rng.choices(fns, weights)[0]
    case, kind = fn(rng, ctx)
    return case, kind


# ------------------------------------------------------------------------------------------------
# Corpus.


def load_corpus(directory):
    cases = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
            req = doc["request"]
            raw = base64.b64decode(req["raw_b64"]) if "raw_b64" in req else req["raw"].encode("latin-1")
        except (OSError, ValueError, KeyError, UnicodeError) as e:
            sys.exit(f"fuzz: corpus file {path} is unreadable: {e}")
        c = Case("corpus:" + doc.get("name", os.path.basename(path)), raw=raw, expect=doc.get("expect", {}),
                 note=doc.get("note", ""))
        c.name = os.path.basename(path)
        auth = b"anon"
        if b"{dev_auth}" in raw:
            auth = b"dev"
        elif b"{admin_auth}" in raw:
            auth = b"admin"
        elif b"{bad_auth}" in raw:
            auth = b"bad"
        cases.append((c, auth.decode()))
    return cases


# ------------------------------------------------------------------------------------------------
# Setup, probes, the run.


class Fuzzer:
    def __init__(self, args, ctx):
        self.args, self.ctx = args, ctx
        self.groups = {}  # signature -> {"count", "example", "kept"}
        self.failed_cases = 0
        self.sent = 0
        self.hangs = {}  # label -> count
        self.skipped = 0
        os.makedirs(args.out, exist_ok=True)
        self.state_path = args.state
        self.out_path = os.path.join(args.out, f"failures-{args.seed}.jsonl")
        if args.start_index == 0 and os.path.exists(self.out_path):
            os.remove(self.out_path)
        self.observations = {}
        if self.state_path and args.start_index > 0 and os.path.exists(self.state_path):
            with open(self.state_path) as f:
                st = json.load(f)
            self.groups, self.observations, self.hangs = st["groups"], st["observations"], st["hangs"]
            self.sent, self.failed_cases, self.skipped = st["sent"], st["failed_cases"], st["skipped"]

    def save(self):
        if self.state_path:
            with open(self.state_path, "w") as f:
                json.dump({"groups": self.groups, "observations": self.observations, "hangs": self.hangs,
                           "sent": self.sent, "failed_cases": self.failed_cases, "skipped": self.skipped}, f)

    def fresh_upload(self, prefill=b""):
        r = simple(self.ctx, "POST", f"/v2/{self.ctx.fuzzrepo}/blobs/uploads/", auth=self.ctx.dev_auth)
        loc = r.header("location") if r.status == 202 else None
        if not loc:
            raise SetupError(f"cannot open an upload session: {r.summary()}")
        if prefill:
            r = simple(self.ctx, "PATCH", loc, auth=self.ctx.dev_auth, body=prefill,
                       headers=[("Content-Range", f"0-{len(prefill) - 1}")])
            if r.status != 202:
                raise SetupError(f"cannot write the first bytes of an upload: {r.summary()}")
        return loc

    def server_dead(self):
        pid = self.ctx.server_pid
        if pid:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    return f.read().split(") ", 1)[1][0] in "ZX"
            except (OSError, IndexError):
                return True
        return simple(self.ctx, "GET", "/v2/", auth=self.ctx.dev_auth, timeout=3).error == "refused"

    def alive(self):
        r = simple(self.ctx, "GET", "/v2/", auth=self.ctx.dev_auth, timeout=self.ctx.timeout)
        return r.status == 200, r

    def wait_dead(self, seconds=20):
        """After a lost answer: is the server dying (a crash with a backtrace takes seconds)?"""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.server_dead():
                return True
            ok, _ = self.alive()
            if ok:
                return False
            time.sleep(0.5)
        return self.server_dead()

    def record(self, index, case, kind, raw_template, resp, violations):
        self.failed_cases += 1
        for vk, detail in violations:
            got = resp.status if resp.status is not None else resp.error
            sig = f"{vk} | {case.label} | {got}"
            g = self.groups.setdefault(sig, {"count": 0, "kept": 0, "kind": vk, "example": None})
            g["count"] += 1
            if g["example"] is None:
                g["example"] = {"index": index, "detail": detail, "request": raw_template[:300].decode("latin-1")}
        kept = [s for s in (f"{vk} | {case.label} | {resp.status if resp.status is not None else resp.error}"
                            for vk, _ in violations)]
        if all(self.groups[s]["kept"] >= self.args.keep_per_group for s in kept):
            return
        for s in kept:
            self.groups[s]["kept"] += 1
        line = {
            "name": f"{violations[0][0].replace('/', '-')}-{self.args.seed}-{index}",
            "note": f"{case.label} (seed {self.args.seed}, index {index}, auth {kind}){': ' + case.note if case.note else ''}",
            "request": {"raw_b64": base64.b64encode(raw_template).decode(),
                        "preview": raw_template[:200].decode("latin-1")},
            "expect": case.expect,
            "violations": [{"kind": k, "detail": d} for k, d in violations],
            "got": resp.summary(),
        }
        with open(self.out_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")

    def run_case(self, index, case, kind):
        template = self.ctx.templatize(case.template()) if case.raw is None else case.raw
        try:
            raw = self.ctx.subst(template, self.fresh_upload)
        except SetupError as e:
            ok, r = self.alive()
            if not ok and self.wait_dead():
                return "dead"
            self.record(index, case, kind, template, r, [("setup", str(e))])
            return "ok"
        timeout = case.expect.get("within", self.ctx.timeout)
        timeout = max(timeout, 0.5)
        # The timeout for absurd lengths is the case's bound plus a margin; the check compares elapsed.
        wait = min(self.ctx.timeout, timeout + 1.0) if "within" in case.expect else self.ctx.timeout
        resp = None
        if case.raw is None and not case.expect.get("close_ok"):
            resp = send_httpclient(self.ctx, raw, wait)
        if resp is None:
            resp = send_socket(self.ctx, raw, wait)
        self.sent += 1
        violations = check(self.ctx, case, raw, resp, kind)
        if any(k == "5xx" for k, _ in violations):
            violations = [v for v in violations if v[0] != "expect-status"]  # said already
        if resp.status is None and resp.error in ("refused", "closed", "reset", "timeout"):
            # A lost answer may be a crash: find out before blaming the next requests.
            if self.wait_dead(25 if resp.error != "refused" else 5):
                violations = [v for v in violations if v[0] not in ("server-unreachable", "no-response", "hang")]
                violations.insert(0, ("server-crash", f"the server died after this request ({resp.error})"))
                self.record(index, case, kind, template, resp, violations)
                return "dead"
        if resp.error == "timeout":
            self.hangs[case.label] = self.hangs.get(case.label, 0) + 1
        if violations:
            self.record(index, case, kind, template, resp, violations)
        elif resp.status is not None and 200 <= resp.status < 300 and case.label.startswith(("manifest:", "api-body:")):
            label = case.label.split(":", 1)[1]
            if any(s in label for s in ("dup-", "layers-null", "bom", "utf16", "lone-surrogate", "number-as-string")):
                self.observations[label] = self.observations.get(label, 0) + 1
        return "ok"

    def probe(self, index):
        ok, r = self.alive()
        if ok:
            return "ok"
        if self.wait_dead():
            self.record(index, Case("liveness"), "dev", b"GET /v2/ (liveness probe)", r,
                        [("server-crash", "the server died (found by the liveness probe)")])
            return "dead"
        self.record(index, Case("liveness"), "dev", b"GET /v2/ (liveness probe)", r,
                    [("liveness", f"GET /v2/ did not answer 200: {r.summary()}")])
        return "ok"

    def summary(self, elapsed, stopped):
        self.save()
        print(f"# fuzz: {self.sent} requests (this run: {elapsed:.1f} s), {self.failed_cases} failing, "
              f"{len(self.groups)} distinct failures{'; ' + stopped if stopped else ''}")
        if self.skipped:
            print(f"# fuzz: skipped {self.skipped} cases whose kind already hung twice or crashed the server")
        coarse = {}
        for sig, g in sorted(self.groups.items()):
            kind, label, got = sig.split(" | ")
            family, _, sub = label.partition(":")
            if kind == "api-problem-code":  # one cause: the problem documents have no `code` member at all
                family, sub, got = "api", label, "4xx"
            c = coarse.setdefault((kind, family, got), {"count": 0, "subs": [], "example": g["example"]})
            c["count"] += g["count"]
            c["subs"].append(sub)
        for (kind, family, got), c in sorted(coarse.items()):
            subs = ", ".join(c["subs"][:6]) + (f", … ({len(c['subs'])} kinds)" if len(c["subs"]) > 6 else "")
            ex = c["example"]
            print(f"not ok - {kind} | {family} | {got}  (x{c['count']}: {subs})")
            print(f"#   {ex['detail']}")
            print(f"#   e.g. index {ex['index']}: {ex['request'][:160]!r}")
        if self.observations:
            print("# accepted (2xx) questionable bodies, not counted as failures: "
                  + ", ".join(f"{k} x{v}" for k, v in sorted(self.observations.items())))
        if self.groups:
            print(f"# failing inputs: {self.out_path}")


class SetupError(Exception):
    pass


def setup(ctx, fz):
    """Finds the pristine image's digests and pushes two small blobs into the fuzz repository."""
    accept = [("Accept", MT_MANIFEST + ", " + MT_INDEX)]
    r = simple(ctx, "GET", f"/v2/{ctx.repo}/manifests/{ctx.tag}", auth=ctx.dev_auth, headers=accept)
    if r.status != 200:
        raise SetupError(f"GET /v2/{ctx.repo}/manifests/{ctx.tag} answered {r.summary()}")
    ctx.mdigest = sha256(r.body)
    manifest = json.loads(r.body)
    ctx.cdigest = manifest["config"]["digest"]
    ctx.ldigest = manifest["layers"][0]["digest"]
    for d in [ctx.cdigest] + [layer["digest"] for layer in manifest["layers"]]:
        b = simple(ctx, "GET", f"/v2/{ctx.repo}/blobs/{d}", auth=ctx.dev_auth)
        if b.status != 200:
            raise SetupError(f"GET blob {d} answered {b.summary()}")
        ctx.blobs[d] = b.body
    config = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"fuzz":true}'
    layer = b"fuzz layer bytes\n" * 4
    for data, slot in ((config, "fz_config"), (layer, "fz_layer")):
        d = sha256(data)
        r = simple(ctx, "POST", f"/v2/{ctx.fuzzrepo}/blobs/uploads/?digest={d}", auth=ctx.dev_auth, body=data,
                   headers=[("Content-Type", "application/octet-stream")])
        if r.status != 201:
            raise SetupError(f"pushing a blob into {ctx.fuzzrepo} answered {r.summary()}")
        setattr(ctx, slot, (d, len(data)))
    if ctx.admin_auth:  # the scratch tenant the admin's API bodies are aimed at
        simple(ctx, "POST", "/api/v1/tenants", auth=ctx.admin_auth, body=b'{"name":"fuzzapi"}',
               headers=[("Content-Type", "application/json")])


def main():
    global API_PROBLEM_CODE, LENIENT_PARSER
    env = os.environ.get
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True)
    p.add_argument("--user", default="dev")
    # Passwords may begin with "-": pass them as --password=… or in FUZZ_PASSWORD / FUZZ_ADMIN_PASSWORD.
    p.add_argument("--password", default=env("FUZZ_PASSWORD"))
    p.add_argument("--admin-password", default=env("FUZZ_ADMIN_PASSWORD"))
    p.add_argument("--tenant", default="acme")
    p.add_argument("--other-tenant", default="globex")
    p.add_argument("--pristine", default="acme/pristine:v1")
    p.add_argument("--seed", type=int, default=int(env("FUZZ_SEED") or random.SystemRandom().randrange(1, 2 ** 31)))
    p.add_argument("--iterations", type=int, default=int(env("FUZZ_ITERATIONS", "1500")))
    p.add_argument("--seconds", type=float, default=float(env("FUZZ_SECONDS", "100")))
    p.add_argument("--timeout", type=float, default=float(env("FUZZ_TIMEOUT", "10")))
    p.add_argument("--probe-every", type=int, default=25)
    p.add_argument("--corpus", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz-corpus"))
    p.add_argument("--out", default=env("FUZZ_OUT") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz-corpus"))
    p.add_argument("--start-index", type=int, default=0, help="resume here (corpus cases first, then random ones)")
    p.add_argument("--no-corpus", action="store_true")
    p.add_argument("--keep-per-group", type=int, default=3)
    p.add_argument("--server-pid", type=int, default=int(env("FUZZ_SERVER_PID", "0")) or None)
    p.add_argument("--no-api-code", action="store_true", help="do not require a `code` member in /api problems")
    p.add_argument("--lenient-parser", action="store_true",
                   help="accept the HTTP parser's bare 400 (no X-Request-Id) without an error document")
    p.add_argument("--state", default=None, help="file keeping the tallies across resumed runs")
    p.add_argument("--skip-label", action="append", default=[],
                   help="skip random cases with this label (one that already crashed the server)")
    p.add_argument("--dump", type=int, default=0, help="print the first N random requests and exit")
    args = p.parse_args()
    if not args.password:
        p.error("the developer's password is needed (--password=… or FUZZ_PASSWORD)")
    API_PROBLEM_CODE = not (args.no_api_code or env("FUZZ_NO_API_CODE") == "1")
    LENIENT_PARSER = args.lenient_parser or env("FUZZ_LENIENT_PARSER") == "1"
    ctx = Ctx(args)
    fz = Fuzzer(args, ctx)
    start = time.monotonic()
    try:
        setup(ctx, fz)
    except (SetupError, KeyError, ValueError, IndexError) as e:
        print(f"fuzz: setup failed: {e}", file=sys.stderr)
        return 3 if fz.server_dead() else 2
    if args.dump:
        for i in range(args.dump):
            c, kind = random_case(args.seed, i, ctx)
            print(i, kind, c.label, repr(ctx.templatize(c.template())[:200]))
        return 0
    corpus = [] if args.no_corpus else load_corpus(args.corpus)
    total = len(corpus) + args.iterations
    print(f"# fuzz: seed {args.seed}; {len(corpus)} corpus cases, then {args.iterations} random ones "
          f"(at most {args.seconds:.0f} s); starting at index {args.start_index}", flush=True)
    stopped = ""
    index = args.start_index
    while index < total:
        if index >= len(corpus) and time.monotonic() - start > args.seconds:
            stopped = f"time budget of {args.seconds:.0f} s reached at index {index}"
            break
        if index < len(corpus):
            case, kind = corpus[index]
        else:
            case, kind = random_case(args.seed, index - len(corpus), ctx)
            if fz.hangs.get(case.label, 0) >= 2 or case.label in args.skip_label:  # hung twice, or crashed
                fz.skipped += 1
                index += 1
                continue
        status = fz.run_case(index, case, kind)
        if status == "ok" and fz.sent % args.probe_every == 0:
            status = fz.probe(index)
        if status == "dead":
            fz.summary(time.monotonic() - start, f"the server died at index {index}")
            print(f"SERVER-DIED-AT {index}", flush=True)
            print(f"SERVER-DIED-LABEL {case.label}", flush=True)
            return 3
        index += 1
    if fz.probe(index) == "dead":
        fz.summary(time.monotonic() - start, "the server died at the end")
        print(f"SERVER-DIED-AT {index}", flush=True)
        return 3
    fz.summary(time.monotonic() - start, stopped)
    print(f"# fuzz: reproduce with --seed {args.seed} (random case i is index {len(corpus)}+i)")
    return 1 if fz.groups else 0


if __name__ == "__main__":
    sys.exit(main())
