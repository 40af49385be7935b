"""Which synaptic rows the host writes and which the on-chip synapse expander generates.

The two paths quantise differently (docs/toolchain6.md, Q3): host rows round the weight,
``rint(|w| * scale)``, and the delay, ``rint(d / dt)``; expander rows take the s16.15 value
of the weight and truncate, ``floor(|S1615(w)| * scale)``, and truncate the delay computed in
s16.15 (0.3 ms at dt = 0.1 ms becomes 2 ticks).  A real SpiNNaker machine uses the expander
for the common connectors with constant or simple random weights and delays, so to give the
machine's numbers we must decide the path per projection the way the toolchain does.

What we cannot reproduce: where the expander also draws the *connectivity* or random
weights with the chip's own random number generator (FixedProbability, FixedNumber...,
random weights), our connections and weight values come from PyNN's generator; only their
quantisation follows the expander.
"""
import numpy as np
from pyNN.random import RandomDistribution

HOST = "host"
MACHINE = "machine"

#: connectors the 6.0 synapse expander can generate
EXPANDER_CONNECTORS = (
    "AllToAllConnector", "OneToOneConnector", "FixedProbabilityConnector",
    "FixedNumberPreConnector", "FixedNumberPostConnector", "FixedTotalNumberConnector",
    "MultapseConnector", "KernelConnector",
)
#: random distributions the expander can draw
EXPANDER_DISTRIBUTIONS = ("uniform", "uniform_int", "normal", "normal_clipped",
                          "normal_clipped_to_boundary", "exponential")
#: bytes of "direct" (one-to-one, host-written) matrices a core may hold
DIRECT_MATRIX_BUDGET_BYTES = 2048


def _generatable(value):
    if isinstance(value, RandomDistribution):
        return value.name in EXPANDER_DISTRIBUTIONS
    return np.ndim(value) == 0 and not isinstance(value, str) and not callable(value)


def projection_can_use_expander(projection):
    """True if the connector and the weight/delay specification are generatable on chip."""
    if type(projection._connector).__name__ not in EXPANDER_CONNECTORS:
        return False
    if projection._is_assembly_projection():
        return False
    return _generatable(projection._weight_spec()) and _generatable(projection._delay_spec())


def machine_pairs(group, host_ticks, direct_bytes, delay_slots):
    """Per (pre slice, post slice) pair of a projection group: True where the on-chip
    expander generates the rows, False where the host writes them, as 6.0 decides.

    Host rows: projections the expander cannot generate, and "direct" one-to-one matrices
    between identically sliced populations (no views, no delay stage), while the post core
    has room for them (`direct_bytes`: post core index -> bytes used, shared by all
    groups, which must come in projection order).  `host_ticks`: the host's delays of the
    group's connections.
    """
    projection = group.projection
    machine = np.full(group.n_pairs, projection._can_use_expander, dtype=bool)
    if (not machine.any() or type(projection._connector).__name__ != "OneToOneConnector"
            or projection._involves_views()):
        return machine
    pairs = group.pair_of()
    longest = np.zeros(group.n_pairs, dtype=np.int64)
    np.maximum.at(longest, pairs, host_ticks)
    n_post = len(group.post_slices)
    for pair in np.unique(pairs):
        pre, post = group.pre_slices[pair // n_post], group.post_slices[pair % n_post]
        if longest[pair] > delay_slots or (pre.lo, pre.hi) != (post.lo, post.hi):
            continue
        used = direct_bytes.get(post.index, 0)
        cost = 4 * pre.n_atoms
        if used + cost <= DIRECT_MATRIX_BUDGET_BYTES:
            direct_bytes[post.index] = used + cost
            machine[pair] = False
    return machine
