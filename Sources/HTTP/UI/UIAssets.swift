/// The pages' stylesheet and script, served under `/ui/static/` (no CDN: the pages work offline).
enum UIAssets {
    static let files: [String: (contentType: String, body: String)] = [
        "ui.css": ("text/css; charset=utf-8", css),
        "ui.js": ("text/javascript; charset=utf-8", javascript),
    ]

    static let css = """
    :root { --fg: #1d1d1f; --muted: #6b6b70; --line: #e2e2e6; --accent: #0b63c5; --bad: #c0262d; --good: #1d7a35; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fafafa; }
    header { display: flex; gap: 1.5rem; align-items: center; padding: .5rem 1rem; background: #20232a; color: #fff; flex-wrap: wrap; }
    header a { color: #fff; text-decoration: none; }
    header nav a { margin-right: 1rem; opacity: .85; }
    header nav a:hover { opacity: 1; text-decoration: underline; }
    .brand { font-weight: 700; font-size: 1.1rem; }
    .search { margin-left: auto; display: flex; gap: .3rem; }
    .search.big { margin: 1rem 0; }
    .search.big input { font-size: 1rem; }
    input, select, button { font: inherit; padding: .2rem .4rem; }
    main { padding: 1rem 1.5rem 3rem; }
    h1 { font-size: 1.4rem; margin: .2rem 0 .5rem; }
    h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
    code { font: 12px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
    a { color: var(--accent); }
    .muted { color: var(--muted); }
    .empty { color: var(--muted); font-style: italic; }
    .note { background: #fff7d6; border: 1px solid #f0dc8a; padding: .5rem .75rem; border-radius: 4px; }
    .note.error, .error { color: var(--bad); }
    table { border-collapse: collapse; background: #fff; min-width: 40%; }
    th, td { border-bottom: 1px solid var(--line); padding: .25rem .6rem; text-align: left; vertical-align: top; }
    th { font-weight: 600; background: #f1f1f4; }
    .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    .time { white-space: nowrap; font-variant-numeric: tabular-nums; }
    .chip { display: inline-block; background: #eef3fb; border: 1px solid #cfdcf0; border-radius: 12px; padding: 0 .6rem; margin: 0 .2rem .3rem 0; }
    .kind { font-size: 12px; border-radius: 3px; padding: 0 .3rem; background: #e8e8ee; }
    .kind-span_samples { background: #d7f0dc; }
    .kind-span_attribute { background: #dbe8fb; }
    .kind-exemplar { background: #f3e4fb; }
    .kind-time_window { background: #f4eedb; }
    .state { text-transform: uppercase; font-size: 12px; font-weight: 700; }
    .state-firing .state { color: var(--bad); }
    .state-pending .state { color: #b26b00; }
    .health-err { color: var(--bad); }
    article.alert { background: #fff; border: 1px solid var(--line); border-left: 4px solid #b26b00; padding: .5rem 1rem; margin-bottom: 1rem; }
    article.alert.state-firing { border-left-color: var(--bad); }
    .controls { display: flex; gap: 1rem; align-items: end; flex-wrap: wrap; background: #fff; border: 1px solid var(--line); padding: .5rem .75rem; }
    .controls label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
    tr.grew td { background: #fdecec; }
    tr.shrank td { background: #eaf7ec; }

    /* Waterfall */
    .waterfall { background: #fff; border: 1px solid var(--line); }
    .wf-head, .wf-row { display: grid; grid-template-columns: minmax(14rem, 26%) 1fr minmax(16rem, 30%); gap: .5rem; padding: .15rem .5rem; border-bottom: 1px solid var(--line); align-items: center; }
    .wf-head { font-weight: 600; background: #f1f1f4; }
    .wf-row:hover { background: #f6f8fc; }
    .wf-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .wf-bar { position: relative; display: flex; align-items: center; gap: .4rem; }
    .wf-bar .bar { display: inline-block; height: 12px; min-width: 2px; background: #5b8dd6; border-radius: 2px; }
    .wf-row.error .bar { background: var(--bad); }
    .wf-bar small { color: var(--muted); white-space: nowrap; }
    .wf-links a { display: inline-block; font-size: 12px; margin-right: .4rem; }

    /* Flame graph: nested frames, widths in percent of the parent. */
    .fg { background: #fff; border: 1px solid var(--line); padding: 2px; overflow: hidden; font: 11px/16px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
    .fg .n { display: block; flex: none; min-width: 0; overflow: hidden; }
    .fg .n > span { display: block; height: 16px; padding: 0 2px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; border-right: 1px solid #fff; border-bottom: 1px solid #fff; cursor: pointer; color: #111; }
    .fg .n > span:hover { filter: brightness(.88); }
    .fg .c { display: flex; }
    .fg .h { display: none; }
    .fg .z > span { font-weight: 700; }
    /* Explanations */
    #explanation { background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--accent); padding: .25rem 1rem .5rem; margin-bottom: 1rem; }
    #causes li { margin: .3rem 0; }
    .confidence-high .kind, span.confidence-high { font-weight: 700; }
    .confidence-low { opacity: .75; }
    .stack { font: 11px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }

    /* Charts (SVG drawn by the server). */
    svg.chart { display: block; background: #fff; border: 1px solid var(--line); max-height: 220px; user-select: none; }
    svg.chart .plot { fill: #fcfcfd; stroke: var(--line); }
    svg.chart .axis { font: 11px system-ui, sans-serif; fill: var(--muted); }
    svg.chart .series { fill: none; stroke: var(--accent); stroke-width: 1.5; vector-effect: non-scaling-stroke; }
    svg.chart .point { fill: var(--accent); }
    svg.chart .dot { fill: var(--bad); fill-opacity: .7; cursor: pointer; }
    svg.chart .dot:hover { fill-opacity: 1; }
    svg.chart .selection { fill: var(--accent); fill-opacity: .15; }
    .status { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; min-height: 1.3em; white-space: pre-wrap; }
    """

