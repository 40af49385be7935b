"""End-to-end bit-exactness of STDP (profile "6"), through the public PyNN API of
pynn_spinn_virtual, against the independent reference tests/stdp_reference.py (written from
kernel.md §6, §4.2-§4.3, §5.2 and the public sPyNNaker 6.0 sources, never from the backend).

Every scenario: SpikeSourceArray pre-synaptic neurons -> IF_curr_exp post neurons through a
plastic projection (``STDPMechanism(timing_dependence=SpikePairRule | SpikeNearestPairRule,
weight_dependence=AdditiveWeightDependence | MultiplicativeWeightDependence, ...)``), and a
second SpikeSourceArray that drives every post neuron with a strong static synapse (40 nA,
delay 1, tau_syn_E = 1 ms, so a drive spike at tick s makes the post neuron fire at s + 1 and
the post spike times are under control).  Compared exactly:

* ``Projection.get("weight", format="list")`` = the machine's stored weights,
  ``w16 / 2^(15 - shift)``, after every run;
* the post population's v / gsyn_exc / gsyn_inh (S16.15 bits) and spike ticks (the weight a pre
  spike delivers is the one its own update produced, so gsyn shows every weight change).

The plastic projection keeps one constant delay (the reference implements only the constant-
delay ring-buffer shift rule of §4.3; different constant delays on different projections are
fine).  The backend is being written at the same time as these tests: a failure here means
backend and reference disagree; the reference is checked on its own in test_stdp_reference.py.

Set PYNN_SPINN_REFERENCE_ONLY=1 to run only the reference half (scenario checks) of every test.
"""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reference_model as rm
import stdp_reference as sr
from neo_bits import assert_segment_matches
from twins import Pop, Proj

REFERENCE_ONLY = os.environ.get("PYNN_SPINN_REFERENCE_ONLY") == "1"
if not REFERENCE_ONLY:
    import pynn_spinn_virtual as sim
else:  # pragma: no cover
    sim = None

pytestmark = pytest.mark.filterwarnings("ignore:.*is current based.*:UserWarning")

