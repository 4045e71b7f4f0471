import numpy as np
import pytest

from market.codes import MOVE_REASONS, Employer, Specialty
from market.phases.entry import enter
from market.population import draw_specialties

POOL = int(Employer.POOL)


def test_stale_graduates_join_the_outside_sector_while_it_has_budget(make_state):
    grads = [
        {"employer": POOL, "tenure_months": 7, "hired_step": -1, "comp_usd": 100.0, "skill": s}
        for s in (3.0, 2.0, 1.0)
    ]
    laid_off = {"employer": POOL, "tenure_months": 7, "hired_step": 5, "comp_usd": 100.0}
    fresh = {"employer": POOL, "tenure_months": 2, "hired_step": -1}
    st = make_state(
        [{"name": "Lab"}, {"name": "Uni", "kind": "academia", "budget_usd": 250.0}],
        [*grads, laid_off, fresh],
        population={"pool_months": 6, "graduates_per_year": 0.0},
    )
    enter(st, np.random.default_rng(0))
    emp = st.people.employer[:5].tolist()
    # The two best graduates fit academia's 250 of headroom; the third and the laid-off
    # person leave the market; the fresh graduate keeps searching.
    assert emp == [1, 1, Employer.GONE, Employer.GONE, POOL]
    reasons = [MOVE_REASONS[r] for r in st.ledger.move_records()["reason"]]
    assert sorted(reasons) == ["graduate_hire", "graduate_hire", "pool_exit", "pool_exit"]


def test_graduates_enter_the_pool_with_the_configured_mix(make_state):
    st = make_state(
        [{"name": "A"}, {"name": "B"}],
        [],
        population={
            "graduates_per_year": 12_000.0,
            "graduate_mix": (1.0, 0.0, 0.0),
            "graduate_reservation_usd": 123.0,
        },
    )
    enter(st, np.random.default_rng(1))
    p = st.people
    assert 850 < p.n < 1150  # Poisson(1,000)
    assert (p.view("employer") == POOL).all()
    assert (p.view("specialty") == Specialty.RESEARCH).all()
    assert (p.view("comp_usd") == 123.0).all() and (p.view("hired_step") == -1).all()


def test_absorption_counts_this_months_raises(make_state):
    # Uni (budget 250) employs one person on 100 at the last refresh; an anniversary
    # raise this month took them to 200, so a graduate asking 100 no longer fits.
    grad = {"employer": POOL, "tenure_months": 7, "hired_step": -1, "comp_usd": 100.0}
    st = make_state(
        [{"name": "Lab"}, {"name": "Uni", "kind": "academia", "budget_usd": 250.0}],
        [{"employer": 1, "comp_usd": 100.0}, grad],
        population={"pool_months": 6, "graduates_per_year": 0.0},
    )
    st.people.comp_usd[0] = 200.0  # raised after the refresh (phase 5)
    st.people.touch(np.array([0]))
    enter(st, np.random.default_rng(0))
    assert st.people.employer[1] == Employer.GONE  # not hired over budget


@pytest.mark.parametrize(
    "mix", [(0.5, 0.2, 0.3), (1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (0.1, 0.7, 0.2)]
)
def test_specialty_draws_are_numpys_choice(mix):
    """The same specialties and the generator left in the same state, any sample size."""
    for seed in range(5):
        for n in (0, 1, 7, 2_000):
            ours, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
            got = draw_specialties(ours, mix, n)
            want = numpys.choice(3, size=n, p=np.array(mix))
            np.testing.assert_array_equal(got, want)
            assert got.dtype == want.dtype and ours.random() == numpys.random()


def test_a_mix_the_config_accepts_runs_even_if_numpys_choice_would_refuse_it():
    """The config accepts shares summing to 1 within 1e-6; ``rng.choice`` refuses a sum
    off by more than ~1.5e-8, so such a scenario used to stop with numpy's error in the
    first month with graduates. Shares summing to 1 + 6e-7 now run."""
    import market

    mix = (0.5 + 2e-7, 0.2 + 2e-7, 0.3 + 2e-7)
    with pytest.raises(ValueError, match=r"(?i)probabilities do not sum to 1"):
        np.random.default_rng(0).choice(3, size=5, p=np.array(mix))
    model = market.TalentMarket(n_labs=3, n_engineers=200, graduate_mix=mix, rng=1)
    for _ in range(3):
        model.step()
    graduates = model.people.view("hired_step") < 0
    assert graduates.any()
