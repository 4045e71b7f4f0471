"""The compiled going-rate medians are numpy's medians, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from market.phases.vacancies import _medians_by_group


@pytest.mark.parametrize("seed", range(6))
def test_medians_by_group_are_numpy_medians(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    values = rng.lognormal(12, 1, n)
    values[rng.random(n) < 0.3] = 150_000.0  # ties, as pay scales have
    group = rng.integers(0, 4, n)
    group[group == 3] = 2  # group 3 stays empty
    got = _medians_by_group(values, group, 4)
    for g in range(3):
        sel = values[group == g]
        want = np.median(sel) if sel.size else np.nan
        assert got[g] == want or (np.isnan(got[g]) and np.isnan(want))
    assert np.isnan(got[3])


def test_medians_of_even_and_odd_counts_and_nan():
    values = np.array([3.0, 1.0, 2.0, 10.0, np.nan, 5.0, 0.1 + 0.2, 0.3])
    group = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    got = _medians_by_group(values, group, 3)
    assert got[0] == np.median([3.0, 1.0, 2.0, 10.0]) == 2.5
    assert np.isnan(got[1])  # a NaN in the group, as np.median
    assert got[2] == np.median([0.1 + 0.2, 0.3])


def test_group_codes_out_of_range_are_refused():
    with pytest.raises(IndexError):
        _medians_by_group(np.ones(3), np.array([0, 1, 5]), 3)


@pytest.mark.parametrize("tied", [0.0, 0.6, 1.0])
def test_medians_of_large_groups_with_many_ties(tied):
    """Large groups go through the sampled brackets of ``order_stats``; a median inside a
    run of equal pay (a pay scale) overfills the bracket and takes the fallback."""
    rng = np.random.default_rng(11)
    n = 20_001
    values = rng.lognormal(12, 1, n)
    values[rng.random(n) < tied] = 150_000.0
    group = rng.integers(0, 3, n)
    got = _medians_by_group(values, group, 3)
    for g in range(3):
        assert got[g] == np.median(values[group == g])


@pytest.mark.parametrize("guess", ["none", "right", "swapped", "short", "negative", "fraction"])
@pytest.mark.parametrize("blocks", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_staff_pass_is_going_rates_and_bincounts(seed, blocks, guess):
    """One pass over staff rows of random cells, or in runs of one cell as a market
    built lab by lab has them: the going rates of those rows and the heads and pay per
    (specialty, lab) of ``np.bincount`` over ``spec x L + lab`` in row order, whether
    the head counts given to size the buckets are none, right, or wrong (two
    specialties swapped: the right total; one too few; negative; not whole)."""
    from market.phases.vacancies import NO_COUNTS, _staff_pass

    rng = np.random.default_rng(seed)
    n_people, n_labs = int(rng.integers(0, 5000)), 7
    spec = rng.integers(0, 3, n_people).astype(np.int8)
    employer = rng.integers(0, n_labs, n_people).astype(np.int32)
    if blocks:
        spec, employer = np.sort(spec), np.sort(employer)  # long runs of one cell
    comp = rng.lognormal(12, 1, n_people)
    comp[rng.random(n_people) < 0.3] = 150_000.0
    skill = rng.lognormal(0, 0.4, n_people)
    staff = np.flatnonzero(rng.random(n_people) < 0.8)
    key = spec[staff].astype(np.intp) * n_labs + employer[staff]
    size = 3 * n_labs
    counts = np.bincount(key, minlength=size).reshape(3, n_labs).astype(float)
    if guess == "swapped":
        counts = counts[[1, 0, 2]]
    elif guess == "short":
        counts[2, 0] -= 1
    elif guess == "negative":
        counts[0, 0], counts[1, 0] = -1.0, counts[1, 0] + counts[0, 0] + 1
    elif guess == "fraction":
        counts[0, 0], counts[1, 0] = counts[0, 0] + 0.5, counts[1, 0] - 0.5
    headcount = NO_COUNTS if guess == "none" else counts
    wage, med, heads, pay = _staff_pass(staff, spec, employer, comp, skill, n_labs, headcount)
    np.testing.assert_array_equal(heads.ravel(), np.bincount(key, minlength=size))
    assert np.array_equal(pay.ravel(), np.bincount(key, weights=comp[staff], minlength=size))
    for s in range(3):
        sel = staff[spec[staff] == s]
        for got, col in ((wage, comp), (med, skill)):
            want = np.median(col[sel]) if sel.size else np.nan
            assert got[s] == want or (np.isnan(got[s]) and np.isnan(want))


def test_staff_pass_of_nobody_and_of_a_nan():
    from market.phases.vacancies import NO_COUNTS, _staff_pass

    spec = np.array([0, 1, 1], dtype=np.int8)
    lab = np.zeros(3, dtype=np.int32)
    comp, skill = np.array([1.0, 2.0, np.nan]), np.array([3.0, 4.0, 5.0])
    wage, med, heads, pay = _staff_pass(np.zeros(0, np.int64), spec, lab, comp, skill, 2, NO_COUNTS)
    assert np.isnan(wage).all() and np.isnan(med).all() and not heads.any() and not pay.any()
    wage, med, _, pay = _staff_pass(np.arange(3), spec, lab, comp, skill, 2, NO_COUNTS)
    assert wage[0] == 1.0 and np.isnan(wage[1]) and np.isnan(wage[2])  # NaN as np.median
    assert med.tolist()[:2] == [3.0, 4.5] and np.isnan(pay[1, 0])
    with pytest.raises(IndexError):
        bad = np.array([0, 0, 2], dtype=np.int32)
        _staff_pass(np.arange(3), spec, bad, comp, skill, 2, NO_COUNTS)


def test_staff_pass_with_infinities_and_nan_in_large_buckets():
    """Columns holding an infinity or a NaN (no bounds known from the pass: each
    bucket's range and NaN found by the medians) give np.median's values."""
    from market.phases.vacancies import NO_COUNTS, _staff_pass

    rng = np.random.default_rng(1)
    n = 3000
    spec = rng.integers(0, 3, n).astype(np.int8)
    lab = rng.integers(0, 4, n).astype(np.int32)
    for bad in (np.inf, -np.inf, np.nan):
        comp, skill = rng.lognormal(12, 1, n), rng.lognormal(0, 0.4, n)
        comp[rng.integers(0, n, 5)] = bad
        skill[rng.integers(0, n, 5)] = bad
        wage, med, _, _ = _staff_pass(np.arange(n), spec, lab, comp, skill, 4, NO_COUNTS)
        for s in range(3):
            want = np.median(comp[spec == s]), np.median(skill[spec == s])
            np.testing.assert_array_equal([wage[s], med[s]], want)


@pytest.mark.parametrize(
    "market",
    [
        {},
        {"sigma": 1.0},
        {"sigma": 0.0},
        {"infra_enabled": False, "allocation_gamma": 0.0},
        {"product_max_uplift": 0.0, "infra_scale_exponent": 0.7},
    ],
)
def test_hire_values_are_marginal_values_at_the_pseudo_labs(
    market, with_every_rule_and_an_empty_lab
):
    """The compiled typical-hire values equal ``marginal_value`` of the representatives
    at :func:`with_extra_hires`' pseudo-labs, bit for bit, under every allocation rule,
    at labs without researchers, GPUs or product staff and for large hire counts."""
    import market as tm
    from market.phases.vacancies import hire_values, representatives, with_extra_hires
    from market.valuation import marginal_value

    sc = tm.generic_scenario(6, 600).with_overrides(
        {"steps": 1, **{f"market.{k}": v for k, v in market.items()}}
    )
    model = tm.TalentMarket(scenario=sc, rng=3)
    cfg, agg = model.cfg, model.state.lab_state
    agg = with_every_rule_and_an_empty_lab(agg)
    n_labs = agg.n_labs
    rep = representatives(np.array([1.3, 0.8, 1.1]))
    rows = np.repeat(np.arange(3), n_labs)
    rng = np.random.default_rng(5)
    for extra in (np.zeros(3 * n_labs, np.int64), rng.integers(0, 5000, 3 * n_labs)):
        for price in (1.0, 3.7e6):
            hypo = with_extra_hires(agg, rep, extra, cfg)
            want = marginal_value(
                hypo, rep, rows, np.arange(len(rows)), np.zeros(len(rows), bool), cfg, price
            )
            np.testing.assert_array_equal(hire_values(agg, rep.skill, extra, cfg, price), want)


def _hire_cost_numpy(heads, pay, wage, retention):
    market_mean = pay.sum(axis=1) / np.maximum(heads.sum(axis=1), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = np.where(heads > 0, pay / np.maximum(heads, 1) / market_mean[:, None], 1.0)
    base = np.where(np.isfinite(wage), wage, 0.0)[:, None] * np.fmax(relative, 1.0)
    return base * (1 + retention[None, :])


def _funded_numpy(wanted, hire_cost, q, poaching, contact_cost, budget, recent, payroll, share):
    extra = q * np.maximum(poaching - 1.0, 0.0) * contact_cost
    cost = (wanted * (hire_cost + extra[None, :])).sum(axis=0)
    funds = share * np.maximum(np.minimum(budget, recent) - payroll, 0.0)
    factor = np.ones(len(budget))
    short = cost > funds
    with np.errstate(invalid="ignore", divide="ignore"):
        factor[short] = funds[short] / cost[short]
    counts = np.floor(wanted * factor[None, :] + 1e-9).astype(np.int64)
    return counts, (factor < 1.0) & (wanted.sum(axis=0) > 0)


@pytest.mark.parametrize("seed", range(6))
def test_hire_cost_and_funding_kernels_are_their_numpy_forms(seed):
    """The hire cost per (specialty, lab) and the funded vacancies equal the numpy
    operations they replace, bit for bit: empty cells and specialties, unpaid staff
    (a zero market mean), NaN and infinite wages, NaN poaching and budgets, labs
    without headroom or without vacancies, zero costs, no headroom share."""
    from market.phases.vacancies import _funded, _hire_cost

    rng = np.random.default_rng(seed)
    n_labs = int(rng.integers(1, 70))
    heads = rng.integers(0, 4, (3, n_labs)) * rng.integers(0, 2, (3, n_labs))
    pay = heads * rng.lognormal(12, 0.5, (3, n_labs))
    if seed % 2:
        heads[2] = 0
        pay[2] = 0.0
        pay[1] = 0.0  # heads but no pay: the market mean is 0
    wage = rng.lognormal(12, 0.5, 3)
    wage[seed % 3] = (np.nan, np.inf, 2e5)[seed % 3]
    retention = rng.random(n_labs) * 0.3
    got = _hire_cost(heads, pay, pay.sum(axis=1), wage, retention)
    want = _hire_cost_numpy(heads, pay, wage, retention)
    np.testing.assert_array_equal(got, want)
    wanted = rng.integers(0, 6, (3, n_labs)) * rng.integers(0, 2, (3, n_labs))
    cost = np.where(rng.random((3, n_labs)) < 0.1, 0.0, want)
    poaching = rng.random(n_labs) * 2.0
    budget = rng.lognormal(17, 1, n_labs)
    recent = budget * rng.choice([0.5, 1.0], n_labs)
    payroll = budget * rng.random(n_labs)
    poaching[0], budget[-1] = np.nan, np.nan
    for share in (0.5, 0.0):
        args = (wanted, cost, 1.7, poaching, 1e4, budget, recent, payroll, share)
        counts, limited = _funded(*args)
        want_counts, want_limited = _funded_numpy(*args)
        np.testing.assert_array_equal(counts, want_counts)
        np.testing.assert_array_equal(limited, want_limited)


def test_count_of_is_count_nonzero():
    from market.phases.vacancies import _count_of

    codes = np.array([-1, 0, 3, -1, -1, 2], dtype=np.int32)
    assert _count_of(codes, -1) == 3 and _count_of(codes, 5) == 0
    assert _count_of(codes[:0], -1) == 0


def _posting_cap_numpy(agg, skill, wage, pay_multiplier, cfg, price):
    from market.phases.vacancies import hire_values

    first = np.zeros(3 * agg.n_labs, dtype=np.int64)
    value = hire_values(agg, skill, first, cfg, price).reshape(3, agg.n_labs)
    with np.errstate(invalid="ignore", divide="ignore"):
        surplus = (value * pay_multiplier[None, :] - wage[:, None]) / wage[:, None]
    surplus = np.where(np.isfinite(surplus), surplus, 0.0)
    rate = np.minimum(cfg.vacancy_rate_max, cfg.vacancy_rate_per_surplus * surplus)
    cap = np.where(rate > 0, np.maximum(1.0, np.rint(rate * agg.headcount)), 0.0)
    return cap.astype(np.int64)


def _wanted_hires_numpy(agg, skill, wage, pay_multiplier, cap, cfg, price):
    from market.phases.vacancies import hire_values

    n_labs = agg.n_labs
    lo = np.zeros((3, n_labs), dtype=np.int64)
    hi = cap.copy()
    ok = np.isfinite(wage)
    hi[~ok] = 0
    willing = np.concatenate((pay_multiplier,) * 3)
    target = np.repeat(np.where(ok, wage, np.inf), n_labs)
    at_cap = hi > lo
    if at_cap.any():
        value = hire_values(agg, skill, np.maximum(hi - 1, 0).ravel(), cfg, price)
        full = at_cap & (value * willing >= target).reshape(3, n_labs)
        lo = np.where(full, hi, lo)
    while (active := hi > lo).any():
        mid = np.where(active, (lo + hi + 1) // 2, 1)
        value = hire_values(agg, skill, (mid - 1).ravel(), cfg, price)
        good = (value * willing >= target).reshape(3, n_labs)
        lo = np.where(active & good, mid, lo)
        hi = np.where(active & ~good, mid - 1, hi)
    return lo


def test_posting_cap_and_wanted_hires_are_their_numpy_forms(with_every_rule_and_an_empty_lab):
    """The compiled cap and bisection give the numpy forms' vacancies, for wages that
    every lab pays, that few do, none (zero: an infinite surplus), not finite (NaN,
    infinite) and caps from 0 to far past what any lab wants."""
    import market as tm
    from market.phases.vacancies import posting_cap, wanted_hires

    model = tm.TalentMarket(
        scenario=tm.generic_scenario(6, 600).with_overrides({"steps": 1}), rng=3
    )
    cfg, agg = model.cfg, with_every_rule_and_an_empty_lab(model.state.lab_state)
    n_labs = agg.n_labs
    skill = np.array([1.3, 0.8, 1.1])
    rng = np.random.default_rng(2)
    pay_multiplier = rng.uniform(0.5, 2.0, n_labs)
    price = 3.7e6
    value = skill.sum() * price  # about a typical hire's value
    for wage in (
        np.array([1e3, 1e3, 1e3]),
        np.array([value, value / 3, value * 3]),
        np.array([0.0, np.nan, np.inf]),
        np.array([1e12, 2e5, 4e5]),
    ):
        want = _posting_cap_numpy(agg, skill, wage, pay_multiplier, cfg, price)
        np.testing.assert_array_equal(
            posting_cap(agg, skill, wage, pay_multiplier, cfg, price), want
        )
        for cap in (want, rng.integers(0, 3, (3, n_labs)), rng.integers(0, 5000, (3, n_labs))):
            args = (agg, skill, wage, pay_multiplier, cap, cfg, price)
            np.testing.assert_array_equal(wanted_hires(*args), _wanted_hires_numpy(*args))
