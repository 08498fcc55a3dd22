"""Real OTLP (HTTP and gRPC) and Zipkin receivers bound to 127.0.0.1 on free ports.

Each receiver decodes what it gets into plain span dicts (see ``decode.py``), records
every request with its headers, and can be stopped and restarted on the same port,
slowed down (``delay_s``), made to fail (``fail_next`` / ``set_failing``: HTTP 503/429
with or without ``Retry-After`` in seconds or HTTP-date form, gRPC UNAVAILABLE /
RESOURCE_EXHAUSTED with RetryInfo, or hang without answering), made to require headers
(HTTP 401 / gRPC UNAUTHENTICATED otherwise) and served over TLS or mTLS.

Example::

    with OTLPHTTPReceiver() as rx:
        exporter = OTLPSpanExporter(endpoint=rx.endpoint)
        ...
        spans = rx.wait_for(3)
"""

from __future__ import annotations

import gzip
import json
import math
import ssl
import threading
import time
import zlib
from concurrent import futures
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
from google.protobuf.duration_pb2 import Duration
from google.rpc.error_details_pb2 import RetryInfo
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.support._base import Fault, ReceiverBase, free_port
from tests.support.decode import spans_from_request, spans_from_zipkin
from tests.support.tls import TLSMaterial, make_tls_material

__all__ = [
    "Fault",
    "OTLPGrpcReceiver",
    "OTLPHTTPReceiver",
    "TLSMaterial",
    "ZipkinReceiver",
    "free_port",
    "make_tls_material",
]


# ---------------------------------------------------------------------------- HTTP


def retry_after_header(fault: Fault) -> str:
    """``Retry-After`` value for ``fault``: whole seconds (at least 1) or an HTTP-date."""
    seconds = max(1, math.ceil(fault.retry_after or 0))
    if fault.retry_after_form == "date":
        return formatdate(time.time() + seconds, usegmt=True)
    return str(seconds)


class _TLSThreadingHTTPServer(ThreadingHTTPServer):
    """Wraps accepted sockets in TLS inside the per-request thread (not the accept loop)."""

    daemon_threads = True
    allow_reuse_address = True
    ssl_context: ssl.SSLContext | None = None
    tls_errors: list[str]

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.ssl_context is not None:
            try:
                request.settimeout(10)
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                self.tls_errors.append(repr(exc))
                return
        super().finish_request(request, client_address)


