"""Seeds of the machine's KISS random number generators, as the toolchain makes them.

Poisson cores and noisy current sources each run a Marsaglia KISS generator whose four
state words (x, y, z, c) the host draws from a numpy ``RandomState``: four draws of
``randint(-2**31, 2**31 - 1) + 2**31``, then y must not be 0 and c is reduced below the
generator's multiplier (docs/toolchain6.md, O7).
"""
import numpy as np


def kiss_seed(random_state):
    """The next four seed words from `random_state`, as a uint32 array (x, y, z, c)."""
    words = [int(random_state.randint(-2 ** 31, 2 ** 31 - 1)) + 2 ** 31 for _ in range(4)]
    if words[1] == 0:
        words[1] = 13031301
    words[3] = words[3] % 698769068 + 1
    return np.array(words, dtype=np.uint32)


def random_state(seed=None):
    """A private generator: seeded when the user gave a seed, from OS entropy otherwise."""
    return np.random.RandomState(seed)
