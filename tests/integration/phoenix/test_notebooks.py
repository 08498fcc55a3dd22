"""The analysis notebooks run top to bottom, headless, against the demo-filled Phoenix.

The kernel is this interpreter (the SDK virtualenv): a kernelspec is written into a
temporary ``JUPYTER_PATH``; HOME and every Jupyter/IPython/matplotlib directory point at
temporary folders, so nothing outside the test's tmp dir is read or written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = [pytest.mark.integration, pytest.mark.phoenix]

NOTEBOOKS = sorted((Path(__file__).resolve().parents[3] / "notebooks").glob("*.ipynb"))
KERNEL = "mcp-llm-trace-sdk"


def test_the_four_notebooks_exist_without_outputs() -> None:
    assert [p.name[:3] for p in NOTEBOOKS] == ["01_", "02_", "03_", "04_"]
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name


@pytest.fixture
def jupyter_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_run: Any) -> Path:
    """Temp Jupyter dirs, a kernelspec for this interpreter, Phoenix endpoint/project."""
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "mcp-llm-trace SDK",
                "language": "python",
            }
        )
    )
    dirs = {
        "HOME": "home",
        "JUPYTER_CONFIG_DIR": "jcfg",
        "JUPYTER_DATA_DIR": "jdata",
        "JUPYTER_RUNTIME_DIR": "jrun",
        "IPYTHONDIR": "ipython",
        "MPLCONFIGDIR": "mpl",
    }
    for var, name in dirs.items():
        (tmp_path / name).mkdir()
        monkeypatch.setenv(var, str(tmp_path / name))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PHOENIX_ENDPOINT", demo_run.url)
    monkeypatch.setenv("PHOENIX_PROJECT", demo_run.project)
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_without_error(path: Path, jupyter_env: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=300,
        allow_errors=False,
        resources={"metadata": {"path": str(jupyter_env)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert outputs, "the notebook printed nothing"
