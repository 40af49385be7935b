"""The vectorised connectors (fast_connectors) against PyNN's own connector loop.

Every network is built twice from the same seeds: once as the backend builds it (the fast path
where there is one) and once with the fast path disabled (PyNN's ``connector.connect``).  Both
must give the same connections (pre, post, weight, delay, in the same order), or the same
error, and leave every generator in the same state, so that the script's next draws are the
same too.  Where a fast path exists the test also checks that it was taken.
"""
import contextlib
import copy
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyNN import errors
from pyNN.random import NumpyRNG, RandomDistribution

import pynn_spinn_virtual as sim
from pynn_spinn_virtual import fast_connectors, projections

pytestmark = pytest.mark.filterwarnings("ignore")

HYPO = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RNG_KEYS = ("conn", "w", "d", "n")


@pytest.fixture(autouse=True)
def _fresh_simulator(monkeypatch):
    # every projection, however small, keeps its random weights and delays as generator
    # states and draws them again when asked: the comparisons with PyNN's own path below
    # then check the values drawn again
    monkeypatch.setattr(projections, "REGENERATE_MIN", 0)
    yield
    if not sim.simulator.state.ended:
        sim.end()


def _setup():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim.setup(timestep=1.0)


# ---------------------------------------------------------------------------------------------
# networks: Population, PopulationView, Assembly, recurrent (post is pre)
# ---------------------------------------------------------------------------------------------
@st.composite
def networks(draw, recurrent=None):
    kinds = ["pop", "view", "assembly", "recurrent", "recurrent_view", "overlapping_views"]
    if recurrent is True:
        kinds = ["recurrent", "recurrent_view", "overlapping_views"]
    kind = draw(st.sampled_from(kinds))
    size = st.integers(1, 9)
    spec = {"kind": kind, "a": draw(size), "b": draw(size)}
    if kind in ("view", "recurrent_view", "overlapping_views"):
        n = draw(st.integers(2, 12))
        spec["parent"] = n
        spec["mask_pre"] = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n,
                                         unique=True))
        spec["mask_post"] = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n,
                                          unique=True))
    return spec


def _network(spec):
    cell = sim.IF_curr_exp()
    kind = spec["kind"]
    if kind == "pop":
        return sim.Population(spec["a"], cell), sim.Population(spec["b"], cell)
    if kind == "recurrent":
        pop = sim.Population(spec["a"], cell)
        return pop, pop
    if kind == "assembly":
        p1, p2 = sim.Population(spec["a"], cell), sim.Population(spec["b"], cell)
        p3 = sim.Population(spec["b"], cell)
        return sim.Assembly(p1, p2), sim.Assembly(p3, p1)
    parent = sim.Population(spec["parent"], cell)
    other = sim.Population(spec["parent"], cell)
    pre = parent[spec["mask_pre"]]
    if kind == "view":
        return pre, other[spec["mask_post"]]
    if kind == "recurrent_view":
        return pre, pre
    return pre, parent[spec["mask_post"]]


# ---------------------------------------------------------------------------------------------
# synapse parameters: numbers, pre x post arrays, RandomDistributions on the connector's rng or
# their own, weight and delay on one rng or two
# ---------------------------------------------------------------------------------------------
def _rd(draw, name, rng_keys):
    """(name, parameters, rng key) of a RandomDistribution of finite values."""
    f = st.floats(-3, 3, allow_nan=False)
    pos = st.floats(0.01, 3, allow_nan=False)
    if name == "uniform":
        low = draw(f)
        params = (low, low + draw(pos))
    elif name == "normal":
        params = (draw(f), draw(st.floats(0, 3)))
    elif name in ("normal_clipped", "normal_clipped_to_boundary"):
        mu, sigma = draw(f), draw(pos)
        low = draw(st.floats(-4, 2))
        # narrow ranges far from mu force many redraw rounds
        params = (mu, sigma, low, low + draw(st.floats(0.05, 4)))
    elif name == "uniform_int":
        low = draw(st.integers(-5, 5))
        params = (low, low + draw(st.integers(1, 9)))
    elif name == "exponential":
        params = (draw(pos),)
    elif name == "lognormal":
        params = (draw(st.floats(-1, 1)), draw(st.floats(0.01, 1)))
    elif name == "gamma":
        params = (draw(pos), draw(pos))
    elif name == "poisson":
        params = (draw(st.floats(0.1, 40)),)
    elif name == "binomial":
        params = (draw(st.integers(1, 200)), draw(st.floats(0.01, 0.99)))
    else:   # vonmises
        params = (draw(f), draw(st.floats(0.1, 5)))
    return ("rd", name, params, draw(st.sampled_from(rng_keys)))


