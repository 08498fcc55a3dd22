"""PII profiles (minimal / default / strict) and the identifiers the default profile adds.

Every positive sample is generated here, with its checksum computed by the helpers below
(never copied from Presidio's or anyone's tests): MAC addresses, Bitcoin base58check and
bech32/bech32m addresses, EIP-55 Ethereum addresses, UK NINO/NHS, US MBI/NPI/ITIN/ABA,
driver's licences. Negatives: the same values with a broken checksum, and technical
lines (hashes, UUIDs, git SHAs, versions, timestamps, ports, bare 9/10-digit ids) that
must come out unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import random
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.corpus.evaluate import load_corpus
from tests.corpus.external.identifiers import _B58 as B58
from tests.corpus.external.identifiers import base58check
from tests.support.presidio_gating import assert_gating_is_exact

from mcp_llm_trace._settings import PII_PROFILES
from mcp_llm_trace.config import ConfigError, PrivacyConfig, load_config
from mcp_llm_trace.privacy import Scrubber
from mcp_llm_trace.privacy import presidio_engine as pe
from mcp_llm_trace.privacy.patterns import keccak256, load_pack

RNG = random.Random(20261118)
N = 12  # generated samples per format


# ------------------------------------------------------------------ generators


def digits(n: int, first: str = "0123456789") -> str:
    return RNG.choice(first) + "".join(RNG.choice(string.digits) for _ in range(n - 1))


def luhn_digit(payload: str) -> str:
    """The check digit that makes ``payload + digit`` Luhn-valid."""
    total = 0
    for i, c in enumerate(reversed(payload)):
        d = int(c)
        if i % 2 == 0:  # doubled: the check digit will sit to the right
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str(-total % 10)


def nhs(valid: bool = True) -> str:
    while True:
        body = digits(9)
        rest = sum(int(c) * w for c, w in zip(body, range(10, 1, -1), strict=True)) % 11
        check = (11 - rest) % 11
        if check != 10 and len(set(body)) > 1:
            break
    if not valid:  # the check digit has weight 1: moving it by 1-9 breaks the sum mod 11
        check = (check + RNG.randint(1, 9)) % 10
    return body + str(check)


def npi(valid: bool = True, first: str = "12") -> str:
    body = digits(9, first)
    check = luhn_digit("80840" + body)
    if not valid:
        check = str((int(check) + RNG.randint(1, 9)) % 10)
    return body + check


# First two digits of routing numbers: Federal Reserve districts 01-12, thrifts 21-32,
# electronic 61-72, traveller's cheques 80.
ABA_HEADS = [f"{n:02d}" for n in (*range(1, 13), *range(21, 33), *range(61, 73), 80)]


def aba(valid: bool = True) -> str:
    head = RNG.choice(ABA_HEADS)
    body = head + digits(6)
    partial = sum(int(c) * w for c, w in zip(body, (3, 7, 1, 3, 7, 1, 3, 7), strict=True))
    check = -partial % 10
    if not valid:
        check = (check + RNG.randint(1, 9)) % 10
    return body + str(check)


BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _polymod(values: list[int]) -> int:
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = ((chk & 0x1FFFFFF) << 5) ^ v
        for i in range(5):
            chk ^= gen[i] if (b >> i) & 1 else 0
    return chk


def segwit(witver: int, program: bytes) -> str:
    """BIP-173 (v0, bech32) / BIP-350 (v1+, bech32m) mainnet address."""
    acc, bits, data = 0, 0, [witver]
    for byte in program:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    const = 1 if witver == 0 else 0x2BC830A3
    hrp = [ord(c) >> 5 for c in "bc"] + [0] + [ord(c) & 31 for c in "bc"]
    pm = _polymod(hrp + data + [0] * 6) ^ const
    return "bc1" + "".join(BECH[d] for d in data + [(pm >> 5 * (5 - i)) & 31 for i in range(6)])


def eip55(hex40: str) -> str:
    digest = keccak256(hex40.lower().encode()).hex()
    return "0x" + "".join(
        c.upper() if int(h, 16) >= 8 else c for c, h in zip(hex40, digest[:40], strict=True)
    )


def hex_(n: int) -> str:
    return "".join(RNG.choice("0123456789abcdef") for _ in range(n))


def mac(sep: str) -> str:
    octets = [f"{RNG.randrange(256):02X}" for _ in range(6)]
    if sep == ".":
        flat = "".join(octets)
        return ".".join(flat[i : i + 4] for i in (0, 4, 8))
    return sep.join(octets)


NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
NINO_BANNED = {"BG", "GB", "NK", "KN", "NT", "TN", "ZZ"}


def nino(spaced: bool) -> str:
    while True:
        prefix = RNG.choice(NINO_FIRST) + RNG.choice(NINO_SECOND)
        if prefix not in NINO_BANNED:
            break
    d = digits(6)
    suffix = RNG.choice("ABCD")
    return f"{prefix} {d[:2]} {d[2:4]} {d[4:]} {suffix}" if spaced else f"{prefix}{d}{suffix}"


MBI_ALPHA = "ACDEFGHJKMNPQRTUVWXY"


def mbi(sep: str) -> str:
    an = MBI_ALPHA + string.digits
    c = [
        RNG.choice("123456789"),
        RNG.choice(MBI_ALPHA),
        RNG.choice(an),
        RNG.choice(string.digits),
        RNG.choice(MBI_ALPHA),
        RNG.choice(an),
        RNG.choice(string.digits),
        RNG.choice(MBI_ALPHA),
        RNG.choice(MBI_ALPHA),
        RNG.choice(string.digits),
        RNG.choice(string.digits),
    ]
    s = "".join(c)
    return f"{s[:4]}{sep}{s[4:7]}{sep}{s[7:]}"


def itin(sep: str) -> str:
    group = RNG.choice([*range(50, 66), *range(70, 89), *range(90, 93), *range(94, 100)])
    return f"9{digits(2)}{sep}{group:02d}{sep}{digits(4)}"


def grouped(value: str, sizes: tuple[int, ...], sep: str) -> str:
    out, pos = [], 0
    for n in sizes:
        out.append(value[pos : pos + n])
        pos += n
    return sep.join(out)


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module", params=["presidio", "regex"])
def scrubber(request: pytest.FixtureRequest) -> Scrubber:
    s = Scrubber(PrivacyConfig(presidio=request.param == "presidio"), cache_size=0)
    s.warm_up()
    if request.param == "presidio":
        assert s.engine_status == "presidio:pattern"
    return s


def _found(s: Scrubber, text: str, value: str, entity: str) -> None:
    report = s.analyze(text)
    assert value not in report.scrubbed, (text, report.scrubbed)
    assert entity in report.counts, (text, report.counts)


def _absent(s: Scrubber, text: str, entity: str) -> None:
    report = s.analyze(text)
    assert entity not in report.counts, (text, report.scrubbed)


# ------------------------------------------------------------------ positives


def _positives() -> list[tuple[str, str, str]]:
    """(entity, text, the value that must disappear)."""
    out: list[tuple[str, str, str]] = []
    for _ in range(N):
        for sep in (":", "-", "."):
            v = mac(sep)
            out.append(("MAC_ADDRESS", f"client {v} associated with the access point", v))
        v = base58check(0x00, RNG.randbytes(20))
        out.append(("CRYPTO", f"send the refund to {v} please", v))
        v = base58check(0x05, RNG.randbytes(20))
        out.append(("CRYPTO", f"multisig {v}", v))
        v = segwit(0, RNG.randbytes(20))
        out.append(("CRYPTO", f"pay {v} today", v))
        v = segwit(1, RNG.randbytes(32))
        out.append(("CRYPTO", f"taproot output {v}", v))
        v = eip55(hex_(40))
        out.append(("CRYPTO", f"transfer from {v}.", v))
        v = "0x" + hex_(40)
        out.append(("CRYPTO", f"my wallet is {v}", v))
        v = nino(spaced=RNG.random() < 0.5)
        out.append(("UK_NINO", f"National Insurance: {v}", v))
        out.append(("UK_NINO", f"ref {v} on file", v))
        v = grouped(nhs(), (3, 3, 4), RNG.choice([" ", "-", ""]))
        out.append(("UK_NHS", f"NHS number {v}", v))
        v = mbi(RNG.choice(["", "-"]))
        out.append(("US_MBI", f"Medicare card {v}", v))
        out.append(("US_MBI", f"member {v} eligible", v))
        v = npi()
        out.append(("US_NPI", f"NPI: {v}", v))
        out.append(("US_NPI", f"provider id {v} (billing)", v))
        v = grouped(npi(), (4, 3, 3), RNG.choice([" ", "-"]))
        out.append(("US_NPI", f"prescriber record {v} verified", v))
        out.append(("US_NPI", f"see {v}", v))
        v = itin(RNG.choice(["-", " "]))
        out.append(("US_ITIN", f"taxpayer {v}", v))
        v = itin("")
        out.append(("US_ITIN", f"ITIN {v}", v))
        v = aba()
        out.append(("ABA_ROUTING_NUMBER", f"routing number {v}", v))
        out.append(("ABA_ROUTING_NUMBER", f"ABA {v}", v))
        v = grouped(aba(), (4, 4, 1), "-")
        out.append(("ABA_ROUTING_NUMBER", f"cheque {v}", v))
        v = RNG.choice(string.ascii_uppercase) + digits(RNG.randint(6, 12))
        out.append(("US_DRIVER_LICENSE", f"driver's license {v}", v))
        out.append(("US_DRIVER_LICENSE", f"License number: {v}", v))
    return out


POSITIVES = _positives()


@pytest.mark.parametrize(("entity", "text", "value"), POSITIVES)
def test_default_profile_finds_generated_identifier(
    scrubber: Scrubber, entity: str, text: str, value: str
) -> None:
    _found(scrubber, text, value, entity)


def test_samples_cover_every_new_entity() -> None:
    new = set(PII_PROFILES["default"]) - {
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "US_SSN",
        "IBAN_CODE",
        "IP_ADDRESS",
    }
    assert {e for e, _, _ in POSITIVES} == new


def test_checksum_helpers_agree_with_presidio() -> None:
    """Our generators against Presidio's own validators (an independent implementation)."""
    rec = pytest.importorskip("presidio_analyzer.predefined_recognizers")
    crypto, nhs_rec = rec.CryptoRecognizer(), rec.NhsRecognizer()
    aba_rec, npi_rec = rec.AbaRoutingRecognizer(), rec.UsNpiRecognizer()
    for _ in range(50):
        assert crypto.validate_result(base58check(0, RNG.randbytes(20)))
        assert crypto.validate_result(segwit(0, RNG.randbytes(20)))
        assert crypto.validate_result(segwit(1, RNG.randbytes(32)))
        assert nhs_rec.validate_result(nhs()) and not nhs_rec.validate_result(nhs(False))
        assert aba_rec.validate_result(aba()) and not aba_rec.validate_result(aba(False))
        assert npi_rec.validate_result(npi()) and not npi_rec.validate_result(npi(False))


