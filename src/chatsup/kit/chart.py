"""One plotext chart per widget: bars or lines over labelled buckets,
downsampled to the widget's width, built only when its data or its size
changed (a repaint with the same data reuses the last drawing)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from chatsup.domain.text import preview

Kind = Literal["bar", "line"]
# one colour per series, the same in the plot and in the legend line above it
COLOURS = ("cyan", "magenta", "green", "orange", "blue", "red")
LEGEND_STYLE = {"orange": "dark_orange"}


def nice_ticks(top: float, rows: int) -> list[float]:
    """Evenly spaced y ticks from 0 past `top`, on a 1-2-5 step, about one
    per two rows (`462` over 12 rows → 0, 100 … 500)."""
    if top <= 0:
        return [0.0, 1.0]
    wanted = max(1, min(8, rows // 2))
    raw = top / wanted
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    n = math.ceil(top / step - 1e-9)
    return [i * step for i in range(n + 1)]


def tick_label(v: float) -> str:
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.1f}"


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]
    how: Literal["sum", "mean"] = "sum"  # how buckets merge when downsampled


def downsample(
    labels: Sequence[str], series: Sequence[Series], slots: int
) -> tuple[list[str], list[Series]]:
    """At most `slots` buckets: consecutive buckets merge (counts add up,
    means average over the buckets that had one); a merged bucket is
    labelled by its first label."""
    n = len(labels)
    if n <= slots or slots < 1:
        return list(labels), list(series)
    step = -(-n // slots)  # ceil
    groups = [range(i, min(i + step, n)) for i in range(0, n, step)]
    out_labels = [labels[g[0]] for g in groups]
    out: list[Series] = []
    for s in series:
        merged: list[float] = []
        for g in groups:
            vals = [s.values[i] for i in g]
            if s.how == "sum":
                merged.append(sum(vals))
            else:
                present = [v for v in vals if v]
                merged.append(sum(present) / len(present) if present else 0.0)
        out.append(Series(s.name, tuple(merged), s.how))
    return out_labels, out


class Chart(PlotextPlot):
    """`show(...)` sets the data; the drawing is cached by (data, size, theme)."""

    DEFAULT_CSS = """
    Chart { width: 1fr; height: 1fr; min-height: 6; }
    """

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.kind: Kind = "bar"
        self.chart_title = ""
        self.labels: tuple[str, ...] = ()
        self.series: tuple[Series, ...] = ()
        self.version = 0
        self.builds = 0  # how many times plotext drew it (tests and bench read it)
        self._cache_key: tuple[Any, ...] | None = None
        self._cache: Text | None = None

    def show(
        self, kind: Kind, labels: Sequence[str], series: Sequence[Series], title: str = ""
    ) -> None:
        labels_t = tuple(preview(str(label), 12) for label in labels)
        series_t = tuple(series)
        if (kind, labels_t, series_t, title) == (
            self.kind,
            self.labels,
            self.series,
            self.chart_title,
        ):
            return  # same data: nothing to draw again
        self.kind, self.labels, self.series, self.chart_title = kind, labels_t, series_t, title
        self.version += 1
        self.refresh()

    def render(self) -> RenderResult:
        w, h = self.size.width, self.size.height
        key = (self.version, w, h, self.app.theme, self.theme)
        if self._cache is not None and key == self._cache_key:
            return self._cache
        self._cache = self.build(w, h)
        self._cache_key = key
        return self._cache

    def legend(self) -> Text:
        """The title and each series in its colour: a line of its own above
        the plot, never drawn over it."""
        t = Text()
        if self.chart_title:
            t.append(self.chart_title + "  ", style="bold")
        if len(self.series) > 1 or not self.chart_title:
            for s, colour in zip(self.series, COLOURS, strict=False):
                t.append("■ ", style=LEGEND_STYLE.get(colour, colour))
                t.append(s.name + "  ")
        return t

    def build(self, width: int, height: int) -> Text:
        """Draw with plotext (the expensive part)."""
        self.builds += 1
        plt = self.plt
        plt.clear_figure()
        if not self.labels or width < 10 or height < 5:
            return Text("")
        per_bucket = 2 if self.kind == "bar" else 1
        slots = max(
            2, (width - 10) // (per_bucket * max(1, len(self.series) if self.kind == "bar" else 1))
        )
        labels, series = downsample(self.labels, self.series, slots)
        xs = list(range(len(labels)))
        colours = list(COLOURS[: len(series)])
        if self.kind == "bar" and len(series) > 1:
            plt.multiple_bar(xs, [list(s.values) for s in series], color=colours)  # type: ignore[arg-type]  # plotext takes one colour per series
        else:
            for s, colour in zip(series, colours, strict=False):
                if self.kind == "bar":
                    plt.bar(xs, list(s.values), color=colour)
                else:
                    plt.plot(xs, list(s.values), marker="braille", color=colour)
        ticks = _ticks(len(labels), width)
        plt.xticks([xs[i] for i in ticks], [labels[i] for i in ticks])
        top = max((max(s.values, default=0) for s in series), default=0)
        ys = nice_ticks(float(top), height - 4)
        plt.yticks(ys, [tick_label(y) for y in ys])
        plt.ylim(0, ys[-1])
        # as the base class draws, one line shorter: the legend is above
        plt.plotsize(width, height - 1)
        plt._set_size(width, height - 1)  # see PlotextPlot.render
        plt.theme(self._get_plotext_theme_name(self.app.theme))
        out = self.legend()
        out.append("\n")
        out.append_text(Text.from_ansi(plt.build()))
        return out


def _ticks(n: int, width: int) -> list[int]:
    """Label positions that fit: about one per 12 columns."""
    room = max(1, width // 12)
    if n <= room:
        return list(range(n))
    step = -(-n // room)
    return list(range(0, n, step))
