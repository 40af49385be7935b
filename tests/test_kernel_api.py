"""The C kernel through its Cython API (pynn_spinn_virtual._kernel).

Expected numbers are derived here from the formulas of spec/kernel.md with Python integers,
never by running the kernel.
"""
import gc
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernel_module import load_kernel


K = load_kernel()

# ---- the spec's integer rules (§1.2, §1.3, §4.1) -------------------------------------------


def wrap32(x):
    return ((x + (1 << 31)) % (1 << 32)) - (1 << 31)


def mulk(a, b):
    return wrap32((a * b) >> 15)          # Python >> on ints is floor


def decay(x, d):
    return (x * d) >> 32


S = 1 << 15                               # 1.0 in s16.15
TAU5_DECAY, TAU5_INIT = 3516421809, 3892727437   # §3.3 table: dt 1, tau 5 (5.x/6.x)
R20, EXP_TC20 = 655360, 31170             # §3.3 LIF check values: dt 1, tau_m 20, cm 1

MODEL = "if_curr_exp"
MEM = K.component_dtype("membrane:lif")
SYN = K.component_dtype("synapse:exponential")
THR = K.component_dtype("threshold:static")


def lif_arrays(n, v=-65 * S, v_rest=-65 * S, i_offset=0, v_reset=-70 * S, t_refract=2,
               threshold=-50 * S):
    mem = np.zeros(n, MEM)
    mem["V_membrane"] = v
    mem["V_rest"] = v_rest
    mem["R_membrane"] = R20
    mem["exp_TC"] = EXP_TC20
    mem["I_offset"] = i_offset
    mem["V_reset"] = v_reset
    mem["T_refract"] = t_refract
    syn = np.zeros(n, SYN)
    syn["exc_decay"] = syn["inh_decay"] = TAU5_DECAY
    syn["exc_init"] = syn["inh_init"] = TAU5_INIT
    thr = np.zeros(n, THR)
    thr["threshold_value"] = threshold
    return {"membrane": mem, "synapse": syn, "input": None, "threshold": thr}


def ring_for(index_bits, type_bits=1, delay_bits=4):
    return np.zeros((1 << delay_bits) << (type_bits + index_bits), np.uint16)


def add_lif(net, n=1, index_bits=None, type_bits=1, delay_bits=4, shifts=(0, 0), **params):
    if index_bits is None:
        index_bits = max(1, (n - 1).bit_length())
    comps = lif_arrays(n, **params)
    ring = ring_for(index_bits, type_bits, delay_bits)
    core = net.add_neuron_core(MODEL, n, 2, index_bits, type_bits, delay_bits,
                               np.array(shifts, np.uint32), comps, ring)
    return core, comps, ring


def word(weight, delay, syn_type, index, index_bits=1, type_bits=1, delay_bits=4):
    return ((weight & 0xFFFF) << 16) | ((delay & ((1 << delay_bits) - 1))
                                        << (index_bits + type_bits)) \
        | (syn_type << index_bits) | index


def rows(row_lists):
    """row_offsets and words (uint32) from one list of words per source atom."""
    offsets = np.zeros(len(row_lists) + 1, np.uint32)
    offsets[1:] = np.cumsum([len(r) for r in row_lists])
    words = np.array([w for r in row_lists for w in r], np.uint32)
    return offsets, words


