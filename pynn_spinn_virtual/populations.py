"""Population, PopulationView and Assembly: thin subclasses of pyNN.common.

A Population keeps its PyNN (native) parameters and initial values as evaluated numpy
arrays; the mapper slices them into cores and the components turn them into machine words.
The toolchain's per-population options (``neurons_per_core``, ``seed``,
``spikes_per_second``, ``ring_buffer_sigma`` ...) are accepted as extra keyword arguments,
as sPyNNaker accepts them.
"""
import logging
import warnings

import neo
import numpy as np
from pyNN import common, errors
from pyNN.parameters import ParameterSpace, Sequence, simplify

from . import kiss, portal_warnings, simulator
from .exceptions import ConfigurationError, ParameterError, UnsupportedModelError
from .fixedpoint import encode_s1615
from .recording import Recorder, spinnaker_arrays
from .standardmodels.cells import NeuronModel, SpikeSourceModel

logger = logging.getLogger("pynn_spinn_virtual")

#: Population keyword arguments that sPyNNaker accepts (documented in docs/api.md)
TOOLCHAIN_POPULATION_OPTIONS = (
    "neurons_per_core", "seed", "spikes_per_second", "ring_buffer_sigma",
    "incoming_spike_buffer_size", "drop_late_spikes", "splitter", "n_colour_bits",
    "n_synapse_cores", "allow_delay_extensions", "max_expected_summed_weight",
)


class _UserCalls:
    """The user-facing calls shared by Population and PopulationView.

    They add what sPyNNaker adds on top of PyNN: the calls that change the model are refused
    after end() (SimulatorShutdownError), ``record("all")`` records every recordable (PyNN
    would iterate over the letters of "all"), and ``get_data`` takes ``annotations=``.
    """

    def record(self, variables, to_file=None, sampling_interval=None, locations=None):
        simulator.state.check_not_ended("record()")
        if variables == "all":
            warnings.warn("record('all') is not standard PyNN: every recordable variable of "
                          f"{type(self.celltype).__name__} is recorded")
            variables = list(self.celltype.recordable)
        return super().record(variables, to_file, sampling_interval, locations)

    def set(self, **parameters):
        simulator.state.check_not_ended("set()")
        portal_warnings.check_values(self, "parameter", parameters)
        try:
            return super().set(**parameters)
        except errors.NonExistentParameterError as err:
            # name the population, not only the model
            raise errors.NonExistentParameterError(
                err.parameter_name, f"{err.model_name} (Population '{self.label}')",
                err.valid_parameter_names) from None

    def initialize(self, **initial_values):
        simulator.state.check_not_ended("initialize()")
        portal_warnings.check_values(self, "initial value", initial_values)
        return super().initialize(**initial_values)

    def get_data(self, variables="all", gather=True, clear=False, *, annotations=None,
                 locations=None):
        """The recorded data as a Neo Block in the structure of a SpiNNaker run (see recording)."""
        if not gather:
            warnings.warn("sPyNNaker only supports gather=True; it is ignored")
        return self.recorder.get(variables, True, self._record_filter, clear,
                                 annotations=self._block_annotations(annotations),
                                 locations=locations)

    def write_data(self, io, variables="all", gather=True, clear=False, annotations=None,
                   locations=None):
        """get_data() written to a file or Neo IO (pickle by ".pkl", any neo IO by extension)."""
        return super().write_data(io, variables, gather, clear,
                                  annotations=self._block_annotations(annotations),
                                  locations=locations)

    def _block_annotations(self, annotations):
        """What annotate() gave this population or view (as PyNN does; sPyNNaker drops them,
        so they appear only in scripts that annotate), then the call's `annotations`."""
        merged = dict(getattr(self, "annotations", None) or {})
        merged.update(annotations or {})
        return merged or None

    def get_spike_counts(self, gather=True):
        """{index in the population: spike count} of the current segment, as sPyNNaker gives
        it (PyNN keys by id); for a view, its neurons only."""
        return self.recorder.spike_counts(filter_ids=self._record_filter)


