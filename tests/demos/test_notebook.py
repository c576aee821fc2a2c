"""demos/stepthrough.ipynb runs top to bottom, and its outputs hold the two pages as iframes."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "demos" / "stepthrough.ipynb"

nbformat = pytest.importorskip("nbformat", reason='pip install "chainrule[dev]" (nbclient, ipykernel)')
nbclient = pytest.importorskip("nbclient", reason='pip install "chainrule[dev]" (nbclient, ipykernel)')
pytest.importorskip("ipykernel", reason='pip install "chainrule[dev]" (nbclient, ipykernel)')


def test_the_committed_notebook_has_no_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)


def test_the_notebook_runs_and_shows_both_pages_inline(tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parents[1])}},
    )
    client.execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    pages = [
        page for page in shown if page.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in page
    ]
    titles = [html.unescape(page) for page in pages]
    assert any("backpropagation step by step" in t for t in titles)  # the scalar step-through
    assert any("one sample through a 2 → 3 → 1 network" in t for t in titles)  # the neuron view
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "f = 82.0, df/dx = 54.0, df/dy = 36.0" in text
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs)  # the Value's graph, the network
