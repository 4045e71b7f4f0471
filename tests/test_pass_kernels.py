"""The compiled per-person passes (:mod:`market.jit` kernels) against the numpy forms
they replaced, bit for bit, on random inputs: several seeds, empty labs, a single
person, and values where the order of float additions matters (1e16 + 1 - 1e16).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import market
from market.codes import Employer
from market.lab_sums import (
    RawSums,
    _full_pass,
    by_employer,
    finish,
    full_sums,
    market_mean,
    raw_sums,
    staff_by_lab,
)
from market.people import RESEARCH, People
from market.phases import vesting
from market.phases.vesting import lab_vesting_share, output_per_head_growth
from market.selection import place_stably, place_values

# -- numpy reference forms (the code before the kernels) ----------------------------


def numpy_raw_sums(people, rows, n_labs, allocation, g):
    """``lab_sums._sums_of`` before the kernel: one bincount per statistic."""
    employer, s = people.employer[rows], people.skill[rows]
    lab = employer.astype(np.intp)
    spec = people.specialty[rows]
    key = np.multiply(spec, n_labs, dtype=np.intp)
    key += lab
    size = 3 * n_labs
    headcount = np.bincount(key, minlength=size).reshape(3, n_labs).astype(float)
    by_spec = np.bincount(key, weights=s, minlength=size).reshape(3, n_labs)
    s2 = np.bincount(key, weights=s * s, minlength=size)[RESEARCH * n_labs :][:n_labs]
    sg1, sg2 = np.zeros(n_labs), np.zeros(n_labs)
    if g > 0 and np.any(allocation > 0):
        r_rule = np.where(spec == RESEARCH, allocation[lab], 0)
        for rule, power, sg in ((1, 1 + g, sg1), (2, 1 + 2 * g, sg2)):
            sel = r_rule == rule
            if sel.any():
                sg[:] = np.bincount(lab[sel], weights=s[sel] ** power, minlength=n_labs)
    payroll = np.bincount(lab, weights=people.comp_usd[rows], minlength=n_labs)
    skill_sum = np.bincount(lab, weights=s, minlength=n_labs)
    return RawSums(headcount, by_spec, s2, sg1, sg2, payroll, skill_sum)


def numpy_merit_raises(state, lab, comp):
    """``vesting.merit_raises`` before the kernels: the raise of each anniversary row."""
    labs = state.labs
    growth = output_per_head_growth(state) - 1
    rate = np.clip(labs.merit_raise_pass_through * growth, 0.0, labs.merit_raise_max)
    cap = np.maximum(labs.pay_cap_usd[lab] / np.maximum(comp, 1e-9) - 1, 0.0)
    raise_ = np.minimum(rate[lab], cap)  # never above the pay cap
    cost = np.bincount(
        lab, weights=raise_ * comp * (1 + labs.retention_bonus_frac[lab]), minlength=len(labs)
    )
    headroom = labs.budget_usd - labs.sign_on_spent_usd - state.lab_state.payroll
    fit = np.where(cost > 0, np.clip(headroom / np.where(cost > 0, cost, 1.0), 0.0, 1.0), 1.0)
    return raise_ * fit[lab]


def numpy_age_and_vest(state):
    """``vesting.age_and_vest`` before the kernel (gathers, table lookup, scatters)."""
    p, labs = state.people, state.labs
    emp = p.view("employer")
    rows = np.flatnonzero(emp >= 0)
    p.tenure_months[: p.n] += emp != Employer.GONE
    lab = emp[rows]
    tenure = p.tenure_months[rows]
    unvested = p.unvested_usd[rows]
    unvested = unvested - unvested * lab_vesting_share(
        tenure, lab, labs.vesting_months, labs.vesting_cliff_months
    )
    comp = p.comp_usd[rows]
    due = np.flatnonzero((tenure > 0) & (tenure % 12 == 0))
    if due.size:
        raised = comp[due] * (1 + numpy_merit_raises(state, lab[due], comp[due]))
        comp[due] = raised
        p.comp_usd[rows[due]] = raised
        p.touch(rows[due])
        hire_grant = labs.equity_share[lab[due]] * raised * labs.vesting_months[lab[due]] / 12
        unvested[due] += labs.refresh_grant_share[lab[due]] * hire_grant
    p.unvested_usd[rows] = unvested + labs.retention_bonus_frac[lab] * comp / 12


# -- helpers -------------------------------------------------------------------------


def random_people(rng, n, n_labs, order_sensitive=False):
    p = People.empty(max(n, 1))
    skill = rng.pareto(2.0, n) + 1
    comp = rng.lognormal(12, 0.5, n)
    if order_sensitive and n >= 3:  # 1e16 + 1 - 1e16 depends on the order of the adds
        at = rng.choice(n, 3, replace=False)
        skill[at] = [1e16, 1.0, -1e16]
        comp[at] = [1e16, 1.0, -1e16]
    p.add(
        skill=skill,
        specialty=rng.integers(0, 3, n).astype(np.int8),
        employer=rng.integers(-2, n_labs, n).astype(np.int32),
        comp_usd=comp,
    )
    return p


def assert_raw_equal(got, want):
    for name in RawSums.__dataclass_fields__:
        a, b = getattr(got, name), getattr(want, name)
        assert a.shape == b.shape, name
        np.testing.assert_array_equal(a, b, err_msg=name)
        assert np.array_equal(a.view(np.int64), b.view(np.int64)), name  # signed zeros too


CASES = [(seed, n, n_labs) for seed in range(6) for n, n_labs in ((500, 7), (1, 3), (0, 2))]
CASES += [(seed, 3000, 40) for seed in range(3)]  # many labs, some empty


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # (-1e16) ** 1.35
@pytest.mark.parametrize(("seed", "n", "n_labs"), CASES)
@pytest.mark.parametrize("g", [0.0, 0.35])
def test_full_sums_kernel_equals_bincounts(seed, n, n_labs, g):
    """One pass over all rows: the staff rows, their skills, the sums and the lab order."""
    rng = np.random.default_rng(seed)
    p = random_people(rng, n, n_labs, order_sensitive=True)
    for allocation in (rng.integers(0, 3, n_labs), np.zeros(n_labs, dtype=np.int64)):
        raw, staff, bounds, _ = full_sums(p, n_labs, allocation, g)
        by_lab = place_stably(staff, p.employer, bounds, True)
        np.testing.assert_array_equal(
            place_values(staff, p.employer, bounds, p.comp_usd), p.comp_usd[by_lab]
        )
        want_staff = np.flatnonzero(p.view("employer") >= 0)
        np.testing.assert_array_equal(staff, want_staff)
        lab = p.employer[want_staff]
        np.testing.assert_array_equal(by_lab, want_staff[np.argsort(lab, kind="stable")])
        want_bounds = np.concatenate([[0], np.cumsum(np.bincount(lab, minlength=n_labs))])
        np.testing.assert_array_equal(bounds, want_bounds)
        assert_raw_equal(raw, numpy_raw_sums(p, want_staff, n_labs, allocation, g))


def test_sums_in_row_order_where_float_order_matters():
    p = People.empty(4)
    p.add(
        skill=np.array([1e16, 1.0, -1e16, 3.0]),
        specialty=np.zeros(4, dtype=np.int8),
        employer=np.array([0, 0, 0, 1], dtype=np.int32),
        comp_usd=np.array([1e16, 1.0, -1e16, 2.0]),
    )
    raw = full_sums(p, 3, np.zeros(3, dtype=np.int64), 0.0)[0]
    assert raw.by_spec[RESEARCH].tolist() == [0.0, 3.0, 0.0]  # the 1 is lost, as in order
    assert raw.payroll.tolist() == [0.0, 2.0, 0.0] and raw.headcount[0].tolist() == [3, 1, 0]


@pytest.mark.parametrize("seed", range(4))
def test_effective_talent_and_mean_skill_equal_their_numpy_forms(seed):
    """``finish``'s talent by allocation rule is ``np.select`` of the three forms, and
    ``market_mean`` is the staff's mean skill (to rounding).
    """
    rng = np.random.default_rng(seed)
    n_labs, g = 9, 0.35
    p = random_people(rng, 20_000, n_labs, order_sensitive=False)
    allocation = rng.integers(0, 3, n_labs)
    raw, staff, _, _ = full_sums(p, n_labs, allocation, g)
    talent = finish(raw, allocation, g, 1.0)[3]
    research = raw.by_spec[RESEARCH]
    n_r = np.maximum(raw.headcount[RESEARCH], 1)
    m1 = np.maximum(research / n_r, 1e-12)
    m2 = np.maximum(raw.s2 / n_r, 1e-12)
    want = np.select(
        [allocation == 1, allocation == 2], [raw.sg1 / m1**g, raw.sg2 / m2**g], research
    )
    np.testing.assert_array_equal(talent, want)
    assert market_mean(raw) == pytest.approx(p.skill[staff].mean(), rel=1e-13)
    nobody = raw_sums(np.zeros(9 * n_labs), np.zeros(n_labs), np.zeros(n_labs), n_labs)[0]
    assert market_mean(nobody) == 1.0


@pytest.mark.parametrize("seed", range(6))
def test_full_pass_equals_numpy(seed):
    """Staff, every lab's sums from zero and the researchers by allocation rule: as
    flatnonzero, bincounts and masks (bit for bit, signed zeros included)."""
    rng = np.random.default_rng(seed)
    n_labs = 6
    p = random_people(rng, 700 * seed, n_labs, order_sensitive=True)
    emp = p.view("employer")
    alloc = rng.integers(0, 3, n_labs).astype(np.int64)
    rows = np.flatnonzero(emp >= 0)
    want = numpy_raw_sums(p, rows, n_labs, alloc, 0.0)
    for powers in (False, True):
        staff, rule1, rule2, acc = _full_pass(emp, p.skill, p.specialty, p.comp_usd, alloc, powers)
        got, bounds = raw_sums(acc, want.sg1, want.sg2, n_labs)
        np.testing.assert_array_equal(bounds, by_employer(rows, emp, n_labs)[1])
        np.testing.assert_array_equal(staff, rows)
        assert_raw_equal(got, want)
        for rule, sel in ((1, rule1), (2, rule2)):
            want_rows = rows[(p.specialty[rows] == RESEARCH) & (alloc[emp[rows]] == rule)]
            np.testing.assert_array_equal(sel, want_rows if powers else want_rows[:0])


# -- vesting -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("binding", [False, True])
def test_age_and_vest_kernel_equals_numpy(seed, binding):
    """A generic market after a few months, tenures spread over anniversaries, the
    cliff and past the schedule (a few negative): every column bit for bit. With
    ``binding``, merit raises pass output growth through, some labs' pay caps sit
    inside their pay range (some at 0, some infinite) and some budgets leave little or
    no headroom, so the caps and the budget fit both bind."""
    model = market.TalentMarket(n_labs=8, n_engineers=3000, rng=seed)
    for _ in range(14):
        model.step()
    st = model.state
    rng = np.random.default_rng(seed)
    p = st.people
    if binding:
        labs = st.labs
        n_labs = len(labs)
        labs.merit_raise_pass_through[:] = rng.uniform(0.0, 2.0, n_labs)
        labs.merit_raise_max[:] = rng.uniform(0.0, 0.2, n_labs)
        labs.research_output[:] = rng.uniform(0.5, 3.0, n_labs) * (labs.research_output + 1.0)
        median = np.median(p.comp_usd[: p.n])
        labs.pay_cap_usd[:] = rng.choice([0.0, 0.9 * median, 1.1 * median, np.inf], n_labs)
        payroll = st.lab_state.payroll
        labs.budget_usd[:] = payroll * rng.choice([0.9, 1.0, 1.0005, 1.01, 2.0], n_labs)
        assert np.all(labs.merit_raise_max >= 0)
    p.tenure_months[: p.n] = rng.integers(-3, 80, p.n)
    p.unvested_usd[: p.n] = rng.lognormal(11, 1.0, p.n) * (rng.random(p.n) < 0.9)
    a, b = copy.deepcopy(st), copy.deepcopy(st)
    vesting.age_and_vest(a)
    numpy_age_and_vest(b)
    for col in ("tenure_months", "unvested_usd", "comp_usd"):
        x, y = getattr(a.people, col), getattr(b.people, col)
        assert np.array_equal(x.view(np.uint8), y.view(np.uint8)), col
    assert a.people.version == b.people.version


# -- lab order and pay quantiles -----------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_counting_sort_equals_stable_argsort(seed):
    rng = np.random.default_rng(seed)
    n_labs = int(rng.integers(1, 40))
    n = int(rng.choice([0, 1, 50, 5000]))
    staff = np.sort(rng.choice(10 * n + 1, n, replace=False)).astype(np.int64)
    for lab in (rng.integers(0, n_labs, n).astype(np.int32), rng.integers(0, n_labs, n)):
        order, bounds = staff_by_lab(staff, lab, n_labs)
        np.testing.assert_array_equal(order, staff[np.argsort(lab, kind="stable")])
        want = np.concatenate([[0], np.cumsum(np.bincount(lab, minlength=n_labs))])
        np.testing.assert_array_equal(bounds, want)
        assert order.dtype == np.int64 and bounds.dtype == want.dtype
        employer = np.full(10 * n + 1, -1, dtype=lab.dtype)
        employer[staff] = lab
        got = by_employer(staff, employer, n_labs)
        np.testing.assert_array_equal(got[0], order)
        np.testing.assert_array_equal(got[1], bounds)


@pytest.mark.parametrize("seed", range(30))
def test_group_quantiles_selection_equals_np_quantile(seed):
    """Groups empty, of one or two people, large; many ties, sorted and reversed
    inputs (the quickselect's bad cases), pay where the lerp rounds."""
    from market.phases.record import group_quantiles

    rng = np.random.default_rng(100 + seed)
    sizes = rng.integers(0, rng.choice([2, 3, 30, 5000]), rng.integers(1, 12))
    sizes[rng.integers(0, len(sizes))] = 1
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    m = int(bounds[-1])
    values = [
        rng.lognormal(12, 1, m),
        rng.integers(0, 3, m) * 1e5,  # few distinct values
        np.sort(rng.lognormal(12, 1, m)),
        -np.sort(-rng.lognormal(12, 1, m)),
        np.full(m, 2.5e5),
        1e16 + rng.integers(0, 5, m) * 2.0,
    ][seed % 6]
    q = [(0.5, 0.9, 0.99), (0.0, 0.25, 1.0), (0.1,), (0.999, 0.5, 0.01)][seed % 4]
    got = group_quantiles(values.copy(), bounds, q)
    for j in range(len(sizes)):
        seg = values[bounds[j] : bounds[j + 1]]
        if seg.size:
            assert np.array_equal(got[j].view(np.int64), np.quantile(seg, q).view(np.int64))
        else:
            assert np.isnan(got[j]).all()


@pytest.mark.parametrize("seed", range(6))
def test_order_stats_are_the_sorted_values(seed):
    """Large groups (the buckets), ties, constant groups, sorted input, a few values
    apart from the rest (one bucket holds almost all), an outlier, infinities, a span
    too wide (overflows) or too narrow (subnormal) to scale."""
    from market.selection import order_stats

    rng = np.random.default_rng(seed)
    for n in (1, 2, 17, 257, 3000, 40_000):
        spikes = np.arange(n) % 97 == 0
        for a in (
            rng.lognormal(12, 1, n),
            rng.integers(0, max(n // 50, 1), n).astype(float),
            np.full(n, 7.0),
            np.sort(rng.random(n)),
            np.where(spikes, rng.random(n), 0.5),
            np.where(np.arange(n) == n // 2, 1e300, rng.random(n)),
            np.where(spikes, np.inf, rng.normal(size=n)),
            np.where(spikes, -np.inf, rng.normal(size=n)),
            np.where(spikes, -1e308, 1e308 * rng.random(n)),
            np.where(spikes, 0.0, 5e-324 * rng.integers(0, 3, n)),
        ):
            kth = rng.integers(0, n, (1, 6))
            kth[0, :2] = [0, n - 1]
            got = order_stats(a, np.array([0]), np.array([n]), kth)
            np.testing.assert_array_equal(got[0], np.sort(a)[kth[0]])


@pytest.mark.parametrize("seed", range(3))
def test_order_stats_within_bounds_are_the_sorted_values(seed):
    """Groups bucketed over bounds of all groups together (wider than each group's
    own range): large, small, empty and constant groups, ties, a group far from the
    rest, spans too wide (overflows) or too narrow (subnormal) to scale; the same
    values as :func:`order_stats`."""
    from market.selection import order_stats, order_stats_within

    rng = np.random.default_rng(seed)
    for parts in (
        [rng.lognormal(12, 1, 3000), rng.lognormal(11, 0.5, 900), np.full(400, 2e5)],
        [
            rng.random(40),
            np.zeros(0),
            rng.integers(0, 20, 1000).astype(float),
            1e9 + rng.random(500),
        ],
        [-1e308 * rng.random(300), 1e308 * rng.random(700)],
        [5e-324 * rng.integers(0, 3, 600), np.zeros(300)],
    ):
        values = np.concatenate(parts)
        size = np.array([len(x) for x in parts])
        start = np.concatenate([[0], np.cumsum(size)[:-1]])
        kth = np.array([rng.integers(0, max(n, 1), 5) for n in size])
        kth[:, 0] = np.maximum(size - 1, 0)
        nonempty = size > 0
        args = (values, start[nonempty], size[nonempty], kth[nonempty])
        got = order_stats_within(*args, values.min(), values.max())
        want = [np.sort(x)[k] for x, k in zip(parts, kth, strict=True) if len(x)]
        np.testing.assert_array_equal(got, np.array(want))
        np.testing.assert_array_equal(got, order_stats(*args))


def test_order_stats_are_nan_for_a_group_holding_nan():
    from market.selection import order_stats

    values = np.concatenate([np.arange(300.0), [np.nan], np.arange(5.0), [1.0, np.nan, 2.0]])
    values[7] = np.nan
    kth = np.array([[0, 1]] * 3)
    got = order_stats(values, np.array([0, 301, 306]), np.array([301, 5, 3]), kth)
    assert np.isnan(got[0]).all() and np.isnan(got[2]).all()
    np.testing.assert_array_equal(got[1], [0.0, 1.0])


@pytest.mark.parametrize("n", [0, 1, 3, 4, 5, 8, 1001])
def test_value_range_is_nanmin_nanmax_and_any_nan(n):
    from market.selection import value_range

    rng = np.random.default_rng(n)
    cases = [rng.normal(size=n), np.full(n, np.nan), np.full(n, -0.5)]
    if n:
        for fill in (np.nan, np.inf, -np.inf):
            a = rng.normal(size=n)
            a[rng.integers(0, n, 1 + n // 10)] = fill
            cases.append(a)
        a = rng.normal(size=n)
        a[[0, -1]] = [np.inf, -np.inf]
        cases.append(a)
    for a in cases:
        least, most, nan = value_range(a)
        assert nan == bool(np.isnan(a).any())
        finite = a[~np.isnan(a)]
        assert least == (finite.min() if finite.size else np.inf)
        assert most == (finite.max() if finite.size else -np.inf)


def test_quickselect_places_order_statistics():
    from market.selection import quickselect

    rng = np.random.default_rng(3)
    for n in (1, 2, 17, 200, 3000):
        a = rng.integers(0, max(n // 5, 1), n).astype(float)
        k = int(rng.integers(0, n))
        b = a.copy()
        quickselect(b, 0, n - 1, k)
        s = np.sort(a)
        assert b[k] == s[k] and (b[:k] <= b[k]).all() and (b[k + 1 :] >= b[k]).all()
        np.testing.assert_array_equal(np.sort(b), s)  # a permutation


# -- attrition and entry row selections ----------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_attrition_and_entry_selections_equal_numpy(seed):
    from market.phases.attrition import _at_risk
    from market.phases.entry import _pay_sums, _stale

    rng = np.random.default_rng(seed)
    n = int(rng.choice([0, 1, 300, 4000]))
    emp = rng.integers(-2, 6, n).astype(np.int32)
    held = (rng.integers(0, 30, n) * (rng.random(n) < 0.1)).astype(np.int32)
    tenure = rng.integers(0, 20, n).astype(np.int32)
    step = int(rng.integers(0, 30))
    drawn = np.flatnonzero(rng.random(n) < 0.3)
    want = drawn[(emp[drawn] >= 0) & (held[drawn] <= step)]
    np.testing.assert_array_equal(_at_risk(drawn, emp, held, step), want)
    stale = np.flatnonzero((emp == Employer.POOL) & (tenure > 6))
    np.testing.assert_array_equal(_stale(emp, tenure, 6), stale)
    values = rng.random(n) * 10.0 ** rng.integers(0, 8, n)  # magnitudes apart: order shows
    labs = rng.permutation(8)[: int(rng.integers(0, 5))]  # codes 6, 7: nobody there
    want = [values[emp == j].sum() for j in labs]
    np.testing.assert_array_equal(_pay_sums(emp, values, labs.astype(np.int64)), want)


def test_pay_sums_are_numpys_pairwise_sums_of_large_labs():
    """Above 128 values numpy sums by halves: a sequential sum would differ."""
    from market.phases.entry import _pay_sums

    rng = np.random.default_rng(3)
    n = 50_000
    emp = rng.integers(-2, 3, n).astype(np.int32)
    values = rng.random(n) * 10.0 ** rng.integers(0, 9, n)
    got = _pay_sums(emp, values, np.array([2, 0], dtype=np.int64))
    np.testing.assert_array_equal(got, [values[emp == 2].sum(), values[emp == 0].sum()])
    sequential = 0.0
    for v in values[emp == 2]:
        sequential += v
    assert sequential != got[0]  # the test would catch a sequential sum


def test_kernels_refuse_codes_out_of_range():
    """numba does not check bounds: a lab code beyond the tables raises, not writes."""
    p = People.empty(3)
    p.add(
        skill=np.ones(3),
        specialty=np.zeros(3, dtype=np.int8),
        employer=np.array([0, 5, 1], dtype=np.int32),
        comp_usd=np.ones(3),
    )
    alloc = np.zeros(2, dtype=np.int64)
    with pytest.raises(IndexError):
        full_sums(p, 2, alloc, 0.0)
    with pytest.raises(IndexError):
        _full_pass(p.view("employer"), p.skill, p.specialty, p.comp_usd, alloc, False)
    with pytest.raises(IndexError):
        by_employer(np.arange(3), p.employer, 2)
