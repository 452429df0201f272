"""Charts drawn on the server as inline SVG: no JavaScript, light, printable, accessible.

Colours come from presentation attributes (fill=...), never style="" (the CSP forbids inline
styles). Every chart has a <title> and <desc> and is labelled by them; each bar carries its value
as text, so a greyscale printout stays readable. Pages show the same figures in a table.
"""

from __future__ import annotations

import itertools
import textwrap
from dataclasses import dataclass

from flask_babel import format_decimal
from markupsafe import Markup, escape

SEX_FILLS = {"F": "#7b3294", "M": "#1f5fa8", "T": "#4a545e"}
_ids = itertools.count(1)


@dataclass
class Series:
    """One set of bars: a name for the legend, a fill colour and one value per category."""

    name: str
    fill: str
    values: list[float | None]


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    return f"{format_decimal(round(value, 1))}{unit}"


def label_lines(text: str, width: int = 26, most: int = 2) -> list[str]:
    """A category label on at most two lines that fit beside the bars, cut between words."""
    lines = textwrap.wrap(text, width) or [""]
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][:width - 1].rstrip() + "…"
    return lines


def bar_chart(title: str, description: str, categories: list[str], series: list[Series],
              maximum: float | None = None, unit: str = "", width: int = 640) -> Markup:
    """Horizontal grouped bars: one group per category, one bar per series."""
    uid = next(_ids)
    bar_h, gap, label_w, value_w, legend_h = 18, 14, 190, 60, 28
    group_h = bar_h * len(series) + gap
    height = legend_h + max(1, len(categories)) * group_h + 10
    values = [v for s in series for v in s.values if v is not None]
    top = maximum or max(values + [0]) or 1
    plot_w = width - label_w - value_w
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="100%" role="img" aria-labelledby="chart{uid}-t chart{uid}-d" '
           f'class="chart" font-family="sans-serif" font-size="13">',
           f'<title id="chart{uid}-t">{escape(title)}</title>',
           f'<desc id="chart{uid}-d">{escape(description)}</desc>']
    x = label_w
    for s in series:  # legend
        out.append(f'<rect x="{x}" y="6" width="14" height="14" fill="{s.fill}"/>'
                   f'<text x="{x + 19}" y="18" fill="#1b1b1b">{escape(s.name)}</text>')
        x += 40 + 8 * len(s.name)
    if not categories:
        out.append(f'<text x="{label_w}" y="{legend_h + 16}" fill="#1b1b1b">–</text>')
    for i, category in enumerate(categories):
        y0 = legend_h + i * group_h
        lines = label_lines(category)
        first = y0 + group_h / 2 - 7 * (len(lines) - 1)
        spans = "".join(f'<tspan x="{label_w - 8}" y="{first + 15 * n:.1f}">{escape(line)}</tspan>'
                        for n, line in enumerate(lines))
        out.append(f'<text text-anchor="end" fill="#1b1b1b"><title>{escape(category)}</title>'
                   f'{spans}</text>')
        for j, s in enumerate(series):
            value = s.values[i]
            y = y0 + j * bar_h
            w = 0 if value is None else max(0.0, min(1.0, value / top)) * plot_w
            out.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 3}" '
                       f'fill="{s.fill}"><title>{escape(s.name)}: '
                       f'{escape(_fmt(value, unit))}</title></rect>')
            out.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 6}" '
                       f'fill="#1b1b1b">{escape(_fmt(value, unit))}</text>')
    out.append(f'<line x1="{label_w}" y1="{legend_h - 2}" x2="{label_w}" y2="{height - 6}" '
               f'stroke="#6b7580"/>')
    out.append("</svg>")
    return Markup("".join(out))
