import numpy as np
import pytest

import market
from experiments.sweeps.metrics import compute_metrics
from experiments.sweeps.plan import build_plan
from experiments.sweeps.runner import reproduce_run, run_sweep


def test_seeds_spawned_from_root_with_common_random_numbers(tiny):
    plan = build_plan(tiny)
    assert len(plan) == len({r.run_id for r in plan}) == 8
    children = np.random.SeedSequence(7).spawn(2)
    for run in plan:
        assert run.seed_entropy == "7" and isinstance(run.seed_spawn_key, str)
        expected = children[run.replicate].generate_state(4)
        np.testing.assert_array_equal(run.seed().generate_state(4), expected)
    by_point = {(r.point, r.replicate): r.seed_spawn_key for r in plan}
    assert by_point[(0, 1)] == by_point[(3, 1)] != by_point[(0, 0)]


def test_independent_seeds_without_common_random_numbers(make_design):
    plan = build_plan(make_design(common_random_numbers=False))
    keys = [r.seed_spawn_key for r in plan]
    assert len(set(keys)) == len(keys) == 8


@pytest.fixture(scope="module")
def small_run():
    sc = market.load_scenario("frontier-2025").scaled(600)
    sc = sc.with_overrides({"market.spinout_rate_per_year": 1.0})
    from experiments.sweeps.design import truncated

    return sc, market.run_scenario(truncated(sc, 24), seed=3).tables


def test_metrics_agree_with_tables(small_run):
    sc, tables = small_run
    m = compute_metrics(
        tables,
        sc.lab_names,
        ["talent_share", "researchers", "research_hhi", "spin_outs", "capability_gap", "net_flow"],
    )
    shares = [m[f"talent_share.{lab}"] for lab in sc.lab_names] + [m["talent_share.spin-outs"]]
    assert sum(shares) == pytest.approx(1.0)
    summary = tables["summary"]
    assert m["research_hhi"] == pytest.approx((summary["talent_share"] ** 2).sum())
    assert 1 / len(summary) - 1e-12 <= m["research_hhi"] <= 1
    founded = set(tables["labs"]["lab"]) - set(sc.lab_names)
    assert m["spin_outs"] == len(founded)
    total = sum(m[f"researchers.{lab}"] for lab in sc.lab_names) + m["researchers.spin-outs"]
    assert total == summary["research"].sum()
    caps = summary["capability"].sort_values(ascending=False).to_numpy()
    assert m["capability_gap"] == pytest.approx(caps[0] / caps[1] - 1)
    assert sum(m[f"net_flow.{lab}"] for lab in sc.lab_names) + m["net_flow.spin-outs"] == 0


def test_any_run_reproduces_alone(tiny, tmp_path):
    outcome = run_sweep(tiny, tmp_path / "out")
    row = outcome.wide.set_index("run_id").loc["p00002-r0001"]
    alone = reproduce_run(tiny, "p00002-r0001")
    again = compute_metrics(alone.tables, tiny.base.lab_names, tiny.metrics)
    for key, value in again.items():
        assert row[key] == pytest.approx(value, nan_ok=True), key
    assert alone.metadata["seed"]["spawn_key"] == row["seed_spawn_key"]
