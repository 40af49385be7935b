"""Load counters of the C kernel (csrc/README.md "Load counters").

Every expected count is worked out here by hand from the network's spikes, row lengths and
payload counts (the Poisson counts are read from the Poisson core's count recording, which
is independent of the counters), never from the counters themselves.

Set-up: the target T is IF_curr_delta with exp_TC = 0, R = 1 and input scale 1, so
V = V_rest + this tick's input: a weight of 1000 on type 0 (shift 10, 31.25 mV) makes a
neuron spike in the tick it arrives, small weights never do.  Sources of T:

- A, a spike-source array of 3 atoms: tick 1 atoms 0, 0 (a duplicate event), 2; tick 2
  atom 1; tick 4 atoms 0, 1, 2.  Static rows: atom 0 two words (the first, weight 1000
  delay 1, to neuron 0), atom 1 empty, atom 2 three words;
- P, a Poisson core of 2 fast sources (lambda = 3 per tick): a static block (row 0 one word,
  row 1 empty) and a plastic block (row 0 two synapses, row 1 one synapse), both from P, so
  a packet of P counts once in spikes_in but gives two rows;
- D, a delay core serving A (2 stages of 4 ticks): keys (stage - 1) * 3 + atom with row
  lengths 1, 0, 2 (stage 1) and 0, 1, 1 (stage 2).

Neuron 0 of T spikes at ticks 2 and 5 only (A's atom 0 at ticks 1 and 4, delay 1).
"""
import math

import numpy as np
import pytest

from kernel_module import delta_core as _delta_core, load_kernel


K = load_kernel()
S = 1 << 15
IB = 2                 # index bits of T (4 neurons), T = 1, D = 4
FOREVER = 0xFFFFFFFF
SEED = [123456789, 362436069, 521288629, 7654321]
N_TICKS = 16

NEURON_KEYS = ["ticks", "neuron_updates", "spikes_in", "rows", "synaptic_events",
               "plastic_events", "synaptic_plus_plastic_events", "spikes_out"]


def word(weight, delay, neuron, syn_type=0):
    return (weight << 16) | control(delay, neuron, syn_type)


def control(delay, neuron, syn_type=1):
    return (delay << (IB + 1)) | (syn_type << IB) | neuron


def rows(lists, dtype=np.uint32):
    offsets = np.zeros(len(lists) + 1, np.uint32)
    offsets[1:] = np.cumsum([len(r) for r in lists])
    return offsets, np.array([x for r in lists for x in r], dtype)


# A's events and the row lengths of every block, by hand
A_EVENTS = [(1, 0), (1, 0), (1, 2), (2, 1), (4, 0), (4, 1), (4, 2)]
A_ROWS = [[word(1000, 1, 0), word(10, 2, 1)], [], [word(10, 1, 1), word(10, 1, 2), word(10, 3, 3)]]
P_STATIC_ROWS = [[word(10, 1, 3)], []]
P_PLASTIC_ROWS = [[(1, 2, 100), (2, 3, 200)], [(1, 3, 300)]]      # (delay, neuron, weight)
STAGES, STAGE_LENGTH = 2, 4
D_ROWS = [[word(10, 1, 1)], [], [word(10, 1, 2), word(10, 2, 3)],   # stage 1, atoms 0..2
          [], [word(10, 1, 1)], [word(10, 1, 3)]]                   # stage 2


def delta_core(net, n):
    return _delta_core(K, net, n, index_bits=IB)


