"""Score the scrubber on the external corpus: leaks per part and family, damage, speed.

A ``redact`` record *leaks* when any of its ``secret_values`` survives in the output: the
value itself, one of its whitespace-separated pieces of 6+ characters (PEM lines), or a
fragment of it of at least half its length (and 8+ characters) — a scrubber that masks
only the tail of a key still leaks it. A ``keep`` record (control) is *damaged* when its
output differs from its input at all.

    python -m tests.corpus.external.evaluate                 # summary + worst families
    python -m tests.corpus.external.evaluate --json          # everything, as JSON
    python -m tests.corpus.external.evaluate --markdown      # rewrite the table in docs/privacy.md
    python -m tests.corpus.external.evaluate --profile strict   # when the build has profiles

Runs the scrubber in-process (``Scrubber`` with the default configuration, result cache
off so every record is scanned), exactly what ``mcp-llm-trace scrub --jsonl`` does for
the ``text`` field of each line. Throughput is KB of text per CPU-second of the scrubbing
thread (``time.thread_time``: what one core does, insensitive to other processes on a
shared machine); ``--repeats N`` takes the median of N extra passes.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import difflib
import json
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
CORPUS = HERE / "corpus.jsonl"
BASELINE = HERE / "baseline-main.json"
ROOT = HERE.parents[2]
DOC = ROOT / "docs" / "privacy.md"
START, END = "<!-- external-recall:start -->", "<!-- external-recall:end -->"
PARTS = {"secret": "secrets", "pii": "structured PII", "control": "controls"}
#: The targets of issue 18 (percent).
TARGETS = {"secret_leak_pct": 2.0, "pii_leak_pct": 2.0, "control_damage_pct": 1.0}
_LABEL = re.compile(r"\[[A-Z0-9_:]+\]|<[A-Z0-9_]+_[0-9a-f]+>")


def load_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    """The corpus records (JSON lines, read as the project corpus's are)."""
    from tests.corpus.evaluate import load_corpus as load_jsonl

    return load_jsonl(path)


def leaked(value: str, output: str) -> bool:
    """Whether ``value``, a 6+ character piece of it, or half of it survives in ``output``."""
    if value in output:
        return True
    rest = _LABEL.sub(" ", output)
    if any(len(piece) >= 6 and piece in rest for piece in value.split()):
        return True
    need = max(8, (len(value) + 1) // 2)
    if len(value) < need:
        return False
    m = difflib.SequenceMatcher(None, value, rest, autojunk=False).find_longest_match(
        0, len(value), 0, len(rest)
    )
    return m.size >= need


def evaluate(scrub: Callable[[str], str], rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Leak/damage rates per part and family, the failures, and throughput."""
    n: Counter[tuple[str, str]] = Counter()
    bad: Counter[tuple[str, str]] = Counter()
    failures: list[dict[str, Any]] = []
    size = 0
    seconds = 0.0
    for row in rows:
        text = row["text"]
        t0 = time.thread_time()
        out = scrub(text)
        seconds += time.thread_time() - t0
        size += len(text.encode("utf-8"))
        key = (row["part"], row["family"])
        n[key] += 1
        if row["expect"] == "keep":
            failed = out != text
        else:
            failed = any(leaked(v, out) for v in row["secret_values"])
        if failed:
            bad[key] += 1
            failures.append(
                {
                    "id": row["id"],
                    "part": row["part"],
                    "family": row["family"],
                    "kind": row["kind"],
                    "text": text,
                    "out": out,
                }
            )
    parts: dict[str, dict[str, Any]] = {}
    for part in PARTS:
        total = sum(v for (p, _), v in n.items() if p == part)
        failed = sum(v for (p, _), v in bad.items() if p == part)
        parts[part] = {
            "n": total,
            "failed": failed,
            "pct": 100.0 * failed / total if total else 0.0,
        }
    families = [
        {
            "part": p,
            "family": f,
            "n": n[(p, f)],
            "failed": bad[(p, f)],
            "recall": 1.0 - bad[(p, f)] / n[(p, f)],
        }
        for p, f in sorted(n)
    ]
    return {
        "summary": {
            "secret_leak_pct": parts["secret"]["pct"],
            "pii_leak_pct": parts["pii"]["pct"],
            "control_damage_pct": parts["control"]["pct"],
            "kb_per_s": size / 1024 / seconds if seconds else 0.0,
            "kb": size / 1024,
            "seconds": seconds,
        },
        "parts": parts,
        "families": families,
        "failures": failures,
    }


def make_scrubber(
    *, profile: str | None = None, presidio: bool = True, config: str | None = None
) -> tuple[Any, dict[str, Any]]:
    """The scrubber to measure (cache off) and a description of its configuration.

    ``profile`` is passed through when the installed ``PrivacyConfig`` has a ``profile``
    field; otherwise it is reported as unsupported and the default is measured.
    """
    from mcp_llm_trace.config import PrivacyConfig, load_config
    from mcp_llm_trace.privacy import Scrubber

    privacy = load_config(config).privacy if config else PrivacyConfig()
    info: dict[str, Any] = {"profile": "default", "config": config}
    if profile:
        names = {f.name for f in dataclasses.fields(PrivacyConfig)}
        if "profile" in names:
            privacy = dataclasses.replace(privacy, profile=profile)  # type: ignore[call-arg]
            info["profile"] = profile
        else:
            print(
                f"evaluate: this build has no privacy profiles; --profile {profile} ignored, "
                "measuring the default",
                file=sys.stderr,
            )
            info["profile"] = f"unsupported ({profile}); default measured"
    if not presidio:
        privacy = dataclasses.replace(privacy, presidio=False)
    scrubber = Scrubber(privacy, cache_size=0)
    scrubber.warm_up()
    scrubber.scrub_text("warm up: call 555-0100, mail a@b.co, key sk-test")
    info["engine"] = scrubber.engine_status
    return scrubber, info


def throughput(scrub: Callable[[str], str], texts: list[str], repeats: int) -> list[float]:
    """KB/s of ``repeats`` timed passes over ``texts`` (the scrubber must not cache)."""
    kb = sum(len(t.encode("utf-8")) for t in texts) / 1024
    out = []
    for _ in range(repeats):
        t0 = time.thread_time()
        for t in texts:
            scrub(t)
        out.append(kb / (time.thread_time() - t0))
    return out


def run(
    *,
    profile: str | None = None,
    presidio: bool = True,
    config: str | None = None,
    rows: list[dict[str, Any]] | None = None,
    repeats: int = 1,
) -> dict[str, Any]:
    """Evaluate the scrubber so configured on the corpus (or ``rows``).

    With ``repeats`` > 1 the throughput is the median of that many extra timed passes
    (the first pass, which also scores, is not counted).
    """
    scrubber, info = make_scrubber(profile=profile, presidio=presidio, config=config)
    rows = rows if rows is not None else load_corpus()
    result = evaluate(scrubber.scrub_text, rows)
    if repeats > 1:
        speeds = throughput(scrubber.scrub_text, [r["text"] for r in rows], repeats)
        result["summary"]["kb_per_s"] = statistics.median(speeds)
        result["summary"]["kb_per_s_samples"] = speeds
    result["scrubber"] = info
    result["commit"] = _git_commit()
    result["src_commit"] = _git_commit("--", "src")
    result["date"] = _dt.date.today().isoformat()
    return result


def _git_commit(*path: str) -> str:
    """Short hash of HEAD, or of the last commit touching ``path`` (``"--", "src"``)."""
    try:
        return subprocess.run(
            ["git", "log", "-1", "--format=%h", *path],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def targets_met(result: dict[str, Any]) -> dict[str, bool]:
    """Each issue-18 target and whether ``result`` meets it."""
    return {k: result["summary"][k] <= limit for k, limit in TARGETS.items()}


def baseline_of(result: dict[str, Any]) -> dict[str, Any]:
    """The part of a result kept as a "before" figure (no texts)."""
    return {
        "commit": result["commit"],
        "src_commit": result["src_commit"],
        "date": result["date"],
        "scrubber": result["scrubber"],
        "summary": result["summary"],
        "parts": result["parts"],
        "families": [
            {k: f[k] for k in ("part", "family", "n", "recall")} for f in result["families"]
        ],
    }


def load_baseline(path: Path = BASELINE) -> dict[str, Any] | None:
    """The stored "before" figures, if any."""
    return json.loads(path.read_text()) if path.exists() else None


def _pct(x: float) -> str:
    return f"{x:.1f} %"


def markdown(result: dict[str, Any], baseline: dict[str, Any] | None = None) -> str:
    """The table written between the markers in docs/privacy.md."""
    s = result["summary"]
    parts = result["parts"]
    b = baseline["summary"] if baseline else None
    before = f"before (src {baseline['src_commit']})" if baseline else "before"
    speed_before = f"{b['kb_per_s']:.0f}" if b else "–"
    lines = [
        f"Measured {result['date']} at commit `{result['commit']}` (scrubber code as of "
        f"`{result['src_commit']}`) with "
        f"`python -m tests.corpus.external.evaluate --markdown` (engine "
        f"`{result['scrubber']['engine']}`, profile `{result['scrubber']['profile']}`).",
        "",
        f"| | records | now | {before} | target |",
        "|---|---:|---:|---:|---:|",
        f"| secrets leaked | {parts['secret']['n']} | {_pct(s['secret_leak_pct'])} | "
        f"{_pct(b['secret_leak_pct']) if b else '–'} | ≤ {TARGETS['secret_leak_pct']:.0f} % |",
        f"| structured PII leaked | {parts['pii']['n']} | {_pct(s['pii_leak_pct'])} | "
        f"{_pct(b['pii_leak_pct']) if b else '–'} | ≤ {TARGETS['pii_leak_pct']:.0f} % |",
        f"| controls damaged | {parts['control']['n']} | {_pct(s['control_damage_pct'])} | "
        f"{_pct(b['control_damage_pct']) if b else '–'} | ≤ {TARGETS['control_damage_pct']:.0f} % |",
        f"| throughput (KB/s per core, {s['kb']:.0f} KB) | | {s['kb_per_s']:.0f} | "
        f"{speed_before} | not worse |",
        "",
        "Per family: *recall* is the share of records with nothing left of the secret "
        "(controls: the share left unchanged). Worst first.",
        "",
        f"| part | family | records | recall now | {before} |",
        "|---|---|---:|---:|---:|",
    ]
    old = {(f["part"], f["family"]): f["recall"] for f in baseline["families"]} if baseline else {}
    order = {p: i for i, p in enumerate(PARTS)}
    fams = sorted(result["families"], key=lambda f: (order[f["part"]], f["recall"], f["family"]))
    for f in fams:
        was = old.get((f["part"], f["family"]))
        lines.append(
            f"| {PARTS[f['part']]} | {f['family']} | {f['n']} | {f['recall']:.2f} | "
            f"{'–' if was is None else f'{was:.2f}'} |"
        )
    return "\n".join(lines)


def write_markdown(table: str, doc: Path = DOC) -> None:
    """Replace the text between the markers in ``doc`` (appending a section if absent)."""
    text = doc.read_text(encoding="utf-8")
    block = f"{START}\n{table}\n{END}"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n## Recall on the external corpus\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


def summary_text(result: dict[str, Any], worst: int = 20) -> str:
    """A short human-readable report."""
    s = result["summary"]
    lines = [
        f"engine {result['scrubber']['engine']}, profile {result['scrubber']['profile']}",
        f"secrets leaked:        {s['secret_leak_pct']:5.1f} %  "
        f"({result['parts']['secret']['failed']} of {result['parts']['secret']['n']})",
        f"structured PII leaked: {s['pii_leak_pct']:5.1f} %  "
        f"({result['parts']['pii']['failed']} of {result['parts']['pii']['n']})",
        f"controls damaged:      {s['control_damage_pct']:5.1f} %  "
        f"({result['parts']['control']['failed']} of {result['parts']['control']['n']})",
        f"throughput:            {s['kb_per_s']:5.0f} KB/s per core "
        f"({s['kb']:.0f} KB, {s['seconds']:.1f} s CPU in the scoring pass)",
        f"worst {worst} families:",
    ]
    fams = sorted(result["families"], key=lambda f: (f["recall"], -f["n"], f["family"]))
    for f in fams[:worst]:
        lines.append(
            f"  {f['recall']:.2f}  {PARTS[f['part']]:<15} {f['family']} ({f['failed']}/{f['n']})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--json", action="store_true", help="print the full result as JSON")
    ap.add_argument("--markdown", action="store_true", help="rewrite the table in docs/privacy.md")
    ap.add_argument("--profile", help="privacy profile (strict/default/minimal) if supported")
    ap.add_argument("--config", help="YAML config file (data_privacy: section)")
    ap.add_argument("--no-presidio", action="store_true", help="regex recognizers only")
    ap.add_argument(
        "--save-baseline",
        action="store_true",
        help=f"store this run as the 'before' figures ({BASELINE.name})",
    )
    ap.add_argument("--repeats", type=int, default=1, help="timed passes for the throughput median")
    ap.add_argument("-v", "--verbose", action="store_true", help="also list every failure")
    args = ap.parse_args(argv)
    from mcp_llm_trace.config import ConfigError

    try:
        result = run(
            profile=args.profile,
            presidio=not args.no_presidio,
            config=args.config,
            repeats=args.repeats,
        )
    except ConfigError as exc:  # e.g. an unknown --profile
        print(f"evaluate: {exc}", file=sys.stderr)
        return 2
    result["targets_met"] = targets_met(result)
    if args.save_baseline:
        BASELINE.write_text(json.dumps(baseline_of(result), indent=1) + "\n")
    if args.markdown:
        write_markdown(markdown(result, load_baseline()))
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
        return 0
    print(summary_text(result))
    if args.verbose:
        for f in result["failures"]:
            print(
                json.dumps({k: f[k] for k in ("id", "family", "kind", "out")}, ensure_ascii=False)
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
