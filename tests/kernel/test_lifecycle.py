"""Interrupt, restart and shutdown of the huntbook kernel.

These disturb the kernel, so they get their own (module-scoped) kernel. Each test first makes
sure the kernel process is running, so they pass in any order or alone.
"""

from __future__ import annotations

import re
import time

import pytest

import hbjupyter
from hbjupyter import KernelSession

# Interrupted cells end with status "error" (or "aborted"; "abort" is the pre-5.0 spelling).
INTERRUPTED = {"error", "aborted", "abort"}
LOST_STATE = re.compile(r"\b(lost|restart(ed)?|reset|gone|cleared)\b", re.IGNORECASE)


def ok(result) -> None:
    assert result.status == "ok", result.describe()


@pytest.fixture
def k(warm: KernelSession) -> KernelSession:
    warm.ensure_running()
    if warm.cells_run == 0:  # freshly (re)started: pay the first-cell cost here, not in a test
        ok(warm.run("1 + 1", timeout=hbjupyter.FIRST_CELL_TIMEOUT))
    return warm


def _interrupt_a_loop(k: KernelSession, send_interrupt) -> tuple:
    ok(k.run("let before_interrupt = 7;"))
    pending = k.execute('println!("spinning");\nloop {}')
    sent = time.monotonic()
    # Wait until the loop really runs (its println arrived), so the interrupt does not land
    # while the cell is still compiling; give up waiting after 60 s and interrupt anyway.
    pending.wait_for(
        lambda m: m["msg_type"] == "stream" and "spinning" in m["content"].get("text", ""),
        timeout=min(hbjupyter.CELL_TIMEOUT, 60.0),
    )
    assert not pending.idle, "the loop cell ended before it was interrupted\n" + repr(pending.outputs)
    time.sleep(max(0.0, 3.0 - (time.monotonic() - sent)))
    interrupt_reply = send_interrupt()
    looped = pending.finish(timeout=60)
    assert looped.status in INTERRUPTED, looped.describe()

    after = k.run("1 + 1")
    ok(after)
    assert after.text_plain == "2", after.describe()

    survived = k.run("before_interrupt")
    if survived.status == "ok":
        assert survived.text_plain == "7", survived.describe()
    else:
        # The kernel restarted its child process: the user must be told the variables are gone.
        told = looped.all_text() + "\n" + after.all_text()
        assert LOST_STATE.search(told), (
            "variables were lost on interrupt but no output said so\n"
            + looped.describe() + "\n" + after.describe()
        )
    return looped, interrupt_reply


def test_interrupt_mode_is_message(k: KernelSession):
    assert k.km.kernel_spec.interrupt_mode == "message"


def test_interrupt_stops_infinite_loop(k: KernelSession):
    # KernelManager.interrupt_kernel sends interrupt_request on the control channel because the
    # kernelspec says interrupt_mode "message" (no SIGINT is involved).
    _interrupt_a_loop(k, k.km.interrupt_kernel)


def test_interrupt_request_gets_interrupt_reply(k: KernelSession):
    _, reply = _interrupt_a_loop(k, lambda: k.control_request("interrupt_request", {}))
    assert reply["msg_type"] == "interrupt_reply"
    assert reply["content"].get("status", "ok") == "ok", reply["content"]


def test_kernel_keeps_serving_after_interrupt(k: KernelSession):
    reply = k.request("kernel_info")
    assert reply["content"]["status"] == "ok"
    ok(k.run("let still_here = 3;"))
    r = k.run("still_here * 2")
    ok(r)
    assert r.text_plain == "6"


def test_restart_kernel(k: KernelSession):
    ok(k.run("let from_before_restart = 1;"))
    k.restart(now=False)  # shutdown_request(restart=true), then a new process
    r = k.run("1 + 1", timeout=hbjupyter.FIRST_CELL_TIMEOUT)
    ok(r)
    assert r.text_plain == "2", r.describe()
    assert r.execution_count == 1, "a restarted kernel counts from 1 again\n" + r.describe()
    gone = k.run("from_before_restart")
    assert gone.status == "error", "state survived a restart\n" + gone.describe()


def _wait_for_exit(k: KernelSession, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while k.km.is_alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    return not k.km.is_alive()


@pytest.mark.parametrize("restart", [True, False], ids=["restart", "no-restart"])
def test_shutdown_request(k: KernelSession, restart: bool):
    reply = k.control_request("shutdown_request", {"restart": restart})
    assert reply["msg_type"] == "shutdown_reply"
    assert reply["content"].get("status", "ok") == "ok", reply["content"]
    assert reply["content"]["restart"] is restart, reply["content"]
    assert _wait_for_exit(k), "kernel process did not exit within 20 s of shutdown_request"
    if restart:
        # What a frontend's kernel manager does next: start it again, and it works.
        k.restart(now=True)
        r = k.run("1 + 1", timeout=hbjupyter.FIRST_CELL_TIMEOUT)
        ok(r)
        assert r.text_plain == "2", r.describe()
