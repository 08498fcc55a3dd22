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
(see ``export/pipeline.py``); apart from the shared price table its only state is a set
of bounded caches, cleared when the price table changes.

Fast path: a span that carries provider usage is enriched from a cache keyed on the raw
values of the few attributes that decide the result — model, provider, span type, the
ten token-count keys and ``llm.token_count.total`` (value *and* type: ``True`` is not
``1``), whether ``usage.source``/a cost total is already set — plus the price point in
force at the span's start time (off-peak windows, dated price changes). Tiers and cache
tokens are covered by the token values, ``region_unknown`` by the model id. A hit reuses
the token attributes, the ``Usage``, the ``Cost`` and its formatted attributes; only the
"never overwrite" check against the span's other keys runs per span. Spans whose tokens
must be counted from text take the full path.
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
from mcp_llm_trace._internal.spancopy import attributes_view, with_attributes
from mcp_llm_trace.config import TelemetryConfig
from mcp_llm_trace.pricing import _spantext
from mcp_llm_trace.pricing.compute import (
    compute_cost,
    cost_for_entry,
    get_price_table,
    use_price_files,
)
from mcp_llm_trace.pricing.model import Cost, PricePoint, Usage
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

#: The attributes whose raw values (and types) key the fast path, in a fixed order.
_RAW_KEYS = (*(k for pair in _TOKEN_KEYS.values() for k in pair), sc.LLM_TOKEN_TOTAL)
#: "Attribute absent" in a raw-value key (absent and present-but-None differ).
_ABSENT: Any = object()
#: Shape-cache value of spans whose tokens must be counted from text (full path).
_NEEDS_TEXT: Any = object()
_NOTHING: dict[str, Any] = {}  # shared empty result: never modified


#: (cost, its attributes, every attribute added, the price point it was computed at).
_CostHit = tuple[Cost, dict[str, Any], dict[str, Any], PricePoint | None]


