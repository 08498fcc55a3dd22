"""Private machinery of mcp-llm-trace. Nothing here is public API."""
