"""The neuron models and current sources of the C kernel, a few ticks each.

Every expected number is computed here by hand, with Python integers, from the formulas of
spec/kernel.md (§1 fixed point, §2.4 order, §3 models) and docs/models.md (current sources),
never by running the kernel.  Inputs are written straight into the ring buffer (entry of
slot t, synapse type s, neuron n = the summed weight that arrives at tick t), so each test
controls exactly what the synapse receives.
"""
import math

import numpy as np
import pytest

from kernel_module import component_arrays, load_kernel


K = load_kernel()

# ---- the spec's integer rules ------------------------------------------------------------------


def wrap32(x):
    return ((x + (1 << 31)) % (1 << 32)) - (1 << 31)


def mulk(a, b):                      # accum * accum: floor, wrap
    return wrap32((a * b) >> 15)


def decay(x, d):                     # accum * u0.32 (decay_s1615): floor
    return (x * d) >> 32


def divk(a, b):                      # libgcc accum division: (a << 15) / b, toward zero
    n = a << 15
    q = abs(n) // abs(b)
    return wrap32(q if (n >= 0) == (b > 0) else -q)


def half(x):                         # mulk(x, 0.5k)
    return mulk(x, 1 << 14)


S = 1 << 15
R20, EXP_TC20 = 655360, 31170                       # §3.3: dt 1, tau_m 20, cm 1
TAU5_DECAY, TAU5_INIT = 3516421809, 3892727437      # §3.3: dt 1, tau 5
TAU2_DECAY, TAU2_INIT = 2605029347, 3379875897      # §3.3: dt 1, tau 2


def lif_step(v, exc, inh, v_rest=-65 * S, i_offset=0, bias=0, offset=0, r=R20, exp_tc=EXP_TC20):
    i = wrap32(wrap32(wrap32(exc - inh) + bias) + i_offset + offset)
    alpha = wrap32(mulk(i, r) + v_rest)
    return wrap32(alpha - mulk(exp_tc, wrap32(alpha - v)))


# ---- building one neuron core --------------------------------------------------------------------


def arrays(model, n):
    """Zeroed component arrays of `model` (None for field-less components)."""
    return component_arrays(K, model, n)


def lif(comps, v=-65 * S, v_rest=-65 * S, v_reset=-70 * S, t_refract=2, threshold=-50 * S,
        i_offset=0):
    mem = comps["membrane"]
    mem["V_membrane"], mem["V_rest"], mem["R_membrane"] = v, v_rest, R20
    mem["exp_TC"], mem["I_offset"], mem["V_reset"] = EXP_TC20, i_offset, v_reset
    mem["T_refract"] = t_refract
    comps["threshold"]["threshold_value"] = threshold


