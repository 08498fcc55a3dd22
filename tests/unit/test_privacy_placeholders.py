"""Placeholder allow-list (placeholders.yml): documentation examples and template values
survive; real secrets — also ones that happen to contain x's, 0's or a word — do not.

Real-looking keys are generated here (random, fixed seed), never copied from anywhere.
"""

from __future__ import annotations

import random
import re
import string

import pytest

from mcp_llm_trace.config import MaskPattern, PrivacyConfig
from mcp_llm_trace.privacy import Scrubber
from mcp_llm_trace.privacy.patterns import Recognizer, RecognizerSet, load_pack
from mcp_llm_trace.privacy.placeholders import Placeholders

RNG = random.Random(20261118)
B62 = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = B62) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


@pytest.fixture(scope="module", params=["presidio", "regex"])
def scrubber(request: pytest.FixtureRequest) -> Scrubber:
    return Scrubber(PrivacyConfig(presidio=request.param == "presidio"), cache_size=0)


PLACEHOLDER_LINES = [
    # AWS's documented example credentials, alone and in config shapes.
    "AKIAIOSFODNN7EXAMPLE",
    "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    '{"AccessKeyId": "AKIAI44QH8DHBEXAMPLE", "SecretAccessKey": '
    '"je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"}',
    "key id AKIAEXAMPLEKEY123456 in the tutorial",
    # Mask characters.
    "OPENAI_API_KEY=sk-proj-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    'api_key: "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"',
    "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "aws_access_key_id = AKIAXXXXXXXXXXXXXXXX",
    "password=********",
    "token: ****",
    "Authorization: Bearer xxxxxxxx.xxxxxxxx.xxxxxxxx",
    "slack: xoxb-000000000000-0000000000000-xxxxxxxxxxxxxxxxxxxxxxxx",
    # Substitutions and templates.
    'curl -H "Authorization: Bearer $(gcloud auth print-access-token)" https://api.test/v1',
    "Authorization: Bearer ${OPENAI_API_KEY}",
    "export OPENAI_API_KEY=$OPENAI_API_KEY",
    "postgres://admin:${DB_PASSWORD}@db:5432/app",
    "api_key: {{ .Values.apiKey }}",
    "token = {{ secrets.GITHUB_TOKEN }}",
    "password: <your-password>",
    "Authorization: Bearer <API_KEY>",
    "api_key=your-api-key-here",
    "OPENAI_API_KEY=sk-your-key-here",
    "client_secret = YOUR_CLIENT_SECRET",
    "password: changeme",
    "secret = REDACTED",
    "password=[REDACTED]",
    "xoxb-not-a-real-token-this-will-not-work",
    # Our own output scrubbed again.
    "api_key=[OPENAI_API_KEY]",
    "token: <GITHUB_TOKEN_1a2b3c4d>",
]


@pytest.mark.parametrize("line", PLACEHOLDER_LINES)
def test_placeholders_survive(scrubber: Scrubber, line: str) -> None:
    assert scrubber.scrub_text(line) == line


def _real_keys() -> list[tuple[str, str]]:
    """(label, key): generated keys in vendor formats, some with x's, 0's and words."""
    out = []
    for _ in range(8):
        out.append(("[OPENAI_API_KEY]", "sk-proj-" + rand(12) + "xxxx" + rand(20)))
        scattered = "".join(c + RNG.choice("xX0") for c in rand(16))
        out.append(("[OPENAI_API_KEY]", "sk-proj-" + scattered))
        out.append(("[GITHUB_TOKEN]", "ghp_" + "x" + rand(35)))
        out.append(("[GITHUB_TOKEN]", "ghp_Yourk3y" + rand(29)))  # "your" not as a word
        out.append(("[AWS_ACCESS_KEY_ID]", "AKIA" + rand(8, "XZ0") + rand(8, "ABC234567")))
        out.append(("[AWS_ACCESS_KEY_ID]", "AKIA" + "X" * 6 + rand(10, "ABCDEFGHJK234567")))
        out.append(("[SLACK_TOKEN]", "xoxb-" + rand(12, string.digits) + "-" + rand(24)))
    return out


REAL_KEYS = _real_keys()


@pytest.mark.parametrize(("label", "key"), REAL_KEYS)
def test_real_keys_with_x_or_zero_are_still_secrets(
    scrubber: Scrubber, label: str, key: str
) -> None:
    out = scrubber.scrub_text(f"config: {key} done")
    assert key not in out and label in out, out


