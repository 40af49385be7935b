"""STDP in the C kernel (spec/kernel.md §6, §4.2, §5.2; profile 6 = sPyNNaker 5.x/6.x).

Every expected number is worked out here by hand from §6 with Python integers (the helpers
below are the formulas of §1.3/§6.2-§6.4 written out, applied to explicitly listed trace
terms), never by running the kernel.

Set-up used throughout: the post-synaptic core is IF_curr_delta with exp_TC = 0, R = 1 and
input scale 1, so V = V_rest + exc - inh every tick: a driver spike-source array (static row,
delay 1, weight 1000 << 10 = 31.25 mV on type 0) makes post neuron j spike exactly at the
ticks we list, and nothing else does.  Plastic synapses are on type 1 (inhibitory, ring shift
0: at most 2 mV), so they never cause or prevent a post spike.
"""
import math
import os

import numpy as np
import pytest

from kernel_module import delta_core as _delta_core, load_kernel


K = load_kernel()
S = 1 << 15
IB = 2                 # index bits of the target core (up to 4 post neurons), T = 1, D = 4
ONE = 2048             # STDP fixed point 1.0 (11 fraction bits)


# ---- §1.3 / §6 arithmetic by hand --------------------------------------------------------------

def s16(x):
    """The low 16 bits as a signed value (int16 wrap)."""
    x &= 0xFFFF
    return x - 0x10000 if x >= 0x8000 else x


def smulbb(a, b):
    return s16(a) * s16(b)


def mul(a, b):
    """STDP fixed-point multiply: smulbb(a, b) >> 11 (arithmetic)."""
    return smulbb(a, b) >> 11


def lut_6x(tau, dt=1.0):
    """§6.2, 6.x: size = 2 ceil((ln(2048)/lambda)/2), values[i] = floor(2048 exp(-i lambda))."""
    lam = dt / tau
    size = 2 * math.ceil((math.log(2048) / lam) / 2)
    return [int(math.floor(2048 * math.exp(-i * lam))) for i in range(size)]


LP = lut_6x(16.7)      # tau_plus
LM = lut_6x(33.7)      # tau_minus


def lp(d):
    return LP[d] if 0 <= d < len(LP) else 0


def lm(d):
    return LM[d] if 0 <= d < len(LM) else 0


def trace_after(prev, delta, table):
    """A trace at a new spike: (smulbb(prev, LUT(delta)) >> 11) + 2048, as int16."""
    return s16(mul(prev, table(delta)) + ONE)


def additive(w, pots, deps, w_min=0, w_max=4000, a2p=400, a2m=480):
    """§6.4 5.x/6.x additive: sum the terms, apply once, clamp once, low 16 bits."""
    w = w + mul(sum(pots), a2p) - mul(sum(deps), a2m)
    return min(w_max, max(w, w_min)) & 0xFFFF


def asr(x, n):
    """ARM ASR by a register: only the bottom byte counts, >= 32 fills with the sign."""
    n &= 0xFF
    return (-1 if x < 0 else 0) if n >= 32 else x >> n


def multiplicative(w, pots, deps, w_min=0, w_max=4000, a2p=3277, a2m=3932, shift=0):
    """§6.4 5.x/6.x multiplicative: per event (potentiations of the window first, then the
    depression), scale = smulbb(...) >> (15 - ring shift), no clamp, low 16 bits."""
    n = (16 - (shift + 1)) & 0xFFFFFFFF
    for p in pots:
        w += mul(asr(smulbb(w_max - w, a2p), n), p)
    for d in deps:
        w -= mul(asr(smulbb(w - w_min, a2m), n), d)
    return w & 0xFFFF


RULES = {"additive": additive, "multiplicative": multiplicative}
PARAMS = {"additive": dict(w_min=0, w_max=4000, a2p=400, a2m=480),
          "multiplicative": dict(w_min=0, w_max=4000, a2p=3277, a2m=3932)}


def ring_index(tick, syn_type, neuron):
    """§4.1 with D = 4, T = 1, N = IB."""
    return ((tick & 15) << (1 + IB)) | (syn_type << IB) | neuron


def control(field, neuron, syn_type=1):
    """§4.2 plastic control half-word: delay << (N + T) | type << N | index."""
    return (field << (IB + 1)) | (syn_type << IB) | neuron


# ---- the harness -------------------------------------------------------------------------------

def rows(lists, dtype):
    offsets = np.zeros(len(lists) + 1, np.uint32)
    offsets[1:] = np.cumsum([len(r) for r in lists])
    return offsets, np.array([x for r in lists for x in r], dtype)


def delta_core(net, n, shifts=(10, 0)):
    return _delta_core(K, net, n, shifts, index_bits=IB)


