"""Independent pure-Python reference of SpiNNaker's STDP, profile "6" (sPyNNaker 5.x/6.x
weight-dependence semantics, the 6.0 host conversions and the 6.0 machine code).

Written from /work/shared/spec/kernel.md §6 (traces, LUTs, §6.3 processing of a pre spike,
§6.4 weight dependences), §4.2-§4.3 (plastic rows, ring-buffer shift with w_max), §5.2 (STDP
through a delay extension) and frontend.md §1.8, never from the backend's code.  Where the spec
is silent, the public sPyNNaker 6.0 sources (emijan-kth/sPyNNaker @ fe023106) were READ and the
behaviour re-implemented here in my own words:

* host (``spynnaker/pyNN/models/neuron/plasticity/stdp/common.py``, ``timing_dependence/
  timing_dependence_spike_pair.py`` / ``..._spike_nearest_pair.py``, ``weight_dependence/
  weight_dependence_additive.py`` / ``..._multiplicative.py``, ``synapse_dynamics/
  synapse_dynamics_stdp.py``, ``neuron/synaptic_manager.py``, ``neuron/synapse_io.py``):
  - both timing rules build their two LUTs the same way, with the time step in ms taken as
    ``machine_time_step_us / 1000`` and shift 0: ``lambda = dt/tau``,
    ``size = 2*ceil((ln(2048)/lambda / 2**shift)/2)``,
    ``value[i] = floor(2048*exp(-i*2**shift*lambda))``
    (numpy double exp on the whole index array, cast to uint16; the header holds size and shift);
  - weight-dependence parameters are written per synapse type with that type's ring-buffer
    weight scale ``ws = 2**(15-shift) * gws`` (a double) and Python ``round`` (half to even on the
    double): w_min -> ``round(w_min*ws)``, w_max -> ``round(w_max*ws)``; additive
    ``a2+ = round((A+ * w_max) * ws)``, ``a2- = round((A- * w_max) * ws)`` (A+/- relative to
    w_max, 6.x); multiplicative ``a2+/- = round(A+/- * ws)``;
  - the plastic weight half-word is ``rint(|w * ws|)`` for host-generated rows, the synapse
    expander's rounding for on-chip rows (identical to static synapses, reference_model.py);
  - the plastic control half-word keeps the (remaining, on-core) delay in a **4-bit field**
    (``& 0xF`` on the host, ``SYNAPSE_DELAY_MASK`` = 0xF when the neuron core reads it), so a
    remaining delay of 16 ticks (16, 32, 48, ... through the delay extension) is read back as
    **0**: its weight still lands 16 ticks later (slot ``t & 15``), but the dendritic delay the
    STDP rule uses is 0.  ``DELAY_FIELD_MASK`` below; set ``delay_field_mask=None`` on a
    network to get the naive "dd = delay" reading instead;
  - the ring-buffer shift of a plastic projection uses ``max(connector max |w|, w_max)`` as its
    weight, variance 0 (kernel.md §4.3, ``SynapseDynamicsSTDP.get_weight_maximum``);
  - ``dendritic_delay_fraction`` other than 1.0 is not modelled (6.0 would then encode part of
    the delay as an "axonal" field the neuron core ignores).
* machine (``neural_modelling/src/neuron/plasticity/stdp/synapse_dynamics_stdp_mad_impl.c``,
  ``post_events.h``, ``maths.h``, ``timing_dependence/timing_pair_impl.h``,
  ``timing_nearest_pair_impl.h``, ``weight_dependence/weight_additive_one_term_impl.h``,
  ``weight_multiplicative_impl.[ch]``):
  - LUT look-up: index = (uint32 time difference) >> shift; 0 past the end (a "negative"
    difference wraps to a huge uint32 and reads 0);
  - ``STDP_FIXED_MUL_16X16(a, b) = smulbb(a, b) >> 11`` (low 16 bits of each operand, signed);
  - pair rule: pre trace per row (header: prev_time uint32, prev_trace int16, both 0 at load),
    post trace per history entry (int16, sentinel trace 0); potentiation
    ``smulbb(last_pre_trace, LUT+(p + dd - last_pre)) >> 11`` only when that difference is
    non-zero; depression ``smulbb(prev_post_trace, LUT-(t - (prev_post + dd))) >> 11``;
  - nearest pair: no traces (the row header holds prev_time only); potentiation ``LUT+(Δpre)``
    with ``Δpre = p + dd - last_pre`` (skipped when 0), set to 0 when
    ``p + dd - prev_post_time < Δpre`` where prev_post_time is the previous history entry's
    UNDELAYED time (the sentinel's 0 for the first one); depression ``LUT-(t - (prev + dd))``;
    the row header's prev_time is 0 at load, so post spikes before the first pre spike of a row
    are potentiated as if a pre spike had happened at tick 0 (the pair rule's zero trace hides
    this);
  - post history (per post neuron, 16 entries, entry 0 = sentinel (0, initial trace)); when
    full the oldest real entry (index 1) is dropped; a new entry's trace is computed from the
    newest entry (the sentinel if none);
  - window search: from the newest entry backwards, skip entries with time > begin (stopping
    at the sentinel); the entry reached is "prev" (valid unless it is the sentinel); the window
    is the entries after it with time <= end.  Depression is applied only if prev is valid after
    the window has been walked (i.e. any real post spike <= end is known);
  - additive: the potentiation and depression terms of one update are SUMMED (int32), then
    once ``w = w0 + (smulbb(Σ+, a2+) >> 11) - (smulbb(Σ-, a2-) >> 11)`` clamped to
    [w_min, w_max] (integers); multiplicative: per event
    ``w -= smulbb(smulbb(w - w_min, a2-) >> (15 - shift), term) >> 11`` (potentiation:
    ``w += smulbb(smulbb(w_max - w, a2+) >> (15 - shift), term) >> 11``), no clamp;
    the final weight is ``(uint16)`` of the int32;
  - the new weight is written back to the row and added (saturating uint16) to the ring entry
    of tick ``t + r`` for the spike that triggered the update.

Timing conventions (kernel.md §6.3, §5.2, and the backend's documented choice):

* a pre spike of tick ``t`` is processed at tick ``t`` by the on-core row (remaining delay
  ``r = d`` for ``d <= 16``) and, for ``d = 16k + r`` (``k >= 1``, ``1 <= r <= 16``), by the
  stage-k delayed row at tick ``t + 16k``; every (projection, pre neuron, stage) row has its
  own header (pre trace);
* the post spikes of tick ``t`` are in the history when the rows of tick ``t`` are processed
  (matters only for ``dd = 0``: ``backprop_delay=False`` or a remaining delay of 16);
* a source atom that sends ``c`` spikes in one tick makes its row be processed ``c`` times
  (on core) or ``min(c, 255)`` times (delay-extension stages).

The network is reference_model.Network extended by inheritance (its populations, static
projections, ring buffers and neuron arithmetic are used unchanged); plastic projections are
added with ``StdpNetwork.connect_plastic``.
"""
import math
from dataclasses import dataclass

