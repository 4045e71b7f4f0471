"""The benchmark's target ratios (benchmarks/run.py): each timed run over the Boltzmann
run made just before it. No timings here: only the arithmetic of the ratios."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def bench(benchmark_script):
    return benchmark_script("run")


def test_each_run_is_divided_by_its_own_baseline(bench):
    """Rates 10, 20, 30 after baselines 1, 4, 3: ratios 10, 5, 10 (a session median of
    the baselines, 3, would give 3.3, 6.7, 10)."""
    runs = [{"boltzmann_cpu": 1.0}, {"boltzmann_cpu": 4.0}, {"boltzmann_cpu": 3.0}]
    got = bench.paired_ratio([10.0, 20.0, 30.0], runs, fallback=3.0)
    assert got == {"median": 10.0, "min": 5.0, "max": 10.0}


def test_a_run_without_a_baseline_uses_the_fallback(bench):
    got = bench.paired_ratio([12.0, 8.0], [{}, {"boltzmann_cpu": 2.0}], fallback=4.0)
    assert got == {"median": 3.5, "min": 3.0, "max": 4.0}
