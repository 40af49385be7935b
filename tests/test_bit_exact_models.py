"""End-to-end bit-exactness, profile "6", of the neuron models other than IF_curr_exp and of the
(7.x-semantics) current sources, through the public PyNN API of pynn_spinn_virtual, against the
independent reference model (tests/reference_model.py: kernel.md + the sPyNNaker 6.0 sources,
never the backend's code).

Every comparison is on integer bit patterns: recorded v / gsyn_exc / gsyn_inh are S16.15, so
``round(value * 32768)`` recovers the machine bits exactly; spikes are compared as tick indices
(time / dt).  Conductance models record gsyn in uS (= synaptic state >> 10).

Set PYNN_SPINN_REFERENCE_ONLY=1 to build and run only the reference half of every scenario (the
scenario checks still run, then the test is skipped): a way to validate the scenarios without
the backend.
"""
import math
import os

import numpy as np
import pytest

import reference_model as rm
from neo_bits import assert_segment_matches, signal_bits
from twins import Pop, Proj

REFERENCE_ONLY = os.environ.get("PYNN_SPINN_REFERENCE_ONLY") == "1"
if not REFERENCE_ONLY:
    import pynn_spinn_virtual as sim
else:  # pragma: no cover
    sim = None

RECORD = ["spikes", "v", "gsyn_exc", "gsyn_inh"]

# PyNN name -> how to reach the class in the public API (sPyNNaker's names, frontend.md §1.6)
MODEL_PATHS = {
    "IF_curr_exp": ("IF_curr_exp",),
    "IF_cond_exp": ("IF_cond_exp",),
    "IF_curr_alpha": ("IF_curr_alpha",),
    "IF_curr_delta": ("IF_curr_delta",),
    "Izhikevich": ("Izhikevich",),
    "Izhikevich_cond": ("extra_models", "Izhikevich_cond"),
    "IFCurrExpCa2Adaptive": ("extra_models", "IFCurrExpCa2Adaptive"),
    "IF_curr_dual_exp": ("extra_models", "IF_curr_dual_exp"),
}
# state variables: set with Population.initialize, not with the cell constructor
STATE_VARIABLES = {"v", "u", "isyn_exc", "isyn_inh", "isyn_exc2", "i_ca2", "exc_response",
                   "exc_exp_response", "inh_response", "inh_exp_response"}


def model_class(name):
    obj = sim
    for part in MODEL_PATHS[name]:
        obj = getattr(obj, part)
    return obj


def _arr(x):
    return np.asarray(x, dtype=float) if np.ndim(x) else x


