"""The external scrubbing corpus (tests/corpus/external): issue-18 targets and the yardstick.

The three target tests measure the default scrubber; they are expected to fail until the
issue-18 recognizers (public secret rules, PII profiles, placeholder allow-list) are
merged — then set ``RECOGNIZERS_MERGED = True`` and the xfail marks go away. The other
tests check the corpus and the evaluator themselves and must always pass.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from tests.corpus.external import build, identifiers
from tests.corpus.external import evaluate as ev

#: Flip when the issue-18 recognizers are merged: the targets then must hold.
RECOGNIZERS_MERGED = True
_pending = pytest.mark.xfail(
    not RECOGNIZERS_MERGED, strict=False, reason="issue 18 recognizers not merged yet"
)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return ev.load_corpus()


@pytest.fixture(scope="module")
def result(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return ev.run(rows=rows)


def _worst(result: dict[str, Any], part: str) -> list[tuple[str, float]]:
    fams = [f for f in result["families"] if f["part"] == part and f["failed"]]
    return [(f["family"], round(f["recall"], 2)) for f in sorted(fams, key=lambda f: f["recall"])][
        :15
    ]


@_pending
def test_secrets_leak_at_most_2_percent(result: dict[str, Any]) -> None:
    pct = result["summary"]["secret_leak_pct"]
    assert pct <= ev.TARGETS["secret_leak_pct"], (pct, _worst(result, "secret"))


@_pending
def test_structured_pii_leak_at_most_2_percent(result: dict[str, Any]) -> None:
    pct = result["summary"]["pii_leak_pct"]
    assert pct <= ev.TARGETS["pii_leak_pct"], (pct, _worst(result, "pii"))


@_pending
def test_control_damage_at_most_1_percent(result: dict[str, Any]) -> None:
    pct = result["summary"]["control_damage_pct"]
    damaged = [(f["text"], f["out"]) for f in result["failures"] if f["part"] == "control"]
    assert pct <= ev.TARGETS["control_damage_pct"], (pct, damaged[:10])


@pytest.mark.skipif(
    sys.version_info < (3, 11), reason="corpus.jsonl is built with CPython 3.11's re parser"
)
def test_corpus_file_is_up_to_date() -> None:
    assert build.check(), "stale: run python -m tests.corpus.external.build"


def test_corpus_has_the_promised_size(rows: list[dict[str, Any]]) -> None:
    parts = {p: [r for r in rows if r["part"] == p] for p in ("secret", "pii", "control")}
    assert len(parts["secret"]) >= 550
    assert len({r["kind"] for r in parts["secret"]}) >= 150
    assert len(parts["pii"]) >= 200
    assert len(parts["control"]) >= 500
    assert all(r["expect"] == "redact" and r["secret_values"] for r in parts["secret"])
    assert all(r["expect"] == "keep" and not r["secret_values"] for r in parts["control"])
    assert all(v in r["text"] for r in rows for v in r["secret_values"])
    assert len({r["id"] for r in rows}) == len(rows)


def test_every_secret_record_is_a_gitleaks_true_positive(rows: list[dict[str, Any]]) -> None:
    rules = {r.id: r for r in build.load_rules()[0]}
    for row in rows:
        if row["source"] != "gitleaks":
            continue
        rule = rules[row["kind"]]
        value = row["secret_values"][0]
        pos = row["text"].find(value)
        assert build.reported(rule, row["text"], pos, pos + len(value)), row["id"]


def test_controls_pass_every_gitleaks_rule(rows: list[dict[str, Any]]) -> None:
    """Real-repository controls are clean by the upstream rule set (placeholders aside:
    some of them are gitleaks false positives on purpose)."""
    rules = [r for r in build.load_rules()[0] if r.id != "sourcegraph-access-token"]
    for row in rows:
        if row["part"] != "control" or row["family"] == "documented placeholder":
            continue
        text = row["text"]
        hits = [r.id for r in rules if build.reported(r, text, 0, len(text))]
        assert not hits, (row["id"], text, hits)


def test_identifiers_pass_presidio_validators(rows: list[dict[str, Any]]) -> None:
    """Check digits computed by the builder are accepted by an independent implementation."""
    pr = pytest.importorskip("presidio_analyzer.predefined_recognizers")
    recognizers = {
        "crypto wallet": pr.CryptoRecognizer(),  # Bitcoin only: Ethereum is checked below
        "IBAN": pr.IbanRecognizer(),
        "credit card": pr.CreditCardRecognizer(),
        "ABA routing number": pr.AbaRoutingRecognizer(),
        "UK NHS number": pr.NhsRecognizer(),
        "US NPI": pr.UsNpiRecognizer(),
        "US MBI": pr.UsMbiRecognizer(),
        "UK NINO": pr.UkNinoRecognizer(),
        "MAC address": pr.MacAddressRecognizer(),
        "US ITIN": pr.UsItinRecognizer(),
        "US SSN": pr.UsSsnRecognizer(),
    }
    checked = 0
    for row in rows:
        rec = recognizers.get(row["family"])
        if rec is None or row["kind"] == "eth":
            continue
        value = row["secret_values"][0]
        found = rec.analyze(row["text"], entities=rec.supported_entities, nlp_artifacts=None)
        spans = [row["text"][x.start : x.end] for x in found if x.score > 0]
        assert any(value in s for s in spans), (row["family"], value, spans)
        checked += 1
    assert checked >= 140


def test_ethereum_addresses_carry_eip55_checksums(rows: list[dict[str, Any]]) -> None:
    # EIP-55's own example vector checks the bundled Keccak-256 first.
    addr = "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
    digest = identifiers.keccak256(addr.encode()).hex()
    mixed = "".join(
        c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(addr)
    )
    assert mixed == "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    for row in rows:
        if row["kind"] != "eth":
            continue
        body = row["secret_values"][0][2:]
        if body != body.lower():
            d = identifiers.keccak256(body.lower().encode()).hex()
            want = "".join(
                c.upper() if c.isalpha() and int(d[i], 16) >= 8 else c
                for i, c in enumerate(body.lower())
            )
            assert body == want, row["id"]


def test_evaluator_counts_leaks_and_damage(rows: list[dict[str, Any]]) -> None:
    sample = [r for r in rows if r["part"] == "secret"][:20]
    sample += [r for r in rows if r["part"] == "pii"][:10]
    sample += [r for r in rows if r["part"] == "control"][:10]

    def oracle(text: str) -> str:
        for r in sample:
            if r["text"] == text:
                for v in r["secret_values"]:
                    text = text.replace(v, "[X]")
        return text

    def tail_only(text: str) -> str:  # masks the last quarter of each value: still a leak
        for r in sample:
            if r["text"] == text:
                for v in r["secret_values"]:
                    text = text.replace(v, v[: len(v) * 3 // 4] + "[X]")
        return text

    identity = ev.evaluate(lambda t: t, sample)["summary"]
    assert identity["secret_leak_pct"] == 100.0
    assert identity["pii_leak_pct"] == 100.0
    assert identity["control_damage_pct"] == 0.0
    perfect = ev.evaluate(oracle, sample)["summary"]
    assert perfect["secret_leak_pct"] == perfect["pii_leak_pct"] == 0.0
    assert ev.evaluate(tail_only, sample)["summary"]["secret_leak_pct"] == 100.0
    damage = ev.evaluate(lambda t: t + " ", sample)["summary"]
    assert damage["control_damage_pct"] == 100.0


def test_markdown_table_replaces_only_the_marked_block(tmp_path: Any) -> None:
    doc = tmp_path / "privacy.md"
    doc.write_text(f"# Privacy\n\nbefore\n\n{ev.START}\nold\n{ev.END}\n\nafter\n")
    fake = {
        "date": "2026-01-01",
        "commit": "abc",
        "src_commit": "def",
        "scrubber": {"engine": "regex", "profile": "default"},
        "summary": {
            "secret_leak_pct": 1.0,
            "pii_leak_pct": 2.0,
            "control_damage_pct": 0.5,
            "kb_per_s": 100.0,
            "kb": 10.0,
        },
        "parts": {p: {"n": 3, "failed": 1} for p in ev.PARTS},
        "families": [{"part": "secret", "family": "Slack", "n": 3, "recall": 0.67}],
    }
    ev.write_markdown(ev.markdown(fake), doc)
    ev.write_markdown(ev.markdown(fake), doc)
    text = doc.read_text()
    assert text.startswith("# Privacy\n\nbefore\n") and text.endswith("\n\nafter\n")
    assert text.count(ev.START) == 1 and "old" not in text
    assert "| secrets | Slack | 3 | 0.67 | – |" in text


def test_profile_option_is_tolerated() -> None:
    _scrubber, info = ev.make_scrubber(profile="strict", presidio=False)
    assert info["profile"] == "strict" or info["profile"].startswith("unsupported")
