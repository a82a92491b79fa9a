"""Execute every notebooks/*.ipynb on the huntbook kernel (nbclient) and export it to HTML.

The executed notebook and its HTML go to build/notebooks/NAME.ipynb and NAME.html (written even
when a cell fails, so the failure can be looked at). Any output of type "error" fails the test:
nbclient raises CellExecutionError for it (allow_errors stays False); cells tagged
"raises-exception" are nbclient's documented exception to that.
"""

from __future__ import annotations

import nbformat
import pytest

import hbjupyter

NOTEBOOKS = hbjupyter.notebook_paths()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path):
    run = hbjupyter.execute_notebook(path)  # raises CellExecutionError on an error output

    nb = nbformat.read(run.executed, as_version=4)
    errors = list(hbjupyter.iter_error_outputs(nb))
    assert not errors, f"error outputs in {path.name}: {errors}"
    stderr = list(hbjupyter.iter_stderr_outputs(nb))
    assert not stderr, f"cells of {path.name} wrote to stderr (a failed `?`): {stderr}"
    code_cells = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert all(c.get("execution_count") for c in code_cells), "a code cell was not executed"
    assert nb.metadata.get("language_info", {}).get("name") == "rust"

    html = run.html.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert not hbjupyter.remote_references(html), hbjupyter.remote_references(html)


def test_there_is_a_notebook():
    assert NOTEBOOKS, f"no notebooks in {hbjupyter.NOTEBOOK_DIR}"
