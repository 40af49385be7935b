# cython: language_level=3, boundscheck=False, wraparound=False
"""The sequential parts of numpy's legacy draws, replayed over raw generator words.

numpy's legacy ``RandomState.randint`` takes each value from the first 32-bit word of the
stream whose masked value lies in range (rejection sampling).  When a loop alternates
between two ranges, which word serves which value depends on every earlier word: a short
C loop replays it exactly over words drawn from the same generator
(:func:`pynn_spinn_virtual.fast_connectors._alternating_randint`).
"""
from libc.stdint cimport int64_t, uint64_t


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
