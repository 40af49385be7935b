"""Leaky integrate-and-fire membrane (C: csrc/components/membrane_lif.h)."""
from .base import Component, Field, S1615, INT32
from .. import fixedpoint


class LifMembrane(Component):
    """V' = alpha - exp_TC (alpha - V), alpha = I R + V_rest; frozen while refractory."""

    kind = "membrane"
    c_name = "lif"
    fields = (
        Field("V_membrane", S1615, state=True),
        Field("V_rest", S1615),
        Field("R_membrane", S1615),
        Field("exp_TC", S1615),
        Field("I_offset", S1615),
        Field("refract_timer", INT32, state=True),
        Field("V_reset", S1615),
        Field("T_refract", INT32),
    )
    positive = ("tau_m", "cm")
    non_negative = ("tau_refrac",)
    state_fields = {"v": "V_membrane"}

    def parameter_words(self, p, dt_ms, profile):
        return {
            "V_rest": fixedpoint.encode_s1615(p["v_rest"]),
            "R_membrane": profile.lif_r(p["tau_m"], p["cm"]),
            "exp_TC": profile.lif_exp_tc(dt_ms, p["tau_m"]),
            "I_offset": fixedpoint.encode_s1615(p["i_offset"]),
            "V_reset": fixedpoint.encode_s1615(p["v_reset"]),
            "T_refract": profile.refractory_ticks(p["tau_refrac"], dt_ms),
        }

    def state_words(self, initial):
        return {"V_membrane": fixedpoint.encode_s1615(initial["v"]), "refract_timer": 0}
