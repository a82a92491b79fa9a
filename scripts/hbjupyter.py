"""Shared Jupyter plumbing for huntbook's Python side.

Used by the protocol tests (tests/kernel), the notebook runner (scripts/run_notebooks.py) and the
latency benchmark (bench/kernel_latency.py):

* kernelspec look-up with a readable reason when a kernel is not installed;
* `KernelSession`: one kernel process plus a blocking client, with helpers that send a request
  and gather everything the kernel publishes for it (iopub messages until status idle, then the
  shell reply);
* `execute_notebook`: run a notebook with nbclient and write the executed copy and an HTML export
  whose page loads no script from a CDN.

Only jupyter_client is imported at module load; nbclient/nbconvert/nbformat are imported by the
notebook functions, so the benchmark starts quickly.
"""

from __future__ import annotations

import os
import queue
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO / "notebooks"
BUILD_NOTEBOOK_DIR = REPO / "build" / "notebooks"

DEFAULT_KERNEL = os.environ.get("HUNTBOOK_KERNEL_NAME", "huntbook")
NOTEBOOK_CELL_TIMEOUT = 600  # seconds per notebook cell (nbclient `timeout`)

Msg = dict[str, Any]


def _env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SystemExit(f"{name}={raw!r} is not a number of seconds") from exc


# Timeouts, overridable from the environment (CI on a cold build dir is slow; later cells are quick).
STARTUP_TIMEOUT = _env_seconds("HUNTBOOK_TEST_STARTUP_TIMEOUT", 120.0)  # start -> kernel_info reply
FIRST_CELL_TIMEOUT = _env_seconds("HUNTBOOK_TEST_FIRST_CELL_TIMEOUT", 600.0)  # first execute
CELL_TIMEOUT = _env_seconds("HUNTBOOK_TEST_CELL_TIMEOUT", 180.0)  # any later execute
REQUEST_TIMEOUT = _env_seconds("HUNTBOOK_TEST_REQUEST_TIMEOUT", 30.0)  # non-execute requests


# --------------------------------------------------------------------------------------------
# kernelspecs


def kernelspec_missing_reason(name: str) -> str | None:
    """None if kernelspec `name` is installed where jupyter_client looks, else why not."""
    from jupyter_client.kernelspec import find_kernel_specs
    from jupyter_core.paths import jupyter_path

    specs = find_kernel_specs()
    if name in specs:
        return None
    searched = ", ".join(jupyter_path("kernels"))
    found = ", ".join(sorted(specs)) or "none"
    hint = ""
    if name == "huntbook":
        hint = (
            " Build the kernel (cargo build -p huntbook-kernel) and run "
            "`huntbook-kernel install --sys-prefix` with .venv activated."
        )
    return f"Jupyter kernelspec {name!r} is not installed (installed: {found}; searched: {searched}).{hint}"


# --------------------------------------------------------------------------------------------
# results


