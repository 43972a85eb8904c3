#!/usr/bin/env python3
"""HTTP helper for scripts/bench.sh (Python 3 standard library only).

Sub-commands (BASE is http://127.0.0.1:PORT, REPO is e.g. bench/x):
  freeport                              print a free TCP port on 127.0.0.1
  wait BASE SECONDS                     poll GET /v2/ until 200/401 or give up (exit 1)
  chunked BASE REPO FILE DIGEST CHUNK   POST, PATCH chunks (Content-Range, following Location), PUT ?digest=
                                        over one keep-alive connection; prints elapsed seconds, then the
                                        mean ms of the first and of the last tenth of the PATCHes (a
                                        per-chunk cost that grows with the chunk count shows there)
  manifest BASE REPO TAG                push a config blob and a layer blob (POST+PUT), then an OCI image
                                        manifest under TAG; prints the manifest digest
  tags BASE REPO COUNT                  PUT the manifest under t0000 … t{COUNT-1} over one keep-alive connection;
                                        prints elapsed seconds
  tagcount BASE REPO N                  GET tags/list?n=N once; prints "<tags returned> <body bytes> <Link present>"

Every failure is printed to stderr with the request and the response (status, headers, body) and
exits non-zero. Every loop is bounded; every socket has a timeout.
"""

import hashlib
import http.client
import json
import os
import socket
import sys
import time
import urllib.parse

TIMEOUT = float(os.environ.get("BENCH_HTTP_TIMEOUT", "1800"))
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"


class BenchError(Exception):
    pass


def fail(method, url, req_headers, resp, body):
    hdrs = "\n".join(f"  {k}: {v}" for k, v in resp.getheaders()) if resp is not None else ""
    status = f"{resp.status} {resp.reason}" if resp is not None else "(no response)"
    text = body[:2000].decode("utf-8", "replace") if body else ""
    req = "\n".join(f"  {k}: {v}" for k, v in req_headers.items())
    raise BenchError(
        f"unexpected response\nrequest: {method} {url}\n{req}\nresponse: {status}\n{hdrs}\nbody: {text}"
    )


class Client:
    """One keep-alive HTTP/1.1 connection to BASE; follows relative or absolute Location headers."""

    def __init__(self, base):
        self.base = base.rstrip("/")
        u = urllib.parse.urlsplit(self.base)
        self.host, self.port = u.hostname, u.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)

    def path_of(self, location):
        """Turn a Location (absolute URL or path) into a path+query on the same server."""
        absolute = urllib.parse.urljoin(self.base + "/", location)
        u = urllib.parse.urlsplit(absolute)
        if (u.hostname, u.port or 80) != (self.host, self.port):
            raise BenchError(f"Location {location!r} points away from {self.base}")
        return u.path + (("?" + u.query) if u.query else "")

    def request(self, method, path, headers=None, body=None, expect=(200,), body_file=None, length=None):
        headers = dict(headers or {})
        if os.environ.get("BENCH_AUTH"):  # AegisGuard's bearer token; Distribution ignores it
            headers.setdefault("Authorization", os.environ["BENCH_AUTH"])
        if body_file is None:
            data = body if body is not None else b""
            headers.setdefault("Content-Length", str(len(data)))
        else:
            headers["Content-Length"] = str(length)
        for attempt in range(2):  # one retry only if a kept-alive connection was closed before use
            try:
                self.conn.putrequest(method, path, skip_accept_encoding=True)
                for k, v in headers.items():
                    self.conn.putheader(k, v)
                self.conn.endheaders()
                if body_file is None:
                    if data:
                        self.conn.send(data)
                else:
                    self.conn.send(body_file)
                resp = self.conn.getresponse()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                if attempt == 1 or body_file is not None:
                    raise
        rbody = resp.read()
        if resp.status not in expect:
            fail(method, self.base + path, headers, resp, rbody)
        return resp, rbody

    def close(self):
        self.conn.close()


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def with_query(path, key, value):
    return path + ("&" if "?" in path else "?") + urllib.parse.urlencode({key: value})


def push_blob(c, repo, data):
    """POST then PUT ?digest= with the whole body (the same two steps the monolithic curl push uses)."""
    d = digest_of(data)
    resp, _ = c.request("POST", f"/v2/{repo}/blobs/uploads/", expect=(202,))
    loc = resp.getheader("Location")
    if not loc:
        raise BenchError("POST upload returned no Location")
    c.request(
        "PUT",
        with_query(c.path_of(loc), "digest", d),
        headers={"Content-Type": "application/octet-stream"},
        body=data,
        expect=(201,),
    )
    return d


def cmd_freeport():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def cmd_wait(base, seconds):
    deadline = time.monotonic() + float(seconds)
    last = None
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", urllib.parse.urlsplit(base).port, timeout=2)
            c.request("GET", "/v2/")
            r = c.getresponse()
            r.read()
            c.close()
            if r.status in (200, 401):
                return 0
            last = f"status {r.status}"
        except OSError as e:
            last = str(e)
        time.sleep(0.1)
    print(f"server at {base} not up after {seconds}s: {last}", file=sys.stderr)
    return 1


