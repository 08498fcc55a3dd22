"""The process-wide runtime the span helpers read on their hot path.

One object with plain slots, swapped as a whole by ``configure()``/``shutdown()``, so a
helper reads ``RUNTIME.tracer`` once and never sees a half-configured state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.util.types import AttributeValue

if TYPE_CHECKING:
    from mcp_llm_trace.config import CaptureConfig, TelemetryConfig
    from mcp_llm_trace.metrics import MetricsCollector


class Runtime:
    """What the helpers need: the tracer (None = disabled) and the capture rules."""

    __slots__ = (
        "capture",
        "config",
        "genai",
        "llm_starts",
        "metrics",
        "openinference",
        "tracer",
    )

    def __init__(
        self,
        tracer: trace.Tracer | None = None,
        config: TelemetryConfig | None = None,
        metrics: MetricsCollector | None = None,
    ) -> None:
        self.tracer = tracer
        self.config = config
        self.metrics = metrics
        mode = config.semconv if config is not None else "both"
        self.openinference = mode in ("both", "openinference")
        self.genai = mode in ("both", "genai")
        #: ``llm_span`` start attributes and span name per (model, provider, operation,
        #: stream, name): they depend on nothing else, and this runtime's conventions
        #: are fixed. Bounded (see ``spans.llm_span``); dropped with the runtime.
        self.llm_starts: dict[tuple[Any, ...], tuple[dict[str, AttributeValue], str]] = {}
        if config is not None:
            self.capture: CaptureConfig | None = config.capture
        else:
            self.capture = None


class _Holder:
    __slots__ = ("current", "explicit")

    def __init__(self) -> None:
        self.current = Runtime()
        self.explicit = False  # True once configure() ran (even if it disabled telemetry)


HOLDER = _Holder()


def active() -> Runtime:
    """The runtime to use now.

    Before ``configure()`` runs, spans go to a global SDK ``TracerProvider`` when the
    application installed one itself (so our helpers work inside an existing OTel
    set-up); otherwise the helpers stay no-ops.
    """
    rt = HOLDER.current
    if rt.tracer is not None or HOLDER.explicit:
        return rt
    # Read the API's module global directly: get_tracer_provider() consults the
    # environment on every call while no provider is set (~7 µs on the disabled path).
    provider = getattr(trace, "_TRACER_PROVIDER", None)
    if provider is None or isinstance(
        provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)
    ):
        return rt
    from mcp_llm_trace._version import __version__
    from mcp_llm_trace.config import TelemetryConfig

    HOLDER.current = Runtime(provider.get_tracer("mcp_llm_trace", __version__), TelemetryConfig())
    return HOLDER.current
