#!/usr/bin/env python3
"""A small OTLP/HTTP trace receiver for the tests.

    python3 scripts/otlp_receiver.py PORT OUTFILE    listen on 127.0.0.1:PORT (0 = any free port)
    python3 scripts/otlp_receiver.py --self-test     check this script end to end, print `ok - ...` lines

Accepts `POST /v1/traces` with an `ExportTraceServiceRequest` body, as `application/x-protobuf` or as
`application/json` (OTLP/JSON: hex trace/span ids as the OTLP spec has them, or base64 ids as plain protobuf
JSON, which swift-otel's http/json exporter sends), optionally `Content-Encoding: gzip`. Appends one JSON line
per span to OUTFILE:

    {"trace_id": hex, "span_id": hex, "parent_span_id": hex or "", "name", "kind" (int), "start_ns", "end_ns",
     "status_code" (int), "status_message", "attributes": {key: value}, "resource": {key: value},
     "scope": name, "events": [{"name", "time_ns", "attributes"}]}

and answers 200 with an empty `ExportTraceServiceResponse` in the request's encoding (swift-otel's exporter
rejects a 2xx whose Content-Type is not exactly application/x-protobuf or application/json). `GET /healthz`
answers 200, for readiness polling. Prints `otlp_receiver: listening on 127.0.0.1:PORT` once bound. Exits 0 on
SIGTERM or SIGINT. Needs PyPI `opentelemetry-proto` (scripts/install-test-deps.sh installs it).
"""

import base64
import gzip
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

TRACES_PATH = "/v1/traces"
MAX_BODY = 64 * 1024 * 1024
_ID_KEYS = {"traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id"}
_HEX = re.compile(r"^[0-9a-fA-F]+$")


# ---------------------------------------------------------------------------------------------------------------
# Decoding


def any_value(v):
    """An OTLP AnyValue as a plain Python value."""
    which = v.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [any_value(x) for x in v.array_value.values]
    if which == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in v.kvlist_value.values}
    if which == "bytes_value":
        return v.bytes_value.hex()
    return getattr(v, which)  # string_value, bool_value, int_value, double_value


def key_values(kvs):
    return {kv.key: any_value(kv.value) for kv in kvs}


def span_records(request):
    """One dict per span of an ExportTraceServiceRequest."""
    records = []
    for rs in request.resource_spans:
        resource = key_values(rs.resource.attributes)
        for ss in rs.scope_spans:
            for s in ss.spans:
                records.append({
                    "trace_id": s.trace_id.hex(),
                    "span_id": s.span_id.hex(),
                    "parent_span_id": s.parent_span_id.hex(),
                    "name": s.name,
                    "kind": int(s.kind),
                    "start_ns": int(s.start_time_unix_nano),
                    "end_ns": int(s.end_time_unix_nano),
                    "status_code": int(s.status.code),
                    "status_message": s.status.message,
                    "attributes": key_values(s.attributes),
                    "resource": resource,
                    "scope": ss.scope.name,
                    "events": [
                        {"name": e.name, "time_ns": int(e.time_unix_nano), "attributes": key_values(e.attributes)}
                        for e in s.events
                    ],
                })
    return records


def _hex_ids_to_base64(node):
    """OTLP/JSON carries ids as hex; protobuf JSON (json_format) wants base64. A 16- or 8-byte id is 32 or 16 hex
    digits but 24 or 12 base64 characters, so the length tells which one a value is."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in _ID_KEYS and isinstance(v, str) and len(v) in (16, 32) and _HEX.match(v):
                node[k] = base64.b64encode(bytes.fromhex(v)).decode("ascii")
            else:
                _hex_ids_to_base64(v)
    elif isinstance(node, list):
        for v in node:
            _hex_ids_to_base64(v)
    return node


def decode_request(body, content_type):
    """Returns (ExportTraceServiceRequest, "protobuf" | "json"); raises ValueError on a body it can't read."""
    media = content_type.split(";", 1)[0].strip().lower()
    request = trace_service_pb2.ExportTraceServiceRequest()
    if media in ("application/x-protobuf", "application/protobuf"):
        try:
            request.ParseFromString(body)
        except Exception as e:  # google.protobuf.message.DecodeError
            raise ValueError(f"bad protobuf body: {e}") from e
        return request, "protobuf"
    if media == "application/json":
        try:
            doc = _hex_ids_to_base64(json.loads(body.decode("utf-8")))
            json_format.ParseDict(doc, request, ignore_unknown_fields=True)
        except Exception as e:
            raise ValueError(f"bad JSON body: {e}") from e
        return request, "json"
    raise LookupError(f"unsupported Content-Type {content_type!r}")


