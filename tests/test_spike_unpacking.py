"""Recorded spike bitfields -> (ticks, atoms): the kernel module's unpacking against numpy's
bit unpacking of the same words (bit b of word w of tick row r = atom 32 w + b at tick r)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pynn_spinn_virtual import _kernel


def numpy_events(buffer, n_atoms, first_tick, first_atom):
    bits = np.unpackbits(buffer.view(np.uint8), axis=1, bitorder="little")[:, :n_atoms]
    ticks, atoms = np.nonzero(bits)
    return ticks.astype(np.int64) + first_tick, atoms.astype(np.int64) + first_atom


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 20), st.integers(0, 100), st.integers(0, 10**6), st.integers(0, 10**6),
       st.floats(0, 1), st.data())
def test_unpacking_matches_numpy(n_rows, n_atoms, first_tick, first_atom, density, data):
    n_words = (n_atoms + 31) // 32
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.RandomState(seed)
    bits = rng.random_sample((n_rows, 32 * n_words)) < density
    # padding bits set too: they are not atoms and must be ignored
    buffer = np.packbits(bits, axis=1, bitorder="little").view(np.uint32).reshape(n_rows, n_words)
    buffer = np.ascontiguousarray(buffer)
    ticks, atoms = _kernel.spike_bitfield_events(buffer, n_atoms, first_tick, first_atom)
    want_ticks, want_atoms = numpy_events(buffer, n_atoms, first_tick, first_atom)
    assert ticks.dtype == atoms.dtype == np.int64
    np.testing.assert_array_equal(ticks, want_ticks)
    np.testing.assert_array_equal(atoms, want_atoms)


def test_every_bit_of_a_full_word():
    buffer = np.array([[0xFFFFFFFF, 0x80000001]], dtype=np.uint32)
    ticks, atoms = _kernel.spike_bitfield_events(buffer, 64, 7, 100)
    np.testing.assert_array_equal(atoms, np.r_[np.arange(100, 132), 132, 163])
    assert set(ticks) == {7}


def test_more_atoms_than_the_words_hold_is_refused():
    with pytest.raises(ValueError, match="n_atoms"):
        _kernel.spike_bitfield_events(np.zeros((3, 2), dtype=np.uint32), 65, 0, 0)
