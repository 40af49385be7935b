"""End-to-end bit-exactness of IF_curr_exp networks, profile "6", through the public PyNN API of
pynn_spinn_virtual, against the independent reference model (tests/reference_model.py, written
from spec/kernel.md only).

Every comparison is on integer bit patterns: recorded v / gsyn_exc / gsyn_inh are S16.15, so
``round(value * 32768)`` recovers the machine bits exactly; spikes are compared as tick indices
(time / dt); weights read back from the Projection are compared exactly (they are dyadic).
"""
import numpy as np
import pytest

import pynn_spinn_virtual as sim
import reference_model as rm
from neo_bits import assert_bits_equal, assert_segment_matches, signal_bits, spike_ticks
from twins import Pop, Proj

RECORD = ["spikes", "v", "gsyn_exc", "gsyn_inh"]


# --------------------------------------------------------------------------------------------
# helpers: build the same network in the backend and in the reference model
# --------------------------------------------------------------------------------------------
class Twin:
    """One network, built twice: in pynn_spinn_virtual (profile 6) and in the reference."""

    def __init__(self, dt):
        self.dt = dt
        sim.setup(timestep=dt)
        self.ref = rm.Network(dt)
        self.ticks = 0

    def ssa(self, spike_times, label):
        n = len(spike_times)
        p = sim.Population(n, sim.SpikeSourceArray(spike_times=spike_times), label=label)
        return Pop(p, self.ref.spike_source_array(n, spike_times), label)

    def lif(self, n, label, v=None, **params):
        cell = sim.IF_curr_exp(**{k: (np.asarray(x, dtype=float) if np.ndim(x) else x)
                                  for k, x in params.items()})
        p = sim.Population(n, cell, label=label)
        ref_params = dict(params)
        if v is not None:
            p.initialize(v=np.asarray(v, dtype=float) if np.ndim(v) else v)
            ref_params["v"] = v
        p.record(RECORD)
        return Pop(p, self.ref.if_curr_exp(n, **ref_params), label)

    def from_list(self, pre, post, conns, receptor="excitatory"):
        pj = sim.Projection(pre.sim, post.sim, sim.FromListConnector(conns), sim.StaticSynapse(),
                            receptor_type=receptor)
        return Proj(pj, self.ref.connect(pre.ref, post.ref, conns, receptor),
                    f"{pre.label}->{post.label} {receptor}")

    def all_to_all(self, pre, post, w, d, receptor="excitatory"):
        pj = sim.Projection(pre.sim, post.sim, sim.AllToAllConnector(),
                            sim.StaticSynapse(weight=w, delay=d), receptor_type=receptor)
        conns = [(i, j, w, d) for i in range(pre.n) for j in range(post.n)]
        # AllToAll with scalar weight/delay is generated on chip in 6.x (kernel.md §4.3)
        return Proj(pj, self.ref.connect(pre.ref, post.ref, conns, receptor, on_chip=True),
                    f"{pre.label}->{post.label} {receptor}")

    def one_to_one(self, pre, post, w, d, receptor="excitatory"):
        pj = sim.Projection(pre.sim, post.sim, sim.OneToOneConnector(),
                            sim.StaticSynapse(weight=w, delay=d), receptor_type=receptor)
        conns = [(i, i, w, d) for i in range(pre.n)]
        return Proj(pj, self.ref.connect(pre.ref, post.ref, conns, receptor, on_chip=True),
                    f"{pre.label}->{post.label} {receptor}")

    def run(self, t_ms):
        sim.run(t_ms)
        n = self.ref.ticks_for(t_ms)
        self.ref.run(n)
        self.ticks += n


@pytest.fixture
def twin_factory(neuron_update):
    made = []

    def make(dt):
        if made:          # a second simulation in the same test
            sim.end()
        made.append(Twin(dt))
        return made[-1]

    yield make
    if made:
        sim.end()


def check_population(twin, pop, what=""):
    """Exact comparison of everything recorded on ``pop`` with the reference."""
    what = f"{what} {pop.label}".strip()
    block = pop.sim.get_data()
    assert_segment_matches(block.segments[0], pop.ref, twin.ticks, twin.dt, what)
    return block


def check_weights(twin, proj):
    got = proj.sim.get("weight", format="list")
    got = sorted((int(c[0]), int(c[1]), abs(float(c[2]))) for c in got)
    exp = sorted(twin.ref.quantised_weights(proj.ref))
    assert len(got) == len(exp), f"{proj.label}: {len(got)} connections, expected {len(exp)}"
    for g, e in zip(got, exp):
        assert g == e, (f"{proj.label}: quantised weight {g} expected {e} (shift "
                        f"{proj.ref.post.shift[proj.ref.receptor]}, w_int {e[2] * 2 ** 15 / 2 ** proj.ref.post.shift[proj.ref.receptor]})")


