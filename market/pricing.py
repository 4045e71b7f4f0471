"""The value of output in dollars: the price that turns marginal products into valuations.

A lab values a person at ``price x monetisation x dY`` (:mod:`market.valuation`). The
price is set at the start so that the market's total valuation of its staff is
``value_markup`` times its payroll (:func:`start_price`). Compute grows far faster than
money (GPU stocks 2-3x a year, budgets 10-80%), so at a fixed price every valuation
would run ahead of every budget and pay, and every move would carry a pay jump of the
accumulated gap. With ``price_follows_budgets`` (the default) the price is reset at the
start of each budget year so that total valuation stays the same multiple of the labs'
total budgets as at the start (:func:`reprice`): AI output is sold into a market whose
spending grows with the money the labs have (budgets stand for revenue and funding),
i.e. unit-elastic demand, so the industry's output raises a lab's *relative* value of
talent (compute per researcher still decides who values whom more) but not the dollar
level for everyone. ``value_per_output_usd`` fixes the price instead.
"""

from __future__ import annotations

import numpy as np

from market.state import MarketState
from market.valuation import marginal_value


def value_at_unit_price(state: MarketState) -> float:
    """Total valuation of everyone at a lab (what each lab would lose) at price 1."""
    rows = state.staff()
    everyone = np.ones(len(rows), bool)
    labs = state.people.employer[rows]
    values = marginal_value(state.lab_state, state.people, rows, labs, everyone, state.cfg, 1.0)
    return float(values.sum())


def total_pay(state: MarketState) -> float:
    """Total annual pay of everyone at a lab (USD/year, retention grants not included)."""
    return float(state.people.comp_usd[state.staff()].sum())


def calibrated_price(state: MarketState) -> float:
    """Price at which total valuation = ``value_markup`` x total payroll now."""
    total = value_at_unit_price(state)
    if total <= 0:
        return 1.0
    return float(state.cfg.value_markup * total_pay(state) / total)


def start_price(state: MarketState) -> None:
    """Set the price at the start (fixed, or calibrated) and anchor the budget rule:
    ``state.payroll_per_budget`` = total payroll / total budgets.
    """
    budgets = float(state.labs.budget_usd.sum())
    state.payroll_per_budget = total_pay(state) / budgets if budgets > 0 else 0.0
    fixed = state.cfg.value_per_output_usd
    state.price = fixed if fixed is not None else calibrated_price(state)


def budget_price(state: MarketState) -> float:
    """Price at which total valuation = ``value_markup`` x the start's payroll share of
    budgets x total budgets now (the current price if nobody is valued).
    """
    total = value_at_unit_price(state)
    if total <= 0 or state.payroll_per_budget <= 0:
        return state.price
    target = state.cfg.value_markup * state.payroll_per_budget * state.labs.budget_usd.sum()
    return float(target / total)


def reprice(state: MarketState, value_event: bool = False) -> None:
    """Reset the price: at the start of a budget year (``value_event`` False) or after
    an event changed ``value_markup`` or ``value_per_output_usd`` (True).

    A fixed ``value_per_output_usd`` always wins; otherwise the budget rule applies
    (``price_follows_budgets``), or, with the rule off, only an event recalibrates the
    price against the payroll of that month.
    """
    cfg = state.cfg
    if cfg.value_per_output_usd is not None:
        state.price = cfg.value_per_output_usd
    elif cfg.price_follows_budgets:
        state.price = budget_price(state)
    elif value_event:
        state.price = calibrated_price(state)


VALUE_FIELDS = ("value_markup", "value_per_output_usd", "price_follows_budgets")
"""Market fields whose change resets the price at once (:func:`reprice`)."""
