"""Fuzzing: random small networks either run or fail with a clear error; nothing is lost or
changed silently.

Every example builds a network of random populations (every cell type and source the
backend offers), random connectors, weights (zero, tiny, huge, negative, NaN, random
distributions), delays (below one tick to beyond 144 ticks), STDP now and then and current
sources, then plays a random sequence of record / run / reset / set / initialize /
Projection.set / network changes.  After every call:

* it returned, or it raised one of the whitelisted clear exceptions, whose message names the
  population, projection or STDP rule concerned (never a bare ValueError / KeyError /
  ZeroDivisionError / MemoryError, never a crash or a C assertion: this file also runs in
  the AddressSanitizer stage of ``.ci/run``);
* every value the machine changed was reported: a weight stored as 0 or changed by more than
  1 %, a delay that differs from the one asked for, a negative weight on an excitatory
  receptor, a ring-buffer or delay-counter saturation;
* the recorded data is complete: one row per sampled tick of every run of the segment, no
  gaps (NaN), every spike inside its segment, on a tick.

Sizes are small (at most 6 neurons per population, 60 ticks per run) so that no example
can hang.  The examples are derandomized (no database, no shrinking): CI runs the same 100
examples every time (a few seconds); ``FUZZ_EXAMPLES=1000`` runs more of them locally.  The
test cannot pass vacuously: it counts the examples that simulated, had their data checked
and ran with connections, and requires a good share of each.
"""
import logging
import math
import os
import traceback
import warnings

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pyNN import errors
from pyNN.random import NumpyRNG, RandomDistribution

import pynn_spinn_virtual as sim
from pynn_spinn_virtual import portal_warnings
from pynn_spinn_virtual.exceptions import (ConfigurationError, MappingError,
                                           NetworkChangedError, ParameterError)

FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100")), deadline=None,
    derandomize=True, database=None, print_blob=True,
    phases=[Phase.explicit, Phase.generate],     # no shrinking: it took minutes, and the
                                                 # failing network is printed as it is
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much])

#: the exceptions a user may see; each must name what it is about (see `_check_clear`)
CLEAR_ERRORS = (ParameterError, ConfigurationError, MappingError, NotImplementedError,
                errors.ConnectionError, errors.NonExistentParameterError,
                errors.RecordingError, errors.InvalidDimensionsError)

NEURON_MODELS = {
    "IF_curr_exp": sim.IF_curr_exp,
    "IF_cond_exp": sim.IF_cond_exp,
    "IF_curr_alpha": sim.IF_curr_alpha,
    "IF_curr_delta": sim.IF_curr_delta,
    "Izhikevich": sim.Izhikevich,
    "Izhikevich_cond": sim.extra_models.Izhikevich_cond,
    "IFCurrExpCa2Adaptive": sim.extra_models.IFCurrExpCa2Adaptive,
    "IF_curr_dual_exp": sim.extra_models.IF_curr_dual_exp,
}
SOURCES = ("SpikeSourceArray", "SpikeSourcePoisson", "SpikeSourcePoissonVariable")
MODEL_NAMES = list(NEURON_MODELS) + list(SOURCES)
POP_LABELS = ["popA", "popB", "popC", "popD", "popE"]
PRJ_LABELS = ["prjA", "prjB", "prjC", "prjD", "prjE", "prjF"]

# -- values ---------------------------------------------------------------------------------
def mostly(usual, rare, one_in=4):
    """`rare` one time in `one_in`, else `usual`: extremes everywhere, but most examples
    must still get as far as a run (the test counts them)."""
    return st.integers(0, one_in - 1).flatmap(lambda i: rare if i == 0 else usual)


extreme = st.sampled_from([0.0, -0.0, 1e-9, -1e-9, 1e9, -1e9, float("nan"), float("inf"),
                           -float("inf"), 65535.0, 32768.0, -32769.0])
parameter_values = st.one_of(st.floats(-80.0, 80.0), st.floats(1e-4, 1e-2),
                             st.floats(1e3, 1e6), extreme)
weights = mostly(
    st.one_of(st.floats(0.0, 5.0), st.floats(-5.0, 0.0), st.floats(1e-9, 1e-4),
              st.tuples(st.just("uniform"), st.floats(-1.0, 1.0), st.floats(0.0, 3.0))),
    st.one_of(st.floats(100.0, 1e6),
              st.sampled_from([0.0, float("nan"), float("inf"), 1e9, 32767.0])))