# ---------------------------------------------------------------------------------------------------------------
# Server


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, outfile):
        super().__init__(("127.0.0.1", port), Handler)
        self.outfile = outfile
        self.write_lock = threading.Lock()
        self.span_count = 0

    def append(self, records):
        if not records:
            return
        text = "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)
        with self.write_lock:
            with open(self.outfile, "a", encoding="utf-8") as f:
                f.write(text)
                f.flush()
            self.span_count += len(records)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the OTLP exporters expect
    server_version = "otlp-receiver"

    def log_message(self, fmt, *args):  # quiet: errors are reported through send_text
        pass

    def _send(self, status, body=b"", content_type=None):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _send_text(self, status, text):
        sys.stderr.write(f"otlp_receiver: {self.command} {self.path}: {status} {text}\n")
        self._send(status, (text + "\n").encode(), "text/plain; charset=utf-8")

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                total += size
                if total > MAX_BODY:
                    raise OverflowError
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise OverflowError
        return self.rfile.read(length) if length > 0 else b""

    def do_GET(self):
        if self.path.split("?", 1)[0] == "/healthz":
            self._send(200, b"ok\n", "text/plain; charset=utf-8")
        else:
            self._send_text(404, "not found")

    def do_POST(self):
        try:
            body = self._read_body()
        except (OverflowError, ValueError):
            self.close_connection = True
            self._send_text(413, "body too large or malformed")
            return
        if self.path.split("?", 1)[0] != TRACES_PATH:
            self._send_text(404, f"only POST {TRACES_PATH} is served")
            return
        encoding = self.headers.get("Content-Encoding", "identity").strip().lower()
        try:
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            elif encoding not in ("", "identity"):
                self._send_text(415, f"unsupported Content-Encoding {encoding!r}")
                return
        except (OSError, EOFError, zlib.error) as e:
            self._send_text(400, f"bad {encoding} body: {e}")
            return
        try:
            request, kind = decode_request(body, self.headers.get("Content-Type", ""))
        except LookupError as e:
            self._send_text(415, str(e))
            return
        except ValueError as e:
            self._send_text(400, str(e))
            return
        self.server.append(span_records(request))
        response = trace_service_pb2.ExportTraceServiceResponse()
        if kind == "json":
            self._send(200, json_format.MessageToJson(response).encode(), "application/json")
        else:
            self._send(200, response.SerializeToString(), "application/x-protobuf")

    def do_PUT(self):
        self._send_text(405, "method not allowed")

    do_DELETE = do_PATCH = do_PUT


def serve(port, outfile):
    server = Receiver(port, outfile)
    stopping = threading.Event()

    def stop(signum, frame):
        if not stopping.is_set():
            stopping.set()
            # shutdown() waits for serve_forever() to return, so it must not run on serve_forever's thread.
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"otlp_receiver: listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
    print(f"otlp_receiver: stopped after {server.span_count} spans", flush=True)
    return 0


