"""One plotext chart per widget: bars or lines over labelled buckets,
downsampled to the widget's width, built only when its data or its size
changed (a repaint with the same data reuses the last drawing)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from chatsup.domain.text import preview

Kind = Literal["bar", "line"]


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

    def build(self, width: int, height: int) -> Text:
        """Draw with plotext (the expensive part)."""
        self.builds += 1
        plt = self.plt
        plt.clear_figure()
        if not self.labels or width < 10 or height < 4:
            return Text("")
        per_bucket = 2 if self.kind == "bar" else 1
        slots = max(
            2, (width - 10) // (per_bucket * max(1, len(self.series) if self.kind == "bar" else 1))
        )
        labels, series = downsample(self.labels, self.series, slots)
        xs = list(range(len(labels)))
        if self.kind == "bar" and len(series) > 1:
            plt.multiple_bar(xs, [list(s.values) for s in series], labels=[s.name for s in series])  # type: ignore[call-arg]  # plotext's stub says label
        else:
            for s in series:
                if self.kind == "bar":
                    plt.bar(xs, list(s.values), label=s.name if len(series) > 1 else None)
                else:
                    plt.plot(xs, list(s.values), label=s.name, marker="braille")
        ticks = _ticks(len(labels), width)
        plt.xticks([xs[i] for i in ticks], [labels[i] for i in ticks])
        if self.chart_title:
            plt.title(self.chart_title)
        # the base class sizes the figure and picks the theme; then builds
        return super().render()  # type: ignore[return-value]


def _ticks(n: int, width: int) -> list[int]:
    """Label positions that fit: about one per 12 columns."""
    room = max(1, width // 12)
    if n <= room:
        return list(range(n))
    step = -(-n // room)
    return list(range(0, n, step))
