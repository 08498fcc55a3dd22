"""Scrubber: text, JSON-like values, report, pseudonyms, config switches, caching."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from mcp_llm_trace.config import MaskPattern, PrivacyConfig, load_config
from mcp_llm_trace.privacy import Scrubber

EXAMPLES = "/work/shared/examples/observability.yaml"


@pytest.fixture(scope="module")
def scrubber() -> Scrubber:
    return Scrubber.from_config()


@pytest.fixture(scope="module")
def regex_scrubber() -> Scrubber:
    return Scrubber(PrivacyConfig(presidio=False))


@pytest.mark.parametrize("mode", ["presidio", "regex"])
def test_structured_pii_replaced_by_type_labels(
    mode: str, scrubber: Scrubber, regex_scrubber: Scrubber
) -> None:
    s = scrubber if mode == "presidio" else regex_scrubber
    text = (
        "Mail jane.doe@example.org or call +44 20 7946 0958. Card 4111-1111-1111-1111, "
        "SSN 536-22-8751, IBAN GB82 WEST 1234 5698 7654 32, "
        "from 203.0.113.77 / 2001:db8::8a2e:370:7334."
    )
    out = s.scrub_text(text)
    for label in ("[EMAIL]", "[PHONE]", "[CREDIT_CARD]", "[SSN]", "[IBAN]", "[IP]"):
        assert label in out, (label, out)
    for raw in (
        "jane.doe",
        "7946 0958",
        "4111-1111",
        "536-22-8751",
        "WEST 1234",
        "203.0.113.77",
        "2001:db8",
    ):
        assert raw not in out


def test_secrets_in_prompt_and_plain_technical_text_untouched(scrubber: Scrubber) -> None:
    key = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
    assert (
        scrubber.scrub_text(f"my key is {key}, why 401?") == "my key is [OPENAI_API_KEY], why 401?"
    )
    technical = (
        "gpt-4o-2024-08-06 v1.2.3 2024-01-15T10:00:00Z "
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    )
    assert scrubber.scrub_text(technical) == technical


def test_scrub_value_masks_sensitive_keys_and_keeps_numbers(scrubber: Scrubber) -> None:
    value = {
        "user": {"email": "ann@example.com", "Password": "hunter22", "age": 41},
        "headers": {"Authorization": "Bearer x", "X-Request-Id": "r-1"},
        "usage": {"prompt_tokens": 12, "max_tokens": 100, "token_count": 5},
        "items": ["call 212-555-0198 now", 3.5, None, True],
        "db_password": 1234,
    }
    out = scrubber.scrub_value(value)
    assert out["user"] == {"email": "[EMAIL]", "Password": "[PASSWORD]", "age": 41}
    assert out["headers"]["Authorization"] == "[SECRET]"
    assert out["headers"]["X-Request-Id"] == "r-1"
    assert out["usage"] == value["usage"]
    assert out["items"][1:] == [3.5, None, True]
    assert "555-0198" not in out["items"][0]
    assert out["db_password"] == "[PASSWORD]"
    assert value["user"]["Password"] == "hunter22"  # input not modified


def test_analyze_reports_types_and_positions_not_values(scrubber: Scrubber) -> None:
    text = "write to a.b@example.com with token ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    report = scrubber.analyze(text)
    assert report.counts == {"EMAIL_ADDRESS": 1, "GITHUB_TOKEN": 1}
    assert report.total == 2
    start, end, entity = report.findings[0]
    assert text[start:end] == "a.b@example.com"
    assert entity == "EMAIL_ADDRESS"
    assert "example.com" not in str(report.to_dict())
    assert report.engine == "presidio:pattern"


def test_pseudonyms_are_stable_keyed_and_distinct() -> None:
    a = Scrubber(PrivacyConfig(pseudonymize=True, pseudonym_secret="k1", presidio=False))
    b = Scrubber(PrivacyConfig(pseudonymize=True, pseudonym_secret="k2", presidio=False))
    one = a.scrub_text("from ann@example.com")
    assert one == a.scrub_text("from ann@example.com")
    assert one.startswith("from <EMAIL_")
    assert one.endswith(">")
    assert one != a.scrub_text("from bob@example.com")
    assert one != b.scrub_text("from ann@example.com")


def test_seed_yaml_mask_patterns_and_sensitive_fields_apply() -> None:
    cfg = load_config(EXAMPLES, environ={})
    s = Scrubber.from_config(cfg)
    assert s.scrub_text("ssn 078-05-1120 here") == "ssn [SSN] here"  # seed mask_pattern
    assert s.scrub_value({"credit_card": "x", "note": "ok"}) == {
        "credit_card": "[REDACTED]",
        "note": "ok",
    }


def test_custom_mask_pattern_replacement_and_allow_list() -> None:
    privacy = PrivacyConfig(
        mask_patterns=(MaskPattern(r"\bEMP-\d{6}\b", "[EMPLOYEE_ID]"),),
        allow_list=("support@example.com",),
        presidio=False,
    )
    s = Scrubber(privacy)
    assert (
        s.scrub_text("EMP-123456 wrote support@example.com")
        == "[EMPLOYEE_ID] wrote support@example.com"
    )
    assert s.analyze("EMP-123456").counts == {"EMPLOYEE_ID": 1}


def test_assignments_in_text_but_not_code(scrubber: Scrubber) -> None:
    assert scrubber.scrub_text('DB_PASSWORD="pa55word!"') == 'DB_PASSWORD="[PASSWORD]"'
    assert scrubber.scrub_text("--api-key 9f8e7d6c5b") == "--api-key [SECRET]"
    code = (
        'def f(password: str) -> None:\n    key = os.environ["API_KEY"]\n'
        "    login(password=password)"
    )
    assert scrubber.scrub_text(code) == code


def test_already_scrubbed_output_is_not_rescanned(regex_scrubber: Scrubber) -> None:
    out = regex_scrubber.scrub_text("ping 198.51.100.23 for zed@example.net")
    hits = regex_scrubber._cache.hits
    assert regex_scrubber.scrub_text(out) == out
    assert regex_scrubber._cache.hits == hits + 1


def test_presidio_switch_off_uses_regex_engine(regex_scrubber: Scrubber) -> None:
    assert regex_scrubber.engine_status == "regex"
    assert regex_scrubber.analyze("x").ner == "off"


def test_entities_are_configurable() -> None:
    s = Scrubber(PrivacyConfig(entities=("EMAIL_ADDRESS",), presidio=False))
    assert s.scrub_text("a@example.com 203.0.113.9") == "[EMAIL] 203.0.113.9"


def test_importing_the_package_does_not_import_presidio_or_spacy() -> None:
    code = (
        "import sys, mcp_llm_trace, mcp_llm_trace.privacy as p;"
        "p.Scrubber.from_config();"
        "bad=[m for m in ('presidio_analyzer','spacy','tldextract') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.slow
def test_ner_mode_finds_person_names() -> None:
    s = Scrubber(
        replace(PrivacyConfig(), ner=True, entities=(*PrivacyConfig().effective_entities, "PERSON"))
    )
    out = s.scrub_text("Yesterday Angela Merkel met Barack Obama in Berlin.")
    assert s.presidio is not None
    assert s.presidio.ner_status == "on"
    assert "Obama" not in out
    assert "[PERSON]" in out