class LoadNetwork:
    def __init__(self, n_threads=1):
        self.net = net = K.Network(n_threads=n_threads)
        self.A = net.add_spike_array_core(3, [t for t, _ in A_EVENTS], [a for _, a in A_EVENTS])
        srcs = np.zeros(2, K.poisson_dtype("source"))
        srcs["end_tick"] = srcs["next_tick"] = FOREVER
        srcs["is_fast"] = 1
        srcs["exp_minus_lambda"] = round(math.exp(-3.0) * 2 ** 32)
        self.rng = np.array(SEED, np.uint32)
        self.srcs = srcs
        self.P = net.add_poisson_core(2, self.rng, srcs)
        self.counts = np.zeros((64, 2), np.uint16)
        net.set_recording(self.P, spikes=self.counts)
        self.counters = np.zeros((16, 3), np.uint8)
        self.D = net.add_delay_core(self.A, 3, STAGES, STAGE_LENGTH, self.counters)
        self.T, self.comps, self.ring = delta_core(net, 4)
        self.spikes = np.zeros((64, 1), np.uint32)
        net.set_recording(self.T, spikes=self.spikes)
        self.history = np.zeros(4, K.stdp_history_dtype())
        lut = [2048, 1024, 512, 256]
        net.set_plasticity(self.T, "pair", "additive", lut, lut, [0, 0], [4000, 4000],
                           [400, 400], [480, 480], True, self.history)
        self.keep = []
        for source, lists in ((self.A, A_ROWS), (self.P, P_STATIC_ROWS), (self.D, D_ROWS)):
            offsets, words = rows(lists)
            self.keep += [offsets, words]
            net.add_incoming(self.T, source, offsets, words)
        offsets = np.zeros(3, np.uint32)
        offsets[1:] = np.cumsum([len(r) for r in P_PLASTIC_ROWS])
        flat = [s for r in P_PLASTIC_ROWS for s in r]
        self.controls = np.array([control(d, j) for d, j, _ in flat], np.uint16)
        self.weights = np.array([w for _, _, w in flat], np.uint16)
        self.row_state = np.zeros(2, K.stdp_row_state_dtype())
        self.keep.append(offsets)
        net.add_plastic_incoming(self.T, self.P, offsets, self.controls, self.weights,
                                 self.row_state)

    def all_counters(self):
        return {c: self.net.load_counters(c) for c in (self.A, self.P, self.D, self.T)}


def expected_per_tick(counts, n_ticks=N_TICKS):
    """Per tick, every counter of every core, by hand.  counts: the Poisson counts [tick, src]."""
    ticks = range(n_ticks)
    a_out = [sum(1 for t0, _ in A_EVENTS if t0 == t) for t in ticks]
    p_out = [int(counts[t].sum()) for t in ticks]

    # D: the spikes of A at tick t leave as stage k at t + 4 k (counts per atom)
    def a_count(t, atom):
        return sum(1 for t0, a in A_EVENTS if t0 == t and a == atom)

    d_keys = []      # per tick: (key, count)
    for t in ticks:
        keys = []
        for k in (1, 2):
            if t >= k * STAGE_LENGTH:
                for atom in range(3):
                    c = a_count(t - k * STAGE_LENGTH, atom)
                    if c:
                        keys.append(((k - 1) * 3 + atom, c))
        d_keys.append(keys)
    d_out = [sum(c for _, c in keys) for keys in d_keys]

    t_in, t_rows, t_words, t_plastic = [], [], [], []
    for t in ticks:
        a_keys = [(a, 1) for t0, a in A_EVENTS if t0 == t]
        p_keys = [(s, int(counts[t, s])) for s in range(2) if counts[t, s]]
        packets = sum(c for _, c in a_keys) + sum(c for _, c in p_keys) + d_out[t]
        # P has two blocks (static and plastic): its packets give two rows each
        rows_ = packets + sum(c for _, c in p_keys)
        words = (sum(c * len(A_ROWS[k]) for k, c in a_keys)
                 + sum(c * len(P_STATIC_ROWS[k]) for k, c in p_keys)
                 + sum(c * len(D_ROWS[k]) for k, c in d_keys[t]))
        plastic = sum(c * len(P_PLASTIC_ROWS[k]) for k, c in p_keys)
        t_in.append(packets)
        t_rows.append(rows_)
        t_words.append(words)
        t_plastic.append(plastic)
    t_out = [1 if t in (2, 5) else 0 for t in ticks]
    return {
        "A": {"spikes_out": a_out},
        "P": {"spikes_out": p_out},
        "D": {"packets_in": a_out, "packets_out": d_out},
        "T": {"neuron_updates": [4] * n_ticks, "spikes_in": t_in, "rows": t_rows,
              "synaptic_events": t_words, "plastic_events": t_plastic,
              "synaptic_plus_plastic_events": [w + p for w, p in zip(t_words, t_plastic)],
              "spikes_out": t_out},
    }


