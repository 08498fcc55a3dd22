"""Integrations with third-party libraries, each imported on demand.

* :mod:`mcp_llm_trace.integrations.mcp` — the official ``mcp`` Python SDK
  (``instrument_mcp()`` / ``uninstrument_mcp()``).
* :mod:`mcp_llm_trace.integrations.phoenix` — Arize Phoenix helpers.

Nothing here is imported by ``import mcp_llm_trace``: an integration costs nothing
until you import it.
"""
