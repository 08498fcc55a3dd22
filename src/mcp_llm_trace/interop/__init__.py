"""Interoperability with spans made by other instrumentation libraries.

:class:`~mcp_llm_trace.interop.counterparts.CounterpartTransform` (wired into the export
pipeline by ``configure()``) completes OpenInference, OTel GenAI and OpenLLMetry LLM and
embedding spans with the other convention's keys, so they are priced, counted, scrubbed
and displayed like spans made with ``llm_span``.
"""

from mcp_llm_trace.interop.counterparts import CounterpartTransform, counterpart_attributes

__all__ = ["CounterpartTransform", "counterpart_attributes"]
