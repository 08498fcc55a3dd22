"""``string_slices``: the string tokens of a JSON document, or None when unsafe."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from mcp_llm_trace.privacy.cache import PieceCache
from mcp_llm_trace.privacy.jsonslices import string_slices


def test_slices_are_the_inside_of_every_string_token() -> None:
    doc = json.dumps([{"role": "user", "content": 'say "hi"\nnow'}])
    slices = string_slices(doc)
    assert slices is not None
    assert [doc[a:b] for a, b in slices] == ["role", "user", "content", 'say \\"hi\\"\\nnow']


def test_literals_and_structure_are_allowed_between_strings() -> None:
    doc = '{"a": true, "b": null, "c": [false, "x"]}'
    slices = string_slices(doc)
    assert slices is not None
    assert [doc[a:b] for a, b in slices] == ["a", "b", "c", "x"]


def test_anything_else_between_strings_means_whole_text() -> None:
    assert string_slices('{"a": 1}') is None  # numbers are analysed with the whole text
    assert string_slices('[note] mail bob@example.com "x" [end]') is None
    assert string_slices("plain text") is None
    assert string_slices('["unterminated]') is None
    assert string_slices("") is None


@given(
    st.recursive(
        st.none() | st.booleans() | st.text(),
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(), kids, max_size=4),
        max_leaves=12,
    ).filter(lambda v: isinstance(v, (list, dict)))
)
def test_every_string_of_a_number_free_document_is_covered(value: object) -> None:
    doc = json.dumps(value)
    slices = string_slices(doc)
    assert slices is not None
    strings: list[str] = []

    def walk(v: object) -> None:
        if isinstance(v, str):
            strings.append(v)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for k, x in v.items():
                strings.append(k)
                walk(x)

    walk(value)
    assert [json.loads(f'"{doc[a:b]}"') for a, b in slices] == [s for s in strings if s]


def test_piece_cache_is_bounded_and_lru() -> None:
    cache = PieceCache(max_entries=2)
    cache.put(b"a", ())
    cache.put(b"b", (1,))
    assert cache.get(b"a") == ()
    cache.put(b"c", (2,))  # evicts b, the least recently used
    assert cache.get(b"b") is None
    assert cache.get(b"a") == () and cache.get(b"c") == (2,)
    assert len(cache) == 2


def _reference_slices(text: str) -> list[tuple[int, int]] | None:
    """The first implementation: one string token at a time, each gap checked alone."""
    import re

    string = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
    structure = re.compile(r"(?:[\s\[\]{},:]|true|false|null)*")
    if len(text) < 2 or text[0] not in "[{" or text[-1] not in "]}":
        return None
    out: list[tuple[int, int]] = []
    pos = 0
    for m in string.finditer(text):
        start, end = m.span()
        if start > pos and structure.fullmatch(text, pos, start) is None:
            return None
        if end - start > 2:
            out.append((start + 1, end - 1))
        pos = end
    if pos < len(text) and structure.fullmatch(text, pos) is None:
        return None
    return out


_JSONISH = st.lists(
    st.sampled_from(
        [
            '"',
            "\\",
            '\\"',
            "a",
            " ",
            ",",
            ":",
            "[",
            "]",
            "{",
            "}",
            "tr",
            "ue",
            "null",
            "\n",
            "1",
            "é",
        ]
    ),
    max_size=30,
).map(lambda parts: "[" + "".join(parts) + "]")


@given(_JSONISH)
def test_one_pass_slices_equal_the_reference_on_generated_text(text: str) -> None:
    assert string_slices(text) == _reference_slices(text)


@given(
    st.recursive(
        st.none() | st.booleans() | st.text(),
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(), kids, max_size=4),
        max_leaves=12,
    ).filter(lambda v: isinstance(v, (list, dict))),
    st.booleans(),
)
def test_one_pass_slices_equal_the_reference_on_documents(value: object, compact: bool) -> None:
    doc = json.dumps(value, separators=(",", ":") if compact else None, ensure_ascii=compact)
    assert string_slices(doc) == _reference_slices(doc)
    broken = doc[:-1] + "x" + doc[-1]  # data after the last token
    assert string_slices(broken) == _reference_slices(broken)
