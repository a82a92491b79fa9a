#!/usr/bin/env python3
"""Render every huntbook-viz view in headless Chromium and check it.

For each view written by `cargo run -p huntbook-viz --example write_views -- <dir>`:

* takes a screenshot and checks it is not blank (pixel variance, decoded with zlib only);
* dumps the DOM after scripts ran and checks the view's elements are there, that the view
  script ran (it marks its root `data-hb-ready`), and that the `<script>` and
  `<img onerror=...>` planted in the data did not run: the page title is unchanged and the DOM
  holds no `<img>` element;
* loads the view again with a test harness that sends wheel, hover, drag and click events
  and checks the script zooms, shows tooltips (as text), moves the timeline's window and
  expands/collapses process-tree nodes.

Usage: check_views.py [--views-dir DIR] [--screenshots DIR]
Skips (exit 0, with the reason) when Chromium is not installed. Run it with the project venv:
/work/main/.venv/bin/python tests/browser/check_views.py --screenshots docs/images/views
"""

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
# Elements each view must have in the rendered DOM.
EXPECTED = {
    "timeline": ['class="hb-zoomx" transform=', 'class="hb-brush"', 'class="hb-xaxis"'],
    "timeline_values": ["<path", "<circle"],
    "timeline_duration": ['class="hb-zoomx" transform=', "<rect"],
    "process_tree": ['class="hb-node', 'class="hb-edge"'],
    "map": ["<path", "points near here"],
    "decomposition": ["<path", "anomaly"],
    "matrix": ["<circle"],
    "graph": ["<circle", "<line"],
    "sessions": ["rarest window"],
    "clusters": ["outlier"],
}


# Dispatches wheel, hover, drag and click events at the view and records what changed in
# the body's data-hb-test attribute, which --dump-dom then shows.
HARNESS = """
<script>
(function () {
  var out = [];
  function client(svg, x, y) {
    var r = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal;
    return { clientX: r.left + (x - vb.x) / vb.width * r.width,
             clientY: r.top + (y - vb.y) / vb.height * r.height, bubbles: true, cancelable: true };
  }
  try {
    var root = document.querySelector(".hb-view"), svg = root.querySelector("svg");
    var cfg = JSON.parse(root.querySelector("script.hb-config").textContent);
    var tipped = svg.querySelector("circle > title, rect > title, line > title, g.hb-node > title");
    if (tipped) {
      var target = tipped.parentNode, text = tipped.textContent;
      target.dispatchEvent(new MouseEvent("mousemove", { clientX: 20, clientY: 20, bubbles: true }));
      var tip = root.querySelector(".hb-tip");
      if (!tip.hidden && tip.textContent === text && !tip.querySelector("*")) { out.push("tip"); }
    }
    var vb0 = svg.getAttribute("viewBox");
    var zx = svg.querySelector("g.hb-zoomx"), t0 = zx && zx.getAttribute("transform");
    var mid = client(svg, svg.viewBox.baseVal.width / 2, svg.viewBox.baseVal.height / 3);
    mid.deltaY = -120;
    svg.dispatchEvent(new WheelEvent("wheel", mid));
    if (zx ? zx.getAttribute("transform") !== t0 : svg.getAttribute("viewBox") !== vb0) { out.push("zoom"); }
    svg.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
    if (cfg.overview) {
      var o = cfg.overview, brush = svg.querySelector("rect.hb-brush"), w0 = brush.getAttribute("width");
      svg.dispatchEvent(new MouseEvent("mousedown", client(svg, o[0] + o[2] * 0.2, o[1] + o[3] / 2)));
      window.dispatchEvent(new MouseEvent("mousemove", client(svg, o[0] + o[2] * 0.4, o[1] + o[3] / 2)));
      window.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
      var w1 = +brush.getAttribute("width");
      if (Math.abs(w1 - o[2] * 0.2) < 2 && String(w1) !== w0) { out.push("brush"); }
    }
    var collapsed = svg.querySelector("g.hb-node.hb-collapsed");
    if (collapsed) {
      var shown = function () {
        return Array.prototype.filter.call(svg.querySelectorAll("g.hb-node"),
          function (g) { return g.style.display !== "none"; }).length;
      };
      var before = shown();
      collapsed.querySelector("circle").dispatchEvent(new MouseEvent("click", { bubbles: true }));
      var opened = shown();
      collapsed.querySelector("circle").dispatchEvent(new MouseEvent("click", { bubbles: true }));
      if (opened > before && shown() === before) { out.push("expand"); }
    }
  } catch (e) {
    out.push("error:" + e);
  }
  document.body.setAttribute("data-hb-test", out.join(" "));
})();
</script>
"""
# What the harness must report per view (every view zooms and has tooltips).
INTERACTIONS = {"timeline": ["brush"], "process_tree": ["expand"]}


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