WEIGHT_DISTRIBUTIONS = ["uniform", "normal", "normal_clipped", "normal_clipped_to_boundary",
                        "uniform_int", "exponential", "lognormal", "gamma", "poisson",
                        "binomial", "vonmises"]


@st.composite
def weights(draw):
    kind = draw(st.sampled_from(["float", "array", "rd", "rd", "rd"]))
    if kind == "float":
        return ("float", draw(st.floats(-5, 5, allow_nan=False)))
    if kind == "array":
        return ("array", draw(st.integers(0, 2**31)), -1.0, 1.0)
    return _rd(draw, draw(st.sampled_from(WEIGHT_DISTRIBUTIONS)), ("conn", "w", "n"))


@st.composite
def delays(draw):
    """Delays between one timestep and 20 ms (the machine refuses others)."""
    kind = draw(st.sampled_from(["float", "array", "rd", "rd"]))
    if kind == "float":
        return ("float", float(draw(st.integers(1, 12))))
    if kind == "array":
        return ("array", draw(st.integers(0, 2**31)), 1.0, 12.0)
    name = draw(st.sampled_from(["uniform", "uniform_int", "normal_clipped",
                                 "normal_clipped_to_boundary"]))
    key = draw(st.sampled_from(("conn", "w", "d", "n")))
    if name == "uniform":
        low = draw(st.floats(1, 8))
        return ("rd", name, (low, low + draw(st.floats(0.01, 8))), key)
    if name == "uniform_int":
        return ("rd", name, (1, draw(st.integers(2, 15))), key)
    mu, sigma = draw(st.floats(-2, 12)), draw(st.floats(0.1, 6))
    low = draw(st.floats(1, 8))
    return ("rd", name, (mu, sigma, low, low + draw(st.floats(0.1, 10))), key)


def _value(desc, rngs, shape):
    if desc[0] == "float":
        return desc[1]
    if desc[0] == "array":
        return np.random.RandomState(desc[1]).uniform(desc[2], desc[3], shape)
    _, name, params, key = desc
    return RandomDistribution(name, params, rng=rngs[key])


# ---------------------------------------------------------------------------------------------
# building twice and comparing
# ---------------------------------------------------------------------------------------------
def _build(net, connector_factory, weight, delay, seeds, parallel_safe, fast):
    pre, post = net
    rngs = {key: NumpyRNG(seed=seeds[key], parallel_safe=parallel_safe) for key in RNG_KEYS}
    shape = (pre.size, post.size)
    synapse = sim.StaticSynapse(weight=_value(weight, rngs, shape),
                                delay=_value(delay, rngs, shape))
    connector = connector_factory(rngs, pre, post)
    with contextlib.ExitStack() as stack:
        stack.enter_context(warnings.catch_warnings())
        warnings.simplefilter("ignore")
        if not fast:
            stack.enter_context(fast_connectors.disabled())
        try:
            proj = sim.Projection(pre, post, connector, synapse)
            result = tuple(np.array(a) for a in (proj._conn_pre, proj._conn_post,
                                                  proj._conn_weight, proj._conn_delay))
        except Exception as error:   # noqa: BLE001 -- both paths must fail alike
            result = (type(error), str(error))
    outcome = fast_connectors.last_outcome
    states = {key: rng.rng.get_state() for key, rng in rngs.items()}
    following = {key: (rng.next(7), rng.next(3, "normal", {"mu": 0.0, "sigma": 1.0}))
                 for key, rng in rngs.items()}
    return result, outcome, states, following