def summarise(per_tick, n_ticks):
    out = {"ticks": n_ticks}
    for name, values in per_tick.items():
        out[name] = sum(values)
    for name, values in per_tick.items():
        out["max_" + name] = max(values) if values else 0
    return out


def test_hand_counted_network():
    ln = LoadNetwork()
    ln.net.run(0, N_TICKS)
    # the hand-built premises
    spike_ticks = [t for t in range(N_TICKS) if ln.spikes[t, 0]]
    assert spike_ticks == [2, 5] and all(ln.spikes[t, 0] == 1 for t in spike_ticks)
    assert ln.counts[:N_TICKS].max() >= 2            # payload counts > 1 occur
    assert (ln.counts[:N_TICKS] == 0).any()          # and empty ticks too
    exp = expected_per_tick(ln.counts)
    got = ln.all_counters()
    for name, core in (("A", ln.A), ("P", ln.P), ("D", ln.D), ("T", ln.T)):
        assert got[core] == summarise(exp[name], N_TICKS), name
    # explicit numbers for the parts that do not depend on the Poisson draws
    assert got[ln.A] == {"ticks": 16, "spikes_out": 7, "max_spikes_out": 3}
    assert got[ln.D] == {"ticks": 16, "packets_in": 7, "packets_out": 14,
                         "max_packets_in": 3, "max_packets_out": 3}
    t = got[ln.T]
    assert list(t) == NEURON_KEYS + ["max_" + k for k in NEURON_KEYS[1:]]
    assert t["neuron_updates"] == 64 and t["max_neuron_updates"] == 4
    assert t["spikes_out"] == 2 and t["max_spikes_out"] == 1
    p_total = int(ln.counts[:N_TICKS].sum())
    p_row0 = int(ln.counts[:N_TICKS, 0].sum())
    p_row1 = int(ln.counts[:N_TICKS, 1].sum())
    # A: 7 packets (rows 2, 2, 3 | 0 | 2, 0, 3 words); D: 14 packets, 11 words (4, 0, 3, 1, 1, 2)
    assert t["spikes_in"] == 7 + p_total + 14
    assert t["rows"] == 7 + 2 * p_total + 14
    assert t["synaptic_events"] == 12 + p_row0 + 11
    assert t["plastic_events"] == 2 * p_row0 + p_row1
    assert t["synaptic_plus_plastic_events"] == t["synaptic_events"] + t["plastic_events"]
    assert t["max_synaptic_plus_plastic_events"] <= (t["max_synaptic_events"]
                                                     + t["max_plastic_events"])
    assert ln.net.saturations(ln.T) == 0


def test_thread_count_and_run_splitting_do_not_matter():
    reference = LoadNetwork(n_threads=1)
    reference.net.run(0, N_TICKS)
    expected = reference.all_counters()
    for n_threads in (1, 2, 4, 7):
        for splits in ([N_TICKS], [5, 4, 7], [1] * N_TICKS, [3, 13]):
            ln = LoadNetwork(n_threads=n_threads)
            tick = 0
            for n in splits:
                ln.net.run(tick, n)
                tick += n
            assert ln.all_counters() == expected, (n_threads, splits)
            assert np.array_equal(ln.counts, reference.counts)


def test_reset_load_counters():
    ln = LoadNetwork(n_threads=2)
    ln.net.run(0, 6)
    assert ln.net.load_counters(ln.A)["spikes_out"] == 7
    ln.net.reset_load_counters()
    for c in (ln.A, ln.P, ln.D, ln.T):
        assert all(v == 0 for v in ln.net.load_counters(c).values())
    # ticks 6..15 alone: A is silent, D re-sends the stage-1 spikes of ticks 2, 4 (1 at tick
    # 6, 3 at tick 8) and the stage-2 spikes of ticks 1, 2, 4 (3, 1, 3 at ticks 9, 10, 12)
    ln.net.run(6, 10)
    assert ln.net.load_counters(ln.A) == {"ticks": 10, "spikes_out": 0, "max_spikes_out": 0}
    assert ln.net.load_counters(ln.D) == {"ticks": 10, "packets_in": 0, "packets_out": 11,
                                          "max_packets_in": 0, "max_packets_out": 3}
    exp = expected_per_tick(ln.counts)
    per_tick = {k: v[6:16] for k, v in exp["T"].items()}
    assert ln.net.load_counters(ln.T) == summarise(per_tick, 10)
    assert ln.net.load_counters(ln.P) == summarise({"spikes_out": exp["P"]["spikes_out"][6:16]}, 10)
    # reset_saturations leaves them alone and vice versa
    ln.net.reset_saturations()
    assert ln.net.load_counters(ln.A)["ticks"] == 10


