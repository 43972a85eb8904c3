#!/usr/bin/env python3
"""Real-client test with oras-py (PyPI `oras`) against a running AegisGuard (plain HTTP, tenant acme).

    scripts/oras_client_test.py 127.0.0.1:PORT [REPO]

REPO defaults to acme/artifacts. Prints one `ok - NAME` or `not ok - NAME` line per check (details of a
failure follow as `#` lines) and exits 1 if any check failed. Only talks to the address it is given, every
request with a time limit.

What it checks:
  - oras-py pushes an OCI 1.1 artifact (artifactType through the empty config descriptor, manifest
    annotations, one file layer) to REPO:v1, and pulls it back with identical content;
  - oras-py pushes a second artifact whose manifest has a `subject` pointing at the first (oras-py's own
    `subject=` argument), and GET /v2/REPO/referrers/<first digest> lists it with its artifactType and
    annotations; `?artifactType=` filters, with `OCI-Filters-Applied: artifactType`.
"""

import atexit
import hashlib
import json
import os
import shutil
import sys
import tempfile
import traceback

import oras.defaults
import oras.oci
import oras.provider
import oras.version

TIMEOUT = 30  # seconds, for every HTTP request

EMPTY_MEDIA_TYPE = "application/vnd.oci.empty.v1+json"
MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json"
ARTIFACT_TYPE = "application/vnd.aegis.test.v1"
SIG_ARTIFACT_TYPE = "application/vnd.aegis.test.signature.v1"
LAYER_MEDIA_TYPE = "application/vnd.aegis.test.layer.v1+txt"

passed = 0
failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok - {name}", flush=True)
    else:
        failed += 1
        print(f"not ok - {name}", flush=True)
        for line in str(detail).splitlines():
            print(f"#   {line}", flush=True)
    return cond


def describe(resp):
    """One request and its response, for failure reports."""
    if resp is None:
        return "no response"
    req = resp.request
    body = resp.content[:600].decode("utf-8", "replace") if resp.content else ""
    headers = ", ".join(f"{k}: {v}" for k, v in resp.headers.items())
    return f"{req.method} {req.url}\n-> {resp.status_code} {resp.reason}\nheaders: {headers}\nbody: {body}"


class Registry(oras.provider.Registry):
    """oras-py's Registry, with a time limit on every request and no five-fold retry with back-off (its
    `do_request` retries errors and 500s for minutes; a test wants the first answer)."""

    def __init__(self, hostname, tls_verify=False):
        """`tls_verify`: False for plain HTTP, or a CA file to speak https verified against it."""
        super().__init__(hostname=hostname, insecure=not tls_verify, tls_verify=tls_verify)
        # Credentials for the token flow (401 challenge -> GET /token with Basic -> Bearer).
        if os.environ.get("AEGIS_USER"):
            self.auth.set_basic_auth(os.environ["AEGIS_USER"], os.environ["AEGIS_PASSWORD"])
        plain = self.session.request

        def request(method, url, **kwargs):
            kwargs.setdefault("timeout", TIMEOUT)
            return plain(method, url, **kwargs)

        self.session.request = request

    def do_request(self, *args, **kwargs):
        response = oras.provider.Registry.do_request.__wrapped__(self, *args, **kwargs)
        # oras-py 0.2.x keeps one bearer token for every request and asks for a new one only after a
        # 403. AegisGuard (like CNCF Distribution and as docker/skopeo expect) answers a token that lacks
        # a scope with 401 + error="insufficient_scope" naming the scope needed: drop the token and let
        # oras-py fetch one for that scope, once.
        challenge = response.headers.get("Www-Authenticate", "") if response is not None else ""
        if response is not None and response.status_code == 401 and 'error="insufficient_scope"' in challenge:
            self.auth.token = None
            response = oras.provider.Registry.do_request.__wrapped__(self, *args, **kwargs)
        return response


