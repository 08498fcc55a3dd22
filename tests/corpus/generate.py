"""Generate the scrubbing test corpus (fixed seed; re-run to refresh ``corpus.jsonl``).

Each line: ``{"id", "kind": "pii"|"secret"|"control", "context", "text",
"expected": [{"type", "value"}]}``. ``expected`` lists the sensitive substrings that must
not survive scrubbing; controls have none and must come out unchanged.

    .venv/bin/python tests/corpus/generate.py > tests/corpus/corpus.jsonl
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import random
import string
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from faker import Faker

SEED = 20261106
LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "en_IN", "es_ES", "it_IT", "nl_NL"]
PHONE_LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "en_IN"]  # the configured regions
IBAN_LOCALES = ["de_DE", "fr_FR", "en_GB", "es_ES", "it_IT", "nl_NL"]

rng = random.Random(SEED)
Faker.seed(SEED)
fakers = {loc: Faker(loc) for loc in LOCALES}
fake = fakers["en_US"]


END = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)  # Faker's default is "now"


def iso8601() -> str:
    return fake.iso8601(end_datetime=END)


def rand(chars: str, n: int) -> str:
    return "".join(rng.choice(chars) for _ in range(n))


ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# ------------------------------------------------------------------ PII values


def pii_values() -> Iterator[tuple[str, str]]:
    for _ in range(40):
        f = fakers[rng.choice(LOCALES)]
        yield "EMAIL_ADDRESS", rng.choice([f.email(), f.free_email(), f.company_email()])
    for _ in range(10):
        yield (
            "EMAIL_ADDRESS",
            f"{fake.first_name().lower()}.{fake.last_name().lower()}+{rand(string.ascii_lowercase, 4)}@{fake.domain_word()}.co.uk",
        )
    for _ in range(60):
        loc = rng.choice(PHONE_LOCALES)
        yield "PHONE_NUMBER", fakers[loc].phone_number()
    for _ in range(40):
        num = fake.credit_card_number(
            card_type=rng.choice(
                ["visa16", "mastercard", "amex", "discover", "jcb16", "visa13", "diners"]
            )
        )
        style = rng.random()
        if style < 0.3 and len(num) == 16:
            num = " ".join(num[i : i + 4] for i in range(0, 16, 4))
        elif style < 0.5 and len(num) == 16:
            num = "-".join(num[i : i + 4] for i in range(0, 16, 4))
        yield "CREDIT_CARD", num
    for _ in range(40):
        yield "US_SSN", fake.ssn()
    for _ in range(40):
        iban = fakers[rng.choice(IBAN_LOCALES)].iban()
        if rng.random() < 0.4:
            iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        yield "IBAN_CODE", iban
    for _ in range(25):
        yield "IP_ADDRESS", rng.choice([fake.ipv4_public(), fake.ipv4_private()])
    for _ in range(15):
        yield "IP_ADDRESS", fake.ipv6()


# ------------------------------------------------------------------ secret values


def jwt() -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(
        json.dumps(
            {"sub": str(rng.randint(1, 10**9)), "iat": rng.randint(1_600_000_000, 1_800_000_000)}
        ).encode()
    )
    return f"{header}.{payload}.{b64url(rng.randbytes(32))}"


def pem() -> str:
    body = "\n".join(base64.b64encode(rng.randbytes(48)).decode() for _ in range(6))
    kind = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"


SECRET_MAKERS: dict[str, Callable[[], str]] = {
    "OPENAI_API_KEY": lambda: rng.choice(["sk-", "sk-proj-", "sk-svcacct-"]) + rand(URLSAFE, 48),
    "ANTHROPIC_API_KEY": lambda: "sk-ant-api03-" + rand(URLSAFE, 93) + "AA",
    "GOOGLE_API_KEY": lambda: "AIza" + rand(URLSAFE, 35),
    "AWS_ACCESS_KEY_ID": lambda: (
        rng.choice(["AKIA", "ASIA"]) + rand(string.ascii_uppercase + "234567", 16)
    ),
    "GITHUB_TOKEN": lambda: rng.choice(
        [
            rng.choice(["ghp_", "gho_", "ghs_"]) + rand(ALNUM, 36),
            "github_pat_" + rand(ALNUM + "_", 82),
        ]
    ),
    "GITLAB_TOKEN": lambda: "glpat-" + rand(URLSAFE, 20),
    "SLACK_TOKEN": lambda: (
        rng.choice(["xoxb-", "xoxp-"])
        + f"{rng.randint(10**10, 10**12)}-{rng.randint(10**10, 10**12)}-{rand(ALNUM, 24)}"
    ),
    "STRIPE_KEY": lambda: rng.choice(["sk_live_", "rk_live_", "sk_test_"]) + rand(ALNUM, 24),
    "TWILIO_KEY": lambda: rng.choice(["AC", "SK"]) + rand(HEX, 32),
    "SENDGRID_KEY": lambda: "SG." + rand(URLSAFE, 22) + "." + rand(URLSAFE, 43),
    "HUGGINGFACE_TOKEN": lambda: "hf_" + rand(ALNUM, 34),
    "JWT": jwt,
    "AZURE_KEY": lambda: rand(ALNUM, 3) + str(rng.randint(0, 9)) + "Q~" + rand(ALNUM + "_~.-", 34),
}


def secret_values() -> Iterator[tuple[str, str, str | None]]:
    """(type, value, ready-made text or None)."""
    for typ, make in SECRET_MAKERS.items():
        for _ in range(12):
            yield typ, make(), None
    for _ in range(12):
        key_id = "AKIA" + rand(string.ascii_uppercase + "234567", 16)
        sec = rand(ALNUM + "/+", 40)
        yield (
            "AWS_SECRET_ACCESS_KEY",
            sec,
            rng.choice(
                [
                    f"aws_access_key_id = {key_id}\naws_secret_access_key = {sec}\n",
                    f'export AWS_ACCESS_KEY_ID={key_id}\nexport AWS_SECRET_ACCESS_KEY="{sec}"',
                    json.dumps({"AccessKeyId": key_id, "SecretAccessKey": sec}),
                ]
            ),
        )
    for _ in range(10):
        key = base64.b64encode(rng.randbytes(64)).decode()
        yield (
            "AZURE_KEY",
            key,
            f"DefaultEndpointsProtocol=https;AccountName={fake.domain_word()}store;AccountKey={key};EndpointSuffix=core.windows.net",
        )
    for _ in range(12):
        tok = rand(ALNUM + "-._~", rng.randint(24, 60))
        yield (
            "BEARER_TOKEN",
            tok,
            rng.choice(
                [
                    f"curl -H 'Authorization: Bearer {tok}' https://api.{fake.domain_name()}/v1/items",
                    json.dumps(
                        {
                            "headers": {
                                "Authorization": f"Bearer {tok}",
                                "Accept": "application/json",
                            }
                        }
                    ),
                    f"Use this header when calling the API: Authorization: Bearer {tok}",
                ]
            ),
        )
    for _ in range(10):
        cred = base64.b64encode(f"{fake.user_name()}:{fake.password()}".encode()).decode()
        yield (
            "BASIC_AUTH",
            cred,
            f"GET /admin HTTP/1.1\r\nHost: {fake.domain_name()}\r\nAuthorization: Basic {cred}\r\n",
        )
    for _ in range(10):
        key = pem()
        yield (
            "PRIVATE_KEY",
            key,
            rng.choice(
                [
                    f"Here is my deploy key, can you check it?\n{key}\nThanks",
                    json.dumps({"path": "id_rsa", "content": key}),
                ]
            ),
        )
    for _ in range(14):
        pw = fake.password(length=rng.randint(10, 18))
        user, host = fake.user_name(), fake.domain_name()
        yield (
            "PASSWORD",
            pw,
            rng.choice(
                [
                    f"DATABASE_URL=postgres://{user}:{pw}@{host}:5432/app",
                    f"connect with mongodb+srv://{user}:{pw}@cluster0.{host}/db?retryWrites=true",
                    f"Server=tcp:{host},1433;Database=app;User Id={user};Password={pw};Encrypt=True;",
                    f"redis://:{pw}@{host}:6379/0",
                ]
            ),
        )
    for _ in range(14):
        pw = fake.password(length=rng.randint(10, 18))
        key = rng.choice(
            ["password", "DB_PASSWORD", "api_key", "client_secret", "SMTP_PASS_WORD", "secret"]
        )
        if key == "SMTP_PASS_WORD":
            key = "smtp_password"
        yield (
            "PASSWORD",
            pw,
            rng.choice(
                [
                    f"{key}={pw}",
                    f'{key}: "{pw}"',
                    json.dumps({"user": fake.user_name(), key: pw}),
                    f"My {key.replace('_', ' ')} is {pw} - please log in for me.",
                ]
            ),
        )


# ------------------------------------------------------------------ contexts

PROMPTS = [
    "Hi, please update my account. {v} is the right one, thanks!",
    "Can you draft a reply to the customer? Their details: {v}.",
    "Summarise this ticket: user reported an issue and left {v} for follow-up.",
    "Bitte kontaktieren Sie mich unter {v}, danke.",
    "Merci de noter : {v}",
    "The log line says: connection from {v} was refused",
]
TOOL_KEYS = {
    "EMAIL_ADDRESS": "to",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "card_number",
    "US_SSN": "tax_id",
    "IBAN_CODE": "account",
    "IP_ADDRESS": "client_ip",
}


def in_context(typ: str, value: str) -> tuple[str, str]:
    c = rng.choice(["prompt", "tool_args", "json_doc", "log"])
    if c == "prompt":
        return c, rng.choice(PROMPTS).format(v=value)
    if c == "tool_args":
        return c, json.dumps(
            {
                "name": "send",
                "arguments": {TOOL_KEYS.get(typ, "value"): value, "priority": rng.randint(1, 5)},
            }
        )
    if c == "json_doc":
        return c, json.dumps(
            [{"role": "user", "content": f"note {value}"}, {"role": "assistant", "content": "ok"}]
        )
    return (
        c,
        f"{iso8601()} INFO request_id={uuid.UUID(int=rng.getrandbits(128))} value={value} latency_ms={rng.randint(1, 900)}",
    )


def secret_context(typ: str, value: str) -> tuple[str, str]:
    c = rng.choice(["prompt", "tool_args", "env", "code"])
    if c == "prompt":
        return (
            c,
            f"My {typ.lower().replace('_', ' ')} is {value} — why does the request fail with 401?",
        )
    if c == "tool_args":
        return c, json.dumps(
            {
                "tool": "http_request",
                "arguments": {"url": "https://api.example.com", "token": value},
            }
        )
    if c == "env":
        return c, f"{typ}={value}\nLOG_LEVEL=debug\nPORT=8080"
    return c, f'client = Client(api_key="{value}", timeout=30)'


# ------------------------------------------------------------------ controls


def controls() -> Iterator[tuple[str, str]]:
    models = [
        "gpt-4o-2024-08-06",
        "gpt-4.1-mini",
        "o3-mini-2025-01-31",
        "claude-3-5-sonnet-20241022",
        "claude-sonnet-4-20250514",
        "gemini-1.5-pro-002",
        "llama-3.1-70b-instruct",
        "mistral-large-2411",
        "text-embedding-3-small",
        "command-r-plus-08-2024",
    ]
    for m in models:
        yield "model", f"Routing request to model {m} with temperature 0.2 and max_tokens 1024."
    for _ in range(20):
        yield (
            "uuid",
            f"trace_id={uuid.UUID(int=rng.getrandbits(128))} span_id={rand(HEX, 16)} parent={uuid.UUID(int=rng.getrandbits(128)).hex}",
        )
    for _ in range(20):
        data = rng.randbytes(16)
        yield (
            "hash",
            rng.choice(
                [
                    f"sha256:{hashlib.sha256(data).hexdigest()}",
                    f"commit {hashlib.sha1(data).hexdigest()} (md5 {hashlib.md5(data).hexdigest()})",
                    f'etag W/"{hashlib.md5(data).hexdigest()}"',
                ]
            ),
        )
    for _ in range(20):
        yield (
            "timestamp",
            rng.choice(
                [
                    iso8601(),
                    f"{fake.date(end_datetime=END)} {fake.time(end_datetime=END)}",
                    str(rng.randint(1_600_000_000, 1_800_000_000)),
                    f"started at {iso8601()} took {rng.randint(1, 5000)} ms",
                ]
            ),
        )
    for _ in range(20):
        a, b, c = rng.randint(0, 20), rng.randint(0, 40), rng.randint(0, 200)
        yield (
            "version",
            rng.choice(
                [
                    f"upgrade to v{a}.{b}.{c}",
                    f"requires python>={a % 4 + 3}.{b % 13}",
                    f"version {a}.{b}.{c}-rc.{c % 5}",
                    f"opentelemetry-sdk=={a}.{b}.{c}",
                    f"node {a + 10}.{b}.{c}, npm {a}.{b}.{c}",
                ]
            ),
        )
    for _ in range(20):
        yield (
            "metrics",
            rng.choice(
                [
                    json.dumps(
                        {
                            "prompt_tokens": rng.randint(1, 9000),
                            "completion_tokens": rng.randint(1, 4000),
                            "total_tokens": rng.randint(1, 13000),
                            "cost_usd": round(rng.random() / 10, 6),
                        }
                    ),
                    f"llm.token_count.total={rng.randint(1, 20000)} llm.cost.total={rng.random():.6f} duration={rng.randint(1, 99999)}us",
                    f"HTTP 200 OK in {rng.randint(1, 900)}ms, {rng.randint(1, 10**6)} bytes, port {rng.randint(1024, 65535)}",
                ]
            ),
        )
    code = [
        "def login(username: str, password: str) -> bool:\n    return check_password(username, password)",
        'api_key = os.environ["OPENAI_API_KEY"]\nclient = OpenAI(api_key=api_key)',
        "token = request.headers.get('Authorization')\nif not token:\n    raise Unauthorized()",
        "password = getpass.getpass('Password: ')",
        "for i in range(1024):\n    total += values[i] * 2",
        "SELECT id, created_at FROM orders WHERE amount > 100 AND status = 'paid' LIMIT 50;",
        "const secret = process.env.JWT_SECRET;\nexport default secret;",
        "kubectl get pods -n prod | grep api-7d9f8b6c5-x2x4z",
        "docker pull ghcr.io/org/app@sha256:" + hashlib.sha256(b"x").hexdigest(),
        "File \"/app/server.py\", line 42, in handle\n    raise ValueError('bad input')",
        "color: #1a2b3c; margin: 0 12px 4px 8px; z-index: 1000;",
        "Set max_tokens to 4096 and the token limit per minute to 90000.",
        "The password field is required. Reset it in Settings > Security.",
        "Bearer authentication uses the Authorization header; Basic authentication is deprecated.",
        "listen 0.0.0.0:8080; upstream localhost:3000",
        "matrix = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]",
        "ssh-keygen -t ed25519 -C deploy -f ~/.ssh/id_ed25519",
        "retry after 2.5 s (attempt 3 of 5), backoff factor 1.5",
        "Use the {password} placeholder; never hard-code secrets: password: ${DB_PASSWORD}",
        "git checkout -b feature/JIRA-1234-add-cache && git push origin HEAD",
    ]
    for c in code:
        yield "code", c
    for _ in range(20):
        yield "prose", fake.paragraph(nb_sentences=4)


def build() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for typ, value in pii_values():
        ctx, text = in_context(typ, value)
        rows.append(
            {
                "kind": "pii",
                "context": ctx,
                "text": text,
                "expected": [{"type": typ, "value": value}],
            }
        )
    for typ, value, ready in secret_values():
        ctx, text = ("ready", ready) if ready else secret_context(typ, value)
        rows.append(
            {
                "kind": "secret",
                "context": ctx,
                "text": text,
                "expected": [{"type": typ, "value": value}],
            }
        )
    for ctx, text in controls():
        rows.append({"kind": "control", "context": ctx, "text": text, "expected": []})
    for i, row in enumerate(rows):
        row["id"] = i
    return rows


if __name__ == "__main__":
    for row in build():
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