class Stdp:
    """pre_events: (tick, atom); post_ticks[j]: ticks at which post neuron j spikes;
    synapses: (key, post neuron, delay field, initial weight), keys = pre atoms, or with
    stages > 0 the keys of a delay core (stage - 1) * n_pre + atom."""

    def __init__(self, pre_events, post_ticks, synapses, timing="pair", weight="additive",
                 backprop=True, params=None, n_pre=1, stages=0, shifts=(10, 0), n_threads=1):
        p = dict(PARAMS[weight], **(params or {}))
        self.net = net = K.Network(n_threads=n_threads)
        pre_events = sorted(pre_events)
        self.pre = net.add_spike_array_core(n_pre, [t for t, _ in pre_events],
                                            [a for _, a in pre_events])
        n_post = len(post_ticks)
        drive = sorted((t - 1, j) for j, ticks in enumerate(post_ticks) for t in ticks)
        self.driver = net.add_spike_array_core(n_post, [t for t, _ in drive],
                                               [j for _, j in drive])
        self.target, _, self.ring = delta_core(net, n_post, shifts)
        static = [[((1000 << 16) | control(1, j, 0))] for j in range(n_post)]
        net.add_incoming(self.target, self.driver, *rows(static, np.uint32))
        source, n_keys = self.pre, n_pre
        if stages:
            self.counters = np.zeros((1 << (16 * stages).bit_length(), n_pre), np.uint8)
            source = net.add_delay_core(self.pre, n_pre, stages, 16, self.counters)
            n_keys = stages * n_pre
        self.history = np.zeros(n_post, K.stdp_history_dtype())
        net.set_plasticity(self.target, timing, weight, LP, LM, [p["w_min"]] * 2,
                           [p["w_max"]] * 2, [p["a2p"]] * 2, [p["a2m"]] * 2, backprop,
                           self.history)
        lists = [[] for _ in range(n_keys)]
        for key, post, field, w in synapses:
            lists[key].append((post, field, w))
        self.offsets = np.zeros(n_keys + 1, np.uint32)
        self.offsets[1:] = np.cumsum([len(r) for r in lists])
        flat = [s for r in lists for s in r]
        self.controls = np.array([control(f, j) for j, f, _ in flat], np.uint16)
        self.weights = np.array([w for _, _, w in flat], np.uint16)
        self.row_state = np.zeros(n_keys, K.stdp_row_state_dtype())
        net.add_plastic_incoming(self.target, source, self.offsets, self.controls,
                                 self.weights, self.row_state)
        self.spikes = np.zeros((200, 1), np.uint32)
        net.set_recording(self.target, spikes=self.spikes)
        self.tick = 0

    def run_to(self, last_tick):
        """Runs up to and including `last_tick`."""
        self.net.run(self.tick, last_tick + 1 - self.tick)
        self.tick = last_tick + 1

    def post_spike_ticks(self, j):
        return [t for t in range(self.tick) if (self.spikes[t, 0] >> j) & 1]

    def history_of(self, j):
        h = self.history[j]
        n = int(h["n_events"])
        return [(int(h["times"][i]), int(h["traces"][i])) for i in range(n + 1)]


# ---- pair rule: potentiation, depression, the new weight in the ring ---------------------------

@pytest.mark.parametrize("weight", ["additive", "multiplicative"])
def test_pre_post_pre_potentiates_then_depresses(weight):
    """Pre spikes at 10 and 30, a post spike at 15, delay 1 (dd = 1).  At 10 the window (0, 9]
    is empty and prev is the sentinel: nothing changes.  At 30 the window (9, 29] holds the post
    spike: potentiation with the pre trace 2048 at Δ = 15 + 1 - 10 = 6, then depression against
    it at Δ = 30 - 16 = 14 with its trace 2048."""
    rule, p = RULES[weight], PARAMS[weight]
    net = Stdp([(10, 0), (30, 0)], [[15]], [(0, 0, 1, 1000)], weight=weight)
    net.run_to(10)
    assert net.weights.tolist() == [1000]
    assert net.row_state.tolist() == [(10, ONE)]          # r = (0 * LUT >> 11) + 2048
    assert net.ring[ring_index(11, 1, 0)] == 1000
    net.run_to(30)
    assert net.post_spike_ticks(0) == [15]
    assert net.history_of(0) == [(0, 0), (15, trace_after(0, 15, lm))]
    assert trace_after(0, 15, lm) == ONE
    pot, dep = mul(ONE, lp(6)), mul(ONE, lm(14))
    expected = rule(1000, [pot], [dep], **p)
    assert expected != 1000
    assert net.weights.tolist() == [expected]
    # the spike of tick 30 delivered the NEW weight, into slot 30 + 1
    assert net.ring[ring_index(31, 1, 0)] == expected
    assert net.row_state.tolist() == [(30, trace_after(ONE, 20, lp))]
    assert net.net.saturations(net.target) == 0 and net.net.plastic_saturations(net.target) == 0


