"""From projections to the synaptic rows of every edge, one projection group at a time.

A *group* is the connections of one projection from one pre population to one post
population (a projection between Assemblies has several).  Everything the mapper computes
per connection -- machine delays, the path that writes the rows (host or on-chip
expander), 16-bit weights, the edge and row each synapse lands in, the synapse words -- is
computed for a whole group at once, with numpy and the C loop of
:func:`pynn_spinn_virtual._rows.encode_rows`.  Edges (one per pre slice, post slice and
"through a delay-extension core or not") come out with their rows already built, in the
order the kernel must receive them: by pre slice, then post slice, the on-core part before
the delayed part.
"""
import functools
from dataclasses import dataclass, field

import numpy as np

from .. import _rows, connectivity, memory, quantisation, threads, weight_scaling
from ..exceptions import MappingError
from ..indices import SortedIndices, compact_indices
from . import generation


@dataclass
class Edge:
    """The connections of one projection from one pre core (a population slice or its
    delay-extension core) to one post core, as rows the kernel reads."""
    projection: object
    pre_core: object
    post_core: object
    synapse_type: int
    n_connections: int
    max_delay_ticks: int           #: the longest machine delay of the edge (ticks)
    path: str                      #: generation.HOST or generation.MACHINE
    row_offsets: np.ndarray        #: n_keys + 1 offsets into the rows (uint32)
    words: np.ndarray = None       #: static rows (uint32 words)
    controls: np.ndarray = None    #: plastic rows: control half-words ...
    weights: np.ndarray = None     #: ... and initial 16-bit weights, in row order
    connection_ids: np.ndarray = None  #: plastic rows: the connection of each synapse

    @property
    def plastic(self):
        return self.projection._is_plastic