def _same_state(a, b):
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2:] == b[2:]


def check(net_spec, connector_factory, weight, delay, seeds, parallel_safe=True,
          expect_fast=True):
    """Build fast and slow; identical results and generator states.  Returns the fast
    path's outcome, or "error" if PyNN's path fails (the fast path failing alike)."""
    _setup()
    net = _network(net_spec)
    fast = _build(net, connector_factory, weight, delay, seeds, parallel_safe, True)
    slow = _build(net, connector_factory, weight, delay, seeds, parallel_safe, False)
    (r_fast, outcome, s_fast, f_fast), (r_slow, slow_outcome, s_slow, f_slow) = fast, slow
    assert slow_outcome == "disabled"
    if isinstance(r_slow[0], type):
        assert r_fast == r_slow, f"PyNN fails with {r_slow}, the fast path with {r_fast}"
        assert outcome != "fast"
        outcome = "error"
    else:
        assert not isinstance(r_fast[0], type), f"fast path failed: {r_fast}"
        for name, a, b in zip(("pre", "post", "weight", "delay"), r_fast, r_slow):
            assert a.shape == b.shape and np.array_equal(a, b), (name, a, b)
        if expect_fast is True:
            assert outcome == "fast", outcome
    for key in RNG_KEYS:
        assert _same_state(s_fast[key], s_slow[key]), f"rng '{key}' left in another state"
        for a, b in zip(f_fast[key], f_slow[key]):
            assert np.array_equal(a, b), f"rng '{key}' draws differently afterwards"
    return outcome


def _connectivity_fast(outcome):
    """The connections were made by the fast path, or PyNN's path was taken only because of
    a 'normal_clipped' parameter whose redraws are impractical to replay (a range almost
    never hit), or both paths failed alike."""
    return outcome in ("fast", "error") or outcome.startswith("'normal_clipped'")


seeds = st.fixed_dictionaries({key: st.integers(0, 2**32 - 1) for key in RNG_KEYS})


# ---------------------------------------------------------------------------------------------
# the connectors
# ---------------------------------------------------------------------------------------------
@HYPO
@given(networks(), st.booleans(), weights(), delays(), seeds)
def test_all_to_all(net, allow_self, weight, delay, seeds):
    check(net, lambda r, pre, post: sim.AllToAllConnector(allow_self_connections=allow_self),
          weight, delay, seeds)


@HYPO
@given(networks(), weights(), delays(), seeds)
def test_one_to_one(net, weight, delay, seeds):
    check(net, lambda r, pre, post: sim.OneToOneConnector(), weight, delay, seeds)


@HYPO
@given(networks(), st.integers(0, 2**31), st.floats(0, 1), weights(), delays(), seeds)
def test_array_connector(net, array_seed, density, weight, delay, seeds):
    def connector(r, pre, post):
        mask = np.random.RandomState(array_seed).uniform(size=(pre.size, post.size)) < density
        return sim.ArrayConnector(mask)
    check(net, connector, weight, delay, seeds)


@HYPO
@given(networks(), st.floats(0, 1), st.sampled_from([True, False, "NoMutual"]), weights(),
       delays(), seeds, st.booleans())
def test_fixed_probability(net, p, allow_self, weight, delay, seeds, parallel_safe):
    outcome = check(net, lambda r, pre, post: sim.FixedProbabilityConnector(
        p, allow_self_connections=allow_self, rng=r["conn"]), weight, delay, seeds,
        parallel_safe, expect_fast=allow_self != "NoMutual")
    if allow_self == "NoMutual" and net["kind"] == "recurrent":
        assert _connectivity_fast(outcome), outcome


def _n(draw_n, r):
    if draw_n[0] == "int":
        return draw_n[1]
    _, name, params, key = draw_n
    return RandomDistribution(name, params, rng=r[key])