class Assembly(common.Assembly):
    """A group of populations (sPyNNaker refuses these; PyNN users expect them, so we allow them)."""
    _simulator = simulator

    def __init__(self, *populations, **kwargs):
        super().__init__(*populations, **kwargs)
        portal_warnings.check_assembly(self)

    @property
    def receptor_types(self):
        """The receptor types common to all populations, in the first population's order.

        PyNN returns them from a set, so with string-hash randomisation a Projection onto an
        Assembly without receptor_type went to "excitatory" in one process and to
        "inhibitory" in the next.
        """
        common_types = set.intersection(*(set(p.celltype.receptor_types)
                                          for p in self.populations))
        return [r for r in self.populations[0].celltype.receptor_types if r in common_types]

    def record(self, variables, to_file=None, sampling_interval=None, locations=None):
        simulator.state.check_not_ended("record()")
        return super().record(variables, to_file, sampling_interval, locations)

    def get_data(self, variables="all", gather=True, clear=False, annotations=None):
        """One Block holding every population's data, segment by segment.

        PyNN's version shifts ``array_annotations["channel_index"]``, which the SpiNNaker
        structure does not have (it crashed with a KeyError).  Here each population keeps its
        own SpikeTrains and AnalogSignals, with their sPyNNaker annotations
        (``source_population`` tells them apart); there is no sPyNNaker reference, since the
        toolchain refuses Assemblies.
        """
        blocks = [p.get_data(variables, gather, clear) for p in self.populations]
        merged = neo.Block(name=self.label, description=self.describe())
        n_segments = max((len(b.segments) for b in blocks), default=0)
        for i in range(n_segments):
            parts = [b.segments[i] for b in blocks if i < len(b.segments)]
            named = [seg for seg in parts if seg.description != "empty"]
            segment = neo.Segment(name=f"segment{i}", description=merged.description,
                                  rec_datetime=(named or parts)[0].rec_datetime)
            for part in parts:
                segment.spiketrains.extend(part.spiketrains)
                segment.analogsignals.extend(part.analogsignals)
            for obj in segment.spiketrains + segment.analogsignals:
                obj.segment = segment
            segment.block = merged
            merged.segments.append(segment)
        if merged.segments:
            merged.rec_datetime = merged.segments[0].rec_datetime
        if blocks:
            first = blocks[0].annotations
            merged.annotate(size=self.size, label=self.label, simulator=first["simulator"],
                            dt=first["dt"])
        if annotations:
            merged.annotate(**annotations)
        return merged


class _ParameterAccess:
    """Shared by Population and PopulationView: PyNN parameters from the native arrays."""

    def _get_parameters(self, *names):
        if any(name in self.celltype.computed_parameters() for name in names):
            native_names = self.celltype.get_native_names()
        else:
            native_names = self.celltype.get_native_names(*names)
        return self.celltype.reverse_translate(self._get_native_parameters(*native_names))


