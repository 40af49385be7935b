"""The vectorised neuron update (8 neurons at a time, csrc/lanes.h) gives the scalar update's bits.

The scalar update is checked against the independent reference model by the bit-exactness
suites, which run both updates (their ``twin_factory`` is parametrised over
``PYNN_SPINN_VIRTUAL_NEURON_LANES``).  Here hypothesis drives both updates of the kernel over
arbitrary parameters and state (the whole int32 range, not only what the host writes), ring
entries, shifts, core sizes that are and are not multiples of 8, analog recording on some
ticks, current sources (a noisy one draws from its generator once per neuron, in neuron
order) and changes made by Python between runs; every array the kernel writes must come out
the same.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kernel_module import component_arrays, load_kernel

K = load_kernel()

#: the models whose components all have lane functions
LANE_MODELS = ["if_curr_exp", "if_cond_exp", "if_curr_delta", "if_curr_dual_exp", "izhikevich",
               "izhikevich_cond", "if_curr_exp_ca2_adaptive", "if_curr_alpha"]

needs_avx2 = pytest.mark.skipif(not K.lanes_available(),
                                reason="this processor cannot run the lane update (no AVX2)")

SPECIAL = np.array([-(1 << 31), -(1 << 31) + 1, -1, 0, 1, (1 << 31) - 1, 1 << 15, -(1 << 15)],
                   dtype=np.int64)


def field_values(rng, n, kind):
    """n int32 bit patterns: the whole range, small values, or edge values."""
    if kind == "any":
        values = rng.integers(-(1 << 31), 1 << 31, n)
    elif kind == "small":
        values = rng.integers(-(80 << 15), 80 << 15, n)
    else:
        values = rng.choice(SPECIAL, n)
    return values.astype(np.int64)


def fill(rng, comps, kinds):
    """Random bits in every field of every component (in place)."""
    for arr in comps.values():
        if arr is None:
            continue
        for name in arr.dtype.names:
            values = field_values(rng, len(arr), kinds[rng.integers(len(kinds))])
            if name in ("refract_timer", "T_refract"):
                values = values % 7 - 2                 # tick counts, some <= 0
            arr[name] = (values % (1 << 32)).astype(np.uint32).view(arr.dtype[name])


class Case:
    """Everything one network is built from; run() builds and runs an independent copy."""

    def __init__(self, seed, model, n, n_ticks, analog, sources, kinds):
        rng = np.random.default_rng(seed)
        self.model, self.n, self.n_ticks = model, n, n_ticks
        self.n_types = K.model_n_synapse_types(model)
        self.type_bits = max(1, (self.n_types - 1).bit_length())
        self.index_bits = max(0, (n - 1).bit_length())
        self.comps = component_arrays(K, model, n)
        fill(rng, self.comps, kinds)
        self.later = component_arrays(K, model, n)          # written by "Python" between runs
        fill(rng, self.later, kinds)
        self.shifts = [int(s) for s in rng.integers(0, 17, self.n_types)]
        ring_len = 16 << (self.type_bits + self.index_bits)
        self.ring = np.where(rng.random(ring_len) < 0.5, rng.integers(0, 1 << 16, ring_len),
                             0).astype(np.uint16)
        self.analog = analog
        self.sources = []
        for kind in sources:
            params = np.zeros(1, K.current_source_dtype(kind))
            if kind == "dc":
                params["amplitude"] = rng.integers(-(4 << 15), 4 << 15)
                params["start"], params["stop"] = 1, n_ticks
            else:
                params["mean"] = rng.integers(-(1 << 15), 1 << 15)
                params["stdev"] = rng.integers(0, 1 << 15)
                params["start"], params["stop"] = 0, n_ticks
                for field in ("rng_x", "rng_y", "rng_z", "rng_c"):
                    params[field] = rng.integers(1, 1 << 31)
            neurons = np.flatnonzero(rng.random(n) < 0.6)
            self.sources.append((kind, params, neurons))

    def run(self, lanes, split):
        """Builds the network and runs it with the lane (True) or scalar update, in two runs
        (ticks 0..split-1, then the rest; Python changes some state in between); returns
        every array the kernel wrote and whether the lane update ran."""
        net = K.Network(n_threads=1)
        net.neuron_lanes = lanes
        comps = {k: None if v is None else v.copy() for k, v in self.comps.items()}
        ring = self.ring.copy()
        core = net.add_neuron_core(self.model, self.n, self.n_types, self.index_bits,
                                   self.type_bits, 4, self.shifts, comps, ring)
        sources = [(kind, params.copy(), neurons) for kind, params, neurons in self.sources]
        for kind, params, neurons in sources:
            net.add_current_source(core, kind, params, neurons)
        spikes = np.zeros((self.n_ticks, (self.n + 31) // 32), np.uint32)
        analog = []
        if self.analog:
            recorded = np.arange(self.n) % 3 != 1                # some neurons not recorded
            columns = np.where(recorded, np.cumsum(recorded) - 1, -1).astype(np.int32)
            for slot in K.model_recordables(self.model):      # every other tick sampled
                buffer = np.zeros(((self.n_ticks + 1) // 2, int(recorded.sum())), np.int32)
                analog.append((slot, columns, 2, 0, buffer))
        net.set_recording(core, spikes=spikes, analog=analog)
        net.run(0, split)
        for kind, arr in comps.items():                     # Python changes some state
            if arr is not None:
                arr[::2] = self.later[kind][::2]
        net.run(split, self.n_ticks - split)
        out = {"spikes": spikes, "ring": ring}
        out.update({f"{kind}": arr for kind, arr in comps.items() if arr is not None})
        out.update({f"analog {entry[0]}": entry[4] for entry in analog})
        out.update({f"source {i}": params for i, (_, params, _) in enumerate(sources)})
        return out, net.uses_lanes(core)


cases = st.builds(
    Case,
    seed=st.integers(0, 2 ** 32 - 1),
    model=st.sampled_from(LANE_MODELS),
    n=st.one_of(st.integers(1, 20), st.sampled_from([8, 16, 24, 255, 256])),
    n_ticks=st.integers(2, 8),
    analog=st.booleans(),
    sources=st.lists(st.sampled_from(["dc", "noisy"]), max_size=2),
    kinds=st.lists(st.sampled_from(["any", "small", "special"]), min_size=1, max_size=3),
)


@needs_avx2
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases, split_at=st.floats(0.0, 1.0))
def test_lane_update_gives_the_scalar_bits(case, split_at):
    split = 1 + int(split_at * (case.n_ticks - 2))
    scalar, scalar_used_lanes = case.run(False, split)
    lanes, used_lanes = case.run(True, split)
    assert used_lanes and not scalar_used_lanes
    assert scalar.keys() == lanes.keys()
    for name in scalar:
        np.testing.assert_array_equal(lanes[name], scalar[name], err_msg=name)


@needs_avx2
def test_the_test_sees_a_difference():
    """The comparison above is not vacuous: the runs integrate, spike and record, and a
    changed input of one neuron changes what comes out."""
    case = Case(seed=7, model="if_curr_exp", n=13, n_ticks=6, analog=True,
                sources=["noisy"], kinds=["small"])
    s = 1 << 15
    for comps in (case.comps, case.later):     # an ordinary LIF (tau_m 20 ms, cm 1 nF)
        mem = comps["membrane"]
        mem["V_rest"], mem["V_reset"], mem["R_membrane"], mem["exp_TC"] = -65 * s, -70 * s, \
            20 * s, 31170
        mem["refract_timer"], mem["T_refract"] = 0, 2
        mem["V_membrane"] = -65 * s + np.arange(13) * s
        mem["I_offset"] = np.arange(13) * s // 2
        comps["threshold"]["threshold_value"] = -55 * s
    base, _ = case.run(True, 3)
    assert base["spikes"].any() and base["analog v"].any()
    integrated = base["membrane"]["V_membrane"] != case.comps["membrane"]["V_membrane"]
    assert integrated[1::2].all()                       # the neurons Python left alone
    case.comps["membrane"]["I_offset"][11] += 10 << 15    # an odd neuron: kept between runs
    changed, _ = case.run(True, 3)
    assert not np.array_equal(changed["membrane"], base["membrane"])
    assert not np.array_equal(changed["analog v"], base["analog v"])


@needs_avx2
@pytest.mark.parametrize("model", K.model_names())
def test_every_model_has_a_lane_update(model):
    assert model in LANE_MODELS                     # so the test above covers it
    net = K.Network(n_threads=1)
    comps = component_arrays(K, model, 3)
    n_types = K.model_n_synapse_types(model)
    type_bits = max(1, (n_types - 1).bit_length())
    ring = np.zeros(16 << (type_bits + 2), np.uint16)
    core = net.add_neuron_core(model, 3, n_types, 2, type_bits, 4, [0] * n_types, comps, ring)
    net.run(0, 2)
    assert net.uses_lanes(core)


def test_lane_update_switch_and_its_errors():
    net = K.Network(n_threads=1)
    assert net.neuron_lanes
    comps = component_arrays(K, "if_curr_exp", 9)
    ring = np.zeros(16 << 5, np.uint16)
    core = net.add_neuron_core("if_curr_exp", 9, 2, 4, 1, 4, [0, 0], comps, ring)
    source = net.add_spike_array_core(1, np.array([0], np.uint32), np.array([0], np.uint32))
    assert not net.uses_lanes(core)                      # not run yet
    net.run(0, 1)
    assert net.uses_lanes(core) == K.lanes_available()
    net.neuron_lanes = False
    net.run(1, 1)
    assert not net.uses_lanes(core)
    with pytest.raises(ValueError, match="spike_array core, not a neuron core"):
        net.uses_lanes(source)
    with pytest.raises(ValueError, match="out of range"):
        net.uses_lanes(5)


@pytest.mark.parametrize("setting, expected", [("1", True), ("0", False)])
def test_the_backend_chooses_the_update_by_the_environment(fresh, monkeypatch, setting,
                                                          expected):
    """PYNN_SPINN_VIRTUAL_NEURON_LANES=0 forces the scalar update; otherwise the cores of a
    model with lane functions use them (where the processor can)."""
    import pynn_spinn_virtual as sim
    monkeypatch.setenv("PYNN_SPINN_VIRTUAL_NEURON_LANES", setting)
    fresh(1.0)
    sim.Population(300, sim.IF_curr_exp(i_offset=1.0), label="lif")     # two cores
    sim.Population(5, sim.IF_curr_alpha(), label="alpha")
    sim.Population(5, sim.SpikeSourcePoisson(rate=10.0), label="poisson")
    sim.run(5.0)
    loaded = sim.simulator.state.loaded
    used = {core.population.label: loaded.kernel.uses_lanes(core.core.index)
            for core in loaded._neuron_cores()}
    lanes = expected and K.lanes_available()
    assert used == {"lif": lanes, "alpha": lanes}


def test_the_kernel_compiles_without_lanes():
    """Where there is no AVX2 (another processor, another compiler) the kernel is built
    without the lane functions (KN_NO_LANES stands for that here) and must still compile,
    warning-free."""
    import glob
    import os
    import shutil
    import subprocess
    compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler")
    root = os.path.join(os.path.dirname(__file__), "..", "csrc")
    sources = sorted(glob.glob(os.path.join(root, "*.c")) + glob.glob(os.path.join(root, "models",
                                                                                   "*.c")))
    assert sources
    for source in sources:
        result = subprocess.run([compiler, "-std=c99", "-Wall", "-Wno-unused-function", "-Werror",
                                 "-fsyntax-only", "-DKN_NO_LANES", "-I", root, source],
                                capture_output=True, text=True)
        assert result.returncode == 0, f"{source}:\n{result.stderr}"
