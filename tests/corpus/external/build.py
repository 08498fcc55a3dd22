"""Build the external evaluation corpus (``corpus.jsonl``): secrets, structured PII, controls.

Nothing in it was written for this project's scrubber, and nothing is copied from any
scanner's test data:

* **secrets** — for every rule of gitleaks' default config (``upstream/gitleaks-rules.json``)
  and the formats of Yelp detect-secrets' plugins (table :data:`DETECT_SECRETS`), values are
  generated from the rule's own regex with a seeded generator (``regen.py``), embedded in
  realistic contexts (env lines, JSON/YAML/TOML config, curl headers, chat prose, code,
  log lines, tool-call arguments) and *verified*: the upstream rule must report the value
  in that context (entropy and allow-lists included), so every record is a true positive
  of the public rule set.
* **structured PII** — identifiers with valid check digits computed here
  (``identifiers.py``), in sentences with the usual context words.
* **controls** — PII-free lines taken from real repositories (``upstream/controls.jsonl``)
  and documented placeholder keys (``AKIAIOSFODNN7EXAMPLE``, ``sk-xxxx…``, ``${API_KEY}``…):
  a scrubber must leave them unchanged.

Each line: ``{"id", "text", "family", "kind", "expect": "redact"|"keep", "secret_values",
"part", "context", "source"}``. Deterministic (fixed seeds, sorted inputs; built with
CPython 3.11's ``re`` parser).

    python -m tests.corpus.external.build            # rewrite corpus.jsonl
    python -m tests.corpus.external.build --check    # exit 1 if corpus.jsonl is stale
    python -m tests.corpus.external.build --stats    # sizes per part and family

Refresh the upstream snapshots first with ``python -m tests.corpus.external.upstream``.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import string
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.corpus.external import identifiers as ids
from tests.corpus.external.regen import (
    GenError,
    entropy,
    generate,
    generate_parts,
    go_to_python,
    is_delimiter,
    parse,
)

HERE = Path(__file__).parent
CORPUS = HERE / "corpus.jsonl"
SNAPSHOTS = HERE / "upstream"
#: The corpus seed. Independent of every seed in src/ and of tests/corpus/generate.py.
SEED = 0x18_E7_E1
RECORDS_PER_RULE = 3
GENERIC_KEYS = (
    "client_secret",
    "app_secret",
    "acme_secret",
    "webhook_signing_secret",
    "auth_token",
    "access_token",
    "service_token",
    "secret_key",
    "api_token",
    "private_token",
    "session_secret",
    "encryption_key",
    "master_key",
    "signing_key",
)
_ASSIGN_IDIOM = r"(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)"
_KEYWORD_START = re.compile(r"\[\\w\.-\]\{0,50\}\?\(\?:")

# ------------------------------------------------------------------ families

_VENDOR = {
    "1password": "1Password",
    "aws": "AWS",
    "gcp": "Google Cloud",
    "github": "GitHub",
    "gitlab": "GitLab",
    "openai": "OpenAI",
    "digitalocean": "DigitalOcean",
    "huggingface": "Hugging Face",
    "linkedin": "LinkedIn",
    "planetscale": "PlanetScale",
    "launchdarkly": "LaunchDarkly",
    "sendgrid": "SendGrid",
    "sendinblue": "Sendinblue (Brevo)",
    "sumologic": "Sumo Logic",
    "travisci": "Travis CI",
    "droneci": "Drone CI",
    "twitter": "Twitter/X",
    "npm": "npm",
    "pypi": "PyPI",
    "rubygems": "RubyGems",
    "nytimes": "New York Times",
    "artifactory": "JFrog",
    "jfrog": "JFrog",
    "clickhouse": "ClickHouse",
    "easypost": "EasyPost",
    "flyio": "Fly.io",
    "frameio": "Frame.io",
    "freshbooks": "FreshBooks",
    "gocardless": "GoCardless",
    "hubspot": "HubSpot",
    "intra42": "42 Intra",
    "kucoin": "KuCoin",
    "maxmind": "MaxMind",
    "messagebird": "MessageBird",
    "privateai": "Private AI",
    "rapidapi": "RapidAPI",
    "readme": "ReadMe",
    "settlemint": "SettleMint",
    "squarespace": "Squarespace",
    "vault": "HashiCorp Vault",
    "hashicorp": "HashiCorp Terraform",
    "age": "age",
    "new": "New Relic",
    "cisco": "Cisco Meraki",
    "defined": "Defined Networking",
    "microsoft": "Microsoft Teams",
    "azure": "Azure",
    "ibm": "IBM Cloud",
    "jwt": "JWT",
    "private": "Private keys",
    "curl": "curl auth",
    "generic": "generic keyword-anchored",
    "kubernetes": "Kubernetes secret",
    "nuget": "NuGet config",
    "openshift": "OpenShift",
    "sourcegraph": "Sourcegraph",
    "authress": "Authress",
    "mattermost": "Mattermost",
    "netlify": "Netlify",
    "okta": "Okta",
}


def family_of(rule_id: str) -> str:
    """The vendor group of a rule id (``twitter-api-key`` → ``Twitter/X``)."""
    first = rule_id.split("-", maxsplit=1)[0]
    return _VENDOR.get(first, first.capitalize())


def _slug(family: str) -> str:
    name = re.split(r"[/(]", family)[0]
    return re.sub(r"[^a-z0-9]", "", name.lower()) or "vendor"


# ------------------------------------------------------------------ gitleaks rules


@dataclass
class Rule:
    """One gitleaks rule, compiled for Python."""

    id: str
    regex: re.Pattern[str]
    tree: Any
    entropy: float
    secret_group: int
    keywords: tuple[str, ...]
    allowlists: tuple[dict[str, Any], ...]

    @property
    def assign(self) -> bool:
        """Keyword-anchored (``<keyword>… = value``) rather than a distinctive format."""
        return _ASSIGN_IDIOM in self.regex.pattern


def load_rules(path: Path = SNAPSHOTS / "gitleaks-rules.json") -> tuple[list[Rule], dict[str, Any]]:
    """The gitleaks rules of the snapshot (those with a regex) and the snapshot itself."""
    snap = json.loads(path.read_text())
    glob = snap.get("allowlist") or {}
    rules = []
    for r in snap["rules"]:
        if not r.get("regex"):
            continue
        py = go_to_python(r["regex"])
        rules.append(
            Rule(
                id=r["id"],
                regex=re.compile(py, re.ASCII),
                tree=parse(py, re.ASCII),
                entropy=float(r.get("entropy") or 0.0),
                secret_group=int(r.get("secretGroup") or 0),
                keywords=tuple(k.lower() for k in r.get("keywords") or ()),
                allowlists=(glob, *(r.get("allowlists") or ())),
            )
        )
    return rules, snap


def gitleaks_secret(rule: Rule, m: re.Match[str]) -> tuple[int, int]:
    """Span of the secret gitleaks reports for match ``m`` (its secretGroup semantics)."""
    if rule.secret_group and m.group(rule.secret_group):
        return m.span(rule.secret_group)
    for i in range(1, (m.re.groups or 0) + 1):
        if m.group(i):
            return m.span(i)
    return m.span()


def _allowlisted(rule: Rule, secret: str, match: str, line: str) -> bool:
    for al in rule.allowlists:
        if al.get("paths") or al.get("commits"):
            continue  # path/commit conditions never hold for free text
        target = {"match": match, "line": line}.get(al.get("regexTarget", ""), secret)
        for rx in al.get("regexes") or ():
            if re.search(go_to_python(rx), target):
                return True
        low = secret.lower()
        if any(sw.lower() in low for sw in al.get("stopwords") or ()):
            return True
    return False


def reported(rule: Rule, text: str, start: int, end: int) -> bool:
    """Whether gitleaks' ``rule`` reports a secret overlapping ``text[start:end]``."""
    low = text.lower()
    if rule.keywords and not any(k in low for k in rule.keywords):
        return False
    for m in rule.regex.finditer(text):
        s, e = gitleaks_secret(rule, m)
        if s < end and start < e:
            secret = text[s:e]
            line_start = text.rfind("\n", 0, s) + 1
            line_end = text.find("\n", e)
            line = text[line_start : line_end if line_end >= 0 else len(text)]
            if entropy(secret) >= rule.entropy and not _allowlisted(rule, secret, m.group(), line):
                return True
    return False


