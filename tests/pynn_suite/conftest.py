"""Prints the PyNN conformance summary line at the end of a run that included the scenarios."""
import pynn_scenario_glue as glue


def pytest_terminal_summary(terminalreporter):
    outcomes = glue.OUTCOMES
    if outcomes.total == 0 and not (outcomes.passed or outcomes.excluded or outcomes.failed):
        return
    terminalreporter.write_sep("=", "PyNN 0.13 conformance")
    terminalreporter.write_line(outcomes.summary())
