"""Result tables computed from hand-made ledgers (expected values worked out by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import market
from market.tables import build_tables, flows_table, retention_table, summary_table


def moves_frame(rows: list[tuple]) -> pd.DataFrame:
    cols = ["step", "person_id", "from_lab", "to_lab", "reason"]
    df = pd.DataFrame(rows, columns=cols)
    df["month"] = [f"{2025 + (s - 1) // 12}-{(s - 1) % 12 + 1:02d}" for s in df["step"]]
    df["specialty"] = "research"
    df["skill"] = 1.0
    df["old_comp_usd"] = 1.0
    df["new_comp_usd"] = 2.0
    return df


def labs_frame(names=("A", "B", "C"), final_step=40) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "step": [final_step] * len(names),
            "lab": list(names),
            "kind": ["frontier"] * len(names),
            "headcount": [10, 20, 30],
            "research": [5, 10, 15],
            "research_skill": [5.0, 10.0, 25.0],
            "hires": [3, 1, 0],
            "departures": [1, 2, 1],
            "capability": [3.0, 2.0, 1.0],
            "comp_median_usd": [1.0, 2.0, 3.0],
            "gpus_per_researcher": [1.0, 1.0, 1.0],
        }
    )


LEDGER = moves_frame(
    [
        (1, 1, "A", "B", "poached"),
        (2, 2, "A", "B", "poached"),
        (3, 3, "B", "A", "poached"),
        (14, 4, "C", "A", "poached"),
        (5, 5, "A", "A", "countered"),
        (6, 6, "", "A", "graduate_hire"),
        (7, 6, "A", "", "attrition"),  # the graduate leaves within 24 months
        (8, 1, "B", "C", "poached"),  # person 1 leaves B within 24 months
        (30, 7, "", "C", "graduate_hire"),  # outside the retention window (T=40)
    ]
)


def test_flows_count_between_lab_moves_per_period_with_ratios():
    flows = flows_table(LEDGER)
    all_ = flows[flows["period"] == "all"].set_index(["from_lab", "to_lab"])
    assert all_.loc[("A", "B"), "moves"] == 2
    assert all_.loc[("A", "B"), "reverse_moves"] == 1
    assert all_.loc[("A", "B"), "flow_ratio"] == 2.0
    assert all_.loc[("B", "A"), "flow_ratio"] == 0.5
    assert np.isnan(all_.loc[("C", "A"), "flow_ratio"])  # nobody went back
    assert ("A", "A") not in all_.index  # counters are not flows
    assert set(flows["period"]) == {"all", "2025", "2026"}
    assert flows.loc[flows["period"] == "2026", "moves"].sum() == 1


def test_retention_of_hires_after_24_months():
    ret = retention_table(LEDGER, labs_frame(), final_step=40).set_index("lab")
    # A hired person 3 (stays), 4 (stays), 6 (left at step 7): 2 of 3.
    assert ret.loc["A", "hires_in_window"] == 3
    assert ret.loc["A", "still_there_24m"] == 2
    assert ret.loc["A", "retention_24m"] == 2 / 3
    # B hired 1 (left at step 8) and 2 (stays): 1 of 2.
    assert ret.loc["B", "retention_24m"] == 0.5
    # C hired 1 at step 8 (stays); person 7 was hired too late to count.
    assert ret.loc["C", "hires_in_window"] == 1
    assert ret.loc["C", "retention_24m"] == 1.0


def test_retention_is_nan_without_hires():
    ret = retention_table(LEDGER.iloc[:0], labs_frame(), final_step=40)
    assert ret["hires_in_window"].eq(0).all() and ret["retention_24m"].isna().all()


def test_summary_net_flow_talent_share_and_rank():
    ret = retention_table(LEDGER, labs_frame(), final_step=40)
    summary = summary_table(labs_frame(), LEDGER, ret).set_index("lab")
    # Poached in minus poached out: A +2-2, B +2-2, C +1-1.
    assert summary.loc["A", "net_flow"] == 0
    assert summary.loc["C", "net_flow"] == 0
    assert summary["talent_share"].sum() == 1.0
    assert summary.loc["C", "talent_share"] == 25 / 40
    assert list(summary.sort_values("capability_rank").index) == ["A", "B", "C"]


def test_gpus_per_researcher_is_missing_for_a_lab_without_researchers():
    """Issue 9 fix: a lab with no researchers reported its whole fleet (20,000) per head."""
    sc = market.generic_scenario(4, 400).model_dump()
    sc["labs"][1]["headcount"] = {"research": 0, "infrastructure": 20, "product": 10}
    sc["steps"] = 1
    sc["market"]["offers_enabled"] = False
    model = market.TalentMarket(scenario=market.build_scenario(sc), rng=2)
    model.step()
    labs = build_tables(model)["labs"]
    no_research = labs[labs["research"] == 0]
    assert len(no_research) >= 2  # lab 1 at steps 0 and 1
    assert no_research["gpus_per_researcher"].isna().all()
    with_research = labs[labs["research"] > 0]
    np.testing.assert_allclose(
        with_research["gpus_per_researcher"],
        with_research["gpus_h100e"] / with_research["research"],
    )
