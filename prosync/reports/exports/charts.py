"""A report's charts as SVG drawn on the server, for PDFs and e-mails where no script runs: bars
(side by side or stacked), lines, and a Pareto (bars with the cumulative share as a line)."""

from __future__ import annotations

import math
from datetime import date

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from prosync.reports import formatting

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 70
PALETTE = ["#1f6feb", "#d9822b", "#2da44e", "#a371f7", "#cf222e", "#6e7781", "#bf8700", "#0a7e8c"]
MAX_LABELS = 10  # x labels shown; the others are skipped so the text does not overlap


def _nice_max(value: float, whole: bool = False) -> float:
    """The top of the axis: four gridline steps of a round size (1, 2, 2.5, 5 × 10ⁿ) reaching
    ``value``, so the tick labels read 0, 2.5, 5, 7.5, 10 rather than 1.3 or 3.8."""
    if value <= 0:
        return 4.0
    quarter = max(value / 4, 1) if whole else value / 4  # counts step by whole numbers
    exp = 10 ** math.floor(math.log10(quarter))
    for step in (1, 2, 2.5, 5, 10):
        if whole and (step * exp) % 1:
            continue
        if quarter <= step * exp:
            return 4 * step * exp
    return 40 * exp


def _label(text: str) -> str:
    """ISO bucket dates read as "15 Mar"; names are cut to fit under a bar."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text).strftime("%d %b")
        except ValueError:
            pass
    return text if len(text) <= 14 else text[:13] + "…"


def chart_svg(chart) -> str:
    """The chart as an inline SVG element."""
    labels = list(chart.labels)
    series = [(name, [v if v is not None else None for v in values]) for name, values in chart.series]
    n = max(1, len(labels))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    stacked = chart.kind == "stacked"
    pareto = chart.kind == "pareto"
    bar_series = series[:1] if pareto else ([] if chart.kind == "line" else series)
    line_series = series if chart.kind == "line" else []
    if pareto:  # the cumulative share is drawn on its own 0–100 % scale, not against the bars'
        top = max((v for v in (series[0][1] if series else []) if v is not None), default=0)
    elif stacked:
        top = max((sum(v or 0 for v in col) for col in zip(*(s[1] for s in series), strict=False)), default=0)
    else:
        top = max((v for _, values in series for v in values if v is not None), default=0)
    ymax = _nice_max(float(top or 0), whole=chart.unit in ("count", ""))
    step = plot_w / n

    def y(v: float) -> float:
        return TOP + plot_h - (float(v) / ymax) * plot_h

    bars, lines, legend = [], [], []
    if bar_series:
        width = step * 0.7 / (1 if stacked or pareto else len(bar_series))
        for i in range(len(labels)):
            base = 0.0
            for k, (name, values) in enumerate(bar_series):
                v = values[i] if i < len(values) else None
                if not v:
                    continue
                x = LEFT + i * step + step * 0.15 + (0 if stacked or pareto else k * width)
                y0 = y(base + float(v)) if stacked else y(float(v))
                h = (y(base) - y0) if stacked else (TOP + plot_h - y0)
                bars.append({"x": round(x, 1), "y": round(y0, 1), "w": round(width, 1), "h": round(max(h, 0.5), 1),
                             "color": PALETTE[k % len(PALETTE)], "title": f"{labels[i]}: {name} "
                             f"{formatting.by_unit(v, chart.unit)}"})
                if stacked:
                    base += float(v)
    if pareto and series:
        values = [float(v or 0) for v in series[0][1]]
        total = sum(values) or 1.0
        running, points = 0.0, []
        for i, v in enumerate(values):
            running += v
            points.append(f"{LEFT + (i + 0.5) * step:.1f},{TOP + plot_h - running / total * plot_h:.1f}")
        lines.append({"points": " ".join(points), "color": PALETTE[1]})
        legend.append({"name": "Cumulative share", "color": PALETTE[1]})
    for k, (_name, values) in enumerate(line_series):
        points = [f"{LEFT + (i + 0.5) * step:.1f},{y(v):.1f}" for i, v in enumerate(values) if v is not None]
        if points:
            lines.append({"points": " ".join(points), "color": PALETTE[k % len(PALETTE)]})
    for k, (name, _) in enumerate(bar_series or line_series):
        legend.append({"name": name, "color": PALETTE[k % len(PALETTE)]})
    every = max(1, math.ceil(len(labels) / MAX_LABELS))
    xlabels = [{"x": round(LEFT + (i + 0.5) * step, 1), "text": _label(str(t))}
               for i, t in enumerate(labels) if i % every == 0]
    ticks = [{"y": round(y(ymax * f), 1), "text": formatting.by_unit(ymax * f, chart.unit)
              if chart.unit not in ("count", "") else formatting.number(ymax * f, 0 if ymax >= 4 else 1)}
             for f in (0, 0.25, 0.5, 0.75, 1)]
    for i, item in enumerate(legend):
        item["x"] = LEFT + i * 170
    return mark_safe(render_to_string("exports/chart.svg", {  # noqa: S308 - drawn from our own template
        "chart": chart, "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT,
        "bottom": TOP + plot_h, "bars": bars, "lines": lines, "xlabels": xlabels, "ticks": ticks,
        "legend": legend, "legend_y": HEIGHT - 12, "empty": not labels, "pareto": pareto and bool(labels),
        "share_color": PALETTE[1], "top": TOP,
    }))