def test_keccak_is_keccak() -> None:
    # The sponge with SHA-3's padding must be SHA3-256; with Keccak's, the known digest.
    for n in (0, 1, 135, 136, 137, 500):
        data = RNG.randbytes(n)
        assert keccak256(data, pad=0x06) == hashlib.sha3_256(data).digest()
    assert keccak256(b"").hex().startswith("c5d2460186f7233c927e7db2dcc703c0")


# ------------------------------------------------------------------ negatives


def _broken_negatives() -> list[tuple[str, str]]:
    """(entity, text): right shape and context, wrong checksum or forbidden letters."""
    out: list[tuple[str, str]] = []
    for _ in range(N):
        out.append(("UK_NHS", f"NHS number {nhs(valid=False)}"))
        out.append(("US_NPI", f"NPI: {npi(valid=False)}"))
        out.append(("US_NPI", f"NPI: {npi(first='3456789')}"))  # must start with 1 or 2
        out.append(("ABA_ROUTING_NUMBER", f"routing number {aba(valid=False)}"))
        out.append(("ABA_ROUTING_NUMBER", f"routing number {RNG.choice('459')}{digits(8)}"))
        good = base58check(0, RNG.randbytes(20))
        i = RNG.randrange(1, len(good))
        bad = good[:i] + RNG.choice(B58.replace(good[i], "")) + good[i + 1 :]
        out.append(("CRYPTO", f"send to {bad}"))
        seg = segwit(0, RNG.randbytes(20))
        j = RNG.randrange(4, len(seg))
        out.append(("CRYPTO", f"send to {seg[:j] + BECH.replace(seg[j], '')[0] + seg[j + 1 :]}"))
        addr = eip55(hex_(40))
        flipped = "0x" + "".join(c.swapcase() if c.isalpha() else c for c in addr[2:])
        if flipped[2:].lower() != flipped[2:] and flipped[2:].upper() != flipped[2:]:
            out.append(("CRYPTO", f"transfer from {flipped}."))
        out.append(("UK_NINO", f"NINO {RNG.choice('DFIQUV')}A{digits(6)}B"))
        out.append(("UK_NINO", f"NINO {RNG.choice(sorted(NINO_BANNED))}{digits(6)}C"))
        out.append(("UK_NINO", f"NINO AB{digits(6)}E"))  # suffix must be A-D
        m = mbi("")
        out.append(("US_MBI", f"Medicare {m[:1] + RNG.choice('SLOIBZ') + m[2:]}"))
        out.append(("US_MBI", f"Medicare 0{m[1:]}"))  # first character 1-9
        out.append(
            ("US_ITIN", f"taxpayer 9{digits(2)}-{RNG.choice(['93', '89', '66', '49'])}-{digits(4)}")
        )
        out.append(("US_DRIVER_LICENSE", f"ticket D{digits(7)} closed"))  # no context
        out.append(("MAC_ADDRESS", "FF:FF:FF:FF:FF:FF and 00-00-00-00-00-00"))
    return out


