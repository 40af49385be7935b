"""PyNN's standard models that the SpiNNaker toolchain does not offer.

``sim.HH_cond_exp``, ``sim.TsodyksMarkramSynapse`` ... exist, so that a PyNN script written for
another backend gets a clear error instead of an AttributeError: constructing one raises
:class:`~pynn_spinn_virtual.exceptions.UnsupportedModelError` (a NotImplementedError) "<Model>
is not supported on SpiNNaker", with what to use instead.  sPyNNaker itself defines
IF_cond_alpha, EIF_cond_alpha_isfa_ista, HH_cond_exp and IF_facets_hardware1 as classes whose
constructors raise "This neuron model is currently not supported by the tool chain" and has no
attribute at all for the others (spec/frontend §1.6, §1.8).
"""
from ..exceptions import UnsupportedModelError

_CELLS = "the SpiNNaker cell types are IF_curr_exp, IF_cond_exp, IF_curr_alpha, " \
         "IF_curr_delta, Izhikevich (and sim.extra_models)"
_SOURCES = "the SpiNNaker spike sources are SpikeSourceArray and SpikeSourcePoisson " \
           "(and extra_models.SpikeSourcePoissonVariable)"
_SYNAPSES = "the SpiNNaker synapse types are StaticSynapse and STDPMechanism"
_STDP = ("the SpiNNaker STDP rules are SpikePairRule (and extra_models.SpikeNearestPairRule) "
         "with AdditiveWeightDependence or MultiplicativeWeightDependence")
_COMPOSED = "SpiNNaker has no composable point neurons; " + _CELLS
_MULTI = "SpiNNaker has no multi-compartment neurons"

#: model name -> (what it is, what to use instead)
UNSUPPORTED = {
    # cell types
    "IF_cond_alpha": ("neuron model", _CELLS),
    "IF_cond_exp_gsfa_grr": ("neuron model", _CELLS),
    "IF_facets_hardware1": ("neuron model", _CELLS),
    "HH_cond_exp": ("neuron model", _CELLS),
    "EIF_cond_alpha_isfa_ista": ("neuron model", _CELLS),
    "EIF_cond_exp_isfa_ista": ("neuron model", _CELLS),
    "GIF_cond_exp": ("neuron model", _CELLS),
    # spike sources
    "SpikeSourceGamma": ("spike source", _SOURCES),
    "SpikeSourceInhGamma": ("spike source", _SOURCES),
    "SpikeSourcePoissonRefractory": ("spike source", _SOURCES),
    # composed point neurons and their parts
    "PointNeuron": ("composed neuron model", _COMPOSED),
    "LIF": ("neuron component", _COMPOSED),
    "AdExp": ("neuron component", _COMPOSED),
    "CurrExpPostSynapticResponse": ("post-synaptic response", _COMPOSED),
    "CondExpPostSynapticResponse": ("post-synaptic response", _COMPOSED),
    "CondAlphaPostSynapticResponse": ("post-synaptic response", _COMPOSED),
    "CondBetaPostSynapticResponse": ("post-synaptic response", _COMPOSED),
    "AlphaPSR": ("post-synaptic response", _COMPOSED),
    "ExpPSR": ("post-synaptic response", _COMPOSED),
    # multi-compartment neurons and ion channels
    "MultiCompartmentNeuron": ("neuron model", _MULTI),
    "NaChannel": ("ion channel", _MULTI),
    "KdrChannel": ("ion channel", _MULTI),
    "PassiveLeak": ("ion channel", _MULTI),
    "PassiveLeakHH": ("ion channel", _MULTI),
    # synapse types
    "TsodyksMarkramSynapse": ("synapse type (short-term plasticity)", _SYNAPSES),
    "StochasticTsodyksMarkramSynapse": ("synapse type", _SYNAPSES),
    "SimpleStochasticSynapse": ("synapse type", _SYNAPSES),
    "MultiQuantalSynapse": ("synapse type", _SYNAPSES),
    "ElectricalSynapse": ("synapse type (gap junction)", _SYNAPSES),
    # STDP components
    "AdditivePotentiationMultiplicativeDepression": ("STDP weight dependence", _STDP),
    "GutigWeightDependence": ("STDP weight dependence", _STDP),
    "Vogels2011Rule": ("STDP timing dependence", _STDP),
}


class UnsupportedModel:
    """Base of the placeholders: constructing one raises UnsupportedModelError."""
    what = "model"
    instead = ""

    def __init__(self, *args, **kwargs):
        raise UnsupportedModelError(
            f"{type(self).__name__} is not supported on SpiNNaker: the sPyNNaker toolchain "
            f"has no such {self.what}; {self.instead}")


for _name, (_what, _instead) in UNSUPPORTED.items():
    globals()[_name] = type(_name, (UnsupportedModel,), {
        "what": _what, "instead": _instead, "__module__": __name__,
        "__doc__": f"Not supported on SpiNNaker ({_what}): constructing it raises "
                   f"UnsupportedModelError."})



class _Morphology:
    """``sim.morphology`` (PyNN's NEURON/Arbor backends: morphology helpers for
    multi-compartment neurons): any use raises UnsupportedModelError."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise UnsupportedModelError(f"morphology.{name} is not supported on SpiNNaker: {_MULTI}")


morphology = _Morphology()

__all__ = list(UNSUPPORTED) + ["morphology"]