def record_all(net, core, n_atoms, n_ticks, slots=(0, 1, 2)):
    """Spikes and every analog slot of every neuron, every tick from 0."""
    spikes = np.zeros((n_ticks, (n_atoms + 31) // 32), np.uint32)
    cols = np.arange(n_atoms, dtype=np.int32)
    bufs = [np.zeros((n_ticks, n_atoms), np.int32) for _ in slots]
    net.set_recording(core, spikes=spikes,
                      analog=[(s, cols, 1, 0, b) for s, b in zip(slots, bufs)])
    return spikes, bufs


# ---- registry --------------------------------------------------------------------------------


def test_registry():
    assert MODEL in K.model_names()
    assert K.model_components(MODEL) == ["membrane:lif", "synapse:exponential",
                                         "input:current", "threshold:static"]
    assert K.model_recordables(MODEL) == ["v", "gsyn_exc", "gsyn_inh"]
    assert K.model_n_synapse_types(MODEL) == 2
    assert K.component_fields("membrane:lif") == [
        "V_membrane", "V_rest", "R_membrane", "exp_TC", "I_offset", "refract_timer",
        "V_reset", "T_refract"]
    assert K.component_fields("synapse:exponential") == [
        "exc_decay", "exc_init", "isyn_exc", "inh_decay", "inh_init", "isyn_inh"]
    assert K.component_fields("input:current") == []
    assert K.component_fields("threshold:static") == ["threshold_value"]
    assert K.component_dtype("input:current") is None
    assert MEM.itemsize == 32 and SYN.itemsize == 24 and THR.itemsize == 4
    assert SYN["exc_decay"] == np.uint32 and SYN["isyn_exc"] == np.int32
    for name in K.component_names():
        assert K.component_size(name) == 4 * len(K.component_fields(name))


@pytest.mark.parametrize("call", [
    lambda: K.model_components("IF_cond_exp"),
    lambda: K.model_recordables("nope"),
    lambda: K.model_n_synapse_types(3),
    lambda: K.component_fields("membrane:nope"),
    lambda: K.component_fields("lif"),
])
def test_registry_unknown_names(call):
    with pytest.raises(ValueError, match="unknown|must be a str"):
        call()


# ---- validation: add_neuron_core ---------------------------------------------------------------


def neuron_args(**over):
    args = dict(model=MODEL, n_atoms=3, n_synapse_types=2, index_bits=2, type_bits=1,
                delay_bits=4, shifts=np.zeros(2, np.uint32), components=lif_arrays(3),
                ring=ring_for(2))
    args.update(over)
    return args


def comps_with(**over):
    c = lif_arrays(3)
    c.update(over)
    return c


BAD_NEURON_CORES = [
    (dict(model="IF_curr_alpha"), "unknown model 'IF_curr_alpha'"),
    (dict(n_atoms=0, components=lif_arrays(0)), "n_atoms = 0"),
    (dict(n_atoms=5, components=lif_arrays(5)), r"n_atoms = 5 must be in 1..4"),
    (dict(n_atoms=2.0), "n_atoms must be an integer"),
    (dict(n_synapse_types=3, shifts=np.zeros(3, np.uint32)), "model 'if_curr_exp' has 2"),
    (dict(type_bits=0, ring=ring_for(2, 0)), "does not fit in type_bits = 0"),
    (dict(index_bits=10, delay_bits=6, ring=ring_for(10, 1, 6)), "exceeds 16"),
    (dict(delay_bits=-1), "must be >= 0"),
    (dict(shifts=np.array([0, 17], np.uint32)), r"shifts must be in 0..16"),
    (dict(shifts=np.array([-1, 0])), r"shifts must be in 0..16"),
    (dict(shifts=np.zeros(1, np.uint32)), "shifts has 1 entries, expected n_synapse_types = 2"),
    (dict(shifts=np.array([0.5, 1.0])), "shifts must contain integers"),
    (dict(components=[]), "components must be a dict"),
    (dict(components={k: v for k, v in lif_arrays(3).items() if k != "synapse"}),
     r"components\['synapse'\] \(synapse:exponential\) is missing"),
    (dict(components=comps_with(additional=np.zeros(3, THR))), "unknown keys"),
    (dict(components=comps_with(input=np.zeros(3, THR))), "input:current has no fields"),
    (dict(components=comps_with(threshold=np.zeros(3, np.int32))), "structured array"),
    (dict(components=comps_with(threshold=[0, 0, 0])), "must be a numpy structured array"),
    (dict(components=comps_with(threshold=np.zeros(3, [("thresh", np.int32)]))),
     r"fields \['threshold_value'\]"),
    (dict(components=comps_with(threshold=np.zeros(3, [("threshold_value", np.int64)]))),
     "must be a native int32 or uint32"),
    (dict(components=comps_with(threshold=np.zeros(3, [("threshold_value", ">i4")]))),
     "must be a native int32 or uint32"),
    (dict(components=comps_with(threshold=np.zeros(4, THR))), "length 4, expected n_atoms = 3"),
    (dict(components=comps_with(threshold=np.zeros(6, THR)[::2])), "C-contiguous"),
    (dict(components=comps_with(threshold=np.zeros((3, 1), THR))), "1-dimensional"),
    (dict(components=comps_with(threshold=np.zeros(3, np.dtype(
        {"names": ["threshold_value"], "formats": [np.int32], "itemsize": 8})))),
     "itemsize 8"),
    (dict(components=comps_with(membrane=np.zeros(3, [
        (n, np.int32) for n in K.component_fields("membrane:lif")[::-1]]))), "fields"),
    (dict(ring=np.zeros(2 << 3 << 4, np.uint32)), "ring must have dtype uint16"),
    (dict(ring=ring_for(2)[:-1]), "ring has 127 entries, expected"),
    (dict(ring=np.zeros(256, np.uint16)[::2]), "ring must be C-contiguous"),
    (dict(ring=None), "ring must be a numpy array"),
]


@pytest.mark.parametrize("over, message", BAD_NEURON_CORES)
def test_add_neuron_core_rejects(over, message):
    net = K.Network()
    with pytest.raises(ValueError, match=message):
        net.add_neuron_core(**neuron_args(**over))
    assert net.n_cores == 0


def test_add_neuron_core_rejects_read_only_arrays():
    net = K.Network()
    comps = lif_arrays(3)
    comps["membrane"].flags.writeable = False
    with pytest.raises(ValueError, match=r"components\['membrane'\] must be writeable"):
        net.add_neuron_core(**neuron_args(components=comps))
    ring = ring_for(2)
    ring.flags.writeable = False
    with pytest.raises(ValueError, match="ring must be writeable"):
        net.add_neuron_core(**neuron_args(ring=ring))


def test_add_neuron_core_accepts_input_key_absent_and_various_shift_types():
    net = K.Network()
    comps = lif_arrays(3)
    del comps["input"]
    assert net.add_neuron_core(**neuron_args(components=comps, shifts=[16, 0])) == 0
    assert net.add_neuron_core(**neuron_args(shifts=np.array([3, 4], np.int64))) == 1
    assert net.n_cores == 2


# ---- validation: spike arrays, rows, recording, run ----------------------------------------------


@pytest.mark.parametrize("args, message", [
    ((0, [], []), "n_atoms = 0"),
    ((70000, [], []), "n_atoms = 70000"),
    ((2, [3, 1], [0, 0]), r"ticks must be sorted .*ticks\[1\] = 1 < ticks\[0\] = 3"),
    ((2, [1, 2], [0, 2]), r"indices\[1\] = 2 out of range \(n_atoms = 2\)"),
    ((2, [-1], [0]), r"ticks must be in 0..4294967295"),
    ((2, [1, 2], [0]), "same length"),
    ((2, [1.5], [0]), "ticks must contain integers"),
])
def test_add_spike_array_core_rejects(args, message):
    net = K.Network()
    with pytest.raises(ValueError, match=message):
        net.add_spike_array_core(*args)
    assert net.n_cores == 0


def incoming_net():
    net = K.Network()
    src = net.add_spike_array_core(2, [0], [0])
    tgt, _, _ = add_lif(net, n=3, index_bits=2)
    return net, src, tgt


W = lambda w, d, t, i: word(w, d, t, i, index_bits=2)  # noqa: E731


@pytest.mark.parametrize("target, source, offsets, words, message", [
    (5, 0, [0, 0, 0], [], r"target: core id 5 out of range \(the network has 2 cores\)"),
    (1, -1, [0, 0, 0], [], r"source: core id -1 out of range"),
    (0, 0, [0, 0, 0], [], "target core 0 is not a neuron core"),
    (1, 0, [0, 0], [], r"row_offsets has 2 entries, expected n_keys\(source\) \+ 1 = 3"),
    (1, 0, [], [], "row_offsets is empty"),
    (1, 0, [1, 1, 1], [W(1, 1, 0, 0)], r"row_offsets\[0\] = 1, must be 0"),
    (1, 0, [0, 2, 1], [W(1, 1, 0, 0)] * 2, "non-decreasing"),
    (1, 0, [0, 1, 1], [W(1, 1, 0, 0)] * 2, r"row_offsets\[-1\] = 1 but words has 2"),
    (1, 0, [0, 1, 1], [W(1, 1, 0, 3)], r"words\[0\] = 0x0001000b: neuron index 3 >= target "
                                       r"n_atoms 3"),
    (1, 1, [0, 0, 1], [W(1, 1, 1, 1)], r"row_offsets has 3 entries, expected n_keys\(source\) "
                                       r"\+ 1 = 4"),
])
def test_add_incoming_rejects(target, source, offsets, words, message):
    net, _, _ = incoming_net()
    with pytest.raises(ValueError, match=message):
        net.add_incoming(target, source, np.array(offsets, np.uint32),
                         np.array(words, np.uint32))


def test_add_incoming_rejects_bad_type_and_arrays():
    net = K.Network()
    src = net.add_spike_array_core(1, [0], [0])
    # 3 atoms in 2 index bits, type_bits 2 so that type 2 is representable but invalid
    comps = lif_arrays(3)
    tgt = net.add_neuron_core(MODEL, 3, 2, 2, 2, 4, [0, 0], comps, ring_for(2, 2))
    bad = np.array([(1 << 16) | (2 << 2) | 1], np.uint32)
    with pytest.raises(ValueError, match="synapse type 2 >= n_synapse_types 2"):
        net.add_incoming(tgt, src, np.array([0, 1], np.uint32), bad)
    with pytest.raises(ValueError, match="words must have dtype uint32"):
        net.add_incoming(tgt, src, np.array([0, 1], np.uint32), bad.astype(np.int64))
    with pytest.raises(ValueError, match="row_offsets must be C-contiguous"):
        net.add_incoming(tgt, src, np.array([0, 9, 1, 9], np.uint32)[::2], bad)
    with pytest.raises(ValueError, match="row_offsets must be a numpy array"):
        net.add_incoming(tgt, src, [0, 1], bad)


def rec_net():
    net = K.Network()
    core, _, _ = add_lif(net, n=3, index_bits=2)
    src = net.add_spike_array_core(3, [], [])
    return net, core, src


COLS = np.array([0, -1, 1], np.int32)
BUF = np.zeros((4, 2), np.int32)


@pytest.mark.parametrize("kwargs, message", [
    (dict(core=7), "core: core id 7 out of range"),
    (dict(spikes=np.zeros((4, 2), np.uint32)), "spikes has 2 words per row, expected "
                                               r"ceil\(n_atoms / 32\) = 1"),
    (dict(spikes=np.zeros(4, np.uint32)), "spikes must be 2-dimensional"),
    (dict(spikes=np.zeros((4, 1), np.int32)), "spikes must have dtype uint32"),
    (dict(spikes_first_tick=-1), "spikes_first_tick -1"),
    (dict(analog=[(3, COLS, 1, 0, BUF)]), r"analog\[0\]: slot 3 out of range"),
    (dict(analog=[("u", COLS, 1, 0, BUF)]), r"analog\[0\]: unknown recordable 'u'"),
    (dict(analog=[(0, COLS[:2], 1, 0, BUF)]), r"columns has 2 entries, expected n_atoms = 3"),
    (dict(analog=[(0, np.array([0, 2, 1], np.int32), 1, 0, BUF)]),
     r"columns\[1\] = 2 out of range"),
    (dict(analog=[(0, np.array([0, -2, 1], np.int32), 1, 0, BUF)]),
     r"columns\[1\] = -2 out of range"),
    (dict(analog=[(0, np.array([0, 1, 1], np.int32), 1, 0, BUF)]),
     "column 1 is used by two neurons"),
    (dict(analog=[(0, COLS, 0, 0, BUF)]), r"analog\[0\]: interval 0 must be in"),
    (dict(analog=[(0, COLS, 1, -5, BUF)]), "first_sample_tick -5"),
    (dict(analog=[(0, COLS, 1, 0, BUF.astype(np.int64))]), "buffer must have dtype int32"),
    (dict(analog=[(0, COLS, 1, 0, BUF[:, 0])]), "buffer must be 2-dimensional"),
    (dict(analog=[(0, COLS.astype(np.int64), 1, 0, BUF)]), "columns must have dtype int32"),
    (dict(analog=[(0, COLS, 1)]), r"analog\[0\] must be a tuple"),
    (dict(analog=[(0, COLS, 1, 0, BUF), (1, COLS, 1, 0, np.zeros((4, 1), np.int32))]),
     r"analog\[1\]: columns\[2\] = 1 out of range"),
])
def test_set_recording_rejects(kwargs, message):
    net, core, _ = rec_net()
    kwargs.setdefault("core", core)
    with pytest.raises(ValueError, match=message):
        net.set_recording(**kwargs)


def test_set_recording_rejects_read_only_buffer_and_analog_on_source():
    net, core, src = rec_net()
    buf = BUF.copy()
    buf.flags.writeable = False
    with pytest.raises(ValueError, match="buffer must be writeable"):
        net.set_recording(core, analog=[(0, COLS, 1, 0, buf)])
    with pytest.raises(ValueError, match="unknown recordable"):
        net.set_recording(src, analog=[("v", COLS, 1, 0, BUF)])
    with pytest.raises(ValueError, match="not a neuron core"):
        net.set_recording(src, analog=[(0, COLS, 1, 0, BUF)])
    net.set_recording(src, spikes=np.zeros((2, 1), np.uint32))   # spikes are fine


@pytest.mark.parametrize("start, n, message", [
    (-1, 1, "start_tick=-1"),
    (0, -3, "n_ticks=-3"),
    ((1 << 32) - 1, 2, "<= 2\\^32"),
    (0.5, 1, "start_tick must be an integer"),
])
def test_run_rejects(start, n, message):
    net, _, _ = rec_net()
    with pytest.raises(ValueError, match=message):
        net.run(start, n)


def test_misc_rejects():
    net, _, _ = rec_net()
    with pytest.raises(ValueError, match="core id 2 out of range"):
        net.saturations(2)
    with pytest.raises(ValueError, match="n_threads = -1"):
        net.n_threads = -1
    with pytest.raises(ValueError, match="n_threads = -2"):
        K.Network(n_threads=-2)


# ---- behaviour ---------------------------------------------------------------------------------


def test_empty_and_tiny_networks_run():
    net = K.Network()
    net.run(0, 5)
    assert net.n_cores == 0 and net.tick == 5
    net, core, src = rec_net()
    net.run(0, 3)
    net.run(3, 0)
    assert net.tick == 3
    assert net.n_threads == 0
    net.n_threads = 2
    assert net.n_threads == 2


def test_lif_by_hand():
    """Three steps of §3.1 with I_offset, then a spike, reset and T_refract frozen steps."""
    v0, v_rest, i_off = -65 * S, -65 * S, 2 * S
    net = K.Network()
    threshold = -60 * S
    core, comps, _ = add_lif(net, n=1, v=v0, v_rest=v_rest, i_offset=i_off, t_refract=2,
                             threshold=threshold)
    n_ticks = 12
    spikes, (v_rec, exc_rec, inh_rec) = record_all(net, core, 1, n_ticks)
    net.run(0, n_ticks)

    # the spec's formula, step by step, in exact integers
    expected_v, expected_spike = [], []
    v, timer = v0, 0
    for _ in range(n_ticks):
        expected_v.append(v)                     # recorded v is the pre-update value
        if timer <= 0:
            alpha = mulk(i_off, R20) + v_rest    # I = 0 - 0 + 0 + I_offset
            v = alpha - mulk(EXP_TC20, alpha - v)
        else:
            timer -= 1
        spiked = v >= threshold
        expected_spike.append(spiked)
        if spiked:
            v, timer = -70 * S, 2
    # the first steps, written out: alpha = 2 * 20 - 65 = -25 mV
    assert mulk(i_off, R20) + v_rest == -25 * S
    assert expected_v[1] == -25 * S - mulk(EXP_TC20, -25 * S - v0)
    assert v_rec[:, 0].tolist() == expected_v
    assert exc_rec.sum() == 0 and inh_rec.sum() == 0
    assert [bool(s) for s in spikes[:, 0] & 1] == expected_spike
    assert any(expected_spike)
    first = expected_spike.index(True)
    # frozen at V_reset for exactly T_refract steps after the spike
    assert expected_v[first + 1:first + 4] == [-70 * S] * 3
    assert expected_v[first + 4] != -70 * S
    assert comps["membrane"]["V_membrane"][0] == v
    assert comps["membrane"]["refract_timer"][0] == timer


def test_synaptic_input_arrives_at_tick_s_plus_d():
    """§2.5: a spike stamped s with delay d is in isyn (and recorded gsyn) from tick s + d,
    and in the recorded v from tick s + d + 1."""
    s, d, weight, shift = 3, 5, 1000, 2
    net = K.Network()
    src = net.add_spike_array_core(1, [s], [0])
    core, comps, _ = add_lif(net, n=1, shifts=(shift, 0))
    net.add_incoming(core, src, *rows([[word(weight, d, 0, 0)]]))
    spikes, (v_rec, exc_rec, inh_rec) = record_all(net, core, 1, 12)
    net.run(0, 12)
    isyn = decay(weight << shift, TAU5_INIT)
    gsyn = exc_rec[:, 0].tolist()
    assert gsyn[:s + d] == [0] * (s + d)
    assert gsyn[s + d] == isyn
    assert gsyn[s + d + 1] == decay(isyn, TAU5_DECAY)
    assert gsyn[s + d + 2] == decay(decay(isyn, TAU5_DECAY), TAU5_DECAY)
    assert inh_rec.sum() == 0
    v = v_rec[:, 0].tolist()
    assert v[:s + d + 1] == [-65 * S] * (s + d + 1)
    alpha = mulk(isyn, R20) - 65 * S
    assert v[s + d + 1] == alpha - mulk(EXP_TC20, alpha + 65 * S)


def test_inhibitory_type():
    net = K.Network()
    src = net.add_spike_array_core(1, [0], [0])
    core, comps, _ = add_lif(net, n=2, shifts=(0, 3))
    net.add_incoming(core, src, *rows([[word(500, 1, 1, 1)]]))
    net.run(0, 2)
    isyn = decay(500 << 3, TAU5_INIT)
    assert comps["synapse"]["isyn_inh"].tolist() == [0, decay(isyn, TAU5_DECAY)]
    assert comps["synapse"]["isyn_exc"].tolist() == [0, 0]
    assert comps["membrane"]["V_membrane"][1] < -65 * S


@pytest.mark.parametrize("delay_bits", [4, 3])
def test_max_delay_is_stored_as_zero(delay_bits):
    """A delay of 2^D ticks is stored as field 0 and arrives 2^D ticks later."""
    s, max_delay = 1, 1 << delay_bits
    net = K.Network()
    src = net.add_spike_array_core(1, [s], [0])
    core, comps, _ = add_lif(net, n=1, delay_bits=delay_bits)
    w = word(700, max_delay, 0, 0, delay_bits=delay_bits)
    assert (w >> 2) & (max_delay - 1) == 0
    net.add_incoming(core, src, *rows([[w]]))
    _, (_, exc_rec, _) = record_all(net, core, 1, 2 * max_delay + 4)
    net.run(0, 2 * max_delay + 4)
    arrived = np.flatnonzero(exc_rec[:, 0])
    assert arrived[0] == s + max_delay
    assert exc_rec[s + max_delay, 0] == decay(700, TAU5_INIT)


def test_ring_buffer_saturation():
    """§4.1: entries stick at 65535; every add that overflows is counted."""
    n_events, weight, shift = 4, 30000, 1
    net = K.Network()
    src = net.add_spike_array_core(1, [2] * n_events, [0] * n_events)
    core, comps, ring = add_lif(net, n=1, shifts=(shift, 0))
    net.add_incoming(core, src, *rows([[word(weight, 3, 0, 0)]]))
    net.run(0, 3)                       # ticks 0..2: the weights are in slot 5, not yet read
    slot_index = (5 << 2) | (0 << 1) | 0
    assert ring[slot_index] == 65535
    assert np.count_nonzero(ring) == 1
    # adds 30000, 60000, then 90000 (saturates) and 65535 + 30000 (saturates again)
    assert net.saturations(core) == 2
    assert net.saturations(src) == 0
    net.run(3, 3)                       # tick 5 transfers it
    assert ring[slot_index] == 0
    assert comps["synapse"]["isyn_exc"][0] == decay(decay(65535 << shift, TAU5_INIT),
                                                    TAU5_DECAY)
    net.reset_saturations()
    assert net.saturations(core) == 0


def spec_saturating_adds(entry, weight, count):
    """§4.1 one add at a time: the 17-bit sum, bit 16 set -> the entry sticks at 0xFFFF and
    the add is counted."""
    saturated = 0
    for _ in range(count):
        total = entry + weight
        if total >> 16:
            entry, saturated = 0xFFFF, saturated + 1
        else:
            entry = total
    return entry, saturated


@pytest.mark.parametrize("single", [True, False])
@settings(max_examples=150, deadline=None)
@given(entry=st.sampled_from([0, 1, 0x7FFF, 0xFFFE, 0xFFFF]) | st.integers(0, 0xFFFF),
       weight=st.sampled_from([0, 1, 0xFFFF]) | st.integers(0, 0xFFFF),
       count=st.integers(1, 40))
def test_a_spike_counted_several_times_adds_its_word_that_often(single, entry, weight, count):
    """A source atom listed `count` times in a tick (one key, payload count `count`) meets a
    one-word row: the entry and the saturations of `count` single adds, whether its block
    has only one-word rows (the kernel's own path for them) or also a longer row."""
    net = K.Network()
    src = net.add_spike_array_core(2, [2] * count, [0] * count)
    core, _, ring = add_lif(net, n=1)
    other_row = [word(5, 3, 0, 0)] if single else [word(5, 3, 0, 0), word(5, 3, 0, 0)]
    net.add_incoming(core, src, *rows([[word(weight, 3, 0, 0)], other_row]))
    net.run(0, 2)                       # ticks 0, 1: nothing yet
    slot_index = 5 << 2                 # tick 2 + delay 3, type 0, neuron 0
    ring[slot_index] = entry
    net.run(2, 1)
    expected_entry, expected_saturated = spec_saturating_adds(entry, weight, count)
    assert ring[slot_index] == expected_entry
    assert net.saturations(core) == expected_saturated
    assert net.load_counters(core)["synaptic_events"] == count


def test_shift_16_wraps_negative():
    """§4.1: with shift 16 an entry >= 0x8000 becomes a negative input (not guarded)."""
    net = K.Network()
    src = net.add_spike_array_core(1, [0], [0])
    core, comps, _ = add_lif(net, n=1, shifts=(16, 0))
    comps["synapse"]["exc_init"] = 0xFFFFFFFF
    net.add_incoming(core, src, *rows([[word(0x8000, 1, 0, 0)]]))
    _, (_, exc_rec, _) = record_all(net, core, 1, 2)
    net.run(0, 2)
    assert exc_rec[1, 0] == decay(-(1 << 31), 0xFFFFFFFF) == -(1 << 31)


def test_spike_array_duplicates_and_run_start():
    """A neuron listed twice in a tick is delivered twice; events before start_tick are not
    emitted; runs can start anywhere."""
    net = K.Network()
    src = net.add_spike_array_core(2, [1, 1, 1, 4, 9], [0, 1, 0, 1, 1])
    core, comps, ring = add_lif(net, n=1)
    net.add_incoming(core, src, *rows([[word(100, 2, 0, 0)], [word(7, 2, 0, 0)]]))
    src_spikes = np.zeros((12, 1), np.uint32)
    net.set_recording(src, spikes=src_spikes)
    net.run(0, 2)                                   # ticks 0, 1: slot 3 gets 100 + 7 + 100
    assert ring[3 << 2] == 207
    net.run(5, 6)                                   # skips the event of tick 4
    assert src_spikes[:, 0].tolist() == [0, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0]
    assert ring[11 << 2] == 7                       # the tick-9 event, delay 2


def test_recording_windows():
    """Spike rows from spikes_first_tick; analog samples every `interval` ticks from
    first_sample_tick for n_samples rows, only for neurons with a column."""
    net = K.Network()
    n = 40
    core, comps, _ = add_lif(net, n=n, index_bits=6, i_offset=20 * S, threshold=-60 * S,
                             t_refract=0)
    comps["membrane"]["I_offset"][::2] = 0          # odd neurons fire every tick
    spikes = np.zeros((3, 2), np.uint32)
    cols = np.full(n, -1, np.int32)
    cols[33], cols[2] = 0, 1
    buf = np.full((3, 2), 12345, np.int32)
    net.set_recording(core, spikes=spikes, spikes_first_tick=4,
                      analog=[("v", cols, 3, 2, buf)])
    net.run(0, 20)
    odd = sum(1 << i for i in range(1, 32, 2))
    assert spikes[:, 0].tolist() == [odd] * 3
    assert spikes[:, 1].tolist() == [0b10101010] * 3
    # samples at ticks 2, 5, 8; neuron 2 stays at rest, neuron 33 is reset every tick
    assert buf[:, 1].tolist() == [-65 * S] * 3
    assert buf[:, 0].tolist() == [-70 * S] * 3
    net.clear_recording()
    spikes[:] = 0
    buf[:] = 0
    net.run(20, 5)
    assert not spikes.any() and not buf.any()


def test_neuron_to_neuron_and_multiple_blocks():
    """Neuron spikes of tick t reach another core at t + d; two blocks from the same source
    both deliver."""
    net = K.Network()
    a, ca, _ = add_lif(net, n=2, i_offset=20 * S, threshold=-60 * S, t_refract=100)
    ca["membrane"]["I_offset"][1] = 0               # only neuron 0 of core a fires
    b, cb, _ = add_lif(net, n=1)
    net.add_incoming(b, a, *rows([[word(1000, 2, 0, 0)], [word(1, 1, 0, 0)]]))
    net.add_incoming(b, a, *rows([[word(10, 2, 0, 0)], []]))
    spikes_a = np.zeros((6, 1), np.uint32)
    net.set_recording(a, spikes=spikes_a)
    _, (_, exc_rec, _) = record_all(net, b, 1, 6)
    net.run(0, 6)
    assert spikes_a[:, 0].tolist() == [1, 0, 0, 0, 0, 0]   # spiked in tick 0 only
    assert exc_rec[:, 0].tolist()[:2] == [0, 0]
    assert exc_rec[2, 0] == decay(1010, TAU5_INIT)


def test_network_keeps_array_references():
    net = K.Network()

    def build():
        src = net.add_spike_array_core(1, np.arange(0, 50, dtype=np.uint32),
                                       np.zeros(50, np.uint32))
        core, _, _ = add_lif(net, n=1)
        net.add_incoming(core, src, *rows([[word(2000, 1, 0, 0)]]))
        record_all(net, core, 1, 50)

    build()
    gc.collect()
    for _ in range(20):                             # churn the allocator
        np.ones(1 << 16, np.uint8)
    net.run(0, 50)
    net.set_recording(1)                            # replaces (drops) the recording
    gc.collect()
    net.run(50, 10)


@pytest.mark.skipif(not K.BOUNDS_CHECKS, reason="only the sanitizer build checks bounds")
def test_bounds_checks_abort_on_rows_changed_after_checking():
    """Rows are checked when added; the sanitizer build also asserts in the time loop."""
    import subprocess
    import sys
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "import numpy as np, test_kernel_api as t\n"
        "net = t.K.Network(n_threads=1)\n"
        "src = net.add_spike_array_core(1, [0], [0])\n"
        "core, _, _ = t.add_lif(net, n=3, index_bits=2)\n"
        "offsets, words = t.rows([[t.word(1, 1, 0, 2, index_bits=2)]])\n"
        "net.add_incoming(core, src, offsets, words)\n"
        "words[0] |= 3\n"
        "net.run(0, 2)\n" % os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert "kernel bounds check failed" in result.stderr


def test_ctrl_c_stops_at_a_tick_boundary():
    """run() checks for signals every RUN_CHUNK ticks; the state is then at tick net.tick."""
    import _thread
    import threading
    net = K.Network(n_threads=1)
    core, comps, _ = add_lif(net, n=64, index_bits=6, i_offset=20 * S)
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            net.run(7, (1 << 32) - 8)
    finally:
        timer.cancel()
    reached = net.tick
    assert 7 < reached < (1 << 32) - 1
    assert (reached - 7) % K.RUN_CHUNK == 0
    net.run(reached, 3)                             # continues from there
    assert net.tick == reached + 3


def test_network_cannot_change_while_running_in_another_thread():
    import threading
    import time
    net = K.Network(n_threads=1)
    add_lif(net, n=256, index_bits=8)
    n_ticks = 100_000                               # about 0.2 s, 50 chunks
    worker = threading.Thread(target=net.run, args=(0, n_ticks))
    checked = False
    worker.start()
    try:
        while net.tick == 0:
            time.sleep(0.0005)
        if net.tick < n_ticks:                      # still running (always, in practice)
            checked = True
            with pytest.raises(RuntimeError, match="running"):
                net.add_spike_array_core(1, [], [])
            with pytest.raises(RuntimeError, match="running"):
                net.run(0, 1)
    finally:
        worker.join()
    assert net.tick == n_ticks
    net.add_spike_array_core(1, [], [])
    if not checked:
        pytest.skip("the run finished before the main thread could try")
