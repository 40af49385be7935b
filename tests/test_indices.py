"""How projections keep their connection indices (pynn_spinn_virtual.indices)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import pynn_spinn_virtual as sim
from pynn_spinn_virtual.indices import SortedIndices, bincount, compact_indices


@settings(max_examples=200, deadline=None)
@given(size=st.integers(1, 70000), data=st.data())
def test_sorted_indices_expand_index_and_count_as_the_array(size, data):
    n = data.draw(st.integers(0, 3000))
    values = np.sort(np.array(data.draw(st.lists(st.integers(0, size - 1), min_size=n,
                                                 max_size=n)), dtype=np.int64))
    kept = SortedIndices.kept(values, size)
    expected = compact_indices(values, size)
    assert len(kept) == n
    assert np.array_equal(compact_indices(kept, size), expected)
    assert compact_indices(kept, size).dtype == (np.uint16 if size <= 65536 else np.int32)
    assert np.array_equal(bincount(kept, size), np.bincount(values, minlength=size))
    if isinstance(kept, SortedIndices):
        positions = data.draw(st.lists(st.integers(-n, n - 1), max_size=20))
        assert [kept[p] for p in positions] == [int(values[p]) for p in positions]
        assert kept.min() == int(values.min())
        for outside in (n, -n - 1):
            with pytest.raises(IndexError):
                kept[outside]


def test_only_sorted_indices_that_halve_the_memory_are_kept_sorted():
    many = np.repeat(np.arange(10), 100)                # 1000 connections onto 10 neurons
    assert isinstance(SortedIndices.kept(many, 10), SortedIndices)
    unsorted = many[::-1]
    kept = SortedIndices.kept(unsorted, 10)
    assert isinstance(kept, np.ndarray) and np.array_equal(kept, unsorted)
    sparse = np.arange(10)                              # 10 connections onto 1000 neurons
    assert isinstance(SortedIndices.kept(sparse, 1000), np.ndarray)


def test_a_projection_keeps_sorted_post_indices_compactly_and_answers_as_before():
    sim.setup(timestep=1.0)
    try:
        a = sim.Population(50, sim.IF_curr_exp(), label="a")
        b = sim.Population(40, sim.IF_curr_exp(), label="b")
        rng = sim.NumpyRNG(seed=7)
        prj = sim.Projection(a, b, sim.FixedProbabilityConnector(0.5, rng=rng),
                             sim.StaticSynapse(weight=0.5, delay=2.0), label="ab")
        assert isinstance(prj._post_indices, SortedIndices)
        pre, post, _ = (np.array(x) for x in zip(*prj.get(["weight"], format="list")))
        pre, post = pre.astype(int), post.astype(int)
        assert np.all(np.diff(post) >= 0) and len(post) == len(prj)
        # the connector's own order (PyNN: target by target), each pair once
        assert len(set(zip(pre.tolist(), post.tolist()))) == len(prj)
        assert [c.postsynaptic_index for c in list(prj.connections)[::37]] == \
            post[::37].tolist()
        weights = prj.get("weight", format="array")
        assert np.count_nonzero(~np.isnan(weights)) == len(prj)
        assert np.all(weights[pre, post] == 0.5)
        prj.set(weight=np.arange(50 * 40, dtype=float).reshape(50, 40) / 4000)
        assert np.array_equal(prj.get("weight", format="list", with_address=False),
                              (pre * 40 + post) / 4000)
        sim.run(5.0)
        machine = np.array(prj.get("weight", format="list", with_address=False))
        requested = (pre * 40 + post) / 4000
        assert np.allclose(machine, requested, atol=0.01)
        # quantisation keeps the order: each machine weight belongs to its own connection
        assert np.all(np.diff(machine[np.argsort(requested)]) >= 0)
    finally:
        sim.end()