class Core:
    """One neuron core of `model` with n neurons, 4 delay bits, every value recorded."""

    def __init__(self, model, comps, n=1, type_bits=None, shifts=None, n_ticks=16):
        self.net = K.Network(n_threads=1)
        self.n_types = K.model_n_synapse_types(model)
        self.tb = type_bits if type_bits is not None else max(1, (self.n_types - 1).bit_length())
        self.ib = max(1, (n - 1).bit_length())
        self.ring = np.zeros(16 << (self.tb + self.ib), np.uint16)
        self.comps = comps
        self.core = self.net.add_neuron_core(
            model, n, self.n_types, self.ib, self.tb, 4,
            shifts if shifts is not None else [0] * self.n_types, comps, self.ring)
        self.spikes = np.zeros((n_ticks, (n + 31) // 32), np.uint32)
        cols = np.arange(n, dtype=np.int32)
        self.v, self.gsyn_exc, self.gsyn_inh = (np.zeros((n_ticks, n), np.int32)
                                                for _ in range(3))
        self.net.set_recording(self.core, spikes=self.spikes, analog=[
            ("v", cols, 1, 0, self.v), ("gsyn_exc", cols, 1, 0, self.gsyn_exc),
            ("gsyn_inh", cols, 1, 0, self.gsyn_inh)])
        self.tick = 0

    def put(self, tick, syn_type, neuron, entry):
        """Ring-buffer entry that the synapse receives at `tick` (< 16 ticks ahead)."""
        self.ring[((tick & 15) << (self.tb + self.ib)) | (syn_type << self.ib) | neuron] = entry

    def run(self, n):
        self.net.run(self.tick, n)
        self.tick += n

    def spiked(self, tick, neuron=0):
        return bool(self.spikes[tick, neuron >> 5] >> (neuron & 31) & 1)


# ---- registry ---------------------------------------------------------------------------------------


def test_registry_of_the_new_models():
    assert K.model_components("if_cond_exp") == [
        "membrane:lif", "synapse:exponential", "input:conductance", "threshold:static"]
    assert K.model_components("if_curr_alpha")[1] == "synapse:alpha"
    assert K.model_components("if_curr_delta")[1:3] == ["synapse:delta", "input:delta"]
    assert K.model_components("izhikevich") == [
        "membrane:izhikevich", "synapse:exponential", "input:current", "threshold:static"]
    assert K.model_components("izhikevich_cond")[2] == "input:conductance"
    assert K.model_components("if_curr_exp_ca2_adaptive")[-1] == "additional:ca2_adaptive"
    assert K.model_component_kinds("if_curr_exp_ca2_adaptive")[-1] == "additional"
    assert K.model_n_synapse_types("if_curr_dual_exp") == 3
    for model in K.model_names():
        assert K.model_recordables(model) == ["v", "gsyn_exc", "gsyn_inh"]
    assert K.component_fields("input:conductance") == ["V_rev_E", "V_rev_I"]
    assert K.component_fields("input:delta") == ["scale"]
    assert K.component_fields("synapse:delta") == ["isyn_exc", "isyn_inh"]
    assert K.component_fields("synapse:alpha") == [
        "exc_lin", "exc_exp", "exc_q", "exc_dt_over_tau2", "exc_decay",
        "inh_lin", "inh_exp", "inh_q", "inh_dt_over_tau2", "inh_decay"]
    assert K.component_dtype("synapse:alpha")["exc_decay"] == np.uint32
    assert K.component_fields("synapse:dual_exponential") == [
        "exc_decay", "exc_init", "isyn_exc", "exc2_decay", "exc2_init", "isyn_exc2",
        "inh_decay", "inh_init", "isyn_inh"]
    assert K.component_fields("membrane:izhikevich") == [
        "A", "B", "C", "D", "V", "U", "I_offset", "this_h", "reset_h"]
    assert K.component_fields("additional:ca2_adaptive") == ["exp_TauCa", "I_Ca2", "I_alpha"]


def test_dual_exp_needs_two_type_bits():
    comps = arrays("if_curr_dual_exp", 1)
    with pytest.raises(ValueError, match="does not fit in type_bits = 1"):
        K.Network().add_neuron_core("if_curr_dual_exp", 1, 3, 1, 1, 4, [0, 0, 0], comps,
                                    np.zeros(16 << 2, np.uint16))


# ---- IF_cond_exp ------------------------------------------------------------------------------------


def test_if_cond_exp_shift_by_10_and_negate_first():
    comps = arrays("if_cond_exp", 1)
    lif(comps)
    syn = comps["synapse"]
    syn["exc_decay"], syn["exc_init"] = TAU5_DECAY, TAU5_INIT
    syn["inh_decay"], syn["inh_init"] = TAU5_DECAY, TAU5_INIT
    syn["isyn_exc"] = -5000                   # a negative state: >> 10 must floor (-5, not -4)
    syn["isyn_inh"] = 70001
    comps["input"]["V_rev_E"], comps["input"]["V_rev_I"] = 0, -70 * S
    core = Core("if_cond_exp", comps)
    core.put(1, 0, 0, 40000)
    core.run(3)

    v, isyn_e, isyn_i = -65 * S, -5000, 70001
    for t in range(3):
        if t == 1:
            isyn_e = wrap32(isyn_e + decay(40000, TAU5_INIT))
        g_e, g_i = isyn_e >> 10, isyn_i >> 10
        assert core.gsyn_exc[t, 0] == g_e and core.gsyn_inh[t, 0] == g_i, t
        assert core.v[t, 0] == v, t
        exc = mulk(g_e, wrap32(0 - v))
        inh = mulk(wrap32(-g_i), wrap32(-70 * S - v))
        v = lif_step(v, exc, inh)
        isyn_e, isyn_i = decay(isyn_e, TAU5_DECAY), decay(isyn_i, TAU5_DECAY)
    assert -5000 >> 10 == -5                                    # floor, not truncation
    assert comps["membrane"]["V_membrane"][0] == v
    assert comps["synapse"]["isyn_exc"][0] == isyn_e


def test_conductance_inhibitory_current_negates_before_the_product():
    """(-g) * (E - V) and -(g * (E - V)) differ when the product is not exact: the kernel
    takes the first (observed through V after one tick)."""
    g_bits = 7 << 10                                  # state 7168 -> g = 7 bits
    v0 = -65 * S + 3                                  # E_rev_I - V = -5 mV - 3 bits
    e_rev_i = -70 * S
    negate_first = mulk(-7, wrap32(e_rev_i - v0))
    negate_after = -mulk(7, wrap32(e_rev_i - v0))
    assert negate_first != negate_after
    comps = arrays("if_cond_exp", 1)
    lif(comps, v=v0)
    comps["synapse"]["isyn_inh"] = g_bits
    comps["input"]["V_rev_I"] = e_rev_i
    core = Core("if_cond_exp", comps)
    core.run(1)
    assert comps["membrane"]["V_membrane"][0] == lif_step(v0, 0, negate_first)
    assert comps["membrane"]["V_membrane"][0] != lif_step(v0, 0, negate_after)


# ---- IF_curr_alpha --------------------------------------------------------------------------------------


def test_if_curr_alpha_positive_inputs_only_and_q_never_cleared():
    dt_tau2 = 131072                                   # S1615(1 / 0.5^2) = 4.0
    comps = arrays("if_curr_alpha", 1)
    lif(comps, threshold=100 * S)                      # never spikes
    syn = comps["synapse"]
    syn["exc_dt_over_tau2"] = syn["inh_dt_over_tau2"] = dt_tau2
    syn["exc_decay"] = syn["inh_decay"] = TAU2_DECAY
    core = Core("if_curr_alpha", comps, shifts=[0, 16])
    core.put(1, 0, 0, 3000)              # x = 3000 at tick 1
    core.put(2, 0, 0, 500)               # x = 500 at tick 2
    core.put(3, 1, 0, 0x9000)            # inhibitory entry << 16 is negative: ignored
    n = 8
    core.run(n)

    st = {"exc": [0, 0, 0], "inh": [0, 0, 0]}            # lin, exp, q
    inputs = {(1, "exc"): 3000, (2, "exc"): 500, (3, "inh"): wrap32(0x9000 << 16)}
    assert inputs[(3, "inh")] < 0
    v = -65 * S
    for t in range(n):
        for r in ("exc", "inh"):
            x = inputs.get((t, r), 0)
            if x > 0:
                lin, ex, q = st[r]
                q = x
                ex = wrap32(decay(ex, TAU2_DECAY) + S)
                lin = mulk(wrap32(lin + mulk(x, dt_tau2)), wrap32(S - divk(S, ex)))
                st[r] = [lin, ex, q]
        exc = mulk(st["exc"][0], st["exc"][1])
        inh = mulk(st["inh"][0], st["inh"][1])
        assert core.gsyn_exc[t, 0] == exc and core.gsyn_inh[t, 0] == inh, t
        assert core.v[t, 0] == v, t
        v = lif_step(v, exc, inh)
        for r in ("exc", "inh"):
            lin, ex, q = st[r]
            st[r] = [wrap32(lin + mulk(q, dt_tau2)), decay(ex, TAU2_DECAY), q]
    assert st["inh"] == [0, 0, 0]                              # the negative input was ignored
    assert comps["synapse"]["exc_q"][0] == 500                 # q keeps the last input
    # q is never cleared: lin grew by q * dt/tau^2 in every tick after the last input
    assert comps["synapse"]["exc_lin"][0] == st["exc"][0]
    assert comps["synapse"]["exc_exp"][0] == st["exc"][1]
    assert comps["synapse"]["inh_lin"][0] == 0


def test_alpha_division_is_truncating_libgcc_division():
    assert divk(S, 3 * S + 1) == (S << 15) // (3 * S + 1)
    assert divk(-5, 3) == -54613                     # toward zero (floor would give -54614)


# ---- IF_curr_delta ----------------------------------------------------------------------------------------


def test_if_curr_delta_is_a_one_step_current():
    scale = 10 * S                                     # 1000 / dt_us at dt = 0.1 ms
    comps = arrays("if_curr_delta", 1)
    lif(comps, t_refract=0)
    comps["input"]["scale"] = scale
    core = Core("if_curr_delta", comps)
    core.put(2, 0, 0, 1000)
    core.put(2, 1, 0, 300)
    core.put(4, 1, 0, 77)
    core.run(6)
    v = -65 * S
    for t in range(6):
        e = 1000 if t == 2 else 0
        i = {2: 300, 4: 77}.get(t, 0)
        assert core.gsyn_exc[t, 0] == e and core.gsyn_inh[t, 0] == i, t
        assert core.v[t, 0] == v, t
        v = lif_step(v, mulk(e, scale), mulk(i, scale))
    assert comps["synapse"]["isyn_exc"][0] == 0 and comps["synapse"]["isyn_inh"][0] == 0


# ---- Izhikevich -----------------------------------------------------------------------------------------


M = 1311


def izh_step(v0, u0, a, b, i, h, compiled=True):
    """One update (spec §3.6).  compiled=False: beta in the order the C source writes it."""
    pre = wrap32(wrap32(140 * S + i) - u0)
    alpha = wrap32(pre + mulk(wrap32(5 * S + mulk(M, v0)), v0))
    eta = wrap32(v0 + half(mulk(h, alpha)))
    if compiled:
        beta = half(mulk(wrap32(mulk(b, v0) - u0), mulk(h, a)))
    else:
        beta = half(mulk(mulk(h, wrap32(mulk(b, v0) - u0)), a))
    v = wrap32(v0 + mulk(h, wrap32(wrap32(pre - beta) + mulk(wrap32(5 * S + mulk(M, eta)), eta))))
    u = wrap32(u0 + mulk(mulk(a, h), wrap32(wrap32(-u0 - beta) + mulk(b, eta))))
    return v, u


def izh_arrays(model, n=1, v=-70 * S, u=-14 * S, i_offset=0, dt=S):
    comps = arrays(model, n)
    mem = comps["membrane"]
    mem["A"], mem["B"], mem["C"], mem["D"] = 655, 6553, -65 * S, 2 * S   # 0.02, 0.2, -65, 2
    mem["V"], mem["U"], mem["I_offset"] = v, u, i_offset
    mem["this_h"] = mem["reset_h"] = dt
    comps["threshold"]["threshold_value"] = 30 * S
    syn = comps["synapse"]
    syn["exc_decay"] = syn["inh_decay"] = TAU5_DECAY
    syn["exc_init"] = syn["inh_init"] = TAU5_INIT
    return comps


def test_izhikevich_spike_then_a_step_of_1_85_dt_in_the_compiled_order():
    a, b = 655, 6553
    comps = izh_arrays("izhikevich", v=29 * S, u=-10 * S, i_offset=10 * S)
    core = Core("izhikevich", comps)
    core.run(4)
    # tick 0: one step with h = dt = 1.0 crosses 30 mV: reset, U += d, next h = 1.85 dt
    v, u = izh_step(29 * S, -10 * S, a, b, 10 * S, S)
    assert v >= 30 * S and core.spiked(0) and core.v[0, 0] == 29 * S
    v, u, h = -65 * S, wrap32(u + 2 * S), mulk(S, 60620)
    assert h == 60620                            # 1.8499756 ms
    # tick 1: the compiled beta order; the order of the C source would differ here
    assert core.v[1, 0] == v
    v_src, u_src = izh_step(v, u, a, b, 10 * S, h, compiled=False)
    v, u = izh_step(v, u, a, b, 10 * S, h)
    assert (v, u) != (v_src, u_src)
    assert not core.spiked(1)
    # ticks 2, 3: back to h = dt
    for t in (2, 3):
        assert core.v[t, 0] == v and not core.spiked(t), t
        v, u = izh_step(v, u, a, b, 10 * S, S)
    assert (comps["membrane"]["V"][0], comps["membrane"]["U"][0]) == (v, u)
    assert comps["membrane"]["this_h"][0] == S


def test_izhikevich_compiled_beta_order_at_dt_0_1():
    a, b = 655, 6553
    dt = 3277                                     # S1615(0.1)
    v0, u0, i = -60 * S + 51777, -13 * S - 18184, 5 * S + 17
    compiled = izh_step(v0, u0, a, b, i, dt)
    assert compiled != izh_step(v0, u0, a, b, i, dt, compiled=False)
    comps = izh_arrays("izhikevich", v=v0, u=u0, i_offset=i, dt=dt)
    Core("izhikevich", comps).run(1)
    assert (comps["membrane"]["V"][0], comps["membrane"]["U"][0]) == compiled


def test_izhikevich_cond_uses_the_conductance_input():
    a, b = 655, 6553
    comps = izh_arrays("izhikevich_cond", v=-70 * S, u=-14 * S)
    comps["input"]["V_rev_E"], comps["input"]["V_rev_I"] = 0, -70 * S
    comps["synapse"]["isyn_exc"] = 330 * 1024 + 999        # g = 330 bits (0.01 uS)
    core = Core("izhikevich_cond", comps)
    core.run(1)
    g = (330 * 1024 + 999) >> 10
    assert core.gsyn_exc[0, 0] == g
    i = mulk(g, wrap32(0 - (-70 * S)))
    assert (comps["membrane"]["V"][0], comps["membrane"]["U"][0]) == \
        izh_step(-70 * S, -14 * S, a, b, i, S)


# ---- IFCurrExpCa2Adaptive ------------------------------------------------------------------------------------


def test_ca2_adaptive_decays_before_the_update_and_grows_on_spikes():
    exp_tau = 32112                               # S1615(exp(-1/50))
    i_alpha = 3277                                # 0.1 nA
    comps = arrays("if_curr_exp_ca2_adaptive", 1)
    lif(comps, v=-51 * S, i_offset=2 * S, t_refract=1, v_reset=-60 * S)
    syn = comps["synapse"]
    syn["exc_decay"] = syn["inh_decay"] = TAU5_DECAY
    syn["exc_init"] = syn["inh_init"] = TAU5_INIT
    add = comps["additional"]
    add["exp_TauCa"], add["I_Ca2"], add["I_alpha"] = exp_tau, 5000, i_alpha
    core = Core("if_curr_exp_ca2_adaptive", comps)
    core.run(12)
    v, refract, ca = -51 * S, 0, 5000
    n_spikes = 0
    for t in range(12):
        assert core.v[t, 0] == v, t
        ca = mulk(ca, exp_tau)                    # decays first, every tick
        if refract <= 0:
            v = lif_step(v, 0, 0, i_offset=2 * S, bias=wrap32(-ca))
        else:
            refract -= 1
        if v >= -50 * S:
            assert core.spiked(t), t
            n_spikes += 1
            v, refract = -60 * S, 1
            ca = wrap32(ca + i_alpha)             # then the influx of the spike
        else:
            assert not core.spiked(t), t
    assert n_spikes >= 2
    assert comps["additional"]["I_Ca2"][0] == ca


# ---- IF_curr_dual_exp ----------------------------------------------------------------------------------------


def test_dual_exp_three_receptors_with_a_2_bit_type_field():
    comps = arrays("if_curr_dual_exp", 2)
    lif(comps, threshold=100 * S)
    syn = comps["synapse"]
    syn["exc_decay"], syn["exc_init"] = TAU5_DECAY, TAU5_INIT
    syn["exc2_decay"], syn["exc2_init"] = TAU2_DECAY, TAU2_INIT
    syn["inh_decay"], syn["inh_init"] = TAU5_DECAY, TAU5_INIT
    core = Core("if_curr_dual_exp", comps, n=2, shifts=[1, 2, 3])
    assert core.tb == 2
    core.put(1, 0, 1, 1000)
    core.put(1, 1, 1, 2000)
    core.put(2, 2, 1, 700)
    core.put(2, 1, 0, 50)
    core.run(5)
    for n, entries in ((0, {(2, 1): 50}), (1, {(1, 0): 1000, (1, 1): 2000, (2, 2): 700})):
        st = [0, 0, 0]
        decays = (TAU5_DECAY, TAU2_DECAY, TAU5_DECAY)
        inits = (TAU5_INIT, TAU2_INIT, TAU5_INIT)
        v = -65 * S
        for t in range(5):
            for s in range(3):
                x = entries.get((t, s), 0) << (s + 1)
                st[s] = wrap32(st[s] + decay(x, inits[s]))
            assert core.gsyn_exc[t, n] == wrap32(st[0] + st[1]), (n, t)
            assert core.gsyn_inh[t, n] == st[2], (n, t)
            assert core.v[t, n] == v, (n, t)
            v = lif_step(v, wrap32(st[0] + st[1]), st[2])
            st = [decay(st[s], decays[s]) for s in range(3)]
        assert [comps["synapse"][f][n] for f in ("isyn_exc", "isyn_exc2", "isyn_inh")] == st


def test_dual_exp_rows_use_the_2_bit_type_field():
    """A synaptic word's type field is 2 bits wide: type 2 reaches the inhibitory receptor."""
    comps = arrays("if_curr_dual_exp", 1)
    lif(comps, threshold=100 * S)
    syn = comps["synapse"]
    for r in ("exc", "exc2", "inh"):
        syn[f"{r}_decay"], syn[f"{r}_init"] = TAU5_DECAY, TAU5_INIT
    core = Core("if_curr_dual_exp", comps, n=1)
    src = core.net.add_spike_array_core(1, [0], [0])
    ib, tb = core.ib, core.tb
    words = np.array([(w << 16) | (1 << (ib + tb)) | (t << ib) for w, t in
                      ((100, 0), (200, 1), (300, 2))], np.uint32)
    core.net.add_incoming(core.core, src, np.array([0, 3], np.uint32), words)
    core.run(3)      # sent at tick 0, delay 1: added at tick 1, decayed at ticks 1 and 2
    for field, w in (("isyn_exc", 100), ("isyn_exc2", 200), ("isyn_inh", 300)):
        assert comps["synapse"][field][0] == decay(decay(decay(w, TAU5_INIT), TAU5_DECAY),
                                                   TAU5_DECAY), field


# ---- current sources -----------------------------------------------------------------------------------------


def cs_params(kind, **values):
    p = np.zeros(1, K.current_source_dtype(kind))
    for k, v in values.items():
        p[k] = v
    return p


def lif_with_sources(n=1, n_ticks=10, t_refract=0):
    comps = arrays("if_curr_exp", n)
    lif(comps, threshold=100 * S, t_refract=t_refract)
    return Core("if_curr_exp", comps, n=n, n_ticks=n_ticks)


def replay_v(core, offsets, n_ticks, neuron=0):
    """V of a LIF driven only by the given current_offset per tick."""
    v = -65 * S
    for t in range(n_ticks):
        assert core.v[t, neuron] == v, (neuron, t)
        v = lif_step(v, 0, 0, offset=offsets[t])


def test_current_source_fields():
    assert K.current_source_kinds() == ["dc", "ac", "step", "noisy"]
    assert K.current_source_fields("dc") == ["amplitude", "start", "stop"]
    assert K.current_source_fields("ac") == [
        "start", "stop", "amplitude", "offset", "frequency", "phase"]
    assert K.current_source_fields("step") == ["index", "amp_last"]
    assert K.current_source_fields("noisy") == [
        "mean", "stdev", "start", "stop", "dt", "rng_x", "rng_y", "rng_z", "rng_c"]
    assert K.current_source_dtype("dc")["start"] == np.uint32
    assert K.current_source_dtype("dc")["amplitude"] == np.int32


def test_dc_source_on_and_off_ticks_and_sum_of_two_sources():
    core = lif_with_sources(n=3)
    core.net.add_current_source(core.core, "dc", cs_params("dc", amplitude=S, start=2, stop=5),
                                [0, 2])
    core.net.add_current_source(core.core, "dc",
                                cs_params("dc", amplitude=-S // 4, start=4, stop=7), [2])
    core.run(10)
    replay_v(core, [S if 2 <= t < 5 else 0 for t in range(10)], 10, neuron=0)
    replay_v(core, [0] * 10, 10, neuron=1)
    replay_v(core, [(S if 2 <= t < 5 else 0) + (-S // 4 if 4 <= t < 7 else 0)
                    for t in range(10)], 10, neuron=2)


def test_step_source_values_hold_and_the_per_call_index():
    times = np.array([2, 4, 4], np.uint32)
    amps = np.array([S, 2 * S, 3 * S], np.int32)
    core = lif_with_sources(n=2)
    params = cs_params("step")
    assert core.net.add_current_source(core.core, "step", params, [0, 1], times=times,
                                       amplitudes=amps) == 0
    core.run(10)
    # one call per neuron per tick; the index moves on by one per call when t >= times[index]
    calls = {0: [], 1: []}
    index, last = 0, 0
    for t in range(10):
        for n in (0, 1):
            if index < 3 and t >= times[index]:
                last, index = int(amps[index]), index + 1
            calls[n].append(last)
    assert calls[0][:5] == [0, 0, S, S, 2 * S] and calls[1][4] == 3 * S   # the quirk
    replay_v(core, calls[0], 10, neuron=0)
    replay_v(core, calls[1], 10, neuron=1)
    assert params["index"][0] == 3 and params["amp_last"][0] == 3 * S


def kiss(state):
    x, y, z, c = state
    x = (314527869 * x + 1234567) & 0xFFFFFFFF
    y ^= (y << 5) & 0xFFFFFFFF
    y ^= y >> 7
    y ^= (y << 22) & 0xFFFFFFFF
    t = 4294584393 * z + c
    c, z = t >> 32, t & 0xFFFFFFFF
    state[:] = [x, y, z, c]
    return (x + y + z) & 0xFFFFFFFF


# norminv_urt of a few top halves (signed), from spinn_common's normal.c compiled for ARMv5TE
# with GCC 12 -Ofast (see docs/models.md): table ends, tails, centre
NORMINV = {-32768: -229376, -32767: -136628, -32737: -108334, -32736: -108042, -20000: -28187,
           -16385: -22103, -1: -1, 0: 0, 1: 1, 5000: 6305, 16384: 22101, 30000: 56530,
           32736: 108042, 32737: 108334, 32767: 136628}
# sink of a few s16.15 angles, from spinn_common's sincos.c compiled the same way
SINK = {0: 0, 1: 1, -1: -2, 10000: 9845, -10000: -9846, 25736: 23171, 51302: -32768,
        51472: 32768, 100000: 2940, -100000: -2939, 102944: 0, 205887: -1, 299999: 8726}


def seed_with_first_word_top(top):
    """A KISS state whose first word has the given top 16 bits: y, z, c fixed, x solved
    from x' = 314527869 x + 1234567 (314527869 is odd, hence invertible mod 2^32)."""
    y, z, c = 362436069, 521288629, 7654321
    probe = [0, y, z, c]
    kiss(probe)
    want_x1 = (((top & 0xFFFF) << 16) + 0x8000 - probe[1] - probe[2]) & 0xFFFFFFFF
    x = ((want_x1 - 1234567) * pow(314527869, -1, 1 << 32)) & 0xFFFFFFFF
    state = [x, y, z, c]
    assert kiss(list(state)) >> 16 == top & 0xFFFF
    return state


def test_noisy_source_draws_once_per_neuron_per_active_tick():
    seed = [123456789, 362436069, 521288629, 7654321]
    params = cs_params("noisy", mean=S // 2, stdev=0, start=3, stop=6, dt=S,
                       rng_x=seed[0], rng_y=seed[1], rng_z=seed[2], rng_c=seed[3])
    core = lif_with_sources(n=3)
    core.net.add_current_source(core.core, "noisy", params, [0, 2])
    core.run(8)
    state = list(seed)
    for _ in range(3 * 2):                       # 3 active ticks x 2 neurons
        kiss(state)
    assert [int(params[f][0]) for f in ("rng_x", "rng_y", "rng_z", "rng_c")] == state
    replay_v(core, [S // 2 if 3 <= t < 6 else 0 for t in range(8)], 8, neuron=2)
    replay_v(core, [0] * 8, 8, neuron=1)


@pytest.mark.parametrize("p, value", sorted(NORMINV.items()))
def test_noisy_source_value_is_mean_plus_stdev_times_norminv(p, value):
    """mean + stdev * norminv_urt(word), the first word chosen to have top half p."""
    state = seed_with_first_word_top(p)
    params = cs_params("noisy", mean=0, stdev=S, start=0, stop=1, rng_x=state[0],
                       rng_y=state[1], rng_z=state[2], rng_c=state[3])
    core = lif_with_sources(n=1, n_ticks=2)
    core.net.add_current_source(core.core, "noisy", params, [0])
    core.run(2)
    assert core.v[1, 0] == lif_step(-65 * S, 0, 0, offset=mulk(S, value))
    params = cs_params("noisy", mean=S // 3, stdev=S // 2 + 7, start=0, stop=1,
                       rng_x=state[0], rng_y=state[1], rng_z=state[2], rng_c=state[3])
    core = lif_with_sources(n=1, n_ticks=2)
    core.net.add_current_source(core.core, "noisy", params, [0])
    core.run(2)
    assert core.v[1, 0] == lif_step(-65 * S, 0, 0,
                                    offset=wrap32(S // 3 + mulk(S // 2 + 7, value)))


@pytest.mark.parametrize("phase", sorted(SINK))
def test_ac_source_phase_only_and_off_ticks(phase):
    """frequency 0: offset + amplitude * sin(phase) while start <= t < stop, else 0."""
    amplitude, offset = 2 * S + 5, S // 8
    core = lif_with_sources(n=2, n_ticks=8)
    core.net.add_current_source(core.core, "ac", cs_params(
        "ac", start=2, stop=5, amplitude=amplitude, offset=offset, frequency=0, phase=phase),
        [1])
    core.run(8)
    value = wrap32(offset + mulk(amplitude, SINK[phase]))
    replay_v(core, [value if 2 <= t < 5 else 0 for t in range(8)], 8, neuron=1)
    replay_v(core, [0] * 8, 8, neuron=0)


def test_ac_source_frequency_follows_sin():
    """offset + amplitude * sin((t - start) * frequency + phase), checked against math.sin
    within the library's accuracy (1 bit, 2 allowed) through the injected current.  The
    angles step over pi/2 without landing in the few points just below it where the machine's
    sin gives -1.0 (see the next test)."""
    f_bits = 2000                                      # 0.061 rad per tick
    core = lif_with_sources(n=1, n_ticks=30)
    core.net.add_current_source(core.core, "ac", cs_params(
        "ac", start=0, stop=100, amplitude=S, offset=0, frequency=f_bits, phase=0), [0])
    core.run(30)
    v = -65 * S
    for t in range(29):
        angle = mulk(wrap32(t << 15), f_bits)
        exact = math.sin(angle / S)
        found = [o for o in range(round(exact * S) - 2, round(exact * S) + 3)
                 if lif_step(v, 0, 0, offset=mulk(S, o)) == core.v[t + 1, 0]]
        assert found, t
        v = int(core.v[t + 1, 0])


def test_ac_time_is_ticks_since_start_times_frequency_plus_phase():
    """angle = ((t - start) << 15) * frequency + phase: with frequency 1.0 rad/tick and
    phase 25736 - 2.0, the angle of tick start + 2 is 25736 (a pinned point)."""
    core = lif_with_sources(n=1, n_ticks=6)
    core.net.add_current_source(core.core, "ac", cs_params(
        "ac", start=1, stop=10, amplitude=S, offset=0, frequency=S, phase=25736 - 2 * S), [0])
    core.run(6)
    v = int(core.v[3, 0])
    assert int(core.v[4, 0]) == lif_step(v, 0, 0, offset=SINK[25736])


def test_sin_near_plus_one_wraps_to_minus_one_as_on_the_machine():
    """spinn_common's sink rounds an s0.31 with (r + carry) << 16, which wraps for values
    within 2^-16 of +1.0: sin(51302 / 2^15) comes out as -1.0 on the machine, and here."""
    assert SINK[51302] == -S and SINK[51472] == S


@pytest.mark.parametrize("args, message", [
    (dict(kind="dc", params=cs_params("ac"), neuron_indices=[0]), "fields"),
    (dict(kind="pulse", params=cs_params("dc"), neuron_indices=[0]), "unknown current source"),
    (dict(kind="dc", params=cs_params("dc"), neuron_indices=[3]), r"neuron_indices\[0\] = 3"),
    (dict(kind="dc", params=cs_params("dc"), neuron_indices=[1, 1]), "listed twice"),
    (dict(kind="dc", params=np.zeros(2, K.current_source_dtype("dc")), neuron_indices=[0]),
     "expected one source = 1"),
    (dict(kind="step", params=cs_params("step"), neuron_indices=[0]), "needs times"),
    (dict(kind="step", params=cs_params("step"), neuron_indices=[0],
          times=np.zeros(2, np.uint32), amplitudes=np.zeros(1, np.int32)), "same length"),
    (dict(kind="step", params=cs_params("step"), neuron_indices=[0],
          times=np.zeros(2, np.int64), amplitudes=np.zeros(2, np.int32)), "dtype uint32"),
    (dict(kind="dc", params=cs_params("dc"), neuron_indices=[0],
          times=np.zeros(1, np.uint32)), "only for step"),
])
def test_add_current_source_rejects(args, message):
    core = lif_with_sources(n=3)
    with pytest.raises(ValueError, match=message):
        core.net.add_current_source(core.core, **args)


def test_add_current_source_rejects_a_source_core():
    net = K.Network()
    src = net.add_spike_array_core(2, [], [])
    with pytest.raises(ValueError, match="neuron cores"):
        net.add_current_source(src, "dc", cs_params("dc"), [0])
    with pytest.raises(ValueError, match="core id 5"):
        net.add_current_source(5, "dc", cs_params("dc"), [0])