def test_delay_counts_packets_lost_to_saturation():
    """300 events of atom 0 at tick 1: the delay core receives 300 packets (45 lost at its
    8-bit counter, counted in saturations) and re-sends 255 at tick 1 + 4; the target
    processes the stage-1 row (2 words) 255 times."""
    net = K.Network(n_threads=1)
    a = net.add_spike_array_core(1, [1] * 300, [0] * 300)
    counters = np.zeros((8, 1), np.uint8)
    d = net.add_delay_core(a, 1, 1, 4, counters)
    t, _, ring = delta_core(net, 4)
    offsets, words = rows([[word(1, 1, 1), word(1, 2, 2)]])
    net.add_incoming(t, d, offsets, words)
    net.run(0, 8)
    assert net.saturations(d) == 45
    assert net.load_counters(d) == {"ticks": 8, "packets_in": 300, "packets_out": 255,
                                    "max_packets_in": 300, "max_packets_out": 255}
    assert net.load_counters(a) == {"ticks": 8, "spikes_out": 300, "max_spikes_out": 300}
    c = net.load_counters(t)
    assert (c["spikes_in"], c["rows"], c["synaptic_events"], c["plastic_events"]) == \
        (255, 255, 510, 0)
    assert (c["max_spikes_in"], c["max_synaptic_events"]) == (255, 510)


def test_packets_per_source_rows_per_block():
    """Two static blocks from the same source: a packet counts once in spikes_in and gives a
    row in each block; a source with no block to the target is not counted there; a neuron
    core with no incoming blocks counts only its updates."""
    net = K.Network(n_threads=1)
    a = net.add_spike_array_core(2, [0, 0, 3], [0, 1, 1])
    b = net.add_spike_array_core(1, [0, 1, 2], [0, 0, 0])       # no block to t
    t, _, _ = delta_core(net, 4)
    u, _, _ = delta_core(net, 2)
    for lists in ([[word(1, 1, 1)], []], [[word(1, 1, 2), word(1, 1, 3)], [word(1, 4, 3)]]):
        offsets, words = rows(lists)
        net.add_incoming(t, a, offsets, words)
    net.run(0, 5)
    # tick 0: atoms 0, 1 -> 2 packets, 4 rows, words 1 + 0 + 2 + 1; tick 3: atom 1 -> 1, 2, 0 + 1
    assert net.load_counters(t) == {
        "ticks": 5, "neuron_updates": 20, "spikes_in": 3, "rows": 6, "synaptic_events": 5,
        "plastic_events": 0, "synaptic_plus_plastic_events": 5, "spikes_out": 0,
        "max_neuron_updates": 4, "max_spikes_in": 2, "max_rows": 4, "max_synaptic_events": 4,
        "max_plastic_events": 0, "max_synaptic_plus_plastic_events": 4, "max_spikes_out": 0}
    assert net.load_counters(u) == {
        "ticks": 5, "neuron_updates": 10, "spikes_in": 0, "rows": 0, "synaptic_events": 0,
        "plastic_events": 0, "synaptic_plus_plastic_events": 0, "spikes_out": 0,
        "max_neuron_updates": 2, "max_spikes_in": 0, "max_rows": 0, "max_synaptic_events": 0,
        "max_plastic_events": 0, "max_synaptic_plus_plastic_events": 0, "max_spikes_out": 0}
    assert net.load_counters(b)["spikes_out"] == 3


def test_a_fresh_network_and_bad_core_ids():
    net = K.Network()
    a = net.add_spike_array_core(1, [], [])
    assert net.load_counters(a) == {"ticks": 0, "spikes_out": 0, "max_spikes_out": 0}
    with pytest.raises(ValueError, match="core id 1 out of range"):
        net.load_counters(1)
    with pytest.raises(ValueError, match="core id -1 out of range"):
        net.load_counters(-1)
