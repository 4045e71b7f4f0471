"""Unit tests of the pure figure functions on small hand-made frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards import figures as F
from dashboards import stats

MOVE_COLS = [
    "step",
    "month",
    "person_id",
    "from_lab",
    "to_lab",
    "specialty",
    "skill",
    "old_comp_usd",
    "new_comp_usd",
    "reason",
]


def moves_frame(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (step, from, to, specialty, old, new, reason)."""
    records = [
        (s, f"2025-{s:02d}", i, a, b, sp, 1.0, old, new, r)
        for i, (s, a, b, sp, old, new, r) in enumerate(rows)
    ]
    return pd.DataFrame.from_records(records, columns=MOVE_COLS)


@pytest.fixture
def moves() -> pd.DataFrame:
    return moves_frame(
        [
            (1, "OpenAI", "Meta", "research", 1e6, 3e6, "poached"),
            (2, "OpenAI", "Meta", "research", 1e6, 2e6, "poached"),
            (3, "OpenAI", "Meta", "infrastructure", 5e5, 6e5, "poached"),
            (3, "xAI", "OpenAI", "infrastructure", 4e5, 8e5, "poached"),
            (4, "OpenAI", "Spin-out 1 (OpenAI)", "research", 2e6, 1e6, "spin_out"),
            (4, "Anthropic", "Spin-out 2 (Anthropic)", "research", 2e6, 1e6, "spin_out"),
            (5, "Meta", "Meta", "research", 1e6, 1.2e6, "countered"),
            (5, "", "Meta", "product", 0.0, 2e5, "graduate_hire"),
            (6, "xAI", "", "product", 3e5, 0.0, "attrition"),
        ]
    )


def _is_empty_state(fig: go.Figure) -> bool:
    return len(fig.data) == 0 and len(fig.layout.annotations) == 1


# -- filtering and links ---------------------------------------------------------------------


def test_filter_moves_keeps_only_changes_of_employer(moves: pd.DataFrame) -> None:
    out = F.filter_moves(moves)
    assert set(out["reason"]) == {"poached", "spin_out"}
    assert len(out) == 6
    assert not (out["from_lab"] == out["to_lab"]).any()


def test_filter_moves_by_specialty_and_window(moves: pd.DataFrame) -> None:
    out = F.filter_moves(moves, specialties=["infrastructure"], step_range=(3, 3))
    assert list(out["from_lab"]) == ["OpenAI", "xAI"]
    assert F.filter_moves(moves, specialties=[]).empty


def test_filter_moves_entry_exit_get_named_nodes(moves: pd.DataFrame) -> None:
    out = F.filter_moves(moves, include_entry_exit=True)
    assert (out["from_lab"] == F.ENTRY).sum() == 1
    assert (out["to_lab"] == F.EXIT).sum() == 1


def test_flow_links_counts_groups_spinouts_and_medians(moves: pd.DataFrame) -> None:
    links = F.flow_links(F.filter_moves(moves), lab_order=["OpenAI", "Anthropic", "Meta", "xAI"])
    by = links.set_index(["from_lab", "to_lab"])
    assert by.loc[("OpenAI", "Meta"), "moves"] == 3
    assert by.loc[("OpenAI", "Meta"), "comp_change_median_usd"] == pytest.approx(1e6)
    assert by.loc[("OpenAI", "Meta"), "comp_change_median_pct"] == pytest.approx(1.0)
    assert by.loc[("OpenAI", F.SPINOUTS), "moves"] == 1
    assert by.loc[("Anthropic", F.SPINOUTS), "moves"] == 1
    assert links["moves"].sum() == 6
    # the scenario's order first: OpenAI's links before Anthropic's before xAI's
    assert list(dict.fromkeys(links["from_lab"])) == ["OpenAI", "Anthropic", "xAI"]


