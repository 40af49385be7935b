"""setup / end / run / reset and the state queries, with sPyNNaker's semantics."""
import logging
import math
import warnings

from pyNN import common
from pyNN.recording import get_io

from . import config, portal_warnings, profiles, simulator
from . import machine as machines
from .exceptions import ConfigurationError

logger = logging.getLogger("pynn_spinn_virtual")

#: setup() keywords that sPyNNaker accepts; the machine ones take effect with the mapper
KNOWN_SETUP_OPTIONS = ("n_chips_required", "n_boards_required", "machine",
                       "database_socket_addresses")


def setup(timestep=None, min_delay="auto", max_delay=None, time_scale_factor=None,
          toolchain="6", n_threads=0, **extra_params):
    """Start a new simulation; returns the MPI rank (always 0).

    `timestep` in ms: ``None`` gives PyNN's 0.1 ms with the toolchain's warning, ``"auto"``
    gives 1.0 ms; it must be a whole number of microseconds.  `toolchain` picks the emulated
    sPyNNaker generation (see :mod:`pynn_spinn_virtual.profiles`); `n_threads` the kernel's
    threads (0: all cores; results never depend on it).
    """
    state = simulator.state
    if state.populations and not state.ended:
        warnings.warn("setup() called again: the previous simulation is discarded")
    if timestep is None:
        warnings.warn("The default PyNN timestep of 0.1 ms is less than the 1 ms that SpiNNaker "
                      "is designed for; use setup(timestep=1.0) (or 'auto') for real-time runs")
        timestep = 0.1
    elif timestep == "auto":
        timestep = 1.0
    timestep = float(timestep)
    if not timestep > 0:
        raise ConfigurationError(f"timestep must be > 0 ms, not {timestep}")
    micro = timestep * 1000.0
    if abs(micro - round(micro)) > 1e-6:
        raise ConfigurationError(
            f"timestep {timestep} ms is not a whole number of microseconds; the SpiNNaker timer "
            f"counts whole microseconds")
    profile = profiles.get_profile(toolchain)
    if min_delay == "auto":
        min_delay = timestep
    elif min_delay < timestep * (1 - 1e-9):
        raise ConfigurationError(
            f"min_delay {min_delay} ms must not be less than the timestep {timestep} ms")
    if max_delay is not None:
        warnings.warn("max_delay is not supported by sPyNNaker so will be ignored")
    common.setup(timestep, min_delay, **{k: v for k, v in extra_params.items()
                                         if k in ("max_delay",)})
    for name in extra_params:
        if name not in KNOWN_SETUP_OPTIONS:
            warnings.warn(f"setup() option {name}={extra_params[name]!r} is not known and is "
                          f"ignored")
    state.clear()
    state.profile = profile
    state.dt = timestep
    state.min_delay = min_delay
    state.max_delay = profile.max_delay_ticks * timestep
    state.time_scale_factor = (time_scale_factor if time_scale_factor is not None
                               else max(1, math.ceil(micro / 10000.0)))
    state.n_threads = int(n_threads)
    state.extra_params = {k: v for k, v in extra_params.items() if k in KNOWN_SETUP_OPTIONS}
    state.config = config.read_config()
    state.machine = _chosen_machine(extra_params, state.config, profile)
    logger.info("Setting hardware timestep as %d microseconds based on simulation time step of "
                "%d and timescale factor of %s", round(micro * state.time_scale_factor),
                round(micro), state.time_scale_factor)
    return rank()


def _chosen_machine(extra_params, cfg, profile):
    """The machine asked for by setup() or spynnaker.cfg, or None (sized to the model).

    ``setup(machine=...)`` takes a :class:`~pynn_spinn_virtual.machine.Machine` or a preset
    name ("spinn3", "spinn5", "hbp"); ``n_boards_required`` / ``n_chips_required`` size a
    machine; ``[Machine] version``, ``width``, ``height`` are read from spynnaker.cfg.
    """
    choice = extra_params.get("machine")
    if choice is not None:
        if isinstance(choice, str):
            presets = {"spinn3": machines.spinn3, "spinn-3": machines.spinn3,
                       "spinn5": machines.spinn5, "spinn-5": machines.spinn5,
                       "hbp": machines.hbp_machine}
            if choice.lower() not in presets:
                raise ConfigurationError(f"unknown machine {choice!r}; use one of "
                                         f"{', '.join(sorted(presets))} or a Machine")
            return presets[choice.lower()](profile)
        return choice
    return machines.machine_from_config(
        version=cfg.get(("Machine", "version")), width=cfg.get(("Machine", "width")),
        height=cfg.get(("Machine", "height")), n_boards=extra_params.get("n_boards_required"),
        n_chips=extra_params.get("n_chips_required"), profile=profile)


def get_machine():
    """The (virtual) machine the model runs on: the one chosen, or the one sized to the model."""
    state = simulator.state
    if state.machine is not None:
        return state.machine
    return state.ensure_mapped().machine


def end(compatible_output=True):
    """Write the files asked for with record(..., to_file=...) and stop the simulation."""
    state = simulator.state
    if state.ended:
        warnings.warn("end() was already called")
        return
    for population, variables, filename in state.write_on_end:
        population.write_data(get_io(filename), variables)
    state.write_on_end = []
    state.ended = True
    if state.reports is not None:
        state.reports.finished()


run, run_until = common.build_run(simulator)
run_for = run
_pynn_reset = common.build_reset(simulator)


def reset(annotations=None):
    """Time back to 0 and a new Neo segment; refused after end() as on SpiNNaker."""
    simulator.state.check_not_ended("reset()")
    _pynn_reset(annotations or {})


initialize = common.initialize
get_current_time, get_time_step, get_min_delay, get_max_delay, num_processes, rank = \
    common.build_state_queries(simulator)
get_min_delay = portal_warnings.refused_call(get_min_delay, portal_warnings.GET_MIN_DELAY)
get_max_delay = portal_warnings.refused_call(get_max_delay, portal_warnings.GET_MAX_DELAY)


def name():
    """The simulator's name and version, as Neo annotations show it."""
    from .recording import simulator_name
    return simulator_name()


def set_number_of_neurons_per_core(neuron_type, max_permitted):
    """Global maximum of neurons per core for a cell type; only before any Population exists."""
    state = simulator.state
    if isinstance(neuron_type, str):
        raise ConfigurationError("set_number_of_neurons_per_core now expects neuron_type as a "
                                 "class instead of as a str")
    if not isinstance(neuron_type, type):
        neuron_type = type(neuron_type)
    if state.populations:
        raise ConfigurationError(
            "Global set is not supported after a Population has been created. Either move it "
            "above the creation of all Populations or provide neurons_per_core during the "
            "creation of each Population")
    if isinstance(max_permitted, tuple):
        max_permitted = math.prod(max_permitted)
    if max_permitted is not None:
        maximum = state.profile.max_neurons_per_core
        from .standardmodels.cells import NeuronModel
        if issubclass(neuron_type, NeuronModel) and max_permitted > maximum:
            raise ConfigurationError(
                f"{neuron_type.__name__}: {max_permitted} neurons per core is above the "
                f"maximum of {maximum}")
        if max_permitted < 1:
            raise ConfigurationError(f"{neuron_type.__name__}: neurons per core must be >= 1")
    state.neurons_per_core[neuron_type] = max_permitted
