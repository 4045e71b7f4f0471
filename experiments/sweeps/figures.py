"""Plotly figures for sweep results: pure ``DataFrame -> go.Figure`` functions and a
writer for HTML (always) and PNG (only if kaleido and a browser work offline).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from market.io.atomic import atomic_write_bytes, atomic_write_text

PLOTLY_JS = "plotly.min.js"


def line_with_band(
    df: pd.DataFrame,
    x: str,
    y: str,
    low: str,
    high: str,
    *,
    group: str | None = None,
    title: str = "",
    x_title: str = "",
    y_title: str = "",
) -> go.Figure:
    """Lines of ``y`` against ``x`` with a shaded ``low``-``high`` band, one per group."""
    fig = go.Figure()
    groups = [(None, df)] if group is None else list(df.groupby(group, sort=False))
    for name, part in groups:
        part = part.sort_values(x)
        label = str(name) if name is not None else y
        band_x = [*part[x], *part[x][::-1]]
        band_y = [*part[high], *part[low][::-1]]
        fig.add_trace(
            go.Scatter(
                x=band_x,
                y=band_y,
                fill="toself",
                opacity=0.2,
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=label,
                name=f"{label} 95% CI",
            )
        )
        fig.add_trace(
            go.Scatter(x=part[x], y=part[y], mode="lines+markers", name=label, legendgroup=label)
        )
    fig.update_layout(
        title=title, xaxis_title=x_title, yaxis_title=y_title, template="plotly_white"
    )
    return fig


def bars_with_errors(
    df: pd.DataFrame,
    x: str,
    y: str,
    error: str | None = None,
    *,
    group: str | None = None,
    title: str = "",
    y_title: str = "",
) -> go.Figure:
    """Grouped bars of ``y`` by ``x`` with symmetric error bars."""
    fig = go.Figure()
    groups = [(None, df)] if group is None else list(df.groupby(group, sort=False))
    for name, part in groups:
        err = {"type": "data", "array": part[error]} if error else None
        fig.add_trace(go.Bar(x=part[x], y=part[y], error_y=err, name=str(name or y)))
    fig.update_layout(title=title, yaxis_title=y_title, barmode="group", template="plotly_white")
    return fig


def save_figure(fig: go.Figure, out_dir: Path, name: str, png: bool = True) -> list[Path]:
    """Write ``name.html`` (plotly.js beside it, so it opens offline) and, if possible,
    ``name.png``. Returns the files written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    if not (out_dir / PLOTLY_JS).exists():
        atomic_write_text(out_dir / PLOTLY_JS, get_plotlyjs())
    html = out_dir / f"{name}.html"
    atomic_write_text(html, fig.to_html(include_plotlyjs="directory", full_html=True))
    written = [html]
    if png and png_available():
        try:
            atomic_write_bytes(out_dir / f"{name}.png", fig.to_image(format="png", scale=2))
            written.append(out_dir / f"{name}.png")
        except Exception:  # PNG export is best effort (needs Chrome)
            pass
    return written


def png_available() -> bool:
    """Whether kaleido (plotly's static-image engine) is installed."""
    try:
        import kaleido  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        return False
    return True
