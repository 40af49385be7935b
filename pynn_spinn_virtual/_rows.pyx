# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Synaptic rows of a whole projection in one pass: the mapper's inner loop, in C.

The mapper (:mod:`pynn_spinn_virtual.mapping`) hands over the connections of one
projection between one pre and one post population: per connection the pre and post
indices, the machine delay in ticks and the 16-bit machine weight.  :func:`encode_rows`
splits them into edges (one per pre slice, post slice and "through a delay-extension core
or not") and lays every edge out as the kernel reads it: one row per source key, rows
consecutive, an offset table per edge, synapse words in row order (kernel spec §4.2).
Connections keep the order in which the connector created them within their row, as the
numpy version of this did with stable sorts; a counting sort gives the same order in
linear time.  :func:`gather_by_key` is the same counting sort for the connectors, which
list connections by target (:func:`run_positions` numbers the connections of each target).
"""
import numpy as np

from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t


# Division by a divisor fixed for a whole pass, without the divide instruction (the passes
# divide every connection's indices and delay by the slice widths and the delay slots;
# a hardware division costs more than the rest of a connection's work).  For 0 <= n < 2**31
# and 1 <= d < 2**31: with l = ceil(log2 d) and m = ceil(2**(31 + l) / d),
# n // d == (n * m) >> (31 + l) exactly (Granlund & Montgomery 1994, theorem 4.2), and
# n * m < 2**63 + 2**31 fits 64 bits.
cdef struct divider:
    uint64_t magic
    int shift


cdef divider make_divider(int d) except *:
    cdef divider v
    cdef int l = 0
    if d < 1:
        raise ValueError("a divider needs d >= 1")
    while ((<uint64_t>1) << l) < <uint64_t>d:
        l += 1
    v.shift = 31 + l
    v.magic = (((<uint64_t>1) << v.shift) + <uint64_t>d - 1) // <uint64_t>d
    return v


cdef inline int divide(int n, divider v) noexcept nogil:
    """n // d for 0 <= n < 2**31 (make_divider(d))."""
    return <int>((<uint64_t>n * v.magic) >> v.shift)


def floor_divide(const int32_t[::1] values, int d):
    """values // d (0 <= values < 2**31) by the passes' division, for its test."""
    cdef divider by_d = make_divider(d)
    out = np.empty(values.shape[0], dtype=np.int32)
    cdef int32_t[::1] result = out
    cdef Py_ssize_t i
    for i in range(values.shape[0]):
        if values[i] < 0:
            raise ValueError("floor_divide: a negative value")
        result[i] = divide(values[i], by_d)
    return out


# population indices: uint16 where the population has at most 65536 neurons (half the
# memory per connection), else int32 (Projection and the mapper keep them so)
ctypedef fused pre_index_t:
    int32_t
    uint16_t

ctypedef fused post_index_t:
    int32_t
    uint16_t


#: up to this many rows in a group (all its edges), each synapse goes straight to its row
#: (one cursor per row, all of them in the cache); beyond, the row cursors would miss the
#: cache at every synapse, so synapses go first to their edge (few cursors), then each
#: edge is sorted by row in the cache
DIRECT_ROWS_MAX = 1 << 18


cdef struct word_layout:
    int pre_size, pre_width, post_width, slots, synapse_type, type_bits
    uint32_t delay_mask
    const int32_t *bits_of
    divider by_slots, by_pre_width, by_post_width


cdef inline int _slice_atoms(int ps, word_layout w) noexcept nogil:
    """The atoms of pre slice ps (the last one may be shorter)."""
    cdef int atoms = w.pre_size - ps * w.pre_width
    return atoms if atoms < w.pre_width else w.pre_width


cdef inline int _row_in_edge(int p, int t, word_layout w) noexcept nogil:
    """The row of a synapse from pre neuron p with t ticks of delay, within its edge."""
    cdef int stage = divide(t - 1, w.by_slots)
    cdef int ps = divide(p, w.by_pre_width)
    if stage > 0:
        return (stage - 1) * _slice_atoms(ps, w) + (p - ps * w.pre_width)
    return p - ps * w.pre_width


cdef inline uint32_t _word(int q, int t, uint16_t weight, word_layout w) noexcept nogil:
    """The synaptic word of a synapse onto post neuron q, t ticks of delay."""
    cdef int stage = divide(t - 1, w.by_slots)
    cdef uint32_t field = <uint32_t>(t - w.slots * stage) & w.delay_mask
    cdef int qs = divide(q, w.by_post_width)
    cdef int ib = w.bits_of[qs]
    return ((<uint32_t>weight << 16) | (field << (ib + w.type_bits))
            | (<uint32_t>w.synapse_type << ib) | <uint32_t>(q - qs * w.post_width))


cdef inline int _n_keys(Py_ssize_t e, int n_post_slices, int n_stages,
                        word_layout w) noexcept nogil:
    """The rows (keys) of edge e."""
    cdef int atoms = _slice_atoms(<int>(e // 2 // n_post_slices), w)
    return atoms * n_stages if e % 2 else atoms


cdef int _rows_by_edge(const pre_index_t *pre, const post_index_t *post,
                       const uint16_t *tick_of, const uint16_t *weight_of,
                       const int32_t *edge_of, Py_ssize_t n, const word_layout *w,
                       const int64_t *counts, const int64_t *offset_base,
                       const int64_t *starts, Py_ssize_t n_edges, int n_post_slices,
                       int n_stages, int64_t largest, int most_keys, int32_t *row_of,
                       uint32_t *offsets, uint32_t *words, int32_t *order) except -1:
    """Every synapse to its edge first (in connection order), then each edge sorted by row
    (stably) where its synapses and row counts fit the cache."""
    cdef word_layout L = w[0]      # a local copy: no store to the rows can change it
    cursor_arr = np.empty(n_edges, dtype=np.int64)
    scratch_arr = np.empty(largest, dtype=np.uint32)
    scratch_order_arr = np.empty(largest if order != NULL else 0, dtype=np.int32)
    row_next_arr = np.empty(most_keys + 1, dtype=np.int64)
    cdef int64_t[::1] cursor_view = cursor_arr
    cdef uint32_t[::1] scratch_view = scratch_arr
    cdef int32_t[::1] scratch_order_view = scratch_order_arr
    cdef int64_t[::1] row_next_view = row_next_arr
    cdef int64_t *cursor = &cursor_view[0] if n_edges else NULL
    cdef uint32_t *scratch = &scratch_view[0] if largest else NULL
    cdef int32_t *scratch_order = &scratch_order_view[0] if (largest and order != NULL) \
        else NULL
    cdef int64_t *row_next = &row_next_view[0]
    cdef Py_ssize_t i, e
    cdef int64_t r, k, j, c, lo, running, at
    cdef int n_keys
    with nogil:
        for e in range(n_edges):
            cursor[e] = starts[e]
        for i in range(n):
            at = cursor[edge_of[i]]
            cursor[edge_of[i]] = at + 1
            row_of[at] = _row_in_edge(pre[i], tick_of[i], L)
            words[at] = _word(post[i], tick_of[i], weight_of[i], L)
            if order != NULL:
                order[at] = <int32_t>i
        for e in range(n_edges):
            c = counts[e]
            if c == 0:
                continue
            n_keys = _n_keys(e, n_post_slices, n_stages, L)
            lo = starts[e]
            r = offset_base[e]
            for k in range(n_keys + 1):
                row_next[k] = 0
            for j in range(c):
                row_next[row_of[lo + j] + 1] += 1
            running = 0
            for k in range(n_keys + 1):
                running += row_next[k]
                offsets[r + k] = <uint32_t>running
                row_next[k] = lo + running
            for j in range(c):
                scratch[j] = words[lo + j]
                if scratch_order != NULL:
                    scratch_order[j] = order[lo + j]
            for j in range(c):
                at = row_next[row_of[lo + j]]
                row_next[row_of[lo + j]] = at + 1
                words[at] = scratch[j]
                if scratch_order != NULL:
                    order[at] = scratch_order[j]
    return 0


def encode_rows(const pre_index_t[::1] pre_idx, const post_index_t[::1] post_idx,
                const uint16_t[::1] ticks, const uint16_t[::1] weight_ints,
                int pre_width, int pre_size, int post_width, int post_size,
                int slots, int n_stages, int synapse_type, int type_bits, int delay_bits,
                const int32_t[::1] index_bits, int64_t[::1] fan_in, bint want_order,
                int64_t direct_rows_max=-1):
    """The edges of one projection group, encoded.

    pre_idx, post_idx: population indices of each connection (int32 or uint16);
    ticks: machine delay of each connection (1 .. slots * (n_stages + 1));
    weight_ints: 16-bit machine weight of each connection;
    pre_width / post_width: atoms per slice (the last slice may be shorter);
    slots: on-core delay slots; n_stages: the stages of the pre population's delay cores;
    index_bits: per post slice, the bits of a post index in a synaptic word;
    fan_in: per post neuron, incremented by its incoming connections;
    want_order: also return, in row order, the connection each synapse came from;
    direct_rows_max: the strategy (tests): rows are filled directly up to this many rows,
    else edge by edge (-1: DIRECT_ROWS_MAX).

    Returns (counts, max_ticks, offset_base, offsets, starts, words, order):
    edge key ``e = (pre_slice * n_post_slices + post_slice) * 2 + delayed``; counts[e]
    synapses (int64), the longest delay (ticks) of each edge; edge e's rows are
    words[starts[e]:starts[e] + counts[e]] with its n_keys + 1 offsets (relative to its
    first synapse) at offsets[offset_base[e]:]; order is None unless asked for.
    """
    cdef Py_ssize_t n = pre_idx.shape[0]
    if post_idx.shape[0] != n or ticks.shape[0] != n or weight_ints.shape[0] != n:
        raise ValueError("encode_rows: the per-connection arrays differ in length")
    if pre_width < 1 or post_width < 1 or slots < 1 or n_stages < 0:
        raise ValueError("encode_rows: bad slicing or delay slots")
    cdef int n_pre_slices = (pre_size + pre_width - 1) // pre_width
    cdef int n_post_slices = (post_size + post_width - 1) // post_width
    if index_bits.shape[0] != n_post_slices or fan_in.shape[0] != post_size:
        raise ValueError("encode_rows: index_bits or fan_in of the wrong size")
    cdef Py_ssize_t n_edges = <Py_ssize_t>n_pre_slices * n_post_slices * 2
    counts_arr = np.zeros(n_edges, dtype=np.int64)
    max_arr = np.zeros(n_edges, dtype=np.uint16)
    edge_arr = np.empty(n, dtype=np.int32)
    row_arr = np.empty(n, dtype=np.int32)
    # raw pointers in the passes: through memoryviews the compiler reloads every view's
    # data pointer after each store (they might alias)
    cdef const pre_index_t *pre = &pre_idx[0] if n else NULL
    cdef const post_index_t *post = &post_idx[0] if n else NULL
    cdef const uint16_t *tick_of = &ticks[0] if n else NULL
    cdef const uint16_t *weight_of = &weight_ints[0] if n else NULL
    cdef int64_t *fan = &fan_in[0] if post_size else NULL
    cdef int64_t[::1] counts = counts_arr
    cdef uint16_t[::1] max_ticks = max_arr
    cdef int32_t[::1] edge_view = edge_arr
    cdef int32_t[::1] row_view = row_arr
    cdef int32_t *edge_of = &edge_view[0] if n else NULL
    cdef int32_t *row_of = &row_view[0] if n else NULL    # the key, then the row
    cdef int64_t *count_of = &counts[0]
    cdef uint16_t *max_of = &max_ticks[0]
    cdef Py_ssize_t i, e
    cdef int p, q, ps, qs, t, stage, bad = 0
    cdef divider by_slots = make_divider(slots)
    cdef divider by_pre_width = make_divider(pre_width)
    cdef divider by_post_width = make_divider(post_width)
    cdef word_layout layout
    layout.pre_size, layout.pre_width, layout.post_width = pre_size, pre_width, post_width
    layout.slots, layout.synapse_type, layout.type_bits = slots, synapse_type, type_bits
    layout.delay_mask = (1u << delay_bits) - 1u
    layout.bits_of = &index_bits[0]
    layout.by_slots, layout.by_pre_width, layout.by_post_width = \
        by_slots, by_pre_width, by_post_width
    # the strategy, by the most rows the group's edges can have
    if direct_rows_max < 0:
        direct_rows_max = DIRECT_ROWS_MAX
    cdef bint direct = (<int64_t>n_pre_slices * n_post_slices
                        * (<int64_t>pre_width * (n_stages + 1) + 2)) <= direct_rows_max
    # pass 1: the edge and (direct) the row (source key) of every connection
    with nogil:
        for i in range(n):
            p = pre[i]
            q = post[i]
            t = tick_of[i]
            if p < 0 or p >= pre_size or q < 0 or q >= post_size or t < 1:
                bad = 1
                break
            stage = divide(t - 1, by_slots)
            if stage > n_stages:
                bad = 2
                break
            ps = divide(p, by_pre_width)
            qs = divide(q, by_post_width)
            e = (<Py_ssize_t>ps * n_post_slices + qs) * 2 + (stage > 0)
            edge_of[i] = <int32_t>e
            if direct:
                row_of[i] = _row_in_edge(p, t, layout)
            count_of[e] += 1
            if t > max_of[e]:
                max_of[e] = <uint16_t>t
            fan[q] += 1
    if bad == 1:
        raise ValueError("encode_rows: an index or a delay out of range")
    if bad == 2:
        raise ValueError("encode_rows: a delay beyond the delay-extension stages")
    # the rows of the non-empty edges, consecutively: their offset tables and first synapse
    offset_base_arr = np.zeros(n_edges, dtype=np.int64)
    starts_arr = np.zeros(n_edges, dtype=np.int64)
    cdef int64_t[::1] offset_base = offset_base_arr
    cdef int64_t[::1] starts = starts_arr
    cdef int64_t total_offsets = 0, total = 0, largest = 0
    cdef int n_keys, most_keys = 0
    for e in range(n_edges):
        starts[e] = total
        total += counts[e]
        offset_base[e] = total_offsets
        if counts[e]:
            n_keys = _n_keys(e, n_post_slices, n_stages, layout)
            total_offsets += n_keys + 1
            most_keys = max(most_keys, n_keys)
            largest = max(largest, counts[e])
    if total_offsets >= 2 ** 31:
        raise ValueError("encode_rows: more than 2**31 rows in one projection group")
    cdef uint32_t[::1] edge_offsets, edge_words
    cdef int32_t[::1] edge_order
    if not direct:
        offsets_arr = np.zeros(total_offsets, dtype=np.uint32)
        words_arr = np.empty(n, dtype=np.uint32)
        order_arr = np.empty(n if want_order else 0, dtype=np.int32)
        edge_offsets, edge_words, edge_order = offsets_arr, words_arr, order_arr
        _rows_by_edge(pre, post, tick_of, weight_of, edge_of, n, &layout, &counts[0],
                      &offset_base[0], &starts[0], n_edges, n_post_slices, n_stages,
                      largest, most_keys, row_of,
                      &edge_offsets[0] if total_offsets else NULL,
                      &edge_words[0] if n else NULL,
                      &edge_order[0] if (n and want_order) else NULL)
        return (counts_arr, max_arr, offset_base_arr, offsets_arr, starts_arr, words_arr,
                order_arr if want_order else None)
    offsets_arr = np.zeros(total_offsets, dtype=np.uint32)
    cursor_arr = np.zeros(total_offsets, dtype=np.int64)
    cdef uint32_t[::1] offsets = offsets_arr
    cdef int64_t[::1] cursor_view = cursor_arr
    cdef int64_t *cursor = &cursor_view[0] if total_offsets else NULL
    cdef const int64_t *base_of = &offset_base[0]
    cdef int64_t r, k, running
    # pass 2: synapses per row, then each row's first synapse (global and per edge)
    with nogil:
        for i in range(n):
            row_of[i] = <int32_t>(base_of[edge_of[i]] + row_of[i])
            cursor[row_of[i] + 1] += 1
        for e in range(n_edges):
            if counts[e] == 0:
                continue
            n_keys = _n_keys(e, n_post_slices, n_stages, layout)
            r = offset_base[e]
            running = 0
            for k in range(n_keys + 1):
                running += cursor[r + k]
                offsets[r + k] = <uint32_t>running
                cursor[r + k] = starts[e] + running
    words_arr = np.empty(n, dtype=np.uint32)
    order_arr = np.empty(n if want_order else 0, dtype=np.int32)
    cdef uint32_t[::1] words_view = words_arr
    cdef int32_t[::1] order_view = order_arr
    cdef uint32_t *words = &words_view[0] if n else NULL
    cdef int32_t *order = &order_view[0] if (n and want_order) else NULL
    cdef int64_t at
    # pass 3: every synapse word into its row, in connection order (a stable counting sort)
    with nogil:
        for i in range(n):
            at = cursor[row_of[i]]
            cursor[row_of[i]] = at + 1
            words[at] = _word(post[i], tick_of[i], weight_of[i], layout)
            if order != NULL:
                order[at] = <int32_t>i
    return (counts_arr, max_arr, offset_base_arr, offsets_arr, starts_arr, words_arr,
            order_arr if want_order else None)


def gather_by_key(const int64_t[:] keys, const int64_t[:] values, int64_t n_keys):
    """(values ordered stably by key, number of values of each key): what
    ``values[np.argsort(keys, kind="stable")]`` and ``np.bincount(keys, minlength=n_keys)``
    give, by a counting sort that writes the values directly (no order array)."""
    cdef Py_ssize_t i, n = keys.shape[0]
    cdef int64_t k, running = 0
    if values.shape[0] != n:
        raise ValueError("gather_by_key: keys and values differ in length")
    if n_keys < 0:
        raise ValueError("gather_by_key: a negative number of keys")
    counts_arr = np.zeros(n_keys, dtype=np.int64)
    cursor_arr = np.empty(n_keys, dtype=np.int64)
    out_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] counts = counts_arr
    cdef int64_t[::1] cursor = cursor_arr
    cdef int64_t[::1] out = out_arr
    cdef int bad = 0
    with nogil:
        for i in range(n):
            k = keys[i]
            if k < 0 or k >= n_keys:
                bad = 1
                break
            counts[k] += 1
        if not bad:
            for k in range(n_keys):
                cursor[k] = running
                running += counts[k]
            for i in range(n):
                k = keys[i]
                out[cursor[k]] = values[i]
                cursor[k] += 1
    if bad:
        raise ValueError("gather_by_key: a key out of range")
    return out_arr, counts_arr


cdef int64_t _runs_total(str name, const int64_t[::1] starts, const int64_t[::1] counts,
                        int64_t limit) except -1:
    """The positions in runs j of counts[j] positions from starts[j]; every run must end
    at or before `limit` (-1: no limit)."""
    cdef Py_ssize_t j, n_runs = counts.shape[0]
    cdef int64_t total = 0
    if starts.shape[0] != n_runs:
        raise ValueError(f"{name}: starts and counts differ in length")
    for j in range(n_runs):
        if counts[j] < 0:
            raise ValueError(f"{name}: a negative count")
        if limit >= 0 and (starts[j] < 0 or starts[j] + counts[j] > limit):
            raise ValueError(f"{name}: a run outside the values")
        total += counts[j]
    return total


def run_positions(const int64_t[::1] starts, const int64_t[::1] counts):
    """Runs j of counts[j] positions starting at starts[j], concatenated: what
    ``np.repeat(starts, counts) + rank in run`` gives, in one pass."""
    cdef Py_ssize_t j, n_runs = counts.shape[0]
    cdef int64_t r, at = 0
    cdef int64_t total = _runs_total("run_positions", starts, counts, -1)
    out_arr = np.empty(total, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    with nogil:
        for j in range(n_runs):
            for r in range(counts[j]):
                out[at] = starts[j] + r
                at += 1
    return out_arr


def positions_after_true(const uint8_t[::1] flags, const int64_t[::1] ranks):
    """For every rank r (non-decreasing, >= 0): the position just after the r-th true flag
    (0 for r = 0), in one pass (``np.flatnonzero(flags)[r - 1] + 1`` without the positions
    of every flag)."""
    cdef Py_ssize_t n = flags.shape[0], k, n_ranks = ranks.shape[0], i = 0
    cdef int64_t seen = 0
    out_arr = np.zeros(n_ranks, dtype=np.int64)
    cdef int64_t[::1] out = out_arr
    for k in range(n_ranks):
        if ranks[k] < 0 or (k and ranks[k] < ranks[k - 1]):
            raise ValueError("positions_after_true: ranks must be non-decreasing and >= 0")
    k = 0
    with nogil:
        while k < n_ranks and ranks[k] == 0:
            k += 1
        while i < n and k < n_ranks:
            if flags[i]:
                seen += 1
                while k < n_ranks and ranks[k] == seen:
                    out[k] = i + 1
                    k += 1
            i += 1
    if k < n_ranks:
        raise ValueError("positions_after_true: fewer true flags than the largest rank")
    return out_arr


def gather_runs(const double[::1] values, const int64_t[::1] starts,
                const int64_t[::1] counts):
    """values[starts[j]:starts[j] + counts[j]] for every run j, concatenated."""
    cdef Py_ssize_t j, n_runs = counts.shape[0]
    cdef int64_t r, at = 0
    cdef int64_t total = _runs_total("gather_runs", starts, counts, values.shape[0])
    out_arr = np.empty(total, dtype=np.float64)
    cdef double[::1] out = out_arr
    with nogil:
        for j in range(n_runs):
            for r in range(counts[j]):
                out[at] = values[starts[j] + r]
                at += 1
    return out_arr
