"""Ring-buffer left shift and weight scale, as sPyNNaker 6.0 chooses them (toolchain profile "6").

Why this exists
---------------
A SpiNNaker synaptic weight is a 16-bit unsigned integer.  When the ring-buffer entry of a
(tick, synapse type, neuron) is moved into the neuron's input it is shifted left by a
per-core, per-synapse-type amount ``shift`` and read as s16.15, so one weight unit is worth
``2**shift / 2**15`` nA (or uS x 1024 for conductance models).  The host chooses ``shift``
before the run from *statistics* of the incoming projections (not from the realised
connections): a bigger expected summed input gives a bigger shift, hence coarser weights but
less saturation.  A clone that wants the same bits as the machine must choose the same shift,
so this module reproduces the 6.0 host computation, quirks included.  See
``docs/toolchain6.md`` for where each rule was read and for the decisions we took where 6.0 is
ambiguous or crashes.

The module depends on numpy, scipy and PyNN, and on the package only for the time step rule
and the delay rounding.

Typical use by the mapper, per post population::

    edges = [edge_statistics(proj.connector, w, d, n_pre, n_post, pre_slice, post_slice, dt,
                             synapse_type=t, projection_id=id(proj)) for ...]
    shifts = ring_buffer_left_shifts(edges, n_synapse_types=2, weight_scale=gws, dt_ms=dt)
    factors = weight_scale_factors(shifts, gws)

In 6.0 the shift is computed once per *post population* (it is cached on the population's
synaptic manager) from the projections that have a machine edge into the first core of the
population whose data is generated; every core of the population then uses it.  Pass one
:class:`EdgeStatistics` per such projection (duplicates with the same ``projection_id`` are
counted once, as 6.0 keys its statistics by projection).
"""
import functools
import math
from dataclasses import dataclass
from typing import Hashable, Optional

import numpy as np
from scipy import special, stats

from .connectivity import round_delays_to_timestep
from .profiles import Profile

machine_time_step_us = Profile.machine_time_step_us

__all__ = [
    "EdgeStatistics", "edge_statistics", "ring_buffer_left_shifts", "weight_scale_factors",
    "default_spikes_per_tick", "poisson_max_spikes_per_tick",
    "expected_upper_bound", "RunningStats",
    "DEFAULT_SPIKES_PER_SECOND", "DEFAULT_RING_BUFFER_SIGMA",
]

#: [Simulation] spikes_per_second and ring_buffer_sigma of the 6.0 default configuration
DEFAULT_SPIKES_PER_SECOND = 30.0
DEFAULT_RING_BUFFER_SIGMA = 5.0
#: how many Poisson standard deviations the weight-variance summation extends over
POISSON_SIGMA_SUMMATION_LIMIT = 3.0
#: a Poisson source with fewer expected spikes per tick than this counts as one spike per tick
SLOW_RATE_PER_TICK_CUTOFF = 0.01
#: 6.0 reads the machine time step as microseconds and converts with these float constants
_US_PER_MS = 1000.0
_US_PER_S = 1000000.0


# ---------------------------------------------------------------------------------------
# time
# ---------------------------------------------------------------------------------------
def default_spikes_per_tick(spikes_per_second, dt_ms):
    """Spikes per tick assumed for a pre-population that is not a Poisson source.

    6.0: ``max(1, spikes_per_second / steps_per_second)``; ``spikes_per_second`` is the
    *post* population's setting (30 Hz by default), so this is 1.0 for any dt below 33 ms.
    SpikeSourceArray and neuron populations both take this path.
    """
    steps_per_second = _US_PER_S / machine_time_step_us(dt_ms)
    return max(1.0, float(spikes_per_second) / steps_per_second)


def poisson_max_spikes_per_tick(max_rate, dt_ms):
    """What 6.0's SpikeSourcePoisson reports as its maximum spikes per tick.

    1 if the largest rate gives fewer than 0.01 expected spikes per tick, otherwise the
    0.999 quantile of the Poisson count, rounded up, plus one.
    """
    ticks_per_second = _US_PER_S / float(machine_time_step_us(dt_ms))
    lam = float(max_rate) / ticks_per_second
    if lam < SLOW_RATE_PER_TICK_CUTOFF:
        return 1
    quantile = stats.poisson.ppf(1.0 - (1.0 / 1000.0), lam)
    return int(math.ceil(quantile)) + 1.0


