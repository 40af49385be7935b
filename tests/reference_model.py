"""Independent pure-Python reference model of what one SpiNNaker machine computes with the
sPyNNaker 5.x/6.x toolchain ("profile 6"): neuron models, synapse shapes, input types, spike
sources, (7.x-style) current sources, ring buffers.

Written from /work/shared/spec/kernel.md (sections cited as §), frontend.md §1.6 and, where the
spec is silent, from the public sources listed below -- never from the backend's code.  It is
meant to be slow and obviously correct:

* host side (§1.5, §3.1, §3.3, §4.3, §7.1): double-precision derived constants computed with the
  formulas of the sPyNNaker 6.0 host (machine time step ``ts`` in integer microseconds), then
  ``int(round(Decimal(str(v)) * scale))`` (round half to even) with the 6.x range checks;
* machine side (§1.2, §1.3, §2.4, §3.x, §4.1, §7.2): Python ints only, every s16.15 product is
  ``floor(a*b / 2**15)`` wrapped to int32, decays are ``floor(x*d / 2**32)``, ring-buffer entries
  are uint16 that saturate at 65535.

Tick t (§2.2-§2.4): transfer the ring entry of tick ``t`` into the synaptic state; per neuron:
read V and the synaptic inputs, input-type mapping, record v/gsyn (pre-update values), convert
to current, current sources (7.x semantics), additional input, neuron model update, threshold
``>=``, reset (+ additional-input spike hook), spike, synaptic shaping; Poisson sources draw
their spikes; then every spike of tick t (neuron, SpikeSourceArray and Poisson spikes stamped
t, with multiplicity) adds its weight into the entry of tick ``t + d`` (§5: 1 <= d <= 144).

Models (profile 6 = sPyNNaker 6.0 binaries; C under neural_modelling/src/neuron/):

====================  ============  =================  ============  ===================
PyNN name             neuron model  synapse type       input type    additional input
====================  ============  =================  ============  ===================
IF_curr_exp           LIF §3.1      exponential §3.3   current       -
IF_cond_exp           LIF           exponential        conductance   -
IF_curr_alpha         LIF           alpha §3.4         current       -
IF_curr_delta         LIF           delta §3.5         delta §3.2    -
Izhikevich            Izh §3.6      exponential        current       -
Izhikevich_cond       Izh           exponential        conductance   -
IFCurrExpCa2Adaptive  LIF           exponential        current       Ca2 adaptive
IF_curr_dual_exp      LIF           dual exponential   current       -
====================  ============  =================  ============  ===================

Where the spec is silent, this is where each point came from (read, then re-implemented):

* Ca2-adaptive additional input: sPyNNaker 6.0 (emijan-kth/sPyNNaker @ fe023106)
  ``neural_modelling/src/neuron/additional_inputs/additional_input_ca2_adaptive_impl.h`` and
  ``spynnaker/pyNN/models/neuron/additional_inputs/additional_input_ca2_adaptive.py``:
  state I_Ca2 (S1615), parameters exp_TauCa = S1615(exp(-ts/(1000*tau_ca2))) -- an accum, not a
  u0.32 --, I_alpha (S1615).  Every step (also while refractory), after recording and before the
  neuron update: ``I_Ca2 = mulk(I_Ca2, exp_TauCa)``, external_bias = ``-I_Ca2``; on a spike
  (after the reset): ``I_Ca2 += I_alpha``.  The order in one step is from
  ``neuron/implementations/neuron_impl_standard.h`` @ fe023106.
* IF_curr_dual_exp: ``synapse_types_dual_excitatory_exponential_impl.h`` and
  ``synapse_type_dual_exponential.py`` @ fe023106: three exponential synapses (types
  0 = "excitatory", 1 = "excitatory2", 2 = "inhibitory", one ring-buffer shift each), host
  decay/init as for the exponential synapse; gsyn_exc records exc + exc2 (the wrapping sum).
* Delta input (6.x): ``input_type_delta.h``/``input_type_delta.py`` @ fe023106: scale
  = S1615(1000.0/ts), recorded gsyn = the raw delta state, current = mulk(state, scale).
* Alpha host constants: ``synapse_type_alpha.py`` @ fe023106 (dt_over_tau2 = S1615((ts/1000)/tau^2),
  decay = U032(exp((-ts/1000)/tau)), q initialised to 0); ONE/exp is libgcc accum division
  (``((int64)a << 15) / b``, truncation toward zero, §1.2).
* Izhikevich host constants: ``neuron_model_izh.py`` @ fe023106 (this_h and the global
  machine_timestep_ms are S1615(ts/1000); threshold 30.0 from ``izk_curr_exp_base.py``).
* LIF host constants: ``neuron_model_leaky_integrate_and_fire.py`` @ fe023106:
  R = S1615(tau_m/cm), exp_TC = S1615(exp(-ts/(1000*tau_m))),
  T_refract = ceil(tau_refrac/(ts/1000)).
* SpikeSourcePoisson(Variable), machine side: ``neural_modelling/src/spike_source/poisson/
  spike_source_poisson.c`` @ fe023106 with spinn_common (SpiNNakerManchester/spinn_common @ 1e3a090,
  ``src/random.c``, ``src/normal.c``, ``include/normal.h``, ``include/polynomial.h``,
  ``include/stdfix-full-iso.h``; random.c/normal.c are unchanged since 2019 so they are what
  6.0 linked).  Per core: sources in index order; per tick: the active entry draws its spikes,
  then ``if t + 1 >= next_ticks`` the next rate entry is loaded (a slow entry draws a new
  time_to_spike at once).  At load (and again at every resume, i.e. at the start of every
  ``run()`` after the first -- twice, once in ``read_rates`` and once in ``resume_callback``)
  every slow source whose time_to_spike is 0 draws one (a rate-0 source always has 0, so it
  consumes random numbers on every load/resume).  ``norminv_urt``: the table-driven
  piecewise-polynomial algorithm of normal.c (tables reproduced below as data), with the ARMv5TE
  DSP instructions (``smlawb``, ``smulbb``, ``smulwb``) emulated on ints.
* SpikeSourcePoisson host side (``spike_source_poisson_machine_vertex.py`` @ fe023106 and
  DataSpecification 6.0.0 ``DataType.encode_as_numpy_int_array``): lambda = rate * (ts/1e6);
  slow if lambda < 0.01, fast if < 10, "faster" otherwise; **exp(-lambda) and sqrt(lambda) are
  encoded with numpy.round (half-even on the double product), not truncated**; mean_isi =
  int(1/lambda); start = round(start_ms * (1000/ts)); **end = start_ticks + round(duration_ms *
  (1000/ts))** (not round((start+duration)/dt)); duration None -> 0xFFFFFFFF; the initial rate
  index is the first entry whose end > 0.  kernel.md §7.2 states the 5.x rules (truncation,
  end = round((start+duration)/dt)) -- those are sPyNNaker 5.1 (commit 2a014d25,
  ``spike_source_poisson_vertex.py``); select them with ``poisson_host="5"``.  Per-core KISS
  seeds: ``utility_calls.create_mars_kiss_seeds`` @ fe023106.
* Ring-buffer shift with a Poisson pre-population (6.0 ``synaptic_manager.py``,
  ``spike_source_poisson_vertex.max_spikes_per_ts``): spikes_per_tick = 1 if
  max_rate*ts/1e6 < 0.01 else ceil(poisson.ppf(1 - 1/1000, max_rate*ts/1e6)) + 1.
* Current sources DC/AC/Step/Noisy (absent in 6.0; profile 6 offers them with 7.x semantics):
  sPyNNaker 7.x (emijan-kth/sPyNNaker @ 68409c40) ``neural_modelling/src/neuron/current_sources/
  current_source*.h``, ``spynnaker/pyNN/models/current_sources/*.py``,
  ``population_machine_neurons.py`` (``_write_current_source_parameters``: times written as UINT32
  = ``int(t_ms * 1000/ts)``, truncation; amplitudes S1615) and spinn_common ``src/sincos.c``
  (``sink``, tables reproduced as data).  The offset is computed for every neuron that has the
  source, every step (also while refractory), before the additional input, and added last:
  ``I = (((exc - inh) + external_bias) + I_offset) + current_offset``.
  DC: amplitude if start <= t < stop.  AC: ``offset + mulk(amplitude, sink(mulk((t-start)<<15,
  freq) + phase))`` with freq = S1615(2*pi*f/1000) (radians per *ms* applied per *tick* -- a 7.x
  quirk at dt != 1 ms) and phase = S1615(phase_deg*pi/180).  Step: one shared (value, index)
  state per source and core; each call advances at most one entry (``if t >= times[index]``);
  after the last entry the value is held (the C code then reads past the array -- modelled as
  "never true").  Noisy: ``mean + mulk(stdev, norminv_urt(kiss()))`` from the source's own KISS
  seed (host: ``create_mars_kiss_seeds(RandomState(None))``, i.e. not reproducible from PyNN).

Cross-check against the shipped machine code: the sPyNNaker 1!6.0.0 sdist on PyPI carries the
compiled binaries (``spynnaker/pyNN/model_binaries/*.aplx``); disassembled with
arm-none-eabi-objdump they confirm the orders used here: IZK_curr_exp (beta = HALF(mulk(mulk(b,V)
- U, mulk(h,a))), this_h = mulk(machine_timestep_ms, 60620) after a spike), IF_cond_exp
(``0 - g_inh`` then multiply by (E_rev_I - V); ``>> 10`` via __gnu_ashrsa3), IF_curr_alpha (add
input: decay(exp)+ONE, __gnu_divsa3(ONE, exp), mulk(lin + mulk(x, dt/tau^2), ONE - q)),
IF_curr_exp_ca2_adaptive (I_Ca2 = mulk(exp_TauCa, I_Ca2), external_bias = 0 - I_Ca2) and
spike_source_poisson (slow: roundk of the long-accum product E * 1000.0, then (uint32) and
``mla`` with mean_isi; faster: mulk(g, 0.5k) + sqrt_lambda, mulk(x, x), roundk, (uint32);
norminv with smulbb/smlawb/smulwb as ported below).  Note: arm-none-eabi-gcc 12.2 at -O1 and
above compiles ``-g * (E - V)`` differently (tree-reassoc turns the negation into a multiply by
the accum with raw bits -1, i.e. -2^-15), so the 6.0 binaries were not built with that pass
behaviour; this model follows the shipped binaries.

Ring-buffer left shift (§4.3): only the CONSTANT-DELAY rule is implemented:
``max_w = max(total_weights, biggest_weight)`` with
``total_weights = sum over incoming projections of spikes_per_tick * w_max * gws * n_conns`` and
``biggest_weight = max(w_max * gws)`` (gws = 1024 for conductance input, 1 otherwise; 6.x includes
gws in both).  **The variable-delay statistical upper bound is NOT implemented**: tests must use one
constant delay per projection, or pass an explicit shift with ``Network.set_shift``.

Delays (§5): 1..144 ticks.  16 ticks on the neuron core (4 delay bits) plus up to 8
delay-extension stages of 16 ticks each (§5.1, §5.2: 5.x ``MAX_SUPPORTED_DELAY_TICS 16 +
MAX_DELAY_BLOCKS 8 x 16``, 7.x ``9 x M`` with M = 16); a longer delay raises ``ValueError`` as
the toolchain does.  Delays are ``rint(delay_ms / dt)`` ticks, the host (FromList) rule; the
on-chip generator's truncation of the s16.15 delay (§4.3: 0.3 ms at dt = 0.1 is 2 ticks) is NOT
modelled (``on_chip=True`` changes only the weight rounding), so on-chip connectors must use
delays that are exact in s16.15 x steps_per_ms (any whole number of ms at dt = 1).  The delay
extension adds no latency (§5.2: a spike of tick t with delay d = k*16 + r is counted by the
delay-extension core in slot t, re-sent at tick t + k*16 and added by the neuron core into the
slot of tick t + d), so it is modelled as an IDEAL DELAY LINE: every weight is added into the
uint16 saturating entry of its absolute target tick ``(t + d, type, neuron)`` and the entry is
moved into the synaptic state (and dropped) at the start of that tick.  On the machine all
weights aimed at one tick share one 16-bit ring entry, however they travelled (directly or
through a delay-extension stage); the saturating sum of non-negative weights is independent of
the order of the additions, so the ideal line gives the machine's entries bit for bit (only the
saturation *count* may depend on the order).  The one difference the delay extension makes
outside STDP is modelled too: its 8-bit counter per (tick, source atom) saturates at 255, so a
source atom that sends more than 255 spikes in one tick delivers only 255 of them through every
delayed (> 16 ticks) synapse, while its on-core (<= 16 ticks) synapses see all of them.  One
delay extension serves all projections of a pre-population, so the cap is per source atom and
tick, not per projection.
"""
import copy
import math
from decimal import Decimal
from fractions import Fraction