def test_group_labs_merges_smallest_into_others() -> None:
    rows = [
        (1, f"L{i}", "Big", "research", 1.0, 2.0, "poached") for i in range(6) for _ in range(i + 1)
    ]
    grouped = F.group_labs(moves_frame(rows), lab_order=["Big"], max_nodes=4)
    kept = set(grouped["from_lab"]) | set(grouped["to_lab"])
    assert kept == {"Big", "L5", "L4", F.OTHERS}


# -- Sankey ------------------------------------------------------------------------------------


def test_sankey_has_from_labs_left_and_to_labs_right(moves: pd.DataFrame) -> None:
    fig = F.sankey_figure(F.filter_moves(moves), ["OpenAI", "Anthropic", "Meta", "xAI"])
    (trace,) = fig.data
    assert trace.type == "sankey"
    labels = list(trace.node.label)
    sources = set(trace.link.source)
    targets = set(trace.link.target)
    assert sources.isdisjoint(targets)  # two columns of nodes
    assert {labels[i] for i in sources} == {"OpenAI", "Anthropic", "xAI"}
    assert {labels[i] for i in targets} == {"Meta", "OpenAI", F.SPINOUTS}
    assert sum(trace.link.value) == 6
    assert "median comp change" in trace.link.hovertemplate
    i = next(
        k
        for k, (s, t) in enumerate(zip(trace.link.source, trace.link.target, strict=True))
        if labels[s] == "OpenAI" and labels[t] == "Meta"
    )
    assert trace.link.value[i] == 3
    assert list(trace.link.customdata[i]) == ["+$1.00M", " (+100%)"]


def test_sankey_empty_state_instead_of_zero_links(moves: pd.DataFrame) -> None:
    for frame in (moves.iloc[0:0], F.filter_moves(moves, specialties=["product"])):
        fig = F.sankey_figure(frame)
        assert _is_empty_state(fig)
        assert "No moves" in fig.layout.annotations[0].text
    fig.to_json()  # serialisable for Dash


def test_flow_matrix_counts(moves: pd.DataFrame) -> None:
    fig = F.flow_matrix_figure(F.filter_moves(moves), ["OpenAI", "Anthropic", "Meta", "xAI"])
    (trace,) = fig.data
    z = pd.DataFrame(trace.z, index=list(trace.y), columns=list(trace.x))
    assert z.loc["OpenAI", "Meta"] == 3
    assert z.loc["xAI", "OpenAI"] == 1
    assert z.to_numpy().sum() == 6
    assert fig.layout.title.text.startswith("from")  # the axes are named in the title
    assert _is_empty_state(F.flow_matrix_figure(moves.iloc[0:0]))


# -- time series ---------------------------------------------------------------------------------


def labs_frame() -> pd.DataFrame:
    rows = []
    for step in range(3):
        for lab, hc in (("OpenAI", 100), ("Meta", 80), ("Spin-out 1 (OpenAI)", 5)):
            if lab.startswith("Spin") and step == 0:
                continue
            rows.append(
                {
                    "step": step,
                    "month": f"2025-{step + 1:02d}",
                    "lab": lab,
                    "headcount": hc + step,
                    "research": hc // 2,
                    "comp_median_usd": 5e5,
                    "comp_p90_usd": 1e6,
                    "gpus_per_researcher": 0.0 if step == 0 else 100.0,
                    "capability": 1.0 + step,
                }
            )
    return pd.DataFrame(rows)


def test_timeseries_panels_and_lines() -> None:
    fig = F.timeseries_figure(labs_frame(), ["OpenAI", "Meta"])
    titles = [a.text for a in fig.layout.annotations]
    for _, title, _ in F.SERIES:
        assert title in titles
    assert len(fig.data) == 3 * len(F.SERIES)
    openai_headcount = next(t for t in fig.data if t.name == "OpenAI")
    assert list(openai_headcount.y) == [100, 101, 102]
    spin = [t for t in fig.data if t.name == F.SPINOUTS]
    assert spin and all(t.visible == "legendonly" for t in spin)
    # zero GPUs per researcher cannot go on a log axis: drawn as a gap
    gpus = next(t for t in fig.data if t.name == "OpenAI" and t.xaxis == "x4")
    assert np.isnan(gpus.y[0])
    assert fig.layout.yaxis4.type == "log"