import numpy

import reference_model as rm

STDP_FIXED_POINT = 11
STDP_ONE = 1 << STDP_FIXED_POINT          # 1.0 in the 11-bit trace format
MAX_POST_SYNAPTIC_EVENTS = 16             # history entries per post neuron, sentinel included
DELAY_FIELD_MASK = 0xF                    # SYNAPSE_DELAY_BITS = 4 in 5.x/6.x
UINT32 = 0xFFFFFFFF


# ---------------------------------------------------------------------------------------------
# host side
# ---------------------------------------------------------------------------------------------
def machine_time_step_ms(dt_ms):
    """The time step the host uses for the LUTs: integer µs / 1000."""
    return rm.machine_timestep_us(dt_ms) / 1000.0


def exp_lut(time_step_ms, tau, shift=0):
    """6.x ``get_exp_lut_array``: the int16 LUT values (a list of ints)."""
    lam = time_step_ms / float(tau)
    size = math.log(STDP_ONE) / lam / (1 << shift)
    half, rest = divmod(size, 2)
    size = (int(half) + (1 if rest > 0 else 0)) * 2        # = 2*ceil(size/2)
    assert size < (1 << 16), "the LUT header stores the size in 16 bits"
    index = numpy.arange(size, dtype=numpy.int64) << shift
    values = numpy.floor(numpy.exp(index * -lam) * STDP_ONE)
    return [int(v) for v in values.astype(numpy.uint16)]


