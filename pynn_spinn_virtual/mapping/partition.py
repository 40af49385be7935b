"""Splitting populations into core-sized slices (the toolchain's machine vertices)."""
from dataclasses import dataclass, field

import numpy as np


@dataclass
class CoreSlice:
    """One machine vertex: the atoms lo..hi-1 of a population, run by one core."""

    population: object
    lo: int
    hi: int
    index: int = -1              #: position in the mapping's list of cores (= kernel core id)
    slice_index: int = 0         #: position among the population's slices
    kind: str = "neuron"         #: "neuron", "spike_array", "poisson" or "delay"
    extra: dict = field(default_factory=dict)

    @property
    def n_atoms(self):
        return self.hi - self.lo

    @property
    def n_keys(self):
        """Keys (rows) the core sends: its atoms, or stages x atoms for a delay-extension
        core."""
        return self.n_atoms * self.extra.get("n_stages", 1) if self.kind == "delay" else self.n_atoms

    @property
    def label(self):
        """The toolchain's machine-vertex label, e.g. ``pop(0:255)`` (inclusive end)."""
        return f"{self.population.label}({self.lo}:{self.hi - 1})"


def slice_bounds(n_atoms, max_atoms_per_core):
    """Equal slices of `max_atoms_per_core` atoms, the last one shorter.

    >>> slice_bounds(1000, 256)
    [(0, 256), (256, 512), (512, 768), (768, 1000)]
    """
    if max_atoms_per_core < 1:
        raise ValueError(f"max atoms per core must be >= 1, not {max_atoms_per_core}")
    starts = np.arange(0, n_atoms, max_atoms_per_core)
    return [(int(lo), int(min(lo + max_atoms_per_core, n_atoms))) for lo in starts]


def n_bits(n):
    """Bits needed to index n items, as the toolchain counts them (1 for a single item)."""
    if n <= 0:
        return 0
    return max(1, int(n - 1).bit_length())