@dataclass
class ExecResult:
    """Everything one execute_request produced."""

    code: str
    reply: Msg | None
    outputs: list[Msg] = field(default_factory=list)  # iopub messages except status
    seconds: float = 0.0

    @property
    def content(self) -> dict[str, Any]:
        return self.reply["content"] if self.reply else {}

    @property
    def status(self) -> str | None:
        return self.content.get("status")

    @property
    def execution_count(self) -> int | None:
        return self.content.get("execution_count")

    def of_type(self, msg_type: str) -> list[dict[str, Any]]:
        """Contents of the iopub messages of one type, in arrival order."""
        return [m["content"] for m in self.outputs if m["msg_type"] == msg_type]

    def stream(self, name: str) -> str:
        return "".join(c.get("text", "") for c in self.of_type("stream") if c.get("name") == name)

    @property
    def stdout(self) -> str:
        return self.stream("stdout")

    @property
    def stderr(self) -> str:
        return self.stream("stderr")

    @property
    def result(self) -> dict[str, Any] | None:
        results = self.of_type("execute_result")
        return results[-1] if results else None

    @property
    def result_data(self) -> dict[str, Any]:
        return (self.result or {}).get("data", {})

    @property
    def text_plain(self) -> str | None:
        text = self.result_data.get("text/plain")
        return None if text is None else str(text).strip()

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.of_type("error")

    @property
    def displays(self) -> list[dict[str, Any]]:
        return self.of_type("display_data")

    def all_text(self) -> str:
        """Every piece of text the cell produced (streams, results, errors, reply), for searching."""
        parts: list[str] = []
        for m in self.outputs:
            c = m["content"]
            if m["msg_type"] == "stream":
                parts.append(c.get("text", ""))
            elif m["msg_type"] in ("execute_result", "display_data"):
                parts.append(str(c.get("data", {}).get("text/plain", "")))
            elif m["msg_type"] == "error":
                parts += [str(c.get("ename", "")), str(c.get("evalue", ""))]
                parts += [str(line) for line in c.get("traceback", [])]
        for key in ("ename", "evalue"):
            parts.append(str(self.content.get(key, "")))
        parts += [str(line) for line in self.content.get("traceback", []) or []]
        return "\n".join(p for p in parts if p)

    def describe(self, limit: int = 400) -> str:
        """Short human summary, for assertion messages."""
        lines = [f"code={self.code!r} status={self.status!r} execution_count={self.execution_count!r}"]
        for m in self.outputs:
            c = m["content"]
            t = m["msg_type"]
            if t == "stream":
                detail = f"{c.get('name')}: {c.get('text', '')!r}"
            elif t in ("execute_result", "display_data"):
                detail = ", ".join(
                    f"{mime}={str(v)[:limit]!r}" for mime, v in c.get("data", {}).items()
                )
            elif t == "error":
                detail = f"{c.get('ename')!r}: {str(c.get('evalue'))[:limit]!r}"
            elif t == "execute_input":
                detail = f"count={c.get('execution_count')}"
            else:
                detail = str(c)[:limit]
            lines.append(f"  {t}: {detail}")
        return "\n".join(lines)


class PendingExecution:
    """An execute_request that has been sent; read its iopub messages bit by bit."""

    def __init__(self, session: "KernelSession", msg_id: str, code: str):
        self.session = session
        self.msg_id = msg_id
        self.code = code
        self.outputs: list[Msg] = []
        self.idle = False
        self.started = time.monotonic()

    def _next(self, deadline: float) -> Msg | None:
        """The next iopub message for this request, or None at the deadline."""
        kc = self.session.kc
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                msg = kc.get_iopub_msg(timeout=remaining)
            except queue.Empty:
                return None
            if msg.get("parent_header", {}).get("msg_id") == self.msg_id:
                return msg

    def wait_for(self, predicate: Callable[[Msg], bool], timeout: float) -> bool:
        """Read iopub until a message satisfies `predicate`; False on idle or timeout."""
        deadline = time.monotonic() + timeout
        while not self.idle:
            msg = self._next(deadline)
            if msg is None:
                return False
            if msg["msg_type"] == "status":
                if msg["content"].get("execution_state") == "idle":
                    self.idle = True
                continue
            self.outputs.append(msg)
            if predicate(msg):
                return True
        return False

    def finish(self, timeout: float) -> ExecResult:
        """Read until status idle and the execute_reply; TimeoutError if that takes too long."""
        deadline = time.monotonic() + timeout
        while not self.idle:
            msg = self._next(deadline)
            if msg is None:
                partial = ExecResult(self.code, None, self.outputs, time.monotonic() - self.started)
                raise TimeoutError(
                    f"no status idle within {timeout:.0f}s for execute_request\n{partial.describe()}"
                )
            if msg["msg_type"] == "status":
                if msg["content"].get("execution_state") == "idle":
                    self.idle = True
                continue
            self.outputs.append(msg)
        reply = self.session.shell_reply(self.msg_id, max(deadline - time.monotonic(), 5.0))
        return ExecResult(self.code, reply, self.outputs, time.monotonic() - self.started)