# delays in ticks (multiplied by dt): below one tick, fractional, 16/17, 144/145, far beyond
delay_ticks = mostly(
    st.one_of(st.floats(1.0, 144.0), st.integers(1, 144).map(float),
              st.tuples(st.just("uniform"), st.floats(1.0, 20.0), st.floats(20.0, 144.0))),
    st.one_of(st.floats(0.0, 160.0),
              st.sampled_from([0.4, 0.5, 0.999, 1.0, 1.5, 2.5, 3.0, 15.5, 16.0, 16.5, 17.0,
                               143.5, 144.0, 144.4, 144.5, 145.0, 1e6, float("nan"), -1.0]),
              st.tuples(st.just("uniform"), st.floats(0.0, 20.0), st.floats(20.0, 160.0))))


@st.composite
def populations(draw, label):
    model = draw(st.sampled_from(MODEL_NAMES))
    spec = {"label": label, "model": model, "size": draw(st.integers(1, 6)),
            "neurons_per_core": draw(st.sampled_from([None, None, 1, 2, 4])),
            "seed": draw(st.integers(0, 2 ** 31)), "params": {}}
    if model in NEURON_MODELS:
        cell = NEURON_MODELS[model]
        if "i_offset" in cell.default_parameters:
            spec["params"]["i_offset"] = draw(st.sampled_from([0.0, 0.0, 0.5, 2.0, 10.0, -3.0]))
        if draw(st.integers(0, 5)) == 0:
            name = draw(st.sampled_from(sorted(cell.default_parameters)))
            spec["params"][name] = draw(parameter_values)
    elif model == "SpikeSourceArray":
        times = draw(st.lists(st.floats(0.0, 60.0), max_size=8))
        if draw(st.integers(0, 5)) > 0:
            times = sorted(times)
        if draw(st.integers(0, 9)) == 0:
            times.append(draw(st.sampled_from([float("nan"), -1.0, 1e7])))
        spec["params"]["spike_times"] = times
    elif model == "SpikeSourcePoisson":
        spec["params"]["rate"] = draw(st.one_of(
            st.floats(0.0, 500.0), st.sampled_from([0.0, 0.5, 1e4, 1e5, 1e8, -1.0, float("nan")])))
        spec["params"]["start"] = draw(st.sampled_from([0.0, 0.0, 5.0, 12.3, -1.0]))
        spec["params"]["duration"] = draw(st.sampled_from([1e10, 1e10, 20.0, 0.0]))
    else:
        n = draw(st.integers(1, 3))
        rates = draw(st.lists(st.floats(0.0, 300.0), min_size=n, max_size=n))
        starts = sorted(draw(st.lists(st.floats(0.0, 50.0), min_size=n, max_size=n)))
        if draw(st.integers(0, 9)) == 0:
            starts = starts[::-1]
        spec["params"].update(rates=rates, starts=starts)
    return spec


@st.composite
def connectors(draw, pre_size, post_size):
    kind = draw(st.sampled_from(["all", "one", "prob", "npre", "npost", "total", "list",
                                 "array", "distance"]))
    rng = draw(st.sampled_from([None, None, 7, 12345]))
    self_conn = draw(st.booleans())
    if kind == "all":
        return ("all", {"allow_self_connections": self_conn})
    if kind == "one":
        return ("one", {})
    if kind == "prob":
        return ("prob", {"p_connect": draw(st.sampled_from([0.0, 0.3, 0.7, 1.0, 1.5])),
                         "allow_self_connections": self_conn, "rng": rng})
    if kind in ("npre", "npost", "total"):
        return (kind, {"n": draw(st.integers(0, 8)), "with_replacement": draw(st.booleans()),
                       "rng": 3 if rng is None else rng})
    if kind == "array":
        mask = draw(st.lists(st.booleans(), min_size=pre_size * post_size,
                             max_size=pre_size * post_size))
        return ("array", {"mask": mask})
    if kind == "distance":
        return ("distance", {"expression": draw(st.sampled_from(["d < 1.5", "exp(-d)"]))})
    entries = draw(st.lists(st.tuples(st.integers(-1, pre_size), st.integers(-1, post_size),
                                      weights.filter(lambda w: not isinstance(w, tuple)),
                                      delay_ticks.filter(lambda d: not isinstance(d, tuple))),
                            max_size=6))
    return ("list", {"entries": entries})


