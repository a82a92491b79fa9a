"""Fixtures for the huntbook kernel tests.

Every test here talks to a real kernel started from the installed Jupyter kernelspec (name
`huntbook`, or $HUNTBOOK_KERNEL_NAME). Without that kernelspec the whole folder is skipped with
the reason; install it with `huntbook-kernel install --sys-prefix` while .venv is active.

Timeouts (seconds) can be raised from the environment: HUNTBOOK_TEST_STARTUP_TIMEOUT (start ->
kernel_info reply, default 120), HUNTBOOK_TEST_FIRST_CELL_TIMEOUT (first cell of a kernel,
default 600), HUNTBOOK_TEST_CELL_TIMEOUT (later cells, default 180),
HUNTBOOK_KERNEL_INFO_DEADLINE (how fast kernel_info must answer after start, default 2).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "scripts"))

import hbjupyter  # noqa: E402  (needs the path above)
from hbjupyter import DEFAULT_KERNEL, KernelSession  # noqa: E402

_missing = hbjupyter.kernelspec_missing_reason(DEFAULT_KERNEL)


def pytest_report_header(config: pytest.Config) -> str:
    state = _missing or "installed"
    return f"huntbook kernel tests: kernelspec {DEFAULT_KERNEL!r}: {state}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _missing is None:
        return
    skip = pytest.mark.skip(reason=_missing)
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory):
    """One started kernel per test module; no cell has run yet when a test first gets it."""
    if _missing is not None:
        pytest.skip(_missing)
    session = KernelSession(DEFAULT_KERNEL, cwd=tmp_path_factory.mktemp("kernel-cwd"))
    try:
        session.start()
    except Exception:
        session.close()
        raise
    yield session
    session.close()


@pytest.fixture(scope="module")
def warm(kernel: KernelSession) -> KernelSession:
    """The module's kernel after its first cell (`1 + 1`) ran, with the long first-cell timeout.

    Every test that executes code goes through this fixture, so the warm-up is always the
    kernel's first execute_request and `kernel.first_result` shows execution_count 1.
    """
    if kernel.first_result is None:
        kernel.first_result = kernel.run("1 + 1", timeout=hbjupyter.FIRST_CELL_TIMEOUT)
        assert kernel.first_result.status == "ok", kernel.first_result.describe()
    return kernel
