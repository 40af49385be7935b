# cython: language_level=3, boundscheck=False, wraparound=False
"""The sequential parts of numpy's legacy draws, replayed over raw generator words.

numpy's legacy ``RandomState.randint`` takes each value from the first 32-bit word of the
stream whose masked value lies in range (rejection sampling).  When a loop alternates
between two ranges, which word serves which value depends on every earlier word: a short
C loop replays it exactly over words drawn from the same generator
(:func:`pynn_spinn_virtual.fast_connectors._alternating_randint`).  numpy's legacy shuffle
(``permutation``, which FixedNumberPre/Post without replacement call once per neuron) is
replayed the same way (:func:`shuffle_prefixes`).

numpy's legacy normal values (``RandomState.normal``: Marsaglia's polar method over the
MT19937 doubles, the second value of each pair kept for the next call) are generated here
from the generator's state too (:func:`legacy_normals`), in one loop instead of one call
through numpy's distribution machinery per value.
"""
from libc.math cimport log, sqrt
from libc.stdint cimport int32_t, int64_t, uint32_t, uint64_t


def accept_alternating(const uint64_t[::1] words, uint64_t mask_a, uint64_t range_a,
                       uint64_t mask_b, uint64_t range_b, int state, int64_t[::1] out,
                       Py_ssize_t filled):
    """Parses `words` as the loop ``randint(a); randint(b); ...`` does: a word whose masked
    value is within the range of the value due (a when `state` is 0, b when 1) becomes that
    value (written to ``out[filled]``, and the other range is due next); any other word is
    skipped.  Returns (filled, state) after the last word; `out` must have room for one
    value per word."""
    cdef Py_ssize_t i, n = words.shape[0]
    cdef uint64_t value, accept
    cdef uint64_t masks[2]
    cdef uint64_t ranges[2]
    masks[0], masks[1], ranges[0], ranges[1] = mask_a, mask_b, range_a, range_b
    if out.shape[0] < filled + n:
        raise ValueError("accept_alternating: no room for the values")
    if state != 0 and state != 1:
        raise ValueError("accept_alternating: state must be 0 or 1")
    with nogil:
        # without branches (whether a word is accepted is random): every word is written
        # at out[filled], which only moves on when the word is accepted
        for i in range(n):
            value = words[i] & masks[state]
            accept = value <= ranges[state]
            out[filled] = <int64_t>value
            filled += accept
            state ^= <int>accept
    return filled, state


cdef inline uint64_t _mask_for(uint64_t top) nogil:
    """The smallest 2**k - 1 >= top (numpy's random_interval)."""
    cdef uint64_t mask = top
    mask |= mask >> 1
    mask |= mask >> 2
    mask |= mask >> 4
    mask |= mask >> 8
    mask |= mask >> 16
    mask |= mask >> 32
    return mask


def shuffle_prefixes(const uint64_t[::1] words, int64_t[::1] scratch,
                     const int64_t[::1] remainders, int64_t n_cells, bint exclude_owner,
                     int64_t[::1] out, int64_t owner, int64_t step, int64_t filled):
    """Replays, over `words`, the legacy ``permutation(cells)`` of every owner k with
    ``remainders[k] > 0`` (owners in order) and writes the first remainders[k] values of
    each permutation to `out`, one owner after the other.

    cells: 0 .. n_cells - 1, without k itself if `exclude_owner`.  numpy shuffles a copy of
    them by Fisher-Yates from the last position down to 1: position i swaps with the first
    32-bit word whose masked value (mask: the smallest 2**b - 1 >= i) is <= i.  `scratch`
    (room for n_cells values) holds the permutation in progress; (owner, step, filled) is
    where the replay stands: owner `owner` at position `step` (-1: not started).  Returns
    that state after the last word; every word is used (the caller never passes more words
    than positions still to shuffle).
    """
    cdef Py_ssize_t w = 0, n_words = words.shape[0]
    cdef int64_t n_owners = remainders.shape[0]
    cdef int64_t size = n_cells - 1 if exclude_owner else n_cells
    cdef int64_t c, r, tmp
    cdef uint64_t value
    if scratch.shape[0] < n_cells or size < 1:
        raise ValueError("shuffle_prefixes: no room or no cells")
    cdef int64_t due = filled
    for c in range(owner, n_owners):
        if remainders[c] > size:
            raise ValueError("shuffle_prefixes: a prefix longer than the permutation")
        if remainders[c] > 0:
            due += remainders[c]
    if due > out.shape[0] or not -1 <= step < size:
        raise ValueError("shuffle_prefixes: no room for the prefixes, or a bad state")
    with nogil:
        while owner < n_owners:
            if remainders[owner] <= 0:
                owner += 1
                continue
            if step < 0:           # start this owner: its cells, in order
                r = 0
                for c in range(n_cells):
                    if not (exclude_owner and c == owner):
                        scratch[r] = c
                        r += 1
                step = size - 1
            while step >= 1:
                if w >= n_words:
                    break
                value = words[w] & _mask_for(<uint64_t>step)
                w += 1
                if value <= <uint64_t>step:
                    tmp = scratch[step]
                    scratch[step] = scratch[value]
                    scratch[value] = tmp
                    step -= 1
            if step >= 1:
                break              # out of words
            for r in range(remainders[owner]):
                out[filled + r] = scratch[r]
            filled += remainders[owner]
            owner += 1
            step = -1
    return owner, step, filled