def run_chromium(chromium, profile, args, timeout=90):
    command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def png_pixels(data):
    """Width, height and rows of RGB(A) bytes of an 8-bit PNG (colour types 2 and 6)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour})")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous, at = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def pixel_stats(path):
    """Variance of the grey level and the number of distinct colours (sampled)."""
    width, height, channels, rows = png_pixels(path.read_bytes())
    greys, colours = [], set()
    for y in range(0, height, 3):
        row = rows[y]
        for x in range(0, width, 3):
            r, g, b = row[x * channels:x * channels + 3]
            greys.append((r * 299 + g * 587 + b * 114) / 1000)
            colours.add((r, g, b))
    mean = sum(greys) / len(greys)
    variance = sum((v - mean) ** 2 for v in greys) / len(greys)
    return variance, len(colours)


def svg_size(svg_path):
    head = svg_path.read_text(encoding="utf-8")[:400]
    w = re.search(r'width="(\d+)"', head)
    h = re.search(r'height="(\d+)"', head)
    return (int(w.group(1)) if w else 900), (int(h.group(1)) if h else 600)


def write_views(out_dir):
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", str(Path.home() / ".cache/huntbook/target"))
    command = ["cargo", "run", "-q", "-p", "huntbook-viz", "--example", "write_views", "--", str(out_dir)]
    subprocess.run(command, cwd=REPO, env=env, check=True, timeout=3600)


def check_view(chromium, profile, views, name, shots, scratch):
    html = views / f"{name}.html"
    url = html.resolve().as_uri()
    width, height = svg_size(views / f"{name}.svg")
    size = f"--window-size={min(width, 1600) + 24},{min(height, 1400) + 60}"
    problems = []

    png = shots / f"{name}.png"
    run_chromium(chromium, profile, [size, f"--screenshot={png}", url])
    if not png.exists():
        return [f"{name}: no screenshot was written"]
    variance, colours = pixel_stats(png)
    if variance < 20 or colours < 4:
        problems.append(f"{name}: screenshot looks blank (variance {variance:.1f}, {colours} colours)")

    dom = run_chromium(chromium, profile, ["--virtual-time-budget=2000", "--dump-dom", url]).stdout
    if 'data-hb-ready="1"' not in dom:
        problems.append(f"{name}: the view script did not run")
    if f"<title>huntbook {name}</title>" not in dom:
        problems.append(f"{name}: the page title changed: a planted script ran")
    if re.search(r"<img\b", dom):
        problems.append(f"{name}: a planted <img> became an element")
    if re.search(r"<script>\s*(document|alert)", dom):
        problems.append(f"{name}: a planted <script> became an element")
    for needle in EXPECTED.get(name, []):
        if needle not in dom:
            problems.append(f"{name}: {needle!r} missing from the rendered page")

    harness = scratch / f"harness-{name}.html"
    harness.write_text(html.read_text(encoding="utf-8").replace("</body>", HARNESS + "</body>"),
                       encoding="utf-8")
    dom = run_chromium(chromium, profile, [size, "--virtual-time-budget=2000", "--dump-dom",
                                           harness.resolve().as_uri()]).stdout
    found = re.search(r'data-hb-test="([^"]*)"', dom)
    results = found.group(1).split() if found else []
    for wanted in ["tip", "zoom", *INTERACTIONS.get(name, [])]:
        if wanted not in results:
            problems.append(f"{name}: interaction {wanted!r} failed (harness said {results})")
    print(f"{name}: {width}x{height}, variance {variance:.0f}, {colours} colours, "
          f"{len(html.read_bytes())} bytes, interactions {' '.join(results) or '-'}, "
          f"{'ok' if not problems else 'FAILED'}")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views-dir", type=Path, help="use views already written here")
    parser.add_argument("--screenshots", type=Path, help="keep the screenshots here")
    args = parser.parse_args(argv)

    chromium = find_chromium()
    if not chromium:
        print("SKIP: Chromium is not installed (apt-get install -y chromium); views not rendered")
        return 0
    with tempfile.TemporaryDirectory(prefix="hb-views-") as tmp:
        tmp = Path(tmp)
        views = args.views_dir or tmp / "views"
        if not args.views_dir:
            try:
                write_views(views)
            except subprocess.CalledProcessError as error:
                print(f"FAIL: could not write the views ({' '.join(error.cmd)} exited "
                      f"with {error.returncode}); see cargo's messages above")
                return 1
        shots = args.screenshots or tmp / "shots"
        shots.mkdir(parents=True, exist_ok=True)
        names = sorted(p.stem for p in views.glob("*.html"))
        if not names:
            print(f"no views found in {views}")
            return 1
        problems = []
        for name in names:
            problems += check_view(chromium, tmp / "profile", views, name, shots, tmp)
    for problem in problems:
        print("FAIL:", problem)
    return 1 if problems else 0


def test_views():
    """pytest entry point."""
    if not find_chromium():
        import pytest
        pytest.skip("Chromium is not installed")
    assert main([]) == 0


if __name__ == "__main__":
    sys.exit(main())
