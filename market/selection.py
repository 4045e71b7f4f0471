"""Ordering and order statistics in compiled code: a stable counting sort by small
integer codes (:func:`counting_sort`: the staff by lab, values by specialty, screened
pairs by group), selection in place (:func:`quickselect`) and the ``k``-th smallest
values of groups without moving them (:func:`order_stats`: per-lab pay quantiles, going
rates).
"""

from __future__ import annotations

import numpy as np

from market.jit import kernel


@kernel
def ranks_before(a: float, b: float) -> bool:
    """In a descending order with NaN last (``np.argsort(-x)``'s order), ``a`` comes
    strictly before ``b``: higher, and NaN after every number.
    """
    return not np.isnan(a) and (np.isnan(b) or a > b)


@kernel
def counting_sort(
    staff: np.ndarray, lab: np.ndarray, n_labs: int, indirect: bool
) -> tuple[np.ndarray, np.ndarray]:
    """``staff`` sorted stably by its labs (``lab[i]``, or ``lab[staff[i]]`` if
    ``indirect``; labs ``0..n_labs - 1``, any small integer code) and the ``n_labs + 1``
    bounds of each lab's segment: count per lab, prefix sums, then place each row at its
    lab's next free slot in input order. A stable sort is a unique permutation, so this equals
    ``staff[np.argsort(lab, kind="stable")]``.
    """
    bounds = np.zeros(n_labs + 1, dtype=np.int64)
    for i in range(staff.shape[0]):
        j = lab[staff[i]] if indirect else lab[i]
        if j < 0 or j >= n_labs:  # numba does not check bounds
            raise IndexError("lab code out of range")
        bounds[j + 1] += 1
    for j in range(n_labs):
        bounds[j + 1] += bounds[j]
    return place_stably(staff, lab, bounds, indirect), bounds


@kernel
def place_stably(
    staff: np.ndarray, lab: np.ndarray, bounds: np.ndarray, indirect: bool
) -> np.ndarray:
    """The second half of :func:`counting_sort`: ``staff`` placed in row order at the
    segments of their labs, given the segments' ``bounds`` (the prefix sums of the
    counts per lab, which the caller proved; labs in range).
    """
    slot = bounds[:-1].copy()
    order = np.empty(staff.shape[0], dtype=np.int64)
    for i in range(staff.shape[0]):
        j = lab[staff[i]] if indirect else lab[i]
        order[slot[j]] = staff[i]
        slot[j] += 1
    return order


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


SMALL_GROUP = 256
"""Groups up to this size are sorted whole by :func:`order_stats`."""


@kernel
def order_stats(
    values: np.ndarray, start: np.ndarray, size: np.ndarray, kth: np.ndarray
) -> np.ndarray:
    """``np.partition(group, k)[k]`` for each ``k`` in ``kth[g]`` of each group
    ``values[start[g] : start[g] + size[g]]`` (no NaN): the ``k``-th smallest value,
    exactly, without moving ``values``.

    Small groups are sorted. In a large one, a strided sample of about ``n^(2/3)``
    values, sorted, brackets each wanted rank: ``[lo, hi]`` a few standard errors
    either side of ``k``'s sample rank. One pass counts the values below each bracket
    and copies those inside it; the ``k``-th smallest is then the ``(k - below)``-th
    of the bracket's values (a quickselect on a few percent of the group) if it lies
    in the bracket, which the counts prove; otherwise (a bad sample, or a bracket
    larger than the room kept for it) in a copy of the group, by quickselect.
    """
    n_groups, n_k = kth.shape
    out = np.empty((n_groups, n_k))
    order = np.empty(n_k, dtype=np.int64)
    owner = np.empty(n_k, dtype=np.int64)
    lo_at = np.empty(n_k, dtype=np.int64)
    hi_at = np.empty(n_k, dtype=np.int64)
    below = np.empty(n_k, dtype=np.int64)
    count = np.empty(n_k, dtype=np.int64)
    done = np.empty(n_k, dtype=np.int64)
    for g in range(n_groups):
        n = size[g]
        seg = values[start[g] : start[g] + n]
        if n <= SMALL_GROUP:
            ranked = np.sort(seg)
            for i in range(n_k):
                out[g, i] = ranked[kth[g, i]]
            continue
        m = min(n, max(SMALL_GROUP, int(n ** (2.0 / 3.0))))
        sample = np.empty(m)
        for i in range(m):
            sample[i] = seg[(i * n) // m]
        sample.sort()
        order[:] = np.argsort(kth[g])
        n_b = 0
        for w in order:
            p = kth[g, w] / (n - 1)
            r = p * (m - 1)
            d = 3.0 * np.sqrt(p * (1.0 - p) * m) + 3.0
            a = int(np.floor(r - d))
            b = int(np.ceil(r + d))
            if n_b > 0 and a <= hi_at[n_b - 1]:
                hi_at[n_b - 1] = max(hi_at[n_b - 1], b)
            else:
                lo_at[n_b] = a
                hi_at[n_b] = b
                n_b += 1
            owner[w] = n_b - 1
        # room for twice the expected bracket (fresh pages are dear: no n-sized buffer)
        room = 0
        for c in range(n_b):
            room = max(room, min(n, 2 * (hi_at[c] - lo_at[c] + 2) * (n // m + 1) + 64))
        band = np.empty((n_b, room + 1))
        for c in range(n_b):
            low = sample[lo_at[c]] if lo_at[c] >= 0 else -np.inf
            high = sample[hi_at[c]] if hi_at[c] < m else np.inf
            under = 0
            inside = 0
            for j in range(n):  # no branches (they would be mispredicted)
                v = seg[j]
                under += v < low
                band[c, inside] = v  # kept only if inside the bracket
                inside = min(inside + ((low <= v) & (v <= high)), room)
            below[c] = under
            count[c] = inside if inside < room else -1  # -1: full, not usable
            done[c] = -1
        whole = sample  # (typed; replaced by a copy of the group if a bracket misses)
        whole_done = -2
        for w in order:
            c = owner[w]
            r = kth[g, w] - below[c]
            if count[c] >= 0 and 0 <= r < count[c]:
                if r == done[c] + 1 and r > 0:  # next after a selected one: the least left
                    least_to_front(band[c], r, count[c] - 1)
                    done[c] = r
                elif r != done[c]:
                    quickselect(band[c], done[c] + 1, count[c] - 1, r)
                    done[c] = r
                out[g, w] = band[c, r]
            else:  # the sample missed: select in one copy of the whole group
                if whole_done == -2:
                    whole = seg.copy()
                    whole_done = -1
                k = kth[g, w]
                if k != whole_done:
                    quickselect(whole, whole_done + 1, n - 1, k)
                    whole_done = k
                out[g, w] = whole[k]
    return out


@kernel
def least_to_front(a: np.ndarray, left: int, right: int) -> None:
    """Swap the least of ``a[left : right + 1]`` (its first occurrence) to ``left``."""
    best = left
    for i in range(left + 1, right + 1):
        if a[i] < a[best]:
            best = i
    a[left], a[best] = a[best], a[left]
