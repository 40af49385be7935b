"""Projection: a thin subclass of pyNN.common.Projection holding connections as arrays.

PyNN's connectors call ``_convergent_connect`` once per post-synaptic neuron; the chunks are
collected and joined into flat numpy arrays (pre index, post index, weight, delay in ticks),
from which the mapper builds the machine's synaptic rows.  ``get("weight")`` returns, before
the first run, the weights as requested (the host's values) and from the first run on the
weights as the machine holds them: quantised to 16 bits with the post core's ring-buffer
shift (the network is mapped on demand for that).
"""
import contextlib
import logging
import warnings

import numpy as np
from pyNN import common, errors
from pyNN import connectors as pynn_connectors
from pyNN.connectors import (FixedNumberPostConnector, FixedNumberPreConnector,
                             FromListConnector)
from pyNN.parameters import LazyArray
from pyNN.random import RandomDistribution
from pyNN.space import Space

from . import connectivity, fast_connectors, fixedpoint, portal_warnings, simulator
from .indices import SortedIndices, compact_indices
from .exceptions import DelayExtensionError
from .mapping import generation, synapses
from .standardmodels.synapses import STDPMechanism, StaticSynapse

logger = logging.getLogger("pynn_spinn_virtual")


class CellMap:
    """Indices of a Population, PopulationView or Assembly -> (population, index in it)."""

    def __init__(self, neurons):
        parts = list(neurons.populations) if isinstance(neurons, common.Assembly) else [neurons]
        self.populations = []
        population_of, parent_index = [], []
        for part in parts:
            root = part.grandparent if hasattr(part, "grandparent") else part
            if root not in self.populations:
                self.populations.append(root)
            indices = (part.index_in_grandparent(np.arange(part.size))
                       if hasattr(part, "grandparent") else np.arange(part.size))
            population_of.append(np.full(part.size, self.populations.index(root)))
            parent_index.append(np.asarray(indices, dtype=np.int64))
        self.population_of = np.concatenate(population_of)
        self.parent_index = np.concatenate(parent_index)
        #: one whole Population: its indices are the population's own
        self.identity = len(parts) == 1 and not hasattr(parts[0], "grandparent")


@contextlib.contextmanager
def _numpy2_safe_columns(connector, projection):
    """Work around a PyNN 0.13 + numpy 2 crash when the pre-synaptic side has one neuron.

    ``MapConnector._standard_connect`` receives each column of the connection map as a 0-d
    numpy bool when there is a single pre-synaptic neuron, and ``nonzero()`` on a 0-d array
    raises in numpy 2 ("Calling nonzero on 0d arrays is not allowed"), so e.g.
    ``Projection(Population(1, ...), Population(1, ...), OneToOneConnector())`` crashed.  The
    columns are made 1-d for the time of this connect() only (the user's connector object is
    left as it was).
    """
    if not isinstance(connector, pynn_connectors.MapConnector) or projection.pre.size != 1:
        yield
        return
    original = pynn_connectors.MapConnector._standard_connect

    def standard_connect(proj, connection_map_generator, distance_map=None):
        def columns(*args, **kwargs):
            for column in connection_map_generator(*args, **kwargs):
                if isinstance(column, (np.generic, np.ndarray)) and np.ndim(column) == 0:
                    column = np.atleast_1d(column)
                yield column
        return original(connector, proj, columns, distance_map)

    connector._standard_connect = standard_connect
    try:
        yield
    finally:
        del connector._standard_connect