@pytest.mark.parametrize(("entity", "text"), _broken_negatives())
def test_broken_checksum_or_format_is_not_that_entity(
    scrubber: Scrubber, entity: str, text: str
) -> None:
    _absent(scrubber, text, entity)


def _technical() -> list[str]:
    """Lines from logs, code and configs: nothing in them is personal data."""
    lines = [
        "commit ce123456a fixed the flaky test; see also ab1234567",
        "bump version 1.2.3 -> 1.10.0-rc.1 (build 2024.0318.1200)",
        "listening on http://localhost:8080 and 0.0.0.0:9464, pid 12345",
        "2024-03-18T12:34:56.789Z INFO request done in 12:34:56 (00:01:02)",
        "pod api-7f9c8d6b5-x2x4z restarted 3 times; node ip-10-0-1-23",
        'ETag W/"5d41402abc4b2a76b9719d911017c592" and If-None-Match',
        "a:b:c:d in the graph, 12-34-56-78-9A (five pairs), de:ad:be:ef",
        "Order placed on 2024-03-18 at 09:14 with 3 items for 250 EUR.",
    ]
    for _ in range(N):
        lines.append(f"uuid {hex_(8)}-{hex_(4)}-4{hex_(3)}-a{hex_(3)}-{hex_(12)} created")
        lines.append(f"sha1 {hex_(40)} sha256:{hex_(64)} md5={hex_(32)}")
        # (An all-digit short SHA such as 0400895 reads as a phone number: the phone
        # recognizer's business, not these entities'; keep a letter in it.)
        short = next(v for v in iter(lambda: hex_(7), None) if not v.isdigit())
        lines.append(f"git checkout {short} && git cherry-pick {hex_(12)}")
        lines.append(f"tx hash 0x{hex_(64)} in block {digits(8, '123456789')}")
        lines.append(f"keccak 0x{hex_(40)} = storage slot")
        # Numbers that pass the NPI/NHS/ABA checksums but have no context word.
        epoch = npi(first="1")
        lines.append(f"ts={epoch} elapsed_ms={digits(13, '1')} port {RNG.randint(1024, 65535)}")
        aba_like = next(v for v in iter(aba, None) if v[0] != "0")  # 0…: a phone trunk prefix
        lines.append(f"id {aba_like} rows {digits(9, '123')} offset {digits(6)}")
        nhs_like = next(v for v in iter(nhs, None) if v[0] == "1")
        lines.append(f"event {nhs_like} from worker-{RNG.randint(1, 99)}")
        lines.append(f"base58-ish {''.join(RNG.choice(B58) for _ in range(34))}")
    return lines