import numpy

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
MASK32 = 0xFFFFFFFF


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


def encode_array_6(value, scale):
    """DataSpecification 6.0.0 ``encode_as_numpy_int_array``: numpy.round(v * scale) (half even
    on the double product, no Decimal), cast to uint32."""
    return int(numpy.round(numpy.float64(value) * float(scale)))


def decode_s1615(bits):
    return bits / S1615_SCALE


# ---------------------------------------------------------------------------------------------
# §1.2/§1.3 machine arithmetic (ints only)
# ---------------------------------------------------------------------------------------------
def wrap32(x):
    """Two's complement wrap of a Python int to int32."""
    return ((x + (1 << 31)) & MASK32) - (1 << 31)


def u32(x):
    return x & MASK32


def add_k(a, b):
    return wrap32(a + b)


def sub_k(a, b):
    return wrap32(a - b)


def neg_k(a):
    return wrap32(-a)


def mulk(a, b):
    """accum * accum: (int64)a*b >> 15 (arithmetic shift = floor), wrapped to int32."""
    return wrap32((a * b) >> 15)


def half_k(a):
    """REAL_HALF(x) = x * 0.5k."""
    return mulk(a, 1 << 14)


def divk(a, b):
    """accum / accum, libgcc __gnu_divsa3: ((int64)a << 15) / b, C truncation toward zero."""
    num = a << 15
    q = abs(num) // abs(b)
    if (num < 0) != (b < 0):
        q = -q
    return wrap32(q)


def decay_s1615(x, d):
    """decay_s1615(x, d): (int64)x * (uint32)d >> 32, floor."""
    assert 0 <= d <= 0xFFFFFFFF
    return wrap32((x * d) >> 32)


def round_s32(x, n):
    """spinn_common __stdfix_round_s32 (roundk for n = 15): round half up at bit n."""
    c = (x >> (n - 1)) & 1
    return wrap32(((x >> n) + c) << n)


def accum_to_uint(bits):
    """(uint32_t) of a non-negative accum: truncation toward zero."""
    assert bits >= 0
    return bits >> 15


def ring_add(entry, w):
    """uint16 saturating ring-buffer add (§4.1). Returns (new_entry, saturated?)."""
    acc = entry + w
    if acc & 0x10000:
        return 0xFFFF, True
    return acc, False


# ARMv5TE DSP instructions used by spinn_common (operands are int32 bit patterns)
def _sext16(x):
    x &= 0xFFFF
    return x - 0x10000 if x & 0x8000 else x


def _top16(x):
    return wrap32(x) >> 16


def smulbb(x, y):
    return wrap32(_sext16(x) * _sext16(y))


def smultt(x, y):
    return wrap32(_top16(x) * _top16(y))


def smulwb(x, y):
    """bits [47:16] of x * y[15:0] (signed)."""
    return wrap32((wrap32(x) * _sext16(y)) >> 16)


def smlawb(x, y, acc):
    return wrap32(((wrap32(x) * _sext16(y)) >> 16) + acc)


def smlawt(x, y, acc):
    return wrap32(((wrap32(x) * _top16(y)) >> 16) + acc)