class _HTTPReceiver(ReceiverBase):
    """An HTTP receiver; subclasses say which path they serve and how to decode it."""

    path = "/"
    content_type = "application/octet-stream"

    def __init__(
        self,
        *,
        tls: TLSMaterial | None = None,
        require_client_cert: bool = False,
        required_headers: dict[str, str] | None = None,
        delay_s: float = 0.0,
        port: int | None = None,
    ) -> None:
        super().__init__(required_headers=required_headers, delay_s=delay_s)
        self.tls = tls
        self.require_client_cert = require_client_cert
        self.port = port or 0
        self.tls_errors: list[str] = []
        self._server: _TLSThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http(s)://127.0.0.1:<port>`` (https with ``tls``; the cert also names localhost)."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        """Full URL of the signal path."""
        return self.base_url + self.path

    def decode(self, body: bytes, content_type: str) -> tuple[list[dict[str, Any]], bytes]:
        """Return (span dicts, response body); raise ValueError for a bad payload."""
        raise NotImplementedError

    def _ssl_context(self) -> ssl.SSLContext | None:
        if self.tls is None:
            return None
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(self.tls.server_cert), str(self.tls.server_key))
        if self.require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(str(self.tls.ca_cert))
        return ctx

    def start(self) -> None:
        """Bind (the same port again after :meth:`stop`) and serve in a thread."""
        if self._server is not None:
            return
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                receiver._handle(self)

        server = _TLSThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.ssl_context = self._ssl_context()
        server.tls_errors = self.tls_errors
        self.port = int(server.server_address[1])
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening (connections are refused until :meth:`start`)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    @property
    def running(self) -> bool:
        """Whether the receiver is listening."""
        return self._server is not None

    def _reply(
        self, h: BaseHTTPRequestHandler, status: int, body: bytes, extra: dict[str, str]
    ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", self.content_type if status == 200 else "text/plain")
        h.send_header("Content-Length", str(len(body)))
        for k, v in extra.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        headers = {k.lower(): v for k, v in h.headers.items()}
        length = int(headers.get("content-length", "0") or 0)
        raw = h.rfile.read(length) if length else b""
        if self.delay_s:
            time.sleep(self.delay_s)
        if h.path.split("?")[0] != self.path:
            self._record(headers, 404, [])
            self._reply(h, 404, b"not found", {})
            return
        if not self._auth_ok(headers):
            self._record(headers, 401, [])
            self._reply(h, 401, b"unauthorized: missing or wrong API key", {})
            return
        fault = self._take_fault()
        if fault is not None and fault.hang_s > 0:
            self._record(headers, 0, [])  # 0: no answer
            time.sleep(fault.hang_s)
            h.close_connection = True
            return
        if fault is not None:
            extra = {}
            if fault.retry_after is not None:
                extra["Retry-After"] = retry_after_header(fault)
            self._record(headers, fault.status, [])
            self._reply(h, fault.status, b"injected failure", extra)
            return
        try:
            encoding = headers.get("content-encoding", "").lower()
            if encoding == "gzip":
                raw = gzip.decompress(raw)
            elif encoding == "deflate":
                raw = zlib.decompress(raw)
            spans, body = self.decode(raw, headers.get("content-type", ""))
        except Exception as exc:
            self._record(headers, 400, [])
            self._reply(h, 400, f"bad payload: {exc!r}".encode(), {})
            return
        self._record(headers, 200, spans)
        self._reply(h, 200, body, {})


class OTLPHTTPReceiver(_HTTPReceiver):
    """OTLP/HTTP protobuf receiver: ``POST /v1/traces`` (gzip/deflate accepted)."""

    path = "/v1/traces"
    content_type = "application/x-protobuf"

    def decode(self, body: bytes, content_type: str) -> tuple[list[dict[str, Any]], bytes]:
        if "json" in content_type:
            raise ValueError("only application/x-protobuf is supported by this test receiver")
        req = ExportTraceServiceRequest()
        req.ParseFromString(body)
        return spans_from_request(req), ExportTraceServiceResponse().SerializeToString()


class ZipkinReceiver(_HTTPReceiver):
    """Zipkin JSON v2 receiver: ``POST /api/v2/spans``."""

    path = "/api/v2/spans"
    content_type = "application/json"

    def decode(self, body: bytes, content_type: str) -> tuple[list[dict[str, Any]], bytes]:
        payload = json.loads(body.decode("utf-8"))
        if not isinstance(payload, list):
            raise ValueError("Zipkin v2 expects a JSON list of spans")
        return spans_from_zipkin(payload), b""


# ---------------------------------------------------------------------------- gRPC

_GRPC_CODES = {503: grpc.StatusCode.UNAVAILABLE, 429: grpc.StatusCode.RESOURCE_EXHAUSTED}


class OTLPGrpcReceiver(ReceiverBase):
    """OTLP/gRPC TraceService receiver (optionally TLS / mTLS)."""

    def __init__(
        self,
        *,
        tls: TLSMaterial | None = None,
        require_client_cert: bool = False,
        required_headers: dict[str, str] | None = None,
        delay_s: float = 0.0,
        port: int | None = None,
    ) -> None:
        super().__init__(required_headers=required_headers, delay_s=delay_s)
        self.tls = tls
        self.require_client_cert = require_client_cert
        self.port = port or free_port()
        self._server: grpc.Server | None = None

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:<port>`` (pass ``insecure=True`` for plaintext)."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """``http(s)://localhost:<port>`` — scheme tells the OTel exporter TLS or not."""
        return f"{'https' if self.tls else 'http'}://localhost:{self.port}"

    @property
    def running(self) -> bool:
        """Whether the receiver is listening."""
        return self._server is not None

    def start(self) -> None:
        """Bind (the same port again after :meth:`stop`) and serve."""
        if self._server is not None:
            return
        receiver = self

        class Servicer(trace_service_pb2_grpc.TraceServiceServicer):
            def Export(
                self, request: ExportTraceServiceRequest, context: grpc.ServicerContext
            ) -> ExportTraceServiceResponse:
                return receiver._export(request, context)

        server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=8), options=[("grpc.so_reuseport", 0)]
        )
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Servicer(), server)
        address = f"127.0.0.1:{self.port}"
        if self.tls is None:
            bound = server.add_insecure_port(address)
        else:
            creds = grpc.ssl_server_credentials(
                [(self.tls.read("server_key"), self.tls.read("server_cert"))],
                root_certificates=self.tls.read("ca_cert") if self.require_client_cert else None,
                require_client_auth=self.require_client_cert,
            )
            bound = server.add_secure_port(address, creds)
        if bound != self.port:
            raise OSError(f"could not bind gRPC receiver to {address}")
        server.start()
        self._server = server

    def stop(self) -> None:
        """Stop serving; in-flight calls are cancelled."""
        server, self._server = self._server, None
        if server is not None:
            server.stop(grace=None).wait(5)

    def _export(
        self, request: ExportTraceServiceRequest, context: grpc.ServicerContext
    ) -> ExportTraceServiceResponse:
        headers = {k.lower(): str(v) for k, v in context.invocation_metadata()}
        if self.delay_s:
            time.sleep(self.delay_s)
        if not self._auth_ok(headers):
            self._record(headers, 401, [])
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong API key")
        fault = self._take_fault()
        if fault is not None and fault.hang_s > 0:
            self._record(headers, 0, [])  # 0: no answer (the client's deadline passes)
            time.sleep(fault.hang_s)
        if fault is not None:
            self._record(headers, fault.status, [])
            self._abort(context, fault)
        self._record(headers, 200, spans_from_request(request))
        return ExportTraceServiceResponse()

    @staticmethod
    def _abort(context: grpc.ServicerContext, fault: Fault) -> None:
        code = (
            getattr(grpc.StatusCode, fault.grpc_code)
            if fault.grpc_code
            else _GRPC_CODES.get(fault.status, grpc.StatusCode.INTERNAL)
        )
        if fault.retry_after is not None:
            seconds = int(fault.retry_after)
            info = RetryInfo(
                retry_delay=Duration(
                    seconds=seconds, nanos=int((fault.retry_after - seconds) * 1e9)
                )
            )
            context.set_trailing_metadata((("google.rpc.retryinfo-bin", info.SerializeToString()),))
        context.abort(code, "injected failure")