@st.composite
def networks(draw):
    dt = draw(st.sampled_from([1.0, 1.0, 0.1, 0.5]))
    pops = [draw(populations(label)) for label in POP_LABELS[:draw(st.integers(1, 4))]]
    projections = []
    for label in PRJ_LABELS[:draw(st.integers(0, 5))]:
        pre = draw(st.integers(0, len(pops) - 1))
        neurons = [i for i, p in enumerate(pops) if p["model"] in NEURON_MODELS]
        post = draw(mostly(st.sampled_from(neurons), st.integers(0, len(pops) - 1))
                    if neurons else st.integers(0, len(pops) - 1))
        spec = {"label": label, "pre": pre, "post": post,
                "connector": draw(connectors(pops[pre]["size"], pops[post]["size"])),
                "weight": draw(weights), "delay": draw(delay_ticks),
                "receptor": draw(st.sampled_from([None, None, None, "excitatory",
                                                  "inhibitory", "excitatory2"])),
                "stdp": None}
        if draw(st.integers(0, 3)) == 0:
            stdp = {"timing": draw(st.sampled_from(["pair", "nearest"])),
                    "weight_dependence": draw(st.sampled_from(["additive", "multiplicative"])),
                    "tau_plus": 20.0, "tau_minus": 20.0, "A_plus": 0.01, "A_minus": 0.012,
                    "w_min": 0.0, "w_max": draw(st.sampled_from([0.5, 1.0, 4.0]))}
            if draw(st.integers(0, 2)) == 0:
                name = draw(st.sampled_from(["tau_plus", "tau_minus", "A_plus", "A_minus",
                                             "w_min", "w_max"]))
                stdp[name] = draw(st.one_of(parameter_values, st.floats(0.0, 200.0)))
            spec["stdp"] = stdp
        projections.append(spec)
    currents = []
    for _ in range(draw(st.integers(0, 2))):
        currents.append({"kind": draw(st.sampled_from(["dc", "ac", "step", "noisy"])),
                         "target": draw(st.integers(0, len(pops) - 1)),
                         "amplitude": draw(mostly(st.floats(-2.0, 2.0), extreme)),
                         "seed": draw(st.integers(0, 1000))})
    n_actions = draw(st.integers(1, 8))
    actions = []
    for _ in range(n_actions):
        kind = draw(st.sampled_from(["run", "run", "run", "reset", "record", "record_none",
                                     "set", "initialize", "get_weights", "projection_set",
                                     "add_population", "get_data"]))
        action = {"kind": kind, "pop": draw(st.integers(0, len(pops) - 1))}
        if kind == "run":
            action["ticks"] = draw(st.integers(0, 60))
            action["extra"] = draw(st.sampled_from([0.0, 0.0, 0.5]))   # not a whole tick
        elif kind == "record":
            action["variables"] = draw(st.sampled_from(
                ["spikes", "v", ["spikes", "v"], ["gsyn_exc", "gsyn_inh"], "all"]))
            action["interval"] = draw(st.sampled_from([None, None, 1, 2, 3, 1.5]))
        elif kind == "set":
            action["value"] = draw(parameter_values)
            action["name_index"] = draw(st.integers(0, 20))
        elif kind == "initialize":
            action["value"] = draw(st.one_of(st.floats(-80.0, 40.0), extreme))
        elif kind == "projection_set":
            action["projection"] = draw(st.integers(0, 5))
            action["weight"] = draw(weights.filter(lambda w: not isinstance(w, tuple)))
        actions.append(action)
    # every example ends with a run (then its data is checked), whatever came before
    actions.append({"kind": "run", "pop": 0, "ticks": draw(st.integers(1, 60)), "extra": 0.0})
    initial_record = [(draw(st.sampled_from([None, "spikes", ["spikes", "v"], "v", "all"])))
                      for _ in pops]
    return {"dt": dt, "pops": pops, "projections": projections, "currents": currents,
            "actions": actions, "initial_record": initial_record,
            "inspect_first": draw(st.booleans())}


# -- building -------------------------------------------------------------------------------
def _cell(spec):
    model, params = spec["model"], dict(spec["params"])
    if model in NEURON_MODELS:
        return NEURON_MODELS[model](**params)
    if model == "SpikeSourceArray":
        return sim.SpikeSourceArray(**params)
    if model == "SpikeSourcePoisson":
        return sim.SpikeSourcePoisson(**params)
    return sim.extra_models.SpikeSourcePoissonVariable(**params)


