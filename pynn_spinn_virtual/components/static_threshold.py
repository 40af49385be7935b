"""Fixed threshold: spike when V >= v_thresh (C: threshold_static.h)."""
from .base import Component, Field, S1615
from .. import fixedpoint


class StaticThreshold(Component):
    kind = "threshold"
    c_name = "static"
    fields = (Field("threshold_value", S1615),)

    def parameter_words(self, p, dt_ms, profile):
        return {"threshold_value": fixedpoint.encode_s1615(p["v_thresh"])}