RECORD = ["spikes", "v", "gsyn_exc", "gsyn_inh"]
DRIVE_WEIGHT = 40.0
POST_PARAMS = dict(tau_syn_E=1.0)
COMBOS = [(t, w) for t in ("pair", "nearest") for w in ("additive", "multiplicative")]
HYPO = settings(max_examples=15, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --------------------------------------------------------------------------------------------
# the same network, built in the backend and in the reference
# --------------------------------------------------------------------------------------------
def sim_stdp(stdp, weight=0.0, delay=None):
    """The PyNN objects for an sr.Stdp description."""
    kw = dict(tau_plus=stdp.tau_plus, tau_minus=stdp.tau_minus, A_plus=stdp.A_plus,
              A_minus=stdp.A_minus)
    timing = (sim.SpikePairRule(**kw) if stdp.timing == "pair"
              else sim.extra_models.SpikeNearestPairRule(**kw))
    wd_cls = (sim.AdditiveWeightDependence if stdp.weight == "additive"
              else sim.MultiplicativeWeightDependence)
    args = dict(timing_dependence=timing, weight_dependence=wd_cls(w_min=stdp.w_min,
                                                                   w_max=stdp.w_max),
                weight=weight)
    if delay is not None:
        args["delay"] = delay
    if not stdp.backprop_delay:
        args["backprop_delay"] = False
    return sim.STDPMechanism(**args)


class Twin:
    def __init__(self, dt=1.0, backend=True):
        self.dt = dt
        self.backend = backend and not REFERENCE_ONLY
        if self.backend:
            sim.setup(timestep=dt)
        self.ref = sr.StdpNetwork(dt)

    def ssa(self, times, label):
        p = None
        if self.backend:
            p = sim.Population(len(times), sim.SpikeSourceArray(spike_times=times), label=label)
        return Pop(p, self.ref.spike_source_array(len(times), times), label)

    def lif(self, n, label, **params):
        p = None
        if self.backend:
            p = sim.Population(n, sim.IF_curr_exp(**params), label=label)
            p.record(RECORD)
        return Pop(p, self.ref.if_curr_exp(n, **params), label)

    def static(self, pre, post, conns, receptor="excitatory"):
        pj = None
        if self.backend:
            pj = sim.Projection(pre.sim, post.sim, sim.FromListConnector(conns),
                                sim.StaticSynapse(), receptor_type=receptor)
        return Proj(pj, self.ref.connect(pre.ref, post.ref, conns, receptor), "static")

    def plastic(self, pre, post, conns, stdp, receptor):
        pj = None
        if self.backend:
            pj = sim.Projection(pre.sim, post.sim, sim.FromListConnector(conns),
                                synapse_type=sim_stdp(stdp), receptor_type=receptor)
        return Proj(pj, self.ref.connect_plastic(pre.ref, post.ref, conns, stdp, receptor),
                    f"{pre.label}->{post.label} plastic {receptor}")

    def plastic_all_to_all(self, pre, post, stdp, weight, delay, receptor):
        pj = None
        if self.backend:
            pj = sim.Projection(pre.sim, post.sim, sim.AllToAllConnector(),
                                synapse_type=sim_stdp(stdp, weight, delay),
                                receptor_type=receptor)
        conns = [(i, j, weight, delay) for i in range(pre.n) for j in range(post.n)]
        # scalar weight and delay: generated on chip in 6.x (kernel.md §4.3 rounding)
        ref = self.ref.connect_plastic(pre.ref, post.ref, conns, stdp, receptor, on_chip=True)
        return Proj(pj, ref, f"{pre.label}->{post.label} plastic all-to-all")

    def run(self, t_ms):
        if self.backend:
            sim.run(t_ms)
        self.ref.run(self.ref.ticks_for(t_ms))

    def end(self):
        if self.backend:
            sim.end()


def finish():
    if REFERENCE_ONLY:
        pytest.skip("reference-only mode: scenario checked on the reference only")


def check_post(pop, ref_pop, n_ticks, dt, what="", segment=0):
    """Exact comparison of segment ``segment`` of the backend population with ``ref_pop``."""
    finish()
    what = f"{what} {pop.label} segment {segment}".strip()
    block = pop.sim.get_data()
    assert len(block.segments) > segment, f"{what}: only {len(block.segments)} segments"
    assert_segment_matches(block.segments[segment], ref_pop, n_ticks, dt, what)


def ref_weights(twin, proj):
    return sorted((int(i), int(j), float(w)) for i, j, w in twin.ref.plastic_weights(proj.ref))


def check_weights(twin, proj, what=""):
    finish()
    got = proj.sim.get("weight", format="list")
    got = sorted((int(c[0]), int(c[1]), float(c[2])) for c in got)
    exp = ref_weights(twin, proj)
    assert len(got) == len(exp), f"{what} {proj.label}: {len(got)} connections, expected {len(exp)}"
    bad = [(g, e) for g, e in zip(got, exp) if g != e]
    assert not bad, (f"{what} {proj.label}: {len(bad)} weights differ; first (got, expected) "
                     f"{bad[0]} = ints {bad[0][0][2] * _ws(twin, proj)} vs "
                     f"{bad[0][1][2] * _ws(twin, proj)}")


def _ws(twin, proj):
    p = proj.ref
    return rm.weight_scale(p.post.shift[p.receptor], p.post.gws)


# --------------------------------------------------------------------------------------------
# scenario: pre sources -> plastic -> post, drive -> static -> post
# --------------------------------------------------------------------------------------------
def build(twin, pre_times, drive_times, conns, stdp, receptor, tau_refrac=2.0):
    pre = twin.ssa(pre_times, "pre")
    drive = twin.ssa(drive_times, "drive")
    post = twin.lif(len(drive_times), "post", tau_refrac=tau_refrac, **POST_PARAMS)
    twin.static(drive, post, [(j, j, DRIVE_WEIGHT, twin.dt) for j in range(post.n)])
    proj = twin.plastic(pre, post, conns, stdp, receptor)
    return pre, drive, post, proj


def run_and_check(twin, post, proj, t_ms, what=""):
    twin.run(t_ms)
    n = twin.ref.ticks_for(t_ms)
    check_weights(twin, proj, what)
    check_post(post, post.ref, n, twin.dt, what)


def _times(draw, n, t_max, max_size):
    return [[float(x) for x in sorted(draw(st.sets(st.integers(0, t_max - 1),
                                                   max_size=max_size)))]
            for _ in range(n)]


@st.composite
def scenarios(draw, timing, weight, delays):
    delay = draw(delays)
    t_ms = 200 + delay + draw(st.integers(0, 100))
    n_pre, n_post = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    w_min = draw(st.sampled_from([0.0, 0.05, 0.1]))
    w_max = draw(st.sampled_from([0.5, 1.0, 1.5, 2.0]))
    stdp = sr.Stdp(timing, weight,
                   tau_plus=draw(st.sampled_from([10.0, 16.7, 20.0, 33.0])),
                   tau_minus=draw(st.sampled_from([10.0, 20.0, 25.5, 40.0])),
                   A_plus=draw(st.sampled_from([0.005, 0.01, 0.0123, 0.05, 0.1, 0.3])),
                   A_minus=draw(st.sampled_from([0.005, 0.01, 0.015, 0.05, 0.12, 0.3])),
                   w_min=w_min, w_max=w_max, backprop_delay=draw(st.booleans()))
    conns = [(i, j, round(draw(st.floats(w_min, w_max)), 4), float(delay))
             for i in range(n_pre) for j in range(n_post)]
    return dict(
        t_ms=float(t_ms), stdp=stdp, conns=conns,
        pre_times=_times(draw, n_pre, t_ms, 15),
        drive_times=_times(draw, n_post, t_ms, 30),
        receptor=draw(st.sampled_from(["excitatory", "inhibitory"])),
        tau_refrac=draw(st.sampled_from([1.0, 2.0, 5.0])))


def _random_test(sc):
    twin = Twin(1.0)
    try:
        pre, drive, post, proj = build(twin, sc["pre_times"], sc["drive_times"], sc["conns"],
                                       sc["stdp"], sc["receptor"], sc["tau_refrac"])
        run_and_check(twin, post, proj, sc["t_ms"], f"{sc['stdp']}")
    finally:
        twin.end()


@pytest.mark.parametrize("timing,weight", COMBOS)
@HYPO
@given(data=st.data())
def test_random_on_core_delays(timing, weight, data):
    """Delays 1..16 ticks (on the neuron core; 16 is stored as 0 in the 4-bit delay field)."""
    _random_test(data.draw(scenarios(timing, weight, st.integers(1, 16))))


@pytest.mark.parametrize("timing,weight", COMBOS)
@HYPO
@given(data=st.data())
def test_random_delay_extension(timing, weight, data):
    """Delays 17..144 ticks: the row of stage k is processed at t + 16k with dendritic delay
    r = d - 16k (kernel.md §5.2)."""
    _random_test(data.draw(scenarios(timing, weight, st.integers(17, 144))))


# --------------------------------------------------------------------------------------------
# deterministic scenarios
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("timing,weight", COMBOS)
@pytest.mark.parametrize("backprop", [True, False])
@pytest.mark.parametrize("delay", [1.0, 5.0, 16.0, 32.0, 37.0])
def test_history_overflow(timing, weight, backprop, delay):
    """Far more than 15 post spikes between two pre spikes: only the newest 15 stay in the
    history (plus the sentinel); the dropped ones never potentiate."""
    stdp = sr.Stdp(timing, weight, A_plus=0.02, A_minus=0.01, backprop_delay=backprop)
    pre_times = [[10.0, 420.0], [15.0, 200.0, 430.0]]
    drive_times = [[float(t) for t in range(20, 400, 8)]]
    conns = [(0, 0, 0.5, delay), (1, 0, 0.25, delay)]
    twin = Twin(1.0)
    try:
        pre, drive, post, proj = build(twin, pre_times, drive_times, conns, stdp, "inhibitory")
        twin.run(480.0)
        spikes = post.ref.spikes[0]
        assert sum(1 for p in spikes if 10 < p < 420) >= 40, "scenario: many post spikes"
        if not REFERENCE_ONLY:
            check_weights(twin, proj, "overflow")
            check_post(post, post.ref, 480, 1.0, "overflow")
    finally:
        twin.end()
    finish()


@pytest.mark.parametrize("timing", ["pair", "nearest"])
def test_additive_clamps_at_w_max_and_w_min(timing):
    """Pre neuron 0 always fires 1 ms before the post (potentiation), pre neuron 1 always 3 ms
    after it (depression), A+/- = 0.5: the stored weights reach w_max and w_min exactly."""
    stdp = sr.Stdp(timing, "additive", A_plus=0.5, A_minus=0.5, w_min=0.1, w_max=1.5)
    bases = [20.0 + 50 * k for k in range(8)]
    pre_times = [[b - 1 for b in bases] + [460.0], [b + 3 for b in bases]]
    drive_times = [[b - 1 for b in bases]]                    # post fires at b
    conns = [(0, 0, 0.8, 1.0), (1, 0, 0.8, 1.0)]
    twin = Twin(1.0)
    try:
        pre, drive, post, proj = build(twin, pre_times, drive_times, conns, stdp, "inhibitory")
        twin.run(480.0)
        ws = _ws(twin, proj)
        ints = twin.ref.plastic_weight_ints(proj.ref)
        assert post.ref.spikes[0] == [int(b) for b in bases]
        assert ints[0][2] == round(1.5 * ws) and ints[1][2] == round(0.1 * ws), ints
        if not REFERENCE_ONLY:
            check_weights(twin, proj, "clamp")
            check_post(post, post.ref, 480, 1.0, "clamp")
    finally:
        twin.end()
    finish()


def test_multiplicative_no_clamp_overshoot():
    """Multiplicative, 6.x: no clamp.  A burst of pre spikes makes the pre trace > 2.0, A+ = 1:
    one potentiation takes the weight ABOVE w_max (and the machine stores it)."""
    stdp = sr.Stdp("pair", "multiplicative", A_plus=1.0, A_minus=0.01, w_min=0.0, w_max=1.0)
    pre_times = [[10.0, 11.0, 12.0, 13.0, 60.0, 120.0]]
    drive_times = [[14.0]]
    conns = [(0, 0, 0.5, 1.0)]
    twin = Twin(1.0)
    try:
        pre, drive, post, proj = build(twin, pre_times, drive_times, conns, stdp, "inhibitory")
        twin.run(150.0)
        ints = twin.ref.plastic_weight_ints(proj.ref)
        assert ints[0][2] > round(1.0 * _ws(twin, proj)), ints
        if not REFERENCE_ONLY:
            check_weights(twin, proj, "overshoot")
            check_post(post, post.ref, 150, 1.0, "overshoot")
    finally:
        twin.end()
    finish()


@pytest.mark.parametrize("timing,weight", COMBOS)
def test_weights_change_only_at_pre_spikes(timing, weight):
    """Post spikes after the last pre spike never reach the stored weight; before the first
    run get() gives the initial quantised weights."""
    stdp = sr.Stdp(timing, weight, A_plus=0.1, A_minus=0.1)
    twin = Twin(1.0)
    try:
        pre, drive, post, proj = build(twin, [[10.0, 30.0]], [[12.0, 40.0, 60.0, 80.0]],
                                       [(0, 0, 0.5, 2.0)], stdp, "inhibitory")
        initial = ref_weights(twin, proj)
        if not REFERENCE_ONLY:
            check_weights(twin, proj, "before run")
        twin.run(50.0)
        after_last_pre = ref_weights(twin, proj)
        assert after_last_pre != initial, "scenario: the second pre spike changed the weight"
        twin.run(60.0)
        assert ref_weights(twin, proj) == after_last_pre
        assert post.ref.spikes[0] == [13, 41, 61, 81]
        if not REFERENCE_ONLY:
            check_weights(twin, proj, "after")
            check_post(post, post.ref, 110, 1.0)
    finally:
        twin.end()
    finish()


@pytest.mark.parametrize("delay", [16.0, 32.0, 48.0])
@pytest.mark.parametrize("timing", ["pair", "nearest"])
def test_remaining_delay_16_is_dendritic_delay_0(delay, timing):
    """A remaining on-core delay of 16 ticks sits in the 4-bit delay field as 0 (6.0 host
    ``& 0xF``, neuron core ``SYNAPSE_DELAY_MASK``): its weight arrives 16 ticks later, but STDP
    uses dendritic delay 0, so a post spike of the tick the row is processed is in the window
    (potentiation + depression with delta 0)."""
    stage = int(delay - 1) // 16
    stdp = sr.Stdp(timing, "additive", A_plus=0.05, A_minus=0.05)
    # rows processed at 10 + 16k and 50 + 16k; the post fires at 50 + 16k
    twin = Twin(1.0)
    try:
        pre, drive, post, proj = build(twin, [[10.0, 50.0]], [[49.0 + 16 * stage]],
                                       [(0, 0, 0.5, delay)], stdp, "inhibitory")
        twin.run(140.0)
        naive = sr.StdpNetwork(1.0, delay_field_mask=None)
        npre = naive.spike_source_array(1, [[10.0, 50.0]])
        ndrv = naive.spike_source_array(1, [[49.0 + 16 * stage]])
        npost = naive.if_curr_exp(1, tau_refrac=2.0, **POST_PARAMS)
        naive.connect(ndrv, npost, [(0, 0, DRIVE_WEIGHT, 1.0)])
        nproj = naive.connect_plastic(npre, npost, [(0, 0, 0.5, delay)], stdp, "inhibitory")
        naive.run(140)
        assert naive.plastic_weight_ints(nproj) != twin.ref.plastic_weight_ints(proj.ref), \
            "scenario: the 4-bit field makes a difference"
        if not REFERENCE_ONLY:
            check_weights(twin, proj, f"delay {delay}")
            check_post(post, post.ref, 140, 1.0, f"delay {delay}")
    finally:
        twin.end()
    finish()


@pytest.mark.parametrize("timing,weight", COMBOS)
def test_all_to_all_scalar_weight_on_chip_rounding(timing, weight):
    """AllToAllConnector with the STDPMechanism's scalar weight (0.3, not a multiple of the
    weight step: 6.x on-chip generation floors it) and delay."""
    stdp = sr.Stdp(timing, weight, A_plus=0.03, A_minus=0.02, w_max=1.2)
    twin = Twin(1.0)
    try:
        pre = twin.ssa([[5.0, 40.0, 41.0, 90.0], [20.0, 60.0, 130.0], [70.0]], "pre")
        drive = twin.ssa([[30.0, 62.0, 100.0], [44.0, 85.0]], "drive")
        post = twin.lif(2, "post", tau_refrac=2.0, **POST_PARAMS)
        twin.static(drive, post, [(j, j, DRIVE_WEIGHT, 1.0) for j in range(2)])
        proj = twin.plastic_all_to_all(pre, post, stdp, 0.3, 3.0, "excitatory")
        twin.run(160.0)
        if not REFERENCE_ONLY:
            check_weights(twin, proj, "all-to-all")
            check_post(post, post.ref, 160, 1.0, "all-to-all")
    finally:
        twin.end()
    finish()


@pytest.mark.parametrize("timing,weight", COMBOS)
def test_run_splits_equal_one_run(timing, weight):
    """run(a); run(b); run(c) gives what one run gives (the reference is one continuous
    simulation), with the weights compared after every split."""
    stdp = sr.Stdp(timing, weight, A_plus=0.05, A_minus=0.06, backprop_delay=True)
    rnd = np.random.RandomState(11)
    pre_times = [sorted(float(x) for x in rnd.choice(300, 20, replace=False)) for _ in range(2)]
    drive_times = [sorted(float(x) for x in rnd.choice(300, 30, replace=False))]
    conns = [(0, 0, 0.4, 3.0), (1, 0, 0.6, 3.0)]
    twin = Twin(1.0)
    try:
        pre, drive, post, proj = build(twin, pre_times, drive_times, conns, stdp, "inhibitory")
        done = 0
        for part in (37.0, 101.0, 1.0, 161.0):
            twin.run(part)
            done += int(part)
            if not REFERENCE_ONLY:
                check_weights(twin, proj, f"after {done} ms")
        if not REFERENCE_ONLY:
            check_post(post, post.ref, 300, 1.0, "split")
    finally:
        twin.end()
    finish()


@pytest.mark.parametrize("timing,weight", COMBOS)
@pytest.mark.parametrize("delay", [2.0, 40.0])
def test_reset_restores_initial_weights(timing, weight, delay):
    """run, reset, run: after reset() the stored weights are the initial ones and the second
    segment repeats the first exactly."""
    stdp = sr.Stdp(timing, weight, A_plus=0.05, A_minus=0.04)
    pre_times = [[10.0, 33.0, 70.0, 120.0, 150.0], [25.0, 90.0, 140.0]]
    drive_times = [[20.0, 50.0, 75.0, 100.0, 130.0]]
    conns = [(0, 0, 0.5, delay), (1, 0, 0.7, delay)]
    twin = Twin(1.0)
    try:
        pre, drive, post, proj = build(twin, pre_times, drive_times, conns, stdp, "inhibitory")
        initial = ref_weights(twin, proj)
        twin.run(200.0)
        assert ref_weights(twin, proj) != initial, "scenario: the weights changed"
        if not REFERENCE_ONLY:
            check_weights(twin, proj, "segment 0")
            check_post(post, post.ref, 200, 1.0, "before reset")
            sim.reset()
            got = sorted((int(c[0]), int(c[1]), float(c[2]))
                         for c in proj.sim.get("weight", format="list"))
            assert got == initial, "weights after reset() are not the initial ones"
            sim.run(200.0)
            fresh = Twin(1.0, backend=False)
            _, _, fpost, fproj = build(fresh, pre_times, drive_times, conns, stdp, "inhibitory")
            fresh.run(200.0)
            got = sorted((int(c[0]), int(c[1]), float(c[2]))
                         for c in proj.sim.get("weight", format="list"))
            assert got == ref_weights(fresh, fproj), "segment 1 weights"
            check_post(post, fpost.ref, 200, 1.0, "after reset", segment=1)
    finally:
        twin.end()
    finish()


@pytest.mark.parametrize("timing,weight", COMBOS)
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_random_dt01(timing, weight, data):
    """dt = 0.1 ms: LUTs of 0.1 ms steps (1526 entries for tau 20), FromList delays in ticks."""
    d_ticks = data.draw(st.sampled_from([1, 7, 16, 17, 40]))
    n_ticks = 600
    stdp = sr.Stdp(timing, weight, tau_plus=20.0, tau_minus=15.0, A_plus=0.05, A_minus=0.05,
                   backprop_delay=data.draw(st.booleans()))
    pre_ticks = sorted(data.draw(st.sets(st.integers(0, n_ticks - 1), max_size=12)))
    drive_ticks = sorted(data.draw(st.sets(st.integers(0, n_ticks - 1), max_size=10)))
    twin = Twin(0.1)
    try:
        conns = [(0, 0, 0.5, round(d_ticks * 0.1, 1))]
        pre, drive, post, proj = build(twin, [[round(t * 0.1, 1) for t in pre_ticks]],
                                       [[round(t * 0.1, 1) for t in drive_ticks]], conns, stdp,
                                       data.draw(st.sampled_from(["excitatory", "inhibitory"])),
                                       tau_refrac=1.0)
        assert proj.ref.delays == [d_ticks]
        run_and_check(twin, post, proj, n_ticks * 0.1, "dt 0.1")
    finally:
        twin.end()


def test_two_plastic_projections_and_static_onto_one_population():
    """Two plastic projections (same rule, different constant delays and receptors) and the
    static drive onto one population; the excitatory shift includes the static drive."""
    stdp = sr.Stdp("pair", "additive", A_plus=0.04, A_minus=0.05, w_max=1.0)
    twin = Twin(1.0)
    try:
        pre = twin.ssa([[5.0, 30.0, 80.0, 81.0, 140.0], [12.0, 60.0, 100.0, 150.0]], "pre")
        drive = twin.ssa([[20.0, 55.0, 95.0], [35.0, 70.0, 120.0]], "drive")
        post = twin.lif(2, "post", tau_refrac=2.0, **POST_PARAMS)
        twin.static(drive, post, [(j, j, DRIVE_WEIGHT, 1.0) for j in range(2)])
        p_exc = twin.plastic(pre, post, [(0, 0, 0.3, 4.0), (1, 1, 0.6, 4.0), (0, 1, 0.2, 4.0)],
                             stdp, "excitatory")
        p_inh = twin.plastic(pre, post, [(1, 0, 0.5, 20.0), (0, 1, 0.9, 20.0)], stdp,
                             "inhibitory")
        twin.run(180.0)
        if not REFERENCE_ONLY:
            check_weights(twin, p_exc, "excitatory")
            check_weights(twin, p_inh, "inhibitory")
            check_post(post, post.ref, 180, 1.0)
    finally:
        twin.end()
    finish()


# --------------------------------------------------------------------------------------------
# the classic STDP curve (examples/stdp_curve.py)
# --------------------------------------------------------------------------------------------
CURVE_DELTAS = [-50, -35, -20, -10, -5, -2, -1, 0, 1, 2, 5, 10, 20, 35, 50]


def _curve_example():
    import importlib.util
    path = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "stdp_curve.py")
    spec = importlib.util.spec_from_file_location("stdp_curve_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _curve_reference(curve, deltas, kind):
    """The same protocol in the reference network: (weight changes, post spike ticks)."""
    p = curve.PARAMS
    pre_t, drive_t = curve.spike_times(deltas)
    net = sr.StdpNetwork(1.0)
    n = len(deltas)
    pre = net.spike_source_array(n, pre_t)
    drive = net.spike_source_array(n, drive_t)
    post = net.if_curr_exp(n, tau_syn_E=1.0, tau_refrac=5.0)
    net.connect(drive, post, [(k, k, curve.DRIVE_WEIGHT, 1.0) for k in range(n)], on_chip=True)
    stdp = sr.Stdp("pair", kind, p["tau_plus"], p["tau_minus"], p["A_plus"], p["A_minus"],
                   p["w_min"], p["w_max"])
    proj = net.connect_plastic(pre, post, [(k, k, p["w0"], curve.DELAY) for k in range(n)],
                               stdp, "inhibitory", on_chip=True)
    net.run(net.ticks_for(curve.FIRST + curve.N_PAIRINGS * curve.PERIOD + 10.0))
    assert net.shift(post, "inhibitory") == 1          # the tolerance assumes 2^14 steps/nA
    dw = np.array([w - p["w0"] for _, _, w in net.plastic_weights(proj)])
    return dw, post.spikes


@pytest.mark.parametrize("kind", ["additive", "multiplicative"])
def test_stdp_curve_sign_and_shape(kind):
    """60 pairings per dt (examples/stdp_curve.py).  Checked on the machine's weights:
    * the post neurons fired exactly at the planned times (the drive controls them);
    * sign: potentiation for dt > 0, depression for dt <= 0 (dt = 0 is depression on the
      machine: the post spike is the 'previous' one with LUT-(0) = 1.0);
    * shape: |dw| decreases strictly as |dt| grows on each side;
    * the analytic float rule of 6.x (additive: +/-N A+/- w_max e^(-|dt|/tau); multiplicative:
      compounding towards w_max / w_min) within N * 3 weight steps (2^-14 nA): per pairing the
      machine loses < 1 step to the final floor, < 1 to the floor of the multiplicative scale,
      <= 0.5 to the integer a2 and a2/2048 to the LUT floor;
    * and the exact bits of the reference network."""
    curve = _curve_example()
    exp_dw, exp_posts = _curve_reference(curve, CURVE_DELTAS, kind)
    analytic = curve.analytic(CURVE_DELTAS, kind)
    tol = curve.tolerance()
    assert np.all(np.abs(exp_dw - analytic) <= tol), "reference vs analytic"   # scenario check
    finish()
    dw, posts = curve.run_curve(CURVE_DELTAS, kind)
    planned = [curve.FIRST + k * curve.PERIOD for k in range(curve.N_PAIRINGS)]
    for k, times in enumerate(posts):
        assert times == planned, f"dt={CURVE_DELTAS[k]}: post spikes {times[:5]}..."
    deltas = np.array(CURVE_DELTAS)
    assert np.all(dw[deltas > 0] > 0), f"potentiation expected: {dw}"
    assert np.all(dw[deltas <= 0] < 0), f"depression expected: {dw}"
    pos = dw[deltas > 0]                  # dt increasing: 1, 2, 5, ...
    neg = dw[deltas <= 0][::-1]           # dt decreasing: 0, -1, -2, ...
    assert np.all(np.diff(pos) < 0) and np.all(np.diff(np.abs(neg)) < 0), f"shape: {dw}"
    err = np.abs(dw - analytic)
    assert np.all(err <= tol), (f"machine vs analytic beyond {tol:.5f} nA at dt="
                                f"{deltas[err > tol].tolist()}: {dw} vs {analytic}")
    assert np.array_equal(dw, exp_dw), f"machine {dw} vs reference {exp_dw}"