class PopulationView(_UserCalls, _ParameterAccess, common.PopulationView):
    _simulator = simulator
    _assembly_class = Assembly

    def _get_native_parameters(self, *names):
        values = {name: simplify(np.asarray(self.grandparent._parameters[name])[self._parent_indices()])
                  for name in names}
        return ParameterSpace(values, shape=(self.size,))

    def _parent_indices(self):
        return self.index_in_grandparent(np.arange(self.size))

    def _set_parameters(self, parameter_space):
        parameter_space.evaluate(simplify=False)
        self.grandparent._assign_parameters(parameter_space.as_dict(), self._parent_indices())

    def _set_initial_value_array(self, variable, initial_values):
        values = initial_values.evaluate(simplify=False)
        self.grandparent._assign_initial(variable, values, self._parent_indices())

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(_UserCalls, _ParameterAccess, common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def __init__(self, size, cellclass, cellparams=None, structure=None, initial_values={},
                 label=None, additional_parameters=None, **additional_kwargs):
        state = simulator.state
        state.check_not_ended("Population()")
        size = _integer_size(size)
        if isinstance(cellclass, type) and cellparams is None:
            cellparams = {}   # sim.create(IF_curr_exp) passes None; PyNN would do cls(**None)
        celltype_class = cellclass if isinstance(cellclass, type) else type(cellclass)
        if not issubclass(celltype_class, (NeuronModel, SpikeSourceModel)):
            raise UnsupportedModelError(
                f"{celltype_class.__name__} is not supported on SpiNNaker: the sPyNNaker tool "
                f"chain has no such model (available: {', '.join(_available_models())})")
        options = dict(additional_parameters or {})
        options.update(additional_kwargs)
        for name in list(options):
            if name not in TOOLCHAIN_POPULATION_OPTIONS:
                warnings.warn(f"Population option {name}={options[name]!r} is not known to "
                              f"sPyNNaker and is ignored")
                del options[name]
        self._options = options
        self._provenance = {}
        self._parameters = {}
        self._initial = {}
        labels_before = dict(state.labels_in_use)
        label = state.unique_label(label, f"{celltype_class.__name__} vertex")
        first_id = state.id_counter
        try:
            super().__init__(size, cellclass, cellparams, structure, initial_values, label)
            self._check_atoms_per_core_option(options.get("neurons_per_core"))
            portal_warnings.check_values(self, "parameter", self.celltype.parameter_space)
        except BaseException:
            # a refused population leaves nothing behind: PyNN registers the recorder before
            # the cells are checked, and a half-built population's recorder made the next
            # run() fail with an AttributeError (found by tests/test_fuzz_networks.py)
            state.recorders.discard(getattr(self, "recorder", None))
            state.id_counter = first_id
            state.labels_in_use = labels_before
            raise
        state.populations.append(self)
        state.network_changed()

    # -- PyNN hooks ----------------------------------------------------------------------
    def _create_cells(self):
        state = simulator.state
        ids = np.arange(state.id_counter, state.id_counter + self.size)
        self.all_cells = np.array([simulator.ID(i) for i in ids], dtype=simulator.ID)
        self._mask_local = np.ones(self.size, dtype=bool)
        for cell in self.all_cells:
            cell.parent = self
        state.id_counter += self.size
        parameter_space = self.celltype.native_parameters
        parameter_space.shape = (self.size,)
        parameter_space.evaluate(simplify=False)
        parameters = {name: _as_column(value, self.size) for name, value in parameter_space.items()}
        self._checked(parameters)
        self._parameters = parameters

    def _get_native_parameters(self, *names):
        return ParameterSpace({name: simplify(self._parameters[name]) for name in names},
                              shape=(self.size,))

    def _set_parameters(self, parameter_space):
        parameter_space.evaluate(simplify=False)
        self._assign_parameters(parameter_space.as_dict(), np.arange(self.size))

    def _set_initial_value_array(self, variable, initial_values):
        self._assign_initial(variable, initial_values.evaluate(simplify=False), np.arange(self.size))

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    # -- storage -------------------------------------------------------------------------
    def _checked(self, parameters):
        try:
            self.celltype.check_parameters(parameters)
            if isinstance(self.celltype, SpikeSourceModel) and "spike_times" in parameters:
                _check_spike_times(parameters["spike_times"])
        except ValueError as err:
            raise ParameterError(f"Population '{self.label}': {err}") from err

    def _assign_parameters(self, values, indices):
        new = {name: np.array(value, copy=True) for name, value in self._parameters.items()}
        for name, value in values.items():
            value = _as_column(value, len(indices))
            if name not in new:
                raise errors.NonExistentParameterError(name, self.celltype,
                                                       self.celltype.get_parameter_names())
            new[name][indices] = value
        self._checked(new)
        old, self._parameters = self._parameters, new
        state = simulator.state
        loaded = self._loaded_network()
        if loaded is not None and state.loaded_version == state.structure_version:
            try:
                loaded.update_parameters(self)
            except ParameterError:
                # the machine cannot hold the new value: a refused set() changes nothing
                # (found by tests/test_fuzz_networks.py)
                self._parameters = old
                loaded.update_parameters(self)
                raise

    def _assign_initial(self, variable, values, indices):
        if variable not in self.celltype.default_initial_values:
            raise errors.NonExistentParameterError(
                variable, f"{type(self.celltype).__name__} (Population '{self.label}')",
                list(self.celltype.default_initial_values))
        column = self._initial.get(variable)
        if column is None:
            column = np.zeros(self.size)
        column = np.array(column, dtype=float, copy=True)
        column[indices] = values
        if not np.all(np.isfinite(column)):
            raise ParameterError(f"Population '{self.label}': initial value of {variable} "
                                 f"must be finite")
        if isinstance(self.celltype, NeuronModel):
            # state is s16.15 on the machine: refuse now what could not be loaded later
            try:
                encode_s1615(column)
            except ValueError as err:
                raise ParameterError(
                    f"Population '{self.label}': initial value of {variable}: {err}") from None
        self._initial[variable] = column
        loaded = self._loaded_network()
        if loaded is not None and simulator.state.tick > 0:
            loaded.set_state(self, variable, column)

    def _loaded_network(self):
        """The kernel network this population is loaded in, or None.

        A population created after a run (before reset) is not in the loaded mapping yet;
        its values must then only be stored, not pushed to the kernel (that used to crash
        with a KeyError instead of the clear error at the next run()).
        """
        state = simulator.state
        loaded = state.loaded
        if loaded is None or self not in loaded.mapping.population_cores:
            return None
        return loaded

    def _native_slice(self, lo, hi):
        return {name: value[lo:hi] for name, value in self._parameters.items()}

    def _initial_slice(self, lo, hi):
        return {name: value[lo:hi] for name, value in self._initial.items()}

    def _spike_array_events(self, lo, hi, dt_ms, profile):
        """(ticks, local indices) of a SpikeSourceArray slice, sorted by tick."""
        sequences = self._parameters["spike_times"][lo:hi]
        times = [np.asarray(s.value if hasattr(s, "value") else s, dtype=float).ravel()
                 for s in sequences]
        counts = np.array([len(t) for t in times], dtype=np.int64)
        all_times = np.concatenate(times) if len(times) else np.zeros(0)
        atoms = np.repeat(np.arange(hi - lo, dtype=np.int64), counts)
        ticks = profile.spike_time_to_tick(all_times, dt_ms)
        order = np.argsort(ticks, kind="stable")
        return ticks[order].astype(np.uint32), atoms[order].astype(np.uint32)

    # -- Poisson sources -----------------------------------------------------------------
    def _poisson_schedule(self, lo, hi):
        """(rates, starts, durations, entries per atom) of a Poisson slice, flattened."""
        p = self._parameters
        if "rate" in p:       # SpikeSourcePoisson: one entry per source
            return (p["rate"][lo:hi], p["start"][lo:hi],
                    _durations(p["duration"][lo:hi]), np.ones(hi - lo, dtype=np.int64))
        rates = [_sequence_values(r) for r in p["rates"][lo:hi]]
        starts = [_sequence_values(s) for s in p["starts"][lo:hi]]
        durations = [_sequence_values(d) for d in p["durations"][lo:hi]]
        durations = [d if len(d) else np.full(len(r), np.nan) for d, r in zip(durations, rates)]
        counts = np.array([len(r) for r in rates], dtype=np.int64)
        if np.any(counts == 0):
            raise ParameterError(f"Population '{self.label}': every source needs at least one rate")
        return np.concatenate(rates), np.concatenate(starts), np.concatenate(durations), counts

    def _poisson_seed(self, slice_index):
        """KISS seed words of one slice: drawn in slice order from the population's own
        generator (seeded with ``seed=``) and kept, as the toolchain keeps them."""
        seeds = self.__dict__.setdefault("_poisson_seeds", [])
        if not seeds:
            self._poisson_random_state = kiss.random_state(self._options.get("seed"))
        while len(seeds) <= slice_index:
            seeds.append(kiss.kiss_seed(self._poisson_random_state))
        return seeds[slice_index]

    def _max_poisson_rate(self):
        rates, _, _, _ = self._poisson_schedule(0, self.size)
        return float(np.max(rates)) if len(rates) else 0.0

    # -- toolchain options ---------------------------------------------------------------
    def _max_atoms_per_core(self, profile):
        celltype = self.celltype
        if isinstance(celltype, NeuronModel):
            limit = profile.max_neurons_per_core
        elif celltype.core_kind == "poisson":
            limit = profile.max_poisson_per_core
        else:
            limit = profile.max_spike_array_per_core
        global_limit = simulator.state.neurons_per_core.get(type(celltype))
        if global_limit is not None:
            limit = min(limit, global_limit)
        own = self._options.get("neurons_per_core")
        if own is not None:
            limit = min(limit, int(own))
        return limit

    def _check_atoms_per_core_option(self, value):
        if value is None:
            return
        if int(value) < 1:
            raise ConfigurationError(
                f"Population '{self.label}': neurons_per_core must be >= 1, not {value}")
        maximum = simulator.state.profile.max_neurons_per_core
        if isinstance(self.celltype, NeuronModel) and int(value) > maximum:
            raise ConfigurationError(
                f"Population '{self.label}': neurons_per_core={value} is above the maximum of "
                f"{maximum} neurons per core for {type(self.celltype).__name__}")

    def set_max_atoms_per_core(self, n):
        """sPyNNaker extra: the maximum number of neurons of this population on one core."""
        self._check_atoms_per_core_option(n)
        self._options["neurons_per_core"] = int(n)
        simulator.state.network_changed()

    def _ring_buffer_sigma(self, profile):
        return float(self._options.get("ring_buffer_sigma", profile.ring_buffer_sigma))

    def _spikes_per_second(self, profile):
        return float(self._options.get("spikes_per_second", profile.spikes_per_second))

    # -- sPyNNaker extras ----------------------------------------------------------------
    def spinnaker_get_data(self, variable, as_matrix=False, view_indexes=None):
        """PyNN 0.7-style arrays: spikes as [index, time], others as [index, time, value]."""
        warnings.warn("spinnaker_get_data is non-standard PyNN")
        return spinnaker_arrays(self.get_data(variable), variable, as_matrix, view_indexes)

    def add_placement_constraint(self, x, y, p=None):
        """sPyNNaker extra: place this population's cores on chip (x, y) [core p]."""
        self._options["placement_constraint"] = (x, y, p)

    def get_provenance(self):
        """Provenance gathered during runs (e.g. ring-buffer saturations per core)."""
        loaded = simulator.state.loaded
        result = dict(self._provenance)
        if loaded is not None and isinstance(self.celltype, NeuronModel):
            result["ring_buffer_saturations"] = loaded.saturations(self)
        return result


def _as_column(value, n):
    """A parameter as a length-n array (object dtype for spike-time Sequences)."""
    if isinstance(value, np.ndarray) and value.shape == (n,):
        return value
    if isinstance(value, Sequence) or (isinstance(value, np.ndarray) and value.dtype == object):
        column = np.empty(n, dtype=object)
        for k in range(n):
            column[k] = value if isinstance(value, Sequence) else value.flat[0]
        return column
    return np.array(np.broadcast_to(np.asarray(value, dtype=float), (n,)))


def _sequence_values(value):
    return np.asarray(value.value if isinstance(value, Sequence) else value, dtype=float).ravel()


def _durations(durations):
    """Durations in ms; None means forever (NaN)."""
    return np.array([np.nan if d is None else d for d in durations], dtype=float)


def _integer_size(size):
    if isinstance(size, (float, np.floating)):
        if abs(size - round(size)) < 1e-6:
            warnings.warn(f"Population size {size} rounded to {int(round(size))}")
            return int(round(size))
        raise ValueError(f"Population size must be a whole number, not {size}")
    if isinstance(size, (int, np.integer)) and size < 1:
        raise ValueError(f"Population size must be at least 1, not {size}")
    return size


def _check_spike_times(column):
    for k, seq in enumerate(column):
        times = np.asarray(seq.value if hasattr(seq, "value") else seq, dtype=float).ravel()
        if times.size == 0:
            continue
        if not np.all(np.isfinite(times)):
            raise ParameterError(f"spike_times of neuron {k} contain a non-finite value")
        if times.min() < 0:
            raise ParameterError(f"spike_times of neuron {k} contain a negative time "
                                 f"({times.min()} ms)")
        if np.any(np.diff(times) < 0):
            raise ParameterError(f"spike_times of neuron {k} are not sorted")


def _available_models():
    from .standardmodels import cells
    return list(cells.__all__)

