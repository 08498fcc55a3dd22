"""Deterministic local stand-ins for the demo: an LLM, an embedder, a vector store, tools.

No network, no keys: replies are built from templates with a seeded RNG, so two runs with
the same seed produce the same spans (ids and timings aside).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

TENANTS = {
    "acme": ["alice", "bob", "carol"],
    "globex": ["dmitri", "erin"],
}

#: (model, provider) pairs the demo calls; the last one is not in any price table.
MODELS = [
    ("gpt-4o", "openai"),
    ("gpt-4o-mini", "openai"),
    ("claude-sonnet-4-20250514", "anthropic"),
    ("gemini-2.5-flash", "google"),
    ("acme-internal-llm", "acme"),
]

QUESTIONS = [
    "How do I rotate the gateway's TLS certificates?",
    "Summarise the incident report for the payments outage.",
    "Which tools can read from the GitHub organisation?",
    "Explain how federation forwards tool calls between gateways.",
    "What changed in release 1.4 of the MCP gateway?",
]

#: Fake personal data and secrets (all invented) that the scrubber must remove.
PII_PROMPTS = [
    "Please email the summary to jane.doe@example.com and call me at +1 415 555 0132.",
    "My card 4111 1111 1111 1111 was charged twice, SSN 078-05-1120 on file.",
    "Use this key for the upstream: sk-proj-abcdEFGHijklMNOPqrstUVWXyz0123456789ABCDEFGH",
    "Connect with postgresql://admin:Sup3rSecret!@db.internal:5432/prod and retry.",
    "Transfer to IBAN DE89 3704 0044 0532 0130 00, contact 10.20.30.40 if it fails.",
]

DOCS = [
    {"id": f"doc-{i}", "content": text}
    for i, text in enumerate(
        [
            "Certificates are rotated with `gatewayctl certs rotate`; restart is not needed.",
            "Federation forwards tools/call to a peer gateway and propagates traceparent.",
            "The payments outage was caused by an expired upstream token; MTTR 42 minutes.",
            "Release 1.4 adds OpenTelemetry tracing, rate-limited sampling and a disk spool.",
            "GitHub tools: github_search, github_issue_read; both need the repo:read scope.",
            "Plugins run in order: RateLimiter, PIIFilter, Cache; each can short-circuit.",
            "Prompt templates are compiled once and cached by (name, version).",
            "The vector store is Qdrant with 1,536-dimension embeddings per chunk.",
        ]
    )
]


@dataclass
class StubLLM:
    """A deterministic fake chat model."""

    rng: random.Random

    def reply(self, question: str, context: list[str]) -> str:
        """A plausible answer built from the retrieved context."""
        lead = self.rng.choice(["Short answer:", "In brief:", "Here is what I found:"])
        facts = " ".join(context[:2]) if context else "No context was retrieved."
        return f"{lead} {facts} (Question: {question[:60]})"

    def stream(self, text: str, chunk_words: int = 4) -> Iterator[str]:
        """Yield ``text`` in small chunks, with a tiny delay like a real stream."""
        words = text.split(" ")
        for i in range(0, len(words), chunk_words):
            time.sleep(0.0005)
            yield " ".join(words[i : i + chunk_words]) + " "


def embed(text: str, dims: int = 8) -> list[float]:
    """A tiny deterministic 'embedding' (character statistics)."""
    vec = [0.0] * dims
    for i, ch in enumerate(text.encode()):
        vec[i % dims] += ch / 255.0
    norm = sum(v * v for v in vec) ** 0.5 or 1.0
    return [v / norm for v in vec]


def search(query_vec: list[float], top_k: int) -> list[dict[str, object]]:
    """Cosine search over :data:`DOCS`."""
    scored = []
    for doc in DOCS:
        vec = embed(str(doc["content"]))
        score = sum(a * b for a, b in zip(query_vec, vec, strict=True))
        scored.append({**doc, "score": round(score, 4)})
    scored.sort(key=lambda d: -float(str(d["score"])))
    return scored[:top_k]


class UpstreamError(RuntimeError):
    """A transient failure of a simulated upstream tool."""