def clz32(x):
    x &= MASK32
    return 32 - x.bit_length()


# ---------------------------------------------------------------------------------------------
# Host-derived constants, profile 6 (sPyNNaker 6.0 host formulas; ts = machine time step in µs)
# ---------------------------------------------------------------------------------------------
def machine_timestep_us(dt_ms):
    """§2.1: integer microseconds ceil(dt_ms * 1000)."""
    return int(math.ceil(dt_ms * 1000))


def _ts(dt_ms):
    return machine_timestep_us(dt_ms)


def _np_exp(x):
    return float(numpy.exp(x))


def lif_r(tau_m, cm):
    return encode_s1615(tau_m / cm)


def lif_exp_tc_ts(ts, tau_m):
    return encode_s1615(_np_exp(float(-ts) / (1000.0 * tau_m)))


def lif_exp_tc(dt_ms, tau_m):
    return lif_exp_tc_ts(_ts(dt_ms), tau_m)


def refractory_ticks_ts(ts, tau_refrac):
    return int(numpy.ceil(tau_refrac / (ts / 1000.0)))


def refractory_ticks(tau_refrac, dt_ms):
    return refractory_ticks_ts(_ts(dt_ms), tau_refrac)


def exp_decay_ts(ts, tau):
    return encode_u032(_np_exp(-(float(ts) / 1000.0) / tau))


def exp_init_ts(ts, tau):
    tsf = float(ts) / 1000.0
    return encode_u032((tau / tsf) * (1.0 - _np_exp(-tsf / tau)))


def exp_decay(dt_ms, tau):
    return exp_decay_ts(_ts(dt_ms), tau)


def exp_init(dt_ms, tau):
    return exp_init_ts(_ts(dt_ms), tau)


def alpha_dt_over_tau2_ts(ts, tau):
    return encode_s1615((float(ts) / 1000.0) / (tau * tau))


def alpha_decay_ts(ts, tau):
    return encode_u032(_np_exp((-float(ts) / 1000.0) / tau))


def delta_scale_ts(ts):
    return encode_s1615(1000.0 / float(ts))


def ca2_exp_tau_ts(ts, tau_ca2):
    return encode_s1615(_np_exp(float(-ts) / (1000.0 * tau_ca2)))


def izh_h_ts(ts):
    return encode_s1615(float(ts) / 1000.0)