# --------------------------------------------------------------------------------------------
# helpers: build the same network in the backend and in the reference model
# --------------------------------------------------------------------------------------------
class Twin:
    """One network, built twice: in pynn_spinn_virtual (profile 6) and in the reference."""

    def __init__(self, dt):
        self.dt = dt
        if not REFERENCE_ONLY:
            sim.setup(timestep=dt)
        self.ref = rm.Network(dt)
        self.ticks = 0

    def ssa(self, spike_times, label):
        n = len(spike_times)
        p = None
        if not REFERENCE_ONLY:
            p = sim.Population(n, sim.SpikeSourceArray(spike_times=spike_times), label=label)
        return Pop(p, self.ref.spike_source_array(n, spike_times), label)

    def pop(self, model, n, label, record=RECORD, **params):
        cell = {k: _arr(v) for k, v in params.items() if k not in STATE_VARIABLES}
        init = {k: _arr(v) for k, v in params.items() if k in STATE_VARIABLES}
        p = None
        if not REFERENCE_ONLY:
            p = sim.Population(n, model_class(model)(**cell), label=label)
            if init:
                p.initialize(**init)
            if record:
                p.record(record)
        return Pop(p, self.ref.population(n, model, **params), label)

    def from_list(self, pre, post, conns, receptor="excitatory"):
        pj = None
        if not REFERENCE_ONLY:
            pj = sim.Projection(pre.sim, post.sim, sim.FromListConnector(conns),
                                sim.StaticSynapse(), receptor_type=receptor)
        return Proj(pj, self.ref.connect(pre.ref, post.ref, conns, receptor),
                    f"{pre.label}->{post.label} {receptor}")

    def one_to_one(self, pre, post, w, d, receptor="excitatory"):
        pj = None
        if not REFERENCE_ONLY:
            pj = sim.Projection(pre.sim, post.sim, sim.OneToOneConnector(),
                                sim.StaticSynapse(weight=w, delay=d), receptor_type=receptor)
        conns = [(i, i, w, d) for i in range(pre.n)]
        # scalar weight/delay: generated on chip in 6.x (kernel.md §4.3)
        return Proj(pj, self.ref.connect(pre.ref, post.ref, conns, receptor, on_chip=True),
                    f"{pre.label}->{post.label} {receptor}")

    def inject(self, sim_source_factory, ref_source, post, indices=None):
        """Inject a current source into ``post`` (all neurons, or a contiguous view)."""
        if not REFERENCE_ONLY:
            src = sim_source_factory()
            target = post.sim if indices is None else post.sim[indices[0]:indices[-1] + 1]
            target.inject(src)
        return self.ref.inject(ref_source, post.ref, indices)

    def run(self, t_ms):
        if not REFERENCE_ONLY:
            sim.run(t_ms)
        n = self.ref.ticks_for(t_ms)
        self.ref.run(n)
        self.ticks += n


@pytest.fixture
def twin_factory(neuron_update):
    made = []

    def make(dt):
        if made and not REFERENCE_ONLY:   # a second simulation in the same test
            sim.end()
        made.append(Twin(dt))
        return made[-1]

    yield make
    if made and not REFERENCE_ONLY:
        sim.end()


def finish(twin):
    """In reference-only mode: stop here (scenario checks done)."""
    if REFERENCE_ONLY:
        pytest.skip("reference-only mode: scenario checked on the reference only")


def check_population(twin, pop, what=""):
    """Exact comparison of everything recorded on ``pop`` with the reference."""
    finish(twin)
    what = f"{what} {pop.label}".strip()
    block = pop.sim.get_data()
    assert_segment_matches(block.segments[0], pop.ref, twin.ticks, twin.dt, what)
    return block


def check_weights(twin, proj):
    finish(twin)
    got = proj.sim.get("weight", format="list")
    got = sorted((int(c[0]), int(c[1]), abs(float(c[2]))) for c in got)
    exp = sorted(twin.ref.quantised_weights(proj.ref))
    assert len(got) == len(exp), f"{proj.label}: {len(got)} connections, expected {len(exp)}"
    for g, e in zip(got, exp):
        assert g == e, f"{proj.label}: quantised weight {g} expected {e}"


def refractory_seen(pop_ref, j, t_ref):
    """True if neuron j of the reference was held at v_reset for t_ref+1 recorded samples after
    some spike (i.e. the scenario really exercises refractoriness)."""
    reset = pop_ref.model.v_reset[j]
    for t in pop_ref.spikes[j]:
        if t + t_ref + 1 < len(pop_ref.v) and all(pop_ref.v[t + k][j] == reset
                                                 for k in range(1, t_ref + 2)):
            return True
    return False


def n_spikes(pop):
    return sum(len(s) for s in pop.ref.spikes)


# --------------------------------------------------------------------------------------------
# shared input patterns (coincident spikes: several sources, and several spikes of one source,
# in the same tick)
# --------------------------------------------------------------------------------------------
EXC_TIMES = [[5.0, 12.0, 12.5, 13.0, 20.0, 21.0, 22.0, 23.0, 40.0, 40.3, 40.6, 41.0, 70.0, 71.0],
             [8.0, 12.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0],
             [12.0, 20.0, 33.3, 34.0, 35.0, 36.0, 60.0, 61.0, 62.0, 63.0, 85.0, 85.5]]
