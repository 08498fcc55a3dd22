"""Shared check: our per-text entity gating (``presidio_engine.NEEDS``) finds exactly what
Presidio itself finds with every active entity on the same texts."""

from __future__ import annotations

from collections.abc import Iterable

from mcp_llm_trace.privacy import Scrubber


def assert_gating_is_exact(s: Scrubber, texts: Iterable[str]) -> None:
    """Fail on the first text where the gated analysis differs from Presidio's own."""
    presidio = s.presidio
    assert presidio is not None
    engine = presidio._engine
    for text in texts:
        reference = engine.analyze(  # spaCy blank pipeline + every active entity
            text=text,
            language="en",
            entities=list(presidio._active_entities),
            score_threshold=presidio.privacy.threshold,
        )
        expected = sorted((r.start, r.end, r.entity_type) for r in reference)
        got = sorted((f.start, f.end, f.entity) for f in presidio.analyze(text))
        assert got == expected, text