def ssa_tick(t_ms, dt_us):
    """§7.1: ceil(floor(t_ms * 1000) / dt_us), exact integer ceil."""
    t_us = int(math.floor(t_ms * 1000))
    return -((-t_us) // dt_us)


def delay_ticks(delay_ms, dt_ms):
    """rint(delay_ms / dt) (half to even), at least 1 tick."""
    return max(1, int(round(delay_ms / dt_ms)))


def poisson_max_spikes_per_ts(max_rate, ts):
    """6.0 SpikeSourcePoissonVertex.max_spikes_per_ts (used for the ring-buffer shift)."""
    import scipy.stats
    ts_per_second = 1e6 / float(ts)
    if float(max_rate) / ts_per_second < 0.01:
        return 1
    mx = scipy.stats.poisson.ppf(1.0 - (1.0 / 1000.0), float(max_rate) / ts_per_second)
    return int(math.ceil(mx)) + 1.0


def ring_buffer_shift(incoming, dt_us, spikes_per_second=30.0, gws=1.0):
    """§4.3, constant-delay case.  ``incoming`` = [(w_max, n_conns), ...] or
    [(w_max, n_conns, spikes_per_tick_or_None), ...] of one post population and synapse type.
    6.x: both the biggest weight and the totals include the global weight scale ``gws``."""
    steps_per_second = 1e6 / dt_us
    default_spt = max(1.0, spikes_per_second / steps_per_second)
    total_weights = 0.0
    biggest_weight = 0.0
    for item in incoming:
        w_max, n_conns = item[0], item[1]
        spt = item[2] if len(item) > 2 and item[2] is not None else default_spt
        w_max = w_max * gws
        total_weights += spt * (w_max * n_conns)
        biggest_weight = max(biggest_weight, w_max)
    max_w = max(total_weights, biggest_weight)
    if max_w <= 0:
        return 0
    shift = int(math.ceil(max(0.0, math.log2(max_w))))
    if 2.0 ** shift <= max_w:
        shift += 1
    return shift


def weight_scale(shift, gws=1.0):
    """Host weight scale of one synapse type: 2^(16 - (shift + 1)) * gws."""
    return float(math.pow(2, 16 - (shift + 1))) * gws


def weight_int_host(w, shift, gws=1.0):
    """Host-generated rows (FromList...): rint(|w| * scale) half-even, & 0xFFFF."""
    return int(round(abs(float(w)) * weight_scale(shift, gws))) & 0xFFFF


def weight_int_expander6(w, shift, gws=1.0):
    """6.x on-chip generated rows (§4.3 table, matrix_generator.c rescale_weight @ fe023106):
    w rounded to S1615 first, then floor(|w_s1615| * scale) with scale = 2^(15-shift) * gws
    (exact in u32.32), truncated to uint16."""
    bits = abs(encode_s1615(w))
    scale = Fraction(2) ** (15 - shift) * Fraction(gws)
    return int(math.floor(Fraction(bits, 1 << 15) * scale)) & 0xFFFF


def quantised_weight(w_int, shift, gws=1.0):
    """Weight the machine holds, in nA (or uS): w_int / (2^(15-shift) * gws) (exact)."""
    return w_int / weight_scale(shift, gws)


# ---------------------------------------------------------------------------------------------
# spinn_common: KISS RNG (src/random.c), exponential variate, norminv_urt (src/normal.c),
# sink (src/sincos.c).  Tables are data reproduced from spinn_common @ 1e3a090.
# ---------------------------------------------------------------------------------------------
KISS_C_MAX = 698769068
KISS_ARBITRARY_Y = 13031301


class Kiss:
    """Marsaglia KISS64 variant (§7.2, mars_kiss64_seed); state (x, y, z, c) as uint32."""

    def __init__(self, seed):
        self.x, self.y, self.z, self.c = (int(v) & MASK32 for v in seed)

    def state(self):
        return [self.x, self.y, self.z, self.c]

    def __call__(self):
        self.x = (314527869 * self.x + 1234567) & MASK32
        y = self.y
        y ^= (y << 5) & MASK32
        y ^= y >> 7
        y ^= (y << 22) & MASK32
        self.y = y
        t = 4294584393 * self.z + self.c
        self.c = t >> 32
        self.z = t & MASK32
        return (self.x + self.y + self.z) & MASK32


def validate_kiss_seed(seed):
    seed = [int(v) for v in seed]
    if seed[1] == 0:
        seed[1] = KISS_ARBITRARY_Y
    seed[3] = seed[3] % KISS_C_MAX + 1
    return seed


def create_kiss_seed(rng):
    """create_mars_kiss_seeds: 4 x (randint(-2^31, 2^31-1) + 2^31) from a RandomState."""
    return validate_kiss_seed([int(rng.randint(-0x80000000, 0x7FFFFFFF)) + 0x80000000
                               for _ in range(4)])


def kiss_seeds_for_slices(seed, n_slices):
    """Seeds of the machine vertices of one Poisson population, in slice order (one
    RandomState(seed) per population, 4 draws per slice)."""
    rng = numpy.random.RandomState(seed)
    return [create_kiss_seed(rng) for _ in range(n_slices)]


def exponential_variate(rng):
    """von Neumann exponential variate (random.c), s1615 bits."""
    a = 0
    while True:
        u = rng()
        u0 = u
        while True:
            ustar = rng()
            if u < ustar:
                return wrap32(a + (u0 >> 17))  # (s1615) ulrbits(U0): floor to 15 bits
            u = rng()
            if not u < ustar:
                break
        a += 1 << 15


_LOW_VALUES = [229376, 136628, 131359, 128187, 125892, 124086, 122593, 121318, 120204, 119213,
               118321, 117508, 116762, 116072, 115430, 114830, 114265, 113733, 113229, 112751,
               112295, 111860, 111444, 111045, 110662, 110294, 109939, 109596, 109265, 108945,
               108635, 108334, 108042]
_OFFSET = [7200, 6272, 4608, 2048, 0, 0]
_MULTIPLIER = [32, 16, 8, 6, 6, 0]
_LEADING_TERMS = [98304, 98304, 65536, 65536, 65536, 16, 14, 13, 11, 10, 0]
_POLYNOMIALS = [
    [489693536, -966086639, 1048652819, -1202555181, 638185482],
    [510971994, -1008958387, 1097593202, -1269255408, 208850025],
    [535062308, -1057614622, 1153468280, -1347876992, 1901851228],
    [562587223, -1113360216, 1217886707, -1442344496, 1417447081],
    [594357355, -1177895230, 1292890733, -1558625637, 896662126],
    [1364524482, 4157352, 893590920, 482307216, -56131990],
    [1594011413, 34197350, 980366094, 540913971, 14157698],
    [2059946197, 130876674, 1126841309, 628910107, -391651081],
    [669410721, 151375990, 657881394, 208981697, -111730420],
    [135763632, 134215538, 347443147, -134393924, 14235314],
    [0, 0, 0, 0, 0],
]


def _horner_b(coeffs, x):
    """__horner_int_b with the DSP path: r = smlawb(r, x, a_k) (32-bit wrapping)."""
    r = coeffs[0]
    for a in coeffs[1:]:
        r = smlawb(r, x, a)
    return r


def _lo_approx(approx, x):
    r = _horner_b(_POLYNOMIALS[approx], x)
    r = round_s32(r, 15)
    return wrap32(_LEADING_TERMS[approx] + (r >> 16))


def _mid_approx(approx, x):
    r = _horner_b(_POLYNOMIALS[approx + 5], x)
    return wrap32(r + wrap32(x << 14))


def _tail_approx(approx, p):
    p = p - (1 << (14 - approx))
    p = wrap32(p << (approx + 1))
    return _lo_approx(9 - approx, p)


def _central_approx(approx, p):
    z = smulbb(p, p) >> 17
    z -= _OFFSET[5 - approx]
    z = wrap32(z * _MULTIPLIER[5 - approx])
    z = wrap32(z << 1)
    r = _mid_approx(5 - approx, z)
    r = r >> 16
    r = wrap32(r + (_LEADING_TERMS[10 - approx] << 13))
    return smulwb(r, p)


def norminv_rbits(x):
    """__norminv_rbits: x in [-32768, 32767] (p - 0.5 in 1/65536) -> s1615 bits."""
    assert -32768 <= x <= 32767
    neg = x < 0
    if x + 32768 <= 31:
        r = _LOW_VALUES[x + 32768]
    elif 32767 - x + 1 <= 31:
        r = _LOW_VALUES[32767 - x + 1]
    else:
        if x < 0:
            x = -x
        shift = clz32(32768 - x) - 17
        if shift > 4:
            r = _tail_approx(shift, 32768 - x)
        else:
            r = _central_approx(shift + 1, x)
    if neg:
        r = -r
    return wrap32(r)


def norminv_urt(u):
    """norminv_urt(U): the top 16 bits of the uint32 random word, as a signed 16-bit value."""
    return norminv_rbits(wrap32(u) >> 16)


_SIN_TABLE = [0, 134130364, 267736951, 400298032, 531295957, 660219183, 786564267, 909837834,
              1029558505, 1145258771, 1256486826, 1362808327, 1463808091, 1559091715, 1648287120,
              1731045999]
_COS_TABLE = [0, -4192939, -16755382, -37638274, -66760066, -104007040, -149233746, -202263575,
              -262889447, -330874618, -405953610, -487833239, -576193767, -670690148, -770953377,
              -876591926]


def _sin_pi4(x, cos_x, bp):
    r = _SIN_TABLE[bp]
    r = smlawt(_SIN_TABLE[bp], wrap32(-wrap32(cos_x << 1)), r)
    r = smlawt(_COS_TABLE[bp], x >> 4, wrap32(r + (x >> 5)))
    return r


def _cos_pi4(x, cos_x, bp):
    r = wrap32(cos_x - _COS_TABLE[bp])
    r = smlawt(_COS_TABLE[bp], wrap32(cos_x << 1), r)
    r = smlawt(_SIN_TABLE[bp], x >> 4, r)
    return r


def _mul_sqrt_half(x):
    return wrap32((x * 1518500250) >> 31)


def _sincos_range_reduction(x):
    n = smulwb(x, 20861) >> 13
    q = n & 7
    while n < 0:
        n += 7358
        x = wrap32(x + 189364951)
    while 7358 <= n:
        n -= 7358
        x = wrap32(x - 189364951)
    x = wrap32(x << 3)
    d = smulwb(n, 21845) >> 2
    n = smlawb(-786432, d, n)
    x = wrap32(x - 2470649 * d)
    x = wrap32(x << 9)
    x = wrap32(x - 105414357 * n)
    if x < 0:
        x = wrap32(x + 105414357)
        q = (q + 7) % 8
    x = wrap32(x << 4)
    return x, q


def sink_bits(x):
    """spinn_common sink() on s1615 bits."""
    x, q = _sincos_range_reduction(wrap32(x))
    bp = round_s32(x, 27)
    x = wrap32(x - bp)
    x = wrap32(x << 5)
    bp = bp >> 27
    cos_x = smultt(x, x) >> 10
    if q % 2 == 0:
        if q == 0:
            r = round_s32(_sin_pi4(x, cos_x, bp), 16) >> 16
        elif q == 2:
            r = 32768 - (round_s32(_cos_pi4(x, cos_x, bp), 16) >> 16)
        elif q == 4:
            r = round_s32(wrap32(-_sin_pi4(x, cos_x, bp)), 16) >> 16
        else:
            r = (round_s32(_cos_pi4(x, cos_x, bp), 16) >> 16) - 32768
    else:
        s = _mul_sqrt_half(_sin_pi4(x, cos_x, bp))
        c = wrap32(1518500250 - _mul_sqrt_half(_cos_pi4(x, cos_x, bp)))
        if q == 1:
            r = wrap32(c + s)
        elif q == 3:
            r = wrap32(c - s)
        elif q == 5:
            r = wrap32(-(c + s))
        else:
            r = wrap32(-(c - s))
        r = round_s32(r, 16) >> 16
    return r


# ---------------------------------------------------------------------------------------------
# Network components
# ---------------------------------------------------------------------------------------------
N_SLOTS = 16  # 4 delay bits in 5.x/6.x: on-core delays 1..16 ticks
MAX_DELAY_STAGES = 8  # delay-extension stages of N_SLOTS ticks each (§5.2)
MAX_DELAY_TICKS = N_SLOTS * (1 + MAX_DELAY_STAGES)  # 144
DELAY_EXTENSION_MAX_COUNT = 255  # 8-bit saturating spike counter per (tick, source atom)
IZK_THRESHOLD = 30.0

_LIF = dict(tau_m=20.0, cm=1.0, v_rest=-65.0, v_reset=-65.0, v_thresh=-50.0, tau_refrac=0.1,
            i_offset=0.0, v=-65.0)
_IZH = dict(a=0.02, b=0.2, c=-65.0, d=2.0, i_offset=0.0, u=-14.0, v=-70.0)
_EXP = dict(tau_syn_E=5.0, tau_syn_I=5.0, isyn_exc=0.0, isyn_inh=0.0)
_COND = dict(e_rev_E=0.0, e_rev_I=-70.0)

# model name -> (neuron model, synapse type, input type, additional input, defaults)
MODELS = {
    "IF_curr_exp": ("lif", "exp", "current", None, {**_LIF, **_EXP}),
    "IF_cond_exp": ("lif", "exp", "conductance", None, {**_LIF, **_EXP, **_COND}),
    "IF_curr_alpha": ("lif", "alpha", "current", None,
                      {**_LIF, "tau_syn_E": 0.5, "tau_syn_I": 0.5, "exc_response": 0.0,
                       "exc_exp_response": 0.0, "inh_response": 0.0, "inh_exp_response": 0.0}),
    "IF_curr_delta": ("lif", "delta", "delta", None, {**_LIF, "isyn_exc": 0.0, "isyn_inh": 0.0}),
    "Izhikevich": ("izh", "exp", "current", None, {**_IZH, **_EXP}),
    "Izhikevich_cond": ("izh", "exp", "conductance", None, {**_IZH, **_EXP, **_COND}),
    "IFCurrExpCa2Adaptive": ("lif", "exp", "current", "ca2",
                             {**_LIF, **_EXP, "tau_ca2": 50.0, "i_ca2": 0.0, "i_alpha": 0.1}),
    "IF_curr_dual_exp": ("lif", "dual_exp", "current", None,
                         {**_LIF, **_EXP, "tau_syn_E2": 5.0, "isyn_exc2": 0.0}),
}
IF_CURR_EXP_DEFAULTS = dict(MODELS["IF_curr_exp"][4])

SYNAPSE_RECEPTORS = {  # receptor name -> synapse type index; and which are excitatory
    "exp": ({"excitatory": 0, "inhibitory": 1}, [0], [1]),
    "alpha": ({"excitatory": 0, "inhibitory": 1}, [0], [1]),
    "delta": ({"excitatory": 0, "inhibitory": 1}, [0], [1]),
    "dual_exp": ({"excitatory": 0, "excitatory2": 1, "inhibitory": 2}, [0, 1], [2]),
}
RECEPTORS = {"excitatory": 0, "inhibitory": 1}


def _per_neuron(value, n):
    if isinstance(value, (list, tuple)) or hasattr(value, "__len__"):
        values = [float(x) for x in value]
        assert len(values) == n, "per-neuron parameter of wrong length"
        return values
    return [float(value)] * n


# --- synapse types: state per (type, neuron), add input, get input, shape --------------------
class ExpSynapses:
    """Exponential synapses (§3.3); ``taus`` = one tau list per synapse type."""

    def __init__(self, ts, taus, inits):
        self.decay = [[exp_decay_ts(ts, x) for x in tau] for tau in taus]
        self.init = [[exp_init_ts(ts, x) for x in tau] for tau in taus]
        self.isyn = [[encode_s1615(x) for x in init] for init in inits]

    def add(self, s, j, x):
        self.isyn[s][j] = add_k(self.isyn[s][j], decay_s1615(x, self.init[s][j]))

    def get(self, s, j):
        return self.isyn[s][j]

    def shape(self, j):
        for s in range(len(self.isyn)):
            self.isyn[s][j] = decay_s1615(self.isyn[s][j], self.decay[s][j])


class AlphaSynapses:
    """Alpha synapses (§3.4, synapse_types_alpha_impl.h @ fe023106)."""

    ONE = 1 << 15

    def __init__(self, ts, taus, lins, exps):
        self.dt_tau2 = [[alpha_dt_over_tau2_ts(ts, x) for x in tau] for tau in taus]
        self.decay = [[alpha_decay_ts(ts, x) for x in tau] for tau in taus]
        self.lin = [[encode_s1615(x) for x in v] for v in lins]
        self.exp = [[encode_s1615(x) for x in v] for v in exps]
        self.q = [[0] * len(v) for v in lins]

    def add(self, s, j, x):
        if x > 0:  # only positive inputs start a response
            self.q[s][j] = x
            e = add_k(decay_s1615(self.exp[s][j], self.decay[s][j]), self.ONE)
            self.exp[s][j] = e
            lin = add_k(self.lin[s][j], mulk(x, self.dt_tau2[s][j]))
            self.lin[s][j] = mulk(lin, sub_k(self.ONE, divk(self.ONE, e)))

    def get(self, s, j):
        return mulk(self.lin[s][j], self.exp[s][j])

    def shape(self, j):
        for s in range(len(self.lin)):
            self.lin[s][j] = add_k(self.lin[s][j], mulk(self.q[s][j], self.dt_tau2[s][j]))
            self.exp[s][j] = decay_s1615(self.exp[s][j], self.decay[s][j])


class DeltaSynapses:
    """Delta synapses (§3.5): state += x; input = state; zeroed after the update."""

    def __init__(self, inits):
        self.val = [[encode_s1615(x) for x in v] for v in inits]

    def add(self, s, j, x):
        self.val[s][j] = add_k(self.val[s][j], x)

    def get(self, s, j):
        return self.val[s][j]

    def shape(self, j):
        for s in range(len(self.val)):
            self.val[s][j] = 0


# --- input types -----------------------------------------------------------------------------
class CurrentInput:
    gws = 1.0

    def value(self, x):
        return x                      # x * ONE

    def exc(self, g, v, j):
        return g

    def inh(self, g, v, j):
        return g


class ConductanceInput:
    gws = 1024.0

    def __init__(self, e_rev_e, e_rev_i):
        self.e_rev_e = [encode_s1615(x) for x in e_rev_e]
        self.e_rev_i = [encode_s1615(x) for x in e_rev_i]

    def value(self, x):
        return x >> 10

    def exc(self, g, v, j):
        return mulk(g, sub_k(self.e_rev_e[j], v))

    def inh(self, g, v, j):
        return mulk(neg_k(g), sub_k(self.e_rev_i[j], v))   # negate first, then multiply


class DeltaInput:
    gws = 1.0

    def __init__(self, ts):
        self.scale = delta_scale_ts(ts)

    def value(self, x):
        return x

    def exc(self, g, v, j):
        return mulk(g, self.scale)

    def inh(self, g, v, j):
        return mulk(g, self.scale)


# --- additional input ------------------------------------------------------------------------
class Ca2Adaptive:
    def __init__(self, ts, tau_ca2, i_ca2, i_alpha):
        self.exp_tau = [ca2_exp_tau_ts(ts, x) for x in tau_ca2]
        self.i_ca2 = [encode_s1615(x) for x in i_ca2]
        self.i_alpha = [encode_s1615(x) for x in i_alpha]

    def current(self, j, v):
        self.i_ca2[j] = mulk(self.i_ca2[j], self.exp_tau[j])
        return neg_k(self.i_ca2[j])

    def spiked(self, j):
        self.i_ca2[j] = add_k(self.i_ca2[j], self.i_alpha[j])


# --- neuron models ---------------------------------------------------------------------------
def _sum_k(values):
    total = 0
    for x in values:
        total = add_k(total, x)
    return total


class LIFModel:
    def __init__(self, ts, p):
        self.v_rest = [encode_s1615(x) for x in p["v_rest"]]
        self.v_reset = [encode_s1615(x) for x in p["v_reset"]]
        self.v_thresh = [encode_s1615(x) for x in p["v_thresh"]]
        self.i_offset = [encode_s1615(x) for x in p["i_offset"]]
        self.r = [lif_r(tm, c) for tm, c in zip(p["tau_m"], p["cm"])]
        self.exp_tc = [lif_exp_tc_ts(ts, tm) for tm in p["tau_m"]]
        self.t_refract = [refractory_ticks_ts(ts, x) for x in p["tau_refrac"]]
        self.v = [encode_s1615(x) for x in p["v"]]
        self.refract = [0] * len(self.v)

    def threshold(self, j):
        return self.v_thresh[j]

    def update(self, j, exc, inh, ext, cs):
        if self.refract[j] <= 0:
            i_tot = add_k(add_k(add_k(sub_k(_sum_k(exc), _sum_k(inh)), ext), self.i_offset[j]),
                          cs)
            alpha = add_k(mulk(i_tot, self.r[j]), self.v_rest[j])
            self.v[j] = sub_k(alpha, mulk(self.exp_tc[j], sub_k(alpha, self.v[j])))
        else:
            self.refract[j] -= 1
        return self.v[j]

    def spiked(self, j):
        self.v[j] = self.v_reset[j]
        self.refract[j] = self.t_refract[j]


class IzhModel:
    M = 1311                     # 0.040008544921875k
    K140 = 140 << 15
    K5 = 5 << 15
    TQ = 60620                   # 1.85k, truncated by the compiler

    def __init__(self, ts, p):
        n = len(p["v"])
        self.a = [encode_s1615(x) for x in p["a"]]
        self.b = [encode_s1615(x) for x in p["b"]]
        self.c = [encode_s1615(x) for x in p["c"]]
        self.d = [encode_s1615(x) for x in p["d"]]
        self.i_offset = [encode_s1615(x) for x in p["i_offset"]]
        self.v = [encode_s1615(x) for x in p["v"]]
        self.u = [encode_s1615(x) for x in p["u"]]
        self.reset_h = izh_h_ts(ts)            # global machine_timestep_ms
        self.h = [izh_h_ts(ts)] * n            # this_h
        self.thresh = encode_s1615(IZK_THRESHOLD)

    def threshold(self, j):
        return self.thresh

    def update(self, j, exc, inh, ext, cs):
        i_in = add_k(add_k(add_k(sub_k(_sum_k(exc), _sum_k(inh)), ext), self.i_offset[j]), cs)
        h, v0, u0, a, b = self.h[j], self.v[j], self.u[j], self.a[j], self.b[j]
        m = self.M
        pre_alph = sub_k(add_k(self.K140, i_in), u0)
        alpha = add_k(pre_alph, mulk(add_k(self.K5, mulk(m, v0)), v0))
        eta = add_k(v0, half_k(mulk(h, alpha)))
        # compiled order (§3.6): HALF((b*V0 - U0) * (h*a))
        beta = half_k(mulk(sub_k(mulk(b, v0), u0), mulk(h, a)))
        self.v[j] = add_k(v0, mulk(h, add_k(sub_k(pre_alph, beta),
                                            mulk(add_k(self.K5, mulk(m, eta)), eta))))
        self.u[j] = add_k(u0, mulk(mulk(a, h), add_k(sub_k(neg_k(u0), beta), mulk(b, eta))))
        self.h[j] = self.reset_h
        return self.v[j]

    def spiked(self, j):
        self.v[j] = self.c[j]
        self.u[j] = add_k(self.u[j], self.d[j])
        self.h[j] = mulk(self.reset_h, self.TQ)


# --- current sources (7.x semantics) ----------------------------------------------------------
def cs_tick(t_ms, ts):
    """UINT32 of t_ms * get_simulation_time_step_per_ms(): int() truncation."""
    return int(float(t_ms) * (1000.0 / float(ts)))


class DCSource:
    cs_id = 1

    def __init__(self, amplitude=0.0, start=0.0, stop=0.0):
        self.p = dict(amplitude=amplitude, start=start, stop=stop)

    def bind(self, ts):
        self.amp = encode_s1615(self.p["amplitude"])
        self.start, self.stop = cs_tick(self.p["start"], ts), cs_tick(self.p["stop"], ts)

    def offset(self, t):
        return self.amp if self.start <= t < self.stop else 0


class ACSource:
    cs_id = 2

    def __init__(self, start=0.0, stop=0.0, amplitude=0.0, offset=0.0, frequency=0.0, phase=0.0):
        self.p = dict(start=start, stop=stop, amplitude=amplitude, offset=offset,
                      frequency=frequency, phase=phase)

    def bind(self, ts):
        p = self.p
        self.start, self.stop = cs_tick(p["start"], ts), cs_tick(p["stop"], ts)
        self.amp = encode_s1615(p["amplitude"])
        self.off = encode_s1615(p["offset"])
        self.freq = encode_s1615((p["frequency"] * 2 * numpy.pi) / 1000.0)
        self.phase = encode_s1615(p["phase"] * (numpy.pi / 180.0))

    def offset(self, t):
        if not self.start <= t < self.stop:
            return 0
        time_value = wrap32((t - self.start) << 15)
        s = sink_bits(add_k(mulk(time_value, self.freq), self.phase))
        return add_k(self.off, mulk(self.amp, s))


class StepCurrentSource:
    cs_id = 3

    def __init__(self, times=(), amplitudes=()):
        assert len(times) == len(amplitudes)
        self.p = dict(times=list(times), amplitudes=list(amplitudes))

    def bind(self, ts):
        self.times = [cs_tick(x, ts) for x in self.p["times"]]
        self.amps = [encode_s1615(x) for x in self.p["amplitudes"]]
        self.index = 0
        self.last = 0

    def offset(self, t):
        # shared state, at most one entry per call; past the last entry: held (see docstring)
        if self.index < len(self.times) and t >= self.times[self.index]:
            self.last = self.amps[self.index]
            self.index += 1
        return self.last


class NoisyCurrentSource:
    cs_id = 4

    def __init__(self, mean=0.0, stdev=0.0, start=0.0, stop=0.0, seed=None):
        self.p = dict(mean=mean, stdev=stdev, start=start, stop=stop)
        self.seed = validate_kiss_seed(seed) if seed is not None else None

    def bind(self, ts):
        self.mean = encode_s1615(self.p["mean"])
        self.stdev = encode_s1615(self.p["stdev"])
        self.start, self.stop = cs_tick(self.p["start"], ts), cs_tick(self.p["stop"], ts)
        if self.seed is None:
            self.seed = create_kiss_seed(numpy.random.RandomState(None))
        self.rng = Kiss(self.seed)

    def offset(self, t):
        if not self.start <= t < self.stop:
            return 0
        return add_k(self.mean, mulk(self.stdev, norminv_urt(self.rng())))


# --- populations -----------------------------------------------------------------------------
class SpikeSourceArrayPop:
    def __init__(self, n, spike_times, dt_us):
        self.n = n
        if len(spike_times) and not hasattr(spike_times[0], "__len__"):
            spike_times = [spike_times] * n  # one list for every neuron
        assert len(spike_times) == n
        self.ticks = [[ssa_tick(t, dt_us) for t in times] for times in spike_times]
        self.spikes = [[] for _ in range(n)]

    def step(self, t):
        pass

    def spiking(self, t):
        """Neuron indices that send a packet at tick t (with multiplicity)."""
        return [j for j in range(self.n) for tk in self.ticks[j] if tk == t]

    def max_spikes_per_tick(self, ts):
        return None


class NeuronPop:
    """One core's worth of neurons of a standard sPyNNaker 6.0 model (see MODELS)."""

    def __init__(self, n, model, params, ts):
        self.n = n
        self.model_name = model
        neuron, synapse, inp, additional, defaults = MODELS[model]
        unknown = set(params) - set(defaults)
        assert not unknown, f"{model}: unknown parameters {unknown}"
        p = {k: _per_neuron(params.get(k, d), n) for k, d in defaults.items()}
        self.receptors, self.exc_types, self.inh_types = SYNAPSE_RECEPTORS[synapse]
        self.n_types = len(self.receptors)
        if synapse == "exp":
            self.syn = ExpSynapses(ts, [p["tau_syn_E"], p["tau_syn_I"]],
                                   [p["isyn_exc"], p["isyn_inh"]])
        elif synapse == "dual_exp":
            self.syn = ExpSynapses(ts, [p["tau_syn_E"], p["tau_syn_E2"], p["tau_syn_I"]],
                                   [p["isyn_exc"], p["isyn_exc2"], p["isyn_inh"]])
        elif synapse == "alpha":
            self.syn = AlphaSynapses(ts, [p["tau_syn_E"], p["tau_syn_I"]],
                                     [p["exc_response"], p["inh_response"]],
                                     [p["exc_exp_response"], p["inh_exp_response"]])
        else:
            self.syn = DeltaSynapses([p["isyn_exc"], p["isyn_inh"]])
        if inp == "current":
            self.input = CurrentInput()
        elif inp == "conductance":
            self.input = ConductanceInput(p["e_rev_E"], p["e_rev_I"])
        else:
            self.input = DeltaInput(ts)
        self.additional = (Ca2Adaptive(ts, p["tau_ca2"], p["i_ca2"], p["i_alpha"])
                           if additional == "ca2" else None)
        self.model = LIFModel(ts, p) if neuron == "lif" else IzhModel(ts, p)
        self.gws = self.input.gws
        self.current_sources = [[] for _ in range(n)]
        # ideal delay line (see the module docstring): absolute target tick -> [type][neuron]
        # uint16 entries; on the machine these are the 16-slot ring (on-core delays) fed
        # directly or through the delay-extension stages
        self.ring = {}
        self.shift = [None] * self.n_types
        self.saturations = 0
        # recordings: one row per tick
        self.v, self.gsyn_exc, self.gsyn_inh = [], [], []
        self.spikes = [[] for _ in range(n)]
        self._spiked_now = []

    # compatibility with the IF_curr_exp-only reference
    @property
    def isyn(self):
        return self.syn.isyn

    @property
    def v_state(self):
        return self.model.v

    def inject(self, source, indices=None):
        for j in (range(self.n) if indices is None else indices):
            self.current_sources[j].append(source)
            self.current_sources[j].sort(key=lambda s: s.cs_id)   # host sorts by type id

    def add_to_ring(self, tick, s, j, w):
        """Add weight ``w`` into the uint16 saturating entry of (target tick, type, neuron)."""
        entries = self.ring.get(tick)
        if entries is None:
            entries = self.ring[tick] = [[0] * self.n for _ in range(self.n_types)]
        entries[s][j], sat = ring_add(entries[s][j], w)
        self.saturations += sat

    def step(self, t):
        assert all(tick >= t for tick in self.ring), "an entry was skipped"
        entries = self.ring.pop(t, None)
        if entries is None:
            entries = [[0] * self.n for _ in range(self.n_types)]
        for j in range(self.n):  # ring-buffer transfer (§2.2 step 2)
            for s in range(self.n_types):
                # 6.x calls the input routine for zero entries too (no numeric effect)
                self.syn.add(s, j, wrap32(entries[s][j] << self.shift[s]))
        row_v, row_e, row_i, spiked = [], [], [], []
        inp, syn, model = self.input, self.syn, self.model
        for j in range(self.n):  # §2.4 per-neuron update
            v = model.v[j]
            exc = [inp.value(syn.get(s, j)) for s in self.exc_types]
            inh = [inp.value(syn.get(s, j)) for s in self.inh_types]
            row_v.append(v)
            row_e.append(_sum_k(exc))
            row_i.append(_sum_k(inh))
            exc = [inp.exc(g, v, j) for g in exc]
            inh = [inp.inh(g, v, j) for g in inh]
            cs = 0
            for src in self.current_sources[j]:
                cs = add_k(cs, src.offset(t))
            ext = 0
            if self.additional is not None:
                ext = add_k(ext, self.additional.current(j, v))
            v_new = model.update(j, exc, inh, ext, cs)
            if v_new >= model.threshold(j):
                model.spiked(j)
                if self.additional is not None:
                    self.additional.spiked(j)
                spiked.append(j)
                self.spikes[j].append(t)
            syn.shape(j)
        self.v.append(row_v)
        self.gsyn_exc.append(row_e)
        self.gsyn_inh.append(row_i)
        self._spiked_now = spiked

    def spiking(self, t):
        return self._spiked_now

    def max_spikes_per_tick(self, ts):
        return None


class IFCurrExpPop(NeuronPop):
    def __init__(self, n, params, dt_ms):
        super().__init__(n, "IF_curr_exp", params, machine_timestep_us(dt_ms))


# --- Poisson sources (6.0) -------------------------------------------------------------------
MAX_TIMESTEP = 0xFFFFFFFF
SLOW_CUTOFF, FAST_CUTOFF = 0.01, 10


def poisson_entry(rate, start, duration, ts, host="6"):
    """Host-side rate entry: dict(start, end, is_fast, exp_minus_lambda, sqrt_lambda, mean_isi).
    ``host="6"``: sPyNNaker 6.0 (numpy.round encodings, end = start_ticks + round(duration));
    ``host="5"``: 5.1 / kernel.md §7.2 (truncated encodings, end = round(start + duration))."""
    spt = float(rate) * (float(ts) / 1e6)
    is_fast = spt >= SLOW_CUTOFF
    is_faster = spt >= FAST_CUTOFF
    per_ms = 1000.0 / float(ts)
    start_t = int(numpy.round(float(start) * per_ms))
    if duration is None:
        end_t = MAX_TIMESTEP
    elif host == "6":
        end_t = int(numpy.round(float(duration) * per_ms)) + start_t
    else:
        end_t = int(numpy.round((float(start) + float(duration)) * per_ms))
    if host == "6":
        eml = encode_array_6(numpy.exp(-1.0 * spt), 1 << 32) if is_fast else 0
        sql = encode_array_6(numpy.sqrt(spt), 1 << 15) if is_faster else 0
    else:
        eml = int(numpy.float64(numpy.exp(-1.0 * spt)) * (2 ** 32)) if is_fast else 0
        sql = int(numpy.float64(numpy.sqrt(spt)) * (2 ** 15)) if is_faster else 0
    isi = int(1.0 / spt) if (spt > 0 and not is_fast) else 0
    return dict(start=start_t, end=end_t, is_fast=is_fast, exp_minus_lambda=eml,
                sqrt_lambda=sql, mean_isi=isi, time_to_spike=0, rate=float(rate))


class PoissonPop:
    """SpikeSourcePoisson / SpikeSourcePoissonVariable, 6.0 (see the module docstring).
    ``rates[j]``, ``starts[j]``, ``durations[j]`` are the per-neuron rate schedules.  Neurons
    are split into slices of ``atoms_per_core``, each with its own KISS seed."""

    ISI_SCALE = 1000

    def __init__(self, n, rates, starts, durations, ts, seed, atoms_per_core=None,
                 host="6", seeds=None):
        self.n = n
        self.ts = ts
        self.entries = []
        for j in range(n):
            es = [poisson_entry(r, s, d, ts, host) for r, s, d in
                  zip(rates[j], starts[j], durations[j])]
            for k, e in enumerate(es):  # next = start of the next entry (max for the last)
                e["next"] = es[k + 1]["start"] if k + 1 < len(es) else MAX_TIMESTEP
            self.entries.append(es)
        apc = atoms_per_core or n
        self.slices = [list(range(lo, min(n, lo + apc))) for lo in range(0, n, apc)]
        if seeds is None:
            seeds = kiss_seeds_for_slices(seed, len(self.slices))
        self.seeds = [list(s) for s in seeds]
        self.rngs = [Kiss(s) for s in self.seeds]
        if host == "6":   # first entry whose end > first machine time step (0)
            self.index = [next((k for k, e in enumerate(es) if e["end"] > 0), 0)
                          for es in self.entries]
        else:
            self.index = [0] * n
        self.cur = [dict(self.entries[j][self.index[j]]) for j in range(n)]
        self.loaded = False
        self.spikes = [[] for _ in range(n)]   # ticks, with multiplicity
        self.counts = []                       # per tick: list of counts
        self._now = []

    def max_spikes_per_tick(self, ts):
        max_rate = max(e["rate"] for es in self.entries for e in es)
        return poisson_max_spikes_per_ts(max_rate, ts)

    def _isi(self, rng, mean_isi):
        e = exponential_variate(rng)
        value = accum_to_uint(round_s32(wrap32(e * self.ISI_SCALE), 15))
        return (value * mean_isi) & MASK32

    def _fill_zero_tts(self):
        for sl, rng in zip(self.slices, self.rngs):
            for j in sl:
                c = self.cur[j]
                if not c["is_fast"] and c["time_to_spike"] == 0:
                    c["time_to_spike"] = self._isi(rng, c["mean_isi"])

    def start_run(self):
        if not self.loaded:          # initialize() -> read_rates()
            self._fill_zero_tts()
            self.loaded = True
        else:                        # resume_callback: read_rates() then its own loop
            self._fill_zero_tts()
            self._fill_zero_tts()

    def _fast(self, rng, c):
        if c["sqrt_lambda"] > 0:
            x = add_k(mulk(norminv_urt(rng()), 1 << 14), c["sqrt_lambda"])
            return accum_to_uint(round_s32(mulk(x, x), 15))
        eml = c["exp_minus_lambda"]
        if eml == 0:
            return 0
        p, k = MASK32, 0
        while True:
            k += 1
            p = min((p * rng()) >> 32, MASK32)
            if not p > eml:
                break
        return k - 1

    def step(self, t):
        now = []
        counts = [0] * self.n
        for sl, rng in zip(self.slices, self.rngs):
            for j in sl:
                c = self.cur[j]
                count = 0
                if c["is_fast"]:
                    if c["start"] <= t < c["end"]:
                        count = self._fast(rng, c)
                elif c["start"] <= t < c["end"] and c["mean_isi"] != 0:
                    while c["time_to_spike"] < self.ISI_SCALE:
                        count += 1
                        c["time_to_spike"] = u32(c["time_to_spike"] +
                                                 self._isi(rng, c["mean_isi"]))
                    c["time_to_spike"] = u32(c["time_to_spike"] - self.ISI_SCALE)
                if count:
                    now.extend([j] * count)
                    self.spikes[j].extend([t] * count)
                    counts[j] = count
                if t + 1 >= c["next"]:          # read_next_rates
                    if self.index[j] < len(self.entries[j]):
                        self.index[j] += 1
                        assert self.index[j] < len(self.entries[j]), "past the last rate"
                        c = self.cur[j] = dict(self.entries[j][self.index[j]])
                        if not c["is_fast"]:
                            c["time_to_spike"] = self._isi(rng, c["mean_isi"])
        self.counts.append(counts)
        self._now = now

    def spiking(self, t):
        return self._now


# --- projections and the network ---------------------------------------------------------------
class Projection:
    def __init__(self, pre, post, conns, receptor, dt_ms, on_chip):
        self.pre, self.post = pre, post
        self.receptor = post.receptors[receptor]
        self.conns = [(int(i), int(j), float(w), float(d)) for i, j, w, d in conns]
        for i, j, _, _ in self.conns:
            assert 0 <= i < pre.n and 0 <= j < post.n
        self.delays = [delay_ticks(d, dt_ms) for _, _, _, d in self.conns]
        for d in self.delays:
            if d > MAX_DELAY_TICKS:
                raise ValueError(f"delay of {d} ticks: at most {MAX_DELAY_TICKS} ticks "
                                 f"({N_SLOTS} on core + {MAX_DELAY_STAGES} delay-extension "
                                 f"stages of {N_SLOTS}) are supported")
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

    def population(self, n, model, **params):
        assert not self._frozen
        pop = NeuronPop(n, model, params, self.dt_us)
        self.pops.append(pop)
        return pop

    def if_curr_exp(self, n, **params):
        return self.population(n, "IF_curr_exp", **params)

    def spike_source_poisson(self, n, rate, start=0.0, duration=None, seed=None, **kw):
        """SpikeSourcePoisson(rate, start, duration): scalars or one value per neuron."""
        rates = [[r] for r in _list_n(rate, n)]
        starts = [[s] for s in _list_n(start, n)]
        durations = [[d] for d in _list_n(duration, n)]
        return self._poisson(n, rates, starts, durations, seed, **kw)

    def spike_source_poisson_variable(self, n, rates, starts, durations=None, seed=None, **kw):
        """SpikeSourcePoissonVariable(rates, starts, durations): one list for all neurons or
        one list per neuron."""
        rates = _lists_n(rates, n)
        starts = _lists_n(starts, n)
        durations = ([[None] * len(r) for r in rates] if durations is None
                     else _lists_n(durations, n))
        return self._poisson(n, rates, starts, durations, seed, **kw)

    def _poisson(self, n, rates, starts, durations, seed, **kw):
        assert not self._frozen
        pop = PoissonPop(n, rates, starts, durations, self.dt_us, seed, **kw)
        self.pops.append(pop)
        return pop

    def connect(self, pre, post, conns, receptor="excitatory", on_chip=False):
        """conns: [(pre_index, post_index, weight, delay_ms), ...]. ``on_chip=True`` uses
        the 6.x synapse-expander weight rounding (§4.3) instead of the host rint."""
        assert not self._frozen and isinstance(post, NeuronPop)
        proj = Projection(pre, post, conns, receptor, self.dt_ms, on_chip)
        self.projections.append(proj)
        return proj

    def inject(self, source, post, indices=None):
        """Inject ``source`` into ``post`` (all neurons or ``indices``).  Each population (core)
        gets its own copy of the source's on-chip state (step index, noise RNG); the copy,
        bound to the time step, is returned."""
        assert not self._frozen and isinstance(post, NeuronPop)
        source = copy.deepcopy(source)
        source.bind(self.dt_us)
        post.inject(source, indices)
        return source

    def set_shift(self, post, receptor, shift):
        self._shift_override[(id(post), post.receptors[receptor])] = shift

    # --- host-side "mapping" ---
    def _freeze(self):
        if self._frozen:
            return
        for post in self.pops:
            if not isinstance(post, NeuronPop):
                continue
            for s in range(post.n_types):
                incoming = [p for p in self.projections if p.post is post and p.receptor == s]
                key = (id(post), s)
                if key in self._shift_override:
                    post.shift[s] = self._shift_override[key]
                else:
                    post.shift[s] = ring_buffer_shift(
                        [p.stats() + (p.pre.max_spikes_per_tick(self.dt_us),)
                         for p in incoming],
                        self.dt_us, self.spikes_per_second, post.gws)
        for p in self.projections:
            sh = p.post.shift[p.receptor]
            conv = weight_int_expander6 if p.on_chip else weight_int_host
            p.w_int = [conv(w, sh, p.post.gws) for _, _, w, _ in p.conns]
        self._frozen = True

    def shift(self, post, receptor):
        self._freeze()
        return post.shift[post.receptors[receptor]]

    def quantised_weights(self, proj):
        """[(i, j, w_machine), ...] in the order of the connection list."""
        self._freeze()
        sh = proj.post.shift[proj.receptor]
        return [(i, j, quantised_weight(wi, sh, proj.post.gws))
                for (i, j, _, _), wi in zip(proj.conns, proj.w_int)]

    # --- simulation ---
    def ticks_for(self, t_ms):
        """§2.1: run(T) executes ceil(T/dt) steps."""
        return int(math.ceil(t_ms / self.dt_ms))

    def run(self, n_ticks):
        self._freeze()
        for pop in self.pops:
            if isinstance(pop, PoissonPop):
                pop.start_run()
        for t in range(self.time, self.time + n_ticks):
            for pop in self.pops:
                pop.step(t)
            for proj in self.projections:  # spikes of tick t land in the entry of tick t + d
                senders = proj.pre.spiking(t)
                if not senders:
                    continue
                counts = {}                      # spikes per source atom in this tick
                for i in senders:
                    counts[i] = counts.get(i, 0) + 1
                post, s = proj.post, proj.receptor
                for i, count in counts.items():
                    # the delay extension's 8-bit counter saturates (§5.2)
                    delayed = min(count, DELAY_EXTENSION_MAX_COUNT)
                    for (ci, cj, _, _), d, wi in zip(proj.conns, proj.delays, proj.w_int):
                        if ci == i:
                            for _ in range(count if d <= N_SLOTS else delayed):
                                post.add_to_ring(t + d, s, cj, wi)
        self.time += n_ticks

    def run_ms(self, t_ms):
        self.run(self.ticks_for(t_ms))


def _list_n(value, n):
    if isinstance(value, (list, tuple, numpy.ndarray)):
        assert len(value) == n
        return list(value)
    return [value] * n


def _lists_n(value, n):
    """One schedule for all neurons, or one per neuron."""
    if len(value) and hasattr(value[0], "__len__"):
        assert len(value) == n
        return [list(v) for v in value]
    return [list(value) for _ in range(n)]