# ------------------------------------------------------------------ contexts

#: Token contexts without a secret-looking key: only the format gives the value away.
TOKEN_KEYLESS = {
    "prose": "Hi! Our {vendor} integration stopped working. I'm using {v} - is it expired?",
    "prose-question": "why does `{v}` get rejected by the {vendor} API? it worked yesterday",
    "log": "{ts} WARN {slug}.client retrying request (attempt 2) with credential {v}",
    "code-positional": 'client = {cls}Client("{v}", timeout=30)',
    "tool-args-list": '{{"name": "run_command", "arguments": {{"argv": ["{slug}", "login", "--with", "{v}"]}}}}',
    "markdown": "Paste this into the dashboard: `{v}` and restart the worker.",
}
#: Token contexts with a key (env/config/header).
TOKEN_KEYED = {
    "env": "{ENV}={v}",
    "export": 'export {ENV}="{v}"',
    "json": '{{"service": "{slug}", "{key}": "{v}", "retries": 3}}',
    "yaml": "{slug}:\n  endpoint: https://api.{slug}.com\n  {key}: {v}\n  timeout: 30",
    "curl-bearer": 'curl -sS -H "Authorization: Bearer {v}" https://api.{slug}.com/v1/account',
    "docker": "docker run --rm -e {ENV}={v} ghcr.io/acme/{slug}-sync:1.4.2",
    "toml": '[{slug}]\n{key} = "{v}"\nregion = "eu-west-1"',
}
#: Keyword-anchored contexts: the key carries the vendor keyword the rule needs.
ASSIGN = {
    "env": "{ENV}={v}",
    "export": "export {ENV}='{v}'",
    "json": '{{"{key}": "{v}", "region": "us-east-1"}}',
    "yaml": "integrations:\n  {key}: {v}\n  enabled: true",
    "python": '{key} = "{v}"',
    "js": 'const {camel} = "{v}";',
    "prose": "my .env has {ENV}={v} but the {vendor} sync still fails, any idea?",
    "header": 'curl -H "{header}: {v}" https://api.{slug}.com/v2/ping',
    "tool-args": '{{"name": "set_secret", "arguments": {{"name": "{ENV}", "{key}": "{v}"}}}}',
    "ini": "[{slug}]\n{key} = {v}",
    "docker": "docker run -e {ENV}={v} acme/worker:2.3",
}
RULE_TEMPLATES = {
    "freemius-secret-key": {
        "php": "<?php\n$fs = fs_dynamic_init(array('id' => '4711', {v}));",
        "php-config": "return [\n    {v},\n];",
    },
    "gitlab-session-cookie": {
        "cookie": "curl -b '{v}' https://gitlab.acme.dev/api/v4/projects",
        "header": "Cookie: {v}; preferred_language=en",
        "prose": "I copied the cookie {v} from the browser, is that enough for the script?",
    },
    "sidekiq-sensitive-url": {
        "gemfile": 'source "{v}/" do\n  gem "sidekiq-pro"\nend',
        "prose": "bundler says 401 for {v}/ - did the licence expire?",
        "env": "BUNDLE_SOURCE={v}/",
    },
}


@dataclass
class Ctx:
    """The names a template can use."""

    v: str
    vendor: str
    slug: str
    key: str
    env: str
    camel: str
    header: str
    ts: str

    def fields(self) -> dict[str, str]:
        """Template fields."""
        return {
            "v": self.v,
            "vendor": self.vendor,
            "slug": self.slug,
            "cls": self.slug.capitalize(),
            "key": self.key,
            "ENV": self.env,
            "camel": self.camel,
            "header": self.header,
            "ts": self.ts,
        }


def _timestamp(rng: random.Random) -> str:
    return (
        f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:"
        f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}Z"
    )


def _key_names(words: list[str]) -> tuple[str, str, str, str]:
    """(snake key, ENV key, camelKey, Header-Key) from key words."""
    parts = [p for w in words for p in re.split(r"[^A-Za-z0-9]+", w) if p]
    snake = "_".join(p.lower() for p in parts)
    camel = parts[0].lower() + "".join(p.capitalize() for p in parts[1:])
    header = "X-" + "-".join(p.capitalize() for p in parts)
    return snake, snake.upper(), camel, header


def _suffix_words(rule_id: str, keyword: str) -> list[str]:
    flat = re.sub(r"[^a-z0-9]", "", keyword.lower())
    words = [w for w in rule_id.split("-")[1:] if w not in flat]
    return words[-2:] or ["key"]


# ------------------------------------------------------------------ secret records


@dataclass
class Rec:
    """One record before numbering."""

    text: str
    family: str
    kind: str
    expect: str
    secret_values: list[str]
    part: str
    context: str
    source: str


def _gen_value(rule: Rule, rng: random.Random, accept: Callable[[str], bool]) -> tuple[str, str]:
    """(value, embed): the secret and the token text to embed (boundary items dropped)."""
    items = list(rule.tree)
    for _ in range(400):
        parts, _groups = generate_parts(rule.tree, rng)
        lo, hi = 0, len(items)
        if items and is_delimiter(items[0], leading=True):
            lo = 1
        while hi > lo and is_delimiter(items[hi - 1], leading=False):
            hi -= 1
        embed = "".join(parts[lo:hi])
        m = rule.regex.search("".join(parts))
        if m is None:
            continue
        s, e = gitleaks_secret(rule, m)
        value = m.string[s:e]
        if len(value) < 12:
            value = embed
        if value not in embed or entropy(value) < rule.entropy or not accept(value):
            continue
        if _allowlisted(rule, value, m.group(), m.group()):
            continue
        return value, embed
    raise GenError(f"{rule.id}: no acceptable value in 400 tries")


def _keyword(rule: Rule, rng: random.Random) -> str:
    pat = rule.regex.pattern
    m = _KEYWORD_START.search(pat)
    if m is None:
        raise GenError(f"{rule.id}: keyword group not found")
    start = m.end() - 3
    depth, i = 0, start
    while i < len(pat):
        if pat[i] == "\\":
            i += 2
            continue
        depth += pat[i] == "("
        depth -= pat[i] == ")"
        i += 1
        if depth == 0:
            break
    sub = pat[start:i]
    flags = re.IGNORECASE if rule.tree.state.flags & re.IGNORECASE else 0
    word, _ = generate(parse(sub, flags | re.ASCII), rng)
    return word


