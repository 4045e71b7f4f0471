"""Production submodel: CES limits, monotonicity, diminishing returns, utilisation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.production import (
    capability_increment,
    ces,
    fleet_compute,
    monetisation,
    utilisation,
)

positive = st.floats(min_value=1e-3, max_value=1e3)
sigmas = st.floats(min_value=0.0, max_value=2.6)
alphas = st.floats(min_value=0.05, max_value=0.95)


@settings(max_examples=200, deadline=None)
@given(x=positive, y=positive, sigma=sigmas, alpha=alphas, k=st.floats(1.1, 10.0))
def test_output_increases_in_compute_and_talent(x, y, sigma, alpha, k):
    base = ces(x, y, sigma, alpha)
    assert np.isfinite(base) and base > 0
    assert ces(k * x, y, sigma, alpha) >= base * (1 - 1e-12)
    assert ces(x, k * y, sigma, alpha) >= base * (1 - 1e-12)
    if sigma >= 0.25:  # strictly increasing (near Leontief the abundant input adds ~0)
        assert ces(k * x, y, sigma, alpha) > base
        assert ces(x, k * y, sigma, alpha) > base


@settings(max_examples=200, deadline=None)
@given(x=positive, y=positive, sigma=sigmas, alpha=alphas, h=st.floats(0.01, 10.0))
def test_diminishing_returns_to_each_input(x, y, sigma, alpha, h):
    """Concavity in each input: the second increment is no larger than the first."""
    in_compute = [ces(x + i * h, y, sigma, alpha) for i in range(3)]
    in_talent = [ces(x, y + i * h, sigma, alpha) for i in range(3)]
    for f0, f1, f2 in (in_compute, in_talent):
        assert f2 - f1 <= (f1 - f0) + 1e-9 * max(1.0, f1)


@settings(max_examples=100, deadline=None)
@given(x=positive, y=positive, sigma=sigmas, alpha=alphas, k=st.floats(0.1, 10.0))
def test_constant_returns_to_scale(x, y, sigma, alpha, k):
    assert ces(k * x, k * y, sigma, alpha) == pytest.approx(k * ces(x, y, sigma, alpha), rel=1e-9)


@pytest.mark.parametrize("x, y", [(0.5, 2.0), (3.0, 0.2), (1.0, 1.0)])
def test_sigma_to_one_is_cobb_douglas(x, y):
    alpha = 0.3
    cobb_douglas = x**alpha * y ** (1 - alpha)
    assert ces(x, y, 1.0, alpha) == pytest.approx(cobb_douglas, rel=1e-12)
    for eps in (1e-3, 1e-5, 1e-7):  # continuous on both sides of 1
        assert ces(x, y, 1 + eps, alpha) == pytest.approx(cobb_douglas, rel=10 * eps)
        assert ces(x, y, 1 - eps, alpha) == pytest.approx(cobb_douglas, rel=10 * eps)


@pytest.mark.parametrize("x, y", [(0.5, 2.0), (3.0, 0.2), (1.0, 1.0)])
def test_sigma_to_zero_is_leontief(x, y):
    assert ces(x, y, 0.0, 0.4) == min(x, y)
    # Approaches min(x, y) as sigma -> 0 without overflow or division by zero.
    with np.errstate(all="raise"):
        near = ces(np.array([x]), np.array([y]), 0.01, 0.4)[0]
    assert near == pytest.approx(min(x, y), rel=0.05)


@pytest.mark.parametrize("sigma", [0.0, 1e-9, 0.01, 0.5, 1.0, 2.6])
def test_zero_inputs_give_finite_output(sigma):
    out = ces(np.array([0.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0]), sigma, 0.5)
    assert np.all(np.isfinite(out))
    assert np.all(out >= 0)
    if sigma <= 1.0:  # complements or Cobb-Douglas: nothing without both inputs
        assert np.all(out == 0)


def test_marginal_product_of_talent_rises_with_compute():
    """The same researcher adds more output where compute is abundant (any sigma)."""
    for sigma in (0.3, 1.0, 2.0):
        poor = ces(1.0, 1.01, sigma, 0.5) - ces(1.0, 1.0, sigma, 0.5)
        rich = ces(4.0, 1.01, sigma, 0.5) - ces(4.0, 1.0, sigma, 0.5)
        assert rich > poor


def test_utilisation_saturates_in_infrastructure_talent():
    infra = np.array([0.0, 10.0, 100.0, 1e4, 1e8])
    u = utilisation(infra, np.full(5, 200_000.0), 0.1, 0.9, 1.0)
    assert u[0] == pytest.approx(0.1)  # a GPU fleet with no infra people barely works
    assert np.all(np.diff(u) > 0)
    assert u[-1] == pytest.approx(0.9, abs=1e-4)
    # Diminishing: each tenfold increase adds less once past the half-saturation point.
    assert u[3] - u[2] > u[4] - u[3]
    # More GPUs need more infra people for the same utilisation.
    assert utilisation(100.0, 400_000.0, 0.1, 0.9, 1.0) < utilisation(
        100.0, 200_000.0, 0.1, 0.9, 1.0
    )


def test_monetisation_is_one_without_product_talent():
    assert monetisation(np.array([0.0]), 50.0, 1.0)[0] == 1.0
    assert monetisation(np.array([1e9]), 50.0, 1.0)[0] == pytest.approx(2.0, rel=1e-6)


def test_ideas_get_harder_to_find():
    """With phi < 1 the growth rate of capability falls as capability grows (Jones 1995)."""
    k = np.array([1.0, 2.0, 4.0, 8.0])
    growth_rate = capability_increment(np.ones(4), k, 0.02, 0.8, 0.3) / k
    assert np.all(np.diff(growth_rate) < 0)


def _ces_reference(x, y, sigma, alpha):
    """The CES as a plain expression (temporaries, no buffers reused)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if sigma < 1e-6:
        return np.minimum(x, y)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lx, ly = np.log(x), np.log(y)
        if abs(sigma - 1.0) < 1e-9:
            out = np.exp(alpha * lx + (1 - alpha) * ly)
        else:
            rho = (sigma - 1.0) / sigma
            out = np.exp(np.logaddexp(np.log(alpha) + rho * lx, np.log(1 - alpha) + rho * ly) / rho)
    return np.where(np.isnan(out), 0.0, out)