    static let javascript = """
    // Correlator pages: flame graph zoom and hover values, auto-submitting selects. Everything
    // else is plain HTML rendered by the server.
    (function () {
      "use strict";
      function reset(graph) {
        graph.querySelectorAll(".n.h").forEach(function (n) { n.classList.remove("h"); });
        graph.querySelectorAll(".n.z").forEach(function (n) {
          n.classList.remove("z");
          n.style.width = n.getAttribute("data-w");
          n.removeAttribute("data-w");
        });
      }
      // Zoom: the frame and its callers take the full width, their siblings are hidden; the
      // frame's callees keep their percentages of it, so they widen with it.
      function zoom(node) {
        var graph = node.closest(".fg");
        reset(graph);
        var current = node;
        while (current && !current.classList.contains("root")) {
          var row = current.parentElement;
          Array.prototype.forEach.call(row.children, function (sibling) {
            if (sibling !== current) sibling.classList.add("h");
          });
          current.setAttribute("data-w", current.style.width);
          current.style.width = "100%";
          current.classList.add("z");
          current = row.parentElement;
        }
      }
      document.addEventListener("click", function (event) {
        var label = event.target.closest(".fg .n > span");
        if (!label) return;
        zoom(label.parentElement);
      });
      document.addEventListener("mouseover", function (event) {
        var label = event.target.closest(".fg .n > span");
        var status = document.getElementById("fg-status");
        if (!label || !status) return;
        status.textContent = label.parentElement.getAttribute("title");
      });
      // Drag across a chart with data-select="range": the page again for the range dragged over.
      document.querySelectorAll('svg.chart[data-select="range"]').forEach(function (svg) {
        var from = Number(svg.getAttribute("data-from")), to = Number(svg.getAttribute("data-to"));
        var left = Number(svg.getAttribute("data-left")), right = Number(svg.getAttribute("data-right"));
        var width = Number(svg.getAttribute("data-width"));
        var start = null, box = null;
        function viewX(event) {
          var rect = svg.getBoundingClientRect();
          return (event.clientX - rect.left) / rect.width * width;
        }
        function time(x) {
          var fraction = Math.min(Math.max((x - left) / (width - left - right), 0), 1);
          return from + fraction * (to - from);
        }
        svg.addEventListener("mousedown", function (event) {
          start = viewX(event);
          box = document.createElementNS("http://www.w3.org/2000/svg", "rect");
          box.setAttribute("class", "selection");
          box.setAttribute("y", "0");
          box.setAttribute("height", svg.viewBox.baseVal.height);
          box.setAttribute("x", start);
          box.setAttribute("width", "0");
          svg.appendChild(box);
          event.preventDefault();
        });
        svg.addEventListener("mousemove", function (event) {
          if (start === null) return;
          var x = viewX(event);
          box.setAttribute("x", Math.min(start, x));
          box.setAttribute("width", Math.abs(x - start));
        });
        window.addEventListener("mouseup", function (event) {
          if (start === null) return;
          var end = viewX(event), a = time(Math.min(start, end)), b = time(Math.max(start, end));
          start = null;
          if (b - a < 1e9) { box.remove(); return; }
          var url = new URL(window.location.href);
          url.searchParams.set("from", (Math.floor(a / 1e6) / 1e3).toFixed(3));
          url.searchParams.set("to", (Math.ceil(b / 1e6) / 1e3).toFixed(3));
          url.searchParams.delete("window");
          window.location.href = url.toString();
        });
      });
      document.querySelectorAll("select.autosubmit").forEach(function (select) {
        select.addEventListener("change", function () { select.form.submit(); });
      });
    })();
    """
}