def test_timeseries_empty() -> None:
    assert _is_empty_state(F.timeseries_figure(labs_frame().iloc[0:0]))


# -- compare ---------------------------------------------------------------------------------


def summary_frame(headcount: dict[str, int], net: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lab": list(headcount),
            "headcount": list(headcount.values()),
            "net_flow": [net[k] for k in headcount],
            "comp_median_usd": 5e5,
            "capability": 2.0,
            "talent_share": 0.5,
            "retention_24m": np.nan,
        }
    )


def test_paired_differences_intervals_and_noise() -> None:
    # three seeds: OpenAI's change is always -10 (no noise), Meta's is +1, -1, 0
    base = [
        summary_frame({"OpenAI": 100 + k, "Meta": 80}, {"OpenAI": 5, "Meta": -5}) for k in range(3)
    ]
    cur = [
        summary_frame(
            {"OpenAI": 90 + k, "Meta": 80 + d, "Spin-out 1 (OpenAI)": 3, "Spin-out 2 (Meta)": 2},
            {"OpenAI": 0, "Meta": -5, "Spin-out 1 (OpenAI)": 0, "Spin-out 2 (Meta)": 0},
        )
        for k, d in enumerate((1, -1, 0))
    ]
    t = stats.paired_differences(base, cur, ["headcount", "net_flow"]).set_index("lab")
    assert list(t.index) == ["OpenAI", "Meta", F.SPINOUTS]  # spin-outs merged into one row
    assert t.loc["OpenAI", "headcount_delta"] == pytest.approx(-10)
    assert t.loc["OpenAI", "headcount_noise"] is False
    assert t.loc["OpenAI", "headcount_lo"] == pytest.approx(-10)
    assert t.loc["Meta", "headcount_noise"] is True
    assert t.loc["Meta", "headcount_lo"] < 0 < t.loc["Meta", "headcount_hi"]
    assert t.loc[F.SPINOUTS, "headcount_current"] == 5
    assert np.isnan(t.loc[F.SPINOUTS, "headcount_baseline"])
    one = stats.paired_differences(base[:1], cur[:1], ["headcount"]).set_index("lab")
    assert one.loc["OpenAI", "headcount_noise"] is None  # one pair: no interval
    assert np.isnan(one.loc["OpenAI", "headcount_lo"])


def test_compare_figure_greys_what_is_within_noise() -> None:
    base = [
        summary_frame({"OpenAI": 100 + k, "Meta": 80}, {"OpenAI": 5, "Meta": -5}) for k in range(3)
    ]
    cur = [
        summary_frame({"OpenAI": 150 + k, "Meta": 80 + d}, {"OpenAI": 5, "Meta": -5})
        for k, d in enumerate((2, -2, 1))
    ]
    table = stats.paired_differences(base, cur, [m for m, _ in F.COMPARE_METRICS])
    fig = F.compare_figure(table, ["OpenAI", "Meta"])
    bars = [t for t in fig.data if t.type == "bar"]
    assert len(bars) == len(F.COMPARE_METRICS)
    headcount = bars[0]
    assert list(headcount.x) == ["OpenAI", "Meta"]
    assert list(headcount.y) == pytest.approx([50, 1 / 3])
    assert headcount.marker.color[0] != "#b0b7c3"  # a real change
    assert headcount.marker.color[1] == "#b0b7c3"  # within noise
    assert headcount.error_y.array is not None


def test_compare_figure_empty() -> None:
    assert _is_empty_state(F.compare_figure(pd.DataFrame()))


