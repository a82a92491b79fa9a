#!/usr/bin/env python3
"""Check the views in executed notebooks' HTML exports, in headless Chromium.

For each notebook export given (default: build/notebooks/03-*.html and 06-views.html, written
by the notebook tests or scripts/run_notebooks.py):

* the whole export is loaded with the network off: every view's script must have run (each
  marks its root `data-hb-ready="1"`), the page title must still be the notebook's (the
  notebooks plant `<script>document.title='pwned'</script>` and an `<img onerror=...>` in the
  data), and no planted `<img>` or `<script>` may have become an element;
* each view output is cut out of the executed notebook (its `text/html` exactly as the export
  carries it), rendered on its own page and screenshotted; the screenshot must not be blank.
  With --screenshots DIR the pictures are kept (the README shows them).

Usage: check_notebook_views.py [--screenshots DIR] [EXPORT.html ...]
Skips (exit 0, saying why) when Chromium is not installed or no export exists.
"""

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_views import find_chromium, pixel_stats, run_chromium  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build" / "notebooks"
DEFAULT = ["03-process-trees-and-sessions", "06-views"]


def view_outputs(executed: Path):
    """(index, kind, html) for every view output of an executed notebook."""
    nb = json.loads(executed.read_text(encoding="utf-8"))
    index = 0
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = "".join(data.get("text/plain", ""))
            found = re.match(r"(\w+) view \d+×\d+", text)
            if found and "text/html" in data:
                index += 1
                yield index, found.group(1), "".join(data["text/html"])


def check_export(chromium, profile, export: Path, shots: Path | None, scratch: Path):
    problems = []
    executed = export.with_suffix(".ipynb")
    views = list(view_outputs(executed))
    if not views:
        return [f"{export.name}: no view outputs in {executed.name}"]

    dom = run_chromium(chromium, profile, ["--virtual-time-budget=4000", "--dump-dom",
                                           export.resolve().as_uri()], timeout=180).stdout
    ready = dom.count('data-hb-ready="1"')
    if ready < len(views):
        problems.append(f"{export.name}: {ready} of {len(views)} view scripts ran")
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    if not title or "pwned" in title.group(1):
        problems.append(f"{export.name}: the page title changed: a planted script ran")
    if re.search(r"<img\b[^>]*\bsrc=\"?x\b", dom):
        problems.append(f"{export.name}: a planted <img> became an element")
    if re.search(r"<script>\s*document\.title", dom):
        problems.append(f"{export.name}: a planted <script> became an element")

    for index, kind, html in views:
        page = scratch / f"{export.stem}-{index:02d}-{kind}.html"
        page.write_text("<!doctype html><html><head><meta charset=\"utf-8\"><title>view</title>"
                        f"</head><body style=\"margin:8px;background:#fff\">{html}</body></html>",
                        encoding="utf-8")
        png = (shots or scratch) / f"{export.stem}-{index:02d}-{kind}.png"
        run_chromium(chromium, profile, ["--window-size=1100,760", "--virtual-time-budget=2000",
                                         f"--screenshot={png}", page.resolve().as_uri()])
        if not png.exists():
            problems.append(f"{export.name} view {index} ({kind}): no screenshot")
            continue
        variance, colours = pixel_stats(png)
        blank = variance < 20 or colours < 4
        if blank:
            problems.append(f"{export.name} view {index} ({kind}): screenshot looks blank")
        print(f"{export.name} view {index} ({kind}): variance {variance:.0f}, {colours} colours, "
              f"{'FAILED' if blank else 'ok'}")
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("exports", nargs="*", type=Path)
    ap.add_argument("--screenshots", type=Path)
    args = ap.parse_args(argv)

    chromium = find_chromium()
    if not chromium:
        print("skipped: Chromium is not installed (apt-get install chromium)")
        return 0
    exports = args.exports or [BUILD / f"{name}.html" for name in DEFAULT]
    exports = [e for e in exports if e.exists() and e.with_suffix(".ipynb").exists()]
    if not exports:
        print(f"skipped: no executed notebook exports in {BUILD} (run the notebook tests first)")
        return 0
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)

    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        profile = scratch / "profile"
        for export in exports:
            problems += check_export(chromium, profile, export, args.screenshots, scratch)
    for problem in problems:
        print("FAILED:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