# ---------------------------------------------------------------------------------------
# running statistics (weighted combination of per-projection means and variances)
# ---------------------------------------------------------------------------------------
class RunningStats:
    """Pooled mean / sample variance of groups given by (mean, variance, count).

    Same update formulas (and therefore the same rounding) as the 6.0 host.  Note two
    consequences used by :func:`ring_buffer_left_shifts`: a group of count 1 adds nothing
    to the variance whatever its own variance, and counts may be non-integer floats.
    """

    def __init__(self):
        self.n_items = 0
        self.mean = 0.0
        self._m2 = 0.0

    def add_items(self, mean, variance, n_items):
        if n_items > 0:
            total = self.n_items + n_items
            group_m2 = variance * (n_items - 1.0)
            delta = mean - self.mean
            delta_sq = delta * delta
            pooled_mean = ((self.n_items * self.mean) + (n_items * mean)) / total
            pooled_m2 = self._m2 + group_m2 + (delta_sq * self.n_items * n_items) / total
            self.n_items = total
            self.mean = pooled_mean
            self._m2 = pooled_m2

    @property
    def variance(self):
        if self.n_items <= 1:
            return 0.0
        return self._m2 / (self.n_items - 1.0)

    @property
    def standard_deviation(self):
        return math.sqrt(self.variance)


# ---------------------------------------------------------------------------------------
# the statistical upper bound
# ---------------------------------------------------------------------------------------
def expected_upper_bound(weight_mean, weight_std_dev, spikes_per_second, machine_timestep_us,
                         n_synapses_in, sigma):
    """Mean + sigma standard deviations of the summed weight landing in one ring-buffer slot.

    Model: the number of spikes arriving in one tick is Poisson with mean
    ``lam = n * rate * dt``; each carries an independent weight of the given mean and
    standard deviation.  Variance = lam * mean**2 + (weight variance weighted by the Poisson
    probabilities, summed up to ``round(lam + 3 sqrt(lam))`` spikes, in closed form with the
    regularised upper incomplete gamma function).  The expression and its guards (the
    |log ratio| < 701 window and the exclusion of a zero ratio) follow 6.0 exactly.
    """
    steps_per_second = _US_PER_S / machine_timestep_us
    lam = float(n_synapses_in * spikes_per_second) / steps_per_second
    poisson_variance = lam * (weight_mean ** 2)
    upper = int(round(lam + POISSON_SIGMA_SUMMATION_LIMIT * math.sqrt(lam)))
    weight_variance = 0.0
    if weight_std_dev > 0:
        log_gamma = special.gammaln(1 + upper)
        q = special.gammaincc(1 + upper, lam)
        ratio = math.log(lam) * upper - log_gamma
        if -701.0 < ratio < 701.0 and ratio != 0.0:
            log_var = (-lam + math.log(lam) + 2.0 * math.log(weight_std_dev)
                       + math.log(math.exp(lam) * q - math.exp(ratio)))
            weight_variance = math.exp(log_var)
    return (lam * weight_mean) + (sigma * math.sqrt(poisson_variance + weight_variance))


# ---------------------------------------------------------------------------------------
# the shift
# ---------------------------------------------------------------------------------------
@dataclass
class EdgeStatistics:
    """What 6.0 knows about one incoming projection when it chooses the shift.

    All weights are in the model's native unit (nA or uS), before the global weight scale.
    ``n_connections_max`` may be a non-integer float where 6.0 produces one (binomial
    quantiles are integer-valued floats).  ``spikes_per_second`` is the rate used only by
    the statistical bound (the Poisson source's maximum rate, else the post population's
    ``spikes_per_second``).  ``projection_id`` identifies the projection so that several
    edges of one projection count once.
    """

    synapse_type: int
    n_connections_max: int
    weight_max: float
    weight_mean: float
    weight_variance: float
    delay_variance: float
    spikes_per_tick: float
    spikes_per_second: float = DEFAULT_SPIKES_PER_SECOND
    projection_id: Optional[Hashable] = None


def _shift_for(max_weight):
    # ceil(log2) with math.log(x, 2) (not log2: the rounding of the two differs), then one
    # more bit when the value is itself reachable, because the 16-bit range stops just
    # below 2**shift.
    if max_weight <= 0:
        power = 0
    else:
        power = int(math.ceil(max(0, math.log(max_weight, 2))))
    if (2 ** power) <= max_weight:
        power += 1
    return power


