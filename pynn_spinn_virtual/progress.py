"""A progress bar for long runs, like the toolchain's (ticks done / total).

Shown when the environment variable ``PYNN_SPINN_VIRTUAL_PROGRESS=1`` (the command line sets
it unless ``--quiet``); written to stderr, so it never mixes with a script's output.
"""
import os
import sys
import time

ENVIRONMENT_SWITCH = "PYNN_SPINN_VIRTUAL_PROGRESS"
WIDTH = 40


def enabled():
    return os.environ.get(ENVIRONMENT_SWITCH, "0") == "1"


class ProgressBar:
    """Draws `done / total` ticks; cheap enough to update every few thousand ticks."""

    def __init__(self, total, label="Running simulation", stream=None):
        self.total = max(1, int(total))
        self.label = label
        self.stream = stream or sys.stderr
        self.start = time.time()
        self.done = 0
        self._drawn = -1

    def update(self, done):
        self.done = min(int(done), self.total)
        filled = self.done * WIDTH // self.total
        if filled != self._drawn or self.done == self.total:
            self._drawn = filled
            bar = "=" * filled + " " * (WIDTH - filled)
            self.stream.write(f"\r{self.label} |{bar}| {self.done}/{self.total} ticks")
            self.stream.flush()

    def close(self):
        self.update(self.total)
        self.stream.write(f" ({time.time() - self.start:.1f} s)\n")
        self.stream.flush()