def host_round(x):
    """Python's round() on a double: half to even."""
    return int(round(float(x)))


def weight_params(kind, w_min, w_max, a_plus, a_minus, ws):
    """(min, max, a2+, a2-) as 6.0 writes them for one synapse type of weight scale ``ws``."""
    ws = float(ws)
    wmin, wmax = host_round(w_min * ws), host_round(w_max * ws)
    if kind == "additive":
        return wmin, wmax, host_round(a_plus * w_max * ws), host_round(a_minus * w_max * ws)
    if kind == "multiplicative":
        return wmin, wmax, host_round(a_plus * ws), host_round(a_minus * ws)
    raise ValueError(kind)


# ---------------------------------------------------------------------------------------------
# machine arithmetic
# ---------------------------------------------------------------------------------------------
def int16(x):
    x &= 0xFFFF
    return x - 0x10000 if x & 0x8000 else x


def stdp_mul(a, b):
    """STDP_FIXED_MUL_16X16: smulbb(a, b) >> 11 (arithmetic)."""
    return rm.smulbb(a, b) >> STDP_FIXED_POINT


def lut_decay(lut, delta, shift=0):
    """maths_lut_exponential_decay with a uint32 time difference."""
    index = (delta & UINT32) >> shift
    return lut[index] if index < len(lut) else 0


# ---------------------------------------------------------------------------------------------
# timing dependences
# ---------------------------------------------------------------------------------------------
class PairRule:
    """SpikePairRule (timing_pair_impl.h): 11-bit pre and post traces."""
    name = "pair"

    def __init__(self, lut_plus, lut_minus):
        self.lut_plus, self.lut_minus = lut_plus, lut_minus

    initial_post_trace = 0
    initial_pre_trace = 0

    def add_pre(self, t, last_t, last_r):
        return int16(stdp_mul(last_r, lut_decay(self.lut_plus, t - last_t)) + STDP_ONE)

    def add_post(self, t, last_t, last_o):
        return int16(stdp_mul(last_o, lut_decay(self.lut_minus, t - last_t)) + STDP_ONE)

    def potentiation(self, delayed_post, last_pre, last_pre_trace, prev_post_time):
        """Term for a post event at (delayed) time ``delayed_post``, or None (no call)."""
        delta = (delayed_post - last_pre) & UINT32
        if delta == 0:
            return None
        return stdp_mul(last_pre_trace, lut_decay(self.lut_plus, delta))

    def depression(self, t, delayed_prev_post, prev_post_trace):
        return stdp_mul(prev_post_trace, lut_decay(self.lut_minus, t - delayed_prev_post))


class NearestPairRule:
    """SpikeNearestPairRule (timing_nearest_pair_impl.h): no traces."""
    name = "nearest"

    def __init__(self, lut_plus, lut_minus):
        self.lut_plus, self.lut_minus = lut_plus, lut_minus

    initial_post_trace = None
    initial_pre_trace = None

    def add_pre(self, t, last_t, last_r):
        return None

    def add_post(self, t, last_t, last_o):
        return None

    def potentiation(self, delayed_post, last_pre, last_pre_trace, prev_post_time):
        since_pre = (delayed_post - last_pre) & UINT32
        if since_pre == 0:
            return None
        since_post = (delayed_post - prev_post_time) & UINT32   # prev time NOT delayed
        value = lut_decay(self.lut_plus, since_pre)
        return 0 if since_post < since_pre else value

    def depression(self, t, delayed_prev_post, prev_post_trace):
        return lut_decay(self.lut_minus, t - delayed_prev_post)


