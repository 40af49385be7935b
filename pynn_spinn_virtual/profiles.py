"""Toolchain profiles: every rule that differs between sPyNNaker generations.

The backend emulates one generation of the SpiNNaker toolchain, chosen with
``setup(toolchain="6")`` (the default) or, later, ``"7"``.  Everything that depends on the
generation -- how the host derives fixed-point constants, how many delay slots a core has,
how many neurons fit on a core -- is a field or method of a :class:`Profile`, so the rest of
the code never asks "which version is this?".
"""
from dataclasses import dataclass
import math

import numpy as np

from . import fixedpoint


@dataclass(frozen=True)
class Profile:
    """One toolchain generation."""

    name: str
    description: str
    #: bits of the delay field of a synaptic word / number of ring-buffer slots = 2**bits
    ring_buffer_delay_bits: int
    #: maximum number of delay-extension stages (each as long as the on-core slots)
    max_delay_stages: int
    #: default (and absolute) maximum of neurons per core for neuron models
    max_neurons_per_core: int
    #: default maximum of sources per core for spike sources
    max_spike_array_per_core: int
    max_poisson_per_core: int
    #: cores per SpiNNaker-1 chip, and how many of them run application code
    cores_per_chip: int
    application_cores_per_chip: int
    #: [Simulation] defaults used to choose the ring-buffer left shift
    spikes_per_second: float = 30.0
    ring_buffer_sigma: float = 5.0

    # -- delays ------------------------------------------------------------------------
    @property
    def delay_slots(self):
        """Ring-buffer delay slots on a neuron core (the on-core maximum delay in ticks)."""
        return 1 << self.ring_buffer_delay_bits

    @property
    def max_delay_ticks(self):
        """Largest delay supported with delay-extension stages."""
        return self.delay_slots * (1 + self.max_delay_stages)

    # -- host-derived constants (5.x/6.x: double precision, then round half to even) --
    # The expressions are those of the 6.0 host code (docs/toolchain6.md, Q1): they use the
    # machine time step ts in microseconds, as a float, not the timestep given to setup().
    def exp_decay(self, dt_ms, tau_ms):
        """u0.32 bits of exp(-dt/tau): the per-tick decay of an exponential synapse."""
        ts_ms = self.machine_time_step_us(dt_ms) / 1000.0
        tau = np.asarray(tau_ms, dtype=np.float64)
        return fixedpoint.encode_u032(np.exp(-ts_ms / tau))

    def exp_init(self, dt_ms, tau_ms):
        """u0.32 bits of (tau/dt)(1 - exp(-dt/tau)): the scaling of an input entering the synapse."""
        ts_ms = self.machine_time_step_us(dt_ms) / 1000.0
        tau = np.asarray(tau_ms, dtype=np.float64)
        return fixedpoint.encode_u032((tau / ts_ms) * (1.0 - np.exp(-ts_ms / tau)))

    def lif_r(self, tau_m, cm):
        """s16.15 bits of the membrane resistance tau_m / cm."""
        return fixedpoint.encode_s1615(np.asarray(tau_m, dtype=np.float64)
                                       / np.asarray(cm, dtype=np.float64))

    def lif_exp_tc(self, dt_ms, tau_m):
        """s16.15 bits of exp(-ts / (1000 tau_m)), ts the machine time step in us."""
        ts = float(self.machine_time_step_us(dt_ms))
        return fixedpoint.encode_s1615(np.exp(-ts / (1000.0 * np.asarray(tau_m, dtype=np.float64))))

    def refractory_ticks(self, tau_refrac, dt_ms):
        """Refractory period in whole ticks: ceil(tau_refrac / (ts / 1000)) in double precision."""
        ts_ms = self.machine_time_step_us(dt_ms) / 1000.0
        ticks = np.ceil(np.asarray(tau_refrac, dtype=np.float64) / ts_ms).astype(np.int64)
        return ticks if ticks.ndim else int(ticks)

    # -- weights -------------------------------------------------------------------------
    def ring_buffer_left_shifts(self, edge_statistics, n_synapse_types, weight_scale, dt_ms,
                                ring_buffer_sigma):
        """The per-synapse-type left shift of a population (5.x/6.x algorithm)."""
        from . import weight_scaling
        return weight_scaling.ring_buffer_left_shifts(
            edge_statistics, n_synapse_types, weight_scale, dt_ms,
            ring_buffer_sigma=ring_buffer_sigma)

    # -- time ----------------------------------------------------------------------------
    @staticmethod
    def machine_time_step_us(dt_ms):
        """The machine time step in whole microseconds: ceil(dt * 1000.0), as the toolchain."""
        return int(math.ceil(float(dt_ms) * 1000.0))

    @staticmethod
    def spike_time_to_tick(times_ms, dt_ms):
        """SpikeSourceArray: truncate to whole microseconds, then round up to a tick."""
        dt_us = Profile.machine_time_step_us(dt_ms)
        us = np.floor(np.asarray(times_ms, dtype=np.float64) * 1000.0)
        return np.ceil(us / dt_us).astype(np.int64)


PROFILES = {
    "6": Profile(
        name="6",
        description="sPyNNaker 5.x/6.x: host-computed constants, 16 delay slots, "
                    "8 delay-extension stages (144 ticks), 256 neurons per core",
        ring_buffer_delay_bits=4,
        max_delay_stages=8,
        max_neurons_per_core=256,
        max_spike_array_per_core=256,
        max_poisson_per_core=256,
        cores_per_chip=18,
        application_cores_per_chip=17,
    ),
}


def get_profile(name="6"):
    """Return the profile called `name` ("6"); a clear error for anything else."""
    key = str(name)
    if key not in PROFILES:
        raise ValueError(
            f"unknown toolchain profile {name!r}; available: {', '.join(sorted(PROFILES))}")
    return PROFILES[key]
