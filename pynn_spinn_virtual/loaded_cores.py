"""One mapped core as loaded into the kernel: its arrays, and what happens to them.

Each kind of core (neuron, spike array, Poisson) owns the numpy arrays the kernel runs on,
knows how to add itself to a kernel network, how to go back to its initial state on reset(),
how to take new parameters between runs, and how its recorded spikes are laid out.
"""
import numpy as np

from . import _kernel
from .exceptions import MappingError, ParameterError
from .profiles import FOREVER

#: atoms a kernel core holds (csrc/kernel.h: 1 << KN_MAX_LAYOUT_BITS)
KERNEL_MAX_ATOMS_PER_CORE = 1 << 16


class LoadedCore:
    """Base: a core of a population slice."""

    def __init__(self, core, dt_ms, profile):
        self.core = core
        self.population = core.population
        self.dt_ms = dt_ms
        self.profile = profile

    def add_to(self, kernel):
        raise NotImplementedError

    def before_run(self, kernel, first_run):
        """Called before every run (first_run: the first after loading or reset)."""

    def reset(self):
        """Back to the initial state."""

    def update_parameters(self, kernel):
        """Population.set() between runs changed the parameters of this core's atoms."""

    # -- spike recording (bitfields: one bit per atom and tick) ----------------------------
    def spike_buffer(self, n_ticks):
        return np.zeros((n_ticks, (self.core.n_atoms + 31) // 32), dtype=np.uint32)

    def spike_bytes_per_tick(self):
        return 4 * ((self.core.n_atoms + 31) // 32)

    def spike_events(self, buffer, first_tick):
        """(ticks, population indices) of the spikes in a filled buffer, tick by tick."""
        return _kernel.spike_bitfield_events(buffer, self.core.n_atoms, first_tick,
                                             self.core.lo)

    def _error(self, err):
        return ParameterError(f"Population '{self.population.label}' ({self.core.label}): {err}")


class LoadedNeuronCore(LoadedCore):
    """Component arrays, ring buffer and current sources of a neuron core."""

    def __init__(self, core, dt_ms, profile, current_sources, population_components=None):
        super().__init__(core, dt_ms, profile)
        if population_components is not None:
            # the structs are elementwise in the neurons: this core's are a slice of the
            # population's, packed once
            self.components = {kind: None if array is None else array[core.lo:core.hi].copy()
                               for kind, array in population_components.items()}
        else:
            self.components = self._pack(core, dt_ms, profile)
        extra = core.extra
        self.ring = np.zeros((1 << extra["delay_bits"]) << (extra["type_bits"] + extra["index_bits"]),
                             dtype=np.uint16)
        self.plasticity = core.extra.get("plasticity")
        self.history = (np.zeros(core.n_atoms, dtype=_kernel.stdp_history_dtype())
                        if self.plasticity is not None else None)
        self.sources = []           # (current source, params struct, local indices, step arrays)
        for source in current_sources:
            local = source.targets_in(self.population, core.lo, core.hi)
            if len(local):
                self.sources.append((source, source.machine_params(dt_ms, profile), local,
                                     source.step_arrays(dt_ms, profile)))

    def _pack(self, core, dt_ms, profile):
        params = self.population._native_slice(core.lo, core.hi)
        initial = self.population._initial_slice(core.lo, core.hi)
        try:
            return self.population.celltype.pack_components(core.n_atoms, params, initial,
                                                            dt_ms, profile)
        except ValueError as err:
            raise self._error(err) from err

    def add_to(self, kernel):
        celltype = self.population.celltype
        extra = self.core.extra
        core_id = kernel.add_neuron_core(
            celltype.c_model, self.core.n_atoms, celltype.n_synapse_types, extra["index_bits"],
            extra["type_bits"], extra["delay_bits"], extra["shifts"], self.components, self.ring)
        for source, params, local, (times, amplitudes) in self.sources:
            kernel.add_current_source(core_id, source.kernel_kind, params,
                                      np.ascontiguousarray(local, dtype=np.uint32),
                                      times=times, amplitudes=amplitudes)
        if self.plasticity is not None:
            kernel.set_plasticity(core_id, history=self.history, **self.plasticity)
        return core_id

    def reset(self):
        initial = self.population._initial_slice(self.core.lo, self.core.hi)
        for component in self.population.celltype.components:
            array = self.components[component.kind]
            if array is not None:
                component.reset_state(array, initial)
        self.ring[:] = 0
        if self.history is not None:
            self.history[:] = 0
        for source, params, _, _ in self.sources:
            params[:] = source.machine_params(self.dt_ms, self.profile)

    def update_parameters(self, kernel):
        params = self.population._native_slice(self.core.lo, self.core.hi)
        for component in self.population.celltype.components:
            array = self.components[component.kind]
            if array is not None:
                try:
                    component.update_parameters(array, params, self.dt_ms, self.profile)
                except ValueError as err:
                    raise self._error(err) from err

    def update_current_source(self, changed):
        """A current source's parameters changed between runs: rewrite them, keep its state.

        New step times/amplitudes replace the arrays the kernel reads (returns "rebuild": the
        kernel must be given the new arrays) and the step source starts again from its first
        entry, as the machine does when it reloads the region at resume: entries already past
        are taken one per tick, the current value holds until then."""
        rebuild = None
        for k, (source, params, local, steps) in enumerate(self.sources):
            if source is changed:
                fresh = source.machine_params(self.dt_ms, self.profile)
                state = {"step": ("index", "amp_last"),
                         "noisy": ("rng_x", "rng_y", "rng_z", "rng_c")}.get(source.kernel_kind, ())
                for name in fresh.dtype.names:
                    if name not in state:
                        params[name] = fresh[name]
                new_steps = source.step_arrays(self.dt_ms, self.profile)
                if not all(_same_array(a, b) for a, b in zip(steps, new_steps)):
                    self.sources[k] = (source, params, local, new_steps)
                    params["index"] = 0
                    rebuild = "rebuild"
        return rebuild

    def set_state(self, variable, values):
        for component in self.population.celltype.components:
            if variable in component.state_fields:
                try:
                    component.write_state_variable(self.components[component.kind], variable, values)
                except ValueError as err:
                    raise self._error(f"{variable}: {err}") from err

    def read_state(self, variable):
        for component in self.population.celltype.components:
            if variable in component.state_fields:
                return component.read_state(self.components[component.kind], variable)
        raise KeyError(variable)


class LoadedSpikeArrayCore(LoadedCore):
    """The (tick, atom) events of a SpikeSourceArray slice."""

    def __init__(self, core, dt_ms, profile):
        super().__init__(core, dt_ms, profile)
        if core.n_atoms > KERNEL_MAX_ATOMS_PER_CORE:
            # the toolchain maps it (no atoms-per-core limit for spike arrays), the kernel
            # cannot run it: say so before the kernel refuses with its own message
            raise MappingError(
                f"Population '{self.population.label}': {core.n_atoms} atoms on one core; "
                f"this backend runs at most {KERNEL_MAX_ATOMS_PER_CORE} atoms per core: set "
                f"neurons_per_core (a Population option, or sim.set_number_of_neurons_per_core"
                f"({type(self.population.celltype).__name__}, n)) to at most "
                f"{KERNEL_MAX_ATOMS_PER_CORE}")
        self.ticks, self.indices = self.population._spike_array_events(core.lo, core.hi, dt_ms,
                                                                        profile)

    def add_to(self, kernel):
        return kernel.add_spike_array_core(self.core.n_atoms, self.ticks, self.indices)

    def update_parameters(self, kernel):
        self.ticks, self.indices = self.population._spike_array_events(
            self.core.lo, self.core.hi, self.dt_ms, self.profile)
        return "rebuild"


class LoadedPoissonCore(LoadedCore):
    """KISS state and per-source rate entries of a SpikeSourcePoisson(Variable) slice.

    The seed of each slice is drawn once from the population's generator (in slice order,
    cached as the toolchain caches it) and written back on reset(); before each run the
    kernel does what the 6.x Poisson core does when it is loaded or resumed.
    """

    def __init__(self, core, dt_ms, profile):
        super().__init__(core, dt_ms, profile)
        self.seed = self.population._poisson_seed(core.slice_index)
        self.rng = self.seed.copy()
        self.sources, self.schedule_offsets, self.schedule = self._entries()

    def _entries(self):
        """(working structs, schedule offsets, schedule) from the population's parameters."""
        dtype = _kernel.poisson_dtype("source")
        entry_dtype = _kernel.poisson_dtype("entry")
        rates, starts, durations, counts = self.population._poisson_schedule(self.core.lo,
                                                                              self.core.hi)
        try:
            entries = self.profile.poisson_entries(rates, starts, durations, self.dt_ms, entry_dtype)
        except ValueError as err:
            raise self._error(err) from err
        if np.any(entries["sqrt_lambda"] > 252 * 32768):
            raise self._error("a rate above what a Poisson source can draw per tick "
                              "(sqrt(rate x dt) must stay below 252)")
        offsets = np.zeros(len(counts) + 1, dtype=np.uint32)
        np.cumsum(counts, out=offsets[1:])
        # an entry hands over to the next entry of its source at that entry's start tick
        has_next = np.ones(len(entries), dtype=bool)
        has_next[offsets[1:] - 1] = False
        entries["next_tick"] = FOREVER
        entries["next_tick"][:-1][has_next[:-1]] = entries["start_tick"][1:][has_next[:-1]]
        sources = np.zeros(self.core.n_atoms, dtype=dtype)
        first = offsets[:-1]
        # the entry in use at tick 0: the first whose end lies after tick 0 (else the first)
        index = np.zeros(self.core.n_atoms, dtype=np.int64)
        for s in np.nonzero(counts > 1)[0]:
            ends = entries["end_tick"][offsets[s]:offsets[s + 1]]
            index[s] = int(np.argmax(ends > 0))
        for name in entry_dtype.names:
            sources[name] = entries[name][first + index]
        sources["rate_index"] = index
        if np.all(counts == 1):
            return sources, None, None
        return sources, offsets, entries

    def add_to(self, kernel):
        return kernel.add_poisson_core(self.core.n_atoms, self.rng, self.sources,
                                       self.schedule_offsets, self.schedule)

    def before_run(self, kernel, first_run):
        kernel.poisson_load(self.core.index, resume=not first_run)

    def reset(self):
        self.rng[:] = self.seed
        fresh, _, _ = self._entries()
        self.sources[:] = fresh

    def update_parameters(self, kernel):
        """New rates/starts/durations: changed sources take the new entry and draw a new
        interval (spec §7.2: "when a rate is (re)set, time_to_spike = ISI()")."""
        fresh, offsets, schedule = self._entries()
        if (offsets is None) != (self.schedule_offsets is None) or (
                offsets is not None and not np.array_equal(offsets, self.schedule_offsets)):
            self.sources, self.schedule_offsets, self.schedule = fresh, offsets, schedule
            return "rebuild"
        names = [n for n in fresh.dtype.names if n != "time_to_spike"]
        changed = np.zeros(len(fresh), dtype=bool)
        for name in names:
            changed |= fresh[name] != self.sources[name]
        for name in names:
            self.sources[name][changed] = fresh[name][changed]
        if schedule is not None:
            self.schedule[:] = schedule
        for s in np.nonzero(changed)[0]:
            kernel.poisson_draw_isi(self.core.index, int(s))
        return None

    # -- recording: a count per atom and tick ----------------------------------------------
    def spike_buffer(self, n_ticks):
        return np.zeros((n_ticks, self.core.n_atoms), dtype=np.uint16)

    def spike_bytes_per_tick(self):
        return 2 * self.core.n_atoms

    def spike_events(self, buffer, first_tick):
        rows, atoms = np.nonzero(buffer)
        counts = buffer[rows, atoms].astype(np.int64)
        return (np.repeat(rows + first_tick, counts), np.repeat(atoms + self.core.lo, counts))


class LoadedDelayCore(LoadedCore):
    """The 8-bit spike counters of a delay-extension core (one per tick slot and atom)."""

    def __init__(self, core, dt_ms, profile):
        super().__init__(core, dt_ms, profile)
        n_stages, length = core.extra["n_stages"], core.extra["stage_length"]
        n_slots = 1 << int(n_stages * length).bit_length()      # a power of two > stages x L
        self.counters = np.zeros((n_slots, core.n_atoms), dtype=np.uint8)

    def add_to(self, kernel):
        extra = self.core.extra
        return kernel.add_delay_core(extra["source"].index, self.core.n_atoms, extra["n_stages"],
                                     extra["stage_length"], self.counters)

    def reset(self):
        self.counters[:] = 0


def _same_array(a, b):
    if a is None or b is None:
        return a is b
    return a.shape == b.shape and bool(np.all(a == b))


def population_components(population, dt_ms, profile):
    """The component structs of all the neurons of `population` (kind -> array), packed at
    once for its cores to slice; None when some value cannot be packed (each core then packs
    its own and the first to fail raises, naming itself)."""
    params = population._native_slice(0, population.size)
    initial = population._initial_slice(0, population.size)
    try:
        return population.celltype.pack_components(population.size, params, initial, dt_ms,
                                                   profile)
    except ValueError:
        return None


def load_core(core, dt_ms, profile, current_sources, packed=None):
    """The loaded core of mapped `core`; `packed`: population -> population_components(),
    filled as neuron cores ask."""
    kind = core.kind
    if kind == "delay":
        return LoadedDelayCore(core, dt_ms, profile)
    if kind == "neuron":
        if packed is None:
            packed = {}
        if core.population not in packed:
            packed[core.population] = population_components(core.population, dt_ms, profile)
        return LoadedNeuronCore(core, dt_ms, profile, current_sources, packed[core.population])
    if kind == "spike_array":
        return LoadedSpikeArrayCore(core, dt_ms, profile)
    if kind == "poisson":
        return LoadedPoissonCore(core, dt_ms, profile)
    raise NotImplementedError(f"no kernel core for {kind!r}")   # pragma: no cover