class SmallWorldConnector(pynn_connectors.SmallWorldConnector, pynn_connectors.MapConnector):
    """PyNN's SmallWorldConnector, made to work as sPyNNaker's does.

    PyNN 0.13's ``connect()`` only raises NotImplementedError.  sPyNNaker connects every
    (pre, post) pair closer than `degree` and then moves each connection, with probability
    `rewiring`, to a random post-synaptic neuron; ``n_connections`` is refused there too.
    Connections rewired onto an existing one merge (no multapses).
    """

    def __init__(self, degree, rewiring, allow_self_connections=True, n_connections=None,
                 rng=None, safe=True, callback=None, location_selector=None):
        if n_connections is not None:
            raise NotImplementedError(
                "n_connections is not implemented for SmallWorldConnector on this platform")
        super().__init__(degree, rewiring, allow_self_connections=allow_self_connections,
                         n_connections=None, location_selector=location_selector, rng=rng,
                         safe=safe, callback=callback)
        #: read by the ring-buffer shift statistics (weight_scaling), as sPyNNaker stores it
        self.degree = degree

    def connect(self, projection):
        generator = projection.space.distance_generator(projection.pre.position_generator,
                                                        projection.post.position_generator)
        distances = LazyArray(generator, shape=projection.shape).evaluate()
        mask = np.asarray(distances < self.degree, dtype=bool).reshape(projection.shape)
        if not self.allow_self_connections and projection.pre == projection.post:
            np.fill_diagonal(mask, False)
        pre, post = np.nonzero(mask)
        if len(pre) and self.rewiring > 0:
            rewired = np.asarray(self.rng.next(len(pre))) < self.rewiring
            n_new = int(rewired.sum())
            if n_new:
                targets = np.asarray(self.rng.next(n_new)) * projection.post.size
                post = post.copy()
                post[rewired] = np.minimum(targets.astype(np.int64), projection.post.size - 1)
            mask = np.zeros(projection.shape, dtype=bool)
            mask[pre, post] = True
        self._connect_with_map(projection, LazyArray(mask, shape=projection.shape))


def _connects_nothing(connector):
    """A FixedNumberPre/PostConnector asked for n = 0 connections per neuron."""
    return (isinstance(connector, (FixedNumberPreConnector, FixedNumberPostConnector))
            and isinstance(connector.n, (int, np.integer)) and connector.n == 0)


def _redraws_self_connections(connector, projection):
    """A FixedNumberPre/PostConnector with replacement and without self-connections on a
    recurrent projection: PyNN 0.13 redraws the self-connections, with a bug that raises
    IndexError for many draws."""
    return (isinstance(connector, (FixedNumberPreConnector, FixedNumberPostConnector))
            and connector.with_replacement and not connector.allow_self_connections
            and projection.pre == projection.post)


