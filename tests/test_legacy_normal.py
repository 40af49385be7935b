"""fast_connectors.legacy_normal: numpy's legacy RandomState.normal generated in C
(_replay.legacy_normals) -- the same values, and the generator left in the same state."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from pynn_spinn_virtual.fast_connectors import legacy_normal


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), before=st.integers(0, 1500),
       odd=st.booleans(), n=st.integers(0, 3000),
       loc=st.floats(-1e3, 1e3), scale=st.floats(0, 1e3))
def test_the_values_and_the_state_after_are_numpys(seed, before, odd, n, loc, scale):
    ours, numpys = np.random.RandomState(seed), np.random.RandomState(seed)
    for rs in (ours, numpys):
        rs.random_sample(before)          # any position in the 624-word block
        if odd:
            rs.normal()                   # a cached second value in the state
    assert np.array_equal(legacy_normal(ours, loc, scale, n),
                          numpys.normal(loc=loc, scale=scale, size=n))
    # the draws after continue identically: the cached value and the position agree
    assert np.array_equal(ours.normal(size=3), numpys.normal(size=3))
    assert np.array_equal(ours.randint(0, 1000, size=5), numpys.randint(0, 1000, size=5))


def test_long_draws_cross_many_refills():
    ours, numpys = np.random.RandomState(12345), np.random.RandomState(12345)
    for n in (200_001, 64, 99_999):
        assert np.array_equal(legacy_normal(ours, 1.5, 0.25, n),
                              numpys.normal(loc=1.5, scale=0.25, size=n))
    assert ours.get_state(legacy=False)["state"]["pos"] == \
        numpys.get_state(legacy=False)["state"]["pos"]


def test_numpy_refuses_a_negative_scale_as_before():
    with pytest.raises(ValueError):
        legacy_normal(np.random.RandomState(1), 0.0, -1.0, 1000)
