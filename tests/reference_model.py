"""Independent pure-Python reference model of one SpiNNaker (sPyNNaker 5.x/6.x, "profile 6")
network of IF_curr_exp neurons driven by SpikeSourceArrays.

Written only from /work/shared/spec/kernel.md (sections cited as §) and frontend.md, never from
the backend's code.  It is meant to be slow and obviously correct:

* host side (§1.5, §3.1, §3.3, §4.3, §7.1): double-precision derived constants, then
  ``int(round(Decimal(str(v)) * scale))`` (round half to even) with the 6.x range checks;
* machine side (§1.2, §1.3, §2.4, §3.1, §3.3, §4.1): Python ints only, every s16.15 product is
  ``floor(a*b / 2**15)`` wrapped to int32, decays are ``floor(x*d / 2**32)``, ring-buffer entries
  are uint16 that saturate at 65535.

Tick t (§2.2-§2.4): transfer ring slot ``t & 15`` into the synaptic state
(``isyn += decay_s1615(entry << shift, init)``); record v, isyn_exc, isyn_inh (pre-update values);
LIF update; threshold ``>=``; reset + refractory; spike; decay isyn; then every spike of tick t
(neuron spikes and SpikeSourceArray spikes stamped t) adds its weight into slot ``(t + d) & 15``.

Ring-buffer left shift (§4.3): only the CONSTANT-DELAY rule is implemented:
``max_w = max(total_weights, biggest_weight)`` with
``total_weights = sum over incoming projections of spikes_per_tick * w_max * n_conns``.
**The variable-delay statistical upper bound (``_ring_buffer_expected_upper_bound``) is NOT
implemented**: a post population/receptor whose incoming projections have non-zero delay
variance gets the constant-delay value, which the machine would not necessarily use.  Tests must
use one constant delay per projection, or pass an explicit shift with ``Network.set_shift``.

Delays are 1..16 ticks on core (no delay extension).  Only IF_curr_exp and SpikeSourceArray.
"""
import math
from decimal import Decimal

# ---------------------------------------------------------------------------------------------
# §1.5 host-side float -> fixed conversion (6.x DataType.encode_as_int)
# ---------------------------------------------------------------------------------------------
S1615_SCALE = 1 << 15
U032_SCALE = 1 << 32
S1615_MIN = -65536.0
S1615_MAX = 65536.0 - 2.0 ** -15
U032_MIN = 0.0
U032_MAX = 1.0 - 2.0 ** -32
INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def _encode(value, scale, lo, hi, bits_lo, bits_hi, name):
    v = float(value)
    if not (lo <= v <= hi):  # NaN fails too
        raise ValueError(f"{name} value {value!r} out of range [{lo}, {hi}]")
    bits = int(round(Decimal(str(v)) * scale))  # round() on a Decimal: half to even
    if not (bits_lo <= bits <= bits_hi):
        # only for values within half an LSB of the maximum (the machine's struct.pack fails)
        raise OverflowError(f"{name} value {value!r} rounds to {bits}, outside the field")
    return bits


def encode_s1615(value):
    """S1615 bits (Python int in int32 range) of a float, 6.x rule."""
    return _encode(value, S1615_SCALE, S1615_MIN, S1615_MAX, INT32_MIN, INT32_MAX, "S1615")


def encode_u032(value):
    """U032 bits (Python int in uint32 range) of a float, 6.x rule."""
    return _encode(value, U032_SCALE, U032_MIN, U032_MAX, 0, (1 << 32) - 1, "U032")


def decode_s1615(bits):
    return bits / S1615_SCALE


# ---------------------------------------------------------------------------------------------
# §1.2/§1.3 machine arithmetic (ints only)
# ---------------------------------------------------------------------------------------------
def wrap32(x):
    """Two's complement wrap of a Python int to int32."""
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def add_k(a, b):
    return wrap32(a + b)


def sub_k(a, b):
    return wrap32(a - b)


def mulk(a, b):
    """accum * accum: (int64)a*b >> 15 (arithmetic shift = floor), wrapped to int32."""
    return wrap32((a * b) >> 15)


def decay_s1615(x, d):
    """decay_s1615(x, d): (int64)x * (uint32)d >> 32, floor."""
    assert 0 <= d <= 0xFFFFFFFF
    return wrap32((x * d) >> 32)