# ---------------------------------------------------------------------------------------------------------------
# Self-test


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sample_request(trace_id, parent_id, child_id):
    from opentelemetry.proto.common.v1 import common_pb2
    from opentelemetry.proto.trace.v1 import trace_pb2

    def kv(key, **value):
        return common_pb2.KeyValue(key=key, value=common_pb2.AnyValue(**value))

    parent = trace_pb2.Span(
        trace_id=trace_id, span_id=parent_id, name="GET /v2/{name}/manifests/{reference}",
        kind=trace_pb2.Span.SPAN_KIND_SERVER, start_time_unix_nano=1_700_000_000_000_000_000,
        end_time_unix_nano=1_700_000_000_500_000_000,
        attributes=[kv("http.request.method", string_value="GET"), kv("http.response.status_code", int_value=200),
                    kv("aegis.cache_hit", bool_value=True), kv("aegis.ratio", double_value=0.25),
                    kv("aegis.tags", array_value=common_pb2.ArrayValue(values=[
                        common_pb2.AnyValue(string_value="a"), common_pb2.AnyValue(string_value="b")]))],
        status=trace_pb2.Status(code=trace_pb2.Status.STATUS_CODE_OK),
    )
    child = trace_pb2.Span(
        trace_id=trace_id, span_id=child_id, parent_span_id=parent_id, name="db.query",
        kind=trace_pb2.Span.SPAN_KIND_CLIENT, start_time_unix_nano=1_700_000_000_100_000_000,
        end_time_unix_nano=1_700_000_000_200_000_000,
        attributes=[kv("db.system", string_value="sqlite"), kv("db.rows", int_value=-3),
                    kv("db.cached", bool_value=False)],
        status=trace_pb2.Status(code=trace_pb2.Status.STATUS_CODE_ERROR, message="boom"),
        events=[trace_pb2.Span.Event(name="exception", time_unix_nano=1_700_000_000_150_000_000,
                                     attributes=[kv("exception.message", string_value="boom")])],
    )
    from opentelemetry.proto.resource.v1 import resource_pb2
    return trace_service_pb2.ExportTraceServiceRequest(resource_spans=[trace_pb2.ResourceSpans(
        resource=resource_pb2.Resource(attributes=[kv("service.name", string_value="aegisguard-selftest")]),
        scope_spans=[trace_pb2.ScopeSpans(scope=common_pb2.InstrumentationScope(name="swift-otel"),
                                          spans=[parent, child])],
    )])


def _post(port, body, headers, path=TRACES_PATH):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


