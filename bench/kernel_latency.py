#!/usr/bin/env python3
"""Latency of a Jupyter kernel as a notebook user feels it: huntbook, or plain evcxr to compare.

    .venv/bin/python bench/kernel_latency.py [--kernel huntbook|evcxr|SPEC] [-n 5] [--out FILE]

Measures, N times each, and reports the median (plus min/max and every sample):

  start      kernel start -> result of the first cell `1 + 1` (new kernel process each time;
             one unmeasured start first, so the prelude / build dirs are warm);
  trivial    a warm trivial cell: `let x = 6; x * 7` once, then `x * 7` N times;
  dataframe  a warm cell that builds a 10,000-row DataFrame and shows it as the last expression.

`--kernel evcxr` means the kernelspec `rust` written by `evcxr_jupyter --install` (evcxr_jupyter
0.22). Plain evcxr has no prelude, so before the dataframe cell it runs `:dep polars = {...}` and
`use polars::prelude::*;` once (that build can take very long: --dep-timeout, default 3600 s);
its duration is reported as `dataframe_setup`. `start` for evcxr has no polars in it.

Prints a markdown table, then the JSON document; `--out FILE` also writes the JSON to FILE.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import hbjupyter  # noqa: E402
from hbjupyter import ExecResult, KernelSession  # noqa: E402

ALIASES = {"evcxr": "rust"}  # --kernel name -> kernelspec name
EVCXR_SPECS = {"rust"}

FIRST_CELL = "1 + 1"
TRIVIAL_SETUP = "let x = 6; x * 7"
TRIVIAL_CELL = "x * 7"
DATAFRAME_CELL = (
    "let n = 10_000i64; "
    'let df = df!("id" => (0..n).collect::<Vec<i64>>(), '
    '"host" => (0..n).map(|i| format!("host{}", i % 50)).collect::<Vec<String>>()).unwrap(); '
    "df"
)
EVCXR_POLARS_DEP = (
    ':dep polars = { version = "0.55.2", default-features = false, '
    'features = ["lazy", "csv", "fmt", "dtype-datetime"] }'
)
EVCXR_POLARS_USE = "use polars::prelude::*;"
METRICS = ("start", "trivial", "dataframe")


def install_hint(spec: str) -> str:
    if spec in EVCXR_SPECS:
        return ("Install evcxr's kernel with: "
                "cargo install evcxr_jupyter --version 0.22.0 && evcxr_jupyter --install")
    if spec == "huntbook":
        return ("Build the kernel and run `huntbook-kernel install --sys-prefix` "
                "with .venv activated (bash scripts/venv.sh creates it).")
    return "Install that kernelspec, or pick another with --kernel."


def checked(result: ExecResult, expect_plain: str | None = None) -> ExecResult:
    if result.status != "ok":
        raise RuntimeError("cell failed:\n" + result.describe())
    if expect_plain is not None and result.text_plain != expect_plain:
        raise RuntimeError(f"expected {expect_plain!r}:\n" + result.describe())
    return result


def summary(samples: list[float], **extra) -> dict:
    return {
        "median_s": round(statistics.median(samples), 4),
        "min_s": round(min(samples), 4),
        "max_s": round(max(samples), 4),
        "n": len(samples),
        "samples_s": [round(s, 4) for s in samples],
        **extra,
    }


def timed_run(session: KernelSession, code: str, timeout: float) -> tuple[float, ExecResult]:
    t0 = time.monotonic()
    result = session.run(code, timeout=timeout)
    return time.monotonic() - t0, result


def log(msg: str) -> None:
    print(f"kernel_latency: {msg}", file=sys.stderr, flush=True)


def bench_start(spec: str, n: int, args) -> dict:
    totals, infos = [], []
    rounds = n + (0 if args.no_warmup else 1)
    for i in range(rounds):
        counted = args.no_warmup or i > 0
        session = KernelSession(spec, startup_timeout=args.startup_timeout)
        t0 = time.monotonic()
        try:
            session.start()
            checked(session.run(FIRST_CELL, timeout=args.startup_timeout), "2")
            total = time.monotonic() - t0
        finally:
            session.close()
        log(f"start {'#' + str(len(totals) + 1) if counted else '(warm-up)'}: "
            f"{total:.3f}s (kernel_info after {session.kernel_info_seconds:.3f}s)")
        if counted:
            totals.append(total)
            infos.append(session.kernel_info_seconds)
    return summary(totals, kernel_info_median_s=round(statistics.median(infos), 4),
                   kernel_info_samples_s=[round(s, 4) for s in infos])


def bench_warm(spec: str, n: int, args, metrics: set[str], evcxr: bool) -> dict:
    out: dict = {}
    with KernelSession(spec, startup_timeout=args.startup_timeout) as session:
        checked(session.run(FIRST_CELL, timeout=args.startup_timeout), "2")

        if "trivial" in metrics:
            checked(session.run(TRIVIAL_SETUP, timeout=args.cell_timeout), "42")
            samples = []
            for _ in range(n):
                seconds, result = timed_run(session, TRIVIAL_CELL, args.cell_timeout)
                checked(result, "42")
                samples.append(seconds)
            log(f"trivial: {[round(s, 3) for s in samples]}")
            out["warm_trivial_cell"] = summary(samples, code=TRIVIAL_CELL)

        if "dataframe" in metrics:
            if evcxr:
                log("evcxr: building polars with :dep (this can take a long time) ...")
                t0 = time.monotonic()
                checked(session.run(EVCXR_POLARS_DEP, timeout=args.dep_timeout))
                checked(session.run(EVCXR_POLARS_USE, timeout=args.dep_timeout))
                setup = time.monotonic() - t0
                log(f"evcxr: polars ready after {setup:.1f}s")
                out["dataframe_setup"] = {"seconds": round(setup, 2),
                                          "code": [EVCXR_POLARS_DEP, EVCXR_POLARS_USE]}
            samples, mimes = [], set()
            for _ in range(n):
                seconds, result = timed_run(session, DATAFRAME_CELL, args.cell_timeout)
                checked(result)
                if not result.result_data:
                    raise RuntimeError("dataframe cell showed nothing:\n" + result.describe())
                mimes.update(result.result_data)
                samples.append(seconds)
            log(f"dataframe: {[round(s, 3) for s in samples]}")
            out["warm_dataframe_cell"] = summary(samples, code=DATAFRAME_CELL,
                                                 result_mime_types=sorted(mimes))
    return out


def markdown(doc: dict) -> str:
    rows = [
        ("start -> first result (`1 + 1`)", "start_to_first_result"),
        ("warm trivial cell (`x * 7`)", "warm_trivial_cell"),
        ("warm 10,000-row DataFrame cell", "warm_dataframe_cell"),
    ]
    lines = [
        f"Kernel `{doc['kernel']}` (kernelspec `{doc['kernelspec']}`), "
        f"{doc['repeat']} repetitions, {doc['host']['cpus']} CPUs",
        "",
        "| measurement | median s | min s | max s | n |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    m = doc["metrics"]
    for label, key in rows:
        if key in m:
            s = m[key]
            lines.append(f"| {label} | {s['median_s']:.3f} | {s['min_s']:.3f} | "
                         f"{s['max_s']:.3f} | {s['n']} |")
    if "start_to_first_result" in m:
        lines.append(f"| (start -> kernel_info reply) | "
                     f"{m['start_to_first_result']['kernel_info_median_s']:.3f} | | | |")
    if "dataframe_setup" in m:
        lines.append(f"| evcxr `:dep polars` + `use` (once) | "
                     f"{m['dataframe_setup']['seconds']:.1f} | | | 1 |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("--kernel", default="huntbook",
                    help="kernelspec name, or 'evcxr' for evcxr_jupyter's 'rust' (default: huntbook)")
    ap.add_argument("-n", "--repeat", type=int, default=5, help="repetitions (default: 5)")
    ap.add_argument("--metrics", default=",".join(METRICS),
                    help=f"comma list out of {','.join(METRICS)} (default: all)")
    ap.add_argument("--startup-timeout", type=float, default=600.0,
                    help="seconds for start -> first result (default: 600)")
    ap.add_argument("--cell-timeout", type=float, default=600.0,
                    help="seconds for any other cell (default: 600)")
    ap.add_argument("--dep-timeout", type=float, default=3600.0,
                    help="seconds for evcxr's `:dep polars` build (default: 3600)")
    ap.add_argument("--no-warmup", action="store_true",
                    help="count the first kernel start too (cold prelude / build dir)")
    ap.add_argument("--out", type=Path, help="also write the JSON to this file")
    args = ap.parse_args(argv)

    spec = ALIASES.get(args.kernel, args.kernel)
    evcxr = spec in EVCXR_SPECS
    metrics = {m.strip() for m in args.metrics.split(",") if m.strip()}
    unknown = metrics - set(METRICS)
    if unknown or args.repeat < 1:
        ap.error(f"unknown metrics {sorted(unknown)}" if unknown else "--repeat must be >= 1")

    missing = hbjupyter.kernelspec_missing_reason(spec)
    if missing:
        print(f"kernel_latency: {missing}\n{install_hint(spec)}", file=sys.stderr)
        return 2

    doc = {
        "kernel": args.kernel,
        "kernelspec": spec,
        "repeat": args.repeat,
        "started": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "host": {"platform": platform.platform(), "cpus": os.cpu_count(),
                 "python": platform.python_version()},
        "metrics": {},
    }
    try:
        if "start" in metrics:
            doc["metrics"]["start_to_first_result"] = bench_start(spec, args.repeat, args)
        if metrics & {"trivial", "dataframe"}:
            doc["metrics"].update(bench_warm(spec, args.repeat, args, metrics, evcxr))
    except (RuntimeError, TimeoutError) as exc:
        print(f"kernel_latency: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1

    text = json.dumps(doc, indent=2)
    print(markdown(doc))
    print()
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