def first_change(rows, j):
    rows = np.asarray(rows)
    changed = np.nonzero(rows[:, j] != rows[0, j])[0]
    return int(changed[0]) if changed.size else None


# --------------------------------------------------------------------------------------------
# a) constant i_offset, repeated firing, per-neuron parameters
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", [1.0, 0.1])
def test_constant_current_repeated_firing(twin_factory, dt):
    tw = twin_factory(dt)
    a = tw.lif(1, "a_1nA", i_offset=1.0)
    b = tw.lif(1, "b_2.5nA", i_offset=2.5)
    c = tw.lif(6, "c_mixed",
               v=[-65.0, -60.0, -55.5, -70.0, -65.0, -51.0],
               i_offset=[1.0, 2.5, 1.7, 0.75, 3.3, 0.37],
               tau_m=[20.0, 20.0, 10.0, 20.0, 15.0, 33.0],
               cm=[1.0, 1.0, 0.5, 1.0, 0.8, 0.3],
               v_reset=[-65.0, -70.0, -68.5, -65.0, -60.0, -72.0],
               v_thresh=[-50.0, -50.0, -52.3, -49.0, -50.0, -45.0],
               tau_refrac=[0.1, 2.0, 5.0, 1.0, 2.5, 1.1],
               v_rest=[-65.0, -65.0, -64.0, -65.0, -66.0, -60.0])
    tw.run(200.0)
    n_ticks = int(round(200.0 / dt))
    assert tw.ticks == n_ticks
    for pop in (a, b, c):
        assert all(len(s) >= 3 for s in pop.ref.spikes[:1]), "scenario: the neuron must fire"
        check_population(tw, pop, f"dt={dt}")


# --------------------------------------------------------------------------------------------
# b) excitatory + inhibitory SSA inputs, coincident spikes, delays 1/3/7/16 ticks, quantisation
# --------------------------------------------------------------------------------------------
EXC_TIMES = [[5.0, 20.0, 21.0, 22.0, 23.0, 24.0, 50.3, 51.0, 52.7, 80.0, 81.0, 82.0, 83.0, 84.0],
             [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0],
             [20.0, 20.5, 21.0, 33.3, 34.0, 35.0, 36.0, 37.0, 60.0, 61.0, 62.0, 63.0]]
INH_TIMES = [[20.0, 40.0, 60.0, 84.0], [21.0, 22.0, 36.0, 62.0]]


def _build_exc_inh(tw):
    dt = tw.dt
    exc = tw.ssa(EXC_TIMES, "exc_src")
    inh = tw.ssa(INH_TIMES, "inh_src")
    post = tw.lif(3, "post", v=[-65.0, -60.0, -55.0], i_offset=[0.5, 0.2, 0.74],
                  tau_syn_E=5.0, tau_syn_I=[10.0, 3.0, 8.0], tau_refrac=2.0)
    d1, d3, d7, d16 = (k * dt for k in (1, 3, 7, 16))
    projs = [
        # one constant delay per projection (the reference implements the constant-delay shift)
        tw.from_list(exc, post, [(0, 0, 0.37, d1), (1, 0, 1.9, d1), (2, 1, 0.37, d1),
                                 (0, 2, 1.9, d1)]),
        tw.from_list(exc, post, [(0, 1, 1.9, d3), (1, 2, 0.37, d3), (2, 0, 1.9, d3)]),
        tw.from_list(exc, post, [(0, 0, 0.37, d7), (2, 2, 1.9, d7)]),
        tw.from_list(exc, post, [(1, 1, 1.9, d16), (2, 0, 0.37, d16)]),
        # sPyNNaker convention: positive weights on the inhibitory receptor
        tw.from_list(inh, post, [(0, 0, 0.6, d1), (1, 1, 1.23, d1)], "inhibitory"),
        tw.from_list(inh, post, [(0, 2, 0.6, d7), (1, 0, 1.23, d7)], "inhibitory"),
        tw.from_list(inh, post, [(1, 2, 1.23, d16)], "inhibitory"),
    ]
    return post, projs