@dataclass
class ConnectionGroup:
    """The connections of one projection from one pre population to one post population."""
    projection: object
    pre: object
    post: object
    ids: np.ndarray                #: indices into the projection's connections; None: all
    pre_idx: np.ndarray            #: pre population index of each connection (compact_indices)
    #: post population index of each connection (compact_indices or indices.SortedIndices:
    #: read post_idx)
    post_indices: object
    pre_slices: list = None
    post_slices: list = None
    machine: np.ndarray = None     #: per (pre slice, post slice): rows generated on chip
    #: machine delay of each connection (uint16); None once encoded (group_ticks computes
    #: them again)
    ticks: np.ndarray = None
    max_ticks: int = 0             #: the longest machine delay (ticks)
    #: where the expander writes rows, its delays against the whole timesteps asked for
    #: (quantisation.delay_changes), for the quantisation summary; None: the host's only
    delays_changed: tuple = None
    changes: object = None         #: quantisation.GroupChanges, once encoded
    edges: list = field(default_factory=list)
    mts_us: float = None           #: the machine time step the delays were converted with
    scale: float = None            #: the weight scale of the group's receptor, once encoded

    def take(self, values):
        """The group's entries of a per-connection array of the projection."""
        return values if self.ids is None else values[self.ids]

    @property
    def n_pairs(self):
        return len(self.pre_slices) * len(self.post_slices)

    @property
    def post_idx(self):
        """The post population index of each connection (an array expanded for this use
        when the projection keeps them sorted)."""
        return compact_indices(self.post_indices, self.post.size)

    def pair_of(self, mask=None):
        """The (pre slice, post slice) pair of each connection (or of those in `mask`)."""
        pre, post = self.pre_idx, self.post_idx
        if mask is not None:
            pre, post = pre[mask], post[mask]
        return ((pre // np.int32(self.pre_slices[0].n_atoms)) * np.int32(len(self.post_slices))
                + post // np.int32(self.post_slices[0].n_atoms))

    def touches_first_slice(self):
        """True if some connection ends on the post population's first slice."""
        return len(self.post_indices) > 0 and \
            int(self.post_indices.min()) < self.post_slices[0].n_atoms


def connection_groups(projections, population_cores, mts_us, profile):
    """Every projection's groups, with their machine delays and rows' path decided."""
    groups = []
    direct_bytes = {}          # post core index -> bytes of "direct" matrices it holds
    # the requested delays, a few projections at a time in threads (a projection may draw
    # them again from its generator copies: fast_connectors.RandomValues)
    batch = max(1, threads.n_workers())
    for first in range(0, len(projections), batch):
        chunk = projections[first:first + batch]
        large = sum(len(p) for p in chunk) >= PARALLEL_ENCODE_MIN
        delays_of = threads.run_all(
            [functools.partial(_requested_delays, p, mts_us) for p in chunk], large)
        # the rows' paths in projection order (the direct matrices fill the cores' space
        # in that order), then the machine delays of the chunk's groups in threads
        made = []
        for projection, (delays, host_ticks) in zip(chunk, delays_of):
            made += _projection_groups(projection, delays, host_ticks, population_cores,
                                       direct_bytes, mts_us, profile)
        threads.run_all([functools.partial(_set_machine_ticks, *m) for m in made], large)
        groups += [group for group, _, _ in made]
        if large:
            del delays_of, delays, host_ticks, made
            memory.give_back()
    return groups


def _requested_delays(projection, mts_us):
    """(requested delays in ms, the host's whole ticks) of every connection."""
    delays = projection._requested("delay", one_off=True)
    return delays, _ticks16(connectivity.host_delay_ticks(delays, mts_us))


def _projection_groups(projection, delays, host_ticks, population_cores, direct_bytes,
                       mts_us, profile):
    """(group, its host ticks, its requested delays) of each group of one projection, the
    rows' paths decided (`delays`, `host_ticks`: of all its connections)."""
    projection._start_machine_values()
    groups = []
    for pre, post, ids, pre_idx, post_idx in projection._connections_by_population():
        ids = None if ids is None else np.asarray(ids, dtype=np.int32)
        group = ConnectionGroup(projection, pre, post, ids,
                                compact_indices(pre_idx, pre.size),
                                post_idx if isinstance(post_idx, SortedIndices)
                                else compact_indices(post_idx, post.size),
                                population_cores[pre], population_cores[post],
                                mts_us=mts_us)
        for slices in (group.pre_slices, group.post_slices):
            width = slices[0].n_atoms
            if any(s.lo != k * width for k, s in enumerate(slices)):
                raise AssertionError("the slices of a population are not of equal width")
        group_host = group.take(host_ticks)
        group.machine = generation.machine_pairs(group, group_host, direct_bytes,
                                                 profile.delay_slots)
        groups.append((group, group_host, group.take(delays)))
    return groups


def _set_machine_ticks(group, host_ticks, delays):
    """The group's machine delays (its rows' paths decided), from its host ticks and
    requested delays (ms)."""
    if not group.machine.any():
        group.ticks = host_ticks
    else:
        group.ticks = machine_ticks(group, host_ticks, delays)
        # the expander's delays may lose a tick
        group.delays_changed = quantisation.delay_changes(host_ticks, group.ticks, delays)
    group.max_ticks = int(group.ticks.max()) if len(group.ticks) else 0


def machine_ticks(group, host_ticks, delays):
    """The machine's delay of each connection of the group (uint16): the host's rounding
    (`host_ticks`) where the host writes the rows, the expander's where it generates them
    (from the group's requested `delays`, ms)."""
    if not group.machine.any():
        return host_ticks
    if group.machine.all():
        return _ticks16(connectivity.expander_delay_ticks(delays, group.mts_us))
    on_chip = group.machine[group.pair_of()]
    ticks = host_ticks.copy()
    ticks[on_chip] = _ticks16(connectivity.expander_delay_ticks(delays[on_chip],
                                                                group.mts_us))
    return ticks


def group_ticks(group):
    """The machine delay of each connection of a group whose rows' paths are decided
    (group.ticks until it is encoded, then computed again from the projection's requested
    delays)."""
    if group.ticks is not None:
        return group.ticks
    delays = group.take(group.projection._conn_delay)
    host = _ticks16(connectivity.host_delay_ticks(delays, group.mts_us))
    return machine_ticks(group, host, delays)


def machine_values(group):
    """(16-bit weights, delays in ticks) the machine holds for an encoded group, computed
    again from the projection's connections (the mapper keeps no copy of them)."""
    return weight_ints(group, group.scale), group_ticks(group)


def _ticks16(ticks):
    """Delays in ticks as uint16: the host's are at most 144 (checked by the Projection), the
    expander's at most 0xFFFF."""
    if len(ticks) and int(ticks.max()) > 0xFFFF:
        raise AssertionError("delay ticks beyond 16 bits reached the mapper")
    return ticks.astype(np.uint16)


def delay_stages(groups, profile):
    """{pre population: delay-extension stages its longest delay needs} (0: none)."""
    stages_of = {}
    for group in groups:
        longest = group.max_ticks
        stage = max(0, (longest - 1) // profile.delay_slots)
        if stage > profile.max_delay_stages:
            projection = group.projection
            dt = projection._simulator.state.dt
            raise MappingError(
                f"Edge:{projection.label} has a max delay of {longest * dt:g}. But at a "
                f"timestep of {dt:g} the max delay supported is "
                f"{profile.max_delay_ticks * dt:g}")
        stages_of[group.pre] = max(stages_of.get(group.pre, 0), stage)
    return stages_of


def group_statistics(group, dt_ms, profile):
    """The 6.0 weight statistics of the group's projection (weight_scaling.edge_statistics)."""
    projection = group.projection
    pre_max_rate = group.pre._max_poisson_rate() if group.pre.celltype.core_kind == "poisson" \
        else None
    plastic_w_max = (scalars(projection.synapse_type.weight_dependence)["w_max"]
                     if projection._is_plastic else None)
    first = group.post_slices[0]
    realised = weight_scaling.uses_realised_connections(projection._connector)
    return weight_scaling.edge_statistics(
        projection._connector, projection._weight_spec(), projection._delay_spec(),
        projection.pre.size, projection.post.size,
        (0, group.pre.size), (first.lo, first.hi), dt_ms,
        realised_weights=np.abs(group.take(projection._conn_weight)) if realised else None,
        realised_delays=group.take(projection._conn_delay) if realised else None,
        synapse_type=projection._synapse_type_index,
        spikes_per_second=group.post._spikes_per_second(profile),
        pre_max_rate=pre_max_rate,
        plastic_weight_max=plastic_w_max,
        distances=projection._distances_if_needed(),
        projection_id=id(projection))


def scalars(component):
    """A component's parameters as floats (an STDP rule's are scalars)."""
    return {name: float(value.base_value) for name, value in component.parameter_space.items()}


def check_single_signs(groups, profile):
    """6.0 refuses a host-written block (edge) whose computed weights have both signs; the
    first such edge into a population (by post slice, then projection) is named."""
    found = []
    for order, group in enumerate(groups):
        projection = group.projection
        if (projection._weights_from_list() or group.machine.all()
                or not projection._weights_mixed):
            continue
        weights = group.take(projection._conn_weight)
        positive, negative = weights > 0, weights < 0
        if not (positive.any() and negative.any()):
            continue
        edge_key = group.pair_of() * 2 + (group.ticks > profile.delay_slots)
        n_keys = 2 * group.n_pairs
        both = ((np.bincount(edge_key, positive, n_keys) > 0)
                & (np.bincount(edge_key, negative, n_keys) > 0)
                & ~np.repeat(group.machine, 2))
        for key in np.flatnonzero(both):
            pre_slice, post_slice = divmod(int(key) // 2, len(group.post_slices))
            found.append((post_slice, order, pre_slice, group))
    if found:
        post_slice, _, pre_slice, group = min(found, key=lambda f: f[:3])
        raise MappingError(
            f"Weights must be either all positive or all negative in projection "
            f"{group.projection.label} ({group.pre_slices[pre_slice].label} -> "
            f"{group.post_slices[post_slice].label})")


def weight_ints(group, scale, weights=None):
    """The 16-bit machine weight of each connection of the group (`weights`: the group's
    requested weights, if already taken)."""
    projection = group.projection
    if weights is None:
        weights = group.take(projection._conn_weight)
    machine = group.machine
    if not machine.any():
        return connectivity.host_weight_ints(weights, scale)
    try:
        on_chip = connectivity.expander_weight_ints(weights, scale)
    except ValueError as err:      # found by tests/test_fuzz_networks.py
        raise MappingError(
            f"Projection '{projection.label}': its weights cannot be sent to the on-chip "
            f"synapse expander: {err}") from None
    if machine.all():
        return on_chip
    host = machine[group.pair_of()] == 0
    on_chip[host] = connectivity.host_weight_ints(weights[host], scale)
    return on_chip


#: synapses into a population from which its groups are encoded in parallel
PARALLEL_ENCODE_MIN = 1 << 20


def encode_all(groups, population, scales, delay_cores, stages, profile):
    """Encode the groups into one population (:func:`encode`); returns its synapses per
    neuron.  The groups of different projections are independent (each writes its own
    arrays and rows): they are encoded in threads when there are many synapses."""
    by_projection = {}
    for group in groups:
        by_projection.setdefault(group.projection, []).append(group)

    def encode_projection(own):
        fan_in = np.zeros(population.size, dtype=np.int64)
        for group in own:
            encode(group, scales, fan_in, delay_cores, stages.get(group.pre, 0), profile)
        if len(own[0].projection) >= PARALLEL_ENCODE_MIN:
            memory.give_back()          # its temporaries, before the next projection's
        return fan_in

    calls = [functools.partial(encode_projection, own) for own in by_projection.values()]
    large = sum(len(group.pre_idx) for group in groups) >= PARALLEL_ENCODE_MIN
    fan_in = np.zeros(population.size, dtype=np.int64)
    for counts in threads.run_all(calls, large):
        fan_in += counts
    return fan_in


def encode(group, shifts_scales, fan_in, delay_cores, stages, profile):
    """Build the group's edges (rows) and tell the projection what the machine holds.

    shifts_scales: the post population's weight scale per synapse type; fan_in: its
    synapses per neuron (incremented); delay_cores: source core index -> its delay core;
    stages: the pre population's delay-extension stages.
    """
    projection = group.projection
    synapse_type = projection._synapse_type_index
    scale = shifts_scales[synapse_type]
    # drawn again for this only (if the projection draws them again): not kept for others
    weights = group.take(projection._requested("weight", one_off=True))
    ints = weight_ints(group, scale, weights)
    group.scale = scale
    projection._record_machine_group(group, ints)
    group.changes = quantisation.changes(weights, ints, scale, group.delays_changed)
    del weights
    post_slices, pre_slices = group.post_slices, group.pre_slices
    # the word layout every post core was given (mapping._set_core_layout)
    layout = post_slices[0].extra
    index_bits = np.array([s.extra["index_bits"] for s in post_slices], dtype=np.int32)
    plastic = projection._is_plastic
    counts, max_ticks, offset_base, offsets, starts, words, order = _rows.encode_rows(
        group.pre_idx, group.post_idx, group.ticks, ints,
        pre_slices[0].n_atoms, group.pre.size, post_slices[0].n_atoms, group.post.size,
        profile.delay_slots, stages, synapse_type, layout["type_bits"], layout["delay_bits"],
        index_bits, fan_in, plastic)
    if plastic:
        controls = (words & 0xFFFF).astype(np.uint16)
        weights = (words >> 16).astype(np.uint16)
        ids = order if group.ids is None else np.asarray(group.ids, dtype=np.int32)[order]
    for key in np.flatnonzero(counts):
        pair, delayed = divmod(int(key), 2)
        pre_slice, post_slice = divmod(pair, len(post_slices))
        pre_core = pre_slices[pre_slice]
        if delayed:
            pre_core = delay_cores[pre_core.index]
        n_keys = pre_core.n_keys
        lo, hi = starts[key], starts[key] + counts[key]
        edge = Edge(projection, pre_core, post_slices[post_slice], synapse_type,
                    n_connections=int(counts[key]), max_delay_ticks=int(max_ticks[key]),
                    path=generation.MACHINE if group.machine[pair] else generation.HOST,
                    row_offsets=offsets[offset_base[key]:offset_base[key] + n_keys + 1])
        if plastic:
            edge.controls, edge.weights, edge.connection_ids = \
                controls[lo:hi], weights[lo:hi], ids[lo:hi]
        else:
            edge.words = words[lo:hi]
        group.edges.append(edge)
    # read no more (a group whose rows come from both paths keeps its indices: the machine
    # values are computed again from them, machine_values)
    group.ticks = None
    if group.machine.all() or not group.machine.any():
        group.pre_idx = group.post_indices = None
