"""Mapping a PyNN network onto SpiNNaker cores, as the toolchain does before a run.

The pipeline (docs/mapping.md):

1. partition every population into core-sized slices, smaller where a slice's SDRAM would
   not fit a core (:mod:`.partition`, :mod:`.resources`);
2. split every projection into edges, one per (pre slice, post slice) pair that has
   connections, decide per edge whether the host or the on-chip expander writes its rows
   (:mod:`.generation`) and give every connection its machine delay;
3. route delays longer than the on-core slots through delay-extension cores (one per
   source slice, same slicing as the source);
4. choose each population's ring-buffer left shifts from its incoming projections
   (:mod:`pynn_spinn_virtual.weight_scaling`), quantise the weights and build the rows
   (:mod:`pynn_spinn_virtual.connectivity`);
5. build the machine graph, size or take the machine, place every core, allocate routing
   keys and build the routing tables (:mod:`.placement`, :mod:`.routing`).

The result, a :class:`Mapping`, is what the kernel runs: its cores are the kernel's cores.
"""
from dataclasses import dataclass, field

import numpy as np

from .. import connectivity, weight_scaling
from ..exceptions import MappingError
from . import generation, resources
from .graph import MachineGraph, MachineVertex
from .partition import CoreSlice, n_bits, slice_bounds


@dataclass
class Edge:
    """The connections of one projection from one pre core to one post core.

    Per connection it holds only compact arrays (10 bytes a synapse before its rows are built:
    a large network has all its edges at once), and after the rows are built only what is
    read later (:meth:`release`).
    """
    projection: object
    pre_core: CoreSlice
    post_core: CoreSlice
    connection_ids: np.ndarray     #: indices into the projection's connection arrays (int32)
    pre_local: np.ndarray          #: pre neuron of each connection, index in its pre slice
    post_local: np.ndarray         #: post neuron of each connection, index in its post slice
    synapse_type: int
    n_connections: int = 0
    max_delay_ticks: int = 0       #: the longest machine delay of the edge (ticks)
    path: str = None               #: generation.HOST or generation.MACHINE
    host_ticks: np.ndarray = None  #: the host's rounding of each delay (ticks)
    delay_ticks: np.ndarray = None  #: the machine's delay of each connection (ticks)
    pre_keys: np.ndarray = None    #: row of each connection among the pre core's keys
    delay_field: np.ndarray = None  #: delay written in the row (<= the on-core slots)
    row_offsets: np.ndarray = None
    words: np.ndarray = None       #: static rows
    controls: np.ndarray = None    #: plastic rows: control half-words ...
    weights: np.ndarray = None     #: ... and initial 16-bit weights, in row order
    order: np.ndarray = None       #: row order -> connection order (plastic read-back)

    @property
    def plastic(self):
        return self.projection._is_plastic

    def __post_init__(self):
        self.connection_ids = np.asarray(self.connection_ids, dtype=np.int32)
        # 16 bits for the usual slices (neuron cores have at most 256 atoms); a spike-source
        # array has no limit per core, so its slices may need 32
        self.pre_local = np.asarray(self.pre_local, dtype=_index_type(self.pre_core.n_atoms))
        self.post_local = np.asarray(self.post_local, dtype=_index_type(self.post_core.n_atoms))
        self.n_connections = len(self.connection_ids)

    def release(self):
        """Once its rows are built, an edge keeps only what is read later: its counts and,
        for plastic rows, the connection ids in row order (weights are read back)."""
        if len(self.delay_ticks):
            self.max_delay_ticks = int(self.delay_ticks.max())
        if self.plastic:
            self.connection_ids = self.connection_ids[self.order]
            self.order = None
        else:
            self.connection_ids = None
        self.pre_local = self.post_local = self.delay_ticks = self.host_ticks = None
        self.pre_keys = self.delay_field = None


@dataclass
class Mapping:
    cores: list
    edges: list
    population_cores: dict = field(default_factory=dict)
    graph: MachineGraph = None
    machine: object = None
    placements: object = None
    keys: object = None
    routing_tables: dict = None

    def cores_of(self, population):
        return self.population_cores[population]

    @property
    def delay_cores(self):
        return [c for c in self.cores if c.kind == "delay"]