@pytest.mark.parametrize("weight", ["additive", "multiplicative"])
def test_post_then_pre_depresses(weight):
    """Post at 5, first pre at 10 (dd = 1): the window (0, 9] holds the post spike; the
    potentiation term is 0 (the row's pre trace is still 0), the depression is against it at
    Δ = 10 - (5 + 1) = 4."""
    rule, p = RULES[weight], PARAMS[weight]
    net = Stdp([(10, 0)], [[5]], [(0, 0, 1, 1000)], weight=weight)
    net.run_to(10)
    expected = rule(1000, [0], [mul(ONE, lm(4))], **p)
    assert expected < 1000
    assert net.weights.tolist() == [expected]
    assert net.ring[ring_index(11, 1, 0)] == expected


def test_weights_change_only_when_a_pre_spike_arrives():
    """After the pre spike at 30, post spikes at 35, 40, 45 only enter the history; the stored
    weight changes again only at the next pre spike (70), which potentiates with each of them
    and depresses against the last."""
    net = Stdp([(10, 0), (30, 0), (70, 0)], [[15, 35, 40, 45]], [(0, 0, 1, 1000)])
    net.run_to(30)
    w30 = additive(1000, [mul(ONE, lp(6))], [mul(ONE, lm(14))])
    assert net.weights.tolist() == [w30]
    net.run_to(69)
    assert net.weights.tolist() == [w30]
    o15 = ONE
    o35 = trace_after(o15, 20, lm)
    o40 = trace_after(o35, 5, lm)
    o45 = trace_after(o40, 5, lm)
    assert net.history_of(0) == [(0, 0), (15, o15), (35, o35), (40, o40), (45, o45)]
    net.run_to(70)
    r30 = trace_after(ONE, 20, lp)
    pots = [mul(r30, lp(36 - 30)), mul(r30, lp(41 - 30)), mul(r30, lp(46 - 30))]
    expected = additive(w30, pots, [mul(o45, lm(70 - 46))])
    assert net.weights.tolist() == [expected]
    assert net.ring[ring_index(71, 1, 0)] == expected


def test_history_overflow_drops_the_oldest():
    """17 post spikes between the pre spikes at 2 and 60: the history keeps the sentinel and
    the 15 newest (the oldest two were dropped and never potentiate); traces follow the full
    sequence (each decays the newest entry's)."""
    posts = list(range(5, 38, 2))
    assert len(posts) == 17
    net = Stdp([(2, 0), (60, 0)], [posts], [(0, 0, 1, 1000)])
    net.run_to(59)
    traces, o, last = [], 0, 0
    for t in posts:
        o = trace_after(o, t - last, lm)
        traces.append(o)
        last = t
    assert net.history_of(0) == [(0, 0)] + list(zip(posts[2:], traces[2:]))
    assert net.weights.tolist() == [1000]                 # at tick 2 the window was empty
    net.run_to(60)
    pots = [mul(ONE, lp(p + 1 - 2)) for p in posts[2:]]
    expected = additive(1000, pots, [mul(traces[-1], lm(60 - 38))])
    with_dropped = additive(1000, [mul(ONE, lp(p + 1 - 2)) for p in posts],
                            [mul(traces[-1], lm(60 - 38))])
    assert expected != with_dropped
    assert net.weights.tolist() == [expected]


# ---- clamping ---------------------------------------------------------------------------------

def test_additive_clamps_once_per_update():
    """w0 = 3900, w_max = 4000: the potentiation alone would exceed w_max, but the terms are
    summed and the result clamped once, so the depression of the same update is subtracted
    from the unclamped sum (a per-event clamp, as in 7.x, would give 4000 - D)."""
    a2 = dict(a2p=1000, a2m=1000)
    net = Stdp([(10, 0), (30, 0)], [[15]], [(0, 0, 1, 3900)], params=a2)
    net.run_to(30)
    pot, dep = mul(mul(ONE, lp(6)), 1000), mul(mul(ONE, lm(14)), 1000)
    assert 3900 + pot > 4000 and 3900 + pot - dep < 4000
    assert net.weights.tolist() == [3900 + pot - dep]
    assert net.weights[0] != 4000 - dep


@pytest.mark.parametrize("w0,w_min,a2p,a2m,expected", [
    (3900, 0, 1000, 0, 4000),          # clamped at w_max
    (100, 0, 0, 1000, 0),              # clamped at w_min
    (100, 50, 0, 1000, 50),
])
def test_additive_clamps_at_w_min_and_w_max(w0, w_min, a2p, a2m, expected):
    params = dict(w_min=w_min, a2p=a2p, a2m=a2m)
    net = Stdp([(10, 0), (30, 0)], [[15]], [(0, 0, 1, w0)], params=params)
    net.run_to(30)
    assert additive(w0, [mul(ONE, lp(6))], [mul(ONE, lm(14))], **params) == expected
    assert net.weights.tolist() == [expected]
    assert net.ring[ring_index(31, 1, 0)] == expected