def _connector(kind, args, dt):
    rng = args.get("rng")
    rng = NumpyRNG(seed=rng) if rng is not None else None
    if kind == "all":
        return sim.AllToAllConnector(allow_self_connections=args["allow_self_connections"])
    if kind == "one":
        return sim.OneToOneConnector()
    if kind == "prob":
        return sim.FixedProbabilityConnector(
            args["p_connect"], allow_self_connections=args["allow_self_connections"], rng=rng)
    if kind == "npre":
        return sim.FixedNumberPreConnector(args["n"], with_replacement=args["with_replacement"],
                                           rng=rng)
    if kind == "npost":
        return sim.FixedNumberPostConnector(args["n"], with_replacement=args["with_replacement"],
                                            rng=rng)
    if kind == "total":
        return sim.FixedTotalNumberConnector(args["n"], with_replacement=args["with_replacement"],
                                             rng=rng)
    if kind == "array":
        return args["mask"]        # shaped by the caller
    if kind == "distance":
        return sim.DistanceDependentProbabilityConnector(args["expression"],
                                                         rng=NumpyRNG(seed=11))
    return sim.FromListConnector([(i, j, w, d * dt) for i, j, w, d in args["entries"]],
                                 column_names=["weight", "delay"])


def _value(spec, dt=None, seed=5):
    if isinstance(spec, tuple):
        _, low, high = spec
        scale = dt if dt is not None else 1.0
        return RandomDistribution("uniform", (low * scale, high * scale), rng=NumpyRNG(seed=seed))
    return spec * dt if dt is not None else spec


def _synapse(spec, dt):
    weight, delay = _value(spec["weight"]), _value(spec["delay"], dt)
    stdp = spec["stdp"]
    if stdp is None:
        return sim.StaticSynapse(weight=weight, delay=delay)
    rule = (sim.SpikePairRule if stdp["timing"] == "pair"
            else sim.extra_models.SpikeNearestPairRule)
    dependence = (sim.AdditiveWeightDependence if stdp["weight_dependence"] == "additive"
                  else sim.MultiplicativeWeightDependence)
    return sim.STDPMechanism(
        timing_dependence=rule(tau_plus=stdp["tau_plus"], tau_minus=stdp["tau_minus"],
                               A_plus=stdp["A_plus"], A_minus=stdp["A_minus"]),
        weight_dependence=dependence(w_min=stdp["w_min"], w_max=stdp["w_max"]),
        weight=weight, delay=delay)


def _current(spec, dt):
    amplitude = spec["amplitude"]
    if spec["kind"] == "dc":
        return sim.DCSource(amplitude=amplitude, start=2.0 * dt, stop=40.0 * dt)
    if spec["kind"] == "ac":
        return sim.ACSource(amplitude=amplitude, offset=0.1, frequency=50.0, phase=30.0,
                            start=0.0, stop=50.0 * dt)
    if spec["kind"] == "step":
        return sim.StepCurrentSource(times=[3.0 * dt, 10.0 * dt, 20.0 * dt],
                                     amplitudes=[amplitude, 0.0, 1.0])
    return sim.NoisyCurrentSource(mean=0.1, stdev=amplitude, dt=dt, rng=NumpyRNG(spec["seed"]))