@pytest.mark.parametrize("dt", [1.0, 0.1])
def test_exc_inh_inputs_delays_and_quantisation(twin_factory, dt):
    tw = twin_factory(dt)
    post, projs = _build_exc_inh(tw)
    tw.run(100.0)
    # the scenario really exercises what it claims (checked on the reference)
    assert tw.ref.shift(post.ref, "excitatory") == 4      # 1.9*2 + 1.9 + 1.9 + 1.9 = 9.5
    assert tw.ref.shift(post.ref, "inhibitory") == 2      # 3 * 1.23 = 3.69
    assert projs[0].ref.w_int[:2] == [758, 3891]           # 0.37, 1.9 not representable
    assert sorted(set(projs[4].ref.w_int)) == [4915, 10076]
    if dt == 1.0:
        assert sum(len(s) for s in post.ref.spikes) > 0, "scenario: post must fire"
    check_population(tw, post, f"dt={dt}")
    for p in projs:
        check_weights(tw, p)


def test_negative_inhibitory_weights_same_as_positive(twin_factory):
    """PyNN convention (negative weights on a current-based inhibitory receptor): the machine
    stores |w|, so the result equals the positive-weight network (kernel.md §4.2 rint(|w|))."""
    tw = twin_factory(1.0)
    inh = tw.ssa(INH_TIMES, "inh_src")
    exc = tw.ssa(EXC_TIMES, "exc_src")
    post = tw.lif(2, "post", i_offset=0.9)
    tw.from_list(exc, post, [(0, 0, 1.9, 2.0), (1, 1, 1.9, 2.0), (2, 0, 1.9, 2.0)])
    sim_proj = sim.Projection(inh.sim, post.sim,
                              sim.FromListConnector([(0, 0, -0.6, 1.0), (1, 1, -1.23, 1.0)]),
                              sim.StaticSynapse(), receptor_type="inhibitory")
    ref_proj = tw.ref.connect(inh.ref, post.ref, [(0, 0, -0.6, 1.0), (1, 1, -1.23, 1.0)],
                              "inhibitory")
    tw.run(100.0)
    assert tw.ref.shift(post.ref, "inhibitory") == 1
    check_population(tw, post)
    check_weights(tw, Proj(sim_proj, ref_proj, "inh negative"))


# --------------------------------------------------------------------------------------------
# c) chain SSA -> A -> B: neuron-emitted spikes are delivered too
# --------------------------------------------------------------------------------------------
def test_chain_ssa_to_a_to_b(twin_factory):
    tw = twin_factory(1.0)
    src = tw.ssa([[2.0, 3.0, 4.0, 30.0, 31.0, 32.0, 33.0], [10.0, 11.0, 12.0, 13.0, 60.0, 61.0]],
                 "src")
    a = tw.lif(4, "A", i_offset=[0.0, 0.0, 0.9, 0.0], tau_refrac=1.0)
    b = tw.lif(4, "B", i_offset=0.3, tau_syn_E=4.0, tau_syn_I=2.0)
    pa = tw.from_list(src, a, [(0, 0, 3.0, 1.0), (0, 1, 2.2, 1.0), (1, 1, 3.0, 1.0),
                               (1, 3, 2.9, 1.0), (0, 3, 1.1, 1.0)])
    pab = tw.all_to_all(a, b, 0.5, 2.0)                       # representable: 4096 at shift 2
    pab_inh = tw.one_to_one(a, b, 0.25, 5.0, "inhibitory")    # representable: 8192 at shift 0
    tw.run(120.0)
    assert all(len(s) > 0 for s in a.ref.spikes), "scenario: every A neuron must fire"
    assert tw.ref.shift(b.ref, "excitatory") == 2
    assert tw.ref.shift(b.ref, "inhibitory") == 0
    check_population(tw, a, "chain")
    check_population(tw, b, "chain")
    for p in (pa, pab, pab_inh):
        check_weights(tw, p)


# --------------------------------------------------------------------------------------------
# d) ring-buffer saturation (uint16 entry saturates at 65535, kernel.md §4.1)
# --------------------------------------------------------------------------------------------
def test_ring_buffer_saturation(twin_factory):
    tw = twin_factory(1.0)
    many = [4.05 + 0.05 * k for k in range(20)]     # 20 spikes, all stamped tick 5
    three = [9.1, 9.5, 10.0]                        # 3 spikes, tick 10
    two = [30.2, 30.9]                              # 2 spikes, tick 31: no saturation
    src = tw.ssa([many, three, two], "src")
    post = tw.lif(3, "post", i_offset=0.2)
    tw.from_list(src, post, [(0, 0, 1.5, 1.0), (1, 1, 1.5, 1.0), (2, 2, 1.5, 1.0)])
    tw.run(60.0)
    assert tw.ref.shift(post.ref, "excitatory") == 1
    assert post.ref.saturations == 18 + 1, "scenario: the ring buffer must saturate"
    init = rm.exp_init(1.0, 5.0)
    assert post.ref.gsyn_exc[6][0] == rm.decay_s1615(65535 << 1, init)
    assert post.ref.gsyn_exc[11][1] == rm.decay_s1615(65535 << 1, init)
    assert post.ref.gsyn_exc[32][2] == rm.decay_s1615((2 * 24576) << 1, init)
    check_population(tw, post, "saturation")


