"""mcp-llm-trace."""
