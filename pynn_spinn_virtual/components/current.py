"""Current input type: synaptic values are currents in nA (C: input_current.h)."""
from .base import Component


class CurrentInput(Component):
    """No parameters; weights enter the ring buffer unscaled (global weight scale 1)."""

    kind = "input"
    c_name = "current"
    fields = ()
    weight_scale = 1.0
    conductance_based = False
