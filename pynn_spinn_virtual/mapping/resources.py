"""SDRAM needed by each core, and the slice size that makes a core fit.

A SpiNNaker core keeps its neuron parameters, its synaptic matrix (one row per source
neuron, one 32-bit word per synapse plus a 3-word row header) and its recording buffers in
the SDRAM of its chip.  The toolchain estimates these sizes before placing anything, and a
population whose slices would not fit gets smaller slices.  This module is our estimate;
its constants and the reasoning behind them are in ``docs/mapping.md`` ("SDRAM model").

The per-core budget is the chip's SDRAM divided among its application cores (7,262,929
bytes in profile "6"), so that a full chip never runs out of SDRAM: with it a fan-in of more
than about 7,000 synapses per neuron no longer fits 256 neurons on a core (the seed's rule
"fan-in above 8000 lowers neurons per core").
"""
import math

import numpy as np

#: bytes every core needs whatever it runs: system header, provenance, IO buffer, profile
CORE_OVERHEAD_BYTES = 16 * 1024
#: per neuron, besides its component words: the recording flags and indices
NEURON_OVERHEAD_BYTES = 8
#: a synaptic row: 3 header words (plastic size, fixed size, plastic-control size)
ROW_HEADER_BYTES = 12
#: a static synapse: one 32-bit word
STATIC_SYNAPSE_BYTES = 4
#: a plastic synapse: a 16-bit weight and a 16-bit control half-word ...
PLASTIC_SYNAPSE_BYTES = 4
#: ... and every plastic row also holds the pre-synaptic trace header (time, trace)
PLASTIC_ROW_EXTRA_BYTES = 8
#: per neuron of a core with plasticity: the post-synaptic history (16 times and traces)
POST_HISTORY_BYTES = 132
#: one master-population-table entry (key, mask, address/row length) per incoming edge
MASTER_POP_ENTRY_BYTES = 12
#: a recording region's header (the SARK block) per recorded variable
RECORDING_HEADER_BYTES = 8
#: per spike-array event: key and time stamp in the buffered-sending region
SPIKE_ARRAY_EVENT_BYTES = 8
#: per delay-extension stage and atom: the 8-bit spike counters of 16 ticks
DELAY_STAGE_BYTES_PER_ATOM = 16


def core_budget(profile):
    """SDRAM a single core may use: its share of the chip."""
    return profile.sdram_per_chip // profile.application_cores_per_chip


def recording_bytes(n_atoms, analog_recorded, spikes_recorded, interval_ticks, ticks):
    """Bytes of recording buffers for `ticks` ticks of one core (the profile's
    recording_buffer_ticks: longer runs are cut into stretches between which the data are
    extracted, as the toolchain's auto pause and resume does).

    A spike record per tick is a time stamp and a bitfield of the core's atoms; an analog
    record per sample is a time stamp and one 32-bit value per recorded neuron.
    """
    total = 0
    if spikes_recorded:
        total += RECORDING_HEADER_BYTES + ticks * (4 + 4 * math.ceil(n_atoms / 32))
    for n_recorded in analog_recorded:
        samples = math.ceil(ticks / interval_ticks)
        total += RECORDING_HEADER_BYTES + samples * (4 + 4 * n_recorded)
    return total


def neuron_core_bytes(n_atoms, bytes_per_neuron, n_incoming_rows, n_synapses,
                      n_incoming_edges, recording, n_plastic_rows=0, n_plastic_synapses=0):
    """SDRAM of a neuron core.

    `n_incoming_rows` is the number of source atoms (rows) over all incoming edges,
    `n_synapses` the synapses onto the core, `recording` the result of recording_bytes();
    the plastic rows and synapses among them cost their extra header and history.
    """
    return (CORE_OVERHEAD_BYTES
            + n_atoms * (bytes_per_neuron + NEURON_OVERHEAD_BYTES)
            + n_incoming_rows * ROW_HEADER_BYTES
            + n_synapses * STATIC_SYNAPSE_BYTES
            + n_plastic_rows * PLASTIC_ROW_EXTRA_BYTES
            + n_plastic_synapses * (PLASTIC_SYNAPSE_BYTES - STATIC_SYNAPSE_BYTES)
            + n_atoms * POST_HISTORY_BYTES * (np.asarray(n_plastic_synapses) > 0)
            + n_incoming_edges * MASTER_POP_ENTRY_BYTES
            + recording)


def spike_array_core_bytes(n_events, recording):
    return CORE_OVERHEAD_BYTES + n_events * SPIKE_ARRAY_EVENT_BYTES + recording


#: per Poisson source: its rate entry (8 words) and working state
POISSON_SOURCE_BYTES = 40


def poisson_core_bytes(n_atoms, recording):
    return CORE_OVERHEAD_BYTES + n_atoms * POISSON_SOURCE_BYTES + recording


def delay_core_bytes(n_atoms, n_stages):
    return CORE_OVERHEAD_BYTES + n_atoms * n_stages * DELAY_STAGE_BYTES_PER_ATOM


def synapses_per_slice(fan_in, slice_size):
    """Synapses onto each slice of a population cut into `slice_size` atoms, from its
    synapses per neuron."""
    return np.add.reduceat(fan_in, np.arange(0, len(fan_in), slice_size))


def largest_fitting_slice(limit, fits):
    """The largest slice size <= `limit` for which ``fits(size)`` holds (binary search).

    `fits` must be monotonic (smaller slices need less SDRAM); returns 0 if even one atom
    per core does not fit.
    """
    if fits(limit):
        return limit
    lo, hi = 0, limit           # fits(lo) assumed (0 atoms), not fits(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid
    return lo
