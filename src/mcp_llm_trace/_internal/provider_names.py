"""Provider names: what users type → OTel ``gen_ai.provider.name`` and OpenInference
``llm.provider``/``llm.system`` values. Table data, one place."""

from __future__ import annotations

from typing import NamedTuple


class ProviderNames(NamedTuple):
    """Canonical names of one provider in each convention."""

    genai: str  # gen_ai.provider.name
    openinference: str  # llm.provider
    system: str  # llm.system (the model family's vendor)


_TABLE: dict[str, ProviderNames] = {
    "openai": ProviderNames("openai", "openai", "openai"),
    "anthropic": ProviderNames("anthropic", "anthropic", "anthropic"),
    "gcp.gemini": ProviderNames("gcp.gemini", "google", "vertexai"),
    "gcp.vertex_ai": ProviderNames("gcp.vertex_ai", "google", "vertexai"),
    "gcp.gen_ai": ProviderNames("gcp.gen_ai", "google", "vertexai"),
    "aws.bedrock": ProviderNames("aws.bedrock", "aws", "amazon"),
    "azure.ai.openai": ProviderNames("azure.ai.openai", "azure", "openai"),
    "azure.ai.inference": ProviderNames("azure.ai.inference", "azure", "openai"),
    "mistral_ai": ProviderNames("mistral_ai", "mistralai", "mistralai"),
    "cohere": ProviderNames("cohere", "cohere", "cohere"),
    "x_ai": ProviderNames("x_ai", "xai", "xai"),
    "deepseek": ProviderNames("deepseek", "deepseek", "deepseek"),
    "groq": ProviderNames("groq", "groq", "groq"),
    "perplexity": ProviderNames("perplexity", "perplexity", "perplexity"),
    "ibm.watsonx.ai": ProviderNames("ibm.watsonx.ai", "ibm", "ibm"),
}

_ALIASES = {
    "google": "gcp.gemini",
    "gemini": "gcp.gemini",
    "google_genai": "gcp.gen_ai",
    "vertex": "gcp.vertex_ai",
    "vertexai": "gcp.vertex_ai",
    "vertex_ai": "gcp.vertex_ai",
    "bedrock": "aws.bedrock",
    "aws": "aws.bedrock",
    "amazon": "aws.bedrock",
    "azure": "azure.ai.openai",
    "azure_openai": "azure.ai.openai",
    "mistral": "mistral_ai",
    "mistralai": "mistral_ai",
    "xai": "x_ai",
    "grok": "x_ai",
    "watsonx": "ibm.watsonx.ai",
}


def provider_names(name: str | None) -> ProviderNames | None:
    """Names for ``name`` (any alias, any case); unknown names map to themselves."""
    if not name:
        return None
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    found = _TABLE.get(key)
    if found is not None:
        return found
    return ProviderNames(key, key, key)
