"""Refresh the upstream snapshots under ``upstream/`` from local git mirrors.

The corpus build (``build.py``) reads only these snapshots, so it runs offline and is
reproducible; this module is the one place that reads upstream repositories:

* ``gitleaks-rules.json``: the rules and global allow-list of gitleaks' default config
  (``config/gitleaks.toml``, MIT), converted from TOML to JSON, with the commit.
* ``controls.jsonl``: PII-free technical lines picked from real repositories (Apache-2.0),
  one per line with repository, commit, path and line number.

    python -m tests.corpus.external.upstream --mirrors /work/.mirror

A mirror is a bare or normal git directory at ``<mirrors>/<owner>+<name>/repo`` (the
layout of this project's `fetch` tool), read at ``HEAD`` with ``git show``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.corpus.external.regen import entropy, go_to_python

HERE = Path(__file__).parent
SNAPSHOTS = HERE / "upstream"
GITLEAKS = "gitleaks/gitleaks"
CONTROL_REPOS = ("open-telemetry/opentelemetry-python", "Arize-ai/openinference")
#: Seed of the control line selection (independent of every other seed in the project).
CONTROL_SEED = 18_2026_3
#: How many lines of each category to keep.
QUOTAS = {
    "uuid": 45,
    "hex id / hash": 80,
    "timestamp": 60,
    "version string": 60,
    "config": 80,
    "code": 120,
    "docs": 60,
}
_TEXT_SUFFIXES = {
    ".py": "code",
    ".ts": "code",
    ".go": "code",
    ".java": "code",
    ".sh": "code",
    ".yaml": "config",
    ".yml": "config",
    ".toml": "config",
    ".ini": "config",
    ".cfg": "config",
    ".json": "config",
    ".txt": "config",
    ".sum": "config",
    ".md": "docs",
    ".rst": "docs",
}
_SKIP_PATH = re.compile(r"(?i)cassette|\.har$|licen[cs]e|notice|/vendor/|node_modules|\.min\.")

# What makes a line *not* a control: anything that is or might be PII or a credential.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_USERINFO = re.compile(r"://[^\s/@]+@")
_IPV4 = re.compile(r"(?<![\w.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\w.])")
_MAC_OR_V6 = re.compile(
    r"(?i)\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){4,7}\b|\b([0-9a-f]{2}[:-]){5}[0-9a-f]{2}\b"
)
_PHONE = re.compile(
    r"\+\d{1,3}[\s-]?\(?\d|\(\d{3}\)\s?\d{3}[\s-]\d{4}|\b\d{3}[\s.-]\d{3}[\s.-]\d{4}\b"
)
_LONG_DIGITS = re.compile(r"(?<!\d)\d{9,}(?!\d)")
_EPOCH = re.compile(r"(?<!\d)1\d{9}(?:\d{3}|\d{6}|\d{9})?(?!\d)")
_TIME_WORD = re.compile(r"(?i)time|_ns\b|_ms\b|epoch|\bts\b|start|end|date")
_SECRET_WORDS = re.compile(
    r"(?i)passw|passwd|secret|api[_-]?key|apikey|authoriz|bearer|credential|private[_ -]?key"
    r"|access[_-]?key|auth[_-]?token|x-api-key|-----begin|\bpwd\b|session[_-]?id|cookie"
)
_TOKEN_ASSIGN = re.compile(r"(?i)token[\"']?\s*[:=]\s*[\"'][^\"'\s]{6,}")
_VENDOR_PREFIX = re.compile(
    r"\b(?:sk-|sk_live|rk_live|ghp_|gho_|ghs_|github_pat_|xox[abposre]-|AKIA|ASIA|AIza|glpat-|hf_"
    r"|eyJ|npm_|pypi-|SG\.|dop_v1|shpat_|sntry|xapp-)"
)
_MENTION = re.compile(r"(?:^|[\s(])@[A-Za-z][\w-]*(?![\w/])")
_PEOPLE = re.compile(
    r"(?i)\b(?:thanks|thank you|author|maintainer|contributor|copyright|signed-off)"
)
_UUID = re.compile(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_HEX = re.compile(
    r"(?i)(?<![0-9a-z])(?:0x)?[0-9a-f]{16,128}(?![0-9a-z])|sha256[:=][0-9a-f]{64}|h1:[A-Za-z0-9+/]{43}="
)
_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?|\b\d{4}-\d{2}-\d{2}\b")
_VERSION = re.compile(r"(?<![\w.])v?\d+\.\d+\.\d+(?:[.-]?(?:a|b|rc|dev|post)\d*)?(?![\w.])")


def git(mirror: Path, *args: str) -> str:
    """Output of ``git --git-dir=<mirror> <args>``."""
    return subprocess.run(
        ["git", f"--git-dir={mirror}", *args],
        check=True,
        capture_output=True,
        text=True,
        errors="replace",
    ).stdout


def mirror_dir(mirrors: Path, repo: str) -> Path:
    """Where the mirror of ``owner/name`` is."""
    return mirrors / repo.replace("/", "+") / "repo"


def refresh_gitleaks(mirrors: Path) -> dict[str, Any]:
    """The gitleaks rules as a JSON-ready dict (with source and commit)."""
    import tomllib

    m = mirror_dir(mirrors, GITLEAKS)
    commit = git(m, "rev-parse", "HEAD").strip()
    config = tomllib.loads(git(m, "show", "HEAD:config/gitleaks.toml"))
    return {
        "source": {
            "repo": GITLEAKS,
            "commit": commit,
            "path": "config/gitleaks.toml",
            "licence": "MIT",
        },
        "allowlist": config.get("allowlist", {}),
        "rules": config["rules"],
    }


_Checker = tuple[re.Pattern[str], float, tuple[str, ...]]


def _suspicious(line: str, rules: list[_Checker]) -> bool:
    if (
        _EMAIL.search(line)
        or _USERINFO.search(line)
        or _MAC_OR_V6.search(line)
        or _PHONE.search(line)
        or _SECRET_WORDS.search(line)
        or _TOKEN_ASSIGN.search(line)
        or _VENDOR_PREFIX.search(line)
        or _PEOPLE.search(line)
    ):
        return True
    if _MENTION.search(line) and not line.lstrip().startswith("@"):
        return True
    for m in _IPV4.finditer(line):
        if m.group(0) not in ("0.0.0.0", "127.0.0.1"):
            return True
    for m in _LONG_DIGITS.finditer(line):
        if not (_EPOCH.fullmatch(m.group(0)) and _TIME_WORD.search(line)):
            return True
    lowered = line.lower()
    for rx, min_entropy, keywords in rules:
        if keywords and not any(k in lowered for k in keywords):
            continue
        for m in rx.finditer(line):
            secret = next((g for g in m.groups() if g), m.group(0))
            if entropy(secret) >= min_entropy:
                return True
    return False


def _gitleaks_checkers(rules: list[dict[str, Any]]) -> list[_Checker]:
    out: list[_Checker] = []
    for r in rules:
        if not r.get("regex") or r["id"] == "sourcegraph-access-token":
            # sourcegraph's bare 40-hex branch flags every git SHA; its sgp_ forms are
            # caught by _VENDOR_PREFIX-like checks below.
            continue
        rx = re.compile(go_to_python(r["regex"]), re.ASCII)
        keywords = tuple(k.lower() for k in r.get("keywords") or ())
        out.append((rx, float(r.get("entropy") or 0), keywords))
    out.append((re.compile(r"\bsgp_[0-9a-fA-F]{16,}"), 0.0, ()))
    return out


def _category(path: str, line: str) -> str | None:
    if _UUID.search(line):
        return "uuid"
    if _HEX.search(line):
        return "hex id / hash"
    if _TIMESTAMP.search(line) or _EPOCH.search(line):
        return "timestamp"
    if _VERSION.search(line):
        return "version string"
    for suffix, cat in _TEXT_SUFFIXES.items():
        if path.endswith(suffix):
            return cat
    return None


def _candidate_lines(mirror: Path) -> Iterator[tuple[str, int, str]]:
    names = git(mirror, "ls-tree", "-r", "--name-only", "HEAD").splitlines()
    for path in sorted(names):
        if not any(path.endswith(s) for s in _TEXT_SUFFIXES) or _SKIP_PATH.search(path):
            continue
        try:
            text = git(mirror, "show", f"HEAD:{path}")
        except subprocess.CalledProcessError:
            continue
        if len(text) > 400_000:
            continue
        for no, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if (
                16 <= len(line) <= 200
                and line.isascii()
                and sum(c.isalnum() for c in line) >= 8
                and "\\n" not in line  # escaped blobs of recorded API responses
                and '\\"' not in line
            ):
                yield path, no, line


def refresh_controls(mirrors: Path, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pick the control lines (deterministic for given mirror commits)."""
    checkers = _gitleaks_checkers(rules)
    seen: set[str] = set()
    by_cat: dict[str, list[dict[str, Any]]] = {c: [] for c in QUOTAS}
    for repo in CONTROL_REPOS:
        m = mirror_dir(mirrors, repo)
        commit = git(m, "rev-parse", "HEAD").strip()
        for path, no, line in _candidate_lines(m):
            cat = _category(path, line)
            if cat is None or line in seen:
                continue
            seen.add(line)
            by_cat[cat].append(
                {
                    "text": line,
                    "category": cat,
                    "repo": repo,
                    "commit": commit,
                    "path": path,
                    "line": no,
                }
            )
    rng = random.Random(CONTROL_SEED)
    picked: list[dict[str, Any]] = []
    for cat, quota in QUOTAS.items():
        pool = by_cat[cat]
        rng.shuffle(pool)
        picked.extend(_first_clean(pool, quota, checkers))
    return picked


def _first_clean(
    pool: list[dict[str, Any]], quota: int, checkers: list[_Checker]
) -> Iterator[dict[str, Any]]:
    n = 0
    for c in pool:
        if n >= quota:
            return
        if not _suspicious(c["text"], checkers):
            n += 1
            yield c


def main(argv: list[str] | None = None) -> int:
    """Rewrite the snapshots from the mirrors."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    args = ap.parse_args(argv)
    SNAPSHOTS.mkdir(exist_ok=True)
    gl = refresh_gitleaks(args.mirrors)
    (SNAPSHOTS / "gitleaks-rules.json").write_text(json.dumps(gl, indent=1) + "\n")
    controls = refresh_controls(args.mirrors, gl["rules"])
    with (SNAPSHOTS / "controls.jsonl").open("w") as fh:
        for c in controls:
            fh.write(json.dumps(c, ensure_ascii=False) + "\n")
    print(f"{len(gl['rules'])} gitleaks rules, {len(controls)} control lines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
