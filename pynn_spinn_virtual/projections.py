"""Projection: a thin subclass of pyNN.common.Projection holding connections as arrays.

PyNN's connectors call ``_convergent_connect`` once per post-synaptic neuron; the chunks are
collected and joined into flat numpy arrays (pre index, post index, weight, delay in ticks),
from which the mapper builds the machine's synaptic rows.  ``get("weight")`` returns the
weights as the machine holds them: quantised to 16 bits with the post core's ring-buffer
shift (the network is mapped on demand for that).
"""
import logging
import warnings

import numpy as np
from pyNN import common, errors
from pyNN.space import Space

from . import simulator
from .standardmodels.synapses import StaticSynapse

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
        if synapse_type is not None and not isinstance(synapse_type, StaticSynapse):
            raise NotImplementedError(
                f"{type(synapse_type).__name__} is not supported (yet) by pynn_spinn_virtual; "
                f"use StaticSynapse")
        for role, neurons in (("post", postsynaptic_population),):
            cells = neurons.populations if isinstance(neurons, common.Assembly) else [neurons]
            for part in cells:
                if part.celltype.core_kind != "neuron":
                    raise errors.ConnectionError(
                        f"{role}-synaptic population '{part.label}' is a spike source "
                        f"({type(part.celltype).__name__}) and cannot receive connections")
        super().__init__(presynaptic_population, postsynaptic_population, connector,
                         synapse_type, source, receptor_type, space, label)
        if self.label is None:
            self.label = f"{self.pre.label}->{self.post.label}"
        self._pre_map = CellMap(self.pre)
        self._post_map = CellMap(self.post)
        receptors = self._post_receptor_types()
        self._synapse_type_index = receptors.index(self.receptor_type)
        self._chunks = []
        self._machine_weight = None
        connector.connect(self)
        self._finalise_connections()
        state.projections.append(self)
        state.network_changed()

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
        if self._chunks:
            pre, post, weight, delay = (np.concatenate(x) for x in zip(*self._chunks))
        else:
            pre = post = np.zeros(0, dtype=np.int64)
            weight = delay = np.zeros(0)
        self._chunks = []
        self._conn_pre, self._conn_post = pre, post
        self._conn_weight = self._checked_weights(weight)
        self._conn_delay_ticks = self._delays_to_ticks(delay)

    def _checked_weights(self, weight):
        if not np.all(np.isfinite(weight)):
            raise errors.ConnectionError(f"Projection '{self.label}': weights must be finite "
                                         f"numbers (found {weight[~np.isfinite(weight)][0]})")
        if self._synapse_type_index == 0 and np.any(weight < 0):
            warnings.warn(
                f"Projection '{self.label}': negative weights on the excitatory receptor; "
                f"the machine stores their magnitude |w|, so they still excite")
        return weight

    def _delays_to_ticks(self, delay_ms):
        """Delays in whole ticks (rint, as the host writes them), checked against the machine."""
        state = simulator.state
        dt = state.dt
        if not np.all(np.isfinite(delay_ms)):
            raise errors.ConnectionError(f"Projection '{self.label}': delays must be finite")
        if len(delay_ms) and delay_ms.min() < dt * (1 - 1e-9):
            raise errors.ConnectionError(
                f"Projection '{self.label}': delay {delay_ms.min()} ms is below one timestep "
                f"({dt} ms); the smallest delay on SpiNNaker is one timestep")
        ticks = np.rint(delay_ms / dt).astype(np.int64)
        if len(ticks) and np.any(np.abs(ticks * dt - delay_ms) > 1e-9 * np.maximum(1, delay_ms)):
            warnings.warn(f"Projection '{self.label}': delays rounded to whole timesteps of "
                          f"{dt} ms")
        limit = state.profile.delay_slots
        if len(ticks) and ticks.max() > limit:
            raise NotImplementedError(
                f"Projection '{self.label}' has a max delay of {ticks.max() * dt} ms "
                f"({ticks.max()} timesteps), but only delays up to {limit} timesteps "
                f"({limit * dt} ms) are supported on a neuron core; delay-extension cores for "
                f"longer delays are not implemented yet")
        return ticks

    def _connections_by_population(self):
        """(pre population, post population, connection ids, pre indices, post indices) groups."""
        pre_pop = self._pre_map.population_of[self._conn_pre]
        post_pop = self._post_map.population_of[self._conn_post]
        n_post = len(self._post_map.populations)
        key = pre_pop * n_post + post_pop
        for k in np.unique(key):
            ids = np.nonzero(key == k)[0]
            yield (self._pre_map.populations[int(k) // n_post],
                   self._post_map.populations[int(k) % n_post], ids,
                   self._pre_map.parent_index[self._conn_pre[ids]],
                   self._post_map.parent_index[self._conn_post[ids]])

    def _weight_spec(self):
        return self.synapse_type.parameter_space["weight"].base_value

    def _delay_spec(self):
        return self.synapse_type.parameter_space["delay"].base_value

    def _record_machine_weights(self, ids, values):
        if self._machine_weight is None or len(self._machine_weight) != len(self._conn_weight):
            self._machine_weight = np.full(len(self._conn_weight), np.nan)
        self._machine_weight[ids] = values

    # -- access --------------------------------------------------------------------------
    def __len__(self):
        return len(self._conn_pre)

    def _values(self, name):
        if name == "presynaptic_index":
            return self._conn_pre
        if name == "postsynaptic_index":
            return self._conn_post
        if name == "weight":
            simulator.state.ensure_mapped()
            return self._machine_weight if self._machine_weight is not None else self._conn_weight
        if name == "delay":
            return self._conn_delay_ticks * simulator.state.dt
        raise errors.NonExistentParameterError(name, self.synapse_type,
                                               self.synapse_type.get_parameter_names())

    def _get_attributes_as_list(self, names):
        columns = [self._values(name) for name in names]
        return [tuple(row) for row in zip(*[c.tolist() for c in columns])]

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        arrays = []
        for name in names:
            name = name[:-1] if name.endswith("s") else name
            values = self._values(name)
            shape = (self.pre.size, self.post.size)
            index = (self._conn_pre, self._conn_post)
            if multiple_synapses == "last":
                result = np.full(shape, np.nan)
                result[index] = values
            elif multiple_synapses == "first":
                result = np.full(shape, np.nan)
                result[self._conn_pre[::-1], self._conn_post[::-1]] = values[::-1]
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

    def _set_attributes(self, parameter_space):
        state = simulator.state
        if state.tick != 0:
            raise NotImplementedError(
                f"Projection '{self.label}': weights and delays cannot be changed between runs "
                f"without reset() (as on SpiNNaker)")
        parameter_space.evaluate(simplify=True)
        for name, value in parameter_space.items():
            if np.ndim(value) == 2:
                value = value[self._conn_pre, self._conn_post]
            value = np.broadcast_to(np.asarray(value, dtype=float), self._conn_pre.shape).copy()
            if name == "weight":
                self._conn_weight = self._checked_weights(value)
            elif name == "delay":
                self._conn_delay_ticks = self._delays_to_ticks(value)
            else:
                raise errors.NonExistentParameterError(name, self.synapse_type, ["weight", "delay"])
        state.network_changed()
