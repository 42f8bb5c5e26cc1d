"""Bar charts as inline SVG, written by hand: the report must open offline, with no script and
no plotting library, and a few rectangles and lines are all its plots need."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape as _escape_markup

from rerank_lint.output.escape import visible


def escape(text: str) -> str:
    # Labels can hold a user's tokenizer path or model name: no control character (XML forbids
    # them in an SVG) and no undecodable byte reaches the page.
    return _escape_markup(visible(str(text)))


WIDTH, HEIGHT = 600, 300
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 64, 16, 46, 52
FAMILY = "font-family='system-ui, sans-serif'"
FONT = f"{FAMILY} font-size='12' fill='#333'"


@dataclass
class Series:
    name: str
    values: list[float]
    color: str = "#4c78a8"
    bar_colors: list[str] | None = None  # per bar, to single out some (over the budget, too few)


@dataclass
class Reference:
    """A horizontal line across the plot at a value (a budget, a threshold)."""

    value: float
    label: str
    color: str = "#d62728"


def nice_ticks(top: float, count: int = 5, integral: bool = False) -> list[float]:
    """Round tick values from 0 to at least `top`; whole numbers only when the values are counts
    (a tick at 2.5 records means nothing)."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if integral else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in steps if m * magnitude >= raw)
    if integral:
        step = max(1, round(step))
    return [i * step for i in range(int(math.ceil(top / step)) + 1)]


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.2e}"


def bar_chart(plot_id: str, title: str, categories: list[str], series: list[Series], *, x_label: str, y_label: str,
              reference: Reference | None = None) -> str:
    """Grouped vertical bars, one group per category, one bar per series, with y ticks, axis
    labels, an optional reference line and a legend when there are several series. Each bar has
    a tooltip (`<title>`) with its exact value."""
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    top = max([v for s in series for v in s.values] + [reference.value if reference else 0, 0])
    integral = all(float(v).is_integer() for s in series for v in s.values)
    ticks = nice_ticks(top, integral=integral)
    y_max = ticks[-1] or 1
    y = lambda v: MARGIN_TOP + plot_h * (1 - v / y_max)  # noqa: E731
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = [f"<svg class='plot' id='{escape(plot_id)}' xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {WIDTH} {HEIGHT}' "
             f"width='{WIDTH}' height='{HEIGHT}' role='img' aria-label='{escape(title)}'>",
             f"<text x='{MARGIN_LEFT}' y='18' {FAMILY} font-size='14' font-weight='600' fill='#222'>{escape(title)}</text>"]
    for tick in ticks:
        ty = y(tick)
        parts.append(f"<line x1='{MARGIN_LEFT}' x2='{WIDTH - MARGIN_RIGHT}' y1='{ty:.1f}' y2='{ty:.1f}' stroke='#e5e5e5'/>")
        parts.append(f"<text x='{MARGIN_LEFT - 6}' y='{ty + 4:.1f}' text-anchor='end' {FONT}>{_number(tick)}</text>")
    label_every = max(1, math.ceil(len(categories) / 16))  # keep x labels from overlapping
    for i, category in enumerate(categories):
        x0 = MARGIN_LEFT + i * group_w + group_w * 0.1
        for k, s in enumerate(series):
            value = s.values[i]
            color = s.bar_colors[i] if s.bar_colors else s.color
            bx, by = x0 + k * bar_w, y(value)
            # A zero bar still gets a hairline, so an empty bin reads as measured, not missing.
            height = max(MARGIN_TOP + plot_h - by, 0.5)
            tip = f"{s.name + ', ' if len(series) > 1 else ''}{category}: {_number(value)}"
            parts.append(f"<rect class='mark' x='{bx:.1f}' y='{MARGIN_TOP + plot_h - height:.1f}' width='{max(bar_w - 1, 1):.1f}' "
                         f"height='{height:.1f}' fill='{color}' fill-opacity='{0.85 if len(series) == 1 else 0.75}'>"
                         f"<title>{escape(tip)}</title></rect>")
        if i % label_every == 0:
            parts.append(f"<text x='{MARGIN_LEFT + (i + 0.5) * group_w:.1f}' y='{MARGIN_TOP + plot_h + 16}' "
                         f"text-anchor='middle' {FONT}>{escape(category)}</text>")
    axis_y = MARGIN_TOP + plot_h
    parts.append(f"<line x1='{MARGIN_LEFT}' x2='{WIDTH - MARGIN_RIGHT}' y1='{axis_y}' y2='{axis_y}' stroke='#333'/>")
    parts.append(f"<text x='{MARGIN_LEFT + plot_w / 2:.1f}' y='{HEIGHT - 10}' text-anchor='middle' {FONT}>{escape(x_label)}</text>")
    parts.append(f"<text transform='translate(14 {MARGIN_TOP + plot_h / 2:.1f}) rotate(-90)' text-anchor='middle' {FONT}>{escape(y_label)}</text>")
    if reference is not None:
        ry = y(reference.value)
        parts.append(f"<line class='reference' x1='{MARGIN_LEFT}' x2='{WIDTH - MARGIN_RIGHT}' y1='{ry:.1f}' y2='{ry:.1f}' "
                     f"stroke='{reference.color}' stroke-width='2' stroke-dasharray='6 4'/>")
        # Its label is a key in the top margin, right-aligned with a sample of the dashed line:
        # written next to the line it covered the bars under it.
        label_w = 7 * len(reference.label)
        kx = WIDTH - MARGIN_RIGHT - label_w
        parts.append(f"<line x1='{kx - 28}' x2='{kx - 6}' y1='32' y2='32' stroke='{reference.color}' stroke-width='2' stroke-dasharray='6 4'/>"
                     f"<text class='reference-label' x='{WIDTH - MARGIN_RIGHT}' y='36' text-anchor='end' {FAMILY} font-size='12' "
                     f"fill='{reference.color}'>{escape(reference.label)}</text>")
    if len(series) > 1:
        # The legend is a row under the title, where it can cover neither the title nor a bar.
        lx = MARGIN_LEFT
        for s in series:
            parts.append(f"<rect x='{lx}' y='{27}' width='10' height='10' fill='{s.color}'/>"
                         f"<text x='{lx + 15}' y='36' {FONT}>{escape(s.name)}</text>")
            lx += 30 + 7 * len(s.name)
    parts.append("</svg>")
    return "".join(parts)


