"""docs/instrumenting.md: every ```python block runs, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "instrumenting.md"


def test_instrumenting_examples_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 10
    namespace: dict[str, object] = {"__name__": "docs_example"}
    for i, code in enumerate(blocks):
        try:
            exec(compile(code, f"{DOC.name}[block {i}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message names the block
            raise AssertionError(f"block {i} failed: {exc!r}\n{code}") from exc
    tel = namespace["tel"]
    spans = tel.memory_exporter.get_finished_spans()  # type: ignore[attr-defined]
    names = {s.name for s in spans}
    for expected in (
        "chat gpt-4o",
        "execute_tool github_search",
        "tools/call github_search",
        "gateway.forward",
        "tools/call kb_lookup",
        "tool.invoke",
        "tokens",
    ):
        assert expected in names
