"""pynn_spinn_virtual: a PyNN backend that computes what SpiNNaker computes.

Use it as ``import pynn_spinn_virtual as sim`` with the PyNN 0.13 API.  Results are those of
the sPyNNaker toolchain on the machine -- s16.15 fixed point, 16-bit weights scaled per core,
16 ring-buffer delay slots, 1 ms ticks by default -- returned in the Neo structure of a
hardware run.
"""
__version__ = "0.1.0"

from pyNN import errors, random, space  # noqa: F401
from pyNN.connectors import (  # noqa: F401
    AllToAllConnector, ArrayConnector, CloneConnector, CSAConnector,
    DisplacementDependentProbabilityConnector, DistanceDependentProbabilityConnector,
    FixedNumberPostConnector, FixedNumberPreConnector, FixedProbabilityConnector,
    FixedTotalNumberConnector, FromFileConnector, FromListConnector,
    IndexBasedProbabilityConnector, OneToOneConnector)
from pyNN.network import Network  # noqa: F401
from pyNN.random import GSLRNG, NumpyRNG, RandomDistribution  # noqa: F401
from pyNN.space import (Cuboid, Grid2D, Grid3D, Line, RandomStructure, Space,  # noqa: F401
                        Sphere, distance)

from .control import (end, get_current_time, get_machine, get_max_delay,  # noqa: F401
                      get_min_delay, get_time_step, initialize, name, num_processes, rank,
                      reset, run, run_for, run_until, set_number_of_neurons_per_core, setup)
from .exceptions import (ConfigurationError, DelayExtensionError, MappingError,  # noqa: F401
                         NetworkChangedError, ParameterError, SimulatorShutdownError,
                         UnsupportedModelError)
from .populations import Assembly, Population, PopulationView  # noqa: F401
from .procedural_api import connect, create, record, record_gsyn, record_v  # noqa: F401
from .projections import Projection, SmallWorldConnector  # noqa: F401
from . import extra_models  # noqa: F401
from .standardmodels.cells import (IF_cond_exp, IF_curr_alpha, IF_curr_delta,  # noqa: F401
                                   IF_curr_exp, IZK_curr_exp, Izhikevich, SpikeSourceArray,
                                   SpikeSourcePoisson)
from .standardmodels.electrodes import (ACSource, DCSource, NoisyCurrentSource,  # noqa: F401
                                        StepCurrentSource)
from .standardmodels.synapses import (AdditiveWeightDependence,  # noqa: F401
                                      MultiplicativeWeightDependence, SpikePairRule,
                                      STDPMechanism, StaticSynapse)
# PyNN's other standard models: constructing one raises UnsupportedModelError
# (a NotImplementedError "<Model> is not supported on SpiNNaker")
from .standardmodels.unsupported import *  # noqa: F401,F403

NativeRNG = NumpyRNG


def list_standard_models():
    """Names of the standard cell types this backend runs."""
    from .standardmodels import cells
    return list(cells.__all__)
