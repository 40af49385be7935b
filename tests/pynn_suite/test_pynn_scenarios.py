"""PyNN 0.13's own backend-independent scenarios, run against pynn_spinn_virtual.

The scenarios (`test/system/scenarios` of the PyNN sdist, fetched -- not vendored -- by
``python tools/fetch_pynn_tests.py``) are functions that take the simulator module as their
`sim` argument; PyNN runs them for NEST, NEURON and Brian 2.  Here each one is called with
``pynn_spinn_virtual``:

* a scenario not listed in excluded.txt must pass;
* an ``unsupported:<Model>`` entry must fail with our NotImplementedError "... not supported on
  SpiNNaker" naming that model (and must not pass);
* a ``limitation`` or ``differs`` entry must fail with an assertion of the scenario or one of
  our clear errors (or a built-in exception named in the entry, ``differs:KeyError``) -- never
  an unexpected crash (TypeError, AttributeError, IndexError ...) -- and must not
  pass: when it starts passing, remove it from the list and raise ``minimum_passing``;
* a ``pending`` entry (a gap in the backend whose fix is on its way) must fail, in any way,
  and is reported as failing until it is fixed and removed from the list.

The last test checks that the number passing is at least ``minimum_passing`` (it may only go
up), and the terminal summary prints "PyNN scenarios: N passed, M excluded ...".
Without the fetch step the module is skipped with a message saying so; set
``PYNN_SUITE_REQUIRED=1`` (as CI does) to make that an error instead.
"""
import builtins
import logging
import os
import warnings

import pytest

import pynn_scenario_glue as glue

_available, _version_or_message = glue.fetched()
if not _available:
    if os.environ.get("PYNN_SUITE_REQUIRED") == "1":
        raise RuntimeError(_version_or_message)
    pytest.skip(_version_or_message, allow_module_level=True)

from pyNN import errors as pynn_errors  # noqa: E402

import pynn_spinn_virtual as sim  # noqa: E402
from pynn_spinn_virtual import exceptions as our_errors  # noqa: E402

SCENARIOS = dict(glue.load_scenarios())
MINIMUM_PASSING, EXCLUSIONS = glue.read_exclusions()
glue.OUTCOMES.total = len(SCENARIOS)

#: errors that count as a clear failure of an excluded scenario (not a crash)
CLEAR_ERRORS = (AssertionError, pytest.fail.Exception, NotImplementedError,
                pynn_errors.InvalidParameterValueError, pynn_errors.InvalidDimensionsError,
                pynn_errors.NonExistentParameterError, pynn_errors.InvalidModelError,
                pynn_errors.RecordingError, our_errors.ParameterError,
                our_errors.ConfigurationError, our_errors.MappingError)


def _end_simulation():
    state = sim.simulator.state
    if not state.ended:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                sim.end()
            except Exception:
                pass


def _logging_state():
    loggers = [logging.getLogger(name) for name in ("", "PyNN", "pynn_spinn_virtual")]
    return [(logger, logger.level, list(logger.handlers)) for logger in loggers]


def _restore_logging(saved):
    """Some scenarios call PyNN's init_logging(debug=True), which would leave every later
    scenario logging at DEBUG (slow and noisy)."""
    for logger, level, handlers in saved:
        for handler in logger.handlers:
            if handler not in handlers:
                logger.removeHandler(handler)
                handler.close()
        logger.setLevel(level)


def _run(function):
    """(None, None) if the scenario passed, ("skip", message) if it skipped itself, or
    ("error", exception)."""
    saved_logging = _logging_state()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            function(sim)
    except pytest.skip.Exception as skip:
        return "skip", str(skip)
    except (Exception, pytest.fail.Exception) as error:
        return "error", error
    finally:
        _end_simulation()
        _restore_logging(saved_logging)
    return None, None


def _is_our_not_supported(error, models):
    text = str(error)
    return (isinstance(error, NotImplementedError) and glue.NOT_SUPPORTED_PHRASE in text
            and any(model in text for model in models))


