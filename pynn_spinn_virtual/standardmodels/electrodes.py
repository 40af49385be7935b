"""Current sources: DC, AC, step and noisy currents injected into neurons.

The SpiNNaker toolchain added current sources in 7.x (they add ``current_offset`` to the
membrane input, kernel spec §2.4 step 7).  Profile "6" offers them with the 7.x on-chip
arithmetic and the 7.x host conversions (docs/toolchain6.md O9, docs/models.md): times become
ticks by truncation, amplitudes s16.15; an AC source's phase advances by ``frequency`` radians
per *tick* (as on the machine, so its frequency is right only at dt = 1 ms).  Deliberate
differences from 7.x: the PyNN defaults apply (7.x's default stop of 0 never switches a source
on), and a source's state (step position, noise generator) carries over between runs instead
of restarting at every resume, so that ``run(a); run(b)`` equals ``run(a + b)``.
"""
import math

import numpy as np
from pyNN import common
from pyNN.parameters import ParameterSpace, Sequence
from pyNN.standardmodels import StandardCurrentSource, build_translations, electrodes

from .. import _kernel, fixedpoint, kiss, simulator
from ..exceptions import ConfigurationError, ParameterError


def _identity(parameters):
    return build_translations(*[(name, name) for name in parameters])


def _values(value):
    return np.asarray(value.value if isinstance(value, Sequence) else value, dtype=float).ravel()


class CurrentSource(StandardCurrentSource):
    """What every current source shares: targets, native parameters, machine words."""

    kernel_kind = None

    def __init__(self, **parameters):
        object.__setattr__(self, "_targets", [])
        object.__setattr__(self, "_native", {})
        super().__init__(**parameters)
        self.set_native_parameters(self.translate(self.parameter_space))

    # -- PyNN interface ------------------------------------------------------------------
    def inject_into(self, cells):
        """Inject into a Population, PopulationView, Assembly or list of IDs."""
        state = simulator.state
        state.check_not_ended("inject()")
        if state.tick != 0:
            raise NotImplementedError("current sources can only be added before the first run "
                                      "or after reset(), as any change of the network")
        for population, indices in _population_indices(cells):
            if not population.celltype.injectable:
                raise TypeError(f"Can't inject current into a spike source "
                                f"(Population '{population.label}')")
            self._targets.append((population, np.asarray(indices, dtype=np.int64)))
        if self not in state.current_sources:
            state.current_sources.append(self)
        state.network_changed()

    def set_native_parameters(self, parameters):
        parameters.shape = (1,)
        parameters.evaluate(simplify=True)
        before = dict(self._native)
        self._native.update({name: (value[0] if isinstance(value, np.ndarray)
                                    and value.dtype == object else value)
                             for name, value in parameters.as_dict().items()})
        try:
            self._check()
            self._check_machine_words()
        except ValueError as err:
            # a refused value changes nothing; the message names the source
            self._native.clear()
            self._native.update(before)
            if isinstance(err, (ParameterError, ConfigurationError)):
                raise
            raise ParameterError(f"{type(self).__name__}: {err}") from None
        loaded = simulator.state.loaded
        if loaded is not None:
            loaded.update_current_source(self)

    def get_native_parameters(self):
        # as PyNN's NEURON backend: plain values, sequences as arrays, so that
        # `source.times[0]` or `len(source.amplitudes)` work as in PyNN's other backends
        return ParameterSpace({name: (value.value if isinstance(value, Sequence) else value)
                               for name, value in self._native.items()})

    def _get_data(self):
        raise NotImplementedError("recording a current source is not supported on SpiNNaker")

    def record(self):
        raise NotImplementedError("recording a current source is not supported on SpiNNaker")

    # -- machine words -------------------------------------------------------------------
    def targets_in(self, population, lo, hi):
        """Local indices (within lo..hi) of the neurons of `population` this source feeds."""
        chosen = [idx for pop, idx in self._targets if pop is population]
        if not chosen:
            return np.zeros(0, dtype=np.int64)
        indices = np.unique(np.concatenate(chosen))
        return indices[(indices >= lo) & (indices < hi)] - lo

    def machine_params(self, dt_ms, profile):
        """(one-element struct of the kernel's fields, step times, step amplitudes)."""
        params = np.zeros(1, dtype=_kernel.current_source_dtype(self.kernel_kind))
        self._fill(params, dt_ms, profile)
        return params

    def step_arrays(self, dt_ms, profile):
        return None, None

    def _fill(self, params, dt_ms, profile):
        raise NotImplementedError

    def _check(self):
        pass

    def _check_machine_words(self):
        """Refuse now (not at the next run) a value the machine's words cannot hold, e.g. an
        amplitude beyond the s16.15 range or NaN (found by tests/test_fuzz_networks.py)."""
        state = simulator.state
        for name, value in self._native.items():
            if np.any(np.isnan(_values(value))):
                raise ParameterError(f"{type(self).__name__}: {name} must not be NaN")
        self.machine_params(state.dt, state.profile)
        self.step_arrays(state.dt, state.profile)

    def _window(self, params, dt_ms, profile):
        params["start"] = profile.current_source_tick(self._native["start"], dt_ms)
        params["stop"] = profile.current_source_tick(self._native["stop"], dt_ms)


