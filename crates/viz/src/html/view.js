// huntbook view script: zoom, pan, tooltips, time-window selection and tree collapsing for one
// view. It reads its settings from the JSON block beside it and only ever writes text through
// textContent, so nothing from the data can become markup.
(function () {
  "use strict";
  // The script's own parent is the view; the id is the fallback where scripts are re-created
  // elsewhere. Two identical views on one page share an id, so the parent comes first.
  var own = document.currentScript && document.currentScript.parentNode;
  var root = own && own.classList && own.classList.contains("hb-view") ? own
    : document.getElementById("__HB_ROOT_ID__");
  if (!root || root.getAttribute("data-hb-ready")) { return; }
  root.setAttribute("data-hb-ready", "1");
  var svg = root.querySelector("svg");
  var tip = root.querySelector(".hb-tip");
  var cfg = {};
  try { cfg = JSON.parse(root.querySelector("script.hb-config").textContent); } catch (e) { cfg = {}; }
  var NS = "http://www.w3.org/2000/svg";
  var box = svg.viewBox.baseVal;
  var base = [box.x, box.y, box.width, box.height];

  function svgPoint(ev, vb) {
    var r = svg.getBoundingClientRect();
    return [vb[0] + (ev.clientX - r.left) / r.width * vb[2],
            vb[1] + (ev.clientY - r.top) / r.height * vb[3]];
  }

  // Tooltips: the native <title> is moved into a property on first hover and shown in a box
  // that can hold several lines; without the script the native tooltip still works.
  function tipText(el) {
    for (var n = el; n && n !== svg && n.nodeType === 1; n = n.parentNode) {
      if (n.hbTip !== undefined) { return n.hbTip; }
      var t = null;
      for (var c = n.firstChild; c; c = c.nextSibling) {
        if (c.nodeName === "title") { t = c; break; }
      }
      if (t) { n.hbTip = t.textContent; n.removeChild(t); return n.hbTip; }
    }
    return null;
  }
  svg.addEventListener("mousemove", function (ev) {
    var text = dragging ? null : tipText(ev.target);
    if (!text) { tip.hidden = true; return; }
    tip.textContent = text;
    tip.hidden = false;
    var x = ev.clientX + 14, y = ev.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth) { x = Math.max(0, ev.clientX - tip.offsetWidth - 8); }
    if (y + tip.offsetHeight > window.innerHeight) { y = Math.max(0, ev.clientY - tip.offsetHeight - 8); }
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  });
  svg.addEventListener("mouseleave", function () { tip.hidden = true; });

  var dragging = false;

  // Whole-picture zoom and pan on the viewBox.
  function setupViewBoxZoom() {
    var vb = base.slice();
    function apply() { svg.setAttribute("viewBox", vb.join(" ")); }
    svg.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var p = svgPoint(ev, vb);
      var k = ev.deltaY < 0 ? 0.8 : 1.25;
      var w = Math.min(base[2] * 1.5, Math.max(base[2] / 80, vb[2] * k));
      k = w / vb[2];
      vb = [p[0] - (p[0] - vb[0]) * k, p[1] - (p[1] - vb[1]) * k, vb[2] * k, vb[3] * k];
      apply();
    }, { passive: false });
    var start = null;
    svg.addEventListener("mousedown", function (ev) {
      if (ev.button !== 0) { return; }
      start = { x: ev.clientX, y: ev.clientY, vb: vb.slice(), moved: false };
    });
    window.addEventListener("mousemove", function (ev) {
      if (!start) { return; }
      var r = svg.getBoundingClientRect();
      var dx = (ev.clientX - start.x) / r.width * vb[2];
      var dy = (ev.clientY - start.y) / r.height * vb[3];
      if (Math.abs(ev.clientX - start.x) + Math.abs(ev.clientY - start.y) > 3) { start.moved = true; dragging = true; }
      vb = [start.vb[0] - dx, start.vb[1] - dy, vb[2], vb[3]];
      apply();
    });
    window.addEventListener("mouseup", function () {
      if (start && start.moved) { svg.hbDragged = true; setTimeout(function () { svg.hbDragged = false; }, 0); }
      start = null; dragging = false;
    });
    svg.addEventListener("dblclick", function () { vb = base.slice(); apply(); });
    return {
      resize: function (w, h) {
        base[2] = w; base[3] = h; vb = base.slice();
        svg.setAttribute("width", w); svg.setAttribute("height", h); apply();
      }
    };
  }

  // Time axis ticks, the same steps and labels the Rust side draws.
  var SEC = 1000, MIN = 60 * SEC, HOUR = 60 * MIN, DAY = 24 * HOUR;
  var STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, SEC, 2 * SEC, 5 * SEC, 10 * SEC, 15 * SEC,
    30 * SEC, MIN, 2 * MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 3 * HOUR,
    6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 182 * DAY, 365 * DAY];
  function pad(n, w) { var s = String(n); while (s.length < w) { s = "0" + s; } return s; }
  function dateLabel(d) { return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1, 2) + "-" + pad(d.getUTCDate(), 2); }
  function timeLabel(d, step) {
    var s = pad(d.getUTCHours(), 2) + ":" + pad(d.getUTCMinutes(), 2);
    if (step < MIN) { s += ":" + pad(d.getUTCSeconds(), 2); }
    if (step < SEC) { s += "." + pad(d.getUTCMilliseconds(), 3); }
    return s;
  }
  function drawTimeAxis(a, b) {
    var axis = svg.querySelector("g.hb-xaxis");
    if (!axis) { return; }
    var plot = cfg.plot, ay = cfg.axis_y;
    var target = Math.max(2, plot[2] / 110), span = Math.max(1, b - a), step = STEPS[STEPS.length - 1];
    for (var i = 0; i < STEPS.length; i++) { if (span / STEPS[i] <= target) { step = STEPS[i]; break; } }
    while (axis.firstChild) { axis.removeChild(axis.firstChild); }
    var lastDay = null;
    for (var t = Math.ceil(a / step) * step; t <= b; t += step) {
      var x = plot[0] + (t - a) / span * plot[2];
      var grid = document.createElementNS(NS, "line");
      grid.setAttribute("x1", x); grid.setAttribute("x2", x);
      grid.setAttribute("y1", plot[1]); grid.setAttribute("y2", ay + 4);
      grid.setAttribute("stroke", "#dddddd"); grid.setAttribute("stroke-width", "1");
      axis.appendChild(grid);
      var d = new Date(t);
      var label = document.createElementNS(NS, "text");
      label.setAttribute("x", x); label.setAttribute("y", ay + 16);
      label.setAttribute("font-size", "10"); label.setAttribute("text-anchor", "middle");
      label.setAttribute("fill", "#222222");
      label.textContent = step >= DAY ? dateLabel(d) : timeLabel(d, step);
      axis.appendChild(label);
      var day = dateLabel(d);
      if (step < DAY && day !== lastDay) {
        var sub = label.cloneNode(false);
        sub.setAttribute("y", ay + 28);
        sub.textContent = day;
        axis.appendChild(sub);
      }
      lastDay = day;
    }
  }

  // Time-only zoom: groups of class hb-zoomx are stretched along x; markers keep their width
  // because they are drawn with non-scaling strokes.
  function setupTimeZoom() {
    var plot = cfg.plot, t0 = cfg.t0, t1 = cfg.t1, full = Math.max(1, t1 - t0);
    var win = [t0, t1];
    var brush = svg.querySelector("rect.hb-brush");
    function apply() {
      var k = full / Math.max(1, win[1] - win[0]);
      var shift = (win[0] - t0) / full * plot[2];
      var tx = plot[0] - k * (plot[0] + shift);
      var groups = svg.querySelectorAll("g.hb-zoomx");
      for (var i = 0; i < groups.length; i++) {
        groups[i].setAttribute("transform", "translate(" + tx + " 0) scale(" + k + " 1)");
      }
      drawTimeAxis(win[0], win[1]);
      if (brush && cfg.overview) {
        var o = cfg.overview;
        brush.setAttribute("x", o[0] + (win[0] - t0) / full * o[2]);
        brush.setAttribute("width", Math.max(2, (win[1] - win[0]) / full * o[2]));
      }
    }
    function clamp(a, b) {
      var w = Math.max(Math.min(b - a, full), Math.min(full, 10));
      if (a < t0) { a = t0; } if (a + w > t1) { a = t1 - w; }
      win = [a, a + w];
    }
    function timeAt(px) { return win[0] + (px - plot[0]) / plot[2] * (win[1] - win[0]); }
    function inOverview(p) {
      var o = cfg.overview;
      return o && p[0] >= o[0] && p[0] <= o[0] + o[2] && p[1] >= o[1] && p[1] <= o[1] + o[3];
    }
    function overviewTime(p) { var o = cfg.overview; return t0 + (p[0] - o[0]) / o[2] * full; }
    svg.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var p = svgPoint(ev, base), at = timeAt(Math.min(plot[0] + plot[2], Math.max(plot[0], p[0])));
      var k = ev.deltaY < 0 ? 0.8 : 1.25;
      clamp(at - (at - win[0]) * k, at + (win[1] - at) * k);
      apply();
    }, { passive: false });
    var start = null;
    svg.addEventListener("mousedown", function (ev) {
      if (ev.button !== 0) { return; }
      var p = svgPoint(ev, base);
      start = { p: p, win: win.slice(), select: inOverview(p) };
      ev.preventDefault();
    });
    window.addEventListener("mousemove", function (ev) {
      if (!start) { return; }
      dragging = true;
      var p = svgPoint(ev, base);
      if (start.select) {
        var a = overviewTime(start.p), b = overviewTime(p);
        clamp(Math.min(a, b), Math.max(a, b));
      } else {
        var dt = (p[0] - start.p[0]) / plot[2] * (start.win[1] - start.win[0]);
        clamp(start.win[0] - dt, start.win[1] - dt);
      }
      apply();
    });
    window.addEventListener("mouseup", function () { start = null; dragging = false; });
    svg.addEventListener("dblclick", function () { win = [t0, t1]; apply(); });
    apply();
  }

  // Process tree: click a node to collapse or expand it; the layout is redone the same way
  // the Rust side does it (leaves on consecutive rows, parents centred on their children).
  function setupTree(zoom) {
    var t = cfg.tree, nodes = {}, roots = [], all = svg.querySelectorAll("g.hb-node");
    for (var i = 0; i < all.length; i++) {
      var g = all[i];
      nodes[g.getAttribute("data-id")] = { g: g, kids: [], depth: +g.getAttribute("data-depth"),
        parent: g.getAttribute("data-parent"), collapsed: g.classList.contains("hb-collapsed") };
    }
    var edges = svg.querySelectorAll("path.hb-edge");
    for (i = 0; i < edges.length; i++) {
      var child = nodes[edges[i].getAttribute("data-child")];
      if (child) { child.edge = edges[i]; }
    }
    for (i = 0; i < all.length; i++) {
      var n = nodes[all[i].getAttribute("data-id")], p = nodes[n.parent];
      if (p) { p.kids.push(n); } else { roots.push(n); }
    }
    function show(n, on) {
      n.g.style.display = on ? "" : "none";
      if (n.edge) { n.edge.style.display = on ? "" : "none"; }
    }
    function layout() {
      var row = 0;
      function place(n) {
        show(n, true);
        n.x = t.x0 + n.depth * t.col;
        if (!n.collapsed && n.kids.length) {
          var first = null, last = null;
          for (var k = 0; k < n.kids.length; k++) {
            place(n.kids[k]);
            if (first === null) { first = n.kids[k].y; }
            last = n.kids[k].y;
          }
          n.y = (first + last) / 2;
        } else {
          hide(n);
          n.y = t.y0 + row * t.row;
          row += 1;
        }
        n.g.setAttribute("transform", "translate(" + n.x + " " + n.y + ")");
      }
      function hide(n) { for (var k = 0; k < n.kids.length; k++) { show(n.kids[k], false); hide(n.kids[k]); } }
      for (var r = 0; r < roots.length; r++) { place(roots[r]); row += t.gap; }
      var deepest = 0;
      for (var key in nodes) {
        if (nodes[key].g.style.display !== "none") { deepest = Math.max(deepest, nodes[key].depth); }
      }
      var width = Math.max(t.min_width, t.x0 + deepest * t.col + t.right);
      var legend = svg.querySelector("g.hb-legend");
      if (legend) { legend.setAttribute("transform", "translate(" + (width - t.right + 260) + " 0)"); }
      for (var id in nodes) {
        var c = nodes[id], p = nodes[c.parent];
        if (c.edge && p && c.g.style.display !== "none") {
          var mid = (p.x + c.x) / 2;
          c.edge.setAttribute("d", "M" + p.x + " " + p.y + "C" + mid + " " + p.y + " " + mid + " " + c.y + " " + c.x + " " + c.y);
        }
      }
      zoom.resize(width, Math.max(t.min_height, t.y0 + row * t.row + t.bottom));
    }
    svg.addEventListener("click", function (ev) {
      if (svg.hbDragged) { return; }
      for (var el = ev.target; el && el !== svg; el = el.parentNode) {
        if (el.classList && el.classList.contains("hb-node")) {
          var n = nodes[el.getAttribute("data-id")];
          if (n && n.kids.length) {
            n.collapsed = !n.collapsed;
            el.classList.toggle("hb-collapsed", n.collapsed);
            layout();
          }
          return;
        }
      }
    });
  }

  if (cfg.zoom === "x") {
    setupTimeZoom();
  } else {
    var zoom = setupViewBoxZoom();
    if (cfg.kind === "process_tree" && cfg.tree) { setupTree(zoom); }
  }
})();
