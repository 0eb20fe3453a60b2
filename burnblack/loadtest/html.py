"""report.html: one self-contained page (inline CSS and SVG, no scripts, nothing fetched)."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from typing import Any

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
Line = tuple[str, str, Sequence[float | None]]  # label, colour, values
# Styles inline, so that each chart also stands alone as an .svg file.
TITLE = 'font-family="sans-serif" font-size="12" font-weight="600"'
FONT = 'font-family="sans-serif" font-size="10"'
AXIS = FONT + ' fill="#555"'
THRESHOLD = 'stroke="#d62728" stroke-dasharray="4 3"'


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10.0 ** math.floor(math.log10(value))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= m * step:
            return m * step
    return float(value)


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if v >= 10 else f"{v:.2g}"


def svg_chart(
    title: str,
    xs: Sequence[float],
    lines: Sequence[Line],
    unit: str = "",
    width: int = 560,
    height: int = 220,
    threshold: float | None = None,
    right_line: Line | None = None,
    right_unit: str = "",
) -> str:
    """A line chart: x is seconds into the phase, one polyline per series (gaps for None);
    `right_line` is drawn dashed against its own scale on the right (e.g. failures/s)."""
    left, right, top, bottom = 56, 48 if right_line else 12, 26, 34
    w, h = width - left - right, height - top - bottom
    values: list[float] = [float(v) for _, _, ys in lines for v in ys if v is not None]
    if threshold is not None:
        values.append(threshold)
    y_max = _nice_max(max(values, default=0.0))
    x_min = min(xs, default=0.0)
    x_span = max(1e-9, max(xs, default=1.0) - x_min)

    def px(x: float) -> float:
        return left + (x - x_min) / x_span * w

    def py(y: float) -> float:
        return top + h - min(y, y_max) / y_max * h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}">',
        f'<text x="{left}" y="16" {TITLE}>{html.escape(title)}</text>',
    ]
    for i in range(5):
        y = y_max * i / 4
        out.append(
            f'<line x1="{left}" x2="{left + w}" y1="{py(y):.1f}" y2="{py(y):.1f}" stroke="#eee"/>'
            f'<text x="{left - 4}" y="{py(y) + 4:.1f}" {AXIS} text-anchor="end">'
            f"{_fmt(y)}{html.escape(unit)}</text>"
        )
    for i in range(5):
        x = x_min + x_span * i / 4
        out.append(
            f'<text x="{px(x):.1f}" y="{top + h + 16}" {AXIS} text-anchor="middle">'
            f"{x - x_min:.0f}s</text>"
        )
    if threshold is not None:
        out.append(
            f'<line x1="{left}" x2="{left + w}" y1="{py(threshold):.1f}" '
            f'y2="{py(threshold):.1f}" {THRESHOLD}/>'
        )

    def draw(ys: Sequence[float | None], colour: str, scale: Any, dash: str = "") -> None:
        segment: list[str] = []
        segments: list[list[str]] = []
        for xv, yv in zip(xs, ys, strict=False):
            if yv is None:
                if segment:
                    segments.append(segment)
                segment = []
            else:
                segment.append(f"{px(xv):.1f},{scale(yv):.1f}")
        if segment:
            segments.append(segment)
        for seg in segments:
            if len(seg) == 1:
                cx, cy = seg[0].split(",")
                out.append(f'<circle cx="{cx}" cy="{cy}" r="1.8" fill="{colour}"/>')
            else:
                out.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="1.5"{dash} '
                    f'points="{" ".join(seg)}"/>'
                )

    for _label, colour, ys in lines:
        draw(ys, colour, py)
    legend = list(lines)
    if right_line is not None:
        label, colour, ys = right_line
        r_max = _nice_max(max((float(v) for v in ys if v is not None), default=0.0))

        def pr(y: float) -> float:
            return top + h - min(y, r_max) / r_max * h

        for i in range(5):
            y = r_max * i / 4
            out.append(
                f'<text x="{left + w + 4}" y="{pr(y) + 4:.1f}" {FONT} fill="{colour}">'
                f"{_fmt(y)}{html.escape(right_unit)}</text>"
            )
        draw(ys, colour, pr, ' stroke-dasharray="3 2"')
        legend.append((f"{label} (right)", colour, ys))
    lx = float(left)
    for label, colour, _ in legend:
        out.append(
            f'<rect x="{lx}" y="{height - 12}" width="10" height="3" fill="{colour}"/>'
            f'<text x="{lx + 13}" y="{height - 8}" {AXIS}>{html.escape(label)}</text>'
        )
        lx += 18 + 6.2 * len(label)
    out.append("</svg>")
    return "".join(out)


CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;
text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.pass{background:#dff5df}.fail{background:#fbdcdc}.na{background:#eee}
.charts{display:flex;flex-wrap:wrap;gap:8px}svg{border:1px solid #eee;background:#fff}
.note{color:#555}
"""


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], classes: Sequence[str] = ()
) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if i < len(classes) and classes[i] else ""
        body.append(
            f"<tr{cls}>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
        )
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _ms(v: float | None) -> str:
    return "" if v is None else f"{v:,.0f}"