# ---------------------------------------------------------------------------- subprocess


def serve_forever_from_stdin(receiver: ReceiverBase) -> None:
    """Drive ``receiver`` from JSON commands on stdin, one per line (see :func:`main`)."""
    import sys

    receiver.start()
    print(json.dumps({"port": getattr(receiver, "port", 0)}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        op = cmd.pop("op")
        if op == "fail":
            receiver.set_failing(True, **cmd)
        elif op == "fail_next":
            receiver.fail_next(**cmd)
        elif op == "ok":
            receiver.set_failing(False)
        elif op == "delay":
            receiver.delay_s = float(cmd["s"])
        elif op == "stop":
            receiver.stop()
        elif op == "start":
            receiver.start()
        elif op == "dump":
            with receiver._cond:
                seqs = [s["attributes"].get("seq") for s in receiver.spans]
                out = {
                    "seq": seqs,
                    "arrivals": list(receiver.arrivals),
                    "requests": [
                        {"status": r["status"], "spans": r["spans"], "time": r["time"]}
                        for r in receiver.requests
                    ],
                }
            print(json.dumps(out), flush=True)
        elif op == "quit":
            break
        print(json.dumps({"ack": op}), flush=True)
    receiver.stop()


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.support.receivers {http|grpc}``: a receiver in its own process.

    Prints ``{"port": N}``, then obeys JSON lines on stdin — ``{"op": "fail", "status":
    503, "retry_after": 1, "retry_after_form": "date"}``, ``{"op": "fail", "hang_s": 30}``,
    ``{"op": "fail_next", "n": 3, "hang_s": 2}``, ``{"op": "ok"}``, ``{"op": "stop"}``
    (connections refused), ``{"op": "start"}``, ``{"op": "dump"}`` (prints the received
    spans' ``seq`` attributes with arrival times) and ``{"op": "quit"}`` — acknowledging
    each with ``{"ack": op}``.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.support.receivers")
    parser.add_argument("protocol", choices=["http", "grpc"])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    receiver: ReceiverBase = (
        OTLPHTTPReceiver(port=args.port or None)
        if args.protocol == "http"
        else OTLPGrpcReceiver(port=args.port or None)
    )
    serve_forever_from_stdin(receiver)


if __name__ == "__main__":
    main()
