"""Integrations with third-party libraries, each imported on demand.

* :mod:`mcp_llm_trace.integrations.mcp` — the official ``mcp`` Python SDK
  (``instrument_mcp()`` / ``uninstrument_mcp()``).
* :mod:`mcp_llm_trace.integrations.phoenix` — Arize Phoenix helpers.
* :mod:`mcp_llm_trace.integrations.openai` — ``instrument_openai(client)`` /
  ``uninstrument_openai(client)`` for one ``openai`` client object.
* :mod:`mcp_llm_trace.integrations.anthropic` — ``instrument_anthropic(client)`` /
  ``uninstrument_anthropic(client)`` for one ``anthropic`` client object.

Nothing here is imported by ``import mcp_llm_trace``: an integration costs nothing
until you import it.
"""
