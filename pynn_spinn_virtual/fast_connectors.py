"""Vectorised construction of projections for PyNN's standard connectors (issue 7).

PyNN builds a projection one post-synaptic neuron at a time: ``MapConnector._standard_connect``
walks the columns of a lazily evaluated connection map and, for each column, evaluates the
synapse parameters (drawing as many values from every ``RandomDistribution`` as the column
has connections) and calls ``Projection._convergent_connect``.  `connect` builds the same
connections as whole numpy arrays, with no Python loop per synapse or per post-synaptic
neuron, drawing the same random numbers from the same generators in the same order.  The
result -- pre, post, weight, delay, in PyNN's order (by post-synaptic neuron, then as the
connector lists the sources) -- and the state every generator is left in are exactly those
of PyNN's own path.  Whatever cannot be reproduced exactly is left to PyNN: `connect`
returns False with every generator it touched restored, and the projection calls
``connector.connect()`` as before.  `last_outcome` says which path the last projection took
and why.

What PyNN 0.13 draws, and from which generator (NumpyRNG over numpy's legacy RandomState):

* Synapse parameters.  ``synapse_type.native_parameters`` deep-copies the parameter space,
  and lazyarray copies each parameter's distribution on its own, rng included: every random
  parameter draws from its own copy of its rng, taken when ``_standard_connect`` starts,
  and the user's generators never move.  (A weight and a delay on one rng thus both start
  from that rng's state, and a connector sharing the rng does not interleave with them.)
  Column after column, a parameter's copy gives as many values as the column has
  connections.  FromList/FromFile copy the parameter space afresh for every target: every
  target's values start from the same state.
* FixedProbability: ``random_map < p`` deep-copies the LazyArray and so the connector's
  rng: the connection draws (``n_pre`` uniform values for every column) come from a copy too.
* FixedNumberPre/Post and FixedTotalNumber draw from the connector's rng itself (and from
  `n`'s rng when `n` is a RandomDistribution); FixedNumberPost and FixedTotalNumber draw all
  their connections before the parameters are copied, FixedNumberPre after.
* numpy's legacy streams split freely: k calls of sizes n1..nk give the values of one call of
  n1 + ... + nk (the cached second normal value is part of the state) for every
  distribution in `_SPLITTABLE`.  'normal_clipped' redraws out-of-range values per call; its
  column-by-column redraws are reconstructed from the one stream of normal values
  (`_clipped_values`).

Fast paths: AllToAll, OneToOne, ArrayConnector (boolean arrays), FixedProbability,
FixedNumberPre/Post (the per-neuron shuffles without replacement and the per-neuron
redraws with replacement but without self-connections are replayed in C),
FixedTotalNumber, FromList and FromFile; parameters that are numbers, (pre x post) arrays
or RandomDistributions on NumpyRNGs.  The rest falls back (`last_outcome` says why):
callables and distance expressions, other rngs, callbacks, MPI, and the draws for which
PyNN's redraw of self-connections itself fails (an IndexError in PyNN 0.13, which the
Projection turns into a ConnectionError naming it).
"""
import contextlib
import copy
import functools
import logging
import threading

import numpy as np
from pyNN import common
from pyNN import connectors as pc
from pyNN.parameters import ParameterSpace
from pyNN.random import MAX_REDRAWS, NumpyRNG, RandomDistribution
from pyNN.standardmodels import StandardSynapseType

from . import _replay, _rows, threads
from .indices import compact_indices

logger = logging.getLogger("pynn_spinn_virtual")

#: False (or inside `disabled()`): every projection is built by PyNN's connectors
ENABLED = True
#: "fast", "pynn-after-read" (FromFile read here, connected by PyNN), or why the last
#: projection was left to PyNN's connectors
last_outcome = None

#: uniform values drawn at a time by FixedProbability (memory bound, not a loop per neuron)
_BLOCK = 1 << 22

#: distributions whose values do not depend on how the draws are split into calls
_SPLITTABLE = frozenset(("uniform", "uniform_int", "normal", "normal_clipped_to_boundary",
                         "exponential", "lognormal", "gamma", "poisson", "binomial",
                         "vonmises"))


@contextlib.contextmanager
def disabled():
    """Build projections through PyNN's connectors while inside this block."""
    global ENABLED
    previous = ENABLED
    ENABLED = False
    try:
        yield
    finally:
        ENABLED = previous


class Fallback(Exception):
    """This projection is built by PyNN's connectors (the message says why)."""



def connect(connector, projection):
    """Make `projection`'s connections for `connector` as PyNN would; False: not done.

    On success the connections are appended to ``projection._chunks`` as one chunk (the
    format of ``Projection._convergent_connect``).  On False nothing was added and every
    generator is in the state it was in before the call.
    """
    global last_outcome
    if not ENABLED:
        last_outcome = "disabled"
        return False
    builder = _BUILDERS.get(type(connector))
    if builder is None:
        last_outcome = f"no fast path for {type(connector).__name__}"
        return False
    snapshots = _Snapshots()
    try:
        _check_common(connector, projection)
        result = builder(connector, projection, snapshots)
    except (Fallback, ValueError, TypeError, OverflowError, ZeroDivisionError) as reason:
        # ValueError & co: PyNN would raise (or do something odd) here; let it do so itself
        snapshots.restore()
        last_outcome = (str(reason) if isinstance(reason, Fallback)
                        else f"{type(reason).__name__}: {reason}")
        logger.debug("Projection %s: PyNN's connector (%s)", projection.label, last_outcome)
        return False
    if result is _DONE_BY_PYNN:
        last_outcome = "pynn-after-read"
        return True
    pre, post, weight, delay, sources = result
    projection._chunks.append((pre, post, weight, delay))
    projection._value_sources = {name: sources[name] for name in ("weight", "delay")
                                 if name in sources}
    last_outcome = "fast"
    return True