@pytest.mark.parametrize("sigma", [0.0, 0.3, 0.5, 1.0, 1.0 + 1e-12, 2.5])
@pytest.mark.parametrize("n", [0, 1, 37, 5000])
def test_ces_in_place_is_the_plain_expression(sigma, n):
    """With zero and infinite inputs (0 x inf in log space gives 0), for arrays, scalars
    and a scalar broadcast against an array: bit for bit at the Leontief and
    Cobb-Douglas limits; in general to 1e-13 relative (``logaddexp`` is computed as
    ``max + log1p(exp(-|gap|))``), with the same zeros and infinities."""
    rng = np.random.default_rng(n)
    x, y = rng.lognormal(0, 2, n), rng.lognormal(0, 2, n)
    if n > 3:
        x[:3], y[:3] = [0.0, np.inf, 0.0], [np.inf, 0.0, 0.0]
    exact = sigma < 1e-6 or abs(sigma - 1.0) < 1e-9
    for args in ((x, y), (2.0, 4.0), (0.0, 0.0), (2.0, y), (x, 0.5)):
        got, want = ces(*args, sigma, 0.3), _ces_reference(*args, sigma, 0.3)
        assert np.shape(got) == np.shape(want)
        if exact:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)


@pytest.mark.parametrize("sigma", [0.3, 2.5])
def test_ces_edge_cases_match_logaddexp(sigma):
    """Every pairing of 0, 1, inf and NaN gives what the ``logaddexp`` form gives
    (both inputs infinite or both 0: the same infinity in log space)."""
    values = np.array([0.0, 1.0, np.inf, np.nan])
    x, y = (a.ravel() for a in np.meshgrid(values, values))
    np.testing.assert_array_equal(ces(x, y, sigma, 0.3), _ces_reference(x, y, sigma, 0.3))