# -- the run and its oracle -----------------------------------------------------------------
class _LogRecorder(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


class Fuzz:
    """Plays one network spec and checks every outcome."""

    def __init__(self, spec, warned, log):
        self.spec = spec
        self.dt = spec["dt"]
        self.warned = warned              # the warnings.catch_warnings(record=True) list
        self.log = log
        self.labels = set(POP_LABELS) | set(PRJ_LABELS) | {"late"}
        self.pops = []                    # (spec, Population) that were created
        self.prjs = []                    # (spec, Projection)
        self.segment_ticks = [0]          # ticks run in each segment (reset epoch)
        self.clean = {}                   # population label -> recording unchanged mid-segment
        self.ticks_run = 0                # ticks simulated (the example really ran)
        self.data_checked = 0             # segments whose rows and spikes were counted
        self.saturations = (0, 0)
        self.changed_after_run = False

    # -- helpers --
    def attempt(self, what, call):
        """Call; a clear, whitelisted error is an accepted outcome, anything else fails."""
        try:
            return True, call()
        except CLEAR_ERRORS as err:
            self._check_clear(what, err)
            return False, err

    def _check_clear(self, what, err):
        text = str(err)
        if isinstance(err, NetworkChangedError):
            assert "reset" in text, text
            return
        if isinstance(err, errors.InvalidDimensionsError):
            return                        # PyNN's own wording (OneToOne of unequal sizes)
        named = any(label in text for label in self.labels) or any(
            rule in text for rule in ("SpikePairRule", "SpikeNearestPairRule",
                                      "AdditiveWeightDependence",
                                      "MultiplicativeWeightDependence", "STDPMechanism",
                                      "DCSource", "ACSource", "StepCurrentSource",
                                      "NoisyCurrentSource"))
        assert named, f"{what}: {type(err).__name__} does not name its object: {text}"

    def warned_about(self, label, *words):
        texts = [str(w.message) for w in self.warned] + self.log.messages
        return any(label in t and any(word in t for word in words) for t in texts)

    # -- building --
    def build(self):
        sim.setup(timestep=self.dt)
        for spec, record in zip(self.spec["pops"], self.spec["initial_record"]):
            def create(spec=spec):
                kwargs = {"label": spec["label"], "seed": spec["seed"]}
                if spec["neurons_per_core"]:
                    kwargs["neurons_per_core"] = spec["neurons_per_core"]
                return sim.Population(spec["size"], _cell(spec), **kwargs)
            ok, pop = self.attempt(f"Population {spec['label']}", create)
            if ok:
                self.pops.append((spec, pop))
                self.clean[spec["label"]] = True
                if record is not None:
                    self.record(pop, record, None)
        by_label = {spec["label"]: pop for spec, pop in self.pops}
        for spec in self.spec["projections"]:
            pre_spec = self.spec["pops"][spec["pre"]]
            post_spec = self.spec["pops"][spec["post"]]
            pre, post = by_label.get(pre_spec["label"]), by_label.get(post_spec["label"])
            if pre is None or post is None:
                continue
            kind, args = spec["connector"]
            if kind == "array":
                mask = np.array(args["mask"], dtype=bool).reshape(pre.size, post.size)
                connector = sim.ArrayConnector(mask)
            else:
                connector = _connector(kind, args, self.dt)
            kwargs = {"label": spec["label"]}
            if spec["receptor"] is not None:
                kwargs["receptor_type"] = spec["receptor"]

            def create(connector=connector, spec=spec, kwargs=kwargs, pre=pre, post=post):
                return sim.Projection(pre, post, connector, _synapse(spec, self.dt), **kwargs)
            ok, prj = self.attempt(f"Projection {spec['label']}", create)
            if ok:
                self.prjs.append((spec, prj))
        for spec in self.spec["currents"]:
            target = by_label.get(self.spec["pops"][spec["target"]]["label"])
            if target is None or target.celltype.core_kind != "neuron":
                continue

            def inject(spec=spec, target=target):
                _current(spec, self.dt).inject_into(target)
            self.attempt("current source", inject)

    def record(self, pop, variables, interval):
        sampling = None if interval is None else interval * self.dt

        def call():
            pop.record(variables, sampling_interval=sampling)
        ok, _ = self.attempt(f"record {pop.label}", call)
        if self.segment_ticks[-1] > 0:
            self.clean[pop.label] = False

    # -- the actions --
    def play(self):
        for action in self.spec["actions"]:
            getattr(self, "do_" + action["kind"])(action)
        self.check_data()

    def _pop(self, action):
        return self.pops[action["pop"] % len(self.pops)] if self.pops else (None, None)

    def do_run(self, action):
        if self.spec["inspect_first"]:
            self.do_get_weights(action)
        ticks = action["ticks"]
        duration = (ticks + action["extra"]) * self.dt
        expected = ticks + (1 if action["extra"] else 0)
        before = sim.get_current_time()
        ok, _ = self.attempt("run", lambda: sim.run(duration))
        if not ok:
            assert sim.get_current_time() == before, "a refused run must not advance time"
            return
        assert math.isclose(sim.get_current_time(), before + expected * self.dt,
                            rel_tol=1e-9, abs_tol=1e-9)
        self.segment_ticks[-1] += expected
        self.ticks_run += expected
        self.check_machine_values()         # the mapping is fresh after a run
        self.check_saturations_reported()

    def do_reset(self, action):
        self.check_data()        # the segment that ends here is complete
        sim.reset()
        self.segment_ticks.append(0)
        for label in self.clean:
            self.clean[label] = True
        self.changed_after_run = False

    def do_record(self, action):
        _, pop = self._pop(action)
        if pop is None:
            return
        self.record(pop, action["variables"], action["interval"])

    def do_record_none(self, action):
        _, pop = self._pop(action)
        if pop is None:
            return
        pop.record(None)
        if self.segment_ticks[-1] > 0:
            self.clean[pop.label] = False

    def do_set(self, action):
        spec, pop = self._pop(action)
        if pop is None:
            return
        names = sorted(pop.celltype.default_parameters)
        name = names[action["name_index"] % len(names)]
        value = action["value"]
        if name in ("spike_times", "rates", "starts", "durations"):
            value = [abs(value)] if math.isfinite(value) else [value]
        before = pop.get(name)
        ok, _ = self.attempt(f"set {pop.label}.{name}", lambda: pop.set(**{name: value}))
        if not ok:
            after = pop.get(name)
            assert _same(before, after), f"a refused set() changed {name}: {before} -> {after}"

    def do_initialize(self, action):
        spec, pop = self._pop(action)
        if pop is None or "v" not in pop.celltype.default_initial_values:
            return
        self.attempt(f"initialize {pop.label}", lambda: pop.initialize(v=action["value"]))

    def do_get_weights(self, action):
        for spec, prj in self.prjs:
            ok, _ = self.attempt(f"get {prj.label}",
                                 lambda prj=prj: prj.get(["weight", "delay"], format="list"))
            if not ok:
                return

    def do_projection_set(self, action):
        if not self.prjs:
            return
        spec, prj = self.prjs[action["projection"] % len(self.prjs)]
        ok, err = self.attempt(f"set {prj.label}", lambda: prj.set(weight=action["weight"]))
        if not ok and sim.get_current_time() > 0:
            assert isinstance(err, NotImplementedError) or isinstance(err, errors.ConnectionError)

    def do_add_population(self, action):
        if "late" in {p.label for _, p in self.pops}:
            return
        pop = sim.Population(2, sim.IF_curr_exp(i_offset=2.0), label="late")
        pop.record("v")
        self.pops.append(({"label": "late", "model": "IF_curr_exp"}, pop))
        self.clean["late"] = self.segment_ticks[-1] == 0

    def do_get_data(self, action):
        _, pop = self._pop(action)
        if pop is None:
            return
        self.check_block(pop, pop.get_data())

    # -- the oracle --
    def check_machine_values(self):
        """Every weight or delay the machine holds differently from the request was reported."""
        for spec, prj in self.prjs:
            if prj._machine_weight is None or not len(prj):
                continue
            requested = np.abs(prj._conn_weight)
            machine = np.abs(prj._machine_weight)
            assert np.all(np.isfinite(machine)), f"{prj.label}: unmapped connections"
            if spec["stdp"] is not None:
                # plastic weights are read back after learning: they are meant to change
                requested = machine = np.zeros(0)
            zeroed = (requested > 0) & (machine == 0)
            if zeroed.any():
                assert self.warned_about(prj.label, "stored as 0"), \
                    f"{prj.label}: {requested[zeroed][:3]} stored as 0 without a warning"
            with np.errstate(invalid="ignore", divide="ignore"):
                change = np.where(requested > 0, np.abs(machine - requested) / requested, 0.0)
            if np.any(change > 0.01):
                assert self.warned_about(prj.label, "differ", "stored as 0"), \
                    f"{prj.label}: weights changed by up to {change.max():.3g} without a warning"
            signs = np.sign(prj._conn_weight[prj._conn_weight != 0])
            receptor = prj.receptor_type
            if np.any(signs < 0) and receptor != "inhibitory":
                assert self.warned_about(prj.label, "negative"), \
                    f"{prj.label}: negative weights on {receptor!r} excite without a warning"
            ticks = prj._machine_delay_ticks
            assert np.all((ticks >= 1) & (ticks <= 144)), f"{prj.label}: delay ticks {ticks}"
            # rounding to the nearest whole timestep is the documented behaviour (random
            # delays are not pre-rounded); anything further must have been reported
            asked = prj._conn_delay / self.dt
            off = np.abs(ticks - asked) > 0.5 + 1e-6
            if off.any():
                assert self.warned_about(prj.label, "delay"), (
                    f"{prj.label}: delays {prj._conn_delay[off][:3]} ms are "
                    f"{ticks[off][:3] * self.dt} ms on the machine, without a warning")

    def check_saturations_reported(self):
        provenance = sim.simulator.state.provenance()
        ring = sum(provenance.get("ring_buffer_saturations", {}).values())
        delay = sum(provenance.get("delay_counter_saturations", {}).values())
        if ring > self.saturations[0]:
            assert any("saturated" in m for m in self.log.messages), "saturation not reported"
        if delay > self.saturations[1]:
            assert any("dropped" in m for m in self.log.messages), "delay drops not reported"
        self.saturations = (ring, delay)

    def check_block(self, pop, block):
        for segment in block.segments:
            for train in segment.spiketrains:
                times = train.magnitude
                assert np.all(times >= train.t_start.magnitude - 1e-9)
                assert np.all(times < train.t_stop.magnitude + 1e-9)
                ticks = times / self.dt
                assert np.allclose(ticks, np.round(ticks), atol=1e-6), "spike off a tick"
            for signal in segment.analogsignals:
                assert signal.shape[1] >= 1

    def check_data(self):
        for spec, pop in self.pops:
            recorded = {v.name for v, ids in pop.recorder.recorded.items() if ids}
            if not recorded and not any(seg.has_data for seg in pop.recorder._segments):
                continue
            try:
                block = pop.get_data()
            except ConfigurationError as err:
                assert pop.label in str(err)
                continue
            self.check_block(pop, block)
            if not self.clean.get(pop.label) or not block.segments:
                continue
            ticks = self.segment_ticks[-1]
            if ticks == 0:
                continue
            segment = block.segments[-1]
            for signal in segment.analogsignals:
                interval = int(round(float(signal.sampling_period.rescale("ms")) / self.dt))
                assert signal.shape[0] == -(-ticks // interval), (
                    f"{pop.label}.{signal.name}: {signal.shape[0]} rows for {ticks} ticks "
                    f"sampled every {interval}")
                assert np.all(np.isfinite(signal.magnitude)), f"{pop.label}: gaps in the data"
            if "spikes" in recorded:
                assert len(segment.spiketrains) == pop.size
                for train in segment.spiketrains:
                    assert float(train.t_stop) == ticks * self.dt
            if segment.analogsignals or "spikes" in recorded:
                self.data_checked += 1


def _same(a, b):
    try:
        return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                              equal_nan=True)
    except (TypeError, ValueError):
        return repr(a) == repr(b)


