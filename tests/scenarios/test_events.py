"""Policy timeline: events fire at their step only, bad events are one-line errors."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w

import market
from market.errors import ScenarioError
from market.io import load_scenario
from market.io.scenario_toml import load_scenario_text


def _base() -> market.Scenario:
    sc = load_scenario("frontier-2025").scaled(1500)
    data = sc.model_dump()
    data["steps"] = 8
    data["events"] = [
        {"at": "2025-03", "lab": "xAI", "field": "gpus_h100e", "value": 12345.0},
        {"at": 4, "lab": "Meta", "field": "pay_multiplier", "value": 3.0, "months": 2},
        {"at": "2025-05", "field": "noncompete_enforcement", "value": 0.0},
    ]
    for lab in data["labs"]:
        lab["gpu_growth_per_year"] = 0.0
    return market.build_scenario(data)


def test_events_fire_at_their_step_and_only_there():
    sc = _base()
    model = market.TalentMarket(scenario=sc, rng=1)
    xai = model.labs[model.lab_names.index("xAI")]
    meta = model.labs[model.lab_names.index("Meta")]
    gpus0, mult0 = xai.gpus_h100e, meta.policy.pay_multiplier
    seen = []
    for _ in range(sc.steps):
        model.step()
        seen.append(
            (
                model.steps,
                xai.gpus_h100e,
                meta.policy.pay_multiplier,
                model.cfg.noncompete_enforcement,
            )
        )
    by_step = {s: (g, m, n) for s, g, m, n in seen}
    assert by_step[1][0] == by_step[2][0] == gpus0
    assert all(by_step[s][0] == 12345.0 for s in range(3, 9))
    assert by_step[3][1] == mult0
    assert by_step[4][1] == by_step[5][1] == 3.0
    assert all(by_step[s][1] == mult0 for s in (6, 7, 8))  # reverted after 2 months
    assert by_step[4][2] == 1.0 and by_step[5][2] == 0.0


def test_builtin_timeline_fires_xai_expansion_in_april_2025():
    sc = load_scenario("frontier-2025").scaled(1500).truncated(5)
    model = market.TalentMarket(scenario=sc, rng=1)
    xai = model.labs[model.lab_names.index("xAI")]
    before = []
    for _ in range(5):
        before.append(xai.gpus_h100e)
        model.step()
    step_of = sc.month_to_step("2025-04")
    assert step_of == 4
    jump = [b / a for a, b in itertools.pairwise(before)]  # jump[k]: effect of step k+1
    assert jump[step_of - 1] > 1.5  # the stock roughly doubles in step 4
    assert all(j < 1.05 for i, j in enumerate(jump) if i != step_of - 1)


def _with_event(event: dict) -> str:
    data = load_scenario("frontier-2025").model_dump(mode="json", exclude_none=True)
    data["events"] = [*data["events"], event]
    return tomli_w.dumps(data)


@pytest.mark.parametrize(
    ("event", "needle"),
    [
        ({"at": "2025-06", "lab": "Metaa", "field": "pay_multiplier", "value": 2.0}, "Metaa"),
        ({"at": "2025-06", "lab": "Meta", "field": "pay_multipler", "value": 2.0}, "pay_multipler"),
        ({"at": "2035-01", "lab": "Meta", "field": "pay_multiplier", "value": 2.0}, "outside"),
        ({"at": 0, "lab": "Meta", "field": "pay_multiplier", "value": 2.0}, "outside"),
        ({"at": "2025-06", "lab": "Meta", "field": "pay_multiplier", "value": 99.0}, "multiplier"),
        ({"at": "2025-06", "field": "no_such_market_field", "value": 1.0}, "no_such"),
    ],
)
def test_bad_events_are_one_line_errors(event: dict, needle: str):
    bad_text = _with_event(event)
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(bad_text)
    assert needle in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("event", "needle"),
    [
        ({"at": "2025-06", "lab": "Metaa", "field": "pay_multiplier", "value": 2.0}, "Metaa"),
        ({"at": "2025-06", "lab": "Meta", "field": "pay_multipler", "value": 2.0}, "pay_multipler"),
        ({"at": "2035-01", "lab": "Meta", "field": "pay_multiplier", "value": 2.0}, "outside"),
    ],
)
def test_cli_exits_2_with_one_line_on_bad_events(tmp_path: Path, event: dict, needle: str):
    bad_text = _with_event(event)
    bad = tmp_path / "bad.toml"
    bad.write_text(bad_text)
    out = tmp_path / "out"
    exe = Path(sys.executable).with_name("talent-market")
    proc = subprocess.run(
        [str(exe), "run", "--scenario", str(bad), "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and needle in proc.stderr
    assert not out.exists()


def test_market_wide_event_values_are_validated_when_applied():
    """Issue 9 fix: {at = 1, field = "sigma", value = "0.9"} passed scenario validation,
    then step 1 died with TypeError (model_copy(update=...) skipped validation)."""
    sc = market.generic_scenario(4, 200).model_dump()
    sc["steps"] = 3
    sc["events"] = [{"at": 1, "field": "sigma", "value": "0.9", "months": 1}]
    model = market.TalentMarket(scenario=market.build_scenario(sc), rng=1)
    model.step()
    assert model.cfg.sigma == 0.9
    assert isinstance(model.cfg.sigma, float)
    model.step()  # the revert restores the scenario's value
    assert model.cfg.sigma == market.generic_scenario(4, 200).market.sigma
