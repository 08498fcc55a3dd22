"""Structured identifiers with valid check digits, generated from their published formats.

Every function takes the caller's ``random.Random`` and returns one value. Check digits
are computed here (Luhn, ABA, NHS mod 11, IBAN mod 97, Base58Check, Bech32, EIP-55), so
a recognizer that validates them accepts the value. Nothing here imports the package
under test.
"""

from __future__ import annotations

import base64
import hashlib
import random
import string

__all__ = [
    "aba_routing",
    "aba_valid",
    "base58check",
    "bech32_address",
    "btc_p2pkh",
    "btc_p2sh",
    "credit_card",
    "eth_address",
    "iban",
    "iban_valid",
    "ipv4_public",
    "ipv6_global",
    "keccak256",
    "luhn_valid",
    "mac_address",
    "nhs_number",
    "nhs_valid",
    "npi",
    "npi_valid",
    "uk_nino",
    "us_itin",
    "us_mbi",
    "us_ssn",
]

DIGITS = string.digits


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(DIGITS) for _ in range(n))


# ------------------------------------------------------------------ Luhn family


def _luhn_sum(digits: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def luhn_valid(number: str) -> bool:
    """Whether the digits of ``number`` pass the Luhn check."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return bool(digits) and _luhn_sum(digits) % 10 == 0


def _luhn_complete(prefix: str) -> str:
    check = (10 - _luhn_sum(prefix + "0") % 10) % 10
    return prefix + str(check)


def credit_card(rng: random.Random) -> str:
    """A Luhn-valid Visa, Mastercard, Amex or Discover number, raw, spaced or dashed."""
    brand = rng.choice(["visa", "mc", "amex", "discover"])
    if brand == "visa":
        number = _luhn_complete("4" + _digits(rng, 14))
    elif brand == "mc":
        number = _luhn_complete(str(rng.randint(51, 55)) + _digits(rng, 13))
    elif brand == "amex":
        number = _luhn_complete(rng.choice(["34", "37"]) + _digits(rng, 12))
    else:
        number = _luhn_complete("6011" + _digits(rng, 11))
    style = rng.choice(["raw", "space", "dash"])
    if style == "raw":
        return number
    sep = " " if style == "space" else "-"
    if len(number) == 15:
        return sep.join((number[:4], number[4:10], number[10:]))
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


def npi(rng: random.Random) -> str:
    """A US National Provider Identifier: 10 digits, Luhn over the prefix 80840."""
    body = rng.choice("12") + _digits(rng, 8)
    return _luhn_complete("80840" + body)[5:]


def npi_valid(value: str) -> bool:
    """Whether ``value`` is a 10-digit NPI with a valid check digit."""
    return len(value) == 10 and value.isdigit() and luhn_valid("80840" + value)


# ------------------------------------------------------------------ bank numbers

_ABA_PREFIXES = [f"{i:02d}" for i in (*range(1, 13), *range(21, 33), *range(61, 73), 80)]


def aba_routing(rng: random.Random) -> str:
    """A US ABA routing transit number (9 digits, weights 3-7-1)."""
    body = rng.choice(_ABA_PREFIXES) + _digits(rng, 6)
    d = [int(c) for c in body]
    s = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5])
    return body + str((10 - s % 10) % 10)


def aba_valid(value: str) -> bool:
    """Whether ``value`` passes the ABA checksum."""
    if len(value) != 9 or not value.isdigit():
        return False
    d = [int(c) for c in value]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


_IBAN_BBAN = {
    # country: (length of the whole IBAN, BBAN layout: n = digits, a = upper letters, c = alnum)
    "DE": (22, "n" * 18),
    "GB": (22, "aaaa" + "n" * 14),
    "FR": (27, "nnnnnnnnnn" + "c" * 11 + "nn"),
    "NL": (18, "aaaa" + "n" * 10),
    "ES": (24, "n" * 20),
    "IT": (27, "a" + "n" * 10 + "c" * 12),
}


def _iban_numeric(s: str) -> int:
    return int("".join(str(int(ch, 36)) for ch in s))


def iban(rng: random.Random, country: str | None = None) -> str:
    """An IBAN with valid mod-97 check digits, raw or in groups of four."""
    cc = country or rng.choice(sorted(_IBAN_BBAN))
    length, layout = _IBAN_BBAN[cc]
    pools = {"n": DIGITS, "a": string.ascii_uppercase, "c": string.ascii_uppercase + DIGITS}
    bban = "".join(rng.choice(pools[k]) for k in layout)
    assert len(bban) + 4 == length
    check = 98 - _iban_numeric(bban + cc + "00") % 97
    value = f"{cc}{check:02d}{bban}"
    if rng.random() < 0.5:
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


def iban_valid(value: str) -> bool:
    """Whether ``value`` (spaces allowed) passes the IBAN mod-97 check."""
    v = value.replace(" ", "")
    return len(v) > 4 and _iban_numeric(v[4:] + v[:4]) % 97 == 1


# ------------------------------------------------------------------ national identifiers


def nhs_number(rng: random.Random) -> str:
    """A UK NHS number with a valid mod-11 check digit, as ``XXX XXX XXXX`` or raw."""
    while True:
        body = rng.choice("456789") + _digits(rng, 8)
        s = sum(int(c) * (10 - i) for i, c in enumerate(body))
        check = 11 - s % 11
        if check == 10:
            continue
        value = body + str(0 if check == 11 else check)
        if rng.random() < 0.6:
            return f"{value[:3]} {value[3:6]} {value[6:]}"
        return value


def nhs_valid(value: str) -> bool:
    """Whether ``value`` (spaces/dashes allowed) passes the NHS mod-11 check."""
    v = value.replace(" ", "").replace("-", "")
    if len(v) != 10 or not v.isdigit():
        return False
    check = 11 - sum(int(c) * (10 - i) for i, c in enumerate(v[:9])) % 11
    return (0 if check == 11 else check) == int(v[9])


_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NINO_BAD = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def uk_nino(rng: random.Random) -> str:
    """A UK National Insurance number (HMRC prefix rules), spaced or raw."""
    while True:
        prefix = rng.choice(_NINO_FIRST) + rng.choice(_NINO_SECOND)
        if prefix not in _NINO_BAD:
            break
    digits = _digits(rng, 6)
    suffix = rng.choice("ABCD")
    if rng.random() < 0.5:
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return f"{prefix}{digits}{suffix}"


_MBI_ALPHA = "".join(ch for ch in string.ascii_uppercase if ch not in "SLOIBZ")


def us_mbi(rng: random.Random) -> str:
    """A US Medicare Beneficiary Identifier (CMS format, 11 characters), maybe dashed."""
    an = _MBI_ALPHA + DIGITS
    parts = [
        rng.choice("123456789"),
        rng.choice(_MBI_ALPHA),
        rng.choice(an),
        rng.choice(DIGITS),
        rng.choice(_MBI_ALPHA),
        rng.choice(an),
        rng.choice(DIGITS),
        rng.choice(_MBI_ALPHA),
        rng.choice(_MBI_ALPHA),
        rng.choice(DIGITS),
        rng.choice(DIGITS),
    ]
    value = "".join(parts)
    if rng.random() < 0.5:
        return f"{value[:4]}-{value[4:7]}-{value[7:]}"
    return value


_ITIN_GROUPS = [*range(50, 66), *range(70, 89), 90, 91, 92, *range(94, 100)]


def us_itin(rng: random.Random) -> str:
    """A US ITIN: 9XX-[50-65|70-88|90-92|94-99]-XXXX, dashed or spaced."""
    value = f"9{_digits(rng, 2)}", f"{rng.choice(_ITIN_GROUPS):02d}", _digits(rng, 4)
    return rng.choice(["-", " "]).join(value)


def us_ssn(rng: random.Random) -> str:
    """A US SSN in a valid area/group/serial range (no 000, 666, 9xx; no known samples)."""
    while True:
        area = rng.randint(1, 899)
        if area == 666:
            continue
        group, serial = rng.randint(1, 99), rng.randint(1, 9999)
        value = f"{area:03d}-{group:02d}-{serial:04d}"
        if len(set(value.replace("-", ""))) > 2 and value not in ("078-05-1120", "219-09-9999"):
            return value


# ------------------------------------------------------------------ network


def mac_address(rng: random.Random) -> str:
    """A unicast, globally administered MAC, as ``aa:bb:..``, ``AA-BB-..`` or ``aabb.ccdd.eeff``."""
    octets = [rng.randint(0, 255) for _ in range(6)]
    octets[0] &= 0xFC
    style = rng.choice(["colon", "colon", "dash", "cisco"])
    hexes = [f"{o:02x}" for o in octets]
    if style == "colon":
        return ":".join(hexes if rng.random() < 0.5 else [h.upper() for h in hexes])
    if style == "dash":
        return "-".join(h.upper() for h in hexes)
    flat = "".join(hexes)
    return ".".join(flat[i : i + 4] for i in range(0, 12, 4))


_PUBLIC_FIRST_OCTETS = [
    *range(3, 10),
    *range(11, 100),
    *range(101, 127),
    *range(128, 169),
    *range(170, 172),
    *range(173, 192),
    *range(193, 198),
    *range(199, 203),
    *range(204, 224),
]


def ipv4_public(rng: random.Random) -> str:
    """A public (not private, loopback, link-local, CGNAT or documentation) IPv4 address."""
    first = rng.choice(_PUBLIC_FIRST_OCTETS)
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def ipv6_global(rng: random.Random) -> str:
    """A global unicast IPv6 address (2000::/3 outside the documentation prefix)."""
    first = rng.choice(["2a02", "2a01", "2600", "2607", "2001:4860", "2406", "2804"])
    groups = first.split(":")
    while len(groups) < 8:
        groups.append(f"{rng.randint(0, 0xFFFF):x}")
    if rng.random() < 0.5:
        # compress one run of two zero groups
        i = rng.randint(3, 5)
        return ":".join(groups[:i]) + "::" + ":".join(groups[i + 2 :])
    return ":".join(groups)


# ------------------------------------------------------------------ crypto wallets

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58check(version: int, payload: bytes) -> str:
    """Base58Check encoding (version byte + payload + 4-byte double-SHA256 checksum)."""
    raw = bytes([version]) + payload
    raw += hashlib.sha256(hashlib.sha256(raw).digest()).digest()[:4]
    n = int.from_bytes(raw, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    pad = len(raw) - len(raw.lstrip(b"\0"))
    return "1" * pad + out


def btc_p2pkh(rng: random.Random) -> str:
    """A Bitcoin pay-to-pubkey-hash address (starts with 1)."""
    return base58check(0x00, rng.randbytes(20))


def btc_p2sh(rng: random.Random) -> str:
    """A Bitcoin pay-to-script-hash address (starts with 3)."""
    return base58check(0x05, rng.randbytes(20))


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_polymod(values: list[int]) -> int:
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def _convertbits(data: bytes, frombits: int, tobits: int) -> list[int]:
    acc = bits = 0
    out: list[int] = []
    maxv = (1 << tobits) - 1
    for b in data:
        acc = (acc << frombits) | b
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if bits:
        out.append((acc << (tobits - bits)) & maxv)
    return out


def bech32_address(rng: random.Random, hrp: str = "bc") -> str:
    """A BIP-173 segwit v0 address (``bc1q…``, 20- or 32-byte program)."""
    program = rng.randbytes(rng.choice([20, 20, 32]))
    data = [0, *_convertbits(program, 8, 5)]
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    polymod = _bech32_polymod([*expanded, *data, 0, 0, 0, 0, 0, 0]) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32[d] for d in data + checksum)


_KECCAK_RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]  # fmt: skip
_KECCAK_ROT = [
    [0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61],
    [28, 55, 25, 21, 56], [27, 20, 39, 8, 14],
]  # fmt: skip
_M64 = (1 << 64) - 1


def _rol(x: int, n: int) -> int:
    return ((x << n) | (x >> (64 - n))) & _M64 if n else x


def _keccak_f(a: list[list[int]]) -> None:
    for rc in _KECCAK_RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        for x in range(5):
            for y in range(5):
                a[x][y] ^= d[x]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = _rol(a[x][y], _KECCAK_ROT[x][y])
        for x in range(5):
            for y in range(5):
                a[x][y] = b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y])
        a[0][0] ^= rc


def keccak256(data: bytes) -> bytes:
    """Keccak-256 (the original padding Ethereum uses, not NIST SHA3-256)."""
    rate = 136
    msg = bytearray(data) + b"\x01"
    msg += b"\0" * (-len(msg) % rate)
    msg[-1] |= 0x80
    a = [[0] * 5 for _ in range(5)]
    for off in range(0, len(msg), rate):
        block = msg[off : off + rate]
        for i in range(rate // 8):
            a[i % 5][i // 5] ^= int.from_bytes(block[8 * i : 8 * i + 8], "little")
        _keccak_f(a)
    return b"".join(a[i % 5][i // 5].to_bytes(8, "little") for i in range(4))


def eth_address(rng: random.Random) -> str:
    """An Ethereum address, EIP-55 mixed-case checksummed (or all lower case)."""
    addr = rng.randbytes(20).hex()
    if rng.random() < 0.25:
        return "0x" + addr
    digest = keccak256(addr.encode()).hex()
    return "0x" + "".join(
        ch.upper() if ch.isalpha() and int(digest[i], 16) >= 8 else ch for i, ch in enumerate(addr)
    )


def b64(data: bytes) -> str:
    """Standard base64 text of ``data``."""
    return base64.b64encode(data).decode()