@pytest.mark.parametrize("w0,params", [
    (5000, dict(a2p=0, a2m=0)),                  # above w_max: stays (additive: 4000)
    (100, dict(w_max=60000, a2p=32767)),         # w_max - w wraps in smulbb: w goes < 0
])
def test_multiplicative_does_not_clamp(w0, params):
    """Nothing clamps a multiplicative update, and the weight_t cast keeps the low 16 bits:
    a weight above w_max stays there; with w_max - w > 32767 smulbb sees a negative value,
    the potentiation drives w below 0, the depression (w - w_min < 0) pushes it back up a
    little, and the stored weight is the low 16 bits of the negative result."""
    net = Stdp([(10, 0), (30, 0)], [[15]], [(0, 0, 1, w0)], weight="multiplicative",
               params=params)
    net.run_to(30)
    p = dict(PARAMS["multiplicative"], **params)
    expected = multiplicative(w0, [mul(ONE, lp(6))], [mul(ONE, lm(14))], **p)
    assert expected > 4000
    assert net.weights.tolist() == [expected]
    assert net.ring[ring_index(31, 1, 0)] == expected


@pytest.mark.parametrize("shift", [0, 3, 15, 16])
def test_multiplicative_shift_is_15_minus_the_ring_shift(shift):
    """scale = smulbb(w - w_min, a2-) >> (16 - (shift + 1)); a ring shift of 16 gives a
    'shift' of 0xFFFFFFFF, which ARM's ASR treats as >= 32 (sign fill: 0 here)."""
    net = Stdp([(10, 0)], [[5]], [(0, 0, 1, 3000)], weight="multiplicative",
               shifts=(10, shift))
    net.run_to(10)
    expected = multiplicative(3000, [0], [mul(ONE, lm(4))], shift=shift)
    if shift == 16:
        assert expected == 3000
    elif shift < 15:
        assert expected < 3000
    assert net.weights.tolist() == [expected]


def test_additive_smulbb_uses_the_low_16_bits():
    """a2+ = 400 + 65536 acts as 400; a2+ = 65536 - 1000 acts as -1000 (potentiation
    depresses)."""
    dep = mul(mul(ONE, lm(14)), 480)
    for a2p, like in ((400 + 65536, 400), (65536 - 1000, -1000)):
        net = Stdp([(10, 0), (30, 0)], [[15]], [(0, 0, 1, 2000)], params=dict(a2p=a2p))
        net.run_to(30)
        expected = 2000 + (mul(ONE, lp(6)) * like >> 11) - dep
        assert 0 < expected < 4000
        assert net.weights.tolist() == [expected]
    assert expected < 2000 - dep


# ---- dendritic delay and backprop_delay --------------------------------------------------------

def test_backprop_delay_shifts_the_windows():
    """Delay 5, pre at 10 and 30, post at 8.
    backprop True (dd = 5): at 10 the window is (0, 5]: the post spike (8) is later, prev is
    the sentinel, nothing happens; at 30 the window (5, 25] holds it: potentiation at
    Δ = 8 + 5 - 10 = 3, depression at Δ = 30 - 13 = 17.
    backprop False (dd = 0): at 10 the window (0, 10] holds it: potentiation term 0 (pre trace
    0), depression at Δ = 2; at 30 the window (10, 30] is empty and prev is the post spike:
    depression again at Δ = 22."""
    net = Stdp([(10, 0), (30, 0)], [[8]], [(0, 0, 5, 1000)], backprop=True)
    net.run_to(10)
    assert net.weights.tolist() == [1000]
    net.run_to(30)
    assert net.weights.tolist() == [additive(1000, [mul(ONE, lp(3))], [mul(ONE, lm(17))])]
    assert net.ring[ring_index(35, 1, 0)] == net.weights[0]

    net = Stdp([(10, 0), (30, 0)], [[8]], [(0, 0, 5, 1000)], backprop=False)
    net.run_to(10)
    w10 = additive(1000, [0], [mul(ONE, lm(2))])
    assert net.weights.tolist() == [w10]
    net.run_to(30)
    assert net.weights.tolist() == [additive(w10, [], [mul(ONE, lm(22))])]


def test_post_spike_of_the_same_tick_is_in_the_history():
    """A post spike at tick 30 and a pre row processed at tick 30: phase A (post event) runs
    before phase B (rows).  With dd = 0 the window (10, 30] contains it: potentiation at
    Δ = 20 and depression at Δ = 0 (LUT-[0] = 2048).  With dd = 1 the window is (9, 29]: no
    post event, prev is the sentinel, the weight is unchanged."""
    net = Stdp([(10, 0), (30, 0)], [[30]], [(0, 0, 1, 1000)], backprop=False)
    net.run_to(30)
    assert lm(0) == ONE
    assert net.weights.tolist() == [additive(1000, [mul(ONE, lp(20))], [mul(ONE, ONE)])]
    net = Stdp([(10, 0), (30, 0)], [[30]], [(0, 0, 1, 1000)], backprop=True)
    net.run_to(30)
    assert net.post_spike_ticks(0) == [30]
    assert net.weights.tolist() == [1000]


