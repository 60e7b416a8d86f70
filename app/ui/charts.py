"""Bar charts drawn as SVG on the server: no script, no library, nothing fetched.

Heights are in pixels and horizontal positions in percent of the chart's width, so a chart fills a
phone or a wide screen while its text keeps its size. Every chart carries a title and a description
for screen readers; the pages also give its figures as a table.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_ROW_PX = 46
BAR_PX = 14
LONGEST_BAR_PCT = 84.0  # leaves room for the figure after the longest bar
COLUMN_CHART_PX = 220
COLUMN_TOP_PX = 22
COLUMN_BOTTOM_PX = 26
COLUMN_LEFT_PCT = 6.0
MAX_YEAR_LABELS = 8
MIN_YEARS = 5
MAX_COLUMN_FIGURES = 16  # beyond this the figures on top would collide on a phone; the table has them


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    emphasis: bool = False
    note: str = ""


def _pct(value: float) -> str:
    return f"{value:.2f}%"


def _svg_open(chart_id: str, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="100%" height="{height}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def horizontal_bars(bars: Sequence[Bar], *, chart_id: str, title: str, description: str) -> Markup:
    """One row per bar: its label above, the bar below with its figure (and note) after it."""
    height = max(1, len(bars)) * BAR_ROW_PX + 4
    top = max((b.value for b in bars), default=0)
    parts = _svg_open(chart_id, height, title, description)
    for row, bar in enumerate(bars):
        y = row * BAR_ROW_PX
        width = LONGEST_BAR_PCT * bar.value / top if top else 0.0
        css = "bar bar-emphasis" if bar.emphasis else "bar"
        figure = f"{bar.value}" + (f" · {bar.note}" if bar.note else "")
        parts += [
            f'<text class="chart-label" x="0" y="{y + 15}">{escape(bar.label)}</text>',
            f'<rect class="{css}" x="0" y="{y + 22}" width="{_pct(width)}" height="{BAR_PX}" rx="2"/>',
            f'<text class="chart-figure" x="{_pct(width + 1.2)}" y="{y + 34}">{escape(figure)}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()


def columns(points: Sequence[tuple[str, int]], *, chart_id: str, title: str, description: str) -> Markup:
    """A column per point (e.g. a year), its figure on top, the axis labels thinned to stay readable."""
    height = COLUMN_CHART_PX
    plot_px = height - COLUMN_TOP_PX - COLUMN_BOTTOM_PX
    top = max((v for _, v in points), default=0)
    parts = _svg_open(chart_id, height, title, description)
    base_y = COLUMN_TOP_PX + plot_px
    parts.append(f'<line class="axis" x1="{_pct(COLUMN_LEFT_PCT)}" x2="100%" y1="{base_y}" y2="{base_y}"/>')
    if top:
        parts += [
            f'<line class="grid" x1="{_pct(COLUMN_LEFT_PCT)}" x2="100%" y1="{COLUMN_TOP_PX}" y2="{COLUMN_TOP_PX}"/>',
            f'<text class="chart-tick" x="{_pct(COLUMN_LEFT_PCT - 1)}" y="{COLUMN_TOP_PX + 4}" text-anchor="end">{top}</text>',
            f'<text class="chart-tick" x="{_pct(COLUMN_LEFT_PCT - 1)}" y="{base_y + 4}" text-anchor="end">0</text>',
        ]
    slot = (100.0 - COLUMN_LEFT_PCT) / max(1, len(points))
    step = max(1, math.ceil(len(points) / MAX_YEAR_LABELS))
    labelled = set(range(len(points) - 1, -1, -step))  # counted from the end: the latest year always shows
    figures_fit = len(points) <= MAX_COLUMN_FIGURES
    for index, (label, value) in enumerate(points):
        left = COLUMN_LEFT_PCT + index * slot
        centre = left + slot / 2
        bar_px = round(plot_px * value / top) if top else 0
        if bar_px:
            parts.append(
                f'<rect class="bar" x="{_pct(left + slot * 0.15)}" y="{base_y - bar_px}" '
                f'width="{_pct(slot * 0.7)}" height="{bar_px}"/>'
            )
        if bar_px and figures_fit:
            parts.append(
                f'<text class="chart-figure" x="{_pct(centre)}" y="{base_y - bar_px - 5}" '
                f'text-anchor="middle">{value}</text>'
            )
        if index in labelled:
            parts.append(
                f'<text class="chart-tick" x="{_pct(centre)}" y="{base_y + 18}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()


def year_series(counts: dict[int, int]) -> list[tuple[str, int]]:
    """Every year from the first to the last with a figure, the years between at zero; at least
    MIN_YEARS years, so one busy year shows against the quiet ones before it."""
    if not counts:
        return []
    last = max(counts)
    first = min(min(counts), last - MIN_YEARS + 1)
    return [(str(year), counts.get(year, 0)) for year in range(first, last + 1)]
