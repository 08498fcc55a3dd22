"""docs/configuration.md is generated from SETTINGS and must be up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from mcp_llm_trace._settings import SETTINGS

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_config_docs", ROOT / "scripts" / "gen_config_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_configuration_md_is_up_to_date() -> None:
    current = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert current == _script().render(), (
        "docs/configuration.md is out of date: run python scripts/gen_config_docs.py"
    )


def test_every_env_var_yaml_path_and_kwarg_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for setting in SETTINGS.values():
        for name in (*setting.env, *setting.yaml, setting.kwarg):
            assert f"`{name}`" in text, name


def test_check_mode_detects_drift(tmp_path: Path, monkeypatch: object) -> None:
    module = _script()
    module.OUT = tmp_path / "configuration.md"
    assert module.main(["--check"]) == 1  # missing
    assert module.main([]) == 0
    assert module.main(["--check"]) == 0
    module.OUT.write_text("stale\n", encoding="utf-8")
    assert module.main(["--check"]) == 1