# ---- nearest pair ------------------------------------------------------------------------------

@pytest.mark.parametrize("weight", ["additive", "multiplicative"])
def test_nearest_pair(weight):
    """Pre at 10 and 30, posts at 14 and 16, dd = 1.  At 30, window (9, 29]: post 14
    potentiates with LUT+(15 - 10) (its Δ to the previous post event, the sentinel's time 0,
    is not smaller); post 16 has Δpre = 7 but Δ to post 14 is 17 - 14 = 3 < 7: term 0.
    Depression against post 16 with LUT-(30 - 17) directly (no traces)."""
    rule, p = RULES[weight], PARAMS[weight]
    net = Stdp([(10, 0), (30, 0)], [[14, 16]], [(0, 0, 1, 1000)], timing="nearest_pair",
               weight=weight)
    net.run_to(10)
    assert net.weights.tolist() == [1000]
    net.run_to(30)
    assert net.weights.tolist() == [rule(1000, [lp(5), 0], [lm(13)], **p)]
    assert net.history_of(0) == [(0, 0), (14, 0), (16, 0)]     # no traces
    assert net.row_state.tolist() == [(30, 0)]                  # prev_time only


def test_nearest_pair_first_pre_spike_pairs_with_time_zero():
    """The row header starts at prev_time 0, so a post spike before the first pre spike is
    potentiated as if a pre spike had happened at tick 0 (LUT+(4 + 1 - 0)), then depressed
    against (LUT-(10 - 5)); the pair rule hides this with its zero trace."""
    net = Stdp([(10, 0)], [[4]], [(0, 0, 1, 1000)], timing="nearest_pair")
    net.run_to(10)
    assert net.weights.tolist() == [additive(1000, [lp(5)], [lm(5)])]
    net = Stdp([(10, 0)], [[4]], [(0, 0, 1, 1000)], timing="pair")
    net.run_to(10)
    assert net.weights.tolist() == [additive(1000, [0], [mul(ONE, lm(5))])]


# ---- through a delay extension -----------------------------------------------------------------

def test_plastic_row_through_a_delay_core():
    """Pre spikes at 3 and 40 through a 1-stage delay core (16 ticks): the stage-1 row is
    processed at 19 and 56, which is the pre time STDP sees.  Post neuron 0: delay 20 =
    16 + field 4 (dd = 4); post neuron 1: delay 32 = 16 + 16, field 0, so dd = 0 (6.0 reads the
    4-bit field) while its weight still lands 16 ticks later.  Both post neurons spike at 12
    and 30."""
    net = Stdp([(3, 0), (40, 0)], [[12, 30], [12, 30]], [(0, 0, 4, 1000), (0, 1, 0, 1000)],
               stages=1)
    net.run_to(19)
    w0 = additive(1000, [0], [mul(ONE, lm(19 - 16))])
    w1 = additive(1000, [0], [mul(ONE, lm(19 - 12))])
    assert net.weights.tolist() == [w0, w1]
    assert net.row_state.tolist() == [(19, ONE)]
    assert net.ring[ring_index(19 + 4, 1, 0)] == w0
    assert net.ring[ring_index(19 + 16, 1, 1)] == w1           # slot 3, read at tick 35
    net.run_to(56)
    o30 = trace_after(ONE, 18, lm)
    w0b = additive(w0, [mul(ONE, lp(34 - 19))], [mul(o30, lm(56 - 34))])
    w1b = additive(w1, [mul(ONE, lp(30 - 19))], [mul(o30, lm(56 - 30))])
    assert net.weights.tolist() == [w0b, w1b]
    assert net.row_state.tolist() == [(56, trace_after(ONE, 56 - 19, lp))]
    assert net.ring[ring_index(56 + 4, 1, 0)] == w0b