counts = st.one_of(
    st.tuples(st.just("int"), st.integers(0, 25)),
    st.tuples(st.just("rd"), st.just("uniform_int"),
              st.tuples(st.integers(0, 3), st.integers(4, 12)), st.sampled_from(RNG_KEYS)),
    st.tuples(st.just("rd"), st.just("poisson"), st.tuples(st.floats(0.5, 8)),
              st.sampled_from(RNG_KEYS)),
    st.tuples(st.just("rd"), st.just("binomial"),
              st.tuples(st.integers(1, 30), st.floats(0.05, 0.95)), st.sampled_from(RNG_KEYS)))


@HYPO
@given(st.data(), networks(), st.booleans(), st.booleans(), weights(), delays(), seeds,
       st.booleans())
def test_fixed_number_pre(data, net, with_replacement, allow_self, weight, delay, seeds,
                          parallel_safe):
    n = data.draw(counts)
    check(net, lambda r, pre, post: sim.FixedNumberPreConnector(
        _n(n, r), allow_self_connections=allow_self, with_replacement=with_replacement,
        rng=r["conn"]), weight, delay, seeds, parallel_safe, expect_fast=None)
    _setup()
    pre, post = _network(net)
    recurrent = pre == post
    # without self-connections PyNN's FixedNumberPre needs a parallel-safe rng (or fails)
    if with_replacement and (allow_self or not recurrent or parallel_safe):
        n_int = ("int", data.draw(st.integers(1, 20)))
        outcome = check(net, lambda r, pre, post: sim.FixedNumberPreConnector(
            _n(n_int, r), with_replacement=True, allow_self_connections=allow_self,
            rng=r["conn"]), weight, delay, seeds, parallel_safe)
        assert _connectivity_fast(outcome), outcome


@HYPO
@given(st.data(), networks(), st.booleans(), st.booleans(), weights(), delays(), seeds)
def test_fixed_number_post(data, net, with_replacement, allow_self, weight, delay, seeds):
    n = data.draw(counts)
    check(net, lambda r, pre, post: sim.FixedNumberPostConnector(
        _n(n, r), allow_self_connections=allow_self, with_replacement=with_replacement,
        rng=r["conn"]), weight, delay, seeds, expect_fast=None)


@HYPO
@given(st.data(), networks(), st.booleans(), weights(), delays(), seeds)
def test_fixed_number_without_replacement_is_fast(data, net, allow_self, weight, delay,
                                                  seeds):
    """Without replacement: whole copies of the candidates, then a prefix of a permutation
    per neuron (numpy's shuffles, replayed): the same connections and generator states as
    PyNN's loop, and no fallback."""
    _setup()
    pre, post = _network(net)
    exclude = not allow_self and pre == post
    if exclude and pre.size < 2:
        return
    n_pre = data.draw(st.integers(1, 3 * pre.size + 2))
    n_post = data.draw(st.integers(1, 3 * post.size + 2))
    outcome = check(net, lambda r, pre, post: sim.FixedNumberPreConnector(
        n_pre, allow_self_connections=allow_self, rng=r["conn"]), weight, delay, seeds)
    assert _connectivity_fast(outcome), outcome
    outcome = check(net, lambda r, pre, post: sim.FixedNumberPostConnector(
        n_post, allow_self_connections=allow_self, rng=r["conn"]), weight, delay, seeds)
    assert _connectivity_fast(outcome), outcome


@HYPO
@given(networks(), st.integers(0, 60), weights(), delays(), seeds, st.booleans())
def test_fixed_total_number(net, n, weight, delay, seeds, parallel_safe):
    # without parallel safety PyNN indexes a ragged list of lists with the local mask (an
    # error in numpy 2 unless all targets have as many sources): left to PyNN
    check(net, lambda r, pre, post: sim.FixedTotalNumberConnector(n, rng=r["conn"]),
          weight, delay, seeds, parallel_safe, expect_fast=True if parallel_safe else None)


@st.composite
def connection_lists(draw):
    net = draw(networks())
    columns = draw(st.sampled_from([(), ("weight",), ("delay",), ("weight", "delay"),
                                    ("delay", "weight")]))
    rows = draw(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40),
                                   st.floats(-2, 2), st.integers(1, 9)), min_size=1,
                         max_size=40))
    return net, columns, rows


