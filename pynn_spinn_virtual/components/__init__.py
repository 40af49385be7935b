"""Neuron components: the Python description of each C component in ``csrc/components``.

sPyNNaker builds a neuron from four parts -- membrane model, synapse shaping, input type and
threshold -- and so do we.  Each :class:`Component` here mirrors one C header: it lists the
struct's fields in order (every field is one 32-bit word) and converts PyNN parameters and
initial values into those words with the profile's fixed-point rules.  A cell type is a tuple
of components, never a copy of another cell type.
"""
from .base import Component, Field, S1615, U032, INT32  # noqa: F401
from .lif import LifMembrane  # noqa: F401
from .izhikevich import IzhikevichMembrane  # noqa: F401
from .exponential import DualExponentialSynapse, ExponentialSynapse  # noqa: F401
from .alpha import AlphaSynapse  # noqa: F401
from .delta import DeltaInput, DeltaSynapse  # noqa: F401
from .current import CurrentInput  # noqa: F401
from .conductance import ConductanceInput  # noqa: F401
from .static_threshold import StaticThreshold  # noqa: F401
from .ca2_adaptive import Ca2AdaptiveInput  # noqa: F401