def render_html(report: dict[str, Any]) -> str:
    meta, s = report["meta"], report["summary"]
    ts, plat, cpu = report["timeseries"], report["platform"], report["cpu"]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Burnblack load test: {html.escape(str(meta.get('scenario')))}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Load test: {html.escape(str(meta.get('scenario')))}, {meta.get('users'):,} users, "
        f"{s['seconds']:.0f} s measured</h1>",
        f"<p class='note'>{html.escape(str(meta.get('started_at', '')))} · target "
        f"{html.escape(str(meta.get('host')))} · {meta.get('api_instances') or '?'} API "
        f"instance(s) · spawn rate {meta.get('spawn_rate')}/s · "
        f"{meta.get('cpu_count')} CPU cores, load generator on the same machine. "
        f"Stats were reset when the ramp ended.</p>",
        "<h2>Success metrics</h2>",
    ]
    verdict = {True: "PASS", False: "FAIL", None: "n/a"}
    parts.append(
        _table(
            ["metric", "target", "measured", "result"],
            [(t["metric"], t["target"], t["shown"], verdict[t["pass"]]) for t in report["targets"]],
            [{True: "pass", False: "fail", None: "na"}[t["pass"]] for t in report["targets"]],
        )
    )
    parts.append(
        f"<p><b>{s['requests']:,}</b> requests, <b>{s['rps']:,.1f}</b> requests/s, "
        f"p50 {s['p50_ms']:,.0f} ms, p95 {s['p95_ms']:,.0f} ms, p99 {s['p99_ms']:,.0f} ms, "
        f"errors {s['error_rate']:.3%} ({s['failures']:,}).</p>"
    )
    parts.append("<h2>Endpoints</h2>")
    parts.append(
        _table(
            [
                "endpoint",
                "requests",
                "req/s",
                "failures",
                "error %",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
            ],
            [
                (
                    r["endpoint"],
                    f"{r['requests']:,}",
                    f"{r['rps']:.1f}",
                    r["failures"],
                    f"{r['error_rate']:.2%}",
                    _ms(r["p50_ms"]),
                    _ms(r["p95_ms"]),
                    _ms(r["p99_ms"]),
                    _ms(r["max_ms"]),
                )
                for r in report["endpoints"]
            ],
        )
    )
    if report["errors"]:
        parts.append("<h2>Errors</h2>")
        parts.append(
            _table(
                ["endpoint", "error", "count"],
                [
                    (f"{e['method']} {e['name']}", e["error"], e["occurrences"])
                    for e in report["errors"][:40]
                ],
            )
        )
    xs = ts["t"]
    parts.append("<h2>Over time (measured phase)</h2><div class='charts'>")
    parts.append(
        svg_chart(
            "requests/s and failures/s",
            xs,
            [("requests/s", PALETTE[0], ts["rps"]), ("failures/s", PALETTE[3], ts["fail_per_s"])],
            right_line=("users", PALETTE[7], ts["users"]),
        )
    )
    parts.append(
        svg_chart(
            "latency, all requests",
            xs,
            [
                ("p50", PALETTE[2], ts["p50_ms"]),
                ("p95", PALETTE[1], ts["p95_ms"]),
                ("p99", PALETTE[3], ts["p99_ms"]),
            ],
            " ms",
            threshold=200,
        )
    )
    parts.append("</div><h2>Per endpoint: latency percentiles and errors</h2><div class='charts'>")
    for name, series in ts["endpoints"].items():
        parts.append(
            svg_chart(
                name,
                xs,
                [
                    ("p50", PALETTE[2], series["p50_ms"]),
                    ("p95", PALETTE[1], series["p95_ms"]),
                    ("p99", PALETTE[4], series["p99_ms"]),
                ],
                " ms",
                width=390,
                height=190,
                threshold=200,
                right_line=("failures/s", PALETTE[3], series["fail_per_s"]),
            )
        )
    parts.append("</div>")
    parts.append("<h2>Platform (from its own /metrics)</h2>")
    cache = plat.get("cache") or {}
    rows: list[tuple[str, str]] = []
    for k, v in sorted(plat.get("pool_utilisation_max", {}).items()):
        peak = plat.get("pool_in_use_peak", {}).get(k)
        shown = f"{v:.0%}" + (f" (peak at a scrape {peak:.0%})" if peak is not None else "")
        rows.append((f"pool utilisation max, between scrapes: {k}", shown))
    for k, v in sorted(plat.get("pool_waiting_max", {}).items()):
        if v:
            rows.append((f"requests waiting for a connection, max: {k}", f"{v:.0f}"))
    for k, v in sorted(plat.get("redis_connections_max", {}).items()):
        rows.append((f"Redis connections in use, max: {k}", f"{v:.0f}"))
    for k, v in sorted(plat.get("server_connections_max", {}).items()):
        what = "Redis server clients" if k == "redis clients" else f"PostgreSQL connections, {k}"
        rows.append((f"{what}, max (the machine's servers)", f"{v:,.0f}"))
    if cache.get("hit_ratio") is not None:
        rows.append(
            (
                "read cache hit ratio",
                f"{cache['hit_ratio']:.1%} ({cache['hits']:,.0f} hits, {cache['misses']:,.0f} "
                f"misses, {cache['coalesced']:,.0f} coalesced)",
            )
        )
    for q, v in sorted(plat.get("queue_wait_p95_s", {}).items()):
        rows.append((f"queue wait p95: {q}", "" if v is None else f"{v * 1000:,.0f} ms"))
    for q, v in sorted(plat.get("oldest_job_age_max_s", {}).items()):
        rows.append((f"longest a queued job waited (sampled): {q}", f"{v * 1000:,.0f} ms"))
    for q, v in sorted(plat.get("queue_depth_max", {}).items()):
        rows.append((f"queue depth max: {q}", f"{v:.0f}"))
    for k, j in sorted(plat.get("jobs", {}).items()):
        p95 = "" if j["p95_s"] is None else f", p95 {j['p95_s'] * 1000:,.0f} ms"
        rows.append((f"job {k}", f"{j['count']:,} jobs, mean {j['mean_s'] * 1000:,.1f} ms{p95}"))
    for f, lag in sorted(plat.get("projection_lag_max", {}).items()):
        rows.append(
            (f"projection lag max: {f}", f"{lag['events']:,.0f} events, {lag['seconds']:.2f} s")
        )
    parts.append(_table(["measure", "value"], rows))
    ps = plat.get("series") or {}
    if ps.get("t"):
        parts.append("<div class='charts'>")
        parts.append(
            svg_chart(
                "database pool utilisation (max over pools)",
                ps["t"],
                [("utilisation", PALETTE[0], ps["pool_utilisation_max"])],
                threshold=0.8,
            )
        )
        parts.append(
            svg_chart(
                "projection lag (s) and Redis connections in use",
                ps["t"],
                [("lag s", PALETTE[1], ps["lag_seconds"])],
            )
        )
        parts.append(
            svg_chart(
                "Redis connections in use (all clients)",
                ps["t"],
                [("in use", PALETTE[4], ps["redis_in_use"])],
            )
        )
        parts.append("</div>")
    parts.append("<h2>CPU per process (% of one core)</h2>")
    if cpu.get("api_ms_per_request") is not None:
        parts.append(
            f"<p>The API processes together: {cpu['api_ms_per_request']:.2f} ms of CPU per "
            "request served (all endpoints of the mix).</p>"
        )
    parts.append(
        _table(
            ["process", "average %", "max %", "CPU ms per request"],
            [
                (
                    n,
                    f"{v['avg_percent']:.0f}",
                    f"{v['max_percent']:.0f}",
                    "" if v.get("ms_per_request") is None else f"{v['ms_per_request']:.2f}",
                )
                for n, v in sorted(cpu["processes"].items())
            ]
            + [
                (
                    "whole machine (% of all cores)",
                    f"{cpu['machine'].get('avg_percent', 0):.0f}",
                    f"{cpu['machine'].get('max_percent', 0):.0f}",
                    "",
                )
            ],
        )
    )
    cs = cpu["series"]
    if cs.get("t"):
        lines = [
            (n, PALETTE[i % len(PALETTE)], cs[n]) for i, n in enumerate(sorted(cpu["processes"]))
        ]
        parts.append(svg_chart("CPU % of one core", cs["t"], lines, width=1000, height=260))
    ramp = report["phases"].get("ramp")
    seed = report["phases"].get("seed")
    parts.append("<h2>Before the measured phase</h2>")
    if seed:
        parts.append(
            f"<p>Seeding: {seed.get('accounts', 0):,} accounts registered in "
            f"{seed.get('seconds', 0):.1f} s ({seed.get('per_second', 0):.1f}/s, "
            f"p50 {seed.get('p50_ms', 0):,.0f} ms, p95 {seed.get('p95_ms', 0):,.0f} ms, "
            f"{seed.get('failures', 0)} failed).</p>"
        )
    if ramp:
        rs = ramp["summary"]
        parts.append(
            f"<p>Ramp ({ramp['seconds']:.1f} s, every user logs in here): {rs['requests']:,} "
            f"requests, p95 {rs['p95_ms']:,.0f} ms, errors {rs['error_rate']:.2%}.</p>"
        )
        rts = ramp.get("timeseries") or {}
        login = (rts.get("endpoints") or {}).get("POST /auth/login")
        if rts.get("t") and login:
            parts.append(
                svg_chart(
                    "ramp: log-ins per second and their latency",
                    rts["t"],
                    [("p50", PALETTE[2], login["p50_ms"]), ("p95", PALETTE[1], login["p95_ms"])],
                    " ms",
                    width=760,
                    right_line=("log-ins/s", PALETTE[0], login["rps"]),
                )
            )
        parts.append(
            _table(
                ["endpoint", "requests", "req/s", "failures", "p50 ms", "p95 ms", "p99 ms"],
                [
                    (
                        r["endpoint"],
                        f"{r['requests']:,}",
                        f"{r['rps']:.1f}",
                        r["failures"],
                        _ms(r["p50_ms"]),
                        _ms(r["p95_ms"]),
                        _ms(r["p99_ms"]),
                    )
                    for r in ramp["endpoints"]
                ],
            )
        )
    faults = (report.get("scenario") or {}).get("chaos") or []
    if faults:
        parts.append("<h2>Faults</h2>")
        parts.append(
            _table(
                ["fault", "at", "recovered after", "requests", "failed"],
                [
                    (
                        f["fault"],
                        f"{f['at_s']:.0f} s",
                        "not within 120 s"
                        if f["recovered_after_s"] is None
                        else f"{f['recovered_after_s']:.1f} s",
                        f"{f['requests_during']:,}",
                        f"{f['failures_during']:,}",
                    )
                    for f in faults
                ],
            )
        )
    if report.get("scenario"):
        parts.append("<h2>Scenario</h2><pre>")
        parts.append(html.escape(json.dumps(report["scenario"], indent=2, default=str)))
        parts.append("</pre>")
    parts.append("<p class='note'>Raw numbers: report.json beside this page.</p></body></html>")
    return "".join(parts)
