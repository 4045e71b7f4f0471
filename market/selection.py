"""Ordering and order statistics in compiled code: a stable counting sort by small
integer codes (:func:`counting_sort`: the staff by lab, values by specialty, screened
pairs by group; :func:`place_values`: a column's values straight into that order),
selection in place (:func:`quickselect`) and the ``k``-th smallest values of groups
without moving them (:func:`order_stats`, by buckets of value: per-lab pay quantiles,
going rates), and a radix sort of non-negative integers (:func:`radix_sort`: the
search's dedup keys; :func:`unique_inverse`: the candidates of a month's bids;
:func:`unique_sorted`: distinct keys by one sort, the search's pairs and the retention
table's hires).
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
def place_values(
    staff: np.ndarray, employer: np.ndarray, bounds: np.ndarray, values: np.ndarray
) -> np.ndarray:
    """``values[place_stably(staff, employer, bounds, True)]`` without the rows: each
    staff row's value written at its lab's next slot, in row order (the caller proved
    the bounds, as for :func:`place_stably`).
    """
    slot = bounds[:-1].copy()
    out = np.empty(staff.shape[0], dtype=values.dtype)
    for i in range(staff.shape[0]):
        r = staff[i]
        j = employer[r]
        out[slot[j]] = values[r]
        slot[j] += 1
    return out


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
    ``values[start[g] : start[g] + size[g]]``: the ``k``-th smallest value, exactly,
    without moving ``values`` (NaN for every rank of a group holding a NaN).

    Small groups are sorted. A large one is bucketed by value: ``n / 4`` equal buckets
    between its least and greatest value, bucket ``min(int((v - least) x scale), n / 4
    - 1)``, which never decreases as ``v`` grows (every rounding is monotone), so a
    bucket's values all exceed those of the buckets below it. One pass counts the
    values per bucket; the prefix counts give each wanted rank's bucket and its rank
    there; a second pass copies the values of the wanted buckets (a few percent of
    the group), and the rank is selected among those (quickselect, the next rank by a
    min scan). A group holding an infinity, or too narrow to scale, is quickselected
    in a copy.
    """
    out = np.empty(kth.shape)
    for g in range(kth.shape[0]):
        seg = values[start[g] : start[g] + size[g]]
        least, most, nan = value_range(seg)
        if nan:
            out[g, :] = np.nan
        else:
            group_order_stats(seg, kth[g], least, most, out[g])
    return out


@kernel
def order_stats_within(
    values: np.ndarray,
    start: np.ndarray,
    size: np.ndarray,
    kth: np.ndarray,
    least: float,
    most: float,
) -> np.ndarray:
    """:func:`order_stats` of groups that hold no NaN and no value outside ``[least,
    most]`` (bounds of all the groups together, which the caller proved, e.g. in the
    pass that grouped the values): no pass per group for its range; the buckets span
    the bounds given.
    """
    out = np.empty(kth.shape)
    for g in range(kth.shape[0]):
        seg = values[start[g] : start[g] + size[g]]
        group_order_stats(seg, kth[g], least, most, out[g])
    return out


@kernel
def group_order_stats(
    seg: np.ndarray, kth: np.ndarray, least: float, most: float, out: np.ndarray
) -> None:
    """``out[i] = np.partition(seg, kth[i])[kth[i]]`` for a group ``seg`` without NaN
    whose values lie in ``[least, most]``, by :func:`order_stats`' buckets.
    """
    n, n_k = seg.shape[0], kth.shape[0]
    if n <= SMALL_GROUP:
        ranked = np.sort(seg)
        for i in range(n_k):
            out[i] = ranked[kth[i]]
        return
    if least == most:
        out[:] = least
        return
    order = np.argsort(kth)
    owner = np.empty(n_k, dtype=np.int64)
    n_b = n // 4
    span = most - least
    scale = n_b / span
    if not np.isfinite(span) or not np.isfinite(scale):
        whole = seg.copy()
        at = -1
        for w in order:
            k = kth[w]
            if k != at:
                quickselect(whole, at + 1, n - 1, k)
                at = k
            out[w] = whole[k]
        return
    first = np.zeros(n_b + 1, dtype=np.int64)  # values per bucket, then below it
    for j in range(n):
        first[min(int((seg[j] - least) * scale), n_b - 1) + 1] += 1
    for b in range(n_b):
        first[b + 1] += first[b]
    slot = np.full(n_b, -1, dtype=np.int64)  # a wanted bucket's band, else -1
    kept = np.empty(n_k + 1, dtype=np.int64)  # the bands' bounds in ``band``
    below = np.empty(n_k, dtype=np.int64)
    kept[0] = 0
    n_w = 0
    for w in order:
        b = np.searchsorted(first, kth[w], side="right") - 1
        if slot[b] < 0:
            slot[b] = n_w
            below[n_w] = first[b]
            kept[n_w + 1] = kept[n_w] + first[b + 1] - first[b]
            n_w += 1
        owner[w] = slot[b]
    band = np.empty(kept[n_w])
    fill = kept[:n_w].copy()
    for j in range(n):  # the branch is taken by a few percent of the values
        v = seg[j]
        c = slot[min(int((v - least) * scale), n_b - 1)]
        if c >= 0:
            band[fill[c]] = v
            fill[c] += 1
    done = kept[:n_w] - 1  # the band's last selected position
    for w in order:
        c = owner[w]
        k = kept[c] + kth[w] - below[c]
        if k == done[c] + 1 and k > kept[c]:  # next after a selected one: the least left
            least_to_front(band, k, kept[c + 1] - 1)
        elif k != done[c]:
            quickselect(band, done[c] + 1, kept[c + 1] - 1, k)
        done[c] = k
        out[w] = band[k]