def _list_rows(rows, columns, pre, post):
    out = []
    for i, j, w, d in rows:
        row = [i % pre.size, j % post.size]
        row += [w if name == "weight" else float(d) for name in columns]
        out.append(tuple(row))
    return out


@HYPO
@given(connection_lists(), weights(), delays(), seeds)
def test_from_list(lists, weight, delay, seeds):
    net, columns, rows = lists

    def connector(r, pre, post):
        return sim.FromListConnector(_list_rows(rows, columns, pre, post),
                                     column_names=list(columns))
    check(net, connector, weight, delay, seeds)


def test_from_list_keeps_per_target_order_and_sorts_the_list():
    """PyNN sorts the list by target (numpy's default sort) and keeps it sorted."""
    _setup()
    pre, post = sim.Population(5, sim.IF_curr_exp()), sim.Population(4, sim.IF_curr_exp())
    rows = [(4, 2, 0.1, 1.0), (0, 1, 0.2, 2.0), (3, 2, 0.3, 3.0), (1, 0, 0.4, 1.0),
            (2, 2, 0.5, 2.0), (0, 0, 0.6, 3.0)]
    lists = []
    for disable in (False, True):
        connector = sim.FromListConnector(rows)
        with contextlib.ExitStack() as stack:
            if disable:
                stack.enter_context(fast_connectors.disabled())
            proj = sim.Projection(pre, post, connector, sim.StaticSynapse())
        lists.append((connector.conn_list, proj._conn_pre, proj._conn_post, proj._conn_weight))
    for a, b in zip(*lists):
        assert np.array_equal(a, b)


def test_from_list_bad_indices_still_refused():
    _setup()
    pre, post = sim.Population(3, sim.IF_curr_exp()), sim.Population(2, sim.IF_curr_exp())
    with pytest.raises(sim.errors.ConnectionError):
        sim.Projection(pre, post, sim.FromListConnector([(0, 5, 0.1, 1.0)]))
    assert fast_connectors.last_outcome != "fast"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(connection_lists(), weights(), delays(), seeds)
def test_from_file(tmp_path_factory, lists, weight, delay, seeds):
    from pyNN.recording import files
    net, columns, rows = lists
    path = str(tmp_path_factory.mktemp("lists") / "conn.txt")
    _setup()
    pre, post = _network(net)
    data = np.array(_list_rows(rows, columns, pre, post), dtype=float)
    files.StandardTextFile(path, mode="w").write(data, {"columns": ["i", "j"] + list(columns)})
    check(net, lambda r, pre, post: sim.FromFileConnector(path), weight, delay, seeds)


def test_stdp_synapse_fast_and_identical():
    results = []
    for disable in (False, True):
        _setup()
        pre, post = sim.Population(6, sim.IF_curr_exp()), sim.Population(5, sim.IF_curr_exp())
        rng = NumpyRNG(seed=7)
        stdp = sim.STDPMechanism(
            timing_dependence=sim.SpikePairRule(),
            weight_dependence=sim.AdditiveWeightDependence(w_max=2.0),
            weight=RandomDistribution("uniform", (0.1, 1.0), rng=rng), delay=2.0)
        with contextlib.ExitStack() as stack:
            if disable:
                stack.enter_context(fast_connectors.disabled())
            proj = sim.Projection(pre, post, sim.FixedProbabilityConnector(0.5, rng=rng), stdp)
        results.append((proj._conn_pre, proj._conn_post, proj._conn_weight, proj._conn_delay,
                        rng.next(3), fast_connectors.last_outcome))
        sim.end()
    assert results[0][-1] == "fast"
    for a, b in zip(results[0][:-1], results[1][:-1]):
        assert np.array_equal(a, b)