INH_TIMES = [[20.0, 41.0, 60.0, 84.0, 86.0], [21.0, 22.0, 36.0, 62.0, 87.0]]


def scaled(times, dt):
    """Same pattern in ticks at another dt (times in ms scaled by dt)."""
    return [[t * dt for t in ts] for ts in times]


# --------------------------------------------------------------------------------------------
# IF_cond_exp
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", [1.0, 0.1])
def test_if_cond_exp_exc_inh_refractory(twin_factory, dt):
    tw = twin_factory(dt)
    exc = tw.ssa(scaled(EXC_TIMES, dt), "exc")
    inh = tw.ssa(scaled(INH_TIMES, dt), "inh")
    post = tw.pop("IF_cond_exp", 3, "cond", v=[-65.0, -58.0, -62.0], i_offset=[0.3, 0.1, 0.5],
                  tau_refrac=[2.0, 3.0, 1.0], tau_syn_E=[5.0, 3.0, 8.0], tau_syn_I=[5.0, 10.0, 2.0],
                  e_rev_E=[0.0, -10.0, 5.0], e_rev_I=[-70.0, -80.0, -75.0])
    d1, d3, d7 = dt, 3 * dt, 7 * dt
    projs = [
        tw.from_list(exc, post, [(0, 0, 0.05, d1), (1, 0, 0.12, d1), (2, 1, 0.05, d1),
                                 (0, 2, 0.12, d1), (2, 2, 0.033, d1)]),
        tw.from_list(exc, post, [(1, 1, 0.09, d3), (2, 0, 0.07, d3)]),
        tw.from_list(exc, post, [(0, 1, 0.04, d7)]),
        tw.from_list(inh, post, [(0, 0, 0.2, d1), (1, 1, 0.3, d1), (0, 2, 0.15, d1)],
                     "inhibitory"),
        tw.from_list(inh, post, [(1, 0, 0.25, d3)], "inhibitory"),
    ]
    o2o = tw.one_to_one(inh, post, 0.1, d7, "inhibitory")   # 6.x on-chip weight path
    tw.run(100.0)
    r = tw.ref
    # the scenario exercises what it claims (checked on the reference)
    # per projection: w_max * (most connections onto one post neuron) * 1024, summed
    assert r.shift(post.ref, "excitatory") == 9      # (0.12*2 + 0.09 + 0.04) * 1024 = 378.9
    assert r.shift(post.ref, "inhibitory") == 10     # (0.3 + 0.25 + 0.1) * 1024 = 665.6
    assert post.ref.saturations == 0
    if dt == 1.0:
        assert n_spikes(post) >= 4, "scenario: post must fire"
        assert refractory_seen(post.ref, 0, 2) or refractory_seen(post.ref, 2, 1)
    assert min(min(row) for row in post.ref.gsyn_inh) == 0
    assert max(max(row) for row in post.ref.gsyn_inh) > 0
    check_population(tw, post, f"dt={dt}")
    for p in projs + [o2o]:
        check_weights(tw, p)


def test_if_cond_exp_saturation_and_reversal(twin_factory):
    """uint16 ring-buffer saturation with conductance weights (x1024) and an inhibitory
    reversal potential above V (inhibition that depolarises)."""
    tw = twin_factory(1.0)
    burst = [4.05 + 0.05 * k for k in range(20)]          # 20 spikes, all in tick 5
    src = tw.ssa([burst, [30.0, 30.5], [50.0]], "src")
    post = tw.pop("IF_cond_exp", 3, "cond_sat", e_rev_I=[-70.0, -70.0, -50.0], tau_refrac=2.0)
    tw.from_list(src, post, [(0, 0, 0.08, 1.0), (1, 1, 0.08, 1.0)])
    tw.from_list(src, post, [(2, 2, 0.5, 1.0), (1, 2, 0.5, 1.0)], "inhibitory")
    tw.run(70.0)
    assert tw.ref.shift(post.ref, "excitatory") == 7       # 0.08 * 1024 = 81.92
    assert tw.ref.quantised_weights(tw.ref.projections[0])[0][2] == 20972 / 2 ** 18
    assert post.ref.saturations > 0, "scenario: the ring buffer must saturate"
    assert post.ref.gsyn_exc[6][0] == rm.decay_s1615(65535 << 7, rm.exp_init(1.0, 5.0)) >> 10
    v2 = [row[2] for row in post.ref.v]
    assert v2[52] > v2[51], "scenario: E_rev_I = -50 > V depolarises"
    check_population(tw, post, "saturation")


