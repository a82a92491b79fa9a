#!/usr/bin/env python3
"""Execute notebooks on the huntbook kernel and export them to HTML.

    .venv/bin/python scripts/run_notebooks.py [NOTEBOOK ...] [--out DIR] [--kernel NAME]

With no NOTEBOOK, runs every notebooks/*.ipynb. Writes DIR/NAME.ipynb (executed) and
DIR/NAME.html (default DIR: build/notebooks) and prints the path of each HTML file. Exits 1 if
any notebook had an error output (or timed out, or its kernel died), 2 if the kernelspec is
missing. Same code as tests/kernel/test_notebooks.py (scripts/hbjupyter.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hbjupyter  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    ap.add_argument("--out", type=Path, default=hbjupyter.BUILD_NOTEBOOK_DIR,
                    help="output folder (default: build/notebooks)")
    ap.add_argument("--kernel", default=hbjupyter.DEFAULT_KERNEL,
                    help="kernelspec name (default: %(default)s)")
    ap.add_argument("--timeout", type=int, default=hbjupyter.NOTEBOOK_CELL_TIMEOUT,
                    help="seconds per cell (default: %(default)s)")
    ap.add_argument("--allow-cdn", action="store_true",
                    help="keep nbconvert's require.js/MathJax <script> tags from cdnjs in the HTML")
    args = ap.parse_args(argv)

    missing = hbjupyter.kernelspec_missing_reason(args.kernel)
    if missing:
        print(f"run_notebooks: {missing}", file=sys.stderr)
        return 2

    paths = args.notebooks or hbjupyter.notebook_paths()
    if not paths:
        print(f"run_notebooks: no notebooks in {hbjupyter.NOTEBOOK_DIR}", file=sys.stderr)
        return 1

    failed = 0
    for path in paths:
        print(f"run_notebooks: executing {path} ...", file=sys.stderr, flush=True)
        run = hbjupyter.execute_notebook(
            path, args.out, kernel_name=args.kernel, timeout=args.timeout,
            offline_html=not args.allow_cdn, raise_on_error=False,
        )
        if run.error is not None:
            failed += 1
            print(f"run_notebooks: FAILED {path.name} after {run.seconds:.1f}s: "
                  f"{type(run.error).__name__}: {run.error}", file=sys.stderr)
        else:
            print(f"run_notebooks: ok {path.name} in {run.seconds:.1f}s", file=sys.stderr)
        print(run.html, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
