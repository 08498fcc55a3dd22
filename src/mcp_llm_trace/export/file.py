"""``file`` exporter: OTLP/JSON lines, the OpenTelemetry Collector file-exporter format.

Each line is one ``ExportTraceServiceRequest`` in OTLP/JSON (camelCase keys, trace and
span ids as lowercase hex, 64-bit integers as strings) — the format the Collector's
``file`` exporter writes and its ``otlpjsonfile`` receiver reads, so a file can be
replayed into any backend with a stock Collector.

``path`` is a directory (lines go to ``<dir>/traces.jsonl``) or a ``.jsonl`` file.
When the file grows past ``max_bytes`` it is renamed ``traces-<UTC time>.jsonl`` and a
new one started. Writes from several threads are serialised; one process per file.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

_ID_KEYS = ("traceId", "spanId", "parentSpanId")


def spans_to_otlp_json(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """Encode spans as one OTLP/JSON ``ExportTraceServiceRequest`` dict."""
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    data = MessageToDict(encode_spans(spans))
    for rs in data.get("resourceSpans", ()):
        for ss in rs.get("scopeSpans", ()):
            for span in ss.get("spans", ()):
                _hex_ids(span)
                for link in span.get("links", ()):
                    _hex_ids(link)
    return data


def _hex_ids(obj: dict[str, Any]) -> None:
    # protobuf's JSON mapping writes bytes as base64; OTLP/JSON says hex.
    for key in _ID_KEYS:
        value = obj.get(key)
        if value:
            obj[key] = base64.b64decode(value).hex()


class FileSpanExporter(SpanExporter):
    """Appends OTLP/JSON lines to a file, rotating by size."""

    def __init__(self, path: str | os.PathLike[str] = "./traces", max_bytes: int = 64 << 20):
        p = Path(path)
        self.path = p if p.suffix in {".jsonl", ".json"} else p / "traces.jsonl"
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._closed = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Write one line for the batch. Called from the export thread."""
        if self._closed or not spans:
            return SpanExportResult.SUCCESS
        line = json.dumps(spans_to_otlp_json(spans), separators=(",", ":")) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._rotate_if_needed(len(line))
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
        return SpanExportResult.SUCCESS

    def _rotate_if_needed(self, incoming: int) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size and size + incoming > self.max_bytes:
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
            target = self.path.with_name(f"{self.path.stem}-{stamp}-{os.getpid()}.jsonl")
            n = 1
            while target.exists():
                target = self.path.with_name(f"{self.path.stem}-{stamp}-{os.getpid()}-{n}.jsonl")
                n += 1
            self.path.rename(target)

    def shutdown(self) -> None:
        """Stop accepting spans."""
        self._closed = True

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Lines are written synchronously; nothing to flush."""
        return True


# ------------------------------------------------------------------ reading back


def _attr_value(v: dict[str, Any]) -> Any:
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        return int(v["intValue"])
    if "doubleValue" in v:
        return float(v["doubleValue"])
    if "boolValue" in v:
        return bool(v["boolValue"])
    if "arrayValue" in v:
        return [_attr_value(x) for x in v["arrayValue"].get("values", [])]
    if "kvlistValue" in v:
        return {kv["key"]: _attr_value(kv["value"]) for kv in v["kvlistValue"].get("values", [])}
    if "bytesValue" in v:
        return base64.b64decode(v["bytesValue"])
    return None


def _attrs(items: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {kv["key"]: _attr_value(kv.get("value", {})) for kv in items or []}


def iter_spans(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Read OTLP/JSON lines back as flat dicts: ``trace_id``, ``span_id``,
    ``parent_span_id``, ``name``, ``kind``, ``attributes``, ``resource``, ``events``,
    ``status_code``, ``start_ns``, ``end_ns``, ``scope``.

    ``path`` may be a directory (every ``*.jsonl`` in it, oldest first) or a file.
    """
    p = Path(path)
    files = sorted(p.glob("*.jsonl"), key=lambda f: f.stat().st_mtime) if p.is_dir() else [p]
    for f in files:
        with f.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                req = json.loads(line)
                for rs in req.get("resourceSpans", ()):
                    resource = _attrs(rs.get("resource", {}).get("attributes"))
                    for ss in rs.get("scopeSpans", ()):
                        scope = ss.get("scope", {}).get("name", "")
                        for s in ss.get("spans", ()):
                            yield {
                                "trace_id": s.get("traceId", ""),
                                "span_id": s.get("spanId", ""),
                                "parent_span_id": s.get("parentSpanId", ""),
                                "name": s.get("name", ""),
                                "kind": s.get("kind", ""),
                                "attributes": _attrs(s.get("attributes")),
                                "events": [
                                    {
                                        "name": e.get("name", ""),
                                        "attributes": _attrs(e.get("attributes")),
                                    }
                                    for e in s.get("events", ())
                                ],
                                "status_code": s.get("status", {}).get("code", "STATUS_CODE_UNSET"),
                                "start_ns": int(s.get("startTimeUnixNano", 0)),
                                "end_ns": int(s.get("endTimeUnixNano", 0)),
                                "resource": resource,
                                "scope": scope,
                            }