TECHNICAL = _technical()


def _bare_numbers() -> list[tuple[str, str]]:
    """Checksum-valid numbers without a context word: not that identifier (they may
    still look like a phone number, which is the phone recognizer's business)."""
    out = []
    for _ in range(N):
        out.append(("ABA_ROUTING_NUMBER", f"order id {aba()} shipped"))
        out.append(("US_NPI", f"ts={npi()} ok"))
        out.append(("UK_NHS", f"ref {nhs()}"))
        out.append(("US_ITIN", f"row {itin('')} of the export"))
        out.append(("US_NPI", f"artifact {grouped(npi(), (4, 3, 3), '-')}.tar.gz"))
        out.append(("ABA_ROUTING_NUMBER", f"v{grouped(aba(), (4, 4, 1), '-')}.zip"))
        out.append(("US_BANK_NUMBER", f"offset {digits(12)}"))
    return out


@pytest.mark.parametrize(("entity", "text"), _bare_numbers())
def test_bare_checksum_valid_numbers_need_context(
    scrubber: Scrubber, entity: str, text: str
) -> None:
    _absent(scrubber, text, entity)


@pytest.mark.parametrize("line", TECHNICAL)
def test_technical_lines_are_untouched(scrubber: Scrubber, line: str) -> None:
    assert scrubber.scrub_text(line) == line