def ring_buffer_left_shifts(edges, n_synapse_types, weight_scale, dt_ms,
                            ring_buffer_sigma=DEFAULT_RING_BUFFER_SIGMA, weights_signed=False):
    """Left shift per synapse type for one post population (6.0 algorithm).

    Per synapse type, over the projections into the population:

    * ``biggest`` = largest ``weight_max * weight_scale``;
    * ``total`` = sum of ``spikes_per_tick * (weight_max * weight_scale * n_connections_max)``;
    * if every projection has zero delay variance (more precisely: the pooled delay
      variance is 0), the expected maximum is ``max(total, biggest)``;
    * otherwise it is ``max(min(bound, total), biggest)`` with ``bound`` from
      :func:`expected_upper_bound` on the pooled weight statistics, the connection-weighted
      mean rate and the summed connection counts;
    * shift = ceil(log2(expected maximum)), +1 if 2**shift <= the maximum (0 for no input),
      +1 more if any synapse dynamics uses signed weights (none of the 6.0 standard ones).

    ``weight_scale`` is the model's global weight scale (1.0 current/delta, 1024.0
    conductance).  ``dt_ms`` is the setup timestep.
    """
    mts = machine_time_step_us(dt_ms)
    scale_sq = weight_scale * weight_scale
    weights = [RunningStats() for _ in range(n_synapse_types)]
    delays = [RunningStats() for _ in range(n_synapse_types)]
    rates = [RunningStats() for _ in range(n_synapse_types)]
    total = np.zeros(n_synapse_types)
    biggest = np.zeros(n_synapse_types)

    unique = {}
    for i, edge in enumerate(edges):
        key = ("projection", edge.projection_id) if edge.projection_id is not None else ("edge", i)
        unique[key] = edge

    for edge in unique.values():
        t = edge.synapse_type
        n = edge.n_connections_max
        mean = edge.weight_mean * weight_scale
        var = edge.weight_variance * scale_sq
        weights[t].add_items(mean, var, n)
        delays[t].add_items(0.0, edge.delay_variance, n)
        w_max = edge.weight_max * weight_scale
        biggest[t] = max(biggest[t], w_max)
        rates[t].add_items(edge.spikes_per_second, 0, n)
        total[t] += edge.spikes_per_tick * (w_max * n)

    expected = np.zeros(n_synapse_types)
    for t in range(n_synapse_types):
        if delays[t].variance == 0.0:
            expected[t] = max(total[t], biggest[t])
        else:
            bound = expected_upper_bound(
                weights[t].mean, weights[t].standard_deviation, rates[t].mean, mts,
                weights[t].n_items, ring_buffer_sigma)
            expected[t] = max(min(bound, total[t]), biggest[t])

    shifts = [_shift_for(w) for w in expected]
    if weights_signed:
        shifts = [s + 1 for s in shifts]
    return shifts


def weight_scale_factors(shifts, weight_scale):
    """Multiplier that turns a native weight into its 16-bit integer (before rounding).

    ``2**(16 - (shift + 1)) * weight_scale``: one integer unit, shifted left by ``shift``,
    is one s16.15 LSB times 2**shift; the global weight scale (1024 for conductances) is
    folded in.  Always an exact power of two times ``weight_scale``.
    """
    return [float(math.pow(2, 16 - (s + 1))) * weight_scale for s in shifts]


# ---------------------------------------------------------------------------------------
# per-connector statistics
# ---------------------------------------------------------------------------------------
_EXPR_NAMESPACE = {name: getattr(np, name) for name in (
    "arccos", "arcsin", "arctan", "arctan2", "ceil", "cos", "cosh", "exp", "fabs", "floor",
    "fmod", "hypot", "ldexp", "log", "log10", "modf", "power", "sin", "sinh", "sqrt", "tan",
    "tanh", "maximum", "minimum")}
_EXPR_NAMESPACE.update(e=np.e, pi=np.pi, abs=np.abs, math=math, numpy=np, np=np)


def _eval_expression(expr, **variables):
    if callable(expr):
        return np.asarray(expr(*variables.values()), dtype=np.float64)
    namespace = dict(_EXPR_NAMESPACE)
    namespace.update(variables)
    return np.asarray(eval(expr, {"__builtins__": {}}, namespace), dtype=np.float64)