def cmd_chunked(base, repo, file_path, digest, chunk):
    chunk = int(chunk)
    size = os.path.getsize(file_path)
    c = Client(base)
    buf = bytearray(chunk)
    t0 = time.monotonic()
    resp, _ = c.request("POST", f"/v2/{repo}/blobs/uploads/", expect=(202,))
    loc = resp.getheader("Location")
    if not loc:
        raise BenchError("POST upload returned no Location")
    path = c.path_of(loc)
    offset = 0
    max_requests = size // chunk + 2  # bound on the PATCH loop
    patches = []
    with open(file_path, "rb", buffering=0) as f:
        for _ in range(max_requests):
            n = f.readinto(buf)
            if not n:
                break
            view = memoryview(buf)[:n]
            end = offset + n - 1
            began = time.monotonic()
            resp, _ = c.request(
                "PATCH",
                path,
                headers={"Content-Type": "application/octet-stream", "Content-Range": f"{offset}-{end}"},
                body_file=view,
                length=n,
                expect=(202,),
            )
            patches.append(time.monotonic() - began)
            rng = resp.getheader("Range")
            if rng is not None and rng != f"0-{end}":
                raise BenchError(f"PATCH {offset}-{end}: server answered Range {rng!r}, expected 0-{end}")
            loc = resp.getheader("Location")
            if loc:
                path = c.path_of(loc)
            offset += n
        else:
            raise BenchError("PATCH loop exceeded its bound")
    if offset != size:
        raise BenchError(f"sent {offset} bytes, file has {size}")
    resp, _ = c.request("PUT", with_query(path, "digest", digest), expect=(201,))
    got = resp.getheader("Docker-Content-Digest")
    if got is not None and got != digest:
        raise BenchError(f"final PUT: Docker-Content-Digest {got}, expected {digest}")
    elapsed = time.monotonic() - t0
    c.close()
    tenth = max(1, len(patches) // 10)
    first, last = sum(patches[:tenth]) / tenth * 1e3, sum(patches[-tenth:]) / tenth * 1e3
    print(f"{elapsed:.6f} {first:.2f} {last:.2f}")


def manifest_bytes():
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": []},
        },
        separators=(",", ":"),
    ).encode()
    layer = b"aegisguard-bench-layer\n" * 64
    m = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": digest_of(config),
            "size": len(config),
        },
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": digest_of(layer),
                "size": len(layer),
            }
        ],
        "annotations": {"org.opencontainers.image.title": "aegisguard bench"},
    }
    return config, layer, json.dumps(m, indent=2).encode()


def cmd_manifest(base, repo, tag):
    config, layer, man = manifest_bytes()
    c = Client(base)
    push_blob(c, repo, config)
    push_blob(c, repo, layer)
    d = digest_of(man)
    resp, _ = c.request(
        "PUT", f"/v2/{repo}/manifests/{tag}", headers={"Content-Type": MANIFEST_TYPE}, body=man, expect=(201,)
    )
    got = resp.getheader("Docker-Content-Digest")
    if got is not None and got != d:
        raise BenchError(f"manifest PUT: Docker-Content-Digest {got}, expected {d}")
    # Read it back once so a broken GET shows here rather than as wrk errors.
    _, body = c.request("GET", f"/v2/{repo}/manifests/{tag}", headers={"Accept": MANIFEST_TYPE}, expect=(200,))
    if body != man:
        raise BenchError("manifest GET did not return the pushed bytes")
    c.close()
    print(d)


def cmd_tags(base, repo, count):
    count = int(count)
    _, _, man = manifest_bytes()
    c = Client(base)
    t0 = time.monotonic()
    for i in range(count):
        c.request(
            "PUT",
            f"/v2/{repo}/manifests/t{i:04d}",
            headers={"Content-Type": MANIFEST_TYPE},
            body=man,
            expect=(201,),
        )
    elapsed = time.monotonic() - t0
    c.close()
    tenth = max(1, len(patches) // 10)
    first, last = sum(patches[:tenth]) / tenth * 1e3, sum(patches[-tenth:]) / tenth * 1e3
    print(f"{elapsed:.6f} {first:.2f} {last:.2f}")


def cmd_tagcount(base, repo, n):
    c = Client(base)
    resp, body = c.request("GET", f"/v2/{repo}/tags/list?n={int(n)}", expect=(200,))
    tags = json.loads(body).get("tags") or []
    c.close()
    print(len(tags), len(body), "yes" if resp.getheader("Link") else "no")


def main(argv):
    cmds = {
        "freeport": (cmd_freeport, 0),
        "wait": (cmd_wait, 2),
        "chunked": (cmd_chunked, 5),
        "manifest": (cmd_manifest, 3),
        "tags": (cmd_tags, 3),
        "tagcount": (cmd_tagcount, 3),
    }
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    fn, _ = cmds[argv[1]]
    try:
        return fn(*argv[2:]) or 0
    except (BenchError, OSError, http.client.HTTPException, ValueError) as e:
        print(f"bench_client {argv[1]}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