def play(spec):
    log = _LogRecorder()
    logger = logging.getLogger("pynn_spinn_virtual")
    logger.addHandler(log)
    portal_warnings.collected.clear()
    try:
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            fuzz = Fuzz(spec, warned, log)
            try:
                fuzz.build()
                fuzz.play()
                return fuzz
            except AssertionError:
                raise
            except Exception as err:     # anything not whitelisted: show where it came from
                raise AssertionError(f"unclear {type(err).__name__}: {err}\n"
                                     f"{traceback.format_exc()}") from err
    finally:
        logger.removeHandler(log)
        if not sim.simulator.state.ended:
            sim.end()


def test_random_networks_run_or_fail_clearly():
    stats = {"examples": 0, "ran": 0, "data_checked": 0, "projections": 0}

    @FUZZ_SETTINGS
    @given(spec=networks())
    def one_network(spec):
        fuzz = play(spec)
        stats["examples"] += 1
        stats["ran"] += fuzz.ticks_run > 0
        stats["data_checked"] += fuzz.data_checked > 0
        stats["projections"] += any(len(prj) for _, prj in fuzz.prjs) and fuzz.ticks_run > 0

    one_network()
    # not vacuous: most examples must get past the refusals and simulate, have their
    # recorded data checked, and many run with connections (fractions seen: ~0.75, ~0.5,
    # ~0.25-0.35)
    n = stats["examples"]
    assert n >= FUZZ_SETTINGS.max_examples * 0.9, stats
    assert stats["ran"] >= 0.5 * n, stats
    assert stats["data_checked"] >= 0.35 * n, stats
    assert stats["projections"] >= 0.15 * n, stats