# --------------------------------------------------------------------------------------------
# IF_curr_alpha
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", [1.0, 0.1])
def test_if_curr_alpha(twin_factory, dt):
    tw = twin_factory(dt)
    exc = tw.ssa(scaled(EXC_TIMES, dt), "exc")
    inh = tw.ssa(scaled(INH_TIMES, dt), "inh")
    post = tw.pop("IF_curr_alpha", 3, "alpha", v=[-65.0, -60.0, -55.0],
                  tau_syn_E=[2.0, 0.5, 5.0], tau_syn_I=[3.0, 0.5, 1.5],
                  tau_refrac=[2.0, 0.1, 4.0], i_offset=[0.6, 0.5, 0.65])
    dflt = tw.pop("IF_curr_alpha", 2, "alpha_default", i_offset=[0.0, 0.5])
    d1, d2 = dt, 2 * dt
    projs = [
        tw.from_list(exc, post, [(0, 0, 6.0, d1), (1, 0, 8.0, d1), (2, 1, 10.0, d1),
                                 (0, 2, 2.8, d1), (1, 2, 4.4, d1)]),
        tw.from_list(exc, post, [(2, 0, 3.6, d2)]),
        tw.from_list(inh, post, [(0, 0, 4.0, d1), (1, 1, 3.2, d1), (1, 2, 4.8, d1)],
                     "inhibitory"),
        tw.from_list(exc, dflt, [(0, 0, 3.0, d1), (2, 1, 1.9, d1)]),
        tw.from_list(inh, dflt, [(1, 0, 2.0, d1)], "inhibitory"),
    ]
    tw.run(100.0)
    assert n_spikes(post) >= 6 and all(post.ref.spikes), "scenario: every neuron fires"
    assert any(row[0] != 0 for row in dflt.ref.gsyn_exc), "scenario: tau 0.5 delivers (6.x)"
    check_population(tw, post, f"dt={dt}")
    check_population(tw, dflt, f"dt={dt}")
    for p in projs:
        check_weights(tw, p)


# --------------------------------------------------------------------------------------------
# IF_curr_delta
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", [1.0, 0.1])
def test_if_curr_delta(twin_factory, dt):
    tw = twin_factory(dt)
    exc = tw.ssa(scaled(EXC_TIMES, dt), "exc")
    inh = tw.ssa(scaled(INH_TIMES, dt), "inh")
    post = tw.pop("IF_curr_delta", 3, "delta", v=[-65.0, -52.0, -60.0],
                  tau_refrac=[3.0, 1.0, 5.0], i_offset=[0.6, 0.0, 0.8])
    d1, d4 = dt, 4 * dt
    projs = [
        tw.from_list(exc, post, [(0, 0, 12.0, d1), (1, 0, 9.0, d1), (2, 1, 6.5, d1),
                                 (0, 2, 14.0, d1), (2, 2, 3.3, d1)]),
        tw.from_list(exc, post, [(1, 1, 7.7, d4), (2, 0, 5.0, d4)]),
        tw.from_list(inh, post, [(0, 0, 8.0, d1), (1, 1, 11.0, d1), (0, 2, 4.4, d1)],
                     "inhibitory"),
    ]
    tw.run(100.0)
    if dt == 1.0:
        assert n_spikes(post) >= 4
        # an input arriving while refractory is lost (the neuron is frozen, the delta state is
        # zeroed after the step): find one in the reference
        lost = [(t, j) for j in range(3) for t in range(1, tw.ticks - 1)
                if post.ref.gsyn_exc[t][j] > 0 and post.ref.v[t + 1][j] == post.ref.v[t][j]
                == post.ref.model.v_reset[j]]
        assert lost, "scenario: some delta input must arrive during refractoriness"
    check_population(tw, post, f"dt={dt}")
    for p in projs:
        check_weights(tw, p)