def _models_refused(models):
    """Constructing each model raises our NotImplementedError (used when PyNN's scenario
    skips itself before reaching the model, e.g. multicompartment without morphio)."""
    for model in models:
        obj = getattr(sim, model, None)
        if obj is None:
            return f"sim.{model} does not exist"
        try:
            obj() if isinstance(obj, type) else getattr(obj, "anything")
        except NotImplementedError as error:
            if not _is_our_not_supported(error, [model]):
                return f"sim.{model} raised {error!r}"
        else:
            return f"sim.{model} is not refused"
    return None


def _one_line(error):
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:200]


@pytest.fixture
def in_tmp_dir(tmp_path, monkeypatch):
    """Scenarios write files (pickles, Results/) in the working directory."""
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_scenario(scenario, in_tmp_dir):
    function = SCENARIOS[scenario]
    exclusion = EXCLUSIONS.get(scenario)
    outcome, detail = _run(function)
    outcomes = glue.OUTCOMES

    if exclusion is None:
        if outcome is None:
            outcomes.passed.append(scenario)
            return
        outcomes.failed.append(scenario)
        if outcome == "skip":
            pytest.fail(f"{scenario} skipped itself ({detail}); it is not in excluded.txt, "
                        f"so it must run and pass")
        raise detail

    # an excluded scenario: it must fail, and in the expected way
    if outcome is None:
        outcomes.failed.append(scenario)
        pytest.fail(f"{scenario} now passes: remove it from tests/pynn_suite/excluded.txt and "
                    f"raise minimum_passing")
    if exclusion.kind == glue.UNSUPPORTED:
        if outcome == "skip":
            problem = _models_refused(exclusion.models)
            if problem is None:
                outcomes.excluded[scenario] = (exclusion.kind, f"PyNN skipped it ({detail}); "
                                               f"{', '.join(exclusion.models)} refused")
                return
            outcomes.failed.append(scenario)
            pytest.fail(f"{scenario}: PyNN skipped it ({detail}) and {problem}")
        if _is_our_not_supported(detail, exclusion.models):
            outcomes.excluded[scenario] = (exclusion.kind, _one_line(detail))
            return
        outcomes.failed.append(scenario)
        raise AssertionError(
            f"{scenario} is excluded as needing {', '.join(exclusion.models)}, but it did not "
            f"fail with our NotImplementedError '... {glue.NOT_SUPPORTED_PHRASE}' naming it: "
            f"{_one_line(detail)}") from detail
    if outcome == "skip":
        outcomes.failed.append(scenario)
        pytest.fail(f"{scenario} skipped itself ({detail}); an excluded scenario must run and "
                    f"fail as excluded.txt says")
    expected = CLEAR_ERRORS + tuple(getattr(builtins, name) for name in exclusion.models)
    if exclusion.kind != glue.PENDING and not isinstance(detail, expected):
        outcomes.failed.append(scenario)
        raise AssertionError(f"{scenario} ({exclusion.kind}: {exclusion.reason}) crashed "
                             f"instead of failing cleanly: {_one_line(detail)}") from detail
    outcomes.excluded[scenario] = (exclusion.kind, _one_line(detail))


def test_exclusion_list_names_existing_scenarios():
    stale = sorted(set(EXCLUSIONS) - set(SCENARIOS))
    assert not stale, (f"excluded.txt lists scenarios PyNN {_version_or_message} does not "
                       f"have: {stale}")


def test_number_passing_not_below_minimum():
    """The number of passing scenarios may only go up (minimum_passing in excluded.txt)."""
    outcomes = glue.OUTCOMES
    ran = len(outcomes.passed) + len(outcomes.excluded) + len(outcomes.failed)
    if ran != len(SCENARIOS):
        pytest.skip(f"only {ran} of {len(SCENARIOS)} scenarios were run in this session")
    assert len(outcomes.passed) >= MINIMUM_PASSING, (
        f"{len(outcomes.passed)} PyNN scenarios passed, fewer than the checked-in minimum of "
        f"{MINIMUM_PASSING}: {outcomes.summary()}")
    assert len(SCENARIOS) - len(EXCLUSIONS) >= MINIMUM_PASSING, (
        "excluded.txt excludes so many scenarios that minimum_passing cannot be met")
