"""Provider metadata used when importing price data (written into each YAML file).

``provider_names`` are the values that select a provider at run time: OTel
``gen_ai.provider.name`` / legacy ``gen_ai.system`` values, OpenInference
``llm.provider``/``llm.system`` values, and the aliases people type.
``owns`` (full-match regex) says which model ids a first-party provider owns, so that
``compute_cost("claude-…")`` without a provider prices at Anthropic, not at a reseller.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GENAI_TO_OURS", "LITELLM_TO_OURS", "PROVIDERS"]

PROVIDERS: dict[str, dict[str, Any]] = {
    "openai": {
        "name": "OpenAI",
        "provider_names": ["openai"],
        "first_party": True,
        "owns": r"(?:ft:)?(?:gpt-|chatgpt-|o[1-9]|text-embedding-|whisper-|tts-|dall-e|davinci"
        r"|babbage|codex-|computer-use|omni-moderation|text-moderation).*",
    },
    "anthropic": {
        "name": "Anthropic",
        "provider_names": ["anthropic"],
        "first_party": True,
        "owns": r"claude.*",
    },
    "google": {
        "name": "Google (Gemini API / Vertex AI)",
        "provider_names": [
            "gcp.gemini",
            "gcp.vertex_ai",
            "gcp.gen_ai",
            "google",
            "gemini",
            "vertex",
            "vertex_ai",
            "vertexai",
            "google_genai",
            "google_ai",
        ],
        "first_party": True,
        "owns": r"(?:gemini|gemma).*",
        "fallback_providers": ["anthropic"],
    },
    "mistral": {
        "name": "Mistral AI",
        "provider_names": ["mistral_ai", "mistral", "mistralai"],
        "first_party": True,
        "owns": r"(?:labs-)?(?:(?:mi|code|dev|magi|mini)stral|mixtral|pixtral|voxtral"
        r"|open-(?:mistral|mixtral)).*",
    },
    "deepseek": {
        "name": "DeepSeek",
        "provider_names": ["deepseek"],
        "first_party": True,
        "owns": r"deepseek.*",
    },
    "xai": {
        "name": "xAI",
        "provider_names": ["x_ai", "xai", "x-ai", "grok"],
        "first_party": True,
        "owns": r"grok.*",
    },
    "cohere": {
        "name": "Cohere",
        "provider_names": ["cohere", "cohere_ai"],
        "first_party": True,
        "owns": r"(?:command|c4ai-|embed-|rerank-).*",
    },
    "perplexity": {
        "name": "Perplexity",
        "provider_names": ["perplexity", "perplexity_ai"],
        "first_party": True,
    },
    "bedrock": {
        "name": "AWS Bedrock",
        "provider_names": ["aws.bedrock", "bedrock", "aws", "amazon", "aws_bedrock"],
        "first_party": False,
    },
    "azure": {
        "name": "Azure (OpenAI / AI Inference)",
        "provider_names": [
            "azure.ai.openai",
            "azure.ai.inference",
            "az.ai.openai",
            "az.ai.inference",
            "azure",
            "azure_openai",
            "azure_ai",
        ],
        "first_party": False,
        "fallback_providers": ["openai", "anthropic", "deepseek", "xai"],
    },
    "groq": {"name": "Groq", "provider_names": ["groq"], "first_party": False},
}

#: genai-prices provider id → our provider id (file stem).
GENAI_TO_OURS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "mistral": "mistral",
    "deepseek": "deepseek",
    "x-ai": "xai",
    "cohere": "cohere",
    "perplexity": "perplexity",
    "aws": "bedrock",
    "azure": "azure",
    "groq": "groq",
}

#: LiteLLM ``litellm_provider`` → our provider id.
LITELLM_TO_OURS = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "anthropic": "anthropic",
    "gemini": "google",
    "vertex_ai-language-models": "google",
    "vertex_ai-anthropic_models": "google",
    "mistral": "mistral",
    "deepseek": "deepseek",
    "xai": "xai",
    "cohere": "cohere",
    "cohere_chat": "cohere",
    "perplexity": "perplexity",
    "bedrock": "bedrock",
    "bedrock_converse": "bedrock",
    "azure": "azure",
    "azure_ai": "azure",
    "groq": "groq",
}