# --------------------------------------------------------------------------------------------
# Izhikevich (current and conductance)
# --------------------------------------------------------------------------------------------
IZH_PARAMS = dict(a=[0.02, 0.1, 0.02, 0.02], b=[0.2, 0.2, 0.2, 0.25],
                  c=[-65.0, -65.0, -50.0, -55.0],
                  d=[8.0, 2.0, 2.0, 0.05], i_offset=[5.0, 6.0, 10.0, 0.0],
                  v=[-70.0, -65.0, -60.0, -64.0], u=[-14.0, -13.0, -12.0, -16.0])


@pytest.mark.parametrize("dt", [1.0, 0.1])
def test_izhikevich_several_spikes(twin_factory, dt):
    tw = twin_factory(dt)
    exc = tw.ssa(scaled(EXC_TIMES, 1.0), "exc")       # same times in ms at both dt
    inh = tw.ssa(scaled(INH_TIMES, 1.0), "inh")
    izh = tw.pop("Izhikevich", 4, "izh", **IZH_PARAMS)
    d = 2.0 if dt == 1.0 else 0.3
    projs = [
        tw.from_list(exc, izh, [(0, 0, 3.0, d), (1, 1, 2.0, d), (2, 2, 4.0, d), (0, 3, 9.0, d),
                                (1, 3, 7.5, d), (2, 3, 6.0, d)]),
        tw.from_list(inh, izh, [(0, 0, 5.0, d), (1, 2, 6.0, d), (0, 3, 2.0, d)], "inhibitory"),
    ]
    tw.run(150.0)
    for j in range(3):
        assert len(izh.ref.spikes[j]) >= 3, f"scenario: Izhikevich neuron {j} fires several times"
    assert izh.ref.spikes[3], "scenario: the synaptically driven neuron fires"
    check_population(tw, izh, f"dt={dt}")
    for p in projs:
        check_weights(tw, p)


@pytest.mark.parametrize("dt", [1.0, 0.1])
def test_izhikevich_cond(twin_factory, dt):
    tw = twin_factory(dt)
    exc = tw.ssa(scaled(EXC_TIMES, 1.0), "exc")
    inh = tw.ssa(scaled(INH_TIMES, 1.0), "inh")
    izh = tw.pop("Izhikevich_cond", 3, "izh_cond", a=[0.02, 0.1, 0.02], b=0.2,
                 c=[-65.0, -65.0, -50.0], d=[8.0, 2.0, 2.0], i_offset=[4.0, 0.0, 1.0],
                 e_rev_E=[0.0, 10.0, 0.0], e_rev_I=[-70.0, -80.0, -65.0],
                 tau_syn_E=[5.0, 3.0, 8.0], tau_syn_I=[5.0, 6.0, 4.0])
    d = 1.0
    projs = [
        tw.from_list(exc, izh, [(0, 0, 0.1, d), (1, 1, 0.15, d), (2, 1, 0.15, d), (0, 2, 0.2, d),
                                (2, 2, 0.05, d)]),
        tw.from_list(inh, izh, [(0, 0, 0.3, d), (1, 1, 0.2, d), (1, 2, 0.4, d)], "inhibitory"),
    ]
    tw.run(120.0)
    assert len(izh.ref.spikes[0]) >= 3 and izh.ref.spikes[1], "scenario: neurons fire"
    check_population(tw, izh, f"dt={dt}")
    for p in projs:
        check_weights(tw, p)


