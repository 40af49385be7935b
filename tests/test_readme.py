"""The README's two set-up commands are the ones CI and the demo really use."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _read(name):
    with open(os.path.join(ROOT, name)) as f:
        return f.read()


def _readme_commands():
    return re.findall(r"```\n(python -m pip install [^\n]+)\n```", _read("README.md"))


def test_readme_has_exactly_two_setup_commands():
    commands = _readme_commands()
    assert len(commands) == 2, commands
    assert "examples/synfire.py" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    ci_lines = [line.strip() for line in _read(".ci/run").splitlines()]
    assert _readme_commands()[1] in ci_lines


def test_demo_command_names_an_existing_script():
    script = _readme_commands()[0].split("python ")[-1].strip()
    assert os.path.exists(os.path.join(ROOT, script))


def test_the_test_command_fetches_pynn_scenarios_and_ci_requires_them():
    """PyNN's own scenarios run in CI: the README's test command fetches them (not vendored),
    and .ci/run makes a failed fetch an error (PYNN_SUITE_REQUIRED=1) rather than a skip."""
    command = _readme_commands()[1]
    assert "python tools/fetch_pynn_tests.py" in command
    assert command.index("fetch_pynn_tests") < command.index("pytest")
    assert os.path.exists(os.path.join(ROOT, "tools", "fetch_pynn_tests.py"))
    ci_lines = [line.strip() for line in _read(".ci/run").splitlines()]
    required = "export PYNN_SUITE_REQUIRED=1"
    assert required in ci_lines
    assert ci_lines.index(required) < ci_lines.index(command)
    assert ".pynn_tests/" in _read(".gitignore").split()


def test_ci_stops_when_any_part_of_the_test_command_fails():
    """Under `set -e` bash does not stop at a failing command inside an && list unless it is
    the last one: .ci/run checks the list's status on the next line, so a failed install or
    fetch fails CI instead of going on to the next stage."""
    lines = [line.strip() for line in _read(".ci/run").splitlines()]
    after = lines.index(_readme_commands()[1]) + 1
    while lines[after].startswith("#"):
        after += 1
    assert lines[after] == 'status=$?; [ "$status" -eq 0 ] || exit "$status"'
