"""Delay-extension cores of the C kernel (spec/kernel.md §5.2, profile 6).

Expected numbers are derived here by hand from the spec (stage = floor((d - 1) / 16),
remainder r = d - 16 stage, arrival in the ring-buffer slot of t + d, 8-bit counters
saturating at 255), never by running the kernel.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernel_module import load_kernel
from test_kernel_poisson import knuth   # §7.2's fast regime, written from the spec there


K = load_kernel()
S = 1 << 15
M32 = 0xFFFFFFFF
TAU5_DECAY, TAU5_INIT = 3516421809, 3892727437   # §3.3 table: dt 1, tau 5 (5.x/6.x)
L = 16                                           # profile 6: on-core delays 1..16 ticks
MAX_STAGES = 8


def decay(x, d):
    return (x * d) >> 32


def split(d):
    """§5.2: (stage, remaining on-core delay) of a delay d > 16."""
    stage = (d - 1) // L
    return stage, d - stage * L


def lif_arrays(n, v=-65 * S, i_offset=0, v_reset=-70 * S, threshold=-50 * S):
    mem = np.zeros(n, K.component_dtype("membrane:lif"))
    mem["V_membrane"], mem["V_rest"], mem["R_membrane"], mem["exp_TC"] = v, -65 * S, 655360, 31170
    mem["I_offset"], mem["V_reset"] = i_offset, v_reset
    syn = np.zeros(n, K.component_dtype("synapse:exponential"))
    syn["exc_decay"] = syn["inh_decay"] = TAU5_DECAY
    syn["exc_init"] = syn["inh_init"] = TAU5_INIT
    thr = np.zeros(n, K.component_dtype("threshold:static"))
    thr["threshold_value"] = threshold
    return {"membrane": mem, "synapse": syn, "input": None, "threshold": thr}


def add_lif(net, n, index_bits, **params):
    comps = lif_arrays(n, **params)
    ring = np.zeros(16 << (1 + index_bits), np.uint16)
    core = net.add_neuron_core("if_curr_exp", n, 2, index_bits, 1, 4,
                               np.zeros(2, np.uint32), comps, ring)
    return core, comps, ring


def word(weight, delay, index, index_bits, syn_type=0):
    """A static synaptic word (§4.2) for D = 4, T = 1; delay 16 is stored as 0."""
    return (weight << 16) | ((delay & 15) << (index_bits + 1)) | (syn_type << index_bits) | index


def rows(row_lists):
    offsets = np.zeros(len(row_lists) + 1, np.uint32)
    offsets[1:] = np.cumsum([len(r) for r in row_lists])
    return offsets, np.array([w for r in row_lists for w in r], np.uint32)


def delay_rows(n_atoms, n_stages, entries):
    """Rows of a delay core: entries (atom, stage, word) -> key (stage - 1) * n_atoms + atom."""
    lists = [[] for _ in range(n_stages * n_atoms)]
    for atom, stage, w in entries:
        lists[(stage - 1) * n_atoms + atom].append(w)
    return rows(lists)


def record_gsyn_exc(net, core, n, n_ticks):
    buf = np.zeros((n_ticks, n), np.int32)
    net.set_recording(core, analog=[("gsyn_exc", np.arange(n, dtype=np.int32), 1, 0, buf)])
    return buf


def first_input(gsyn):
    """Per neuron, the first tick whose recorded gsyn_exc (pre-update, input included,
    §2.4/§2.5) is non-zero, and its value."""
    out = []
    for j in range(gsyn.shape[1]):
        ticks = np.flatnonzero(gsyn[:, j])
        out.append((int(ticks[0]), int(gsyn[ticks[0], j])) if len(ticks) else None)
    return out


# ---- timing -------------------------------------------------------------------------------

DELAYS = [17, 31, 32, 33, 144]


def test_stage_split_by_hand():
    assert [split(d) for d in DELAYS] == [(1, 1), (1, 15), (1, 16), (2, 1), (8, 16)]
    assert split(40) == (2, 8)
    assert all(1 <= r <= L for r in (split(d)[1] for d in range(17, 145)))


def timing_network(n_threads=0):
    """Atom 1 of a 2-atom spike array spikes at tick 3 and atom 0 at tick 5.  Target
    neuron j < 5 gets atom 1 with delay DELAYS[j] through the delay core, neuron 5 gets
    atom 0 with delay 40."""
    net = K.Network(n_threads=n_threads)
    src = net.add_spike_array_core(2, [3, 5], [1, 0])
    counters = np.zeros((256, 2), np.uint8)           # 256: a power of two > 8 * 16
    dly = net.add_delay_core(src, 2, MAX_STAGES, L, counters)
    tgt, comps, ring = add_lif(net, 6, index_bits=3)
    entries = []
    for j, d in enumerate(DELAYS):
        stage, r = split(d)
        entries.append((1, stage, word(1000 + 100 * j, r, j, 3)))
    stage, r = split(40)
    entries.append((0, stage, word(2000, r, 5, 3)))
    net.add_incoming(tgt, dly, *delay_rows(2, MAX_STAGES, entries))
    return net, (src, dly, tgt), counters, comps, ring


N_TIMING = 3 + 144 + 5


def test_delay_core_input_arrives_at_t_plus_d():
    net, (src, dly, tgt), counters, _, _ = timing_network()
    gsyn = record_gsyn_exc(net, tgt, 6, N_TIMING)
    net.run(0, N_TIMING)
    expected = [(3 + d, decay(1000 + 100 * j, TAU5_INIT)) for j, d in enumerate(DELAYS)]
    expected.append((5 + 40, decay(2000, TAU5_INIT)))
    assert first_input(gsyn) == expected
    # each input arrives once and then only decays
    for j, (t, value) in enumerate(expected):
        assert gsyn[t + 1, j] == decay(value, TAU5_DECAY)
    # the counters: slot 3 holds atom 1's spike, slot 5 atom 0's (cleared 256 ticks later)
    expected_counters = np.zeros((256, 2), np.uint8)
    expected_counters[3, 1] = expected_counters[5, 0] = 1
    assert np.array_equal(counters, expected_counters)
    assert net.saturations(dly) == 0 and net.saturations(tgt) == 0


def timing_snapshot(n_threads, splits):
    net, (_, dly, tgt), counters, comps, ring = timing_network(n_threads)
    gsyn = record_gsyn_exc(net, tgt, 6, N_TIMING)
    tick = 0
    for n in splits:
        net.run(tick, n)
        tick += n
    return [gsyn.copy(), counters.copy(), ring.copy(), comps["synapse"].copy(),
            comps["membrane"].copy()]


@pytest.mark.parametrize("n_threads,splits", [
    (2, (N_TIMING,)), (4, (N_TIMING,)), (1, (1, 18, 0, 14, 100, N_TIMING - 133)),
    (4, (20, 20, 20, 20, 20, 20, 20, N_TIMING - 140)),
])
def test_timing_independent_of_threads_and_splits(n_threads, splits):
    whole = timing_snapshot(1, (N_TIMING,))
    other = timing_snapshot(n_threads, splits)
    for a, b in zip(whole, other):
        assert np.array_equal(a, b)


def test_neuron_core_as_source():
    """A neuron that spikes every tick from tick 0 (V starts at the threshold, V_reset =
    threshold, §10 item 8) feeds a delay core: the first delayed input (d = 17) is seen at
    tick 17, and from then on one weight arrives per tick."""
    net = K.Network()
    src, _, _ = add_lif(net, 1, index_bits=1, v=-50 * S, i_offset=2 * S, v_reset=-50 * S)
    spikes = np.zeros((30, 1), np.uint32)
    net.set_recording(src, spikes=spikes)
    counters = np.zeros((32, 1), np.uint8)
    dly = net.add_delay_core(src, 1, 1, L, counters)
    tgt, _, _ = add_lif(net, 1, index_bits=1)
    stage, r = split(17)
    net.add_incoming(tgt, dly, *delay_rows(1, 1, [(0, stage, word(1000, r, 0, 1))]))
    gsyn = record_gsyn_exc(net, tgt, 1, 30)
    net.run(0, 30)
    assert spikes[:, 0].tolist() == [1] * 30
    x = decay(1000, TAU5_INIT)
    assert gsyn[:17, 0].tolist() == [0] * 17
    assert gsyn[17, 0] == x
    assert gsyn[18, 0] == decay(x, TAU5_DECAY) + x


# ---- payloads --------------------------------------------------------------------------------


def test_duplicate_spikes_are_counted_and_sent_with_their_count():
    """Three events of atom 0 at tick 2: counter 3; stage 1 (tick 18) and stage 2 (tick 34)
    re-send them with payload 3, so each row is processed 3 times."""
    net = K.Network()
    src = net.add_spike_array_core(1, [2, 2, 2], [0, 0, 0])
    counters = np.zeros((64, 1), np.uint8)
    dly = net.add_delay_core(src, 1, 2, L, counters)
    tgt, _, ring = add_lif(net, 2, index_bits=1)
    # neuron 0: d = 20 = stage 1 + r 4; neuron 1: d = 48 = stage 2 + r 16 (field 0)
    assert split(20) == (1, 4) and split(48) == (2, 16)
    net.add_incoming(tgt, dly, *delay_rows(1, 2, [(0, 1, word(1000, 4, 0, 1)),
                                                  (0, 2, word(500, 16, 1, 1))]))
    gsyn = record_gsyn_exc(net, tgt, 2, 60)
    net.run(0, 3)
    assert counters[2, 0] == 3 and np.count_nonzero(counters) == 1
    net.run(3, 16)                          # ticks 3..18: stage 1 sent at tick 18
    assert ring[(((18 + 4) & 15) << 2) | 0] == 3 * 1000
    assert np.count_nonzero(ring) == 1
    net.run(19, 41)
    assert first_input(gsyn) == [(22, decay(3000, TAU5_INIT)), (50, decay(1500, TAU5_INIT))]


def test_poisson_payload_is_counted_and_resent():
    """A fast Poisson source active in tick 2 only (lambda = 5) draws one count there; the
    delay core stores it and re-sends it as one payload, processed count times."""
    seed = [123456789, 362436069, 521288629, 7654321]
    eml = int(math.exp(-5.0) * 2 ** 32)
    count = knuth(list(seed), eml)
    assert count == 7                                 # > 1: a real payload
    net = K.Network()
    srcs = np.zeros(1, K.poisson_dtype("source"))
    srcs["start_tick"], srcs["end_tick"], srcs["next_tick"] = 2, 3, M32
    srcs["is_fast"], srcs["exp_minus_lambda"] = 1, eml
    src = net.add_poisson_core(1, np.array(seed, np.uint32), srcs)
    net.poisson_load(src)
    counts = np.zeros((40, 1), np.uint16)
    net.set_recording(src, spikes=counts)
    counters = np.zeros((64, 1), np.uint8)
    dly = net.add_delay_core(src, 1, 2, L, counters)
    tgt, _, _ = add_lif(net, 3, index_bits=2)
    # neuron 0: on-core d = 3; neuron 1: d = 25 (stage 1, r 9); neuron 2: d = 33 (stage 2, r 1)
    net.add_incoming(tgt, src, *rows([[word(1000, 3, 0, 2)]]))
    net.add_incoming(tgt, dly, *delay_rows(1, 2, [(0, 1, word(1000, 9, 1, 2)),
                                                  (0, 2, word(600, 1, 2, 2))]))
    gsyn = record_gsyn_exc(net, tgt, 3, 40)
    net.run(0, 40)
    assert counts[:, 0].tolist() == [0, 0, count] + [0] * 37
    assert counters[2, 0] == count and np.count_nonzero(counters) == 1
    assert first_input(gsyn) == [(5, decay(count * 1000, TAU5_INIT)),
                                 (27, decay(count * 1000, TAU5_INIT)),
                                 (35, decay(count * 600, TAU5_INIT))]


# ---- saturation ----------------------------------------------------------------------------


def test_counter_saturates_at_255_and_counts_the_lost_spikes():
    """300 spikes of atom 0 and 255 of atom 1 in tick 1: both counters stop at 255, 45
    spikes are lost.  At tick 17 each row is processed 255 times: 255 x 300 saturates the
    ring entry (the 219th add, 65700, is the first above 65535: adds 219..255 = 37
    saturations), 255 x 100 = 25500 does not."""
    net = K.Network()
    src = net.add_spike_array_core(2, [1] * 555, [0, 1] * 255 + [0] * 45)
    counters = np.zeros((32, 2), np.uint8)
    dly = net.add_delay_core(src, 2, 1, L, counters)
    tgt, _, ring = add_lif(net, 2, index_bits=1)
    net.add_incoming(tgt, dly, *delay_rows(2, 1, [(0, 1, word(300, 1, 0, 1)),
                                                  (1, 1, word(100, 1, 1, 1))]))
    net.run(0, 2)
    assert counters[1].tolist() == [255, 255] and np.count_nonzero(counters) == 2
    assert net.saturations(dly) == 45
    assert net.saturations(tgt) == 0 and net.saturations(src) == 0
    assert 218 * 300 <= 65535 < 219 * 300
    net.run(2, 16)                                    # ticks 2..17
    slot = (17 + 1) & 15
    assert ring[(slot << 2) | 0] == 65535 and ring[(slot << 2) | 1] == 25500
    assert net.saturations(tgt) == 255 - 218
    assert net.saturations(dly) == 45
    net.reset_saturations()
    assert net.saturations(dly) == 0 and net.saturations(tgt) == 0


def test_poisson_payload_saturates_the_counter():
    """A Poisson payload is added like that many spikes: a Gaussian-regime source with
    sqrt_lambda = 252.0 draws round((0.5 z + 252)^2) >= round(248.5^2) = 61752 spikes in its
    one active tick (|z| <= 7, §7.2), so the counter stops at 255 and count - 255 are lost;
    the stage re-sends 255."""
    net = K.Network()
    srcs = np.zeros(1, K.poisson_dtype("source"))
    srcs["start_tick"], srcs["end_tick"], srcs["next_tick"] = 1, 2, M32
    srcs["is_fast"], srcs["sqrt_lambda"] = 1, 252 * S
    src = net.add_poisson_core(1, np.array([1, 2, 3, 4], np.uint32), srcs)
    counts = np.zeros((20, 1), np.uint16)
    net.set_recording(src, spikes=counts)
    counters = np.zeros((32, 1), np.uint8)
    dly = net.add_delay_core(src, 1, 1, L, counters)
    tgt, _, ring = add_lif(net, 1, index_bits=1)
    net.add_incoming(tgt, dly, *delay_rows(1, 1, [(0, 1, word(1, 2, 0, 1))]))
    net.run(0, 2)
    count = int(counts[1, 0])
    assert count >= 61752 and counts.sum() == count
    assert counters[1, 0] == 255
    assert net.saturations(dly) == count - 255
    net.run(2, 16)                                    # tick 17: 255 x weight 1
    assert ring[(((17 + 2) & 15) << 2) | 0] == 255
    assert net.saturations(tgt) == 0


@pytest.mark.parametrize("single", [True, False])
@settings(max_examples=100, deadline=None)
@given(entry=st.sampled_from([0, 1, 0xFFFE, 0xFFFF]) | st.integers(0, 0xFFFF),
       weight=st.sampled_from([0, 1, 0xFFFF]) | st.integers(0, 0xFFFF),
       count=st.integers(1, 255))
def test_a_counted_packet_adds_its_word_count_times(single, entry, weight, count):
    """The delay core re-sends `count` spikes of one atom as one packet with payload count
    `count`; its one-word row is added `count` times (§4.1 one add at a time: the entry
    and the saturated adds), whether every row of the block has one word or not."""
    net = K.Network()
    src = net.add_spike_array_core(1, [1] * count, [0] * count)
    counters = np.zeros((64, 1), np.uint8)           # a power of two > 2 stages x L
    dly = net.add_delay_core(src, 1, 2, L, counters)
    tgt, _, ring = add_lif(net, 1, index_bits=1)
    entries = [(0, 1, word(weight, 2, 0, 1))]           # stage 1 + 2 ticks: delay 18
    if not single:
        entries += [(0, 2, word(3, 2, 0, 1)), (0, 2, word(3, 2, 0, 1))]  # never sent
    net.add_incoming(tgt, dly, *delay_rows(1, 2, entries))
    net.run(0, 17)                                    # ticks 0..16: the packet not yet out
    slot_index = ((1 + 18) & 15) << 2
    ring[slot_index] = entry
    net.run(17, 1)                                    # tick 17: stage 1 sends count x atom 0
    total = entry
    saturated = 0
    for _ in range(count):                            # §4.1, one add at a time
        total += weight
        if total >> 16:
            total, saturated = 0xFFFF, saturated + 1
    assert ring[slot_index] == total
    assert net.saturations(tgt) == saturated
    assert net.load_counters(tgt)["synaptic_events"] == count


# ---- state owned by Python -------------------------------------------------------------------


def test_counters_written_by_python_between_runs_are_used():
    """Counters are state: a value written between runs into slot 4 is re-sent at tick
    4 + 16 with that payload."""
    net = K.Network()
    src = net.add_spike_array_core(1, [], [])
    counters = np.zeros((32, 1), np.uint8)
    dly = net.add_delay_core(src, 1, 1, L, counters)
    tgt, _, _ = add_lif(net, 1, index_bits=1)
    net.add_incoming(tgt, dly, *delay_rows(1, 1, [(0, 1, word(1000, 1, 0, 1))]))
    gsyn = record_gsyn_exc(net, tgt, 1, 30)
    net.run(0, 5)                                     # slot 4 was cleared at tick 4
    counters[4, 0] = 2
    net.run(5, 25)
    assert first_input(gsyn) == [(4 + 16 + 1, decay(2000, TAU5_INIT))]
    assert counters[4, 0] == 2                        # cleared only at tick 4 + 32


def test_no_stage_is_sent_before_tick_k_times_stage_length():
    """As the machine (local_time >= delay): stage k reads nothing before tick k L, so a
    counter found in slot n_slots - L at tick 0 is never sent (it is cleared at its tick)."""
    net = K.Network()
    src = net.add_spike_array_core(1, [], [])
    counters = np.zeros((32, 1), np.uint8)
    counters[32 - L, 0] = 5
    dly = net.add_delay_core(src, 1, 1, L, counters)
    tgt, _, _ = add_lif(net, 1, index_bits=1)
    net.add_incoming(tgt, dly, *delay_rows(1, 1, [(0, 1, word(1000, 1, 0, 1))]))
    gsyn = record_gsyn_exc(net, tgt, 1, 40)
    net.run(0, 40)
    assert not gsyn.any()
    assert not counters.any()


# ---- validation ------------------------------------------------------------------------------


def base_network():
    """cores: 0 spike array (2 atoms), 1 neuron (2 atoms), 2 delay core of core 0."""
    net = K.Network()
    net.add_spike_array_core(2, [0], [1])
    add_lif(net, 2, index_bits=1)
    net.add_delay_core(0, 2, MAX_STAGES, L, np.zeros((256, 2), np.uint8))
    return net


def counters(n_slots=256, n_atoms=2, dtype=np.uint8):
    return np.zeros((n_slots, n_atoms), dtype)


BAD_DELAY_CORES = [
    (dict(source=5), r"source: core id 5 out of range \(the network has 3 cores\)"),
    (dict(source=-1), "source: core id -1 out of range"),
    (dict(source=2), "source core 2 is a delay-extension core"),
    (dict(n_atoms=3, counters=counters(n_atoms=3)), "n_atoms = 3 but source core 0 has 2 atoms"),
    (dict(n_stages=0), r"n_stages = 0 must be in 1..256"),
    (dict(n_stages=257, stage_length=1), r"n_stages = 257 must be in 1..256"),
    (dict(stage_length=0), r"stage_length = 0 must be in 1..65536"),
    (dict(stage_length=65537), r"stage_length = 65537 must be in 1..65536"),
    (dict(counters=counters(200)), r"counters has 200 rows \(n_slots\), expected a power of "
                                   r"two > n_stages \* stage_length = 128"),
    (dict(counters=counters(128)), r"counters has 128 rows \(n_slots\), expected a power of "
                                   r"two > n_stages \* stage_length = 128"),
    (dict(counters=counters(0)), r"counters has 0 rows"),
    (dict(counters=counters(n_atoms=3)), r"counters has 3 columns, expected n_atoms = 2"),
    (dict(counters=counters(dtype=np.uint16)), "counters must have dtype uint8"),
    (dict(counters=counters(dtype=np.int8)), "counters must have dtype uint8"),
    (dict(counters=np.zeros(512, np.uint8)), "counters must be 2-dimensional"),
    (dict(counters=np.zeros((2, 256), np.uint8).T), "counters must be C-contiguous"),
    (dict(counters=[[0, 0]] * 256), "counters must be a numpy array"),
    (dict(n_atoms=2.0), "n_atoms must be an integer"),
    (dict(n_stages="8"), "n_stages must be an integer"),
]


@pytest.mark.parametrize("over,message", BAD_DELAY_CORES)
def test_add_delay_core_rejects(over, message):
    net = base_network()
    args = dict(source=0, n_atoms=2, n_stages=MAX_STAGES, stage_length=L, counters=counters())
    args.update(over)
    with pytest.raises(ValueError, match=message):
        net.add_delay_core(**args)
    assert net.n_cores == 3                           # unchanged


def test_add_delay_core_rejects_read_only_counters():
    net = base_network()
    c = counters()
    c.flags.writeable = False
    with pytest.raises(ValueError, match="counters must be writeable"):
        net.add_delay_core(0, 2, MAX_STAGES, L, c)


def test_delay_core_sources_of_every_kind_and_limits():
    net = base_network()
    assert net.add_delay_core(1, 2, 1, 1, counters(2)) == 3           # a neuron core
    p = net.add_poisson_core(3, np.array([1, 2, 3, 4], np.uint32),
                             np.zeros(3, K.poisson_dtype("source")))
    assert net.add_delay_core(p, 3, 256, 1, counters(512, 3)) == p + 1    # a Poisson core
    assert net.add_delay_core(p, 3, 1, 65536, counters(1 << 17, 3)) == p + 2
    net.run(0, 3)


def test_rows_of_a_delay_source_need_n_stages_times_n_atoms_keys():
    net = base_network()
    with pytest.raises(ValueError, match=r"row_offsets has 3 entries, expected "
                                         r"n_keys\(source\) \+ 1 = 17"):
        net.add_incoming(1, 2, *rows([[], []]))
    offsets, words = rows([[] for _ in range(16)])
    net.add_incoming(1, 2, offsets, words)


@pytest.mark.parametrize("call,message", [
    (lambda net: net.add_incoming(2, 0, *rows([[], []])), "target core 2 is not a neuron core"),
    (lambda net: net.set_recording(2, spikes=np.zeros((4, 1), np.uint32)), "records nothing"),
    (lambda net: net.set_recording(2, analog=[(0, np.zeros(2, np.int32), 1, 0,
                                               np.zeros((4, 2), np.int32))]), "records nothing"),
    (lambda net: net.poisson_load(2), "core 2 is not a Poisson core"),
    (lambda net: net.add_current_source(2, "dc", np.zeros(1, K.current_source_dtype("dc")),
                                        [0]), "only be injected into neuron cores"),
])
def test_delay_core_is_not_a_target_nor_recorded(call, message):
    net = base_network()
    with pytest.raises(ValueError, match=message):
        call(net)
    net.set_recording(2)                              # nothing to record: allowed
