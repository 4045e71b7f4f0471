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

SPINOUTS = "Spin-outs"
OTHERS = "Others"
ENTRY = "Graduates & pool"
EXIT = "Left the market"
BETWEEN_LABS = ("poached", "spin_out")
ENTRY_REASONS = ("graduate_hire", "rehire")
EXIT_REASONS = ("attrition", "layoff")

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
GROUP_COLORS = {SPINOUTS: "#a6a6a6", OTHERS: "#c7c7c7", ENTRY: "#4daf4a", EXIT: "#555555"}
FONT = {"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 13}


# -- helpers ----------------------------------------------------------------------------


def lab_group(name: str) -> str:
    """The display group of a lab name: spin-outs are merged, others kept."""
    return SPINOUTS if str(name).startswith("Spin-out") else str(name)


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


def _ordered(names: Iterable[str], lab_order: Sequence[str] | None) -> list[str]:
    rank = {n: i for i, n in enumerate(lab_order or ())}
    tail = {ENTRY: 1, SPINOUTS: 2, OTHERS: 3, EXIT: 4}
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


# -- figures ------------------------------------------------------------------------------


def sankey_figure(
    moves: pd.DataFrame,
    lab_order: Sequence[str] | None = None,
    *,
    title: str = "",
    max_nodes: int = 16,
    height: int = 520,
) -> go.Figure:
    """Talent flows as a Sankey: from-labs on the left, to-labs on the right.

    Args:
        moves: filtered moves (:func:`filter_moves`); columns from_lab, to_lab,
            person_id, old_comp_usd, new_comp_usd.
        lab_order: preferred node order and colour assignment (the scenario's labs).
        title: figure title.
        max_nodes: labs shown on each side before the rest become "Others".
        height: pixels.

    Link hover shows the number of moves and the median comp change.
    """
    links = flow_links(moves, lab_order, max_nodes)
    if links.empty:
        return empty_figure("No moves between labs in this selection", height)
    left = _ordered(links["from_lab"], lab_order)
    right = _ordered(links["to_lab"], lab_order)
    colors = lab_colors(_ordered(list(lab_order or ()) + left + right, lab_order))
    labels = left + right
    index_left = {n: i for i, n in enumerate(left)}
    index_right = {n: len(left) + i for i, n in enumerate(right)}
    pct = links["comp_change_median_pct"].astype(float)
    custom = np.column_stack(
        [
            links["comp_change_median_usd"].astype(float).map(usd_text),
            pct.map(lambda p: f" ({p:+.0%})" if np.isfinite(p) else ""),
        ]
    )
    out_totals = links.groupby("from_lab")["moves"].sum()
    in_totals = links.groupby("to_lab")["moves"].sum()
    node_custom = [f"{int(out_totals[n]):,} out" for n in left] + [
        f"{int(in_totals[n]):,} in" for n in right
    ]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",d",
            node={
                "label": labels,
                "color": [colors.get(n, "#999") for n in labels],
                "pad": 14,
                "thickness": 16,
                "line": {"width": 0},
                "customdata": node_custom,
                "hovertemplate": "%{label}: %{customdata}<extra></extra>",
            },
            link={
                "source": [index_left[n] for n in links["from_lab"]],
                "target": [index_right[n] for n in links["to_lab"]],
                "value": links["moves"].astype(int).tolist(),
                "color": [_rgba(colors.get(n, "#999999"), 0.45) for n in links["from_lab"]],
                "customdata": custom,
                "hovertemplate": (
                    "%{source.label} → %{target.label}<br>%{value:,d} moves<br>"
                    "median comp change: %{customdata[0]}%{customdata[1]}<extra></extra>"
                ),
            },
        )
    )
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 15}} if title else None,
        height=height,
        margin={"l": 10, "r": 10, "t": 50 if title else 30, "b": 10},
        font=FONT,
        annotations=[
            {
                "text": "<b>from</b>",
                "x": 0,
                "y": 1.05,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "xanchor": "left",
            },
            {
                "text": "<b>to</b>",
                "x": 1,
                "y": 1.05,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "xanchor": "right",
            },
        ],
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
            colorbar={"title": {"text": "moves"}},
            hovertemplate="%{y} → %{x}: %{z:,d} moves<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        font=FONT,
        xaxis={"title": {"text": "to"}, "side": "top", "tickangle": -30},
        yaxis={"title": {"text": "from"}, "autorange": "reversed"},
        plot_bgcolor="white",
    )
    return fig


SERIES: tuple[tuple[str, str, str], ...] = (
    ("headcount", "Headcount (people)", "linear"),
    ("comp_median_usd", "Median comp (USD/year)", "linear"),
    ("comp_p90_usd", "p90 comp (USD/year)", "linear"),
    ("gpus_per_researcher", "GPUs per researcher (H100e)", "log"),
    ("capability", "Capability (index, log)", "log"),
    ("research", "Researchers (people)", "linear"),
)
"""Panels of :func:`timeseries_figure`: column, title, y-axis type."""


