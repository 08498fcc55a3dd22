"""A tiny reversible monkey-patcher (what an OTel instrumentor does with ``wrapt``,
without the dependency): ``wrap`` replaces an attribute and remembers the original,
``undo`` puts every original back in reverse order."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

#: Attribute set on every replacement, pointing at what it replaced.
ORIGINAL_ATTR = "__mcp_llm_trace_original__"


class Patcher:
    """Records replaced attributes so they can be restored exactly."""

    def __init__(self) -> None:
        self._undo: list[tuple[Any, str, Any, bool]] = []

    def wrap(self, owner: Any, name: str, factory: Callable[[Any], Any]) -> None:
        """Replace ``owner.name`` with ``factory(original)``; no-op when already ours."""
        had_own = name in vars(owner)
        original = getattr(owner, name)
        if getattr(original, ORIGINAL_ATTR, None) is not None:
            return  # already wrapped (instrument twice)
        replacement = factory(original)
        with contextlib.suppress(AttributeError):  # builtins refuse attributes
            setattr(replacement, ORIGINAL_ATTR, original)
        setattr(owner, name, replacement)
        self._undo.append((owner, name, original, had_own))

    def undo(self) -> None:
        """Restore every original (the most recent patch first)."""
        while self._undo:
            owner, name, original, had_own = self._undo.pop()
            if had_own:
                setattr(owner, name, original)
            else:
                delattr(owner, name)

    def __bool__(self) -> bool:
        return bool(self._undo)
