"""Order statistics in compiled code: selection in place, shared by the kernels that
need a median or quantile of a bucket (``phases/record.py``, ``phases/vacancies.py``).
"""

from __future__ import annotations

import numpy as np

from market.jit import kernel


@kernel
def quickselect(a: np.ndarray, left: int, right: int, k: int) -> None:
    """Move the ``k``-th smallest of ``a[left : right + 1]`` to position ``k``, smaller
    or equal values before it and larger or equal after (Hoare partition around a
    median of three; past ``2 log2(n) + 8`` rounds the rest is sorted, so the worst
    case stays O(n log n)).
    """
    rounds = 8
    n = right - left + 1
    while n > 1:
        rounds += 2
        n >>= 1
    while right > left:
        if right - left < 16 or rounds == 0:
            a[left : right + 1].sort()
            return
        rounds -= 1
        mid = (left + right) >> 1
        if a[mid] < a[left]:
            a[mid], a[left] = a[left], a[mid]
        if a[right] < a[left]:
            a[right], a[left] = a[left], a[right]
        if a[right] < a[mid]:
            a[right], a[mid] = a[mid], a[right]
        pivot = a[mid]
        i, j = left, right
        while i <= j:
            while a[i] < pivot:
                i += 1
            while a[j] > pivot:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        if k <= j:
            right = j
        elif k >= i:
            left = i
        else:
            return