def test_izhikevich_run_continuation(twin_factory):
    """run(37); run(63) == run(100): this_h (1.85 dt after a spike) survives the pause."""
    results = []
    for chunks in ([100.0], [37.0, 63.0]):
        tw = twin_factory(1.0)
        exc = tw.ssa(scaled(EXC_TIMES, 1.0), "exc")
        izh = tw.pop("Izhikevich", 4, "izh_cont", **IZH_PARAMS)
        tw.from_list(exc, izh, [(0, 0, 3.0, 1.0), (1, 3, 9.0, 1.0), (2, 3, 9.0, 1.0)])
        for c in chunks:
            tw.run(c)
        check_population(tw, izh, f"runs {chunks}")
        results.append(izh.ref.v)
    assert results[0] == results[1]


# --------------------------------------------------------------------------------------------
# IFCurrExpCa2Adaptive, IF_curr_dual_exp
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", [1.0, 0.1])
def test_ca2_adaptive(twin_factory, dt):
    tw = twin_factory(dt)
    exc = tw.ssa(scaled(EXC_TIMES, 1.0), "exc")
    inh = tw.ssa(scaled(INH_TIMES, 1.0), "inh")
    pop = tw.pop("IFCurrExpCa2Adaptive", 3, "ca2", i_offset=[2.0, 1.2, 0.0],
                 tau_ca2=[50.0, 20.0, 100.0], i_alpha=[0.1, 0.4, 0.2], tau_refrac=[2.0, 1.0, 0.1],
                 i_ca2=[0.0, 0.5, 0.0])
    tw.from_list(exc, pop, [(0, 2, 4.0, 1.0), (1, 2, 4.0, 1.0), (2, 2, 4.0, 1.0),
                            (0, 0, 1.0, 1.0)])
    tw.from_list(inh, pop, [(0, 1, 2.0, 1.0), (1, 0, 1.5, 1.0)], "inhibitory")
    tw.run(200.0)
    s = pop.ref.spikes[0]
    assert len(s) >= 6 and (s[-1] - s[-2]) > (s[1] - s[0]), "scenario: adaptation"
    assert pop.ref.spikes[2], "scenario: synaptically driven neuron fires"
    check_population(tw, pop, f"dt={dt}")


@pytest.mark.parametrize("dt", [1.0, 0.1])
def test_if_curr_dual_exp(twin_factory, dt):
    tw = twin_factory(dt)
    exc = tw.ssa(scaled(EXC_TIMES, dt), "exc")
    inh = tw.ssa(scaled(INH_TIMES, dt), "inh")
    pop = tw.pop("IF_curr_dual_exp", 3, "dual", tau_syn_E=[2.0, 5.0, 1.0],
                 tau_syn_E2=[10.0, 20.0, 4.0], tau_syn_I=[5.0, 3.0, 6.0],
                 tau_refrac=[2.0, 1.0, 3.0], i_offset=[0.3, 0.6, 0.0])
    d1, d2 = dt, 2 * dt
    projs = [
        tw.from_list(exc, pop, [(0, 0, 1.5, d1), (1, 1, 2.0, d1), (2, 2, 3.0, d1)]),
        tw.from_list(exc, pop, [(1, 0, 0.6, d2), (2, 1, 0.45, d2), (0, 2, 1.1, d2)],
                     "excitatory2"),
        tw.from_list(inh, pop, [(0, 0, 1.0, d1), (1, 1, 2.5, d1), (1, 2, 0.7, d1)],
                     "inhibitory"),
    ]
    tw.run(100.0)
    r = tw.ref
    assert [r.shift(pop.ref, x) for x in ("excitatory", "excitatory2", "inhibitory")] == [2, 1, 2]
    if dt == 1.0:
        assert n_spikes(pop) >= 3
    check_population(tw, pop, f"dt={dt}")
    for p in projs:
        check_weights(tw, p)