# ---------------------------------------------------------------------------------------------
# weight dependences (integer weights in ring-buffer units, one parameter set per synapse type)
# ---------------------------------------------------------------------------------------------
class AdditiveWeight:
    """5.x/6.x additive (weight_additive_one_term_impl.h): sums, applied and clamped once."""
    name = "additive"

    def __init__(self, w_min, w_max, a2_plus, a2_minus, shift):
        self.w_min, self.w_max, self.a2_plus, self.a2_minus = w_min, w_max, a2_plus, a2_minus

    def initial(self, w16):
        return [w16, 0, 0]                   # initial weight, Σ potentiation, Σ depression

    def potentiate(self, state, term):
        state[1] = rm.wrap32(state[1] + term)

    def depress(self, state, term):
        state[2] = rm.wrap32(state[2] + term)

    def final(self, state):
        w0, pot, dep = state
        w = w0 + stdp_mul(pot, self.a2_plus) - stdp_mul(dep, self.a2_minus)
        w = min(self.w_max, max(w, self.w_min))
        return w & 0xFFFF


class MultiplicativeWeight:
    """5.x/6.x multiplicative (weight_multiplicative_impl.h): per event, no clamp."""
    name = "multiplicative"

    def __init__(self, w_min, w_max, a2_plus, a2_minus, shift):
        self.w_min, self.w_max, self.a2_plus, self.a2_minus = w_min, w_max, a2_plus, a2_minus
        self.right_shift = 16 - (shift + 1)

    def initial(self, w16):
        return [w16]

    def potentiate(self, state, term):
        scale = rm.smulbb(self.w_max - state[0], self.a2_plus) >> self.right_shift
        state[0] = rm.wrap32(state[0] + stdp_mul(scale, term))

    def depress(self, state, term):
        scale = rm.smulbb(state[0] - self.w_min, self.a2_minus) >> self.right_shift
        state[0] = rm.wrap32(state[0] - stdp_mul(scale, term))

    def final(self, state):
        return state[0] & 0xFFFF


TIMING_RULES = {"pair": PairRule, "nearest": NearestPairRule}
WEIGHT_RULES = {"additive": AdditiveWeight, "multiplicative": MultiplicativeWeight}


# ---------------------------------------------------------------------------------------------
# post-synaptic history (post_events.h)
# ---------------------------------------------------------------------------------------------
class PostHistory:
    def __init__(self, initial_trace):
        self.times = [0]                 # entry 0: the sentinel
        self.traces = [initial_trace]

    def add(self, t, rule):
        trace = rule.add_post(t, self.times[-1], self.traces[-1])
        if len(self.times) == MAX_POST_SYNAPTIC_EVENTS:
            del self.times[1], self.traces[1]          # drop the oldest real entry
        self.times.append(t)
        self.traces.append(trace)

    def window(self, begin, end):
        """(prev_index, [window indices]) for the window (begin, end]."""
        k = len(self.times) - 1
        while k > 0 and self.times[k] > begin:
            k -= 1
        events = [e for e in range(k + 1, len(self.times)) if self.times[e] <= end]
        return k, events


# ---------------------------------------------------------------------------------------------
# §6.3: processing a pre spike
# ---------------------------------------------------------------------------------------------
class PlasticSynapse:
    __slots__ = ("conn", "post", "stype", "r", "field", "w")

    def __init__(self, conn, post, stype, r, field, w):
        self.conn, self.post, self.stype, self.r, self.field, self.w = (
            conn, post, stype, r, field, w)


class Row:
    """One synaptic row: header (prev_time, prev_trace) + plastic synapses."""

    def __init__(self, initial_pre_trace):
        self.prev_time = 0
        self.prev_trace = initial_pre_trace
        self.synapses = []