def redraw_excluding(const int64_t[::1] values, const int64_t[::1] counts, int64_t[::1] res,
                     int64_t[::1] idx, int64_t[::1] out, int64_t owner, int64_t phase,
                     int64_t pos, int64_t n_idx, int64_t filled):
    """Replays PyNN's ``_rng_uniform_int_exclude(counts[k], size, k)`` for owners k = owner,
    owner + 1, ... over `values`, the stream of its 'uniform_int' draws (numpy's legacy
    draws split freely, so one stream serves every call).

    For owner k: ``res`` = the next counts[k] values; ``idx`` = positions of res equal to k;
    while idx is not empty: the next len(idx) values go to res[idx], then
    ``idx = idx[positions of res equal to k]`` -- PyNN indexes idx with positions of res, as
    written (IndexError when one is beyond idx: returned as phase -1).  Each owner's final
    res is appended to `out`.  (owner, phase, pos, n_idx, filled) is where the replay
    stands: phase 0 fills res (pos values so far), phase 1 a redraw round (pos of n_idx).
    Returns that state after the last value; every value is used (the caller never passes
    more values than are certainly due).
    """
    cdef Py_ssize_t v = 0, n_values = values.shape[0]
    cdef int64_t n_owners = counts.shape[0]
    cdef int64_t j, n, k_bad
    if res.shape[0] < idx.shape[0]:
        raise ValueError("redraw_excluding: res and idx buffers of different sizes")
    for j in range(owner, n_owners):
        if counts[j] < 0 or counts[j] > res.shape[0]:
            raise ValueError("redraw_excluding: a count beyond the buffers")
    with nogil:
        while owner < n_owners:
            n = counts[owner]
            if phase == 0:
                while pos < n and v < n_values:
                    res[pos] = values[v]
                    pos += 1
                    v += 1
                if pos < n:
                    break                          # out of values
                n_idx = 0
                for j in range(n):
                    if res[j] == owner:
                        idx[n_idx] = j
                        n_idx += 1
                phase = 1
                pos = 0
            # phase 1: redraw rounds until no position equals the owner
            while n_idx > 0:
                while pos < n_idx and v < n_values:
                    res[idx[pos]] = values[v]
                    pos += 1
                    v += 1
                if pos < n_idx:
                    break
                # idx = idx[where(res == owner)]: positions of res index idx
                k_bad = 0
                for j in range(n):
                    if res[j] == owner:
                        if j >= n_idx:
                            phase = -1             # PyNN's IndexError
                            break
                        idx[k_bad] = idx[j]        # j >= k_bad: read before overwritten
                        k_bad += 1
                if phase == -1:
                    break
                n_idx = k_bad
                pos = 0
            if phase == -1 or n_idx > 0:
                break
            if filled + n > out.shape[0]:
                phase = -2
                break
            for j in range(n):
                out[filled + j] = res[j]
            filled += n
            owner += 1
            phase = 0
            pos = 0
    if phase == -2:
        raise ValueError("redraw_excluding: no room in out")
    return owner, phase, pos, n_idx, filled