# --------------------------------------------------------------------------------------------
# current sources (7.x semantics offered by profile 6): onset/offset tick and values
# --------------------------------------------------------------------------------------------
def probe(tw, n, label):
    """IF_curr_exp with R = tau_m/cm = 1.0 and exp_TC = S1615(exp(-20)) = 0, v_rest = 0:
    v recorded at tick t+1 is exactly the total current of tick t, in nA bits."""
    tau = 0.05 if tw.dt == 1.0 else 0.005
    p = tw.pop("IF_curr_exp", n, label, tau_m=tau, cm=tau, v_rest=0.0, v_reset=0.0,
               v_thresh=1000.0, tau_refrac=0.0, v=0.0)
    assert p.ref.model.r[0] == 32768 and p.ref.model.exp_tc[0] == 0
    return p


def currents(tw, pop, j=0):
    """Per tick t (0 .. n-2), the current seen by probe neuron j (from v[t+1])."""
    return [pop.ref.v[t + 1][j] for t in range(tw.ticks - 1)]


@pytest.mark.parametrize("dt", [1.0, 0.1])
def test_dc_source(twin_factory, dt):
    tw = twin_factory(dt)
    pr = probe(tw, 2, "probe")
    lif = tw.pop("IF_curr_exp", 2, "lif", tau_refrac=2.0)
    start, stop = 10 * dt, 40 * dt
    for target in (pr, lif):
        tw.inject(lambda: sim.DCSource(amplitude=1.7, start=start, stop=stop),
                  rm.DCSource(amplitude=1.7, start=start, stop=stop), target)
    tw.run(60 * dt)
    amp = rm.encode_s1615(1.7)
    assert currents(tw, pr) == [0] * 10 + [amp] * 30 + [0] * 19
    if dt == 1.0:
        assert lif.ref.spikes[0], "scenario: the DC current makes the LIF fire"
    check_population(tw, pr, f"dt={dt}")
    check_population(tw, lif, f"dt={dt}")


def test_dc_sources_on_a_view_and_summed(twin_factory):
    tw = twin_factory(1.0)
    pr = probe(tw, 3, "probe")
    tw.inject(lambda: sim.DCSource(amplitude=0.5, start=5.0, stop=20.0),
              rm.DCSource(amplitude=0.5, start=5.0, stop=20.0), pr)
    tw.inject(lambda: sim.DCSource(amplitude=-0.25, start=10.0, stop=30.0),
              rm.DCSource(amplitude=-0.25, start=10.0, stop=30.0), pr, indices=[1, 2])
    tw.run(35.0)
    assert currents(tw, pr, 0) == [0] * 5 + [16384] * 15 + [0] * 14
    assert currents(tw, pr, 1) == ([0] * 5 + [16384] * 5 + [8192] * 10 + [-8192] * 10
                                   + [0] * 4)
    check_population(tw, pr)


def test_step_current_source(twin_factory):
    tw = twin_factory(1.0)
    pr = probe(tw, 1, "probe")
    lif = tw.pop("IF_curr_exp", 1, "lif", tau_refrac=2.0)
    times, amps = [5.0, 12.0, 30.0, 45.0], [0.5, -0.3, 2.1, 0.0]
    for target in (pr, lif):
        tw.inject(lambda: sim.StepCurrentSource(times=times, amplitudes=amps),
                  rm.StepCurrentSource(times=times, amplitudes=amps), target)
    tw.run(60.0)
    exp = ([0] * 5 + [16384] * 7 + [rm.encode_s1615(-0.3)] * 18 + [rm.encode_s1615(2.1)] * 15
           + [0] * 14)
    assert currents(tw, pr) == exp
    assert lif.ref.spikes[0], "scenario: the step current makes the LIF fire"
    check_population(tw, pr)
    check_population(tw, lif)