def _is_random(value):
    try:
        from pyNN.random import RandomDistribution
    except ImportError:  # pragma: no cover
        return False
    return isinstance(value, RandomDistribution)


def _is_scalar(value):
    return np.isscalar(value) or (isinstance(value, np.ndarray) and value.ndim == 0)


def _needs_distances(value, distances, what):
    if distances is None:
        raise ValueError(
            f"{what} given as an expression of distance needs the pre/post distance matrix "
            "(pass distances=...)")
    return np.asarray(distances, dtype=np.float64)


# Distribution statistics exactly as 6.0 computes them.  6.0 hands PyNN's parameters to
# scipy positionally, which for some families lands on scipy's `loc`/`scale` instead of
# the intended shape: exponential(beta) becomes expon(loc=beta) (mean beta + 1, var 1),
# gamma(k, theta) becomes gamma(a=k, loc=theta), lognormal(mu, sigma) becomes
# lognorm(s=mu, loc=sigma), vonmises(mu, kappa) becomes vonmises(kappa=mu, loc=kappa).
# These change the chosen shift, so they are reproduced on purpose.
def _dist_frozen(dist):
    """(frozen scipy distribution, low, high); cached: a large network asks for the same
    distribution once per edge, and freezing a scipy distribution takes a millisecond."""
    key = (dist.name, tuple(sorted((k, float(v)) for k, v in dist.parameters.items())))
    return _frozen_cached(key)


@functools.lru_cache(maxsize=1024)
def _frozen_cached(key):
    name, items = key
    p = dict(items)
    frozen, low, high = _freeze(name, p)
    return _CachedStats(frozen), low, high


class _CachedStats:
    """mean(), var() and ppf() of a frozen distribution, each computed once per argument."""

    def __init__(self, frozen):
        self._frozen = frozen
        self._mean = self._var = None
        self._ppf = {}

    def mean(self):
        if self._mean is None:
            self._mean = self._frozen.mean()
        return self._mean

    def var(self):
        if self._var is None:
            self._var = self._frozen.var()
        return self._var

    def ppf(self, q):
        if q not in self._ppf:
            self._ppf[q] = self._frozen.ppf(q)
        return self._ppf[q]


def _freeze(name, p):
    if name == "normal":
        return stats.norm(p["mu"], p["sigma"]), None, None
    if name in ("normal_clipped", "normal_clipped_to_boundary"):
        a = (p["low"] - p["mu"]) / p["sigma"]
        b = (p["high"] - p["mu"]) / p["sigma"]
        return stats.truncnorm(a, b, p["mu"], p["sigma"]), p["low"], p["high"]
    if name == "uniform":
        return stats.uniform(p["low"], p["high"] - p["low"]), p["low"], p["high"]
    if name == "uniform_int":
        # not known to 6.0 (KeyError there); we use scipy's randint(low, high) like 6.0's
        # 'randint' entry
        return stats.randint(p["low"], p["high"]), p["low"], p["high"]
    if name == "randint":
        return stats.randint(p["low"], p["high"]), p["low"], p["high"]
    if name == "exponential":
        return stats.expon(p["beta"]), None, None
    if name == "gamma":
        return stats.gamma(p["k"], p["theta"]), None, None
    if name == "lognormal":
        return stats.lognorm(p["mu"], p["sigma"]), None, None
    if name == "poisson":
        return stats.poisson(p["lambda_"]), None, None
    if name == "binomial":
        return stats.binom(p["n"], p["p"]), None, None
    if name == "vonmises":
        return stats.vonmises(p["mu"], p["kappa"]), None, None
    raise ValueError(f"no statistics for random distribution {name!r}")


def _rd_max_abs(dist, n_connections):
    # the largest |value| expected in n draws: 0.99 chance over all draws, clipped to the
    # distribution's bound on the side of its mean
    frozen, low, high = _dist_frozen(dist)
    n = float(n_connections) if n_connections > 0 else 1.0
    if frozen.mean() < 0:
        smallest = frozen.ppf(0.01 / n)
        return abs(smallest) if low is None else abs(max(smallest, low))
    largest = frozen.ppf(1.0 - 0.01 / n)
    return abs(largest) if high is None else abs(min(largest, high))


