import pytest

from market.phases.production import produce
from market.production import ces


def test_output_is_the_ces_of_effective_compute_and_talent(make_state):
    market = {
        "infra_enabled": False,
        "utilisation_max": 0.5,
        "compute_ref_h100e": 100.0,
        "talent_ref": 2.0,
        "sigma": 1.0,
        "compute_share": 0.5,
        "allocation_gamma": 0.0,
        "capability_delta": 0.1,
        "capability_lambda": 1.0,
        "capability_phi": 0.5,
    }
    st = make_state(
        [{"name": "A", "gpus_h100e": 400.0, "capability": 4.0}, {"name": "B"}],
        [{"skill": 2.0}, {"skill": 6.0}],  # two researchers at A: talent 8
        market=market,
    )
    produce(st)
    # Cobb-Douglas: (400 * 0.5 / 100)^0.5 * (8 / 2)^0.5 = sqrt(2) * 2
    expected = ces(2.0, 4.0, 1.0, 0.5)
    assert float(expected) == pytest.approx(2 * 2**0.5)
    assert st.labs.research_output[0] == pytest.approx(expected)
    assert st.labs.utilisation[0] == 0.5
    assert st.labs.capability[0] == pytest.approx(4.0 + 0.1 * expected * 4.0**0.5)
    assert st.labs.research_output[1] == 0.0  # no researchers, no output
