"""Session behaviour beyond single messages: build progress of a `:dep` reaching the cell, and a
kernel whose prelude is missing explaining why in the first cell while it keeps serving."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import hbjupyter
from hbjupyter import DEFAULT_KERNEL, KernelSession


def test_dep_build_progress_reaches_the_cell(warm: KernelSession, tmp_path: Path):
    crate = tmp_path / "hbprogress"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "hbprogress"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    (crate / "src" / "lib.rs").write_text("pub fn seven() -> i64 { 7 }\n")

    result = warm.run(f':dep hbprogress = {{ path = "{crate}" }}\nhbprogress::seven()')

    assert result.status == "ok", result.describe()
    assert "Compiling hbprogress" in result.stderr, result.describe()
    assert result.text_plain == "7", result.describe()


@pytest.fixture
def kernel_without_prelude(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The installed kernelspec, copied under another name with its prelude pointing nowhere."""
    from jupyter_client.kernelspec import find_kernel_specs

    spec_dir = Path(find_kernel_specs()[DEFAULT_KERNEL])
    spec = json.loads((spec_dir / "kernel.json").read_text())
    spec["env"] = {**spec.get("env", {}), "HUNTBOOK_PRELUDE_DIR": str(tmp_path / "no-prelude")}
    target = tmp_path / "jupyter" / "kernels" / "huntbook-noprelude"
    target.mkdir(parents=True)
    (target / "kernel.json").write_text(json.dumps(spec))
    search = [str(tmp_path / "jupyter"), os.environ.get("JUPYTER_PATH", "")]
    monkeypatch.setenv("JUPYTER_PATH", os.pathsep.join(p for p in search if p))
    session = KernelSession("huntbook-noprelude", cwd=tmp_path)
    session.start()
    yield session
    session.close()


def test_missing_prelude_is_explained_and_the_kernel_keeps_serving(kernel_without_prelude):
    first = kernel_without_prelude.run("1 + 1", timeout=hbjupyter.FIRST_CELL_TIMEOUT)
    assert "no prebuilt prelude" in first.stderr, first.describe()
    assert "huntbook-kernel install" in first.stderr, first.describe()
    assert first.text_plain == "2", first.describe()

    second = kernel_without_prelude.run("let y = 2; y + 3")
    assert second.status == "ok", second.describe()
    assert second.text_plain == "5", second.describe()
