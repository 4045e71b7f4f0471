"""Compiled kernels: numba's ``njit`` with the project's defaults.

Kernels are plain loops over numpy arrays that replace chains of numpy calls in the
hot per-month passes; each keeps the arithmetic (and the order of float sums) of the
numpy code it replaces, so tables stay bit-identical, and each has a unit test
against that numpy form. ``cache=True`` keeps the machine code in ``__pycache__``, so
only the first process on a machine compiles (about 40 s for all of them); ``NUMBA_DISABLE_JIT=1``
runs the kernels as Python, for debugging. ``np_maximum``/``np_minimum`` are numpy's
NaN-propagating maximum and minimum of two floats, for use inside kernels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numba
import numpy as np


def kernel[F: Callable[..., object]](fn: F) -> F:
    """Compile ``fn`` in nopython mode (no Python objects inside), cached on disk."""
    return cast(F, numba.njit(cache=True, nogil=True)(fn))


@kernel
def np_maximum(a: float, b: float) -> float:
    """``np.maximum(a, b)`` of two floats inside a kernel: NaN if either is."""
    return a if (np.isnan(a) or a >= b) else b


@kernel
def np_minimum(a: float, b: float) -> float:
    """``np.minimum(a, b)`` of two floats inside a kernel: NaN if either is."""
    return a if (np.isnan(a) or a <= b) else b