_DONE_BY_PYNN = object()


# -- generators ---------------------------------------------------------------------------
class _Snapshots:
    """States of the user's generators before this module draws from them."""

    def __init__(self):
        self._states = []

    def take(self, rng):
        if all(saved is not rng for saved, _ in self._states):
            self._states.append((rng, rng.rng.get_state()))

    def restore(self):
        for rng, state in self._states:
            rng.rng.set_state(state)


def _plain_rng(rng):
    """A NumpyRNG drawing through numpy's legacy RandomState as PyNN 0.13's does."""
    if not isinstance(rng, NumpyRNG) or type(getattr(rng, "rng", None)) is not np.random.RandomState:
        return False
    cls = type(rng)
    return all(getattr(cls, name) is getattr(NumpyRNG, name)
               for name in ("next", "_next", "__deepcopy__", "normal_clipped", "_clipped",
                            "normal_clipped_to_boundary"))


def _connector_rng(connector, what):
    """The connector's generator, if its draws can be reproduced here."""
    if not _plain_rng(connector.rng):
        raise Fallback(f"{what}: not a NumpyRNG")
    return connector.rng


def _check_distribution(rd, what):
    if type(rd) is not RandomDistribution or not _plain_rng(rd.rng):
        raise Fallback(f"{what}: {rd} is not a RandomDistribution over a NumpyRNG")
    if rd.name not in _SPLITTABLE and rd.name != "normal_clipped":
        raise Fallback(f"{what}: '{rd.name}' distribution")
    if any(np.ndim(value) != 0 for value in rd.parameters.values()):
        raise Fallback(f"{what}: array parameters of a RandomDistribution")


def _draw_n(n, size, snapshots, what):
    """`n` of a FixedNumber connector: an int for every neuron, or `size` values of `n`."""
    if isinstance(n, RandomDistribution):
        _check_distribution(n, what)
        if n.name == "normal_clipped":
            raise Fallback(f"{what}: 'normal_clipped' numbers of connections")
        snapshots.take(n.rng)
        counts = np.asarray(n.next(size))
        if not np.issubdtype(counts.dtype, np.integer) or np.any(counts < 0):
            raise Fallback(f"{what}: numbers of connections that are not counts")
        return counts.astype(np.int64)
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise Fallback(f"{what}: n = {n!r}")
    return np.full(size, int(n), dtype=np.int64)


def _randint(rng, total, high, snapshots):
    """`total` values of PyNN's 'uniform_int' draws on `rng` (split across calls freely)."""
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    snapshots.take(rng)
    return np.asarray(rng.next(int(total), "uniform_int", {"low": 0, "high": high}, mask=None),
                      dtype=np.int64)


# -- checks common to all connectors ------------------------------------------------------
def _ids(neurons):
    return np.asarray(neurons.all_cells).astype(np.int64)


def _check_common(connector, projection):
    if getattr(connector, "location_selector", None) is not None:
        raise Fallback("location_selector")
    if getattr(connector, "callback", None) is not None:
        raise Fallback("progress callback")
    state = projection._simulator.state
    if state.num_processes != 1 or state.mpi_rank != 0:
        raise Fallback("MPI")
    synapse_type = projection.synapse_type
    if getattr(connector, "safe", False) and getattr(synapse_type, "parameter_checks", None):
        raise Fallback("synapse parameter checks")
    if not np.all(projection.post._mask_local):
        raise Fallback("non-local post-synaptic neurons")
    post_ids = _ids(projection.post)
    if np.unique(post_ids).size != post_ids.size:
        raise Fallback("a post-synaptic neuron appears twice")


def _no_self_mask_ids(projection):
    """IDs to compare for allow_self_connections=False in MapConnectors (PyNN compares IDs,
    or indices for a Population onto itself, which is the same)."""
    return _ids(projection.pre), _ids(projection.post)


# -- synapse parameters -------------------------------------------------------------------
class _Plan:
    """How each native synapse parameter is evaluated: 'const' (a value), 'array' (a pre x post
    array), 'column' (a FromList column), 'random' (a RandomDistribution, drawn from the copy
    PyNN's deepcopy made)."""

    def __init__(self):
        self.items = []        # (name, kind, value)

    def add(self, name, kind, value):
        self.items.append((name, kind, value))

    @property
    def parallel_safe(self):
        return any(kind == "random" and value.rng.parallel_safe
                   for _, kind, value in self.items)


def _classify(native, plan, columns=None):
    for name, larray in native.items():
        if isinstance(larray, ParameterSpace):
            raise Fallback(f"{name}: nested parameters")
        base = larray.base_value
        if columns is not None and name in columns:
            plan.add(name, "column", columns[name])
        elif larray.is_homogeneous:
            plan.add(name, "const", larray.evaluate(simplify=True))
        elif isinstance(base, RandomDistribution) and not larray.operations:
            _check_distribution(base, name)
            plan.add(name, "random", base)
        elif (columns is None and isinstance(base, np.ndarray) and base.ndim == 2
              and not larray.operations):
            plan.add(name, "array", base)
        else:
            raise Fallback(f"{name}: {type(base).__name__} values")
    return plan


