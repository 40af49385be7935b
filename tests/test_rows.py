"""The mapper's C row builder (`_rows.encode_rows`) against a plain-Python layout of the rows.

The reference follows the row format of the kernel spec §4.2 and docs/mapping.md one
connection at a time: a connection of d ticks from pre neuron p to post neuron q lands in
the edge (pre slice, post slice, d beyond the on-core slots or not); its row is p's index in
its slice, or (stage - 1) * slice atoms + that index for a delay-extension core (stage
k = (d - 1) // slots); its word is ``w << 16 | (d - k slots) mod 2**D << (N + T) | type << N
| q's index``; within a row, connections keep their order.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pynn_spinn_virtual import _rows


def reference(pre, post, ticks, weights, pre_width, pre_size, post_width, post_size, slots,
              n_stages, synapse_type, type_bits, delay_bits, index_bits):
    """{(pre slice, post slice, delayed): [rows, each a list of (word, connection)]}."""
    edges = {}
    for i, (p, q, d, w) in enumerate(zip(pre, post, ticks, weights)):
        stage = (d - 1) // slots
        ps, qs = p // pre_width, q // post_width
        atoms = min(pre_width, pre_size - ps * pre_width)
        n_keys = atoms * n_stages if stage else atoms
        rows = edges.setdefault((ps, qs, stage > 0), [[] for _ in range(n_keys)])
        row = (stage - 1) * atoms + p % pre_width if stage else p % pre_width
        field = (d - slots * stage) % (1 << delay_bits)
        n = index_bits[qs]
        word = (w << 16) | (field << (n + type_bits)) | (synapse_type << n) | (q % post_width)
        rows[row].append((word, i))
    return edges


@st.composite
def groups(draw):
    pre_size = draw(st.integers(1, 40))
    post_size = draw(st.integers(1, 40))
    pre_width = draw(st.integers(1, pre_size))
    post_width = draw(st.integers(1, post_size))
    slots = draw(st.sampled_from([4, 8, 16]))
    n_stages = draw(st.integers(0, 3))
    n = draw(st.integers(0, 120))
    pre = draw(st.lists(st.integers(0, pre_size - 1), min_size=n, max_size=n))
    post = draw(st.lists(st.integers(0, post_size - 1), min_size=n, max_size=n))
    ticks = draw(st.lists(st.integers(1, slots * (n_stages + 1)), min_size=n, max_size=n))
    weights = draw(st.lists(st.integers(0, 0xFFFF), min_size=n, max_size=n))
    n_post_slices = -(-post_size // post_width)
    index_bits = [max(1, (min(post_width, post_size - k * post_width) - 1).bit_length())
                  for k in range(n_post_slices)]
    return dict(pre=pre, post=post, ticks=ticks, weights=weights, pre_width=pre_width,
                pre_size=pre_size, post_width=post_width, post_size=post_size, slots=slots,
                n_stages=n_stages, synapse_type=draw(st.integers(0, 1)), type_bits=1,
                delay_bits=(slots - 1).bit_length(), index_bits=index_bits)


#: encode_rows' two strategies: every synapse straight to its row, or edge by edge
DIRECT, BY_EDGE = 1 << 40, 0


def encode(g, want_order=True, pre_dtype=np.int32, post_dtype=np.int32, strategy=-1):
    fan_in = np.zeros(g["post_size"], dtype=np.int64)
    result = _rows.encode_rows(
        np.array(g["pre"], dtype=pre_dtype), np.array(g["post"], dtype=post_dtype),
        np.array(g["ticks"], dtype=np.uint16), np.array(g["weights"], dtype=np.uint16),
        g["pre_width"], g["pre_size"], g["post_width"], g["post_size"], g["slots"],
        g["n_stages"], g["synapse_type"], g["type_bits"], g["delay_bits"],
        np.array(g["index_bits"], dtype=np.int32), fan_in, want_order, strategy)
    return result, fan_in


@settings(max_examples=300, deadline=None)
@given(g=groups(), pre_dtype=st.sampled_from([np.int32, np.uint16]),
       post_dtype=st.sampled_from([np.int32, np.uint16]),
       strategy=st.sampled_from([DIRECT, BY_EDGE]))
def test_rows_match_the_plain_layout(g, pre_dtype, post_dtype, strategy):
    """(Projections keep indices as uint16 for populations of at most 65536 neurons.)"""
    (counts, max_ticks, offset_base, offsets, starts, words, order), fan_in = encode(
        g, pre_dtype=pre_dtype, post_dtype=post_dtype, strategy=strategy)
    expected = reference(**g)
    n_post_slices = -(-g["post_size"] // g["post_width"])
    assert sorted(int(e) for e in np.flatnonzero(counts)) == sorted(
        (ps * n_post_slices + qs) * 2 + delayed for ps, qs, delayed in expected)
    for (ps, qs, delayed), rows in expected.items():
        key = (ps * n_post_slices + qs) * 2 + delayed
        flat = [entry for row in rows for entry in row]
        assert counts[key] == len(flat)
        lo = starts[key]
        assert words[lo:lo + len(flat)].tolist() == [word for word, _ in flat]
        assert order[lo:lo + len(flat)].tolist() == [i for _, i in flat]
        table = offsets[offset_base[key]:offset_base[key] + len(rows) + 1]
        assert table.tolist() == np.concatenate(([0], np.cumsum([len(r) for r in rows]))).tolist()
        members = [i for _, i in flat]
        assert max_ticks[key] == max(g["ticks"][i] for i in members)
    assert fan_in.tolist() == np.bincount(np.array(g["post"], dtype=int),
                                          minlength=g["post_size"]).tolist()
    # edges come in key order, back to back
    assert np.all(np.diff(starts) == counts[:-1])


@pytest.mark.parametrize("strategy", [DIRECT, BY_EDGE])
def test_order_only_when_asked(strategy):
    g = dict(pre=[0, 1], post=[1, 0], ticks=[1, 2], weights=[5, 6], pre_width=2, pre_size=2,
             post_width=2, post_size=2, slots=16, n_stages=0, synapse_type=0, type_bits=1,
             delay_bits=4, index_bits=[1])
    (counts, *_, words, order), _ = encode(g, want_order=False, strategy=strategy)
    assert order is None and counts.sum() == 2 and len(words) == 2


def test_both_strategies_agree_on_a_large_group_sorted_by_target():
    """A group beyond DIRECT_ROWS_MAX rows (as the mapper meets them: sorted by target),
    encoded both ways; the small groups of the test above check each against the plain
    layout."""
    rng = np.random.RandomState(3)
    n, pre_size, post_size, slots, n_stages = 300_000, 5000, 3000, 16, 3
    g = dict(pre=rng.randint(0, pre_size, n), post=np.sort(rng.randint(0, post_size, n)),
             ticks=rng.randint(1, slots * (n_stages + 1) + 1, n),
             weights=rng.randint(0, 0x10000, n), pre_width=256, pre_size=pre_size,
             post_width=200, post_size=post_size, slots=slots, n_stages=n_stages,
             synapse_type=1, type_bits=1, delay_bits=4, index_bits=[8] * 15)
    direct, fan_direct = encode(g, strategy=DIRECT)
    by_edge, fan_by_edge = encode(g, strategy=BY_EDGE)
    default, _ = encode(g)
    assert len(direct[3]) > _rows.DIRECT_ROWS_MAX       # the mapper would go edge by edge
    for a, b, c in zip(direct, by_edge, default):
        assert np.array_equal(a, b) and np.array_equal(a, c)
    assert np.array_equal(fan_direct, fan_by_edge)


@pytest.mark.parametrize("change, message", [
    (dict(pre=[2]), "out of range"), (dict(post=[-1]), "out of range"),
    (dict(ticks=[0]), "out of range"), (dict(ticks=[17]), "beyond the delay-extension"),
])
def test_bad_input_is_refused(change, message):
    g = dict(pre=[0], post=[0], ticks=[1], weights=[1], pre_width=2, pre_size=2, post_width=2,
             post_size=2, slots=16, n_stages=0, synapse_type=0, type_bits=1, delay_bits=4,
             index_bits=[1])
    g.update(change)
    with pytest.raises(ValueError, match=message):
        encode(g)


def test_arrays_of_unequal_length_are_refused():
    g = dict(pre=[0, 1], post=[0], ticks=[1], weights=[1], pre_width=2, pre_size=2,
             post_width=2, post_size=2, slots=16, n_stages=0, synapse_type=0, type_bits=1,
             delay_bits=4, index_bits=[1])
    with pytest.raises(ValueError, match="differ in length"):
        encode(g)


@settings(max_examples=200, deadline=None)
@given(n_keys=st.integers(1, 50), data=st.data())
def test_gather_by_key_is_numpys_stable_argsort(n_keys, data):
    keys = np.array(data.draw(st.lists(st.integers(0, n_keys - 1), max_size=200)),
                    dtype=np.int64)
    values = np.arange(len(keys), dtype=np.int64) * 7 - 3
    gathered, counts = _rows.gather_by_key(keys, values, n_keys)
    assert gathered.tolist() == values[np.argsort(keys, kind="stable")].tolist()
    assert counts.tolist() == np.bincount(keys, minlength=n_keys).tolist()


@pytest.mark.parametrize("key", [-1, 5])
def test_gather_by_key_refuses_keys_out_of_range(key):
    with pytest.raises(ValueError, match="out of range"):
        _rows.gather_by_key(np.array([0, key], dtype=np.int64), np.zeros(2, dtype=np.int64), 5)


@settings(max_examples=100, deadline=None)
@given(runs=st.lists(st.tuples(st.integers(-5, 100), st.integers(0, 6)), max_size=30))
def test_run_positions_count_on_from_each_start(runs):
    starts = np.array([s for s, _ in runs], dtype=np.int64)
    counts = np.array([c for _, c in runs], dtype=np.int64)
    expected = [s + r for s, c in runs for r in range(c)]
    assert _rows.run_positions(starts, counts).tolist() == expected


def test_gather_by_key_takes_strided_arrays():
    pairs = np.array([3, 10, 1, 11, 3, 12, 0, 13], dtype=np.int64)
    gathered, counts = _rows.gather_by_key(pairs[0::2], pairs[1::2], 4)
    assert gathered.tolist() == [13, 11, 10, 12] and counts.tolist() == [1, 1, 0, 2]


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 2**31 - 1),
       st.lists(st.integers(0, 2**31 - 1), min_size=1, max_size=50))
def test_the_passes_division_is_exact_over_the_whole_int32_range(d, values):
    values = np.array(values + [0, 2**31 - 1, d - 1, d, min(2**31 - 1, d + 1)], dtype=np.int32)
    np.testing.assert_array_equal(_rows.floor_divide(values, d), values.astype(np.int64) // d)


def test_division_by_slice_widths_and_slots_near_every_multiple():
    for d in (1, 2, 3, 7, 16, 100, 255, 256, 257, 1000, 65535, 2**30 + 1, 2**31 - 1):
        multiples = np.arange(0, 2**31 - 1, max(d, 2**31 // 4096), dtype=np.int64)
        values = np.unique(np.clip(np.concatenate([multiples - 1, multiples, multiples + 1]),
                                   0, 2**31 - 1)).astype(np.int32)
        np.testing.assert_array_equal(_rows.floor_divide(values, d), values.astype(np.int64) // d)
    with pytest.raises(ValueError):
        _rows.floor_divide(np.array([1], dtype=np.int32), 0)


def test_indices_are_kept_as_uint16_up_to_65536_neurons():
    from pynn_spinn_virtual.indices import compact_indices
    small = compact_indices(np.array([0, 65535], dtype=np.int64), 65536)
    assert small.dtype == np.uint16 and small.tolist() == [0, 65535]
    large = compact_indices(np.array([0, 65536], dtype=np.int64), 65537)
    assert large.dtype == np.int32 and large.tolist() == [0, 65536]
    kept = np.array([1, 2], dtype=np.uint16)
    assert compact_indices(kept, 10) is kept


@settings(max_examples=200, deadline=None)
@given(st.lists(st.booleans(), max_size=200), st.data())
def test_positions_after_true_are_numpys(flags, data):
    flags = np.array(flags, dtype=bool)
    n_true = int(flags.sum())
    ranks = np.sort(np.array(data.draw(st.lists(st.integers(0, n_true), max_size=20)),
                             dtype=np.int64))
    expected = [0 if r == 0 else int(np.flatnonzero(flags)[r - 1]) + 1 for r in ranks]
    assert _rows.positions_after_true(flags.view(np.uint8), ranks).tolist() == expected
    with pytest.raises(ValueError):
        _rows.positions_after_true(flags.view(np.uint8), np.array([n_true + 1]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False), min_size=1, max_size=60), st.data())
def test_gather_runs_is_the_concatenated_slices(values, data):
    values = np.array(values)
    runs = data.draw(st.lists(st.tuples(st.integers(0, len(values) - 1), st.integers(0, 5)),
                              max_size=10))
    runs = [(s, min(c, len(values) - s)) for s, c in runs]
    starts = np.array([s for s, _ in runs], dtype=np.int64)
    counts = np.array([c for _, c in runs], dtype=np.int64)
    expected = np.concatenate([values[s:s + c] for s, c in runs] + [np.zeros(0)])
    assert np.array_equal(_rows.gather_runs(values, starts, counts), expected)
    with pytest.raises(ValueError):
        _rows.gather_runs(values, np.array([len(values)], dtype=np.int64),
                          np.array([1], dtype=np.int64))