def _weight_mean(weights, distances):
    if _is_random(weights):
        return abs(_dist_frozen(weights)[0].mean())
    if isinstance(weights, str) or callable(weights):
        return float(np.mean(_eval_expression(weights, d=_needs_distances(weights, distances, "weight"))))
    if _is_scalar(weights):
        return abs(float(weights))
    return float(np.mean(np.asarray(weights, dtype=np.float64)))      # signed, as in 6.0


def _weight_max(weights, n_connections, distances):
    if _is_random(weights):
        return float(_rd_max_abs(weights, n_connections))
    if isinstance(weights, str) or callable(weights):
        return float(np.max(_eval_expression(weights, d=_needs_distances(weights, distances, "weight"))))
    if _is_scalar(weights):
        return abs(float(weights))
    return float(np.max(np.abs(np.asarray(weights, dtype=np.float64))))


def _weight_variance(weights, distances):
    if _is_random(weights):
        return float(_dist_frozen(weights)[0].var())
    if isinstance(weights, str) or callable(weights):
        return float(np.var(_eval_expression(weights, d=_needs_distances(weights, distances, "weight"))))
    if _is_scalar(weights):
        return 0.0
    return float(np.var(np.asarray(weights, dtype=np.float64)))


def _delay_variance(delays, dt_ms, distances):
    if delays is None:
        return 0.0
    if _is_random(delays):
        return float(_dist_frozen(delays)[0].var())
    if isinstance(delays, str) or callable(delays):
        return float(np.var(_eval_expression(delays, d=_needs_distances(delays, distances, "delay"))))
    if _is_scalar(delays):
        return 0.0
    return float(np.var(round_delays_to_timestep(delays, machine_time_step_us(dt_ms))))


def _binomial_quantile(n_total, n_trials, p, chance=0.01):
    # 6.0 get_probable_maximum_selected: the (1 - chance / n_total) quantile of Bin(n, p)
    return _binomial_ppf(1.0 - (chance / float(n_total)), n_trials, p)


try:     # the function binom.ppf calls after its argument checks (as in scipy 1.17)
    from scipy.special._ufuncs import _binom_ppf as _scipy_binom_ppf
except ImportError:      # pragma: no cover - another scipy: its public binom.ppf
    _scipy_binom_ppf = None


@functools.lru_cache(maxsize=4096)
def _binomial_ppf(q, n, p):
    """scipy's binom.ppf, once per distinct question (every mapping of a network asks
    again).  Where binom.ppf's checks pass (0 < q < 1, n a whole number >= 0, 0 <= p <= 1),
    the value is that of the function it calls (4 us instead of 0.2 ms); elsewhere
    binom.ppf itself answers (its boundary values and NaN)."""
    if (_scipy_binom_ppf is not None and 0 < q < 1 and 0 <= p <= 1 and n >= 0
            and float(n).is_integer()):
        return np.float64(_scipy_binom_ppf(q, n, p))
    return stats.binom.ppf(q, n, p)


def _int_if_whole(x):
    xf = float(x)
    return int(xf) if xf.is_integer() else xf


#: the connectors whose statistics 6.0 knows (the others use the realised connections)
KNOWN_CONNECTORS = (
    "AllToAllConnector", "OneToOneConnector", "FixedProbabilityConnector",
    "FixedNumberPreConnector", "FixedNumberPostConnector", "FixedTotalNumberConnector",
    "MultapseConnector", "FromListConnector", "ArrayConnector",
    "DistanceDependentProbabilityConnector", "DisplacementDependentProbabilityConnector",
    "IndexBasedProbabilityConnector", "SmallWorldConnector", "KernelConnector", "CSAConnector")


def _connector_kind(connector):
    # most specific first (FromFile < FromList, FixedTotalNumber/Pre/Post < FixedNumber,
    # DisplacementDependent < IndexBased)
    for cls in type(connector).__mro__:
        if cls.__name__ in KNOWN_CONNECTORS:
            return cls.__name__
    return type(connector).__name__


def uses_realised_connections(connector):
    """True if edge_statistics needs the realised weights and delays for this connector."""
    return _connector_kind(connector) not in KNOWN_CONNECTORS