def _map_plan(projection):
    """The synapse parameters as ``MapConnector._standard_connect`` takes them; the rngs of
    random parameters are copied now (call this where PyNN would)."""
    native = projection.synapse_type.native_parameters
    native.shape = (projection.pre.size, projection.post.size)
    return _classify(native, _Plan())


class _Segments:
    """The runs of equal values in the non-decreasing post indices: the connections of each
    connected column, in order.  `counts`: the connections of every column, if known."""

    def __init__(self, post, counts=None):
        self.n = n = len(post)
        if counts is not None:
            counts = counts[counts > 0]
        elif n:
            first = np.flatnonzero(np.r_[True, post[1:] != post[:-1]])
            counts = np.diff(np.r_[first, n])
        else:
            counts = np.zeros(0, dtype=np.int64)
        self.counts = np.asarray(counts, dtype=np.int64)
        self.first = np.cumsum(self.counts) - self.counts   #: each run's first connection

    @classmethod
    def from_counts(cls, counts, n):
        """The runs of `n` connections whose connected columns have `counts` connections."""
        segments = cls(np.zeros(0, dtype=np.int64), counts)
        segments.n = n
        return segments

    def rank(self):
        """Each connection's rank in its run."""
        return self.positions(np.zeros(len(self.counts), dtype=np.int64))

    def positions(self, starts):
        """``starts[run] + rank`` for every connection: run j counts on from starts[j]."""
        return _rows.run_positions(np.ascontiguousarray(starts, dtype=np.int64), self.counts)

    def run_of(self, connections):
        """The run of each of these connections."""
        return np.searchsorted(self.first, connections, side="right") - 1


def _evaluate(plan, pre, post, restart, counts=None):
    """Values of every parameter for the connections (pre, post), listed column by column.

    restart=False: a MapConnector, whose columns continue each other's random streams;
    restart=True: FromList, whose targets all start from the same copy state.
    counts: the connections of every column, if known.
    """
    values, groups, sources = {}, {}, {}
    for name, kind, value in plan.items:
        if kind in ("const", "column"):
            values[name] = value
        elif kind == "array":
            values[name] = value[pre, post]
        else:
            groups.setdefault(id(value.rng), []).append((name, value))
    if groups:
        segments = _Segments(post, counts)
        draws = [functools.partial(_draw_group, consumers, segments, restart)
                 for consumers in groups.values()]
        # each random parameter draws from its own copy of its generator (see the module's
        # docstring): the draws are independent of each other
        for drawn in threads.run_all(draws, large=len(post) >= PARALLEL_DRAW_MIN):
            for name, (drawn_values, source) in drawn.items():
                values[name], sources[name] = drawn_values, source
    return values, sources


#: connections from which the random parameters (weight, delay) are drawn in parallel
PARALLEL_DRAW_MIN = 1 << 20


def _draw_group(consumers, segments, restart):
    """Values of the random parameters drawing from one (copied) generator."""
    if len(consumers) > 1:
        # lazyarray 0.7 copies each parameter's distribution (and rng) separately, so this
        # does not happen with PyNN 0.13; other versions would interleave the draws
        raise Fallback("parameters sharing one copy of a generator")
    name, rd = consumers[0]
    source = RandomValues(rd, segments, restart)     # the generator copy's state, first
    source.last_drawn = source.draw()
    return {name: (source.last_drawn, source)}


#: RandomValues -> its values, the most recently asked for last (at most RECENT_KEPT)
_RECENT = {}
RECENT_KEPT = 2
_RECENT_LOCK = threading.Lock()      # the mapper asks from several threads


def forget_recent():
    """Drop every kept value array (after the mapping, which asked for them)."""
    with _RECENT_LOCK:
        _RECENT.clear()


class RandomValues:
    """The values of one random synapse parameter of a projection, drawn again on demand:
    the parameter's own copy of its generator (see the module's docstring), its state
    before the draw, and the connections of each connected column.  A large projection
    keeps this instead of its weights or delays (Projection._stored)."""

    def __init__(self, rd, segments, restart):
        self.rd = rd
        self.state = rd.rng.rng.get_state()
        self.counts = segments.counts
        self.n = segments.n
        self.restart = restart
        self.last_drawn = None       # the values of the build, until the projection has them
        self._lock = threading.Lock()

    def draw(self):
        """The values, in the order of the connections (the same every time)."""
        with self._lock:                 # one generator copy: one draw at a time
            self.rd.rng.rng.set_state(self.state)
            return self._draw()

    def values(self):
        """draw(), read-only, kept for the next few askers (the mapper asks for one
        projection's values several times in a row)."""
        with _RECENT_LOCK:
            held = _RECENT.pop(self, None)
        if held is None:
            held = self.draw()
            held.flags.writeable = False         # shared by every asker
        with _RECENT_LOCK:
            _RECENT[self] = held                 # the most recent last
            while len(_RECENT) > RECENT_KEPT:
                del _RECENT[next(iter(_RECENT))]
        return held

    def forget(self):
        """Drop the values kept by values()."""
        with _RECENT_LOCK:
            _RECENT.pop(self, None)

    def _draw(self):
        rd, n_conn = self.rd, self.n
        if n_conn == 0:
            return np.zeros(0)
        segments = _Segments.from_counts(self.counts, n_conn)
        if rd.name == "normal_clipped":
            return _clipped_values(rd, segments, self.restart)
        if self.restart:
            return np.asarray(rd.next(int(segments.counts.max())))[segments.rank()]
        return np.asarray(rd.next(n_conn))