def test_payload_count_processes_the_row_that_many_times():
    """Atom 0 spikes twice at tick 3: the delay core's counter is 2 and its packet (payload 2)
    makes the row be processed twice at tick 19.  Pass 1: depression against post 12 at
    Δ = 19 - 16 = 3.  Pass 2: last pre time 19, window (15, 15] empty, prev = post 12 again:
    the same depression on the new weight; the pre trace becomes 2048 * LUT+[0] / 2048 + 2048.
    The ring gets both new weights.  Two separate spikes at tick 19 on the core give the same."""
    dep = mul(ONE, lm(3))
    w1 = additive(1000, [0], [dep])
    w2 = additive(w1, [], [dep])
    net = Stdp([(3, 0), (3, 0)], [[12]], [(0, 0, 4, 1000)], stages=1)
    net.run_to(19)
    assert net.counters[3, 0] == 2
    assert net.weights.tolist() == [w2]
    assert net.ring[ring_index(23, 1, 0)] == w1 + w2
    assert net.row_state.tolist() == [(19, trace_after(ONE, 0, lp))]
    assert trace_after(ONE, 0, lp) == 2 * ONE
    direct = Stdp([(19, 0), (19, 0)], [[12]], [(0, 0, 4, 1000)])
    direct.run_to(19)
    assert direct.weights.tolist() == [w2]
    assert direct.ring[ring_index(23, 1, 0)] == w1 + w2


# ---- saturation, several synapses, mixed blocks -------------------------------------------------

def test_plastic_saturation_is_counted():
    """Two plastic synapses of one row onto the same neuron and slot, 40000 each: the second
    add saturates (counted in saturations and plastic_saturations)."""
    params = dict(w_max=65535, a2p=0, a2m=0)
    net = Stdp([(10, 0)], [[]], [(0, 0, 1, 40000), (0, 0, 1, 40000)], params=params)
    net.run_to(10)
    assert net.ring[ring_index(11, 1, 0)] == 0xFFFF
    assert net.net.saturations(net.target) == 1
    assert net.net.plastic_saturations(net.target) == 1
    net.net.reset_saturations()
    assert net.net.plastic_saturations(net.target) == 0


def test_several_rows_and_synapses_each_keep_their_state():
    """Two pre atoms with their own headers; atom 0 has two synapses onto different post
    neurons with different delays."""
    net = Stdp([(10, 0), (12, 1), (30, 0), (31, 1)], [[15], [20]],
               [(0, 0, 1, 1000), (0, 1, 3, 1500), (1, 1, 2, 2000)], n_pre=2)
    net.run_to(31)
    # atom 0 -> post 0 (dd 1): window (9, 29] holds 15
    e0 = additive(1000, [mul(ONE, lp(16 - 10))], [mul(ONE, lm(30 - 16))])
    # atom 0 -> post 1 (dd 3): window (7, 27] holds 20
    e1 = additive(1500, [mul(ONE, lp(23 - 10))], [mul(ONE, lm(30 - 23))])
    # atom 1 -> post 1 (dd 2): window (10, 29] holds 20
    e2 = additive(2000, [mul(ONE, lp(22 - 12))], [mul(ONE, lm(31 - 22))])
    assert net.weights.tolist() == [e0, e1, e2]
    assert net.row_state.tolist() == [(30, trace_after(ONE, 20, lp)),
                                      (31, trace_after(ONE, 19, lp))]


# ---- persistence, reset, determinism ------------------------------------------------------------

def scenario(n_threads=1):
    return Stdp([(t, a) for a in range(3) for t in range(2 + a, 120, 7 + 2 * a)],
                [list(range(5, 120, 4)), list(range(9, 120, 11)), [50, 51, 52, 53]],
                [(0, 0, 1, 1000), (0, 1, 7, 2000), (1, 2, 0, 3000), (2, 0, 16 & 15, 500),
                 (2, 2, 3, 3500), (1, 1, 9, 100)], n_pre=3, n_threads=n_threads)


def state_of(net):
    return (net.weights.copy(), net.row_state.copy(), net.history.copy(), net.ring.copy(),
            net.spikes.copy())


def test_split_runs_and_thread_counts_give_the_same_result():
    whole = scenario()
    whole.run_to(119)
    expected = state_of(whole)
    assert not np.array_equal(whole.weights, [1000, 2000, 3000, 500, 3500, 100])
    for n_threads, cuts in ((2, (119,)), (4, (0, 13, 14, 60, 119)), (1, (50, 51, 119))):
        net = scenario(n_threads)
        for cut in cuts:
            net.run_to(cut)
        for a, b in zip(expected, state_of(net)):
            assert np.array_equal(a, b)


def test_reset_by_writing_the_arrays_back():
    net = scenario()
    w0, h0, r0 = net.weights.copy(), net.history.copy(), net.row_state.copy()
    net.run_to(60)
    first = (net.weights.copy(), net.history.copy(), net.row_state.copy())
    net.weights[:] = w0
    net.history[:] = h0
    net.row_state[:] = r0
    net.ring[:] = 0
    net.spikes[:] = 0
    net.tick = 0
    net.run_to(60)
    for a, b in zip(first, (net.weights, net.history, net.row_state)):
        assert np.array_equal(a, b)


def test_history_written_by_python_is_used():
    """Post events put into the history by Python act like real ones."""
    net = Stdp([(10, 0), (30, 0)], [[]], [(0, 0, 1, 1000)])
    net.history[0]["n_events"] = 1
    net.history[0]["times"][1] = 15
    net.history[0]["traces"][1] = ONE
    net.run_to(30)
    assert net.weights.tolist() == [additive(1000, [mul(ONE, lp(6))], [mul(ONE, lm(14))])]