#: projections with at least this many connections keep the RandomDistribution weights and
#: delays of the vectorised connectors as the state of their generator copies, and draw
#: them again when asked (fast_connectors.RandomValues), instead of keeping them (16 bytes
#: per connection)
REGENERATE_MIN = 1 << 16


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=Space(), label=None):
        state = simulator.state
        state.check_not_ended("Projection()")
        if source is not None:
            raise NotImplementedError("Projection source= is not supported on SpiNNaker "
                                      "(no multi-compartment neurons)")
        if synapse_type is not None and not isinstance(synapse_type, (StaticSynapse,
                                                                      STDPMechanism)):
            raise NotImplementedError(
                f"{type(synapse_type).__name__} is not supported on SpiNNaker; use "
                f"StaticSynapse or STDPMechanism")
        for role, neurons in (("post", postsynaptic_population),):
            cells = neurons.populations if isinstance(neurons, common.Assembly) else [neurons]
            for part in cells:
                if part.celltype.core_kind != "neuron":
                    raise errors.ConnectionError(
                        f"{role}-synaptic population '{part.label}' is a spike source "
                        f"({type(part.celltype).__name__}) and cannot receive connections")
        post_receptors = getattr(postsynaptic_population, "receptor_types", None)
        if receptor_type is not None and post_receptors is not None \
                and receptor_type not in post_receptors:
            # PyNN's own message names neither the projection nor the population
            name = label or f"{presynaptic_population.label}->{postsynaptic_population.label}"
            raise errors.ConnectionError(
                f"Projection '{name}': receptor_type {receptor_type!r} is not a receptor of "
                f"'{postsynaptic_population.label}' (one of: "
                f"{', '.join(repr(r) for r in post_receptors)})")
        super().__init__(presynaptic_population, postsynaptic_population, connector,
                         synapse_type, source, receptor_type, space, label)
        if self.label is None:
            self.label = f"{self.pre.label}->{self.post.label}"
        self._pre_map = CellMap(self.pre)
        self._post_map = CellMap(self.post)
        receptors = self._post_receptor_types()
        self._synapse_type_index = receptors.index(self.receptor_type)
        self._chunks = []
        self._value_sources = {}          # fast_connectors: name -> RandomValues
        self._stored = {}                 # "weight"/"delay" -> array or RandomValues
        self._start_machine_values()      # nothing mapped yet: see _machine_values
        p_connect = getattr(connector, "p_connect", None)
        if p_connect is not None and np.ndim(p_connect) == 0 and not 0 <= p_connect <= 1:
            raise errors.ConnectionError(
                f"Projection '{self.label}': connection probability {p_connect} is not "
                f"between 0 and 1")
        self._check_no_candidates(connector)
        if isinstance(connector, FromListConnector) and \
                getattr(connector, "conn_list", None) is not None:
            self._check_list_indices(connector)   # before PyNN's unnamed "index out of range"
        if _connects_nothing(connector):
            pass       # PyNN's loop fails on n=0 without replacement (numpy hstack of nothing)
        elif not fast_connectors.connect(connector, self):   # vectorised, else PyNN's loop
            with _numpy2_safe_columns(connector, self):
                try:
                    connector.connect(self)
                except IndexError as err:
                    if not _redraws_self_connections(connector, self):
                        raise
                    raise errors.ConnectionError(
                        f"Projection '{self.label}': PyNN 0.13's {type(connector).__name__} "
                        f"with replacement and without self-connections fails for these "
                        f"draws (its redraw of self-connections indexes the wrong array: "
                        f"{err}); use allow_self_connections=True, with_replacement=False or "
                        f"another rng seed") from None
        if isinstance(connector, FromListConnector):   # FromFile reads its list in connect()
            self._check_list_indices(connector)
        self._finalise_connections()
        portal_warnings.check_projection(self)
        state.projections.append(self)
        state.network_changed()

    def _check_no_candidates(self, connector):
        """PyNN redraws excluded self-connections forever when a one-neuron population has
        to connect to itself without self-connections: refuse instead of hanging."""
        if (isinstance(connector, (FixedNumberPreConnector, FixedNumberPostConnector))
                and connector.with_replacement and not connector.allow_self_connections
                and self.pre == self.post and self.pre.size == 1
                and not (isinstance(connector.n, (int, np.integer)) and connector.n == 0)):
            raise errors.ConnectionError(
                f"Projection '{self.label}': {type(connector).__name__} without "
                f"self-connections on the one-neuron population '{self.pre.label}' has no "
                f"neuron to connect to")

    def _check_list_indices(self, connector):
        """PyNN silently drops list entries whose post index is not a neuron of the target
        (and wraps negative pre indices); refuse them, naming the projection."""
        conn = np.asarray(connector.conn_list, dtype=float)
        if conn.size == 0:
            return
        for column, role, size in ((0, "pre", self.pre.size), (1, "post", self.post.size)):
            indices = conn[:, column]
            bad = (indices < 0) | (indices >= size) | (indices != np.round(indices))
            if bad.any():
                raise errors.ConnectionError(
                    f"Projection '{self.label}': {role}-synaptic index {indices[bad][0]:g} "
                    f"is out of range for the {size} {role}-synaptic neurons")

    def _post_receptor_types(self):
        return list(self._post_map.populations[0].celltype.synapse_component.receptor_types)

    # -- building ------------------------------------------------------------------------
    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            location_selector=None, **connection_parameters):
        if location_selector is not None:
            raise NotImplementedError("SpiNNaker neurons have no compartments to select")
        pre = np.asarray(presynaptic_indices, dtype=np.int64).ravel()
        n = len(pre)
        weight = np.broadcast_to(np.asarray(connection_parameters["weight"], dtype=float), (n,))
        delay = np.broadcast_to(np.asarray(connection_parameters["delay"], dtype=float), (n,))
        self._chunks.append((pre, np.full(n, int(postsynaptic_index), dtype=np.int64),
                             np.array(weight), np.array(delay)))

    def _finalise_connections(self):
        if len(self._chunks) == 1:         # the vectorised connectors' one chunk: no copy
            pre, post, weight, delay = (np.asarray(x) for x in self._chunks[0])
        elif self._chunks:
            pre, post, weight, delay = (np.concatenate(x) for x in zip(*self._chunks))
        else:
            pre = post = np.zeros(0, dtype=np.int64)
            weight = delay = np.zeros(0)
        self._chunks = []
        for role, indices, size in (("pre", pre, self.pre.size), ("post", post, self.post.size)):
            bad = (indices < 0) | (indices >= size)
            if bad.any():
                # a negative index would silently wrap to the last neurons
                raise errors.ConnectionError(
                    f"Projection '{self.label}': {role}-synaptic index {int(indices[bad][0])} "
                    f"is out of range for the {size} {role}-synaptic neurons")
        # uint16 or int32 indices (populations are far below 2**31 neurons): a quarter or
        # half of the memory of numpy's int64 per connection; post indices grouped by target
        # as a start per neuron (indices.SortedIndices)
        self._conn_pre = compact_indices(pre, self.pre.size)
        self._post_indices = SortedIndices.kept(post, self.post.size)
        self._conn_weight = self._checked_weights(weight)
        self._conn_delay = self._checked_delays(delay)
        sources, self._value_sources = self._value_sources, {}
        for name, source in sources.items():
            if len(pre) >= REGENERATE_MIN and self._stored[name] is source.last_drawn:
                # drawn from a generator copy and taken as drawn: drawn again when asked,
                # rather than kept (8 bytes per connection)
                self._stored[name] = source
            source.last_drawn = None
        self._start_machine_values()

    def _checked_weights(self, weight):
        if not np.all(np.isfinite(weight)):
            raise errors.ConnectionError(f"Projection '{self.label}': weights must be finite "
                                         f"numbers (found {weight[~np.isfinite(weight)][0]})")
        if self.receptor_type != "inhibitory" and np.any(weight < 0):
            # any excitatory receptor (IF_curr_dual_exp's "excitatory2" too)
            warnings.warn(
                f"Projection '{self.label}': negative weights on the {self.receptor_type} receptor; "
                f"the machine stores their magnitude |w|, so they still excite")
        return weight

    def _checked_delays(self, delay_ms):
        """Delays in ms, rounded to whole timesteps as the toolchain does, checked against it."""
        state = simulator.state
        dt = state.dt
        mts = state.profile.machine_time_step_us(dt)
        if not np.all(np.isfinite(delay_ms)):
            raise errors.ConnectionError(f"Projection '{self.label}': delays must be finite")
        if len(delay_ms) and delay_ms.min() < dt * (1 - 1e-9):
            raise errors.ConnectionError(
                f"Projection '{self.label}': delay {delay_ms.min()} ms is below one timestep "
                f"({dt} ms); the smallest delay on SpiNNaker is one timestep")
        if not isinstance(self._delay_spec(), RandomDistribution):
            rounded = connectivity.round_delays_to_timestep(delay_ms, mts)
            if fixedpoint.is_constant(delay_ms):          # stays one repeated value
                rounded = np.broadcast_to(rounded[0], delay_ms.shape)
            if np.any(np.abs(rounded - delay_ms) > 1e-9 * np.maximum(1.0, delay_ms)):
                warnings.warn(f"Projection '{self.label}': delays rounded to whole timesteps "
                              f"of {dt} ms")
            delay_ms = rounded
        ticks = connectivity.host_delay_ticks(delay_ms, mts)
        limit = state.profile.max_delay_ticks
        if len(ticks) and ticks.max() > limit:
            # the toolchain's DelayExtensionException, with the projection and both numbers
            raise DelayExtensionError(
                f"Edge:{self.label} has a max delay of {ticks.max() * dt:g}. But at a timestep "
                f"of {dt:g} the max delay supported is {limit * dt:g} ({limit} timesteps: "
                f"{state.profile.delay_slots} on the neuron core and "
                f"{state.profile.max_delay_stages} delay-extension stages)")
        return delay_ms

    # -- the connections' weights and delays ----------------------------------------------
    def _requested(self, name, one_off=False):
        """The requested `name` ("weight"/"delay") of every connection, drawn again if the
        projection keeps generator states (read-only then, and kept for the next askers
        unless `one_off`)."""
        stored = self._stored.get(name)
        if isinstance(stored, fast_connectors.RandomValues):
            return stored.draw() if one_off else stored.values()
        return stored

    def _set_requested(self, name, values):
        before = self._stored.get(name)
        if isinstance(before, fast_connectors.RandomValues):
            before.forget()
        self._stored[name] = values
        if name == "weight":
            # known without drawing them again (the mapper's sign check asks)
            self._weights_mixed = bool(np.any(values > 0) and np.any(values < 0))

    _conn_weight = property(lambda self: self._requested("weight"),
                            lambda self, values: self._set_requested("weight", values),
                            doc="The requested weight of every connection (native units).")
    _conn_delay = property(lambda self: self._requested("delay"),
                           lambda self, values: self._set_requested("delay", values),
                           doc="The requested delay of every connection (ms).")

    @property
    def _conn_post(self):
        """The post-synaptic index of every connection (expanded from a SortedIndices: a
        new array, not kept)."""
        return compact_indices(self._post_indices, self.post.size)

    def _connections_by_population(self):
        """(pre population, post population, connection ids, pre indices, post indices) groups;
        the ids are None where the group is all the connections, in order (and the post
        indices may then be a SortedIndices)."""
        if self._pre_map.identity and self._post_map.identity:     # the common case, cheaply
            if len(self._conn_pre):
                yield (self._pre_map.populations[0], self._post_map.populations[0], None,
                       self._conn_pre, self._post_indices)
            return
        post = self._conn_post
        pre_pop = self._pre_map.population_of[self._conn_pre]
        post_pop = self._post_map.population_of[post]
        n_post = len(self._post_map.populations)
        key = pre_pop * n_post + post_pop
        for k in np.unique(key):
            ids = np.nonzero(key == k)[0]
            yield (self._pre_map.populations[int(k) // n_post],
                   self._post_map.populations[int(k) % n_post], ids,
                   self._pre_map.parent_index[self._conn_pre[ids]],
                   self._post_map.parent_index[post[ids]])

    def _weight_spec(self):
        return self.synapse_type.parameter_space["weight"].base_value

    def _delay_spec(self):
        return self.synapse_type.parameter_space["delay"].base_value

    def _start_machine_values(self):
        """Forget what the machine held: a new mapping of the network begins (it will tell
        what the machine holds), or the connections are new."""
        self._machine_groups = []
        self._plastic_weight_ints = None
        self._machine_cache = None

    def _record_machine_group(self, group, weight_ints):
        """The mapper encoded this group of the projection's connections (with the weight
        scale of its post-synaptic population and receptor: the ring-buffer shift is chosen
        per population).  What the machine holds is computed again from it when first
        asked (`_machine_values`, e.g. by get()); only plastic weights, which the kernel
        changes, are kept from the start."""
        self._machine_groups.append(group)
        if self._is_plastic:
            if self._plastic_weight_ints is None:
                self._plastic_weight_ints = np.zeros(len(self), dtype=np.uint16)
            self._plastic_weight_ints[slice(None) if group.ids is None else group.ids] = \
                weight_ints

    def _machine_values(self):
        """(16-bit weights, delays in ticks, weight scale of each connection) that the machine
        holds, or None before the network is mapped."""
        groups = self._machine_groups
        if not groups:
            return None
        if self._machine_cache is None:     # computed when first asked after a mapping
            ints = np.zeros(len(self), dtype=np.uint16)
            ticks = np.zeros(len(self), dtype=np.uint16)
            scales = np.zeros(len(self)) if len(groups) > 1 else groups[0].scale
            for group in groups:
                at = slice(None) if group.ids is None else group.ids
                ints[at], ticks[at] = synapses.machine_values(group)
                if len(groups) > 1:
                    scales[at] = group.scale
            self._machine_cache = (ints, ticks, scales)
        ints, ticks, scales = self._machine_cache
        if self._plastic_weight_ints is not None:
            ints = self._plastic_weight_ints     # the kernel's, as last read back
        return ints, ticks, scales

    @property
    def _machine_weight(self):
        """The machine's weights in native units, with the sign the user gave (None before
        the network is mapped)."""
        values = self._machine_values()
        if values is None:
            return None
        ints, _, scales = values
        return np.copysign(ints / scales, self._conn_weight)

    @property
    def _machine_delay_ticks(self):
        """The machine's delays in ticks (None before the network is mapped)."""
        values = self._machine_values()
        return None if values is None else values[1]

    @property
    def _is_plastic(self):
        return isinstance(self.synapse_type, STDPMechanism)

    def _refresh_plastic_weights(self):
        """Plastic weights change during runs: read the machine's current ones back."""
        loaded = simulator.state.loaded
        if not self._is_plastic or loaded is None:
            return
        for ids, weights, _ in loaded.plastic_weights(self):
            self._plastic_weight_ints[ids] = weights

    @property
    def _can_use_expander(self):
        return generation.projection_can_use_expander(self)

    def _is_assembly_projection(self):
        return isinstance(self.pre, common.Assembly) or isinstance(self.post, common.Assembly)

    def _involves_views(self):
        return (isinstance(self.pre, common.PopulationView)
                or isinstance(self.post, common.PopulationView))

    def _weights_from_list(self):
        connector = self._connector
        return isinstance(connector, FromListConnector) and "weight" in connector.column_names

    def _distances_if_needed(self):
        """The pre x post distance matrix, for connectors and expressions that use distance."""
        uses_distance = (
            type(self._connector).__name__ in ("DistanceDependentProbabilityConnector",
                                               "SmallWorldConnector")
            or any(isinstance(v, str) or callable(v)
                   for v in (self._weight_spec(), self._delay_spec())))
        if not uses_distance:
            return None
        generator = self.space.distance_generator(self.pre.position_generator,
                                                  self.post.position_generator)
        return LazyArray(generator, shape=self.shape).evaluate()

    # -- access --------------------------------------------------------------------------
    def get(self, attribute_names, format, gather=True, with_address=True,
            multiple_synapses="sum"):
        """PyNN's get(), with an unknown attribute named clearly (PyNN gives a bare KeyError)."""
        names = [attribute_names] if isinstance(attribute_names, str) else attribute_names
        valid = list(self.synapse_type.get_parameter_names()) + ["presynaptic_index",
                                                                 "postsynaptic_index"]
        for name in names:
            if name not in valid:
                raise errors.NonExistentParameterError(
                    name, f"{type(self.synapse_type).__name__} (Projection '{self.label}')",
                    valid)
        return super().get(attribute_names, format, gather, with_address, multiple_synapses)

    def __len__(self):
        return len(self._conn_pre)

    def __getitem__(self, i):
        """The i-th connection, as a `Connection` (PyNN's per-connection access)."""
        n = len(self)
        index = int(i)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"Projection '{self.label}' has {n} connections, no index {i}")
        return Connection(self, index)

    @property
    def connections(self):
        """An iterator over the connections, each a `Connection` whose weight, delay and
        synapse parameters can be read (and, before a run or after reset(), set)."""
        return (Connection(self, i) for i in range(len(self)))

    def _values(self, name):
        """The per-connection values of `name`, in connection order.

        Weights and delays: before the first run since setup() nothing has been loaded onto
        the machine, so these are the values the host generated -- the weights as requested,
        the delays rounded to whole timesteps -- which is what sPyNNaker's connection holder
        for a get() made before the first run receives (spec/frontend §2.8). From the first
        run on they are the machine's: 16-bit weights, whole-tick delays, plastic weights as
        they are now.
        """
        if name == "presynaptic_index":
            return self._conn_pre
        if name == "postsynaptic_index":
            return self._conn_post
        if name in ("weight", "delay"):
            state = simulator.state
            if not getattr(state, "ran_ever", True):
                if name == "weight":
                    return self._conn_weight
                mts = state.profile.machine_time_step_us(state.dt)
                return connectivity.round_delays_to_timestep(self._conn_delay, mts)
            state.ensure_mapped()
            if not len(self):
                return np.zeros(0)      # nothing mapped (found by tests/test_fuzz_networks.py)
            if name == "weight":
                self._refresh_plastic_weights()
                return self._machine_weight
            return self._machine_delay_ticks * state.dt
        if name in self.synapse_type.get_parameter_names():
            # the plasticity rule's parameters: one value for the whole projection (one rule
            # per post-synaptic population on SpiNNaker)
            value = self.synapse_type.parameter_space[name]
            value = value.base_value if hasattr(value, "base_value") else value
            if np.ndim(value) == 0 and np.isreal(value):
                return np.full(len(self), float(value))
            raise NotImplementedError(
                f"Projection '{self.label}': {name} must be a single number on SpiNNaker")
        raise errors.NonExistentParameterError(name, self.synapse_type,
                                               self.synapse_type.get_parameter_names())

    def _get_attributes_as_list(self, names):
        columns = [self._values(name) for name in names]
        return [tuple(row) for row in zip(*[c.tolist() for c in columns])]

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        arrays = []
        for name in names:
            # PyNN's plural spellings; other names (A_plus ...) are taken as they are
            name = {"weights": "weight", "delays": "delay"}.get(name, name)
            values = self._values(name)
            shape = (self.pre.size, self.post.size)
            index = (self._conn_pre, self._conn_post)
            if multiple_synapses == "last":
                result = np.full(shape, np.nan)
                result[index] = values
            elif multiple_synapses == "first":
                result = np.full(shape, np.nan)
                result[index[0][::-1], index[1][::-1]] = values[::-1]
            else:
                start, combine = {"sum": (0.0, np.add), "min": (np.inf, np.minimum),
                                  "max": (-np.inf, np.maximum)}[multiple_synapses]
                result = np.full(shape, start)
                combine.at(result, index, values)
                exists = np.zeros(shape, dtype=bool)
                exists[index] = True
                result[~exists] = np.nan
            arrays.append(result)
        return arrays

    def _check_settable(self, what):
        state = simulator.state
        state.check_not_ended(what)
        if state.tick != 0:
            raise NotImplementedError(
                f"Projection '{self.label}': weights and delays cannot be changed between runs "
                f"without reset() (as on SpiNNaker)")

    def _store(self, name, values):
        """New weights or delays (one per connection), checked as at creation."""
        if name == "weight":
            self._conn_weight = self._checked_weights(values)
        elif name == "delay":
            self._conn_delay = self._checked_delays(values)
        else:
            raise errors.NonExistentParameterError(name, self.synapse_type, ["weight", "delay"])

    def _set_attributes(self, parameter_space):
        state = simulator.state
        self._check_settable("Projection.set()")
        parameter_space.evaluate(simplify=True)
        for name, value in parameter_space.items():
            if np.ndim(value) == 2:
                value = value[self._conn_pre, self._conn_post]
            value = np.broadcast_to(np.asarray(value, dtype=float), self._conn_pre.shape).copy()
            self._store(name, value)
        state.network_changed()

    def _set_connection_value(self, index, name, value):
        """Connection.weight = x / Connection.delay = x: one connection's value."""
        self._check_settable(f"Connection.{name} =")
        if name not in ("weight", "delay"):
            raise errors.NonExistentParameterError(name, self.synapse_type, ["weight", "delay"])
        if np.ndim(value) != 0:
            raise ValueError(f"Connection.{name} takes a single number, not {value!r}")
        current = self._conn_weight if name == "weight" else self._conn_delay
        values = np.array(current, dtype=float)
        values[index] = float(value)
        self._store(name, values)
        simulator.state.network_changed()


