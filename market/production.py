"""Production: compute x talent -> research output -> capability. Pure numpy functions.

Equations (docs/ODD.md, submodels):

* CES aggregate (Arrow et al. 1961), normalised inputs x = C/C_ref, y = T/T_ref::

      Y = (alpha x^rho + (1 - alpha) y^rho)^(1/rho),  rho = (sigma - 1) / sigma

  with the limits sigma -> 1 (Cobb-Douglas ``x^alpha y^(1-alpha)``) and sigma -> 0
  (Leontief ``min(x, y)``) taken exactly, and the general case evaluated in log space
  so that sigma near 0 neither overflows nor divides by zero.
* GPU utilisation rises with infrastructure talent per GPU and saturates
  (Michaelis-Menten): ``u = u_min + (u_max - u_min) * z / (z + h)``, z = infra skill
  per (GPUs / 1,000)^beta (beta = 1: the team needed grows with the fleet).
* Capability accumulates with ideas getting harder to find (Jones 1995):
  ``dK = delta * Y^lambda * K^phi`` with phi < 1.
* Infrastructure leadership (switch ``infra_leadership_enabled``): leader units ``l``
  (sum of leader skill / ``infra_leader_skill``) give a fleet of G GPUs the leadership
  factor ``f = l / (l + n_half (G / G_ref)^gamma)``. Utilisation becomes
  ``u_min + (u_max - u_min) * z / (z + h) * (q0 + (1 - q0) f)``, z from the team's skill
  capped at the leader threshold (a leader counts once on the team, not as 40 median
  engineers), and a share ``k = k_min + (k_max - k_min) f`` of the backlog of new GPUs
  comes online each month.
"""

from __future__ import annotations

import numpy as np

from market.jit import kernel

SIGMA_LEONTIEF = 1e-6
SIGMA_COBB_DOUGLAS_TOL = 1e-9