def _fixed_number(connector):
    n = connector.n
    if _is_random(n):
        raise ValueError("a random number of connections is not supported by sPyNNaker 6.0")
    n_f = float(n)
    n_i = int(round(n_f))
    if abs(n_i - n_f) >= 0.001:
        raise ValueError(f"the number of connections must be an integer, not {n!r}")
    return n_i


def _from_list_columns(connector):
    conn = np.asarray(connector.conn_list, dtype=np.float64)
    if conn.size == 0:
        conn = conn.reshape(0, 2)
    names = tuple(getattr(connector, "column_names", None) or ())
    if not names and conn.shape[1] == 4:
        names = ("weight", "delay")
    col = {name: i + 2 for i, name in enumerate(names)}
    return conn, col


def _probabilities(connector, kind, n_pre, n_post, distances, connection_probabilities):
    if connection_probabilities is not None:
        return np.asarray(connection_probabilities, dtype=np.float64)
    if kind == "DistanceDependentProbabilityConnector":
        d = _needs_distances(connector.d_expression, distances, "d_expression")
        return _eval_expression(connector.d_expression, d=d.reshape(n_pre, n_post))
    expr = connector.index_expression
    return np.fromfunction(lambda i, j: _eval_expression(expr, i=i, j=j),
                           (n_pre, n_post))