def _read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def self_test():
    failures = []

    def check(cond, what):
        print(("ok - " if cond else "not ok - ") + what, flush=True)
        if not cond:
            failures.append(what)
        return cond

    tmp = tempfile.mkdtemp(prefix="otlp-receiver-selftest-")
    outfile = os.path.join(tmp, "spans.jsonl")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), str(port), outfile],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        ready = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    ready = r.status == 200
                    break
            except OSError:
                time.sleep(0.05)
        if not check(ready, f"receiver started on free port {port} and answers GET /healthz"):
            proc.kill()
            out, err = proc.communicate(timeout=5)
            sys.stderr.write(out + err)
            return 1

        trace_id, parent_id, child_id = bytes(range(1, 17)), bytes.fromhex("a1a2a3a4a5a6a7a8"), bytes.fromhex("b1b2b3b4b5b6b7b8")
        request = _sample_request(trace_id, parent_id, child_id)

        # 1. protobuf
        status, ctype, body = _post(port, request.SerializeToString(), {"Content-Type": "application/x-protobuf"})
        resp = trace_service_pb2.ExportTraceServiceResponse()
        resp.ParseFromString(body)
        check(status == 200 and ctype == "application/x-protobuf" and body == b"" and not resp.HasField("partial_success"),
              "protobuf POST /v1/traces answers 200 application/x-protobuf with an empty ExportTraceServiceResponse")
        lines = _read_lines(outfile)
        check(len(lines) == 2, f"two JSON lines written for two spans (got {len(lines)})")
        by_name = {l["name"]: l for l in lines}
        p, c = by_name.get("GET /v2/{name}/manifests/{reference}"), by_name.get("db.query")
        if check(p is not None and c is not None, "both spans found by name"):
            check(p["trace_id"] == trace_id.hex() == c["trace_id"] and len(p["trace_id"]) == 32,
                  "trace_id is the 32-digit hex id, shared by parent and child")
            check(p["span_id"] == "a1a2a3a4a5a6a7a8" and c["span_id"] == "b1b2b3b4b5b6b7b8", "span_id is hex")
            check(p["parent_span_id"] == "" and c["parent_span_id"] == p["span_id"],
                  "root has parent_span_id \"\", child points at the parent")
            check(p["kind"] == 2 and c["kind"] == 3, "kind is the OTLP int (server 2, client 3)")
            check(p["start_ns"] == 1_700_000_000_000_000_000 and p["end_ns"] == 1_700_000_000_500_000_000
                  and isinstance(p["start_ns"], int), "start_ns/end_ns are integer nanoseconds")
            check(p["status_code"] == 1 and c["status_code"] == 2 and c["status_message"] == "boom",
                  "status_code (ok 1, error 2) and status_message")
            pa, ca = p["attributes"], c["attributes"]
            check(pa.get("http.request.method") == "GET" and ca.get("db.system") == "sqlite", "string attributes")
            check(pa.get("http.response.status_code") == 200 and ca.get("db.rows") == -3
                  and type(pa.get("http.response.status_code")) is int, "int attributes are Python ints")
            check(pa.get("aegis.cache_hit") is True and ca.get("db.cached") is False, "bool attributes are Python bools")
            check(pa.get("aegis.ratio") == 0.25 and pa.get("aegis.tags") == ["a", "b"], "double and array attributes")
            check(p["resource"] == {"service.name": "aegisguard-selftest"} == c["resource"], "resource attributes")
            check(c["events"] and c["events"][0]["name"] == "exception"
                  and c["events"][0]["attributes"] == {"exception.message": "boom"}, "span events")

        # 2. gzip-encoded protobuf
        status, _, _ = _post(port, gzip.compress(request.SerializeToString()),
                             {"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"})
        lines = _read_lines(outfile)
        check(status == 200 and len(lines) == 4 and lines[2:] == lines[:2],
              "gzip Content-Encoding is decoded (same two lines appended again)")

        # 3. JSON, as protobuf JSON (base64 ids: what swift-otel's http/json exporter sends)
        status, ctype, body = _post(port, json_format.MessageToJson(request).encode(),
                                    {"Content-Type": "application/json; charset=utf-8"})
        lines = _read_lines(outfile)
        check(status == 200 and ctype == "application/json" and json.loads(body) == {}
              and len(lines) == 6 and lines[4:] == lines[:2],
              "application/json (protobuf JSON, base64 ids) is accepted, answered with {} application/json")

        # 4. JSON as the OTLP spec writes it (hex ids, camelCase, enums as ints, int64 as strings)
        doc = json_format.MessageToDict(request, use_integers_for_enums=True)
        for rs in doc["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                for s in ss["spans"]:
                    for k in ("traceId", "spanId", "parentSpanId"):
                        if k in s:
                            s[k] = base64.b64decode(s[k]).hex()
        status, _, _ = _post(port, json.dumps(doc).encode(), {"Content-Type": "application/json"})
        lines = _read_lines(outfile)
        check(status == 200 and len(lines) == 8 and lines[6:] == lines[:2], "OTLP/JSON with hex ids is accepted")

        # 5. what it refuses
        status, _, _ = _post(port, b"x", {"Content-Type": "text/plain"})
        check(status == 415, f"unsupported Content-Type answers 415 (got {status})")
        status, _, _ = _post(port, b"\xff\xff\xff", {"Content-Type": "application/x-protobuf"})
        check(status == 400, f"undecodable protobuf answers 400 (got {status})")
        status, _, _ = _post(port, request.SerializeToString(), {"Content-Type": "application/x-protobuf"}, path="/v1/logs")
        check(status == 404, f"POST /v1/logs answers 404 (got {status})")
        check(len(_read_lines(outfile)) == 8, "refused requests wrote no lines")

        # 6. SIGTERM
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = None
        out, err = proc.communicate(timeout=5)
        check(rc == 0, f"exits 0 on SIGTERM (rc={rc})")
        check("listening on 127.0.0.1:%d" % port in out and "stopped after 8 spans" in out,
              "prints its listening line and a closing span count")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    if failures:
        print(f"self-test: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("ok - self-test passed")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 3 or not argv[1].isdigit():
        print(__doc__.split("\n\n", 2)[1], file=sys.stderr)
        return 2
    return serve(int(argv[1]), argv[2])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
