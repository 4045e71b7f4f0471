"""benchmarks/mechanism_costs.py measures what its rows say: every variant is a valid
override of frontier-2025 that changes exactly the field it names. No timings here."""

from __future__ import annotations

import market


def test_every_variant_changes_the_field_it_names(benchmark_script):
    costs = benchmark_script("mechanism_costs")
    base = market.load_scenario(costs.SCENARIO)
    variants = costs.variants()
    assert variants.pop("baseline") == {}
    assert len(variants) == len(costs.SWITCHES) + len(costs.CONTACT_RATES)
    for name, overrides in variants.items():
        ((path, value),) = overrides.items()
        field = path.removeprefix("market.")
        assert field in name
        changed = base.with_overrides(overrides).market
        assert getattr(changed, field) == value != getattr(base.market, field)
        others = {k: v for k, v in changed.model_dump().items() if k != field}
        assert others == {k: v for k, v in base.market.model_dump().items() if k != field}


def test_a_run_counts_its_people(benchmark_script):
    costs = benchmark_script("mechanism_costs")
    sc = market.load_scenario(costs.SCENARIO).with_overrides({"steps": 3})
    cpu, person_steps = costs.run_once(sc, seed=1, n_engineers=300)
    assert cpu > 0
    assert 3 * 200 < person_steps < 3 * 2_000  # ~300 people (and the job pool), 3 months
