"""Figures of the dashboard: pure functions, tables in, ``go.Figure`` out.

Nothing here reads files, knows about Dash or keeps state; every function handles the
empty case with a readable empty-state figure (a Sankey with zero links makes
plotly.js throw, so it is never drawn).

Lab names come from the tables; spin-outs (``Spin-out 3 (OpenAI)``) are drawn as one
group, and when there are more labs than ``max_nodes`` the smallest are merged into
"Others".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.stats import SPINOUTS, bands, lab_group, pool_labs
from market.codes import BETWEEN_LABS, ENTRY_REASONS, LAB_EXIT_REASONS

__all__ = ["SPINOUTS", "lab_group", "pool_labs"]

POOLS = "Outside pools"
POOL_MODES = ("show", "aggregate", "hide")
OTHERS = "Others"
ENTRY = "Graduates & pool"
EXIT = "Left the market"
EXIT_REASONS = LAB_EXIT_REASONS

PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
)
GROUP_COLORS = {
    SPINOUTS: "#a6a6a6",
    OTHERS: "#c7c7c7",
    ENTRY: "#4daf4a",
    EXIT: "#555555",
    POOLS: "#8c8c8c",
}
FONT = {"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 13}


# -- helpers ----------------------------------------------------------------------------


def lab_colors(labs: Iterable[str]) -> dict[str, str]:
    """A stable colour per lab (by first appearance) and fixed colours for the groups."""
    colors = dict(GROUP_COLORS)
    i = 0
    for lab in labs:
        if lab in colors:
            continue
        colors[lab] = PALETTE[i % len(PALETTE)]
        i += 1
    return colors


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[k : k + 2], 16) for k in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def usd_text(x: float) -> str:
    """``$1.2M``, ``$350k``, ``-$20k``: compact USD."""
    if x is None or not np.isfinite(x):
        return "n/a"
    sign = "-" if x < 0 else "+" if x > 0 else ""
    a = abs(x)
    body = f"${a / 1e6:,.2f}M" if a >= 1e6 else f"${a / 1e3:,.0f}k"
    return f"{sign}{body}"


def empty_figure(message: str, height: int = 420) -> go.Figure:
    """A blank figure that says why it is blank."""
    fig = go.Figure()
    fig.add_annotation(
        text=message,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 15, "color": "#666"},
    )
    fig.update_layout(
        xaxis={"visible": False},
        yaxis={"visible": False},
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        plot_bgcolor="white",
        paper_bgcolor="white",
        font=FONT,
    )
    return fig


def filter_moves(
    moves: pd.DataFrame,
    specialties: Sequence[str] | None = None,
    step_range: tuple[int, int] | None = None,
    include_entry_exit: bool = False,
) -> pd.DataFrame:
    """Moves between labs (poached, spin-outs), optionally with entries and exits, in
    ``specialties`` and steps ``step_range`` (inclusive). ``None`` means no filter.

    Entries get ``from_lab`` = :data:`ENTRY`, exits ``to_lab`` = :data:`EXIT`.
    """
    reasons = BETWEEN_LABS + ((ENTRY_REASONS + EXIT_REASONS) if include_entry_exit else ())
    keep = moves["reason"].isin(reasons)
    if specialties is not None:
        keep &= moves["specialty"].isin(list(specialties))
    if step_range is not None:
        lo, hi = step_range
        keep &= moves["step"].between(lo, hi)
    out = moves.loc[keep].copy()
    between = out["reason"].isin(BETWEEN_LABS)
    out = out.loc[~between | (out["from_lab"] != out["to_lab"])]
    out["from_lab"] = out["from_lab"].where(out["from_lab"] != "", ENTRY)
    out["to_lab"] = out["to_lab"].where(out["to_lab"] != "", EXIT)
    return out.reset_index(drop=True)


def pool_view(moves: pd.DataFrame, pools: Sequence[str], mode: str) -> pd.DataFrame:
    """Moves with the outside pools (see :func:`~dashboards.stats.pool_labs`) shown as
    themselves (``show``), merged into one node :data:`POOLS` (``aggregate``), or left
    out with every move from or to them (``hide``).
    """
    if mode not in POOL_MODES:
        raise ValueError(f"pool mode must be one of {POOL_MODES}, got {mode!r}")
    if mode == "show" or not len(pools) or moves.empty:
        return moves
    is_from, is_to = moves["from_lab"].isin(pools), moves["to_lab"].isin(pools)
    if mode == "hide":
        return moves.loc[~is_from & ~is_to].reset_index(drop=True)
    out = moves.copy()
    out.loc[is_from, "from_lab"] = POOLS
    out.loc[is_to, "to_lab"] = POOLS
    return out


def _ordered(names: Iterable[str], lab_order: Sequence[str] | None) -> list[str]:
    rank = {n: i for i, n in enumerate(lab_order or ())}
    tail = {ENTRY: 1, POOLS: 2, SPINOUTS: 3, OTHERS: 4, EXIT: 5}
    return sorted(set(names), key=lambda n: (tail.get(n, 0), rank.get(n, len(rank)), n))


def group_labs(
    moves: pd.DataFrame, lab_order: Sequence[str] | None = None, max_nodes: int = 16
) -> pd.DataFrame:
    """``moves`` with lab names grouped for display: spin-outs merged, and beyond
    ``max_nodes`` labs the ones with the least traffic merged into "Others" (labs in
    ``lab_order`` are kept in preference).
    """
    out = moves.copy()
    out["from_lab"] = out["from_lab"].map(lab_group)
    out["to_lab"] = out["to_lab"].map(lab_group)
    labs = pd.concat([out["from_lab"], out["to_lab"]])
    labs = labs[~labs.isin([ENTRY, EXIT])]
    traffic = labs.value_counts()
    if len(traffic) > max_nodes:
        pinned = set(lab_order or ())
        ranked = sorted(traffic.index, key=lambda n: (n not in pinned, -traffic[n]))
        keep = set(ranked[: max_nodes - 1])
        for col in ("from_lab", "to_lab"):
            out[col] = out[col].where(out[col].isin(keep | {ENTRY, EXIT}), OTHERS)
    return out


def flow_links(
    moves: pd.DataFrame, lab_order: Sequence[str] | None = None, max_nodes: int = 16
) -> pd.DataFrame:
    """Links of the flow Sankey from filtered moves (see :func:`filter_moves`).

    Returns one row per (from_lab, to_lab) with ``moves``, ``comp_change_median_usd``
    (median of new minus old comp) and ``comp_change_median_pct`` (median relative
    change over people with pay on both sides; NaN if none), sorted by from/to lab.
    """
    cols = ["from_lab", "to_lab", "moves", "comp_change_median_usd", "comp_change_median_pct"]
    if moves.empty:
        return pd.DataFrame(columns=cols)
    g = group_labs(moves, lab_order, max_nodes)
    g = g.loc[g["from_lab"] != g["to_lab"]]
    if g.empty:
        return pd.DataFrame(columns=cols)
    change = g["new_comp_usd"] - g["old_comp_usd"]
    paid = (g["old_comp_usd"] > 0) & (g["new_comp_usd"] > 0)
    pct = (g["new_comp_usd"] / g["old_comp_usd"] - 1).where(paid)
    g = g.assign(change=change, pct=pct)
    links = (
        g.groupby(["from_lab", "to_lab"], sort=False)
        .agg(
            moves=("person_id", "size"),
            comp_change_median_usd=("change", "median"),
            comp_change_median_pct=("pct", "median"),
        )
        .reset_index()
    )
    names = _ordered(pd.concat([links["from_lab"], links["to_lab"]]), lab_order)
    order = {n: i for i, n in enumerate(names)}
    links = links.sort_values(["from_lab", "to_lab"], key=lambda s: s.map(order)).reset_index(
        drop=True
    )
    return links[cols]


# -- flows ------------------------------------------------------------------------------


def _node_y(sizes: Sequence[float], pad: float = 0.03) -> list[float]:
    """Vertical centres (0 = top) of stacked nodes sized ``sizes``, in that order."""
    total = float(sum(sizes)) or 1.0
    room = max(0.2, 1.0 - pad * (len(sizes) - 1))
    ys, top = [], 0.0
    for size in sizes:
        height = room * size / total
        ys.append(min(0.999, max(0.001, top + height / 2)))
        top += height + pad
    return ys


def _sankey_nodes(links: pd.DataFrame, lab_order: Sequence[str] | None) -> dict:
    """Labels, colours, fixed positions and hover text of the two node columns.

    Node positions are set, not left to plotly's layout, so the order (scenario lab
    order, then the groups) is the same in every view and between runs.
    """
    left = _ordered(links["from_lab"], lab_order)
    right = _ordered(links["to_lab"], lab_order)
    out_totals = links.groupby("from_lab")["moves"].sum()
    in_totals = links.groupby("to_lab")["moves"].sum()
    colors = lab_colors(_ordered(list(lab_order or ()) + left + right, lab_order))
    labels = left + right
    return {
        "left": {n: i for i, n in enumerate(left)},
        "right": {n: len(left) + i for i, n in enumerate(right)},
        "colors": colors,
        "node": {
            "label": labels,
            "color": [colors.get(n, "#999") for n in labels],
            "x": [0.001] * len(left) + [0.999] * len(right),
            "y": _node_y([out_totals[n] for n in left]) + _node_y([in_totals[n] for n in right]),
            "pad": 10,
            "thickness": 16,
            "line": {"width": 0},
            "customdata": [f"{int(out_totals[n]):,} out" for n in left]
            + [f"{int(in_totals[n]):,} in" for n in right],
            "hovertemplate": "%{label}: %{customdata}<extra></extra>",
        },
    }


def _sankey_links(links: pd.DataFrame, nodes: dict) -> dict:
    pct = links["comp_change_median_pct"].astype(float)
    custom = np.column_stack(
        [
            links["comp_change_median_usd"].astype(float).map(usd_text),
            pct.map(lambda p: f" ({p:+.0%})" if np.isfinite(p) else ""),
        ]
    )
    colors = nodes["colors"]
    return {
        "source": [nodes["left"][n] for n in links["from_lab"]],
        "target": [nodes["right"][n] for n in links["to_lab"]],
        "value": links["moves"].astype(int).tolist(),
        "color": [_rgba(colors.get(n, "#999999"), 0.45) for n in links["from_lab"]],
        "customdata": custom,
        "hovertemplate": (
            "%{source.label} → %{target.label}<br>%{value:,d} moves<br>"
            "median comp change: %{customdata[0]}%{customdata[1]}<extra></extra>"
        ),
    }


def _side_labels() -> list[dict]:
    common = {"y": 1.05, "xref": "paper", "yref": "paper", "showarrow": False}
    return [
        {"text": "<b>from</b>", "x": 0, "xanchor": "left", **common},
        {"text": "<b>to</b>", "x": 1, "xanchor": "right", **common},
    ]


def sankey_figure(
    moves: pd.DataFrame,
    lab_order: Sequence[str] | None = None,
    *,
    title: str = "",
    max_nodes: int = 16,
    height: int = 520,
) -> go.Figure:
    """Talent flows as a Sankey: from-labs on the left, to-labs on the right, in a
    fixed order (``lab_order``, then the groups) so that views can be compared.

    Args:
        moves: filtered moves (:func:`filter_moves`, :func:`pool_view`); columns
            from_lab, to_lab, person_id, old_comp_usd, new_comp_usd.
        lab_order: node order and colour assignment (the scenario's labs).
        title: figure title.
        max_nodes: labs shown on each side before the rest become "Others".
        height: pixels.

    Link hover shows the number of moves and the median comp change. With no link the
    figure is an empty state (a Sankey with zero links makes plotly.js throw).
    """
    links = flow_links(moves, lab_order, max_nodes)
    if links.empty:
        return empty_figure("No moves between labs in this selection", height)
    nodes = _sankey_nodes(links, lab_order)
    sankey = go.Sankey(
        arrangement="fixed",
        valueformat=",d",
        node=nodes["node"],
        link=_sankey_links(links, nodes),
    )
    fig = go.Figure(sankey)
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 15}} if title else None,
        height=height,
        margin={"l": 10, "r": 10, "t": 50 if title else 30, "b": 10},
        font=FONT,
        annotations=_side_labels(),
    )
    return fig


def flow_matrix_figure(
    moves: pd.DataFrame,
    lab_order: Sequence[str] | None = None,
    *,
    max_nodes: int = 16,
    height: int = 480,
) -> go.Figure:
    """Heatmap of move counts: from-lab rows by to-lab columns, counts printed."""
    links = flow_links(moves, lab_order, max_nodes)
    if links.empty:
        return empty_figure("No moves between labs in this selection", height)
    rows = _ordered(links["from_lab"], lab_order)
    cols = _ordered(links["to_lab"], lab_order)
    matrix = (
        links.pivot_table(index="from_lab", columns="to_lab", values="moves", aggfunc="sum")
        .reindex(index=rows, columns=cols)
        .fillna(0)
        .astype(int)
    )
    text = np.where(matrix.to_numpy() > 0, matrix.to_numpy().astype(str), "")
    fig = go.Figure(
        go.Heatmap(
            z=matrix.to_numpy(),
            x=cols,
            y=rows,
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            colorbar={"title": {"text": "moves"}, "thickness": 14},
            xgap=1,
            ygap=1,
            hovertemplate="%{y} → %{x}: %{z:,d} moves<extra></extra>",
        )
    )
    fig.update_layout(
        height=height,
        # the axes named in a title at the left, clear of the mode bar at the top right
        title={
            "text": "from ↓  to →",
            "x": 0.01,
            "xanchor": "left",
            "y": 0.99,
            "yref": "container",
            "yanchor": "top",
        },
        margin={"l": 10, "r": 10, "t": 110, "b": 10, "autoexpand": True},
        font=FONT,
        xaxis={"side": "top", "tickangle": -30},
        yaxis={"autorange": "reversed"},
        plot_bgcolor="white",
    )
    return fig


def moves_rows(moves: pd.DataFrame, limit: int = 5000) -> pd.DataFrame:
    """The moves table for the browsable grid: month, person, name (named people), from,
    to, specialty, skill, old and new pay, pay change, reason; newest first, at most
    ``limit`` rows.
    """
    cols = [
        "month",
        "person_id",
        "name",
        "from_lab",
        "to_lab",
        "specialty",
        "skill",
        "old_comp_usd",
        "new_comp_usd",
        "reason",
    ]
    out = moves[[c for c in cols if c in moves]].copy()
    out["comp_change_usd"] = out["new_comp_usd"] - out["old_comp_usd"]
    newest = moves["step"].to_numpy().argsort(kind="stable")[::-1]
    return out.iloc[newest].head(limit).reset_index(drop=True)


# -- series with bands --------------------------------------------------------------------

SERIES: tuple[tuple[str, str, str], ...] = (
    ("headcount", "Headcount (people)", "linear"),
    ("comp_median_usd", "Median comp (USD/year)", "linear"),
    ("comp_p90_usd", "p90 comp (USD/year)", "linear"),
    ("gpus_per_researcher", "GPUs per researcher (H100e)", "log"),
    ("capability", "Capability (index, log)", "log"),
    ("research", "Researchers (people)", "linear"),
)
"""Panels of :func:`timeseries_figure`: column, title, y-axis type."""

DRIVERS: tuple[tuple[str, str, str], ...] = (
    ("budget_usd", "Budget (USD/year)", "log"),
    ("payroll_usd", "Payroll (USD/year)", "log"),
    ("utilisation", "Compute utilisation (share)", "linear"),
    ("layoffs", "Layoffs (people/month)", "linear"),
    ("hires_between_labs", "Hires from other labs (people/month)", "linear"),
    ("hires_graduates", "Graduate hires (people/month)", "linear"),
)
"""Panels of :func:`drivers_figure`: column, title, y-axis type."""

POSITIVE_ONLY = frozenset({"gpus_per_researcher", "capability", "budget_usd", "payroll_usd"})


def month_dtick(n_months: int) -> str:
    """A month tick spacing that never falls to days: M1 up to a year, then wider."""
    for limit, dtick in ((12, "M1"), (36, "M3"), (96, "M12")):
        if n_months <= limit:
            return dtick
    return "M24"


def _hover(column: str) -> str:
    value = "$%{y:,.3~s}" if column.endswith("_usd") else "%{y:,.3~s}"
    return f"%{{fullData.name}}<br>%{{x|%Y-%m}}: {value}<extra></extra>"


def _band_traces(band: pd.DataFrame, column: str, name: str, color: str, first: bool) -> list:
    """A lab's mean line and, with several seeds, its min–max band over seeds."""
    visible = "legendonly" if name == SPINOUTS else True
    mean, lo, hi = band["mean"], band["lo"], band["hi"]
    if column in POSITIVE_ONLY:
        mean, lo, hi = (s.where(s > 0) for s in (mean, lo, hi))
    line = go.Scatter(
        x=band["x"],
        y=mean,
        name=name,
        legendgroup=name,
        showlegend=first,
        visible=visible,
        mode="lines",
        line={"color": color, "width": 2},
        hovertemplate=_hover(column),
    )
    if not (band["hi"] > band["lo"]).any():
        return [line]
    area = go.Scatter(
        x=[*band["x"], *band["x"][::-1]],
        y=[*hi, *lo[::-1]],
        fill="toself",
        fillcolor=_rgba(color, 0.18),
        line={"width": 0},
        hoverinfo="skip",
        legendgroup=name,
        showlegend=False,
        visible=visible,
        name=name,
    )
    return [area, line]


def band_figure(
    frames: Sequence[pd.DataFrame],
    panels: Sequence[tuple[str, str, str]],
    lab_order: Sequence[str] | None = None,
    *,
    height: int = 600,
) -> go.Figure:
    """Per-lab monthly series, one panel per ``panels`` entry (column, title, axis
    type): the mean over seeds as a line and, with more than one seed, the range over
    seeds as a band. Spin-outs are one group that starts hidden (legend toggles).
    """
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty_figure("No lab records in this run", height)
    fig = make_subplots(
        rows=2,
        cols=3,
        subplot_titles=[t for _, t, _ in panels],
        horizontal_spacing=0.07,
        vertical_spacing=0.14,
        shared_xaxes=True,
    )
    names = _ordered(frames[0]["lab"].map(lab_group).unique(), lab_order)
    colors = lab_colors(names)
    for k, (column, _, axis) in enumerate(panels):
        if column not in frames[0]:
            continue
        table = bands(frames, column)
        for name in names:
            band = table.loc[table["lab"] == name]
            for trace in _band_traces(band, column, name, colors[name], k == 0):
                fig.add_trace(trace, row=k // 3 + 1, col=k % 3 + 1)
        fig.update_yaxes(type=axis, row=k // 3 + 1, col=k % 3 + 1, gridcolor="#eee")
    n_months = int(frames[0]["step"].max()) + 1
    fig.update_xaxes(gridcolor="#eee", dtick=month_dtick(n_months), tickformat="%Y-%m")
    seeds = f"mean of {len(frames)} seeds; band: range over seeds" if len(frames) > 1 else ""
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        font=FONT,
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.08, "x": 0},
        hovermode="closest",
        title={"text": seeds, "x": 0.01, "y": 0.99, "font": {"size": 12}},
    )
    return fig


def timeseries_figure(
    labs: pd.DataFrame | Sequence[pd.DataFrame],
    lab_order: Sequence[str] | None = None,
    *,
    height: int = 600,
) -> go.Figure:
    """Per-lab monthly outcomes (:data:`SERIES`) of one run or of its seeds (bands)."""
    frames = [labs] if isinstance(labs, pd.DataFrame) else list(labs)
    return band_figure(frames, SERIES, lab_order, height=height)


def drivers_figure(
    frames: Sequence[pd.DataFrame], lab_order: Sequence[str] | None = None, *, height: int = 600
) -> go.Figure:
    """What drives the outcomes (:data:`DRIVERS`): budget, payroll, utilisation,
    layoffs and hires by reason per lab, from :func:`~dashboards.stats.driver_frame`
    of each seed.
    """
    return band_figure(frames, DRIVERS, lab_order, height=height)


# -- compare ------------------------------------------------------------------------------

COMPARE_METRICS: tuple[tuple[str, str], ...] = (
    ("headcount", "Headcount (people)"),
    ("net_flow", "Net flow (poached in - out)"),
    ("comp_median_usd", "Median comp (USD/year)"),
    ("capability", "Capability (index)"),
)
"""Metrics of the compare figure: column, title (the grid adds more)."""


def _change_bars(table: pd.DataFrame, metric: str) -> go.Bar:
    """Mean paired change per lab, with its 95% interval; grey when within noise."""
    delta = table[f"{metric}_delta"]
    noise = table[f"{metric}_noise"]
    colors = [
        "#b0b7c3" if n is True else "#1f77b4" if d >= 0 else "#d62728"
        for d, n in zip(delta.fillna(0), noise, strict=True)
    ]
    has_ci = table[f"{metric}_hi"].notna().any()
    error = {
        "type": "data",
        "symmetric": False,
        "color": "#444",
        "thickness": 1.2,
        "array": table[f"{metric}_hi"] - delta,
        "arrayminus": delta - table[f"{metric}_lo"],
    }
    money = "$" if metric.endswith("_usd") else ""
    return go.Bar(
        x=table["lab"],
        y=delta,
        marker_color=colors,
        showlegend=False,
        error_y=error if has_ci else None,
        hovertemplate=f"%{{x}}: change {money}%{{y:+,.3~s}}<extra></extra>",
    )


def compare_figure(
    table: pd.DataFrame, lab_order: Sequence[str] | None = None, *, height: int = 520
) -> go.Figure:
    """Per-lab change (current - baseline) of each :data:`COMPARE_METRICS` metric
    from :func:`~dashboards.stats.paired_differences`: the mean over paired seeds
    with its 95% interval; grey bars are within noise (the interval holds 0).
    """
    if table.empty:
        return empty_figure("Pin a baseline, change a policy and run again to compare", height)
    order = _ordered(table["lab"], lab_order)
    table = table.set_index("lab").loc[order].reset_index()
    fig = make_subplots(
        rows=2,
        cols=2,
        subplot_titles=[f"Change in {t.lower()}" for _, t in COMPARE_METRICS],
        vertical_spacing=0.22,
        horizontal_spacing=0.08,
    )
    for k, (metric, _) in enumerate(COMPARE_METRICS):
        fig.add_trace(_change_bars(table, metric), row=k // 2 + 1, col=k % 2 + 1)
    pairs = table.attrs.get("pairs", 0)
    note = (
        f"mean of {pairs} paired seeds, bars: 95% interval; grey: within noise"
        if pairs > 1
        else "one seed each: no interval (run more seeds to see the noise)"
    )
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        font=FONT,
        plot_bgcolor="white",
        title={"text": note, "x": 0.01, "font": {"size": 12}},
    )
    fig.update_xaxes(tickangle=-35)
    fig.update_yaxes(gridcolor="#eee", zeroline=True, zerolinecolor="#888")
    return fig