class _Shape:
    """What a span's raw token values decide (see the module docstring): its ``Usage``,
    the token attributes to add, and — per price point — the cost and its attributes."""

    __slots__ = ("costs", "model", "price", "provider", "resolved", "tokens", "tokens_all", "usage")

    def __init__(
        self,
        model: str | None,
        provider: str | None,
        usage: Usage,
        tokens_all: dict[str, Any],
        tokens: dict[str, Any],
        price: bool,
        resolved: Resolution | None,
    ) -> None:
        self.model = model
        self.provider = provider
        self.usage = usage
        # What the token step computes (on_cost sees it over the span's attributes) and
        # the part of it to add: none of these keys is on a span of this shape.
        self.tokens_all = tokens_all
        self.tokens = tokens
        self.price = price  # pricing on, a model, no cost total on the span yet
        self.resolved = resolved
        # id(price point) (None: unpriced) → _CostHit (which keeps the point alive).
        self.costs: dict[int | None, _CostHit] = {}


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
        # Fast path: raw-value key (see the module docstring) → _Shape or _NEEDS_TEXT.
        self._shapes: dict[tuple[Any, ...], Any] = {}

    def _check_table(self) -> None:
        table = get_price_table()
        version = table.version
        generation = (id(table), version)
        if generation != self._generation:
            self._generation = generation
            self._version = version
            self._models.clear()
            self._costs.clear()
            self._shapes.clear()

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
                # The span's own plain dict, read only (BoundedAttributes lookups cost
                # ~5x more, measured); the copy is made once, with the added keys.
                own = attributes_view(span)
                attrs: Mapping[str, Any] = own
                # Text left by our helpers when content capture is off (never exported).
                ctx = span.context
                pending = take_text(ctx.trace_id, ctx.span_id)
                if pending is not None:
                    attrs = {sc.INPUT_VALUE: pending[0], sc.OUTPUT_VALUE: pending[1], **attrs}
                extra = self._extra(attrs, span.start_time)
                out.append(with_attributes(span, extra, own) if extra else span)
            except Exception as exc:
                report_internal_error("pricing.enrich", exc)
                out.append(span)
        return out

    def enrich(self, attrs: Mapping[str, Any], start_ns: int | None = None) -> dict[str, Any]:
        """The attributes to add to a span with ``attrs`` (empty if not an LLM span)."""
        return dict(self._extra(attrs, start_ns))

    def _extra(self, attrs: Mapping[str, Any], start_ns: int | None) -> Mapping[str, Any]:
        """:meth:`enrich`, possibly returning a cached dict (read it, never modify it)."""
        found = _identify(attrs)
        if found is None:
            return _NOTHING
        embedding, model, provider = found
        get = attrs.get
        raw = tuple([get(k, _ABSENT) for k in _RAW_KEYS])
        has_cost = _has_cost(attrs)
        key = (
            model,
            provider,
            embedding,
            has_cost,
            sc.USAGE_SOURCE in attrs,
            raw,
            tuple(map(type, raw)),
        )
        try:
            shape = self._shapes.get(key)
        except TypeError:  # an unhashable value (a list, from a plain mapping)
            return self._enrich_full(attrs, start_ns, found)
        if shape is None:
            shape = self._shape(attrs, model, provider, embedding, has_cost)
            if len(self._shapes) >= _CACHE_MAX:
                self._shapes.clear()
            self._shapes[key] = shape
        if shape is _NEEDS_TEXT:
            return self._enrich_full(attrs, start_ns, found)
        if not shape.price:
            return shape.tokens  # type: ignore[no-any-return]
        return self._priced(shape, attrs, start_ns)

    def _shape(
        self,
        attrs: Mapping[str, Any],
        model: str | None,
        provider: str | None,
        embedding: bool,
        has_cost: bool,
    ) -> Any:
        """The :class:`_Shape` of a span (a cache miss), or ``_NEEDS_TEXT``."""
        n_out = _int(attrs, *_TOKEN_KEYS["output_tokens"])
        if _int(attrs, *_TOKEN_KEYS["input_tokens"]) is None or (n_out is None and not embedding):
            return _NEEDS_TEXT  # the result depends on the span's text
        extra: dict[str, Any] = {}
        usage = self._usage(attrs, model, embedding, extra)
        assert usage is not None  # the input count is known
        self._token_keys(attrs, usage, extra)
        tokens = {k: v for k, v in extra.items() if k not in attrs}
        price = bool(self.pricing_enabled and model and not has_cost)
        resolved = self._resolve(model, provider)[0] if price and model else None
        return _Shape(model, provider, usage, extra, tokens, price, resolved)

    def _priced(
        self, shape: _Shape, attrs: Mapping[str, Any], start_ns: int | None
    ) -> Mapping[str, Any]:
        """The added attributes of a span of a priced ``shape``; calls ``on_cost``."""
        cost, fragment, merged, _ = self._shape_cost(shape, start_ns)
        if fragment.keys().isdisjoint(attrs.keys()):
            extra: Mapping[str, Any] = merged
        else:  # some cost attribute is already set: never overwrite it
            extra = {**shape.tokens, **{k: v for k, v in fragment.items() if k not in attrs}}
        if self.on_cost is not None:
            try:
                # As on the full path: the computed values over the span's own.
                self.on_cost(cost, shape.usage, {**attrs, **shape.tokens_all, **fragment})
            except Exception as exc:
                report_internal_error("pricing.on_cost", exc)
        return extra

    def _shape_cost(self, shape: _Shape, start_ns: int | None) -> _CostHit:
        """(cost, its attributes, all added attributes, price point) of ``shape`` at
        ``start_ns``: cached per price point in force, i.e. per off-peak window or dated
        price change; an unpriced model has one result whatever the time."""
        if not start_ns:  # no start time: priced "now" each time, as compute_cost does
            return self._new_cost(shape, None, None)
        at: datetime | None = None
        point: PricePoint | None = None
        resolved = shape.resolved
        if resolved is not None:
            history = resolved.entry.history
            if len(history) == 1:
                point = history[0]  # what prices_at returns at any time
            else:
                at = datetime.fromtimestamp(start_ns / 1e9, timezone.utc)
                point = resolved.entry.prices_at(at.date(), at.timetz().replace(tzinfo=None))
        pkey = None if point is None else id(point)
        hit = shape.costs.get(pkey)
        if hit is None:
            if at is None:
                at = datetime.fromtimestamp(start_ns / 1e9, timezone.utc)
            hit = self._new_cost(shape, at, point)
            shape.costs[pkey] = hit  # at most one per price point of the entry
        return hit

    def _new_cost(self, shape: _Shape, at: datetime | None, point: PricePoint | None) -> _CostHit:
        assert shape.model is not None
        cost, fragment = self._cached_cost(shape.model, shape.provider, shape.usage, at)
        if fragment is None:
            fragment = self._cost_attributes(cost, shape.usage)
        return cost, fragment, {**shape.tokens, **fragment}, point

    def _enrich_full(
        self,
        attrs: Mapping[str, Any],
        start_ns: int | None,
        found: tuple[bool, str | None, str | None],
    ) -> dict[str, Any]:
        """The full path (tokens counted from text): nothing cached but the cost.
        ``found``: what :func:`_identify` said of ``attrs``."""
        embedding, model, provider = found
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

    def _resolve(self, model: str, provider: str | None) -> tuple[Resolution | None, str | None]:
        """The price-table resolution of ``model``/``provider`` and the provider to use
        (cached per table generation)."""
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
        return found

    def _cached_cost(
        self, model: str, provider: str | None, usage: Usage, at: datetime | None
    ) -> tuple[Cost, dict[str, Any] | None]:
        """``compute_cost`` with the model lookup and the arithmetic cached: the same
        model at the same price point with the same token counts costs the same.
        Returns the cost and, when cached, its attributes (``None``: not cached)."""
        resolved, use = self._resolve(model, provider)
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


def _identify(attrs: Mapping[str, Any]) -> tuple[bool, str | None, str | None] | None:
    """``(embedding, model, provider)`` of an LLM or embedding span; ``None`` for others."""
    kind = attrs.get(sc.SPAN_KIND)
    op = attrs.get(sc.GEN_AI_OPERATION_NAME)
    embedding = kind == sc.KIND_EMBEDDING or (kind is None and op in _EMBED_OPS)
    if not (embedding or kind == sc.KIND_LLM or (kind is None and op in _LLM_OPS)):
        return None
    model = _str(
        attrs,
        sc.LLM_MODEL_NAME,
        sc.GEN_AI_RESPONSE_MODEL,
        sc.GEN_AI_REQUEST_MODEL,
        sc.EMBEDDING_MODEL_NAME,
    )
    provider = _str(attrs, sc.LLM_PROVIDER, sc.GEN_AI_PROVIDER_NAME, sc.GEN_AI_SYSTEM)
    return embedding, model, provider or _str(attrs, sc.LLM_SYSTEM)