def test_ac_source(twin_factory):
    """AC: offset + amplitude * sink(mulk((t - start) << 15, S1615(2 pi f / 1000)) + phase)
    with spinn_common's fixed-point sine (dt = 1 ms, where 7.x's per-tick frequency is right)."""
    tw = twin_factory(1.0)
    pr = probe(tw, 1, "probe")
    lif = tw.pop("IF_curr_exp", 1, "lif", tau_refrac=2.0)
    kw = dict(start=5.0, stop=80.0, amplitude=2.5, offset=0.4, frequency=40.0, phase=45.0)
    for target in (pr, lif):
        tw.inject(lambda: sim.ACSource(**kw), rm.ACSource(**kw), target)
    tw.run(90.0)
    cur = currents(tw, pr)
    assert cur[:5] == [0] * 5 and cur[80:] == [0] * 9
    for t in range(5, 80):
        approx = 0.4 + 2.5 * math.sin(2 * math.pi * 40.0 * (t - 5) / 1000.0 + math.pi / 4)
        assert abs(cur[t] / 32768 - approx) < 3e-3
    assert lif.ref.spikes[0], "scenario: the AC current makes the LIF fire"
    check_population(tw, pr)
    check_population(tw, lif)


def test_ac_source_crest_quirk(twin_factory):
    """spinn_common's sink() returns -1.0 instead of +1.0 for arguments just below pi/2 (octant 1,
    angles ~89.70..89.99 deg): the s0.31 sum c + s and the rounding overflow int32 and GCC wraps
    (checked on arm-none-eabi-gcc 12.2 code for src/sincos.c: ``lsl #16; asr #16``).  With
    frequency 0 the AC source is the constant offset + amplitude * sink(phase)."""
    tw = twin_factory(1.0)
    pr = probe(tw, 3, "probe")
    for j, phase in enumerate((89.8, 90.0, 89.5)):
        kw = dict(start=2.0, stop=6.0, amplitude=1.0, offset=0.0, frequency=0.0, phase=phase)
        tw.inject(lambda kw=kw: sim.ACSource(**kw), rm.ACSource(**kw), pr, indices=[j])
    tw.run(8.0)
    assert currents(tw, pr, 0) == [0, 0, -32768, -32768, -32768, -32768, 0]
    assert currents(tw, pr, 1) == [0, 0] + [32768] * 4 + [0]
    assert currents(tw, pr, 2) == [0, 0] + [32767] * 4 + [0]
    check_population(tw, pr)


def test_noisy_current_source_structure(twin_factory):
    """The noise seed comes from numpy.random.RandomState(None) on the host (7.x), so the
    values cannot be predicted; check what can be: zero outside [start, stop), and inside every
    per-tick value is mean + mulk(stdev, norminv_urt(u)) for some 16-bit u (stdev = 1.0 makes
    the product exact), with plausible statistics; and the LIF integrates it bit-exactly given
    the currents seen by the probe (same source, injected into both neurons of the probe)."""
    tw = twin_factory(1.0)
    pr = probe(tw, 2, "probe")
    tw.inject(lambda: sim.NoisyCurrentSource(mean=0.5, stdev=1.0, start=10.0, stop=210.0),
              rm.NoisyCurrentSource(mean=0.5, stdev=1.0, start=10.0, stop=210.0,
                                    seed=[1, 2, 3, 4]), pr)
    tw.run(220.0)
    finish(tw)
    seg = pr.sim.get_data().segments[0]
    v = signal_bits(seg, "v", "mV")
    image = {rm.norminv_rbits(x) for x in range(-32768, 32768)}
    mean = rm.encode_s1615(0.5)
    for j in range(2):
        cur = v[1:, j].tolist()                       # current of tick t = v[t + 1]
        assert cur[:10] == [0] * 10 and cur[210:] == [0] * 9
        inside = cur[10:210]
        bad = [(t + 10, c) for t, c in enumerate(inside) if (c - mean) not in image]
        assert not bad, f"neuron {j}: currents not of the form mean + norminv_urt(u): {bad[:5]}"
        z = np.array(inside, dtype=float) / 32768 - 0.5
        assert abs(z.mean()) < 0.3 and 0.7 < z.std() < 1.3
    assert v[11:211, 0].tolist() != v[11:211, 1].tolist(), "each neuron draws its own value"