def legacy_normal(rs, loc, scale, n):
    """``rs.normal(loc, scale, n)``, the same values and the same state after, generated
    in one C loop (`_replay.legacy_normals`) when `rs` is a legacy MT19937 RandomState."""
    if type(rs) is not np.random.RandomState or n < 64:
        return rs.normal(loc=loc, scale=scale, size=n)
    state = rs.get_state(legacy=False)
    if state["bit_generator"] != "MT19937" or not scale >= 0:
        return rs.normal(loc=loc, scale=scale, size=n)     # numpy's own error for scale < 0
    key = np.array(state["state"]["key"], dtype=np.uint32)
    out = np.empty(n)
    pos, has_gauss, gauss = _replay.legacy_normals(key, state["state"]["pos"],
                                                   state["has_gauss"], state["gauss"],
                                                   float(loc), float(scale), out)
    rs.set_state({"bit_generator": "MT19937", "state": {"key": key, "pos": pos},
                  "has_gauss": int(has_gauss), "gauss": gauss})
    return out


class _NormalStream:
    """The normal values a 'normal_clipped' distribution draws from its (copied) rng, drawn
    as far as needed, with the positions of those inside and outside [low, high].  Draws from
    a legacy RandomState continue each other (the cached second value is in its state)."""

    def __init__(self, rd):
        p = rd.parameters
        self.mu, self.sigma, self.low, self.high = p["mu"], p["sigma"], p["low"], p["high"]
        self.rs = rd.rng.rng
        self.values = np.zeros(0)
        self.good = np.zeros(0, dtype=bool)
        self.goodpos = np.zeros(0, dtype=np.int64)
        self.badpos = np.zeros(0, dtype=np.int64)

    def ensure_goods(self, n_goods):
        """Draw until the stream holds at least `n_goods` in-range values."""
        while len(self.goodpos) < n_goods:
            self.add(self.draw(_more_to_draw(len(self.goodpos), len(self.values), n_goods)))

    def draw(self, n):
        """The next n normal values of the generator (not yet in the stream)."""
        return legacy_normal(self.rs, self.mu, self.sigma, n)

    def in_range(self, new):
        return ~((new > self.high) | (new < self.low))     # PyNN's test, negated

    def add(self, new):
        """Values drawn next (draw()) into the stream."""
        have = len(self.values)
        good = self.in_range(new)
        self.goodpos = _appended(self.goodpos, np.flatnonzero(good) + have)
        self.badpos = _appended(self.badpos, np.flatnonzero(~good) + have)
        self.values = _appended(self.values, new)
        self.good = _appended(self.good, good)

    def assign(self, starts, segments):
        """The values of ``normal_clipped`` draws of counts[j] values starting at position
        starts[j] of the stream, concatenated.

        ``WrappedRNG._clipped`` draws k values, then redraws the out-of-range ones, in
        index order, as long as some remain -- a first-in first-out queue of slots -- so a
        draw ends just after its k-th in-range value, and its (k + i)-th value replaces its
        i-th out-of-range value.  Following these replacements from each slot's first value
        to an in-range one gives the slot's value; the chains (one link per redraw round)
        are followed by pointer doubling over the out-of-range values only.
        """
        counts = segments.counts
        good_before = np.searchsorted(self.goodpos, starts)
        self.ensure_goods(int((good_before + counts).max()))
        ends = self.goodpos[good_before + counts - 1] + 1
        bad_before = starts - good_before                 # bads before each start
        n_bad = np.searchsorted(self.badpos, ends) - bad_before
        first_node, replacement, last, rounds = _follow_replacements(
            self.good, self.badpos, starts, counts, n_bad, bad_before)
        position = segments.positions(starts)             # each slot's first value
        out = self.values[position]
        bad = np.flatnonzero(~self.good[position])
        if len(bad):
            bad_seg = segments.run_of(bad)
            node = (first_node[bad_seg] + np.searchsorted(self.badpos, position[bad])
                    - bad_before[bad_seg])
            if rounds[node].max() > MAX_REDRAWS:
                raise Fallback("'normal_clipped' needs more redraws than PyNN allows")
            out[bad] = self.values[replacement[last[node]]]
        return out


def _more_to_draw(n_good, have, needed):
    """How many normal values to draw next for `needed` in range, `n_good` of the `have`
    drawn so far being in range: a little more than the in-range fraction so far asks."""
    fraction = (n_good + 1) / (have + 1)
    if have > 1000 and fraction < 1e-3:
        raise Fallback("'normal_clipped' range almost never hit")
    return int((needed - n_good) / max(fraction, 1e-3) * 1.02) + 64


def _appended(array, more):
    """array + more (no copy of `more` when `array` is empty: the arrays are large)."""
    return more if len(array) == 0 else np.concatenate((array, more))


def _clipped_values(rd, segments, restart):
    """One 'normal_clipped' parameter on its generator copy."""
    counts = segments.counts
    stream = _NormalStream(rd)
    if restart:
        return stream.assign(np.zeros(len(counts), dtype=np.int64), segments)
    # usually every value is in range (e.g. weights clipped at 0, far from the mean): then
    # the draws are the stream as it comes
    values = stream.draw(int(counts.sum()))
    good = stream.in_range(values)
    if good.all():
        return values
    return _clipped_columns(stream, values, good, segments)


