"""Phase 3: research output from this month's compute and talent; capability grows."""

from __future__ import annotations

from market.production import capability_increment
from market.state import MarketState


def produce(state: MarketState) -> None:
    """Output ``Y`` (CES, :mod:`market.production`) and ``dK = delta Y^lambda K^phi``."""
    agg = state.refresh()
    labs, cfg = state.labs, state.cfg
    gain = capability_increment(
        agg.output,
        labs.capability.copy(),
        cfg.capability_delta,
        cfg.capability_lambda,
        cfg.capability_phi,
    )
    labs.research_output[:] = agg.output
    labs.utilisation[:] = agg.util
    labs.capability += gain