# ------------------------------------------------------------------ profiles and config


def test_profile_entity_lists() -> None:
    assert PrivacyConfig().profile == "default"
    assert PrivacyConfig().effective_entities == PII_PROFILES["default"]
    assert set(PII_PROFILES["minimal"]) < set(PII_PROFILES["default"]) < set(PII_PROFILES["strict"])
    assert PrivacyConfig(profile="minimal").effective_entities == (
        "EMAIL_ADDRESS",
        "CREDIT_CARD",
        "US_SSN",
    )
    with pytest.raises(ConfigError, match="paranoid"):
        PrivacyConfig(profile="paranoid")


def test_profile_from_yaml_and_env(tmp_path: Path) -> None:
    path = tmp_path / "obs.yaml"
    path.write_text("observability:\n  data_privacy:\n    profile: strict\n", encoding="utf-8")
    cfg = load_config(path, environ={})
    assert cfg.privacy.profile == "strict"
    assert cfg.privacy.effective_entities == PII_PROFILES["strict"]
    cfg = load_config(path, environ={"MCP_LLM_TRACE_PII_PROFILE": "minimal"})
    assert cfg.privacy.effective_entities == PII_PROFILES["minimal"]  # env beats the file
    cfg = load_config(environ={"MCP_LLM_TRACE_PRIVACY_PROFILE": "Strict"})
    assert cfg.privacy.profile == "strict"
    assert load_config(privacy_profile="minimal", environ={}).privacy.profile == "minimal"