def _utilisation_reference(infra, gpus, u_min, u_max, half, beta):
    """Utilisation as the plain numpy ``where`` chain."""
    gpus = np.asarray(gpus, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        fleet = (gpus / 1000.0) ** beta
        z = np.where(gpus > 0, np.asarray(infra) / fleet, np.inf)
        frac = np.where(np.isinf(z), 1.0, z / (z + half))
    return u_min + (max(u_max, u_min) - u_min) * frac


@pytest.mark.parametrize("beta", [0.0, 0.7, 1.0])
@pytest.mark.parametrize("n", [0, 1, 40, 3000])
def test_utilisation_kernel_is_the_where_chain(beta, n):
    """Bit for bit, with no, negative, NaN and subnormal fleets (a zero ``fleet``: the
    division numpy makes infinite), zero and infinite skill, scalars and broadcasting."""
    rng = np.random.default_rng(n)
    infra, gpus = rng.lognormal(0, 2, n), rng.lognormal(8, 3, n)
    if n > 6:
        gpus[:4], infra[4:6] = [0.0, -1.0, np.nan, 5e-324], [0.0, np.inf]
        infra[3] = 0.0  # 0 / 0: NaN, as numpy
    cases = [(infra, gpus), (100.0, 4e5), (infra, 1000.0), (0.0, gpus), (infra[:1], gpus[:1])]
    for x, g in cases:
        for half in (1e-3, 4.8):
            got = utilisation(x, g, 0.1, 0.9, half, beta)
            want = _utilisation_reference(x, g, 0.1, 0.9, half, beta)
            assert np.shape(got) == np.shape(want)
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("beta", [0.0, 0.7, 1.0])
@pytest.mark.parametrize("n", [0, 1, 3000])
def test_fleet_compute_is_gpus_times_utilisation(beta, n):
    """Per lab fleets gathered, bit for bit: labs with no, negative, NaN and subnormal
    fleets, zero and infinite skill, labs drawn in any order and some never."""
    rng = np.random.default_rng(n + 1)
    gpus = rng.lognormal(8, 3, 12)
    gpus[:4] = [0.0, -1.0, np.nan, 5e-324]
    lab = rng.integers(0, 11, n)  # the last lab never
    infra = rng.lognormal(0, 2, n)
    if n > 6:
        infra[4:6], lab[:6] = [0.0, np.inf], [0, 1, 2, 3, 3, 4]
        infra[3] = 0.0  # 0 / 0: NaN, as numpy
    for half in (1e-3, 4.8):
        got = fleet_compute(infra, lab, gpus, 0.1, 0.9, half, beta)
        want = gpus[lab] * _utilisation_reference(infra, gpus[lab], 0.1, 0.9, half, beta)
        np.testing.assert_array_equal(got, want)


def test_ratio_divides_as_numpy():
    from market.production import ratio

    values = [0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan, 5e-324]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for a in values:
            for b in values:
                want = np.float64(a) / np.float64(b)
                got = ratio(a, b)
                assert got == want or (np.isnan(got) and np.isnan(want)), (a, b)
                assert np.signbit(got) == np.signbit(want) or np.isnan(want), (a, b)


def _ces_numpy(x, y, sigma, alpha):
    """:func:`ces` as numpy calls only (the form its kernels replace)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if x.ndim and x.shape == y.shape:
            out, ly = np.log(x), np.log(y)
        else:
            shape = np.broadcast_shapes(x.shape, y.shape)
            out, ly = np.log(x, out=np.empty(shape)), np.log(y, out=np.empty(shape))
        if abs(sigma - 1.0) < 1e-9:
            out *= alpha
            ly *= 1 - alpha
            out += ly
        else:
            rho = (sigma - 1.0) / sigma
            out *= rho
            out += np.log(alpha)
            ly *= rho
            ly += np.log(1 - alpha)
            gap = np.where(out == ly, 0.0, -np.abs(out - ly))  # logaddexp(out, ly) as
            np.copyto(out, ly, where=~(out >= ly))  # max + log1p(exp(-|out - ly|))
            out += np.log1p(np.exp(gap))
            out /= rho
        np.exp(out, out=out)
    np.copyto(out, 0.0, where=np.isnan(out))
    return out if out.ndim else out[()]


@pytest.mark.parametrize("sigma", [1.0, 0.5, 2.0, 1.0 + 1e-10])
def test_ces_kernels_match_numpy_bitwise(sigma):
    """Arrays with zeros and infinities (NaN in log space -> 0), a transposed pair, a
    broadcast row against a column, and scalars."""
    rng = np.random.default_rng(7)
    x, y = rng.lognormal(0, 2, 500), rng.lognormal(0, 2, 500)
    x[::7], y[::11], x[::13], y[::17] = 0.0, 0.0, np.inf, np.inf
    cases = [(x, y), (x.reshape(20, 25).T, y.reshape(25, 20)), (x[:20], y[:30, None])]
    cases += [(x[:0], y[:0]), (2.5, 0.3), (0.0, np.inf)]
    for a, b in cases:
        got, want = ces(a, b, sigma, 0.35), _ces_numpy(a, b, sigma, 0.35)
        assert np.shape(got) == np.shape(want)
        assert np.array_equal(np.asarray(got).view(np.int64), np.asarray(want).view(np.int64))