def _clipped_columns(stream, values, good, segments):
    """The values of column after column of 'normal_clipped' draws continuing each other
    (a MapConnector's columns), from the stream's first `values` (`good`: in range) and as
    many more as needed.  What `_NormalStream.assign` computes for these columns, holding
    only the stream, its flags and the result (no position of every value): column j
    starts just after the (counts[0] + ... + counts[j-1])-th in-range value and ends just
    after the (counts[0] + ... + counts[j])-th."""
    counts = segments.counts
    total = int(counts.sum())
    n_good = int(np.count_nonzero(good))
    while n_good < total:       # the redraws of the last column need a few more values
        new = stream.draw(_more_to_draw(n_good, len(values), total))
        new_good = stream.in_range(new)
        values, good = np.concatenate((values, new)), np.concatenate((good, new_good))
        n_good += int(np.count_nonzero(new_good))
    bounds = _rows.positions_after_true(good.view(np.uint8),
                                        np.concatenate(([0], np.cumsum(counts))))
    starts, ends = bounds[:-1], bounds[1:]
    badpos = np.flatnonzero(~good)
    bad_before = starts - (np.cumsum(counts) - counts)     # out-of-range values before
    n_bad = np.searchsorted(badpos, ends) - bad_before
    first_node, replacement, last, rounds = _follow_replacements(
        good, badpos, starts, counts, n_bad, bad_before)
    out = _rows.gather_runs(values, starts, counts)
    # the slots whose first value was out of range
    column = np.searchsorted(starts, badpos, side="right") - 1
    in_slot = badpos < starts[column] + counts[column]
    slot_bad, slot_column = badpos[in_slot], column[in_slot]
    if len(slot_bad):
        node = first_node[slot_column] + np.flatnonzero(in_slot) - bad_before[slot_column]
        if rounds[node].max() > MAX_REDRAWS:
            raise Fallback("'normal_clipped' needs more redraws than PyNN allows")
        out[segments.first[slot_column] + slot_bad - starts[slot_column]] = \
            values[replacement[last[node]]]
    return out


def _follow_replacements(good, badpos, starts, counts, n_bad, bad_before):
    """The chains of replacements of draws j of counts[j] values from stream position
    starts[j], with n_bad[j] out-of-range values (bad_before[j] before the draw).

    One node per out-of-range value of each draw (its i-th), replaced by the value at
    starts + counts + i; a replacement out of range is itself a node.  Returns (each draw's
    first node, each node's replacement position, the last node of each node's chain, the
    chain's length in rounds), the chains followed by pointer doubling over the
    out-of-range values only."""
    first_node = np.cumsum(n_bad) - n_bad
    node_seg = np.repeat(np.arange(len(starts)), n_bad)
    node_i = np.arange(int(n_bad.sum())) - first_node[node_seg]
    replacement = starts[node_seg] + counts[node_seg] + node_i    # stream position
    root = len(node_seg)                                          # sentinel node
    still_bad = ~good[replacement]
    pointer = np.full(root + 1, root)
    pointer[:root][still_bad] = (first_node[node_seg[still_bad]]
                                 + np.searchsorted(badpos, replacement[still_bad])
                                 - bad_before[node_seg[still_bad]])
    rounds = np.ones(root + 1, dtype=np.int64)
    rounds[root] = 0
    last = np.arange(root + 1)
    while True:
        jump = pointer[pointer]
        if np.array_equal(jump, pointer):
            break
        rounds = rounds + rounds[pointer]
        last = np.where(pointer != root, last[pointer], last)
        pointer = jump
    return first_node, replacement, last, rounds


def _full(value, n):
    """`value` as a float array of n values (drawn values are taken as they are; a single
    value is repeated by a zero stride, fixedpoint.is_constant)."""
    value = np.asarray(value, dtype=float)
    if value.shape == (n,) and value.flags.writeable and value.flags.owndata:
        return value
    if value.ndim == 0:
        return np.broadcast_to(value, (n,))
    return np.array(np.broadcast_to(value, (n,)))


def _compact(indices):
    """Connection indices as the projection keeps them (indices.compact_indices), decided
    by their largest value: the parameters are drawn next, with as little else held as
    possible."""
    indices = np.asarray(indices)
    if indices.size and int(indices.min()) < 0:      # refused by the projection, by name
        return indices.astype(np.int32, copy=False)
    return compact_indices(indices, int(indices.max()) + 1 if indices.size else 0)


def _result(plan, pre, post, restart=False, counts=None):
    pre = _compact(pre)
    post = _compact(post)
    values, sources = _evaluate(plan, pre, post, restart, counts)
    if "weight" not in values or "delay" not in values:
        raise Fallback("synapse type without weight and delay")
    n = len(pre)
    return pre, post, _full(values["weight"], n), _full(values["delay"], n), sources


# -- connectors ---------------------------------------------------------------------------
def _all_to_all(connector, projection, snapshots):
    plan = _map_plan(projection)
    n_pre, n_post = projection.pre.size, projection.post.size
    allow = connector.allow_self_connections
    if allow is True:
        pre = np.tile(np.arange(n_pre), n_post)
        post = np.repeat(np.arange(n_post), n_pre)
    elif allow is False:
        pre_ids, post_ids = _no_self_mask_ids(projection)
        post, pre = np.nonzero(post_ids[:, None] != pre_ids[None, :])
    else:
        raise Fallback(f"allow_self_connections={allow!r}")
    return _result(plan, pre, post)


