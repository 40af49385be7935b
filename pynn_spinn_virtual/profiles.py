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
    # -- the virtual machine and the mapper (docs/mapping.md) ---------------------------
    #: SDRAM usable by applications on one chip, in bytes
    sdram_per_chip: int = 123_469_792
    #: multicast routing-table entries available to applications on one chip
    router_entries_per_chip: int = 1023
    #: cores of each chip that run system code (core 0 runs the SCAMP monitor)
    monitor_cores: tuple = (0,)
    #: SDRAM reserved on every chip by system cores placed before the application
    monitor_sdram_per_chip: int = 0
    #: extra cores / SDRAM taken on each Ethernet chip by system vertices (7.x: a data
    #: gatherer); 0 in 6.x
    ethernet_chip_system_cores: int = 0
    ethernet_chip_system_sdram: int = 0
    #: cores per chip by position on a SpiNN-5 board, as ((x, y), n) pairs for the chips
    #: that differ; None: every chip has ``cores_per_chip`` cores (the 6.x virtual machine)
    board_chip_cores: tuple = None
    #: colour bits added to the atom field of a routing key (7.x: 4; 6.x: none)
    routing_key_colour_bits: int = 0
    #: vertex kinds whose keys carry the colour bits
    routing_key_colour_kinds: tuple = ("neuron", "poisson", "spike_array")
    #: report folders kept under reports/ ([Reports] max_reports_kept)
    max_reports_kept: int = 10
    #: timesteps of recording a core's SDRAM buffers hold (the partitioner plans each core's
    #: SDRAM for them, mapping/resources.recording_bytes).  A longer run that records
    #: is cut into stretches of at most this many timesteps, the data extracted after each,
    #: as the toolchain's auto pause and resume does: recorded data is never truncated
    recording_buffer_ticks: int = 1000

    # -- machine -----------------------------------------------------------------------
    def chip_cores(self, local_x, local_y):
        """Cores of the chip at board-local (x, y) in this generation's virtual machine."""
        if self.board_chip_cores is None:
            return self.cores_per_chip
        return dict(self.board_chip_cores).get((local_x, local_y), self.cores_per_chip)

    @property
    def chip_sdram_for_application(self):
        """SDRAM of a chip left once the system cores placed before the application have theirs."""
        return self.sdram_per_chip - self.monitor_sdram_per_chip

    def routing_key_colour_bits_for(self, kind):
        """Colour bits in the atom field of the keys of a vertex of `kind`."""
        if kind in self.routing_key_colour_kinds:
            return self.routing_key_colour_bits
        return 0

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

    def alpha_dt_over_tau2(self, dt_ms, tau_ms):
        """s16.15 bits of dt / tau^2 (ms^-1) for the alpha synapse."""
        ts_ms = self.machine_time_step_us(dt_ms) / 1000.0
        tau = np.asarray(tau_ms, dtype=np.float64)
        return fixedpoint.encode_s1615(ts_ms / (tau * tau))

    def delta_input_scale(self, dt_ms):
        """s16.15 bits of 1000 / ts: a delta input of w becomes a one-tick current w/dt."""
        return fixedpoint.encode_s1615(1000.0 / float(self.machine_time_step_us(dt_ms)))

    def izhikevich_h(self, dt_ms):
        """s16.15 bits of the Izhikevich integration step, ts / 1000 ms."""
        return fixedpoint.encode_s1615(float(self.machine_time_step_us(dt_ms)) / 1000.0)

    def refractory_ticks(self, tau_refrac, dt_ms):
        """Refractory period in whole ticks: ceil(tau_refrac / (ts / 1000)) in double precision."""
        ts_ms = self.machine_time_step_us(dt_ms) / 1000.0
        ticks = np.ceil(np.asarray(tau_refrac, dtype=np.float64) / ts_ms).astype(np.int64)
        return ticks if ticks.ndim else int(ticks)

    # -- spike sources and current sources ---------------------------------------------
    def poisson_entries(self, rates, starts, durations, dt_ms, dtype):
        """Rate entries of Poisson sources as the 5.x/6.x host writes them (docs/toolchain6.md O7).

        `rates` (Hz), `starts`, `durations` (ms, NaN/None or >= 2**32 ticks: forever) are
        arrays of equal length; returns a structured array of `dtype` (the kernel's entry).
        """
        mts = self.machine_time_step_us(dt_ms)
        per_ms = 1000.0 / mts
        rates = np.asarray(rates, dtype=np.float64)
        start_ticks = np.round(np.asarray(starts, dtype=np.float64) * per_ms)
        durations = np.asarray(durations, dtype=np.float64)
        end_ticks = np.round(np.where(np.isnan(durations), np.inf, durations) * per_ms) + start_ticks
        lam = rates * (float(mts) / 1e6)
        fast = lam >= 0.01
        faster = lam >= 10
        slow = (lam > 0) & ~fast
        entries = np.zeros(len(rates), dtype=dtype)
        entries["start_tick"] = np.minimum(start_ticks, FOREVER)
        entries["end_tick"] = np.minimum(end_ticks, FOREVER)
        entries["next_tick"] = FOREVER
        entries["is_fast"] = fast
        with np.errstate(over="ignore", divide="ignore"):
            entries["exp_minus_lambda"] = np.where(fast, np.round(np.exp(-lam) * 4294967296.0), 0)
            entries["sqrt_lambda"] = np.where(faster, np.round(np.sqrt(lam) * 32768.0), 0)
            entries["mean_isi_ticks"] = np.where(slow, np.trunc(1.0 / np.where(slow, lam, 1.0)), 0)
        return entries

    def current_source_tick(self, t_ms, dt_ms):
        """Times of current sources in ticks: int(t * 1000 / ts), truncated (7.x host)."""
        per_ms = 1000.0 / self.machine_time_step_us(dt_ms)
        ticks = np.trunc(np.asarray(t_ms, dtype=np.float64) * per_ms)
        return np.clip(ticks, 0, FOREVER).astype(np.uint32)

    # -- weights -------------------------------------------------------------------------
    def ring_buffer_left_shifts(self, edge_statistics, n_synapse_types, weight_scale, dt_ms,
                                ring_buffer_sigma):
        """The per-synapse-type left shift of a population (5.x/6.x algorithm)."""
        from . import weight_scaling
        return weight_scaling.ring_buffer_left_shifts(
            edge_statistics, n_synapse_types, weight_scale, dt_ms,
            ring_buffer_sigma=ring_buffer_sigma)

    # -- plasticity ----------------------------------------------------------------------
    def stdp_lut(self, dt_ms, tau_ms, shift=0):
        """int16 exponential lookup table of an STDP time constant (5.x/6.x host rule):
        size = 2 ceil((ln 2048 / l) / 2^shift / 2), values[i] = floor(2048 exp(-i 2^shift l)),
        l = dt / tau."""
        lam = (self.machine_time_step_us(dt_ms) / 1000.0) / float(tau_ms)
        size = 2 * math.ceil((math.log(2048) / lam / 2 ** shift) / 2)
        values = np.floor(2048.0 * np.exp(-np.arange(size) * (2 ** shift) * lam))
        return values.astype(np.int16)

    def stdp_weight_words(self, kind, weight_dependence, timing, scales):
        """w_min, w_max, a2_plus, a2_minus per synapse type, in ring-buffer weight units.

        5.x/6.x: Python round(value x scale); additive A± are fractions of w_max (7.x made
        them absolute: a separate rule when that profile comes).
        """
        relative = weight_dependence["w_max"] if kind == "additive" else 1.0

        def per_type(value):
            words = [round(value * s) for s in scales]
            if any(not -2 ** 31 <= w < 2 ** 31 for w in words):
                raise OverflowError(f"{value:g} x the weight scale {max(scales):g} is "
                                    f"beyond a 32-bit word")
            return np.array(words, dtype=np.int32)
        return dict(w_min=per_type(weight_dependence["w_min"]),
                    w_max=per_type(weight_dependence["w_max"]),
                    a2_plus=per_type(timing["A_plus"] * relative),
                    a2_minus=per_type(timing["A_minus"] * relative))

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


#: an end tick that never comes (the machine's "forever")
FOREVER = 0xFFFFFFFF

PROFILES = {
    "6": Profile(
        name="6",
        description="sPyNNaker 5.x/6.x: host-computed constants, 16 delay slots, "
                    "8 delay-extension stages (144 ticks), 256 neurons per core",
        ring_buffer_delay_bits=4,
        max_delay_stages=8,
        max_neurons_per_core=256,
        max_spike_array_per_core=2 ** 31 - 1,   # no limit (6.0: sys.maxsize)
        max_poisson_per_core=500,
        cores_per_chip=18,
        application_cores_per_chip=17,
        sdram_per_chip=123_469_792,
        router_entries_per_chip=1023,
        monitor_cores=(0,),
        monitor_sdram_per_chip=0,
        ethernet_chip_system_cores=0,
        ethernet_chip_system_sdram=0,
        board_chip_cores=None,
        routing_key_colour_bits=0,
        max_reports_kept=10,
    ),
}


def get_profile(name="6"):
    """Return the profile called `name` ("6"); a clear error for anything else."""
    key = str(name)
    if key not in PROFILES:
        raise ValueError(
            f"unknown toolchain profile {name!r}; available: {', '.join(sorted(PROFILES))}")
    return PROFILES[key]