class KernelSession:
    """A kernel started by name through jupyter_client, with a blocking client attached."""

    def __init__(
        self,
        kernel_name: str = DEFAULT_KERNEL,
        *,
        startup_timeout: float = STARTUP_TIMEOUT,
        cwd: str | os.PathLike[str] | None = None,
    ):
        self.kernel_name = kernel_name
        self.startup_timeout = startup_timeout
        self.cwd = str(cwd) if cwd is not None else None
        self.km: Any = None
        self.kc: Any = None
        self.kernel_info_seconds: float | None = None  # start_kernel() -> first kernel_info_reply
        self.ready_seconds: float | None = None  # start_kernel() -> wait_for_ready() done
        self.kernel_info_reply: Msg | None = None
        self.cells_run = 0
        self.first_result: ExecResult | None = None  # set by callers that run a warm-up cell

    # lifecycle ------------------------------------------------------------------------------

    def start(self) -> "KernelSession":
        from jupyter_client.manager import KernelManager

        self.km = KernelManager(kernel_name=self.kernel_name)
        t0 = time.monotonic()
        kwargs = {"cwd": self.cwd} if self.cwd else {}
        self.km.start_kernel(**kwargs)
        self.kc = self.km.client()
        self.kc.allow_stdin = False
        self.kc.start_channels()
        self._await_ready(t0)
        return self

    def _await_ready(self, t0: float) -> None:
        # One explicit kernel_info first, to time the reply itself (wait_for_ready polls in 1 s
        # steps and also waits for iopub), then the standard readiness check.
        msg_id = self.kc.kernel_info()
        try:
            self.kernel_info_reply = self.shell_reply(msg_id, self.startup_timeout)
            self.kernel_info_seconds = time.monotonic() - t0
        except TimeoutError:
            if not self.km.is_alive():
                raise RuntimeError(f"kernel {self.kernel_name!r} died during start-up") from None
            raise
        self.kc.wait_for_ready(timeout=self.startup_timeout)
        self.ready_seconds = time.monotonic() - t0
        self.cells_run = 0

    def restart(self, now: bool = False) -> None:
        """km.restart_kernel (shutdown_request with restart=true unless now), then wait for ready."""
        t0 = time.monotonic()
        self.km.restart_kernel(now=now)
        self._await_ready(t0)

    def ensure_running(self) -> None:
        """Relaunch the kernel if its process has gone (e.g. after a shutdown test)."""
        if not self.km.is_alive():
            self.restart(now=True)

    def close(self) -> None:
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
        if self.km is not None:
            try:
                if self.km.has_kernel:
                    self.km.shutdown_kernel(now=not self.km.is_alive())
            except Exception:
                try:
                    self.km.shutdown_kernel(now=True)
                except Exception:
                    pass
            self.km = None
        self.kc = None

    def __enter__(self) -> "KernelSession":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # requests -------------------------------------------------------------------------------

    def shell_reply(self, msg_id: str, timeout: float) -> Msg:
        """The shell reply to `msg_id` (replies to other requests are dropped)."""
        return self._reply(self.kc.get_shell_msg, msg_id, timeout, "shell")

    def control_reply(self, msg_id: str, timeout: float) -> Msg:
        return self._reply(self.kc.control_channel.get_msg, msg_id, timeout, "control")

    @staticmethod
    def _reply(get: Callable[..., Msg], msg_id: str, timeout: float, channel: str) -> Msg:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {channel} reply within {timeout:.0f}s")
            try:
                msg = get(timeout=remaining)
            except queue.Empty:
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg

    def request(self, method: str, *args: Any, timeout: float = REQUEST_TIMEOUT, **kwargs: Any) -> Msg:
        """Call a BlockingKernelClient request method (complete, inspect, ...) and return its reply."""
        msg_id = getattr(self.kc, method)(*args, **kwargs)
        return self.shell_reply(msg_id, timeout)

    def control_request(self, msg_type: str, content: dict[str, Any] | None = None,
                        timeout: float = REQUEST_TIMEOUT) -> Msg:
        msg = self.kc.session.msg(msg_type, content or {})
        self.kc.control_channel.send(msg)
        return self.control_reply(msg["header"]["msg_id"], timeout)

    def default_timeout(self) -> float:
        return FIRST_CELL_TIMEOUT if self.cells_run == 0 else CELL_TIMEOUT

    def execute(self, code: str, *, store_history: bool = True) -> PendingExecution:
        msg_id = self.kc.execute(code, store_history=store_history, allow_stdin=False)
        self.cells_run += 1
        return PendingExecution(self, msg_id, code)

    def run(self, code: str, timeout: float | None = None, *, store_history: bool = True) -> ExecResult:
        """Execute `code`, gather iopub messages until idle, return them with the reply."""
        if timeout is None:
            timeout = self.default_timeout()
        return self.execute(code, store_history=store_history).finish(timeout)


# --------------------------------------------------------------------------------------------
# notebooks