def map_network(populations, projections, dt_ms, profile, machine=None):
    """Partition, split, scale and encode the network, then place and route it."""
    incoming = _incoming_connections(populations, projections)
    cores, population_cores = _partition(populations, incoming, profile)
    edges = _split_projections(projections, population_cores)
    mts = profile.machine_time_step_us(dt_ms)
    # each projection's delays converted once (the host's and, where some edge is generated
    # on chip, the expander's ticks), then taken per edge
    host_ticks, expander_ticks = {}, {}
    for edge in edges:
        projection = edge.projection
        if projection not in host_ticks:
            host_ticks[projection] = _ticks16(connectivity.host_delay_ticks(
                projection._conn_delay, mts))
        edge.host_ticks = host_ticks[projection][edge.connection_ids]
    generation.choose_paths(edges, profile.delay_slots)
    for edge in edges:
        projection = edge.projection
        if edge.path == generation.MACHINE:
            if projection not in expander_ticks:
                expander_ticks[projection] = _ticks16(connectivity.expander_delay_ticks(
                    projection._conn_delay, mts))
            edge.delay_ticks = expander_ticks[projection][edge.connection_ids]
        else:
            edge.delay_ticks = edge.host_ticks
        edge.host_ticks = None
    del host_ticks, expander_ticks
    edges = _add_delay_extensions(edges, cores, profile)
    edge_into = {core.index: [] for core in cores}
    for edge in edges:
        edge_into[edge.post_core.index].append(edge)
    for population, slices in population_cores.items():
        if population.celltype.core_kind != "neuron":
            continue
        shifts = _population_shifts(population, edge_into[slices[0].index], dt_ms, profile)
        mechanism = _plasticity_of(population, projections)
        for core in slices:
            _encode_core(core, shifts, edge_into[core.index], profile)
            if mechanism is not None:
                core.extra["plasticity"] = _plasticity_words(mechanism, core, dt_ms, profile)
    mapping = Mapping(cores=cores, edges=edges, population_cores=population_cores)
    mapping.graph = _machine_graph(mapping, profile)
    _place_and_route(mapping, machine, profile)
    return mapping


# -- 1. partitioning ---------------------------------------------------------------------
def _incoming_connections(populations, projections):
    """population -> [(projection, post indices, pre population)] of its incoming synapses."""
    incoming = {population: [] for population in populations}
    for projection in projections:
        for pre_pop, post_pop, _, _, post_idx in projection._connections_by_population():
            incoming[post_pop].append((projection, post_idx, pre_pop))
    return incoming


def _partition(populations, incoming, profile):
    cores = []
    population_cores = {}
    for population in populations:
        limit = _fitted_atoms_per_core(population, incoming[population], profile)
        slices = []
        for k, (lo, hi) in enumerate(slice_bounds(population.size, limit)):
            core = CoreSlice(population, lo, hi, index=len(cores), slice_index=k,
                             kind=population.celltype.core_kind)
            cores.append(core)
            slices.append(core)
        population_cores[population] = slices
    return cores, population_cores