def edge_statistics(connector, weight, delay, n_pre, n_post, pre_slice, post_slice, dt_ms,
                    realised_weights=None, realised_delays=None, pre_spikes_per_tick=None,
                    synapse_type=0, *, spikes_per_second=DEFAULT_SPIKES_PER_SECOND,
                    pre_max_rate=None, plastic_weight_max=None, distances=None,
                    connection_probabilities=None, projection_id=None):
    """The 6.0 statistics of one projection, as seen from one of its edges.

    In 6.0 every statistic is a property of the *projection* (population sizes, connector
    parameters, the weight/delay specification); the slices of the edge do not enter, and
    they are accepted only so that the mapper can call this per edge.

    Parameters beyond the lead's interface (all optional):

    * ``spikes_per_second``: the post population's ``spikes_per_second`` (30 Hz default).
    * ``pre_max_rate``: the pre population's maximum Poisson rate when the pre population is
      a SpikeSourcePoisson; then spikes per tick follow :func:`poisson_max_spikes_per_tick`
      and the rate used by the statistical bound is that rate (if non-zero).
    * ``pre_spikes_per_tick``: overrides the spikes per tick entirely.
    * ``plastic_weight_max``: STDP weight dependence ``w_max``; 6.0 then reports
      ``max(connector maximum, w_max)`` as both maximum and mean, and no variance.
    * ``distances``: the (n_pre, n_post) distance matrix, needed for distance expressions
      (DistanceDependentProbability, SmallWorld, string weights/delays).
    * ``connection_probabilities``: the probability matrix (or its maximum) for
      DistanceDependent / IndexBased connectors when it cannot be evaluated here.
    * ``realised_weights`` / ``realised_delays``: used only for connectors 6.0 does not know
      (e.g. CloneConnector), where the statistics of the realised connections stand in.
    """
    kind = _connector_kind(connector)
    n_pre = int(n_pre)
    n_post = int(n_post)
    n_all = n_pre * n_post
    w_spec, d_spec = weight, delay

    if kind == "AllToAllConnector":
        n_conn, n_for_max = n_pre, n_all
    elif kind == "OneToOneConnector":
        n_conn, n_for_max = 1, max(n_pre, n_post)
    elif kind == "FixedProbabilityConnector":
        p = float(connector.p_connect)
        n_conn = _binomial_quantile(n_all, n_pre, p, chance=1.0 / 10000.0)
        n_for_max = _binomial_quantile(n_all, n_all, p)
    elif kind == "FixedNumberPreConnector":
        n = _fixed_number(connector)
        n_conn, n_for_max = n, n * n_post
    elif kind == "FixedNumberPostConnector":
        n = _fixed_number(connector)
        n_conn = int(math.ceil(_binomial_quantile(n_all, n_pre, 1.0 / float(n_post),
                                                  chance=1.0 / 100000.0)))
        n_for_max = n_pre * n
    elif kind in ("FixedTotalNumberConnector", "MultapseConnector"):
        n = _fixed_number(connector)
        n_conn = _binomial_quantile(n, n, 1.0 / n_post)
        n_for_max = n
    elif kind == "FromListConnector":
        conn, col = _from_list_columns(connector)
        targets = conn[:, 1].astype(np.int64)
        n_conn = int(np.max(np.bincount(targets))) if len(targets) else 0
        n_for_max = len(targets)
        if "weight" in col:
            list_w = np.abs(conn[:, col["weight"]])
            w_stats = (float(np.mean(list_w)) if len(list_w) else float("nan"),
                       float(np.max(list_w)) if len(list_w) else 0.0,
                       float(np.var(list_w)) if len(list_w) else float("nan"))
        else:
            w_stats = None
        if "delay" in col:
            d_spec = round_delays_to_timestep(conn[:, col["delay"]], machine_time_step_us(dt_ms))
    elif kind == "ArrayConnector":
        n_conn = int(np.sum(np.asarray(connector.array) == 1))
        n_for_max = n_conn
    elif kind in ("DistanceDependentProbabilityConnector", "IndexBasedProbabilityConnector",
                  "DisplacementDependentProbabilityConnector"):
        p_max = float(np.amax(_probabilities(connector, kind, n_pre, n_post, distances,
                                             connection_probabilities)))
        # 6.0 uses n_post trials for the distance-dependent connector and n_pre for the
        # index-based one
        trials = n_post if kind == "DistanceDependentProbabilityConnector" else n_pre
        n_conn = _binomial_quantile(n_all, trials, p_max)
        n_for_max = _binomial_quantile(n_all, n_all, p_max)
    elif kind == "SmallWorldConnector":
        d = _needs_distances("degree", distances, "SmallWorldConnector").reshape(n_pre, n_post)
        mask = (d < connector.degree).astype(float)
        n_conn = _int_if_whole(np.amax(np.sum(mask, axis=0))) if mask.size else 0
        n_for_max = int(math.ceil(np.sum(mask)))
    elif kind == "KernelConnector":
        kh, kw = _kernel_shape(connector, "shape_kernel")
        ph, pw = _kernel_shape(connector, "shape_pre")
        n_conn = int(np.clip(kh * kw, 0, 255))
        n_for_max = pw * ph * kw * kh
        kernel_w = getattr(connector, "weight_kernel", None)
        if kernel_w is not None:
            w_spec = np.asarray(kernel_w, dtype=np.float64)
    elif kind == "CSAConnector":
        n_conn, n_for_max = n_pre, n_all
    else:
        # unknown to 6.0: fall back on the realised connections if given
        if realised_weights is not None:
            w_spec = np.abs(np.asarray(realised_weights, dtype=np.float64))
        if realised_delays is not None:
            d_spec = np.asarray(realised_delays, dtype=np.float64)
        n_conn, n_for_max = n_pre, n_all

    n_conn = _int_if_whole(n_conn)
    if kind == "FromListConnector" and w_stats is not None:
        w_mean, w_max, w_var = w_stats
    elif kind == "KernelConnector":
        w_max = _weight_max(w_spec, n_for_max, distances)
        w_mean = _weight_mean(weight, distances)
        w_var = _weight_variance(weight, distances)
    else:
        w_max = _weight_max(w_spec, n_for_max, distances)
        w_mean = _weight_mean(w_spec, distances)
        w_var = _weight_variance(w_spec, distances)
    if plastic_weight_max is not None:
        w_max = max(w_max, float(plastic_weight_max))
        w_mean = w_max
        w_var = 0.0

    rate = float(spikes_per_second)
    if pre_max_rate is not None:
        spt = poisson_max_spikes_per_tick(pre_max_rate, dt_ms)
        if pre_max_rate != 0:
            rate = float(pre_max_rate)
    else:
        spt = default_spikes_per_tick(spikes_per_second, dt_ms)
    if pre_spikes_per_tick is not None:
        spt = pre_spikes_per_tick

    return EdgeStatistics(
        synapse_type=int(synapse_type), n_connections_max=n_conn, weight_max=w_max,
        weight_mean=w_mean, weight_variance=w_var,
        delay_variance=_delay_variance(d_spec, dt_ms, distances), spikes_per_tick=spt,
        spikes_per_second=rate, projection_id=projection_id)


def _kernel_shape(connector, name):
    shape = getattr(connector, name, None)
    if shape is None:
        shape = getattr(connector, "_" + name, None)
    if shape is None:
        raise ValueError(f"KernelConnector without {name}")
    return int(shape[0]), int(shape[1])