def _render(template: str, ctx: Ctx) -> str:
    return template.format(**ctx.fields())


def _contexts(rule: Rule, slot: int) -> list[tuple[str, str]]:
    """Candidate templates for the ``slot``-th record of ``rule``."""
    if rule.id in RULE_TEMPLATES:
        return list(RULE_TEMPLATES[rule.id].items())
    if rule.assign:
        return list(ASSIGN.items())
    # token formats: one context without a key, one with, then either
    if slot == 0:
        return list(TOKEN_KEYLESS.items())
    if slot == 1:
        return list(TOKEN_KEYED.items())
    return [*TOKEN_KEYLESS.items(), *TOKEN_KEYED.items()]


def _record_for(
    rule: Rule, rng: random.Random, slot: int, used: set[str]
) -> tuple[str, str, str] | None:
    """(context name, text, value) for one record of ``rule``, verified, or ``None``."""
    family = family_of(rule.id)
    slug = _slug(family)
    value, embed = _gen_value(rule, rng, _ACCEPT.get(rule.id, lambda v: True))
    if rule.assign:
        kw = _keyword(rule, rng)
        variants = [[kw, *_suffix_words(rule.id, kw)], [kw]]
    else:
        variants = [[slug, *(rule.id.split("-")[1:] or ["token"])]]
    candidates = [c for c in _contexts(rule, slot) if c[0] not in used] or _contexts(rule, slot)
    rng.shuffle(candidates)
    ts = _timestamp(rng)
    for name, template in candidates:
        for words in variants:
            key, env, camel, header = _key_names(words)
            if rule.assign and words == [kw]:
                key = env = camel = header = kw  # the keyword exactly as generated
            ctx = Ctx(value if rule.assign else embed, family, slug, key, env, camel, header, ts)
            text = _render(template, ctx)
            pos = text.find(value)
            if pos >= 0 and reported(rule, text, pos, pos + len(value)):
                return name, text, value
    return None


def gitleaks_records(rules: list[Rule], rng: random.Random) -> Iterator[Rec]:
    """RECORDS_PER_RULE records for every gitleaks rule with a generic builder."""
    for rule in rules:
        if rule.id in SPECIAL:
            continue
        used: set[str] = set()
        for slot in range(RECORDS_PER_RULE):
            for _ in range(5):
                got = _record_for(rule, rng, slot, used)
                if got is not None:
                    break
            else:
                raise GenError(f"{rule.id}: no verified context for record {slot}")
            name, text, value = got
            used.add(name)
            yield Rec(
                text, family_of(rule.id), rule.id, "redact", [value], "secret", name, "gitleaks"
            )


#: Value filters for rules whose regex also admits non-secrets we use as controls.
_ACCEPT: dict[str, Callable[[str], bool]] = {
    # the bare 40-hex branch is every git SHA; keep the sgp_ forms
    "sourcegraph-access-token": lambda v: v.startswith("sgp_"),
}

# ------------------------------------------------------------------ special gitleaks rules


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


_ALNUM = string.ascii_letters + string.digits
_B64URL = _ALNUM + "-_"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _password(rng: random.Random, n: int | None = None) -> str:
    """A strong password: letters, digits and a few shell/JSON-safe symbols."""
    n = n or rng.randint(14, 22)
    while True:
        pw = _rand(rng, _ALNUM + "!#%*-_.~", n)
        if any(c.isdigit() for c in pw) and any(c in "!#%*-_.~" for c in pw):
            return pw