def test_parameters_are_drawn_from_copies():
    """What the fast paths rely on: PyNN never advances the rng of a synapse parameter, nor
    FixedProbability's; a weight on the connector's rng repeats the connector's numbers."""
    _setup()
    pre, post = sim.Population(5, sim.IF_curr_exp()), sim.Population(4, sim.IF_curr_exp())
    rng = NumpyRNG(seed=42)
    state = rng.rng.get_state()
    proj = sim.Projection(pre, post, sim.FixedProbabilityConnector(0.5, rng=rng),
                          sim.StaticSynapse(weight=RandomDistribution("uniform", (0, 1), rng=rng)))
    assert _same_state(rng.rng.get_state(), state)
    uniform = NumpyRNG(seed=42).next(20)
    assert np.array_equal(proj._conn_weight, uniform[:len(proj)])
    connected = (uniform.reshape(4, 5) < 0.5).T
    assert np.array_equal(proj._conn_pre, np.nonzero(connected.T)[1])


# ---------------------------------------------------------------------------------------------
# the two reconstructions of numpy's sequential draws, against the loops they replace
# ---------------------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(st.integers(1, 70000), st.integers(1, 70000), st.integers(0, 300),
       st.integers(0, 2**32 - 1))
def test_alternating_randint_is_the_loop(high_a, high_b, count, seed):
    rs = np.random.RandomState(seed)
    a, b = fast_connectors._alternating_randint(rs, high_a, high_b, count)
    loop = np.random.RandomState(seed)
    expected_a, expected_b = [], []
    for _ in range(count):
        expected_a.append(loop.randint(0, high_a, size=1)[0])
        expected_b.append(loop.choice(np.arange(high_b), size=1)[0])
    assert np.array_equal(a, expected_a) and np.array_equal(b, expected_b)
    assert _same_state(rs.get_state(), loop.get_state())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=30), st.floats(-3, 3),
       st.floats(0.1, 3), st.floats(-4, 3), st.floats(0.02, 5), st.booleans(),
       st.integers(0, 2**32 - 1))
def test_normal_clipped_columns_are_the_loop(counts, mu, sigma, low, width, restart, seed):
    """Column-by-column (or list-target-by-target) 'normal_clipped' draws, with their
    redraw rounds, from one stream of normal values."""
    params = (mu, sigma, low, low + width)
    rd = RandomDistribution("normal_clipped", params, rng=NumpyRNG(seed=seed))
    expected = []
    loop_rd = RandomDistribution("normal_clipped", params, rng=NumpyRNG(seed=seed))
    for k in counts:
        source = copy.deepcopy(loop_rd) if restart else loop_rd
        try:
            expected.append(np.asarray(source.next(k)))
        except Exception:      # noqa: BLE001 -- more redraws than PyNN allows
            with pytest.raises(fast_connectors.Fallback):
                _clipped(rd, counts, restart)
            return
    try:
        got = _clipped(rd, counts, restart)
    except fast_connectors.Fallback as reason:
        assert "almost never" in str(reason) or "redraws" in str(reason)
        return
    assert np.array_equal(got, np.concatenate(expected))


def _clipped(rd, counts, restart):
    counts = np.asarray(counts)
    post = np.repeat(np.arange(len(counts)), counts)
    return fast_connectors._clipped_values(rd, fast_connectors._Segments(post), restart)


def test_disabled_restores_and_unsupported_falls_back():
    _setup()
    pre, post = sim.Population(4, sim.IF_curr_exp()), sim.Population(4, sim.IF_curr_exp())
    with fast_connectors.disabled():
        sim.Projection(pre, post, sim.AllToAllConnector())
        assert fast_connectors.last_outcome == "disabled"
    assert fast_connectors.ENABLED
    sim.Projection(pre, post, sim.AllToAllConnector(),
                   sim.StaticSynapse(weight="0.1 + 0.01 * d"))
    assert fast_connectors.last_outcome != "fast"
    sim.Projection(pre, post, sim.FixedProbabilityConnector(0.5, callback=lambda x: None))
    assert fast_connectors.last_outcome == "progress callback"