def test_explicit_entities_win_over_the_profile(tmp_path: Path) -> None:
    path = tmp_path / "obs.yaml"
    path.write_text(
        "data_privacy:\n  profile: strict\n  entities: [EMAIL_ADDRESS, MAC_ADDRESS]\n",
        encoding="utf-8",
    )
    cfg = load_config(path, environ={})
    assert cfg.privacy.effective_entities == ("EMAIL_ADDRESS", "MAC_ADDRESS")
    s = Scrubber(cfg.privacy)
    out = s.scrub_text("a@example.org 00:1A:2B:3C:4D:5E card 4111 1111 1111 1111")
    assert out == "[EMAIL] [MAC_ADDRESS] card 4111 1111 1111 1111"


def test_empty_entity_list_means_secrets_only(tmp_path: Path) -> None:
    path = tmp_path / "obs.yaml"
    path.write_text("data_privacy:\n  entities: []\n", encoding="utf-8")
    cfg = load_config(path, environ={})
    assert cfg.privacy.effective_entities == ()
    key = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
    for presidio in (True, False):
        s = Scrubber(PrivacyConfig(entities=(), presidio=presidio))
        assert s.scrub_text(f"a@example.org {key}") == "a@example.org [OPENAI_API_KEY]"


@pytest.mark.parametrize("presidio", [True, False])
def test_minimal_profile(presidio: bool) -> None:
    s = Scrubber(PrivacyConfig(profile="minimal", presidio=presidio))
    key = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    text = f"bob@example.org 4111 1111 1111 1111 536-22-8751 +44 20 7946 0958 {key} 10.1.2.3"
    assert (
        s.scrub_text(text) == "[EMAIL] [CREDIT_CARD] [SSN] +44 20 7946 0958 [GITHUB_TOKEN] 10.1.2.3"
    )


@pytest.mark.parametrize("presidio", [True, False])
def test_strict_profile_adds_context_identifiers(presidio: bool) -> None:
    # Explicit strict list without NER: keeps the test fast whether or not spaCy's model
    # is installed; the profile still decides which Presidio recognizers load.
    ents = tuple(e for e in PII_PROFILES["strict"] if e not in pe.NER_ENTITIES)
    s = Scrubber(PrivacyConfig(profile="strict", entities=ents, presidio=presidio))
    d = Scrubber(PrivacyConfig(presidio=presidio))
    # (Passport digits start 5/9: no ABA or NPI prefix, so no other label competes.)
    acct, pp, ukpp = digits(12, "123456789"), digits(9, "59"), "GB" + digits(7)
    for entity, text, value in [
        ("US_BANK_NUMBER", f"bank account {acct}", acct),
        ("US_PASSPORT", f"passport no. {pp}", pp),
        ("UK_PASSPORT", f"UK passport {ukpp}", ukpp),
    ]:
        _found(s, text, value, entity)
        _absent(d, text, entity)


def test_strict_runs_presidio_checksum_recognizers_on_bare_numbers() -> None:
    ents = tuple(e for e in PII_PROFILES["strict"] if e not in pe.NER_ENTITIES)
    strict = Scrubber(PrivacyConfig(profile="strict", entities=ents), cache_size=0)
    default = Scrubber(PrivacyConfig(), cache_size=0)
    for value in (aba(), npi(first="1")):
        text = f"value {value}"
        assert value not in strict.scrub_text(text)
        assert default.scrub_text(text) == text


