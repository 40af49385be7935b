"""Fixed threshold: spike when V >= v_thresh (C: threshold_static.h)."""
from .base import Component, Field, S1615
from .. import fixedpoint


class StaticThreshold(Component):
    """Threshold `v_thresh`, or a constant (Izhikevich: 30 mV) when one is given."""
    kind = "threshold"
    c_name = "static"
    fields = (Field("threshold_value", S1615),)

    def __init__(self, constant=None):
        self.constant = constant

    def parameter_words(self, p, dt_ms, profile):
        value = self.constant if self.constant is not None else p["v_thresh"]
        return {"threshold_value": fixedpoint.encode_s1615(value)}
