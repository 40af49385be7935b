"""Glue between PyNN's own scenario tests (fetched by tools/fetch_pynn_tests.py) and our runner.

* where the fetched tests are (`.pynn_tests/` or ``$PYNN_TESTS_DIR``) and how to import them;
* the checked-in exclusion list (`excluded.txt`) and minimum number of passing scenarios;
* the outcomes collected while the runner runs, for the summary line.

Nothing here is a test; see test_pynn_scenarios.py.
"""
import importlib
import importlib.util
import json
import os
import sys
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get("PYNN_TESTS_DIR") or os.path.join(ROOT, ".pynn_tests")
SCENARIO_DIR = os.path.join(CACHE, "test", "system", "scenarios")
EXCLUDED_FILE = os.path.join(HERE, "excluded.txt")
PACKAGE = "pynn_upstream_scenarios"

#: the kinds of exclusion (excluded.txt, second column)
UNSUPPORTED = "unsupported"     # needs a model SpiNNaker lacks: must fail with our NotImplementedError
LIMITATION = "limitation"       # a documented toolchain limitation
DIFFERS = "differs"             # a deliberate difference from float simulators
PENDING = "pending"             # a backend gap whose fix is pending (remove when fixed)
KINDS = (UNSUPPORTED, LIMITATION, DIFFERS, PENDING)
#: the words every "model not supported" error of ours carries
NOT_SUPPORTED_PHRASE = "not supported on SpiNNaker"


def fetched():
    """(True, version) if the fetch step was run, else (False, message)."""
    stamp = os.path.join(CACHE, "FETCHED.json")
    if not os.path.isdir(SCENARIO_DIR) or not os.path.exists(stamp):
        return False, (f"PyNN's tests were not fetched into {CACHE}: run "
                       f"`python tools/fetch_pynn_tests.py` first (docs/pynn_conformance.md)")
    with open(stamp) as f:
        return True, json.load(f).get("version")


def load_scenarios():
    """[(scenario id "module::function", function)] of every test function PyNN marks as a
    scenario (decorated with `run_with_simulators`, i.e. parametrised over a `sim` argument),
    in file and definition order."""
    if PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            PACKAGE, os.path.join(SCENARIO_DIR, "__init__.py"),
            submodule_search_locations=[SCENARIO_DIR])
        package = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = package
        spec.loader.exec_module(package)
    scenarios = []
    for filename in sorted(os.listdir(SCENARIO_DIR)):
        if not (filename.startswith("test_") and filename.endswith(".py")):
            continue
        module = importlib.import_module(f"{PACKAGE}.{filename[:-3]}")
        for name, obj in vars(module).items():
            # pytest collects test* functions only (test_cell_types.issue367 is decorated
            # but not a test)
            if (not name.startswith("test") or not callable(obj)
                    or getattr(obj, "__module__", None) != module.__name__):
                continue
            marks = getattr(obj, "pytestmark", [])
            if any(mark.name == "parametrize" and mark.args and mark.args[0] == "sim"
                   for mark in marks):
                scenarios.append((f"{filename[:-3]}::{name}", obj))
    return scenarios


@dataclass
class Exclusion:
    scenario: str
    kind: str
    models: tuple
    reason: str


def read_exclusions(path=EXCLUDED_FILE):
    """(minimum number passing, {scenario id: Exclusion}) from excluded.txt.

    Lines: ``minimum_passing = N`` once, then one scenario a line:
    ``<module>::<function> | <kind>[:<Name>,<Name>] | <reason>``; a line starting with ``#`` is
    a comment.  The names are the models of an ``unsupported`` entry, or built-in exceptions
    that a ``differs``/``limitation`` entry may also fail with (e.g. ``differs:KeyError``).
    """
    minimum = None
    exclusions = {}
    with open(path) as f:
        for number, raw in enumerate(f, 1):
            line = "" if raw.lstrip().startswith("#") else raw.strip()
            if not line:
                continue
            if line.startswith("minimum_passing"):
                minimum = int(line.split("=", 1)[1])
                continue
            parts = [part.strip() for part in line.split("|", 2)]
            if len(parts) != 3 or "::" not in parts[0] or not parts[2]:
                raise ValueError(f"{path}:{number}: expected '<module>::<function> | <kind> | "
                                 f"<reason>', got {raw!r}")
            scenario, kind, reason = parts
            models = ()
            if ":" in kind:
                kind, names = kind.split(":", 1)
                models = tuple(name.strip() for name in names.split(",") if name.strip())
            if kind not in KINDS:
                raise ValueError(f"{path}:{number}: kind {kind!r} is not one of {KINDS}")
            if kind == UNSUPPORTED and not models:
                raise ValueError(f"{path}:{number}: an 'unsupported' entry names the model(s)")
            if kind != UNSUPPORTED:
                import builtins
                for name in models:
                    if not (isinstance(getattr(builtins, name, None), type)
                            and issubclass(getattr(builtins, name), BaseException)):
                        raise ValueError(f"{path}:{number}: {name} is not a built-in exception")
            if scenario in exclusions:
                raise ValueError(f"{path}:{number}: {scenario} listed twice")
            exclusions[scenario] = Exclusion(scenario, kind, models, reason)
    if minimum is None:
        raise ValueError(f"{path}: no 'minimum_passing = N' line")
    return minimum, exclusions


@dataclass
class Outcomes:
    """What happened to each scenario in this session (for the summary line)."""
    passed: list = field(default_factory=list)
    excluded: dict = field(default_factory=dict)     # scenario -> (kind, what happened)
    failed: list = field(default_factory=list)
    total: int = 0

    def summary(self):
        kinds = {}
        for kind, _ in self.excluded.values():
            kinds[kind] = kinds.get(kind, 0) + 1
        detail = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        text = (f"PyNN scenarios: {len(self.passed)} passed, {len(self.excluded)} excluded"
                + (f" ({detail})" if detail else ""))
        if self.failed:
            text += f", {len(self.failed)} FAILED ({', '.join(self.failed)})"
        ran = len(self.passed) + len(self.excluded) + len(self.failed)
        if ran != self.total:
            text += f" [{ran} of {self.total} scenarios run]"
        return text


OUTCOMES = Outcomes()
