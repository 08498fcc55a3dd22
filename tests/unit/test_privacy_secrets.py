"""secrets.yml recognizers: each fires on its format and stays quiet on look-alikes."""

from __future__ import annotations

import re

import pytest

from mcp_llm_trace.config import PrivacyConfig
from mcp_llm_trace.privacy import Scrubber
from mcp_llm_trace.privacy.patterns import (
    VALIDATORS,
    Recognizer,
    _with_defaults,
    compile_recognizer,
    load_pack,
    resolve_validator,
    shannon_entropy,
)

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


# Keyword-anchored generic secrets (generic_secret_assignment and the key/value attribute
# form): key names that end in a secret word, in shapes the assignment keys do not match.
GENERIC_POSITIVE = [
    '"clientSecret": "9fK2mQ7xL0pR4tV8wZ"',
    'const apiToken = "a8F3kL0qW9zX2mN7"',
    "PGPASSWORD=Xk29fLq0Zm",
    "SECRET_KEY_BASE=8d7f6a5b4c3e2f1a0b9c8d7e",
    'consumerSecret := "Lq0Zm82hXk29fLq0"',
    "secretAccessKey: 'wJa1rXUtnFEMIK7MDENGbPxRfiCY'",
    '<add key="ClientSecret" value="Lq0Zm82hXk29fLq0"/>',
    'mySecretValue = "R4nd0m-V4lu3-h3r3"',
    '{\\"appSecret\\": \\"Zq81-kL0x_93Jd\\"}',
    "TWITTER_CONSUMER_KEY ?= Qw9eR8tY7uI6oP5a",
    "signingKey: 7f3a9c1e5b2d8f4a6c0e",
]

GENERIC_NEGATIVE = [
    "token_count = 42",
    "password = None",
    "secret_name: my-secret",
    'tokenizer = "cl100k_base"',
    'accessToken = response.json()["access_token"]',
    "apiKey: string",
    "this.clientSecret = clientSecret",
    "app.secret_key = os.urandom(24)",
    "AUTH_TOKEN_TTL=3600",
    "max_tokens: 4096",
    "secretPath: /var/run/secrets/app",
    'apiKeyUrl = "https://example.com/keys"',
    "const clientSecret = process.env.CLIENT_SECRET",
    "refreshToken: Optional[str] = None",
    "tokens = tokenizer.encode(text)",
    "idToken: ${ID_TOKEN}",
    "userPassword = getpass.getpass()",
    'accessKey: "<your-access-key>"',
    'authToken = "****************"',
    'sessionToken = "2024-06-01T10:00:00Z"',
    "privateKey: ./keys/private.pem",
    'appKey = config.get("app_key")',
    'cacheKey = f"{user_id}:{session}"',
    'nextPageToken = "CiAKGjBpNDd2Nmp2"',
    'appToken = "unknown_%d" % code',
    'notes = "Maven - io.jsonwebtoken:jjwt-jackson-0.11.2"',
    "dependency: io.jsonwebtoken:jjwt-api:0.11.5",
    'publicToken = "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit"',
    "csrfToken=Mj2qykJO5rELyHgezQ69nzUX0i3OH67V7+V4eUrLfpu",
    "pageToken: CiAKGjBpNDd2Nmp2Zml2cXRw",
    "redisPassword:6379",
]


@pytest.mark.parametrize("text", GENERIC_POSITIVE)
def test_generic_secret_assignment_is_found(scrubber: Scrubber, text: str) -> None:
    report = scrubber.analyze(text)
    assert "SECRET" in report.counts, (text, report.counts)
    value = re.findall(r"[A-Za-z0-9_+/=-]{8,}", text)[-1]
    assert value not in scrubber.scrub_text(text)


@pytest.mark.parametrize("text", GENERIC_NEGATIVE)
def test_generic_secret_assignment_leaves_code_alone(scrubber: Scrubber, text: str) -> None:
    assert scrubber.scrub_text(text) == text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Xk29fLq0Zm", True),
        ("8d7f6a5b4c3e2f1a0b9c", True),
        ("my-secret-name", False),  # a word / identifier
        ("2024-06-01", False),  # no letter
        ("hunter22", False),  # entropy 2.75 < 3
        ("aaaaBBBB1111", False),  # entropy 2 < 3
        ("https://x.example/abc1", False),
        ("os.environ[KEY]", False),
        ("${SECRET_VALUE}", False),
        ("xxxxxxxx1234", False),
        ("jjwt-jackson-0.11.2", False),  # a name with a version
        ("openai:1.40.0", False),
    ],
)
def test_secret_like_validator(value: str, expected: bool) -> None:
    assert VALIDATORS["secret_like"](value) is expected


# Recognizer features used by the generated pack (patterns.py).


def _rec(**spec: object) -> Recognizer:
    return compile_recognizer({"name": "t", "entity": "T", **spec}, origin="test")


def _found(r: Recognizer, text: str) -> list[str]:
    return [text[f.start : f.end] for f in r.find(text, text.lower())]


def test_first_group_is_the_first_non_empty_capture() -> None:
    r = _rec(regex=r"a=(\w+)|b=(\w+)", group="first")
    assert _found(r, "a=xyz b=uvw") == ["xyz", "uvw"]


def test_allow_lists_drop_findings() -> None:
    r = _rec(regex=r"k=(\w+)", group=1, allow=[r"EXAMPLE$"], stopwords=["dummy"])
    assert _found(r, "k=AKIAEXAMPLE k=xdummyx k=real1") == ["real1"]
    m = _rec(regex=r"(\w+)=(\w+)", group=2, allow_match=[r"^public"])
    assert _found(m, "public=abc private=def") == ["def"]


def test_entropy_validator_is_parametrised() -> None:
    strict, loose = resolve_validator("entropy>3"), resolve_validator("entropy>=3")
    assert shannon_entropy("abcdefgh") == 3.0
    assert not strict("abcdefgh") and loose("abcdefgh")
    assert resolve_validator("entropy>3") is strict  # cached: one object per name
    with pytest.raises(KeyError):
        resolve_validator("entropy<3")
    r = _rec(regex=r"v=(\w+)", group=1, validator=["has_digit", "entropy>2.5"])
    assert _found(r, "v=aaaa1 v=abcdef12") == ["abcdef12"]


def test_lowercase_recognizers_match_any_case_and_keep_offsets() -> None:
    r = _rec(regex=r"secret=(?P<v>[a-z0-9]+)", group="v", lowercase=True)
    assert _found(r, "SeCrEt=AbC123 x") == ["AbC123"]
    assert _found(r, "İ secret=Ab1") == ["Ab1"]  # lower() changes the length: IGNORECASE path
    with pytest.raises(ValueError, match="lowercase"):
        _rec(regex=r"Secret=(\w+)", lowercase=True)


def test_pack_defaults_are_merged() -> None:
    merged = _with_defaults(
        {"allow": ["b"], "flags": ["ASCII"]}, {"allow": ["a"], "flags": ["ASCII"]}
    )
    assert merged == {"allow": ["a", "b"], "flags": ["ASCII"]}
