"""How a projection keeps its connections' neuron indices in little memory.

Indices are uint16 when the population has at most 65,536 neurons, else int32
(`compact_indices`).  Post-synaptic indices in non-decreasing order -- what the vectorised
connectors produce, grouped by target as the machine's synapse expander generates them --
are kept as where each neuron's run of connections starts (`SortedIndices`): 8 bytes per
neuron instead of 2-4 per connection, expanded only while a step of the mapping or a
`get()` reads them.  At the full-scale microcircuit this is 0.6 GB of the peak.
"""

import numpy as np


def index_dtype(size):
    """uint16 for a population of at most 65536 neurons, else int32."""
    return np.uint16 if size <= 1 << 16 else np.int32


def compact_indices(indices, size):
    """Indices into a population of `size` neurons as `index_dtype(size)` (no copy if they
    already are); a `SortedIndices` expanded."""
    if isinstance(indices, SortedIndices):
        return indices.expand()
    return np.asarray(indices).astype(index_dtype(size), copy=False)


class SortedIndices:
    """Non-decreasing indices into a population of `size` neurons, kept as the position of
    each neuron's first connection (`starts`, size + 1 entries)."""

    __slots__ = ("starts", "size")

    def __init__(self, starts, size):
        self.starts = starts
        self.size = size

    @classmethod
    def kept(cls, indices, size):
        """`indices` as a projection keeps them: a SortedIndices when they are sorted and
        that takes at most half their memory, else `compact_indices`."""
        indices = compact_indices(indices, size)
        n = len(indices)
        if n < 2 or 8 * (size + 1) * 2 > n * indices.itemsize \
                or not np.all(indices[1:] >= indices[:-1]):
            return indices
        starts = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(indices, minlength=size), out=starts[1:])
        return cls(starts, size)

    def __len__(self):
        return int(self.starts[-1])

    def counts(self):
        """Connections per neuron (np.bincount of the expanded indices)."""
        return np.diff(self.starts)

    def expand(self):
        """The indices, one per connection (a new array: not kept)."""
        return np.repeat(np.arange(self.size, dtype=index_dtype(self.size)), self.counts())

    def min(self):
        return self[0]

    def __getitem__(self, position):
        """The index of the connection at `position` (an integer)."""
        n = len(self)
        if not -n <= position < n:
            raise IndexError(f"connection {position} of {n}")
        position %= n
        return int(np.searchsorted(self.starts, position, side="right")) - 1


def bincount(indices, size):
    """Connections per neuron of a population of `size` neurons."""
    if isinstance(indices, SortedIndices):
        return indices.counts()
    return np.bincount(indices, minlength=size)
