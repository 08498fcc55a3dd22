"""``CostEnrichmentTransform``: token counts and cost on LLM/embedding spans (export thread).

For every span that is an LLM or EMBEDDING span — by ``openinference.span.kind`` or by
``gen_ai.operation.name``, whoever produced it — the transform

1. fills missing token counts by counting the captured text offline
   (``mcp_llm_trace.tokens.estimated=true``, ``mcp_llm_trace.usage.source="counted"``);
   provider-reported usage always wins;
2. makes sure ``llm.token_count.total`` exists and writes the OpenInference / GenAI
   counterpart token keys the configured ``semconv`` asks for;
3. prices the call with the price in force at the span's start time and writes
   ``llm.cost.*`` (floats, as OpenInference/Phoenix expect) plus ``mcp_llm_trace.cost.*``
   (``total`` as an exact decimal string, currency, price source, priced, table version).

It never overwrites an attribute that is already present. Runs in the export thread
(see ``export/pipeline.py``); it is stateless apart from the shared price table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.util.types import AttributeValue

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal.attrs import first_str as _str
from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace._internal.pending import take_text
from mcp_llm_trace._internal.spancopy import plain_attributes, with_attributes
from mcp_llm_trace.config import TelemetryConfig
from mcp_llm_trace.pricing import _spantext
from mcp_llm_trace.pricing.compute import (
    compute_cost,
    cost_for_entry,
    get_price_table,
    use_price_files,
)
from mcp_llm_trace.pricing.model import Cost, Usage
from mcp_llm_trace.pricing.table import Resolution

__all__ = ["CostCallback", "CostEnrichmentTransform"]

#: Bound of the per-transform caches (model lookups, costs); cleared when full.
_CACHE_MAX = 4096

#: ``on_cost(cost, usage, span_attributes)``; called in the export thread once per
#: enriched LLM/embedding span that has usage (priced or not: check ``cost.priced``).
CostCallback = Callable[[Cost, Usage, Mapping[str, AttributeValue]], None]

_OPS = sc.G.GenAiOperationNameValues
_LLM_OPS = frozenset({_OPS.CHAT.value, _OPS.TEXT_COMPLETION.value, _OPS.GENERATE_CONTENT.value})
_EMBED_OPS = frozenset({_OPS.EMBEDDINGS.value})

# (OpenInference key, GenAI key) for each Usage field.
_TOKEN_KEYS: dict[str, tuple[str, str]] = {
    "input_tokens": (sc.LLM_TOKEN_PROMPT, sc.GEN_AI_USAGE_INPUT_TOKENS),
    "output_tokens": (sc.LLM_TOKEN_COMPLETION, sc.GEN_AI_USAGE_OUTPUT_TOKENS),
    "cache_read_tokens": (sc.LLM_TOKEN_CACHE_READ, sc.GEN_AI_USAGE_CACHE_READ),
    "cache_write_tokens": (sc.LLM_TOKEN_CACHE_WRITE, sc.GEN_AI_USAGE_CACHE_WRITE),
    "reasoning_tokens": (sc.LLM_TOKEN_REASONING, sc.GEN_AI_USAGE_REASONING),
}


def _int(attrs: Mapping[str, Any], *keys: str) -> int | None:
    value = attrs.get(keys[0])
    if type(value) is int and value >= 0:  # the common case: one dict lookup
        return value
    if value is None and len(keys) == 2 and attrs.get(keys[1]) is None:
        return None  # absent in every convention (cache/reasoning details, usually)
    for key in keys:
        value = attrs.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)) and value >= 0:
            return int(value)
    return None


class CostEnrichmentTransform:
    """Export-path transform adding token counts and cost to LLM/embedding spans.

    ``config`` supplies ``pricing.files`` (layered over the shipped prices),
    ``pricing.enabled`` (False: tokens only, no cost) and ``semconv``
    (``both``/``openinference``/``genai``: which token keys to complete).

    Example::

        t = CostEnrichmentTransform(load_config(), on_cost=lambda c, u, a: print(c.total))
        PipelineExporter([t, ...], downstream)
    """

    name = "cost_enrichment"

    def __init__(
        self, config: TelemetryConfig | None = None, on_cost: CostCallback | None = None
    ) -> None:
        cfg = config or TelemetryConfig()
        self.pricing_enabled = cfg.pricing.enabled
        self.write_oi = cfg.semconv in ("both", "openinference")
        self.write_genai = cfg.semconv in ("both", "genai")
        self.on_cost = on_cost
        if cfg.pricing.files:
            use_price_files(cfg.pricing.files)
        # Hot-path caches, valid for one price-table generation (checked per batch):
        # (model, provider) → (entry or None, provider to use), and
        # (entry, price point, usage) → Cost. Values keep the entry/point alive, so
        # the ids in the keys cannot be reused while cached.
        self._generation: tuple[int, str] | None = None
        self._version = ""
        self._models: dict[tuple[str, str | None], tuple[Resolution | None, str | None]] = {}
        self._costs: dict[tuple[Any, ...], tuple[Any, Any, Cost, dict[str, Any]]] = {}

    def _check_table(self) -> None:
        table = get_price_table()
        version = table.version
        generation = (id(table), version)
        if generation != self._generation:
            self._generation = generation
            self._version = version
            self._models.clear()
            self._costs.clear()

    def transform(self, spans: Sequence[ReadableSpan]) -> Sequence[ReadableSpan]:
        """Return the batch with LLM/embedding spans enriched (same order, same count)."""
        out: list[ReadableSpan] = []
        if self.pricing_enabled:
            try:
                self._check_table()
            except Exception as exc:
                report_internal_error("pricing.table", exc)
        for span in spans:
            try:
                # A plain dict: BoundedAttributes lookups cost ~5x more (measured).
                attrs: Mapping[str, Any] = plain_attributes(span)
                # Text left by our helpers when content capture is off (never exported).
                pending = take_text(span.context.trace_id, span.context.span_id)
                if pending is not None:
                    attrs = {sc.INPUT_VALUE: pending[0], sc.OUTPUT_VALUE: pending[1], **attrs}
                extra = self.enrich(attrs, span.start_time)
                out.append(with_attributes(span, extra) if extra else span)
            except Exception as exc:
                report_internal_error("pricing.enrich", exc)
                out.append(span)
        return out

    def enrich(self, attrs: Mapping[str, Any], start_ns: int | None = None) -> dict[str, Any]:
        """The attributes to add to a span with ``attrs`` (empty if not an LLM span)."""
        kind = attrs.get(sc.SPAN_KIND)
        op = attrs.get(sc.GEN_AI_OPERATION_NAME)
        embedding = kind == sc.KIND_EMBEDDING or (kind is None and op in _EMBED_OPS)
        if not (embedding or kind == sc.KIND_LLM or (kind is None and op in _LLM_OPS)):
            return {}
        model = _str(
            attrs,
            sc.LLM_MODEL_NAME,
            sc.GEN_AI_RESPONSE_MODEL,
            sc.GEN_AI_REQUEST_MODEL,
            sc.EMBEDDING_MODEL_NAME,
        )
        provider = _str(attrs, sc.LLM_PROVIDER, sc.GEN_AI_PROVIDER_NAME, sc.GEN_AI_SYSTEM)
        provider = provider or _str(attrs, sc.LLM_SYSTEM)
        extra: dict[str, Any] = {}
        usage = self._usage(attrs, model, embedding, extra)
        if usage is None:
            return extra
        self._token_keys(attrs, usage, extra)
        if self.pricing_enabled and model and not _has_cost(attrs):
            self._cost(
                attrs, model=model, provider=provider, usage=usage, start_ns=start_ns, extra=extra
            )
        return {k: v for k, v in extra.items() if k not in attrs}

    # ------------------------------------------------------------------ tokens
    def _usage(
        self, attrs: Mapping[str, Any], model: str | None, embedding: bool, extra: dict[str, Any]
    ) -> Usage | None:
        def get(field: str) -> int | None:
            return _int(attrs, *_TOKEN_KEYS[field])

        n_in, n_out = get("input_tokens"), get("output_tokens")
        if n_out is None and embedding:
            n_out = 0
        counted = False
        encoding = None
        if n_in is None:
            from mcp_llm_trace.tokens import count_tokens

            text = _spantext.embedding_texts(attrs) if embedding else None
            prompt = text if embedding else _spantext.input_messages(attrs)
            if prompt:
                tc = count_tokens(prompt, model)
                n_in, counted, encoding = tc.tokens, True, tc.encoding
        if n_out is None:
            completion = _spantext.output_text(attrs)
            if completion is not None:
                from mcp_llm_trace.tokens import count_tokens

                tc = count_tokens(completion, model)
                n_out, counted, encoding = tc.tokens, True, tc.encoding
        if n_in is None and n_out is None:
            return None
        n_in, n_out = n_in or 0, n_out or 0
        cache_read = min(get("cache_read_tokens") or 0, n_in)
        cache_write = min(get("cache_write_tokens") or 0, n_in - cache_read)
        reasoning = min(get("reasoning_tokens") or 0, n_out)
        if counted:
            extra[sc.TOKENS_ESTIMATED] = True
            extra[sc.USAGE_SOURCE] = "counted"
            if encoding:
                extra[sc.TOKENS_ENCODING] = encoding
        else:
            extra[sc.USAGE_SOURCE] = "provider"
        return Usage(n_in, n_out, cache_read, cache_write, reasoning)

    def _token_keys(self, attrs: Mapping[str, Any], usage: Usage, extra: dict[str, Any]) -> None:
        for field, (oi_key, genai_key) in _TOKEN_KEYS.items():
            value = getattr(usage, field)
            main = field in ("input_tokens", "output_tokens")
            present = oi_key in attrs or genai_key in attrs
            if not (main or present or value):
                continue  # don't invent zero cache/reasoning details
            if self.write_oi:
                extra.setdefault(oi_key, value)
            if self.write_genai:
                extra.setdefault(genai_key, value)
        total = attrs.get(sc.LLM_TOKEN_TOTAL)
        if total is None and self.write_oi:  # an OpenInference key: not in genai mode
            extra[sc.LLM_TOKEN_TOTAL] = usage.total_tokens

    # ------------------------------------------------------------------ cost
    def _cost(
        self,
        attrs: Mapping[str, Any],
        *,
        model: str,
        provider: str | None,
        usage: Usage,
        start_ns: int | None,
        extra: dict[str, Any],
    ) -> None:
        at = datetime.fromtimestamp(start_ns / 1e9, timezone.utc) if start_ns else None
        cost, fragment = self._cached_cost(model, provider, usage, at)
        if fragment is not None:
            extra.update(fragment)
        else:
            fragment = self._cost_attributes(cost, usage)
            extra.update(fragment)
        if self.on_cost is not None:
            try:
                self.on_cost(cost, usage, {**attrs, **extra})
            except Exception as exc:
                report_internal_error("pricing.on_cost", exc)

    def _cost_attributes(self, cost: Cost, usage: Usage) -> dict[str, Any]:
        """The cost attributes of ``cost`` (cached with it: floats and the decimal
        string are formatted once per distinct cost)."""
        extra: dict[str, Any] = {}
        extra[sc.COST_PRICED] = cost.priced
        extra[sc.COST_PRICING_VERSION] = self._version or get_price_table().version
        if cost.priced:
            extra[sc.LLM_COST_PROMPT] = float(cost.prompt)
            extra[sc.LLM_COST_COMPLETION] = float(cost.completion)
            extra[sc.LLM_COST_TOTAL] = float(cost.total)
            extra[sc.LLM_COST_INPUT] = float(cost.input)
            extra[sc.LLM_COST_OUTPUT] = float(cost.output)
            if usage.cache_read_tokens:
                extra[sc.LLM_COST_CACHE_READ] = float(cost.cache_read)
            if usage.cache_write_tokens:
                extra[sc.LLM_COST_CACHE_WRITE] = float(cost.cache_write)
            if usage.reasoning_tokens:
                extra[sc.LLM_COST_REASONING] = float(cost.reasoning)
            extra[sc.COST_TOTAL] = format(cost.total, "f")
            extra[sc.COST_CURRENCY] = cost.currency
            extra[sc.COST_PRICE_SOURCE] = cost.price_source
            if cost.region_unknown:
                extra[sc.COST_REGION_UNKNOWN] = True
        return extra

    def _cached_cost(
        self, model: str, provider: str | None, usage: Usage, at: datetime | None
    ) -> tuple[Cost, dict[str, Any] | None]:
        """``compute_cost`` with the model lookup and the arithmetic cached: the same
        model at the same price point with the same token counts costs the same.
        Returns the cost and, when cached, its attributes (``None``: not cached)."""
        if self._generation is None:  # enrich() called directly, not via transform()
            self._check_table()
        key = (model, provider)
        found = self._models.get(key)
        if found is None:
            table = get_price_table()
            use = provider
            if use and table.resolve_provider(use) is None:
                use = None  # e.g. "langchain": let the model id decide
            found = (table.lookup(model, use), use)
            if len(self._models) >= _CACHE_MAX:
                self._models.clear()
            self._models[key] = found
        resolved, use = found
        if resolved is None or at is None or resolved.region is not None:
            # unpriced (warns once) / "now" / a region-qualified id (region marker)
            return compute_cost(model, use, usage, at), None
        entry = resolved.entry
        point = entry.prices_at(at.date(), at.timetz().replace(tzinfo=None))
        ckey = (
            id(entry),
            id(point),
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
            usage.reasoning_tokens,
            usage.input_audio_tokens,
            usage.output_audio_tokens,
        )
        hit = self._costs.get(ckey)
        if hit is not None:
            return hit[2], hit[3]
        cost = cost_for_entry(entry, usage, at)
        fragment = self._cost_attributes(cost, usage)
        if len(self._costs) >= _CACHE_MAX:
            self._costs.clear()
        self._costs[ckey] = (entry, point, cost, fragment)
        return cost, fragment


def _has_cost(attrs: Mapping[str, Any]) -> bool:
    return sc.LLM_COST_TOTAL in attrs or sc.COST_TOTAL in attrs