def test_strict_without_ner_model_is_quiet(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(pe, "_SHARED", {})
    monkeypatch.setattr(pe, "_load_ner_model", lambda: None)
    s = Scrubber(PrivacyConfig(profile="strict"))
    with caplog.at_level(logging.INFO, logger="mcp_llm_trace.privacy"):
        s.warm_up()
    assert s.presidio is not None and s.presidio.ner_status.startswith("off")
    assert s.engine_status == "presidio:pattern"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "PERSON" not in s.presidio._active_entities
    assert "[MAC_ADDRESS]" in s.scrub_text("mac 00:1A:2B:3C:4D:5E")
    # Listing PERSON explicitly still warns: the user asked for it.
    monkeypatch.setattr(pe, "_SHARED", {})
    caplog.clear()
    s = Scrubber(PrivacyConfig(entities=("PERSON",)))
    s.warm_up()
    assert any(r.levelno == logging.WARNING for r in caplog.records)


# ------------------------------------------------------------------ engine wiring


def _recognizers(s: Scrubber) -> set[str]:
    assert s.presidio is not None
    return {type(r).__name__ for r in s.presidio._engine.registry.recognizers}


def test_noisy_presidio_recognizers_load_only_in_strict() -> None:
    default = Scrubber(PrivacyConfig())
    default.warm_up()
    loaded = _recognizers(default)
    # MAC, crypto, NINO and MBI are served by pii.yml's validated regexes (same findings
    # on the corpora, a fraction of Presidio's per-recognizer cost): not loaded either.
    assert not loaded & {"MacAddressRecognizer", "CryptoRecognizer", "UkNinoRecognizer"}
    assert not loaded & {"NhsRecognizer", "UsNpiRecognizer", "AbaRoutingRecognizer"}
    assert not loaded & {"UsLicenseRecognizer", "UsMbiRecognizer"}
    ents = tuple(e for e in PII_PROFILES["strict"] if e not in pe.NER_ENTITIES)
    strict = Scrubber(PrivacyConfig(profile="strict", entities=ents))
    strict.warm_up()
    loaded = _recognizers(strict)
    assert {"NhsRecognizer", "UsNpiRecognizer", "AbaRoutingRecognizer"} <= loaded
    # In pattern mode, recognizers that can never reach the threshold are not loaded.
    assert not loaded & {"UsLicenseRecognizer", "UsBankRecognizer", "UsPassportRecognizer"}


def test_every_noisy_entity_in_a_profile_has_a_context_recognizer() -> None:
    pack = load_pack("pii.yml")
    gaps = set(pack.tables["presidio_gaps"])
    served = {r.entity for r in pack.recognizers if r.name in gaps}
    in_profiles = {e for ents in PII_PROFILES.values() for e in ents}
    assert (pe._NOISY | pe._REPLACED) & in_profiles <= served
    for r in pack.recognizers:
        if r.entity in pe._NOISY and r.name in gaps:
            # Context word or a separated format: never a bare digit run on its own.
            assert r.context is not None or r.name.endswith("_grouped"), r.name
    assert not {"UUID", "DATE_TIME", "URL"} & in_profiles


def test_digit_free_text_skips_the_new_entities() -> None:
    s = Scrubber(PrivacyConfig())
    s.warm_up()
    assert s.presidio is not None
    prose = "Summarise the ticket: the parcel is late; the customer wants a refund."
    assert not set(s.presidio.entities_for(prose)) & pe.NEEDS_DIGIT
    assert "MAC_ADDRESS" not in s.presidio.entities_for("dates 2024-03-18 and 12:30:45")


@pytest.mark.parametrize("profile", ["default", "strict"])
def test_needs_gating_is_exact_for_the_new_entities(profile: str) -> None:
    ents = tuple(e for e in PII_PROFILES[profile] if e not in pe.NER_ENTITIES)
    s = Scrubber(PrivacyConfig(profile=profile, entities=ents), cache_size=0)
    s.warm_up()
    texts = [t for _, t, _ in POSITIVES] + TECHNICAL + [r["text"] for r in load_corpus()][:400]
    texts += [t.lower() for _, t, _ in POSITIVES[:60]] + [
        "\u212a" + t for _, t, _ in POSITIVES[:20]
    ]
    assert_gating_is_exact(s, texts)


@pytest.mark.parametrize(
    "make",
    [
        lambda: f"NHS number {grouped(nhs(), (3, 3, 4), ' ')}",
        lambda: f"NPI {npi()}",
        lambda: f"routing {aba()}",
    ],
)
def test_specific_label_wins_over_phone(make: Callable[[], str]) -> None:
    s = Scrubber(PrivacyConfig())
    report = s.analyze(make())
    assert "PHONE_NUMBER" not in report.counts, report.scrubbed