class DCSource(CurrentSource, electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = _identity(electrodes.DCSource.default_parameters)
    kernel_kind = "dc"

    def _fill(self, params, dt_ms, profile):
        params["amplitude"] = fixedpoint.encode_s1615(self._native["amplitude"])
        self._window(params, dt_ms, profile)


class ACSource(CurrentSource, electrodes.ACSource):
    __doc__ = electrodes.ACSource.__doc__
    translations = _identity(electrodes.ACSource.default_parameters)
    kernel_kind = "ac"

    def _fill(self, params, dt_ms, profile):
        p = self._native
        self._window(params, dt_ms, profile)
        params["amplitude"] = fixedpoint.encode_s1615(p["amplitude"])
        params["offset"] = fixedpoint.encode_s1615(p["offset"])
        params["frequency"] = fixedpoint.encode_s1615((p["frequency"] * 2 * math.pi) / 1000.0)
        params["phase"] = fixedpoint.encode_s1615(p["phase"] * (math.pi / 180.0))


class StepCurrentSource(CurrentSource, electrodes.StepCurrentSource):
    __doc__ = electrodes.StepCurrentSource.__doc__
    translations = _identity(electrodes.StepCurrentSource.default_parameters)
    kernel_kind = "step"

    def _check(self):
        times, amplitudes = _values(self._native["times"]), _values(self._native["amplitudes"])
        if len(times) != len(amplitudes):
            raise ParameterError("StepCurrentSource: times and amplitudes must have the same length")
        if np.any(times < 0) or np.any(np.diff(times) <= 0):
            raise ParameterError("StepCurrentSource: times must be >= 0 and strictly increasing")

    def _fill(self, params, dt_ms, profile):
        params["index"] = 0
        params["amp_last"] = 0

    def step_arrays(self, dt_ms, profile):
        times = profile.current_source_tick(_values(self._native["times"]), dt_ms)
        amplitudes = fixedpoint.encode_s1615(_values(self._native["amplitudes"]))
        return (np.ascontiguousarray(times, dtype=np.uint32),
                np.ascontiguousarray(np.atleast_1d(amplitudes), dtype=np.int32))


class NoisyCurrentSource(CurrentSource, electrodes.NoisyCurrentSource):
    __doc__ = electrodes.NoisyCurrentSource.__doc__
    translations = _identity(("mean", "stdev", "start", "stop", "dt"))
    kernel_kind = "noisy"

    def __init__(self, mean=0.0, stdev=1.0, start=0.0, stop=1e12, dt=None, rng=None):
        dt = simulator.state.dt if dt is None else dt
        seed = getattr(rng, "seed", None)
        object.__setattr__(self, "_seed", kiss.kiss_seed(kiss.random_state(seed)))
        super().__init__(mean=mean, stdev=stdev, start=start, stop=stop, dt=dt)

    def _check(self):
        dt = simulator.state.dt
        if abs(self._native["dt"] - dt) > 1e-9 * dt:
            raise ConfigurationError(
                f"NoisyCurrentSource: dt ({self._native['dt']} ms) must equal the simulation "
                f"timestep ({dt} ms) on SpiNNaker: the noise is redrawn every tick")

    def _fill(self, params, dt_ms, profile):
        p = self._native
        params["mean"] = fixedpoint.encode_s1615(p["mean"])
        params["stdev"] = fixedpoint.encode_s1615(p["stdev"])
        self._window(params, dt_ms, profile)
        params["dt"] = fixedpoint.encode_s1615(p["dt"] * 1000.0 / profile.machine_time_step_us(dt_ms))
        for name, word in zip(("rng_x", "rng_y", "rng_z", "rng_c"), self._seed):
            params[name] = word


def _population_indices(cells):
    """(population, indices in it) for a Population, view, Assembly or list of IDs."""
    if isinstance(cells, common.Assembly):
        for part in cells.populations:
            yield from _population_indices(part)
    elif isinstance(cells, common.PopulationView):
        yield cells.grandparent, cells.index_in_grandparent(np.arange(cells.size))
    elif isinstance(cells, common.Population):
        yield cells, np.arange(cells.size)
    else:
        by_population = {}
        for cell in cells:
            by_population.setdefault(cell.parent, []).append(cell.parent.id_to_index(cell))
        yield from by_population.items()


__all__ = ["DCSource", "ACSource", "StepCurrentSource", "NoisyCurrentSource"]