@kernel
def value_range(a: np.ndarray) -> tuple[float, float, bool]:
    """``np.nanmin(a)``, ``np.nanmax(a)`` (``inf`` and ``-inf`` if ``a`` is all NaN or
    empty) and ``np.isnan(a).any()``: four running minima, maxima and sums of ``v -
    v`` (NaN only for a NaN or an infinity, which a second loop tells apart), so that
    consecutive values do not wait for each other.
    """
    n = a.shape[0]
    l0 = l1 = l2 = l3 = np.inf
    m0 = m1 = m2 = m3 = -np.inf
    z0 = z1 = z2 = z3 = 0.0
    stop = n - n % 4
    for j in range(0, stop, 4):
        v0, v1, v2, v3 = a[j], a[j + 1], a[j + 2], a[j + 3]
        l0, m0, z0 = v0 if v0 < l0 else l0, v0 if v0 > m0 else m0, z0 + (v0 - v0)
        l1, m1, z1 = v1 if v1 < l1 else l1, v1 if v1 > m1 else m1, z1 + (v1 - v1)
        l2, m2, z2 = v2 if v2 < l2 else l2, v2 if v2 > m2 else m2, z2 + (v2 - v2)
        l3, m3, z3 = v3 if v3 < l3 else l3, v3 if v3 > m3 else m3, z3 + (v3 - v3)
    for j in range(stop, n):
        v0 = a[j]
        l0, m0, z0 = v0 if v0 < l0 else l0, v0 if v0 > m0 else m0, z0 + (v0 - v0)
    least = min(min(l0, l1), min(l2, l3))
    most = max(max(m0, m1), max(m2, m3))
    nan = False
    if np.isnan(z0 + z1 + z2 + z3):
        for j in range(n):
            nan |= np.isnan(a[j])
    return least, most, nan


@kernel
def least_to_front(a: np.ndarray, left: int, right: int) -> None:
    """Swap the least of ``a[left : right + 1]`` (its first occurrence) to ``left``."""
    best = left
    for i in range(left + 1, right + 1):
        if a[i] < a[best]:
            best = i
    a[left], a[best] = a[best], a[left]


@kernel
def bit_length(n: int) -> int:
    """Bits needed to write ``0 .. n`` (``int.bit_length``)."""
    bits = 0
    while (n >> bits) > 0:
        bits += 1
    return bits


RADIX_BITS = 12
"""Most bits per pass of :func:`radix_sort` (4,096 counters: they stay in the L1
cache)."""


@kernel
def radix_sort(keys: np.ndarray) -> np.ndarray:
    """``np.sort(keys)`` for non-negative int64 keys: a least-significant-digit radix
    sort in as few passes of at most ``RADIX_BITS`` as the largest key needs, the bits
    shared evenly between them (two passes of 12 bits for a 23-bit key, not three of 11).
    """
    n = keys.shape[0]
    top = 0
    for i in range(n):
        top = max(top, keys[i])
    bits = bit_length(top)
    n_passes = (bits + RADIX_BITS - 1) // RADIX_BITS
    width = (bits + n_passes - 1) // n_passes if n_passes else 1
    src, dst = keys.copy(), np.empty(n, dtype=np.int64)
    n_bins = 1 << width
    mask = n_bins - 1
    start = np.empty(n_bins + 1, dtype=np.int64)
    for shift in range(0, n_passes * width, width):
        start[:] = 0
        for i in range(n):
            start[((src[i] >> shift) & mask) + 1] += 1
        for b in range(n_bins):
            start[b + 1] += start[b]
        for i in range(n):
            d = (src[i] >> shift) & mask
            dst[start[d]] = src[i]
            start[d] += 1
        src, dst = dst, src
    return src


@kernel
def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for non-negative int64 ``values``: one
    :func:`radix_sort` of ``value << b | position`` (``b`` bits for the positions), then
    one walk along the sorted keys that keeps the first of each value and gives every
    position its value's rank among the distinct ones.
    """
    n = values.shape[0]
    top = 0
    for i in range(n):
        if values[i] < 0:
            raise ValueError("unique_inverse takes non-negative values")
        top = max(top, values[i])
    b = bit_length(max(n - 1, 0))
    if bit_length(top) + b > 62:
        raise ValueError("values too large to pack with their positions")
    keys = np.empty(n, dtype=np.int64)
    for i in range(n):
        keys[i] = (values[i] << b) | i
    keys = radix_sort(keys)
    mask = (1 << b) - 1
    distinct = np.empty(n, dtype=np.int64)
    inverse = np.empty(n, dtype=np.int64)
    n_distinct = 0
    for k in range(n):
        v = keys[k] >> b
        if n_distinct == 0 or distinct[n_distinct - 1] != v:
            distinct[n_distinct] = v
            n_distinct += 1
        inverse[keys[k] & mask] = n_distinct - 1
    return distinct[:n_distinct], inverse


def unique_sorted(keys: np.ndarray, size: int) -> np.ndarray:
    """``np.unique(keys)`` for non-negative integer keys below ``size``: a bitmap when
    the keys are dense, else one sort (numpy's ``unique`` hashes first, which is
    slower here).
    """
    if keys.size == 0:
        return keys.astype(np.int64)
    if size <= 64 * keys.size:
        mark = np.zeros(size, dtype=bool)
        mark[keys] = True
        return np.flatnonzero(mark)
    out = np.sort(keys)
    return out[np.concatenate([[True], out[1:] != out[:-1]])]