# ---- argument checks ---------------------------------------------------------------------------

def plain_network():
    net = K.Network()
    src = net.add_spike_array_core(2, [], [])
    tgt, _, _ = delta_core(net, 3)
    return net, src, tgt


def plasticity_args(**over):
    args = dict(timing="pair", weight_dependence="additive", lut_plus=LP, lut_minus=LM,
                w_min=[0, 0], w_max=[4000, 4000], a2_plus=[400, 400], a2_minus=[480, 480],
                backprop_delay=True, history=np.zeros(3, K.stdp_history_dtype()))
    args.update(over)
    return args


@pytest.mark.parametrize("over,message", [
    (dict(timing="triplet"), "timing must be one of"),
    (dict(weight_dependence="additive_two_term"), "weight_dependence must be one of"),
    (dict(lut_plus=[40000]), r"lut_plus must be in -32768\.\.32767"),
    (dict(lut_minus=np.zeros(65536, np.int16)), "lut_minus has 65536 entries, at most 65535"),
    (dict(lut_plus_shift=32), r"lut_plus_shift = 32 must be in 0\.\.31"),
    (dict(lut_minus_shift=-1), r"lut_minus_shift = -1 must be in 0\.\.31"),
    (dict(w_min=[0], w_max=[1], a2_plus=[2], a2_minus=[3]),
     "w_min has 1 entries, expected n_synapse_types = 2"),
    (dict(a2_minus=[1, 2, 3]), "a2_minus has 3 entries but w_min has 2"),
    (dict(w_max=[0, 1 << 31]), r"w_max\[1\] = 2147483648 out of range \(int32"),
    (dict(backprop_delay=1), "backprop_delay must be a bool"),
    (dict(history=np.zeros(2, K.stdp_history_dtype())), "history has 2 entries, expected "
                                                        "n_atoms = 3"),
    (dict(history=np.zeros(3, np.uint32)), "history must have dtype"),
])
def test_set_plasticity_rejects(over, message):
    net, _, tgt = plain_network()
    with pytest.raises(ValueError, match=message):
        net.set_plasticity(tgt, **plasticity_args(**over))


def test_set_plasticity_rejects_bad_history_and_cores():
    net, src, tgt = plain_network()
    with pytest.raises(ValueError, match="core 0 is not a neuron core"):
        net.set_plasticity(src, **plasticity_args())
    history = np.zeros(3, K.stdp_history_dtype())
    history[1]["n_events"] = 16
    with pytest.raises(ValueError, match=r"history\[1\]\.n_events = 16 must be in 0\.\.15"):
        net.set_plasticity(tgt, **plasticity_args(history=history))
    history[1]["n_events"] = 15
    net.set_plasticity(tgt, **plasticity_args(history=history))
    history.flags.writeable = False
    with pytest.raises(ValueError, match="history must be writeable"):
        net.set_plasticity(tgt, **plasticity_args(history=history))
    # checked again at every run: Python may change it in place
    history.flags.writeable = True
    history[2]["n_events"] = 99
    with pytest.raises(ValueError, match=r"neuron core 1: history\[2\]\.n_events = 99"):
        net.run(0, 1)


def plastic_args(n_keys=2, n_syn=2, **over):
    args = dict(row_offsets=np.array([0] + [n_syn] * n_keys, np.uint32),
                controls=np.array([control(1, i % 3) for i in range(n_syn)], np.uint16),
                weights=np.zeros(n_syn, np.uint16),
                row_state=np.zeros(n_keys, K.stdp_row_state_dtype()))
    args.update(over)
    return args


@pytest.mark.parametrize("over,message", [
    (dict(row_offsets=np.array([0, 2], np.uint32)), "row_offsets has 2 entries, expected "
                                                    "n_keys\\(source\\) \\+ 1 = 3"),
    (dict(row_offsets=np.array([0, 2, 1], np.uint32)), "must be non-decreasing"),
    (dict(row_offsets=np.array([0, 1, 3], np.uint32)), r"row_offsets\[-1\] = 3 but controls "
                                                       "has 2 entries"),
    (dict(row_offsets=np.array([0, 1, 2], np.int64)), "row_offsets must have dtype uint32"),
    (dict(controls=np.array([control(1, 3), 0], np.uint16)),
     r"controls\[0\] = 0x000f: neuron index 3 >= target n_atoms 3"),
    (dict(controls=np.array([1 << 20, 0], np.uint32)), "controls must have dtype uint16"),
    (dict(weights=np.zeros(3, np.uint16)), "weights has 3 entries, expected one per control"),
    (dict(weights=np.zeros(2, np.int16)), "weights must have dtype uint16"),
    (dict(row_state=np.zeros(3, K.stdp_row_state_dtype())), "row_state has 3 entries, "
                                                            "expected n_keys\\(source\\) = 2"),
    (dict(row_state=np.zeros(2, np.uint64)), "row_state must have dtype"),
])
def test_add_plastic_incoming_rejects(over, message):
    net, src, tgt = plain_network()
    net.set_plasticity(tgt, **plasticity_args())
    with pytest.raises(ValueError, match=message):
        net.add_plastic_incoming(tgt, src, **plastic_args(**over))


