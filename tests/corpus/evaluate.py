"""Score a scrubber on the generated corpus: per-type recall and false-redaction rate.

A value *leaks* when it, or any of its whitespace-separated pieces of 6+ characters
(PEM lines, connection-string parts), is still in the output. A control row is *falsely
redacted* when its output differs from its input.

    .venv/bin/python tests/corpus/evaluate.py [--no-presidio] [--ner]
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

_LABEL = re.compile(r"\[[A-Z_]+\]|<[A-Z_]+_[0-9a-f]+>")
CORPUS = Path(__file__).with_name("corpus.jsonl")


def load_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    """The fixture rows."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def leaked(value: str, output: str) -> bool:
    """Whether ``value`` (or a 6+ char piece of it) survives in ``output``."""
    if value in output:
        return True
    rest = _LABEL.sub(" ", output)
    return any(len(piece) >= 6 and piece in rest for piece in value.split())


def evaluate(scrub: Callable[[str], str], rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Recall per type, false-redaction rate per control context, the failures, timing."""
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    ctl_total: Counter[str] = Counter()
    ctl_bad: Counter[str] = Counter()
    leaks: list[dict[str, Any]] = []
    false_redactions: list[dict[str, Any]] = []
    chars = 0
    start = time.perf_counter()
    for row in rows:
        out = scrub(row["text"])
        chars += len(row["text"])
        if row["kind"] == "control":
            ctl_total[row["context"]] += 1
            if out != row["text"]:
                ctl_bad[row["context"]] += 1
                false_redactions.append({"id": row["id"], "in": row["text"], "out": out})
            continue
        for exp in row["expected"]:
            total[exp["type"]] += 1
            if leaked(exp["value"], out):
                leaks.append({"id": row["id"], "type": exp["type"], "out": out})
            else:
                found[exp["type"]] += 1
    elapsed = time.perf_counter() - start
    return {
        "recall": {t: found[t] / total[t] for t in sorted(total)},
        "support": dict(total),
        "false_redaction_rate": sum(ctl_bad.values()) / max(1, sum(ctl_total.values())),
        "false_redactions_by_context": {c: ctl_bad[c] / ctl_total[c] for c in sorted(ctl_total)},
        "controls": sum(ctl_total.values()),
        "leaks": leaks,
        "false_redactions": false_redactions,
        "seconds": elapsed,
        "kb": chars / 1024,
    }


def main(argv: list[str]) -> int:
    """Print the scores of the default scrubber (or as flagged) on the corpus."""
    from mcp_llm_trace.config import PrivacyConfig
    from mcp_llm_trace.privacy import Scrubber

    privacy = PrivacyConfig(presidio="--no-presidio" not in argv, ner="--ner" in argv)
    scrubber = Scrubber(privacy, cache_size=0)
    scrubber.scrub_text("warm up 555-0100 a@b.co")
    result = evaluate(scrubber.scrub_text, load_corpus())
    verbose = "-v" in argv
    for key in ("recall", "support", "false_redaction_rate", "false_redactions_by_context"):
        print(key, json.dumps(result[key], indent=1 if verbose else None))
    print(
        f"{result['kb']:.1f} KB in {result['seconds']:.2f} s = "
        f"{result['kb'] / result['seconds']:.0f} KB/s; engine {scrubber.engine_status}"
    )
    if verbose:
        for item in result["leaks"] + result["false_redactions"]:
            print(json.dumps(item, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