def test_filler_share_of_generated_keys_is_below_the_threshold() -> None:
    p = Placeholders.default()
    for _, key in REAL_KEYS:
        assert not p.is_placeholder(key), key


@pytest.mark.parametrize(
    "placeholder",
    [
        "AKIAIOSFODNN7EXAMPLE",
        "OPENAI_API_KEY=${OPENAI_API_KEY}",
        "Bearer $(gcloud auth print-access-token)",
        "sk-proj-XXXXXXXXXXXXXXXXXXXXXXXX",
        "api_key=<your-key>",
    ],
)
def test_placeholder_and_real_key_in_the_same_line(scrubber: Scrubber, placeholder: str) -> None:
    key = "ghp_" + rand(36)
    aws = "AKIA" + rand(16, "ABCDEFGHJKLMNPQRSTUVWYZ234567")
    line = f"{placeholder} GITHUB_TOKEN={key} id {aws}"
    out = scrubber.scrub_text(line)
    assert placeholder in out, out
    assert key not in out and aws not in out, out


def test_a_real_key_inside_a_template_is_still_a_secret(scrubber: Scrubber) -> None:
    key = "ghp_" + rand(36)
    out = scrubber.scrub_text(f"token: {{{{ '{key}' }}}}")
    assert key not in out and "[GITHUB_TOKEN]" in out, out


def test_applies_to_any_secret_recognizer() -> None:
    """Central rule: a recognizer added later (another pack) gets it without any change."""
    s = Scrubber(PrivacyConfig(presidio=False), cache_size=0)
    acme = Recognizer(
        name="acme_token",
        entity="ACME_TOKEN",
        regex=re.compile(r"(?<![A-Za-z0-9_])acme_[A-Za-z0-9]{24}(?![A-Za-z0-9])"),
        prefilter=("acme_",),
    )
    s._secrets = (*s._secrets, acme)
    s._secret_set = RecognizerSet(s._secrets)  # the one-pass prefilter index
    real = "acme_" + rand(24)
    out = s.scrub_text(f"acme_{'x' * 24} acme_{'0' * 24} {real}")
    assert out == f"acme_{'x' * 24} acme_{'0' * 24} [ACME_TOKEN]"


def test_pii_and_user_masks_are_not_exempt() -> None:
    s = Scrubber(
        PrivacyConfig(presidio=False, mask_patterns=(MaskPattern(r"changeme", "[MASKED]"),)),
        cache_size=0,
    )
    # A documentation card number and a placeholder-ish e-mail are still PII.
    out = s.scrub_text("card 4111 1111 1111 1111, mail your-name@example.com, changeme")
    assert out == "card [CREDIT_CARD], mail [EMAIL], [MASKED]"


def test_fail_closed_on_urls_and_connection_strings(scrubber: Scrubber) -> None:
    # Words such as "example" say nothing about the password next to them.
    pw = rand(12)
    for line in (
        f"DSN=postgres://app:{pw}@db.example.com/app",
        f"https://admin:{pw}@example.org/dav",
        f"connection_string = Server=example.database.windows.net;Password={pw};",
    ):
        assert pw not in scrubber.scrub_text(line), line


def test_is_placeholder_forms() -> None:
    p = Placeholders.default()
    yes = [
        "AKIAIOSFODNN7EXAMPLE",
        "'sk-xxxxxxxxxxxxxxxx'",
        "Bearer ${TOKEN}",
        "Token `vault read -field=token secret/ci`",
        "%(password)s",
        "{password}",
        "[SECRET]",
        "null",
        "0000-0000-0000-0000",
        "••••••••",
    ]
    no = [
        "sk-" + rand(32),
        "Bearer " + rand(40),
        "xoxb-" + rand(10, string.digits) + "-" + rand(20),
        "s3cr3t-Pa55",
        "x" + rand(30),
    ]
    for v in yes:
        assert p.is_placeholder(v), v
    for v in no:
        assert not p.is_placeholder(v), v


def test_data_file_is_well_formed() -> None:
    tables = load_pack("placeholders.yml").tables
    assert tables["version"] == 1
    for pattern in tables["patterns"]:
        re.compile(pattern)
    assert "AKIAIOSFODNN7EXAMPLE" in tables["examples"]
    assert 0.5 <= tables["filler_share"] < 1 and tables["filler_min"] >= 3
    # No word in the list may be a vendor prefix or a common token part.
    assert not {"sk", "test", "live", "key", "token", "api"} & set(tables["words"])