def _one_to_one(connector, projection, snapshots):
    plan = _map_plan(projection)
    n = min(projection.pre.size, projection.post.size)
    return _result(plan, np.arange(n), np.arange(n))


def _array(connector, projection, snapshots):
    array = connector.array
    if isinstance(array, list):
        array = np.array(array)
    if (not isinstance(array, np.ndarray) or array.dtype != bool
            or array.shape != (projection.pre.size, projection.post.size)):
        raise Fallback("ArrayConnector: not a boolean pre x post array")
    plan = _map_plan(projection)
    post, pre = np.nonzero(array.T)
    return _result(plan, pre, post)


def _fixed_probability(connector, projection, snapshots):
    rng = _connector_rng(connector, "FixedProbability")
    n_pre, n_post = projection.pre.size, projection.post.size
    allow = connector.allow_self_connections
    no_self = mutual = False
    if not allow:
        no_self = True
        pre_ids, post_ids = _no_self_mask_ids(projection)
    elif allow == "NoMutual":
        if not (isinstance(projection.pre, common.Population)
                and isinstance(projection.post, common.Population)
                and projection.pre == projection.post):
            raise Fallback("NoMutual between different populations")
        mutual = True
    # ``random_map < p`` deep-copies the LazyArray and its rng: draws come from a copy.
    # Its RandomDistribution('uniform', (0, 1)) values are 0.0 + 1.0 * random_sample()
    stream = copy.deepcopy(rng).rng
    plan = _map_plan(projection)
    p = connector.p_connect
    per_block = max(1, _BLOCK // n_pre)
    pres, posts = [], []
    for c0 in range(0, n_post, per_block):        # blocks of columns, for memory only
        c1 = min(n_post, c0 + per_block)
        connected = (stream.random_sample((c1 - c0) * n_pre) < p).reshape(c1 - c0, n_pre)
        if no_self:
            connected &= pre_ids[None, :] != post_ids[c0:c1, None]
        if mutual:
            connected &= np.arange(n_pre)[None, :] > np.arange(c0, c1)[:, None]
        cols, rows = np.divmod(np.flatnonzero(connected), n_pre)
        posts.append(cols + c0)
        pres.append(rows)
    return _result(plan, np.concatenate(pres), np.concatenate(posts))


def _ranks(counts):
    total = int(counts.sum())
    return np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)


def _without_replacement(rs, counts, owners, n_cells, exclude):
    """Picks of FixedNumberPre/Post without replacement: owner i (in order) takes
    counts[i] // size whole copies of its candidate cells (0 .. n_cells - 1, without i
    itself if `exclude`; size of them), then the first counts[i] % size cells of
    ``permutation(candidates)`` drawn from the legacy RandomState `rs`."""
    size = n_cells - 1 if exclude else n_cells
    if size <= 0:
        raise Fallback("no candidates")
    if np.any(counts == 0):
        raise Fallback("n = 0 without replacement (PyNN fails)")
    rank = _ranks(counts)
    picks = rank % size
    if exclude:
        picks = picks + (picks >= owners)
    remainders = counts % size
    if remainders.any():
        in_remainder = rank >= np.repeat(counts - remainders, counts)
        picks[in_remainder] = _permutation_prefixes(rs, remainders, n_cells, exclude)
    return picks


#: generator words drawn at once by _alternating_randint and _permutation_prefixes
RAW_WORDS_CHUNK = 1 << 18


def _permutation_prefixes(rs, remainders, n_cells, exclude):
    """The first remainders[k] values of ``rs.permutation(candidates of k)`` for every owner
    k with a remainder, concatenated: numpy's sequential shuffles replayed in C
    (`_replay.shuffle_prefixes`) over the generator's raw words."""
    size = n_cells - 1 if exclude else n_cells
    remainders = np.ascontiguousarray(remainders, dtype=np.int64)
    shuffled = np.flatnonzero(remainders > 0)
    out = np.empty(int(remainders.sum()), dtype=np.int64)
    scratch = np.empty(n_cells, dtype=np.int64)
    bitgen = rs._bit_generator
    owner, step, filled = 0, -1, 0
    while owner < len(remainders):
        # positions still to shuffle: a lower bound on the words still due, so the
        # generator never moves past the last word PyNN would use
        later = len(shuffled) - np.searchsorted(shuffled, owner, side="right")
        current = (size - 1 if step < 0 else step) if remainders[owner] > 0 else 0
        due = current + (size - 1) * later
        words = bitgen.random_raw(min(due, RAW_WORDS_CHUNK)) if due else \
            np.zeros(0, dtype=np.uint64)
        owner, step, filled = _replay.shuffle_prefixes(
            words, scratch, remainders, n_cells, exclude, out, owner, step, filled)
    return out


def _fixed_number_pre(connector, projection, snapshots):
    rng = _connector_rng(connector, "FixedNumberPre")
    n_pre, n_post = projection.pre.size, projection.post.size
    plan = _map_plan(projection)        # copied before the connector draws, as PyNN does
    parallel = plan.parallel_safe or rng.parallel_safe
    allow_or_other = connector.allow_self_connections or projection.pre != projection.post
    if not allow_or_other and not parallel:
        raise Fallback("PyNN needs a parallel-safe rng here")
    counts = _draw_n(connector.n, n_post, snapshots, "FixedNumberPre n")
    post, pre = _fixed_number_picks(connector, rng, counts, n_pre, not allow_or_other,
                                    snapshots)
    return _result(plan, pre, post)


