"""The errors this backend raises, named after the toolchain's where one exists.

Every message names the population, projection or core concerned and the limit broken,
as the SpiNNaker toolchain's errors do.
"""
from pyNN.errors import InvalidParameterValueError


class ParameterError(InvalidParameterValueError):
    """A parameter value the machine cannot represent or the model cannot use (a ValueError,
    and PyNN's InvalidParameterValueError, which PyNN's own tests expect)."""


class ConfigurationError(ValueError):
    """A setting the machine cannot honour (the toolchain's ConfigurationException)."""


class MappingError(Exception):
    """The network cannot be mapped onto the machine (does not fit, shift too large ...)."""


class DelayExtensionError(MappingError):
    """A delay longer than the machine supports (the toolchain's DelayExtensionException)."""


class SimulatorShutdownError(RuntimeError):
    """A call that is not valid after end() (the toolchain's SimulatorShutdownException)."""


class NetworkChangedError(NotImplementedError):
    """The network was changed after a run without reset()."""


class UnsupportedModelError(NotImplementedError):
    """A PyNN model (cell type, synapse type, source, receptor, ion channel) that the SpiNNaker
    toolchain does not offer; the message names it and says "not supported on SpiNNaker"."""
