"""Izhikevich membrane (C: membrane_izhikevich.h), with the machine's compiled product order.

h, the integration step, is dt except in the tick after a spike (1.85 dt); it is state.
The threshold is a fixed 30 mV (a StaticThreshold with a constant).
"""
from .base import Component, Field, S1615
from .. import fixedpoint


class IzhikevichMembrane(Component):
    kind = "membrane"
    c_name = "izhikevich"
    fields = (Field("A", S1615), Field("B", S1615), Field("C", S1615), Field("D", S1615),
              Field("V", S1615, state=True), Field("U", S1615, state=True),
              Field("I_offset", S1615), Field("this_h", S1615, state=True),
              Field("reset_h", S1615))
    state_fields = {"v": "V", "u": "U"}

    def parameter_words(self, p, dt_ms, profile):
        words = {name.upper(): fixedpoint.encode_s1615(p[name]) for name in "abcd"}
        words["I_offset"] = fixedpoint.encode_s1615(p["i_offset"])
        words["reset_h"] = profile.izhikevich_h(dt_ms)
        # 6.0 rewrites this_h = dt whenever it writes the parameters (so also after set())
        words["this_h"] = words["reset_h"]
        return words

    def state_words(self, initial):
        return {"V": fixedpoint.encode_s1615(initial["v"]),
                "U": fixedpoint.encode_s1615(initial["u"])}

    def reset_state(self, array, initial):
        super().reset_state(array, initial)
        array["this_h"] = array["reset_h"]