def process_row(row, t, rule, weight_rules, histories, backprop_delay):
    """Process ``row`` for a pre spike at tick ``t``.  ``weight_rules[type]``: the weight rule of
    each synapse type; ``histories[j]``: the PostHistory of post neuron j.  Updates the row in
    place and returns [(target_tick, type, post, weight16), ...] to add into the ring buffers."""
    last_t, last_r = row.prev_time, row.prev_trace
    row.prev_time = t
    row.prev_trace = rule.add_pre(t, last_t, last_r)
    out = []
    for syn in row.synapses:
        dd = syn.field if backprop_delay else 0
        begin = last_t - dd if last_t >= dd else 0
        end = t - dd if t >= dd else 0
        hist = histories[syn.post]
        k, events = hist.window(begin, end)
        prev_time, prev_trace, prev_valid = hist.times[k], hist.traces[k], k != 0
        wr = weight_rules[syn.stype]
        state = wr.initial(syn.w)
        for e in events:                                   # potentiation, oldest first
            term = rule.potentiation(hist.times[e] + dd, last_t, last_r, prev_time)
            if term is not None:
                wr.potentiate(state, term)
            prev_time, prev_trace, prev_valid = hist.times[e], hist.traces[e], True
        if prev_valid:                                     # depression
            wr.depress(state, rule.depression(t, prev_time + dd, prev_trace))
        syn.w = wr.final(state)
        out.append((t + syn.r, syn.stype, syn.post, syn.w))
    return out


# ---------------------------------------------------------------------------------------------
# user-level description and the network
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stdp:
    """What ``STDPMechanism(timing, weight, ...)`` describes (floats as the user gives them)."""
    timing: str = "pair"                  # "pair" | "nearest"
    weight: str = "additive"              # "additive" | "multiplicative"
    tau_plus: float = 20.0
    tau_minus: float = 20.0
    A_plus: float = 0.01
    A_minus: float = 0.01
    w_min: float = 0.0
    w_max: float = 1.0
    backprop_delay: bool = True

    def __post_init__(self):
        assert self.timing in TIMING_RULES and self.weight in WEIGHT_RULES

    def same_rule(self, other):
        return self == other


class PlasticProjection(rm.Projection):
    """A plastic projection: for the ring-buffer shift its weight is max(|w|, w_max)."""

    def __init__(self, pre, post, conns, receptor, dt_ms, on_chip, stdp):
        super().__init__(pre, post, conns, receptor, dt_ms, on_chip)
        self.stdp = stdp
        self.rows = {}           # (pre index, stage) -> Row
        self.synapses = []       # PlasticSynapse per connection, in connection order

    def stats(self):
        w, n = super().stats()
        return max(w, float(self.stdp.w_max)), n


class PostStdpState:
    """The STDP part of one post population's core: rule, LUTs, weight parameters, histories."""

    def __init__(self, pop, stdp, dt_ms):
        self.stdp = stdp
        ts_ms = machine_time_step_ms(dt_ms)
        rule_cls = TIMING_RULES[stdp.timing]
        self.rule = rule_cls(exp_lut(ts_ms, stdp.tau_plus), exp_lut(ts_ms, stdp.tau_minus))
        self.weight_rules = []
        for s in range(pop.n_types):
            ws = rm.weight_scale(pop.shift[s], pop.gws)
            params = weight_params(stdp.weight, stdp.w_min, stdp.w_max, stdp.A_plus,
                                   stdp.A_minus, ws)
            self.weight_rules.append(WEIGHT_RULES[stdp.weight](*params, shift=pop.shift[s]))
        self.histories = [PostHistory(self.rule.initial_post_trace) for _ in range(pop.n)]


