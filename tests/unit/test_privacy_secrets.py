"""secrets.yml recognizers: each fires on its format and stays quiet on look-alikes."""

from __future__ import annotations

import pytest

from mcp_llm_trace.config import PrivacyConfig
from mcp_llm_trace.privacy import Scrubber
from mcp_llm_trace.privacy.patterns import VALIDATORS, load_pack

A36 = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"

POSITIVE = [
    ("GOOGLE_API_KEY", "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"),
    ("AWS_ACCESS_KEY_ID", "AKIA" + "2E0A8F3B244C9986"),  # not AWS's EXAMPLE key: a placeholder
    (
        "AWS_SECRET_ACCESS_KEY",
        "aws_secret_access_key = " + "Zr4Tq8Vb1Nw6Ys3Kp0Hc7Jd2Lf5Gm9Xa/Qe+Ru8B",
    ),
    ("GITHUB_TOKEN", "ghp_" + A36),
    ("GITLAB_TOKEN", "glpat-" + "xYz12AbC34dEf56GhI78"),
    ("SLACK_TOKEN", "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
    ("STRIPE_KEY", "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"),
    ("TWILIO_KEY", "AC" + "0123456789abcdef0123456789abcdef"),
    (
        "SENDGRID_KEY",
        "SG." + "ngeVfQFYQlKU0ufo8x5d1A" + "." + "TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr",
    ),
    ("HUGGINGFACE_TOKEN", "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"),
    (
        "JWT",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
    ("BEARER_TOKEN", "Bearer abc123.def456-ghi"),
    ("BASIC_AUTH", "Basic dXNlcjpwYXNzd29yZA=="),
    ("PASSWORD", "https://admin:Sup3r$ecret@db.internal/x"),
    ("PASSWORD", "my password is Tr0ub4dor&3"),
    (
        "AZURE_KEY",
        "AccountKey="
        + "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq"
        + "/K1SZFPTOtr/KBHBeksoGMGw==",
    ),
    ("OPENAI_API_KEY", "sk-proj-" + A36),
    ("ANTHROPIC_API_KEY", "sk-ant-api03-" + A36 + A36),
    (
        "PRIVATE_KEY",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1b2\n-----END RSA PRIVATE KEY-----",
    ),
    ("PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC (truncated"),
]

NEGATIVE = [
    "sk-learn is a library; see sk-some-kebab-case-words-here",
    "Bearer authentication and Basic authentication are HTTP schemes",
    "The password is required and the secret is simple",
    "AKIA is the prefix of an access key id",
    "ghp_short and xoxb-1 are truncated examples",
    "my password is {password}",
]


@pytest.fixture(scope="module")
def scrubber() -> Scrubber:
    return Scrubber(PrivacyConfig(presidio=False))


@pytest.mark.parametrize(
    ("entity", "text"), POSITIVE, ids=[f"{e}-{i}" for i, (e, _) in enumerate(POSITIVE)]
)
def test_secret_is_found(scrubber: Scrubber, entity: str, text: str) -> None:
    report = scrubber.analyze(f"context: {text} end")
    assert entity in report.counts, (entity, report.counts)


@pytest.mark.parametrize("text", NEGATIVE)
def test_lookalikes_are_left_alone(scrubber: Scrubber, text: str) -> None:
    assert scrubber.scrub_text(text) == text


def test_pack_is_well_formed_and_prefilters_admit_positives() -> None:
    pack = load_pack("secrets.yml")
    names = [r.name for r in pack.recognizers]
    assert len(names) == len(set(names))
    assert {"PASSWORD", "SECRET"} <= set(pack.tables["assignment_keys"])
    assert all(r.validator is None or r.validator in VALIDATORS.values() for r in pack.recognizers)
    for entity, text in POSITIVE:
        lowered = text.lower()
        hits = [r for r in pack.recognizers if r.entity == entity and list(r.find(text, lowered))]
        if entity != "PASSWORD" or "://" in text or " is " in text:
            assert hits, (entity, text)


def test_pem_without_end_line_is_replaced_to_the_end(scrubber: Scrubber) -> None:
    out = scrubber.scrub_text("key:\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhk")
    assert out == "key:\n[PRIVATE_KEY]"