def timeseries_figure(
    labs: pd.DataFrame, lab_order: Sequence[str] | None = None, *, height: int = 640
) -> go.Figure:
    """Per-lab monthly series: headcount, median and p90 comp, GPUs per researcher,
    capability and researchers, one panel each; spin-outs start hidden (legend toggles).
    """
    if labs.empty:
        return empty_figure("No lab records in this run", height)
    order = _ordered(labs["lab"].map(lab_group).unique(), lab_order)
    names = [n for n in (lab_order or ()) if n in set(labs["lab"])]
    names += sorted(set(labs["lab"]) - set(names), key=lambda n: (lab_group(n) == SPINOUTS, n))
    colors = lab_colors(order)
    fig = make_subplots(
        rows=2,
        cols=3,
        subplot_titles=[title for _, title, _ in SERIES],
        horizontal_spacing=0.07,
        vertical_spacing=0.14,
        shared_xaxes=True,
    )
    x_col = "month" if "month" in labs else "step"
    first_spinout = True
    for name in names:
        df = labs.loc[labs["lab"] == name].sort_values("step")
        group = lab_group(name)
        spinout = group == SPINOUTS
        for k, (col, _, _) in enumerate(SERIES):
            if col not in df:
                continue
            y = df[col].astype(float)
            if col in ("gpus_per_researcher", "capability"):
                y = y.where(y > 0)
            fig.add_trace(
                go.Scatter(
                    x=df[x_col],
                    y=y,
                    name=group,
                    legendgroup=group,
                    showlegend=k == 0 and (not spinout or first_spinout),
                    visible="legendonly" if spinout else True,
                    mode="lines",
                    line={"color": colors[group], "width": 1 if spinout else 2},
                    hovertemplate=f"{name}<br>%{{x}}: %{{y:,.3~s}}<extra></extra>",
                ),
                row=k // 3 + 1,
                col=k % 3 + 1,
            )
        if spinout:
            first_spinout = False
    for k, (_, _, axis_type) in enumerate(SERIES):
        fig.update_yaxes(type=axis_type, row=k // 3 + 1, col=k % 3 + 1, gridcolor="#eee")
    fig.update_xaxes(gridcolor="#eee", nticks=6)
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        font=FONT,
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.08, "x": 0},
        hovermode="closest",
    )
    return fig


COMPARE_METRICS: tuple[tuple[str, str], ...] = (
    ("headcount", "Headcount (people)"),
    ("net_flow", "Net flow (poached in - out)"),
    ("comp_median_usd", "Median comp (USD/year)"),
    ("capability", "Capability (index)"),
)
"""Metrics of :func:`compare_table` and :func:`compare_figure`: column, title."""


def compare_table(baseline: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Per-lab end-of-run metrics of two runs side by side with differences.

    Columns: lab, then for each metric ``<m>_baseline``, ``<m>_current``, ``<m>_delta``
    (current minus baseline; NaN where a lab exists in only one run). Rows follow the
    baseline's lab order, then labs only in the current run.
    """
    metrics = [m for m, _ in COMPARE_METRICS] + ["talent_share", "retention_24m"]
    labs = list(baseline["lab"]) + [n for n in current["lab"] if n not in set(baseline["lab"])]
    out = pd.DataFrame({"lab": labs})
    b = baseline.set_index("lab")
    c = current.set_index("lab")
    for m in metrics:
        bv = out["lab"].map(b[m]) if m in b else np.nan
        cv = out["lab"].map(c[m]) if m in c else np.nan
        out[f"{m}_baseline"] = pd.to_numeric(bv, errors="coerce")
        out[f"{m}_current"] = pd.to_numeric(cv, errors="coerce")
        out[f"{m}_delta"] = out[f"{m}_current"] - out[f"{m}_baseline"]
    return out


def compare_figure(
    baseline: pd.DataFrame,
    current: pd.DataFrame,
    lab_order: Sequence[str] | None = None,
    *,
    height: int = 560,
) -> go.Figure:
    """Grouped bars, baseline vs current, for each metric of :data:`COMPARE_METRICS`;
    bars whose value changed by more than 5% carry the change as a label.
    """
    if baseline.empty or current.empty:
        return empty_figure("Pin a baseline, change a policy and run again to compare", height)
    table = compare_table(baseline, current)
    table["group"] = table["lab"].map(lab_group)
    table = table.loc[table["group"] != SPINOUTS]
    order = _ordered(table["lab"], lab_order)
    table = table.set_index("lab").loc[order].reset_index()
    fig = make_subplots(
        rows=2,
        cols=2,
        subplot_titles=[t for _, t in COMPARE_METRICS],
        vertical_spacing=0.2,
        horizontal_spacing=0.08,
    )
    for k, (m, _) in enumerate(COMPARE_METRICS):
        row, col = k // 2 + 1, k % 2 + 1
        base = table[f"{m}_baseline"]
        cur = table[f"{m}_current"]
        delta = table[f"{m}_delta"]
        rel = delta / base.abs().where(base.abs() > 0)
        labels = [
            (f"{d:+.0%}" if np.isfinite(r) and abs(r) >= 0.05 else "")
            if m != "net_flow"
            else (f"{d:+,.0f}" if np.isfinite(d) and d != 0 else "")
            for d, r in zip(rel if m != "net_flow" else delta, rel, strict=True)
        ]
        fig.add_trace(
            go.Bar(
                x=table["lab"],
                y=base,
                name="baseline",
                legendgroup="baseline",
                marker_color="#b0b7c3",
                showlegend=k == 0,
                hovertemplate="%{x} baseline: %{y:,.3~s}<extra></extra>",
            ),
            row=row,
            col=col,
        )
        fig.add_trace(
            go.Bar(
                x=table["lab"],
                y=cur,
                name="current",
                legendgroup="current",
                marker_color="#1f77b4",
                showlegend=k == 0,
                text=labels,
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{x} current: %{y:,.3~s}<extra></extra>",
            ),
            row=row,
            col=col,
        )
    fig.update_layout(
        barmode="group",
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        font=FONT,
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.08, "x": 1, "xanchor": "right"},
    )
    fig.update_xaxes(tickangle=-35)
    fig.update_yaxes(gridcolor="#eee")
    return fig