def scatter(plot_id: str, title: str, groups: list[tuple[str, list[list[float]], str]], *, x_label: str,
            y_label: str, size: int = 460) -> str:
    """Points of several groups `(name, [[x, y], ...], colour)` on shared axes, drawn in order
    (the later on top), small and translucent so that dense regions read as dense. Square: both
    axes keep the same scale, so distances on the page mean the same in both directions."""
    pts = [p for _, points, _ in groups for p in points]
    if pts:
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        half = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9) / 2 * 1.05
        cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    else:
        half, cx, cy = 1.0, 0.0, 0.0
    left, top, plot = 40, 46, size - 40 - 16
    px = lambda v: left + plot * (v - cx + half) / (2 * half)  # noqa: E731
    py = lambda v: top + plot * (1 - (v - cy + half) / (2 * half))  # noqa: E731
    height = top + plot + 40
    parts = [f"<svg class='plot scatter' id='{escape(plot_id)}' xmlns='http://www.w3.org/2000/svg' "
             f"viewBox='0 0 {size} {height}' width='{size}' height='{height}' role='img' aria-label='{escape(title)}'>",
             f"<text x='{left}' y='18' {FAMILY} font-size='14' font-weight='600' fill='#222'>{escape(title)}</text>",
             f"<rect x='{left}' y='{top}' width='{plot}' height='{plot}' fill='none' stroke='#ccc'/>"]
    lx = left
    for name, points, color in groups:
        parts.append(f"<g class='series' fill='{color}' fill-opacity='0.45'><title>{escape(name)}</title>")
        parts.extend(f"<circle cx='{px(x):.1f}' cy='{py(y):.1f}' r='2'/>" for x, y in points)
        parts.append("</g>")
        parts.append(f"<rect x='{lx}' y='27' width='10' height='10' fill='{color}'/>"
                     f"<text x='{lx + 15}' y='36' {FONT}>{escape(name)}</text>")
        lx += 30 + 7 * len(name)
    parts.append(f"<text x='{left + plot / 2:.1f}' y='{height - 10}' text-anchor='middle' {FONT}>{escape(x_label)}</text>")
    parts.append(f"<text transform='translate(14 {top + plot / 2:.1f}) rotate(-90)' text-anchor='middle' {FONT}>{escape(y_label)}</text>")
    parts.append("</svg>")
    return "".join(parts)
