"""benchmarks/kernel_ab.py, the developers' comparison of kernel builds, still runs (it
reaches into the engine to swap the kernel module) and refuses builds that compute
different things."""
import os
import subprocess
import sys

import numpy as np

from pynn_spinn_virtual import _kernel

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import kernel_ab  # noqa: E402


def test_two_copies_of_one_build_compare_equal():
    path = _kernel.__file__
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "kernel_ab.py"), "--scale", "0.05",
         "--time", "50", "--rounds", "2", "--threads", "2", path, path],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "every build did the same work and sent the same spikes" in out.stdout
    assert out.stdout.count(path) == 2


def test_the_counters_tell_builds_apart():
    """The comparison reads every core's counters: one spike more anywhere shows."""
    class Kernel:
        n_cores = 2

        def __init__(self, spikes):
            self.spikes = spikes

        def load_counters(self, core):
            return {"spikes_out": self.spikes[core], "ticks": 50}

    same = kernel_ab.load_counters(Kernel([3, 4]))
    assert np.array_equal(same, kernel_ab.load_counters(Kernel([3, 4])))
    assert not np.array_equal(same, kernel_ab.load_counters(Kernel([3, 5])))