# -- numpy's legacy normal values, from the MT19937 state ---------------------------------
DEF MT_N = 624
DEF MT_M = 397


cdef inline uint32_t _mt_mix(uint32_t upper, uint32_t lower, uint32_t far) noexcept nogil:
    cdef uint32_t y = (upper & 0x80000000u) | (lower & 0x7fffffffu)
    return far ^ (y >> 1) ^ ((0u - (y & 1u)) & 0x9908b0dfu)


cdef void _mt_refill(uint32_t *key) noexcept nogil:
    """The next 624 words of the Mersenne twister's state (Matsumoto & Nishimura 1998)."""
    cdef int i
    for i in range(MT_N - MT_M):
        key[i] = _mt_mix(key[i], key[i + 1], key[i + MT_M])
    for i in range(MT_N - MT_M, MT_N - 1):
        key[i] = _mt_mix(key[i], key[i + 1], key[i + MT_M - MT_N])
    key[MT_N - 1] = _mt_mix(key[MT_N - 1], key[0], key[MT_M - 1])


cdef void _mt_temper(const uint32_t *key, uint32_t *out, int lo) noexcept nogil:
    """The generator's outputs for state words lo .. 623 (MT19937's tempering), into out;
    one pass over a block, which the compiler vectorises."""
    cdef int i
    cdef uint32_t y
    for i in range(lo, MT_N):
        y = key[i]
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c5680u
        y ^= (y << 15) & 0xefc60000u
        y ^= y >> 18
        out[i] = y


cdef inline uint32_t _mt_next(uint32_t *key, uint32_t *tempered, int *pos) noexcept nogil:
    """The next output; tempered[pos:] holds the outputs of key[pos:]."""
    if pos[0] >= MT_N:
        _mt_refill(key)
        _mt_temper(key, tempered, 0)
        pos[0] = 0
    pos[0] += 1
    return tempered[pos[0] - 1]


cdef inline double _mt_double(uint32_t *key, uint32_t *tempered, int *pos) noexcept nogil:
    """A double in [0, 1) from two words (53 bits), as numpy's MT19937 makes it."""
    cdef int32_t a = <int32_t>(_mt_next(key, tempered, pos) >> 5)
    cdef int32_t b = <int32_t>(_mt_next(key, tempered, pos) >> 6)
    return (a * 67108864.0 + b) / 9007199254740992.0


def legacy_normals(uint32_t[::1] key, int pos, bint has_gauss, double gauss, double loc,
                   double scale, double[::1] out):
    """Fill `out` with what ``RandomState.normal(loc, scale, len(out))`` returns for the
    generator state (key, pos, has_gauss, gauss) of ``get_state(legacy=False)``; `key` is
    advanced in place.  Returns the new (pos, has_gauss, gauss).  The arithmetic is
    numpy's, operation for operation (C99 mode: no fused multiply-adds), with the same
    libm log, so the values are the same bits."""
    cdef Py_ssize_t i, n = out.shape[0]
    cdef double x1, x2, r2, f
    if key.shape[0] != MT_N or not 0 <= pos <= MT_N:
        raise ValueError("legacy_normals: not an MT19937 state")
    cdef uint32_t *k = &key[0]
    cdef uint32_t tempered[MT_N]
    with nogil:
        _mt_temper(k, tempered, pos)
        for i in range(n):
            if has_gauss:
                has_gauss = False
                out[i] = loc + scale * gauss
                gauss = 0.0
                continue
            while True:
                x1 = 2.0 * _mt_double(k, tempered, &pos) - 1.0
                x2 = 2.0 * _mt_double(k, tempered, &pos) - 1.0
                r2 = x1 * x1 + x2 * x2
                if r2 < 1.0 and r2 != 0.0:
                    break
            f = sqrt(-2.0 * log(r2) / r2)
            gauss = f * x1
            has_gauss = True
            out[i] = loc + scale * (f * x2)
    return pos, has_gauss, gauss