# nbconvert's "lab" HTML template always emits <script src=...> tags for require.js and MathJax
# from cdnjs (HTMLExporter.require_js_url / mathjax_url), plus a mermaid loader (lazy, only when
# a mermaid diagram is present) and a widget manager from unpkg (only with widget state). None
# of them is needed for a Rust notebook's outputs (HTML tables, SVG, text), so the offline
# template keeps the lab look and inlined CSS and drops those four blocks: the page loads
# nothing from the network. Cost: LaTeX in markdown is shown as typed.
_OFFLINE_TEMPLATE_NAME = "huntbook-offline.html.j2"
_OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
"""


def html_exporter(offline: bool = True):
    """nbconvert HTMLExporter with the default "lab" template; `offline` drops CDN scripts."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    if not offline:
        return HTMLExporter(template_name="lab")
    return HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({_OFFLINE_TEMPLATE_NAME: _OFFLINE_TEMPLATE})],
        template_file=_OFFLINE_TEMPLATE_NAME,
    )


def notebook_paths(directory: Path = NOTEBOOK_DIR) -> list[Path]:
    return sorted(p for p in directory.glob("*.ipynb") if not p.name.startswith("."))


@dataclass
class NotebookRun:
    source: Path
    executed: Path
    html: Path
    seconds: float
    error: BaseException | None = None


def execute_notebook(
    path: Path,
    out_dir: Path = BUILD_NOTEBOOK_DIR,
    *,
    kernel_name: str = DEFAULT_KERNEL,
    timeout: int = NOTEBOOK_CELL_TIMEOUT,
    startup_timeout: float = STARTUP_TIMEOUT,
    offline_html: bool = True,
    raise_on_error: bool = True,
) -> NotebookRun:
    """Execute one notebook (cwd = its folder) and write NAME.ipynb and NAME.html to out_dir.

    Both files are written even when a cell fails (with the outputs up to the failure), then
    the nbclient error (CellExecutionError, CellTimeoutError, DeadKernelError ...) is raised,
    or returned in NotebookRun.error when raise_on_error is False.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / path.name
    html = out_dir / (path.stem + ".html")

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        startup_timeout=int(startup_timeout),
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(path.parent)}},
    )
    t0 = time.monotonic()
    error: BaseException | None = None
    try:
        client.execute()
    except Exception as exc:  # nbclient raises CellExecutionError on an "error" output
        error = exc
    seconds = time.monotonic() - t0

    nbformat.write(nb, executed)
    body, _ = html_exporter(offline_html).from_notebook_node(
        nb, resources={"metadata": {"name": path.stem}}
    )
    html.write_text(body, encoding="utf-8")

    run = NotebookRun(path, executed, html, seconds, error)
    if error is not None and raise_on_error:
        raise error
    return run


def remote_references(html: str) -> list[str]:
    """Script/link/img/import URLs in an HTML page that would be fetched from the network."""
    import re

    pattern = re.compile(
        r"""(?:<script[^>]*\ssrc|<link[^>]*\shref|<img[^>]*\ssrc)\s*=\s*["']((?:https?:)?//[^"']+)"""
        r"""|import\(\s*["']((?:https?:)?//[^"']+)""",
        re.IGNORECASE,
    )
    return [a or b for a, b in pattern.findall(html)]


# What the kernel itself writes to a cell's stderr: the notice that the first cell waits for
# the session, and cargo's progress lines while a cell's crate builds.
KERNEL_STDERR_PREFIXES = ("huntbook: starting the session",)
CARGO_PROGRESS = re.compile(r"^\s*(Compiling|Finished|Blocking|Updating|Locking|Adding|Downloaded|Downloading|Checking)\b")


def iter_stderr_outputs(nb: Any) -> Iterable[tuple[int, str]]:
    """(cell index, text) for every stderr stream a cell wrote, except the kernel's own notice.

    A `?` that returns an error from a cell is not an "error" output in evcxr: the error's text
    goes to stderr and the cell ends. The demo notebooks write nothing to stderr, so any text
    there means a step failed.
    """
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines = [line for line in output.get("text", "").splitlines()
                         if line.strip() and not line.startswith(KERNEL_STDERR_PREFIXES)
                         and not CARGO_PROGRESS.match(line)]
                if lines:
                    yield index, "\n".join(lines)


def iter_error_outputs(nb: Any) -> Iterable[tuple[int, dict[str, Any]]]:
    """(cell index, output) for every output of type "error" in an executed notebook."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                yield index, output