def sha256_file(path):
    with open(path, "rb") as f:
        return "sha256:" + hashlib.sha256(f.read()).hexdigest()


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    host = sys.argv[1]
    repo = sys.argv[2] if len(sys.argv) == 3 else "acme/artifacts"
    if not (host.startswith("127.") or host.startswith("localhost") or host.startswith("[::1]")):
        print(f"refusing a non-loopback registry address {host}", file=sys.stderr)
        return 2

    reg = Registry(host)
    base = f"http://{host}/v2/{repo}"
    work = tempfile.mkdtemp(prefix="aegis-oras-")
    atexit.register(shutil.rmtree, work, True)
    os.chdir(work)  # oras-py wants pushed files under the working directory

    # --- 1. push an artifact with oras-py --------------------------------------------------------------
    payload = b"AegisGuard oras-py artifact\n" + os.urandom(4096).hex().encode() + b"\n"
    with open("artifact.txt", "wb") as f:
        f.write(payload)
    with open("empty.json", "w") as f:
        f.write("{}")
    annotations = {"org.opencontainers.image.description": "aegis oras test", "com.example.kind": "primary"}

    target = f"{host}/{repo}:v1"
    first_digest = None
    try:
        # OCI 1.1 artifact form: the empty config descriptor (application/vnd.oci.empty.v1+json, `{}`) and
        # `artifactType` in the manifest. oras-py 0.2.x builds the manifest itself and has no artifactType
        # argument, so the one field is added on its way out through upload_manifest.
        orig_upload_manifest = reg.upload_manifest

        def upload_manifest(manifest, container):
            manifest = dict(manifest, artifactType=ARTIFACT_TYPE)
            return orig_upload_manifest(manifest, container)

        reg.upload_manifest = upload_manifest
        resp = reg.push(
            target,
            files=[f"artifact.txt:{LAYER_MEDIA_TYPE}"],
            manifest_config=f"empty.json:{EMPTY_MEDIA_TYPE}",
            manifest_annotations=annotations,
            quiet=True,
        )
        del reg.upload_manifest
        first_digest = resp.headers.get("Docker-Content-Digest")
        check("oras push artifact with artifactType and annotations", resp.status_code == 201 and first_digest,
              describe(resp))
    except Exception:
        check("oras push artifact with artifactType and annotations", False, traceback.format_exc())
        reg.__dict__.pop("upload_manifest", None)

    # --- 2. read it back ---------------------------------------------------------------------------------
    first_manifest = None
    first_size = None
    try:
        r = reg.do_request(f"{base}/manifests/v1", "GET", headers={"Accept": MANIFEST_MEDIA_TYPE})
        ok = r.status_code == 200
        if ok:
            first_manifest = r.json()
            first_size = len(r.content)
            body_digest = "sha256:" + hashlib.sha256(r.content).hexdigest()
            ok = (body_digest == first_digest and r.headers.get("Docker-Content-Digest") == first_digest
                  and r.headers.get("Content-Type") == MANIFEST_MEDIA_TYPE)
        check("manifest by tag: digest, Docker-Content-Digest and Content-Type match", ok, describe(r))
    except Exception:
        check("manifest by tag: digest, Docker-Content-Digest and Content-Type match", False, traceback.format_exc())

    if first_manifest is not None:
        m = first_manifest
        layers = m.get("layers") or []
        check("stored manifest keeps artifactType, empty config and annotations",
              m.get("artifactType") == ARTIFACT_TYPE
              and m.get("config", {}).get("mediaType") == EMPTY_MEDIA_TYPE
              and m.get("config", {}).get("digest") == oras.defaults.blank_config_hash
              and all(m.get("annotations", {}).get(k) == v for k, v in annotations.items())
              and len(layers) == 1 and layers[0].get("mediaType") == LAYER_MEDIA_TYPE
              and layers[0].get("digest") == sha256_file("artifact.txt"),
              json.dumps(m, indent=1))

    try:
        mf = reg.get_manifest(f"{host}/{repo}@{first_digest}") if first_digest else None
        check("oras get_manifest by digest", mf is not None and mf == first_manifest, json.dumps(mf))
    except Exception:
        check("oras get_manifest by digest", False, traceback.format_exc())

    try:
        out = os.path.join(work, "pulled")
        files = reg.pull(target, outdir=out)
        pulled = None
        if len(files) == 1 and os.path.basename(files[0]) == "artifact.txt":
            with open(files[0], "rb") as f:
                pulled = f.read()
        check("oras pull returns identical content", pulled == payload, f"pulled files: {files}")
    except Exception:
        check("oras pull returns identical content", False, traceback.format_exc())

    try:
        tags = reg.get_tags(f"{host}/{repo}")
        check("oras get_tags lists v1", "v1" in tags, f"tags: {tags}")
    except Exception:
        check("oras get_tags lists v1", False, traceback.format_exc())

    # --- 3. a referrer: second artifact whose subject is the first -----------------------------------------
    sig_annotations = {"com.example.kind": "signature", "org.opencontainers.image.created": "2024-01-01T00:00:00Z"}
    ref_digest = None
    if first_digest and first_size:
        with open("signature.txt", "wb") as f:
            f.write(b"not really a signature of " + first_digest.encode() + b"\n")
        try:
            subject = oras.oci.Subject(mediaType=MANIFEST_MEDIA_TYPE, digest=first_digest, size=first_size)
            orig_upload_manifest = reg.upload_manifest

            def upload_manifest(manifest, container):
                manifest = dict(manifest, artifactType=SIG_ARTIFACT_TYPE)
                return orig_upload_manifest(manifest, container)

            reg.upload_manifest = upload_manifest
            # Pushed by tag (oras-py always PUTs to a tag or digest reference); the tag keeps it in the
            # repository's listing, the referrers API must find it through its subject alone.
            resp = reg.push(
                f"{host}/{repo}:sig",
                files=["signature.txt:application/vnd.aegis.test.signature.v1+txt"],
                manifest_config=f"empty.json:{EMPTY_MEDIA_TYPE}",
                manifest_annotations=sig_annotations,
                subject=subject,
                quiet=True,
            )
            del reg.upload_manifest
            ref_digest = resp.headers.get("Docker-Content-Digest")
            check("oras push referrer with subject", resp.status_code == 201 and ref_digest, describe(resp))
            # Per OCI distribution v1.1 a registry with the referrers API answers OCI-Subject on this PUT.
            check("manifest PUT with subject answers OCI-Subject",
                  resp.headers.get("OCI-Subject") == first_digest, describe(resp))
        except Exception:
            check("oras push referrer with subject", False, traceback.format_exc())
            reg.__dict__.pop("upload_manifest", None)
    else:
        check("oras push referrer with subject", False, "skipped: the first artifact was not pushed")

    if ref_digest:
        try:
            r = reg.do_request(f"{base}/referrers/{first_digest}", "GET",
                               headers={"Accept": INDEX_MEDIA_TYPE})
            index = r.json() if r.status_code == 200 else {}
            entries = [d for d in index.get("manifests", []) if d.get("digest") == ref_digest]
            entry = entries[0] if entries else {}
            check("referrers: 200 with an OCI image index",
                  r.status_code == 200 and r.headers.get("Content-Type", "").startswith(INDEX_MEDIA_TYPE)
                  and index.get("schemaVersion") == 2 and index.get("mediaType") == INDEX_MEDIA_TYPE,
                  describe(r))
            check("referrers lists the referrer with its artifactType, mediaType and size",
                  len(entries) == 1 and entry.get("artifactType") == SIG_ARTIFACT_TYPE
                  and entry.get("mediaType") == MANIFEST_MEDIA_TYPE
                  and isinstance(entry.get("size"), int) and entry.get("size") > 0,
                  describe(r))
            check("referrers entry carries the referrer's annotations",
                  all((entry.get("annotations") or {}).get(k) == v for k, v in sig_annotations.items()),
                  describe(r))
            check("referrers does not list the subject itself",
                  all(d.get("digest") != first_digest for d in index.get("manifests", [])), describe(r))

            r = reg.do_request(f"{base}/referrers/{first_digest}?artifactType={SIG_ARTIFACT_TYPE}", "GET",
                               headers={"Accept": INDEX_MEDIA_TYPE})
            index = r.json() if r.status_code == 200 else {}
            check("referrers ?artifactType= (matching) keeps it, with OCI-Filters-Applied: artifactType",
                  r.status_code == 200 and r.headers.get("OCI-Filters-Applied") == "artifactType"
                  and [d.get("digest") for d in index.get("manifests", [])] == [ref_digest],
                  describe(r))

            r = reg.do_request(f"{base}/referrers/{first_digest}?artifactType=application/vnd.aegis.other", "GET",
                               headers={"Accept": INDEX_MEDIA_TYPE})
            index = r.json() if r.status_code == 200 else {"manifests": None}
            check("referrers ?artifactType= (other) is empty, with OCI-Filters-Applied: artifactType",
                  r.status_code == 200 and r.headers.get("OCI-Filters-Applied") == "artifactType"
                  and index.get("manifests") == [],
                  describe(r))

            # The referrer's blobs went through oras-py too: its layer reads back.
            mf = reg.get_manifest(f"{host}/{repo}@{ref_digest}")
            check("referrer manifest by digest has the subject",
                  (mf.get("subject") or {}).get("digest") == first_digest, json.dumps(mf))

            # After the referrer is deleted it no longer shows up.
            r = reg.do_request(f"{base}/manifests/{ref_digest}", "DELETE")
            ok = r.status_code == 202
            r2 = reg.do_request(f"{base}/referrers/{first_digest}", "GET", headers={"Accept": INDEX_MEDIA_TYPE})
            ok = ok and r2.status_code == 200 and r2.json().get("manifests") == []
            check("deleted referrer disappears from referrers", ok, describe(r) + "\n" + describe(r2))
        except Exception:
            check("referrers API", False, traceback.format_exc())

    print(f"# oras-py {oras.version.__version__}: {passed} ok, {failed} not ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