def _excluding_randint(rng, counts, size, snapshots):
    """PyNN's ``_rng_uniform_int_exclude(counts[k], size, k)`` for every owner k in order
    (with replacement, no self-connections): its draws and redraws replayed in C
    (`_replay.redraw_excluding`) over one stream of 'uniform_int' values, drawn in chunks
    that never go beyond the values certainly due."""
    counts = np.ascontiguousarray(counts, dtype=np.int64)
    if size < 2:
        raise Fallback("no candidates besides the neuron itself")
    snapshots.take(rng)
    longest = int(counts.max()) if len(counts) else 0
    res, idx = np.empty(longest, dtype=np.int64), np.empty(longest, dtype=np.int64)
    out = np.empty(int(counts.sum()), dtype=np.int64)
    later = np.cumsum(counts[::-1])[::-1] - counts          # values of the owners after k
    owner, phase, pos, n_idx, filled = 0, 0, 0, 0, 0
    while owner < len(counts):
        due = (counts[owner] - pos if phase == 0 else n_idx - pos) + later[owner]
        values = (np.asarray(rng.next(int(min(due, RAW_WORDS_CHUNK)), "uniform_int",
                                      {"low": 0, "high": size}, mask=None), dtype=np.int64)
                  if due else np.zeros(0, dtype=np.int64))
        owner, phase, pos, n_idx, filled = _replay.redraw_excluding(
            values, counts, res, idx, out, owner, phase, pos, n_idx, filled)
        if phase < 0:
            # PyNN fails (an IndexError) -- or fails earlier, on a column's parameters: it
            # runs itself, and the Projection names the failure
            raise Fallback("PyNN's redraw of self-connections fails for these draws")
    return out


def _fixed_number_picks(connector, rng, counts, n_candidates, exclude, snapshots):
    """(owners, picks) of a FixedNumber connector: owner i (a post neuron for ...Pre, a pre
    neuron for ...Post) picks counts[i] of the `n_candidates` neurons of the other side
    (itself excluded if `exclude`), with or without replacement."""
    owners = np.repeat(np.arange(len(counts)), counts)
    if connector.with_replacement and exclude:
        return owners, _excluding_randint(rng, counts, n_candidates, snapshots)
    if connector.with_replacement:
        return owners, _randint(rng, counts.sum(), n_candidates, snapshots)
    snapshots.take(rng)
    return owners, _without_replacement(rng.rng, counts, owners, n_candidates, exclude)


def _by_target(projection, rng, drawn):
    """Connections drawn source-first (`drawn`: [sources, targets], emptied here so that
    they are freed as soon as they are sorted), in PyNN's order (by target, stable), with
    the synapse parameters drawn after the connector's draws, as PyNN does."""
    plan = _map_plan(projection)
    if not (plan.parallel_safe or rng.parallel_safe):
        raise Fallback("PyNN's non-parallel-safe branch")
    sources, targets = drawn
    drawn.clear()
    # a counting sort: the order of numpy's stable sort, in linear time
    n_post = projection.post.size
    sources, counts = _rows.gather_by_key(np.asarray(targets, dtype=np.int64),
                                          np.asarray(sources, dtype=np.int64), n_post)
    del targets
    sources = _compact(sources)                # before the parameters are drawn
    return _result(plan, sources, np.repeat(_compact(np.arange(n_post)), counts),
                   counts=counts)


def _fixed_number_post(connector, projection, snapshots):
    rng = _connector_rng(connector, "FixedNumberPost")
    n_pre, n_post = projection.pre.size, projection.post.size
    if isinstance(connector.n, RandomDistribution) and connector.n.rng is rng:
        raise Fallback("FixedNumberPost: n drawn from the connector's rng between targets")
    exclude = not connector.allow_self_connections and projection.pre == projection.post
    counts = _draw_n(connector.n, n_pre, snapshots, "FixedNumberPost n")
    return _by_target(projection, rng, list(
        _fixed_number_picks(connector, rng, counts, n_post, exclude, snapshots)))


def _gen_mask(r):
    return (1 << int(r).bit_length()) - 1


def _alternating_randint(rs, high_a, high_b, count):
    """`count` pairs (randint(0, high_a), randint(0, high_b)) drawn alternately, one value per
    call, from the legacy RandomState `rs`: what FixedTotalNumber's loop draws.

    Each legacy randint value is the first 32-bit word w of the stream with
    (w & mask) <= high - 1 (a range of 0 draws nothing).  With two ranges, which word serves
    which value depends on all the words before it: the words are parsed in order by a short
    C loop (`_replay.accept_alternating`).
    """
    ra, rb = high_a - 1, high_b - 1
    if count == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if ra == rb:
        if ra == 0:
            return np.zeros(count, dtype=np.int64), np.zeros(count, dtype=np.int64)
        values = rs.randint(0, high_a, size=2 * count)
        return values[0::2].astype(np.int64), values[1::2].astype(np.int64)
    if ra == 0:
        return np.zeros(count, dtype=np.int64), rs.randint(0, high_b, size=count).astype(np.int64)
    if rb == 0:
        return rs.randint(0, high_a, size=count).astype(np.int64), np.zeros(count, dtype=np.int64)
    if max(ra, rb) >= 0xFFFFFFFF:
        raise Fallback("64-bit ranges")
    ma, mb = _gen_mask(ra), _gen_mask(rb)
    bitgen = rs._bit_generator
    values = np.empty(2 * count, dtype=np.int64)     # a, b, a, b, ...
    filled, state = 0, 0            # state 0: the next value is a's
    while filled < 2 * count:
        # every value takes at least one word: never more words than values still due, so
        # the generator never moves past the last word PyNN would use; in chunks, so that
        # the words are not one huge fresh array
        words = bitgen.random_raw(min(2 * count - filled, RAW_WORDS_CHUNK))
        filled, state = _replay.accept_alternating(words, ma, ra, mb, rb, state, values,
                                                   filled)
    return values[0::2], values[1::2]