# --------------------------------------------------------------------------------------------
# e) run(10); run(10) == run(20)
# --------------------------------------------------------------------------------------------
def _build_continuation(tw):
    src = tw.ssa([[3.0, 8.0, 9.0, 9.5], [9.0, 15.0, 18.0]], "src")
    post = tw.lif(3, "post", i_offset=[1.2, 0.4, 2.8], tau_refrac=3.0, v=[-52.0, -65.0, -60.0])
    tw.from_list(src, post, [(0, 0, 2.0, 5.0), (1, 1, 1.0, 5.0), (0, 1, 1.5, 5.0)])
    tw.from_list(src, post, [(1, 0, 0.8, 3.0), (0, 2, 0.45, 3.0)], "inhibitory")
    return post


def test_run_continuation_equals_single_run(twin_factory):
    results = []
    for chunks in ([20.0], [10.0, 10.0], [7.0, 1.0, 12.0]):
        tw = twin_factory(1.0)
        post = _build_continuation(tw)
        for c in chunks:
            tw.run(c)
        assert tw.ticks == 20
        block = check_population(tw, post, f"runs {chunks}")
        seg = block.segments[0]
        assert len(block.segments) == 1, "several run() calls append to the same segment"
        results.append((signal_bits(seg, "v", "mV"), signal_bits(seg, "gsyn_exc", "uS"),
                        signal_bits(seg, "gsyn_inh", "uS"), spike_ticks(seg, 1.0)))
    assert sum(len(s) for s in results[0][3]) > 0
    for other in results[1:]:
        for k in range(3):
            assert_bits_equal(other[k], results[0][k], "continued run vs single run")
        assert other[3] == results[0][3]


# --------------------------------------------------------------------------------------------
# f) timing: SSA spike at s with delay d -> gsyn at tick s+d, v at tick s+d+1 (§2.5, §9)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", [1.0, 0.1])
def test_timing_of_delivery(twin_factory, dt):
    tw = twin_factory(dt)
    s = 10                                         # spike tick
    src = tw.ssa([[s * dt]], "src")
    delays = [1, 2, 5, 16]
    post = tw.lif(len(delays), "post")
    for j, d in enumerate(delays):
        tw.from_list(src, post, [(0, j, 1.0, d * dt)])
    tw.run(40 * dt)
    block = check_population(tw, post, f"dt={dt}")
    seg = block.segments[0]
    v = signal_bits(seg, "v", "mV")
    ge = signal_bits(seg, "gsyn_exc", "uS")
    for j, d in enumerate(delays):
        assert first_change(ge, j) == s + d, f"delay {d}: gsyn_exc must change at tick {s + d}"
        assert first_change(v, j) == s + d + 1, f"delay {d}: v must change at tick {s + d + 1}"
        assert v[0, j] == -65 * 32768


# --------------------------------------------------------------------------------------------
# g) 6.x on-chip generated connectors: weight rounded to S1615, then floored (kernel.md §4.3)
# --------------------------------------------------------------------------------------------
def test_all_to_all_on_chip_weight_rounding(twin_factory):
    """AllToAll with a scalar weight is generated by the 6.x synapse expander:
    w_int = floor(|S1615(w)| * 2^(15-shift)); for w = 0.4 with shift 1 that is 6553, where the
    host (FromList) path gives rint(0.4 * 2^14) = 6554.  Both connectors are used here so the
    difference is visible in the same run."""
    tw = twin_factory(1.0)
    src = tw.ssa([[5.0, 6.0, 20.0], [6.0, 30.0], [7.0, 31.0]], "src")
    post = tw.lif(2, "post", i_offset=0.6)
    p_chip = tw.all_to_all(src, post, 0.4, 1.0)
    post2 = tw.lif(2, "post_host", i_offset=0.6)
    p_host = tw.from_list(src, post2, [(i, j, 0.4, 1.0) for i in range(3) for j in range(2)])
    tw.run(50.0)
    assert tw.ref.shift(post.ref, "excitatory") == 1
    assert set(p_chip.ref.w_int) == {6553} and set(p_host.ref.w_int) == {6554}
    check_weights(tw, p_host)
    check_population(tw, post2, "host path")
    check_weights(tw, p_chip)
    check_population(tw, post, "on-chip path")