def test_bands_over_seeds_and_month_ticks() -> None:
    frames = [
        pd.DataFrame({"step": [0, 1, 0, 1], "month": ["2024-12", "2025-01"] * 2,
                      "lab": ["A", "A", "Spin-out 1 (A)", "Spin-out 1 (A)"],
                      "headcount": [10 + k, 12 + k, 1, 2]})
        for k in (0, 4)
    ]  # fmt: skip
    b = stats.bands(frames, "headcount").set_index(["lab", "step"])
    assert b.loc[("A", 1), "mean"] == 14 and b.loc[("A", 1), "lo"] == 12
    assert b.loc[("A", 1), "hi"] == 16
    fig = F.timeseries_figure(frames, ["A"])
    fills = [t for t in fig.data if t.fill == "toself"]
    assert fills  # a band per lab and panel
    assert fig.layout.xaxis.dtick == "M1"  # a one-month run gets month ticks, not days
    assert F.month_dtick(120) == "M24"
    single = F.timeseries_figure(frames[0], ["A"])
    assert not [t for t in single.data if t.fill == "toself"]


def test_drivers_from_moves() -> None:
    labs = pd.DataFrame({"step": [1, 1], "month": ["2025-01"] * 2, "lab": ["A", "B"],
                         "budget_usd": [1e6, 2e6], "payroll_usd": [5e5, 1e6],
                         "utilisation": [0.5, 0.6]})  # fmt: skip
    moves = pd.DataFrame({"step": [1, 1, 1, 1], "from_lab": ["A", "A", "", "B"],
                          "to_lab": ["", "B", "A", "A"],
                          "reason": ["layoff", "poached", "graduate_hire", "rehire"]})  # fmt: skip
    d = stats.driver_frame(labs, moves).set_index("lab")
    assert d.loc["A", "layoffs"] == 1 and d.loc["B", "layoffs"] == 0
    assert d.loc["B", "hires_between_labs"] == 1
    assert d.loc["A", "hires_graduates"] == 1 and d.loc["A", "hires_rehired"] == 1
    fig = F.drivers_figure([d.reset_index()], ["A", "B"])
    assert {t.name for t in fig.data} == {"A", "B"}
    assert any("$" in t.hovertemplate for t in fig.data)  # USD hover values carry "$"


def test_helpers() -> None:
    assert F.usd_text(1.5e6) == "+$1.50M"
    assert F.usd_text(-2e4) == "-$20k"
    assert F.usd_text(float("nan")) == "n/a"
    colors = F.lab_colors(["A", "B", "A"])
    assert colors["A"] != colors["B"]
    assert F.lab_group("Spin-out 12 (Meta)") == F.SPINOUTS


def test_pools_shown_merged_or_hidden(moves: pd.DataFrame) -> None:
    pools = ["Academia & outside"]
    m = moves.copy()
    m.loc[0, "from_lab"] = "Academia & outside"
    between = F.filter_moves(m)
    merged = F.pool_view(between, pools, "aggregate")
    assert F.POOLS in set(merged["from_lab"]) and "Academia & outside" not in set(
        merged["from_lab"]
    )
    hidden = F.pool_view(between, pools, "hide")
    assert not set(hidden["from_lab"]) & set(pools) and len(hidden) == len(between) - 1
    assert F.pool_view(between, pools, "show").equals(between)
    with pytest.raises(ValueError):
        F.pool_view(between, pools, "evil")


def test_sankey_node_order_is_fixed_and_the_same_across_views(moves: pd.DataFrame) -> None:
    order = ["OpenAI", "Anthropic", "Meta", "xAI"]
    a = F.sankey_figure(F.filter_moves(moves), order)
    b = F.sankey_figure(F.filter_moves(moves).iloc[::-1], order)
    assert a.data[0].arrangement == "fixed"
    assert list(a.data[0].node.label) == list(b.data[0].node.label)
    ys = list(a.data[0].node.y)
    xs = list(a.data[0].node.x)
    left = [y for x, y in zip(xs, ys, strict=True) if x < 0.5]
    assert left == sorted(left)  # top to bottom in the given order


def test_moves_rows_newest_first_with_pay_change(moves: pd.DataFrame) -> None:
    rows = F.moves_rows(moves, limit=3)
    assert len(rows) == 3
    assert list(rows["month"]) == sorted(rows["month"], reverse=True)
    assert (rows["comp_change_usd"] == rows["new_comp_usd"] - rows["old_comp_usd"]).all()