class Connection(common.Connection):
    """One connection of a Projection, as PyNN's `Projection.connections` gives them.

    `presynaptic_index` and `postsynaptic_index` are indices into the projection's pre- and
    post-synaptic populations; `weight`, `delay` and the synapse type's other parameters
    (A_plus, w_max ...) read what `Projection.get()` would return for this connection.
    Setting `weight` or `delay` works when `Projection.set()` does: before the first run or
    after `reset()`.
    """

    def __init__(self, projection, index):
        self._projection = projection
        self._index = index

    @property
    def presynaptic_index(self):
        return int(self._projection._conn_pre[self._index])

    @property
    def postsynaptic_index(self):
        return int(self._projection._post_indices[self._index])

    @property
    def weight(self):
        return float(self._projection._values("weight")[self._index])

    @weight.setter
    def weight(self, value):
        self._projection._set_connection_value(self._index, "weight", value)

    @property
    def delay(self):
        return float(self._projection._values("delay")[self._index])

    @delay.setter
    def delay(self, value):
        self._projection._set_connection_value(self._index, "delay", value)

    def __getattr__(self, name):
        # only called for names that are not attributes: the synapse type's parameters
        if name.startswith("_"):
            raise AttributeError(name)
        projection = self._projection
        if name in projection.synapse_type.get_parameter_names():
            return float(projection._values(name)[self._index])
        raise AttributeError(f"{type(self).__name__} of Projection '{projection.label}' has "
                             f"no attribute {name!r}")

    def as_tuple(self, *attribute_names):
        return tuple(getattr(self, name) for name in attribute_names)

    def __repr__(self):
        return (f"Connection({self.presynaptic_index} -> {self.postsynaptic_index} of "
                f"Projection '{self._projection.label}')")