def test_add_plastic_incoming_rejects_targets_and_shared_memory():
    net, src, tgt = plain_network()
    with pytest.raises(ValueError, match="target core 1 has no plasticity configuration: "
                                         "call set_plasticity first"):
        net.add_plastic_incoming(tgt, src, **plastic_args())
    history = np.zeros(3, K.stdp_history_dtype())
    net.set_plasticity(tgt, **plasticity_args(history=history))
    with pytest.raises(ValueError, match="target core 0 is not a neuron core"):
        net.add_plastic_incoming(src, src, **plastic_args())
    with pytest.raises(ValueError, match="source: core id 7 out of range"):
        net.add_plastic_incoming(tgt, 7, **plastic_args())
    weights = np.zeros(2, np.uint16)
    weights.flags.writeable = False
    with pytest.raises(ValueError, match="weights must be writeable"):
        net.add_plastic_incoming(tgt, src, **plastic_args(weights=weights))
    args = plastic_args()
    net.add_plastic_incoming(tgt, src, **args)
    with pytest.raises(ValueError, match="weights shares memory with the weights of a plastic "
                                         "block of core 1"):
        net.add_plastic_incoming(tgt, src, **plastic_args(weights=args["weights"]))
    buf = np.zeros(4, np.uint16)
    with pytest.raises(ValueError, match="row_state shares memory with the STDP history"):
        net.add_plastic_incoming(tgt, src, **plastic_args(
            row_state=history.view(np.uint8)[:16].view(K.stdp_row_state_dtype())))
    net.add_plastic_incoming(tgt, src, **plastic_args(weights=buf[:2]))
    with pytest.raises(ValueError, match="weights shares memory"):
        net.add_plastic_incoming(tgt, src, **plastic_args(weights=buf[1:3]))
    # a new history for the same core may replace the old one, another core's may not
    net.set_plasticity(tgt, **plasticity_args(history=history))


def test_dtypes():
    assert K.STDP_HISTORY_SIZE == 16
    h = K.stdp_history_dtype()
    assert h.itemsize == 132 and h.names == ("n_events", "times", "traces")
    r = K.stdp_row_state_dtype()
    assert r.itemsize == 8 and r.names == ("prev_time", "prev_trace")
    assert K.stdp_timing_rules() == ["pair", "nearest_pair"]
    assert K.stdp_weight_dependences() == ["additive", "multiplicative"]


def test_static_and_plastic_blocks_from_one_source():
    """A static row and a plastic row of the same source onto the same neuron and slot add up
    in the ring; the static weight is never changed."""
    net = Stdp([(10, 0)], [[5]], [(0, 0, 1, 1000)])
    words = np.array([(700 << 16) | control(1, 0)], np.uint32)
    net.net.add_incoming(net.target, net.pre, np.array([0, 1], np.uint32), words)
    net.run_to(10)
    w = additive(1000, [0], [mul(ONE, lm(4))])
    assert net.weights.tolist() == [w]
    assert net.ring[ring_index(11, 1, 0)] == w + 700
    assert words[0] >> 16 == 700


CHANGED_CONTROL = (
    "import sys; sys.path.insert(0, %r)\n"
    "import test_kernel_stdp as t\n"
    "net = t.Stdp([(10, 0)], [[5]], [(0, 0, 1, 1000)])\n"
    "net.controls[0] |= 3          # neuron index 3 >= n_atoms 1, after the check\n"
    "net.run_to(12)\n"
    "print(net.weights.tolist(), int(net.ring.sum()))\n" % os.path.dirname(
        os.path.abspath(__file__)))


def _run_changed_control():
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-c", CHANGED_CONTROL], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.skipif(not K.BOUNDS_CHECKS, reason="only the sanitizer build checks bounds")
def test_bounds_checks_abort_on_controls_changed_after_checking():
    result = _run_changed_control()
    assert result.returncode != 0
    assert "kernel bounds check failed" in result.stderr


@pytest.mark.skipif(K.BOUNDS_CHECKS, reason="the sanitizer build aborts instead")
def test_a_control_changed_after_checking_is_skipped():
    """Without bounds checks the kernel still never reads outside the history: a synapse
    whose index field was made invalid after the check is skipped."""
    result = _run_changed_control()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "[1000] 0"