def ring_add(entry, w):
    """uint16 saturating ring-buffer add (§4.1). Returns (new_entry, saturated?)."""
    acc = entry + w
    if acc & 0x10000:
        return 0xFFFF, True
    return acc, False


# ---------------------------------------------------------------------------------------------
# Host-derived constants, profile 6 (§3.1, §3.3, §2.1, §7.1, §4.3)
# ---------------------------------------------------------------------------------------------
def machine_timestep_us(dt_ms):
    """§2.1: integer microseconds ceil(dt_ms * 1000)."""
    return int(math.ceil(dt_ms * 1000))


def lif_r(tau_m, cm):
    return encode_s1615(tau_m / cm)


def lif_exp_tc(dt_ms, tau_m):
    return encode_s1615(math.exp(-dt_ms / tau_m))


def refractory_ticks(tau_refrac, dt_ms):
    return int(math.ceil(tau_refrac / dt_ms))


def exp_decay(dt_ms, tau):
    return encode_u032(math.exp(-dt_ms / tau))


def exp_init(dt_ms, tau):
    return encode_u032((tau / dt_ms) * (1.0 - math.exp(-dt_ms / tau)))


def ssa_tick(t_ms, dt_us):
    """§7.1: ceil(floor(t_ms * 1000) / dt_us), exact integer ceil."""
    t_us = int(math.floor(t_ms * 1000))
    return -((-t_us) // dt_us)


def delay_ticks(delay_ms, dt_ms):
    """rint(delay_ms / dt) (half to even), at least 1 tick."""
    return max(1, int(round(delay_ms / dt_ms)))


def ring_buffer_shift(incoming, dt_us, spikes_per_second=30.0):
    """§4.3, constant-delay case. ``incoming`` = [(w_max, n_conns), ...] of one post
    population and receptor type."""
    steps_per_second = 1e6 / dt_us
    spikes_per_tick = max(1.0, spikes_per_second / steps_per_second)
    total_weights = 0.0
    biggest_weight = 0.0
    for w_max, n_conns in incoming:
        total_weights += spikes_per_tick * (w_max * n_conns)
        biggest_weight = max(biggest_weight, w_max)
    max_w = max(total_weights, biggest_weight)
    if max_w <= 0:
        return 0
    shift = int(math.ceil(max(0.0, math.log2(max_w))))
    if 2.0 ** shift <= max_w:
        shift += 1
    return shift


def weight_int_host(w, shift):
    """Host-generated rows (FromList...): rint(|w| * 2^(15-shift)) half-even, & 0xFFFF."""
    return int(round(abs(float(w)) * 2.0 ** (15 - shift))) & 0xFFFF


def weight_int_expander6(w, shift):
    """6.x on-chip generated rows (§4.3 table): w rounded to S1615 first, then
    floor(|w_s1615| * scale) with scale = 2^(15-shift)."""
    assert 0 <= shift <= 15
    bits = abs(encode_s1615(w))
    return ((bits << (15 - shift)) >> 15) & 0xFFFF


def quantised_weight(w_int, shift):
    """Weight the machine holds, in nA: w_int * 2^shift / 2^15 (exact in float)."""
    return w_int * 2.0 ** shift / 2.0 ** 15


# ---------------------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------------------
IF_CURR_EXP_DEFAULTS = dict(tau_m=20.0, cm=1.0, v_rest=-65.0, v_reset=-65.0, v_thresh=-50.0,
                            tau_syn_E=5.0, tau_syn_I=5.0, tau_refrac=0.1, i_offset=0.0,
                            v=-65.0, isyn_exc=0.0, isyn_inh=0.0)
RECEPTORS = {"excitatory": 0, "inhibitory": 1}
N_SLOTS = 16  # 4 delay bits in 5.x/6.x


def _per_neuron(value, n):
    if isinstance(value, (list, tuple)) or hasattr(value, "__len__"):
        values = [float(x) for x in value]
        assert len(values) == n, "per-neuron parameter of wrong length"
        return values
    return [float(value)] * n


class SpikeSourceArrayPop:
    def __init__(self, n, spike_times, dt_us):
        self.n = n
        if len(spike_times) and not hasattr(spike_times[0], "__len__"):
            spike_times = [spike_times] * n  # one list for every neuron
        assert len(spike_times) == n
        self.ticks = [[ssa_tick(t, dt_us) for t in times] for times in spike_times]
        self.spikes = [[] for _ in range(n)]

    def spiking(self, t):
        """Neuron indices that send a packet at tick t (with multiplicity)."""
        return [j for j in range(self.n) for tk in self.ticks[j] if tk == t]


class IFCurrExpPop:
    def __init__(self, n, params, dt_ms):
        self.n = n
        p = {k: _per_neuron(params.get(k, d), n) for k, d in IF_CURR_EXP_DEFAULTS.items()}
        unknown = set(params) - set(IF_CURR_EXP_DEFAULTS)
        assert not unknown, unknown
        self.v_rest = [encode_s1615(x) for x in p["v_rest"]]
        self.v_reset = [encode_s1615(x) for x in p["v_reset"]]
        self.v_thresh = [encode_s1615(x) for x in p["v_thresh"]]
        self.i_offset = [encode_s1615(x) for x in p["i_offset"]]
        self.r = [lif_r(tm, c) for tm, c in zip(p["tau_m"], p["cm"])]
        self.exp_tc = [lif_exp_tc(dt_ms, tm) for tm in p["tau_m"]]
        self.t_refract = [refractory_ticks(x, dt_ms) for x in p["tau_refrac"]]
        self.decay = [[exp_decay(dt_ms, x) for x in p["tau_syn_E"]],
                      [exp_decay(dt_ms, x) for x in p["tau_syn_I"]]]
        self.init = [[exp_init(dt_ms, x) for x in p["tau_syn_E"]],
                     [exp_init(dt_ms, x) for x in p["tau_syn_I"]]]
        # state
        self.v_state = [encode_s1615(x) for x in p["v"]]
        self.isyn = [[encode_s1615(x) for x in p["isyn_exc"]],
                     [encode_s1615(x) for x in p["isyn_inh"]]]
        self.refract = [0] * n
        self.ring = [[[0] * n for _ in range(2)] for _ in range(N_SLOTS)]
        self.shift = [None, None]
        self.saturations = 0
        # recordings: one row per tick
        self.v, self.gsyn_exc, self.gsyn_inh = [], [], []
        self.spikes = [[] for _ in range(n)]
        self._spiked_now = []

    def step(self, t):
        slot = t & (N_SLOTS - 1)
        for s in (0, 1):  # ring-buffer transfer (§2.2 step 2, §3.3)
            for j in range(self.n):
                entry = self.ring[slot][s][j]
                self.ring[slot][s][j] = 0
                inp = wrap32(entry << self.shift[s])
                self.isyn[s][j] = add_k(self.isyn[s][j], decay_s1615(inp, self.init[s][j]))
        row_v, row_e, row_i, spiked = [], [], [], []
        for j in range(self.n):  # §2.4 per-neuron update
            v = self.v_state[j]
            exc, inh = self.isyn[0][j], self.isyn[1][j]
            row_v.append(v)
            row_e.append(exc)
            row_i.append(inh)
            if self.refract[j] <= 0:  # §3.1
                i_tot = add_k(add_k(sub_k(exc, inh), 0), self.i_offset[j])  # external_bias = 0
                alpha = add_k(mulk(i_tot, self.r[j]), self.v_rest[j])
                v = sub_k(alpha, mulk(self.exp_tc[j], sub_k(alpha, v)))
            else:
                self.refract[j] -= 1
            if v >= self.v_thresh[j]:
                v = self.v_reset[j]
                self.refract[j] = self.t_refract[j]
                spiked.append(j)
                self.spikes[j].append(t)
            self.v_state[j] = v
            self.isyn[0][j] = decay_s1615(self.isyn[0][j], self.decay[0][j])
            self.isyn[1][j] = decay_s1615(self.isyn[1][j], self.decay[1][j])
        self.v.append(row_v)
        self.gsyn_exc.append(row_e)
        self.gsyn_inh.append(row_i)
        self._spiked_now = spiked

    def spiking(self, t):
        return self._spiked_now


class Projection:
    def __init__(self, pre, post, conns, receptor, dt_ms, on_chip):
        self.pre, self.post = pre, post
        self.receptor = RECEPTORS[receptor]
        self.conns = [(int(i), int(j), float(w), float(d)) for i, j, w, d in conns]
        for i, j, _, _ in self.conns:
            assert 0 <= i < pre.n and 0 <= j < post.n
        self.delays = [delay_ticks(d, dt_ms) for _, _, _, d in self.conns]
        if any(d > N_SLOTS for d in self.delays):
            raise NotImplementedError("delays above 16 ticks (delay extension) not modelled")
        self.on_chip = on_chip
        self.w_int = None

    def stats(self):
        """(w_max, n_conns): largest |w|, most connections onto one post neuron."""
        if not self.conns:
            return 0.0, 0
        counts = {}
        for _, j, _, _ in self.conns:
            counts[j] = counts.get(j, 0) + 1
        return max(abs(w) for _, _, w, _ in self.conns), max(counts.values())

    def has_delay_variance(self):
        return len(set(self.delays)) > 1


class Network:
    def __init__(self, dt_ms=1.0, spikes_per_second=30.0):
        self.dt_us = machine_timestep_us(dt_ms)
        self.dt_ms = self.dt_us / 1000.0  # get_simulation_time_step_ms()
        self.spikes_per_second = spikes_per_second
        self.pops, self.projections = [], []
        self.time = 0
        self._frozen = False
        self._shift_override = {}

    # --- building ---
    def spike_source_array(self, n, spike_times):
        assert not self._frozen
        pop = SpikeSourceArrayPop(n, spike_times, self.dt_us)
        self.pops.append(pop)
        return pop

    def if_curr_exp(self, n, **params):
        assert not self._frozen
        pop = IFCurrExpPop(n, params, self.dt_ms)
        self.pops.append(pop)
        return pop

    def connect(self, pre, post, conns, receptor="excitatory", on_chip=False):
        """conns: [(pre_index, post_index, weight_nA, delay_ms), ...]. ``on_chip=True`` uses
        the 6.x synapse-expander weight rounding (§4.3) instead of the host rint."""
        assert not self._frozen and isinstance(post, IFCurrExpPop)
        proj = Projection(pre, post, conns, receptor, self.dt_ms, on_chip)
        self.projections.append(proj)
        return proj

    def set_shift(self, post, receptor, shift):
        self._shift_override[(id(post), RECEPTORS[receptor])] = shift

    # --- host-side "mapping" ---
    def _freeze(self):
        if self._frozen:
            return
        for post in self.pops:
            if not isinstance(post, IFCurrExpPop):
                continue
            for s in (0, 1):
                incoming = [p for p in self.projections if p.post is post and p.receptor == s]
                key = (id(post), s)
                if key in self._shift_override:
                    post.shift[s] = self._shift_override[key]
                else:
                    post.shift[s] = ring_buffer_shift([p.stats() for p in incoming],
                                                      self.dt_us, self.spikes_per_second)
        for p in self.projections:
            sh = p.post.shift[p.receptor]
            conv = weight_int_expander6 if p.on_chip else weight_int_host
            p.w_int = [conv(w, sh) for _, _, w, _ in p.conns]
        self._frozen = True

    def shift(self, post, receptor):
        self._freeze()
        return post.shift[RECEPTORS[receptor]]

    def quantised_weights(self, proj):
        """[(i, j, w_machine_nA), ...] in the order of the connection list."""
        self._freeze()
        sh = proj.post.shift[proj.receptor]
        return [(i, j, quantised_weight(wi, sh)) for (i, j, _, _), wi in zip(proj.conns, proj.w_int)]

    # --- simulation ---
    def ticks_for(self, t_ms):
        """§2.1: run(T) executes ceil(T/dt) steps."""
        return int(math.ceil(t_ms / self.dt_ms))

    def run(self, n_ticks):
        self._freeze()
        for t in range(self.time, self.time + n_ticks):
            for pop in self.pops:
                if isinstance(pop, IFCurrExpPop):
                    pop.step(t)
            for proj in self.projections:  # spikes of tick t land in slot (t + d) & 15
                senders = proj.pre.spiking(t)
                if not senders:
                    continue
                ring, s = proj.post.ring, proj.receptor
                for i in senders:
                    for (ci, cj, _, _), d, wi in zip(proj.conns, proj.delays, proj.w_int):
                        if ci == i:
                            slot = (t + d) & (N_SLOTS - 1)
                            ring[slot][s][cj], sat = ring_add(ring[slot][s][cj], wi)
                            proj.post.saturations += sat
        self.time += n_ticks

    def run_ms(self, t_ms):
        self.run(self.ticks_for(t_ms))