def ces(x: np.ndarray, y: np.ndarray, sigma: float, alpha: float) -> np.ndarray:
    """CES aggregate of non-negative inputs ``x`` (compute) and ``y`` (talent).

    Homogeneous of degree one, increasing in both inputs, concave.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if sigma < SIGMA_LEONTIEF:
        return np.minimum(x, y)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # exp(alpha lx + (1 - alpha) ly), or exp(logaddexp(log(alpha) + rho lx,
        # log(1 - alpha) + rho ly) / rho), in place in the two fresh arrays of logs
        if x.ndim and x.shape == y.shape:
            out, ly = np.log(x, order="C"), np.log(y, order="C")
        else:  # scalars or broadcasting inputs: logs into arrays of the result's shape
            shape = np.broadcast_shapes(x.shape, y.shape)
            out, ly = np.log(x, out=np.empty(shape)), np.log(y, out=np.empty(shape))
        flat = out.reshape(-1)  # views (C order): the kernels take one dimension
        if abs(sigma - 1.0) < SIGMA_COBB_DOUGLAS_TOL:
            _cobb_douglas_logs(flat, ly.reshape(-1), alpha)
        else:  # logaddexp(p, q) as max(p, q) + log1p(exp(-|p - q|)): numpy's SIMD
            # exp and log1p run ~4x faster than its scalar logaddexp (same to ~1 ulp)
            rho = (sigma - 1.0) / sigma
            gap = ly.reshape(-1)
            _ces_logs(flat, gap, rho, np.log(alpha), np.log(1 - alpha))
            np.exp(gap, out=gap)
            np.log1p(gap, out=gap)
            _add_and_divide(flat, gap, rho)
        np.exp(out, out=out)
    # NaN (0 x inf in log space) -> 0, as np.nan_to_num(nan=0, posinf=inf) would (out is
    # an exp, never -inf), without nan_to_num's ~14 us of overhead a call.
    _nan_to_zero(flat)
    return out if out.ndim else out[()]


@kernel
def _cobb_douglas_logs(lx: np.ndarray, ly: np.ndarray, alpha: float) -> None:
    """``lx *= alpha; ly *= 1 - alpha; lx += ly`` in one loop (``ly`` left as it was)."""
    beta = 1 - alpha
    for i in range(lx.shape[0]):
        lx[i] = lx[i] * alpha + ly[i] * beta


@kernel
def _ces_logs(lx: np.ndarray, ly: np.ndarray, rho: float, log_a: float, log_b: float) -> None:
    """With ``p = rho lx + log_a`` and ``q = rho ly + log_b``: ``lx = max(p, q)`` and
    ``ly = -|p - q|``, 0 where ``p == q`` (also both the same infinity, which
    ``logaddexp`` returns), NaN where either is NaN.
    """
    for i in range(lx.shape[0]):
        p = lx[i] * rho + log_a
        q = ly[i] * rho + log_b
        lx[i] = p if p >= q else q
        ly[i] = -abs(p - q) if p != q else 0.0


@kernel
def _add_and_divide(a: np.ndarray, b: np.ndarray, by: float) -> None:
    """``a += b; a /= by`` in one loop."""
    for i in range(a.shape[0]):
        a[i] = (a[i] + b[i]) / by


@kernel
def _nan_to_zero(a: np.ndarray) -> None:
    """``np.copyto(a, 0.0, where=np.isnan(a))``."""
    for i in range(a.shape[0]):
        if np.isnan(a[i]):
            a[i] = 0.0


def utilisation(
    infra_skill: np.ndarray,
    gpus_h100e: np.ndarray,
    u_min: float,
    u_max: float,
    half_saturation: float,
    scale_exponent: float = 1.0,
) -> np.ndarray:
    """Share of the GPU fleet doing useful work, given infrastructure talent."""
    gpus = np.asarray(gpus_h100e, dtype=float)
    infra = np.asarray(infra_skill, dtype=float)
    shape = gpus.shape
    if infra.shape != shape or gpus.ndim != 1:  # scalars or broadcasting inputs
        infra, gpus = (np.ravel(a) for a in np.broadcast_arrays(infra, gpus))
        shape = np.broadcast_shapes(shape, np.shape(infra_skill))
    with np.errstate(invalid="ignore"):
        fleet = (gpus / 1000.0) ** scale_exponent
    out = _saturation(infra, gpus, fleet, half_saturation, u_min, max(u_max, u_min) - u_min)
    return out.reshape(shape) if len(shape) else out[0]


@kernel
def _saturation(
    infra: np.ndarray, gpus: np.ndarray, fleet: np.ndarray, half: float, low: float, span: float
) -> np.ndarray:
    """:func:`utilisation` after the fleet's ``**``: ``low + span x f``, ``f = z / (z +
    half)`` with ``z = infra / fleet`` where ``gpus > 0`` (``f = 1`` where ``z`` is
    infinite, or there are no GPUs); numpy's ``where`` chain, elementwise.
    """
    out = np.empty(gpus.shape[0])
    for i in range(gpus.shape[0]):
        out[i] = _saturated(infra[i], gpus[i], fleet[i], half, low, span)
    return out


@kernel
def _saturated(
    infra: float, gpus: float, fleet: float, half: float, low: float, span: float
) -> float:
    """One element of :func:`_saturation`."""
    z = ratio(infra, fleet) if gpus > 0 else np.inf
    return low + span * (1.0 if np.isinf(z) else ratio(z, z + half))


def fleet_compute(
    infra_skill: np.ndarray,
    lab: np.ndarray,
    gpus_h100e: np.ndarray,
    u_min: float,
    u_max: float,
    half_saturation: float,
    scale_exponent: float = 1.0,
) -> np.ndarray:
    """Effective compute ``gpus[lab] * utilisation(infra_skill, gpus[lab], ...)`` of
    labs ``lab`` with infrastructure skill ``infra_skill``: the fleet's ``**`` once per
    lab (elementwise, the same numbers as per element), then one compiled pass.
    """
    with np.errstate(invalid="ignore"):
        fleet = (gpus_h100e / 1000.0) ** scale_exponent
    return _fleet_compute(
        infra_skill, lab, gpus_h100e, fleet, half_saturation, u_min, max(u_max, u_min) - u_min
    )


@kernel
def _fleet_compute(
    infra: np.ndarray,
    lab: np.ndarray,
    gpus: np.ndarray,
    fleet: np.ndarray,
    half: float,
    low: float,
    span: float,
) -> np.ndarray:
    """:func:`fleet_compute` after the ``**``: ``gpus[lab] * _saturation(infra,
    gpus[lab], fleet[lab], ...)``.
    """
    out = np.empty(infra.shape[0])
    for i in range(infra.shape[0]):
        j = lab[i]
        out[i] = gpus[j] * _saturated(infra[i], gpus[j], fleet[j], half, low, span)
    return out


@kernel
def ratio(a: float, b: float) -> float:
    """``a / b`` as numpy divides: infinite (signed) or NaN for a zero ``b``, where
    compiled code would raise ZeroDivisionError.
    """
    if b != 0.0:
        return a / b
    if np.isnan(a) or a == 0.0:
        return np.nan
    return np.inf if (a > 0.0) == (np.copysign(1.0, b) > 0.0) else -np.inf


def leadership_factor(
    leaders: np.ndarray, gpus: np.ndarray, half: float, exponent: float, ref: float
) -> np.ndarray:
    """``l / (l + half * (G / ref)^exponent)``: 0 without leaders, towards 1 with many;
    the leadership a fleet needs grows as ``G^exponent``. 1 for an empty fleet.
    """
    g = np.maximum(np.asarray(gpus, dtype=float), 0.0)
    lead = np.asarray(leaders, dtype=float)
    need = half * (g / ref) ** exponent
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(need > 0, lead / (lead + need), 1.0)


def led_utilisation(
    team_skill: np.ndarray,
    leaders: np.ndarray,
    gpus_h100e: np.ndarray,
    u_min: float,
    u_max: float,
    half_saturation: float,
    scale_exponent: float,
    leaderless_share: float,
    leader_half: float,
    leader_exponent: float,
    ref: float,
) -> np.ndarray:
    """Utilisation with infrastructure leadership: the team's Michaelis-Menten share of
    the gain times ``q0 + (1 - q0) f`` (:func:`leadership_factor`).
    """
    team = utilisation(team_skill, gpus_h100e, 0.0, 1.0, half_saturation, scale_exponent)
    f = leadership_factor(leaders, gpus_h100e, leader_half, leader_exponent, ref)
    return u_min + (max(u_max, u_min) - u_min) * team * (
        leaderless_share + (1 - leaderless_share) * f
    )


def bring_up_share(
    leaders: np.ndarray,
    fleet: np.ndarray,
    k_min: float,
    k_max: float,
    leader_half: float,
    leader_exponent: float,
    ref: float,
) -> np.ndarray:
    """Share of the GPU backlog brought online per month: ``k_min + (k_max - k_min) f``."""
    f = leadership_factor(leaders, fleet, leader_half, leader_exponent, ref)
    return k_min + (max(k_max, k_min) - k_min) * f


YEAR_MONTHS = np.arange(1, 13)


def online_within_year(backlog: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Mean over the next 12 months of the backlog GPUs online at share ``k`` a month:
    ``B * (1 - mean_m (1 - k)^m)``, m = 1..12.
    """
    k = np.clip(np.asarray(share, dtype=float), 0.0, 1.0)
    still = np.mean((1.0 - k)[..., None] ** YEAR_MONTHS, axis=-1)
    return np.asarray(backlog, dtype=float) * (1.0 - still)


def monetisation(product_skill: np.ndarray, half_saturation: float, max_uplift: float):
    """Multiplier on the value of output from product talent (1 with none)."""
    p = np.asarray(product_skill, dtype=float)
    return 1.0 + max_uplift * p / (p + half_saturation)


def capability_increment(
    output: np.ndarray, capability: np.ndarray, delta: float, lam: float, phi: float
) -> np.ndarray:
    """Monthly capability gain ``delta * Y^lambda * K^phi`` (Jones 1995)."""
    return delta * np.power(np.maximum(output, 0.0), lam) * np.power(capability, phi)