def _fixed_total_number(connector, projection, snapshots):
    rng = _connector_rng(connector, "FixedTotalNumber")
    n = connector.n
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise Fallback("FixedTotalNumber: n is not an int")
    n_pre, n_post = projection.pre.size, projection.post.size
    # PyNN's draw of the number of connections of this (only) MPI process
    state = projection._simulator.state
    targets_per_process = int(len(projection.post) / state.num_processes)
    bino = RandomDistribution("binomial", [n, targets_per_process / len(projection.post)],
                              rng=rng)
    bino.parameters["p"] = targets_per_process / (len(projection.post) - 0)
    bino.parameters["n"] = n - 0
    snapshots.take(rng)
    n_conn = int(bino.next())
    possible_targets = np.arange(n_post)[projection.post._mask_local]
    drawn = list(_alternating_randint(rng.rng, n_pre, len(possible_targets), n_conn))
    if len(possible_targets) != n_post:    # (every target is local: the index is the target)
        drawn[1] = possible_targets[drawn[1]]
    return _by_target(projection, rng, drawn)


def _from_list(connector, projection, snapshots):
    synapse_type = projection.synapse_type
    names = synapse_type.get_parameter_names()
    column_names = tuple(connector.column_names)
    if any(name not in names for name in column_names):
        raise Fallback("unknown column name")
    conn_list = connector.conn_list
    if (not isinstance(conn_list, np.ndarray) or conn_list.size == 0 or conn_list.ndim != 2
            or conn_list.dtype.kind not in "iuf"
            or conn_list.shape[1] != len(column_names) + 2):
        raise Fallback("FromList: not a numeric (n, 2 + columns) list")
    for column, size in ((0, projection.pre.size), (1, projection.post.size)):
        index = conn_list[:, column]
        if not (np.all(index == np.round(index)) and index.min() >= 0 and index.max() < size):
            raise Fallback("FromList: indices PyNN would refuse or drop")
    if not isinstance(synapse_type, StandardSynapseType):
        raise Fallback("not a standard synapse type")
    # PyNN's order: sorted by target with numpy's default sort, the list kept sorted
    order = np.argsort(conn_list[:, 1])
    conn_list = conn_list[order]
    # the parameters as PyNN evaluates them for every target: a copy of the synapse's
    # parameter space (every target's copy starts from the same generator states), the
    # columns set, translated
    space = copy.deepcopy(synapse_type.parameter_space)
    for name, larray in space.items():
        if isinstance(larray, ParameterSpace) or np.ndim(larray.base_value) != 0 and not \
                isinstance(larray.base_value, RandomDistribution):
            raise Fallback(f"{name}: array values with FromList")
    space.shape = (1,)
    space.update(**{name: np.zeros(1) for name in column_names})
    native = synapse_type.translate(space)
    columns = {}
    for col, name in enumerate(column_names, 2):
        translation = synapse_type.translations.get(name, {})
        if (translation.get("translated_name") != name
                or translation.get("forward_transform") != name):
            raise Fallback(f"{name}: translated column")
        columns[name] = conn_list[:, col]
    plan = _classify(native, _Plan(), columns)
    result = _result(plan, conn_list[:, 0].astype(int), conn_list[:, 1].astype(int),
                     restart=True)
    connector.conn_list = conn_list
    return result


def _from_file(connector, projection, snapshots):
    if connector.distributed:
        raise Fallback("distributed FromFile")
    # FromFileConnector.connect up to FromListConnector.connect (the file is read once)
    connector.column_names = connector.file.get_metadata().get("columns", ("weight", "delay"))
    for ignore in "ij":
        if ignore in connector.column_names:
            connector.column_names.remove(ignore)
    connector.conn_list = connector.file.read()
    try:
        return _from_list(connector, projection, snapshots)
    except (Fallback, ValueError, TypeError, OverflowError, ZeroDivisionError):
        snapshots.restore()
        pc.FromListConnector.connect(connector, projection)
        return _DONE_BY_PYNN


_BUILDERS = {
    pc.AllToAllConnector: _all_to_all,
    pc.OneToOneConnector: _one_to_one,
    pc.ArrayConnector: _array,
    pc.FixedProbabilityConnector: _fixed_probability,
    pc.FixedNumberPreConnector: _fixed_number_pre,
    pc.FixedNumberPostConnector: _fixed_number_post,
    pc.FixedTotalNumberConnector: _fixed_total_number,
    pc.FromListConnector: _from_list,
    pc.FromFileConnector: _from_file,
}