class StdpNetwork(rm.Network):
    """reference_model.Network + plastic projections (see the module docstring)."""

    def __init__(self, dt_ms=1.0, spikes_per_second=30.0, delay_field_mask=DELAY_FIELD_MASK,
                 post_same_tick=True):
        super().__init__(dt_ms, spikes_per_second)
        self.delay_field_mask = delay_field_mask
        assert post_same_tick, "only the documented choice is modelled"
        self.stdp_state = {}     # id(post pop) -> PostStdpState
        self.pending = {}        # tick -> [(projection, row, count)] (delay-extension stages)

    def connect_plastic(self, pre, post, conns, stdp, receptor="excitatory", on_chip=False):
        """conns: [(pre, post, weight, delay_ms), ...]; ``on_chip``: the weights are rounded as
        the 6.x synapse expander does (AllToAll/OneToOne... with scalar weights)."""
        assert not self._frozen and isinstance(post, rm.NeuronPop)
        for other in self.projections:
            if isinstance(other, PlasticProjection) and other.post is post:
                if not other.stdp.same_rule(stdp):
                    raise ValueError("Synapse dynamics must match exactly when using "
                                     "multiple edges to the same population")
        proj = PlasticProjection(pre, post, conns, receptor, self.dt_ms, on_chip, stdp)
        self.projections.append(proj)
        return proj

    def _freeze(self):
        if self._frozen:
            return
        super()._freeze()        # shifts (plastic stats included) and initial weight ints
        for proj in self.projections:
            if not isinstance(proj, PlasticProjection):
                continue
            key = id(proj.post)
            if key not in self.stdp_state:
                self.stdp_state[key] = PostStdpState(proj.post, proj.stdp, self.dt_ms)
            rule = self.stdp_state[key].rule
            for c, ((i, j, _, _), d, wi) in enumerate(zip(proj.conns, proj.delays, proj.w_int)):
                stage = (d - 1) // rm.N_SLOTS
                r = d - stage * rm.N_SLOTS
                field = r & self.delay_field_mask if self.delay_field_mask is not None else r
                row = proj.rows.get((i, stage))
                if row is None:
                    row = proj.rows[(i, stage)] = Row(rule.initial_pre_trace)
                syn = PlasticSynapse(c, j, proj.receptor, r, field, wi)
                row.synapses.append(syn)
                proj.synapses.append(syn)

    # --- simulation ---
    def _deliver_static(self, proj, t, counts):
        post, s = proj.post, proj.receptor
        for i, count in counts.items():
            delayed = min(count, rm.DELAY_EXTENSION_MAX_COUNT)
            for (ci, cj, _, _), d, wi in zip(proj.conns, proj.delays, proj.w_int):
                if ci == i:
                    for _ in range(count if d <= rm.N_SLOTS else delayed):
                        post.add_to_ring(t + d, s, cj, wi)

    def _process(self, proj, row, t, count):
        st = self.stdp_state[id(proj.post)]
        for _ in range(count):
            for tick, s, j, w in process_row(row, t, st.rule, st.weight_rules, st.histories,
                                             st.stdp.backprop_delay):
                proj.post.add_to_ring(tick, s, j, w)

    def run(self, n_ticks):
        self._freeze()
        for pop in self.pops:
            if isinstance(pop, rm.PoissonPop):
                pop.start_run()
        for t in range(self.time, self.time + n_ticks):
            for pop in self.pops:
                pop.step(t)
            for pop in self.pops:              # post spikes of tick t enter the histories
                st = self.stdp_state.get(id(pop))
                if st is not None:
                    for j in sorted(set(pop.spiking(t))):
                        st.histories[j].add(t, st.rule)
            for proj in self.projections:
                senders = proj.pre.spiking(t)
                if not senders:
                    continue
                counts = {}
                for i in senders:
                    counts[i] = counts.get(i, 0) + 1
                if not isinstance(proj, PlasticProjection):
                    self._deliver_static(proj, t, counts)
                    continue
                for i, count in counts.items():
                    for (ri, stage), row in proj.rows.items():
                        if ri != i:
                            continue
                        if stage == 0:
                            self._process(proj, row, t, count)
                        else:
                            when = t + stage * rm.N_SLOTS
                            self.pending.setdefault(when, []).append(
                                (proj, row, min(count, rm.DELAY_EXTENSION_MAX_COUNT)))
            for proj, row, count in self.pending.pop(t, []):
                self._process(proj, row, t, count)
        self.time += n_ticks

    # --- read-back ---
    def plastic_weight_ints(self, proj):
        """[(i, j, w16), ...] in connection order, as stored now."""
        self._freeze()
        return [(i, j, syn.w) for (i, j, _, _), syn in zip(proj.conns, proj.synapses)]

    def plastic_weights(self, proj):
        """[(i, j, w), ...]: what Projection.get('weight', format='list') returns."""
        ints = self.plastic_weight_ints(proj)
        sh = proj.post.shift[proj.receptor]
        return [(i, j, rm.quantised_weight(w, sh, proj.post.gws)) for i, j, w in ints]

    def weight_rule(self, proj):
        self._freeze()
        return self.stdp_state[id(proj.post)].weight_rules[proj.receptor]

    def history(self, post, j):
        self._freeze()
        return self.stdp_state[id(post)].histories[j]