def _jwt(rng: random.Random) -> str:
    header = {"alg": rng.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
    payload = {
        "sub": "svc-" + _rand(rng, string.ascii_lowercase + string.digits, 10),
        "scope": rng.choice(["traces:write", "read:projects", "admin"]),
        "iat": 1767225600 + rng.randint(0, 3_000_000),
        "exp": 1767225600 + rng.randint(3_000_001, 9_000_000),
    }
    sig = rng.randbytes(32 if header["alg"] == "HS256" else 64)
    return ".".join(
        (
            _b64url(json.dumps(header, separators=(",", ":")).encode()),
            _b64url(json.dumps(payload, separators=(",", ":")).encode()),
            _b64url(sig),
        )
    )


def _verified(rule: Rule, text: str, values: list[str]) -> bool:
    return all(
        (pos := text.find(v)) >= 0 and reported(rule, text, pos, pos + len(v)) for v in values
    )


def special_records(rules: dict[str, Rule], rng: random.Random) -> Iterator[Rec]:
    """Rules whose format is a document rather than a token (PEM, YAML, curl, XML …)."""
    # generic-api-key: <something>_secret = "…" with many key names
    rule = rules["generic-api-key"]
    templates = list(ASSIGN.items())
    for key in GENERIC_KEYS:
        for _ in range(50):
            value, _embed = _gen_value(rule, rng, lambda v: len(v) >= 16)
            snake, env, camel, header = _key_names([key])
            name, template = rng.choice(templates)
            ctx = Ctx(value, "our", "acme", snake, env, camel, header, _timestamp(rng))
            text = _render(template, ctx)
            if _verified(rule, text, [value]):
                yield Rec(
                    text,
                    family_of(rule.id),
                    rule.id,
                    "redact",
                    [value],
                    "secret",
                    name,
                    "gitleaks",
                )
                break
        else:
            raise GenError(f"generic-api-key: no verified record for {key}")

    # JWT and base64-wrapped JWT
    jwt_contexts = [
        ("curl-bearer", 'curl -H "Authorization: Bearer {v}" https://api.acme.dev/v1/me'),
        ("json", '{{"session": {{"access_token": "{v}", "expires_in": 3600}}}}'),
        ("prose", "The gateway logged this token: {v} - can you decode it?"),
        ("log", "{ts} DEBUG auth middleware accepted {v} for tenant acme"),
    ]
    for name, template in jwt_contexts:
        tok = _jwt(rng)
        text = template.format(v=tok, ts=_timestamp(rng))
        assert _verified(rules["jwt"], text, [tok]), text
        yield Rec(text, "JWT", "jwt", "redact", [tok], "secret", name, "gitleaks")
    for name, template in jwt_contexts[:3]:
        tok = base64.b64encode(_jwt(rng).encode()).decode().rstrip("=")
        text = template.format(v=tok, ts=_timestamp(rng))
        assert _verified(rules["jwt-base64"], text, [tok]), text
        yield Rec(text, "JWT", "jwt-base64", "redact", [tok], "secret", name, "gitleaks")

    # PEM private keys
    kinds = ["RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "PRIVATE KEY"]
    kinds += ["DSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "PGP PRIVATE KEY BLOCK"]
    for i, kind in enumerate(kinds):
        body = ids.b64(rng.randbytes(rng.randint(4, 9) * 48))
        lines = [body[j : j + 64] for j in range(0, len(body), 64)]
        pem = f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"
        if i % 3 == 0:
            text = json.dumps({"type": "service_account", "private_key": pem + "\n"})
            name = "json-escaped"
        elif i % 3 == 1:
            text = "tls:\n  key: |\n" + "\n".join("    " + ln for ln in pem.splitlines())
            name = "yaml-block"
        else:
            text = f"here is the deploy key, please add it to the runner:\n{pem}\n"
            name = "prose"
        values = [ln for ln in lines if len(ln) >= 16]
        assert _verified(rules["private-key"], text, values[:1]), text
        yield Rec(text, "Private keys", "private-key", "redact", values, "secret", name, "gitleaks")

    # Kubernetes Secret manifests
    for name in ("manifest", "manifest-multi", "list-item"):
        v1 = ids.b64(_password(rng).encode())
        v2 = ids.b64(("postgres://app:" + _password(rng) + "@db:5432/app").encode())
        doc = (
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-credentials\n"
            f"type: Opaque\ndata:\n  db-password: {v1}\n"
        )
        values = [v1]
        if name != "manifest":
            doc += f"  database-url: {v2}\n"
            values.append(v2)
        if name == "list-item":
            doc = "---\n" + doc
        assert _verified(rules["kubernetes-secret-yaml"], doc, values[:1]), doc
        yield Rec(
            doc,
            "Kubernetes secret",
            "kubernetes-secret-yaml",
            "redact",
            values,
            "secret",
            name,
            "gitleaks",
        )

    # curl with credentials
    header_forms = [
        ("bearer", "Authorization: Bearer {t}"),
        ("basic", "Authorization: Basic {b}"),
        ("x-api-key", "X-Api-Key: {t}"),
        ("token", "Authorization: Token {t}"),
    ]
    for name, header in header_forms:
        tok = _rand(rng, _B64URL, rng.randint(32, 48))
        basic = ids.b64(f"ci-bot:{_password(rng)}".encode())
        secret = basic if name == "basic" else tok
        text = (
            f"curl -X POST https://api.acme.dev/v1/deploy \\\n"
            f'  -H "{header.format(t=tok, b=basic)}" \\\n  -d \'{{"ref": "main"}}\''
        )
        assert _verified(rules["curl-auth-header"], text, [secret]), text
        yield Rec(
            text, "curl auth", "curl-auth-header", "redact", [secret], "secret", name, "gitleaks"
        )
    for name, form in (
        ("user-flag", 'curl -u "deploy:{p}" https://ci.acme.dev/job/release/build'),
        ("user-long", "curl --user admin:{p} https://registry.acme.dev/v2/_catalog"),
        (
            "prose",
            "I ran curl -s -u 'svc-metrics:{p}' https://grafana.acme.dev/api/health and got 401",
        ),
    ):
        pw = _password(rng)
        if name == "user-long":  # unquoted: the rule admits only [\w${}@.-]
            pw = re.sub(r"[^\w.-]", "-", pw)
        text = form.format(p=pw)
        assert _verified(rules["curl-auth-user"], text, [pw]), text
        yield Rec(text, "curl auth", "curl-auth-user", "redact", [pw], "secret", name, "gitleaks")

    # NuGet.config with a clear-text password
    for name in ("nuget-config", "nuget-config-2", "prose"):
        pw = _password(rng)
        xml = (
            "<packageSourceCredentials>\n  <acme-feed>\n"
            '    <add key="Username" value="build-agent" />\n'
            f'    <add key="ClearTextPassword" value="{pw}" />\n'
            "  </acme-feed>\n</packageSourceCredentials>"
        )
        if name == "nuget-config-2":
            xml = xml.replace("ClearTextPassword", "Password")
        if name == "prose":
            xml = "dotnet restore fails with 401, my NuGet.config is:\n" + xml
        assert _verified(rules["nuget-config-password"], xml, [pw]), xml
        yield Rec(
            xml, "NuGet config", "nuget-config-password", "redact", [pw], "secret", name, "gitleaks"
        )

    # Terraform passwords
    for name, tf in (
        (
            "hcl",
            'resource "azurerm_mssql_server" "main" {{\n  administrator_login = "sqladmin"\n'
            '  administrator_login_password = "{p}"\n}}',
        ),
        ("tfvars", 'db_password = "{p}"'),
        ("hcl-module", 'module "db" {{\n  source   = "./modules/db"\n  password = "{p}"\n}}'),
    ):
        pw = _rand(rng, string.ascii_lowercase + string.digits + "_-", rng.randint(12, 20))
        text = tf.format(p=pw)
        assert _verified(rules["hashicorp-tf-password"], text, [pw]), text
        yield Rec(
            text,
            "HashiCorp Terraform",
            "hashicorp-tf-password",
            "redact",
            [pw],
            "secret",
            name,
            "gitleaks",
        )


SPECIAL = {
    "generic-api-key",
    "jwt",
    "jwt-base64",
    "private-key",
    "kubernetes-secret-yaml",
    "curl-auth-header",
    "curl-auth-user",
    "nuget-config-password",
    "hashicorp-tf-password",
}

# ------------------------------------------------------------------ detect-secrets formats


def _ds_assignment(prefix: str, keyword: str, secret: str) -> str:
    """detect-secrets' ``RegexBasedDetector.build_assignment_regex`` (plugins/base.py)."""
    return (  # the plugin compiles it with re.IGNORECASE
        r"(?i:(?:(?<=\W)|(?<=^))(?:\[|)(?:\"|'|)" + prefix + r"(?:_|-|)" + keyword
        + r"(?:\"|'|)(?:\]|)(?: *)(?:=|:|:=|=>| +|::)(?: *)(?:\"|'|)" + secret + r"(?:\"|'|))"
    )  # fmt: skip


_DS_KEY_OR_PASS = r"(?:key|pwd|password|pass|token)"
_DS_RESERVED = re.escape(":/?#[]@" + "!$&'()*+,;=")
_DS_DENYLIST = (
    "api_?key|auth_?key|service_?key|account_?key|db_?key|database_?key|priv_?key"
    "|private_?key|client_?key|db_?pass|database_?pass|key_?pass|password|passwd|pwd|secret"
)
_DS_SECRET = r"(?=[^\v'\"]*)(?=\w+)[^\v'\"]*[^\v,'\"`]"

#: Formats of Yelp/detect-secrets plugins (Apache-2.0) that gitleaks has no rule for, or
#: states differently. ``value``: the regex values are generated from (inside the plugin's
#: format); ``verify``: the plugin's regex (checked line by line, as the plugin scans);
#: ``templates``: contexts with ``{v}`` (and ``{u}``, an account name).
DETECT_SECRETS: list[dict[str, Any]] = [
    {
        "id": "artifactory-password",
        "family": "JFrog",
        "plugin": "artifactory.py",
        "value": r"AP[\dABCDEF][a-zA-Z0-9]{40,60}",
        "verify": r'(?:\s|=|:|"|^)AP[\dABCDEF][a-zA-Z0-9]{8,}(?:\s|"|$)',
        "templates": {
            "env": "ARTIFACTORY_PASSWORD={v}",
            "cli": "jfrog rt c acme --url=https://acme.jfrog.io --user=ci --password={v} --interactive=false",
            "prose": "the encrypted password from the profile page is {v} right?",
        },
    },
    {
        "id": "azure-storage-account-key",
        "family": "Azure",
        "plugin": "azure_storage_key.py",
        "value": r"[a-zA-Z0-9+/]{86}==",
        "verify": r"AccountKey=[a-zA-Z0-9+\/=]{88}",
        "templates": {
            "connection-string": "DefaultEndpointsProtocol=https;AccountName={u};AccountKey={v};EndpointSuffix=core.windows.net",
            "json": '{{"IsEncrypted": false, "Values": {{"AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName={u};AccountKey={v}"}}}}',
            "env": 'AZURE_STORAGE_CONNECTION_STRING="AccountName={u};AccountKey={v};EndpointSuffix=core.windows.net"',
        },
    },
    {
        "id": "basic-auth-url",
        "family": "Basic auth in URLs",
        "plugin": "basic_auth.py",
        "value": r"[a-zA-Z0-9]{8,12}[._~-][a-zA-Z0-9]{6,10}",
        "verify": rf"://[^{_DS_RESERVED}\s]+:([^{_DS_RESERVED}\s]+)@",
        "templates": {
            "env": "DATABASE_URL=postgres://app:{v}@db.acme.internal:5432/orders",
            "pip": "pip install --index-url https://ci:{v}@pypi.acme.dev/simple acme-sdk",
            "git": "git clone https://deploy:{v}@git.acme.dev/platform/api.git",
            "redis": 'cache = redis.from_url("redis://default:{v}@cache-7.acme.dev:6379/0")',
            "prose": "can you check why amqp://worker:{v}@mq.acme.dev:5672/ refuses the login?",
        },
    },
    {
        "id": "cloudant-credentials",
        "family": "IBM Cloud",
        "plugin": "cloudant.py",
        "value": r"[0-9a-f]{64}",
        "verify": r"(?:https?\:\/\/)[\w\-]+\:([0-9a-f]{64})\@[\w\-]+\.cloudant\.com|"
        + _ds_assignment(r"(?:cloudant|cl|clou)", r"(?:api|)" + _DS_KEY_OR_PASS, r"([0-9a-f]{64})"),
        "templates": {
            "url": "COUCH_URL=https://{u}:{v}@{u}.cloudant.com",
            "assignment": 'cloudant_password = "{v}"',
            "json": '{{"cloudant_password": "{v}", "host": "{u}.cloudant.com"}}',
        },
    },
    {
        "id": "discord-bot-token",
        "family": "Discord",
        "plugin": "discord.py",
        "value": r"[MNO][a-zA-Z\d_-]{23,25}\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}",
        "verify": r"[MNO][a-zA-Z\d_-]{23,25}\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}",
        "templates": {
            "code": 'client.run("{v}")',
            "prose": "my bot won't log in with {v}, did discord reset it?",
            "env": "BOT_CREDENTIAL={v}",
        },
    },
    {
        "id": "ibm-cloud-iam-key",
        "family": "IBM Cloud",
        "plugin": "ibm_cloud_iam.py",
        "value": r"[a-zA-Z0-9_\-]{44}",
        "verify": _ds_assignment(
            r"(?:ibm(?:_|-|)cloud(?:_|-|)iam|cloud(?:_|-|)iam|ibm(?:_|-|)cloud|ibm(?:_|-|)iam|ibm|iam|cloud|)",
            r"(?:api|)" + _DS_KEY_OR_PASS,
            r"([a-zA-Z0-9_\-]{44}(?![a-zA-Z0-9_\-]))",
        ),
        "templates": {
            "python": 'authenticator_config = {{"iam_apikey": "{v}"}}',
            "env": "IBM_CLOUD_APIKEY={v}",
            "yaml": "watsonx:\n  iam_apikey: {v}",
        },
    },
    {
        "id": "ibm-cos-hmac-secret",
        "family": "IBM Cloud",
        "plugin": "ibm_cos_hmac.py",
        "value": r"[a-f0-9]{48}",
        "verify": _ds_assignment(
            r"(?:(?:ibm)?[-_]?cos[-_]?(?:hmac)?|)",
            r"(?:secret[-_]?(?:access)?[-_]?key)",
            r"([a-f0-9]{48}(?![a-f0-9]))",
        ),
        "templates": {
            "json": '{{"cos_hmac_keys": {{"access_key_id": "{u}", "secret_access_key": "{v}"}}}}',
            "python": 'cos_secret_key = "{v}"',
            "env": "IBM_COS_HMAC_SECRET_ACCESS_KEY={v}",
        },
    },
    {
        "id": "mailchimp-api-key",
        "family": "Mailchimp",
        "plugin": "mailchimp.py",
        "value": r"[0-9a-f]{32}-us[0-9]{1,2}",
        "verify": r"[0-9a-z]{32}-us[0-9]{1,2}",
        "templates": {
            "code": 'client.set_config({{"api_key": "{v}", "server": "us6"}})',
            "prose": "the newsletter job uses {v} and fails since Monday",
            "log": "{ts} ERROR mailer rejected key {v} (401)",
        },
    },
    {
        "id": "npmrc-auth-token",
        "family": "npm",
        "plugin": "npm.py",
        "value": r"[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}",
        "verify": r"\/\/.+\/:_authToken=\s*((npm_.+)|([A-Fa-f0-9-]{36})).*",
        "templates": {
            "npmrc": "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={v}",
            "npmrc-private": "@acme:registry=https://npm.acme.dev/\n//npm.acme.dev/:_authToken={v}",
            "shell": "echo '//registry.npmjs.org/:_authToken={v}' >> ~/.npmrc",
        },
    },
    {
        "id": "pypi-test-token",
        "family": "PyPI",
        "plugin": "pypi_token.py",
        "value": r"pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9\-_]{70,90}",
        "verify": r"pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9-_]{70,}",
        "templates": {
            "pypirc": "[testpypi]\nusername = __token__\npassword = {v}",
            "env": "TWINE_PASSWORD={v}",
            "cli": "uv publish --publish-url https://test.pypi.org/legacy/ --token {v}",
        },
    },
    {
        "id": "softlayer-api-key",
        "family": "IBM Cloud",
        "plugin": "softlayer.py",
        "value": r"[a-z0-9]{64}",
        "verify": _ds_assignment(r"(?:softlayer|sl)(?:_|-|)(?:api|)", _DS_KEY_OR_PASS, r"([a-z0-9]{64})")
        + r"|(?:http|https)://api.softlayer.com/soap/(?:v3|v3.1)/([a-z0-9]{64})",
        "templates": {
            "python": 'softlayer_api_key = "{v}"',
            "url": "wsdl = 'https://api.softlayer.com/soap/v3.1/{v}'",
            "env": "SL_API_KEY={v}",
        },
    },
    {
        "id": "square-oauth-secret",
        "family": "Square",
        "plugin": "square_oauth.py",
        "value": r"sq0csp-[0-9A-Za-z\-_]{43}",
        "verify": r"sq0csp-[0-9A-Za-z\\\-_]{43}",
        "templates": {
            "env": "SQUARE_APPLICATION_SECRET={v}",
            "json": '{{"application_id": "sq0idp-{u}", "application_secret": "{v}"}}',
            "prose": "square oauth says invalid_client for {v}, wrong environment?",
        },
    },
    {
        "id": "telegram-bot-token",
        "family": "Telegram",
        "plugin": "telegram_token.py",
        "value": r"[1-9][0-9]{8,9}:[0-9A-Za-z_-]{35}",
        "verify": r"^\d{8,10}:[0-9A-Za-z_-]{35}$",
        "templates": {
            "prose-multiline": "BotFather gave me this token:\n{v}\nhow do I set the webhook?",
            "bare": "{v}",
            "note": "new bot for alerts\n{v}",
        },
    },
    {
        "id": "twilio-account-sid",
        "family": "Twilio",
        "plugin": "twilio.py",
        "value": r"AC[a-f0-9]{32}",
        "verify": r"AC[a-z0-9]{32}",
        "templates": {
            "env": "TWILIO_ACCOUNT_SID={v}",
            "code": 'client = Client("{v}", auth_token)',
            "url": "POST https://api.twilio.com/2010-04-01/Accounts/{v}/Messages.json",
        },
    },
    {
        "id": "aws-secret-access-key",
        "family": "AWS",
        "plugin": "aws.py",
        "value": r"[0-9a-zA-Z/+]{40}",
        "verify": r"aws.{0,20}?(?:key|pwd|pw|password|pass|token).{0,20}?['\"]([0-9a-zA-Z/+]{40})['\"]",
        "flags": re.IGNORECASE,
        "templates": {
            "credentials": 'aws_secret_access_key = "{v}"',
            "env": 'AWS_SECRET_ACCESS_KEY="{v}"',
            "json": '{{"aws_access_key_id": "AKIA{u}", "aws_secret_access_key": "{v}"}}',
        },
    },
    {
        "id": "keyword-secret",
        "family": "generic keyword-anchored",
        "plugin": "keyword.py",
        "value": r"[A-Za-z0-9]{6,10}[!#%*._~-][A-Za-z0-9]{6,10}",
        "verify": "(" + _DS_DENYLIST + r")\w*(\[[0-9]*\])?\s*[!=]{1,2}\s*(@)?(\")(" + _DS_SECRET
        + r")(\4)|(" + _DS_DENYLIST + r")\w*([]'\"]{0,2})?:(\s*)([\'\"`])(" + _DS_SECRET + r")(\10)",
        "flags": re.IGNORECASE,
        "templates": {
            "python-db": 'db_password = "{v}"',
            "json": '{{"database": "orders", "password": "{v}"}}',
            "c": 'char service_key[32] = "{v}";',
            "yaml": 'smtp:\n  host: mail.acme.dev\n  passwd: "{v}"',
            "js": 'const clientKey = "{v}";',
            "prose": 'the config says secret: "{v}", is that the one for staging?',
        },
    },
]  # fmt: skip


def detect_secrets_records(rng: random.Random) -> Iterator[Rec]:
    """Records for the detect-secrets formats (every template, one fresh value each)."""
    for spec in DETECT_SECRETS:
        verify = re.compile(spec["verify"], spec.get("flags", 0))
        tree = parse(spec["value"], re.ASCII)
        for name, template in spec["templates"].items():
            for _ in range(50):
                value, _ = generate(tree, rng)
                u = _rand(rng, string.ascii_lowercase + string.digits, 12).upper()
                if spec["id"] in ("azure-storage-account-key", "cloudant-credentials"):
                    u = u.lower()
                text = template.format(v=value, u=u, ts=_timestamp(rng))
                line = next(ln for ln in text.splitlines() if value in ln)
                if verify.search(line) and entropy(value) >= 3.0:
                    break
            else:
                raise GenError(f"detect-secrets {spec['id']}: {name} never verifies")
            yield Rec(
                text,
                spec["family"],
                "ds:" + spec["id"],
                "redact",
                [value],
                "secret",
                name,
                "detect-secrets",
            )
    # PuTTY and SSH2 private key files (private_key.py markers)
    for name in ("putty", "ssh2"):
        body = ids.b64(rng.randbytes(6 * 48))
        lines = [body[j : j + 64] for j in range(0, len(body), 64)]
        if name == "putty":
            mac = rng.randbytes(20).hex()
            text = (
                "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: deploy@ci\n"
                f"Private-Lines: {len(lines)}\n" + "\n".join(lines) + f"\nPrivate-MAC: {mac}"
            )
            values = [*lines, mac]
        else:
            text = (
                "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n"
                'Comment: "rsa-key-ci"\n'
                + "\n".join(lines)
                + "\n---- END SSH2 ENCRYPTED PRIVATE KEY ----"
            )
            values = lines
        yield Rec(
            text,
            "Private keys",
            f"ds:{name}-private-key",
            "redact",
            values,
            "secret",
            "file",
            "detect-secrets",
        )


# ------------------------------------------------------------------ structured PII

_FIRST = ["maria", "john", "li", "ahmed", "sofia", "lukas", "emma", "raj", "chloe", "diego"]
_LAST = ["garcia", "smith", "wang", "khan", "rossi", "novak", "dubois", "patel", "okafor"]
_DOMAINS = ["gmail.com", "outlook.com", "yahoo.co.uk", "acme-corp.com", "web.de", "orange.fr"]
_US_AREAS = ["212", "312", "415", "617", "646", "702", "713", "818", "917", "206", "303"]
_STATES = {
    "CA": r"[A-Z][0-9]{7}",
    "NY": r"[0-9]{9}",
    "FL": r"[A-Z][0-9]{12}",
    "TX": r"[0-9]{8}",
    "IL": r"[A-Z][0-9]{11}",
    "PA": r"[0-9]{8}",
    "WA": r"WDL[A-Z0-9]{9}",
}


def _email(rng: random.Random) -> str:
    f, last = rng.choice(_FIRST), rng.choice(_LAST)
    local = rng.choice([f"{f}.{last}", f"{f}_{last}{rng.randint(1, 99)}", f"{f[0]}{last}+work"])
    return f"{local}@{rng.choice(_DOMAINS)}"


def _phone(rng: random.Random) -> str:
    def d(n: int) -> str:
        return "".join(rng.choice(string.digits) for _ in range(n))

    region = rng.choice(["US", "US", "GB", "DE", "FR", "IN"])
    if region == "US":
        area, exch = rng.choice(_US_AREAS), str(rng.randint(2, 9)) + d(2)
        if exch[1:] == "11":
            exch = exch[0] + "23"
        line = d(4)
        return rng.choice(
            [f"({area}) {exch}-{line}", f"+1 {area}-{exch}-{line}", f"{area}.{exch}.{line}"]
        )
    if region == "GB":
        return rng.choice([f"+44 20 7{d(3)} {d(4)}", f"07{rng.randint(400, 599)} {d(6)}"])
    if region == "DE":
        return rng.choice([f"+49 30 {d(8)}", f"+49 151 {d(8)}", f"030 {d(8)}"])
    if region == "FR":
        return rng.choice([f"+33 6 {d(2)} {d(2)} {d(2)} {d(2)}", f"01 {d(2)} {d(2)} {d(2)} {d(2)}"])
    return f"+91 {rng.choice('6789')}{d(4)} {d(5)}"


def _driver_licence(rng: random.Random) -> tuple[str, str]:
    state = rng.choice(sorted(_STATES))
    value, _ = generate(parse(_STATES[state]), rng)
    return state, value


#: family -> (kind generator, templates). ``{v}`` is the value; ``{s}`` a US state.
PII: dict[str, tuple[Callable[[random.Random], tuple[str, str]], list[str], int]] = {
    "MAC address": (
        lambda r: ("mac", ids.mac_address(r)),
        [
            "The laptop with MAC {v} keeps dropping off the VPN.",
            '{{"device": {{"hostname": "build-07", "mac": "{v}"}}}}',
            "{ts} INFO dhcpd: DHCPACK to 10.0.3.17 ({v}) via eth1",
            "please whitelist hardware address {v} on the guest network",
        ],
        16,
    ),
    "US MBI": (
        lambda r: ("us-mbi", ids.us_mbi(r)),
        [
            "Patient's Medicare Beneficiary Identifier (MBI) is {v}, please verify eligibility.",
            "medicare number: {v}",
            '{{"member": {{"medicare_mbi": "{v}", "plan": "Part B"}}}}',
            "Claim rejected: MBI {v} not found for date of service.",
        ],
        14,
    ),
    "UK NINO": (
        lambda r: ("uk-nino", ids.uk_nino(r)),
        [
            "My National Insurance number is {v}, can you update my payroll record?",
            "NINO: {v}",
            '{{"employee": {{"ni_number": "{v}", "tax_code": "1257L"}}}}',
            "HMRC letter references national insurance no. {v}",
        ],
        14,
    ),
    "crypto wallet": (
        lambda r: r.choice(
            [
                ("btc-p2pkh", ids.btc_p2pkh(r)),
                ("btc-p2sh", ids.btc_p2sh(r)),
                ("btc-bech32", ids.bech32_address(r)),
                ("eth", ids.eth_address(r)),
            ]
        ),
        [
            "Send the refund to my wallet {v} please.",
            '{{"payout": {{"currency": "crypto", "address": "{v}"}}}}',
            "deposit address: {v}",
            "Can you check whether {v} received the transfer yesterday?",
        ],
        20,
    ),
    "US NPI": (
        lambda r: ("us-npi", ids.npi(r)),
        [
            "Referring provider NPI {v} is missing from the claim.",
            "NPI: {v}",
            '{{"provider": {{"npi": "{v}", "taxonomy": "207Q00000X"}}}}',
            "Dr. office national provider identifier is {v}",
        ],
        14,
    ),
    "ABA routing number": (
        lambda r: ("aba-routing", ids.aba_routing(r)),
        [
            "Direct deposit: routing number {v}, checking account.",
            "ABA {v} for the wire, please",
            '{{"bank": {{"routing_number": "{v}", "account_type": "checking"}}}}',
            "The bank's ABA routing transit number is {v}.",
        ],
        14,
    ),
    "UK NHS number": (
        lambda r: ("uk-nhs", ids.nhs_number(r)),
        [
            "NHS number {v} - appointment moved to Thursday.",
            "patient nhs no: {v}",
            '{{"patient": {{"nhs_number": "{v}", "gp_practice": "Y02827"}}}}',
            "Please find the referral for NHS no. {v} attached.",
        ],
        14,
    ),
    "US ITIN": (
        lambda r: ("us-itin", ids.us_itin(r)),
        [
            "My ITIN is {v}, I don't have an SSN yet.",
            "taxpayer identification number (ITIN): {v}",
            '{{"tax": {{"itin": "{v}", "year": 2025}}}}',
        ],
        12,
    ),
    "US driver's licence": (
        lambda r: ("us-driver-license", "{s}|" + "|".join(_driver_licence(r))),
        [
            "Driver's license number {v} ({s}), expires 2029.",
            "DL# {v} state {s}",
            '{{"identity": {{"driver_license": "{v}", "state": "{s}"}}}}',
            "Customer showed driver license {v} issued in {s}.",
        ],
        14,
    ),
    "IP address": (
        lambda r: (
            ("ipv4", ids.ipv4_public(r)) if r.random() < 0.6 else ("ipv6", ids.ipv6_global(r))
        ),
        [
            "{ts} WARN auth: 5 failed logins from {v}",
            "The customer connects from {v}, can you geo-locate it?",
            '{{"client": {{"ip": "{v}", "user_agent": "curl/8.5.0"}}}}',
            "blocked {v} at the edge after the scan",
        ],
        16,
    ),
    "email": (
        lambda r: ("email", _email(r)),
        [
            "Please forward the invoice to {v} by Friday.",
            '{{"name": "notify", "arguments": {{"to": "{v}", "template": "welcome"}}}}',
            "{ts} INFO mailer queued message for {v}",
        ],
        12,
    ),
    "phone": (
        lambda r: ("phone", _phone(r)),
        [
            "Call me back on {v} after 5pm.",
            '{{"contact": {{"phone": "{v}", "preferred": true}}}}',
            "customer phone: {v}",
            "My number changed, it's {v} now.",
        ],
        16,
    ),
    "credit card": (
        lambda r: ("credit-card", ids.credit_card(r)),
        [
            "Charge it to my card {v}, expiry 09/28.",
            '{{"payment": {{"card_number": "{v}", "exp": "11/27"}}}}',
            "the card ending in the number {v} was declined",
        ],
        12,
    ),
    "US SSN": (
        lambda r: ("us-ssn", ids.us_ssn(r)),
        [
            "My SSN is {v}.",
            "social security number: {v}",
            '{{"applicant": {{"ssn": "{v}", "dob_year": 1984}}}}',
        ],
        12,
    ),
    "IBAN": (
        lambda r: ("iban", ids.iban(r)),
        [
            "Please transfer the deposit to IBAN {v}.",
            '{{"payout": {{"iban": "{v}", "bic": "DEUTDEFF"}}}}',
            "Bankverbindung / bank account: {v}",
        ],
        12,
    ),
}


def pii_records(rng: random.Random) -> Iterator[Rec]:
    """Structured identifiers in sentences, JSON and log lines."""
    for family, (make, templates, n) in PII.items():
        order = list(range(len(templates)))
        for i in range(n):
            if i % len(templates) == 0:
                rng.shuffle(order)
            kind, value = make(rng)
            state = ""
            if value.startswith("{s}|"):
                _, state, value = value.split("|")
            template = templates[order[i % len(templates)]]
            text = template.format(v=value, s=state, ts=_timestamp(rng))
            yield Rec(
                text,
                family,
                kind,
                "redact",
                [value],
                "pii",
                f"t{order[i % len(templates)]}",
                "builder",
            )


# ------------------------------------------------------------------ controls

#: Documented placeholders and references that are not secrets (what docs and examples use).
PLACEHOLDERS: list[tuple[str, str]] = [
    ("aws-example-key-id", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE"),
    ("aws-example-key-id", 'aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE --profile demo'),
    ("aws-example-key-id", '{"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "Expiration": "2026-01-01T00:00:00Z"}'),
    ("aws-example-secret", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("aws-example-secret", 'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"'),
    ("x-run", 'export OPENAI_API_KEY="sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"'),
    ("x-run", "ANTHROPIC_API_KEY=sk-ant-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("x-run", "export HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("x-run", "STRIPE_SECRET_KEY=sk_test_XXXXXXXXXXXXXXXXXXXXXXXX"),
    ("x-run", "GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
    ("x-run", 'client = OpenAI(api_key="sk-...")'),
    ("x-run", "OPENAI_API_KEY=sk-..."),
    ("stars", 'api_key: "********"'),
    ("stars", "password: ****"),
    ("stars", '{"token": "************", "note": "masked by the dashboard"}'),
    ("stars", "Authorization: Bearer ****************"),
    ("env-substitution", 'token = "${API_KEY}"'),
    ("env-substitution", "Authorization: Bearer ${OPENAI_API_KEY}"),
    ("env-substitution", "api_key: ${MCP_LLM_TRACE_API_KEY:-}"),
    ("env-substitution", 'curl -H "X-Api-Key: $API_KEY" https://api.example.com/v1/models'),
    ("env-substitution", "export OTEL_EXPORTER_OTLP_HEADERS=api_key=${PHOENIX_API_KEY}"),
    ("env-substitution", "password: ${DB_PASSWORD}"),
    ("env-substitution", "set API_TOKEN=%API_TOKEN%"),
    ("command-substitution", 'curl -H "Authorization: Bearer $(gcloud auth print-access-token)" https://us-central1-aiplatform.googleapis.com/v1/projects/demo/locations/us-central1/publishers/google/models'),
    ("command-substitution", "export GITHUB_TOKEN=$(gh auth token)"),
    ("command-substitution", "TOKEN=$(vault kv get -field=token secret/ci)"),
    ("command-substitution", 'export AWS_SESSION_TOKEN="$(aws sts get-session-token --query Credentials.SessionToken --output text)"'),
    ("angle-placeholder", '"apiKey": "<your-key>"'),
    ("angle-placeholder", "GITHUB_TOKEN=<your-github-token>"),
    ("angle-placeholder", "Authorization: Bearer <YOUR_TOKEN>"),
    ("angle-placeholder", "api_key = '<API_KEY>'"),
    ("angle-placeholder", "curl -u <username>:<password> https://api.example.com/v1/status"),
    ("named-placeholder", "OPENAI_API_KEY=your-api-key-here"),
    ("named-placeholder", 'api_key="YOUR_API_KEY"'),
    ("named-placeholder", "SLACK_BOT_TOKEN=xoxb-your-bot-token"),
    ("named-placeholder", "secret_key: REPLACE_ME"),
    ("named-placeholder", 'token: "changeme"'),
    ("template-reference", "password: '{{ .Values.postgres.password }}'"),
    ("template-reference", "token: ${{ secrets.GITHUB_TOKEN }}"),
    ("template-reference", "api_key: {{ env \"ANTHROPIC_API_KEY\" }}"),
    ("code-reference", 'client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])'),
    ("code-reference", 'api_key = os.getenv("ANTHROPIC_API_KEY")'),
    ("code-reference", "const token = process.env.GITHUB_TOKEN;"),
    ("code-reference", "password = settings.DATABASES['default']['PASSWORD']"),
    ("code-reference", "headers = {\"Authorization\": f\"Bearer {token}\"}"),
    ("code-reference", 'secret = keyring.get_password("acme", "deploy")'),
    ("empty", 'OPENAI_API_KEY=""'),
    ("empty", "api_key: null"),
    ("empty", '{"password": "", "username": "demo"}'),
    ("redacted", "Authorization: Bearer [REDACTED]"),
    ("redacted", "api_key=<redacted>"),
    ("redacted", "token: '<hidden>'"),
    ("docs-prose", "Set OPENAI_API_KEY to the key from your dashboard (it starts with sk-)."),
    ("docs-prose", "Replace AKIAIOSFODNN7EXAMPLE with your own access key ID."),
    ("docs-prose", "Keys look like sk-proj-… and must never be committed."),
    ("docs-prose", "Generate a token with `gh auth token` and export it as GITHUB_TOKEN."),
    ("docs-prose", "The default password is not set; pass it with --password-file."),
    ("docs-prose", "xoxb- tokens are bot tokens, xoxp- tokens are user tokens."),
    ("docs-prose", "Never log the Authorization header; log its length instead."),
    ("docs-prose", "An IBAN has up to 34 characters; a card number 12 to 19 digits."),
]  # fmt: skip


def control_records() -> Iterator[Rec]:
    """Real-repository lines (snapshot) and documented placeholders: expect keep."""
    path = SNAPSHOTS / "controls.jsonl"
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            c = json.loads(line)
            yield Rec(
                c["text"],
                c["category"],
                c["category"],
                "keep",
                [],
                "control",
                c["path"].rsplit(".", 1)[-1],
                f"{c['repo']}@{c['commit'][:12]}:{c['path']}:{c['line']}",
            )
    for kind, text in PLACEHOLDERS:
        yield Rec(text, "documented placeholder", kind, "keep", [], "control", kind, "builder")


# ------------------------------------------------------------------ assembly


def build() -> list[dict[str, Any]]:
    """All records, numbered."""
    rules, _snap = load_rules()
    by_id = {r.id: r for r in rules}
    recs: list[Rec] = []
    recs += gitleaks_records(rules, random.Random(SEED))
    recs += special_records(by_id, random.Random(SEED + 1))
    recs += detect_secrets_records(random.Random(SEED + 2))
    recs += pii_records(random.Random(SEED + 3))
    recs += control_records()
    out = []
    prefix = {"secret": "s", "pii": "p", "control": "c"}
    counters: Counter[str] = Counter()
    for r in recs:
        counters[r.part] += 1
        out.append(
            {
                "id": f"{prefix[r.part]}{counters[r.part]:04d}",
                "text": r.text,
                "family": r.family,
                "kind": r.kind,
                "expect": r.expect,
                "secret_values": r.secret_values,
                "part": r.part,
                "context": r.context,
                "source": r.source,
            }
        )
    return out


def dumps(rows: list[dict[str, Any]]) -> str:
    """The JSON-lines text of ``rows``."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def check(path: Path = CORPUS) -> bool:
    """Whether ``path`` equals a fresh build."""
    return path.exists() and path.read_text(encoding="utf-8") == dumps(build())


def stats(rows: list[dict[str, Any]]) -> str:
    """Sizes per part, kinds and families."""
    lines = []
    for part in ("secret", "pii", "control"):
        sel = [r for r in rows if r["part"] == part]
        kinds = {r["kind"] for r in sel}
        fams = Counter(r["family"] for r in sel)
        lines.append(f"{part}: {len(sel)} records, {len(kinds)} kinds, {len(fams)} families")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI: write, check or describe the corpus."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--check", action="store_true", help="exit 1 if corpus.jsonl is not up to date")
    ap.add_argument("--stats", action="store_true", help="print sizes per part")
    ap.add_argument("--out", type=Path, default=CORPUS)
    args = ap.parse_args(argv)
    if args.check:
        ok = check(args.out)
        print("corpus up to date" if ok else f"{args.out} is stale: run build.py", file=sys.stderr)
        return 0 if ok else 1
    rows = build()
    if args.stats:
        print(stats(rows))
        return 0
    args.out.write_text(dumps(rows), encoding="utf-8")
    print(stats(rows), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