@pytest.mark.parametrize("connector", [sim.FixedNumberPreConnector, sim.FixedNumberPostConnector])
def test_no_candidate_left_is_an_error_not_a_hang(connector):
    """PyNN would redraw the only (excluded) candidate forever."""
    _setup()
    pop = sim.Population(1, sim.IF_curr_exp(), label="single")
    with pytest.raises(errors.ConnectionError, match="one-neuron population 'single'"):
        sim.Projection(pop, pop, connector(2, allow_self_connections=False,
                                           with_replacement=True))
    sim.Projection(pop, pop, connector(0, allow_self_connections=False, with_replacement=True))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), st.booleans(), st.integers(0, 2**32 - 1), st.data())
def test_permutation_prefixes_replay_numpys_shuffles(n_cells, exclude, seed, data):
    """The C replay of numpy's legacy permutation gives numpy's values and leaves the
    generator where numpy leaves it (also across the chunks of raw words)."""
    exclude = exclude and n_cells > 1
    size = n_cells - 1 if exclude else n_cells
    n_owners = n_cells if exclude else data.draw(st.integers(1, 12))
    remainders = np.array(data.draw(st.lists(st.integers(0, size - 1), min_size=n_owners,
                                             max_size=n_owners)), dtype=np.int64)
    ours, numpys = np.random.RandomState(seed), np.random.RandomState(seed)
    chunk = fast_connectors.RAW_WORDS_CHUNK
    fast_connectors.RAW_WORDS_CHUNK = data.draw(st.sampled_from([1, 7, chunk]))
    try:
        got = fast_connectors._permutation_prefixes(ours, remainders, n_cells, exclude)
    finally:
        fast_connectors.RAW_WORDS_CHUNK = chunk
    expected = []
    for owner, remainder in enumerate(remainders):
        if remainder:
            cells = np.arange(n_cells)
            if exclude:
                cells = cells[cells != owner]
            expected.extend(numpys.permutation(cells)[:remainder].tolist())
    assert got.tolist() == expected
    assert ours.randint(0, 2**30) == numpys.randint(0, 2**30)


class _NoSnapshots:
    def take(self, rng):
        pass


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 12), st.integers(0, 2**32 - 1), st.data())
def test_excluding_redraws_replay_pynn(size, seed, data):
    """PyNN's per-neuron redraw of self-connections (with replacement), replayed over one
    stream of draws: the same values and generator state where PyNN succeeds, and PyNN's
    own path (a fallback) where PyNN's loop raises its IndexError."""
    counts = np.array(data.draw(st.lists(st.integers(0, 15), min_size=size, max_size=size)),
                      dtype=np.int64)
    ours, pynns = NumpyRNG(seed=seed), NumpyRNG(seed=seed)
    connector = sim.FixedNumberPreConnector(1, with_replacement=True, rng=pynns)
    try:
        expected = [np.asarray(connector._rng_uniform_int_exclude(int(n), size, k)).reshape(-1)
                    for k, n in enumerate(counts)]
        expected = np.concatenate(expected + [np.zeros(0)]).astype(int).tolist()
    except IndexError:
        expected = None
    chunk = fast_connectors.RAW_WORDS_CHUNK
    fast_connectors.RAW_WORDS_CHUNK = data.draw(st.sampled_from([1, 3, chunk]))
    try:
        got = fast_connectors._excluding_randint(ours, counts, size, _NoSnapshots()).tolist()
    except fast_connectors.Fallback:
        got = None
    finally:
        fast_connectors.RAW_WORDS_CHUNK = chunk
    assert got == expected
    if expected is not None:
        assert ours.rng.randint(0, 2**30) == pynns.rng.randint(0, 2**30)


def test_pynns_failing_redraw_of_self_connections_is_named():
    """PyNN 0.13's FixedNumberPre with replacement and without self-connections raises a
    bare IndexError for many draws (a bug in its redraw): the Projection names itself."""
    _setup()
    pop = sim.Population(5, sim.IF_curr_exp(), label="ring")
    with pytest.raises(errors.ConnectionError, match="'selfless'.*redraw of self-connections"):
        sim.Projection(pop, pop, sim.FixedNumberPreConnector(
            6, with_replacement=True, allow_self_connections=False, rng=NumpyRNG(seed=0)),
            label="selfless")
