import numpy as np
import pytest

from experiments.sweeps import design as d
from market.errors import ScenarioError

BOUNDS = [(0.2, 2.0), (1.0, 5.0), (0.0, 12.0)]


def test_factorial_size_and_order():
    pts = d.factorial_points({"a": [1, 2, 3], "b": ["x", "y"]})
    assert len(pts) == 6
    assert pts[0] == {"a": 1, "b": "x"} and pts[1] == {"a": 1, "b": "y"}
    assert {(p["a"], p["b"]) for p in pts} == {(a, b) for a in (1, 2, 3) for b in "xy"}


def test_lhs_size_bounds_strata_and_reproducibility():
    m = d.lhs_matrix(BOUNDS, 20, seed=3)
    assert m.shape == (20, 3)
    for j, (lo, hi) in enumerate(BOUNDS):
        assert m[:, j].min() >= lo and m[:, j].max() <= hi
        # Latin hypercube: exactly one point per stratum in every dimension.
        strata = np.floor((m[:, j] - lo) / (hi - lo) * 20).astype(int)
        assert sorted(strata) == list(range(20))
    np.testing.assert_array_equal(m, d.lhs_matrix(BOUNDS, 20, seed=3))
    assert not np.array_equal(m, d.lhs_matrix(BOUNDS, 20, seed=4))


@pytest.mark.parametrize("second", [False, True])
def test_sobol_size_bounds_reproducible(second):
    problem = d.salib_problem(["a", "b", "c"], BOUNDS)
    m = d.sobol_matrix(problem, 16, second, seed=1)
    assert m.shape == (16 * (2 * 3 + 2 if second else 3 + 2), 3)
    for j, (lo, hi) in enumerate(BOUNDS):
        assert lo <= m[:, j].min() and m[:, j].max() <= hi
    np.testing.assert_array_equal(m, d.sobol_matrix(problem, 16, second, seed=1))
    assert not np.array_equal(m, d.sobol_matrix(problem, 16, second, seed=2))


def test_morris_size_levels_reproducible():
    problem = d.salib_problem(["a", "b", "c"], BOUNDS)
    m = d.morris_matrix(problem, 6, levels=4, seed=1)
    assert m.shape == (6 * 4, 3)
    for j, (lo, hi) in enumerate(BOUNDS):
        # four grid levels per parameter
        assert np.allclose(sorted(set(np.round(m[:, j], 9))), np.linspace(lo, hi, 4))
    np.testing.assert_array_equal(m, d.morris_matrix(problem, 6, levels=4, seed=1))


def test_resolved_lhs_rounds_integer_fields(make_design):
    design = make_design(
        design={
            "kind": "lhs",
            "samples": 10,
            "parameters": [
                {"path": "labs.*.policy.noncompete_months", "low": 0, "high": 12},
                {"path": "market.sigma", "low": 0.2, "high": 2.0},
            ],
        }
    )
    assert len(design.points) == 10 and design.n_runs == 20
    months = [p["labs.*.policy.noncompete_months"] for p in design.points]
    assert all(isinstance(m, int) and 0 <= m <= 12 for m in months)
    assert all(isinstance(p["market.sigma"], float) for p in design.points)
    assert design.parameter_dtypes == {
        "labs.*.policy.noncompete_months": "int64",
        "market.sigma": "float64",
    }
    again = make_design(design=design.file.design.model_dump())
    assert again.points == design.points and again.digest == design.digest
    other = make_design(root_seed=8, design=design.file.design.model_dump())
    assert other.points != design.points


def test_list_design_and_sobol_sizes(make_design):
    listed = make_design(
        design={
            "kind": "list",
            "points": [{"market.sigma": 0.5}, {"market.sigma": 1.0, "steps": 6}],
        }
    )
    assert listed.points == [{"market.sigma": 0.5}, {"market.sigma": 1.0, "steps": 6}]
    # a point that leaves a parameter out keeps the base; its column shows the base value
    assert listed.parameter_values(0) == {"market.sigma": 0.5, "steps": listed.base.steps}
    assert listed.parameter_names == ["market.sigma", "steps"]
    sob = make_design(
        replications=1,
        design={
            "kind": "sobol",
            "samples": 8,
            "parameters": [
                {"path": "market.sigma", "low": 0.2, "high": 2.0},
                {"path": "labs.Meta.policy.pay_multiplier", "low": 1.0, "high": 4.0},
            ],
        },
    )
    assert len(sob.points) == 8 * 4 and sob.sample_matrix.shape == (32, 2)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"design": {"parameters": [{"path": "labs.Meta.policy.pay_multiplr", "values": [1]}]}},
            "design.parameters[0].path",
            "unknown field 'pay_multiplr'",
        ),
        (
            {"design": {"parameters": [{"path": "labs.Metaa.gpus_h100e", "values": [1]}]}},
            "design.parameters[0].path",
            "unknown lab 'Metaa'",
        ),
        (
            {"design": {"parameters": [{"path": "market.sigma", "values": []}]}},
            "design.parameters[0]",
            "values is empty",
        ),
        (
            {
                "design": {
                    "kind": "lhs",
                    "samples": 4,
                    "parameters": [{"path": "market.sigma", "low": 2.0, "high": 1.0}],
                }
            },
            "design.parameters[0]",
            "empty range",
        ),
        ({"replications": -1}, "replications", "greater than or equal to 1"),
        ({"replicatons": 3}, "replicatons", "unknown key"),
        ({"metrics": ["talent_shar"]}, "metrics", "unknown metric"),
        (
            {"design": {"parameters": [{"path": "market.sigma", "values": [0.5, 9.0]}]}},
            "design point 1",
            "market.sigma",
        ),
        (
            {
                "design": {
                    "kind": "sobol",
                    "samples": 12,
                    "parameters": [{"path": "market.sigma", "low": 0.1, "high": 1.0}],
                }
            },
            "design",
            "power of 2",
        ),
    ],
)
def test_bad_designs_name_the_field(design_dict, change, field, words):
    with pytest.raises(ScenarioError) as info:
        d.resolve_design(d.design_from_dict(design_dict(**change)))
    message = str(info.value)
    assert message.startswith(field) and words in message and "\n" not in message


def test_quick_variant_shrinks(make_design):
    spec = make_design(n_engineers=None, steps=None, replications=9).file
    quick = d.quick_variant(spec)
    assert (quick.n_engineers, quick.steps, quick.replications) == (1000, 24, 2)
    assert quick.name == "tiny-quick"
    # the shortened run drops the scenario's events after month 24 and still validates
    assert d.resolve_design(quick).scenario_for({}).steps == 24
