"""The performance rewrites (issue 6) give bit-identical results to the straightforward
code they replaced. No timings here: speed is checked by ``benchmarks/run.py``; whole-run
table equality against an older revision by ``benchmarks/equivalence.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

import market
from market.codes import ALLOCATION_RULES
from market.people import GONE, INFRASTRUCTURE, POOL, PRODUCT, RESEARCH
from market.phases.record import group_quantiles
from market.search import group_order
from market.tables import _months, build_tables
from market.valuation import aggregate


def reference_aggregate_sums(people, n_labs, allocation, g):
    """The per-specialty bincounts of the original ``aggregate`` (before issue 6)."""
    emp = people.view("employer")
    at_lab = np.flatnonzero(emp >= 0)
    lab = emp[at_lab]
    s = people.skill[at_lab]
    spec = people.specialty[at_lab]
    headcount = np.zeros((3, n_labs))
    sums = {}
    for code in (RESEARCH, INFRASTRUCTURE, PRODUCT):
        mask = spec == code
        headcount[code] = np.bincount(lab[mask], minlength=n_labs)
        sums[code] = np.bincount(lab[mask], weights=s[mask], minlength=n_labs)
    is_r = spec == RESEARCH
    r_lab, r_s = lab[is_r], s[is_r]
    s2 = np.bincount(r_lab, weights=r_s**2, minlength=n_labs)
    talent = sums[RESEARCH].copy()
    if g > 0 and np.any(allocation > 0):
        n_r = np.maximum(headcount[RESEARCH], 1)
        m1 = np.maximum(sums[RESEARCH] / n_r, 1e-12)
        m2 = np.maximum(s2 / n_r, 1e-12)
        sg1 = np.bincount(r_lab, weights=r_s ** (1 + g), minlength=n_labs)
        sg2 = np.bincount(r_lab, weights=r_s ** (1 + 2 * g), minlength=n_labs)
        talent = np.select([allocation == 1, allocation == 2], [sg1 / m1**g, sg2 / m2**g], talent)
    return headcount, sums, s2, talent


@pytest.fixture(scope="module")
def spun_out_model():
    """A market with spin-outs (top_teams allocation) and a mix of rules."""
    model = market.TalentMarket(n_labs=10, n_engineers=3_000, spinout_rate_per_year=0.3, rng=11)
    for _ in range(30):
        model.step()
    return model


@pytest.mark.parametrize("gamma", [0.0, 0.25, 1.0])
def test_aggregate_matches_reference_bitwise(spun_out_model, gamma):
    model = spun_out_model
    labs = model.labs
    allocation = np.array([ALLOCATION_RULES.index(lab.policy.compute_allocation) for lab in labs])
    allocation[::3] = 1  # some skill-weighted labs too
    cfg = model.cfg.model_copy(update={"allocation_gamma": gamma})
    st = aggregate(
        model.people,
        gpus=np.array([lab.gpus_h100e for lab in labs]),
        efficiency=np.array([lab.efficiency for lab in labs]),
        allocation=allocation,
        mission=np.array([lab.mission for lab in labs]),
        retention_frac=np.zeros(len(labs)),
        cfg=cfg,
    )
    headcount, sums, s2, talent = reference_aggregate_sums(
        model.people, len(labs), allocation, gamma
    )
    assert (allocation == 2).any() and (allocation == 1).any()
    np.testing.assert_array_equal(st.headcount, headcount)
    np.testing.assert_array_equal(st.research_s1, sums[RESEARCH])
    np.testing.assert_array_equal(st.infra, sums[INFRASTRUCTURE])
    np.testing.assert_array_equal(st.product, sums[PRODUCT])
    np.testing.assert_array_equal(st.research_s2, s2)
    np.testing.assert_array_equal(st.talent, talent)


@pytest.mark.parametrize("given_lab_order", [False, True])
def test_group_order_is_the_stable_sort(spun_out_model, given_lab_order):
    people, n_labs = spun_out_model.people, len(spun_out_model.labs)
    by_lab = spun_out_model.state.lab_order() if given_lab_order else None
    rows, bounds = group_order(people, n_labs, by_lab)
    emp = people.view("employer")
    expect_rows = np.flatnonzero(emp != GONE)
    grp = np.where(emp[expect_rows] == POOL, n_labs, emp[expect_rows])
    np.testing.assert_array_equal(rows, expect_rows[np.argsort(grp, kind="stable")])
    np.testing.assert_array_equal(
        bounds, np.concatenate([[0], np.cumsum(np.bincount(grp, minlength=n_labs + 1))])
    )


@pytest.mark.parametrize("seed", range(40))
def test_group_quantiles_match_numpy_bitwise(seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, rng.choice([3, 40, 2_000]), rng.integers(1, 9))
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    values = [
        rng.lognormal(12, 1, bounds[-1]),
        rng.integers(0, 4, bounds[-1]) * 1e5,  # ties
        np.round(rng.pareto(2.2, bounds[-1]) * 3e5, 2),
    ][seed % 3]
    q = (0.5, 0.9, 0.99)
    got = group_quantiles(values.copy(), bounds, q)
    for j in range(len(sizes)):
        seg = values[bounds[j] : bounds[j + 1]]
        if seg.size:
            np.testing.assert_array_equal(got[j], np.quantile(seg, q))
        else:
            assert np.isnan(got[j]).all()


def test_group_quantiles_of_a_group_with_nan_are_nan_as_numpys():
    values = np.array([1.0, np.nan, 3.0, 4.0, 5.0, np.nan, 7.0])
    bounds = np.array([0, 3, 5, 5, 7])
    got = group_quantiles(values.copy(), bounds, (0.0, 0.5, 1.0))
    for j in range(4):
        seg = values[bounds[j] : bounds[j + 1]]
        want = np.quantile(seg, (0.0, 0.5, 1.0)) if seg.size else np.full(3, np.nan)
        np.testing.assert_array_equal(got[j], want)
    assert np.isnan(got[0]).all() and not np.isnan(got[1]).any()


def test_months_per_distinct_step_match_per_row(spun_out_model):
    steps = spun_out_model.ledger.move_records()["step"]
    assert _months(spun_out_model, steps) == [
        spun_out_model.config.step_to_month(int(s)) for s in steps
    ]
    assert _months(spun_out_model, steps[:0]) == []


def test_engineers_stay_mesa_agents(spun_out_model):
    model = spun_out_model
    in_market = int((model.people.view("employer") != GONE).sum())
    engineers = model.agents_by_type[market.Engineer]
    assert len(engineers) == in_market
    assert len(model.agents) == in_market + len(model.labs)
    one = next(iter(engineers))
    assert one.active and one.skill == model.people.skill[one.row]
    assert set(build_tables(model)) == set(market.TABLE_NAMES)


def test_cached_aggregates_equal_fresh_ones_at_every_refresh():
    """The kept lab sums never serve stale values: at each refresh of a run with
    layoffs, spin-outs and counters, the aggregates kept since the start (updated by the
    changed rows between full passes) equal a refresh from scratch to rounding, head
    counts exactly, and the staff and their lab order exactly."""
    import dataclasses

    from market.lab_sums import LabSums
    from market.state import MarketState

    checked = []
    original = MarketState.refresh

    def paranoid(self):
        kept = self._cache
        cached = original(self)
        self._cache = LabSums()  # a fresh cache: every lab summed from scratch
        fresh = original(self)
        self._cache = kept
        for f in dataclasses.fields(fresh):
            got, want = getattr(cached, f.name), getattr(fresh, f.name)
            if f.name in ("headcount", "gpus", "backlog"):
                np.testing.assert_array_equal(got, want, err_msg=f.name)
            else:  # log_colleagues: the log of a ratio near 1, so an absolute tolerance
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9, err_msg=f.name)
        emp = self.people.view("employer")
        staff = np.flatnonzero(emp >= 0)
        rows, bounds = kept.lab_order(self.people, self.n_labs)
        np.testing.assert_array_equal(kept.staff, staff)
        np.testing.assert_array_equal(rows, staff[np.argsort(emp[staff], kind="stable")])
        np.testing.assert_array_equal(np.diff(bounds), fresh.headcount.sum(axis=0))
        checked.append(self.step)
        return cached

    MarketState.refresh = paranoid
    try:
        model = market.TalentMarket(
            n_labs=6, n_engineers=2_000, spinout_rate_per_year=0.9, rng=5, steps=24
        )
        cut = model.config.labs[0].budget_usd * 0.5
        model.state.labs.budget_usd[0] = cut  # forces layoffs at lab 0
        for _ in range(24):
            model.step()
    finally:
        MarketState.refresh = original
    assert len(checked) > 3 * 24
    assert model.spinouts_founded > 0
    assert model.state._cache.full_passes < len(checked) / 3  # mostly updated by rows


# -- kept lab sums (market.lab_sums.LabSums) ----------------------------------------


def _people(skill, specialty, employer, comp):
    from market.people import People

    p = People.empty(4)
    p.add(
        skill=np.asarray(skill, float),
        specialty=np.asarray(specialty, np.int8),
        employer=np.asarray(employer, np.int32),
        comp_usd=np.asarray(comp, float),
    )
    return p


def _assert_sums_equal(got, want):
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


def test_lab_sums_hand_computed_append_and_leave():
    """Lab 0 has researchers of skill 1, 2, 4 (sum 7, squares 21); a graduate of skill
    0.5 joins at a later row (7.5, 21.25), then the skill-2 researcher leaves (5.5)."""
    from market.lab_sums import LabSums

    p = _people([1.0, 2.0, 4.0, 3.0], [0, 0, 0, 1], [0, 0, 0, 1], [10.0, 20.0, 40.0, 30.0])
    alloc = np.zeros(2, dtype=np.int64)
    cache = LabSums()
    sums = cache.get(p, 2, alloc, 0.0)
    assert sums[1][RESEARCH].tolist() == [7.0, 0.0] and sums[2].tolist() == [21.0, 0.0]
    assert sums[4].tolist() == [70.0, 30.0] and sums[6] == 2.5
    row = p.add(skill=np.array([0.5]), specialty=np.array([0]), employer=np.array([-1]))
    p.employer[row] = 0
    p.comp_usd[row] = 5.0
    p.touch(row)
    sums = cache.get(p, 2, alloc, 0.0)
    assert sums[1][RESEARCH].tolist() == [7.5, 0.0] and sums[2].tolist() == [21.25, 0.0]
    assert sums[0][RESEARCH].tolist() == [4.0, 0.0] and sums[4].tolist() == [75.0, 30.0]
    p.employer[1] = -2
    p.touch(np.array([1]))
    sums = cache.get(p, 2, alloc, 0.0)
    assert sums[1][RESEARCH].tolist() == [5.5, 0.0] and sums[0][RESEARCH].tolist() == [3.0, 0.0]
    assert sums[6] == (1.0 + 4.0 + 3.0 + 0.5) / 4


def test_lab_sums_updated_by_rows_until_a_full_pass_rebases_them():
    """Skills 1e16, 1 and -1e16 at one lab: a pass in row order loses the 1 (sum 0).
    Updated by rows, the sums differ from a fresh pass only by that rounding; a lab
    whose last member leaves has sums of exactly 0; after MAX_UPDATES updates a full
    pass gives the fresh sums again, bit for bit."""
    from market.lab_sums import MAX_UPDATES, LabSums, people_sums

    p = _people([1e16, 5.0, 1.0, -1e16, 7.0], [1] * 5, [0, 1, 0, 0, -1], [1.0] * 5)
    alloc = np.zeros(2, dtype=np.int64)
    cache = LabSums()
    assert cache.get(p, 2, alloc, 0.0)[1][1, 0] == 0.0 and cache.full_passes == 1
    p.employer[4] = 0  # joins lab 0: + 7
    p.touch(np.array([4]))
    assert cache.get(p, 2, alloc, 0.0)[1][1, 0] == 7.0 and cache.full_passes == 1
    p.employer[1] = -2  # lab 1's only member leaves the market
    p.touch(np.array([1]))
    got = cache.get(p, 2, alloc, 0.0)
    assert got[0][:, 1].tolist() == [0.0, 0.0, 0.0] and got[1][:, 1].tolist() == [0.0] * 3
    assert got[4][1] == 0.0 and got[5][1] == 0.0  # payroll, skill sum: exactly 0
    for _ in range(MAX_UPDATES):
        p.comp_usd[0] += 1.0
        p.touch(np.array([0]))
        got = cache.get(p, 2, alloc, 0.0)
    assert cache.full_passes == 2  # the update after MAX_UPDATES was a full pass
    _assert_sums_equal(got, people_sums(p, 2, alloc, 0.0))


def test_lab_sums_full_pass_after_an_unnamed_write_or_a_rule_change():
    from market.lab_sums import LabSums

    p = _people([1.0, 2.0, 4.0, 3.0], [0, 0, 0, 1], [0, 0, 0, 1], [10.0, 20.0, 40.0, 30.0])
    alloc = np.zeros(2, dtype=np.int64)
    cache = LabSums()
    cache.get(p, 2, alloc, 0.3)
    p.comp_usd[0] = 11.0
    p.touch()  # rows not named
    assert cache.get(p, 2, alloc, 0.3)[4][0] == 71.0 and cache.full_passes == 2
    p.comp_usd[0] = 12.0
    p.touch(np.array([0]))
    assert cache.get(p, 2, alloc, 0.3)[4][0] == 72.0 and cache.full_passes == 2
    rules = np.array([1, 0])  # lab 0 now allocates by skill: its power sums are new
    talent = cache.get(p, 2, rules, 0.3)[3]
    assert cache.full_passes == 3
    mean = 7.0 / 3
    assert talent[0] == pytest.approx((1.0 + 2.0**1.3 + 4.0**1.3) / mean**0.3)


@pytest.mark.parametrize("seed", range(12))
def test_incremental_lab_sums_equal_recomputation_after_random_changes(seed):
    """Random moves, entries, exits, pay changes, unknown-row touches, allocation
    changes and new labs: after every batch the kept sums equal a from-scratch pass (to
    rounding; head counts exactly), and the staff and the lab order exactly."""
    from market.lab_sums import LabSums, people_sums

    rng = np.random.default_rng(seed)
    n = 400
    p = _people(
        rng.pareto(2.0, n) + 1,
        rng.integers(0, 3, n),
        rng.integers(-2, 6, n),
        rng.lognormal(12, 0.5, n),
    )
    n_labs, g = 6, [0.0, 0.3][seed % 2]
    alloc = rng.integers(0, 3, n_labs)
    cache = LabSums()
    for _ in range(25):
        kind = rng.integers(0, 7)
        emp = p.view("employer")
        if kind == 0:  # moves between labs, the pool and out of the market
            rows = rng.choice(p.n, rng.integers(1, 20), replace=False)
            p.employer[rows] = rng.integers(-2, n_labs, rows.size)
            p.touch(rows)
        elif kind == 1:  # entrants, some hired straight into a lab at the end
            k = int(rng.integers(1, 15))
            rows = p.add(
                skill=rng.pareto(2.0, k) + 1,
                specialty=rng.integers(0, 3, k).astype(np.int8),
                employer=rng.integers(-1, n_labs, k).astype(np.int32),
                comp_usd=rng.lognormal(12, 0.5, k),
            )
        elif kind == 2:  # pool members join a lab (appended if they are recent)
            pool = np.flatnonzero(emp == -1)
            rows = pool[-rng.integers(1, 5) :] if pool.size else pool
            p.employer[rows] = int(rng.integers(0, n_labs))
            p.touch(rows)
        elif kind == 3:  # pay changes of members
            rows = rng.choice(p.n, 10, replace=False)
            p.comp_usd[rows] *= 1.1
            p.touch(rows)
        elif kind == 4:  # written without naming the rows
            p.comp_usd[rng.integers(0, p.n)] += 1.0
            p.touch()
        elif kind == 5:
            alloc = alloc.copy()
            alloc[rng.integers(0, n_labs)] = rng.integers(0, 3)
        else:  # a spin-out: a new lab and its founder
            n_labs += 1
            alloc = np.append(alloc, rng.integers(0, 3))
            row = rng.integers(0, p.n, 1)
            p.employer[row] = n_labs - 1
            p.touch(row)
        got = cache.get(p, n_labs, alloc, g)
        staff = np.flatnonzero(p.view("employer") >= 0)
        want = people_sums(p, n_labs, alloc, g)
        np.testing.assert_array_equal(got[0], want[0])
        for a, b in zip(got[1:], want[1:], strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-6)
        np.testing.assert_array_equal(cache.staff, staff)
        if rng.random() < 0.7:  # the lab order, sorted when first asked for
            rows, bounds = cache.lab_order(p, n_labs)
            lab = p.employer[staff]
            np.testing.assert_array_equal(rows, staff[np.argsort(lab, kind="stable")])
            np.testing.assert_array_equal(
                bounds, np.concatenate([[0], np.cumsum(np.bincount(lab, minlength=n_labs))])
            )


def test_people_add_writes_columns_as_indexing_by_rows_did():
    """``People.add`` writes each column's new slice: the same values, casts and
    broadcasts as assigning at the new rows (``column[rows] = values``), also when the
    arrays grow; untouched columns keep their defaults."""
    from market.people import People

    p, q = People.empty(2), People.empty(2)
    for k in (3, 0, 5):
        cols = {
            "skill": np.linspace(1.0, 2.0, k),
            "employer": np.full(k, 7, dtype=np.int64),
            "specialty": np.arange(k) % 3,
            "tenure_months": np.full(k, 2.9),
            "w_mission": np.float64(0.5),
        }
        rows = p.add(**cols)
        np.testing.assert_array_equal(rows, np.arange(q.n, q.n + k))
        if q.n + k > q.capacity:
            q._grow(max(q.capacity * 3 // 2, q.n + k))
        for name, values in cols.items():
            getattr(q, name)[rows] = values
        q.n += k
    for name in ("skill", "employer", "specialty", "tenure_months", "w_mission", "hired_step"):
        a, b = getattr(p, name), getattr(q, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name


def test_people_log_the_rows_changed_since_a_version():
    """``changed_since``: the rows touched or added after a version, None once a touch
    without rows (or a log past half the rows) leaves that unknown."""
    p = _people([1.0] * 4, [0] * 4, [0, 0, 1, -1], [1.0] * 4)
    v = p.version
    assert p.changed_since(v).size == 0
    p.touch(np.array([2, 0]))
    added = p.add(skill=np.array([2.0]), specialty=np.array([0]), employer=np.array([-1]))
    assert sorted(p.changed_since(v).tolist()) == [0, 2, int(added[0])]
    assert p.changed_since(p.version).size == 0
    rows = np.array([1])
    p.touch(rows)
    rows[0] = 3  # the log keeps its own copy
    assert p.changed_since(p.version - 1).tolist() == [1]
    w = p.version
    p.touch()  # any row
    assert p.changed_since(w) is None and p.changed_since(p.version).size == 0
    u = p.version
    p.touch(np.arange(4097) % p.n)  # past max(4096, n / 2) rows: forgotten
    assert p.changed_since(u) is None