def _fitted_atoms_per_core(population, incoming, profile):
    """The population's atoms per core, lowered until every slice's SDRAM fits a core."""
    limit = min(population._max_atoms_per_core(profile), population.size)
    if population.celltype.core_kind != "neuron":
        return limit
    budget = resources.core_budget(profile)
    per_neuron = sum(c.dtype().itemsize for c in population.celltype.components)
    rows = sum(pre.size for _, _, pre in incoming)
    plastic_rows = sum(pre.size for projection, _, pre in incoming if projection._is_plastic)
    static = [post_idx for projection, post_idx, _ in incoming if not projection._is_plastic]
    plastic = [post_idx for projection, post_idx, _ in incoming if projection._is_plastic]

    def synapses(indices, size):
        """Synapses onto each slice of `size` atoms."""
        total = np.zeros(-(-population.size // size), dtype=np.int64)
        for idx in indices:
            total += resources.synapses_per_slice(idx, population.size, size)
        return total

    def fits(size):
        if size == 0:
            return True
        n_static, n_plastic = synapses(static, size), synapses(plastic, size)
        need = resources.neuron_core_bytes(
            size, per_neuron, rows, n_static + n_plastic, len(incoming),
            _recording_bytes(population, size, profile), n_plastic_rows=plastic_rows,
            n_plastic_synapses=n_plastic)
        return int(np.max(need)) <= budget

    fitted = resources.largest_fitting_slice(limit, fits)
    if fitted == 0:
        raise MappingError(
            f"Population '{population.label}': even one neuron per core needs more SDRAM than "
            f"a core's share of a chip ({budget} bytes): its incoming synaptic matrix is too "
            f"large")
    return fitted


def _recording_bytes(population, n_atoms, profile):
    recorder = population.recorder
    analog = [min(n_atoms, len(recorder.recorded_indices(name)))
              for name, _ in recorder.analog_variables()]
    intervals = [interval for _, interval in recorder.analog_variables()] or [1]
    return resources.recording_bytes(n_atoms, analog, recorder.is_recording("spikes"),
                                     min(intervals), profile.recording_buffer_ticks)


# -- 2. edges ---------------------------------------------------------------------------
def _split_projections(projections, population_cores):
    edges = []
    for projection in projections:
        for pre_pop, post_pop, ids, pre_idx, post_idx in projection._connections_by_population():
            pre_slices = population_cores[pre_pop]
            post_slices = population_cores[post_pop]
            pre_core_of = _slice_lookup(pre_slices, pre_idx)
            post_core_of = _slice_lookup(post_slices, post_idx)
            n_pairs = len(pre_slices) * len(post_slices)
            key = (pre_core_of * len(post_slices) + post_core_of).astype(_small_int(n_pairs))
            order = np.argsort(key, kind="stable")     # a radix sort for 8/16-bit keys
            counts = np.bincount(key, minlength=n_pairs)
            bounds = np.concatenate(([0], np.cumsum(counts)))
            # the connections in edge order, gathered once: each edge is a slice of these
            ids_sorted = np.asarray(ids, dtype=np.int32)[order]
            pre_local = _local_indices(pre_idx, pre_core_of, pre_slices)[order]
            post_local = _local_indices(post_idx, post_core_of, post_slices)[order]
            del order, key
            for k in np.flatnonzero(counts):
                lo, hi = bounds[k], bounds[k + 1]
                edges.append(Edge(
                    projection=projection, pre_core=pre_slices[int(k) // len(post_slices)],
                    post_core=post_slices[int(k) % len(post_slices)],
                    connection_ids=ids_sorted[lo:hi], pre_local=pre_local[lo:hi],
                    post_local=post_local[lo:hi], synapse_type=projection._synapse_type_index))
    return edges


def _local_indices(atoms, core_of, slices):
    """Each atom's index within its slice."""
    width = slices[0].n_atoms
    local = np.asarray(atoms, dtype=np.int32) - core_of * np.int32(width)
    return local.astype(_index_type(width))


def _index_type(n_values):
    """The unsigned type of indices 0 .. n_values - 1: 16 bits where they fit, else 32."""
    return np.uint16 if n_values <= 1 << 16 else np.uint32


def _slice_lookup(slices, atom_indices):
    """Index of the slice holding each atom."""
    if len(slices) == 1:
        return np.zeros(len(atom_indices), dtype=np.int32)
    # slice_bounds() makes equal slices (the last one shorter): a division finds the slice
    width = slices[0].n_atoms
    if any(s.lo != k * width for k, s in enumerate(slices)):
        raise AssertionError("the slices of a population are not of equal width")
    return (np.asarray(atom_indices, dtype=np.int32) // np.int32(width)).astype(np.int32)


def _ticks16(ticks):
    """Delays in ticks as uint16: the host's are at most 144 (checked by the Projection), the
    expander's at most 0xFFFF."""
    if len(ticks) and int(ticks.max()) > 0xFFFF:
        raise AssertionError("delay ticks beyond 16 bits reached the mapper")
    return ticks.astype(np.uint16)


def _small_int(n_values):
    """The smallest unsigned type holding 0 .. n_values - 1 (numpy sorts 8/16-bit integers
    stably by radix sort, in linear time)."""
    return np.uint8 if n_values <= 1 << 8 else np.uint16 if n_values <= 1 << 16 else np.int64


# -- 3. delay extensions -----------------------------------------------------------------
def _add_delay_extensions(edges, cores, profile):
    """Move connections with delays beyond the on-core slots onto delay-extension cores.

    A connection of d ticks > L (the on-core slots) goes through stage k = (d - 1) // L of
    the delay core of its source slice and keeps r = d - k L in its row: the target adds it
    into slot t + k L + r = t + d, with no extra latency (kernel spec §5.2).  Each source
    population with such delays gets one delay core per slice (the toolchain's
    DelayExtensionVertex, same slicing), with as many stages as its longest delay needs.
    """
    slots = profile.delay_slots
    stages_of = {}
    for edge in edges:
        stage = (int(edge.delay_ticks.max()) - 1) // slots if len(edge.delay_ticks) else 0
        if stage > profile.max_delay_stages:
            projection = edge.projection
            raise MappingError(
                f"Edge:{projection.label} has a max delay of "
                f"{edge.delay_ticks.max() * projection._simulator.state.dt:g}. But at a timestep "
                f"of {projection._simulator.state.dt:g} the max delay supported is "
                f"{profile.max_delay_ticks * projection._simulator.state.dt:g}")
        population = edge.pre_core.population
        stages_of[population] = max(stages_of.get(population, 0), stage)
    delay_core_of = {}
    for core in list(cores):
        n_stages = stages_of.get(core.population, 0)
        if core.kind != "delay" and n_stages > 0:
            delay = CoreSlice(core.population, core.lo, core.hi, index=len(cores),
                              slice_index=core.slice_index, kind="delay")
            delay.extra.update(source=core, n_stages=n_stages, stage_length=slots)
            cores.append(delay)
            delay_core_of[core.index] = delay
    result = []
    for edge in edges:
        ticks = edge.delay_ticks.astype(np.int32)
        stage = (ticks - 1) // slots
        on_core = stage == 0
        if on_core.all():
            edge.pre_keys, edge.delay_field = edge.pre_local, edge.delay_ticks
            result.append(edge)
            continue
        if on_core.any():
            result.append(_sub_edge(edge, on_core, edge.pre_core, edge.pre_local[on_core],
                                    edge.delay_ticks[on_core]))
        delayed = ~on_core
        delay_core = delay_core_of[edge.pre_core.index]
        keys = (stage[delayed] - 1) * edge.pre_core.n_atoms + edge.pre_local[delayed]
        result.append(_sub_edge(edge, delayed, delay_core, keys,
                                ticks[delayed] - slots * stage[delayed]))
    return result


def _sub_edge(edge, members, pre_core, pre_keys, delay_field):
    """The connections `members` of `edge`, sent by `pre_core` (the source or its delay
    core) with these row keys and row delays."""
    sub = Edge(projection=edge.projection, pre_core=pre_core, post_core=edge.post_core,
               connection_ids=edge.connection_ids[members],
               pre_local=edge.pre_local[members], post_local=edge.post_local[members],
               synapse_type=edge.synapse_type, path=edge.path,
               delay_ticks=edge.delay_ticks[members])
    sub.pre_keys = np.asarray(pre_keys, dtype=_index_type(_n_keys(pre_core)))
    sub.delay_field = np.asarray(delay_field, dtype=np.uint16)
    return sub


# -- 4. weights and rows -------------------------------------------------------------------
def _population_shifts(population, first_core_edges, dt_ms, profile):
    """Ring-buffer left shift per synapse type, chosen once per population (as 6.0 does).

    6.0 computes it when the first core of the population is loaded, from the projections
    with an edge into that core, and every core of the population then uses it; we take
    the population's lowest slice as that first core (docs/toolchain6.md, decision 2).
    """
    celltype = population.celltype
    statistics = [_edge_statistics(edge, dt_ms, profile) for edge in first_core_edges]
    shifts = profile.ring_buffer_left_shifts(
        statistics, celltype.n_synapse_types, celltype.weight_scale, dt_ms,
        ring_buffer_sigma=population._ring_buffer_sigma(profile))
    for synapse_type, shift in enumerate(shifts):
        if shift > 16:
            names = ", ".join(sorted({e.projection.label for e in first_core_edges
                                      if e.synapse_type == synapse_type}))
            raise MappingError(
                f"The weights into Population '{population.label}' on receptor "
                f"'{celltype.synapse_component.receptor_types[synapse_type]}' need a ring-buffer "
                f"left shift of {shift}, but at most 16 is possible: the summed weights of "
                f"{names} are too large for the 16-bit ring buffer")
    return shifts


def _encode_core(core, shifts, edges, profile):
    """The 16-bit weights and synaptic rows of one neuron core."""
    celltype = core.population.celltype
    scales = weight_scaling.weight_scale_factors(shifts, celltype.weight_scale)
    core.extra["shifts"] = np.asarray(shifts, dtype=np.uint32)
    core.extra["weight_scales"] = np.asarray(scales, dtype=np.float64)
    core.extra["index_bits"] = n_bits(core.n_atoms)
    core.extra["type_bits"] = n_bits(celltype.n_synapse_types)
    core.extra["delay_bits"] = profile.ring_buffer_delay_bits
    fan_in = np.zeros(core.n_atoms, dtype=np.int64)
    for edge in edges:
        projection = edge.projection
        ids = edge.connection_ids
        scale = scales[edge.synapse_type]
        weights = projection._conn_weight[ids]
        if edge.path == generation.MACHINE:
            try:
                weight_ints = connectivity.expander_weight_ints(weights, scale)
            except ValueError as err:      # found by tests/test_fuzz_networks.py
                raise MappingError(
                    f"Projection '{projection.label}': its weights cannot be sent to the "
                    f"on-chip synapse expander: {err}") from None
        else:
            _check_single_sign(projection, edge, weights)
            weight_ints = connectivity.host_weight_ints(weights, scale)
        # what the machine holds, read back in native units; the user's sign is kept
        projection._record_machine_values(ids, weight_ints, scale, core.population,
                                          edge.delay_ticks)
        layout = (edge.pre_keys, edge.post_local, weight_ints, edge.delay_field,
                  edge.synapse_type, _n_keys(edge.pre_core), core.extra["index_bits"],
                  core.extra["type_bits"], core.extra["delay_bits"])
        if edge.plastic:
            edge.row_offsets, edge.controls, edge.weights, edge.order = \
                connectivity.build_plastic_rows(*layout)
        else:
            edge.row_offsets, edge.words = connectivity.build_rows(*layout)
        fan_in += np.bincount(edge.post_local, minlength=core.n_atoms)
        edge.release()
    core.extra["synapses_per_neuron"] = fan_in


def _plasticity_of(population, projections):
    """The one STDP mechanism of the plastic projections into `population`, or None.

    Like sPyNNaker, every plastic projection into a population must use the same rule.
    """
    mechanism = None
    for projection in projections:
        if not projection._is_plastic or population not in projection._post_map.populations:
            continue
        if mechanism is None:
            mechanism, first = projection.synapse_type, projection
        elif not mechanism.same_rule_as(projection.synapse_type):
            raise MappingError(
                f"Synapse dynamics must match exactly when using multiple plastic projections "
                f"to the same population: '{first.label}' and '{projection.label}' into "
                f"Population '{population.label}' use different STDP rules")
    return mechanism


def _plasticity_words(mechanism, core, dt_ms, profile):
    """What the kernel's set_plasticity() takes for this core (docs/models.md, STDP)."""
    timing = _scalars(mechanism.timing_dependence)
    kind = mechanism.weight_dependence.kernel_name
    try:
        words = profile.stdp_weight_words(kind, _scalars(mechanism.weight_dependence), timing,
                                          core.extra["weight_scales"])
    except (OverflowError, ValueError) as err:
        raise MappingError(f"Population '{core.population.label}': its STDP rule does not "
                           f"fit the machine's 32-bit weight words: {err}") from None
    return dict(
        timing=mechanism.timing_dependence.kernel_name, weight_dependence=kind,
        lut_plus=profile.stdp_lut(dt_ms, timing["tau_plus"]),
        lut_minus=profile.stdp_lut(dt_ms, timing["tau_minus"]),
        backprop_delay=mechanism.backprop_delay, **words)


def _scalars(component):
    return {name: float(value.base_value) for name, value in component.parameter_space.items()}


def _n_keys(core):
    """Keys (rows) a core sends: its atoms, or stages x atoms for a delay-extension core."""
    return core.n_atoms * core.extra.get("n_stages", 1) if core.kind == "delay" else core.n_atoms


def _check_single_sign(projection, edge, weights):
    """6.0 refuses a host-generated block whose computed weights have both signs."""
    if projection._weights_from_list():
        return
    if np.any(weights > 0) and np.any(weights < 0):
        raise MappingError(
            f"Weights must be either all positive or all negative in projection "
            f"{projection.label} ({edge.pre_core.label} -> {edge.post_core.label})")


def _edge_statistics(edge, dt_ms, profile):
    projection = edge.projection
    post = edge.post_core.population
    pre = edge.pre_core.population
    pre_max_rate = pre._max_poisson_rate() if pre.celltype.core_kind == "poisson" else None
    plastic_w_max = (_scalars(projection.synapse_type.weight_dependence)["w_max"]
                     if projection._is_plastic else None)
    return weight_scaling.edge_statistics(
        projection._connector, projection._weight_spec(), projection._delay_spec(),
        projection.pre.size, projection.post.size,
        (edge.pre_core.lo, edge.pre_core.hi), (edge.post_core.lo, edge.post_core.hi), dt_ms,
        realised_weights=np.abs(projection._conn_weight[edge.connection_ids]),
        realised_delays=projection._conn_delay[edge.connection_ids],
        synapse_type=edge.synapse_type,
        spikes_per_second=post._spikes_per_second(profile),
        pre_max_rate=pre_max_rate,
        plastic_weight_max=plastic_w_max,
        distances=projection._distances_if_needed(),
        projection_id=id(projection))


# -- 5. machine graph, placement, routing ----------------------------------------------------
def _machine_graph(mapping, profile):
    """One machine vertex per core (in core order), with its SDRAM; one edge per route."""
    graph = MachineGraph()
    app_index = {}
    edges_into = {}
    for edge in mapping.edges:
        edges_into.setdefault(edge.post_core.index, []).append(edge)
    for core in mapping.cores:
        population = core.population
        app = (population, core.kind == "delay")
        app_index.setdefault(app, len(app_index))
        if core.kind == "delay":
            label = f"Delay extension for {core.extra['source'].label}"
            app_label = f"{population.label}_delayed"
        else:
            label, app_label = core.label, population.label
        vertex = MachineVertex(
            label=label, app_label=app_label, app_index=app_index[app],
            slice_index=core.slice_index, lo=core.lo, hi=core.hi, kind=core.kind,
            sdram_bytes=_core_sdram(core, edges_into.get(core.index, []), profile),
            n_keys=_n_keys(core),
            constraint=population._options.get("placement_constraint"))
        graph.add_vertex(vertex)
        assert vertex.index == core.index
    seen = set()
    for edge in mapping.edges:
        pair = (edge.pre_core.index, edge.post_core.index)
        if pair not in seen:
            seen.add(pair)
            graph.add_edge(graph.vertices[pair[0]], graph.vertices[pair[1]],
                           edge.projection.label)
    for core in mapping.delay_cores:
        source = core.extra["source"]
        graph.add_edge(graph.vertices[source.index], graph.vertices[core.index], "delay")
    return graph


def _core_sdram(core, edges, profile):
    """SDRAM of one core; `edges`: the edges into it."""
    population = core.population
    kind = core.kind
    if kind == "delay":
        return resources.delay_core_bytes(core.n_atoms, core.extra["n_stages"])
    recording = _recording_bytes(population, core.n_atoms, profile)
    if kind == "neuron":
        per_neuron = sum(c.dtype().itemsize for c in population.celltype.components)
        rows = sum(_n_keys(e.pre_core) for e in edges)
        synapses = sum(e.n_connections for e in edges)
        plastic = [e for e in edges if e.plastic]
        return resources.neuron_core_bytes(
            core.n_atoms, per_neuron, rows, synapses, len(edges), recording,
            n_plastic_rows=sum(_n_keys(e.pre_core) for e in plastic),
            n_plastic_synapses=sum(e.n_connections for e in plastic))
    if kind == "spike_array":
        ticks, _ = population._spike_array_events(core.lo, core.hi, 1.0, profile)
        return resources.spike_array_core_bytes(len(ticks), recording)
    return resources.poisson_core_bytes(core.n_atoms, recording)


def _place_and_route(mapping, machine, profile):
    from ..machine import machine_for
    from .placement import chips_needed, place
    from .routing import allocate_keys, routing_tables
    graph = mapping.graph
    if machine is None:
        machine = machine_for(chips_needed(graph, profile), profile)
    mapping.machine = machine
    mapping.placements = place(graph, machine, profile)
    mapping.keys = allocate_keys(graph, profile)
    mapping.routing_tables = routing_tables(graph, mapping.placements, machine, mapping.keys,
                                            profile)
